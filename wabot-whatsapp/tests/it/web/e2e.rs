//! Through the real engine and supervisor: pairing, answering a customer, acks, restarts,
//! logout and a killed browser.

use std::{sync::Arc, time::Duration};

use serde_json::json;
use tokio::sync::broadcast;
use wabot_core::{
    domain::{
        Bot, BotName, BotStatus, ContactId, DeliveryStatus, Direction, Pacing, Prompt,
        TransportConfig, Workspace, WorkspaceName,
    },
    engine::{Engine, EngineConfig, EngineDeps, TransportRegistry},
    ids::WorkspaceId,
    memory::{BroadcastBus, MemoryStore, Scripted, ScriptedLlm},
    ports::{DomainEvent, EventBus, SharedLlm, Store, SystemClock},
    supervisor::{Backoff, Supervisor},
};
use wabot_whatsapp::web::{FakeWhatsApp, WebError, WebTransport, WebTransportFactory};

use super::{
    phone::Phone,
    support::{Sandbox, WAIT},
};

const CUSTOMER: &str = "34612345678@c.us";

/// Engine + supervisor on in-memory adapters, with one enabled `web` bot.
struct Platform {
    store: Arc<dyn Store>,
    llm: Arc<ScriptedLlm>,
    bus: Arc<BroadcastBus>,
    factory: Arc<WebTransportFactory>,
    supervisor: Supervisor,
    bot: Bot,
    // Declared last: the profiles outlive the browsers.
    sandbox: Sandbox,
}

impl Platform {
    async fn new(fake: FakeWhatsApp) -> Self {
        let sandbox = Sandbox::new().await;
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let llm = Arc::new(ScriptedLlm::new([]));
        let bus = Arc::new(BroadcastBus::default());
        let engine = Engine::new(
            EngineDeps {
                store: store.clone(),
                llm: Arc::new(SharedLlm(llm.clone())),
                bus: bus.clone(),
                clock: Arc::new(SystemClock),
                transports: TransportRegistry::new(),
            },
            // Pacing on (with the bot's tiny delays) so the bot shows typing before replying.
            EngineConfig {
                pacing: true,
                ..EngineConfig::default()
            },
        );
        let factory = Arc::new(WebTransportFactory::new(sandbox.config(&fake)));
        let supervisor = Supervisor::new(
            engine,
            factory.clone(),
            Backoff {
                initial: Duration::from_millis(50),
                max: Duration::from_millis(200),
                factor: 2.0,
                jitter: 0.1,
            },
        );
        let now = chrono::Utc::now();
        let workspace = Workspace {
            id: WorkspaceId::new(),
            name: WorkspaceName::parse("Acme Solar").unwrap(),
            created_at: now,
        };
        store.create_workspace(&workspace).await.unwrap();
        let mut bot = Bot::new(
            workspace.id,
            BotName::parse("Acme on WhatsApp").unwrap(),
            Prompt::parse("You are the assistant of Acme Solar.").unwrap(),
            now,
        );
        bot.enabled = true;
        bot.transport = TransportConfig::Web {
            pairing_phone: None,
        };
        bot.pacing = Pacing {
            base_ms: 40,
            per_char_ms: 0,
            max_ms: 40,
            jitter: 0.0,
        };
        store.create_bot(&bot).await.unwrap();
        Self {
            store,
            llm,
            bus,
            factory,
            supervisor,
            bot,
            sandbox,
        }
    }

    fn transport(&self) -> Arc<WebTransport> {
        self.factory
            .session(self.bot.id)
            .expect("a transport was created")
    }

    async fn start(&self) -> broadcast::Receiver<DomainEvent> {
        let events = self.bus.subscribe();
        self.supervisor.start_bot(self.bot.clone()).await;
        events
    }

    /// Starts the bot on a fresh profile, scans the first QR and waits until it is ready.
    async fn start_and_pair(&self) -> (broadcast::Receiver<DomainEvent>, Phone) {
        let mut events = self.start().await;
        wait_for(&mut events, |e| matches!(e, DomainEvent::Qr { .. })).await;
        let mut phone = Phone::connect(&self.transport()).await;
        phone.scan().await;
        wait_status(&mut events, BotStatus::Ready).await;
        (events, phone)
    }

    async fn stop(&self) {
        self.supervisor.shutdown().await;
    }
}

