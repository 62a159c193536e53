//! Messages of a conversation.

use std::{fmt, str::FromStr};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    error::ValidationError,
    ids::{BotId, LeadId, MessageId, UserId},
};

/// Largest message body accepted, in characters (WhatsApp allows 65,536; the Cloud API 4,096 for
/// outgoing text).
pub const MAX_BODY_CHARS: usize = 65_536;

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the customer.
    Inbound,
    /// To the customer.
    Outbound,
}

impl Direction {
    /// The stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::Outbound => "outbound",
        }
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "user", rename_all = "snake_case")]
pub enum Sender {
    /// The customer.
    Contact,
    /// The bot (LLM reply, fallback or away message).
    Bot,
    /// A human agent from the dashboard.
    Agent(UserId),
}

/// Delivery progress of a message, as acknowledged by the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Sending failed for good.
    Failed,
    /// Stored, not yet accepted by the network.
    Pending,
    /// Accepted by the server (one tick).
    Sent,
    /// Delivered to the device (two ticks).
    Delivered,
    /// Read by the recipient (blue ticks).
    Read,
    /// An inbound message we received.
    Received,
}

impl DeliveryStatus {
    /// Every status.
    pub const ALL: [DeliveryStatus; 6] = [
        Self::Failed,
        Self::Pending,
        Self::Sent,
        Self::Delivered,
        Self::Read,
        Self::Received,
    ];

    /// The stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Failed => "failed",
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Received => "received",
        }
    }

    /// Whether moving from `self` to `next` is progress. Acks arrive out of order and repeated;
    /// a late "sent" must not undo "read". Failure replaces only pending/sent.
    pub fn advances_to(self, next: DeliveryStatus) -> bool {
        use DeliveryStatus::*;
        match (self, next) {
            (Received, _) | (_, Received) => false,
            (Failed, _) => false,
            (Pending | Sent, Failed) => true,
            (_, Failed) => false,
            (a, b) => b > a,
        }
    }
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DeliveryStatus {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                ValidationError::new("delivery", format!("unknown delivery status `{s}`"))
            })
    }
}

/// What the engine has done with a stored inbound message. Persisted with the message so a
/// crash between storing a message (and acknowledging it to the network) and answering it is
/// found at the next start: see `Engine::recover` and ARCHITECTURE.md, "Crash recovery".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboundHandling {
    /// Stored, not yet answered: the engine still has to process it.
    Pending,
    /// Processed: answered, or deliberately not answered (media, a human has the chat, auto
    /// response off, outside working hours).
    Done,
    /// Not answered automatically because it waited too long (a crash came in between): an
    /// agent is asked to answer (the lead's `unanswered_since`).
    Flagged,
}

impl InboundHandling {
    /// Every value.
    pub const ALL: [InboundHandling; 3] = [Self::Pending, Self::Done, Self::Flagged];

    /// The stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Done => "done",
            Self::Flagged => "flagged",
        }
    }
}

impl FromStr for InboundHandling {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| ValidationError::new("handling", format!("unknown handling `{s}`")))
    }
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Identifier.
    pub id: MessageId,
    /// The bot of the conversation.
    pub bot_id: BotId,
    /// The conversation (lead) it belongs to.
    pub lead_id: LeadId,
    /// Inbound or outbound.
    pub direction: Direction,
    /// Who wrote it.
    pub sender: Sender,
    /// The text.
    pub body: String,
    /// The network's id (WhatsApp `wamid…`, web `true_…`), used to dedupe and to match acks.
    pub provider_message_id: Option<String>,
    /// Delivery progress.
    pub delivery: DeliveryStatus,
    /// Why sending failed, for a person to read (the transport's error, e.g. "rejected: outside
    /// the 24-hour customer service window: a template message is required"); `None` unless
    /// the message is [`Failed`](DeliveryStatus::Failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}
