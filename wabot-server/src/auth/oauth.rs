//! Google sign-in: OAuth 2.0 authorization code with PKCE, state and nonce.
//!
//! The state, PKCE verifier, nonce and return path travel in a short-lived signed HttpOnly
//! cookie ([`FLOW_COOKIE`](super::FLOW_COOKIE)), so no server-side session store is needed and
//! any replica can finish a flow another started. The code is exchanged with the `oauth2` crate
//! over a small reqwest client that never follows redirects. The e-mail comes from the
//! `id_token` returned by the token endpoint (its nonce and audience are checked; its signature
//! need not be, as it came straight from the provider over TLS — OpenID Connect Core §3.1.3.7)
//! or else from the userinfo endpoint, and must be verified.

use std::{future::Future, pin::Pin, time::Duration};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    ExtraTokenFields, HttpRequest, HttpResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl,
    Scope, StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
    basic::{
        BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
        BasicTokenType,
    },
};
use rand::RngCore;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use super::{AuthSettings, session::FLOW_AUDIENCE};

/// The extra field Google's token endpoint returns: the OpenID `id_token`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct IdTokenFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}

impl ExtraTokenFields for IdTokenFields {}

type GoogleTokenResponse = StandardTokenResponse<IdTokenFields, BasicTokenType>;
type GoogleClient = oauth2::Client<
    BasicErrorResponse,
    GoogleTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// What the flow cookie carries between the redirect to Google and the callback.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FlowClaims {
    pub(crate) state: String,
    pub(crate) verifier: String,
    pub(crate) nonce: String,
    pub(crate) return_to: String,
    pub(crate) redirect: String,
    pub(crate) exp: i64,
    pub(crate) aud: String,
}

/// A verified identity from the provider.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub(crate) email: String,
    pub(crate) name: Option<String>,
}

/// Why a sign-in was refused; `code()` goes to `/login?error=<code>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OAuthRefusal {
    /// Google sign-in is not configured.
    Disabled,
    /// The provider reported an error (e.g. the user cancelled).
    Denied,
    /// The flow cookie is missing or expired (took longer than 10 minutes, or cookies off).
    Expired,
    /// `state` does not match the flow cookie (possible CSRF).
    StateMismatch,
    /// The code exchange or the userinfo call failed.
    Exchange,
    /// The id_token's nonce does not match.
    NonceMismatch,
    /// The e-mail is not verified.
    EmailUnverified,
    /// A verified e-mail that is nobody's member, with open sign-up off.
    NotInvited,
}

impl OAuthRefusal {
    /// The stable code for the login page.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Self::Disabled => "google_disabled",
            Self::Denied => "denied",
            Self::Expired => "flow_expired",
            Self::StateMismatch => "state_mismatch",
            Self::Exchange => "exchange_failed",
            Self::NonceMismatch => "nonce_mismatch",
            Self::EmailUnverified => "email_unverified",
            Self::NotInvited => "not_invited",
        }
    }
}

/// The Google OAuth client built from [`AuthSettings`].
pub(crate) struct GoogleOAuth {
    client: GoogleClient,
    /// The configured callback URL; `None` = derived from the request's `Host`.
    redirect: Option<String>,
    client_id: String,
    userinfo_url: String,
    http: reqwest::Client,
}

