//! The store ports for `super::Backend`, each method one query function of `super::ops` run on
//! a read or a write connection. Compiled once per backend, like `ops`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use wabot_core::{
    Result,
    domain::{
        Bot, BotStatus, ContactId, DeliveryStatus, Email, InboundHandling, Lead, Member, Message,
        Schedule, ScheduleRun, User, Workspace,
    },
    ids::{BotId, LeadId, MessageId, ScheduleId, UserId, WorkspaceId},
    ports::{
        BotStore, InboundOutcome, LeadQuery, LeadStore, MessageStore, NewInbound, ScheduleStore,
        WorkspaceStore,
    },
};

use super::{Backend, ops};

#[async_trait]
impl WorkspaceStore for Backend {
    async fn create_workspace(&self, workspace: &Workspace) -> Result<()> {
        let workspace = workspace.clone();
        on!(self.write, |c| ops::create_workspace(c, &workspace))
    }

    async fn get_workspace(&self, id: WorkspaceId) -> Result<Option<Workspace>> {
        on!(self.read, |c| ops::get_workspace(c, id))
    }

    async fn upsert_user(&self, user: &User) -> Result<User> {
        let user = user.clone();
        on!(self.write, |c| ops::upsert_user(c, &user))
    }

    async fn get_user(&self, id: UserId) -> Result<Option<User>> {
        on!(self.read, |c| ops::get_user(c, id))
    }

    async fn get_user_by_email(&self, email: &Email) -> Result<Option<User>> {
        let email = email.clone();
        on!(self.read, |c| ops::get_user_by_email(c, &email))
    }

    async fn put_member(&self, member: &Member) -> Result<()> {
        let member = member.clone();
        on!(self.write, |c| ops::put_member(c, &member))
    }

    async fn list_members(&self, workspace: WorkspaceId) -> Result<Vec<Member>> {
        on!(self.read, |c| ops::list_members(c, workspace))
    }

    async fn next_lead_assignee(&self, workspace: WorkspaceId) -> Result<Option<UserId>> {
        on!(self.write, |c| ops::next_lead_assignee(c, workspace))
    }
}

#[async_trait]
impl BotStore for Backend {
    async fn create_bot(&self, bot: &Bot) -> Result<()> {
        let bot = bot.clone();
        on!(self.write, |c| ops::create_bot(c, &bot))
    }

    async fn get_bot(&self, id: BotId) -> Result<Option<Bot>> {
        on!(self.read, |c| ops::get_bot(c, id))
    }

    async fn list_bots(&self, workspace: Option<WorkspaceId>) -> Result<Vec<Bot>> {
        on!(self.read, |c| ops::list_bots(c, workspace))
    }

    async fn update_bot(&self, bot: &Bot) -> Result<()> {
        let bot = bot.clone();
        on!(self.write, |c| ops::update_bot(c, &bot))
    }

    async fn set_bot_enabled(&self, id: BotId, enabled: bool, now: DateTime<Utc>) -> Result<()> {
        on!(self.write, |c| ops::set_bot_enabled(c, id, enabled, now))
    }

    async fn set_bot_status(&self, id: BotId, status: BotStatus, now: DateTime<Utc>) -> Result<()> {
        on!(self.write, |c| ops::set_bot_status(c, id, status, now))
    }

    async fn delete_bot(&self, id: BotId) -> Result<()> {
        on!(self.write, |c| ops::delete_bot(c, id))
    }
}

#[async_trait]
impl LeadStore for Backend {
    async fn get_lead(&self, id: LeadId) -> Result<Option<Lead>> {
        on!(self.read, |c| ops::get_lead(c, id))
    }

    async fn find_lead(&self, bot: BotId, contact: &ContactId) -> Result<Option<Lead>> {
        let contact = contact.clone();
        on!(self.read, |c| ops::find_lead(c, bot, &contact))
    }

    async fn update_lead(&self, lead: &Lead) -> Result<()> {
        let lead = lead.clone();
        on!(self.write, |c| ops::update_lead(c, &lead))
    }

