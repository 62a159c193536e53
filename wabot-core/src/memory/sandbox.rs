//! The sandbox transport: a WhatsApp session stand-in where a caller plays the customer and can
//! see everything the bot sent. The dashboard's chat simulator, the demo and the tests use it.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU32, AtomicU64, Ordering},
    },
};

use async_trait::async_trait;
use chrono::Utc;
use tokio::sync::{Notify, broadcast};

use crate::{
    domain::{Bot, ContactId, DeliveryStatus},
    error::TransportError,
    ids::BotId,
    ports::{
        EventSink, InboundKind, InboundMessage, MessagingTransport, SentMessage, TransportEvent,
        TransportFactory,
    },
};

/// Something the bot did in the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SandboxOutput {
    /// The bot sent a text.
    Text {
        /// To whom.
        to: ContactId,
        /// What.
        body: String,
        /// The id the sandbox gave it.
        provider_message_id: String,
    },
    /// The bot started or stopped typing.
    Typing {
        /// In whose chat.
        to: ContactId,
        /// Started (`true`) or stopped.
        on: bool,
    },
}

/// A sandbox session for one bot.
pub struct SandboxTransport {
    sink: Mutex<Option<EventSink>>,
    stop: Notify,
    outputs: Mutex<Vec<SandboxOutput>>,
    live: broadcast::Sender<SandboxOutput>,
    failures_left: AtomicU32,
    next_id: AtomicU64,
    record: bool,
}

impl Default for SandboxTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl SandboxTransport {
    /// A sandbox that records everything the bot does.
    pub fn new() -> Self {
        // Small: watchers (simulator, tests) read promptly, and every idle bot pays for the buffer.
        let (live, _) = broadcast::channel(32);
        Self {
            sink: Mutex::new(None),
            stop: Notify::new(),
            outputs: Mutex::new(Vec::new()),
            live,
            failures_left: AtomicU32::new(0),
            next_id: AtomicU64::new(1),
            record: true,
        }
    }

    /// A sandbox that keeps no history of outputs (benchmarks; live subscribers still see them).
    pub fn unrecorded() -> Self {
        Self {
            record: false,
            ..Self::new()
        }
    }

    /// Makes the next `n` runs fail at once, as a crashing session would.
    pub fn fail_next_runs(&self, n: u32) {
        self.failures_left.store(n, Ordering::SeqCst);
    }

    /// Whether a session is running (a customer message would be delivered).
    pub fn is_running(&self) -> bool {
        self.sink
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// The customer `from` writes `body`; returns the provider id given to the message.
    pub async fn customer_says(
        &self,
        from: &ContactId,
        body: &str,
    ) -> Result<String, TransportError> {
        let id = format!("sandbox-in-{}", uuid::Uuid::now_v7());
        self.deliver(InboundMessage {
            provider_message_id: id.clone(),
            from: from.clone(),
            display_name: None,
            body: body.to_string(),
            kind: InboundKind::Text,
            sent_at: Utc::now(),
        })
        .await?;
        Ok(id)
    }

    /// Delivers an inbound message as given (re-delivering the same one tests dedupe).
    pub async fn deliver(&self, message: InboundMessage) -> Result<(), TransportError> {
        self.emit(TransportEvent::Inbound(message)).await
    }

    /// Reports delivery progress of a message the bot sent.
    pub async fn ack(
        &self,
        provider_message_id: &str,
        status: DeliveryStatus,
    ) -> Result<(), TransportError> {
        self.emit(TransportEvent::Ack {
            provider_message_id: provider_message_id.to_string(),
            status,
        })
        .await
    }

    /// Emits any transport event into the running session.
    pub async fn emit(&self, event: TransportEvent) -> Result<(), TransportError> {
        let sink = self
            .sink
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| TransportError::NotConnected("the sandbox bot is not running".into()))?;
        sink.send(event).await.map_err(|_| TransportError::Closed)
    }

