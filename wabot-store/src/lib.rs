//! # wabot-store
//!
//! SQLite and PostgreSQL persistence for wabot: [`SqliteStore`] and [`PostgresStore`] implement
//! every store port of [`wabot_core::ports`] (and so [`Store`] and
//! [`ServerStore`](wabot_core::ports::ServerStore)), and pass the same conformance
//! suite as the in-memory store (`wabot_core::conformance`). [`open_store`] picks one from a
//! URL.
//!
//! ## SQLite: the default, one file
//!
//! The database file (and its directory) is created on first open and its schema migrated. The
//! file is in WAL mode with foreign keys on and a busy timeout, so readers never block the
//! writer and a second process on the same file waits instead of failing.
//!
//! All writes go through **one writer connection with group commit**: writes queued while a
//! transaction is running are committed together in the next one (`BEGIN IMMEDIATE`, so a
//! second process on the same file waits its turn). A caller is answered only after its write
//! is committed; if anything in a batch fails at the storage level, the whole batch is rolled
//! back and every caller in it gets the error.
//! By default the WAL is fsynced at every commit ([`Durability::Full`]): an acknowledged message
//! survives even a power loss, and group commit keeps that affordable under load (one fsync per
//! batch, not per message). [`Durability::Normal`] skips the fsync: still safe against a crash
//! of the process, not against losing power. Reads use a small pool of read-only connections.
//!
//! Timestamps are stored as integer microseconds since the Unix epoch, ids as 16-byte UUID
//! blobs (so `ORDER BY id` is UUID v7 time order), nested settings as JSON text.
//!
//! ## PostgreSQL: for several server replicas
//!
//! A pooled connection per operation; every multi-statement change is one transaction, and the
//! races that matter (inbound dedupe, lead get-or-create, schedule claims, round-robin
//! assignment) are settled by unique constraints, `ON CONFLICT` and row-level compare-and-set;
//! webhook deliveries are claimed with `FOR UPDATE SKIP LOCKED`, so replicas never take the same
//! one.
//! Timestamps are `timestamptz`, ids `uuid`, nested settings `jsonb`. Durability is the
//! server's (`synchronous_commit`).
//!
//! ## Errors
//!
//! Everything fails with [`wabot_core::Error`]: a unique violation is a
//! [`Conflict`](wabot_core::Error::Conflict), missing records get the same errors as in the
//! memory store, and database trouble is an [`Error::Storage`]
//! saying whether a retry may help (busy, locked, lost connection, pool timeout) or not. A bad
//! path or URL is reported with the (password-redacted) location and what to do about it.

use std::{future::Future, pin::Pin, sync::Arc};

use wabot_core::{Error, Result, ports::Store};

/// `on!(self.read, |c| ops::x(c, args))`: runs a query function on a read (or write) connection
/// of the backend. The arguments are moved into the work, so callers clone borrowed inputs
/// first. Used by `store_impl` and `access_impl`.
macro_rules! on {
    ($self:ident . $how:ident, | $c:ident | $call:expr) => {
        $self
            .$how(move |$c| Box::pin(async move { $call.await }))
            .await
    };
}

mod access_rows;
mod error;
mod postgres;
mod redis_bus;
mod rows;
mod sqlite;
mod ts;

pub use error::redact_url;
pub use postgres::{PostgresOptions, PostgresStore};
pub use redis_bus::RedisBus;
pub use sqlite::{Durability, SqliteOptions, SqliteStore};

/// A boxed, sendable future borrowing for `'a`.
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Opens the store a database URL names: `postgres://…` / `postgresql://…` connects a
/// [`PostgresStore`]; `sqlite:…`, `sqlite::memory:` or a plain file path opens a
/// [`SqliteStore`]. The schema is migrated either way.
pub async fn open_store(url: &str) -> Result<Arc<dyn Store>> {
    let trimmed = url.trim();
    if trimmed.starts_with("postgres://") || trimmed.starts_with("postgresql://") {
        return Ok(Arc::new(PostgresStore::connect(trimmed).await?));
    }
    if let Some((scheme, _)) = trimmed.split_once("://")
        && scheme != "sqlite"
    {
        return Err(Error::storage(
            format!(
                "unsupported database URL {}: use postgres://user:password@host/database, \
                 sqlite://path/to/file.db, sqlite::memory: or a file path",
                redact_url(trimmed)
            ),
            false,
        ));
    }
    if trimmed.is_empty() {
        return Err(Error::storage(
            "the database URL is empty: use postgres://user:password@host/database, \
             sqlite://path/to/file.db or a file path",
            false,
        ));
    }
    Ok(Arc::new(SqliteStore::open(trimmed).await?))
}
