//! SIGHUP: the file read again, and only what changed applied.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use vrrp::RouterKey;
use vrrp::host::{DriverHandle, Instance, Reconfiguration, ReconfigureError, RunningInstances};
use vrrp::keepalived::{
    KeepalivedConfig, Resolved, SystemFiles, default_config_id, parse_file_as, resolve, sync_groups,
};
use vrrp::linux::Netlink;

use crate::Daemon;
use crate::RunningInstance;
use crate::fifo::Fifos;
use crate::tracking;
use vrrp::linux::InterfaceNames;

/// A sync group's members, or an instance outside any group, each with what the driver runs for
/// it, sorted by key: what changes as a unit.
type Unit = Vec<(RouterKey, Instance)>;

/// The units of `instances` (each with its key), grouped by `groups`: the groups first, then the
/// others in the order given.
fn units(instances: Vec<(RouterKey, Instance)>, groups: &[Vec<RouterKey>]) -> Vec<Unit> {
    let group_of: HashMap<RouterKey, usize> = (groups.iter().enumerate())
        .flat_map(|(i, keys)| keys.iter().map(move |key| (*key, i)))
        .collect();
    let mut units: Vec<Unit> = vec![Vec::new(); groups.len()];
    for (key, instance) in instances {
        match group_of.get(&key) {
            Some(&group) => units[group].push((key, instance)),
            None => units.push(vec![(key, instance)]),
        }
    }
    for unit in &mut units[..groups.len()] {
        unit.sort_by_key(|(key, _)| *key);
    }
    units
}

/// The units the driver runs, as it answered.
fn running_units(running: RunningInstances) -> Vec<Unit> {
    let instances = (running.instances.into_iter())
        .map(|instance| (RouterKey::of(instance.config()), instance))
        .collect();
    units(instances, &running.sync_groups)
}

/// The units the new file runs.
fn file_units(config: &KeepalivedConfig, resolved: &[Resolved]) -> Result<Vec<Unit>, String> {
    let instances = (resolved.iter())
        .map(|r| Ok((r.key, r.driven()?)))
        .collect::<Result<_, String>>()?;
    Ok(units(instances, &sync_groups(config, resolved)))
}

/// The change from what the driver runs to what the new file says: a unit that runs the same
/// before and after is kept, with its state and addresses; any other is removed, added, or
/// replaced. Tracking and notify settings are not part of it: they apply without touching the
/// routers.
fn reconfiguration(
    old: RunningInstances,
    new: (&KeepalivedConfig, &[Resolved]),
) -> Result<Reconfiguration, String> {
    let (old_units, new_units) = (running_units(old), file_units(new.0, new.1)?);
    let mut change = Reconfiguration::default();
    for unit in old_units.iter().filter(|u| !new_units.contains(u)) {
        change.remove.extend(unit.iter().map(|(key, _)| *key));
    }
    let changed: Vec<&Unit> = new_units
        .iter()
        .filter(|u| !old_units.contains(u))
        .collect();
    for unit in &changed {
        change
            .add
            .extend(unit.iter().map(|(_, instance)| instance.clone()));
    }
    change.sync_groups = sync_groups(new.0, new.1)
        .into_iter()
        .filter(|keys| {
            changed
                .iter()
                .any(|unit| unit.iter().any(|(key, _)| keys.contains(key)))
        })
        .collect();
    Ok(change)
}

/// What a reload changed, in routers.
pub struct Reloaded {
    /// Routers stopped.
    pub removed: usize,
    /// Routers started.
    pub added: usize,
    /// Routers kept running untouched.
    pub kept: usize,
}

