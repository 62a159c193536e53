//! HTTP statuses and network failures classified as permanent or transient.

use std::net::TcpListener;

use wabot_core::{LlmError, ports::LlmClient};

use super::fake_deepseek::{FakeDeepSeek, hello};

#[tokio::test]
async fn rejecting_statuses_are_permanent_and_not_retried() {
    for (code, message) in [
        (400, "Invalid Format"),
        (401, "Authentication Fails"),
        (402, "Insufficient Balance"),
        (403, "Forbidden"),
        (404, "Not Found"),
        (422, "Invalid Parameters"),
    ] {
        let fake = FakeDeepSeek::start().await;
        fake.status(code, message).await;

        let error = fake.client().chat(hello()).await.unwrap_err();

        let LlmError::Permanent(text) = &error else {
            panic!("{code} gave {error:?}");
        };
        assert!(text.contains(&format!("HTTP {code}")), "{text}");
        assert!(text.contains(message), "{code}: {text}");
        assert_eq!(fake.request_count().await, 1, "{code} was retried");
    }
}

#[tokio::test]
async fn a_bad_key_says_to_check_the_api_key() {
    let fake = FakeDeepSeek::start().await;
    fake.status(401, "Authentication Fails (no such user)")
        .await;

    let error = fake.client().chat(hello()).await.unwrap_err();

    assert_eq!(
        error.to_string(),
        format!(
            "rejected: HTTP 401 authentication failed at {}/chat/completions: check the API key; \
             provider says: Authentication Fails (no such user)",
            fake.base_url()
        )
    );
}

#[tokio::test]
async fn insufficient_balance_says_to_top_up() {
    let fake = FakeDeepSeek::start().await;
    fake.status(402, "Insufficient Balance").await;

    let error = fake.client().chat(hello()).await.unwrap_err();

    assert!(
        error.to_string().contains("top up the account balance"),
        "{error}"
    );
}

#[tokio::test]
async fn a_wrong_base_url_says_how_to_write_one() {
    // Nothing mounted: the fake answers 404, like a server without /chat/completions.
    let fake = FakeDeepSeek::start().await;

    let error = fake.client().chat(hello()).await.unwrap_err();

    assert!(
        matches!(&error, LlmError::Permanent(m) if m.contains("check base_url")),
        "{error:?}"
    );
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_transient_once_retries_run_out() {
    for code in [429, 500, 502, 503, 504] {
        let fake = FakeDeepSeek::start().await;
        fake.status(code, "Try again").await;

        let error = fake
            .client_with(|c| c.with_max_retries(2))
            .chat(hello())
            .await
            .unwrap_err();

        assert!(
            matches!(&error, LlmError::Transient(_)),
            "{code} gave {error:?}"
        );
        assert_eq!(
            fake.request_count().await,
            3,
            "{code}: 1 attempt + 2 retries"
        );
    }
}

#[tokio::test]
async fn an_overloaded_server_is_transient_and_says_so() {
    let fake = FakeDeepSeek::start().await;
    fake.overloaded().await;

    let error = fake.client().chat(hello()).await.unwrap_err();

    assert!(error.is_transient());
    assert!(
        error.to_string().contains("HTTP 503 server overloaded"),
        "{error}"
    );
    assert!(error.to_string().contains("Server Overloaded"), "{error}");
}

#[tokio::test]
async fn an_unreachable_server_is_a_transient_error() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let fake = FakeDeepSeek::start().await;
    let client = fake.client_with(|c| c.with_base_url(format!("http://127.0.0.1:{port}")));

    let error = client.chat(hello()).await.unwrap_err();

    assert!(
        matches!(&error, LlmError::Transient(m) if m.contains("could not connect")),
        "{error:?}"
    );
}
