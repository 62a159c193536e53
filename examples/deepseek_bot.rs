//! Chat with a lead-capture bot in the terminal: the sandbox transport with DeepSeek (or any
//! OpenAI-compatible server) when `DEEPSEEK_API_KEY` is set, the offline model otherwise.
//!
//! ```text
//! cargo run --example deepseek_bot --features ai                  # type as the customer
//! echo "Hi, I'm Ana" | cargo run --example deepseek_bot --features ai
//! DEEPSEEK_API_KEY=sk-… cargo run --example deepseek_bot --features ai
//! DEEPSEEK_API_KEY=x DEEPSEEK_BASE_URL=http://localhost:11434/v1 DEEPSEEK_MODEL=llama3.2 \
//!     cargo run --example deepseek_bot --features ai             # Ollama, vLLM, llama.cpp, OpenAI
//! ```

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use chrono::Utc;
use tokio::io::{AsyncBufReadExt, BufReader};
use wabot::{
    ai::{
        offline::OfflineLlm,
        openai::{ChatClient, OpenAiConfig},
    },
    core::{
        domain::{Bot, BotName, BotStatus, ContactId, Pacing, Prompt, Workspace, WorkspaceName},
        engine::{Engine, EngineConfig, EngineDeps, TransportRegistry},
        ids::WorkspaceId,
        memory::{BroadcastBus, MemoryStore, SandboxHub, SandboxOutput},
        ports::{DomainEvent, EventBus, LlmClient, SharedLlm, Store, SystemClock},
        supervisor::{Backoff, Supervisor},
    },
};

fn language_model() -> anyhow::Result<(Arc<dyn LlmClient>, String)> {
    match std::env::var("DEEPSEEK_API_KEY") {
        Ok(key) if !key.trim().is_empty() => {
            let mut config = OpenAiConfig::deepseek(key);
            if let Ok(url) = std::env::var("DEEPSEEK_BASE_URL") {
                config = config.with_base_url(url);
            }
            if let Ok(model) = std::env::var("DEEPSEEK_MODEL") {
                config = config.with_model(model);
            }
            let label = format!("{} at {}", config.model, config.base_url);
            Ok((Arc::new(ChatClient::new(config)?), label))
        }
        _ => Ok((Arc::new(OfflineLlm::new()), OfflineLlm::LABEL.to_string())),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (llm, label) = language_model()?;
    eprintln!("model: {label}\ntype as the customer; an empty line or Ctrl-D ends\n");

    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let now = Utc::now();
    let workspace = Workspace {
        id: WorkspaceId::new(),
        name: WorkspaceName::parse("Acme Solar")?,
        created_at: now,
    };
    store.create_workspace(&workspace).await?;
    let mut bot = Bot::new(
        workspace.id,
        BotName::parse("Acme assistant")?,
        Prompt::parse(
            "You are the friendly assistant of Acme Solar, a solar panel installer. Help \
             customers get a quote.",
        )?,
        now,
    );
    bot.enabled = true;
    bot.pacing = Pacing::INSTANT;
    bot.llm.timeout_ms = 60_000;
    store.create_bot(&bot).await?;

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
    tokio::time::timeout(Duration::from_secs(10), async {
        while !matches!(
            events.recv().await,
            Ok(DomainEvent::BotStatus {
                status: BotStatus::Ready,
                ..
            })
        ) {}
    })
    .await
    .context("the sandbox bot did not start")?;

    let sandbox = hub.session(bot.id);
    let customer = ContactId::parse("34612345678@c.us")?;
    let mut replies = sandbox.watch();
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        let line = line.trim().to_string();
        if line.is_empty() {
            break;
        }
        sandbox.customer_says(&customer, &line).await?;
        loop {
            let output = tokio::time::timeout(Duration::from_secs(90), replies.recv())
                .await
                .context("no reply within 90 s")??;
            if let SandboxOutput::Text { body, .. } = output {
                println!("bot > {body}");
                break;
            }
        }
    }
    engine.wait_idle().await;
    if let Some(lead) = store.find_lead(bot.id, &customer).await? {
        let f = &lead.fields;
        println!(
            "\nlead: {} | name {} | email {} | phone {} | location {}",
            lead.status,
            f.name.as_ref().map_or("-", |v| v.as_str()),
            f.email.as_ref().map_or("-", |v| v.as_str()),
            f.phone.as_ref().map_or("-", |v| v.as_str()),
            f.location.as_ref().map_or("-", |v| v.as_str()),
        );
    }
    supervisor.shutdown().await;
    Ok(())
}
