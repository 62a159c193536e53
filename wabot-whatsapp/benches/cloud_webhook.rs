//! Cloud API throughput: signed inbound webhooks → supervisor → engine (in-memory store, instant
//! scripted model, no typing pacing) → read receipt and reply posted to a fake Graph API over
//! loopback HTTP. Reports messages per second end to end, and how fast the webhook alone takes
//! posts (signature check, parsing, dedupe, queueing).
//!
//! ```text
//! cargo bench -p wabot-whatsapp --bench cloud_webhook
//! MESSAGES=4000 CONTACTS=200 CONCURRENCY=64 RATE=1000 cargo bench -p wabot-whatsapp --bench cloud_webhook
//! ```
//!
//! `RATE` is the per-number rate limit (messages per second); Meta's default is 80, upgraded
//! numbers get up to 1,000. The fake Graph API is wiremock, so part of the time measured is the
//! fake's own.

#[allow(dead_code, reason = "the benchmark uses only part of the test fake")]
#[path = "../tests/it/cloud/fake_graph.rs"]
mod fake_graph;
#[allow(dead_code, reason = "the benchmark uses only part of the test stack")]
#[path = "../tests/it/cloud/stack.rs"]
mod stack;

use std::{
    num::NonZeroU32,
    time::{Duration, Instant},
};

use futures::{StreamExt, stream};
use wabot_core::memory::ScriptedLlm;
use wabot_whatsapp::cloud::testing::WebhookPayload;

use self::{
    fake_graph::{APP_SECRET, FakeGraph, PHONE_NUMBER_ID},
    stack::CloudStack,
};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One signed post per message, as Meta sends them; `round` keeps ids unique across rounds.
fn posts(round: u64, messages: u64, contacts: u64) -> Vec<(String, Vec<u8>)> {
    (0..messages)
        .map(|i| {
            let wa_id = format!("3461{:07}", i % contacts);
            WebhookPayload::new(PHONE_NUMBER_ID)
                .text(
                    &wa_id,
                    "Bench Customer",
                    &format!("wamid.bench-{round}-{i}"),
                    "Hola, quiero información sobre placas solares para mi casa en Toledo",
                )
                .signed(APP_SECRET)
        })
        .collect()
}

struct Round {
    ingest: Duration,
    end_to_end: Duration,
}

async fn round(
    stack: &CloudStack,
    round: u64,
    messages: u64,
    contacts: u64,
    concurrency: usize,
) -> Round {
    let posts = posts(round, messages, contacts);
    let webhook = stack.webhook();
    let before = stack.graph.accepted_count();
    let started = Instant::now();
    stream::iter(posts)
        .for_each_concurrent(concurrency, |(signature, body)| {
            let webhook = webhook.clone();
            async move {
                let outcome = webhook.handle(Some(&signature), &body).await;
                assert!(
                    outcome.is_ok_and(|o| o.messages == 1),
                    "webhook refused a post"
                );
            }
        })
        .await;
    let ingest = started.elapsed();
    let deadline = started + Duration::from_secs(600);
    while stack.graph.accepted_count() - before < messages {
        assert!(Instant::now() < deadline, "replies did not all arrive");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Round {
        ingest,
        end_to_end: started.elapsed(),
    }
}

fn main() {
    let messages = env("MESSAGES", 2_000);
    let contacts = env("CONTACTS", 100).max(1);
    let concurrency = env("CONCURRENCY", 32).max(1) as usize;
    let rate = NonZeroU32::new(env("RATE", 1_000) as u32).unwrap_or(NonZeroU32::MIN);
    let rounds = env("ROUNDS", 3);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async move {
        let graph = FakeGraph::start_unrecorded().await;
        graph.accepts_messages().await;
        let stack = CloudStack::start(graph, ScriptedLlm::echo(), rate).await;
        println!(
            "cloud webhook → engine → Graph API send: {messages} messages from {contacts} contacts, \
             {concurrency} webhook posts in flight, rate limit {rate}/s, {} worker threads",
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
        // Warm-up: connections, allocations, chat workers.
        let _ = round(&stack, 0, messages.min(200), contacts, concurrency).await;
        let mut best = f64::MIN;
        for r in 1..=rounds {
            let result = round(&stack, r, messages, contacts, concurrency).await;
            let e2e = messages as f64 / result.end_to_end.as_secs_f64();
            let ingest = messages as f64 / result.ingest.as_secs_f64();
            best = best.max(e2e);
            println!(
                "round {r}: end to end {e2e:>8.0} msg/s ({:?} for {messages}); webhook ingest {ingest:>8.0} posts/s",
                result.end_to_end
            );
        }
        println!("best end to end: {best:.0} msg/s");
        stack.supervisor.shutdown().await;
    });
}
