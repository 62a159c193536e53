//! The conversation engine: what happens to each inbound message.
//!
//! Messages are processed **in order per chat** (bot + contact) and **concurrently across
//! chats**: each active chat has a small queue drained by its own task, which ends as soon as
//! the queue is empty, so idle chats cost nothing. The pipeline itself is the private
//! `pipeline` module, its steps numbered as in ARCHITECTURE.md ("The engine"); crash recovery
//! is [`Engine::recover`].

mod agent;
mod pacing;
mod pipeline;
pub mod prompt;
mod recovery;
mod registry;

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, RwLock,
        atomic::{AtomicUsize, Ordering},
    },
};

pub use agent::FieldCorrections;
pub use pacing::typing_delay;
pub use pipeline::Outcome;
pub use recovery::{INTERRUPTED_SEND, Recovery};
pub use registry::TransportRegistry;
use tokio::sync::{Notify, mpsc, oneshot};

use crate::{
    domain::{Bot, ContactId, DeliveryStatus},
    error::Result,
    ids::BotId,
    ports::{Clock, DomainEvent, EventBus, InboundMessage, LlmFactory, Store, StoredReceipt},
};

/// Tunables of the engine.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// How many recent messages the model sees at most.
    pub history_messages: u32,
    /// Character budget of the history sent to the model (oldest dropped first).
    pub history_chars: usize,
    /// Also ask the model to extract lead fields as JSON (besides the deterministic parsers).
    pub llm_extraction: bool,
    /// Whether to wait the bots' typing delays (off in tests and benchmarks).
    pub pacing: bool,
    /// Attempts to send a reply when the transport reports a temporary failure.
    pub send_attempts: u32,
    /// How old a message left unanswered by a crash may be and still get the bot's answer when
    /// the bot comes back; older ones are flagged for an agent instead (see [`Engine::recover`]).
    pub recovery_window: std::time::Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            history_messages: 20,
            history_chars: 6_000,
            llm_extraction: true,
            pacing: true,
            send_attempts: 3,
            recovery_window: std::time::Duration::from_secs(15 * 60),
        }
    }
}

/// What the engine needs from its host.
#[derive(Clone)]
pub struct EngineDeps {
    /// Persistence.
    pub store: Arc<dyn Store>,
    /// Language model per bot.
    pub llm: Arc<dyn LlmFactory>,
    /// Where domain events go.
    pub bus: Arc<dyn EventBus>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// Running transports (filled by the supervisor).
    pub transports: TransportRegistry,
}

type ChatKey = (BotId, ContactId);

/// Acks for not-yet-recorded messages kept at most (a safety bound; normally a handful).
const MAX_EARLY_ACKS: usize = 10_000;
struct Job {
    work: Work,
    reply: Option<oneshot::Sender<Result<Outcome>>>,
}

/// What a queued job processes.
enum Work {
    /// A message from the network, with the transport's receipt when it waits for the store.
    Inbound {
        message: InboundMessage,
        stored: Option<StoredReceipt>,
    },
    /// A message an earlier run stored and never answered.
    Recovered(crate::domain::Message),
}

pub(crate) struct Inner {
    pub(crate) deps: EngineDeps,
    pub(crate) config: EngineConfig,
    bots: RwLock<HashMap<BotId, Arc<Bot>>>,
    chats: Mutex<HashMap<ChatKey, mpsc::UnboundedSender<Job>>>,
    in_flight: AtomicUsize,
    idle: Notify,
    early_acks: Mutex<HashMap<(BotId, String), DeliveryStatus>>,
    /// When this engine started: stored work older than this belongs to an earlier run.
    started_at: chrono::DateTime<chrono::Utc>,
    /// Bots whose earlier run's leftovers were already recovered.
    recovered: Mutex<std::collections::HashSet<BotId>>,
    /// Bots taken over from another replica, with the time of the takeover: their leftovers
    /// are what was stored before then (instead of before `started_at`).
    taken_over: Mutex<HashMap<BotId, chrono::DateTime<chrono::Utc>>>,
}

