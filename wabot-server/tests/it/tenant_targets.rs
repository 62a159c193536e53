//! What a tenant can aim at a URL or an executable: the Chromium path is not theirs to set,
//! URLs into the server's network are refused when saved and when sent, the stored LLM key
//! goes only to the saved URL, and nothing an internal address answers is echoed back.
//! Every fake listens on loopback; nothing is sent anywhere else.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::{Json, Router, http::HeaderMap, http::StatusCode, routing::post};
use serde_json::{Value, json};
use wabot_core::{domain::Role, ids::BotId};

use crate::support::{Tenant, TestApp};

const KEY: &str = "sk-stored-key-123";

/// A fake OpenAI-compatible provider on loopback that records the `Authorization` header of
/// every request and answers 401 "Authentication Fails (no such user)" to any other key.
struct FakeProvider {
    base: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl FakeProvider {
    async fn start() -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let app = Router::new().route(
            "/v1/chat/completions",
            post(move |headers: HeaderMap, Json(_): Json<Value>| {
                let log = log.clone();
                async move {
                    let auth = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    log.lock().unwrap().push(auth.clone());
                    if auth != format!("Bearer {KEY}") {
                        return (
                            StatusCode::UNAUTHORIZED,
                            Json(json!({"error": {"message": "Authentication Fails (no such user)"}})),
                        );
                    }
                    (
                        StatusCode::OK,
                        Json(json!({
                            "choices": [{"index": 0, "finish_reason": "stop",
                                "message": {"role": "assistant", "content": "OK"}}],
                            "usage": {"prompt_tokens": 9, "completion_tokens": 1, "total_tokens": 10}
                        })),
                    )
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let base = format!("http://{}/v1", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, seen }
    }

    fn authorizations(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

async fn model_bot(app: &TestApp, who: &Tenant, base_url: &str) -> String {
    let created = app
        .post(
            who,
            "/bots",
            json!({
                "name": "Model bot",
                "prompt": "You sell solar panels.",
                "llm": {"provider": "openai_compatible", "base_url": base_url}
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.body["id"].as_str().unwrap().to_string()
}

async fn public_only() -> TestApp {
    TestApp::spawn_with(|s| s.network.allow_private_addresses = false).await
}

#[tokio::test]
async fn a_chromium_path_set_through_the_api_is_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let manager = app.tenant(Role::Manager).await;
    let web = json!({"kind": "web", "chromium_path": "/bin/sh"});

    let created = app
        .post(
            &manager,
            "/bots",
            json!({"name": "x", "prompt": "p", "transport": web}),
        )
        .await;
    let bot = app
        .post(
            &manager,
            "/bots",
            json!({"name": "x", "prompt": "p", "transport": {"kind": "web"}}),
        )
        .await;
    let id = bot.body["id"].as_str().unwrap();
    let patched = app
        .patch(&manager, &format!("/bots/{id}"), json!({"transport": web}))
        .await;

    for r in [&created, &patched] {
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(
            r.body["details"]["field"], "transport.chromium_path",
            "{}",
            r.text
        );
        assert!(r.text.contains("operator"), "{}", r.text);
    }
    assert_eq!(bot.status, 201, "{}", bot.text);
    assert!(
        bot.body["transport"].get("chromium_path").is_none(),
        "{}",
        bot.text
    );
}

#[tokio::test]
async fn urls_into_the_servers_network_are_refused_when_saved() {
    let app = public_only().await;
    let owner = app.tenant(Role::Owner).await;
    let cases = [
        (
            json!({"llm": {"provider": "openai_compatible", "base_url": "http://10.0.0.1/v1"}}),
            "llm.base_url",
        ),
        (
            json!({"llm": {"provider": "openai_compatible", "base_url": "http://169.254.169.254/"}}),
            "llm.base_url",
        ),
        (
            json!({"llm": {"provider": "openai_compatible", "base_url": "http://localhost:11434/v1"}}),
            "llm.base_url",
        ),
        (
            json!({"llm": {"provider": "openai_compatible", "base_url": "http://[64:ff9b::7f00:1]/v1"}}),
            "llm.base_url",
        ),
        (
            json!({"llm": {"provider": "openai_compatible", "base_url": "file:///etc/passwd"}}),
            "llm.base_url",
        ),
        (
            json!({"transport": {"kind": "cloud", "phone_number_id": "123", "graph_base_url": "http://127.0.0.1:9/"}}),
            "transport.graph_base_url",
        ),
        (
            json!({"transport": {"kind": "cloud", "phone_number_id": "123", "graph_base_url": "http://192.168.1.1/"}}),
            "transport.graph_base_url",
        ),
    ];
    for (mut body, field) in cases {
        body["name"] = json!("x");
        body["prompt"] = json!("p");
        let r = app.post(&owner, "/bots", body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        assert_eq!(r.body["details"]["field"], field, "{body}: {}", r.text);
        let says_what_to_do = r.text.contains("public address") || r.text.contains("http(s)");
        assert!(says_what_to_do, "{}", r.text);
    }
}

#[tokio::test]
async fn the_operator_can_allow_a_private_network_for_self_hosted_models() {
    let app = TestApp::spawn_with(|s| {
        s.network.allow_private_addresses = false;
        s.network.allowed_networks = vec!["10.20.0.0/16".into()];
    })
    .await;
    let owner = app.tenant(Role::Owner).await;

    let bot = model_bot(&app, &owner, "http://10.20.0.5:11434/v1").await;
    let other = app
        .post(
            &owner,
            "/bots",
            json!({"name": "x", "prompt": "p",
                "llm": {"provider": "openai_compatible", "base_url": "http://10.21.0.5:11434/v1"}}),
        )
        .await;

    assert!(!bot.is_empty());
    assert_eq!(other.status, 422, "{}", other.text);
}

#[tokio::test]
async fn the_stored_key_is_never_sent_to_a_caller_supplied_base_url() {
    let app = TestApp::spawn().await;
    let manager = app.tenant(Role::Manager).await;
    let saved = FakeProvider::start().await;
    let attacker = FakeProvider::start().await;
    let bot = model_bot(&app, &manager, &saved.base).await;
    let r = app
        .call(
            Some(&manager),
            reqwest::Method::PUT,
            &format!("/bots/{bot}/llm-key"),
            Some(json!({"api_key": KEY})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let path = format!("/bots/{bot}/llm/test");

    let elsewhere = app
        .post(&manager, &path, json!({"base_url": attacker.base}))
        .await;
    let as_saved = app.post(&manager, &path, json!({})).await;

    assert_eq!(elsewhere.body["ok"], false, "{}", elsewhere.text);
    assert!(
        elsewhere.body["message"]
            .as_str()
            .unwrap()
            .contains("saved base URL"),
        "{}",
        elsewhere.text
    );
    assert_eq!(attacker.authorizations(), [""], "the stored key went out");
    assert_eq!(as_saved.body["ok"], true, "{}", as_saved.text);
    assert_eq!(saved.authorizations(), [format!("Bearer {KEY}")]);
}

#[tokio::test]
async fn a_private_base_url_is_refused_by_llm_test_and_at_send_time() {
    let app = public_only().await;
    let manager = app.tenant(Role::Manager).await;
    let provider = FakeProvider::start().await;
    let bot = model_bot(&app, &manager, "https://api.deepseek.com").await;
    let path = format!("/bots/{bot}/llm/test");

    let typed = app
        .post(
            &manager,
            &path,
            json!({"base_url": provider.base, "api_key": KEY}),
        )
        .await;
    // Saved before the guard existed: stored directly, bypassing the API's check.
    let id = BotId(bot.parse().unwrap());
    let mut stored = app.store().get_bot(id).await.unwrap().unwrap();
    stored.llm.base_url = Some(provider.base.clone());
    app.store().update_bot(&stored).await.unwrap();
    app.state.llm.invalidate(id);
    let saved = app.post(&manager, &path, json!({"api_key": KEY})).await;

    assert_eq!(typed.status, 422, "{}", typed.text);
    assert_eq!(typed.body["details"]["field"], "base_url");
    assert_eq!(saved.status, 200, "{}", saved.text);
    assert_eq!(saved.body["ok"], false, "{}", saved.text);
    assert_eq!(saved.body["error_kind"], "permanent", "{}", saved.text);
    assert!(provider.authorizations().is_empty(), "something was sent");
}

#[tokio::test]
async fn a_provider_error_body_from_a_private_address_is_not_echoed() {
    let app = TestApp::spawn().await;
    let manager = app.tenant(Role::Manager).await;
    let provider = FakeProvider::start().await;
    let bot = model_bot(&app, &manager, &provider.base).await;

    let r = app
        .post(
            &manager,
            &format!("/bots/{bot}/llm/test"),
            json!({"api_key": "sk-wrong-key-456"}),
        )
        .await;

    assert_eq!(r.body["ok"], false, "{}", r.text);
    assert!(r.text.contains("401"), "{}", r.text);
    assert!(!r.text.contains("no such user"), "{}", r.text);
}
