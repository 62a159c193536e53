//! The network guard on the client: base URLs into the server's own network are refused before
//! anything is sent, and what an internal address answers is not quoted back.

use std::sync::Arc;

use wabot_ai::openai::ChatClient;
use wabot_core::{LlmError, ports::LlmClient};
use wabot_net::{NetworkPolicy, testing::StaticResolver};

use super::fake_deepseek::{FakeDeepSeek, hello};

fn guarded(fake: &FakeDeepSeek, base_url: String, policy: NetworkPolicy) -> ChatClient {
    let http = ChatClient::guarded_http_client(&policy).unwrap();
    ChatClient::with_http_client(fake.config().with_base_url(base_url), http)
        .unwrap()
        .with_network_policy(policy)
}

#[tokio::test]
async fn a_loopback_base_url_is_refused_before_any_request() {
    let fake = FakeDeepSeek::start().await;
    fake.replies_with("Hi").await;
    let client = guarded(&fake, fake.base_url(), NetworkPolicy::public_only());

    let error = client.chat(hello()).await.unwrap_err();

    assert!(
        matches!(&error, LlmError::Permanent(m) if m.contains("127.0.0.1") && m.contains("public address")),
        "{error:?}"
    );
    assert_eq!(fake.request_count().await, 0);
}

#[tokio::test]
async fn a_name_that_resolves_to_loopback_is_refused_when_sending() {
    let fake = FakeDeepSeek::start().await;
    fake.replies_with("Hi").await;
    let port = fake.base_url().rsplit(':').next().unwrap().to_string();
    let policy = NetworkPolicy::public_only().with_resolver(Arc::new(
        StaticResolver::new().with("llm.rebound.test", ["127.0.0.1"]),
    ));
    let client = guarded(&fake, format!("http://llm.rebound.test:{port}"), policy);

    let error = client.chat(hello()).await.unwrap_err();

    assert!(
        matches!(&error, LlmError::Permanent(m) if m.contains("resolves to no public address")),
        "{error:?}"
    );
    assert_eq!(fake.request_count().await, 0, "no retry, no request");
}

#[tokio::test]
async fn with_private_addresses_allowed_an_internal_error_body_is_not_quoted() {
    let fake = FakeDeepSeek::start().await;
    fake.status(401, "internal secret: db password is hunter2")
        .await;
    let policy = NetworkPolicy::public_only().allowing_private(true);
    let client = guarded(&fake, fake.base_url(), policy);

    let error = client.chat(hello()).await.unwrap_err();

    let text = error.to_string();
    assert!(text.contains("HTTP 401"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

#[tokio::test]
async fn with_private_addresses_allowed_a_non_completion_body_is_not_quoted() {
    let fake = FakeDeepSeek::start().await;
    fake.raw_reply("<html>admin console: hunter2</html>").await;
    let policy = NetworkPolicy::public_only().allowing_private(true);
    let client = guarded(&fake, fake.base_url(), policy);

    let error = client.chat(hello()).await.unwrap_err();

    assert!(matches!(error, LlmError::Malformed(_)), "{error:?}");
    assert!(!error.to_string().contains("hunter2"), "{error}");
}
