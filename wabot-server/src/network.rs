//! `[network]`: the operator's rule for every outgoing request a tenant can aim — a bot's
//! language-model base URL, its Graph API base URL, webhooks.
//!
//! ```toml
//! [network]
//! # Self-hosted models on the LAN: allow some private networks…
//! allowed_networks = ["192.168.10.0/24", "fd12:3456::/48"]
//! # …or every private address (single-tenant installations only).
//! allow_private_addresses = false
//! # Send through this proxy; without it, HTTP(S)_PROXY in the environment is ignored.
//! proxy = "http://proxy.internal:3128"
//! ```
//!
//! By default only public addresses are reached: URLs are checked when saved (422 naming the
//! field) and again when a request is sent (IP literals by the URL check, names by the
//! guarded DNS resolver of [`wabot_net`]).

use std::{fmt, sync::Arc};

use serde::{Deserialize, Serialize};
use wabot_net::{IpNet, NetworkPolicy};

use crate::{config::ConfigError, error::ApiError};

/// Outgoing-request settings (`[network]`, `WABOT_NETWORK__*`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkSettings {
    /// Let tenants' requests reach every private, loopback or link-local address (a model on
    /// the LAN, local development). Off by default; prefer `allowed_networks`.
    pub allow_private_addresses: bool,
    /// Networks (CIDR, e.g. `192.168.10.0/24`) tenants' requests may reach even though they
    /// are private.
    pub allowed_networks: Vec<String>,
    /// An HTTP proxy for tenants' requests (`http://host:port`). Names are then resolved by
    /// the proxy, so only the URL checks apply. Without it no proxy is used, whatever the
    /// environment says.
    pub proxy: Option<String>,
    /// A resolver replacing the system's before the guard filters (tests only).
    #[serde(skip)]
    pub resolver: Option<ResolverOverride>,
}

/// A DNS resolver injected by tests ([`NetworkSettings::resolver`]).
#[derive(Clone)]
pub struct ResolverOverride(pub Arc<dyn reqwest::dns::Resolve>);

impl fmt::Debug for ResolverOverride {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResolverOverride(..)")
    }
}

impl NetworkSettings {
    /// Checks the networks and the proxy; errors name the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for net in &self.allowed_networks {
            net.trim().parse::<IpNet>().map_err(|_| {
                ConfigError(format!(
                    "`network.allowed_networks` entry `{net}` is not a network like \
                     192.168.10.0/24 or fd12:3456::/48"
                ))
            })?;
        }
        if let Some(proxy) = &self.proxy {
            let ok = url::Url::parse(proxy.trim())
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
            if !ok {
                return Err(ConfigError(
                    "`network.proxy` must be a URL like http://proxy.example.com:3128".into(),
                ));
            }
        }
        Ok(())
    }

    /// The policy these settings describe; `demo` (local demo mode) allows private addresses.
    pub fn policy(&self, demo: bool) -> NetworkPolicy {
        let mut policy =
            NetworkPolicy::public_only().allowing_private(self.allow_private_addresses || demo);
        for net in &self.allowed_networks {
            if let Ok(net) = net.trim().parse::<IpNet>() {
                policy = policy.with_allowed_network(net);
            }
        }
        if let Some(proxy) = self
            .proxy
            .as_deref()
            .and_then(|p| url::Url::parse(p.trim()).ok())
        {
            policy = policy.with_proxy(proxy);
        }
        if let Some(ResolverOverride(resolver)) = &self.resolver {
            policy = policy.with_resolver(resolver.clone());
        }
        policy
    }
}

/// The network policy of a running server.
pub fn policy(settings: &crate::Settings) -> NetworkPolicy {
    settings.network.policy(settings.demo_enabled())
}

/// Checks a tenant-supplied URL before it is saved or used: 422 naming `field` when it is not
/// http(s) or points where the policy does not permit. Returns the URL as given, trimmed.
pub fn check_tenant_url(
    policy: &NetworkPolicy,
    field: &str,
    raw: &str,
) -> Result<String, ApiError> {
    let raw = raw.trim();
    if raw.len() > 2000 {
        return Err(ApiError::invalid(field, "must be at most 2000 characters"));
    }
    policy
        .check_str(raw)
        .map(|_| raw.to_string())
        .map_err(|blocked| ApiError::invalid(field, blocked.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_networks_and_proxies_are_refused_naming_the_key() {
        let bad_net = NetworkSettings {
            allowed_networks: vec!["192.168.10.0/33".into()],
            ..Default::default()
        };
        assert!(
            bad_net
                .validate()
                .unwrap_err()
                .to_string()
                .contains("network.allowed_networks")
        );
        let bad_proxy = NetworkSettings {
            proxy: Some("proxy:3128".into()),
            ..Default::default()
        };
        assert!(
            bad_proxy
                .validate()
                .unwrap_err()
                .to_string()
                .contains("network.proxy")
        );
    }

    #[test]
    fn the_default_policy_is_public_only_and_allowed_networks_apply() {
        assert!(
            NetworkSettings::default()
                .policy(false)
                .check_str("http://10.0.0.1/")
                .is_err()
        );
        let lan = NetworkSettings {
            allowed_networks: vec!["10.0.0.0/8".into()],
            ..Default::default()
        };
        assert!(lan.policy(false).check_str("http://10.0.0.1/").is_ok());
    }
}
