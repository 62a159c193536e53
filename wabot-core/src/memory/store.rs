//! An in-memory implementation of every store port. Real code: the demo, examples and most
//! tests run on it, and it passes the same conformance suite as SQLite and PostgreSQL.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Mutex,
};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::access::AccessState;
use crate::{
    domain::{
        Bot, BotStatus, ContactId, DeliveryStatus, Direction, Email, InboundHandling, Lead, Member,
        Message, Schedule, ScheduleRun, ScheduleStatus, Sender, User, Workspace,
    },
    error::{Error, Result},
    ids::{BotId, LeadId, MessageId, ScheduleId, UserId, WorkspaceId},
    ports::{
        BotStore, InboundOutcome, LeadQuery, LeadStore, MAX_LEAD_PAGE, MessageStore, NewInbound,
        ScheduleStore, WorkspaceStore,
    },
};

#[derive(Default)]
pub(super) struct State {
    pub(super) workspaces: HashMap<WorkspaceId, Workspace>,
    users: HashMap<UserId, User>,
    pub(super) members: Vec<Member>,
    round_robin: HashMap<WorkspaceId, u64>,
    pub(super) bots: BTreeMap<BotId, Bot>,
    pub(super) leads: BTreeMap<LeadId, Lead>,
    lead_by_contact: HashMap<(BotId, ContactId), LeadId>,
    pub(super) messages: HashMap<MessageId, Message>,
    messages_by_lead: HashMap<LeadId, Vec<MessageId>>,
    message_by_provider_id: HashMap<(BotId, String), MessageId>,
    /// Stored order of every message (a counter, like the SQL stores' `seq`).
    message_seq: HashMap<MessageId, u64>,
    next_message_seq: u64,
    /// What the engine has done with each inbound message.
    inbound_handling: HashMap<MessageId, InboundHandling>,
    schedules: BTreeMap<ScheduleId, Schedule>,
    runs: Vec<ScheduleRun>,
    /// API tokens, bot secrets, webhooks and deliveries (the `access` module).
    pub(super) access: AccessState,
    /// Bot leases and replica heartbeats (the `lease` module).
    pub(super) leases: super::lease::LeaseState,
    /// Session key material per bot (the `session_keys` module).
    pub(super) session_keys: super::session_keys::SessionKeyState,
    /// Ended dashboard sessions (the `sessions` module).
    pub(super) revoked_sessions: super::sessions::RevokedSessions,
}

impl State {
    /// [`MessageStore::insert_message`] under the lock.
    fn insert_message(&mut self, message: &Message) -> Result<()> {
        if !self.leads.contains_key(&message.lead_id) {
            return Err(Error::LeadNotFound(message.lead_id));
        }
        if self.messages.contains_key(&message.id) {
            return Err(Error::Conflict(format!(
                "message {} already exists",
                message.id
            )));
        }
        if let Some(pid) = &message.provider_message_id {
            let key = (message.bot_id, pid.clone());
            if self.message_by_provider_id.contains_key(&key) {
                return Err(Error::Conflict(format!("message {pid} already stored")));
            }
            self.message_by_provider_id.insert(key, message.id);
        }
        self.push_message(message.clone());
        Ok(())
    }

    /// Stores a message at the end of the stored order.
    fn push_message(&mut self, message: Message) {
        self.message_seq.insert(message.id, self.next_message_seq);
        self.next_message_seq += 1;
        self.messages_by_lead
            .entry(message.lead_id)
            .or_default()
            .push(message.id);
        self.messages.insert(message.id, message);
    }

    /// The first `limit` messages matching `keep`, in stored order.
    fn messages_in_order(
        &self,
        limit: u32,
        keep: impl Fn(&State, &Message) -> bool,
    ) -> Vec<Message> {
        let mut found: Vec<(u64, &Message)> = self
            .messages
            .values()
            .filter(|m| keep(self, m))
            .map(|m| (self.message_seq.get(&m.id).copied().unwrap_or(u64::MAX), m))
            .collect();
        found.sort_by_key(|(seq, _)| *seq);
        found
            .into_iter()
            .take(limit as usize)
            .map(|(_, m)| m.clone())
            .collect()
    }
}

/// Every store port, in memory, behind one mutex. Nothing survives the process.
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    pub(super) fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        // A panic while holding the lock cannot leave the maps half-updated in a way that
        // matters more than losing the store, so poisoning is ignored.
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }
}

