//! The WhatsApp Business Cloud API transport, tested at the wire: a local fake Graph API
//! ([`fake_graph::FakeGraph`]) and signed webhook posts built from the documented payloads.

mod e2e;
pub(crate) mod fake_graph;
mod guard;
mod sending;
pub(crate) mod stack;
mod webhook;

use std::{sync::Arc, time::Duration};

use tokio::sync::mpsc;
use wabot_core::{
    domain::ContactId,
    ports::{MessagingTransport, TransportEvent},
};
use wabot_whatsapp::cloud::{CloudConfig, CloudTransport, CloudWebhook, RetryPolicy};

use self::fake_graph::{
    ACCESS_TOKEN, API_VERSION, APP_SECRET, FakeGraph, PHONE_NUMBER_ID, VERIFY_TOKEN,
};

/// How long a test waits for something that should happen at once.
pub(crate) const WAIT: Duration = Duration::from_secs(10);

/// Logs to the test output when `TEST_LOG=1`.
pub(crate) fn init_logs() {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("debug")
            .with_test_writer()
            .try_init();
    }
}

/// A configuration pointing at `graph`, retrying fast.
pub(crate) fn config(graph: &FakeGraph) -> CloudConfig {
    let mut config = CloudConfig::new(
        PHONE_NUMBER_ID,
        ACCESS_TOKEN.into(),
        APP_SECRET.into(),
        VERIFY_TOKEN.into(),
    );
    config.graph_base_url = graph.base_url();
    config.api_version = API_VERSION.into();
    config.retry = RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
    };
    config
}

pub(crate) fn contact(id: &str) -> ContactId {
    ContactId::parse(id).unwrap()
}

/// Plays the engine's part for receipts: answers every `InboundConfirmed` with `answer` (as if
/// the message had been stored, or failed to be) and passes it on as a plain `Inbound`.
pub(crate) fn confirm_as_stored(
    mut raw: mpsc::Receiver<TransportEvent>,
    answer: Result<(), String>,
) -> mpsc::Receiver<TransportEvent> {
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        while let Some(event) = raw.recv().await {
            let event = match event {
                TransportEvent::InboundConfirmed { message, stored } => {
                    // Passed on before answering, so it is visible once `handle` returns.
                    let sent = tx.send(TransportEvent::Inbound(message)).await;
                    stored.confirm(answer.clone());
                    if sent.is_err() {
                        return;
                    }
                    continue;
                }
                other => other,
            };
            if tx.send(event).await.is_err() {
                return;
            }
        }
    });
    rx
}

/// A running transport and the events it emits.
pub(crate) struct Session {
    pub(crate) transport: Arc<CloudTransport>,
    pub(crate) webhook: CloudWebhook,
    pub(crate) events: mpsc::Receiver<TransportEvent>,
    run: tokio::task::JoinHandle<Result<(), wabot_core::TransportError>>,
}

impl Session {
    /// Starts a transport for `config` and waits for `Ready`.
    pub(crate) async fn start(config: CloudConfig) -> Self {
        init_logs();
        let transport = Arc::new(CloudTransport::new(config).unwrap());
        let (sink, raw) = mpsc::channel(64);
        let run = tokio::spawn({
            let transport = transport.clone();
            async move { transport.run(sink).await }
        });
        let mut events = confirm_as_stored(raw, Ok(()));
        let first = tokio::time::timeout(WAIT, events.recv())
            .await
            .expect("the session starts")
            .expect("an event");
        assert!(matches!(first, TransportEvent::Ready { .. }), "{first:?}");
        Self {
            webhook: transport.webhook(),
            transport,
            events,
            run,
        }
    }

    /// Everything emitted so far (waits briefly for in-flight events).
    pub(crate) async fn drain(&mut self) -> Vec<TransportEvent> {
        let mut out = Vec::new();
        while let Ok(Some(event)) =
            tokio::time::timeout(Duration::from_millis(50), self.events.recv()).await
        {
            out.push(event);
        }
        out
    }

    /// Stops the session; `run` must return `Ok`.
    pub(crate) async fn stop(self) {
        self.transport.stop().await;
        tokio::time::timeout(WAIT, self.run)
            .await
            .expect("run returns after stop")
            .unwrap()
            .unwrap();
    }
}
