//! A LAN in network namespaces: routers and a client on one bridge, and the `failover` example
//! running in them. Needs root.

use std::io::{BufRead, BufReader, Read};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::netns::Netns;

/// A bridge in its own namespace, with routers `r1`.. and a client attached by veth pairs. Router
/// `i` (from 1) has eth0 with 192.0.2.1i/24 and fe80::1i/64; the client has 192.0.2.50/24,
/// fe80::50/64 and 2001:db8::50/64.
pub struct Lan {
    pub routers: Vec<Netns>,
    pub client: Netns,
    // Dropped last: the bridge's namespace holds the other ends of every veth pair.
    pub hub: Netns,
}

impl Lan {
    /// A LAN with `routers` routers and a client.
    pub fn new(routers: usize) -> Self {
        let hub = Netns::new("hub");
        hub.ip(&[
            "link",
            "add",
            "br0",
            "type",
            "bridge",
            "mcast_snooping",
            "0",
        ]);
        hub.ip(&["link", "set", "br0", "up"]);
        let routers: Vec<Netns> = (1..=routers)
            .map(|i| {
                let netns = Netns::new(&format!("r{i}"));
                attach(
                    &hub,
                    &netns,
                    &format!("p{i}"),
                    &format!("192.0.2.1{i}/24"),
                    &format!("fe80::1{i}/64"),
                );
                netns
            })
            .collect();
        let client = Netns::new("client");
        attach(&hub, &client, "pc", "192.0.2.50/24", "fe80::50/64");
        client.ip(&["addr", "add", "2001:db8::50/64", "dev", "eth0", "nodad"]);
        Self {
            routers,
            client,
            hub,
        }
    }

    /// Creates router `i`'s eth0 (deleted, with its port on the bridge) again with the same name
    /// and addresses, as a network manager or a container runtime would: it gets a new index.
    pub fn recreate_eth0(&self, i: usize) {
        let netns = self.router(i);
        attach(
            &self.hub,
            netns,
            &format!("p{i}"),
            &format!("192.0.2.1{i}/24"),
            &format!("fe80::1{i}/64"),
        );
    }

    /// Router `i` (from 1).
    pub fn router(&self, i: usize) -> &Netns {
        &self.routers[i - 1]
    }

    /// The MAC address of router `i`'s eth0.
    pub fn router_mac(&self, i: usize) -> String {
        mac_of(self.router(i), "eth0")
    }

    /// Whether router `i` has `address` on any interface.
    pub fn holds(&self, i: usize, address: &str) -> bool {
        let shown = self.router(i).ip(&["-o", "addr", "show"]);
        shown
            .split_whitespace()
            .any(|word| word.split('/').next() == Some(address))
    }

