//! Persistence the server needs beyond the engine: memberships by user, API tokens, bot
//! secrets, webhooks with their outbox, and report queries. Kept out of [`Store`] so embedders
//! that only run bots need not implement them.
//!
//! Every method that takes a workspace and an id acts only on a record of that workspace: an id
//! of another workspace's record is `NotFound` and changes nothing, so a handler cannot reach
//! across tenants by guessing ids.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{LeaseStore, SessionKeyStore, SessionRevocationStore, Store};
use crate::{
    domain::{ApiToken, Direction, LeadStatus, Member, Webhook, WebhookDelivery, Workspace},
    error::Result,
    ids::{BotId, UserId, WorkspaceId},
};

/// Memberships, API tokens and encrypted bot secrets.
#[async_trait]
pub trait AccessStore: Send + Sync {
    /// Every workspace, oldest first (by `created_at`, then id), for platform admins.
    async fn list_workspaces(&self) -> Result<Vec<Workspace>>;
    /// The memberships of a user in every workspace, oldest first (by `created_at`, then
    /// workspace id).
    async fn list_memberships(&self, user: UserId) -> Result<Vec<Member>>;
    /// Removes a member from a workspace. Fails with `NotFound` when the user is not a member of
    /// it.
    async fn remove_member(&self, workspace: WorkspaceId, user: UserId) -> Result<()>;
    /// Stores a new API token. Fails with `NotFound` when its workspace is missing and
    /// `Conflict` when its id or its hash is taken.
    async fn create_api_token(&self, token: &ApiToken) -> Result<()>;
    /// A token by the hash of its secret (revoked ones included; the caller checks), `None`
    /// when unknown.
    async fn find_api_token(&self, hash: &str) -> Result<Option<ApiToken>>;
    /// The tokens of a workspace, revoked ones included, newest first (by `created_at`, then
    /// id, both descending).
    async fn list_api_tokens(&self, workspace: WorkspaceId) -> Result<Vec<ApiToken>>;
    /// Revokes a token of the workspace at `now`; revoking it again keeps the first revocation
    /// time. Fails with `NotFound` when the workspace has no token with that id (another
    /// workspace's token is left untouched).
    async fn revoke_api_token(
        &self,
        workspace: WorkspaceId,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Records that a token was used at `now`. `last_used_at` only moves forward, so racing
    /// requests never set it back. Fails with `NotFound` when no token has that id.
    async fn touch_api_token(&self, id: Uuid, now: DateTime<Utc>) -> Result<()>;
    /// Stores an encrypted secret of a bot, e.g. its LLM API key, replacing the one with the
    /// same name. Fails with `BotNotFound` when the bot is missing. A bot's secrets are deleted
    /// with it ([`BotStore::delete_bot`](super::BotStore::delete_bot)).
    async fn put_bot_secret(&self, bot: BotId, name: &str, ciphertext: &[u8]) -> Result<()>;
    /// An encrypted secret of a bot, `None` when not set.
    async fn get_bot_secret(&self, bot: BotId, name: &str) -> Result<Option<Vec<u8>>>;
}

/// Outgoing webhooks and their persistent delivery outbox.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Stores a new webhook. Fails with `NotFound` when its workspace is missing and
    /// `Conflict` when its id is taken.
    async fn create_webhook(&self, webhook: &Webhook) -> Result<()>;
    /// The webhooks of a workspace, oldest first (by `created_at`, then id).
    async fn list_webhooks(&self, workspace: WorkspaceId) -> Result<Vec<Webhook>>;
    /// Deletes a webhook of the workspace with its deliveries. Fails with `NotFound` when the
    /// workspace has no webhook with that id (another workspace's webhook is left untouched).
    async fn delete_webhook(&self, workspace: WorkspaceId, id: Uuid) -> Result<()>;
    /// Adds deliveries to the outbox, all or none (one transaction). Fails with `NotFound`
    /// when one's webhook is missing and `Conflict` when an id is taken.
    async fn enqueue_deliveries(&self, deliveries: &[WebhookDelivery]) -> Result<()>;
    /// Claims up to `limit` pending deliveries due at `now` (`next_attempt_at <= now`), the
    /// earliest due first (then by id), atomically moving their `next_attempt_at` to
    /// `lease_until` so no other worker, in this process or another, takes them meanwhile.
    /// Concurrent claimers never get the same delivery.
    ///
    /// Returns the claimed deliveries as stored after the claim (`next_attempt_at ==
    /// lease_until`), in the order they were enqueued (by `created_at`, then id). A claim does
    /// not count as an attempt: a delivery whose lease runs out without
    /// [`finish_delivery`](Self::finish_delivery) is claimed again.
    async fn claim_due_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>>;
    /// Writes the outcome of an attempt: state, attempts, next attempt, last status/error and
    /// delivered at, of the stored delivery with the same id (its webhook, event, payload and
    /// `created_at` are kept). Fails with `NotFound` when it is gone (its webhook was deleted).
    async fn finish_delivery(&self, delivery: &WebhookDelivery) -> Result<()>;
    /// The newest `limit` deliveries of a webhook, newest first (by `created_at`, then id,
    /// both descending).
    async fn list_deliveries(&self, webhook: Uuid, limit: u32) -> Result<Vec<WebhookDelivery>>;
}

/// Aggregates for the dashboard's charts.
#[async_trait]
pub trait ReportStore: Send + Sync {
    /// How many messages of the workspace's bots were created in `[from, to)`, per UTC day of
    /// their `created_at` and direction; ordered by day, then direction (inbound first).
    /// Days and directions without messages are left out.
    async fn messages_per_day(
        &self,
        workspace: WorkspaceId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(NaiveDate, Direction, u64)>>;
    /// How many leads of the workspace are in each status, in pipeline order
    /// ([`LeadStatus::ALL`]); statuses without leads are left out.
    async fn leads_by_status(&self, workspace: WorkspaceId) -> Result<Vec<(LeadStatus, u64)>>;
    /// Per bot of the workspace, how many messages (both directions) and leads were created at
    /// or after `since` (e.g. the start of today); ordered by bot id. Bots with neither are left
    /// out.
    async fn bot_activity(
        &self,
        workspace: WorkspaceId,
        since: DateTime<Utc>,
    ) -> Result<Vec<BotActivity>>;
}

/// One bot's activity since a time, from [`ReportStore::bot_activity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BotActivity {
    /// The bot.
    pub bot_id: BotId,
    /// Messages of its conversations, inbound and outbound, created since the time.
    pub messages: u64,
    /// Its leads (new conversations) created since the time.
    pub leads: u64,
}

/// Everything the server persists.
pub trait ServerStore:
    Store
    + AccessStore
    + WebhookStore
    + ReportStore
    + LeaseStore
    + SessionKeyStore
    + SessionRevocationStore
{
}

impl<T> ServerStore for T where
    T: Store
        + AccessStore
        + WebhookStore
        + ReportStore
        + LeaseStore
        + SessionKeyStore
        + SessionRevocationStore
{
}