#[async_trait]
impl WorkspaceStore for MemoryStore {
    async fn create_workspace(&self, workspace: &Workspace) -> Result<()> {
        self.with(|s| {
            if s.workspaces.contains_key(&workspace.id) {
                return Err(Error::Conflict(format!(
                    "workspace {} already exists",
                    workspace.id
                )));
            }
            s.workspaces.insert(workspace.id, workspace.clone());
            Ok(())
        })
    }

    async fn get_workspace(&self, id: WorkspaceId) -> Result<Option<Workspace>> {
        Ok(self.with(|s| s.workspaces.get(&id).cloned()))
    }

    async fn upsert_user(&self, user: &User) -> Result<User> {
        self.with(|s| {
            if let Some(existing) = s.users.values().find(|u| u.email == user.email) {
                return Ok(existing.clone());
            }
            if s.users.contains_key(&user.id) {
                return Err(Error::Conflict(format!(
                    "user {} already exists with another e-mail",
                    user.id
                )));
            }
            s.users.insert(user.id, user.clone());
            Ok(user.clone())
        })
    }

    async fn get_user(&self, id: UserId) -> Result<Option<User>> {
        Ok(self.with(|s| s.users.get(&id).cloned()))
    }

    async fn get_user_by_email(&self, email: &Email) -> Result<Option<User>> {
        Ok(self.with(|s| s.users.values().find(|u| &u.email == email).cloned()))
    }

    async fn put_member(&self, member: &Member) -> Result<()> {
        self.with(|s| {
            if !s.workspaces.contains_key(&member.workspace_id) {
                return Err(Error::NotFound(format!(
                    "workspace {}",
                    member.workspace_id
                )));
            }
            if !s.users.contains_key(&member.user_id) {
                return Err(Error::NotFound(format!("user {}", member.user_id)));
            }
            match s
                .members
                .iter_mut()
                .find(|m| m.workspace_id == member.workspace_id && m.user_id == member.user_id)
            {
                Some(existing) => {
                    existing.role = member.role;
                    existing.receives_leads = member.receives_leads;
                }
                None => s.members.push(member.clone()),
            }
            Ok(())
        })
    }

    async fn list_members(&self, workspace: WorkspaceId) -> Result<Vec<Member>> {
        Ok(self.with(|s| {
            let mut members: Vec<Member> = s
                .members
                .iter()
                .filter(|m| m.workspace_id == workspace)
                .cloned()
                .collect();
            members.sort_by_key(|m| (m.created_at, m.user_id));
            members
        }))
    }

    async fn next_lead_assignee(&self, workspace: WorkspaceId) -> Result<Option<UserId>> {
        Ok(self.with(|s| {
            let mut eligible: Vec<&Member> = s
                .members
                .iter()
                .filter(|m| m.workspace_id == workspace && m.receives_leads)
                .collect();
            if eligible.is_empty() {
                return None;
            }
            eligible.sort_by_key(|m| (m.created_at, m.user_id));
            let cursor = s.round_robin.entry(workspace).or_insert(0);
            let pick = eligible[(*cursor % eligible.len() as u64) as usize].user_id;
            *cursor += 1;
            Some(pick)
        }))
    }
}

#[async_trait]
impl BotStore for MemoryStore {
    async fn create_bot(&self, bot: &Bot) -> Result<()> {
        self.with(|s| {
            if !s.workspaces.contains_key(&bot.workspace_id) {
                return Err(Error::NotFound(format!("workspace {}", bot.workspace_id)));
            }
            if s.bots.contains_key(&bot.id) {
                return Err(Error::Conflict(format!("bot {} already exists", bot.id)));
            }
            s.bots.insert(bot.id, bot.clone());
            Ok(())
        })
    }

    async fn get_bot(&self, id: BotId) -> Result<Option<Bot>> {
        Ok(self.with(|s| s.bots.get(&id).cloned()))
    }

    async fn list_bots(&self, workspace: Option<WorkspaceId>) -> Result<Vec<Bot>> {
        Ok(self.with(|s| {
            let mut bots: Vec<Bot> = s
                .bots
                .values()
                .filter(|b| workspace.is_none_or(|w| b.workspace_id == w))
                .cloned()
                .collect();
            bots.sort_by_key(|b| (b.created_at, b.id));
            bots
        }))
    }

    async fn update_bot(&self, bot: &Bot) -> Result<()> {
        self.with(|s| match s.bots.get_mut(&bot.id) {
            Some(existing) => {
                let kept = (existing.workspace_id, existing.created_at, existing.status);
                *existing = bot.clone();
                (existing.workspace_id, existing.created_at, existing.status) = kept;
                Ok(())
            }
            None => Err(Error::BotNotFound(bot.id)),
        })
    }

