//! A [`Tracker`] at work: its scripts run, its files re-read, its processes looked for and its
//! interfaces' links followed, each on a thread of its own, every change applied to a running
//! driver.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::tracker::read_number;
use super::{
    PROCESS_POLL, Process, ProcessState, RiseFall, RunError, Script, Tracker, Tracking, scan,
};
use crate::RouterKey;
use crate::host::DriverHandle;

/// Where the running processes are listed.
const PROC: &str = "/proc";

/// How often tracked files are read.
const FILE_POLL: Duration = Duration::from_secs(1);

/// A change the tracking threads saw, or a problem they met, for the embedder to log.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Report {
    /// Check `name` changed state (after its `rise` successes or `fall` failures in a row).
    Check {
        /// The check.
        name: String,
        /// Whether it is good now.
        good: bool,
    },
    /// Check `name` could not run; the run counts as a failure.
    CheckFailed {
        /// The check.
        name: String,
        /// Why.
        error: RunError,
    },
    /// Tracked interface `name` went up or down.
    Interface {
        /// The interface.
        name: String,
        /// Whether it is up now.
        up: bool,
    },
    /// Tracked file `name` holds another number.
    File {
        /// The file's name (not its path).
        name: String,
        /// The number it holds now.
        value: i64,
    },
    /// Tracked process `name` is good or failing now: `count` processes match.
    Process {
        /// The `vrrp_track_process` name.
        name: String,
        /// How many running processes match.
        count: usize,
        /// Whether the count is within the quorum (after the delays).
        good: bool,
    },
    /// Reading link events failed: tracked interfaces keep the state they had.
    LinkEventsFailed,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Check { name, good } => write!(
                f,
                "script {name} is now {}",
                if *good { "good" } else { "failing" }
            ),
            Self::CheckFailed { error, .. } => error.fmt(f),
            Self::Interface { name, up } => write!(
                f,
                "tracked interface {name} is {}",
                if *up { "up" } else { "down" }
            ),
            Self::File { name, value } => write!(f, "tracked file {name} now holds {value}"),
            Self::Process { name, count, good } => write!(
                f,
                "tracked process {name} is now {} ({count} running)",
                if *good { "good" } else { "failing" }
            ),
            Self::LinkEventsFailed => {
                f.write_str("reading link events failed; tracked interfaces are frozen")
            }
        }
    }
}

/// Why [`Tracker::start`] could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// A tracked interface does not exist.
    #[error("tracked interface {0} does not exist")]
    UnknownInterface(String),
    /// Reading the interfaces, or subscribing to their changes, failed: on Linux a
    /// `vrrp::linux::PlatformError`.
    #[error(transparent)]
    Platform(Box<dyn std::error::Error + Send + Sync + 'static>),
}

/// What the tracking threads share.
struct Shared {
    tracker: Tracker,
    /// What was last given to each router.
    applied: HashMap<RouterKey, Tracking>,
    /// Set by [`Monitor::stop`]: the threads end, and send nothing more.
    stopped: bool,
}

impl Shared {
    /// Gives every router its tracking weight and Fault flag, unless stopped.
    fn apply(&mut self, handle: &DriverHandle) {
        if self.stopped {
            return;
        }
        // A driver that stopped has no use for the rest.
        let _ = self.tracker.apply(handle);
        self.applied = self.tracker.routers().collect();
    }
}

/// Locks what the threads share. A thread that panicked while holding it left it consistent: every
/// change to it is a single insertion.
fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

type Reporter = Arc<dyn Fn(&Report) + Send + Sync>;

/// A started [`Tracker`]: its threads run until [`stop`](Self::stop) or until it is dropped.
pub struct Monitor {
    shared: Arc<Mutex<Shared>>,
    handle: DriverHandle,
}

impl Monitor {
    /// What was last given to `router`; nothing for a router not tracked.
    pub fn tracking(&self, router: RouterKey) -> Tracking {
        let shared = lock(&self.shared);
        shared.applied.get(&router).copied().unwrap_or_default()
    }

    /// Sets check `name` good or bad: one that no script runs, whose state the embedder knows
    /// (an entry it watches, a peer it counts). When that changes it, every router is given its
    /// tracking again through the driver. Returns whether it changed; nothing once stopped.
    pub fn set_check(&self, name: &str, good: bool) -> bool {
        let mut shared = lock(&self.shared);
        if shared.stopped || !shared.tracker.set_check(name, good) {
            return false;
        }
        shared.apply(&self.handle);
        true
    }

