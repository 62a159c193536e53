//! [`SessionRevocationStore`] for `super::Backend`: ended dashboard sessions, queries and port
//! implementation together. Compiled once per backend (`#[path]`-included by `sqlite` and
//! `postgres`, which define `Db` and `Backend`), like `lease`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;
use wabot_core::{Result, ids::UserId, ports::SessionRevocationStore};

use super::{Backend, Db};
use crate::{error::db_error, ts::Ts};

type Conn = <Db as sqlx::Database>::Connection;

async fn revoke(
    c: &mut Conn,
    sid: Uuid,
    user: UserId,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<()> {
    let op = "revoke_session";
    sqlx::query("DELETE FROM revoked_sessions WHERE expires_at < $1")
        .bind(Ts(now))
        .execute(&mut *c)
        .await
        .map_err(|e| db_error(op, e))?;
    sqlx::query(
        "INSERT INTO revoked_sessions (sid, user_id, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (sid) DO NOTHING",
    )
    .bind(sid)
    .bind(user.0)
    .bind(Ts(expires_at))
    .execute(&mut *c)
    .await
    .map(|_| ())
    .map_err(|e| db_error(op, e))
}

async fn is_revoked(c: &mut Conn, sid: Uuid) -> Result<bool> {
    sqlx::query_scalar::<Db, i64>("SELECT COUNT(*) FROM revoked_sessions WHERE sid = $1")
        .bind(sid)
        .fetch_one(&mut *c)
        .await
        .map(|n| n > 0)
        .map_err(|e| db_error("is_session_revoked", e))
}

#[async_trait]
impl SessionRevocationStore for Backend {
    async fn revoke_session(
        &self,
        sid: Uuid,
        user: UserId,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        on!(self.write, |c| revoke(c, sid, user, expires_at, now))
    }

    async fn is_session_revoked(&self, sid: Uuid) -> Result<bool> {
        on!(self.read, |c| is_revoked(c, sid))
    }
}
