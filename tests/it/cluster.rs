//! Several replicas on one store: every enabled bot runs on exactly one of them, bots are
//! spread across the live ones, a replica that dies loses its bots to the others once its
//! leases expire, and one that stops cleanly hands them over at once.

use std::{sync::Arc, time::Duration};

use chrono::{TimeDelta, TimeZone, Utc};
use wabot::core::{
    cluster::{ClusterConfig, Coordinator},
    domain::{Bot, BotName, Prompt},
    ids::BotId,
    memory::{ManualClock, MemoryStore},
    ports::{BotStore, Clock, LeaseStore, MessageStore},
};

use crate::harness::Harness;

const LEASE: Duration = Duration::from_secs(15);

struct Replica {
    harness: Harness,
    coordinator: Coordinator,
}

async fn replica(
    store: &Arc<MemoryStore>,
    clock: &Arc<ManualClock>,
    id: &str,
    fresh: bool,
) -> Replica {
    let harness = Harness::with(store.clone(), clock.clone(), fresh).await;
    let coordinator = Coordinator::new(
        store.clone(),
        store.clone(),
        clock.clone(),
        harness.supervisor.clone(),
        ClusterConfig::new(id, LEASE),
    );
    Replica {
        harness,
        coordinator,
    }
}

async fn add_bots(store: &Arc<MemoryStore>, like: &Bot, n: usize) {
    for i in 0..n {
        let mut bot = Bot::new(
            like.workspace_id,
            BotName::parse(&format!("Bot {i}")).unwrap(),
            Prompt::parse("You sell solar panels.").unwrap(),
            Utc::now(),
        );
        bot.enabled = true;
        store.create_bot(&bot).await.unwrap();
    }
}

async fn holders(store: &Arc<MemoryStore>, now: chrono::DateTime<Utc>) -> Vec<(BotId, String)> {
    store
        .list_leases()
        .await
        .unwrap()
        .into_iter()
        .filter(|l| l.expires_at > now)
        .map(|l| (l.bot_id, l.holder))
        .collect()
}

#[tokio::test]
async fn bots_run_once_spread_over_replicas_and_a_dead_replicas_bots_move_after_the_lease() {
    let store = Arc::new(MemoryStore::new());
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap(),
    ));
    let a = replica(&store, &clock, "replica-a", true).await;
    add_bots(&store, &a.harness.bot, 11).await;
    let b = replica(&store, &clock, "replica-b", false).await;

    // a starts alone and takes every bot; b joins; a hands b its share; b takes it.
    let first = a.coordinator.tick().await.unwrap();
    assert_eq!(first.running, 12);
    b.coordinator.tick().await.unwrap();
    let handover = a.coordinator.tick().await.unwrap();
    let joined = b.coordinator.tick().await.unwrap();

    assert_eq!(handover.replicas, 2);
    assert!(!handover.stopped.is_empty(), "a hands bots over");
    assert_eq!(joined.started.len(), handover.stopped.len());
    let running_a = a.harness.supervisor.running_count();
    let running_b = b.harness.supervisor.running_count();
    assert_eq!(running_a + running_b, 12, "each bot runs exactly once");
    assert!(
        running_a >= 2 && running_b >= 2,
        "spread: {running_a} / {running_b}"
    );
    assert_eq!(holders(&store, clock.now()).await.len(), 12);

    // a dies (its bots stop, its leases stay until they expire).
    a.harness.supervisor.shutdown().await;
    let early = b.coordinator.tick().await.unwrap();
    assert_eq!(
        early.running, running_b,
        "nothing moves while a's leases last"
    );
    clock.advance(TimeDelta::seconds(16));
    let takeover = b.coordinator.tick().await.unwrap();

    assert_eq!(takeover.replicas, 1);
    assert_eq!(takeover.started.len(), running_a);
    assert_eq!(b.harness.supervisor.running_count(), 12);
    let now = clock.now();
    assert!(
        holders(&store, now)
            .await
            .iter()
            .all(|(_, h)| h == "replica-b")
    );
    let moved = store.list_leases().await.unwrap();
    assert!(
        moved.iter().filter(|l| l.token > 1).count() >= running_a,
        "moved bots carry a higher fencing token"
    );
}

#[tokio::test]
async fn a_replica_stopping_cleanly_hands_its_bots_over_at_once() {
    let store = Arc::new(MemoryStore::new());
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap(),
    ));
    let a = replica(&store, &clock, "replica-a", true).await;
    add_bots(&store, &a.harness.bot, 5).await;
    let b = replica(&store, &clock, "replica-b", false).await;
    for _ in 0..2 {
        a.coordinator.tick().await.unwrap();
        b.coordinator.tick().await.unwrap();
    }
    let before_b = b.harness.supervisor.running_count();
    assert!(before_b < 6);

    a.coordinator.shutdown().await;
    let after = b.coordinator.tick().await.unwrap();

    assert_eq!(a.harness.supervisor.running_count(), 0);
    assert_eq!(after.replicas, 1);
    assert_eq!(
        b.harness.supervisor.running_count(),
        6,
        "no wait for the leases to expire"
    );
}

#[tokio::test]
async fn a_disabled_bot_is_stopped_by_its_owner() {
    let store = Arc::new(MemoryStore::new());
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap(),
    ));
    let a = replica(&store, &clock, "replica-a", true).await;
    a.coordinator.tick().await.unwrap();
    assert!(a.harness.supervisor.is_running(a.harness.bot.id));

    store
        .set_bot_enabled(a.harness.bot.id, false, clock.now())
        .await
        .unwrap();
    let round = a.coordinator.tick().await.unwrap();

    assert_eq!(round.stopped, vec![a.harness.bot.id]);
    assert!(!a.harness.supervisor.is_running(a.harness.bot.id));
    assert_eq!(a.coordinator.token(a.harness.bot.id), None);
}

#[tokio::test]
async fn the_new_owner_answers_what_the_dead_replica_acknowledged_but_never_answered() {
    let store = Arc::new(MemoryStore::new());
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap(),
    ));
    let a = replica(&store, &clock, "replica-a", true).await;
    a.coordinator.tick().await.unwrap();
    let b = replica(&store, &clock, "replica-b", false).await;
    // a stored (and acknowledged) a message, then died before answering it.
    let ana = crate::harness::contact("34612345678@c.us");
    store
        .record_inbound(&wabot::core::ports::NewInbound {
            workspace_id: a.harness.workspace,
            bot_id: a.harness.bot.id,
            contact: ana.clone(),
            display_name: None,
            provider_message_id: "wamid.1".into(),
            body: "Hello, a quote please".into(),
            received_at: clock.now(),
            handling: wabot::core::domain::InboundHandling::Pending,
        })
        .await
        .unwrap();
    a.harness.supervisor.shutdown().await;

    clock.advance(TimeDelta::seconds(16));
    let takeover = b.coordinator.tick().await.unwrap();
    assert_eq!(takeover.started, vec![a.harness.bot.id]);

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while b.harness.replies(&ana).is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the new owner never answered"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::timeout(Duration::from_secs(10), b.harness.engine.wait_idle())
        .await
        .unwrap();
    assert_eq!(b.harness.replies(&ana).len(), 1);
}
