//! The webhook Meta calls: the verification handshake (`GET`) and signed event posts (`POST`).
//! Framework-agnostic: the host extracts the query pairs, the signature header and the raw body,
//! calls [`CloudWebhook::verify`] or [`CloudWebhook::handle`], and maps a [`WebhookError`] to
//! its [`http_status`](WebhookError::http_status).

use std::sync::{Arc, Mutex, MutexGuard};

use chrono::Utc;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use wabot_core::{
    domain::DeliveryStatus,
    ports::{EventSink, StoredReceipt, TransportEvent},
};

use super::{payload, recent::Recent};

/// How long a webhook post waits for its messages to be stored before answering 503.
const STORE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The header carrying the body's signature: `sha256=<hex HMAC-SHA256(app secret, raw body)>`.
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature-256";

/// Longest challenge echoed back in the verification handshake.
const MAX_CHALLENGE_CHARS: usize = 256;

/// Why a webhook request was refused. Every variant maps to one HTTP status
/// ([`http_status`](Self::http_status)); the message is safe to return to the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The verification handshake was refused: not `hub.mode=subscribe`, or the verify token
    /// does not match the bot's (HTTP 403).
    #[error("webhook verification refused: {0}")]
    VerificationRefused(String),
    /// The signature header is missing, malformed or does not match the body (HTTP 401).
    #[error("webhook signature rejected: {0}")]
    BadSignature(String),
    /// The request is not understood: no challenge, or a body that is not a webhook payload
    /// (HTTP 400).
    #[error("bad webhook request: {0}")]
    BadRequest(String),
    /// The bot's Cloud API session is not running, so events cannot be taken now; Meta retries
    /// later (HTTP 503).
    #[error("the bot's WhatsApp Cloud API session is not running; retry later")]
    NotRunning,
    /// A message could not be stored (database unavailable, timeout), so it is not
    /// acknowledged; Meta retries the post later (HTTP 503).
    #[error("the message could not be stored: {0}; retry later")]
    NotStored(String),
}

impl WebhookError {
    /// The HTTP status the host should answer: 403, 401, 400 or 503.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::VerificationRefused(_) => 403,
            Self::BadSignature(_) => 401,
            Self::BadRequest(_) => 400,
            Self::NotRunning | Self::NotStored(_) => 503,
        }
    }
}

/// What one accepted webhook post carried.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookOutcome {
    /// Inbound messages forwarded to the session.
    pub messages: usize,
    /// Inbound messages dropped because they were already forwarded (Meta re-delivers).
    pub duplicates: usize,
    /// Delivery statuses forwarded (only progress: repeated or late statuses are dropped).
    pub statuses: usize,
    /// Items not forwarded: stale or repeated statuses, other webhook fields, changes for another
    /// number, malformed items (each logged).
    pub ignored: usize,
}

/// The state the webhook shares with its transport.
pub(crate) struct Hook {
    pub(crate) phone_number_id: Option<String>,
    app_secret: SecretString,
    verify_token: SecretString,
    pub(crate) sink: Mutex<Option<EventSink>>,
    state: Mutex<HookState>,
}

struct HookState {
    /// Inbound `wamid`s already forwarded.
    seen: Recent<String, ()>,
    /// Best status forwarded per sent `wamid`.
    statuses: Recent<String, DeliveryStatus>,
    /// Last inbound `wamid` per contact (typing indicators need one).
    last_inbound: Recent<String, String>,
    /// The display number seen in payloads.
    display_number: Option<String>,
}

