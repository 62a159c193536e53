//! Successful calls: the answer, its usage, and what goes on the wire.

use serde_json::{Value, json};
use wabot_ai::openai::OpenAiConfig;
use wabot_core::ports::{ChatMessage, ChatRequest, LlmClient, TokenUsage};

use super::fake_deepseek::{FakeDeepSeek, TEST_KEY, USAGE, extraction, hello};

#[tokio::test]
async fn an_answer_comes_back_with_its_token_usage_including_cached_tokens() {
    let fake = FakeDeepSeek::start().await;
    fake.replies_with("Yes, we deliver in town.").await;

    let answer = fake.client().chat(hello()).await.unwrap();

    assert_eq!(answer.content, "Yes, we deliver in town.");
    assert_eq!(answer.usage, USAGE);
}

#[tokio::test]
async fn the_request_carries_model_messages_and_the_config_defaults() {
    let fake = FakeDeepSeek::start().await;
    fake.replies_with("Hello").await;
    let client = fake.client_with(|c| c.with_temperature(0.25).with_max_tokens(99));

    client.chat(hello()).await.unwrap();

    let requests = fake.requests().await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.url.path(), "/chat/completions");
    assert_eq!(request.headers["content-type"], "application/json");
    assert_eq!(
        request.body_json::<Value>().unwrap(),
        json!({
            "model": "deepseek-chat",
            "messages": [
                {"role": "system", "content": "You are the assistant of Ana's bakery."},
                {"role": "user", "content": "Hi, do you deliver?"},
            ],
            "temperature": 0.25,
            "max_tokens": 99,
            "stream": false,
        })
    );
}

#[tokio::test]
async fn the_request_settings_override_the_config_defaults() {
    let fake = FakeDeepSeek::start().await;
    fake.replies_with("Hello").await;
    let request = ChatRequest {
        messages: vec![
            ChatMessage::user("Hi"),
            ChatMessage::assistant("Hello! Your name?"),
            ChatMessage::user("Ana"),
        ],
        temperature: Some(1.5),
        max_tokens: Some(7),
        ..ChatRequest::default()
    };

    fake.client().chat(request).await.unwrap();

    let body: Value = fake.requests().await[0].body_json().unwrap();
    assert_eq!(body["temperature"], 1.5);
    assert_eq!(body["max_tokens"], 7);
    assert_eq!(
        body["messages"][1],
        json!({"role": "assistant", "content": "Hello! Your name?"})
    );
}

#[tokio::test]
async fn json_mode_asks_for_a_json_object_and_returns_it() {
    let fake = FakeDeepSeek::start().await;
    fake.replies_with(r#"{"name": "Ana", "email": null}"#).await;

    let answer = fake.client().chat(extraction()).await.unwrap();

    assert_eq!(answer.content, r#"{"name": "Ana", "email": null}"#);
    let body: Value = fake.requests().await[0].body_json().unwrap();
    assert_eq!(body["response_format"], json!({"type": "json_object"}));
}

#[tokio::test]
async fn json_mode_in_the_config_applies_to_every_request() {
    let fake = FakeDeepSeek::start().await;
    fake.replies_with(r#"{"ok": true}"#).await;

    fake.client_with(|c| c.with_json_mode(true))
        .chat(hello())
        .await
        .unwrap();

    let body: Value = fake.requests().await[0].body_json().unwrap();
    assert_eq!(body["response_format"]["type"], "json_object");
}

#[tokio::test]
async fn the_api_key_is_sent_as_a_bearer_token() {
    let fake = FakeDeepSeek::start().await;
    fake.replies_with("Hello").await;

    fake.client().chat(hello()).await.unwrap();

    let request = &fake.requests().await[0];
    assert_eq!(
        request.headers["authorization"],
        format!("Bearer {TEST_KEY}").as_str()
    );
}

#[tokio::test]
async fn no_authorization_header_is_sent_without_a_key() {
    let fake = FakeDeepSeek::start().await;
    fake.replies_with("Hello from Ollama").await;

    let answer = fake
        .client_with(OpenAiConfig::without_api_key)
        .chat(hello())
        .await
        .unwrap();

    assert_eq!(answer.content, "Hello from Ollama");
    assert!(
        !fake.requests().await[0]
            .headers
            .contains_key("authorization")
    );
}

#[tokio::test]
async fn an_openai_style_v1_base_url_works() {
    // OpenAI, vLLM, Ollama and llama.cpp serve the same format under /v1; OpenAI reports
    // cached prompt tokens in `prompt_tokens_details`.
    let fake = FakeDeepSeek::start().await;
    fake.json_reply(json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi!"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 30, "completion_tokens": 2, "prompt_tokens_details": {"cached_tokens": 24}}
    }))
    .at_path("/v1/chat/completions")
    .await;
    let base_url = format!("{}/v1/", fake.base_url());

    let answer = fake
        .client_with(|c| c.with_base_url(base_url).with_model("gpt-4o-mini"))
        .chat(hello())
        .await
        .unwrap();

    assert_eq!(answer.content, "Hi!");
    assert_eq!(
        answer.usage,
        TokenUsage {
            prompt: 30,
            completion: 2,
            cached: 24
        }
    );
    let request = &fake.requests().await[0];
    assert_eq!(request.url.path(), "/v1/chat/completions");
    assert_eq!(
        request.body_json::<Value>().unwrap()["model"],
        "gpt-4o-mini"
    );
}

#[tokio::test]
async fn an_answer_without_usage_counts_zero_tokens() {
    // Some local servers leave `usage` out.
    let fake = FakeDeepSeek::start().await;
    fake.json_reply(json!({"choices": [{"message": {"role": "assistant", "content": "Hi"}}]}))
        .await;

    let answer = fake.client().chat(hello()).await.unwrap();

    assert_eq!(answer.content, "Hi");
    assert_eq!(answer.usage, TokenUsage::default());
}
