//! `/leads`: the pipeline. The wire type of a lead ([`LeadBody`], also the `lead` of every
//! lead event) and its operations, split by concern: [`list`] (listing with filters and cursor
//! pagination, detail), [`export`] (CSV) and [`agent`] (status, field corrections, assignment,
//! take-over, release, agent replies: each one call to the engine). [`filter`] holds the one
//! filter both listing and export read.

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use uuid::Uuid;
use wabot_core::domain::{Handler, Lead};

use super::types::LeadStatus;

pub mod agent;
pub mod export;
pub mod filter;
pub mod list;

/// The lead operations, one API per concern.
pub type LeadsApis = (
    list::LeadsListApi,
    export::LeadsExportApi,
    agent::LeadsAgentApi,
);

/// A lead's collected details.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct LeadFieldsBody {
    /// Name.
    pub name: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Phone in E.164.
    pub phone: Option<String>,
    /// City or address.
    pub location: Option<String>,
}

/// A lead: one customer of one bot.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct LeadBody {
    /// Identifier.
    pub id: Uuid,
    /// Workspace.
    pub workspace_id: Uuid,
    /// The bot the customer talks to.
    pub bot_id: Uuid,
    /// The customer's WhatsApp id.
    pub contact: String,
    /// Profile name on WhatsApp.
    pub display_name: Option<String>,
    /// Collected details.
    pub fields: LeadFieldsBody,
    // Pipeline status.
    pub(crate) status: LeadStatus,
    /// The sales agent it is assigned to.
    pub assignee: Option<Uuid>,
    /// The agent who has taken the conversation over (`null`: the bot answers).
    pub handled_by_agent: Option<Uuid>,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
    /// When it became qualified.
    pub qualified_at: Option<DateTime<Utc>>,
    /// Since when a customer message waits for a person: the bot could not answer it (it
    /// arrived before a server crash and was too old to answer on restart, or the reply's send
    /// was interrupted). Absent when nothing waits; cleared when an agent replies, takes over or
    /// releases the conversation.
    pub unanswered_since: Option<DateTime<Utc>>,
}

impl From<&Lead> for LeadBody {
    fn from(l: &Lead) -> Self {
        Self {
            id: l.id.as_uuid(),
            workspace_id: l.workspace_id.as_uuid(),
            bot_id: l.bot_id.as_uuid(),
            contact: l.contact.as_str().to_string(),
            display_name: l.display_name.clone(),
            fields: LeadFieldsBody {
                name: l.fields.name.as_ref().map(|v| v.as_str().to_string()),
                email: l.fields.email.as_ref().map(|v| v.as_str().to_string()),
                phone: l.fields.phone.as_ref().map(|v| v.as_str().to_string()),
                location: l.fields.location.as_ref().map(|v| v.as_str().to_string()),
            },
            status: l.status.into(),
            assignee: l.assignee.map(|u| u.as_uuid()),
            handled_by_agent: match l.handler {
                Handler::Bot => None,
                Handler::Agent(u) => Some(u.as_uuid()),
            },
            created_at: l.created_at,
            updated_at: l.updated_at,
            qualified_at: l.qualified_at,
            unanswered_since: l.unanswered_since,
        }
    }
}
