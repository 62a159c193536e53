//! Rows of the access tables (API tokens, webhooks, deliveries) and report aggregates, and
//! their conversion to domain types. Shared by both backends, like [`crate::rows`].

use chrono::NaiveDate;
use sqlx::{FromRow, types::Json};
use uuid::Uuid;
use wabot_core::{
    Error, Result,
    domain::{ApiToken, Direction, Label, LeadStatus, Webhook, WebhookDelivery},
    ports::BotActivity,
};

use crate::{
    rows::{corrupt, stored_direction},
    ts::Ts,
};

/// The columns of [`ApiTokenRow`], as a literal for `concat!`.
macro_rules! api_token_columns {
    () => {
        "id, workspace_id, name, prefix, hash, role, created_by, created_at, last_used_at, \
         revoked_at"
    };
}
pub(crate) use api_token_columns;

#[derive(FromRow)]
pub(crate) struct ApiTokenRow {
    id: Uuid,
    workspace_id: Uuid,
    name: String,
    prefix: String,
    hash: String,
    role: String,
    created_by: Option<Uuid>,
    created_at: Ts,
    last_used_at: Option<Ts>,
    revoked_at: Option<Ts>,
}

impl TryFrom<ApiTokenRow> for ApiToken {
    type Error = Error;

    fn try_from(row: ApiTokenRow) -> Result<Self> {
        let bad = |e: wabot_core::ValidationError| corrupt("API token", row.id, e);
        Ok(Self {
            id: row.id,
            workspace_id: row.workspace_id.into(),
            name: Label::parse(&row.name).map_err(bad)?,
            prefix: row.prefix,
            hash: row.hash,
            role: row.role.parse().map_err(bad)?,
            created_by: row.created_by.map(Into::into),
            created_at: row.created_at.into(),
            last_used_at: row.last_used_at.map(Into::into),
            revoked_at: row.revoked_at.map(Into::into),
        })
    }
}

/// The columns of [`WebhookRow`], as a literal for `concat!`.
macro_rules! webhook_columns {
    () => {
        "id, workspace_id, url, events, secret_ciphertext, created_at"
    };
}
pub(crate) use webhook_columns;

#[derive(FromRow)]
pub(crate) struct WebhookRow {
    id: Uuid,
    workspace_id: Uuid,
    url: String,
    events: Json<Vec<String>>,
    secret_ciphertext: Vec<u8>,
    created_at: Ts,
}

impl From<WebhookRow> for Webhook {
    fn from(row: WebhookRow) -> Self {
        Self {
            id: row.id,
            workspace_id: row.workspace_id.into(),
            url: row.url,
            events: row.events.0,
            secret_ciphertext: row.secret_ciphertext,
            created_at: row.created_at.into(),
        }
    }
}

/// The columns of [`DeliveryRow`], as a literal for `concat!`.
macro_rules! delivery_columns {
    () => {
        "id, webhook_id, event, payload, state, attempts, next_attempt_at, last_status, \
         last_error, created_at, delivered_at"
    };
}
pub(crate) use delivery_columns;

#[derive(FromRow)]
pub(crate) struct DeliveryRow {
    id: Uuid,
    webhook_id: Uuid,
    event: String,
    payload: String,
    state: String,
    attempts: i64,
    next_attempt_at: Ts,
    last_status: Option<i32>,
    last_error: Option<String>,
    created_at: Ts,
    delivered_at: Option<Ts>,
}

impl TryFrom<DeliveryRow> for WebhookDelivery {
    type Error = Error;

    fn try_from(row: DeliveryRow) -> Result<Self> {
        let bad = |detail: String| corrupt("webhook delivery", row.id, detail);
        Ok(Self {
            id: row.id,
            webhook_id: row.webhook_id,
            event: row.event,
            payload: row.payload,
            state: row.state.parse().map_err(|e| bad(format!("{e}")))?,
            attempts: u32::try_from(row.attempts)
                .map_err(|_| bad(format!("attempts {}", row.attempts)))?,
            next_attempt_at: row.next_attempt_at.into(),
            last_status: row
                .last_status
                .map(|s| u16::try_from(s).map_err(|_| bad(format!("HTTP status {s}"))))
                .transpose()?,
            last_error: row.last_error,
            created_at: row.created_at.into(),
            delivered_at: row.delivered_at.map(Into::into),
        })
    }
}

/// A delivery's columns as bound: the numbers in the stored types.
pub(crate) fn delivery_numbers(delivery: &WebhookDelivery) -> (i64, Option<i32>) {
    (
        i64::from(delivery.attempts),
        delivery.last_status.map(i32::from),
    )
}

/// One row of `messages_per_day`.
#[derive(FromRow)]
pub(crate) struct DayCountRow {
    day: NaiveDate,
    direction: String,
    n: i64,
}

impl TryFrom<DayCountRow> for (NaiveDate, Direction, u64) {
    type Error = Error;

    fn try_from(row: DayCountRow) -> Result<Self> {
        let Some(direction) = stored_direction(&row.direction) else {
            return Err(Error::storage(
                format!(
                    "stored message direction `{}` is invalid; was the database edited by hand?",
                    row.direction
                ),
                false,
            ));
        };
        Ok((row.day, direction, count(row.n)))
    }
}

/// One row of `leads_by_status`.
#[derive(FromRow)]
pub(crate) struct StatusCountRow {
    status: String,
    n: i64,
}

impl TryFrom<StatusCountRow> for (LeadStatus, u64) {
    type Error = Error;

    fn try_from(row: StatusCountRow) -> Result<Self> {
        let status: LeadStatus = row.status.parse().map_err(|e| {
            Error::storage(
                format!("stored lead status is invalid ({e}); was the database edited by hand?"),
                false,
            )
        })?;
        Ok((status, count(row.n)))
    }
}

/// One row of `bot_activity`.
#[derive(FromRow)]
pub(crate) struct ActivityRow {
    bot_id: Uuid,
    messages: i64,
    leads: i64,
}

impl From<ActivityRow> for BotActivity {
    fn from(row: ActivityRow) -> Self {
        Self {
            bot_id: row.bot_id.into(),
            messages: count(row.messages),
            leads: count(row.leads),
        }
    }
}

/// A `COUNT(*)`, never negative.
fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}
