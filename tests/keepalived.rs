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

use crate::common;
use crate::harness;

use std::time::Duration;

use harness::keepalived::Keepalived;
use harness::lan::Lan;
use harness::pair::{INSTANCE, Implementation, Side, Variant};
use harness::routed::{R1, R2, Routed};

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
    kill_and_take_over(&label, variant, &mut m, &mut b);
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
    // 5. The Backup saw everything and counted nothing wrong.
    hand_over(&label, variant, m, b);
}

/// SIGKILL of `m`, the Master: `b`'s timer runs out after its Master_Down_Interval.
fn kill_and_take_over(label: &str, variant: Variant, m: &mut Side, b: &mut Side) {
    let mdi = variant.master_down_interval(BACKUP_PRIORITY);
    let killed = m.kill();
    let takeover = b.wait_state("master", variant.settle()) - killed;
    println!(
        "{label}: SIGKILL takeover {:.1} ms (Master_Down_Interval {:.1} ms)",
        ms(takeover),
        ms(mdi)
    );
    assert!(
        takeover + variant.interval >= mdi && takeover <= mdi + TOLERANCE,
        "{label}: takeover after {takeover:?}, Master_Down_Interval {mdi:?}"
    );
}

/// SIGTERM of `m`, the Master: its priority-0 advert makes `b` take over within Skew_Time, and
/// `b` counted that advert and no error.
fn hand_over(label: &str, variant: Variant, mut m: Side, mut b: Side) {
    let skew = variant.skew(BACKUP_PRIORITY);
    let terminated = m.terminate();
    let takeover = b.wait_state("master", variant.settle()) - terminated;
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

// HMAC authentication (keepalived 2.4's `auth_hmac`) against keepalived 2.4.3, which
// `VRRP_KEEPALIVED` names: the same story with a shared key on both sides, then unicast across a
// router, then what an attacker can inject there.

macro_rules! hmac_pairings {
    ($($name:ident: $variant:expr, $master:ident, $backup:ident;)*) => {$(
        #[test]
        #[ignore = "needs root and keepalived 2.4.3 (VRRP_KEEPALIVED): creates network namespaces"]
        fn $name() {
            if harness::keepalived::keepalived_2_4().is_none() {
                return;
            }
            interop($variant.hmac(), Implementation::$master, Implementation::$backup);
        }
    )*};
}

hmac_pairings! {
    auth_hmac_v3_ipv4_100ms_ours_master: Variant::v3(false, 100), Ours, Keepalived;
    auth_hmac_v3_ipv4_100ms_keepalived_master: Variant::v3(false, 100), Keepalived, Ours;
    auth_hmac_v3_ipv6_100ms_ours_master: Variant::v3(true, 100), Ours, Keepalived;
    auth_hmac_v3_ipv6_100ms_keepalived_master: Variant::v3(true, 100), Keepalived, Ours;
    auth_hmac_v2_1s_ours_master: Variant::v2(None), Ours, Keepalived;
    auth_hmac_v2_1s_keepalived_master: Variant::v2(None), Keepalived, Ours;
}

/// The pair across a router: `master` at priority 200 on r1, `backup` at 100 on r2, VRRPv3 at
/// 100 ms, unicast, authenticated; the story of [`interop`] but for the client, which a routed
/// pair has not.
fn routed_story(master: Implementation, backup: Implementation) -> (Routed, Side, Side) {
    let routed = Routed::new();
    let variant = Variant::v3(false, 100).hmac();
    let settle = variant.settle();
    let label = format!("routed, {master:?} Master, {backup:?} Backup");
    let start = |implementation, i: usize, priority| {
        let (me, peer) = if i == 1 { (R1, R2) } else { (R2, R1) };
        let netns = routed.router(i);
        let mut side = Side::start_in(
            implementation,
            netns,
            i,
            variant,
            priority,
            &[],
            Some((me, peer)),
        );
        side.wait_state("backup", settle);
        side
    };
    // The Master first, so that the Backup hears it from its start: however long either takes to
    // start, there is no race for the first election.
    let mut m = start(master, 1, MASTER_PRIORITY);
    m.wait_state("master", settle);
    let mut b = start(backup, 2, BACKUP_PRIORITY);
    std::thread::sleep(variant.interval * 4);
    assert!(!b.was_master(), "{label}: the Backup became Master");
    assert!(routed.holds(1, variant.vip()) && !routed.holds(2, variant.vip()));

    kill_and_take_over(&label, variant, &mut m, &mut b);

    let mut m = start(master, 1, MASTER_PRIORITY);
    m.wait_state("master", settle);
    b.wait_state("backup", settle);
    std::thread::sleep(variant.interval * 4);
    let (master_errors, _) = m.errors_and_priority_zero_received();
    assert_eq!(
        master_errors,
        Vec::<String>::new(),
        "{label}: Master errors"
    );
    let (backup_errors, _) = b.errors_and_priority_zero_received();
    assert_eq!(
        backup_errors,
        Vec::<String>::new(),
        "{label}: Backup errors"
    );
    (routed, m, b)
}

/// A priority-0 advert from r1 to r2 as r1 would send it on leaving, signed with `key` at
/// wall-clock time `at` (UTC since the epoch), or unsigned without a key.
fn priority_zero_advert(key: Option<[u8; 32]>, at: Duration) -> Vec<u8> {
    use std::net::IpAddr;
    use std::time::Instant;
    use vrrp::{Action, Config, HmacAuth, HmacKey, Priority, VirtualRouter, Vrid, WallClock};
    let r1: IpAddr = R1.parse().unwrap();
    let mut builder = Config::builder(2, Vrid::new(51).unwrap(), r1)
        .priority(Priority::new(MASTER_PRIORITY))
        .advert_interval(Duration::from_millis(100))
        .address("192.0.2.100".parse().unwrap())
        .unicast_peer(R2.parse().unwrap());
    if let Some(key) = key {
        let auth = HmacAuth::builder(1)
            .key(HmacKey::new(1, &key).unwrap())
            .build()
            .unwrap();
        builder = builder.auth_hmac(auth);
    }
    let mut router = VirtualRouter::new(builder.build().unwrap());
    let t0 = Instant::now();
    router.set_wall_clock(WallClock::new(t0, at));
    router.start(t0);
    let due = router.poll_timeout().unwrap();
    router.handle_timeout(due);
    router.shutdown(due);
    std::iter::from_fn(|| router.poll_action())
        .filter_map(|action| match action {
            Action::Send(transmit) => Some(transmit.payload.to_vec()),
            _ => None,
        })
        .last()
        .expect("a priority-0 advert")
}

/// Sends `payload` as VRRP from r1's address to r2 with TTL 64, from the gateway: what an
/// attacker on the path can do.
fn inject(routed: &Routed, payload: &[u8]) {
    let hex: String = payload.iter().map(|b| format!("{b:02x}")).collect();
    let script = format!(
        r#"
import socket, struct
payload = bytes.fromhex("{hex}")
src, dst = socket.inet_aton("{R1}"), socket.inet_aton("{R2}")
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0xc0, 20 + len(payload), 0, 0, 64, 112, 0, src, dst)
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
s.sendto(ip + payload, ("{R2}", 0))
"#
    );
    let status = std::process::Command::new("ip")
        .args([
            "netns",
            "exec",
            &routed.gateway.name,
            "python3",
            "-c",
            &script,
        ])
        .status()
        .expect("python3");
    assert!(status.success(), "injecting an advert");
}

