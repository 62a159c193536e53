//! The webhook: handshake, signatures, parsing, dedupe and status ordering.

use serde_json::json;
use wabot_core::{
    domain::DeliveryStatus,
    ports::{InboundKind, TransportEvent},
};
use wabot_whatsapp::cloud::{SIGNATURE_HEADER, WebhookError, testing::WebhookPayload};

use super::{
    Session, config,
    fake_graph::{APP_SECRET, DISPLAY_NUMBER, FakeGraph, PHONE_NUMBER_ID, VERIFY_TOKEN},
};

fn inbound(events: &[TransportEvent]) -> Vec<&wabot_core::ports::InboundMessage> {
    events
        .iter()
        .filter_map(|e| match e {
            TransportEvent::Inbound(m) => Some(m),
            _ => None,
        })
        .collect()
}

fn acks(events: &[TransportEvent]) -> Vec<(String, DeliveryStatus)> {
    events
        .iter()
        .filter_map(|e| match e {
            TransportEvent::Ack {
                provider_message_id,
                status,
            } => Some((provider_message_id.clone(), *status)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn verification_handshake_echoes_the_challenge_for_the_right_token() {
    let graph = FakeGraph::start().await;
    let session = Session::start(config(&graph)).await;

    let challenge = session
        .webhook
        .verify_query(&format!(
            "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={VERIFY_TOKEN}"
        ))
        .unwrap();

    assert_eq!(challenge, "1158201444");
    session.stop().await;
}

#[tokio::test]
async fn verification_with_a_wrong_token_is_refused_with_403() {
    let graph = FakeGraph::start().await;
    let session = Session::start(config(&graph)).await;

    let refused = session
        .webhook
        .verify([
            ("hub.mode", "subscribe"),
            ("hub.challenge", "1158201444"),
            ("hub.verify_token", "not-the-token"),
        ])
        .unwrap_err();

    assert!(matches!(refused, WebhookError::VerificationRefused(_)));
    assert_eq!(refused.http_status(), 403);
    session.stop().await;
}

#[tokio::test]
async fn ready_reports_the_display_number() {
    let graph = FakeGraph::start().await;
    let transport =
        std::sync::Arc::new(wabot_whatsapp::cloud::CloudTransport::new(config(&graph)).unwrap());
    let (sink, mut events) = tokio::sync::mpsc::channel(4);
    let run = tokio::spawn({
        let t = transport.clone();
        async move { wabot_core::ports::MessagingTransport::run(t.as_ref(), sink).await }
    });

    let first = events.recv().await.unwrap();

    assert_eq!(
        first,
        TransportEvent::Ready {
            account: Some(DISPLAY_NUMBER.into())
        }
    );
    wabot_core::ports::MessagingTransport::stop(transport.as_ref()).await;
    run.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_validly_signed_text_message_becomes_an_inbound_event_with_sender_and_name() {
    let graph = FakeGraph::start().await;
    let mut session = Session::start(config(&graph)).await;
    let (signature, body) = WebhookPayload::new(PHONE_NUMBER_ID)
        .text(
            "34612345678",
            "Ana García",
            "wamid.HBgLMzQ2MTIzNDU2NzgVAgASGBQzQUZFQkI",
            "Hola, ¿instaláis placas en Toledo?",
        )
        .signed(APP_SECRET);

    let outcome = session
        .webhook
        .handle(Some(&signature), &body)
        .await
        .unwrap();

    assert_eq!(outcome.messages, 1);
    let events = session.drain().await;
    let messages = inbound(&events);
    assert_eq!(messages.len(), 1);
    let m = messages[0];
    assert_eq!(
        m.provider_message_id,
        "wamid.HBgLMzQ2MTIzNDU2NzgVAgASGBQzQUZFQkI"
    );
    assert_eq!(m.from.as_str(), "34612345678");
    assert_eq!(m.display_name.as_deref(), Some("Ana García"));
    assert_eq!(m.body, "Hola, ¿instaláis placas en Toledo?");
    assert_eq!(m.kind, InboundKind::Text);
    assert_eq!(m.sent_at.timestamp(), 1_700_000_000);
    session.stop().await;
}

#[tokio::test]
async fn a_bad_or_missing_signature_is_rejected_with_401_and_nothing_is_forwarded() {
    let graph = FakeGraph::start().await;
    let mut session = Session::start(config(&graph)).await;
    let payload =
        WebhookPayload::new(PHONE_NUMBER_ID).text("34612345678", "Ana", "wamid.1", "hola");
    let (good, body) = payload.signed(APP_SECRET);
    let (other_secret, _) = payload.signed("someone-else's-secret");
    let mut tampered = body.clone();
    let last = tampered.len() - 2;
    tampered[last] = b' ';

    let attempts = [
        (None, body.clone()),
        (Some(other_secret), body.clone()),
        (Some(good.clone()), tampered),
        (Some("sha256=not-hex".to_string()), body.clone()),
        (
            Some(good.trim_start_matches("sha256=").to_string()),
            body.clone(),
        ),
    ];
    for (signature, body) in attempts {
        let e = session
            .webhook
            .handle(signature.as_deref(), &body)
            .await
            .unwrap_err();
        assert!(matches!(e, WebhookError::BadSignature(_)), "{e:?}");
        assert_eq!(e.http_status(), 401);
    }

    assert!(session.drain().await.is_empty(), "nothing forwarded");
    assert_eq!(SIGNATURE_HEADER, "X-Hub-Signature-256");
    session.stop().await;
}

#[tokio::test]
async fn a_redelivered_message_is_forwarded_once() {
    let graph = FakeGraph::start().await;
    let mut session = Session::start(config(&graph)).await;
    let (signature, body) = WebhookPayload::new(PHONE_NUMBER_ID)
        .text("34612345678", "Ana", "wamid.same", "hola")
        .signed(APP_SECRET);

    let first = session
        .webhook
        .handle(Some(&signature), &body)
        .await
        .unwrap();
    let second = session
        .webhook
        .handle(Some(&signature), &body)
        .await
        .unwrap();

    assert_eq!((first.messages, first.duplicates), (1, 0));
    assert_eq!((second.messages, second.duplicates), (0, 1));
    assert_eq!(inbound(&session.drain().await).len(), 1);
    session.stop().await;
}

#[tokio::test]
async fn images_and_unknown_types_are_kept_and_reported() {
    let graph = FakeGraph::start().await;
    let mut session = Session::start(config(&graph)).await;
    let (signature, body) = WebhookPayload::new(PHONE_NUMBER_ID)
        .media("34612345678", "wamid.img", "image", Some("this is my roof"))
        .message(
            "34612345678",
            "Ana",
            json!({"id": "wamid.unknown", "type": "unsupported",
                   "errors": [{"code": 131051, "title": "Message type unknown",
                               "error_data": {"details": "Message type is currently not supported."}}]}),
        )
        .message(
            "34612345678",
            "Ana",
            json!({"id": "wamid.loc", "type": "location",
                   "location": {"latitude": 39.86, "longitude": -4.02, "name": "Casa"}}),
        )
        .signed(APP_SECRET);

    let outcome = session
        .webhook
        .handle(Some(&signature), &body)
        .await
        .unwrap();

    assert_eq!(outcome.messages, 3);
    let events = session.drain().await;
    let messages = inbound(&events);
    assert_eq!(messages[0].kind, InboundKind::Media("image".into()));
    assert_eq!(messages[0].body, "this is my roof");
    assert_eq!(messages[1].kind, InboundKind::Other("unsupported".into()));
    assert!(
        messages[1].body.contains("not supported"),
        "{}",
        messages[1].body
    );
    assert_eq!(messages[2].kind, InboundKind::Other("location".into()));
    assert!(messages[2].body.contains("39.86"), "{}", messages[2].body);
    session.stop().await;
}

#[tokio::test]
async fn out_of_order_and_repeated_statuses_forward_only_progress() {
    let graph = FakeGraph::start().await;
    let mut session = Session::start(config(&graph)).await;
    let posts = [
        WebhookPayload::new(PHONE_NUMBER_ID).status("wamid.out", "delivered", "34612345678"),
        WebhookPayload::new(PHONE_NUMBER_ID).status("wamid.out", "sent", "34612345678"),
        WebhookPayload::new(PHONE_NUMBER_ID).status("wamid.out", "delivered", "34612345678"),
        WebhookPayload::new(PHONE_NUMBER_ID).status("wamid.out", "read", "34612345678"),
        WebhookPayload::new(PHONE_NUMBER_ID).status("wamid.out", "delivered", "34612345678"),
        WebhookPayload::new(PHONE_NUMBER_ID).status("wamid.other", "sent", "34612345678"),
    ];

    let mut ignored = 0;
    for post in posts {
        let (signature, body) = post.signed(APP_SECRET);
        ignored += session
            .webhook
            .handle(Some(&signature), &body)
            .await
            .unwrap()
            .ignored;
    }

    assert_eq!(
        acks(&session.drain().await),
        [
            ("wamid.out".to_string(), DeliveryStatus::Delivered),
            ("wamid.out".to_string(), DeliveryStatus::Read),
            ("wamid.other".to_string(), DeliveryStatus::Sent),
        ]
    );
    assert_eq!(ignored, 3);
    session.stop().await;
}

#[tokio::test]
async fn a_failed_status_is_forwarded_as_failed() {
    let graph = FakeGraph::start().await;
    let mut session = Session::start(config(&graph)).await;
    let (signature, body) = WebhookPayload::new(PHONE_NUMBER_ID)
        .status("wamid.late", "sent", "34612345678")
        .failed_status("wamid.late", "34612345678", 131047, "Re-engagement message")
        .signed(APP_SECRET);

    session
        .webhook
        .handle(Some(&signature), &body)
        .await
        .unwrap();

    assert_eq!(
        acks(&session.drain().await),
        [
            ("wamid.late".to_string(), DeliveryStatus::Sent),
            ("wamid.late".to_string(), DeliveryStatus::Failed),
        ]
    );
    session.stop().await;
}

#[tokio::test]
async fn events_for_another_number_are_not_forwarded() {
    let graph = FakeGraph::start().await;
    let mut session = Session::start(config(&graph)).await;
    let (signature, body) = WebhookPayload::new("999999999999")
        .text("34612345678", "Ana", "wamid.elsewhere", "hola")
        .signed(APP_SECRET);

    let outcome = session
        .webhook
        .handle(Some(&signature), &body)
        .await
        .unwrap();

    assert_eq!((outcome.messages, outcome.ignored), (0, 1));
    assert!(session.drain().await.is_empty());
    session.stop().await;
}

#[tokio::test]
async fn a_signed_body_that_is_not_a_webhook_payload_is_a_400() {
    let graph = FakeGraph::start().await;
    let mut session = Session::start(config(&graph)).await;

    for body in [
        &b"not json"[..],
        b"[]",
        br#"{"object":"whatsapp_business_account","entry":"x"}"#,
    ] {
        let signature = wabot_whatsapp::cloud::testing::sign(APP_SECRET, body);
        let e = session
            .webhook
            .handle(Some(&signature), body)
            .await
            .unwrap_err();
        assert_eq!(e.http_status(), 400, "{e}");
    }

    assert!(session.drain().await.is_empty());
    session.stop().await;
}

#[tokio::test]
async fn after_stop_events_are_refused_with_503_and_accepted_again_once_redelivered() {
    let graph = FakeGraph::start().await;
    let session = Session::start(config(&graph)).await;
    let webhook = session.webhook.clone();
    session.stop().await;
    let (signature, body) = WebhookPayload::new(PHONE_NUMBER_ID)
        .text("34612345678", "Ana", "wamid.while-down", "hola")
        .signed(APP_SECRET);

    let e = webhook.handle(Some(&signature), &body).await.unwrap_err();
    assert_eq!(e, WebhookError::NotRunning);
    assert_eq!(e.http_status(), 503);

    // Meta retries later against the restarted bot: the message was not marked as seen.
    let mut restarted = Session::start(config(&graph)).await;
    let outcome = restarted
        .webhook
        .handle(Some(&signature), &body)
        .await
        .unwrap();
    assert_eq!(outcome.messages, 1);
    assert_eq!(inbound(&restarted.drain().await).len(), 1);
    restarted.stop().await;
}

#[tokio::test]
async fn a_message_that_cannot_be_stored_is_not_acknowledged_and_its_retry_is_taken() {
    use std::sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    };

    use wabot_core::ports::MessagingTransport as _;

    let graph = FakeGraph::start().await;
    let transport = Arc::new(wabot_whatsapp::cloud::CloudTransport::new(config(&graph)).unwrap());
    let (sink, mut raw) = tokio::sync::mpsc::channel(64);
    let run = tokio::spawn({
        let transport = transport.clone();
        async move { transport.run(sink).await }
    });
    // Plays the engine: storage fails until `healthy` is set.
    let healthy = Arc::new(AtomicBool::new(false));
    let (stored_tx, mut stored_rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn({
        let healthy = healthy.clone();
        async move {
            while let Some(event) = raw.recv().await {
                if let TransportEvent::InboundConfirmed { message, stored } = event {
                    if healthy.load(Ordering::SeqCst) {
                        let _ = stored_tx.send(message.provider_message_id.clone());
                        stored.confirm(Ok(()));
                    } else {
                        stored.confirm(Err("database is locked".into()));
                    }
                }
            }
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let webhook = transport.webhook();
    let (signature, body) = WebhookPayload::new(PHONE_NUMBER_ID)
        .text("34612345678", "Ana", "wamid.retry-me", "hola")
        .signed(APP_SECRET);

    let refused = webhook.handle(Some(&signature), &body).await.unwrap_err();
    assert!(matches!(refused, WebhookError::NotStored(ref r) if r.contains("locked")));
    assert_eq!(refused.http_status(), 503);

    // Meta retries once storage works again: the message is taken, not dropped as a duplicate.
    healthy.store(true, Ordering::SeqCst);
    let outcome = webhook.handle(Some(&signature), &body).await.unwrap();
    assert_eq!((outcome.messages, outcome.duplicates), (1, 0));
    assert_eq!(stored_rx.recv().await.as_deref(), Some("wamid.retry-me"));

    transport.stop().await;
    run.await.unwrap().unwrap();
}
