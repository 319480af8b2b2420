//! Independent decoder: the crate's emitted advertisements, written to a pcap, decode in tshark field
//! by field as emitted, with the checksum reported correct.
//!
//! Wireshark checks the VRRPv3 IPv4 checksum in the pseudo-header form unless its preference
//! `vrrp.v3_checksum_as_in_v2` is set, so each form is decoded with the preference that matches it.
//!
//! tshark is not part of Rust, so these tests are ignored by a plain `cargo test`; the README's
//! second test command runs them.

use crate::common;
use crate::harness;

use std::net::{IpAddr, Ipv4Addr};

use common::adverts::{MASTER, MASTER_LL, emit, v2_ipv4, v3_ipv4, v3_ipv6};
use etherparse::{IpNumber, PacketBuilder};
use harness::tshark;
use vrrp::packet::{
    AddressList, Advertisement, Authentication, ChecksumForm, IPV4_MULTICAST, IPV6_MULTICAST,
    Password, Version,
};
use vrrp::{AddressFamily, Interval, MacAddress, Priority};

/// One emitted advertisement: the Ethernet frame carrying it and what tshark must print for it.
struct Emitted {
    frame: Vec<u8>,
    expected: String,
}

fn frame(advert: &Advertisement) -> Emitted {
    let family = advert.addresses.family();
    let vmac = MacAddress::virtual_router(advert.vrid, family).octets();
    let (source, destination): (IpAddr, IpAddr) = match family {
        AddressFamily::Ipv4 => (MASTER.into(), IPV4_MULTICAST.into()),
        AddressFamily::Ipv6 => (MASTER_LL.into(), IPV6_MULTICAST.into()),
    };
    let vrrp = emit(advert, source, destination);
    let builder = match (source, destination) {
        (IpAddr::V4(s), IpAddr::V4(d)) => PacketBuilder::ethernet2(
            vmac,
            [0x01, 0x00, 0x5e, 0, 0, 0x12],
        )
        .ipv4(s.octets(), d.octets(), 255),
        (IpAddr::V6(s), IpAddr::V6(d)) => PacketBuilder::ethernet2(
            vmac,
            [0x33, 0x33, 0, 0, 0, 0x12],
        )
        .ipv6(s.octets(), d.octets(), 255),
        _ => unreachable!("one family"),
    };
    let mut frame = Vec::new();
    builder
        .write(&mut frame, IpNumber(112), &vrrp)
        .expect("writing to a Vec cannot fail");
    Emitted {
        frame,
        expected: expected_fields(advert, u16::from_be_bytes([vrrp[6], vrrp[7]])),
    }
}

/// The tshark fields of `FIELDS` as they must read for `advert`, checksum status 1 meaning "good".
fn expected_fields(advert: &Advertisement, checksum: u16) -> String {
    let join = |addresses: Vec<String>| addresses.join(",");
    let (v4, v6) = match advert.addresses.family() {
        AddressFamily::Ipv4 => (
            join(advert.addresses.iter().map(|a| a.to_string()).collect()),
            String::new(),
        ),
        AddressFamily::Ipv6 => (
            String::new(),
            join(advert.addresses.iter().map(|a| a.to_string()).collect()),
        ),
    };
    let (adver_int, short_adver_int, auth_type, auth_string) = match advert.version {
        Version::V2 => {
            let secs = advert
                .interval
                .as_v2_secs()
                .expect("v2 test intervals are whole seconds");
            let auth_string = match &advert.authentication {
                Authentication::Password(p) => String::from_utf8_lossy(p.as_wire())
                    .trim_end_matches('\0')
                    .to_string(),
                Authentication::None | Authentication::IpsecAh(_) => String::new(),
            };
            (
                secs.to_string(),
                String::new(),
                advert.authentication.auth_type().to_string(),
                auth_string,
            )
        }
        Version::V3 => (
            String::new(),
            advert.interval.as_centis().to_string(),
            String::new(),
            String::new(),
        ),
    };
    [
        advert.version.number().to_string(),
        "1".into(),
        advert.vrid.to_string(),
        advert.priority.to_string(),
        advert.addresses.len().to_string(),
        adver_int,
        short_adver_int,
        format!("{checksum:#06x}"),
        "1".into(),
        v4,
        v6,
        auth_type,
        auth_string,
    ]
    .join("|")
}

const FIELDS: [&str; 13] = [
    "vrrp.version",
    "vrrp.type",
    "vrrp.virt_rtr_id",
    "vrrp.prio",
    "vrrp.addr_count",
    "vrrp.adver_int",
    "vrrp.short_adver_int",
    "vrrp.checksum",
    "vrrp.checksum.status",
    "vrrp.ip_addr",
    "vrrp.ipv6_addr",
    "vrrp.auth_type",
    "vrrp.auth_string",
];

