//! The queries behind every store method, written once and compiled for each backend: the
//! module is included by `sqlite` and `postgres` with `super::Db` naming the database. The SQL
//! is the common dialect of SQLite ≥ 3.35 and PostgreSQL (`$n` parameters, `RETURNING`,
//! `ON CONFLICT`).
//!
//! Each function runs on one connection. Those that need several statements to be atomic run
//! them in a transaction of their own when `super::TRANSACTION_PER_OP` (PostgreSQL, pooled
//! connections). SQLite writes already run inside the writer's group-commit transaction, and a
//! storage failure rolls back that whole batch, so there they need no savepoint: each of these
//! functions fails with a domain error (not found, conflict) only before it has written.

use sqlx::{Connection as _, QueryBuilder};
use wabot_core::{
    Error, Result,
    domain::{
        Bot, BotStatus, ContactId, DeliveryStatus, Email, InboundHandling, Lead, Member, Message,
        Schedule, ScheduleRun, ScheduleStatus, User, Workspace,
    },
    ids::{BotId, LeadId, MessageId, ScheduleId, UserId, WorkspaceId},
    ports::{InboundOutcome, LeadQuery, MAX_LEAD_PAGE, NewInbound},
};

use super::Db;
use crate::{
    error::{db_error, insert_error, is_foreign_key_violation, is_unique_violation},
    rows::{
        BotRow, LeadRow, MemberRow, MessageRow, RunRow, ScheduleRow, UserRow, WorkspaceRow,
        ack_sources, bot_columns, contact_search, contains_pattern, convert_all, fields_search,
        lead_columns, member_columns, message_columns, run_columns, schedule_columns,
        sender_columns, user_columns, workspace_columns,
    },
    ts::Ts,
};

/// The connection type the queries run on.
pub(crate) type Conn = <Db as sqlx::Database>::Connection;

// ----- workspaces, users, members -------------------------------------------------------------

