//! What RFC 9568 changed from RFC 5798 (the checklist's V3-9568 rows) that the other test files do
//! not already check by name, one test per row, in simulated time.

use crate::common;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use common::adverts::{MASTER_LL, VIP, VIP_LL, VIP6};
use vrrp::host::announce::gratuitous_arp;
use vrrp::packet::{
    AddressList, Advertisement, Authentication, ChecksumForm, IPV4_MULTICAST, IPV6_MULTICAST,
    Password, RxError, RxMeta,
};
use vrrp::{
    Action, AddressFamily, Config, ConfigError, Counter, MacAddress, Priority, State, VirtualRouter,
};

const LAN: u32 = 2;
const LOCAL: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const PEER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);

fn drain(router: &mut VirtualRouter) -> Vec<Action> {
    std::iter::from_fn(|| router.poll_action()).collect()
}

/// A Master of priority 100 at 192.0.2.1 for VRID 51, and when it took over.
fn master() -> (VirtualRouter, Instant) {
    let config = Config::builder(LAN, common::adverts::vrid(51), LOCAL.into())
        .address(VIP.into())
        .build()
        .expect("valid");
    let mut router = VirtualRouter::new(config);
    let t0 = Instant::now();
    router.start(t0);
    let at = router.poll_timeout().expect("Master_Down_Timer");
    router.handle_timeout(at);
    drain(&mut router);
    assert_eq!(router.state(), State::Master);
    (router, at)
}

/// An advert of priority 100 for VRID 51 from `source`.
fn equal_priority_from(source: Ipv4Addr) -> (RxMeta, Vec<u8>) {
    let advert = Advertisement {
        priority: Priority::DEFAULT,
        ..common::adverts::v3_ipv4()
    };
    let rx = RxMeta::ipv4(source, IPV4_MULTICAST, 255, LAN);
    (rx, common::adverts::emit(&advert, source, IPV4_MULTICAST))
}

#[test]
fn v3_9568_08_the_tie_break_compares_addresses_as_unsigned_numbers_in_network_order() {
    // Equal priorities: the greater primary address wins, as an unsigned 32-bit number in network
    // byte order. 10.0.0.1 is less than 192.0.2.1 unsigned (signed, 192.x would be negative);
    // 192.0.1.255 is less than 192.0.2.1 in network order (read little-endian, 255 would decide).
    for (peer, peer_wins) in [
        (Ipv4Addr::new(10, 0, 0, 1), false),
        (Ipv4Addr::new(192, 0, 1, 255), false),
        (Ipv4Addr::new(192, 0, 2, 2), true),
        (Ipv4Addr::new(224, 0, 0, 0), true),
    ] {
        let (mut router, at) = master();
        let (rx, bytes) = equal_priority_from(peer);
        router.handle_packet(at, &rx, &bytes).expect("sound");
        drain(&mut router);
        let expected = if peer_wins {
            State::Backup
        } else {
            State::Master
        };
        assert_eq!(router.state(), expected, "tie with {peer}");
        assert_eq!(
            u32::from(peer) > u32::from(LOCAL),
            peer_wins,
            "the expectation itself"
        );
    }
}

