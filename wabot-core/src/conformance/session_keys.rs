//! Cases for [`SessionKeyStore`](crate::ports::SessionKeyStore): a bot's session key material
//! (the native WhatsApp engine's Signal and device state), which must be durable, per bot, and
//! deleted with the bot.

use super::{
    TestDatabase,
    support::{bot, workspace},
};
use crate::{Error, ids::BotId, ports::SessionKeyWrite};

fn put(key: &str, value: &[u8]) -> SessionKeyWrite {
    SessionKeyWrite::Put {
        key: key.to_string(),
        value: value.to_vec(),
    }
}

fn delete(key: &str) -> SessionKeyWrite {
    SessionKeyWrite::Delete {
        key: key.to_string(),
    }
}

fn listed(entries: &[(&str, &[u8])]) -> Vec<(String, Vec<u8>)> {
    entries
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_vec()))
        .collect()
}

/// A key reads back what was last put, per bot; a missing key (or one of another bot) is
/// `None`, and deleting a missing key is not an error.
pub async fn session_keys_round_trip_per_bot(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let (a, b) = (bot(&*store, ws.id).await, bot(&*store, ws.id).await);

    store
        .put_session_key(a.id, "device", vec![1, 2])
        .await
        .unwrap();
    store
        .put_session_key(a.id, "device", vec![3, 0, 255])
        .await
        .unwrap();
    store
        .put_session_key(b.id, "device", vec![9])
        .await
        .unwrap();
    store
        .delete_session_key(a.id, "never-written")
        .await
        .unwrap();

    assert_eq!(
        store.get_session_key(a.id, "device").await.unwrap(),
        Some(vec![3, 0, 255])
    );
    assert_eq!(
        store.get_session_key(b.id, "device").await.unwrap(),
        Some(vec![9])
    );
    assert_eq!(store.get_session_key(a.id, "other").await.unwrap(), None);
}

/// A batch applies its changes in order (a put then a delete of the same key leaves nothing),
/// and a batch for a bot that does not exist fails with `BotNotFound` and writes nothing.
pub async fn a_batch_of_session_key_writes_applies_in_order_and_needs_the_bot(
    db: &dyn TestDatabase,
) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    let missing = BotId::new();

    store
        .write_session_keys(
            bot.id,
            vec![
                put("k/a", b"1"),
                put("k/b", b"2"),
                delete("k/a"),
                put("k/b", b"3"),
            ],
        )
        .await
        .unwrap();
    let refused = store
        .write_session_keys(missing, vec![put("k/a", b"1")])
        .await;

    assert_eq!(
        store.list_session_keys(bot.id, "").await.unwrap(),
        listed(&[("k/b", b"3")])
    );
    assert!(
        matches!(refused, Err(Error::BotNotFound(id)) if id == missing),
        "{refused:?}"
    );
    assert_eq!(store.list_session_keys(missing, "").await.unwrap(), vec![]);
}

/// Listing and deleting by prefix match the key's leading bytes exactly (`%` and `_` are not
/// wildcards), list in byte order, and the empty prefix means every key of the bot.
pub async fn session_keys_are_listed_and_deleted_by_prefix_in_key_order(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let (bot, other) = (bot(&*store, ws.id).await, bot(&*store, ws.id).await);
    store
        .write_session_keys(
            bot.id,
            vec![
                put("session/b", b"b"),
                put("session/a", b"a"),
                put("sessions", b"s"),
                put("s%/x", b"p"),
                put("s_/x", b"u"),
                put("prekey/1", b"1"),
            ],
        )
        .await
        .unwrap();
    store
        .put_session_key(other.id, "session/a", b"o".to_vec())
        .await
        .unwrap();

    let sessions = store.list_session_keys(bot.id, "session/").await.unwrap();
    let percent = store.list_session_keys(bot.id, "s%").await.unwrap();
    let deleted = store.delete_session_keys(bot.id, "s_").await.unwrap();
    let cleared = store.clear_session_keys(bot.id).await.unwrap();

    assert_eq!(
        sessions,
        listed(&[("session/a", b"a"), ("session/b", b"b")])
    );
    assert_eq!(percent, listed(&[("s%/x", b"p")]));
    assert_eq!((deleted, cleared), (1, 5));
    assert_eq!(store.list_session_keys(bot.id, "").await.unwrap(), vec![]);
    assert_eq!(
        store.list_session_keys(other.id, "").await.unwrap(),
        listed(&[("session/a", b"o")])
    );
}

/// Deleting a bot deletes its session keys with it.
pub async fn deleting_a_bot_deletes_its_session_keys(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    store
        .put_session_key(bot.id, "device", vec![1])
        .await
        .unwrap();

    store.delete_bot(bot.id).await.unwrap();

    assert_eq!(store.get_session_key(bot.id, "device").await.unwrap(), None);
    assert_eq!(store.list_session_keys(bot.id, "").await.unwrap(), vec![]);
}

/// What one store instance wrote is read by another instance on the same database (a restart,
/// or another process taking the bot over), including large values.
pub async fn session_keys_are_seen_by_a_reopened_store(db: &dyn TestDatabase) {
    let first = db.open().await;
    let ws = workspace(&*first).await;
    let bot = bot(&*first, ws.id).await;
    let big: Vec<u8> = (0..64 * 1024).map(|i| (i % 251) as u8).collect();
    first
        .write_session_keys(bot.id, vec![put("device", &big), put("identity/x", b"k")])
        .await
        .unwrap();

    let second = db.open().await;

    assert_eq!(
        second.get_session_key(bot.id, "device").await.unwrap(),
        Some(big)
    );
    assert_eq!(
        second.list_session_keys(bot.id, "identity/").await.unwrap(),
        listed(&[("identity/x", b"k")])
    );
}
