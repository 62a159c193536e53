//! Typed authentication settings (`[auth]` in `wabot.toml`, `WABOT_AUTH__*` in the environment).

use std::time::Duration;

use secrecy::SecretString;
use serde::{Deserialize, Deserializer};

/// Authentication settings: Google sign-in, sessions, the admin whitelist and demo login.
///
/// Every key has a default, so an empty `[auth]` section is valid in demo mode. Secrets
/// (`google_client_secret`, `jwt_secret`) belong in the environment
/// (`WABOT_AUTH__GOOGLE_CLIENT_SECRET`, `WABOT_AUTH__JWT_SECRET`), never in the file.
///
/// | key | default | meaning |
/// |---|---|---|
/// | `google_client_id` | none | OAuth client id; Google sign-in is off without it |
/// | `google_client_secret` | none | OAuth client secret (env) |
/// | `google_authorize_url` | Google's | authorization endpoint (tests point it at a fake) |
/// | `google_token_url` | Google's | token endpoint |
/// | `google_userinfo_url` | Google's | OpenID userinfo endpoint (gives `email_verified`) |
/// | `redirect_url` | `{public_url}/auth/google/callback` | the callback registered at Google |
/// | `public_url` | none | the dashboard's public URL (the host copies `server.public_url` here) |
/// | `admin_emails` | `[]` | platform admins: may see and do everything |
/// | `open_signup` | `false` | unknown verified users get their own new workspace |
/// | `jwt_secret` | none | HS256 key, ≥ 32 bytes; required outside demo mode (env) |
/// | `session_ttl_secs` | `43200` (12 h) | session lifetime; `POST /auth/refresh` rolls it |
/// | `demo_login` | `true` | `POST /auth/demo` from loopback, in demo mode only |
/// | `secure_cookies` | auto | `Secure` cookies; auto = when `public_url` is `https` |
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// Google OAuth client id. Without it, Google sign-in is disabled.
    pub google_client_id: Option<String>,
    /// Google OAuth client secret (set it from the environment).
    #[serde(deserialize_with = "de_secret")]
    pub google_client_secret: Option<SecretString>,
    /// The authorization endpoint.
    pub google_authorize_url: String,
    /// The token endpoint.
    pub google_token_url: String,
    /// The OpenID userinfo endpoint (returns `email` and `email_verified`).
    pub google_userinfo_url: String,
    /// The OAuth redirect (callback) URL; defaults to `{public_url}/auth/google/callback`.
    pub redirect_url: Option<String>,
    /// The public base URL of the dashboard, e.g. `https://bots.example.com`. Used for the
    /// default redirect URL, the CSRF origin check and `Secure` cookies.
    pub public_url: Option<String>,
    /// E-mails of platform admins (case-insensitive).
    pub admin_emails: Vec<String>,
    /// Whether a verified user who is nobody's member gets a new workspace of their own.
    pub open_signup: bool,
    /// The HS256 session signing key (≥ 32 bytes; set it from the environment). Demo mode
    /// generates a random one when missing (sessions then end with the process).
    #[serde(deserialize_with = "de_secret")]
    pub jwt_secret: Option<SecretString>,
    /// Session lifetime in seconds.
    pub session_ttl_secs: u64,
    /// Whether `POST /auth/demo` may log in (demo mode and loopback peers only).
    pub demo_login: bool,
    /// Force `Secure` cookies on or off; `None` = on when `public_url` is `https`.
    pub secure_cookies: Option<bool>,
}

/// Google's OAuth 2.0 authorization endpoint.
pub const GOOGLE_AUTHORIZE_URL: &str = "https://accounts.google.com/o/oauth2/v2/auth";
/// Google's token endpoint.
pub const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// Google's OpenID Connect userinfo endpoint.
pub const GOOGLE_USERINFO_URL: &str = "https://openidconnect.googleapis.com/v1/userinfo";

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            google_client_id: None,
            google_client_secret: None,
            google_authorize_url: GOOGLE_AUTHORIZE_URL.into(),
            google_token_url: GOOGLE_TOKEN_URL.into(),
            google_userinfo_url: GOOGLE_USERINFO_URL.into(),
            redirect_url: None,
            public_url: None,
            admin_emails: Vec::new(),
            open_signup: false,
            jwt_secret: None,
            session_ttl_secs: 12 * 3600,
            demo_login: true,
            secure_cookies: None,
        }
    }
}

impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redact = |s: &Option<SecretString>| s.as_ref().map(|_| "[redacted]");
        f.debug_struct("AuthSettings")
            .field("google_client_id", &self.google_client_id)
            .field("google_client_secret", &redact(&self.google_client_secret))
            .field("google_authorize_url", &self.google_authorize_url)
            .field("google_token_url", &self.google_token_url)
            .field("google_userinfo_url", &self.google_userinfo_url)
            .field("redirect_url", &self.redirect_url)
            .field("public_url", &self.public_url)
            .field("admin_emails", &self.admin_emails)
            .field("open_signup", &self.open_signup)
            .field("jwt_secret", &redact(&self.jwt_secret))
            .field("session_ttl_secs", &self.session_ttl_secs)
            .field("demo_login", &self.demo_login)
            .field("secure_cookies", &self.secure_cookies)
            .finish()
    }
}

impl AuthSettings {
    /// The session lifetime.
    pub fn session_ttl(&self) -> Duration {
        Duration::from_secs(self.session_ttl_secs.max(60))
    }

    /// Whether cookies get the `Secure` attribute.
    pub fn secure_cookies(&self) -> bool {
        self.secure_cookies.unwrap_or_else(|| {
            self.public_url
                .as_deref()
                .is_some_and(|u| u.trim().to_ascii_lowercase().starts_with("https://"))
        })
    }

    /// Whether `email` is on the platform-admin whitelist.
    pub fn is_admin_email(&self, email: &str) -> bool {
        self.admin_emails
            .iter()
            .any(|a| a.trim().eq_ignore_ascii_case(email.trim()))
    }
}

fn de_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
    Ok(Option::<String>::deserialize(d)?
        .filter(|s| !s.is_empty())
        .map(SecretString::from))
}