    async fn set_bot_enabled(&self, id: BotId, enabled: bool, now: DateTime<Utc>) -> Result<()> {
        self.with(|s| match s.bots.get_mut(&id) {
            Some(bot) => {
                bot.enabled = enabled;
                bot.updated_at = now;
                Ok(())
            }
            None => Err(Error::BotNotFound(id)),
        })
    }

    async fn set_bot_status(&self, id: BotId, status: BotStatus, now: DateTime<Utc>) -> Result<()> {
        self.with(|s| match s.bots.get_mut(&id) {
            Some(bot) => {
                bot.status = status;
                bot.updated_at = now;
                Ok(())
            }
            None => Err(Error::BotNotFound(id)),
        })
    }

    async fn delete_bot(&self, id: BotId) -> Result<()> {
        self.with(|s| {
            if s.bots.remove(&id).is_none() {
                return Err(Error::BotNotFound(id));
            }
            let leads: Vec<LeadId> = s
                .leads
                .values()
                .filter(|l| l.bot_id == id)
                .map(|l| l.id)
                .collect();
            for lead in leads {
                s.leads.remove(&lead);
                for m in s.messages_by_lead.remove(&lead).unwrap_or_default() {
                    s.messages.remove(&m);
                    s.message_seq.remove(&m);
                    s.inbound_handling.remove(&m);
                }
            }
            s.lead_by_contact.retain(|(b, _), _| *b != id);
            s.message_by_provider_id.retain(|(b, _), _| *b != id);
            let schedules: Vec<ScheduleId> = s
                .schedules
                .values()
                .filter(|x| x.bot_id == id)
                .map(|x| x.id)
                .collect();
            for sid in schedules {
                s.schedules.remove(&sid);
            }
            s.runs.retain(|r| r.bot_id != id);
            s.access.forget_bot(id);
            s.session_keys.forget_bot(id);
            Ok(())
        })
    }
}

fn matches_query(lead: &Lead, q: &LeadQuery) -> bool {
    if q.workspace_id.is_some_and(|w| lead.workspace_id != w)
        || q.bot_id.is_some_and(|b| lead.bot_id != b)
        || q.status.is_some_and(|st| lead.status != st)
        || q.assignee.is_some_and(|a| lead.assignee != Some(a))
        || q.created_from.is_some_and(|t| lead.created_at < t)
        || q.created_to.is_some_and(|t| lead.created_at >= t)
        || q.before.is_some_and(|c| lead.id >= c)
    {
        return false;
    }
    match q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => true,
        Some(needle) => {
            let needle = needle.to_lowercase();
            let f = &lead.fields;
            [
                Some(lead.contact.as_str()),
                lead.display_name.as_deref(),
                f.name.as_ref().map(|v| v.as_str()),
                f.email.as_ref().map(|v| v.as_str()),
                f.phone.as_ref().map(|v| v.as_str()),
                f.location.as_ref().map(|v| v.as_str()),
            ]
            .into_iter()
            .flatten()
            .any(|hay| hay.to_lowercase().contains(&needle))
        }
    }
}

#[async_trait]
impl LeadStore for MemoryStore {
    async fn get_lead(&self, id: LeadId) -> Result<Option<Lead>> {
        Ok(self.with(|s| s.leads.get(&id).cloned()))
    }

    async fn find_lead(&self, bot: BotId, contact: &ContactId) -> Result<Option<Lead>> {
        Ok(self.with(|s| {
            s.lead_by_contact
                .get(&(bot, contact.clone()))
                .and_then(|id| s.leads.get(id))
                .cloned()
        }))
    }

    async fn update_lead(&self, lead: &Lead) -> Result<()> {
        self.with(|s| match s.leads.get_mut(&lead.id) {
            Some(existing) => {
                existing.display_name = lead.display_name.clone();
                existing.fields = lead.fields.clone();
                existing.status = lead.status;
                existing.assignee = lead.assignee;
                existing.handler = lead.handler;
                existing.away_sent_on = lead.away_sent_on;
                existing.updated_at = lead.updated_at;
                existing.qualified_at = lead.qualified_at;
                existing.unanswered_since = lead.unanswered_since;
                Ok(())
            }
            None => Err(Error::LeadNotFound(lead.id)),
        })
    }

