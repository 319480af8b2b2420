//! Property tests in the simulated LAN, over 1,000 random seeds per run: after any mix of crashes,
//! restarts, clean stops, partitions, loss and priority changes, once the network has been stable for
//! Master_Down_Interval plus one advert interval, there is exactly one Master, it has the highest
//! priority, every router holds the addresses exactly when it is Master, and the counters add up.

use std::net::Ipv4Addr;
use std::time::Duration;

use proptest::prelude::*;
use vrrp::sim::{HostId, Lan, RecordKind};
use vrrp::{Config, Priority, State, Vrid};

const VRID: Vrid = Vrid::new(51).expect("not 0");

#[derive(Clone, Debug)]
enum Chaos {
    Crash(usize),
    Restart(usize),
    Stop(usize),
    Partition(usize),
    Heal,
    Loss(u8),
    Priority(usize, u8),
}

fn chaos() -> impl Strategy<Value = Chaos> {
    prop_oneof![
        (0..4usize).prop_map(Chaos::Crash),
        (0..4usize).prop_map(Chaos::Restart),
        (0..4usize).prop_map(Chaos::Stop),
        (1..4usize).prop_map(Chaos::Partition),
        Just(Chaos::Heal),
        (0..=60u8).prop_map(Chaos::Loss),
        ((0..4usize), 1..=254u8).prop_map(|(h, p)| Chaos::Priority(h, p)),
    ]
}

#[derive(Clone, Debug)]
struct Scenario {
    seed: u64,
    priorities: Vec<u8>,
    interval_cs: u16,
    jitter_us: u64,
    /// (intervals to wait before, what happens)
    chaos: Vec<(u8, Chaos)>,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        any::<u64>(),
        prop::collection::vec(1..=254u8, 2..=4),
        prop_oneof![Just(10u16), Just(30), Just(100)],
        0..500u64,
        prop::collection::vec((0..10u8, chaos()), 0..16),
    )
        .prop_map(
            |(seed, priorities, interval_cs, jitter_us, chaos)| Scenario {
                seed,
                priorities,
                interval_cs,
                jitter_us,
                chaos,
            },
        )
}

fn host_address(host: usize) -> Ipv4Addr {
    Ipv4Addr::new(192, 0, 2, 1 + u8::try_from(host).expect("few hosts"))
}

fn build(scenario: &Scenario) -> Lan {
    let mut lan = Lan::new(scenario.seed, std::time::Instant::now());
    lan.set_latency(
        Duration::from_micros(200),
        Duration::from_micros(scenario.jitter_us),
    );
    for (host, &priority) in scenario.priorities.iter().enumerate() {
        let config = Config::builder(1, VRID, host_address(host).into())
            .priority(Priority::new(priority))
            .advert_interval(Duration::from_millis(u64::from(scenario.interval_cs) * 10))
            .address(Ipv4Addr::new(198, 51, 100, 1).into())
            .build()
            .expect("valid");
        lan.add_host(vec![config]).expect("one router per host");
    }
    lan
}

/// Addresses are held exactly by Masters; stopped and crashed hosts hold none.
fn check_addresses(lan: &Lan) -> Result<(), TestCaseError> {
    for host in 0..lan.host_count() {
        let master = lan.state(host, VRID) == Some(State::Master);
        prop_assert_eq!(
            !lan.addresses(host).is_empty(),
            master,
            "host {} at {:?}",
            host,
            lan.elapsed()
        );
    }
    Ok(())
}

