//! Anti-ban pacing of a native session's sends: at most one message per interval per bot.
//!
//! A number that answers faster than a person could type is what WhatsApp's spam detection
//! looks for; the engine already shows typing for a human-like time, and this gate keeps a
//! burst (a backlog after a restart, many chats at once) from leaving in one second.

use std::time::Duration;

use tokio::{sync::Mutex, time::Instant};

/// Lets one send through per `interval`; callers wait their turn in arrival order.
#[derive(Debug)]
pub(crate) struct SendPacer {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl SendPacer {
    /// A pacer letting one send through per `interval` (zero: no pacing).
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval,
            next: Mutex::new(None),
        }
    }

    /// Waits until this send may go out, and books the next slot.
    pub(crate) async fn wait_turn(&self) {
        if self.interval.is_zero() {
            return;
        }
        // The lock is held while sleeping, so waiters queue in order (tokio's Mutex is fair).
        let mut next = self.next.lock().await;
        let now = Instant::now();
        let at = next.map_or(now, |n| n.max(now));
        tokio::time::sleep_until(at).await;
        *next = Some(at + self.interval);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_burst_of_sends_leaves_one_per_interval() {
        let pacer = std::sync::Arc::new(SendPacer::new(Duration::from_secs(2)));
        let start = Instant::now();

        let mut sends = Vec::new();
        for _ in 0..3 {
            let pacer = pacer.clone();
            sends.push(tokio::spawn(async move {
                pacer.wait_turn().await;
                start.elapsed().as_secs()
            }));
        }
        let mut at = Vec::new();
        for s in sends {
            at.push(s.await.unwrap());
        }

        at.sort_unstable();
        assert_eq!(at, [0, 2, 4]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_send_after_a_quiet_period_goes_at_once() {
        let pacer = SendPacer::new(Duration::from_secs(2));
        pacer.wait_turn().await;
        tokio::time::sleep(Duration::from_secs(10)).await;

        let before = Instant::now();
        pacer.wait_turn().await;

        assert_eq!(before.elapsed(), Duration::ZERO);
    }
}
