//! `/leads`: the pipeline. Listing with filters and cursor pagination, detail, status, fields,
//! assignment, take-over, release, agent replies and CSV export.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::{Json, PlainText},
};
use uuid::Uuid;
use wabot_core::{
    domain::{Email, Handler, Lead, Location, PersonName, Phone, Role},
    ids::{BotId, LeadId, UserId},
    ports::{DomainEvent, LeadQuery, MAX_LEAD_PAGE},
};

use super::{
    ApiTags, acting_user, load_bot, load_lead, messages::MessageBody, pick_workspace,
    types::LeadStatus,
};
use crate::{auth::ApiAuth, error::ApiError, state::AppState};

/// The leads resource.
pub struct LeadsApi;

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

/// CSV export.
#[derive(Debug, ApiResponse)]
pub enum CsvResponse {
    /// The leads as UTF-8 CSV text (RFC 4180, a header row first).
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(
        PlainText<String>,
        /// `attachment; filename="leads.csv"`.
        #[oai(header = "Content-Disposition")]
        String,
    ),
}

/// A created message.
#[derive(Debug, ApiResponse)]
pub enum Sent {
    /// The message was stored and handed to WhatsApp.
    #[oai(status = 201)]
    Message(Json<MessageBody>),
}

struct Filters {
    workspace_id: Option<Uuid>,
    bot_id: Option<Uuid>,
    status: Option<LeadStatus>,
    assignee: Option<Uuid>,
    q: Option<String>,
    created_from: Option<DateTime<Utc>>,
    created_to: Option<DateTime<Utc>>,
}

async fn build_query(state: &AppState, auth: &ApiAuth, f: Filters) -> Result<LeadQuery, ApiError> {
    let principal = auth.principal();
    let workspace = match f.bot_id {
        Some(bot) => {
            let bot = load_bot(state, principal, bot, Role::Agent).await?;
            if f.workspace_id
                .is_some_and(|w| w != bot.workspace_id.as_uuid())
            {
                return Err(ApiError::not_found("bot"));
            }
            bot.workspace_id
        }
        None => pick_workspace(principal, f.workspace_id, Role::Agent)?,
    };
    let search = f.q.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    if search.as_ref().is_some_and(|s| s.chars().count() > 200) {
        return Err(ApiError::invalid("q", "must be at most 200 characters"));
    }
    if let (Some(a), Some(b)) = (f.created_from, f.created_to)
        && a > b
    {
        return Err(ApiError::invalid(
            "created_to",
            "must not be earlier than created_from",
        ));
    }
    Ok(LeadQuery {
        workspace_id: Some(workspace),
        bot_id: f.bot_id.map(BotId),
        status: f.status.map(Into::into),
        assignee: f.assignee.map(UserId),
        search,
        created_from: f.created_from,
        created_to: f.created_to,
        before: None,
        limit: 50,
    })
}

