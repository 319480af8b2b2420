//! In-memory backends that inject faults, to test a driver's decisions without root: a backend
//! call that fails, an address that someone else removes, a change stream that overruns.
//!
//! A [`MemoryHost`] stands for one host's kernel: the addresses configured on its interfaces, its
//! links, every call the backends made, and the stream of changes a driver would read (its own
//! changes among them, as the kernel reports them). Clones share the host, so a test keeps one
//! while the [`EventLoop`](crate::host::EventLoop) owns the backends.

use std::collections::{BTreeMap, VecDeque};
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::Transmit;
use crate::host::{
    ActionApplier, Added, AddressBackend, AdvertSender, AnnounceBackend, BackendError, DriverError,
    HostChange, HostSnapshot, Installed, Instance, Setup, VirtualAddress, VirtualRoute,
    VirtualRule,
};
use crate::{RouterKey, Routers};

/// A call a backend received.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Call {
    /// An advertisement sent out of `interface`.
    Send {
        /// The interface.
        interface: u32,
        /// What was sent.
        transmit: Transmit,
    },
    /// An address added on `interface`.
    Add {
        /// The interface.
        interface: u32,
        /// The address.
        address: VirtualAddress,
    },
    /// [`AddressBackend::add_all`] called with `count` addresses; their [`Call::Add`]s follow.
    AddBatch {
        /// How many addresses.
        count: usize,
    },
    /// An address removed from `interface`, with the prefix length it was removed with.
    Remove {
        /// The interface.
        interface: u32,
        /// The address.
        address: VirtualAddress,
    },
    /// An address renewed on `interface`, with the lifetime it was renewed for.
    Renew {
        /// The interface.
        interface: u32,
        /// The address.
        address: VirtualAddress,
    },
    /// An address announced on `interface`, `repeat` times.
    Announce {
        /// The interface.
        interface: u32,
        /// The address.
        address: IpAddr,
        /// How many times.
        repeat: u8,
    },
    /// A route added ([`AddressBackend::add_route`]).
    AddRoute(VirtualRoute),
    /// A route removed.
    RemoveRoute(VirtualRoute),
    /// A policy rule added.
    AddRule(VirtualRule),
    /// A policy rule removed.
    RemoveRule(VirtualRule),
    /// A router advertisement sent on `interface`.
    AdvertiseRouter {
        /// The interface.
        interface: u32,
        /// Its source, the virtual link-local address.
        source: Ipv6Addr,
        /// The router lifetime.
        lifetime: Duration,
        /// The prefixes advertised: (address, prefix length).
        prefixes: Vec<(Ipv6Addr, u8)>,
    },
}

/// Which backend call a fault hits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// Sending an advertisement.
    Send,
    /// Adding an address.
    Add,
    /// Removing an address.
    Remove,
    /// Announcing an address.
    Announce,
    /// Renewing an address.
    Renew,
    /// Adding or removing a route.
    Route,
    /// Adding or removing a policy rule.
    Rule,
}

#[derive(Debug)]
struct State {
    calls: Vec<Call>,
    addresses: BTreeMap<(u32, IpAddr), VirtualAddress>,
    routes: Vec<VirtualRoute>,
    rules: Vec<VirtualRule>,
    /// The interfaces, with whether their link is up.
    links: BTreeMap<u32, bool>,
    /// Calls still to fail, by kind.
    faults: BTreeMap<Fault, u32>,
    changes: VecDeque<HostChange>,
    /// How many changes the stream holds before it overruns.
    capacity: usize,
    overrun: bool,
}

impl Default for State {
    fn default() -> Self {
        Self {
            calls: Vec::new(),
            addresses: BTreeMap::new(),
            routes: Vec::new(),
            rules: Vec::new(),
            links: BTreeMap::new(),
            faults: BTreeMap::new(),
            changes: VecDeque::new(),
            capacity: 1024,
            overrun: false,
        }
    }
}

impl State {
    fn fails(&mut self, fault: Fault) -> bool {
        match self.faults.get_mut(&fault) {
            Some(left) if *left > 0 => {
                *left -= 1;
                true
            }
            _ => false,
        }
    }

    /// Configures `address` on `interface` and reports it.
    fn configure(&mut self, interface: u32, address: VirtualAddress) {
        self.addresses.insert((interface, address.address), address);
        self.report(HostChange::AddressAdded {
            interface_index: interface,
            address: address.address,
        });
    }

