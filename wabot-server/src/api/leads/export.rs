//! `GET /leads/export.csv`: every lead matching the filters as CSV, with the cells that come
//! from outside defused for spreadsheets.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{ApiResponse, OpenApi, param::Query, payload::PlainText};
use uuid::Uuid;
use wabot_core::ports::MAX_LEAD_PAGE;

use super::filter::LeadFilter;
use crate::{
    api::{ApiTags, types::LeadStatus},
    auth::ApiAuth,
    error::ApiError,
    state::AppState,
};

/// The CSV export of leads.
pub struct LeadsExportApi;

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

#[OpenApi(prefix_path = "/leads", tag = "ApiTags::Leads")]
impl LeadsExportApi {
    /// Export leads as CSV
    ///
    /// Every lead matching the filters (up to 100,000), newest first.
    #[oai(
        path = "/export.csv",
        method = "get",
        operation_id = "export_leads_csv"
    )]
    #[expect(
        clippy::too_many_arguments,
        reason = "poem-openapi documents one query parameter per argument; see LeadFilter"
    )]
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
