//! The life of one WhatsApp Web session: launch, inject, follow the page's reports, map them to
//! [`TransportEvent`]s, and end with a reason.

use std::{sync::Arc, time::Duration};

use chromiumoxide::Page;
use futures::{FutureExt, StreamExt, future::BoxFuture};
use serde_json::{Value, json};
use tokio::time::Instant;
use wabot_core::ports::{DisconnectReason, EventSink, TransportEvent};

use super::{
    browser::{self, BINDING, Launched, Signals},
    config::WebConfig,
    error::WebError,
    manifest::MANIFEST,
    protocol::{PageEvent, StateClass, account_number, classify_state, delivery_status},
    transport::WebTransport,
};

/// What the session loop does after handling something.
enum Step {
    Continue,
    /// A new document loaded: inject again.
    Reinject,
    /// The session is over.
    End(Result<(), WebError>),
}

/// Progress of one session.
struct Driver<'a> {
    transport: &'a WebTransport,
    sink: &'a EventSink,
    qr_shown: u32,
    authenticated: bool,
    ready: bool,
    lost: bool,
    account: Option<String>,
}

impl WebTransport {
    /// Runs one session until it is stopped (`Ok`) or fails.
    pub(crate) async fn drive(&self, sink: &EventSink) -> Result<(), WebError> {
        let stopped = self.stop_signal().notified();
        tokio::pin!(stopped);
        stopped.as_mut().enable();

        let profile = self.profile_dir();
        let (mut launched, signals) = tokio::select! {
            launched = browser::launch(self.config(), &profile) => launched?,
            _ = &mut stopped => return Ok(()),
        };
        let Signals {
            mut handler_gone,
            mut bindings,
            mut crashed,
        } = signals;
        let page = launched.page.clone();
        self.session_started(page.clone(), launched.pid, launched.devtools_url.clone());
        tracing::info!(
            bot = %self.bot(),
            pid = ?launched.pid,
            profile = %profile.display(),
            "Chromium started for WhatsApp Web"
        );

        let mut driver = Driver {
            transport: self,
            sink,
            qr_shown: 0,
            authenticated: false,
            ready: false,
            lost: false,
            account: None,
        };
        let mut inject: Option<BoxFuture<'static, Result<Value, WebError>>> =
            Some(self::inject(page.clone(), self.config_arc(), self.pairing_phone()).boxed());
        let mut watchdog = tokio::time::interval(Duration::from_millis(250));

        let outcome: Result<(), WebError> = loop {
            let step = tokio::select! {
                _ = &mut stopped => Step::End(Ok(())),
                _ = sink.closed() => Step::End(Ok(())),
                reason = &mut handler_gone => Step::End(Err(WebError::BrowserCrashed(
                    reason.unwrap_or_else(|_| "the DevTools handler stopped".into()),
                ))),
                Some(_) = crashed.next() => Step::End(Err(WebError::BrowserCrashed(
                    "the WhatsApp Web tab crashed".into(),
                ))),
                _ = watchdog.tick() => Step::Continue,
                result = async {
                    match inject.as_mut() {
                        Some(fut) => fut.await,
                        None => std::future::pending().await,
                    }
                } => {
                    inject = None;
                    match result {
                        Ok(outcome) => driver.on_init(outcome).await,
                        Err(e) => Step::End(Err(e)),
                    }
                }
                Some(call) = bindings.next() => {
                    if call.name != BINDING {
                        Step::Continue
                    } else {
                        match serde_json::from_str::<PageEvent>(&call.payload) {
                            Ok(event) => driver.on_page(event).await,
                            Err(e) => {
                                tracing::warn!(bot = %self.bot(), error = %e, "unreadable report from the page");
                                Step::Continue
                            }
                        }
                    }
                }
            };
            // The process watchdog: chromiumoxide's handler does not always notice a killed
            // browser, the exit status does.
            let step = match (step, launched.browser.try_wait()) {
                (Step::End(result), _) => Step::End(result),
                (_, Ok(Some(status))) => Step::End(Err(WebError::BrowserCrashed(format!(
                    "Chromium exited ({status})"
                )))),
                (step, _) => step,
            };
            match step {
                Step::Continue => {}
                Step::Reinject => {
                    self.set_page_ready(false, None);
                    inject = Some(
                        self::inject(page.clone(), self.config_arc(), self.pairing_phone()).boxed(),
                    );
                }
                Step::End(result) => break result,
            }
        };
        drop(inject);
        self.session_ended();
        driver.finish(outcome, launched).await
    }
}

