//! Errors of wabot-core.

use std::fmt;

use crate::ids::{BotId, LeadId, ScheduleId};

/// A value from outside (HTTP, WhatsApp, LLM output, config) was rejected: names the field and
/// says what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    /// The offending field, e.g. `email` or `working_hours.time_zone`.
    pub field: &'static str,
    /// What is wrong and what would be accepted.
    pub message: String,
}

impl ValidationError {
    /// A validation error for `field`.
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// The one error type of wabot-core and of every port implementation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input was rejected; nothing was changed.
    #[error("invalid input: {0}")]
    Validation(#[from] ValidationError),
    /// The bot does not exist (or belongs to another workspace).
    #[error("bot {0} not found")]
    BotNotFound(BotId),
    /// The lead does not exist (or belongs to another workspace).
    #[error("lead {0} not found")]
    LeadNotFound(LeadId),
    /// The schedule does not exist.
    #[error("schedule {0} not found")]
    ScheduleNotFound(ScheduleId),
    /// Some other record does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The record exists but the change conflicts with its current state.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The storage backend failed. `transient` says whether retrying may help (busy database,
    /// lost connection) or not (schema mismatch, full disk).
    #[error("storage error: {message}")]
    Storage {
        /// What failed, with enough context to act on it.
        message: String,
        /// Whether retrying may succeed.
        transient: bool,
    },
    /// The messaging transport (WhatsApp session) failed.
    #[error("transport error: {0}")]
    Transport(#[from] TransportError),
    /// The language model failed.
    #[error("llm error: {0}")]
    Llm(#[from] LlmError),
    /// The component was shut down.
    #[error("shut down")]
    Shutdown,
    /// A bug: an invariant of wabot broke (e.g. message processing panicked). Not the caller's
    /// fault and not worth retrying; the log has the details — please report it.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// A storage error.
    pub fn storage(message: impl fmt::Display, transient: bool) -> Self {
        Self::Storage {
            message: message.to_string(),
            transient,
        }
    }

    /// Whether retrying the same operation may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Storage { transient, .. } => *transient,
            Self::Transport(e) => e.is_transient(),
            Self::Llm(e) => e.is_transient(),
            _ => false,
        }
    }
}

/// Why a messaging transport failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// Temporary trouble (network, browser restarting, rate limit); retry later.
    #[error("temporarily unavailable: {0}")]
    Unavailable(String),
    /// The session is not connected (needs QR, logged out); retrying will not help until it is.
    #[error("not connected: {0}")]
    NotConnected(String),
    /// The provider rejected the request for good (bad number, outside the 24-hour window).
    #[error("rejected: {0}")]
    Rejected(String),
    /// The transport configuration is wrong (bad path, missing token).
    #[error("misconfigured: {0}")]
    Config(String),
    /// The transport was stopped.
    #[error("closed")]
    Closed,
}

impl TransportError {
    /// Whether retrying may help.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// Why a language-model call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LlmError {
    /// No answer within the deadline.
    #[error("timed out after {0} ms")]
    Timeout(u64),
    /// Temporary trouble (connection, 429, 5xx, overloaded); retrying later may succeed.
    #[error("temporarily unavailable: {0}")]
    Transient(String),
    /// The request can never succeed as is (bad key, no balance, bad parameters).
    #[error("rejected: {0}")]
    Permanent(String),
    /// The answer could not be understood (not JSON, missing fields, empty content).
    #[error("malformed response: {0}")]
    Malformed(String),
}

impl LlmError {
    /// Whether retrying may help.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Timeout(_) | Self::Transient(_))
    }
}

/// Result with the core [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
