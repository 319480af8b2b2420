//! A keepalived.conf on the driver: each `vrrp_instance` resolved against the host's interfaces
//! into the [`Instance`] the [`Driver`](crate::linux::Driver) runs, and the sync groups as lists
//! of router keys. What `vrrpd` runs, for any program that runs a keepalived.conf itself.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::net::IpAddr;

use super::{KeepalivedConfig, Location, Route, VirtualIp, VrrpInstance};
use crate::host::{AddressLabel, Instance, Statics, VirtualAddress, VirtualRoute};
use crate::linux::{Netlink, interface_source};
use crate::{AddressFamily, RouterKey};

/// An instance that cannot run on this host as written: its interface or a `dev` is missing,
/// or its settings do not make a valid router here. Its `Display` is `file:line:column: reason`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {reason}")]
pub struct ResolveError {
    /// The statement that cannot run.
    pub location: Location,
    /// Why.
    pub reason: String,
}

impl ResolveError {
    fn at(location: &Location, reason: impl fmt::Display) -> Self {
        Self {
            location: location.clone(),
            reason: reason.to_string(),
        }
    }
}

impl From<ResolveError> for String {
    fn from(error: ResolveError) -> Self {
        error.to_string()
    }
}

/// One instance as it runs: its key in the driver, its configuration, and what the interface
/// lookups found for it; what the driver runs for it is [`driven`](Self::driven). A program that
/// runs thousands need not keep these once the routers run: a reload compares the new file's with
/// [`DriverHandle::instances`](crate::host::DriverHandle::instances).
#[derive(Clone)]
pub struct Resolved {
    /// Its key in the driver.
    pub key: RouterKey,
    /// Its `vrrp_instance` block.
    pub instance: VrrpInstance,
    /// Its interface's index and source address.
    interface: (u32, IpAddr),
    /// The index of each address's `dev` other than its instance's interface.
    devices: Vec<(IpAddr, u32)>,
    /// Its `virtual_routes`, their interfaces looked up.
    routes: Vec<VirtualRoute>,
}

impl Resolved {
    /// What the driver runs for it.
    pub fn driven(&self) -> Result<Instance, ResolveError> {
        let instance = &self.instance;
        let (interface_index, source) = self.interface;
        let built = instance
            .config(interface_index, source)
            .map_err(|e| ResolveError::at(&instance.location, e))?;
        let mut driven = Instance::new(built)
            .virtual_mac(instance.use_vmac)
            .virtual_mac_per_device(instance.use_vmac_addr)
            .adverts_from_parent(instance.vmac_xmit_base)
            .promote_secondaries(instance.promote_secondaries)
            .wait_for_primary_address(instance.track_src_ip)
            .announce_spacing(AddressFamily::Ipv4, instance.garp_interval)
            .announce_spacing(AddressFamily::Ipv6, instance.gna_interval);
        if let Some(name) = &instance.vmac_name {
            driven = driven.virtual_mac_named(name.clone());
        }
        for vip in &instance.addresses {
            // A plain host address needs no entry: the driver configures it so anyway, and
            // thousands of routers with one /32 each then keep no list.
            let address = virtual_address(vip)?;
            if address != VirtualAddress::host(vip.address) {
                driven = driven.address(address);
            }
        }
        for vip in &instance.excluded_addresses {
            driven = driven.excluded(virtual_address(vip)?);
        }
        let own_vmac = (instance
            .addresses
            .iter()
            .chain(&instance.excluded_addresses))
        .filter(|vip| vip.use_vmac);
        for vip in own_vmac {
            driven = driven.virtual_mac_for(vip.address);
        }
        for &(address, index) in &self.devices {
            driven = driven.device(address, index);
        }
        for route in &self.routes {
            driven = driven.route(route.clone());
        }
        for rule in &instance.rules {
            driven = driven.rule(rule.rule.clone());
        }
        Ok(driven)
    }
}

