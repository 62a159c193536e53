//! What a failed Graph API call means for the caller: retry later, fix the configuration, or
//! give up on this message (with a reason a person can act on).

use std::time::Duration;

use reqwest::{StatusCode, header::HeaderMap};
use serde::Deserialize;
use wabot_core::TransportError;

/// The reason shown when a free-form message is refused because the customer has not written in
/// the last 24 hours.
pub const OUTSIDE_SERVICE_WINDOW: &str =
    "outside the 24-hour customer service window: a template message is required";

/// Graph error codes that mean "too fast" or "try again later": throughput (130429), pair rate
/// to one user (131056), spam rate (131048), app/account rate limits (80007, 4), temporary
/// service trouble (1, 2, 131016).
const TRANSIENT_CODES: [i64; 8] = [130429, 131056, 131048, 80007, 4, 1, 2, 131016];

/// Codes that mean the customer service window is closed (re-engagement message).
const WINDOW_CODES: [i64; 1] = [131047];

/// Codes that mean the access token is invalid or expired.
const TOKEN_CODES: [i64; 3] = [190, 102, 463];

/// Longest Graph error text carried into our errors.
const MAX_DETAIL_CHARS: usize = 300;

/// The Graph API's error object: `{error:{message,type,code,error_subcode,error_data{details}}}`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct GraphError {
    #[serde(default)]
    pub(crate) message: Option<String>,
    #[serde(default, rename = "type")]
    pub(crate) kind: Option<String>,
    #[serde(default)]
    pub(crate) code: Option<i64>,
    #[serde(default)]
    pub(crate) error_subcode: Option<i64>,
    #[serde(default)]
    pub(crate) error_data: Option<ErrorData>,
    #[serde(default)]
    pub(crate) fbtrace_id: Option<String>,
}

/// `error_data` of a Graph error.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorData {
    #[serde(default)]
    pub(crate) details: Option<String>,
}

#[derive(Deserialize)]
struct Envelope {
    error: GraphError,
}

impl GraphError {
    /// The error object in a response body, if it has one.
    pub(crate) fn parse(body: &[u8]) -> Option<Self> {
        serde_json::from_slice::<Envelope>(body)
            .ok()
            .map(|e| e.error)
    }

    /// The error without its texts (message, details, type, trace id).
    fn codes_only(self) -> Self {
        Self {
            code: self.code,
            error_subcode: self.error_subcode,
            ..Self::default()
        }
    }

    /// `Graph error 131026 (subcode 2494010): Message undeliverable — details`.
    fn describe(&self) -> String {
        let mut out = String::from("Graph error");
        if let Some(code) = self.code {
            out.push_str(&format!(" {code}"));
        }
        if let Some(sub) = self.error_subcode {
            out.push_str(&format!(" (subcode {sub})"));
        }
        let message = self.message.as_deref().unwrap_or("").trim();
        let details = self
            .error_data
            .as_ref()
            .and_then(|d| d.details.as_deref())
            .unwrap_or("")
            .trim();
        if !message.is_empty() {
            out.push_str(": ");
            out.push_str(&clip(message));
        }
        if !details.is_empty() && details != message {
            out.push_str(" — ");
            out.push_str(&clip(details));
        }
        if let Some(kind) = self.kind.as_deref().filter(|k| !k.is_empty()) {
            out.push_str(&format!(" [{}]", clip(kind)));
        }
        if let Some(trace) = self.fbtrace_id.as_deref().filter(|t| !t.is_empty()) {
            out.push_str(&format!(" (fbtrace_id {})", clip(trace)));
        }
        out
    }
}

/// A failed attempt: the error, and how long the server asked us to wait (`Retry-After`).
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) error: TransportError,
    pub(crate) retry_after: Option<Duration>,
}

/// Maps a non-success HTTP response to a transport error.
///
/// - throttling codes ([`TRANSIENT_CODES`]), HTTP 429 and 5xx → [`TransportError::Unavailable`]
///   (retried with backoff);
/// - 131047 → [`TransportError::Rejected`] with [`OUTSIDE_SERVICE_WINDOW`];
/// - token errors (190…) and HTTP 401 → [`TransportError::Config`] saying what to do;
/// - permission errors (10, 200–299) → [`TransportError::Config`];
/// - anything else → [`TransportError::Rejected`] with the Graph message.
///
/// With `quote` off (the response came from an internal address and a network guard is on),
/// the Graph error's texts are left out: only its numeric codes are kept, so nothing an
/// internal service says reaches the user.
pub(crate) fn classify(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    quote: bool,
) -> Failure {
    let retry_after = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let graph = GraphError::parse(body).map(|g| if quote { g } else { g.codes_only() });
    let error = match graph {
        Some(g) => classify_graph(status, &g),
        None => classify_status(status),
    };
    Failure { error, retry_after }
}

