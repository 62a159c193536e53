//! Scenario tests of the engine, supervisor and scheduler working together, on the in-memory
//! adapters and on SQLite.

mod cluster;
mod conversation;
mod harness;
mod hours;
mod leads;
mod recovery;
mod restart;
mod scheduler;
mod supervisor;
