//! Finding Chromium, per-test profiles and configurations, and waiting for events.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use tempfile::TempDir;
use tokio::sync::{Semaphore, SemaphorePermit, mpsc};
use wabot_core::{ids::BotId, ports::TransportEvent};
use wabot_whatsapp::web::{FakeWhatsApp, WebConfig, WebTransport};

/// How long any single expected thing may take.
pub(crate) const WAIT: Duration = Duration::from_secs(15);

/// The Chromium the tests drive: `WABOT_CHROMIUM`, else Debian's `/usr/bin/chromium`. Fails
/// (never skips) when it is missing.
pub(crate) fn chromium() -> PathBuf {
    let path = std::env::var_os("WABOT_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.is_file(),
        "Chromium not found at {}: the WhatsApp Web tests need a real Chromium. Run ./scripts/test \
         (it installs Debian's `chromium` package), or install it and set WABOT_CHROMIUM.",
        path.display()
    );
    path
}

/// At most this many Chromiums run at once across the tests (2 cores).
static BROWSERS: Semaphore = Semaphore::const_new(3);

/// A test's own profile directory and a browser slot, released at the end of the test.
pub(crate) struct Sandbox {
    pub(crate) profiles: TempDir,
    _slot: SemaphorePermit<'static>,
}

impl Sandbox {
    pub(crate) async fn new() -> Self {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                std::env::var("TEST_LOG")
                    .map(|_| "wabot_whatsapp=debug,wabot_core=debug")
                    .unwrap_or("off"),
            )
            .with_test_writer()
            .try_init();
        Self {
            profiles: tempfile::tempdir().expect("a temp dir"),
            _slot: BROWSERS.acquire().await.expect("the semaphore is open"),
        }
    }

    pub(crate) fn dir(&self) -> &Path {
        self.profiles.path()
    }

    /// A configuration serving `fake` as WhatsApp Web, with short deadlines and DNS disabled
    /// (so nothing could reach the network even by mistake).
    pub(crate) fn config(&self, fake: &FakeWhatsApp) -> WebConfig {
        let mut config = WebConfig::new(self.dir());
        config.chromium_path = chromium();
        config.fake_site = Some(fake.html());
        config.auth_timeout = Duration::from_secs(10);
        config.command_timeout = Duration::from_secs(5);
        config.extra_args = vec!["host-resolver-rules=MAP * ~NOTFOUND".into()];
        config
    }
}

/// A transport for a new bot id.
pub(crate) fn transport(config: WebConfig) -> Arc<WebTransport> {
    Arc::new(WebTransport::new(BotId::new(), Arc::new(config), None))
}

/// Receives transport events with a deadline.
pub(crate) async fn next_event(events: &mut mpsc::Receiver<TransportEvent>) -> TransportEvent {
    tokio::time::timeout(WAIT, events.recv())
        .await
        .expect("a transport event in time")
        .expect("the transport is running")
}

/// Skips events until one matches; returns it and the skipped ones.
pub(crate) async fn until(
    events: &mut mpsc::Receiver<TransportEvent>,
    pred: impl Fn(&TransportEvent) -> bool,
) -> (TransportEvent, Vec<TransportEvent>) {
    let mut skipped = Vec::new();
    loop {
        let event = next_event(events).await;
        if pred(&event) {
            return (event, skipped);
        }
        skipped.push(event);
    }
}
