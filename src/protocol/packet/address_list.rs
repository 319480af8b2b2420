//! The list of virtual addresses that an advertisement carries (RFC 5798 §5.2.9).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use smallvec::SmallVec;

use crate::AddressFamily;

/// The virtual addresses of one advertisement, all of one family, in the order they are sent.
///
/// Short lists (up to 4 IPv4 or 2 IPv6 addresses) are stored inline, so parsing the common
/// advertisement does not allocate.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AddressList(Addresses);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Addresses {
    V4(SmallVec<[Ipv4Addr; 4]>),
    V6(SmallVec<[Ipv6Addr; 2]>),
}

impl AddressList {
    /// A list of IPv4 addresses, in sending order.
    pub fn ipv4(addresses: impl IntoIterator<Item = Ipv4Addr>) -> Self {
        Self(Addresses::V4(addresses.into_iter().collect()))
    }

    /// A list of IPv6 addresses, in sending order; RFC 9568 §5.2.9 wants a link-local address first.
    pub fn ipv6(addresses: impl IntoIterator<Item = Ipv6Addr>) -> Self {
        Self(Addresses::V6(addresses.into_iter().collect()))
    }

    /// The family of the addresses.
    pub fn family(&self) -> AddressFamily {
        match self.0 {
            Addresses::V4(_) => AddressFamily::Ipv4,
            Addresses::V6(_) => AddressFamily::Ipv6,
        }
    }

    /// How many addresses the list holds.
    pub fn len(&self) -> usize {
        match &self.0 {
            Addresses::V4(list) => list.len(),
            Addresses::V6(list) => list.len(),
        }
    }

    /// Whether the list is empty (which no valid advertisement is).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The IPv4 addresses, if this is an IPv4 list.
    pub fn as_ipv4(&self) -> Option<&[Ipv4Addr]> {
        match &self.0 {
            Addresses::V4(list) => Some(list),
            Addresses::V6(_) => None,
        }
    }

    /// The IPv6 addresses, if this is an IPv6 list.
    pub fn as_ipv6(&self) -> Option<&[Ipv6Addr]> {
        match &self.0 {
            Addresses::V6(list) => Some(list),
            Addresses::V4(_) => None,
        }
    }

    /// The addresses in order.
    pub fn iter(&self) -> impl Iterator<Item = IpAddr> + '_ {
        let v4 = self
            .as_ipv4()
            .unwrap_or_default()
            .iter()
            .map(|&a| IpAddr::V4(a));
        let v6 = self
            .as_ipv6()
            .unwrap_or_default()
            .iter()
            .map(|&a| IpAddr::V6(a));
        v4.chain(v6)
    }

    /// The first address: for IPv6 it must be link-local.
    pub fn first(&self) -> Option<IpAddr> {
        self.iter().next()
    }

    /// Writes the addresses in order into `out`, which holds exactly `len() × address length` bytes.
    pub(crate) fn write(&self, out: &mut [u8]) {
        match &self.0 {
            Addresses::V4(list) => {
                for (chunk, address) in out.chunks_exact_mut(4).zip(list) {
                    chunk.copy_from_slice(&address.octets());
                }
            }
            Addresses::V6(list) => {
                for (chunk, address) in out.chunks_exact_mut(16).zip(list) {
                    chunk.copy_from_slice(&address.octets());
                }
            }
        }
    }

    /// Reads the addresses of `family` packed in `bytes`; a trailing partial address is ignored.
    pub(crate) fn read(family: AddressFamily, bytes: &[u8]) -> Self {
        match family {
            AddressFamily::Ipv4 => Self::ipv4(
                bytes
                    .chunks_exact(4)
                    .map(|c| Ipv4Addr::from([c[0], c[1], c[2], c[3]])),
            ),
            AddressFamily::Ipv6 => Self::ipv6(bytes.chunks_exact(16).map(|c| {
                let mut octets = [0; 16];
                octets.copy_from_slice(c);
                Ipv6Addr::from(octets)
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_empty_only_without_addresses() {
        assert!(AddressList::ipv4([]).is_empty());
        assert!(AddressList::ipv6([]).is_empty());
        let one = AddressList::ipv4([Ipv4Addr::new(192, 0, 2, 1)]);
        assert!(!one.is_empty());
        assert_eq!(one.len(), 1);
    }
}
