//! The authentication trailer that keepalived 2.4's `auth_hmac` appends to an advertisement
//! (draft-cassen-vrrp-auth-hmac): 28 bytes after the VRRP message, in both versions and families.
//!
//! ```text
//!  0       1       2       3
//! +-------+-------+---------------+
//! | type  | key id|   reserved    |   type 1: HMAC-SHA256 truncated to 128 bits
//! +-------+-------+---------------+
//! |   sequence: UTC seconds       |
//! +---------------+---------------+
//! | 1/65536 s     | counter       |
//! +---------------+---------------+
//! |   HMAC (16 bytes)             |
//! +-------------------------------+
//! ```
//!
//! This module reads and writes the bytes; what the HMAC covers and how the sequence is checked
//! belong to [`HmacAuth`](crate::HmacAuth).

use super::{RxError, Version};
use crate::AddressFamily;

/// The length of the trailer.
pub const TRAILER_LEN: usize = 28;
/// The length of the truncated HMAC at the end of the trailer.
pub const TRAILER_HMAC_LEN: usize = 16;
/// The scheme of HMAC-SHA256 truncated to 128 bits, the only one defined.
pub(crate) const SCHEME_HMAC_SHA256: u8 = 1;

/// An authentication trailer, as received or about to be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Trailer {
    /// Which configured key signed the advertisement (1–255).
    pub key_id: u8,
    /// The 64-bit sequence: UTC seconds in the high 32 bits, then a 1/65536 s fraction, then a
    /// counter that keeps it growing within one clock reading.
    pub sequence: u64,
    /// The truncated HMAC.
    pub hmac: [u8; TRAILER_HMAC_LEN],
}

impl Trailer {
    /// Splits a received IP payload into the VRRP message and the trailer after it, if its length
    /// is exactly that of the message its header describes plus [`TRAILER_LEN`]: the only way a
    /// trailer is recognised, as Ethernet padding never reaches that size. `None` if it is not.
    pub fn split(family: AddressFamily, payload: &[u8]) -> Option<(&[u8], &[u8; TRAILER_LEN])> {
        let version = Version::of(*payload.first()?, family)?;
        let count = usize::from(*payload.get(3)?);
        let message_len = version.message_len(family, count);
        if payload.len() != message_len + TRAILER_LEN {
            return None;
        }
        let (message, trailer) = payload.split_at(message_len);
        Some((message, trailer.try_into().ok()?))
    }

    /// Reads a trailer. An unknown scheme or a non-zero reserved field is
    /// [`RxError::AuthTrailerMalformed`].
    pub fn parse(bytes: &[u8; TRAILER_LEN]) -> Result<Self, RxError> {
        if bytes[0] != SCHEME_HMAC_SHA256 || bytes[2..4] != [0, 0] {
            return Err(RxError::AuthTrailerMalformed);
        }
        let mut sequence = [0; 8];
        sequence.copy_from_slice(&bytes[4..12]);
        let mut hmac = [0; TRAILER_HMAC_LEN];
        hmac.copy_from_slice(&bytes[12..]);
        Ok(Self {
            key_id: bytes[1],
            sequence: u64::from_be_bytes(sequence),
            hmac,
        })
    }

    /// Writes the trailer into `out`.
    pub fn write(&self, out: &mut [u8; TRAILER_LEN]) {
        out[0] = SCHEME_HMAC_SHA256;
        out[1] = self.key_id;
        out[2..4].fill(0);
        out[4..12].copy_from_slice(&self.sequence.to_be_bytes());
        out[12..].copy_from_slice(&self.hmac);
    }

    /// The UTC seconds the sequence was taken at (its high 32 bits).
    pub const fn seconds(&self) -> u32 {
        (self.sequence >> 32) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trailer_reads_back_as_written() {
        let trailer = Trailer {
            key_id: 7,
            sequence: 0x6a5f_0102_8000_0003,
            hmac: [0xab; 16],
        };
        let mut bytes = [0; TRAILER_LEN];
        trailer.write(&mut bytes);
        assert_eq!(&bytes[..4], &[1, 7, 0, 0]);
        assert_eq!(&bytes[4..8], &[0x6a, 0x5f, 0x01, 0x02]);
        assert_eq!(Trailer::parse(&bytes), Ok(trailer));
        assert_eq!(trailer.seconds(), 0x6a5f_0102);
    }

    #[test]
    fn an_unknown_scheme_or_reserved_bits_are_malformed() {
        let mut bytes = [0; TRAILER_LEN];
        Trailer {
            key_id: 1,
            sequence: 1,
            hmac: [0; 16],
        }
        .write(&mut bytes);
        let mut scheme = bytes;
        scheme[0] = 2;
        assert_eq!(Trailer::parse(&scheme), Err(RxError::AuthTrailerMalformed));
        let mut reserved = bytes;
        reserved[3] = 1;
        assert_eq!(
            Trailer::parse(&reserved),
            Err(RxError::AuthTrailerMalformed)
        );
    }

    #[test]
    fn only_the_exact_length_splits() {
        // VRRPv3 IPv4 with one address: 12 bytes of message.
        let mut payload = vec![0x31, 51, 100, 1, 0, 100, 0, 0, 192, 0, 2, 100];
        assert_eq!(Trailer::split(AddressFamily::Ipv4, &payload), None);
        payload.extend([0; TRAILER_LEN]);
        let (message, _) = Trailer::split(AddressFamily::Ipv4, &payload).unwrap();
        assert_eq!(message.len(), 12);
        payload.push(0);
        assert_eq!(Trailer::split(AddressFamily::Ipv4, &payload), None);
        // VRRPv2 carries 8 bytes of authentication data after the addresses.
        let mut v2 = vec![0x21, 51, 100, 1, 0, 1, 0, 0, 192, 0, 2, 100];
        v2.extend([0; 8 + TRAILER_LEN]);
        let (message, _) = Trailer::split(AddressFamily::Ipv4, &v2).unwrap();
        assert_eq!(message.len(), 20);
        // VRRPv2 over IPv6 does not exist, so nothing splits.
        payload.truncate(12 + TRAILER_LEN);
        payload[0] = 0x21;
        assert_eq!(Trailer::split(AddressFamily::Ipv6, &payload), None);
    }
}
