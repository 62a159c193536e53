//! [`GuardedResolver`]: a reqwest DNS resolver that keeps only the addresses a
//! [`NetworkPolicy`] permits, and [`SystemResolver`], the operating system's lookup.

use std::net::SocketAddr;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::{Blocked, NetworkPolicy};

/// Resolves with the policy's resolver, then drops every address the policy does not permit;
/// fails with [`Blocked::NoPermittedAddress`] when none is left. Because it runs for every
/// connection, a name that pointed to a public address when a URL was saved and to an
/// internal one later (DNS rebinding) is refused at send time.
///
/// Install it with [`NetworkPolicy::client_builder`]. IP literals in URLs never reach a
/// resolver: check them with [`NetworkPolicy::check_url`].
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    policy: NetworkPolicy,
}

impl GuardedResolver {
    /// A resolver applying `policy`.
    pub fn new(policy: NetworkPolicy) -> Self {
        Self { policy }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        let lookup = self.policy.inner_resolver().resolve(name);
        let policy = self.policy.clone();
        Box::pin(async move {
            let permitted: Vec<SocketAddr> = lookup
                .await?
                .filter(|addr| policy.permits(addr.ip()))
                .collect();
            if permitted.is_empty() {
                return Err(Box::new(Blocked::NoPermittedAddress(host)) as _);
            }
            Ok(Box::new(permitted.into_iter()) as Addrs)
        })
    }
}

/// The operating system's resolver (`getaddrinfo` through tokio).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::{net::IpAddr, str::FromStr, sync::Arc};

    use super::*;
    use crate::testing::StaticResolver;

    async fn resolve(policy: NetworkPolicy, host: &str) -> Result<Vec<IpAddr>, String> {
        GuardedResolver::new(policy)
            .resolve(Name::from_str(host).unwrap())
            .await
            .map(|addrs| addrs.map(|a| a.ip()).collect())
            .map_err(|e| e.to_string())
    }

    fn names() -> Arc<StaticResolver> {
        Arc::new(
            StaticResolver::new()
                .with("rebound.test", ["10.0.0.1"])
                .with("metadata.test", ["169.254.169.254", "fd00::1"])
                .with("mixed.test", ["127.0.0.1", "93.184.216.34"])
                .with("nat64.test", ["64:ff9b::a00:1"]),
        )
    }

    #[tokio::test]
    async fn names_resolving_to_internal_addresses_are_refused() {
        let policy = NetworkPolicy::public_only().with_resolver(names());
        for host in ["rebound.test", "metadata.test", "nat64.test"] {
            let err = resolve(policy.clone(), host).await.unwrap_err();
            assert!(
                err.contains("resolves to no public address"),
                "{host}: {err}"
            );
        }
    }

    #[tokio::test]
    async fn only_the_public_addresses_of_a_mixed_answer_are_kept() {
        let policy = NetworkPolicy::public_only().with_resolver(names());

        let addrs = resolve(policy, "mixed.test").await.unwrap();

        assert_eq!(addrs, ["93.184.216.34".parse::<IpAddr>().unwrap()]);
    }

    #[tokio::test]
    async fn allowed_networks_and_the_private_allowance_apply_to_names() {
        let lan = NetworkPolicy::public_only()
            .with_resolver(names())
            .with_allowed_network("10.0.0.0/24".parse().unwrap());
        assert_eq!(resolve(lan.clone(), "rebound.test").await.unwrap().len(), 1);
        assert!(resolve(lan, "metadata.test").await.is_err());

        let all = NetworkPolicy::public_only()
            .with_resolver(names())
            .allowing_private(true);
        assert_eq!(resolve(all, "metadata.test").await.unwrap().len(), 2);
    }
}
