//! The queries behind [`AccessStore`], [`WebhookStore`] and [`ReportStore`], compiled for each
//! backend like `ops` (`super::Db` names the database).
//!
//! Two fragments differ between the dialects and come from the including module as macros:
//! `claim_lock!()` (the row lock that lets concurrent PostgreSQL claimers skip each other's
//! deliveries; nothing on SQLite, where the single writer already serialises claims) and
//! `utc_day!(column)` (the UTC date of a stored timestamp).
//!
//! [`AccessStore`]: wabot_core::ports::AccessStore
//! [`WebhookStore`]: wabot_core::ports::WebhookStore
//! [`ReportStore`]: wabot_core::ports::ReportStore

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Connection as _, QueryBuilder};
use uuid::Uuid;
use wabot_core::{
    Error, Result,
    domain::{ApiToken, Direction, LeadStatus, Member, Webhook, WebhookDelivery, Workspace},
    ids::{BotId, UserId, WorkspaceId},
    ports::BotActivity,
};

use super::{Db, ops::Conn};
use crate::{
    access_rows::{
        ActivityRow, ApiTokenRow, DayCountRow, DeliveryRow, StatusCountRow, WebhookRow,
        api_token_columns, delivery_columns, delivery_numbers, webhook_columns,
    },
    error::{db_error, insert_error, is_foreign_key_violation, is_unique_violation},
    rows::{MemberRow, WorkspaceRow, convert_all, member_columns, workspace_columns},
    ts::Ts,
};

// ----- workspaces and memberships --------------------------------------------------------------

pub(crate) async fn list_workspaces(c: &mut Conn) -> Result<Vec<Workspace>> {
    let rows = sqlx::query_as::<Db, WorkspaceRow>(concat!(
        "SELECT ",
        workspace_columns!(),
        " FROM workspaces ORDER BY created_at, id"
    ))
    .fetch_all(&mut *c)
    .await
    .map_err(|e| db_error("list_workspaces", e))?;
    convert_all(rows)
}

pub(crate) async fn list_memberships(c: &mut Conn, user: UserId) -> Result<Vec<Member>> {
    let rows = sqlx::query_as::<Db, MemberRow>(concat!(
        "SELECT ",
        member_columns!(),
        " FROM members WHERE user_id = $1 ORDER BY created_at, workspace_id"
    ))
    .bind(user.0)
    .fetch_all(&mut *c)
    .await
    .map_err(|e| db_error("list_memberships", e))?;
    convert_all(rows)
}

pub(crate) async fn remove_member(
    c: &mut Conn,
    workspace: WorkspaceId,
    user: UserId,
) -> Result<()> {
    let done = sqlx::query("DELETE FROM members WHERE workspace_id = $1 AND user_id = $2")
        .bind(workspace.0)
        .bind(user.0)
        .execute(&mut *c)
        .await
        .map_err(|e| db_error("remove_member", e))?;
    match done.rows_affected() {
        0 => Err(Error::NotFound(format!(
            "member {user} of workspace {workspace}"
        ))),
        _ => Ok(()),
    }
}

// ----- API tokens -------------------------------------------------------------------------------

pub(crate) async fn create_api_token(c: &mut Conn, token: &ApiToken) -> Result<()> {
    sqlx::query(
        "INSERT INTO api_tokens (id, workspace_id, name, prefix, hash, role, created_by, \
         created_at, last_used_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(token.id)
    .bind(token.workspace_id.0)
    .bind(token.name.as_str())
    .bind(&token.prefix)
    .bind(&token.hash)
    .bind(token.role.as_str())
    .bind(token.created_by.map(|u| u.0))
    .bind(Ts(token.created_at))
    .bind(token.last_used_at.map(Ts))
    .bind(token.revoked_at.map(Ts))
    .execute(&mut *c)
    .await
    .map_err(|e| {
        insert_error(
            "create_api_token",
            e,
            || Error::NotFound(format!("workspace {}", token.workspace_id)),
            || {
                Error::Conflict(format!(
                    "API token {} (or one with the same hash) already exists",
                    token.id
                ))
            },
        )
    })?;
    Ok(())
}

pub(crate) async fn find_api_token(c: &mut Conn, hash: &str) -> Result<Option<ApiToken>> {
    sqlx::query_as::<Db, ApiTokenRow>(concat!(
        "SELECT ",
        api_token_columns!(),
        " FROM api_tokens WHERE hash = $1"
    ))
    .bind(hash)
    .fetch_optional(&mut *c)
    .await
    .map_err(|e| db_error("find_api_token", e))?
    .map(ApiToken::try_from)
    .transpose()
}

pub(crate) async fn list_api_tokens(c: &mut Conn, workspace: WorkspaceId) -> Result<Vec<ApiToken>> {
    let rows = sqlx::query_as::<Db, ApiTokenRow>(concat!(
        "SELECT ",
        api_token_columns!(),
        " FROM api_tokens WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC"
    ))
    .bind(workspace.0)
    .fetch_all(&mut *c)
    .await
    .map_err(|e| db_error("list_api_tokens", e))?;
    convert_all(rows)
}

pub(crate) async fn revoke_api_token(
    c: &mut Conn,
    workspace: WorkspaceId,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    // Scoped by workspace: another workspace's token matches no row.
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $3) \
         WHERE id = $1 AND workspace_id = $2",
    )
    .bind(id)
    .bind(workspace.0)
    .bind(Ts(now))
    .execute(&mut *c)
    .await
    .map_err(|e| db_error("revoke_api_token", e))?;
    match done.rows_affected() {
        0 => Err(Error::NotFound(format!(
            "API token {id} of workspace {workspace}"
        ))),
        _ => Ok(()),
    }
}

