//! [`SessionRevocationStore`] for [`MemoryStore`]: revoked session ids with their expiry, the
//! SQL stores' semantics (checked by the conformance suite).

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::store::MemoryStore;
use crate::{error::Result, ids::UserId, ports::SessionRevocationStore};

/// Revoked sessions in memory: session id → when its token expires.
#[derive(Default)]
pub(super) struct RevokedSessions {
    sessions: HashMap<Uuid, DateTime<Utc>>,
}

#[async_trait]
impl SessionRevocationStore for MemoryStore {
    async fn revoke_session(
        &self,
        sid: Uuid,
        _user: UserId,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.with(|s| {
            let sessions = &mut s.revoked_sessions.sessions;
            sessions.retain(|_, exp| *exp >= now);
            sessions.entry(sid).or_insert(expires_at);
        });
        Ok(())
    }

    async fn is_session_revoked(&self, sid: Uuid) -> Result<bool> {
        Ok(self.with(|s| s.revoked_sessions.sessions.contains_key(&sid)))
    }
}
