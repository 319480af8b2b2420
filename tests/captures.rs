//! Real traffic: every VRRP frame keepalived (2.2.7, and 2.4.3 for the old unicast checksum) sent
//! in the captures parses, and emitting the parsed advertisement again gives the same bytes.

use crate::common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use common::adverts::{MASTER, VIP, emit};
use common::pcap;
use vrrp::packet::{
    Advertisement, Authentication, ChecksumAcceptance, ChecksumForm, Ipv4Datagram, Password,
    Version,
};

const ETHERTYPE_IPV4: [u8; 2] = [0x08, 0x00];
const ETHERNET_HEADER_LEN: usize = 14;

/// The IPv4 datagrams carrying VRRP in a capture.
fn vrrp_datagrams(file: &str) -> Vec<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/captures")
        .join(file);
    pcap::read_frames(&path)
        .into_iter()
        .filter(|f| f[12..14] == ETHERTYPE_IPV4 && f[ETHERNET_HEADER_LEN + 9] == 112)
        .map(|f| f[ETHERNET_HEADER_LEN..].to_vec())
        .collect()
}

/// Parses every VRRP datagram of `file`, checks the re-emitted bytes, and returns the adverts.
fn round_trip_capture(file: &str) -> Vec<Advertisement> {
    let datagrams = vrrp_datagrams(file);
    assert!(!datagrams.is_empty(), "{file} holds no VRRP frame");
    datagrams
        .iter()
        .map(|datagram| {
            let (rx, advert) =
                Advertisement::parse_ipv4_datagram(datagram, 1, ChecksumAcceptance::Either)
                    .unwrap_or_else(|e| panic!("{file}: {e}"));
            let payload = Ipv4Datagram::parse(datagram).expect("parsed above").payload;
            assert_eq!(
                emit(&advert, rx.source(), rx.destination()),
                payload,
                "{file}"
            );
            assert_eq!(advert.addresses.as_ipv4(), Some(&[VIP][..]), "{file}");
            assert_eq!(advert.vrid.get(), 51, "{file}");
            advert
        })
        .collect()
}

fn priorities(adverts: &[Advertisement]) -> BTreeSet<u8> {
    adverts.iter().map(|a| a.priority.get()).collect()
}

#[test]
fn keepalived_v3_ipv4_1s_parses_and_re_emits_identically() {
    let adverts = round_trip_capture("keepalived-v3-ipv4-1s.pcap");
    for advert in &adverts {
        assert_eq!(advert.version, Version::V3);
        assert_eq!(advert.interval.as_centis(), 100);
        assert_eq!(
            advert.checksum_form,
            ChecksumForm::PseudoHeader,
            "keepalived's default form"
        );
    }
}

#[test]
fn keepalived_v3_ipv4_100ms_parses_and_re_emits_identically() {
    let adverts = round_trip_capture("keepalived-v3-ipv4-100ms.pcap");
    assert!(adverts.iter().all(|a| a.interval.as_centis() == 10));
}

#[test]
fn keepalived_v3_ipv4_priority_0_handover_parses_and_re_emits_identically() {
    let adverts = round_trip_capture("keepalived-v3-ipv4-prio0.pcap");
    // The Master (200) stops with priority 0; the Backup (100) takes over, then stops the same way.
    assert_eq!(priorities(&adverts), BTreeSet::from([0, 100, 200]));
    let sources: BTreeSet<_> = vrrp_datagrams("keepalived-v3-ipv4-prio0.pcap")
        .iter()
        .map(|d| Ipv4Datagram::parse(d).expect("valid").source)
        .collect();
    assert!(sources.contains(&MASTER) && sources.len() == 2);
}

#[test]
fn keepalived_v2_without_authentication_parses_and_re_emits_identically() {
    for advert in round_trip_capture("keepalived-v2-ipv4-noauth.pcap") {
        assert_eq!(advert.version, Version::V2);
        assert_eq!(advert.interval.as_v2_secs(), Some(1));
        assert_eq!(advert.authentication, Authentication::None);
        assert_eq!(advert.checksum_form, ChecksumForm::MessageOnly);
    }
}

#[test]
fn keepalived_v2_with_password_parses_and_re_emits_identically() {
    let secret = Authentication::Password(Password::new(b"secret12").expect("8 bytes"));
    for advert in round_trip_capture("keepalived-v2-ipv4-pass.pcap") {
        assert_eq!(advert.authentication, secret);
        assert_eq!(secret.verify(&advert.authentication), Ok(()));
    }
}

/// keepalived 2.4.3 with `old_unicast_checksum`, unicast from 192.0.2.1 to 192.0.2.2: the checksum
/// of keepalived before 1.3.6, which tcpdump calls bad. It is refused by the standard forms,
/// accepted as the legacy form by a receiver that learns it, and re-emitted in it identically.
#[test]
fn keepalived_old_unicast_checksum_is_the_legacy_form_and_re_emits_identically() {
    let datagrams = vrrp_datagrams("keepalived-243-v3-ipv4-old-unicast.pcap");
    assert!(datagrams.len() >= 3);
    for datagram in &datagrams {
        let refused = Advertisement::parse_ipv4_datagram(datagram, 1, ChecksumAcceptance::Either);
        assert!(
            matches!(refused, Err(vrrp::packet::RxError::Checksum { .. })),
            "{refused:?}"
        );
        let (rx, advert) =
            Advertisement::parse_ipv4_datagram(datagram, 1, ChecksumAcceptance::LearnLegacyUnicast)
                .expect("the legacy form");
        assert!(!rx.destination().is_multicast());
        assert_eq!(advert.checksum_form, ChecksumForm::LegacyUnicast);
        assert_eq!(advert.addresses.as_ipv4(), Some(&[VIP][..]));
        let only = ChecksumAcceptance::Only(ChecksumForm::LegacyUnicast);
        Advertisement::parse_ipv4_datagram(datagram, 1, only).expect("only the legacy form");
        let payload = Ipv4Datagram::parse(datagram).expect("parsed above").payload;
        assert_eq!(emit(&advert, rx.source(), rx.destination()), payload);
        // The same advert in the standard form has another checksum.
        let standard = Advertisement {
            checksum_form: ChecksumForm::PseudoHeader,
            ..advert
        };
        assert_ne!(emit(&standard, rx.source(), rx.destination()), payload);
    }
}
