//! keepalived.conf's tracking (`vrrp_script`, `track_script`, `track_interface`, `vrrp_track_file`,
//! `track_file`, `vrrp_track_process`, `track_process`, an instance's own and its sync groups') as
//! a [`vrrp::track::Tracker`], started.

use std::collections::HashSet;
use std::net::IpAddr;

use vrrp::host::{DriverHandle, Event, HostEntry, Operation, RouteId, RuleId, Statics};
use vrrp::keepalived::{KeepalivedConfig, Resolved, SyncGroup, Tracked, VrrpScript};
use vrrp::track::{Monitor, Script, Tracker};

/// The check that holds in Fault an instance with `unicast_fault_no_peer` and no peers: a name
/// no `vrrp_script` can have (it has spaces), so logged as the reason.
const NO_UNICAST_PEER: &str = "unicast_fault_no_peer: no unicast_peer";

/// Starts tracking what the instances of `running` track, from `config`, and applies the initial
/// state through `handle`; a check that `carried` tracks starts in the state it had there, any
/// other as good, but the track groups' checks, which `groups` say. The `routed` interfaces are
/// not tracked: the driver makes them again at once. Changes are logged.
pub fn start(
    config: &KeepalivedConfig,
    running: &[Resolved],
    routed: &[String],
    handle: &DriverHandle,
    carried: Option<&Tracker>,
    groups: &[(String, bool)],
) -> Result<Monitor, String> {
    let mut tracker = tracker(config, running, routed);
    if let Some(carried) = carried {
        tracker.carry_checks(carried);
    }
    // Every track group good but those with a static entry lost: a group whose lost entry a
    // reload took away does not stay bad with what was carried.
    for group in &config.track_groups {
        tracker.set_check(&group_check(&group.name), true);
    }
    for (check, good) in groups {
        tracker.set_check(check, *good);
    }
    resume(tracker, handle)
}

/// Starts `tracker` as it stands: a stopped one again, as the routers it tracks run on as they
/// were when a reload was refused. Changes are logged.
pub fn resume(tracker: Tracker, handle: &DriverHandle) -> Result<Monitor, String> {
    tracker
        .start(handle, |report| tracing::info!("{report}"))
        .map_err(|e| e.to_string())
}

/// Every router of `running` with what it tracks, its own and its sync groups', and the weights
/// that apply; the scripts and files as defined.
fn tracker(config: &KeepalivedConfig, running: &[Resolved], routed: &[String]) -> Tracker {
    let mut tracker = Tracker::new();
    for script in &config.scripts {
        tracker.add_script(&script.name, script_check(config, script));
    }
    for file in &config.track_files {
        tracker.add_file(&file.name, &file.file);
    }
    for process in &config.track_processes {
        tracker.add_process(&process.name, process.matcher());
    }
    for r in running {
        // Every router, so that one whose tracking a reload took away goes back to weight 0.
        tracker.add_router(r.key);
        if r.instance.step_down_on_failure {
            tracker.step_down_on_failure(r.key);
        }
        for group in (config.track_groups.iter()).filter(|g| g.members.contains(&r.instance.name)) {
            // Good until a static entry of the group is lost: Fault while bad.
            tracker.require_check(r.key, &group_check(&group.name));
        }
        if r.instance.fault_without_peers {
            // A check no script runs, failed for good: Fault until a reload lists peers.
            tracker.require_check(r.key, NO_UNICAST_PEER);
            tracker.set_check(NO_UNICAST_PEER, false);
        }
        let groups: Vec<&SyncGroup> = (config.sync_groups.iter())
            .filter(|g| g.members.contains(&r.instance.name))
            .collect();
        let all = |own: &[Tracked], of_group: fn(&SyncGroup) -> &[Tracked]| {
            own.iter()
                .chain(groups.iter().flat_map(|g| of_group(g).iter()))
                .cloned()
                .collect::<Vec<Tracked>>()
        };
        for t in all(&r.instance.track_scripts, |g| &g.track_scripts) {
            if let Some(script) = config.script(&t.name) {
                tracker.track_check(r.key, &script.name, t.weight.unwrap_or(script.weight));
            }
        }
        for t in all(&r.instance.track_interfaces, |g| &g.track_interfaces) {
            if !routed.contains(&t.name) {
                tracker.track_interface(r.key, &t.name, t.weight);
            }
        }
        for t in all(&r.instance.track_files, |g| &g.track_files) {
            if let Some(file) = config.track_file(&t.name) {
                tracker.track_file(r.key, &file.name, t.weight.unwrap_or(file.weight));
            }
        }
        for t in all(&r.instance.track_processes, |g| &g.track_processes) {
            if let Some(process) = config.track_process(&t.name) {
                tracker.track_process(r.key, &process.name, t.weight.unwrap_or(process.weight));
            }
        }
    }
    tracker
}

