//! `/bots/{id}/sandbox`: the chat simulator. Play the customer of a sandbox bot and read the
//! conversation back.

use std::time::Duration;

use poem::web::Data;
use poem_openapi::{
    Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;
use wabot_core::{
    domain::{Bot, ContactId, Direction, Handler, Role, TransportConfig},
    ids::LeadId,
    ports::DomainEvent,
};

use super::{ApiTags, leads::LeadBody, load_bot, messages::MessageBody};
use crate::{auth::ApiAuth, error::ApiError, state::AppState};

/// How long a simulated message waits for the bot's reply at most.
const REPLY_WAIT: Duration = Duration::from_secs(30);
/// How long a message to an enabled bot waits for its session to come up.
const START_WAIT: Duration = Duration::from_secs(5);
/// The customer when none is named.
const DEFAULT_CONTACT: &str = "sandbox-customer";

/// The chat simulator.
pub struct SandboxApi;

/// A message from the simulated customer.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CustomerMessage {
    /// Who writes (any id; default `sandbox-customer`). Each contact is its own lead.
    pub contact: Option<String>,
    /// What the customer writes (1–4096 characters).
    pub text: String,
    /// Wait for the bot's reply before answering (default true, at most 30 s).
    #[oai(default = "yes")]
    pub wait_for_reply: bool,
}

fn yes() -> bool {
    true
}

/// A simulated conversation.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Conversation {
    /// The contact.
    pub contact: String,
    /// The lead of the conversation (absent before the first message).
    pub lead: Option<LeadBody>,
    /// The last messages, oldest first.
    pub messages: Vec<MessageBody>,
}

fn contact_of(raw: Option<&str>) -> Result<ContactId, ApiError> {
    let raw = raw.map(str::trim).filter(|c| !c.is_empty());
    ContactId::parse(raw.unwrap_or(DEFAULT_CONTACT))
        .map_err(|e| ApiError::invalid("contact", e.message))
}

fn require_sandbox(bot: &Bot) -> Result<(), ApiError> {
    if bot.transport != TransportConfig::Sandbox {
        return Err(ApiError::conflict(format!(
            "the chat simulator needs a sandbox bot; this bot uses `{}`",
            bot.transport.kind()
        )));
    }
    Ok(())
}

async fn conversation(
    state: &AppState,
    bot: &Bot,
    contact: ContactId,
) -> Result<Conversation, ApiError> {
    let lead = state.store.find_lead(bot.id, &contact).await?;
    let messages = match &lead {
        Some(l) => state.store.recent_messages(l.id, 100).await?,
        None => Vec::new(),
    };
    Ok(Conversation {
        contact: contact.as_str().to_string(),
        lead: lead.as_ref().map(Into::into),
        messages: messages.iter().map(Into::into).collect(),
    })
}

#[OpenApi(tag = "ApiTags::Sandbox")]
impl SandboxApi {
    /// Write to a sandbox bot as a customer
    ///
    /// Delivers the text to the running sandbox bot as if a customer sent it on WhatsApp, waits
    /// for the reply (unless `wait_for_reply` is false) and returns the conversation.
    #[oai(
        path = "/bots/:bot_id/sandbox/messages",
        method = "post",
        operation_id = "sandbox_send"
    )]
    async fn send(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The sandbox bot.
        bot_id: Path<Uuid>,
        req: Json<CustomerMessage>,
    ) -> Result<Json<Conversation>, ApiError> {
        let bot = load_bot(&state, auth.principal(), bot_id.0, Role::Agent).await?;
        require_sandbox(&bot)?;
        let contact = contact_of(req.contact.as_deref())?;
        let text = req.text.trim();
        if text.is_empty() || text.chars().count() > 4096 {
            return Err(ApiError::invalid("text", "must be 1–4096 characters"));
        }
        let mut events = state.bus.subscribe();
        let session = state.sandbox.session(bot.id);
        // A bot enabled a moment ago may still be starting: give it a few seconds.
        let deadline = tokio::time::Instant::now() + START_WAIT;
        let provider_id = loop {
            match session.customer_says(&contact, text).await {
                Ok(id) => break id,
                Err(_) if bot.enabled && tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(_) => {
                    return Err(ApiError::conflict(
                        "the bot is not running; start it first (POST /bots/{id}/start)",
                    ));
                }
            }
        };
        if req.wait_for_reply {
            let wait = async {
                let mut lead: Option<LeadId> = None;
                loop {
                    match events.recv().await {
                        Ok(DomainEvent::Message { message, .. }) => {
                            if message.provider_message_id.as_deref() == Some(&provider_id) {
                                lead = Some(message.lead_id);
                                let handled = state.store.get_lead(message.lead_id).await;
                                let agent = matches!(
                                    handled,
                                    Ok(Some(ref l)) if matches!(l.handler, Handler::Agent(_))
                                );
                                if agent || !bot.features.auto_response {
                                    return;
                                }
                            } else if Some(message.lead_id) == lead
                                && message.direction == Direction::Outbound
                            {
                                return;
                            }
                        }
                        Ok(_) | Err(RecvError::Lagged(_)) => {}
                        Err(RecvError::Closed) => return,
                    }
                }
            };
            let _ = tokio::time::timeout(REPLY_WAIT, wait).await;
        }
        Ok(Json(conversation(&state, &bot, contact).await?))
    }

    /// Read a sandbox conversation
    #[oai(
        path = "/bots/:bot_id/sandbox/conversation",
        method = "get",
        operation_id = "sandbox_conversation"
    )]
    async fn read(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The sandbox bot.
        bot_id: Path<Uuid>,
        /// The contact (default `sandbox-customer`).
        contact: Query<Option<String>>,
    ) -> Result<Json<Conversation>, ApiError> {
        let bot = load_bot(&state, auth.principal(), bot_id.0, Role::Agent).await?;
        require_sandbox(&bot)?;
        let contact = contact_of(contact.0.as_deref())?;
        Ok(Json(conversation(&state, &bot, contact).await?))
    }
}