/// The statistics of each host's current routers agree with the records since it (re)started.
fn check_counters(lan: &Lan) -> Result<(), TestCaseError> {
    for host in 0..lan.host_count() {
        let since_boot: Vec<&RecordKind> = {
            let records: Vec<_> = lan.records().iter().filter(|r| r.host == host).collect();
            let boot = records
                .iter()
                .rposition(|r| matches!(r.kind, RecordKind::Crashed | RecordKind::Restarted))
                .map_or(0, |i| i + 1);
            records[boot..].iter().map(|r| &r.kind).collect()
        };
        let sent = since_boot
            .iter()
            .filter(|k| matches!(k, RecordKind::AdvertSent(_)))
            .count() as u64;
        let became_master = since_boot
            .iter()
            .filter(|k| {
                matches!(
                    k,
                    RecordKind::StateChanged {
                        to: State::Master,
                        ..
                    }
                )
            })
            .count() as u64;
        let (_, router) = lan.routers(host).iter().next().expect("one router");
        let stats = router.stats();
        prop_assert_eq!(stats.sent_advertisements, sent);
        prop_assert_eq!(stats.master_transitions, became_master);
        let (delivered, refused) = lan.deliveries(host);
        prop_assert!(stats.rcvd_advertisements + stats.total_errors() <= delivered);
        prop_assert_eq!(refused, 0, "the simulated LAN corrupts nothing");
    }
    Ok(())
}

fn run(scenario: &Scenario) -> Result<(), TestCaseError> {
    let mut lan = build(scenario);
    let hosts = lan.host_count();
    let interval = Duration::from_millis(u64::from(scenario.interval_cs) * 10);
    lan.start_all();
    for (wait, chaos) in &scenario.chaos {
        lan.run_for(interval * u32::from(*wait));
        check_addresses(&lan)?;
        match *chaos {
            Chaos::Crash(h) if h < hosts => lan.crash(h),
            Chaos::Restart(h) if h < hosts && !lan.is_alive(h) => lan.restart(h),
            Chaos::Stop(h) if h < hosts && lan.is_alive(h) => lan.stop(h),
            Chaos::Partition(split) => {
                let left: Vec<HostId> = (0..split.min(hosts)).collect();
                lan.partition(&[&left]);
            }
            Chaos::Heal => lan.heal(),
            Chaos::Loss(percent) => lan.set_loss(percent),
            Chaos::Priority(h, p) if h < hosts => lan.set_priority(h, VRID, Priority::new(p)),
            _ => {}
        }
    }
    // Make the network stable: joined, lossless, every host up and running.
    lan.heal();
    lan.set_loss(0);
    for host in 0..hosts {
        let stopped = lan.state(host, VRID) == Some(State::Initialize);
        if !lan.is_alive(host) || stopped {
            if lan.is_alive(host) {
                lan.crash(host);
            }
            lan.restart(host);
        }
    }
    // Master_Down_Interval is below 4 intervals; add one interval and the delivery time.
    let slowest_mdi = lan
        .routers(0)
        .iter()
        .next()
        .map(|(_, r)| 3 * r.config().interval().as_duration() + r.config().interval().as_duration())
        .expect("one router");
    lan.run_for(slowest_mdi + interval + 2 * Duration::from_micros(200 + scenario.jitter_us));

    let masters = lan.masters(VRID);
    prop_assert_eq!(masters.len(), 1, "masters {:?}", masters);
    let best = (0..hosts)
        .filter_map(|h| lan.routers(h).iter().next().map(|(_, r)| r.priority()))
        .max();
    let master_priority = lan
        .routers(masters[0])
        .iter()
        .next()
        .map(|(_, r)| r.priority());
    prop_assert_eq!(master_priority, best, "the Master has the highest priority");
    check_addresses(&lan)?;
    check_counters(&lan)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn after_any_chaos_a_stable_lan_has_one_master_with_the_highest_priority(scenario in scenario()) {
        run(&scenario)?;
    }
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let scenario = Scenario {
        seed: 42,
        priorities: vec![200, 100, 150],
        interval_cs: 10,
        jitter_us: 300,
        chaos: vec![
            (3, Chaos::Loss(30)),
            (5, Chaos::Crash(0)),
            (5, Chaos::Restart(0)),
        ],
    };
    let timeline = |scenario: &Scenario| {
        let mut lan = build(scenario);
        lan.start_all();
        for (wait, chaos) in &scenario.chaos {
            lan.run_for(Duration::from_millis(100) * u32::from(*wait));
            match *chaos {
                Chaos::Loss(p) => lan.set_loss(p),
                Chaos::Crash(h) => lan.crash(h),
                Chaos::Restart(h) => lan.restart(h),
                _ => {}
            }
        }
        lan.run_for(Duration::from_secs(2));
        lan.records().to_vec()
    };
    let first = timeline(&scenario);
    assert!(first.len() > 50);
    assert_eq!(first, timeline(&scenario));
}

