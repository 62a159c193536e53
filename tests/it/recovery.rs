//! Crash recovery: what a killed process stored but never answered is answered once (or flagged
//! for an agent) when the bot is back. A "crash" is a store left as a killed process leaves it:
//! the message recorded as pending, or a reply stored but never confirmed sent; the "restart"
//! is a new engine and supervisor on the same store.

use std::{sync::Arc, time::Duration};

use chrono::{TimeZone, Utc};
use wabot::core::{
    domain::{DeliveryStatus, Direction, InboundHandling, Message, Sender},
    engine::INTERRUPTED_SEND,
    ids::MessageId,
    memory::{ManualClock, MemoryStore},
    ports::{Clock, InboundOutcome, NewInbound, Store, SystemClock},
};

use crate::harness::{Harness, contact};

/// Records `body` from `from` as pending, as a process killed right after acknowledging it
/// leaves it.
async fn stored_unanswered(
    h: &Harness,
    from: &str,
    id: &str,
    body: &str,
    at: chrono::DateTime<Utc>,
) -> Message {
    let outcome = h
        .store
        .record_inbound(&NewInbound {
            workspace_id: h.workspace,
            bot_id: h.bot.id,
            contact: contact(from),
            display_name: None,
            provider_message_id: id.to_string(),
            body: body.to_string(),
            received_at: at,
            handling: InboundHandling::Pending,
        })
        .await
        .unwrap();
    match outcome {
        InboundOutcome::Recorded { message, .. } => message,
        InboundOutcome::Duplicate => panic!("{id} was a duplicate"),
    }
}

/// The same store, a new engine and supervisor: a restarted process.
async fn restart(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Harness {
    Harness::with(store, clock, false).await
}

async fn settle(h: &Harness) {
    // Recovery queues its work when the bot is ready; wait until it has been processed.
    tokio::time::sleep(Duration::from_millis(20)).await;
    tokio::time::timeout(Duration::from_secs(10), h.engine.wait_idle())
        .await
        .expect("engine idle");
}

#[tokio::test]
async fn messages_stored_before_a_crash_are_answered_once_in_order_when_the_bot_is_back() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let first = Harness::with(store.clone(), Arc::new(SystemClock), true).await;
    let ana = contact("34612345678@c.us");
    stored_unanswered(
        &first,
        "34612345678@c.us",
        "w1",
        "Hello, I need a quote",
        Utc::now(),
    )
    .await;
    stored_unanswered(
        &first,
        "34612345678@c.us",
        "w2",
        "for a roof in Madrid",
        Utc::now(),
    )
    .await;
    drop(first);

    let second = restart(store.clone(), Arc::new(SystemClock)).await;
    second.start().await;
    settle(&second).await;

    let replies = second.replies(&ana);
    assert_eq!(
        replies.len(),
        2,
        "one reply per stored message: {replies:?}"
    );
    let asked: Vec<String> = second
        .llm
        .requests()
        .into_iter()
        .filter(|r| !r.json_mode)
        .map(|r| r.messages.last().unwrap().content.clone())
        .collect();
    assert_eq!(asked, ["Hello, I need a quote", "for a roof in Madrid"]);

    // Restarting the bot in the same process, and a further restart of the process, answer
    // nothing again.
    second.start().await;
    settle(&second).await;
    drop(second);
    let third = restart(store.clone(), Arc::new(SystemClock)).await;
    third.start().await;
    settle(&third).await;
    assert_eq!(third.replies(&ana).len(), 0, "the third run sends nothing");
    let lead = store.find_lead(third.bot.id, &ana).await.unwrap().unwrap();
    let history = store.recent_messages(lead.id, 20).await.unwrap();
    let outbound = history
        .iter()
        .filter(|m| m.direction == Direction::Outbound)
        .count();
    assert_eq!(outbound, 2);
    assert!(lead.unanswered_since.is_none());
}

#[tokio::test]
async fn a_message_older_than_the_window_is_flagged_for_an_agent_not_answered() {
    let t0 = Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(t0));
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let first = Harness::with(store.clone(), clock.clone(), true).await;
    let ana = contact("34612345678@c.us");
    let old = stored_unanswered(&first, "34612345678@c.us", "w1", "Hello?", t0).await;
    drop(first);

    // Back 20 minutes later: past the default 15-minute window.
    clock.advance(chrono::TimeDelta::minutes(20));
    let second = restart(store.clone(), clock.clone()).await;
    second.start().await;
    settle(&second).await;

    assert!(
        second.replies(&ana).is_empty(),
        "a stale message is not auto-answered"
    );
    let lead = store.find_lead(second.bot.id, &ana).await.unwrap().unwrap();
    assert_eq!(lead.unanswered_since, Some(old.created_at));
    assert!(
        store
            .pending_inbound(second.bot.id, clock.now(), 10)
            .await
            .unwrap()
            .is_empty(),
        "the message is flagged, not pending"
    );

    // An agent answering clears the flag.
    let agent = second.add_agent("sales@acme.example").await;
    second
        .engine
        .reply_as_agent(lead.id, agent, "Sorry for the wait, how can I help?")
        .await
        .unwrap();
    let lead = store.find_lead(second.bot.id, &ana).await.unwrap().unwrap();
    assert_eq!(lead.unanswered_since, None);
}

#[tokio::test]
async fn a_send_interrupted_by_a_crash_is_marked_failed_and_never_sent_twice() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let first = Harness::with(store.clone(), Arc::new(SystemClock), true).await;
    let ana = contact("34612345678@c.us");
    let inbound = stored_unanswered(&first, "34612345678@c.us", "w1", "Hi", Utc::now()).await;
    let reply = Message {
        id: MessageId::new(),
        bot_id: first.bot.id,
        lead_id: inbound.lead_id,
        direction: Direction::Outbound,
        sender: Sender::Bot,
        body: "Hello! How can I help?".into(),
        provider_message_id: None,
        delivery: DeliveryStatus::Pending,
        error: None,
        created_at: Utc::now(),
    };
    // The process died between storing the reply and hearing back from the network.
    store.insert_reply(&reply, inbound.id).await.unwrap();
    drop(first);

    let second = restart(store.clone(), Arc::new(SystemClock)).await;
    second.start().await;
    settle(&second).await;

    assert!(second.replies(&ana).is_empty(), "nothing is re-sent");
    let lead = store.find_lead(second.bot.id, &ana).await.unwrap().unwrap();
    let history = store.recent_messages(lead.id, 10).await.unwrap();
    let stored = history.iter().find(|m| m.id == reply.id).unwrap();
    assert_eq!(stored.delivery, DeliveryStatus::Failed);
    assert_eq!(stored.error.as_deref(), Some(INTERRUPTED_SEND));
    assert_eq!(lead.unanswered_since, Some(reply.created_at));
}

#[tokio::test]
async fn messages_arriving_during_this_run_are_not_taken_for_leftovers() {
    let h = Harness::new().await;
    let ana = contact("34612345678@c.us");
    h.start().await;
    h.say(&ana, "Hello").await;
    // A second ready of the same bot (a reconnect) recovers nothing and answers nothing twice.
    h.start().await;
    settle(&h).await;
    assert_eq!(h.replies(&ana).len(), 1);
}
