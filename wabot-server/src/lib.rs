//! # wabot-server
//!
//! One assembly of the wabot crates: the REST API (poem-openapi, mounted under `/api` in an
//! axum host), the dashboard, the WebSocket event stream, Google login, API tokens, signed
//! webhooks, Prometheus metrics and the bot runtime (engine, supervisor, scheduler).

pub mod api;
pub mod auth;
pub mod error;