/// The conversation engine. Cheap to clone; clones share state.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

impl Engine {
    /// An engine over `deps`.
    pub fn new(deps: EngineDeps, config: EngineConfig) -> Self {
        let started_at = deps.clock.now();
        Self {
            inner: Arc::new(Inner {
                started_at,
                recovered: Mutex::new(Default::default()),
                taken_over: Mutex::new(HashMap::new()),
                deps,
                config,
                bots: RwLock::new(HashMap::new()),
                chats: Mutex::new(HashMap::new()),
                in_flight: AtomicUsize::new(0),
                idle: Notify::new(),
                early_acks: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The engine's dependencies.
    pub fn deps(&self) -> &EngineDeps {
        &self.inner.deps
    }

    /// Tells the engine a bot's settings changed (or loads it): later messages use `bot`.
    pub fn bot_updated(&self, bot: Bot) {
        self.inner
            .bots
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(bot.id, Arc::new(bot));
    }

    /// Forgets a cached bot (deleted, or to force a reload from the store).
    pub fn forget_bot(&self, bot: BotId) {
        self.inner
            .bots
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&bot);
    }

    pub(crate) async fn bot(&self, id: BotId) -> Result<Arc<Bot>> {
        if let Some(bot) = self
            .inner
            .bots
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
        {
            return Ok(bot.clone());
        }
        let bot = self
            .inner
            .deps
            .store
            .get_bot(id)
            .await?
            .ok_or(crate::Error::BotNotFound(id))?;
        let bot = Arc::new(bot);
        self.inner
            .bots
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, bot.clone());
        Ok(bot)
    }

    /// Queues an inbound message for its chat and returns at once. The receiver yields the
    /// outcome once the message is processed (dropping it is fine).
    pub fn submit(
        &self,
        bot: BotId,
        message: InboundMessage,
    ) -> oneshot::Receiver<Result<Outcome>> {
        let (tx, rx) = oneshot::channel();
        let key = (bot, message.from.clone());
        self.enqueue(
            key,
            Job {
                work: Work::Inbound {
                    message,
                    stored: None,
                },
                reply: Some(tx),
            },
        );
        rx
    }

    /// Queues an inbound message whose transport waits for `stored`: it is answered as soon as
    /// the message is durably recorded (or recording failed), before the reply is produced.
    pub fn submit_confirmed(&self, bot: BotId, message: InboundMessage, stored: StoredReceipt) {
        let key = (bot, message.from.clone());
        self.enqueue(
            key,
            Job {
                work: Work::Inbound {
                    message,
                    stored: Some(stored),
                },
                reply: None,
            },
        );
    }

    /// Queues an inbound message and waits for its outcome.
    pub async fn handle(&self, bot: BotId, message: InboundMessage) -> Result<Outcome> {
        self.submit(bot, message)
            .await
            .unwrap_or(Err(crate::Error::Shutdown))
    }

    fn enqueue(&self, key: ChatKey, job: Job) {
        self.inner.in_flight.fetch_add(1, Ordering::SeqCst);
        let mut chats = self.inner.chats.lock().unwrap_or_else(|p| p.into_inner());
        let job = match chats.get(&key) {
            Some(sender) => match sender.send(job) {
                Ok(()) => return,
                Err(mpsc::error::SendError(job)) => job,
            },
            None => job,
        };
        let (sender, receiver) = mpsc::unbounded_channel();
        let _ = sender.send(job);
        chats.insert(key.clone(), sender);
        drop(chats);
        let engine = self.clone();
        tokio::spawn(async move { engine.drain_chat(key, receiver).await });
    }

    async fn drain_chat(&self, key: ChatKey, mut receiver: mpsc::UnboundedReceiver<Job>) {
        loop {
            let job = match receiver.try_recv() {
                Ok(job) => job,
                Err(_) => {
                    // Empty: retire this worker, unless a message slipped in meanwhile. The
                    // check happens under the map lock that `enqueue` sends under.
                    let mut chats = self.inner.chats.lock().unwrap_or_else(|p| p.into_inner());
                    match receiver.try_recv() {
                        Ok(job) => job,
                        Err(_) => {
                            chats.remove(&key);
                            return;
                        }
                    }
                }
            };
            let Job { work, reply } = job;
            let engine = self.clone();
            let bot = key.0;
            // A panic in one message's processing must not kill the chat or the engine.
            let outcome = tokio::spawn(async move {
                match work {
                    Work::Inbound { message, stored } => engine.process(bot, message, stored).await,
                    Work::Recovered(message) => engine.process_recovered(bot, message).await,
                }
            })
            .await
            .unwrap_or_else(|e| {
                tracing::error!(bot = %bot, "message processing panicked: {e}");
                Err(crate::Error::Internal("message processing panicked".into()))
            });
            if let Err(e) = &outcome {
                tracing::warn!(bot = %bot, error = %e, "inbound message not fully processed");
            }
            if let Some(reply) = reply {
                let _ = reply.send(outcome);
            }
            if self.inner.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
                self.inner.idle.notify_waiters();
            }
        }
    }

    /// Records a delivery ack from the network and announces it.
    ///
    /// Networks can ack a message before the engine has stored its provider id (the send call
    /// returns after the ack event is already queued). Such an ack is kept briefly and applied
    /// as soon as the send is recorded, so no tick is lost.
    pub async fn apply_ack(&self, bot: &Bot, provider_message_id: &str, status: DeliveryStatus) {
        if self.store_ack(bot, provider_message_id, status).await {
            return;
        }
        {
            let mut early = self
                .inner
                .early_acks
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if early.len() >= MAX_EARLY_ACKS {
                tracing::warn!("{MAX_EARLY_ACKS} acks for unknown messages pending; dropping them");
                early.clear();
            }
            let entry = early
                .entry((bot.id, provider_message_id.to_string()))
                .or_insert(status);
            if entry.advances_to(status) {
                *entry = status;
            }
        }
        // The send may have been recorded between the first try and the buffering.
        if self.store_ack(bot, provider_message_id, status).await {
            self.take_early_ack(bot.id, provider_message_id);
        }
    }

    /// Applies a buffered early ack of a message whose send was just recorded.
    pub(crate) async fn flush_early_ack(&self, bot: &Bot, provider_message_id: &str) {
        if let Some(status) = self.take_early_ack(bot.id, provider_message_id) {
            self.store_ack(bot, provider_message_id, status).await;
        }
    }

    fn take_early_ack(&self, bot: BotId, provider_message_id: &str) -> Option<DeliveryStatus> {
        self.inner
            .early_acks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&(bot, provider_message_id.to_string()))
    }

    /// Stores an ack; returns whether the message was found and advanced.
    async fn store_ack(
        &self,
        bot: &Bot,
        provider_message_id: &str,
        status: DeliveryStatus,
    ) -> bool {
        let deps = &self.inner.deps;
        match deps
            .store
            .apply_ack(bot.id, provider_message_id, status)
            .await
        {
            Ok(Some(message)) => {
                deps.bus.publish(DomainEvent::Delivery {
                    workspace_id: bot.workspace_id,
                    bot_id: bot.id,
                    message_id: message.id,
                    status: message.delivery,
                });
                true
            }
            Ok(None) => false,
            Err(e) => {
                tracing::warn!(bot = %bot.id, "could not store ack: {e}");
                false
            }
        }
    }

    /// Waits until every queued message has been processed.
    pub async fn wait_idle(&self) {
        loop {
            let notified = self.inner.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.inner.in_flight.load(Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    }

    /// Messages queued or being processed.
    pub fn in_flight(&self) -> usize {
        self.inner.in_flight.load(Ordering::SeqCst)
    }

    /// Chats with a live worker right now.
    pub fn active_chats(&self) -> usize {
        self.inner
            .chats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }
}
