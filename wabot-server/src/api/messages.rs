//! `/leads/{id}/messages`: a lead's conversation.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use uuid::Uuid;
use wabot_core::domain::{Message, Role, Sender};

use super::{
    ApiTags, load_lead,
    types::{DeliveryStatus, Direction, MessageSender},
};
use crate::{auth::ApiAuth, error::ApiError, state::AppState};

/// The messages resource.
pub struct MessagesApi;

/// A message of a conversation.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MessageBody {
    /// Identifier.
    pub id: Uuid,
    /// The bot.
    pub bot_id: Uuid,
    /// The lead (conversation).
    pub lead_id: Uuid,
    // From or to the customer.
    pub(crate) direction: Direction,
    /// Who wrote it.
    pub sender: MessageSender,
    /// The agent who wrote it, for agent messages.
    pub agent_id: Option<Uuid>,
    /// The text.
    pub body: String,
    // Delivery progress.
    pub(crate) delivery: DeliveryStatus,
    /// Why sending failed, for `failed` messages when known, e.g. `rejected: outside the
    /// 24-hour customer service window: a template message is required`.
    pub error: Option<String>,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

impl From<&Message> for MessageBody {
    fn from(m: &Message) -> Self {
        let (sender, agent_id) = match m.sender {
            Sender::Contact => (MessageSender::Contact, None),
            Sender::Bot => (MessageSender::Bot, None),
            Sender::Agent(u) => (MessageSender::Agent, Some(u.as_uuid())),
        };
        Self {
            id: m.id.as_uuid(),
            bot_id: m.bot_id.as_uuid(),
            lead_id: m.lead_id.as_uuid(),
            direction: m.direction.into(),
            sender,
            agent_id,
            body: m.body.clone(),
            delivery: m.delivery.into(),
            error: m.error.clone(),
            created_at: m.created_at,
        }
    }
}

/// The last messages of a conversation, oldest first.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MessageList {
    /// The messages.
    pub items: Vec<MessageBody>,
}

#[OpenApi(tag = "ApiTags::Messages")]
impl MessagesApi {
    /// List a lead's messages
    ///
    /// The last `limit` messages of the conversation, oldest first.
    #[oai(
        path = "/leads/:lead_id/messages",
        method = "get",
        operation_id = "list_lead_messages"
    )]
    async fn list(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The lead.
        lead_id: Path<Uuid>,
        /// How many, 1–500 (default 100).
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "500"))
        )]
        limit: Query<u32>,
    ) -> Result<Json<MessageList>, ApiError> {
        let lead = load_lead(&state, auth.principal(), lead_id.0, Role::Agent).await?;
        let messages = state.store.recent_messages(lead.id, limit.0).await?;
        Ok(Json(MessageList {
            items: messages.iter().map(Into::into).collect(),
        }))
    }
}

fn default_limit() -> u32 {
    100
}
