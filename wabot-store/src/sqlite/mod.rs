//! [`SqliteStore`]: every store port on one SQLite file.

mod writer;

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use wabot_core::{Error, Result};

use self::writer::{Work, Writer};

/// SQLite writes run inside the writer's batch transaction (see `ops`).
const TRANSACTION_PER_OP: bool = false;

type Db = sqlx::Sqlite;
type Backend = SqliteStore;

// The queries and port implementations are shared with PostgreSQL: the same files, compiled
// again against `Db = Sqlite`.
#[expect(
    clippy::duplicate_mod,
    reason = "compiled once per backend, with its own `Db`"
)]
#[path = "../ops.rs"]
mod ops;
#[expect(
    clippy::duplicate_mod,
    reason = "compiled once per backend, with its own `Backend`"
)]
#[path = "../store_impl.rs"]
mod store_impl;

/// No row lock when claiming webhook deliveries: the single writer already serialises claims
/// (see `access_ops`).
macro_rules! claim_lock {
    () => {
        ""
    };
}

/// The UTC date (`YYYY-MM-DD`) of a timestamp column (integer microseconds).
macro_rules! utc_day {
    ($column:literal) => {
        concat!("date(", $column, " / 1000000, 'unixepoch')")
    };
}

// The server's ports (access, webhooks, reports), shared with PostgreSQL the same way.
#[expect(
    clippy::duplicate_mod,
    reason = "compiled once per backend, with its own `Backend`"
)]
#[path = "../access_impl.rs"]
mod access_impl;
#[expect(
    clippy::duplicate_mod,
    reason = "compiled once per backend, with its own `Db`"
)]
#[path = "../access_ops.rs"]
mod access_ops;
#[expect(
    clippy::duplicate_mod,
    reason = "compiled once per backend, with its own `Backend`"
)]
#[path = "../lease.rs"]
mod lease;
#[expect(
    clippy::duplicate_mod,
    reason = "compiled once per backend, with its own `Backend`"
)]
#[path = "../session_keys.rs"]
mod session_keys;
#[expect(
    clippy::duplicate_mod,
    reason = "compiled once per backend, with its own `Backend`"
)]
#[path = "../sessions.rs"]
mod sessions;

/// When a committed write reaches the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous=FULL`: the WAL is fsynced at every commit, so an acknowledged write survives
    /// a power loss or an OS crash. With group commit one fsync covers every write of a batch.
    #[default]
    Full,
    /// `synchronous=NORMAL`: an acknowledged write survives a crash of the process, but the
    /// last commits before a power loss may be lost (the database stays consistent).
    Normal,
}

/// How a [`SqliteStore`] opens its database.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// When commits reach the disk (default [`Durability::Full`]).
    pub durability: Durability,
    /// How long a statement waits for another process holding the database lock (default 5 s).
    pub busy_timeout: Duration,
    /// Size of the read-only connection pool (default 4).
    pub readers: u32,
    /// The most writes committed together in one transaction (default 512).
    pub max_batch: usize,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            durability: Durability::Full,
            busy_timeout: Duration::from_secs(5),
            readers: 4,
            max_batch: 512,
        }
    }
}

/// Every store port on a SQLite database file (or an in-memory database).
///
/// Writes go through one writer connection with group commit (see the crate docs); reads use a
/// small pool of read-only connections, which in WAL mode never wait for the writer. An
/// in-memory database (`sqlite::memory:`) lives on the writer connection alone, so reads go
/// through the writer too, and it is gone when the store is dropped.
///
/// The store needs a Tokio runtime: opening it spawns the writer task on the current one.
/// Dropping the last clone of the store stops the writer after the writes already submitted.
#[derive(Clone)]
pub struct SqliteStore {
    writer: Writer,
    readers: Option<SqlitePool>,
    location: String,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

/// Where a SQLite database lives.
enum Location {
    Memory,
    File(PathBuf),
}

fn parse_location(raw: &str) -> Location {
    let trimmed = raw.trim();
    let without_scheme = trimmed
        .strip_prefix("sqlite://")
        .or_else(|| trimmed.strip_prefix("sqlite:"))
        .unwrap_or(trimmed);
    let path = without_scheme
        .split_once('?')
        .map_or(without_scheme, |(path, _)| path);
    if path.is_empty() || path == ":memory:" {
        Location::Memory
    } else {
        Location::File(PathBuf::from(path))
    }
}

impl SqliteStore {
    /// Opens (creating it and its directory if missing) the database at `location` with the
    /// default [`SqliteOptions`], and brings its schema up to date.
    ///
    /// `location` is a path (`data/wabot.db`), a URL (`sqlite://data/wabot.db`,
    /// `sqlite:data/wabot.db`; query parameters are ignored) or `sqlite::memory:`.
    pub async fn open(location: &str) -> Result<Self> {
        Self::open_with(location, SqliteOptions::default()).await
    }

