//! [`AuthService`]: turns a request's credentials into a [`Principal`].

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use http::{HeaderMap, Method, header};
use rand::RngCore;
use secrecy::ExposeSecret;
use uuid::Uuid;
use wabot_core::{
    domain::{Email, Member, Role, User, Workspace, WorkspaceName},
    ids::{UserId, WorkspaceId},
    ports::ServerStore,
};

use super::{
    AuthSettings, Principal, Subject,
    api_token::{TOKEN_PREFIX, hash_token},
    local,
    oauth::{GoogleOAuth, Identity, OAuthRefusal},
    session::{
        IssuedSession, SESSION_AUDIENCE, SESSION_COOKIE, SessionClaims, Signer, cookie, read_cookie,
    },
};
use crate::error::ApiError;

/// How often at most a token's `last_used_at` is written.
const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// Why the authentication settings cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthSetupError {
    /// No session key outside demo mode.
    #[error(
        "auth.jwt_secret is required outside demo mode: set WABOT_AUTH__JWT_SECRET to at least 32 random bytes"
    )]
    MissingJwtSecret,
    /// The session key is too short.
    #[error("auth.jwt_secret is {0} bytes long; it must be at least 32 bytes")]
    ShortJwtSecret(usize),
    /// A URL setting does not parse.
    #[error("auth.{key}: `{value}` is not an absolute URL")]
    BadUrl {
        /// The settings key.
        key: &'static str,
        /// The value given.
        value: String,
    },
}

/// How the caller authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// The `wabot_session` cookie (CSRF-checked for state-changing requests).
    Cookie,
    /// `Authorization: Bearer` with a session JWT or an API token.
    Bearer,
}

/// A change of someone's access, announced to open WebSocket streams so they re-check their
/// caller at once instead of at the next periodic check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessChange {
    /// A session ended (logout or refresh): streams of signed-in users re-check.
    Session(Uuid),
    /// A user's memberships changed (removed, role changed): that user's streams re-check.
    User(UserId),
    /// An API token was revoked: streams of that token re-check.
    Token(Uuid),
}

impl AccessChange {
    /// Whether a stream of `subject` may be affected.
    pub fn affects(&self, subject: &Subject) -> bool {
        match (self, subject) {
            (Self::Session(_), Subject::User { .. }) => true,
            (Self::User(u), Subject::User { user_id, .. }) => u == user_id,
            (Self::Token(t), Subject::Token { token_id, .. }) => t == token_id,
            _ => false,
        }
    }
}

/// Authentication: sessions, API tokens, CSRF origin checks. Cheap to share in an [`Arc`].
pub struct AuthService {
    settings: AuthSettings,
    store: Arc<dyn ServerStore>,
    demo: bool,
    signer: Signer,
    secure: bool,
    public_origin: Option<String>,
    /// The public URL's host, port and its scheme's default port (for `Host` checks).
    public_host: Option<(String, u16, u16)>,
    revoked_sessions: Mutex<HashMap<Uuid, i64>>,
    access_changes: tokio::sync::broadcast::Sender<AccessChange>,
    token_touches: Mutex<HashMap<Uuid, Instant>>,
    oauth: Option<GoogleOAuth>,
}

impl std::fmt::Debug for AuthService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthService")
            .field("settings", &self.settings)
            .field("demo", &self.demo)
            .finish_non_exhaustive()
    }
}

