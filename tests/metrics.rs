//! The Prometheus rendering of `vrrp::host::metrics`, read back with an independent parser
//! (`prometheus-parse`): routers driven in simulated time, bad packets fed to them, host events
//! recorded, and every value checked as a number.

use crate::common;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use prometheus_parse::{Sample, Scrape, Value};
use vrrp::host::metrics::{CONTENT_TYPE, HostCounters, render};
use vrrp::host::{Event, Operation, StatsReport};
use vrrp::packet::{
    AddressList, Advertisement, Authentication, ChecksumForm, IPV4_MULTICAST, RxError, RxMeta,
    Version,
};
use vrrp::{Action, Config, Interval, Priority, RouterKey, Routers, State};

const LOCAL: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const PEER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);
const VIP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 100);

fn config(vrid: u8, priority: u8) -> Config {
    Config::builder(2, common::adverts::vrid(vrid), LOCAL.into())
        .priority(Priority::new(priority))
        .address(VIP.into())
        .build()
        .expect("valid")
}

fn advert(vrid: u8, priority: u8) -> Vec<u8> {
    let advert = Advertisement {
        version: Version::V3,
        vrid: common::adverts::vrid(vrid),
        priority: Priority::new(priority),
        interval: Interval::DEFAULT,
        addresses: AddressList::ipv4([VIP]),
        authentication: Authentication::None,
        checksum_form: ChecksumForm::PseudoHeader,
    };
    common::adverts::emit(&advert, PEER, IPV4_MULTICAST)
}

/// Applies the routers' actions as a driver would, counting the adverts sent.
fn drain(routers: &mut Routers) -> u64 {
    std::iter::from_fn(|| routers.poll_action())
        .filter(|(_, action)| matches!(action, Action::Send(_)))
        .count() as u64
}

/// Runs the routers' timers until `until`; returns the adverts sent.
fn run_until(routers: &mut Routers, until: Instant) -> u64 {
    let mut sent = drain(routers);
    while let Some(deadline) = routers.poll_timeout().filter(|&d| d <= until) {
        routers.handle_timeout(deadline);
        sent += drain(routers);
    }
    sent
}

fn parse(text: &str) -> Scrape {
    Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("valid exposition format")
}

/// The one sample of `metric` whose labels include `labels`.
fn sample<'a>(scrape: &'a Scrape, metric: &str, labels: &[(&str, &str)]) -> &'a Sample {
    let matching: Vec<&Sample> = scrape
        .samples
        .iter()
        .filter(|s| s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .collect();
    assert_eq!(matching.len(), 1, "{metric} {labels:?}: {matching:?}");
    matching[0]
}

fn counter(scrape: &Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    match sample(scrape, metric, labels).value {
        Value::Counter(v) => v,
        ref other => panic!("{metric} is not a counter: {other:?}"),
    }
}

fn gauge(scrape: &Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    match sample(scrape, metric, labels).value {
        Value::Gauge(v) => v,
        ref other => panic!("{metric} is not a gauge: {other:?}"),
    }
}

