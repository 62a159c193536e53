//! Reading the webhook payloads Meta posts (`object: whatsapp_business_account`), leniently: a
//! malformed item is skipped and logged, never the whole batch, and nothing panics.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use wabot_core::{
    domain::{ContactId, DeliveryStatus},
    ports::{InboundKind, InboundMessage},
};

/// A delivery update for a message the bot sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StatusUpdate {
    /// The `wamid` of the sent message.
    pub(crate) id: String,
    /// Its new status.
    pub(crate) status: DeliveryStatus,
}

/// What one webhook body carried, in payload order.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub(crate) messages: Vec<InboundMessage>,
    pub(crate) statuses: Vec<StatusUpdate>,
    /// Items not forwarded: other fields, other numbers, malformed items, unknown statuses.
    pub(crate) ignored: usize,
    /// The number's display form, from `metadata.display_phone_number`.
    pub(crate) display_number: Option<String>,
}

/// Reads a webhook body. `ours` is the phone number id of the receiving bot: changes for another
/// number are ignored (and logged) rather than answered by the wrong bot. Errs only when the body
/// is not a JSON object or `entry` is not an array.
pub(crate) fn parse(body: &[u8], ours: Option<&str>, now: DateTime<Utc>) -> Result<Parsed, String> {
    let root: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON ({e})"))?;
    let root = root
        .as_object()
        .ok_or("the body is not a JSON object with `object` and `entry`")?;
    let mut parsed = Parsed::default();
    match root.get("object").and_then(Value::as_str) {
        Some("whatsapp_business_account") => {}
        other => {
            tracing::debug!(object = ?other, "webhook for another object ignored");
            parsed.ignored += 1;
            return Ok(parsed);
        }
    }
    let entries = match root.get("entry") {
        None | Some(Value::Null) => return Ok(parsed),
        Some(Value::Array(entries)) => entries,
        Some(_) => return Err("`entry` must be an array".into()),
    };
    for entry in entries {
        let Some(changes) = entry.get("changes").and_then(Value::as_array) else {
            parsed.ignored += 1;
            continue;
        };
        for change in changes {
            read_change(change, ours, now, &mut parsed);
        }
    }
    Ok(parsed)
}

fn read_change(change: &Value, ours: Option<&str>, now: DateTime<Utc>, parsed: &mut Parsed) {
    let field = change.get("field").and_then(Value::as_str).unwrap_or("");
    let Some(value) = change.get("value").and_then(Value::as_object) else {
        parsed.ignored += 1;
        return;
    };
    if field != "messages" {
        tracing::debug!(field, "webhook change of another field ignored");
        parsed.ignored += 1;
        return;
    }
    let metadata = value.get("metadata");
    let number = metadata
        .and_then(|m| m.get("phone_number_id"))
        .and_then(Value::as_str);
    let messages = array(value, "messages");
    let statuses = array(value, "statuses");
    if let (Some(ours), Some(number)) = (ours, number)
        && ours != number
    {
        tracing::warn!(
            expected = ours,
            got = number,
            "webhook change for another phone number id ignored; give each number its own webhook URL"
        );
        parsed.ignored += messages.len() + statuses.len();
        return;
    }
    if let Some(display) = metadata
        .and_then(|m| m.get("display_phone_number"))
        .and_then(Value::as_str)
    {
        parsed.display_number = Some(display.to_string());
    }
    let names: HashMap<&str, &str> = array(value, "contacts")
        .iter()
        .filter_map(|c| {
            Some((
                c.get("wa_id")?.as_str()?,
                c.get("profile")?.get("name")?.as_str()?,
            ))
        })
        .collect();
    for message in messages {
        match read_message(message, &names, now) {
            Some(m) => parsed.messages.push(m),
            None => {
                tracing::warn!(
                    message = %clip(&message.to_string(), 300),
                    "webhook message without a usable `id`/`from` skipped"
                );
                parsed.ignored += 1;
            }
        }
    }
    for status in statuses {
        match read_status(status) {
            Some(s) => parsed.statuses.push(s),
            None => parsed.ignored += 1,
        }
    }
    for error in array(value, "errors") {
        tracing::warn!(error = %clip(&error.to_string(), 300), "the Cloud API reported an error in a webhook");
    }
}

fn array<'a>(object: &'a Map<String, Value>, key: &str) -> &'a [Value] {
    object
        .get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn read_message(
    m: &Value,
    names: &HashMap<&str, &str>,
    now: DateTime<Utc>,
) -> Option<InboundMessage> {
    let id = str_at(m, "/id")?.to_string();
    let from_raw = str_at(m, "/from")?;
    let from = ContactId::parse(from_raw).ok()?;
    let kind_name = str_at(m, "/type").unwrap_or("unknown");
    let (kind, body) = describe(kind_name, m);
    let kind = if m.get("group_id").is_some() {
        InboundKind::Group
    } else {
        kind
    };
    Some(InboundMessage {
        provider_message_id: id,
        display_name: names.get(from_raw).map(|n| n.to_string()),
        from,
        body,
        kind,
        sent_at: timestamp(m).unwrap_or(now),
    })
}

