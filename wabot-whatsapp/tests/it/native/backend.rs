//! The whatsapp-rust storage `Backend` adapter over real stores: what one store instance
//! writes, another instance on the same database (a restart, or another process) reads; values
//! are sealed with their bot and key; a wipe leaves nothing. Memory and a SQLite file here; the
//! SQL of the port itself runs the shared conformance suite on SQLite and PostgreSQL
//! (`wabot-store`).

use std::{sync::Arc, time::Duration};

use wabot_core::{
    memory::MemoryStore,
    ports::{MessagingTransport, SessionKeyStore},
};
use wabot_store::SqliteStore;
use wabot_whatsapp::native::{KeyCipher, SessionBackend};
use whatsapp_rust::{
    bytes::Bytes,
    store::traits::{AppStateSyncKey, AppSyncStore, LidPnMappingEntry, ProtocolStore, SignalStore},
    wacore::appstate::processor::AppStateMutationMAC,
};

use super::{FakeWhatsApp, add_bot, next_qr, start};

/// A stand-in for the server's cipher: the value is reversed behind a copy of `aad`, and
/// `open` refuses any other `aad` — enough to see what the store holds and what binds it.
struct TaggingCipher;

impl KeyCipher for TaggingCipher {
    fn seal(&self, aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, String> {
        let mut out = aad.to_vec();
        out.push(0);
        out.extend(plain.iter().rev());
        Ok(out)
    }

    fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, String> {
        let body = sealed
            .strip_prefix(aad)
            .and_then(|rest| rest.strip_prefix(&[0]))
            .ok_or("sealed for another bot or key")?;
        Ok(body.iter().rev().copied().collect())
    }
}

fn backend(store: Arc<dyn SessionKeyStore>, bot: wabot_core::ids::BotId) -> SessionBackend {
    SessionBackend::new(store, Arc::new(TaggingCipher), bot)
}

/// Writes a bit of every kind of session state through `b`.
async fn write_session_state(b: &SessionBackend) {
    let sessions = [
        (
            Arc::from("34612345678.0:1"),
            Bytes::from_static(b"session-1"),
        ),
        (
            Arc::from("100000012345678.1:0"),
            Bytes::from_static(b"session-2"),
        ),
    ];
    b.put_sessions_batch(&sessions).await.unwrap();
    b.put_identity("34612345678.0:1", [9; 32]).await.unwrap();
    let prekeys: Vec<(u32, Bytes)> = (1..=12)
        .map(|i| (i, Bytes::from(vec![i as u8; 4])))
        .collect();
    b.store_prekeys_batch(&prekeys, false).await.unwrap();
    b.mark_prekeys_uploaded(&[1, 2]).await.unwrap();
    b.store_signed_prekey(7, b"signed").await.unwrap();
    b.put_lid_mapping(&LidPnMappingEntry {
        lid: "100000012345678".into(),
        phone_number: "34612345678".into(),
        created_at: 1,
        updated_at: 2,
        learning_source: "usync".into(),
    })
    .await
    .unwrap();
    for (id, ts) in [(b"old".as_slice(), 10), (b"new".as_slice(), 20)] {
        let key = AppStateSyncKey {
            key_data: id.to_vec(),
            fingerprint: Vec::new(),
            timestamp: ts,
        };
        b.set_sync_key(id, key).await.unwrap();
    }
    let macs = [AppStateMutationMAC {
        index_mac: vec![1, 2, 3],
        value_mac: vec![4, 5, 6],
    }];
    b.put_mutation_macs("regular/high", 3, &macs).await.unwrap();
}

/// Reads back what [`write_session_state`] wrote.
async fn assert_session_state(b: &SessionBackend) {
    assert_eq!(
        b.get_session("34612345678.0:1").await.unwrap().as_deref(),
        Some(b"session-1".as_slice())
    );
    assert_eq!(
        b.get_session("100000012345678.1:0")
            .await
            .unwrap()
            .as_deref(),
        Some(b"session-2".as_slice())
    );
    assert_eq!(
        b.load_identity("34612345678.0:1").await.unwrap(),
        Some([9; 32])
    );
    assert_eq!(
        b.get_max_prekey_id().await.unwrap(),
        12,
        "ids order numerically, not as text"
    );
    assert_eq!(
        b.load_prekey(2).await.unwrap().as_deref(),
        Some([2u8; 4].as_slice()),
        "marking a pre-key uploaded keeps its record"
    );
    assert_eq!(
        b.load_all_signed_prekeys().await.unwrap(),
        vec![(7, b"signed".to_vec())]
    );
    let by_phone = b.get_pn_mapping("34612345678").await.unwrap().unwrap();
    assert_eq!(by_phone.lid, "100000012345678");
    assert_eq!(
        b.get_latest_sync_key_id().await.unwrap(),
        Some(b"new".to_vec())
    );
    assert_eq!(
        b.get_mutation_mac("regular/high", &[1, 2, 3])
            .await
            .unwrap(),
        Some(vec![4, 5, 6])
    );
}

#[tokio::test]
async fn session_state_written_before_a_restart_is_read_by_a_new_store_on_the_same_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wabot.db").display().to_string();
    let first = Arc::new(SqliteStore::open(&path).await.unwrap());
    let bot = add_bot(first.as_ref()).await;
    write_session_state(&backend(first.clone(), bot.id)).await;
    drop(first);