impl GoogleOAuth {
    /// `None` when no client id is configured.
    pub(crate) fn from_settings(settings: &AuthSettings) -> Option<Self> {
        let client_id = settings.google_client_id.clone()?;
        let redirect = settings.redirect_url.clone().or_else(|| {
            settings
                .public_url
                .as_deref()
                .map(|u| format!("{}/auth/google/callback", u.trim_end_matches('/')))
        });
        let mut client = oauth2::Client::new(ClientId::new(client_id.clone()))
            .set_auth_uri(AuthUrl::new(settings.google_authorize_url.clone()).ok()?)
            .set_token_uri(TokenUrl::new(settings.google_token_url.clone()).ok()?);
        if let Some(secret) = &settings.google_client_secret {
            client =
                client.set_client_secret(ClientSecret::new(secret.expose_secret().to_string()));
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .ok()?;
        Some(Self {
            client,
            redirect,
            client_id,
            userinfo_url: settings.google_userinfo_url.clone(),
            http,
        })
    }

    /// The provider URL to send the browser to, and the flow claims to keep in the cookie.
    /// `host` (the request's `Host`) builds the callback URL when none is configured.
    pub(crate) fn start(
        &self,
        return_to: String,
        exp: i64,
        host: Option<&str>,
    ) -> Option<(String, FlowClaims)> {
        let redirect = match &self.redirect {
            Some(r) => r.clone(),
            None => format!("http://{}/auth/google/callback", host?),
        };
        let redirect_url = RedirectUrl::new(redirect.clone()).ok()?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let nonce = random_token();
        let (url, state) = self
            .client
            .authorize_url(CsrfToken::new_random)
            .set_redirect_uri(std::borrow::Cow::Owned(redirect_url))
            .add_scope(Scope::new("openid".into()))
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .add_extra_param("nonce", nonce.clone())
            .add_extra_param("prompt", "select_account")
            .url();
        let claims = FlowClaims {
            state: state.secret().clone(),
            verifier: verifier.secret().clone(),
            nonce,
            return_to,
            redirect,
            exp,
            aud: FLOW_AUDIENCE.into(),
        };
        Some((url.to_string(), claims))
    }

    /// Exchanges the code and returns the verified identity.
    pub(crate) async fn finish(
        &self,
        code: String,
        flow: &FlowClaims,
    ) -> Result<Identity, OAuthRefusal> {
        let http = NoRedirectClient(&self.http);
        let redirect =
            RedirectUrl::new(flow.redirect.clone()).map_err(|_| OAuthRefusal::Exchange)?;
        let token = self
            .client
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier.clone()))
            .set_redirect_uri(std::borrow::Cow::Owned(redirect))
            .request_async(&http)
            .await
            .map_err(|e| {
                tracing::warn!("OAuth code exchange failed: {e}");
                OAuthRefusal::Exchange
            })?;
        let mut from_id_token = None;
        if let Some(id_token) = &token.extra_fields().id_token {
            let claims: IdClaims = jsonwebtoken::dangerous::insecure_decode_claims(id_token)
                .map_err(|e| {
                    tracing::warn!("the id_token does not decode: {e}");
                    OAuthRefusal::Exchange
                })?;
            if claims.nonce.as_deref() != Some(flow.nonce.as_str()) {
                return Err(OAuthRefusal::NonceMismatch);
            }
            if !claims.aud.contains(&self.client_id) {
                tracing::warn!("the id_token is for another client");
                return Err(OAuthRefusal::Exchange);
            }
            if claims.info.email.is_some() {
                from_id_token = Some(claims.info);
            }
        }
        let info = match from_id_token {
            Some(info) => info,
            None => self.userinfo(token.access_token().secret()).await?,
        };
        let email = info.email.ok_or(OAuthRefusal::EmailUnverified)?;
        if !info.email_verified.is_verified() {
            return Err(OAuthRefusal::EmailUnverified);
        }
        Ok(Identity {
            email,
            name: info.name,
        })
    }

    async fn userinfo(&self, access_token: &str) -> Result<UserInfo, OAuthRefusal> {
        let response = self
            .http
            .get(&self.userinfo_url)
            .bearer_auth(access_token)
            .send()
            .await
            .map_err(|e| {
                tracing::warn!("userinfo request failed: {e}");
                OAuthRefusal::Exchange
            })?;
        if !response.status().is_success() {
            tracing::warn!("userinfo answered {}", response.status());
            return Err(OAuthRefusal::Exchange);
        }
        response.json().await.map_err(|e| {
            tracing::warn!("userinfo is not the expected JSON: {e}");
            OAuthRefusal::Exchange
        })
    }
}

/// OpenID profile fields (userinfo or id_token).
#[derive(Debug, Clone, Deserialize)]
struct UserInfo {
    email: Option<String>,
    #[serde(default)]
    email_verified: Verified,
    name: Option<String>,
}

/// `email_verified` is a boolean, but some providers send `"true"`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(untagged)]
enum Verified {
    Bool(bool),
    Text(String),
    #[default]
    Missing,
}

impl Verified {
    fn is_verified(&self) -> bool {
        match self {
            Self::Bool(b) => *b,
            Self::Text(t) => t.eq_ignore_ascii_case("true"),
            Self::Missing => false,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
struct IdClaims {
    nonce: Option<String>,
    #[serde(deserialize_with = "one_or_many")]
    aud: Vec<String>,
    #[serde(flatten)]
    info: UserInfo,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

fn random_token() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The `oauth2` HTTP client: reqwest 0.13 with redirects off (a token endpoint that redirects
/// is an error, not something to follow).
struct NoRedirectClient<'a>(&'a reqwest::Client);

/// A failed token request.
#[derive(Debug, thiserror::Error)]
#[error("token endpoint request failed: {0}")]
struct HttpError(String);

impl<'c> oauth2::AsyncHttpClient<'c> for NoRedirectClient<'_> {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request =
                reqwest::Request::try_from(request).map_err(|e| HttpError(e.to_string()))?;
            let response = self
                .0
                .execute(request)
                .await
                .map_err(|e| HttpError(e.to_string()))?;
            let mut out = http::Response::builder().status(response.status());
            if let Some(headers) = out.headers_mut() {
                *headers = response.headers().clone();
            }
            let body = response
                .bytes()
                .await
                .map_err(|e| HttpError(e.to_string()))?;
            out.body(body.to_vec())
                .map_err(|e| HttpError(e.to_string()))
        })
    }
}
