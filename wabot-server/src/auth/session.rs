//! Signed JWTs (HS256 only) for sessions and for the short-lived OAuth flow cookie.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use uuid::Uuid;

/// The audience of session tokens.
pub(crate) const SESSION_AUDIENCE: &str = "wabot-session";
/// The audience of the OAuth flow cookie (never accepted as a session).
pub(crate) const FLOW_AUDIENCE: &str = "wabot-oauth-flow";

/// The claims of a session token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionClaims {
    /// The user id.
    pub sub: Uuid,
    /// The user's e-mail when the session was issued.
    pub email: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
    /// Audience, always `wabot-session`.
    pub aud: String,
    /// Session id (logout revokes it).
    pub sid: Uuid,
}

/// HS256 keys and a validation pinned to HS256.
pub(crate) struct Signer {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl Signer {
    pub(crate) fn new(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    /// Signs `claims` with HS256.
    pub(crate) fn sign<T: Serialize>(&self, claims: &T) -> Result<String, String> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding).map_err(|e| e.to_string())
    }

    /// Verifies signature (HS256 only: `none` and every other algorithm are refused),
    /// expiry (5 s leeway) and audience.
    pub(crate) fn verify<T: DeserializeOwned>(&self, token: &str, audience: &str) -> Option<T> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "aud"]);
        decode::<T>(token, &self.decoding, &validation)
            .ok()
            .map(|d| d.claims)
    }
}

/// A freshly issued session: the JWT and the `Set-Cookie` value carrying it.
#[derive(Debug, Clone)]
pub struct IssuedSession {
    /// The JWT (also usable as `Authorization: Bearer`).
    pub token: String,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
    /// The `Set-Cookie` header value that stores it in the browser.
    pub set_cookie: String,
}

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "wabot_session";
/// The name of the OAuth flow cookie (state, PKCE verifier, nonce).
pub const FLOW_COOKIE: &str = "wabot_oauth";

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, `Secure` when asked.
pub(crate) fn cookie(name: &str, value: &str, path: &str, max_age: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
}

/// The value of cookie `name` in a `Cookie` header map.
pub(crate) fn read_cookie(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderValue};

    use super::*;

    #[test]
    fn cookies_are_read_from_any_cookie_header_and_empty_values_ignored() {
        let mut h = HeaderMap::new();
        h.append(
            http::header::COOKIE,
            HeaderValue::from_static("a=1; wabot_session=tok"),
        );
        h.append(
            http::header::COOKIE,
            HeaderValue::from_static("wabot_oauth="),
        );
        assert_eq!(read_cookie(&h, SESSION_COOKIE).as_deref(), Some("tok"));
        assert_eq!(read_cookie(&h, FLOW_COOKIE), None);
        assert_eq!(read_cookie(&h, "missing"), None);
    }

    #[test]
    fn session_cookies_are_http_only_and_lax() {
        let c = cookie(SESSION_COOKIE, "v", "/", 60, true);
        assert_eq!(
            c,
            "wabot_session=v; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure"
        );
    }

    #[test]
    fn signed_claims_verify_only_with_their_key_and_audience() {
        #[derive(Debug, Serialize, Deserialize, PartialEq)]
        struct C {
            aud: String,
            exp: i64,
        }
        let signer = Signer::new(&[1; 32]);
        let claims = C {
            aud: FLOW_AUDIENCE.into(),
            exp: Utc::now().timestamp() + 60,
        };
        let token = signer.sign(&claims).unwrap();
        assert_eq!(signer.verify::<C>(&token, FLOW_AUDIENCE), Some(claims));
        assert_eq!(signer.verify::<C>(&token, SESSION_AUDIENCE), None);
        assert_eq!(
            Signer::new(&[2; 32]).verify::<C>(&token, FLOW_AUDIENCE),
            None
        );
    }
}
