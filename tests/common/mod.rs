//! Helpers shared by the integration tests: captures on disk, and advertisements to build.
#![allow(dead_code)] // each test binary uses its own subset

pub mod demo;
pub mod keepalived;
pub mod lan;
pub mod netns;
pub mod pair;
pub mod pcap;
pub mod routed;
pub mod sim;
pub mod tshark;

use std::net::{Ipv4Addr, Ipv6Addr};

use vrrp::packet::{AddressList, Advertisement, Authentication, ChecksumForm, Version};
use vrrp::{Interval, Priority, Vrid};

/// The routers of the captures: 192.0.2.1 (priority 200) and 192.0.2.2 (priority 100).
pub const MASTER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
/// The virtual address of the captures.
pub const VIP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 100);
/// A link-local source for IPv6 tests.
pub const MASTER_LL: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
/// The link-local virtual address of IPv6 tests.
pub const VIP_LL: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x100);
/// A global virtual address of IPv6 tests.
pub const VIP6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100);

pub const fn vrid(n: u8) -> Vrid {
    Vrid::new(n).expect("tests use VRIDs 1-255")
}

/// The VRRPv3 advert of the captures: VRID 51, priority 200, 1 s, 192.0.2.100.
pub fn v3_ipv4() -> Advertisement {
    Advertisement {
        version: Version::V3,
        vrid: vrid(51),
        priority: Priority::new(200),
        interval: Interval::DEFAULT,
        addresses: AddressList::ipv4([VIP]),
        authentication: Authentication::None,
        checksum_form: ChecksumForm::PseudoHeader,
    }
}

/// A VRRPv3 IPv6 advert: link-local VIP first, then a global one.
pub fn v3_ipv6() -> Advertisement {
    Advertisement {
        addresses: AddressList::ipv6([VIP_LL, VIP6]),
        ..v3_ipv4()
    }
}

/// The VRRPv2 advert of the captures, without authentication.
pub fn v2_ipv4() -> Advertisement {
    Advertisement {
        version: Version::V2,
        checksum_form: ChecksumForm::MessageOnly,
        ..v3_ipv4()
    }
}

/// Emits `advert` from `source` to `destination` into a new vector.
pub fn emit(
    advert: &Advertisement,
    source: impl Into<std::net::IpAddr>,
    destination: impl Into<std::net::IpAddr>,
) -> Vec<u8> {
    let mut out = vec![0; advert.buffer_len()];
    let len = advert
        .emit(source.into(), destination.into(), &mut out)
        .expect("test adverts are valid");
    assert_eq!(len, out.len());
    out
}

/// RFC 1071 checksum of the concatenation of `parts`, written independently of the crate's.
pub fn internet_checksum(parts: &[&[u8]]) -> u16 {
    let bytes: Vec<u8> = parts.concat();
    let mut sum: u64 = bytes
        .chunks(2)
        .map(|w| u64::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    !(sum as u16)
}

/// The pseudo-header laid out as RFC 8200 §8.1 (IPv6) or as an IPv4 upper-layer pseudo-header.
pub fn pseudo_header(
    source: std::net::IpAddr,
    destination: std::net::IpAddr,
    len: usize,
) -> Vec<u8> {
    use std::net::IpAddr;
    match (source, destination) {
        (IpAddr::V4(s), IpAddr::V4(d)) => [
            &s.octets()[..],
            &d.octets(),
            &[0, 112],
            &(len as u16).to_be_bytes(),
        ]
        .concat(),
        (IpAddr::V6(s), IpAddr::V6(d)) => [
            &s.octets()[..],
            &d.octets(),
            &(len as u32).to_be_bytes(),
            &[0, 0, 0, 112],
        ]
        .concat(),
        _ => panic!("one family"),
    }
}

/// Recomputes the checksum of a VRRP message in place, with `pseudo` (a pseudo-header) or without.
pub fn reseal(message: &mut [u8], pseudo: Option<&[u8]>) {
    message[6..8].fill(0);
    let sum = internet_checksum(&[pseudo.unwrap_or_default(), message]);
    message[6..8].copy_from_slice(&sum.to_be_bytes());
}

/// SplitMix64: the same numbers for the same seed, so that a seeded schedule of faults replays.
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

/// `field` of process `pid`'s /proc status (`VmRSS`, `RssAnon`), in KiB.
pub fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("the field")
}
