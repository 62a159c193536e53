//! Cases for crash recovery's side of [`MessageStore`](crate::ports::MessageStore): what the
//! engine has done with each inbound message, the claim a reply takes on it, and the lists of
//! unfinished work.

use std::sync::Arc;

use super::{
    TestDatabase,
    support::{bot, inbound, now, outbound, record, secs, workspace},
};
use crate::{
    domain::{DeliveryStatus, InboundHandling, Message},
    error::Error,
    ids::MessageId,
    ports::NewInbound,
};

fn ids(messages: &[Message]) -> Vec<MessageId> {
    messages.iter().map(|m| m.id).collect()
}

/// A stored inbound text message is pending until a reply claims it; a second reply to it is a
/// `Conflict` and stores nothing.
pub async fn an_inbound_message_is_pending_until_one_reply_claims_it(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    let (lead, message, _) = record(&*store, &inbound(&bot, "34612345678@c.us", "w1", "hi")).await;
    let later = secs(now(), 5);

    let pending = store.pending_inbound(bot.id, later, 10).await.unwrap();
    store
        .insert_reply(&outbound(&lead, "Hello!"), message.id)
        .await
        .unwrap();
    let second = store
        .insert_reply(&outbound(&lead, "Hello again!"), message.id)
        .await
        .unwrap_err();

    assert_eq!(ids(&pending), vec![message.id]);
    assert!(matches!(second, Error::Conflict(_)), "got {second:?}");
    assert!(
        store
            .pending_inbound(bot.id, later, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let history = store.recent_messages(lead.id, 10).await.unwrap();
    let bodies: Vec<&str> = history.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["hi", "Hello!"]);
}

/// Settling moves only a pending message, once; a settled message cannot be answered, and one
/// recorded as done (media) is never pending.
pub async fn settling_moves_a_pending_message_once(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    let (lead, text, _) = record(&*store, &inbound(&bot, "34612345678@c.us", "w1", "hi")).await;
    let photo = NewInbound {
        handling: InboundHandling::Done,
        ..inbound(&bot, "34612345678@c.us", "w2", "[image]")
    };
    let (_, photo, _) = record(&*store, &photo).await;

    let first = store
        .settle_inbound(text.id, InboundHandling::Flagged)
        .await
        .unwrap();
    let again = store
        .settle_inbound(text.id, InboundHandling::Done)
        .await
        .unwrap();
    let done_one = store
        .settle_inbound(photo.id, InboundHandling::Flagged)
        .await
        .unwrap();
    let unknown = store
        .settle_inbound(MessageId::new(), InboundHandling::Done)
        .await
        .unwrap();
    let reply = store
        .insert_reply(&outbound(&lead, "late"), text.id)
        .await
        .unwrap_err();

    assert!(first);
    assert!(!again && !done_one && !unknown);
    assert!(matches!(reply, Error::Conflict(_)), "got {reply:?}");
    let pending = store
        .pending_inbound(bot.id, secs(now(), 5), 10)
        .await
        .unwrap();
    assert!(pending.is_empty(), "got {pending:?}");
    assert_eq!(store.recent_messages(lead.id, 10).await.unwrap().len(), 2);
}

/// Pending lists are per bot, only what was stored before the given time, oldest first in
/// stored order, at most `limit`.
pub async fn pending_inbound_is_per_bot_before_a_time_in_stored_order(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let one = bot(&*store, ws.id).await;
    let other = bot(&*store, ws.id).await;
    let t0 = now();
    let at = |bot: &crate::domain::Bot, contact: &str, id: &str, secs_after: i64| NewInbound {
        received_at: secs(t0, secs_after),
        ..inbound(bot, contact, id, id)
    };
    let (_, a, _) = record(&*store, &at(&one, "34600000001@c.us", "a", 0)).await;
    let (_, b, _) = record(&*store, &at(&one, "34600000002@c.us", "b", 1)).await;
    let (_, c, _) = record(&*store, &at(&one, "34600000001@c.us", "c", 2)).await;
    record(&*store, &at(&other, "34600000001@c.us", "x", 0)).await;
    record(&*store, &at(&one, "34600000003@c.us", "late", 60)).await;

    let all = store
        .pending_inbound(one.id, secs(t0, 30), 10)
        .await
        .unwrap();
    let first_two = store
        .pending_inbound(one.id, secs(t0, 30), 2)
        .await
        .unwrap();

    assert_eq!(ids(&all), vec![a.id, b.id, c.id]);
    assert_eq!(ids(&first_two), vec![a.id, b.id]);
}

/// Outbound messages still pending (a send a crash interrupted) are listed per bot before a
/// time; sent or failed ones and inbound ones are not.
pub async fn pending_outbound_lists_unfinished_sends_only(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    let (lead, first, _) = record(&*store, &inbound(&bot, "34612345678@c.us", "w1", "hi")).await;
    let (_, second, _) = record(&*store, &inbound(&bot, "34612345678@c.us", "w2", "hey")).await;
    let interrupted = outbound(&lead, "Hello!");
    let sent = outbound(&lead, "Hey!");
    store.insert_reply(&interrupted, first.id).await.unwrap();
    store.insert_reply(&sent, second.id).await.unwrap();
    store
        .mark_sent(sent.id, Some("wamid.out"), DeliveryStatus::Sent, None)
        .await
        .unwrap();

    let pending = store
        .pending_outbound(bot.id, secs(now(), 5), 10)
        .await
        .unwrap();
    let before_them = store
        .pending_outbound(bot.id, secs(interrupted.created_at, -60), 10)
        .await
        .unwrap();

    assert_eq!(ids(&pending), vec![interrupted.id]);
    assert!(before_them.is_empty());
}

/// Of eight concurrent replies claiming one message, exactly one is stored.
pub async fn racing_replies_to_one_message_store_exactly_one(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    let (lead, message, _) = record(&*store, &inbound(&bot, "34612345678@c.us", "w1", "hi")).await;
    let lead = Arc::new(lead);

    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (store, lead) = (store.clone(), lead.clone());
            tokio::spawn(async move {
                store
                    .insert_reply(&outbound(&lead, &format!("reply {i}")), message.id)
                    .await
            })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => won += 1,
            Err(Error::Conflict(_)) => {}
            Err(e) => panic!("unexpected error {e:?}"),
        }
    }

    assert_eq!(won, 1);
    assert_eq!(store.recent_messages(lead.id, 20).await.unwrap().len(), 2);
}

/// Pending work survives reopening the database, and the lead's `unanswered_since` round-trips.
pub async fn unfinished_work_and_the_unanswered_flag_survive_reopening(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    let (mut lead, message, _) =
        record(&*store, &inbound(&bot, "34612345678@c.us", "w1", "hi")).await;
    let since = message.created_at;
    lead.unanswered_since = Some(since);
    store.update_lead(&lead).await.unwrap();
    drop(store);

    let reopened = db.open().await;
    let pending = reopened
        .pending_inbound(bot.id, secs(now(), 5), 10)
        .await
        .unwrap();
    let stored = reopened.get_lead(lead.id).await.unwrap().unwrap();
    lead.unanswered_since = None;
    reopened.update_lead(&lead).await.unwrap();
    let cleared = reopened.get_lead(lead.id).await.unwrap().unwrap();

    assert_eq!(ids(&pending), vec![message.id]);
    assert_eq!(stored.unanswered_since, Some(since));
    assert_eq!(cleared.unanswered_since, None);
}
