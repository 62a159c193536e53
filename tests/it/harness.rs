//! A running engine + supervisor on in-memory adapters (or a given store), with helpers to play
//! the customer.

use std::{sync::Arc, time::Duration};

use chrono::Utc;
use tokio::sync::broadcast;
use wabot::core::{
    domain::{Bot, BotName, ContactId, Member, Prompt, Role, User, Workspace, WorkspaceName},
    engine::{Engine, EngineConfig, EngineDeps, TransportRegistry},
    ids::{UserId, WorkspaceId},
    memory::{BroadcastBus, ManualClock, MemoryStore, SandboxHub, SandboxTransport, ScriptedLlm},
    ports::{Clock, DomainEvent, EventBus, SharedLlm, Store, SystemClock},
    supervisor::{Backoff, Supervisor},
};

pub(crate) const WAIT: Duration = Duration::from_secs(10);

pub(crate) struct Harness {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) llm: Arc<ScriptedLlm>,
    pub(crate) bus: Arc<BroadcastBus>,
    pub(crate) hub: Arc<SandboxHub>,
    pub(crate) engine: Engine,
    pub(crate) supervisor: Supervisor,
    pub(crate) workspace: WorkspaceId,
    pub(crate) bot: Bot,
}

pub(crate) fn fast_backoff() -> Backoff {
    Backoff {
        initial: Duration::from_millis(5),
        max: Duration::from_millis(50),
        factor: 2.0,
        jitter: 0.2,
    }
}

impl Harness {
    /// Memory store, system clock.
    pub(crate) async fn new() -> Self {
        Self::with(Arc::new(MemoryStore::new()), Arc::new(SystemClock), true).await
    }

    /// Memory store, manual clock at `clock`.
    pub(crate) async fn with_clock(clock: Arc<ManualClock>) -> Self {
        Self::with(Arc::new(MemoryStore::new()), clock, true).await
    }

    /// A given store and clock; `fresh` creates the workspace and bot.
    pub(crate) async fn with(store: Arc<dyn Store>, clock: Arc<dyn Clock>, fresh: bool) -> Self {
        let llm = Arc::new(ScriptedLlm::new([]));
        let bus = Arc::new(BroadcastBus::default());
        let hub = Arc::new(SandboxHub::new());
        let engine = Engine::new(
            EngineDeps {
                store: store.clone(),
                llm: Arc::new(SharedLlm(llm.clone())),
                bus: bus.clone(),
                clock: clock.clone(),
                transports: TransportRegistry::new(),
            },
            EngineConfig {
                pacing: false,
                ..EngineConfig::default()
            },
        );
        let supervisor = Supervisor::new(engine.clone(), hub.clone(), fast_backoff());
        let bot = if fresh {
            let now = clock.now();
            let ws = Workspace {
                id: WorkspaceId::new(),
                name: WorkspaceName::parse("Acme Solar").unwrap(),
                created_at: now,
            };
            store.create_workspace(&ws).await.unwrap();
            let mut bot = Bot::new(
                ws.id,
                BotName::parse("Acme assistant").unwrap(),
                Prompt::parse("You are the assistant of Acme Solar, a solar panel installer.")
                    .unwrap(),
                now,
            );
            bot.enabled = true;
            store.create_bot(&bot).await.unwrap();
            bot
        } else {
            store
                .list_bots(None)
                .await
                .unwrap()
                .into_iter()
                .next()
                .expect("a bot in the store")
        };
        Self {
            workspace: bot.workspace_id,
            store,
            llm,
            bus,
            hub,
            engine,
            supervisor,
            bot,
        }
    }

    /// Saves the bot's settings and (re)starts it.
    pub(crate) async fn start(&self) {
        self.store.update_bot(&self.bot).await.unwrap();
        let mut events = self.bus.subscribe();
        self.supervisor.start_bot(self.bot.clone()).await;
        wait_for(
            &mut events,
            |e| matches!(e, DomainEvent::BotStatus { status, .. } if status.as_str() == "ready"),
        )
        .await;
    }

    pub(crate) fn sandbox(&self) -> Arc<SandboxTransport> {
        self.hub.session(self.bot.id)
    }

    pub(crate) async fn add_agent(&self, email: &str) -> UserId {
        let user = self
            .store
            .upsert_user(&User {
                id: UserId::new(),
                email: wabot::core::domain::Email::parse(email).unwrap(),
                name: email.split('@').next().unwrap().to_string(),
                created_at: Utc::now(),
            })
            .await
            .unwrap();
        self.store
            .put_member(&Member {
                workspace_id: self.workspace,
                user_id: user.id,
                role: Role::Agent,
                receives_leads: true,
                created_at: Utc::now(),
            })
            .await
            .unwrap();
        // Distinct creation instants keep the round-robin order well defined.
        tokio::time::sleep(Duration::from_millis(2)).await;
        user.id
    }

    /// The customer writes; returns once the engine has fully processed the message.
    pub(crate) async fn say(&self, contact: &ContactId, text: &str) {
        let mut events = self.bus.subscribe();
        self.sandbox().customer_says(contact, text).await.unwrap();
        let body = text.to_string();
        wait_for(
            &mut events,
            |e| matches!(e, DomainEvent::Message { message, .. } if message.body == body),
        )
        .await;
        tokio::time::timeout(WAIT, self.engine.wait_idle())
            .await
            .expect("engine idle");
    }

    /// The texts the bot sent to `contact`.
    pub(crate) fn replies(&self, contact: &ContactId) -> Vec<String> {
        self.sandbox().texts_to(contact)
    }
}

pub(crate) fn contact(id: &str) -> ContactId {
    ContactId::parse(id).unwrap()
}

/// Waits (up to [`WAIT`]) for an event matching `pred`; returns it.
pub(crate) async fn wait_for(
    events: &mut broadcast::Receiver<DomainEvent>,
    pred: impl Fn(&DomainEvent) -> bool,
) -> DomainEvent {
    tokio::time::timeout(WAIT, async {
        loop {
            match events.recv().await {
                Ok(e) if pred(&e) => return e,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => panic!("bus closed"),
            }
        }
    })
    .await
    .expect("expected event did not arrive in time")
}

/// Drains events already published.
pub(crate) fn drain(events: &mut broadcast::Receiver<DomainEvent>) -> Vec<DomainEvent> {
    let mut out = Vec::new();
    while let Ok(e) = events.try_recv() {
        out.push(e);
    }
    out
}
