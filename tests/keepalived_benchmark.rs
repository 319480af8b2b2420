//! Failover and resource use of `vrrp` and keepalived side by side: both implementations on bridged
//! LANs of network namespaces, in the same run, alternating trial by trial.
//!
//! As root, with keepalived installed, the benchmark (about 10 minutes, release builds):
//!
//! ```sh
//! sudo VRRP_BENCH_FULL=1 cargo test --release --all-features --test system keepalived_side_by_side -- --ignored --nocapture
//! ```
//!
//! `VRRP_BENCH_FULL=1` measures intervals of 1 s, 100 ms and 10 ms, 5 trials of each and 60 s of
//! CPU; without it the test runs a reduced size (100 ms, one trial, 5 s), which the root test run
//! does, and checks that ours took over in every trial. `VRRP_BENCH_INTERVALS` (milliseconds,
//! comma-separated), `VRRP_BENCH_TRIALS` and `VRRP_BENCH_CPU_SECONDS` set the effort one by one;
//! `VRRP_BENCH_ONLY=failover` or `=resources` runs one half. `VRRP_BENCH_ONLY=hmac` measures the
//! resources twice against the keepalived 2.4.3 that `VRRP_KEEPALIVED` names, without then with
//! HMAC authentication (`auth_hmac`, one shared key) on both sides.
//!
//! **Failover.** Each trial builds a fresh LAN and runs one implementation on both routers: r1
//! (priority 200) is elected, r2 (priority 100) backs it up. dumpcap records the bridge and
//! `ip -ts monitor address` records r2's address events; then r1 is killed (SIGKILL of the process
//! that speaks VRRP) or stopped (SIGTERM). Every time is measured from r1's last advert (SIGKILL)
//! or its priority-0 advert (SIGTERM), as the capture saw it: r2's first advert, the VIP on r2
//! (when `ip` read the netlink event) and r2's first ARP for the VIP. r2's down timer started when
//! that advert arrived, so "expiry" is that advert plus Master_Down_Interval or Skew_Time.
//!
//! **Resources.** A Master and a Backup, each with 200 virtual routers advertising every 100 ms,
//! measured over a window: CPU time (utime + stime from /proc) and RSS, and CPU per advert sent
//! (Master) or received (Backup). Ours runs the blocking driver (the `failover` example, a release
//! build when the test is one); keepalived runs its VRRP process and a parent that watches it.

use crate::common;
use crate::harness;
use harness::setting;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::pcap;
use harness::keepalived::{self, Keepalived};
use harness::lan::{self, Failover, Lan, Lines, send_signal};
use harness::netns::Netns;
use harness::pair::{Implementation, Side, Variant};

const OLD_MASTER: [u8; 4] = [192, 0, 2, 11];
const NEW_MASTER: [u8; 4] = [192, 0, 2, 12];
const VIP: [u8; 4] = [192, 0, 2, 100];
const IMPLEMENTATIONS: [Implementation; 2] = [Implementation::Ours, Implementation::Keepalived];
/// Routers per process in the resource measurement.
const ROUTERS: usize = 200;

