//! Cases for [`WebhookStore`](crate::ports::WebhookStore): webhooks, and the delivery outbox
//! that workers claim from.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    TestDatabase,
    support::{now, secs, workspace},
};
use crate::{
    domain::{DeliveryState, Webhook, WebhookDelivery},
    error::Error,
    ids::WorkspaceId,
    ports::ServerStore,
};

fn webhook_value(workspace: WorkspaceId, at: DateTime<Utc>) -> Webhook {
    Webhook {
        id: Uuid::now_v7(),
        workspace_id: workspace,
        url: "https://crm.example.com/hooks/wabot?source=whatsapp".into(),
        events: vec!["lead.qualified".into(), "message.received".into()],
        secret_ciphertext: vec![0, 1, 2, 254, 255],
        created_at: at,
    }
}

async fn webhook(store: &dyn ServerStore) -> Webhook {
    let ws = workspace(store).await;
    let hook = webhook_value(ws.id, now());
    store.create_webhook(&hook).await.unwrap();
    hook
}

/// A pending delivery to `webhook`, enqueued at `created_at` and due at `due`.
fn delivery_value(
    webhook: &Webhook,
    created_at: DateTime<Utc>,
    due: DateTime<Utc>,
) -> WebhookDelivery {
    WebhookDelivery {
        id: Uuid::now_v7(),
        webhook_id: webhook.id,
        event: "lead.qualified".into(),
        payload: r#"{"event":"lead.qualified","lead":{"name":"Ana Núñez 🚲"}}"#.into(),
        state: DeliveryState::Pending,
        attempts: 0,
        next_attempt_at: due,
        last_status: None,
        last_error: None,
        created_at,
        delivered_at: None,
    }
}

fn ids(deliveries: &[WebhookDelivery]) -> Vec<Uuid> {
    deliveries.iter().map(|d| d.id).collect()
}

/// Webhooks round-trip (events in order, an empty list, binary secret) and are listed per
/// workspace, oldest first (then by id).
pub async fn webhooks_round_trip_and_are_listed_oldest_first_per_workspace(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let other = workspace(&*store).await;
    let t = now();
    let late = webhook_value(ws.id, secs(t, 20));
    let all_events = Webhook {
        events: vec![],
        secret_ciphertext: (0..=255).collect(),
        ..webhook_value(ws.id, t)
    };
    let mut twin_low = webhook_value(ws.id, secs(t, 10));
    twin_low.id = Uuid::from_u128(1);
    let mut twin_high = webhook_value(ws.id, secs(t, 10));
    twin_high.id = Uuid::from_u128(2);
    twin_high.events = vec!["message.received".into(), "lead.qualified".into()];
    for hook in [&late, &twin_high, &all_events, &twin_low] {
        store.create_webhook(hook).await.unwrap();
    }
    let elsewhere = webhook_value(other.id, t);
    store.create_webhook(&elsewhere).await.unwrap();

    let listed = store.list_webhooks(ws.id).await.unwrap();

    assert_eq!(listed, vec![all_events, twin_low, twin_high, late]);
    assert_eq!(
        store.list_webhooks(other.id).await.unwrap(),
        vec![elsewhere]
    );
    assert!(
        store
            .list_webhooks(WorkspaceId::new())
            .await
            .unwrap()
            .is_empty()
    );
}

/// A webhook needs its workspace (`NotFound`) and a free id (`Conflict`).
pub async fn creating_a_webhook_needs_its_workspace_and_a_free_id(db: &dyn TestDatabase) {
    let store = db.open().await;
    let hook = webhook(&*store).await;

    let taken = store
        .create_webhook(&Webhook {
            url: "https://other.example.com".into(),
            ..hook.clone()
        })
        .await
        .unwrap_err();
    let orphan = store
        .create_webhook(&webhook_value(WorkspaceId::new(), now()))
        .await
        .unwrap_err();

    assert!(matches!(taken, Error::Conflict(_)), "got {taken:?}");
    assert!(matches!(orphan, Error::NotFound(_)), "got {orphan:?}");
    assert_eq!(
        store.list_webhooks(hook.workspace_id).await.unwrap(),
        vec![hook]
    );
}