#[test]
fn v3_9568_09_the_first_ipv6_address_must_be_link_local_on_both_sides() {
    // RFC 9568 §5.2.9 made RFC 5798's lowercase "must" a MUST: a configuration whose first IPv6
    // address is global is refused, and what a router sends starts with its link-local address.
    let refused = Config::builder(LAN, common::adverts::vrid(51), MASTER_LL.into())
        .address(VIP6.into())
        .address(VIP_LL.into())
        .build();
    assert_eq!(
        refused.err(),
        Some(ConfigError::FirstIpv6AddressNotLinkLocal(VIP6))
    );
    let config = Config::builder(LAN, common::adverts::vrid(51), MASTER_LL.into())
        .address(VIP_LL.into())
        .address(VIP6.into())
        .build()
        .expect("link-local first");
    let mut router = VirtualRouter::new(config);
    let t0 = Instant::now();
    router.start(t0);
    let at = router.poll_timeout().expect("Master_Down_Timer");
    router.handle_timeout(at);
    let sent = drain(&mut router)
        .into_iter()
        .find_map(|action| match action {
            Action::Send(transmit) => Some(transmit),
            _ => None,
        })
        .expect("a new Master advertises");
    let rx = RxMeta::ipv6(MASTER_LL, IPV6_MULTICAST, 255, LAN);
    let advert = Advertisement::parse(&rx, &sent.payload).expect("sound");
    assert_eq!(advert.addresses.first(), Some(IpAddr::V6(VIP_LL)));
    // The encoder refuses a list that does not start link-local, so nothing can send one.
    let global_first = Advertisement {
        addresses: AddressList::ipv6([VIP6, VIP_LL]),
        ..common::adverts::v3_ipv6()
    };
    let mut out = vec![0; global_first.buffer_len()];
    assert!(
        global_first
            .emit(MASTER_LL.into(), IPV6_MULTICAST.into(), &mut out)
            .is_err()
    );
}

#[test]
fn v3_9568_14_vrrpv3_has_no_authentication_and_refuses_off_link_packets() {
    // §9: no authentication, by design. A VRRPv3 configuration with a password is refused, and an
    // advert with RFC 3768's 8 authentication bytes after the addresses is not a VRRPv3 message.
    let with_password = Config::builder(LAN, common::adverts::vrid(51), LOCAL.into())
        .address(VIP.into())
        .authentication(Authentication::Password(
            Password::new(b"secret").expect("8 bytes at most"),
        ))
        .build();
    assert_eq!(
        with_password.err(),
        Some(ConfigError::AuthenticationInVersion3)
    );
    let (mut router, at) = master();
    let mut message = common::adverts::emit(&common::adverts::v3_ipv4(), PEER, IPV4_MULTICAST);
    message.extend_from_slice(b"secret\0\0");
    let pseudo = common::checksum::pseudo_header(PEER.into(), IPV4_MULTICAST.into(), message.len());
    common::checksum::reseal(&mut message, Some(&pseudo));
    let rx = RxMeta::ipv4(PEER, IPV4_MULTICAST, 255, LAN);
    assert!(matches!(
        router.handle_packet(at, &rx, &message),
        Err(RxError::Length { .. })
    ));
    // What protects the protocol instead: a packet that crossed a router (TTL below 255) is
    // discarded, however high its priority.
    let higher = Advertisement {
        priority: Priority::new(254),
        ..common::adverts::v3_ipv4()
    };
    let bytes = common::adverts::emit(&higher, PEER, IPV4_MULTICAST);
    let routed = RxMeta::ipv4(PEER, IPV4_MULTICAST, 254, LAN);
    assert_eq!(
        router.handle_packet(at, &routed, &bytes),
        Err(RxError::HopLimit(254))
    );
    assert_eq!(router.state(), State::Master);
    assert_eq!(router.stats().errors(Counter::IpTtlErrors), 1);
}

