//! What sales agents do to a conversation: take it over, reply, release it, move it along the
//! pipeline, correct the captured details. Each change is persisted and announced as an event
//! (the audit trail), so the REST API and any other caller cannot drift apart.

use super::Engine;
use crate::{
    domain::{
        Email, Handler, Lead, LeadFields, LeadStatus, Location, MAX_BODY_CHARS, Message,
        PersonName, Phone, Sender,
    },
    error::{Error, Result, ValidationError},
    ids::{LeadId, UserId},
};

/// An agent's corrections to a lead's captured details, as given: `None` keeps a field. Each
/// value is parsed by its domain type when applied ([`FieldCorrections::apply`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldCorrections {
    /// The customer's name (1–100 characters).
    pub name: Option<String>,
    /// The customer's e-mail.
    pub email: Option<String>,
    /// The customer's phone, with country code (or in the contact's own region).
    pub phone: Option<String>,
    /// Where the customer is (2–200 characters).
    pub location: Option<String>,
}

impl FieldCorrections {
    /// Parses each given value into `fields`, in the order name, e-mail, phone, location; the
    /// first invalid one is the error (naming its field) and `fields` is then unchanged.
    /// `region` is the contact's region, the default country of a phone without one.
    pub fn apply(&self, fields: &mut LeadFields, region: Option<&str>) -> Result<()> {
        let mut out = fields.clone();
        if let Some(v) = &self.name {
            out.name = Some(PersonName::parse(v)?);
        }
        if let Some(v) = &self.email {
            out.email = Some(Email::parse(v)?);
        }
        if let Some(v) = &self.phone {
            out.phone = Some(Phone::parse(v, region)?);
        }
        if let Some(v) = &self.location {
            out.location = Some(Location::parse(v)?);
        }
        *fields = out;
        Ok(())
    }
}

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

    /// An agent corrects the lead's captured details (validated; absent ones kept). The lead is
    /// saved and `lead.updated` announced; its status does not change.
    pub async fn correct_fields(
        &self,
        lead: LeadId,
        corrections: &FieldCorrections,
    ) -> Result<Lead> {
        let mut lead = self.load_lead(lead).await?;
        let region = lead.contact_region();
        corrections.apply(&mut lead.fields, region.as_deref())?;
        let bot = self.bot(lead.bot_id).await?;
        let now = self.inner.deps.clock.now();
        self.save_lead(&bot, &mut lead, now, false).await?;
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
