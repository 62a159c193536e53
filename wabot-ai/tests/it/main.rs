//! Integration tests of wabot-ai, one module per area.
//!
//! Logs are silent unless `TEST_LOG=1`.

mod openai;

/// Prints `tracing` output when `TEST_LOG=1` (once per test binary).
pub(crate) fn init_test_log() {
    use std::sync::Once;
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some_and(|v| v == "1") {
            tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_default_env()
                        .unwrap_or_else(|_| "debug".into()),
                )
                .with_test_writer()
                .init();
        }
    });
}
