//! Prometheus metrics and the in-memory AI latency window behind the dashboard's percentiles.
//!
//! Counters and histograms are recorded through the `metrics` facade into one process-wide
//! Prometheus recorder; gauges that describe stored state (leads by status, bots by status) are
//! refreshed from the store when `/metrics` is scraped.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex, OnceLock},
    time::Duration,
};

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use wabot_core::{
    domain::{BotStatus, LeadStatus},
    ids::WorkspaceId,
    ports::{DomainEvent, ServerStore},
};

/// Messages stored, by bot and direction.
pub const MESSAGES: &str = "wabot_messages_total";
/// Language model call latency in seconds, by provider and outcome.
pub const LLM_LATENCY: &str = "wabot_llm_latency_seconds";
/// Failed language model calls, by provider and error kind.
pub const LLM_ERRORS: &str = "wabot_llm_errors_total";
/// Leads by status (gauge).
pub const LEADS: &str = "wabot_leads";
/// Bots by status (gauge).
pub const BOTS: &str = "wabot_bots";
/// Connected WebSocket clients (gauge).
pub const WS_CLIENTS: &str = "wabot_websocket_clients";
/// WebSocket clients dropped for being too slow.
pub const WS_DROPPED: &str = "wabot_websocket_dropped_total";
/// Schedule runs, by action and outcome.
pub const SCHEDULER_RUNS: &str = "wabot_scheduler_runs_total";
/// HTTP requests, by method, route template and status.
pub const HTTP_REQUESTS: &str = "wabot_http_requests_total";
/// HTTP request duration in seconds, by route template.
pub const HTTP_DURATION: &str = "wabot_http_request_duration_seconds";
/// Requests answered 429 by a rate limit, by what was limited.
pub const RATE_LIMITED: &str = "wabot_rate_limited_total";
/// Requests whose `Authorization` credential was refused (401).
pub const REFUSED_CREDENTIALS: &str = "wabot_refused_credentials_total";
/// Cloud API webhook posts with a bad signature, and handshakes with a wrong verify token.
pub const WEBHOOK_BAD_SIGNATURES: &str = "wabot_cloud_webhook_bad_signatures_total";

/// How many recent model latencies each workspace keeps for percentiles.
const WINDOW: usize = 2_000;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let buckets = [
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
        ];
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(LLM_LATENCY.into()), &buckets)
            .and_then(|b| b.set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), &buckets))
            .expect("static bucket lists are non-empty")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be installed (an embedding host); then ours only renders
        // what it sees, which is still well-formed.
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics may be incomplete");
        }
        describe();
        handle
    })
}

fn describe() {
    metrics::describe_counter!(MESSAGES, "Messages stored, by bot and direction.");
    metrics::describe_histogram!(
        LLM_LATENCY,
        metrics::Unit::Seconds,
        "Language model call latency."
    );
    metrics::describe_counter!(LLM_ERRORS, "Failed language model calls by error kind.");
    metrics::describe_gauge!(LEADS, "Leads by status.");
    metrics::describe_gauge!(BOTS, "Bots by runtime status.");
    metrics::describe_gauge!(WS_CLIENTS, "Connected WebSocket clients.");
    metrics::describe_counter!(WS_DROPPED, "WebSocket clients dropped for falling behind.");
    metrics::describe_counter!(SCHEDULER_RUNS, "Schedule runs by action and outcome.");
    metrics::describe_counter!(HTTP_REQUESTS, "HTTP requests by route template and status.");
    metrics::describe_histogram!(
        HTTP_DURATION,
        metrics::Unit::Seconds,
        "HTTP request duration by route template."
    );
    metrics::describe_counter!(RATE_LIMITED, "Requests refused by a rate limit (429).");
    metrics::describe_counter!(
        REFUSED_CREDENTIALS,
        "Requests whose Authorization credential was refused (401)."
    );
    metrics::describe_counter!(
        WEBHOOK_BAD_SIGNATURES,
        "Cloud API webhook posts with a bad signature or a wrong verify token."
    );
}

/// `[metrics]`: who may read `/metrics`.
///
/// With `token` set (≥ 16 characters; put it in the environment as `WABOT_METRICS__TOKEN`),
/// scrapers send `Authorization: Bearer <token>`. Without it, only clients on this machine may
/// read it: a loopback TCP peer with no forwarding header (so a reverse proxy on the same host
/// does not open it to the internet).
#[derive(Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSettings {
    /// The bearer token scrapers must send.
    #[serde(deserialize_with = "de_secret")]
    pub token: Option<secrecy::SecretString>,
}

impl std::fmt::Debug for MetricsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsSettings")
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl MetricsSettings {
    /// Checks the token's length.
    pub fn validate(&self) -> Result<(), crate::config::ConfigError> {
        use secrecy::ExposeSecret;
        match &self.token {
            Some(t) if t.expose_secret().trim().len() < 16 => Err(crate::config::ConfigError(
                "`metrics.token` (WABOT_METRICS__TOKEN) must be at least 16 characters, e.g. \
                 `openssl rand -hex 24`"
                    .into(),
            )),
            _ => Ok(()),
        }
    }
}

fn de_secret<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<secrecy::SecretString>, D::Error> {
    let raw: Option<String> = serde::Deserialize::deserialize(d)?;
    Ok(raw.map(secrecy::SecretString::from))
}

/// Counts a request refused by a rate limit on `what`.
pub fn record_rate_limited(what: &str) {
    metrics::counter!(RATE_LIMITED, "limit" => what.to_string()).increment(1);
}

