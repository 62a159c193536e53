//! [`FakeDeepSeek`]: a local server speaking DeepSeek's documented chat-completions format,
//! with one helper per situation a test needs.

use std::{
    future::{Future, IntoFuture},
    pin::Pin,
    time::Duration,
};

use serde_json::{Value, json};
use wabot_ai::openai::{ChatClient, OpenAiConfig};
use wabot_core::ports::{ChatMessage, ChatRequest, TokenUsage};
use wiremock::{
    Mock, MockServer, Request, ResponseTemplate,
    matchers::{method, path},
};

/// The API key the tests use; it must never show up in errors, logs or `Debug`.
pub(crate) const TEST_KEY: &str = "sk-test-5e3c1d0b9a8f7e6d";

/// The usage [`FakeDeepSeek::replies_with`] reports.
pub(crate) const USAGE: TokenUsage = TokenUsage {
    prompt: 21,
    completion: 7,
    cached: 16,
};

/// A local DeepSeek: `POST /chat/completions` (and `/v1/chat/completions`).
pub(crate) struct FakeDeepSeek {
    server: MockServer,
}

impl FakeDeepSeek {
    /// Starts a server on a free local port, with nothing mounted (unmatched requests get 404).
    pub(crate) async fn start() -> Self {
        crate::init_test_log();
        Self {
            server: MockServer::start().await,
        }
    }

    /// The base URL, like `https://api.deepseek.com`.
    pub(crate) fn base_url(&self) -> String {
        self.server.uri()
    }

    /// A config for this server with [`TEST_KEY`] and test-sized limits: 2 s per attempt,
    /// 5 s in all, 2 retries, backoff 5–20 ms.
    pub(crate) fn config(&self) -> OpenAiConfig {
        OpenAiConfig::new(self.base_url(), "deepseek-chat")
            .with_api_key(TEST_KEY)
            .with_timeout(Duration::from_secs(2))
            .with_deadline(Duration::from_secs(5))
            .with_max_retries(2)
            .with_backoff(Duration::from_millis(5), Duration::from_millis(20))
    }

    /// A client with [`FakeDeepSeek::config`].
    pub(crate) fn client(&self) -> ChatClient {
        self.client_with(|config| config)
    }

    /// A client with [`FakeDeepSeek::config`] changed by `adjust`.
    pub(crate) fn client_with(
        &self,
        adjust: impl FnOnce(OpenAiConfig) -> OpenAiConfig,
    ) -> ChatClient {
        ChatClient::new(adjust(self.config())).expect("valid test config")
    }

    /// Answers `content` with DeepSeek's success body and [`USAGE`].
    pub(crate) fn replies_with(&self, content: &str) -> Stub<'_> {
        self.json_reply(completion(content))
    }

    /// Answers 200 with `body` as JSON.
    pub(crate) fn json_reply(&self, body: Value) -> Stub<'_> {
        self.stub(ResponseTemplate::new(200).set_body_json(body))
    }

    /// Answers 200 with `body` as it is, labelled JSON.
    pub(crate) fn raw_reply(&self, body: impl Into<Vec<u8>>) -> Stub<'_> {
        self.stub(ResponseTemplate::new(200).set_body_raw(body.into(), "application/json"))
    }

    /// Answers a success body cut in the middle (complete HTTP, incomplete JSON).
    pub(crate) fn truncated_body(&self) -> Stub<'_> {
        let full = serde_json::to_vec(&completion("This answer never ends")).unwrap();
        self.raw_reply(full[..full.len() / 2].to_vec())
    }

    /// Answers "Sorry for the wait" after `delay`.
    pub(crate) fn slow(&self, delay: Duration) -> Stub<'_> {
        let mut stub = self.replies_with("Sorry for the wait");
        stub.template = stub.template.set_delay(delay);
        stub
    }

    /// Answers 429 "Rate Limit Reached", with `Retry-After: {retry_after}` when given.
    pub(crate) fn rate_limited(&self, retry_after: Option<&str>) -> Stub<'_> {
        let mut template = error_template(429, "Rate Limit Reached");
        if let Some(value) = retry_after {
            template = template.insert_header("retry-after", value);
        }
        self.stub(template)
    }

    /// Answers 503 "Server Overloaded", as DeepSeek does under high traffic.
    pub(crate) fn overloaded(&self) -> Stub<'_> {
        self.stub(error_template(503, "Server Overloaded"))
    }

    /// Answers `code` with DeepSeek's error body carrying `message`.
    pub(crate) fn status(&self, code: u16, message: &str) -> Stub<'_> {
        self.stub(error_template(code, message))
    }

    /// Answers with `template` as it is.
    pub(crate) fn stub(&self, template: ResponseTemplate) -> Stub<'_> {
        Stub {
            server: &self.server,
            template,
            path: "/chat/completions",
            times: None,
        }
    }

    /// Every request received, oldest first.
    pub(crate) async fn requests(&self) -> Vec<Request> {
        self.server
            .received_requests()
            .await
            .expect("request recording is on")
    }

    /// How many requests came in.
    pub(crate) async fn request_count(&self) -> usize {
        self.requests().await.len()
    }
}