/// A `vrrp_script` as a check, run as its `user`, else as `global_defs`' `script_user`.
fn script_check(config: &KeepalivedConfig, script: &VrrpScript) -> Script {
    let mut check = Script::new(&script.script)
        .interval(script.interval)
        .rise(script.rise)
        .initially_failing(script.init_fail)
        .fall(script.fall);
    if let Some(timeout) = script.timeout {
        check = check.timeout(timeout);
    }
    match script.user.as_ref().or(config.global.script_user.as_ref()) {
        Some(user) => check.user(&user.user, user.group.clone()),
        None => check,
    }
}

/// A static entry as the driver's events name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StaticKey {
    Address(IpAddr),
    Route(RouteId),
    Rule(RuleId),
}

/// The check that holds track group `name`'s members in Fault while one of its static entries
/// is lost: a name no `vrrp_script` can have (it has a space).
fn group_check(name: &str) -> String {
    format!("track_group {name}")
}

/// The static entries of `statics` (as `config` writes them, in order) that name a track group,
/// each with that group's check.
pub fn static_groups(config: &KeepalivedConfig, statics: &Statics) -> Vec<(StaticKey, String)> {
    let mut groups = Vec::new();
    for group in &config.track_groups {
        let check = group_check(&group.name);
        let addresses = (group.addresses.iter())
            .filter_map(|&i| statics.addresses.get(i))
            .map(|(_, a)| StaticKey::Address(a.address));
        let routes = (group.routes.iter())
            .filter_map(|&i| statics.routes.get(i))
            .map(|r| StaticKey::Route(r.id()));
        let rules = (group.rules.iter())
            .filter_map(|&i| statics.rules.get(i))
            .map(|r| StaticKey::Rule(r.id()));
        for key in addresses.chain(routes).chain(rules) {
            groups.push((key, check.clone()));
        }
    }
    groups
}

/// Notes in `lost` what `event` says of a static entry: lost (it could not be added back) or
/// back (added again). Returns whether that changed anything.
pub fn note_static(lost: &mut HashSet<StaticKey>, event: &Event) -> bool {
    match event {
        Event::StaticFailed { operation, .. } => match operation {
            Operation::AddAddress(address) => lost.insert(StaticKey::Address(*address)),
            Operation::AddRoute(id) => lost.insert(StaticKey::Route(*id)),
            Operation::AddRule(id) => lost.insert(StaticKey::Rule(*id)),
            _ => false,
        },
        Event::Restored {
            router: None,
            entry,
        } => lost.remove(&match entry {
            HostEntry::Address { address, .. } => StaticKey::Address(address.address),
            HostEntry::Route(route) => StaticKey::Route(route.id()),
            HostEntry::Rule(rule) => StaticKey::Rule(rule.id()),
        }),
        _ => false,
    }
}

/// Each track group's check, good unless one of its static entries is `lost`.
pub fn group_checks(
    groups: &[(StaticKey, String)],
    lost: &HashSet<StaticKey>,
) -> Vec<(String, bool)> {
    let mut checks: Vec<(String, bool)> = Vec::new();
    for (key, check) in groups {
        let good = !lost.contains(key);
        match checks.iter_mut().find(|(c, _)| c == check) {
            Some((_, all_good)) => *all_good &= good,
            None => checks.push((check.clone(), good)),
        }
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrrp::host::{BackendError, VirtualAddress};

    #[test]
    fn a_track_group_is_bad_while_a_static_entry_of_it_is_lost_and_good_once_it_is_back() {
        let lost_address: IpAddr = [203, 0, 113, 5].into();
        let groups = vec![
            (StaticKey::Address(lost_address), group_check("G")),
            (
                StaticKey::Address([203, 0, 113, 6].into()),
                group_check("G"),
            ),
            (
                StaticKey::Address([203, 0, 113, 7].into()),
                group_check("H"),
            ),
        ];
        let mut lost = HashSet::new();
        let good = vec![
            ("track_group G".into(), true),
            ("track_group H".into(), true),
        ];
        assert_eq!(group_checks(&groups, &lost), good);
        let failed = Event::StaticFailed {
            operation: Operation::AddAddress(lost_address),
            error: BackendError::from("no such device"),
        };
        assert!(note_static(&mut lost, &failed));
        assert!(!note_static(&mut lost, &failed), "noted once");
        let bad = vec![
            ("track_group G".into(), false),
            ("track_group H".into(), true),
        ];
        assert_eq!(group_checks(&groups, &lost), bad);
        // Removing one is no loss: only an entry that cannot be added back is.
        let removal = Event::StaticFailed {
            operation: Operation::RemoveAddress([203, 0, 113, 7].into()),
            error: BackendError::from("gone"),
        };
        assert!(!note_static(&mut lost, &removal));
        let back = Event::Restored {
            router: None,
            entry: HostEntry::Address {
                interface_index: 3,
                address: VirtualAddress::host(lost_address),
            },
        };
        assert!(note_static(&mut lost, &back));
        assert_eq!(group_checks(&groups, &lost), good);
    }
}
