//! Workspaces and their members: `/workspaces`, `/workspaces/{workspace_id}/members`.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};
use uuid::Uuid;
use wabot_core::{
    domain::{Email, Member, Role, User, Workspace, WorkspaceName},
    ids::{UserId, WorkspaceId},
};

use super::{ApiTags, NoContent, require_user, types::MemberRole};
use crate::{
    auth::{AccessChange, ApiAuth},
    error::ApiError,
    state::AppState,
};

/// The workspace and member operations.
pub struct MembersApi;

/// A workspace as its members see it.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WorkspaceInfo {
    /// Identifier.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// The caller's role in it (`owner` for platform admins).
    pub role: MemberRole,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A new workspace.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NewWorkspace {
    /// Display name (1–80 characters).
    pub name: String,
}

/// A member of a workspace.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MemberInfo {
    /// The user.
    pub user_id: Uuid,
    /// Their e-mail (the sign-in identity).
    pub email: String,
    /// Their display name.
    pub name: String,
    /// Their role.
    pub role: MemberRole,
    /// Whether qualified leads are assigned to them round-robin.
    pub receives_leads: bool,
    /// When they joined.
    pub created_at: DateTime<Utc>,
}

/// An invitation: the user signs in with Google using this e-mail.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct InviteMember {
    /// Their e-mail (must match their Google account).
    pub email: String,
    /// Their role (at most the inviter's).
    pub role: MemberRole,
    /// Display name until they sign in; defaults to the e-mail's local part.
    pub name: Option<String>,
    /// Whether qualified leads are assigned to them (default: agents only).
    pub receives_leads: Option<bool>,
}

/// A change to a member.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct UpdateMember {
    /// New role.
    pub role: Option<MemberRole>,
    /// Whether qualified leads are assigned to them.
    pub receives_leads: Option<bool>,
}

/// `201 Created` with a workspace.
#[derive(ApiResponse)]
pub enum WorkspaceCreated {
    /// The workspace was created; the caller is its owner.
    #[oai(status = 201)]
    Created(Json<WorkspaceInfo>),
}

/// `201 Created` with a member.
#[derive(ApiResponse)]
pub enum MemberInvited {
    /// The member was added (or their role updated when already a member).
    #[oai(status = 201)]
    Created(Json<MemberInfo>),
}

fn workspace_info(w: &Workspace, role: Role) -> WorkspaceInfo {
    WorkspaceInfo {
        id: w.id.as_uuid(),
        name: w.name.as_str().to_string(),
        role: role.into(),
        created_at: w.created_at,
    }
}

fn member_info(m: &Member, user: Option<&User>) -> MemberInfo {
    MemberInfo {
        user_id: m.user_id.as_uuid(),
        email: user
            .map(|u| u.email.as_str().to_string())
            .unwrap_or_default(),
        name: user.map(|u| u.name.clone()).unwrap_or_default(),
        role: m.role.into(),
        receives_leads: m.receives_leads,
        created_at: m.created_at,
    }
}

/// The caller's workspaces.
#[derive(Debug, Clone, Object)]
pub struct WorkspaceList {
    /// The workspaces.
    pub items: Vec<WorkspaceInfo>,
}

/// A workspace's members.
#[derive(Debug, Clone, Object)]
pub struct MemberList {
    /// The members.
    pub items: Vec<MemberInfo>,
}

#[OpenApi(tag = "ApiTags::Workspaces")]
impl MembersApi {
    /// List my workspaces
    ///
    /// The workspaces the caller belongs to (every workspace for platform admins), with the
    /// caller's role.
    #[oai(path = "/workspaces", method = "get", operation_id = "list_workspaces")]
    async fn list_workspaces(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
    ) -> Result<Json<WorkspaceList>, ApiError> {
        let p = auth.principal();
        let store = &state.store;
        let mut out = Vec::new();
        if p.is_platform_admin() {
            for w in store.list_workspaces().await? {
                out.push(workspace_info(&w, Role::Owner));
            }
        } else {
            for (id, role) in &p.memberships {
                if let Some(w) = store.get_workspace(*id).await? {
                    out.push(workspace_info(&w, *role));
                }
            }
        }
        Ok(Json(WorkspaceList { items: out }))
    }

