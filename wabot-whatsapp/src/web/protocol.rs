//! What the injected script reports through the binding, and how it maps onto
//! [`TransportEvent`]s. Pure functions: unit-tested without a browser.

use chrono::{TimeZone, Utc};
use serde::Deserialize;
use wabot_core::{
    domain::{ContactId, DeliveryStatus},
    ports::{InboundKind, InboundMessage},
};

/// One JSON message from the page (`assets/inject.js`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub(crate) enum PageEvent {
    /// A new document started (first load, post-login reload, logout navigation).
    Loaded { url: String },
    /// `Socket.state` changed.
    State { state: String },
    /// `Socket.hasSynced` became true.
    Synced { me: Option<String> },
    /// A QR payload to show.
    Qr { code: String },
    /// A pairing code to type on the phone.
    Code { code: String },
    /// A message arrived.
    Msg(PageMessage),
    /// A sent message's ack changed.
    Ack { id: String, ack: i64 },
    /// WhatsApp logged the session out.
    Logout,
    /// A helper failed inside the page.
    Error { r#where: String, message: String },
}

/// A message as the injected script serializes it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageMessage {
    pub(crate) id: String,
    pub(crate) from: String,
    pub(crate) author: Option<String>,
    pub(crate) r#type: String,
    #[serde(default)]
    pub(crate) subtype: Option<String>,
    #[serde(default)]
    pub(crate) body: String,
    #[serde(default)]
    pub(crate) media: bool,
    pub(crate) ts: Option<i64>,
    pub(crate) notify_name: Option<String>,
}

/// Message types that are WhatsApp bookkeeping, not something a customer wrote.
const SYSTEM_TYPES: &[&str] = &[
    "e2e_notification",
    "notification_template",
    "notification",
    "gp2",
    "protocol",
    "call_log",
    "revoked",
    "ciphertext",
    "broadcast_notification",
    "debug",
];

impl PageMessage {
    /// Converts to an inbound message, or says why it is not one (status updates, channels,
    /// system notifications). Group, media and other messages are kept, with their kind.
    pub(crate) fn into_inbound(self) -> Result<InboundMessage, String> {
        if self.from == "status@broadcast" || self.from.ends_with("@broadcast") {
            return Err(format!("status/broadcast update {}", self.id));
        }
        if self.from.ends_with("@newsletter") {
            return Err(format!("channel post {}", self.id));
        }
        if SYSTEM_TYPES.contains(&self.r#type.as_str()) {
            return Err(format!("system message of type `{}`", self.r#type));
        }
        let group = self.from.ends_with("@g.us");
        let kind = if group {
            InboundKind::Group
        } else if self.r#type == "chat" {
            InboundKind::Text
        } else if self.media {
            InboundKind::Media(self.r#type.clone())
        } else {
            InboundKind::Other(self.r#type.clone())
        };
        let from = ContactId::parse(&self.from)
            .map_err(|e| format!("unusable sender `{}`: {e}", self.from))?;
        let sent_at = self
            .ts
            .and_then(|s| Utc.timestamp_opt(s, 0).single())
            .unwrap_or_else(Utc::now);
        Ok(InboundMessage {
            provider_message_id: self.id,
            from,
            display_name: self.notify_name.filter(|n| !n.trim().is_empty()),
            // Non-text messages carry their caption (or nothing); the kind says what they are.
            body: self.body,
            kind,
            sent_at,
        })
    }
}

/// Maps a WhatsApp Web ack value (-1 error, 0 pending, 1 server, 2 device, 3 read, 4 played).
pub(crate) fn delivery_status(ack: i64) -> Option<DeliveryStatus> {
    match ack {
        i64::MIN..=-1 => Some(DeliveryStatus::Failed),
        0 => None,
        1 => Some(DeliveryStatus::Sent),
        2 => Some(DeliveryStatus::Delivered),
        _ => Some(DeliveryStatus::Read),
    }
}

/// What a `Socket.state` means for the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StateClass {
    /// A QR (or pairing code) is needed.
    Unpaired,
    /// Connecting or pairing; wait.
    Transitional,
    /// Connected.
    Connected,
    /// Opened in another browser or app.
    Conflict,
    /// Temporarily lost; WhatsApp Web reconnects by itself.
    Lost,
    /// Anything else (blocked, deprecated version, …): the session cannot continue.
    Fatal,
}

/// Classifies a `Socket.state`.
pub(crate) fn classify_state(state: &str) -> StateClass {
    match state {
        "UNPAIRED" | "UNPAIRED_IDLE" => StateClass::Unpaired,
        "OPENING" | "PAIRING" | "UNLAUNCHED" | "RESUMING" | "SYNCING" => StateClass::Transitional,
        "CONNECTED" => StateClass::Connected,
        "CONFLICT" => StateClass::Conflict,
        "TIMEOUT" | "DISCONNECTED" => StateClass::Lost,
        _ => StateClass::Fatal,
    }
}

/// The WhatsApp chat id for a contact: ids with a server part (`…@c.us`, `…@lid`, `…@g.us`) are
/// used as they are; phone numbers in any notation become `<digits>@c.us`.
pub(crate) fn chat_id(contact: &ContactId) -> Result<String, String> {
    let raw = contact.as_str().trim();
    if raw.contains('@') {
        return Ok(raw.to_string());
    }
    match contact.phone_digits() {
        Some(digits) => Ok(format!("{digits}@c.us")),
        None => Err(format!(
            "`{raw}` is neither a WhatsApp id (…@c.us) nor a phone number"
        )),
    }
}

/// The account's number from its id (`34612345678@c.us` → `34612345678`).
pub(crate) fn account_number(me: &str) -> String {
    me.split(['@', ':']).next().unwrap_or(me).to_string()
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).unwrap()
    }