/// Decodes `adverts` with tshark, checking the VRRPv3 IPv4 checksum in `form`, and compares each frame.
fn assert_tshark_decodes(name: &str, form: ChecksumForm, adverts: &[Advertisement]) {
    let emitted: Vec<Emitted> = adverts.iter().map(frame).collect();
    let frames: Vec<Vec<u8>> = emitted.iter().map(|e| e.frame.clone()).collect();
    let as_in_v2 = if form == ChecksumForm::MessageOnly {
        "TRUE"
    } else {
        "FALSE"
    };
    let pref = format!("vrrp.v3_checksum_as_in_v2:{as_in_v2}");
    let decoded = tshark::decode(name, &frames, &[&pref], &FIELDS);
    let expected: Vec<&str> = emitted.iter().map(|e| e.expected.as_str()).collect();
    assert_eq!(decoded, expected, "fields: {}", FIELDS.join("|"));
}

fn with_form(form: ChecksumForm, advert: Advertisement) -> Advertisement {
    Advertisement {
        checksum_form: form,
        ..advert
    }
}

/// Adverts whose decoding does not depend on Wireshark's IPv4 checksum preference.
fn form_independent() -> Vec<Advertisement> {
    let password = Authentication::Password(Password::new(b"secret12").expect("8 bytes"));
    vec![
        v3_ipv6(),
        Advertisement {
            priority: Priority::SHUTDOWN,
            interval: Interval::from_centis(3).expect("non-zero"),
            ..v3_ipv6()
        },
        v2_ipv4(),
        Advertisement {
            authentication: password,
            interval: Interval::from_secs(255).expect("non-zero"),
            ..v2_ipv4()
        },
        Advertisement {
            authentication: Authentication::Password(Password::new(b"pw").expect("2 bytes")),
            ..v2_ipv4()
        },
    ]
}

/// VRRPv3 IPv4 adverts covering the field ranges: 1 and 16 addresses, priorities 0/200/255,
/// intervals 1, 10, 100 and 4095 cs, VRIDs 1 and 255.
fn v3_ipv4_adverts(form: ChecksumForm) -> Vec<Advertisement> {
    let sixteen = AddressList::ipv4((0..16).map(|i| Ipv4Addr::new(198, 51, 100, i)));
    [
        v3_ipv4(),
        Advertisement {
            interval: Interval::from_centis(10).expect("non-zero"),
            ..v3_ipv4()
        },
        Advertisement {
            priority: Priority::SHUTDOWN,
            ..v3_ipv4()
        },
        Advertisement {
            vrid: common::adverts::vrid(255),
            priority: Priority::OWNER,
            interval: Interval::from_centis(4095).expect("non-zero"),
            addresses: sixteen,
            ..v3_ipv4()
        },
        Advertisement {
            vrid: common::adverts::vrid(1),
            interval: Interval::from_centis(1).expect("non-zero"),
            ..v3_ipv4()
        },
    ]
    .into_iter()
    .map(|advert| with_form(form, advert))
    .collect()
}

#[test]
#[ignore = "needs tshark (README's second test command)"]
fn v3_ck_03_tshark_decodes_pseudo_header_form_and_all_other_versions() {
    let mut adverts = v3_ipv4_adverts(ChecksumForm::PseudoHeader);
    adverts.extend(form_independent());
    assert_tshark_decodes("pseudo-header", ChecksumForm::PseudoHeader, &adverts);
}

#[test]
#[ignore = "needs tshark (README's second test command)"]
fn v3_ck_03_tshark_decodes_rfc9568_message_only_form() {
    let mut adverts = v3_ipv4_adverts(ChecksumForm::MessageOnly);
    adverts.extend(form_independent());
    assert_tshark_decodes("message-only", ChecksumForm::MessageOnly, &adverts);
}

#[test]
#[ignore = "needs tshark (README's second test command)"]
fn v3_fsm_16_tshark_decodes_the_router_advertisement() {
    let mac = MacAddress([0, 0, 0x5e, 0, 2, 51]);
    let frame = vrrp::host::announce::router_advertisement(
        common::adverts::VIP_LL,
        mac,
        std::time::Duration::from_secs(1800),
        &[
            (common::adverts::VIP6, 64),
            (std::net::Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 1), 48),
        ],
    )
    .expect("valid");
    let fields = [
        "eth.src",
        "ipv6.src",
        "ipv6.dst",
        "ipv6.hlim",
        "icmpv6.type",
        "icmpv6.checksum.status",
        "icmpv6.nd.ra.router_lifetime",
        "icmpv6.opt.linkaddr",
        "icmpv6.opt.prefix",
        "icmpv6.opt.prefix.length",
        "icmpv6.opt.prefix.flag.a",
    ];
    let decoded = tshark::decode("ra", &[frame], &[], &fields);
    assert_eq!(
        decoded,
        [[
            "00:00:5e:00:02:33",
            "fe80::100",
            "ff02::1",
            "255",
            "134",
            "1",
            "1800",
            "00:00:5e:00:02:33",
            "2001:db8::,2001:db8:1::",
            "64,48",
            "1,0",
        ]
        .join("|")]
    );
}