    /// Create a workspace
    ///
    /// Creates a workspace; the caller becomes its owner. Signed-in users only (not API tokens).
    #[oai(
        path = "/workspaces",
        method = "post",
        operation_id = "create_workspace"
    )]
    async fn create_workspace(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        body: Json<NewWorkspace>,
    ) -> Result<WorkspaceCreated, ApiError> {
        let user = require_user(auth.principal(), "create workspaces")?;
        let name = WorkspaceName::parse(&body.name)?;
        let now = state.clock.now();
        let workspace = Workspace {
            id: WorkspaceId::new(),
            name,
            created_at: now,
        };
        let store = &state.store;
        store.create_workspace(&workspace).await?;
        store
            .put_member(&Member {
                workspace_id: workspace.id,
                user_id: user,
                role: Role::Owner,
                receives_leads: false,
                created_at: now,
            })
            .await?;
        Ok(WorkspaceCreated::Created(Json(workspace_info(
            &workspace,
            Role::Owner,
        ))))
    }

    /// Get a workspace
    #[oai(
        path = "/workspaces/:workspace_id",
        method = "get",
        operation_id = "get_workspace"
    )]
    async fn get_workspace(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        workspace_id: Path<Uuid>,
    ) -> Result<Json<WorkspaceInfo>, ApiError> {
        let ws = WorkspaceId(workspace_id.0);
        let role = auth.principal().require(ws, Role::Agent, "workspace")?;
        let w = state
            .store
            .get_workspace(ws)
            .await?
            .ok_or_else(|| ApiError::not_found("workspace"))?;
        Ok(Json(workspace_info(&w, role)))
    }

    /// List the members of a workspace
    #[oai(
        path = "/workspaces/:workspace_id/members",
        method = "get",
        operation_id = "list_members"
    )]
    async fn list_members(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        workspace_id: Path<Uuid>,
    ) -> Result<Json<MemberList>, ApiError> {
        let ws = WorkspaceId(workspace_id.0);
        auth.principal().require(ws, Role::Agent, "workspace")?;
        let store = &state.store;
        let mut out = Vec::new();
        for m in store.list_members(ws).await? {
            let user = store.get_user(m.user_id).await?;
            out.push(member_info(&m, user.as_ref()));
        }
        Ok(Json(MemberList { items: out }))
    }

    /// Invite a member
    ///
    /// Adds the user with this e-mail (creating the user if needed) with a role no higher than
    /// the caller's; they sign in with the Google account of that e-mail. Managers and owners,
    /// signed in (API tokens do not manage members). Inviting someone who is already a member
    /// changes nothing when role and lead assignment are the same, and otherwise follows the
    /// rules of changing a member: owners only, and the last owner cannot be demoted.
    #[oai(
        path = "/workspaces/:workspace_id/members",
        method = "post",
        operation_id = "invite_member"
    )]
    async fn invite_member(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        workspace_id: Path<Uuid>,
        body: Json<InviteMember>,
    ) -> Result<MemberInvited, ApiError> {
        let ws = WorkspaceId(workspace_id.0);
        let mine = auth.principal().require(ws, Role::Manager, "workspace")?;
        require_user(auth.principal(), "manage members")?;
        let role = Role::from(body.role);
        if role > mine {
            return Err(ApiError::forbidden(format!(
                "you may not grant `{role}`, which is above your own role `{mine}`"
            )));
        }
        // Sign-in compares e-mails exactly; both sides are lower-cased (providers treat the
        // local part case-insensitively in practice).
        let email = Email::parse(&body.email.to_lowercase())?;
        let name = match body.name.as_deref().map(str::trim) {
            Some(n) if !n.is_empty() => {
                if n.chars().count() > 80 {
                    return Err(ApiError::invalid("name", "must be at most 80 characters"));
                }
                n.to_string()
            }
            _ => email
                .as_str()
                .split('@')
                .next()
                .unwrap_or_default()
                .to_string(),
        };
        let store = &state.store;
        let now = state.clock.now();
        let user = store
            .upsert_user(&User {
                id: UserId::new(),
                email,
                name,
                created_at: now,
            })
            .await?;
        let existing = store
            .list_members(ws)
            .await?
            .into_iter()
            .find(|m| m.user_id == user.id);
        let member = match existing {
            // Inviting someone who is already a member changes them: the member-update rules
            // apply (owners only; the last owner cannot be demoted), so a manager cannot demote
            // an owner — or anyone — by re-inviting their e-mail.
            Some(existing) => {
                let changed = Member {
                    role,
                    receives_leads: body.receives_leads.unwrap_or(existing.receives_leads),
                    ..existing.clone()
                };
                if changed == existing {
                    return Ok(MemberInvited::Created(Json(member_info(
                        &existing,
                        Some(&user),
                    ))));
                }
                if mine < Role::Owner {
                    return Err(ApiError::forbidden(
                        "this person is already a member: only an owner can change their role                          or lead assignment (PATCH the member)",
                    ));
                }
                if existing.role == Role::Owner && role < Role::Owner {
                    ensure_other_owner(&state, ws, user.id).await?;
                }
                changed
            }
            None => Member {
                workspace_id: ws,
                user_id: user.id,
                role,
                receives_leads: body.receives_leads.unwrap_or(role == Role::Agent),
                created_at: now,
            },
        };
        store.put_member(&member).await?;
        state.auth.notify(AccessChange::User(member.user_id));
        Ok(MemberInvited::Created(Json(member_info(
            &member,
            Some(&user),
        ))))
    }

    /// Change a member
    ///
    /// Changes a member's role or lead assignment. Owners only; the last owner cannot be
    /// demoted.
    #[oai(
        path = "/workspaces/:workspace_id/members/:user_id",
        method = "patch",
        operation_id = "update_member"
    )]
    async fn update_member(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        workspace_id: Path<Uuid>,
        user_id: Path<Uuid>,
        body: Json<UpdateMember>,
    ) -> Result<Json<MemberInfo>, ApiError> {
        let ws = WorkspaceId(workspace_id.0);
        auth.principal().require(ws, Role::Owner, "workspace")?;
        require_user(auth.principal(), "manage members")?;
        let store = &state.store;
        let user = UserId(user_id.0);
        let mut member = store
            .list_members(ws)
            .await?
            .into_iter()
            .find(|m| m.user_id == user)
            .ok_or_else(|| ApiError::not_found("member"))?;
        if let Some(role) = body.role {
            let role = Role::from(role);
            if member.role == Role::Owner && role < Role::Owner {
                ensure_other_owner(&state, ws, user).await?;
            }
            member.role = role;
        }
        if let Some(r) = body.receives_leads {
            member.receives_leads = r;
        }
        store.put_member(&member).await?;
        state.auth.notify(AccessChange::User(user));
        let u = store.get_user(user).await?;
        Ok(Json(member_info(&member, u.as_ref())))
    }

    /// Remove a member
    ///
    /// Owners only; the last owner cannot be removed.
    #[oai(
        path = "/workspaces/:workspace_id/members/:user_id",
        method = "delete",
        operation_id = "remove_member"
    )]
    async fn remove_member(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        workspace_id: Path<Uuid>,
        user_id: Path<Uuid>,
    ) -> Result<NoContent, ApiError> {
        let ws = WorkspaceId(workspace_id.0);
        auth.principal().require(ws, Role::Owner, "workspace")?;
        require_user(auth.principal(), "manage members")?;
        let store = &state.store;
        let user = UserId(user_id.0);
        let member = store
            .list_members(ws)
            .await?
            .into_iter()
            .find(|m| m.user_id == user)
            .ok_or_else(|| ApiError::not_found("member"))?;
        if member.role == Role::Owner {
            ensure_other_owner(&state, ws, user).await?;
        }
        store.remove_member(ws, user).await?;
        state.auth.notify(AccessChange::User(user));
        Ok(NoContent::Done)
    }
}

/// 409 unless the workspace has an owner other than `user`.
async fn ensure_other_owner(
    state: &AppState,
    ws: WorkspaceId,
    user: UserId,
) -> Result<(), ApiError> {
    let others = state
        .store
        .list_members(ws)
        .await?
        .iter()
        .filter(|m| m.role == Role::Owner && m.user_id != user)
        .count();
    if others == 0 {
        return Err(ApiError::conflict(
            "a workspace needs at least one owner; make someone else owner first",
        ));
    }
    Ok(())
}
