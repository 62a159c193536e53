//! The test's side of the fake: its own DevTools connection to the bot's Chromium, used to play
//! the phone and the customers through `window.__fake` (which the adapter never calls).

use std::time::Duration;

use chromiumoxide::{Browser, Page, cdp::js_protocol::runtime::EvaluateParams};
use futures::StreamExt;
use serde_json::Value;
use tokio::task::JoinHandle;
use wabot_whatsapp::web::{WHATSAPP_WEB_URL, WebTransport};

use super::support::WAIT;

/// A second DevTools client on the transport's browser.
pub(crate) struct Phone {
    browser: Browser,
    handler: JoinHandle<()>,
}

impl Drop for Phone {
    fn drop(&mut self) {
        self.handler.abort();
    }
}

impl Phone {
    /// Connects to the browser the transport is running now.
    pub(crate) async fn connect(transport: &WebTransport) -> Self {
        let url = tokio::time::timeout(WAIT, async {
            loop {
                if let Some(url) = transport.devtools_url() {
                    return url;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await
        .expect("the transport started a browser");
        let (browser, mut handler) = Browser::connect(url).await.expect("DevTools connection");
        let handler = tokio::spawn(async move { while handler.next().await.is_some() {} });
        Self { browser, handler }
    }

    /// The WhatsApp Web tab.
    async fn page(&mut self) -> Page {
        tokio::time::timeout(WAIT, async {
            loop {
                let _ = self.browser.fetch_targets().await;
                tokio::time::sleep(Duration::from_millis(50)).await;
                for page in self.browser.pages().await.unwrap_or_default() {
                    if let Ok(Some(url)) = page.url().await
                        && url.starts_with(WHATSAPP_WEB_URL)
                    {
                        return page;
                    }
                }
            }
        })
        .await
        .expect("the WhatsApp Web tab")
    }

    /// Evaluates `expression` in the page once `window.__fake` exists (retrying while the page
    /// reloads) and returns its value.
    pub(crate) async fn eval(&mut self, expression: &str) -> Value {
        let page = self.page().await;
        let guarded = format!(
            "(async () => {{ if (!window.__fake || !window.Debug) throw new Error('not loaded'); \
             return await ({expression}); }})()"
        );
        tokio::time::timeout(WAIT, async {
            loop {
                let params = EvaluateParams::builder()
                    .expression(guarded.clone())
                    .await_promise(true)
                    .return_by_value(true)
                    .build()
                    .unwrap();
                match page.execute(params).await {
                    Ok(r) if r.result.exception_details.is_none() => {
                        return r.result.result.value.clone().unwrap_or(Value::Null);
                    }
                    _ => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("`{expression}` could not be evaluated in the fake"))
    }

    /// Runs `statement` in the page right after this call returns: for actions that may end the
    /// session (and close the browser) before an answer could come back.
    pub(crate) async fn act(&mut self, statement: &str) {
        self.eval(&format!("(setTimeout(() => {{ {statement}; }}, 20), true)"))
            .await;
    }

    /// Crashes the WhatsApp Web tab's renderer (`Page.crash`), as an out-of-memory kill would.
    pub(crate) async fn crash_tab(&mut self) {
        let page = self.page().await;
        let _ = tokio::time::timeout(
            // A crashed tab never answers.
            Duration::from_millis(500),
            page.execute(chromiumoxide::cdp::browser_protocol::page::CrashParams::default()),
        )
        .await;
    }

    /// The phone scans the QR code.
    pub(crate) async fn scan(&mut self) {
        let scanned = self.eval("window.__fake.scan()").await;
        assert_eq!(scanned, Value::Bool(true), "the fake was not showing a QR");
    }

    /// A customer writes; returns the message id.
    pub(crate) async fn receive(
        &mut self,
        from: &str,
        body: &str,
        kind: &str,
        extra: Value,
    ) -> String {
        let call = format!(
            "window.__fake.receive({}, {}, {}, {})",
            Value::from(from),
            Value::from(body),
            Value::from(kind),
            extra
        );
        self.eval(&call)
            .await
            .as_str()
            .expect("a message id")
            .to_string()
    }

    /// Everything the adapter did in the fake.
    pub(crate) async fn log(&mut self) -> Vec<Value> {
        match self.eval("window.__fake.log").await {
            Value::Array(entries) => entries,
            other => panic!("unexpected log {other}"),
        }
    }
}