    async fn list_leads(&self, query: &LeadQuery) -> Result<Vec<Lead>> {
        let limit = query.limit.clamp(1, MAX_LEAD_PAGE) as usize;
        Ok(self.with(|s| {
            s.leads
                .values()
                .rev()
                .filter(|l| matches_query(l, query))
                .take(limit)
                .cloned()
                .collect()
        }))
    }
}

#[async_trait]
impl MessageStore for MemoryStore {
    async fn record_inbound(&self, inbound: &NewInbound) -> Result<InboundOutcome> {
        self.with(|s| {
            let key = (inbound.bot_id, inbound.provider_message_id.clone());
            if s.message_by_provider_id.contains_key(&key) {
                return Ok(InboundOutcome::Duplicate);
            }
            if !s.bots.contains_key(&inbound.bot_id) {
                return Err(Error::BotNotFound(inbound.bot_id));
            }
            let contact_key = (inbound.bot_id, inbound.contact.clone());
            let (lead, new_lead) = match s.lead_by_contact.get(&contact_key) {
                Some(id) => {
                    let lead = s.leads.get_mut(id).expect("index and leads agree");
                    if inbound.display_name.is_some() && lead.display_name != inbound.display_name {
                        lead.display_name = inbound.display_name.clone();
                    }
                    lead.updated_at = inbound.received_at;
                    (lead.clone(), false)
                }
                None => {
                    let mut lead = Lead::new(
                        inbound.workspace_id,
                        inbound.bot_id,
                        inbound.contact.clone(),
                        inbound.received_at,
                    );
                    lead.display_name = inbound.display_name.clone();
                    s.lead_by_contact.insert(contact_key, lead.id);
                    s.leads.insert(lead.id, lead.clone());
                    (lead, true)
                }
            };
            let message = Message {
                id: MessageId::new(),
                bot_id: inbound.bot_id,
                lead_id: lead.id,
                direction: Direction::Inbound,
                sender: Sender::Contact,
                body: inbound.body.clone(),
                provider_message_id: Some(inbound.provider_message_id.clone()),
                delivery: DeliveryStatus::Received,
                error: None,
                created_at: inbound.received_at,
            };
            s.message_by_provider_id.insert(key, message.id);
            s.inbound_handling.insert(message.id, inbound.handling);
            s.push_message(message.clone());
            Ok(InboundOutcome::Recorded {
                lead,
                message,
                new_lead,
            })
        })
    }

    async fn insert_message(&self, message: &Message) -> Result<()> {
        self.with(|s| s.insert_message(message))
    }

    async fn insert_reply(&self, reply: &Message, answers: MessageId) -> Result<()> {
        self.with(|s| {
            if s.inbound_handling.get(&answers) != Some(&InboundHandling::Pending) {
                return Err(Error::Conflict(format!(
                    "message {answers} was answered already"
                )));
            }
            s.insert_message(reply)?;
            s.inbound_handling.insert(answers, InboundHandling::Done);
            Ok(())
        })
    }

    async fn settle_inbound(&self, id: MessageId, handling: InboundHandling) -> Result<bool> {
        Ok(self.with(|s| match s.inbound_handling.get_mut(&id) {
            Some(current) if *current == InboundHandling::Pending => {
                *current = handling;
                true
            }
            _ => false,
        }))
    }

