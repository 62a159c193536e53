//! Schedules: switch a bot on or off at a time (one-off) or on a cron in a time zone.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};
use uuid::Uuid;
use wabot_core::{
    domain::{CronExpr, Role, Schedule, ScheduleRun, Trigger, parse_time_zone},
    ids::ScheduleId,
};

use super::{
    ApiTags, acting_user, load_bot,
    types::{ScheduleAction, ScheduleStatus},
};
use crate::{auth::ApiAuth, error::ApiError, state::AppState};

/// The schedules resource.
pub struct SchedulesApi;

/// A schedule of a bot.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ScheduleBody {
    /// Identifier.
    pub id: Uuid,
    /// The bot.
    pub bot_id: Uuid,
    // What it does.
    pub(crate) action: ScheduleAction,
    /// One-off time (one-off schedules).
    pub at: Option<DateTime<Utc>>,
    /// Cron expression (recurring schedules), as it was given: 5 fields stay 5 fields.
    pub cron: Option<String>,
    /// IANA time zone of the cron expression.
    pub time_zone: Option<String>,
    // Whether it will fire again.
    pub(crate) status: ScheduleStatus,
    /// The next time it fires.
    pub next_run_at: Option<DateTime<Utc>>,
    /// The last time it fired.
    pub last_executed_at: Option<DateTime<Utc>>,
    /// Created at.
    pub created_at: DateTime<Utc>,
}

impl From<&Schedule> for ScheduleBody {
    fn from(s: &Schedule) -> Self {
        let (at, cron, time_zone) = match &s.trigger {
            Trigger::Once { at } => (Some(*at), None, None),
            Trigger::Cron { expr, time_zone } => (
                None,
                Some(expr.as_given().to_string()),
                Some(time_zone.name().to_string()),
            ),
        };
        Self {
            id: s.id.as_uuid(),
            bot_id: s.bot_id.as_uuid(),
            action: s.action.into(),
            at,
            cron,
            time_zone,
            status: s.status.into(),
            next_run_at: s.next_run_at,
            last_executed_at: s.last_executed_at,
            created_at: s.created_at,
        }
    }
}

/// A new schedule: give `at` (one-off) or `cron` + `time_zone` (recurring).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NewSchedule {
    // Enable or disable the bot.
    pub(crate) action: ScheduleAction,
    /// One-off: when (in the future).
    pub at: Option<DateTime<Utc>>,
    /// Recurring: a 5-field cron expression, e.g. `0 9 * * MON-FRI`.
    pub cron: Option<String>,
    /// Recurring: the IANA time zone the cron is read in (default `UTC`).
    pub time_zone: Option<String>,
}

/// A bot's schedules.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ScheduleList {
    /// Schedules, oldest first.
    pub items: Vec<ScheduleBody>,
}

/// One execution of a schedule.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ScheduleRunBody {
    /// The schedule.
    pub schedule_id: Uuid,
    /// The bot.
    pub bot_id: Uuid,
    // What was done.
    pub(crate) action: ScheduleAction,
    /// When it was due.
    pub due_at: DateTime<Utc>,
    /// When it ran.
    pub executed_at: DateTime<Utc>,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

impl From<&ScheduleRun> for ScheduleRunBody {
    fn from(r: &ScheduleRun) -> Self {
        Self {
            schedule_id: r.schedule_id.as_uuid(),
            bot_id: r.bot_id.as_uuid(),
            action: r.action.into(),
            due_at: r.due_at,
            executed_at: r.executed_at,
            error: r.error.clone(),
        }
    }
}

/// The history of a schedule.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ScheduleRunList {
    /// Runs in execution order.
    pub items: Vec<ScheduleRunBody>,
}

/// 201 Created.
#[derive(Debug, ApiResponse)]
pub enum ScheduleCreated {
    /// The schedule.
    #[oai(status = 201)]
    Schedule(Json<ScheduleBody>),
}

async fn load_schedule(
    state: &AppState,
    auth: &ApiAuth,
    id: Uuid,
    min: Role,
) -> Result<Schedule, ApiError> {
    let schedule = state
        .store
        .get_schedule(ScheduleId(id))
        .await?
        .ok_or_else(|| ApiError::not_found("schedule"))?;
    auth.principal()
        .require(schedule.workspace_id, min, "schedule")?;
    Ok(schedule)
}

#[OpenApi(tag = "ApiTags::Schedules")]
impl SchedulesApi {
    /// Create a schedule
    #[oai(
        path = "/bots/:bot_id/schedules",
        method = "post",
        operation_id = "create_schedule"
    )]
    async fn create(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The bot.
        bot_id: Path<Uuid>,
        req: Json<NewSchedule>,
    ) -> Result<ScheduleCreated, ApiError> {
        let bot = load_bot(&state, auth.principal(), bot_id.0, Role::Manager).await?;
        let trigger = match (&req.at, &req.cron) {
            (Some(at), None) => Trigger::Once { at: *at },
            (None, Some(cron)) => Trigger::Cron {
                expr: CronExpr::parse(cron)?,
                time_zone: parse_time_zone("time_zone", req.time_zone.as_deref().unwrap_or("UTC"))?,
            },
            _ => {
                return Err(ApiError::invalid(
                    "at",
                    "give either `at` (one-off) or `cron` (recurring), not both or neither",
                ));
            }
        };
        let created_by = acting_user(auth.principal()).ok();
        let schedule = Schedule::new(
            bot.workspace_id,
            bot.id,
            req.action.into(),
            trigger,
            created_by,
            state.clock.now(),
        )?;
        state.store.create_schedule(&schedule).await?;
        state.scheduler.schedules_changed();
        Ok(ScheduleCreated::Schedule(Json((&schedule).into())))
    }

    /// List a bot's schedules
    ///
    /// Active ones show their next run; completed and cancelled ones stay as history.
    #[oai(
        path = "/bots/:bot_id/schedules",
        method = "get",
        operation_id = "list_schedules"
    )]
    async fn list(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The bot.
        bot_id: Path<Uuid>,
    ) -> Result<Json<ScheduleList>, ApiError> {
        let bot = load_bot(&state, auth.principal(), bot_id.0, Role::Agent).await?;
        let schedules = state.store.list_schedules(bot.id).await?;
        Ok(Json(ScheduleList {
            items: schedules.iter().map(Into::into).collect(),
        }))
    }

    /// List a schedule's runs
    #[oai(
        path = "/schedules/:schedule_id/runs",
        method = "get",
        operation_id = "list_schedule_runs"
    )]
    async fn runs(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The schedule.
        schedule_id: Path<Uuid>,
    ) -> Result<Json<ScheduleRunList>, ApiError> {
        let schedule = load_schedule(&state, &auth, schedule_id.0, Role::Agent).await?;
        let runs = state.store.list_schedule_runs(schedule.id).await?;
        Ok(Json(ScheduleRunList {
            items: runs.iter().map(Into::into).collect(),
        }))
    }

    /// Cancel a schedule
    #[oai(
        path = "/schedules/:schedule_id",
        method = "delete",
        operation_id = "cancel_schedule"
    )]
    async fn cancel(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The schedule.
        schedule_id: Path<Uuid>,
    ) -> Result<Json<ScheduleBody>, ApiError> {
        let schedule = load_schedule(&state, &auth, schedule_id.0, Role::Manager).await?;
        state.store.cancel_schedule(schedule.id).await?;
        state.scheduler.schedules_changed();
        let schedule = state
            .store
            .get_schedule(schedule.id)
            .await?
            .ok_or_else(|| ApiError::not_found("schedule"))?;
        Ok(Json((&schedule).into()))
    }
}
