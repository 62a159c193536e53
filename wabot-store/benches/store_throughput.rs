//! Store throughput on the engine's per-message path, without the engine: for each inbound
//! message `record_inbound`, `recent_messages`, `insert_message` (the reply), `mark_sent`, and
//! every fifth message `update_lead`, from many concurrent chats.
//!
//! ```text
//! cargo bench -p wabot-store --bench store_throughput -- [sqlite|sqlite-normal|postgres] [chats] [messages]
//! ```
//!
//! `postgres` uses `DATABASE_URL` (a fresh schema). Prints messages per second.

use std::{sync::Arc, time::Instant};

use chrono::Utc;
use wabot_core::{
    domain::{
        Bot, BotName, ContactId, DeliveryStatus, Direction, Message, Prompt, Sender, Workspace,
        WorkspaceName,
    },
    ids::{MessageId, WorkspaceId},
    ports::{InboundOutcome, NewInbound, Store},
};
use wabot_store::{Durability, PostgresOptions, PostgresStore, SqliteOptions, SqliteStore};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let backend = args.first().map_or("sqlite", String::as_str).to_string();
    let chats: usize = args.get(1).map_or(Ok(256), |a| a.parse())?;
    let messages: usize = args.get(2).map_or(Ok(50_000), |a| a.parse())?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.db").display().to_string();
    let store: Arc<dyn Store> = match backend.as_str() {
        "sqlite" => Arc::new(SqliteStore::open(&path).await?),
        "sqlite-normal" => Arc::new(
            SqliteStore::open_with(
                &path,
                SqliteOptions {
                    durability: Durability::Normal,
                    ..Default::default()
                },
            )
            .await?,
        ),
        "postgres" => {
            let url = std::env::var("DATABASE_URL")?;
            let options = PostgresOptions {
                max_connections: 32,
                schema: Some(format!("bench_{}", uuid::Uuid::new_v4().simple())),
                ..Default::default()
            };
            Arc::new(PostgresStore::connect_with(&url, options).await?)
        }
        other => anyhow::bail!("unknown backend {other}"),
    };

    let now = Utc::now();
    let ws = Workspace {
        id: WorkspaceId::new(),
        name: WorkspaceName::parse("Bench")?,
        created_at: now,
    };
    store.create_workspace(&ws).await?;
    let bot = Bot::new(
        ws.id,
        BotName::parse("Bench")?,
        Prompt::parse("Sell.")?,
        now,
    );
    store.create_bot(&bot).await?;

    let started = Instant::now();
    let per_chat = messages / chats;
    let tasks: Vec<_> = (0..chats)
        .map(|chat| {
            let store = store.clone();
            let bot = bot.clone();
            tokio::spawn(async move { one_chat(&*store, &bot, chat, per_chat).await })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    let elapsed = started.elapsed();
    let total = per_chat * chats;
    println!(
        "{backend}: {total} messages from {chats} chats in {:.2} s = {:.0} messages/s",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}

async fn one_chat(store: &dyn Store, bot: &Bot, chat: usize, count: usize) -> anyhow::Result<()> {
    let contact = ContactId::parse(&format!("34600{chat:06}@c.us"))?;
    for i in 0..count {
        let inbound = NewInbound {
            workspace_id: bot.workspace_id,
            bot_id: bot.id,
            contact: contact.clone(),
            display_name: Some("Customer".into()),
            provider_message_id: format!("wamid.{chat}.{i}"),
            body: "Hola, ¿cuánto cuesta la bici?".into(),
            received_at: Utc::now(),
            handling: wabot_core::domain::InboundHandling::Pending,
        };
        let InboundOutcome::Recorded { mut lead, .. } = store.record_inbound(&inbound).await?
        else {
            anyhow::bail!("unexpected duplicate");
        };
        let history = store.recent_messages(lead.id, 20).await?;
        let reply = Message {
            id: MessageId::new(),
            bot_id: bot.id,
            lead_id: lead.id,
            direction: Direction::Outbound,
            sender: Sender::Bot,
            body: format!("Reply {} to {} messages", i, history.len()),
            provider_message_id: None,
            delivery: DeliveryStatus::Pending,
            error: None,
            created_at: Utc::now(),
        };
        store.insert_message(&reply).await?;
        store
            .mark_sent(
                reply.id,
                Some(&format!("out.{chat}.{i}")),
                DeliveryStatus::Sent,
                None,
            )
            .await?;
        if i % 5 == 0 {
            lead.updated_at = Utc::now();
            store.update_lead(&lead).await?;
        }
    }
    Ok(())
}
