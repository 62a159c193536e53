//! Authentication (Google OAuth, sessions, API tokens) and authorization (workspace roles).
//!
//! - [`AuthSettings`]: the `[auth]` configuration.
//! - [`AuthService`]: resolves a request's credentials (session cookie `wabot_session`, or
//!   `Authorization: Bearer` with an API token `wbt_…` or a session JWT) into a [`Principal`],
//!   issues sessions, checks the CSRF origin of cookie-authenticated changes.
//! - [`ApiAuth`]: the poem-openapi security scheme REST operations take.
//! - [`routes::router`]: the browser flow under `/auth` (Google sign-in, demo login, refresh,
//!   logout, me).
//!
//! Authorization is [`Principal::require`]: non-members get 404 (no existence leak), members
//! with a lower role 403.

mod api_token;
mod local;
mod oauth;
mod principal;
pub mod routes;
mod scheme;
mod service;
mod session;
mod settings;

pub use api_token::{TOKEN_PREFIX, generate_token, hash_token, token_display_prefix};
pub(crate) use local::is_loopback_ip;
pub use principal::{Principal, Subject};
pub use scheme::ApiAuth;
pub use service::{AccessChange, AuthService, AuthSetupError, CredentialKind};
pub use session::{FLOW_COOKIE, IssuedSession, SESSION_COOKIE, SessionClaims};
pub use settings::{AuthSettings, GOOGLE_AUTHORIZE_URL, GOOGLE_TOKEN_URL, GOOGLE_USERINFO_URL};
