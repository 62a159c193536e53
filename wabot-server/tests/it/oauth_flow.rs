//! Google sign-in end to end against the fake identity provider.

use reqwest::StatusCode;
use serde_json::Value;
use wabot_core::domain::Role;

use super::auth_support::{ADMIN_EMAIL, FakeIdp, TestServer, client, member, user, workspace};

/// A browser: keeps cookies by hand (name → value), follows nothing automatically.
#[derive(Default)]
struct Browser {
    cookies: std::collections::BTreeMap<String, String>,
}

impl Browser {
    async fn get(&mut self, url: &str) -> reqwest::Response {
        let header = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut req = client().get(url);
        if !header.is_empty() {
            req = req.header("cookie", header);
        }
        let resp = req.send().await.unwrap();
        for set in resp.headers().get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (pair, attrs) = set.split_once(';').unwrap_or((set, ""));
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() || attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        resp
    }

    fn location(resp: &reqwest::Response) -> String {
        assert!(
            resp.status().is_redirection(),
            "expected a redirect, got {}",
            resp.status()
        );
        resp.headers()["location"].to_str().unwrap().to_string()
    }

    /// Runs the flow up to the callback URL the provider sends the browser to.
    async fn reach_callback(&mut self, app: &TestServer) -> String {
        let start = self
            .get(&app.url("/auth/google/login?return_to=/leads"))
            .await;
        let authorize = Self::location(&start);
        assert!(authorize.contains("code_challenge="), "{authorize}");
        assert!(authorize.contains("nonce="), "{authorize}");
        assert!(
            self.cookies.contains_key("wabot_oauth"),
            "the flow cookie is set"
        );
        let at_idp = self.get(&authorize).await;
        Self::location(&at_idp)
    }

    /// Follows the callback; returns where the app sends the browser.
    async fn finish(&mut self, callback: &str) -> String {
        let done = self.get(callback).await;
        Self::location(&done)
    }

