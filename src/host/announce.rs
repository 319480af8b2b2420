//! The frames that announce virtual addresses on the link: a gratuitous ARP for IPv4 and an
//! unsolicited neighbour advertisement for IPv6 (RFC 5798 §6.4.1, §6.4.2), and the router
//! advertisement of an IPv6 Master (RFC 5798 §6.4.3, RFC 4861 §4.2), as Ethernet frames ready for a
//! packet socket.
//!
//! They are built with etherparse and carry the MAC the address now answers from: the virtual router
//! MAC when the router uses one, the interface's own otherwise (keepalived's default).

use std::net::{Ipv4Addr, Ipv6Addr};

use std::time::Duration;

use etherparse::icmpv6::{NeighborAdvertisementHeader, RouterAdvertisementHeader};
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
/// Neighbour discovery option 1, Source Link-Layer Address (RFC 4861 §4.6.1).
const SOURCE_LINK_LAYER_ADDRESS: u8 = 1;
/// Neighbour discovery option 3, Prefix Information, 32 bytes long (RFC 4861 §4.6.2).
const PREFIX_INFORMATION: u8 = 3;
/// The prefixes' valid lifetime: RFC 4861 §6.2.1's default, 30 days.
const PREFIX_VALID_LIFETIME: u32 = 2_592_000;
/// The prefixes' preferred lifetime: RFC 4861 §6.2.1's default, 7 days.
const PREFIX_PREFERRED_LIFETIME: u32 = 604_800;
/// The hop limit hosts are told to use (AdvCurHopLimit; RFC 4861 §6.2.1 says the Internet's
/// current diameter, 64 in RFC 1700's list).
const CUR_HOP_LIMIT: u8 = 64;

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

/// A router advertisement (RFC 4861 §4.2) from the virtual router's link-local address `source`
/// at `mac` (its virtual MAC, or the interface's), to all nodes, hop limit 255: router lifetime
/// `lifetime` (whole seconds, at most 9,000), a Source Link-Layer Address option, and a Prefix
/// Information option (on-link, autonomous for a /64, RFC 4861's default lifetimes) for each of
/// `prefixes` that is neither link-local nor a host prefix.
pub fn router_advertisement(
    source: Ipv6Addr,
    mac: MacAddress,
    lifetime: Duration,
    prefixes: &[(Ipv6Addr, u8)],
) -> Result<Vec<u8>, FrameError> {
    let seconds = u16::try_from(lifetime.as_secs().min(9000)).unwrap_or(9000);
    let header = RouterAdvertisementHeader {
        cur_hop_limit: CUR_HOP_LIMIT,
        managed_address_config: false,
        other_config: false,
        router_lifetime: seconds,
    };
    // Reachable Time and Retrans Timer: 0, unspecified.
    let mut body = vec![0; 8];
    body.extend_from_slice(&[SOURCE_LINK_LAYER_ADDRESS, 1]);
    body.extend_from_slice(&mac.octets());
    let global = prefixes
        .iter()
        .filter(|(address, len)| !address.is_unicast_link_local() && *len < 128);
    for &(address, len) in global {
        let bits = u128::from(address);
        let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
        // On-link always; autonomous (SLAAC) only for a /64 (RFC 4862 §5.5.3).
        let flags = 0b1000_0000 | if len == 64 { 0b0100_0000 } else { 0 };
        body.extend_from_slice(&[PREFIX_INFORMATION, 4, len, flags]);
        body.extend_from_slice(&PREFIX_VALID_LIFETIME.to_be_bytes());
        body.extend_from_slice(&PREFIX_PREFERRED_LIFETIME.to_be_bytes());
        body.extend_from_slice(&[0; 4]);
        body.extend_from_slice(&(bits & mask).to_be_bytes());
    }
    let builder = PacketBuilder::ethernet2(mac.octets(), ALL_NODES_MAC)
        .ipv6(source.octets(), ALL_NODES.octets(), HOP_LIMIT)
        .icmpv6(Icmpv6Type::RouterAdvertisement(header));
    let mut frame = Vec::with_capacity(builder.size(body.len()));
    builder
        .write_to_vec(&mut frame, &body)
        .map_err(|e| FrameError(e.to_string()))?;
    Ok(frame)
}
