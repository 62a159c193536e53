//! The transport on its own: events for each situation, without the engine.

use std::{sync::Arc, time::Duration};

use serde_json::json;
use tokio::{sync::mpsc, task::JoinHandle};
use wabot_core::{
    TransportError,
    domain::{ContactId, DeliveryStatus},
    ports::{DisconnectReason, InboundKind, MessagingTransport, TransportEvent},
};
use wabot_whatsapp::web::{FakeWhatsApp, WebError, WebTransport};

use super::{
    phone::Phone,
    support::{Sandbox, next_event, transport, until},
};

type Run = JoinHandle<Result<(), TransportError>>;

fn start(t: &Arc<WebTransport>) -> (mpsc::Receiver<TransportEvent>, Run) {
    let (sink, events) = mpsc::channel(64);
    let t = t.clone();
    (events, tokio::spawn(async move { t.run(sink).await }))
}

async fn ended(run: Run) -> Result<(), TransportError> {
    tokio::time::timeout(Duration::from_secs(15), run)
        .await
        .expect("the session ended in time")
        .expect("the session did not panic")
}

/// Starts a session and pairs it; returns once it is ready.
async fn paired(t: &Arc<WebTransport>) -> (mpsc::Receiver<TransportEvent>, Run, Phone) {
    let (mut events, run) = start(t);
    until(&mut events, |e| matches!(e, TransportEvent::Qr { .. })).await;
    let mut phone = Phone::connect(t).await;
    phone.scan().await;
    until(&mut events, |e| matches!(e, TransportEvent::Ready { .. })).await;
    (events, run, phone)
}

#[tokio::test]
async fn a_missing_module_fails_fast_with_an_error_naming_it() {
    let sandbox = Sandbox::new().await;
    let t = transport(sandbox.config(&FakeWhatsApp::new().without_module("WAWebCmd")));

    let (_events, run) = start(&t);
    let err = ended(run).await.unwrap_err();

    assert!(matches!(err, TransportError::Config(_)), "{err:?}");
    assert!(err.to_string().contains("WAWebCmd"), "{err}");
    assert!(matches!(
        t.last_error(),
        Some(WebError::MissingModule { ref module, member: None, .. }) if module == "WAWebCmd"
    ));
    assert!(t.browser_pid().is_none(), "the browser is closed");
}

#[tokio::test]
async fn qr_codes_rotate_until_the_retry_cap_then_time_out() {
    let sandbox = Sandbox::new().await;
    let fake =
        FakeWhatsApp::new().qr_timing(Duration::from_millis(150), Duration::from_millis(150));
    let mut config = sandbox.config(&fake);
    config.qr_max_retries = 3;
    let t = transport(config);

    let (mut events, run) = start(&t);
    let mut codes = Vec::new();
    let end = loop {
        match next_event(&mut events).await {
            TransportEvent::Qr { code } => codes.push(code),
            other => break other,
        }
    };

    assert_eq!(codes.len(), 3, "{codes:?}");
    assert!(codes.windows(2).all(|w| w[0] != w[1]), "each QR is new");
    let parts: Vec<_> = codes[0].split(',').collect();
    assert_eq!(
        parts.len(),
        5,
        "ref,noise key,identity key,adv secret,platform"
    );
    assert_eq!(
        end,
        TransportEvent::Disconnected {
            reason: DisconnectReason::Timeout
        }
    );
    let err = ended(run).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("no QR code was scanned after 3 codes"),
        "{err}"
    );
}

#[tokio::test]
async fn a_pairing_phone_gets_a_pairing_code_instead_of_a_qr() {
    let sandbox = Sandbox::new().await;
    let t = Arc::new(WebTransport::new(
        wabot_core::ids::BotId::new(),
        Arc::new(sandbox.config(&FakeWhatsApp::new())),
        Some("+34 600 000 000".into()),
    ));

    let (mut events, run) = start(&t);
    let event = next_event(&mut events).await;

    let TransportEvent::PairingCode { code } = event else {
        panic!("expected a pairing code, got {event:?}");
    };
    assert_eq!(code.len(), 8);
    let mut phone = Phone::connect(&t).await;
    let log = phone.log().await;
    assert!(
        log.iter()
            .any(|e| e["kind"] == "pairingCode" && e["phone"] == "34600000000")
    );
    t.stop().await;
    ended(run).await.unwrap();
}

