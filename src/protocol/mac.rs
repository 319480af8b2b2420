//! Ethernet addresses, and the virtual router MAC address of RFC 5798 §7.3.

use std::fmt;

use crate::{AddressFamily, Vrid};

/// A 48-bit IEEE 802 MAC address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MacAddress(pub [u8; 6]);

impl MacAddress {
    /// The virtual router MAC address (RFC 5798 §7.3): 00-00-5E-00-01-{VRID} for IPv4 and
    /// 00-00-5E-00-02-{VRID} for IPv6. VRRPv2 uses the IPv4 one (RFC 3768 §7.3).
    pub const fn virtual_router(vrid: Vrid, family: AddressFamily) -> Self {
        let family_octet = match family {
            AddressFamily::Ipv4 => 0x01,
            AddressFamily::Ipv6 => 0x02,
        };
        Self([0x00, 0x00, 0x5e, 0x00, family_octet, vrid.get()])
    }

    /// The six octets in transmission order.
    pub const fn octets(self) -> [u8; 6] {
        self.0
    }
}

impl fmt::Display for MacAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}
