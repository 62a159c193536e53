//! Rows as the backends return them, and their conversion to domain types. Shared by both
//! backends: `FromRow` is derived generically over the row type.

use chrono::NaiveDate;
use sqlx::{FromRow, types::Json};
use uuid::Uuid;
use wabot_core::{
    Error, Result,
    domain::{
        Bot, BotName, CannedMessage, ContactId, DeliveryStatus, Direction, Email, Features,
        Handler, Lead, LeadFields, LlmSettings, Location, Member, Message, Pacing, PersonName,
        Phone, Prompt, Schedule, ScheduleRun, Sender, TransportConfig, Trigger, User, Workspace,
        WorkspaceName,
    },
};

use crate::ts::Ts;

/// A stored value that no longer parses: the database was changed behind the store's back.
pub(crate) fn corrupt(what: &str, id: Uuid, detail: impl std::fmt::Display) -> Error {
    Error::storage(
        format!("stored {what} {id} is invalid ({detail}); was the database edited by hand?"),
        false,
    )
}

/// The columns of [`WorkspaceRow`], as a literal for `concat!`.
macro_rules! workspace_columns {
    () => {
        "id, name, created_at"
    };
}
pub(crate) use workspace_columns;

#[derive(FromRow)]
pub(crate) struct WorkspaceRow {
    id: Uuid,
    name: String,
    created_at: Ts,
}

impl TryFrom<WorkspaceRow> for Workspace {
    type Error = Error;

    fn try_from(row: WorkspaceRow) -> Result<Self> {
        Ok(Self {
            id: row.id.into(),
            name: WorkspaceName::parse(&row.name).map_err(|e| corrupt("workspace", row.id, e))?,
            created_at: row.created_at.into(),
        })
    }
}

/// The columns of [`UserRow`], as a literal for `concat!`.
macro_rules! user_columns {
    () => {
        "id, email, name, created_at"
    };
}
pub(crate) use user_columns;

#[derive(FromRow)]
pub(crate) struct UserRow {
    id: Uuid,
    email: String,
    name: String,
    created_at: Ts,
}

impl TryFrom<UserRow> for User {
    type Error = Error;

    fn try_from(row: UserRow) -> Result<Self> {
        Ok(Self {
            id: row.id.into(),
            email: Email::parse(&row.email).map_err(|e| corrupt("user", row.id, e))?,
            name: row.name,
            created_at: row.created_at.into(),
        })
    }
}

/// The columns of [`MemberRow`], as a literal for `concat!`.
macro_rules! member_columns {
    () => {
        "workspace_id, user_id, role, receives_leads, created_at"
    };
}
pub(crate) use member_columns;

#[derive(FromRow)]
pub(crate) struct MemberRow {
    workspace_id: Uuid,
    user_id: Uuid,
    role: String,
    receives_leads: bool,
    created_at: Ts,
}

impl TryFrom<MemberRow> for Member {
    type Error = Error;

    fn try_from(row: MemberRow) -> Result<Self> {
        Ok(Self {
            workspace_id: row.workspace_id.into(),
            user_id: row.user_id.into(),
            role: row
                .role
                .parse()
                .map_err(|e| corrupt("member", row.user_id, e))?,
            receives_leads: row.receives_leads,
            created_at: row.created_at.into(),
        })
    }
}

/// The columns of [`BotRow`], as a literal for `concat!`.
macro_rules! bot_columns {
    () => {
        "id, workspace_id, name, prompt, enabled, status, transport, \
     llm, features, pacing, fallback_message, created_at, updated_at"
    };
}
pub(crate) use bot_columns;

#[derive(FromRow)]
pub(crate) struct BotRow {
    id: Uuid,
    workspace_id: Uuid,
    name: String,
    prompt: String,
    enabled: bool,
    status: String,
    transport: Json<TransportConfig>,
    llm: Json<LlmSettings>,
    features: Json<Features>,
    pacing: Json<Pacing>,
    fallback_message: String,
    created_at: Ts,
    updated_at: Ts,
}

impl TryFrom<BotRow> for Bot {
    type Error = Error;

    fn try_from(row: BotRow) -> Result<Self> {
        let bad = |e: wabot_core::ValidationError| corrupt("bot", row.id, e);
        Ok(Self {
            id: row.id.into(),
            workspace_id: row.workspace_id.into(),
            name: BotName::parse(&row.name).map_err(bad)?,
            prompt: Prompt::parse(&row.prompt).map_err(bad)?,
            enabled: row.enabled,
            status: row.status.parse().map_err(bad)?,
            transport: row.transport.0,
            llm: row.llm.0,
            features: row.features.0,
            pacing: row.pacing.0,
            fallback_message: CannedMessage::parse(&row.fallback_message).map_err(bad)?,
            created_at: row.created_at.into(),
            updated_at: row.updated_at.into(),
        })
    }
}