/// A canned answer about to be mounted: `.await` it. Answers every time unless limited with
/// [`Stub::once`] or [`Stub::times`]; stubs mounted earlier answer first.
pub(crate) struct Stub<'a> {
    server: &'a MockServer,
    template: ResponseTemplate,
    path: &'static str,
    times: Option<u64>,
}

impl Stub<'_> {
    /// Answers the first matching request only.
    pub(crate) fn once(self) -> Self {
        self.times(1)
    }

    /// Answers the first `n` matching requests only.
    pub(crate) fn times(mut self, n: u64) -> Self {
        self.times = Some(n);
        self
    }

    /// Listens on `path` instead of `/chat/completions`.
    pub(crate) fn at_path(mut self, path: &'static str) -> Self {
        self.path = path;
        self
    }
}

impl<'a> IntoFuture for Stub<'a> {
    type Output = ();
    type IntoFuture = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        let mut mock = Mock::given(method("POST"))
            .and(path(self.path))
            .respond_with(self.template);
        if let Some(n) = self.times {
            mock = mock.up_to_n_times(n);
        }
        Box::pin(mock.mount(self.server))
    }
}

/// DeepSeek's success body, from its API docs.
pub(crate) fn completion(content: &str) -> Value {
    json!({
        "id": "930c60df-bf64-41c9-a88e-3ec75f81e00e",
        "object": "chat.completion",
        "created": 1_705_651_092,
        "model": "deepseek-chat",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content},
            "logprobs": null,
            "finish_reason": "stop"
        }],
        "usage": {
            "prompt_tokens": USAGE.prompt,
            "completion_tokens": USAGE.completion,
            "total_tokens": USAGE.prompt + USAGE.completion,
            "prompt_cache_hit_tokens": USAGE.cached,
            "prompt_cache_miss_tokens": USAGE.prompt - USAGE.cached
        },
        "system_fingerprint": "fp_a49d71b8a1"
    })
}

/// DeepSeek's error body.
fn error_template(code: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(code).set_body_json(json!({
        "error": {
            "message": message,
            "type": "invalid_request_error",
            "param": null,
            "code": "invalid_request_error"
        }
    }))
}

/// A short conversation: a system prompt and one customer message.
pub(crate) fn hello() -> ChatRequest {
    ChatRequest {
        messages: vec![
            ChatMessage::system("You are the assistant of Ana's bakery."),
            ChatMessage::user("Hi, do you deliver?"),
        ],
        ..ChatRequest::default()
    }
}

/// [`hello`] in JSON mode.
pub(crate) fn extraction() -> ChatRequest {
    ChatRequest {
        json_mode: true,
        ..hello()
    }
}
