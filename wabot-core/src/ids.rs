//! Typed identifiers. Each is a UUID wrapped in its own type so a lead id can never be passed where
//! a bot id is expected.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new random (time-ordered, v7) identifier.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The underlying UUID.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(value: Uuid) -> Self {
                Self(value)
            }
        }
    };
}

id_type!(
    /// Identifies a workspace (tenant): a business with its bots, leads and team.
    WorkspaceId
);
id_type!(
    /// Identifies a user (admin, manager or sales agent).
    UserId
);
id_type!(
    /// Identifies a bot.
    BotId
);
id_type!(
    /// Identifies a lead: one contact talking to one bot.
    LeadId
);
id_type!(
    /// Identifies a stored message.
    MessageId
);
id_type!(
    /// Identifies a schedule (a planned enable/disable of a bot).
    ScheduleId
);