/// Looks up the interfaces of every instance of `config` and checks what the driver would run for
/// each.
///
/// Each interface and family is looked up once, not once per instance: every lookup of a source
/// address reads all the host's addresses, so 4,000 instances after a crash that left their 4,000
/// addresses behind made 16 million address records to read.
pub fn resolve(
    config: &KeepalivedConfig,
    netlink: &mut Netlink,
) -> Result<Vec<Resolved>, ResolveError> {
    let mut running = Vec::with_capacity(config.instances.len());
    let mut sources: HashMap<(&str, AddressFamily), (u32, IpAddr)> = HashMap::new();
    for instance in &config.instances {
        let interface = match sources.entry((instance.interface.as_str(), instance.family)) {
            Entry::Occupied(found) => *found.get(),
            Entry::Vacant(entry) => {
                let (interface, source) =
                    interface_source(netlink, &instance.interface, instance.family)
                        .map_err(|e| ResolveError::at(&instance.location, e))?;
                *entry.insert((interface.index, source))
            }
        };
        let elsewhere = (instance.addresses.iter())
            .chain(&instance.excluded_addresses)
            .filter_map(|vip| Some((vip, vip.device.as_ref()?)))
            .filter(|(_, device)| **device != instance.interface);
        let mut devices = Vec::new();
        for (vip, device) in elsewhere {
            let other = netlink
                .interface_by_name(device)
                .map_err(|e| ResolveError::at(&vip.location, e))?;
            devices.push((vip.address, other.index));
        }
        let mut routes = Vec::with_capacity(instance.routes.len());
        for route in &instance.routes {
            routes.push(route_on(route, netlink)?);
        }
        let built = instance
            .config(interface.0, interface.1)
            .map_err(|e| ResolveError::at(&instance.location, e))?;
        let one = Resolved {
            key: RouterKey::of(&built),
            instance: instance.clone(),
            interface,
            devices,
            routes,
        };
        // The addresses' labels are checked here, once, rather than at the first reload.
        one.driven()?;
        running.push(one);
    }
    Ok(running)
}

/// A route line with its next hops' interfaces looked up.
fn route_on(route: &Route, netlink: &mut Netlink) -> Result<VirtualRoute, ResolveError> {
    let mut resolved = route.route.clone();
    for (hop, device) in resolved.next_hops.iter_mut().zip(&route.devices) {
        if let Some(name) = device {
            let interface = netlink
                .interface_by_name(name)
                .map_err(|e| ResolveError::at(&route.location, e))?;
            hop.interface_index = Some(interface.index);
        }
    }
    Ok(resolved)
}

/// The `static_ipaddress`, `static_routes` and `static_rules` of `config`, their interfaces looked
/// up: what [`Reconfiguration::statics`](crate::host::Reconfiguration::statics) holds.
pub fn statics(config: &KeepalivedConfig, netlink: &mut Netlink) -> Result<Statics, ResolveError> {
    let mut statics = Statics::default();
    for vip in &config.static_addresses {
        let name = vip.device.as_deref().unwrap_or("eth0");
        let interface = netlink
            .interface_by_name(name)
            .map_err(|e| ResolveError::at(&vip.location, e))?;
        statics
            .addresses
            .push((interface.index, virtual_address(vip)?));
    }
    for route in &config.static_routes {
        statics.routes.push(route_on(route, netlink)?);
    }
    statics.rules = config.static_rules.iter().map(|r| r.rule.clone()).collect();
    Ok(statics)
}

/// A `virtual_ipaddress` line as the driver configures it.
fn virtual_address(vip: &VirtualIp) -> Result<VirtualAddress, ResolveError> {
    let mut address = VirtualAddress::host(vip.address);
    address.prefix_len = vip.prefix_len;
    address.broadcast = vip.broadcast;
    address.scope = vip.scope;
    address.options = vip.options;
    if let Some(label) = &vip.label {
        address.label =
            Some(AddressLabel::new(label).map_err(|e| ResolveError::at(&vip.location, e))?);
    }
    Ok(address)
}

/// The keys of each sync group's members, in the group's order.
pub fn sync_groups(config: &KeepalivedConfig, running: &[Resolved]) -> Vec<Vec<RouterKey>> {
    config
        .sync_groups
        .iter()
        .map(|group| {
            group
                .members
                .iter()
                .filter_map(|m| {
                    running
                        .iter()
                        .find(|r| r.instance.name == *m)
                        .map(|r| r.key)
                })
                .collect()
        })
        .collect()
}
