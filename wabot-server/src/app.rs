//! [`Application`]: builds the whole server from [`Settings`], binds the port, runs until
//! stopped, and shuts down gracefully (stop accepting, finish in-flight requests, close
//! WebSocket streams, stop bots cleanly).

use std::{net::SocketAddr, sync::Arc, time::Duration};

use axum::{Router, routing::get};
use tokio::{net::TcpListener, sync::watch};
use wabot_core::{
    engine::{Engine, EngineDeps, TransportRegistry},
    memory::{BroadcastBus, SandboxHub},
    ports::{Clock, EventBus, ServerStore, SystemClock},
    scheduler::Scheduler,
    supervisor::{BotController, Supervisor},
};
use wabot_store::{PostgresStore, SqliteStore};
use wabot_whatsapp::{
    cloud::CloudTransportFactory,
    native::{NativeConfig, NativeTransportFactory},
    web::{WebConfig, WebTransportFactory},
};

use crate::{
    auth::AuthService,
    config::Settings,
    crypto::Crypto,
    demo::{self, DemoInfo},
    metrics::Metrics,
    poem_bridge::PoemService,
    state::{AppState, QrCodes},
    wiring::{LlmRouter, SecretCache, SessionCipher, TransportRouter},
    ws::WsHub,
};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// A setting is unusable.
    #[error("{0}")]
    Config(String),
    /// The database could not be opened.
    #[error("storage: {0}")]
    Storage(#[from] wabot_core::Error),
    /// The port could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// Opens the configured store (migrating its schema).
pub async fn open_store(settings: &Settings) -> Result<Arc<dyn ServerStore>, StartError> {
    let url = settings.storage.url.trim();
    Ok(if settings.storage.is_postgres() {
        Arc::new(PostgresStore::connect(url).await?)
    } else if url.starts_with("memory:") {
        Arc::new(wabot_core::memory::MemoryStore::new())
    } else {
        Arc::new(SqliteStore::open(url).await?)
    })
}

/// A built server, bound to its port.
pub struct Application {
    listener: TcpListener,
    port: u16,
    state: AppState,
    stop_tx: watch::Sender<bool>,
    demo: Option<DemoInfo>,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// Stops a running [`Application`] from elsewhere (tests, embedding hosts).
#[derive(Debug, Clone)]
pub struct StopHandle(watch::Sender<bool>);

impl StopHandle {
    /// Begins a graceful shutdown.
    pub fn stop(&self) {
        let _ = self.0.send(true);
    }
}

impl Application {
    /// Opens the database, assembles engine, supervisor, scheduler, API and WebSocket, seeds
    /// demo data in demo mode, and binds the port (port 0 picks a free one).
    pub async fn build(settings: Settings) -> Result<Self, StartError> {
        let store = open_store(&settings).await?;
        Self::build_with_store(settings, store).await
    }

    /// Like [`build`](Self::build) over an already opened store.
    pub async fn build_with_store(
        mut settings: Settings,
        store: Arc<dyn ServerStore>,
    ) -> Result<Self, StartError> {
        settings
            .check_demo_mode()
            .map_err(|e| StartError::Config(e.to_string()))?;
        let demo_mode = settings.demo_enabled();
        let crypto = match &settings.master_key {
            Some(key) => {
                Crypto::from_encoded(key).map_err(|e| StartError::Config(e.to_string()))?
            }
            None if demo_mode => {
                let path = settings.storage.data_dir.join("master.key");
                tracing::warn!(
                    "demo mode: no WABOT_MASTER_KEY set; using a generated key stored in {} \
                     (set WABOT_MASTER_KEY in production)",
                    path.display()
                );
                Crypto::load_or_create(&path).map_err(|e| StartError::Config(e.to_string()))?
            }
            None => {
                return Err(StartError::Config(
                    "WABOT_MASTER_KEY is required outside demo mode (32 random bytes as base64, \
                     e.g. `openssl rand -base64 32`): it encrypts bot API keys at rest"
                        .into(),
                ));
            }
        };
        if settings.auth.public_url.is_none() {
            settings.auth.public_url = settings.server.public_url.clone();
        }
        let demo = if demo_mode {
            Some(demo::seed(store.as_ref(), settings.demo_api_token.as_ref()).await?)
        } else {
            None
        };
        let auth = AuthService::new(&settings.auth, store.clone(), demo_mode)
            .map_err(|e| StartError::Config(e.to_string()))?;

        let metrics = Metrics::new();
        let bus: Arc<dyn EventBus> = Arc::new(BroadcastBus::new(4096));
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let sandbox = Arc::new(SandboxHub::new());
        let secrets = SecretCache::load(store.as_ref(), &crypto).await?;
        let cloud_secrets = secrets.clone();
        let network = crate::network::policy(&settings);
        let cloud = Arc::new(
            CloudTransportFactory::new(move |bot| cloud_secrets.cloud_credentials(bot))
                .with_network_policy(network.clone()),
        );
        let mut web_config = WebConfig::new(settings.profiles_dir());
        web_config.chromium_path = settings.chromium.path.clone();
        let web = Arc::new(WebTransportFactory::new(web_config));
        let llm = Arc::new(
            LlmRouter::new(secrets.clone(), metrics.clone(), network)
                .map_err(|e| StartError::Config(e.to_string()))?,
        );
        let core_store: Arc<dyn wabot_core::ports::Store> = store.clone();
        let engine = Engine::new(
            EngineDeps {
                store: core_store.clone(),
                llm: llm.clone(),
                bus: bus.clone(),
                clock: clock.clone(),
                transports: TransportRegistry::new(),
            },
            settings.engine.engine_config(),
        );
        let native = Arc::new(NativeTransportFactory::new(
            store.clone(),
            Arc::new(SessionCipher(Arc::new(crypto.clone()))),
            NativeConfig::default(),
        ));
        let router = Arc::new(TransportRouter {
            sandbox: sandbox.clone(),
            native,
            web,
            cloud: cloud.clone(),
        });
        let supervisor = Supervisor::new(engine.clone(), router, settings.engine.backoff());
        let controller: Arc<dyn BotController> = Arc::new(supervisor.clone());
        let scheduler = Arc::new(Scheduler::new(
            core_store,
            clock.clone(),
            bus.clone(),
            controller,
        ));
        let (stop_tx, stop_rx) = watch::channel(false);
        let limits = Arc::new(crate::limits::RateLimits::new(&settings.limits));
        let state = AppState {
            settings: Arc::new(settings),
            store,
            engine,
            supervisor,
            scheduler,
            bus,
            sandbox,
            cloud,
            clock,
            metrics,
            crypto: Arc::new(crypto),
            secrets,
            llm,
            qr: Arc::new(QrCodes::default()),
            auth: Arc::new(auth),
            ws: WsHub::new(),
            limits,
            shutdown: stop_rx,
        };
        let addr = state.settings.server.bind;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Bind { addr, source })?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        Ok(Self {
            listener,
            port,
            state,
            stop_tx,
            demo,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state (tests reach the store and the bus through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// What demo mode seeded, if it is on.
    pub fn demo(&self) -> Option<&DemoInfo> {
        self.demo.as_ref()
    }

    /// A handle that stops the server gracefully.
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle(self.stop_tx.clone())
    }

    /// Serves until SIGINT/SIGTERM or [`StopHandle::stop`], then shuts down gracefully.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Self {
            listener,
            port,
            state,
            stop_tx,
            demo,
        } = self;
        let settings = state.settings.clone();

        let background = vec![state.ws.forward(state.bus.as_ref()), spawn_observer(&state)];
        let webhook_worker = if settings.webhooks.enabled {
            let mut stop = state.shutdown.clone();
            Some(crate::webhooks::spawn_worker(state.clone(), async move {
                let _ = stop.wait_for(|v| *v).await;
            }))
        } else {
            None
        };
        let scheduler = state.scheduler.clone();
        let scheduler_stop = state.shutdown.clone();
        let scheduler_task = tokio::spawn(async move { scheduler.run(scheduler_stop).await });
        let started = match state.supervisor.start_enabled().await {
            Ok(n) => n,
            Err(e) => {
                tracing::error!("could not start the enabled bots: {e}");
                0
            }
        };
        let bots = state
            .store
            .list_bots(None)
            .await
            .map(|b| b.len())
            .unwrap_or(0);
        let public = match &settings.server.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => {
                let mut addr = settings.server.bind;
                addr.set_port(port);
                format!("http://{addr}")
            }
        };
        tracing::info!(
            storage = %wabot_store::redact_url(&settings.storage.url),
            demo = demo.is_some(),
            bots,
            running = started,
            "wabot-server listening: dashboard {public}/ , API docs {public}/api/docs"
        );
        if let Some(demo) = &demo {
            tracing::info!(
                workspace = %demo.workspace,
                "demo mode: a demo workspace with a sandbox bot on the offline model{}; sign in \
                 from this machine with the demo login",
                if demo.created { " was created" } else { "" }
            );
        }

        let app = router(state.clone());
        let mut stop_rx = stop_tx.subscribe();
        let signal_tx = stop_tx.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            let _ = signal_tx.send(true);
        });
        let graceful = async move {
            let _ = stop_rx.wait_for(|v| *v).await;
            tracing::info!("shutting down: no new connections; finishing in-flight requests");
        };
        let server = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(graceful);
        let mut stopped = stop_tx.subscribe();
        let grace = Duration::from_secs(settings.server.shutdown_grace_secs);
        let served = tokio::select! {
            r = server.into_future() => r,
            _ = async {
                let _ = stopped.wait_for(|v| *v).await;
                tokio::time::sleep(grace).await;
            } => {
                tracing::warn!("in-flight requests did not finish within {grace:?}; closing them");
                Ok(())
            }
        };
        tracing::info!("stopping bots");
        let _ = stop_tx.send(true);
        state.supervisor.shutdown().await;
        let _ = tokio::time::timeout(Duration::from_secs(5), scheduler_task).await;
        if let Some(worker) = webhook_worker {
            let _ = tokio::time::timeout(Duration::from_secs(5), worker).await;
        }
        state.engine.wait_idle().await;
        for task in background {
            task.abort();
        }
        tracing::info!("stopped");
        served
    }
}

