//! Outgoing webhooks: signed deliveries, retries, the delivery log, and no loss on restart.

use std::{sync::Arc, time::Duration};

use reqwest::StatusCode;
use serde_json::{Value, json};
use wabot_core::{
    ids::WorkspaceId,
    ports::{DomainEvent, ServerStore},
};
use wabot_server::webhooks::signing;

use super::auth_support::{Receiver, TestServer, client, people, samples};

const SECRET: &str = "whsec_test_secret_0123456789";

async fn create_webhook(app: &TestServer, session: &str, ws: WorkspaceId, url: &str) -> Value {
    let resp = client()
        .post(app.api(&format!("/workspaces/{}/webhooks", ws.as_uuid())))
        .bearer_auth(session)
        .json(&json!({ "url": url, "events": ["lead.qualified"], "secret": SECRET }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    resp.json().await.unwrap()
}

async fn qualified_event(
    app: &TestServer,
    ws: WorkspaceId,
    lead: wabot_core::ids::LeadId,
) -> DomainEvent {
    let lead = app.store().get_lead(lead).await.unwrap().unwrap();
    DomainEvent::LeadQualified {
        workspace_id: ws,
        lead,
    }
}

fn header<'a>(r: &'a super::auth_support::Received, name: &str) -> &'a str {
    r.headers[name].to_str().unwrap()
}

