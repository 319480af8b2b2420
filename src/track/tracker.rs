//! What each router tracks and what is known of every tracked item: the weight rules, sans IO.

use std::collections::{BTreeMap, HashMap};
#[cfg(unix)]
use std::path::Path;
use std::path::PathBuf;

use super::{Process, Script, Tracking};
use crate::RouterKey;
use crate::host::{CommandError, DriverHandle};

/// What one router tracks, with the weights that apply to it: one list, not one per kind, as most
/// of thousands of routers track nothing.
#[derive(Clone, Debug, Default)]
struct Watches {
    items: Vec<Watch>,
    /// Step down rather than go to Fault ([`Tracker::step_down_on_failure`]).
    step_down: bool,
}

/// What a tracked item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Check,
    Interface,
    File,
    Process,
}

/// One tracked item: its kind, its name and its weight (only an interface may have none: Fault
/// while down).
#[derive(Clone, Debug)]
struct Watch {
    kind: Kind,
    name: String,
    weight: Option<i16>,
}

/// The tracked items of a set of routers (health checks, interfaces, files, processes, each by
/// name), what is known of each, and the weights by which they move each router.
///
/// Items are known by their state alone: a check or a process is good until told otherwise, an
/// interface is down until told it is up, a file holds 0 until told its number. Checks defined
/// with [`add_script`](Self::add_script), files defined with [`add_file`](Self::add_file) and
/// processes defined with [`add_process`](Self::add_process) are run, read and looked for by
/// [`start`](Self::start); anything else is the embedder's to set.
#[derive(Clone, Debug, Default)]
pub struct Tracker {
    scripts: BTreeMap<String, Script>,
    paths: BTreeMap<String, PathBuf>,
    checks: HashMap<String, bool>,
    interfaces: HashMap<String, bool>,
    files: HashMap<String, i64>,
    process_specs: BTreeMap<String, Process>,
    processes: HashMap<String, bool>,
    routers: Vec<(RouterKey, Watches)>,
}

impl Tracker {
    /// A tracker with no routers and no items.
    pub fn new() -> Self {
        Self::default()
    }

    /// Defines check `name` as `script`, which [`start`](Self::start) runs if some router tracks
    /// the check.
    pub fn add_script(&mut self, name: impl Into<String>, script: Script) -> &mut Self {
        let name = name.into();
        if script.initially_failing {
            self.checks.insert(name.clone(), false);
        }
        self.scripts.insert(name, script);
        self
    }

    /// Defines tracked file `name` as the number at the start of `path` (0 when the file is
    /// missing or holds no number, as in keepalived), which [`start`](Self::start) reads if some
    /// router tracks the file.
    pub fn add_file(&mut self, name: impl Into<String>, path: impl Into<PathBuf>) -> &mut Self {
        self.paths.insert(name.into(), path.into());
        self
    }

    /// Defines tracked process `name` as `process`, which [`start`](Self::start) looks for among
    /// the running processes if some router tracks it.
    pub fn add_process(&mut self, name: impl Into<String>, process: Process) -> &mut Self {
        self.process_specs.insert(name.into(), process);
        self
    }

    /// Makes `router` track process `name` with `weight`, as a check: W > 0 is added while enough
    /// processes run, W < 0 while too few (or too many) do, and W = 0 holds the router in Fault
    /// meanwhile.
    pub fn track_process(&mut self, router: RouterKey, name: &str, weight: i16) -> &mut Self {
        self.watch(router, Kind::Process, name, Some(weight))
    }

    /// Sets whether tracked process `name` is good (its count within its quorum); returns whether
    /// that changed.
    pub fn set_process(&mut self, name: &str, good: bool) -> bool {
        self.processes.insert(name.into(), good).unwrap_or(true) != good
    }

    /// Whether tracked process `name` is good (until told otherwise, it is).
    pub fn process(&self, name: &str) -> bool {
        self.processes.get(name).copied().unwrap_or(true)
    }

    /// Includes `router` even if it tracks nothing, so that [`apply`](Self::apply) gives it weight
    /// 0 and no Fault: after a reload took its tracking away, say.
    pub fn add_router(&mut self, router: RouterKey) -> &mut Self {
        self.watches(router);
        self
    }

    /// Makes `router` track check `name` with `weight`: W > 0 is added while the check is good,
    /// W < 0 while it fails, and W = 0 holds the router in Fault while it fails.
    pub fn track_check(&mut self, router: RouterKey, name: &str, weight: i16) -> &mut Self {
        self.watch(router, Kind::Check, name, Some(weight))
    }