    /// Everything the bot did so far.
    pub fn outputs(&self) -> Vec<SandboxOutput> {
        self.outputs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The texts the bot sent to `to`, in order.
    pub fn texts_to(&self, to: &ContactId) -> Vec<String> {
        self.outputs()
            .into_iter()
            .filter_map(|o| match o {
                SandboxOutput::Text { to: t, body, .. } if &t == to => Some(body),
                _ => None,
            })
            .collect()
    }

    /// A live feed of what the bot does from now on.
    pub fn watch(&self) -> broadcast::Receiver<SandboxOutput> {
        self.live.subscribe()
    }

    fn output(&self, output: SandboxOutput) {
        if self.record {
            self.outputs
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(output.clone());
        }
        let _ = self.live.send(output);
    }
}

#[async_trait]
impl MessagingTransport for SandboxTransport {
    async fn run(&self, events: EventSink) -> Result<(), TransportError> {
        let failing = self
            .failures_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if failing {
            return Err(TransportError::Unavailable(
                "sandbox: injected session failure".into(),
            ));
        }
        let stopped = self.stop.notified();
        tokio::pin!(stopped);
        stopped.as_mut().enable();
        *self.sink.lock().unwrap_or_else(|p| p.into_inner()) = Some(events.clone());
        let _ = events
            .send(TransportEvent::Ready {
                account: Some("sandbox".into()),
            })
            .await;
        tokio::select! {
            _ = stopped => {}
            _ = events.closed() => {}
        }
        *self.sink.lock().unwrap_or_else(|p| p.into_inner()) = None;
        Ok(())
    }

    async fn send_text(&self, to: &ContactId, body: &str) -> Result<SentMessage, TransportError> {
        let provider_message_id = format!(
            "sandbox-out-{}",
            self.next_id.fetch_add(1, Ordering::Relaxed)
        );
        self.output(SandboxOutput::Text {
            to: to.clone(),
            body: body.to_string(),
            provider_message_id: provider_message_id.clone(),
        });
        Ok(SentMessage {
            provider_message_id,
        })
    }

    async fn set_typing(&self, to: &ContactId, typing: bool) -> Result<(), TransportError> {
        self.output(SandboxOutput::Typing {
            to: to.clone(),
            on: typing,
        });
        Ok(())
    }

    async fn stop(&self) {
        self.stop.notify_waiters();
    }
}

/// Builds sandbox transports and keeps one per bot, so a caller (the chat simulator, a test)
/// can find the bot's sandbox and it survives supervisor restarts.
#[derive(Default)]
pub struct SandboxHub {
    sessions: Mutex<HashMap<BotId, Arc<SandboxTransport>>>,
    record: bool,
}

impl SandboxHub {
    /// A hub whose sandboxes record what bots send.
    pub fn new() -> Self {
        Self {
            sessions: Mutex::new(HashMap::new()),
            record: true,
        }
    }

    /// A hub whose sandboxes keep no history (benchmarks).
    pub fn unrecorded() -> Self {
        Self {
            sessions: Mutex::new(HashMap::new()),
            record: false,
        }
    }

    /// The sandbox of `bot`, created on first use.
    pub fn session(&self, bot: BotId) -> Arc<SandboxTransport> {
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(bot)
            .or_insert_with(|| {
                Arc::new(if self.record {
                    SandboxTransport::new()
                } else {
                    SandboxTransport::unrecorded()
                })
            })
            .clone()
    }
}

impl TransportFactory for SandboxHub {
    fn create(&self, bot: &Bot) -> Result<Arc<dyn MessagingTransport>, TransportError> {
        match bot.transport {
            crate::domain::TransportConfig::Sandbox => Ok(self.session(bot.id)),
            ref other => Err(TransportError::Config(format!(
                "this host only runs sandbox bots; bot {} wants `{}`",
                bot.id,
                other.kind()
            ))),
        }
    }
}
