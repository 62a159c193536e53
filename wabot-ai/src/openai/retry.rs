//! Backoff with full jitter and `Retry-After` parsing. Pure functions: time and randomness
//! come in as arguments.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

/// The upper bound of the wait before retry number `retry` (0 for the first retry):
/// `initial · 2^retry`, at most `max`. Full jitter picks the actual wait uniformly below it.
pub(crate) fn backoff_bound(initial: Duration, max: Duration, retry: u32) -> Duration {
    let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
    initial.saturating_mul(factor).min(max)
}

/// Full jitter: `unit` (uniform in `[0, 1]`) times `bound`.
pub(crate) fn jittered(bound: Duration, unit: f64) -> Duration {
    bound.mul_f64(unit.clamp(0.0, 1.0))
}

/// How long the server asks to wait, from `retry-after-ms` (OpenAI) or `Retry-After` (delay in
/// seconds, fractions accepted, or an HTTP date compared with `now`). A date in the past means
/// no wait. Unreadable values are ignored.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return non_negative_secs(ms / 1000.0);
    }
    let value = text("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return non_negative_secs(secs);
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

fn non_negative_secs(secs: f64) -> Option<Duration> {
    // Rejects NaN, infinities and negative values; caps absurd ones at a day.
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    Duration::try_from_secs_f64(secs.min(86_400.0)).ok()
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn backoff_doubles_from_the_initial_value_up_to_the_cap() {
        let (initial, max) = (Duration::from_millis(100), Duration::from_millis(500));

        let bounds: Vec<_> = (0..5).map(|n| backoff_bound(initial, max, n)).collect();

        assert_eq!(
            bounds,
            [100, 200, 400, 500, 500]
                .map(Duration::from_millis)
                .to_vec()
        );
        assert_eq!(backoff_bound(initial, max, u32::MAX), max);
    }

    #[test]
    fn full_jitter_stays_between_zero_and_the_bound() {
        let bound = Duration::from_millis(400);

        assert_eq!(jittered(bound, 0.0), Duration::ZERO);
        assert_eq!(jittered(bound, 0.5), Duration::from_millis(200));
        assert_eq!(jittered(bound, 7.0), bound);
    }

    #[test]
    fn retry_after_in_seconds_is_read() {
        let now = SystemTime::now();

        assert_eq!(
            retry_after(&headers(&[("retry-after", "3")]), now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "0.25")]), now),
            Some(Duration::from_millis(250))
        );
    }

    #[test]
    fn retry_after_ms_takes_precedence() {
        let map = headers(&[("retry-after", "3"), ("retry-after-ms", "120")]);

        assert_eq!(
            retry_after(&map, SystemTime::now()),
            Some(Duration::from_millis(120))
        );
    }

    #[test]
    fn retry_after_as_an_http_date_is_relative_to_now() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();

        let future = headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:30 GMT")]);
        let past = headers(&[("retry-after", "Wed, 21 Oct 2015 07:27:00 GMT")]);

        assert_eq!(retry_after(&future, now), Some(Duration::from_secs(30)));
        assert_eq!(retry_after(&past, now), Some(Duration::ZERO));
    }

    #[test]
    fn unreadable_retry_after_is_ignored() {
        let now = SystemTime::now();

        for value in ["soon", "-5", "NaN", "inf", ""] {
            assert_eq!(retry_after(&headers(&[("retry-after", value)]), now), None);
        }
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }
}