#[tokio::test]
async fn text_media_and_group_messages_are_reported_with_their_kind() {
    let sandbox = Sandbox::new().await;
    let t = transport(sandbox.config(&FakeWhatsApp::new()));
    let (mut events, run, mut phone) = paired(&t).await;

    let text_id = phone
        .receive(
            "34612345678@c.us",
            "Hola",
            "chat",
            json!({"notifyName": "Ana"}),
        )
        .await;
    phone
        .receive("34612345678@c.us", "my roof", "image", json!({}))
        .await;
    phone
        .receive(
            "120363000000@g.us",
            "hi all",
            "chat",
            json!({"author": "34612345678@c.us"}),
        )
        .await;
    phone
        .receive("34612345678@c.us", "", "location", json!({}))
        .await;

    let mut inbound = Vec::new();
    while inbound.len() < 4 {
        if let TransportEvent::Inbound(m) = next_event(&mut events).await {
            inbound.push(m);
        }
    }
    assert_eq!(inbound[0].provider_message_id, text_id);
    assert_eq!(inbound[0].from.as_str(), "34612345678@c.us");
    assert_eq!(inbound[0].display_name.as_deref(), Some("Ana"));
    assert_eq!(
        (inbound[0].kind.clone(), inbound[0].body.as_str()),
        (InboundKind::Text, "Hola")
    );
    assert_eq!(
        (inbound[1].kind.clone(), inbound[1].body.as_str()),
        (InboundKind::Media("image".into()), "my roof"),
        "media reports its caption, not the thumbnail"
    );
    assert_eq!(inbound[2].kind, InboundKind::Group);
    assert_eq!(inbound[2].from.as_str(), "120363000000@g.us");
    assert_eq!(inbound[3].kind, InboundKind::Other("location".into()));

    t.stop().await;
    ended(run).await.unwrap();
}