fn classify_graph(status: StatusCode, g: &GraphError) -> TransportError {
    let code = g.code.unwrap_or_default();
    let described = g.describe();
    if WINDOW_CODES.contains(&code) {
        return TransportError::Rejected(format!("{OUTSIDE_SERVICE_WINDOW} ({described})"));
    }
    if TOKEN_CODES.contains(&code) {
        return TransportError::Config(format!(
            "the Cloud API access token was rejected ({described}); create a new system-user \
             access token with the whatsapp_business_messaging permission in Meta Business \
             Settings and save it in the bot's Cloud API settings"
        ));
    }
    if code == 10 || (200..300).contains(&code) {
        return TransportError::Config(format!(
            "the Cloud API access token lacks a permission ({described}); grant \
             whatsapp_business_messaging and whatsapp_business_management to the system user \
             for this phone number"
        ));
    }
    if TRANSIENT_CODES.contains(&code)
        || status == StatusCode::TOO_MANY_REQUESTS
        || status.is_server_error()
    {
        return TransportError::Unavailable(format!(
            "the Graph API asked us to slow down or retry ({described})"
        ));
    }
    if status == StatusCode::UNAUTHORIZED {
        return TransportError::Config(format!(
            "the Graph API refused the credentials ({described}); check the bot's Cloud API access token"
        ));
    }
    TransportError::Rejected(described)
}

fn classify_status(status: StatusCode) -> TransportError {
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        TransportError::Unavailable(format!("the Graph API answered HTTP {status}"))
    } else if status == StatusCode::UNAUTHORIZED {
        TransportError::Config(format!(
            "the Graph API answered HTTP {status}; check the bot's Cloud API access token"
        ))
    } else {
        TransportError::Rejected(format!("the Graph API answered HTTP {status}"))
    }
}

/// Maps a request that got no response (connect, timeout, body) to a transient error.
pub(crate) fn network(e: &reqwest::Error) -> TransportError {
    if let Some(blocked) = wabot_net::Blocked::find(e) {
        return blocked_url(blocked);
    }
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    // The token travels in a header, never in the URL, so the URL reqwest shows is safe.
    TransportError::Unavailable(format!(
        "the Graph API request {what}: {}",
        clip(&with_sources(e))
    ))
}

/// The error for a Graph API base URL the network policy refuses: a configuration error (it
/// will not work on a retry).
pub(crate) fn blocked_url(blocked: &wabot_net::Blocked) -> TransportError {
    TransportError::Config(format!(
        "transport.graph_base_url {blocked}; leave it empty for https://graph.facebook.com"
    ))
}

fn with_sources(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn clip(s: &str) -> String {
    if s.chars().count() <= MAX_DETAIL_CHARS {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(MAX_DETAIL_CHARS).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(code: i64, message: &str) -> Vec<u8> {
        serde_json::json!({"error": {
            "message": message, "type": "OAuthException", "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": format!("details of {code}")},
            "fbtrace_id": "AbC"
        }})
        .to_string()
        .into_bytes()
    }

    fn of(status: u16, body: &[u8]) -> TransportError {
        classify(
            StatusCode::from_u16(status).unwrap(),
            &HeaderMap::new(),
            body,
            true,
        )
        .error
    }

    #[test]
    fn throttling_codes_are_transient() {
        for code in [130429, 131056, 131048, 80007, 4] {
            let e = of(400, &graph(code, "Rate limit hit"));
            assert!(e.is_transient(), "{code}: {e}");
        }
    }

    #[test]
    fn http_429_and_5xx_are_transient_with_or_without_a_graph_body() {
        assert!(of(429, b"").is_transient());
        assert!(of(503, b"<html>").is_transient());
        assert!(of(500, &graph(131000, "Something went wrong")).is_transient());
    }

    #[test]
    fn closed_window_is_rejected_with_the_dashboard_reason() {
        let e = of(400, &graph(131047, "Re-engagement message"));
        match e {
            TransportError::Rejected(m) => {
                assert!(m.starts_with(OUTSIDE_SERVICE_WINDOW), "{m}");
                assert!(m.contains("131047"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn token_errors_say_what_to_do() {
        match of(401, &graph(190, "Error validating access token")) {
            TransportError::Config(m) => {
                assert!(m.contains("access token"));
                assert!(m.contains("Meta Business Settings"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn other_client_errors_are_rejected_with_the_graph_message() {
        match of(400, &graph(131026, "Message undeliverable")) {
            TransportError::Rejected(m) => {
                assert!(m.contains("131026"));
                assert!(m.contains("Message undeliverable"));
                assert!(m.contains("details of 131026"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(of(404, b"not json"), TransportError::Rejected(_)));
    }

    #[test]
    fn texts_from_an_internal_address_are_left_out_but_codes_still_classify() {
        let body = graph(190, "internal secret hunter2");

        let e = classify(StatusCode::UNAUTHORIZED, &HeaderMap::new(), &body, false).error;

        let shown = e.to_string();
        assert!(matches!(e, TransportError::Config(_)), "{e:?}");
        assert!(shown.contains("190"), "{shown}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("details of"),
            "{shown}"
        );
    }

    #[test]
    fn retry_after_is_read_in_seconds() {
        let mut headers = HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, "3".parse().unwrap());
        let f = classify(StatusCode::TOO_MANY_REQUESTS, &headers, b"", true);
        assert_eq!(f.retry_after, Some(Duration::from_secs(3)));
    }

    #[test]
    fn long_graph_messages_are_clipped() {
        let long = "x".repeat(5_000);
        let e = of(400, &graph(100, &long));
        assert!(e.to_string().chars().count() < 1_000);
    }
}