/// The columns of [`LeadRow`], as a literal for `concat!`.
macro_rules! lead_columns {
    () => {
        "id, workspace_id, bot_id, contact, display_name, name, \
     email, location, phone, status, assignee, handler_agent, away_sent_on, created_at, \
     updated_at, qualified_at, unanswered_since, fields_search"
    };
}
pub(crate) use lead_columns;

#[derive(FromRow)]
pub(crate) struct LeadRow {
    id: Uuid,
    workspace_id: Uuid,
    bot_id: Uuid,
    contact: String,
    display_name: Option<String>,
    name: Option<String>,
    email: Option<String>,
    location: Option<String>,
    phone: Option<String>,
    status: String,
    assignee: Option<Uuid>,
    handler_agent: Option<Uuid>,
    away_sent_on: Option<NaiveDate>,
    created_at: Ts,
    updated_at: Ts,
    qualified_at: Option<Ts>,
    unanswered_since: Option<Ts>,
    /// What [`fields_search`] gave when the row was last written.
    pub(crate) fields_search: String,
}

impl TryFrom<LeadRow> for Lead {
    type Error = Error;

    fn try_from(row: LeadRow) -> Result<Self> {
        let bad = |e: wabot_core::ValidationError| corrupt("lead", row.id, e);
        Ok(Self {
            id: row.id.into(),
            workspace_id: row.workspace_id.into(),
            bot_id: row.bot_id.into(),
            contact: ContactId::parse(&row.contact).map_err(bad)?,
            display_name: row.display_name,
            fields: LeadFields {
                name: row
                    .name
                    .as_deref()
                    .map(PersonName::parse)
                    .transpose()
                    .map_err(bad)?,
                email: row
                    .email
                    .as_deref()
                    .map(Email::parse)
                    .transpose()
                    .map_err(bad)?,
                location: row
                    .location
                    .as_deref()
                    .map(Location::parse)
                    .transpose()
                    .map_err(bad)?,
                phone: row
                    .phone
                    .as_deref()
                    .map(|p| Phone::parse(p, None))
                    .transpose()
                    .map_err(bad)?,
            },
            status: row.status.parse().map_err(bad)?,
            assignee: row.assignee.map(Into::into),
            handler: match row.handler_agent {
                Some(agent) => Handler::Agent(agent.into()),
                None => Handler::Bot,
            },
            away_sent_on: row.away_sent_on,
            created_at: row.created_at.into(),
            updated_at: row.updated_at.into(),
            qualified_at: row.qualified_at.map(Into::into),
            unanswered_since: row.unanswered_since.map(Into::into),
        })
    }
}

/// Separates the parts of the search columns; no searchable text contains it.
const SEARCH_SEPARATOR: &str = "\u{1f}";

/// The lower-cased contact, matched by lead search.
pub(crate) fn contact_search(contact: &ContactId) -> String {
    contact.as_str().to_lowercase()
}

/// The lower-cased display name and fields of a lead, matched by lead search.
pub(crate) fn fields_search(lead: &Lead) -> String {
    let f = &lead.fields;
    [
        lead.display_name.as_deref(),
        f.name.as_ref().map(|v| v.as_str()),
        f.email.as_ref().map(|v| v.as_str()),
        f.phone.as_ref().map(|v| v.as_str()),
        f.location.as_ref().map(|v| v.as_str()),
    ]
    .into_iter()
    .map(|part| part.unwrap_or_default().to_lowercase())
    .collect::<Vec<_>>()
    .join(SEARCH_SEPARATOR)
}

/// A `LIKE` pattern (escape character `\`) matching text that contains `needle`, lower-cased.
pub(crate) fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The columns of [`MessageRow`], as a literal for `concat!`.
macro_rules! message_columns {
    () => {
        "id, bot_id, lead_id, direction, sender, sender_agent, \
     body, provider_message_id, delivery, error, created_at"
    };
}
pub(crate) use message_columns;

#[derive(FromRow)]
pub(crate) struct MessageRow {
    id: Uuid,
    bot_id: Uuid,
    lead_id: Uuid,
    direction: String,
    sender: String,
    sender_agent: Option<Uuid>,
    body: String,
    provider_message_id: Option<String>,
    delivery: String,
    error: Option<String>,
    created_at: Ts,
}

impl TryFrom<MessageRow> for Message {
    type Error = Error;

