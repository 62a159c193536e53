//! The event types in the OpenAPI document, as component schemas (OpenAPI 3.0 has no
//! `webhooks` section; poem-openapi would emit one, which 3.0 validators refuse).
//!
//! - one schema per `data` body (`LeadEvent`, `MessageEvent`, …), generated from the types of
//!   [`super`] like every REST body;
//! - `EventName`: every event name;
//! - per event, its WebSocket frame (`LeadQualifiedFrame`: `type`, `event`, `data`) and, for
//!   the events webhooks carry, its delivery body (`LeadQualifiedWebhook`: `id`, `event`,
//!   `workspace_id`, `created_at`, `data`);
//! - `WsEventFrame` and `WebhookPayload`: the unions of those, discriminated by `event`, so a
//!   generated client narrows `data` by checking `event`; and `WsHelloFrame`, the first frame of
//!   a stream.

use poem_openapi::{registry::Registry, types::Type};
use serde_json::{Map, Value, json};

use super::{
    BotPairingCodeEvent, BotQrEvent, BotStatusEvent, DeliveryEvent, EVENTS, LeadAssignedEvent,
    LeadAttentionEvent, LeadEvent, MessageEvent, ScheduleExecutedEvent,
};

/// `lead.qualified` → `LeadQualified`, `bot.pairing_code` → `BotPairingCode`.
pub fn pascal(name: &str) -> String {
    name.split(['.', '_'])
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

fn reference(schema: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{schema}") })
}

/// The component schemas of every event type, keyed by schema name (the REST bodies they
/// contain, such as `LeadBody`, included).
pub fn component_schemas() -> Map<String, Value> {
    let mut registry = Registry::new();
    BotStatusEvent::register(&mut registry);
    BotQrEvent::register(&mut registry);
    BotPairingCodeEvent::register(&mut registry);
    MessageEvent::register(&mut registry);
    DeliveryEvent::register(&mut registry);
    LeadEvent::register(&mut registry);
    LeadAssignedEvent::register(&mut registry);
    LeadAttentionEvent::register(&mut registry);
    ScheduleExecutedEvent::register(&mut registry);
    let mut out: Map<String, Value> = registry
        .schemas
        .iter()
        .map(|(name, schema)| {
            let schema = serde_json::to_value(schema).expect("a schema serialises");
            (name.clone(), schema)
        })
        .collect();

    let names: Vec<&str> = EVENTS.iter().map(|e| e.name).collect();
    out.insert(
        "EventName".into(),
        json!({
            "type": "string",
            "description": "The name of an event (the `event` of a WebSocket frame or webhook \
                            delivery, and the `X-Wabot-Event` header of a delivery).",
            "enum": names,
        }),
    );

    let mut frames = Vec::new();
    let mut frame_map = Map::new();
    let mut hooks = Vec::new();
    let mut hook_map = Map::new();
    for e in EVENTS {
        let when = lowercase_first(e.summary);
        let frame = format!("{}Frame", pascal(e.name));
        out.insert(
            frame.clone(),
            json!({
                "type": "object",
                "description": format!("The WebSocket frame of `{}`: {when}", e.name),
                "required": ["type", "event", "data"],
                "properties": {
                    "type": { "type": "string", "enum": ["event"] },
                    "event": { "type": "string", "enum": [e.name] },
                    "data": reference(e.data),
                },
            }),
        );
        frames.push(reference(&frame));
        frame_map.insert(
            e.name.into(),
            Value::String(format!("#/components/schemas/{frame}")),
        );
        if !e.is_webhook() {
            continue;
        }
        let hook = format!("{}Webhook", pascal(e.name));
        out.insert(
            hook.clone(),
            json!({
                "type": "object",
                "description": format!("The body of a `{}` webhook delivery: {when}", e.name),
                "required": ["id", "event", "workspace_id", "created_at", "data"],
                "properties": {
                    "id": {
                        "type": "string",
                        "format": "uuid",
                        "description": "The delivery id (`X-Wabot-Delivery`), the same on every \
                                        retry: deduplicate on it.",
                    },
                    "event": { "type": "string", "enum": [e.name] },
                    "workspace_id": {
                        "type": "string",
                        "format": "uuid",
                        "description": "The workspace.",
                    },
                    "created_at": {
                        "type": "string",
                        "format": "date-time",
                        "description": "When the delivery was created (the event happened).",
                    },
                    "data": reference(e.data),
                },
            }),
        );
        hooks.push(reference(&hook));
        hook_map.insert(
            e.name.into(),
            Value::String(format!("#/components/schemas/{hook}")),
        );
    }
    out.insert(
        "WsEventFrame".into(),
        json!({
            "description": "An event frame of the WebSocket `/ws`; `event` says which `data` \
                            it carries.",
            "oneOf": frames,
            "discriminator": { "propertyName": "event", "mapping": frame_map },
        }),
    );
    out.insert(
        "WebhookPayload".into(),
        json!({
            "description": "The JSON body of a webhook delivery (signed as described under \
                            Webhooks); `event` says which `data` it carries.",
            "oneOf": hooks,
            "discriminator": { "propertyName": "event", "mapping": hook_map },
        }),
    );
    out.insert(
        "WsHelloFrame".into(),
        json!({
            "type": "object",
            "description": "The first frame of a WebSocket stream: the workspaces whose events \
                            it carries.",
            "required": ["type", "workspaces"],
            "properties": {
                "type": { "type": "string", "enum": ["hello"] },
                "workspaces": {
                    "type": "array",
                    "items": { "type": "string", "format": "uuid" },
                    "description": "The caller's workspaces.",
                },
            },
        }),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_become_schema_names() {
        assert_eq!(pascal("lead.qualified"), "LeadQualified");
        assert_eq!(pascal("bot.pairing_code"), "BotPairingCode");
    }

    #[test]
    fn every_event_has_a_frame_and_every_webhook_event_a_delivery_body() {
        let schemas = component_schemas();
        for e in EVENTS {
            assert!(schemas.contains_key(e.data), "{}", e.data);
            assert!(schemas.contains_key(&format!("{}Frame", pascal(e.name))));
            assert_eq!(
                schemas.contains_key(&format!("{}Webhook", pascal(e.name))),
                e.is_webhook()
            );
        }
        for e in EVENTS {
            let webhook = if e.is_webhook() { "yes " } else { "" };
            let row = format!("| `{}` | `{}` | {webhook}| {} |", e.name, e.data, e.summary);
            assert!(
                crate::api::spec::DESCRIPTION.contains(&row),
                "the Events table of the description lacks {row}"
            );
        }
        for name in crate::webhooks::WEBHOOK_EVENTS {
            assert!(EVENTS.iter().any(|e| e.name == name), "{name}");
        }
    }
}
