//! Running each bot on exactly one of several replicas (ARCHITECTURE.md, "Replicas").
//!
//! Every replica runs a [`Coordinator`] next to its [`Supervisor`]. Each round
//! ([`Coordinator::tick`]) it announces itself (a heartbeat), reads which replicas are alive
//! and which bots are enabled, and works out each bot's owner by rendezvous hashing over the
//! live replicas — every replica computes the same answer without talking to the others, bots
//! spread evenly, and when a replica joins or leaves only its share moves. It then:
//!
//! - takes (or renews) the lease of each bot it owns and starts it on its supervisor;
//! - hands over a bot another live replica now owns: stops it and releases the lease at once;
//! - stops a bot whose lease it lost (it could not renew in time) or that was disabled.
//!
//! A replica killed with `kill -9` stops renewing: once its leases expire (the lease time,
//! default 15 s) and its heartbeat is older than that, the others take its bots. A replica
//! stopping cleanly ([`Coordinator::shutdown`]) releases its leases and leaves the replica list,
//! so the others take over at their next round.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::sync::watch;

use crate::{
    error::Result,
    ids::BotId,
    ports::{Clock, LeaseStore, Store},
    supervisor::Supervisor,
};

/// How a replica takes part in the cluster.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// This replica's id: unique among the replicas and stable for the process.
    pub replica_id: String,
    /// How long a lease lasts without renewal: the longest a dead replica's bots wait.
    pub lease: Duration,
    /// How often the coordinator runs a round (a third of the lease by default).
    pub interval: Duration,
}

impl ClusterConfig {
    /// A replica `replica_id` with leases of `lease`, renewed every third of it.
    pub fn new(replica_id: impl Into<String>, lease: Duration) -> Self {
        Self {
            replica_id: replica_id.into(),
            lease,
            interval: lease / 3,
        }
    }
}

/// What one [`Coordinator::tick`] changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Round {
    /// Bots this replica started (new leases).
    pub started: Vec<BotId>,
    /// Bots this replica stopped (handed over, disabled, or lease lost).
    pub stopped: Vec<BotId>,
    /// Bots this replica runs after the round.
    pub running: usize,
    /// Live replicas seen, this one included.
    pub replicas: usize,
}

/// Takes and gives up bots' leases for one replica and starts or stops them accordingly.
pub struct Coordinator {
    leases: Arc<dyn LeaseStore>,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    supervisor: Supervisor,
    config: ClusterConfig,
    /// Bots this replica holds, with the fencing token of its lease.
    held: Mutex<HashMap<BotId, i64>>,
}

impl Coordinator {
    /// A coordinator for the replica of `supervisor`.
    pub fn new(
        leases: Arc<dyn LeaseStore>,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        supervisor: Supervisor,
        config: ClusterConfig,
    ) -> Self {
        Self {
            leases,
            store,
            clock,
            supervisor,
            config,
            held: Mutex::new(HashMap::new()),
        }
    }

    /// This replica's id.
    pub fn replica_id(&self) -> &str {
        &self.config.replica_id
    }

    /// The fencing token of this replica's lease of `bot`, if it holds one.
    pub fn token(&self, bot: BotId) -> Option<i64> {
        self.held_now().get(&bot).copied()
    }