impl Hook {
    pub(crate) fn new(
        phone_number_id: Option<String>,
        app_secret: SecretString,
        verify_token: SecretString,
        capacity: usize,
    ) -> Self {
        Self {
            phone_number_id,
            app_secret,
            verify_token,
            sink: Mutex::new(None),
            state: Mutex::new(HookState {
                seen: Recent::new(capacity),
                statuses: Recent::new(capacity),
                last_inbound: Recent::new(capacity),
                display_number: None,
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, HookState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn set_sink(&self, sink: Option<EventSink>) {
        *self.sink.lock().unwrap_or_else(|p| p.into_inner()) = sink;
    }

    fn sink(&self) -> Option<EventSink> {
        self.sink
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .filter(|s| !s.is_closed())
    }

    pub(crate) fn last_inbound(&self, contact: &str) -> Option<String> {
        self.state().last_inbound.get(&contact.to_string()).cloned()
    }

    pub(crate) fn remember_inbound(&self, contact: &str, message_id: &str) {
        self.state()
            .last_inbound
            .insert(contact.to_string(), message_id.to_string());
    }

    pub(crate) fn display_number(&self) -> Option<String> {
        self.state().display_number.clone()
    }

    fn label(&self) -> &str {
        self.phone_number_id.as_deref().unwrap_or("(not running)")
    }
}

/// The webhook endpoint of one bot's Cloud API number. Cheap to clone.
///
/// Get it from [`CloudTransport::webhook`](super::CloudTransport::webhook) or
/// [`CloudTransportFactory::webhook`](super::CloudTransportFactory::webhook); events reach the
/// bot only while its transport runs (otherwise [`WebhookError::NotRunning`], and Meta retries).
#[derive(Clone)]
pub struct CloudWebhook {
    pub(crate) hook: Arc<Hook>,
}

impl std::fmt::Debug for CloudWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudWebhook")
            .field("phone_number_id", &self.hook.phone_number_id)
            .field("running", &self.is_running())
            .finish_non_exhaustive()
    }
}

impl CloudWebhook {
    /// A webhook not attached to any transport: it answers the verification handshake and checks
    /// signatures, but refuses events with [`WebhookError::NotRunning`]. Used for bots that are
    /// configured but not running, so Meta's "Verify and save" works before the bot starts.
    pub fn detached(app_secret: SecretString, verify_token: SecretString) -> Self {
        Self {
            hook: Arc::new(Hook::new(None, app_secret, verify_token, 1)),
        }
    }

    /// Whether events would be taken now (the bot's transport is running).
    pub fn is_running(&self) -> bool {
        self.hook.sink().is_some()
    }

    /// The verification handshake (`GET` with `hub.mode`, `hub.verify_token`, `hub.challenge`,
    /// already URL-decoded): returns the challenge to answer with status 200 and
    /// `Content-Type: text/plain`.
    ///
    /// # Errors
    /// [`WebhookError::VerificationRefused`] (403) when the mode is not `subscribe` or the token
    /// does not match; [`WebhookError::BadRequest`] (400) when the challenge is missing or
    /// unreasonable (over 256 characters or not printable ASCII).
    pub fn verify<I, K, V>(&self, query: I) -> Result<String, WebhookError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let (mut mode, mut token, mut challenge) = (None, None, None);
        for (k, v) in query {
            match k.as_ref() {
                "hub.mode" => mode = Some(v.as_ref().to_string()),
                "hub.verify_token" => token = Some(v.as_ref().to_string()),
                "hub.challenge" => challenge = Some(v.as_ref().to_string()),
                _ => {}
            }
        }
        if mode.as_deref() != Some("subscribe") {
            return Err(WebhookError::VerificationRefused(
                "hub.mode must be `subscribe`".into(),
            ));
        }
        let expected = self.hook.verify_token.expose_secret().as_bytes();
        let given = token.unwrap_or_default();
        if !bool::from(given.as_bytes().ct_eq(expected)) {
            // Debug for the same reason as bad signatures (see `handle`).
            tracing::debug!(
                phone_number_id = self.hook.label(),
                "webhook verification with a wrong verify token refused"
            );
            return Err(WebhookError::VerificationRefused(
                "hub.verify_token does not match the bot's verify token".into(),
            ));
        }
        let challenge =
            challenge.ok_or_else(|| WebhookError::BadRequest("hub.challenge is missing".into()))?;
        let sane = !challenge.is_empty()
            && challenge.len() <= MAX_CHALLENGE_CHARS
            && challenge.bytes().all(|b| b.is_ascii_graphic());
        if !sane {
            return Err(WebhookError::BadRequest(
                "hub.challenge must be 1–256 printable ASCII characters".into(),
            ));
        }
        Ok(challenge)
    }

    /// [`verify`](Self::verify) from a raw, URL-encoded query string (`hub.mode=subscribe&…`).
    ///
    /// # Errors
    /// As [`verify`](Self::verify).
    pub fn verify_query(&self, raw_query: &str) -> Result<String, WebhookError> {
        self.verify(form_urlencoded::parse(raw_query.as_bytes()))
    }

    /// Takes one event post: checks `signature` (the [`SIGNATURE_HEADER`] value) over the raw
    /// `body` in constant time **before** reading it, then forwards new inbound messages and
    /// delivery progress to the running session, in payload order. Answer 200 on `Ok`.
    ///
    /// Messages already forwarded are dropped (a bounded memory of recent ids; the store
    /// deduplicates too). A status is forwarded only when it advances what was forwarded before
    /// for that message ([`DeliveryStatus::advances_to`]), so late or repeated statuses are
    /// harmless. Returning `Ok` means every message is durably stored by the engine (each is sent
    /// as [`TransportEvent::InboundConfirmed`] and awaited) and every status is queued; a post with
    /// nothing to forward is accepted even while the session is stopped. On
    /// [`WebhookError::NotRunning`] or [`WebhookError::NotStored`] Meta retries the post, and
    /// whatever was already stored is then dropped as a duplicate.
    ///
    /// # Errors
    /// [`WebhookError::BadSignature`] (401, logged at debug), [`WebhookError::BadRequest`] (400: not
    /// JSON, or `entry` not a list), [`WebhookError::NotRunning`] and
    /// [`WebhookError::NotStored`] (503). Never panics.
    pub async fn handle(
        &self,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<WebhookOutcome, WebhookError> {
        if let Err(reason) = check_signature(&self.hook.app_secret, signature, body) {
            // Debug, not warn: anyone can post here, so a warning per refusal would let a flood
            // fill the log. The host counts refusals and warns when it shuts an address out.
            tracing::debug!(
                phone_number_id = self.hook.label(),
                reason,
                body_bytes = body.len(),
                "webhook post with a bad signature rejected"
            );
            return Err(WebhookError::BadSignature(reason.into()));
        }
        let parsed = payload::parse(body, self.hook.phone_number_id.as_deref(), Utc::now())
            .map_err(WebhookError::BadRequest)?;
        let mut outcome = WebhookOutcome {
            ignored: parsed.ignored,
            ..WebhookOutcome::default()
        };
        if parsed.messages.is_empty() && parsed.statuses.is_empty() {
            // Nothing for the session (other fields, other numbers): accept even when stopped,
            // so Meta does not retry it for days.
            return Ok(outcome);
        }
        let sink = self.hook.sink().ok_or(WebhookError::NotRunning)?;
        let mut receipts = Vec::new();
        if parsed.display_number.is_some() {
            self.hook.state().display_number = parsed.display_number.clone();
        }
        for message in parsed.messages {
            let id = message.provider_message_id.clone();
            let contact = message.from.as_str().to_string();
            {
                // Reserve the id first, so a concurrent re-delivery is dropped too.
                let mut state = self.hook.state();
                if state.seen.contains(&id) {
                    outcome.duplicates += 1;
                    continue;
                }
                state.seen.insert(id.clone(), ());
            }
            let (stored, receipt) = StoredReceipt::new();
            let event = TransportEvent::InboundConfirmed { message, stored };
            if sink.send(event).await.is_err() {
                self.hook.state().seen.remove(&id);
                return Err(WebhookError::NotRunning);
            }
            receipts.push((id.clone(), receipt));
            self.hook.remember_inbound(&contact, &id);
            outcome.messages += 1;
        }
        for update in parsed.statuses {
            let progress = {
                let state = self.hook.state();
                state
                    .statuses
                    .get(&update.id)
                    .is_none_or(|current| current.advances_to(update.status))
            };
            if !progress {
                outcome.ignored += 1;
                continue;
            }
            let event = TransportEvent::Ack {
                provider_message_id: update.id.clone(),
                status: update.status,
            };
            if sink.send(event).await.is_err() {
                return Err(WebhookError::NotRunning);
            }
            let mut state = self.hook.state();
            let advanced = state
                .statuses
                .get(&update.id)
                .is_none_or(|current| current.advances_to(update.status));
            if advanced {
                state.statuses.insert(update.id, update.status);
            }
            outcome.statuses += 1;
        }
        // Answer 200 only once every message is durably stored: if one is not, Meta retries
        // the post (the stored ones are then dropped as duplicates by the store).
        let mut failure = None;
        for (id, receipt) in receipts {
            let stored = match tokio::time::timeout(STORE_WAIT, receipt).await {
                Ok(Ok(Ok(()))) => Ok(()),
                Ok(Ok(Err(reason))) => Err(reason),
                Ok(Err(_)) => Err("the engine dropped the message".to_string()),
                Err(_) => Err(format!("not stored within {} s", STORE_WAIT.as_secs())),
            };
            if let Err(reason) = stored {
                self.hook.state().seen.remove(&id);
                failure.get_or_insert(reason);
            }
        }
        match failure {
            Some(reason) => {
                tracing::warn!(
                    phone_number_id = self.hook.label(),
                    "webhook not acknowledged: {reason}"
                );
                Err(WebhookError::NotStored(reason))
            }
            None => Ok(outcome),
        }
    }
}

/// Checks `sha256=<hex>` against HMAC-SHA256(app secret, body), in constant time.
fn check_signature(
    app_secret: &SecretString,
    header: Option<&str>,
    body: &[u8],
) -> Result<(), &'static str> {
    let header = header.ok_or("the X-Hub-Signature-256 header is missing")?;
    let hex_digest = header
        .trim()
        .strip_prefix("sha256=")
        .ok_or("the X-Hub-Signature-256 header does not start with `sha256=`")?;
    let given = hex::decode(hex_digest).map_err(|_| "the signature is not hexadecimal")?;
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.expose_secret().as_bytes())
        .map_err(|_| "the app secret cannot key HMAC-SHA256")?;
    mac.update(body);
    mac.verify_slice(&given)
        .map_err(|_| "the signature does not match the body (wrong app secret, or an altered body)")
}

