//! Settings of one Cloud API number: where the Graph API is, which number, the secrets, and how
//! fast and how persistently to send.

use std::{num::NonZeroU32, time::Duration};

use reqwest::Url;
use secrecy::SecretString;
use wabot_core::TransportError;

/// The public Graph API.
pub const DEFAULT_GRAPH_BASE_URL: &str = "https://graph.facebook.com";

/// The Graph API version used unless configured otherwise.
pub const DEFAULT_API_VERSION: &str = "v23.0";

/// Messages per second per business number that Meta allows by default (up to 1,000 after an
/// upgrade).
pub const DEFAULT_RATE_LIMIT_PER_SECOND: NonZeroU32 = NonZeroU32::new(80).expect("80 > 0");

/// The longest text body the Cloud API accepts, in characters. Longer texts are rejected by
/// [`CloudTransport::send_text`](super::CloudTransport) with
/// [`TransportError::Rejected`] rather than split: one stored message maps to one WhatsApp
/// message, so delivery acks stay meaningful.
pub const MAX_TEXT_CHARS: usize = 4_096;

/// How sends that failed for a temporary reason (throttling, 429, 5xx, network) are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// Wait before the second attempt; doubled for each further one.
    pub initial_backoff: Duration,
    /// Longest wait between attempts (also caps a `Retry-After` header).
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub const NEVER: RetryPolicy = RetryPolicy {
        max_attempts: 1,
        initial_backoff: Duration::ZERO,
        max_backoff: Duration::ZERO,
    };

    /// The wait after failed attempt number `attempt` (1-based), at least `retry_after`, capped
    /// by [`max_backoff`](Self::max_backoff).
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = attempt.saturating_sub(1).min(16);
        let backoff = self.initial_backoff.saturating_mul(1 << exp);
        backoff
            .max(retry_after.unwrap_or_default())
            .min(self.max_backoff)
    }
}

/// Everything one [`CloudTransport`](super::CloudTransport) needs. Secrets are
/// [`SecretString`]s: they never appear in `Debug` output, logs or errors.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CloudConfig {
    /// Graph API base URL, e.g. [`DEFAULT_GRAPH_BASE_URL`] (a local fake in tests).
    pub graph_base_url: String,
    /// Graph API version, e.g. `v23.0`.
    pub api_version: String,
    /// The business phone number id from Meta (digits).
    pub phone_number_id: String,
    /// A system-user access token with the `whatsapp_business_messaging` permission.
    pub access_token: SecretString,
    /// The Meta app secret, used to check webhook signatures (`X-Hub-Signature-256`).
    pub app_secret: SecretString,
    /// The token Meta echoes in the webhook verification handshake (chosen by the owner).
    pub verify_token: SecretString,
    /// Messages per second sent from this number at most (evenly spaced, no bursts).
    pub rate_limit_per_second: NonZeroU32,
    /// How temporary send failures are retried.
    pub retry: RetryPolicy,
    /// Deadline of one Graph API request.
    pub request_timeout: Duration,
    /// How many recent inbound message ids are remembered to drop Meta's re-deliveries.
    pub dedupe_capacity: usize,
}

impl CloudConfig {
    /// A configuration with the defaults: the public Graph API, [`DEFAULT_API_VERSION`],
    /// [`DEFAULT_RATE_LIMIT_PER_SECOND`], [`RetryPolicy::default`], 15 s per request.
    pub fn new(
        phone_number_id: impl Into<String>,
        access_token: SecretString,
        app_secret: SecretString,
        verify_token: SecretString,
    ) -> Self {
        Self {
            graph_base_url: DEFAULT_GRAPH_BASE_URL.to_string(),
            api_version: DEFAULT_API_VERSION.to_string(),
            phone_number_id: phone_number_id.into(),
            access_token,
            app_secret,
            verify_token,
            rate_limit_per_second: DEFAULT_RATE_LIMIT_PER_SECOND,
            retry: RetryPolicy::default(),
            request_timeout: Duration::from_secs(15),
            dedupe_capacity: 10_000,
        }
    }

