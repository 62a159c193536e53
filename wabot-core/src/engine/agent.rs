//! What sales agents do to a conversation: take it over, reply, release it, move it along the
//! pipeline. Each change is persisted and announced as an event (the audit trail).

use super::Engine;
use crate::{
    domain::{Handler, Lead, LeadStatus, MAX_BODY_CHARS, Message, Sender},
    error::{Error, Result, ValidationError},
    ids::{LeadId, UserId},
};

impl Engine {
    async fn load_lead(&self, id: LeadId) -> Result<Lead> {
        self.inner
            .deps
            .store
            .get_lead(id)
            .await?
            .ok_or(Error::LeadNotFound(id))
    }

    /// A human takes the conversation over: the bot stops answering it.
    pub async fn take_over(&self, lead: LeadId, agent: UserId) -> Result<Lead> {
        let mut lead = self.load_lead(lead).await?;
        let bot = self.bot(lead.bot_id).await?;
        lead.handler = Handler::Agent(agent);
        lead.unanswered_since = None;
        let now = self.inner.deps.clock.now();
        self.save_lead(&bot, &mut lead, now, false).await?;
        Ok(lead)
    }

    /// Hands the conversation back to the bot.
    pub async fn release(&self, lead: LeadId) -> Result<Lead> {
        let mut lead = self.load_lead(lead).await?;
        let bot = self.bot(lead.bot_id).await?;
        lead.handler = Handler::Bot;
        lead.unanswered_since = None;
        let now = self.inner.deps.clock.now();
        self.save_lead(&bot, &mut lead, now, false).await?;
        Ok(lead)
    }

    /// An agent writes to the customer. The conversation is taken over by that agent if the bot
    /// still had it, so the bot does not answer on top of the human.
    pub async fn reply_as_agent(&self, lead: LeadId, agent: UserId, text: &str) -> Result<Message> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ValidationError::new("body", "must not be empty").into());
        }
        if text.chars().count() > MAX_BODY_CHARS {
            return Err(ValidationError::new(
                "body",
                format!("must be at most {MAX_BODY_CHARS} characters"),
            )
            .into());
        }
        let mut lead = self.load_lead(lead).await?;
        let bot = self.bot(lead.bot_id).await?;
        if lead.handler == Handler::Bot || lead.unanswered_since.is_some() {
            // The human answers now: the bot stays out, and the lead no longer waits.
            if lead.handler == Handler::Bot {
                lead.handler = Handler::Agent(agent);
            }
            lead.unanswered_since = None;
            let now = self.inner.deps.clock.now();
            self.save_lead(&bot, &mut lead, now, false).await?;
        }
        self.send_reply(&bot, &lead, text, Sender::Agent(agent))
            .await
    }

    /// Assigns the lead to an agent (manual assignment).
    pub async fn assign(&self, lead: LeadId, agent: UserId) -> Result<Lead> {
        let mut lead = self.load_lead(lead).await?;
        let bot = self.bot(lead.bot_id).await?;
        lead.assignee = Some(agent);
        if matches!(lead.status, LeadStatus::Capturing | LeadStatus::Qualified) {
            lead.status = LeadStatus::Assigned;
        }
        let now = self.inner.deps.clock.now();
        self.save_lead(&bot, &mut lead, now, false).await?;
        self.inner
            .deps
            .bus
            .publish(crate::ports::DomainEvent::LeadAssigned {
                workspace_id: bot.workspace_id,
                lead: lead.clone(),
                assignee: agent,
            });
        Ok(lead)
    }

    /// Moves the lead along the pipeline (any status may be set by a human; `qualified_at` is
    /// kept).
    pub async fn set_lead_status(&self, lead: LeadId, status: LeadStatus) -> Result<Lead> {
        let mut lead = self.load_lead(lead).await?;
        let bot = self.bot(lead.bot_id).await?;
        let now = self.inner.deps.clock.now();
        if status == LeadStatus::Qualified && lead.qualified_at.is_none() {
            lead.qualified_at = Some(now);
        }
        lead.status = status;
        self.save_lead(&bot, &mut lead, now, false).await?;
        Ok(lead)
    }
}
