//! A clock that only moves when told to: drives scheduler and working-hours tests.

use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use tokio::sync::watch;

use crate::ports::Clock;

/// A manual clock. [`sleep_until`](Clock::sleep_until) returns once [`set`](Self::set) or
/// [`advance`](Self::advance) moves the time to or past the deadline.
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
    changed: watch::Sender<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock showing `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        let (changed, _) = watch::channel(start);
        Self {
            now: Mutex::new(start),
            changed,
        }
    }

    /// Moves the clock to `to` (it may move backwards, like a real clock being corrected).
    pub fn set(&self, to: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = to;
        self.changed.send_replace(to);
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let to = self.now() + by;
        self.set(to);
    }
}

#[async_trait]
impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn sleep_until(&self, deadline: DateTime<Utc>) {
        let mut rx = self.changed.subscribe();
        // `wait_for` checks the current value first, so a deadline already passed returns at
        // once; the sender lives as long as `self`, so it cannot close while we wait.
        let _ = rx.wait_for(|now| *now >= deadline).await;
    }
}
