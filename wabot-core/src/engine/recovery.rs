//! Crash recovery: what an earlier run of a bot stored and left unfinished (ARCHITECTURE.md,
//! "Crash recovery").
//!
//! Every inbound text message is stored [`InboundHandling::Pending`] before it is acknowledged
//! to the network, and leaves that state only when the engine has dealt with it: the reply is
//! stored together with the claim on the message (`MessageStore::insert_reply`), or the message
//! is settled as needing no reply. A process killed in between leaves the message pending. When
//! the bot is next ready, [`Engine::recover`]:
//!
//! - queues each pending message younger than [`EngineConfig::recovery_window`] for the bot to
//!   answer, before anything that arrives later in the same chat (so per-chat order holds);
//! - flags older ones for an agent ([`InboundHandling::Flagged`], the lead's
//!   `unanswered_since`): a reply hours late is worse than a person's;
//! - marks sends the crash interrupted (`pending` replies) as failed, never re-sends them — the
//!   network may have taken them just before the crash, and a customer must not get a reply
//!   twice — and flags their lead when the bot wrote them.
//!
//! Only work stored before this engine started is touched: later work belongs to this run. A
//! bot taken over from another replica ([`Engine::taking_over`]) is recovered again, up to the
//! takeover time.
//!
//! [`EngineConfig::recovery_window`]: super::EngineConfig::recovery_window

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{Engine, Job, Work};
use crate::{
    domain::{DeliveryStatus, InboundHandling, Lead, Sender},
    error::{Error, Result},
    ids::{BotId, LeadId},
    ports::DomainEvent,
};

/// The most messages of each kind one recovery looks at; more are left for the next start.
const MAX_RECOVERED: u32 = 10_000;

/// The reason stored on a reply whose send a restart interrupted.
pub const INTERRUPTED_SEND: &str = "interrupted: the server stopped while sending this message, \
     so it may or may not have reached the customer; it is not sent again automatically";

/// What [`Engine::recover`] did for a bot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Recovery {
    /// Unanswered messages queued for the bot to answer now.
    pub queued: usize,
    /// Unanswered messages too old to answer, flagged for an agent.
    pub flagged: usize,
    /// Sends the crash interrupted, marked failed.
    pub interrupted: usize,
}

impl Recovery {
    /// Whether there was nothing to recover.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl Engine {
    /// Deals with what an earlier run of `bot` left unfinished (see the module docs). Runs once
    /// per bot per engine; later calls return an empty [`Recovery`]. Call it when the bot's
    /// transport is ready, so queued answers can be sent.
    pub async fn recover(&self, bot_id: BotId) -> Result<Recovery> {
        let first = self
            .inner
            .recovered
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(bot_id);
        if !first {
            return Ok(Recovery::default());
        }
        let result = self.recover_now(bot_id).await;
        if result.is_err() {
            // Try again at the next ready.
            self.inner
                .recovered
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&bot_id);
        }
        result
    }

    /// Tells the engine this process takes `bot` over from another replica at `at`: the next
    /// [`recover`](Self::recover) deals with what was stored before `at` (the other replica's
    /// unfinished work), even if this engine recovered the bot before.
    pub fn taking_over(&self, bot: BotId, at: DateTime<Utc>) {
        self.inner
            .taken_over
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(bot, at);
        self.inner
            .recovered
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&bot);
    }

    async fn recover_now(&self, bot_id: BotId) -> Result<Recovery> {
        let deps = &self.inner.deps;
        let bot = self.bot(bot_id).await?;
        let before = self
            .inner
            .taken_over
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&bot_id)
            .copied()
            .unwrap_or(self.inner.started_at);
        let now = deps.clock.now();
        let window = chrono::Duration::from_std(self.inner.config.recovery_window)
            .unwrap_or(chrono::Duration::MAX);
        let mut report = Recovery::default();
        let mut leads: HashMap<LeadId, Lead> = HashMap::new();
        let mut flag: HashMap<LeadId, DateTime<Utc>> = HashMap::new();

        for mut sent in deps
            .store
            .pending_outbound(bot_id, before, MAX_RECOVERED)
            .await?
        {
            deps.store
                .mark_sent(
                    sent.id,
                    None,
                    DeliveryStatus::Failed,
                    Some(INTERRUPTED_SEND),
                )
                .await?;
            sent.delivery = DeliveryStatus::Failed;
            sent.error = Some(INTERRUPTED_SEND.to_string());
            if sent.sender == Sender::Bot {
                note_flag(&mut flag, sent.lead_id, sent.created_at);
            }
            deps.bus.publish(DomainEvent::Message {
                workspace_id: bot.workspace_id,
                message: sent,
            });
            report.interrupted += 1;
        }

        let pending = deps
            .store
            .pending_inbound(bot_id, before, MAX_RECOVERED)
            .await?;
        if pending.len() == MAX_RECOVERED as usize {
            tracing::warn!(bot = %bot_id, "more than {MAX_RECOVERED} unanswered messages; the rest are recovered at the next start");
        }
        for message in pending {
            if now - message.created_at > window {
                if deps
                    .store
                    .settle_inbound(message.id, InboundHandling::Flagged)
                    .await?
                {
                    note_flag(&mut flag, message.lead_id, message.created_at);
                    report.flagged += 1;
                }
                continue;
            }
            let lead = match leads.get(&message.lead_id) {
                Some(lead) => lead,
                None => {
                    let lead = deps
                        .store
                        .get_lead(message.lead_id)
                        .await?
                        .ok_or(Error::LeadNotFound(message.lead_id))?;
                    leads.entry(lead.id).or_insert(lead)
                }
            };
            self.enqueue(
                (bot_id, lead.contact.clone()),
                Job {
                    work: Work::Recovered(message),
                    reply: None,
                },
            );
            report.queued += 1;
        }

        for (lead_id, since) in flag {
            let Some(mut lead) = deps.store.get_lead(lead_id).await? else {
                continue;
            };
            lead.unanswered_since = Some(lead.unanswered_since.map_or(since, |s| s.min(since)));
            self.save_lead(&bot, &mut lead, now, false).await?;
        }
        if !report.is_empty() {
            tracing::info!(
                bot = %bot_id,
                queued = report.queued,
                flagged = report.flagged,
                interrupted = report.interrupted,
                "recovered what the previous run left unanswered"
            );
        }
        Ok(report)
    }
}

fn note_flag(flag: &mut HashMap<LeadId, DateTime<Utc>>, lead: LeadId, at: DateTime<Utc>) {
    flag.entry(lead)
        .and_modify(|since| *since = (*since).min(at))
        .or_insert(at);
}
