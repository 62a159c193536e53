//! `[webhooks]` settings.

use serde::Deserialize;

/// Outgoing webhook delivery settings (`[webhooks]`, `WABOT_WEBHOOKS__*`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookSettings {
    /// Whether the webhook worker runs at all (on by default). Off: events are not turned into
    /// deliveries by this server.
    pub enabled: bool,
    /// Whether this server turns events into deliveries (on by default). With an event bus
    /// shared by several replicas (each sees every event), keep it on for exactly one replica,
    /// or each event is delivered once per replica.
    pub enqueue: bool,
    /// Whether this server sends deliveries (on by default). Off: it only enqueues them in the
    /// outbox, for another replica (or a later start) to send. Any number of replicas may send:
    /// each delivery is claimed by one of them.
    pub send: bool,
    /// Per-attempt timeout in seconds.
    pub timeout_secs: u64,
    /// Attempts before a delivery is marked `failed`.
    pub max_attempts: u32,
    /// Delay before the first retry in seconds; doubles each attempt (with jitter).
    pub initial_backoff_secs: u64,
    /// Longest delay between two attempts in seconds.
    pub max_backoff_secs: u64,
    /// How often the worker looks for due deliveries when idle, in milliseconds.
    pub poll_interval_ms: u64,
    /// How many deliveries one worker claims at once.
    pub batch_size: u32,
    /// Allow webhook URLs on loopback/private addresses (tests, local development). The
    /// `[network]` settings apply to webhooks too; this allows every address for webhooks
    /// only.
    pub allow_private_targets: bool,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            enqueue: true,
            send: true,
            timeout_secs: 5,
            max_attempts: 8,
            initial_backoff_secs: 30,
            max_backoff_secs: 1800,
            poll_interval_ms: 1000,
            batch_size: 32,
            allow_private_targets: false,
        }
    }
}
