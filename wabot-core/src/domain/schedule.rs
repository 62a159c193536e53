//! Schedules: planned enable/disable actions on a bot, one-off or recurring.

use std::{fmt, str::FromStr};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::{
    error::ValidationError,
    ids::{BotId, ScheduleId, UserId, WorkspaceId},
};

/// What a schedule does to its bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleAction {
    /// Switch the bot on.
    Enable,
    /// Switch the bot off.
    Disable,
}

impl ScheduleAction {
    /// The stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enable => "enable",
            Self::Disable => "disable",
        }
    }
}

impl FromStr for ScheduleAction {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "enable" => Ok(Self::Enable),
            "disable" => Ok(Self::Disable),
            _ => Err(ValidationError::new(
                "action",
                format!("unknown action `{s}`; expected enable or disable"),
            )),
        }
    }
}

/// A cron expression (seconds field optional) checked to parse and to fire at least once.
///
/// It keeps the form it was given (what the API returns and the store persists, so a 5-field
/// expression comes back as 5 fields) beside the normalised form with a seconds field that
/// the `cron` crate reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CronExpr {
    /// As given, trimmed.
    given: String,
    /// With a seconds field.
    normalised: String,
}

impl CronExpr {
    /// Parses a standard 5-field (`0 9 * * MON-FRI`) or 6/7-field (with seconds, year)
    /// expression.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let trimmed = raw.trim();
        let fields = trimmed.split_whitespace().count();
        let normalised = match fields {
            5 => format!("0 {trimmed}"),
            6 | 7 => trimmed.to_string(),
            _ => {
                return Err(ValidationError::new(
                    "cron",
                    format!(
                        "`{trimmed}` has {fields} fields; use 5 (minute hour day month weekday), e.g. `0 9 * * MON-FRI`"
                    ),
                ));
            }
        };
        cron::Schedule::from_str(&normalised).map_err(|e| {
            ValidationError::new("cron", format!("`{trimmed}` is not a cron expression: {e}"))
        })?;
        Ok(Self {
            given: trimmed.to_string(),
            normalised,
        })
    }

    /// The first time strictly after `after` at which the expression fires, in `tz`.
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let schedule = cron::Schedule::from_str(&self.normalised).ok()?;
        schedule
            .after(&after.with_timezone(&tz))
            .next()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The normalised expression (with a seconds field).
    pub fn as_str(&self) -> &str {
        &self.normalised
    }

    /// The expression as it was given (trimmed): 5 fields stay 5 fields.
    pub fn as_given(&self) -> &str {
        &self.given
    }
}

impl TryFrom<String> for CronExpr {
    type Error = ValidationError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CronExpr> for String {
    fn from(value: CronExpr) -> Self {
        value.given
    }
}

/// When a schedule fires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trigger {
    /// Once, at this instant.
    Once {
        /// The instant.
        at: DateTime<Utc>,
    },
    /// Every time the cron expression matches, read in the time zone.
    Cron {
        /// The expression.
        expr: CronExpr,
        /// IANA time zone the expression is read in.
        time_zone: Tz,
    },
}

impl Trigger {
    /// The first firing strictly after `after` (for `Once`: the instant if it is after).
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Self::Once { at } => (*at > after).then_some(*at),
            Self::Cron { expr, time_zone } => expr.next_after(after, *time_zone),
        }
    }
}

/// Lifecycle of a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleStatus {
    /// Waiting for its next firing.
    Active,
    /// A one-off schedule that has fired.
    Completed,
    /// Cancelled by a user.
    Cancelled,
}

impl ScheduleStatus {
    /// The stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for ScheduleStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ScheduleStatus {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "active" => Ok(Self::Active),
            "completed" => Ok(Self::Completed),
            "cancelled" => Ok(Self::Cancelled),
            _ => Err(ValidationError::new(
                "status",
                format!("unknown schedule status `{s}`"),
            )),
        }
    }
}

/// A planned enable/disable of a bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// Identifier.
    pub id: ScheduleId,
    /// Owning workspace.
    pub workspace_id: WorkspaceId,
    /// The bot it acts on.
    pub bot_id: BotId,
    /// What it does.
    pub action: ScheduleAction,
    /// When it fires.
    pub trigger: Trigger,
    /// Lifecycle state.
    pub status: ScheduleStatus,
    /// The next due instant (`None` once completed or cancelled).
    pub next_run_at: Option<DateTime<Utc>>,
    /// When it last fired.
    pub last_executed_at: Option<DateTime<Utc>>,
    /// Who created it (`None` for the system).
    pub created_by: Option<UserId>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl Schedule {
    /// A new active schedule whose first run is the trigger's first firing after `now`.
    /// Fails when the trigger never fires after `now` (a one-off time in the past).
    pub fn new(
        workspace_id: WorkspaceId,
        bot_id: BotId,
        action: ScheduleAction,
        trigger: Trigger,
        created_by: Option<UserId>,
        now: DateTime<Utc>,
    ) -> Result<Self, ValidationError> {
        let next_run_at = trigger.next_after(now).ok_or_else(|| {
            ValidationError::new(
                "trigger",
                "never fires after now; choose a time in the future",
            )
        })?;
        Ok(Self {
            id: ScheduleId::new(),
            workspace_id,
            bot_id,
            action,
            trigger,
            status: ScheduleStatus::Active,
            next_run_at: Some(next_run_at),
            last_executed_at: None,
            created_by,
            created_at: now,
        })
    }
}

/// One execution of a schedule, kept as history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleRun {
    /// The schedule that fired.
    pub schedule_id: ScheduleId,
    /// The bot acted on.
    pub bot_id: BotId,
    /// What was done.
    pub action: ScheduleAction,
    /// The instant it was due.
    pub due_at: DateTime<Utc>,
    /// The instant it ran.
    pub executed_at: DateTime<Utc>,
    /// `None` on success, else what went wrong.
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn five_field_cron_gets_a_seconds_field_and_fires_in_its_time_zone() {
        let expr = CronExpr::parse("0 9 * * MON-FRI").unwrap();
        assert_eq!(expr.as_str(), "0 0 9 * * MON-FRI");
        assert_eq!(expr.as_given(), "0 9 * * MON-FRI");
        let six = CronExpr::parse(" 30 0 9 * * * ").unwrap();
        assert_eq!(
            (six.as_str(), six.as_given()),
            ("30 0 9 * * *", "30 0 9 * * *")
        );
        // Friday 2026-01-16 12:00 UTC; next 09:00 in Madrid is Monday 08:00 UTC.
        let after = Utc.with_ymd_and_hms(2026, 1, 16, 12, 0, 0).unwrap();
        assert_eq!(
            expr.next_after(after, chrono_tz::Europe::Madrid),
            Some(Utc.with_ymd_and_hms(2026, 1, 19, 8, 0, 0).unwrap())
        );
    }

    #[test]
    fn bad_cron_names_the_field() {
        assert_eq!(CronExpr::parse("every day").unwrap_err().field, "cron");
        assert_eq!(CronExpr::parse("61 * * * *").unwrap_err().field, "cron");
    }

    #[test]
    fn one_off_in_the_past_is_rejected() {
        let now = Utc::now();
        let err = Schedule::new(
            WorkspaceId::new(),
            BotId::new(),
            ScheduleAction::Enable,
            Trigger::Once {
                at: now - chrono::Duration::minutes(1),
            },
            None,
            now,
        )
        .unwrap_err();
        assert_eq!(err.field, "trigger");
    }
}
