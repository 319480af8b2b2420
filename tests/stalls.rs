//! Stalls in simulated time: a host whose process stops (SIGSTOP, a long pause) for longer than
//! Master_Down_Interval runs no timer and reads nothing meanwhile; the adverts sent to it wait in
//! its socket. When it resumes it reads them all, then runs its timers, as the driver does. It must
//! end with the right state and at most one advert of its own: no burst for the intervals it
//! missed, and one answer, not one per waiting advert.

use crate::common;

use std::time::Duration;

use common::sim::{self, INTERVAL, VRID};
use vrrp::State;
use vrrp::sim::{HostId, Lan, RecordKind};

const LATENCY: Duration = Duration::from_micros(100);
const STALL: Duration = Duration::from_secs(2);

fn elected(priorities: &[u8]) -> Lan {
    let mut lan = sim::with_priorities(3, LATENCY, priorities);
    lan.run_for(Duration::from_secs(2));
    lan
}

/// What `host` sent and announced from `since` to `since + window`.
fn sent(lan: &Lan, host: HostId, since: Duration, window: Duration) -> (usize, usize) {
    let records = lan
        .records()
        .iter()
        .filter(|r| r.host == host && r.at >= since && r.at < since + window);
    records.fold((0, 0), |(adverts, announced), r| match r.kind {
        RecordKind::AdvertSent(_) => (adverts + 1, announced),
        RecordKind::Announced => (adverts, announced + 1),
        _ => (adverts, announced),
    })
}

#[test]
fn a_master_stalled_past_master_down_interval_resumes_with_one_advert_and_preempts_back() {
    let mut lan = elected(&[200, 100]);
    assert_eq!(lan.masters(VRID), [0]);
    lan.stall(0, STALL);
    lan.run_for(STALL);
    // The Backup took over meanwhile and advertised about 16 times into the stalled host's socket.
    assert_eq!(
        lan.masters(VRID),
        [0, 1],
        "the stalled host does not know yet"
    );
    let resumed = lan.elapsed();
    lan.run_for(INTERVAL / 2);
    // Half an interval after resuming: one advert and one announcement, not one per missed
    // interval or per waiting advert.
    assert_eq!(sent(&lan, 0, resumed, INTERVAL / 2), (1, 1));
    // Its advert of higher priority sends the other back to Backup.
    assert_eq!(lan.masters(VRID), [0]);
    lan.run_for(Duration::from_secs(2));
    assert_eq!(lan.masters(VRID), [0]);
    let (adverts, _) = sent(&lan, 0, resumed, Duration::from_secs(2));
    assert!(
        (20..=22).contains(&adverts),
        "{adverts} adverts in 2 s at 100 ms"
    );
}

#[test]
fn a_backup_stalled_past_master_down_interval_reads_the_masters_adverts_and_does_not_take_over() {
    let mut lan = elected(&[200, 100]);
    lan.stall(1, STALL);
    lan.run_for(STALL + Duration::from_secs(2));
    assert_eq!(lan.masters(VRID), [0]);
    assert_eq!(lan.state(1, VRID), Some(State::Backup));
    assert_eq!(sent(&lan, 1, Duration::ZERO, lan.elapsed()), (0, 0));
}

#[test]
fn a_master_of_lower_priority_stalled_past_master_down_interval_resumes_as_backup_silently() {
    // Priority 100 is Master: it was alone, and the other, back, does not preempt.
    let configs = [(100, true), (200, false)]
        .into_iter()
        .enumerate()
        .map(|(host, (priority, preempt))| sim::router(host, priority, |b| b.preempt(preempt)))
        .collect();
    let mut lan = sim::started(3, LATENCY, configs);
    lan.crash(1);
    lan.run_for(Duration::from_secs(1));
    lan.restart(1);
    lan.run_for(Duration::from_secs(1));
    assert_eq!(lan.masters(VRID), [0]);
    lan.stall(0, STALL);
    lan.run_for(STALL);
    let resumed = lan.elapsed();
    lan.run_for(Duration::from_secs(1));
    assert_eq!(lan.masters(VRID), [1]);
    assert_eq!(lan.state(0, VRID), Some(State::Backup));
    assert_eq!(sent(&lan, 0, resumed, Duration::from_secs(1)), (0, 0));
}

#[test]
fn a_master_without_preemption_that_yields_after_a_stall_leaves_the_new_master_alone() {
    // keepalived's timer_expired_backup: both without preemption, the stalled Master (200) knows
    // the other (100) may have taken over, and follows it rather than take the addresses back.
    let yielding = |yield_after: bool| {
        let configs = [200, 100]
            .into_iter()
            .enumerate()
            .map(|(host, priority)| {
                sim::router(host, priority, |b| {
                    let b = b.preempt(false);
                    if yield_after {
                        b.yield_after_stall(vrrp::Priority::new(100))
                    } else {
                        b
                    }
                })
            })
            .collect();
        let mut lan = sim::started(3, LATENCY, configs);
        lan.run_for(Duration::from_secs(2));
        assert_eq!(lan.masters(VRID), [0]);
        lan.stall(0, STALL);
        lan.run_for(STALL);
        let resumed = lan.elapsed();
        lan.run_for(Duration::from_secs(2));
        (
            lan.masters(VRID),
            sent(&lan, 0, resumed, Duration::from_secs(2)),
        )
    };
    // It resumes as Backup, silently: no advert, no announcement.
    assert_eq!(yielding(true), (vec![1], (0, 0)));
    // Without it, the stalled Master asserts itself, as RFC 5798 has a Master do.
    assert_eq!(yielding(false).0, [0]);
    let with_preemption = sim::router(0, 200, |b| b);
    assert!(with_preemption.stall_yield().is_none());
    let builder = vrrp::Config::builder(1, VRID, std::net::Ipv4Addr::new(192, 0, 2, 1).into())
        .address(std::net::Ipv4Addr::new(198, 51, 100, 1).into());
    for (preempt, priority) in [(true, 100), (false, 255), (false, 0)] {
        let stalled = builder.clone().preempt(preempt);
        let priority = vrrp::Priority::new(priority);
        assert_eq!(
            stalled.yield_after_stall(priority).build().map(drop),
            Err(vrrp::ConfigError::StallYield(priority))
        );
    }
}
