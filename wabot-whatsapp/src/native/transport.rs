//! [`NativeTransport`]: one bot's WhatsApp session on whatsapp-rust, its keys in wabot's store.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tokio::sync::{Notify, mpsc};
use wabot_core::{
    TransportError,
    domain::ContactId,
    ports::{DisconnectReason, EventSink, MessagingTransport, SentMessage, TransportEvent},
};
use whatsapp_rust::{
    bot::BotHandle,
    prelude::{Bot, Client, MessageBuilderExt, wa},
    wacore::net::{HttpClient, HttpRequest, HttpResponse, TransportFactory},
    wacore_binary::Jid,
};

use super::{
    events::{NativeEvent, from_crate_event, phone_of, to_transport_event},
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
#[derive(Debug, Clone, Default)]
pub struct NativeConfig {
    /// The WhatsApp Web version to announce; `None` lets the crate look up the current one
    /// (an HTTP request at start).
    pub version: Option<(u32, u32, u32)>,
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
            config,
            client: Mutex::new(None),
            stop: Notify::new(),
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
        if let Some(version) = self.config.version {
            builder = builder.with_version(version);
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
                    if let Some(out) = to_transport_event(event)
                        && events.send(out).await.is_err()
                    {
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
