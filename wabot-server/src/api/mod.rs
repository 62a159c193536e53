//! The REST API under `/api/v1`, declared with poem-openapi so the OpenAPI document is
//! generated from the code.
//!
//! Every operation takes [`ApiAuth`](crate::auth::ApiAuth), authorises with
//! [`Principal::require`](crate::auth::Principal::require) and returns
//! `Result<_, ApiError>`. [`endpoint`] assembles the poem endpoint served under `/api`
//! (the API at `/api/v1`, the document at `/api/openapi.json`, docs at `/api/docs`), with a
//! catch-all that turns poem's own errors (bad JSON, bad parameters, unknown routes) into the
//! one error shape.

use std::sync::Arc;

use poem::{EndpointExt, IntoResponse, Route, endpoint::BoxEndpoint, web::Json as PoemJson};
use poem_openapi::{OpenApiService, Tags};

pub(crate) use self::common::{
    NoContent, acting_user, load_bot, load_lead, pick_workspace, require_user,
};
use crate::state::AppState;

pub mod bots;
mod common;
pub mod events;
pub mod leads;
pub mod llm_test;
pub mod members;
pub mod messages;
pub mod reports;
pub mod sandbox;
pub mod schedules;
pub mod spec;
pub mod tokens;
pub mod types;
pub mod webhooks;

/// The OpenAPI tags: one per resource group, the one enum every operation names.
#[derive(Tags)]
pub enum ApiTags {
    /// Bots: settings, features, transport, language model, start/stop, pairing QR.
    Bots,
    /// Leads: the sales pipeline, assignment, take-over and agent replies.
    Leads,
    /// Conversations.
    Messages,
    /// Enable/disable schedules of bots.
    Schedules,
    /// The chat simulator of sandbox bots.
    Sandbox,
    /// Figures for the dashboard's charts.
    Metrics,
    /// Workspaces (tenants) and their members.
    Workspaces,
    /// API tokens for integrators.
    #[oai(rename = "API tokens")]
    Tokens,
    /// Outgoing webhooks and their delivery log.
    Webhooks,
}

/// The API version in the document.
pub const API_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Every resource of the API.
pub type Apis = (
    bots::BotsApis,
    llm_test::LlmTestApi,
    sandbox::SandboxApi,
    leads::LeadsApis,
    messages::MessagesApi,
    schedules::SchedulesApi,
    reports::ReportsApi,
    members::MembersApi,
    tokens::TokensApi,
    webhooks::WebhooksApi,
);

/// The OpenAPI service of every resource.
pub fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            (
                bots::crud::BotsCrudApi,
                bots::runtime::BotsRuntimeApi,
                bots::secrets::BotsSecretsApi,
                bots::qr::BotsQrApi,
            ),
            llm_test::LlmTestApi,
            sandbox::SandboxApi,
            (
                leads::list::LeadsListApi,
                leads::export::LeadsExportApi,
                leads::agent::LeadsAgentApi,
            ),
            messages::MessagesApi,
            schedules::SchedulesApi,
            reports::ReportsApi,
            members::MembersApi,
            tokens::TokensApi,
            webhooks::WebhooksApi,
        ),
        "wabot",
        API_VERSION,
    )
    .description(spec::DESCRIPTION)
    .server("/api/v1")
}

/// The OpenAPI document as served (poem-openapi's plus the fix-ups of [`spec`]), as JSON.
pub fn spec_json() -> String {
    let doc = spec::document(&service().spec());
    serde_json::to_string_pretty(&doc).expect("a JSON value serialises")
}

/// The poem endpoint served under `/api`.
pub fn endpoint(state: AppState) -> BoxEndpoint<'static> {
    let api = service();
    let raw = api.spec();
    let served = spec_json();
    // Swagger UI embeds the document it is given; give it the served one.
    let docs_html = api.swagger_ui_html().replacen(&raw, &served, 1);
    let spec = poem::endpoint::make_sync(move |_| {
        poem::Response::builder()
            .content_type("application/json")
            .body(served.clone())
    });
    let docs = poem::endpoint::make_sync(move |_| poem::web::Html(docs_html.clone()));
    let auth: Arc<crate::auth::AuthService> = state.auth.clone();
    Route::new()
        .nest("/v1", api)
        .at("/openapi.json", spec)
        .nest("/docs", Route::new().at("/", docs))
        .data(state)
        .data(auth)
        .catch_all_error(|err: poem::Error| async move { error_response(err) })
        .map_to_response()
        .boxed()
}

fn error_response(err: poem::Error) -> poem::Response {
    if err.is_from_response() {
        // An `ApiError` an operation (or the security scheme) returned: already the shape.
        return err.into_response();
    }
    let mut status = err.status();
    if status == poem::http::StatusCode::UNSUPPORTED_MEDIA_TYPE {
        // A missing or wrong Content-Type is a malformed request like any other (documented 400).
        status = poem::http::StatusCode::BAD_REQUEST;
    }
    let code = match status.as_u16() {
        404 => "not_found",
        405 => "method_not_allowed",
        401 => "unauthorized",
        413 => "payload_too_large",
        s if s >= 500 => "internal",
        _ => "bad_request",
    };
    let message = if status.is_server_error() {
        tracing::error!("API error: {err}");
        "an unexpected error occurred; it has been logged".to_string()
    } else if status.as_u16() == 404 {
        "no such API route; see /api/docs".to_string()
    } else {
        err.to_string()
    };
    let mut field = field_of(&message);
    let mut message = message;
    if field.as_deref().is_some_and(|f| f.starts_with("param")) {
        // poem-openapi names path segments by position; say what is wrong in words.
        field = Some("path".into());
        message = "an id in the URL path is not a valid UUID".into();
    }
    let mut body = serde_json::json!({ "code": code, "message": message });
    if let Some(field) = field {
        body["details"] = serde_json::json!(crate::error::ErrorDetails::field(field));
    }
    PoemJson(body).with_status(status).into_response()
}

/// Pulls the parameter name out of poem-openapi's parse errors (`failed to parse parameter
/// `limit`: …`).
fn field_of(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_string())
}