    /// Makes `router` require check `name`: it is in Fault while the check fails, even if it
    /// [steps down on failure](Self::step_down_on_failure), for a condition without which it
    /// must not run at all (keepalived's `unicast_fault_no_peer` without a peer, a lost static
    /// entry of its `track_group`).
    pub fn require_check(&mut self, router: RouterKey, name: &str) -> &mut Self {
        self.watch(router, Kind::Check, name, None)
    }

    /// Makes `router` track interface `name`: without a weight the router is in Fault while the
    /// interface is down; W > 0 is added while it is up, W < 0 while it is down; W = 0 does
    /// neither.
    pub fn track_interface(
        &mut self,
        router: RouterKey,
        name: &str,
        weight: Option<i16>,
    ) -> &mut Self {
        self.watch(router, Kind::Interface, name, weight)
    }

    /// Makes `router` track file `name` with `weight`: the file's number N adds N × W; with W = 0 a
    /// non-zero N holds the router in Fault.
    pub fn track_file(&mut self, router: RouterKey, name: &str, weight: i16) -> &mut Self {
        self.watch(router, Kind::File, name, Some(weight))
    }

    fn watch(
        &mut self,
        router: RouterKey,
        kind: Kind,
        name: &str,
        weight: Option<i16>,
    ) -> &mut Self {
        let name = name.into();
        self.watches(router)
            .items
            .push(Watch { kind, name, weight });
        self
    }

    fn watches(&mut self, router: RouterKey) -> &mut Watches {
        let i = match self.routers.iter().position(|(key, _)| *key == router) {
            Some(i) => i,
            None => {
                self.routers.push((router, Watches::default()));
                self.routers.len() - 1
            }
        };
        &mut self.routers[i].1
    }

    /// Sets whether check `name` is good; returns whether that changed.
    pub fn set_check(&mut self, name: &str, good: bool) -> bool {
        self.checks.insert(name.into(), good).unwrap_or(true) != good
    }

    /// Whether check `name` is good (until told otherwise, it is).
    pub fn check(&self, name: &str) -> bool {
        self.checks.get(name).copied().unwrap_or(true)
    }

    /// Sets whether interface `name` is up; returns whether that changed.
    pub fn set_interface(&mut self, name: &str, up: bool) -> bool {
        self.interfaces.insert(name.into(), up).unwrap_or(false) != up
    }

    /// Whether interface `name` is up (until told otherwise, it is down).
    pub fn interface(&self, name: &str) -> bool {
        self.interfaces.get(name).copied().unwrap_or(false)
    }

    /// Sets the number file `name` holds; returns whether that changed.
    pub fn set_file(&mut self, name: &str, value: i64) -> bool {
        self.files.insert(name.into(), value).unwrap_or(0) != value
    }

    /// The number file `name` holds (until told otherwise, 0).
    pub fn file(&self, name: &str) -> i64 {
        self.files.get(name).copied().unwrap_or(0)
    }

    /// Takes over the state of every check that `from` knows and this tracker's routers track: a
    /// check failing before a reload does not count as good after it.
    pub fn carry_checks(&mut self, from: &Tracker) {
        for name in self.tracked(Kind::Check) {
            if let Some(&good) = from.checks.get(&name) {
                self.checks.insert(name, good);
            }
        }
    }

    /// What `router`'s tracked items add up to now; nothing for a router not tracked here.
    pub fn tracking(&self, router: RouterKey) -> Tracking {
        self.routers
            .iter()
            .find(|(key, _)| *key == router)
            .map(|(_, watches)| self.sum(watches))
            .unwrap_or_default()
    }

