//! What agents do to a lead through the API: move its status, correct its details, assign
//! it, take the conversation over, release it, reply. Each handler authorises and makes one
//! call to the engine (`wabot_core::engine`, `engine/agent.rs`), which saves the change and
//! announces it, so the API and the engine's other callers behave alike.

use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};
use uuid::Uuid;
use wabot_core::{domain::Role, engine::FieldCorrections, ids::UserId};

use super::LeadBody;
use crate::{
    api::{ApiTags, acting_user, load_lead, messages::MessageBody, types::LeadStatus},
    auth::ApiAuth,
    error::ApiError,
    state::AppState,
};

/// The agent actions on a lead.
pub struct LeadsAgentApi;

/// A new pipeline status.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct StatusChange {
    // The status.
    pub(crate) status: LeadStatus,
}

/// Corrections to a lead's details; absent fields are kept. Values are validated (e-mail
/// syntax, phone with country code).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct FieldsChange {
    /// Name (1–100 characters).
    pub name: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Phone with country code.
    pub phone: Option<String>,
    /// City or address (2–200 characters).
    pub location: Option<String>,
}

/// Who gets the lead.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Assignment {
    /// A member of the lead's workspace.
    pub user_id: Uuid,
}

/// A message from an agent to the customer.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AgentReply {
    /// The text (1–65536 characters).
    pub body: String,
}

/// A created message.
#[derive(Debug, ApiResponse)]
pub enum Sent {
    /// The message was stored and handed to WhatsApp.
    #[oai(status = 201)]
    Message(Json<MessageBody>),
}

#[OpenApi(prefix_path = "/leads", tag = "ApiTags::Leads")]
impl LeadsAgentApi {
    /// Change a lead's status
    #[oai(
        path = "/:lead_id/status",
        method = "put",
        operation_id = "set_lead_status"
    )]
    async fn set_status(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The lead.
        lead_id: Path<Uuid>,
        req: Json<StatusChange>,
    ) -> Result<Json<LeadBody>, ApiError> {
        let lead = load_lead(&state, auth.principal(), lead_id.0, Role::Agent).await?;
        let lead = state
            .engine
            .set_lead_status(lead.id, req.status.into())
            .await?;
        Ok(Json((&lead).into()))
    }

    /// Correct a lead's details
    #[oai(
        path = "/:lead_id/fields",
        method = "patch",
        operation_id = "update_lead_fields"
    )]
    async fn set_fields(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The lead.
        lead_id: Path<Uuid>,
        req: Json<FieldsChange>,
    ) -> Result<Json<LeadBody>, ApiError> {
        let lead = load_lead(&state, auth.principal(), lead_id.0, Role::Agent).await?;
        let corrections = FieldCorrections {
            name: req.0.name,
            email: req.0.email,
            phone: req.0.phone,
            location: req.0.location,
        };
        let lead = state.engine.correct_fields(lead.id, &corrections).await?;
        Ok(Json((&lead).into()))
    }

    /// Assign a lead to an agent
    #[oai(
        path = "/:lead_id/assign",
        method = "post",
        operation_id = "assign_lead"
    )]
    async fn assign(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The lead.
        lead_id: Path<Uuid>,
        req: Json<Assignment>,
    ) -> Result<Json<LeadBody>, ApiError> {
        let lead = load_lead(&state, auth.principal(), lead_id.0, Role::Agent).await?;
        let members = state.store.list_members(lead.workspace_id).await?;
        if !members.iter().any(|m| m.user_id.as_uuid() == req.user_id) {
            return Err(ApiError::invalid(
                "user_id",
                "is not a member of the lead's workspace",
            ));
        }
        let lead = state.engine.assign(lead.id, UserId(req.user_id)).await?;
        Ok(Json((&lead).into()))
    }

    /// Take the conversation over
    ///
    /// The bot stops answering this customer; you reply yourself.
    #[oai(
        path = "/:lead_id/take-over",
        method = "post",
        operation_id = "take_over_lead"
    )]
    async fn take_over(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The lead.
        lead_id: Path<Uuid>,
    ) -> Result<Json<LeadBody>, ApiError> {
        let lead = load_lead(&state, auth.principal(), lead_id.0, Role::Agent).await?;
        let user = acting_user(auth.principal())?;
        let lead = state.engine.take_over(lead.id, user).await?;
        Ok(Json((&lead).into()))
    }

    /// Release the conversation to the bot
    #[oai(
        path = "/:lead_id/release",
        method = "post",
        operation_id = "release_lead"
    )]
    async fn release(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The lead.
        lead_id: Path<Uuid>,
    ) -> Result<Json<LeadBody>, ApiError> {
        let lead = load_lead(&state, auth.principal(), lead_id.0, Role::Agent).await?;
        let lead = state.engine.release(lead.id).await?;
        Ok(Json((&lead).into()))
    }

    /// Reply as an agent
    ///
    /// Sends a message to the customer through the bot's WhatsApp session; the conversation is
    /// taken over if the bot still had it.
    #[oai(
        path = "/:lead_id/reply",
        method = "post",
        operation_id = "reply_to_lead"
    )]
    async fn reply(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The lead.
        lead_id: Path<Uuid>,
        req: Json<AgentReply>,
    ) -> Result<Sent, ApiError> {
        let lead = load_lead(&state, auth.principal(), lead_id.0, Role::Agent).await?;
        let user = acting_user(auth.principal())?;
        let message = state
            .engine
            .reply_as_agent(lead.id, user, &req.body)
            .await?;
        Ok(Sent::Message(Json((&message).into())))
    }
}
