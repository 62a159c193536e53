//! Ports: the traits adapters implement. The engine, supervisor and scheduler depend only on
//! these.

mod access;
mod clock;
mod events;
mod lease;
mod llm;
mod session_keys;
mod sessions;
mod store;
mod transport;

pub use access::{AccessStore, BotActivity, ReportStore, ServerStore, WebhookStore};
pub use clock::{Clock, SystemClock};
pub use events::{DomainEvent, EventBus};
pub use lease::{Lease, LeaseStore, Replica};
pub use llm::{
    ChatMessage, ChatPurpose, ChatRequest, ChatResponse, ChatRole, LlmClient, LlmFactory,
    SharedLlm, TokenUsage,
};
pub use session_keys::{SessionKeyStore, SessionKeyWrite};
pub use sessions::SessionRevocationStore;
pub use store::{
    BotStore, InboundOutcome, LeadQuery, LeadStore, MAX_LEAD_PAGE, MessageStore, NewInbound,
    ScheduleStore, Store, WorkspaceStore,
};
pub use transport::{
    DisconnectReason, EventSink, InboundKind, InboundMessage, MessagingTransport, SentMessage,
    StoredReceipt, TransportEvent, TransportFactory,
};