pub(crate) async fn create_workspace(c: &mut Conn, ws: &Workspace) -> Result<()> {
    sqlx::query("INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(ws.id.0)
        .bind(ws.name.as_str())
        .bind(Ts(ws.created_at))
        .execute(&mut *c)
        .await
        .map_err(|e| match is_unique_violation(&e) {
            true => Error::Conflict(format!("workspace {} already exists", ws.id)),
            false => db_error("create_workspace", e),
        })?;
    Ok(())
}

pub(crate) async fn get_workspace(c: &mut Conn, id: WorkspaceId) -> Result<Option<Workspace>> {
    sqlx::query_as::<Db, WorkspaceRow>(concat!(
        "SELECT ",
        workspace_columns!(),
        " FROM workspaces WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(|e| db_error("get_workspace", e))?
    .map(Workspace::try_from)
    .transpose()
}

pub(crate) async fn upsert_user(c: &mut Conn, user: &User) -> Result<User> {
    let inserted = sqlx::query(
        "INSERT INTO users (id, email, name, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (email) DO NOTHING",
    )
    .bind(user.id.0)
    .bind(user.email.as_str())
    .bind(&user.name)
    .bind(Ts(user.created_at))
    .execute(&mut *c)
    .await
    .map_err(|e| match is_unique_violation(&e) {
        true => Error::Conflict(format!(
            "user {} already exists with another e-mail",
            user.id
        )),
        false => db_error("upsert_user", e),
    })?;
    if inserted.rows_affected() == 1 {
        return Ok(user.clone());
    }
    get_user_by_email(c, &user.email).await?.ok_or_else(|| {
        Error::storage(
            format!("upsert_user: user {} vanished while being read", user.email),
            true,
        )
    })
}

pub(crate) async fn get_user(c: &mut Conn, id: UserId) -> Result<Option<User>> {
    sqlx::query_as::<Db, UserRow>(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(|e| db_error("get_user", e))?
    .map(User::try_from)
    .transpose()
}

pub(crate) async fn get_user_by_email(c: &mut Conn, email: &Email) -> Result<Option<User>> {
    sqlx::query_as::<Db, UserRow>(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE email = $1"
    ))
    .bind(email.as_str())
    .fetch_optional(&mut *c)
    .await
    .map_err(|e| db_error("get_user_by_email", e))?
    .map(User::try_from)
    .transpose()
}

async fn exists(c: &mut Conn, sql: &'static str, id: uuid::Uuid) -> Result<bool> {
    let found: Option<i32> = sqlx::query_scalar(sql)
        .bind(id)
        .fetch_optional(&mut *c)
        .await
        .map_err(|e| db_error("existence check", e))?;
    Ok(found.is_some())
}

pub(crate) async fn put_member(c: &mut Conn, member: &Member) -> Result<()> {
    if !exists(
        c,
        "SELECT 1 FROM workspaces WHERE id = $1",
        member.workspace_id.0,
    )
    .await?
    {
        return Err(Error::NotFound(format!(
            "workspace {}",
            member.workspace_id
        )));
    }
    if !exists(c, "SELECT 1 FROM users WHERE id = $1", member.user_id.0).await? {
        return Err(Error::NotFound(format!("user {}", member.user_id)));
    }
    sqlx::query(
        "INSERT INTO members (workspace_id, user_id, role, receives_leads, created_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (workspace_id, user_id) \
         DO UPDATE SET role = excluded.role, receives_leads = excluded.receives_leads",
    )
    .bind(member.workspace_id.0)
    .bind(member.user_id.0)
    .bind(member.role.as_str())
    .bind(member.receives_leads)
    .bind(Ts(member.created_at))
    .execute(&mut *c)
    .await
    .map_err(|e| match is_foreign_key_violation(&e) {
        true => Error::NotFound(format!(
            "workspace {} or user {}",
            member.workspace_id, member.user_id
        )),
        false => db_error("put_member", e),
    })?;
    Ok(())
}

pub(crate) async fn list_members(c: &mut Conn, workspace: WorkspaceId) -> Result<Vec<Member>> {
    let rows = sqlx::query_as::<Db, MemberRow>(concat!(
        "SELECT ",
        member_columns!(),
        " FROM members WHERE workspace_id = $1 \
         ORDER BY created_at, user_id"
    ))
    .bind(workspace.0)
    .fetch_all(&mut *c)
    .await
    .map_err(|e| db_error("list_members", e))?;
    convert_all(rows)
}

pub(crate) async fn next_lead_assignee(
    c: &mut Conn,
    workspace: WorkspaceId,
) -> Result<Option<UserId>> {
    let op = "next_lead_assignee";
    // Two statements, each atomic: concurrent callers read the same members and each gets its
    // own cursor value from the row-locked increment.
    let eligible: Vec<uuid::Uuid> = sqlx::query_scalar(
        "SELECT user_id FROM members WHERE workspace_id = $1 AND receives_leads \
         ORDER BY created_at, user_id",
    )
    .bind(workspace.0)
    .fetch_all(&mut *c)
    .await
    .map_err(|e| db_error(op, e))?;
    if eligible.is_empty() {
        return Ok(None);
    }
    let cursor: Option<i64> = sqlx::query_scalar(
        "UPDATE workspaces SET lead_cursor = lead_cursor + 1 WHERE id = $1 RETURNING lead_cursor",
    )
    .bind(workspace.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(|e| db_error(op, e))?;
    Ok(cursor.map(|next| {
        let taken = u64::try_from(next - 1).unwrap_or_default();
        UserId(eligible[(taken % eligible.len() as u64) as usize])
    }))
}

// ----- bots -----------------------------------------------------------------------------------

pub(crate) async fn create_bot(c: &mut Conn, bot: &Bot) -> Result<()> {
    sqlx::query(
        "INSERT INTO bots (id, workspace_id, name, prompt, enabled, status, transport, llm, \
         features, pacing, fallback_message, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(bot.id.0)
    .bind(bot.workspace_id.0)
    .bind(bot.name.as_str())
    .bind(bot.prompt.as_str())
    .bind(bot.enabled)
    .bind(bot.status.as_str())
    .bind(sqlx::types::Json(&bot.transport))
    .bind(sqlx::types::Json(&bot.llm))
    .bind(sqlx::types::Json(&bot.features))
    .bind(sqlx::types::Json(&bot.pacing))
    .bind(bot.fallback_message.as_str())
    .bind(Ts(bot.created_at))
    .bind(Ts(bot.updated_at))
    .execute(&mut *c)
    .await
    .map_err(|e| {
        insert_error(
            "create_bot",
            e,
            || Error::NotFound(format!("workspace {}", bot.workspace_id)),
            || Error::Conflict(format!("bot {} already exists", bot.id)),
        )
    })?;
    Ok(())
}

pub(crate) async fn get_bot(c: &mut Conn, id: BotId) -> Result<Option<Bot>> {
    sqlx::query_as::<Db, BotRow>(concat!(
        "SELECT ",
        bot_columns!(),
        " FROM bots WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(|e| db_error("get_bot", e))?
    .map(Bot::try_from)
    .transpose()
}

pub(crate) async fn list_bots(c: &mut Conn, workspace: Option<WorkspaceId>) -> Result<Vec<Bot>> {
    let rows = match workspace {
        Some(ws) => {
            sqlx::query_as::<Db, BotRow>(concat!(
                "SELECT ",
                bot_columns!(),
                " FROM bots WHERE workspace_id = $1 ORDER BY created_at, id"
            ))
            .bind(ws.0)
            .fetch_all(&mut *c)
            .await
        }
        None => {
            sqlx::query_as::<Db, BotRow>(concat!(
                "SELECT ",
                bot_columns!(),
                " FROM bots ORDER BY created_at, id"
            ))
            .fetch_all(&mut *c)
            .await
        }
    }
    .map_err(|e| db_error("list_bots", e))?;
    convert_all(rows)
}

fn bot_must_exist(id: BotId, affected: u64) -> Result<()> {
    match affected {
        0 => Err(Error::BotNotFound(id)),
        _ => Ok(()),
    }
}

pub(crate) async fn update_bot(c: &mut Conn, bot: &Bot) -> Result<()> {
    let done = sqlx::query(
        "UPDATE bots SET name = $2, prompt = $3, enabled = $4, transport = $5, llm = $6, \
         features = $7, pacing = $8, fallback_message = $9, updated_at = $10 WHERE id = $1",
    )
    .bind(bot.id.0)
    .bind(bot.name.as_str())
    .bind(bot.prompt.as_str())
    .bind(bot.enabled)
    .bind(sqlx::types::Json(&bot.transport))
    .bind(sqlx::types::Json(&bot.llm))
    .bind(sqlx::types::Json(&bot.features))
    .bind(sqlx::types::Json(&bot.pacing))
    .bind(bot.fallback_message.as_str())
    .bind(Ts(bot.updated_at))
    .execute(&mut *c)
    .await
    .map_err(|e| db_error("update_bot", e))?;
    bot_must_exist(bot.id, done.rows_affected())
}

pub(crate) async fn set_bot_enabled(
    c: &mut Conn,
    id: BotId,
    enabled: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let done = sqlx::query("UPDATE bots SET enabled = $2, updated_at = $3 WHERE id = $1")
        .bind(id.0)
        .bind(enabled)
        .bind(Ts(now))
        .execute(&mut *c)
        .await
        .map_err(|e| db_error("set_bot_enabled", e))?;
    bot_must_exist(id, done.rows_affected())
}

pub(crate) async fn set_bot_status(
    c: &mut Conn,
    id: BotId,
    status: BotStatus,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let done = sqlx::query("UPDATE bots SET status = $2, updated_at = $3 WHERE id = $1")
        .bind(id.0)
        .bind(status.as_str())
        .bind(Ts(now))
        .execute(&mut *c)
        .await
        .map_err(|e| db_error("set_bot_status", e))?;
    bot_must_exist(id, done.rows_affected())
}

pub(crate) async fn delete_bot(c: &mut Conn, id: BotId) -> Result<()> {
    let op = "delete_bot";
    if !super::TRANSACTION_PER_OP {
        return delete_bot_in(c, id).await;
    }
    let mut tx = c.begin().await.map_err(|e| db_error(op, e))?;
    delete_bot_in(&mut tx, id).await?;
    tx.commit().await.map_err(|e| db_error(op, e))
}

async fn delete_bot_in(c: &mut Conn, id: BotId) -> Result<()> {
    let op = "delete_bot";
    // Leads (and their messages) and schedules go by ON DELETE CASCADE; the run history has no
    // foreign key (it is an audit trail) and is removed explicitly.
    let done = sqlx::query("DELETE FROM bots WHERE id = $1")
        .bind(id.0)
        .execute(&mut *c)
        .await
        .map_err(|e| db_error(op, e))?;
    bot_must_exist(id, done.rows_affected())?;
    sqlx::query("DELETE FROM schedule_runs WHERE bot_id = $1")
        .bind(id.0)
        .execute(&mut *c)
        .await
        .map_err(|e| db_error(op, e))?;
    Ok(())
}

// ----- leads ----------------------------------------------------------------------------------

pub(crate) async fn get_lead(c: &mut Conn, id: LeadId) -> Result<Option<Lead>> {
    sqlx::query_as::<Db, LeadRow>(concat!(
        "SELECT ",
        lead_columns!(),
        " FROM leads WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(|e| db_error("get_lead", e))?
    .map(Lead::try_from)
    .transpose()
}

pub(crate) async fn find_lead(
    c: &mut Conn,
    bot: BotId,
    contact: &ContactId,
) -> Result<Option<Lead>> {
    sqlx::query_as::<Db, LeadRow>(concat!(
        "SELECT ",
        lead_columns!(),
        " FROM leads WHERE bot_id = $1 AND contact = $2"
    ))
    .bind(bot.0)
    .bind(contact.as_str())
    .fetch_optional(&mut *c)
    .await
    .map_err(|e| db_error("find_lead", e))?
    .map(Lead::try_from)
    .transpose()
}

pub(crate) async fn update_lead(c: &mut Conn, lead: &Lead) -> Result<()> {
    let f = &lead.fields;
    let done = sqlx::query(
        "UPDATE leads SET display_name = $2, name = $3, email = $4, location = $5, phone = $6, \
         status = $7, assignee = $8, handler_agent = $9, away_sent_on = $10, updated_at = $11, \
         qualified_at = $12, fields_search = $13, unanswered_since = $14 WHERE id = $1",
    )
    .bind(lead.id.0)
    .bind(lead.display_name.as_deref())
    .bind(f.name.as_ref().map(|v| v.as_str()))
    .bind(f.email.as_ref().map(|v| v.as_str()))
    .bind(f.location.as_ref().map(|v| v.as_str()))
    .bind(f.phone.as_ref().map(|v| v.as_str()))
    .bind(lead.status.as_str())
    .bind(lead.assignee.map(|u| u.0))
    .bind(match lead.handler {
        wabot_core::domain::Handler::Agent(user) => Some(user.0),
        wabot_core::domain::Handler::Bot => None,
    })
    .bind(lead.away_sent_on)
    .bind(Ts(lead.updated_at))
    .bind(lead.qualified_at.map(Ts))
    .bind(fields_search(lead))
    .bind(lead.unanswered_since.map(Ts))
    .execute(&mut *c)
    .await
    .map_err(|e| db_error("update_lead", e))?;
    match done.rows_affected() {
        0 => Err(Error::LeadNotFound(lead.id)),
        _ => Ok(()),
    }
}

pub(crate) async fn list_leads(c: &mut Conn, query: &LeadQuery) -> Result<Vec<Lead>> {
    let mut q = QueryBuilder::<Db>::new(concat!(
        "SELECT ",
        lead_columns!(),
        " FROM leads WHERE 1 = 1"
    ));
    if let Some(ws) = query.workspace_id {
        q.push(" AND workspace_id = ").push_bind(ws.0);
    }
    if let Some(bot) = query.bot_id {
        q.push(" AND bot_id = ").push_bind(bot.0);
    }
    if let Some(status) = query.status {
        q.push(" AND status = ").push_bind(status.as_str());
    }
    if let Some(user) = query.assignee {
        q.push(" AND assignee = ").push_bind(user.0);
    }
    if let Some(needle) = query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let pattern = contains_pattern(needle);
        q.push(" AND (contact_search LIKE ")
            .push_bind(pattern.clone())
            .push(" ESCAPE '\\' OR fields_search LIKE ")
            .push_bind(pattern)
            .push(" ESCAPE '\\')");
    }
    if let Some(from) = query.created_from {
        q.push(" AND created_at >= ").push_bind(Ts(from));
    }
    if let Some(to) = query.created_to {
        q.push(" AND created_at < ").push_bind(Ts(to));
    }
    if let Some(before) = query.before {
        q.push(" AND id < ").push_bind(before.0);
    }
    let limit = query.limit.clamp(1, MAX_LEAD_PAGE);
    q.push(" ORDER BY id DESC LIMIT ")
        .push_bind(i64::from(limit));
    let rows = q
        .build_query_as::<LeadRow>()
        .fetch_all(&mut *c)
        .await
        .map_err(|e| db_error("list_leads", e))?;
    convert_all(rows)
}

// ----- messages -------------------------------------------------------------------------------

/// Refreshes an existing lead for an inbound message: `updated_at`, and the display name when
/// one is given.
async fn touch_lead(c: &mut Conn, inbound: &NewInbound) -> Result<Option<Lead>, sqlx::Error> {
    let row = sqlx::query_as::<Db, LeadRow>(concat!(
        "UPDATE leads SET updated_at = $3, display_name = COALESCE($4, display_name) \
         WHERE bot_id = $1 AND contact = $2 RETURNING ",
        lead_columns!(),
        ""
    ))
    .bind(inbound.bot_id.0)
    .bind(inbound.contact.as_str())
    .bind(Ts(inbound.received_at))
    .bind(inbound.display_name.as_deref())
    .fetch_optional(&mut *c)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let stored_search = row.fields_search.clone();
    let lead = Lead::try_from(row).map_err(|e| sqlx::Error::Decode(e.into()))?;
    let search = fields_search(&lead);
    if search != stored_search {
        sqlx::query("UPDATE leads SET fields_search = $2 WHERE id = $1")
            .bind(lead.id.0)
            .bind(search)
            .execute(&mut *c)
            .await?;
    }
    Ok(Some(lead))
}

/// Inserts the lead unless the contact already has one (then `None`).
async fn insert_lead(c: &mut Conn, lead: &Lead) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO leads (id, workspace_id, bot_id, contact, display_name, status, created_at, \
         updated_at, contact_search, fields_search) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (bot_id, contact) DO NOTHING",
    )
    .bind(lead.id.0)
    .bind(lead.workspace_id.0)
    .bind(lead.bot_id.0)
    .bind(lead.contact.as_str())
    .bind(lead.display_name.as_deref())
    .bind(lead.status.as_str())
    .bind(Ts(lead.created_at))
    .bind(Ts(lead.updated_at))
    .bind(contact_search(&lead.contact))
    .bind(fields_search(lead))
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

async fn insert_message_row(c: &mut Conn, message: &Message) -> Result<(), sqlx::Error> {
    let (sender, agent) = sender_columns(message.sender);
    sqlx::query(
        "INSERT INTO messages (id, bot_id, lead_id, direction, sender, sender_agent, body, \
         provider_message_id, delivery, error, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(message.id.0)
    .bind(message.bot_id.0)
    .bind(message.lead_id.0)
    .bind(message.direction.as_str())
    .bind(sender)
    .bind(agent)
    .bind(&message.body)
    .bind(message.provider_message_id.as_deref())
    .bind(message.delivery.as_str())
    .bind(message.error.as_deref())
    .bind(Ts(message.created_at))
    .execute(&mut *c)
    .await?;
    Ok(())
}

pub(crate) async fn record_inbound(c: &mut Conn, inbound: &NewInbound) -> Result<InboundOutcome> {
    let op = "record_inbound";
    if !super::TRANSACTION_PER_OP {
        return record_inbound_in(c, inbound).await;
    }
    let mut tx = c.begin().await.map_err(|e| db_error(op, e))?;
    let outcome = record_inbound_in(&mut tx, inbound).await?;
    if matches!(outcome, InboundOutcome::Recorded { .. }) {
        tx.commit().await.map_err(|e| db_error(op, e))?;
    }
    // A duplicate changes nothing: dropping the transaction rolls back what it touched.
    Ok(outcome)
}

/// `record_inbound` inside a transaction. The usual case (a known contact, a new message) is
/// two statements: the message is inserted on the contact's lead unless its provider id is
/// known, then the lead is touched.
async fn record_inbound_in(c: &mut Conn, inbound: &NewInbound) -> Result<InboundOutcome> {
    let op = "record_inbound";
    let message_id = MessageId::new();
    let stored = sqlx::query(
        "INSERT INTO messages (id, bot_id, lead_id, direction, sender, body, \
         provider_message_id, delivery, created_at, handling) \
         SELECT $1, $2, id, 'inbound', 'contact', $4, $5, 'received', $6, $7 \
         FROM leads WHERE bot_id = $2 AND contact = $3 \
         ON CONFLICT (bot_id, provider_message_id) DO NOTHING",
    )
    .bind(message_id.0)
    .bind(inbound.bot_id.0)
    .bind(inbound.contact.as_str())
    .bind(&inbound.body)
    .bind(&inbound.provider_message_id)
    .bind(Ts(inbound.received_at))
    .bind(inbound.handling.as_str())
    .execute(&mut *c)
    .await
    .map_err(|e| db_error(op, e))?;
    let (lead, new_lead) = if stored.rows_affected() == 1 {
        let lead = touch_lead(c, inbound)
            .await
            .map_err(|e| db_error(op, e))?
            .ok_or_else(|| Error::storage(format!("{op}: the contact's lead vanished"), true))?;
        (lead, false)
    } else {
        let known: Option<i32> = sqlx::query_scalar(
            "SELECT 1 FROM messages WHERE bot_id = $1 AND provider_message_id = $2",
        )
        .bind(inbound.bot_id.0)
        .bind(&inbound.provider_message_id)
        .fetch_optional(&mut *c)
        .await
        .map_err(|e| db_error(op, e))?;
        if known.is_some() {
            return Ok(InboundOutcome::Duplicate);
        }
        // The contact's first message (or its lead was created by a concurrent transaction).
        let mut lead = Lead::new(
            inbound.workspace_id,
            inbound.bot_id,
            inbound.contact.clone(),
            inbound.received_at,
        );
        lead.display_name = inbound.display_name.clone();
        let inserted =
            insert_lead(c, &lead)
                .await
                .map_err(|e| match is_foreign_key_violation(&e) {
                    true => Error::BotNotFound(inbound.bot_id),
                    false => db_error(op, e),
                })?;
        let (lead, new_lead) = if inserted {
            (lead, true)
        } else {
            let lead = touch_lead(c, inbound)
                .await
                .map_err(|e| db_error(op, e))?
                .ok_or_else(|| {
                    Error::storage(format!("{op}: the contact's lead vanished"), true)
                })?;
            (lead, false)
        };
        let stored = sqlx::query(
            "INSERT INTO messages (id, bot_id, lead_id, direction, sender, body, \
             provider_message_id, delivery, created_at, handling) \
             VALUES ($1, $2, $3, 'inbound', 'contact', $4, $5, 'received', $6, $7) \
             ON CONFLICT (bot_id, provider_message_id) DO NOTHING",
        )
        .bind(message_id.0)
        .bind(inbound.bot_id.0)
        .bind(lead.id.0)
        .bind(&inbound.body)
        .bind(&inbound.provider_message_id)
        .bind(Ts(inbound.received_at))
        .bind(inbound.handling.as_str())
        .execute(&mut *c)
        .await
        .map_err(|e| db_error(op, e))?;
        if stored.rows_affected() == 0 {
            // A concurrent transaction stored the same provider id first.
            return Ok(InboundOutcome::Duplicate);
        }
        (lead, new_lead)
    };
    let message = Message {
        id: message_id,
        bot_id: inbound.bot_id,
        lead_id: lead.id,
        direction: wabot_core::domain::Direction::Inbound,
        sender: wabot_core::domain::Sender::Contact,
        body: inbound.body.clone(),
        provider_message_id: Some(inbound.provider_message_id.clone()),
        delivery: DeliveryStatus::Received,
        error: None,
        created_at: inbound.received_at,
    };
    Ok(InboundOutcome::Recorded {
        lead,
        message,
        new_lead,
    })
}

pub(crate) async fn insert_message(c: &mut Conn, message: &Message) -> Result<()> {
    insert_message_row(c, message).await.map_err(|e| {
        insert_error(
            "insert_message",
            e,
            || Error::LeadNotFound(message.lead_id),
            || {
                Error::Conflict(format!(
                    "message {} (provider id {}) already stored",
                    message.id,
                    message.provider_message_id.as_deref().unwrap_or("none")
                ))
            },
        )
    })
}

pub(crate) async fn mark_sent(
    c: &mut Conn,
    id: MessageId,
    provider_message_id: Option<&str>,
    delivery: DeliveryStatus,
    error: Option<&str>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE messages SET delivery = $2, \
         provider_message_id = COALESCE($3, provider_message_id), error = $4 WHERE id = $1",
    )
    .bind(id.0)
    .bind(delivery.as_str())
    .bind(provider_message_id)
    .bind(error)
    .execute(&mut *c)
    .await
    .map_err(|e| match is_unique_violation(&e) {
        true => Error::Conflict(format!(
            "message {} already stored",
            provider_message_id.unwrap_or_default()
        )),
        false => db_error("mark_sent", e),
    })?;
    match done.rows_affected() {
        0 => Err(Error::NotFound(format!("message {id}"))),
        _ => Ok(()),
    }
}

pub(crate) async fn apply_ack(
    c: &mut Conn,
    bot: BotId,
    provider_message_id: &str,
    status: DeliveryStatus,
) -> Result<Option<Message>> {
    let sources = ack_sources(status);
    let Some(&first) = sources.first() else {
        return Ok(None);
    };
    // One statement with a fixed shape: the allowed previous statuses, padded by repetition.
    let source = |i: usize| sources.get(i).copied().unwrap_or(first);
    sqlx::query_as::<Db, MessageRow>(concat!(
        "UPDATE messages SET delivery = $3 \
         WHERE bot_id = $1 AND provider_message_id = $2 AND delivery IN ($4, $5, $6, $7) \
         RETURNING ",
        message_columns!(),
        ""
    ))
    .bind(bot.0)
    .bind(provider_message_id)
    .bind(status.as_str())
    .bind(source(0))
    .bind(source(1))
    .bind(source(2))
    .bind(source(3))
    .fetch_optional(&mut *c)
    .await
    .map_err(|e| db_error("apply_ack", e))?
    .map(Message::try_from)
    .transpose()
}

pub(crate) async fn recent_messages(
    c: &mut Conn,
    lead: LeadId,
    limit: u32,
) -> Result<Vec<Message>> {
    let rows = sqlx::query_as::<Db, MessageRow>(concat!(
        "SELECT ",
        message_columns!(),
        " FROM (SELECT ",
        message_columns!(),
        ", seq FROM messages \
         WHERE lead_id = $1 ORDER BY seq DESC LIMIT $2) AS recent ORDER BY seq"
    ))
    .bind(lead.0)
    .bind(i64::from(limit))
    .fetch_all(&mut *c)
    .await
    .map_err(|e| db_error("recent_messages", e))?;
    convert_all(rows)
}

/// Moves a pending inbound message to `handling`; whether it was pending.
async fn settle_inbound_in(
    c: &mut Conn,
    id: MessageId,
    handling: InboundHandling,
) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE messages SET handling = $2 WHERE id = $1 AND handling = 'pending'")
            .bind(id.0)
            .bind(handling.as_str())
            .execute(&mut *c)
            .await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn settle_inbound(
    c: &mut Conn,
    id: MessageId,
    handling: InboundHandling,
) -> Result<bool> {
    settle_inbound_in(c, id, handling)
        .await
        .map_err(|e| db_error("settle_inbound", e))
}

pub(crate) async fn insert_reply(c: &mut Conn, reply: &Message, answers: MessageId) -> Result<()> {
    let op = "insert_reply";
    let already = || Error::Conflict(format!("message {answers} was answered already"));
    if !super::TRANSACTION_PER_OP {
        // Inside the writer's batch: the claim comes first, so a refusal has written nothing.
        if !settle_inbound_in(c, answers, InboundHandling::Done)
            .await
            .map_err(|e| db_error(op, e))?
        {
            return Err(already());
        }
        return insert_message(c, reply).await;
    }
    let mut tx = c.begin().await.map_err(|e| db_error(op, e))?;
    // The row lock taken by the update makes a concurrent reply to the same message wait, then
    // find it no longer pending.
    if !settle_inbound_in(&mut tx, answers, InboundHandling::Done)
        .await
        .map_err(|e| db_error(op, e))?
    {
        return Err(already());
    }
    insert_message(&mut tx, reply).await?;
    tx.commit().await.map_err(|e| db_error(op, e))
}

/// The pending-work query: messages of a bot (`$1`) matching a condition, stored before `$2`,
/// oldest first, at most `$3`.
macro_rules! pending_query {
    ($condition:literal) => {
        concat!(
            "SELECT ",
            message_columns!(),
            " FROM messages WHERE bot_id = $1 AND created_at < $2 AND ",
            $condition,
            " ORDER BY seq LIMIT $3"
        )
    };
}

/// Runs a [`pending_query!`].
async fn pending_messages(
    c: &mut Conn,
    op: &'static str,
    sql: &'static str,
    bot: BotId,
    before: chrono::DateTime<chrono::Utc>,
    limit: u32,
) -> Result<Vec<Message>> {
    let rows = sqlx::query_as::<Db, MessageRow>(sql)
        .bind(bot.0)
        .bind(Ts(before))
        .bind(i64::from(limit))
        .fetch_all(&mut *c)
        .await
        .map_err(|e| db_error(op, e))?;
    convert_all(rows)
}

pub(crate) async fn pending_inbound(
    c: &mut Conn,
    bot: BotId,
    before: chrono::DateTime<chrono::Utc>,
    limit: u32,
) -> Result<Vec<Message>> {
    let sql = pending_query!("handling = 'pending'");
    pending_messages(c, "pending_inbound", sql, bot, before, limit).await
}

pub(crate) async fn pending_outbound(
    c: &mut Conn,
    bot: BotId,
    before: chrono::DateTime<chrono::Utc>,
    limit: u32,
) -> Result<Vec<Message>> {
    let sql = pending_query!("direction = 'outbound' AND delivery = 'pending'");
    pending_messages(c, "pending_outbound", sql, bot, before, limit).await
}

// ----- schedules ------------------------------------------------------------------------------

pub(crate) async fn create_schedule(c: &mut Conn, s: &Schedule) -> Result<()> {
    sqlx::query(
        "INSERT INTO schedules (id, workspace_id, bot_id, action, trigger_spec, status, \
         next_run_at, last_executed_at, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(s.id.0)
    .bind(s.workspace_id.0)
    .bind(s.bot_id.0)
    .bind(s.action.as_str())
    .bind(sqlx::types::Json(&s.trigger))
    .bind(s.status.as_str())
    .bind(s.next_run_at.map(Ts))
    .bind(s.last_executed_at.map(Ts))
    .bind(s.created_by.map(|u| u.0))
    .bind(Ts(s.created_at))
    .execute(&mut *c)
    .await
    .map_err(|e| {
        insert_error(
            "create_schedule",
            e,
            || Error::BotNotFound(s.bot_id),
            || Error::Conflict(format!("schedule {} already exists", s.id)),
        )
    })?;
    Ok(())
}

pub(crate) async fn get_schedule(c: &mut Conn, id: ScheduleId) -> Result<Option<Schedule>> {
    sqlx::query_as::<Db, ScheduleRow>(concat!(
        "SELECT ",
        schedule_columns!(),
        " FROM schedules WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(|e| db_error("get_schedule", e))?
    .map(Schedule::try_from)
    .transpose()
}

pub(crate) async fn list_schedules(c: &mut Conn, bot: BotId) -> Result<Vec<Schedule>> {
    let rows = sqlx::query_as::<Db, ScheduleRow>(concat!(
        "SELECT ",
        schedule_columns!(),
        " FROM schedules WHERE bot_id = $1 ORDER BY created_at, id"
    ))
    .bind(bot.0)
    .fetch_all(&mut *c)
    .await
    .map_err(|e| db_error("list_schedules", e))?;
    convert_all(rows)
}

pub(crate) async fn cancel_schedule(c: &mut Conn, id: ScheduleId) -> Result<()> {
    let done = sqlx::query(
        "UPDATE schedules SET status = 'cancelled', next_run_at = NULL \
         WHERE id = $1 AND status = 'active'",
    )
    .bind(id.0)
    .execute(&mut *c)
    .await
    .map_err(|e| db_error("cancel_schedule", e))?;
    if done.rows_affected() == 0
        && !exists(c, "SELECT 1 FROM schedules WHERE id = $1", id.0).await?
    {
        return Err(Error::ScheduleNotFound(id));
    }
    Ok(())
}

pub(crate) async fn due_schedules(
    c: &mut Conn,
    now: chrono::DateTime<chrono::Utc>,
    limit: u32,
) -> Result<Vec<Schedule>> {
    let rows = sqlx::query_as::<Db, ScheduleRow>(concat!(
        "SELECT ",
        schedule_columns!(),
        " FROM schedules \
         WHERE status = 'active' AND next_run_at <= $1 ORDER BY next_run_at, id LIMIT $2"
    ))
    .bind(Ts(now))
    .bind(i64::from(limit))
    .fetch_all(&mut *c)
    .await
    .map_err(|e| db_error("due_schedules", e))?;
    convert_all(rows)
}

pub(crate) async fn next_due_at(c: &mut Conn) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    let next: Option<Ts> = sqlx::query_scalar(
        "SELECT next_run_at FROM schedules WHERE status = 'active' AND next_run_at IS NOT NULL \
         ORDER BY next_run_at LIMIT 1",
    )
    .fetch_optional(&mut *c)
    .await
    .map_err(|e| db_error("next_due_at", e))?;
    Ok(next.map(Into::into))
}

pub(crate) async fn claim_schedule_run(
    c: &mut Conn,
    id: ScheduleId,
    due_at: chrono::DateTime<chrono::Utc>,
    next_run_at: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool> {
    let status = match next_run_at {
        Some(_) => ScheduleStatus::Active,
        None => ScheduleStatus::Completed,
    };
    let done = sqlx::query(
        "UPDATE schedules SET next_run_at = $3, last_executed_at = $4, status = $5 \
         WHERE id = $1 AND status = 'active' AND next_run_at = $2",
    )
    .bind(id.0)
    .bind(Ts(due_at))
    .bind(next_run_at.map(Ts))
    .bind(Ts(now))
    .bind(status.as_str())
    .execute(&mut *c)
    .await
    .map_err(|e| db_error("claim_schedule_run", e))?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn record_schedule_run(c: &mut Conn, run: &ScheduleRun) -> Result<()> {
    sqlx::query(
        "INSERT INTO schedule_runs (schedule_id, bot_id, action, due_at, executed_at, error) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(run.schedule_id.0)
    .bind(run.bot_id.0)
    .bind(run.action.as_str())
    .bind(Ts(run.due_at))
    .bind(Ts(run.executed_at))
    .bind(run.error.as_deref())
    .execute(&mut *c)
    .await
    .map_err(|e| db_error("record_schedule_run", e))?;
    Ok(())
}

pub(crate) async fn list_schedule_runs(c: &mut Conn, id: ScheduleId) -> Result<Vec<ScheduleRun>> {
    let rows = sqlx::query_as::<Db, RunRow>(concat!(
        "SELECT ",
        run_columns!(),
        " FROM schedule_runs WHERE schedule_id = $1 ORDER BY seq"
    ))
    .bind(id.0)
    .fetch_all(&mut *c)
    .await
    .map_err(|e| db_error("list_schedule_runs", e))?;
    convert_all(rows)
}
