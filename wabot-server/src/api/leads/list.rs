//! `GET /leads` (filtered, newest first, cursor pagination) and `GET /leads/{lead_id}`.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use uuid::Uuid;
use wabot_core::{
    domain::Role,
    ports::{LeadQuery, MAX_LEAD_PAGE},
};

use super::{
    LeadBody,
    filter::{LeadFilter, parse_cursor},
};
use crate::{
    api::{ApiTags, load_lead, types::LeadStatus},
    auth::ApiAuth,
    error::ApiError,
    state::AppState,
};

/// Listing and reading leads.
pub struct LeadsListApi;

/// A page of leads, newest first.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct LeadPage {
    /// The leads.
    pub items: Vec<LeadBody>,
    /// Pass as `cursor` to get the next page. Present only when at least one more lead
    /// matches: a page without it is the last one (even when it is full).
    pub next_cursor: Option<String>,
}

#[OpenApi(prefix_path = "/leads", tag = "ApiTags::Leads")]
impl LeadsListApi {
    /// List leads
    ///
    /// Newest first, filtered; pass `next_cursor` back as `cursor` for the next page.
    /// `next_cursor` is present only when another page has leads, so a page without it is
    /// the last one.
    #[oai(path = "/", method = "get", operation_id = "list_leads")]
    #[expect(
        clippy::too_many_arguments,
        reason = "poem-openapi documents one query parameter per argument; see LeadFilter"
    )]
    async fn list(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// Workspace (optional when you belong to one).
        workspace_id: Query<Option<Uuid>>,
        /// Only this bot's leads.
        bot_id: Query<Option<Uuid>>,
        /// Only leads in this status.
        status: Query<Option<LeadStatus>>,
        /// Only leads assigned to this user.
        assignee: Query<Option<Uuid>>,
        /// Text matched against contact, name, e-mail, phone and location.
        q: Query<Option<String>>,
        /// Created at or after.
        created_from: Query<Option<DateTime<Utc>>>,
        /// Created before.
        created_to: Query<Option<DateTime<Utc>>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
        /// Page size, 1–500 (default 50).
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "500"))
        )]
        limit: Query<u32>,
    ) -> Result<Json<LeadPage>, ApiError> {
        let filter = LeadFilter {
            workspace_id: workspace_id.0,
            bot_id: bot_id.0,
            status: status.0,
            assignee: assignee.0,
            q: q.0,
            created_from: created_from.0,
            created_to: created_to.0,
        };
        let mut query = filter.query(&state, auth.principal()).await?;
        query.before = parse_cursor(cursor.0.as_deref())?;
        query.limit = limit.0.clamp(1, MAX_LEAD_PAGE);
        let leads = state.store.list_leads(&query).await?;
        let next_cursor = match leads.last() {
            Some(last) if leads.len() as u32 == query.limit => {
                // A full page: there is a next one only if a lead follows the last one.
                let probe = LeadQuery {
                    before: Some(last.id),
                    limit: 1,
                    ..query.clone()
                };
                let more = !state.store.list_leads(&probe).await?.is_empty();
                more.then(|| last.id.to_string())
            }
            _ => None,
        };
        Ok(Json(LeadPage {
            items: leads.iter().map(Into::into).collect(),
            next_cursor,
        }))
    }

    /// Get a lead
    #[oai(path = "/:lead_id", method = "get", operation_id = "get_lead")]
    async fn get(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The lead.
        lead_id: Path<Uuid>,
    ) -> Result<Json<LeadBody>, ApiError> {
        let lead = load_lead(&state, auth.principal(), lead_id.0, Role::Agent).await?;
        Ok(Json((&lead).into()))
    }
}

fn default_limit() -> u32 {
    50
}
