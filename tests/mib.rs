//! The objects of the VRRPv3 MIB (RFC 6527), one test per row of the checklist (MIB-01 .. MIB-16),
//! read through the statistics API (`Stats`, `GlobalStats`, the routers' accessors, the
//! `StatsReport` a driver delivers, its events) and, with feature `metrics`, through the
//! Prometheus metrics. Each feeds real packets built with the crate's packet API and simulated
//! time, then reads the object.

use crate::common;

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::adverts::VIP;
use vrrp::host::memory::{MemoryHost, MemorySetup};
use vrrp::host::{Event, EventLoop, Instance, Reconfiguration, StatsReport, VirtualAddress};
use vrrp::packet::{
    AddressList, Advertisement, Authentication, ChecksumForm, IPV4_MULTICAST, RxError, RxMeta,
    Version,
};
use vrrp::{
    Action, Config, ConfigBuilder, Counter, Interval, MacAddress, NewMasterReason, Priority,
    ProtoErrReason, Reason, RouterKey, Routers, State, VirtualRouter,
};

const LAN: u32 = 2;
const LOCAL: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const PEER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);
const VIP2: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 101);
const MS: Duration = Duration::from_millis(1);
const SECOND: Duration = Duration::from_secs(1);

fn builder(vrid: u8) -> ConfigBuilder {
    Config::builder(LAN, common::adverts::vrid(vrid), LOCAL.into()).address(VIP.into())
}

fn config(vrid: u8) -> Config {
    builder(vrid).build().expect("valid test configuration")
}

/// A VRRPv3 advert from PEER for `vrid`, announcing VIP.
fn advert(vrid: u8, priority: u8, centis: u16) -> Advertisement {
    Advertisement {
        version: Version::V3,
        vrid: common::adverts::vrid(vrid),
        priority: Priority::new(priority),
        interval: Interval::from_centis(centis).expect("non-zero"),
        addresses: AddressList::ipv4([VIP]),
        authentication: Authentication::None,
        checksum_form: ChecksumForm::PseudoHeader,
    }
}

fn bytes(advert: &Advertisement) -> Vec<u8> {
    common::adverts::emit(advert, PEER, IPV4_MULTICAST)
}

/// What the IP header of a packet from PEER said, with TTL `ttl`.
fn rx(ttl: u8) -> RxMeta {
    RxMeta::ipv4(PEER, IPV4_MULTICAST, ttl, LAN)
}

/// `message` with its checksum made right again over the IPv4 pseudo-header.
fn resealed(mut message: Vec<u8>) -> Vec<u8> {
    let pseudo = common::checksum::pseudo_header(PEER.into(), IPV4_MULTICAST.into(), message.len());
    common::checksum::reseal(&mut message, Some(&pseudo));
    message
}

fn drain(router: &mut VirtualRouter) -> Vec<Action> {
    std::iter::from_fn(|| router.poll_action()).collect()
}

fn drain_all(routers: &mut Routers) -> Vec<(RouterKey, Action)> {
    std::iter::from_fn(|| routers.poll_action()).collect()
}

/// A router of `config` started at `t0`.
fn started(config: Config, t0: Instant) -> VirtualRouter {
    let mut router = VirtualRouter::new(config);
    router.start(t0);
    drain(&mut router);
    router
}

/// Runs `router`'s timers until it is Master; returns when it became Master.
fn until_master(router: &mut VirtualRouter) -> Instant {
    let at = router.poll_timeout().expect("a timer runs");
    router.handle_timeout(at);
    drain(router);
    assert_eq!(router.state(), State::Master);
    at
}

fn receive(router: &mut VirtualRouter, now: Instant, advert: &Advertisement) {
    router
        .handle_packet(now, &rx(255), &bytes(advert))
        .expect("a sound advert");
    drain(router);
}

/// The one router's entry of a snapshot.
fn only(report: &StatsReport) -> &vrrp::host::RouterReport {
    assert_eq!(report.routers.len(), 1);
    &report.routers[0]
}

/// The metrics of `report`, with no names for the interfaces.
#[cfg(feature = "metrics")]
fn scrape(report: &StatsReport) -> String {
    use vrrp::host::metrics::{HostCounters, render};
    render(report, &HostCounters::default(), &|_| None)
}

