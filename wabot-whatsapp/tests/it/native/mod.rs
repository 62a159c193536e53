//! The native engine: the real whatsapp-rust client against an in-process fake WhatsApp
//! server (`fake_server`), its session stored through wabot's memory store.

mod backend;
mod fake_server;

use std::{sync::Arc, time::Duration};

use base64::{Engine as _, engine::general_purpose::STANDARD};
use chrono::Utc;
use tokio::sync::mpsc;
use wabot_core::{
    domain::{Bot, BotName, Prompt, Workspace, WorkspaceName},
    ids::WorkspaceId,
    memory::MemoryStore,
    ports::MessagingTransport,
    ports::{BotStore, DisconnectReason, SessionKeyStore, TransportEvent, WorkspaceStore},
};
use wabot_whatsapp::native::{NativeConfig, NativeTransport, PlaintextKeys, SessionBackend};

use self::fake_server::FakeWhatsApp;

/// A memory store holding one bot.
async fn store_with_bot() -> (Arc<MemoryStore>, Bot) {
    let store = Arc::new(MemoryStore::new());
    let bot = add_bot(store.as_ref()).await;
    (store, bot)
}

/// A new workspace with one bot in `store`.
pub(crate) async fn add_bot(store: &(impl WorkspaceStore + BotStore)) -> Bot {
    crate::cloud::init_logs();
    let now = Utc::now();
    let ws = Workspace {
        id: WorkspaceId::new(),
        name: WorkspaceName::parse("Acme").unwrap(),
        created_at: now,
    };
    store.create_workspace(&ws).await.unwrap();
    let bot = Bot::new(
        ws.id,
        BotName::parse("Native bot").unwrap(),
        Prompt::parse("You sell bicycles.").unwrap(),
        now,
    );
    store.create_bot(&bot).await.unwrap();
    bot
}

/// A native transport for `bot` connected to `server`, running; returns its event stream.
pub(crate) fn start(
    store: Arc<dyn SessionKeyStore>,
    bot: &Bot,
    server: &FakeWhatsApp,
) -> (
    Arc<NativeTransport>,
    mpsc::Receiver<TransportEvent>,
    tokio::task::JoinHandle<Result<(), wabot_core::TransportError>>,
) {
    let backend = SessionBackend::new(store, Arc::new(PlaintextKeys), bot.id);
    let config = NativeConfig {
        // A fixed version: the client must not look one up over HTTP.
        version: Some((2, 3000, 1)),
        ..NativeConfig::default()
    };
    let transport = Arc::new(NativeTransport::new(
        backend,
        Arc::new(server.clone()),
        config,
    ));
    let (tx, rx) = mpsc::channel(64);
    let running = {
        let transport = transport.clone();
        tokio::spawn(async move { transport.run(tx).await })
    };
    (transport, rx, running)
}

/// The next QR code among the events (others are skipped), within `within`.
pub(crate) async fn next_qr(
    events: &mut mpsc::Receiver<TransportEvent>,
    within: Duration,
) -> String {
    let wait = async {
        loop {
            match events.recv().await {
                Some(TransportEvent::Qr { code }) => return code,
                Some(_) => continue,
                None => panic!("the transport ended before showing a QR code"),
            }
        }
    };
    tokio::time::timeout(within, wait)
        .await
        .expect("a QR code in time")
}

fn decoded_key(part: &str) -> Vec<u8> {
    STANDARD.decode(part).expect("base64 key in the QR payload")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_session_handshakes_and_shows_the_servers_first_ref_as_a_real_qr_code() {
    let (store, bot) = store_with_bot().await;
    let server = FakeWhatsApp::new(&["2@first-ref", "2@second-ref"]);

    let (transport, mut events, running) = start(store.clone(), &bot, &server);
    let code = next_qr(&mut events, Duration::from_secs(20)).await;

    // ref,noisePub,identityPub,advSecret[,platform]
    let parts: Vec<&str> = code.split(',').collect();
    assert!(parts.len() == 4 || parts.len() == 5, "QR payload {code}");
    assert_eq!(parts[0], "2@first-ref");
    let noise_pub = decoded_key(parts[1]);
    assert_eq!(
        Some(noise_pub.as_slice()),
        server
            .observed()
            .client_static
            .as_ref()
            .map(|k| k.as_slice()),
        "the QR code carries the static key the client proved in the Noise handshake"
    );
    assert_eq!(decoded_key(parts[2]).len(), 32, "identity key");
    assert_eq!(decoded_key(parts[3]).len(), 32, "ADV secret");
    assert_eq!(server.observed().connections, 1);
    assert!(
        server.observed().client_nodes.iter().any(|t| t == "iq"),
        "the client acknowledged the pair-device IQ: {:?}",
        server.observed().client_nodes
    );

    transport.stop().await;
    let ended = tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("run ends after stop")
        .unwrap();
    assert!(ended.is_ok(), "{ended:?}");
    let mut rest = Vec::new();
    while let Ok(e) = events.try_recv() {
        rest.push(e);
    }
    assert!(
        rest.contains(&TransportEvent::Disconnected {
            reason: DisconnectReason::Stopped
        }),
        "{rest:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unpaired_device_keys_are_kept_in_our_store_and_reused_after_a_restart() {
    let (store, bot) = store_with_bot().await;
    let server = FakeWhatsApp::new(&["2@first-ref"]);

    let (transport, mut events, running) = start(store.clone(), &bot, &server);
    let first = next_qr(&mut events, Duration::from_secs(20)).await;
    transport.stop().await;
    running.await.unwrap().unwrap();
    let stored = store.list_session_keys(bot.id, "").await.unwrap();

    let (transport, mut events, running) = start(store.clone(), &bot, &server);
    let second = next_qr(&mut events, Duration::from_secs(20)).await;
    transport.stop().await;
    running.await.unwrap().unwrap();

    assert!(
        stored.iter().any(|(k, _)| k == "device"),
        "the device record is in the bot's session keys: {:?}",
        stored.iter().map(|(k, _)| k).collect::<Vec<_>>()
    );
    let keys = |code: &str| {
        code.split(',')
            .skip(1)
            .take(2)
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        keys(&first),
        keys(&second),
        "a restart reuses the stored noise and identity keys"
    );
}

#[tokio::test(start_paused = true)]
async fn qr_codes_rotate_through_the_servers_refs() {
    let (store, bot) = store_with_bot().await;
    let server = FakeWhatsApp::new(&["2@first-ref", "2@second-ref", "2@third-ref"]);

    let (transport, mut events, running) = start(store.clone(), &bot, &server);
    let codes = [
        next_qr(&mut events, Duration::from_secs(120)).await,
        next_qr(&mut events, Duration::from_secs(120)).await,
        next_qr(&mut events, Duration::from_secs(120)).await,
    ];
    transport.stop().await;
    running.await.unwrap().unwrap();

    let refs: Vec<&str> = codes.iter().map(|c| c.split(',').next().unwrap()).collect();
    assert_eq!(refs, ["2@first-ref", "2@second-ref", "2@third-ref"]);
}
