//! Opening stores: locations, URLs and the errors bad configuration gets.

use std::time::Duration;
use wabot_core::Error;

use wabot_store::{PostgresOptions, PostgresStore, SqliteStore, open_store};

fn storage_message(err: Error) -> (String, bool) {
    match err {
        Error::Storage { message, transient } => (message, transient),
        other => panic!("expected a storage error, got {other:?}"),
    }
}

#[tokio::test]
async fn sqlite_file_and_parent_directories_are_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/c/wabot.db");

    let store = open_store(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();

    assert!(path.exists());
    assert_eq!(store.get_workspace(Default::default()).await.unwrap(), None);
}

#[tokio::test]
async fn uncreatable_sqlite_directory_is_a_clear_permanent_error() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"not a directory").unwrap();
    let path = blocker.join("wabot.db");

    let err = SqliteStore::open(&path.display().to_string())
        .await
        .unwrap_err();

    let (message, transient) = storage_message(err);
    assert!(!transient);
    assert!(
        message.contains(&blocker.display().to_string()),
        "{message}"
    );
    assert!(message.contains("writable location"), "{message}");
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.db");
    std::fs::write(&path, vec![b'x'; 8192]).unwrap();

    let err = SqliteStore::open(&path.display().to_string())
        .await
        .unwrap_err();

    let (message, transient) = storage_message(err);
    assert!(!transient);
    assert!(message.contains("junk.db"), "{message}");
}

#[tokio::test]
async fn unreachable_postgres_names_the_url_without_its_password() {
    // Port 1 on loopback: nothing listens there.
    let url = "postgres://wabot:hunter2@127.0.0.1:1/wabot";

    let options = PostgresOptions {
        acquire_timeout: Duration::from_secs(1),
        ..Default::default()
    };

    let err = PostgresStore::connect_with(url, options).await.unwrap_err();

    let (message, transient) = storage_message(err);
    assert!(transient, "a server that is down may come up");
    assert!(
        message.contains("postgres://wabot:***@127.0.0.1:1/wabot"),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
    assert!(
        message.contains("check that the server is running"),
        "{message}"
    );
}

#[tokio::test]
async fn malformed_postgres_url_is_a_permanent_error() {
    let err = PostgresStore::connect("postgres://wabot:pw@host:notaport/db")
        .await
        .unwrap_err();

    let (message, transient) = storage_message(err);
    assert!(!transient);
    assert!(message.contains("invalid PostgreSQL URL"), "{message}");
    assert!(!message.contains(":pw@"), "{message}");
}

#[tokio::test]
async fn unknown_url_scheme_is_rejected() {
    let err = match open_store("mysql://root:pw@localhost/wabot").await {
        Ok(_) => panic!("a MySQL URL must be rejected"),
        Err(e) => e,
    };

    let (message, transient) = storage_message(err);
    assert!(!transient);
    assert!(message.contains("unsupported database URL"), "{message}");
    assert!(!message.contains(":pw@"), "{message}");
}

#[tokio::test]
async fn in_memory_sqlite_works_through_open_store() {
    let store = open_store("sqlite::memory:").await.unwrap();

    assert_eq!(store.list_bots(None).await.unwrap(), vec![]);
}

#[tokio::test]
async fn open_store_picks_postgres_for_postgres_urls() {
    let url = super::postgres::database_url();

    let store = open_store(&url).await.unwrap();

    assert!(store.next_due_at().await.is_ok());
}
