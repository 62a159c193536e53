//! Builders of the webhook payloads Meta documents, signed like Meta signs them: for tests of
//! this crate and of hosts that mount [`CloudWebhook`](super::CloudWebhook).
//!
//! ```
//! use wabot_whatsapp::cloud::testing::WebhookPayload;
//!
//! let (signature, body) = WebhookPayload::new("106540352242922")
//!     .text("34612345678", "Ana", "wamid.HBgL1", "Hola, ¿instaláis en Madrid?")
//!     .signed("app-secret");
//! assert!(signature.starts_with("sha256="));
//! assert!(String::from_utf8(body).unwrap().contains("wamid.HBgL1"));
//! ```

use serde_json::{Value, json};

pub use super::webhook::sign;

/// One webhook post for one phone number: messages (with their senders' profiles) and statuses.
#[derive(Debug, Clone)]
pub struct WebhookPayload {
    phone_number_id: String,
    display_phone_number: String,
    contacts: Vec<Value>,
    messages: Vec<Value>,
    statuses: Vec<Value>,
    timestamp: i64,
}

impl WebhookPayload {
    /// An empty post for `phone_number_id` (display number `15550100`).
    pub fn new(phone_number_id: &str) -> Self {
        Self {
            phone_number_id: phone_number_id.to_string(),
            display_phone_number: "15550100".to_string(),
            contacts: Vec::new(),
            messages: Vec::new(),
            statuses: Vec::new(),
            timestamp: 1_700_000_000,
        }
    }

    /// Sets the display number in `metadata`.
    pub fn display_phone_number(mut self, number: &str) -> Self {
        self.display_phone_number = number.to_string();
        self
    }

    /// A text message from `wa_id` (profile name `name`).
    pub fn text(self, wa_id: &str, name: &str, wamid: &str, body: &str) -> Self {
        self.message(
            wa_id,
            name,
            json!({"id": wamid, "type": "text", "text": {"body": body}}),
        )
    }

    /// A media message (`image`, `audio`, `video`, `document`, `sticker`) with an optional
    /// caption.
    pub fn media(self, wa_id: &str, wamid: &str, kind: &str, caption: Option<&str>) -> Self {
        let mut media = json!({"mime_type": "application/octet-stream", "sha256": "aGFzaA==", "id": "1234567890"});
        if let Some(caption) = caption {
            media["caption"] = json!(caption);
        }
        self.message(wa_id, "", json!({"id": wamid, "type": kind, kind: media}))
    }

    /// Any message object (`id`, `type` and the type's object); `from` and `timestamp` are
    /// filled in. Use it for types without a helper or unknown ones.
    pub fn message(mut self, wa_id: &str, name: &str, mut message: Value) -> Self {
        if let Some(m) = message.as_object_mut() {
            m.insert("from".into(), json!(wa_id));
            m.entry("timestamp")
                .or_insert_with(|| json!(self.timestamp.to_string()));
        }
        if !name.is_empty() && !self.contacts.iter().any(|c| c["wa_id"] == wa_id) {
            self.contacts
                .push(json!({"profile": {"name": name}, "wa_id": wa_id}));
        }
        self.messages.push(message);
        self
    }

    /// A status (`sent`, `delivered`, `read`, `failed`) of a message sent to `recipient`.
    pub fn status(mut self, wamid: &str, status: &str, recipient: &str) -> Self {
        self.statuses.push(json!({
            "id": wamid,
            "status": status,
            "timestamp": self.timestamp.to_string(),
            "recipient_id": recipient,
        }));
        self
    }

    /// A `failed` status with the Graph error `code` and `title` (131047: 24-hour window).
    pub fn failed_status(mut self, wamid: &str, recipient: &str, code: i64, title: &str) -> Self {
        self.statuses.push(json!({
            "id": wamid,
            "status": "failed",
            "timestamp": self.timestamp.to_string(),
            "recipient_id": recipient,
            "errors": [{"code": code, "title": title, "error_data": {"details": title}}],
        }));
        self
    }

    /// The payload as JSON.
    pub fn to_json(&self) -> Value {
        let mut value = json!({
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": self.display_phone_number,
                "phone_number_id": self.phone_number_id,
            },
        });
        if !self.contacts.is_empty() {
            value["contacts"] = json!(self.contacts);
        }
        if !self.messages.is_empty() {
            value["messages"] = json!(self.messages);
        }
        if !self.statuses.is_empty() {
            value["statuses"] = json!(self.statuses);
        }
        json!({
            "object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
        })
    }

    /// The raw body bytes.
    pub fn body(&self) -> Vec<u8> {
        self.to_json().to_string().into_bytes()
    }

    /// The `X-Hub-Signature-256` value and the body, signed with `app_secret`.
    pub fn signed(&self, app_secret: &str) -> (String, Vec<u8>) {
        let body = self.body();
        (sign(app_secret, &body), body)
    }
}