    fn report(&mut self, change: HostChange) {
        if self.changes.len() >= self.capacity {
            self.overrun = true;
            self.changes.clear();
        } else if !self.overrun {
            self.changes.push_back(change);
        }
    }
}

/// One simulated host's kernel, shared by its backends and the test. See the
/// [module documentation](self).
#[derive(Clone, Debug, Default)]
pub struct MemoryHost {
    state: Arc<Mutex<State>>,
}

impl MemoryHost {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An applier over three backends of this host.
    pub fn applier(&self) -> ActionApplier<MemorySender, MemoryAddresses, MemoryAnnouncer> {
        ActionApplier::new(
            MemorySender(self.clone()),
            MemoryAddresses(self.clone()),
            MemoryAnnouncer(self.clone()),
        )
    }

    /// Every call the backends received, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.state().calls.clone()
    }

    /// Takes the calls received so far, leaving none.
    pub fn take_calls(&self) -> Vec<Call> {
        std::mem::take(&mut self.state().calls)
    }

    /// Whether `address` is configured on `interface`.
    pub fn has_address(&self, interface: u32, address: IpAddr) -> bool {
        self.state().addresses.contains_key(&(interface, address))
    }

    /// Every address configured, with its interface.
    pub fn addresses(&self) -> Vec<(u32, VirtualAddress)> {
        let state = self.state();
        state.addresses.iter().map(|(&(i, _), &a)| (i, a)).collect()
    }

    /// Makes the next `count` calls of kind `fault` fail.
    pub fn fail_next(&self, fault: Fault, count: u32) {
        self.state().faults.insert(fault, count);
    }

    /// Configures `address` on `interface` as someone else would (an operator, another daemon).
    pub fn add_address(&self, interface: u32, address: VirtualAddress) {
        self.state().configure(interface, address);
    }

    /// Removes `address` from `interface` as someone else would (`ip address del`, a network
    /// manager restarting); the routes with it as their source go with it, without a word, as
    /// Linux drops them. Returns whether it was there.
    pub fn remove_address(&self, interface: u32, address: IpAddr) -> bool {
        let mut state = self.state();
        let removed = state.addresses.remove(&(interface, address)).is_some();
        if removed {
            state.routes.retain(|route| route.source != Some(address));
            state.report(HostChange::AddressRemoved {
                interface_index: interface,
                address,
            });
        }
        removed
    }

    /// The routes configured, in the order they were added.
    pub fn routes(&self) -> Vec<VirtualRoute> {
        self.state().routes.clone()
    }

    /// The policy rules configured, in the order they were added.
    pub fn rules(&self) -> Vec<VirtualRule> {
        self.state().rules.clone()
    }

    /// Configures `route` as someone else would (`ip route add`).
    pub fn add_route(&self, route: VirtualRoute) {
        self.state().routes.push(route);
    }

    /// Deletes `route` as someone else would (`ip route del`), and reports it if it carries the
    /// driver's mark ([`protocol`](VirtualRoute::protocol) `None`), as the Linux driver does.
    /// Returns whether it was there.
    pub fn remove_route(&self, route: &VirtualRoute) -> bool {
        let mut state = self.state();
        let before = state.routes.len();
        state.routes.retain(|r| r != route);
        let removed = state.routes.len() < before;
        if removed && route.protocol.is_none() {
            state.report(HostChange::RouteRemoved(route.id()));
        }
        removed
    }

    /// Deletes `rule` as someone else would (`ip rule del`), and reports it. Returns whether it
    /// was there.
    pub fn remove_rule(&self, rule: &VirtualRule) -> bool {
        let mut state = self.state();
        let before = state.rules.len();
        state.rules.retain(|r| r != rule);
        let removed = state.rules.len() < before;
        if removed {
            state.report(HostChange::RuleRemoved);
        }
        removed
    }

    /// Creates interface `interface` if it does not exist, and sets its link up or down. Down, the
    /// routes through it go, without a word, as Linux drops them.
    pub fn set_link(&self, interface: u32, up: bool) {
        let mut state = self.state();
        state.links.insert(interface, up);
        if !up {
            state
                .routes
                .retain(|r| r.interfaces().all(|i| i != interface));
        }
        state.report(HostChange::Link {
            interface_index: interface,
            up,
        });
    }

    /// Sets how many changes the stream holds before it overruns (1,024 unless set).
    pub fn set_change_capacity(&self, capacity: usize) {
        self.state().capacity = capacity;
    }

    /// Reads the change stream as a driver would: the changes since the last read, or `Err` when
    /// it overran and changes were lost (then read a [`snapshot`](Self::snapshot)).
    pub fn read_changes(&self) -> Result<Vec<HostChange>, Overrun> {
        let mut state = self.state();
        if std::mem::take(&mut state.overrun) {
            state.changes.clear();
            return Err(Overrun);
        }
        Ok(state.changes.drain(..).collect())
    }

    /// The links and addresses as they are now, as a full re-read finds them.
    pub fn snapshot(&self) -> HostSnapshot {
        let state = self.state();
        HostSnapshot {
            links: state.links.iter().map(|(&i, &up)| (i, up)).collect(),
            addresses: state.addresses.keys().copied().collect(),
        }
    }
}

