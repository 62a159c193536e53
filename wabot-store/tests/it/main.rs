//! Integration tests of wabot-store: the shared conformance suite against SQLite and
//! PostgreSQL, plus what is particular to each backend (opening, configuration errors).
//!
//! The PostgreSQL tests need `DATABASE_URL`; `./scripts/test` starts a throwaway server and
//! sets it; the Redis tests need `REDIS_URL`, likewise.

mod open;
mod postgres;
mod redis_bus;
mod sqlite;
mod sqlite_errors;
