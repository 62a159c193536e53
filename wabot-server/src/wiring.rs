//! How the server assembles the adapters: a transport factory routing each bot to the sandbox,
//! the native protocol, WhatsApp Web or the Cloud API, and a language-model factory choosing
//! the offline model or an OpenAI-compatible client per bot, with the bot's API key decrypted
//! from the store.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

use async_trait::async_trait;
use secrecy::SecretString;
use wabot_ai::{
    offline::OfflineLlm,
    openai::{CallRecord, ChatClient, ErrorKind, LlmObserver, OpenAiConfig},
};
use wabot_core::{
    LlmError, TransportError,
    domain::{Bot, LlmProvider, LlmSettings, TransportConfig},
    ids::{BotId, WorkspaceId},
    memory::SandboxHub,
    ports::{
        ChatRequest, ChatResponse, LlmClient, LlmFactory, MessagingTransport, ServerStore,
        TransportFactory,
    },
};
use wabot_whatsapp::{
    cloud::{CloudCredentials, CloudTransportFactory},
    native::{KeyCipher, NativeTransportFactory},
    web::WebTransportFactory,
};

use wabot_net::NetworkPolicy;

use crate::{crypto::Crypto, metrics::Metrics};

/// The secret name of a bot's language-model API key.
pub const LLM_API_KEY: &str = "llm_api_key";
/// The secret name of a Cloud API bot's credentials (JSON of the three values).
pub const CLOUD_CREDENTIALS: &str = "cloud_credentials";

/// The associated data binding a bot secret to its slot.
pub fn secret_context(bot: BotId, name: &str) -> Vec<u8> {
    format!("bot:{bot}:{name}").into_bytes()
}

/// Decrypted bot secrets held in memory, because the factories ask for them synchronously.
/// Loaded at boot and updated when the API changes a secret.
#[derive(Default)]
pub struct SecretCache {
    llm_keys: RwLock<HashMap<BotId, SecretString>>,
    cloud: RwLock<HashMap<BotId, CloudCredentials>>,
}

impl std::fmt::Debug for SecretCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretCache(..)")
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredCloud {
    access_token: String,
    app_secret: String,
    verify_token: String,
}

impl SecretCache {
    /// Loads every bot's secrets from the store. A secret that does not decrypt (another
    /// master key) is skipped with a warning rather than stopping the server.
    pub async fn load(
        store: &dyn ServerStore,
        crypto: &Crypto,
    ) -> wabot_core::Result<Arc<SecretCache>> {
        let cache = Arc::new(SecretCache::default());
        for bot in store.list_bots(None).await? {
            cache.reload_bot(store, crypto, bot.id).await?;
        }
        Ok(cache)
    }

    /// Re-reads one bot's secrets.
    pub async fn reload_bot(
        &self,
        store: &dyn ServerStore,
        crypto: &Crypto,
        bot: BotId,
    ) -> wabot_core::Result<()> {
        let open = |name: &str, blob: Vec<u8>| match crypto
            .decrypt_bound(&blob, &secret_context(bot, name))
        {
            Ok(plain) => String::from_utf8(plain).ok(),
            Err(e) => {
                tracing::warn!(bot = %bot, secret = name, "ignoring a bot secret: {e}");
                None
            }
        };
        let key = store
            .get_bot_secret(bot, LLM_API_KEY)
            .await?
            .filter(|b| !b.is_empty())
            .and_then(|b| open(LLM_API_KEY, b));
        let cloud = store
            .get_bot_secret(bot, CLOUD_CREDENTIALS)
            .await?
            .filter(|b| !b.is_empty())
            .and_then(|b| open(CLOUD_CREDENTIALS, b))
            .and_then(|json| serde_json::from_str::<StoredCloud>(&json).ok());
        self.set_llm_key(bot, key.map(SecretString::from));
        let mut all = self.cloud.write().unwrap_or_else(|p| p.into_inner());
        match cloud {
            Some(c) => {
                all.insert(
                    bot,
                    CloudCredentials {
                        access_token: c.access_token.into(),
                        app_secret: c.app_secret.into(),
                        verify_token: c.verify_token.into(),
                    },
                );
            }
            None => {
                all.remove(&bot);
            }
        }
        Ok(())
    }

    /// Encrypts Cloud API credentials for storage.
    pub fn seal_cloud(
        crypto: &Crypto,
        bot: BotId,
        access_token: &str,
        app_secret: &str,
        verify_token: &str,
    ) -> Vec<u8> {
        let json = serde_json::to_string(&StoredCloud {
            access_token: access_token.into(),
            app_secret: app_secret.into(),
            verify_token: verify_token.into(),
        })
        .expect("strings serialize");
        crypto.encrypt_bound(json.as_bytes(), &secret_context(bot, CLOUD_CREDENTIALS))
    }

