//! The Internet checksum (RFC 1071) as VRRP uses it, and the forms of the VRRPv3 IPv4 checksum.
//!
//! One's-complement sums do not depend on where a 16-bit word stands, so the message is summed once
//! and each form only adds the sum of its pseudo-header: verifying both forms costs one pass.

use std::net::IpAddr;

/// What the VRRPv3 checksum covers besides the VRRP message.
///
/// VRRPv2 always covers the message only (RFC 3768 §5.3.8) and VRRPv3 over IPv6 always adds the
/// RFC 8200 pseudo-header; the forms differ only for VRRPv3 over IPv4, where the field uses all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ChecksumForm {
    /// The message plus an IP pseudo-header {source, destination, length, protocol 112}: RFC 5798
    /// read literally, what keepalived and FRR send by default, and what Wireshark expects.
    #[default]
    PseudoHeader,
    /// The message alone: RFC 9568 §5.2.8, and what Cisco and Juniper send (keepalived's
    /// `v3_checksum_as_v2`).
    MessageOnly,
    /// The pseudo-header with the VRRP group 224.0.0.18 as its destination, whatever the packet's:
    /// what keepalived before 1.3.6 (2017) sent to unicast peers, and later ones with
    /// `old_unicast_checksum`. For multicast adverts to 224.0.0.18 it is the pseudo-header form.
    LegacyUnicast,
}

/// Which VRRPv3 IPv4 checksum forms a receiver accepts.
///
/// Accepting both standard forms is what interoperates with every current peer, and the form that
/// matched is reported so that it can be counted. Accepting more than one has a price: a corrupted packet whose damage happens to
/// equal the pseudo-header sum passes as the other form, so a receiver that knows its peers' form
/// can insist on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ChecksumAcceptance {
    /// Either standard form ([`PseudoHeader`](ChecksumForm::PseudoHeader) or
    /// [`MessageOnly`](ChecksumForm::MessageOnly)); the pseudo-header form is tried first.
    #[default]
    Either,
    /// Accept only this form.
    Only(ChecksumForm),
    /// Either standard form, then [`LegacyUnicast`](ChecksumForm::LegacyUnicast): a virtual
    /// router that accepts an advert in the legacy form sends in it from then on (its
    /// [`Config::checksum_form`](crate::Config::checksum_form) says so), as keepalived does unless
    /// told `old_unicast_checksum never`.
    LearnLegacyUnicast,
}

impl ChecksumAcceptance {
    /// Whether a checksum in `form` is acceptable.
    pub fn accepts(self, form: ChecksumForm) -> bool {
        match self {
            Self::Either => form != ChecksumForm::LegacyUnicast,
            Self::Only(only) => only == form,
            Self::LearnLegacyUnicast => true,
        }
    }
}

/// The IP protocol number of VRRP (RFC 5798 §5.1.1.4), also the pseudo-header's next header.
pub(crate) const IP_PROTOCOL: u8 = 112;

/// Adds the bytes of `data` as big-endian 16-bit words to `sum`, padding an odd last byte with zero.
pub(crate) fn add_bytes(mut sum: u32, data: &[u8]) -> u32 {
    let mut words = data.chunks_exact(2);
    for word in &mut words {
        sum += u32::from(u16::from_be_bytes([word[0], word[1]]));
    }
    if let [last] = words.remainder() {
        sum += u32::from(*last) << 8;
    }
    sum
}

/// Folds the carries of a 32-bit accumulator into a 16-bit one's-complement sum.
pub(crate) fn fold(mut sum: u32) -> u16 {
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    // The loop leaves at most 16 bits.
    sum as u16
}

/// The sum of the pseudo-header of a VRRP message of `len` bytes from `source` to `destination`.
///
/// For IPv4 that is {source, destination, zero, protocol, 16-bit length}; for IPv6 (RFC 8200 §8.1)
/// {source, destination, 32-bit length, three zero bytes, next header}. Both sum to the same words.
pub(crate) fn pseudo_header_sum(source: IpAddr, destination: IpAddr, len: usize) -> u32 {
    let mut sum = match (source, destination) {
        (IpAddr::V4(s), IpAddr::V4(d)) => add_bytes(add_bytes(0, &s.octets()), &d.octets()),
        (s, d) => add_bytes(add_bytes(0, &to_ipv6_octets(s)), &to_ipv6_octets(d)),
    };
    // A VRRP message is at most 16 + 4 × 255 or 8 + 16 × 255 bytes, far below 2^16.
    let len = len as u32;
    sum += (len >> 16) + (len & 0xFFFF);
    sum + u32::from(IP_PROTOCOL)
}

fn to_ipv6_octets(address: IpAddr) -> [u8; 16] {
    match address {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
        IpAddr::V6(v6) => v6.octets(),
    }
}

/// The checksum to put into a message whose checksum field is zero and whose other bytes sum to
/// `message_sum`, with `pseudo_header_sum` added (zero for the message-only form).
pub(crate) fn finish(message_sum: u32, pseudo_header_sum: u32) -> u16 {
    !fold(message_sum + pseudo_header_sum)
}

/// Whether a message whose bytes, checksum field included, sum to `message_sum` verifies with
/// `pseudo_header_sum` added.
pub(crate) fn verifies(message_sum: u32, pseudo_header_sum: u32) -> bool {
    fold(message_sum + pseudo_header_sum) == 0xFFFF
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example_sums_to_the_published_value() {
        // RFC 1071 §3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2.
        let sum = add_bytes(0, &[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
        assert_eq!(fold(sum), 0xddf2);
    }

    #[test]
    fn odd_length_pads_the_last_byte_on_the_right() {
        assert_eq!(fold(add_bytes(0, &[0x12, 0x34, 0x56])), 0x6834);
    }

    #[test]
    fn acceptance_only_accepts_its_form() {
        let only = ChecksumAcceptance::Only(ChecksumForm::MessageOnly);
        assert!(only.accepts(ChecksumForm::MessageOnly));
        assert!(!only.accepts(ChecksumForm::PseudoHeader));
        assert!(ChecksumAcceptance::Either.accepts(ChecksumForm::PseudoHeader));
        assert!(!ChecksumAcceptance::Either.accepts(ChecksumForm::LegacyUnicast));
        assert!(ChecksumAcceptance::LearnLegacyUnicast.accepts(ChecksumForm::LegacyUnicast));
        assert!(ChecksumAcceptance::LearnLegacyUnicast.accepts(ChecksumForm::MessageOnly));
    }
}