#[test]
#[ignore = "needs root, keepalived and dumpcap (tshark); a benchmark: see the module's documentation"]
fn keepalived_side_by_side() {
    assert!(is_root(), "needs root (network namespaces)");
    assert!(
        Command::new("keepalived").arg("--version").output().is_ok(),
        "keepalived is not installed"
    );
    let full = std::env::var_os("VRRP_BENCH_FULL").is_some();
    let trials = setting("VRRP_BENCH_TRIALS", if full { 5u64 } else { 1 });
    let seconds = setting("VRRP_BENCH_CPU_SECONDS", if full { 60u64 } else { 5 });
    let intervals: Vec<u64> = match std::env::var("VRRP_BENCH_INTERVALS") {
        Ok(list) => (list.split(','))
            .map(|ms| {
                ms.trim()
                    .parse()
                    .expect("VRRP_BENCH_INTERVALS: milliseconds")
            })
            .collect(),
        Err(_) if full => vec![1000, 100, 10],
        Err(_) => vec![100],
    };
    let only = std::env::var("VRRP_BENCH_ONLY").unwrap_or_default();
    if !cfg!(debug_assertions) {
        lan::use_release_build();
    }
    let dir = std::env::temp_dir().join(format!("vrrp-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("creating the bench directory");
    if only != "resources" && only != "hmac" {
        failover(trials, &intervals, &dir);
    }
    if only == "hmac" {
        let Some(program) = keepalived::keepalived_2_4() else {
            return;
        };
        resources(seconds, &program, false);
        resources(seconds, &program, true);
    } else if only != "failover" {
        resources(seconds, "keepalived", false);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"))
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stop {
    Kill,
    Term,
}

/// What one trial saw, each measured from r1's last (or priority-0) advert.
#[derive(Default)]
struct Trial {
    advert: Option<Duration>,
    vip: Option<Duration>,
    arp: Option<Duration>,
}

fn failover(trials: u64, intervals: &[u64], dir: &Path) {
    println!("## Failover (trials: {trials} per row, implementations alternating)\n");
    println!(
        "| interval | stop | implementation | deadline | → new Master's first advert | → VIP on r2 | → first ARP | expiry → advert | advert → VIP | advert → ARP |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for &interval_ms in intervals {
        let variant = Variant::v3(false, interval_ms);
        for stop in [Stop::Kill, Stop::Term] {
            let mut results: [Vec<Trial>; 2] = [Vec::new(), Vec::new()];
            for t in 0..trials {
                // Alternate which implementation goes first, too.
                for k in 0..2 {
                    let which = (k + t as usize) % 2;
                    let trial = trial(IMPLEMENTATIONS[which], variant, stop, dir);
                    results[which].push(trial);
                }
            }
            let deadline = match stop {
                Stop::Kill => variant.master_down_interval(100),
                Stop::Term => variant.skew(100),
            };
            for (implementation, trials) in IMPLEMENTATIONS.iter().zip(&results) {
                print_row(interval_ms, stop, *implementation, deadline, trials);
            }
            let ours = &results[0];
            assert!(
                ours.iter().all(|t| t.advert.is_some() && t.vip.is_some()),
                "{interval_ms} ms, {stop:?}: r2 did not take over in every trial of ours"
            );
        }
    }
    println!();
}

fn print_row(
    interval_ms: u64,
    stop: Stop,
    implementation: Implementation,
    deadline: Duration,
    trials: &[Trial],
) {
    let points = |f: &dyn Fn(&Trial) -> Option<f64>| -> String {
        let mut ms: Vec<f64> = trials.iter().filter_map(f).collect();
        let missing = trials.len() - ms.len();
        let mut cell = summary(&mut ms);
        if missing > 0 {
            let _ = write!(cell, " ({missing} missing)");
        }
        cell
    };
    let at = |f: fn(&Trial) -> Option<Duration>| move |t: &Trial| f(t).map(millis);
    let advert_to = |f: fn(&Trial) -> Option<Duration>| {
        move |t: &Trial| Some(millis(f(t)?) - millis(t.advert?))
    };
    println!(
        "| {interval_ms} ms | {stop:?} | {implementation:?} | {:.1} | {} | {} | {} | {} | {} | {} |",
        millis(deadline),
        points(&at(|t| t.advert)),
        points(&at(|t| t.vip)),
        points(&at(|t| t.arp)),
        points(&|t| Some(millis(t.advert?) - millis(deadline))),
        points(&advert_to(|t| t.vip)),
        points(&advert_to(|t| t.arp)),
    );
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `min / median / max` in milliseconds, three decimals below 1 ms.
fn summary(ms: &mut [f64]) -> String {
    if ms.is_empty() {
        return "–".into();
    }
    ms.sort_by(f64::total_cmp);
    let median = if ms.len() % 2 == 1 {
        ms[ms.len() / 2]
    } else {
        (ms[ms.len() / 2 - 1] + ms[ms.len() / 2]) / 2.0
    };
    let show = |v: f64| {
        if v.abs() < 1.0 {
            format!("{v:.3}")
        } else {
            format!("{v:.1}")
        }
    };
    format!(
        "{} / {} / {}",
        show(ms[0]),
        show(median),
        show(ms[ms.len() - 1])
    )
}

fn trial(implementation: Implementation, variant: Variant, stop: Stop, dir: &Path) -> Trial {
    let lan = Lan::new(2);
    let settle = variant.settle();
    let mut master = Side::start(implementation, &lan, 1, variant, 200, &[]);
    master.wait_state("master", settle);
    let mut backup = Side::start(implementation, &lan, 2, variant, 100, &[]);
    backup.wait_state("backup", settle);
    let capture = Capture::start(&lan.hub, &dir.join("trial.pcap"));
    let mut monitor = AddressMonitor::start(lan.router(2));
    std::thread::sleep(variant.interval * 3 + Duration::from_millis(300));
    match stop {
        Stop::Kill => master.kill(),
        Stop::Term => master.terminate(),
    };
    backup.wait_state("master", settle);
    std::thread::sleep(variant.interval * 2 + Duration::from_millis(200));
    let records = capture.stop();
    let vip = monitor.vip_added();
    let mut seen = Trial::default();
    let Some(reference) = reference_advert(&records, stop) else {
        eprintln!("{implementation:?} {variant:?} {stop:?}: no reference advert captured");
        return seen;
    };
    let after = |at: Duration| at.checked_sub(reference);
    seen.advert = records
        .iter()
        .filter(|(at, _)| *at > reference)
        .find(|(_, frame)| advert(frame).is_some_and(|(source, _)| source == NEW_MASTER))
        .and_then(|(at, _)| after(*at));
    seen.arp = records
        .iter()
        .filter(|(at, _)| *at > reference)
        .find(|(_, frame)| arp_sender(frame) == Some(VIP))
        .and_then(|(at, _)| after(*at));
    seen.vip = vip.and_then(after);
    seen
}

/// r1's last advert before r2's first (SIGKILL), or r1's priority-0 advert (SIGTERM).
fn reference_advert(records: &[(Duration, Vec<u8>)], stop: Stop) -> Option<Duration> {
    let adverts = records
        .iter()
        .filter_map(|(at, frame)| advert(frame).map(|(source, priority)| (*at, source, priority)));
    match stop {
        Stop::Kill => adverts
            .take_while(|(_, source, _)| *source != NEW_MASTER)
            .filter(|(_, source, _)| *source == OLD_MASTER)
            .last()
            .map(|(at, _, _)| at),
        Stop::Term => adverts
            .filter(|(_, source, priority)| *source == OLD_MASTER && *priority == 0)
            .map(|(at, _, _)| at)
            .next(),
    }
}

/// The IPv4 source and priority of a VRRP frame.
fn advert(frame: &[u8]) -> Option<([u8; 4], u8)> {
    if frame.get(12..14)? != [0x08, 0x00] {
        return None;
    }
    let ip = frame.get(14..)?;
    let header_len = usize::from(ip.first()? & 0x0f) * 4;
    if *ip.get(9)? != 112 {
        return None;
    }
    let source = ip.get(12..16)?.try_into().ok()?;
    Some((source, *ip.get(header_len + 2)?))
}

/// The sender protocol address of an ARP frame.
fn arp_sender(frame: &[u8]) -> Option<[u8; 4]> {
    if frame.get(12..14)? != [0x08, 0x06] {
        return None;
    }
    frame.get(28..32)?.try_into().ok()
}

/// dumpcap on the hub's bridge, VRRP and ARP only.
struct Capture {
    child: Child,
    file: PathBuf,
}

impl Capture {
    fn start(hub: &Netns, file: &Path) -> Self {
        let _ = std::fs::remove_file(file);
        let mut child = Command::new("ip")
            .args([
                "netns", "exec", &hub.name, "dumpcap", "-q", "-P", "-i", "br0",
            ])
            .args(["-f", "ip proto 112 or arp", "-w"])
            .arg(file)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting dumpcap");
        let mut output = Lines::read(child.stderr.take().expect("piped stderr"));
        output.wait_for(&["Capturing on"], Duration::from_secs(10));
        Self {
            child,
            file: file.to_path_buf(),
        }
    }

    fn stop(mut self) -> Vec<(Duration, Vec<u8>)> {
        send_signal(self.child.id(), "INT");
        let _ = self.child.wait();
        pcap::read_records(&self.file)
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `ip -ts monitor address` in a namespace, with UTC timestamps.
struct AddressMonitor {
    child: Child,
    lines: Lines,
}

impl AddressMonitor {
    fn start(netns: &Netns) -> Self {
        let mut child = Command::new("ip")
            .args([
                "netns",
                "exec",
                &netns.name,
                "ip",
                "-ts",
                "monitor",
                "address",
            ])
            .env("TZ", "UTC")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting ip monitor");
        let lines = Lines::read(child.stdout.take().expect("piped stdout"));
        Self { child, lines }
    }

    /// When the VIP was added, since the Unix epoch.
    fn vip_added(&mut self) -> Option<Duration> {
        self.lines.collect(Duration::from_millis(100));
        let vip = format!("inet {}.{}.{}.{}/", VIP[0], VIP[1], VIP[2], VIP[3]);
        self.lines
            .seen
            .iter()
            .find(|(_, line)| line.contains(&vip) && !line.contains("Deleted"))
            .and_then(|(_, line)| utc_timestamp(line))
    }
}

impl Drop for AddressMonitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `[2026-11-22T07:23:03.330982] ...` (UTC) as time since the Unix epoch.
fn utc_timestamp(line: &str) -> Option<Duration> {
    let stamp = line.strip_prefix('[')?.split(']').next()?;
    let (date, time) = stamp.split_once('T')?;
    let mut date = date.split('-').map(|p| p.parse::<i64>());
    let (y, m, d) = (date.next()?.ok()?, date.next()?.ok()?, date.next()?.ok()?);
    let mut time = time.split(':');
    let (h, min) = (
        time.next()?.parse::<u64>().ok()?,
        time.next()?.parse::<u64>().ok()?,
    );
    let seconds: f64 = time.next()?.parse().ok()?;
    // Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = u64::try_from(era * 146_097 + day_of_era - 719_468).ok()?;
    Some(
        Duration::from_secs(days * 86_400 + h * 3600 + min * 60) + Duration::from_secs_f64(seconds),
    )
}

/// CPU time and memory of one router process (or keepalived's pair of processes).
struct Usage {
    cpu: Duration,
    adverts: u64,
    rss_kib: u64,
    /// The part of the RSS that is the process's own (heap, stacks, data), not shared files.
    anon_kib: u64,
    /// Proportional set size: shared pages divided among the processes mapping them.
    pss_kib: u64,
    /// keepalived's VRRP process alone, when the figures above include its parent.
    vrrp_process: Option<(Duration, u64)>,
}

/// The resource table, with keepalived run from `program`, all routers authenticated if `hmac`.
fn resources(seconds: u64, program: &str, hmac: bool) {
    let authenticated = if hmac { ", HMAC-authenticated" } else { "" };
    println!(
        "## Resources: a Master and a Backup with {ROUTERS} virtual routers each at 100 ms{authenticated}, over {seconds} s ({program})\n"
    );
    println!(
        "| implementation | role | CPU (utime+stime) | adverts | CPU per advert | RSS | anonymous | PSS | VRRP process alone (CPU, RSS) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for implementation in IMPLEMENTATIONS {
        let window = Duration::from_secs(seconds);
        let [master, backup] = resource_run(implementation, window, program, hmac);
        for (role, usage) in [("Master (sent)", master), ("Backup (received)", backup)] {
            let per_advert = usage.cpu.as_secs_f64() * 1e6 / usage.adverts.max(1) as f64;
            let alone = usage
                .vrrp_process
                .map(|(cpu, rss)| format!("{:.2} s, {:.1} MiB", cpu.as_secs_f64(), mib(rss)))
                .unwrap_or_else(|| "(one process)".into());
            println!(
                "| {implementation:?} | {role} | {:.2} s | {} | {per_advert:.2} µs | {:.1} MiB | {:.2} MiB | {:.1} MiB | {alone} |",
                usage.cpu.as_secs_f64(),
                usage.adverts,
                mib(usage.rss_kib),
                mib(usage.anon_kib),
                mib(usage.pss_kib),
            );
        }
    }
    println!();
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// One running process of `ROUTERS` routers, either implementation.
enum Many {
    Ours(Failover),
    Keepalived(Keepalived),
}

impl Many {
    fn start(
        implementation: Implementation,
        netns: &Netns,
        priority: u8,
        program: &str,
        hmac: bool,
    ) -> Self {
        let state_line = match implementation {
            Implementation::Ours => r#""to":"#,
            Implementation::Keepalived => "Entering ",
        };
        let mut many = match implementation {
            Implementation::Ours => {
                let priority = priority.to_string();
                let count = ROUTERS.to_string();
                let key = format!("1:hex:{}", harness::pair::HMAC_KEY);
                let auth: &[&str] = if hmac {
                    &["--auth-hmac-key", &key]
                } else {
                    &[]
                };
                Self::Ours(Failover::start(
                    netns,
                    &[
                        "--interface",
                        "eth0",
                        "--vrid",
                        "1",
                        "--count",
                        &count,
                        "--priority",
                        &priority,
                        "--advert-interval",
                        "100ms",
                        "--vip",
                        "198.51.100.1/24",
                        "--checksum",
                        "rfc5798",
                    ]
                    .iter()
                    .chain(auth)
                    .copied()
                    .collect::<Vec<&str>>(),
                ))
            }
            Implementation::Keepalived => {
                let instances: Vec<keepalived::Instance> = (1..=ROUTERS)
                    .map(|k| {
                        let vrid = u8::try_from(k).expect("VRIDs up to 255");
                        let vip = format!("198.51.100.{k}/24");
                        let mut instance = keepalived::Instance::new(
                            vrid,
                            priority,
                            Duration::from_millis(100),
                            &[&vip],
                        );
                        if hmac {
                            instance.extra = keepalived::auth_hmac_block(harness::pair::HMAC_KEY);
                        }
                        instance
                    })
                    .collect();
                Self::Keepalived(Keepalived::start_program(
                    program,
                    netns,
                    &keepalived::config(&format!("p{priority}"), &instances),
                ))
            }
        };
        let target = if priority == 200 { "master" } else { "backup" };
        let pattern = match implementation {
            Implementation::Ours => format!("{state_line}\"{target}\""),
            Implementation::Keepalived => format!("{state_line}{} STATE", target.to_uppercase()),
        };
        for _ in 0..ROUTERS {
            many.lines().wait_for(&[&pattern], Duration::from_secs(30));
        }
        many
    }

    fn lines(&mut self) -> &mut Lines {
        match self {
            Self::Ours(ours) => ours,
            Self::Keepalived(theirs) => theirs,
        }
    }

    /// The processes to measure: ours, or keepalived's VRRP process then its parent.
    fn pids(&self) -> Vec<u32> {
        match self {
            Self::Ours(ours) => vec![ours.pid()],
            Self::Keepalived(theirs) => vec![theirs.vrrp_pid(), theirs.pid()],
        }
    }

    /// Adverts sent and received so far, over all routers.
    fn adverts(&mut self) -> (u64, u64) {
        match self {
            Self::Ours(ours) => {
                let stats = ours.stats();
                (
                    sum_json(&stats, "sent_advertisements"),
                    sum_json(&stats, "rcvd_advertisements"),
                )
            }
            Self::Keepalived(theirs) => {
                let stats = theirs.stats(ROUTERS);
                (
                    sum_section(&stats, "Advertisements:", "Sent"),
                    sum_section(&stats, "Advertisements:", "Received"),
                )
            }
        }
    }
}

fn sum_json(stats: &str, field: &str) -> u64 {
    let key = format!("\"{field}\":");
    stats
        .split(&key)
        .skip(1)
        .filter_map(|rest| {
            rest.split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse::<u64>()
                .ok()
        })
        .sum()
}

/// `section`'s `name` counter summed over every instance of a keepalived statistics dump.
fn sum_section(stats: &str, section: &str, name: &str) -> u64 {
    keepalived::counters(stats)
        .iter()
        .filter(|c| c.section == section && c.name == name)
        .map(|c| c.value)
        .sum()
}

/// utime + stime of `pid`.
fn cpu_time(pid: u32) -> Duration {
    let stat =
        std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("reading /proc/PID/stat");
    // Fields after the command name, which ends with the last ')': state is the first, utime the
    // twelfth and stime the thirteenth.
    let fields: Vec<u64> = stat
        .rsplit_once(')')
        .expect("a command name in parentheses")
        .1
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let ticks = fields[10] + fields[11];
    // USER_HZ is 100 on Linux.
    Duration::from_millis(ticks * 10)
}

/// VmRSS, RssAnon and Pss of `pid`, in KiB.
fn memory(pid: u32) -> (u64, u64, u64) {
    let read = |file: &str| {
        std::fs::read_to_string(format!("/proc/{pid}/{file}"))
            .unwrap_or_else(|e| panic!("reading /proc/{pid}/{file}: {e}"))
    };
    let field = |text: &str, name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    let status = read("status");
    let rollup = read("smaps_rollup");
    (
        field(&status, "VmRSS:"),
        field(&status, "RssAnon:"),
        field(&rollup, "Pss:"),
    )
}

fn resource_run(
    implementation: Implementation,
    window: Duration,
    program: &str,
    hmac: bool,
) -> [Usage; 2] {
    let lan = Lan::new(2);
    let mut master = Many::start(implementation, lan.router(1), 200, program, hmac);
    let mut backup = Many::start(implementation, lan.router(2), 100, program, hmac);
    std::thread::sleep(Duration::from_secs(2));
    let before: Vec<(Vec<Duration>, (u64, u64))> = [&mut master, &mut backup]
        .into_iter()
        .map(|m| {
            let cpu = m.pids().into_iter().map(cpu_time).collect();
            (cpu, m.adverts())
        })
        .collect();
    std::thread::sleep(window);
    let mut usage = [&mut master, &mut backup]
        .into_iter()
        .zip(before)
        .enumerate()
        .map(|(role, (m, (cpu_before, adverts_before)))| {
            let pids = m.pids();
            let cpu: Vec<Duration> = pids
                .iter()
                .zip(&cpu_before)
                .map(|(pid, before)| cpu_time(*pid).saturating_sub(*before))
                .collect();
            let (sent, received) = m.adverts();
            let adverts = if role == 0 {
                sent - adverts_before.0
            } else {
                received - adverts_before.1
            };
            let memories: Vec<(u64, u64, u64)> = pids.iter().map(|pid| memory(*pid)).collect();
            Usage {
                cpu: cpu.iter().sum(),
                adverts,
                rss_kib: memories.iter().map(|m| m.0).sum(),
                anon_kib: memories.iter().map(|m| m.1).sum(),
                pss_kib: memories.iter().map(|m| m.2).sum(),
                vrrp_process: (pids.len() > 1).then(|| (cpu[0], memories[0].0)),
            }
        });
    [
        usage.next().expect("the Master"),
        usage.next().expect("the Backup"),
    ]
}
