//! A bot's behaviour settings on the wire: features (with working hours) and pacing, and
//! their parsing into domain types (422 naming the field).

use chrono::NaiveTime;
use poem_openapi::Object;
use wabot_core::domain::{self, CannedMessage, Features, Pacing, WorkingHours, parse_time_zone};

use super::body::nonblank;
use crate::{
    api::types::{LeadField, Weekday, wire_f32},
    error::ApiError,
};

/// Opening hours in the bot's time zone.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WorkingHoursBody {
    /// Opening time, `HH:MM` (24 h).
    pub start: String,
    /// Closing time, `HH:MM`; earlier than `start` means overnight.
    pub end: String,
    /// Open days.
    pub days: Vec<Weekday>,
    /// IANA time zone, e.g. `Europe/Madrid`.
    pub time_zone: String,
}

fn parse_time(field: &'static str, raw: &str) -> Result<NaiveTime, ApiError> {
    NaiveTime::parse_from_str(raw.trim(), "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(raw.trim(), "%H:%M:%S"))
        .map_err(|_| ApiError::invalid(field, format!("`{raw}` is not a time like 09:30")))
}

impl WorkingHoursBody {
    /// The domain hours (422 naming the `features.working_hours` field that is wrong).
    pub(crate) fn parse(&self) -> Result<WorkingHours, ApiError> {
        let hours = WorkingHours {
            start: parse_time("features.working_hours.start", &self.start)?,
            end: parse_time("features.working_hours.end", &self.end)?,
            days: self.days.iter().map(|d| (*d).into()).collect(),
            time_zone: parse_time_zone("features.working_hours.time_zone", &self.time_zone)?,
        };
        hours.validate()?;
        Ok(hours)
    }
}

impl From<&WorkingHours> for WorkingHoursBody {
    fn from(h: &WorkingHours) -> Self {
        Self {
            start: h.start.format("%H:%M").to_string(),
            end: h.end.format("%H:%M").to_string(),
            days: h.days.iter().map(|d| (*d).into()).collect(),
            time_zone: h.time_zone.name().to_string(),
        }
    }
}

/// The switched-on features of a bot.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct FeaturesBody {
    /// Answer customers with the language model.
    #[oai(default = "yes")]
    pub auto_response: bool,
    /// Extract lead fields from conversations.
    #[oai(default = "yes")]
    pub lead_capture: bool,
    /// Obey enable/disable schedules.
    #[oai(default = "yes")]
    pub scheduling: bool,
    /// Answer only within these hours (absent or null: always).
    pub working_hours: Option<WorkingHoursBody>,
    /// Sent outside working hours, at most once per contact per day (1–1000 characters).
    pub away_message: Option<String>,
    /// Fields a lead needs to be qualified.
    #[oai(default = "default_required")]
    pub required_fields: Vec<LeadField>,
}

fn yes() -> bool {
    true
}
fn default_required() -> Vec<LeadField> {
    Features::default()
        .required_fields
        .into_iter()
        .map(Into::into)
        .collect()
}

impl FeaturesBody {
    /// The domain features (422 naming the `features` field that is wrong).
    pub(crate) fn parse(&self) -> Result<Features, ApiError> {
        let away_message = match nonblank(&self.away_message) {
            Some(m) => Some(
                CannedMessage::parse(&m)
                    .map_err(|e| ApiError::invalid("features.away_message", e.message))?,
            ),
            None => None,
        };
        let mut required: Vec<domain::LeadField> =
            self.required_fields.iter().map(|f| (*f).into()).collect();
        required.sort();
        required.dedup();
        Ok(Features {
            auto_response: self.auto_response,
            lead_capture: self.lead_capture,
            scheduling: self.scheduling,
            working_hours: self
                .working_hours
                .as_ref()
                .map(WorkingHoursBody::parse)
                .transpose()?,
            away_message,
            required_fields: required,
        })
    }
}

impl From<&Features> for FeaturesBody {
    fn from(f: &Features) -> Self {
        Self {
            auto_response: f.auto_response,
            lead_capture: f.lead_capture,
            scheduling: f.scheduling,
            working_hours: f.working_hours.as_ref().map(Into::into),
            away_message: f.away_message.as_ref().map(|m| m.as_str().to_string()),
            required_fields: f.required_fields.iter().map(|x| (*x).into()).collect(),
        }
    }
}

/// Human-like typing delay before replies.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PacingBody {
    /// Fixed part in milliseconds.
    pub base_ms: u64,
    /// Added per reply character, in milliseconds.
    pub per_char_ms: u64,
    /// Upper bound in milliseconds (≤ 60000).
    pub max_ms: u64,
    /// Random variation as a fraction, 0–1 (returned as given, e.g. `0.3`).
    pub jitter: f64,
}

impl PacingBody {
    /// The domain pacing (422 when out of range).
    pub(crate) fn parse(&self) -> Result<Pacing, ApiError> {
        let p = Pacing {
            base_ms: self.base_ms,
            per_char_ms: self.per_char_ms,
            max_ms: self.max_ms,
            jitter: self.jitter as f32,
        };
        p.validate()?;
        Ok(p)
    }
}

impl From<&Pacing> for PacingBody {
    fn from(p: &Pacing) -> Self {
        Self {
            base_ms: p.base_ms,
            per_char_ms: p.per_char_ms,
            max_ms: p.max_ms,
            jitter: wire_f32(p.jitter),
        }
    }
}
