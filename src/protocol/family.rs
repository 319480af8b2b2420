//! IPv4 or IPv6: VRRP runs one independent virtual router per address family (RFC 9568 §1).

use std::fmt;
use std::net::IpAddr;

/// The address family of a virtual router, of its addresses and of the packets it exchanges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AddressFamily {
    /// IPv4: advertisements to 224.0.0.18, IPv4 virtual addresses.
    Ipv4,
    /// IPv6: advertisements to ff02::12, IPv6 virtual addresses, the first one link-local.
    Ipv6,
}

impl AddressFamily {
    /// The family of `address`.
    pub const fn of(address: IpAddr) -> Self {
        match address {
            IpAddr::V4(_) => Self::Ipv4,
            IpAddr::V6(_) => Self::Ipv6,
        }
    }

    /// The VRRP multicast group of this family: 224.0.0.18 or ff02::12 (RFC 5798 §5.1.1.2,
    /// §5.1.2.2).
    pub const fn vrrp_group(self) -> IpAddr {
        match self {
            Self::Ipv4 => IpAddr::V4(crate::packet::IPV4_MULTICAST),
            Self::Ipv6 => IpAddr::V6(crate::packet::IPV6_MULTICAST),
        }
    }

    /// How many bytes one address of this family takes in an advertisement.
    pub const fn address_len(self) -> usize {
        match self {
            Self::Ipv4 => 4,
            Self::Ipv6 => 16,
        }
    }
}

impl fmt::Display for AddressFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Ipv4 => "ipv4",
            Self::Ipv6 => "ipv6",
        })
    }
}