#[test]
fn v3_9568_e7947_e7949_the_gratuitous_arp_carries_the_virtual_address_and_the_virtual_mac() {
    // Errata 7947/7949: the gratuitous ARP a new Master sends contains the virtual router's IPv4
    // address (the text had said its MAC address), with the virtual MAC as the link-layer address.
    let (mut router, at) = master();
    let (rx, bytes) = equal_priority_from(Ipv4Addr::new(192, 0, 2, 2));
    router.handle_packet(at, &rx, &bytes).expect("sound");
    drain(&mut router);
    // Back in Backup; the Master stops with priority 0, and this router takes over again.
    let stop = Advertisement {
        priority: Priority::SHUTDOWN,
        ..common::adverts::v3_ipv4()
    };
    let rx = RxMeta::ipv4(Ipv4Addr::new(192, 0, 2, 2), IPV4_MULTICAST, 255, LAN);
    let bytes = common::adverts::emit(&stop, Ipv4Addr::new(192, 0, 2, 2), IPV4_MULTICAST);
    router
        .handle_packet(at + Duration::from_secs(1), &rx, &bytes)
        .expect("sound");
    let takeover = router.poll_timeout().expect("Skew_Time");
    router.handle_timeout(takeover);
    let announced = drain(&mut router)
        .into_iter()
        .find_map(|action| match action {
            Action::Announce { addresses, .. } => Some(addresses),
            _ => None,
        })
        .expect("a new Master announces");
    assert_eq!(announced.as_ipv4(), Some(&[VIP][..]), "the IPv4 address");
    let vmac = MacAddress::virtual_router(common::adverts::vrid(51), AddressFamily::Ipv4);
    assert_eq!(vmac.octets(), [0x00, 0x00, 0x5e, 0x00, 0x01, 51]);
    let frame = gratuitous_arp(VIP, vmac).expect("valid");
    // Ethernet: from the virtual MAC, ARP (0x0806).
    assert_eq!(&frame[6..12], &vmac.octets());
    assert_eq!(&frame[12..14], &[0x08, 0x06]);
    let arp = &frame[14..];
    // Ethernet / IPv4 ARP: sender hardware = virtual MAC, sender and target protocol = VIP.
    assert_eq!(&arp[0..6], &[0, 1, 0x08, 0x00, 6, 4]);
    assert_eq!(&arp[8..14], &vmac.octets(), "sender hardware address");
    assert_eq!(&arp[14..18], &VIP.octets(), "sender protocol address");
    assert_eq!(&arp[24..28], &VIP.octets(), "target protocol address");
    // Nowhere in the frame is the virtual MAC given as a protocol address.
    assert_ne!(&arp[14..18], &vmac.octets()[2..6]);
}

#[test]
fn v3_9568_04_the_checksum_form_of_each_ipv4_advert_is_counted_and_ipv6_has_one_form() {
    let t0 = Instant::now();
    let mut v4 = VirtualRouter::new(
        Config::builder(LAN, common::adverts::vrid(51), LOCAL.into())
            .address(VIP.into())
            .build()
            .expect("valid"),
    );
    v4.start(t0);
    let rx = RxMeta::ipv4(PEER, IPV4_MULTICAST, 255, LAN);
    for (i, form) in [
        ChecksumForm::MessageOnly,
        ChecksumForm::PseudoHeader,
        ChecksumForm::MessageOnly,
    ]
    .into_iter()
    .enumerate()
    {
        let advert = Advertisement {
            checksum_form: form,
            ..common::adverts::v3_ipv4()
        };
        let at = t0 + Duration::from_secs(i as u64 + 1);
        v4.handle_packet(
            at,
            &rx,
            &common::adverts::emit(&advert, PEER, IPV4_MULTICAST),
        )
        .expect("accepted");
    }
    let stats = v4.stats();
    assert_eq!(
        (
            stats.rcvd_message_only_checksums,
            stats.rcvd_pseudo_header_checksums
        ),
        (2, 1)
    );

    // IPv6 has only the pseudo-header form: nothing to tell apart, nothing counted.
    let peer = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2);
    let mut v6 = VirtualRouter::new(
        Config::builder(LAN, common::adverts::vrid(51), MASTER_LL.into())
            .address(VIP_LL.into())
            .address(VIP6.into())
            .build()
            .expect("valid"),
    );
    v6.start(t0);
    let rx = RxMeta::ipv6(peer, IPV6_MULTICAST, 255, LAN);
    v6.handle_packet(
        t0 + Duration::from_secs(1),
        &rx,
        &common::adverts::emit(&common::adverts::v3_ipv6(), peer, IPV6_MULTICAST),
    )
    .expect("accepted");
    let stats = v6.stats();
    assert_eq!(stats.rcvd_advertisements, 1);
    assert_eq!(
        (
            stats.rcvd_message_only_checksums,
            stats.rcvd_pseudo_header_checksums
        ),
        (0, 0)
    );
}
