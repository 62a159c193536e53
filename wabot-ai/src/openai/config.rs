//! [`OpenAiConfig`]: where the model lives, which one, with which key, and how hard to try.

use std::time::Duration;

use secrecy::SecretString;
use wabot_core::domain::LlmSettings;

/// DeepSeek's API, the default base URL. `https://api.deepseek.com/v1` is accepted too.
pub const DEEPSEEK_BASE_URL: &str = "https://api.deepseek.com";
/// DeepSeek's general chat model, the default model.
pub const DEEPSEEK_CHAT_MODEL: &str = "deepseek-chat";

/// Configuration of a [`ChatClient`](super::ChatClient).
///
/// Start from [`OpenAiConfig::deepseek`], [`OpenAiConfig::new`] or
/// [`OpenAiConfig::from_settings`] and adjust with the `with_*` methods:
///
/// ```
/// use std::time::Duration;
///
/// use wabot_ai::openai::OpenAiConfig;
///
/// // A local Ollama server: OpenAI-compatible under /v1, no key.
/// let config = OpenAiConfig::new("http://localhost:11434/v1", "llama3.2")
///     .with_timeout(Duration::from_secs(60))
///     .with_max_retries(1);
/// assert!(config.api_key.is_none());
/// ```
///
/// The API key is a [`SecretString`]: `Debug` prints it as `[REDACTED]`, and the client never
/// puts it in an error or a log line.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OpenAiConfig {
    /// Base URL of the OpenAI-compatible API; `/chat/completions` is appended. A trailing
    /// slash does not matter. Examples: DeepSeek `https://api.deepseek.com` (the default, with
    /// or without `/v1`), OpenAI `https://api.openai.com/v1`, Ollama
    /// `http://localhost:11434/v1`, vLLM or llama.cpp's `llama-server` `http://host:8000/v1`.
    pub base_url: String,
    /// Model name sent with every request, e.g. `deepseek-chat`, `gpt-4o-mini`, `llama3.2`.
    pub model: String,
    /// Bearer token; `None` sends no `Authorization` header (Ollama, most local servers).
    pub api_key: Option<SecretString>,
    /// Sampling temperature used when a [`ChatRequest`](wabot_core::ports::ChatRequest) does
    /// not set one.
    pub temperature: f32,
    /// Reply length limit used when a request does not set one.
    pub max_tokens: u32,
    /// Time allowed for one HTTP attempt, from connecting to the last byte of the body.
    pub timeout: Duration,
    /// Time allowed for the whole call, retries and waits included. No attempt runs past it.
    pub deadline: Duration,
    /// How many times a transient failure (timeout, connection error, 429, 5xx) is retried.
    /// `0` makes one attempt only.
    pub max_retries: u32,
    /// Upper bound of the first backoff; each retry doubles it (full jitter: the actual wait
    /// is uniformly random between zero and the bound).
    pub initial_backoff: Duration,
    /// Largest backoff bound, however many retries came before.
    pub max_backoff: Duration,
    /// Largest wait honoured from a `Retry-After` (or `retry-after-ms`) header.
    pub max_retry_after: Duration,
    /// Ask for a JSON object on every request, even when the request's own `json_mode` is off.
    pub json_mode: bool,
}