/// The axum router of the whole server over `state`.
pub fn router(state: AppState) -> Router {
    let api = PoemService::new(crate::api::endpoint(state.clone()));
    Router::new()
        .route("/healthz", get(crate::ops::healthz))
        .route("/readyz", get(crate::ops::readyz))
        .route("/metrics", get(crate::ops::prometheus))
        .route("/ws", get(crate::ws::handler))
        .route(
            "/webhooks/cloud/{bot_id}",
            get(crate::cloud_webhook::verify).post(crate::cloud_webhook::receive),
        )
        .merge(crate::auth::routes::router())
        .merge(crate::dashboard::router())
        .nest_service("/api", api)
        // Innermost first: rate limits and the body limit see the request before any handler;
        // the security headers and the request metrics see every answer, 413 and 429 included.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::limits::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::limits::enforce_body_limit,
        ))
        // The body limit above replaces axum's 2 MB default, which would answer plain text.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::security_headers::apply,
        ))
        .layer(axum::middleware::from_fn(crate::ops::track_http))
        .with_state(state)
}

/// Keeps the QR cache and the message/schedule counters up to date from the bus.
fn spawn_observer(state: &AppState) -> tokio::task::JoinHandle<()> {
    let mut events = state.bus.subscribe();
    let qr = state.qr.clone();
    let metrics = state.metrics.clone();
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => {
                    qr.observe(&event);
                    metrics.observe_event(&event);
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
