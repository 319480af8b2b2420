//! What the HMAC covers (draft-cassen-vrrp-auth-hmac, as keepalived 2.4.3 computes it) and the
//! HMAC-SHA256 itself.
//!
//! The HMAC input is a 20-byte pseudo-header {family 4 or 6, version, VRID, zero, the sender's
//! address zero-padded to 16 bytes}, then the VRRP message and the trailer with the checksum and
//! the HMAC read as zero. The IP header is not covered; binding the family, version, VRID and
//! source stops a trailer from being spliced onto another router's advertisement.

use std::net::IpAddr;

use hmac::{KeyInit, Mac};
use sha2::Sha256;

use crate::packet::{TRAILER_HMAC_LEN, Version};
use crate::{AddressFamily, Vrid};

use super::HmacKey;

type HmacSha256 = hmac::Hmac<Sha256>;

/// The pseudo-header's length.
const PSEUDO_LEN: usize = 20;
/// Where the checksum lies in the message.
const CHECKSUM: std::ops::Range<usize> = 6..8;

/// The pseudo-header of an advertisement of `version` for `vrid` sent from `source`.
pub(crate) fn pseudo_header(version: Version, vrid: Vrid, source: IpAddr) -> [u8; PSEUDO_LEN] {
    let mut pseudo = [0; PSEUDO_LEN];
    pseudo[0] = match AddressFamily::of(source) {
        AddressFamily::Ipv4 => 4,
        AddressFamily::Ipv6 => 6,
    };
    pseudo[1] = version.number();
    pseudo[2] = vrid.get();
    match source {
        IpAddr::V4(v4) => pseudo[4..8].copy_from_slice(&v4.octets()),
        IpAddr::V6(v6) => pseudo[4..].copy_from_slice(&v6.octets()),
    }
    pseudo
}

/// The HMAC of `signed`: the message and its trailer, whose checksum and HMAC bytes count as zero
/// whatever they hold. `signed` is at least a header and a trailer long (the caller split it).
fn mac(key: &HmacKey, pseudo: &[u8; PSEUDO_LEN], signed: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length; HmacKey holds 32 to 64 bytes.
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key.bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    let hmac_at = signed.len() - TRAILER_HMAC_LEN;
    mac.update(pseudo);
    mac.update(&signed[..CHECKSUM.start]);
    mac.update(&[0; 2]);
    mac.update(&signed[CHECKSUM.end..hmac_at]);
    mac.update(&[0; TRAILER_HMAC_LEN]);
    mac
}

/// The truncated HMAC to send.
pub(crate) fn sign(
    key: &HmacKey,
    pseudo: &[u8; PSEUDO_LEN],
    signed: &[u8],
) -> [u8; TRAILER_HMAC_LEN] {
    let full = mac(key, pseudo, signed).finalize().into_bytes();
    let mut truncated = [0; TRAILER_HMAC_LEN];
    truncated.copy_from_slice(&full[..TRAILER_HMAC_LEN]);
    truncated
}

/// Whether `received` is the truncated HMAC of `signed`, compared in constant time.
pub(crate) fn verify(
    key: &HmacKey,
    pseudo: &[u8; PSEUDO_LEN],
    signed: &[u8],
    received: &[u8; TRAILER_HMAC_LEN],
) -> bool {
    mac(key, pseudo, signed)
        .verify_truncated_left(received)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    #[test]
    fn rfc4231_test_case_2_matches() {
        // RFC 4231 §4.3: HMAC-SHA-256 with key "Jefe" of "what do ya want for nothing?".
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        let tag = mac.finalize().into_bytes();
        assert_eq!(
            tag[..16],
            [
                0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95,
                0x75, 0xc7
            ]
        );
    }

    #[test]
    fn the_pseudo_header_binds_family_version_vrid_and_source() {
        let vrid = Vrid::new(51).unwrap();
        let pseudo = pseudo_header(Version::V3, vrid, Ipv4Addr::new(192, 0, 2, 1).into());
        assert_eq!(pseudo[..8], [4, 3, 51, 0, 192, 0, 2, 1]);
        assert_eq!(pseudo[8..], [0; 12]);
    }

    #[test]
    fn checksum_and_hmac_bytes_do_not_change_the_hmac() {
        let key = HmacKey::new(1, &[7; 32]).unwrap();
        let pseudo = [1; PSEUDO_LEN];
        let mut signed = [9u8; 12 + 28];
        let tag = sign(&key, &pseudo, &signed);
        signed[6] = 0;
        signed[39] = 0;
        assert!(verify(&key, &pseudo, &signed, &tag));
        signed[5] ^= 1;
        assert!(!verify(&key, &pseudo, &signed, &tag));
    }
}
