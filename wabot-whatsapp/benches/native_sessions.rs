//! Memory, CPU and time to QR of native sessions: N whatsapp-rust clients in this one process,
//! each over its real Noise handshake to the in-process fake WhatsApp server of the tests
//! (`tests/it/native/fake_server.rs`), each session's keys in a shared memory store, for 1, 10,
//! 100 and 1,000 sessions.
//!
//! ```text
//! cargo bench -p wabot-whatsapp --bench native_sessions              # 1, 10, 100, 1000
//! cargo bench -p wabot-whatsapp --bench native_sessions -- 1 2000    # other counts
//! ```
//!
//! Each round starts N sessions, waits until every one shows its first QR code (handshake
//! done, `pair-device` answered: a connected, unpaired session), lets them idle 10 s, and
//! reports the process's resident memory above the round's baseline divided by N, the CPU time
//! the whole process spent while idle (clock ticks of 10 ms), and the time from start to QR.
//! Each row runs in a fresh process. The fake server
//! cannot complete pairing yet, so sessions are measured unpaired: a paired session also holds
//! Signal sessions and caches (the crate's own docs measure ~530 KiB per paired session).

#[path = "../tests/it/native/fake_server.rs"]
#[expect(
    dead_code,
    reason = "the tests' assertions on what the server saw are not used here"
)]
mod fake_server;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::Utc;
use tokio::sync::mpsc;
use wabot_core::{
    domain::{Bot, BotName, Prompt, Workspace, WorkspaceName},
    ids::WorkspaceId,
    memory::MemoryStore,
    ports::{BotStore, MessagingTransport, TransportEvent, WorkspaceStore},
};
use wabot_whatsapp::native::{NativeConfig, NativeTransport, PlaintextKeys, SessionBackend};

use self::fake_server::FakeWhatsApp;

const MB: f64 = 1024.0 * 1024.0;
const IDLE: Duration = Duration::from_secs(10);

/// `VmRSS` of this process, in bytes.
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("VmRSS in /proc/self/status")
        * 1024
}

/// User + system CPU time of this process so far.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // Fields after the command name (which is in parentheses): utime is the 12th, stime 13th.
    let rest = &stat[stat.rfind(')').expect("comm") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // Linux reports in clock ticks of 1/100 s (USER_HZ) on every common configuration.
    Duration::from_millis(ticks * 10)
}

struct Round {
    sessions: usize,
    rss_per_session: f64,
    rss_total: f64,
    cpu_idle: Duration,
    qr_mean: Duration,
    qr_max: Duration,
}

async fn round(sessions: usize) -> Round {
    let store = Arc::new(MemoryStore::new());
    let now = Utc::now();
    let ws = Workspace {
        id: WorkspaceId::new(),
        name: WorkspaceName::parse("Bench").unwrap(),
        created_at: now,
    };
    store.create_workspace(&ws).await.unwrap();
    let refs: Vec<String> = (0..6).map(|i| format!("2@bench-ref-{i}")).collect();
    let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
    let server = Arc::new(FakeWhatsApp::new(&refs));
    let config = NativeConfig {
        version: Some((2, 3000, 1)),
        ..NativeConfig::default()
    };
    let mut bots = Vec::with_capacity(sessions);
    for i in 0..sessions {
        let bot = Bot::new(
            ws.id,
            BotName::parse(&format!("bench {i}")).unwrap(),
            Prompt::parse("bench").unwrap(),
            now,
        );
        store.create_bot(&bot).await.unwrap();
        bots.push(bot);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let baseline = rss_bytes();

    let started = Instant::now();
    let mut running = Vec::with_capacity(sessions);
    for bot in &bots {
        let backend = SessionBackend::new(store.clone(), Arc::new(PlaintextKeys), bot.id);
        let transport = Arc::new(NativeTransport::new(
            backend,
            server.clone(),
            config.clone(),
        ));
        let (tx, mut rx) = mpsc::channel(16);
        let run = tokio::spawn({
            let transport = transport.clone();
            async move { transport.run(tx).await }
        });
        let first_qr = tokio::spawn(async move {
            loop {
                match rx.recv().await {
                    Some(TransportEvent::Qr { .. }) => break started.elapsed(),
                    Some(_) => {}
                    None => panic!("a session ended before its QR code"),
                }
            }
        });
        running.push((transport, run, first_qr));
    }
    let mut to_qr = Vec::with_capacity(sessions);
    for (_, _, first_qr) in running.iter_mut() {
        let at = tokio::time::timeout(Duration::from_secs(300), first_qr)
            .await
            .expect("every session shows a QR code within 5 minutes")
            .expect("QR waiter");
        to_qr.push(at);
    }

    let cpu_before = cpu_time();
    tokio::time::sleep(IDLE).await;
    let cpu_idle = cpu_time().saturating_sub(cpu_before);
    let rss = rss_bytes().saturating_sub(baseline) as f64;

    for (transport, _, _) in &running {
        transport.stop().await;
    }
    for (_, run, _) in running {
        let _ = tokio::time::timeout(Duration::from_secs(30), run).await;
    }
    Round {
        sessions,
        rss_per_session: rss / sessions as f64 / MB,
        rss_total: rss / MB,
        cpu_idle,
        qr_mean: to_qr.iter().sum::<Duration>() / sessions as u32,
        qr_max: to_qr.iter().copied().max().unwrap_or_default(),
    }
}

#[tokio::main]
async fn main() {
    let counts: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    // One round per process: memory freed by a previous round stays in the allocator and
    // would be reused, hiding what the next round allocates.
    if let [n] = counts[..]
        && std::env::var_os("WABOT_BENCH_CHILD").is_some()
    {
        let r = round(n).await;
        println!(
            "| {} | {:.2} MB | {:.0} MB | {:.0} ms | {:.0} / {:.0} ms |",
            r.sessions,
            r.rss_per_session,
            r.rss_total,
            r.cpu_idle.as_secs_f64() * 1000.0,
            r.qr_mean.as_secs_f64() * 1000.0,
            r.qr_max.as_secs_f64() * 1000.0,
        );
        return;
    }
    let counts = if counts.is_empty() {
        vec![1, 10, 100, 1000]
    } else {
        counts
    };
    println!(
        "whatsapp-rust 0.7, {} CPUs, one process per row, idle {} s",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        IDLE.as_secs()
    );
    println!();
    println!(
        "| sessions | RSS per session | RSS of all sessions | CPU of all sessions while idle {} s | start → QR (mean / max) |",
        IDLE.as_secs()
    );
    println!("|---|---|---|---|---|");
    let me = std::env::current_exe().expect("the benchmark's own path");
    for n in counts {
        let out = std::process::Command::new(&me)
            .arg(n.to_string())
            .env("WABOT_BENCH_CHILD", "1")
            .stderr(std::process::Stdio::null())
            .output()
            .expect("the benchmark runs a child per row");
        print!("{}", String::from_utf8_lossy(&out.stdout));
    }
}
