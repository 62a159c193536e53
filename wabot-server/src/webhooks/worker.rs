//! The delivery worker: events → outbox → signed POSTs with retries.
//!
//! Two tasks share the work. The *enqueuer* subscribes to the [`EventBus`] and, for each event a
//! webhook wants, stores a [`WebhookDelivery`] (the exact JSON body,
//! [`webhook_payload`](crate::api::events::webhook_payload)) in the outbox. The
//! *sender* claims due deliveries with a lease ([`WebhookStore::claim_due_deliveries`]), so
//! several replicas never send the same attempt twice, POSTs them, and records the outcome:
//! `delivered` on a 2xx, otherwise a retry after an exponentially growing, jittered delay, and
//! `failed` after the last attempt. Because deliveries are persisted before any attempt and only
//! finished after it, a crash or restart loses none: an unfinished claim's lease simply expires.
//!
//! Metrics: `wabot_webhook_deliveries_enqueued_total`, and
//! `wabot_webhook_attempts_total{outcome="delivered"|"retry"|"failed"}`.
//!
//! [`WebhookStore`]: wabot_core::ports::WebhookStore
//! [`WebhookStore::claim_due_deliveries`]: wabot_core::ports::WebhookStore::claim_due_deliveries

use std::{
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{DateTime, Utc};
use futures::{StreamExt, stream};
use rand::Rng;
use tokio::{sync::Notify, task::JoinHandle};
use uuid::Uuid;
use wabot_core::{
    domain::{DeliveryState, Webhook, WebhookDelivery},
    ids::WorkspaceId,
    ports::{DomainEvent, EventBus, ServerStore},
};

use wabot_net::{Blocked, NetworkPolicy};

use super::{
    WebhookSettings,
    secret::open_secret,
    signing::{DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign},
};
use crate::{crypto::Crypto, state::AppState};

/// The events webhooks can subscribe to.
pub const WEBHOOK_EVENTS: [&str; 4] = [
    "lead.qualified",
    "lead.assigned",
    "message.received",
    "bot.status",
];

/// How many deliveries are sent at once.
const CONCURRENCY: usize = 8;

/// Starts the webhook worker (enqueuer + sender) on `state`; both stop when `shutdown`
/// completes. An attempt in flight at shutdown is abandoned and retried after its lease.
pub fn spawn_worker(
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> JoinHandle<()> {
    let settings = state.settings.webhooks.clone();
    // The server's `[network]` policy (demo mode allows local receivers, as the API does).
    let network = crate::network::policy(&state.settings);
    let worker = Worker::new(state.store.clone(), state.crypto.clone(), settings, network);
    worker.spawn(state.bus.clone(), shutdown)
}

/// The delivery worker, usable without an [`AppState`] (tests, embedders).
pub struct Worker {
    store: Arc<dyn ServerStore>,
    crypto: Arc<Crypto>,
    settings: WebhookSettings,
    network: NetworkPolicy,
    http: reqwest::Client,
    wake: Notify,
    webhooks: Mutex<HashMap<Uuid, Webhook>>,
    by_workspace: Mutex<HashMap<WorkspaceId, CachedList>>,
}

/// A workspace's webhooks as listed at `at`, under change generation `generation`.
struct CachedList {
    at: std::time::Instant,
    generation: u64,
    hooks: Vec<Webhook>,
}

/// How long a workspace's webhook list is reused for events (changes made through this
/// server's API apply at once; another replica's within this time).
const LIST_TTL: Duration = Duration::from_secs(10);

static GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Tells the workers of this process that webhooks were created or deleted, so the next
/// event lists them afresh. The webhook API calls it.
pub fn webhooks_changed() {
    GENERATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Worker {
    /// A worker over `store`, opening webhook secrets with `crypto`, delivering only where
    /// `network` permits (every address when [`WebhookSettings::allow_private_targets`]).
    pub fn new(
        store: Arc<dyn ServerStore>,
        crypto: Arc<Crypto>,
        settings: WebhookSettings,
        network: NetworkPolicy,
    ) -> Self {
        let network = if settings.allow_private_targets {
            network.allowing_private(true)
        } else {
            network
        };
        let http = network
            .client_builder()
            .timeout(Duration::from_secs(settings.timeout_secs.max(1)))
            .connect_timeout(Duration::from_secs(settings.timeout_secs.max(1)))
            .user_agent(concat!("wabot-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a reqwest client with rustls builds");
        Self {
            store,
            crypto,
            settings,
            network,
            http,
            wake: Notify::new(),
            webhooks: Mutex::new(HashMap::new()),
            by_workspace: Mutex::new(HashMap::new()),
        }
    }

    /// Runs the enqueuer on `bus` and the sender until `shutdown` completes (each can be
    /// switched off: [`WebhookSettings::enqueue`], [`WebhookSettings::send`]).
    pub fn spawn(
        self,
        bus: Arc<dyn EventBus>,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> JoinHandle<()> {
        let worker = Arc::new(self);
        let mut events = bus.subscribe();
        tokio::spawn(async move {
            let enqueuer = {
                let worker = worker.clone();
                async move {
                    if !worker.settings.enqueue {
                        drop(events);
                        return std::future::pending().await;
                    }
                    loop {
                        match events.recv().await {
                            Ok(event) => {
                                if let Err(e) = worker.enqueue_event(&event, Utc::now()).await {
                                    tracing::error!(
                                        event = event.name(),
                                        "could not enqueue webhook deliveries: {e}"
                                    );
                                }
                            }
                            Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                                tracing::warn!("webhook enqueuer fell behind; {n} events skipped");
                            }
                            Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                        }
                    }
                }
            };
            let sender = {
                let worker = worker.clone();
                async move {
                    if !worker.settings.send {
                        return std::future::pending().await;
                    }
                    loop {
                        let sent = worker.run_once(Utc::now()).await;
                        if sent == 0 {
                            let idle =
                                Duration::from_millis(worker.settings.poll_interval_ms.max(10));
                            tokio::select! {
                                _ = worker.wake.notified() => {}
                                _ = tokio::time::sleep(idle) => {}
                            }
                        }
                    }
                }
            };
            tokio::select! {
                _ = shutdown => {}
                _ = enqueuer => {}
                _ = sender => {}
            }
        })
    }

    /// Stores one delivery per webhook of the event's workspace that wants it. Returns how
    /// many were enqueued.
    pub async fn enqueue_event(
        &self,
        event: &DomainEvent,
        now: DateTime<Utc>,
    ) -> wabot_core::Result<usize> {
        let name = event.name();
        if !WEBHOOK_EVENTS.contains(&name) {
            return Ok(0);
        }
        let workspace = event.workspace_id();
        let hooks = self.workspace_webhooks(workspace).await?;
        if hooks.is_empty() {
            return Ok(0);
        }
        let data = crate::api::events::event_data(event);
        let deliveries: Vec<WebhookDelivery> = hooks
            .iter()
            .filter(|h| h.wants(name))
            .map(|h| {
                let id = Uuid::now_v7();
                let payload = crate::api::events::webhook_payload(id, event, &data, now);
                WebhookDelivery {
                    id,
                    webhook_id: h.id,
                    event: name.to_string(),
                    payload,
                    state: DeliveryState::Pending,
                    attempts: 0,
                    next_attempt_at: now,
                    last_status: None,
                    last_error: None,
                    created_at: now,
                    delivered_at: None,
                }
            })
            .collect();
        if deliveries.is_empty() {
            return Ok(0);
        }
        {
            let mut cache = self.webhooks.lock().expect("webhook cache lock");
            for h in hooks {
                cache.insert(h.id, h);
            }
        }
        self.store.enqueue_deliveries(&deliveries).await?;
        metrics::counter!("wabot_webhook_deliveries_enqueued_total")
            .increment(deliveries.len() as u64);
        self.wake.notify_one();
        Ok(deliveries.len())
    }

    /// Claims and sends the deliveries due at `now` (one batch). Returns how many were
    /// attempted.
    pub async fn run_once(&self, now: DateTime<Utc>) -> usize {
        let lease = chrono::Duration::seconds(self.settings.timeout_secs as i64 * 2 + 30);
        let claimed = match self
            .store
            .claim_due_deliveries(now, now + lease, self.settings.batch_size.max(1))
            .await
        {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!("could not claim webhook deliveries: {e}");
                return 0;
            }
        };
        let n = claimed.len();
        stream::iter(claimed)
            .for_each_concurrent(CONCURRENCY, |d| async move {
                let finished = self.attempt(d).await;
                if let Err(e) = self.store.finish_delivery(&finished).await {
                    tracing::warn!(delivery = %finished.id, "could not record webhook attempt: {e}");
                }
            })
            .await;
        n
    }

    /// Makes one attempt and returns the delivery with its outcome applied.
    async fn attempt(&self, mut d: WebhookDelivery) -> WebhookDelivery {
        let outcome = match self.webhook(d.webhook_id).await {
            Some(hook) => self.post(&hook, &d).await,
            None => Err((None, "the webhook was deleted".to_string(), true)),
        };
        let now = Utc::now();
        d.attempts += 1;
        let outcome_label = match &outcome {
            Ok(_) => "delivered",
            Err((_, _, true)) => "failed",
            Err(_) if d.attempts >= self.settings.max_attempts.max(1) => "failed",
            Err(_) => "retry",
        };
        metrics::counter!("wabot_webhook_attempts_total", "outcome" => outcome_label).increment(1);
        match outcome {
            Ok(status) => {
                d.state = DeliveryState::Delivered;
                d.last_status = Some(status);
                d.last_error = None;
                d.delivered_at = Some(now);
            }
            Err((status, error, permanent)) => {
                d.last_status = status;
                d.last_error = Some(error);
                if permanent || d.attempts >= self.settings.max_attempts.max(1) {
                    d.state = DeliveryState::Failed;
                } else {
                    d.state = DeliveryState::Pending;
                    d.next_attempt_at = now + self.backoff(d.attempts);
                }
            }
        }
        d
    }

    /// The delay after `attempts` failed attempts: `initial · 2^(attempts-1)`, capped, ±20 %.
    fn backoff(&self, attempts: u32) -> chrono::Duration {
        let base = self.settings.initial_backoff_secs as f64
            * 2f64.powi(attempts.saturating_sub(1).min(30) as i32);
        let capped = base.min(self.settings.max_backoff_secs as f64);
        let jitter = rand::rng().random_range(0.8..1.2);
        chrono::Duration::milliseconds((capped * jitter * 1000.0) as i64)
    }

    async fn post(
        &self,
        hook: &Webhook,
        d: &WebhookDelivery,
    ) -> Result<u16, (Option<u16>, String, bool)> {
        // IP literals are not resolved, so the resolver cannot refuse them: check here.
        if let Err(blocked) = self.network.check_str(&hook.url) {
            return Err((None, format!("the URL {blocked}"), true));
        }
        let secret = open_secret(&self.crypto, hook.id, &hook.secret_ciphertext).map_err(|e| {
            (
                None,
                format!("the signing secret does not decrypt: {e}"),
                true,
            )
        })?;
        let ts = Utc::now().timestamp();
        let signature = sign(secret.as_bytes(), ts, d.payload.as_bytes());
        let response = self
            .http
            .post(&hook.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(EVENT_HEADER, &d.event)
            .header(DELIVERY_HEADER, d.id.to_string())
            .header(TIMESTAMP_HEADER, ts.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(d.payload.clone())
            .send()
            .await;
        match response {
            Ok(r) if r.status().is_success() => Ok(r.status().as_u16()),
            Ok(r) => Err((
                Some(r.status().as_u16()),
                format!("the receiver answered {}", r.status()),
                false,
            )),
            Err(e) if Blocked::find(&e).is_some() => Err((
                None,
                format!("the URL {}", Blocked::find(&e).expect("just found")),
                true,
            )),
            Err(e) if e.is_timeout() => Err((None, "timed out".into(), false)),
            Err(e) => Err((None, format!("could not reach the receiver: {e}"), false)),
        }
    }

    /// The webhooks of a workspace, listed at most every [`LIST_TTL`] unless they changed.
    async fn workspace_webhooks(&self, ws: WorkspaceId) -> wabot_core::Result<Vec<Webhook>> {
        let generation = GENERATION.load(std::sync::atomic::Ordering::Relaxed);
        if let Some(c) = self
            .by_workspace
            .lock()
            .expect("webhook list lock")
            .get(&ws)
            && c.generation == generation
            && c.at.elapsed() < LIST_TTL
        {
            return Ok(c.hooks.clone());
        }
        let hooks = self.store.list_webhooks(ws).await?;
        let mut cache = self.by_workspace.lock().expect("webhook list lock");
        if cache.len() > 10_000 {
            cache.clear();
        }
        cache.insert(
            ws,
            CachedList {
                at: std::time::Instant::now(),
                generation,
                hooks: hooks.clone(),
            },
        );
        Ok(hooks)
    }

    /// A webhook by id, from the cache or (on a miss) from the store.
    async fn webhook(&self, id: Uuid) -> Option<Webhook> {
        if let Some(h) = self.webhooks.lock().expect("webhook cache lock").get(&id) {
            return Some(h.clone());
        }
        let workspaces = self.store.list_workspaces().await.ok()?;
        let mut found = None;
        for ws in workspaces {
            for h in self.store.list_webhooks(ws.id).await.ok()? {
                if h.id == id {
                    found = Some(h.clone());
                }
                self.webhooks
                    .lock()
                    .expect("webhook cache lock")
                    .insert(h.id, h);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use wabot_core::memory::MemoryStore;

    use super::*;

    #[test]
    fn retries_back_off_exponentially_with_jitter_and_span_about_an_hour() {
        let worker = Worker::new(
            Arc::new(MemoryStore::new()),
            Arc::new(Crypto::new([7; 32])),
            WebhookSettings::default(),
            NetworkPolicy::public_only(),
        );
        let first = worker.backoff(1).num_milliseconds();
        assert!((24_000..=36_000).contains(&first), "{first}");
        let second = worker.backoff(2).num_milliseconds();
        assert!((48_000..=72_000).contains(&second), "{second}");
        let late = worker.backoff(20).num_milliseconds();
        assert!(late <= 1_800_000 * 12 / 10, "capped: {late}");
        // The 7 waits between 8 attempts add up to roughly an hour.
        let total: i64 = (1..8).map(|a| worker.backoff(a).num_seconds()).sum();
        assert!((2_900..=4_500).contains(&total), "{total}");
    }
}
