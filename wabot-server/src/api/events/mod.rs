//! Event payloads: what the WebSocket `/ws` and outgoing webhooks send, built from the same
//! bodies as the REST API ([`LeadBody`], [`MessageBody`], [`ScheduleRunBody`]), so a lead has
//! one wire shape wherever it travels.
//!
//! Each [`DomainEvent`] becomes one `data` object ([`event_data`]); the WebSocket wraps it as
//! `{"type":"event","event":…,"data":…}` ([`ws_frame`]) and a webhook delivery as
//! `{"id","event","workspace_id","created_at","data"}` ([`webhook_payload`]). Every event is
//! listed in [`EVENTS`] and documented in the OpenAPI document by [`schema::component_schemas`]
//! (see `docs/events.md`).

use chrono::{DateTime, Utc};
use poem_openapi::{Object, types::ToJSON};
use serde_json::Value;
use uuid::Uuid;
use wabot_core::ports::DomainEvent;

use super::{
    leads::LeadBody,
    messages::MessageBody,
    schedules::ScheduleRunBody,
    types::{BotStatus, DeliveryStatus},
};

pub mod schema;

/// `bot.status`: a bot's runtime status changed.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct BotStatusEvent {
    /// The workspace.
    pub workspace_id: Uuid,
    /// The bot.
    pub bot_id: Uuid,
    // The new status.
    pub(crate) status: BotStatus,
    /// Extra context: the failure reason, or the paired account's number.
    pub detail: Option<String>,
}

/// `bot.qr`: a new QR code to pair a bot (also readable with `GET /bots/{bot_id}/qr`).
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct BotQrEvent {
    /// The workspace.
    pub workspace_id: Uuid,
    /// The bot.
    pub bot_id: Uuid,
    /// The raw QR payload (what the code encodes).
    pub code: String,
}

/// `bot.pairing_code`: a code to type on the phone to pair a bot.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct BotPairingCodeEvent {
    /// The workspace.
    pub workspace_id: Uuid,
    /// The bot.
    pub bot_id: Uuid,
    /// The pairing code.
    pub code: String,
}

/// `message.received` and `message.sent`: a message was stored, as `list_lead_messages`
/// shows it.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MessageEvent {
    /// The workspace.
    pub workspace_id: Uuid,
    /// The message.
    pub message: MessageBody,
}

/// `message.delivery`: a sent message's delivery status advanced.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DeliveryEvent {
    /// The workspace.
    pub workspace_id: Uuid,
    /// The bot.
    pub bot_id: Uuid,
    /// The message.
    pub message_id: Uuid,
    // The new status.
    pub(crate) status: DeliveryStatus,
}

/// `lead.updated` and `lead.qualified`: a lead as `get_lead` shows it, after the change.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct LeadEvent {
    /// The workspace.
    pub workspace_id: Uuid,
    /// The lead.
    pub lead: LeadBody,
}

/// `lead.assigned`: a lead was handed to a sales agent.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct LeadAssignedEvent {
    /// The workspace.
    pub workspace_id: Uuid,
    /// The lead.
    pub lead: LeadBody,
    /// The agent it was assigned to.
    pub assignee: Uuid,
}

/// `lead.attention`: a customer wrote in a conversation an agent has taken over.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct LeadAttentionEvent {
    /// The workspace.
    pub workspace_id: Uuid,
    /// The lead.
    pub lead_id: Uuid,
    /// The agent handling the conversation.
    pub agent: Uuid,
}

/// `schedule.executed`: a schedule fired.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ScheduleExecutedEvent {
    /// The workspace.
    pub workspace_id: Uuid,
    /// The run, as `list_schedule_runs` shows it.
    pub run: ScheduleRunBody,
}

/// One event type: its name, the schema of its `data`, and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventType {
    /// The event name (`lead.qualified`), the `event` of a frame or delivery.
    pub name: &'static str,
    /// The component schema of its `data`.
    pub data: &'static str,
    /// When it is sent.
    pub summary: &'static str,
}

impl EventType {
    /// Whether webhooks can subscribe to it (the WebSocket carries every event).
    pub fn is_webhook(&self) -> bool {
        crate::webhooks::WEBHOOK_EVENTS.contains(&self.name)
    }
}

