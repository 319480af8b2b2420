//! keepalived.conf's tracking (`vrrp_script`, `track_script`, `track_interface`, `vrrp_track_file`,
//! `track_file`, `vrrp_track_process`, `track_process`, an instance's own and its sync groups') as
//! a [`vrrp::track::Tracker`], started.

use vrrp::host::DriverHandle;
use vrrp::keepalived::{KeepalivedConfig, Resolved, SyncGroup, Tracked, VrrpScript};
use vrrp::track::{Monitor, Script, Tracker};

/// The check that holds in Fault an instance with `unicast_fault_no_peer` and no peers: a name
/// no `vrrp_script` can have (it has spaces), so logged as the reason.
const NO_UNICAST_PEER: &str = "unicast_fault_no_peer: no unicast_peer";

/// Starts tracking what the instances of `running` track, from `config`, and applies the initial
/// state through `handle`; a check that `carried` tracks starts in the state it had there, any
/// other as good. Changes are logged.
pub fn start(
    config: &KeepalivedConfig,
    running: &[Resolved],
    handle: &DriverHandle,
    carried: Option<&Tracker>,
) -> Result<Monitor, String> {
    let mut tracker = tracker(config, running);
    if let Some(carried) = carried {
        tracker.carry_checks(carried);
    }
    tracker
        .start(handle, |report| tracing::info!("{report}"))
        .map_err(|e| e.to_string())
}

/// Every router of `running` with what it tracks, its own and its sync groups', and the weights
/// that apply; the scripts and files as defined.
fn tracker(config: &KeepalivedConfig, running: &[Resolved]) -> Tracker {
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
        if r.instance.fault_without_peers {
            // A check no script runs, failed for good: Fault until a reload lists peers.
            tracker.track_check(r.key, NO_UNICAST_PEER, 0);
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
            tracker.track_interface(r.key, &t.name, t.weight);
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
