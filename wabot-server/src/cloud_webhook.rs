//! `/webhooks/cloud/{bot_id}`: the WhatsApp Cloud API webhook of each cloud bot. `GET` answers
//! Meta's verification handshake, `POST` takes signed event posts and feeds the bot's session.

use axum::{
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use uuid::Uuid;
use wabot_core::ids::BotId;
use wabot_whatsapp::cloud::{CloudWebhook, SIGNATURE_HEADER, WebhookError};

use crate::state::AppState;

fn webhook_of(state: &AppState, bot: Uuid) -> Option<CloudWebhook> {
    let bot = BotId(bot);
    state.cloud.webhook(bot).or_else(|| {
        state
            .secrets
            .cloud_credentials(bot)
            .map(|c| CloudWebhook::detached(c.app_secret, c.verify_token))
    })
}

fn refuse(e: &WebhookError) -> Response {
    let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    (status, e.to_string()).into_response()
}

fn unknown() -> Response {
    (
        StatusCode::NOT_FOUND,
        "no Cloud API bot with credentials at this address",
    )
        .into_response()
}

/// `GET`: the verification handshake.
pub async fn verify(
    State(state): State<AppState>,
    Path(bot): Path<Uuid>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(hook) = webhook_of(&state, bot) else {
        return unknown();
    };
    match hook.verify_query(query.as_deref().unwrap_or("")) {
        Ok(challenge) => ([(header::CONTENT_TYPE, "text/plain")], challenge).into_response(),
        Err(e) => refuse(&e),
    }
}

/// `POST`: a signed event post.
pub async fn receive(
    State(state): State<AppState>,
    Path(bot): Path<Uuid>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(hook) = webhook_of(&state, bot) else {
        return unknown();
    };
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    match hook.handle(signature, &body).await {
        Ok(_) => StatusCode::OK.into_response(),
        Err(e) => refuse(&e),
    }
}
