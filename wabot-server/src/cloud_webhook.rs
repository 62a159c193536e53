//! `/webhooks/cloud/{bot_id}`: the WhatsApp Cloud API webhook of each cloud bot. `GET` answers
//! Meta's verification handshake, `POST` takes signed event posts and feeds the bot's session.
//!
//! Guessing: bad signatures and wrong verify tokens count per bot and client address
//! (`limits.bad_webhook_signatures_per_minute`); past the budget the address gets 429 with
//! `Retry-After` for that bot. Each refusal is logged at debug and counted in
//! `wabot_cloud_webhook_bad_signatures_total`; a warning is logged only when an address is shut
//! out, so a flood cannot flood the log.
//!
//! Replays: Meta's signature covers the body only (no timestamp), so a validly signed post
//! re-sent later is accepted. It changes nothing: messages are deduplicated by their provider
//! id (in memory here, and by the store), and a delivery status is applied only when it moves a
//! message forward (`DeliveryStatus::advances_to`, enforced by the store's `apply_ack`), so a
//! replayed `delivered` cannot undo a `read`, and nothing moves a `failed` message.

use std::{net::IpAddr, time::Instant};

use axum::{
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use uuid::Uuid;
use wabot_core::ids::BotId;
use wabot_whatsapp::cloud::{CloudWebhook, SIGNATURE_HEADER, WebhookError};

use crate::{limits::too_many_requests, state::AppState};

/// What the guessing budget is kept per: the bot and the client address.
type GuessKey = (Uuid, IpAddr);

/// 429 while `key` has used up its budget of refused signatures and verify tokens.
fn shut_out(state: &AppState, key: &GuessKey) -> Option<Response> {
    state
        .limits
        .webhook_signatures
        .check(key, Instant::now())
        .err()
        .map(|wait| too_many_requests(wait, "badly signed webhook requests"))
}

/// Counts a refused signature or verify token of `key`; warns once when it shuts the address out.
fn note_refusal(state: &AppState, key: &GuessKey, e: &WebhookError) {
    crate::metrics::record_bad_webhook_signature();
    tracing::debug!(bot = %key.0, client = %key.1, "Cloud webhook request refused: {e}");
    if let Some(wait) = state.limits.webhook_signatures.fail(key, Instant::now()) {
        tracing::warn!(
            bot = %key.0,
            client = %key.1,
            "repeated badly signed Cloud webhook requests (check the bot's app secret and \
             verify token at Meta); refusing this address for {} s",
            crate::limits::retry_after_secs(wait)
        );
    }
}

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
    parts: http::request::Parts,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(hook) = webhook_of(&state, bot) else {
        return unknown();
    };
    let key = (bot, state.limits.client_key(&parts));
    if let Some(refused) = shut_out(&state, &key) {
        return refused;
    }
    match hook.verify_query(query.as_deref().unwrap_or("")) {
        Ok(challenge) => ([(header::CONTENT_TYPE, "text/plain")], challenge).into_response(),
        Err(e) => {
            if matches!(e, WebhookError::VerificationRefused(_)) {
                note_refusal(&state, &key, &e);
            }
            refuse(&e)
        }
    }
}

/// `POST`: a signed event post.
pub async fn receive(
    State(state): State<AppState>,
    Path(bot): Path<Uuid>,
    parts: http::request::Parts,
    body: Bytes,
) -> Response {
    let Some(hook) = webhook_of(&state, bot) else {
        return unknown();
    };
    let key = (bot, state.limits.client_key(&parts));
    if let Some(refused) = shut_out(&state, &key) {
        return refused;
    }
    let signature = parts
        .headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok());
    match hook.handle(signature, &body).await {
        Ok(_) => StatusCode::OK.into_response(),
        Err(e) => {
            if matches!(e, WebhookError::BadSignature(_)) {
                note_refusal(&state, &key, &e);
            }
            refuse(&e)
        }
    }
}
