//! API tokens for integrators: `/workspaces/{workspace_id}/tokens`.
//!
//! A token is `wbt_` + 43 base64url characters (32 random bytes), shown once at creation and
//! stored as its SHA-256 hash. Send it as `Authorization: Bearer wbt_…`. It acts in one
//! workspace with a role no higher than its creator's, until revoked.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};
use uuid::Uuid;
use wabot_core::{
    domain::{ApiToken, Label, Role},
    ids::WorkspaceId,
};

use super::{ApiTags, NoContent, require_user, types::MemberRole};
use crate::{
    auth::{AccessChange, ApiAuth, generate_token, hash_token, token_display_prefix},
    error::ApiError,
    state::AppState,
};

/// The API token operations.
pub struct TokensApi;

/// A request for a new API token.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NewApiToken {
    /// A label, e.g. `CRM sync` (1–80 characters).
    pub name: String,
    /// What the token may do; at most the creator's role. Default `agent`.
    pub role: Option<MemberRole>,
}

/// An API token as listed (the secret is never shown again).
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ApiTokenInfo {
    /// Identifier.
    pub id: Uuid,
    /// Label.
    pub name: String,
    /// The first characters of the secret, to recognise it.
    pub prefix: String,
    /// What it may do.
    pub role: MemberRole,
    /// Who created it.
    pub created_by: Option<Uuid>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last used (updated at most once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new API token with its secret, shown this once.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CreatedApiToken {
    /// The secret: send it as `Authorization: Bearer <token>`. Store it now; it is not shown
    /// again.
    pub token: String,
    /// The token's details.
    pub info: ApiTokenInfo,
}

/// `201 Created` with the secret.
#[derive(ApiResponse)]
pub enum TokenCreated {
    /// The token was created; `token` is shown only in this response.
    #[oai(status = 201)]
    Created(Json<CreatedApiToken>),
}

fn info(t: &ApiToken) -> ApiTokenInfo {
    ApiTokenInfo {
        id: t.id,
        name: t.name.as_str().to_string(),
        prefix: t.prefix.clone(),
        role: t.role.into(),
        created_by: t.created_by.map(|u| u.as_uuid()),
        created_at: t.created_at,
        last_used_at: t.last_used_at,
        revoked_at: t.revoked_at,
    }
}

/// A workspace's API tokens, newest first.
#[derive(Debug, Clone, Object)]
pub struct ApiTokenList {
    /// The tokens.
    pub items: Vec<ApiTokenInfo>,
}

#[OpenApi(tag = "ApiTags::Tokens")]
impl TokensApi {
    /// Create an API token
    ///
    /// Creates a token for integrations, with a role no higher than the caller's. The secret is
    /// in this response only. Managers and owners, signed in (a token cannot mint tokens).
    #[oai(
        path = "/workspaces/:workspace_id/tokens",
        method = "post",
        operation_id = "create_api_token"
    )]
    async fn create_token(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        workspace_id: Path<Uuid>,
        body: Json<NewApiToken>,
    ) -> Result<TokenCreated, ApiError> {
        let ws = WorkspaceId(workspace_id.0);
        let p = auth.principal();
        let mine = p.require(ws, Role::Manager, "workspace")?;
        let user = require_user(p, "create API tokens")?;
        let role = body.role.map(Role::from).unwrap_or(Role::Agent);
        if role > mine {
            return Err(ApiError::forbidden(format!(
                "a token may not have role `{role}`, above your own role `{mine}`"
            )));
        }
        let name = Label::parse(&body.name)?;
        let secret = generate_token();
        let token = ApiToken {
            id: Uuid::now_v7(),
            workspace_id: ws,
            name,
            prefix: token_display_prefix(&secret),
            hash: hash_token(&secret),
            role,
            created_by: Some(user),
            created_at: state.clock.now(),
            last_used_at: None,
            revoked_at: None,
        };
        state.store.create_api_token(&token).await?;
        Ok(TokenCreated::Created(Json(CreatedApiToken {
            token: secret,
            info: info(&token),
        })))
    }

    /// List API tokens
    ///
    /// The workspace's tokens, newest first, without their secrets. Managers and owners.
    #[oai(
        path = "/workspaces/:workspace_id/tokens",
        method = "get",
        operation_id = "list_api_tokens"
    )]
    async fn list_tokens(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        workspace_id: Path<Uuid>,
    ) -> Result<Json<ApiTokenList>, ApiError> {
        let ws = WorkspaceId(workspace_id.0);
        auth.principal().require(ws, Role::Manager, "workspace")?;
        let tokens = state.store.list_api_tokens(ws).await?;
        Ok(Json(ApiTokenList {
            items: tokens.iter().map(info).collect(),
        }))
    }

    /// Revoke an API token
    ///
    /// The token is refused from now on. Managers and owners.
    #[oai(
        path = "/workspaces/:workspace_id/tokens/:token_id",
        method = "delete",
        operation_id = "revoke_api_token"
    )]
    async fn revoke_token(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        workspace_id: Path<Uuid>,
        token_id: Path<Uuid>,
    ) -> Result<NoContent, ApiError> {
        let ws = WorkspaceId(workspace_id.0);
        auth.principal().require(ws, Role::Manager, "workspace")?;
        state
            .store
            .revoke_api_token(ws, token_id.0, state.clock.now())
            .await
            .map_err(|e| match e {
                wabot_core::Error::NotFound(_) => ApiError::not_found("API token"),
                e => e.into(),
            })?;
        state.auth.notify(AccessChange::Token(token_id.0));
        Ok(NoContent::Done)
    }
}
