//! keepalived (the Debian package) as a peer in a network namespace: its configuration generated
//! into a directory of its own, run in the foreground with its own pid files, its log read line by
//! line and its statistics dump read back. Needs root.

use std::fmt::Write as _;
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::lan::{Lines, send_signal};
use super::netns::Netns;

/// One `vrrp_instance` block.
#[derive(Clone, Debug)]
pub struct Instance {
    /// The instance's name, as keepalived logs it: `(VI_51) Entering MASTER STATE`.
    pub name: String,
    pub interface: String,
    pub vrid: u8,
    pub priority: u8,
    /// 2 or 3.
    pub version: u8,
    pub interval: Duration,
    /// Addresses with their prefix length: `192.0.2.100/24`.
    pub vips: Vec<String>,
    /// `auth_type PASS` with this password (VRRPv2 only).
    pub auth_pass: Option<String>,
    /// Lines written into the block as they are (`auth_hmac { ... }`, unicast settings).
    pub extra: String,
}

impl Instance {
    /// VRRPv3 on eth0, named after its VRID.
    pub fn new(vrid: u8, priority: u8, interval: Duration, vips: &[&str]) -> Self {
        Self {
            name: format!("VI_{vrid}"),
            interface: "eth0".into(),
            vrid,
            priority,
            version: 3,
            interval,
            vips: vips.iter().map(|v| v.to_string()).collect(),
            auth_pass: None,
            extra: String::new(),
        }
    }

    fn write(&self, conf: &mut String) {
        let _ = write!(
            conf,
            "vrrp_instance {name} {{\n  state BACKUP\n  interface {interface}\n  \
             virtual_router_id {vrid}\n  priority {priority}\n  version {version}\n  \
             advert_int {interval}\n",
            name = self.name,
            interface = self.interface,
            vrid = self.vrid,
            priority = self.priority,
            version = self.version,
            interval = self.interval.as_secs_f64(),
        );
        if let Some(pass) = &self.auth_pass {
            let _ = write!(
                conf,
                "  authentication {{\n    auth_type PASS\n    auth_pass {pass}\n  }}\n"
            );
        }
        conf.push_str(&self.extra);
        conf.push_str("  virtual_ipaddress {\n");
        for vip in &self.vips {
            let _ = writeln!(conf, "    {vip}");
        }
        conf.push_str("  }\n}\n");
    }
}

/// An `auth_hmac` block with `key` (hex) as key 1, enforced, as keepalived 2.4 reads it.
pub fn auth_hmac_block(key: &str) -> String {
    format!("  auth_hmac {{\n    key 1 hex:{key}\n    active_key 1\n  }}\n")
}

/// keepalived.conf for `instances`.
pub fn config(router_id: &str, instances: &[Instance]) -> String {
    let mut conf = format!("global_defs {{\n  router_id {router_id}\n}}\n");
    for instance in instances {
        instance.write(&mut conf);
    }
    conf
}

/// Messages keepalived 2.2.7 logs when it drops a VRRP packet; its statistics dump does not count
/// checksum or version errors, so the log is read for them.
const DROP_MESSAGES: &[&str] = &[
    "Invalid VRRPv3 checksum",
    "Invalid VRRPv2 checksum",
    "invalid TTL",
    "wrong version",
    "Invalid packet type",
    "packet too",
    "received an invalid passwd",
    "auth, expecting",
    "unexpected ip number count",
    "VIPs but received",
    "not present in MASTER advert",
    "advertisement interval mismatch",
    "ip_tot_len mismatch",
    "not a unicast peer",
    // keepalived 2.4's auth_hmac.
    "authentication trailer",
    "authentication key id",
    "authentication HMAC",
];

/// The keepalived 2.4.3 that `VRRP_KEEPALIVED` names (Debian's 2.2.7 has no `auth_hmac`), or
/// `None` with a message saying why the test that needs it is skipped.
pub fn keepalived_2_4() -> Option<String> {
    match std::env::var("VRRP_KEEPALIVED") {
        Ok(path) if std::path::Path::new(&path).exists() => Some(path),
        _ => {
            eprintln!(
                "skipped: set VRRP_KEEPALIVED to a keepalived 2.4.3 binary (README, \
                 \"Building and testing\": /opt/keepalived-2.4.3/sbin/keepalived)"
            );
            None
        }
    }
}

/// A running keepalived (VRRP subsystem only) and its log (through `Deref` to [`Lines`]).
pub struct Keepalived {
    child: Child,
    log: Lines,
    dir: PathBuf,
}

impl Keepalived {
    /// Writes `conf` into a new directory and starts keepalived (the Debian package's) on it in
    /// `netns`.
    pub fn start(netns: &Netns, conf: &str) -> Self {
        Self::start_program("keepalived", netns, conf)
    }

