//! Who may read `/metrics`: the configured bearer token, or without one only clients on this
//! machine that come without a proxy's forwarding headers.

use reqwest::StatusCode;

use crate::support::TestApp;

const TOKEN: &str = "metrics-token-0123456789abcdef";

async fn scrape(app: &TestApp, headers: &[(&str, &str)]) -> (StatusCode, String) {
    let mut req = app.http.get(format!("{}/metrics", app.base));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

#[tokio::test]
async fn metrics_need_the_configured_bearer_token() {
    let app = TestApp::spawn_with(|s| s.metrics.token = Some(TOKEN.to_string().into())).await;

    let (anonymous, body) = scrape(&app, &[]).await;
    let (wrong, _) = scrape(&app, &[("authorization", "Bearer not-the-token")]).await;
    let (right, text) = scrape(&app, &[("authorization", &format!("Bearer {TOKEN}"))]).await;

    assert_eq!(anonymous, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body.contains("metrics.token"), "{body}");
    assert!(!body.contains("wabot_http_requests_total"), "{body}");
    assert_eq!(wrong, StatusCode::UNAUTHORIZED);
    assert_eq!(right, StatusCode::OK, "{text}");
    assert!(text.contains("wabot_bots"), "{text}");
}

#[tokio::test]
async fn without_a_token_metrics_answer_only_direct_local_clients() {
    let app = TestApp::spawn().await;

    let (local, text) = scrape(&app, &[]).await;
    let (proxied, body) = scrape(&app, &[("x-forwarded-for", "203.0.113.9")]).await;
    let (forwarded, _) = scrape(&app, &[("forwarded", "for=203.0.113.9")]).await;
    let (true_client, _) = scrape(&app, &[("true-client-ip", "203.0.113.9")]).await;

    assert_eq!(local, StatusCode::OK, "{text}");
    assert_eq!(proxied, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("WABOT_METRICS__TOKEN"), "{body}");
    assert_eq!(forwarded, StatusCode::FORBIDDEN);
    assert_eq!(true_client, StatusCode::FORBIDDEN);
}
