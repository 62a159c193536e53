//! Seeds a database for the server benchmarks (`scripts/bench-server`): the demo workspace and
//! its sandbox bot (exactly what `wabot-server` creates in demo mode), an owner API token, and
//! `N` leads of that bot, each with its first inbound message, through the store API.
//!
//! ```sh
//! cargo run --release -p wabot-server --example seed_leads -- \
//!     sqlite://data/bench.db "$TOKEN" 100000
//! ```
//!
//! Idempotent: leads already there count towards `N`. Prints `WORKSPACE=… BOT=… LEADS=…`
//! on stdout for the script to pick up.

use std::{sync::Arc, time::Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use futures::{StreamExt, stream};
use secrecy::SecretString;
use wabot_core::{
    domain::ContactId,
    ports::{InboundOutcome, LeadQuery, NewInbound, ServerStore},
};
use wabot_store::{PostgresStore, SqliteStore};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, token, count] = args.as_slice() else {
        bail!("usage: seed_leads <storage-url> <api-token (≥ 24 chars)> <lead-count>");
    };
    let count: usize = count.parse().context("lead count")?;
    let store: Arc<dyn ServerStore> = if url.starts_with("postgres") {
        Arc::new(PostgresStore::connect(url).await?)
    } else {
        Arc::new(SqliteStore::open(url).await?)
    };
    let token = SecretString::from(token.clone());
    let demo = wabot_server::demo::seed(store.as_ref(), Some(&token)).await?;
    let bot = store
        .list_bots(Some(demo.workspace))
        .await?
        .into_iter()
        .next()
        .context("the demo workspace has a bot")?;

    // How many leads are there already (pages of 500, newest first)?
    let mut have = 0usize;
    let mut before = None;
    loop {
        let page = store
            .list_leads(&LeadQuery {
                bot_id: Some(bot.id),
                before,
                limit: 500,
                ..LeadQuery::default()
            })
            .await?;
        have += page.len();
        match page.last() {
            Some(l) if page.len() == 500 && have < count => before = Some(l.id),
            _ => break,
        }
    }
    let started = Instant::now();
    let missing = count.saturating_sub(have);
    let parallel = if url.starts_with("postgres") { 16 } else { 4 };
    let stamp = Utc::now().timestamp_millis();
    let results = stream::iter(0..missing)
        .map(|i| {
            let store = store.clone();
            let bot = bot.clone();
            async move {
                let n = have + i;
                let inbound = NewInbound {
                    workspace_id: bot.workspace_id,
                    bot_id: bot.id,
                    contact: ContactId::parse(&format!("3461{n:07}@c.us"))?,
                    display_name: Some(format!("Customer {n}")),
                    provider_message_id: format!("seed.{stamp}.{n}"),
                    body: "Hola, ¿cuánto cuestan las placas solares para mi casa?".into(),
                    received_at: Utc::now(),
                    handling: wabot_core::domain::InboundHandling::Done,
                };
                match store.record_inbound(&inbound).await? {
                    InboundOutcome::Recorded { .. } => Ok(()),
                    InboundOutcome::Duplicate => bail!("duplicate seed message {n}"),
                }
            }
        })
        .buffer_unordered(parallel);
    futures::pin_mut!(results);
    let mut done = 0usize;
    while let Some(r) = results.next().await {
        r?;
        done += 1;
        if done.is_multiple_of(10_000) {
            eprintln!(
                "seed_leads: {done}/{missing} leads ({:.0}/s)",
                done as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    eprintln!(
        "seed_leads: {have} leads were there, {missing} added in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    println!(
        "WORKSPACE={} BOT={} LEADS={}",
        demo.workspace,
        bot.id,
        have + missing
    );
    Ok(())
}
