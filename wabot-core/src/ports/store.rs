//! Persistence ports. SQLite, PostgreSQL and the in-memory store implement every one; a shared
//! conformance suite (`wabot_core::conformance`, feature `conformance`) checks they behave alike.
//!
//! Timestamps are kept to the microsecond by the SQL stores (the in-memory store keeps them as
//! given), so callers comparing stored times should not rely on nanoseconds.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    domain::{
        Bot, BotStatus, ContactId, DeliveryStatus, Email, InboundHandling, Lead, LeadStatus,
        Member, Message, Schedule, ScheduleRun, User, Workspace,
    },
    error::Result,
    ids::{BotId, LeadId, MessageId, ScheduleId, UserId, WorkspaceId},
};

/// Workspaces, users and memberships.
#[async_trait]
pub trait WorkspaceStore: Send + Sync {
    /// Stores a new workspace. Fails with `Conflict` when the id is taken.
    async fn create_workspace(&self, workspace: &Workspace) -> Result<()>;
    /// A workspace by id.
    async fn get_workspace(&self, id: WorkspaceId) -> Result<Option<Workspace>>;
    /// Stores a user, or returns the existing user with the same e-mail unchanged. Fails with
    /// `Conflict` when the id is taken by a user with another e-mail.
    async fn upsert_user(&self, user: &User) -> Result<User>;
    /// A user by id.
    async fn get_user(&self, id: UserId) -> Result<Option<User>>;
    /// A user by e-mail.
    async fn get_user_by_email(&self, email: &Email) -> Result<Option<User>>;
    /// Adds a member, or updates the role and lead flag of an existing one (keeping its
    /// `created_at`). Fails with `NotFound` when the workspace or the user is missing.
    async fn put_member(&self, member: &Member) -> Result<()>;
    /// The members of a workspace, oldest first (by `created_at`, then user id).
    async fn list_members(&self, workspace: WorkspaceId) -> Result<Vec<Member>>;
    /// The next member (with `receives_leads`) to get a lead, round-robin, advancing the
    /// workspace's cursor atomically. The eligible members are ordered by (`created_at`, user
    /// id) and the `n`-th call picks `eligible[n % eligible.len()]`, so concurrent callers get
    /// different members. `None` (and the cursor does not move) when nobody receives leads.
    async fn next_lead_assignee(&self, workspace: WorkspaceId) -> Result<Option<UserId>>;
}

/// Bots.
#[async_trait]
pub trait BotStore: Send + Sync {
    /// Stores a new bot. Fails with `NotFound` when its workspace is missing and `Conflict` when
    /// the id is taken.
    async fn create_bot(&self, bot: &Bot) -> Result<()>;
    /// A bot by id.
    async fn get_bot(&self, id: BotId) -> Result<Option<Bot>>;
    /// The bots of a workspace, or of every workspace with `None`, oldest first (by
    /// `created_at`, then id).
    async fn list_bots(&self, workspace: Option<WorkspaceId>) -> Result<Vec<Bot>>;
    /// Replaces a bot's settings: name, prompt, `enabled`, transport, LLM settings, features,
    /// pacing, fallback message and `updated_at`. Its workspace, `created_at` and runtime status
    /// are kept. Fails with `BotNotFound` when missing.
    async fn update_bot(&self, bot: &Bot) -> Result<()>;
    /// Sets whether the bot should run, and `updated_at`. Fails with `BotNotFound` when missing.
    async fn set_bot_enabled(&self, id: BotId, enabled: bool, now: DateTime<Utc>) -> Result<()>;
    /// Records the bot's runtime status, and `updated_at`. Fails with `BotNotFound` when missing.
    async fn set_bot_status(&self, id: BotId, status: BotStatus, now: DateTime<Utc>) -> Result<()>;
    /// Deletes a bot with its leads, messages, schedules and schedule history. Fails with
    /// `BotNotFound` when missing.
    async fn delete_bot(&self, id: BotId) -> Result<()>;
}

