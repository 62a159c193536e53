//! `/metrics/summary`: figures for the dashboard's charts.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Query, payload::Json};
use uuid::Uuid;
use wabot_core::domain::{Direction, LeadStatus, Role};

use super::{ApiTags, pick_workspace};
use crate::{auth::ApiAuth, error::ApiError, state::AppState};

/// The reports resource.
pub struct ReportsApi;

/// Messages of one UTC day.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DayCount {
    /// The day (UTC).
    pub day: NaiveDate,
    /// From customers.
    pub inbound: u64,
    /// To customers.
    pub outbound: u64,
}

/// The conversion funnel: how many leads reached each stage (a won lead was also captured,
/// qualified and assigned).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Funnel {
    /// Every lead.
    pub captured: u64,
    /// Qualified, assigned or won.
    pub qualified: u64,
    /// Assigned or won.
    pub assigned: u64,
    /// Won.
    pub won: u64,
    /// Lost (at any stage).
    pub lost: u64,
}

/// Language-model latency over the workspace's recent calls (this server process).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Latency {
    /// Calls measured.
    pub samples: u64,
    /// Median in milliseconds.
    pub p50_ms: f64,
    /// 90th percentile in milliseconds.
    pub p90_ms: f64,
    /// 99th percentile in milliseconds.
    pub p99_ms: f64,
}

/// The dashboard's figures.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Summary {
    /// The workspace.
    pub workspace_id: Uuid,
    /// Messages per day, oldest first, every day of the period.
    pub messages_per_day: Vec<DayCount>,
    /// Conversion funnel.
    pub funnel: Funnel,
    /// AI latency.
    pub ai_latency: Latency,
}

#[OpenApi(tag = "ApiTags::Metrics")]
impl ReportsApi {
    /// Get the dashboard summary
    ///
    /// Messages per day over the last `days` days, the lead funnel and AI latency percentiles.
    #[oai(
        path = "/metrics/summary",
        method = "get",
        operation_id = "get_metrics_summary"
    )]
    async fn summary(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// Workspace (optional when you belong to one).
        workspace_id: Query<Option<Uuid>>,
        /// Days to cover, 1–365 (default 14).
        #[oai(
            default = "default_days",
            validator(minimum(value = "1"), maximum(value = "365"))
        )]
        days: Query<u32>,
    ) -> Result<Json<Summary>, ApiError> {
        let ws = pick_workspace(auth.principal(), workspace_id.0, Role::Agent)?;
        let now = state.clock.now();
        let today = now.date_naive();
        let first = today - Duration::days(i64::from(days.0) - 1);
        let from = first.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        let to = (today + Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc();
        let rows = state.store.messages_per_day(ws, from, to).await?;
        let mut per_day: BTreeMap<NaiveDate, (u64, u64)> = BTreeMap::new();
        let mut d = first;
        while d <= today {
            per_day.insert(d, (0, 0));
            d += Duration::days(1);
        }
        for (day, dir, n) in rows {
            let e = per_day.entry(day).or_default();
            match dir {
                Direction::Inbound => e.0 += n,
                Direction::Outbound => e.1 += n,
            }
        }
        let by_status: BTreeMap<&str, u64> = state
            .store
            .leads_by_status(ws)
            .await?
            .into_iter()
            .map(|(s, n)| (s.as_str(), n))
            .collect();
        let n = |s: LeadStatus| by_status.get(s.as_str()).copied().unwrap_or(0);
        let won = n(LeadStatus::Won);
        let assigned = n(LeadStatus::Assigned) + won;
        let qualified = n(LeadStatus::Qualified) + assigned;
        let lost = n(LeadStatus::Lost);
        let captured = qualified + n(LeadStatus::Capturing) + lost;
        let latency = state.metrics.latency_summary(ws);
        Ok(Json(Summary {
            workspace_id: ws.as_uuid(),
            messages_per_day: per_day
                .into_iter()
                .map(|(day, (inbound, outbound))| DayCount {
                    day,
                    inbound,
                    outbound,
                })
                .collect(),
            funnel: Funnel {
                captured,
                qualified,
                assigned,
                won,
                lost,
            },
            ai_latency: Latency {
                samples: latency.samples as u64,
                p50_ms: latency.p50_ms,
                p90_ms: latency.p90_ms,
                p99_ms: latency.p99_ms,
            },
        }))
    }
}

fn default_days() -> u32 {
    14
}
