//! [`LeaseStore`] for `super::Backend`: bot leases and replica heartbeats, queries and port
//! implementation together. Compiled once per backend (`#[path]`-included by `sqlite` and
//! `postgres`, which define `Db` and `Backend`), like `ops` and `store_impl`.
//!
//! Taking a lease is one statement, an upsert whose update only applies when the lease is free,
//! expired or already the caller's, so two replicas racing for a bot cannot both win.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::FromRow;
use uuid::Uuid;
use wabot_core::{
    Result,
    ids::BotId,
    ports::{Lease, LeaseStore, Replica},
};

use super::{Backend, Db};
use crate::{error::db_error, ts::Ts};

type Conn = <Db as sqlx::Database>::Connection;

#[derive(FromRow)]
struct LeaseRow {
    bot_id: Uuid,
    holder: String,
    token: i64,
    expires_at: Ts,
}

impl From<LeaseRow> for Lease {
    fn from(row: LeaseRow) -> Self {
        Self {
            bot_id: row.bot_id.into(),
            holder: row.holder,
            token: row.token,
            expires_at: row.expires_at.into(),
        }
    }
}

async fn acquire(
    c: &mut Conn,
    bot: BotId,
    holder: String,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Option<Lease>> {
    sqlx::query_as::<Db, LeaseRow>(
        "INSERT INTO bot_leases (bot_id, holder, token, expires_at) VALUES ($1, $2, 1, $3) \
         ON CONFLICT (bot_id) DO UPDATE SET holder = excluded.holder, \
         expires_at = excluded.expires_at, \
         token = CASE WHEN bot_leases.holder = excluded.holder THEN bot_leases.token \
                      ELSE bot_leases.token + 1 END \
         WHERE bot_leases.holder = excluded.holder OR bot_leases.expires_at <= $4 \
         RETURNING bot_id, holder, token, expires_at",
    )
    .bind(bot.0)
    .bind(holder)
    .bind(Ts(until))
    .bind(Ts(now))
    .fetch_optional(&mut *c)
    .await
    .map(|row| row.map(Lease::from))
    .map_err(|e| db_error("acquire_lease", e))
}

async fn release(c: &mut Conn, bot: BotId, holder: String, token: i64) -> Result<bool> {
    // Expired, token kept: the next holder gets token + 1.
    sqlx::query(
        "UPDATE bot_leases SET expires_at = $4 WHERE bot_id = $1 AND holder = $2 AND token = $3",
    )
    .bind(bot.0)
    .bind(holder)
    .bind(token)
    .bind(Ts(DateTime::<Utc>::UNIX_EPOCH))
    .execute(&mut *c)
    .await
    .map(|done| done.rows_affected() == 1)
    .map_err(|e| db_error("release_lease", e))
}

async fn list(c: &mut Conn) -> Result<Vec<Lease>> {
    sqlx::query_as::<Db, LeaseRow>(
        "SELECT bot_id, holder, token, expires_at FROM bot_leases ORDER BY bot_id",
    )
    .fetch_all(&mut *c)
    .await
    .map(|rows| rows.into_iter().map(Lease::from).collect())
    .map_err(|e| db_error("list_leases", e))
}

async fn beat(c: &mut Conn, replica: String, at: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "INSERT INTO replicas (id, seen_at) VALUES ($1, $2) \
         ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at",
    )
    .bind(replica)
    .bind(Ts(at))
    .execute(&mut *c)
    .await
    .map(|_| ())
    .map_err(|e| db_error("heartbeat", e))
}

async fn live(c: &mut Conn, since: DateTime<Utc>) -> Result<Vec<Replica>> {
    sqlx::query_as::<Db, (String, Ts)>(
        "SELECT id, seen_at FROM replicas WHERE seen_at >= $1 ORDER BY id",
    )
    .bind(Ts(since))
    .fetch_all(&mut *c)
    .await
    .map(|rows| {
        rows.into_iter()
            .map(|(id, seen)| Replica {
                id,
                seen_at: seen.into(),
            })
            .collect()
    })
    .map_err(|e| db_error("live_replicas", e))
}

async fn forget(c: &mut Conn, replica: String) -> Result<()> {
    sqlx::query("DELETE FROM replicas WHERE id = $1")
        .bind(replica)
        .execute(&mut *c)
        .await
        .map(|_| ())
        .map_err(|e| db_error("remove_replica", e))
}

#[async_trait]
impl LeaseStore for Backend {
    async fn acquire_lease(
        &self,
        bot: BotId,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<Lease>> {
        let holder = holder.to_string();
        on!(self.write, |c| acquire(c, bot, holder, now, until))
    }

    async fn release_lease(&self, bot: BotId, holder: &str, token: i64) -> Result<bool> {
        let holder = holder.to_string();
        on!(self.write, |c| release(c, bot, holder, token))
    }

    async fn list_leases(&self) -> Result<Vec<Lease>> {
        on!(self.read, |c| list(c))
    }

    async fn heartbeat(&self, replica: &str, at: DateTime<Utc>) -> Result<()> {
        let replica = replica.to_string();
        on!(self.write, |c| beat(c, replica, at))
    }

    async fn live_replicas(&self, since: DateTime<Utc>) -> Result<Vec<Replica>> {
        on!(self.read, |c| live(c, since))
    }

    async fn remove_replica(&self, replica: &str) -> Result<()> {
        let replica = replica.to_string();
        on!(self.write, |c| forget(c, replica))
    }
}
