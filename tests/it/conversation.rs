use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use chrono::Utc;
use rand::Rng;
use wabot::core::{
    Error, LlmError, TransportError,
    domain::{ContactId, DeliveryStatus, Direction, Handler, LeadStatus},
    engine::{Engine, EngineConfig, EngineDeps, Outcome, TransportRegistry},
    memory::{BroadcastBus, SandboxTransport, Scripted},
    ports::{
        ChatRequest, ChatResponse, DomainEvent, EventBus, EventSink, InboundKind, InboundMessage,
        LlmClient, MessagingTransport, SentMessage, SharedLlm, SystemClock,
    },
};

use crate::harness::{Harness, contact, drain};

#[tokio::test]
async fn a_redelivered_message_produces_one_reply() {
    let h = Harness::new().await;
    h.start().await;
    let ana = contact("34612345678@c.us");
    let message = InboundMessage {
        provider_message_id: "wamid.same".into(),
        from: ana.clone(),
        display_name: Some("Ana".into()),
        body: "Hello!".into(),
        kind: InboundKind::Text,
        sent_at: Utc::now(),
    };

    let first = h.engine.handle(h.bot.id, message.clone()).await.unwrap();
    let second = h.engine.handle(h.bot.id, message).await.unwrap();

    assert!(matches!(first, Outcome::Replied { .. }));
    assert_eq!(second, Outcome::Duplicate);
    assert_eq!(h.replies(&ana).len(), 1);
    let lead = h.store.find_lead(h.bot.id, &ana).await.unwrap().unwrap();
    let stored = h.store.recent_messages(lead.id, 50).await.unwrap();
    assert_eq!(
        stored
            .iter()
            .filter(|m| m.direction == Direction::Inbound)
            .count(),
        1
    );
}

/// Answers with the last customer message after a random pause, so replies of different
/// chats interleave.
struct JitteryEcho;