    fn try_from(row: MessageRow) -> Result<Self> {
        let Some(direction) = stored_direction(&row.direction) else {
            return Err(corrupt(
                "message",
                row.id,
                format!("direction `{}`", row.direction),
            ));
        };
        let sender = match (row.sender.as_str(), row.sender_agent) {
            ("contact", _) => Sender::Contact,
            ("bot", _) => Sender::Bot,
            ("agent", Some(agent)) => Sender::Agent(agent.into()),
            (other, _) => return Err(corrupt("message", row.id, format!("sender `{other}`"))),
        };
        Ok(Self {
            id: row.id.into(),
            bot_id: row.bot_id.into(),
            lead_id: row.lead_id.into(),
            direction,
            sender,
            body: row.body,
            provider_message_id: row.provider_message_id,
            delivery: row
                .delivery
                .parse()
                .map_err(|e| corrupt("message", row.id, e))?,
            error: row.error,
            created_at: row.created_at.into(),
        })
    }
}

/// A direction from its stored name ([`Direction::as_str`]).
pub(crate) fn stored_direction(name: &str) -> Option<Direction> {
    match name {
        "inbound" => Some(Direction::Inbound),
        "outbound" => Some(Direction::Outbound),
        _ => None,
    }
}

/// The stored name of a sender and its agent, if any.
pub(crate) fn sender_columns(sender: Sender) -> (&'static str, Option<Uuid>) {
    match sender {
        Sender::Contact => ("contact", None),
        Sender::Bot => ("bot", None),
        Sender::Agent(user) => ("agent", Some(user.0)),
    }
}

/// The statuses a message may be in for an ack of `status` to be progress.
pub(crate) fn ack_sources(status: DeliveryStatus) -> Vec<&'static str> {
    DeliveryStatus::ALL
        .into_iter()
        .filter(|from| from.advances_to(status))
        .map(DeliveryStatus::as_str)
        .collect()
}

/// The columns of [`ScheduleRow`], as a literal for `concat!`.
macro_rules! schedule_columns {
    () => {
        "id, workspace_id, bot_id, action, trigger_spec, status, \
     next_run_at, last_executed_at, created_by, created_at"
    };
}
pub(crate) use schedule_columns;

#[derive(FromRow)]
pub(crate) struct ScheduleRow {
    id: Uuid,
    workspace_id: Uuid,
    bot_id: Uuid,
    action: String,
    trigger_spec: Json<Trigger>,
    status: String,
    next_run_at: Option<Ts>,
    last_executed_at: Option<Ts>,
    created_by: Option<Uuid>,
    created_at: Ts,
}

impl TryFrom<ScheduleRow> for Schedule {
    type Error = Error;

    fn try_from(row: ScheduleRow) -> Result<Self> {
        let bad = |e: wabot_core::ValidationError| corrupt("schedule", row.id, e);
        Ok(Self {
            id: row.id.into(),
            workspace_id: row.workspace_id.into(),
            bot_id: row.bot_id.into(),
            action: row.action.parse().map_err(bad)?,
            trigger: row.trigger_spec.0,
            status: row.status.parse().map_err(bad)?,
            next_run_at: row.next_run_at.map(Into::into),
            last_executed_at: row.last_executed_at.map(Into::into),
            created_by: row.created_by.map(Into::into),
            created_at: row.created_at.into(),
        })
    }
}

/// The columns of [`RunRow`], as a literal for `concat!`.
macro_rules! run_columns {
    () => {
        "schedule_id, bot_id, action, due_at, executed_at, error"
    };
}
pub(crate) use run_columns;

#[derive(FromRow)]
pub(crate) struct RunRow {
    schedule_id: Uuid,
    bot_id: Uuid,
    action: String,
    due_at: Ts,
    executed_at: Ts,
    error: Option<String>,
}

impl TryFrom<RunRow> for ScheduleRun {
    type Error = Error;

    fn try_from(row: RunRow) -> Result<Self> {
        Ok(Self {
            schedule_id: row.schedule_id.into(),
            bot_id: row.bot_id.into(),
            action: row
                .action
                .parse()
                .map_err(|e| corrupt("schedule run of", row.schedule_id, e))?,
            due_at: row.due_at.into(),
            executed_at: row.executed_at.into(),
            error: row.error,
        })
    }
}

/// Converts every row, failing on the first invalid one.
pub(crate) fn convert_all<R, T>(rows: Vec<R>) -> Result<Vec<T>>
where
    T: TryFrom<R, Error = Error>,
{
    rows.into_iter().map(T::try_from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_pattern_escapes_wildcards_and_lowercases() {
        assert_eq!(contains_pattern("50%_A\\b"), "%50\\%\\_a\\\\b%");
        assert_eq!(contains_pattern("LÓPEZ"), "%lópez%");
    }

    #[test]
    fn ack_sources_follow_advances_to() {
        assert_eq!(
            ack_sources(DeliveryStatus::Read),
            ["pending", "sent", "delivered"]
        );
        assert_eq!(ack_sources(DeliveryStatus::Failed), ["pending", "sent"]);
        assert!(ack_sources(DeliveryStatus::Received).is_empty());
    }
}
