//! What the socket layer knows about a received advertisement besides its bytes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::ipsec_ah::AhContext;
use crate::AddressFamily;

/// Receive metadata: the IP header fields that VRRP checks, and the interface the packet arrived on.
///
/// For IPv4 they come from the IP header a raw socket returns ([`Ipv4Datagram`](super::Ipv4Datagram))
/// and `IP_PKTINFO`; for IPv6 from ancillary data (`IPV6_PKTINFO`, `IPV6_HOPLIMIT`). Source and
/// destination are always of one family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RxMeta {
    source: IpAddr,
    destination: IpAddr,
    hop_limit: u8,
    interface_index: u32,
    /// The IP Authentication Header the advert came inside, if it did.
    ah: Option<AhContext>,
}

impl RxMeta {
    /// Metadata of an IPv4 packet with time-to-live `ttl`.
    pub const fn ipv4(
        source: Ipv4Addr,
        destination: Ipv4Addr,
        ttl: u8,
        interface_index: u32,
    ) -> Self {
        Self {
            source: IpAddr::V4(source),
            destination: IpAddr::V4(destination),
            hop_limit: ttl,
            interface_index,
            ah: None,
        }
    }

    /// Metadata of an IPv6 packet.
    pub const fn ipv6(
        source: Ipv6Addr,
        destination: Ipv6Addr,
        hop_limit: u8,
        interface_index: u32,
    ) -> Self {
        Self {
            source: IpAddr::V6(source),
            destination: IpAddr::V6(destination),
            hop_limit,
            interface_index,
            ah: None,
        }
    }

    /// The sender's address: its primary IPv4 address or its IPv6 link-local address.
    pub const fn source(&self) -> IpAddr {
        self.source
    }

    /// The destination address: the VRRP multicast group, or this router's address for unicast peers.
    pub const fn destination(&self) -> IpAddr {
        self.destination
    }

    /// The IPv4 TTL or the IPv6 hop limit.
    pub const fn hop_limit(&self) -> u8 {
        self.hop_limit
    }

    /// The index of the interface the packet arrived on.
    pub const fn interface_index(&self) -> u32 {
        self.interface_index
    }

    /// The same packet as if it had arrived on interface `interface_index`: for a driver that
    /// knows an interface by the index its routers were configured with after the interface was
    /// created again under a new one.
    pub const fn on_interface(mut self, interface_index: u32) -> Self {
        self.interface_index = interface_index;
        self
    }

    /// The same packet as having come inside the IP Authentication Header `ah` (keepalived's
    /// `auth_type AH`), which the router it is for verifies.
    pub const fn with_ah(mut self, ah: AhContext) -> Self {
        self.ah = Some(ah);
        self
    }

    /// The IP Authentication Header the packet came inside, if it did.
    pub const fn ah(&self) -> Option<&AhContext> {
        self.ah.as_ref()
    }

    /// The address family of the packet.
    pub const fn family(&self) -> AddressFamily {
        AddressFamily::of(self.source)
    }
}
