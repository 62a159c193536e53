//! One Chromium with one WhatsApp Web tab: launching it, wiring the CDP binding, the injected
//! script and request interception, calling into the page, and closing it.

use std::{path::Path, sync::Arc, time::Duration};

use chromiumoxide::{
    Browser, BrowserConfig, Page,
    cdp::{
        browser_protocol::{
            fetch::{
                self, ContinueRequestParams, EventRequestPaused, FulfillRequestParams, HeaderEntry,
                RequestPattern, RequestStage,
            },
            inspector::EventTargetCrashed,
            network::ResourceType,
            page::{AddScriptToEvaluateOnNewDocumentParams, NavigateParams},
        },
        js_protocol::runtime::{AddBindingParams, EvaluateParams, EventBindingCalled},
    },
    listeners::EventStream,
};
use futures::StreamExt;
use serde_json::Value;
use tokio::{sync::oneshot, task::JoinHandle};

use super::{
    config::{WHATSAPP_WEB_URL, WebConfig, chromium_args},
    error::WebError,
    manifest::MANIFEST,
};

/// The name of the CDP binding the page reports through.
pub(crate) const BINDING: &str = "__wabotEmit";

/// The injected helpers (`window.__wabot`).
const INJECT_JS: &str = include_str!("../../assets/inject.js");

/// The script added to every new document: the manifest, then the helpers.
pub(crate) fn injected_script() -> String {
    format!(
        "window.__wabotConfig = {{ binding: {binding}, manifest: {manifest} }};\n{INJECT_JS}",
        binding = serde_json::to_string(BINDING).expect("a string serializes"),
        manifest = MANIFEST.to_json(),
    )
}

/// A running Chromium with the WhatsApp Web tab set up.
pub(crate) struct Launched {
    pub(crate) browser: Browser,
    pub(crate) page: Page,
    pub(crate) pid: Option<u32>,
    pub(crate) devtools_url: String,
    pub(crate) tasks: Vec<JoinHandle<()>>,
}

/// What a launched browser reports to the session loop.
pub(crate) struct Signals {
    /// Resolves when chromiumoxide's handler stream ends or fails for good (browser gone).
    pub(crate) handler_gone: oneshot::Receiver<String>,
    /// What the page reports through the binding.
    pub(crate) bindings: EventStream<EventBindingCalled>,
    /// Fires when the tab's renderer crashes.
    pub(crate) crashed: EventStream<EventTargetCrashed>,
}

/// Removes the lock files a killed Chromium leaves behind; the profile belongs to one bot, so no
/// other browser can be using it.
async fn clear_stale_locks(profile: &Path) {
    for name in ["SingletonLock", "SingletonSocket", "SingletonCookie"] {
        let _ = tokio::fs::remove_file(profile.join(name)).await;
    }
}

