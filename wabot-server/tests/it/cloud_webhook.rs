//! The Cloud API webhook `/webhooks/cloud/{bot_id}` end to end through the server: a cloud bot
//! configured through the API (credentials included) against a local fake of the Graph API,
//! Meta's verification handshake, signed and badly signed posts, and the message reaching the
//! engine (stored on its lead, answered through the fake Graph API).

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Json, Router,
    extract::{Path, State},
    routing::{get, post},
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use wabot_core::domain::Role;
use wabot_whatsapp::cloud::{SIGNATURE_HEADER, testing::WebhookPayload};

use crate::support::{Tenant, TestApp, WAIT};

pub(crate) const PHONE_NUMBER_ID: &str = "106540352242922";
pub(crate) const ACCESS_TOKEN: &str = "EAAG-test-access-token";
pub(crate) const APP_SECRET: &str = "test-app-secret";
pub(crate) const VERIFY_TOKEN: &str = "test-verify-token";

/// A local fake of the Graph API endpoints a Cloud API session uses (the profile lookup at
/// start, text sends and read receipts); it records what was sent.
pub(crate) struct FakeGraph {
    pub(crate) base: String,
    pub(crate) sent: Arc<Mutex<Vec<Value>>>,
}

impl FakeGraph {
    pub(crate) async fn start() -> Self {
        let sent: Arc<Mutex<Vec<Value>>> = Arc::default();
        let app = Router::new()
            .route(
                "/{version}/{phone}",
                get(|Path((_, phone)): Path<(String, String)>| async move {
                    Json(json!({
                        "display_phone_number": "+1 555-0100",
                        "verified_name": "Acme Solar",
                        "id": phone,
                    }))
                }),
            )
            .route(
                "/{version}/{phone}/messages",
                post(
                    |State(sent): State<Arc<Mutex<Vec<Value>>>>,
                     headers: axum::http::HeaderMap,
                     Json(body): Json<Value>| async move {
                        let auth = headers
                            .get("authorization")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("");
                        if auth != format!("Bearer {ACCESS_TOKEN}") {
                            return (
                                axum::http::StatusCode::UNAUTHORIZED,
                                Json(json!({"error": {"message": "bad token", "type": "OAuthException", "code": 190}})),
                            );
                        }
                        if body["status"] == "read" {
                            return (axum::http::StatusCode::OK, Json(json!({"success": true})));
                        }
                        let mut sent = sent.lock().unwrap();
                        sent.push(body.clone());
                        let to = body["to"].clone();
                        (
                            axum::http::StatusCode::OK,
                            Json(json!({
                                "messaging_product": "whatsapp",
                                "contacts": [{"input": to, "wa_id": to}],
                                "messages": [{"id": format!("wamid.out-{}", sent.len())}],
                            })),
                        )
                    },
                ),
            )
            .with_state(sent.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, sent }
    }

    fn texts_to(&self, to: &str) -> Vec<Value> {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .filter(|b| b["to"] == to && b["type"] == "text")
            .cloned()
            .collect()
    }
}