    fn parse(json: &str) -> PageEvent {
        serde_json::from_str(json).unwrap()
    }

    fn msg(json: &str) -> PageMessage {
        match parse(json) {
            PageEvent::Msg(m) => m,
            other => panic!("not a message: {other:?}"),
        }
    }

    #[test]
    fn a_text_message_becomes_an_inbound_text() {
        let m = msg(
            r#"{"t":"msg","id":"false_34612345678@c.us_ABC","from":"34612345678@c.us","author":null,
                "type":"chat","body":"Hola","media":false,"ts":1700000000,"notifyName":"Ana"}"#,
        );
        let inbound = m.into_inbound().unwrap();
        assert_eq!(inbound.provider_message_id, "false_34612345678@c.us_ABC");
        assert_eq!(inbound.from.as_str(), "34612345678@c.us");
        assert_eq!(inbound.display_name.as_deref(), Some("Ana"));
        assert_eq!(inbound.body, "Hola");
        assert_eq!(inbound.kind, InboundKind::Text);
        assert_eq!(inbound.sent_at, at(1_700_000_000));
    }

    #[test]
    fn media_group_and_other_messages_keep_their_kind() {
        let image = msg(
            r#"{"t":"msg","id":"a","from":"1555000111@c.us","author":null,"type":"image",
                "body":"","media":true,"ts":1,"notifyName":null}"#,
        )
        .into_inbound()
        .unwrap();
        assert_eq!(image.kind, InboundKind::Media("image".into()));
        assert_eq!(image.body, "");

        let group = msg(
            r#"{"t":"msg","id":"b","from":"1203630@g.us","author":"1555000111@c.us","type":"chat",
                "body":"hi all","media":false,"ts":1,"notifyName":null}"#,
        )
        .into_inbound()
        .unwrap();
        assert_eq!(group.kind, InboundKind::Group);
        assert_eq!(group.body, "hi all");

        let location = msg(
            r#"{"t":"msg","id":"c","from":"1555000111@c.us","author":null,"type":"location",
                "body":"","media":false,"ts":1,"notifyName":null}"#,
        )
        .into_inbound()
        .unwrap();
        assert_eq!(location.kind, InboundKind::Other("location".into()));
    }

    #[test]
    fn status_updates_and_system_messages_are_not_customer_messages() {
        let status = msg(
            r#"{"t":"msg","id":"s","from":"status@broadcast","author":"1@c.us","type":"image",
                "body":"","media":true,"ts":1,"notifyName":null}"#,
        );
        assert!(status.into_inbound().is_err());
        let system = msg(
            r#"{"t":"msg","id":"e","from":"1555000111@c.us","author":null,"type":"e2e_notification",
                "body":"","media":false,"ts":1,"notifyName":null}"#,
        );
        assert!(system.into_inbound().is_err());
    }

    #[test]
    fn acks_map_to_delivery_statuses() {
        assert_eq!(delivery_status(-1), Some(DeliveryStatus::Failed));
        assert_eq!(delivery_status(0), None);
        assert_eq!(delivery_status(1), Some(DeliveryStatus::Sent));
        assert_eq!(delivery_status(2), Some(DeliveryStatus::Delivered));
        assert_eq!(delivery_status(3), Some(DeliveryStatus::Read));
        assert_eq!(delivery_status(4), Some(DeliveryStatus::Read));
    }

    #[test]
    fn states_are_classified() {
        assert_eq!(classify_state("UNPAIRED_IDLE"), StateClass::Unpaired);
        assert_eq!(classify_state("OPENING"), StateClass::Transitional);
        assert_eq!(classify_state("CONNECTED"), StateClass::Connected);
        assert_eq!(classify_state("CONFLICT"), StateClass::Conflict);
        assert_eq!(classify_state("TIMEOUT"), StateClass::Lost);
        assert_eq!(classify_state("TOS_BLOCK"), StateClass::Fatal);
    }

    #[test]
    fn contacts_become_chat_ids() {
        let id = |s: &str| chat_id(&ContactId::parse(s).unwrap());
        assert_eq!(id("34612345678@c.us").unwrap(), "34612345678@c.us");
        assert_eq!(id("+34 612 345 678").unwrap(), "34612345678@c.us");
        assert_eq!(id("123@lid").unwrap(), "123@lid");
        assert!(id("sandbox-ana").is_err());
        assert_eq!(account_number("34600000000@c.us"), "34600000000");
        assert_eq!(account_number("34600000000:12@c.us"), "34600000000");
    }

    #[test]
    fn every_page_event_parses() {
        assert_eq!(
            parse(r#"{"t":"loaded","url":"https://web.whatsapp.com/"}"#),
            PageEvent::Loaded {
                url: "https://web.whatsapp.com/".into()
            }
        );
        assert_eq!(
            parse(r#"{"t":"ack","id":"x","ack":2}"#),
            PageEvent::Ack {
                id: "x".into(),
                ack: 2
            }
        );
        assert_eq!(parse(r#"{"t":"logout"}"#), PageEvent::Logout);
        assert!(matches!(
            parse(r#"{"t":"error","where":"qr","message":"boom"}"#),
            PageEvent::Error { .. }
        ));
        assert!(matches!(
            parse(r#"{"t":"synced","me":null}"#),
            PageEvent::Synced { me: None }
        ));
    }
}

/// Property tests: whatever the page sends over the binding is an event or a refusal, never a
/// panic. Longer run: `PROPTEST_CASES=20000 cargo test -p wabot-whatsapp protocol::robustness`.
#[cfg(test)]
mod robustness {
    use proptest::prelude::*;

    use super::{PageEvent, account_number, classify_state, delivery_status};

    fn message_json() -> impl Strategy<Value = String> {
        (
            any::<String>(),
            "[0-9]{0,15}(@c\\.us|@lid|@g\\.us|@broadcast|@newsletter)?",
            prop::option::of("[0-9]{0,15}@c\\.us"),
            prop_oneof![
                Just("chat"),
                Just("image"),
                Just("ptt"),
                Just("revoked"),
                Just("x")
            ],
            any::<String>(),
            any::<bool>(),
            prop::option::of(any::<i64>()),
        )
            .prop_map(|(id, from, author, kind, body, media, ts)| {
                serde_json::json!({
                    "t": "msg", "id": id, "from": from, "author": author, "type": kind,
                    "body": body, "media": media, "ts": ts, "notifyName": "Ana",
                })
                .to_string()
            })
    }

    proptest! {
        #[test]
        fn any_binding_payload_is_an_event_or_refused(raw in prop_oneof![any::<String>(), message_json()]) {
            if let Ok(PageEvent::Msg(message)) = serde_json::from_str::<PageEvent>(&raw) {
                let _ = message.into_inbound();
            }
        }

        #[test]
        fn states_acks_and_account_ids_never_panic(state in any::<String>(), ack in any::<i64>(), me in any::<String>()) {
            let _ = classify_state(&state);
            let _ = delivery_status(ack);
            let _ = account_number(&me);
        }
    }
}
