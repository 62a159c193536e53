//! Speed of the deterministic lead parsers on one core: every customer message of the labelled
//! conversations (`src/extract/testdata/conversations_v2.json`) parsed over and over.
//!
//! ```text
//! cargo bench -p wabot-core --bench extract
//! ```
//!
//! A bench binary, not criterion: it prints messages per second, the figure BENCHMARKS.md
//! reports. `WABOT_BENCH_SECONDS` sets how long each measurement runs (default 3).

use std::{
    hint::black_box,
    time::{Duration, Instant},
};

use wabot_core::{
    domain::LeadFields,
    extract::{Asked, Context, parse_message, parse_reply},
};

/// One conversation of the fixture: the region and the `[speaker, text]` turns.
#[derive(serde::Deserialize)]
struct Conversation {
    region: Option<String>,
    turns: Vec<(String, String)>,
}

fn main() {
    let seconds = std::env::var("WABOT_BENCH_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3.0);
    let set: Vec<Conversation> = serde_json::from_str(include_str!(
        "../src/extract/testdata/conversations_v2.json"
    ))
    .expect("valid fixture");
    let messages: Vec<(Option<&str>, &str)> = set
        .iter()
        .flat_map(|c| {
            c.turns
                .iter()
                .filter(|(speaker, _)| speaker == "customer")
                .map(|(_, text)| (c.region.as_deref(), text.as_str()))
        })
        .collect();
    // The first call pays for any lazily built tables; it is not measured.
    let started = Instant::now();
    for (region, text) in &messages {
        black_box(parse_message(text, *region));
    }
    println!(
        "first pass over {} messages (includes one-off set-up): {:.1} ms",
        messages.len(),
        started.elapsed().as_secs_f64() * 1e3
    );
    let budget = Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let mut parsed = 0u64;
    while started.elapsed() < budget {
        for (region, text) in &messages {
            black_box(parse_message(black_box(text), *region));
        }
        parsed += messages.len() as u64;
    }
    let rate = parsed as f64 / started.elapsed().as_secs_f64();
    println!("parse_message: {rate:.0} messages/s on one core ({parsed} messages)");

    // The engine's path: each message with the bot's messages and the customer's earlier
    // ones before it (the context is built outside the timed loop, as the engine reads it
    // from the store).
    let contexts: Vec<(Context<'_>, &str)> = set
        .iter()
        .flat_map(|c| {
            c.turns
                .iter()
                .enumerate()
                .filter(|(_, (s, _))| s == "customer")
                .map(|(k, (_, text))| {
                    let before = |who: &'static str| {
                        c.turns[..k]
                            .iter()
                            .rev()
                            .filter(move |(s, _)| s == who)
                            .map(|(_, t)| t.as_str())
                    };
                    let context = Context {
                        region: c.region.as_deref(),
                        asked: Asked::from_bot_messages(before("bot")),
                        earlier: before("customer").collect(),
                    };
                    (context, text.as_str())
                })
        })
        .collect();
    let started = Instant::now();
    let mut parsed = 0u64;
    while started.elapsed() < budget {
        for (context, text) in &contexts {
            let found = parse_reply(black_box(text), context);
            black_box(found.merge_into(&mut LeadFields::default(), context));
        }
        parsed += contexts.len() as u64;
    }
    let rate = parsed as f64 / started.elapsed().as_secs_f64();
    println!("parse_reply + merge_into: {rate:.0} messages/s on one core ({parsed} messages)");
}
