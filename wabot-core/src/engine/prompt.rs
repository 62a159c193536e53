//! The text sent to the language model: the bot's prompt, lead-capture instructions and the
//! recent conversation, bounded by a character budget.

use crate::{
    domain::{Bot, Direction, Lead, LeadField, Message},
    ports::ChatMessage,
};

/// The line that tells the model (and the offline model) which fields are still missing.
pub const MISSING_PREFIX: &str = "Still missing: ";

/// Builds the system instructions for a reply.
pub fn system_prompt(bot: &Bot, lead: &Lead) -> String {
    let mut text = String::with_capacity(bot.prompt.as_str().len() + 600);
    text.push_str(bot.prompt.as_str());
    text.push_str(
        "\n\n---\nYou are chatting with a customer on WhatsApp. Keep replies short (one to three \
         sentences), warm and natural, with no markdown. Reply in the language the customer \
         writes in. Never invent facts about the business; when unsure, say a colleague will \
         confirm.",
    );
    if bot.features.lead_capture {
        let fields = &lead.fields;
        let known: Vec<String> = LeadField::ALL
            .into_iter()
            .filter_map(|f| {
                let value = match f {
                    LeadField::Name => fields.name.as_ref().map(|v| v.to_string()),
                    LeadField::Email => fields.email.as_ref().map(|v| v.to_string()),
                    LeadField::Phone => fields.phone.as_ref().map(|v| v.to_string()),
                    LeadField::Location => fields.location.as_ref().map(|v| v.to_string()),
                };
                value.map(|v| format!("{f}: {v}"))
            })
            .collect();
        let missing = fields.missing(&bot.features.required_fields);
        text.push_str("\nCustomer details collected so far: ");
        text.push_str(if known.is_empty() {
            "none"
        } else {
            "see below"
        });
        for line in &known {
            text.push_str("\n- ");
            text.push_str(line);
        }
        text.push('\n');
        text.push_str(MISSING_PREFIX);
        if missing.is_empty() {
            text.push_str("nothing");
            text.push_str(
                "\nYou have every detail you need: do not ask for them again; tell the customer \
                 a colleague will follow up.",
            );
        } else {
            let names: Vec<&str> = missing.iter().map(|f| f.as_str()).collect();
            text.push_str(&names.join(", "));
            text.push_str(
                "\nWhile helping, ask naturally for ONE missing detail at a time, without \
                 pressure; if the customer declines, respect it and carry on.",
            );
        }
    }
    text
}

/// Turns stored messages into chat messages, keeping the newest ones whose total length fits
/// `char_budget` (the oldest are dropped first; the newest is always kept).
pub fn history(messages: &[Message], char_budget: usize) -> Vec<ChatMessage> {
    let mut kept = Vec::new();
    let mut used = 0usize;
    for message in messages.iter().rev() {
        let len = message.body.chars().count();
        if !kept.is_empty() && used + len > char_budget {
            break;
        }
        used += len;
        kept.push(match message.direction {
            Direction::Inbound => ChatMessage::user(message.body.clone()),
            Direction::Outbound => ChatMessage::assistant(message.body.clone()),
        });
    }
    kept.reverse();
    kept
}

/// The full reply request: system prompt then history.
pub fn reply_messages(
    bot: &Bot,
    lead: &Lead,
    messages: &[Message],
    char_budget: usize,
) -> Vec<ChatMessage> {
    let mut out = vec![ChatMessage::system(system_prompt(bot, lead))];
    out.extend(history(messages, char_budget));
    out
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::{
        domain::{BotName, ContactId, DeliveryStatus, Email, Prompt, Sender},
        ids::{BotId, LeadId, MessageId, WorkspaceId},
    };

    fn fixture() -> (Bot, Lead) {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 0).unwrap();
        let bot = Bot::new(
            WorkspaceId::new(),
            BotName::parse("Acme").unwrap(),
            Prompt::parse(
                "You are the assistant of Acme Solar, a solar panel installer in Valencia.",
            )
            .unwrap(),
            now,
        );
        let mut lead = Lead::new(
            bot.workspace_id,
            bot.id,
            ContactId::parse("34612345678@c.us").unwrap(),
            now,
        );
        lead.fields.email = Some(Email::parse("ana@example.com").unwrap());
        (bot, lead)
    }

    fn message(direction: Direction, body: &str) -> Message {
        Message {
            id: MessageId::new(),
            bot_id: BotId::new(),
            lead_id: LeadId::new(),
            direction,
            sender: if direction == Direction::Inbound {
                Sender::Contact
            } else {
                Sender::Bot
            },
            body: body.into(),
            provider_message_id: None,
            delivery: DeliveryStatus::Sent,
            error: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn the_reply_prompt_is_stable() {
        let (bot, lead) = fixture();
        insta::assert_snapshot!(system_prompt(&bot, &lead));
    }

    #[test]
    fn the_prompt_says_when_nothing_is_missing() {
        let (bot, mut lead) = fixture();
        lead.fields.name = Some(crate::domain::PersonName::parse("Ana").unwrap());
        lead.fields.phone = Some(crate::domain::Phone::parse("+34612345678", None).unwrap());
        let text = system_prompt(&bot, &lead);
        assert!(text.contains("Still missing: nothing"));
        assert!(text.contains("do not ask for them again"));
    }

    #[test]
    fn history_drops_the_oldest_messages_beyond_the_budget() {
        let messages = vec![
            message(Direction::Inbound, "first message, rather long ....."),
            message(Direction::Outbound, "second"),
            message(Direction::Inbound, "third"),
        ];
        let kept = history(&messages, 12);
        let bodies: Vec<&str> = kept.iter().map(|m| m.content.as_str()).collect();
        assert_eq!(bodies, vec!["second", "third"]);
        assert_eq!(kept[0].role, crate::ports::ChatRole::Assistant);
        // The newest message is kept even when it alone exceeds the budget.
        assert_eq!(history(&messages, 1).len(), 1);
    }
}
