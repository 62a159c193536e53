//! The metrics hook: one `CallRecord` per call.

use std::sync::{Arc, Mutex};

use wabot_ai::openai::{CallRecord, ErrorKind, LlmObserver};
use wabot_core::ports::{ChatPurpose, LlmClient};

use super::fake_deepseek::{FakeDeepSeek, USAGE, extraction, hello};

/// Keeps every record, as a metrics exporter would count them.
#[derive(Default)]
struct Recorder(Mutex<Vec<CallRecord>>);

impl LlmObserver for Recorder {
    fn on_call(&self, record: &CallRecord) {
        self.0.lock().unwrap().push(record.clone());
    }
}

impl Recorder {
    fn records(&self) -> Vec<CallRecord> {
        self.0.lock().unwrap().clone()
    }
}

#[tokio::test]
async fn a_successful_call_is_recorded_with_attempts_and_usage() {
    let fake = FakeDeepSeek::start().await;
    fake.overloaded().once().await;
    fake.replies_with(r#"{"name": "Ana"}"#).await;
    let recorder = Arc::new(Recorder::default());
    let client = fake.client().with_shared_observer(recorder.clone());

    client.chat(extraction()).await.unwrap();

    let records = recorder.records();
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert!(record.is_success());
    assert_eq!(record.model, "deepseek-chat");
    assert_eq!(record.purpose, ChatPurpose::Reply);
    assert_eq!(record.attempts, 2);
    assert_eq!(record.status, Some(200));
    assert_eq!(record.usage, Some(USAGE));
    assert!(!record.latency.is_zero());
}

#[tokio::test]
async fn a_failed_call_is_recorded_with_its_error_kind() {
    let fake = FakeDeepSeek::start().await;
    fake.status(402, "Insufficient Balance").await;
    let recorder = Arc::new(Recorder::default());
    let client = fake.client().with_shared_observer(recorder.clone());

    client.chat(hello()).await.unwrap_err();

    let records = recorder.records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].error, Some(ErrorKind::Permanent));
    assert_eq!(records[0].error.unwrap().as_str(), "permanent");
    assert_eq!(records[0].attempts, 1);
    assert_eq!(records[0].status, Some(402));
    assert_eq!(records[0].usage, None);
}

#[tokio::test]
async fn a_closure_is_an_observer() {
    let fake = FakeDeepSeek::start().await;
    fake.replies_with("Hi").await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let client = fake
        .client()
        .with_observer(move |record: &CallRecord| sink.lock().unwrap().push(record.attempts));

    client.chat(hello()).await.unwrap();

    assert_eq!(*seen.lock().unwrap(), [1]);
}
