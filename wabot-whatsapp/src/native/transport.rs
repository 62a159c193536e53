//! [`NativeTransport`]: one bot's WhatsApp session on whatsapp-rust, its keys in wabot's store.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::Duration,
};

use async_trait::async_trait;
use tokio::sync::{Notify, mpsc};
use wabot_core::{
    TransportError,
    domain::ContactId,
    ports::{DisconnectReason, EventSink, MessagingTransport, SentMessage, TransportEvent},
};
use whatsapp_rust::{
    bot::BotHandle,
    pair_code::PairCodeOptions,
    prelude::{Bot, Client, MessageBuilderExt, wa},
    wacore::net::{HttpClient, HttpRequest, HttpResponse, TransportFactory},
    wacore_binary::Jid,
};

use super::{
    events::{NativeEvent, from_crate_event, phone_of, to_transport_events},
    pacing::SendPacer,
    store::SessionBackend,
};

/// Where a native session connects: the crate's websocket to `web.whatsapp.com` and its HTTP
/// client (media, version lookups) in production, an in-process fake server in tests.
pub trait NativeNetwork: Send + Sync {
    /// A factory of connections to the WhatsApp server.
    fn transport_factory(&self) -> Arc<dyn TransportFactory>;
    /// The HTTP client for media and version lookups.
    fn http_client(&self) -> Arc<dyn HttpClient>;
}

/// The real network: whatsapp-rust's tokio websocket transport and ureq HTTP client.
#[derive(Debug, Default, Clone, Copy)]
pub struct WhatsAppNetwork;

impl NativeNetwork for WhatsAppNetwork {
    fn transport_factory(&self) -> Arc<dyn TransportFactory> {
        Arc::new(whatsapp_rust::transport::TokioWebSocketTransportFactory::new())
    }

    fn http_client(&self) -> Arc<dyn HttpClient> {
        Arc::new(whatsapp_rust::http::UreqHttpClient::new())
    }
}

/// Settings of a native session.
#[derive(Debug, Clone)]
pub struct NativeConfig {
    /// The WhatsApp Web version to announce; `None` lets the crate look up the current one
    /// (an HTTP request at start).
    pub version: Option<(u32, u32, u32)>,
    /// The shortest time between two messages the bot sends (anti-ban pacing, on top of the
    /// engine's typing delay); zero turns pacing off. Default 1 s.
    pub min_send_interval: Duration,
    /// A phone number to pair with by code (typed on the phone under "Link with phone
    /// number") instead of scanning a QR code; digits with country code.
    pub pairing_phone: Option<String>,
}

impl Default for NativeConfig {
    fn default() -> Self {
        Self {
            version: None,
            min_send_interval: Duration::from_secs(1),
            pairing_phone: None,
        }
    }
}

/// `Arc<dyn TransportFactory>` as the `TransportFactory` value the builder takes.
struct SharedFactory(Arc<dyn TransportFactory>);

#[async_trait]
impl TransportFactory for SharedFactory {
    async fn create_transport(
        &self,
    ) -> Result<
        (
            Arc<dyn whatsapp_rust::wacore::net::Transport>,
            whatsapp_rust::async_channel::Receiver<whatsapp_rust::wacore::net::TransportEvent>,
        ),
        whatsapp_rust::anyhow::Error,
    > {
        self.0.create_transport().await
    }
}

/// `Arc<dyn HttpClient>` as the `HttpClient` value the builder takes.
struct SharedHttp(Arc<dyn HttpClient>);

#[async_trait]
impl HttpClient for SharedHttp {
    async fn execute(&self, request: HttpRequest) -> whatsapp_rust::anyhow::Result<HttpResponse> {
        self.0.execute(request).await
    }
}

/// How a session's `run` loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    /// `stop` was called (or the supervisor stopped listening).
    Stopped,
    /// The phone removed the device, or the server refused the session for good.
    LoggedOut,
    /// The client's own run loop ended.
    ClientGone,
}

/// How long a clean shutdown may take (signal flush, receipts, device snapshot) before the
/// client task is aborted.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Stops a running client cleanly: pending Signal state first (so no ratchet step acknowledged
/// to the network is lost), then the crate's own shutdown (receipts, message secrets, device
/// snapshot), bounded by [`SHUTDOWN_GRACE`].
async fn shut_down(mut handle: BotHandle) {
    let client = handle.client();
    if let Err(e) = client.flush_pending_signal_state().await {
        tracing::warn!("native session: pending Signal state not flushed at shutdown: {e}");
    }
    let clean = async {
        client.disconnect().await;
        (&mut handle).await;
    };
    if tokio::time::timeout(SHUTDOWN_GRACE, clean).await.is_err() {
        tracing::warn!("native session: clean shutdown took too long; aborting the client");
        handle.abort();
    }
}

