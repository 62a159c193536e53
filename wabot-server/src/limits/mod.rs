//! Abuse limits: request body sizes and rate limits (`[limits]` in `wabot.toml`,
//! `WABOT_LIMITS__*` in the environment).
//!
//! | key | default | what |
//! |---|---|---|
//! | `body_bytes` | `1048576` (1 MiB) | largest request body on every route but the Cloud webhook |
//! | `cloud_webhook_body_bytes` | `3145728` (3 MiB) | largest Cloud API webhook post (Meta's documented maximum) |
//! | `auth_per_minute` | `30` | requests to `/auth/*` per client address and minute |
//! | `failed_credentials_per_minute` | `10` | refused `Authorization` credentials (API tokens, session bearers, the metrics token) per client address and minute; then the address is refused until its budget refills |
//! | `bad_webhook_signatures_per_minute` | `10` | badly signed Cloud webhook posts (and wrong verify tokens) per bot and client address and minute; likewise |
//! | `stream_recheck_secs` | `60` | how often an open WebSocket stream re-checks its caller (logout, revoked token, removed member close it; on this replica at once) |
//! | `stream_max_secs` | `86400` (1 day) | longest life of one WebSocket stream; then it is closed (code 4000) and the client reconnects |
//! | `client_ip_header` | none | the header your reverse proxy sets to the client address (e.g. `x-forwarded-for`; its last entry is used). Without it limits are per TCP peer |
//!
//! Over a limit the answer is 429 with `Retry-After` (seconds) and the API's error shape
//! (`code: rate_limited`, `details.retry_after_secs`); over a body limit, 413 `payload_too_large`.

use std::{net::IpAddr, time::Instant};

use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{config::ConfigError, state::AppState};

mod body;
pub mod client_ip;
mod gate;

pub use body::enforce as enforce_body_limit;
pub use gate::{FailureGate, Throttle, retry_after_secs};

/// Where the Cloud API webhook lives (it has its own body limit).
const CLOUD_WEBHOOK_PREFIX: &str = "/webhooks/cloud/";

/// `[limits]`: body sizes and rate limits (see the [module documentation](self)).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitSettings {
    /// Largest request body, in bytes, on every route but the Cloud webhook.
    pub body_bytes: usize,
    /// Largest Cloud API webhook post, in bytes.
    pub cloud_webhook_body_bytes: usize,
    /// Requests to `/auth/*` per client address and minute.
    pub auth_per_minute: u32,
    /// Refused `Authorization` credentials per client address and minute.
    pub failed_credentials_per_minute: u32,
    /// Badly signed Cloud webhook posts per bot and client address and minute.
    pub bad_webhook_signatures_per_minute: u32,
    /// Seconds between re-checks of an open WebSocket stream's caller (1–60).
    pub stream_recheck_secs: u64,
    /// Longest life of one WebSocket stream, in seconds (1 to 7 days).
    pub stream_max_secs: u64,
    /// The header a trusted reverse proxy puts the client address in (its last entry counts).
    pub client_ip_header: Option<String>,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            body_bytes: 1 << 20,
            cloud_webhook_body_bytes: 3 << 20,
            auth_per_minute: 30,
            failed_credentials_per_minute: 10,
            bad_webhook_signatures_per_minute: 10,
            stream_recheck_secs: 60,
            stream_max_secs: 86_400,
            client_ip_header: None,
        }
    }
}

impl LimitSettings {
    /// The body limit of a request path.
    pub fn body_limit_for(&self, path: &str) -> usize {
        if path.starts_with(CLOUD_WEBHOOK_PREFIX) {
            self.cloud_webhook_body_bytes
        } else {
            self.body_bytes
        }
    }

    /// Checks the values: sizes between 1 KiB and 1 GiB, rates at least 1, a valid header name.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (key, value) in [
            ("limits.body_bytes", self.body_bytes),
            (
                "limits.cloud_webhook_body_bytes",
                self.cloud_webhook_body_bytes,
            ),
        ] {
            if !(1 << 10..=1 << 30).contains(&value) {
                return Err(ConfigError(format!(
                    "`{key}` must be between 1024 (1 KiB) and 1073741824 (1 GiB) bytes"
                )));
            }
        }
        for (key, value) in [
            ("limits.auth_per_minute", self.auth_per_minute),
            (
                "limits.failed_credentials_per_minute",
                self.failed_credentials_per_minute,
            ),
            (
                "limits.bad_webhook_signatures_per_minute",
                self.bad_webhook_signatures_per_minute,
            ),
        ] {
            if value == 0 {
                return Err(ConfigError(format!(
                    "`{key}` must be at least 1 (a rate per minute; raise it to loosen the limit)"
                )));
            }
        }
        if !(1..=60).contains(&self.stream_recheck_secs) {
            return Err(ConfigError(
                "`limits.stream_recheck_secs` must be between 1 and 60: a signed-out caller's \
                 stream must end within a minute"
                    .into(),
            ));
        }
        if !(1..=7 * 86_400).contains(&self.stream_max_secs) {
            return Err(ConfigError(
                "`limits.stream_max_secs` must be between 1 and 604800 (7 days)".into(),
            ));
        }
        if let Some(name) = &self.client_ip_header
            && header::HeaderName::from_bytes(name.as_bytes()).is_err()
        {
            return Err(ConfigError(format!(
                "`limits.client_ip_header` = `{name}` is not an HTTP header name; use the one \
                 your reverse proxy sets, e.g. x-forwarded-for"
            )));
        }
        Ok(())
    }
}