    /// Sets or clears a bot's LLM key.
    pub fn set_llm_key(&self, bot: BotId, key: Option<SecretString>) {
        let mut keys = self.llm_keys.write().unwrap_or_else(|p| p.into_inner());
        match key {
            Some(k) => keys.insert(bot, k),
            None => keys.remove(&bot),
        };
    }

    /// A bot's LLM key.
    pub fn llm_key(&self, bot: BotId) -> Option<SecretString> {
        self.llm_keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&bot)
            .cloned()
    }

    /// Whether a bot has an LLM key.
    pub fn has_llm_key(&self, bot: BotId) -> bool {
        self.llm_keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(&bot)
    }

    /// Whether a bot has Cloud API credentials.
    pub fn has_cloud_credentials(&self, bot: BotId) -> bool {
        self.cloud
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(&bot)
    }

    /// A bot's Cloud API credentials.
    pub fn cloud_credentials(&self, bot: BotId) -> Option<CloudCredentials> {
        self.cloud
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&bot)
            .cloned()
    }
}

/// Routes each bot to the factory of its [`TransportConfig`].
pub struct TransportRouter {
    /// Sandbox bots (the chat simulator).
    pub sandbox: Arc<SandboxHub>,
    /// Native-protocol bots (whatsapp-rust; session keys in the store).
    pub native: Arc<NativeTransportFactory>,
    /// WhatsApp Web bots.
    pub web: Arc<WebTransportFactory>,
    /// Cloud API bots (and their webhooks).
    pub cloud: Arc<CloudTransportFactory>,
}

impl TransportFactory for TransportRouter {
    fn create(&self, bot: &Bot) -> Result<Arc<dyn MessagingTransport>, TransportError> {
        match bot.transport {
            TransportConfig::Sandbox => self.sandbox.create(bot),
            TransportConfig::Native { .. } => self.native.create(bot),
            TransportConfig::Web { .. } => self.web.create(bot),
            TransportConfig::Cloud { .. } => self.cloud.create(bot),
        }
    }
}

/// Seals the native engine's session keys with the master key (ChaCha20-Poly1305), each value
/// bound to its bot and key (`session:` + the adapter's context), so a blob copied to another
/// key or bot does not decrypt.
#[derive(Debug, Clone)]
pub struct SessionCipher(pub Arc<Crypto>);

impl SessionCipher {
    fn context(aad: &[u8]) -> Vec<u8> {
        let mut context = b"session:".to_vec();
        context.extend_from_slice(aad);
        context
    }
}

