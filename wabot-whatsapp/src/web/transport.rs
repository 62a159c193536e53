//! [`WebTransport`]: the [`MessagingTransport`] of one bot on WhatsApp Web, and the factory that
//! builds one per bot.

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use chromiumoxide::Page;
use serde_json::Value;
use tokio::sync::Notify;
use wabot_core::{
    TransportError,
    domain::{Bot, ContactId, TransportConfig},
    ids::BotId,
    ports::{EventSink, MessagingTransport, SentMessage, TransportFactory},
};

use super::{browser, config::WebConfig, error::WebError, protocol::chat_id};

/// What a running session shares with the sending methods.
#[derive(Default)]
struct Live {
    page: Option<Page>,
    ready: bool,
    account: Option<String>,
    pid: Option<u32>,
    devtools_url: Option<String>,
}

/// One bot's WhatsApp Web session in its own headless Chromium.
///
/// [`run`](MessagingTransport::run) launches Chromium on the bot's profile, loads
/// `https://web.whatsapp.com/`, injects the helpers and reports QR codes, pairing codes,
/// authentication, readiness, messages, acks and disconnects until it is stopped or fails:
///
/// | what happens | events | `run` returns |
/// |---|---|---|
/// | [`stop`](MessagingTransport::stop) | — | `Ok` |
/// | browser killed or crashed, "Session closed" | `Disconnected{Crash}` | `Err(Unavailable)` |
/// | logged out from the phone | `Disconnected{Logout}`; profile deleted | `Err(NotConnected)` |
/// | opened elsewhere | `Disconnected{Conflict}` | `Err(NotConnected)` |
/// | no QR scanned after [`WebConfig::qr_max_retries`] codes | `Disconnected{Timeout}` | `Err(NotConnected)` |
/// | page never loads within [`WebConfig::auth_timeout`] | `Disconnected{Timeout}` | `Err(Unavailable)` |
/// | a manifest module or member is missing | — | `Err(Config)` naming it |
///
/// The supervisor restarts it after any `Err`; the next start shows a QR when the profile was
/// reset. [`last_error`](Self::last_error) keeps the typed [`WebError`].
pub struct WebTransport {
    bot: BotId,
    config: Arc<WebConfig>,
    pairing_phone: Option<String>,
    live: Mutex<Live>,
    stop: Notify,
    last_error: Mutex<Option<WebError>>,
}

impl WebTransport {
    /// A transport for `bot` (not running yet). With `pairing_phone` (international format,
    /// any punctuation), login uses a pairing code for that number instead of a QR code.
    pub fn new(bot: BotId, config: Arc<WebConfig>, pairing_phone: Option<String>) -> Self {
        Self {
            bot,
            config,
            // WhatsApp wants the number as digits only, with the country code.
            pairing_phone: pairing_phone
                .map(|p| p.chars().filter(char::is_ascii_digit).collect::<String>())
                .filter(|p| !p.is_empty()),
            live: Mutex::new(Live::default()),
            stop: Notify::new(),
            last_error: Mutex::new(None),
        }
    }

    /// The bot this session belongs to.
    pub fn bot(&self) -> BotId {
        self.bot
    }

    /// The bot's Chromium profile: `profiles_dir/<bot id>`.
    pub fn profile_dir(&self) -> PathBuf {
        self.config.profiles_dir.join(self.bot.to_string())
    }

    /// The process id of the running Chromium (for monitoring its memory).
    pub fn browser_pid(&self) -> Option<u32> {
        self.live().pid
    }

    /// The DevTools websocket address of the running Chromium (for debugging tools).
    pub fn devtools_url(&self) -> Option<String> {
        self.live().devtools_url.clone()
    }

    /// Whether the session is connected and can send.
    pub fn is_ready(&self) -> bool {
        self.live().ready
    }

    /// The account's own number, once ready.
    pub fn account(&self) -> Option<String> {
        self.live().account.clone()
    }

    /// Why the last run failed, as a typed error.
    pub fn last_error(&self) -> Option<WebError> {
        self.last_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn live(&self) -> std::sync::MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn config(&self) -> &WebConfig {
        &self.config
    }

    pub(crate) fn config_arc(&self) -> Arc<WebConfig> {
        self.config.clone()
    }

    pub(crate) fn pairing_phone(&self) -> Option<String> {
        self.pairing_phone.clone()
    }

    pub(crate) fn stop_signal(&self) -> &Notify {
        &self.stop
    }

    pub(crate) fn session_started(&self, page: Page, pid: Option<u32>, devtools_url: String) {
        *self.live() = Live {
            page: Some(page),
            ready: false,
            account: None,
            pid,
            devtools_url: Some(devtools_url),
        };
    }

    pub(crate) fn set_page_ready(&self, ready: bool, account: Option<String>) {
        let mut live = self.live();
        live.ready = ready;
        if account.is_some() {
            live.account = account;
        }
    }

    pub(crate) fn session_ended(&self) {
        *self.live() = Live::default();
    }

    /// The page, when the session can send.
    fn ready_page(&self) -> Result<Page, WebError> {
        let live = self.live();
        match (&live.page, live.ready) {
            (Some(page), true) => Ok(page.clone()),
            (Some(_), false) => Err(WebError::NotReady(
                "WhatsApp Web is not connected yet (waiting for a QR scan or syncing)".into(),
            )),
            (None, _) => Err(WebError::NotReady(format!(
                "the WhatsApp Web session of bot {} is not running",
                self.bot
            ))),
        }
    }

    async fn call_helper(&self, context: &str, expression: String) -> Result<Value, WebError> {
        let page = self.ready_page()?;
        browser::call(&page, context, expression, self.config.command_timeout).await
    }

    fn remember(&self, error: &WebError) {
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(error.clone());
    }
}

fn js(value: &str) -> String {
    serde_json::to_string(value).expect("a string serializes")
}

#[async_trait]
impl MessagingTransport for WebTransport {
    async fn run(&self, events: EventSink) -> Result<(), TransportError> {
        match self.drive(&events).await {
            Ok(()) => Ok(()),
            Err(e) => {
                tracing::warn!(bot = %self.bot, error = %e, "WhatsApp Web session ended");
                self.remember(&e);
                Err(e.into())
            }
        }
    }

