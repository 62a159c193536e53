//! Domain types: bots, leads, messages, schedules, workspaces. Every value from outside is parsed
//! into these types at the boundary; past it, they are valid by construction.

mod access;
mod bot;
mod hours;
mod lead;
mod message;
mod schedule;
pub(crate) mod text;
mod workspace;

pub use access::{ApiToken, DeliveryState, Label, Webhook, WebhookDelivery};
pub use bot::{
    Bot, BotName, BotStatus, CannedMessage, Features, LlmProvider, LlmSettings, Pacing, Prompt,
    TransportConfig,
};
pub use hours::{WorkingHours, parse_time_zone};
pub use lead::{
    ContactId, Email, Handler, Lead, LeadField, LeadFields, LeadStatus, Location, PersonName, Phone,
};
pub use message::{DeliveryStatus, Direction, InboundHandling, MAX_BODY_CHARS, Message, Sender};
pub use schedule::{CronExpr, Schedule, ScheduleAction, ScheduleRun, ScheduleStatus, Trigger};
pub use workspace::{Member, Role, User, Workspace, WorkspaceName};
