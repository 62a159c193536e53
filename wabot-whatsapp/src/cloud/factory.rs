//! [`CloudTransportFactory`]: builds a [`CloudTransport`] per cloud bot from the bot's
//! [`TransportConfig::Cloud`] and the secrets the host keeps, and finds the webhook of a bot.

use std::{
    collections::HashMap,
    num::NonZeroU32,
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use secrecy::SecretString;
use wabot_core::{
    TransportError,
    domain::{Bot, TransportConfig},
    ids::BotId,
    ports::{MessagingTransport, TransportFactory},
};

use super::{
    config::{
        CloudConfig, DEFAULT_API_VERSION, DEFAULT_GRAPH_BASE_URL, DEFAULT_RATE_LIMIT_PER_SECOND,
        RetryPolicy,
    },
    graph::{self, Limiter},
    transport::{CloudTransport, http_client},
    webhook::CloudWebhook,
};

/// The secrets of one bot's Cloud API number. `Debug` shows none of them.
#[derive(Debug, Clone)]
pub struct CloudCredentials {
    /// A system-user access token with the `whatsapp_business_messaging` permission.
    pub access_token: SecretString,
    /// The Meta app secret (webhook signatures).
    pub app_secret: SecretString,
    /// The verify token of the webhook handshake.
    pub verify_token: SecretString,
}

/// Where the factory gets each bot's [`CloudCredentials`] (the host keeps them, e.g. encrypted
/// in its database and cached in memory). Any `Fn(BotId) -> Option<CloudCredentials>` is one.
pub trait CloudSecrets: Send + Sync {
    /// The credentials of `bot`, or `None` when none are configured.
    fn credentials(&self, bot: BotId) -> Option<CloudCredentials>;
}

impl<F> CloudSecrets for F
where
    F: Fn(BotId) -> Option<CloudCredentials> + Send + Sync,
{
    fn credentials(&self, bot: BotId) -> Option<CloudCredentials> {
        self(bot)
    }
}

/// Builds [`CloudTransport`]s for bots whose transport is [`TransportConfig::Cloud`], sharing
/// one HTTP connection pool and one rate limiter per phone number, and remembers the latest
/// transport of each bot so the host can route webhook requests to it
/// ([`webhook`](Self::webhook)).
pub struct CloudTransportFactory {
    secrets: Arc<dyn CloudSecrets>,
    api_version: String,
    rate_limit_per_second: NonZeroU32,
    retry: RetryPolicy,
    request_timeout: Duration,
    network: Option<wabot_net::NetworkPolicy>,
    http: Mutex<Option<reqwest::Client>>,
    limiters: Mutex<HashMap<String, (NonZeroU32, Arc<Limiter>)>>,
    transports: Mutex<HashMap<BotId, Arc<CloudTransport>>>,
}

impl std::fmt::Debug for CloudTransportFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudTransportFactory")
            .field("api_version", &self.api_version)
            .field("rate_limit_per_second", &self.rate_limit_per_second)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl CloudTransportFactory {
    /// A factory reading credentials from `secrets`, with the default API version
    /// ([`DEFAULT_API_VERSION`]), rate limit ([`DEFAULT_RATE_LIMIT_PER_SECOND`]) and retries.
    pub fn new(secrets: impl CloudSecrets + 'static) -> Self {
        Self {
            secrets: Arc::new(secrets),
            api_version: DEFAULT_API_VERSION.to_string(),
            rate_limit_per_second: DEFAULT_RATE_LIMIT_PER_SECOND,
            retry: RetryPolicy::default(),
            request_timeout: Duration::from_secs(15),
            network: None,
            http: Mutex::new(None),
            limiters: Mutex::new(HashMap::new()),
            transports: Mutex::new(HashMap::new()),
        }
    }

    /// Uses Graph API `version` (e.g. `v23.0`).
    pub fn with_api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    /// Sends at most `per_second` messages per second from each number.
    pub fn with_rate_limit(mut self, per_second: NonZeroU32) -> Self {
        self.rate_limit_per_second = per_second;
        self
    }

    /// Retries temporary send failures with `retry`.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Gives up on one Graph API request after `timeout`.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Guards every bot's Graph API base URL with `policy` (a host whose users set
    /// `graph_base_url`): the URL must pass [`NetworkPolicy::check_url`] when the transport
    /// is built, names are resolved through the policy's guard, the environment's proxy is
    /// ignored, and error texts from internal addresses are not quoted.
    ///
    /// [`NetworkPolicy::check_url`]: wabot_net::NetworkPolicy::check_url
    pub fn with_network_policy(mut self, policy: wabot_net::NetworkPolicy) -> Self {
        self.network = Some(policy);
        *lock(&self.http) = None;
        self
    }

    /// The configuration `bot` would run with.
    ///
    /// # Errors
    /// [`TransportError::Config`] when the bot is not a cloud bot, has no credentials, or a
    /// setting is invalid.
    pub fn config_for(&self, bot: &Bot) -> Result<CloudConfig, TransportError> {
        let TransportConfig::Cloud {
            phone_number_id,
            graph_base_url,
        } = &bot.transport
        else {
            return Err(TransportError::Config(format!(
                "bot {} uses the `{}` transport, not `cloud`",
                bot.id,
                bot.transport.kind()
            )));
        };
        let credentials = self.secrets.credentials(bot.id).ok_or_else(|| {
            TransportError::Config(format!(
                "bot {} has no WhatsApp Cloud API credentials: set the access token, app secret \
                 and verify token in its Cloud API settings",
                bot.id
            ))
        })?;
        let mut config = CloudConfig::new(
            phone_number_id.trim(),
            credentials.access_token,
            credentials.app_secret,
            credentials.verify_token,
        );
        config.graph_base_url = graph_base_url
            .clone()
            .unwrap_or_else(|| DEFAULT_GRAPH_BASE_URL.to_string());
        if let Some(policy) = &self.network {
            policy
                .check_str(&config.graph_base_url)
                .map_err(|blocked| super::graph_error::blocked_url(&blocked))?;
        }
        config.api_version = self.api_version.clone();
        config.rate_limit_per_second = self.rate_limit_per_second;
        config.retry = self.retry;
        config.request_timeout = self.request_timeout;
        config.validate()?;
        Ok(config)
    }

    /// The webhook of `bot`: that of its latest transport when one was built, otherwise a
    /// [detached](CloudWebhook::detached) one from its credentials (answers the handshake,
    /// refuses events with 503), or `None` when the bot has no credentials (answer 404).
    pub fn webhook(&self, bot: BotId) -> Option<CloudWebhook> {
        if let Some(transport) = lock(&self.transports).get(&bot) {
            return Some(transport.webhook());
        }
        let credentials = self.secrets.credentials(bot)?;
        Some(CloudWebhook::detached(
            credentials.app_secret,
            credentials.verify_token,
        ))
    }

    /// The latest transport built for `bot`.
    pub fn transport(&self, bot: BotId) -> Option<Arc<CloudTransport>> {
        lock(&self.transports).get(&bot).cloned()
    }

    /// Forgets `bot` (deleted, or no longer a cloud bot).
    pub fn forget(&self, bot: BotId) {
        lock(&self.transports).remove(&bot);
    }

    fn http(&self, config: &CloudConfig) -> Result<reqwest::Client, TransportError> {
        let mut http = lock(&self.http);
        if let Some(client) = http.as_ref() {
            return Ok(client.clone());
        }
        let client = http_client(config, self.network.as_ref())?;
        *http = Some(client.clone());
        Ok(client)
    }

    fn limiter(&self, config: &CloudConfig) -> Arc<Limiter> {
        let mut limiters = lock(&self.limiters);
        let rate = config.rate_limit_per_second;
        match limiters.get(&config.phone_number_id) {
            Some((r, limiter)) if *r == rate => limiter.clone(),
            _ => {
                let limiter = Arc::new(graph::limiter(rate));
                limiters.insert(config.phone_number_id.clone(), (rate, limiter.clone()));
                limiter
            }
        }
    }
}

impl TransportFactory for CloudTransportFactory {
    fn create(&self, bot: &Bot) -> Result<Arc<dyn MessagingTransport>, TransportError> {
        let config = self.config_for(bot)?;
        let http = self.http(&config)?;
        let limiter = self.limiter(&config);
        let guarded = self.network.is_some();
        let transport = Arc::new(CloudTransport::with_parts(config, http, limiter, guarded)?);
        lock(&self.transports).insert(bot.id, transport.clone());
        Ok(transport)
    }
}
