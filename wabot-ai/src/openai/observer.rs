//! [`LlmObserver`]: one callback per chat call, for metrics.

use std::{fmt, time::Duration};

use wabot_core::{
    LlmError,
    ports::{ChatPurpose, TokenUsage},
};

/// The kind of a failed call, as a metrics label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No answer within the attempt timeout or the deadline ([`LlmError::Timeout`]).
    Timeout,
    /// Connection error, 429 or 5xx, still failing after the retries ([`LlmError::Transient`]).
    Transient,
    /// Rejected for good: bad key, no balance, bad parameters ([`LlmError::Permanent`]).
    Permanent,
    /// The answer could not be understood ([`LlmError::Malformed`]).
    Malformed,
}

impl ErrorKind {
    /// The kind of `error`.
    pub fn of(error: &LlmError) -> Self {
        match error {
            LlmError::Timeout(_) => Self::Timeout,
            LlmError::Transient(_) => Self::Transient,
            LlmError::Malformed(_) => Self::Malformed,
            // `Permanent` and any variant added later.
            _ => Self::Permanent,
        }
    }

    /// A short lowercase name for labels and logs: `timeout`, `transient`, `permanent`,
    /// `malformed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Transient => "transient",
            Self::Permanent => "permanent",
            Self::Malformed => "malformed",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened during one [`LlmClient::chat`](wabot_core::ports::LlmClient::chat) call,
/// retries included.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CallRecord {
    /// The model asked.
    pub model: String,
    /// What the request was for (reply or extraction).
    pub purpose: ChatPurpose,
    /// Time from the call to its result, waits between retries included.
    pub latency: Duration,
    /// HTTP attempts made (1 when the first one settled it).
    pub attempts: u32,
    /// HTTP status of the last response, if one came.
    pub status: Option<u16>,
    /// Token usage of a successful call.
    pub usage: Option<TokenUsage>,
    /// Why the call failed; `None` on success.
    pub error: Option<ErrorKind>,
}

impl CallRecord {
    /// Whether the call returned an answer.
    pub fn is_success(&self) -> bool {
        self.error.is_none()
    }
}

/// Receives a [`CallRecord`] after every chat call; the server implements it to export
/// Prometheus metrics (calls by model and outcome, latency histogram, tokens).
///
/// It runs inline on the caller's task: keep it quick and non-blocking. Closures
/// `Fn(&CallRecord)` are observers too:
///
/// ```
/// use std::sync::{
///     Arc,
///     atomic::{AtomicU32, Ordering},
/// };
///
/// use wabot_ai::openai::{CallRecord, ChatClient, OpenAiConfig};
///
/// let failures = Arc::new(AtomicU32::new(0));
/// let counter = failures.clone();
/// let client = ChatClient::new(OpenAiConfig::deepseek("sk-..."))?.with_observer(
///     move |record: &CallRecord| {
///         if !record.is_success() {
///             counter.fetch_add(1, Ordering::Relaxed);
///         }
///     },
/// );
/// # Ok::<(), wabot_core::LlmError>(())
/// ```
pub trait LlmObserver: Send + Sync {
    /// Called once per chat call, after the last attempt.
    fn on_call(&self, record: &CallRecord);
}

/// The default observer: does nothing (the client still emits `tracing` events).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoopObserver;

impl LlmObserver for NoopObserver {
    fn on_call(&self, _record: &CallRecord) {}
}

impl<F> LlmObserver for F
where
    F: Fn(&CallRecord) + Send + Sync,
{
    fn on_call(&self, record: &CallRecord) {
        self(record)
    }
}
