//! # wabot
//!
//! Run many AI-powered WhatsApp bots that capture leads, from one dashboard.
//!
//! This facade re-exports the workspace crates; enable one feature per adapter:
//!
//! | feature | crate | what |
//! |---|---|---|
//! | (always) | [`core`] | domain, ports, engine, supervisor, scheduler, in-memory adapters |
//! | `store` (default) | `store` | SQLite and PostgreSQL persistence |
//! | `ai` | `ai` | DeepSeek / OpenAI-compatible client and the offline model |
//! | `whatsapp` | `whatsapp` | WhatsApp Web and Cloud API transports |

#[cfg(feature = "ai")]
pub use wabot_ai as ai;
pub use wabot_core as core;
#[cfg(feature = "store")]
pub use wabot_store as store;
#[cfg(feature = "whatsapp")]
pub use wabot_whatsapp as whatsapp;
