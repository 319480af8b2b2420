//! The `vrrpd` program on real interfaces, from the nginx sample configurations
//! (`tests/keepalived-conf/nginx-*.conf`) with only what a test must change: the interface (eth0
//! for veth0, also in the address label), the health-check script (a test of a file the test
//! creates) and the notify script (one that logs its arguments). Root only, so ignored by a plain
//! `cargo test`; the README's second test command runs them.
//!
//! The samples give the master priority 150, the backup 100 and the script weight −60: a failing
//! check takes the master to 90, below the backup. VRRPv2 at 1 s: Master_Down_Interval 3.609 s
//! for the backup at 100.

use crate::harness;

use std::path::{Path, PathBuf};
use std::time::Duration;

use harness::keepalived::Keepalived;
use harness::lan::{Failover, Lan};

const VIP: &str = "192.0.2.100";
const SETTLE: Duration = Duration::from_secs(12);

/// A directory for one test's scripts and files.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("vrrp-vrrpd-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        let notify = dir.join("notify.sh");
        std::fs::write(
            &notify,
            format!("#!/bin/sh\necho \"$@\" >> {}/notify.log\n", dir.display()),
        )
        .expect("notify script");
        std::process::Command::new("chmod")
            .args(["755"])
            .arg(&notify)
            .status()
            .expect("chmod");
        Self(dir)
    }

    /// The sample `name` with the test's interface and scripts, and each of `changes` (text
    /// replaced) made.
    fn config(&self, name: &str, role: &str, changes: &[(&str, &str)]) -> PathBuf {
        let sample = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/keepalived-conf")
            .join(name);
        let mut text = std::fs::read_to_string(&sample)
            .expect("the sample")
            .replace("veth0", "eth0")
            .replace(
                "/usr/local/bin/check-proxy.sh",
                &format!("/usr/bin/test ! -e {}/{role}.fail", self.0.display()),
            )
            .replace(
                "/usr/local/bin/notify.sh",
                &format!("{}/notify.sh {role}", self.0.display()),
            );
        for (from, to) in changes {
            assert!(text.contains(from), "{name} has {from:?}");
            text = text.replace(from, to);
        }
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("the test's configuration");
        path
    }

    fn fail(&self, role: &str, failing: bool) {
        let flag = self.0.join(format!("{role}.fail"));
        if failing {
            std::fs::write(flag, "").expect("fail flag");
        } else {
            std::fs::remove_file(flag).expect("fail flag");
        }
    }

    fn notify_log(&self) -> String {
        std::fs::read_to_string(self.0.join("notify.log")).unwrap_or_default()
    }

    /// Waits until the notify log has `count` lines starting with `prefix`: notify scripts run
    /// after the transition, on a thread of their own.
    fn wait_for_notifications(&self, prefix: &str, count: usize) {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while self
            .notify_log()
            .lines()
            .filter(|l| l.starts_with(prefix))
            .count()
            < count
        {
            assert!(
                std::time::Instant::now() < deadline,
                "fewer than {count} {prefix:?} notifications: {}",
                self.notify_log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The control socket of a vrrpd running `config`: next to it, one per file.
fn control_socket(config: &Path) -> PathBuf {
    config.with_extension("sock")
}

fn vrrpd(lan: &Lan, router: usize, config: &Path) -> Failover {
    let control = control_socket(config);
    let config = config.to_str().expect("a UTF-8 path");
    Failover::start_program(
        Path::new(env!("CARGO_BIN_EXE_vrrpd")),
        lan.router(router),
        &[
            "--events",
            "--config",
            config,
            "--control",
            control.to_str().expect("a UTF-8 path"),
        ],
    )
}

/// Starts vrrpd on router 1 with `master_conf` until it is Master, then on router 2 with
/// `backup_conf` until it is Backup.
fn elect(lan: &Lan, master_conf: &Path, backup_conf: &Path) -> (Failover, Failover) {
    let mut master = vrrpd(lan, 1, master_conf);
    master.wait_state("master", SETTLE);
    let mut backup = vrrpd(lan, 2, backup_conf);
    backup.wait_state("backup", SETTLE);
    (master, backup)
}

/// Gives router 1 a second link, `t0`, up, whose peer `t1` the test can take down.
fn second_link(lan: &Lan) {
    let r1 = lan.router(1);
    r1.ip(&["link", "add", "t0", "type", "veth", "peer", "name", "t1"]);
    r1.ip(&["link", "set", "t0", "up"]);
    r1.ip(&["link", "set", "t1", "up"]);
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_vrrpd_pair_from_the_nginx_samples_elects_and_fails_over_on_health_and_on_kill() {
    let scratch = Scratch::new("pair");
    // The master's transitions also go to a notify FIFO, read by a script vrrpd starts.
    let reader = scratch.0.join("fifo-reader.sh");
    let fifo_log = scratch.0.join("fifo.log");
    std::fs::write(
        &reader,
        format!("#!/bin/sh\nexec cat \"$1\" >> {}\n", fifo_log.display()),
    )
    .expect("reader");
    std::process::Command::new("chmod")
        .arg("755")
        .arg(&reader)
        .status()
        .expect("chmod");
    let fifo_lines = format!(
        "router_id LB_01\n   vrrp_notify_fifo {}\n   vrrp_notify_fifo_script {}",
        scratch.0.join("vrrp.fifo").display(),
        reader.display()
    );
    let master_conf = scratch.config(
        "nginx-master.conf",
        "master",
        &[("router_id LB_01", &fifo_lines)],
    );
    let backup_conf = scratch.config("nginx-backup.conf", "backup", &[]);
    let lan = Lan::new(2);
    let (mut master, mut backup) = elect(&lan, &master_conf, &backup_conf);
    assert!(lan.holds(1, VIP) && !lan.holds(2, VIP));
    let labelled = lan
        .router(1)
        .ip(&["-o", "-4", "addr", "show", "label", "eth0:1"]);
    assert!(labelled.contains(VIP), "the label is applied: {labelled}");
    assert!(lan.client_pings(VIP));

    // The master's health check fails: after `fall 3` its priority is 90 and the backup preempts.
    scratch.fail("master", true);
    backup.wait_state("master", SETTLE);
    master.wait_state("backup", SETTLE);
    assert!(lan.holds(2, VIP) && !lan.holds(1, VIP));

    // Healthy again (`rise 2`): 150 preempts back.
    scratch.fail("master", false);
    master.wait_state("master", SETTLE);
    backup.wait_state("backup", SETTLE);

    // SIGKILL: the backup takes over within its Master_Down_Interval (plus slack). Killed before
    // its notify thread ran, the master would not log its last transition.
    scratch.wait_for_notifications("master ", 4);
    // keepalived's FIFO lines, with the priority of each moment: 90 while the check failed.
    let expected = "INSTANCE \"VI_1\" BACKUP 150\nINSTANCE \"VI_1\" MASTER 150\n\
                    INSTANCE \"VI_1\" BACKUP 90\nINSTANCE \"VI_1\" MASTER 150\n";
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let read = std::fs::read_to_string(&fifo_log).unwrap_or_default();
        if read == expected {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline && expected.starts_with(&read),
            "the FIFO's reader got {read:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = master.signal("KILL");
    let took_over = backup.wait_state("master", SETTLE);
    assert!(took_over - killed <= Duration::from_millis(3609 + 200));
    assert!(lan.holds(2, VIP));

    // The notify scripts ran with keepalived's arguments, in each daemon's order.
    scratch.wait_for_notifications("backup ", 4);
    let log = scratch.notify_log();
    let of = |role: &str| -> Vec<String> {
        log.lines()
            .filter(|l| l.starts_with(role))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        of("master "),
        [
            "master backup",
            "master master",
            "master backup",
            "master master"
        ],
        "{log}"
    );
    assert_eq!(
        of("backup "),
        [
            "backup backup",
            "backup master",
            "backup backup",
            "backup master"
        ],
        "{log}"
    );
}

/// `vrrp_startup_delay`: the instances start that long after vrrpd, so a lone router is Master
/// after the delay plus its Master_Down_Interval; a SIGTERM during the delay stops vrrpd at once.
#[test]
#[ignore = "needs root: creates network namespaces"]
fn the_instances_start_after_vrrp_startup_delay_and_a_signal_meanwhile_stops_vrrpd_at_once() {
    let scratch = Scratch::new("startup-delay");
    let conf = scratch.config(
        "nginx-master.conf",
        "master",
        &[(
            "router_id LB_01",
            "router_id LB_01\n   vrrp_startup_delay 2",
        )],
    );
    let lan = Lan::new(1);
    let started = std::time::Instant::now();
    let mut alone = vrrpd(&lan, 1, &conf);
    let master = alone.wait_state("master", SETTLE);
    // Master_Down_Interval at priority 150 and 1 s adverts: 3 s + (256 - 150)/256 s.
    let down_interval = Duration::from_millis(3414);
    let took = master - started;
    assert!(
        took >= Duration::from_secs(2) + down_interval,
        "Master after {took:?}"
    );
    assert!(took <= Duration::from_secs(2) + down_interval + Duration::from_secs(2));
    alone.signal("KILL");
    alone.wait_exit();

    let mut waiting = vrrpd(&lan, 1, &conf);
    std::thread::sleep(Duration::from_millis(500));
    let stopped = waiting.signal("TERM");
    let status = waiting.wait_exit();
    assert!(stopped.elapsed() < Duration::from_secs(1), "{status}");
    assert!(status.success(), "{status}");
    assert!(!lan.holds(1, VIP));
}

/// `(policy, real-time priority)` of thread `tid` of process `pid`, from its stat line.
fn thread_policy(pid: u32, tid: u32) -> (u32, u32) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/stat")).expect("stat");
    // The fields after the command's closing parenthesis start at field 3.
    let fields: Vec<&str> = stat[stat.rfind(')').expect("comm") + 2..]
        .split_whitespace()
        .collect();
    let field = |n: usize| fields[n - 3].parse().expect("a number");
    (field(41), field(40))
}

/// `vrrp_rt_priority`, `vrrp_no_swap`, `vrrp_cpu_affinity` and `vrrp_priority`: the thread that
/// runs the routers is SCHED_RR at the priority asked, on the CPU asked, with the process's memory
/// locked; vrrpd's other threads stay at normal priority; and the router still elects.
#[test]
#[ignore = "needs root: creates network namespaces"]
fn the_scheduling_keywords_apply_to_the_routers_thread_only() {
    let scratch = Scratch::new("scheduling");
    let conf = scratch.config(
        "nginx-master.conf",
        "master",
        &[(
            "router_id LB_01",
            "router_id LB_01\n   vrrp_rt_priority 10\n   vrrp_rlimit_rttime 50000\n   \
             vrrp_no_swap\n   vrrp_cpu_affinity 0\n   vrrp_priority -5",
        )],
    );
    let lan = Lan::new(1);
    let mut alone = vrrpd(&lan, 1, &conf);
    alone.wait_state("master", SETTLE);
    let pid = alone.pid();
    const SCHED_RR: u32 = 2;
    assert_eq!(
        thread_policy(pid, pid),
        (SCHED_RR, 10),
        "the routers' thread"
    );
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let locked: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmLck:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("VmLck");
    assert!(locked > 0, "no memory locked: {status}");
    let main = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/status")).expect("status");
    assert!(
        main.lines()
            .any(|l| l.starts_with("Cpus_allowed_list:") && l.trim_end().ends_with("\t0")),
        "{main}"
    );
    let others: Vec<u32> = std::fs::read_dir(format!("/proc/{pid}/task"))
        .expect("tasks")
        .filter_map(|t| t.ok()?.file_name().to_str()?.parse().ok())
        .filter(|&tid| tid != pid)
        .collect();
    assert!(!others.is_empty());
    for tid in others {
        assert_eq!(thread_policy(pid, tid).0, 0, "thread {tid} is SCHED_OTHER");
    }
}

/// `max_auto_priority`: a deadline served late by `min_auto_priority_delay` or more (vrrpd stopped
/// with SIGSTOP, here) raises the routers' thread to real-time at that priority, once, reported as
/// an event.
#[test]
#[ignore = "needs root: creates network namespaces"]
fn deadlines_served_late_raise_the_routers_thread_to_real_time_up_to_max_auto_priority() {
    let scratch = Scratch::new("auto-priority");
    let conf = scratch.config(
        "nginx-master.conf",
        "master",
        &[(
            "router_id LB_01",
            "router_id LB_01\n   max_auto_priority 2\n   min_auto_priority_delay 200000",
        )],
    );
    let lan = Lan::new(1);
    let mut alone = vrrpd(&lan, 1, &conf);
    alone.wait_state("master", SETTLE);
    let pid = alone.pid();
    assert_eq!(
        thread_policy(pid, pid),
        (0, 0),
        "not real-time before it is late"
    );
    for stop in 1..=2 {
        alone.signal("STOP");
        std::thread::sleep(Duration::from_millis(1500));
        alone.signal("CONT");
        if stop == 1 {
            alone.wait_for(
                &[r#""event":"realtime_raised""#, r#""priority":2"#],
                Duration::from_secs(5),
            );
        }
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(thread_policy(pid, pid), (2, 2), "after stop {stop}");
    }
    alone.collect(Duration::from_millis(200));
    let raised = (alone.seen.iter())
        .filter(|(_, line)| line.contains("realtime_raised"))
        .count();
    assert_eq!(raised, 1, "raised once: {:#?}", alone.seen);
}

#[test]
#[ignore = "needs root and keepalived: creates network namespaces"]
fn keepalived_running_nginx_backup_conf_pairs_with_vrrpd_running_nginx_master_conf() {
    let scratch = Scratch::new("mixed");
    let master_conf = scratch.config("nginx-master.conf", "master", &[]);
    let backup_conf = scratch.config("nginx-backup.conf", "backup", &[]);
    let lan = Lan::new(2);
    let backup_text = std::fs::read_to_string(&backup_conf).expect("backup conf");
    let mut keepalived = Keepalived::start(lan.router(2), &backup_text);
    keepalived.wait_state("VI_1", "BACKUP", SETTLE);
    let mut master = vrrpd(&lan, 1, &master_conf);
    master.wait_state("master", SETTLE);
    std::thread::sleep(Duration::from_secs(2));
    assert!(lan.holds(1, VIP) && !lan.holds(2, VIP));

    let killed = master.signal("KILL");
    let took_over = keepalived.wait_state("VI_1", "MASTER", SETTLE);
    assert!(took_over - killed <= Duration::from_millis(3609 + 200));
    assert!(lan.holds(2, VIP));

    let mut master = vrrpd(&lan, 1, &master_conf);
    master.wait_state("master", SETTLE);
    keepalived.wait_state("VI_1", "BACKUP", SETTLE);
    let stats = keepalived.stats(1);
    let errors = keepalived.protocol_errors(&stats);
    assert_eq!(errors, Vec::<String>::new());
    let ours = harness::lan::protocol_errors(&master.stats());
    assert_eq!(ours, Vec::<String>::new());
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn tracked_files_and_interfaces_move_the_master_as_in_keepalived() {
    let scratch = Scratch::new("track");
    let lan = Lan::new(2);
    // r1 tracks a second link (t0, whose peer t1 the test takes down) and a file.
    second_link(&lan);
    let r1 = lan.router(1);
    let file = scratch.0.join("weight");
    std::fs::write(&file, "0\n").expect("track file");
    let conf = |priority: u8, tracking: &str| {
        format!(
            "vrrp_track_file load {{\n    file {}\n    weight -60\n}}\n\
             vrrp_instance VI_T {{\n    interface eth0\n    virtual_router_id 52\n    \
             priority {priority}\n    advert_int 0.1\n    version 3\n    \
             virtual_ipaddress {{\n        192.0.2.100/24\n    }}\n{tracking}}}\n",
            file.display()
        )
    };
    let r1_conf = scratch.0.join("r1.conf");
    std::fs::write(
        &r1_conf,
        conf(
            150,
            &format!(
                "    track_interface {{\n        t0\n    }}\n    track_file {{\n        load\n    }}\n    \
                 notify \"{}/notify.sh r1\"\n",
                scratch.0.display()
            ),
        ),
    )
    .expect("r1.conf");
    let r2_conf = scratch.0.join("r2.conf");
    std::fs::write(&r2_conf, conf(100, "")).expect("r2.conf");
    let (mut first, mut second) = elect(&lan, &r1_conf, &r2_conf);

    // The file says 1: 150 - 60 = 90 < 100.
    std::fs::write(&file, "1\n").expect("track file");
    second.wait_state("master", SETTLE);
    first.wait_state("backup", SETTLE);
    std::fs::write(&file, "0\n").expect("track file");
    first.wait_state("master", SETTLE);
    second.wait_state("backup", SETTLE);

    // The tracked link loses its carrier: Fault, and the backup takes over.
    r1.ip(&["link", "set", "t1", "down"]);
    first.wait_state("fault", SETTLE);
    second.wait_state("master", SETTLE);
    assert!(!lan.holds(1, VIP) && lan.holds(2, VIP));
    r1.ip(&["link", "set", "t1", "up"]);
    first.wait_state("master", SETTLE);
    second.wait_state("backup", SETTLE);

    // Deleted, then created again under its name (a new index): followed, Fault until it is up.
    r1.ip(&["link", "del", "t0"]);
    first.wait_state("fault", SETTLE);
    second.wait_state("master", SETTLE);
    second_link(&lan);
    first.wait_state("master", SETTLE);
    second.wait_state("backup", SETTLE);

    // `notify` got every transition with keepalived's arguments, and the stop ran before exit.
    first.signal("TERM");
    assert!(first.wait_exit().success());
    let log = scratch.notify_log();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(
        lines,
        [
            "r1 INSTANCE VI_T BACKUP 150",
            "r1 INSTANCE VI_T MASTER 150",
            // keepalived passes the effective priority: 150 - 60 while the file says 1.
            "r1 INSTANCE VI_T BACKUP 90",
            "r1 INSTANCE VI_T MASTER 150",
            "r1 INSTANCE VI_T FAULT 150",
            "r1 INSTANCE VI_T BACKUP 150",
            "r1 INSTANCE VI_T MASTER 150",
            "r1 INSTANCE VI_T FAULT 150",
            "r1 INSTANCE VI_T BACKUP 150",
            "r1 INSTANCE VI_T MASTER 150",
            "r1 INSTANCE VI_T STOP 150",
        ],
        "{log}"
    );
}

/// `sleep` with arguments no other process has: 1000 s plus a fraction made of this test's
/// process id (GNU sleep adds its arguments up).
fn sleeper(tag: &str) -> std::process::Child {
    std::process::Command::new("sleep")
        .args(["1000", tag])
        .spawn()
        .expect("sleep")
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_tracked_process_moves_the_master_when_it_stops_and_when_it_runs_again() {
    let scratch = Scratch::new("process");
    let lan = Lan::new(2);
    let tag = format!("0.{}", std::process::id());
    let mut process = sleeper(&tag);
    let instance = |priority: u8, tracking: &str| {
        format!(
            "vrrp_instance VI_P {{\n    interface eth0\n    virtual_router_id 53\n    \
             priority {priority}\n    advert_int 0.1\n    version 3\n    \
             virtual_ipaddress {{\n        192.0.2.100/24\n    }}\n{tracking}}}\n"
        )
    };
    // A sleep with another last argument is not the one tracked.
    let decoy_tag = format!("{tag}1");
    let mut decoy = sleeper(&decoy_tag);
    let r1_conf = scratch.0.join("r1.conf");
    std::fs::write(
        &r1_conf,
        format!(
            "vrrp_track_process sleeper {{\n    process sleep 1000 {tag}\n    weight -60\n}}\n{}",
            instance(150, "    track_process {\n        sleeper\n    }\n")
        ),
    )
    .expect("r1.conf");
    let r2_conf = scratch.0.join("r2.conf");
    std::fs::write(&r2_conf, instance(100, "")).expect("r2.conf");
    let (mut first, mut second) = elect(&lan, &r1_conf, &r2_conf);
    assert!(lan.holds(1, VIP) && !lan.holds(2, VIP));

    // The process ends: 150 - 60 = 90 < 100, within a scan (1 s) and the backup's skew.
    process.kill().expect("kill sleep");
    process.wait().expect("reap sleep");
    second.wait_state("master", SETTLE);
    first.wait_state("backup", SETTLE);
    assert!(lan.holds(2, VIP) && !lan.holds(1, VIP));
    // The decoy still runs and changes nothing.
    std::thread::sleep(Duration::from_secs(3));
    assert!(lan.holds(2, VIP) && !lan.holds(1, VIP));

    // Running again: 150 preempts.
    let mut process = sleeper(&tag);
    first.wait_state("master", SETTLE);
    second.wait_state("backup", SETTLE);
    assert!(lan.holds(1, VIP) && !lan.holds(2, VIP));
    for child in [&mut process, &mut decoy] {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// A VRRPv3 instance at 100 ms on eth0 that logs its transitions with `notify.sh r1`.
fn instance(scratch: &Scratch, name: &str, vrid: u8, priority: u8, vips: &[&str]) -> String {
    format!(
        "vrrp_instance {name} {{\n    interface eth0\n    virtual_router_id {vrid}\n    \
         priority {priority}\n    advert_int 0.1\n    version 3\n    virtual_ipaddress {{\n        {}\n    }}\n    \
         notify \"{}/notify.sh r1\"\n}}\n",
        vips.join("\n        "),
        scratch.0.display()
    )
}

/// Waits until a line with each of the `wanted` parts has been seen (in any order) since line
/// `from` of `daemon`'s output.
fn wait_all(daemon: &mut Failover, from: usize, wanted: &[&[&str]], timeout: Duration) {
    let deadline = std::time::Instant::now() + timeout;
    let seen = |daemon: &Failover, parts: &[&str]| {
        daemon.seen[from..]
            .iter()
            .any(|(_, line)| parts.iter().all(|p| line.contains(p)))
    };
    while !wanted.iter().all(|parts| seen(daemon, parts)) {
        assert!(
            std::time::Instant::now() < deadline,
            "not all of {wanted:?} within {timeout:?}; seen: {:#?}",
            &daemon.seen[from..]
        );
        daemon.collect(Duration::from_millis(50));
    }
}

/// The lines of `ip monitor address` in `netns` while it runs; `stop` ends it.
struct AddressMonitor(std::process::Child, PathBuf);

impl AddressMonitor {
    fn start(netns: &harness::netns::Netns, file: PathBuf) -> Self {
        let out = std::fs::File::create(&file).expect("monitor output");
        let child = std::process::Command::new("ip")
            .args(["-n", &netns.name, "monitor", "address"])
            .stdout(out)
            .spawn()
            .expect("ip monitor");
        // Let it subscribe before anything happens.
        std::thread::sleep(Duration::from_millis(300));
        Self(child, file)
    }

    fn stop(mut self) -> String {
        let _ = self.0.kill();
        let _ = self.0.wait();
        std::fs::read_to_string(&self.1).expect("monitor output")
    }
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn sighup_reload_keeps_unchanged_instances_and_their_addresses_and_applies_the_rest() {
    let scratch = Scratch::new("reload");
    let lan = Lan::new(2);
    let keep = instance(&scratch, "VI_KEEP", 10, 150, &["192.0.2.110/24"]);
    let v6 = |priority| {
        instance(
            &scratch,
            "VI_NEW6",
            13,
            priority,
            &["fe80::113/64", "2001:db8::113/64"],
        )
    };
    let before = [
        keep.clone(),
        instance(&scratch, "VI_CHANGE", 11, 150, &["192.0.2.111/24"]),
        instance(&scratch, "VI_GONE", 12, 150, &["192.0.2.112/24"]),
        // Deleted too, and says so: `notify_deleted`.
        instance(&scratch, "VI_DELETED", 15, 150, &["192.0.2.115/24"])
            .replace("    advert_int", "    notify_deleted\n    advert_int"),
    ]
    .concat();
    let r1_conf = scratch.0.join("r1.conf");
    std::fs::write(&r1_conf, &before).expect("r1.conf");
    // r2 runs the IPv6 router that r1 adds on reload, at a higher priority: r1's new router stays
    // Backup only if the IPv6 socket opened by the reload receives.
    let r2_conf = scratch.0.join("r2.conf");
    std::fs::write(&r2_conf, v6(200).replace("r1", "r2")).expect("r2.conf");
    let mut r2 = vrrpd(&lan, 2, &r2_conf);
    r2.wait_state("master", SETTLE);
    let mut r1 = vrrpd(&lan, 1, &r1_conf);
    let master = |vrid: &str| [format!(r#""vrid":{vrid},"#), r#""to":"master""#.to_string()];
    let patterns =
        |list: &[[String; 2]]| -> Vec<Vec<String>> { list.iter().map(|p| p.to_vec()).collect() };
    let wait = |daemon: &mut Failover, from: usize, wanted: &[Vec<String>]| {
        let wanted: Vec<Vec<&str>> = wanted
            .iter()
            .map(|p| p.iter().map(String::as_str).collect())
            .collect();
        let wanted: Vec<&[&str]> = wanted.iter().map(Vec::as_slice).collect();
        wait_all(daemon, from, &wanted, SETTLE);
    };
    wait(
        &mut r1,
        0,
        &patterns(&[master("10"), master("11"), master("12"), master("15")]),
    );
    scratch.wait_for_notifications("r1 ", 8);

    // Reload: VI_KEEP unchanged, VI_CHANGE's priority changed, VI_GONE and VI_DELETED removed,
    // VI_NEW4 and the IPv6 VI_NEW6 added.
    let monitor = AddressMonitor::start(lan.router(1), scratch.0.join("monitor.log"));
    let after = [
        keep.clone(),
        instance(&scratch, "VI_CHANGE", 11, 140, &["192.0.2.111/24"]),
        instance(&scratch, "VI_NEW4", 14, 150, &["192.0.2.114/24"]),
        v6(150),
    ]
    .concat();
    std::fs::write(&r1_conf, &after).expect("r1.conf");
    let from = r1.seen.len();
    r1.signal("HUP");
    r1.wait_for(
        &[
            r#""event":"reload","ok":true"#,
            r#""stopped":3,"started":3,"kept":1"#,
        ],
        SETTLE,
    );
    let backup13 = [r#""vrid":13,"#.to_string(), r#""to":"backup""#.to_string()];
    wait(
        &mut r1,
        from,
        &patterns(&[master("11"), master("14"), backup13]),
    );
    // The new IPv6 router hears r2 at 200 and stays Backup.
    let later = r1.collect(Duration::from_secs(1));
    assert!(
        !later.iter().any(|l| l.contains(r#""vrid":13,"#)),
        "{later:?}"
    );
    for vip in ["192.0.2.110", "192.0.2.111", "192.0.2.114"] {
        assert!(lan.holds(1, vip), "r1 holds {vip}");
    }
    assert!(!lan.holds(1, "192.0.2.112") && !lan.holds(1, "2001:db8::113"));
    assert!(lan.holds(2, "2001:db8::113"));
    let changes = monitor.stop();
    let deleted: Vec<&str> = changes
        .lines()
        .filter(|l| l.starts_with("Deleted"))
        .collect();
    assert!(
        !deleted.iter().any(|l| l.contains("192.0.2.110/")),
        "the unchanged instance's address stays: {changes}"
    );
    for vip in ["192.0.2.111/", "192.0.2.112/"] {
        assert!(deleted.iter().any(|l| l.contains(vip)), "{changes}");
    }
    // Nothing at all for VI_KEEP: the replaced router stops, the deleted ones notify FAULT (or
    // DELETED with notify_deleted) as in keepalived, the new and replaced ones start.
    scratch.wait_for_notifications("r1 ", 16);
    let log = scratch.notify_log();
    let mut sorted: Vec<&str> = log.lines().filter(|l| l.starts_with("r1 ")).collect();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        [
            "r1 INSTANCE VI_CHANGE BACKUP 140",
            "r1 INSTANCE VI_CHANGE BACKUP 150",
            "r1 INSTANCE VI_CHANGE MASTER 140",
            "r1 INSTANCE VI_CHANGE MASTER 150",
            "r1 INSTANCE VI_CHANGE STOP 150",
            "r1 INSTANCE VI_DELETED BACKUP 150",
            "r1 INSTANCE VI_DELETED DELETED 150",
            "r1 INSTANCE VI_DELETED MASTER 150",
            "r1 INSTANCE VI_GONE BACKUP 150",
            "r1 INSTANCE VI_GONE FAULT 150",
            "r1 INSTANCE VI_GONE MASTER 150",
            "r1 INSTANCE VI_KEEP BACKUP 150",
            "r1 INSTANCE VI_KEEP MASTER 150",
            "r1 INSTANCE VI_NEW4 BACKUP 150",
            "r1 INSTANCE VI_NEW4 MASTER 150",
            "r1 INSTANCE VI_NEW6 BACKUP 150",
        ],
        "{log}"
    );

    // A file with a mistake, and a change the driver refuses (an address configured by someone
    // else), are reported and change nothing: VI_CHANGE, removed by both, keeps running.
    let without_change = [keep.clone(), v6(150)].concat();
    std::fs::write(&r1_conf, format!("{without_change}garbage\n")).expect("r1.conf");
    r1.signal("HUP");
    r1.wait_for(
        &[r#""event":"reload","ok":false"#, "nothing changed"],
        SETTLE,
    );
    lan.router(1)
        .ip(&["addr", "add", "192.0.2.115/24", "dev", "eth0"]);
    let foreign = instance(&scratch, "VI_FOREIGN", 15, 150, &["192.0.2.115/24"]);
    std::fs::write(&r1_conf, format!("{without_change}{foreign}")).expect("r1.conf");
    r1.signal("HUP");
    r1.wait_for(
        &[
            r#""event":"reload","ok":false"#,
            "refused, nothing changed",
            "192.0.2.115",
        ],
        SETTLE,
    );
    let quiet = r1.collect(Duration::from_millis(500));
    assert!(
        !quiet.iter().any(|l| l.contains(r#""event":"state""#)),
        "{quiet:?}"
    );
    assert!(lan.holds(1, "192.0.2.111") && lan.holds(1, "192.0.2.114"));
    assert_eq!(
        harness::lan::protocol_errors(&r1.stats()),
        Vec::<String>::new()
    );
    r1.signal("TERM");
    assert!(r1.wait_exit().success());
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn address_options_and_excluded_addresses_are_configured_but_only_the_virtual_ones_advertised() {
    let scratch = Scratch::new("options");
    let lan = Lan::new(2);
    let conf = |priority: u8, excluded: &str| {
        format!(
            "vrrp_instance VI_O {{\n    interface eth0\n    virtual_router_id 53\n    \
             priority {priority}\n    advert_int 0.1\n    version 3\n    virtual_ipaddress {{\n        \
             192.0.2.100/24 brd 192.0.2.255 scope global label eth0:vip\n        \
             198.51.100.1/32 scope host\n    }}\n{excluded}}}\n"
        )
    };
    // r2 does not know r1's excluded addresses: advertising them would be an address-list error.
    // One of them goes on a second interface of r1's, t0.
    second_link(&lan);
    let host = lan.router(1);
    let r1_conf = scratch.0.join("r1.conf");
    std::fs::write(
        &r1_conf,
        conf(
            150,
            "    virtual_ipaddress_excluded {\n        198.51.100.50/24\n        2001:db8::50/64\n        \
             198.51.100.60/24 dev t0\n    }\n",
        ),
    )
    .expect("r1.conf");
    let r2_conf = scratch.0.join("r2.conf");
    std::fs::write(&r2_conf, conf(100, "")).expect("r2.conf");
    let (mut r1, mut r2) = elect(&lan, &r1_conf, &r2_conf);
    std::thread::sleep(Duration::from_millis(500));

    let shown = host.ip(&["-o", "addr", "show", "dev", "eth0"]);
    for expected in [
        // Dynamic: with the default lifetime (60 intervals of 100 ms).
        "inet 192.0.2.100/24 brd 192.0.2.255 scope global secondary dynamic eth0:vip",
        "inet 198.51.100.1/32 scope host",
        "inet 198.51.100.50/24",
        "inet6 2001:db8::50/64",
    ] {
        assert!(shown.contains(expected), "{expected}: {shown}");
    }
    let on_t0 = host.ip(&["-o", "addr", "show", "dev", "t0"]);
    assert!(on_t0.contains("inet 198.51.100.60/24"), "{on_t0}");
    assert!(!shown.contains("198.51.100.60"), "{shown}");
    assert!(lan.client_pings(VIP));
    assert_eq!(
        harness::lan::protocol_errors(&r2.stats()),
        Vec::<String>::new(),
        "r2 saw only the addresses it is configured with"
    );

    r1.signal("TERM");
    assert!(r1.wait_exit().success());
    r2.wait_state("master", SETTLE);
    let left = host.ip(&["-o", "addr", "show"]);
    for gone in [
        "192.0.2.100",
        "198.51.100.1/",
        "198.51.100.50",
        "198.51.100.60",
        "2001:db8::50",
    ] {
        assert!(!left.contains(gone), "{gone} released: {left}");
    }
}

/// The index of interface `name` in `netns`.
fn link_index(netns: &harness::netns::Netns, name: &str) -> String {
    let link = netns.ip(&["-o", "link", "show", name]);
    link.split(':').next().expect("an index").trim().to_string()
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn use_vmac_addr_gives_the_addresses_of_another_interface_and_family_virtual_macs_of_their_own() {
    let scratch = Scratch::new("vmac-addr");
    let lan = Lan::new(1);
    second_link(&lan);
    let host = lan.router(1);
    let conf = scratch.0.join("r1.conf");
    std::fs::write(
        &conf,
        "vrrp_instance VI_V {\n    interface eth0\n    virtual_router_id 54\n    priority 150\n    \
         advert_int 0.1\n    version 3\n    use_vmac_addr\n    virtual_ipaddress {\n        \
         192.0.2.100/24\n        198.51.100.60/24 dev t0\n    }\n    \
         virtual_ipaddress_excluded {\n        2001:db8::60/64\n    }\n}\n",
    )
    .expect("r1.conf");
    let mut r1 = vrrpd(&lan, 1, &conf);
    r1.wait_state("master", SETTLE);
    std::thread::sleep(Duration::from_millis(300));
    // The instance's own address stays on eth0 (no use_vmac); the one on t0 gets an IPv4 virtual
    // MAC interface on t0, the IPv6 one an IPv6 virtual MAC interface on eth0 (VRID 54 = 0x36).
    let (eth0, t0) = (link_index(host, "eth0"), link_index(host, "t0"));
    let (v4, v6) = (format!("vr4.{t0}.54"), format!("vr6.{eth0}.54"));
    assert!(
        host.ip(&["-o", "addr", "show", "dev", "eth0"])
            .contains("192.0.2.100/24")
    );
    for (vmac, parent, mac, address) in [
        (&v4, "t0", "00:00:5e:00:01:36", "198.51.100.60/24"),
        (&v6, "eth0", "00:00:5e:00:02:36", "2001:db8::60/64"),
    ] {
        let link = host.ip(&["-o", "link", "show", vmac]);
        assert!(link.contains(&format!("{vmac}@{parent}")), "{link}");
        assert_eq!(harness::lan::mac_of(host, vmac), mac);
        let shown = host.ip(&["-o", "addr", "show", "dev", vmac]);
        assert!(shown.contains(address), "{shown}");
    }
    // Announced from its virtual MAC interface: the client on eth0's LAN reaches the IPv6
    // address at the IPv6 virtual MAC.
    assert!(lan.client_pings("2001:db8::60"));
    assert_eq!(
        lan.client_neighbour("2001:db8::60").as_deref(),
        Some("00:00:5e:00:02:36")
    );

    // Deleted by hand: made again, with its address.
    host.ip(&["link", "del", &v4]);
    r1.wait_for(
        &[
            r#""event":"interface_recreated""#,
            &format!(r#""interface":"{v4}""#),
        ],
        SETTLE,
    );
    r1.wait_for(
        &[
            r#""event":"address_restored""#,
            r#""address":"198.51.100.60""#,
        ],
        SETTLE,
    );
    let shown = host.ip(&["-o", "addr", "show", "dev", &v4]);
    assert!(shown.contains("198.51.100.60/24"), "{shown}");

    // A reload of the same file keeps the router running: the driver's placement of its addresses
    // on the virtual MAC interfaces it made is not a change of the instance.
    r1.signal("HUP");
    r1.wait_for(
        &[
            r#""event":"reload","ok":true"#,
            r#""stopped":0,"started":0,"kept":1"#,
        ],
        SETTLE,
    );

    r1.signal("TERM");
    assert!(r1.wait_exit().success());
    let links = host.ip(&["-o", "link", "show"]);
    assert!(
        !links.contains("vr4.") && !links.contains("vr6."),
        "{links}"
    );
    let left = host.ip(&["-o", "addr", "show"]);
    for gone in ["192.0.2.100", "198.51.100.60", "2001:db8::60"] {
        assert!(!left.contains(gone), "{gone} released: {left}");
    }
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn use_vmac_addr_of_two_routers_of_one_vrid_on_one_interface_is_refused_not_taken_over() {
    let scratch = Scratch::new("vmac-addr-clash");
    let lan = Lan::new(1);
    second_link(&lan);
    let host = lan.router(1);
    host.ip(&["addr", "add", "203.0.113.10/24", "dev", "t0"]);
    // VRID 54 on eth0 and on t0, each with an address on t1: both want vr4.<t1>.54.
    let instance = |name: &str, interface: &str, vip: &str, other: &str| {
        format!(
            "vrrp_instance {name} {{\n    interface {interface}\n    virtual_router_id 54\n    \
             priority 150\n    advert_int 0.1\n    version 3\n    use_vmac_addr\n    \
             virtual_ipaddress {{\n        {vip}\n        {other} dev t1\n    }}\n}}\n"
        )
    };
    let conf = scratch.0.join("r1.conf");
    std::fs::write(
        &conf,
        instance("VI_A", "eth0", "192.0.2.100/24", "198.51.100.60/24")
            + &instance("VI_B", "t0", "203.0.113.1/24", "198.51.100.61/24"),
    )
    .expect("r1.conf");
    let mut child = std::process::Command::new("ip")
        .args(["netns", "exec", &host.name])
        .arg(env!("CARGO_BIN_EXE_vrrpd"))
        .arg("--config")
        .arg(&conf)
        .arg("--control")
        .arg(control_socket(&conf))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("running vrrpd");
    // Refused at start: it exits at once. One that took the other's interface runs on.
    let deadline = std::time::Instant::now() + SETTLE;
    while child.try_wait().expect("vrrpd's status").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("vrrpd started both routers");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("vrrpd's output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("is the virtual MAC interface of another router"),
        "{stderr}"
    );
    // Nothing left behind: the first router's interface went with the refusal.
    let links = host.ip(&["-o", "link", "show"]);
    assert!(!links.contains("vr4."), "{links}");
}

/// Every file of the real corpus gets the same verdict from `vrrpd check --json` as from the
/// library, as one JSON object a script reads, with every error at its place; and every error of a
/// refused file is its own ERROR line in the log.
#[test]
fn check_json_gives_each_real_file_its_verdict_and_each_error_its_own_error_line() {
    let vrrpd = env!("CARGO_BIN_EXE_vrrpd");
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/keepalived-conf/real");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .expect("the corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .collect();
    files.sort();
    assert!(files.len() >= 30, "{files:?}");
    for file in &files {
        let run = |json: bool| {
            let mut command = std::process::Command::new(vrrpd);
            command.arg("check");
            if json {
                command.arg("--json");
            }
            command
                .arg("--config")
                .arg(file)
                .output()
                .expect("vrrpd check")
        };
        let output = run(true);
        let verdict: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("one JSON object");
        let library = vrrp::keepalived::parse_file(file);
        assert_eq!(verdict["ok"], library.is_ok(), "{}", file.display());
        assert_eq!(
            output.status.code(),
            Some(if library.is_ok() { 0 } else { 1 })
        );
        if let Err(error) = library {
            let errors = verdict["errors"].as_array().expect("errors");
            assert_eq!(errors.len(), error.errors.len());
            for (json, error) in errors.iter().zip(&error.errors) {
                assert_eq!(json["line"], error.location.line);
                assert_eq!(json["column"], error.location.column);
                assert_eq!(json["message"], error.kind.to_string());
            }
            let log = String::from_utf8_lossy(&run(false).stderr).into_owned();
            let error_lines = log.lines().filter(|l| l.starts_with("ERROR")).count();
            assert_eq!(error_lines, error.errors.len(), "{log}");
        }
    }
}

/// `vrrpd keywords` prints the table that docs/keepalived-keywords.md holds (after its heading):
/// one source for the code and the documentation.
#[test]
fn the_keyword_table_in_the_docs_is_the_one_vrrpd_prints() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_vrrpd"))
        .arg("keywords")
        .output()
        .expect("vrrpd keywords");
    let table = String::from_utf8(output.stdout).expect("UTF-8");
    assert_eq!(table, vrrp::keepalived::keyword_table());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/keepalived-keywords.md");
    let docs = std::fs::read_to_string(&path).unwrap_or_default();
    let start = docs.find("| keyword |").unwrap_or(docs.len());
    if std::env::var_os("VRRP_BLESS_KEYWORDS").is_some() {
        std::fs::write(&path, format!("{}{table}", &docs[..start])).expect("bless");
        return;
    }
    assert!(
        docs[start..] == table,
        "docs/keepalived-keywords.md is not `vrrpd keywords`: run with VRRP_BLESS_KEYWORDS=1"
    );
}

#[test]
fn check_mode_prints_what_it_understood_and_fails_on_any_mistake_or_refusal() {
    let vrrpd = env!("CARGO_BIN_EXE_vrrpd");
    let check = |file: &str| {
        let output = std::process::Command::new(vrrpd)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "--check",
                "--config",
                &format!("tests/keepalived-conf/{file}"),
            ])
            .output()
            .expect("running vrrpd --check");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, stdout, _) = check("sync-group-unicast.conf");
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains("vrrp_sync_group VG_DB: VI_FRONT, VI_BACK"),
        "{stdout}"
    );
    assert!(
        stdout.contains("track_interface veth1 weight -20"),
        "{stdout}"
    );
    let (code, _, stderr) = check("broken/unknown-keyword.conf");
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("4:5: unknown keyword `priorty`"),
        "{stderr}"
    );
    // Address options and excluded addresses, as understood.
    let dir = std::env::temp_dir().join(format!("vrrp-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("excluded.conf");
    std::fs::write(
        &file,
        "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  \
         192.0.2.1/24 brd 192.0.2.255 scope global label eth0:1\n }\n \
         virtual_ipaddress_excluded {\n  192.0.2.2 dev eth1\n  2001:db8::2/64\n }\n}\n",
    )
    .expect("write");
    let output = std::process::Command::new(vrrpd)
        .args(["--check", "--config"])
        .arg(&file)
        .output()
        .expect("running vrrpd --check");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    for expected in [
        "  virtual addresses: 192.0.2.1/24 brd 192.0.2.255 scope global label eth0:1",
        "  excluded addresses (not advertised): 192.0.2.2/32 dev eth1, 2001:db8::2/64",
    ] {
        assert!(stdout.contains(expected), "{expected}: {stdout}");
    }
    // A pair checked together: weights that cannot hand over are a warning, not a failure.
    let weaker = |name: &str| {
        let text = std::fs::read_to_string(format!(
            "{}/tests/keepalived-conf/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("sample")
        .replace("weight -60", "weight -30");
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        path
    };
    let (master, backup) = (weaker("nginx-master.conf"), weaker("nginx-backup.conf"));
    let output = std::process::Command::new(vrrpd)
        .args(["check", "--config"])
        .arg(&master)
        .arg("--peer")
        .arg(&backup)
        .output()
        .expect("running vrrpd check");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("no lower than 120, and `VI_1` at") && stderr.contains("reaches 100"),
        "{stderr}"
    );
    // The samples as they are hand over: no such warning.
    let output = std::process::Command::new(vrrpd)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "check",
            "--config",
            "tests/keepalived-conf/nginx-master.conf",
            "--peer",
            "tests/keepalived-conf/nginx-backup.conf",
        ])
        .output()
        .expect("running vrrpd check");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("no lower than"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn vip_lifetime_installs_the_virtual_addresses_with_a_lifetime_and_a_bad_one_is_refused() {
    let scratch = Scratch::new("lifetime");
    let lan = Lan::new(1);
    let conf = scratch.0.join("r1.conf");
    std::fs::write(
        &conf,
        "vrrp_instance VI_L {\n    interface eth0\n    virtual_router_id 54\n    priority 150\n    \
         advert_int 1\n    virtual_ipaddress {\n        192.0.2.100/24\n    }\n}\n",
    )
    .expect("r1.conf");
    let path = conf.to_str().expect("UTF-8");
    let control = control_socket(&conf);
    let control = control.to_str().expect("UTF-8");
    let start = |lifetime: &str| {
        Failover::start_program(
            Path::new(env!("CARGO_BIN_EXE_vrrpd")),
            lan.router(1),
            &[
                "--events",
                "--config",
                path,
                "--vip-lifetime",
                lifetime,
                "--control",
                control,
            ],
        )
    };
    let mut refused = start("1");
    assert!(
        !refused.wait_exit().success(),
        "a lifetime under 3 s is refused"
    );
    let mut r1 = start("6");
    r1.wait_state("master", SETTLE);
    let shown = lan.router(1).ip(&["-o", "addr", "show", "dev", "eth0"]);
    let line = shown
        .lines()
        .find(|l| l.contains(&format!(" {VIP}/24")))
        .unwrap_or_else(|| panic!("the VIP: {shown}"));
    assert!(
        line.contains("valid_lft") && !line.contains("valid_lft forever"),
        "{line}"
    );
    r1.signal("TERM");
    assert!(r1.wait_exit().success());
}

/// A vrrpd started in router `router`'s namespace with `env` (for systemd's variables), its
/// output not read.
fn vrrpd_with_env(
    lan: &Lan,
    router: usize,
    config: &Path,
    env: &[(&str, &Path)],
    args: &[&std::ffi::OsStr],
) -> std::process::Child {
    std::process::Command::new("ip")
        .args(["netns", "exec", &lan.router(router).name])
        .arg(env!("CARGO_BIN_EXE_vrrpd"))
        .arg("--config")
        .arg(config)
        .arg("--control")
        .arg(control_socket(config))
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v.as_os_str())))
        .env("WATCHDOG_USEC", "600000")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("starting vrrpd")
}

/// The next notification on `socket` that is not a watchdog ping; also counts the pings.
fn next_notification(socket: &std::os::unix::net::UnixDatagram, pings: &mut usize) -> String {
    let mut buffer = [0; 1024];
    loop {
        let n = socket
            .recv(&mut buffer)
            .expect("a notification within the timeout");
        let text = String::from_utf8_lossy(&buffer[..n]).into_owned();
        if text == "WATCHDOG=1" {
            *pings += 1;
        } else {
            return text;
        }
    }
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn vrrpd_tells_systemd_it_is_ready_reloading_and_stopping_and_pings_the_watchdog() {
    let scratch = Scratch::new("systemd");
    let conf = scratch.config("nginx-master.conf", "master", &[]);
    let notify_path = scratch.0.join("notify.sock");
    let socket = std::os::unix::net::UnixDatagram::bind(&notify_path).expect("notify socket");
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let lan = Lan::new(1);
    // keepalived's flags as in /etc/default/keepalived: -D (debug), -n, -P, a pid file (-p) and a
    // log file (-g).
    let (pid_file, log_file) = (scratch.0.join("vrrpd.pid"), scratch.0.join("vrrpd.log"));
    let mut vrrpd = vrrpd_with_env(
        &lan,
        1,
        &conf,
        &[("NOTIFY_SOCKET", &notify_path)],
        &[
            "-DnP".as_ref(),
            "-p".as_ref(),
            pid_file.as_os_str(),
            "-g".as_ref(),
            log_file.as_os_str(),
        ],
    );
    let mut pings = 0;
    assert_eq!(next_notification(&socket, &mut pings), "READY=1");
    let pid = std::fs::read_to_string(&pid_file).expect("the pid file");
    assert_eq!(pid, format!("{}\n", vrrpd.id()));
    let log = std::fs::read_to_string(&log_file).expect("the log file");
    assert!(log.contains("(VI_1) entering BACKUP state"), "{log}");
    assert!(log.contains("DEBUG"), "-D logs at the debug level: {log}");

    // WATCHDOG_USEC 0.6 s: a ping every 0.3 s, from the driver's loop.
    let start = std::time::Instant::now();
    let mut buffer = [0; 64];
    while start.elapsed() < Duration::from_millis(1500) {
        let n = socket.recv(&mut buffer).expect("a watchdog ping");
        assert_eq!(&buffer[..n], b"WATCHDOG=1");
        pings += 1;
    }
    assert!(pings >= 3, "{pings} pings in 1.5 s");

    harness::lan::send_signal(vrrpd.id(), "HUP");
    let reloading = next_notification(&socket, &mut pings);
    let mut lines = reloading.lines();
    assert_eq!(lines.next(), Some("RELOADING=1"), "{reloading}");
    let usec = lines
        .next()
        .and_then(|l| l.strip_prefix("MONOTONIC_USEC="))
        .and_then(|v| v.parse::<u64>().ok());
    assert!(usec.is_some_and(|u| u > 0), "{reloading}");
    assert_eq!(next_notification(&socket, &mut pings), "READY=1");

    harness::lan::send_signal(vrrpd.id(), "TERM");
    assert_eq!(next_notification(&socket, &mut pings), "STOPPING=1");
    assert!(vrrpd.wait().expect("vrrpd exits").success());
    assert!(
        !control_socket(&conf).exists(),
        "the control socket is removed at exit"
    );
    assert!(!pid_file.exists(), "the pid file is removed at exit");
}

/// Runs `vrrpd ARGS` (a client command) and returns its exit code, output and error output.
fn vrrpd_client(args: &[&str], control: &Path) -> (Option<i32>, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_vrrpd"))
        .args(args)
        .arg("--control")
        .arg(control)
        .output()
        .expect("running vrrpd");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn vrrpd_status_stats_and_reload_answer_on_the_control_socket() {
    use std::os::unix::fs::PermissionsExt as _;
    let scratch = Scratch::new("control");
    let master_conf = scratch.config("nginx-master.conf", "master", &[]);
    let backup_conf = scratch.config("nginx-backup.conf", "backup", &[]);
    let lan = Lan::new(2);
    let (mut master, mut backup) = elect(&lan, &master_conf, &backup_conf);
    let (on_master, on_backup) = (control_socket(&master_conf), control_socket(&backup_conf));
    let mode = std::fs::metadata(&on_master)
        .expect("the socket")
        .permissions();
    assert_eq!(mode.mode() & 0o777, 0o600, "owner only");

    let (code, text, stderr) = vrrpd_client(&["status"], &on_master);
    assert_eq!(code, Some(0), "{stderr}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "one line per router: {text}");
    assert!(
        lines[0].starts_with(
            "VI_1 interface eth0 vrid 51 ipv4 state master priority 150 configured 150 \
             master 192.0.2.11 since "
        ),
        "{text}"
    );
    assert!(lines[0].ends_with(" reason master-no-response"), "{text}");
    // The Backup shows the Master as last heard, once it has heard an advert (one a second).
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let (code, text, stderr) = vrrpd_client(&["status"], &on_backup);
        assert_eq!(code, Some(0), "{stderr}");
        assert!(
            text.contains("state backup priority 100 configured 100 master "),
            "{text}"
        );
        if text.contains(" master 192.0.2.11 since ") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the Master as last heard: {text}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    let (code, json, stderr) = vrrpd_client(&["status", "--json"], &on_master);
    assert_eq!(code, Some(0), "{stderr}");
    let status: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(status["ok"], true, "{json}");
    let router = &status["routers"][0];
    assert_eq!(router["instance"], "VI_1", "{json}");
    assert_eq!(router["state"], "master", "{json}");
    assert_eq!(router["priority"], 150, "{json}");
    assert_eq!(router["configured_priority"], 150, "{json}");
    assert_eq!(router["master"], "192.0.2.11", "{json}");
    assert!(router["since"].as_u64().is_some_and(|s| s > 0), "{json}");

    let (code, json, stderr) = vrrpd_client(&["stats", "--json"], &on_master);
    assert_eq!(code, Some(0), "{stderr}");
    let stats: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let router = &stats["routers"][0];
    assert_eq!(router["master_transitions"], 1, "{json}");
    assert_eq!(router["new_master_reason"], "masterNoResponse", "{json}");
    assert_eq!(router["proto_err_reason"], "noError", "{json}");
    assert!(router["sent_advertisements"].as_u64() > Some(0), "{json}");
    assert_eq!(router["errors"]["vrrpv3RouterChecksumErrors"], 0, "{json}");
    assert_eq!(stats["global"]["checksum_errors"], 0, "{json}");
    assert_eq!(
        stats["totals"]["sent_advertisements"], router["sent_advertisements"],
        "{json}"
    );
    // Every advert sent was a deadline served, counted in the lateness histogram.
    let lateness = &stats["lateness"];
    assert!(
        lateness["count"].as_u64() >= router["sent_advertisements"].as_u64(),
        "{json}"
    );
    assert_eq!(lateness["within"]["le_inf"], lateness["count"], "{json}");
    // The Backup has heard the Master's adverts (one a second).
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let (code, json, stderr) = vrrpd_client(&["stats", "--json"], &on_backup);
        assert_eq!(code, Some(0), "{stderr}");
        let stats: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        if stats["routers"][0]["rcvd_advertisements"].as_u64() > Some(0) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{json}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let (code, text, stderr) = vrrpd_client(&["stats"], &on_master);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(text.contains("  master_transitions 1\n"), "{text}");
    assert!(text.contains("\ntotals sent_advertisements "), "{text}");
    assert!(text.contains("\nlateness deadlines "), "{text}");

    // A reload of the same file keeps the router running, untouched.
    let (code, text, stderr) = vrrpd_client(&["reload"], &on_master);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(text, "reloaded: 1 routers kept, 0 stopped, 0 started\n");
    master.wait_for(&[r#""event":"reload""#, r#""kept":1"#], SETTLE);
    let quiet = master.collect(Duration::from_secs(2));
    assert!(
        !quiet.iter().any(|l| l.contains(r#""event":"state""#)),
        "{quiet:?}"
    );
    // A broken file is reported and changes nothing.
    let good = std::fs::read_to_string(&master_conf).expect("the file");
    std::fs::write(&master_conf, format!("{good}garbage\n")).expect("broken file");
    let (code, _, stderr) = vrrpd_client(&["reload"], &on_master);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("nothing changed"), "{stderr}");
    let (_, text, _) = vrrpd_client(&["status"], &on_master);
    assert!(text.contains("state master priority 150"), "{text}");

    // Stopped, the daemon removes its socket; a client says it cannot reach it.
    master.signal("TERM");
    assert!(master.wait_exit().success());
    assert!(!on_master.exists(), "the control socket is removed at exit");
    let (code, _, stderr) = vrrpd_client(&["status"], &on_master);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("cannot reach vrrpd"), "{stderr}");
    backup.wait_state("master", SETTLE);
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn step_down_on_failure_hands_over_after_the_backups_skew_time_and_stays_backup_while_failing() {
    let scratch = Scratch::new("step-down");
    // Priority 150 and weight −30 (the sample's −60 made smaller): without step-down a failing
    // check leaves 120 > 100, and the master would keep the address for ever.
    let master_conf = scratch.config(
        "nginx-master.conf",
        "master",
        &[
            ("priority 150", "priority 150\n    step_down_on_failure"),
            ("weight -60", "weight -30"),
        ],
    );
    let backup_conf = scratch.config("nginx-backup.conf", "backup", &[]);
    let lan = Lan::new(2);
    let (mut master, mut backup) = elect(&lan, &master_conf, &backup_conf);

    // The check fails (`fall 3`): the master steps down with priority 0, and the backup takes
    // over after its Skew_Time (0.609 s for VRRPv2 at 1 s and priority 100), not after its
    // Master_Down_Interval (3.609 s).
    scratch.fail("master", true);
    let stepped_down = master.wait_state("backup", SETTLE);
    let took_over = backup.wait_state("master", SETTLE);
    let outage = took_over.saturating_duration_since(stepped_down);
    assert!(
        outage <= Duration::from_millis(609 + 400),
        "took over {outage:?} after the step-down"
    );
    assert!(lan.holds(2, VIP) && !lan.holds(1, VIP));

    // Failing, the master does not preempt back although 120 > 100.
    std::thread::sleep(Duration::from_secs(5));
    assert!(lan.holds(2, VIP) && !lan.holds(1, VIP));

    // Healthy again (`rise 2`): it preempts.
    scratch.fail("master", false);
    master.wait_state("master", SETTLE);
    backup.wait_state("backup", SETTLE);
    assert!(lan.holds(1, VIP) && !lan.holds(2, VIP));
}

/// `GET path` on `127.0.0.1:port` inside `netns` (with bash's /dev/tcp, so that no HTTP client
/// need be installed): the status line, the headers and the body.
fn http_get(netns: &harness::netns::Netns, port: u16, path: &str) -> (String, String, String) {
    let script = format!(
        "exec 3<>/dev/tcp/127.0.0.1/{port} && printf 'GET {path} HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n' >&3 && cat <&3"
    );
    let output = std::process::Command::new("ip")
        .args(["netns", "exec", &netns.name, "bash", "-c", &script])
        .output()
        .expect("running bash in the namespace");
    assert!(
        output.status.success(),
        "GET {path}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let (head, body) = text.split_once("\r\n\r\n").expect("headers, then a body");
    let (status, headers) = head.split_once("\r\n").unwrap_or((head, ""));
    (status.to_string(), headers.to_string(), body.to_string())
}

/// The value of the one sample of `metric` whose labels include `labels`.
fn metric(scrape: &prometheus_parse::Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    let values: Vec<f64> = scrape
        .samples
        .iter()
        .filter(|s| s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match s.value {
            prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Gauge(v) => v,
            ref other => panic!("{metric}: {other:?}"),
        })
        .collect();
    assert_eq!(values.len(), 1, "{metric} {labels:?}: {values:?}");
    values[0]
}

/// Scrapes `http://127.0.0.1:port/metrics` in `netns` and parses it with an independent parser.
fn scrape(netns: &harness::netns::Netns, port: u16) -> prometheus_parse::Scrape {
    let (status, headers, body) = http_get(netns, port, "/metrics");
    assert!(status.contains(" 200 "), "{status}");
    assert!(
        headers
            .to_ascii_lowercase()
            .contains("content-type: text/plain; version=0.0.4"),
        "{headers}"
    );
    prometheus_parse::Scrape::parse(body.lines().map(|l| Ok(l.to_string()))).expect("parses")
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn metrics_are_served_for_prometheus_and_a_scrape_prints_no_statistics_line() {
    const PORT: u16 = 9650;
    let scratch = Scratch::new("metrics");
    let lan = Lan::new(2);
    let conf = |priority: u16| {
        let path = scratch.0.join(format!("r{priority}.conf"));
        std::fs::write(
            &path,
            format!(
                "vrrp_instance VI_M {{\n    interface eth0\n    virtual_router_id 56\n    \
                 priority {priority}\n    advert_int 1\n    virtual_ipaddress {{\n        \
                 192.0.2.100/24\n    }}\n}}\n"
            ),
        )
        .expect("the configuration");
        path
    };
    let port = PORT.to_string();
    let (master_conf, backup_conf) = (conf(150), conf(100));
    let start = |router: usize, conf: &Path| {
        let path = conf.to_str().expect("UTF-8");
        let address = format!("127.0.0.1:{port}");
        let control = scratch.0.join(format!("r{router}.sock"));
        let control = control.to_str().expect("UTF-8");
        Failover::start_program(
            Path::new(env!("CARGO_BIN_EXE_vrrpd")),
            lan.router(router),
            &[
                "--events",
                "--config",
                path,
                "--metrics",
                &address,
                "--control",
                control,
            ],
        )
    };
    let mut master = start(1, &master_conf);
    master.wait_state("master", SETTLE);
    let mut backup = start(2, &backup_conf);
    backup.wait_state("backup", SETTLE);

    let router = [("interface", "eth0"), ("vrid", "56"), ("family", "ipv4")];
    let state = |state| {
        let mut labels = router.to_vec();
        labels.push(("state", state));
        labels
    };
    let first = scrape(lan.router(1), PORT);
    assert_eq!(metric(&first, "vrrp_router_state", &state("master")), 1.0);
    assert_eq!(metric(&first, "vrrp_router_state", &state("backup")), 0.0);
    assert_eq!(metric(&first, "vrrp_router_priority", &router), 150.0);
    let sent = metric(&first, "vrrp_sent_advertisements_total", &router);
    assert!(sent >= 1.0, "{sent}");
    let heard = scrape(lan.router(2), PORT);
    assert_eq!(metric(&heard, "vrrp_router_state", &state("backup")), 1.0);
    assert_eq!(
        metric(&heard, "vrrp_statistics_master_transitions_total", &router),
        0.0
    );
    // Scraped at once after its start: it may have heard none yet.
    let rcvd = metric(&heard, "vrrp_statistics_rcvd_advertisements_total", &router);
    assert_eq!(metric(&heard, "vrrp_router_vr_id_errors_total", &[]), 0.0);

    // Fresh statistics on every scrape: one advert a second.
    std::thread::sleep(Duration::from_millis(2500));
    let second = scrape(lan.router(1), PORT);
    let later = metric(&second, "vrrp_sent_advertisements_total", &router);
    assert!(later >= sent + 2.0, "{sent} then {later}");
    let heard_later = scrape(lan.router(2), PORT);
    let rcvd_later = metric(
        &heard_later,
        "vrrp_statistics_rcvd_advertisements_total",
        &router,
    );
    assert!(rcvd_later >= rcvd + 2.0, "{rcvd} then {rcvd_later}");

    let (status, _, _) = http_get(lan.router(1), PORT, "/other");
    assert!(status.contains(" 404 "), "{status}");

    // The scrapes printed no statistics line; SIGUSR1 still does.
    let printed = master.collect(Duration::from_millis(500));
    assert!(
        master
            .seen
            .iter()
            .all(|(_, line)| !line.contains(r#""event":"stats""#)),
        "{printed:#?}"
    );
    let stats = master.stats();
    assert!(stats.contains(r#""state":"master""#), "{stats}");
    master.signal("TERM");
    assert!(master.wait_exit().success());
    backup.signal("TERM");
    assert!(backup.wait_exit().success());
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_reload_after_the_interface_was_created_again_leaves_its_routers_up_through_a_full_re_read() {
    let scratch = Scratch::new("recreated-reload");
    let lan = Lan::new(2);
    let file = |name: &str, priority| {
        let path = scratch.0.join(name);
        let text = instance(&scratch, "VI_1", 51, priority, &["192.0.2.100/24"]);
        std::fs::write(&path, text).expect("configuration");
        path
    };
    let (master_conf, backup_conf) = (file("r1.conf", 200), file("r2.conf", 100));
    let mut backup = vrrpd(&lan, 2, &backup_conf);
    backup.wait_state("backup", SETTLE);
    let mut master = vrrpd(&lan, 1, &master_conf);
    master.wait_state("master", SETTLE);
    // eth0 created again (a new index), then a reload: the instance is looked up by name, so
    // it runs keyed by the new index now, while the interface still stands for the old one.
    lan.router(1).ip(&["link", "del", "eth0"]);
    master.wait_state("fault", SETTLE);
    lan.recreate_eth0(1);
    master.wait_state("master", SETTLE);
    master.signal("HUP");
    master.wait_for(&[r#""event":"reload""#, r#""ok":true"#], SETTLE);
    master.wait_state("master", SETTLE);
    // A full re-read: 20,000 address changes on another interface while vrrpd is stopped
    // overrun its change stream.
    let r1 = lan.router(1);
    r1.ip(&["link", "add", "x0", "type", "veth", "peer", "name", "x1"]);
    let batch = harness::netns::address_flood(&scratch.0, "x0", 10_000, [198, 18]);
    master.signal("STOP");
    r1.ip(&["-batch", batch.to_str().expect("UTF-8")]);
    assert!(harness::netns::netlink_drops(r1) > 0, "no overrun");
    master.signal("CONT");
    master.wait_for(&[r#""event":"resynchronized""#], SETTLE);
    let after = master.collect(Duration::from_secs(2));
    assert!(
        after.iter().all(|line| !line.contains(r#""to":"fault""#)),
        "{after:#?}"
    );
    assert!(lan.holds(1, VIP) && !lan.holds(2, VIP));
}

/// The routes and rules of the nginx pair's instance, and a static route: what the test adds to
/// both samples.
const ROUTES: &str = "    virtual_routes {
        198.51.100.0/24 via 192.0.2.254 dev eth0 table 100
        203.0.113.0/24 dev eth0 src 192.0.2.100
    }
    virtual_rules {
        from 192.0.2.100 table 100 preference 100
    }
    track_script {";
const STATIC: &str = "static_routes {
    198.51.101.0/24 via 192.0.2.254 dev eth0
}

vrrp_instance VI_1 {";

/// What router `i` holds of the test's routes: (the table 100 route, the `src VIP` route, the
/// rule, the static route), each `ip` line or empty.
fn routing(lan: &Lan, i: usize) -> [String; 4] {
    let r = lan.router(i);
    // A table with no route left does not exist: `ip` says so and fails.
    let show = |args: &[&str]| r.try_ip(args).unwrap_or_default().trim().to_string();
    [
        show(&["route", "show", "table", "100", "198.51.100.0/24"]),
        show(&["route", "show", "203.0.113.0/24"]),
        show(&["rule", "show", "pref", "100"]),
        show(&["route", "show", "198.51.101.0/24"]),
    ]
}

/// Waits until `holds` says router `i`'s routing is as wanted.
fn wait_routing(lan: &Lan, i: usize, what: &str, holds: impl Fn(&[String; 4]) -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let now = routing(lan, i);
        if holds(&now) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "router {i}: {what}; it has {now:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn has_virtual(r: &[String; 4]) -> bool {
    r[..3].iter().all(|s| !s.is_empty())
}

fn has_no_virtual(r: &[String; 4]) -> bool {
    r[..3].iter().all(String::is_empty)
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn virtual_routes_and_rules_follow_mastership_come_back_when_deleted_and_outlive_no_kill() {
    let scratch = Scratch::new("routes");
    let changes = [
        ("    track_script {", ROUTES),
        ("vrrp_instance VI_1 {", STATIC),
    ];
    let master_conf = scratch.config("nginx-master.conf", "master", &changes);
    let backup_conf = scratch.config("nginx-backup.conf", "backup", &changes);
    let lan = Lan::new(2);
    let (mut master, mut backup) = elect(&lan, &master_conf, &backup_conf);
    // On the Master with its VIP, marked as ours; on neither, the Backup's; static on both.
    wait_routing(&lan, 1, "the Master's routes", has_virtual);
    let master_routes = routing(&lan, 1);
    assert!(master_routes[0].contains("proto 112"), "{master_routes:?}");
    assert!(
        master_routes[1].contains("src 192.0.2.100"),
        "{master_routes:?}"
    );
    assert!(master_routes[2].contains("lookup 100"), "{master_routes:?}");
    let backup_routes = routing(&lan, 2);
    assert!(has_no_virtual(&backup_routes), "{backup_routes:?}");
    assert!(
        !backup_routes[3].is_empty(),
        "the static route: {backup_routes:?}"
    );

    // Deleted by hand, they come back; the VIP deleted takes its `src` route along, silently, and
    // both come back.
    let r1 = lan.router(1);
    r1.ip(&["route", "del", "198.51.100.0/24", "table", "100"]);
    r1.ip(&["rule", "del", "pref", "100"]);
    wait_routing(&lan, 1, "the deleted route and rule back", has_virtual);
    r1.ip(&["addr", "del", "192.0.2.100/24", "dev", "eth0"]);
    wait_routing(
        &lan,
        1,
        "the `src VIP` route back with its VIP",
        has_virtual,
    );
    assert!(lan.holds(1, VIP));
    r1.ip(&["route", "del", "198.51.101.0/24"]);
    wait_routing(&lan, 1, "the static route back", |r| !r[3].is_empty());

    // The Master fails its check: the routes move with the VIP, the static ones stay.
    scratch.fail("master", true);
    backup.wait_state("master", SETTLE);
    master.wait_state("backup", SETTLE);
    wait_routing(&lan, 2, "the new Master's routes", has_virtual);
    wait_routing(&lan, 1, "none on the old Master", |r| {
        has_no_virtual(r) && !r[3].is_empty()
    });

    // Back, then killed: what it held stays (nothing runs to remove it), and a restart that
    // finds itself Backup removes it, keeping only the static route.
    scratch.fail("master", false);
    master.wait_state("master", SETTLE);
    wait_routing(&lan, 1, "the routes back on router 1", has_virtual);
    master.signal("KILL");
    master.wait_exit();
    backup.wait_state("master", SETTLE);
    wait_routing(&lan, 1, "what the killed process held", has_virtual);
    scratch.fail("master", true);
    let mut restarted = vrrpd(&lan, 1, &master_conf);
    restarted.wait_state("backup", SETTLE);
    wait_routing(&lan, 1, "no left-over after the restart", |r| {
        has_no_virtual(r) && !r[3].is_empty()
    });
    assert!(!lan.holds(1, VIP));

    // A graceful stop removes what it added, the static route too.
    backup.signal("TERM");
    backup.wait_exit();
    let after = routing(&lan, 2);
    assert!(after.iter().all(String::is_empty), "{after:?}");
    // The restarted daemon took the killed one's static route over as its own: it goes with it.
    restarted.signal("TERM");
    restarted.wait_exit();
    let after = routing(&lan, 1);
    assert!(after.iter().all(String::is_empty), "{after:?}");
}

/// keepalived's VMAC variants and split-brain notification, added to both samples: a named
/// virtual MAC interface, adverts from the parent, and a script (`notify` of `scratch`) run when
/// the Master hears a lower priority.
fn vmac_lines(scratch: &Scratch) -> String {
    format!(
        "    use_vmac vrrp51\n    vmac_xmit_base\n    \
         notify_master_rx_lower_pri \"{}/notify.sh master rxlower\"\n    track_script {{",
        scratch.0.display()
    )
}

#[test]
#[ignore = "needs root: creates network namespaces, captures with tshark"]
fn use_vmac_name_vmac_xmit_base_and_notify_master_rx_lower_pri_work_as_in_keepalived() {
    let scratch = Scratch::new("vmac");
    let lines = vmac_lines(&scratch);
    let changes = [("    track_script {", lines.as_str())];
    let master_conf = scratch.config("nginx-master.conf", "master", &changes);
    let backup_conf = scratch.config("nginx-backup.conf", "backup", &changes);
    let lan = Lan::new(2);
    let (mut master, mut backup) = elect(&lan, &master_conf, &backup_conf);
    // The virtual MAC interface has the name given, and holds the VIP.
    let link = lan.router(1).ip(&["-o", "link", "show", "vrrp51"]);
    assert!(link.contains("00:00:5e:00:01:33"), "{link}");
    let held = lan
        .router(1)
        .ip(&["-o", "-4", "addr", "show", "dev", "vrrp51"]);
    assert!(held.contains(VIP), "{held}");
    // It keeps a subnet's other addresses when the first goes, as keepalived sets it up.
    let promote = "net.ipv4.conf.vrrp51.promote_secondaries";
    assert_eq!(read_sysctl(lan.router(1), promote), "1");
    // The adverts leave from the parent, with its MAC.
    let captured = harness::tshark::Capture::start(
        &lan.client,
        3,
        "ip proto 112",
        None,
        &["eth.src", "ip.src"],
    )
    .finish();
    let parent = lan.router_mac(1);
    let from_master: Vec<&str> = (captured.lines())
        .filter(|line| line.ends_with("\t192.0.2.11"))
        .map(|line| line.split('\t').next().unwrap_or_default())
        .collect();
    assert!(!from_master.is_empty(), "{captured}");
    assert!(from_master.iter().all(|mac| *mac == parent), "{captured}");

    // Split brain: the Backup hears nothing more and takes over; the Master hears its lower
    // priority and runs notify_master_rx_lower_pri.
    let r2 = lan.router(2);
    for rule in [
        &["add", "table", "netdev", "split"][..],
        &[
            "add", "chain", "netdev", "split", "in", "{", "type", "filter", "hook", "ingress",
            "device", "eth0", "priority", "0", ";", "}",
        ],
        &[
            "add", "rule", "netdev", "split", "in", "ip", "protocol", "112", "drop",
        ],
    ] {
        r2.nft(rule).expect("nft");
    }
    backup.wait_state("master", SETTLE);
    master.wait_for(
        &[r#""event":"lower_priority_master""#, r#""priority":100"#],
        SETTLE,
    );
    scratch.wait_for_notifications("master rxlower", 2);
    // Healed: the Backup hears the Master again and gives way.
    r2.nft(&["delete", "table", "netdev", "split"])
        .expect("nft");
    backup.wait_state("backup", SETTLE);
}

#[test]
#[ignore = "needs root and keepalived: creates network namespaces"]
fn keepalived_and_vrrpd_pair_on_a_vrrpv2_instance_without_addresses() {
    // The cloud set-up: no virtual_ipaddress, the notify scripts move the address.
    let scratch = Scratch::new("no-vips");
    let no_vips = [(
        "    virtual_ipaddress {\n        192.0.2.100/24 dev eth0 label eth0:1\n    }\n",
        "",
    )];
    let master_conf = scratch.config("nginx-master.conf", "master", &no_vips);
    let backup_conf = scratch.config("nginx-backup.conf", "backup", &no_vips);
    let lan = Lan::new(2);
    let backup_text = std::fs::read_to_string(&backup_conf).expect("backup conf");
    let mut keepalived = Keepalived::start(lan.router(2), &backup_text);
    keepalived.wait_state("VI_1", "BACKUP", SETTLE);
    let mut master = vrrpd(&lan, 1, &master_conf);
    master.wait_state("master", SETTLE);
    std::thread::sleep(Duration::from_secs(3));
    scratch.wait_for_notifications("master master", 1);
    // keepalived hears our adverts (it stays Backup) and counts nothing wrong.
    let stats = keepalived.stats(1);
    assert_eq!(keepalived.protocol_errors(&stats), Vec::<String>::new());
    let killed = master.signal("KILL");
    let took_over = keepalived.wait_state("VI_1", "MASTER", SETTLE);
    assert!(took_over - killed <= Duration::from_millis(3609 + 200));
    // And we hear keepalived's: back, we preempt it, having counted nothing wrong.
    let mut master = vrrpd(&lan, 1, &master_conf);
    master.wait_state("master", SETTLE);
    keepalived.wait_state("VI_1", "BACKUP", SETTLE);
    let ours = harness::lan::protocol_errors(&master.stats());
    assert_eq!(ours, Vec::<String>::new());
}

/// The nginx pair with `auth_type AH` between keepalived `program` (the Backup, on r2) and vrrpd
/// (the Master, on r1): election, takeover after a SIGKILL, preemption back, no error counted.
fn ipsec_ah_pair_with(program: &str) {
    let scratch = Scratch::new("ipsec-ah");
    let ah = [("auth_type PASS", "auth_type AH")];
    let master_conf = scratch.config("nginx-master.conf", "master", &ah);
    let backup_conf = scratch.config("nginx-backup.conf", "backup", &ah);
    let lan = Lan::new(2);
    let backup_text = std::fs::read_to_string(&backup_conf).expect("backup conf");
    let mut keepalived = Keepalived::start_program(program, lan.router(2), &backup_text);
    keepalived.wait_state("VI_1", "BACKUP", SETTLE);
    let mut master = vrrpd(&lan, 1, &master_conf);
    master.wait_state("master", SETTLE);
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        lan.holds(1, VIP) && !lan.holds(2, VIP),
        "keepalived hears our AH adverts"
    );
    let stats = keepalived.stats(1);
    assert_eq!(keepalived.protocol_errors(&stats), Vec::<String>::new());

    let killed = master.signal("KILL");
    let took_over = keepalived.wait_state("VI_1", "MASTER", SETTLE);
    assert!(took_over - killed <= Duration::from_millis(3609 + 200));
    // We hear keepalived's AH adverts and preempt it with a sequence past its own.
    let mut master = vrrpd(&lan, 1, &master_conf);
    master.wait_state("master", SETTLE);
    keepalived.wait_state("VI_1", "BACKUP", SETTLE);
    std::thread::sleep(Duration::from_secs(3));
    assert!(lan.holds(1, VIP) && !lan.holds(2, VIP));
    let ours = harness::lan::protocol_errors(&master.stats());
    assert_eq!(ours, Vec::<String>::new());
}

#[test]
#[ignore = "needs root and keepalived: creates network namespaces"]
fn v2_03_keepalived_2_2_7_and_vrrpd_pair_with_ipsec_ah_authentication() {
    ipsec_ah_pair_with("keepalived");
}

#[test]
#[ignore = "needs root and keepalived 2.4.3 (VRRP_KEEPALIVED): creates network namespaces"]
fn v2_03_keepalived_2_4_3_and_vrrpd_pair_with_ipsec_ah_authentication() {
    if let Some(program) = harness::keepalived::keepalived_2_4() {
        ipsec_ah_pair_with(&program);
    }
}

#[test]
#[ignore = "needs root: creates network namespaces"]
fn net_namespace_runs_the_routers_in_the_named_namespace() {
    let scratch = Scratch::new("net-namespace");
    let lan = Lan::new(1);
    // Started in the hub's namespace, vrrpd moves into r1's before it opens anything.
    let root_line = format!("net_namespace {}\n\nglobal_defs {{", lan.router(1).name);
    let conf = scratch.config(
        "nginx-master.conf",
        "master",
        &[("global_defs {", &root_line)],
    );
    let control = control_socket(&conf);
    let mut daemon = Failover::start_program(
        Path::new(env!("CARGO_BIN_EXE_vrrpd")),
        &lan.hub,
        &[
            "--events",
            "--config",
            conf.to_str().expect("a UTF-8 path"),
            "--control",
            control.to_str().expect("a UTF-8 path"),
        ],
    );
    daemon.wait_state("master", SETTLE);
    assert!(lan.holds(1, VIP), "the VIP is in r1's namespace");
    let hub = lan.hub.ip(&["-o", "addr", "show"]);
    assert!(!hub.contains(VIP), "{hub}");
    daemon.signal("TERM");
    daemon.wait_exit();
    assert!(!lan.holds(1, VIP));
}

/// The value of sysctl `key` (dotted) inside `netns`.
fn read_sysctl(netns: &harness::netns::Netns, key: &str) -> String {
    let path = format!("/proc/sys/{}", key.replace('.', "/"));
    let output = std::process::Command::new("ip")
        .args(["netns", "exec", &netns.name, "cat", &path])
        .output()
        .expect("running cat in the namespace");
    assert!(output.status.success(), "reading {key} in {}", netns.name);
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// `promote_secondaries`: set on the instance's interface while vrrpd runs (so removing the
/// VIP that is its subnet's primary keeps the other addresses of the subnet), and the old
/// value put back when vrrpd stops.
#[test]
#[ignore = "needs root: creates network namespaces"]
fn promote_secondaries_holds_while_vrrpd_runs_and_the_old_value_comes_back_after() {
    let scratch = Scratch::new("promote");
    // The VIP is the first address of its subnet on eth0, so its primary there.
    let changes = [
        (
            "    track_script {",
            "    promote_secondaries\n    track_script {",
        ),
        (
            "192.0.2.100/24 dev eth0 label eth0:1",
            "198.51.100.100/24 dev eth0",
        ),
    ];
    let conf = scratch.config("nginx-master.conf", "master", &changes);
    let lan = Lan::new(1);
    let r1 = lan.router(1);
    let key = "net.ipv4.conf.eth0.promote_secondaries";
    assert_eq!(read_sysctl(r1, key), "0");
    let mut alone = vrrpd(&lan, 1, &conf);
    alone.wait_state("master", SETTLE);
    assert_eq!(read_sysctl(r1, key), "1");
    // A secondary of the VIP's subnet: Linux would delete it with the VIP without the setting.
    r1.ip(&["addr", "add", "198.51.100.200/24", "dev", "eth0"]);
    alone.signal("TERM");
    assert!(alone.wait_exit().success());
    assert!(!lan.holds(1, "198.51.100.100"));
    assert!(lan.holds(1, "198.51.100.200"), "{}", r1.ip(&["-o", "addr"]));
    assert_eq!(read_sysctl(r1, key), "0");
}

/// `startup_script` runs before the routers start, `shutdown_script` after they stopped (the
/// VIP is gone by then), and one that outlives its timeout is stopped with its children.
#[test]
#[ignore = "needs root: creates network namespaces"]
fn startup_and_shutdown_scripts_run_once_around_the_routers_within_their_timeouts() {
    let scratch = Scratch::new("lifecycle");
    let dir = scratch.0.display().to_string();
    let scripts = format!(
        "router_id LB_01\n   startup_script \"ip -4 -o addr show dev eth0 > {dir}/at-start\"\n   \
         shutdown_script \"ip -4 -o addr show dev eth0 > {dir}/at-stop\"\n   \
         shutdown_script_timeout 5"
    );
    let conf = scratch.config(
        "nginx-master.conf",
        "master",
        &[("router_id LB_01", &scripts)],
    );
    let lan = Lan::new(1);
    let mut alone = vrrpd(&lan, 1, &conf);
    alone.wait_state("master", SETTLE);
    let at_start = std::fs::read_to_string(scratch.0.join("at-start")).expect("startup_script ran");
    assert!(
        at_start.contains("192.0.2.11/24") && !at_start.contains(VIP),
        "{at_start}"
    );
    assert!(!scratch.0.join("at-stop").exists());
    alone.signal("TERM");
    assert!(alone.wait_exit().success());
    let at_stop = std::fs::read_to_string(scratch.0.join("at-stop")).expect("shutdown_script ran");
    assert!(
        at_stop.contains("192.0.2.11/24") && !at_stop.contains(VIP),
        "{at_stop}"
    );

    // A shutdown_script still running at its timeout is stopped, a shell's children too.
    let marker = format!("{dir}/slow-ran");
    let slow = format!(
        "router_id LB_01\n   shutdown_script \"touch {marker}; sleep 30; touch {marker}.late\"\n   \
         shutdown_script_timeout 1"
    );
    let conf = scratch.config("nginx-master.conf", "master", &[("router_id LB_01", &slow)]);
    let mut alone = vrrpd(&lan, 1, &conf);
    alone.wait_state("master", SETTLE);
    let stopped = alone.signal("TERM");
    assert!(alone.wait_exit().success());
    let took = stopped.elapsed();
    assert!(std::path::Path::new(&marker).exists());
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(5),
        "{took:?}"
    );
    let sleepers = std::process::Command::new("pgrep")
        .args(["-f", "sleep 30; touch"])
        .output()
        .expect("pgrep");
    assert!(
        sleepers.stdout.is_empty(),
        "the script's shell was left running"
    );
}

/// `unicast_fault_no_peer` without `unicast_peer`: the instance stays in Fault, holding nothing,
/// where it would otherwise advertise by multicast and become Master.
#[test]
#[ignore = "needs root: creates network namespaces"]
fn unicast_fault_no_peer_without_peers_keeps_the_instance_in_fault() {
    let scratch = Scratch::new("no-peer");
    let changes = [(
        "    track_script {",
        "    unicast_src_ip 192.0.2.11\n    unicast_fault_no_peer\n    track_script {",
    )];
    let conf = scratch.config("nginx-master.conf", "master", &changes);
    let lan = Lan::new(1);
    let mut alone = vrrpd(&lan, 1, &conf);
    alone.wait_state("fault", SETTLE);
    // Longer than its Master_Down_Interval (3.4 s): still nothing held.
    std::thread::sleep(Duration::from_secs(4));
    assert!(!lan.holds(1, VIP));
    alone.signal("TERM");
    assert!(alone.wait_exit().success());
    // Stepping down on failure does not make it run: it is no failure to step down from.
    let changes = [(
        "    track_script {",
        "    unicast_src_ip 192.0.2.11\n    unicast_fault_no_peer\n    step_down_on_failure\n    track_script {",
    )];
    let conf = scratch.config("nginx-master.conf", "master", &changes);
    let mut alone = vrrpd(&lan, 1, &conf);
    alone.wait_state("fault", SETTLE);
    std::thread::sleep(Duration::from_secs(4));
    assert!(!lan.holds(1, VIP));
}

/// `mcast_dst_ip`: a pair on group 224.0.0.100 elects among itself, and a router of the same
/// VRID on the standard group beside them neither hears it nor is heard: both groups have a
/// Master, each advertising to its own group.
#[test]
#[ignore = "needs root: creates network namespaces, captures with tshark"]
fn mcast_dst_ip_puts_a_pair_on_its_own_group_beside_the_standard_one() {
    let scratch = Scratch::new("group");
    let changes = [(
        "    track_script {",
        "    mcast_dst_ip 224.0.0.100\n    track_script {",
    )];
    let master_conf = scratch.config("nginx-master.conf", "master", &changes);
    let backup_conf = scratch.config("nginx-backup.conf", "backup", &changes);
    let lan = Lan::new(3);
    let (_master, _backup) = elect(&lan, &master_conf, &backup_conf);
    // A file of its own (the control socket is named after it), of the same VRID.
    let standard_conf = scratch.0.join("standard.conf");
    let sample = scratch.config("nginx-master.conf", "other", &[]);
    std::fs::copy(sample, &standard_conf).expect("copied");
    let mut standard = vrrpd(&lan, 3, &standard_conf);
    standard.wait_state("master", SETTLE);
    let captured = harness::tshark::Capture::start(
        &lan.client,
        3,
        "ip proto 112",
        None,
        &["ip.src", "ip.dst"],
    )
    .finish();
    let mut seen: Vec<&str> = captured.lines().collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(
        seen,
        ["192.0.2.11\t224.0.0.100", "192.0.2.13\t224.0.0.18"],
        "{captured}"
    );
    // The pair's Backup still follows its Master (it never heard the standard group's), and
    // each group's Master holds the VIP.
    assert!(lan.holds(1, VIP) && !lan.holds(2, VIP) && lan.holds(3, VIP));
}

/// `track_src_ip`: an instance whose source address is not on its interface yet starts in Fault
/// and runs once the address comes; without it, vrrpd refuses the instance and says why.
#[test]
#[ignore = "needs root: creates network namespaces"]
fn track_src_ip_starts_in_fault_until_the_source_address_comes() {
    let scratch = Scratch::new("track-src");
    let source = "    mcast_src_ip 192.0.2.61\n    track_script {";
    let tracked = "    mcast_src_ip 192.0.2.61\n    track_src_ip\n    track_script {";
    let lan = Lan::new(1);
    let refused = scratch.config(
        "nginx-master.conf",
        "master",
        &[("    track_script {", source)],
    );
    let control = control_socket(&refused);
    let exited = std::process::Command::new("ip")
        .args([
            "netns",
            "exec",
            &lan.router(1).name,
            env!("CARGO_BIN_EXE_vrrpd"),
        ])
        .args(["--config", refused.to_str().expect("UTF-8")])
        .args(["--control", control.to_str().expect("UTF-8")])
        .output()
        .expect("running vrrpd");
    let (code, output) = (
        exited.status.code(),
        String::from_utf8_lossy(&exited.stderr).into_owned(),
    );
    assert_ne!(code, Some(0), "{output}");
    assert!(
        output.contains("192.0.2.61 is not configured on interface eth0"),
        "{output}"
    );

    let conf = scratch.config(
        "nginx-master.conf",
        "master",
        &[("    track_script {", tracked)],
    );
    let mut alone = vrrpd(&lan, 1, &conf);
    alone.wait_state("fault", SETTLE);
    std::thread::sleep(Duration::from_secs(4));
    assert!(!lan.holds(1, VIP));
    lan.router(1)
        .ip(&["addr", "add", "192.0.2.61/24", "dev", "eth0"]);
    alone.wait_state("master", SETTLE);
    assert!(lan.holds(1, VIP));
}

/// `track_group`: a static address of the group that is lost and cannot be added back (its
/// interface was deleted) holds the group's instance in Fault; created again and reloaded, the
/// address is added back on it, and the instance runs again.
#[test]
#[ignore = "needs root: creates network namespaces"]
fn a_lost_static_entry_of_a_track_group_holds_its_instances_in_fault_until_it_is_back() {
    let scratch = Scratch::new("track-group");
    let lan = Lan::new(1);
    second_link(&lan);
    let statics = "track_group G {\n    group {\n        VI_1\n    }\n}\n\
                   static_ipaddress {\n    203.0.113.5/24 dev t0 track_group G\n}\n\n\
                   vrrp_instance VI_1 {";
    let conf = scratch.config(
        "nginx-master.conf",
        "master",
        &[("vrrp_instance VI_1 {", statics)],
    );
    let r1 = lan.router(1);
    let on_t0 = || {
        r1.try_ip(&["-o", "addr", "show", "dev", "t0"])
            .unwrap_or_default()
    };
    let mut alone = vrrpd(&lan, 1, &conf);
    alone.wait_state("master", SETTLE);
    assert!(on_t0().contains("203.0.113.5/24"), "{}", on_t0());
    r1.ip(&["link", "del", "t0"]);
    alone.wait_state("fault", SETTLE);
    assert!(!lan.holds(1, VIP));
    second_link(&lan);
    alone.signal("HUP");
    alone.wait_state("master", SETTLE);
    assert!(on_t0().contains("203.0.113.5/24"), "{}", on_t0());
}