impl AuthService {
    /// Checks the settings and builds the service. Outside demo mode a `jwt_secret` of at least
    /// 32 bytes is required; demo mode generates a random one when missing.
    pub fn new(
        settings: &AuthSettings,
        store: Arc<dyn ServerStore>,
        demo: bool,
    ) -> Result<Self, AuthSetupError> {
        let secret: Vec<u8> = match &settings.jwt_secret {
            Some(s) if s.expose_secret().len() >= 32 => s.expose_secret().as_bytes().to_vec(),
            Some(s) if !demo => {
                return Err(AuthSetupError::ShortJwtSecret(s.expose_secret().len()));
            }
            None if !demo => return Err(AuthSetupError::MissingJwtSecret),
            _ => {
                tracing::warn!(
                    "demo mode: no usable auth.jwt_secret; sessions are signed with a random key \
                     and end when the server stops (set WABOT_AUTH__JWT_SECRET to keep them)"
                );
                let mut key = vec![0u8; 32];
                rand::rng().fill_bytes(&mut key);
                key
            }
        };
        if settings.google_client_id.is_some() && settings.google_client_secret.is_none() {
            tracing::warn!(
                "auth.google_client_id is set without auth.google_client_secret \
                 (WABOT_AUTH__GOOGLE_CLIENT_SECRET); Google will refuse the code exchange"
            );
        }
        for (key, value) in [
            ("google_authorize_url", Some(&settings.google_authorize_url)),
            ("google_token_url", Some(&settings.google_token_url)),
            ("google_userinfo_url", Some(&settings.google_userinfo_url)),
            ("redirect_url", settings.redirect_url.as_ref()),
            ("public_url", settings.public_url.as_ref()),
        ] {
            if let Some(value) = value
                && url::Url::parse(value).is_err()
            {
                return Err(AuthSetupError::BadUrl {
                    key,
                    value: value.clone(),
                });
            }
        }
        let public = settings
            .public_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok());
        let public_origin = public.as_ref().map(|u| u.origin().ascii_serialization());
        let public_host = public.as_ref().and_then(|u| {
            let (host, _) = local::split_authority(u.host_str()?)?;
            let default = url::Url::parse(&format!("{}://x", u.scheme()))
                .ok()?
                .port_or_known_default()?;
            Some((host, u.port_or_known_default()?, default))
        });
        Ok(Self {
            secure: settings.secure_cookies(),
            settings: settings.clone(),
            store,
            demo,
            signer: Signer::new(&secret),
            public_origin,
            public_host,
            revoked_sessions: Mutex::new(HashMap::new()),
            access_changes: tokio::sync::broadcast::channel(256).0,
            token_touches: Mutex::new(HashMap::new()),
            oauth: GoogleOAuth::from_settings(settings),
        })
    }

    /// The settings.
    pub fn settings(&self) -> &AuthSettings {
        &self.settings
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn ServerStore> {
        &self.store
    }

    /// Whether the server runs in demo mode.
    pub fn is_demo(&self) -> bool {
        self.demo
    }

    /// Whether cookies are marked `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.secure
    }

    pub(crate) fn signer(&self) -> &Signer {
        &self.signer
    }

    pub(crate) fn oauth(&self) -> Option<&GoogleOAuth> {
        self.oauth.as_ref()
    }

    /// Whether Google sign-in is configured.
    pub fn google_enabled(&self) -> bool {
        self.oauth.is_some()
    }

    /// Decides whether a verified identity may sign in, creating what is needed: platform
    /// admins always; members of a workspace; with `open_signup`, anyone else gets a new
    /// workspace they own. The outer error is a store failure; the inner one a refusal.
    pub(crate) async fn admit(
        &self,
        identity: &Identity,
    ) -> Result<Result<User, OAuthRefusal>, ApiError> {
        let Ok(email) = Email::parse(&identity.email.to_lowercase()) else {
            return Ok(Err(OAuthRefusal::EmailUnverified));
        };
        let name = identity
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| {
                email
                    .as_str()
                    .split('@')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            });
        let now = Utc::now();
        let existing = self.store.get_user_by_email(&email).await?;
        if self.settings.is_admin_email(email.as_str()) {
            let user = match existing {
                Some(u) => u,
                None => self.store.upsert_user(&new_user(email, name, now)).await?,
            };
            return Ok(Ok(user));
        }
        if let Some(user) = existing
            && !self.store.list_memberships(user.id).await?.is_empty()
        {
            return Ok(Ok(user));
        }
        if !self.settings.open_signup {
            return Ok(Err(OAuthRefusal::NotInvited));
        }
        let user = self
            .store
            .upsert_user(&new_user(email, name.clone(), now))
            .await?;
        let mut ws_name: String = format!("{name}'s workspace").chars().take(80).collect();
        if WorkspaceName::parse(&ws_name).is_err() {
            ws_name = "My workspace".into();
        }
        let workspace = Workspace {
            id: WorkspaceId::new(),
            name: WorkspaceName::parse(&ws_name)?,
            created_at: now,
        };
        self.store.create_workspace(&workspace).await?;
        self.store
            .put_member(&Member {
                workspace_id: workspace.id,
                user_id: user.id,
                role: Role::Owner,
                receives_leads: true,
                created_at: now,
            })
            .await?;
        Ok(Ok(user))
    }

    /// Issues a session for `user`: a JWT valid for the session TTL and its cookie.
    pub fn issue_session(&self, user: &User) -> Result<IssuedSession, ApiError> {
        let now = Utc::now();
        let ttl = self.settings.session_ttl();
        let expires_at = now + chrono::Duration::seconds(ttl.as_secs() as i64);
        let claims = SessionClaims {
            sub: user.id.as_uuid(),
            email: user.email.as_str().to_string(),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
            aud: SESSION_AUDIENCE.into(),
            sid: Uuid::new_v4(),
        };
        let token = self.signer.sign(&claims).map_err(ApiError::internal)?;
        let set_cookie = cookie(
            SESSION_COOKIE,
            &token,
            "/",
            ttl.as_secs() as i64,
            self.secure,
        );
        Ok(IssuedSession {
            token,
            expires_at,
            set_cookie,
        })
    }

    /// The `Set-Cookie` value that deletes the session cookie.
    pub fn clear_session_cookie(&self) -> String {
        cookie(SESSION_COOKIE, "", "/", 0, self.secure)
    }

    /// Verifies a session JWT (signature, HS256, expiry, audience) and that it was not ended
    /// by a logout or a refresh, on any replica (the store's revocation list; ids known to be
    /// revoked are also remembered here). `Ok(None)` for a bad or ended session.
    pub async fn verify_session(&self, token: &str) -> Result<Option<SessionClaims>, ApiError> {
        let Some(claims) = self.signer.verify::<SessionClaims>(token, SESSION_AUDIENCE) else {
            return Ok(None);
        };
        let known = self
            .revoked_sessions
            .lock()
            .expect("revoked sessions lock")
            .contains_key(&claims.sid);
        if known {
            return Ok(None);
        }
        if self.store.is_session_revoked(claims.sid).await? {
            self.remember_revoked(&claims);
            return Ok(None);
        }
        Ok(Some(claims))
    }

    /// Ends a session: its token is refused from now on, by every replica and after restarts
    /// (until it would have expired anyway), and open WebSocket streams of it are closed.
    pub async fn revoke_session(&self, claims: &SessionClaims) -> Result<(), ApiError> {
        let expires_at = chrono::DateTime::from_timestamp(claims.exp, 0).unwrap_or_else(Utc::now);
        self.store
            .revoke_session(claims.sid, UserId(claims.sub), expires_at, Utc::now())
            .await?;
        self.remember_revoked(claims);
        self.notify(AccessChange::Session(claims.sid));
        Ok(())
    }

    fn remember_revoked(&self, claims: &SessionClaims) {
        let now = Utc::now().timestamp();
        let mut revoked = self.revoked_sessions.lock().expect("revoked sessions lock");
        revoked.retain(|_, exp| *exp + 60 > now);
        revoked.insert(claims.sid, claims.exp);
    }

    /// Tells open WebSocket streams that someone's access changed (a session ended, a token
    /// was revoked, a membership changed), so the affected ones re-check at once.
    pub fn notify(&self, change: AccessChange) {
        let _ = self.access_changes.send(change);
    }

    /// Access changes made through this replica (see [`notify`](Self::notify)).
    pub fn access_changes(&self) -> tokio::sync::broadcast::Receiver<AccessChange> {
        self.access_changes.subscribe()
    }

    /// The session token of a request (bearer JWT or cookie), without verifying it.
    pub fn session_token(headers: &HeaderMap) -> Option<String> {
        match bearer(headers) {
            Some(b) if !is_api_token(&b) => Some(b),
            Some(_) => None,
            None => read_cookie(headers, SESSION_COOKIE),
        }
    }

    /// Resolves the caller of an axum/http request: `Ok(None)` without credentials, 401 for
    /// bad credentials, 403 when a cookie-authenticated state-changing request (or WebSocket
    /// upgrade) comes from another origin.
    pub async fn principal_from_parts(
        &self,
        parts: &http::request::Parts,
    ) -> Result<Option<Principal>, ApiError> {
        self.principal_from_headers(&parts.method, &parts.headers)
            .await
            .map(|p| p.map(|(p, _)| p))
    }

    /// Like [`principal_from_parts`](Self::principal_from_parts), from a method and headers,
    /// also saying how the caller authenticated.
    pub async fn principal_from_headers(
        &self,
        method: &Method,
        headers: &HeaderMap,
    ) -> Result<Option<(Principal, CredentialKind)>, ApiError> {
        if headers.contains_key(header::AUTHORIZATION) {
            let Some(token) = bearer(headers) else {
                return Err(ApiError::unauthorized(
                    "the Authorization header must be `Bearer <API token or session token>`",
                ));
            };
            let principal = if is_api_token(&token) {
                self.principal_for_api_token(&token).await?
            } else {
                let claims = self.verify_session(&token).await?.ok_or_else(bad_session)?;
                self.principal_for_session(&claims).await?
            };
            return Ok(Some((principal, CredentialKind::Bearer)));
        }
        let Some(token) = read_cookie(headers, SESSION_COOKIE) else {
            return Ok(None);
        };
        self.check_host(headers)?;
        let claims = self.verify_session(&token).await?.ok_or_else(bad_session)?;
        let unsafe_method = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        let upgrade = headers
            .get(header::UPGRADE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
        if unsafe_method || upgrade {
            self.check_origin(headers)?;
        }
        let principal = self.principal_for_session(&claims).await?;
        Ok(Some((principal, CredentialKind::Cookie)))
    }

    /// CSRF defence for cookie-authenticated requests: the `Origin` (or else `Referer`) must be
    /// the public URL's origin (same scheme, host and port), or a loopback origin (`localhost`,
    /// `127.0.0.1`, `[::1]`) naming the same host and port as the request's loopback `Host`.
    /// An origin that merely equals the `Host` is not enough: after DNS rebinding an attacker's
    /// page has exactly that (see the `local` module).
    pub fn check_origin(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let origin = headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .filter(|o| *o != "null")
            .and_then(|o| url::Url::parse(o).ok())
            .or_else(|| {
                headers
                    .get(header::REFERER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|r| url::Url::parse(r).ok())
            });
        let Some(origin) = origin else {
            return Err(csrf_refused(
                "a cookie-authenticated change needs an Origin or Referer header",
            ));
        };
        let serialized = origin.origin().ascii_serialization();
        if self.public_origin.as_deref() == Some(serialized.as_str()) {
            return Ok(());
        }
        if loopback_origin_matches_host(&origin, headers) {
            return Ok(());
        }
        Err(csrf_refused(
            "cross-origin requests may not use the session cookie; use an API token (the \
             dashboard is served at loopback addresses and at server.public_url only)",
        ))
    }

    /// DNS-rebinding defence for requests that carry a session: the `Host` must be a loopback
    /// name or the public URL's host and port. A request without `Host` (never a browser's)
    /// passes.
    pub fn check_host(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some(raw) = headers.get(header::HOST) else {
            return Ok(());
        };
        let given = raw.to_str().ok().and_then(local::split_authority);
        let allowed = given.as_ref().is_some_and(|(host, port)| {
            local::is_loopback_host(host)
                || self
                    .public_host
                    .as_ref()
                    .is_some_and(|(ph, pp, default)| ph == host && port.unwrap_or(*default) == *pp)
        });
        if allowed {
            return Ok(());
        }
        Err(ApiError::Forbidden(poem_openapi::payload::Json(
            crate::error::ErrorBody {
                code: "host".into(),
                message: "this server answers signed-in requests only at loopback addresses and \
                          at its public URL; open the dashboard there, or set server.public_url \
                          to the address users open"
                    .into(),
                details: None,
            },
        )))
    }

    /// The principal of a verified session: the user's memberships, admin flag from the
    /// whitelist (so removing an address takes effect at once).
    pub async fn principal_for_session(
        &self,
        claims: &SessionClaims,
    ) -> Result<Principal, ApiError> {
        let user = self
            .store
            .get_user(UserId(claims.sub))
            .await?
            .ok_or_else(|| {
                ApiError::unauthorized("the session's user no longer exists; sign in again")
            })?;
        self.principal_for_user(&user).await
    }

    /// The principal of a known user.
    pub async fn principal_for_user(&self, user: &User) -> Result<Principal, ApiError> {
        let memberships = self.store.list_memberships(user.id).await?;
        Ok(Principal {
            subject: Subject::User {
                user_id: user.id,
                email: user.email.as_str().to_string(),
                platform_admin: self.settings.is_admin_email(user.email.as_str()),
            },
            memberships: memberships
                .iter()
                .map(|m: &Member| (m.workspace_id, m.role))
                .collect(),
        })
    }

    async fn principal_for_api_token(&self, token: &str) -> Result<Principal, ApiError> {
        let found = self.store.find_api_token(&hash_token(token)).await?;
        let Some(found) = found.filter(|t| t.revoked_at.is_none()) else {
            return Err(ApiError::unauthorized(
                "unknown or revoked API token; create a new one in the dashboard",
            ));
        };
        // A token never has more rights than its creator has now: a creator who left the
        // workspace (or was demoted) takes the token down with them.
        let mut role = found.role;
        if let Some(creator) = found.created_by {
            let admin = match self.store.get_user(creator).await? {
                Some(u) => self.settings.is_admin_email(u.email.as_str()),
                None => false,
            };
            if !admin {
                let creator_role = self
                    .store
                    .list_memberships(creator)
                    .await?
                    .into_iter()
                    .find(|m| m.workspace_id == found.workspace_id)
                    .map(|m| m.role);
                match creator_role {
                    Some(r) => role = role.min(r),
                    None => {
                        return Err(ApiError::unauthorized(
                            "this API token's creator is no longer a member of its workspace",
                        ));
                    }
                }
            }
        }
        self.touch(found.id, Utc::now()).await;
        Ok(Principal {
            subject: Subject::Token {
                token_id: found.id,
                created_by: found.created_by,
            },
            memberships: vec![(found.workspace_id, role)],
        })
    }

    async fn touch(&self, id: Uuid, now: DateTime<Utc>) {
        let due = {
            let mut touches = self.token_touches.lock().expect("token touches lock");
            let due = touches.get(&id).is_none_or(|t| t.elapsed() >= TOUCH_EVERY);
            if due {
                if touches.len() > 10_000 {
                    touches.retain(|_, t| t.elapsed() < TOUCH_EVERY);
                }
                touches.insert(id, Instant::now());
            }
            due
        };
        if due && let Err(e) = self.store.touch_api_token(id, now).await {
            tracing::warn!("could not record API token use: {e}");
        }
    }
}

