//! Two rate limiters over `governor`'s keyed GCRA: [`Throttle`] counts every request of a key,
//! [`FailureGate`] counts only failures and then shuts the key out until its budget refills.

use std::{
    collections::HashMap,
    hash::Hash,
    num::NonZeroU32,
    sync::Mutex,
    time::{Duration, Instant},
};

use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};

/// Above this many tracked keys, idle ones are forgotten (bounded memory under a flood of
/// distinct addresses).
const MAX_KEYS: usize = 10_000;

/// A per-minute quota with a burst of the same size (at least 1).
fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

/// Rounds a wait up to whole seconds (what `Retry-After` carries), at least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// Allows `n` requests per minute per key (bursts of up to `n`).
pub struct Throttle<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
}

impl<K: Hash + Eq + Clone> std::fmt::Debug for Throttle<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Throttle(..)")
    }
}

impl<K: Hash + Eq + Clone> Throttle<K> {
    /// `n` requests per minute per key.
    pub fn per_minute(n: u32) -> Self {
        Self {
            limiter: RateLimiter::keyed(per_minute(n)),
        }
    }

    /// Takes one request of `key`: `Err(wait)` when over the quota.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        if self.limiter.len() > MAX_KEYS {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

/// Allows `n` failures per minute per key; after that, every request of the key is refused
/// (before any work is done) until the budget allows another failure.
pub struct FailureGate<K: Hash + Eq + Clone> {
    failures: DefaultKeyedRateLimiter<K>,
    blocked: Mutex<HashMap<K, Instant>>,
}

impl<K: Hash + Eq + Clone> std::fmt::Debug for FailureGate<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FailureGate(..)")
    }
}

impl<K: Hash + Eq + Clone> FailureGate<K> {
    /// `n` failures per minute per key.
    pub fn per_minute(n: u32) -> Self {
        Self {
            failures: RateLimiter::keyed(per_minute(n)),
            blocked: Mutex::default(),
        }
    }

    /// Before the work: `Err(wait)` while `key` is shut out.
    pub fn check(&self, key: &K, now: Instant) -> Result<(), Duration> {
        let mut blocked = self.blocked.lock().unwrap_or_else(|p| p.into_inner());
        match blocked.get(key) {
            Some(until) if *until > now => Err(*until - now),
            Some(_) => {
                blocked.remove(key);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// After a failure of `key`: counts it, and when that exhausts the budget shuts the key out,
    /// returning how long (`Some(wait)`, only for the failure that closed the gate).
    pub fn fail(&self, key: &K, now: Instant) -> Option<Duration> {
        if self.failures.len() > MAX_KEYS {
            self.failures.retain_recent();
        }
        let Err(not_until) = self.failures.check_key(key) else {
            return None;
        };
        let wait = not_until
            .wait_time_from(DefaultClock::default().now())
            .max(Duration::from_secs(1));
        let mut blocked = self.blocked.lock().unwrap_or_else(|p| p.into_inner());
        if blocked.len() >= MAX_KEYS {
            blocked.retain(|_, until| *until > now);
            if blocked.len() >= MAX_KEYS {
                blocked.clear();
            }
        }
        let newly = blocked.get(key).is_none_or(|until| *until <= now);
        blocked.insert(key.clone(), now + wait);
        newly.then_some(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_throttle_refuses_the_request_over_the_quota_with_a_wait() {
        let t = Throttle::per_minute(3);
        for _ in 0..3 {
            assert!(t.check(&"a").is_ok());
        }
        let wait = t.check(&"a").unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(t.check(&"b").is_ok(), "keys are independent");
    }

    #[test]
    fn the_gate_closes_after_the_failure_budget_and_reopens_later() {
        let g = FailureGate::per_minute(2);
        let now = Instant::now();
        assert!(g.check(&1, now).is_ok());
        assert_eq!(g.fail(&1, now), None);
        assert_eq!(g.fail(&1, now), None);
        assert!(g.check(&1, now).is_ok(), "two failures are within budget");
        let wait = g.fail(&1, now).expect("the third failure closes the gate");
        assert!(g.check(&1, now).is_err());
        assert!(g.check(&2, now).is_ok(), "other keys are unaffected");
        assert!(g.check(&1, now + wait + Duration::from_millis(1)).is_ok());
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(2)), 2);
        assert_eq!(retry_after_secs(Duration::from_millis(2001)), 3);
    }
}
