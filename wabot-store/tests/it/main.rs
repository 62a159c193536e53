//! Integration tests of wabot-store: the shared conformance suite against SQLite and
//! PostgreSQL, plus what is particular to each backend (opening, configuration errors).
//!
//! The PostgreSQL tests need `DATABASE_URL`; `./scripts/test` starts a throwaway server and
//! sets it.

mod open;
mod postgres;
mod sqlite;
mod sqlite_errors;
