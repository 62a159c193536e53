//! The messaging-transport port: one WhatsApp session (or a sandbox standing in for one).

use std::{
    fmt,
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tokio::sync::{mpsc, oneshot};

use crate::{
    domain::{Bot, ContactId, DeliveryStatus},
    error::TransportError,
};

/// What kind of content an inbound message carries. Only text is answered; the rest is stored
/// and reported so nothing is dropped silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum InboundKind {
    /// Plain text.
    Text,
    /// Image, audio, video, document, sticker… (the detail names which).
    Media(String),
    /// A message in a group chat.
    Group,
    /// Anything else the network sent (the detail names it).
    Other(String),
}

/// A message a customer sent to the bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundMessage {
    /// The network's message id; used to drop re-deliveries.
    pub provider_message_id: String,
    /// The sender.
    pub from: ContactId,
    /// The sender's profile name, if the network tells it.
    pub display_name: Option<String>,
    /// The text (or caption, or a description of non-text content).
    pub body: String,
    /// What the message carries.
    pub kind: InboundKind,
    /// When the network says it was sent.
    pub sent_at: DateTime<Utc>,
}

/// Tells a transport when the engine has durably stored an inbound message, so it can
/// acknowledge it to the network only then (a webhook answers 200 after the commit, and a
/// failure makes the network retry instead of losing the message).
///
/// It carries no data: it serializes as nothing and compares equal to every receipt.
#[derive(Clone, Default)]
pub struct StoredReceipt(Arc<Mutex<Option<ReceiptSender>>>);

/// The answering side of a [`StoredReceipt`]: `Ok` once stored, `Err` with the reason.
type ReceiptSender = oneshot::Sender<Result<(), String>>;

impl StoredReceipt {
    /// A receipt and the receiver that resolves when the message is stored (`Ok`) or could not
    /// be (`Err` with the reason; also when the receipt is dropped unanswered).
    pub fn new() -> (Self, oneshot::Receiver<Result<(), String>>) {
        let (tx, rx) = oneshot::channel();
        (Self(Arc::new(Mutex::new(Some(tx)))), rx)
    }

    /// Answers the receipt (only the first answer counts).
    pub fn confirm(&self, outcome: Result<(), String>) {
        if let Some(tx) = self.0.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = tx.send(outcome);
        }
    }
}

impl fmt::Debug for StoredReceipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoredReceipt")
    }
}

impl PartialEq for StoredReceipt {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for StoredReceipt {}

impl Serialize for StoredReceipt {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit()
    }
}

impl<'de> Deserialize<'de> for StoredReceipt {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        <()>::deserialize(deserializer)?;
        Ok(Self::default())
    }
}

/// Why a session ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", content = "detail", rename_all = "snake_case")]
pub enum DisconnectReason {
    /// The phone logged the session out; a new QR is needed.
    Logout,
    /// The session was opened elsewhere.
    Conflict,
    /// The browser or process crashed.
    Crash(String),
    /// Pairing or connecting took too long.
    Timeout,
    /// The network connection dropped.
    Network(String),
    /// The transport was stopped on purpose.
    Stopped,
}

/// Something that happened in a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TransportEvent {
    /// A QR code to scan (the payload to encode); a new one replaces the previous.
    Qr {
        /// The QR payload.
        code: String,
    },
    /// A pairing code to type on the phone instead of scanning.
    PairingCode {
        /// The 8-character code.
        code: String,
    },
    /// The phone accepted the pairing; the session is syncing.
    Authenticated,
    /// Connected and able to send and receive.
    Ready {
        /// The account's own number, when known.
        account: Option<String>,
    },
    /// A customer wrote.
    Inbound(InboundMessage),
    /// A customer wrote, and the transport waits for `stored` before acknowledging the message
    /// to the network.
    InboundConfirmed {
        /// The message.
        message: InboundMessage,
        /// Answered once the message is durably stored (or could not be).
        stored: StoredReceipt,
    },
    /// Delivery progress of a message the bot sent.
    Ack {
        /// The network's id of the sent message.
        provider_message_id: String,
        /// The new status.
        status: DeliveryStatus,
    },
    /// The session dropped.
    Disconnected {
        /// Why.
        reason: DisconnectReason,
    },
}

/// The result of a successful send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentMessage {
    /// The network's id of the message, used to match acks.
    pub provider_message_id: String,
}

/// Sends events from a running transport to its supervisor.
pub type EventSink = mpsc::Sender<TransportEvent>;

/// One messaging session.
///
/// [`run`](Self::run) drives the session and pushes [`TransportEvent`]s into the sink until the
/// session is stopped (`Ok`) or fails (`Err`, and the supervisor restarts it with backoff). The
/// other methods may be called concurrently while `run` is active.
#[async_trait]
pub trait MessagingTransport: Send + Sync {
    /// Runs the session until [`stop`](Self::stop) is called or it fails.
    async fn run(&self, events: EventSink) -> Result<(), TransportError>;

    /// Sends a text message to a contact.
    async fn send_text(&self, to: &ContactId, body: &str) -> Result<SentMessage, TransportError>;

    /// Shows or clears "typing…" in the contact's chat. The default does nothing.
    async fn set_typing(&self, _to: &ContactId, _typing: bool) -> Result<(), TransportError> {
        Ok(())
    }

    /// Marks the contact's messages as read. The default does nothing.
    async fn mark_read(
        &self,
        _to: &ContactId,
        _provider_message_id: &str,
    ) -> Result<(), TransportError> {
        Ok(())
    }

    /// Asks the running session to end; `run` then returns `Ok(())`.
    async fn stop(&self);
}

/// Builds the transport for a bot from its [`TransportConfig`](crate::domain::TransportConfig).
pub trait TransportFactory: Send + Sync {
    /// A new, not yet running transport for `bot`.
    fn create(&self, bot: &Bot) -> Result<Arc<dyn MessagingTransport>, TransportError>;
}
