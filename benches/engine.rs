//! Engine benchmarks (a bench binary, not criterion: it reports throughput, latency
//! percentiles and memory, which criterion does not).
//!
//! ```text
//! cargo bench --bench engine                 # all
//! cargo bench --bench engine -- throughput   # messages/s through the engine on SQLite
//! cargo bench --bench engine -- memory       # memory per idle sandbox bot
//! ```
//! Sizes can be changed with `WABOT_BENCH_CHATS`, `WABOT_BENCH_MESSAGES`, `WABOT_BENCH_BOTS`.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::Utc;
use wabot::core::{
    domain::{Bot, BotName, ContactId, Prompt, Workspace, WorkspaceName},
    engine::{Engine, EngineConfig, EngineDeps, TransportRegistry},
    ids::WorkspaceId,
    memory::{BroadcastBus, MemoryStore, SandboxHub, SandboxTransport, ScriptedLlm},
    ports::{InboundKind, InboundMessage, SharedLlm, Store, SystemClock},
    supervisor::{Backoff, Supervisor},
};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn workspace_with_bot(store: &Arc<dyn Store>) -> Bot {
    let now = Utc::now();
    let ws = Workspace {
        id: WorkspaceId::new(),
        name: WorkspaceName::parse("Bench").unwrap(),
        created_at: now,
    };
    store.create_workspace(&ws).await.unwrap();
    let mut bot = Bot::new(
        ws.id,
        BotName::parse("bench").unwrap(),
        Prompt::parse("You are a benchmark.").unwrap(),
        now,
    );
    bot.enabled = true;
    store.create_bot(&bot).await.unwrap();
    bot
}

fn engine_over(store: Arc<dyn Store>, transports: TransportRegistry) -> Engine {
    Engine::new(
        EngineDeps {
            store,
            llm: Arc::new(SharedLlm(Arc::new(ScriptedLlm::echo()))),
            bus: Arc::new(BroadcastBus::default()),
            clock: Arc::new(SystemClock),
            transports,
        },
        EngineConfig {
            pacing: false,
            ..EngineConfig::default()
        },
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

async fn throughput() {
    let chats = env_usize("WABOT_BENCH_CHATS", 1_000);
    let per_chat = env_usize("WABOT_BENCH_MESSAGES", 10);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    let on_memory = std::env::var("WABOT_BENCH_STORE").is_ok_and(|v| v == "memory");
    let (store, backend): (Arc<dyn Store>, &str) = if on_memory {
        (Arc::new(MemoryStore::new()), "the memory store")
    } else {
        let sqlite = wabot::store::SqliteStore::open(path.to_str().unwrap())
            .await
            .unwrap();
        (Arc::new(sqlite), "SQLite (synchronous=FULL, group commit)")
    };
    let bot = workspace_with_bot(&store).await;
    let transports = TransportRegistry::new();
    transports.insert(bot.id, Arc::new(SandboxTransport::unrecorded()));
    let engine = engine_over(store.clone(), transports);
    let contacts: Vec<ContactId> = (0..chats)
        .map(|i| ContactId::parse(&format!("3461{i:07}@c.us")).unwrap())
        .collect();

    let total = chats * per_chat;
    let started = Instant::now();
    let mut pending = Vec::with_capacity(total);
    for n in 0..per_chat {
        for c in &contacts {
            let submitted = Instant::now();
            let rx = engine.submit(
                bot.id,
                InboundMessage {
                    provider_message_id: format!("{c}-{n}"),
                    from: c.clone(),
                    display_name: None,
                    body: format!("Hello, this is message {n}"),
                    kind: InboundKind::Text,
                    sent_at: Utc::now(),
                },
            );
            pending.push(tokio::spawn(async move {
                rx.await.unwrap().unwrap();
                submitted.elapsed()
            }));
        }
    }
    let mut latencies = Vec::with_capacity(total);
    for p in pending {
        latencies.push(p.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    println!(
        "throughput: {total} inbound messages ({chats} chats x {per_chat}) on {backend} in {:.2} s = {:.0} msg/s",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  queue+processing latency under full load: p50 {:.2} ms, p99 {:.2} ms",
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3
    );

    // Platform-added latency of one message when the system is not saturated.
    let mut single = Vec::new();
    for n in 0..500 {
        let c = &contacts[n % contacts.len()];
        let t = Instant::now();
        engine
            .handle(
                bot.id,
                InboundMessage {
                    provider_message_id: format!("single-{n}"),
                    from: c.clone(),
                    display_name: None,
                    body: "How much does it cost?".into(),
                    kind: InboundKind::Text,
                    sent_at: Utc::now(),
                },
            )
            .await
            .unwrap();
        single.push(t.elapsed());
    }
    single.sort();
    println!(
        "  platform-added latency, one message at a time (instant LLM): p50 {:.2} ms, p99 {:.2} ms",
        percentile(&single, 0.50).as_secs_f64() * 1e3,
        percentile(&single, 0.99).as_secs_f64() * 1e3
    );
}

fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

async fn memory() {
    let bots = env_usize("WABOT_BENCH_BOTS", 10_000);
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let now = Utc::now();
    let ws = Workspace {
        id: WorkspaceId::new(),
        name: WorkspaceName::parse("Bench").unwrap(),
        created_at: now,
    };
    store.create_workspace(&ws).await.unwrap();
    let mut all = Vec::with_capacity(bots);
    for i in 0..bots {
        let mut bot = Bot::new(
            ws.id,
            BotName::parse(&format!("bot {i}")).unwrap(),
            Prompt::parse("You are a helpful assistant for a small shop.").unwrap(),
            now,
        );
        bot.enabled = true;
        store.create_bot(&bot).await.unwrap();
        all.push(bot);
    }
    let hub = Arc::new(SandboxHub::unrecorded());
    let engine = engine_over(store.clone(), TransportRegistry::new());
    let supervisor = Supervisor::new(engine, hub, Backoff::default());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = rss_bytes();
    let started = supervisor.start_enabled().await.unwrap();
    // Let every bot reach `ready` and settle.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_bytes();
    let per_bot = (after.saturating_sub(before)) as f64 / started as f64;
    println!(
        "memory: {started} idle sandbox bots running: RSS {:.1} MiB -> {:.1} MiB, {:.1} KiB per bot (bot records are in the store before measuring)",
        before as f64 / 1048576.0,
        after as f64 / 1048576.0,
        per_bot / 1024.0
    );
    assert_eq!(supervisor.running_count(), bots);
    supervisor.shutdown().await;
}

#[tokio::main]
async fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wants = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    if wants("throughput") {
        throughput().await;
    }
    if wants("memory") {
        memory().await;
    }
}