async fn wait_for(
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

/// Waits for a bot status; returns its detail.
async fn wait_status(
    events: &mut broadcast::Receiver<DomainEvent>,
    wanted: BotStatus,
) -> Option<String> {
    match wait_for(
        events,
        |e| matches!(e, DomainEvent::BotStatus { status, .. } if *status == wanted),
    )
    .await
    {
        DomainEvent::BotStatus { detail, .. } => detail,
        _ => unreachable!(),
    }
}

fn qr_code(event: &DomainEvent) -> Option<&str> {
    match event {
        DomainEvent::Qr { code, .. } => Some(code),
        _ => None,
    }
}

#[tokio::test]
async fn a_fresh_profile_pairs_by_qr_then_the_bot_answers_with_typing_first_and_stores_acks() {
    let p = Platform::new(FakeWhatsApp::new()).await;
    p.llm.push(Scripted::Reply(
        "¡Hola Ana! ¿En qué ciudad está su casa?".into(),
    ));
    let mut events = p.start().await;

    // Three QR codes: the first and two rotations.
    let mut codes = Vec::new();
    while codes.len() < 3 {
        let e = wait_for(&mut events, |e| qr_code(e).is_some()).await;
        codes.push(qr_code(&e).unwrap().to_string());
    }
    assert!(codes[0] != codes[1] && codes[1] != codes[2], "{codes:?}");
    let mut phone = Phone::connect(&p.transport()).await;
    phone.scan().await;
    wait_status(&mut events, BotStatus::Authenticated).await;
    let account = wait_status(&mut events, BotStatus::Ready).await;
    assert_eq!(account.as_deref(), Some("15550000001"));

    let inbound_id = phone
        .receive(
            CUSTOMER,
            "Hola, quiero paneles solares",
            "chat",
            json!({"notifyName": "Ana"}),
        )
        .await;
    let reply = wait_for(&mut events, |e| {
        matches!(e, DomainEvent::Message { message, .. } if message.direction == Direction::Outbound)
    })
    .await;
    let DomainEvent::Message { message: reply, .. } = reply else {
        unreachable!()
    };
    wait_for(&mut events, |e| {
        matches!(e, DomainEvent::Delivery { message_id, status: DeliveryStatus::Read, .. } if *message_id == reply.id)
    })
    .await;

    // The customer's message reached the engine and the lead.
    let lead = p
        .store
        .find_lead(p.bot.id, &ContactId::parse(CUSTOMER).unwrap())
        .await
        .unwrap()
        .expect("a lead for the customer");
    assert_eq!(lead.display_name.as_deref(), Some("Ana"));
    let messages = p.store.recent_messages(lead.id, 10).await.unwrap();
    let inbound = messages
        .iter()
        .find(|m| m.direction == Direction::Inbound)
        .expect("the inbound message is stored");
    assert_eq!(
        inbound.provider_message_id.as_deref(),
        Some(inbound_id.as_str())
    );
    // The reply went out through WhatsApp Web, after typing, and its acks were stored.
    let stored = messages.iter().find(|m| m.id == reply.id).unwrap();
    assert_eq!(stored.body, "¡Hola Ana! ¿En qué ciudad está su casa?");
    assert_eq!(stored.delivery, DeliveryStatus::Read);
    assert!(
        stored
            .provider_message_id
            .as_deref()
            .unwrap()
            .starts_with("true_34612345678@c.us_")
    );
    assert_eq!(
        phone
            .eval(&format!(
                "window.__fake.typingBeforeSend({})",
                json!(CUSTOMER)
            ))
            .await,
        json!(true)
    );
    let log = phone.log().await;
    assert!(
        log.iter()
            .any(|e| e["kind"] == "seen" && e["chat"] == CUSTOMER),
        "read receipt sent"
    );
    assert!(
        log.iter()
            .any(|e| e["kind"] == "send" && e["body"] == "¡Hola Ana! ¿En qué ciudad está su casa?")
    );

    p.stop().await;
    assert!(p.transport().browser_pid().is_none());
}

#[tokio::test]
async fn a_relaunch_with_the_same_profile_is_ready_without_a_qr() {
    let p = Platform::new(FakeWhatsApp::new()).await;
    let _ = p.start_and_pair().await;
    p.supervisor.stop_bot(p.bot.id).await;

    let mut events = p.start().await;
    let ready = wait_for(&mut events, |e| {
        matches!(
            e,
            DomainEvent::BotStatus {
                status: BotStatus::Ready,
                ..
            }
        ) || qr_code(e).is_some()
    })
    .await;

    assert!(
        matches!(
            ready,
            DomainEvent::BotStatus {
                status: BotStatus::Ready,
                ..
            }
        ),
        "expected ready without a QR, got {ready:?}"
    );
    assert!(p.sandbox.dir().join(p.bot.id.to_string()).is_dir());
    p.stop().await;
}

#[tokio::test]
async fn a_logout_resets_the_profile_and_the_restarted_bot_shows_a_qr_again() {
    let p = Platform::new(FakeWhatsApp::new()).await;
    let (mut events, mut phone) = p.start_and_pair().await;
    let first = p.transport();

    phone.act("window.__fake.logout()").await;
    let detail = wait_status(&mut events, BotStatus::Qr).await;
    let failed = wait_status(&mut events, BotStatus::Failed).await;
    let qr = wait_for(&mut events, |e| qr_code(e).is_some()).await;

    assert!(detail.unwrap().contains("logout"));
    assert!(failed.unwrap().contains("logged out"));
    assert_eq!(first.last_error(), Some(WebError::LoggedOut));
    assert!(qr_code(&qr).is_some(), "a new QR after the restart");
    assert!(
        !Arc::ptr_eq(&first, &p.transport()),
        "the supervisor started a new session"
    );
    p.stop().await;
}

#[tokio::test]
async fn a_killed_browser_is_restarted_by_the_supervisor_and_comes_back_ready() {
    let p = Platform::new(FakeWhatsApp::new()).await;
    let (mut events, _phone) = p.start_and_pair().await;
    let pid = p.transport().browser_pid().expect("a browser pid");

    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let disconnected = wait_status(&mut events, BotStatus::Disconnected).await;
    let failed = wait_status(&mut events, BotStatus::Failed).await;
    wait_status(&mut events, BotStatus::Starting).await;
    wait_status(&mut events, BotStatus::Ready).await;

    assert!(disconnected.unwrap().contains("crash"));
    assert!(failed.unwrap().contains("browser crashed"));
    let new_pid = p.transport().browser_pid().expect("a new browser");
    assert_ne!(new_pid, pid);
    p.stop().await;
}

#[tokio::test]
async fn a_missing_module_marks_the_bot_failed_with_the_module_named() {
    let p = Platform::new(FakeWhatsApp::new().without_module("WAWebSendMsgChatAction")).await;
    let mut events = p.start().await;

    let detail = wait_status(&mut events, BotStatus::Failed).await.unwrap();

    assert!(
        detail.contains("WAWebSendMsgChatAction is missing"),
        "{detail}"
    );
    p.stop().await;
}
