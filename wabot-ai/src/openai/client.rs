//! [`ChatClient`]: [`LlmClient`] over HTTP, with retries, deadline, tracing and an observer.

use std::{fmt, sync::Arc, time::SystemTime};

use async_trait::async_trait;
use reqwest::{
    StatusCode, Url,
    header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue},
    redirect,
};
use secrecy::ExposeSecret;
use tokio::time::{Duration, Instant};
use tracing::{Instrument, field};
use wabot_core::{
    LlmError,
    ports::{ChatRequest, ChatResponse, LlmClient},
};
use wabot_net::{Blocked, NetworkPolicy, is_internal};

use super::{
    config::OpenAiConfig,
    observer::{CallRecord, ErrorKind, LlmObserver, NoopObserver},
    retry::{backoff_bound, jittered, retry_after},
    status::status_error,
    wire::{ChatBody, ResponseFormat, WireMessage, parse_success},
};

/// Largest response body read; anything bigger is [`LlmError::Malformed`]. A chat answer is a
/// few kilobytes.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// A chat-completions client for DeepSeek and every OpenAI-compatible server (OpenAI, vLLM,
/// Ollama, llama.cpp): `POST {base_url}/chat/completions`, non-streaming.
///
/// Each [`chat`](LlmClient::chat) call:
/// - sends `{model, messages, temperature, max_tokens, stream: false}`, plus
///   `response_format: {"type": "json_object"}` in JSON mode, and `Authorization: Bearer`
///   only when a key is configured;
/// - retries timeouts, connection errors, 408, 429 and 5xx up to
///   [`max_retries`](OpenAiConfig::max_retries) times, waiting an exponential backoff with
///   full jitter, or what `Retry-After` asks (capped), never past the
///   [`deadline`](OpenAiConfig::deadline);
/// - does not retry what cannot succeed: 4xx ([`LlmError::Permanent`], with the provider's
///   message and what to do) and unreadable answers ([`LlmError::Malformed`]: not JSON,
///   truncated, no `choices`, empty content, or no JSON object in JSON mode);
/// - in JSON mode, returns the object alone: Markdown code fences some local models put around
///   it are removed;
/// - reports to the [`LlmObserver`] and records a `llm.chat` `tracing` span with the model,
///   attempts, latency and tokens.
///
/// The client is cheap to share (`Arc<ChatClient>`). Many clients (one per bot and key) can
/// share one connection pool through [`ChatClient::with_http_client`].
///
/// A host whose users choose the base URL (a multi-tenant server) attaches its
/// [`NetworkPolicy`] with [`ChatClient::with_network_policy`] and builds the pool with
/// [`ChatClient::guarded_http_client`]: the base URL is then checked before every call (IP
/// literals included), names are resolved through the policy's guard, and an error body that
/// came from an internal address is never quoted in the error (it would let a user read an
/// internal service through the error message).
///
/// ```no_run
/// use wabot_ai::openai::{ChatClient, OpenAiConfig};
/// use wabot_core::ports::{ChatMessage, ChatRequest, LlmClient};
///
/// # async fn run() -> Result<(), wabot_core::LlmError> {
/// let client = ChatClient::new(OpenAiConfig::deepseek("sk-..."))?;
/// let answer = client
///     .chat(ChatRequest {
///         messages: vec![ChatMessage::system("Be brief."), ChatMessage::user("Hi!")],
///         ..ChatRequest::default()
///     })
///     .await?;
/// println!("{} ({} tokens)", answer.content, answer.usage.completion);
/// # Ok(())
/// # }
/// ```
pub struct ChatClient {
    config: OpenAiConfig,
    http: reqwest::Client,
    endpoint: Url,
    /// The endpoint without user info, for messages.
    shown_endpoint: String,
    auth: Option<HeaderValue>,
    observer: Arc<dyn LlmObserver>,
    guard: Option<NetworkPolicy>,
}

