//! Sessions: demo login, /auth/me, refresh, logout, forged JWTs, CSRF.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::auth_support::{JWT_SECRET, TestServer, client, people};

fn cookie(token: &str) -> String {
    format!("wabot_session={token}")
}

fn forge(claims: &Value, secret: &[u8], alg: Algorithm) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret)).unwrap()
}

fn claims_for(user_id: uuid::Uuid, email: &str, exp_offset: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "sub": user_id, "email": email, "iat": now - 10, "exp": now + exp_offset,
        "aud": "wabot-session", "sid": uuid::Uuid::new_v4(),
    })
}

#[tokio::test]
async fn a_valid_session_cookie_reaches_the_api_and_auth_me() {
    let (app, _dir) = TestServer::memory(None, |_| {}).await;
    let p = people(app.store().as_ref()).await;
    let token = app.session(&p.owner);

    let me = client()
        .get(app.url("/auth/me"))
        .header("cookie", cookie(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(me.headers()["cache-control"], "no-store");
    let body: Value = me.json().await.unwrap();
    assert_eq!(body["user"]["email"], p.owner.email.as_str());
    assert_eq!(body["workspaces"][0]["role"], "owner");

    let list = client()
        .get(app.api("/workspaces"))
        .header("cookie", cookie(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), StatusCode::OK);
    let bearer = client()
        .get(app.api("/workspaces"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), StatusCode::OK);
}

#[tokio::test]
async fn expired_tampered_foreign_key_and_alg_none_tokens_are_refused_with_401() {
    let (app, _dir) = TestServer::memory(None, |_| {}).await;
    let p = people(app.store().as_ref()).await;
    let id = p.owner.id.as_uuid();
    let email = p.owner.email.as_str();

    let good = forge(
        &claims_for(id, email, 3600),
        JWT_SECRET.as_bytes(),
        Algorithm::HS256,
    );
    let expired = forge(
        &claims_for(id, email, -120),
        JWT_SECRET.as_bytes(),
        Algorithm::HS256,
    );
    let foreign = forge(
        &claims_for(id, email, 3600),
        b"another-key-another-key-another-key!!",
        Algorithm::HS256,
    );
    let hs512 = forge(
        &claims_for(id, email, 3600),
        JWT_SECRET.as_bytes(),
        Algorithm::HS512,
    );
    let mut tampered = good.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let payload = URL_SAFE_NO_PAD.encode(claims_for(id, email, 3600).to_string());
    let none = format!(
        "{}.{payload}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#)
    );
    let mut admin_claims = claims_for(id, email, 3600);
    admin_claims["email"] = json!(super::auth_support::ADMIN_EMAIL);
    let wrong_aud = {
        let mut c = claims_for(id, email, 3600);
        c["aud"] = json!("wabot-oauth-flow");
        forge(&c, JWT_SECRET.as_bytes(), Algorithm::HS256)
    };

    let ok = client()
        .get(app.api("/workspaces"))
        .header("cookie", cookie(&good))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK, "the control token works");

    for (what, token) in [
        ("expired", expired),
        ("signed with another key", foreign),
        ("HS512", hs512),
        ("tampered signature", tampered),
        ("alg none", none),
        ("wrong audience", wrong_aud),
        ("garbage", "a.b.c".to_string()),
    ] {
        for bearer in [false, true] {
            let req = client().get(app.api("/workspaces"));
            let req = if bearer {
                req.bearer_auth(&token)
            } else {
                req.header("cookie", cookie(&token))
            };
            let resp = req.send().await.unwrap();
            assert_eq!(
                resp.status(),
                StatusCode::UNAUTHORIZED,
                "{what} token (bearer: {bearer}) must be refused"
            );
            assert_eq!(resp.headers()["www-authenticate"], "Bearer realm=\"wabot\"");
            let err: Value = resp.json().await.unwrap();
            assert_eq!(err["code"], "unauthorized", "{err}");
        }
    }
}

#[tokio::test]
async fn logout_revokes_the_session_and_clears_the_cookie() {
    let (app, _dir) = TestServer::memory(None, |_| {}).await;
    let p = people(app.store().as_ref()).await;
    let token = app.session(&p.agent);

    let out = client()
        .post(app.url("/auth/logout"))
        .header("cookie", cookie(&token))
        .header("origin", &app.base)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let set = out.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set.starts_with("wabot_session=;") && set.contains("Max-Age=0"),
        "{set}"
    );

    let after = client()
        .get(app.url("/auth/me"))
        .header("cookie", cookie(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn refresh_issues_a_new_cookie_for_a_valid_session_only() {
    let (app, _dir) = TestServer::memory(None, |_| {}).await;
    let p = people(app.store().as_ref()).await;
    let token = app.session(&p.manager);

    let fresh = client()
        .post(app.url("/auth/refresh"))
        .header("cookie", cookie(&token))
        .header("origin", &app.base)
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status(), StatusCode::OK);
    let set = fresh.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(set.starts_with("wabot_session=ey"), "{set}");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    assert!(
        !set.contains("Secure"),
        "plain http has no Secure cookies: {set}"
    );

    let anonymous = client()
        .post(app.url("/auth/refresh"))
        .header("origin", &app.base)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn https_public_url_makes_cookies_secure() {
    let (app, _dir) = TestServer::memory(None, |s| {
        s.auth.public_url = Some("https://bots.example.com".into());
    })
    .await;
    let p = people(app.store().as_ref()).await;
    let issued = app.state.auth.issue_session(&p.owner).unwrap();
    assert!(
        issued.set_cookie.contains("; Secure"),
        "{}",
        issued.set_cookie
    );
}

#[tokio::test]
async fn cross_origin_cookie_changes_are_refused_and_bearer_is_exempt() {
    let (app, _dir) = TestServer::memory(None, |_| {}).await;
    let p = people(app.store().as_ref()).await;
    let token = app.session(&p.owner);
    let body = json!({ "name": "New one" });

    let evil = client()
        .post(app.api("/workspaces"))
        .header("cookie", cookie(&token))
        .header("origin", "https://evil.example.net")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(evil.status(), StatusCode::FORBIDDEN);
    let err: Value = evil.json().await.unwrap();
    assert_eq!(err["code"], "csrf", "{err}");

    let no_origin = client()
        .post(app.api("/workspaces"))
        .header("cookie", cookie(&token))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(no_origin.status(), StatusCode::FORBIDDEN);

    let evil_referer = client()
        .post(app.api("/workspaces"))
        .header("cookie", cookie(&token))
        .header("referer", "https://evil.example.net/page")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(evil_referer.status(), StatusCode::FORBIDDEN);

    let same = client()
        .post(app.api("/workspaces"))
        .header("cookie", cookie(&token))
        .header("origin", &app.base)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), StatusCode::CREATED);

    let same_referer = client()
        .post(app.api("/workspaces"))
        .header("cookie", cookie(&token))
        .header("referer", format!("{}/bots", app.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(same_referer.status(), StatusCode::CREATED);

    let bearer = client()
        .post(app.api("/workspaces"))
        .bearer_auth(&token)
        .header("origin", "https://evil.example.net")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        bearer.status(),
        StatusCode::CREATED,
        "bearer requests are exempt"
    );

    let reads = client()
        .get(app.api("/workspaces"))
        .header("cookie", cookie(&token))
        .header("origin", "https://evil.example.net")
        .send()
        .await
        .unwrap();
    assert_eq!(
        reads.status(),
        StatusCode::OK,
        "safe methods are not CSRF-checked"
    );
}

#[tokio::test]
async fn demo_login_works_on_loopback_in_demo_mode_only() {
    let (app, _dir) = TestServer::memory(None, |s| s.demo.enabled = Some(true)).await;
    let owner = client().post(app.url("/auth/demo")).send().await.unwrap();
    assert_eq!(owner.status(), StatusCode::OK);
    let set = owner.headers()["set-cookie"].to_str().unwrap().to_string();
    let body: Value = owner.json().await.unwrap();
    assert_eq!(body["workspaces"][0]["role"], "owner", "{body}");
    let token = set
        .strip_prefix("wabot_session=")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let me: Value = client()
        .get(app.url("/auth/me"))
        .header("cookie", cookie(&token))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["email"], body["user"]["email"]);

    let agent: Value = client()
        .post(app.url("/auth/demo?as=agent"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(agent["workspaces"][0]["role"], "agent", "{agent}");
    assert_ne!(agent["user"]["email"], body["user"]["email"]);

    let proxied = client()
        .post(app.url("/auth/demo"))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(
        proxied.status(),
        StatusCode::FORBIDDEN,
        "proxied requests are not local"
    );

    let bad_role = client()
        .post(app.url("/auth/demo?as=emperor"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_role.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let (prod, _dir2) = TestServer::memory(None, |_| {}).await;
    let refused = client().post(prod.url("/auth/demo")).send().await.unwrap();
    assert_eq!(
        refused.status(),
        StatusCode::NOT_FOUND,
        "no demo login outside demo mode"
    );
}

#[tokio::test]
async fn demo_login_needs_a_loopback_host_and_no_forwarding_header() {
    let (app, _dir) = TestServer::memory(None, |s| s.demo.enabled = Some(true)).await;
    for (name, value) in [
        ("x-client-ip", "203.0.113.9"),
        ("true-client-ip", "203.0.113.9"),
        ("forwarded", "for=203.0.113.9"),
        ("cf-connecting-ip", "203.0.113.9"),
        ("host", "evil.example"),
        ("host", "127.0.0.1.nip.io"),
    ] {
        let refused = client()
            .post(app.url("/auth/demo"))
            .header(name, value)
            .send()
            .await
            .unwrap();
        assert_eq!(
            refused.status(),
            StatusCode::FORBIDDEN,
            "{name}: {value} must not count as this machine"
        );
    }
    let port = app.base.rsplit(':').next().unwrap();
    let local = client()
        .post(app.url("/auth/demo"))
        .header("host", format!("localhost:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(local.status(), StatusCode::OK);
}

#[tokio::test]
async fn demo_login_signs_in_the_demo_workspace_never_an_older_tenant() {
    let store: std::sync::Arc<dyn wabot_core::ports::ServerStore> =
        std::sync::Arc::new(wabot_core::memory::MemoryStore::new());
    let real = people(store.as_ref()).await;
    let dir = tempfile::tempdir().unwrap();
    let app = TestServer::start(store, dir.path(), None, |s| s.demo.enabled = Some(true)).await;
    for role in ["owner", "manager", "agent"] {
        let body: Value = client()
            .post(app.url(&format!("/auth/demo?as={role}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let workspaces = body["workspaces"].as_array().unwrap();
        assert_eq!(workspaces.len(), 1, "{body}");
        assert_ne!(workspaces[0]["id"], real.a.to_string(), "{role}: {body}");
        assert_ne!(workspaces[0]["id"], real.b.to_string(), "{role}: {body}");
        assert_eq!(workspaces[0]["role"], role, "{body}");
        assert_ne!(body["user"]["email"], real.owner.email.as_str());
    }
}

#[tokio::test]
async fn a_rebound_host_cannot_use_the_session_cookie() {
    let (app, _dir) = TestServer::memory(None, |_| {}).await;
    let p = people(app.store().as_ref()).await;
    let token = app.session(&p.owner);
    let port = app.base.rsplit(':').next().unwrap();
    let evil = format!("evil.example:{port}");

    // A page at evil.example re-pointed to 127.0.0.1: same-origin for the browser.
    let write = client()
        .post(app.api("/workspaces"))
        .header("cookie", cookie(&token))
        .header("host", &evil)
        .header("origin", format!("http://{evil}"))
        .json(&json!({"name": "Rebound"}))
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), StatusCode::FORBIDDEN);
    let read = client()
        .get(app.api("/workspaces"))
        .header("cookie", cookie(&token))
        .header("host", &evil)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::FORBIDDEN, "reads leak data too");
    let err: Value = read.json().await.unwrap();
    assert_eq!(err["code"], "host", "{err}");

    let local = client()
        .post(app.api("/workspaces"))
        .header("cookie", cookie(&token))
        .header("host", format!("localhost:{port}"))
        .header("origin", format!("http://localhost:{port}"))
        .json(&json!({"name": "Local"}))
        .send()
        .await
        .unwrap();
    assert_eq!(local.status(), StatusCode::CREATED);
}
