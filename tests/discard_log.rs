//! The log lines of discarded adverts (feature `tracing`): RFC 5798 §7.1 says a receiver SHOULD log
//! them, and a flood must not flood the log, so the event loop writes at most one line per virtual
//! router and reason every 10 s of the time it is given, with the count of the lines it held back.
//! Captured with a `tracing-subscriber` writing to a buffer; time is simulated.

use crate::common;

use std::io::Write;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use vrrp::host::memory::{MemoryHost, MemorySetup};
use vrrp::host::{EventLoop, Instance, Reconfiguration, VirtualAddress};
use vrrp::packet::{
    AddressList, Advertisement, Authentication, ChecksumForm, IPV4_MULTICAST, RxError, RxMeta,
    Version,
};
use vrrp::{Config, Interval, Priority};

const LAN: u32 = 2;
const LOCAL: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const PEER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);

/// What the subscriber wrote.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn lines(&self) -> Vec<String> {
        let bytes = self.0.lock().expect("not poisoned").clone();
        String::from_utf8(bytes)
            .expect("UTF-8")
            .lines()
            .map(str::to_string)
            .collect()
    }
}

/// The virtual address of VRID `vrid`: 192.0.2.(49 + vrid).
fn vip(vrid: u8) -> Ipv4Addr {
    Ipv4Addr::new(192, 0, 2, 49 + vrid)
}

fn advert(vrid: u8, interval: Interval) -> Vec<u8> {
    let advert = Advertisement {
        version: Version::V3,
        vrid: common::adverts::vrid(vrid),
        priority: Priority::new(200),
        interval,
        addresses: AddressList::ipv4([vip(vrid)]),
        authentication: Authentication::None,
        checksum_form: ChecksumForm::PseudoHeader,
    };
    common::adverts::emit(&advert, PEER, IPV4_MULTICAST)
}

/// The lines that contain every one of `parts`.
fn matching(lines: &[String], parts: &[&str]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| parts.iter().all(|p| l.contains(p)))
        .cloned()
        .collect()
}