    fn held_now(&self) -> HashMap<BotId, i64> {
        self.held.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// One round (see the module docs).
    pub async fn tick(&self) -> Result<Round> {
        let me = self.config.replica_id.as_str();
        let now = self.clock.now();
        let lease = chrono::Duration::from_std(self.config.lease).unwrap_or(chrono::Duration::MAX);
        self.leases.heartbeat(me, now).await?;
        let mut replicas: Vec<String> = self
            .leases
            .live_replicas(now - lease)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
        if !replicas.iter().any(|r| r == me) {
            replicas.push(me.to_string());
        }
        let enabled: HashSet<BotId> = self
            .store
            .list_bots(None)
            .await?
            .into_iter()
            .filter(|b| b.enabled)
            .map(|b| b.id)
            .collect();
        let mut round = Round {
            replicas: replicas.len(),
            ..Round::default()
        };
        let held = self.held_now();

        // Bots held that this replica should no longer run: hand them over now.
        for (&bot, &token) in &held {
            if enabled.contains(&bot) && owner(bot, &replicas) == Some(me) {
                continue;
            }
            self.supervisor.stop_bot(bot).await;
            self.forget(bot);
            if let Err(e) = self.leases.release_lease(bot, me, token).await {
                tracing::warn!(%bot, "could not release the lease (it will expire): {e}");
            }
            round.stopped.push(bot);
        }

        // Bots this replica owns: take or renew their leases.
        for &bot in enabled.iter().filter(|b| owner(**b, &replicas) == Some(me)) {
            match self.leases.acquire_lease(bot, me, now, now + lease).await? {
                Some(granted) => {
                    let fresh = held.get(&bot) != Some(&granted.token);
                    self.held
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(bot, granted.token);
                    if fresh || !self.supervisor.is_running(bot) {
                        if fresh && granted.token > 1 {
                            // Another replica ran it: answer what it left unanswered.
                            self.supervisor.engine().taking_over(bot, now);
                        }
                        match self.store.get_bot(bot).await? {
                            Some(b) => {
                                self.supervisor.start_bot(b).await;
                                round.started.push(bot);
                            }
                            None => self.forget(bot),
                        }
                    }
                }
                None if held.contains_key(&bot) => {
                    // Another replica took it (this one failed to renew in time): stop at once.
                    tracing::warn!(%bot, "lost the lease of a running bot; stopping it");
                    self.supervisor.stop_bot(bot).await;
                    self.forget(bot);
                    round.stopped.push(bot);
                }
                // Still held by a replica that left or is taking over; retried next round.
                None => {}
            }
        }
        round.running = self.held_now().len();
        Ok(round)
    }

    fn forget(&self, bot: BotId) {
        self.held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&bot);
    }

    /// Runs rounds every [`ClusterConfig::interval`] until `stop` turns true, then
    /// [`shuts down`](Self::shutdown).
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        loop {
            if let Err(e) = self.tick().await {
                tracing::warn!(replica = %self.config.replica_id, "cluster round failed (retried): {e}");
            }
            tokio::select! {
                _ = tokio::time::sleep(self.config.interval) => {}
                _ = stop.wait_for(|s| *s) => break,
            }
        }
        self.shutdown().await;
    }

    /// Stops this replica's bots, releases their leases and leaves the replica list, so the
    /// other replicas take the bots over at their next round.
    pub async fn shutdown(&self) {
        let me = self.config.replica_id.as_str();
        for (bot, token) in self.held_now() {
            self.supervisor.stop_bot(bot).await;
            if let Err(e) = self.leases.release_lease(bot, me, token).await {
                tracing::warn!(%bot, "could not release the lease (it will expire): {e}");
            }
            self.forget(bot);
        }
        if let Err(e) = self.leases.remove_replica(me).await {
            tracing::warn!("could not leave the replica list (it will age out): {e}");
        }
    }
}

/// The replica that owns `bot` among `replicas`: the highest rendezvous score.
pub fn owner(bot: BotId, replicas: &[String]) -> Option<&str> {
    replicas
        .iter()
        .max_by_key(|r| (score(bot, r), r.as_str()))
        .map(String::as_str)
}

/// A stable 64-bit score of a bot for a replica (FNV-1a, then a final mix), the same in every
/// process and build.
fn score(bot: BotId, replica: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bot.0.as_bytes().iter().chain(replica.as_bytes()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    // splitmix64 finaliser: FNV alone spreads similar inputs poorly.
    hash ^= hash >> 30;
    hash = hash.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash ^= hash >> 27;
    hash = hash.wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replicas(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("replica-{i}")).collect()
    }

    #[test]
    fn bots_spread_evenly_over_replicas() {
        let three = replicas(3);
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for _ in 0..3_000 {
            *counts
                .entry(owner(BotId::new(), &three).unwrap())
                .or_default() += 1;
        }
        for replica in &three {
            let n = counts.get(replica.as_str()).copied().unwrap_or(0);
            assert!((850..=1_150).contains(&n), "{replica}: {n} of 3000");
        }
    }

    #[test]
    fn a_replica_leaving_moves_only_its_own_bots() {
        let three = replicas(3);
        let two: Vec<String> = three[..2].to_vec();
        for _ in 0..1_000 {
            let bot = BotId::new();
            let before = owner(bot, &three).unwrap();
            let after = owner(bot, &two).unwrap();
            if before != "replica-2" {
                assert_eq!(before, after, "a bot of a surviving replica moved");
            }
        }
    }

    #[test]
    fn no_replica_owns_nothing() {
        assert_eq!(owner(BotId::new(), &[]), None);
    }
}
