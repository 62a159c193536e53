//! A local fake of the Graph API endpoints the Cloud transport uses, over wiremock, with
//! domain-named helpers. Shared by the integration tests and the benchmark.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, Request, Respond, ResponseTemplate,
    matchers::{body_partial_json, method, path},
};

/// The business phone number id of the fake number.
pub(crate) const PHONE_NUMBER_ID: &str = "106540352242922";
/// The display form of the fake number.
pub(crate) const DISPLAY_NUMBER: &str = "+1 555-0100";
/// The access token the fake expects.
pub(crate) const ACCESS_TOKEN: &str = "EAAG-test-access-token";
/// The app secret webhooks are signed with.
pub(crate) const APP_SECRET: &str = "test-app-secret";
/// The verify token of the handshake.
pub(crate) const VERIFY_TOKEN: &str = "test-verify-token";
/// The Graph API version the tests use.
pub(crate) const API_VERSION: &str = "v23.0";

/// The fake Graph API.
pub(crate) struct FakeGraph {
    server: MockServer,
    accepted: Arc<AtomicU64>,
}

/// Answers a send with a new `wamid.out-N` per message (N counts from 1).
struct Accept {
    accepted: Arc<AtomicU64>,
}

impl Respond for Accept {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let n = self.accepted.fetch_add(1, Ordering::SeqCst) + 1;
        let to = serde_json::from_slice::<Value>(&request.body)
            .ok()
            .and_then(|v| v.get("to").cloned())
            .unwrap_or(Value::Null);
        ResponseTemplate::new(200).set_body_json(json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": format!("wamid.out-{n}")}],
        }))
    }
}

impl FakeGraph {
    /// A fake that knows the number (profile lookups succeed) and records requests.
    pub(crate) async fn start() -> Self {
        Self::with_server(MockServer::start().await).await
    }

    /// A fake that keeps no request log (benchmarks: memory stays flat).
    #[allow(dead_code, reason = "used by the benchmark only")]
    pub(crate) async fn start_unrecorded() -> Self {
        Self::with_server(
            MockServer::builder()
                .disable_request_recording()
                .start()
                .await,
        )
        .await
    }

    async fn with_server(server: MockServer) -> Self {
        Mock::given(method("GET"))
            .and(path(format!("/{API_VERSION}/{PHONE_NUMBER_ID}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "display_phone_number": DISPLAY_NUMBER,
                "verified_name": "Acme Solar",
                "id": PHONE_NUMBER_ID,
            })))
            .mount(&server)
            .await;
        Self {
            server,
            accepted: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The base URL to configure as `graph_base_url`.
    pub(crate) fn base_url(&self) -> String {
        self.server.uri()
    }

    fn messages_path() -> String {
        format!("/{API_VERSION}/{PHONE_NUMBER_ID}/messages")
    }

    /// Text sends succeed with a fresh `wamid.out-N`; read receipts succeed.
    pub(crate) async fn accepts_messages(&self) -> &Self {
        Mock::given(method("POST"))
            .and(path(Self::messages_path()))
            .and(body_partial_json(json!({"type": "text"})))
            .respond_with(Accept {
                accepted: self.accepted.clone(),
            })
            .mount(&self.server)
            .await;
        Mock::given(method("POST"))
            .and(path(Self::messages_path()))
            .and(body_partial_json(json!({"status": "read"})))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
            .mount(&self.server)
            .await;
        self
    }

    /// How many text sends were accepted so far (works without request recording).
    #[allow(dead_code, reason = "used by the benchmark only")]
    pub(crate) fn accepted_count(&self) -> u64 {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Every text send fails with Graph error `code` and HTTP `http_status`.
    pub(crate) async fn fails_with(&self, code: i64, http_status: u16) -> &Self {
        self.failing(code, http_status, None).await
    }

    /// The next `times` text sends fail with Graph error `code` and HTTP `http_status`; later
    /// ones get what other helpers set up.
    pub(crate) async fn fails_with_times(&self, code: i64, http_status: u16, times: u64) -> &Self {
        self.failing(code, http_status, Some(times)).await
    }

    async fn failing(&self, code: i64, http_status: u16, times: Option<u64>) -> &Self {
        let mock = Mock::given(method("POST"))
            .and(path(Self::messages_path()))
            .and(body_partial_json(json!({"type": "text"})))
            .respond_with(ResponseTemplate::new(http_status).set_body_json(graph_error(code)))
            .with_priority(1);
        let mock = match times {
            Some(n) => mock.up_to_n_times(n),
            None => mock,
        };
        mock.mount(&self.server).await;
        self
    }

    /// Profile lookups (made when a session starts) fail with Graph error `code`.
    pub(crate) async fn rejects_profile_lookup(&self, code: i64, http_status: u16) -> &Self {
        Mock::given(method("GET"))
            .and(path(format!("/{API_VERSION}/{PHONE_NUMBER_ID}")))
            .respond_with(ResponseTemplate::new(http_status).set_body_json(graph_error(code)))
            .with_priority(1)
            .mount(&self.server)
            .await;
        self
    }

    /// How many requests arrived at all (any endpoint).
    pub(crate) async fn request_count(&self) -> usize {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .len()
    }

    /// Every request received on the messages endpoint, in order.
    pub(crate) async fn message_requests(&self) -> Vec<Request> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.url.path() == Self::messages_path())
            .collect()
    }

    /// The JSON bodies of text sends, in order (failed attempts included).
    pub(crate) async fn sent_texts(&self) -> Vec<Value> {
        self.bodies_where(|b| b["type"] == "text").await
    }

    /// The JSON bodies of read receipts (with or without typing), in order.
    pub(crate) async fn read_receipts(&self) -> Vec<Value> {
        self.bodies_where(|b| b["status"] == "read").await
    }

    async fn bodies_where(&self, keep: impl Fn(&Value) -> bool) -> Vec<Value> {
        self.message_requests()
            .await
            .iter()
            .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
            .filter(|b| keep(b))
            .collect()
    }
}

/// The Graph error object for `code`, shaped like Meta's.
pub(crate) fn graph_error(code: i64) -> Value {
    let (message, details) = match code {
        130429 => (
            "(#130429) Rate limit hit",
            "Cloud API message throughput has been reached.",
        ),
        131047 => (
            "(#131047) Re-engagement message",
            "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
        ),
        190 => ("Error validating access token: Session has expired.", ""),
        _ => ("(#100) Invalid parameter", "Some parameter is invalid."),
    };
    json!({"error": {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details},
        "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam",
    }})
}
