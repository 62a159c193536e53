//! The `native` engine: the WhatsApp Web multi-device protocol spoken directly by
//! [whatsapp-rust](https://crates.io/crates/whatsapp-rust) (Noise handshake, Signal sessions,
//! binary nodes) — no browser, about a megabyte per session instead of a Chromium.
//!
//! - [`store`]: the crate's storage `Backend` over wabot's
//!   [`SessionKeyStore`](wabot_core::ports::SessionKeyStore), values sealed with a
//!   [`KeyCipher`], so the session lives in the bot's own database.
//! - [`events`]: the crate's events reduced and mapped to wabot's transport events.
//! - [`transport`]: [`NativeTransport`], the `MessagingTransport`.
//! - [`factory`]: [`NativeTransportFactory`], one transport per `native` bot.
//!
//! Like the web engine this is an unofficial client: WhatsApp may ban numbers that behave like
//! bots; pace replies.

pub mod events;
pub mod factory;
mod pacing;
pub mod store;
pub mod transport;

pub use factory::NativeTransportFactory;
pub use store::{KeyCipher, PlaintextKeys, SessionBackend};
pub use transport::{NativeConfig, NativeNetwork, NativeTransport, WhatsAppNetwork};
