//! SQLite under contention: another process holding the write lock.

use std::time::Duration;

use chrono::{SubsecRound as _, Utc};
use sqlx::{Connection as _, Executor as _, SqliteConnection};
use wabot_core::{
    Error,
    domain::{Workspace, WorkspaceName},
    ids::WorkspaceId,
    ports::WorkspaceStore,
};
use wabot_store::{SqliteOptions, SqliteStore};

#[tokio::test]
async fn a_database_locked_by_another_process_gives_transient_errors_and_reads_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wabot.db").display().to_string();
    let options = SqliteOptions {
        busy_timeout: Duration::from_millis(100),
        ..Default::default()
    };
    let store = SqliteStore::open_with(&path, options).await.unwrap();
    let existing = Workspace {
        id: WorkspaceId::new(),
        name: WorkspaceName::parse("Existing").unwrap(),
        created_at: Utc::now().trunc_subsecs(6),
    };
    store.create_workspace(&existing).await.unwrap();
    let mut other = SqliteConnection::connect(&format!("sqlite://{path}"))
        .await
        .unwrap();
    other.execute("BEGIN IMMEDIATE").await.unwrap();
    let blocked = Workspace {
        id: WorkspaceId::new(),
        ..existing.clone()
    };

    let err = store.create_workspace(&blocked).await.unwrap_err();
    let read = store.get_workspace(existing.id).await;
    other.execute("ROLLBACK").await.unwrap();
    let retried = store.create_workspace(&blocked).await;

    assert!(err.is_transient(), "got {err:?}");
    assert!(matches!(err, Error::Storage { .. }), "got {err:?}");
    assert_eq!(read.unwrap(), Some(existing));
    retried.unwrap();
    assert!(store.get_workspace(blocked.id).await.unwrap().is_some());
}
