//! Workspaces (tenants), users and their roles.

use std::{fmt, str::FromStr};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{lead::Email, text::text_type};
use crate::{
    error::ValidationError,
    ids::{UserId, WorkspaceId},
};

text_type!(
    /// A workspace's display name (1–80 characters).
    WorkspaceName, "name", 1, 80
);

/// A business using wabot: its bots, leads and team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workspace {
    /// Identifier.
    pub id: WorkspaceId,
    /// Display name.
    pub name: WorkspaceName,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A person who signs in to the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Identifier.
    pub id: UserId,
    /// Verified e-mail (the login identity).
    pub email: Email,
    /// Display name.
    pub name: String,
    /// When the user was created.
    pub created_at: DateTime<Utc>,
}

/// What a member may do in a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sales agent: sees and works leads.
    Agent,
    /// Manages bots, schedules and leads.
    Manager,
    /// Everything, including members and billing.
    Owner,
}

impl Role {
    /// The stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Manager => "manager",
            Self::Owner => "owner",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "agent" => Ok(Self::Agent),
            "manager" => Ok(Self::Manager),
            "owner" => Ok(Self::Owner),
            _ => Err(ValidationError::new(
                "role",
                format!("unknown role `{s}`; expected owner, manager or agent"),
            )),
        }
    }
}

/// A user's membership of a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// The user.
    pub user_id: UserId,
    /// The role in this workspace.
    pub role: Role,
    /// Whether new qualified leads are assigned to this member round-robin.
    pub receives_leads: bool,
    /// When the membership began.
    pub created_at: DateTime<Utc>,
}
