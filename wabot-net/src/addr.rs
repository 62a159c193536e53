//! Which IP addresses are internal: anything that is not a unicast address on the public
//! internet, including the IPv6 forms that carry an IPv4 address inside them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether `ip` must not be reached on a tenant's behalf: it is not a public unicast address.
///
/// IPv4: `0.0.0.0/8` ("this network"), loopback `127/8`, private `10/8`, `172.16/12`,
/// `192.168/16`, CGNAT `100.64/10`, link-local `169.254/16`, IETF protocol assignments
/// `192.0.0.0/24`, the 6to4 relay `192.88.99.0/24`, documentation (`192.0.2/24`,
/// `198.51.100/24`, `203.0.113/24`), benchmarking `198.18/15`, multicast `224/4`, reserved
/// `240/4` and the broadcast address.
///
/// IPv6: unspecified, loopback, IPv4-compatible `::a.b.c.d` (`::/96`, deprecated), the
/// discard prefix `100::/64`, unique local `fc00::/7`, link-local `fe80::/10`, site-local
/// `fec0::/10`, multicast `ff00::/8`, documentation (`2001:db8::/32`, `3fff::/20`),
/// benchmarking `2001:2::/48`, Teredo `2001::/32`, local-use NAT64 `64:ff9b:1::/48`; and the
/// forms that reach an IPv4 address — mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d` and
/// 6to4 `2002:aabb:ccdd::/48` — are internal when that IPv4 address is.
///
/// ```
/// use wabot_net::is_internal;
///
/// assert!(is_internal("10.0.0.1".parse().unwrap()));
/// assert!(is_internal("64:ff9b::7f00:1".parse().unwrap())); // NAT64 of 127.0.0.1
/// assert!(!is_internal("8.8.8.8".parse().unwrap()));
/// ```
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => is_internal_v6(v6),
    }
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    a == 0
        || a == 10
        || a == 127
        || (a == 100 && (b & 0xc0) == 64)
        || (a == 169 && b == 254)
        || (a == 172 && (b & 0xf0) == 16)
        || (a == 192 && b == 168)
        || (a == 192 && b == 0 && (c == 0 || c == 2))
        || (a == 192 && b == 88 && c == 99)
        || (a == 198 && (b & 0xfe) == 18)
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
        || a >= 224
}

fn is_internal_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_internal_v4(v4);
    }
    if let Some(v4) = embedded_v4(&s) {
        return is_internal_v4(v4);
    }
    // `::/96`: unspecified, loopback and the deprecated IPv4-compatible addresses.
    (s[0..6] == [0; 6])
        || (s[0] == 0x0100 && s[1..4] == [0; 3])
        || (s[0] & 0xfe00) == 0xfc00
        || (s[0] & 0xffc0) == 0xfe80
        || (s[0] & 0xffc0) == 0xfec0
        || (s[0] & 0xff00) == 0xff00
        || (s[0] == 0x2001 && s[1] == 0x0db8)
        || (s[0] & 0xfff0) == 0x3ff0
        || (s[0] == 0x2001 && s[1] == 0x0002 && s[2] == 0)
        || (s[0] == 0x2001 && s[1] == 0)
        || (s[0] == 0x0064 && s[1] == 0xff9b && s[2] == 0x0001)
}

/// The IPv4 address a NAT64 (`64:ff9b::/96`) or 6to4 (`2002::/16`) address leads to.
fn embedded_v4(s: &[u16; 8]) -> Option<Ipv4Addr> {
    let join = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if s[0] == 0x0064 && s[1] == 0xff9b && s[2..6] == [0; 4] {
        return Some(join(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return Some(join(s[1], s[2]));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn internal(ip: &str) -> bool {
        is_internal(ip.parse().unwrap())
    }

    #[test]
    fn the_usual_internal_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "127.255.0.9",
            "10.0.0.1",
            "192.168.1.1",
            "172.16.0.1",
            "172.31.255.254",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "255.255.255.255",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "::",
            "::1",
            "fd00::1",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "2001:db8::1",
        ] {
            assert!(internal(ip), "{ip}");
        }
    }

    #[test]
    fn the_ranges_the_first_guard_missed_are_internal() {
        for ip in [
            "0.1.2.3",
            "192.0.0.8",
            "192.88.99.1",
            "198.18.0.1",
            "198.19.255.255",
            "240.0.0.1",
            "250.1.2.3",
            "224.0.0.1",
            "239.255.255.250",
            "64:ff9b::a00:1",
            "64:ff9b::7f00:1",
            "64:ff9b:1::1",
            "::7f00:1",
            "::a00:1",
            "::8.8.8.8",
            "2002:a00:1::1",
            "2002:7f00:1::",
            "2002:c0a8:101::1",
            "fec0::1",
            "ff02::1",
            "ff0e::1",
            "100::1",
            "2001::1",
            "2001:2::1",
            "3fff::1",
        ] {
            assert!(internal(ip), "{ip}");
        }
    }

    #[test]
    fn public_addresses_are_not_internal() {
        for ip in [
            "8.8.8.8",
            "93.184.216.34",
            "1.1.1.1",
            "100.128.0.1",
            "172.32.0.1",
            "198.20.0.1",
            "223.255.255.255",
            "2606:4700::1111",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert!(!internal(ip), "{ip}");
        }
    }
}
