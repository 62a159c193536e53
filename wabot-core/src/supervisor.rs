//! The supervisor: runs each enabled bot's transport as its own task, feeds its events to the
//! engine, restarts it with exponential backoff and jitter when it fails, and reports every
//! status change. A failing or panicking bot never disturbs the others.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use async_trait::async_trait;
use rand::Rng;
use tokio::{
    sync::{mpsc, watch},
    task::JoinHandle,
};

use crate::{
    domain::{Bot, BotStatus},
    engine::Engine,
    error::{Error, Result, TransportError},
    ids::BotId,
    ports::{DisconnectReason, DomainEvent, MessagingTransport, TransportEvent, TransportFactory},
};

/// Restart policy.
#[derive(Debug, Clone)]
pub struct Backoff {
    /// Delay before the first restart.
    pub initial: Duration,
    /// Largest delay.
    pub max: Duration,
    /// Growth factor per consecutive failure.
    pub factor: f64,
    /// Random variation as a fraction of the delay (0 – 1).
    pub jitter: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(300),
            factor: 2.0,
            jitter: 0.25,
        }
    }
}

impl Backoff {
    /// The delay before restart number `attempt` (1-based), varied by `unit` in `[0, 1)`.
    pub fn delay(&self, attempt: u32, unit: f64) -> Duration {
        let exp = self.factor.powi(attempt.saturating_sub(1).min(64) as i32);
        let base = (self.initial.as_secs_f64() * exp).min(self.max.as_secs_f64());
        let varied = base * (1.0 + self.jitter * (2.0 * unit.clamp(0.0, 1.0) - 1.0));
        Duration::from_secs_f64(varied.clamp(0.0, self.max.as_secs_f64()))
    }
}

/// Turns bots on and off; implemented by [`Supervisor`], used by the scheduler.
#[async_trait]
pub trait BotController: Send + Sync {
    /// Persists the bot's desired state and starts or stops it accordingly.
    async fn set_enabled(&self, bot: BotId, enabled: bool) -> Result<()>;
}