impl ChatClient {
    /// A client with its own connection pool.
    ///
    /// Fails with [`LlmError::Permanent`] when the base URL is not an http(s) URL or the API
    /// key cannot be sent in a header.
    pub fn new(config: OpenAiConfig) -> Result<Self, LlmError> {
        Self::with_http_client(config, Self::http_client()?)
    }

    /// A client using `http`, e.g. one pool shared by every bot. Build it with
    /// [`ChatClient::http_client`] or make sure it does not follow redirects (a redirected POST
    /// becomes a GET). Timeouts set on `http` also apply.
    pub fn with_http_client(config: OpenAiConfig, http: reqwest::Client) -> Result<Self, LlmError> {
        let endpoint = endpoint(&config.base_url)?;
        let mut shown = endpoint.clone();
        // Both only fail for URLs that cannot have credentials, which then have none.
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        let auth = match &config.api_key {
            Some(key) if !key.expose_secret().trim().is_empty() => {
                let mut value =
                    HeaderValue::from_str(&format!("Bearer {}", key.expose_secret().trim()))
                        .map_err(|_| {
                            LlmError::Permanent(
                                "the API key contains characters not allowed in an HTTP header: \
                                 check the API key"
                                    .into(),
                            )
                        })?;
                value.set_sensitive(true);
                Some(value)
            }
            _ => None,
        };
        Ok(Self {
            config,
            http,
            endpoint,
            shown_endpoint: shown.to_string(),
            auth,
            observer: Arc::new(NoopObserver),
            guard: None,
        })
    }

    /// Applies `policy` to every call: the endpoint must pass
    /// [`NetworkPolicy::check_url`] (else [`LlmError::Permanent`] without any request), and
    /// error bodies from internal addresses are not quoted. Use it with an HTTP pool from
    /// [`ChatClient::guarded_http_client`] (same policy), which guards the names it resolves.
    pub fn with_network_policy(mut self, policy: NetworkPolicy) -> Self {
        self.guard = Some(policy);
        self
    }

    /// Like [`ChatClient::http_client`], built by `policy`: its guarded DNS resolver, no
    /// redirects, and no proxy but the policy's (never `HTTP_PROXY` from the environment).
    pub fn guarded_http_client(policy: &NetworkPolicy) -> Result<reqwest::Client, LlmError> {
        policy
            .client_builder()
            .user_agent(concat!("wabot/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                LlmError::Permanent(format!("could not build the HTTP client: {}", chain(&e)))
            })
    }

    /// An HTTP client suited to chat completions (rustls, HTTP/2, no redirects), to share
    /// between [`ChatClient`]s with [`ChatClient::with_http_client`].
    pub fn http_client() -> Result<reqwest::Client, LlmError> {
        reqwest::Client::builder()
            .user_agent(concat!("wabot/", env!("CARGO_PKG_VERSION")))
            .redirect(redirect::Policy::none())
            .build()
            .map_err(|e| {
                LlmError::Permanent(format!("could not build the HTTP client: {}", chain(&e)))
            })
    }

    /// Reports every call to `observer` (replacing the previous one).
    pub fn with_observer(self, observer: impl LlmObserver + 'static) -> Self {
        self.with_shared_observer(Arc::new(observer))
    }