/// Two hosts of priorities 200 and 100 (1 s adverts) on a LAN without latency, not started.
fn pair() -> (Lan, std::time::Instant) {
    seeded_pair(7)
}

/// [`pair`], with the simulator's random numbers from `seed`.
fn seeded_pair(seed: u64) -> (Lan, std::time::Instant) {
    let epoch = std::time::Instant::now();
    let mut lan = Lan::new(seed, epoch);
    for (host, priority) in [200, 100].into_iter().enumerate() {
        let config = Config::builder(1, VRID, host_address(host).into())
            .priority(Priority::new(priority))
            .address(Ipv4Addr::new(198, 51, 100, 1).into())
            .build()
            .expect("valid");
        assert_eq!(lan.add_host(vec![config]), Ok(host), "ids count from 0");
    }
    assert_eq!(lan.host_count(), 2);
    (lan, epoch)
}

#[test]
fn the_simulators_clock_runs_a_deadline_that_falls_on_the_end_of_a_run() {
    let (mut lan, epoch) = pair();
    lan.start_all();
    // Priority 200 at 1 s: Master_Down_Interval is 3 s + 56/256 s.
    let down = Duration::from_secs(3) + Duration::from_micros(218_750);
    lan.run_until(epoch + down - Duration::from_nanos(1));
    assert_eq!(lan.masters(VRID), Vec::<HostId>::new());
    lan.run_until(epoch + down);
    assert_eq!(lan.masters(VRID), [0]);
}

#[test]
fn the_simulators_latency_delays_each_delivery() {
    let (mut lan, _) = pair();
    let latency = Duration::from_millis(300);
    lan.set_latency(latency, Duration::ZERO);
    lan.start_all();
    lan.run_for(Duration::from_secs(4));
    let sent = lan
        .records()
        .iter()
        .find(|r| r.host == 0 && matches!(r.kind, RecordKind::AdvertSent(_)))
        .expect("the Master advertises")
        .at;
    let (mut lan, epoch) = pair();
    lan.set_latency(latency, Duration::ZERO);
    lan.start_all();
    lan.run_until(epoch + sent + latency - Duration::from_nanos(1));
    assert_eq!(lan.deliveries(1).0, 0);
    lan.run_until(epoch + sent + latency);
    assert_eq!(lan.deliveries(1).0, 1);

    // A packet in flight to a host cut off meanwhile is lost.
    let (mut lan, epoch) = pair();
    lan.set_latency(latency, Duration::ZERO);
    lan.start_all();
    lan.run_until(epoch + sent);
    lan.partition(&[&[1]]);
    lan.run_until(epoch + sent + latency);
    assert_eq!(lan.deliveries(1).0, 0);

    // Jitter only ever adds to the latency.
    let jitter = Duration::from_millis(100);
    for seed in 0..20 {
        let (mut lan, epoch) = seeded_pair(seed);
        lan.set_latency(latency, jitter);
        lan.start_all();
        lan.run_until(epoch + sent + latency - Duration::from_nanos(1));
        assert_eq!(lan.deliveries(1).0, 0, "seed {seed}");
        lan.run_until(epoch + sent + latency + jitter);
        assert_eq!(lan.deliveries(1).0, 1, "seed {seed}");
    }
}

