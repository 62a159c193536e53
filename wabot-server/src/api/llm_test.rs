//! `POST /bots/{bot_id}/llm/test`: one tiny chat request to the bot's language model, so the
//! settings form can tell whether the provider, base URL, model and key work before saving.

use std::time::{Duration, Instant};

use poem::web::Data;
use poem_openapi::{Enum, Object, OpenApi, param::Path, payload::Json};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;
use wabot_ai::openai::{ErrorKind, OpenAiConfig};
use wabot_core::{
    LlmError,
    domain::{LlmSettings, Role},
    ports::{ChatMessage, ChatPurpose, ChatRequest},
};

use wabot_net::NetworkPolicy;

use super::{ApiTags, load_bot, types::LlmProvider};
use crate::{auth::ApiAuth, error::ApiError, network::check_tenant_url, state::AppState};

/// How long a connection test may take, end to end.
pub const TEST_DEADLINE: Duration = Duration::from_secs(15);
/// The longest reply quoted back.
const REPLY_CHARS: usize = 80;

/// The language-model test API.
pub struct LlmTestApi;

/// Settings to test instead of the saved ones; every field is optional (`{}` tests the bot as
/// saved).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct LlmTestBody {
    // `offline` or `openai_compatible`; the saved provider when absent.
    provider: Option<LlmProvider>,
    /// Base URL of the OpenAI-compatible API; the saved one when absent, DeepSeek's when blank.
    pub base_url: Option<String>,
    /// Model name; the saved one when absent, `deepseek-chat` when blank.
    pub model: Option<String>,
    /// An API key to try (never stored or returned). When absent or blank, the bot's stored
    /// key is used — but only with the saved base URL: testing another `base_url` sends no
    /// key unless one is typed here.
    #[oai(write_only)]
    pub api_key: Option<String>,
}

/// Why a connection test failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum LlmTestErrorKind {
    /// No answer within the deadline.
    Timeout,
    /// Connection error, rate limit or server error: may work later.
    Transient,
    /// Rejected: bad key, no balance, unknown model or wrong base URL.
    Permanent,
    /// The answer was not an OpenAI-compatible chat completion.
    Malformed,
}

impl From<ErrorKind> for LlmTestErrorKind {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::Timeout => Self::Timeout,
            ErrorKind::Transient => Self::Transient,
            ErrorKind::Malformed => Self::Malformed,
            _ => Self::Permanent,
        }
    }
}

/// The outcome of a connection test. A provider that fails is a normal answer with `ok: false`.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct LlmTestResult {
    /// Whether the model answered.
    pub ok: bool,
    /// Time taken, in milliseconds.
    pub latency_ms: u64,
    // The provider tested.
    provider: LlmProvider,
    /// The model tested (`offline` for the offline model).
    pub model: String,
    /// The start of the model's reply, when it answered.
    pub reply: Option<String>,
    // Why it failed, when it did.
    error_kind: Option<LlmTestErrorKind>,
    /// What happened, in words (what to check when it failed).
    pub message: String,
}

/// The settings to test: the saved ones with the body's overrides; a `base_url` must be an
/// http(s) URL `network` permits.
fn merged(
    saved: &LlmSettings,
    body: &LlmTestBody,
    network: &NetworkPolicy,
) -> Result<LlmSettings, ApiError> {
    let mut settings = saved.clone();
    if let Some(provider) = body.provider {
        settings.provider = provider.into();
    }
    if let Some(url) = &body.base_url {
        let url = url.trim();
        if !url.is_empty() {
            check_tenant_url(network, "base_url", url)?;
        }
        settings.base_url = (!url.is_empty()).then(|| url.to_string());
    }
    if let Some(model) = &body.model {
        let model = model.trim();
        if model.len() > 200 || model.chars().any(char::is_control) {
            return Err(ApiError::invalid(
                "model",
                "must be at most 200 printable characters",
            ));
        }
        settings.model = (!model.is_empty()).then(|| model.to_string());
    }
    Ok(settings)
}

/// The body's key when one was typed, else `None` (use the stored one).
fn typed_key(body: &LlmTestBody) -> Result<Option<SecretString>, ApiError> {
    let Some(key) = body
        .api_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
    else {
        return Ok(None);
    };
    if key.len() > 500 || key.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "api_key",
            "must be 1–500 printable characters",
        ));
    }
    Ok(Some(SecretString::from(key.to_string())))
}

/// The URL a client of `settings` sends to (the default when unset), for comparing two.
fn effective_url(settings: &LlmSettings) -> String {
    OpenAiConfig::from_settings(settings, None)
        .base_url
        .trim()
        .trim_end_matches('/')
        .to_string()
}

/// Said after a failure when the stored key was held back from another base URL.
const KEY_HELD_BACK: &str = " (the stored API key is sent only to the saved base URL: type the \
                             key to test another one)";