    /// Every router with what its tracked items add up to now, in the order they were added.
    pub fn routers(&self) -> impl Iterator<Item = (RouterKey, Tracking)> + '_ {
        self.routers
            .iter()
            .map(|(key, watches)| (*key, self.sum(watches)))
    }

    /// Makes `router` step down when a tracked item fails, rather than go to Fault (see
    /// [`VirtualRouter::set_healthy`](crate::VirtualRouter::set_healthy)): [`apply`](Self::apply)
    /// then gives it [`Tracking::failing`] as its health and never a tracking fault. Weights
    /// still apply. A router not added yet is added.
    pub fn step_down_on_failure(&mut self, router: RouterKey) -> &mut Self {
        self.watches(router).step_down = true;
        self
    }

    /// Gives every router its tracking weight and Fault flag through `handle` (its health, for a
    /// router that [steps down on failure](Self::step_down_on_failure)); a router the driver does
    /// not run, or a stopped driver, is an error.
    pub fn apply(&self, handle: &DriverHandle) -> Result<(), CommandError> {
        for (router, watches) in &self.routers {
            let tracking = self.sum(watches);
            handle.set_tracking_weight(*router, tracking.weight)?;
            if watches.step_down {
                handle.set_tracking_fault(*router, self.required_failing(watches))?;
                handle.set_healthy(*router, !tracking.failing)?;
            } else {
                handle.set_tracking_fault(*router, tracking.fault)?;
            }
        }
        Ok(())
    }

    /// Whether a check `watches` [requires](Self::require_check) fails.
    fn required_failing(&self, watches: &Watches) -> bool {
        (watches.items.iter()).any(|item| {
            item.kind == Kind::Check && item.weight.is_none() && !self.check(&item.name)
        })
    }

    fn sum(&self, watches: &Watches) -> Tracking {
        let mut weight: i64 = 0;
        let (mut fault, mut failing) = (false, false);
        for item in &watches.items {
            let good = match item.kind {
                Kind::Check => self.check(&item.name),
                Kind::Process => self.process(&item.name),
                Kind::Interface => self.interface(&item.name),
                Kind::File => {
                    let value = self.file(&item.name);
                    match item.weight.unwrap_or(0) {
                        0 => {
                            fault |= value != 0;
                            failing |= value != 0;
                        }
                        w => weight = weight.saturating_add(value.saturating_mul(i64::from(w))),
                    }
                    continue;
                }
            };
            failing |= !good;
            // A weight W counts while the item is good (W > 0) or bad (W < 0). A check or a
            // process with W = 0, or an interface without a weight, is Fault while it is bad; an
            // interface with W = 0 does neither.
            match (item.weight, good) {
                (None, false) => fault = true,
                (Some(0), false) if item.kind != Kind::Interface => fault = true,
                // Saturating: a tracked file's number may be anything, and may come first.
                (Some(w), true) if w > 0 => weight = weight.saturating_add(i64::from(w)),
                (Some(w), false) if w < 0 => weight = weight.saturating_add(i64::from(w)),
                _ => {}
            }
        }
        Tracking {
            // The clamp keeps it within an i16.
            weight: i16::try_from(weight.clamp(-254, 254)).unwrap_or_default(),
            fault,
            failing,
        }
    }

    /// The names of the items of `kind` that some router tracks, sorted, each once.
    fn tracked(&self, kind: Kind) -> Vec<String> {
        let mut names: Vec<String> = (self.routers.iter())
            .flat_map(|(_, watches)| watches.items.iter())
            .filter(|item| item.kind == kind)
            .map(|item| item.name.clone())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The tracked checks that are defined as scripts, with their scripts.
    #[cfg(unix)]
    pub(super) fn tracked_scripts(&self) -> Vec<(String, Script)> {
        (self.tracked(Kind::Check).into_iter())
            .filter_map(|name| Some((name.clone(), self.scripts.get(&name)?.clone())))
            .collect()
    }

    /// The tracked files that are defined with a path, with their paths.
    #[cfg(unix)]
    pub(super) fn tracked_files(&self) -> Vec<(String, PathBuf)> {
        (self.tracked(Kind::File).into_iter())
            .filter_map(|name| Some((name.clone(), self.paths.get(&name)?.clone())))
            .collect()
    }

    /// The tracked processes that are defined, with what to look for.
    #[cfg(unix)]
    pub(super) fn tracked_processes(&self) -> Vec<(String, Process)> {
        (self.tracked(Kind::Process).into_iter())
            .filter_map(|name| Some((name.clone(), self.process_specs.get(&name)?.clone())))
            .collect()
    }

    /// The tracked interfaces.
    #[cfg(all(feature = "linux", target_os = "linux"))]
    pub(super) fn tracked_interfaces(&self) -> Vec<String> {
        self.tracked(Kind::Interface)
    }
}