    /// Reports every call to a shared `observer` (replacing the previous one).
    pub fn with_shared_observer(mut self, observer: Arc<dyn LlmObserver>) -> Self {
        self.observer = observer;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &OpenAiConfig {
        &self.config
    }

    /// The URL requests go to, `{base_url}/chat/completions`.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// All attempts of one call. Returns the result, the attempts made and the last status.
    async fn call(
        &self,
        request: &ChatRequest,
        json_mode: bool,
        started: Instant,
    ) -> (Result<ChatResponse, LlmError>, u32, Option<StatusCode>) {
        let config = &self.config;
        let body = ChatBody {
            model: &config.model,
            messages: request.messages.iter().map(WireMessage::from).collect(),
            temperature: request.temperature.unwrap_or(config.temperature),
            max_tokens: request.max_tokens.unwrap_or(config.max_tokens),
            stream: false,
            response_format: json_mode.then_some(ResponseFormat::JSON_OBJECT),
        };
        let body = match serde_json::to_vec(&body) {
            Ok(body) => body,
            Err(e) => {
                let error = LlmError::Permanent(format!("could not encode the request: {e}"));
                return (Err(error), 0, None);
            }
        };
        if let Some(guard) = &self.guard
            && let Err(blocked) = guard.check_url(&self.endpoint)
        {
            return (Err(blocked_error(&blocked)), 0, None);
        }
        let deadline = started + config.deadline;
        let mut attempts = 0;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return (Err(timeout(started)), attempts, None);
            }
            attempts += 1;
            let attempt = self
                .attempt(body.clone(), config.timeout.min(remaining), json_mode)
                .await;
            let error = match attempt.result {
                Ok(response) => return (Ok(response), attempts, attempt.status),
                Err(error) if !error.is_transient() => {
                    return (Err(error), attempts, attempt.status);
                }
                Err(error) => error,
            };
            if attempts > config.max_retries {
                return (Err(error), attempts, attempt.status);
            }
            let wait = match attempt.retry_after {
                Some(asked) => asked.min(config.max_retry_after),
                None => jittered(
                    backoff_bound(config.initial_backoff, config.max_backoff, attempts - 1),
                    rand::random::<f64>(),
                ),
            };
            if Instant::now() + wait >= deadline {
                // No time left for another attempt: report the last failure.
                let error = match error {
                    LlmError::Timeout(_) => timeout(started),
                    other => other,
                };
                return (Err(error), attempts, attempt.status);
            }
            tracing::warn!(
                attempt = attempts,
                wait_ms = millis(wait),
                error = %error,
                "llm call failed, retrying"
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// One HTTP exchange, bounded by `timeout`.
    async fn attempt(&self, body: Vec<u8>, timeout: Duration, json_mode: bool) -> Attempt {
        let mut request = self
            .http
            .post(self.endpoint.clone())
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(auth) = &self.auth {
            request = request.header(AUTHORIZATION, auth.clone());
        }
        let exchange = async {
            let mut response = request.send().await.map_err(|e| self.http_error(e))?;
            // With a guard, what an internal address answered is not repeated to the user.
            let quote = self.guard.is_none()
                || response
                    .remote_addr()
                    .is_some_and(|addr| !is_internal(addr.ip()));
            let status = response.status();
            let asked_wait = retry_after(response.headers(), SystemTime::now());
            let body = read_capped(&mut response)
                .await
                .map_err(|e| self.http_error(e))?;
            Ok::<_, LlmError>((status, asked_wait, body, quote))
        };
        let (status, asked_wait, body, quote) = match tokio::time::timeout(timeout, exchange).await
        {
            Err(_elapsed) => return Attempt::failed(LlmError::Timeout(millis(timeout))),
            Ok(Err(error)) => return Attempt::failed(error),
            Ok(Ok(exchange)) => exchange,
        };
        let Some(body) = body else {
            return Attempt {
                result: Err(LlmError::Malformed(format!(
                    "the response body is larger than {MAX_BODY_BYTES} bytes"
                ))),
                status: Some(status),
                retry_after: None,
            };
        };
        if status.is_success() {
            let result = match parse_success(&body, json_mode) {
                Err(LlmError::Malformed(_)) if !quote => Err(LlmError::Malformed(
                    "the answer is not an OpenAI-compatible chat completion (not quoted: it \
                     came from a private address)"
                        .into(),
                )),
                other => other,
            };
            Attempt {
                result,
                status: Some(status),
                retry_after: None,
            }
        } else {
            let body: &[u8] = if quote { &body } else { b"" };
            Attempt {
                result: Err(status_error(status, body, &self.shown_endpoint)),
                status: Some(status),
                retry_after: asked_wait,
            }
        }
    }

    /// Classifies a failure below HTTP: timeouts, refused or broken connections (transient).
    fn http_error(&self, error: reqwest::Error) -> LlmError {
        if let Some(blocked) = Blocked::find(&error) {
            return blocked_error(blocked);
        }
        if error.is_timeout() {
            return LlmError::Timeout(millis(self.config.timeout));
        }
        if error.is_builder() {
            return LlmError::Permanent(format!(
                "could not build the request to {}: {}",
                self.shown_endpoint,
                chain(&error)
            ));
        }
        let what = if error.is_connect() {
            "could not connect to"
        } else if error.is_body() || error.is_decode() {
            "the connection broke while reading the answer from"
        } else {
            "the request failed at"
        };
        LlmError::Transient(format!("{what} {}: {}", self.shown_endpoint, chain(&error)))
    }

    /// Removes the API key from a message, should a provider or proxy ever echo it.
    fn redact(&self, error: LlmError) -> LlmError {
        let Some(key) = self
            .config
            .api_key
            .as_ref()
            .map(|key| key.expose_secret().trim())
            .filter(|key| key.len() >= 4)
        else {
            return error;
        };
        let clean = |message: String| message.replace(key, "[REDACTED]");
        match error {
            LlmError::Transient(m) => LlmError::Transient(clean(m)),
            LlmError::Permanent(m) => LlmError::Permanent(clean(m)),
            LlmError::Malformed(m) => LlmError::Malformed(clean(m)),
            other => other,
        }
    }
}

#[async_trait]
impl LlmClient for ChatClient {
    async fn chat(&self, request: ChatRequest) -> Result<ChatResponse, LlmError> {
        let started = Instant::now();
        let json_mode = request.json_mode || self.config.json_mode;
        let span = tracing::info_span!(
            "llm.chat",
            model = %self.config.model,
            purpose = ?request.purpose,
            json_mode,
            attempts = field::Empty,
            status = field::Empty,
            latency_ms = field::Empty,
            prompt_tokens = field::Empty,
            completion_tokens = field::Empty,
            cached_tokens = field::Empty,
            error_kind = field::Empty,
        );
        let (result, attempts, status) = self
            .call(&request, json_mode, started)
            .instrument(span.clone())
            .await;
        let result = result.map_err(|error| self.redact(error));
        let latency = started.elapsed();

        span.record("attempts", attempts);
        span.record("latency_ms", millis(latency));
        if let Some(status) = status {
            span.record("status", status.as_u16());
        }
        let (usage, error) = span.in_scope(|| match &result {
            Ok(response) => {
                let usage = response.usage;
                span.record("prompt_tokens", usage.prompt);
                span.record("completion_tokens", usage.completion);
                span.record("cached_tokens", usage.cached);
                tracing::debug!("llm call answered");
                (Some(usage), None)
            }
            Err(error) => {
                let kind = ErrorKind::of(error);
                span.record("error_kind", kind.as_str());
                tracing::warn!(error = %error, "llm call failed");
                (None, Some(kind))
            }
        });
        self.observer.on_call(&CallRecord {
            model: self.config.model.clone(),
            purpose: request.purpose,
            latency,
            attempts,
            status: status.map(|status| status.as_u16()),
            usage,
            error,
        });
        result
    }
}

impl fmt::Debug for ChatClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChatClient")
            .field("endpoint", &self.shown_endpoint)
            .field("model", &self.config.model)
            .field("api_key", &self.auth.as_ref().map(|_| "[REDACTED]"))
            .field("timeout", &self.config.timeout)
            .field("deadline", &self.config.deadline)
            .field("max_retries", &self.config.max_retries)
            .finish_non_exhaustive()
    }
}

