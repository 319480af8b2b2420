//! Interoperation with keepalived on the wire: our `failover` example and keepalived 2.2.7 (the
//! Debian package) on one bridged LAN of network namespaces, each in turn as Master and as Backup.
//! Root only, so ignored by a plain `cargo test`; the README's second test command runs them.
//!
//! Every pairing runs the same story ([`interop`]):
//! 1. both start together; the priority-200 router becomes Master, the priority-100 one never does
//!    (V3-FSM-03/09/11), and only the Master holds and answers for the VIP;
//! 2. SIGKILL of the Master: the Backup takes over within its Master_Down_Interval (V3-FSM-09);
//! 3. the priority-200 router comes back and preempts (V3-FSM-11/22);
//! 4. SIGTERM of the Master: its priority-0 advert makes the Backup take over within Skew_Time
//!    (V3-FSM-19 on the sender, V3-FSM-10 on the receiver), counted on both sides;
//! 5. neither side counted or logged a protocol error at any point.
//!
//! keepalived 2.2.7 predates `v3_checksum_as_v2`, so RFC 9568's message-only IPv4 checksum cannot
//! be tested as a working pairing; [`v3_9568_04_keepalived_2_2_7_refuses_the_message_only_checksum_and_both_sides_count_it`]
//! shows instead that both sides see the mismatch, which also proves the error checks can fail.
//! VRRPv2 runs at whole seconds only: keepalived writes a sub-second v2 interval as 0 on the wire.

mod common;

use std::time::Duration;

use common::lan::Lan;
use common::pair::{Implementation, Side, Variant};

const MASTER_PRIORITY: u8 = 200;
const BACKUP_PRIORITY: u8 = 100;
/// What processes, pipes and a busy 2-core machine may add to a protocol deadline.
const TOLERANCE: Duration = Duration::from_millis(100);

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The story of the module documentation, with `master` at priority 200 on r1 and `backup` at 100
/// on r2.
fn interop(variant: Variant, master: Implementation, backup: Implementation) {
    let lan = Lan::new(2);
    let settle = variant.settle();
    let label = format!("{variant:?}, {master:?} Master, {backup:?} Backup");

    // 1. Election: both start in Backup, keepalived first since it takes longer to get there; the
    //    higher priority's shorter down interval wins.
    let start = |implementation, router, priority| {
        let mut side = Side::start(implementation, &lan, router, variant, priority, &[]);
        side.wait_state("backup", settle);
        side
    };
    let (mut m, mut b) = if master == Implementation::Keepalived {
        let m = start(master, 1, MASTER_PRIORITY);
        (m, start(backup, 2, BACKUP_PRIORITY))
    } else {
        let b = start(backup, 2, BACKUP_PRIORITY);
        (start(master, 1, MASTER_PRIORITY), b)
    };
    m.wait_state("master", settle);
    std::thread::sleep(variant.interval * 4);
    assert!(!b.was_master(), "{label}: the Backup became Master");
    assert!(lan.holds(1, variant.vip()), "{label}: r1 lacks the VIP");
    assert!(!lan.holds(2, variant.vip()), "{label}: r2 holds the VIP");
    assert!(lan.client_pings(variant.vip()), "{label}: no answer");

    // 2. SIGKILL: the Backup's timer runs out after its Master_Down_Interval.
    let mdi = variant.master_down_interval(BACKUP_PRIORITY);
    let killed = m.kill();
    let takeover = b.wait_state("master", settle) - killed;
    println!(
        "{label}: SIGKILL takeover {:.1} ms (Master_Down_Interval {:.1} ms)",
        ms(takeover),
        ms(mdi)
    );
    assert!(
        takeover + variant.interval >= mdi && takeover <= mdi + TOLERANCE,
        "{label}: takeover after {takeover:?}, Master_Down_Interval {mdi:?}"
    );
    assert!(lan.holds(2, variant.vip()));

    // 3. The higher priority returns and preempts.
    let mut m = Side::start(master, &lan, 1, variant, MASTER_PRIORITY, &[]);
    m.wait_state("master", settle);
    b.wait_state("backup", settle);
    std::thread::sleep(variant.interval * 4);
    assert!(
        lan.holds(1, variant.vip()),
        "{label}: no VIP after preempting"
    );
    assert!(
        !lan.holds(2, variant.vip()),
        "{label}: VIP kept after losing"
    );
    let (master_errors, _) = m.errors_and_priority_zero_received();
    assert_eq!(
        master_errors,
        Vec::<String>::new(),
        "{label}: Master errors"
    );

    // 4. SIGTERM: priority 0, and the Backup takes over after Skew_Time.
    let skew = variant.skew(BACKUP_PRIORITY);
    let terminated = m.terminate();
    let takeover = b.wait_state("master", settle) - terminated;
    println!(
        "{label}: SIGTERM takeover {:.1} ms (Skew_Time {:.1} ms)",
        ms(takeover),
        ms(skew)
    );
    assert!(
        takeover + Duration::from_millis(5) >= skew && takeover <= skew + TOLERANCE,
        "{label}: takeover after {takeover:?}, Skew_Time {skew:?}"
    );
    m.assert_left_with_priority_zero();

    // 5. The Backup saw everything and counted nothing wrong.
    let (backup_errors, priority_zero) = b.errors_and_priority_zero_received();
    assert_eq!(
        backup_errors,
        Vec::<String>::new(),
        "{label}: Backup errors"
    );
    assert_eq!(priority_zero, 1, "{label}: priority-0 adverts received");
}