fn parse_cursor(cursor: Option<&str>) -> Result<Option<LeadId>, ApiError> {
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

#[OpenApi(prefix_path = "/leads", tag = "ApiTags::Leads")]
impl LeadsApi {
    /// List leads
    ///
    /// Newest first, filtered; pass `next_cursor` back as `cursor` for the next page.
    /// `next_cursor` is present only when another page has leads, so a page without it is
    /// the last one.
    #[oai(path = "/", method = "get", operation_id = "list_leads")]
    #[allow(clippy::too_many_arguments)]
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
        let mut query = build_query(
            &state,
            &auth,
            Filters {
                workspace_id: workspace_id.0,
                bot_id: bot_id.0,
                status: status.0,
                assignee: assignee.0,
                q: q.0,
                created_from: created_from.0,
                created_to: created_to.0,
            },
        )
        .await?;
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

    /// Export leads as CSV
    ///
    /// Every lead matching the filters (up to 100,000), newest first.
    #[oai(
        path = "/export.csv",
        method = "get",
        operation_id = "export_leads_csv"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn export(
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
        /// Text search.
        q: Query<Option<String>>,
        /// Created at or after.
        created_from: Query<Option<DateTime<Utc>>>,
        /// Created before.
        created_to: Query<Option<DateTime<Utc>>>,
    ) -> Result<CsvResponse, ApiError> {
        let mut query = build_query(
            &state,
            &auth,
            Filters {
                workspace_id: workspace_id.0,
                bot_id: bot_id.0,
                status: status.0,
                assignee: assignee.0,
                q: q.0,
                created_from: created_from.0,
                created_to: created_to.0,
            },
        )
        .await?;
        query.limit = MAX_LEAD_PAGE;
        let mut out = csv::Writer::from_writer(Vec::new());
        let header = [
            "id",
            "bot_id",
            "contact",
            "display_name",
            "name",
            "email",
            "phone",
            "location",
            "status",
            "assignee",
            "created_at",
            "qualified_at",
        ];
        out.write_record(header).map_err(ApiError::internal)?;
        let mut total = 0usize;
        loop {
            let page = state.store.list_leads(&query).await?;
            for l in &page {
                let opt = |v: Option<&str>| v.unwrap_or("").to_string();
                out.write_record([
                    l.id.to_string(),
                    l.bot_id.to_string(),
                    sanitize(l.contact.as_str()),
                    sanitize(&opt(l.display_name.as_deref())),
                    sanitize(&opt(l.fields.name.as_ref().map(|v| v.as_str()))),
                    sanitize(&opt(l.fields.email.as_ref().map(|v| v.as_str()))),
                    sanitize(&opt(l.fields.phone.as_ref().map(|v| v.as_str()))),
                    sanitize(&opt(l.fields.location.as_ref().map(|v| v.as_str()))),
                    l.status.to_string(),
                    l.assignee.map(|u| u.to_string()).unwrap_or_default(),
                    l.created_at.to_rfc3339(),
                    l.qualified_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                ])
                .map_err(ApiError::internal)?;
            }
            total += page.len();
            if (page.len() as u32) < query.limit || total >= 100_000 {
                break;
            }
            query.before = page.last().map(|l| l.id);
        }
        let bytes = out.into_inner().map_err(ApiError::internal)?;
        let text = String::from_utf8(bytes).map_err(ApiError::internal)?;
        Ok(CsvResponse::Csv(
            PlainText(text),
            "attachment; filename=\"leads.csv\"".into(),
        ))
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
        let mut lead = load_lead(&state, auth.principal(), lead_id.0, Role::Agent).await?;
        let region = lead.contact_region();
        if let Some(v) = &req.name {
            lead.fields.name = Some(PersonName::parse(v)?);
        }
        if let Some(v) = &req.email {
            lead.fields.email = Some(Email::parse(v)?);
        }
        if let Some(v) = &req.phone {
            lead.fields.phone = Some(Phone::parse(v, region.as_deref())?);
        }
        if let Some(v) = &req.location {
            lead.fields.location = Some(Location::parse(v)?);
        }
        lead.updated_at = state.clock.now();
        state.store.update_lead(&lead).await?;
        state.bus.publish(DomainEvent::LeadUpdated {
            workspace_id: lead.workspace_id,
            lead: lead.clone(),
        });
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

fn default_limit() -> u32 {
    50
}

/// Defuses spreadsheet formulas in a cell that comes from outside (customer text, contact
/// addresses, phone numbers): a value starting with `=`, `+`, `-`, `@`, tab or carriage return
/// gets a leading `'`, so spreadsheets show it as text. Applied to every such column alike, so
/// an E.164 phone exports as `'+34600…` (Excel and LibreOffice hide the quote).
fn sanitize(v: &str) -> String {
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{v}")
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn formula_prefixes_are_neutralised_and_plain_text_is_kept() {
        for risky in [
            "=HYPERLINK(\"x\")",
            "+34600111222",
            "-1+1",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(sanitize(risky), format!("'{risky}"), "{risky:?}");
        }
        assert_eq!(sanitize("34600111222@c.us"), "34600111222@c.us");
        assert_eq!(sanitize("Ana"), "Ana");
        assert_eq!(sanitize(""), "");
    }
}
