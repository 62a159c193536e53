//! [`AccessStore`], [`WebhookStore`] and [`ReportStore`] for [`MemoryStore`]: what the server
//! persists beyond the engine, with the same semantics as the SQL stores (checked by the
//! conformance suite).

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::store::{MemoryStore, State};
use crate::{
    domain::{
        ApiToken, DeliveryState, Direction, LeadStatus, Member, Webhook, WebhookDelivery, Workspace,
    },
    error::{Error, Result},
    ids::{BotId, UserId, WorkspaceId},
    ports::{AccessStore, BotActivity, ReportStore, WebhookStore},
};

/// The part of the in-memory state behind these ports.
#[derive(Default)]
pub(super) struct AccessState {
    tokens: HashMap<Uuid, ApiToken>,
    secrets: HashMap<(BotId, String), Vec<u8>>,
    webhooks: HashMap<Uuid, Webhook>,
    deliveries: HashMap<Uuid, WebhookDelivery>,
}

impl AccessState {
    /// Forgets what belongs to a deleted bot (its secrets).
    pub(super) fn forget_bot(&mut self, bot: BotId) {
        self.secrets.retain(|(b, _), _| *b != bot);
    }
}

fn workspace_must_exist(s: &State, workspace: WorkspaceId) -> Result<()> {
    match s.workspaces.contains_key(&workspace) {
        true => Ok(()),
        false => Err(Error::NotFound(format!("workspace {workspace}"))),
    }
}

#[async_trait]
impl AccessStore for MemoryStore {
    async fn list_workspaces(&self) -> Result<Vec<Workspace>> {
        Ok(self.with(|s| {
            let mut all: Vec<Workspace> = s.workspaces.values().cloned().collect();
            all.sort_by_key(|w| (w.created_at, w.id));
            all
        }))
    }

    async fn list_memberships(&self, user: UserId) -> Result<Vec<Member>> {
        Ok(self.with(|s| {
            let mut mine: Vec<Member> = s
                .members
                .iter()
                .filter(|m| m.user_id == user)
                .cloned()
                .collect();
            mine.sort_by_key(|m| (m.created_at, m.workspace_id));
            mine
        }))
    }

    async fn remove_member(&self, workspace: WorkspaceId, user: UserId) -> Result<()> {
        self.with(|s| {
            let before = s.members.len();
            s.members
                .retain(|m| !(m.workspace_id == workspace && m.user_id == user));
            match s.members.len() < before {
                true => Ok(()),
                false => Err(Error::NotFound(format!(
                    "member {user} of workspace {workspace}"
                ))),
            }
        })
    }

    async fn create_api_token(&self, token: &ApiToken) -> Result<()> {
        self.with(|s| {
            workspace_must_exist(s, token.workspace_id)?;
            let a = &mut s.access;
            if a.tokens.contains_key(&token.id) {
                return Err(Error::Conflict(format!(
                    "API token {} already exists",
                    token.id
                )));
            }
            if a.tokens.values().any(|t| t.hash == token.hash) {
                return Err(Error::Conflict(
                    "an API token with the same hash already exists".into(),
                ));
            }
            a.tokens.insert(token.id, token.clone());
            Ok(())
        })
    }

    async fn find_api_token(&self, hash: &str) -> Result<Option<ApiToken>> {
        Ok(self.with(|s| s.access.tokens.values().find(|t| t.hash == hash).cloned()))
    }

    async fn list_api_tokens(&self, workspace: WorkspaceId) -> Result<Vec<ApiToken>> {
        Ok(self.with(|s| {
            let mut tokens: Vec<ApiToken> = s
                .access
                .tokens
                .values()
                .filter(|t| t.workspace_id == workspace)
                .cloned()
                .collect();
            tokens.sort_by_key(|t| std::cmp::Reverse((t.created_at, t.id)));
            tokens
        }))
    }

