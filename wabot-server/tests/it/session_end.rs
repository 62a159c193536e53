//! Ending access: logout and refresh revoke in the store (so restarts and other replicas
//! refuse the token), and open WebSocket streams close when their caller's access ends.

use std::{sync::Arc, time::Duration};

use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::Value;
use tokio_tungstenite::{
    connect_async,
    tungstenite::{Message, client::IntoClientRequest, protocol::frame::coding::CloseCode},
};
use wabot_core::{memory::MemoryStore, ports::ServerStore};

use super::auth_support::{TestServer, client, people};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn cookie(token: &str) -> String {
    format!("wabot_session={token}")
}

async fn me(app: &TestServer, token: &str) -> StatusCode {
    client()
        .get(app.url("/auth/me"))
        .header("cookie", cookie(token))
        .send()
        .await
        .unwrap()
        .status()
}

async fn logout(app: &TestServer, token: &str) {
    let out = client()
        .post(app.url("/auth/logout"))
        .header("cookie", cookie(token))
        .header("origin", &app.base)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
}

/// Opens `/ws` with a session cookie (as the dashboard does) and reads the hello.
async fn stream_with_cookie(app: &TestServer, token: &str) -> Ws {
    let mut req = format!("{}/ws", app.base.replace("http://", "ws://"))
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("cookie", cookie(token).parse().unwrap());
    req.headers_mut()
        .insert("origin", app.base.parse().unwrap());
    let (mut ws, _) = connect_async(req).await.expect("the stream opens");
    hello(&mut ws).await;
    ws
}

/// Opens `/ws?token=` (an API token, as integrators do) and reads the hello.
async fn stream_with_token(app: &TestServer, token: &str) -> Ws {
    let url = format!("{}/ws?token={token}", app.base.replace("http://", "ws://"));
    let (mut ws, _) = connect_async(url).await.expect("the stream opens");
    hello(&mut ws).await;
    ws
}

async fn hello(ws: &mut Ws) {
    match ws.next().await {
        Some(Ok(Message::Text(t))) => assert!(t.contains("\"hello\""), "{t}"),
        other => panic!("expected the hello, got {other:?}"),
    }
}

/// Waits for the server to close the stream; its close code.
async fn closed_with(ws: &mut Ws, within: Duration) -> u16 {
    tokio::time::timeout(within, async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(Some(frame)))) => return u16::from(frame.code),
                Some(Ok(Message::Close(None))) => return u16::from(CloseCode::Status),
                Some(Ok(_)) => continue,
                other => panic!("the stream ended without a close frame: {other:?}"),
            }
        }
    })
    .await
    .expect("the server closes the stream in time")
}

/// Asserts the stream is still open after `wait` (nothing but pings arrive).
async fn stays_open(ws: &mut Ws, wait: Duration) {
    let got = tokio::time::timeout(wait, async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => return other,
            }
        }
    })
    .await;
    assert!(got.is_err(), "the stream should stay open: {got:?}");
}

#[tokio::test]
async fn logout_holds_on_another_replica_and_after_a_restart() {
    let store: Arc<dyn ServerStore> = Arc::new(MemoryStore::new());
    let dir = tempfile::tempdir().unwrap();
    let one = TestServer::start(store.clone(), dir.path(), None, |_| {}).await;
    let two = TestServer::start(store.clone(), dir.path(), None, |_| {}).await;
    let p = people(store.as_ref()).await;
    let token = one.session(&p.owner);
    assert_eq!(me(&two, &token).await, StatusCode::OK);

    logout(&one, &token).await;

    assert_eq!(me(&one, &token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        me(&two, &token).await,
        StatusCode::UNAUTHORIZED,
        "another replica refuses a logged-out session"
    );
    one.stop().await;
    let restarted = TestServer::start(store.clone(), dir.path(), None, |_| {}).await;
    assert_eq!(
        me(&restarted, &token).await,
        StatusCode::UNAUTHORIZED,
        "a restarted server refuses a logged-out session"
    );
    let other = restarted.session(&p.owner);
    assert_eq!(me(&restarted, &other).await, StatusCode::OK);
}

#[tokio::test]
async fn refresh_revokes_the_old_token() {
    let (app, _dir) = TestServer::memory(None, |_| {}).await;
    let p = people(app.store().as_ref()).await;
    let old = app.session(&p.manager);

    let fresh = client()
        .post(app.url("/auth/refresh"))
        .header("cookie", cookie(&old))
        .header("origin", &app.base)
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status(), StatusCode::OK);
    let set = fresh.headers()["set-cookie"].to_str().unwrap().to_string();
    let new = set
        .strip_prefix("wabot_session=")
        .and_then(|rest| rest.split(';').next())
        .unwrap()
        .to_string();

    assert_eq!(me(&app, &old).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&app, &new).await, StatusCode::OK);
    let again = client()
        .post(app.url("/auth/refresh"))
        .header("cookie", cookie(&old))
        .header("origin", &app.base)
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        StatusCode::UNAUTHORIZED,
        "a refreshed token cannot be refreshed again"
    );
}

#[tokio::test]
async fn a_stream_closes_at_once_on_logout() {
    let (app, _dir) = TestServer::memory(None, |_| {}).await;
    let p = people(app.store().as_ref()).await;
    let token = app.session(&p.agent);
    let bystander = app.session(&p.owner);
    let mut ws = stream_with_cookie(&app, &token).await;
    let mut other = stream_with_cookie(&app, &bystander).await;

    logout(&app, &token).await;

    assert_eq!(closed_with(&mut ws, Duration::from_secs(5)).await, 4401);
    stays_open(&mut other, Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_stream_closes_when_its_token_is_revoked_or_its_member_removed() {
    let (app, _dir) = TestServer::memory(None, |_| {}).await;
    let p = people(app.store().as_ref()).await;
    let owner = app.session(&p.owner);
    let mut by_token = stream_with_token(&app, &p.token).await;
    let mut agent = stream_with_cookie(&app, &app.session(&p.agent)).await;

    let tokens: Value = client()
        .get(app.api(&format!("/workspaces/{}/tokens", p.a)))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = tokens["items"][0]["id"]
        .as_str()
        .expect("the token is listed");
    let revoked = client()
        .delete(app.api(&format!("/workspaces/{}/tokens/{id}", p.a)))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        closed_with(&mut by_token, Duration::from_secs(5)).await,
        4401
    );

    let removed = client()
        .delete(app.api(&format!("/workspaces/{}/members/{}", p.a, p.agent.id)))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        closed_with(&mut agent, Duration::from_secs(5)).await,
        4403,
        "the agent has no workspace left"
    );
}

#[tokio::test]
async fn a_stream_rechecks_access_ended_elsewhere_and_has_a_maximum_life() {
    let (app, _dir) = TestServer::memory(None, |s| s.limits.stream_recheck_secs = 1).await;
    let p = people(app.store().as_ref()).await;
    let token = app.session(&p.agent);
    let mut ws = stream_with_cookie(&app, &token).await;

    // Another replica removes the member: nothing is announced here, the periodic check
    // finds it.
    app.store().remove_member(p.a, p.agent.id).await.unwrap();
    assert_eq!(closed_with(&mut ws, Duration::from_secs(5)).await, 4403);

    let (short, _dir2) = TestServer::memory(None, |s| s.limits.stream_max_secs = 1).await;
    let p = people(short.store().as_ref()).await;
    let mut ws = stream_with_cookie(&short, &short.session(&p.owner)).await;
    assert_eq!(closed_with(&mut ws, Duration::from_secs(5)).await, 4000);
}
