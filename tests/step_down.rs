//! Step-down and make-before-break hand-over in the simulated LAN: a Master told it is unhealthy
//! hands the addresses to a Backup after that Backup's Skew_Time (not Master_Down_Interval), does
//! not preempt back while unhealthy, takes over again only when no one else is Master, and
//! routers that all share a failure do not hand the addresses back and forth. A hand-over leaves
//! no moment without a holder of the addresses.

use crate::common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::sim::{self, INTERVAL, VRID};
use proptest::prelude::*;
use vrrp::sim::{HostId, Lan, Record, RecordKind};
use vrrp::{Priority, Reason, State};

const LATENCY: Duration = Duration::from_micros(100);

fn started_lan(priorities: &[u8]) -> Lan {
    sim::with_priorities(7, LATENCY, priorities)
}

fn router(lan: &Lan, host: HostId) -> &vrrp::VirtualRouter {
    lan.routers(host).iter().next().expect("one router").1
}

/// The state changes recorded after `since`, as (when, host, to, reason).
fn transitions(lan: &Lan, since: Duration) -> Vec<(Duration, HostId, State, Reason)> {
    lan.records()
        .iter()
        .filter(|r| r.at >= since)
        .filter_map(|r| match r.kind {
            RecordKind::StateChanged { to, reason, .. } => Some((r.at, r.host, to, reason)),
            _ => None,
        })
        .collect()
}

/// The longest time, after `since`, during which no host held the addresses.
fn longest_gap(records: &[Record], since: Duration, until: Duration) -> Duration {
    let mut holders = BTreeSet::new();
    let mut empty_since: Option<Duration> = None;
    let mut longest = Duration::ZERO;
    for record in records {
        match record.kind {
            RecordKind::AddressesAdded => {
                holders.insert(record.host);
            }
            RecordKind::AddressesRemoved | RecordKind::Crashed => {
                holders.remove(&record.host);
            }
            _ => continue,
        }
        if record.at < since {
            continue;
        }
        match (holders.is_empty(), empty_since) {
            (true, None) => empty_since = Some(record.at),
            (false, Some(from)) => {
                longest = longest.max(record.at - from);
                empty_since = None;
            }
            _ => {}
        }
    }
    if let Some(from) = empty_since {
        longest = longest.max(until - from);
    }
    longest
}

#[test]
fn an_unhealthy_master_steps_down_and_the_backup_takes_over_after_its_skew_time() {
    let mut lan = started_lan(&[150, 100]);
    lan.run_for(Duration::from_secs(2));
    assert_eq!(lan.masters(VRID), [0]);
    let failed_at = lan.elapsed();
    lan.set_healthy(0, VRID, false);
    let backup_skew = router(&lan, 1).skew_time();
    lan.run_for(Duration::from_secs(1));

    let stepped = lan
        .records()
        .iter()
        .filter(|r| r.at == failed_at && r.host == 0);
    let kinds: Vec<&RecordKind> = stepped.map(|r| &r.kind).collect();
    assert!(
        kinds.contains(&&RecordKind::AdvertSent(Priority::SHUTDOWN)),
        "{kinds:?}"
    );
    assert!(kinds.contains(&&RecordKind::AddressesRemoved), "{kinds:?}");
    let changes = transitions(&lan, failed_at);
    assert_eq!(
        changes[0],
        (failed_at, 0, State::Backup, Reason::SteppedDown)
    );
    let (took_at, host, to, reason) = changes[1];
    assert_eq!(
        (host, to, reason),
        (1, State::Master, Reason::MasterStopped)
    );
    let outage = took_at - failed_at;
    // Skew_Time plus the delivery of the priority-0 advert; Master_Down_Interval would be 360 ms.
    assert_eq!(
        outage,
        backup_skew + LATENCY,
        "took over {outage:?} after the failure"
    );
    assert_eq!(changes.len(), 2, "nothing else changed: {changes:?}");
}