#[test]
fn v3_9568_07_discarded_adverts_are_logged_once_per_router_and_reason_every_ten_seconds_with_a_count()
 {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let host = MemoryHost::default();
        host.set_link(LAN, true);
        host.add_address(LAN, VirtualAddress::host(LOCAL.into()));
        let mut event_loop = EventLoop::new(host.applier(), Arc::new(|| {}));
        let configs = [51, 52].map(|vrid| {
            Config::builder(LAN, common::adverts::vrid(vrid), LOCAL.into())
                .address(vip(vrid).into())
                .build()
                .expect("valid")
        });
        let change = Reconfiguration {
            add: configs.into_iter().map(Instance::new).collect(),
            ..Reconfiguration::default()
        };
        let t0 = Instant::now();
        let mut setup = MemorySetup::new(&host);
        event_loop
            .reconfigure(t0, &change, &mut setup, &mut |_| {})
            .expect("accepted");
        event_loop.start(t0, &mut |_| {});

        let ttl_64 = RxMeta::ipv4(PEER, IPV4_MULTICAST, 64, LAN);
        let good = RxMeta::ipv4(PEER, IPV4_MULTICAST, 255, LAN);
        let wrong_interval = Interval::from_centis(300).expect("3 s is valid");
        // 25 s of a bad advert every 500 ms for VRID 51 (TTL 64), and every second for VRID 52
        // (TTL 64 too, and an advert whose interval differs from the configuration).
        for tick in 0..50u64 {
            let now = t0 + Duration::from_millis(500 * tick);
            let result =
                event_loop.handle_packet(now, &ttl_64, &advert(51, Interval::DEFAULT), &mut |_| {});
            assert_eq!(result, Err(RxError::HopLimit(64)));
            if tick == 0 {
                // RFC 9568 §7.1 lists the Type check: a Type other than ADVERTISEMENT is discarded.
                let mut wrong_type = advert(51, Interval::DEFAULT);
                wrong_type[0] = 0x32;
                let pseudo = common::checksum::pseudo_header(
                    PEER.into(),
                    IPV4_MULTICAST.into(),
                    wrong_type.len(),
                );
                common::checksum::reseal(&mut wrong_type, Some(&pseudo));
                let result = event_loop.handle_packet(now, &good, &wrong_type, &mut |_| {});
                assert_eq!(result, Err(RxError::Type(2)));
            }
            if tick % 2 == 0 {
                let _ = event_loop.handle_packet(
                    now,
                    &ttl_64,
                    &advert(52, Interval::DEFAULT),
                    &mut |_| {},
                );
                // RFC 9568 §7.1: logged and counted, but processed.
                let result =
                    event_loop.handle_packet(now, &good, &advert(52, wrong_interval), &mut |_| {});
                assert!(result.is_ok(), "{result:?}");
            }
        }
        let lines = buffer.lines();
        let ttl_51 = matching(&lines, &["vrid=51", "vrrpv3StatisticsIpTtlErrors"]);
        // At 0 s, 10 s and 20 s: the first line, then one with the 19 held back in between.
        assert_eq!(ttl_51.len(), 3, "{lines:#?}");
        assert!(ttl_51.iter().all(|l| l.contains("WARN")), "{ttl_51:#?}");
        assert!(ttl_51[0].contains("suppressed=0"), "{}", ttl_51[0]);
        assert!(ttl_51[1].contains("suppressed=19"), "{}", ttl_51[1]);
        assert!(ttl_51[2].contains("suppressed=19"), "{}", ttl_51[2]);
        assert!(ttl_51[0].contains("TTL / hop limit is 64"), "{}", ttl_51[0]);
        assert!(ttl_51[0].contains("source=192.0.2.2"), "{}", ttl_51[0]);
        // VRID 52: its own limit for each reason.
        let ttl_52 = matching(&lines, &["vrid=52", "vrrpv3StatisticsIpTtlErrors"]);
        assert_eq!(ttl_52.len(), 3, "{lines:#?}");
        assert!(ttl_52[1].contains("suppressed=9"), "{}", ttl_52[1]);
        let interval_52 = matching(&lines, &["vrid=52", "vrrpv3StatisticsAdvIntervalErrors"]);
        assert_eq!(interval_52.len(), 3, "{lines:#?}");
        assert!(
            interval_52[0].contains("processed it"),
            "{}",
            interval_52[0]
        );
        assert!(
            interval_52[2].contains("suppressed=9"),
            "{}",
            interval_52[2]
        );
        let wrong_type = matching(
            &lines,
            &["vrid=51", "vrrpv3StatisticsRcvdInvalidTypePackets"],
        );
        assert_eq!(wrong_type.len(), 1, "{lines:#?}");
        assert!(wrong_type[0].contains("WARN"), "{}", wrong_type[0]);
        assert_eq!(
            matching(&lines, &["discarded"]).len(),
            7,
            "nothing else: {lines:#?}"
        );

        // A datagram with a broken IP header has no router: one line per reason and interval of
        // the loop's time (the latest it was given, 24.5 s).
        for _ in 0..5 {
            event_loop.handle_malformed(&RxError::TooShort(3));
        }
        let lines = buffer.lines();
        let malformed = matching(&lines, &["malformed datagram"]);
        assert_eq!(malformed.len(), 1, "{lines:#?}");
        event_loop.handle_timeout(t0 + Duration::from_secs(35), &mut |_| {});
        event_loop.handle_malformed(&RxError::TooShort(3));
        let malformed = matching(&buffer.lines(), &["malformed datagram"]);
        assert_eq!(malformed.len(), 2, "{malformed:#?}");
        assert!(malformed[1].contains("suppressed=4"), "{}", malformed[1]);
    });
}

#[test]
fn v3_9568_12_several_owners_are_counted_and_logged_at_most_every_ten_seconds() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let host = MemoryHost::default();
        host.set_link(LAN, true);
        host.add_address(LAN, VirtualAddress::host(LOCAL.into()));
        let mut event_loop = EventLoop::new(host.applier(), Arc::new(|| {}));
        let owner = Config::builder(LAN, common::adverts::vrid(51), LOCAL.into())
            .priority(Priority::OWNER)
            .owner(true)
            .address(vip(51).into())
            .build()
            .expect("valid");
        let change = Reconfiguration {
            add: vec![Instance::new(owner)],
            ..Reconfiguration::default()
        };
        let t0 = Instant::now();
        let mut setup = MemorySetup::new(&host);
        event_loop
            .reconfigure(t0, &change, &mut setup, &mut |_| {})
            .expect("accepted");
        event_loop.start(t0, &mut |_| {});
        // Another router advertises priority 255 for the same VRID every 500 ms for 25 s.
        let mut second_owner = Advertisement::parse(
            &RxMeta::ipv4(PEER, IPV4_MULTICAST, 255, LAN),
            &advert(51, Interval::DEFAULT),
        )
        .expect("sound");
        second_owner.priority = Priority::OWNER;
        let bytes = common::adverts::emit(&second_owner, PEER, IPV4_MULTICAST);
        let good = RxMeta::ipv4(PEER, IPV4_MULTICAST, 255, LAN);
        for tick in 0..50u64 {
            let now = t0 + Duration::from_millis(500 * tick);
            let result = event_loop.handle_packet(now, &good, &bytes, &mut |_| {});
            assert!(result.is_ok(), "processed (erratum 8298): {result:?}");
        }
        let key = event_loop.routers().iter().next().expect("one router").0;
        let router = event_loop.routers().get(&key).expect("runs");
        assert_eq!(router.stats().owner_conflicts, 50);
        let lines = buffer.lines();
        let owners = matching(&lines, &["vrid=51", "advertises priority 255 too"]);
        assert_eq!(owners.len(), 3, "{lines:#?}");
        assert!(owners.iter().all(|l| l.contains("WARN")), "{owners:#?}");
        assert!(owners[1].contains("suppressed=19"), "{}", owners[1]);
    });
}

