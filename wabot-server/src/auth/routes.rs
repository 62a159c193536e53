//! The browser sign-in flow under `/auth` (axum; not part of the REST API document).
//!
//! | route | what |
//! |---|---|
//! | `GET /auth/google/login?return_to=/path` | redirects to Google (state + PKCE + nonce in a signed cookie) |
//! | `GET /auth/google/callback` | finishes sign-in; refusals redirect to `/login?error=<code>` |
//! | `POST /auth/demo?as=owner\|manager\|agent` | demo mode, from this machine only (loopback peer and `Host`, no proxy): signs in as a demo user of the demo workspace |
//! | `POST /auth/refresh` | a fresh session (rolling expiry); the old token is revoked |
//! | `POST /auth/logout` | ends the session and clears the cookie |
//! | `GET /auth/me` | who is signed in, with their workspaces |
//!
//! Refusal codes: `google_disabled`, `denied`, `flow_expired`, `state_mismatch`,
//! `exchange_failed`, `nonce_mismatch`, `email_unverified`, `not_invited`.

use std::net::SocketAddr;

use axum::{
    Json, Router,
    extract::{ConnectInfo, Extension, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use wabot_core::{
    domain::{Email, Member, Role, User},
    ids::UserId,
};

use super::{
    AuthService, CredentialKind, Principal, Subject, local,
    oauth::{FlowClaims, OAuthRefusal},
    session::{FLOW_AUDIENCE, FLOW_COOKIE, cookie, read_cookie},
};
use crate::{error::ApiError, state::AppState};

/// How long a sign-in may take between the redirect to Google and the callback.
const FLOW_TTL_SECS: i64 = 600;

/// The `/auth` routes; the host merges them into its router.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/google/login", get(google_login))
        .route("/auth/google/callback", get(google_callback))
        .route("/auth/demo", post(demo_login))
        .route("/auth/refresh", post(refresh))
        .route("/auth/logout", post(logout))
        .route("/auth/me", get(me))
        .layer(axum::middleware::map_response(no_store))
}

/// Nothing under `/auth` (sessions, identities, redirects with codes) may be cached.
async fn no_store(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// Turns an [`ApiError`] into an axum response with the same JSON body.
pub(crate) fn error_response(e: ApiError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = match e {
        ApiError::BadRequest(b)
        | ApiError::Unauthorized(b)
        | ApiError::Forbidden(b)
        | ApiError::NotFound(b)
        | ApiError::Conflict(b)
        | ApiError::Unprocessable(b)
        | ApiError::TooManyRequests(b)
        | ApiError::Internal(b)
        | ApiError::Unavailable(b) => b.0,
    };
    let json = serde_json::json!({
        "code": body.code,
        "message": body.message,
        "details": body.details,
    });
    (status, Json(json)).into_response()
}

fn refuse(r: OAuthRefusal, clear_flow: &str) -> Response {
    tracing::info!(code = r.code(), "sign-in refused");
    let mut resp = Redirect::to(&format!("/login?error={}", r.code())).into_response();
    if let Ok(v) = HeaderValue::from_str(clear_flow) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// `return_to` must be a local path (no open redirect).
fn safe_return_to(raw: Option<&str>) -> String {
    match raw {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.into(),
        _ => "/".into(),
    }
}

/// Query of `GET /auth/google/login`.
#[derive(Debug, Deserialize)]
struct LoginQuery {
    return_to: Option<String>,
}

async fn google_login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    let auth = &state.auth;
    let clear = cookie(FLOW_COOKIE, "", "/auth", 0, auth.secure_cookies());
    let Some(oauth) = auth.oauth() else {
        return refuse(OAuthRefusal::Disabled, &clear);
    };
    let exp = Utc::now().timestamp() + FLOW_TTL_SECS;
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let Some((url, flow)) = oauth.start(safe_return_to(q.return_to.as_deref()), exp, host) else {
        return error_response(ApiError::bad_request(
            "cannot build the OAuth callback URL: set auth.redirect_url or server.public_url",
        ));
    };
    let signed = match auth.signer().sign(&flow) {
        Ok(s) => s,
        Err(e) => return error_response(ApiError::internal(e)),
    };
    let mut resp = Redirect::to(&url).into_response();
    let flow_cookie = cookie(
        FLOW_COOKIE,
        &signed,
        "/auth",
        FLOW_TTL_SECS,
        auth.secure_cookies(),
    );
    if let Ok(v) = HeaderValue::from_str(&flow_cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// Query of `GET /auth/google/callback`.
#[derive(Debug, Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

async fn google_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let auth = &state.auth;
    let clear = cookie(FLOW_COOKIE, "", "/auth", 0, auth.secure_cookies());
    let Some(oauth) = auth.oauth() else {
        return refuse(OAuthRefusal::Disabled, &clear);
    };
    if q.error.is_some() {
        return refuse(OAuthRefusal::Denied, &clear);
    }
    let Some(flow) = read_cookie(&headers, FLOW_COOKIE)
        .and_then(|c| auth.signer().verify::<FlowClaims>(&c, FLOW_AUDIENCE))
    else {
        return refuse(OAuthRefusal::Expired, &clear);
    };
    let given = q.state.unwrap_or_default();
    if !bool::from(given.as_bytes().ct_eq(flow.state.as_bytes())) || given.is_empty() {
        return refuse(OAuthRefusal::StateMismatch, &clear);
    }
    let Some(code) = q.code.filter(|c| !c.is_empty()) else {
        return refuse(OAuthRefusal::Denied, &clear);
    };
    let identity = match oauth.finish(code, &flow).await {
        Ok(i) => i,
        Err(r) => return refuse(r, &clear),
    };
    let user = match auth.admit(&identity).await {
        Ok(Ok(user)) => user,
        Ok(Err(r)) => return refuse(r, &clear),
        Err(e) => return error_response(e),
    };
    tracing::info!(user = %user.id, "signed in with Google");
    match auth.issue_session(&user) {
        Ok(session) => {
            let mut resp = Redirect::to(&flow.return_to).into_response();
            for c in [session.set_cookie.as_str(), clear.as_str()] {
                if let Ok(v) = HeaderValue::from_str(c) {
                    resp.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            resp
        }
        Err(e) => error_response(e),
    }
}

/// Query of `POST /auth/demo`.
#[derive(Debug, Deserialize)]
struct DemoQuery {
    #[serde(rename = "as")]
    as_role: Option<String>,
}

/// What the session endpoints answer.
#[derive(Debug, Serialize)]
struct SessionBody {
    user: UserBody,
    platform_admin: bool,
    workspaces: Vec<WorkspaceRole>,
    expires_at: Option<chrono::DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
struct UserBody {
    id: UserId,
    email: String,
    name: String,
}

#[derive(Debug, Serialize)]
struct WorkspaceRole {
    id: wabot_core::ids::WorkspaceId,
    role: Role,
}

fn session_body(
    user: &User,
    p: &Principal,
    expires_at: Option<chrono::DateTime<Utc>>,
) -> SessionBody {
    SessionBody {
        user: UserBody {
            id: user.id,
            email: user.email.as_str().to_string(),
            name: user.name.clone(),
        },
        platform_admin: p.is_platform_admin(),
        workspaces: p
            .memberships
            .iter()
            .map(|(id, role)| WorkspaceRole {
                id: *id,
                role: *role,
            })
            .collect(),
        expires_at,
    }
}

async fn signed_in(auth: &AuthService, user: &User) -> Response {
    let session = match auth.issue_session(user) {
        Ok(s) => s,
        Err(e) => return error_response(e),
    };
    let principal = match auth.principal_for_user(user).await {
        Ok(p) => p,
        Err(e) => return error_response(e),
    };
    let mut resp = Json(session_body(user, &principal, Some(session.expires_at))).into_response();
    if let Ok(v) = HeaderValue::from_str(&session.set_cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

async fn demo_login(
    State(state): State<AppState>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Query(q): Query<DemoQuery>,
) -> Response {
    let auth = &state.auth;
    if !auth.is_demo() || !auth.settings().demo_login {
        return error_response(ApiError::not_found("demo login"));
    }
    let peer = connect.map(|Extension(ConnectInfo(addr))| addr);
    if let Err(why) = local::check_local(peer, &headers) {
        return error_response(ApiError::forbidden(format!(
            "demo login is allowed from this machine (loopback) only: {why}"
        )));
    }
    if headers.contains_key(header::ORIGIN)
        && let Err(e) = auth.check_origin(&headers)
    {
        return error_response(e);
    }
    let role = match q.as_role.as_deref().unwrap_or("owner").parse::<Role>() {
        Ok(r) => r,
        Err(e) => return error_response(e.into()),
    };
    match demo_member(&state, role).await {
        Ok(user) => signed_in(auth, &user).await,
        Err(e) => error_response(e),
    }
}

/// The demo user with `role` in the demo workspace: the seeded demo owner
/// ([`DEMO_EMAIL`](crate::demo::DEMO_EMAIL)) for owners, `{role}@demo.wabot.local` (created and
/// made a member on first use) otherwise. Never anybody else: the demo workspace is the one the
/// demo owner owns, not "the oldest workspace", which may be a real tenant's.
async fn demo_member(state: &AppState, role: Role) -> Result<User, ApiError> {
    let store = &state.store;
    let no_demo = || ApiError::conflict("there is no demo workspace; restart in demo mode");
    let owner = store
        .get_user_by_email(&Email::parse(crate::demo::DEMO_EMAIL)?)
        .await?
        .ok_or_else(no_demo)?;
    let workspace = store
        .list_memberships(owner.id)
        .await?
        .into_iter()
        .find(|m| m.role == Role::Owner)
        .map(|m| m.workspace_id)
        .ok_or_else(no_demo)?;
    if role == Role::Owner {
        return Ok(owner);
    }
    let email = Email::parse(&format!("{role}@demo.wabot.local"))?;
    let now = Utc::now();
    let user = match store.get_user_by_email(&email).await? {
        Some(user) => user,
        None => {
            store
                .upsert_user(&User {
                    id: UserId::new(),
                    email,
                    name: format!("Demo {role}"),
                    created_at: now,
                })
                .await?
        }
    };
    let current = store
        .list_memberships(user.id)
        .await?
        .into_iter()
        .find(|m| m.workspace_id == workspace)
        .map(|m| m.role);
    if current != Some(role) {
        store
            .put_member(&Member {
                workspace_id: workspace,
                user_id: user.id,
                role,
                receives_leads: role == Role::Agent,
                created_at: now,
            })
            .await?;
    }
    Ok(user)
}

/// The signed-in user of a request (session cookie or session bearer; API tokens refused).
async fn session_user(
    auth: &AuthService,
    method: &http::Method,
    headers: &HeaderMap,
) -> Result<(User, Principal, CredentialKind), ApiError> {
    let Some((principal, kind)) = auth.principal_from_headers(method, headers).await? else {
        return Err(ApiError::unauthorized("not signed in"));
    };
    let Subject::User { user_id, .. } = principal.subject else {
        return Err(ApiError::forbidden("API tokens have no session"));
    };
    let user = auth
        .store()
        .get_user(user_id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("not signed in"))?;
    Ok((user, principal, kind))
}

async fn refresh(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let auth = &state.auth;
    let user = match session_user(auth, &http::Method::POST, &headers).await {
        Ok((user, _, _)) => user,
        Err(e) => return error_response(e),
    };
    // The old token ends with the refresh: a stolen copy cannot be kept alive alongside.
    if let Some(token) = AuthService::session_token(&headers) {
        match auth.verify_session(&token).await {
            Ok(Some(claims)) => {
                if let Err(e) = auth.revoke_session(&claims).await {
                    return error_response(e);
                }
            }
            Ok(None) => return error_response(ApiError::unauthorized("not signed in")),
            Err(e) => return error_response(e),
        }
    }
    signed_in(auth, &user).await
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let auth = &state.auth;
    if let Some(token) = AuthService::session_token(&headers) {
        if read_cookie(&headers, super::SESSION_COOKIE).is_some()
            && !headers.contains_key(header::AUTHORIZATION)
            && let Err(e) = auth.check_origin(&headers)
        {
            return error_response(e);
        }
        match auth.verify_session(&token).await {
            Ok(Some(claims)) => {
                if let Err(e) = auth.revoke_session(&claims).await {
                    return error_response(e);
                }
            }
            Ok(None) => {}
            Err(e) => return error_response(e),
        }
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&auth.clear_session_cookie()) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

async fn me(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let auth = &state.auth;
    match session_user(auth, &http::Method::GET, &headers).await {
        Ok((user, principal, _)) => Json(session_body(&user, &principal, None)).into_response(),
        Err(e) => error_response(e),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_return_to;

    #[test]
    fn return_to_accepts_local_paths_only() {
        assert_eq!(safe_return_to(Some("/leads?x=1")), "/leads?x=1");
        assert_eq!(safe_return_to(Some("//evil.example")), "/");
        assert_eq!(safe_return_to(Some("/\\evil.example")), "/");
        assert_eq!(safe_return_to(Some("https://evil.example")), "/");
        assert_eq!(safe_return_to(None), "/");
    }
}