macro_rules! pairings {
    ($($name:ident: $variant:expr, $master:ident, $backup:ident;)*) => {$(
        #[test]
        #[ignore = "needs root and keepalived: creates network namespaces"]
        fn $name() {
            interop($variant, Implementation::$master, Implementation::$backup);
        }
    )*};
}

pairings! {
    v3_ck_03_ipv4_pseudo_header_checksum_100ms_ours_master: Variant::v3(false, 100), Ours, Keepalived;
    v3_ck_03_ipv4_pseudo_header_checksum_100ms_keepalived_master: Variant::v3(false, 100), Keepalived, Ours;
    v3_ck_03_ipv4_pseudo_header_checksum_1s_ours_master: Variant::v3(false, 1000), Ours, Keepalived;
    v3_ck_03_ipv4_pseudo_header_checksum_1s_keepalived_master: Variant::v3(false, 1000), Keepalived, Ours;
    v3_ck_02_ipv6_100ms_ours_master: Variant::v3(true, 100), Ours, Keepalived;
    v3_ck_02_ipv6_100ms_keepalived_master: Variant::v3(true, 100), Keepalived, Ours;
    v3_ck_02_ipv6_1s_ours_master: Variant::v3(true, 1000), Ours, Keepalived;
    v3_ck_02_ipv6_1s_keepalived_master: Variant::v3(true, 1000), Keepalived, Ours;
    v2_11_no_authentication_1s_ours_master: Variant::v2(None), Ours, Keepalived;
    v2_11_no_authentication_1s_keepalived_master: Variant::v2(None), Keepalived, Ours;
    v2_03_auth_type_pass_1s_ours_master: Variant::v2(Some("s3cret")), Ours, Keepalived;
    v2_03_auth_type_pass_1s_keepalived_master: Variant::v2(Some("s3cret")), Keepalived, Ours;
}

/// Both sides at their best priority, so neither defers to the other: each must drop the other's
/// adverts, become Master, and say why.
fn split_brain(variant_ours: &[&str], variant_theirs: Variant) -> (Vec<String>, Vec<String>) {
    let lan = Lan::new(2);
    let settle = variant_theirs.settle();
    let mut theirs = Side::start(
        Implementation::Keepalived,
        &lan,
        2,
        variant_theirs,
        BACKUP_PRIORITY,
        &[],
    );
    let mut ours = Side::start(
        Implementation::Ours,
        &lan,
        1,
        Variant::v3(false, 100),
        BACKUP_PRIORITY,
        variant_ours,
    );
    ours.wait_state("master", settle);
    theirs.wait_state("master", settle);
    std::thread::sleep(Duration::from_secs(1));
    let (our_errors, _) = ours.errors_and_priority_zero_received();
    let (their_errors, _) = theirs.errors_and_priority_zero_received();
    (our_errors, their_errors)
}

#[test]
#[ignore = "needs root and keepalived: creates network namespaces"]
fn v3_9568_04_keepalived_2_2_7_refuses_the_message_only_checksum_and_both_sides_count_it() {
    let (ours, theirs) = split_brain(&["--checksum", "rfc9568"], Variant::v3(false, 100));
    assert!(
        ours.iter().any(|e| e.to_lowercase().contains("checksum")),
        "ours: {ours:?}"
    );
    assert!(
        theirs.iter().any(|e| e.contains("Invalid VRRPv3 checksum")),
        "keepalived: {theirs:?}"
    );
}

#[test]
#[ignore = "needs root and keepalived: creates network namespaces"]
fn v2_09_keepalived_v2_and_our_v3_on_one_vrid_both_become_master_and_count_version_errors() {
    let (ours, theirs) = split_brain(&["--checksum", "rfc5798"], Variant::v2(None));
    assert!(
        ours.iter().any(|e| e.to_lowercase().contains("version")),
        "ours: {ours:?}"
    );
    assert!(
        theirs.iter().any(|e| e.contains("wrong version")),
        "keepalived: {theirs:?}"
    );
}