/// The outcome of one HTTP attempt.
struct Attempt {
    result: Result<ChatResponse, LlmError>,
    status: Option<StatusCode>,
    /// What `Retry-After` asked, on an error status.
    retry_after: Option<Duration>,
}

impl Attempt {
    fn failed(error: LlmError) -> Self {
        Self {
            result: Err(error),
            status: None,
            retry_after: None,
        }
    }
}

/// `{base_url}/chat/completions`, whatever the trailing slashes; a base URL that already ends
/// in `/chat/completions` is used as is.
fn endpoint(base_url: &str) -> Result<Url, LlmError> {
    let invalid = |why: String| {
        LlmError::Permanent(format!(
            "invalid base_url {base_url:?}: {why}; expected e.g. https://api.deepseek.com or \
             http://localhost:11434/v1"
        ))
    };
    let base = Url::parse(base_url.trim()).map_err(|e| invalid(e.to_string()))?;
    if !matches!(base.scheme(), "http" | "https") {
        return Err(invalid(format!(
            "the scheme must be http or https, not {}",
            base.scheme()
        )));
    }
    let path = base.path().trim_end_matches('/');
    let path = if path.ends_with("/chat/completions") {
        path.to_owned()
    } else {
        format!("{path}/chat/completions")
    };
    let mut url = base.clone();
    url.set_path(&path);
    Ok(url)
}

