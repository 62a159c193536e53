//! The per-message pipeline (DESIGN.md, "The engine").

use std::time::Duration;

use rand::Rng;

use super::{Engine, prompt, typing_delay};
use crate::{
    domain::{
        Bot, DeliveryStatus, Direction, Handler, InboundHandling, Lead, LeadFields, LeadStatus,
        Message, Sender,
    },
    error::{Error, LlmError, Result},
    extract,
    ids::MessageId,
    ports::{
        ChatPurpose, ChatRequest, DomainEvent, InboundKind, InboundMessage, InboundOutcome,
        LlmClient, NewInbound, StoredReceipt,
    },
};

/// What the engine did with an inbound message.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Outcome {
    /// Already processed (the network re-delivered it); nothing happened.
    Duplicate,
    /// Stored; the content (media, group) is not answered automatically.
    StoredOnly,
    /// Stored; a human has the conversation, the dashboard was notified.
    HandedOver,
    /// Outside working hours; the away message was sent (`true`) or had been sent today.
    OutsideHours {
        /// Whether the away message went out now.
        away_sent: bool,
    },
    /// Stored and processed; the bot replied with `reply` (unless auto-response is off).
    Replied {
        /// The text sent, if any.
        reply: Option<String>,
        /// Whether the language model failed and the fallback message was sent.
        fallback: bool,
    },
}

/// What the model's reply step produced.
enum ReplyText {
    Model(String),
    Fallback(LlmError),
}

impl Engine {
    /// Processes one inbound message from the network: step 1 (record), then [`Self::answer`].
    pub(crate) async fn process(
        &self,
        bot_id: crate::ids::BotId,
        inbound: InboundMessage,
        stored: Option<StoredReceipt>,
    ) -> Result<Outcome> {
        let bot = match self.bot(bot_id).await {
            Ok(bot) => bot,
            Err(e) => {
                if let Some(receipt) = &stored {
                    receipt.confirm(Err(e.to_string()));
                }
                return Err(e);
            }
        };
        let now = self.inner.deps.clock.now();
        let Some((lead, message)) = self.record(&bot, &inbound, stored, now).await? else {
            return Ok(Outcome::Duplicate);
        };
        if inbound.kind != InboundKind::Text {
            return Ok(Outcome::StoredOnly);
        }
        self.answer(&bot, lead, &message, &inbound.body, now).await
    }

    /// Processes an inbound message stored by an earlier run that never answered it (see
    /// `Engine::recover`): steps 2 onwards, as if it had just arrived.
    pub(crate) async fn process_recovered(
        &self,
        bot_id: crate::ids::BotId,
        message: Message,
    ) -> Result<Outcome> {
        let bot = self.bot(bot_id).await?;
        let lead = self
            .inner
            .deps
            .store
            .get_lead(message.lead_id)
            .await?
            .ok_or(Error::LeadNotFound(message.lead_id))?;
        let now = self.inner.deps.clock.now();
        let body = message.body.clone();
        self.answer(&bot, lead, &message, &body, now).await
    }