/// The kind and a descriptive body for every documented message type; unknown types are kept as
/// [`InboundKind::Other`] with what Meta said about them.
fn describe(kind: &str, m: &Value) -> (InboundKind, String) {
    let at = |p: &str| str_at(m, &format!("/{kind}/{p}"));
    match kind {
        "text" => (
            InboundKind::Text,
            m.pointer("/text/body")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        ),
        "image" | "video" | "audio" | "document" | "sticker" => {
            let body = at("caption")
                .or_else(|| at("filename"))
                .unwrap_or("")
                .to_string();
            let media = if kind == "audio" && m.pointer("/audio/voice") == Some(&Value::Bool(true))
            {
                "voice".to_string()
            } else {
                kind.to_string()
            };
            (InboundKind::Media(media), body)
        }
        // A tapped quick-reply (template button) or interactive reply is the customer's answer:
        // answered like text.
        "button" => match at("text").or_else(|| at("payload")) {
            Some(text) => (InboundKind::Text, text.to_string()),
            None => (
                InboundKind::Other("button".into()),
                "tapped a button".into(),
            ),
        },
        "interactive" => {
            let reply = str_at(m, "/interactive/button_reply/title")
                .or_else(|| str_at(m, "/interactive/list_reply/title"));
            match reply {
                Some(title) => {
                    let mut body = title.to_string();
                    if let Some(d) = str_at(m, "/interactive/list_reply/description") {
                        body.push_str(" — ");
                        body.push_str(d);
                    }
                    (InboundKind::Text, body)
                }
                None => (
                    InboundKind::Other("interactive".into()),
                    format!(
                        "interactive reply ({})",
                        at("type").unwrap_or("unknown type")
                    ),
                ),
            }
        }
        "location" => {
            let lat = m.pointer("/location/latitude").map(Value::to_string);
            let lon = m.pointer("/location/longitude").map(Value::to_string);
            let mut body = match (lat, lon) {
                (Some(lat), Some(lon)) => format!("location {lat}, {lon}"),
                _ => "location".to_string(),
            };
            let place: Vec<&str> = [at("name"), at("address")].into_iter().flatten().collect();
            if !place.is_empty() {
                body.push_str(&format!(" ({})", place.join(", ")));
            }
            (InboundKind::Other("location".into()), body)
        }
        "contacts" => {
            let shared: Vec<String> = m
                .get("contacts")
                .and_then(Value::as_array)
                .map(|cards| {
                    cards
                        .iter()
                        .map(|c| {
                            let name = str_at(c, "/name/formatted_name").unwrap_or("unnamed");
                            match str_at(c, "/phones/0/phone") {
                                Some(phone) => format!("{name} {phone}"),
                                None => name.to_string(),
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            (
                InboundKind::Other("contacts".into()),
                format!("shared contact(s): {}", shared.join("; ")),
            )
        }
        "reaction" => {
            let target = at("message_id").unwrap_or("a message");
            let body = match at("emoji") {
                Some(emoji) => format!("reacted {emoji} to {target}"),
                None => format!("removed a reaction from {target}"),
            };
            (InboundKind::Other("reaction".into()), body)
        }
        "order" => {
            let items = m
                .pointer("/order/product_items")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let mut body = format!("order with {items} item(s)");
            if let Some(text) = at("text") {
                body.push_str(": ");
                body.push_str(text);
            }
            (InboundKind::Other("order".into()), body)
        }
        "system" => (
            InboundKind::Other("system".into()),
            at("body").unwrap_or("system message").to_string(),
        ),
        other => {
            let reason = str_at(m, "/errors/0/error_data/details")
                .or_else(|| str_at(m, "/errors/0/title"))
                .or_else(|| str_at(m, "/errors/0/message"));
            let body = match reason {
                Some(reason) => format!("unsupported message type `{other}`: {reason}"),
                None => format!("unsupported message type `{other}`"),
            };
            (InboundKind::Other(other.to_string()), body)
        }
    }
}

fn timestamp(v: &Value) -> Option<DateTime<Utc>> {
    let seconds = match v.get("timestamp")? {
        Value::String(s) => s.trim().parse::<i64>().ok()?,
        Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    DateTime::from_timestamp(seconds, 0)
}

fn read_status(s: &Value) -> Option<StatusUpdate> {
    let id = str_at(s, "/id")?.to_string();
    let status = match str_at(s, "/status")? {
        "sent" => DeliveryStatus::Sent,
        "delivered" => DeliveryStatus::Delivered,
        "read" | "played" => DeliveryStatus::Read,
        "failed" => {
            let code = s.pointer("/errors/0/code").map(Value::to_string);
            let reason = str_at(s, "/errors/0/error_data/details")
                .or_else(|| str_at(s, "/errors/0/title"))
                .or_else(|| str_at(s, "/errors/0/message"));
            tracing::warn!(
                message = %id,
                recipient = str_at(s, "/recipient_id").unwrap_or(""),
                code = code.as_deref().unwrap_or(""),
                reason = reason.unwrap_or(""),
                window_closed = code.as_deref() == Some("131047"),
                "the Cloud API reports a sent message failed"
            );
            DeliveryStatus::Failed
        }
        other => {
            tracing::debug!(status = other, "webhook status ignored");
            return None;
        }
    };
    Some(StatusUpdate { id, status })
}

fn clip(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(value: Value) -> Vec<Value> {
        vec![value]
    }

    fn wrap(messages: Vec<Value>, statuses: Vec<Value>) -> Vec<u8> {
        json!({
            "object": "whatsapp_business_account",
            "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550100", "phone_number_id": "123"},
                "contacts": [{"profile": {"name": "Ana"}, "wa_id": "34612345678"}],
                "messages": messages,
                "statuses": statuses,
            }}]}]
        })
        .to_string()
        .into_bytes()
    }

    fn one(message: Value) -> InboundMessage {
        let parsed = parse(&wrap(body(message), vec![]), Some("123"), Utc::now()).unwrap();
        assert_eq!(parsed.messages.len(), 1, "{parsed:?}");
        parsed.messages.into_iter().next().unwrap()
    }

    #[test]
    fn text_messages_carry_sender_name_and_time() {
        let m = one(
            json!({"from": "34612345678", "id": "wamid.A", "timestamp": "1700000000",
            "type": "text", "text": {"body": "Hola"}}),
        );
        assert_eq!(m.provider_message_id, "wamid.A");
        assert_eq!(m.from.as_str(), "34612345678");
        assert_eq!(m.display_name.as_deref(), Some("Ana"));
        assert_eq!(m.body, "Hola");
        assert_eq!(m.kind, InboundKind::Text);
        assert_eq!(m.sent_at.timestamp(), 1_700_000_000);
    }

    #[test]
    fn media_keeps_its_caption() {
        let m = one(
            json!({"from": "34612345678", "id": "wamid.B", "type": "image",
            "image": {"caption": "my roof", "mime_type": "image/jpeg", "id": "MEDIA"}}),
        );
        assert_eq!(m.kind, InboundKind::Media("image".into()));
        assert_eq!(m.body, "my roof");
    }

    #[test]
    fn unknown_types_are_kept_with_a_description() {
        let m = one(
            json!({"from": "34612345678", "id": "wamid.C", "type": "hologram",
            "errors": [{"code": 131051, "title": "Message type unknown"}]}),
        );
        assert_eq!(m.kind, InboundKind::Other("hologram".into()));
        assert!(m.body.contains("hologram"));
        assert!(m.body.contains("Message type unknown"));
    }

    #[test]
    fn quick_replies_are_answered_like_text() {
        let m = one(
            json!({"from": "34612345678", "id": "wamid.D", "type": "interactive",
            "interactive": {"type": "button_reply", "button_reply": {"id": "yes", "title": "Yes, call me"}}}),
        );
        assert_eq!(m.kind, InboundKind::Text);
        assert_eq!(m.body, "Yes, call me");
    }

    #[test]
    fn locations_and_reactions_are_described() {
        let m = one(
            json!({"from": "34612345678", "id": "wamid.E", "type": "location",
            "location": {"latitude": 40.5, "longitude": -3.7, "name": "Office"}}),
        );
        assert_eq!(m.kind, InboundKind::Other("location".into()));
        assert!(
            m.body.contains("40.5") && m.body.contains("Office"),
            "{}",
            m.body
        );
        let m = one(
            json!({"from": "34612345678", "id": "wamid.F", "type": "reaction",
            "reaction": {"message_id": "wamid.X", "emoji": "👍"}}),
        );
        assert!(m.body.contains("👍"));
    }

    #[test]
    fn statuses_map_to_delivery_progress() {
        let parsed = parse(
            &wrap(
                vec![],
                vec![
                    json!({"id": "wamid.S", "status": "read", "timestamp": "1", "recipient_id": "3"}),
                    json!({"id": "wamid.S", "status": "sent"}),
                    json!({"id": "wamid.S", "status": "failed", "errors": [{"code": 131047, "title": "Re-engagement message"}]}),
                    json!({"id": "wamid.S", "status": "deleted"}),
                ],
            ),
            Some("123"),
            Utc::now(),
        )
        .unwrap();
        let statuses: Vec<_> = parsed.statuses.iter().map(|s| s.status).collect();
        assert_eq!(
            statuses,
            [
                DeliveryStatus::Read,
                DeliveryStatus::Sent,
                DeliveryStatus::Failed
            ]
        );
        assert_eq!(parsed.ignored, 1);
    }

    #[test]
    fn changes_for_another_number_are_ignored() {
        let parsed = parse(
            &wrap(
                body(json!({"from": "1", "id": "x", "type": "text", "text": {"body": "hi"}})),
                vec![],
            ),
            Some("999"),
            Utc::now(),
        )
        .unwrap();
        assert!(parsed.messages.is_empty());
        assert_eq!(parsed.ignored, 1);
    }

    #[test]
    fn malformed_items_are_skipped_not_fatal() {
        let parsed = parse(
            &wrap(
                vec![
                    json!({"id": "no-from"}),
                    json!(42),
                    json!({"from": "34612345678", "id": "wamid.ok", "type": "text", "text": {"body": 5}}),
                ],
                vec![json!("nonsense")],
            ),
            None,
            Utc::now(),
        )
        .unwrap();
        assert_eq!(parsed.messages.len(), 1);
        assert_eq!(parsed.ignored, 3);
    }

    #[test]
    fn only_non_json_or_a_bad_entry_list_is_an_error() {
        assert!(parse(b"not json", None, Utc::now()).is_err());
        assert!(parse(b"[1,2]", None, Utc::now()).is_err());
        assert!(
            parse(
                br#"{"object":"whatsapp_business_account","entry":5}"#,
                None,
                Utc::now()
            )
            .is_err()
        );
        let other = parse(br#"{"object":"page","entry":[]}"#, None, Utc::now()).unwrap();
        assert_eq!(other.ignored, 1);
    }

    #[test]
    fn arbitrary_json_never_panics() {
        let samples = [
            json!({"object": "whatsapp_business_account", "entry": [null, 1, {"changes": [null, {"field": "messages", "value": {"messages": {"a": 1}, "contacts": [{"wa_id": 1}], "statuses": [null]}}]}]}),
            json!({"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": {"messages": [{"from": "", "id": ""}, {"from": "x".repeat(500), "id": "y"}, {"from": "1", "id": "2", "timestamp": "9999999999999999", "type": "location", "location": {"latitude": "north"}}]}}]}]}),
        ];
        for s in samples {
            let _ = parse(s.to_string().as_bytes(), Some("123"), Utc::now()).unwrap();
        }
    }
}