/// Launches Chromium on `profile`.
pub(crate) async fn launch(
    config: &WebConfig,
    profile: &Path,
) -> Result<(Launched, Signals), WebError> {
    tokio::fs::create_dir_all(profile)
        .await
        .map_err(|e| WebError::Profile {
            path: profile.display().to_string(),
            message: e.to_string(),
        })?;
    clear_stale_locks(profile).await;

    let mut builder = BrowserConfig::builder()
        .chrome_executable(&config.chromium_path)
        .user_data_dir(profile)
        .no_sandbox()
        .disable_default_args()
        .viewport(None)
        .window_size(1280, 800)
        .launch_timeout(Duration::from_secs(20))
        .request_timeout(config.command_timeout);
    builder = if config.headless {
        builder.new_headless_mode()
    } else {
        builder.with_head()
    };
    for (key, value) in chromium_args(config) {
        builder = match value {
            Some(value) => builder.arg((key.as_str(), value.as_str())),
            None => builder.arg(key),
        };
    }
    let launch_error = |message: String| {
        // The error itself hides the path and the cause (it may reach a tenant); the log
        // is the operator's.
        tracing::warn!(
            path = %config.chromium_path.display(),
            error = %message,
            "could not launch Chromium"
        );
        WebError::Launch {
            path: config.chromium_path.display().to_string(),
            message,
        }
    };
    if !config.chromium_path.exists() {
        return Err(launch_error("no such file".into()));
    }
    let browser_config = builder.build().map_err(launch_error)?;
    let (mut browser, mut handler) = Browser::launch(browser_config)
        .await
        .map_err(|e| launch_error(e.to_string()))?;
    let pid = browser
        .get_mut_child()
        .and_then(|child| child.as_mut_inner().id());
    let devtools_url = browser.websocket_address().clone();

    let (gone_tx, handler_gone) = oneshot::channel();
    let handler_task = tokio::spawn(async move {
        let reason = loop {
            match handler.next().await {
                None => break "the DevTools connection closed".to_string(),
                Some(Ok(())) => {}
                Some(Err(e)) => {
                    let text = e.to_string();
                    // A broken websocket means the browser is gone; anything else is one bad
                    // message and the handler keeps going.
                    if matches!(
                        e,
                        chromiumoxide::error::CdpError::Ws(_)
                            | chromiumoxide::error::CdpError::Io(_)
                    ) {
                        break format!("DevTools connection failed: {text}");
                    }
                    tracing::debug!(error = %text, "chromium handler error");
                }
            }
        };
        let _ = gone_tx.send(reason);
    });

    match setup_page(&browser, config).await {
        Ok((page, bindings, crashed, mut tasks)) => {
            tasks.push(handler_task);
            Ok((
                Launched {
                    browser,
                    page,
                    pid,
                    devtools_url,
                    tasks,
                },
                Signals {
                    handler_gone,
                    bindings,
                    crashed,
                },
            ))
        }
        Err(e) => {
            let _ = browser.kill().await;
            handler_task.abort();
            Err(e)
        }
    }
}

/// Opens the tab, installs the binding, the injected script and interception, and starts
/// loading WhatsApp Web.
async fn setup_page(
    browser: &Browser,
    config: &WebConfig,
) -> Result<
    (
        Page,
        EventStream<EventBindingCalled>,
        EventStream<EventTargetCrashed>,
        Vec<JoinHandle<()>>,
    ),
    WebError,
> {
    let cdp = |context: &str| {
        let context = context.to_string();
        move |e: chromiumoxide::error::CdpError| WebError::BrowserCrashed(format!("{context}: {e}"))
    };
    let page = browser
        .new_page("about:blank")
        .await
        .map_err(cdp("opening a tab"))?;
    // The start-up tab is not needed; every tab costs memory.
    if let Ok(pages) = browser.pages().await {
        for other in pages {
            if other.target_id() != page.target_id() {
                let _ = other.close().await;
            }
        }
    }
    // Listen before anything can happen, so the first document's events are not missed.
    let bindings = page
        .event_listener::<EventBindingCalled>()
        .await
        .map_err(cdp("listening to the binding"))?;
    let crashed = page
        .event_listener::<EventTargetCrashed>()
        .await
        .map_err(cdp("listening for crashes"))?;
    page.execute(AddBindingParams::new(BINDING))
        .await
        .map_err(cdp("adding the binding"))?;
    page.execute(AddScriptToEvaluateOnNewDocumentParams::new(
        injected_script(),
    ))
    .await
    .map_err(cdp("adding the injected script"))?;

    let mut tasks = Vec::new();
    if let Some((html, everything)) = config.served_site() {
        let pattern = RequestPattern {
            url_pattern: Some(format!("{WHATSAPP_WEB_URL}*")),
            resource_type: (!everything).then_some(ResourceType::Document),
            request_stage: Some(RequestStage::Request),
        };
        let paused = page
            .event_listener::<EventRequestPaused>()
            .await
            .map_err(cdp("listening for requests"))?;
        page.execute(fetch::EnableParams {
            patterns: Some(vec![pattern]),
            handle_auth_requests: None,
        })
        .await
        .map_err(cdp("enabling interception"))?;
        tasks.push(tokio::spawn(serve_site(
            page.clone(),
            paused,
            Arc::from(html),
            everything,
        )));
    }

    let nav_page = page.clone();
    tasks.push(tokio::spawn(async move {
        // Resolves after the load event; progress is tracked through the binding instead.
        if let Err(e) = nav_page
            .execute(NavigateParams::new(WHATSAPP_WEB_URL))
            .await
        {
            tracing::debug!(error = %e, "navigation to WhatsApp Web did not complete");
        }
    }));
    Ok((page, bindings, crashed, tasks))
}