/// A priority-0 advert made at a wall-clock time with a key.
type MakeAdvert = fn(Duration, [u8; 32]) -> Vec<u8>;

/// Forged, unsigned, stale and replayed priority-0 adverts in the Master's name reach the Backup
/// across the router: any of them accepted would hand it the VIP within Skew_Time.
fn injections_change_nothing(master: Implementation, backup: Implementation) {
    let (routed, mut m, mut b) = routed_story(master, backup);
    let key: [u8; 32] = std::array::from_fn(|i| i as u8);
    // Each advert is made just before it is sent: the replayed one is older than the Master's
    // last advert but well inside the 5 s window, whatever the earlier steps took.
    let adverts: [(&str, MakeAdvert); 4] = [
        ("forged", |now, _| {
            priority_zero_advert(Some([0x66; 32]), now)
        }),
        ("unsigned", |now, _| priority_zero_advert(None, now)),
        ("stale", |now, key| {
            priority_zero_advert(Some(key), now - Duration::from_secs(60))
        }),
        ("replayed", |now, key| {
            priority_zero_advert(Some(key), now - Duration::from_secs(2))
        }),
    ];
    let before = b.times_master();
    for (what, advert) in adverts {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::SystemTime::UNIX_EPOCH)
            .unwrap();
        inject(&routed, &advert(now, key));
        std::thread::sleep(Duration::from_secs(1));
        assert_eq!(
            b.times_master(),
            before,
            "{backup:?} Backup took over after a {what} advert"
        );
    }
    let counts: Vec<(&str, u64)> = match &mut b {
        Side::Ours(ours) => {
            let stats = ours.stats();
            [
                "authInvalidHmac",
                "authTrailerMissing",
                "authStale",
                "authReplayed",
            ]
            .map(|name| (name, harness::pair::json_counter(&stats, name)))
            .to_vec()
        }
        Side::Keepalived(theirs) => {
            let stats = theirs.stats(1);
            let section = "Authentication Extension Errors:";
            ["Invalid HMAC", "Missing", "Stale", "Replay"]
                .map(|name| (name, Keepalived::counter(&stats, INSTANCE, section, name)))
                .to_vec()
        }
    };
    for (name, count) in &counts {
        assert!(
            *count >= 1,
            "{backup:?} Backup counted no {name}: {counts:?}"
        );
    }
    // The Master is still the only one holding the VIP.
    assert!(routed.holds(1, "192.0.2.100") && !routed.holds(2, "192.0.2.100"));
    let (master_errors, _) = m.errors_and_priority_zero_received();
    assert_eq!(
        master_errors,
        Vec::<String>::new(),
        "{master:?} Master errors"
    );
}

