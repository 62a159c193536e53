//! The WebSocket event stream: authentication and tenant isolation.

use std::time::Duration;

use futures::StreamExt;
use tokio_tungstenite::{connect_async, tungstenite::Message};
use wabot_core::domain::Role;

use crate::support::{TestApp, WAIT};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(app: &TestApp, token: &str) -> Ws {
    let (mut ws, _) = connect_async(format!("ws://127.0.0.1:{}/ws?token={token}", app.port))
        .await
        .expect("WebSocket connects");
    let hello = next_json(&mut ws).await.expect("hello");
    assert_eq!(hello["type"], "hello");
    ws
}

async fn next_json(ws: &mut Ws) -> Option<serde_json::Value> {
    loop {
        match ws.next().await? {
            Ok(Message::Text(t)) => return serde_json::from_str(&t).ok(),
            Ok(_) => continue,
            Err(_) => return None,
        }
    }
}

#[tokio::test]
async fn events_reach_their_workspace_only() {
    let app = TestApp::spawn().await;
    let a = app.tenant(Role::Agent).await;
    let b = app.tenant(Role::Owner).await;
    let a_owner = app.member(a.workspace, Role::Owner).await;
    let bot = app.sandbox_bot(&a_owner).await;
    let mut ws_a = connect(&app, &a.token).await;
    let mut ws_b = connect(&app, &b.token).await;

    app.customer_says(&a_owner, &bot, "34633333333@c.us", "hello from A")
        .await;

    let got = tokio::time::timeout(WAIT, async {
        loop {
            let e = next_json(&mut ws_a).await.expect("stream open");
            if e["event"] == "message.received" {
                return e;
            }
        }
    })
    .await
    .expect("A receives its event");
    assert_eq!(got["type"], "event");
    assert_eq!(got["data"]["message"]["body"], "hello from A");
    assert_eq!(got["data"]["workspace_id"], a.workspace.to_string());

    let leaked = tokio::time::timeout(Duration::from_millis(500), next_json(&mut ws_b)).await;
    assert!(
        leaked.is_err(),
        "B saw another workspace's event: {leaked:?}"
    );
}

#[tokio::test]
async fn the_stream_refuses_missing_or_bad_credentials() {
    let app = TestApp::spawn().await;
    let err = connect_async(format!("ws://127.0.0.1:{}/ws", app.port))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("401"), "{err}");
    let err = connect_async(format!("ws://127.0.0.1:{}/ws?token=wbt_nope", app.port))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("401"), "{err}");
}