    async fn me(&mut self, app: &TestServer) -> (StatusCode, Value) {
        let resp = self.get(&app.url("/auth/me")).await;
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn an_invited_member_signs_in_and_lands_where_they_started() {
    let idp = FakeIdp::start().await;
    let (app, _dir) = TestServer::memory(Some(&idp), |_| {}).await;
    let store = app.store().as_ref();
    let ws = workspace(store, "Sunny").await;
    let ana = user(store, "ana@sunny.example.com").await;
    member(store, ws, &ana, Role::Agent).await;
    idp.sign_in_as("Ana@Sunny.example.com", true);

    let mut browser = Browser::default();
    let callback = browser.reach_callback(&app).await;
    assert!(
        callback.starts_with(&app.url("/auth/google/callback?code=")),
        "{callback}"
    );
    let landed = browser.finish(&callback).await;
    assert_eq!(landed, "/leads");
    assert!(
        !browser.cookies.contains_key("wabot_oauth"),
        "the flow cookie is cleared"
    );
    let (status, me) = browser.me(&app).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["email"], "ana@sunny.example.com");
    assert_eq!(me["workspaces"][0]["role"], "agent");
}

#[tokio::test]
async fn the_userinfo_endpoint_is_used_when_there_is_no_id_token() {
    let idp = FakeIdp::start().await;
    idp.include_id_token(false);
    let (app, _dir) = TestServer::memory(Some(&idp), |_| {}).await;
    let store = app.store().as_ref();
    let ws = workspace(store, "Sunny").await;
    let bo = user(store, "bo@sunny.example.com").await;
    member(store, ws, &bo, Role::Manager).await;
    idp.sign_in_as("bo@sunny.example.com", true);

    let mut browser = Browser::default();
    let callback = browser.reach_callback(&app).await;
    assert_eq!(browser.finish(&callback).await, "/leads");
    assert_eq!(browser.me(&app).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_state_mismatch_is_refused_without_exchanging_the_code() {
    let idp = FakeIdp::start().await;
    let (app, _dir) = TestServer::memory(Some(&idp), |_| {}).await;
    let store = app.store().as_ref();
    let ws = workspace(store, "Sunny").await;
    let ana = user(store, "ana@sunny.example.com").await;
    member(store, ws, &ana, Role::Owner).await;
    idp.sign_in_as("ana@sunny.example.com", true);

    let mut browser = Browser::default();
    let callback = browser.reach_callback(&app).await;
    let (before, _) = callback.split_once("&state=").unwrap();
    let forged = format!("{before}&state=forged-state");
    assert_eq!(browser.finish(&forged).await, "/login?error=state_mismatch");
    assert_eq!(idp.token_requests(), 0, "the code is not exchanged");
    assert_eq!(browser.me(&app).await.0, StatusCode::UNAUTHORIZED);

    let mut no_cookie = Browser::default();
    assert_eq!(
        no_cookie.finish(&callback).await,
        "/login?error=flow_expired"
    );
}

#[tokio::test]
async fn an_unverified_email_is_refused() {
    let idp = FakeIdp::start().await;
    let (app, _dir) = TestServer::memory(Some(&idp), |_| {}).await;
    let store = app.store().as_ref();
    let ws = workspace(store, "Sunny").await;
    let ana = user(store, "ana@sunny.example.com").await;
    member(store, ws, &ana, Role::Owner).await;
    idp.sign_in_as("ana@sunny.example.com", false);

    let mut browser = Browser::default();
    let callback = browser.reach_callback(&app).await;
    assert_eq!(
        browser.finish(&callback).await,
        "/login?error=email_unverified"
    );
    assert_eq!(browser.me(&app).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_stranger_is_not_invited_unless_open_signup_gives_them_a_workspace() {
    let idp = FakeIdp::start().await;
    let (app, _dir) = TestServer::memory(Some(&idp), |_| {}).await;
    idp.sign_in_as("stranger@elsewhere.example.com", true);
    let mut browser = Browser::default();
    let callback = browser.reach_callback(&app).await;
    assert_eq!(browser.finish(&callback).await, "/login?error=not_invited");
    assert_eq!(browser.me(&app).await.0, StatusCode::UNAUTHORIZED);

    let (open, _dir2) = TestServer::memory(Some(&idp), |s| s.auth.open_signup = true).await;
    let mut browser = Browser::default();
    let callback = browser.reach_callback(&open).await;
    assert_eq!(browser.finish(&callback).await, "/leads");
    let (status, me) = browser.me(&open).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["workspaces"][0]["role"], "owner", "{me}");
    assert_eq!(me["platform_admin"], false);
}

#[tokio::test]
async fn a_whitelisted_admin_signs_in_without_any_membership() {
    let idp = FakeIdp::start().await;
    let (app, _dir) = TestServer::memory(Some(&idp), |_| {}).await;
    let store = app.store().as_ref();
    let ws = workspace(store, "Somebody's").await;
    idp.sign_in_as(ADMIN_EMAIL, true);

    let mut browser = Browser::default();
    let callback = browser.reach_callback(&app).await;
    assert_eq!(browser.finish(&callback).await, "/leads");
    let (status, me) = browser.me(&app).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["platform_admin"], true);
    let members = browser
        .get(&app.api(&format!("/workspaces/{}/members", ws.as_uuid())))
        .await;
    assert_eq!(
        members.status(),
        StatusCode::OK,
        "admins see every workspace"
    );
}

#[tokio::test]
async fn a_provider_error_and_a_missing_configuration_redirect_with_a_code() {
    let idp = FakeIdp::start().await;
    let (app, _dir) = TestServer::memory(Some(&idp), |_| {}).await;
    let mut browser = Browser::default();
    let callback = browser.reach_callback(&app).await; // nobody configured: access_denied
    assert!(callback.contains("error=access_denied"), "{callback}");
    assert_eq!(browser.finish(&callback).await, "/login?error=denied");

    let (plain, _dir2) = TestServer::memory(None, |_| {}).await;
    let mut browser = Browser::default();
    let start = browser.get(&plain.url("/auth/google/login")).await;
    assert_eq!(Browser::location(&start), "/login?error=google_disabled");
}

#[tokio::test]
async fn return_to_cannot_leave_the_site() {
    let idp = FakeIdp::start().await;
    let (app, _dir) = TestServer::memory(Some(&idp), |_| {}).await;
    let store = app.store().as_ref();
    let ws = workspace(store, "Sunny").await;
    let ana = user(store, "ana@sunny.example.com").await;
    member(store, ws, &ana, Role::Owner).await;
    idp.sign_in_as("ana@sunny.example.com", true);

    let mut browser = Browser::default();
    let start = browser
        .get(&app.url("/auth/google/login?return_to=//evil.example.net/x"))
        .await;
    let at_idp = browser.get(&Browser::location(&start)).await;
    let callback = Browser::location(&at_idp);
    assert_eq!(browser.finish(&callback).await, "/");
}

#[tokio::test]
async fn an_id_token_with_another_nonce_is_refused() {
    let idp = FakeIdp::start().await;
    idp.wrong_nonce(true);
    let (app, _dir) = TestServer::memory(Some(&idp), |_| {}).await;
    idp.sign_in_as(ADMIN_EMAIL, true);
    let mut browser = Browser::default();
    let callback = browser.reach_callback(&app).await;
    assert_eq!(
        browser.finish(&callback).await,
        "/login?error=nonce_mismatch"
    );
    assert_eq!(browser.me(&app).await.0, StatusCode::UNAUTHORIZED);
}
