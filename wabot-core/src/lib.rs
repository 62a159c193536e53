//! # wabot-core
//!
//! The heart of wabot: domain types, the ports adapters implement, the conversation
//! [`engine`], the bot [`supervisor`], the [`scheduler`], the replicas' [`cluster`] coordinator, and in-memory adapters ([`memory`])
//! that make the whole thing run with no I/O at all.
//!
//! This crate does no I/O of its own: storage, WhatsApp and language models are reached only
//! through the traits in [`ports`].

pub mod cluster;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod domain;
pub mod engine;
pub mod error;
pub mod extract;
pub mod ids;
pub mod memory;
pub mod ports;
pub mod scheduler;
pub mod supervisor;

pub use error::{Error, LlmError, Result, TransportError, ValidationError};
