//! The clock port: the only place the engine, scheduler and supervisor learn the time.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Current time and waiting for a time.
#[async_trait]
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> DateTime<Utc>;

    /// Returns at or after `deadline` (immediately if it has passed).
    async fn sleep_until(&self, deadline: DateTime<Utc>);
}

/// The system clock, sleeping with tokio timers.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

#[async_trait]
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    async fn sleep_until(&self, deadline: DateTime<Utc>) {
        let wait = (deadline - Utc::now()).to_std().unwrap_or_default();
        tokio::time::sleep(wait).await;
    }
}