    async fn send_text(&self, to: &ContactId, body: &str) -> Result<SentMessage, TransportError> {
        let chat = chat_id(to).map_err(WebError::Recipient)?;
        let sent = self
            .call_helper(
                "sending a message",
                format!("window.__wabot.sendText({}, {})", js(&chat), js(body)),
            )
            .await?;
        match sent["id"].as_str() {
            Some(id) => Ok(SentMessage {
                provider_message_id: id.to_string(),
            }),
            None => Err(WebError::Script {
                context: "sending a message".into(),
                message: format!("no message id in {sent}"),
            }
            .into()),
        }
    }

    async fn set_typing(&self, to: &ContactId, typing: bool) -> Result<(), TransportError> {
        let chat = chat_id(to).map_err(WebError::Recipient)?;
        self.call_helper(
            "showing typing",
            format!("window.__wabot.typing({}, {typing})", js(&chat)),
        )
        .await?;
        Ok(())
    }

    async fn mark_read(
        &self,
        to: &ContactId,
        _provider_message_id: &str,
    ) -> Result<(), TransportError> {
        let chat = chat_id(to).map_err(WebError::Recipient)?;
        self.call_helper(
            "sending a read receipt",
            format!("window.__wabot.seen({})", js(&chat)),
        )
        .await?;
        Ok(())
    }

    async fn stop(&self) {
        self.stop.notify_waiters();
    }
}

/// Builds a [`WebTransport`] for each `web` bot, sharing one [`WebConfig`] (so the Chromium
/// executable is the host's choice, never a bot's); a bot's own `pairing_phone` (from its
/// [`TransportConfig::Web`]) is applied.
pub struct WebTransportFactory {
    config: Arc<WebConfig>,
    sessions: Mutex<HashMap<BotId, Arc<WebTransport>>>,
}

impl WebTransportFactory {
    /// A factory using `config` for every bot.
    pub fn new(config: WebConfig) -> Self {
        Self {
            config: Arc::new(config),
            sessions: Mutex::new(HashMap::new()),
        }
    }

    /// The shared settings.
    pub fn config(&self) -> &WebConfig {
        &self.config
    }

    /// The transport most recently created for `bot` (running or not).
    pub fn session(&self, bot: BotId) -> Option<Arc<WebTransport>> {
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&bot)
            .cloned()
    }
}

impl TransportFactory for WebTransportFactory {
    fn create(&self, bot: &Bot) -> Result<Arc<dyn MessagingTransport>, TransportError> {
        let TransportConfig::Web { pairing_phone } = &bot.transport else {
            return Err(TransportError::Config(format!(
                "the WhatsApp Web factory only runs `web` bots; bot {} wants `{}`",
                bot.id,
                bot.transport.kind()
            )));
        };
        let transport = Arc::new(WebTransport::new(
            bot.id,
            self.config.clone(),
            pairing_phone.clone(),
        ));
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(bot.id, transport.clone());
        Ok(transport)
    }
}

#[cfg(test)]
mod tests {
    use wabot_core::{
        domain::{BotName, Prompt},
        ids::WorkspaceId,
    };

    use super::*;

    fn bot(transport: TransportConfig) -> Bot {
        let mut bot = Bot::new(
            WorkspaceId::new(),
            BotName::parse("Acme").unwrap(),
            Prompt::parse("Be helpful.").unwrap(),
            chrono::Utc::now(),
        );
        bot.transport = transport;
        bot
    }

    #[test]
    fn the_factory_refuses_bots_that_are_not_web() {
        let factory = WebTransportFactory::new(WebConfig::new("/tmp/profiles"));
        let err = factory
            .create(&bot(TransportConfig::Sandbox))
            .err()
            .expect("an error");
        assert!(
            matches!(err, TransportError::Config(ref m) if m.contains("`sandbox`")),
            "{err}"
        );
    }

    #[test]
    fn the_factory_applies_the_bots_own_settings() {
        let factory = WebTransportFactory::new(WebConfig::new("/tmp/profiles"));
        let bot = bot(TransportConfig::Web {
            pairing_phone: Some("+34 600-000-000".into()),
        });
        factory.create(&bot).unwrap();
        let session = factory.session(bot.id).unwrap();
        assert_eq!(
            session.config().chromium_path,
            PathBuf::from("/usr/bin/chromium")
        );
        assert_eq!(session.pairing_phone().as_deref(), Some("34600000000"));
        assert_eq!(
            session.profile_dir(),
            PathBuf::from("/tmp/profiles").join(bot.id.to_string())
        );
        assert!(!session.is_ready());
        assert_eq!(
            factory.config().chromium_path,
            PathBuf::from("/usr/bin/chromium")
        );
    }
}
