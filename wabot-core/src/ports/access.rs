//! Persistence the server needs beyond the engine: memberships by user, API tokens, bot
//! secrets, webhooks with their outbox, and report queries. Kept out of [`Store`] so embedders
//! that only run bots need not implement them.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::Store;
use crate::{
    domain::{ApiToken, Direction, LeadStatus, Member, Webhook, WebhookDelivery, Workspace},
    error::Result,
    ids::{BotId, UserId, WorkspaceId},
};

/// Memberships, API tokens and encrypted bot secrets.
#[async_trait]
pub trait AccessStore: Send + Sync {
    /// Every workspace, oldest first (platform admins).
    async fn list_workspaces(&self) -> Result<Vec<Workspace>>;
    /// The memberships of a user, oldest first.
    async fn list_memberships(&self, user: UserId) -> Result<Vec<Member>>;
    /// Removes a member. `NotFound` when not a member.
    async fn remove_member(&self, workspace: WorkspaceId, user: UserId) -> Result<()>;
    /// Stores a new API token.
    async fn create_api_token(&self, token: &ApiToken) -> Result<()>;
    /// A token by the hash of its secret (revoked ones included; the caller checks).
    async fn find_api_token(&self, hash: &str) -> Result<Option<ApiToken>>;
    /// The tokens of a workspace, newest first.
    async fn list_api_tokens(&self, workspace: WorkspaceId) -> Result<Vec<ApiToken>>;
    /// Revokes a token of the workspace. `NotFound` when it is not the workspace's.
    async fn revoke_api_token(
        &self,
        workspace: WorkspaceId,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Records that a token was used.
    async fn touch_api_token(&self, id: Uuid, now: DateTime<Utc>) -> Result<()>;
    /// Stores (replaces) an encrypted secret of a bot, e.g. its LLM API key.
    async fn put_bot_secret(&self, bot: BotId, name: &str, ciphertext: &[u8]) -> Result<()>;
    /// An encrypted secret of a bot.
    async fn get_bot_secret(&self, bot: BotId, name: &str) -> Result<Option<Vec<u8>>>;
}

/// Outgoing webhooks and their persistent delivery outbox.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Stores a new webhook.
    async fn create_webhook(&self, webhook: &Webhook) -> Result<()>;
    /// The webhooks of a workspace, oldest first.
    async fn list_webhooks(&self, workspace: WorkspaceId) -> Result<Vec<Webhook>>;
    /// Deletes a webhook of the workspace (with its deliveries). `NotFound` otherwise.
    async fn delete_webhook(&self, workspace: WorkspaceId, id: Uuid) -> Result<()>;
    /// Adds deliveries to the outbox.
    async fn enqueue_deliveries(&self, deliveries: &[WebhookDelivery]) -> Result<()>;
    /// Claims up to `limit` pending deliveries due at `now`, atomically moving their
    /// `next_attempt_at` to `lease_until` so no other worker takes them meanwhile.
    async fn claim_due_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>>;
    /// Writes the outcome of an attempt (state, attempts, next attempt, last status/error,
    /// delivered at).
    async fn finish_delivery(&self, delivery: &WebhookDelivery) -> Result<()>;
    /// The newest deliveries of a webhook.
    async fn list_deliveries(&self, webhook: Uuid, limit: u32) -> Result<Vec<WebhookDelivery>>;
}

/// Aggregates for the dashboard's charts.
#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Messages per (UTC) day and direction in `[from, to)`, ordered by day.
    async fn messages_per_day(
        &self,
        workspace: WorkspaceId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(NaiveDate, Direction, u64)>>;
    /// How many leads are in each status.
    async fn leads_by_status(&self, workspace: WorkspaceId) -> Result<Vec<(LeadStatus, u64)>>;
}

/// Everything the server persists.
pub trait ServerStore: Store + AccessStore + WebhookStore + ReportStore {}

impl<T> ServerStore for T where T: Store + AccessStore + WebhookStore + ReportStore {}