pub(crate) async fn touch_api_token(c: &mut Conn, id: Uuid, now: DateTime<Utc>) -> Result<()> {
    let done = sqlx::query(
        "UPDATE api_tokens SET last_used_at = \
         CASE WHEN last_used_at IS NULL OR last_used_at < $2 THEN $2 ELSE last_used_at END \
         WHERE id = $1",
    )
    .bind(id)
    .bind(Ts(now))
    .execute(&mut *c)
    .await
    .map_err(|e| db_error("touch_api_token", e))?;
    match done.rows_affected() {
        0 => Err(Error::NotFound(format!("API token {id}"))),
        _ => Ok(()),
    }
}

// ----- bot secrets ------------------------------------------------------------------------------

pub(crate) async fn put_bot_secret(
    c: &mut Conn,
    bot: BotId,
    name: &str,
    ciphertext: &[u8],
) -> Result<()> {
    sqlx::query(
        "INSERT INTO bot_secrets (bot_id, name, ciphertext) VALUES ($1, $2, $3) \
         ON CONFLICT (bot_id, name) DO UPDATE SET ciphertext = excluded.ciphertext",
    )
    .bind(bot.0)
    .bind(name)
    .bind(ciphertext)
    .execute(&mut *c)
    .await
    .map_err(|e| match is_foreign_key_violation(&e) {
        true => Error::BotNotFound(bot),
        false => db_error("put_bot_secret", e),
    })?;
    Ok(())
}

pub(crate) async fn get_bot_secret(
    c: &mut Conn,
    bot: BotId,
    name: &str,
) -> Result<Option<Vec<u8>>> {
    sqlx::query_scalar("SELECT ciphertext FROM bot_secrets WHERE bot_id = $1 AND name = $2")
        .bind(bot.0)
        .bind(name)
        .fetch_optional(&mut *c)
        .await
        .map_err(|e| db_error("get_bot_secret", e))
}

// ----- webhooks ---------------------------------------------------------------------------------

