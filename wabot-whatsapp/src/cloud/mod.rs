//! The official WhatsApp Business Cloud API transport.
//!
//! - [`CloudTransport`] implements [`MessagingTransport`](wabot_core::ports::MessagingTransport)
//!   for one business number: replies, read receipts and typing indicators go out through the
//!   Graph API (`POST {base}/{version}/{phone_number_id}/messages`, bearer token), spaced by a
//!   per-number rate limiter and retried on throttling; inbound messages and delivery statuses
//!   come in through its [`CloudWebhook`].
//! - [`CloudWebhook`] is framework-agnostic: the host mounts it under the bot's path, answers
//!   `GET` with [`CloudWebhook::verify`] and `POST` with [`CloudWebhook::handle`], and maps
//!   [`WebhookError::http_status`] (403 / 401 / 400 / 503) to the response.
//! - [`CloudTransportFactory`] builds transports for bots configured with
//!   [`TransportConfig::Cloud`](wabot_core::domain::TransportConfig::Cloud), taking secrets from
//!   a host-provided [`CloudSecrets`], and finds a bot's webhook.
//! - [`testing`] builds and signs the documented webhook payloads.
//!
//! Errors from the Graph API map to [`TransportError`](wabot_core::TransportError):
//! throttling (130429, 131056, 131048, 80007, 4), HTTP 429 and 5xx are transient
//! (`Unavailable`, retried here with backoff); 131047 is `Rejected` with
//! [`OUTSIDE_SERVICE_WINDOW`]; token errors (190) are `Config` saying what to do; other client
//! errors are `Rejected` with Graph's message. Secrets never appear in logs, errors or `Debug`.

mod config;
mod factory;
mod graph;
mod graph_error;
mod payload;
mod recent;
pub mod testing;
mod transport;
mod webhook;

pub use config::{
    CloudConfig, DEFAULT_API_VERSION, DEFAULT_GRAPH_BASE_URL, DEFAULT_RATE_LIMIT_PER_SECOND,
    MAX_TEXT_CHARS, RetryPolicy,
};
pub use factory::{CloudCredentials, CloudSecrets, CloudTransportFactory};
pub use graph_error::OUTSIDE_SERVICE_WINDOW;
pub use transport::CloudTransport;
pub use webhook::{CloudWebhook, SIGNATURE_HEADER, WebhookError, WebhookOutcome};