/// Counts a refused `Authorization` credential.
pub fn record_refused_credential() {
    metrics::counter!(REFUSED_CREDENTIALS).increment(1);
}

/// Counts a badly signed Cloud webhook post (or a wrong verify token).
pub fn record_bad_webhook_signature() {
    metrics::counter!(WEBHOOK_BAD_SIGNATURES).increment(1);
}

/// AI latency percentiles of one workspace.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LatencySummary {
    /// How many calls the window holds.
    pub samples: usize,
    /// Median, in milliseconds.
    pub p50_ms: f64,
    /// 90th percentile, in milliseconds.
    pub p90_ms: f64,
    /// 99th percentile, in milliseconds.
    pub p99_ms: f64,
}

/// The server's metrics: the Prometheus handle plus per-workspace AI latency windows.
#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
    latencies: Arc<Mutex<HashMap<WorkspaceId, VecDeque<f64>>>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics(..)")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// The metrics of this process (the Prometheus recorder is installed on first use).
    pub fn new() -> Self {
        Self {
            handle: handle().clone(),
            latencies: Arc::default(),
        }
    }

    /// Records one model call of a bot in `workspace`.
    pub fn record_llm_call(
        &self,
        workspace: WorkspaceId,
        provider: &'static str,
        latency: Duration,
        error: Option<&'static str>,
    ) {
        let outcome = if error.is_some() { "error" } else { "ok" };
        metrics::histogram!(LLM_LATENCY, "provider" => provider, "outcome" => outcome)
            .record(latency.as_secs_f64());
        if let Some(kind) = error {
            metrics::counter!(LLM_ERRORS, "provider" => provider, "kind" => kind).increment(1);
        }
        let mut all = self.latencies.lock().unwrap_or_else(|p| p.into_inner());
        let window = all.entry(workspace).or_default();
        if window.len() == WINDOW {
            window.pop_front();
        }
        window.push_back(latency.as_secs_f64() * 1000.0);
    }

    /// The AI latency percentiles of `workspace` over its recent calls.
    pub fn latency_summary(&self, workspace: WorkspaceId) -> LatencySummary {
        let all = self.latencies.lock().unwrap_or_else(|p| p.into_inner());
        let Some(window) = all.get(&workspace) else {
            return LatencySummary::default();
        };
        let mut sorted: Vec<f64> = window.iter().copied().collect();
        drop(all);
        sorted.sort_by(f64::total_cmp);
        let pick = |q: f64| {
            let idx = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
            (sorted[idx] * 100.0).round() / 100.0
        };
        if sorted.is_empty() {
            return LatencySummary::default();
        }
        LatencySummary {
            samples: sorted.len(),
            p50_ms: pick(0.50),
            p90_ms: pick(0.90),
            p99_ms: pick(0.99),
        }
    }

    /// Counts what a domain event says happened (messages, schedule runs).
    pub fn observe_event(&self, event: &DomainEvent) {
        match event {
            DomainEvent::Message { message, .. } => {
                metrics::counter!(
                    MESSAGES,
                    "bot" => message.bot_id.to_string(),
                    "direction" => message.direction.as_str()
                )
                .increment(1);
            }
            DomainEvent::ScheduleExecuted { run, .. } => {
                let outcome = if run.error.is_some() { "error" } else { "ok" };
                metrics::counter!(
                    SCHEDULER_RUNS,
                    "action" => run.action.as_str(),
                    "outcome" => outcome
                )
                .increment(1);
            }
            _ => {}
        }
    }

    /// Refreshes the state gauges from the store and renders the Prometheus text format.
    pub async fn render(&self, store: &dyn ServerStore) -> String {
        if let Ok(bots) = store.list_bots(None).await {
            let mut counts: HashMap<BotStatus, u64> = HashMap::new();
            for bot in &bots {
                *counts.entry(bot.status).or_default() += 1;
            }
            for status in BotStatus::ALL {
                let n = counts.get(&status).copied().unwrap_or(0);
                metrics::gauge!(BOTS, "status" => status.as_str()).set(n as f64);
            }
        }
        if let Ok(workspaces) = store.list_workspaces().await {
            let mut counts: HashMap<LeadStatus, u64> = HashMap::new();
            for ws in workspaces {
                if let Ok(rows) = store.leads_by_status(ws.id).await {
                    for (status, n) in rows {
                        *counts.entry(status).or_default() += n;
                    }
                }
            }
            for status in LeadStatus::ALL {
                let n = counts.get(&status).copied().unwrap_or(0);
                metrics::gauge!(LEADS, "status" => status.as_str()).set(n as f64);
            }
        }
        self.handle.render()
    }
}

/// Records one HTTP request.
pub fn record_http(method: &str, route: String, status: String, elapsed: std::time::Duration) {
    metrics::counter!(
        HTTP_REQUESTS,
        "method" => method.to_string(),
        "route" => route.clone(),
        "status" => status
    )
    .increment(1);
    metrics::histogram!(HTTP_DURATION, "route" => route).record(elapsed.as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_the_workspace_window() {
        let m = Metrics::new();
        let ws = WorkspaceId::new();
        for ms in 1..=100 {
            m.record_llm_call(ws, "offline", Duration::from_millis(ms), None);
        }
        let s = m.latency_summary(ws);
        assert_eq!(s.samples, 100);
        assert_eq!(s.p50_ms, 50.0);
        assert_eq!(s.p90_ms, 90.0);
        assert_eq!(s.p99_ms, 99.0);
        assert_eq!(m.latency_summary(WorkspaceId::new()).samples, 0);
    }
}
