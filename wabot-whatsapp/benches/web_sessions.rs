//! Memory per connected WhatsApp Web session: the resident memory of each bot's whole Chromium
//! process tree (browser, renderer, utility processes), against the fake WhatsApp Web served at
//! `https://web.whatsapp.com/` by request interception, for 1, 5 and 10 concurrent sessions.
//!
//! ```text
//! cargo bench -p wabot-whatsapp --bench web_sessions            # 1, 5 and 10 sessions
//! cargo bench -p wabot-whatsapp --bench web_sessions -- 1 3     # other counts
//! ```
//!
//! `WABOT_BENCH_ARGS="switch=value other-switch"` adds Chromium switches (to try memory flags).
//!
//! Needs Chromium (`WABOT_CHROMIUM`, else `/usr/bin/chromium`; `./scripts/test` installs it).
//! Prints a Markdown table: RSS summed over each tree (overstates: the Chromium binary's shared
//! pages count once per process), PSS summed over each tree (shared pages split between all
//! processes of all sessions: the sum over all sessions is what the machine really spends), USS
//! (private pages: what one more session adds), processes per tree. Target: ≤ 150 MB per
//! session. The fake page is tiny: WhatsApp's own JavaScript heap comes on top in production.

use std::{path::PathBuf, sync::Arc, time::Duration};

use tokio::sync::mpsc;
use wabot_core::{
    domain::ContactId,
    ids::BotId,
    ports::{MessagingTransport, TransportEvent},
};
use wabot_whatsapp::web::{
    FakeWhatsApp, WebConfig, WebTransport,
    procfs::{TreeMemory, tree_memory},
};

const MB: f64 = 1024.0 * 1024.0;

fn chromium() -> PathBuf {
    let path = std::env::var_os("WABOT_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.is_file(),
        "Chromium not found at {}: run ./scripts/test (it installs Debian's chromium) or set \
         WABOT_CHROMIUM",
        path.display()
    );
    path
}

struct Measured {
    sessions: usize,
    per_tree: Vec<TreeMemory>,
    ready_after: Duration,
}

async fn measure(sessions: usize) -> Measured {
    let profiles = tempfile::tempdir().expect("a temp dir");
    let mut config = WebConfig::new(profiles.path());
    config.chromium_path = chromium();
    config.fake_site = Some(FakeWhatsApp::new().already_paired().html());
    config.auth_timeout = Duration::from_secs(60);
    config.extra_args = vec!["host-resolver-rules=MAP * ~NOTFOUND".into()];
    if let Ok(extra) = std::env::var("WABOT_BENCH_ARGS") {
        config
            .extra_args
            .extend(extra.split_whitespace().map(str::to_string));
    }
    let config = Arc::new(config);

    let started = std::time::Instant::now();
    let mut running = Vec::new();
    for _ in 0..sessions {
        let transport = Arc::new(WebTransport::new(BotId::new(), config.clone(), None));
        let (sink, events) = mpsc::channel(64);
        let run = tokio::spawn({
            let transport = transport.clone();
            async move { transport.run(sink).await }
        });
        running.push((transport, events, run));
    }
    for (_, events, _) in running.iter_mut() {
        loop {
            match tokio::time::timeout(Duration::from_secs(90), events.recv()).await {
                Ok(Some(TransportEvent::Ready { .. })) => break,
                Ok(Some(_)) => {}
                other => panic!("a session did not become ready: {other:?}"),
            }
        }
    }
    let ready_after = started.elapsed();

    // Use each session once (a send with its acks), then let memory settle.
    let customer = ContactId::parse("34612345678@c.us").unwrap();
    for (transport, _, _) in &running {
        transport
            .send_text(&customer, "Hello from the benchmark")
            .await
            .expect("send");
    }
    tokio::time::sleep(Duration::from_secs(5)).await;

    let per_tree = running
        .iter()
        .map(|(t, _, _)| tree_memory(t.browser_pid().expect("a browser")).expect("/proc"))
        .collect();
    for (transport, _, run) in running {
        transport.stop().await;
        let _ = run.await;
    }
    Measured {
        sessions,
        per_tree,
        ready_after,
    }
}

#[tokio::main]
async fn main() {
    let counts: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let counts = if counts.is_empty() {
        vec![1, 5, 10]
    } else {
        counts
    };
    let version = std::process::Command::new(chromium())
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    println!("{version}, {} CPUs", num_cpus());
    println!();
    println!(
        "| sessions | RSS per session (mean / max) | PSS per session (mean / max) | USS per session (mean) | processes per session | all sessions RSS / PSS | ready after |"
    );
    println!("|---|---|---|---|---|---|---|");
    for n in counts {
        let m = measure(n).await;
        let rss: Vec<f64> = m.per_tree.iter().map(|t| t.rss_bytes as f64 / MB).collect();
        let pss: Vec<f64> = m.per_tree.iter().map(|t| t.pss_bytes as f64 / MB).collect();
        let uss: Vec<f64> = m.per_tree.iter().map(|t| t.uss_bytes as f64 / MB).collect();
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let max = |v: &[f64]| v.iter().cloned().fold(0.0, f64::max);
        let procs = m.per_tree.iter().map(|t| t.processes).sum::<usize>() as f64 / n as f64;
        println!(
            "| {} | {:.0} / {:.0} MB | {:.0} / {:.0} MB | {:.0} MB | {:.1} | {:.0} / {:.0} MB | {:.1} s |",
            m.sessions,
            mean(&rss),
            max(&rss),
            mean(&pss),
            max(&pss),
            mean(&uss),
            procs,
            rss.iter().sum::<f64>(),
            pss.iter().sum::<f64>(),
            m.ready_after.as_secs_f64(),
        );
    }
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
