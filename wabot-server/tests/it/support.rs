//! [`TestApp`]: a whole server on a free loopback port over a temporary SQLite database, with
//! helpers to create tenants and call the API as them.

use std::{sync::Arc, time::Duration};

use chrono::Utc;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use wabot_core::{
    domain::{ApiToken, Email, Label, Member, Role, User, Workspace, WorkspaceName},
    ids::{UserId, WorkspaceId},
    ports::ServerStore,
};
use wabot_server::{
    AppState, Application, Settings,
    app::StopHandle,
    auth::{generate_token, hash_token, token_display_prefix},
};

/// How long tests wait for asynchronous effects.
pub(crate) const WAIT: Duration = Duration::from_secs(10);

/// A running server.
pub(crate) struct TestApp {
    /// `http://127.0.0.1:{port}`.
    pub(crate) base: String,
    /// The port.
    pub(crate) port: u16,
    /// The server's state (store, bus, engine…).
    pub(crate) state: AppState,
    pub(crate) http: reqwest::Client,
    stop: StopHandle,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _dir: tempfile::TempDir,
}

/// A workspace with one member of a role, and credentials for them.
#[derive(Debug, Clone)]
pub(crate) struct Tenant {
    pub(crate) workspace: WorkspaceId,
    pub(crate) user: UserId,
    /// An API token acting as `user` with `role`.
    pub(crate) token: String,
}

/// A response: status and JSON (or `Value::Null`) body.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Value,
    pub(crate) text: String,
    pub(crate) content_type: String,
}

impl TestApp {
    /// A server over a fresh temporary SQLite database.
    pub(crate) async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Like [`spawn`](Self::spawn), adjusting the settings first.
    pub(crate) async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> Self {
        if std::env::var_os("TEST_LOG").is_some() {
            wabot_server::telemetry::init(&Default::default());
        }
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings::for_tests(dir.path());
        settings.master_key = Some(
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
                .to_string()
                .into(),
        );
        settings.auth.jwt_secret = Some(
            "test-secret-test-secret-test-secret-0123"
                .to_string()
                .into(),
        );
        // The fakes (model, Graph API, webhook receivers) listen on loopback.
        settings.network.allow_private_addresses = true;
        if let Ok(url) = std::env::var("WABOT_TEST_STORAGE") {
            settings.storage.url = url;
        }
        adjust(&mut settings);
        let app = Application::build(settings).await.expect("the app builds");
        let port = app.port();
        let state = app.state().clone();
        let stop = app.stop_handle();
        let task = tokio::spawn(app.run_until_stopped());
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        // Wait until it answers.
        for _ in 0..100 {
            if http.get(format!("{base}/healthz")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Self {
            base,
            port,
            state,
            http,
            stop,
            task: Some(task),
            _dir: dir,
        }
    }

    /// The store.
    pub(crate) fn store(&self) -> &Arc<dyn ServerStore> {
        &self.state.store
    }

    /// A new workspace with a member of `role` (who receives leads) and an API token for them.
    pub(crate) async fn tenant(&self, role: Role) -> Tenant {
        let ws = Workspace {
            id: WorkspaceId::new(),
            name: WorkspaceName::parse("Acme Solar").unwrap(),
            created_at: Utc::now(),
        };
        self.store().create_workspace(&ws).await.unwrap();
        self.member(ws.id, role).await
    }

    /// Adds a member of `role` to `workspace`, with a token.
    pub(crate) async fn member(&self, workspace: WorkspaceId, role: Role) -> Tenant {
        let id = UserId::new();
        let user = self
            .store()
            .upsert_user(&User {
                id,
                email: Email::parse(&format!("u{}@example.com", id.as_uuid().simple())).unwrap(),
                name: format!("{role} user"),
                created_at: Utc::now(),
            })
            .await
            .unwrap();
        self.store()
            .put_member(&Member {
                workspace_id: workspace,
                user_id: user.id,
                role,
                receives_leads: true,
                created_at: Utc::now(),
            })
            .await
            .unwrap();
        let token = generate_token();
        self.store()
            .create_api_token(&ApiToken {
                id: uuid::Uuid::now_v7(),
                workspace_id: workspace,
                name: Label::parse("test").unwrap(),
                prefix: token_display_prefix(&token),
                hash: hash_token(&token),
                role,
                created_by: Some(user.id),
                created_at: Utc::now(),
                last_used_at: None,
                revoked_at: None,
            })
            .await
            .unwrap();
        Tenant {
            workspace,
            user: user.id,
            token,
        }
    }

    /// Calls `path` with the tenant's token: under `/api/v1` unless it starts with `/api/`,
    /// `/webhooks/` or is an operations route (`/metrics`, `/healthz`, `/readyz`, `/`).
    pub(crate) async fn call(
        &self,
        who: Option<&Tenant>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let absolute = path.starts_with("/api/")
            || ["/metrics", "/healthz", "/readyz", "/"].contains(&path)
            || path.starts_with("/webhooks/");
        let url = if absolute {
            format!("{}{path}", self.base)
        } else {
            format!("{}/api/v1{path}", self.base)
        };
        let mut req = self.http.request(method, url);
        if let Some(t) = who {
            req = req.bearer_auth(&t.token);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let bytes = resp.bytes().await.unwrap();
        let text = String::from_utf8_lossy(&bytes).to_string();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            body,
            text,
            content_type,
        }
    }

    /// GET as `who`.
    pub(crate) async fn get(&self, who: &Tenant, path: &str) -> Reply {
        self.call(Some(who), Method::GET, path, None).await
    }

    /// POST JSON as `who`.
    pub(crate) async fn post(&self, who: &Tenant, path: &str, body: Value) -> Reply {
        self.call(Some(who), Method::POST, path, Some(body)).await
    }

    /// PATCH JSON as `who`.
    pub(crate) async fn patch(&self, who: &Tenant, path: &str, body: Value) -> Reply {
        self.call(Some(who), Method::PATCH, path, Some(body)).await
    }

    /// Creates a running sandbox bot (offline model) in the tenant's workspace; returns its id.
    pub(crate) async fn sandbox_bot(&self, who: &Tenant) -> String {
        let r = self
            .post(
                who,
                "/bots",
                json!({
                    "workspace_id": who.workspace.to_string(),
                    "name": "Sunny bot",
                    "prompt": "You sell solar panels.",
                    "enabled": true,
                    "pacing": {"base_ms": 0, "per_char_ms": 0, "max_ms": 0, "jitter": 0.0}
                }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.body["id"].as_str().unwrap().to_string();
        self.wait_ready(who, &id).await;
        id
    }

    /// Waits until the bot reports `ready`.
    pub(crate) async fn wait_ready(&self, who: &Tenant, bot: &str) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let r = self.get(who, &format!("/bots/{bot}/status")).await;
            if r.body["status"] == "ready" {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "bot never ready: {}",
                r.text
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The customer `contact` writes to a sandbox bot; returns the conversation.
    pub(crate) async fn customer_says(
        &self,
        who: &Tenant,
        bot: &str,
        contact: &str,
        text: &str,
    ) -> Value {
        let r = self
            .post(
                who,
                &format!("/bots/{bot}/sandbox/messages"),
                json!({"contact": contact, "text": text}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body
    }

    /// Stops the server gracefully and waits for it.
    pub(crate) async fn stop(mut self) {
        self.stop.stop();
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(20), task)
                .await
                .expect("server stops in time")
                .unwrap()
                .unwrap();
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop.stop();
    }
}
