//! [`PostgresStore`]: every store port on a PostgreSQL database.

use std::{str::FromStr, time::Duration};

use sqlx::{
    Executor as _, PgPool,
    postgres::{PgConnectOptions, PgConnection, PgPoolOptions},
};
use wabot_core::{Error, Result};

use crate::{BoxFuture, error::redact_url};

/// Each operation runs on a pooled connection: multi-statement ones open their own transaction.
const TRANSACTION_PER_OP: bool = true;

type Db = sqlx::Postgres;
type Backend = PostgresStore;

// The queries and port implementations are shared with SQLite: the same files, compiled again
// against `Db = Postgres`.
#[path = "ops.rs"]
mod ops;
#[path = "store_impl.rs"]
mod store_impl;

/// Locks the webhook deliveries a claim selects, skipping rows another claimer holds: two
/// concurrent claims (from any replica) never take the same delivery, and never wait for each
/// other (see `access_ops`).
macro_rules! claim_lock {
    () => {
        " FOR UPDATE SKIP LOCKED"
    };
}

/// The UTC date of a `timestamptz` column, whatever the session's time zone.
macro_rules! utc_day {
    ($column:literal) => {
        concat!("(", $column, " AT TIME ZONE 'UTC')::date")
    };
}

// The server's ports (access, webhooks, reports), shared with SQLite the same way.
#[path = "access_impl.rs"]
mod access_impl;
#[path = "access_ops.rs"]
mod access_ops;
#[path = "lease.rs"]
mod lease;
#[path = "session_keys.rs"]
mod session_keys;
#[path = "sessions.rs"]
mod sessions;

/// Work on a pooled connection, returning its result.
trait Work<T>:
    for<'c> FnOnce(&'c mut PgConnection) -> BoxFuture<'c, Result<T>> + Send + 'static
{
}

impl<T, F> Work<T> for F where
    F: for<'c> FnOnce(&'c mut PgConnection) -> BoxFuture<'c, Result<T>> + Send + 'static
{
}

/// How a [`PostgresStore`] connects.
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    /// The most connections the pool opens (default 10).
    pub max_connections: u32,
    /// How long to wait for a connection, including the first one (default 10 s).
    pub acquire_timeout: Duration,
    /// Keep wabot's tables in this schema (created if missing) instead of the server's default
    /// `search_path`. Letters, digits and `_` only.
    pub schema: Option<String>,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(10),
            schema: None,
        }
    }
}

/// Every store port on a PostgreSQL database, through a connection pool. Several processes
/// (server replicas) may share one database: every multi-statement change is one transaction
/// and the races the ports care about (inbound dedupe, lead creation, schedule claims,
/// round-robin) are settled by the database.
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`) with the default
    /// [`PostgresOptions`] and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, PostgresOptions::default()).await
    }

    /// Like [`connect`](Self::connect), with explicit options.
    pub async fn connect_with(url: &str, options: PostgresOptions) -> Result<Self> {
        let shown = redact_url(url);
        let mut connect = PgConnectOptions::from_str(url).map_err(|e| {
            Error::storage(
                format!(
                    "invalid PostgreSQL URL {shown}: {e}; expected \
                     postgres://user:password@host:port/database"
                ),
                false,
            )
        })?;
        if let Some(schema) = &options.schema {
            check_schema_name(schema)?;
            connect = connect.options([("search_path", schema.as_str())]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await
            .map_err(|e| {
                let transient = matches!(
                    e,
                    sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::Tls(_)
                );
                Error::storage(
                    format!(
                        "cannot connect to PostgreSQL at {shown}: {e}; check that the server is \
                         running and reachable and that the user, password and database exist"
                    ),
                    transient,
                )
            })?;
        if let Some(schema) = &options.schema {
            pool.execute(sqlx::AssertSqlSafe(format!(
                "CREATE SCHEMA IF NOT EXISTS \"{schema}\""
            )))
            .await
            .map_err(|e| crate::error::db_error("creating the schema", e))?;
        }
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| {
                Error::storage(
                    format!(
                        "migrating the PostgreSQL database at {shown} failed: {e}; if the \
                         database was written by a newer wabot, upgrade this one"
                    ),
                    false,
                )
            })?;
        Ok(Self { pool })
    }

    /// The connection pool, for hosts that keep their own tables next to wabot's.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn read<T: Send + 'static>(&self, work: impl Work<T>) -> Result<T> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(|e| crate::error::db_error("acquiring a connection", e))?;
        work(&mut conn).await
    }

    async fn write<T: Send + 'static>(&self, work: impl Work<T>) -> Result<T> {
        self.read(work).await
    }
}

fn check_schema_name(schema: &str) -> Result<()> {
    let valid = !schema.is_empty()
        && schema.len() <= 63
        && !schema.starts_with(|c: char| c.is_ascii_digit())
        && schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(Error::storage(
            format!(
                "invalid PostgreSQL schema name `{schema}`: use 1–63 letters, digits and `_`, \
                 not starting with a digit"
            ),
            false,
        ))
    }
}
