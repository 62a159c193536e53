//! Outgoing webhooks: `/workspaces/{workspace_id}/webhooks`.
//!
//! Deliveries are signed; see [`crate::webhooks::signing`] for how a receiver verifies them.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use uuid::Uuid;
use wabot_core::{
    domain::{Role, Webhook, WebhookDelivery},
    ids::WorkspaceId,
};

use wabot_net::NetworkPolicy;

use super::{
    ApiTags, NoContent,
    types::{WebhookDeliveryState, WebhookEvent, WebhookEventName},
};
use crate::{
    auth::ApiAuth,
    error::ApiError,
    state::AppState,
    webhooks::{WEBHOOK_EVENTS, generate_secret, seal_secret, webhooks_changed},
};

/// The webhook operations.
pub struct WebhooksApi;

/// A new webhook.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NewWebhook {
    /// Where deliveries are POSTed (`https://…`; `http://` is accepted too).
    pub url: String,
    /// The events to deliver. Empty or missing: all of them. An unknown name is a 422 naming
    /// `events`.
    #[oai(default)]
    pub events: Vec<WebhookEventName>,
    /// The signing secret (16–200 characters); generated when missing.
    pub secret: Option<String>,
}

/// A webhook as listed (the secret is never shown again).
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WebhookInfo {
    /// Identifier.
    pub id: Uuid,
    /// Where deliveries go.
    pub url: String,
    /// The events delivered (empty: all).
    pub events: Vec<WebhookEvent>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A new webhook with its signing secret, shown this once.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CreatedWebhook {
    /// The signing secret: verify `X-Wabot-Signature` with it. Not shown again.
    pub secret: String,
    /// The webhook.
    pub webhook: WebhookInfo,
}

/// One delivery of an event to a webhook.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WebhookDeliveryInfo {
    /// Identifier (the `X-Wabot-Delivery` header).
    pub id: Uuid,
    /// Event name.
    pub event: String,
    /// Where the delivery stands.
    pub state: WebhookDeliveryState,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due (pending deliveries).
    pub next_attempt_at: DateTime<Utc>,
    /// HTTP status of the last attempt.
    pub last_status: Option<u16>,
    /// Error of the last attempt.
    pub last_error: Option<String>,
    /// When the event was enqueued.
    pub created_at: DateTime<Utc>,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// The exact JSON body sent.
    pub payload: String,
}

/// A workspace's webhooks, oldest first.
#[derive(Debug, Clone, Object)]
pub struct WebhookList {
    /// The webhooks.
    pub items: Vec<WebhookInfo>,
}

/// A webhook's deliveries, newest first.
#[derive(Debug, Clone, Object)]
pub struct WebhookDeliveryList {
    /// The deliveries.
    pub items: Vec<WebhookDeliveryInfo>,
}

/// `201 Created` with the secret.
#[derive(ApiResponse)]
pub enum WebhookCreated {
    /// The webhook was created; `secret` is shown only in this response.
    #[oai(status = 201)]
    Created(Json<CreatedWebhook>),
}

fn info(w: &Webhook) -> WebhookInfo {
    WebhookInfo {
        id: w.id,
        url: w.url.clone(),
        events: w
            .events
            .iter()
            .filter_map(|e| WebhookEvent::parse(e))
            .collect(),
        created_at: w.created_at,
    }
}

fn delivery_info(d: WebhookDelivery) -> WebhookDeliveryInfo {
    WebhookDeliveryInfo {
        id: d.id,
        event: d.event,
        state: d.state.into(),
        attempts: d.attempts,
        next_attempt_at: d.next_attempt_at,
        last_status: d.last_status,
        last_error: d.last_error,
        created_at: d.created_at,
        delivered_at: d.delivered_at,
        payload: d.payload,
    }
}

/// Checks a target URL: an absolute http(s) URL of at most 2000 characters that `network`
/// permits (no requests into the server's own network).
fn check_url(raw: &str, network: &NetworkPolicy) -> Result<String, ApiError> {
    if raw.len() > 2000 {
        return Err(ApiError::invalid("url", "must be at most 2000 characters"));
    }
    network
        .check_str(raw)
        .map(|url| url.to_string())
        .map_err(|blocked| ApiError::invalid("url", blocked.to_string()))
}

