//! The advertisements of the captures, to build and emit.

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
#[allow(dead_code, reason = "the host tests use only the VRRPv3 IPv4 advert")]
pub fn v3_ipv6() -> Advertisement {
    Advertisement {
        addresses: AddressList::ipv6([VIP_LL, VIP6]),
        ..v3_ipv4()
    }
}

/// The VRRPv2 advert of the captures, without authentication.
#[allow(dead_code, reason = "the host tests use only the VRRPv3 IPv4 advert")]
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