/// What [`MessageStore::record_inbound`] stores.
#[derive(Debug, Clone)]
pub struct NewInbound {
    /// The bot's workspace.
    pub workspace_id: WorkspaceId,
    /// The bot.
    pub bot_id: BotId,
    /// The sender.
    pub contact: ContactId,
    /// The sender's profile name, if known.
    pub display_name: Option<String>,
    /// The network's message id.
    pub provider_message_id: String,
    /// The text.
    pub body: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// The message's handling once stored: [`InboundHandling::Pending`] when the engine will
    /// answer it (so a crash before the answer is found at the next start),
    /// [`InboundHandling::Done`] when it is stored only (media, groups).
    pub handling: InboundHandling,
}

/// The outcome of [`MessageStore::record_inbound`].
#[derive(Debug, Clone)]
#[expect(
    clippy::large_enum_variant,
    reason = "returned once per inbound message and matched at once; boxing the lead would cost an allocation per message"
)]
pub enum InboundOutcome {
    /// A message with the same provider id was already stored for this bot: nothing changed.
    Duplicate,
    /// Stored, together with the conversation's lead.
    Recorded {
        /// The lead (created when this is the contact's first message).
        lead: Lead,
        /// The stored message.
        message: Message,
        /// Whether the lead was created by this message.
        new_lead: bool,
    },
}

/// The largest page [`LeadStore::list_leads`] returns; larger limits are capped, 0 means 1.
pub const MAX_LEAD_PAGE: u32 = 500;

/// Filter and page of a lead listing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LeadQuery {
    /// Only this workspace's leads.
    pub workspace_id: Option<WorkspaceId>,
    /// Only this bot's leads.
    pub bot_id: Option<BotId>,
    /// Only leads in this status.
    pub status: Option<LeadStatus>,
    /// Only leads assigned to this user.
    pub assignee: Option<UserId>,
    /// Case-insensitive text matched against contact, name, e-mail, phone and location.
    pub search: Option<String>,
    /// Only leads created at or after this instant.
    pub created_from: Option<DateTime<Utc>>,
    /// Only leads created before this instant.
    pub created_to: Option<DateTime<Utc>>,
    /// Page cursor: only leads whose id is smaller than this (newest first ordering).
    pub before: Option<LeadId>,
    /// Page size (capped at [`MAX_LEAD_PAGE`]).
    pub limit: u32,
}

/// Leads.
#[async_trait]
pub trait LeadStore: Send + Sync {
    /// A lead by id.
    async fn get_lead(&self, id: LeadId) -> Result<Option<Lead>>;
    /// The lead of a contact with a bot.
    async fn find_lead(&self, bot: BotId, contact: &ContactId) -> Result<Option<Lead>>;
    /// Replaces a lead's mutable state: display name, fields, status, assignee, handler, away
    /// date, `updated_at` and `qualified_at`. Its workspace, bot, contact and `created_at` are
    /// kept. Fails with `LeadNotFound` when missing.
    async fn update_lead(&self, lead: &Lead) -> Result<()>;
    /// Leads matching the query, newest first (by id: ids are time-ordered UUID v7), at most
    /// `query.limit` of them (capped at [`MAX_LEAD_PAGE`], 0 means 1).
    async fn list_leads(&self, query: &LeadQuery) -> Result<Vec<Lead>>;
}

