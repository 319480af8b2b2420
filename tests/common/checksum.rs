//! The Internet checksum, written independently of the crate's, to forge and reseal messages.

/// RFC 1071 checksum of the concatenation of `parts`, written independently of the crate's.
pub fn internet_checksum(parts: &[&[u8]]) -> u16 {
    let bytes: Vec<u8> = parts.concat();
    let mut sum: u64 = bytes
        .chunks(2)
        .map(|w| u64::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    !(sum as u16)
}

/// The pseudo-header laid out as RFC 8200 §8.1 (IPv6) or as an IPv4 upper-layer pseudo-header.
pub fn pseudo_header(
    source: std::net::IpAddr,
    destination: std::net::IpAddr,
    len: usize,
) -> Vec<u8> {
    use std::net::IpAddr;
    match (source, destination) {
        (IpAddr::V4(s), IpAddr::V4(d)) => [
            &s.octets()[..],
            &d.octets(),
            &[0, 112],
            &(len as u16).to_be_bytes(),
        ]
        .concat(),
        (IpAddr::V6(s), IpAddr::V6(d)) => [
            &s.octets()[..],
            &d.octets(),
            &(len as u32).to_be_bytes(),
            &[0, 0, 0, 112],
        ]
        .concat(),
        _ => panic!("one family"),
    }
}

/// Recomputes the checksum of a VRRP message in place, with `pseudo` (a pseudo-header) or without.
pub fn reseal(message: &mut [u8], pseudo: Option<&[u8]>) {
    message[6..8].fill(0);
    let sum = internet_checksum(&[pseudo.unwrap_or_default(), message]);
    message[6..8].copy_from_slice(&sum.to_be_bytes());
}
