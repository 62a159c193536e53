//! In-memory adapters: real implementations of every port with no I/O. The demo, examples and
//! tests run on them.

mod access;
mod bus;
mod clock;
mod lease;
mod llm;
mod sandbox;
mod session_keys;
mod sessions;
mod store;

pub use bus::BroadcastBus;
pub use clock::ManualClock;
pub use llm::{Scripted, ScriptedLlm};
pub use sandbox::{SandboxHub, SandboxOutput, SandboxTransport};
pub use store::MemoryStore;
