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
    /// WhatsApp Web in headless Chromium (pair by QR).
    Web,
    /// The official WhatsApp Business Cloud API.
    Cloud,
}
