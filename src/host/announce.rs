//! The frames that announce virtual addresses on the link: a gratuitous ARP for IPv4 and an
//! unsolicited neighbour advertisement for IPv6 (RFC 5798 §6.4.1, §6.4.2), as Ethernet frames ready
//! for a packet socket.
//!
//! They are built with etherparse and carry the MAC the address now answers from: the virtual router
//! MAC when the router uses one, the interface's own otherwise (keepalived's default).

use std::net::{Ipv4Addr, Ipv6Addr};

use etherparse::icmpv6::NeighborAdvertisementHeader;
use etherparse::{ArpHardwareId, ArpOperation, ArpPacket, EtherType, Icmpv6Type, PacketBuilder};

use crate::MacAddress;
use crate::packet::HOP_LIMIT;

const BROADCAST: [u8; 6] = [0xff; 6];
/// ff02::1, all nodes, which unsolicited neighbour advertisements go to (RFC 4861 §7.2.6).
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
/// The Ethernet address of ff02::1 (RFC 2464 §7).
const ALL_NODES_MAC: [u8; 6] = [0x33, 0x33, 0, 0, 0, 1];
/// Neighbour discovery option 2, Target Link-Layer Address, 8 bytes long (RFC 4861 §4.6.1).
const TARGET_LINK_LAYER_ADDRESS: u8 = 2;

/// A frame that could not be built. With valid addresses this does not happen; it is an error
/// rather than a panic so that nothing in the crate can panic on its inputs.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("building the announcement frame failed: {0}")]
pub struct FrameError(String);

/// A gratuitous ARP for `address` at `mac`: an ARP request, broadcast, whose sender and target
/// protocol addresses are both `address` and whose target hardware address is the broadcast one.
/// This is the frame keepalived and FRR send, and hosts and switches update their caches from it.
/// (RFC 9568 errata 7947/7949 word the target hardware address as the virtual MAC; hosts do not look
/// at it in a request.)
pub fn gratuitous_arp(address: Ipv4Addr, mac: MacAddress) -> Result<Vec<u8>, FrameError> {
    let arp = ArpPacket::new(
        ArpHardwareId::ETHERNET,
        EtherType::IPV4,
        ArpOperation::REQUEST,
        &mac.octets(),
        &address.octets(),
        &BROADCAST,
        &address.octets(),
    )
    .map_err(|e| FrameError(e.to_string()))?;
    let builder = PacketBuilder::ethernet2(mac.octets(), BROADCAST).arp(arp);
    let mut frame = Vec::with_capacity(builder.size());
    builder
        .write_to_vec(&mut frame)
        .map_err(|e| FrameError(e.to_string()))?;
    Ok(frame)
}

/// An unsolicited neighbour advertisement for `address` at `mac`, sent from `source` (the
/// interface's link-local address) to all nodes with hop limit 255: Router and Override set,
/// Solicited clear, and a Target Link-Layer Address option with `mac` (RFC 5798 §6.4.2, RFC 4861
/// §7.2.6).
pub fn unsolicited_neighbor_advertisement(
    address: Ipv6Addr,
    mac: MacAddress,
    source: Ipv6Addr,
) -> Result<Vec<u8>, FrameError> {
    let header = NeighborAdvertisementHeader {
        router: true,
        solicited: false,
        r#override: true,
    };
    let mut body = [0; 16 + 8];
    body[..16].copy_from_slice(&address.octets());
    body[16] = TARGET_LINK_LAYER_ADDRESS;
    body[17] = 1; // the option's length in units of 8 bytes
    body[18..].copy_from_slice(&mac.octets());
    let builder = PacketBuilder::ethernet2(mac.octets(), ALL_NODES_MAC)
        .ipv6(source.octets(), ALL_NODES.octets(), HOP_LIMIT)
        .icmpv6(Icmpv6Type::NeighborAdvertisement(header));
    let mut frame = Vec::with_capacity(builder.size(body.len()));
    builder
        .write_to_vec(&mut frame, &body)
        .map_err(|e| FrameError(e.to_string()))?;
    Ok(frame)
}