#[async_trait]
impl LlmClient for JitteryEcho {
    async fn chat(&self, request: ChatRequest) -> Result<ChatResponse, LlmError> {
        let pause = rand::rng().random_range(0..3);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        Ok(ChatResponse {
            content: format!("echo {}", request.messages.last().unwrap().content),
            usage: Default::default(),
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_chats_in_parallel_get_their_replies_in_order() {
    let h = Harness::new().await;
    let sandbox = Arc::new(SandboxTransport::new());
    let transports = TransportRegistry::new();
    transports.insert(h.bot.id, sandbox.clone());
    let engine = Engine::new(
        EngineDeps {
            store: h.store.clone(),
            llm: Arc::new(SharedLlm(Arc::new(JitteryEcho))),
            bus: Arc::new(BroadcastBus::default()),
            clock: Arc::new(SystemClock),
            transports,
        },
        EngineConfig {
            pacing: false,
            llm_extraction: false,
            ..EngineConfig::default()
        },
    );
    let contacts: Vec<_> = (0..100).map(|i| contact(&format!("chat-{i}"))).collect();

    let mut receivers = Vec::new();
    for n in 0..10 {
        for c in &contacts {
            receivers.push(engine.submit(
                h.bot.id,
                InboundMessage {
                    provider_message_id: format!("{c}-{n}"),
                    from: c.clone(),
                    display_name: None,
                    body: format!("message {n}"),
                    kind: InboundKind::Text,
                    sent_at: Utc::now(),
                },
            ));
        }
    }
    for r in receivers {
        r.await.unwrap().unwrap();
    }

    for c in &contacts {
        let expected: Vec<String> = (0..10).map(|n| format!("echo message {n}")).collect();
        assert_eq!(sandbox.texts_to(c), expected, "replies to {c} out of order");
    }
    assert_eq!(engine.active_chats(), 0, "idle chats keep no worker");
}

#[tokio::test]
async fn an_llm_error_sends_the_fallback_and_still_saves_email_and_phone() {
    let h = Harness::new().await;
    h.start().await;
    h.llm.push(Scripted::Fail(LlmError::Transient(
        "503 server overloaded".into(),
    )));
    h.llm.set_extraction("not json at all");
    let ana = contact("34612345678@c.us");

    h.say(
        &ana,
        "Hi, I'm interested. Write me at ana.lopez@example.com or call +34 699 123 456",
    )
    .await;

    assert_eq!(h.replies(&ana), vec![h.bot.fallback_message.to_string()]);
    let lead = h.store.find_lead(h.bot.id, &ana).await.unwrap().unwrap();
    assert_eq!(lead.fields.email.unwrap().as_str(), "ana.lopez@example.com");
    assert_eq!(lead.fields.phone.unwrap().as_str(), "+34699123456");
}

#[tokio::test]
async fn an_llm_timeout_sends_the_fallback_and_still_saves_the_email() {
    let mut h = Harness::new().await;
    h.bot.llm.timeout_ms = 100;
    h.start().await;
    h.llm
        .push(Scripted::Slow(Duration::from_secs(5), "too late".into()));
    let ana = contact("34612345678@c.us");

    h.say(&ana, "my email is ana@example.com").await;

    assert_eq!(h.replies(&ana), vec![h.bot.fallback_message.to_string()]);
    let lead = h.store.find_lead(h.bot.id, &ana).await.unwrap().unwrap();
    assert_eq!(lead.fields.email.unwrap().as_str(), "ana@example.com");
}

#[tokio::test]
async fn a_taken_over_conversation_gets_no_bot_reply_until_released() {
    let h = Harness::new().await;
    h.start().await;
    let agent = h.add_agent("sam@acme.test").await;
    let ana = contact("34612345678@c.us");
    h.say(&ana, "Hello").await;
    let lead = h.store.find_lead(h.bot.id, &ana).await.unwrap().unwrap();

    let taken = h.engine.take_over(lead.id, agent).await.unwrap();
    assert_eq!(taken.handler, Handler::Agent(agent));
    h.say(&ana, "Are you a robot?").await;
    assert_eq!(
        h.replies(&ana).len(),
        1,
        "the bot stays silent while a human has the chat"
    );

    h.engine
        .reply_as_agent(lead.id, agent, "Hi Ana, Sam here from Acme.")
        .await
        .unwrap();
    assert_eq!(
        h.replies(&ana).last().unwrap(),
        "Hi Ana, Sam here from Acme."
    );

    h.engine.release(lead.id).await.unwrap();
    h.say(&ana, "Thanks Sam").await;
    let replies = h.replies(&ana);
    assert_eq!(replies.len(), 3);
    assert!(
        replies[2].starts_with("Got it"),
        "the bot answers again: {replies:?}"
    );
}

#[tokio::test]
async fn media_messages_are_stored_and_not_answered() {
    let h = Harness::new().await;
    h.start().await;
    let ana = contact("34612345678@c.us");
    let outcome = h
        .engine
        .handle(
            h.bot.id,
            InboundMessage {
                provider_message_id: "img-1".into(),
                from: ana.clone(),
                display_name: None,
                body: "my roof".into(),
                kind: InboundKind::Media("image".into()),
                sent_at: Utc::now(),
            },
        )
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::StoredOnly);
    assert!(h.replies(&ana).is_empty());
    let lead = h.store.find_lead(h.bot.id, &ana).await.unwrap().unwrap();
    let stored = h.store.recent_messages(lead.id, 10).await.unwrap();
    assert_eq!(stored[0].body, "[image] my roof");
    assert_eq!(lead.status, LeadStatus::Capturing);
}

#[tokio::test]
async fn the_prompt_carries_history_and_missing_fields() {
    let h = Harness::new().await;
    h.start().await;
    let ana = contact("34612345678@c.us");
    h.say(&ana, "Hello there").await;
    h.say(&ana, "My name is Ana").await;

    let replies: Vec<ChatRequest> = h
        .llm
        .requests()
        .into_iter()
        .filter(|r| !r.json_mode)
        .collect();
    let last = replies.last().unwrap();
    let system = &last.messages[0].content;
    assert!(system.starts_with("You are the assistant of Acme Solar"));
    assert!(system.contains("Still missing: email, phone"), "{system}");
    let bodies: Vec<&str> = last.messages[1..]
        .iter()
        .map(|m| m.content.as_str())
        .collect();
    assert_eq!(bodies.first(), Some(&"Hello there"));
    assert_eq!(bodies.last(), Some(&"My name is Ana"));
}

/// A WhatsApp Cloud number whose customer last wrote more than 24 hours ago: every free-form
/// message is refused for good.
struct OutsideServiceWindow;

const OUTSIDE_WINDOW: &str =
    "outside the 24-hour customer service window: a template message is required";

#[async_trait]
impl MessagingTransport for OutsideServiceWindow {
    async fn run(&self, _events: EventSink) -> Result<(), TransportError> {
        std::future::pending().await
    }
    async fn send_text(&self, _: &ContactId, _: &str) -> Result<SentMessage, TransportError> {
        Err(TransportError::Rejected(OUTSIDE_WINDOW.into()))
    }
    async fn stop(&self) {}
}

#[tokio::test]
async fn a_refused_reply_is_stored_as_failed_with_the_providers_reason() {
    let h = Harness::new().await;
    let transports = TransportRegistry::new();
    transports.insert(h.bot.id, Arc::new(OutsideServiceWindow));
    let bus = Arc::new(BroadcastBus::default());
    let mut events = bus.subscribe();
    let engine = Engine::new(
        EngineDeps {
            store: h.store.clone(),
            llm: Arc::new(SharedLlm(Arc::new(JitteryEcho))),
            bus: bus.clone(),
            clock: Arc::new(SystemClock),
            transports,
        },
        EngineConfig {
            pacing: false,
            llm_extraction: false,
            ..EngineConfig::default()
        },
    );
    let ana = contact("34612345678@c.us");

    let outcome = engine
        .handle(
            h.bot.id,
            InboundMessage {
                provider_message_id: "wamid.late".into(),
                from: ana.clone(),
                display_name: None,
                body: "Are you still there?".into(),
                kind: InboundKind::Text,
                sent_at: Utc::now(),
            },
        )
        .await;

    assert!(
        matches!(outcome, Err(Error::Transport(TransportError::Rejected(_)))),
        "got {outcome:?}"
    );
    let lead = h.store.find_lead(h.bot.id, &ana).await.unwrap().unwrap();
    let stored = h.store.recent_messages(lead.id, 10).await.unwrap();
    let reply = stored.last().unwrap();
    assert_eq!(reply.direction, Direction::Outbound);
    assert_eq!(reply.delivery, DeliveryStatus::Failed);
    assert_eq!(reply.error, Some(format!("rejected: {OUTSIDE_WINDOW}")));
    assert_eq!(stored[0].error, None);
    let published = drain(&mut events)
        .into_iter()
        .filter_map(|e| match e {
            DomainEvent::Message { message, .. } if message.id == reply.id => Some(message),
            _ => None,
        })
        .next_back();
    assert_eq!(published.as_ref(), Some(reply));
}
