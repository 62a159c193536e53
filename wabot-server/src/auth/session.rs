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
