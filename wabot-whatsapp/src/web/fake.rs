//! A fake WhatsApp Web for offline tests and benchmarks.
//!
//! [`FakeWhatsApp::html`] builds one self-contained page implementing exactly the surface
//! listed in [`MANIFEST`](super::MANIFEST) (a tiny `window.require` registry with
//! Backbone-like models and collections), plus a test-only control object `window.__fake` that
//! plays the phone and the customers:
//!
//! | `window.__fake.` | effect |
//! |---|---|
//! | `scan()` | the phone scans the QR: the login is stored, the page reloads and connects |
//! | `receive(from, body, kind?, {author?, notifyName?}?)` | a message arrives (`chat`, `image`, …); returns its id |
//! | `ack(id, value)` / `failNextSend()` | move a sent message's ack / make the next send fail (-1) |
//! | `logout()` | the phone logs out: storage cleared, `logout` fired, `/?post_logout=1` loaded |
//! | `conflict()`, `lose()`, `reconnect()` | socket state `CONFLICT`, `TIMEOUT`, `CONNECTED` |
//! | `breakModule(name)` | `window.require(name)` throws from now on |
//! | `log` | what the adapter did: `send`, `typing`, `seen`, `pairingCode`, `ref` entries |
//!
//! The adapter never calls `__fake`; tests reach it over their own DevTools connection. Serve
//! the page with [`WebConfig::fake_site`](super::WebConfig) so it is loaded *at*
//! `https://web.whatsapp.com/`, with the real origin's localStorage and IndexedDB: the fake keeps
//! its login there (like WhatsApp's `last-wid-md`), so a relaunch on the same profile comes up
//! ready without a QR.

use std::time::Duration;

use serde::Serialize;

const INDEX_HTML: &str = include_str!("../../assets/fake_web/index.html");
const FAKE_JS: &str = include_str!("../../assets/fake_web/fake.js");

/// Settings of the fake WhatsApp Web page.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FakeWhatsApp {
    /// The account's number once paired.
    pub account: String,
    /// `window.Debug.VERSION`.
    pub version: String,
    /// Delay before `window.Debug.VERSION` appears (the bundle "loading"), in ms.
    pub boot_ms: u64,
    /// How long the first QR ref lives, in ms (about 60 s on the real site).
    pub first_qr_ms: u64,
    /// How long each later ref lives, in ms (about 20 s on the real site).
    pub qr_rotate_ms: u64,
    /// Refs per page load before the page idles (`UNPAIRED_IDLE`; about 6 on the real site).
    pub refs_per_page: u32,
    /// When a sent message reaches ack 1, 2 and 3 (sent, delivered, read), in ms after sending.
    pub ack_delays_ms: Vec<u64>,
    /// Modules `window.require` refuses from the start.
    pub broken_modules: Vec<String>,
    /// Come up already paired (no QR) on a fresh profile, as if the phone had scanned earlier
    /// (benchmarks).
    pub start_paired: bool,
}

impl Default for FakeWhatsApp {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeWhatsApp {
    /// A fast fake: loads in 50 ms, rotates QR refs every 400 ms (6 per page load), acks sent
    /// messages after 50, 100 and 150 ms.
    pub fn new() -> Self {
        Self {
            account: "15550000001".into(),
            version: "2.3000.0-fake".into(),
            boot_ms: 50,
            first_qr_ms: 400,
            qr_rotate_ms: 400,
            refs_per_page: 6,
            ack_delays_ms: vec![50, 100, 150],
            broken_modules: Vec::new(),
            start_paired: false,
        }
    }

    /// Sets how long QR refs live (first one, later ones).
    pub fn qr_timing(mut self, first: Duration, rotate: Duration) -> Self {
        self.first_qr_ms = first.as_millis() as u64;
        self.qr_rotate_ms = rotate.as_millis() as u64;
        self
    }

    /// Makes `window.require(module)` fail from the start.
    pub fn without_module(mut self, module: impl Into<String>) -> Self {
        self.broken_modules.push(module.into());
        self
    }

    /// Comes up paired without a QR (see [`start_paired`](Self::start_paired)).
    pub fn already_paired(mut self) -> Self {
        self.start_paired = true;
        self
    }

    /// The account's number once paired.
    pub fn account(mut self, number: impl Into<String>) -> Self {
        self.account = number.into();
        self
    }

    /// The page, ready to serve at `https://web.whatsapp.com/`.
    pub fn html(&self) -> String {
        let options = serde_json::to_string(self)
            .expect("the options serialize")
            .replace("</", "<\\/");
        INDEX_HTML
            .replace("/*FAKE_OPTIONS*/", &options)
            .replace("/*FAKE_JS*/", FAKE_JS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::MANIFEST;

    #[test]
    fn the_page_embeds_options_and_script() {
        let html = FakeWhatsApp::new().without_module("WAWebCmd").html();
        assert!(html.contains("\"brokenModules\":[\"WAWebCmd\"]"));
        assert!(html.contains("window.__fake"));
        assert!(!html.contains("/*FAKE_JS*/"));
    }

    #[test]
    fn the_fake_implements_every_manifest_module() {
        for m in MANIFEST.modules {
            assert!(
                FAKE_JS.contains(&format!("{}: ", m.module)),
                "the fake lacks {}",
                m.module
            );
        }
    }
}