/// The value of the sample whose name and labels start with `series` (labels in the order the
/// metrics write them), if there is one.
#[cfg(feature = "metrics")]
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find(|line| line.starts_with(series))
        .map(|line| {
            let value = line.rsplit(' ').next().expect("a value");
            value.parse().expect("a number")
        })
}

/// The labels of router VRID `vrid` on LAN, IPv4, as the metrics write them.
#[cfg(feature = "metrics")]
fn labels(vrid: u8) -> String {
    format!(r#"interface="{LAN}",vrid="{vrid}",family="ipv4""#)
}

#[test]
fn mib_01_checksum_errors_are_counted_router_wide_and_per_router() {
    let t0 = Instant::now();
    let mut routers = Routers::new();
    routers.add(config(51)).expect("new");
    routers.start(t0);
    let mut damaged = bytes(&advert(51, 200, 100));
    damaged[2] ^= 1;
    for _ in 0..2 {
        let error = routers.handle_packet(t0, &rx(255), &damaged);
        assert!(matches!(error, Err(RxError::Checksum { .. })), "{error:?}");
    }
    // A sound advert changes nothing.
    routers
        .handle_packet(t0, &rx(255), &bytes(&advert(51, 200, 100)))
        .expect("sound");
    let global = routers.global_stats();
    assert_eq!((global.checksum_errors, global.version_errors), (2, 0));
    let (_, router) = routers.iter().next().expect("one router");
    assert_eq!(router.stats().errors(Counter::ChecksumErrors), 2);
    #[cfg(feature = "metrics")]
    {
        let text = scrape(&StatsReport::of(&routers, t0));
        assert_eq!(
            sample(&text, "vrrp_router_checksum_errors_total "),
            Some(2.0)
        );
    }
}

#[test]
fn mib_02_version_errors_are_counted_router_wide() {
    let t0 = Instant::now();
    let mut routers = Routers::new();
    routers.add(config(51)).expect("new");
    routers.start(t0);
    for version in [1u8, 4, 15] {
        let mut message = bytes(&advert(51, 200, 100));
        message[0] = version << 4 | 1;
        let error = routers.handle_packet(t0, &rx(255), &resealed(message));
        assert!(matches!(error, Err(RxError::Version { .. })), "{error:?}");
    }
    // A VRRPv2 advert to a VRRPv3 router is a version it does not run.
    let v2 = common::adverts::emit(
        &Advertisement {
            version: Version::V2,
            checksum_form: ChecksumForm::MessageOnly,
            ..advert(51, 200, 100)
        },
        PEER,
        IPV4_MULTICAST,
    );
    let error = routers.handle_packet(t0, &rx(255), &v2);
    assert!(
        matches!(error, Err(RxError::VersionMismatch { .. })),
        "{error:?}"
    );
    assert_eq!(routers.global_stats().version_errors, 4);
    #[cfg(feature = "metrics")]
    {
        let text = scrape(&StatsReport::of(&routers, t0));
        assert_eq!(
            sample(&text, "vrrp_router_version_errors_total "),
            Some(4.0)
        );
    }
}

#[test]
fn mib_03_vrid_errors_count_adverts_for_no_virtual_router_here() {
    let t0 = Instant::now();
    let mut routers = Routers::new();
    routers.add(config(51)).expect("new");
    routers.start(t0);
    for vrid in [52, 99] {
        let error = routers.handle_packet(t0, &rx(255), &bytes(&advert(vrid, 200, 100)));
        assert!(
            matches!(error, Err(RxError::UnknownVrid { vrid: v, .. }) if v.get() == vrid),
            "{error:?}"
        );
    }
    // VRID 51 on another interface is no router here either.
    let elsewhere = rx(255).on_interface(LAN + 1);
    assert!(
        routers
            .handle_packet(t0, &elsewhere, &bytes(&advert(51, 200, 100)))
            .is_err()
    );
    routers
        .handle_packet(t0, &rx(255), &bytes(&advert(51, 200, 100)))
        .expect("VRID 51 runs here");
    assert_eq!(routers.global_stats().vrid_errors, 3);
    #[cfg(feature = "metrics")]
    {
        let text = scrape(&StatsReport::of(&routers, t0));
        assert_eq!(sample(&text, "vrrp_router_vr_id_errors_total "), Some(3.0));
    }
}

#[test]
fn mib_04_global_discontinuity_time_is_when_the_router_wide_counters_started() {
    let t0 = Instant::now();
    let mut routers = Routers::new();
    routers.add(config(51)).expect("new");
    assert_eq!(routers.global_stats().discontinuity_time, None);
    // The first instant the routers are given, whatever the call.
    let first = t0 + 5 * SECOND;
    assert!(
        routers
            .handle_packet(first, &rx(255), &bytes(&advert(99, 200, 100)))
            .is_err()
    );
    routers.start(first + SECOND);
    assert!(
        routers
            .handle_packet(first + 2 * SECOND, &rx(64), &bytes(&advert(51, 200, 100)))
            .is_err()
    );
    let global = routers.global_stats();
    assert_eq!(global.vrid_errors, 1);
    assert_eq!(global.discontinuity_time, Some(first));
    // A driver started again starts from zero: a discontinuity, at its first instant.
    let mut again = Routers::new();
    again.add(config(51)).expect("new");
    again.start(first + 3 * SECOND);
    assert_eq!(again.global_stats().vrid_errors, 0);
    assert_eq!(
        again.global_stats().discontinuity_time,
        Some(first + 3 * SECOND)
    );
    let report = StatsReport::of(&routers, first + 7 * SECOND);
    assert_eq!(report.global.discontinuity_time, Some(first));
    #[cfg(feature = "metrics")]
    {
        let text = scrape(&report);
        assert_eq!(
            sample(&text, "vrrp_global_statistics_discontinuity_age_seconds "),
            Some(7.0)
        );
    }
}

#[test]
fn mib_05_master_transitions_and_the_reason_for_the_last_one() {
    let t0 = Instant::now();
    let mut router = started(config(51), t0);
    assert_eq!(router.stats().new_master_reason, NewMasterReason::NotMaster);
    // Nobody is heard: masterNoResponse.
    let at = until_master(&mut router);
    assert_eq!(router.stats().master_transitions, 1);
    assert_eq!(
        router.stats().new_master_reason,
        NewMasterReason::MasterNoResponse
    );
    // A higher priority takes over, then stops with priority 0: priority.
    receive(&mut router, at + SECOND, &advert(51, 200, 100));
    assert_eq!(router.state(), State::Backup);
    receive(&mut router, at + 2 * SECOND, &advert(51, 0, 100));
    let at = until_master(&mut router);
    assert_eq!(router.stats().master_transitions, 2);
    assert_eq!(router.stats().new_master_reason, NewMasterReason::Priority);
    // A higher priority takes over, then comes back lower: with preemption, preempted (the timer
    // fires after the lower priority adverts were ignored, not after silence).
    receive(&mut router, at + SECOND, &advert(51, 200, 100));
    receive(&mut router, at + 2 * SECOND, &advert(51, 50, 100));
    until_master(&mut router);
    let stats = router.stats();
    assert_eq!(stats.master_transitions, 3);
    assert_eq!(stats.new_master_reason, NewMasterReason::Preempted);
    assert_eq!(stats.new_master_reason.mib_value(), 2);
    let mut routers = Routers::new();
    routers.add(config(51)).expect("new");
    routers.start(t0);
    let deadline = routers.poll_timeout().expect("Master_Down_Timer");
    routers.handle_timeout(deadline);
    let report = StatsReport::of(&routers, deadline);
    assert_eq!(only(&report).stats.master_transitions, 1);
    #[cfg(feature = "metrics")]
    {
        let text = scrape(&report);
        let l = labels(51);
        assert_eq!(
            sample(
                &text,
                &format!("vrrp_statistics_master_transitions_total{{{l}}}")
            ),
            Some(1.0)
        );
        assert_eq!(
            sample(
                &text,
                &format!(r#"vrrp_statistics_new_master_reason{{{l},reason="masterNoResponse"}}"#)
            ),
            Some(1.0)
        );
    }
}

#[test]
fn mib_06_rcvd_advertisements_counts_the_adverts_that_passed_every_check() {
    let t0 = Instant::now();
    let mut router = started(config(51), t0);
    for i in 1..=3 {
        receive(&mut router, t0 + i * SECOND, &advert(51, 200, 100));
    }
    // Discarded: TTL 64, a damaged checksum.
    let good = bytes(&advert(51, 200, 100));
    assert!(router.handle_packet(t0, &rx(64), &good).is_err());
    let mut damaged = good.clone();
    damaged[2] ^= 1;
    assert!(router.handle_packet(t0, &rx(255), &damaged).is_err());
    assert_eq!(router.stats().rcvd_advertisements, 3);
    assert_eq!(router.stats().total_errors(), 2);
}

#[test]
fn mib_07_adv_interval_errors_count_adverts_whose_interval_differs() {
    let t0 = Instant::now();
    let mut router = started(config(51), t0);
    receive(&mut router, t0 + SECOND, &advert(51, 200, 100));
    assert_eq!(router.stats().errors(Counter::AdvIntervalErrors), 0);
    receive(&mut router, t0 + 2 * SECOND, &advert(51, 200, 250));
    receive(&mut router, t0 + 3 * SECOND, &advert(51, 200, 50));
    let stats = router.stats();
    assert_eq!(stats.errors(Counter::AdvIntervalErrors), 2);
    // VRRPv3 counts them but processes them (RFC 9568 §7.1): the last interval is learned.
    assert_eq!(stats.rcvd_advertisements, 3);
    assert_eq!(router.master_adver_interval().as_centis(), 50);
}

#[test]
fn mib_08_ip_ttl_errors_count_a_ttl_or_hop_limit_other_than_255() {
    let t0 = Instant::now();
    let mut router = started(config(51), t0);
    let good = bytes(&advert(51, 200, 100));
    for ttl in [1, 64, 254] {
        assert_eq!(
            router.handle_packet(t0, &rx(ttl), &good),
            Err(RxError::HopLimit(ttl))
        );
    }
    router.handle_packet(t0, &rx(255), &good).expect("TTL 255");
    assert_eq!(router.stats().errors(Counter::IpTtlErrors), 3);
    // IPv6: the hop limit.
    let v6 = Config::builder(
        LAN,
        common::adverts::vrid(51),
        common::adverts::MASTER_LL.into(),
    )
    .address(common::adverts::VIP_LL.into())
    .build()
    .expect("valid");
    let mut router = started(v6, t0);
    let peer = std::net::Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2);
    let message = common::adverts::emit(
        &Advertisement {
            addresses: AddressList::ipv6([common::adverts::VIP_LL]),
            ..advert(51, 200, 100)
        },
        peer,
        vrrp::packet::IPV6_MULTICAST,
    );
    let hop_limit_1 = RxMeta::ipv6(peer, vrrp::packet::IPV6_MULTICAST, 1, LAN);
    assert!(router.handle_packet(t0, &hop_limit_1, &message).is_err());
    assert_eq!(router.stats().errors(Counter::IpTtlErrors), 1);
}

#[test]
fn mib_09_proto_err_reason_is_no_error_until_a_protocol_error_then_the_last_one() {
    let t0 = Instant::now();
    let mut routers = Routers::new();
    let key = routers.add(config(51)).expect("new");
    routers.start(t0);
    let good = bytes(&advert(51, 200, 100));
    routers.handle_packet(t0, &rx(255), &good).expect("sound");
    let reason = |routers: &Routers| routers.get(&key).expect("runs").stats().proto_err_reason;
    assert_eq!(reason(&routers), ProtoErrReason::NoError);
    assert!(routers.handle_packet(t0, &rx(64), &good).is_err());
    assert_eq!(reason(&routers), ProtoErrReason::IpTtlError);
    let mut damaged = good.clone();
    damaged[2] ^= 1;
    assert!(routers.handle_packet(t0, &rx(255), &damaged).is_err());
    assert_eq!(reason(&routers), ProtoErrReason::ChecksumError);
    let mut version_4 = good.clone();
    version_4[0] = 0x41;
    assert!(
        routers
            .handle_packet(t0, &rx(255), &resealed(version_4))
            .is_err()
    );
    assert_eq!(reason(&routers), ProtoErrReason::VersionError);
    // Neither a sound advert nor an error the MIB does not name changes it.
    routers.handle_packet(t0, &rx(255), &good).expect("sound");
    let mut wrong_type = good.clone();
    wrong_type[0] = 0x32;
    assert!(
        routers
            .handle_packet(t0, &rx(255), &resealed(wrong_type))
            .is_err()
    );
    assert_eq!(reason(&routers), ProtoErrReason::VersionError);
    assert_eq!(reason(&routers).mib_value(), 2);
    #[cfg(feature = "metrics")]
    {
        let text = scrape(&StatsReport::of(&routers, t0));
        let l = labels(51);
        assert_eq!(
            sample(
                &text,
                &format!(r#"vrrp_statistics_proto_err_reason{{{l},reason="versionError"}}"#)
            ),
            Some(1.0)
        );
    }
}

#[test]
fn mib_10_priority_zero_adverts_received_and_sent_are_counted() {
    let t0 = Instant::now();
    let mut router = started(config(51), t0);
    receive(&mut router, t0 + SECOND, &advert(51, 200, 100));
    assert_eq!(router.stats().rcvd_pri_zero_packets, 0, "priority 200");
    receive(&mut router, t0 + 2 * SECOND, &advert(51, 0, 100));
    assert_eq!(
        (
            router.stats().rcvd_pri_zero_packets,
            router.stats().sent_pri_zero_packets
        ),
        (1, 0)
    );
    let at = until_master(&mut router);
    assert_eq!(router.stats().sent_pri_zero_packets, 0);
    router.shutdown(at + SECOND);
    let sent: Vec<u8> = drain(&mut router)
        .into_iter()
        .filter_map(|action| match action {
            Action::Send(transmit) => Some(transmit.payload[2]),
            _ => None,
        })
        .collect();
    assert_eq!(sent, [0], "the Master leaves with priority 0");
    let stats = router.stats();
    assert_eq!(
        (stats.rcvd_pri_zero_packets, stats.sent_pri_zero_packets),
        (1, 1)
    );
    assert_eq!(stats.sent_advertisements, 2);
}

#[test]
fn mib_11_rcvd_invalid_type_packets_count_every_type_but_advertisement() {
    let t0 = Instant::now();
    let mut router = started(config(51), t0);
    for kind in [0u8, 2, 15] {
        let mut message = bytes(&advert(51, 200, 100));
        message[0] = 0x30 | kind;
        assert_eq!(
            router.handle_packet(t0, &rx(255), &resealed(message)),
            Err(RxError::Type(kind))
        );
    }
    assert_eq!(router.stats().errors(Counter::RcvdInvalidTypePackets), 3);
    assert_eq!(router.stats().rcvd_advertisements, 0);
}

#[test]
fn mib_12_address_list_errors_count_a_list_other_than_the_configured_one() {
    let t0 = Instant::now();
    let mut router = started(config(51), t0);
    receive(&mut router, t0 + SECOND, &advert(51, 200, 100));
    assert_eq!(router.stats().errors(Counter::AddressListErrors), 0);
    for addresses in [
        AddressList::ipv4([VIP2]),
        AddressList::ipv4([VIP, VIP2]),
        AddressList::ipv4([Ipv4Addr::new(198, 51, 100, 1)]),
    ] {
        let other = Advertisement {
            addresses,
            ..advert(51, 200, 100)
        };
        receive(&mut router, t0 + 2 * SECOND, &other);
    }
    assert_eq!(router.stats().errors(Counter::AddressListErrors), 3);
    // An empty list cannot be right: discarded, and counted the same.
    let mut empty = bytes(&advert(51, 200, 100));
    empty.truncate(8);
    empty[3] = 0;
    assert_eq!(
        router.handle_packet(t0, &rx(255), &resealed(empty)),
        Err(RxError::NoAddresses)
    );
    assert_eq!(router.stats().errors(Counter::AddressListErrors), 4);
}

#[test]
fn mib_13_packet_length_errors_count_short_and_incomplete_packets() {
    let t0 = Instant::now();
    let mut router = started(config(51), t0);
    let good = bytes(&advert(51, 200, 100));
    assert_eq!(
        router.handle_packet(t0, &rx(255), &good[..7]),
        Err(RxError::TooShort(7))
    );
    // The header says one address; the packet stops before it ends.
    assert!(matches!(
        router.handle_packet(t0, &rx(255), &resealed(good[..10].to_vec())),
        Err(RxError::Length { .. })
    ));
    // Trailing bytes are an incomplete (or overlong) list too.
    let mut long = good.clone();
    long.extend_from_slice(&[0; 4]);
    assert!(matches!(
        router.handle_packet(t0, &rx(255), &resealed(long)),
        Err(RxError::Length { .. })
    ));
    assert_eq!(router.stats().errors(Counter::PacketLengthErrors), 3);
}

#[test]
fn mib_14_row_discontinuity_time_and_refresh_rate() {
    let t0 = Instant::now();
    let mut routers = Routers::new();
    let first = routers.add(config(51)).expect("new");
    assert_eq!(
        routers
            .get(&first)
            .expect("added")
            .stats()
            .discontinuity_time,
        None
    );
    routers.start(t0 + SECOND);
    // A router a reconfiguration adds later starts its counters then.
    let second = routers.add(config(52)).expect("new");
    routers
        .start_router(t0 + 10 * SECOND, &second)
        .expect("added");
    let discontinuity =
        |key: &RouterKey| (routers.get(key).expect("runs").stats()).discontinuity_time;
    assert_eq!(discontinuity(&first), Some(t0 + SECOND));
    assert_eq!(discontinuity(&second), Some(t0 + 10 * SECOND));
    // Refresh rate: one advert per Master_Adver_Interval, learned from the Master in Backup.
    let refresh = |routers: &Routers, key| routers.get(key).expect("runs").refresh_rate();
    assert_eq!(refresh(&routers, &first), SECOND);
    routers
        .handle_packet(t0 + 11 * SECOND, &rx(255), &bytes(&advert(51, 200, 250)))
        .expect("sound");
    assert_eq!(refresh(&routers, &first), Duration::from_millis(2500));
    // A Master sends one per configured Advertisement_Interval.
    routers
        .handle_packet(t0 + 12 * SECOND, &rx(255), &bytes(&advert(52, 0, 100)))
        .expect("sound");
    let takeover = routers.poll_timeout().expect("a timer runs");
    routers.handle_timeout(takeover);
    drain_all(&mut routers);
    assert_eq!(routers.get(&second).expect("runs").state(), State::Master);
    let mut master = started(
        builder(53)
            .advert_interval(Duration::from_millis(300))
            .build()
            .expect("valid"),
        t0,
    );
    until_master(&mut master);
    assert_eq!(master.refresh_rate(), 300 * MS);
    let report = StatsReport::of(&routers, t0 + 13 * SECOND);
    let row = |vrid: u8| {
        (report.routers.iter())
            .find(|r| r.router.vrid.get() == vrid)
            .expect("reported")
    };
    assert_eq!(row(51).stats.discontinuity_time, Some(t0 + SECOND));
    assert_eq!(row(51).refresh_rate, Duration::from_millis(2500));
    assert_eq!(row(52).refresh_rate, SECOND);
    #[cfg(feature = "metrics")]
    {
        let text = scrape(&report);
        let (l51, l52) = (labels(51), labels(52));
        assert_eq!(
            sample(
                &text,
                &format!("vrrp_statistics_discontinuity_age_seconds{{{l51}}}")
            ),
            Some(12.0)
        );
        assert_eq!(
            sample(
                &text,
                &format!("vrrp_statistics_discontinuity_age_seconds{{{l52}}}")
            ),
            Some(3.0)
        );
        assert_eq!(
            sample(
                &text,
                &format!("vrrp_statistics_refresh_rate_seconds{{{l51}}}")
            ),
            Some(2.5)
        );
    }
}

/// An event loop on an in-memory host running `configs` from `t0`, and what it reported.
fn event_loop(
    configs: Vec<Config>,
    t0: Instant,
) -> (
    EventLoop<
        vrrp::host::memory::MemorySender,
        vrrp::host::memory::MemoryAddresses,
        vrrp::host::memory::MemoryAnnouncer,
    >,
    Vec<Event>,
) {
    let host = MemoryHost::default();
    host.set_link(LAN, true);
    host.add_address(LAN, VirtualAddress::host(LOCAL.into()));
    let mut event_loop = EventLoop::new(host.applier(), Arc::new(|| {}));
    let change = Reconfiguration {
        add: configs.into_iter().map(Instance::new).collect(),
        ..Reconfiguration::default()
    };
    let mut events = Vec::new();
    event_loop
        .reconfigure(t0, &change, &mut MemorySetup::new(&host), &mut |e| {
            events.push(e);
        })
        .expect("accepted");
    event_loop.start(t0, &mut |e| events.push(e));
    (event_loop, events)
}

#[test]
fn mib_15_new_master_and_protocol_error_notifications_are_events() {
    let t0 = Instant::now();
    let second = Config::builder(LAN, common::adverts::vrid(52), LOCAL.into())
        .address(VIP2.into())
        .build()
        .expect("valid");
    let (mut event_loop, mut events) = event_loop(vec![config(51), second], t0);
    assert!(!events.iter().any(|e| matches!(e, Event::NewMaster { .. })));
    // VRID 51 hears a Master that then stops; VRID 52 hears nothing.
    let on = &mut |e| events.push(e);
    event_loop
        .handle_packet(t0 + SECOND, &rx(255), &bytes(&advert(51, 200, 100)), on)
        .expect("sound");
    event_loop
        .handle_packet(t0 + 2 * SECOND, &rx(255), &bytes(&advert(51, 0, 100)), on)
        .expect("sound");
    while let Some(at) = event_loop.poll_timeout() {
        if at > t0 + 5 * SECOND {
            break;
        }
        event_loop.handle_timeout(at, &mut |e| events.push(e));
    }
    let new_masters: Vec<(u8, IpAddr, NewMasterReason)> = events
        .iter()
        .filter_map(|e| match e {
            Event::NewMaster {
                router,
                master_address,
                reason,
            } => Some((router.vrid.get(), *master_address, *reason)),
            _ => None,
        })
        .collect();
    assert_eq!(
        new_masters,
        [
            (51, LOCAL.into(), NewMasterReason::Priority),
            (52, LOCAL.into(), NewMasterReason::MasterNoResponse),
        ]
    );
    // Each right after its state change.
    for (i, e) in events.iter().enumerate() {
        if let Event::NewMaster { router, .. } = e {
            assert!(matches!(
                &events[i - 1],
                Event::StateChanged { router: r, to: State::Master, .. } if r == router
            ));
        }
    }

    // Protocol errors: the first of a reason is reported, the next within a minute counted only.
    let mut events = Vec::new();
    let good = bytes(&advert(51, 200, 100));
    let now = t0 + 10 * SECOND;
    let on = &mut |e| events.push(e);
    for i in 0..3 {
        let result = event_loop.handle_packet(now + i * SECOND, &rx(64), &good, on);
        assert_eq!(result, Err(RxError::HopLimit(64)));
    }
    let mut damaged = good.clone();
    damaged[2] ^= 1;
    assert!(
        event_loop
            .handle_packet(now, &rx(255), &damaged, on)
            .is_err()
    );
    // Not a protocol error the MIB names, and a VRID no router here runs: counted only.
    let mut wrong_type = good.clone();
    wrong_type[0] = 0x32;
    assert!(
        event_loop
            .handle_packet(now, &rx(255), &resealed(wrong_type), on)
            .is_err()
    );
    assert!(
        event_loop
            .handle_packet(now, &rx(64), &bytes(&advert(99, 200, 100)), on)
            .is_err()
    );
    let later = now + 61 * SECOND;
    assert!(event_loop.handle_packet(later, &rx(64), &good, on).is_err());
    let reported: Vec<(u8, ProtoErrReason, u64)> = events
        .iter()
        .filter_map(|e| match e {
            Event::ProtocolError {
                router,
                reason,
                source,
                count,
                ..
            } => {
                assert_eq!(*source, IpAddr::from(PEER));
                Some((router.vrid.get(), *reason, *count))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        reported,
        [
            (51, ProtoErrReason::IpTtlError, 1),
            (51, ProtoErrReason::ChecksumError, 1),
            (51, ProtoErrReason::IpTtlError, 4),
        ]
    );
}

#[test]
fn mib_16_operations_table() {
    let t0 = Instant::now();
    let config = builder(51)
        .address(VIP2.into())
        .priority(Priority::new(150))
        .advert_interval(Duration::from_millis(500))
        .preempt(false)
        .accept(true)
        .build()
        .expect("valid");
    let mut routers = Routers::new();
    let key = routers.add(config).expect("new");
    let router = |routers: &Routers| routers.get(&key).expect("runs").clone();
    assert_eq!(router(&routers).state().mib_value(), 1, "initialize");
    assert_eq!(router(&routers).up_since(), None);
    let start = t0 + SECOND;
    routers.start(start);
    assert_eq!(router(&routers).state().mib_value(), 2, "backup");
    assert_eq!(router(&routers).up_since(), Some(start));
    // MasterIpAddr: the source of the last advert heard in Backup.
    routers
        .handle_packet(start + SECOND, &rx(255), &bytes(&advert(51, 200, 50)))
        .expect("sound");
    assert_eq!(router(&routers).master_address(), Some(PEER.into()));
    let report = StatsReport::of(&routers, start + 4 * SECOND);
    let row = only(&report);
    assert_eq!(row.state, State::Backup);
    assert_eq!(row.master_address, Some(PEER.into()));
    assert_eq!(row.primary_address, IpAddr::from(LOCAL));
    assert_eq!(
        row.virtual_mac,
        MacAddress([0x00, 0x00, 0x5e, 0x00, 0x01, 51])
    );
    assert_eq!(row.priority, Priority::new(150));
    assert_eq!(row.address_count, 2);
    assert_eq!(row.advert_interval.as_centis(), 50);
    assert_eq!((row.preempt, row.accept), (false, true));
    assert_eq!(row.up_time(report.taken_at), Some(4 * SECOND));
    #[cfg(feature = "metrics")]
    {
        let text = scrape(&report);
        let l = labels(51);
        let at = |series: String| sample(&text, &series);
        assert_eq!(at(format!("vrrp_operations_status{{{l}}}")), Some(2.0));
        assert_eq!(
            at(format!(
                r#"vrrp_operations_primary_address{{{l},address="192.0.2.1"}}"#
            )),
            Some(1.0)
        );
        assert_eq!(
            at(format!(
                r#"vrrp_operations_virtual_mac_address{{{l},address="00:00:5e:00:01:33"}}"#
            )),
            Some(1.0)
        );
        assert_eq!(at(format!("vrrp_operations_addr_count{{{l}}}")), Some(2.0));
        assert_eq!(
            at(format!("vrrp_operations_adv_interval_seconds{{{l}}}")),
            Some(0.5)
        );
        assert_eq!(
            at(format!("vrrp_operations_preempt_mode{{{l}}}")),
            Some(0.0)
        );
        assert_eq!(at(format!("vrrp_operations_accept_mode{{{l}}}")), Some(1.0));
        assert_eq!(
            at(format!("vrrp_operations_up_time_seconds{{{l}}}")),
            Some(4.0)
        );
        assert_eq!(
            at(format!(
                r#"vrrp_router_master_address{{{l},address="192.0.2.2"}}"#
            )),
            Some(1.0)
        );
        assert_eq!(at(format!("vrrp_router_priority{{{l}}}")), Some(150.0));
    }
    // Priority: 0 and 255 are not the tracked priority of a non-owner.
    routers.set_priority(start + 5 * SECOND, &key, Priority::OWNER);
    assert_eq!(router(&routers).priority(), Priority::new(254));
    routers.set_priority(start + 5 * SECOND, &key, Priority::SHUTDOWN);
    assert_eq!(router(&routers).priority(), Priority::new(1));
    // Master: its own address; Fault is initialize(1), and the up time starts again after it.
    routers
        .handle_packet(start + 5 * SECOND, &rx(255), &bytes(&advert(51, 0, 50)))
        .expect("sound");
    let takeover = routers.poll_timeout().expect("Skew_Time");
    routers.handle_timeout(takeover);
    assert_eq!(router(&routers).state().mib_value(), 3, "master");
    assert_eq!(router(&routers).master_address(), Some(LOCAL.into()));
    assert_eq!(router(&routers).up_since(), Some(start), "still up");
    routers.handle_link(start + 8 * SECOND, LAN, false);
    assert_eq!(router(&routers).state(), State::Fault);
    assert_eq!(router(&routers).state().mib_value(), 1);
    assert_eq!(router(&routers).up_since(), None);
    routers.handle_link(start + 9 * SECOND, LAN, true);
    assert_eq!(router(&routers).up_since(), Some(start + 9 * SECOND));
    let report = StatsReport::of(&routers, start + 12 * SECOND);
    assert_eq!(only(&report).up_time(report.taken_at), Some(3 * SECOND));
    routers.shutdown(start + 13 * SECOND);
    assert_eq!(router(&routers).up_since(), None);
    let changes: Vec<Reason> = drain_all(&mut routers)
        .into_iter()
        .filter_map(|(_, action)| match action {
            Action::StateChanged { reason, .. } => Some(reason),
            _ => None,
        })
        .collect();
    assert!(changes.contains(&Reason::Shutdown), "{changes:?}");
}
