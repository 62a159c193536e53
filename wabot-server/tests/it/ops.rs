//! Operations: health, readiness, Prometheus metrics, the OpenAPI document, graceful shutdown.

use serde_json::Value;
use wabot_core::{domain::Role, ids::BotId};

use crate::support::TestApp;

#[tokio::test]
async fn health_readiness_the_dashboard_and_the_docs_answer() {
    let app = TestApp::spawn().await;
    let health = app.call(None, reqwest::Method::GET, "/healthz", None).await;
    assert_eq!(health.status, 200);
    let ready = app.call(None, reqwest::Method::GET, "/readyz", None).await;
    assert_eq!(ready.status, 200, "{}", ready.text);
    assert_eq!(ready.body["database"], "ok");
    // Signed out, the dashboard's home leads to its sign-in page.
    let home = app.call(None, reqwest::Method::GET, "/", None).await;
    assert_eq!(home.status, 200, "{}", home.text);
    assert!(home.text.contains("Sign in"), "{}", home.text);
    let docs = app
        .http
        .get(format!("{}/api/docs", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(docs.status(), 200);
}

#[tokio::test]
async fn metrics_expose_messages_bots_leads_and_http_requests() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;
    let bot = app.sandbox_bot(&owner).await;
    app.customer_says(&owner, &bot, "34622222222@c.us", "hello there")
        .await;
    let text = app
        .call(None, reqwest::Method::GET, "/metrics", None)
        .await
        .text;
    for name in [
        "wabot_messages_total",
        "wabot_bots{status=\"ready\"}",
        "wabot_leads{status=\"capturing\"}",
        "wabot_http_requests_total",
        "route=\"/api/v1/bots/{id}/sandbox/messages\"",
        "wabot_llm_latency_seconds_bucket",
    ] {
        assert!(text.contains(name), "{name} missing from\n{text}");
    }
}

#[tokio::test]
async fn the_openapi_document_is_complete_and_stable() {
    let app = TestApp::spawn().await;
    let spec: Value = app
        .http
        .get(format!("{}/api/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut ids = std::collections::HashSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(ids.insert(id.to_string()), "duplicate operationId {id}");
            assert!(op["summary"].is_string(), "{id} has no summary");
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{id} has no tag"
            );
            assert!(op["security"].is_array(), "{id} is not authenticated");
        }
    }
    insta::assert_json_snapshot!("openapi", spec);
}

#[tokio::test]
async fn graceful_shutdown_stops_the_bots_cleanly() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;
    let bot = app.sandbox_bot(&owner).await;
    let store = app.store().clone();
    let port = app.port;
    app.stop().await;
    let stored = store
        .get_bot(BotId(bot.parse().unwrap()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status.as_str(), "stopped");
    assert!(stored.enabled, "shutdown keeps the desired state");
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
    );
}
