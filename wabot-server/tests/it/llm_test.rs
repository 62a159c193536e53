//! `POST /bots/{id}/llm/test` against a fake OpenAI-compatible server on loopback.

use std::net::SocketAddr;

use axum::{Json, Router, http::HeaderMap, http::StatusCode, routing::post};
use serde_json::{Value, json};
use wabot_core::domain::Role;

use crate::support::TestApp;

const GOOD_KEY: &str = "sk-good-key-123";

/// A chat-completions endpoint accepting only [`GOOD_KEY`]; returns its base URL.
async fn fake_provider() -> String {
    let app = Router::new().route(
        "/v1/chat/completions",
        post(|headers: HeaderMap, Json(body): Json<Value>| async move {
            let auth = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if auth != format!("Bearer {GOOD_KEY}") {
                return (
                    StatusCode::UNAUTHORIZED,
                    Json(
                        json!({"error": {"message": "Authentication Fails (no such user)",
                        "type": "authentication_error", "code": "invalid_request_error"}}),
                    ),
                );
            }
            (
                StatusCode::OK,
                Json(json!({
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "created": 1,
                    "model": body["model"],
                    "choices": [{"index": 0, "finish_reason": "stop",
                        "message": {"role": "assistant", "content": "OK"}}],
                    "usage": {"prompt_tokens": 9, "completion_tokens": 1, "total_tokens": 10}
                })),
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

#[tokio::test]
async fn tests_saved_settings_and_form_overrides_without_echoing_the_key() {
    let app = TestApp::spawn().await;
    let manager = app.tenant(Role::Manager).await;
    let base = fake_provider().await;
    let created = app
        .post(
            &manager,
            "/bots",
            json!({
                "workspace_id": manager.workspace.to_string(),
                "name": "Model bot",
                "prompt": "You sell solar panels.",
                "llm": {"provider": "openai_compatible", "base_url": base, "model": "deepseek-chat"}
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let bot = created.body["id"].as_str().unwrap().to_string();
    let path = format!("/bots/{bot}/llm/test");

    // No key stored yet: the provider refuses, a normal answer with a hint.
    let r = app.post(&manager, &path, json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["ok"], false, "{}", r.text);
    assert_eq!(r.body["error_kind"], "permanent");
    let message = r.body["message"].as_str().unwrap();
    assert!(message.contains("refused the API key (401)"), "{message}");

    // A wrong key typed in the form: same, and the key is not echoed.
    let r = app
        .post(&manager, &path, json!({"api_key": "sk-wrong-key-456"}))
        .await;
    assert_eq!(r.body["ok"], false, "{}", r.text);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("check the key")
    );
    assert!(!r.text.contains("sk-wrong-key-456"), "{}", r.text);

    // The right key typed in the form (not saved).
    let r = app
        .post(
            &manager,
            &path,
            json!({"provider": "openai_compatible", "base_url": base, "model": "tiny-model", "api_key": GOOD_KEY}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["ok"], true, "{}", r.text);
    assert_eq!(r.body["model"], "tiny-model");
    assert_eq!(r.body["provider"], "openai_compatible");
    assert_eq!(r.body["reply"], "OK");
    assert!(r.body["latency_ms"].is_u64());
    assert!(r.body.get("error_kind").is_none(), "{}", r.text);
    assert!(!r.text.contains(GOOD_KEY), "{}", r.text);

    // The stored key is used when the form sends none.
    let r = app
        .call(
            Some(&manager),
            reqwest::Method::PUT,
            &format!("/bots/{bot}/llm-key"),
            Some(json!({"api_key": GOOD_KEY})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = app.post(&manager, &path, json!({"api_key": ""})).await;
    assert_eq!(r.body["ok"], true, "{}", r.text);
    assert_eq!(r.body["model"], "deepseek-chat");

    // Nothing listening: transient, still a 200.
    let r = app
        .post(
            &manager,
            &path,
            json!({"base_url": "http://127.0.0.1:9/v1", "api_key": GOOD_KEY}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["ok"], false);
    assert_eq!(r.body["error_kind"], "transient", "{}", r.text);

    // Bad input names the field.
    let r = app
        .post(&manager, &path, json!({"base_url": "ftp://example.com"}))
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.body["details"]["field"], "base_url", "{}", r.text);

    // The offline model answers at once.
    let r = app
        .post(&manager, &path, json!({"provider": "offline"}))
        .await;
    assert_eq!(r.body["ok"], true, "{}", r.text);
    assert_eq!(r.body["provider"], "offline");
    assert_eq!(r.body["model"], "offline");
    app.stop().await;
}

#[tokio::test]
async fn needs_a_manager_of_the_bots_workspace() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;
    let bot = app.sandbox_bot(&owner).await;
    let path = format!("/bots/{bot}/llm/test");

    let r = app.post(&owner, &path, json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["ok"], true, "offline bot: {}", r.text);

    let agent = app.member(owner.workspace, Role::Agent).await;
    let r = app.post(&agent, &path, json!({})).await;
    assert_eq!(r.status, 403, "{}", r.text);

    let stranger = app.tenant(Role::Owner).await;
    let r = app.post(&stranger, &path, json!({})).await;
    assert_eq!(r.status, 404, "{}", r.text);
    app.stop().await;
}