    /// Step 1: persists the message and the lead, atomically and deduplicated, confirms the
    /// transport's receipt, announces both and marks the message read. `None` for a duplicate.
    async fn record(
        &self,
        bot: &Bot,
        inbound: &InboundMessage,
        stored: Option<StoredReceipt>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<(Lead, Message)>> {
        let deps = &self.inner.deps;
        let (body, handling) = match &inbound.kind {
            InboundKind::Text => (inbound.body.clone(), InboundHandling::Pending),
            InboundKind::Media(kind) | InboundKind::Other(kind) => (
                format!("[{kind}] {}", inbound.body).trim().to_string(),
                InboundHandling::Done,
            ),
            InboundKind::Group => (format!("[group] {}", inbound.body), InboundHandling::Done),
        };
        let recorded = deps
            .store
            .record_inbound(&NewInbound {
                workspace_id: bot.workspace_id,
                bot_id: bot.id,
                contact: inbound.from.clone(),
                display_name: inbound.display_name.clone(),
                provider_message_id: inbound.provider_message_id.clone(),
                body,
                received_at: now,
                handling,
            })
            .await;
        if let Some(receipt) = &stored {
            receipt.confirm(recorded.as_ref().map(|_| ()).map_err(|e| e.to_string()));
        }
        let (lead, message, new_lead) = match recorded? {
            InboundOutcome::Duplicate => return Ok(None),
            InboundOutcome::Recorded {
                lead,
                message,
                new_lead,
            } => (lead, message, new_lead),
        };
        let ws = bot.workspace_id;
        deps.bus.publish(DomainEvent::Message {
            workspace_id: ws,
            message: message.clone(),
        });
        if new_lead {
            deps.bus.publish(DomainEvent::LeadUpdated {
                workspace_id: ws,
                lead: lead.clone(),
            });
        }
        if let Some(transport) = deps.transports.get(bot.id)
            && let Err(e) = transport
                .mark_read(&lead.contact, &inbound.provider_message_id)
                .await
        {
            tracing::debug!(bot = %bot.id, "mark read failed: {e}");
        }
        Ok(Some((lead, message)))
    }

    /// Steps 2–7 for a recorded text message `inbound` (body `text`). Every way out leaves the
    /// message handled: answered through [`Self::store_reply`], or settled as done.
    async fn answer(
        &self,
        bot: &Bot,
        mut lead: Lead,
        inbound: &Message,
        text: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Outcome> {
        let deps = &self.inner.deps;
        let ws = bot.workspace_id;

        // 2. A human has the conversation: stay silent.
        if let Handler::Agent(agent) = lead.handler {
            deps.bus.publish(DomainEvent::AgentAttention {
                workspace_id: ws,
                lead_id: lead.id,
                agent,
            });
            self.settle(inbound).await?;
            return Ok(Outcome::HandedOver);
        }

        // 3. Deterministic parsing is cheap and never fails: its findings are saved whatever
        // the model does afterwards.
        // The recent messages are read once here and reused for the model's prompt (step 5).
        let region = lead.contact_region();
        let mut changed = false;
        let mut recent = None;
        if bot.features.lead_capture {
            let messages = deps
                .store
                .recent_messages(lead.id, self.inner.config.history_messages)
                .await?;
            let context = extract::Context::from_history(region.as_deref(), &messages, inbound.id);
            // E-mail and phone replace older values; a stated name corrects a guess; other
            // names and places only fill gaps (see `Findings::merge_into`).
            let found = extract::parse_reply(text, &context);
            changed |= !found.merge_into(&mut lead.fields, &context).is_empty();
            recent = Some(messages);
        }

        // 4. Working hours.
        if let Some(hours) = &bot.features.working_hours
            && !hours.is_open(now)
        {
            let today = hours.local_date(now);
            let mut away_sent = false;
            if let Some(away) = &bot.features.away_message
                && lead.away_sent_on != Some(today)
            {
                lead.away_sent_on = Some(today);
                // Persist the "sent today" mark before sending: a crash after sending
                // must not send it twice.
                self.save_lead(bot, &mut lead, now, true).await?;
                changed = false;
                let Some(reply) = self
                    .store_reply(bot, &lead, away.as_str(), Sender::Bot, Some(inbound.id))
                    .await?
                else {
                    return Ok(Outcome::Duplicate);
                };
                self.deliver(bot, &lead, reply).await?;
                away_sent = true;
            } else {
                self.settle(inbound).await?;
            }
            if changed {
                self.save_lead(bot, &mut lead, now, true).await?;
            }
            return Ok(Outcome::OutsideHours { away_sent });
        }
        if changed {
            self.save_lead(bot, &mut lead, now, false).await?;
        }

        // 5–6. Ask the model for a reply (and the extraction), qualify.
        if !bot.features.auto_response {
            self.qualify(bot, &mut lead, now).await?;
            self.settle(inbound).await?;
            return Ok(Outcome::Replied {
                reply: None,
                fallback: false,
            });
        }
        let (text, fallback) = self
            .compose(bot, &mut lead, recent, inbound.id, region.as_deref(), now)
            .await?;
        self.qualify(bot, &mut lead, now).await?;

        // 7. Typing, then the reply: stored (claiming the inbound message, so it is answered
        // once even across a crash or another replica), sent, its outcome recorded.
        self.pace(bot, &lead, text.chars().count()).await;
        let Some(reply) = self
            .store_reply(bot, &lead, &text, Sender::Bot, Some(inbound.id))
            .await?
        else {
            return Ok(Outcome::Duplicate);
        };
        self.deliver(bot, &lead, reply).await?;
        Ok(Outcome::Replied {
            reply: Some(text),
            fallback,
        })
    }

    /// Marks an inbound message handled without a reply.
    async fn settle(&self, inbound: &Message) -> Result<()> {
        self.inner
            .deps
            .store
            .settle_inbound(inbound.id, InboundHandling::Done)
            .await?;
        Ok(())
    }

    /// Step 5: the reply text (the model's, or the fallback message when it fails) and, run
    /// concurrently, the model's extraction merged into the lead. Returns the text and whether
    /// it is the fallback. `recent` holds the recent messages when step 3 already read them.
    async fn compose(
        &self,
        bot: &Bot,
        lead: &mut Lead,
        recent: Option<Vec<Message>>,
        answering: MessageId,
        region: Option<&str>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(String, bool)> {
        let deps = &self.inner.deps;
        let recent = match recent {
            Some(messages) => messages,
            None => {
                deps.store
                    .recent_messages(lead.id, self.inner.config.history_messages)
                    .await?
            }
        };
        let history = history_as_of(recent, answering);
        let (reply, extracted) = match deps.llm.client_for(bot) {
            Err(e) => (ReplyText::Fallback(e), None),
            Ok(llm) => {
                let want_extraction = bot.features.lead_capture
                    && self.inner.config.llm_extraction
                    && !lead
                        .fields
                        .missing(&bot.features.required_fields)
                        .is_empty();
                let reply_fut = self.ask_reply(bot, lead, &history, llm.as_ref());
                let extract_fut = async {
                    if want_extraction {
                        Some(
                            self.ask_extraction(bot, &history, llm.as_ref(), region)
                                .await,
                        )
                    } else {
                        None
                    }
                };
                tokio::join!(reply_fut, extract_fut)
            }
        };
        if let Some(Ok(fields)) = extracted {
            // The model's findings never overwrite what the customer typed explicitly.
            if !lead.fields.merge(fields, false).is_empty() {
                self.save_lead(bot, lead, now, false).await?;
            }
        } else if let Some(Err(e)) = extracted {
            tracing::debug!(bot = %bot.id, "llm extraction failed: {e}");
        }
        Ok(match reply {
            ReplyText::Model(text) => (text, false),
            ReplyText::Fallback(e) => {
                tracing::warn!(bot = %bot.id, lead = %lead.id, error = %e, "language model failed; sending the fallback message");
                (bot.fallback_message.as_str().to_string(), true)
            }
        })
    }

    async fn ask_reply(
        &self,
        bot: &Bot,
        lead: &Lead,
        history: &[Message],
        llm: &dyn LlmClient,
    ) -> ReplyText {
        let request = ChatRequest {
            messages: prompt::reply_messages(bot, lead, history, self.inner.config.history_chars),
            temperature: Some(bot.llm.temperature),
            max_tokens: Some(bot.llm.max_tokens),
            json_mode: false,
            purpose: ChatPurpose::Reply,
        };
        match self.call_llm(bot, llm, request).await {
            Ok(text) => {
                let text = text.trim();
                if text.is_empty() {
                    ReplyText::Fallback(LlmError::Malformed(
                        "the model returned an empty reply".into(),
                    ))
                } else {
                    ReplyText::Model(truncate_chars(text, 4_000))
                }
            }
            Err(e) => ReplyText::Fallback(e),
        }
    }

    async fn ask_extraction(
        &self,
        bot: &Bot,
        history: &[Message],
        llm: &dyn LlmClient,
        region: Option<&str>,
    ) -> std::result::Result<LeadFields, LlmError> {
        if !history.iter().any(|m| m.direction == Direction::Inbound) {
            return Ok(LeadFields::default());
        }
        // The whole conversation, so the model sees which question a bare answer replies to.
        let mut messages = vec![crate::ports::ChatMessage::system(
            extract::extraction_instructions(),
        )];
        messages.extend(prompt::history(history, self.inner.config.history_chars));
        let request = ChatRequest {
            messages,
            temperature: Some(0.0),
            max_tokens: Some(300),
            json_mode: true,
            purpose: ChatPurpose::Extraction,
        };
        let answer = self.call_llm(bot, llm, request).await?;
        extract::parse_extraction_json(&answer, region)
    }

    /// Calls the model under the bot's deadline, whatever the client does.
    async fn call_llm(
        &self,
        bot: &Bot,
        llm: &dyn LlmClient,
        request: ChatRequest,
    ) -> std::result::Result<String, LlmError> {
        let deadline = Duration::from_millis(bot.llm.timeout_ms);
        match tokio::time::timeout(deadline, llm.chat(request)).await {
            Ok(Ok(response)) => Ok(response.content),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(LlmError::Timeout(bot.llm.timeout_ms)),
        }
    }

    /// Shows typing for a human-like time (when pacing is on).
    async fn pace(&self, bot: &Bot, lead: &Lead, chars: usize) {
        if !self.inner.config.pacing {
            return;
        }
        let delay = typing_delay(&bot.pacing, chars, rand::rng().random::<f64>());
        if delay.is_zero() {
            return;
        }
        if let Some(transport) = self.inner.deps.transports.get(bot.id) {
            let _ = transport.set_typing(&lead.contact, true).await;
            tokio::time::sleep(delay).await;
        }
    }

    /// Stores an outbound message, sends it, records the outcome and publishes it.
    pub(crate) async fn send_reply(
        &self,
        bot: &Bot,
        lead: &Lead,
        text: &str,
        sender: Sender,
    ) -> Result<Message> {
        let message = self
            .store_reply(bot, lead, text, sender, None)
            .await?
            .ok_or_else(|| Error::Internal("an unprompted message cannot be a duplicate".into()))?;
        self.deliver(bot, lead, message).await
    }

    /// Stores an outbound message as `pending`. With `answers`, it is the reply to that inbound
    /// message and claims it: `None` when the message was answered already (by an earlier run
    /// or another replica), so nothing may be sent.
    pub(crate) async fn store_reply(
        &self,
        bot: &Bot,
        lead: &Lead,
        text: &str,
        sender: Sender,
        answers: Option<MessageId>,
    ) -> Result<Option<Message>> {
        let deps = &self.inner.deps;
        let message = Message {
            id: MessageId::new(),
            bot_id: bot.id,
            lead_id: lead.id,
            direction: Direction::Outbound,
            sender,
            body: text.to_string(),
            provider_message_id: None,
            delivery: DeliveryStatus::Pending,
            error: None,
            created_at: deps.clock.now(),
        };
        match answers {
            None => deps.store.insert_message(&message).await?,
            Some(inbound) => match deps.store.insert_reply(&message, inbound).await {
                Ok(()) => {}
                Err(Error::Conflict(reason)) => {
                    tracing::info!(bot = %bot.id, lead = %lead.id, "not replying: {reason}");
                    return Ok(None);
                }
                Err(e) => return Err(e),
            },
        }
        Ok(Some(message))
    }

    /// Sends a stored `pending` message, records the outcome and publishes it.
    pub(crate) async fn deliver(
        &self,
        bot: &Bot,
        lead: &Lead,
        mut message: Message,
    ) -> Result<Message> {
        let deps = &self.inner.deps;
        let text = message.body.as_str();
        let transport = deps.transports.get(bot.id);
        let mut attempt = 0;
        let result = loop {
            attempt += 1;
            let Some(transport) = &transport else {
                break Err(crate::TransportError::NotConnected(format!(
                    "bot {} is not running",
                    bot.id
                )));
            };
            match transport.send_text(&lead.contact, text).await {
                Err(e) if e.is_transient() && attempt < self.inner.config.send_attempts => {
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
                }
                other => break other,
            }
        };
        if let Some(transport) = &transport {
            let _ = transport.set_typing(&lead.contact, false).await;
        }
        match result {
            Ok(ref sent) => {
                message.provider_message_id = Some(sent.provider_message_id.clone());
                message.delivery = DeliveryStatus::Sent;
            }
            Err(ref e) => {
                tracing::warn!(bot = %bot.id, lead = %lead.id, error = %e, "sending failed");
                message.delivery = DeliveryStatus::Failed;
                message.error = Some(e.to_string());
            }
        }
        deps.store
            .mark_sent(
                message.id,
                message.provider_message_id.as_deref(),
                message.delivery,
                message.error.as_deref(),
            )
            .await?;
        deps.bus.publish(DomainEvent::Message {
            workspace_id: bot.workspace_id,
            message: message.clone(),
        });
        if let Some(pid) = &message.provider_message_id {
            self.flush_early_ack(bot, pid).await;
        }
        result.map_err(Error::Transport)?;
        Ok(message)
    }

    /// Persists the lead and announces the change.
    pub(crate) async fn save_lead(
        &self,
        bot: &Bot,
        lead: &mut Lead,
        now: chrono::DateTime<chrono::Utc>,
        quiet: bool,
    ) -> Result<()> {
        lead.updated_at = now;
        self.inner.deps.store.update_lead(lead).await?;
        if !quiet {
            self.inner.deps.bus.publish(DomainEvent::LeadUpdated {
                workspace_id: bot.workspace_id,
                lead: lead.clone(),
            });
        }
        Ok(())
    }

    /// Qualifies a capturing lead whose required fields are complete and assigns it.
    async fn qualify(
        &self,
        bot: &Bot,
        lead: &mut Lead,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        if !bot.features.lead_capture
            || lead.status != LeadStatus::Capturing
            || !lead
                .fields
                .missing(&bot.features.required_fields)
                .is_empty()
        {
            return Ok(());
        }
        let deps = &self.inner.deps;
        lead.status = LeadStatus::Qualified;
        lead.qualified_at = Some(now);
        let assignee = deps.store.next_lead_assignee(bot.workspace_id).await?;
        if let Some(agent) = assignee {
            lead.status = LeadStatus::Assigned;
            lead.assignee = Some(agent);
        }
        self.save_lead(bot, lead, now, false).await?;
        deps.bus.publish(DomainEvent::LeadQualified {
            workspace_id: bot.workspace_id,
            lead: lead.clone(),
        });
        if let Some(agent) = assignee {
            deps.bus.publish(DomainEvent::LeadAssigned {
                workspace_id: bot.workspace_id,
                lead: lead.clone(),
                assignee: agent,
            });
        }
        Ok(())
    }
}

/// The conversation as the customer saw it when writing `answering`: customer messages stored
/// after it (the next ones of a burst, or the backlog a crash left) are not shown yet, and it
/// comes after the bot's replies to the earlier ones. Without this, answering the first of two
/// queued messages would show the model both, and the second's prompt would end with the bot's
/// own reply.
fn history_as_of(mut history: Vec<Message>, answering: MessageId) -> Vec<Message> {
    let Some(at) = history.iter().position(|m| m.id == answering) else {
        return history;
    };
    let current = history.remove(at);
    let mut index = 0;
    history.retain(|m| {
        index += 1;
        index <= at || m.direction != Direction::Inbound
    });
    history.push(current);
    history
}

fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((idx, _)) => text[..idx].to_string(),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{BotId, LeadId};

    fn message(direction: Direction, body: &str) -> Message {
        Message {
            id: MessageId::new(),
            bot_id: BotId::new(),
            lead_id: LeadId::new(),
            direction,
            sender: match direction {
                Direction::Inbound => Sender::Contact,
                Direction::Outbound => Sender::Bot,
            },
            body: body.into(),
            provider_message_id: None,
            delivery: DeliveryStatus::Received,
            error: None,
            created_at: chrono::Utc::now(),
        }
    }

    fn bodies(history: &[Message]) -> Vec<&str> {
        history.iter().map(|m| m.body.as_str()).collect()
    }

    #[test]
    fn history_as_of_a_queued_message_hides_later_customer_messages_and_ends_with_it() {
        let first = message(Direction::Inbound, "hello");
        let second = message(Direction::Inbound, "roof in Madrid");
        let third = message(Direction::Inbound, "how much?");
        let reply = message(Direction::Outbound, "Hi! What do you need?");
        let stored = vec![first.clone(), second.clone(), third, reply];

        let for_first = history_as_of(stored[..2].to_vec(), first.id);
        let for_second = history_as_of(stored.clone(), second.id);
        let unknown = history_as_of(stored.clone(), MessageId::new());

        assert_eq!(bodies(&for_first), ["hello"]);
        assert_eq!(
            bodies(&for_second),
            ["hello", "Hi! What do you need?", "roof in Madrid"]
        );
        assert_eq!(bodies(&unknown), bodies(&stored));
    }
}
