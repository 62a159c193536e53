//! Integration tests of the server: a real server on a loopback port per test.

mod bots;
mod leads;
mod ops;
mod support;
mod ws;
mod auth_sessions;
mod auth_support;
mod auth_tokens;
mod oauth_flow;
mod webhooks_delivery;
mod authz_matrix;
