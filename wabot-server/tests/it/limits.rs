//! Abuse limits at the wire: request body sizes (413 in the error shape, declared or chunked),
//! the `/auth/*` request rate and the refused-credentials gate (429 with `Retry-After`).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wabot_core::domain::Role;

use crate::support::{Reply, TestApp};

/// A bot-creation body whose prompt makes it `bytes` long (roughly).
fn big_bot(workspace: &str, bytes: usize) -> Value {
    json!({
        "workspace_id": workspace,
        "name": "Big bot",
        "prompt": "x".repeat(bytes),
    })
}

fn assert_too_large(r: &Reply, limit: usize) {
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    assert_eq!(r.body["code"], "payload_too_large", "{}", r.text);
    assert_eq!(r.body["details"]["limit_bytes"], limit, "{}", r.text);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("limits.body_bytes")
    );
}

/// Posts `total` bytes of JSON-ish body to `path` with chunked transfer encoding (no
/// `Content-Length`) over a raw connection; returns the status code and the response text.
async fn post_chunked(app: &TestApp, path: &str, token: &str, total: usize) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        app.port
    );
    let (mut read, mut write) = stream.split();
    let writer = async {
        write.write_all(head.as_bytes()).await?;
        let chunk = vec![b' '; 64 * 1024];
        let mut sent = 0;
        while sent < total {
            write
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            write.write_all(&chunk).await?;
            write.write_all(b"\r\n").await?;
            sent += chunk.len();
        }
        write.write_all(b"0\r\n\r\n").await?;
        std::io::Result::Ok(())
    };
    let reader = async {
        let mut buf = Vec::new();
        let mut tmp = [0u8; 4096];
        // Read until the headers and a complete small JSON body arrived, or the peer closed.
        loop {
            match tokio::time::timeout(std::time::Duration::from_secs(10), read.read(&mut tmp))
                .await
            {
                Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
                Ok(Ok(n)) => buf.extend_from_slice(&tmp[..n]),
            }
            let text = String::from_utf8_lossy(&buf);
            if text.contains("\r\n\r\n") && text.trim_end().ends_with('}') {
                break;
            }
        }
        String::from_utf8_lossy(&buf).to_string()
    };
    // The server may answer and close before the whole body is written: write errors are fine.
    let (_, text) = tokio::join!(writer, reader);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

#[tokio::test]
async fn an_api_body_over_one_megabyte_is_refused_with_413_in_the_error_shape() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;
    let ws = owner.workspace.to_string();

    let r = app.post(&owner, "/bots", big_bot(&ws, 2 << 20)).await;

    assert_too_large(&r, 1 << 20);
    // Under the limit the request is read and judged on its merits (a long prompt is fine or
    // a 422, never a 413).
    let r = app.post(&owner, "/bots", big_bot(&ws, 20_000)).await;
    assert_ne!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
}

#[tokio::test]
async fn a_chunked_api_body_over_the_limit_is_refused_while_streaming() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;

    let (status, text) = post_chunked(&app, "/api/v1/bots", &owner.token, 3 << 20).await;

    assert_eq!(status, 413, "{text}");
    assert!(text.contains("payload_too_large"), "{text}");
}

#[tokio::test]
async fn the_body_limit_is_configurable_and_covers_the_axum_routes() {
    let app = TestApp::spawn_with(|s| s.limits.body_bytes = 4096).await;
    let owner = app.tenant(Role::Owner).await;
    let ws = owner.workspace.to_string();

    let api = app.post(&owner, "/bots", big_bot(&ws, 8000)).await;
    let logout = app
        .http
        .post(format!("{}/auth/logout", app.base))
        .header("content-type", "text/plain")
        .body(vec![b'x'; 8000])
        .send()
        .await
        .unwrap();
    let webhook = app
        .http
        .post(format!(
            "{}/webhooks/cloud/{}",
            app.base,
            uuid::Uuid::now_v7()
        ))
        .header("content-type", "application/json")
        .body(vec![b' '; 4 << 20])
        .send()
        .await
        .unwrap();

    assert_too_large(&api, 4096);
    assert_eq!(logout.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = logout.json().await.unwrap();
    assert_eq!(body["code"], "payload_too_large");
    // The Cloud webhook has its own limit (3 MiB by default: Meta's documented maximum).
    assert_eq!(webhook.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = webhook.json().await.unwrap();
    assert_eq!(body["details"]["limit_bytes"], 3 << 20);
}

#[tokio::test]
async fn sign_in_requests_are_rate_limited_per_address_with_retry_after() {
    let app = TestApp::spawn_with(|s| s.limits.auth_per_minute = 3).await;

    let mut statuses = Vec::new();
    for _ in 0..3 {
        let r = app
            .http
            .get(format!("{}/auth/me", app.base))
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
    }
    let limited = app
        .http
        .get(format!("{}/auth/me", app.base))
        .send()
        .await
        .unwrap();
    let api = app.call(None, Method::GET, "/healthz", None).await;

    assert_eq!(statuses, vec![StatusCode::UNAUTHORIZED; 3]);
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited", "{body}");
    assert_eq!(body["details"]["retry_after_secs"], retry, "{body}");
    assert_eq!(api.status, 200, "other routes are not limited");
}

#[tokio::test]
async fn failed_api_token_lookups_shut_the_address_out_even_for_a_valid_token() {
    let app = TestApp::spawn_with(|s| s.limits.failed_credentials_per_minute = 3).await;
    let owner = app.tenant(Role::Owner).await;
    let guess = |n: usize| {
        let mut t = owner.clone();
        t.token = format!("wbt_guess{n:040}");
        t
    };
    let before = app.get(&owner, "/bots").await;

    let mut refused = Vec::new();
    for n in 0..4 {
        refused.push(app.get(&guess(n), "/bots").await.status);
    }
    let after = app.get(&owner, "/bots").await;
    let anonymous = app.call(None, Method::GET, "/healthz", None).await;

    assert_eq!(before.status, 200, "{}", before.text);
    assert_eq!(refused, vec![StatusCode::UNAUTHORIZED; 4]);
    assert_eq!(
        after.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        after.text
    );
    assert_eq!(after.body["code"], "rate_limited");
    assert!(after.body["details"]["retry_after_secs"].as_u64().unwrap() >= 1);
    assert_eq!(anonymous.status, 200);
}