impl OpenAiConfig {
    /// A configuration for `model` at `base_url`, without a key, with the default limits:
    /// temperature 0.7, 400 tokens, 20 s per attempt, 30 s in all, 2 retries, backoff from
    /// 250 ms to 4 s, `Retry-After` honoured up to 10 s.
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            model: model.into(),
            api_key: None,
            temperature: 0.7,
            max_tokens: 400,
            timeout: Duration::from_secs(20),
            deadline: Duration::from_secs(30),
            max_retries: 2,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(4),
            max_retry_after: Duration::from_secs(10),
            json_mode: false,
        }
    }

    /// DeepSeek (`https://api.deepseek.com`, model `deepseek-chat`) with `api_key`.
    pub fn deepseek(api_key: impl Into<SecretString>) -> Self {
        Self::new(DEEPSEEK_BASE_URL, DEEPSEEK_CHAT_MODEL).with_api_key(api_key)
    }

    /// Maps a bot's [`LlmSettings`]: base URL and model (DeepSeek's when unset), temperature,
    /// max tokens, and `timeout_ms` as the deadline of the whole call, which also bounds each
    /// attempt. The key comes from the host's secret storage, never from the settings.
    ///
    /// The provider is not looked at: the caller decides whether the bot uses this client or
    /// the [`offline`](crate::offline) one.
    pub fn from_settings(settings: &LlmSettings, api_key: impl Into<Option<SecretString>>) -> Self {
        let base_url = settings
            .base_url
            .as_deref()
            .map(str::trim)
            .filter(|url| !url.is_empty())
            .unwrap_or(DEEPSEEK_BASE_URL);
        let model = settings
            .model
            .as_deref()
            .map(str::trim)
            .filter(|model| !model.is_empty())
            .unwrap_or(DEEPSEEK_CHAT_MODEL);
        let deadline = Duration::from_millis(settings.timeout_ms);
        let mut config = Self::new(base_url, model)
            .with_temperature(settings.temperature)
            .with_max_tokens(settings.max_tokens)
            .with_timeout(deadline)
            .with_deadline(deadline);
        config.api_key = api_key.into();
        config
    }

    /// Sets the bearer token.
    pub fn with_api_key(mut self, api_key: impl Into<SecretString>) -> Self {
        self.api_key = Some(api_key.into());
        self
    }

    /// Sends no `Authorization` header.
    pub fn without_api_key(mut self) -> Self {
        self.api_key = None;
        self
    }

    /// Sets the base URL (see [`OpenAiConfig::base_url`]).
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Sets the model name.
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        self
    }

    /// Sets the default temperature.
    pub fn with_temperature(mut self, temperature: f32) -> Self {
        self.temperature = temperature;
        self
    }

    /// Sets the default reply length limit.
    pub fn with_max_tokens(mut self, max_tokens: u32) -> Self {
        self.max_tokens = max_tokens;
        self
    }

    /// Sets the time allowed for one attempt.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the time allowed for the whole call, retries included.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Sets how many times transient failures are retried.
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Sets the first and the largest backoff bound.
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max;
        self
    }

    /// Sets the largest `Retry-After` wait honoured.
    pub fn with_max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// Asks for a JSON object on every request.
    pub fn with_json_mode(mut self, json_mode: bool) -> Self {
        self.json_mode = json_mode;
        self
    }
}

impl Default for OpenAiConfig {
    /// DeepSeek without a key (set one with [`OpenAiConfig::with_api_key`]).
    fn default() -> Self {
        Self::new(DEEPSEEK_BASE_URL, DEEPSEEK_CHAT_MODEL)
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;
    use wabot_core::domain::LlmProvider;

    use super::*;

    #[test]
    fn settings_map_to_the_config_with_deepseek_defaults() {
        let settings = LlmSettings {
            provider: LlmProvider::OpenaiCompatible,
            base_url: None,
            model: Some("  ".into()),
            temperature: 0.2,
            max_tokens: 123,
            timeout_ms: 1_500,
        };

        let config = OpenAiConfig::from_settings(&settings, SecretString::from("sk-x"));

        assert_eq!(config.base_url, DEEPSEEK_BASE_URL);
        assert_eq!(config.model, DEEPSEEK_CHAT_MODEL);
        assert_eq!(config.temperature, 0.2);
        assert_eq!(config.max_tokens, 123);
        assert_eq!(config.deadline, Duration::from_millis(1_500));
        assert_eq!(config.timeout, Duration::from_millis(1_500));
        assert_eq!(config.api_key.unwrap().expose_secret(), "sk-x");
    }

    #[test]
    fn settings_base_url_and_model_override_the_defaults() {
        let settings = LlmSettings {
            provider: LlmProvider::OpenaiCompatible,
            base_url: Some("http://localhost:11434/v1".into()),
            model: Some("llama3.2".into()),
            ..LlmSettings::default()
        };

        let config = OpenAiConfig::from_settings(&settings, None);

        assert_eq!(config.base_url, "http://localhost:11434/v1");
        assert_eq!(config.model, "llama3.2");
        assert!(config.api_key.is_none());
    }
}
