//! keepalived's `auth_type AH`: VRRPv2 adverts inside an IPsec Authentication Header (RFC 2402),
//! as RFC 2338 had them and RFC 3768 removed them. The IPv4 datagram is IP protocol 51; its
//! 24-byte AH carries the next protocol (112), the SPI (the sender's IPv4 address, keepalived's
//! choice for multicast), a sequence number and an HMAC-MD5-96 integrity check value keyed with
//! the 8-byte `auth_pass`. The ICV covers the IP header with its mutable fields zeroed (type of
//! service, fragment offset, checksum; and the TTL for unicast), the AH with a zero ICV, and the
//! VRRP message, whose Auth Type is 2 and whose Authentication Data is zero.
//!
//! [`seal`] builds the datagram a router sends (the socket sends it as it is), [`AhContext`] is
//! what a receiver keeps of one for [`AhContext::verify`]. The sequence numbers are the router's
//! (see [`VirtualRouter`](crate::VirtualRouter)): one counter per router, moved by what it sends
//! and by every verified advert it receives, as in keepalived.

use std::net::Ipv4Addr;

use super::Password;
#[cfg(feature = "auth-ah")]
use hmac::{KeyInit, Mac};

/// IP protocol 51: the Authentication Header.
pub const AH_PROTOCOL: u8 = 51;

/// The AH's length: 12 bytes of header and a 12-byte ICV.
pub const AH_LEN: usize = 24;

/// The ICV's length: HMAC-MD5 truncated to 96 bits.
const ICV_LEN: usize = 12;

/// The IPv4 header keepalived sends, without options.
const IPV4_HEADER_LEN: usize = 20;

/// The type of service keepalived sends: internetwork control.
const TOS: u8 = 0xc0;

/// What the ICV of a received datagram is checked against: its IP header and AH as received
/// (up to 60 + 24 bytes), from which the covered bytes are made again.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AhContext {
    /// The IP header then the AH, as received.
    headers: [u8; 60 + AH_LEN],
    /// The IP header's length.
    ip_len: u8,
}

impl std::fmt::Debug for AhContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AhContext")
            .field("spi", &self.spi())
            .field("sequence", &self.sequence())
            .finish_non_exhaustive()
    }
}

/// Why a datagram is not an AH-protected VRRP message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AhError {
    /// Shorter than its IP header and AH.
    #[error("{0} bytes are too short for an IPv4 header and an Authentication Header")]
    TooShort(usize),
    /// The IP header is not IPv4, or its length field is out of bounds.
    #[error("not an IPv4 header")]
    NotIpv4,
    /// The IP protocol is not 51.
    #[error("IP protocol {0} is not AH (51)")]
    Protocol(u8),
    /// The AH does not carry VRRP (112) with keepalived's 96-bit ICV.
    #[error(
        "the Authentication Header carries protocol {next} with length {length}, not VRRP with HMAC-MD5-96"
    )]
    Header {
        /// Its Next Header.
        next: u8,
        /// Its Payload Len.
        length: u8,
    },
}

impl AhContext {
    /// Takes an IPv4 `datagram` (IP protocol 51) apart: its headers, and the range of the VRRP
    /// message after them, bounded by the IP total length.
    pub fn open(datagram: &[u8]) -> Result<(Self, std::ops::Range<usize>), AhError> {
        let first = *datagram.first().ok_or(AhError::TooShort(0))?;
        let ip_len = usize::from(first & 0x0f) * 4;
        if first >> 4 != 4 || ip_len < IPV4_HEADER_LEN {
            return Err(AhError::NotIpv4);
        }
        if datagram.len() < ip_len + AH_LEN {
            return Err(AhError::TooShort(datagram.len()));
        }
        if datagram[9] != AH_PROTOCOL {
            return Err(AhError::Protocol(datagram[9]));
        }
        let total = usize::from(u16::from_be_bytes([datagram[2], datagram[3]]));
        if total < ip_len + AH_LEN || total > datagram.len() {
            return Err(AhError::NotIpv4);
        }
        let ah = &datagram[ip_len..ip_len + AH_LEN];
        // Payload Len: the AH's length in 32-bit words, minus 2.
        if ah[0] != super::IP_PROTOCOL || usize::from(ah[1]) != AH_LEN / 4 - 2 {
            return Err(AhError::Header {
                next: ah[0],
                length: ah[1],
            });
        }
        let mut headers = [0; 60 + AH_LEN];
        headers[..ip_len + AH_LEN].copy_from_slice(&datagram[..ip_len + AH_LEN]);
        let context = Self {
            headers,
            ip_len: ip_len as u8,
        };
        Ok((context, ip_len + AH_LEN..total))
    }

