//! Many virtual routers in one `vrrpd` per host: two hosts joined by `VRRP_SCALE_LINKS` links
//! (default 4) with 250 VRIDs each (1,000 routers at the default) at 1 s adverts, from a generated
//! keepalived.conf. The Master's host starts first, the Backup's once it is elected. Checks that
//! every router is elected within Master_Down_Interval (plus a slack), that nothing moves while
//! the LAN is stable for `VRRP_SCALE_STABLE_SECONDS` (default 10), that a SIGKILL of the Master
//! hands every address to the Backup, and prints the times, the CPU and the memory it took (the
//! benchmark runs 16 links, 4,000 routers, stable for 60 s, in release mode). Root only, so
//! ignored by a plain `cargo test`.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::lan::Failover;
use common::netns::Netns;

const VRIDS_PER_LINK: u32 = 250;
/// What the deadlines may be missed by in this test: the issue's target is one second, for a
/// release build; the test runs a debug one on a machine that may be busy.
const SLACK: Duration = Duration::from_secs(3);

/// The number in environment variable `name`, or `default`.
fn setting(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The keepalived.conf of one host: a router per (link, VRID) with `priority`, each with its own
/// virtual address in 198.18.0.0/15.
fn config(links: u32, priority: u8) -> String {
    let mut text = String::from("global_defs {\n    vrrp_version 3\n}\n");
    for link in 0..links {
        for vrid in 1..=VRIDS_PER_LINK {
            let n = link * VRIDS_PER_LINK + vrid - 1;
            let [_, third, high, low] = n.to_be_bytes();
            text.push_str(&format!(
                "vrrp_instance L{link}V{vrid} {{\n    state BACKUP\n    interface s{link}\n    \
                 virtual_router_id {vrid}\n    priority {priority}\n    advert_int 1\n    \
                 virtual_ipaddress {{\n        198.{}.{high}.{low}/32\n    }}\n}}\n",
                18 + third
            ));
        }
    }
    text
}

/// Reads `process`'s event lines until `count` of them contain every one of `parts`, or
/// `timeout`; returns when the last one came, or `None`.
fn wait_count(
    process: &mut Failover,
    parts: &[&str],
    count: usize,
    timeout: Duration,
) -> Option<Instant> {
    let deadline = Instant::now() + timeout;
    let matches = |line: &str| parts.iter().all(|p| line.contains(p));
    let mut seen = process
        .seen
        .iter()
        .filter(|(_, line)| matches(line))
        .count();
    while Instant::now() < deadline {
        process.collect(Duration::from_millis(50));
        let now_seen: Vec<Instant> = process
            .seen
            .iter()
            .filter(|(_, line)| matches(line))
            .map(|(at, _)| *at)
            .collect();
        seen = now_seen.len();
        if seen >= count {
            return now_seen.get(count - 1).copied();
        }
    }
    eprintln!("only {seen} of {count} lines with {parts:?}");
    None
}

/// User plus system CPU time of process `pid` so far.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the process's stat");
    // The fields after the command name, which ends with the last ')'.
    let fields: Vec<&str> = stat[stat.rfind(')').expect("a command name") + 2..]
        .split_whitespace()
        .collect();
    let ticks: u64 =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    // USER_HZ is 100 on Linux.
    Duration::from_millis(ticks * 10)
}

/// The resident memory of process `pid`, in KiB: `field` of its status (`VmRSS`, `RssAnon`).
fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("the field")
}

/// The resident memory of process `pid` (VmRSS), and of that the anonymous part (the heap and
/// stacks, without the program's own pages), in KiB.
fn rss_kib(pid: u32) -> (u64, u64) {
    (status_kib(pid, "VmRSS"), status_kib(pid, "RssAnon"))
}

