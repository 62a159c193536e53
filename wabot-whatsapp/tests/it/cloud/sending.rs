//! Sending through the Graph API: body shapes, auth, error mapping, retries, rate limiting.

use std::{num::NonZeroU32, sync::Arc, time::Instant};

use serde_json::json;
use wabot_core::{TransportError, ports::MessagingTransport};
use wabot_whatsapp::cloud::{MAX_TEXT_CHARS, OUTSIDE_SERVICE_WINDOW, testing::WebhookPayload};

use super::{
    Session, config, contact,
    fake_graph::{ACCESS_TOKEN, APP_SECRET, FakeGraph, PHONE_NUMBER_ID},
};

#[tokio::test]
async fn send_text_posts_the_documented_body_with_the_bearer_token_and_returns_the_wamid() {
    let graph = FakeGraph::start().await;
    graph.accepts_messages().await;
    let session = Session::start(config(&graph)).await;

    let sent = session
        .transport
        .send_text(
            &contact("34612345678"),
            "Hola Ana, ¿en qué ciudad está la vivienda?",
        )
        .await
        .unwrap();

    assert_eq!(sent.provider_message_id, "wamid.out-1");
    let requests = graph.message_requests().await;
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].headers.get("authorization").unwrap(),
        &format!("Bearer {ACCESS_TOKEN}")
    );
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&requests[0].body).unwrap(),
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "34612345678",
            "type": "text",
            "text": {"body": "Hola Ana, ¿en qué ciudad está la vivienda?", "preview_url": false},
        })
    );
    session.stop().await;
}

#[tokio::test]
async fn web_style_contact_ids_are_sent_to_their_digits() {
    let graph = FakeGraph::start().await;
    graph.accepts_messages().await;
    let session = Session::start(config(&graph)).await;

    session
        .transport
        .send_text(&contact("34612345678@c.us"), "hola")
        .await
        .unwrap();

    assert_eq!(graph.sent_texts().await[0]["to"], "34612345678");
    session.stop().await;
}

#[tokio::test]
async fn mark_read_and_typing_post_read_receipts_for_the_last_inbound_message() {
    let graph = FakeGraph::start().await;
    graph.accepts_messages().await;
    let session = Session::start(config(&graph)).await;
    let ana = contact("34612345678");
    let (signature, body) = WebhookPayload::new(PHONE_NUMBER_ID)
        .text("34612345678", "Ana", "wamid.in-1", "hola")
        .signed(APP_SECRET);
    session
        .webhook
        .handle(Some(&signature), &body)
        .await
        .unwrap();

    session
        .transport
        .mark_read(&ana, "wamid.in-1")
        .await
        .unwrap();
    session.transport.set_typing(&ana, true).await.unwrap();
    session.transport.set_typing(&ana, false).await.unwrap();
    session
        .transport
        .set_typing(&contact("34699999999"), true)
        .await
        .unwrap();

    assert_eq!(
        graph.read_receipts().await,
        [
            json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.in-1"}),
            json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.in-1",
                   "typing_indicator": {"type": "text"}}),
        ],
        "typing off sends nothing; a contact with no inbound message gets no indicator"
    );
    session.stop().await;
}

#[tokio::test]
async fn a_throughput_error_is_retried_then_succeeds() {
    let graph = FakeGraph::start().await;
    graph.accepts_messages().await;
    graph.fails_with_times(130429, 400, 2).await;
    let session = Session::start(config(&graph)).await;

    let sent = session
        .transport
        .send_text(&contact("34612345678"), "hola")
        .await
        .unwrap();

    assert_eq!(sent.provider_message_id, "wamid.out-1");
    assert_eq!(
        graph.sent_texts().await.len(),
        3,
        "two throttled attempts, then success"
    );
    session.stop().await;
}

#[tokio::test]
async fn persistent_throttling_gives_a_transient_error_after_bounded_attempts() {
    let graph = FakeGraph::start().await;
    graph.fails_with(131056, 400).await;
    let session = Session::start(config(&graph)).await;

    let e = session
        .transport
        .send_text(&contact("34612345678"), "hola")
        .await
        .unwrap_err();

    assert!(e.is_transient(), "{e}");
    assert_eq!(
        graph.sent_texts().await.len(),
        3,
        "max_attempts bounds the retries"
    );
    session.stop().await;
}

