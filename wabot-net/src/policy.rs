//! [`NetworkPolicy`]: the operator's rule for tenant-aimed requests, applied to URLs and to
//! the HTTP clients that send them.

use std::{fmt, net::IpAddr, sync::Arc, time::Duration};

use ipnet::IpNet;
use reqwest::{Proxy, Url, dns::Resolve, redirect};
use url::Host;

use crate::{Blocked, GuardedResolver, SystemResolver, is_internal};

/// Which addresses outgoing requests may reach, and through which proxy.
///
/// The default ([`NetworkPolicy::public_only`]) permits public addresses only. An operator
/// running a model on the LAN (Ollama, vLLM) either allows every private address
/// ([`allowing_private`](Self::allowing_private)) or only some networks
/// ([`with_allowed_network`](Self::with_allowed_network), e.g. `192.168.10.0/24`).
///
/// ```
/// use wabot_net::NetworkPolicy;
///
/// let policy = NetworkPolicy::public_only().with_allowed_network("10.0.5.0/24".parse().unwrap());
/// assert!(policy.check_str("http://10.0.5.7:11434/v1").is_ok());
/// assert!(policy.check_str("http://10.0.6.1/").is_err());
/// assert!(policy.check_str("http://169.254.169.254/latest/meta-data").is_err());
/// ```
#[derive(Clone)]
pub struct NetworkPolicy {
    allow_private: bool,
    allowed: Vec<IpNet>,
    proxy: Option<Url>,
    resolver: Arc<dyn Resolve>,
}

impl fmt::Debug for NetworkPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NetworkPolicy")
            .field("allow_private", &self.allow_private)
            .field("allowed", &self.allowed)
            .field(
                "proxy",
                &self.proxy.as_ref().map(|p| p.host_str().unwrap_or("")),
            )
            .finish_non_exhaustive()
    }
}

impl Default for NetworkPolicy {
    fn default() -> Self {
        Self::public_only()
    }
}

impl NetworkPolicy {
    /// Public addresses only, the system's DNS resolver, no proxy.
    pub fn public_only() -> Self {
        Self {
            allow_private: false,
            allowed: Vec::new(),
            proxy: None,
            resolver: Arc::new(SystemResolver),
        }
    }

    /// Permits every address when `allow` (self-hosted models on the LAN, tests on loopback).
    pub fn allowing_private(mut self, allow: bool) -> Self {
        self.allow_private = allow;
        self
    }

    /// Also permits the addresses of `network`, internal or not.
    pub fn with_allowed_network(mut self, network: IpNet) -> Self {
        self.allowed.push(network);
        self
    }

    /// Sends through `proxy` (the proxy then resolves names, so only the URL checks apply).
    /// Without one, clients use no proxy at all, whatever `HTTP_PROXY` says.
    pub fn with_proxy(mut self, proxy: Url) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// Resolves names with `resolver` before filtering them (tests: a
    /// [`StaticResolver`](crate::testing::StaticResolver)).
    pub fn with_resolver(mut self, resolver: Arc<dyn Resolve>) -> Self {
        self.resolver = resolver;
        self
    }

    /// Whether every address is permitted.
    pub fn allows_private(&self) -> bool {
        self.allow_private
    }