#[test]
fn the_driver_events_are_logged_at_their_level() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let key = vrrp::RouterKey {
            interface_index: LAN,
            family: vrrp::AddressFamily::Ipv4,
            vrid: common::adverts::vrid(51),
        };
        vrrp::host::log_event(&vrrp::host::Event::StateChanged {
            router: key,
            from: vrrp::State::Backup,
            to: vrrp::State::Master,
            reason: vrrp::Reason::MasterNoResponse,
        });
        vrrp::host::log_event(&vrrp::host::Event::AddressRestored {
            router: key,
            interface_index: LAN,
            address: vip(51).into(),
        });
        vrrp::host::log_event(&vrrp::host::Event::Resynchronized);
    });
    let lines = buffer.lines();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(
        lines[0].contains("INFO") && lines[0].contains("to=master"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("WARN") && lines[1].contains("192.0.2.100"),
        "{}",
        lines[1]
    );
    assert!(lines[2].contains("INFO"), "{}", lines[2]);
}

#[test]
fn v3_9568_13_a_master_that_loses_mastership_soon_after_taking_it_is_a_flap_logged_at_most_every_ten_seconds()
 {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let host = MemoryHost::default();
        host.set_link(LAN, true);
        host.add_address(LAN, VirtualAddress::host(LOCAL.into()));
        let mut event_loop = EventLoop::new(host.applier(), Arc::new(|| {}));
        // A Backup at 100 ms: Master_Down_Interval 360.9 ms.
        let backup = Config::builder(LAN, common::adverts::vrid(51), LOCAL.into())
            .advert_interval(Duration::from_millis(100))
            .address(vip(51).into())
            .build()
            .expect("valid");
        let change = Reconfiguration {
            add: vec![Instance::new(backup)],
            ..Reconfiguration::default()
        };
        let t0 = Instant::now();
        let mut setup = MemorySetup::new(&host);
        event_loop
            .reconfigure(t0, &change, &mut setup, &mut |_| {})
            .expect("accepted");
        event_loop.start(t0, &mut |_| {});
        // A priority-200 Master whose adverts come late: the Backup takes over after
        // Master_Down_Interval of silence, then hears the late advert 10 ms later and yields.
        // 30 such flaps, one every 371 ms: 11.1 s.
        let bytes = advert(51, Interval::from_centis(10).expect("non-zero"));
        let rx = RxMeta::ipv4(PEER, IPV4_MULTICAST, 255, LAN);
        for _ in 0..30 {
            let took_over = event_loop.poll_timeout().expect("Master_Down_Timer");
            event_loop.handle_timeout(took_over, &mut |_| {});
            let late = took_over + Duration::from_millis(10);
            event_loop
                .handle_packet(late, &rx, &bytes, &mut |_| {})
                .expect("valid");
        }
        let key = event_loop.routers().iter().next().expect("one router").0;
        let router = event_loop.routers().get(&key).expect("runs");
        assert_eq!(router.stats().flaps, 30);
        let lines = buffer.lines();
        let flaps = matching(&lines, &["vrid=51", "flapping"]);
        assert_eq!(flaps.len(), 2, "{lines:#?}");
        assert!(flaps.iter().all(|l| l.contains("WARN")), "{flaps:#?}");
        assert!(flaps[1].contains("suppressed=26"), "{}", flaps[1]);
    });
}
