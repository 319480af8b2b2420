//! The announcement frames: a gratuitous ARP identical to keepalived's, and both frames decoded by
//! tshark field by field (V3-FSM-02, V3-FSM-09).
//!
//! The tshark tests are ignored by a plain `cargo test`, since tshark is not part of Rust; the
//! README's second test command runs them.

use crate::common;
use crate::harness;

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;

use common::adverts::{MASTER_LL, VIP, VIP_LL, VIP6};
use common::pcap;
use harness::tshark;
use vrrp::host::announce::{gratuitous_arp, unsolicited_neighbor_advertisement};
use vrrp::{AddressFamily, MacAddress};

const ETHERTYPE_ARP: [u8; 2] = [0x08, 0x06];

#[test]
fn v3_fsm_09_gratuitous_arp_is_byte_for_byte_keepalived_s() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/captures/keepalived-v3-ipv4-1s.pcap");
    let captured: Vec<Vec<u8>> = pcap::read_frames(&path)
        .into_iter()
        .filter(|f| f[12..14] == ETHERTYPE_ARP)
        .collect();
    assert_eq!(captured.len(), 5, "keepalived sends 5 on becoming Master");
    for frame in captured {
        let mut mac = [0; 6];
        mac.copy_from_slice(&frame[6..12]);
        assert_eq!(gratuitous_arp(VIP, MacAddress(mac)).expect("valid"), frame);
    }
}

#[test]
#[ignore = "needs tshark (README's second test command)"]
fn v3_fsm_02_09_tshark_decodes_the_gratuitous_arp_with_the_virtual_mac() {
    let vmac = MacAddress::virtual_router(common::adverts::vrid(51), AddressFamily::Ipv4);
    let frames = vec![
        gratuitous_arp(VIP, vmac).expect("valid"),
        gratuitous_arp(Ipv4Addr::new(198, 51, 100, 7), vmac).expect("valid"),
    ];
    let fields = [
        "eth.src",
        "eth.dst",
        "arp.opcode",
        "arp.isgratuitous",
        "arp.src.hw_mac",
        "arp.src.proto_ipv4",
        "arp.dst.hw_mac",
        "arp.dst.proto_ipv4",
    ];
    let decoded = tshark::decode("garp", &frames, &[], &fields);
    assert_eq!(
        decoded,
        [
            "00:00:5e:00:01:33|ff:ff:ff:ff:ff:ff|1|1|00:00:5e:00:01:33|192.0.2.100|ff:ff:ff:ff:ff:ff|192.0.2.100",
            "00:00:5e:00:01:33|ff:ff:ff:ff:ff:ff|1|1|00:00:5e:00:01:33|198.51.100.7|ff:ff:ff:ff:ff:ff|198.51.100.7",
        ]
    );
}

#[test]
#[ignore = "needs tshark (README's second test command)"]
fn v3_fsm_02_09_tshark_decodes_the_unsolicited_neighbor_advertisement() {
    let vmac = MacAddress::virtual_router(common::adverts::vrid(51), AddressFamily::Ipv6);
    let frames: Vec<Vec<u8>> = [VIP_LL, VIP6]
        .into_iter()
        .map(|address| unsolicited_neighbor_advertisement(address, vmac, MASTER_LL).expect("valid"))
        .collect();
    let fields = [
        "eth.src",
        "eth.dst",
        "ipv6.src",
        "ipv6.dst",
        "ipv6.hlim",
        "icmpv6.type",
        "icmpv6.nd.na.flag.r",
        "icmpv6.nd.na.flag.s",
        "icmpv6.nd.na.flag.o",
        "icmpv6.nd.na.target_address",
        "icmpv6.opt.linkaddr",
        "icmpv6.checksum.status",
    ];
    let decoded = tshark::decode("una", &frames, &[], &fields);
    let expected = |target: Ipv6Addr| {
        format!(
            "00:00:5e:00:02:33|33:33:00:00:00:01|fe80::1|ff02::1|255|136|1|0|1|{target}|00:00:5e:00:02:33|1"
        )
    };
    assert_eq!(decoded, [expected(VIP_LL), expected(VIP6)]);
}
