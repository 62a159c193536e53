//! [`AppState`]: everything a request handler needs, cheap to clone.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use wabot_core::{
    domain::{Bot, BotStatus},
    engine::Engine,
    ids::BotId,
    memory::SandboxHub,
    ports::{Clock, DomainEvent, EventBus, ServerStore},
    scheduler::Scheduler,
    supervisor::Supervisor,
};
use wabot_whatsapp::cloud::CloudTransportFactory;

use crate::{
    auth::AuthService,
    config::Settings,
    crypto::Crypto,
    metrics::Metrics,
    wiring::{LlmRouter, SecretCache},
};

/// The shared state of the server. Every field is an `Arc` or a cheap clone.
#[derive(Clone)]
pub struct AppState {
    /// The validated settings.
    pub settings: Arc<Settings>,
    /// Persistence.
    pub store: Arc<dyn ServerStore>,
    /// The conversation engine.
    pub engine: Engine,
    /// Runs the bots.
    pub supervisor: Supervisor,
    /// Flips bots on and off on schedule.
    pub scheduler: Arc<Scheduler>,
    /// Domain events.
    pub bus: Arc<dyn EventBus>,
    /// Sandbox sessions (the chat simulator).
    pub sandbox: Arc<SandboxHub>,
    /// Cloud API transports and their webhooks.
    pub cloud: Arc<CloudTransportFactory>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// Prometheus metrics and AI latency windows.
    pub metrics: Metrics,
    /// Secrets at rest.
    pub crypto: Arc<Crypto>,
    /// Decrypted bot secrets (LLM keys, Cloud API credentials).
    pub secrets: Arc<SecretCache>,
    /// Per-bot language models.
    pub llm: Arc<LlmRouter>,
    /// The latest pairing QR code of each bot.
    pub qr: Arc<QrCodes>,
    /// Authentication.
    pub auth: Arc<AuthService>,
    /// Fan-out of events to WebSocket clients.
    pub ws: crate::ws::WsHub,
    /// Rate limiters (sign-in, refused credentials, bad webhook signatures).
    pub limits: Arc<crate::limits::RateLimits>,
    /// Becomes `true` when the server shuts down (long-lived connections end).
    pub shutdown: tokio::sync::watch::Receiver<bool>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

impl AppState {
    /// Saves a bot's changed settings and applies them: the model cache is refreshed and a
    /// running bot is restarted (an enabled one started, a disabled one stopped).
    pub async fn apply_bot(&self, bot: &Bot, restart: bool) {
        self.llm.invalidate(bot.id);
        self.engine.bot_updated(bot.clone());
        if !restart {
            return;
        }
        if bot.enabled {
            self.supervisor.start_bot(bot.clone()).await;
        } else if self.supervisor.is_running(bot.id) {
            self.supervisor.stop_bot(bot.id).await;
        }
    }
}

/// The latest QR code each bot showed, kept from the bus until the bot pairs or stops.
#[derive(Debug, Default)]
pub struct QrCodes {
    codes: RwLock<HashMap<BotId, String>>,
}

impl QrCodes {
    /// The QR payload a bot currently shows.
    pub fn get(&self, bot: BotId) -> Option<String> {
        self.codes
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&bot)
            .cloned()
    }

    /// Applies an event: a new QR replaces the old one; any status but `qr` clears it.
    pub fn observe(&self, event: &DomainEvent) {
        let mut codes = self.codes.write().unwrap_or_else(|p| p.into_inner());
        match event {
            DomainEvent::Qr { bot_id, code, .. } => {
                codes.insert(*bot_id, code.clone());
            }
            DomainEvent::BotStatus { bot_id, status, .. } if *status != BotStatus::Qr => {
                codes.remove(bot_id);
            }
            _ => {}
        }
    }
}