#[tokio::test]
async fn a_delivery_is_signed_and_verifiable_by_the_receiver() {
    let receiver = Receiver::start().await;
    let (app, _dir) = TestServer::memory(None, |_| {}).await;
    let p = people(app.store().as_ref()).await;
    let s = samples(&app.state, p.a, &p.owner).await;
    let session = app.session(&p.manager);
    let created = create_webhook(&app, &session, p.a, &receiver.url()).await;
    assert_eq!(created["secret"], SECRET);
    let hook_id = created["webhook"]["id"].as_str().unwrap().to_string();

    // Another event type and another workspace's event are not delivered.
    app.state.bus.publish(DomainEvent::LeadUpdated {
        workspace_id: p.a,
        lead: app.store().get_lead(s.lead).await.unwrap().unwrap(),
    });
    let event = qualified_event(&app, p.a, s.lead).await;
    let mut other = event.clone();
    if let DomainEvent::LeadQualified { workspace_id, .. } = &mut other {
        *workspace_id = p.b;
    }
    app.state.bus.publish(other);
    app.state.bus.publish(event);

    let got = receiver.wait_for(1, 10).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        receiver.received().len(),
        1,
        "only the subscribed event of A"
    );
    let r = &got[0];
    assert_eq!(header(r, "x-wabot-event"), "lead.qualified");
    assert_eq!(header(r, "content-type"), "application/json");
    let ts: i64 = header(r, "x-wabot-timestamp").parse().unwrap();
    let now = chrono::Utc::now().timestamp();
    assert!(signing::verify(
        SECRET.as_bytes(),
        header(r, "x-wabot-signature"),
        ts,
        &r.body,
        now,
        300
    ));
    assert!(!signing::verify(
        b"wrong secret",
        header(r, "x-wabot-signature"),
        ts,
        &r.body,
        now,
        300
    ));
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body["event"], "lead.qualified");
    assert_eq!(body["id"], header(r, "x-wabot-delivery"));
    assert_eq!(body["data"]["lead"]["id"], s.lead.to_string());

    // The delivery log shows it delivered, with the exact body.
    let mut log = Value::Null;
    for _ in 0..50 {
        let page: Value = client()
            .get(app.api(&format!(
                "/workspaces/{}/webhooks/{hook_id}/deliveries",
                p.a.as_uuid()
            )))
            .bearer_auth(&session)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        log = page["items"].clone();
        if log[0]["state"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(log[0]["state"], "delivered", "{log}");
    assert_eq!(log[0]["attempts"], 1);
    assert_eq!(log[0]["last_status"], 200);
    assert_eq!(log[0]["payload"].as_str().unwrap().as_bytes(), &r.body[..]);

    // The secret is stored encrypted, not in clear.
    let stored = app.store().list_webhooks(p.a).await.unwrap();
    let stored = stored.iter().find(|h| h.id.to_string() == hook_id).unwrap();
    assert!(
        !stored
            .secret_ciphertext
            .windows(SECRET.len())
            .any(|w| w == SECRET.as_bytes())
    );
}

#[tokio::test]
async fn a_failed_attempt_is_retried_with_the_same_delivery_id() {
    let receiver = Receiver::start().await;
    receiver.answer(&[500, 503]);
    let (app, _dir) = TestServer::memory(None, |_| {}).await;
    let p = people(app.store().as_ref()).await;
    let s = samples(&app.state, p.a, &p.owner).await;
    let session = app.session(&p.owner);
    let created = create_webhook(&app, &session, p.a, &receiver.url()).await;
    let hook_id: uuid::Uuid = created["webhook"]["id"].as_str().unwrap().parse().unwrap();

    app.state
        .bus
        .publish(qualified_event(&app, p.a, s.lead).await);
    let got = receiver.wait_for(3, 15).await;
    let ids: Vec<&str> = got.iter().map(|r| header(r, "x-wabot-delivery")).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert!(
        got.iter().all(|r| r.body == got[0].body),
        "the exact stored body each time"
    );

    let mut delivered = None;
    for _ in 0..50 {
        let d = app.store().list_deliveries(hook_id, 10).await.unwrap();
        if d[0].state == wabot_core::domain::DeliveryState::Delivered {
            delivered = Some(d[0].clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let d = delivered.expect("delivered after the retries");
    assert_eq!(d.attempts, 3);
    assert_eq!(d.last_status, Some(200));
}

#[tokio::test]
async fn a_receiver_that_keeps_failing_ends_failed_after_the_last_attempt() {
    let receiver = Receiver::start().await;
    receiver.answer(&[500, 500, 500, 500]);
    let (app, _dir) = TestServer::memory(None, |s| s.webhooks.max_attempts = 2).await;
    let p = people(app.store().as_ref()).await;
    let s = samples(&app.state, p.a, &p.owner).await;
    let created = create_webhook(&app, &app.session(&p.owner), p.a, &receiver.url()).await;
    let hook_id: uuid::Uuid = created["webhook"]["id"].as_str().unwrap().parse().unwrap();

    app.state
        .bus
        .publish(qualified_event(&app, p.a, s.lead).await);
    receiver.wait_for(2, 15).await;
    let mut state = None;
    for _ in 0..50 {
        let d = app.store().list_deliveries(hook_id, 10).await.unwrap();
        if d[0].state != wabot_core::domain::DeliveryState::Pending {
            state = Some(d[0].clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let d = state.expect("finished");
    assert_eq!(d.state, wabot_core::domain::DeliveryState::Failed);
    assert_eq!(d.attempts, 2);
    assert_eq!(d.last_status, Some(500));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 2, "no attempt after the last");
}

#[tokio::test]
async fn webhook_urls_and_events_are_validated() {
    let (app, _dir) = TestServer::memory(None, |s| {
        s.webhooks.allow_private_targets = false;
        s.network.allow_private_addresses = false;
    })
    .await;
    let p = people(app.store().as_ref()).await;
    let session = app.session(&p.owner);
    let url = app.api(&format!("/workspaces/{}/webhooks", p.a.as_uuid()));
    for (body, field) in [
        (json!({ "url": "ftp://example.com/x" }), "url"),
        (json!({ "url": "not a url" }), "url"),
        (json!({ "url": "http://127.0.0.1:8080/x" }), "url"),
        (json!({ "url": "http://10.1.2.3/x" }), "url"),
        (
            json!({ "url": "https://example.com/x", "events": ["lead.exploded"] }),
            "events",
        ),
        (
            json!({ "url": "https://example.com/x", "secret": "short" }),
            "secret",
        ),
    ] {
        let resp = client()
            .post(&url)
            .bearer_auth(&session)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let err: Value = resp.json().await.unwrap();
        assert_eq!(err["details"]["field"], field, "{err}");
    }
    let ok = client()
        .post(&url)
        .bearer_auth(&session)
        .json(&json!({ "url": "https://example.com/hook" }))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::CREATED);
    let created: Value = ok.json().await.unwrap();
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
    let id = created["webhook"]["id"].as_str().unwrap();
    let listed: Value = client()
        .get(&url)
        .bearer_auth(&session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        !listed.to_string().contains("whsec_"),
        "secrets are not listed"
    );
    let deleted = client()
        .delete(format!("{url}/{id}"))
        .bearer_auth(&session)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let again = client()
        .delete(format!("{url}/{id}"))
        .bearer_auth(&session)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn deliveries_enqueued_before_a_restart_are_sent_by_the_next_server() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("wabot.db").display());
    let open = || async {
        Arc::new(wabot_store::SqliteStore::open(&db).await.unwrap()) as Arc<dyn ServerStore>
    };
    restart_scenario(dir.path(), open).await;
}

/// The same on PostgreSQL, in a fresh schema, when `DATABASE_URL` is set (see
/// `scripts/lib/postgres.sh`); skipped otherwise.
#[tokio::test]
async fn deliveries_enqueued_before_a_restart_are_sent_by_the_next_server_on_postgres() {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        eprintln!("DATABASE_URL is not set: skipping the PostgreSQL restart test");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let schema = format!("webhooks_{}", uuid::Uuid::new_v4().simple());
    let open = || async {
        let options = wabot_store::PostgresOptions {
            schema: Some(schema.clone()),
            ..Default::default()
        };
        Arc::new(
            wabot_store::PostgresStore::connect_with(&url, options)
                .await
                .unwrap(),
        ) as Arc<dyn ServerStore>
    };
    restart_scenario(dir.path(), open).await;
}

async fn restart_scenario<F, Fut>(dir: &std::path::Path, open: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Arc<dyn ServerStore>>,
{
    let receiver = Receiver::start().await;
    let store = open().await;
    let first = TestServer::start(store, dir, None, |s| {
        s.webhooks.send = false; // persist only: nothing is sent before the "crash"
    })
    .await;
    let p = people(first.store().as_ref()).await;
    let s = samples(&first.state, p.a, &p.owner).await;
    let created = create_webhook(&first, &first.session(&p.owner), p.a, &receiver.url()).await;
    let hook_id: uuid::Uuid = created["webhook"]["id"].as_str().unwrap().parse().unwrap();
    first
        .state
        .bus
        .publish(qualified_event(&first, p.a, s.lead).await);
    first
        .state
        .bus
        .publish(qualified_event(&first, p.a, s.lead).await);
    let mut pending = 0;
    for _ in 0..100 {
        pending = first
            .store()
            .list_deliveries(hook_id, 10)
            .await
            .unwrap()
            .len();
        if pending == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(pending, 2, "both deliveries are in the outbox");
    first.stop().await;
    assert!(receiver.received().is_empty());

    let store = open().await;
    let second = TestServer::start(store, dir, None, |_| {}).await;
    let got = receiver.wait_for(2, 15).await;
    let ids: std::collections::HashSet<&str> =
        got.iter().map(|r| header(r, "x-wabot-delivery")).collect();
    assert_eq!(ids.len(), 2, "each delivery once");
    for r in &got {
        let ts: i64 = header(r, "x-wabot-timestamp").parse().unwrap();
        assert!(signing::verify(
            SECRET.as_bytes(),
            header(r, "x-wabot-signature"),
            ts,
            &r.body,
            chrono::Utc::now().timestamp(),
            300
        ));
    }
    second.stop().await;
}

#[tokio::test]
async fn a_webhook_pointing_into_the_internal_network_is_never_called() {
    let receiver = Receiver::start().await;
    let (app, _dir) = TestServer::memory(None, |s| {
        s.webhooks.allow_private_targets = false;
        s.network.allow_private_addresses = false;
    })
    .await;
    let p = people(app.store().as_ref()).await;
    let s = samples(&app.state, p.a, &p.owner).await;
    // Stored directly, as if created while private targets were allowed.
    let id = uuid::Uuid::now_v7();
    app.store()
        .create_webhook(&wabot_core::domain::Webhook {
            id,
            workspace_id: p.a,
            url: receiver.url(),
            events: vec!["lead.qualified".into()],
            secret_ciphertext: wabot_server::webhooks::seal_secret(&app.state.crypto, id, SECRET),
            created_at: chrono::Utc::now(),
        })
        .await
        .unwrap();
    wabot_server::webhooks::webhooks_changed();
    app.state
        .bus
        .publish(qualified_event(&app, p.a, s.lead).await);
    let mut finished = None;
    for _ in 0..100 {
        let d = app.store().list_deliveries(id, 10).await.unwrap();
        if d.first()
            .is_some_and(|d| d.state != wabot_core::domain::DeliveryState::Pending)
        {
            finished = Some(d[0].clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let d = finished.unwrap_or_else(|| {
        panic!(
            "the delivery is finished: {:?}",
            futures::executor::block_on(app.store().list_deliveries(id, 10))
        )
    });
    assert_eq!(d.state, wabot_core::domain::DeliveryState::Failed);
    assert!(d.last_error.unwrap().contains("internal"));
    assert!(receiver.received().is_empty());
}
