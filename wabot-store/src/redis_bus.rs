//! [`RedisBus`]: the event bus shared by server replicas through Redis pub/sub, so a WebSocket
//! on any replica streams every event of its workspace (ARCHITECTURE.md, "Replicas").
//!
//! Publishing delivers to this process's subscribers at once (as the in-process bus does) and
//! hands the event to a background task that publishes it on the Redis channel, tagged with this
//! bus's origin id. A second task subscribes to the channel and delivers events from other
//! origins to the local subscribers; its own come back too and are skipped. Redis being down
//! never blocks a publisher: local delivery goes on, events for other replicas are dropped
//! (counted and logged) while the connection is re-established with backoff.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use futures::StreamExt as _;
use redis::AsyncCommands as _;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};
use wabot_core::{
    Error, Result,
    ports::{DomainEvent, EventBus},
};

/// Events waiting to be published to Redis at most; more are dropped (and counted).
const OUTBOX: usize = 10_000;

/// One event on the channel.
#[derive(Serialize, Deserialize)]
struct Envelope {
    /// The bus that published it.
    origin: String,
    event: DomainEvent,
}

/// The event bus of one replica, shared with the others through a Redis channel.
pub struct RedisBus {
    local: broadcast::Sender<DomainEvent>,
    outbox: mpsc::Sender<String>,
    origin: String,
    dropped: Arc<AtomicU64>,
}

impl std::fmt::Debug for RedisBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBus")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl RedisBus {
    /// Connects to `url` (`redis://host:port/`) and shares events on `channel` (e.g.
    /// `wabot:events`). Fails when Redis cannot be reached at start; later outages are
    /// retried in the background.
    pub async fn connect(url: &str, channel: &str) -> Result<Self> {
        let client = redis::Client::open(url).map_err(|e| redis_error("open", url, e))?;
        // Check the server now, so a wrong URL fails the start with a clear message.
        let publisher = client
            .get_multiplexed_async_connection()
            .await
            .map_err(|e| redis_error("connect", url, e))?;
        let mut pubsub = client
            .get_async_pubsub()
            .await
            .map_err(|e| redis_error("subscribe", url, e))?;
        pubsub
            .subscribe(channel)
            .await
            .map_err(|e| redis_error("subscribe", url, e))?;
        let (local, _) = broadcast::channel(4096);
        let (outbox, pending) = mpsc::channel(OUTBOX);
        let origin = uuid::Uuid::new_v4().simple().to_string();
        let dropped = Arc::new(AtomicU64::new(0));
        tokio::spawn(publish_loop(
            client.clone(),
            publisher,
            channel.to_string(),
            pending,
        ));
        tokio::spawn(subscribe_loop(
            client,
            pubsub,
            channel.to_string(),
            origin.clone(),
            local.clone(),
        ));
        Ok(Self {
            local,
            outbox,
            origin,
            dropped,
        })
    }

    /// Events not shared with other replicas because the outbox was full (Redis too slow or
    /// away).
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl EventBus for RedisBus {
    fn publish(&self, event: DomainEvent) {
        let envelope = Envelope {
            origin: self.origin.clone(),
            event,
        };
        match serde_json::to_string(&envelope) {
            Ok(json) => {
                if self.outbox.try_send(json).is_err() {
                    let n = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                    if n.is_power_of_two() {
                        tracing::warn!(
                            dropped = n,
                            "Redis is not keeping up: events are not reaching other replicas"
                        );
                    }
                }
            }
            Err(e) => tracing::error!("an event could not be serialised for Redis: {e}"),
        }
        let _ = self.local.send(envelope.event);
    }

    fn subscribe(&self) -> broadcast::Receiver<DomainEvent> {
        self.local.subscribe()
    }
}

fn redis_error(what: &str, url: &str, e: redis::RedisError) -> Error {
    Error::storage(
        format!(
            "Redis ({}): cannot {what}: {e}; check the URL and that the server is running",
            crate::redact_url(url)
        ),
        e.is_io_error() || e.is_timeout() || e.is_connection_dropped(),
    )
}

/// Publishes queued events, reconnecting with backoff when the connection fails.
async fn publish_loop(
    client: redis::Client,
    mut conn: redis::aio::MultiplexedConnection,
    channel: String,
    mut pending: mpsc::Receiver<String>,
) {
    while let Some(json) = pending.recv().await {
        let mut delay = Duration::from_millis(100);
        loop {
            match conn.publish::<_, _, i64>(&channel, &json).await {
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!("publishing an event to Redis failed (retrying): {e}");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                    if let Ok(fresh) = client.get_multiplexed_async_connection().await {
                        conn = fresh;
                    }
                }
            }
        }
    }
}

/// Delivers other replicas' events locally, resubscribing with backoff when the connection
/// drops.
async fn subscribe_loop(
    client: redis::Client,
    mut pubsub: redis::aio::PubSub,
    channel: String,
    origin: String,
    local: broadcast::Sender<DomainEvent>,
) {
    loop {
        {
            let mut messages = pubsub.on_message();
            while let Some(message) = messages.next().await {
                let Ok(json) = message.get_payload::<String>() else {
                    continue;
                };
                match serde_json::from_str::<Envelope>(&json) {
                    Ok(envelope) if envelope.origin != origin => {
                        let _ = local.send(envelope.event);
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::debug!("an unreadable message on {channel} was skipped: {e}")
                    }
                }
            }
        }
        tracing::warn!("the Redis subscription ended; reconnecting");
        let mut delay = Duration::from_millis(100);
        pubsub = loop {
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
            match client.get_async_pubsub().await {
                Ok(mut fresh) => match fresh.subscribe(&channel).await {
                    Ok(()) => break fresh,
                    Err(e) => tracing::warn!("resubscribing to Redis failed: {e}"),
                },
                Err(e) => tracing::warn!("reconnecting to Redis failed: {e}"),
            }
        };
    }
}
