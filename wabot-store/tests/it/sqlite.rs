//! The conformance suite on a SQLite file in a temporary directory, and SQLite specifics.

use std::sync::Arc;

use async_trait::async_trait;
use tempfile::TempDir;
use wabot_core::{conformance::TestDatabase, ports::ServerStore};
use wabot_store::SqliteStore;

/// A fresh SQLite file; every `open` is a new store instance on it (a restart).
pub(crate) struct SqliteDatabase {
    dir: TempDir,
}

impl SqliteDatabase {
    pub(crate) fn path(&self) -> String {
        self.dir
            .path()
            .join("nested/dir/wabot.db")
            .display()
            .to_string()
    }
}

pub(crate) async fn database() -> SqliteDatabase {
    SqliteDatabase {
        dir: tempfile::tempdir().expect("a temporary directory"),
    }
}

#[async_trait]
impl TestDatabase for SqliteDatabase {
    async fn open(&self) -> Arc<dyn ServerStore> {
        Arc::new(
            SqliteStore::open(&self.path())
                .await
                .expect("the SQLite store opens"),
        )
    }
}

mod conformance {
    use super::database;

    wabot_core::store_conformance_tests!(database);
}

mod memory {
    use std::sync::Arc;

    use async_trait::async_trait;
    use wabot_core::{conformance::TestDatabase, ports::ServerStore};
    use wabot_store::SqliteStore;

    /// An in-memory SQLite database: one store instance, shared by every `open`.
    pub(crate) struct InMemory(Arc<SqliteStore>);

    async fn database() -> InMemory {
        InMemory(Arc::new(
            SqliteStore::open("sqlite::memory:").await.expect("opens"),
        ))
    }

    #[async_trait]
    impl TestDatabase for InMemory {
        async fn open(&self) -> Arc<dyn ServerStore> {
            self.0.clone()
        }
    }

    wabot_core::store_conformance_tests!(database);
}