    fn ah(&self) -> &[u8] {
        let start = usize::from(self.ip_len);
        &self.headers[start..start + AH_LEN]
    }

    /// The Security Parameters Index: keepalived sends its source address.
    pub fn spi(&self) -> u32 {
        u32::from_be_bytes(self.ah()[4..8].try_into().unwrap_or_default())
    }

    /// The sequence number.
    pub fn sequence(&self) -> u32 {
        u32::from_be_bytes(self.ah()[8..12].try_into().unwrap_or_default())
    }

    /// Whether the ICV is the one `key` makes over these headers and `message` (compared in
    /// constant time); `unicast` zeroes the TTL too, as keepalived does for its unicast peers.
    pub fn verify(&self, key: &Password, message: &[u8], unicast: bool) -> bool {
        let ip = &self.headers[..usize::from(self.ip_len)];
        let received: [u8; ICV_LEN] = self.ah()[12..].try_into().unwrap_or_default();
        let Some(expected) = icv(key, ip, self.ah(), message, unicast) else {
            return false;
        };
        // Constant time: every byte is looked at whatever the first difference.
        let difference = (received.iter().zip(expected)).fold(0, |acc, (a, b)| acc | (a ^ b));
        difference == 0
    }
}

/// The ICV over `ip` (the IP header), `ah` (with its ICV read as zero) and `message`; `None`
/// without the `auth-ah` feature.
fn icv(
    key: &Password,
    ip: &[u8],
    ah: &[u8],
    message: &[u8],
    unicast: bool,
) -> Option<[u8; ICV_LEN]> {
    let mut ip_covered = [0; 60];
    let ip_covered = &mut ip_covered[..ip.len().min(60)];
    ip_covered.copy_from_slice(&ip[..ip_covered.len()]);
    // The mutable fields: type of service, flags and fragment offset, checksum; TTL for unicast.
    ip_covered[1] = 0;
    ip_covered[6..8].fill(0);
    ip_covered[10..12].fill(0);
    if unicast {
        ip_covered[8] = 0;
    }
    let mut ah_covered = [0; AH_LEN];
    ah_covered[..12].copy_from_slice(&ah[..12]);
    hmac_md5_96(key, &[ip_covered, &ah_covered, message])
}

/// HMAC-MD5-96 (RFC 2403) of `parts` under `key`. Without the `auth-ah` feature no
/// configuration asks for AH (`ConfigBuilder::build` refuses it): there is no ICV, so nothing
/// sealed carries a valid one and nothing received verifies.
fn hmac_md5_96(key: &Password, parts: &[&[u8]]) -> Option<[u8; ICV_LEN]> {
    #[cfg(feature = "auth-ah")]
    {
        // An 8-byte key: HMAC takes any length, so this cannot fail.
        let mut mac = hmac::Hmac::<md5::Md5>::new_from_slice(key.as_wire()).ok()?;
        for part in parts {
            mac.update(part);
        }
        let digest = mac.finalize().into_bytes();
        let mut icv = [0; ICV_LEN];
        icv.copy_from_slice(&digest[..ICV_LEN]);
        Some(icv)
    }
    #[cfg(not(feature = "auth-ah"))]
    {
        let _ = (key, parts);
        None
    }
}