    /// Whether a request may go to `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        self.allow_private || !is_internal(ip) || self.allowed.iter().any(|n| n.contains(&ip))
    }

    /// Checks a URL before it is saved or sent: http(s), a host, and a host the policy
    /// permits — an IP literal by its address, a name unless it is local (`localhost`,
    /// `*.localhost`, `*.local`, `*.internal`, `*.home.arpa`, or without a dot). Names that
    /// pass are checked again by the resolver when the request is sent.
    pub fn check_url(&self, url: &Url) -> Result<(), Blocked> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Blocked::Scheme(url.scheme().to_string()));
        }
        match url.host() {
            None => Err(Blocked::NoHost),
            Some(Host::Ipv4(ip)) => self.check_ip(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => self.check_ip(IpAddr::V6(ip)),
            Some(Host::Domain(name)) => {
                if self.allow_private || !self.allowed.is_empty() || !is_local_name(name) {
                    Ok(())
                } else {
                    Err(Blocked::LocalName(name.to_string()))
                }
            }
        }
    }

    /// Parses `raw` (trimmed) and [checks](Self::check_url) it.
    pub fn check_str(&self, raw: &str) -> Result<Url, Blocked> {
        let url = Url::parse(raw.trim()).map_err(|_| Blocked::NotAUrl)?;
        self.check_url(&url)?;
        Ok(url)
    }

    fn check_ip(&self, ip: IpAddr) -> Result<(), Blocked> {
        if self.permits(ip) {
            Ok(())
        } else {
            Err(Blocked::InternalAddress(ip))
        }
    }

    /// A reqwest client builder that applies the policy when sending: the guarded DNS
    /// resolver, no redirects (a redirect would skip [`check_url`](Self::check_url)), and
    /// the policy's proxy or none (never the environment's). Callers still check each URL
    /// before sending, because IP literals are not resolved.
    pub fn client_builder(&self) -> reqwest::ClientBuilder {
        let builder = reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver::new(self.clone())))
            .redirect(redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10));
        match &self.proxy {
            Some(proxy) => match Proxy::all(proxy.clone()) {
                Ok(proxy) => builder.proxy(proxy),
                Err(_) => builder.no_proxy(),
            },
            None => builder.no_proxy(),
        }
    }

    /// The resolver names are looked up with before filtering.
    pub(crate) fn inner_resolver(&self) -> &Arc<dyn Resolve> {
        &self.resolver
    }
}

/// Names that only exist inside a network.
fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    !name.contains('.')
        || [
            "localhost",
            "local",
            "internal",
            "home.arpa",
            "lan",
            "intranet",
        ]
        .iter()
        .any(|suffix| name == *suffix || name.ends_with(&format!(".{suffix}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_urls_pass_and_internal_literals_and_local_names_do_not() {
        let policy = NetworkPolicy::public_only();
        for ok in [
            "https://api.deepseek.com",
            "https://graph.facebook.com/v23.0",
            "http://93.184.216.34:8080/v1",
            "https://[2606:4700::1111]/",
        ] {
            assert!(policy.check_str(ok).is_ok(), "{ok}");
        }
        for (bad, expected) in [
            ("http://127.0.0.1:11434/v1", "127.0.0.1"),
            ("http://10.0.0.1/", "10.0.0.1"),
            ("http://[::ffff:169.254.169.254]/", "169.254.169.254"),
            ("http://[64:ff9b::a00:1]/", "64:ff9b::a00:1"),
            ("http://0x7f000001/", "127.0.0.1"),
            ("http://localhost:8000/v1", "localhost"),
            ("http://metadata.google.internal/", "internal"),
            ("http://ollama/v1", "ollama"),
            ("ftp://example.com/", "ftp"),
            ("file:///etc/passwd", "file"),
        ] {
            let err = policy.check_str(bad).unwrap_err().to_string();
            assert!(err.contains(expected), "{bad}: {err}");
        }
    }

    #[test]
    fn the_operator_can_allow_private_addresses_or_some_networks() {
        let all = NetworkPolicy::public_only().allowing_private(true);
        assert!(all.check_str("http://127.0.0.1:11434/v1").is_ok());
        assert!(all.check_str("http://localhost:11434/v1").is_ok());

        let lan =
            NetworkPolicy::public_only().with_allowed_network("192.168.10.0/24".parse().unwrap());
        assert!(lan.check_str("http://192.168.10.20:8000/v1").is_ok());
        assert!(
            lan.check_str("http://[::ffff:192.168.10.20]:8000/v1")
                .is_ok()
        );
        assert!(lan.check_str("http://192.168.11.20:8000/v1").is_err());
        assert!(lan.check_str("http://127.0.0.1/").is_err());
        // Names are left to the resolver, which applies the same networks.
        assert!(lan.check_str("http://vllm.lan:8000/v1").is_ok());
    }
}
