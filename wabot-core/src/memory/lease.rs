//! [`LeaseStore`] for [`MemoryStore`]: one process's view, with the SQL stores' semantics
//! (checked by the conformance suite).

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::store::MemoryStore;
use crate::{
    error::Result,
    ids::BotId,
    ports::{Lease, LeaseStore, Replica},
};

/// Leases and heartbeats in memory.
#[derive(Default)]
pub(super) struct LeaseState {
    leases: BTreeMap<BotId, Lease>,
    replicas: BTreeMap<String, DateTime<Utc>>,
}

#[async_trait]
impl LeaseStore for MemoryStore {
    async fn acquire_lease(
        &self,
        bot: BotId,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<Lease>> {
        Ok(self.with(|s| {
            let leases = &mut s.leases.leases;
            let token = match leases.get(&bot) {
                None => 1,
                Some(l) if l.holder == holder => l.token,
                Some(l) if l.expires_at <= now => l.token + 1,
                Some(_) => return None,
            };
            let lease = Lease {
                bot_id: bot,
                holder: holder.to_string(),
                token,
                expires_at: until,
            };
            leases.insert(bot, lease.clone());
            Some(lease)
        }))
    }

    async fn release_lease(&self, bot: BotId, holder: &str, token: i64) -> Result<bool> {
        Ok(self.with(|s| match s.leases.leases.get_mut(&bot) {
            Some(l) if l.holder == holder && l.token == token => {
                // Expired now, token kept: the next holder gets token + 1.
                l.expires_at = DateTime::<Utc>::UNIX_EPOCH;
                true
            }
            _ => false,
        }))
    }

    async fn list_leases(&self) -> Result<Vec<Lease>> {
        Ok(self.with(|s| s.leases.leases.values().cloned().collect()))
    }

    async fn heartbeat(&self, replica: &str, at: DateTime<Utc>) -> Result<()> {
        self.with(|s| {
            s.leases.replicas.insert(replica.to_string(), at);
        });
        Ok(())
    }

    async fn live_replicas(&self, since: DateTime<Utc>) -> Result<Vec<Replica>> {
        Ok(self.with(|s| {
            s.leases
                .replicas
                .iter()
                .filter(|(_, seen)| **seen >= since)
                .map(|(id, seen)| Replica {
                    id: id.clone(),
                    seen_at: *seen,
                })
                .collect()
        }))
    }

    async fn remove_replica(&self, replica: &str) -> Result<()> {
        self.with(|s| {
            s.leases.replicas.remove(replica);
        });
        Ok(())
    }
}
