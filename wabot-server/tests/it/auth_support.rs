//! Test doubles for the auth tests: a fake Google identity provider and a webhook receiver,
//! both small axum servers on 127.0.0.1:0.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::{
    Form, Json, Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The identity the fake provider signs in next.
#[derive(Debug, Clone)]
pub(crate) struct FakeIdentity {
    pub(crate) email: String,
    pub(crate) verified: bool,
    pub(crate) name: String,
}

#[derive(Debug, Clone)]
struct Grant {
    identity: FakeIdentity,
    challenge: String,
    nonce: String,
    client_id: String,
}

#[derive(Default)]
struct IdpState {
    next: Mutex<Option<FakeIdentity>>,
    codes: Mutex<HashMap<String, Grant>>,
    tokens: Mutex<HashMap<String, FakeIdentity>>,
    include_id_token: Mutex<bool>,
    wrong_nonce: Mutex<bool>,
    token_requests: Mutex<u32>,
}

/// A fake Google: `/authorize` answers at once with a code for the configured identity,
/// `/token` checks the PKCE verifier, `/userinfo` returns the profile.
#[derive(Clone)]
pub(crate) struct FakeIdp {
    pub(crate) addr: SocketAddr,
    state: Arc<IdpState>,
}

pub(crate) const CLIENT_ID: &str = "test-client.apps.example.com";

impl FakeIdp {
    pub(crate) async fn start() -> Self {
        let state = Arc::new(IdpState::default());
        *state.include_id_token.lock().unwrap() = true;
        let app = Router::new()
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/userinfo", get(userinfo))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { addr, state }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The next sign-in is as this identity.
    pub(crate) fn sign_in_as(&self, email: &str, verified: bool) {
        *self.state.next.lock().unwrap() = Some(FakeIdentity {
            email: email.into(),
            verified,
            name: email.split('@').next().unwrap().to_string(),
        });
    }

    /// Whether `/token` returns an `id_token` (else the app must call `/userinfo`).
    pub(crate) fn include_id_token(&self, yes: bool) {
        *self.state.include_id_token.lock().unwrap() = yes;
    }

    /// Whether the `id_token` carries another nonce than the one asked for (a replay).
    pub(crate) fn wrong_nonce(&self, yes: bool) {
        *self.state.wrong_nonce.lock().unwrap() = yes;
    }

    pub(crate) fn token_requests(&self) -> u32 {
        *self.state.token_requests.lock().unwrap()
    }
}

#[derive(Debug, Deserialize)]
struct AuthorizeQuery {
    response_type: String,
    client_id: String,
    redirect_uri: String,
    state: String,
    code_challenge: String,
    code_challenge_method: String,
    nonce: String,
    scope: String,
}

async fn authorize(State(s): State<Arc<IdpState>>, Query(q): Query<AuthorizeQuery>) -> Response {
    assert_eq!(q.response_type, "code");
    assert_eq!(q.code_challenge_method, "S256");
    assert!(q.scope.contains("openid") && q.scope.contains("email"));
    let Some(identity) = s.next.lock().unwrap().clone() else {
        return Redirect::to(&format!(
            "{}?error=access_denied&state={}",
            q.redirect_uri, q.state
        ))
        .into_response();
    };
    let code = format!("code-{}", uuid::Uuid::new_v4());
    s.codes.lock().unwrap().insert(
        code.clone(),
        Grant {
            identity,
            challenge: q.code_challenge,
            nonce: q.nonce,
            client_id: q.client_id,
        },
    );
    Redirect::to(&format!(
        "{}?code={code}&state={}",
        q.redirect_uri,
        urlencode(&q.state)
    ))
    .into_response()
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[derive(Debug, Deserialize)]
struct TokenForm {
    grant_type: String,
    code: String,
    code_verifier: String,
}

async fn token(
    State(s): State<Arc<IdpState>>,
    headers: HeaderMap,
    Form(f): Form<TokenForm>,
) -> Response {
    *s.token_requests.lock().unwrap() += 1;
    assert_eq!(f.grant_type, "authorization_code");
    assert!(
        headers.contains_key("authorization"),
        "client credentials are sent with HTTP Basic"
    );
    let Some(grant) = s.codes.lock().unwrap().remove(&f.code) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"error": "invalid_grant"})),
        )
            .into_response();
    };
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(f.code_verifier.as_bytes()));
    if challenge != grant.challenge {
        return (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"error": "invalid_grant", "error_description": "PKCE"})),
        )
            .into_response();
    }
    let access = format!("at-{}", uuid::Uuid::new_v4());
    s.tokens
        .lock()
        .unwrap()
        .insert(access.clone(), grant.identity.clone());
    let mut body = serde_json::json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": 3599,
        "scope": "openid email profile",
    });
    if *s.include_id_token.lock().unwrap() {
        let claims = serde_json::json!({
            "iss": "https://accounts.example.com",
            "aud": grant.client_id,
            "sub": grant.identity.email,
            "email": grant.identity.email,
            "email_verified": grant.identity.verified,
            "name": grant.identity.name,
            "nonce": if *s.wrong_nonce.lock().unwrap() { "replayed".to_string() } else { grant.nonce.clone() },
            "iat": 1, "exp": 4_000_000_000u64,
        });
        let id_token = format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            URL_SAFE_NO_PAD.encode(b"signature-not-checked-when-from-the-token-endpoint"),
        );
        body["id_token"] = id_token.into();
    }
    Json(body).into_response()
}

