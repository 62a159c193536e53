//! WhatsApp Web transport in headless Chromium.
//!
//! Each bot gets its own Chromium (Debian's `/usr/bin/chromium` by default) with its own
//! profile directory, so a paired session survives restarts. The adapter drives WhatsApp Web
//! through its internal modules, the way whatsapp-web.js does, with every module and member
//! name in one versioned [`MANIFEST`]:
//!
//! - page → Rust: one CDP binding (`Runtime.addBinding`) carrying JSON, which survives
//!   navigations;
//! - Rust → page: `Runtime.evaluate` of helpers injected with
//!   `Page.addScriptToEvaluateOnNewDocument` (`assets/inject.js`), so reloads keep them;
//! - ready when `window.Debug.VERSION` exists; a missing module is a
//!   [`WebError::MissingModule`] naming it, not a hang.
//!
//! ```no_run
//! use std::sync::Arc;
//! use wabot_whatsapp::web::{WebConfig, WebTransportFactory};
//!
//! let mut config = WebConfig::new("./data/chromium-profiles");
//! config.chromium_path = "/usr/bin/chromium".into();
//! let factory = Arc::new(WebTransportFactory::new(config));
//! // Supervisor::new(engine, factory, Backoff::default()) runs one session per `web` bot.
//! ```
//!
//! Tests and benchmarks run against [`FakeWhatsApp`], served at `https://web.whatsapp.com/` by
//! request interception, with a real Chromium and no network.

mod browser;
mod config;
mod error;
mod fake;
mod manifest;
pub mod procfs;
mod protocol;
mod session;
mod transport;

pub use config::{DEFAULT_CHROMIUM, DEFAULT_USER_AGENT, WHATSAPP_WEB_URL, WebConfig};
pub use error::WebError;
pub use fake::FakeWhatsApp;
pub use manifest::{MANIFEST, Manifest, ModuleSpec};
pub use transport::{WebTransport, WebTransportFactory};
