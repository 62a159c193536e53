//! Ended dashboard sessions. A session token is a signed JWT the server does not store; logging
//! out or refreshing records the token's session id here until the token would have expired
//! anyway, so every replica, and this one after a restart, refuses it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{error::Result, ids::UserId};

/// Revoked session ids, shared by every replica through the database.
#[async_trait]
pub trait SessionRevocationStore: Send + Sync {
    /// Records that session `sid` of `user` has ended. `expires_at` is when its token expires
    /// (the record is useless after that); records that expired before `now` are dropped.
    /// Revoking a revoked session again changes nothing.
    async fn revoke_session(
        &self,
        sid: Uuid,
        user: UserId,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Whether session `sid` has been revoked.
    async fn is_session_revoked(&self, sid: Uuid) -> Result<bool>;
}
