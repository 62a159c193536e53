//! Enumerations of the API, mirroring the domain's, with their conversions.

use poem_openapi::Enum;
use wabot_core::domain;

macro_rules! mirror_enum {
    ($(#[$doc:meta])* $name:ident => $domain:path { $($(#[$vdoc:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
        #[oai(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl From<$domain> for $name {
            fn from(value: $domain) -> Self {
                use $domain as D;
                match value {
                    $(D::$variant => Self::$variant),+
                }
            }
        }

        impl From<$name> for $domain {
            fn from(value: $name) -> Self {
                use $domain as D;
                match value {
                    $($name::$variant => D::$variant),+
                }
            }
        }
    };
}

mirror_enum!(
    /// What a bot is doing right now.
    BotStatus => domain::BotStatus {
        /// Not running.
        Stopped,
        /// Launching.
        Starting,
        /// Waiting for a QR scan.
        Qr,
        /// Paired, syncing.
        Authenticated,
        /// Connected and answering.
        Ready,
        /// Connection lost; retrying.
        Disconnected,
        /// Failed; waiting to retry.
        Failed,
    }
);

mirror_enum!(
    /// Where a lead stands in the pipeline.
    LeadStatus => domain::LeadStatus {
        /// The bot is collecting the lead's details.
        Capturing,
        /// Every required field is present.
        Qualified,
        /// Handed to a sales agent.
        Assigned,
        /// Became a customer.
        Won,
        /// Not interested.
        Lost,
    }
);

mirror_enum!(
    /// A lead detail the bot collects.
    LeadField => domain::LeadField {
        /// The person's name.
        Name,
        /// E-mail address.
        Email,
        /// City or address.
        Location,
        /// Phone number.
        Phone,
    }
);

mirror_enum!(
    /// The kind of language model behind a bot.
    LlmProvider => domain::LlmProvider {
        /// Built-in offline dialogue (no key, no network).
        Offline,
        /// Any OpenAI-compatible chat-completions API (DeepSeek by default).
        OpenaiCompatible,
    }
);

mirror_enum!(
    /// What a schedule does to its bot.
    ScheduleAction => domain::ScheduleAction {
        /// Switch the bot on.
        Enable,
        /// Switch the bot off.
        Disable,
    }
);

mirror_enum!(
    /// Whether a schedule will fire again.
    ScheduleStatus => domain::ScheduleStatus {
        /// Will fire at `next_run_at`.
        Active,
        /// A one-off that fired.
        Completed,
        /// Cancelled.
        Cancelled,
    }
);

mirror_enum!(
    /// Which way a message went.
    Direction => domain::Direction {
        /// From the customer.
        Inbound,
        /// To the customer.
        Outbound,
    }
);

mirror_enum!(
    /// Delivery progress of a message.
    DeliveryStatus => domain::DeliveryStatus {
        /// Sending failed.
        Failed,
        /// Not sent yet.
        Pending,
        /// Accepted by WhatsApp.
        Sent,
        /// Delivered to the phone.
        Delivered,
        /// Read.
        Read,
        /// Received from the customer.
        Received,
    }
);

/// A role in a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum MemberRole {
    /// Sales agent: sees and works leads.
    Agent,
    /// Manages bots, schedules, leads, tokens and webhooks.
    Manager,
    /// Everything, including members.
    Owner,
}

impl From<domain::Role> for MemberRole {
    fn from(r: domain::Role) -> Self {
        match r {
            domain::Role::Agent => Self::Agent,
            domain::Role::Manager => Self::Manager,
            domain::Role::Owner => Self::Owner,
        }
    }
}