impl KeyCipher for SessionCipher {
    fn seal(&self, aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, String> {
        Ok(self.0.encrypt_bound(plain, &Self::context(aad)))
    }

    fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, String> {
        self.0
            .decrypt_bound(sealed, &Self::context(aad))
            .map_err(|e| e.to_string())
    }
}

/// Chooses each bot's language model: the offline dialogue, or an OpenAI-compatible client
/// with the bot's key, sharing one HTTP pool. Clients are cached per bot and rebuilt when the
/// bot's settings or key change ([`invalidate`](Self::invalidate)). Every client applies the
/// server's [`NetworkPolicy`] (a tenant chooses the base URL).
pub struct LlmRouter {
    http: reqwest::Client,
    network: NetworkPolicy,
    secrets: Arc<SecretCache>,
    metrics: Metrics,
    offline: Arc<dyn LlmClient>,
    cache: Mutex<ClientCache>,
}

type ClientCache = HashMap<BotId, (LlmSettings, Arc<dyn LlmClient>)>;

impl LlmRouter {
    /// A router using `secrets` for keys, reporting to `metrics`, reaching only what
    /// `network` permits.
    pub fn new(
        secrets: Arc<SecretCache>,
        metrics: Metrics,
        network: NetworkPolicy,
    ) -> Result<Self, LlmError> {
        Ok(Self {
            http: ChatClient::guarded_http_client(&network)?,
            network,
            secrets,
            metrics,
            offline: Arc::new(OfflineLlm::new()),
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// Forgets the cached client of `bot` (its settings or key changed).
    pub fn invalidate(&self, bot: BotId) {
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&bot);
    }

    /// The bare client of `settings` with `api_key`: the offline model, or an OpenAI-compatible
    /// client on the shared HTTP pool. Neither cached nor timed; [`client_for`] wraps it.
    ///
    /// [`client_for`]: LlmFactory::client_for
    fn build(
        &self,
        settings: &LlmSettings,
        api_key: Option<SecretString>,
        adjust: impl FnOnce(OpenAiConfig) -> OpenAiConfig,
    ) -> Result<(&'static str, Arc<dyn LlmClient>), LlmError> {
        Ok(match settings.provider {
            LlmProvider::Offline => ("offline", self.offline.clone()),
            LlmProvider::OpenaiCompatible => {
                let config = adjust(OpenAiConfig::from_settings(settings, api_key));
                let observer: Arc<dyn LlmObserver> = Arc::new(ClientObserver);
                let client = ChatClient::with_http_client(config, self.http.clone())?
                    .with_network_policy(self.network.clone())
                    .with_shared_observer(observer);
                ("openai_compatible", Arc::new(client))
            }
        })
    }

    /// A one-off client for a connection test of `settings` with `api_key` (the bot's stored
    /// key or one typed in the settings form): one attempt, no retries, at most `deadline`.
    /// Not cached, and not timed as a bot call in the metrics.
    pub fn probe_client(
        &self,
        settings: &LlmSettings,
        api_key: Option<SecretString>,
        deadline: Duration,
    ) -> Result<Arc<dyn LlmClient>, LlmError> {
        let (_, client) = self.build(settings, api_key, |config| {
            config
                .with_timeout(deadline)
                .with_deadline(deadline)
                .with_max_retries(0)
        })?;
        Ok(client)
    }

    /// A human label for a bot's model ("Offline demo model…" or "deepseek-chat at …").
    pub fn label(settings: &LlmSettings) -> String {
        match settings.provider {
            LlmProvider::Offline => OfflineLlm::LABEL.to_string(),
            LlmProvider::OpenaiCompatible => {
                let config = OpenAiConfig::from_settings(settings, None);
                format!("{} at {}", config.model, config.base_url)
            }
        }
    }
}

impl LlmFactory for LlmRouter {
    fn client_for(&self, bot: &Bot) -> Result<Arc<dyn LlmClient>, LlmError> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((settings, client)) = cache.get(&bot.id)
            && *settings == bot.llm
        {
            return Ok(client.clone());
        }
        let (provider, inner) = self.build(&bot.llm, self.secrets.llm_key(bot.id), |c| c)?;
        let client: Arc<dyn LlmClient> = Arc::new(Observed {
            inner,
            provider,
            workspace: bot.workspace_id,
            metrics: self.metrics.clone(),
        });
        cache.insert(bot.id, (bot.llm.clone(), client.clone()));
        Ok(client)
    }
}

/// Feeds per-attempt details of OpenAI-compatible calls to the logs.
struct ClientObserver;

impl LlmObserver for ClientObserver {
    fn on_call(&self, record: &CallRecord) {
        if let Some(usage) = &record.usage {
            metrics::counter!("wabot_llm_tokens_total", "kind" => "prompt")
                .increment(u64::from(usage.prompt));
            metrics::counter!("wabot_llm_tokens_total", "kind" => "completion")
                .increment(u64::from(usage.completion));
        }
        if record.attempts > 1 {
            metrics::counter!("wabot_llm_retries_total").increment(u64::from(record.attempts - 1));
        }
    }
}

/// Times every call of a bot's model into the metrics (the wrapper pattern: same trait).
struct Observed {
    inner: Arc<dyn LlmClient>,
    provider: &'static str,
    workspace: WorkspaceId,
    metrics: Metrics,
}

#[async_trait]
impl LlmClient for Observed {
    async fn chat(&self, request: ChatRequest) -> Result<ChatResponse, LlmError> {
        let started = Instant::now();
        let result = self.inner.chat(request).await;
        let error = result.as_ref().err().map(|e| ErrorKind::of(e).as_str());
        self.metrics
            .record_llm_call(self.workspace, self.provider, started.elapsed(), error);
        result
    }
}

#[cfg(test)]
mod session_cipher_tests {
    use super::*;

    #[test]
    fn session_keys_are_sealed_and_only_open_for_their_own_bot_and_key() {
        let cipher = SessionCipher(Arc::new(Crypto::new([7; 32])));

        let sealed = cipher.seal(b"bot-a/session/1", b"ratchet").unwrap();

        assert_ne!(sealed, b"ratchet");
        assert_eq!(
            cipher.open(b"bot-a/session/1", &sealed).unwrap(),
            b"ratchet"
        );
        assert!(cipher.open(b"bot-b/session/1", &sealed).is_err());
        let other_key = SessionCipher(Arc::new(Crypto::new([8; 32])));
        assert!(other_key.open(b"bot-a/session/1", &sealed).is_err());
    }
}
