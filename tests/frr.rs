//! Interoperation with FRR's VRRP daemon on the wire: FRR 8.4 (the Debian package `frr`) and our
//! `failover` example on one bridged LAN of network namespaces, VRRPv3 at 100 ms over IPv4, with
//! FRR's default checksum (the pseudo-header form, V3-CK-03), and over IPv6 (V3-CK-02). Root and
//! FRR only, so ignored by a plain `cargo test`; the README's second test command runs them.
//!
//! The story of each family ([`story`]):
//! 1. FRR at priority 200 is Master; ours at 100 stays Backup on its adverts, counting no error;
//! 2. SIGKILL of FRR's `vrrpd`: ours takes over within its Master_Down_Interval (V3-FSM-09);
//! 3. FRR's `vrrpd` back: it hears ours, preempts (V3-FSM-11), and ours goes back to Backup;
//! 4. ours at 200, FRR at 100: FRR stays Backup on our adverts;
//! 5. SIGTERM of ours: our priority-0 advert (V3-FSM-19) makes FRR take over within Skew_Time
//!    (V3-FSM-10), long before its Master_Down_Interval.

use crate::harness;

use std::time::{Duration, Instant};

use harness::frr::{self, Frr, Router};
use harness::lan::Lan;
use harness::pair::{Implementation, Side, VRID, Variant, json_counter};

/// What processes, pipes and a busy 2-core machine may add to a protocol deadline; FRR's state is
/// polled through `vtysh`, which adds its own few tens of milliseconds.
const TOLERANCE: Duration = Duration::from_millis(150);

/// FRR's router of `variant` on r1 at `priority`.
fn frr_router(variant: Variant, priority: u8) -> Router {
    Router {
        interface: "eth0",
        vrid: VRID,
        priority,
        interval: variant.interval,
        ipv6: variant.ipv6,
        vips: variant.vips(),
    }
}

/// Ours on r2, started at `priority`.
fn ours(lan: &Lan, variant: Variant, priority: u8) -> Side {
    Side::start(Implementation::Ours, lan, 2, variant, priority, &[])
}

/// The adverts ours received so far, after checking it counted no protocol error.
fn received_without_errors(side: &mut Side, label: &str) -> u64 {
    let (errors, _) = side.errors_and_priority_zero_received();
    assert_eq!(errors, Vec::<String>::new(), "{label}: our errors");
    let Side::Ours(failover) = side else {
        unreachable!("ours")
    };
    json_counter(&failover.stats(), "rcvd_advertisements")
}

#[test]
#[ignore = "needs root and FRR (the frr package: zebra, vrrpd): creates network namespaces"]
fn v3_ck_03_frr_and_ours_elect_take_over_preempt_and_hand_over_both_ways_ipv4() {
    story(Variant::v3(false, 100));
}

#[test]
#[ignore = "needs root and FRR (the frr package: zebra, vrrpd): creates network namespaces"]
fn v3_ck_02_frr_and_ours_elect_take_over_preempt_and_hand_over_both_ways_ipv6() {
    story(Variant::v3(true, 100));
}

/// The story of the module documentation, in `variant`.
fn story(variant: Variant) {
    assert!(frr::installed(), "FRR is not installed (apt install frr)");
    let lan = Lan::new(2);
    let settle = variant.settle();
    let backup_down = variant.master_down_interval(100);
    let family = if variant.ipv6 { "IPv6" } else { "IPv4" };

    // 1. FRR Master at 200, ours Backup at 100.
    let mut theirs = Frr::start(lan.router(1), frr_router(variant, 200));
    theirs.wait_state("Master", settle);
    let mut b = ours(&lan, variant, 100);
    b.wait_state("backup", settle);
    std::thread::sleep(variant.interval * 10);
    assert!(
        !b.was_master(),
        "ours became Master under FRR's adverts: {:?}",
        b.master_lines()
    );
    let heard = received_without_errors(&mut b, "under FRR");
    assert!(heard >= 5, "ours heard {heard} of FRR's adverts");
    let status = theirs.status().expect("FRR answers");
    assert_eq!(status.state, "Master", "{status:?}");
    assert!(lan.client_pings(variant.vip()), "no answer from FRR's VIP");

    // 2. SIGKILL of FRR's vrrpd: ours takes over after its Master_Down_Interval.
    let killed = theirs.kill_vrrpd();
    let takeover = b.wait_state("master", settle) - killed;
    println!(
        "{family}: FRR killed: ours took over after {takeover:?} (Master_Down_Interval {backup_down:?})"
    );
    assert!(
        takeover + variant.interval >= backup_down && takeover <= backup_down + TOLERANCE,
        "takeover after {takeover:?}, Master_Down_Interval {backup_down:?}"
    );
    assert!(
        lan.holds(2, variant.vip()),
        "ours took over without the VIP"
    );

    // 3. FRR's vrrpd back at 200: it hears ours and preempts.
    theirs.start_vrrpd();
    let (_, status) = theirs.wait_state("Master", settle);
    assert!(
        status.adverts_received > 0,
        "FRR preempted without hearing ours: {status:?}"
    );
    b.wait_state("backup", settle);
    std::thread::sleep(variant.interval * 4);
    assert!(!lan.holds(2, variant.vip()), "ours kept the VIP as Backup");
    received_without_errors(&mut b, "after FRR preempted");
    b.terminate();
    drop(theirs);

    // 4. Ours Master at 200, FRR Backup at 100.
    let mut m = ours(&lan, variant, 200);
    m.wait_state("master", settle);
    let theirs = Frr::start(lan.router(1), frr_router(variant, 100));
    let (_, before) = theirs.wait_state("Backup", settle);
    std::thread::sleep(variant.interval * 10);
    let after = theirs.status().expect("FRR answers");
    assert_eq!(
        after.state, "Backup",
        "FRR left Backup under our adverts: {after:?}"
    );
    assert_eq!(
        after.transitions, before.transitions,
        "FRR changed state: {after:?}"
    );
    assert!(
        after.adverts_received >= before.adverts_received + 5,
        "FRR heard too few of our adverts: {before:?} then {after:?}"
    );

    // 5. SIGTERM of ours: FRR takes over on our priority-0 advert, after Skew_Time.
    let skew = variant.skew(100);
    let terminated: Instant = m.terminate();
    let (seen, _) = theirs.wait_state("Master", settle);
    let takeover = seen - terminated;
    println!("{family}: ours stopped: FRR took over after {takeover:?} (Skew_Time {skew:?})");
    assert!(
        takeover <= skew + TOLERANCE && takeover < backup_down,
        "FRR took over after {takeover:?}: Skew_Time {skew:?}, Master_Down_Interval {backup_down:?}"
    );
    m.assert_left_with_priority_zero();
}