/// The IPv4 and AH header fields of one datagram a router sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sealing {
    /// The source address (also the SPI).
    pub source: Ipv4Addr,
    /// The destination: the VRRP group, or a unicast peer (then the TTL is left out of the ICV,
    /// as keepalived leaves it out for its unicast peers).
    pub destination: Ipv4Addr,
    /// The IP identification, not 0 (the kernel would fill that in).
    pub id: u16,
    /// The AH sequence number.
    pub sequence: u32,
    /// The TTL: 255 (RFC 3768 §5.1.1.3) unless a unicast peer is further away (keepalived's
    /// `unicast_ttl`), which it may then be since the ICV leaves it out.
    pub ttl: u8,
}

/// Appends to `out` the datagram a router sends: IPv4 header, AH, and the VRRP
/// `message` (already of Auth Type 2), sealed with `key`.
pub fn seal(key: &Password, sealing: Sealing, message: &[u8], out: &mut bytes::BytesMut) {
    let Sealing {
        source,
        destination,
        id,
        sequence,
        ttl,
    } = sealing;
    let unicast = !destination.is_multicast();
    let total = IPV4_HEADER_LEN + AH_LEN + message.len();
    let mut ip = [0u8; IPV4_HEADER_LEN];
    ip[0] = 0x45;
    ip[1] = TOS;
    ip[2..4].copy_from_slice(&(total as u16).to_be_bytes());
    ip[4..6].copy_from_slice(&id.to_be_bytes());
    // A multicast datagram's TTL is in the ICV: 255, or it would not verify.
    ip[8] = if unicast { ttl } else { super::HOP_LIMIT };
    ip[9] = AH_PROTOCOL;
    ip[12..16].copy_from_slice(&source.octets());
    ip[16..20].copy_from_slice(&destination.octets());
    let mut ah = [0u8; AH_LEN];
    ah[0] = super::IP_PROTOCOL;
    ah[1] = (AH_LEN / 4 - 2) as u8;
    ah[4..8].copy_from_slice(&source.octets());
    ah[8..12].copy_from_slice(&sequence.to_be_bytes());
    let value = icv(key, &ip, &ah, message, unicast).unwrap_or_default();
    ah[12..].copy_from_slice(&value);
    // The kernel fills the header checksum in (IP_HDRINCL): it is zero in the ICV anyway.
    out.extend_from_slice(&ip);
    out.extend_from_slice(&ah);
    out.extend_from_slice(message);
}

#[cfg(all(test, feature = "auth-ah"))]
mod tests {
    use super::*;

    fn key() -> Password {
        Password::new(b"s3cr3t").expect("6 bytes")
    }

