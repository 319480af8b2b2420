//! Unicast peers (keepalived's `unicast_peer`): one advertisement per peer, each with the checksum
//! of its own destination, and adverts only from configured peers.

use crate::common;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use common::adverts::{MASTER, MASTER_LL, VIP, VIP_LL};
use vrrp::packet::{Advertisement, ChecksumAcceptance, ChecksumForm, RxError, RxMeta};
use vrrp::{Action, Config, ConfigError, Counter, Priority, State, Transmit, VirtualRouter, Vrid};

const VRID: Vrid = common::adverts::vrid(7);
const PEER_A: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);
const PEER_B: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 3);
const STRANGER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 9);

fn unicast_config() -> Config {
    Config::builder(1, VRID, MASTER.into())
        .priority(Priority::new(200))
        .address(VIP.into())
        .unicast_peer(PEER_A.into())
        .unicast_peer(PEER_B.into())
        .build()
        .unwrap()
}

fn sends(router: &mut VirtualRouter) -> Vec<Transmit> {
    std::iter::from_fn(|| router.poll_action())
        .filter_map(|action| match action {
            Action::Send(transmit) => Some(transmit),
            _ => None,
        })
        .collect()
}

fn advert_from(source: Ipv4Addr, priority: u8) -> (RxMeta, Vec<u8>) {
    let rx = RxMeta::ipv4(source, MASTER, 255, 1);
    let advert = Advertisement {
        priority: vrrp::Priority::new(priority),
        vrid: common::adverts::vrid(7),
        ..common::adverts::v3_ipv4()
    };
    let bytes = common::adverts::emit(&advert, rx.source(), rx.destination());
    (rx, bytes)
}

#[test]
fn a_master_sends_one_advert_to_each_peer_with_that_peers_checksum() {
    let t0 = Instant::now();
    let mut router = VirtualRouter::new(unicast_config());
    router.start(t0);
    sends(&mut router);
    let due = router.poll_timeout().unwrap();
    router.handle_timeout(due);
    assert_eq!(router.state(), State::Master);
    let sent = sends(&mut router);
    let destinations: Vec<IpAddr> = sent.iter().map(|t| t.destination).collect();
    assert_eq!(destinations, [IpAddr::from(PEER_A), IpAddr::from(PEER_B)]);
    for transmit in &sent {
        let rx = RxMeta::ipv4(MASTER, destination_v4(transmit), 255, 1);
        let advert = Advertisement::parse(&rx, &transmit.payload).unwrap();
        assert_eq!(advert.checksum_form, ChecksumForm::PseudoHeader);
    }
    // The pseudo-header differs per destination, so do the checksums.
    assert_ne!(sent[0].payload, sent[1].payload);
}

fn destination_v4(transmit: &Transmit) -> Ipv4Addr {
    match transmit.destination {
        IpAddr::V4(v4) => v4,
        IpAddr::V6(_) => panic!("IPv4 router sent to an IPv6 destination"),
    }
}

#[test]
fn adverts_from_a_source_that_is_no_peer_are_discarded_and_counted() {
    let t0 = Instant::now();
    let mut router = VirtualRouter::new(unicast_config());
    router.start(t0);
    sends(&mut router);
    let (rx, bytes) = advert_from(STRANGER, 254);
    assert_eq!(
        router.handle_packet(t0, &rx, &bytes),
        Err(RxError::UnknownPeer(STRANGER.into()))
    );
    assert_eq!(router.stats().errors(Counter::UnknownPeerErrors), 1);
    assert_eq!(router.stats().rcvd_advertisements, 0);

    let (rx, bytes) = advert_from(PEER_A, 254);
    assert_eq!(router.handle_packet(t0, &rx, &bytes), Ok(()));
    assert_eq!(router.stats().rcvd_advertisements, 1);
    assert_eq!(router.master_address(), Some(PEER_A.into()));
    // The stranger never moved the Master_Down_Timer; the peer did.
    assert_eq!(
        router.poll_timeout(),
        Some(t0 + router.master_down_interval())
    );
}

