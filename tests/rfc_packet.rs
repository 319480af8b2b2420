//! The packet-layer rows of the RFC checklist (RFC 5798 §5 and §7, RFC 9568 errata, RFC 3768), one
//! test per requirement, named after its id.

use crate::common;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use common::adverts::{MASTER, MASTER_LL, VIP, VIP_LL, VIP6, emit, v2_ipv4, v3_ipv4, v3_ipv6};
use common::checksum::{internet_checksum, pseudo_header, reseal};
use vrrp::packet::{
    AddressList, Advertisement, Authentication, ChecksumAcceptance, ChecksumForm, EmitError,
    IP_PROTOCOL, IPV4_MULTICAST, IPV6_MULTICAST, Ipv4Datagram, Ipv4Error, Password, RxError,
    RxMeta, Version,
};
use vrrp::{AddressFamily, Counter, Interval, MacAddress, Priority, ProtoErrReason};

fn rx4() -> RxMeta {
    RxMeta::ipv4(MASTER, IPV4_MULTICAST, 255, 1)
}

fn rx6() -> RxMeta {
    RxMeta::ipv6(MASTER_LL, IPV6_MULTICAST, 255, 1)
}

fn pseudo4(len: usize) -> Vec<u8> {
    pseudo_header(MASTER.into(), IPV4_MULTICAST.into(), len)
}

fn pseudo6(len: usize) -> Vec<u8> {
    pseudo_header(MASTER_LL.into(), IPV6_MULTICAST.into(), len)
}

/// The keepalived VRRPv3 advert (README of the captures), changed by `edit`, with its checksum
/// recomputed in the pseudo-header form.
fn v3_ipv4_wire(edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut bytes = emit(&v3_ipv4(), MASTER, IPV4_MULTICAST);
    edit(&mut bytes);
    let pseudo = pseudo4(bytes.len());
    reseal(&mut bytes, Some(&pseudo));
    bytes
}

fn parse4(bytes: &[u8]) -> Result<Advertisement, RxError> {
    Advertisement::parse(&rx4(), bytes)
}

const KEEPALIVED_V3: [u8; 12] = [
    0x31, 0x33, 0xc8, 0x01, 0x00, 0x64, 0xa1, 0x71, 192, 0, 2, 100,
];

#[test]
/// The constant the sockets use; `tests/netns.rs` (`v3_..._pkt_02_...`) observes it on the wire.
fn the_hop_limit_constant_is_255() {
    assert_eq!(vrrp::packet::HOP_LIMIT, 255);
}

#[test]
fn v3_pkt_03_version_and_type_share_the_first_octet() {
    assert_eq!(emit(&v3_ipv4(), MASTER, IPV4_MULTICAST), KEEPALIVED_V3);
    assert_eq!(emit(&v2_ipv4(), MASTER, IPV4_MULTICAST)[0], 0x21);
}

#[test]
fn v3_pkt_04_every_type_but_advertisement_is_rejected() {
    for packet_type in (0..16).filter(|&t| t != 1) {
        let bytes = v3_ipv4_wire(|b| b[0] = 0x30 | packet_type);
        let err = parse4(&bytes).expect_err("unknown type");
        assert_eq!(err, RxError::Type(packet_type));
        assert_eq!(err.counter(), Counter::RcvdInvalidTypePackets);
    }
}

#[test]
fn v3_pkt_05_vrid_0_is_rejected_and_every_other_round_trips() {
    let err = parse4(&v3_ipv4_wire(|b| b[1] = 0)).expect_err("VRID 0");
    assert_eq!(
        (err.clone(), err.counter()),
        (RxError::VridZero, Counter::VrIdErrors)
    );
    for vrid in 1..=255 {
        let advert = Advertisement {
            vrid: common::adverts::vrid(vrid),
            ..v3_ipv4()
        };
        let parsed = parse4(&emit(&advert, MASTER, IPV4_MULTICAST)).expect("valid");
        assert_eq!(parsed.vrid.get(), vrid);
    }
}

#[test]
fn priorities_0_to_255_round_trip() {
    for priority in 0..=255 {
        let advert = Advertisement {
            priority: Priority::new(priority),
            ..v3_ipv4()
        };
        assert_eq!(
            parse4(&emit(&advert, MASTER, IPV4_MULTICAST)).expect("valid"),
            advert
        );
    }
}

