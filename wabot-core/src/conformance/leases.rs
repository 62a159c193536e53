//! Cases for [`LeaseStore`](crate::ports::LeaseStore): bot leases between replicas and their
//! heartbeats.

use super::{
    TestDatabase,
    support::{now, secs},
};
use crate::ids::BotId;

/// A free lease is taken with token 1, renewed by its holder with the same token and a new
/// expiry, and refused to another replica while it lasts.
pub async fn a_lease_is_taken_renewed_by_its_holder_and_refused_to_others(db: &dyn TestDatabase) {
    let store = db.open().await;
    let bot = BotId::new();
    let t0 = now();

    let taken = store
        .acquire_lease(bot, "replica-a", t0, secs(t0, 15))
        .await
        .unwrap()
        .expect("a free lease is taken");
    let renewed = store
        .acquire_lease(bot, "replica-a", secs(t0, 5), secs(t0, 20))
        .await
        .unwrap()
        .expect("the holder renews");
    let refused = store
        .acquire_lease(bot, "replica-b", secs(t0, 10), secs(t0, 25))
        .await
        .unwrap();

    assert_eq!((taken.holder.as_str(), taken.token), ("replica-a", 1));
    assert_eq!(taken.expires_at, secs(t0, 15));
    assert_eq!(renewed.token, 1);
    assert_eq!(renewed.expires_at, secs(t0, 20));
    assert_eq!(refused, None);
    assert_eq!(store.list_leases().await.unwrap(), vec![renewed]);
}

/// An expired lease, or one its holder released, goes to the next replica with a higher token;
/// a release with a stale token changes nothing.
pub async fn an_expired_or_released_lease_passes_on_with_a_higher_token(db: &dyn TestDatabase) {
    let store = db.open().await;
    let bot = BotId::new();
    let t0 = now();
    store
        .acquire_lease(bot, "replica-a", t0, secs(t0, 15))
        .await
        .unwrap()
        .unwrap();

    let after_expiry = store
        .acquire_lease(bot, "replica-b", secs(t0, 15), secs(t0, 30))
        .await
        .unwrap()
        .expect("an expired lease is taken");
    let stale_release = store.release_lease(bot, "replica-a", 1).await.unwrap();
    let released = store.release_lease(bot, "replica-b", 2).await.unwrap();
    let after_release = store
        .acquire_lease(bot, "replica-a", secs(t0, 16), secs(t0, 31))
        .await
        .unwrap()
        .expect("a released lease is taken at once");

    assert_eq!(after_expiry.token, 2);
    assert!(!stale_release);
    assert!(released);
    assert_eq!(
        (after_release.holder.as_str(), after_release.token),
        ("replica-a", 3)
    );
}

/// Of eight replicas racing for one free lease, exactly one gets it.
pub async fn racing_replicas_take_a_lease_exactly_once(db: &dyn TestDatabase) {
    let store = db.open().await;
    let bot = BotId::new();
    let t0 = now();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .acquire_lease(bot, &format!("replica-{i}"), t0, secs(t0, 15))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        won += usize::from(task.await.unwrap().is_some());
    }
    assert_eq!(won, 1);
}

/// Heartbeats make a replica live until it is silent for longer than the window, or removed.
pub async fn heartbeats_list_live_replicas(db: &dyn TestDatabase) {
    let store = db.open().await;
    let t0 = now();
    store.heartbeat("replica-b", t0).await.unwrap();
    store.heartbeat("replica-a", secs(t0, -30)).await.unwrap();
    store.heartbeat("replica-c", t0).await.unwrap();
    store.heartbeat("replica-c", secs(t0, 2)).await.unwrap();
    store.remove_replica("replica-b").await.unwrap();

    let live = store.live_replicas(secs(t0, -10)).await.unwrap();

    let ids: Vec<&str> = live.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["replica-c"]);
    assert_eq!(live[0].seen_at, secs(t0, 2));
}
