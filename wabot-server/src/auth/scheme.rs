//! [`ApiAuth`]: the poem-openapi security scheme every protected operation takes.
//!
//! The OpenAPI document declares two alternatives: the `wabot_session` cookie (the dashboard)
//! and `Authorization: Bearer` (an API token `wbt_…`, or a session JWT). Both resolve through
//! one code path, [`AuthService::principal_from_headers`], so the rules (HS256 only, expiry,
//! revocation, CSRF origin check for cookies) cannot diverge.

use std::sync::Arc;

use poem_openapi::{
    ApiExtractor, ApiExtractorType, ExtractParamOptions, SecurityScheme,
    auth::{ApiKey, Bearer},
    registry::Registry,
};

use super::{AuthService, CredentialKind, Principal};
use crate::{error::ApiError, state::AppState};

/// The dashboard session cookie (`wabot_session`, set by the sign-in flow).
#[derive(SecurityScheme)]
#[oai(
    rename = "SessionCookie",
    ty = "api_key",
    key_name = "wabot_session",
    key_in = "cookie"
)]
#[expect(dead_code, reason = "declares the scheme in the OpenAPI document only")]
struct SessionCookie(ApiKey);

/// `Authorization: Bearer wbt_…` with an API token created under `/api/v1/workspaces/{id}/tokens`
/// (or a session JWT).
#[derive(SecurityScheme)]
#[oai(
    rename = "BearerToken",
    ty = "bearer",
    bearer_format = "wbt_… API token or session JWT"
)]
#[expect(dead_code, reason = "declares the scheme in the OpenAPI document only")]
struct BearerToken(Bearer);

/// An authenticated caller of the REST API. Take it as the first argument of an operation
/// (`auth: ApiAuth`) and authorise with [`Principal::require`].
///
/// Resolution needs the [`AppState`] (or an `Arc<AuthService>`) in the poem request data
/// (`.data(…)` on the endpoint). Missing or bad credentials answer 401; a cross-origin cookie-authenticated
/// change answers 403 with code `csrf`.
#[derive(Debug, Clone)]
pub struct ApiAuth {
    principal: Principal,
    kind: CredentialKind,
}

impl ApiAuth {
    /// The caller.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// How the caller authenticated.
    pub fn kind(&self) -> CredentialKind {
        self.kind
    }

    /// Resolves the caller of a poem request.
    pub async fn from_poem(req: &poem::Request) -> Result<Self, ApiError> {
        let auth = match req.data::<AppState>() {
            Some(state) => &state.auth,
            None => req.data::<Arc<AuthService>>().ok_or_else(|| {
                ApiError::internal("neither AppState nor Arc<AuthService> in the poem request data")
            })?,
        };
        match auth
            .principal_from_headers(req.method(), req.headers())
            .await?
        {
            Some((principal, kind)) => Ok(Self { principal, kind }),
            None => Err(ApiError::unauthorized(
                "sign in (session cookie) or send `Authorization: Bearer <API token>`",
            )),
        }
    }
}

impl<'a> ApiExtractor<'a> for ApiAuth {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        <SessionCookie as ApiExtractor>::register(registry);
        <BearerToken as ApiExtractor>::register(registry);
    }

    fn security_schemes() -> Vec<&'static str> {
        let mut schemes = <SessionCookie as ApiExtractor>::security_schemes();
        schemes.extend(<BearerToken as ApiExtractor>::security_schemes());
        schemes
    }

    async fn from_request(
        req: &'a poem::Request,
        _body: &mut poem::RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        Self::from_poem(req).await.map_err(|e| {
            let unauthorized = e.status() == 401;
            let mut resp = poem::IntoResponse::into_response(e);
            if unauthorized {
                resp.headers_mut().insert(
                    http::header::WWW_AUTHENTICATE,
                    http::HeaderValue::from_static("Bearer realm=\"wabot\""),
                );
            }
            poem::Error::from_response(resp)
        })
    }
}