/// Every event, in the order of the documentation.
pub const EVENTS: &[EventType] = &[
    EventType {
        name: "bot.status",
        data: "BotStatusEvent",
        summary: "A bot's runtime status changed.",
    },
    EventType {
        name: "bot.qr",
        data: "BotQrEvent",
        summary: "A new QR code to pair a bot.",
    },
    EventType {
        name: "bot.pairing_code",
        data: "BotPairingCodeEvent",
        summary: "A pairing code to pair a bot.",
    },
    EventType {
        name: "message.received",
        data: "MessageEvent",
        summary: "A customer's message was stored.",
    },
    EventType {
        name: "message.sent",
        data: "MessageEvent",
        summary: "A message to the customer (bot or agent) was stored.",
    },
    EventType {
        name: "message.delivery",
        data: "DeliveryEvent",
        summary: "A sent message's delivery status advanced.",
    },
    EventType {
        name: "lead.updated",
        data: "LeadEvent",
        summary: "A lead's details, status, assignee or handler changed.",
    },
    EventType {
        name: "lead.qualified",
        data: "LeadEvent",
        summary: "A lead has every required field.",
    },
    EventType {
        name: "lead.assigned",
        data: "LeadAssignedEvent",
        summary: "A lead was assigned to a sales agent.",
    },
    EventType {
        name: "lead.attention",
        data: "LeadAttentionEvent",
        summary: "A customer wrote in a conversation an agent has taken over.",
    },
    EventType {
        name: "schedule.executed",
        data: "ScheduleExecutedEvent",
        summary: "A schedule fired.",
    },
];

/// The `data` of an event: the body documented for its name in [`EVENTS`].
pub fn event_data(event: &DomainEvent) -> Value {
    let ws = event.workspace_id().as_uuid();
    let json = match event {
        DomainEvent::BotStatus {
            bot_id,
            status,
            detail,
            ..
        } => BotStatusEvent {
            workspace_id: ws,
            bot_id: bot_id.as_uuid(),
            status: (*status).into(),
            detail: detail.clone(),
        }
        .to_json(),
        DomainEvent::Qr { bot_id, code, .. } => BotQrEvent {
            workspace_id: ws,
            bot_id: bot_id.as_uuid(),
            code: code.clone(),
        }
        .to_json(),
        DomainEvent::PairingCode { bot_id, code, .. } => BotPairingCodeEvent {
            workspace_id: ws,
            bot_id: bot_id.as_uuid(),
            code: code.clone(),
        }
        .to_json(),
        DomainEvent::Message { message, .. } => MessageEvent {
            workspace_id: ws,
            message: message.into(),
        }
        .to_json(),
        DomainEvent::Delivery {
            bot_id,
            message_id,
            status,
            ..
        } => DeliveryEvent {
            workspace_id: ws,
            bot_id: bot_id.as_uuid(),
            message_id: message_id.as_uuid(),
            status: (*status).into(),
        }
        .to_json(),
        DomainEvent::LeadUpdated { lead, .. } | DomainEvent::LeadQualified { lead, .. } => {
            LeadEvent {
                workspace_id: ws,
                lead: lead.into(),
            }
            .to_json()
        }
        DomainEvent::LeadAssigned { lead, assignee, .. } => LeadAssignedEvent {
            workspace_id: ws,
            lead: lead.into(),
            assignee: assignee.as_uuid(),
        }
        .to_json(),
        DomainEvent::AgentAttention { lead_id, agent, .. } => LeadAttentionEvent {
            workspace_id: ws,
            lead_id: lead_id.as_uuid(),
            agent: agent.as_uuid(),
        }
        .to_json(),
        DomainEvent::ScheduleExecuted { run, .. } => ScheduleExecutedEvent {
            workspace_id: ws,
            run: run.into(),
        }
        .to_json(),
    };
    json.unwrap_or(Value::Null)
}

/// The WebSocket frame of an event: `{"type":"event","event":…,"data":…}` as JSON text.
pub fn ws_frame(event: &DomainEvent) -> String {
    serde_json::json!({
        "type": "event",
        "event": event.name(),
        "data": event_data(event),
    })
    .to_string()
}

/// The body of webhook delivery `id` of `event`, created at `now`, as JSON text; `data` is
/// the event's [`event_data`] (computed once for every webhook that wants it).
pub fn webhook_payload(id: Uuid, event: &DomainEvent, data: &Value, now: DateTime<Utc>) -> String {
    serde_json::json!({
        "id": id,
        "event": event.name(),
        "workspace_id": event.workspace_id(),
        "created_at": now.to_json(),
        "data": data,
    })
    .to_string()
}
