//! Human-like typing delay before a reply.

use std::time::Duration;

use crate::domain::Pacing;

/// How long to show "typing…" before sending a reply of `chars` characters.
///
/// The delay is `base + per_char × chars`, varied by ±`jitter` using `unit` (a random number in
/// `[0, 1)`, passed in so the function is pure), and capped at `max`.
pub fn typing_delay(pacing: &Pacing, chars: usize, unit: f64) -> Duration {
    if pacing.max_ms == 0 {
        return Duration::ZERO;
    }
    let raw = pacing.base_ms as f64 + pacing.per_char_ms as f64 * chars as f64;
    let jitter = f64::from(pacing.jitter).clamp(0.0, 1.0);
    let factor = 1.0 + jitter * (2.0 * unit.clamp(0.0, 1.0) - 1.0);
    let ms = (raw * factor).clamp(0.0, pacing.max_ms as f64);
    Duration::from_millis(ms.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_scales_with_length_and_is_capped() {
        let pacing = Pacing {
            base_ms: 500,
            per_char_ms: 20,
            max_ms: 3_000,
            jitter: 0.0,
        };
        assert_eq!(typing_delay(&pacing, 10, 0.5), Duration::from_millis(700));
        assert_eq!(typing_delay(&pacing, 50, 0.5), Duration::from_millis(1_500));
        assert_eq!(
            typing_delay(&pacing, 5_000, 0.5),
            Duration::from_millis(3_000)
        );
    }

    #[test]
    fn jitter_varies_the_delay_within_its_bounds() {
        let pacing = Pacing {
            base_ms: 1_000,
            per_char_ms: 0,
            max_ms: 10_000,
            jitter: 0.3,
        };
        assert_eq!(typing_delay(&pacing, 0, 0.0), Duration::from_millis(700));
        assert_eq!(typing_delay(&pacing, 0, 1.0), Duration::from_millis(1_300));
        assert_eq!(typing_delay(&pacing, 0, 0.5), Duration::from_millis(1_000));
    }

    #[test]
    fn instant_pacing_never_waits() {
        assert_eq!(typing_delay(&Pacing::INSTANT, 1_000, 0.9), Duration::ZERO);
    }
}
