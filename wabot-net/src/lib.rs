//! # wabot-net
//!
//! The public-address guard: everything a tenant can aim an outgoing HTTP client at (a
//! language model's base URL, a Graph API base URL, a webhook) must stay out of the server's
//! own network unless the operator allows it.
//!
//! - [`is_internal`] classifies an IP address (loopback, private, link-local, CGNAT, unique
//!   local, the IPv6 forms that embed an IPv4 address, documentation, benchmarking, reserved,
//!   multicast, broadcast…).
//! - [`NetworkPolicy`] is the operator's choice (public only, private allowed, or a list of
//!   allowed networks, and an optional proxy). It checks URLs before they are saved or sent
//!   ([`NetworkPolicy::check_url`]) — IP literals never reach a DNS resolver, so they must be
//!   checked there — and builds HTTP clients ([`NetworkPolicy::client_builder`]) whose DNS
//!   resolver ([`GuardedResolver`]) drops what the policy does not permit at send time, so a
//!   name that resolves differently later (DNS rebinding) is still refused.
//! - Clients built by the policy ignore `HTTP_PROXY`/`HTTPS_PROXY` from the environment
//!   unless the policy has a proxy: an environment variable must not route tenants' requests.
//! - [`testing::StaticResolver`] maps test host names to addresses, so tests exercise the
//!   resolver without DNS and without sending anything anywhere but loopback.
//!
//! This crate does I/O (DNS), so it is not part of `wabot-core`; the adapters that make
//! tenant-aimed requests (`wabot-ai`, `wabot-whatsapp`) and the server depend on it.

mod addr;
mod blocked;
mod policy;
mod resolver;
pub mod testing;

pub use addr::is_internal;
pub use blocked::Blocked;
pub use ipnet::IpNet;
pub use policy::NetworkPolicy;
pub use resolver::{GuardedResolver, SystemResolver};
