use std::sync::Arc;
use wabot::core::ports::EventBus as _;

use async_trait::async_trait;
use wabot::core::{
    TransportError,
    domain::{Bot, BotName, BotStatus, ContactId, Prompt},
    memory::SandboxHub,
    ports::{DomainEvent, EventSink, MessagingTransport, SentMessage, TransportFactory},
    supervisor::Supervisor,
};

use crate::harness::{Harness, contact, fast_backoff, wait_for};

fn statuses(events: &[DomainEvent], bot: wabot::core::ids::BotId) -> Vec<BotStatus> {
    events
        .iter()
        .filter_map(|e| match e {
            DomainEvent::BotStatus { bot_id, status, .. } if *bot_id == bot => Some(*status),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn the_supervisor_restarts_a_failing_transport_and_reports_each_status() {
    let h = Harness::new().await;
    h.sandbox().fail_next_runs(2);
    let mut events = h.bus.subscribe();

    h.supervisor.start_bot(h.bot.clone()).await;
    let mut seen = Vec::new();
    loop {
        let e = wait_for(&mut events, |e| matches!(e, DomainEvent::BotStatus { .. })).await;
        let ready = matches!(
            &e,
            DomainEvent::BotStatus {
                status: BotStatus::Ready,
                ..
            }
        );
        seen.push(e);
        if ready {
            break;
        }
    }

    use BotStatus::*;
    assert_eq!(
        statuses(&seen, h.bot.id),
        vec![Starting, Failed, Starting, Failed, Starting, Ready]
    );
    let DomainEvent::BotStatus { detail, .. } = &seen[1] else {
        unreachable!()
    };
    assert!(
        detail
            .as_deref()
            .unwrap()
            .contains("injected session failure")
    );
    assert_eq!(
        h.store.get_bot(h.bot.id).await.unwrap().unwrap().status,
        Ready
    );

    h.supervisor.stop_bot(h.bot.id).await;
    assert_eq!(
        h.store.get_bot(h.bot.id).await.unwrap().unwrap().status,
        Stopped
    );
    assert!(!h.supervisor.is_running(h.bot.id));
}

/// A transport whose session panics at once.
struct Panicking;

#[async_trait]
impl MessagingTransport for Panicking {
    async fn run(&self, _events: EventSink) -> Result<(), TransportError> {
        panic!("simulated crash inside a transport");
    }
    async fn send_text(&self, _: &ContactId, _: &str) -> Result<SentMessage, TransportError> {
        Err(TransportError::Closed)
    }
    async fn stop(&self) {}
}

/// Sandbox for every bot but the one named "Crashy".
struct MixedFactory(Arc<SandboxHub>);

impl TransportFactory for MixedFactory {
    fn create(&self, bot: &Bot) -> Result<Arc<dyn MessagingTransport>, TransportError> {
        if bot.name.as_str() == "Crashy" {
            Ok(Arc::new(Panicking))
        } else {
            self.0.create(bot)
        }
    }
}

#[tokio::test]
async fn a_panicking_bot_does_not_disturb_the_others() {
    let h = Harness::new().await;
    let supervisor = Supervisor::new(
        h.engine.clone(),
        Arc::new(MixedFactory(h.hub.clone())),
        fast_backoff(),
    );
    let mut crashy = Bot::new(
        h.workspace,
        BotName::parse("Crashy").unwrap(),
        Prompt::parse("crash").unwrap(),
        chrono::Utc::now(),
    );
    crashy.enabled = true;
    h.store.create_bot(&crashy).await.unwrap();
    let mut events = h.bus.subscribe();

    supervisor.start_bot(crashy.clone()).await;
    supervisor.start_bot(h.bot.clone()).await;
    wait_for(&mut events, |e| {
        matches!(e, DomainEvent::BotStatus { bot_id, status: BotStatus::Ready, .. } if *bot_id == h.bot.id)
    })
    .await;
    // Crashy keeps failing and being restarted…
    for _ in 0..3 {
        wait_for(&mut events, |e| {
            matches!(e, DomainEvent::BotStatus { bot_id, status: BotStatus::Failed, detail, .. }
                if *bot_id == crashy.id && detail.as_deref().is_some_and(|d| d.contains("panicked")))
        })
        .await;
    }
    // …while the healthy bot answers.
    let ana = contact("34612345678@c.us");
    h.say(&ana, "hello").await;
    assert_eq!(h.replies(&ana).len(), 1);
    assert!(supervisor.is_running(crashy.id));

    supervisor.shutdown().await;
    assert_eq!(supervisor.running_count(), 0);
}

#[tokio::test]
async fn a_misconfigured_transport_fails_once_with_the_reason() {
    let mut h = Harness::new().await;
    h.bot.transport = wabot::core::domain::TransportConfig::Cloud {
        phone_number_id: "123".into(),
        graph_base_url: None,
    };
    h.store.update_bot(&h.bot).await.unwrap();
    let mut events = h.bus.subscribe();
    h.supervisor.start_bot(h.bot.clone()).await;
    let failed = wait_for(&mut events, |e| {
        matches!(
            e,
            DomainEvent::BotStatus {
                status: BotStatus::Failed,
                ..
            }
        )
    })
    .await;
    let DomainEvent::BotStatus { detail, .. } = failed else {
        unreachable!()
    };
    assert!(detail.unwrap().contains("cloud"));
}

/// A sandbox whose network acks each message before the send call returns, as fast networks do.
struct EagerAcks(Arc<wabot::core::memory::SandboxTransport>);

#[async_trait]
impl MessagingTransport for EagerAcks {
    async fn run(&self, events: EventSink) -> Result<(), TransportError> {
        self.0.run(events).await
    }
    async fn send_text(&self, to: &ContactId, body: &str) -> Result<SentMessage, TransportError> {
        let sent = self.0.send_text(to, body).await?;
        self.0
            .ack(
                &sent.provider_message_id,
                wabot::core::domain::DeliveryStatus::Delivered,
            )
            .await?;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        Ok(sent)
    }
    async fn stop(&self) {
        self.0.stop().await
    }
}

struct EagerFactory(Arc<SandboxHub>);

impl TransportFactory for EagerFactory {
    fn create(&self, bot: &Bot) -> Result<Arc<dyn MessagingTransport>, TransportError> {
        Ok(Arc::new(EagerAcks(self.0.session(bot.id))))
    }
}

#[tokio::test]
async fn an_ack_that_arrives_before_the_send_is_recorded_is_not_lost() {
    let h = Harness::new().await;
    let supervisor = Supervisor::new(
        h.engine.clone(),
        Arc::new(EagerFactory(h.hub.clone())),
        fast_backoff(),
    );
    let mut events = h.bus.subscribe();
    supervisor.start_bot(h.bot.clone()).await;
    wait_for(&mut events, |e| {
        matches!(
            e,
            DomainEvent::BotStatus {
                status: BotStatus::Ready,
                ..
            }
        )
    })
    .await;
    let ana = contact("34612345678@c.us");

    h.say(&ana, "hello").await;
    wait_for(&mut events, |e| matches!(e, DomainEvent::Delivery { .. })).await;

    let lead = h.store.find_lead(h.bot.id, &ana).await.unwrap().unwrap();
    let messages = h.store.recent_messages(lead.id, 10).await.unwrap();
    assert_eq!(
        messages.last().unwrap().delivery,
        wabot::core::domain::DeliveryStatus::Delivered
    );
    supervisor.shutdown().await;
}