/// Messages.
#[async_trait]
pub trait MessageStore: Send + Sync {
    /// Stores an inbound message and gets or creates the contact's lead, atomically. A message
    /// whose provider id is already stored for the bot is a duplicate and changes nothing.
    ///
    /// An existing lead gets `updated_at = received_at` and, when `display_name` is given, the
    /// new display name. The stored message has a new id, sender `Contact` and delivery
    /// `Received`. Fails with `BotNotFound` when the bot is missing.
    async fn record_inbound(&self, inbound: &NewInbound) -> Result<InboundOutcome>;
    /// Stores an outbound message (usually `pending`, before sending). Fails with
    /// `LeadNotFound` when its lead is missing and `Conflict` when the id, or the provider id for
    /// the bot, is already stored.
    async fn insert_message(&self, message: &Message) -> Result<()>;
    /// After sending: records the network's id (`None` keeps the stored one), the delivery
    /// status (set as given, not checked for progress) and why sending failed (set as given:
    /// `None` clears a reason left by an earlier attempt; see [`Message::error`]). Fails with
    /// `NotFound` when the message is missing and `Conflict` when another message of the bot has
    /// that provider id.
    async fn mark_sent(
        &self,
        id: MessageId,
        provider_message_id: Option<&str>,
        delivery: DeliveryStatus,
        error: Option<&str>,
    ) -> Result<()>;
    /// Applies an ack when it is progress (see [`DeliveryStatus::advances_to`]); returns the
    /// updated message, or `None` when unknown or not progress.
    async fn apply_ack(
        &self,
        bot: BotId,
        provider_message_id: &str,
        status: DeliveryStatus,
    ) -> Result<Option<Message>>;
    /// The last `limit` messages of a conversation, oldest first, in the order they were
    /// stored (not by `created_at`).
    async fn recent_messages(&self, lead: LeadId, limit: u32) -> Result<Vec<Message>>;
    /// Stores an outbound `reply` (usually `pending`, before sending) to the inbound message
    /// `answers` and marks that message [`InboundHandling::Done`], atomically. Fails with
    /// `Conflict` (and stores nothing) when `answers` is not pending any more — it was answered
    /// already, by this process or another — so each inbound message gets at most one reply.
    /// Otherwise fails as [`insert_message`](Self::insert_message).
    async fn insert_reply(&self, reply: &Message, answers: MessageId) -> Result<()>;
    /// Sets the handling of a pending inbound message; returns `false` (and changes nothing)
    /// when the message is unknown or not pending.
    async fn settle_inbound(&self, id: MessageId, handling: InboundHandling) -> Result<bool>;
    /// Inbound messages of `bot` still [`InboundHandling::Pending`] that were stored before
    /// `before`, oldest first in stored order, at most `limit`.
    async fn pending_inbound(
        &self,
        bot: BotId,
        before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Message>>;
    /// Outbound messages of `bot` still [`DeliveryStatus::Pending`] that were stored before
    /// `before` (sends a crash interrupted), oldest first in stored order, at most `limit`.
    async fn pending_outbound(
        &self,
        bot: BotId,
        before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Message>>;
}

/// Schedules and their history.
#[async_trait]
pub trait ScheduleStore: Send + Sync {
    /// Stores a new schedule. Fails with `BotNotFound` when its bot is missing and `Conflict`
    /// when the id is taken.
    async fn create_schedule(&self, schedule: &Schedule) -> Result<()>;
    /// A schedule by id.
    async fn get_schedule(&self, id: ScheduleId) -> Result<Option<Schedule>>;
    /// Schedules of a bot, oldest first (by `created_at`, then id).
    async fn list_schedules(&self, bot: BotId) -> Result<Vec<Schedule>>;
    /// Cancels an active schedule (status `Cancelled`, no next run); a completed or cancelled
    /// one is left as it is. Fails with `ScheduleNotFound` when missing.
    async fn cancel_schedule(&self, id: ScheduleId) -> Result<()>;
    /// At most `limit` active schedules due at or before `now`, earliest first (by next run,
    /// then id).
    async fn due_schedules(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Schedule>>;
    /// The earliest next run of any active schedule.
    async fn next_due_at(&self) -> Result<Option<DateTime<Utc>>>;
    /// Claims the run of `id` due at `due_at`: only if the schedule is still active with that
    /// next run, moves it to `next_run_at` (completing it when `None`) and records `now` as its
    /// last execution. Exactly one of several racing callers gets `true`.
    async fn claim_schedule_run(
        &self,
        id: ScheduleId,
        due_at: DateTime<Utc>,
        next_run_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<bool>;
    /// Appends a run to the history. The schedule need not exist any more (the history is an
    /// audit trail); [`BotStore::delete_bot`] removes the bot's runs.
    async fn record_schedule_run(&self, run: &ScheduleRun) -> Result<()>;
    /// The history of a schedule, in the order the runs were recorded.
    async fn list_schedule_runs(&self, id: ScheduleId) -> Result<Vec<ScheduleRun>>;
}

/// Everything the engine, supervisor and scheduler persist.
pub trait Store: WorkspaceStore + BotStore + LeadStore + MessageStore + ScheduleStore {}

impl<T> Store for T where T: WorkspaceStore + BotStore + LeadStore + MessageStore + ScheduleStore {}