    async fn revoke_api_token(
        &self,
        workspace: WorkspaceId,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.with(|s| match s.access.tokens.get_mut(&id) {
            Some(token) if token.workspace_id == workspace => {
                token.revoked_at.get_or_insert(now);
                Ok(())
            }
            _ => Err(Error::NotFound(format!(
                "API token {id} of workspace {workspace}"
            ))),
        })
    }

    async fn touch_api_token(&self, id: Uuid, now: DateTime<Utc>) -> Result<()> {
        self.with(|s| match s.access.tokens.get_mut(&id) {
            Some(token) => {
                if token.last_used_at.is_none_or(|last| last < now) {
                    token.last_used_at = Some(now);
                }
                Ok(())
            }
            None => Err(Error::NotFound(format!("API token {id}"))),
        })
    }

    async fn put_bot_secret(&self, bot: BotId, name: &str, ciphertext: &[u8]) -> Result<()> {
        self.with(|s| {
            if !s.bots.contains_key(&bot) {
                return Err(Error::BotNotFound(bot));
            }
            s.access
                .secrets
                .insert((bot, name.to_string()), ciphertext.to_vec());
            Ok(())
        })
    }

    async fn get_bot_secret(&self, bot: BotId, name: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.with(|s| s.access.secrets.get(&(bot, name.to_string())).cloned()))
    }
}

#[async_trait]
impl WebhookStore for MemoryStore {
    async fn create_webhook(&self, webhook: &Webhook) -> Result<()> {
        self.with(|s| {
            workspace_must_exist(s, webhook.workspace_id)?;
            if s.access.webhooks.contains_key(&webhook.id) {
                return Err(Error::Conflict(format!(
                    "webhook {} already exists",
                    webhook.id
                )));
            }
            s.access.webhooks.insert(webhook.id, webhook.clone());
            Ok(())
        })
    }

    async fn list_webhooks(&self, workspace: WorkspaceId) -> Result<Vec<Webhook>> {
        Ok(self.with(|s| {
            let mut hooks: Vec<Webhook> = s
                .access
                .webhooks
                .values()
                .filter(|w| w.workspace_id == workspace)
                .cloned()
                .collect();
            hooks.sort_by_key(|w| (w.created_at, w.id));
            hooks
        }))
    }

    async fn delete_webhook(&self, workspace: WorkspaceId, id: Uuid) -> Result<()> {
        self.with(|s| {
            let a = &mut s.access;
            if a.webhooks
                .get(&id)
                .is_none_or(|w| w.workspace_id != workspace)
            {
                return Err(Error::NotFound(format!(
                    "webhook {id} of workspace {workspace}"
                )));
            }
            a.webhooks.remove(&id);
            a.deliveries.retain(|_, d| d.webhook_id != id);
            Ok(())
        })
    }

    async fn enqueue_deliveries(&self, deliveries: &[WebhookDelivery]) -> Result<()> {
        self.with(|s| {
            let a = &mut s.access;
            // Check the whole batch first: all or none.
            for (i, d) in deliveries.iter().enumerate() {
                if !a.webhooks.contains_key(&d.webhook_id) {
                    return Err(Error::NotFound(format!("webhook {}", d.webhook_id)));
                }
                if a.deliveries.contains_key(&d.id)
                    || deliveries[..i].iter().any(|other| other.id == d.id)
                {
                    return Err(Error::Conflict(format!(
                        "webhook delivery {} already exists",
                        d.id
                    )));
                }
            }
            for d in deliveries {
                a.deliveries.insert(d.id, d.clone());
            }
            Ok(())
        })
    }

    async fn claim_due_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>> {
        Ok(self.with(|s| {
            let mut due: Vec<&mut WebhookDelivery> = s
                .access
                .deliveries
                .values_mut()
                .filter(|d| d.state == DeliveryState::Pending && d.next_attempt_at <= now)
                .collect();
            due.sort_by_key(|d| (d.next_attempt_at, d.id));
            let mut claimed: Vec<WebhookDelivery> = due
                .into_iter()
                .take(limit as usize)
                .map(|d| {
                    d.next_attempt_at = lease_until;
                    d.clone()
                })
                .collect();
            claimed.sort_by_key(|d| (d.created_at, d.id));
            claimed
        }))
    }