/// Waits until WhatsApp Web has loaded (`window.Debug.VERSION`), then runs the injected
/// `init`, which checks the manifest and attaches the listeners.
async fn inject(
    page: Page,
    config: Arc<WebConfig>,
    pairing_phone: Option<String>,
) -> Result<Value, WebError> {
    let deadline = Instant::now() + config.auth_timeout;
    let probe = Duration::from_secs(5).min(config.command_timeout);
    loop {
        let loaded = browser::call(
            &page,
            "waiting for WhatsApp Web",
            "!!(window.__wabot && window.__wabot.ready())".into(),
            probe,
        )
        .await;
        match loaded {
            Ok(Value::Bool(true)) => {
                let options = json!({ "pairingPhone": pairing_phone });
                match browser::call(
                    &page,
                    "injecting",
                    format!("window.__wabot.init({options})"),
                    config.command_timeout,
                )
                .await
                {
                    Ok(outcome) => return Ok(outcome),
                    Err(WebError::Script { message, .. }) if navigating(&message) => {}
                    Err(e) => return Err(e),
                }
            }
            Err(e @ WebError::BrowserCrashed(_)) => return Err(e),
            // Not loaded yet, or the document is being replaced.
            Ok(_) | Err(_) => {}
        }
        if Instant::now() >= deadline {
            return Err(WebError::AuthTimeout(config.auth_timeout));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Whether a script error only means the document was replaced under the call.
fn navigating(message: &str) -> bool {
    message.contains("context was destroyed")
        || message.contains("Cannot find context")
        || message.contains("Inspected target navigated")
}

impl Driver<'_> {
    /// Sends an event to the supervisor; `false` when nobody listens any more.
    async fn emit(&self, event: TransportEvent) -> bool {
        self.sink.send(event).await.is_ok()
    }

    fn ended_if(&self, delivered: bool) -> Step {
        if delivered {
            Step::Continue
        } else {
            Step::End(Ok(()))
        }
    }

    /// The answer of the injected `init`.
    async fn on_init(&mut self, outcome: Value) -> Step {
        let build = outcome["version"].as_str().unwrap_or("unknown").to_string();
        if outcome["ok"] != Value::Bool(true) {
            let missing = &outcome["missing"];
            return Step::End(Err(WebError::MissingModule {
                module: missing["module"].as_str().unwrap_or("?").to_string(),
                member: missing["member"].as_str().map(str::to_string),
                build,
                manifest: MANIFEST.version.to_string(),
            }));
        }
        tracing::info!(
            bot = %self.transport.bot(),
            build = %build,
            manifest = MANIFEST.version,
            "WhatsApp Web injected"
        );
        if let Some(state) = outcome["state"].as_str()
            && let Step::End(result) = self.on_state(state).await
        {
            return Step::End(result);
        }
        if outcome["synced"] == Value::Bool(true) {
            return self
                .on_synced(outcome["me"].as_str().map(str::to_string))
                .await;
        }
        Step::Continue
    }

    /// One report from the page.
    async fn on_page(&mut self, event: PageEvent) -> Step {
        let bot = self.transport.bot();
        match event {
            PageEvent::Loaded { url } => {
                tracing::debug!(bot = %bot, %url, "WhatsApp Web document loaded");
                if url.contains("post_logout=1") {
                    return Step::End(Err(WebError::LoggedOut));
                }
                Step::Reinject
            }
            PageEvent::State { state } => self.on_state(&state).await,
            PageEvent::Synced { me } => self.on_synced(me).await,
            PageEvent::Qr { code } => {
                self.qr_shown += 1;
                let cap = self.transport.config().qr_max_retries;
                if self.qr_shown > cap {
                    return Step::End(Err(WebError::QrTimeout(cap)));
                }
                tracing::info!(bot = %bot, n = self.qr_shown, "QR code to scan");
                let delivered = self.emit(TransportEvent::Qr { code }).await;
                self.ended_if(delivered)
            }
            PageEvent::Code { code } => {
                let delivered = self.emit(TransportEvent::PairingCode { code }).await;
                self.ended_if(delivered)
            }
            PageEvent::Msg(message) => {
                let id = message.id.clone();
                match message.into_inbound() {
                    Ok(inbound) => {
                        let delivered = self.emit(TransportEvent::Inbound(inbound)).await;
                        self.ended_if(delivered)
                    }
                    Err(why) => {
                        tracing::debug!(bot = %bot, %id, "not a customer message: {why}");
                        Step::Continue
                    }
                }
            }
            PageEvent::Ack { id, ack } => match delivery_status(ack) {
                Some(status) => {
                    let delivered = self
                        .emit(TransportEvent::Ack {
                            provider_message_id: id,
                            status,
                        })
                        .await;
                    self.ended_if(delivered)
                }
                None => Step::Continue,
            },
            PageEvent::Logout => Step::End(Err(WebError::LoggedOut)),
            PageEvent::Error { r#where, message } => {
                tracing::warn!(bot = %bot, context = %r#where, %message, "WhatsApp Web helper failed");
                Step::Continue
            }
        }
    }

    /// A `Socket.state` (at injection or on change).
    async fn on_state(&mut self, state: &str) -> Step {
        let bot = self.transport.bot();
        tracing::debug!(bot = %bot, state, "WhatsApp Web state");
        match classify_state(state) {
            StateClass::Unpaired if self.ready => Step::End(Err(WebError::LoggedOut)),
            StateClass::Unpaired | StateClass::Transitional => Step::Continue,
            StateClass::Connected => {
                if !self.authenticated {
                    // Paired (or restored); the session still syncs until `hasSynced`.
                    self.authenticated = true;
                    if !self.emit(TransportEvent::Authenticated).await {
                        return Step::End(Ok(()));
                    }
                }
                if self.lost {
                    self.lost = false;
                    self.transport.set_page_ready(true, self.account.clone());
                    let account = self.account.clone();
                    let delivered = self.emit(TransportEvent::Ready { account }).await;
                    return self.ended_if(delivered);
                }
                Step::Continue
            }
            StateClass::Conflict => Step::End(Err(WebError::Conflict)),
            StateClass::Lost => {
                if self.ready && !self.lost {
                    self.lost = true;
                    self.transport.set_page_ready(false, self.account.clone());
                    let delivered = self
                        .emit(TransportEvent::Disconnected {
                            reason: DisconnectReason::Network(format!(
                                "WhatsApp Web lost its connection ({state}); reconnecting"
                            )),
                        })
                        .await;
                    return self.ended_if(delivered);
                }
                Step::Continue
            }
            StateClass::Fatal => Step::End(Err(WebError::State(state.to_string()))),
        }
    }

    /// `Socket.hasSynced`: the session is authenticated and ready.
    async fn on_synced(&mut self, me: Option<String>) -> Step {
        if let Some(me) = me {
            self.account = Some(account_number(&me));
        }
        self.transport.set_page_ready(true, self.account.clone());
        if !self.authenticated {
            self.authenticated = true;
            if !self.emit(TransportEvent::Authenticated).await {
                return Step::End(Ok(()));
            }
        }
        if self.ready {
            return Step::Continue;
        }
        self.ready = true;
        tracing::info!(bot = %self.transport.bot(), account = ?self.account, "WhatsApp Web ready");
        let account = self.account.clone();
        let delivered = self.emit(TransportEvent::Ready { account }).await;
        self.ended_if(delivered)
    }

    /// Reports how the session ended, closes the browser and resets the profile after a logout.
    async fn finish(
        self,
        outcome: Result<(), WebError>,
        launched: Launched,
    ) -> Result<(), WebError> {
        let reason = match &outcome {
            Ok(()) => None,
            Err(WebError::LoggedOut) => Some(DisconnectReason::Logout),
            Err(WebError::Conflict) => Some(DisconnectReason::Conflict),
            Err(WebError::QrTimeout(_) | WebError::AuthTimeout(_)) => {
                Some(DisconnectReason::Timeout)
            }
            Err(WebError::BrowserCrashed(why)) => Some(DisconnectReason::Crash(why.clone())),
            Err(WebError::State(state)) => Some(DisconnectReason::Network(format!(
                "WhatsApp Web entered state {state}"
            ))),
            Err(_) => None,
        };
        tracing::debug!(bot = %self.transport.bot(), outcome = ?outcome, "WhatsApp Web session ending");
        if let Some(reason) = reason {
            let _ = self.emit(TransportEvent::Disconnected { reason }).await;
        }
        let graceful = !matches!(outcome, Err(WebError::BrowserCrashed(_)));
        browser::close(launched, graceful).await;
        if matches!(outcome, Err(WebError::LoggedOut)) {
            let profile = self.transport.profile_dir();
            tracing::info!(bot = %self.transport.bot(), profile = %profile.display(), "logged out: resetting the profile");
            if let Err(e) = tokio::fs::remove_dir_all(&profile).await
                && e.kind() != std::io::ErrorKind::NotFound
            {
                return Err(WebError::Profile {
                    path: profile.display().to_string(),
                    message: format!("could not reset after logout: {e}"),
                });
            }
        }
        outcome
    }
}
