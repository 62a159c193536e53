//! The real engine and supervisor running a cloud bot against the fake Graph API, on in-memory
//! adapters. Shared by the end-to-end tests and the benchmark.

use std::{num::NonZeroU32, sync::Arc, time::Duration};

use chrono::Utc;
use secrecy::SecretString;
use tokio::sync::broadcast;
use wabot_core::{
    domain::{Bot, BotName, Prompt, TransportConfig, Workspace, WorkspaceName},
    engine::{Engine, EngineConfig, EngineDeps, TransportRegistry},
    ids::{BotId, WorkspaceId},
    memory::{BroadcastBus, MemoryStore, ScriptedLlm},
    ports::{BotStore, DomainEvent, EventBus, SharedLlm, SystemClock, WorkspaceStore},
    supervisor::{Backoff, Supervisor},
};
use wabot_whatsapp::cloud::{CloudCredentials, CloudTransportFactory, CloudWebhook, RetryPolicy};

use super::fake_graph::{
    ACCESS_TOKEN, API_VERSION, APP_SECRET, FakeGraph, PHONE_NUMBER_ID, VERIFY_TOKEN,
};

/// How long to wait for something that should happen promptly.
pub(crate) const STACK_WAIT: Duration = Duration::from_secs(10);

/// A cloud bot run by the real supervisor and engine.
pub(crate) struct CloudStack {
    pub(crate) graph: FakeGraph,
    pub(crate) store: Arc<MemoryStore>,
    pub(crate) bus: Arc<BroadcastBus>,
    pub(crate) engine: Engine,
    pub(crate) supervisor: Supervisor,
    pub(crate) factory: Arc<CloudTransportFactory>,
    pub(crate) bot: Bot,
}

fn credentials(_bot: BotId) -> Option<CloudCredentials> {
    Some(CloudCredentials {
        access_token: SecretString::from(ACCESS_TOKEN),
        app_secret: SecretString::from(APP_SECRET),
        verify_token: SecretString::from(VERIFY_TOKEN),
    })
}

impl CloudStack {
    /// Creates a workspace and an enabled cloud bot pointing at `graph`, starts it and waits
    /// until the supervisor reports it ready.
    pub(crate) async fn start(graph: FakeGraph, llm: ScriptedLlm, rate: NonZeroU32) -> Self {
        let store = Arc::new(MemoryStore::new());
        let bus = Arc::new(BroadcastBus::default());
        let engine = Engine::new(
            EngineDeps {
                store: store.clone(),
                llm: Arc::new(SharedLlm(Arc::new(llm))),
                bus: bus.clone(),
                clock: Arc::new(SystemClock),
                transports: TransportRegistry::new(),
            },
            EngineConfig {
                pacing: false,
                ..EngineConfig::default()
            },
        );
        let factory = Arc::new(
            CloudTransportFactory::new(credentials)
                .with_api_version(API_VERSION)
                .with_rate_limit(rate)
                .with_retry(RetryPolicy {
                    max_attempts: 3,
                    initial_backoff: Duration::from_millis(10),
                    max_backoff: Duration::from_millis(50),
                }),
        );
        let supervisor = Supervisor::new(
            engine.clone(),
            factory.clone(),
            Backoff {
                initial: Duration::from_millis(5),
                max: Duration::from_millis(50),
                factor: 2.0,
                jitter: 0.2,
            },
        );
        let now = Utc::now();
        let workspace = Workspace {
            id: WorkspaceId::new(),
            name: WorkspaceName::parse("Acme Solar").unwrap(),
            created_at: now,
        };
        store.create_workspace(&workspace).await.unwrap();
        let mut bot = Bot::new(
            workspace.id,
            BotName::parse("Acme on WhatsApp").unwrap(),
            Prompt::parse("You are the assistant of Acme Solar, a solar panel installer.").unwrap(),
            now,
        );
        bot.enabled = true;
        bot.transport = TransportConfig::Cloud {
            phone_number_id: PHONE_NUMBER_ID.into(),
            graph_base_url: Some(graph.base_url()),
        };
        store.create_bot(&bot).await.unwrap();
        let mut events = bus.subscribe();
        supervisor.start_bot(bot.clone()).await;
        wait_for(
            &mut events,
            |e| matches!(e, DomainEvent::BotStatus { status, .. } if status.as_str() == "ready"),
        )
        .await;
        Self {
            graph,
            store,
            bus,
            engine,
            supervisor,
            factory,
            bot,
        }
    }

    /// The bot's webhook, as the server would look it up.
    pub(crate) fn webhook(&self) -> CloudWebhook {
        self.factory
            .webhook(self.bot.id)
            .expect("a cloud bot has a webhook")
    }
}

/// Waits (up to [`STACK_WAIT`]) for an event matching `pred`; returns it.
pub(crate) async fn wait_for(
    events: &mut broadcast::Receiver<DomainEvent>,
    pred: impl Fn(&DomainEvent) -> bool,
) -> DomainEvent {
    tokio::time::timeout(STACK_WAIT, async {
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