    /// [`start`](Self::start) with the keepalived at `program`.
    pub fn start_program(program: &str, netns: &Netns, conf: &str) -> Self {
        static RUNS: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "vrrp-keepalived-{}-{}",
            std::process::id(),
            RUNS.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("creating keepalived's directory");
        let file = dir.join("keepalived.conf");
        std::fs::write(&file, conf).expect("writing keepalived.conf");
        let mut child = Command::new("ip")
            .args(["netns", "exec", &netns.name, program])
            .args([
                "--dont-fork",
                "--log-console",
                "--log-detail",
                "--no-syslog",
                "--vrrp",
                "--dont-respawn",
            ])
            .arg("--use-file")
            .arg(&file)
            .arg("--pid")
            .arg(dir.join("keepalived.pid"))
            .arg("--vrrp_pid")
            .arg(dir.join("vrrp.pid"))
            // The statistics dump goes to $TMPDIR/keepalived.stats.
            .env("TMPDIR", &dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting keepalived");
        let log = Lines::read(child.stderr.take().expect("piped stderr"));
        Self { child, log, dir }
    }

    /// Waits for `instance` to enter `state` (`"MASTER"`, `"BACKUP"`, `"FAULT"`).
    pub fn wait_state(&mut self, instance: &str, state: &str, timeout: Duration) -> Instant {
        self.wait_for(&[&format!("({instance}) Entering {state} STATE")], timeout)
    }

    /// The pid of the VRRP child process, which speaks the protocol.
    pub fn vrrp_pid(&self) -> u32 {
        let file = self.dir.join("vrrp.pid");
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(pid) = std::fs::read_to_string(&file)
                .ok()
                .and_then(|text| text.trim().parse().ok())
            {
                return pid;
            }
            assert!(Instant::now() < deadline, "keepalived wrote no {file:?}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The keepalived.conf it runs, which a reload (SIGHUP) reads again.
    pub fn config_file(&self) -> PathBuf {
        self.dir.join("keepalived.conf")
    }

    /// The pid of keepalived's parent process.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the VRRP process with SIGKILL, as a crash would (the parent, started with
    /// `--dont-respawn`, then exits); returns when the signal was sent.
    pub fn kill(&mut self) -> Instant {
        let at = send_signal(self.vrrp_pid(), "KILL");
        // keepalived 2.4 respawns the VRRP process even with `--dont-respawn`: the parent goes
        // too, as in a crash of the whole daemon (2.2.7's has exited already, or is exiting).
        let _ = self.child.kill();
        self.wait_exit();
        at
    }

    /// Asks keepalived to stop (SIGTERM to the parent); returns when the signal was sent.
    pub fn terminate(&self) -> Instant {
        send_signal(self.pid(), "TERM")
    }

    /// Waits for keepalived to exit.
    pub fn wait_exit(&mut self) -> ExitStatus {
        self.child.wait().expect("waiting for keepalived")
    }

    /// The statistics dump (SIGUSR2 to the parent, written by the VRRP process), once every one of
    /// `instances` is in it.
    pub fn stats(&self, instances: usize) -> String {
        let file = self.dir.join("keepalived.stats");
        let _ = std::fs::remove_file(&file);
        send_signal(self.pid(), "USR2");
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            // Each instance's block ends with the priority-zero "Sent" line.
            if text.matches("Priority Zero:").count() == instances
                && text.lines().last().is_some_and(|l| l.contains("Sent"))
            {
                return text;
            }
            assert!(Instant::now() < deadline, "no complete {file:?}: {text}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Everything that shows keepalived dropped a VRRP packet: the non-zero counters under "Packet
    /// Errors" and "Authentication Errors" in a statistics dump, and the drop messages in its log
    /// so far.
    pub fn protocol_errors(&mut self, stats: &str) -> Vec<String> {
        let mut errors: Vec<String> = counters(stats)
            .into_iter()
            .filter(|c| {
                matches!(
                    c.section,
                    "Packet Errors:"
                        | "Authentication Errors:"
                        | "Authentication Extension Errors:"
                ) && c.value != 0
            })
            .map(|c| format!("{} {}: {}", c.section, c.name, c.value))
            .collect();
        self.collect(Duration::from_millis(50));
        errors.extend(
            self.seen
                .iter()
                .map(|(_, line)| line)
                .filter(|line| DROP_MESSAGES.iter().any(|m| line.contains(m)))
                .cloned(),
        );
        errors
    }

    /// A counter of one instance's statistics dump, by its section and name: (`"Priority Zero:"`,
    /// `"Received"`).
    pub fn counter(stats: &str, instance: &str, section: &str, name: &str) -> u64 {
        counters(stats)
            .into_iter()
            .find(|c| c.instance == instance && c.section == section && c.name == name)
            .unwrap_or_else(|| panic!("no {section} {name} for {instance} in {stats}"))
            .value
    }
}

/// One counter of a keepalived statistics dump.
pub struct StatsCounter<'a> {
    /// The `VRRP Instance:` it belongs to.
    pub instance: &'a str,
    /// The section heading it is under (`"Packet Errors:"`), or `""` for the instance's own.
    pub section: &'a str,
    pub name: &'a str,
    pub value: u64,
}

/// Every counter of a statistics dump, in order: `VRRP Instance: NAME` starts an instance, a line
/// ending in `:` a section, and `Name: N` is a counter.
pub fn counters(stats: &str) -> Vec<StatsCounter<'_>> {
    let (mut instance, mut section) = ("", "");
    let mut found = Vec::new();
    for line in stats.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix("VRRP Instance: ") {
            (instance, section) = (name, "");
        } else if line.ends_with(':') {
            section = line;
        } else if let Some((name, value)) = line.split_once(": ") {
            found.push(StatsCounter {
                instance,
                section,
                name,
                value: value.trim().parse().expect("a counter value"),
            });
        }
    }
    found
}

impl Deref for Keepalived {
    type Target = Lines;
    fn deref(&self) -> &Lines {
        &self.log
    }
}

impl DerefMut for Keepalived {
    fn deref_mut(&mut self) -> &mut Lines {
        &mut self.log
    }
}

impl Drop for Keepalived {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            // SIGTERM lets the VRRP process take its addresses away; KILL if that hangs.
            let _ = send_signal(self.pid(), "TERM");
            let deadline = Instant::now() + Duration::from_secs(3);
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