    async fn list_leads(&self, query: &LeadQuery) -> Result<Vec<Lead>> {
        let query = query.clone();
        on!(self.read, |c| ops::list_leads(c, &query))
    }
}

#[async_trait]
impl MessageStore for Backend {
    async fn record_inbound(&self, inbound: &NewInbound) -> Result<InboundOutcome> {
        let inbound = inbound.clone();
        on!(self.write, |c| ops::record_inbound(c, &inbound))
    }

    async fn insert_message(&self, message: &Message) -> Result<()> {
        let message = message.clone();
        on!(self.write, |c| ops::insert_message(c, &message))
    }

    async fn mark_sent(
        &self,
        id: MessageId,
        provider_message_id: Option<&str>,
        delivery: DeliveryStatus,
        error: Option<&str>,
    ) -> Result<()> {
        let provider_message_id = provider_message_id.map(str::to_string);
        let error = error.map(str::to_string);
        on!(self.write, |c| ops::mark_sent(
            c,
            id,
            provider_message_id.as_deref(),
            delivery,
            error.as_deref()
        ))
    }

    async fn apply_ack(
        &self,
        bot: BotId,
        provider_message_id: &str,
        status: DeliveryStatus,
    ) -> Result<Option<Message>> {
        let provider_message_id = provider_message_id.to_string();
        on!(self.write, |c| ops::apply_ack(
            c,
            bot,
            &provider_message_id,
            status
        ))
    }

    async fn recent_messages(&self, lead: LeadId, limit: u32) -> Result<Vec<Message>> {
        on!(self.read, |c| ops::recent_messages(c, lead, limit))
    }

    async fn insert_reply(&self, reply: &Message, answers: MessageId) -> Result<()> {
        let reply = reply.clone();
        on!(self.write, |c| ops::insert_reply(c, &reply, answers))
    }

    async fn settle_inbound(&self, id: MessageId, handling: InboundHandling) -> Result<bool> {
        on!(self.write, |c| ops::settle_inbound(c, id, handling))
    }

    async fn pending_inbound(
        &self,
        bot: BotId,
        before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Message>> {
        on!(self.read, |c| ops::pending_inbound(c, bot, before, limit))
    }

    async fn pending_outbound(
        &self,
        bot: BotId,
        before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Message>> {
        on!(self.read, |c| ops::pending_outbound(c, bot, before, limit))
    }
}

#[async_trait]
impl ScheduleStore for Backend {
    async fn create_schedule(&self, schedule: &Schedule) -> Result<()> {
        let schedule = schedule.clone();
        on!(self.write, |c| ops::create_schedule(c, &schedule))
    }

    async fn get_schedule(&self, id: ScheduleId) -> Result<Option<Schedule>> {
        on!(self.read, |c| ops::get_schedule(c, id))
    }

    async fn list_schedules(&self, bot: BotId) -> Result<Vec<Schedule>> {
        on!(self.read, |c| ops::list_schedules(c, bot))
    }

    async fn cancel_schedule(&self, id: ScheduleId) -> Result<()> {
        on!(self.write, |c| ops::cancel_schedule(c, id))
    }

    async fn due_schedules(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Schedule>> {
        on!(self.read, |c| ops::due_schedules(c, now, limit))
    }

    async fn next_due_at(&self) -> Result<Option<DateTime<Utc>>> {
        on!(self.read, |c| ops::next_due_at(c))
    }

    async fn claim_schedule_run(
        &self,
        id: ScheduleId,
        due_at: DateTime<Utc>,
        next_run_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        on!(self.write, |c| ops::claim_schedule_run(
            c,
            id,
            due_at,
            next_run_at,
            now
        ))
    }

    async fn record_schedule_run(&self, run: &ScheduleRun) -> Result<()> {
        let run = run.clone();
        on!(self.write, |c| ops::record_schedule_run(c, &run))
    }

    async fn list_schedule_runs(&self, id: ScheduleId) -> Result<Vec<ScheduleRun>> {
        on!(self.read, |c| ops::list_schedule_runs(c, id))
    }
}
