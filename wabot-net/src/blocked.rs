//! [`Blocked`]: why the guard refused a URL or a resolved host.

use std::{error::Error as StdError, net::IpAddr};

/// Why a request was not allowed to go out. Never transient: the same URL is refused again
/// until it or the operator's policy changes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Blocked {
    /// The text is not an absolute URL.
    #[error("is not an absolute http(s) URL like https://api.example.com")]
    NotAUrl,
    /// The scheme is not `http` or `https`.
    #[error("must be an http(s) URL, not `{0}:`")]
    Scheme(String),
    /// The URL has no host.
    #[error("must have a host name")]
    NoHost,
    /// The URL's host is an IP address the policy does not permit.
    #[error(
        "points to {0}, a loopback, private or otherwise internal address: use a public \
         address (private networks need the server operator's permission)"
    )]
    InternalAddress(IpAddr),
    /// The URL's host is a name that only exists inside a network (`localhost`, `*.local`…).
    #[error(
        "points to `{0}`, a local host name: use a public address (private networks need \
         the server operator's permission)"
    )]
    LocalName(String),
    /// The host name resolves to no address the policy permits (at send time).
    #[error(
        "`{0}` resolves to no public address: use a public address (private networks need \
         the server operator's permission)"
    )]
    NoPermittedAddress(String),
}

impl Blocked {
    /// The [`Blocked`] somewhere in `error`'s source chain, e.g. inside a `reqwest::Error`
    /// whose DNS resolution the [`GuardedResolver`](crate::GuardedResolver) refused.
    pub fn find<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a Blocked> {
        let mut next = Some(error);
        while let Some(e) = next {
            if let Some(blocked) = e.downcast_ref::<Blocked>() {
                return Some(blocked);
            }
            next = e.source();
        }
        None
    }
}