    /// Like [`open`](Self::open), with explicit options.
    pub async fn open_with(location: &str, options: SqliteOptions) -> Result<Self> {
        match parse_location(location) {
            Location::Memory => {
                let connect = base_options(&options).in_memory(true);
                let writer = open_writer(connect, "an in-memory database", &options).await?;
                Ok(Self {
                    writer,
                    readers: None,
                    location: "sqlite::memory:".into(),
                })
            }
            Location::File(path) => Self::open_file(&path, &options).await,
        }
    }

    async fn open_file(path: &Path, options: &SqliteOptions) -> Result<Self> {
        let shown = path.display().to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                Error::storage(
                    format!(
                        "cannot create the directory {} for the SQLite database {shown}: {e}; \
                         create it yourself or point the database URL at a writable location",
                        dir.display()
                    ),
                    false,
                )
            })?;
        }
        let connect = base_options(options).filename(path).create_if_missing(true);
        let writer = open_writer(connect.clone(), &shown, options).await?;
        let readers = SqlitePoolOptions::new()
            .max_connections(options.readers.max(1))
            .min_connections(0)
            // A local file's connection cannot go stale: skip the ping (a round trip to the
            // connection's thread) before every read.
            .test_before_acquire(false)
            .connect_with(connect.pragma("query_only", "ON"))
            .await
            .map_err(|e| open_error(&shown, e))?;
        Ok(Self {
            writer,
            readers: Some(readers),
            location: shown,
        })
    }

    /// The database this store works on (a path, or `sqlite::memory:`).
    pub fn location(&self) -> &str {
        &self.location
    }

    async fn read<T: Send + 'static>(&self, work: impl Work<T>) -> Result<T> {
        match &self.readers {
            Some(pool) => {
                let mut conn = pool
                    .acquire()
                    .await
                    .map_err(|e| crate::error::db_error("acquiring a read connection", e))?;
                work(&mut conn).await
            }
            None => self.writer.run(work).await,
        }
    }

    async fn write<T: Send + 'static>(&self, work: impl Work<T>) -> Result<T> {
        self.writer.run(work).await
    }
}

fn base_options(options: &SqliteOptions) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(match options.durability {
            Durability::Full => SqliteSynchronous::Full,
            Durability::Normal => SqliteSynchronous::Normal,
        })
        .busy_timeout(options.busy_timeout)
        .foreign_keys(true)
        .statement_cache_capacity(256)
}

fn open_error(shown: &str, e: sqlx::Error) -> Error {
    Error::storage(
        format!(
            "cannot open the SQLite database {shown}: {e}; check that the path is right, that \
             its directory is writable and that the file is a SQLite database"
        ),
        false,
    )
}

async fn open_writer(
    connect: SqliteConnectOptions,
    shown: &str,
    options: &SqliteOptions,
) -> Result<Writer> {
    // A one-connection pool only to migrate (the migrator's API is friendliest with a pool);
    // its connection then becomes the writer's.
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(connect)
        .await
        .map_err(|e| open_error(shown, e))?;
    sqlx::migrate!("./migrations/sqlite")
        .run(&pool)
        .await
        .map_err(|e| {
            Error::storage(
                format!(
                    "migrating the SQLite database {shown} failed: {e}; if the database was \
                     written by a newer wabot, upgrade this one"
                ),
                false,
            )
        })?;
    let conn: SqliteConnection = pool
        .acquire()
        .await
        .map_err(|e| open_error(shown, e))?
        .detach();
    pool.close().await;
    Ok(Writer::spawn(conn, options.max_batch))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_paths_urls_or_memory() {
        let path = |raw| match parse_location(raw) {
            Location::File(p) => Some(p),
            Location::Memory => None,
        };
        assert_eq!(path("data/wabot.db"), Some(PathBuf::from("data/wabot.db")));
        assert_eq!(
            path("sqlite://data/wabot.db?mode=rwc"),
            Some(PathBuf::from("data/wabot.db"))
        );
        assert_eq!(
            path("sqlite:///var/lib/wabot.db"),
            Some(PathBuf::from("/var/lib/wabot.db"))
        );
        assert_eq!(path("sqlite:wabot.db"), Some(PathBuf::from("wabot.db")));
        assert_eq!(path("sqlite::memory:"), None);
        assert_eq!(path(":memory:"), None);
    }
}