#[test]
fn unicast_peers_are_validated() {
    let v4 = || Config::builder(1, VRID, MASTER.into()).address(VIP.into());
    assert_eq!(
        v4().unicast_peer(IpAddr::V6(MASTER_LL)).build(),
        Err(ConfigError::PeerFamilyMismatch(IpAddr::V6(MASTER_LL)))
    );
    for bad in [
        IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18)),
        IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpAddr::V4(MASTER),
    ] {
        assert_eq!(
            v4().unicast_peer(bad).build(),
            Err(ConfigError::InvalidPeer(bad))
        );
    }
    assert_eq!(
        v4().unicast_peer(PEER_A.into())
            .unicast_peer(PEER_A.into())
            .build(),
        Err(ConfigError::DuplicatePeer(PEER_A.into()))
    );
    let peer6 = IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2));
    let v6 = Config::builder(1, VRID, MASTER_LL.into())
        .address(VIP_LL.into())
        .unicast_peer(peer6)
        .advert_interval(Duration::from_millis(100))
        .build()
        .unwrap();
    assert_eq!(v6.unicast_peers(), [peer6]);
}

#[test]
fn every_setting_reads_back_from_the_built_configuration() {
    use vrrp::LowerPriorityResponse;
    use vrrp::packet::ChecksumAcceptance;
    let only = ChecksumAcceptance::Only(ChecksumForm::MessageOnly);
    let config = Config::builder(1, VRID, MASTER.into())
        .address(VIP.into())
        .checksum_form(ChecksumForm::MessageOnly)
        .checksum_acceptance(only)
        .lower_priority_response(LowerPriorityResponse::Discard)
        .v2_interop(true)
        .unicast_peer(PEER_A.into())
        .min_hop_limit(64)
        .build()
        .unwrap();
    assert_eq!(config.checksum_form(), ChecksumForm::MessageOnly);
    assert_eq!(config.checksum_acceptance(), only);
    assert_eq!(
        config.lower_priority_response(),
        LowerPriorityResponse::Discard
    );
    assert!(config.v2_interop());
    assert_eq!(config.min_hop_limit(), 64);
    let defaults = unicast_config();
    assert_eq!(defaults.checksum_form(), ChecksumForm::PseudoHeader);
    assert_eq!(defaults.checksum_acceptance(), ChecksumAcceptance::Either);
    assert_eq!(
        defaults.lower_priority_response(),
        LowerPriorityResponse::Readvertise
    );
    assert!(!defaults.v2_interop());
    assert_eq!(defaults.min_hop_limit(), 255);
    assert_eq!(defaults.priority(), Priority::new(200));
    assert!(!defaults.is_owner());
    assert!(defaults.preempt());
    assert!(!defaults.accept());
    assert_eq!(defaults.preempt_delay(), Duration::ZERO);
}