/// Reads the body up to [`MAX_BODY_BYTES`]; `None` when it is larger.
async fn read_capped(response: &mut reqwest::Response) -> Result<Option<Vec<u8>>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

/// An error and its sources, without the URL (which could hold credentials).
fn chain(error: &reqwest::Error) -> String {
    let mut text = String::new();
    let mut next: Option<&dyn std::error::Error> = Some(error);
    while let Some(error) = next {
        let part = match error.downcast_ref::<reqwest::Error>() {
            Some(reqwest_error) if reqwest_error.url().is_some() => {
                // `without_url` needs ownership; rebuild the message from the kind instead.
                kind_of(reqwest_error).to_owned()
            }
            _ => error.to_string(),
        };
        if !part.is_empty() && !text.ends_with(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
        next = error.source();
    }
    text
}

fn kind_of(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "operation timed out"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_body() {
        "error reading the body"
    } else if error.is_decode() {
        "error decoding the body"
    } else if error.is_redirect() {
        "redirect error"
    } else if error.is_builder() {
        "invalid request"
    } else {
        "error sending the request"
    }
}

/// The error for a base URL the network policy refuses (never transient).
fn blocked_error(blocked: &Blocked) -> LlmError {
    LlmError::Permanent(format!("base_url {blocked}"))
}

fn timeout(started: Instant) -> LlmError {
    LlmError::Timeout(millis(started.elapsed()))
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_with_or_without_slash_and_v1_are_accepted() {
        let cases = [
            (
                "https://api.deepseek.com",
                "https://api.deepseek.com/chat/completions",
            ),
            (
                "https://api.deepseek.com/",
                "https://api.deepseek.com/chat/completions",
            ),
            (
                "https://api.openai.com/v1/",
                "https://api.openai.com/v1/chat/completions",
            ),
            (
                " http://localhost:11434/v1 ",
                "http://localhost:11434/v1/chat/completions",
            ),
            (
                "http://host:8000/v1/chat/completions",
                "http://host:8000/v1/chat/completions",
            ),
        ];

        for (base, expected) in cases {
            assert_eq!(endpoint(base).unwrap().as_str(), expected, "{base}");
        }
    }

    #[test]
    fn bad_base_urls_are_permanent_errors() {
        for base in ["", "api.deepseek.com", "ftp://host/v1", "http://"] {
            assert!(
                matches!(endpoint(base), Err(LlmError::Permanent(_))),
                "{base}"
            );
        }
    }

    #[test]
    fn credentials_in_the_base_url_are_not_shown() {
        let config = OpenAiConfig::new("http://user:hunter2@localhost:8000/v1", "m");

        let client = ChatClient::new(config).unwrap();

        assert_eq!(
            client.shown_endpoint,
            "http://localhost:8000/v1/chat/completions"
        );
        assert!(!format!("{client:?}").contains("hunter2"));
    }
}
