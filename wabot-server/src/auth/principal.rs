//! Who is calling, and what they may do in which workspace.

use uuid::Uuid;
use wabot_core::{
    domain::Role,
    ids::{UserId, WorkspaceId},
};

use crate::error::ApiError;

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A person signed in to the dashboard (session cookie or session bearer JWT).
    User {
        /// The user.
        user_id: UserId,
        /// Their verified e-mail.
        email: String,
        /// On the platform-admin whitelist: may see and do everything.
        platform_admin: bool,
    },
    /// An integrator's API token, bound to one workspace with one role.
    Token {
        /// The token's id.
        token_id: Uuid,
        /// The user who created it (acts as them for audit fields).
        created_by: Option<UserId>,
    },
}

/// An authenticated caller with their workspace roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Who.
    pub subject: Subject,
    /// Their role in each workspace they belong to (a token: exactly one).
    pub memberships: Vec<(WorkspaceId, Role)>,
}

impl Principal {
    /// Whether the caller is a platform admin.
    pub fn is_platform_admin(&self) -> bool {
        matches!(
            self.subject,
            Subject::User {
                platform_admin: true,
                ..
            }
        )
    }

    /// The user behind the call (the token's creator for API tokens).
    pub fn user_id(&self) -> Option<UserId> {
        match &self.subject {
            Subject::User { user_id, .. } => Some(*user_id),
            Subject::Token { created_by, .. } => *created_by,
        }
    }

    /// The caller's role in `workspace` (platform admins are owners everywhere).
    pub fn role_in(&self, workspace: WorkspaceId) -> Option<Role> {
        if self.is_platform_admin() {
            return Some(Role::Owner);
        }
        self.memberships
            .iter()
            .find(|(ws, _)| *ws == workspace)
            .map(|(_, role)| *role)
    }

    /// Requires at least `min` in `workspace`. Not a member → 404 `what` (the resource's
    /// existence is not revealed); a member with a lower role → 403.
    pub fn require(&self, workspace: WorkspaceId, min: Role, what: &str) -> Result<Role, ApiError> {
        match self.role_in(workspace) {
            None => Err(ApiError::not_found(what)),
            Some(role) if role >= min => Ok(role),
            Some(role) => Err(ApiError::forbidden(format!(
                "your role `{role}` may not do this; it needs `{min}` or higher"
            ))),
        }
    }

    /// The workspaces the caller can see.
    pub fn workspaces(&self) -> Vec<WorkspaceId> {
        self.memberships.iter().map(|(ws, _)| *ws).collect()
    }
}
