//! [`AccessStore`], [`WebhookStore`] and [`ReportStore`] for `super::Backend`, each method one
//! query function of `super::access_ops` on a read or a write connection. Compiled once per
//! backend, like `store_impl`; with those ports the backend is a
//! [`ServerStore`](wabot_core::ports::ServerStore).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;
use wabot_core::{
    Result,
    domain::{ApiToken, Direction, LeadStatus, Member, Webhook, WebhookDelivery, Workspace},
    ids::{BotId, UserId, WorkspaceId},
    ports::{AccessStore, BotActivity, ReportStore, WebhookStore},
};

use super::{Backend, access_ops as ops};

#[async_trait]
impl AccessStore for Backend {
    async fn list_workspaces(&self) -> Result<Vec<Workspace>> {
        on!(self.read, |c| ops::list_workspaces(c))
    }

    async fn list_memberships(&self, user: UserId) -> Result<Vec<Member>> {
        on!(self.read, |c| ops::list_memberships(c, user))
    }

    async fn remove_member(&self, workspace: WorkspaceId, user: UserId) -> Result<()> {
        on!(self.write, |c| ops::remove_member(c, workspace, user))
    }

    async fn create_api_token(&self, token: &ApiToken) -> Result<()> {
        let token = token.clone();
        on!(self.write, |c| ops::create_api_token(c, &token))
    }

    async fn find_api_token(&self, hash: &str) -> Result<Option<ApiToken>> {
        let hash = hash.to_string();
        on!(self.read, |c| ops::find_api_token(c, &hash))
    }

    async fn list_api_tokens(&self, workspace: WorkspaceId) -> Result<Vec<ApiToken>> {
        on!(self.read, |c| ops::list_api_tokens(c, workspace))
    }

    async fn revoke_api_token(
        &self,
        workspace: WorkspaceId,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<()> {
        on!(self.write, |c| ops::revoke_api_token(c, workspace, id, now))
    }

    async fn touch_api_token(&self, id: Uuid, now: DateTime<Utc>) -> Result<()> {
        on!(self.write, |c| ops::touch_api_token(c, id, now))
    }

    async fn put_bot_secret(&self, bot: BotId, name: &str, ciphertext: &[u8]) -> Result<()> {
        let name = name.to_string();
        let ciphertext = ciphertext.to_vec();
        on!(self.write, |c| ops::put_bot_secret(
            c,
            bot,
            &name,
            &ciphertext
        ))
    }

    async fn get_bot_secret(&self, bot: BotId, name: &str) -> Result<Option<Vec<u8>>> {
        let name = name.to_string();
        on!(self.read, |c| ops::get_bot_secret(c, bot, &name))
    }
}

#[async_trait]
impl WebhookStore for Backend {
    async fn create_webhook(&self, webhook: &Webhook) -> Result<()> {
        let webhook = webhook.clone();
        on!(self.write, |c| ops::create_webhook(c, &webhook))
    }

    async fn list_webhooks(&self, workspace: WorkspaceId) -> Result<Vec<Webhook>> {
        on!(self.read, |c| ops::list_webhooks(c, workspace))
    }

    async fn delete_webhook(&self, workspace: WorkspaceId, id: Uuid) -> Result<()> {
        on!(self.write, |c| ops::delete_webhook(c, workspace, id))
    }

    async fn enqueue_deliveries(&self, deliveries: &[WebhookDelivery]) -> Result<()> {
        let deliveries = deliveries.to_vec();
        on!(self.write, |c| ops::enqueue_deliveries(c, &deliveries))
    }

    async fn claim_due_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>> {
        on!(self.write, |c| ops::claim_due_deliveries(
            c,
            now,
            lease_until,
            limit
        ))
    }

    async fn finish_delivery(&self, delivery: &WebhookDelivery) -> Result<()> {
        let delivery = delivery.clone();
        on!(self.write, |c| ops::finish_delivery(c, &delivery))
    }

    async fn list_deliveries(&self, webhook: Uuid, limit: u32) -> Result<Vec<WebhookDelivery>> {
        on!(self.read, |c| ops::list_deliveries(c, webhook, limit))
    }
}

#[async_trait]
impl ReportStore for Backend {
    async fn messages_per_day(
        &self,
        workspace: WorkspaceId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(NaiveDate, Direction, u64)>> {
        on!(self.read, |c| ops::messages_per_day(c, workspace, from, to))
    }

    async fn leads_by_status(&self, workspace: WorkspaceId) -> Result<Vec<(LeadStatus, u64)>> {
        on!(self.read, |c| ops::leads_by_status(c, workspace))
    }

    async fn bot_activity(
        &self,
        workspace: WorkspaceId,
        since: DateTime<Utc>,
    ) -> Result<Vec<BotActivity>> {
        on!(self.read, |c| ops::bot_activity(c, workspace, since))
    }
}
