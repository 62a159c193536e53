//! Bot ownership across server replicas: which replica runs which bot. Each bot is run by the
//! holder of its lease; a lease lasts until it expires unless its holder renews it, and every
//! change of holder increases the lease's fencing token, so work a stale holder tries after
//! losing the lease can be told apart (see [`crate::cluster`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{error::Result, ids::BotId};

/// A bot's lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The bot.
    pub bot_id: BotId,
    /// The replica holding it.
    pub holder: String,
    /// Increases by one every time another replica takes the lease (kept on renewal).
    pub token: i64,
    /// When the lease ends unless renewed.
    pub expires_at: DateTime<Utc>,
}

/// A live replica, as announced by its heartbeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replica {
    /// The replica's id (stable for its process).
    pub id: String,
    /// Its last heartbeat.
    pub seen_at: DateTime<Utc>,
}

/// Leases and replica heartbeats, shared by every replica through the database.
#[async_trait]
pub trait LeaseStore: Send + Sync {
    /// Takes or renews `bot`'s lease for `holder` until `until`: succeeds when the lease is free,
    /// expired at `now`, or already `holder`'s (a renewal keeps the token; a new holder gets the
    /// previous token + 1, the first one 1). `None` when another replica holds it.
    async fn acquire_lease(
        &self,
        bot: BotId,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<Lease>>;
    /// Gives `bot`'s lease up at once if `holder` holds it with `token` (so another replica can
    /// take it without waiting for it to expire); whether it did.
    async fn release_lease(&self, bot: BotId, holder: &str, token: i64) -> Result<bool>;
    /// Every lease, by bot id.
    async fn list_leases(&self) -> Result<Vec<Lease>>;
    /// Records `replica`'s heartbeat at `at`.
    async fn heartbeat(&self, replica: &str, at: DateTime<Utc>) -> Result<()>;
    /// Replicas whose last heartbeat is at or after `since`, by id.
    async fn live_replicas(&self, since: DateTime<Utc>) -> Result<Vec<Replica>>;
    /// Forgets a replica (clean shutdown), so others rebalance without waiting.
    async fn remove_replica(&self, replica: &str) -> Result<()>;
}