    /// Stops the threads (each ends at its next wake-up and sends nothing more) and returns the
    /// tracker as it stands, for [`Tracker::carry_checks`].
    pub fn stop(&self) -> Tracker {
        let mut shared = lock(&self.shared);
        shared.stopped = true;
        shared.tracker.clone()
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        lock(&self.shared).stopped = true;
    }
}

impl fmt::Debug for Monitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Monitor").finish_non_exhaustive()
    }
}

impl Tracker {
    /// Starts tracking: reads the tracked interfaces' links (with the `linux` feature) and the
    /// tracked files, gives every router its tracking weight and Fault flag through `handle`, then
    /// keeps them up to date from threads of their own: one per tracked script, run on its
    /// interval; one that re-reads the tracked files every second; one that scans `/proc` for the
    /// tracked processes every [`PROCESS_POLL`]; one that follows the tracked interfaces' link
    /// events. `report` hears of every change and problem. Without the `linux`
    /// feature, interfaces keep the state they were given.
    pub fn start(
        mut self,
        handle: &DriverHandle,
        report: impl Fn(&Report) + Send + Sync + 'static,
    ) -> Result<Monitor, StartError> {
        let report: Reporter = Arc::new(report);
        #[cfg(all(feature = "linux", target_os = "linux"))]
        let links = links::read(&mut self)?;
        let files = self.tracked_files();
        for (name, path) in &files {
            self.set_file(name, read_number(path));
        }
        let processes = self.tracked_processes();
        let states: Vec<(String, Process, ProcessState)> = if processes.is_empty() {
            Vec::new()
        } else {
            let running = scan(Path::new(PROC));
            (processes.into_iter())
                .map(|(name, process)| {
                    let good = process.counts_as_good(process.count(&running));
                    self.set_process(&name, good);
                    (name, process, ProcessState::new(good))
                })
                .collect()
        };
        let scripts = self.tracked_scripts();
        let shared = Arc::new(Mutex::new(Shared {
            tracker: self,
            applied: HashMap::new(),
            stopped: false,
        }));
        lock(&shared).apply(handle);

        for (name, script) in scripts {
            let (shared, handle, report) = (Arc::clone(&shared), handle.clone(), report.clone());
            std::thread::spawn(move || health_check(&name, &script, &shared, &handle, &*report));
        }
        #[cfg(all(feature = "linux", target_os = "linux"))]
        if let Some((events, indexes)) = links {
            let (shared, handle, report) = (Arc::clone(&shared), handle.clone(), report.clone());
            std::thread::spawn(move || {
                links::watch(events, indexes, &shared, &handle, &*report);
            });
        }
        if !states.is_empty() {
            let (shared, handle, report) = (Arc::clone(&shared), handle.clone(), report.clone());
            std::thread::spawn(move || watch_processes(states, &shared, &handle, &*report));
        }
        if !files.is_empty() {
            let (shared, handle) = (Arc::clone(&shared), handle.clone());
            std::thread::spawn(move || watch_files(&files, &shared, &handle, &*report));
        }
        Ok(Monitor {
            shared,
            handle: handle.clone(),
        })
    }
}

/// Runs `script` until stopped, counting rise and fall, and applies its state changes.
fn health_check(
    name: &str,
    script: &Script,
    shared: &Mutex<Shared>,
    handle: &DriverHandle,
    report: &dyn Fn(&Report),
) {
    let good = lock(shared).tracker.check(name);
    let mut state = RiseFall::new(script.rise, script.fall, good);
    loop {
        let started = Instant::now();
        if lock(shared).stopped {
            return;
        }
        let success = script.run().unwrap_or_else(|error| {
            report(&Report::CheckFailed {
                name: name.into(),
                error,
            });
            false
        });
        if let Some(good) = state.record(success) {
            report(&Report::Check {
                name: name.into(),
                good,
            });
            let mut shared = lock(shared);
            shared.tracker.set_check(name, good);
            shared.apply(handle);
        }
        std::thread::sleep(script.interval.saturating_sub(started.elapsed()));
    }
}

