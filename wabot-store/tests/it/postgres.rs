//! The conformance suite on PostgreSQL from `DATABASE_URL`, each case in a fresh schema so the
//! cases run in parallel.

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::{Connection as _, Executor as _, PgConnection};
use wabot_core::{conformance::TestDatabase, ports::ServerStore};
use wabot_store::{PostgresOptions, PostgresStore};

/// The server URL, or a failure telling how to get one: these tests never skip silently.
pub(crate) fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "DATABASE_URL is not set: the PostgreSQL tests need a server. Run ./scripts/test, \
             which starts a throwaway PostgreSQL and sets DATABASE_URL, or set it yourself \
             (postgres://user@host:port/database)"
        )
    })
}

/// A fresh schema on the test server; every `open` is a new store instance on it.
pub(crate) struct PostgresDatabase {
    url: String,
    schema: String,
}

pub(crate) async fn database() -> PostgresDatabase {
    let url = database_url();
    let schema = format!("wabot_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to DATABASE_URL: {e}"));
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .await
        .expect("the test schema is created");
    PostgresDatabase { url, schema }
}

#[async_trait]
impl TestDatabase for PostgresDatabase {
    async fn open(&self) -> Arc<dyn ServerStore> {
        let options = PostgresOptions {
            max_connections: 5,
            schema: Some(self.schema.clone()),
            ..Default::default()
        };
        Arc::new(
            PostgresStore::connect_with(&self.url, options)
                .await
                .expect("the PostgreSQL store connects"),
        )
    }

    async fn cleanup(&self) {
        if let Ok(mut admin) = PgConnection::connect(&self.url).await {
            let _ = admin
                .execute(sqlx::AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS {} CASCADE",
                    self.schema
                )))
                .await;
        }
    }
}

mod conformance {
    use super::database;

    wabot_core::store_conformance_tests!(database);
}