    async fn pending_inbound(
        &self,
        bot: BotId,
        before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Message>> {
        Ok(self.with(|s| {
            s.messages_in_order(limit, |s, m| {
                m.bot_id == bot
                    && m.created_at < before
                    && s.inbound_handling.get(&m.id) == Some(&InboundHandling::Pending)
            })
        }))
    }

    async fn pending_outbound(
        &self,
        bot: BotId,
        before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Message>> {
        Ok(self.with(|s| {
            s.messages_in_order(limit, |_, m| {
                m.bot_id == bot
                    && m.created_at < before
                    && m.direction == Direction::Outbound
                    && m.delivery == DeliveryStatus::Pending
            })
        }))
    }

    async fn mark_sent(
        &self,
        id: MessageId,
        provider_message_id: Option<&str>,
        delivery: DeliveryStatus,
        error: Option<&str>,
    ) -> Result<()> {
        self.with(|s| {
            let Some(message) = s.messages.get(&id) else {
                return Err(Error::NotFound(format!("message {id}")));
            };
            let bot = message.bot_id;
            let old_pid = message.provider_message_id.clone();
            if let Some(pid) = provider_message_id {
                let key = (bot, pid.to_string());
                if s.message_by_provider_id
                    .get(&key)
                    .is_some_and(|other| *other != id)
                {
                    return Err(Error::Conflict(format!("message {pid} already stored")));
                }
                if let Some(old) = old_pid.filter(|old| old != pid) {
                    s.message_by_provider_id.remove(&(bot, old));
                }
                s.message_by_provider_id.insert(key, id);
            }
            let message = s.messages.get_mut(&id).expect("checked above");
            message.delivery = delivery;
            message.error = error.map(str::to_string);
            if let Some(pid) = provider_message_id {
                message.provider_message_id = Some(pid.to_string());
            }
            Ok(())
        })
    }

    async fn apply_ack(
        &self,
        bot: BotId,
        provider_message_id: &str,
        status: DeliveryStatus,
    ) -> Result<Option<Message>> {
        Ok(self.with(|s| {
            let id = s
                .message_by_provider_id
                .get(&(bot, provider_message_id.to_string()))?;
            let message = s.messages.get_mut(id)?;
            if !message.delivery.advances_to(status) {
                return None;
            }
            message.delivery = status;
            Some(message.clone())
        }))
    }

    async fn recent_messages(&self, lead: LeadId, limit: u32) -> Result<Vec<Message>> {
        Ok(self.with(|s| {
            let ids = s
                .messages_by_lead
                .get(&lead)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let start = ids.len().saturating_sub(limit as usize);
            ids[start..]
                .iter()
                .filter_map(|id| s.messages.get(id).cloned())
                .collect()
        }))
    }
}

#[async_trait]
impl ScheduleStore for MemoryStore {
    async fn create_schedule(&self, schedule: &Schedule) -> Result<()> {
        self.with(|s| {
            if !s.bots.contains_key(&schedule.bot_id) {
                return Err(Error::BotNotFound(schedule.bot_id));
            }
            if s.schedules.contains_key(&schedule.id) {
                return Err(Error::Conflict(format!(
                    "schedule {} already exists",
                    schedule.id
                )));
            }
            s.schedules.insert(schedule.id, schedule.clone());
            Ok(())
        })
    }

    async fn get_schedule(&self, id: ScheduleId) -> Result<Option<Schedule>> {
        Ok(self.with(|s| s.schedules.get(&id).cloned()))
    }

    async fn list_schedules(&self, bot: BotId) -> Result<Vec<Schedule>> {
        Ok(self.with(|s| {
            let mut list: Vec<Schedule> = s
                .schedules
                .values()
                .filter(|x| x.bot_id == bot)
                .cloned()
                .collect();
            list.sort_by_key(|x| (x.created_at, x.id));
            list
        }))
    }

    async fn cancel_schedule(&self, id: ScheduleId) -> Result<()> {
        self.with(|s| match s.schedules.get_mut(&id) {
            Some(x) => {
                if x.status == ScheduleStatus::Active {
                    x.status = ScheduleStatus::Cancelled;
                    x.next_run_at = None;
                }
                Ok(())
            }
            None => Err(Error::ScheduleNotFound(id)),
        })
    }

    async fn due_schedules(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Schedule>> {
        Ok(self.with(|s| {
            let mut due: Vec<Schedule> = s
                .schedules
                .values()
                .filter(|x| {
                    x.status == ScheduleStatus::Active && x.next_run_at.is_some_and(|t| t <= now)
                })
                .cloned()
                .collect();
            due.sort_by_key(|x| (x.next_run_at, x.id));
            due.truncate(limit as usize);
            due
        }))
    }

    async fn next_due_at(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(self.with(|s| {
            s.schedules
                .values()
                .filter(|x| x.status == ScheduleStatus::Active)
                .filter_map(|x| x.next_run_at)
                .min()
        }))
    }

    async fn claim_schedule_run(
        &self,
        id: ScheduleId,
        due_at: DateTime<Utc>,
        next_run_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        Ok(self.with(|s| match s.schedules.get_mut(&id) {
            Some(x) if x.status == ScheduleStatus::Active && x.next_run_at == Some(due_at) => {
                x.next_run_at = next_run_at;
                x.last_executed_at = Some(now);
                if next_run_at.is_none() {
                    x.status = ScheduleStatus::Completed;
                }
                true
            }
            _ => false,
        }))
    }

    async fn record_schedule_run(&self, run: &ScheduleRun) -> Result<()> {
        self.with(|s| s.runs.push(run.clone()));
        Ok(())
    }

    async fn list_schedule_runs(&self, id: ScheduleId) -> Result<Vec<ScheduleRun>> {
        Ok(self.with(|s| {
            s.runs
                .iter()
                .filter(|r| r.schedule_id == id)
                .cloned()
                .collect()
        }))
    }
}
