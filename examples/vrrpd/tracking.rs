//! What moves priorities: `vrrp_script` health checks, tracked interfaces and tracked files, each
//! watched on a thread of its own, combined per virtual router into one tracking weight and one
//! Fault flag, and handed to the driver through its handle.
//!
//! keepalived's rules, per tracked item and router:
//! - a script with weight W > 0 adds W while it succeeds; W < 0 adds W while it fails; W = 0 puts
//!   the router in Fault while it fails;
//! - an interface without a weight puts the router in Fault while it is down; with W > 0 it adds
//!   W while up, with W < 0 it adds W while down;
//! - a file holding the number N adds N × W; with W = 0 a non-zero N means Fault.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use vrrp::RouterKey;
use vrrp::host::DriverHandle;
use vrrp::keepalived::{KeepalivedConfig, ScriptUser, Tracked, VrrpScript};
use vrrp::linux::{Netlink, NetlinkEvent, NetlinkEvents};

use super::{Running, command_words};

/// How often tracked interfaces' link events and tracked files are read.
const POLL: Duration = Duration::from_millis(20);
const FILE_POLL: Duration = Duration::from_secs(1);

/// What one router tracks, with the weights that apply to it.
#[derive(Default)]
struct Watches {
    scripts: Vec<(String, i16)>,
    interfaces: Vec<(String, Option<i16>)>,
    files: Vec<(String, i16)>,
}

/// What is known of every tracked item, and who tracks what.
#[derive(Default)]
struct Tracking {
    script_good: HashMap<String, bool>,
    interface_up: HashMap<String, bool>,
    file_value: HashMap<String, i64>,
    routers: Vec<(RouterKey, Watches)>,
    /// The weight last sent for each router.
    applied: HashMap<RouterKey, i16>,
    /// Set when a reload replaced this tracking: its watchers end, and send nothing more.
    stopped: bool,
}

/// The tracking in force: the weights, for the priority that notify scripts are given, and the
/// watchers, until a reload stops them.
#[derive(Clone)]
pub struct Weights(Arc<Mutex<Tracking>>);

/// What a reload carries from the old tracking to the new one: the state of each health check,
/// so that a script failing before the reload does not count as good again after it.
pub type Carried = HashMap<String, bool>;

impl Weights {
    /// Stops the watchers (each ends at its next wake-up and sends nothing more) and returns the
    /// scripts' states for the tracking that replaces it.
    pub fn stop(&self) -> Carried {
        let mut tracking = self.0.lock().expect("no panics while held");
        tracking.stopped = true;
        tracking.script_good.clone()
    }

    /// The priority of a router configured with `base` under its current tracking weight: as the
    /// core computes it, clamped to 1–254, and 255 for the owner whatever the weight.
    pub fn effective_priority(&self, key: RouterKey, base: u8) -> u8 {
        if base == 255 {
            return base;
        }
        let weight = self
            .0
            .lock()
            .map(|t| t.applied.get(&key).copied().unwrap_or(0))
            .unwrap_or(0);
        u8::try_from((i16::from(base) + weight).clamp(1, 254)).unwrap_or(base)
    }
}

impl Tracking {
    /// Sends every router its tracking weight and Fault flag.
    fn apply(&mut self, handle: &DriverHandle) {
        if self.stopped {
            return;
        }
        for (key, watches) in &self.routers {
            let mut weight: i64 = 0;
            let mut fault = false;
            for (script, w) in &watches.scripts {
                let good = self.script_good.get(script).copied().unwrap_or(true);
                match (*w, good) {
                    (0, false) => fault = true,
                    (w, true) if w > 0 => weight += i64::from(w),
                    (w, false) if w < 0 => weight += i64::from(w),
                    _ => {}
                }
            }
            for (interface, w) in &watches.interfaces {
                let up = self.interface_up.get(interface).copied().unwrap_or(false);
                match (*w, up) {
                    (None, false) => fault = true,
                    (Some(w), true) if w > 0 => weight += i64::from(w),
                    (Some(w), false) if w < 0 => weight += i64::from(w),
                    _ => {}
                }
            }
            for (file, w) in &watches.files {
                let value = self.file_value.get(file).copied().unwrap_or(0);
                if *w == 0 {
                    fault |= value != 0;
                } else {
                    weight += value.saturating_mul(i64::from(*w));
                }
            }
            let weight = i16::try_from(weight.clamp(-254, 254)).unwrap_or_default();
            let _ = handle.set_tracking_weight(*key, weight);
            self.applied.insert(*key, weight);
            let _ = handle.set_tracking_fault(*key, fault);
        }
    }
}