/// The routed pair through its story and a hand-over.
fn routed(master: Implementation, backup: Implementation) {
    let (_routed, m, b) = routed_story(master, backup);
    let label = format!("routed, {master:?} Master");
    hand_over(&label, Variant::v3(false, 100).hmac(), m, b);
}

macro_rules! routed_pairings {
    ($($name:ident: $story:ident, $master:ident, $backup:ident;)*) => {$(
        #[test]
        #[ignore = "needs root, python3 and keepalived 2.4.3 (VRRP_KEEPALIVED): creates network namespaces"]
        fn $name() {
            if harness::keepalived::keepalived_2_4().is_some() {
                $story(Implementation::$master, Implementation::$backup);
            }
        }
    )*};
}

routed_pairings! {
    auth_hmac_unicast_across_a_router_ours_master: routed, Ours, Keepalived;
    auth_hmac_unicast_across_a_router_keepalived_master: routed, Keepalived, Ours;
    auth_hmac_forged_unsigned_stale_and_replayed_adverts_move_nothing_on_our_backup:
        injections_change_nothing, Keepalived, Ours;
    auth_hmac_forged_unsigned_stale_and_replayed_adverts_move_nothing_on_keepalived_backup:
        injections_change_nothing, Ours, Keepalived;
}

/// keepalived 2.4.3's own advert, captured on the wire, is the one we emit for the same key,
/// sequence, addresses and settings, byte for byte: the HMAC, the pseudo-header it covers, the
/// sequence layout and the checksum.
#[test]
#[ignore = "needs root, tshark and keepalived 2.4.3 (VRRP_KEEPALIVED): creates network namespaces"]
fn auth_hmac_keepalived_2_4_3s_advert_is_ours_byte_for_byte() {
    use std::time::Instant;
    use vrrp::packet::{ChecksumForm, TRAILER_LEN, Trailer};
    use vrrp::{Action, AddressFamily, Config, HmacAuth, HmacKey, Priority};
    use vrrp::{VirtualRouter, Vrid, WallClock};

    if harness::keepalived::keepalived_2_4().is_none() {
        return;
    }
    let lan = Lan::new(2);
    let dir = std::env::temp_dir().join(format!("vrrp-hmac-capture-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("adverts.pcap");
    let mut tshark = std::process::Command::new("ip")
        .args([
            "netns",
            "exec",
            &lan.router(2).name,
            "tshark",
            "-n",
            "-i",
            "eth0",
        ])
        .args([
            "-f",
            "ip proto 112",
            "-c",
            "20",
            "-a",
            "duration:15",
            "-F",
            "pcap",
            "-w",
        ])
        .arg(&file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("running tshark");
    std::thread::sleep(Duration::from_secs(2));
    let variant = Variant::v3(false, 100).hmac();
    let mut theirs = Side::start(Implementation::Keepalived, &lan, 1, variant, 200, &[]);
    theirs.wait_state("master", variant.settle());
    assert!(tshark.wait().expect("tshark ran").success());
    let frames = common::pcap::read_frames(&file);
    let _ = std::fs::remove_dir_all(&dir);
    // Ethernet, then a 20-byte IPv4 header, then VRRP: 12 bytes and the trailer.
    let payloads: Vec<&[u8]> = frames
        .iter()
        .filter(|f| f.len() >= 14 + 20 + 12 + TRAILER_LEN)
        .map(|f| &f[34..34 + 12 + TRAILER_LEN])
        .collect();
    // One whose counter is 0: the sequence is then the clock alone.
    let (captured, trailer) = payloads
        .iter()
        .find_map(|p| {
            let (_, bytes) = Trailer::split(AddressFamily::Ipv4, p)?;
            let trailer = Trailer::parse(bytes).ok()?;
            (trailer.sequence & 0xffff == 0).then_some((*p, trailer))
        })
        .unwrap_or_else(|| panic!("no signed advert among {} captured", frames.len()));
    let fraction = (trailer.sequence >> 16) & 0xffff;
    let nanos = (fraction * 1_000_000_000).div_ceil(65_536);
    let wall = Duration::new(u64::from(trailer.seconds()), nanos as u32);

    let key: Vec<u8> = (0..32).collect();
    let auth = HmacAuth::builder(1)
        .key(HmacKey::new(1, &key).unwrap())
        .build()
        .unwrap();
    let config = Config::builder(2, Vrid::new(51).unwrap(), [192, 0, 2, 11].into())
        .priority(Priority::new(200))
        .advert_interval(Duration::from_millis(100))
        .address([192, 0, 2, 100].into())
        .checksum_form(ChecksumForm::PseudoHeader)
        .auth_hmac(auth)
        .build()
        .unwrap();
    let mut ours = VirtualRouter::new(config);
    let t0 = Instant::now();
    ours.start(t0);
    while ours.poll_action().is_some() {}
    let due = ours.poll_timeout().unwrap();
    ours.set_wall_clock(WallClock::new(due, wall));
    ours.handle_timeout(due);
    let emitted = std::iter::from_fn(|| ours.poll_action())
        .find_map(|action| match action {
            Action::Send(transmit) => Some(transmit.payload.to_vec()),
            _ => None,
        })
        .expect("a new Master advertises");
    assert_eq!(emitted, captured, "ours, then keepalived 2.4.3's");
}