#[OpenApi(tag = "ApiTags::Webhooks")]
impl WebhooksApi {
    /// Create a webhook
    ///
    /// Events of the workspace will be POSTed to `url`, signed with the secret (given, or
    /// generated and returned once). Managers and owners.
    #[oai(
        path = "/workspaces/:workspace_id/webhooks",
        method = "post",
        operation_id = "create_webhook"
    )]
    async fn create_webhook(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        workspace_id: Path<Uuid>,
        body: Json<NewWebhook>,
    ) -> Result<WebhookCreated, ApiError> {
        let ws = WorkspaceId(workspace_id.0);
        auth.principal().require(ws, Role::Manager, "workspace")?;
        let network = crate::network::policy(&state.settings);
        let allow_all = network.allows_private() || state.settings.webhooks.allow_private_targets;
        let network = network.allowing_private(allow_all);
        let url = check_url(&body.url, &network)?;
        let mut events = Vec::new();
        for e in &body.events {
            let e = e.0.trim();
            if !WEBHOOK_EVENTS.contains(&e) {
                return Err(ApiError::invalid(
                    "events",
                    format!(
                        "unknown event `{e}`; expected {}",
                        WEBHOOK_EVENTS.join(", ")
                    ),
                ));
            }
            if !events.iter().any(|x: &String| x == e) {
                events.push(e.to_string());
            }
        }
        let secret = match body.secret.as_deref() {
            Some(s) if !(16..=200).contains(&s.chars().count()) => {
                return Err(ApiError::invalid("secret", "must be 16 to 200 characters"));
            }
            Some(s) => s.to_string(),
            None => generate_secret(),
        };
        let id = Uuid::now_v7();
        let webhook = Webhook {
            id,
            workspace_id: ws,
            url,
            events,
            secret_ciphertext: seal_secret(&state.crypto, id, &secret),
            created_at: state.clock.now(),
        };
        state.store.create_webhook(&webhook).await?;
        webhooks_changed();
        Ok(WebhookCreated::Created(Json(CreatedWebhook {
            secret,
            webhook: info(&webhook),
        })))
    }

    /// List webhooks
    ///
    /// The workspace's webhooks, oldest first. Managers and owners.
    #[oai(
        path = "/workspaces/:workspace_id/webhooks",
        method = "get",
        operation_id = "list_webhooks"
    )]
    async fn list_webhooks(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        workspace_id: Path<Uuid>,
    ) -> Result<Json<WebhookList>, ApiError> {
        let ws = WorkspaceId(workspace_id.0);
        auth.principal().require(ws, Role::Manager, "workspace")?;
        let hooks = state.store.list_webhooks(ws).await?;
        Ok(Json(WebhookList {
            items: hooks.iter().map(info).collect(),
        }))
    }

    /// Delete a webhook
    ///
    /// Deletes the webhook and its pending deliveries. Managers and owners.
    #[oai(
        path = "/workspaces/:workspace_id/webhooks/:webhook_id",
        method = "delete",
        operation_id = "delete_webhook"
    )]
    async fn delete_webhook(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        workspace_id: Path<Uuid>,
        webhook_id: Path<Uuid>,
    ) -> Result<NoContent, ApiError> {
        let ws = WorkspaceId(workspace_id.0);
        auth.principal().require(ws, Role::Manager, "workspace")?;
        state
            .store
            .delete_webhook(ws, webhook_id.0)
            .await
            .map_err(|e| match e {
                wabot_core::Error::NotFound(_) => ApiError::not_found("webhook"),
                e => e.into(),
            })?;
        webhooks_changed();
        Ok(NoContent::Done)
    }

    /// List a webhook's deliveries
    ///
    /// The newest deliveries (default 50, at most 200) with their state, attempts, last status
    /// and exact body. Managers and owners.
    #[oai(
        path = "/workspaces/:workspace_id/webhooks/:webhook_id/deliveries",
        method = "get",
        operation_id = "list_webhook_deliveries"
    )]
    async fn list_deliveries(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        workspace_id: Path<Uuid>,
        webhook_id: Path<Uuid>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u32>>,
    ) -> Result<Json<WebhookDeliveryList>, ApiError> {
        let ws = WorkspaceId(workspace_id.0);
        auth.principal().require(ws, Role::Manager, "workspace")?;
        let hooks = state.store.list_webhooks(ws).await?;
        if !hooks.iter().any(|h| h.id == webhook_id.0) {
            return Err(ApiError::not_found("webhook"));
        }
        let deliveries = state
            .store
            .list_deliveries(webhook_id.0, limit.0.unwrap_or(50))
            .await?;
        Ok(Json(WebhookDeliveryList {
            items: deliveries.into_iter().map(delivery_info).collect(),
        }))
    }
}
