//! Security headers on every response: `X-Content-Type-Options`, `Referrer-Policy`,
//! `X-Frame-Options`, HSTS when the public URL is https, and a Content-Security-Policy on HTML
//! (and SVG) documents.
//!
//! The dashboard runs under [`DASHBOARD_CSP`]: scripts, styles and connections from this origin
//! only, no inline script, no inline style attributes, no framing. Its templates carry no inline
//! `<script>` (the boot data is a `type="application/json"` block, which is not executed), no
//! `on…=` handlers and no `style=` attributes; the JavaScript modules set styles through the
//! CSSOM (`el.style.width = …`), which the policy allows. The generated API docs (Swagger UI at
//! `/api/docs`) inline their script and style, so they get [`API_DOCS_CSP`], which allows inline
//! code there and nothing from other origins.

use axum::{
    extract::{Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, header},
    middleware::Next,
    response::Response,
};

use crate::state::AppState;

/// The policy of the dashboard's pages (and every other HTML or SVG document).
pub const DASHBOARD_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The policy of the Swagger UI under `/api/docs`, whose page inlines its script and style.
pub const API_DOCS_CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// `Strict-Transport-Security` when the server is reached over https: one year.
pub const HSTS: &str = "max-age=31536000";

/// Whether the configured public URL is https (then HSTS is sent).
pub fn is_https(public_url: Option<&str>) -> bool {
    public_url.is_some_and(|u| u.trim().to_ascii_lowercase().starts_with("https://"))
}

/// The Content-Security-Policy for a response of `path` with `content_type`, if it needs one.
pub fn csp_for(path: &str, content_type: Option<&str>) -> Option<&'static str> {
    let ct = content_type?.trim().to_ascii_lowercase();
    let document = ct.starts_with("text/html") || ct.starts_with("image/svg+xml");
    if !document {
        return None;
    }
    if path == "/api/docs" || path.starts_with("/api/docs/") {
        Some(API_DOCS_CSP)
    } else {
        Some(DASHBOARD_CSP)
    }
}

/// Middleware: adds the headers (a handler's own value of a header wins).
pub async fn apply(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let mut response = next.run(req).await;
    let settings = &state.settings;
    let https = is_https(
        settings
            .server
            .public_url
            .as_deref()
            .or(settings.auth.public_url.as_deref()),
    );
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let headers = response.headers_mut();
    set_default(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_default(headers, header::REFERRER_POLICY, "same-origin");
    set_default(headers, header::X_FRAME_OPTIONS, "DENY");
    if https {
        set_default(headers, header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    if let Some(csp) = csp_for(&path, content_type.as_deref()) {
        set_default(headers, header::CONTENT_SECURITY_POLICY, csp);
    }
    response
}

fn set_default(headers: &mut HeaderMap, name: HeaderName, value: &'static str) {
    if !headers.contains_key(&name) {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_gets_the_strict_policy_and_the_api_docs_their_own() {
        assert_eq!(
            csp_for("/bots", Some("text/html; charset=utf-8")),
            Some(DASHBOARD_CSP)
        );
        assert_eq!(csp_for("/api/docs", Some("text/html")), Some(API_DOCS_CSP));
        assert_eq!(csp_for("/api/v1/bots", Some("application/json")), None);
        assert_eq!(csp_for("/x", None), None);
        assert!(!DASHBOARD_CSP.contains("unsafe"), "{DASHBOARD_CSP}");
        assert!(DASHBOARD_CSP.contains("frame-ancestors 'none'"));
    }

    #[test]
    fn hsts_only_for_an_https_public_url() {
        assert!(is_https(Some("https://bots.example.com")));
        assert!(!is_https(Some("http://127.0.0.1:8080")));
        assert!(!is_https(None));
    }
}