/// A bot's session on the native engine.
///
/// [`run`](MessagingTransport::run) builds a whatsapp-rust client over the bot's stored session
/// ([`SessionBackend`]), connects, and reports QR codes, pairing, readiness and inbound
/// messages until it is stopped or fails. The crate reconnects by itself after network drops
/// (reported as `Disconnected{Network}`, `run` goes on):
///
/// | what happens | events | `run` returns |
/// |---|---|---|
/// | [`stop`](MessagingTransport::stop) | `Disconnected{Stopped}` | `Ok`, after a clean shutdown (Signal state and device flushed) |
/// | the phone removed the device, or the server refused the session for good | `Disconnected{Logout}`; session keys deleted | `Err(NotConnected)`: the restart shows a QR code |
/// | the client's run loop ended by itself | — | `Err(Unavailable)` |
///
/// A restart — in this process or another one on the same database — resumes the stored
/// session without a QR code.
pub struct NativeTransport {
    backend: SessionBackend,
    network: Arc<dyn NativeNetwork>,
    config: NativeConfig,
    client: Mutex<Option<Arc<Client>>>,
    stop: Notify,
    pacer: SendPacer,
    /// Phone-number JIDs WhatsApp confirmed as registered (asked once per contact).
    registered: Mutex<HashSet<String>>,
}

impl NativeTransport {
    /// A transport for the session stored in `backend`, connecting through `network`.
    pub fn new(
        backend: SessionBackend,
        network: Arc<dyn NativeNetwork>,
        config: NativeConfig,
    ) -> Self {
        Self {
            backend,
            network,
            client: Mutex::new(None),
            stop: Notify::new(),
            pacer: SendPacer::new(config.min_send_interval),
            registered: Mutex::new(HashSet::new()),
            config,
        }
    }

    fn client(&self) -> Result<Arc<Client>, TransportError> {
        self.client
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .filter(|c| c.is_connected())
            .ok_or_else(|| {
                TransportError::NotConnected(
                    "the WhatsApp session is not connected: wait for it, or pair it again from \
                     the bot's pairing page"
                        .into(),
                )
            })
    }
}

impl NativeTransport {
    /// Fails with `Rejected` when WhatsApp says a phone number has no account. Asked once per
    /// number; a failed lookup lets the send go ahead (the send itself then reports).
    async fn ensure_registered(&self, client: &Client, jid: &Jid) -> Result<(), TransportError> {
        if jid.server != "s.whatsapp.net" {
            return Ok(());
        }
        let key = jid.to_string();
        if self
            .registered
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&key)
        {
            return Ok(());
        }
        match client
            .contacts()
            .is_on_whatsapp(std::slice::from_ref(jid))
            .await
        {
            Ok(found) if found.iter().any(|r| r.is_registered) => {
                self.registered
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(key);
                Ok(())
            }
            Ok(_) => Err(TransportError::Rejected(format!(
                "+{} is not on WhatsApp: check the number",
                jid.user
            ))),
            Err(e) => {
                tracing::debug!("native session: could not check {key} on WhatsApp: {e}");
                Ok(())
            }
        }
    }
}

/// The JID of a contact: a WhatsApp id as it is (`@c.us` read as `@s.whatsapp.net`), a phone
/// number as `<digits>@s.whatsapp.net`.
pub(crate) fn jid_of(contact: &ContactId) -> Result<Jid, TransportError> {
    let raw = contact.as_str().trim();
    let id = if let Some(user) = raw.strip_suffix("@c.us") {
        format!("{user}@s.whatsapp.net")
    } else if raw.contains('@') {
        raw.to_string()
    } else {
        match contact.phone_digits() {
            Some(digits) => format!("{digits}@s.whatsapp.net"),
            None => {
                return Err(TransportError::Rejected(format!(
                    "`{raw}` is neither a WhatsApp id nor a phone number with country code"
                )));
            }
        }
    };
    id.parse()
        .map_err(|e| TransportError::Rejected(format!("`{raw}` is not a WhatsApp id: {e}")))
}