struct Running {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

struct Inner {
    engine: Engine,
    factory: Arc<dyn TransportFactory>,
    backoff: Backoff,
    running: Mutex<HashMap<BotId, Running>>,
}

/// Runs bots. Cheap to clone; clones share state.
#[derive(Clone)]
pub struct Supervisor {
    inner: Arc<Inner>,
}

impl Supervisor {
    /// A supervisor that builds transports with `factory` and hands messages to `engine`.
    pub fn new(engine: Engine, factory: Arc<dyn TransportFactory>, backoff: Backoff) -> Self {
        Self {
            inner: Arc::new(Inner {
                engine,
                factory,
                backoff,
                running: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The engine bots feed.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// Starts every enabled bot of every workspace. Returns how many were started.
    pub async fn start_enabled(&self) -> Result<usize> {
        let bots = self.inner.engine.deps().store.list_bots(None).await?;
        let mut started = 0;
        for bot in bots.into_iter().filter(|b| b.enabled) {
            self.start_bot(bot).await;
            started += 1;
        }
        Ok(started)
    }

    /// Whether `bot` has a supervised task.
    pub fn is_running(&self, bot: BotId) -> bool {
        self.inner
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&bot)
            .is_some_and(|r| !r.task.is_finished())
    }

    /// How many bots are supervised.
    pub fn running_count(&self) -> usize {
        self.inner
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .filter(|r| !r.task.is_finished())
            .count()
    }

    /// Starts (or restarts with new settings) the supervised task of `bot`.
    pub async fn start_bot(&self, bot: Bot) {
        self.stop_bot(bot.id).await;
        self.inner.engine.bot_updated(bot.clone());
        let id = bot.id;
        let (stop, stop_rx) = watch::channel(false);
        let this = self.clone();
        let task = tokio::spawn(async move { this.supervise(bot, stop_rx).await });
        self.inner
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, Running { stop, task });
    }

    /// Stops `bot` and waits for its task to end (at most 10 s, then it is aborted).
    pub async fn stop_bot(&self, bot: BotId) {
        let running = self
            .inner
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&bot);
        if let Some(Running { stop, mut task }) = running {
            let _ = stop.send(true);
            if let Some(transport) = self.inner.engine.deps().transports.get(bot) {
                transport.stop().await;
            }
            if tokio::time::timeout(Duration::from_secs(10), &mut task)
                .await
                .is_err()
            {
                tracing::warn!(bot = %bot, "bot did not stop within 10 s; aborting its task");
                task.abort();
                self.inner.engine.deps().transports.remove(bot);
                self.report(bot, None, BotStatus::Stopped, Some("aborted".into()))
                    .await;
            }
        }
    }

    /// Stops every bot (graceful shutdown).
    pub async fn shutdown(&self) {
        let ids: Vec<BotId> = self
            .inner
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .copied()
            .collect();
        futures::future::join_all(ids.into_iter().map(|id| self.stop_bot(id))).await;
    }

    async fn report(
        &self,
        bot: BotId,
        workspace: Option<crate::ids::WorkspaceId>,
        status: BotStatus,
        detail: Option<String>,
    ) {
        let deps = self.inner.engine.deps();
        let now = deps.clock.now();
        if let Err(e) = deps.store.set_bot_status(bot, status, now).await {
            tracing::warn!(bot = %bot, "could not store bot status {status}: {e}");
        }
        let workspace_id = match workspace {
            Some(ws) => ws,
            None => match deps.store.get_bot(bot).await {
                Ok(Some(b)) => b.workspace_id,
                _ => return,
            },
        };
        tracing::info!(bot = %bot, %status, detail = detail.as_deref().unwrap_or(""), "bot status");
        deps.bus.publish(DomainEvent::BotStatus {
            workspace_id,
            bot_id: bot,
            status,
            detail,
        });
    }

    async fn supervise(self, bot: Bot, mut stop: watch::Receiver<bool>) {
        let ws = Some(bot.workspace_id);
        let mut failures: u32 = 0;
        loop {
            if *stop.borrow() {
                break;
            }
            self.report(bot.id, ws, BotStatus::Starting, None).await;
            let transport = match self.inner.factory.create(&bot) {
                Ok(t) => t,
                Err(e) => {
                    // A configuration error will not heal by retrying.
                    self.report(bot.id, ws, BotStatus::Failed, Some(e.to_string()))
                        .await;
                    return;
                }
            };
            let (ended, was_ready) = self.run_once(&bot, transport, &mut stop).await;
            if *stop.borrow() {
                break;
            }
            if was_ready {
                failures = 0;
            }
            failures += 1;
            let detail = match &ended {
                Ok(()) => "session ended".to_string(),
                Err(e) => e.to_string(),
            };
            let delay = self
                .inner
                .backoff
                .delay(failures, rand::rng().random::<f64>());
            self.report(
                bot.id,
                ws,
                BotStatus::Failed,
                Some(format!(
                    "{detail}; restarting in {} ms (attempt {failures})",
                    delay.as_millis()
                )),
            )
            .await;
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = stopped(&mut stop) => break,
            }
        }
        self.report(bot.id, ws, BotStatus::Stopped, None).await;
    }

    /// Runs one session; returns how it ended and whether it ever became ready.
    async fn run_once(
        &self,
        bot: &Bot,
        transport: Arc<dyn MessagingTransport>,
        stop: &mut watch::Receiver<bool>,
    ) -> (Result<(), Error>, bool) {
        let transports = &self.inner.engine.deps().transports;
        transports.insert(bot.id, transport.clone());
        let (sink, mut events) = mpsc::channel::<TransportEvent>(256);
        let run_transport = transport.clone();
        // Its own task, so a panic inside the transport is caught as a JoinError.
        let mut session = tokio::spawn(async move { run_transport.run(sink).await });
        let mut ready = false;
        let ended = loop {
            tokio::select! {
                event = events.recv() => match event {
                    Some(event) => ready |= self.on_event(bot, event).await,
                    None => {
                        // The transport dropped its sink; wait for `run` to finish.
                        break flatten(session.await);
                    }
                },
                result = &mut session => {
                    // Deliver events still buffered before reporting the end.
                    while let Ok(event) = events.try_recv() {
                        ready |= self.on_event(bot, event).await;
                    }
                    break flatten(result);
                }
                _ = stopped(stop) => {
                    transport.stop().await;
                    let result = match tokio::time::timeout(Duration::from_secs(5), &mut session).await {
                        Ok(r) => flatten(r),
                        Err(_) => { session.abort(); Ok(()) }
                    };
                    break result;
                }
            }
        };
        transports.remove(bot.id);
        (ended, ready)
    }