#[test]
fn v3_pkt_08_encoder_refuses_an_empty_or_overlong_address_list() {
    let mut advert = Advertisement {
        addresses: AddressList::ipv4([]),
        ..v3_ipv4()
    };
    let mut buf = [0; 2048];
    assert_eq!(
        advert.emit(MASTER.into(), IPV4_MULTICAST.into(), &mut buf),
        Err(EmitError::NoAddresses)
    );
    advert.addresses = AddressList::ipv4((0..256).map(|i: u32| Ipv4Addr::from(0xC633_6400 + i)));
    assert_eq!(
        advert.emit(MASTER.into(), IPV4_MULTICAST.into(), &mut buf),
        Err(EmitError::TooManyAddresses(256))
    );
    advert.addresses = AddressList::ipv4((0..255).map(|i: u32| Ipv4Addr::from(0xC633_6400 + i)));
    assert_eq!(
        parse4(&emit(&advert, MASTER, IPV4_MULTICAST)).expect("255 addresses"),
        advert
    );
}

#[test]
fn v3_pkt_09_reserved_bits_are_sent_as_zero_and_ignored_on_receipt() {
    let advert = Advertisement {
        interval: Interval::from_centis(4095).expect("non-zero"),
        ..v3_ipv4()
    };
    let bytes = emit(&advert, MASTER, IPV4_MULTICAST);
    assert_eq!(bytes[4] >> 4, 0);
    for reserved in 1..16 {
        let mut damaged = bytes.clone();
        damaged[4] |= reserved << 4;
        let pseudo = pseudo4(damaged.len());
        reseal(&mut damaged, Some(&pseudo));
        assert_eq!(
            parse4(&damaged)
                .expect("reserved bits ignored")
                .interval
                .as_centis(),
            4095
        );
    }
}

#[test]
fn v3_pkt_10_interval_round_trips_from_1_to_4095_cs_and_4096_is_refused() {
    for centis in [1, 10, 100, 4095] {
        let advert = Advertisement {
            interval: Interval::from_centis(centis).expect("non-zero"),
            ..v3_ipv4()
        };
        assert_eq!(
            parse4(&emit(&advert, MASTER, IPV4_MULTICAST)).expect("valid"),
            advert
        );
    }
    let interval = Interval::from_centis(4096).expect("non-zero");
    let advert = Advertisement {
        interval,
        ..v3_ipv4()
    };
    assert_eq!(
        advert.emit(MASTER.into(), IPV4_MULTICAST.into(), &mut [0; 64]),
        Err(EmitError::Interval {
            version: Version::V3,
            interval
        })
    );
}

#[test]
fn v3_pkt_11_ipv6_encoder_refuses_a_list_not_starting_link_local() {
    let advert = Advertisement {
        addresses: AddressList::ipv6([VIP6, VIP_LL]),
        ..v3_ipv6()
    };
    assert_eq!(
        advert.emit(MASTER_LL.into(), IPV6_MULTICAST.into(), &mut [0; 64]),
        Err(EmitError::FirstAddressNotLinkLocal(VIP6))
    );
}