impl From<MemberRole> for domain::Role {
    fn from(r: MemberRole) -> Self {
        match r {
            MemberRole::Agent => Self::Agent,
            MemberRole::Manager => Self::Manager,
            MemberRole::Owner => Self::Owner,
        }
    }
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum Weekday {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl From<chrono::Weekday> for Weekday {
    fn from(value: chrono::Weekday) -> Self {
        use chrono::Weekday as W;
        match value {
            W::Mon => Self::Mon,
            W::Tue => Self::Tue,
            W::Wed => Self::Wed,
            W::Thu => Self::Thu,
            W::Fri => Self::Fri,
            W::Sat => Self::Sat,
            W::Sun => Self::Sun,
        }
    }
}

impl From<Weekday> for chrono::Weekday {
    fn from(value: Weekday) -> Self {
        use chrono::Weekday as W;
        match value {
            Weekday::Mon => W::Mon,
            Weekday::Tue => W::Tue,
            Weekday::Wed => W::Wed,
            Weekday::Thu => W::Thu,
            Weekday::Fri => W::Fri,
            Weekday::Sat => W::Sat,
            Weekday::Sun => W::Sun,
        }
    }
}

/// How a bot connects to WhatsApp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum TransportKind {
    /// In-memory sandbox (the chat simulator).
    Sandbox,
    /// The WhatsApp protocol spoken natively, no browser (pair by QR or code). Recommended.
    Native,
    /// WhatsApp Web in headless Chromium (pair by QR or code): the fallback engine.
    Web,
    /// The official WhatsApp Business Cloud API.
    Cloud,
}

mirror_enum!(
    /// Where a webhook delivery stands.
    WebhookDeliveryState => domain::DeliveryState {
        /// Waiting for its (next) attempt.
        Pending,
        /// The receiver answered 2xx.
        Delivered,
        /// Gave up after the last retry.
        Failed,
    }
);

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum MessageSender {
    /// The customer.
    Contact,
    /// The bot (its model, fallback or away message).
    Bot,
    /// A sales agent (see `agent_id`).
    Agent,
}

/// An event a webhook can subscribe to (the `X-Wabot-Event` header of a delivery).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum WebhookEvent {
    /// A lead has every required field.
    #[oai(rename = "lead.qualified")]
    LeadQualified,
    /// A lead was handed to a sales agent.
    #[oai(rename = "lead.assigned")]
    LeadAssigned,
    /// A customer wrote to a bot.
    #[oai(rename = "message.received")]
    MessageReceived,
    /// A bot's status changed.
    #[oai(rename = "bot.status")]
    BotStatus,
}

impl WebhookEvent {
    /// Every event, in the order of [`crate::webhooks::WEBHOOK_EVENTS`].
    pub const ALL: [Self; 4] = [
        Self::LeadQualified,
        Self::LeadAssigned,
        Self::MessageReceived,
        Self::BotStatus,
    ];

    /// The wire name, e.g. `lead.qualified`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LeadQualified => "lead.qualified",
            Self::LeadAssigned => "lead.assigned",
            Self::MessageReceived => "message.received",
            Self::BotStatus => "bot.status",
        }
    }

    /// The event of a wire name; `None` when unknown.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

/// A webhook event name in a request: documented as [`WebhookEvent`] but parsed as any
/// string, so that an unknown name is answered by the handler with a 422 naming the field
/// (poem-openapi's enum parsing would answer a bare 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEventName(pub String);

impl poem_openapi::types::Type for WebhookEventName {
    const IS_REQUIRED: bool = true;

    type RawValueType = Self;

    type RawElementValueType = Self;

    fn name() -> std::borrow::Cow<'static, str> {
        <WebhookEvent as poem_openapi::types::Type>::name()
    }

    fn schema_ref() -> poem_openapi::registry::MetaSchemaRef {
        <WebhookEvent as poem_openapi::types::Type>::schema_ref()
    }

    fn register(registry: &mut poem_openapi::registry::Registry) {
        <WebhookEvent as poem_openapi::types::Type>::register(registry);
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl poem_openapi::types::ParseFromJSON for WebhookEventName {
    fn parse_from_json(value: Option<serde_json::Value>) -> poem_openapi::types::ParseResult<Self> {
        match value {
            Some(serde_json::Value::String(s)) => Ok(Self(s)),
            other => Err(poem_openapi::types::ParseError::expected_type(
                other.unwrap_or_default(),
            )),
        }
    }
}

impl poem_openapi::types::ToJSON for WebhookEventName {
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(serde_json::Value::String(self.0.clone()))
    }
}

/// A float the domain keeps as `f32`, widened for the wire to the shortest decimal that
/// reads back as the same `f32`: `0.7` stays `0.7` (a plain cast gives `0.699999988079071`).
pub fn wire_f32(value: f32) -> f64 {
    value.to_string().parse().unwrap_or(f64::from(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_go_out_as_the_user_wrote_them() {
        assert_eq!(wire_f32(0.7), 0.7);
        assert_eq!(wire_f32(0.3), 0.3);
        assert_eq!(wire_f32(1.0), 1.0);
        assert_eq!(wire_f32(0.123_456_7), 0.123_456_7);
    }

    #[test]
    fn webhook_events_match_the_worker_names() {
        let names: Vec<_> = WebhookEvent::ALL.iter().map(|e| e.as_str()).collect();
        assert_eq!(names, crate::webhooks::WEBHOOK_EVENTS);
        assert_eq!(
            WebhookEvent::parse("lead.assigned"),
            Some(WebhookEvent::LeadAssigned)
        );
        assert_eq!(WebhookEvent::parse("lead.exploded"), None);
    }
}