#[test]
fn a_report_of_real_routers_renders_every_counter_with_its_value() {
    let t0 = Instant::now();
    let mut routers = Routers::new();
    let master = routers.add(config(51, 100)).expect("new");
    let backup = routers.add(config(52, 100)).expect("new");
    routers.start(t0);
    // Nobody else on VRID 51: Master after Master_Down_Interval, then one advert a second.
    let mut sent = run_until(&mut routers, t0 + Duration::from_secs(10));
    assert_eq!(routers.get(&master).map(|r| r.state()), Some(State::Master));
    assert!(sent > 0);

    // VRID 52 hears a Master of priority 200 every second; the last one was heard at 10.5 s.
    let heard = t0 + Duration::from_millis(10_500);
    let good = RxMeta::ipv4(PEER, IPV4_MULTICAST, 255, 2);
    let _ = routers.handle_packet(heard, &good, &advert(52, 200));
    sent += drain(&mut routers);
    // VRID 52 became Master at ~3.6 s; it steps back: the advert beats it.
    assert_eq!(routers.get(&backup).map(|r| r.state()), Some(State::Backup));
    for _ in 0..3 {
        let result = routers.handle_packet(heard, &good, &advert(52, 200));
        assert_eq!(result, Ok(backup));
    }
    // Bad packets: TTL 64 twice (V3-RX-07), an unknown VRID, a version 4 packet, a priority-0
    // advert, and a datagram whose IP header is broken.
    let ttl_64 = RxMeta::ipv4(PEER, IPV4_MULTICAST, 64, 2);
    for _ in 0..2 {
        let result = routers.handle_packet(heard, &ttl_64, &advert(51, 200));
        assert!(matches!(result, Err(RxError::HopLimit(64))), "{result:?}");
    }
    assert!(
        routers
            .handle_packet(heard, &good, &advert(99, 200))
            .is_err()
    );
    let mut version_4 = advert(51, 200);
    version_4[0] = 0x41;
    assert!(routers.handle_packet(heard, &good, &version_4).is_err());
    assert_eq!(
        routers.handle_packet(heard, &good, &advert(52, 0)),
        Ok(backup)
    );
    routers.record_malformed(&RxError::TooShort(3));
    sent += drain(&mut routers);
    let report = StatsReport::of(&routers, heard);

    let mut host = HostCounters::default();
    let events = [
        Event::AddressRestored {
            router: master,
            interface_index: 2,
            address: VIP.into(),
        },
        Event::AddressRestored {
            router: master,
            interface_index: 2,
            address: VIP.into(),
        },
        Event::BackendFailed {
            router: backup,
            operation: Operation::AddAddress(VIP.into()),
            error: "address in use".into(),
        },
        Event::TransientError {
            operation: "receiving an advertisement",
            error: "no buffer space".into(),
        },
        Event::InterfaceRecreated {
            interface_index: 2,
            new_index: 7,
            name: "eth0".into(),
        },
        Event::PrimaryAddress {
            router: backup,
            address: LOCAL.into(),
            present: false,
        },
        Event::PrimaryAddress {
            router: master,
            address: LOCAL.into(),
            present: false,
        },
        Event::PrimaryAddress {
            router: master,
            address: LOCAL.into(),
            present: true,
        },
        Event::AddressConflict {
            router: master,
            address: LOCAL.into(),
            count: 4,
        },
        Event::Resynchronized,
        Event::Resynchronized,
        Event::UnknownRouter(master),
    ];
    for event in &events {
        host.record(event);
    }
    let names = |index: u32| (index == 2).then(|| "eth0".to_string());
    let text = render(&report, &host, &names);
    assert_eq!(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
    let scrape = parse(&text);

    let vr = |vrid: &'static str| [("interface", "eth0"), ("vrid", vrid), ("family", "ipv4")];
    let r51 = vr("51");
    let r52 = vr("52");
    let with = |base: [(&'static str, &'static str); 3], extra: (&'static str, &'static str)| {
        let mut all = base.to_vec();
        all.push(extra);
        all
    };
    for (state, value) in [
        ("master", 1.0),
        ("backup", 0.0),
        ("initialize", 0.0),
        ("fault", 0.0),
    ] {
        let labels = with(r51, ("state", state));
        assert_eq!(
            gauge(&scrape, "vrrp_router_state", &labels),
            value,
            "{state}"
        );
    }
    assert_eq!(
        gauge(
            &scrape,
            "vrrp_router_state",
            &with(r52, ("state", "backup"))
        ),
        1.0
    );
    assert_eq!(gauge(&scrape, "vrrp_router_priority", &r51), 100.0);
    assert_eq!(
        gauge(&scrape, "vrrp_router_configured_priority", &r52),
        100.0
    );
    assert_eq!(
        gauge(
            &scrape,
            "vrrp_router_master_address",
            &with(r52, ("address", "192.0.2.2"))
        ),
        1.0
    );
    assert_eq!(
        gauge(
            &scrape,
            "vrrp_router_master_address",
            &with(r51, ("address", "192.0.2.1"))
        ),
        1.0
    );

    // Every counter equals the router's own statistics.
    let stats = |key: &RouterKey| routers.get(key).expect("runs").stats().clone();
    let (s51, s52) = (stats(&master), stats(&backup));
    assert_eq!(
        s51.sent_advertisements + s52.sent_advertisements,
        sent,
        "the adverts the driver was asked to send"
    );
    let c = |name: &str, labels: &[(&str, &str)]| counter(&scrape, name, labels) as u64;
    assert_eq!(
        c("vrrp_sent_advertisements_total", &r51),
        s51.sent_advertisements
    );
    assert!(c("vrrp_sent_advertisements_total", &r51) >= 6);
    assert_eq!(c("vrrp_statistics_master_transitions_total", &r51), 1);
    assert_eq!(c("vrrp_statistics_master_transitions_total", &r52), 1);
    assert_eq!(c("vrrp_statistics_rcvd_advertisements_total", &r52), 5);
    assert_eq!(c("vrrp_statistics_rcvd_pri_zero_packets_total", &r52), 1);
    assert_eq!(c("vrrp_statistics_sent_pri_zero_packets_total", &r51), 0);
    assert_eq!(c("vrrp_rcvd_pseudo_header_checksums_total", &r52), 5);
    assert_eq!(c("vrrp_rcvd_message_only_checksums_total", &r52), 0);
    assert_eq!(c("vrrp_statistics_ip_ttl_errors_total", &r51), 2);
    assert_eq!(c("vrrp_statistics_ip_ttl_errors_total", &r52), 0);
    assert_eq!(
        c("vrrp_sent_announcements_total", &r51),
        s51.sent_announcements
    );
    assert_eq!(c("vrrp_owner_conflicts_total", &r51), s51.owner_conflicts);
    assert_eq!(c("vrrp_address_conflicts_total", &r51), 0);
    for name in [
        "vrrp_statistics_rcvd_invalid_type_packets_total",
        "vrrp_statistics_packet_length_errors_total",
        "vrrp_statistics_address_list_errors_total",
        "vrrp_statistics_adv_interval_errors_total",
        "vrrp_stats_invalid_auth_type_total",
        "vrrp_stats_auth_type_mismatch_total",
        "vrrp_stats_auth_failures_total",
        "vrrp_unknown_peer_errors_total",
    ] {
        assert_eq!(c(name, &r51), 0, "{name}");
    }
    let reason = |name: &str, labels: &[(&str, &str)]| {
        let s = sample(&scrape, name, labels);
        assert!(matches!(s.value, Value::Gauge(v) if v == 1.0), "{s:?}");
        s.labels.get("reason").expect("a reason").to_string()
    };
    assert_eq!(
        reason("vrrp_statistics_new_master_reason", &r51),
        "masterNoResponse"
    );
    // The last one VRID 51 discarded was the version 4 packet.
    assert_eq!(
        reason("vrrp_statistics_proto_err_reason", &r51),
        "versionError"
    );
    assert_eq!(reason("vrrp_statistics_proto_err_reason", &r52), "noError");

    // Router-wide: the unknown VRID, the version, the broken datagram.
    assert_eq!(c("vrrp_router_vr_id_errors_total", &[]), 1);
    assert_eq!(c("vrrp_router_version_errors_total", &[]), 1);
    assert_eq!(c("vrrp_router_checksum_errors_total", &[]), 0);
    assert_eq!(c("vrrp_malformed_datagrams_total", &[]), 1);

    // The host's events.
    assert_eq!(c("vrrp_host_address_restored_total", &r51), 2);
    assert_eq!(
        c(
            "vrrp_host_backend_failures_total",
            &with(r52, ("operation", "add_address"))
        ),
        1
    );
    assert_eq!(
        c(
            "vrrp_host_transient_errors_total",
            &[("operation", "receiving an advertisement")]
        ),
        1
    );
    assert_eq!(
        c(
            "vrrp_host_interface_recreated_total",
            &[("interface", "eth0")]
        ),
        1
    );
    assert_eq!(c("vrrp_host_primary_address_lost_total", &r51), 1);
    assert_eq!(c("vrrp_host_primary_address_lost_total", &r52), 1);
    assert_eq!(
        gauge(&scrape, "vrrp_host_primary_address_missing", &r51),
        0.0
    );
    assert_eq!(
        gauge(&scrape, "vrrp_host_primary_address_missing", &r52),
        1.0
    );
    assert_eq!(c("vrrp_host_address_conflict_reports_total", &r51), 1);
    assert_eq!(c("vrrp_host_resynchronizations_total", &[]), 2);
    assert_eq!(host.resynchronizations(), 2);

    // Every family is documented and typed, once.
    let mut types: HashMap<&str, usize> = HashMap::new();
    for line in text.lines().filter(|l| l.starts_with("# TYPE ")) {
        *types
            .entry(line.split(' ').nth(2).expect("a name"))
            .or_default() += 1;
    }
    assert!(types.values().all(|&n| n == 1), "{types:?}");
    assert!(scrape.docs.contains_key("vrrp_router_state"));
    assert!(
        scrape
            .docs
            .contains_key("vrrp_statistics_ip_ttl_errors_total")
    );
}

#[test]
fn interfaces_without_a_name_are_labelled_with_their_index_and_ipv6_with_its_family() {
    let t0 = Instant::now();
    let mut routers = Routers::new();
    let link_local: IpAddr = "fe80::1".parse().expect("an address");
    let config = Config::builder(9, common::adverts::vrid(7), link_local)
        .address("fe80::100".parse().expect("an address"))
        .build()
        .expect("valid");
    routers.add(config).expect("new");
    routers.start(t0);
    run_until(&mut routers, t0 + Duration::from_secs(5));
    let text = render(
        &StatsReport::of(&routers, t0 + Duration::from_secs(5)),
        &HostCounters::default(),
        &|_| None,
    );
    let scrape = parse(&text);
    let labels = [
        ("interface", "9"),
        ("vrid", "7"),
        ("family", "ipv6"),
        ("state", "master"),
    ];
    assert_eq!(gauge(&scrape, "vrrp_router_state", &labels), 1.0);
    // No host events: no host series but the router-wide resynchronization count.
    assert!(
        scrape
            .samples
            .iter()
            .all(|s| !s.metric.starts_with("vrrp_host_")
                || s.metric == "vrrp_host_resynchronizations_total")
    );
    assert_eq!(
        counter(&scrape, "vrrp_host_resynchronizations_total", &[]),
        0.0
    );
}