/// The change stream overran: changes were lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the change stream overran")]
pub struct Overrun;

/// The advertisement sender of a [`MemoryHost`].
#[derive(Debug)]
pub struct MemorySender(MemoryHost);

impl AdvertSender for MemorySender {
    fn send(&mut self, interface: u32, transmit: &Transmit) -> Result<(), BackendError> {
        let mut state = self.0.state();
        if state.fails(Fault::Send) {
            return Err("sending failed (injected)".into());
        }
        state.calls.push(Call::Send {
            interface,
            transmit: transmit.clone(),
        });
        Ok(())
    }
}

/// The address backend of a [`MemoryHost`]: [`renew`](AddressBackend::renew) records the
/// lifetime and, as rtnetlink's replace does, adds the address again if it went away.
#[derive(Debug)]
pub struct MemoryAddresses(MemoryHost);

impl AddressBackend for MemoryAddresses {
    fn add(&mut self, interface: u32, address: VirtualAddress) -> Result<Added, BackendError> {
        let mut state = self.0.state();
        if state.fails(Fault::Add) {
            return Err(format!("adding {address} failed (injected)").into());
        }
        state.calls.push(Call::Add { interface, address });
        if state.addresses.contains_key(&(interface, address.address)) {
            return Ok(Added::AlreadyPresent);
        }
        state.configure(interface, address);
        Ok(Added::Added)
    }

    /// Records the batch, then adds each address as [`add`](Self::add) does (faults included).
    fn add_all(&mut self, addresses: &[(u32, VirtualAddress)]) -> Vec<Result<Added, BackendError>> {
        let count = addresses.len();
        self.0.state().calls.push(Call::AddBatch { count });
        (addresses.iter())
            .map(|&(interface, address)| self.add(interface, address))
            .collect()
    }

    fn renew(&mut self, interface: u32, address: VirtualAddress) -> Result<(), BackendError> {
        let mut state = self.0.state();
        if state.fails(Fault::Renew) {
            return Err(format!("renewing {address} failed (injected)").into());
        }
        state.calls.push(Call::Renew { interface, address });
        match state.addresses.get_mut(&(interface, address.address)) {
            Some(held) => *held = address,
            None => state.configure(interface, address),
        }
        Ok(())
    }

    fn remove(&mut self, interface: u32, address: VirtualAddress) -> Result<(), BackendError> {
        let mut state = self.0.state();
        if state.fails(Fault::Remove) {
            return Err(format!("removing {address} failed (injected)").into());
        }
        state.calls.push(Call::Remove { interface, address });
        if state
            .addresses
            .remove(&(interface, address.address))
            .is_some()
        {
            state.report(HostChange::AddressRemoved {
                interface_index: interface,
                address: address.address,
            });
        }
        Ok(())
    }

    fn add_route(&mut self, route: &VirtualRoute) -> Result<Added, BackendError> {
        self.change(Fault::Route, route, true, |s| &mut s.routes, Call::AddRoute)
    }

    fn remove_route(&mut self, route: &VirtualRoute) -> Result<(), BackendError> {
        let removed = self.change(
            Fault::Route,
            route,
            false,
            |s| &mut s.routes,
            Call::RemoveRoute,
        );
        removed.map(drop)
    }

    fn add_rule(&mut self, rule: &VirtualRule) -> Result<Added, BackendError> {
        self.change(Fault::Rule, rule, true, |s| &mut s.rules, Call::AddRule)
    }

