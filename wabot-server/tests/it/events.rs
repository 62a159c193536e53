//! The event payloads (WebSocket frames and webhook bodies): one sample of every event type,
//! snapshotted, and each checked against its schema in the served OpenAPI document.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};
use uuid::Uuid;
use wabot_core::{
    domain::{
        BotStatus, ContactId, DeliveryStatus, Direction, Email, Handler, Lead, LeadStatus, Message,
        PersonName, ScheduleAction, ScheduleRun, Sender,
    },
    ids::{BotId, LeadId, MessageId, ScheduleId, UserId, WorkspaceId},
    ports::DomainEvent,
};
use wabot_server::api::events::{EVENTS, event_data, webhook_payload, ws_frame};

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 2, 9, minute, 0).unwrap()
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// One event of every type, with fixed ids and times.
fn samples() -> Vec<DomainEvent> {
    let ws = WorkspaceId(id(1));
    let bot = BotId(id(2));
    let agent = UserId(id(3));
    let mut lead = Lead::new(
        ws,
        bot,
        ContactId::parse("34612345678@c.us").unwrap(),
        at(0),
    );
    lead.id = LeadId(id(4));
    lead.display_name = Some("Ana".into());
    lead.fields.name = Some(PersonName::parse("Ana López").unwrap());
    lead.fields.email = Some(Email::parse("ana@example.com").unwrap());
    lead.status = LeadStatus::Qualified;
    lead.qualified_at = Some(at(5));
    lead.updated_at = at(5);
    let mut assigned = lead.clone();
    assigned.status = LeadStatus::Assigned;
    assigned.assignee = Some(agent);
    assigned.handler = Handler::Agent(agent);
    let message = |n, direction, sender, delivery| Message {
        id: MessageId(id(n)),
        bot_id: bot,
        lead_id: lead.id,
        direction,
        sender,
        body: "Hola, soy Ana".into(),
        provider_message_id: Some("wamid.1".into()),
        delivery,
        error: None,
        created_at: at(1),
    };
    vec![
        DomainEvent::BotStatus {
            workspace_id: ws,
            bot_id: bot,
            status: BotStatus::Failed,
            detail: Some("Chromium exited".into()),
        },
        DomainEvent::Qr {
            workspace_id: ws,
            bot_id: bot,
            code: "2@abc,def".into(),
        },
        DomainEvent::PairingCode {
            workspace_id: ws,
            bot_id: bot,
            code: "ABCD-EFGH".into(),
        },
        DomainEvent::Message {
            workspace_id: ws,
            message: message(
                5,
                Direction::Inbound,
                Sender::Contact,
                DeliveryStatus::Received,
            ),
        },
        DomainEvent::Message {
            workspace_id: ws,
            message: message(
                6,
                Direction::Outbound,
                Sender::Agent(agent),
                DeliveryStatus::Sent,
            ),
        },
        DomainEvent::Delivery {
            workspace_id: ws,
            bot_id: bot,
            message_id: MessageId(id(6)),
            status: DeliveryStatus::Read,
        },
        DomainEvent::LeadUpdated {
            workspace_id: ws,
            lead: lead.clone(),
        },
        DomainEvent::LeadQualified {
            workspace_id: ws,
            lead: lead.clone(),
        },
        DomainEvent::LeadAssigned {
            workspace_id: ws,
            lead: assigned,
            assignee: agent,
        },
        DomainEvent::AgentAttention {
            workspace_id: ws,
            lead_id: lead.id,
            agent,
        },
        DomainEvent::ScheduleExecuted {
            workspace_id: ws,
            run: ScheduleRun {
                schedule_id: ScheduleId(id(7)),
                bot_id: bot,
                action: ScheduleAction::Enable,
                due_at: at(0),
                executed_at: at(1),
                error: None,
            },
        },
    ]
}

fn document() -> Value {
    serde_json::from_str(&wabot_server::api::spec_json()).unwrap()
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            let target = &doc["components"]["schemas"][name];
            assert!(!target.is_null(), "no schema {name}");
            resolve(doc, target)
        }
        None => schema,
    }
}