pub(crate) async fn create_webhook(c: &mut Conn, webhook: &Webhook) -> Result<()> {
    sqlx::query(
        "INSERT INTO webhooks (id, workspace_id, url, events, secret_ciphertext, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(webhook.id)
    .bind(webhook.workspace_id.0)
    .bind(&webhook.url)
    .bind(sqlx::types::Json(&webhook.events))
    .bind(&webhook.secret_ciphertext)
    .bind(Ts(webhook.created_at))
    .execute(&mut *c)
    .await
    .map_err(|e| {
        insert_error(
            "create_webhook",
            e,
            || Error::NotFound(format!("workspace {}", webhook.workspace_id)),
            || Error::Conflict(format!("webhook {} already exists", webhook.id)),
        )
    })?;
    Ok(())
}

pub(crate) async fn list_webhooks(c: &mut Conn, workspace: WorkspaceId) -> Result<Vec<Webhook>> {
    let rows = sqlx::query_as::<Db, WebhookRow>(concat!(
        "SELECT ",
        webhook_columns!(),
        " FROM webhooks WHERE workspace_id = $1 ORDER BY created_at, id"
    ))
    .bind(workspace.0)
    .fetch_all(&mut *c)
    .await
    .map_err(|e| db_error("list_webhooks", e))?;
    Ok(rows.into_iter().map(Webhook::from).collect())
}

pub(crate) async fn delete_webhook(c: &mut Conn, workspace: WorkspaceId, id: Uuid) -> Result<()> {
    // Scoped by workspace; the deliveries go by ON DELETE CASCADE.
    let done = sqlx::query("DELETE FROM webhooks WHERE id = $1 AND workspace_id = $2")
        .bind(id)
        .bind(workspace.0)
        .execute(&mut *c)
        .await
        .map_err(|e| db_error("delete_webhook", e))?;
    match done.rows_affected() {
        0 => Err(Error::NotFound(format!(
            "webhook {id} of workspace {workspace}"
        ))),
        _ => Ok(()),
    }
}

// ----- the delivery outbox ----------------------------------------------------------------------

/// The most deliveries inserted by one statement (11 parameters each: well under SQLite's
/// and PostgreSQL's limits).
const ENQUEUE_CHUNK: usize = 500;

pub(crate) async fn enqueue_deliveries(c: &mut Conn, deliveries: &[WebhookDelivery]) -> Result<()> {
    let op = "enqueue_deliveries";
    // One statement is atomic on its own: the usual batch (one event, a few webhooks) needs no
    // transaction or savepoint. Only a batch of several statements gets one.
    if deliveries.len() <= ENQUEUE_CHUNK {
        return insert_deliveries(c, deliveries).await;
    }
    let mut tx = c.begin().await.map_err(|e| db_error(op, e))?;
    for chunk in deliveries.chunks(ENQUEUE_CHUNK) {
        insert_deliveries(&mut tx, chunk).await?;
    }
    tx.commit().await.map_err(|e| db_error(op, e))
}

/// Inserts `deliveries` with one statement: all or none.
async fn insert_deliveries(c: &mut Conn, deliveries: &[WebhookDelivery]) -> Result<()> {
    if deliveries.is_empty() {
        return Ok(());
    }
    let mut q = QueryBuilder::<Db>::new(
        "INSERT INTO webhook_deliveries (id, webhook_id, event, payload, state, attempts, \
         next_attempt_at, last_status, last_error, created_at, delivered_at) ",
    );
    q.push_values(deliveries, |mut row, d| {
        let (attempts, last_status) = delivery_numbers(d);
        row.push_bind(d.id)
            .push_bind(d.webhook_id)
            .push_bind(d.event.as_str())
            .push_bind(d.payload.as_str())
            .push_bind(d.state.as_str())
            .push_bind(attempts)
            .push_bind(Ts(d.next_attempt_at))
            .push_bind(last_status)
            .push_bind(d.last_error.as_deref())
            .push_bind(Ts(d.created_at))
            .push_bind(d.delivered_at.map(Ts));
    });
    q.build().execute(&mut *c).await.map_err(|e| {
        if is_foreign_key_violation(&e) {
            let mut webhooks: Vec<Uuid> = deliveries.iter().map(|d| d.webhook_id).collect();
            webhooks.sort_unstable();
            webhooks.dedup();
            Error::NotFound(format!("webhook (one of {webhooks:?})"))
        } else if is_unique_violation(&e) {
            Error::Conflict(format!("enqueue_deliveries: a delivery id is taken: {e}"))
        } else {
            db_error("enqueue_deliveries", e)
        }
    })?;
    Ok(())
}

pub(crate) async fn claim_due_deliveries(
    c: &mut Conn,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<WebhookDelivery>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    // One statement: the inner select picks (and on PostgreSQL locks, skipping rows another
    // claimer holds) the earliest due, the update leases them.
    let rows = sqlx::query_as::<Db, DeliveryRow>(concat!(
        "UPDATE webhook_deliveries SET next_attempt_at = $2 WHERE id IN (\
         SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= $1 \
         ORDER BY next_attempt_at, id LIMIT $3",
        claim_lock!(),
        ") RETURNING ",
        delivery_columns!()
    ))
    .bind(Ts(now))
    .bind(Ts(lease_until))
    .bind(i64::from(limit))
    .fetch_all(&mut *c)
    .await
    .map_err(|e| db_error("claim_due_deliveries", e))?;
    // RETURNING has no order: hand them out in the order they were enqueued.
    let mut claimed: Vec<WebhookDelivery> = convert_all(rows)?;
    claimed.sort_by_key(|d| (d.created_at, d.id));
    Ok(claimed)
}

pub(crate) async fn finish_delivery(c: &mut Conn, d: &WebhookDelivery) -> Result<()> {
    let (attempts, last_status) = delivery_numbers(d);
    let done = sqlx::query(
        "UPDATE webhook_deliveries SET state = $2, attempts = $3, next_attempt_at = $4, \
         last_status = $5, last_error = $6, delivered_at = $7 WHERE id = $1",
    )
    .bind(d.id)
    .bind(d.state.as_str())
    .bind(attempts)
    .bind(Ts(d.next_attempt_at))
    .bind(last_status)
    .bind(d.last_error.as_deref())
    .bind(d.delivered_at.map(Ts))
    .execute(&mut *c)
    .await
    .map_err(|e| db_error("finish_delivery", e))?;
    match done.rows_affected() {
        0 => Err(Error::NotFound(format!("webhook delivery {}", d.id))),
        _ => Ok(()),
    }
}

pub(crate) async fn list_deliveries(
    c: &mut Conn,
    webhook: Uuid,
    limit: u32,
) -> Result<Vec<WebhookDelivery>> {
    let rows = sqlx::query_as::<Db, DeliveryRow>(concat!(
        "SELECT ",
        delivery_columns!(),
        " FROM webhook_deliveries WHERE webhook_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT $2"
    ))
    .bind(webhook)
    .bind(i64::from(limit))
    .fetch_all(&mut *c)
    .await
    .map_err(|e| db_error("list_deliveries", e))?;
    convert_all(rows)
}

// ----- reports ----------------------------------------------------------------------------------

pub(crate) async fn messages_per_day(
    c: &mut Conn,
    workspace: WorkspaceId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(NaiveDate, Direction, u64)>> {
    let rows = sqlx::query_as::<Db, DayCountRow>(concat!(
        "SELECT day, direction, COUNT(*) AS n FROM (SELECT ",
        utc_day!("m.created_at"),
        " AS day, m.direction AS direction \
         FROM messages m JOIN bots b ON b.id = m.bot_id \
         WHERE b.workspace_id = $1 AND m.created_at >= $2 AND m.created_at < $3) AS days \
         GROUP BY day, direction ORDER BY day, direction"
    ))
    .bind(workspace.0)
    .bind(Ts(from))
    .bind(Ts(to))
    .fetch_all(&mut *c)
    .await
    .map_err(|e| db_error("messages_per_day", e))?;
    convert_all(rows)
}

pub(crate) async fn leads_by_status(
    c: &mut Conn,
    workspace: WorkspaceId,
) -> Result<Vec<(LeadStatus, u64)>> {
    let rows = sqlx::query_as::<Db, StatusCountRow>(
        "SELECT status, COUNT(*) AS n FROM leads WHERE workspace_id = $1 GROUP BY status",
    )
    .bind(workspace.0)
    .fetch_all(&mut *c)
    .await
    .map_err(|e| db_error("leads_by_status", e))?;
    let mut counts: Vec<(LeadStatus, u64)> = convert_all(rows)?;
    counts.sort_by_key(|(status, _)| LeadStatus::ALL.iter().position(|s| s == status));
    Ok(counts)
}

pub(crate) async fn bot_activity(
    c: &mut Conn,
    workspace: WorkspaceId,
    since: DateTime<Utc>,
) -> Result<Vec<BotActivity>> {
    // SUM of a bigint is numeric on PostgreSQL: cast back so both dialects return a bigint.
    let rows = sqlx::query_as::<Db, ActivityRow>(
        "SELECT bot_id, CAST(SUM(messages) AS BIGINT) AS messages, \
         CAST(SUM(leads) AS BIGINT) AS leads FROM (\
         SELECT m.bot_id AS bot_id, COUNT(*) AS messages, 0 AS leads \
         FROM messages m JOIN bots b ON b.id = m.bot_id \
         WHERE b.workspace_id = $1 AND m.created_at >= $2 GROUP BY m.bot_id \
         UNION ALL \
         SELECT bot_id, 0 AS messages, COUNT(*) AS leads FROM leads \
         WHERE workspace_id = $3 AND created_at >= $4 GROUP BY bot_id\
         ) AS activity GROUP BY bot_id ORDER BY bot_id",
    )
    .bind(workspace.0)
    .bind(Ts(since))
    .bind(workspace.0)
    .bind(Ts(since))
    .fetch_all(&mut *c)
    .await
    .map_err(|e| db_error("bot_activity", e))?;
    Ok(rows.into_iter().map(BotActivity::from).collect())
}