    /// Pings `address` from the client once (1 s timeout); true when answered.
    pub fn client_pings(&self, address: &str) -> bool {
        Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.client.name,
                "ping",
                "-c",
                "1",
                "-W",
                "1",
                address,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// The MAC the client's neighbour table holds for `address`, if any.
    pub fn client_neighbour(&self, address: &str) -> Option<String> {
        let shown = self.client.ip(&["neigh", "show", address]);
        let mut words = shown.split_whitespace();
        words.find(|w| *w == "lladdr")?;
        words.next().map(str::to_string)
    }
}

/// Joins `netns` to the bridge in `hub` through a veth pair: `port` on the bridge, `eth0` in
/// `netns` with `ipv4` and `link_local`.
fn attach(hub: &Netns, netns: &Netns, port: &str, ipv4: &str, link_local: &str) {
    hub.add_veth(port, netns, "eth0");
    hub.ip(&["link", "set", port, "master", "br0", "up"]);
    netns.configure("eth0", ipv4, link_local);
    netns.wait_until_up("eth0");
}

/// The MAC address of `device` in `netns`.
pub fn mac_of(netns: &Netns, device: &str) -> String {
    let shown = netns.ip(&["-o", "link", "show", device]);
    let mut words = shown.split_whitespace();
    words.find(|w| *w == "link/ether");
    words.next().expect("an Ethernet address").to_string()
}

static RELEASE: AtomicBool = AtomicBool::new(false);

/// Makes [`Failover`] run an optimised build of the example, for measurements. Call it before
/// starting any.
pub fn use_release_build() {
    RELEASE.store(true, Ordering::Relaxed);
}

/// Example `name`, built once per run (a debug build unless [`use_release_build`]).
pub fn example_binary(name: &str) -> PathBuf {
    static BINARIES: Mutex<Vec<(String, PathBuf)>> = Mutex::new(Vec::new());
    let mut built = BINARIES.lock().expect("no panics while held");
    if let Some((_, path)) = built.iter().find(|(n, _)| n == name) {
        return path.clone();
    }
    let release = RELEASE.load(Ordering::Relaxed);
    let mut build = Command::new(env!("CARGO"));
    build.args(["build", "--quiet", "--all-features", "--example", name]);
    if release {
        build.arg("--release");
    }
    let status = build
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("running cargo build --example");
    assert!(status.success(), "building the {name} example");
    // The running binary is target/<profile>/deps/<name>; the example is
    // target/<debug|release>/examples.
    let exe = std::env::current_exe().expect("the running binary's path");
    let target = exe
        .ancestors()
        .nth(3)
        .expect("the target directory")
        .to_path_buf();
    let path = target
        .join(if release { "release" } else { "debug" })
        .join("examples")
        .join(name);
    built.push((name.to_string(), path.clone()));
    path
}

/// Runs the `failover` example in `netns` with `args`, prefixed by `wrapper` (e.g. `setpriv ...`),
/// to completion; returns its exit code and error output.
pub fn failover_exit(netns: &Netns, wrapper: &[&str], args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new("ip")
        .args(["netns", "exec", &netns.name])
        .args(wrapper)
        .arg(example_binary("failover"))
        .args(args)
        .output()
        .expect("running the failover example");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A running `failover` example and the JSON lines it printed (through `Deref` to [`Lines`]).
pub struct Failover {
    child: Child,
    lines: Lines,
}

impl Failover {
    /// Starts the example in `netns` with `args`.
    pub fn start(netns: &Netns, args: &[&str]) -> Self {
        Self::start_program(&example_binary("failover"), netns, args)
    }

    /// Starts `program` (vrrpd, say), which prints the same JSON lines, in `netns` with `args`.
    pub fn start_program(program: &Path, netns: &Netns, args: &[&str]) -> Self {
        let mut child = Command::new("ip")
            .args(["netns", "exec", &netns.name])
            .arg(program)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", program.display()));
        let lines = Lines::read(child.stdout.take().expect("piped stdout"));
        Self { child, lines }
    }

    /// Waits for a transition to `state` (`"master"`, `"backup"`, `"fault"`).
    pub fn wait_state(&mut self, state: &str, timeout: Duration) -> Instant {
        self.wait_for(
            &[r#""event":"state""#, &format!(r#""to":"{state}""#)],
            timeout,
        )
    }

    /// Asks for statistics (SIGUSR1) and returns the stats line printed after the ones already
    /// seen.
    pub fn stats(&mut self) -> String {
        self.signal("USR1");
        self.wait_for(&[r#""event":"stats""#], Duration::from_secs(5));
        self.seen.last().expect("the stats line").1.clone()
    }

    /// Sends `signal` (`"TERM"`, `"KILL"`, `"USR1"`) and returns when it was sent.
    pub fn signal(&self, signal: &str) -> Instant {
        send_signal(self.child.id(), signal)
    }

    /// The example's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to exit.
    pub fn wait_exit(&mut self) -> ExitStatus {
        self.child.wait().expect("waiting for the failover example")
    }
}

impl Deref for Failover {
    type Target = Lines;
    fn deref(&self) -> &Lines {
        &self.lines
    }
}

impl DerefMut for Failover {
    fn deref_mut(&mut self) -> &mut Lines {
        &mut self.lines
    }
}

impl Drop for Failover {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Sends `signal` (`"TERM"`, `"KILL"`, ...) to `pid` with kill(1); returns when it was sent.
pub fn send_signal(pid: u32, signal: &str) -> Instant {
    let at = Instant::now();
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .expect("running kill");
    assert!(status.success(), "kill -{signal} {pid}");
    at
}

/// The lines a process writes to one of its outputs, each with when it arrived.
pub struct Lines {
    lines: mpsc::Receiver<(Instant, String)>,
    /// Everything read so far.
    pub seen: Vec<(Instant, String)>,
}

impl Lines {
    /// Reads `output` line by line on a thread of its own.
    pub fn read(output: impl Read + Send + 'static) -> Self {
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(output).lines().map_while(Result::ok) {
                let _ = tx.send((Instant::now(), line));
            }
        });
        Self {
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits at most `timeout` for a line containing every one of `parts` (that arrived after the
    /// lines already matched), and returns when it arrived.
    pub fn wait_for(&mut self, parts: &[&str], timeout: Duration) -> Instant {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok((at, line)) => {
                    let hit = parts.iter().all(|p| line.contains(p));
                    self.seen.push((at, line));
                    if hit {
                        return at;
                    }
                }
                Err(_) => panic!(
                    "no line with {parts:?} within {timeout:?}; seen: {:#?}",
                    self.seen
                ),
            }
        }
    }

    /// The lines that arrive within `window`, without waiting for anything in particular.
    pub fn collect(&mut self, window: Duration) -> Vec<String> {
        let deadline = Instant::now() + window;
        let mut lines = Vec::new();
        while let Ok((at, line)) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            self.seen.push((at, line.clone()));
            lines.push(line);
        }
        lines
    }
}

/// The non-zero error counters of a `failover` stats line, as `name=count`: every router's
/// `errors` object and the `global` one.
pub fn protocol_errors(stats: &str) -> Vec<String> {
    let objects = stats
        .split(r#""errors":{"#)
        .skip(1)
        .chain(stats.split(r#""global":{"#).skip(1));
    let mut nonzero = Vec::new();
    for object in objects {
        let body = object.split('}').next().unwrap_or_default();
        for entry in body.split(',') {
            let (name, count) = entry.split_once(':').expect("\"name\":count");
            let count: u64 = count.trim().parse().expect("a counter value");
            if count != 0 {
                nonzero.push(format!("{}={count}", name.trim_matches('"')));
            }
        }
    }
    nonzero
}

/// Both families' VIPs as `failover` arguments: 192.0.2.100/24, and fe80::100 with 2001:db8::100.
pub const DUAL_STACK: [&str; 6] = [
    "--vip",
    "192.0.2.100/24",
    "--vip",
    "fe80::100/64",
    "--vip",
    "2001:db8::100/64",
];

/// The IPv6 VIPs of [`DUAL_STACK`] alone.
pub const IPV6_VIPS: [&str; 4] = ["--vip", "fe80::100/64", "--vip", "2001:db8::100/64"];

/// The arguments every `failover` router of the namespace tests runs with: VRID 51 at 100 ms with `priority`, and
/// `extra`, with the VIP 192.0.2.100/24 unless `extra` names the VIPs.
pub fn router_args<'a>(priority: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "--interface",
        "eth0",
        "--vrid",
        "51",
        "--priority",
        priority,
        "--advert-interval",
        "100ms",
    ];
    if !extra.contains(&"--vip") {
        args.extend(["--vip", "192.0.2.100/24"]);
    }
    args.extend_from_slice(extra);
    args
}

pub fn router(lan: &Lan, i: usize, priority: u8, extra: &[&str]) -> Failover {
    let priority = priority.to_string();
    Failover::start(lan.router(i), &router_args(&priority, extra))
}

/// r1 (priority 200) Master, r2 (priority 100) Backup.
pub fn elected_pair(lan: &Lan, extra: &[&str]) -> (Failover, Failover) {
    let mut r2 = router(lan, 2, 100, extra);
    r2.wait_state("backup", Duration::from_secs(5));
    let mut r1 = router(lan, 1, 200, extra);
    r1.wait_state("master", Duration::from_secs(5));
    (r1, r2)
}