/// Property tests: any body Meta (or anyone) posts is read or refused, never a panic. Longer
/// run: `PROPTEST_CASES=20000 cargo test -p wabot-whatsapp payload::robustness`.
#[cfg(test)]
mod robustness {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::parse;

    /// Arbitrary JSON, a few levels deep.
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(|f| json!(f)),
            "[a-z0-9_.+@ -]{0,12}".prop_map(Value::from),
            any::<String>().prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("object".to_string()),
                        Just("entry".to_string()),
                        Just("changes".to_string()),
                        Just("value".to_string()),
                        Just("messages".to_string()),
                        Just("statuses".to_string()),
                        Just("metadata".to_string()),
                        Just("from".to_string()),
                        Just("type".to_string()),
                        Just("text".to_string()),
                        Just("body".to_string()),
                        Just("id".to_string()),
                        Just("status".to_string()),
                        "[a-z_]{1,8}",
                    ],
                    inner,
                    0..6,
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// A real-shaped payload whose message and status parts are replaced by arbitrary JSON.
    fn shaped_payload() -> impl Strategy<Value = Value> {
        (json_value(), json_value(), json_value()).prop_map(|(message, status, metadata)| {
            json!({
                "object": "whatsapp_business_account",
                "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
                    "messaging_product": "whatsapp",
                    "metadata": metadata,
                    "contacts": [{"profile": {"name": "Ana"}, "wa_id": "34612345678"}],
                    "messages": [message],
                    "statuses": [status],
                }}]}],
            })
        })
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_are_read_or_refused(body in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse(&body, Some("106540352242922"), chrono::Utc::now());
        }

        #[test]
        fn arbitrary_json_is_read_or_refused(value in json_value()) {
            let body = serde_json::to_vec(&value).unwrap();
            let _ = parse(&body, Some("106540352242922"), chrono::Utc::now());
        }

        #[test]
        fn malformed_parts_of_a_real_payload_are_skipped_not_fatal(value in shaped_payload()) {
            let body = serde_json::to_vec(&value).unwrap();
            let parsed = parse(&body, None, chrono::Utc::now()).expect("the envelope is valid");
            for message in &parsed.messages {
                prop_assert!(!message.provider_message_id.is_empty());
            }
        }
    }
}
