//! Integrator access: API tokens and outgoing webhooks with their delivery outbox.

use std::{fmt, str::FromStr};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Role, text::text_type};
use crate::{
    error::ValidationError,
    ids::{UserId, WorkspaceId},
};

text_type!(
    /// A human label for a token or webhook (1–80 characters).
    Label, "name", 1, 80
);

/// An API token for integrators, scoped to one workspace. Only a hash of the secret is stored;
/// the secret is shown once, at creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    /// Identifier.
    pub id: Uuid,
    /// The workspace the token acts in.
    pub workspace_id: WorkspaceId,
    /// Label.
    pub name: Label,
    /// The first characters of the secret, to recognise it in lists.
    pub prefix: String,
    /// Hash of the secret (hex SHA-256 of the full token).
    pub hash: String,
    /// What the token may do (a token never has more rights than its creator).
    pub role: Role,
    /// Who created it.
    pub created_by: Option<UserId>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last used.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked (a revoked token is refused).
    pub revoked_at: Option<DateTime<Utc>>,
}

/// An outgoing webhook: events of a workspace POSTed to a URL, signed with a shared secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    /// Identifier.
    pub id: Uuid,
    /// Owning workspace.
    pub workspace_id: WorkspaceId,
    /// Where to POST (http or https).
    pub url: String,
    /// Event names delivered (`lead.qualified`, …); empty means all.
    pub events: Vec<String>,
    /// The signing secret, encrypted by the host (opaque to the store).
    pub secret_ciphertext: Vec<u8>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl Webhook {
    /// Whether this webhook wants `event`.
    pub fn wants(&self, event: &str) -> bool {
        self.events.is_empty() || self.events.iter().any(|e| e == event)
    }
}

/// Where a webhook delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for its (next) attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Gave up after the last retry.
    Failed,
}

impl DeliveryState {
    /// The stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }
}

impl fmt::Display for DeliveryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DeliveryState {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(Self::Pending),
            "delivered" => Ok(Self::Delivered),
            "failed" => Ok(Self::Failed),
            _ => Err(ValidationError::new(
                "state",
                format!("unknown delivery state `{s}`"),
            )),
        }
    }
}

/// One event to deliver to one webhook (the persistent outbox: a restart loses nothing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDelivery {
    /// Identifier.
    pub id: Uuid,
    /// The webhook.
    pub webhook_id: Uuid,
    /// Event name.
    pub event: String,
    /// The exact JSON body to POST.
    pub payload: String,
    /// State.
    pub state: DeliveryState,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due (also the lease: a claimed delivery is pushed forward).
    pub next_attempt_at: DateTime<Utc>,
    /// HTTP status of the last attempt.
    pub last_status: Option<u16>,
    /// Error of the last attempt.
    pub last_error: Option<String>,
    /// When it was enqueued.
    pub created_at: DateTime<Utc>,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
}
