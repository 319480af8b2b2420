//! Network namespaces that a test creates and removes itself (also when it fails), and running the
//! test binary inside them. Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_NET_RAW).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The environment variable that tells a re-executed test binary which part to play.
pub const ROLE: &str = "VRRP_NETNS_ROLE";
/// The marker of the lines a child reports on, among libtest's own output.
pub const REPORT: &str = "VRRP-NETNS";

/// Runs `ip` with `args` and returns its output, failing the test with its error output if it fails.
pub fn ip(args: &[&str]) -> String {
    let output = Command::new("ip")
        .args(args)
        .output()
        .expect("running ip (install iproute2)");
    assert!(
        output.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// What `command` printed, if it succeeded; its error output is dropped.
fn output_if_ok(command: &mut Command) -> Option<String> {
    command
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
}

/// A network namespace, deleted (with its interfaces) when dropped.
pub struct Netns {
    pub name: String,
}

impl Netns {
    /// A new namespace, named after this process and `suffix` so parallel runs do not collide,
    /// with its loopback up.
    pub fn new(suffix: &str) -> Self {
        let name = format!("vrrp-{}-{suffix}", std::process::id());
        ip(&["netns", "add", &name]);
        let netns = Self { name };
        netns.ip(&["link", "set", "lo", "up"]);
        netns
    }

    /// Runs `ip` inside the namespace and returns its output.
    pub fn ip(&self, args: &[&str]) -> String {
        let mut all = vec!["-n", self.name.as_str()];
        all.extend_from_slice(args);
        ip(&all)
    }

    /// Runs `ip` inside the namespace and returns its output if it succeeded, for a command that
    /// may fail (an address already gone, a device that does not exist).
    pub fn try_ip(&self, args: &[&str]) -> Option<String> {
        let mut all = vec!["-n", self.name.as_str()];
        all.extend_from_slice(args);
        output_if_ok(Command::new("ip").args(all))
    }

    /// Runs `nft` with `args` inside the namespace; its output if it succeeded.
    pub fn nft(&self, args: &[&str]) -> Option<String> {
        output_if_ok(
            Command::new("ip")
                .args(["netns", "exec", &self.name, "nft"])
                .args(args),
        )
    }

    /// Creates a veth pair: `port` in this namespace, `name` in `peer`'s, both down.
    pub fn add_veth(&self, port: &str, peer: &Netns, name: &str) {
        self.ip(&[
            "link", "add", port, "type", "veth", "peer", "name", name, "netns", &peer.name,
        ]);
    }

    /// A namespace holding a veth pair `va` (192.0.2.1/24, fe80::1/64) and `vb`, both up.
    pub fn with_veth_pair(suffix: &str) -> Self {
        let netns = Self::new(suffix);
        netns.ip(&["link", "add", "va", "type", "veth", "peer", "name", "vb"]);
        netns.configure("va", "192.0.2.1/24", "fe80::1/64");
        netns.ip(&["link", "set", "vb", "up"]);
        netns.wait_until_up("va");
        netns
    }

    /// Runs test `test` as `role` inside the namespace and expects it to report `expected`.
    pub fn run_child(&self, test: &str, role: &str, expected: &str) {
        let child = self.spawn(test, role, &[]);
        assert_eq!(
            child.next(Duration::from_secs(30)).as_deref(),
            Some(expected)
        );
        child.finish();
    }

    /// Gives interface `device` (already in this namespace) the addresses `ipv4` (with prefix) and
    /// `link_local` (with prefix, no duplicate address detection), no automatic link-local, and
    /// brings it up.
    pub fn configure(&self, device: &str, ipv4: &str, link_local: &str) {
        self.ip(&["link", "set", device, "addrgenmode", "none"]);
        self.ip(&["addr", "add", ipv4, "dev", device]);
        self.ip(&["addr", "add", link_local, "dev", device, "nodad"]);
        self.ip(&["link", "set", device, "up"]);
    }

    /// Sets sysctl `key` (a path under /proc/sys, dots for slashes) inside the namespace.
    pub fn sysctl(&self, key: &str, value: &str) {
        let path = format!("/proc/sys/{}", key.replace('.', "/"));
        let status = Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.name,
                "sh",
                "-c",
                &format!("echo {value} > {path}"),
            ])
            .status()
            .expect("running sh in the namespace");
        assert!(status.success(), "setting {key} in {}", self.name);
    }

    /// Waits until `device` is operationally up (a veth is once both ends are): IPv6 drops what is
    /// sent before that, silently.
    pub fn wait_until_up(&self, device: &str) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let output = Command::new("ip")
                .args(["-n", &self.name, "-o", "link", "show", device])
                .output()
                .expect("running ip");
            if String::from_utf8_lossy(&output.stdout).contains("state UP") {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{device} in {} never came up",
                self.name
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts this test binary inside the namespace, running test `test` as `role`, with `env`.
    /// `test` is the function's name in the caller's file; the binary knows it by its module's
    /// path, which the caller's file names (each file of `tests/` is a module of its binary).
    #[track_caller]
    pub fn spawn(&self, test: &str, role: &str, env: &[(&str, &str)]) -> Reporter {
        let module = std::path::Path::new(std::panic::Location::caller().file())
            .file_stem()
            .and_then(|stem| stem.to_str())
            .expect("a file name");
        let test = format!("{module}::{test}");
        let exe = std::env::current_exe().expect("the test binary's path");
        let mut command = Command::new("ip");
        command
            .args(["netns", "exec", &self.name])
            .arg(exe)
            .args([
                "--exact",
                &test,
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(ROLE, role)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command
            .spawn()
            .expect("starting the test binary in the namespace");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // libtest's "test NAME ... " has no newline, so a report may follow it on one line.
                if let Some(at) = line.find(REPORT) {
                    let _ = tx.send(line[at + REPORT.len()..].trim().to_string());
                }
            }
        });
        Reporter { child, lines }
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // Deleting the namespace deletes its interfaces too; a failure here must not hide the test's.
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

/// Two namespaces, `SUFFIX-a` and `SUFFIX-b`, joined by a veth pair: `va` (192.0.2.1/24,
/// fe80::1/64) in the first and `vb` (192.0.2.2/24, fe80::2/64) in the second, both up.
pub fn linked_pair(suffix: &str) -> (Netns, Netns) {
    let a = Netns::new(&format!("{suffix}-a"));
    let b = Netns::new(&format!("{suffix}-b"));
    a.add_veth("va", &b, "vb");
    a.configure("va", "192.0.2.1/24", "fe80::1/64");
    b.configure("vb", "192.0.2.2/24", "fe80::2/64");
    a.wait_until_up("va");
    b.wait_until_up("vb");
    (a, b)
}

/// A child test process and the report lines it prints.
pub struct Reporter {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Reporter {
    /// The next report line, waiting at most `timeout`.
    pub fn next(&self, timeout: Duration) -> Option<String> {
        self.lines.recv_timeout(timeout).ok()
    }

    /// Waits for the child and fails the test if it failed.
    pub fn finish(mut self) {
        let status = self.child.wait().expect("waiting for the child");
        assert!(status.success(), "child test process failed: {status}");
    }
}

impl Drop for Reporter {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Prints a report line for the parent.
pub fn report(line: &str) {
    println!("{REPORT} {line}");
}

/// Writes an `ip -batch` file into `dir` that adds, then removes, `count` addresses of
/// `network`.0.0/16 (198.18 or 198.19, the benchmarking prefix) on `device`; returns its path.
/// Run while a driver cannot read, it overruns the driver's change stream.
pub fn address_flood(dir: &Path, device: &str, count: u32, network: [u8; 2]) -> PathBuf {
    let [a, b] = network;
    let mut batch = String::new();
    for verb in ["add", "del"] {
        for i in 0..count {
            let [_, _, high, low] = i.to_be_bytes();
            batch.push_str(&format!(
                "address {verb} {a}.{b}.{high}.{low}/32 dev {device}\n"
            ));
        }
    }
    let path = dir.join(format!("flood-{device}.batch"));
    std::fs::write(&path, batch).expect("writing the batch");
    path
}

/// The notifications the kernel dropped for the netlink sockets in `netns` (their `Drops` in
/// /proc/net/netlink): non-zero once a reader's buffer overran.
pub fn netlink_drops(netns: &Netns) -> u64 {
    let output = Command::new("ip")
        .args(["netns", "exec", &netns.name, "cat", "/proc/net/netlink"])
        .output()
        .expect("reading /proc/net/netlink");
    // sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
    (String::from_utf8_lossy(&output.stdout).lines().skip(1))
        .filter_map(|line| line.split_whitespace().nth(8)?.parse::<u64>().ok())
        .sum()
}
