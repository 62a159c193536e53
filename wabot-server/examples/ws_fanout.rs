//! WebSocket fan-out benchmark client (`scripts/bench-server`): opens `CLIENTS` connections to
//! `/ws?token=…` of a live server, then sends a burst of `MESSAGES` customer messages through
//! the sandbox simulator API (`wait_for_reply: false`, all at once) and measures, on every
//! client, when each `message.received` event arrives.
//!
//! Two latencies per (client, message):
//! - **from `created_at`**: receive time − the inbound message's `created_at`, stamped by the
//!   server when the engine took the message in, *before* it was stored and published (so it
//!   includes the database write, the bus, the per-client filter and the socket write);
//! - **from first client**: receive time − when the first client got the same message (the
//!   fan-out alone: the spread across clients after the event was published);
//! - **from trigger**: receive time − when this client started the POST that injected it
//!   (adds the HTTP request, auth and the sandbox hand-off).
//!
//! With `INTERVAL_MS=n` the posts are spread `n` ms apart instead of sent as one burst.
//!
//! ```sh
//! cargo run --release -p wabot-server --example ws_fanout -- \
//!     http://127.0.0.1:18181 "$TOKEN" "$BOT" 1000 100
//! ```

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use futures::{StreamExt, stream};
use tokio::sync::Mutex;
use tokio_tungstenite::{connect_async, tungstenite::Message};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base, token, bot, clients, messages] = args.as_slice() else {
        bail!(
            "usage: ws_fanout <http://host:port> <api-token> <sandbox-bot-id> <clients> <messages>"
        );
    };
    let clients: usize = clients.parse().context("clients")?;
    // Optional: milliseconds between two posts (0, the default, is one burst).
    let interval: u64 = std::env::var("INTERVAL_MS")
        .ok()
        .map(|v| v.parse())
        .transpose()
        .context("INTERVAL_MS")?
        .unwrap_or(0);
    let messages: usize = messages.parse().context("messages")?;
    let ws_url = format!(
        "{}/ws?token={token}",
        base.replacen("http://", "ws://", 1).trim_end_matches('/')
    );
    let run = format!("bench-{}", Utc::now().timestamp_millis());

    // 1. Connect every client and wait for its hello.
    let connected = std::time::Instant::now();
    let sockets: Vec<_> = stream::iter(0..clients)
        .map(|_| {
            let url = ws_url.clone();
            async move {
                let (mut ws, _) = connect_async(&url).await.context("WebSocket connect")?;
                loop {
                    match ws.next().await {
                        Some(Ok(Message::Text(t))) if t.contains("\"hello\"") => break,
                        Some(Ok(_)) => {}
                        other => bail!("no hello: {other:?}"),
                    }
                }
                anyhow::Ok(ws)
            }
        })
        .buffer_unordered(64)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    eprintln!(
        "ws_fanout: {} clients connected in {:.2} s",
        sockets.len(),
        connected.elapsed().as_secs_f64()
    );

    // 2. Every client records (message index, receive time, created_at) of the run's messages.
    let marker = format!("\"body\":\"{run} #");
    let received = Arc::new(AtomicUsize::new(0));
    let closed = Arc::new(AtomicUsize::new(0));
    let mut readers = Vec::with_capacity(clients);
    for mut ws in sockets {
        let marker = marker.clone();
        let received = received.clone();
        let closed = closed.clone();
        readers.push(tokio::spawn(async move {
            let mut seen: Vec<(usize, DateTime<Utc>, DateTime<Utc>)> = Vec::with_capacity(messages);
            while seen.len() < messages {
                let Some(Ok(frame)) = ws.next().await else {
                    closed.fetch_add(1, Ordering::Relaxed);
                    break;
                };
                let now = Utc::now();
                let Message::Text(text) = frame else { continue };
                if !text.contains("\"message.received\"") || !text.contains(&marker) {
                    continue;
                }
                let v: serde_json::Value = serde_json::from_str(&text)?;
                let message = &v["data"]["message"];
                let index = message["body"]
                    .as_str()
                    .and_then(|b| b.rsplit('#').next())
                    .and_then(|i| i.parse().ok())
                    .context("message index")?;
                let created: DateTime<Utc> = message["created_at"]
                    .as_str()
                    .context("created_at")?
                    .parse()?;
                seen.push((index, now, created));
                received.fetch_add(1, Ordering::Relaxed);
            }
            let _ = ws.close(None).await;
            anyhow::Ok(seen)
        }));
    }

    // 3. The burst: every message posted at once.
    let http = reqwest::Client::new();
    let sent: Arc<Mutex<HashMap<usize, DateTime<Utc>>>> = Arc::default();
    let burst = std::time::Instant::now();
    let mut posts = Vec::with_capacity(messages);
    for i in 0..messages {
        if interval > 0 && i > 0 {
            tokio::time::sleep(Duration::from_millis(interval)).await;
        }
        posts.push({
            let http = http.clone();
            let sent = sent.clone();
            let url = format!(
                "{}/api/v1/bots/{bot}/sandbox/messages",
                base.trim_end_matches('/')
            );
            let body = serde_json::json!({
                "contact": format!("3462{:03}{i:04}@c.us", std::process::id() % 1000),
                "text": format!("{run} #{i}"),
                "wait_for_reply": false,
            });
            let token = token.clone();
            tokio::spawn(async move {
                let at = Utc::now();
                let r = http.post(url).bearer_auth(token).json(&body).send().await?;
                sent.lock().await.insert(i, at);
                anyhow::ensure!(r.status().is_success(), "sandbox post: {}", r.status());
                anyhow::Ok(())
            })
        });
    }
    for p in posts {
        p.await??;
    }
    let posted = burst.elapsed();

    // 4. Wait for every client to get every message (or 30 s).
    let expected = clients * messages;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while received.load(Ordering::Relaxed) + closed.load(Ordering::Relaxed) * messages < expected
        && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let all_in = burst.elapsed();
    let sent = sent.lock().await.clone();
    let mut from_created = Vec::with_capacity(expected);
    let mut from_trigger = Vec::with_capacity(expected);
    let mut all = Vec::with_capacity(expected);
    for r in readers {
        if r.is_finished() {
            all.extend(r.await??);
        } else {
            r.abort();
        }
    }
    let ms = |d: chrono::TimeDelta| d.num_microseconds().unwrap_or(0) as f64 / 1e3;
    // The first client to get a message got it about when it was published: the spread after
    // that is the fan-out proper, without the store write before the publish.
    let mut first: HashMap<usize, DateTime<Utc>> = HashMap::new();
    for (i, at, _) in &all {
        first
            .entry(*i)
            .and_modify(|f| *f = (*f).min(*at))
            .or_insert(*at);
    }
    let mut from_first = Vec::with_capacity(expected);
    for (i, at, created) in &all {
        from_created.push(ms(*at - *created));
        from_first.push(ms(*at - first[i]));
        if let Some(t) = sent.get(i) {
            from_trigger.push(ms(*at - *t));
        }
    }
    println!(
        "clients={clients} messages={messages} interval={interval}ms deliveries={}/{expected} dropped_clients={} \
         burst_posted_in={:.1}ms all_received_after={:.1}ms",
        from_created.len(),
        closed.load(Ordering::Relaxed),
        posted.as_secs_f64() * 1e3,
        all_in.as_secs_f64() * 1e3
    );
    report("from created_at", &mut from_created);
    report("from first client", &mut from_first);
    report("from trigger", &mut from_trigger);
    Ok(())
}

fn report(name: &str, ms: &mut [f64]) {
    if ms.is_empty() {
        println!("{name}: no samples");
        return;
    }
    ms.sort_by(f64::total_cmp);
    let pct = |p: f64| ms[((ms.len() as f64 * p).ceil() as usize).clamp(1, ms.len()) - 1];
    println!(
        "{name}: n={} p50={:.1}ms p90={:.1}ms p99={:.1}ms max={:.1}ms",
        ms.len(),
        pct(0.50),
        pct(0.90),
        pct(0.99),
        ms[ms.len() - 1]
    );
}