/// Reads the file again and applies what changed (SIGHUP). A file with errors, or a change the
/// driver refuses, is reported and changes nothing.
pub fn reload(
    path: &Path,
    config_id: Option<&str>,
    daemon: &Mutex<Daemon>,
    handle: &DriverHandle,
) -> Result<Reloaded, String> {
    let unchanged = |message: String| format!("{message}\nnothing changed");
    let id = config_id.map(str::to_string).or_else(default_config_id);
    let mut config =
        parse_file_as(&SystemFiles, path, id.as_deref()).map_err(|e| unchanged(e.to_string()))?;
    for warning in &config.warnings {
        tracing::warn!("{warning}");
    }
    let namespace = daemon
        .lock()
        .expect("no panics while held")
        .config
        .global
        .net_namespace
        .clone();
    if config.global.net_namespace != namespace {
        return Err(unchanged(
            "`net_namespace` cannot change on reload, as in keepalived; restart vrrpd".into(),
        ));
    }
    let mut netlink = Netlink::open().map_err(|e| unchanged(e.to_string()))?;
    let running = resolve(&config, &mut netlink).map_err(|e| unchanged(e.to_string()))?;
    let statics =
        vrrp::keepalived::statics(&config, &mut netlink).map_err(|e| unchanged(e.to_string()))?;
    let names = InterfaceNames::read(&mut netlink).map_err(|e| unchanged(e.to_string()))?;
    let tracked = config.instances.iter().flat_map(|i| &i.track_interfaces);
    for t in tracked.chain(config.sync_groups.iter().flat_map(|g| &g.track_interfaces)) {
        if !names.as_map().values().any(|name| *name == t.name) {
            return Err(unchanged(format!(
                "tracked interface {} does not exist",
                t.name
            )));
        }
    }
    // Each instance lives on in its `Resolved` until the routers run; the configuration keeps the
    // rest.
    config.instances = Vec::new();
    // Asked before the lock is taken: the driver's events take it. Only reloads change what the
    // driver runs, one at a time, so the answer holds until the change is applied.
    let old = handle.instances().map_err(|e| unchanged(e.to_string()))?;
    let old_count = old.instances.len();
    let mut change = reconfiguration(old, (&config, &running)).map_err(unchanged)?;
    // Switch what notifications look up before the driver changes, and without holding the lock
    // while it does: its events take the lock.
    let (old_config, old_running, carried, old_statics) = {
        let mut d = daemon.lock().expect("no panics while held");
        // The static entries: what is no longer written goes, what is new comes; compared with
        // their interfaces looked up, so that those of an interface created again move to it.
        let groups = crate::tracking::static_groups(&config, &statics);
        let old_groups = std::mem::replace(&mut d.static_groups, groups);
        let old_lost = d.lost_statics.clone();
        let old_held = d.statics.clone();
        // Lost ones are tried again too: a reload is how an operator says they are back.
        if d.statics != statics || !d.lost_statics.is_empty() {
            d.statics = statics.clone();
            change.statics = Some(statics);
            // The driver tries every static entry again, and says which it cannot add.
            d.lost_statics.clear();
        }
        let carried = d.tracking.stop();
        let removed: Vec<RunningInstance> = d
            .running
            .iter()
            .filter(|r| change.remove.contains(&r.key))
            .cloned()
            .collect();
        d.retiring = removed;
        d.names = names;
        let old_config = std::mem::replace(&mut d.config, config);
        let old_running = std::mem::replace(&mut d.running, RunningInstance::all(&running));
        let old_statics = (old_groups, old_lost, old_held);
        (old_config, old_running, carried, old_statics)
    };
    let summary = Reloaded {
        removed: change.remove.len(),
        added: change.add.len(),
        kept: old_count - change.remove.len(),
    };
    let applied = if change.is_empty() {
        Ok(Vec::new())
    } else {
        handle.reconfigure(change)
    };
    let mut d = daemon.lock().expect("no panics while held");
    d.retiring.clear();
    let refused = matches!(applied, Err(ReconfigureError::Refused(_)));
    let outcome = match applied {
        Err(error @ ReconfigureError::Refused(_)) => {
            d.config = old_config;
            d.running = old_running;
            (d.static_groups, d.lost_statics, d.statics) = old_statics;
            Err(error.to_string())
        }
        Err(error) => Err(error.to_string()),
        Ok(added) => {
            // Routers whose only change was their HMAC authentication were changed in place.
            let in_place = summary.added - added.len();
            Ok(Reloaded {
                removed: summary.removed - in_place,
                added: added.len(),
                kept: summary.kept + in_place,
            })
        }
    };
    if outcome.is_ok() && !d.fifos.are(&d.config.global.notify_fifos) {
        // The old FIFOs close (their readers stopped) before the new ones open, since one may
        // keep its path; and out of the lock, which the driver's events need.
        let old = std::mem::take(&mut d.fifos);
        let (fifos, user) = (
            d.config.global.notify_fifos.clone(),
            d.config.global.script_user.clone(),
        );
        drop(d);
        drop(old);
        let opened = Fifos::open(&fifos, user.as_ref());
        d = daemon.lock().expect("no panics while held");
        match opened {
            Ok(fifos) => d.fifos = fifos,
            Err(error) => tracing::error!("{error}; no notify FIFO until the next reload"),
        }
    }
    let d = &mut *d;
    d.tracking = if refused {
        // The old routers run on as they were, and so does their tracking.
        tracking::resume(carried, handle)?
    } else {
        let groups = tracking::group_checks(&d.static_groups, &d.lost_statics);
        tracking::start(
            &d.config,
            &running,
            &d.routed,
            handle,
            Some(&carried),
            &groups,
        )?
    };
    outcome
}
