//! Cases for the outbound side of [`MessageStore`](crate::ports::MessageStore): inserting,
//! sending, acks and history.

use super::{
    TestDatabase,
    support::{bot, inbound, now, outbound, record, secs, workspace},
};
use crate::{
    domain::{Bot, DeliveryStatus, Lead, Message, Sender},
    error::Error,
    ids::{LeadId, MessageId, UserId},
    ports::Store,
};

async fn conversation(store: &dyn Store) -> (Bot, Lead) {
    let ws = workspace(store).await;
    let bot = bot(store, ws.id).await;
    let (lead, _, _) = record(store, &inbound(&bot, "34612345678@c.us", "wamid.in", "hi")).await;
    (bot, lead)
}

/// An outbound message needs an existing lead (`LeadNotFound`), an unused id and an unused
/// provider id for the bot (`Conflict`).
pub async fn outbound_message_needs_its_lead_and_unique_ids(db: &dyn TestDatabase) {
    let store = db.open().await;
    let (_, lead) = conversation(&*store).await;
    let mut orphan = outbound(&lead, "lost");
    orphan.lead_id = LeadId::new();
    let sent = Message {
        provider_message_id: Some("wamid.out".into()),
        delivery: DeliveryStatus::Sent,
        sender: Sender::Agent(UserId::new()),
        ..outbound(&lead, "Hi, I'm Bob from sales")
    };
    store.insert_message(&sent).await.unwrap();

    let no_lead = store.insert_message(&orphan).await.unwrap_err();
    let same_id = store
        .insert_message(&Message {
            provider_message_id: None,
            ..sent.clone()
        })
        .await
        .unwrap_err();
    let same_provider_id = store
        .insert_message(&Message {
            id: MessageId::new(),
            ..sent.clone()
        })
        .await
        .unwrap_err();
    let taken_by_inbound = store
        .insert_message(&Message {
            provider_message_id: Some("wamid.in".into()),
            ..outbound(&lead, "x")
        })
        .await
        .unwrap_err();

    assert!(
        matches!(no_lead, Error::LeadNotFound(id) if id == orphan.lead_id),
        "got {no_lead:?}"
    );
    for err in [same_id, same_provider_id, taken_by_inbound] {
        assert!(matches!(err, Error::Conflict(_)), "got {err:?}");
    }
    let history = store.recent_messages(lead.id, 10).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1], sent);
}