    /// Checks every field; the error says which one is wrong and what is expected.
    pub fn validate(&self) -> Result<(), TransportError> {
        self.base_url()?;
        validate_api_version(&self.api_version)?;
        validate_phone_number_id(&self.phone_number_id)?;
        use secrecy::ExposeSecret as _;
        for (name, secret) in [
            ("access token", &self.access_token),
            ("app secret", &self.app_secret),
            ("verify token", &self.verify_token),
        ] {
            if secret.expose_secret().trim().is_empty() {
                return Err(TransportError::Config(format!(
                    "the Cloud API {name} is empty; set it in the bot's Cloud API settings"
                )));
            }
        }
        if self.retry.max_attempts == 0 {
            return Err(TransportError::Config(
                "retry.max_attempts must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// `{base}/{version}/{phone_number_id}` — the number's node in the Graph API.
    pub(crate) fn number_url(&self) -> Result<Url, TransportError> {
        let mut url = self.base_url()?;
        url.path_segments_mut()
            .map_err(|()| bad_base_url(&self.graph_base_url))?
            .pop_if_empty()
            .push(&self.api_version)
            .push(&self.phone_number_id);
        Ok(url)
    }

    /// `{base}/{version}/{phone_number_id}/messages`.
    pub(crate) fn messages_url(&self) -> Result<Url, TransportError> {
        let mut url = self.number_url()?;
        url.path_segments_mut()
            .map_err(|()| bad_base_url(&self.graph_base_url))?
            .push("messages");
        Ok(url)
    }

    fn base_url(&self) -> Result<Url, TransportError> {
        let url =
            Url::parse(&self.graph_base_url).map_err(|_| bad_base_url(&self.graph_base_url))?;
        if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
            return Err(bad_base_url(&self.graph_base_url));
        }
        Ok(url)
    }
}

fn bad_base_url(raw: &str) -> TransportError {
    TransportError::Config(format!(
        "graph_base_url `{raw}` is not an http(s) URL such as {DEFAULT_GRAPH_BASE_URL}"
    ))
}

fn validate_api_version(v: &str) -> Result<(), TransportError> {
    let ok = v
        .strip_prefix('v')
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(major, minor)| {
            !major.is_empty()
                && !minor.is_empty()
                && major.chars().all(|c| c.is_ascii_digit())
                && minor.chars().all(|c| c.is_ascii_digit())
        });
    if ok {
        Ok(())
    } else {
        Err(TransportError::Config(format!(
            "api_version `{v}` is not a Graph API version such as {DEFAULT_API_VERSION}"
        )))
    }
}

fn validate_phone_number_id(id: &str) -> Result<(), TransportError> {
    if !id.is_empty() && id.len() <= 32 && id.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(TransportError::Config(format!(
            "phone_number_id `{id}` is not a Cloud API phone number id (digits, from WhatsApp Manager → API setup)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> CloudConfig {
        CloudConfig::new(
            "106540352242922",
            "token".into(),
            "secret".into(),
            "verify".into(),
        )
    }

    #[test]
    fn messages_url_joins_base_version_and_number() {
        let mut c = config();
        c.graph_base_url = "http://127.0.0.1:9999/".into();
        assert_eq!(
            c.messages_url().unwrap().as_str(),
            "http://127.0.0.1:9999/v23.0/106540352242922/messages"
        );
        c.graph_base_url = "http://127.0.0.1:9999/graph".into();
        assert_eq!(
            c.messages_url().unwrap().as_str(),
            "http://127.0.0.1:9999/graph/v23.0/106540352242922/messages"
        );
    }

    #[test]
    fn a_non_numeric_phone_number_id_is_a_config_error() {
        let mut c = config();
        c.phone_number_id = "../me".into();
        assert!(
            matches!(c.validate(), Err(TransportError::Config(m)) if m.contains("phone_number_id"))
        );
    }

    #[test]
    fn bad_versions_and_urls_are_config_errors() {
        let mut c = config();
        c.api_version = "21".into();
        assert!(matches!(c.validate(), Err(TransportError::Config(_))));
        let mut c = config();
        c.graph_base_url = "ftp://example.com".into();
        assert!(matches!(c.validate(), Err(TransportError::Config(_))));
        assert!(config().validate().is_ok());
    }

    #[test]
    fn empty_secrets_are_config_errors() {
        let mut c = config();
        c.access_token = "".into();
        assert!(
            matches!(c.validate(), Err(TransportError::Config(m)) if m.contains("access token"))
        );
    }

    #[test]
    fn debug_output_hides_the_secrets() {
        let mut c = config();
        c.access_token = "EAAG-very-secret".into();
        let shown = format!("{c:?}");
        assert!(!shown.contains("EAAG-very-secret"));
        assert!(!shown.contains("secret\""));
    }

    #[test]
    fn retry_delay_doubles_and_respects_retry_after_and_cap() {
        let p = RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
        };
        assert_eq!(p.delay(1, None), Duration::from_millis(100));
        assert_eq!(p.delay(2, None), Duration::from_millis(200));
        assert_eq!(p.delay(10, None), Duration::from_secs(1));
        assert_eq!(
            p.delay(1, Some(Duration::from_millis(700))),
            Duration::from_millis(700)
        );
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(60))),
            Duration::from_secs(1)
        );
    }
}