/// Checks `value` against `schema` strictly: required properties present, no undocumented
/// property, types, enums and the uuid / date-time formats.
fn conforms(doc: &Value, schema: &Value, value: &Value, at: &str) {
    let schema = resolve(doc, schema);
    if let Some(all) = schema["allOf"].as_array() {
        for s in all.iter().filter(|s| s.get("$ref").is_some()) {
            conforms(doc, s, value, at);
        }
        return;
    }
    if let Some(prop) = schema["discriminator"]["propertyName"].as_str() {
        let tag = value[prop]
            .as_str()
            .unwrap_or_else(|| panic!("{at}: no {prop}"));
        let target = json!({ "$ref": schema["discriminator"]["mapping"][tag] });
        assert!(
            target["$ref"].is_string(),
            "{at}: `{tag}` is not in the mapping"
        );
        return conforms(doc, &target, value, at);
    }
    if let Some(allowed) = schema["enum"].as_array() {
        assert!(
            allowed.contains(value),
            "{at}: {value} is not one of {allowed:?}"
        );
    }
    match schema["type"].as_str() {
        Some("object") => {
            let object = value
                .as_object()
                .unwrap_or_else(|| panic!("{at}: not an object"));
            for required in schema["required"].as_array().into_iter().flatten() {
                let key = required.as_str().unwrap();
                assert!(object.contains_key(key), "{at}: `{key}` is missing");
            }
            for (key, v) in object {
                let property = &schema["properties"][key];
                assert!(!property.is_null(), "{at}: `{key}` is not documented");
                conforms(doc, property, v, &format!("{at}.{key}"));
            }
        }
        Some("array") => {
            for (i, v) in value.as_array().expect("an array").iter().enumerate() {
                conforms(doc, &schema["items"], v, &format!("{at}[{i}]"));
            }
        }
        Some("string") => {
            let s = value
                .as_str()
                .unwrap_or_else(|| panic!("{at}: not a string"));
            match schema["format"].as_str() {
                Some("uuid") => assert!(s.parse::<Uuid>().is_ok(), "{at}: not a uuid"),
                Some("date-time") => {
                    assert!(
                        DateTime::parse_from_rfc3339(s).is_ok(),
                        "{at}: not RFC 3339"
                    )
                }
                _ => {}
            }
        }
        Some("integer") => assert!(value.is_i64() || value.is_u64(), "{at}: not an integer"),
        Some("number") => assert!(value.is_number(), "{at}: not a number"),
        Some("boolean") => assert!(value.is_boolean(), "{at}: not a boolean"),
        other => panic!("{at}: unexpected schema type {other:?}"),
    }
}

#[test]
fn every_event_type_has_a_sample() {
    let names: Vec<&str> = samples().iter().map(DomainEvent::name).collect();
    let documented: Vec<&str> = EVENTS.iter().map(|e| e.name).collect();
    assert_eq!(names, documented);
}

#[test]
fn websocket_frames_and_webhook_bodies_match_their_documented_schemas() {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    let frame_union = json!({ "$ref": "#/components/schemas/WsEventFrame" });
    let hook_union = json!({ "$ref": "#/components/schemas/WebhookPayload" });
    for (event, spec) in samples().iter().zip(EVENTS) {
        let frame: Value = serde_json::from_str(&ws_frame(event)).unwrap();
        conforms(&doc, &frame_union, &frame, spec.name);
        let data = &schemas[spec.data];
        conforms(&doc, data, &frame["data"], spec.name);
        if spec.is_webhook() {
            let body = webhook_payload(id(99), event, &event_data(event), at(9));
            let body: Value = serde_json::from_str(&body).unwrap();
            conforms(&doc, &hook_union, &body, spec.name);
        }
    }
}

#[test]
fn a_lead_has_the_rest_shape_in_events() {
    let lead = samples()
        .into_iter()
        .find(|e| e.name() == "lead.assigned")
        .unwrap();
    let data = event_data(&lead);
    // As `get_lead` answers: the agent handling it, no domain `handler` object.
    assert_eq!(data["lead"]["handled_by_agent"], id(3).to_string());
    assert!(data["lead"].get("handler").is_none());
    assert!(data.get("type").is_none());
}

#[test]
fn event_payloads_are_stable() {
    let all: serde_json::Map<String, Value> = samples()
        .iter()
        .map(|event| {
            let spec = EVENTS.iter().find(|e| e.name == event.name()).unwrap();
            let mut entry = json!({
                "ws": serde_json::from_str::<Value>(&ws_frame(event)).unwrap(),
            });
            if spec.is_webhook() {
                let body = webhook_payload(id(99), event, &event_data(event), at(9));
                entry["webhook"] = serde_json::from_str(&body).unwrap();
            }
            (event.name().to_string(), entry)
        })
        .collect();
    insta::assert_json_snapshot!("events", all);
}
