//! Who is calling: the client address a rate limit is keyed by, and whether a request comes
//! straight from this machine.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::{extract::ConnectInfo, http::HeaderMap};

/// Headers a reverse proxy adds to say whom it forwards for. A request carrying any of them did
/// not come straight from a local client, whatever its TCP peer is.
pub const FORWARDING_HEADERS: &[&str] = &[
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-real-ip",
    "x-client-ip",
    "true-client-ip",
    "cf-connecting-ip",
    "fastly-client-ip",
    "x-cluster-client-ip",
];

/// The TCP peer of a request, as recorded by `into_make_service_with_connect_info`.
pub fn peer(extensions: &http::Extensions) -> Option<IpAddr> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| unmapped(c.0.ip()))
}

/// `::ffff:a.b.c.d` as `a.b.c.d`; any other address unchanged.
pub fn unmapped(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Whether the request names a proxy hop (any of [`FORWARDING_HEADERS`]).
pub fn is_forwarded(headers: &HeaderMap) -> bool {
    FORWARDING_HEADERS.iter().any(|h| headers.contains_key(*h))
}

/// Whether the request comes straight from this machine: a loopback TCP peer and no forwarding
/// header (a reverse proxy on the same host is loopback too, but says so in its headers).
pub fn is_direct_local(extensions: &http::Extensions, headers: &HeaderMap) -> bool {
    peer(extensions).is_some_and(|ip| ip.is_loopback()) && !is_forwarded(headers)
}

/// The address a client is rate-limited under.
///
/// By default the TCP peer. When the operator names the header their reverse proxy sets
/// (`limits.client_ip_header`, e.g. `x-forwarded-for`), its **last** address is used — the one
/// the proxy itself appended; earlier ones are client-supplied and untrusted. IPv6 clients are
/// keyed by their /64 network, since one host usually owns a whole /64.
pub fn client_key(
    extensions: &http::Extensions,
    headers: &HeaderMap,
    trusted_header: Option<&str>,
) -> IpAddr {
    let from_header = trusted_header.and_then(|name| {
        let value = headers.get_all(name).iter().next_back()?.to_str().ok()?;
        value.rsplit(',').next()?.trim().parse::<IpAddr>().ok()
    });
    let ip = from_header
        .map(unmapped)
        .or_else(|| peer(extensions))
        .unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED));
    network_of(ip)
}

/// The key of an address: IPv4 as is, IPv6 by its /64 prefix.
fn network_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(peer: &str) -> http::Extensions {
        let mut e = http::Extensions::new();
        e.insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        e
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn mapped_ipv4_loopback_is_local_but_not_behind_a_proxy() {
        assert!(is_direct_local(
            &ext("[::ffff:127.0.0.1]:5000"),
            &headers(&[])
        ));
        assert!(is_direct_local(&ext("[::1]:5000"), &headers(&[])));
        assert!(!is_direct_local(&ext("10.0.0.8:5000"), &headers(&[])));
        for h in [
            "x-forwarded-for",
            "true-client-ip",
            "x-client-ip",
            "forwarded",
        ] {
            assert!(
                !is_direct_local(&ext("127.0.0.1:5000"), &headers(&[(h, "203.0.113.9")])),
                "{h}"
            );
        }
        assert!(!is_direct_local(&http::Extensions::new(), &headers(&[])));
    }

    #[test]
    fn the_client_key_is_the_peer_unless_a_trusted_header_is_configured() {
        let h = headers(&[("x-forwarded-for", "198.51.100.1, 203.0.113.9")]);
        let e = ext("127.0.0.1:5000");
        assert_eq!(client_key(&e, &h, None).to_string(), "127.0.0.1");
        assert_eq!(
            client_key(&e, &h, Some("x-forwarded-for")).to_string(),
            "203.0.113.9"
        );
        let garbage = headers(&[("x-forwarded-for", "not an address")]);
        assert_eq!(
            client_key(&e, &garbage, Some("x-forwarded-for")).to_string(),
            "127.0.0.1"
        );
        assert_eq!(
            client_key(&ext("[2001:db8:1:2:3:4:5:6]:1"), &h, None).to_string(),
            "2001:db8:1:2::"
        );
    }
}
