//! Operations endpoints: `/healthz` (the process answers), `/readyz` (the database answers),
//! Prometheus `/metrics`, and the middleware counting HTTP requests by route template.

use std::time::{Duration, Instant};

use axum::{
    Json,
    extract::{MatchedPath, OriginalUri, Request, State},
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use wabot_core::ids::WorkspaceId;

use crate::{metrics, state::AppState};

/// `GET /healthz`: 200 while the process runs.
pub async fn healthz() -> impl IntoResponse {
    Json(serde_json::json!({ "status": "ok" }))
}

/// `GET /readyz`: 200 when the database answers within 2 s, else 503.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let probe = tokio::time::timeout(
        Duration::from_secs(2),
        state.store.get_workspace(WorkspaceId(uuid::Uuid::nil())),
    )
    .await;
    match probe {
        Ok(Ok(_)) => {
            Json(serde_json::json!({ "status": "ready", "database": "ok" })).into_response()
        }
        Ok(Err(e)) => {
            tracing::warn!("readiness probe: database error: {e}");
            unavailable("database error")
        }
        Err(_) => unavailable("database timeout"),
    }
}

fn unavailable(why: &str) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(serde_json::json!({ "status": "unavailable", "database": why })),
    )
        .into_response()
}

/// `GET /metrics`: the Prometheus text format, for scrapers [`metrics_refusal`] lets through.
pub async fn prometheus(State(state): State<AppState>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    if let Some(refused) = metrics_refusal(&state.settings.metrics, &parts) {
        return refused;
    }
    let text = state.metrics.render(state.store.as_ref()).await;
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// Who may read `/metrics` (it names every tenant's bots): with `metrics.token` configured, a
/// request with `Authorization: Bearer <token>` (compared in constant time; else 401); without
/// one, only a request straight from this machine (a loopback peer and no forwarding header;
/// else 403 saying how to configure a token). Returns the refusal, or `None` to serve.
pub fn metrics_refusal(
    settings: &crate::metrics::MetricsSettings,
    parts: &http::request::Parts,
) -> Option<Response> {
    use secrecy::ExposeSecret;
    use subtle::ConstantTimeEq;
    match &settings.token {
        Some(token) => {
            let given = parts
                .headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .unwrap_or("");
            let expected = token.expose_secret().trim().as_bytes();
            if bool::from(given.as_bytes().ct_eq(expected)) {
                return None;
            }
            let mut refused = crate::limits::error_json(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "send the metrics token as `Authorization: Bearer <metrics.token>`".into(),
                None,
            );
            refused.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                http::HeaderValue::from_static("Bearer realm=\"wabot-metrics\""),
            );
            Some(refused)
        }
        None if crate::limits::client_ip::is_direct_local(&parts.extensions, &parts.headers) => {
            None
        }
        None => Some(crate::limits::error_json(
            StatusCode::FORBIDDEN,
            "forbidden",
            "without a metrics token /metrics answers only clients on this machine; set \
             metrics.token (WABOT_METRICS__TOKEN) and scrape with `Authorization: Bearer <token>`"
                .into(),
            None,
        )),
    }
}

/// Counts every request by method, route template and status, and times it.
pub async fn track_http(req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_string();
    let route = match req.extensions().get::<MatchedPath>() {
        Some(m) if !m.as_str().contains("{*") && !m.as_str().starts_with("/api") => {
            m.as_str().to_string()
        }
        _ => {
            let uri = req
                .extensions()
                .get::<OriginalUri>()
                .map_or_else(|| req.uri().clone(), |o| o.0.clone());
            template(uri.path())
        }
    };
    let started = Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::record_http(&method, route, status, started.elapsed());
    response
}

/// A bounded-cardinality route label: segments that look like identifiers (more than two
/// digits, upper-case letters, other characters, or long) become `{id}`.
pub fn template(path: &str) -> String {
    let mut out = String::new();
    for seg in path.split('/').filter(|s| !s.is_empty()).take(6) {
        out.push('/');
        let digits = seg.chars().filter(char::is_ascii_digit).count();
        let plain = seg.len() <= 24
            && digits <= 2
            && seg.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')
            });
        out.push_str(if plain { seg } else { "{id}" });
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_become_placeholders() {
        assert_eq!(
            super::template("/api/v1/bots/0190f0e0-0000-7000-8000-000000000000/qr.svg"),
            "/api/v1/bots/{id}/qr.svg"
        );
        assert_eq!(super::template("/"), "/");
    }
}