/// Deleting a webhook deletes its deliveries: they are neither listed nor claimed, and
/// finishing one is `NotFound`. Other webhooks' deliveries stay.
pub async fn deleting_a_webhook_removes_its_deliveries(db: &dyn TestDatabase) {
    let store = db.open().await;
    let doomed = webhook(&*store).await;
    let kept = webhook_value(doomed.workspace_id, now());
    store.create_webhook(&kept).await.unwrap();
    let t = now();
    let gone = delivery_value(&doomed, t, secs(t, -5));
    let stays = delivery_value(&kept, t, secs(t, -5));
    store
        .enqueue_deliveries(&[gone.clone(), stays.clone()])
        .await
        .unwrap();

    store
        .delete_webhook(doomed.workspace_id, doomed.id)
        .await
        .unwrap();

    assert_eq!(
        store.list_webhooks(doomed.workspace_id).await.unwrap(),
        vec![kept]
    );
    assert!(
        store
            .list_deliveries(doomed.id, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let claimed = store
        .claim_due_deliveries(t, secs(t, 60), 10)
        .await
        .unwrap();
    assert_eq!(ids(&claimed), vec![stays.id]);
    let err = store
        .finish_delivery(&WebhookDelivery {
            state: DeliveryState::Delivered,
            ..gone
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "got {err:?}");
}

/// Deleting with another workspace's id (or an unknown webhook) is `NotFound` and deletes
/// nothing: the webhook and its deliveries stay.
pub async fn a_workspace_cannot_delete_another_workspaces_webhook(db: &dyn TestDatabase) {
    let store = db.open().await;
    let victim = webhook(&*store).await;
    let attacker = workspace(&*store).await;
    let t = now();
    let pending = delivery_value(&victim, t, secs(t, 60));
    store
        .enqueue_deliveries(std::slice::from_ref(&pending))
        .await
        .unwrap();

    let cross = store
        .delete_webhook(attacker.id, victim.id)
        .await
        .unwrap_err();
    let unknown = store
        .delete_webhook(victim.workspace_id, Uuid::now_v7())
        .await
        .unwrap_err();

    assert!(matches!(cross, Error::NotFound(_)), "got {cross:?}");
    assert!(matches!(unknown, Error::NotFound(_)), "got {unknown:?}");
    assert_eq!(
        store.list_webhooks(victim.workspace_id).await.unwrap(),
        vec![victim.clone()]
    );
    assert_eq!(
        store.list_deliveries(victim.id, 10).await.unwrap(),
        vec![pending]
    );
}

/// A batch with a missing webhook (`NotFound`) or a taken id (`Conflict`) stores none of its
/// deliveries; an empty batch is fine.
pub async fn enqueueing_deliveries_is_all_or_nothing(db: &dyn TestDatabase) {
    let store = db.open().await;
    let hook = webhook(&*store).await;
    let t = now();
    let first = delivery_value(&hook, t, t);
    store
        .enqueue_deliveries(std::slice::from_ref(&first))
        .await
        .unwrap();
    let orphan = WebhookDelivery {
        webhook_id: Uuid::now_v7(),
        ..delivery_value(&hook, t, t)
    };

    store.enqueue_deliveries(&[]).await.unwrap();
    let missing = store
        .enqueue_deliveries(&[delivery_value(&hook, t, t), orphan])
        .await
        .unwrap_err();
    let taken = store
        .enqueue_deliveries(&[delivery_value(&hook, t, t), first.clone()])
        .await
        .unwrap_err();
    let twice = delivery_value(&hook, t, t);
    let repeated = store
        .enqueue_deliveries(&[twice.clone(), twice])
        .await
        .unwrap_err();

    assert!(matches!(missing, Error::NotFound(_)), "got {missing:?}");
    assert!(matches!(taken, Error::Conflict(_)), "got {taken:?}");
    assert!(matches!(repeated, Error::Conflict(_)), "got {repeated:?}");
    assert_eq!(
        store.list_deliveries(hook.id, 10).await.unwrap(),
        vec![first]
    );
}

/// A claim takes pending deliveries due by `now`, earliest due first up to the limit, moves
/// their next attempt to the lease end and returns them in enqueue order. Delivered, failed
/// and not-yet-due ones are left alone, and leased ones are not claimed again.
pub async fn claims_lease_the_earliest_due_pending_deliveries(db: &dyn TestDatabase) {
    let store = db.open().await;
    let hook = webhook(&*store).await;
    let t = now();
    let lease = secs(t, 300);
    // Enqueued in another order than they are due.
    let due_second = delivery_value(&hook, secs(t, -50), secs(t, -20));
    let due_first = delivery_value(&hook, secs(t, -40), secs(t, -30));
    let due_third = delivery_value(&hook, secs(t, -60), secs(t, -10));
    let due_now = delivery_value(&hook, secs(t, -30), t);
    let later = delivery_value(&hook, secs(t, -30), secs(t, 1));
    let delivered = WebhookDelivery {
        state: DeliveryState::Delivered,
        attempts: 1,
        last_status: Some(204),
        delivered_at: Some(secs(t, -90)),
        ..delivery_value(&hook, secs(t, -100), secs(t, -100))
    };
    let failed = WebhookDelivery {
        state: DeliveryState::Failed,
        attempts: 8,
        last_status: Some(500),
        last_error: Some("HTTP 500".into()),
        ..delivery_value(&hook, secs(t, -100), secs(t, -100))
    };
    store
        .enqueue_deliveries(&[
            due_second.clone(),
            later.clone(),
            delivered,
            due_now.clone(),
            due_first.clone(),
            failed,
            due_third.clone(),
        ])
        .await
        .unwrap();

    let first = store.claim_due_deliveries(t, lease, 2).await.unwrap();
    let second = store.claim_due_deliveries(t, lease, 10).await.unwrap();
    let third = store.claim_due_deliveries(t, lease, 10).await.unwrap();
    let none = store.claim_due_deliveries(t, lease, 0).await.unwrap();

    let leased = |d: &WebhookDelivery| WebhookDelivery {
        next_attempt_at: lease,
        ..d.clone()
    };
    // Earliest due first; returned in enqueue order (`due_second` was enqueued before).
    assert_eq!(first, vec![leased(&due_second), leased(&due_first)]);
    assert_eq!(second, vec![leased(&due_third), leased(&due_now)]);
    assert!(third.is_empty(), "got {third:?}");
    assert!(none.is_empty(), "got {none:?}");
    let stored = store.list_deliveries(hook.id, 10).await.unwrap();
    let later_stored = stored.iter().find(|d| d.id == later.id).unwrap();
    assert_eq!(later_stored, &later);
    for claimed in [&due_first, &due_second, &due_third, &due_now] {
        let stored = stored.iter().find(|d| d.id == claimed.id).unwrap();
        assert_eq!(stored, &leased(claimed));
    }
}

/// A claimed delivery that was never finished is claimed again once its lease has run out,
/// and no sooner.
pub async fn a_delivery_whose_lease_ran_out_is_claimed_again(db: &dyn TestDatabase) {
    let store = db.open().await;
    let hook = webhook(&*store).await;
    let t = now();
    let delivery = delivery_value(&hook, t, t);
    store
        .enqueue_deliveries(std::slice::from_ref(&delivery))
        .await
        .unwrap();
    let lease = secs(t, 30);
    store.claim_due_deliveries(t, lease, 10).await.unwrap();

    let during = store
        .claim_due_deliveries(secs(t, 29), secs(t, 60), 10)
        .await
        .unwrap();
    let after = store
        .claim_due_deliveries(lease, secs(t, 90), 10)
        .await
        .unwrap();

    assert!(during.is_empty(), "got {during:?}");
    assert_eq!(
        after,
        vec![WebhookDelivery {
            next_attempt_at: secs(t, 90),
            ..delivery
        }]
    );
}

/// `finish_delivery` writes state, attempts, next attempt, last status and error and delivery
/// time, and keeps webhook, event, payload and enqueue time. Only pending deliveries are
/// claimed afterwards.
pub async fn finishing_a_delivery_records_the_outcome_only(db: &dyn TestDatabase) {
    let store = db.open().await;
    let hook = webhook(&*store).await;
    let t = now();
    let delivered = delivery_value(&hook, t, t);
    let retried = delivery_value(&hook, secs(t, 1), t);
    let failed = delivery_value(&hook, secs(t, 2), t);
    store
        .enqueue_deliveries(&[delivered.clone(), retried.clone(), failed.clone()])
        .await
        .unwrap();
    store
        .claim_due_deliveries(t, secs(t, 60), 10)
        .await
        .unwrap();
    let other_hook = webhook(&*store).await;
    let outcome_delivered = WebhookDelivery {
        state: DeliveryState::Delivered,
        attempts: 1,
        next_attempt_at: secs(t, 5),
        last_status: Some(200),
        last_error: None,
        delivered_at: Some(secs(t, 5)),
        // Not written by finish_delivery.
        webhook_id: other_hook.id,
        event: "changed".into(),
        payload: "{}".into(),
        created_at: secs(t, 1000),
        ..delivered.clone()
    };
    let outcome_retried = WebhookDelivery {
        attempts: 2,
        next_attempt_at: secs(t, 120),
        last_status: Some(503),
        last_error: Some("HTTP 503: upstream overloaded — réessayez".into()),
        ..retried.clone()
    };
    let outcome_failed = WebhookDelivery {
        state: DeliveryState::Failed,
        attempts: 8,
        next_attempt_at: secs(t, 5),
        last_status: None,
        last_error: Some("connection refused".into()),
        ..failed.clone()
    };

    for outcome in [&outcome_delivered, &outcome_retried, &outcome_failed] {
        store.finish_delivery(outcome).await.unwrap();
    }

    let stored = store.list_deliveries(hook.id, 10).await.unwrap();
    assert_eq!(
        stored,
        vec![
            outcome_failed,
            outcome_retried.clone(),
            WebhookDelivery {
                webhook_id: hook.id,
                event: delivered.event.clone(),
                payload: delivered.payload.clone(),
                created_at: delivered.created_at,
                ..outcome_delivered
            },
        ]
    );
    assert!(
        store
            .list_deliveries(other_hook.id, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let later = secs(t, 1000);
    let claimed = store
        .claim_due_deliveries(later, secs(later, 60), 10)
        .await
        .unwrap();
    assert_eq!(ids(&claimed), vec![retried.id]);
    let missing = store
        .finish_delivery(&delivery_value(&hook, t, t))
        .await
        .unwrap_err();
    assert!(matches!(missing, Error::NotFound(_)), "got {missing:?}");
}

/// Deliveries are listed per webhook, newest first (then by id, descending), at most `limit`.
pub async fn deliveries_are_listed_newest_first_per_webhook(db: &dyn TestDatabase) {
    let store = db.open().await;
    let hook = webhook(&*store).await;
    let other = webhook(&*store).await;
    let t = now();
    let old = delivery_value(&hook, t, t);
    let new = delivery_value(&hook, secs(t, 20), t);
    let mut twin_low = delivery_value(&hook, secs(t, 10), t);
    twin_low.id = Uuid::from_u128(1);
    let mut twin_high = delivery_value(&hook, secs(t, 10), t);
    twin_high.id = Uuid::from_u128(2);
    store
        .enqueue_deliveries(&[
            twin_low.clone(),
            new.clone(),
            old.clone(),
            twin_high.clone(),
            delivery_value(&other, secs(t, 30), t),
        ])
        .await
        .unwrap();

    let all = store.list_deliveries(hook.id, 10).await.unwrap();
    let newest = store.list_deliveries(hook.id, 2).await.unwrap();
    let none = store.list_deliveries(hook.id, 0).await.unwrap();

    assert_eq!(all, vec![new.clone(), twin_high.clone(), twin_low, old]);
    assert_eq!(newest, vec![new, twin_high]);
    assert!(none.is_empty());
    assert!(
        store
            .list_deliveries(Uuid::now_v7(), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Eight workers on two store instances (two replicas) claim from fifty due deliveries until
/// none are left: every delivery is claimed exactly once.
pub async fn concurrent_claims_hand_out_each_delivery_exactly_once(db: &dyn TestDatabase) {
    let first = db.open().await;
    let second = db.open().await;
    let hook = webhook(&*first).await;
    let t = now();
    let deliveries: Vec<WebhookDelivery> = (0..50)
        .map(|i| delivery_value(&hook, t, secs(t, -i)))
        .collect();
    first.enqueue_deliveries(&deliveries).await.unwrap();

    let workers: Vec<_> = (0..8)
        .map(|i| {
            let store = if i % 2 == 0 {
                first.clone()
            } else {
                second.clone()
            };
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let batch = store
                        .claim_due_deliveries(t, secs(t, 600), 3)
                        .await
                        .unwrap();
                    if batch.is_empty() {
                        return mine;
                    }
                    mine.extend(batch.into_iter().map(|d| d.id));
                }
            })
        })
        .collect();
    let mut claimed = Vec::new();
    for worker in workers {
        claimed.extend(worker.await.unwrap());
    }

    let unique: HashSet<Uuid> = claimed.iter().copied().collect();
    assert_eq!(claimed.len(), 50, "claimed {} times", claimed.len());
    assert_eq!(unique, ids(&deliveries).into_iter().collect());
}
