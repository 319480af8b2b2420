//! FRR's VRRP daemon (the Debian package `frr`) as a peer in a network namespace: `zebra` and
//! `vrrpd` run in the foreground with their own paths (`-z`, `--vty_socket`, pid files) in a
//! directory of their own, so they neither need nor touch a system-wide FRR; their state is read
//! back with `vtysh ... show vrrp json`. FRR does not make its virtual MAC interface: as its manual
//! says, the operator makes a macvlan with the virtual router MAC on the interface and puts the
//! VIP on it, which this does. Needs root.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::netns::Netns;

/// Where the Debian package puts FRR's daemons.
const DAEMONS: &str = "/usr/lib/frr";

/// Whether FRR's `zebra`, `vrrpd` and `vtysh` are installed.
pub fn installed() -> bool {
    Path::new(DAEMONS).join("vrrpd").exists() && Path::new(DAEMONS).join("zebra").exists()
}

/// One VRRPv3 virtual router of FRR.
#[derive(Clone, Copy, Debug)]
pub struct Router {
    pub interface: &'static str,
    pub vrid: u8,
    pub priority: u8,
    pub interval: Duration,
    pub ipv6: bool,
    /// The VIPs with their prefix lengths; an IPv6 router's first is link-local.
    pub vips: &'static [&'static str],
}

impl Router {
    /// The family's key in FRR's names and JSON: `4` or `6`.
    fn family(&self) -> char {
        if self.ipv6 { '6' } else { '4' }
    }

    /// The macvlan that holds the VIPs, named as FRR's manual names it.
    fn macvlan(&self) -> String {
        format!("vrrp{}-{}", self.family(), self.vrid)
    }
}

/// What `show vrrp json` says of the router's family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// `Initialize`, `Backup` or `Master`.
    pub state: String,
    pub adverts_sent: u64,
    pub adverts_received: u64,
    pub transitions: u64,
}

/// FRR running one virtual router in a namespace; stopped, and its directory removed, on drop.
pub struct Frr {
    netns: String,
    dir: PathBuf,
    router: Router,
    zebra: Child,
    vrrpd: Option<Child>,
}