/// `recent_messages` returns the last `limit` messages oldest first, in stored order even when
/// `created_at` disagrees.
pub async fn recent_messages_are_the_last_n_in_stored_order(db: &dyn TestDatabase) {
    let store = db.open().await;
    let (bot, lead) = conversation(&*store).await;
    let first = store.recent_messages(lead.id, 1).await.unwrap();
    let t = now();
    let mut stored = first.clone();
    for i in 0..5 {
        let mut message = outbound(&lead, &format!("reply {i}"));
        // Stored order wins over timestamps.
        message.created_at = secs(t, -i);
        store.insert_message(&message).await.unwrap();
        stored.push(message);
    }
    let (_, last_inbound, _) = record(
        &*store,
        &inbound(&bot, "34612345678@c.us", "wamid.in2", "bye"),
    )
    .await;
    stored.push(last_inbound);

    assert_eq!(store.recent_messages(lead.id, 100).await.unwrap(), stored);
    assert_eq!(
        store.recent_messages(lead.id, 3).await.unwrap(),
        stored[stored.len() - 3..].to_vec()
    );
    assert!(store.recent_messages(lead.id, 0).await.unwrap().is_empty());
    assert!(
        store
            .recent_messages(LeadId::new(), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// `mark_sent` records the provider id and status; `None` keeps the stored provider id; the
/// provider id then matches acks.
pub async fn mark_sent_records_provider_id_and_delivery(db: &dyn TestDatabase) {
    let store = db.open().await;
    let (bot, lead) = conversation(&*store).await;
    let message = outbound(&lead, "hello");
    store.insert_message(&message).await.unwrap();
    let other = outbound(&lead, "other");
    store.insert_message(&other).await.unwrap();

    store
        .mark_sent(message.id, Some("wamid.out"), DeliveryStatus::Sent, None)
        .await
        .unwrap();
    let after_send = store.recent_messages(lead.id, 2).await.unwrap();
    store
        .mark_sent(message.id, None, DeliveryStatus::Failed, None)
        .await
        .unwrap();
    let after_failure = store.recent_messages(lead.id, 2).await.unwrap();
    let clash = store
        .mark_sent(other.id, Some("wamid.out"), DeliveryStatus::Sent, None)
        .await
        .unwrap_err();
    // Failed is final for acks.
    let ack = store
        .apply_ack(bot.id, "wamid.out", DeliveryStatus::Read)
        .await
        .unwrap();

    let sent = Message {
        provider_message_id: Some("wamid.out".into()),
        delivery: DeliveryStatus::Sent,
        ..message.clone()
    };
    assert_eq!(after_send, vec![sent.clone(), other.clone()]);
    assert_eq!(
        after_failure[0],
        Message {
            delivery: DeliveryStatus::Failed,
            ..sent.clone()
        }
    );
    assert!(matches!(clash, Error::Conflict(_)), "got {clash:?}");
    assert_eq!(
        store.recent_messages(lead.id, 1).await.unwrap(),
        vec![other]
    );
    assert_eq!(ack, None);

    // Re-sending under a new provider id moves the ack key.
    store
        .mark_sent(message.id, Some("wamid.retry"), DeliveryStatus::Sent, None)
        .await
        .unwrap();
    let delivered = store
        .apply_ack(bot.id, "wamid.retry", DeliveryStatus::Delivered)
        .await
        .unwrap();
    assert_eq!(
        delivered,
        Some(Message {
            provider_message_id: Some("wamid.retry".into()),
            delivery: DeliveryStatus::Delivered,
            ..message
        })
    );
}

/// `mark_sent` stores why sending failed and a later successful attempt clears it; an inserted
/// message keeps its reason; both survive reopening the database.
pub async fn mark_sent_records_the_failure_reason(db: &dyn TestDatabase) {
    const WINDOW: &str = "rejected: outside the 24-hour customer service window: a template \
                          message is required";
    let store = db.open().await;
    let (_, lead) = conversation(&*store).await;
    let message = outbound(&lead, "¿Seguimos?");
    store.insert_message(&message).await.unwrap();
    let imported = Message {
        delivery: DeliveryStatus::Failed,
        error: Some("not connected: QR code not scanned".into()),
        ..outbound(&lead, "imported")
    };
    store.insert_message(&imported).await.unwrap();

    store
        .mark_sent(message.id, None, DeliveryStatus::Failed, Some(WINDOW))
        .await
        .unwrap();
    let failed = store.recent_messages(lead.id, 2).await.unwrap();
    let reopened = db.open().await.recent_messages(lead.id, 2).await.unwrap();
    store
        .mark_sent(message.id, Some("wamid.retry"), DeliveryStatus::Sent, None)
        .await
        .unwrap();
    let retried = store.recent_messages(lead.id, 2).await.unwrap();

    let expected = Message {
        delivery: DeliveryStatus::Failed,
        error: Some(WINDOW.into()),
        ..message.clone()
    };
    assert_eq!(failed, vec![expected.clone(), imported.clone()]);
    assert_eq!(reopened, failed);
    assert_eq!(
        retried,
        vec![
            Message {
                provider_message_id: Some("wamid.retry".into()),
                delivery: DeliveryStatus::Sent,
                ..message
            },
            imported
        ]
    );
}

/// Marking a message that does not exist fails with `NotFound`.
pub async fn marking_a_missing_message_fails_with_not_found(db: &dyn TestDatabase) {
    let store = db.open().await;

    let err = store
        .mark_sent(
            MessageId::new(),
            Some("wamid.x"),
            DeliveryStatus::Sent,
            None,
        )
        .await
        .unwrap_err();

    assert!(matches!(err, Error::NotFound(_)), "got {err:?}");
}

/// Acks apply only when they advance the status: out-of-order and repeated acks change
/// nothing, and failure replaces only pending or sent.
pub async fn acks_apply_only_when_they_are_progress(db: &dyn TestDatabase) {
    use DeliveryStatus::*;
    let store = db.open().await;
    let (bot, lead) = conversation(&*store).await;
    let message = Message {
        provider_message_id: Some("wamid.out".into()),
        ..outbound(&lead, "hello")
    };
    store.insert_message(&message).await.unwrap();

    // (ack, status afterwards, whether it applied)
    let steps = [
        (Sent, Sent, true),
        (Sent, Sent, false),
        (Read, Read, true),
        (Delivered, Read, false),
        (Failed, Read, false),
        (Received, Read, false),
        (Read, Read, false),
    ];
    for (ack, after, applied) in steps {
        let outcome = store.apply_ack(bot.id, "wamid.out", ack).await.unwrap();
        let expected = Message {
            delivery: after,
            ..message.clone()
        };
        assert_eq!(outcome, applied.then(|| expected.clone()), "ack {ack:?}");
        assert_eq!(
            store.recent_messages(lead.id, 1).await.unwrap(),
            vec![expected]
        );
    }

    let failing = Message {
        provider_message_id: Some("wamid.fail".into()),
        delivery: Sent,
        ..outbound(&lead, "doomed")
    };
    store.insert_message(&failing).await.unwrap();
    let failed = store.apply_ack(bot.id, "wamid.fail", Failed).await.unwrap();
    let after_failure = store
        .apply_ack(bot.id, "wamid.fail", Delivered)
        .await
        .unwrap();
    assert_eq!(failed.map(|m| m.delivery), Some(Failed));
    assert_eq!(after_failure, None);

    // Exhaustively, every transition matches `advances_to`.
    for from in DeliveryStatus::ALL {
        for to in DeliveryStatus::ALL {
            let pid = format!("wamid.{from}.{to}");
            let message = Message {
                provider_message_id: Some(pid.clone()),
                delivery: from,
                ..outbound(&lead, "x")
            };
            store.insert_message(&message).await.unwrap();
            let outcome = store.apply_ack(bot.id, &pid, to).await.unwrap();
            assert_eq!(outcome.is_some(), from.advances_to(to), "{from} -> {to}");
        }
    }
}

/// Acks for an unknown provider id, or a known one of another bot, return `None`.
pub async fn acks_for_unknown_messages_or_other_bots_change_nothing(db: &dyn TestDatabase) {
    let store = db.open().await;
    let (bot, lead) = conversation(&*store).await;
    let other_bot = super::support::bot(&*store, bot.workspace_id).await;
    let message = Message {
        provider_message_id: Some("wamid.out".into()),
        delivery: DeliveryStatus::Sent,
        ..outbound(&lead, "hello")
    };
    store.insert_message(&message).await.unwrap();

    let unknown = store
        .apply_ack(bot.id, "wamid.nope", DeliveryStatus::Read)
        .await
        .unwrap();
    let wrong_bot = store
        .apply_ack(other_bot.id, "wamid.out", DeliveryStatus::Read)
        .await
        .unwrap();

    assert_eq!(unknown, None);
    assert_eq!(wrong_bot, None);
    assert_eq!(
        store.recent_messages(lead.id, 1).await.unwrap(),
        vec![message]
    );
}
