//! Cases for [`SessionRevocationStore`](crate::ports::SessionRevocationStore): a logged-out
//! session stays refused by every replica and after a restart, until its token expires.

use chrono::{Duration, Utc};
use uuid::Uuid;

use super::TestDatabase;
use crate::ids::UserId;

/// A revoked session reads as revoked, from the same store and from a reopened one; other
/// sessions do not, and revoking twice is not an error.
pub async fn a_revoked_session_stays_revoked_after_reopening(db: &dyn TestDatabase) {
    let store = db.open().await;
    let (user, now) = (UserId::new(), Utc::now());
    let (ended, live) = (Uuid::new_v4(), Uuid::new_v4());

    store
        .revoke_session(ended, user, now + Duration::hours(1), now)
        .await
        .unwrap();
    store
        .revoke_session(ended, user, now + Duration::hours(2), now)
        .await
        .unwrap();

    assert!(store.is_session_revoked(ended).await.unwrap());
    assert!(!store.is_session_revoked(live).await.unwrap());
    let reopened = db.open().await;
    assert!(reopened.is_session_revoked(ended).await.unwrap());
    assert!(!reopened.is_session_revoked(live).await.unwrap());
}

/// Records of tokens that have expired are dropped by the next revocation; live ones are kept.
pub async fn expired_revocations_are_dropped(db: &dyn TestDatabase) {
    let store = db.open().await;
    let (user, now) = (UserId::new(), Utc::now());
    let (old, recent, next) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());

    let earlier = now - Duration::hours(3);
    store
        .revoke_session(old, user, earlier + Duration::hours(1), earlier)
        .await
        .unwrap();
    store
        .revoke_session(recent, user, now + Duration::hours(1), earlier)
        .await
        .unwrap();
    store
        .revoke_session(next, user, now + Duration::hours(1), now)
        .await
        .unwrap();

    assert!(!store.is_session_revoked(old).await.unwrap(), "expired");
    assert!(store.is_session_revoked(recent).await.unwrap());
    assert!(store.is_session_revoked(next).await.unwrap());
}