#[test]
fn a_stepped_down_router_does_not_preempt_while_unhealthy_and_does_once_healthy() {
    let mut lan = started_lan(&[150, 100]);
    lan.run_for(Duration::from_secs(2));
    lan.set_healthy(0, VRID, false);
    lan.run_for(Duration::from_secs(10));
    assert_eq!(
        lan.masters(VRID),
        [1],
        "the higher priority, unhealthy, stays Backup"
    );
    let recovered_at = lan.elapsed();
    lan.set_healthy(0, VRID, true);
    lan.run_for(Duration::from_secs(1));
    assert_eq!(lan.masters(VRID), [0], "healthy again, it preempts");
    let (_, host, to, reason) = transitions(&lan, recovered_at)[0];
    assert_eq!((host, to, reason), (0, State::Master, Reason::Preempted));
}

#[test]
fn a_healthy_backup_takes_over_before_an_unhealthy_one_of_higher_priority() {
    // Host 0 stepped down; host 1 took over; then host 1 stops (priority 0) and later crashes.
    for crash in [false, true] {
        let mut lan = started_lan(&[200, 150, 100]);
        lan.run_for(Duration::from_secs(2));
        lan.set_healthy(0, VRID, false);
        lan.run_for(Duration::from_secs(2));
        assert_eq!(lan.masters(VRID), [1]);
        if crash {
            lan.crash(1);
        } else {
            lan.stop(1);
        }
        lan.run_for(Duration::from_secs(2));
        assert_eq!(lan.masters(VRID), [2], "the healthy one, crash: {crash}");
    }
}

#[test]
fn alone_a_stepped_down_router_takes_over_again_after_master_down_interval_and_stays() {
    let mut lan = started_lan(&[150, 100]);
    lan.run_for(Duration::from_secs(2));
    lan.crash(1);
    let failed_at = lan.elapsed();
    lan.set_healthy(0, VRID, false);
    let wait = router(&lan, 0).master_down_interval() + INTERVAL;
    lan.run_for(Duration::from_secs(30));
    let changes = transitions(&lan, failed_at);
    assert_eq!(
        changes,
        [
            (failed_at, 0, State::Backup, Reason::SteppedDown),
            (failed_at + wait, 0, State::Master, Reason::MasterNoResponse),
        ],
        "back as the best there is, then no more step-downs until its health changes"
    );
}

#[test]
fn routers_that_all_share_a_failure_hand_over_at_most_once() {
    // The Master fails first and steps down; then the new Master fails too.
    let mut lan = started_lan(&[150, 100]);
    lan.run_for(Duration::from_secs(2));
    lan.set_healthy(0, VRID, false);
    lan.run_for(Duration::from_secs(2));
    let all_failed_at = lan.elapsed();
    lan.set_healthy(1, VRID, false);
    lan.run_for(Duration::from_secs(30));
    let masters: Vec<_> = transitions(&lan, all_failed_at)
        .into_iter()
        .filter(|&(_, _, to, _)| to == State::Master)
        .collect();
    assert_eq!(masters.len(), 1, "one hand-over, then nothing: {masters:?}");
    assert_eq!(lan.masters(VRID), [0]);

    // The Backup fails first: the Master's failure then moves the addresses once.
    let mut lan = started_lan(&[150, 100]);
    lan.run_for(Duration::from_secs(2));
    lan.set_healthy(1, VRID, false);
    lan.run_for(Duration::from_secs(2));
    let all_failed_at = lan.elapsed();
    lan.set_healthy(0, VRID, false);
    lan.run_for(Duration::from_secs(30));
    let changes = transitions(&lan, all_failed_at);
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(lan.masters(VRID), [1]);
}