/// A cloud bot of `who`'s workspace talking to `graph`, with its credentials set through the
/// API but not started.
async fn cloud_bot(app: &TestApp, who: &Tenant, graph: &FakeGraph) -> String {
    let r = app
        .post(
            who,
            "/bots",
            json!({
                "workspace_id": who.workspace.to_string(),
                "name": "Cloud bot",
                "prompt": "You sell solar panels.",
                "enabled": false,
                "transport": {
                    "kind": "cloud",
                    "phone_number_id": PHONE_NUMBER_ID,
                    "graph_base_url": graph.base,
                },
                "pacing": {"base_ms": 0, "per_char_ms": 0, "max_ms": 0, "jitter": 0.0}
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_str().unwrap().to_string()
}

async fn set_credentials(app: &TestApp, who: &Tenant, bot: &str) {
    let r = app
        .call(
            Some(who),
            reqwest::Method::PUT,
            &format!("/bots/{bot}/cloud-credentials"),
            Some(json!({
                "access_token": ACCESS_TOKEN,
                "app_secret": APP_SECRET,
                "verify_token": VERIFY_TOKEN,
            })),
        )
        .await;
    assert!(r.status.is_success(), "{} {}", r.status, r.text);
}

async fn handshake(app: &TestApp, bot: &str, token: &str, challenge: &str) -> (StatusCode, String) {
    let r = app
        .http
        .get(format!("{}/webhooks/cloud/{bot}", app.base))
        .query(&[
            ("hub.mode", "subscribe"),
            ("hub.verify_token", token),
            ("hub.challenge", challenge),
        ])
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn post_webhook(
    app: &TestApp,
    bot: &str,
    signature: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, String) {
    let mut req = app
        .http
        .post(format!("{}/webhooks/cloud/{bot}", app.base))
        .header("content-type", "application/json")
        .body(body);
    if let Some(s) = signature {
        req = req.header(SIGNATURE_HEADER, s);
    }
    let r = req.send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

#[tokio::test]
async fn the_verification_handshake_answers_the_challenge_only_to_the_verify_token() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;
    let graph = FakeGraph::start().await;
    let bot = cloud_bot(&app, &owner, &graph).await;

    // No credentials yet: nothing answers at this address.
    let (status, _) = handshake(&app, &bot, VERIFY_TOKEN, "1158201444").await;
    assert_eq!(status, 404);
    let (status, _) = handshake(&app, &uuid::Uuid::now_v7().to_string(), VERIFY_TOKEN, "1").await;
    assert_eq!(status, 404);

    set_credentials(&app, &owner, &bot).await;
    let (status, body) = handshake(&app, &bot, VERIFY_TOKEN, "1158201444").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, "1158201444");
    let (status, body) = handshake(&app, &bot, "not-the-verify-token", "1158201444").await;
    assert_eq!(status, 403, "{body}");
    assert!(!body.contains("1158201444"), "{body}");
    app.stop().await;
}

#[tokio::test]
async fn a_signed_post_reaches_the_engine_and_a_badly_signed_one_is_refused() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;
    let graph = FakeGraph::start().await;
    let bot = cloud_bot(&app, &owner, &graph).await;
    set_credentials(&app, &owner, &bot).await;
    let r = app
        .post(&owner, &format!("/bots/{bot}/start"), json!({}))
        .await;
    assert!(r.status.is_success(), "{} {}", r.status, r.text);
    app.wait_ready(&owner, &bot).await;

    // Badly signed (wrong secret), unsigned: 401, and nothing is stored.
    let forged = WebhookPayload::new(PHONE_NUMBER_ID).text(
        "34611111111",
        "Mallory",
        "wamid.forged-1",
        "forged message",
    );
    let (bad_signature, body) = forged.signed("not-the-app-secret");
    let (status, text) = post_webhook(&app, &bot, Some(&bad_signature), body.clone()).await;
    assert_eq!(status, 401, "{text}");
    let (status, text) = post_webhook(&app, &bot, None, body).await;
    assert_eq!(status, 401, "{text}");

    // Signed with the app secret: 200 once the engine stored it.
    let payload = WebhookPayload::new(PHONE_NUMBER_ID).text(
        "34612345678",
        "Ana",
        "wamid.HBgL1",
        "Hola, ¿instaláis placas en Madrid?",
    );
    let (signature, body) = payload.signed(APP_SECRET);
    let (status, text) = post_webhook(&app, &bot, Some(&signature), body.clone()).await;
    assert_eq!(status, 200, "{text}");

    // The message is on the contact's lead at once (the 200 means stored)…
    let leads = app.get(&owner, &format!("/leads?bot_id={bot}")).await;
    assert_eq!(leads.status, 200, "{}", leads.text);
    let items = leads.body["items"].as_array().unwrap();
    assert_eq!(
        items.len(),
        1,
        "only the signed post made a lead: {}",
        leads.text
    );
    assert!(
        items[0]["contact"]
            .as_str()
            .unwrap()
            .contains("34612345678"),
        "{}",
        leads.text
    );
    let lead = items[0]["id"].as_str().unwrap();
    let messages = app.get(&owner, &format!("/leads/{lead}/messages")).await;
    assert_eq!(messages.status, 200, "{}", messages.text);
    assert!(
        messages.text.contains("Hola, ¿instaláis placas en Madrid?"),
        "{}",
        messages.text
    );
    assert!(
        !messages.text.contains("forged message"),
        "{}",
        messages.text
    );

    // …and the bot answers through the (fake) Graph API.
    let deadline = tokio::time::Instant::now() + WAIT;
    while graph.texts_to("34612345678").is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the bot never replied through the Graph API: {:?}",
            graph.sent.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Meta retries a post: the repeat is accepted and changes nothing.
    let (status, text) = post_webhook(&app, &bot, Some(&signature), body).await;
    assert_eq!(status, 200, "{text}");
    let again = app.get(&owner, &format!("/leads/{lead}/messages")).await;
    let inbound = |v: &Value| {
        v.as_array()
            .or_else(|| v["items"].as_array())
            .map(|m| {
                m.iter()
                    .filter(|m| m["body"] == "Hola, ¿instaláis placas en Madrid?")
                    .count()
            })
            .unwrap_or(0)
    };
    assert_eq!(inbound(&again.body), 1, "{}", again.text);
    app.stop().await;
}

#[tokio::test]
async fn badly_signed_posts_are_rate_limited_per_bot_and_address() {
    let app = TestApp::spawn_with(|s| s.limits.bad_webhook_signatures_per_minute = 2).await;
    let owner = app.tenant(Role::Owner).await;
    let graph = FakeGraph::start().await;
    let bot = cloud_bot(&app, &owner, &graph).await;
    let other = cloud_bot(&app, &owner, &graph).await;
    set_credentials(&app, &owner, &bot).await;
    set_credentials(&app, &owner, &other).await;
    let forged = WebhookPayload::new(PHONE_NUMBER_ID).text("34611111111", "M", "wamid.f", "x");
    let (bad_signature, body) = forged.signed("not-the-app-secret");
    let (good_signature, _) = forged.signed(APP_SECRET);

    let mut refused = Vec::new();
    for _ in 0..3 {
        refused.push(
            post_webhook(&app, &bot, Some(&bad_signature), body.clone())
                .await
                .0,
        );
    }
    let r = app
        .http
        .post(format!("{}/webhooks/cloud/{bot}", app.base))
        .header("content-type", "application/json")
        .header(SIGNATURE_HEADER, &good_signature)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    let (other_bot, _) = post_webhook(&app, &other, Some(&bad_signature), body).await;
    let (handshake_status, _) = handshake(&app, &bot, VERIFY_TOKEN, "42").await;

    assert_eq!(refused, vec![StatusCode::UNAUTHORIZED; 3]);
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited", "{body}");
    assert_eq!(
        other_bot,
        StatusCode::UNAUTHORIZED,
        "other bots keep their budget"
    );
    assert_eq!(handshake_status, StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
}

async fn start_bot(app: &TestApp, who: &Tenant, bot: &str) {
    let r = app
        .post(who, &format!("/bots/{bot}/start"), json!({}))
        .await;
    assert!(r.status.is_success(), "{} {}", r.status, r.text);
    app.wait_ready(who, bot).await;
}

/// The delivery status of the bot's first reply on `lead`, as the API shows it.
async fn reply_delivery(app: &TestApp, who: &Tenant, lead: &str) -> Option<String> {
    let r = app.get(who, &format!("/leads/{lead}/messages")).await;
    let items = r.body.as_array().or_else(|| r.body["items"].as_array())?;
    items
        .iter()
        .find(|m| m["direction"] == "outbound")
        .and_then(|m| m["delivery"].as_str())
        .map(str::to_string)
}

#[tokio::test]
async fn a_replayed_status_post_cannot_move_a_read_message_back_to_delivered() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;
    let graph = FakeGraph::start().await;
    let bot = cloud_bot(&app, &owner, &graph).await;
    set_credentials(&app, &owner, &bot).await;
    start_bot(&app, &owner, &bot).await;
    let customer = "34612345678";
    let inbound = WebhookPayload::new(PHONE_NUMBER_ID).text(customer, "Ana", "wamid.in1", "Hola");
    let (signature, body) = inbound.signed(APP_SECRET);
    assert_eq!(
        post_webhook(&app, &bot, Some(&signature), body).await.0,
        200
    );
    let leads = app.get(&owner, &format!("/leads?bot_id={bot}")).await;
    let lead = leads.body["items"][0]["id"].as_str().unwrap().to_string();
    let deadline = tokio::time::Instant::now() + WAIT;
    while reply_delivery(&app, &owner, &lead).await.as_deref() != Some("sent") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the reply was never sent"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivered =
        WebhookPayload::new(PHONE_NUMBER_ID).status("wamid.out-1", "delivered", customer);
    let (delivered_sig, delivered_body) = delivered.signed(APP_SECRET);
    let read = WebhookPayload::new(PHONE_NUMBER_ID).status("wamid.out-1", "read", customer);
    let (read_sig, read_body) = read.signed(APP_SECRET);
    for (sig, body) in [(&delivered_sig, &delivered_body), (&read_sig, &read_body)] {
        assert_eq!(
            post_webhook(&app, &bot, Some(sig), body.clone()).await.0,
            200
        );
    }
    let deadline = tokio::time::Instant::now() + WAIT;
    while reply_delivery(&app, &owner, &lead).await.as_deref() != Some("read") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the read status never landed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Much later: a new session (its memory of recent statuses is gone), then an attacker
    // re-sends the captured, validly signed `delivered` post.
    let r = app
        .post(&owner, &format!("/bots/{bot}/stop"), json!({}))
        .await;
    assert!(r.status.is_success(), "{} {}", r.status, r.text);
    start_bot(&app, &owner, &bot).await;

    let (status, text) = post_webhook(&app, &bot, Some(&delivered_sig), delivered_body).await;

    assert_eq!(
        status, 200,
        "a replay is accepted (Meta's signature has no timestamp): {text}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        reply_delivery(&app, &owner, &lead).await.as_deref(),
        Some("read"),
        "a replayed status never moves a message backwards"
    );
    app.stop().await;
}