/// The server's rate limiters, built from [`LimitSettings`].
#[derive(Debug)]
pub struct RateLimits {
    /// `/auth/*` requests per client address.
    pub auth: Throttle<IpAddr>,
    /// Refused `Authorization` credentials per client address.
    pub credentials: FailureGate<IpAddr>,
    /// Bad Cloud webhook signatures and verify tokens per bot and client address.
    pub webhook_signatures: FailureGate<(Uuid, IpAddr)>,
    /// How often an open WebSocket stream re-checks its caller.
    pub stream_recheck: std::time::Duration,
    /// Longest life of one WebSocket stream.
    pub stream_max: std::time::Duration,
    client_ip_header: Option<String>,
}

impl RateLimits {
    /// Limiters with the configured rates.
    pub fn new(settings: &LimitSettings) -> Self {
        Self {
            auth: Throttle::per_minute(settings.auth_per_minute),
            credentials: FailureGate::per_minute(settings.failed_credentials_per_minute),
            webhook_signatures: FailureGate::per_minute(settings.bad_webhook_signatures_per_minute),
            stream_recheck: std::time::Duration::from_secs(settings.stream_recheck_secs),
            stream_max: std::time::Duration::from_secs(settings.stream_max_secs),
            client_ip_header: settings
                .client_ip_header
                .as_ref()
                .map(|h| h.to_ascii_lowercase()),
        }
    }

    /// The address a request is rate-limited under (see [`client_ip::client_key`]).
    pub fn client_key(&self, parts: &http::request::Parts) -> IpAddr {
        client_ip::client_key(
            &parts.extensions,
            &parts.headers,
            self.client_ip_header.as_deref(),
        )
    }
}

/// A response in the API's error shape, `{code, message, details}`.
pub(crate) fn error_json(
    status: StatusCode,
    code: &str,
    message: String,
    details: Option<crate::error::ErrorDetails>,
) -> Response {
    let body = serde_json::json!({ "code": code, "message": message, "details": details });
    (status, Json(body)).into_response()
}

/// 429 `rate_limited` with `Retry-After`, saying what was limited (`what`) and when to retry.
pub fn too_many_requests(wait: std::time::Duration, what: &str) -> Response {
    let secs = retry_after_secs(wait);
    crate::metrics::record_rate_limited(what);
    let mut resp = error_json(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("too many {what} from your address; retry in {secs} s"),
        Some(crate::error::ErrorDetails::retry_after_secs(secs)),
    );
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// Middleware: the `/auth/*` request rate and the refused-credentials gate, per client address.
///
/// A request with an `Authorization` header from an address that has used up its budget of
/// refused credentials is answered 429 before the credential is looked up; a 401 answer to a
/// request with one counts against the budget.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limits = &state.limits;
    let (parts, body) = req.into_parts();
    let key = limits.client_key(&parts);
    let path = parts.uri.path();
    if (path == "/auth" || path.starts_with("/auth/"))
        && let Err(wait) = limits.auth.check(&key)
    {
        return too_many_requests(wait, "sign-in requests");
    }
    let credentialed = parts.headers.contains_key(header::AUTHORIZATION);
    let now = Instant::now();
    if credentialed && let Err(wait) = limits.credentials.check(&key, now) {
        return too_many_requests(wait, "refused credentials");
    }
    let response = next.run(Request::from_parts(parts, body)).await;
    if credentialed && response.status() == StatusCode::UNAUTHORIZED {
        crate::metrics::record_refused_credential();
        if let Some(wait) = limits.credentials.fail(&key, now) {
            tracing::warn!(
                client = %key,
                "too many refused credentials from this address; refusing it for {} s",
                retry_after_secs(wait)
            );
        }
    }
    response
}
