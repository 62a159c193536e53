//! Test helpers: a resolver that answers from a fixed table, so guard tests need no DNS and
//! can map a test name to any address without connecting to it.

use std::{collections::HashMap, net::IpAddr, net::SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// A resolver answering from a table (`name → addresses`); unknown names fail.
///
/// ```
/// use std::sync::Arc;
///
/// use wabot_net::{NetworkPolicy, testing::StaticResolver};
///
/// let names = StaticResolver::new().with("llm.test", ["127.0.0.1"]);
/// let policy = NetworkPolicy::public_only().with_resolver(Arc::new(names));
/// # let _ = policy;
/// ```
#[derive(Debug, Clone, Default)]
pub struct StaticResolver {
    table: HashMap<String, Vec<IpAddr>>,
}

impl StaticResolver {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Answers `addrs` for `name` (case-insensitive). Panics on an address that does not
    /// parse: this is test code.
    pub fn with<'a>(mut self, name: &str, addrs: impl IntoIterator<Item = &'a str>) -> Self {
        let addrs = addrs
            .into_iter()
            .map(|a| a.parse().expect("a valid IP address"))
            .collect();
        self.table.insert(name.to_ascii_lowercase(), addrs);
        self
    }
}

impl Resolve for StaticResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let found = self.table.get(&name.as_str().to_ascii_lowercase()).cloned();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs = found.ok_or_else(|| format!("{host} is not in the test resolver"))?;
            let addrs: Vec<SocketAddr> = addrs.into_iter().map(|ip| (ip, 0).into()).collect();
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}