#[test]
fn every_other_setting_reads_back_too() {
    use vrrp::packet::Version;
    use vrrp::packet::{Authentication, Password};
    use vrrp::{AddressFamily, Announcements, Interval};
    let announcements = Announcements {
        repeat: 3,
        second_burst: None,
        refresh: Some(Duration::from_secs(60)),
        refresh_repeat: 1,
    };
    let v2 = Config::builder(4, VRID, MASTER.into())
        .version(Version::V2)
        .priority(Priority::new(90))
        .advert_interval(Duration::from_secs(3))
        .address(VIP.into())
        .preempt(false)
        .accept(true)
        .authentication(Authentication::Password(Password::new(b"secret").unwrap()))
        .announcements(announcements)
        .build()
        .unwrap();
    assert_eq!(v2.interface_index(), 4);
    assert_eq!(v2.vrid(), VRID);
    assert_eq!(v2.family(), AddressFamily::Ipv4);
    assert_eq!(v2.version(), Version::V2);
    assert_eq!(v2.priority(), Priority::new(90));
    assert_eq!(v2.interval(), Interval::from_centis(300).unwrap());
    assert_eq!(v2.primary_address(), IpAddr::from(MASTER));
    assert_eq!(
        v2.addresses().iter().collect::<Vec<_>>(),
        [IpAddr::from(VIP)]
    );
    assert!(!v2.preempt());
    assert!(v2.accept());
    assert_eq!(
        *v2.authentication(),
        Authentication::Password(Password::new(b"secret").unwrap())
    );
    assert_eq!(v2.announcements(), announcements);
    assert!(v2.unicast_peers().is_empty());

    let owner = Config::builder(1, VRID, VIP.into())
        .owner(true)
        .priority(Priority::OWNER)
        .address(VIP.into())
        .preempt_delay(Duration::ZERO)
        .build()
        .unwrap();
    assert!(owner.is_owner());
    assert_eq!(owner.priority(), Priority::OWNER);

    let delayed = Config::builder(1, VRID, MASTER.into())
        .address(VIP.into())
        .preempt_delay(Duration::from_secs(7))
        .build()
        .unwrap();
    assert_eq!(delayed.preempt_delay(), Duration::from_secs(7));
    assert_eq!(delayed.version(), Version::V3);
    assert_eq!(delayed.interval(), Interval::from_centis(100).unwrap());

    let v6 = Config::builder(1, VRID, MASTER_LL.into())
        .address(VIP_LL.into())
        .build()
        .unwrap();
    assert_eq!(v6.family(), AddressFamily::Ipv6);
}

#[test]
fn adverts_to_unicast_peers_leave_with_the_configured_hop_limit_and_multicast_ones_with_255() {
    let peers = |hop_limit| {
        Config::builder(1, VRID, MASTER.into())
            .priority(Priority::new(200))
            .address(VIP.into())
            .unicast_peer(PEER_A.into())
            .unicast_hop_limit(hop_limit)
    };
    let master_sends = |config: Config| {
        let t0 = Instant::now();
        let mut router = VirtualRouter::new(config);
        router.start(t0);
        sends(&mut router);
        router.handle_timeout(router.poll_timeout().unwrap());
        sends(&mut router)
    };
    let sent = master_sends(peers(64).build().unwrap());
    assert_eq!(sent.iter().map(|t| t.hop_limit).collect::<Vec<_>>(), [64]);
    // Plain VRRP messages, not whole datagrams sealed with an Authentication Header.
    assert!(sent.iter().all(|t| !t.ipsec_ah));
    assert_eq!(peers(64).build().unwrap().unicast_hop_limit(), 64);
    let multicast = Config::builder(1, VRID, MASTER.into())
        .address(VIP.into())
        .build()
        .unwrap();
    assert_eq!(multicast.unicast_hop_limit(), 255);
    let sent = master_sends(multicast);
    assert_eq!(sent.iter().map(|t| t.hop_limit).collect::<Vec<_>>(), [255]);
    assert_eq!(
        peers(0).build().map(drop),
        Err(ConfigError::UnicastHopLimit(0))
    );
    let without_peers = Config::builder(1, VRID, MASTER.into())
        .address(VIP.into())
        .unicast_hop_limit(64);
    assert_eq!(
        without_peers.build().map(drop),
        Err(ConfigError::UnicastHopLimit(64))
    );
}

/// An advert of keepalived before 1.3.6 (or with `old_unicast_checksum`): its checksum takes
/// 224.0.0.18 as the pseudo-header's destination although it is sent to a unicast peer.
fn legacy_advert_from(source: Ipv4Addr, priority: u8) -> (RxMeta, Vec<u8>) {
    let rx = RxMeta::ipv4(source, MASTER, 255, 1);
    let advert = Advertisement {
        priority: Priority::new(priority),
        vrid: VRID,
        checksum_form: ChecksumForm::LegacyUnicast,
        ..common::adverts::v3_ipv4()
    };
    (rx, common::adverts::emit(&advert, source, MASTER))
}

fn legacy_config(acceptance: ChecksumAcceptance) -> Config {
    Config::builder(1, VRID, MASTER.into())
        .priority(Priority::new(200))
        .address(VIP.into())
        .unicast_peer(PEER_A.into())
        .checksum_acceptance(acceptance)
        .build()
        .unwrap()
}