async fn userinfo(State(s): State<Arc<IdpState>>, headers: HeaderMap) -> Response {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_string();
    match s.tokens.lock().unwrap().get(&token) {
        Some(i) => Json(serde_json::json!({
            "sub": i.email, "email": i.email, "email_verified": i.verified, "name": i.name,
        }))
        .into_response(),
        None => StatusCode::UNAUTHORIZED.into_response(),
    }
}

/// One request the webhook receiver got.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

#[derive(Default)]
struct ReceiverState {
    got: Mutex<Vec<Received>>,
    /// Status codes to answer, in order; then 200.
    script: Mutex<Vec<u16>>,
}

/// A webhook receiver recording every request.
#[derive(Clone)]
pub(crate) struct Receiver {
    pub(crate) addr: SocketAddr,
    state: Arc<ReceiverState>,
}

impl Receiver {
    pub(crate) async fn start() -> Self {
        let state = Arc::new(ReceiverState::default());
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { addr, state }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// Answer these statuses to the next requests (then 200).
    pub(crate) fn answer(&self, statuses: &[u16]) {
        *self.state.script.lock().unwrap() = statuses.to_vec();
    }

    pub(crate) fn received(&self) -> Vec<Received> {
        self.state.got.lock().unwrap().clone()
    }

    /// Waits until `n` requests arrived (or panics after `secs`).
    pub(crate) async fn wait_for(&self, n: usize, secs: u64) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "expected {n} webhook requests, got {}",
                got.len()
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

async fn receive(
    State(s): State<Arc<ReceiverState>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    s.got.lock().unwrap().push(Received {
        headers,
        body: body.to_vec(),
    });
    let mut script = s.script.lock().unwrap();
    let status = if script.is_empty() {
        200
    } else {
        script.remove(0)
    };
    StatusCode::from_u16(status).unwrap()
}

// ---------------------------------------------------------------------------------------------
// A server under test, and the people of two workspaces.

use chrono::Utc;
use secrecy::SecretString;
use wabot_core::{
    domain::{
        ApiToken, Bot, BotName, ContactId, Email, Label, Member, Prompt, Role, Schedule,
        ScheduleAction, Trigger, User, Webhook, Workspace, WorkspaceName,
    },
    ids::{BotId, LeadId, ScheduleId, UserId, WorkspaceId},
    memory::MemoryStore,
    ports::{InboundOutcome, NewInbound, ServerStore},
};
use wabot_server::{
    app::{Application, StopHandle},
    auth::{generate_token, hash_token, token_display_prefix},
    config::Settings,
    state::AppState,
};

/// The session key every test server signs with (so tests can forge tokens).
pub(crate) const JWT_SECRET: &str = "test-session-key-0123456789-abcdefghijklmnop";
/// The platform admin's e-mail.
pub(crate) const ADMIN_EMAIL: &str = "root@platform.example.com";
/// A fixed master key (base64 of 32 bytes).
pub(crate) const MASTER_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// A running server.
pub(crate) struct TestServer {
    pub(crate) base: String,
    pub(crate) state: AppState,
    stop: StopHandle,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// Starts a server over `store`, data in `dir`, not in demo mode, with the fake IdP's
    /// endpoints when given; `configure` adjusts the settings last.
    pub(crate) async fn start(
        store: Arc<dyn ServerStore>,
        dir: &std::path::Path,
        idp: Option<&FakeIdp>,
        configure: impl FnOnce(&mut Settings),
    ) -> Self {
        let mut settings = Settings::default();
        settings.server.bind = "127.0.0.1:0".parse().unwrap();
        settings.server.shutdown_grace_secs = 1;
        settings.storage.data_dir = dir.to_path_buf();
        settings.demo.enabled = Some(false);
        settings.master_key = Some(SecretString::from(MASTER_KEY));
        settings.auth.jwt_secret = Some(SecretString::from(JWT_SECRET));
        settings.auth.admin_emails = vec![ADMIN_EMAIL.into()];
        settings.webhooks.allow_private_targets = true;
        settings.network.allow_private_addresses = true;
        settings.webhooks.poll_interval_ms = 50;
        settings.webhooks.initial_backoff_secs = 0;
        // Loose rate limits: the authorization matrix sends many refused credentials from one
        // address on purpose (the limits have their own tests).
        settings.limits = Settings::for_tests(dir).limits;
        if let Some(idp) = idp {
            settings.auth.google_client_id = Some(CLIENT_ID.into());
            settings.auth.google_client_secret = Some(SecretString::from("test-client-secret"));
            settings.auth.google_authorize_url = idp.url("/authorize");
            settings.auth.google_token_url = idp.url("/token");
            settings.auth.google_userinfo_url = idp.url("/userinfo");
        }
        configure(&mut settings);
        let app = Application::build_with_store(settings, store)
            .await
            .expect("the test server builds");
        let base = format!("http://127.0.0.1:{}", app.port());
        let state = app.state().clone();
        let stop = app.stop_handle();
        let task = tokio::spawn(app.run_until_stopped());
        // Serving means the background workers (webhooks, bus observers) are subscribed.
        for _ in 0..200 {
            if let Ok(r) = client().get(format!("{base}/healthz")).send().await
                && r.status().is_success()
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        Self {
            base,
            state,
            stop,
            task: Some(task),
        }
    }

    /// A server over a fresh in-memory store.
    pub(crate) async fn memory(
        idp: Option<&FakeIdp>,
        configure: impl FnOnce(&mut Settings),
    ) -> (Self, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let server = Self::start(Arc::new(MemoryStore::new()), dir.path(), idp, configure).await;
        (server, dir)
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    pub(crate) fn store(&self) -> &Arc<dyn ServerStore> {
        &self.state.store
    }

    /// A session token for `user` (what the cookie carries).
    pub(crate) fn session(&self, user: &User) -> String {
        self.state.auth.issue_session(user).unwrap().token
    }

    /// Stops the server and waits for it.
    pub(crate) async fn stop(mut self) {
        self.stop.stop();
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(10), task).await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.stop();
    }
}

/// An HTTP client that follows no redirects and keeps no cookies.
pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The people of the tests: workspace A (owner, manager, agent), workspace B (its owner), a
/// platform admin, and a manager-role API token of A.
pub(crate) struct People {
    pub(crate) a: WorkspaceId,
    pub(crate) b: WorkspaceId,
    pub(crate) owner: User,
    pub(crate) manager: User,
    pub(crate) agent: User,
    pub(crate) other_owner: User,
    pub(crate) admin: User,
    pub(crate) token: String,
}

pub(crate) async fn user(store: &dyn ServerStore, email: &str) -> User {
    store
        .upsert_user(&User {
            id: UserId::new(),
            email: Email::parse(email).unwrap(),
            name: email.split('@').next().unwrap().into(),
            created_at: Utc::now(),
        })
        .await
        .unwrap()
}

pub(crate) async fn workspace(store: &dyn ServerStore, name: &str) -> WorkspaceId {
    let ws = Workspace {
        id: WorkspaceId::new(),
        name: WorkspaceName::parse(name).unwrap(),
        created_at: Utc::now(),
    };
    store.create_workspace(&ws).await.unwrap();
    ws.id
}

pub(crate) async fn member(store: &dyn ServerStore, ws: WorkspaceId, user: &User, role: Role) {
    store
        .put_member(&Member {
            workspace_id: ws,
            user_id: user.id,
            role,
            receives_leads: role == Role::Agent,
            created_at: Utc::now(),
        })
        .await
        .unwrap();
}

/// Stores an API token of `ws` with `role` and returns its secret.
pub(crate) async fn api_token(
    store: &dyn ServerStore,
    ws: WorkspaceId,
    role: Role,
    by: &User,
) -> String {
    let secret = generate_token();
    store
        .create_api_token(&ApiToken {
            id: uuid::Uuid::now_v7(),
            workspace_id: ws,
            name: Label::parse("test token").unwrap(),
            prefix: token_display_prefix(&secret),
            hash: hash_token(&secret),
            role,
            created_by: Some(by.id),
            created_at: Utc::now(),
            last_used_at: None,
            revoked_at: None,
        })
        .await
        .unwrap();
    secret
}

pub(crate) async fn people(store: &dyn ServerStore) -> People {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let tag = &tag[..8];
    let a = workspace(store, "Workspace A").await;
    let b = workspace(store, "Workspace B").await;
    let owner = user(store, &format!("owner-{tag}@a.example.com")).await;
    let manager = user(store, &format!("manager-{tag}@a.example.com")).await;
    let agent = user(store, &format!("agent-{tag}@a.example.com")).await;
    let other_owner = user(store, &format!("owner-{tag}@b.example.com")).await;
    let admin = user(store, ADMIN_EMAIL).await;
    member(store, a, &owner, Role::Owner).await;
    member(store, a, &manager, Role::Manager).await;
    member(store, a, &agent, Role::Agent).await;
    member(store, b, &other_owner, Role::Owner).await;
    let token = api_token(store, a, Role::Manager, &manager).await;
    People {
        a,
        b,
        owner,
        manager,
        agent,
        other_owner,
        admin,
        token,
    }
}

/// Sample resources of one workspace, for filling path parameters.
#[derive(Debug, Clone)]
pub(crate) struct Samples {
    pub(crate) bot: BotId,
    pub(crate) lead: LeadId,
    pub(crate) schedule: ScheduleId,
    pub(crate) webhook: uuid::Uuid,
    pub(crate) token_id: uuid::Uuid,
}

pub(crate) async fn samples(state: &AppState, ws: WorkspaceId, by: &User) -> Samples {
    let store = &state.store;
    let now = Utc::now();
    let bot = Bot::new(
        ws,
        BotName::parse("Sample bot").unwrap(),
        Prompt::parse("You are a helpful sales assistant.").unwrap(),
        now,
    );
    store.create_bot(&bot).await.unwrap();
    let InboundOutcome::Recorded { lead, .. } = store
        .record_inbound(&NewInbound {
            workspace_id: ws,
            bot_id: bot.id,
            contact: ContactId::parse("34600111222@c.us").unwrap(),
            display_name: Some("Ana".into()),
            provider_message_id: format!("m-{}", uuid::Uuid::new_v4()),
            body: "Hi, I want a quote".into(),
            received_at: now,
            handling: wabot_core::domain::InboundHandling::Done,
        })
        .await
        .unwrap()
    else {
        panic!("a new message is recorded")
    };
    let schedule = Schedule::new(
        ws,
        bot.id,
        ScheduleAction::Disable,
        Trigger::Once {
            at: now + chrono::Duration::days(3),
        },
        Some(by.id),
        now,
    )
    .unwrap();
    store.create_schedule(&schedule).await.unwrap();
    let webhook_id = uuid::Uuid::now_v7();
    store
        .create_webhook(&Webhook {
            id: webhook_id,
            workspace_id: ws,
            url: "http://127.0.0.1:9/hook".into(),
            events: vec![],
            secret_ciphertext: wabot_server::webhooks::seal_secret(
                &state.crypto,
                webhook_id,
                "whsec_sample_secret_value",
            ),
            created_at: now,
        })
        .await
        .unwrap();
    let secret = api_token(store.as_ref(), ws, Role::Agent, by).await;
    let token_id = store
        .find_api_token(&hash_token(&secret))
        .await
        .unwrap()
        .unwrap()
        .id;
    Samples {
        bot: bot.id,
        lead: lead.id,
        schedule: schedule.id,
        webhook: webhook_id,
        token_id,
    }
}