#[tokio::test]
async fn a_server_error_is_transient() {
    let graph = FakeGraph::start().await;
    graph.fails_with(1, 503).await;
    let session = Session::start(config(&graph)).await;

    let e = session
        .transport
        .send_text(&contact("34612345678"), "hola")
        .await
        .unwrap_err();

    assert!(matches!(e, TransportError::Unavailable(_)), "{e}");
    session.stop().await;
}

#[tokio::test]
async fn outside_the_24_hour_window_is_rejected_with_a_reason_for_the_dashboard() {
    let graph = FakeGraph::start().await;
    graph.fails_with(131047, 400).await;
    let session = Session::start(config(&graph)).await;

    let e = session
        .transport
        .send_text(&contact("34612345678"), "¿Sigue interesado?")
        .await
        .unwrap_err();

    match &e {
        TransportError::Rejected(reason) => {
            assert!(reason.starts_with(OUTSIDE_SERVICE_WINDOW), "{reason}")
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
    assert_eq!(
        OUTSIDE_SERVICE_WINDOW,
        "outside the 24-hour customer service window: a template message is required"
    );
    assert_eq!(graph.sent_texts().await.len(), 1, "never retried");
    session.stop().await;
}

#[tokio::test]
async fn an_expired_token_is_a_configuration_error_that_says_what_to_do_and_hides_the_token() {
    let graph = FakeGraph::start().await;
    graph.fails_with(190, 401).await;
    let session = Session::start(config(&graph)).await;

    let e = session
        .transport
        .send_text(&contact("34612345678"), "hola")
        .await
        .unwrap_err();

    match &e {
        TransportError::Config(m) => {
            assert!(m.contains("access token"), "{m}");
            assert!(m.contains("190"), "{m}");
            assert!(m.contains("Meta Business Settings"), "{m}");
        }
        other => panic!("expected Config, got {other:?}"),
    }
    assert!(!e.to_string().contains(ACCESS_TOKEN));
    assert!(!format!("{e:?}{:?}", session.transport).contains(ACCESS_TOKEN));
    session.stop().await;
}

#[tokio::test]
async fn a_session_whose_token_is_rejected_at_start_fails_with_a_config_error() {
    let graph = FakeGraph::start().await;
    graph.rejects_profile_lookup(190, 401).await;
    let transport = wabot_whatsapp::cloud::CloudTransport::new(config(&graph)).unwrap();
    let (sink, mut events) = tokio::sync::mpsc::channel(4);

    let ended = transport.run(sink).await;

    assert!(
        matches!(ended, Err(TransportError::Config(ref m)) if m.contains("access token")),
        "{ended:?}"
    );
    assert!(events.try_recv().is_err(), "never ready");
}

#[tokio::test]
async fn texts_longer_than_4096_characters_are_rejected_before_any_request() {
    let graph = FakeGraph::start().await;
    graph.accepts_messages().await;
    let session = Session::start(config(&graph)).await;

    let e = session
        .transport
        .send_text(&contact("34612345678"), &"é".repeat(MAX_TEXT_CHARS + 1))
        .await
        .unwrap_err();
    let exactly = session
        .transport
        .send_text(&contact("34612345678"), &"é".repeat(MAX_TEXT_CHARS))
        .await;

    assert!(
        matches!(e, TransportError::Rejected(ref m) if m.contains("4096")),
        "{e}"
    );
    assert!(exactly.is_ok());
    assert_eq!(graph.sent_texts().await.len(), 1);
    session.stop().await;
}

#[tokio::test]
async fn the_rate_limiter_spaces_sends_from_one_number() {
    let graph = FakeGraph::start().await;
    graph.accepts_messages().await;
    let mut config = config(&graph);
    config.rate_limit_per_second = NonZeroU32::new(10).unwrap();
    let session = Session::start(config).await;
    let transport = session.transport.clone();

    let started = Instant::now();
    let sends = (0..6).map(|i| {
        let transport = Arc::clone(&transport);
        async move {
            transport
                .send_text(&contact("34612345678"), &format!("message {i}"))
                .await
        }
    });
    let results = futures::future::join_all(sends).await;
    let elapsed = started.elapsed();

    assert!(results.iter().all(Result::is_ok));
    assert_eq!(graph.sent_texts().await.len(), 6);
    // 10 per second with no burst: the sixth send waits for five 100 ms intervals. A lower bound
    // only, so a slow machine cannot make this fail.
    assert!(
        elapsed.as_millis() >= 450,
        "six sends took only {elapsed:?}"
    );
    session.stop().await;
}
