//! Working hours: when a bot answers, in its own time zone.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::ValidationError;

/// Opening hours in an IANA time zone, e.g. Monday–Friday 09:00–17:30 in `Europe/Madrid`.
///
/// `start` is inclusive and `end` exclusive. When `end` is earlier than `start` the window runs
/// overnight and belongs to the day it starts on (Friday 22:00–02:00 covers Saturday 01:00).
/// Local times are used as the wall clock shows them, so a window keeps its local hours across
/// daylight-saving changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingHours {
    /// Opening time (local, inclusive).
    pub start: NaiveTime,
    /// Closing time (local, exclusive).
    pub end: NaiveTime,
    /// Days on which the window opens.
    pub days: Vec<Weekday>,
    /// IANA time zone, e.g. `America/New_York`.
    pub time_zone: Tz,
}

impl WorkingHours {
    /// Checks that at least one day is set and the window is not empty.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.days.is_empty() {
            return Err(ValidationError::new(
                "working_hours.days",
                "choose at least one day",
            ));
        }
        if self.start == self.end {
            return Err(ValidationError::new(
                "working_hours.end",
                "must differ from start (use no working hours to answer around the clock)",
            ));
        }
        Ok(())
    }

    /// Whether the bot is open at `now`.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        let local = now.with_timezone(&self.time_zone);
        let time = local.time();
        let today = local.weekday();
        if self.start < self.end {
            self.days.contains(&today) && time >= self.start && time < self.end
        } else {
            // Overnight: the evening part belongs to today, the early-morning part to yesterday.
            (self.days.contains(&today) && time >= self.start)
                || (self.days.contains(&today.pred()) && time < self.end)
        }
    }

    /// The local calendar date of `now` in this time zone (used for "once per day" rules).
    pub fn local_date(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.time_zone).date_naive()
    }
}

/// Parses an IANA time-zone name, naming the field on error.
pub fn parse_time_zone(field: &'static str, raw: &str) -> Result<Tz, ValidationError> {
    raw.trim().parse::<Tz>().map_err(|_| {
        ValidationError::new(
            field,
            format!("`{raw}` is not an IANA time zone; use a name like `Europe/Madrid` or `UTC`"),
        )
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn office(tz: Tz) -> WorkingHours {
        WorkingHours {
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
            days: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            time_zone: tz,
        }
    }

    #[test]
    fn open_inside_and_closed_outside_the_window() {
        let hours = office(chrono_tz::Europe::Madrid);
        // Wednesday 2026-01-14 10:00 Madrid = 09:00 UTC.
        assert!(hours.is_open(Utc.with_ymd_and_hms(2026, 1, 14, 9, 0, 0).unwrap()));
        // 17:00 Madrid is closed (end exclusive).
        assert!(!hours.is_open(Utc.with_ymd_and_hms(2026, 1, 14, 16, 0, 0).unwrap()));
        // Saturday.
        assert!(!hours.is_open(Utc.with_ymd_and_hms(2026, 1, 17, 10, 0, 0).unwrap()));
    }

    #[test]
    fn window_keeps_local_hours_across_a_dst_change() {
        let hours = office(chrono_tz::America::New_York);
        // Friday 2026-03-06, before DST: 09:30 New York = 14:30 UTC.
        assert!(hours.is_open(Utc.with_ymd_and_hms(2026, 3, 6, 14, 30, 0).unwrap()));
        assert!(!hours.is_open(Utc.with_ymd_and_hms(2026, 3, 6, 13, 30, 0).unwrap()));
        // Monday 2026-03-09, after DST began on the 8th: 09:30 New York = 13:30 UTC.
        assert!(hours.is_open(Utc.with_ymd_and_hms(2026, 3, 9, 13, 30, 0).unwrap()));
        // 16:30 New York = 20:30 UTC is open; 21:30 UTC (17:30 local) is closed.
        assert!(hours.is_open(Utc.with_ymd_and_hms(2026, 3, 9, 20, 30, 0).unwrap()));
        assert!(!hours.is_open(Utc.with_ymd_and_hms(2026, 3, 9, 21, 30, 0).unwrap()));
    }

    #[test]
    fn overnight_window_belongs_to_the_day_it_starts() {
        let hours = WorkingHours {
            start: NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(2, 0, 0).unwrap(),
            days: vec![Weekday::Fri],
            time_zone: chrono_tz::UTC,
        };
        // Friday 23:00 and Saturday 01:00 open; Saturday 23:00 closed.
        assert!(hours.is_open(Utc.with_ymd_and_hms(2026, 1, 16, 23, 0, 0).unwrap()));
        assert!(hours.is_open(Utc.with_ymd_and_hms(2026, 1, 17, 1, 0, 0).unwrap()));
        assert!(!hours.is_open(Utc.with_ymd_and_hms(2026, 1, 17, 23, 0, 0).unwrap()));
    }

    #[test]
    fn unknown_time_zone_is_rejected_with_the_field_name() {
        let err = parse_time_zone("working_hours.time_zone", "Mars/Olympus").unwrap_err();
        assert_eq!(err.field, "working_hours.time_zone");
        assert!(err.message.contains("IANA"));
    }

    #[test]
    fn empty_days_and_empty_window_are_invalid() {
        let mut hours = office(chrono_tz::UTC);
        hours.days.clear();
        assert_eq!(hours.validate().unwrap_err().field, "working_hours.days");
        let mut hours = office(chrono_tz::UTC);
        hours.end = hours.start;
        assert_eq!(hours.validate().unwrap_err().field, "working_hours.end");
    }
}
