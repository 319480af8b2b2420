//! What a raw IPv4 socket hands back: the datagram with its IP header.

use std::net::Ipv4Addr;

use super::RxMeta;
use super::checksum::IP_PROTOCOL;

/// A received IPv4 datagram carrying VRRP, taken apart: the header fields VRRP checks and the payload.
///
/// Linux raw IPv4 sockets return the IP header with every received datagram. Its length is read from
/// the IHL field (options are allowed) and the payload is bounded by the Total Length field, so the
/// padding that short Ethernet frames carry never reaches the VRRP parser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Datagram<'a> {
    /// The source address.
    pub source: Ipv4Addr,
    /// The destination address.
    pub destination: Ipv4Addr,
    /// The time-to-live.
    pub ttl: u8,
    /// The VRRP message: the bytes after the header, up to the Total Length.
    pub payload: &'a [u8],
}

/// A malformed IPv4 header. Later versions may add variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Ipv4Error {
    /// Fewer bytes than the 20-byte minimum header.
    #[error("{0} bytes are too few for an IPv4 header")]
    TooShort(usize),
    /// The version nibble is not 4.
    #[error("IP version {0} is not 4")]
    Version(u8),
    /// The IHL is below 5 words or reaches past the end of the datagram.
    #[error("header length of {ihl} words does not fit a {total_len}-byte datagram")]
    HeaderLength {
        /// The IHL field, in 32-bit words.
        ihl: u8,
        /// The Total Length field.
        total_len: u16,
    },
    /// The Total Length is larger than the bytes received.
    #[error("total length {total_len} exceeds the {received} bytes received")]
    TotalLength {
        /// The Total Length field.
        total_len: u16,
        /// The bytes received.
        received: usize,
    },
    /// The protocol is not 112 (VRRP).
    #[error("IP protocol {0} is not VRRP (112)")]
    Protocol(u8),
    /// The datagram is a fragment; the kernel reassembles before raw sockets see datagrams.
    #[error("the datagram is a fragment")]
    Fragment,
}

const MIN_HEADER_LEN: usize = 20;

impl<'a> Ipv4Datagram<'a> {
    /// Checks the header of `datagram` and returns its fields and the VRRP payload.
    pub fn parse(datagram: &'a [u8]) -> Result<Self, Ipv4Error> {
        let Some(header) = datagram.first_chunk::<MIN_HEADER_LEN>() else {
            return Err(Ipv4Error::TooShort(datagram.len()));
        };
        let version = header[0] >> 4;
        if version != 4 {
            return Err(Ipv4Error::Version(version));
        }
        let ihl = header[0] & 0x0F;
        let total_len = u16::from_be_bytes([header[2], header[3]]);
        let header_len = usize::from(ihl) * 4;
        if header_len < MIN_HEADER_LEN || header_len > usize::from(total_len) {
            return Err(Ipv4Error::HeaderLength { ihl, total_len });
        }
        let Some(datagram) = datagram.get(..usize::from(total_len)) else {
            return Err(Ipv4Error::TotalLength {
                total_len,
                received: datagram.len(),
            });
        };
        // More Fragments flag, or a non-zero fragment offset.
        if u16::from_be_bytes([header[6], header[7]]) & 0x3FFF != 0 {
            return Err(Ipv4Error::Fragment);
        }
        if header[9] != IP_PROTOCOL {
            return Err(Ipv4Error::Protocol(header[9]));
        }
        Ok(Self {
            source: Ipv4Addr::new(header[12], header[13], header[14], header[15]),
            destination: Ipv4Addr::new(header[16], header[17], header[18], header[19]),
            ttl: header[8],
            payload: &datagram[header_len..],
        })
    }

    /// The receive metadata of this datagram, which arrived on interface `interface_index`.
    pub const fn rx_meta(&self, interface_index: u32) -> RxMeta {
        RxMeta::ipv4(self.source, self.destination, self.ttl, interface_index)
    }
}
