//! End to end through the real supervisor and engine: a signed webhook in, the bot's reply out
//! to the fake Graph API, and a delivery status back into the store.

use std::num::NonZeroU32;

use wabot_core::{
    domain::{DeliveryStatus, Direction},
    memory::{Scripted, ScriptedLlm},
    ports::{DomainEvent, EventBus, LeadStore, MessageStore},
};
use wabot_whatsapp::cloud::testing::WebhookPayload;

use super::{
    fake_graph::{APP_SECRET, FakeGraph, PHONE_NUMBER_ID},
    init_logs,
    stack::{CloudStack, wait_for},
};

const REPLY: &str =
    "¡Hola Ana! Claro que instalamos en Toledo. ¿Me dices tu email para enviarte un presupuesto?";

#[tokio::test]
async fn a_signed_webhook_is_answered_through_the_graph_api_and_delivery_updates_the_stored_reply()
{
    init_logs();
    let graph = FakeGraph::start().await;
    graph.accepts_messages().await;
    let llm = ScriptedLlm::new([Scripted::Reply(REPLY.into())]);
    let stack = CloudStack::start(graph, llm, NonZeroU32::new(80).unwrap()).await;
    let mut events = stack.bus.subscribe();

    // A customer writes: Meta posts a signed webhook.
    let (signature, body) = WebhookPayload::new(PHONE_NUMBER_ID)
        .text(
            "34612345678",
            "Ana García",
            "wamid.in-e2e",
            "Hola, ¿instaláis placas en Toledo?",
        )
        .signed(APP_SECRET);
    let outcome = stack
        .webhook()
        .handle(Some(&signature), &body)
        .await
        .unwrap();
    assert_eq!(outcome.messages, 1);

    // The engine answers and the reply goes out through the Graph API.
    let sent = wait_for(&mut events, |e| {
        matches!(e, DomainEvent::Message { message, .. }
            if message.direction == Direction::Outbound && message.delivery == DeliveryStatus::Sent)
    })
    .await;
    let DomainEvent::Message { message: reply, .. } = sent else {
        unreachable!()
    };
    assert_eq!(reply.body, REPLY);
    assert_eq!(reply.provider_message_id.as_deref(), Some("wamid.out-1"));
    let texts = stack.graph.sent_texts().await;
    assert_eq!(texts.len(), 1);
    assert_eq!(texts[0]["to"], "34612345678");
    assert_eq!(texts[0]["text"]["body"], REPLY);
    let receipts = stack.graph.read_receipts().await;
    assert!(
        receipts.iter().any(|r| r["message_id"] == "wamid.in-e2e"),
        "the customer's message was marked read: {receipts:?}"
    );
    let lead = stack
        .store
        .find_lead(
            stack.bot.id,
            &wabot_core::domain::ContactId::parse("34612345678").unwrap(),
        )
        .await
        .unwrap()
        .expect("a lead for the customer");
    assert_eq!(lead.display_name.as_deref(), Some("Ana García"));

    // Meta reports the reply delivered, then a late "sent": the stored message says delivered.
    let (signature, body) = WebhookPayload::new(PHONE_NUMBER_ID)
        .status("wamid.out-1", "delivered", "34612345678")
        .status("wamid.out-1", "sent", "34612345678")
        .signed(APP_SECRET);
    stack
        .webhook()
        .handle(Some(&signature), &body)
        .await
        .unwrap();
    let delivery = wait_for(&mut events, |e| matches!(e, DomainEvent::Delivery { .. })).await;
    assert!(matches!(
        delivery,
        DomainEvent::Delivery { status: DeliveryStatus::Delivered, message_id, .. } if message_id == reply.id
    ));
    let stored = stack.store.recent_messages(lead.id, 10).await.unwrap();
    let stored_reply = stored.iter().find(|m| m.id == reply.id).unwrap();
    assert_eq!(stored_reply.delivery, DeliveryStatus::Delivered);

    stack.supervisor.shutdown().await;
    assert!(
        !stack.webhook().is_running(),
        "after shutdown the webhook refuses events (503)"
    );
}

#[tokio::test]
async fn a_redelivered_webhook_is_answered_once() {
    init_logs();
    let graph = FakeGraph::start().await;
    graph.accepts_messages().await;
    let stack = CloudStack::start(graph, ScriptedLlm::new([]), NonZeroU32::new(80).unwrap()).await;
    let (signature, body) = WebhookPayload::new(PHONE_NUMBER_ID)
        .text("34612345678", "Ana", "wamid.twice", "hola")
        .signed(APP_SECRET);

    let mut events = stack.bus.subscribe();

    let first = stack
        .webhook()
        .handle(Some(&signature), &body)
        .await
        .unwrap();
    let again = stack
        .webhook()
        .handle(Some(&signature), &body)
        .await
        .unwrap();
    wait_for(&mut events, |e| {
        matches!(e, DomainEvent::Message { message, .. } if message.direction == Direction::Outbound)
    })
    .await;
    wait_idle(&stack).await;

    assert_eq!((first.messages, again.duplicates), (1, 1));
    assert_eq!(stack.graph.sent_texts().await.len(), 1);
    stack.supervisor.shutdown().await;
}

#[tokio::test]
async fn a_bot_without_credentials_fails_to_start_with_a_clear_reason() {
    use wabot_core::{domain::TransportConfig, ports::TransportFactory};
    use wabot_whatsapp::cloud::CloudTransportFactory;
    let factory = CloudTransportFactory::new(|_| None);
    let mut bot = wabot_core::domain::Bot::new(
        wabot_core::ids::WorkspaceId::new(),
        wabot_core::domain::BotName::parse("No secrets").unwrap(),
        wabot_core::domain::Prompt::parse("p").unwrap(),
        chrono::Utc::now(),
    );

    let sandbox = factory.create(&bot).err().unwrap();
    bot.transport = TransportConfig::Cloud {
        phone_number_id: PHONE_NUMBER_ID.into(),
        graph_base_url: None,
    };
    let missing = factory.create(&bot).err().unwrap();

    assert!(
        matches!(sandbox, wabot_core::TransportError::Config(ref m) if m.contains("sandbox")),
        "{sandbox}"
    );
    assert!(
        matches!(missing, wabot_core::TransportError::Config(ref m) if m.contains("credentials")),
        "{missing}"
    );
    assert!(
        factory.webhook(bot.id).is_none(),
        "no credentials: the server answers 404"
    );
}

async fn wait_idle(stack: &CloudStack) {
    tokio::time::timeout(super::WAIT, stack.engine.wait_idle())
        .await
        .expect("engine idle");
}