/// Starts a watcher for every script, interface and file some router tracks, and applies the
/// initial state; a script in `carried` starts in the state it had, any other as good.
pub fn start(
    config: &KeepalivedConfig,
    running: &[Running],
    netlink: &mut Netlink,
    handle: &DriverHandle,
    carried: &Carried,
) -> Result<Weights, String> {
    let mut tracking = Tracking::default();
    for r in running {
        let groups: Vec<_> = config
            .sync_groups
            .iter()
            .filter(|g| g.members.contains(&r.instance.name))
            .collect();
        let all = |own: &[Tracked], of_group: fn(&vrrp::keepalived::SyncGroup) -> &[Tracked]| {
            own.iter()
                .chain(groups.iter().flat_map(|g| of_group(g).iter()))
                .cloned()
                .collect::<Vec<Tracked>>()
        };
        let mut watches = Watches::default();
        for t in all(&r.instance.track_scripts, |g| &g.track_scripts) {
            if let Some(script) = config.script(&t.name) {
                watches
                    .scripts
                    .push((script.name.clone(), t.weight.unwrap_or(script.weight)));
            }
        }
        for t in all(&r.instance.track_interfaces, |g| &g.track_interfaces) {
            watches.interfaces.push((t.name.clone(), t.weight));
        }
        for t in all(&r.instance.track_files, |g| &g.track_files) {
            if let Some(file) = config.track_file(&t.name) {
                watches
                    .files
                    .push((file.name.clone(), t.weight.unwrap_or(file.weight)));
            }
        }
        tracking.routers.push((r.key, watches));
    }
    let tracked = |f: fn(&Watches) -> Vec<String>| {
        let mut names: Vec<String> = tracking.routers.iter().flat_map(|(_, w)| f(w)).collect();
        names.sort();
        names.dedup();
        names
    };
    let interfaces = tracked(|w| w.interfaces.iter().map(|(n, _)| n.clone()).collect());
    let files = tracked(|w| w.files.iter().map(|(n, _)| n.clone()).collect());
    let scripts = tracked(|w| w.scripts.iter().map(|(n, _)| n.clone()).collect());

    // Subscribed before the links are read, so that no change falls between the two.
    let events = if interfaces.is_empty() {
        None
    } else {
        Some(NetlinkEvents::subscribe().map_err(|e| e.to_string())?)
    };
    let links = netlink.interfaces().map_err(|e| e.to_string())?;
    for name in &interfaces {
        let link = links
            .iter()
            .find(|l| l.name == *name)
            .ok_or_else(|| format!("tracked interface {name} does not exist"))?;
        tracking.interface_up.insert(name.clone(), link.running);
    }
    for name in &files {
        let file = config.track_file(name).expect("resolved above");
        tracking
            .file_value
            .insert(name.clone(), read_number(&file.file));
    }
    for name in &scripts {
        if let Some(&good) = carried.get(name) {
            tracking.script_good.insert(name.clone(), good);
        }
    }
    tracking.apply(handle);

    let tracking = Arc::new(Mutex::new(tracking));
    for name in scripts {
        let script = config.script(&name).expect("resolved above").clone();
        let user = script
            .user
            .clone()
            .or_else(|| config.global.script_user.clone());
        let (tracking, handle) = (Arc::clone(&tracking), handle.clone());
        std::thread::spawn(move || health_check(&script, user.as_ref(), &tracking, &handle));
    }
    if let Some(events) = events {
        let indexes: HashMap<u32, String> = links
            .into_iter()
            .filter(|l| interfaces.contains(&l.name))
            .map(|l| (l.index, l.name))
            .collect();
        let (tracking, handle) = (Arc::clone(&tracking), handle.clone());
        std::thread::spawn(move || watch_links(events, &indexes, &tracking, &handle));
    }
    if !files.is_empty() {
        let paths: Vec<(String, std::path::PathBuf)> = files
            .iter()
            .map(|n| {
                (
                    n.clone(),
                    config.track_file(n).expect("resolved").file.clone(),
                )
            })
            .collect();
        let (tracking, handle) = (Arc::clone(&tracking), handle.clone());
        std::thread::spawn(move || watch_files(&paths, &tracking, &handle));
    }
    Ok(Weights(tracking))
}

