//! What a platform does around the backends when virtual routers are added and removed, and the
//! checks every platform shares.

use std::collections::HashMap;
use std::net::IpAddr;

use crate::host::{ActionApplier, Addressing, DriverError, Instance, VirtualAddress};
use crate::{RouterKey, Routers};

/// What keeps routers that [`Setup::install`] placed from running yet: they start in Fault.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Installed {
    /// The interfaces among theirs whose link is down.
    pub down: Vec<u32>,
    /// The routers whose primary address is not on their interface yet (those that
    /// [wait for it](crate::host::Instance::wait_for_primary_address)).
    pub without_primary: Vec<RouterKey>,
}

/// The host side of adding and removing virtual routers: checks that change nothing, then the
/// changes. [`EventLoop::reconfigure`](crate::host::EventLoop::reconfigure) calls `check` for a
/// whole change before it commits anything, so a refused change leaves the host as it was.
///
/// The Linux driver's setup checks interfaces and addresses, opens sockets and joins multicast
/// groups, and creates virtual MAC interfaces; an in-memory one can accept everything.
pub trait Setup<S, A, N> {
    /// What [`check`](Self::check) found, for [`install`](Self::install).
    type Checked;

    /// Checks `added`, the instances to run next to the other routers of `routers` (which holds
    /// them all), against the host, changing nothing. The checks of [`check_instances`] have
    /// passed already.
    fn check(
        &mut self,
        applier: &ActionApplier<S, A, N>,
        routers: &Routers,
        added: &[Instance],
    ) -> Result<Self::Checked, DriverError>;

    /// Prepares what `added` needs and places each with [`ActionApplier::place`]. Returns what
    /// keeps some of them from running yet.
    fn install(
        &mut self,
        applier: &mut ActionApplier<S, A, N>,
        added: &[Instance],
        checked: Self::Checked,
    ) -> Result<Installed, DriverError>;

    /// Undoes what [`install`](Self::install) did for `removed`, which no longer run; `remaining`
    /// are the routers that do.
    fn uninstall(
        &mut self,
        applier: &mut ActionApplier<S, A, N>,
        removed: &[RouterKey],
        remaining: &Routers,
    ) -> Result<(), DriverError>;
}

/// The checks that need no host: every prefix length, label and broadcast address is valid and
/// for an address of the router, no excluded address is also advertised, and no two routers put
/// one address on one interface. `added` are the instances about to run, `routers` all the
/// routers that will run (those of `added` among them), `placed` the instance of each other one.
pub fn check_instances<'a>(
    routers: &Routers,
    added: &[Instance],
    placed: impl Fn(&RouterKey) -> Option<&'a Addressing>,
) -> Result<(), DriverError> {
    for instance in added {
        check_addresses(instance)?;
    }
    let mut holders: HashMap<(u32, IpAddr), RouterKey> = HashMap::new();
    for (key, router) in routers.iter() {
        let instance = added
            .iter()
            .find(|i| i.key() == key)
            .map(Instance::addressing)
            .or_else(|| placed(&key));
        let own = key.interface_index;
        let excluded = instance
            .map(Addressing::excluded_addresses)
            .unwrap_or_default()
            .iter()
            .map(|a| a.address);
        for address in router.config().addresses().iter().chain(excluded) {
            let interface = instance.map_or(own, |i| i.interface_of(address, own));
            if let Some(&first) = holders.get(&(interface, address)) {
                return Err(DriverError::SharedAddress {
                    address,
                    first,
                    second: key,
                });
            }
            holders.insert((interface, address), key);
        }
    }
    Ok(())
}

/// Checks an instance's prefix lengths, labels, broadcast addresses and excluded addresses.
fn check_addresses(instance: &Instance) -> Result<(), DriverError> {
    let config = instance.config();
    let advertised = |address: IpAddr| config.addresses().iter().any(|a| a == address);
    let valid = |a: &VirtualAddress| {
        let max = if a.address.is_ipv4() { 32 } else { 128 };
        a.prefix_len <= max
            && !(a.address.is_ipv6() && (a.label.is_some() || a.broadcast.is_some()))
    };
    for prefix in instance.addresses() {
        if !valid(prefix) || !advertised(prefix.address) {
            return Err(DriverError::InvalidPrefix {
                vrid: config.vrid(),
                address: prefix.address,
                prefix_len: prefix.prefix_len,
            });
        }
    }
    for excluded in instance.excluded_addresses() {
        if !valid(excluded) || advertised(excluded.address) {
            return Err(DriverError::InvalidExcluded {
                vrid: config.vrid(),
                address: excluded.address,
            });
        }
    }
    Ok(())
}
