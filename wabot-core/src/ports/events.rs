//! Domain events and the bus that carries them to the dashboard, webhooks and metrics.

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::{
    domain::{BotStatus, DeliveryStatus, Lead, Message, ScheduleRun},
    ids::{BotId, LeadId, MessageId, UserId, WorkspaceId},
};

/// Something that happened, addressed to one workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DomainEvent {
    /// A bot's runtime status changed.
    BotStatus {
        /// Workspace.
        workspace_id: WorkspaceId,
        /// Bot.
        bot_id: BotId,
        /// New status.
        status: BotStatus,
        /// Extra context (failure reason, account number).
        detail: Option<String>,
    },
    /// A new QR code to pair a bot.
    Qr {
        /// Workspace.
        workspace_id: WorkspaceId,
        /// Bot.
        bot_id: BotId,
        /// The QR payload.
        code: String,
    },
    /// A pairing code to pair a bot.
    PairingCode {
        /// Workspace.
        workspace_id: WorkspaceId,
        /// Bot.
        bot_id: BotId,
        /// The code.
        code: String,
    },
    /// A message was stored (inbound or outbound).
    Message {
        /// Workspace.
        workspace_id: WorkspaceId,
        /// The message.
        message: Message,
    },
    /// A sent message's delivery status advanced.
    Delivery {
        /// Workspace.
        workspace_id: WorkspaceId,
        /// Bot.
        bot_id: BotId,
        /// Message.
        message_id: MessageId,
        /// New status.
        status: DeliveryStatus,
    },
    /// A lead's data or state changed.
    LeadUpdated {
        /// Workspace.
        workspace_id: WorkspaceId,
        /// The lead as it is now.
        lead: Lead,
    },
    /// A lead has every required field.
    LeadQualified {
        /// Workspace.
        workspace_id: WorkspaceId,
        /// The lead.
        lead: Lead,
    },
    /// A lead was assigned to an agent.
    LeadAssigned {
        /// Workspace.
        workspace_id: WorkspaceId,
        /// The lead.
        lead: Lead,
        /// The agent.
        assignee: UserId,
    },
    /// A customer wrote in a conversation a human has taken over.
    AgentAttention {
        /// Workspace.
        workspace_id: WorkspaceId,
        /// The lead.
        lead_id: LeadId,
        /// The agent handling it.
        agent: UserId,
    },
    /// A schedule fired.
    ScheduleExecuted {
        /// Workspace.
        workspace_id: WorkspaceId,
        /// The run.
        run: ScheduleRun,
    },
}

impl DomainEvent {
    /// The workspace the event belongs to (only its members may see it).
    pub fn workspace_id(&self) -> WorkspaceId {
        match self {
            Self::BotStatus { workspace_id, .. }
            | Self::Qr { workspace_id, .. }
            | Self::PairingCode { workspace_id, .. }
            | Self::Message { workspace_id, .. }
            | Self::Delivery { workspace_id, .. }
            | Self::LeadUpdated { workspace_id, .. }
            | Self::LeadQualified { workspace_id, .. }
            | Self::LeadAssigned { workspace_id, .. }
            | Self::AgentAttention { workspace_id, .. }
            | Self::ScheduleExecuted { workspace_id, .. } => *workspace_id,
        }
    }

    /// The stable event name used by webhooks and the WebSocket (`lead.qualified`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Self::BotStatus { .. } => "bot.status",
            Self::Qr { .. } => "bot.qr",
            Self::PairingCode { .. } => "bot.pairing_code",
            Self::Message { message, .. } => match message.direction {
                crate::domain::Direction::Inbound => "message.received",
                crate::domain::Direction::Outbound => "message.sent",
            },
            Self::Delivery { .. } => "message.delivery",
            Self::LeadUpdated { .. } => "lead.updated",
            Self::LeadQualified { .. } => "lead.qualified",
            Self::LeadAssigned { .. } => "lead.assigned",
            Self::AgentAttention { .. } => "lead.attention",
            Self::ScheduleExecuted { .. } => "schedule.executed",
        }
    }
}

/// Publish/subscribe of [`DomainEvent`]s. Publishing never blocks: a subscriber that falls
/// behind loses the oldest events (and learns how many) rather than slowing the publisher.
pub trait EventBus: Send + Sync {
    /// Sends an event to every current subscriber.
    fn publish(&self, event: DomainEvent);

    /// A new subscription, receiving events published from now on.
    fn subscribe(&self) -> broadcast::Receiver<DomainEvent>;
}