/// Scans `/proc` every [`PROCESS_POLL`] until stopped, and applies the tracked processes' changes.
fn watch_processes(
    mut states: Vec<(String, Process, ProcessState)>,
    shared: &Mutex<Shared>,
    handle: &DriverHandle,
    report: &dyn Fn(&Report),
) {
    loop {
        std::thread::sleep(PROCESS_POLL);
        if lock(shared).stopped {
            return;
        }
        // Scanned without the lock: the other threads need not wait for /proc.
        let running = scan(Path::new(PROC));
        let now = Instant::now();
        let mut changes = Vec::new();
        for (name, process, state) in &mut states {
            let count = process.count(&running);
            if let Some(good) = state.record(process, count, now) {
                report(&Report::Process {
                    name: name.clone(),
                    count,
                    good,
                });
                changes.push((name.clone(), good));
            }
        }
        if !changes.is_empty() {
            let mut shared = lock(shared);
            for (name, good) in changes {
                shared.tracker.set_process(&name, good);
            }
            shared.apply(handle);
        }
    }
}

/// Re-reads the tracked files every second until stopped.
fn watch_files(
    paths: &[(String, PathBuf)],
    shared: &Mutex<Shared>,
    handle: &DriverHandle,
    report: &dyn Fn(&Report),
) {
    loop {
        std::thread::sleep(FILE_POLL);
        let mut shared = lock(shared);
        if shared.stopped {
            return;
        }
        let mut changed = false;
        for (name, path) in paths {
            let value = read_number(path);
            if shared.tracker.set_file(name, value) {
                report(&Report::File {
                    name: name.clone(),
                    value,
                });
                changed = true;
            }
        }
        if changed {
            shared.apply(handle);
        }
    }
}

/// Tracked interfaces, over netlink.
#[cfg(all(feature = "linux", target_os = "linux"))]
mod links {
    use std::collections::HashMap;
    use std::sync::Mutex;
    use std::time::Duration;

    use super::{Report, Shared, StartError, lock};
    use crate::host::DriverHandle;
    use crate::linux::{Netlink, NetlinkEvent, NetlinkEvents};
    use crate::track::Tracker;

    /// How often link events are read.
    const POLL: Duration = Duration::from_millis(20);

    /// The subscription to link events, and the tracked interfaces' names by index.
    pub(super) type Links = (NetlinkEvents, HashMap<u32, String>);

    /// Subscribes to link events, then reads the tracked interfaces' links into `tracker`: none
    /// falls between the two. Returns the subscription and the tracked interfaces by index, or
    /// nothing when no interface is tracked.
    pub(super) fn read(tracker: &mut Tracker) -> Result<Option<Links>, StartError> {
        let names = tracker.tracked_interfaces();
        if names.is_empty() {
            return Ok(None);
        }
        let events = NetlinkEvents::subscribe()?;
        let links = Netlink::open()?.interfaces()?;
        let mut indexes = HashMap::new();
        for name in names {
            let link = (links.iter())
                .find(|l| l.name == name)
                .ok_or_else(|| StartError::UnknownInterface(name.clone()))?;
            tracker.set_interface(&name, link.running);
            indexes.insert(link.index, name);
        }
        Ok(Some((events, indexes)))
    }

    /// Follows link changes of the tracked interfaces until stopped, by name: an interface
    /// deleted and created again (a new index) is followed under its new index.
    pub(super) fn watch(
        mut events: NetlinkEvents,
        mut indexes: HashMap<u32, String>,
        shared: &Mutex<Shared>,
        handle: &DriverHandle,
        report: &dyn Fn(&Report),
    ) {
        while !lock(shared).stopped {
            let Ok(batch) = events.recv() else {
                report(&Report::LinkEventsFailed);
                return;
            };
            let mut changed = false;
            for event in batch {
                let (index, up) = match event {
                    NetlinkEvent::Link(link) => {
                        // A tracked name under an index not known: created again.
                        if !indexes.contains_key(&link.index)
                            && let Some(old) = (indexes.iter())
                                .find_map(|(&i, name)| (*name == link.name).then_some(i))
                        {
                            let name = indexes.remove(&old).unwrap_or_default();
                            indexes.insert(link.index, name);
                        }
                        (link.index, link.running)
                    }
                    NetlinkEvent::LinkRemoved { index } => (index, false),
                    _ => continue,
                };
                if let Some(name) = indexes.get(&index)
                    && lock(shared).tracker.set_interface(name, up)
                {
                    report(&Report::Interface {
                        name: name.clone(),
                        up,
                    });
                    changed = true;
                }
            }
            if changed {
                lock(shared).apply(handle);
            }
            std::thread::sleep(POLL);
        }
    }
}