#[tokio::test]
async fn sending_shows_typing_marks_read_and_reports_acks_including_failures() {
    let sandbox = Sandbox::new().await;
    let t = transport(sandbox.config(&FakeWhatsApp::new()));
    let (mut events, run, mut phone) = paired(&t).await;
    let ana = ContactId::parse("+34 612 345 678").unwrap();

    t.mark_read(&ana, "x").await.unwrap();
    t.set_typing(&ana, true).await.unwrap();
    let sent = t
        .send_text(&ana, "¡Hola! \"quotes\" </script>")
        .await
        .unwrap();
    let mut statuses = Vec::new();
    while statuses.len() < 3 {
        if let TransportEvent::Ack {
            provider_message_id,
            status,
        } = next_event(&mut events).await
        {
            assert_eq!(provider_message_id, sent.provider_message_id);
            statuses.push(status);
        }
    }
    phone.eval("window.__fake.failNextSend()").await;
    let failed = t.send_text(&ana, "second").await.unwrap();
    let (ack, _) = until(&mut events, |e| matches!(e, TransportEvent::Ack { .. })).await;

    assert!(
        sent.provider_message_id
            .starts_with("true_34612345678@c.us_")
    );
    assert_eq!(
        statuses,
        vec![
            DeliveryStatus::Sent,
            DeliveryStatus::Delivered,
            DeliveryStatus::Read
        ]
    );
    assert_eq!(
        ack,
        TransportEvent::Ack {
            provider_message_id: failed.provider_message_id,
            status: DeliveryStatus::Failed
        }
    );
    let log = phone.log().await;
    let kinds: Vec<_> = log
        .iter()
        .filter(|e| ["seen", "typing", "send"].contains(&e["kind"].as_str().unwrap()))
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["chat"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let chat = "34612345678@c.us".to_string();
    assert_eq!(
        kinds,
        vec![
            ("seen".into(), chat.clone()),
            ("typing".into(), chat.clone()),
            ("send".into(), chat.clone()),
            ("send".into(), chat)
        ]
    );
    assert!(
        log.iter()
            .any(|e| e["body"] == "¡Hola! \"quotes\" </script>")
    );

    t.stop().await;
    ended(run).await.unwrap();
}

#[tokio::test]
async fn sending_before_ready_or_to_a_non_number_is_refused() {
    let sandbox = Sandbox::new().await;
    let t = transport(sandbox.config(&FakeWhatsApp::new()));
    let ana = ContactId::parse("34612345678@c.us").unwrap();

    let not_running = t.send_text(&ana, "hi").await.unwrap_err();
    let (mut events, run) = start(&t);
    until(&mut events, |e| matches!(e, TransportEvent::Qr { .. })).await;
    let unpaired = t.send_text(&ana, "hi").await.unwrap_err();
    let bad = t
        .send_text(&ContactId::parse("sandbox-ana").unwrap(), "hi")
        .await
        .unwrap_err();

    assert!(
        matches!(not_running, TransportError::NotConnected(_)),
        "{not_running:?}"
    );
    assert!(
        matches!(unpaired, TransportError::NotConnected(_)),
        "{unpaired:?}"
    );
    assert!(matches!(bad, TransportError::Rejected(_)), "{bad:?}");
    t.stop().await;
    ended(run).await.unwrap();
}

#[tokio::test]
async fn a_conflict_is_reported_and_ends_the_session() {
    let sandbox = Sandbox::new().await;
    let t = transport(sandbox.config(&FakeWhatsApp::new()));
    let (mut events, run, mut phone) = paired(&t).await;

    phone.act("window.__fake.conflict()").await;
    let (event, _) = until(&mut events, |e| {
        matches!(e, TransportEvent::Disconnected { .. })
    })
    .await;

    assert_eq!(
        event,
        TransportEvent::Disconnected {
            reason: DisconnectReason::Conflict
        }
    );
    let err = ended(run).await.unwrap_err();
    assert!(matches!(err, TransportError::NotConnected(_)), "{err:?}");
    assert!(t.browser_pid().is_none());
}

#[tokio::test]
async fn a_crashed_tab_ends_the_session_as_a_crash() {
    let sandbox = Sandbox::new().await;
    let t = transport(sandbox.config(&FakeWhatsApp::new()));
    let (mut events, run, mut phone) = paired(&t).await;

    phone.crash_tab().await;
    let (event, _) = until(&mut events, |e| {
        matches!(e, TransportEvent::Disconnected { .. })
    })
    .await;

    assert!(
        matches!(
            event,
            TransportEvent::Disconnected {
                reason: DisconnectReason::Crash(_)
            }
        ),
        "{event:?}"
    );
    let err = ended(run).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert!(matches!(t.last_error(), Some(WebError::BrowserCrashed(_))));
}

#[tokio::test]
async fn a_lost_connection_is_reported_and_ready_comes_back_on_reconnect() {
    let sandbox = Sandbox::new().await;
    let t = transport(sandbox.config(&FakeWhatsApp::new()));
    let (mut events, run, mut phone) = paired(&t).await;

    phone.eval("window.__fake.lose()").await;
    let (lost, _) = until(&mut events, |e| {
        matches!(e, TransportEvent::Disconnected { .. })
    })
    .await;
    let while_lost = t.is_ready();
    phone.eval("window.__fake.reconnect()").await;
    let (back, _) = until(&mut events, |e| matches!(e, TransportEvent::Ready { .. })).await;

    assert!(matches!(
        lost,
        TransportEvent::Disconnected { reason: DisconnectReason::Network(ref why) } if why.contains("TIMEOUT")
    ));
    assert!(!while_lost);
    assert_eq!(
        back,
        TransportEvent::Ready {
            account: Some("15550000001".into())
        }
    );
    assert!(t.is_ready());
    t.stop().await;
    ended(run).await.unwrap();
}

#[tokio::test]
async fn a_pinned_index_html_is_served_for_whatsapp_web() {
    let sandbox = Sandbox::new().await;
    let mut config = sandbox.config(&FakeWhatsApp::new());
    // The production pinning path: only WhatsApp Web's document is replaced.
    config.pin_index_html = config.fake_site.take();
    let t = transport(config);

    let (mut events, run) = start(&t);
    let first = next_event(&mut events).await;

    assert!(matches!(first, TransportEvent::Qr { .. }), "{first:?}");
    t.stop().await;
    ended(run).await.unwrap();
}
