//! Helpers every resource of the API shares: loading an object the caller may act on (404
//! when it is another workspace's), picking the request's workspace, the user an action is
//! recorded for (or the refusal of API tokens where a person is needed), and the `204 No
//! Content` response. Every resource imports them from here, never from another resource.

use poem_openapi::ApiResponse;
use uuid::Uuid;
use wabot_core::{
    domain::{Bot, Lead, Role},
    ids::{BotId, LeadId, UserId, WorkspaceId},
};

use crate::{auth::Principal, error::ApiError, state::AppState};

/// `204 No Content`.
#[derive(Debug, ApiResponse)]
pub enum NoContent {
    /// Done.
    #[oai(status = 204)]
    Done,
}

/// Loads a bot the caller may act on with at least `min`; 404 when unknown or invisible.
pub(crate) async fn load_bot(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    min: Role,
) -> Result<Bot, ApiError> {
    let bot = state
        .store
        .get_bot(BotId(id))
        .await?
        .ok_or_else(|| ApiError::not_found("bot"))?;
    principal.require(bot.workspace_id, min, "bot")?;
    Ok(bot)
}

/// Loads a lead the caller may act on with at least `min`; 404 when unknown or invisible.
pub(crate) async fn load_lead(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    min: Role,
) -> Result<Lead, ApiError> {
    let lead = state
        .store
        .get_lead(LeadId(id))
        .await?
        .ok_or_else(|| ApiError::not_found("lead"))?;
    principal.require(lead.workspace_id, min, "lead")?;
    Ok(lead)
}

/// The workspace a request is about: the one given (checked), or the caller's only one.
pub(crate) fn pick_workspace(
    principal: &Principal,
    given: Option<Uuid>,
    min: Role,
) -> Result<WorkspaceId, ApiError> {
    match given {
        Some(id) => {
            principal.require(WorkspaceId(id), min, "workspace")?;
            Ok(WorkspaceId(id))
        }
        None => match principal.workspaces().as_slice() {
            [only] => {
                principal.require(*only, min, "workspace")?;
                Ok(*only)
            }
            [] => Err(ApiError::invalid(
                "workspace_id",
                "is required: you are not a member of any workspace",
            )),
            _ => Err(ApiError::invalid(
                "workspace_id",
                "is required because you belong to several workspaces",
            )),
        },
    }
}

/// The user an agent action is recorded for (an API token acts as its creator).
pub(crate) fn acting_user(principal: &Principal) -> Result<UserId, ApiError> {
    principal.user_id().ok_or_else(|| {
        ApiError::forbidden("this API token has no user to act as; use a token created by a user")
    })
}

/// The caller's user id, or 403 for API tokens (which act for a workspace, not a person).
pub(crate) fn require_user(p: &Principal, what: &str) -> Result<UserId, ApiError> {
    match &p.subject {
        crate::auth::Subject::User { user_id, .. } => Ok(*user_id),
        crate::auth::Subject::Token { .. } => Err(ApiError::forbidden(format!(
            "API tokens may not {what}; sign in to the dashboard"
        ))),
    }
}
