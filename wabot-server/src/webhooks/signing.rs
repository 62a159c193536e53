//! Webhook signatures, and how a receiver verifies them.
//!
//! Every delivery is a `POST` with a JSON body and these headers:
//!
//! | header | value |
//! |---|---|
//! | `X-Wabot-Event` | the event name, e.g. `lead.qualified` |
//! | `X-Wabot-Delivery` | the delivery id (a UUID; the same on every retry — deduplicate on it) |
//! | `X-Wabot-Timestamp` | Unix seconds when this attempt was signed |
//! | `X-Wabot-Signature` | `v1=` + hex HMAC-SHA256(secret, `"{timestamp}.{raw body}"`) |
//!
//! To verify, a receiver:
//! 1. reads the **raw** body bytes (before any JSON parsing or re-serialisation);
//! 2. computes `hex(HMAC-SHA256(secret, timestamp + "." + body))` with the secret shown when
//!    the webhook was created;
//! 3. compares it with the `v1=` value in constant time;
//! 4. refuses timestamps more than five minutes away from its clock (replays);
//! 5. answers any 2xx within five seconds (other answers and timeouts are retried with
//!    exponential backoff for about an hour, then the delivery is marked `failed`).
//!
//! In Python:
//!
//! ```python
//! import hmac, hashlib, time
//! def verify(secret: str, headers, body: bytes) -> bool:
//!     ts = headers["X-Wabot-Timestamp"]
//!     expected = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
//!     given = headers["X-Wabot-Signature"].removeprefix("v1=")
//!     return hmac.compare_digest(expected, given) and abs(time.time() - int(ts)) < 300
//! ```
//!
//! [`verify`] does the same in Rust.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The event name header.
pub const EVENT_HEADER: &str = "X-Wabot-Event";
/// The delivery id header.
pub const DELIVERY_HEADER: &str = "X-Wabot-Delivery";
/// The timestamp header (Unix seconds).
pub const TIMESTAMP_HEADER: &str = "X-Wabot-Timestamp";
/// The signature header (`v1=<hex>`).
pub const SIGNATURE_HEADER: &str = "X-Wabot-Signature";

/// The `X-Wabot-Signature` value for `body` sent at `timestamp`: `v1=<hex HMAC-SHA256>`.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!("v1={}", hex::encode(mac(secret, timestamp, body)))
}

/// Checks a signature header against `body` and `timestamp` (in constant time) and that the
/// timestamp is within `tolerance_secs` of `now`.
pub fn verify(
    secret: &[u8],
    signature_header: &str,
    timestamp: i64,
    body: &[u8],
    now: i64,
    tolerance_secs: i64,
) -> bool {
    if (now - timestamp).abs() > tolerance_secs {
        return false;
    }
    let expected = mac(secret, timestamp, body);
    signature_header
        .split(',')
        .filter_map(|part| part.trim().strip_prefix("v1="))
        .filter_map(|h| hex::decode(h).ok())
        .any(|given| given.ct_eq(&expected).into())
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_a_changed_body_or_old_timestamp_does_not() {
        let sig = sign(b"whsec_x", 1_700_000_000, b"{\"a\":1}");
        assert!(sig.starts_with("v1="));
        assert!(verify(
            b"whsec_x",
            &sig,
            1_700_000_000,
            b"{\"a\":1}",
            1_700_000_010,
            300
        ));
        assert!(!verify(
            b"whsec_x",
            &sig,
            1_700_000_000,
            b"{\"a\":2}",
            1_700_000_010,
            300
        ));
        assert!(!verify(
            b"other",
            &sig,
            1_700_000_000,
            b"{\"a\":1}",
            1_700_000_010,
            300
        ));
        assert!(!verify(
            b"whsec_x",
            &sig,
            1_700_000_000,
            b"{\"a\":1}",
            1_700_001_000,
            300
        ));
    }

    #[test]
    fn signature_matches_a_known_vector() {
        // Python: hmac.new(b"key", b"1.{}", hashlib.sha256).hexdigest()
        assert_eq!(
            sign(b"key", 1, b"{}"),
            "v1=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224"
        );
    }
}
