//! Host faults on real interfaces, each from a fresh LAN of network namespaces with the `failover`
//! example (r1 at priority 200 Master, r2 at 100 Backup, VRRPv3 at 100 ms): a VIP deleted by hand,
//! a netlink overrun while the process is stopped, an interface deleted and created again, the
//! primary address removed, a stall longer than Master_Down_Interval, and crash-safe VIPs. Each
//! test checks the outcome and the event it produced (and the counter, where there is one). Root
//! only, so ignored by a plain `cargo test`; the README's second test command runs them.

use crate::harness;

use std::time::{Duration, Instant};

use harness::lan::{DUAL_STACK, Lan, elected_pair, router};
use harness::netns::{address_flood, netlink_drops};

const VIP: &str = "192.0.2.100";
const VIP6: &str = "2001:db8::100";
/// What a process, a pipe and a busy 2-core machine may add to a protocol deadline.
const TOLERANCE: Duration = Duration::from_millis(100);
const SETTLE: Duration = Duration::from_secs(5);

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_vip_deleted_by_hand_from_the_master_is_added_again_at_once() {
    let lan = Lan::new(2);
    let (mut r1, _r2) = elected_pair(&lan, &[]);
    lan.router(1)
        .ip(&["address", "del", "192.0.2.100/24", "dev", "eth0"]);
    r1.wait_for(
        &[
            r#""event":"address_restored""#,
            r#""address":"192.0.2.100""#,
        ],
        SETTLE,
    );
    assert!(lan.holds(1, VIP) && !lan.holds(2, VIP));
    assert!(lan.client_pings(VIP));
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_netlink_overrun_while_stopped_is_a_full_re_read_and_the_master_keeps_the_vip() {
    let lan = Lan::new(2);
    let (mut r1, mut r2) = elected_pair(&lan, &[]);
    let r1_ns = lan.router(1);
    r1_ns.ip(&["link", "add", "x0", "type", "veth", "peer", "name", "x1"]);
    let dir = std::env::temp_dir().join(format!("vrrp-flood-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("batch directory");
    let batch = address_flood(&dir, "x0", 10_000, [198, 18]);
    // 20,000 address changes while the Master cannot read them: the kernel drops what does not
    // fit in its event socket's buffer and reports ENOBUFS on the next read.
    r1.signal("STOP");
    r1_ns.ip(&["-batch", &batch.display().to_string()]);
    r1.signal("CONT");
    r1.wait_for(&[r#""event":"resynchronized""#], SETTLE);
    // The Backup may have taken over while the Master was stopped; the Master, resumed with the
    // higher priority, preempts it within an interval or two.
    let r2_lines = r2.collect(Duration::from_secs(1));
    assert!(lan.holds(1, VIP) && !lan.holds(2, VIP), "{r2_lines:?}");
    assert!(lan.client_pings(VIP));
    std::fs::remove_dir_all(&dir).expect("removing the batch");
}

/// Deletes r1's eth0 while r1 is Master with `extra`, creates it again under its name, and
/// returns once r1 is Master on it again; the client's neighbour entry is `mac` of the router.
fn recreate_masters_interface(extra: &[&str], mac: impl Fn(&Lan) -> String) {
    let lan = Lan::new(2);
    let (mut r1, mut r2) = elected_pair(&lan, extra);
    let index = |lan: &Lan| {
        let shown = lan.router(1).ip(&["-o", "link", "show", "eth0"]);
        shown.split(':').next().unwrap_or_default().to_string()
    };
    let before = index(&lan);
    lan.router(1).ip(&["link", "del", "eth0"]);
    r1.wait_state("fault", SETTLE);
    r2.wait_state("master", SETTLE);
    lan.recreate_eth0(1);
    assert_ne!(before, index(&lan), "a new index");
    r1.wait_for(&[r#""event":"interface_recreated""#], SETTLE);
    // Back from Fault as Backup, then Master again by preemption with the higher priority.
    r1.wait_state("master", SETTLE);
    r2.wait_state("backup", SETTLE);
    assert!(lan.holds(1, VIP) && !lan.holds(2, VIP));
    assert!(lan.client_pings(VIP));
    assert_eq!(lan.client_neighbour(VIP), Some(mac(&lan)));
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_masters_interface_deleted_and_created_again_under_its_name_is_taken_up_again() {
    recreate_masters_interface(&[], |lan| lan.router_mac(1));
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_virtual_mac_is_created_again_on_its_parent_created_again() {
    recreate_masters_interface(&["--vmac"], |_| "00:00:5e:00:01:33".to_string());
}

/// Polls every 20 ms until router `i` holds neither VIP nor VIP6, for at most `limit`; returns
/// how long that took from `since`, or `None` if it still holds one.
fn vips_gone(lan: &Lan, i: usize, since: Instant, limit: Duration) -> Option<Duration> {
    while since.elapsed() < limit {
        if !lan.holds(i, VIP) && !lan.holds(i, VIP6) {
            return Some(since.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// The `valid_lft` of every address of router `i` that is one of the VIPs, as `ip` shows it
/// (`3sec`, `forever`).
fn vip_lifetimes(lan: &Lan, i: usize) -> Vec<String> {
    let shown = lan.router(i).ip(&["-o", "addr", "show", "dev", "eth0"]);
    shown
        .lines()
        .filter(|line| {
            [VIP, VIP6, "fe80::100"]
                .iter()
                .any(|v| line.contains(&format!(" {v}/")))
        })
        .map(|line| {
            let mut words = line.split_whitespace();
            words.find(|w| *w == "valid_lft");
            words.next().unwrap_or_default().to_string()
        })
        .collect()
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn with_a_vip_lifetime_a_sigkilled_masters_host_drops_the_vips_by_itself() {
    let lan = Lan::new(2);
    let mut extra = DUAL_STACK.to_vec();
    extra.extend(["--vip-lifetime", "3s"]);
    let (mut r1, mut r2) = elected_pair(&lan, &extra);
    r1.wait_for(&[r#""event":"state""#, r#""to":"master""#], SETTLE);
    let lifetimes = vip_lifetimes(&lan, 1);
    assert_eq!(lifetimes.len(), 3, "{lifetimes:?}");
    assert!(
        lifetimes.iter().all(|l| l.ends_with("sec")),
        "{lifetimes:?}"
    );
    let killed = r1.signal("KILL");
    r2.wait_state("master", SETTLE);
    let gone = vips_gone(&lan, 1, killed, Duration::from_secs(3 + 2));
    let gone = gone.unwrap_or_else(|| panic!("r1 still holds a VIP: {:?}", vip_lifetimes(&lan, 1)));
    println!(
        "SIGKILL with --vip-lifetime 3s: r1 dropped its VIPs {:.0} ms after the kill",
        ms(gone)
    );
    // The last renewal came at most a third of the lifetime before the kill.
    assert!(
        gone >= Duration::from_secs(2) - TOLERANCE,
        "dropped after {gone:?}"
    );
    assert!(lan.holds(2, VIP) && lan.holds(2, VIP6));
    assert!(lan.client_pings(VIP) && lan.client_pings(VIP6));
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_master_with_a_vip_lifetime_keeps_its_vips_for_three_lifetimes() {
    let lan = Lan::new(2);
    let mut extra = DUAL_STACK.to_vec();
    extra.extend(["--vip-lifetime", "3s"]);
    let (mut r1, mut r2) = elected_pair(&lan, &extra);
    r1.wait_for(&[r#""event":"state""#, r#""to":"master""#], SETTLE);
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(3 * 3) {
        assert!(
            lan.holds(1, VIP) && lan.holds(1, VIP6),
            "r1 lost a VIP after {:?}",
            start.elapsed()
        );
        let lifetimes = vip_lifetimes(&lan, 1);
        assert!(
            lifetimes
                .iter()
                .all(|l| matches!(l.as_str(), "1sec" | "2sec" | "3sec")),
            "{lifetimes:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!lan.holds(2, VIP) && !lan.holds(2, VIP6));
    let r1_lines = r1.collect(Duration::from_millis(100));
    let r2_lines = r2.collect(Duration::from_millis(100));
    assert!(
        r1_lines.iter().all(|l| !l.contains(r#""event":"error""#)),
        "{r1_lines:?}"
    );
    assert!(
        r2_lines.iter().all(|l| !l.contains(r#""to":"master""#)),
        "the Backup took over: {r2_lines:?}"
    );
    assert!(lan.client_pings(VIP) && lan.client_pings(VIP6));
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn by_default_the_vips_have_a_lifetime_of_60_advertisement_intervals() {
    let lan = Lan::new(2);
    let (mut r1, _r2) = elected_pair(&lan, &DUAL_STACK);
    r1.wait_for(&[r#""event":"state""#, r#""to":"master""#], SETTLE);
    // 60 × 100 ms: 6 s, renewed every 2 s, so between 4 and 6 s left whenever it is read.
    let lifetimes = vip_lifetimes(&lan, 1);
    assert_eq!(lifetimes.len(), 3, "{lifetimes:?}");
    assert!(
        lifetimes
            .iter()
            .all(|l| ["4sec", "5sec", "6sec"].contains(&l.as_str())),
        "{lifetimes:?}"
    );
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn without_a_vip_lifetime_a_sigkilled_masters_host_keeps_the_vips() {
    let lan = Lan::new(2);
    let mut extra = DUAL_STACK.to_vec();
    extra.extend(["--vip-lifetime", "forever"]);
    let (mut r1, mut r2) = elected_pair(&lan, &extra);
    r1.wait_for(&[r#""event":"state""#, r#""to":"master""#], SETTLE);
    assert!(vip_lifetimes(&lan, 1).iter().all(|l| l == "forever"));
    let killed = r1.signal("KILL");
    r2.wait_state("master", SETTLE);
    let window = Duration::from_secs(3 + 2);
    assert_eq!(
        vips_gone(&lan, 1, killed, window),
        None,
        "r1 dropped its VIPs"
    );
    println!(
        "SIGKILL with --vip-lifetime forever: r1 still held its VIPs {:.0} ms after the kill",
        ms(killed.elapsed())
    );
    assert!(
        lan.holds(1, VIP) && lan.holds(1, VIP6),
        "two hosts answer for the VIPs"
    );
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn v3_tx_04_a_master_whose_primary_address_is_removed_goes_to_fault_until_it_is_back() {
    let lan = Lan::new(2);
    let (mut r1, mut r2) = elected_pair(&lan, &[]);
    lan.router(1)
        .ip(&["address", "del", "192.0.2.11/24", "dev", "eth0"]);
    r1.wait_for(
        &[r#""event":"primary_address""#, r#""present":false"#],
        SETTLE,
    );
    r1.wait_state("fault", SETTLE);
    r2.wait_state("master", SETTLE);
    assert!(lan.holds(2, VIP) && !lan.holds(1, VIP));
    lan.router(1)
        .ip(&["address", "add", "192.0.2.11/24", "dev", "eth0"]);
    r1.wait_for(
        &[r#""event":"primary_address""#, r#""present":true"#],
        SETTLE,
    );
    r1.wait_state("master", SETTLE);
    r2.wait_state("backup", SETTLE);
    assert!(lan.holds(1, VIP) && !lan.holds(2, VIP));
    assert!(lan.client_pings(VIP));
}

/// The `sent_advertisements` of a stats line.
fn sent_advertisements(stats: &str) -> u64 {
    let field = r#""sent_advertisements":"#;
    let rest = &stats[stats.find(field).expect("sent_advertisements") + field.len()..];
    rest[..rest.find([',', '}']).expect("a number")]
        .parse()
        .expect("a number")
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_master_stopped_past_master_down_interval_resumes_with_one_advert_and_takes_back_the_vip() {
    let lan = Lan::new(2);
    let (mut r1, mut r2) = elected_pair(&lan, &[]);
    let before = sent_advertisements(&r1.stats());
    // Stopped for 2 s (Master_Down_Interval is 361 ms): r2 takes over and advertises about 16
    // times into r1's socket.
    r1.signal("STOP");
    r2.wait_state("master", SETTLE);
    std::thread::sleep(Duration::from_secs(2));
    r1.signal("CONT");
    std::thread::sleep(Duration::from_millis(50));
    let after = sent_advertisements(&r1.stats());
    // At most one advert before the stop (the stats were read just before it) and the one answer
    // on resuming; one per waiting advert or per missed interval would be about 17.
    assert!(
        after - before <= 2,
        "{} adverts sent around the stall",
        after - before
    );
    // That answer, of higher priority, sends r2 back to Backup: one Master, r1.
    r2.wait_state("backup", SETTLE);
    let r1_lines = r1.collect(Duration::from_millis(500));
    assert!(
        r1_lines.iter().all(|l| !l.contains(r#""to":"backup""#)),
        "{r1_lines:?}"
    );
    assert!(lan.holds(1, VIP) && !lan.holds(2, VIP));
    assert!(lan.client_pings(VIP));
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_virtual_mac_interface_deleted_by_hand_is_created_again_with_its_vip() {
    let lan = Lan::new(2);
    let (mut r1, _r2) = elected_pair(&lan, &["--vmac"]);
    let link = lan.router(1).ip(&["-o", "link", "show", "eth0"]);
    let index = link.split(':').next().expect("an index").trim().to_string();
    let vmac = format!("vr4.{index}.51");
    assert!(lan.holds(1, VIP));
    let deleted = Instant::now();
    lan.router(1).ip(&["link", "del", &vmac]);
    r1.wait_for(
        &[
            r#""event":"interface_recreated""#,
            &format!(r#""interface":"{vmac}""#),
        ],
        SETTLE,
    );
    let restored = r1.wait_for(
        &[
            r#""event":"address_restored""#,
            r#""address":"192.0.2.100""#,
        ],
        SETTLE,
    );
    eprintln!(
        "virtual MAC interface and VIP back {:.1} ms after the deletion",
        ms(restored - deleted)
    );
    let shown = lan.router(1).ip(&["-o", "addr", "show", "dev", &vmac]);
    assert!(shown.contains("192.0.2.100/24"), "{shown}");
    assert!(!lan.holds(2, VIP));
    assert!(lan.client_pings(VIP));
    assert_eq!(
        lan.client_neighbour(VIP).as_deref(),
        Some("00:00:5e:00:01:33")
    );
    // Still the Master: no step-down.
    let lines = r1.collect(Duration::from_millis(500));
    assert!(
        !lines.iter().any(|l| l.contains(r#""to":"backup""#)),
        "{lines:?}"
    );
}

#[test]
#[ignore = "needs root: creates network namespaces, runs nft"]
fn two_drivers_on_one_host_each_keep_their_own_accept_mode_rules() {
    use harness::lan::Failover;
    let netns = harness::netns::Netns::with_veth_pair("two-drivers");
    netns.ip(&["addr", "add", "198.51.100.1/24", "dev", "vb"]);
    let router = |interface: &str, vrid: &str, vip: &str| {
        let args = [
            "--interface",
            interface,
            "--vrid",
            vrid,
            "--priority",
            "100",
            "--vip",
            vip,
            "--advert-interval",
            "100ms",
            "--no-accept",
        ];
        let mut failover = Failover::start(&netns, &args);
        failover.wait_state("master", SETTLE);
        failover
    };
    let mut first = router("va", "51", "192.0.2.100/24");
    let mut second = router("vb", "52", "198.51.100.100/24");
    // Each driver owns a table: `vrrp`, and `vrrp-PID` for the one that came second.
    let list = |table: &str| netns.nft(&["list", "table", "inet", table]);
    let own = format!("vrrp-{}", second.pid());
    // The rules follow the state change at the end of the driver's pass, just after its event.
    let lists = |table: &str, address: &str| {
        let until = std::time::Instant::now() + SETTLE;
        while std::time::Instant::now() < until {
            if list(table).is_some_and(|t| t.contains(address)) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    };
    assert!(lists("vrrp", "192.0.2.100"));
    assert!(lists(&own, "198.51.100.100"));
    let errors = second.collect(Duration::from_millis(300));
    assert!(
        !errors.iter().any(|l| l.contains("transient_error")),
        "{errors:?}"
    );
    // Each table goes with its process.
    first.signal("TERM");
    assert!(first.wait_exit().success());
    assert_eq!(list("vrrp"), None);
    second.signal("TERM");
    assert!(second.wait_exit().success());
    assert_eq!(list(&own), None);
}

/// Router 1's eth0 and its port on the bridge: deleted (the veth pair goes with it).
fn delete_eth0(lan: &Lan) {
    lan.router(1).ip(&["link", "del", "eth0"]);
}

/// Creates router 1's veth again, its end called `name` in the router's namespace, down and with
/// no address; its port joins the bridge and comes up.
fn create_link(lan: &Lan, name: &str) {
    lan.hub.add_veth("p1", lan.router(1), name);
    lan.hub.ip(&["link", "set", "p1", "master", "br0", "up"]);
    lan.router(1)
        .ip(&["link", "set", name, "addrgenmode", "none"]);
}

/// Gives router 1's `name` its addresses back.
fn add_addresses(lan: &Lan, name: &str) {
    lan.router(1)
        .ip(&["address", "add", "192.0.2.11/24", "dev", name]);
    lan.router(1)
        .ip(&["address", "add", "fe80::11/64", "dev", name, "nodad"]);
}

fn set_up(lan: &Lan, name: &str) {
    lan.router(1).ip(&["link", "set", name, "up"]);
}

/// Deletes router 1's eth0, creates it again, gives it its addresses, then sets it up.
fn recreate_addressed_then_up(lan: &Lan) {
    delete_eth0(lan);
    create_link(lan, "eth0");
    add_addresses(lan, "eth0");
    set_up(lan, "eth0");
}

/// Runs `change` on router 1's interface while r1 (the Master) is stopped, so that the driver
/// reads every change it caused in one pass when it resumes, or with r1 running when `stopped`
/// is false; then r1 must be Master with the VIP again (preempting r2, which took over), and
/// r2 Backup: no router may stay in Fault on a link that is up with its address. Returns what r1
/// printed.
fn after_link_changes(stopped: bool, change: impl FnOnce(&Lan)) -> Vec<String> {
    let lan = Lan::new(2);
    let (mut r1, mut r2) = elected_pair(&lan, &[]);
    if stopped {
        r1.signal("STOP");
    }
    change(&lan);
    if stopped {
        r1.signal("CONT");
    }
    // Polled until r1's last state change is to Master, it holds the VIP and r2 does not.
    let deadline = Instant::now() + SETTLE;
    let last_state = |lines: &[(Instant, String)]| {
        (lines.iter().rev())
            .find(|(_, line)| line.contains(r#""event":"state""#))
            .map(|(_, line)| line.clone())
    };
    loop {
        r1.collect(Duration::from_millis(50));
        r2.collect(Duration::from_millis(1));
        let master = last_state(&r1.seen).is_some_and(|l| l.contains(r#""to":"master""#));
        if master && lan.holds(1, VIP) && !lan.holds(2, VIP) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "r1: {:#?}\nr2: {:#?}",
            r1.seen,
            r2.seen
        );
    }
    let pinged = (0..3).any(|_| lan.client_pings(VIP));
    assert!(
        pinged,
        "{:#?}\nclient: {}\nr1: {}{}\nhub: {}",
        r1.seen,
        lan.client.ip(&["neigh"]),
        lan.router(1).ip(&["addr"]),
        lan.router(1).ip(&["route"]),
        lan.hub.ip(&["-o", "link"]).replace(": ", "| "),
    );
    r1.seen.iter().map(|(_, line)| line.clone()).collect()
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn an_interface_created_again_down_then_up_then_given_its_address_is_taken_up_again() {
    after_link_changes(false, |lan| {
        delete_eth0(lan);
        std::thread::sleep(Duration::from_millis(500));
        create_link(lan, "eth0");
        std::thread::sleep(Duration::from_millis(300));
        set_up(lan, "eth0");
        std::thread::sleep(Duration::from_millis(300));
        add_addresses(lan, "eth0");
    });
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn an_interface_created_again_given_its_address_then_up_in_one_pass_is_taken_up_again() {
    after_link_changes(true, recreate_addressed_then_up);
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn an_interface_created_again_up_then_given_its_address_in_one_pass_is_taken_up_again() {
    after_link_changes(true, |lan| {
        delete_eth0(lan);
        create_link(lan, "eth0");
        set_up(lan, "eth0");
        lan.router(1).wait_until_up("eth0");
        add_addresses(lan, "eth0");
    });
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn an_interface_deleted_and_created_twice_in_one_pass_is_taken_up_again() {
    after_link_changes(true, |lan| {
        recreate_addressed_then_up(lan);
        recreate_addressed_then_up(lan);
    });
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn an_interface_given_its_address_under_another_name_then_renamed_is_taken_up_again() {
    // The address arrives before the interface has the name the routers know: only a read of
    // the whole host after the rename finds it.
    after_link_changes(false, |lan| {
        delete_eth0(lan);
        std::thread::sleep(Duration::from_millis(500));
        create_link(lan, "new0");
        add_addresses(lan, "new0");
        std::thread::sleep(Duration::from_millis(300));
        lan.router(1).ip(&["link", "set", "new0", "name", "eth0"]);
        set_up(lan, "eth0");
    });
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn an_interface_created_again_during_a_netlink_overrun_is_taken_up_again() {
    let dir = std::env::temp_dir().join(format!("vrrp-recreate-flood-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("batch directory");
    after_link_changes(true, |lan| {
        // The interface's first changes start the event socket's queue, the flood's 20,000
        // changes overrun it, and the interface's last changes (up, its address) are lost: acted
        // on after the re-read, the queued ones would take it back to down and without address.
        lan.router(1)
            .ip(&["link", "add", "x0", "type", "veth", "peer", "name", "x1"]);
        let batch = address_flood(&dir, "x0", 10_000, [198, 18]);
        delete_eth0(lan);
        create_link(lan, "eth0");
        lan.router(1).ip(&["-batch", &batch.display().to_string()]);
        assert!(netlink_drops(lan.router(1)) > 0, "no overrun");
        add_addresses(lan, "eth0");
        set_up(lan, "eth0");
    });
    std::fs::remove_dir_all(&dir).expect("removing the batch");
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn v3_tx_04_an_ipv6_master_whose_link_local_address_fails_dad_goes_to_fault_until_it_is_fixed() {
    let lan = Lan::new(2);
    let (mut r1, mut r2) = elected_pair(&lan, &harness::lan::IPV6_VIPS);
    let r1_ns = lan.router(1);
    // The client takes r1's link-local address, and r1's is configured again with duplicate
    // address detection: it fails, and r1 has nothing to send its adverts from.
    lan.client
        .ip(&["address", "add", "fe80::11/64", "dev", "eth0", "nodad"]);
    r1_ns.ip(&["address", "del", "fe80::11/64", "dev", "eth0"]);
    r1_ns.ip(&["address", "add", "fe80::11/64", "dev", "eth0"]);
    r1.wait_state("fault", SETTLE);
    r2.wait_state("master", SETTLE);
    let deadline = Instant::now() + SETTLE;
    while !r1_ns
        .ip(&["-6", "address", "show", "dev", "eth0"])
        .contains("dadfailed")
    {
        assert!(Instant::now() < deadline, "r1's address never failed DAD");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Still in Fault once the kernel says the address is a duplicate.
    let r1_lines = r1.collect(Duration::from_millis(500));
    assert!(
        r1_lines.iter().all(|l| !l.contains(r#""event":"state""#)),
        "{r1_lines:#?}"
    );
    assert!(lan.holds(2, VIP6) && !lan.holds(1, VIP6));
    // Fixed: the duplicate goes, r1's address is configured again.
    lan.client
        .ip(&["address", "del", "fe80::11/64", "dev", "eth0"]);
    r1_ns.ip(&["address", "del", "fe80::11/64", "dev", "eth0"]);
    r1_ns.ip(&["address", "add", "fe80::11/64", "dev", "eth0", "nodad"]);
    r1.wait_state("master", SETTLE);
    r2.wait_state("backup", SETTLE);
    assert!(lan.holds(1, VIP6) && !lan.holds(2, VIP6));
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_virtual_mac_interface_deleted_during_a_netlink_overrun_is_created_again_by_the_re_read() {
    let lan = Lan::new(2);
    let (mut r1, _r2) = elected_pair(&lan, &["--vmac"]);
    let r1_ns = lan.router(1);
    let link = r1_ns.ip(&["-o", "link", "show", "eth0"]);
    let index = link.split(':').next().expect("an index").trim().to_string();
    let vmac = format!("vr4.{index}.51");
    r1_ns.ip(&["link", "add", "x0", "type", "veth", "peer", "name", "x1"]);
    let dir = std::env::temp_dir().join(format!("vrrp-vmac-flood-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("batch directory");
    let batch = address_flood(&dir, "x0", 10_000, [198, 18]);
    // Its deletion is lost with the overrun's drop: only the re-read can find it gone.
    r1.signal("STOP");
    r1_ns.ip(&["-batch", &batch.display().to_string()]);
    r1_ns.ip(&["link", "del", &vmac]);
    r1.signal("CONT");
    r1.wait_for(&[r#""event":"resynchronized""#], SETTLE);
    let deadline = Instant::now() + SETTLE;
    loop {
        // r2 took over while r1 was stopped; r1, resumed with the higher priority, preempts it.
        let shown = (r1_ns.try_ip(&["-o", "address", "show", "dev", &vmac])).unwrap_or_default();
        if shown.contains("192.0.2.100/24") && !lan.holds(2, VIP) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{vmac} not back with the VIP alone: {shown}; {:#?}",
            r1.seen
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(lan.client_pings(VIP));
    std::fs::remove_dir_all(&dir).expect("removing the batch");
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_backups_interface_deleted_and_created_twice_in_one_pass_still_hears_the_master() {
    let lan = Lan::new(2);
    // r2 the Master (200); r1 the Backup (100), whose interface goes twice while it is stopped.
    let mut r2 = router(&lan, 2, 200, &[]);
    r2.wait_state("master", SETTLE);
    let mut r1 = router(&lan, 1, 100, &[]);
    r1.wait_state("backup", SETTLE);
    r1.signal("STOP");
    recreate_addressed_then_up(&lan);
    recreate_addressed_then_up(&lan);
    r1.signal("CONT");
    // Back from Fault to Backup, and a Backup it stays: it hears r2 on the last interface (the
    // first was gone before the group could be joined on it).
    r1.wait_state("backup", SETTLE);
    let lines = r1.collect(Duration::from_secs(2));
    assert!(
        lines.iter().all(|l| !l.contains(r#""to":"master""#)),
        "{lines:#?}"
    );
    assert!(lan.holds(2, VIP) && !lan.holds(1, VIP));
}
