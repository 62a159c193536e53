//! Whether a request comes from this machine, and which `Host`/`Origin` values the server
//! answers to.
//!
//! Two attacks shape these rules:
//!
//! - **A reverse proxy on the same host** makes every visitor a loopback TCP peer. A request
//!   that carries any forwarding header (`Forwarded`, `X-Forwarded-For`, `X-Real-IP`,
//!   `X-Client-IP`, `True-Client-IP`, `CF-Connecting-IP`, …) therefore never counts as local.
//! - **DNS rebinding**: a web page at `evil.example` re-points its name to `127.0.0.1` and talks
//!   to a local server as a same-origin page. The browser still sends `Host: evil.example`, so
//!   the server only answers session requests whose `Host` is a loopback name or the configured
//!   public URL's host, and only accepts cookie-authenticated changes whose `Origin` is one of
//!   those (never "whatever the `Host` says").

use std::net::{IpAddr, SocketAddr};

use http::{HeaderMap, header};

/// Headers a proxy adds to say who the real client is. Any of them makes a request non-local.
pub(crate) const FORWARDING_HEADERS: &[&str] = &[
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-forwarded-server",
    "x-forwarded-port",
    "x-real-ip",
    "x-client-ip",
    "x-cluster-client-ip",
    "x-original-forwarded-for",
    "true-client-ip",
    "cf-connecting-ip",
    "fastly-client-ip",
    "x-appengine-user-ip",
    "via",
];

/// Whether `ip` is a loopback address, IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`, what an
/// IPv4 client looks like on a `[::]` listener) unwrapped first.
pub(crate) fn is_loopback_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.is_loopback(),
            None => v6.is_loopback(),
        },
    }
}

/// Whether the request carries a header a proxy adds (see [`FORWARDING_HEADERS`]).
pub(crate) fn is_forwarded(headers: &HeaderMap) -> bool {
    FORWARDING_HEADERS.iter().any(|h| headers.contains_key(*h))
}

/// An authority (`host[:port]`, `[v6][:port]`) split into its lower-cased host (IPv6 without
/// brackets, no trailing dot) and its port. `None` when it is not shaped like one.
pub(crate) fn split_authority(authority: &str) -> Option<(String, Option<u16>)> {
    let authority = authority.trim();
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (host, port)
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(p) => Some(p.parse::<u16>().ok()?),
        None => None,
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() || host.contains(['/', '@', ' ', '\\']) {
        return None;
    }
    Some((host, port))
}

/// Whether `host` (as [`split_authority`] returns it) names this machine: `localhost`, an
/// IPv4 loopback address or `::1` (mapped forms included).
pub(crate) fn is_loopback_host(host: &str) -> bool {
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(is_loopback_ip)
}

/// Why a request is not from this machine, or `Ok` when it is: the TCP peer is a loopback
/// address, the `Host` names loopback and no proxy forwarded it.
pub(crate) fn check_local(peer: Option<SocketAddr>, headers: &HeaderMap) -> Result<(), String> {
    if !peer.is_some_and(|p| is_loopback_ip(p.ip())) {
        return Err("the connection does not come from this machine (loopback)".into());
    }
    if is_forwarded(headers) {
        return Err("the request was forwarded by a proxy (it carries a forwarding header)".into());
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match host.and_then(split_authority) {
        Some((host, _)) if is_loopback_host(&host) => Ok(()),
        _ => Err(
            "the Host header does not name this machine; open the dashboard at \
             http://127.0.0.1:<port> or http://localhost:<port>"
                .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    fn peer(s: &str) -> Option<SocketAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn ipv4_mapped_loopback_counts_as_loopback() {
        assert!(is_loopback_ip("::ffff:127.0.0.1".parse().unwrap()));
        assert!(is_loopback_ip("127.8.9.10".parse().unwrap()));
        assert!(is_loopback_ip("::1".parse().unwrap()));
        assert!(!is_loopback_ip("::ffff:192.168.1.2".parse().unwrap()));
        assert!(!is_loopback_ip("0.0.0.0".parse().unwrap()));
    }

    #[test]
    fn a_local_request_needs_a_loopback_peer_and_a_loopback_host() {
        let local = headers(&[("host", "127.0.0.1:8080")]);
        assert!(check_local(peer("127.0.0.1:5000"), &local).is_ok());
        assert!(check_local(peer("[::ffff:127.0.0.1]:5000"), &local).is_ok());
        assert!(check_local(peer("[::1]:5000"), &headers(&[("host", "[::1]:8080")])).is_ok());
        assert!(check_local(peer("[::1]:5000"), &headers(&[("host", "localhost")])).is_ok());
        assert!(check_local(peer("192.168.1.2:5000"), &local).is_err());
        assert!(check_local(None, &local).is_err());
        let rebound = headers(&[("host", "evil.example:8080")]);
        assert!(check_local(peer("127.0.0.1:5000"), &rebound).is_err());
        assert!(check_local(peer("127.0.0.1:5000"), &HeaderMap::new()).is_err());
    }

    #[test]
    fn any_forwarding_header_makes_a_request_non_local() {
        for name in FORWARDING_HEADERS {
            let h = headers(&[("host", "127.0.0.1:8080"), (name, "203.0.113.9")]);
            assert!(check_local(peer("127.0.0.1:5000"), &h).is_err(), "{name}");
        }
    }

    #[test]
    fn authorities_split_into_host_and_port() {
        assert_eq!(
            split_authority("LocalHost.:80"),
            Some(("localhost".into(), Some(80)))
        );
        assert_eq!(split_authority("[::1]"), Some(("::1".into(), None)));
        assert_eq!(split_authority("[::1]:9"), Some(("::1".into(), Some(9))));
        assert_eq!(split_authority("a:b"), None);
        assert_eq!(split_authority("user@evil"), None);
        assert_eq!(split_authority(""), None);
        assert!(!is_loopback_host("localhost.evil.example"));
        assert!(!is_loopback_host("127.0.0.1.nip.io"));
    }
}