    fn remove_rule(&mut self, rule: &VirtualRule) -> Result<(), BackendError> {
        let removed = self.change(Fault::Rule, rule, false, |s| &mut s.rules, Call::RemoveRule);
        removed.map(drop)
    }
}

/// Routes and rules, as the kernel takes them: one already there is [`Added::AlreadyPresent`],
/// one that is not there is no error to remove.
impl MemoryAddresses {
    fn change<T: Clone + PartialEq>(
        &mut self,
        fault: Fault,
        entry: &T,
        add: bool,
        list: impl FnOnce(&mut State) -> &mut Vec<T>,
        call: impl FnOnce(T) -> Call,
    ) -> Result<Added, BackendError> {
        let mut state = self.0.state();
        if state.fails(fault) {
            return Err(format!("{fault:?} change failed (injected)").into());
        }
        state.calls.push(call(entry.clone()));
        let list = list(&mut state);
        let present = list.contains(entry);
        if add && present {
            return Ok(Added::AlreadyPresent);
        }
        if add {
            list.push(entry.clone());
        } else {
            list.retain(|e| e != entry);
        }
        Ok(Added::Added)
    }
}

/// The announcer of a [`MemoryHost`].
#[derive(Debug)]
pub struct MemoryAnnouncer(MemoryHost);

impl AnnounceBackend for MemoryAnnouncer {
    fn announce(
        &mut self,
        interface: u32,
        address: IpAddr,
        repeat: u8,
    ) -> Result<(), BackendError> {
        let mut state = self.0.state();
        if state.fails(Fault::Announce) {
            return Err(format!("announcing {address} failed (injected)").into());
        }
        state.calls.push(Call::Announce {
            interface,
            address,
            repeat,
        });
        Ok(())
    }

    fn advertise_router(
        &mut self,
        interface: u32,
        source: Ipv6Addr,
        lifetime: Duration,
        prefixes: &[(Ipv6Addr, u8)],
    ) -> Result<(), BackendError> {
        let mut state = self.0.state();
        if state.fails(Fault::Announce) {
            return Err(format!("advertising {source} failed (injected)").into());
        }
        state.calls.push(Call::AdvertiseRouter {
            interface,
            source,
            lifetime,
            prefixes: prefixes.to_vec(),
        });
        Ok(())
    }
}

/// A [`Setup`] for a [`MemoryHost`]: a router's interface must have been created with
/// [`MemoryHost::set_link`], and a router whose link is down starts in Fault.
#[derive(Clone, Debug)]
pub struct MemorySetup {
    host: MemoryHost,
}

impl MemorySetup {
    /// The setup of `host`.
    pub fn new(host: &MemoryHost) -> Self {
        Self { host: host.clone() }
    }
}

impl<S, A, N> Setup<S, A, N> for MemorySetup
where
    S: AdvertSender,
    A: AddressBackend,
    N: AnnounceBackend,
{
    type Checked = ();

    fn check(
        &mut self,
        _: &ActionApplier<S, A, N>,
        _: &Routers,
        added: &[Instance],
    ) -> Result<(), DriverError> {
        let links = self.host.state().links.clone();
        for instance in added {
            let index = instance.config().interface_index();
            if !links.contains_key(&index) {
                return Err(DriverError::UnknownInterface(index));
            }
        }
        Ok(())
    }

    fn install(
        &mut self,
        applier: &mut ActionApplier<S, A, N>,
        added: &[Instance],
        (): (),
    ) -> Result<Installed, DriverError> {
        let mut installed = Installed::default();
        {
            // Not held while the applier runs: the backends it may call take it too.
            let state = self.host.state();
            for instance in added {
                let config = instance.config();
                let index = config.interface_index();
                if state.links.get(&index) == Some(&false) {
                    installed.down.push(index);
                }
                // The memory host holds the virtual addresses only: a router that waits for
                // its primary address waits for it to be added there.
                let primary = (index, config.primary_address());
                if instance.addressing().waits_for_primary_address()
                    && !state.addresses.contains_key(&primary)
                {
                    installed.without_primary.push(instance.key());
                }
            }
        }
        for instance in added {
            applier.place(instance.clone());
        }
        Ok(installed)
    }

    fn uninstall(
        &mut self,
        _: &mut ActionApplier<S, A, N>,
        _: &[RouterKey],
        _: &Routers,
    ) -> Result<(), DriverError> {
        Ok(())
    }
}