    let second = Arc::new(SqliteStore::open(&path).await.unwrap());

    assert_session_state(&backend(second, bot.id)).await;
}

#[tokio::test]
async fn the_memory_store_keeps_the_same_session_state() {
    let store = Arc::new(MemoryStore::new());
    let bot = add_bot(store.as_ref()).await;

    write_session_state(&backend(store.clone(), bot.id)).await;

    assert_session_state(&backend(store, bot.id)).await;
}

#[tokio::test]
async fn stored_values_are_sealed_and_bound_to_their_bot_and_key() {
    let store = Arc::new(MemoryStore::new());
    let bot = add_bot(store.as_ref()).await;
    let other = add_bot(store.as_ref()).await;
    let b = backend(store.clone(), bot.id);
    b.put_session("34612345678.0:1", b"ratchet-state")
        .await
        .unwrap();

    let raw = store
        .get_session_key(bot.id, "session/34612345678.0:1")
        .await
        .unwrap()
        .expect("the session is stored under its key");
    let copied = raw.clone();
    store
        .put_session_key(other.id, "session/34612345678.0:1", copied.clone())
        .await
        .unwrap();
    store
        .put_session_key(bot.id, "session/34600000000.0:1", copied)
        .await
        .unwrap();

    assert!(
        !raw.windows(13).any(|w| w == b"ratchet-state"),
        "not stored in the clear"
    );
    assert!(
        backend(store.clone(), other.id)
            .get_session("34612345678.0:1")
            .await
            .is_err()
    );
    assert!(b.get_session("34600000000.0:1").await.is_err());
}

#[tokio::test]
async fn a_wipe_deletes_the_whole_session_and_only_that_bots() {
    let store = Arc::new(MemoryStore::new());
    let bot = add_bot(store.as_ref()).await;
    let other = add_bot(store.as_ref()).await;
    write_session_state(&backend(store.clone(), bot.id)).await;
    write_session_state(&backend(store.clone(), other.id)).await;

    backend(store.clone(), bot.id).wipe().await.unwrap();

    assert!(
        store
            .list_session_keys(bot.id, "")
            .await
            .unwrap()
            .is_empty()
    );
    assert_session_state(&backend(store, other.id)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_process_on_the_same_database_resumes_the_device_without_new_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wabot.db").display().to_string();
    let server = FakeWhatsApp::new(&["2@first-ref"]);
    let first = Arc::new(SqliteStore::open(&path).await.unwrap());
    let bot = add_bot(first.as_ref()).await;
    let (transport, mut events, running) = start(first.clone(), &bot, &server);
    let before = next_qr(&mut events, Duration::from_secs(20)).await;
    transport.stop().await;
    running.await.unwrap().unwrap();
    drop(first);

    // A second store instance opened on the same file: what another replica would do.
    let second = Arc::new(SqliteStore::open(&path).await.unwrap());
    let (transport, mut events, running) = start(second, &bot, &server);
    let after = next_qr(&mut events, Duration::from_secs(20)).await;
    transport.stop().await;
    running.await.unwrap().unwrap();

    let keys = |code: &str| {
        code.split(',')
            .skip(1)
            .take(2)
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&before), keys(&after), "same Noise and identity keys");
}
