//! What must hold for any input: shared by the fuzz targets and by the test that replays the seed
//! corpus on stable Rust (`tests/fuzz_corpus.rs`). Each function returns whether the input parsed.

#![forbid(unsafe_code)]

use std::net::{Ipv4Addr, Ipv6Addr};

use vrrp::packet::{Advertisement, ChecksumAcceptance, ChecksumForm, RxMeta};

/// Input: a flags byte (bit 0: IPv6; bits 1-2: accepted checksum forms; bit 3: hop limit 254 instead
/// of 255), the source and destination addresses of the family, then the VRRP message.
pub fn advertisement(data: &[u8]) -> bool {
    let Some((&flags, rest)) = data.split_first() else {
        return false;
    };
    let hop_limit = if flags & 0b1000 != 0 { 254 } else { 255 };
    let acceptance = match (flags >> 1) & 0b11 {
        1 => ChecksumAcceptance::Only(ChecksumForm::PseudoHeader),
        2 => ChecksumAcceptance::Only(ChecksumForm::MessageOnly),
        _ => ChecksumAcceptance::Either,
    };
    let (rx, message) = if flags & 1 == 0 {
        let Some((addresses, message)) = rest.split_first_chunk::<8>() else {
            return false;
        };
        let [s0, s1, s2, s3, d0, d1, d2, d3] = *addresses;
        let source = Ipv4Addr::new(s0, s1, s2, s3);
        let destination = Ipv4Addr::new(d0, d1, d2, d3);
        (RxMeta::ipv4(source, destination, hop_limit, 1), message)
    } else {
        let Some((addresses, message)) = rest.split_first_chunk::<32>() else {
            return false;
        };
        let (source, destination) = addresses.split_at(16);
        let octets = |half: &[u8]| {
            let mut octets = [0; 16];
            octets.copy_from_slice(half);
            Ipv6Addr::from(octets)
        };
        (
            RxMeta::ipv6(octets(source), octets(destination), hop_limit, 1),
            message,
        )
    };
    match Advertisement::parse_with(&rx, message, acceptance) {
        Ok(advert) => {
            assert_stable(&rx, message.len(), &advert, acceptance);
            true
        }
        Err(_) => false,
    }
}

/// Input: an IPv4 datagram as a raw socket returns it.
pub fn ipv4_datagram(data: &[u8]) -> bool {
    match Advertisement::parse_ipv4_datagram(data, 1, ChecksumAcceptance::Either) {
        Ok((rx, advert)) => {
            assert_stable(
                &rx,
                advert.buffer_len(),
                &advert,
                ChecksumAcceptance::Either,
            );
            true
        }
        Err(_) => false,
    }
}

/// parse → emit → parse gives the same advertisement, and the message had exactly its length.
fn assert_stable(
    rx: &RxMeta,
    received_len: usize,
    advert: &Advertisement,
    acceptance: ChecksumAcceptance,
) {
    assert_eq!(
        received_len,
        advert.buffer_len(),
        "parse accepted a message of another length"
    );
    let mut out = vec![0; advert.buffer_len()];
    let len = advert
        .emit(rx.source(), rx.destination(), &mut out)
        .expect("a parsed advertisement emits");
    assert_eq!(len, out.len());
    let again =
        Advertisement::parse_with(rx, &out, acceptance).expect("an emitted advertisement parses");
    assert_eq!(&again, advert);
}