/// The number at the start of `path`; a missing or unreadable file counts as 0, as in keepalived.
#[cfg(unix)]
pub(super) fn read_number(path: &Path) -> i64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AddressFamily, Priority, Vrid};

    fn router(vrid: u8) -> RouterKey {
        RouterKey {
            interface_index: 2,
            family: AddressFamily::Ipv4,
            vrid: Vrid::new(vrid).expect("not 0"),
        }
    }

    fn weight_fault(tracker: &Tracker) -> (i16, bool) {
        let tracking = tracker.tracking(router(1));
        (tracking.weight, tracking.fault)
    }

    #[test]
    fn a_router_that_steps_down_gets_its_failures_as_health_and_never_a_fault() {
        let mut tracker = Tracker::new();
        tracker
            .track_check(router(1), "weighted", -30)
            .track_check(router(1), "fatal", 0)
            .track_check(router(2), "fatal", 0)
            .step_down_on_failure(router(1));
        let (handle, commands) = DriverHandle::new(std::sync::Arc::new(|| {}));
        handle.set_routers([router(1), router(2)]);
        let applied = |tracker: &Tracker| {
            tracker.apply(&handle).expect("both run");
            commands
                .try_iter()
                .map(|c| format!("{c:?}"))
                .collect::<Vec<_>>()
        };
        let health = |commands: &[String], key: RouterKey| {
            (commands.iter())
                .find(|c| c.starts_with("SetHealthy") && c.contains(&format!("{:?}", key.vrid)))
                .cloned()
        };
        let fault = |commands: &[String], key: RouterKey| {
            (commands.iter())
                .find(|c| {
                    c.starts_with("SetTrackingFault") && c.contains(&format!("{:?}", key.vrid))
                })
                .is_some_and(|c| c.ends_with("true)"))
        };
        let all_good = applied(&tracker);
        assert!(health(&all_good, router(1)).is_some_and(|c| c.ends_with("true)")));
        assert_eq!(health(&all_good, router(2)), None, "router 2 uses Fault");

        tracker.set_check("weighted", false);
        assert!(tracker.tracking(router(1)).failing);
        let weighted = applied(&tracker);
        assert!(health(&weighted, router(1)).is_some_and(|c| c.ends_with("false)")));
        assert!(!fault(&weighted, router(1)));

        tracker.set_check("weighted", true);
        tracker.set_check("fatal", false);
        assert!(
            tracker.tracking(router(1)).fault,
            "the sum still says Fault"
        );
        let fatal = applied(&tracker);
        assert!(health(&fatal, router(1)).is_some_and(|c| c.ends_with("false)")));
        assert!(!fault(&fatal, router(1)), "router 1 steps down instead");
        assert!(fault(&fatal, router(2)), "router 2 goes to Fault");

        // A required check is a Fault even for a router that steps down.
        tracker.set_check("fatal", true);
        tracker.require_check(router(1), "required");
        tracker.set_check("required", false);
        let required = applied(&tracker);
        assert!(fault(&required, router(1)), "router 1 goes to Fault too");
        assert!(health(&required, router(1)).is_some_and(|c| c.ends_with("false)")));
        tracker.set_check("required", true);
        assert!(!fault(&applied(&tracker), router(1)));
    }

    #[test]
    fn a_check_adds_a_positive_weight_while_good_and_a_negative_one_while_failing() {
        let mut tracker = Tracker::new();
        tracker
            .track_check(router(1), "up", 20)
            .track_check(router(1), "down", -30);
        assert_eq!(weight_fault(&tracker), (20, false));
        tracker.set_check("up", false);
        assert_eq!(weight_fault(&tracker), (0, false));
        tracker.set_check("down", false);
        assert_eq!(weight_fault(&tracker), (-30, false));
        tracker.set_check("up", true);
        assert_eq!(weight_fault(&tracker), (-10, false));
    }

    #[test]
    fn a_process_moves_the_weight_as_a_check_and_with_weight_0_is_a_fault_while_failing() {
        let mut tracker = Tracker::new();
        tracker
            .track_process(router(1), "nginx", -60)
            .track_process(router(1), "sidecar", 10)
            .track_process(router(2), "nginx", 0)
            .track_check(router(1), "nginx", -5);
        assert_eq!(weight_fault(&tracker), (10, false));
        assert!(!tracker.set_process("nginx", true), "good by default");
        assert!(tracker.set_process("nginx", false));
        // A check of the same name is another item.
        assert_eq!(weight_fault(&tracker), (-50, false));
        assert!(tracker.tracking(router(1)).failing);
        assert!(tracker.tracking(router(2)).fault);
        tracker.set_process("sidecar", false);
        assert_eq!(weight_fault(&tracker), (-60, false));
    }

    #[test]
    fn a_check_of_weight_0_is_a_fault_while_it_fails() {
        let mut tracker = Tracker::new();
        tracker.track_check(router(1), "c", 0);
        assert_eq!(weight_fault(&tracker), (0, false));
        tracker.set_check("c", false);
        assert_eq!(weight_fault(&tracker), (0, true));
    }

    #[test]
    fn an_interface_without_weight_is_a_fault_while_down_and_with_one_moves_the_weight() {
        let mut tracker = Tracker::new();
        tracker.track_interface(router(1), "eth1", None);
        // Down until told otherwise.
        assert_eq!(weight_fault(&tracker), (0, true));
        tracker.set_interface("eth1", true);
        assert_eq!(weight_fault(&tracker), (0, false));

        let mut tracker = Tracker::new();
        tracker
            .track_interface(router(1), "plus", Some(15))
            .track_interface(router(1), "minus", Some(-25))
            .track_interface(router(1), "zero", Some(0));
        assert_eq!(weight_fault(&tracker), (-25, false));
        for name in ["plus", "minus", "zero"] {
            tracker.set_interface(name, true);
        }
        assert_eq!(weight_fault(&tracker), (15, false));
    }

    #[test]
    fn a_file_adds_its_number_times_the_weight_and_with_weight_0_a_non_zero_number_is_a_fault() {
        let mut tracker = Tracker::new();
        tracker
            .track_file(router(1), "f", -2)
            .track_file(router(1), "g", 0);
        assert_eq!(weight_fault(&tracker), (0, false));
        tracker.set_file("f", 7);
        assert_eq!(weight_fault(&tracker), (-14, false));
        tracker.set_file("g", 1);
        assert_eq!(weight_fault(&tracker), (-14, true));
    }

    #[test]
    fn a_huge_file_number_then_other_weights_saturates_instead_of_wrapping() {
        let mut tracker = Tracker::new();
        tracker
            .track_file(router(1), "f", 1)
            .track_check(router(1), "up", 10)
            .track_check(router(1), "down", -10);
        tracker.set_file("f", i64::MAX);
        assert_eq!(weight_fault(&tracker), (254, false));
        tracker.set_file("f", i64::MIN);
        tracker.set_check("down", false);
        tracker.set_check("up", false);
        assert_eq!(weight_fault(&tracker), (-254, false));
    }

    #[test]
    fn the_weight_is_kept_within_254_and_the_priority_within_1_to_254_but_the_owner_keeps_255() {
        let mut tracker = Tracker::new();
        tracker.track_file(router(1), "f", 100);
        tracker.set_file("f", i64::MAX);
        assert_eq!(weight_fault(&tracker), (254, false));
        let high = tracker.tracking(router(1));
        assert_eq!(high.priority(Priority::new(100)), Priority::new(254));
        assert_eq!(high.priority(Priority::OWNER), Priority::OWNER);
        tracker.set_file("f", -3);
        let low = tracker.tracking(router(1));
        assert_eq!(low.weight, -254);
        assert_eq!(low.priority(Priority::new(100)), Priority::new(1));
        assert_eq!(low.priority(Priority::OWNER), Priority::OWNER);
    }

    #[test]
    fn each_router_sums_only_what_it_tracks() {
        let mut tracker = Tracker::new();
        tracker
            .track_check(router(1), "c", -10)
            .track_check(router(2), "c", -20)
            .add_router(router(3));
        tracker.set_check("c", false);
        let all: Vec<(RouterKey, i16)> = tracker.routers().map(|(k, t)| (k, t.weight)).collect();
        assert_eq!(all, [(router(1), -10), (router(2), -20), (router(3), 0)]);
        assert_eq!(tracker.tracking(router(4)), Tracking::default());
    }

    #[test]
    fn setting_a_state_says_whether_it_changed_counting_from_the_defaults() {
        let mut tracker = Tracker::new();
        assert!(!tracker.set_check("c", true));
        assert!(tracker.set_check("c", false));
        assert!(!tracker.set_check("c", false));
        assert!(!tracker.set_interface("i", false));
        assert!(tracker.set_interface("i", true));
        assert!(!tracker.set_file("f", 0));
        assert!(tracker.set_file("f", 3));
    }

    #[test]
    fn a_script_that_starts_failing_is_failing_until_it_has_run() {
        let mut tracker = Tracker::new();
        tracker
            .add_script("up", Script::new("true"))
            .add_script("down", Script::new("true").initially_failing(true));
        assert!(tracker.check("up"));
        assert!(!tracker.check("down"));
    }

    #[test]
    fn carried_checks_keep_their_state_only_where_still_tracked() {
        let mut old = Tracker::new();
        old.track_check(router(1), "kept", -10)
            .track_check(router(1), "dropped", -10);
        old.set_check("kept", false);
        old.set_check("dropped", false);
        let mut new = Tracker::new();
        new.track_check(router(2), "kept", -5);
        new.carry_checks(&old);
        assert!(!new.check("kept"));
        assert!(new.check("dropped"));
        assert_eq!(new.tracking(router(2)).weight, -5);
    }
}