#[test]
fn a_router_that_learns_the_legacy_unicast_checksum_answers_in_it() {
    let t0 = Instant::now();
    let mut router = VirtualRouter::new(legacy_config(ChecksumAcceptance::LearnLegacyUnicast));
    router.start(t0);
    sends(&mut router);
    let (rx, bytes) = legacy_advert_from(PEER_A, 100);
    for at in [100, 200] {
        router
            .handle_packet(t0 + Duration::from_millis(at), &rx, &bytes)
            .expect("accepted in the legacy form");
    }
    assert_eq!(router.stats().rcvd_legacy_unicast_checksums(), 2);
    assert_eq!(router.stats().rcvd_pseudo_header_checksums, 0);
    assert_eq!(router.checksum_form(), ChecksumForm::LegacyUnicast);
    // Learnt as the router's own state: its configuration stays as it was given, so that a
    // reload of the same file finds it unchanged (`DriverHandle::instances`).
    assert_eq!(router.config().checksum_form(), ChecksumForm::PseudoHeader);

    // Priority 200 over the peer's 100: Master at Master_Down_Interval, advertising in the
    // legacy form, which the peer checks with 224.0.0.18 in its pseudo-header.
    let due = router.poll_timeout().unwrap();
    router.handle_timeout(due);
    assert_eq!(router.state(), State::Master);
    let sent = sends(&mut router);
    assert_eq!(sent.len(), 1);
    let rx = RxMeta::ipv4(MASTER, PEER_A, 255, 1);
    let standard = Advertisement::parse(&rx, &sent[0].payload);
    assert!(
        matches!(standard, Err(RxError::Checksum { .. })),
        "{standard:?}"
    );
    let only = ChecksumAcceptance::Only(ChecksumForm::LegacyUnicast);
    Advertisement::parse_with(&rx, &sent[0].payload, only).expect("the legacy form");
}

#[test]
fn the_legacy_unicast_checksum_is_a_checksum_error_unless_accepted() {
    let t0 = Instant::now();
    for acceptance in [
        ChecksumAcceptance::Either,
        ChecksumAcceptance::Only(ChecksumForm::PseudoHeader),
    ] {
        let mut router = VirtualRouter::new(legacy_config(acceptance));
        router.start(t0);
        let (rx, bytes) = legacy_advert_from(PEER_A, 100);
        let refused = router.handle_packet(t0, &rx, &bytes);
        assert!(
            matches!(refused, Err(RxError::Checksum { .. })),
            "{refused:?}"
        );
        assert_eq!(router.stats().rcvd_legacy_unicast_checksums(), 0);
        assert_eq!(router.config().checksum_form(), ChecksumForm::PseudoHeader);
    }
    // Configured, it is sent (and accepted) without anything heard first; a multicast router's
    // adverts are the same in both forms.
    let mut router = VirtualRouter::new(
        Config::builder(1, VRID, MASTER.into())
            .priority(Priority::new(200))
            .address(VIP.into())
            .unicast_peer(PEER_A.into())
            .checksum_form(ChecksumForm::LegacyUnicast)
            .build()
            .unwrap(),
    );
    router.start(t0);
    sends(&mut router);
    let due = router.poll_timeout().unwrap();
    router.handle_timeout(due);
    let sent = sends(&mut router);
    let rx = RxMeta::ipv4(MASTER, PEER_A, 255, 1);
    let only = ChecksumAcceptance::Only(ChecksumForm::LegacyUnicast);
    let advert = Advertisement::parse_with(&rx, &sent[0].payload, only).expect("legacy form");
    let multicast = vrrp::packet::IPV4_MULTICAST;
    let legacy = common::adverts::emit(&advert, MASTER, multicast);
    let standard = Advertisement {
        checksum_form: ChecksumForm::PseudoHeader,
        ..advert
    };
    assert_eq!(legacy, common::adverts::emit(&standard, MASTER, multicast));
}