#[test]
fn the_simulators_loss_drops_about_the_share_it_is_set_to() {
    let epoch = std::time::Instant::now();
    let mut lan = Lan::new(11, epoch);
    for (host, priority) in [200, 100].into_iter().enumerate() {
        let config = Config::builder(1, VRID, host_address(host).into())
            .priority(Priority::new(priority))
            .advert_interval(Duration::from_millis(10))
            .address(Ipv4Addr::new(198, 51, 100, 1).into())
            .build()
            .expect("valid");
        lan.add_host(vec![config]).expect("new");
    }
    lan.set_loss(1);
    lan.start_all();
    lan.run_for(Duration::from_secs(100));
    let sent = lan
        .records()
        .iter()
        .filter(|r| r.host == 0 && matches!(r.kind, RecordKind::AdvertSent(_)))
        .count() as f64;
    let lost = 1.0 - lan.deliveries(1).0 as f64 / sent;
    // 1 % of about 10,000: 0.5 % either side is five standard deviations.
    assert!((0.005..0.015).contains(&lost), "{lost} of {sent}");
}

#[test]
fn the_simulator_carries_ipv6_adverts() {
    let epoch = std::time::Instant::now();
    let mut lan = Lan::new(3, epoch);
    for (host, priority) in [200, 100].into_iter().enumerate() {
        let source = std::net::Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1 + host as u16);
        let config = Config::builder(1, VRID, source.into())
            .priority(Priority::new(priority))
            .address(std::net::Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x100).into())
            .build()
            .expect("valid");
        lan.add_host(vec![config]).expect("new");
    }
    lan.start_all();
    lan.run_for(Duration::from_secs(10));
    assert_eq!(lan.masters(VRID), [0]);
    assert!(lan.deliveries(1).0 >= 5);
}

#[test]
fn the_simulators_partition_splits_the_lan_and_heal_joins_it() {
    let (mut lan, _) = pair();
    lan.start_all();
    lan.run_for(Duration::from_secs(5));
    assert_eq!(lan.masters(VRID), [0]);
    // One listed group, and the unlisted host on its own.
    lan.partition(&[&[0]]);
    lan.run_for(Duration::from_secs(5));
    assert_eq!(lan.masters(VRID), [0, 1]);
    lan.heal();
    lan.run_for(Duration::from_secs(5));
    assert_eq!(lan.masters(VRID), [0]);
}

#[test]
fn the_simulators_priority_and_stall_reach_the_host() {
    let (mut lan, _) = pair();
    lan.start_all();
    lan.run_for(Duration::from_secs(5));
    lan.set_priority(1, VRID, Priority::new(250));
    lan.run_for(Duration::from_secs(5));
    assert_eq!(lan.masters(VRID), [1], "preempts with its new priority");
    // Stalled past Master_Down_Interval, the Master is taken over; it resumes after 5 s.
    let stalled_at = lan.elapsed();
    lan.stall(1, Duration::from_secs(5));
    lan.run_for(Duration::from_secs(4));
    assert_eq!(lan.state(0, VRID), Some(State::Master));
    lan.run_for(Duration::from_secs(6));
    assert_eq!(
        lan.masters(VRID),
        [1],
        "back, and the higher priority again"
    );
    let resumed = lan
        .records()
        .iter()
        .find(|r| r.host == 1 && r.kind == RecordKind::Resumed)
        .map(|r| r.at);
    assert_eq!(resumed, Some(stalled_at + Duration::from_secs(5)));
}

#[test]
fn the_simulator_counts_what_a_host_refuses() {
    let epoch = std::time::Instant::now();
    let mut lan = Lan::new(5, epoch);
    for (host, vrid) in [51, 52].into_iter().enumerate() {
        let config = Config::builder(
            1,
            Vrid::new(vrid).expect("not 0"),
            host_address(host).into(),
        )
        .address(Ipv4Addr::new(198, 51, 100, vrid).into())
        .build()
        .expect("valid");
        lan.add_host(vec![config]).expect("new");
    }
    lan.start_all();
    lan.run_for(Duration::from_secs(10));
    // Each hears the other's adverts for a VRID it does not run.
    let (delivered, refused) = lan.deliveries(1);
    assert!(delivered >= 5);
    assert_eq!(refused, delivered);
}
