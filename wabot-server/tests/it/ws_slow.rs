//! The WebSocket event stream under a client that stops reading: the server drops that client
//! (its send blocks past the timeout, or it falls more than the per-client buffer behind)
//! while the other clients keep receiving every event without waiting for it.

use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio_tungstenite::{connect_async, tungstenite::Message};
use wabot_core::{domain::Role, ids::BotId, ports::DomainEvent};

use crate::support::{TestApp, WAIT};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Events in the burst, and the size of each: 400 × 128 KiB = 50 MiB, far more than the
/// loopback socket buffers of the stalled client can absorb.
const BURST: usize = 400;
const EVENT_BYTES: usize = 128 * 1024;

async fn connect(app: &TestApp, token: &str) -> Ws {
    let (mut ws, _) = connect_async(format!("ws://127.0.0.1:{}/ws?token={token}", app.port))
        .await
        .expect("WebSocket connects");
    match ws.next().await {
        Some(Ok(Message::Text(t))) => assert!(t.contains("\"hello\""), "{t}"),
        other => panic!("no hello: {other:?}"),
    }
    ws
}

/// A large event of `workspace` whose code starts with `tag`.
fn event(workspace: wabot_core::ids::WorkspaceId, tag: &str) -> DomainEvent {
    let mut code = String::with_capacity(EVENT_BYTES);
    code.push_str(tag);
    code.push('|');
    code.extend(std::iter::repeat_n('x', EVENT_BYTES - code.len()));
    DomainEvent::Qr {
        workspace_id: workspace,
        bot_id: BotId::new(),
        code,
    }
}

/// Reads `ws` until an event whose text contains `needle` arrives; counts the burst events
/// seen on the way.
async fn read_until(ws: &mut Ws, needle: &str, seen: &mut usize) {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => {
                if t.contains("\"burst-") {
                    *seen += 1;
                }
                if t.contains(needle) {
                    return;
                }
            }
            Some(Ok(_)) => {}
            other => panic!("the reading client's stream ended: {other:?}"),
        }
    }
}

/// `wabot_websocket_dropped_total` over all reasons. The Prometheus recorder is per process,
/// but no other test leaves a client that stops reading, so only this test's drop moves it.
async fn dropped(app: &TestApp) -> f64 {
    let text = app
        .http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| l.starts_with("wabot_websocket_dropped_total"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_and_the_others_keep_receiving() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant(Role::Owner).await;
    let mut reader = connect(&app, &tenant.token).await;
    let mut stalled = connect(&app, &tenant.token).await;
    let bus = app.state.bus.clone();
    let dropped_before = dropped(&app).await;

    // The burst: the stalled client never reads; the reader gets every event promptly.
    let started = Instant::now();
    for i in 0..BURST {
        bus.publish(event(tenant.workspace, &format!("burst-{i}")));
    }
    let mut seen = 0;
    tokio::time::timeout(
        WAIT,
        read_until(&mut reader, &format!("burst-{}|", BURST - 1), &mut seen),
    )
    .await
    .expect("the reading client receives the whole burst");
    assert_eq!(seen, BURST, "the reading client missed events");
    // The server waits up to 5 s for a blocked send before dropping that client; the reader
    // must not have waited for it (on a loaded machine: it at least finished before the drop).
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(4) || dropped(&app).await <= dropped_before,
        "the reading client was held up by the stalled one: {elapsed:?}"
    );

    // Within the send timeout (5 s) of its socket filling up, the server drops the stalled
    // client; the reader still receives afterwards.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while dropped(&app).await <= dropped_before {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the stalled client was never dropped"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bus.publish(event(tenant.workspace, "after-the-drop"));
    let mut ignored = 0;
    tokio::time::timeout(
        WAIT,
        read_until(&mut reader, "after-the-drop|", &mut ignored),
    )
    .await
    .expect("the reading client still receives after the drop");

    // The stalled client finds what its socket buffers held, then the end of the stream: not
    // the whole burst, and nothing published after it was dropped.
    let mut got = 0;
    let mut after = false;
    let ended = tokio::time::timeout(WAIT, async {
        loop {
            match stalled.next().await {
                Some(Ok(Message::Text(t))) => {
                    got += usize::from(t.contains("\"burst-"));
                    after |= t.contains("after-the-drop");
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(
        ended.is_ok(),
        "the stalled client was never dropped ({got} burst events, after: {after})"
    );
    assert!(
        got < BURST,
        "the stalled client got the whole burst ({got})"
    );
    assert!(
        !after,
        "the stalled client got an event published after its drop"
    );
    app.stop().await;
}