/// Answers intercepted requests: the given HTML for WhatsApp Web documents; with `everything`,
/// a local 404 for any other request to the host.
async fn serve_site(
    page: Page,
    mut paused: EventStream<EventRequestPaused>,
    html: Arc<str>,
    everything: bool,
) {
    use base64::Engine as _;
    let body = base64::engine::general_purpose::STANDARD.encode(html.as_bytes());
    while let Some(event) = paused.next().await {
        let is_document = event.resource_type == ResourceType::Document
            && event.request.url.starts_with(WHATSAPP_WEB_URL);
        let result = if is_document {
            let mut fulfill = FulfillRequestParams::new(event.request_id.clone(), 200);
            fulfill.response_headers = Some(vec![
                HeaderEntry::new("Content-Type", "text/html; charset=utf-8"),
                HeaderEntry::new("Cache-Control", "no-store"),
            ]);
            fulfill.body = Some(body.clone().into());
            page.execute(fulfill).await.map(|_| ())
        } else if everything {
            let mut fulfill = FulfillRequestParams::new(event.request_id.clone(), 404);
            fulfill.body = Some(String::new().into());
            page.execute(fulfill).await.map(|_| ())
        } else {
            page.execute(ContinueRequestParams::new(event.request_id.clone()))
                .await
                .map(|_| ())
        };
        if let Err(e) = result {
            tracing::debug!(url = %event.request.url, error = %e, "could not answer an intercepted request");
        }
    }
}

/// Evaluates `expression` in the page (awaiting a promise) and returns its JSON value.
pub(crate) async fn call(
    page: &Page,
    context: &str,
    expression: String,
    timeout: Duration,
) -> Result<Value, WebError> {
    let params = EvaluateParams::builder()
        .expression(expression)
        .await_promise(true)
        .return_by_value(true)
        .build()
        .map_err(|e| WebError::Script {
            context: context.to_string(),
            message: e,
        })?;
    let response = tokio::time::timeout(timeout, page.execute(params))
        .await
        .map_err(|_| WebError::Script {
            context: context.to_string(),
            message: format!("no answer within {} ms", timeout.as_millis()),
        })?
        .map_err(|e| page_gone_or_script(context, e))?;
    if let Some(details) = &response.result.exception_details {
        let message = details
            .exception
            .as_ref()
            .and_then(|e| e.description.clone())
            .unwrap_or_else(|| details.text.clone());
        return Err(WebError::Script {
            context: context.to_string(),
            message,
        });
    }
    Ok(response.result.result.value.clone().unwrap_or(Value::Null))
}

/// Classifies a CDP failure: a closed channel means the browser is gone.
fn page_gone_or_script(context: &str, e: chromiumoxide::error::CdpError) -> WebError {
    use chromiumoxide::error::CdpError;
    match e {
        CdpError::ChannelSendError(_) | CdpError::Ws(_) | CdpError::NoResponse => {
            WebError::BrowserCrashed(format!("Session closed while {context}: {e}"))
        }
        other => WebError::Script {
            context: context.to_string(),
            message: other.to_string(),
        },
    }
}

/// Closes the browser: gracefully (flushing the profile) when `graceful`, killing it when it is
/// already broken or does not exit in time.
pub(crate) async fn close(mut launched: Launched, graceful: bool) {
    let exited = graceful
        && matches!(
            tokio::time::timeout(Duration::from_secs(5), launched.browser.close()).await,
            Ok(Ok(_))
        )
        && tokio::time::timeout(Duration::from_secs(5), launched.browser.wait())
            .await
            .is_ok();
    if !exited {
        let _ = launched.browser.kill().await;
    }
    for task in launched.tasks {
        task.abort();
    }
}
