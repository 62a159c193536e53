//! Outgoing webhooks: events of a workspace POSTed to integrators' URLs, signed with
//! HMAC-SHA256, delivered from a persistent outbox with retries.
//!
//! See [`signing`] for the wire format and how receivers verify a delivery, and [`Worker`] for
//! the delivery guarantees.

mod secret;
mod settings;
pub mod signing;
mod worker;

pub use secret::{generate_secret, open_secret, seal_secret};
pub use settings::WebhookSettings;
pub use worker::{WEBHOOK_EVENTS, Worker, spawn_worker, webhooks_changed};
