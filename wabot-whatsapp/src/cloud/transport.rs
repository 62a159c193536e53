//! [`CloudTransport`]: one bot's WhatsApp Business Cloud API number as a
//! [`MessagingTransport`]. Inbound events arrive through its [`CloudWebhook`]; replies go out
//! through the Graph API.

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use tokio::sync::watch;
use wabot_core::{
    TransportError,
    domain::ContactId,
    ports::{EventSink, MessagingTransport, SentMessage, TransportEvent},
};

use super::{
    config::{CloudConfig, MAX_TEXT_CHARS},
    graph::{self, GraphClient, Limiter},
    webhook::{CloudWebhook, Hook},
};

/// A WhatsApp Business Cloud API session for one number.
///
/// - [`run`](MessagingTransport::run) checks the token and number with one Graph API call
///   (a rejected token or unknown number fails the run with [`TransportError::Config`]; a network
///   problem does not), emits [`TransportEvent::Ready`] with the display number, then forwards
///   what the [`webhook`](Self::webhook) receives until [`stop`](MessagingTransport::stop). There
///   is no QR code with the Cloud API. A stopped transport stays stopped: build a new one to run
///   again (the factory does).
/// - [`send_text`](MessagingTransport::send_text) posts a text of at most
///   [`MAX_TEXT_CHARS`] characters (longer ones are rejected, not split), waiting for the
///   per-number rate limiter and retrying temporary failures per [`CloudConfig::retry`].
/// - [`mark_read`](MessagingTransport::mark_read) sends a read receipt;
///   [`set_typing`](MessagingTransport::set_typing)`(true)` sends a read receipt with a typing
///   indicator for the contact's last inbound message (WhatsApp clears it when the reply arrives
///   or after 25 s, so `false` does nothing).
pub struct CloudTransport {
    graph: GraphClient,
    hook: Arc<Hook>,
    stop: watch::Sender<bool>,
}

impl std::fmt::Debug for CloudTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudTransport")
            .field("phone_number_id", &self.hook.phone_number_id)
            .finish_non_exhaustive()
    }
}

impl CloudTransport {
    /// A transport for `config` with its own HTTP client and rate limiter.
    ///
    /// # Errors
    /// [`TransportError::Config`] when `config` is invalid (see [`CloudConfig::validate`]) or the
    /// HTTP client cannot be built.
    pub fn new(config: CloudConfig) -> Result<Self, TransportError> {
        let http = http_client(&config, None)?;
        let limiter = Arc::new(graph::limiter(config.rate_limit_per_second));
        Self::with_parts(config, http, limiter, false)
    }

    /// A transport sharing an HTTP client (connection pool) and a per-number rate limiter;
    /// `guarded` when `http` was built by a network policy.
    pub(crate) fn with_parts(
        config: CloudConfig,
        http: reqwest::Client,
        limiter: Arc<Limiter>,
        guarded: bool,
    ) -> Result<Self, TransportError> {
        config.validate()?;
        let graph = GraphClient::new(&config, http, limiter, guarded)?;
        let hook = Arc::new(Hook::new(
            Some(config.phone_number_id.clone()),
            config.app_secret.clone(),
            config.verify_token.clone(),
            config.dedupe_capacity,
        ));
        Ok(Self {
            graph,
            hook,
            stop: watch::channel(false).0,
        })
    }

    /// The webhook that feeds this transport; the host mounts it (see [`CloudWebhook`]).
    pub fn webhook(&self) -> CloudWebhook {
        CloudWebhook {
            hook: self.hook.clone(),
        }
    }

    /// The business phone number id this transport sends from.
    pub fn phone_number_id(&self) -> &str {
        self.hook.phone_number_id.as_deref().unwrap_or_default()
    }
}

/// The HTTP client used for Graph API calls: rustls, the configured deadline, no redirects;
/// built by `policy` when given (guarded DNS resolver, no proxy but the policy's).
pub(crate) fn http_client(
    config: &CloudConfig,
    policy: Option<&wabot_net::NetworkPolicy>,
) -> Result<reqwest::Client, TransportError> {
    policy
        .map_or_else(
            reqwest::Client::builder,
            wabot_net::NetworkPolicy::client_builder,
        )
        .timeout(config.request_timeout)
        .connect_timeout(config.request_timeout.min(Duration::from_secs(5)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("wabot/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| TransportError::Config(format!("cannot build the HTTP client: {e}")))
}

/// The `to` of a Graph API message: the digits of a phone-based contact id (so ids such as
/// `34612345678@c.us` from a bot that moved from WhatsApp Web still work), else the id as is.
fn recipient(to: &ContactId) -> String {
    to.phone_digits().unwrap_or_else(|| to.as_str().to_string())
}

#[async_trait]
impl MessagingTransport for CloudTransport {
    async fn run(&self, events: EventSink) -> Result<(), TransportError> {
        let mut stop = self.stop.subscribe();
        if *stop.borrow() {
            return Ok(());
        }
        // Take webhook events at once; the supervisor queues them even before `Ready`.
        self.hook.set_sink(Some(events.clone()));
        let account = match self.graph.display_number().await {
            Ok(number) => number.or_else(|| self.hook.display_number()),
            Err(e @ TransportError::Config(_)) => {
                self.hook.set_sink(None);
                return Err(e);
            }
            Err(TransportError::Rejected(m)) => {
                self.hook.set_sink(None);
                return Err(TransportError::Config(format!(
                    "the Graph API does not know phone number id {} with this token ({m}); check the \
                     bot's Cloud API settings",
                    self.phone_number_id()
                )));
            }
            Err(e) => {
                tracing::warn!(
                    phone_number_id = self.phone_number_id(),
                    error = %e,
                    "could not read the number's profile; starting anyway"
                );
                self.hook.display_number()
            }
        };
        let _ = events.send(TransportEvent::Ready { account }).await;
        tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => {}
            _ = events.closed() => {}
        }
        self.hook.set_sink(None);
        Ok(())
    }

    async fn send_text(&self, to: &ContactId, body: &str) -> Result<SentMessage, TransportError> {
        let chars = body.chars().count();
        if body.trim().is_empty() {
            return Err(TransportError::Rejected(
                "the Cloud API does not send empty messages".into(),
            ));
        }
        if chars > MAX_TEXT_CHARS {
            return Err(TransportError::Rejected(format!(
                "the message has {chars} characters; the Cloud API sends at most {MAX_TEXT_CHARS} \
                 per text message: shorten it or send it in parts"
            )));
        }
        let provider_message_id = self.graph.send_text(&recipient(to), body).await?;
        Ok(SentMessage {
            provider_message_id,
        })
    }

    async fn set_typing(&self, to: &ContactId, typing: bool) -> Result<(), TransportError> {
        if !typing {
            return Ok(());
        }
        match self.hook.last_inbound(to.as_str()) {
            Some(message_id) => self.graph.mark_read(&message_id, true).await,
            None => {
                tracing::debug!(contact = %to.as_str(), "no inbound message to attach a typing indicator to");
                Ok(())
            }
        }
    }

    async fn mark_read(
        &self,
        to: &ContactId,
        provider_message_id: &str,
    ) -> Result<(), TransportError> {
        self.hook.remember_inbound(to.as_str(), provider_message_id);
        self.graph.mark_read(provider_message_id, false).await
    }

    async fn stop(&self) {
        self.stop.send_replace(true);
    }
}
