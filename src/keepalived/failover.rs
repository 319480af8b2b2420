//! Whether tracked weights can hand over at all: a warning for every instance whose failing
//! tracked items cannot take its priority below a peer's ([`failover_warnings`]).

use std::net::IpAddr;

use super::error::Warning;
use super::model::{KeepalivedConfig, Tracked, VrrpInstance};

/// Warnings for instances whose tracked weights can never hand the addresses over on health.
///
/// Peers are instances with the same VRID, address family and first virtual address, in the same
/// configuration (on different interfaces) or in different ones (one per host, as `vrrpd check
/// --peer` reads them); interface names are not compared, since each host names its own. For
/// every pair where instance A's priority is at least peer B's, A is warned about when:
///
/// - A is not the address owner, does not [step down on failure](VrrpInstance::step_down_on_failure),
///   and tracks at least one script, process or interface with a non-zero weight;
/// - A at its lowest (its priority plus every negative weight of its own and its sync groups'
///   items; positive ones lost) is still not below B at its highest (its priority plus every
///   positive weight), clamped to 1–254 as the core does.
///
/// A Backup preempts only a lower priority, so A then keeps the addresses whatever fails. Items
/// that put A in Fault (weight 0, an interface without a weight) still hand over and are left
/// out, as are pairs where either side tracks a file with a weight: a file's number has no bound.
pub fn failover_warnings(configs: &[&KeepalivedConfig]) -> Vec<Warning> {
    let mut warnings = Vec::new();
    let all: Vec<(usize, &KeepalivedConfig, &VrrpInstance)> = (configs.iter().enumerate())
        .flat_map(|(i, c)| c.instances.iter().map(move |instance| (i, *c, instance)))
        .collect();
    for &(a_file, a_config, a) in &all {
        if a.priority == 255 || a.step_down_on_failure {
            continue;
        }
        let Some(a_weights) = weights(a_config, a) else {
            continue;
        };
        if a_weights.is_empty() {
            continue;
        }
        let lowest =
            clamp(i32::from(a.priority) + a_weights.iter().filter(|w| **w < 0).sum::<i32>());
        for &(b_file, b_config, b) in &all {
            if (b_file, &b.name) == (a_file, &a.name)
                || !same_router(a, b)
                || b.priority > a.priority
            {
                continue;
            }
            let Some(b_weights) = weights(b_config, b) else {
                continue;
            };
            let highest = if b.priority == 255 {
                255
            } else {
                clamp(i32::from(b.priority) + b_weights.iter().filter(|w| **w > 0).sum::<i32>())
            };
            if lowest >= highest {
                warnings.push(Warning {
                    location: a.location.clone(),
                    message: format!(
                        "vrrp_instance {}: failing tracked items take priority {} no lower than \
                         {lowest}, and `{}` at {} (VRID {}) reaches {highest}: a Backup preempts \
                         only a lower priority, so this instance keeps the addresses whatever \
                         fails; let the negative weights add up to {} or less, or use weight 0 \
                         (Fault) or step_down_on_failure",
                        a.name,
                        a.priority,
                        b.name,
                        b.location,
                        a.vrid,
                        highest - i32::from(a.priority) - 1,
                    ),
                });
            }
        }
    }
    warnings
}

/// Whether `a` and `b` are the same virtual router seen from two routers: VRID, family and first
/// virtual address.
pub(super) fn same_router(a: &VrrpInstance, b: &VrrpInstance) -> bool {
    let first = |i: &VrrpInstance| -> Option<IpAddr> { i.addresses.first().map(|v| v.address) };
    a.vrid == b.vrid && a.family == b.family && first(a) == first(b)
}

/// The non-zero weights of what `instance` tracks (its own and its sync groups'), or `None` when
/// it tracks a file with a weight, whose effect has no bound.
fn weights(config: &KeepalivedConfig, instance: &VrrpInstance) -> Option<Vec<i32>> {
    let groups: Vec<_> = (config.sync_groups.iter())
        .filter(|g| g.members.contains(&instance.name))
        .collect();
    let all = |own: &'static dyn Fn(&VrrpInstance) -> &[Tracked],
               of_group: &'static dyn Fn(&super::SyncGroup) -> &[Tracked]| {
        own(instance)
            .iter()
            .chain(groups.iter().flat_map(|g| of_group(g).iter()))
            .cloned()
            .collect::<Vec<Tracked>>()
    };
    let mut weights = Vec::new();
    for t in all(&|i| &i.track_files, &|g| &g.track_files) {
        let file = config.track_file(&t.name)?;
        if t.weight.unwrap_or(file.weight) != 0 {
            return None;
        }
    }
    for t in all(&|i| &i.track_scripts, &|g| &g.track_scripts) {
        if let Some(script) = config.script(&t.name) {
            weights.push(i32::from(t.weight.unwrap_or(script.weight)));
        }
    }
    for t in all(&|i| &i.track_processes, &|g| &g.track_processes) {
        if let Some(process) = config.track_process(&t.name) {
            weights.push(i32::from(t.weight.unwrap_or(process.weight)));
        }
    }
    for t in all(&|i| &i.track_interfaces, &|g| &g.track_interfaces) {
        weights.extend(t.weight.map(i32::from));
    }
    weights.retain(|w| *w != 0);
    Some(weights)
}

/// A tracked priority, as the core keeps it: 1 to 254.
fn clamp(priority: i32) -> i32 {
    priority.clamp(1, 254)
}