    /// Handles one transport event; returns whether the session is ready.
    async fn on_event(&self, bot: &Bot, event: TransportEvent) -> bool {
        let deps = self.inner.engine.deps();
        let ws = bot.workspace_id;
        match event {
            TransportEvent::Qr { code } => {
                self.report(bot.id, Some(ws), BotStatus::Qr, None).await;
                deps.bus.publish(DomainEvent::Qr {
                    workspace_id: ws,
                    bot_id: bot.id,
                    code,
                });
            }
            TransportEvent::PairingCode { code } => {
                deps.bus.publish(DomainEvent::PairingCode {
                    workspace_id: ws,
                    bot_id: bot.id,
                    code,
                });
            }
            TransportEvent::Authenticated => {
                self.report(bot.id, Some(ws), BotStatus::Authenticated, None)
                    .await;
            }
            TransportEvent::Ready { account } => {
                self.report(bot.id, Some(ws), BotStatus::Ready, account)
                    .await;
                // What a crash left unanswered is queued now, before later messages of the
                // same chats (this loop feeds the engine in order).
                if let Err(e) = self.inner.engine.recover(bot.id).await {
                    tracing::warn!(bot = %bot.id, "could not recover unanswered messages (retried at the next ready): {e}");
                }
                return true;
            }
            TransportEvent::Inbound(message) => {
                // Queued: per-chat ordering is kept by the engine; this loop stays responsive.
                drop(self.inner.engine.submit(bot.id, message));
            }
            TransportEvent::InboundConfirmed { message, stored } => {
                self.inner.engine.submit_confirmed(bot.id, message, stored);
            }
            TransportEvent::Ack {
                provider_message_id,
                status,
            } => {
                self.inner
                    .engine
                    .apply_ack(bot, &provider_message_id, status)
                    .await;
            }
            TransportEvent::Disconnected { reason } => {
                let status = match reason {
                    DisconnectReason::Logout => BotStatus::Qr,
                    _ => BotStatus::Disconnected,
                };
                let detail = serde_json::to_string(&reason).ok();
                self.report(bot.id, Some(ws), status, detail).await;
            }
        }
        false
    }
}

fn flatten(
    joined: std::result::Result<std::result::Result<(), TransportError>, tokio::task::JoinError>,
) -> Result<(), Error> {
    match joined {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(Error::Transport(e)),
        Err(e) if e.is_panic() => Err(Error::Transport(TransportError::Unavailable(
            "the session panicked".into(),
        ))),
        Err(_) => Err(Error::Shutdown),
    }
}

#[async_trait]
impl BotController for Supervisor {
    async fn set_enabled(&self, bot: BotId, enabled: bool) -> Result<()> {
        let deps = self.inner.engine.deps();
        let now = deps.clock.now();
        deps.store.set_bot_enabled(bot, enabled, now).await?;
        if enabled {
            let bot = deps
                .store
                .get_bot(bot)
                .await?
                .ok_or(Error::BotNotFound(bot))?;
            self.start_bot(bot).await;
        } else {
            self.stop_bot(bot).await;
        }
        Ok(())
    }
}

/// Resolves once the flag is true (or its sender is gone), holding no lock afterwards.
pub(crate) async fn stopped(flag: &mut watch::Receiver<bool>) {
    let _ = flag.wait_for(|s| *s).await;
}