#[async_trait]
impl MessagingTransport for NativeTransport {
    async fn run(&self, events: EventSink) -> Result<(), TransportError> {
        let (tx, mut rx) = mpsc::unbounded_channel::<NativeEvent>();
        let mut builder = Bot::builder()
            .with_backend_arc(Arc::new(self.backend.clone()))
            .with_transport_factory(SharedFactory(self.network.transport_factory()))
            .with_http_client(SharedHttp(self.network.http_client()))
            .on_event(move |event, client| {
                let own = client.pn().as_ref().and_then(phone_of);
                for e in from_crate_event(&event, own) {
                    let _ = tx.send(e);
                }
                async {}
            });
        // A bot answers what arrives from now on: the phone's chat history is not needed
        // (acknowledged so the phone considers it delivered, not downloaded).
        builder = builder.skip_history_sync();
        if let Some(version) = self.config.version {
            builder = builder.with_version(version);
        }
        if let Some(phone) = &self.config.pairing_phone {
            let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
            builder = builder.with_pair_code(PairCodeOptions {
                phone_number: digits,
                ..Default::default()
            });
        }
        let bot = builder.build().await.map_err(|e| {
            TransportError::Unavailable(format!("could not start the WhatsApp client: {e}"))
        })?;
        let mut handle = bot.spawn();
        *self.client.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle.client());

        let outcome = loop {
            tokio::select! {
                () = self.stop.notified() => break Ended::Stopped,
                () = &mut handle => break Ended::ClientGone,
                event = rx.recv() => {
                    let Some(event) = event else { continue };
                    let logout = event == NativeEvent::LoggedOut;
                    let mut gone = false;
                    for out in to_transport_events(event) {
                        gone |= events.send(out).await.is_err();
                    }
                    if gone {
                        // The supervisor is gone: nobody listens any more.
                        break Ended::Stopped;
                    }
                    if logout {
                        break Ended::LoggedOut;
                    }
                }
            }
        };
        self.client.lock().unwrap_or_else(|p| p.into_inner()).take();
        if outcome != Ended::ClientGone {
            shut_down(handle).await;
        }
        match outcome {
            Ended::Stopped => {
                let _ = events
                    .send(TransportEvent::Disconnected {
                        reason: DisconnectReason::Stopped,
                    })
                    .await;
                Ok(())
            }
            Ended::LoggedOut => {
                self.backend.wipe().await.map_err(|e| {
                    TransportError::Unavailable(format!(
                        "logged out, but the session keys could not be deleted: {e}"
                    ))
                })?;
                Err(TransportError::NotConnected(
                    "WhatsApp logged this device out (removed from the phone's linked devices,                      or refused by the server); its keys were deleted: scan the new QR code to                      pair again"
                        .into(),
                ))
            }
            Ended::ClientGone => Err(TransportError::Unavailable(
                "the WhatsApp client stopped by itself; it will be restarted".into(),
            )),
        }
    }

    async fn send_text(&self, to: &ContactId, body: &str) -> Result<SentMessage, TransportError> {
        let jid = jid_of(to)?;
        let client = self.client()?;
        self.ensure_registered(&client, &jid).await?;
        self.pacer.wait_turn().await;
        let sent = client
            .send_message(jid, wa::Message::text(body))
            .await
            .map_err(|e| TransportError::Unavailable(format!("sending failed: {e}")))?;
        Ok(SentMessage {
            provider_message_id: sent.message_id,
        })
    }

    async fn set_typing(&self, to: &ContactId, typing: bool) -> Result<(), TransportError> {
        let jid = jid_of(to)?;
        let client = self.client()?;
        let chat = client.chatstate();
        let done = if typing {
            chat.send_composing(&jid).await
        } else {
            chat.send_paused(&jid).await
        };
        done.map_err(|e| TransportError::Unavailable(format!("typing indicator failed: {e}")))
    }

    async fn mark_read(
        &self,
        to: &ContactId,
        provider_message_id: &str,
    ) -> Result<(), TransportError> {
        let jid = jid_of(to)?;
        let client = self.client()?;
        client
            .mark_as_read(&jid, None, &[provider_message_id])
            .await
            .map_err(|e| TransportError::Unavailable(format!("read receipt failed: {e}")))
    }

    async fn stop(&self) {
        self.stop.notify_one();
    }
}
