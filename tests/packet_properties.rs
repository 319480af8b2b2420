//! Property tests of the wire format: emit → parse round trips, and damaged packets are rejected
//! with the error of the damaged field.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use vrrp::packet::{
    AddressList, Advertisement, Authentication, ChecksumAcceptance, ChecksumForm, Ipv4Datagram,
    Password, RxError, RxMeta, Version,
};
use vrrp::{AddressFamily, Counter, Interval, Priority, Vrid};

/// A valid advertisement with its sender and destination.
#[derive(Debug, Clone)]
struct Sent {
    advert: Advertisement,
    source: IpAddr,
    destination: IpAddr,
}

impl Sent {
    fn rx(&self) -> RxMeta {
        match (self.source, self.destination) {
            (IpAddr::V4(s), IpAddr::V4(d)) => RxMeta::ipv4(s, d, 255, 1),
            (IpAddr::V6(s), IpAddr::V6(d)) => RxMeta::ipv6(s, d, 255, 1),
            _ => unreachable!("one family"),
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = vec![0; self.advert.buffer_len()];
        self.advert
            .emit(self.source, self.destination, &mut out)
            .expect("generated adverts are valid");
        out
    }

    /// The only form a receiver insisting on the sender's form accepts.
    fn strict(&self) -> ChecksumAcceptance {
        ChecksumAcceptance::Only(self.advert.checksum_form)
    }
}

/// A VRRPv3 advertisement for VRID 1 at the default priority; `any_sent` varies those.
fn v3(centis: u16, addresses: AddressList, form: ChecksumForm) -> Advertisement {
    Advertisement {
        version: Version::V3,
        vrid: Vrid::new(1).expect("non-zero"),
        priority: Priority::DEFAULT,
        interval: Interval::from_centis(centis).expect("generated intervals are non-zero"),
        addresses,
        authentication: Authentication::None,
        checksum_form: form,
    }
}

fn link_local() -> impl Strategy<Value = Ipv6Addr> {
    any::<u64>().prop_map(|iid| Ipv6Addr::from((0xfe80_u128 << 112) | u128::from(iid)))
}

fn v3_ipv4() -> impl Strategy<Value = Sent> {
    (
        prop::collection::vec(any::<u32>().prop_map(Ipv4Addr::from), 1..=20),
        1..=Interval::V3_MAX_CENTIS,
        prop_oneof![
            Just(ChecksumForm::PseudoHeader),
            Just(ChecksumForm::MessageOnly)
        ],
        any::<u32>(),
        any::<u32>(),
    )
        .prop_map(|(addresses, centis, form, source, destination)| Sent {
            advert: v3(centis, AddressList::ipv4(addresses), form),
            source: Ipv4Addr::from(source).into(),
            destination: Ipv4Addr::from(destination).into(),
        })
}

fn v3_ipv6() -> impl Strategy<Value = Sent> {
    (
        link_local(),
        prop::collection::vec(any::<u128>().prop_map(Ipv6Addr::from), 0..=8),
        1..=Interval::V3_MAX_CENTIS,
        link_local(),
        any::<u128>(),
    )
        .prop_map(|(first, rest, centis, source, destination)| Sent {
            advert: v3(
                centis,
                AddressList::ipv6(std::iter::once(first).chain(rest)),
                ChecksumForm::PseudoHeader,
            ),
            source: source.into(),
            destination: Ipv6Addr::from(destination).into(),
        })
}

fn v2_ipv4() -> impl Strategy<Value = Sent> {
    (
        prop::collection::vec(any::<u32>().prop_map(Ipv4Addr::from), 1..=20),
        1..=Interval::V2_MAX_SECS,
        prop::option::of(prop::collection::vec(any::<u8>(), 1..=8)),
        any::<u32>(),
    )
        .prop_map(|(addresses, secs, password, source)| Sent {
            advert: Advertisement {
                version: Version::V2,
                interval: Interval::from_secs(secs).expect("non-zero"),
                authentication: password.map_or(Authentication::None, |p| {
                    Authentication::Password(Password::new(&p).expect("1 to 8 bytes"))
                }),
                ..v3(100, AddressList::ipv4(addresses), ChecksumForm::MessageOnly)
            },
            source: Ipv4Addr::from(source).into(),
            destination: vrrp::packet::IPV4_MULTICAST.into(),
        })
}

fn any_sent() -> impl Strategy<Value = Sent> {
    (
        prop_oneof![v3_ipv4(), v3_ipv6(), v2_ipv4()],
        1..=255u8,
        any::<u8>(),
    )
        .prop_map(|(mut sent, vrid, priority)| {
            sent.advert.vrid = Vrid::new(vrid).expect("1 to 255");
            sent.advert.priority = Priority::new(priority);
            sent
        })
}

/// The error a single-bit flip at `bit` of a valid message must produce, or `None` if a flip there
/// yields another valid message structure whose error is one of several (see the call site).
fn expected_error(sent: &Sent, bytes: &[u8], bit: usize) -> fn(&RxError) -> bool {
    let family = sent.advert.addresses.family();
    match bit / 8 {
        // The version nibble: an unsupported version, or a supported one whose length differs.
        0 if bit % 8 < 4 => {
            let version = (bytes[0] ^ (0x80 >> (bit % 8))) >> 4;
            match (version, family) {
                (2, AddressFamily::Ipv4) | (3, _) => |e| matches!(e, RxError::Length { .. }),
                _ => |e| matches!(e, RxError::Version { .. }),
            }
        }
        // The address count: zero, or a length that no longer matches.
        // (VRRPv2 may carry none: then only the length is wrong.)
        3 if bytes[3] ^ (0x80 >> (bit % 8)) == 0 && sent.advert.version == Version::V3 => {
            |e| *e == RxError::NoAddresses
        }
        3 => |e| matches!(e, RxError::Length { .. }),
        // Everything else is covered by the checksum, checked before any field's meaning.
        _ => |e| matches!(e, RxError::Checksum { .. }),
    }
}

fn flip(bytes: &[u8], bit: usize) -> Vec<u8> {
    let mut flipped = bytes.to_vec();
    flipped[bit / 8] ^= 0x80 >> (bit % 8);
    flipped
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn emit_then_parse_round_trips(sent in any_sent()) {
        let bytes = sent.bytes();
        prop_assert_eq!(bytes.len(), sent.advert.buffer_len());
        let parsed = Advertisement::parse(&sent.rx(), &bytes);
        prop_assert_eq!(parsed, Ok(sent.advert.clone()));
    }

    #[test]
    fn v3_rx_03_every_truncation_is_rejected_as_a_length_error(sent in any_sent()) {
        let bytes = sent.bytes();
        for len in 0..bytes.len() {
            let err = Advertisement::parse(&sent.rx(), &bytes[..len]).expect_err("truncated");
            prop_assert_eq!(err.counter(), Counter::PacketLengthErrors, "length {}: {:?}", len, err);
        }
    }

    #[test]
    fn v3_rx_04_every_single_bit_flip_is_rejected_with_the_damaged_fields_error(sent in any_sent()) {
        let bytes = sent.bytes();
        for bit in 0..bytes.len() * 8 {
            let result = Advertisement::parse_with(&sent.rx(), &flip(&bytes, bit), sent.strict());
            let is_expected = expected_error(&sent, &bytes, bit);
            prop_assert!(
                result.as_ref().is_err_and(is_expected),
                "bit {} of {:02x?}: {:?}", bit, bytes, result
            );
        }
    }

    /// Accepting both VRRPv3 IPv4 forms weakens the checksum by exactly one value: a flip whose change
    /// equals the pseudo-header's sum passes as the other form. Then the packet parses (reported as
    /// the other form) or a later check rejects it, exactly as a receiver of that form alone would.
    #[test]
    fn v3_ck_03_accepting_either_form_only_lets_a_flip_pass_as_the_other_form(sent in v3_ipv4()) {
        let bytes = sent.bytes();
        let other = match sent.advert.checksum_form {
            // To the group, the legacy unicast form is the pseudo-header form.
            ChecksumForm::PseudoHeader | ChecksumForm::LegacyUnicast => ChecksumForm::MessageOnly,
            ChecksumForm::MessageOnly => ChecksumForm::PseudoHeader,
        };
        for bit in 0..bytes.len() * 8 {
            let flipped = flip(&bytes, bit);
            match Advertisement::parse(&sent.rx(), &flipped) {
                Err(e) if expected_error(&sent, &bytes, bit)(&e) => {}
                Ok(advert) => prop_assert_eq!(advert.checksum_form, other, "bit {}", bit),
                Err(e) => {
                    let as_other = Advertisement::parse_with(&sent.rx(), &flipped, ChecksumAcceptance::Only(other));
                    prop_assert_eq!(as_other, Err(e), "bit {}", bit);
                }
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_what_parses_re_emits(
        bytes in prop::collection::vec(any::<u8>(), 0..120),
        v6 in any::<bool>(),
        source in any::<u128>(),
    ) {
        let rx = if v6 {
            RxMeta::ipv6(Ipv6Addr::from(source), vrrp::packet::IPV6_MULTICAST, 255, 1)
        } else {
            RxMeta::ipv4(Ipv4Addr::from(source as u32), vrrp::packet::IPV4_MULTICAST, 255, 1)
        };
        if let Ok(advert) = Advertisement::parse(&rx, &bytes) {
            let mut out = vec![0; advert.buffer_len()];
            advert.emit(rx.source(), rx.destination(), &mut out).expect("a parsed advert emits");
            prop_assert_eq!(Advertisement::parse(&rx, &out), Ok(advert));
        }
        let _ = Ipv4Datagram::parse(&bytes);
    }
}