/// The [`SIGNATURE_HEADER`] value Meta would send for `body`: `sha256=<hex>`.
pub fn sign(app_secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes())
        .expect("HMAC-SHA256 takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn webhook() -> CloudWebhook {
        CloudWebhook::detached("app-secret".into(), "verify-me".into())
    }

    #[test]
    fn the_handshake_echoes_the_challenge_for_the_right_token() {
        let challenge = webhook()
            .verify([
                ("hub.mode", "subscribe"),
                ("hub.verify_token", "verify-me"),
                ("hub.challenge", "1158201444"),
            ])
            .unwrap();
        assert_eq!(challenge, "1158201444");
        let raw = webhook()
            .verify_query("hub.mode=subscribe&hub.challenge=42&hub.verify_token=verify%2Dme")
            .unwrap();
        assert_eq!(raw, "42");
    }

    #[test]
    fn the_handshake_refuses_a_wrong_token_or_mode_with_403() {
        let e = webhook()
            .verify([
                ("hub.mode", "subscribe"),
                ("hub.verify_token", "guess"),
                ("hub.challenge", "1"),
            ])
            .unwrap_err();
        assert_eq!(e.http_status(), 403);
        let e = webhook()
            .verify([("hub.verify_token", "verify-me"), ("hub.challenge", "1")])
            .unwrap_err();
        assert_eq!(e.http_status(), 403);
        let e = webhook()
            .verify([("hub.mode", "subscribe"), ("hub.verify_token", "verify-me")])
            .unwrap_err();
        assert_eq!(e.http_status(), 400);
        let e = webhook()
            .verify_query(
                "hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=%3Cscript%3E%20x",
            )
            .unwrap_err();
        assert_eq!(e.http_status(), 400);
    }

    #[test]
    fn signatures_are_checked_over_the_raw_bytes() {
        let secret: SecretString = "app-secret".into();
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        let good = sign("app-secret", body);
        assert!(check_signature(&secret, Some(&good), body).is_ok());
        assert!(
            check_signature(
                &secret,
                Some(&good.to_uppercase().replace("SHA256=", "sha256=")),
                body
            )
            .is_ok()
        );
        assert!(check_signature(&secret, Some(&good), b"{}").is_err());
        assert!(check_signature(&secret, Some(&sign("other", body)), body).is_err());
        assert!(check_signature(&secret, None, body).is_err());
        assert!(check_signature(&secret, Some("sha1=abc"), body).is_err());
        assert!(check_signature(&secret, Some("sha256=zz"), body).is_err());
        assert!(check_signature(&secret, Some("sha256="), body).is_err());
    }

    #[tokio::test]
    async fn a_detached_webhook_checks_signatures_then_says_not_running() {
        let (signature, body) = crate::cloud::testing::WebhookPayload::new("123")
            .text("34612345678", "Ana", "wamid.1", "hola")
            .signed("app-secret");
        let e = webhook().handle(None, &body).await.unwrap_err();
        assert_eq!(e.http_status(), 401);
        let e = webhook().handle(Some(&signature), &body).await.unwrap_err();
        assert_eq!(e, WebhookError::NotRunning);
        assert_eq!(e.http_status(), 503);
        let empty = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        let ok = webhook()
            .handle(Some(&sign("app-secret", empty)), empty)
            .await
            .unwrap();
        assert_eq!(
            ok,
            WebhookOutcome::default(),
            "nothing to forward: accepted"
        );
        let e = webhook()
            .handle(Some(&sign("app-secret", b"nope")), b"nope")
            .await
            .unwrap_err();
        assert_eq!(e.http_status(), 400);
    }
}