fn new_user(email: Email, name: String, now: DateTime<Utc>) -> User {
    User {
        id: UserId::new(),
        email,
        name: name.chars().take(80).collect(),
        created_at: now,
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_string())
}

/// API tokens start with `wbt_`; anything that is not shaped like a JWT (three dot-separated
/// parts) is looked up as a token too (e.g. a seeded demo token).
fn is_api_token(token: &str) -> bool {
    token.starts_with(TOKEN_PREFIX) || token.split('.').count() != 3
}

/// Whether `origin` is a loopback origin with the same host and port as the request's `Host`
/// (itself loopback, so a rebound name never matches).
fn loopback_origin_matches_host(origin: &url::Url, headers: &HeaderMap) -> bool {
    let Some((origin_host, _)) = origin.host_str().and_then(local::split_authority) else {
        return false;
    };
    let Some(origin_port) = origin.port_or_known_default() else {
        return false;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .and_then(local::split_authority);
    let Some((host, port)) = host else {
        return false;
    };
    local::is_loopback_host(&origin_host)
        && origin_host == host
        && port.unwrap_or(if origin.scheme() == "https" { 443 } else { 80 }) == origin_port
}

fn bad_session() -> ApiError {
    ApiError::unauthorized("the session is invalid or has expired; sign in again")
}

fn csrf_refused(message: &str) -> ApiError {
    ApiError::Forbidden(poem_openapi::payload::Json(crate::error::ErrorBody {
        code: "csrf".into(),
        message: message.into(),
        details: None,
    }))
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;
    use wabot_core::memory::MemoryStore;

    use super::*;

    fn build(settings: &AuthSettings, demo: bool) -> Result<AuthService, AuthSetupError> {
        AuthService::new(settings, Arc::new(MemoryStore::new()), demo)
    }

    #[test]
    fn a_session_key_of_32_bytes_is_required_outside_demo_mode() {
        let mut s = AuthSettings::default();
        assert!(matches!(
            build(&s, false),
            Err(AuthSetupError::MissingJwtSecret)
        ));
        assert!(build(&s, true).is_ok(), "demo mode generates a key");
        s.jwt_secret = Some(SecretString::from("short"));
        assert!(matches!(
            build(&s, false),
            Err(AuthSetupError::ShortJwtSecret(5))
        ));
        s.jwt_secret = Some(SecretString::from("x".repeat(32)));
        assert!(build(&s, false).is_ok());
        s.public_url = Some("not a url".into());
        let err = build(&s, false).unwrap_err();
        assert!(err.to_string().contains("auth.public_url"), "{err}");
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn the_origin_must_be_the_public_url_or_the_host() {
        let s = AuthSettings {
            public_url: Some("https://bots.example.com/".into()),
            ..AuthSettings::default()
        };
        let auth = build(&s, true).unwrap();
        let ok = |h: &[(&str, &str)]| auth.check_origin(&headers(h)).is_ok();
        assert!(ok(&[("origin", "https://bots.example.com")]));
        assert!(ok(&[("referer", "https://bots.example.com/leads?x=1")]));
        assert!(ok(&[
            ("origin", "http://127.0.0.1:8080"),
            ("host", "127.0.0.1:8080")
        ]));
        assert!(!ok(&[
            ("origin", "https://evil.example"),
            ("host", "bots.example.com")
        ]));
        assert!(
            !ok(&[("origin", "http://bots.example.com")]),
            "scheme matters"
        );
        assert!(!ok(&[("origin", "null"), ("host", "bots.example.com")]));
        assert!(!ok(&[("host", "bots.example.com")]), "no origin at all");
    }

    #[test]
    fn a_rebound_name_is_neither_an_allowed_origin_nor_an_allowed_host() {
        let s = AuthSettings {
            public_url: Some("https://bots.example.com".into()),
            ..AuthSettings::default()
        };
        let auth = build(&s, true).unwrap();
        let origin_ok = |h: &[(&str, &str)]| auth.check_origin(&headers(h)).is_ok();
        assert!(!origin_ok(&[
            ("origin", "http://evil.example:8080"),
            ("host", "evil.example:8080")
        ]));
        assert!(!origin_ok(&[
            ("origin", "http://localhost:9999"),
            ("host", "localhost:8080")
        ]));
        assert!(origin_ok(&[
            ("origin", "http://[::1]:8080"),
            ("host", "[::1]:8080")
        ]));
        let host_ok = |h: &str| auth.check_host(&headers(&[("host", h)])).is_ok();
        assert!(host_ok("127.0.0.1:8080"));
        assert!(host_ok("localhost"));
        assert!(host_ok("bots.example.com"));
        assert!(host_ok("BOTS.example.com:443"));
        assert!(!host_ok("bots.example.com:8443"));
        assert!(!host_ok("evil.example:8080"));
        assert!(!host_ok("127.0.0.1.nip.io"));
    }
}
