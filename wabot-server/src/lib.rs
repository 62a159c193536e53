//! # wabot-server
//!
//! One assembly of the wabot crates: the REST API (poem-openapi, mounted under `/api` in an
//! axum host), the dashboard, the WebSocket event stream, Google login, API tokens, signed
//! webhooks, Prometheus metrics and the bot runtime (engine, supervisor, scheduler).
//!
//! [`app::Application::build`] turns [`config::Settings`] into a bound server;
//! [`app::Application::run_until_stopped`] serves until SIGINT/SIGTERM.

pub mod api;
pub mod app;
pub mod auth;
pub mod bot_secrets;
pub mod cloud_webhook;
pub mod config;
pub mod crypto;
pub mod dashboard;
pub mod demo;
pub mod error;
pub mod limits;
pub mod metrics;
pub mod network;
pub mod ops;
pub mod poem_bridge;
pub mod security_headers;
pub mod state;
pub mod telemetry;
pub mod webhooks;
pub mod wiring;
pub mod ws;

pub use app::Application;
pub use config::Settings;
pub use state::AppState;