impl Frr {
    /// Makes the macvlan that holds `router`'s VIPs, then starts `zebra` and `vrrpd` in `netns`.
    pub fn start(netns: &Netns, router: Router) -> Self {
        let macvlan = router.macvlan();
        // RFC 5798 §7.3: 00-00-5E-00-01-{VRID} for IPv4, 00-00-5E-00-02-{VRID} for IPv6.
        let mac = format!(
            "00:00:5e:00:0{}:{:02x}",
            1 + u8::from(router.ipv6),
            router.vrid
        );
        netns.ip(&[
            "link",
            "add",
            &macvlan,
            "link",
            router.interface,
            "type",
            "macvlan",
            "mode",
            "bridge",
        ]);
        netns.ip(&["link", "set", &macvlan, "addrgenmode", "random"]);
        netns.ip(&["link", "set", &macvlan, "address", &mac]);
        for vip in router.vips {
            if router.ipv6 {
                // The other router may hold them: no duplicate address detection, which would
                // leave them unusable, as a VIP must be on a Backup's macvlan too.
                netns.ip(&["addr", "add", vip, "dev", &macvlan, "nodad"]);
            } else {
                netns.ip(&["addr", "add", vip, "dev", &macvlan]);
            }
        }
        netns.ip(&["link", "set", &macvlan, "up"]);
        // FRR sends IPv6 adverts from the macvlan's own link-local address, which the kernel does
        // not send from until duplicate address detection is done.
        let deadline = Instant::now() + Duration::from_secs(10);
        while router.ipv6
            && !netns
                .ip(&["-6", "addr", "show", "dev", &macvlan, "tentative"])
                .trim()
                .is_empty()
        {
            assert!(Instant::now() < deadline, "{macvlan} still tentative");
            std::thread::sleep(Duration::from_millis(50));
        }
        let dir = std::env::temp_dir().join(format!("vrrp-frr-{}", netns.name));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a directory for FRR");
        // The daemons drop to the `frr` user, which writes its sockets and pid files here.
        let open = std::os::unix::fs::PermissionsExt::from_mode(0o777);
        std::fs::set_permissions(&dir, open).expect("the directory open to FRR");
        let mut conf = format!(
            "log timestamp precision 3\ninterface {interface}\n vrrp {vrid} version 3\n \
             vrrp {vrid} priority {priority}\n vrrp {vrid} advertisement-interval {ms}\n",
            interface = router.interface,
            vrid = router.vrid,
            priority = router.priority,
            ms = router.interval.as_millis(),
        );
        let keyword = if router.ipv6 { "ipv6" } else { "ip" };
        for vip in router.vips {
            let address = vip.split('/').next().expect("an address");
            conf.push_str(&format!(" vrrp {} {keyword} {address}\n", router.vrid));
        }
        std::fs::write(dir.join("frr.conf"), conf).expect("frr.conf written");
        let zebra = daemon(&netns.name, &dir, "zebra");
        let api = dir.join("zserv.api");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !api.exists() {
            assert!(Instant::now() < deadline, "zebra made no {}", api.display());
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut frr = Self {
            netns: netns.name.clone(),
            dir,
            router,
            zebra,
            vrrpd: None,
        };
        frr.start_vrrpd();
        frr
    }

    /// Starts `vrrpd` (again, after [`kill_vrrpd`](Self::kill_vrrpd)).
    pub fn start_vrrpd(&mut self) {
        assert!(self.vrrpd.is_none(), "vrrpd runs already");
        self.vrrpd = Some(daemon(&self.netns, &self.dir, "vrrpd"));
    }

    /// SIGKILL of `vrrpd`, which speaks VRRP; zebra runs on. Returns when it was sent.
    pub fn kill_vrrpd(&mut self) -> Instant {
        let mut vrrpd = self.vrrpd.take().expect("vrrpd runs");
        let at = Instant::now();
        let _ = vrrpd.kill();
        let _ = vrrpd.wait();
        at
    }

    /// The router's state and counters, or `None` while `vrrpd` does not answer yet.
    pub fn status(&self) -> Option<Status> {
        let output = Command::new("ip")
            .args(["netns", "exec", &self.netns, "vtysh", "--vty_socket"])
            .arg(&self.dir)
            .args(["-c", "show vrrp json"])
            .stderr(Stdio::null())
            .output()
            .ok()?;
        let routers: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
        let router = routers
            .as_array()?
            .iter()
            .find(|r| r["vrid"] == u64::from(self.router.vrid))?;
        let family = &router[format!("v{}", self.router.family())];
        let stats = &family["stats"];
        Some(Status {
            state: family["status"].as_str()?.to_string(),
            adverts_sent: stats["adverTx"].as_u64()?,
            adverts_received: stats["adverRx"].as_u64()?,
            transitions: stats["transitions"].as_u64()?,
        })
    }

    /// Polls [`status`](Self::status) until the router is in `state` (`"Master"`, `"Backup"`);
    /// returns when that was first seen, and the status then.
    pub fn wait_state(&self, state: &str, timeout: Duration) -> (Instant, Status) {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.status().filter(|s| s.state == state) {
                return (Instant::now(), status);
            }
            assert!(
                Instant::now() < deadline,
                "FRR not {state} after {timeout:?}: {:?}\n{}",
                self.status(),
                self.log()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// What `vrrpd` logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("vrrpd.log")).unwrap_or_default()
    }
}

impl Drop for Frr {
    fn drop(&mut self) {
        if let Some(mut vrrpd) = self.vrrpd.take() {
            let _ = vrrpd.kill();
            let _ = vrrpd.wait();
        }
        let _ = self.zebra.kill();
        let _ = self.zebra.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
        let macvlan = self.router.macvlan();
        let _ = Command::new("ip")
            .args(["-n", &self.netns, "link", "del", &macvlan])
            .status();
    }
}

/// Starts FRR daemon `name` in the foreground in `netns`, with its paths in `dir`.
fn daemon(netns: &str, dir: &Path, name: &str) -> Child {
    let path = |file: &str| dir.join(file).display().to_string();
    Command::new("ip")
        .args(["netns", "exec", netns])
        .arg(Path::new(DAEMONS).join(name))
        .args(["-u", "frr", "-g", "frr", "-z", &path("zserv.api")])
        .args(["-i", &path(&format!("{name}.pid")), "--vty_socket"])
        .arg(dir)
        .args(["-f", &path("frr.conf"), "--log"])
        .arg(format!("file:{}", path(&format!("{name}.log"))))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{name} not started: {e}"))
}