/// Follows link changes of the tracked interfaces.
fn watch_links(
    mut events: NetlinkEvents,
    indexes: &HashMap<u32, String>,
    tracking: &Mutex<Tracking>,
    handle: &DriverHandle,
) {
    while !tracking.lock().expect("no panics while held").stopped {
        let Ok(batch) = events.recv() else {
            eprintln!("vrrpd: reading link events failed; tracked interfaces are frozen");
            return;
        };
        let mut changed = false;
        for event in batch {
            let (index, up) = match event {
                NetlinkEvent::Link(link) => (link.index, link.running),
                NetlinkEvent::LinkRemoved { index } => (index, false),
                _ => continue,
            };
            if let Some(name) = indexes.get(&index) {
                let mut t = tracking.lock().expect("no panics while held");
                if t.interface_up.insert(name.clone(), up) != Some(up) {
                    eprintln!(
                        "vrrpd: tracked interface {name} is {}",
                        if up { "up" } else { "down" }
                    );
                    changed = true;
                }
            }
        }
        if changed {
            tracking.lock().expect("no panics while held").apply(handle);
        }
        std::thread::sleep(POLL);
    }
}

/// Re-reads the tracked files every second.
fn watch_files(
    paths: &[(String, std::path::PathBuf)],
    tracking: &Mutex<Tracking>,
    handle: &DriverHandle,
) {
    loop {
        std::thread::sleep(FILE_POLL);
        let mut t = tracking.lock().expect("no panics while held");
        if t.stopped {
            return;
        }
        let mut changed = false;
        for (name, path) in paths {
            let value = read_number(path);
            if t.file_value.insert(name.clone(), value) != Some(value) {
                eprintln!("vrrpd: tracked file {name} now holds {value}");
                changed = true;
            }
        }
        if changed {
            t.apply(handle);
        }
    }
}

/// The number at the start of `path`; a missing or unreadable file counts as 0, as in keepalived.
fn read_number(path: &std::path::Path) -> i64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Runs `script` forever, counting rise and fall, and applies its state changes.
fn health_check(
    script: &VrrpScript,
    user: Option<&ScriptUser>,
    tracking: &Mutex<Tracking>,
    handle: &DriverHandle,
) {
    let argv = command_words(&script.script);
    let timeout = script.timeout.unwrap_or(script.interval);
    let mut good = tracking
        .lock()
        .expect("no panics while held")
        .script_good
        .get(&script.name)
        .copied()
        .unwrap_or(true);
    let (mut successes, mut failures) = (0, 0);
    loop {
        let started = Instant::now();
        if tracking.lock().expect("no panics while held").stopped {
            return;
        }
        if run_once(&argv, user, timeout) {
            successes += 1;
            failures = 0;
        } else {
            failures += 1;
            successes = 0;
        }
        let flips = (good && failures >= script.fall) || (!good && successes >= script.rise);
        if flips {
            good = !good;
            eprintln!(
                "vrrpd: script {} is now {}",
                script.name,
                if good { "good" } else { "failing" }
            );
            let mut t = tracking.lock().expect("no panics while held");
            t.script_good.insert(script.name.clone(), good);
            t.apply(handle);
        }
        std::thread::sleep(script.interval.saturating_sub(started.elapsed()));
    }
}

/// Runs `argv` once as `user`; true when it exits with 0 within `timeout`.
fn run_once(argv: &[String], user: Option<&ScriptUser>, timeout: Duration) -> bool {
    use std::os::unix::process::CommandExt;

    let Some((program, args)) = argv.split_first() else {
        return false;
    };
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(user) = user {
        match ids(user) {
            Some((uid, gid)) => {
                command.uid(uid).gid(gid);
            }
            None => {
                eprintln!("vrrpd: unknown script user {:?}", user.user);
                return false;
            }
        }
    }
    let Ok(mut child) = command.spawn() else {
        return false;
    };
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.success(),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
}

/// The uid and gid of `user` (its group if given, else the user's own), from /etc/passwd and
/// /etc/group.
fn ids(user: &ScriptUser) -> Option<(u32, u32)> {
    let field = |file: &str, name: &str, index: usize| -> Option<u32> {
        std::fs::read_to_string(file)
            .ok()?
            .lines()
            .map(|l| l.split(':').collect::<Vec<_>>())
            .find(|f| f.first() == Some(&name))?
            .get(index)?
            .parse()
            .ok()
    };
    let uid = field("/etc/passwd", &user.user, 2)?;
    let gid = match &user.group {
        Some(group) => field("/etc/group", group, 2)?,
        None => field("/etc/passwd", &user.user, 3)?,
    };
    Some((uid, gid))
}