#[test]
fn a_hand_over_leaves_no_moment_without_a_holder_and_a_shutdown_does() {
    let mut lan = started_lan(&[150, 100]);
    lan.run_for(Duration::from_secs(2));
    let stopped_at = lan.elapsed();
    lan.hand_over(0);
    assert!(router(&lan, 0).is_handing_over());
    assert_eq!(lan.state(0, VRID), Some(State::Master));
    assert!(
        !lan.addresses(0).is_empty(),
        "kept until the new Master is heard"
    );
    lan.run_for(Duration::from_secs(1));
    let end = lan.elapsed();
    assert_eq!(longest_gap(lan.records(), stopped_at, end), Duration::ZERO);
    assert_eq!(lan.masters(VRID), [1]);
    assert_eq!(lan.state(0, VRID), Some(State::Initialize));
    assert!(lan.addresses(0).is_empty());
    // Released as soon as the new Master's first advert arrives.
    let released = lan
        .records()
        .iter()
        .find(|r| r.host == 0 && r.kind == RecordKind::AddressesRemoved)
        .expect("released")
        .at;
    let took = transitions(&lan, stopped_at)
        .into_iter()
        .find(|&(_, h, to, _)| h == 1 && to == State::Master)
        .expect("taken over")
        .0;
    assert_eq!(released, took + LATENCY);

    // The same with a plain shutdown: the addresses are released at once, so for Skew_Time
    // no one holds them.
    let mut lan = started_lan(&[150, 100]);
    lan.run_for(Duration::from_secs(2));
    let stopped_at = lan.elapsed();
    let backup_skew = router(&lan, 1).skew_time();
    lan.stop(0);
    lan.run_for(Duration::from_secs(1));
    let gap = longest_gap(lan.records(), stopped_at, lan.elapsed());
    assert_eq!(gap, backup_skew + LATENCY);
}

#[test]
fn a_hand_over_with_no_one_to_take_over_releases_after_master_down_interval() {
    let mut lan = started_lan(&[150, 100]);
    lan.run_for(Duration::from_secs(2));
    lan.crash(1);
    let stopped_at = lan.elapsed();
    let mdi = router(&lan, 0).master_down_interval();
    lan.hand_over(0);
    lan.run_for(mdi - Duration::from_millis(1));
    assert!(!lan.addresses(0).is_empty());
    lan.run_for(Duration::from_millis(2));
    assert!(lan.addresses(0).is_empty());
    assert_eq!(
        transitions(&lan, stopped_at),
        [(stopped_at + mdi, 0, State::Initialize, Reason::Shutdown)]
    );
    let sent: Vec<_> = lan
        .records()
        .iter()
        .filter(|r| r.at >= stopped_at && matches!(r.kind, RecordKind::AdvertSent(_)))
        .map(|r| &r.kind)
        .collect();
    assert_eq!(
        sent,
        [&RecordKind::AdvertSent(Priority::SHUTDOWN)],
        "nothing after priority 0"
    );
}

#[test]
fn a_hand_over_ends_at_once_when_the_link_goes_or_on_shutdown() {
    let mut lan = started_lan(&[150, 100]);
    lan.run_for(Duration::from_secs(2));
    lan.crash(1);
    let from = lan.records().len();
    lan.hand_over(0);
    lan.stop(0);
    assert!(lan.addresses(0).is_empty());
    assert_eq!(lan.state(0, VRID), Some(State::Initialize));
    assert!(!router(&lan, 0).is_handing_over());
    // The hand-over's priority 0 was the goodbye: the shutdown does not say it twice.
    let goodbyes = lan.records()[from..]
        .iter()
        .filter(|r| r.host == 0 && r.kind == RecordKind::AdvertSent(Priority::SHUTDOWN))
        .count();
    assert_eq!(goodbyes, 1);
}

#[derive(Clone, Debug)]
enum Chaos {
    Health(usize, bool),
    Crash(usize),
    Restart(usize),
    Priority(usize, u8),
}

fn chaos() -> impl Strategy<Value = Chaos> {
    prop_oneof![
        3 => ((0..4usize), any::<bool>()).prop_map(|(h, ok)| Chaos::Health(h, ok)),
        1 => (0..4usize).prop_map(Chaos::Crash),
        1 => (0..4usize).prop_map(Chaos::Restart),
        1 => ((0..4usize), 1..=25u8).prop_map(|(h, p)| Chaos::Priority(h, p * 10)),
    ]
}

