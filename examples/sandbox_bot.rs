//! A bot on the sandbox transport, with a scripted language model and SQLite, plays a short
//! conversation and prints the qualified lead.
//!
//! ```text
//! cargo run --example sandbox_bot [-- --db data/sandbox_bot.db]
//! ```

use std::{path::PathBuf, sync::Arc, time::Duration};

use anyhow::{Context, bail};
use chrono::Utc;
use wabot::core::{
    domain::{
        Bot, BotName, BotStatus, ContactId, Email, Member, Pacing, Prompt, Role, User, Workspace,
        WorkspaceName,
    },
    engine::{Engine, EngineConfig, EngineDeps, TransportRegistry},
    ids::{UserId, WorkspaceId},
    memory::{BroadcastBus, SandboxHub, Scripted, ScriptedLlm},
    ports::{DomainEvent, EventBus, SharedLlm, Store, SystemClock},
    supervisor::{Backoff, Supervisor},
};

fn db_path() -> anyhow::Result<PathBuf> {
    let mut args = std::env::args().skip(1);
    let mut path = PathBuf::from("data/sandbox_bot.db");
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--db" => path = args.next().context("--db needs a file path")?.into(),
            "-h" | "--help" => {
                println!(
                    "usage: sandbox_bot [--db PATH]\n\nPlays a lead-capture conversation with a sandbox bot and prints the lead.\n  --db PATH   SQLite database file (default data/sandbox_bot.db; created if missing)"
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument `{other}`; try --help"),
        }
    }
    Ok(path)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let path = db_path()?;
    let store: Arc<dyn Store> = Arc::new(
        wabot::store::SqliteStore::open(&path.to_string_lossy())
            .await
            .with_context(|| format!("cannot open the database at {}", path.display()))?,
    );
    println!("database: {}", path.display());

    // A workspace with one sales agent and one bot.
    let now = Utc::now();
    let workspace = Workspace {
        id: WorkspaceId::new(),
        name: WorkspaceName::parse("Acme Solar")?,
        created_at: now,
    };
    store.create_workspace(&workspace).await?;
    let agent = store
        .upsert_user(&User {
            id: UserId::new(),
            email: Email::parse("sam@acme-solar.example")?,
            name: "Sam".into(),
            created_at: now,
        })
        .await?;
    store
        .put_member(&Member {
            workspace_id: workspace.id,
            user_id: agent.id,
            role: Role::Agent,
            receives_leads: true,
            created_at: now,
        })
        .await?;
    let mut bot = Bot::new(
        workspace.id,
        BotName::parse("Acme assistant")?,
        Prompt::parse("You are the friendly assistant of Acme Solar, a solar panel installer.")?,
        now,
    );
    bot.enabled = true;
    bot.pacing = Pacing::INSTANT;
    store.create_bot(&bot).await?;

    // The model's side of the conversation, scripted.
    let llm = Arc::new(ScriptedLlm::new([
        Scripted::Reply("Hi! Happy to help with solar panels. May I have your name?".into()),
        Scripted::Reply("Thanks, Ana! What's the best e-mail to send your quote to?".into()),
        Scripted::Reply("Got it. And a phone number where our engineer can reach you?".into()),
        Scripted::Reply("Perfect, Sam from our team will call you shortly.".into()),
    ]));
    let bus = Arc::new(BroadcastBus::default());
    let hub = Arc::new(SandboxHub::new());
    let engine = Engine::new(
        EngineDeps {
            store: store.clone(),
            llm: Arc::new(SharedLlm(llm)),
            bus: bus.clone(),
            clock: Arc::new(SystemClock),
            transports: TransportRegistry::new(),
        },
        EngineConfig::default(),
    );
    let supervisor = Supervisor::new(engine.clone(), hub.clone(), Backoff::default());
    let mut events = bus.subscribe();
    supervisor.start_bot(bot.clone()).await;
    // Wait until the supervisor reports the sandbox session ready.
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(DomainEvent::BotStatus {
                status: BotStatus::Ready,
                ..
            }) = events.recv().await
            {
                return;
            }
        }
    })
    .await
    .context("the bot did not become ready within 10 s")?;

    let sandbox = hub.session(bot.id);
    let customer = ContactId::parse(&format!("3461{:07}@c.us", now.timestamp() % 10_000_000))?;
    let mut replies = sandbox.watch();
    for line in [
        "Hello! I'd like a quote for solar panels on my roof.",
        "My name is Ana López",
        "ana.lopez@example.com",
        "my mobile is 699 123 456",
    ] {
        println!("customer > {line}");
        sandbox.customer_says(&customer, line).await?;
        loop {
            let output = tokio::time::timeout(Duration::from_secs(30), replies.recv())
                .await
                .context("the bot did not answer within 30 s")??;
            if let wabot::core::memory::SandboxOutput::Text { body, .. } = output {
                println!("bot      > {body}");
                break;
            }
        }
    }
    engine.wait_idle().await;

    let lead = store
        .find_lead(bot.id, &customer)
        .await?
        .context("the lead was not stored")?;
    println!("\nlead {} is {}:", lead.id, lead.status);
    println!(
        "  name:     {}",
        lead.fields.name.map(|v| v.to_string()).unwrap_or_default()
    );
    println!(
        "  email:    {}",
        lead.fields.email.map(|v| v.to_string()).unwrap_or_default()
    );
    println!(
        "  phone:    {}",
        lead.fields.phone.map(|v| v.to_string()).unwrap_or_default()
    );
    println!(
        "  assignee: {}",
        lead.assignee
            .map(|_| agent.name.clone())
            .unwrap_or_else(|| "nobody".into())
    );
    while let Ok(event) = events.try_recv() {
        if let DomainEvent::LeadQualified { .. } | DomainEvent::LeadAssigned { .. } = event {
            println!("  event:    {}", event.name());
        }
    }
    supervisor.shutdown().await;
    Ok(())
}
