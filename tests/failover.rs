//! Failover on real interfaces: the `failover` example on a bridged LAN of network namespaces, with
//! a client namespace that pings and resolves the virtual address. Root only, so ignored by a plain
//! `cargo test`; the README's second test command runs them.
//!
//! Routers advertise every 100 ms. A priority-100 Backup then has Skew_Time = 60.9375 ms and
//! Master_Down_Interval = 360.9375 ms (RFC 5798 §6.1 as updated by RFC 9568).

use crate::harness;

use std::time::{Duration, Instant};

use harness::lan::{
    DUAL_STACK, Failover, IPV6_VIPS, Lan, elected_pair, example_binary, mac_of, router, router_args,
};
use harness::tshark::Capture;

const VIP: &str = "192.0.2.100";
const VIP6: &str = "2001:db8::100";
const SKEW_100: Duration = Duration::from_nanos(60_937_500);
const MDI_100: Duration = Duration::from_nanos(360_937_500);
const INTERVAL: Duration = Duration::from_millis(100);
/// What a process, a pipe and a busy 2-core machine may add to a protocol deadline.
const TOLERANCE: Duration = Duration::from_millis(100);
const SETTLE: Duration = Duration::from_secs(5);

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn v3_fsm_04_07_13_only_the_elected_master_holds_answers_and_resolves_the_vip() {
    let lan = Lan::new(2);
    let (_r1, _r2) = elected_pair(&lan, &[]);
    assert!(lan.holds(1, VIP));
    assert!(!lan.holds(2, VIP));
    assert!(lan.client_pings(VIP));
    assert_eq!(
        lan.client_neighbour(VIP).as_deref(),
        Some(lan.router_mac(1).as_str())
    );
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn v3_fsm_09_after_a_sigkill_of_the_master_the_backup_takes_over_within_master_down_interval() {
    let lan = Lan::new(2);
    let (r1, mut r2) = elected_pair(&lan, &[]);
    assert!(lan.client_pings(VIP));
    let killed = r1.signal("KILL");
    let took_over = r2.wait_state("master", SETTLE);
    let takeover = took_over - killed;
    println!(
        "SIGKILL takeover: {:.1} ms (Master_Down_Interval {:.1} ms)",
        ms(takeover),
        ms(MDI_100)
    );
    // The last advert left at most one interval before the kill.
    assert!(
        takeover >= MDI_100 - INTERVAL,
        "took over after {takeover:?}, early"
    );
    assert!(
        takeover <= MDI_100 + TOLERANCE,
        "took over after {takeover:?}"
    );
    assert!(lan.holds(2, VIP));
    // The gratuitous ARP moved the client's entry to the new Master.
    assert_eq!(
        lan.client_neighbour(VIP).as_deref(),
        Some(lan.router_mac(2).as_str())
    );
    assert!(lan.client_pings(VIP));
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn v3_fsm_19_sigterm_hands_over_within_skew_time_and_releases_the_vip() {
    let lan = Lan::new(2);
    let (mut r1, mut r2) = elected_pair(&lan, &[]);
    let stopped = r1.signal("TERM");
    let took_over = r2.wait_state("master", SETTLE);
    let handover = took_over - stopped;
    println!(
        "SIGTERM handover: {:.1} ms (Skew_Time {:.1} ms)",
        ms(handover),
        ms(SKEW_100)
    );
    assert!(
        handover <= SKEW_100 + TOLERANCE,
        "handover took {handover:?}"
    );
    r1.wait_for(
        &[r#""event":"stats""#, r#""sent_pri_zero_packets":1"#],
        SETTLE,
    );
    assert!(r1.wait_exit().success());
    assert!(!lan.holds(1, VIP));
    assert!(lan.holds(2, VIP));
    assert!(lan.client_pings(VIP));
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn v3_fsm_12_22_a_returning_higher_priority_preempts_unless_told_not_to() {
    let lan = Lan::new(2);
    let mut r2 = router(&lan, 2, 100, &[]);
    r2.wait_state("master", SETTLE);
    let mut r1 = router(&lan, 1, 200, &[]);
    r1.wait_state("backup", SETTLE);
    r1.wait_state("master", SETTLE);
    r2.wait_state("backup", SETTLE);
    assert!(lan.holds(1, VIP) && !lan.holds(2, VIP));

    r1.signal("TERM");
    assert!(r1.wait_exit().success());
    r2.wait_state("master", SETTLE);
    let mut r1 = router(&lan, 1, 200, &["--no-preempt"]);
    r1.wait_state("backup", SETTLE);
    let later = r1.collect(Duration::from_secs(1));
    assert!(
        !later.iter().any(|l| l.contains(r#""to":"master""#)),
        "a no-preempt router took over: {later:?}"
    );
    assert!(lan.holds(2, VIP) && !lan.holds(1, VIP));
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn v3_fsm_22_between_two_masters_of_equal_priority_the_higher_primary_address_wins() {
    let lan = Lan::new(2);
    // A Backup defers to an equal priority, so make both Masters first: each hears nothing.
    for i in [1, 2] {
        load_nft(&lan, i, "ip protocol 112 drop");
    }
    let mut r1 = router(&lan, 1, 100, &[]);
    let mut r2 = router(&lan, 2, 100, &[]);
    r1.wait_state("master", SETTLE);
    r2.wait_state("master", SETTLE);
    for i in [1, 2] {
        let status = std::process::Command::new("ip")
            .args([
                "netns",
                "exec",
                &lan.router(i).name,
                "nft",
                "delete",
                "table",
                "netdev",
                "test",
            ])
            .status()
            .expect("running nft");
        assert!(status.success());
    }
    // r2 (192.0.2.12) beats r1 (192.0.2.11).
    r1.wait_for(
        &[
            r#""from":"master","to":"backup""#,
            r#""reason":"higher-priority""#,
        ],
        SETTLE,
    );
    let r2_later = r2.collect(Duration::from_millis(500));
    assert!(
        !r2_later.iter().any(|l| l.contains(r#""to":"backup""#)),
        "{r2_later:?}"
    );
    assert!(lan.holds(2, VIP) && !lan.holds(1, VIP));
}

/// Loads an nftables ingress rule on router `i`'s eth0, in table `netdev test`.
fn load_nft(lan: &Lan, i: usize, rule: &str) {
    let rules = format!(
        "table netdev test {{
            chain ingress {{
                type filter hook ingress device eth0 priority 0;
                {rule}
            }}
        }}"
    );
    let status = std::process::Command::new("ip")
        .args(["netns", "exec", &lan.router(i).name, "nft", "-f", "-"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(rules.as_bytes())?;
            child.wait()
        })
        .expect("running nft (install nftables)");
    assert!(status.success(), "loading the nftables rule {rule:?}");
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn v3_fsm_02_the_owner_goes_from_initialize_straight_to_master_and_keeps_its_own_address() {
    let lan = Lan::new(2);
    lan.router(1)
        .ip(&["addr", "add", "192.0.2.100/24", "dev", "eth0"]);
    let mut r2 = router(&lan, 2, 100, &[]);
    r2.wait_state("master", SETTLE);
    let started = Instant::now();
    let mut owner = router(&lan, 1, 255, &[]);
    let mastered = owner.wait_state("master", SETTLE);
    // The owner goes straight to Master, with no Backup state in between: a non-owner would go
    // initialize -> backup and wait Master_Down_Interval. (The time bound only catches a hang:
    // a debug build's start-up on a busy machine can take longer than the 0.3 s wait itself.)
    assert!(mastered - started < Duration::from_secs(2));
    assert!(
        owner
            .seen
            .iter()
            .any(|(_, l)| l.contains(r#""from":"initialize","to":"master""#))
    );
    assert!(
        owner
            .seen
            .iter()
            .all(|(_, l)| !l.contains(r#""to":"backup""#)),
        "the owner never waited as Backup"
    );
    r2.wait_state("backup", SETTLE);
    assert!(!lan.holds(2, VIP));

    owner.signal("TERM");
    r2.wait_state("master", SETTLE);
    assert!(owner.wait_exit().success());
    assert!(lan.holds(1, VIP), "the owner's own address was removed");
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn v3_fsm_09_ipv6_virtual_addresses_fail_over_and_move_the_clients_neighbour_entry() {
    let lan = Lan::new(2);
    let ipv6 = IPV6_VIPS;
    let (r1, mut r2) = elected_pair(&lan, &ipv6);
    assert!(lan.holds(1, VIP6) && !lan.holds(2, VIP6));
    assert!(lan.client_pings(VIP6));
    assert_eq!(
        lan.client_neighbour(VIP6).as_deref(),
        Some(lan.router_mac(1).as_str())
    );
    let killed = r1.signal("KILL");
    let took_over = r2.wait_state("master", SETTLE);
    assert!(took_over - killed <= MDI_100 + TOLERANCE);
    assert!(lan.holds(2, VIP6));
    assert_eq!(
        lan.client_neighbour(VIP6).as_deref(),
        Some(lan.router_mac(2).as_str())
    );
    assert!(lan.client_pings(VIP6));
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn v3_mac_01_ops_02_with_a_virtual_mac_the_client_never_changes_its_neighbour_entry() {
    let lan = Lan::new(2);
    let (r1, mut r2) = elected_pair(&lan, &["--vmac"]);
    let vmac = "00:00:5e:00:01:33";
    assert!(lan.client_pings(VIP));
    assert_eq!(lan.client_neighbour(VIP).as_deref(), Some(vmac));
    r1.signal("KILL");
    r2.wait_state("master", SETTLE);
    assert!(lan.client_pings(VIP));
    assert_eq!(lan.client_neighbour(VIP).as_deref(), Some(vmac));
    // Only the virtual MAC answers ARP for the address: arping sees one sender.
    let replies = std::process::Command::new("ip")
        .args([
            "netns",
            "exec",
            &lan.client.name,
            "arping",
            "-c",
            "3",
            "-w",
            "3",
            "-I",
            "eth0",
            VIP,
        ])
        .output()
        .expect("running arping");
    let text = String::from_utf8_lossy(&replies.stdout).to_lowercase();
    assert!(text.contains(vmac), "arping: {text}");
    assert!(
        !text.contains(&mac_of(lan.router(2), "eth0")),
        "the parent answered: {text}"
    );
    // A clean stop removes the virtual MAC interface.
    r2.signal("TERM");
    assert!(r2.wait_exit().success());
    assert!(!lan.router(2).ip(&["-o", "link", "show"]).contains("vr4."));
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn unicast_peers_elect_and_fail_over_and_ignore_a_stranger() {
    let lan = Lan::new(3);
    let (r1, mut r2) = {
        let mut r2 = router(&lan, 2, 100, &["--unicast-peer", "192.0.2.11"]);
        r2.wait_state("backup", SETTLE);
        let mut r1 = router(&lan, 1, 200, &["--unicast-peer", "192.0.2.12"]);
        r1.wait_state("master", SETTLE);
        (r1, r2)
    };
    // r3 talks to r1 with a higher priority, but r1 does not list it as a peer.
    let mut r3 = router(&lan, 3, 250, &["--unicast-peer", "192.0.2.11"]);
    r3.wait_state("master", SETTLE);
    std::thread::sleep(Duration::from_millis(500));
    assert!(lan.holds(1, VIP) && !lan.holds(2, VIP));
    let mut r1 = r1;
    r1.signal("USR1");
    r1.wait_for(&[r#""event":"stats""#, r#""state":"master""#], SETTLE);
    let stats = &r1.seen.last().expect("a stats line").1;
    assert!(!stats.contains(r#""unknownPeerErrors":0"#), "{stats}");
    r3.signal("KILL");
    r1.signal("KILL");
    r2.wait_state("master", SETTLE);
    assert!(lan.holds(2, VIP));
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn the_masters_link_going_down_is_a_fault_and_coming_back_preempts() {
    let lan = Lan::new(2);
    let (mut r1, mut r2) = elected_pair(&lan, &[]);
    lan.router(1).ip(&["link", "set", "eth0", "down"]);
    r1.wait_for(&[r#""to":"fault""#, r#""reason":"link-down""#], SETTLE);
    r2.wait_state("master", SETTLE);
    assert!(!lan.holds(1, VIP) && lan.holds(2, VIP));
    lan.router(1).ip(&["link", "set", "eth0", "up"]);
    r1.wait_for(&[r#""from":"fault","to":"backup""#], SETTLE);
    r1.wait_state("master", SETTLE);
    r2.wait_state("backup", SETTLE);
    assert!(lan.holds(1, VIP) && !lan.holds(2, VIP));
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn with_30_percent_loss_the_master_keeps_the_vip_and_takeovers_are_brief() {
    let lan = Lan::new(2);
    for i in [1, 2] {
        load_nft(&lan, i, "ip protocol 112 numgen random mod 100 < 30 drop");
    }
    let (mut r1, mut r2) = elected_pair(&lan, &[]);
    let lines = r2.collect(Duration::from_secs(10));
    // The loss ends; a takeover the window ended in ends at the Master's next advert.
    for i in [1, 2] {
        lan.router(i)
            .nft(&["delete", "table", "netdev", "test"])
            .expect("nft");
    }
    let lines = [lines, r2.collect(Duration::from_secs(1))].concat();
    let r1_lines = r1.collect(Duration::ZERO);
    assert!(
        !r1_lines.iter().any(|l| l.contains(r#""from":"master""#)),
        "the Master lost its state: {r1_lines:?}"
    );
    // A Backup that missed three adverts in a row takes over until the Master's next advert.
    let mut takeovers = 0;
    let mut since: Option<Instant> = None;
    for (at, line) in &r2.seen {
        if line.contains(r#""to":"master""#) {
            takeovers += 1;
            since = Some(*at);
        } else if line.contains(r#""to":"backup""#)
            && let Some(start) = since.take()
        {
            assert!(
                *at - start < Duration::from_secs(1),
                "a takeover lasted {:?}",
                *at - start
            );
        }
    }
    println!("30 % loss for 10 s: {takeovers} brief takeovers by the Backup; {lines:?}");
    assert!(since.is_none(), "the Backup ended as Master");
    assert!(lan.holds(1, VIP) && !lan.holds(2, VIP));
    assert!(lan.client_pings(VIP));
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn the_async_driver_elects_hands_over_and_takes_over_like_the_blocking_one() {
    let lan = Lan::new(2);
    let (mut r1, mut r2) = elected_pair(&lan, &["--async"]);
    assert!(lan.holds(1, VIP) && !lan.holds(2, VIP));
    let stopped = r1.signal("TERM");
    let handover = r2.wait_state("master", SETTLE) - stopped;
    assert!(
        handover <= SKEW_100 + TOLERANCE,
        "handover took {handover:?}"
    );
    assert!(r1.wait_exit().success());
    assert!(!lan.holds(1, VIP) && lan.holds(2, VIP));

    let mut r1 = router(&lan, 1, 200, &["--async"]);
    r1.wait_state("master", SETTLE);
    r2.wait_state("backup", SETTLE);
    let killed = r1.signal("KILL");
    let takeover = r2.wait_state("master", SETTLE) - killed;
    assert!(
        takeover >= MDI_100 - INTERVAL && takeover <= MDI_100 + TOLERANCE,
        "{takeover:?}"
    );
    assert!(lan.client_pings(VIP));
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn start_up_errors_name_the_argument_or_tell_the_operator_what_to_do() {
    let lan = Lan::new(1);
    let r1 = lan.router(1);
    let base = [
        "--interface",
        "eth0",
        "--vrid",
        "51",
        "--vip",
        "192.0.2.100/24",
    ];
    let run = |wrapper: &[&str], extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        harness::lan::failover_exit(r1, wrapper, &args)
    };
    let (code, stderr) = run(&[], &["--priority", "300"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--priority"), "{stderr}");
    let (code, stderr) = run(&[], &["--advert-interval", "fast"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--advert-interval"), "{stderr}");
    let (code, stderr) = run(&[], &["--vip-lifetime", "2s"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("--vip-lifetime: 2s is out of range"),
        "{stderr}"
    );

    let (code, stderr) = harness::lan::failover_exit(
        r1,
        &[],
        &[
            "--interface",
            "nosuch0",
            "--vrid",
            "51",
            "--vip",
            "192.0.2.100/24",
        ],
    );
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains(r#"no network interface is called "nosuch0""#),
        "{stderr}"
    );

    let (code, stderr) = run(
        &["setpriv", "--inh-caps=-net_raw", "--bounding-set=-net_raw"],
        &[],
    );
    assert_eq!(code, Some(1));
    assert!(stderr.contains("CAP_NET_RAW is missing"), "{stderr}");

    r1.ip(&["addr", "add", "192.0.2.100/24", "dev", "eth0"]);
    let (code, stderr) = run(&[], &[]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("192.0.2.100 is already configured on eth0"),
        "{stderr}"
    );

    r1.ip(&["addr", "flush", "dev", "eth0", "scope", "global"]);
    let (code, stderr) = run(&[], &[]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("interface eth0 has no IPv4 address"),
        "{stderr}"
    );
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_restarted_backup_removes_the_address_a_killed_master_left_behind() {
    let lan = Lan::new(2);
    let (r1, _r2) = elected_pair(&lan, &[]);
    r1.signal("KILL");
    std::thread::sleep(Duration::from_millis(100));
    // The kernel keeps the killed process's address: two hosts now answer for it.
    assert!(lan.holds(1, VIP));
    let mut r1 = router(&lan, 1, 200, &["--no-preempt"]);
    r1.wait_state("backup", SETTLE);
    assert!(!lan.holds(1, VIP), "the leftover address is still there");
}

/// Starts the `address_hook` example on router `i`: its address backend runs shell commands that
/// configure the VIP with `ip` and log each call to `log`.
fn hooked_router(lan: &Lan, i: usize, priority: u8, log: &std::path::Path) -> Failover {
    let log = log.display();
    let take = format!(
        "ip address add $VRRP_ADDRESS/$VRRP_PREFIX_LEN dev eth0 && echo take $VRRP_ADDRESS/$VRRP_PREFIX_LEN >> {log}"
    );
    let release = format!(
        "ip address del $VRRP_ADDRESS/$VRRP_PREFIX_LEN dev eth0 && echo release $VRRP_ADDRESS >> {log}"
    );
    let priority = priority.to_string();
    let args = router_args(&priority, &["--take", &take, "--release", &release]);
    Failover::start_program(&example_binary("address_hook"), lan.router(i), &args)
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn an_embedders_address_backend_takes_and_releases_the_vip_through_its_own_calls() {
    let lan = Lan::new(2);
    let dir = std::env::temp_dir().join(format!("vrrp-hook-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("log directory");
    let (log1, log2) = (dir.join("r1.log"), dir.join("r2.log"));
    let read = |path: &std::path::Path| std::fs::read_to_string(path).unwrap_or_default();
    let mut r2 = hooked_router(&lan, 2, 100, &log2);
    r2.wait_state("backup", SETTLE);
    let mut r1 = hooked_router(&lan, 1, 200, &log1);
    r1.wait_state("master", SETTLE);
    assert_eq!(read(&log1), "take 192.0.2.100/24\n");
    assert!(lan.holds(1, VIP) && !lan.holds(2, VIP));
    assert!(lan.client_pings(VIP));

    r1.signal("TERM");
    r2.wait_state("master", SETTLE);
    assert!(r1.wait_exit().success());
    assert_eq!(read(&log1), "take 192.0.2.100/24\nrelease 192.0.2.100\n");
    assert_eq!(read(&log2), "take 192.0.2.100/24\n");
    assert!(lan.holds(2, VIP) && !lan.holds(1, VIP));
    assert!(lan.client_pings(VIP));
    r2.signal("TERM");
    assert!(r2.wait_exit().success());
    std::fs::remove_dir_all(&dir).expect("removing the logs");
}

/// Runs `command` in `netns`; its standard output, or `None` when it fails.
fn run_in(netns: &harness::netns::Netns, command: &[&str]) -> Option<String> {
    let output = std::process::Command::new("ip")
        .args(["netns", "exec", &netns.name])
        .args(command)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// What a TCP connection from the client to port 9 of `address` meets within 2 s: `Ok(())` when
/// it is refused at once (a reset: the host took the packet), `Err` when it times out (dropped).
fn client_tcp_reset(lan: &Lan, address: &str) -> Result<(), Duration> {
    let started = Instant::now();
    let script = format!("exec 3<>/dev/tcp/{address}/9");
    let status = std::process::Command::new("ip")
        .args(["netns", "exec", &lan.client.name, "timeout", "2"])
        .args(["bash", "-c", &script])
        .stderr(std::process::Stdio::null())
        .status()
        .expect("running bash");
    // timeout(1) exits with 124 when the connection attempt was still waiting.
    match status.code() {
        Some(124) => Err(started.elapsed()),
        _ => Ok(()),
    }
}

/// The addresses in the Accept_Mode set of `family` in router `i`'s table, or `None` when the
/// table does not exist.
fn refused(lan: &Lan, i: usize, set: &str) -> Option<String> {
    run_in(lan.router(i), &["nft", "list", "set", "inet", "vrrp", set])
}

#[test]
#[ignore = "needs root: creates network namespaces, runs nft"]
fn v3_fsm_18_par_05_accept_mode_off_refuses_the_vip_but_not_neighbour_discovery() {
    let lan = Lan::new(2);
    let vips = DUAL_STACK;
    let mut extra = vec!["--no-accept"];
    extra.extend(vips);
    let (r1, mut r2) = elected_pair(&lan, &extra);
    assert!(lan.holds(1, VIP) && lan.holds(1, VIP6));
    let set4 = refused(&lan, 1, "unaccepted_v4").expect("the Master's table");
    assert!(set4.contains(VIP), "{set4}");
    let set6 = refused(&lan, 1, "unaccepted_v6").expect("the Master's table");
    assert!(set6.contains(VIP6), "{set6}");
    assert_eq!(
        refused(&lan, 2, "unaccepted_v4"),
        None,
        "the Backup refuses"
    );

    // Neighbour discovery and ARP still work, so the client learns the Master's MAC...
    run_in(&lan.client, &["ip", "neigh", "flush", "all"]);
    assert!(
        lan.client_pings("192.0.2.11"),
        "the Master's own address answers"
    );
    assert!(!lan.client_pings(VIP), "a ping to the VIP was answered");
    assert!(
        !lan.client_pings(VIP6),
        "a ping to the IPv6 VIP was answered"
    );
    let master = lan.router_mac(1);
    assert_eq!(lan.client_neighbour(VIP).as_deref(), Some(master.as_str()));
    assert_eq!(lan.client_neighbour(VIP6).as_deref(), Some(master.as_str()));
    // ...but TCP to the VIP is dropped, not refused, while the Master's own address still serves.
    assert!(client_tcp_reset(&lan, VIP).is_err());
    assert!(client_tcp_reset(&lan, "192.0.2.11").is_ok());

    // A killed Master's table goes with its process; the new Master refuses the VIP.
    r1.signal("KILL");
    r2.wait_state("master", SETTLE);
    assert_eq!(refused(&lan, 1, "unaccepted_v4"), None, "left behind");
    let set4 = refused(&lan, 2, "unaccepted_v4").expect("the new Master's table");
    assert!(set4.contains(VIP), "{set4}");
    assert!(!lan.client_pings(VIP));

    // A clean stop removes the table.
    r2.signal("TERM");
    assert!(r2.wait_exit().success());
    assert_eq!(refused(&lan, 2, "unaccepted_v4"), None, "left behind");

    // With Accept_Mode on, the same Master serves: the ping is answered and TCP refused at once.
    let mut r1 = router(&lan, 1, 200, &vips);
    r1.wait_state("master", SETTLE);
    assert!(lan.client_pings(VIP) && lan.client_pings(VIP6));
    assert!(client_tcp_reset(&lan, VIP).is_ok());
    assert_eq!(refused(&lan, 1, "unaccepted_v4"), None);
}

#[test]
#[ignore = "needs root: creates network namespaces, captures with tshark"]
fn v3_tx_03_with_a_virtual_mac_ipv4_and_ipv6_adverts_leave_from_it() {
    let lan = Lan::new(2);
    let extra = [&["--vmac"], &DUAL_STACK[..]].concat();
    let (_r1, _r2) = elected_pair(&lan, &extra);
    // Both families' Masters are elected once their first adverts go out; capture a second of
    // them (10 per family at 100 ms) on the client.
    let captured = Capture::start(
        &lan.client,
        1,
        "ip proto 112 or ip6 proto 112",
        None,
        &["eth.src", "ip.src", "ipv6.src"],
    )
    .finish();
    let lines: Vec<&str> = captured.lines().collect();
    let of = |source: &str| -> Vec<&str> {
        lines
            .iter()
            .filter(|line| line.split('\t').any(|field| field == source))
            .map(|line| line.split('\t').next().unwrap_or_default())
            .collect()
    };
    // VRID 51 is 0x33: 00:00:5e:00:01:33 for IPv4, 00:00:5e:00:02:33 for IPv6 (RFC 5798 §7.3).
    let v4 = of("192.0.2.11");
    let v6 = of("fe80::11");
    assert!(v4.len() >= 5 && v6.len() >= 5, "{captured}");
    assert!(
        v4.iter().all(|mac| *mac == "00:00:5e:00:01:33"),
        "{captured}"
    );
    assert!(
        v6.iter().all(|mac| *mac == "00:00:5e:00:02:33"),
        "{captured}"
    );
}

#[test]
#[ignore = "needs root: creates network namespaces, captures with tshark"]
fn v3_fsm_16_ops_08_the_master_advertises_the_router_from_the_virtual_link_local_and_mac() {
    let lan = Lan::new(2);
    let extra = [&["--vmac", "--router-advertisements", "4s"], &IPV6_VIPS[..]].concat();
    let (r1, mut r2) = elected_pair(&lan, &extra);
    // The client takes the virtual router as its default router from the Master's first
    // advertisement.
    let deadline = Instant::now() + SETTLE;
    let mut route = String::new();
    while Instant::now() < deadline {
        route = lan.client.ip(&["-6", "route", "show", "default"]);
        if route.contains("fe80::100") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        route.contains("via fe80::100") && route.contains("proto ra"),
        "{route}"
    );

    // Across a failover: the new Master advertises at once, the same advertisement as the old
    // one's (V3-OPS-08: both run the same configuration). The capture holds more than one
    // interval before the kill, so at least one of the old Master's.
    let capture = Capture::start(
        &lan.client,
        8,
        "icmp6",
        Some("icmpv6.type == 134"),
        &[
            "frame.time_epoch",
            "eth.src",
            "ipv6.src",
            "icmpv6.nd.ra.router_lifetime",
            "icmpv6.opt.prefix",
        ],
    );
    std::thread::sleep(Duration::from_millis(4500));
    let killed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970");
    r1.signal("KILL");
    r2.wait_state("master", SETTLE);
    let text = capture.finish();
    let adverts: Vec<Vec<&str>> = text
        .lines()
        .map(|line| line.split('\t').collect())
        .collect();
    assert!(!adverts.is_empty(), "no router advertisement: {text}");
    for advert in &adverts {
        assert_eq!(
            &advert[1..],
            ["00:00:5e:00:02:33", "fe80::100", "12", "2001:db8::"],
            "{text}"
        );
    }
    // One from the new Master within Master_Down_Interval of the kill (and the capture's own
    // slack); the old Master's next was up to 4 s away.
    let at = |advert: &Vec<&str>| Duration::from_secs_f64(advert[0].parse().expect("epoch"));
    assert!(
        adverts
            .iter()
            .any(|a| at(a) > killed && at(a) <= killed + MDI_100 + TOLERANCE * 3),
        "no advertisement at the takeover: {text}"
    );
    assert!(
        adverts.iter().any(|a| at(a) < killed),
        "none from the old Master: {text}"
    );
}

#[test]
#[ignore = "needs root: creates network namespaces, captures with tshark"]
fn v3_fsm_14_15_ops_06_07_the_master_joins_the_solicited_node_group_and_speaks_nd_with_the_vmac() {
    let lan = Lan::new(2);
    let extra = [
        &["--vmac", "--router-advertisements", "600s"],
        &IPV6_VIPS[..],
    ]
    .concat();
    let (_r1, _r2) = elected_pair(&lan, &extra);
    let link = lan.router(1).ip(&["-o", "link", "show", "eth0"]);
    let index = link.split(':').next().expect("an index").trim();
    let vmac = format!("vr6.{index}.51");
    let groups = lan.router(1).ip(&["-6", "maddr", "show", "dev", &vmac]);
    // The solicited-node group of 2001:db8::100 and fe80::100 (RFC 4291 §2.7.1).
    assert!(groups.contains("ff02::1:ff00:100"), "{groups}");
    // The virtual addresses skip duplicate address detection (V3-OPS-07): none is tentative.
    let addresses = lan
        .router(1)
        .ip(&["-6", "-o", "addr", "show", "dev", &vmac]);
    let vip = addresses
        .lines()
        .find(|line| line.contains("2001:db8::100/64"))
        .unwrap_or_else(|| panic!("no VIP on {vmac}: {addresses}"));
    assert!(vip.contains("nodad") && !vip.contains("tentative"), "{vip}");

    // The client resolves the VIP: the answer comes from the virtual MAC, solicited, as a router.
    run_in(&lan.client, &["ip", "neigh", "flush", "all"]);
    let capture = Capture::start(
        &lan.client,
        3,
        "icmp6",
        Some("icmpv6.type == 136 && icmpv6.nd.na.flag.s == 1"),
        &[
            "eth.src",
            "icmpv6.nd.na.target_address",
            "icmpv6.nd.na.flag.r",
            "icmpv6.opt.linkaddr",
        ],
    );
    assert!(lan.client_pings(VIP6));
    let text = capture.finish();
    let answer = text
        .lines()
        .find(|line| line.contains("2001:db8::100"))
        .unwrap_or_else(|| panic!("no solicited advertisement for the VIP: {text}"));
    let fields: Vec<&str> = answer.split('\t').collect();
    assert_eq!(
        fields,
        [
            "00:00:5e:00:02:33",
            "2001:db8::100",
            "1",
            "00:00:5e:00:02:33"
        ],
        "{text}"
    );

    // The Master resolves a host from a virtual address: its solicitation carries the virtual
    // MAC as source link-layer address, never the physical one (V3-OPS-06). Only those sent from
    // the virtual address count: the Backup, which learns the prefix from the Master's router
    // advertisements, may resolve the client from an address of its own meanwhile. The client
    // forgets the VIP too: its reachability probe would teach the Master the client's address
    // and spare it the solicitation.
    run_in(&lan.client, &["ip", "-6", "neigh", "flush", "all"]);
    lan.router(1).ip(&["-6", "neigh", "flush", "all"]);
    let capture = Capture::start(
        &lan.client,
        3,
        "icmp6",
        Some(
            "icmpv6.type == 135 && icmpv6.nd.ns.target_address == 2001:db8::50 \
             && ipv6.src == 2001:db8::100",
        ),
        &["eth.src", "icmpv6.opt.linkaddr"],
    );
    let pinged = run_in(
        lan.router(1),
        &[
            "ping",
            "-6",
            "-c",
            "1",
            "-W",
            "1",
            "-I",
            "2001:db8::100",
            "2001:db8::50",
        ],
    );
    assert!(
        pinged.is_some(),
        "the Master could not reach the client from its VIP"
    );
    let text = capture.finish();
    let solicitations: Vec<&str> = text.lines().collect();
    assert!(!solicitations.is_empty(), "no solicitation: {text}");
    for line in solicitations {
        assert_eq!(line, "00:00:5e:00:02:33\t00:00:5e:00:02:33", "{text}");
    }
}

#[test]
#[ignore = "needs root: creates network namespaces, captures with tshark"]
fn v3_ops_03_04_from_start_up_only_the_virtual_mac_speaks_for_the_vips() {
    let lan = Lan::new(2);
    let extra = [&["--vmac"], &DUAL_STACK[..]].concat();
    let filter = "arp.src.proto_ipv4 == 192.0.2.100 || icmpv6.nd.na.target_address == 2001:db8::100 \
                  || icmpv6.nd.na.target_address == fe80::100";
    let capture = Capture::start(
        &lan.client,
        8,
        "arp or icmp6",
        Some(filter),
        &[
            "eth.src",
            "arp.src.hw_mac",
            "icmpv6.nd.na.target_address",
            "icmpv6.opt.linkaddr",
        ],
    );
    // Both routers start (and the Backup restarts) while the client listens; then the client
    // resolves every address.
    let (_r1, r2) = elected_pair(&lan, &extra);
    drop(r2);
    let _r2 = router(&lan, 2, 100, &extra);
    assert!(lan.client_pings(VIP) && lan.client_pings(VIP6));
    let text = capture.finish();
    let (mut arp, mut na) = (0, 0);
    for line in text.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        if fields[1].is_empty() {
            na += 1;
            assert_eq!(
                [fields[0], fields[3]],
                ["00:00:5e:00:02:33"; 2],
                "an advertisement for {} from another MAC: {text}",
                fields[2]
            );
        } else {
            arp += 1;
            assert_eq!(
                [fields[0], fields[1]],
                ["00:00:5e:00:01:33"; 2],
                "ARP for the VIP from another MAC ({line:?}): {text}"
            );
        }
    }
    // The gratuitous ARPs and unsolicited advertisements at the takeover, and the answers.
    assert!(arp >= 2 && na >= 2, "{arp} ARP, {na} NA: {text}");
}

/// Sends, from the hub's side of router `i`'s port, an ICMP echo request from the client
/// (192.0.2.50) to 198.51.100.50 in an Ethernet frame to `mac`, with ICMP identifier `id`.
fn inject_echo(lan: &Lan, i: usize, mac: &str, id: u16) {
    let script = format!(
        r#"
import socket, struct
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
icmp = struct.pack("!BBHHH", 8, 0, 0, {id}, 1) + b"vrrp"
icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
src, dst = socket.inet_aton("192.0.2.50"), socket.inet_aton("198.51.100.50")
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), {id}, 0, 64, 1, 0, src, dst)
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
eth = bytes.fromhex("{mac}".replace(":", "")) + bytes.fromhex("020000000050") + b"\x08\x00"
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("p{i}", 0))
s.send(eth + ip + icmp)
"#
    );
    let status = std::process::Command::new("ip")
        .args(["netns", "exec", &lan.hub.name, "python3", "-c", &script])
        .status()
        .expect("python3");
    assert!(status.success(), "injecting a frame on p{i}");
}

/// A second segment behind the routers: bridge br1 in the hub, router `i`'s eth1 with
/// 198.51.100.1i/24, and a server namespace with 198.51.100.50/24; the routers forward IPv4.
fn upstream(lan: &Lan) -> harness::netns::Netns {
    let hub = &lan.hub;
    hub.ip(&["link", "add", "br1", "type", "bridge"]);
    hub.ip(&["link", "set", "br1", "up"]);
    let server = harness::netns::Netns::new("server");
    let mut ends: Vec<(&harness::netns::Netns, String, String)> = (1..=lan.routers.len())
        .map(|i| {
            (
                lan.router(i),
                format!("q{i}"),
                format!("198.51.100.1{i}/24"),
            )
        })
        .collect();
    ends.push((&server, "qs".into(), "198.51.100.50/24".into()));
    for (netns, port, address) in ends {
        let name = if netns.name == server.name {
            "eth0"
        } else {
            "eth1"
        };
        hub.add_veth(&port, netns, name);
        hub.ip(&["link", "set", &port, "master", "br1", "up"]);
        netns.ip(&["addr", "add", &address, "dev", name]);
        netns.ip(&["link", "set", name, "up"]);
        netns.wait_until_up(name);
        netns.sysctl("net.ipv4.ip_forward", "1");
    }
    server
}

/// The ICMP identifiers of the echo requests that reach the server's eth0 in `window`, each with
/// the TTL it arrived with, while `act` runs.
fn reaching_server(server: &harness::netns::Netns, act: impl FnOnce()) -> Vec<String> {
    let capture = Capture::start(
        server,
        4,
        "icmp",
        Some("icmp.type == 8"),
        &["icmp.ident", "ip.ttl"],
    );
    act();
    capture.finish().lines().map(str::to_string).collect()
}

#[test]
#[ignore = "needs root: creates network namespaces, captures with tshark, injects with python3"]
fn v3_pkt_01_fsm_06_17_the_master_forwards_frames_to_the_vmac_a_backup_and_adverts_do_not_pass() {
    let lan = Lan::new(2);
    let server = upstream(&lan);
    let vmac = "00:00:5e:00:01:33";
    let (r1, mut r2) = elected_pair(&lan, &["--vmac"]);
    // The same frame to the virtual MAC, handed to each router: the Master forwards it (TTL 63 at
    // the server), the Backup, whose virtual MAC interface exists too, drops it.
    let seen = reaching_server(&server, || {
        inject_echo(&lan, 1, vmac, 1);
        inject_echo(&lan, 2, vmac, 2);
    });
    assert_eq!(
        seen,
        ["1\t63"],
        "ids 1 (via the Master) and 2 (via the Backup)"
    );
    // Dropped by the standby rule, which holds the Backup's virtual MAC interface. The echo at
    // least: the multicast sent to every macvlan of the LAN (the IGMP reports of an interface
    // that just joined a group, say) is counted there too.
    let standby = run_in(lan.router(2), &["nft", "list", "table", "inet", "vrrp"]);
    let dropped = standby.as_deref().and_then(|table| {
        let rule = table.lines().find(|l| l.contains("iifname @standby"))?;
        let mut words = rule.split_whitespace();
        words.find(|w| *w == "packets")?;
        words.next()?.parse::<u64>().ok()
    });
    assert!(
        standby
            .as_deref()
            .is_some_and(|table| table.contains(".51\" }"))
            && dropped.is_some_and(|n| n >= 1),
        "{standby:?}"
    );
    // The routers forward IPv4 between the segments, but not the adverts of 224.0.0.18: the
    // upstream segment hears none.
    let heard = Capture::start(&server, 3, "ip proto 112", None, &["ip.src"]).finish();
    assert!(
        heard.trim().is_empty(),
        "adverts forwarded upstream: {heard}"
    );
    // Once the Backup takes over, it forwards.
    r1.signal("KILL");
    r2.wait_state("master", SETTLE);
    let seen = reaching_server(&server, || inject_echo(&lan, 2, vmac, 3));
    assert_eq!(seen, ["3\t63"]);
}

#[test]
#[ignore = "needs root: creates network namespaces, sends a neighbour advertisement with python3"]
fn v3_9568_11_master_and_backup_take_a_hosts_unsolicited_neighbour_advertisement() {
    let lan = Lan::new(2);
    let extra = [&["--vmac", "--no-accept"], &IPV6_VIPS[..]].concat();
    let (_r1, _r2) = elected_pair(&lan, &extra);
    // Both routers know the client's MAC.
    for i in 1..=2 {
        assert!(
            run_in(
                lan.router(i),
                &["ping", "-6", "-c", "1", "-W", "1", "fe80::50%eth0"]
            )
            .is_some()
        );
    }
    // The client's interface changes its MAC and says so with an unsolicited, overriding
    // neighbour advertisement to all nodes (RFC 4861 §7.2.6).
    let new_mac = "02:00:00:00:05:50";
    lan.client.ip(&["link", "set", "eth0", "address", new_mac]);
    let script = format!(
        r#"
import socket, struct
mac = bytes.fromhex("{mac}".replace(":", ""))
src = socket.inet_pton(socket.AF_INET6, "fe80::50")
dst = socket.inet_pton(socket.AF_INET6, "ff02::1")
body = struct.pack("!BBHI", 136, 0, 0, 0x20000000) + src + bytes([2, 1]) + mac
pseudo = src + dst + struct.pack("!I3xB", len(body), 58)
data = pseudo + body
total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
while total >> 16: total = (total & 0xffff) + (total >> 16)
body = body[:2] + struct.pack("!H", ~total & 0xffff) + body[4:]
ip6 = struct.pack("!IHBB", 6 << 28, len(body), 58, 255) + src + dst
eth = bytes.fromhex("333300000001") + mac + b"\x86\xdd"
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
s.send(eth + ip6 + body)
"#,
        mac = new_mac
    );
    let status = std::process::Command::new("ip")
        .args(["netns", "exec", &lan.client.name, "python3", "-c", &script])
        .status()
        .expect("python3");
    assert!(status.success());
    std::thread::sleep(Duration::from_millis(300));
    for i in 1..=2 {
        let entry = lan
            .router(i)
            .ip(&["-6", "neigh", "show", "fe80::50", "dev", "eth0"]);
        assert!(entry.contains(new_mac), "router {i}: {entry}");
    }
}

#[test]
#[ignore = "needs root: creates network namespaces and a tun device"]
fn v3_9568_06_a_virtual_mac_needs_an_ieee_802_interface() {
    let netns = harness::netns::Netns::new("tun");
    netns.ip(&["tuntap", "add", "dev", "tun0", "mode", "tun"]);
    netns.ip(&["addr", "add", "192.0.2.1/24", "dev", "tun0"]);
    netns.ip(&["link", "set", "tun0", "up"]);
    let args = router_args("100", &["--interface", "tun0", "--vmac"]);
    // router_args names eth0 first; the later --interface wins.
    let (code, stderr) = harness::lan::failover_exit(&netns, &[], &args);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("tun0 has no Ethernet address, so it cannot carry a virtual MAC"),
        "{stderr}"
    );
    // Nothing was created.
    let links = netns.ip(&["-o", "link", "show"]);
    assert_eq!(links.lines().count(), 2, "{links}");
}
