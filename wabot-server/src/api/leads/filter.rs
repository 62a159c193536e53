//! [`LeadFilter`]: the filters of `list_leads` and `export_leads_csv`, checked once and turned
//! into a store [`LeadQuery`].

use chrono::{DateTime, Utc};
use uuid::Uuid;
use wabot_core::{
    domain::Role,
    ids::{BotId, LeadId, UserId},
    ports::LeadQuery,
};

use crate::{
    api::{load_bot, pick_workspace, types::LeadStatus},
    auth::Principal,
    error::ApiError,
    state::AppState,
};

/// Which leads a listing or an export is about.
///
/// poem-openapi documents each query parameter as its own handler argument, so the handlers
/// take the seven filters one by one and gather them here at once; everything after that reads
/// this struct.
#[derive(Debug, Clone, Default)]
pub struct LeadFilter {
    /// Workspace (optional when the caller belongs to one).
    pub workspace_id: Option<Uuid>,
    /// Only this bot's leads.
    pub bot_id: Option<Uuid>,
    /// Only leads in this status.
    pub status: Option<LeadStatus>,
    /// Only leads assigned to this user.
    pub assignee: Option<Uuid>,
    /// Text matched against contact, name, e-mail, phone and location.
    pub q: Option<String>,
    /// Created at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Created before.
    pub created_to: Option<DateTime<Utc>>,
}

impl LeadFilter {
    /// The store query of the filter, for a caller who must be at least an agent of the
    /// workspace (404 for a bot they cannot see; 422 naming the field for a bad value). The
    /// page starts at the newest lead with the default size.
    pub async fn query(
        self,
        state: &AppState,
        principal: &Principal,
    ) -> Result<LeadQuery, ApiError> {
        let workspace = match self.bot_id {
            Some(bot) => {
                let bot = load_bot(state, principal, bot, Role::Agent).await?;
                if self
                    .workspace_id
                    .is_some_and(|w| w != bot.workspace_id.as_uuid())
                {
                    return Err(ApiError::not_found("bot"));
                }
                bot.workspace_id
            }
            None => pick_workspace(principal, self.workspace_id, Role::Agent)?,
        };
        let search = self
            .q
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        if search.as_ref().is_some_and(|s| s.chars().count() > 200) {
            return Err(ApiError::invalid("q", "must be at most 200 characters"));
        }
        if let (Some(a), Some(b)) = (self.created_from, self.created_to)
            && a > b
        {
            return Err(ApiError::invalid(
                "created_to",
                "must not be earlier than created_from",
            ));
        }
        Ok(LeadQuery {
            workspace_id: Some(workspace),
            bot_id: self.bot_id.map(BotId),
            status: self.status.map(Into::into),
            assignee: self.assignee.map(UserId),
            search,
            created_from: self.created_from,
            created_to: self.created_to,
            before: None,
            limit: 50,
        })
    }
}

/// The lead a `cursor` (a previous page's `next_cursor`) points at; `None` for the first page.
pub fn parse_cursor(cursor: Option<&str>) -> Result<Option<LeadId>, ApiError> {
    cursor
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.parse::<Uuid>()
                .map(LeadId)
                .map_err(|_| ApiError::invalid("cursor", "is not a cursor returned by this API"))
        })
        .transpose()
}