    async fn finish_delivery(&self, delivery: &WebhookDelivery) -> Result<()> {
        self.with(|s| match s.access.deliveries.get_mut(&delivery.id) {
            Some(stored) => {
                stored.state = delivery.state;
                stored.attempts = delivery.attempts;
                stored.next_attempt_at = delivery.next_attempt_at;
                stored.last_status = delivery.last_status;
                stored.last_error = delivery.last_error.clone();
                stored.delivered_at = delivery.delivered_at;
                Ok(())
            }
            None => Err(Error::NotFound(format!("webhook delivery {}", delivery.id))),
        })
    }

    async fn list_deliveries(&self, webhook: Uuid, limit: u32) -> Result<Vec<WebhookDelivery>> {
        Ok(self.with(|s| {
            let mut list: Vec<WebhookDelivery> = s
                .access
                .deliveries
                .values()
                .filter(|d| d.webhook_id == webhook)
                .cloned()
                .collect();
            list.sort_by_key(|d| std::cmp::Reverse((d.created_at, d.id)));
            list.truncate(limit as usize);
            list
        }))
    }
}

/// Sort position of a direction: inbound first, as its name sorts in SQL.
fn direction_rank(direction: Direction) -> u8 {
    match direction {
        Direction::Inbound => 0,
        Direction::Outbound => 1,
    }
}

#[async_trait]
impl ReportStore for MemoryStore {
    async fn messages_per_day(
        &self,
        workspace: WorkspaceId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(NaiveDate, Direction, u64)>> {
        Ok(self.with(|s| {
            let mut counts: BTreeMap<(NaiveDate, u8), (Direction, u64)> = BTreeMap::new();
            let in_workspace =
                |bot: &BotId| s.bots.get(bot).is_some_and(|b| b.workspace_id == workspace);
            for m in s.messages.values() {
                if m.created_at < from || m.created_at >= to || !in_workspace(&m.bot_id) {
                    continue;
                }
                let key = (m.created_at.date_naive(), direction_rank(m.direction));
                counts.entry(key).or_insert((m.direction, 0)).1 += 1;
            }
            counts
                .into_iter()
                .map(|((day, _), (direction, n))| (day, direction, n))
                .collect()
        }))
    }

    async fn leads_by_status(&self, workspace: WorkspaceId) -> Result<Vec<(LeadStatus, u64)>> {
        Ok(self.with(|s| {
            let mut counts: HashMap<LeadStatus, u64> = HashMap::new();
            for lead in s.leads.values().filter(|l| l.workspace_id == workspace) {
                *counts.entry(lead.status).or_default() += 1;
            }
            LeadStatus::ALL
                .into_iter()
                .filter_map(|status| counts.get(&status).map(|n| (status, *n)))
                .collect()
        }))
    }

    async fn bot_activity(
        &self,
        workspace: WorkspaceId,
        since: DateTime<Utc>,
    ) -> Result<Vec<BotActivity>> {
        Ok(self.with(|s| {
            let mut counts: BTreeMap<BotId, BotActivity> = BTreeMap::new();
            for m in s.messages.values().filter(|m| m.created_at >= since) {
                if s.bots
                    .get(&m.bot_id)
                    .is_some_and(|b| b.workspace_id == workspace)
                {
                    counts
                        .entry(m.bot_id)
                        .or_insert_with(|| idle(m.bot_id))
                        .messages += 1;
                }
            }
            for lead in s.leads.values() {
                if lead.workspace_id == workspace && lead.created_at >= since {
                    counts
                        .entry(lead.bot_id)
                        .or_insert_with(|| idle(lead.bot_id))
                        .leads += 1;
                }
            }
            counts.into_values().collect()
        }))
    }
}

/// A bot's activity before anything is counted.
fn idle(bot_id: BotId) -> BotActivity {
    BotActivity {
        bot_id,
        messages: 0,
        leads: 0,
    }
}