/// A sentence for a failed call, leading with the likely fix for the common cases.
fn explain(error: &LlmError) -> String {
    let detail = error.to_string();
    let lead = match error {
        LlmError::Timeout(_) => Some(format!(
            "no answer within {} s: check the base URL and that the provider is reachable",
            TEST_DEADLINE.as_secs()
        )),
        LlmError::Permanent(m) if m.contains("HTTP 401") => {
            Some("the provider refused the API key (401): check the key".to_string())
        }
        LlmError::Permanent(m) if m.contains("HTTP 402") => {
            Some("the provider says the account has no balance (402): top it up".to_string())
        }
        LlmError::Permanent(m) if m.contains("HTTP 404") => Some(
            "the provider has no such endpoint or model (404): check the base URL and the model"
                .to_string(),
        ),
        _ => None,
    };
    match lead {
        Some(lead) if !matches!(error, LlmError::Timeout(_)) => format!("{lead} — {detail}"),
        Some(lead) => lead,
        None => detail,
    }
}

/// The first characters of `text`, on one line.
fn truncate(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = line.chars().take(REPLY_CHARS).collect();
    if line.chars().count() > REPLY_CHARS {
        out.push('…');
    }
    out
}

#[OpenApi(prefix_path = "/bots", tag = "ApiTags::Bots")]
impl LlmTestApi {
    /// Test the language model
    ///
    /// Sends one tiny chat request ("ping", at most 5 tokens, 15 s deadline, no retries) to the
    /// bot's language model, with the saved settings and key or the body's overrides (so a
    /// form can be tested before saving). A provider that fails answers 200 with `ok: false`,
    /// `error_kind` and a message saying what to check; the API key is never echoed.
    #[oai(
        path = "/:bot_id/llm/test",
        method = "post",
        operation_id = "test_bot_llm"
    )]
    async fn test_llm(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The bot.
        bot_id: Path<Uuid>,
        req: Json<LlmTestBody>,
    ) -> Result<Json<LlmTestResult>, ApiError> {
        let bot = load_bot(&state, auth.principal(), bot_id.0, Role::Manager).await?;
        let network = crate::network::policy(&state.settings);
        let settings = merged(&bot.llm, &req, &network)?;
        // The stored key goes only where it was saved for: a caller-chosen URL needs a
        // caller-typed key, or the key could be sent to a server the caller controls.
        let same_url = effective_url(&settings) == effective_url(&bot.llm);
        let (key, held_back) = match typed_key(&req)? {
            Some(key) => (Some(key), false),
            None if same_url => (state.secrets.llm_key(bot.id), false),
            None => (None, state.secrets.has_llm_key(bot.id)),
        };
        let provider = LlmProvider::from(settings.provider);
        let model = match provider {
            LlmProvider::Offline => "offline".to_string(),
            LlmProvider::OpenaiCompatible => OpenAiConfig::from_settings(&settings, None).model,
        };
        let secret = key
            .as_ref()
            .map(|k| k.expose_secret().trim().to_string())
            .filter(|k| k.len() >= 4);
        // Belt and braces: no provider message quoting the key gets back to the browser.
        let redact = |text: String| match &secret {
            Some(k) => text.replace(k.as_str(), "[REDACTED]"),
            None => text,
        };
        let started = Instant::now();
        let outcome = match state.llm.probe_client(&settings, key, TEST_DEADLINE) {
            Ok(client) => {
                let request = ChatRequest {
                    messages: vec![
                        ChatMessage::system("Reply with OK."),
                        ChatMessage::user("ping"),
                    ],
                    temperature: Some(0.0),
                    max_tokens: Some(5),
                    json_mode: false,
                    purpose: ChatPurpose::Reply,
                };
                // The client keeps to the deadline; this only guards against a stuck provider.
                match tokio::time::timeout(
                    TEST_DEADLINE + Duration::from_secs(1),
                    client.chat(request),
                )
                .await
                {
                    Ok(result) => result,
                    Err(_) => Err(LlmError::Timeout(TEST_DEADLINE.as_millis() as u64)),
                }
            }
            Err(e) => Err(e),
        };
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let result = match outcome {
            Ok(response) => LlmTestResult {
                ok: true,
                latency_ms,
                message: format!("Connected · {model} · {latency_ms} ms"),
                provider,
                model,
                reply: Some(redact(truncate(&response.content))),
                error_kind: None,
            },
            Err(e) => {
                tracing::info!(bot = %bot.id, "language-model test failed: {}", redact(e.to_string()));
                LlmTestResult {
                    ok: false,
                    latency_ms,
                    provider,
                    model,
                    reply: None,
                    error_kind: Some(ErrorKind::of(&e).into()),
                    message: redact(explain(&e)) + if held_back { KEY_HELD_BACK } else { "" },
                }
            }
        };
        Ok(Json(result))
    }
}