    fn sealed(unicast: bool) -> Vec<u8> {
        let mut out = bytes::BytesMut::new();
        let message = [
            0x21, 51, 100, 1, 2, 1, 0, 0, 192, 0, 2, 100, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        let destination = if unicast {
            [192, 0, 2, 2].into()
        } else {
            [224, 0, 0, 18].into()
        };
        let sealing = Sealing {
            source: [192, 0, 2, 1].into(),
            destination,
            id: 7,
            sequence: 42,
            ttl: 64,
        };
        seal(&key(), sealing, &message, &mut out);
        out.to_vec()
    }

    #[test]
    fn the_icv_is_hmac_md5_truncated_to_96_bits() {
        // RFC 2202, test case 2. HMAC pads a short key with zeros to the block size, so the
        // password "Jefe" (zero-padded to 8 bytes on the wire) is the same key.
        let key = Password::new(b"Jefe").expect("4 bytes");
        let icv = hmac_md5_96(&key, &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            icv,
            Some([
                0x75, 0x0c, 0x78, 0x3e, 0x6a, 0xb0, 0xb5, 0x03, 0xea, 0xa8, 0x6e, 0x31
            ])
        );
    }

    #[test]
    fn a_sealed_datagram_opens_and_verifies_with_its_key_only() {
        let datagram = sealed(false);
        let (context, range) = AhContext::open(&datagram).expect("opens");
        assert_eq!((context.spi(), context.sequence()), (0xc000_0201, 42));
        // Logged by what identifies it, not 84 bytes of headers.
        assert_eq!(
            format!("{context:?}"),
            "AhContext { spi: 3221225985, sequence: 42, .. }"
        );
        assert_eq!(range, 44..datagram.len());
        let message = &datagram[range.clone()];
        assert!(context.verify(&key(), message, false));
        assert!(!context.verify(&Password::new(b"other").expect("5"), message, false));
        // The mutable fields may change on the way; anything else breaks the ICV.
        let mut routed = datagram.clone();
        routed[1] = 0;
        routed[10] ^= 0xff;
        let (context, _) = AhContext::open(&routed).expect("opens");
        assert!(context.verify(&key(), message, false));
        for offset in [4, 9 + 3, 12, 16, 44 + 2] {
            let mut forged = datagram.clone();
            forged[offset] ^= 1;
            let Ok((context, range)) = AhContext::open(&forged) else {
                continue;
            };
            assert!(
                !context.verify(&key(), &forged[range], false),
                "byte {offset}"
            );
        }
    }

    #[test]
    fn an_icv_with_differences_that_cancel_out_does_not_verify() {
        // The same bit flipped in two bytes of the ICV: each difference counts.
        let mut forged = sealed(false);
        forged[32] ^= 1;
        forged[33] ^= 1;
        let (context, range) = AhContext::open(&forged).expect("opens");
        assert!(!context.verify(&key(), &forged[range], false));
    }

    #[test]
    fn unicast_leaves_the_ttl_out_of_the_icv_and_multicast_does_not() {
        for unicast in [false, true] {
            let mut datagram = sealed(unicast);
            datagram[8] = 254;
            let (context, range) = AhContext::open(&datagram).expect("opens");
            assert_eq!(context.verify(&key(), &datagram[range], unicast), unicast);
        }
    }

    #[test]
    fn open_holds_the_datagram_to_each_bound_of_its_headers_and_total_length() {
        let datagram = sealed(false);
        let with = |edit: &dyn Fn(&mut Vec<u8>)| {
            let mut d = datagram.clone();
            edit(&mut d);
            AhContext::open(&d).map(|(_, range)| range)
        };
        let total = |d: &mut Vec<u8>, n: u16| d[2..4].copy_from_slice(&n.to_be_bytes());
        // Version 6, or a header shorter than 20 bytes, is no IPv4 datagram.
        assert_eq!(with(&|d| d[0] = 0x65), Err(AhError::NotIpv4));
        assert_eq!(with(&|d| d[0] = 0x44), Err(AhError::NotIpv4));
        // Exactly the headers, with nothing after them, opens (on an empty message).
        let bare = with(&|d| {
            d.truncate(44);
            total(d, 44);
        });
        assert_eq!(bare, Ok(44..44));
        assert_eq!(
            with(&|d| {
                d.truncate(43);
                total(d, 43);
            }),
            Err(AhError::TooShort(43))
        );
        // A total length shorter than the headers, or longer than what arrived, is refused.
        assert_eq!(with(&|d| total(d, 43)), Err(AhError::NotIpv4));
        let len = datagram.len() as u16;
        assert_eq!(with(&|d| total(d, len + 1)), Err(AhError::NotIpv4));
        assert_eq!(with(&|d| total(d, len)), Ok(44..datagram.len()));
        assert_eq!(with(&|d| total(d, len - 1)), Ok(44..datagram.len() - 1));
    }

    #[test]
    fn what_is_not_an_ah_protected_vrrp_message_is_refused() {
        let datagram = sealed(false);
        assert_eq!(AhContext::open(&datagram[..40]), Err(AhError::TooShort(40)));
        let mut other = datagram.clone();
        other[9] = 112;
        assert_eq!(AhContext::open(&other), Err(AhError::Protocol(112)));
        let mut other = datagram.clone();
        other[20] = 6;
        assert!(matches!(
            AhContext::open(&other),
            Err(AhError::Header { next: 6, .. })
        ));
    }
}
