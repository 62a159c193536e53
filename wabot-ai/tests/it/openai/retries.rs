//! Retries, backoff, `Retry-After` and the deadline.

use std::time::{Duration, Instant};

use wabot_core::{LlmError, ports::LlmClient};

use super::fake_deepseek::{FakeDeepSeek, hello};

#[tokio::test]
async fn a_transient_failure_is_retried_then_succeeds() {
    let fake = FakeDeepSeek::start().await;
    fake.overloaded().times(2).await;
    fake.replies_with("Back again").await;

    let answer = fake.client().chat(hello()).await.unwrap();

    assert_eq!(answer.content, "Back again");
    assert_eq!(fake.request_count().await, 3);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let fake = FakeDeepSeek::start().await;
    fake.rate_limited(Some("1")).once().await;
    fake.replies_with("Thanks for waiting").await;
    let started = Instant::now();

    let answer = fake.client().chat(hello()).await.unwrap();

    assert_eq!(answer.content, "Thanks for waiting");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(fake.request_count().await, 2);
}

#[tokio::test]
async fn a_long_retry_after_is_capped() {
    let fake = FakeDeepSeek::start().await;
    fake.rate_limited(Some("3600")).once().await;
    fake.replies_with("Hi").await;
    let started = Instant::now();

    let answer = fake
        .client_with(|c| c.with_max_retry_after(Duration::from_millis(50)))
        .chat(hello())
        .await;

    assert!(answer.is_ok(), "{answer:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_retry_after_past_the_deadline_gives_up_at_once() {
    let fake = FakeDeepSeek::start().await;
    fake.rate_limited(Some("30")).await;
    let started = Instant::now();

    let error = fake
        .client_with(|c| {
            c.with_max_retry_after(Duration::from_secs(60))
                .with_deadline(Duration::from_secs(2))
        })
        .chat(hello())
        .await
        .unwrap_err();

    assert!(
        matches!(&error, LlmError::Transient(m) if m.contains("429")),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(fake.request_count().await, 1);
}

#[tokio::test]
async fn a_slow_attempt_times_out_and_is_retried() {
    let fake = FakeDeepSeek::start().await;
    fake.slow(Duration::from_secs(3)).once().await;
    fake.replies_with("Quick this time").await;

    let answer = fake
        .client_with(|c| c.with_timeout(Duration::from_millis(150)))
        .chat(hello())
        .await
        .unwrap();

    assert_eq!(answer.content, "Quick this time");
    assert_eq!(fake.request_count().await, 2);
}

#[tokio::test]
async fn a_server_slower_than_the_deadline_is_a_timeout() {
    let fake = FakeDeepSeek::start().await;
    fake.slow(Duration::from_secs(3)).await;
    let started = Instant::now();

    let error = fake
        .client_with(|c| {
            c.with_timeout(Duration::from_millis(100))
                .with_deadline(Duration::from_millis(400))
                .with_max_retries(10)
        })
        .chat(hello())
        .await
        .unwrap_err();

    assert!(matches!(error, LlmError::Timeout(_)), "{error:?}");
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
}

#[tokio::test]
async fn no_attempt_runs_past_the_deadline() {
    let fake = FakeDeepSeek::start().await;
    fake.slow(Duration::from_secs(3)).await;
    let started = Instant::now();

    let error = fake
        .client_with(|c| {
            c.with_timeout(Duration::from_secs(30))
                .with_deadline(Duration::from_millis(200))
        })
        .chat(hello())
        .await
        .unwrap_err();

    assert!(matches!(error, LlmError::Timeout(_)), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(fake.request_count().await, 1);
}

#[tokio::test]
async fn zero_retries_make_a_single_attempt() {
    let fake = FakeDeepSeek::start().await;
    fake.overloaded().await;

    let error = fake
        .client_with(|c| c.with_max_retries(0))
        .chat(hello())
        .await
        .unwrap_err();

    assert!(error.is_transient());
    assert_eq!(fake.request_count().await, 1);
}
