//! Answers that cannot be understood: `Malformed`, never retried, never a panic.

use serde_json::json;
use tokio::{io::AsyncWriteExt, net::TcpListener};
use wabot_core::{LlmError, ports::LlmClient};

use super::fake_deepseek::{FakeDeepSeek, completion, extraction, hello};

/// Calls the fake and returns the `Malformed` message, checking nothing was retried.
async fn malformed_message(fake: &FakeDeepSeek, request: wabot_core::ports::ChatRequest) -> String {
    let error = fake.client().chat(request).await.unwrap_err();
    assert_eq!(
        fake.request_count().await,
        1,
        "a malformed answer was retried"
    );
    match error {
        LlmError::Malformed(message) => message,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[tokio::test]
async fn a_truncated_body_is_malformed() {
    let fake = FakeDeepSeek::start().await;
    fake.truncated_body().await;

    let message = malformed_message(&fake, hello()).await;

    assert!(message.contains("truncated"), "{message}");
}

#[tokio::test]
async fn a_non_json_body_is_malformed() {
    let fake = FakeDeepSeek::start().await;
    fake.raw_reply("<html><body>Welcome to nginx!</body></html>")
        .await;

    let message = malformed_message(&fake, hello()).await;

    assert!(message.contains("not JSON"), "{message}");
    assert!(message.contains("Welcome to nginx!"), "{message}");
}

#[tokio::test]
async fn an_empty_body_is_malformed() {
    let fake = FakeDeepSeek::start().await;
    fake.raw_reply("").await;

    let message = malformed_message(&fake, hello()).await;

    assert!(message.contains("empty"), "{message}");
}

#[tokio::test]
async fn a_body_without_choices_is_malformed() {
    let fake = FakeDeepSeek::start().await;
    fake.json_reply(json!({"id": "x", "object": "chat.completion", "usage": {}}))
        .await;

    let message = malformed_message(&fake, hello()).await;

    assert!(message.contains("no `choices`"), "{message}");
}

#[tokio::test]
async fn empty_content_is_malformed() {
    let fake = FakeDeepSeek::start().await;
    fake.replies_with("  \n").await;

    let message = malformed_message(&fake, hello()).await;

    assert!(message.contains("empty"), "{message}");
}

#[tokio::test]
async fn null_content_is_malformed() {
    let fake = FakeDeepSeek::start().await;
    let mut body = completion("");
    body["choices"][0]["message"]["content"] = json!(null);
    body["choices"][0]["finish_reason"] = json!("content_filter");
    fake.json_reply(body).await;

    let message = malformed_message(&fake, hello()).await;

    assert!(message.contains("content filter"), "{message}");
}

#[tokio::test]
async fn a_json_mode_answer_that_is_not_an_object_is_malformed() {
    for content in ["Sure! The name is Ana.", "[\"Ana\"]", "{\"name\": \"An"] {
        let fake = FakeDeepSeek::start().await;
        fake.replies_with(content).await;

        let message = malformed_message(&fake, extraction()).await;

        assert!(message.contains("JSON mode"), "{content}: {message}");
    }
}

#[tokio::test]
async fn the_same_prose_is_fine_outside_json_mode() {
    let fake = FakeDeepSeek::start().await;
    fake.replies_with("Sure! The name is Ana.").await;

    let answer = fake.client().chat(hello()).await.unwrap();

    assert_eq!(answer.content, "Sure! The name is Ana.");
}

#[tokio::test]
async fn an_oversized_body_is_malformed() {
    let fake = FakeDeepSeek::start().await;
    fake.replies_with(&"a".repeat(5 * 1024 * 1024)).await;

    let message = malformed_message(&fake, hello()).await;

    assert!(message.contains("larger than"), "{message}");
}

#[tokio::test]
async fn a_connection_cut_mid_body_is_transient() {
    // Unlike a complete response holding cut JSON (Malformed), a connection that breaks before
    // the announced Content-Length arrived is a network failure: retrying may succeed.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut buffer).await;
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                          content-length: 1000\r\n\r\n{\"choices\": [",
                    )
                    .await;
                let _ = socket.shutdown().await;
            });
        }
    });
    let fake = FakeDeepSeek::start().await;

    let error = fake
        .client_with(|c| c.with_base_url(base_url))
        .chat(hello())
        .await
        .unwrap_err();

    assert!(
        matches!(&error, LlmError::Transient(m) if m.contains("connection broke")),
        "{error:?}"
    );
}