#[test]
fn v3_pkt_12_one_family_per_message() {
    let mut buf = [0; 64];
    assert_eq!(
        v3_ipv4().emit(MASTER_LL.into(), IPV6_MULTICAST.into(), &mut buf),
        Err(EmitError::FamilyMismatch)
    );
    assert_eq!(
        v3_ipv6().emit(MASTER.into(), IPV4_MULTICAST.into(), &mut buf),
        Err(EmitError::FamilyMismatch)
    );
    // Either address alone of the other family is refused too.
    assert_eq!(
        v3_ipv4().emit(MASTER.into(), IPV6_MULTICAST.into(), &mut buf),
        Err(EmitError::FamilyMismatch)
    );
    assert_eq!(
        v3_ipv4().emit(MASTER_LL.into(), IPV4_MULTICAST.into(), &mut buf),
        Err(EmitError::FamilyMismatch)
    );
    // The carrying IP version decides the address size: an IPv4 message read over IPv6 is too short.
    let err = Advertisement::parse(&rx6(), &KEEPALIVED_V3).expect_err("wrong family");
    assert!(
        matches!(
            err,
            RxError::Length {
                expected: 24,
                actual: 12,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn v3_pkt_13_encoder_keeps_the_configured_address_order() {
    let order = [
        Ipv4Addr::new(198, 51, 100, 9),
        Ipv4Addr::new(192, 0, 2, 1),
        Ipv4Addr::new(198, 51, 100, 2),
    ];
    let advert = Advertisement {
        addresses: AddressList::ipv4(order),
        ..v3_ipv4()
    };
    let bytes = emit(&advert, MASTER, IPV4_MULTICAST);
    assert_eq!(
        bytes[8..],
        order.iter().flat_map(|a| a.octets()).collect::<Vec<_>>()
    );
    assert_eq!(
        parse4(&bytes).expect("valid").addresses.as_ipv4(),
        Some(&order[..])
    );
}

#[test]
fn v3_ck_01_checksum_is_the_rfc1071_sum_of_the_message() {
    let bytes = emit(&v3_ipv6(), MASTER_LL, IPV6_MULTICAST);
    let mut zeroed = bytes.clone();
    zeroed[6..8].fill(0);
    let expected = internet_checksum(&[&pseudo6(bytes.len()), &zeroed]);
    assert_eq!(u16::from_be_bytes([bytes[6], bytes[7]]), expected);
}

#[test]
fn v3_ck_02_9568_15_ipv6_pseudo_header_known_answer_with_rfc_8200_length() {
    // Decoded as correct by tshark in tests/tshark.rs.
    let bytes = emit(&v3_ipv6(), MASTER_LL, IPV6_MULTICAST);
    assert_eq!(bytes[6..8], [0xd9, 0xfc]);
    // The 32-bit length in the other 16-bit half (htons instead of htonl) sums to the same value.
    let mut swapped = pseudo6(bytes.len());
    swapped[32..36].copy_from_slice(&[0, (bytes.len() as u8), 0, 0]);
    let mut zeroed = bytes.clone();
    zeroed[6..8].fill(0);
    assert_eq!(internet_checksum(&[&swapped, &zeroed]), 0xd9fc);
    assert_eq!(
        Advertisement::parse(&rx6(), &bytes)
            .expect("valid")
            .checksum_form,
        ChecksumForm::PseudoHeader
    );
}

#[test]
fn v3_ck_03_ipv4_both_forms_match_the_known_answers() {
    // (priority, interval) → (with pseudo-header, message only), from keepalived captures.
    let known = [
        ((200, 100), (0xa171, 0x4402)),
        ((0, 100), (0x6972, 0x0c03)),
        ((200, 10), (0xa1cb, 0x445c)),
    ];
    for ((priority, centis), (pseudo, message_only)) in known {
        let advert = Advertisement {
            priority: Priority::new(priority),
            interval: Interval::from_centis(centis).expect("non-zero"),
            ..v3_ipv4()
        };
        for (form, expected) in [
            (ChecksumForm::PseudoHeader, pseudo),
            (ChecksumForm::MessageOnly, message_only),
        ] {
            let advert = Advertisement {
                checksum_form: form,
                ..advert.clone()
            };
            let bytes = emit(&advert, MASTER, IPV4_MULTICAST);
            assert_eq!(
                u16::from_be_bytes([bytes[6], bytes[7]]),
                expected,
                "{form:?}"
            );
            assert_eq!(
                parse4(&bytes).expect("either form accepted").checksum_form,
                form
            );
        }
    }
}

#[test]
fn v3_ck_03_receive_policy_accepts_only_the_configured_form() {
    let pseudo = emit(&v3_ipv4(), MASTER, IPV4_MULTICAST);
    let message_only = emit(
        &Advertisement {
            checksum_form: ChecksumForm::MessageOnly,
            ..v3_ipv4()
        },
        MASTER,
        IPV4_MULTICAST,
    );
    let only = |form| ChecksumAcceptance::Only(form);
    let parse = |bytes: &[u8], acceptance| Advertisement::parse_with(&rx4(), bytes, acceptance);
    assert!(parse(&pseudo, only(ChecksumForm::PseudoHeader)).is_ok());
    assert!(parse(&message_only, only(ChecksumForm::MessageOnly)).is_ok());
    assert_eq!(
        parse(&pseudo, only(ChecksumForm::MessageOnly)),
        Err(RxError::Checksum {
            received: 0xa171,
            expected: 0x4402
        })
    );
    assert_eq!(
        parse(&message_only, only(ChecksumForm::PseudoHeader)),
        Err(RxError::Checksum {
            received: 0x4402,
            expected: 0xa171
        })
    );
}

#[test]
fn v3_ck_03_pseudo_header_form_depends_on_the_addresses_and_message_only_does_not() {
    let advert = Advertisement {
        checksum_form: ChecksumForm::MessageOnly,
        ..v3_ipv4()
    };
    let unicast = Ipv4Addr::new(192, 0, 2, 2);
    assert_eq!(
        emit(&advert, MASTER, IPV4_MULTICAST),
        emit(&advert, unicast, IPV4_MULTICAST)
    );
    assert_ne!(
        emit(&v3_ipv4(), MASTER, IPV4_MULTICAST),
        emit(&v3_ipv4(), MASTER, unicast)
    );
}

#[test]
fn v3_rx_01_ttl_and_hop_limit_other_than_255_are_rejected() {
    for ttl in [0, 1, 64, 254] {
        let rx = RxMeta::ipv4(MASTER, IPV4_MULTICAST, ttl, 1);
        let err = Advertisement::parse(&rx, &KEEPALIVED_V3).expect_err("TTL");
        assert_eq!(err, RxError::HopLimit(ttl));
        assert_eq!(err.counter(), Counter::IpTtlErrors);
        assert_eq!(err.proto_err_reason(), Some(ProtoErrReason::IpTtlError));
        let rx = RxMeta::ipv6(MASTER_LL, IPV6_MULTICAST, ttl, 1);
        let v6 = emit(&v3_ipv6(), MASTER_LL, IPV6_MULTICAST);
        assert_eq!(Advertisement::parse(&rx, &v6), Err(RxError::HopLimit(ttl)));
    }
}

#[test]
fn v3_rx_02_unsupported_versions_are_rejected() {
    for version in (0..16).filter(|&v| v != 2 && v != 3) {
        let err = parse4(&v3_ipv4_wire(|b| b[0] = version << 4 | 1)).expect_err("version");
        assert_eq!(
            err,
            RxError::Version {
                version,
                family: AddressFamily::Ipv4
            }
        );
        assert_eq!(err.counter(), Counter::VersionErrors);
        assert_eq!(err.proto_err_reason(), Some(ProtoErrReason::VersionError));
    }
    let mut v2_over_ipv6 = emit(&v3_ipv6(), MASTER_LL, IPV6_MULTICAST);
    v2_over_ipv6[0] = 0x21;
    assert_eq!(
        Advertisement::parse(&rx6(), &v2_over_ipv6),
        Err(RxError::Version {
            version: 2,
            family: AddressFamily::Ipv6
        })
    );
}

#[test]
fn v3_rx_03_an_incomplete_or_overlong_message_is_rejected() {
    for len in 0..KEEPALIVED_V3.len() {
        let err = parse4(&KEEPALIVED_V3[..len]).expect_err("truncated");
        assert_eq!(err.counter(), Counter::PacketLengthErrors, "{len}: {err:?}");
    }
    let two_addresses = v3_ipv4_wire(|b| b[3] = 2);
    assert_eq!(
        parse4(&two_addresses),
        Err(RxError::Length {
            version: Version::V3,
            count: 2,
            expected: 16,
            actual: 12
        })
    );
    let trailing = [&KEEPALIVED_V3[..], &[0]].concat();
    assert_eq!(
        parse4(&trailing),
        Err(RxError::Length {
            version: Version::V3,
            count: 1,
            expected: 12,
            actual: 13
        })
    );
}

/// An IPv4 header of `ihl` words around `payload`, with `total_len` in the header.
fn ipv4_datagram(ihl: u8, total_len: u16, payload: &[u8]) -> Vec<u8> {
    let mut header = vec![0; usize::from(ihl) * 4];
    header[0] = 0x40 | ihl;
    header[1] = 0xc0;
    header[2..4].copy_from_slice(&total_len.to_be_bytes());
    header[8] = 255;
    header[9] = 112;
    header[12..16].copy_from_slice(&MASTER.octets());
    header[16..20].copy_from_slice(&IPV4_MULTICAST.octets());
    [header, payload.to_vec()].concat()
}

#[test]
fn v3_rx_03_ipv4_length_comes_from_the_header_so_ethernet_padding_is_ignored() {
    // A 46-byte minimum Ethernet payload pads the 32-byte datagram with 14 bytes.
    let mut padded = ipv4_datagram(5, 32, &KEEPALIVED_V3);
    padded.resize(46, 0);
    let (rx, advert) = Advertisement::parse_ipv4_datagram(&padded, 7, ChecksumAcceptance::Either)
        .expect("padding");
    assert_eq!(
        (rx.source(), rx.hop_limit(), rx.interface_index()),
        (IpAddr::V4(MASTER), 255, 7)
    );
    assert_eq!(advert.addresses.as_ipv4(), Some(&[VIP][..]));

    // IP options: IHL 6 moves the payload 4 bytes further.
    let with_options = ipv4_datagram(6, 36, &KEEPALIVED_V3);
    assert_eq!(
        Ipv4Datagram::parse(&with_options)
            .expect("options allowed")
            .payload,
        KEEPALIVED_V3
    );

    // A header that fills the whole datagram leaves an empty payload, for VRRP to refuse.
    assert_eq!(
        Ipv4Datagram::parse(&ipv4_datagram(5, 20, &[]))
            .expect("header only")
            .payload,
        &[] as &[u8]
    );

    let parse = |d: &[u8]| Ipv4Datagram::parse(d).map(|_| ());
    assert_eq!(
        parse(&ipv4_datagram(5, 33, &KEEPALIVED_V3)),
        Err(Ipv4Error::TotalLength {
            total_len: 33,
            received: 32
        })
    );
    assert_eq!(
        parse(&ipv4_datagram(5, 19, &KEEPALIVED_V3)),
        Err(Ipv4Error::HeaderLength {
            ihl: 5,
            total_len: 19
        })
    );
    let mut short_ihl = ipv4_datagram(5, 32, &KEEPALIVED_V3);
    short_ihl[0] = 0x44;
    assert_eq!(
        parse(&short_ihl),
        Err(Ipv4Error::HeaderLength {
            ihl: 4,
            total_len: 32
        })
    );
    assert_eq!(parse(&padded[..19]), Err(Ipv4Error::TooShort(19)));
    let mut ipv6 = padded.clone();
    ipv6[0] = 0x65;
    assert_eq!(parse(&ipv6), Err(Ipv4Error::Version(6)));
    let mut udp = padded.clone();
    udp[9] = 17;
    assert_eq!(parse(&udp), Err(Ipv4Error::Protocol(17)));
    let mut fragment = padded.clone();
    fragment[6] = 0x20;
    assert_eq!(parse(&fragment), Err(Ipv4Error::Fragment));
    let err =
        Advertisement::parse_ipv4_datagram(&udp, 1, ChecksumAcceptance::Either).expect_err("UDP");
    assert_eq!(err.counter(), Counter::PacketLengthErrors);
}

#[test]
fn v3_rx_04_a_wrong_checksum_is_rejected() {
    let mut bytes = KEEPALIVED_V3;
    bytes[7] ^= 0x01;
    let err = parse4(&bytes).expect_err("checksum");
    assert_eq!(
        err,
        RxError::Checksum {
            received: 0xa170,
            expected: 0xa171
        }
    );
    assert_eq!(err.counter(), Counter::ChecksumErrors);
    assert_eq!(err.proto_err_reason(), Some(ProtoErrReason::ChecksumError));
    // The pseudo-header binds the checksum to the addresses: another source does not verify.
    let other_source = RxMeta::ipv4(Ipv4Addr::new(192, 0, 2, 2), IPV4_MULTICAST, 255, 1);
    assert!(matches!(
        Advertisement::parse(&other_source, &KEEPALIVED_V3),
        Err(RxError::Checksum { .. })
    ));
}

#[test]
fn v3_rx_07_every_receive_error_feeds_one_counter() {
    let table = [
        (
            RxError::Ipv4(Ipv4Error::Fragment),
            Counter::PacketLengthErrors,
            None,
        ),
        (
            RxError::HopLimit(1),
            Counter::IpTtlErrors,
            Some(ProtoErrReason::IpTtlError),
        ),
        (RxError::TooShort(3), Counter::PacketLengthErrors, None),
        (
            RxError::Version {
                version: 4,
                family: AddressFamily::Ipv4,
            },
            Counter::VersionErrors,
            Some(ProtoErrReason::VersionError),
        ),
        (RxError::NoAddresses, Counter::AddressListErrors, None),
        (
            RxError::Length {
                version: Version::V3,
                count: 1,
                expected: 12,
                actual: 11,
            },
            Counter::PacketLengthErrors,
            None,
        ),
        (
            RxError::Checksum {
                received: 0,
                expected: 1,
            },
            Counter::ChecksumErrors,
            Some(ProtoErrReason::ChecksumError),
        ),
        (RxError::Type(2), Counter::RcvdInvalidTypePackets, None),
        (
            RxError::VridZero,
            Counter::VrIdErrors,
            Some(ProtoErrReason::VrIdError),
        ),
        (RxError::AuthType(9), Counter::InvalidAuthType, None),
        (
            RxError::AuthenticationHeader,
            Counter::InvalidAuthType,
            None,
        ),
        (RxError::ZeroInterval, Counter::AdvIntervalErrors, None),
        (
            RxError::FirstAddressNotLinkLocal(VIP6),
            Counter::AddressListErrors,
            None,
        ),
        (
            RxError::AuthTypeMismatch {
                configured: 0,
                received: 1,
            },
            Counter::AuthTypeMismatch,
            None,
        ),
        (RxError::AuthFailure, Counter::AuthFailures, None),
    ];
    for (error, counter, reason) in table {
        assert_eq!(
            (error.counter(), error.proto_err_reason()),
            (counter, reason),
            "{error}"
        );
    }
    assert!(Counter::ChecksumErrors.is_global() && !Counter::IpTtlErrors.is_global());
    assert_eq!(ProtoErrReason::VrIdError.mib_value(), 4);
}

#[test]
fn v2_01_a_vrrpv2_advert_may_carry_no_address_as_keepalived_sends_one() {
    // RFC 3768 sets no minimum; keepalived advertises none for an instance without addresses.
    let advert = Advertisement {
        addresses: AddressList::ipv4([]),
        ..v2_ipv4()
    };
    let bytes = emit(&advert, MASTER, IPV4_MULTICAST);
    assert_eq!(bytes.len(), 16, "the header and the authentication data");
    assert_eq!(bytes[3], 0);
    assert_eq!(parse4(&bytes).expect("valid"), advert);
}

#[test]
fn v3_rx_09_9568_e8299_zero_address_count_is_rejected() {
    let err = parse4(&v3_ipv4_wire(|b| b[3] = 0)).expect_err("count 0");
    assert_eq!(
        (err.clone(), err.counter()),
        (RxError::NoAddresses, Counter::AddressListErrors)
    );
}

#[test]
fn v3_rx_10_9568_e8300_ipv6_first_address_must_be_link_local() {
    let advert = Advertisement {
        addresses: AddressList::ipv6([VIP6]),
        ..v3_ipv6()
    };
    // Build it by hand: the encoder refuses such a list.
    let mut bytes = emit(&v3_ipv6(), MASTER_LL, IPV6_MULTICAST);
    bytes.truncate(8 + 16);
    bytes[3] = 1;
    bytes[8..24].copy_from_slice(&VIP6.octets());
    let pseudo = pseudo6(bytes.len());
    reseal(&mut bytes, Some(&pseudo));
    let err = Advertisement::parse(&rx6(), &bytes).expect_err("global address first");
    assert_eq!(err, RxError::FirstAddressNotLinkLocal(VIP6));
    assert_eq!(err.counter(), Counter::AddressListErrors);
    assert_eq!(advert.addresses.first(), Some(IpAddr::V6(VIP6)));
}

#[test]
fn v3_rx_11_9568_e8301_zero_interval_is_rejected() {
    // Zero with the reserved bits clear, and zero hidden under set reserved bits (masked off first).
    for reserved in [0x00, 0xF0] {
        let bytes = v3_ipv4_wire(|b| b[4..6].copy_from_slice(&[reserved, 0]));
        let err = parse4(&bytes).expect_err("interval 0");
        assert_eq!(
            (err.clone(), err.counter()),
            (RxError::ZeroInterval, Counter::AdvIntervalErrors)
        );
    }
}

#[test]
fn v3_tx_01_fields_come_from_the_advertisement() {
    let advert = Advertisement {
        priority: Priority::SHUTDOWN,
        ..v3_ipv4()
    };
    // keepalived's priority-0 advert from the captures.
    assert_eq!(
        emit(&advert, MASTER, IPV4_MULTICAST),
        [
            0x31, 0x33, 0x00, 0x01, 0x00, 0x64, 0x69, 0x72, 192, 0, 2, 100
        ]
    );
    let mut buf = [0; 11];
    assert_eq!(
        advert.emit(MASTER.into(), IPV4_MULTICAST.into(), &mut buf),
        Err(EmitError::BufferTooSmall {
            needed: 12,
            available: 11
        })
    );
    let mut out = bytes::BytesMut::from(&b"prefix"[..]);
    advert
        .emit_to(MASTER.into(), IPV4_MULTICAST.into(), &mut out)
        .expect("valid");
    assert_eq!(&out[6..], emit(&advert, MASTER, IPV4_MULTICAST));
    let mut untouched = bytes::BytesMut::new();
    assert_eq!(
        v3_ipv6().emit_to(MASTER.into(), IPV4_MULTICAST.into(), &mut untouched),
        Err(EmitError::FamilyMismatch)
    );
    assert!(untouched.is_empty());
}

#[test]
/// The constants the sockets use; `tests/netns.rs` (`v3_..._05_06_...`) observes them on the wire.
fn the_protocol_and_group_constants_are_112_and_the_vrrp_groups() {
    assert_eq!(IP_PROTOCOL, 112);
    assert_eq!(IPV4_MULTICAST, Ipv4Addr::new(224, 0, 0, 18));
    assert_eq!(
        IPV6_MULTICAST,
        "ff02::12".parse::<Ipv6Addr>().expect("address")
    );
}

#[test]
fn v3_mac_01_virtual_mac_per_family() {
    let vrid = common::adverts::vrid(51);
    assert_eq!(
        MacAddress::virtual_router(vrid, AddressFamily::Ipv4).to_string(),
        "00:00:5e:00:01:33"
    );
    assert_eq!(
        MacAddress::virtual_router(vrid, AddressFamily::Ipv6).octets(),
        [0, 0, 0x5e, 0, 2, 51]
    );
    assert_eq!(
        MacAddress::virtual_router(common::adverts::vrid(255), AddressFamily::Ipv4).octets()[5],
        0xff
    );
}

#[test]
fn v2_01_golden_bytes_match_keepalived() {
    let noauth = [
        0x21, 0x33, 0xc8, 0x01, 0x00, 0x01, 0x54, 0x65, 0xc0, 0x00, 0x02, 0x64, 0, 0, 0, 0, 0, 0,
        0, 0,
    ];
    assert_eq!(emit(&v2_ipv4(), MASTER, IPV4_MULTICAST), noauth);
    let pass = [
        0x21, 0x33, 0xc8, 0x01, 0x01, 0x01, 0xe5, 0xe6, 0xc0, 0x00, 0x02, 0x64, 0x73, 0x65, 0x63,
        0x72, 0x65, 0x74, 0x31, 0x32,
    ];
    let password = Authentication::Password(Password::new(b"secret12").expect("8 bytes"));
    let advert = Advertisement {
        authentication: password,
        ..v2_ipv4()
    };
    assert_eq!(emit(&advert, MASTER, IPV4_MULTICAST), pass);
    assert_eq!(parse4(&pass).expect("valid"), advert);
}

#[test]
fn v2_02_interval_is_carried_in_whole_seconds() {
    let advert = Advertisement {
        interval: Interval::from_secs(3).expect("non-zero"),
        ..v2_ipv4()
    };
    let bytes = emit(&advert, MASTER, IPV4_MULTICAST);
    assert_eq!(bytes[5], 3);
    assert_eq!(parse4(&bytes).expect("valid").interval.as_centis(), 300);
    for centis in [50, 150, 25600] {
        let interval = Interval::from_centis(centis).expect("non-zero");
        let advert = Advertisement {
            interval,
            ..v2_ipv4()
        };
        assert_eq!(
            advert.emit(MASTER.into(), IPV4_MULTICAST.into(), &mut [0; 64]),
            Err(EmitError::Interval {
                version: Version::V2,
                interval
            })
        );
    }
    // keepalived puts sub-second v2 intervals on the wire as 0 s; that is refused.
    let mut zero = bytes.clone();
    zero[5] = 0;
    reseal(&mut zero, None);
    assert_eq!(parse4(&zero), Err(RxError::ZeroInterval));
}

#[test]
fn v2_03_auth_types_other_than_none_password_and_ah_are_rejected() {
    let v2 = emit(&v2_ipv4(), MASTER, IPV4_MULTICAST);
    // Type 2 parses (the router it is for checks its Authentication Header); 3 to 255 do not.
    let mut ah = v2.clone();
    ah[4] = 2;
    reseal(&mut ah, None);
    let parsed = parse4(&ah).expect("type 2 parses");
    assert_eq!(parsed.authentication.auth_type(), 2);
    assert_eq!(
        parsed.authentication,
        Authentication::IpsecAh(Password::from_wire([0; 8]))
    );
    for auth_type in 3..=255u8 {
        let mut bytes = v2.clone();
        bytes[4] = auth_type;
        reseal(&mut bytes, None);
        let err = parse4(&bytes).expect_err("auth type");
        assert_eq!(err, RxError::AuthType(auth_type));
        assert_eq!(err.counter(), Counter::InvalidAuthType);
    }
    assert_eq!(
        Password::new(b""),
        Err(vrrp::packet::PasswordLengthError(0))
    );
    assert_eq!(
        Password::new(b"123456789"),
        Err(vrrp::packet::PasswordLengthError(9))
    );
    assert_eq!(
        format!("{:?}", Password::new(b"secret").expect("6 bytes")),
        "Password(<6 bytes>)"
    );
}

#[test]
fn v2_04_checksum_covers_the_message_without_pseudo_header() {
    let bytes = emit(&v2_ipv4(), MASTER, IPV4_MULTICAST);
    let mut zeroed = bytes.clone();
    zeroed[6..8].fill(0);
    assert_eq!(
        u16::from_be_bytes([bytes[6], bytes[7]]),
        internet_checksum(&[&zeroed])
    );
    assert_eq!(
        emit(
            &v2_ipv4(),
            Ipv4Addr::new(192, 0, 2, 2),
            Ipv4Addr::new(192, 0, 2, 3)
        ),
        bytes
    );
    assert_eq!(
        parse4(&bytes).expect("valid").checksum_form,
        ChecksumForm::MessageOnly
    );
}

#[test]
fn v2_07_auth_type_and_password_must_match_the_configuration() {
    let secret = Authentication::Password(Password::new(b"secret12").expect("8 bytes"));
    let other = Authentication::Password(Password::new(b"secret13").expect("8 bytes"));
    assert_eq!(secret.verify(&secret), Ok(()));
    assert_eq!(Authentication::None.verify(&Authentication::None), Ok(()));
    assert_eq!(secret.verify(&other), Err(RxError::AuthFailure));
    assert_eq!(
        secret.verify(&other).map_err(|e| e.counter()),
        Err(Counter::AuthFailures)
    );
    let mismatch = Authentication::None
        .verify(&secret)
        .expect_err("type mismatch");
    assert_eq!(
        mismatch,
        RxError::AuthTypeMismatch {
            configured: 0,
            received: 1
        }
    );
    assert_eq!(mismatch.counter(), Counter::AuthTypeMismatch);
}

#[test]
fn v2_01_version_2_is_ipv4_only_and_has_no_authentication_in_v3() {
    let v2_over_ipv6 = Advertisement {
        version: Version::V2,
        ..v3_ipv6()
    };
    assert_eq!(
        v2_over_ipv6.emit(MASTER_LL.into(), IPV6_MULTICAST.into(), &mut [0; 64]),
        Err(EmitError::Version2OverIpv6)
    );
    let password = Authentication::Password(Password::new(b"pw").expect("2 bytes"));
    let v3_with_auth = Advertisement {
        authentication: password,
        ..v3_ipv4()
    };
    assert_eq!(
        v3_with_auth.emit(MASTER.into(), IPV4_MULTICAST.into(), &mut [0; 64]),
        Err(EmitError::AuthenticationInVersion3)
    );
}

#[test]
fn a_version_prints_as_its_protocol_name() {
    assert_eq!(Version::V2.to_string(), "VRRPv2");
    assert_eq!(Version::V3.to_string(), "VRRPv3");
}
