//! The API key never shows up in `Debug`, errors or logs.

use std::{
    io,
    sync::{Arc, Mutex},
};

use tracing_subscriber::fmt::MakeWriter;
use wabot_ai::openai::OpenAiConfig;
use wabot_core::ports::LlmClient;

use super::fake_deepseek::{FakeDeepSeek, TEST_KEY, hello};

#[tokio::test]
async fn debug_output_hides_the_key() {
    let fake = FakeDeepSeek::start().await;
    let config = fake.config();
    let client = fake.client();

    assert!(!format!("{config:?}").contains(TEST_KEY), "{config:?}");
    assert!(!format!("{client:?}").contains(TEST_KEY), "{client:?}");
    assert!(!format!("{:?}", OpenAiConfig::deepseek(TEST_KEY)).contains(TEST_KEY));
}

#[tokio::test]
async fn errors_hide_the_key_even_when_the_provider_echoes_it() {
    let fake = FakeDeepSeek::start().await;
    fake.status(401, &format!("Incorrect API key provided: {TEST_KEY}"))
        .await;

    let error = fake.client().chat(hello()).await.unwrap_err();

    assert!(!error.to_string().contains(TEST_KEY), "{error}");
    assert!(!format!("{error:?}").contains(TEST_KEY), "{error:?}");
    assert!(error.to_string().contains("[REDACTED]"), "{error}");
}

/// Collects everything written by a `tracing` subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Self;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn logs_at_every_level_hide_the_key_and_show_tokens() {
    let fake = FakeDeepSeek::start().await;
    fake.overloaded().once().await;
    fake.status(401, &format!("Incorrect API key provided: {TEST_KEY}"))
        .once()
        .await;
    fake.replies_with("Hello").await;
    let client = fake.client();
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    // The test runtime is single-threaded: the subscriber sees the whole call.
    let _guard = tracing::subscriber::set_default(subscriber);

    let failed = client.chat(hello()).await;
    let answered = client.chat(hello()).await;

    assert!(failed.is_err());
    assert!(answered.is_ok());
    let text = logs.text();
    assert!(!text.contains(TEST_KEY), "{text}");
    assert!(text.contains("llm call failed, retrying"), "{text}");
    assert!(text.contains("error_kind=\"permanent\""), "{text}");
    assert!(text.contains("prompt_tokens=21"), "{text}");
    assert!(text.contains("cached_tokens=16"), "{text}");
}