/// Waits until every one of `routers` of `process` is Master, checks that `host` holds every
/// virtual address, and that it took less than `bound` (plus [`SLACK`]) from `since`; returns how
/// long it took.
fn all_master(
    process: &mut Failover,
    host: &Netns,
    routers: usize,
    since: Instant,
    bound: Duration,
) -> Duration {
    let at = wait_count(
        process,
        &[r#""to":"master""#],
        routers,
        Duration::from_secs(30),
    )
    .expect("every router becomes Master");
    assert_eq!(virtual_addresses(host), routers);
    let took = at - since;
    // Generous: a debug build on a loaded machine; the benchmark reports the release figures.
    assert!(took < bound + SLACK, "took {took:?}");
    took
}

fn virtual_addresses(host: &Netns) -> usize {
    host.ip(&["-o", "-4", "address", "show"])
        .lines()
        .filter(|l| l.contains(" 198.1"))
        .count()
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn thousands_of_routers_elect_stay_put_and_fail_over_within_their_deadlines() {
    let links = setting("VRRP_SCALE_LINKS", 4);
    let routers = (links * VRIDS_PER_LINK) as usize;
    let a = Netns::new("scale-a");
    let b = Netns::new("scale-b");
    for link in 0..links {
        let name = format!("s{link}");
        a.ip(&[
            "link", "add", &name, "type", "veth", "peer", "name", &name, "netns", &b.name,
        ]);
        a.configure(&name, "192.0.2.1/24", "fe80::1/64");
        b.configure(&name, "192.0.2.2/24", "fe80::2/64");
        a.wait_until_up(&name);
        b.wait_until_up(&name);
    }
    let dir = std::env::temp_dir().join(format!("vrrp-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("configuration directory");
    let (conf_a, conf_b) = (dir.join("a.conf"), dir.join("b.conf"));
    std::fs::write(&conf_a, config(links, 200)).expect("a.conf");
    std::fs::write(&conf_b, config(links, 100)).expect("b.conf");
    let vrrpd = |host: &Netns, conf: &Path| {
        Failover::start_program(
            Path::new(env!("CARGO_BIN_EXE_vrrpd")),
            host,
            &[
                "--events",
                "--config",
                conf.to_str().expect("UTF-8"),
                "--control",
                conf.with_extension("sock").to_str().expect("UTF-8"),
            ],
        )
    };

    // Master_Down_Interval at 1 s: 3.22 s at priority 200, 3.61 s at 100.
    // The Master's host first, then the Backup's, as the other namespace tests do: both at once,
    // 4,000 routers' start-up (about a second) plus their takeovers can outlast the Backup's
    // Master_Down_Interval, and the Backup briefly takes over the last ones (BENCHMARKS.md).
    let started = Instant::now();
    let mut master = vrrpd(&a, &conf_a);
    let elected = all_master(
        &mut master,
        &a,
        routers,
        started,
        Duration::from_millis(3_220),
    );
    println!(
        "{routers} routers: all Master {:.2} s after start (Master_Down_Interval 3.22 s)",
        elected.as_secs_f64()
    );

    let mut backup = vrrpd(&b, &conf_b);
    wait_count(
        &mut backup,
        &[r#""to":"backup""#],
        routers,
        Duration::from_secs(30),
    )
    .expect("every router of the lower priority becomes Backup");

    // Stable: no transition on either side, and the Master's steady-state cost.
    backup.collect(Duration::from_millis(200));
    let window = Duration::from_secs(setting("VRRP_SCALE_STABLE_SECONDS", 10).into());
    let (cpu_before, from) = (cpu_time(master.pid()), Instant::now());
    master.collect(window);
    backup.collect(Duration::from_millis(10));
    let cpu = cpu_time(master.pid()) - cpu_before;
    let share = cpu.as_secs_f64() / from.elapsed().as_secs_f64() * 100.0;
    let ((rss_master, anon_master), (rss_backup, anon_backup)) =
        (rss_kib(master.pid()), rss_kib(backup.pid()));
    println!(
        "steady state over {window:?}: Master {share:.2} % of a core, RSS Master {rss_master} KiB \
         ({anon_master} anonymous), Backup {rss_backup} KiB ({anon_backup} anonymous)"
    );
    let moved = |process: &Failover, since: Option<Instant>| -> Vec<String> {
        process
            .seen
            .iter()
            .filter(|(at, line)| {
                since.is_none_or(|since| *at >= since) && line.contains(r#""event":"state""#)
            })
            .map(|(_, line)| line.clone())
            .collect()
    };
    for (name, process) in [("Master", &master), ("Backup", &backup)] {
        let lines = moved(process, Some(from));
        assert!(
            lines.is_empty(),
            "{} transitions on the {name} while the LAN was stable, the first: {:?}",
            lines.len(),
            &lines[..lines.len().min(3)]
        );
    }
    assert_eq!(
        moved(&backup, None).len(),
        routers,
        "the Backup's routers went to Backup once each"
    );

    let killed = master.signal("KILL");
    let took_over = all_master(
        &mut backup,
        &b,
        routers,
        killed,
        Duration::from_millis(3_610),
    );
    println!(
        "SIGKILL of the Master: all {routers} taken over after {:.2} s (Master_Down_Interval 3.61 s)",
        took_over.as_secs_f64()
    );
    backup.signal("TERM");
    assert!(backup.wait_exit().success());
    let _ = master.wait_exit();
    std::fs::remove_dir_all(&dir).expect("removing the configurations");
}