/// Replays the records in order and checks that an unhealthy router only ever became Master when
/// no other host was Master.
fn check_returns(
    lan: &Lan,
    from: usize,
    states: &mut [State],
    healthy: &[bool],
) -> Result<(), TestCaseError> {
    for record in &lan.records()[from..] {
        match record.kind {
            RecordKind::Crashed => states[record.host] = State::Initialize,
            RecordKind::StateChanged { to, reason, .. } => {
                if to == State::Master && !healthy[record.host] && reason != Reason::SyncGroup {
                    let others = (0..states.len())
                        .filter(|&h| h != record.host && states[h] == State::Master)
                        .count();
                    prop_assert_eq!(
                        others,
                        0,
                        "unhealthy {} took over at {:?}",
                        record.host,
                        record.at
                    );
                }
                states[record.host] = to;
            }
            _ => {}
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// On a stable LAN (no loss, priorities far enough apart that no two timers race), whatever
    /// the health changes, crashes and priority changes: an unhealthy router becomes Master only
    /// when no one else is; once things settle there is exactly one Master.
    #[test]
    fn health_changes_never_leave_two_masters_and_an_unhealthy_router_returns_only_to_an_empty_lan(
        hosts in 2..=4usize,
        steps in prop::collection::vec(((1..20u8), chaos()), 0..20),
    ) {
        let priorities: Vec<u8> = (0..hosts).map(|h| 200 - 30 * u8::try_from(h).expect("few")).collect();
        let mut lan = started_lan(&priorities);
        let mut current = priorities.clone();
        let mut healthy = vec![true; hosts];
        let mut states = vec![State::Initialize; hosts];
        let mut seen = 0;
        for (wait, chaos) in steps {
            match chaos {
                Chaos::Health(h, ok) if h < hosts && lan.is_alive(h) => {
                    healthy[h] = ok;
                    lan.set_healthy(h, VRID, ok);
                }
                Chaos::Crash(h) if h < hosts && lan.is_alive(h) => lan.crash(h),
                Chaos::Restart(h) if h < hosts && !lan.is_alive(h) => {
                    // A restarted host starts from its configuration: healthy.
                    current[h] = priorities[h];
                    healthy[h] = true;
                    lan.restart(h);
                }
                Chaos::Priority(h, p) if h < hosts && current.iter().all(|&q| q != p) => {
                    current[h] = p;
                    lan.set_priority(h, VRID, Priority::new(p));
                }
                _ => {}
            }
            lan.run_for(INTERVAL * u32::from(wait));
            check_returns(&lan, seen, &mut states, &healthy)?;
            seen = lan.records().len();
        }
        lan.run_for(INTERVAL * 5);
        check_returns(&lan, seen, &mut states, &healthy)?;
        let live = (0..hosts).filter(|&h| lan.is_alive(h)).count();
        prop_assert_eq!(lan.masters(VRID).len(), usize::from(live > 0));
    }

    /// Every router fails, in any order and at any times: from the moment the last one fails the
    /// addresses move at most once, then stay put.
    #[test]
    fn when_every_router_is_unhealthy_the_master_stays_put(
        hosts in 2..=4usize,
        order in Just(()).prop_perturb(|(), mut rng| {
            let mut order: Vec<usize> = (0..4).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, rng.random_range(0..=i));
            }
            order
        }),
        waits in prop::collection::vec(0..30u8, 4),
    ) {
        let priorities: Vec<u8> = (0..hosts).map(|h| 200 - 30 * u8::try_from(h).expect("few")).collect();
        let mut lan = started_lan(&priorities);
        lan.run_for(Duration::from_secs(2));
        let mut all_failed = Duration::ZERO;
        for (&host, &wait) in order.iter().filter(|&&h| h < hosts).zip(&waits) {
            all_failed = lan.elapsed();
            lan.set_healthy(host, VRID, false);
            lan.run_for(INTERVAL * u32::from(wait));
        }
        lan.run_for(Duration::from_secs(30));
        let takeovers = transitions(&lan, all_failed)
            .into_iter()
            .filter(|&(_, _, to, _)| to == State::Master)
            .count();
        prop_assert!(takeovers <= 1, "{} takeovers after the last failure", takeovers);
        prop_assert_eq!(lan.masters(VRID).len(), 1);
    }
}
