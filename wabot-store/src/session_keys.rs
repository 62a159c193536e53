//! [`SessionKeyStore`] for `super::Backend`: a bot's session key material, queries and port
//! implementation together. Compiled once per backend (`#[path]`-included by `sqlite` and
//! `postgres`, which define `Db`, `Backend` and `TRANSACTION_PER_OP`), like `lease`.
//!
//! Keys are stored as their UTF-8 bytes (a blob), so prefix matching (`substr` over bytes) and
//! ordering are by byte on both backends, whatever the database collation. A batch of writes
//! checks the bot first and then applies every change in one transaction (on SQLite, the
//! writer's group-commit transaction, which a storage failure rolls back as a whole).

use async_trait::async_trait;
use sqlx::Connection as _;
use wabot_core::{
    Error, Result,
    ids::BotId,
    ports::{SessionKeyStore, SessionKeyWrite},
};

use super::{Backend, Db};
use crate::error::db_error;

type Conn = <Db as sqlx::Database>::Connection;

async fn get(c: &mut Conn, bot: BotId, key: String) -> Result<Option<Vec<u8>>> {
    sqlx::query_scalar::<Db, Vec<u8>>(
        "SELECT value FROM session_keys WHERE bot_id = $1 AND key = $2",
    )
    .bind(bot.0)
    .bind(key.into_bytes())
    .fetch_optional(&mut *c)
    .await
    .map_err(|e| db_error("get_session_key", e))
}

async fn write(c: &mut Conn, bot: BotId, writes: Vec<SessionKeyWrite>) -> Result<()> {
    let op = "write_session_keys";
    if !super::TRANSACTION_PER_OP {
        return write_in(c, bot, writes).await;
    }
    let mut tx = c.begin().await.map_err(|e| db_error(op, e))?;
    write_in(&mut tx, bot, writes).await?;
    tx.commit().await.map_err(|e| db_error(op, e))
}

/// Fails with a domain error (bot not found) only before anything is written.
async fn write_in(c: &mut Conn, bot: BotId, writes: Vec<SessionKeyWrite>) -> Result<()> {
    let op = "write_session_keys";
    let exists = sqlx::query_scalar::<Db, i32>("SELECT 1 FROM bots WHERE id = $1")
        .bind(bot.0)
        .fetch_optional(&mut *c)
        .await
        .map_err(|e| db_error(op, e))?;
    if exists.is_none() {
        return Err(Error::BotNotFound(bot));
    }
    for change in writes {
        let query = match change {
            SessionKeyWrite::Put { key, value } => sqlx::query(
                "INSERT INTO session_keys (bot_id, key, value) VALUES ($1, $2, $3) \
                 ON CONFLICT (bot_id, key) DO UPDATE SET value = excluded.value",
            )
            .bind(bot.0)
            .bind(key.into_bytes())
            .bind(value),
            SessionKeyWrite::Delete { key } => {
                sqlx::query("DELETE FROM session_keys WHERE bot_id = $1 AND key = $2")
                    .bind(bot.0)
                    .bind(key.into_bytes())
            }
        };
        query.execute(&mut *c).await.map_err(|e| db_error(op, e))?;
    }
    Ok(())
}

async fn list(c: &mut Conn, bot: BotId, prefix: String) -> Result<Vec<(String, Vec<u8>)>> {
    let op = "list_session_keys";
    let rows = sqlx::query_as::<Db, (Vec<u8>, Vec<u8>)>(
        "SELECT key, value FROM session_keys \
         WHERE bot_id = $1 AND substr(key, 1, length($2)) = $2 ORDER BY key",
    )
    .bind(bot.0)
    .bind(prefix.into_bytes())
    .fetch_all(&mut *c)
    .await
    .map_err(|e| db_error(op, e))?;
    rows.into_iter()
        .map(|(key, value)| {
            String::from_utf8(key)
                .map(|key| (key, value))
                .map_err(|_| Error::storage(format!("{op}: a stored key is not UTF-8"), false))
        })
        .collect()
}

async fn delete(c: &mut Conn, bot: BotId, prefix: String) -> Result<u64> {
    sqlx::query("DELETE FROM session_keys WHERE bot_id = $1 AND substr(key, 1, length($2)) = $2")
        .bind(bot.0)
        .bind(prefix.into_bytes())
        .execute(&mut *c)
        .await
        .map(|done| done.rows_affected())
        .map_err(|e| db_error("delete_session_keys", e))
}

#[async_trait]
impl SessionKeyStore for Backend {
    async fn get_session_key(&self, bot: BotId, key: &str) -> Result<Option<Vec<u8>>> {
        let key = key.to_string();
        on!(self.read, |c| get(c, bot, key))
    }

    async fn write_session_keys(&self, bot: BotId, writes: Vec<SessionKeyWrite>) -> Result<()> {
        if writes.is_empty() {
            return Ok(());
        }
        on!(self.write, |c| write(c, bot, writes))
    }

    async fn list_session_keys(&self, bot: BotId, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
        let prefix = prefix.to_string();
        on!(self.read, |c| list(c, bot, prefix))
    }

    async fn delete_session_keys(&self, bot: BotId, prefix: &str) -> Result<u64> {
        let prefix = prefix.to_string();
        on!(self.write, |c| delete(c, bot, prefix))
    }
}
