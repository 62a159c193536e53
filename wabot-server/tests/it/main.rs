//! Integration tests of the server: a real server on a loopback port per test.

mod api_contract;
mod auth_sessions;
mod auth_support;
mod auth_tokens;
mod authz_matrix;
mod bots;
mod cloud_webhook;
mod crash;
mod csv_export;
mod events;
mod leads;
mod limits;
mod llm_test;
mod members;
mod metrics_access;
mod oauth_flow;
mod ops;
mod robustness;
mod security_headers;
mod session_end;
mod support;
mod tenant_targets;
mod webhooks_delivery;
mod ws;
mod ws_slow;
