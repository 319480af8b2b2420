//! Applies a [`Routers`](crate::Routers)' actions through the backends, and keeps track of which
//! virtual addresses it added, so that it removes those and only those.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{IpAddr, Ipv6Addr};
use std::time::Duration;

use crate::host::repeats::Repeats;
use crate::host::routing::Routing;
use crate::host::{
    Added, AddressBackend, Addressing, AdvertSender, AnnounceBackend, BackendError, Event,
    Instance, Operation, VirtualAddress,
};
use crate::packet::AddressList;
use crate::{Action, RouterKey};

mod renewal;
#[cfg(test)]
mod tests;

/// A running router's addressing and the interfaces it uses now. Its [`Config`](crate::Config)
/// is the router's: at thousands of routers a second copy here is megabytes.
#[derive(Clone, Debug)]
struct Placed {
    addressing: Addressing,
    /// Whether it is the address owner (its virtual MAC interface is never standby).
    owner: bool,
    /// Whether it sends IPv6 router advertisements.
    #[cfg_attr(
        not(feature = "linux"),
        allow(dead_code, reason = "read by the Linux driver")
    )]
    advertises_router: bool,
    /// Where its addresses go and are announced: its own interface or its virtual MAC interface.
    address_interface: u32,
    /// Where its advertisements leave from.
    send_interface: u32,
    /// The interface its primary address is on: its own, or the one created again under its
    /// name.
    parent_interface: u32,
    /// The virtual MAC interfaces of its addresses on other interfaces or of the other family
    /// ([`Instance::virtual_mac_per_device`]).
    #[cfg_attr(
        not(feature = "linux"),
        allow(dead_code, reason = "read by the Linux driver")
    )]
    device_virtual_macs: Vec<u32>,
    /// The addressing as it was placed, kept only once `addressing` was moved onto virtual MAC
    /// interfaces of its own ([`place_on_virtual_mac`](ActionApplier::place_on_virtual_mac)):
    /// what [`ActionApplier::addressing`] answers, so that a reload of the same configuration
    /// finds it unchanged.
    #[cfg_attr(
        not(feature = "linux"),
        allow(dead_code, reason = "set by the Linux driver")
    )]
    as_placed: Option<Box<Addressing>>,
}

/// An address this applier added and holds.
#[derive(Clone, Copy, Debug)]
struct Held {
    /// The router that added it.
    router: RouterKey,
    /// The address, with the lifetime it was last installed with.
    address: VirtualAddress,
    /// The router's Accept_Mode: whether the host may accept packets addressed to it.
    #[cfg_attr(
        not(feature = "linux"),
        allow(dead_code, reason = "read by the Linux driver")
    )]
    accept: bool,
}

/// Applies actions through three backends.
///
/// Failures do not stop the protocol: each becomes an [`Event::BackendFailed`], and the next
/// action is applied. Addresses that were already configured ([`Added::AlreadyPresent`]) are never
/// removed. Every address it adds gets its [`address_lifetime`](Self::address_lifetime).
#[derive(Debug)]
pub struct ActionApplier<S, A, N> {
    sender: S,
    pub(super) addresses: A,
    announcer: N,
    /// Boxed: thousands of routers leave most of a map's slots empty, and an empty slot then
    /// costs a pointer rather than a whole `Placed`.
    placed: HashMap<RouterKey, Box<Placed>>,
    /// The addresses added, by (interface, address), with the router that added them; each with
    /// the lifetime it was last installed with. Boxed, as `placed` is: at 4,000 addresses the
    /// map has 8,192 slots, whole `Held`s in them were 1 MB.
    added: HashMap<(u32, IpAddr), Box<Held>>,
    /// Counts the changes to the addresses held and to the placements, so that a firewall
    /// updates its rules only after one.
    firewall_changes: u64,
    /// The lifetime given to the addresses added and renewed from now on.
    lifetime: Option<Duration>,
    /// The announcements' repeats, sent by [`send_paced`](Self::send_paced).
    paced: Repeats,
    /// The outcomes of the addresses [`add_ahead`](Self::add_ahead) added, by (interface,
    /// address), in the order [`apply`](Self::apply) meets them.
    ahead: VecDeque<((u32, IpAddr), Result<Added, BackendError>)>,
    /// The routes, rules and static addresses added and held.
    pub(super) routing: Routing,
}

impl<S: AdvertSender, A: AddressBackend, N: AnnounceBackend> ActionApplier<S, A, N> {
    /// An applier over the three backends.
    pub fn new(sender: S, addresses: A, announcer: N) -> Self {
        Self {
            sender,
            addresses,
            announcer,
            placed: HashMap::new(),
            added: HashMap::new(),
            firewall_changes: 0,
            lifetime: None,
            paced: Repeats::default(),
            ahead: VecDeque::new(),
            routing: Routing::default(),
        }
    }

    /// Gives the addresses added from now on `lifetime` (`None`: for ever, the default), and the
    /// ones held already at their next renewal. Unchecked: an
    /// [`EventLoop`](crate::host::EventLoop), which also renews, checks it in
    /// [`set_address_lifetime`](crate::host::EventLoop::set_address_lifetime).
    pub fn set_address_lifetime(&mut self, lifetime: Option<Duration>) {
        self.lifetime = lifetime;
    }

    /// The lifetime the addresses are added with (`None`: for ever).
    pub fn address_lifetime(&self) -> Option<Duration> {
        self.lifetime
    }

    /// Places `instance`'s router on its own interface. A router that was never placed sends and
    /// configures its addresses on its own interface with host prefixes.
    pub fn place(&mut self, instance: Instance) {
        let own = instance.config().interface_index();
        let key = instance.key();
        let owner = instance.config().is_owner();
        let advertises_router = instance.config().router_advertisements().is_some();
        self.placed.insert(
            key,
            Box::new(Placed {
                addressing: instance.addressing,
                owner,
                advertises_router,
                address_interface: own,
                send_interface: own,
                parent_interface: own,
                device_virtual_macs: Vec::new(),
                as_placed: None,
            }),
        );
    }

    /// Notes that router `key`'s own interface (where its primary address is) is `parent` now.
    #[cfg(any(feature = "linux", test))]
    pub(crate) fn set_parent(&mut self, key: &RouterKey, parent: u32) {
        if let Some(placed) = self.placed.get_mut(key) {
            placed.parent_interface = parent;
        }
    }

    /// The interface router `key`'s primary address is on.
    pub(crate) fn parent_interface(&self, key: &RouterKey) -> u32 {
        self.placed
            .get(key)
            .map_or(key.interface_index, |placed| placed.parent_interface)
    }

    /// Moves router `key`'s addresses to interface `address_interface` and its advertisements to
    /// `send_interface`, as a virtual MAC interface does. Does nothing for a router not placed.
    #[cfg(any(feature = "linux", test))]
    pub(crate) fn redirect(
        &mut self,
        key: &RouterKey,
        address_interface: u32,
        send_interface: u32,
    ) {
        if let Some(placed) = self.placed.get_mut(key) {
            placed.address_interface = address_interface;
            placed.send_interface = send_interface;
            self.firewall_changes += 1;
        }
    }

    /// Places router `key`'s `addresses` on virtual MAC interface `index`, one made for them on
    /// their interface ([`Instance::virtual_mac_per_device`]); it is standby with the router's own.
    #[cfg(feature = "linux")]
    pub(crate) fn place_on_virtual_mac(
        &mut self,
        key: &RouterKey,
        addresses: &[IpAddr],
        index: u32,
    ) {
        if let Some(placed) = self.placed.get_mut(key) {
            if placed.as_placed.is_none() {
                placed.as_placed = Some(Box::new(placed.addressing.clone()));
            }
            for &address in addresses {
                placed.addressing.set_device(address, index);
            }
            placed.device_virtual_macs.push(index);
            self.firewall_changes += 1;
        }
    }

    /// Forgets a router that no longer runs. The addresses it added and still holds stay recorded,
    /// so [`release_all`](Self::release_all) still removes them.
    pub(crate) fn unplace(&mut self, key: &RouterKey) {
        self.placed.remove(key);
        self.paced.drop_router(key);
    }

    /// Where and how router `key`'s addresses go, as it was placed ([`place`](Self::place)), if
    /// it was: an interface created again since is followed, the virtual MAC interfaces the
    /// driver made for addresses on other interfaces are not (see [`Instance::virtual_mac_for`]).
    pub fn addressing(&self, key: &RouterKey) -> Option<&Addressing> {
        let placed = self.placed.get(key)?;
        Some(placed.as_placed.as_deref().unwrap_or(&placed.addressing))
    }

    /// Where router `key`'s addresses go now, if it was placed: as [`addressing`](Self::addressing)
    /// says, but an address moved onto a virtual MAC interface of its own is on that interface.
    #[cfg(feature = "linux")]
    pub(crate) fn placement(&self, key: &RouterKey) -> Option<&Addressing> {
        self.placed.get(key).map(|placed| &placed.addressing)
    }

    /// Whether router `key` was placed and sends IPv6 router advertisements.
    #[cfg(any(feature = "linux", test))]
    pub(crate) fn advertises_router(&self, key: &RouterKey) -> bool {
        self.placed
            .get(key)
            .is_some_and(|placed| placed.advertises_router)
    }

    /// The interface router `key`'s addresses go on (its own, or its virtual MAC interface).
    #[cfg(any(feature = "linux", test))]
    pub(crate) fn address_interface(&self, key: &RouterKey) -> u32 {
        self.placed
            .get(key)
            .map_or(key.interface_index, |placed| placed.address_interface)
    }

    /// The interface router `key`'s advertisements leave from.
    #[cfg(test)]
    pub(crate) fn send_interface(&self, key: &RouterKey) -> u32 {
        self.placed
            .get(key)
            .map_or(key.interface_index, |placed| placed.send_interface)
    }

    /// The addresses this applier added and has not removed, with their interfaces.
    pub(crate) fn added_addresses(&self) -> impl Iterator<Item = (u32, VirtualAddress)> + '_ {
        self.added
            .iter()
            .map(|(&(interface, _), held)| (interface, held.address))
    }

    /// The addresses held for routers whose Accept_Mode is off (RFC 5798 §6.4.3): the host must
    /// not accept packets addressed to them, except IPv6 neighbour discovery. A driver installs
    /// them as firewall rules.
    #[cfg(any(feature = "linux", test))]
    pub(crate) fn unaccepted_addresses(&self) -> std::collections::BTreeSet<IpAddr> {
        self.added
            .iter()
            .filter(|(_, held)| !held.accept)
            .map(|(&(_, address), _)| address)
            .collect()
    }

    /// A number that changes whenever [`unaccepted_addresses`](Self::unaccepted_addresses) or
    /// [`standby_virtual_macs`](Self::standby_virtual_macs) may have: a firewall compares it with
    /// the one it last installed to skip unchanged rules.
    #[cfg(any(feature = "linux", test))]
    pub(crate) fn firewall_changes(&self) -> u64 {
        self.firewall_changes
    }

    /// The routers placed on a virtual MAC interface that hold none of their addresses (not
    /// Master), each with that interface: the interface must take no frame sent to the virtual
    /// MAC (RFC 5798 §6.4.2, V3-FSM-06). An owner's is never standby.
    #[cfg(any(feature = "linux", test))]
    pub(crate) fn standby_virtual_macs(&self) -> Vec<(RouterKey, u32)> {
        let holding: std::collections::HashSet<RouterKey> =
            self.added.values().map(|held| held.router).collect();
        self.placed
            .iter()
            .filter(|(key, placed)| !placed.owner && !holding.contains(key))
            .flat_map(|(key, placed)| {
                let own = (placed.address_interface != placed.parent_interface)
                    .then_some(placed.address_interface);
                let devices = placed.device_virtual_macs.iter().copied();
                own.into_iter().chain(devices).map(|index| (*key, index))
            })
            .collect()
    }

    /// Whether this applier added `address` on `interface` and still holds it.
    pub fn holds(&self, interface: u32, address: IpAddr) -> bool {
        self.added.contains_key(&(interface, address))
    }

    /// Adds again an address this applier holds that someone else removed, and reports it: an
    /// [`Event::AddressRestored`], or an [`Event::BackendFailed`] if the backend fails. Nothing
    /// happens for an address it does not hold, or one that is there after all.
    pub(crate) fn restore(
        &mut self,
        interface: u32,
        address: IpAddr,
        on_event: &mut impl FnMut(Event),
    ) {
        let Some(held) = self.added.get_mut(&(interface, address)) else {
            return;
        };
        let (router, virtual_address) = (
            held.router,
            VirtualAddress {
                lifetime: self.lifetime,
                ..held.address
            },
        );
        match self.addresses.add(interface, virtual_address) {
            Ok(Added::Added) => {
                held.address = virtual_address;
                on_event(Event::AddressRestored {
                    router,
                    interface_index: interface,
                    address,
                });
                // The kernel dropped the routes whose source the address was, silently: a
                // router's own, or static ones.
                self.routing.reinstall_routes(&mut self.addresses, on_event);
            }
            Ok(Added::AlreadyPresent) => {}
            Err(error) => on_event(Event::BackendFailed {
                router,
                operation: Operation::AddAddress(address),
                error,
            }),
        }
    }

    /// Moves the addresses held on interface `from`, which is gone, to interface `to` (a virtual
    /// MAC interface created again), adding each there: an [`Event::AddressRestored`] for each,
    /// or an [`Event::BackendFailed`] (the address is then forgotten, as the router's next
    /// release would fail on it).
    #[cfg(any(feature = "linux", test))]
    pub(crate) fn move_addresses(&mut self, from: u32, to: u32, on_event: &mut impl FnMut(Event)) {
        let moved: Vec<(IpAddr, Held)> = self
            .added
            .iter()
            .filter(|((interface, _), _)| *interface == from)
            .map(|(&(_, address), held)| (address, **held))
            .collect();
        for (address, mut held) in moved {
            self.added.remove(&(from, address));
            // Repeats queued for the old interface would fail; the address is announced again
            // by the router's next burst.
            self.paced.drop_address(from, address);
            self.firewall_changes += 1;
            held.address.lifetime = self.lifetime;
            match self.addresses.add(to, held.address) {
                Ok(_) => {
                    self.added.insert((to, address), Box::new(held));
                    on_event(Event::AddressRestored {
                        router: held.router,
                        interface_index: to,
                        address,
                    });
                }
                Err(error) => on_event(Event::BackendFailed {
                    router: held.router,
                    operation: Operation::AddAddress(address),
                    error,
                }),
            }
        }
    }

    /// Follows interface `from`, on which some routers' addresses are configured
    /// ([`Instance::device`]) and which was created again as `to`: those addresses go on `to`
    /// from now on, and the ones held on `from` are added there ([`move_addresses`](Self::move_addresses)).
    #[cfg(feature = "linux")]
    pub(crate) fn rebind_device(&mut self, from: u32, to: u32, on_event: &mut impl FnMut(Event)) {
        for placed in self.placed.values_mut() {
            placed.addressing.rebind_device(from, to);
            if let Some(as_placed) = &mut placed.as_placed {
                as_placed.rebind_device(from, to);
            }
            for index in &mut placed.device_virtual_macs {
                if *index == from {
                    *index = to;
                }
            }
        }
        self.firewall_changes += 1;
        self.routing.rebind(from, to);
        self.move_addresses(from, to, on_event);
    }

    /// Removes every address, route and rule this applier added (its routers' and the static
    /// ones), for a driver that stops without its routers' shutdown actions; the first failure is
    /// returned after trying them all.
    pub fn release_all(&mut self) -> Result<(), BackendError> {
        let mut first_error = self.routing.release_all(&mut self.addresses).err();
        self.firewall_changes += 1;
        for ((interface, _), held) in self.added.drain() {
            if let Err(error) = self.addresses.remove(interface, held.address) {
                first_error.get_or_insert(error);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// The advertisement sender.
    #[cfg(feature = "linux")]
    pub(crate) fn sender_mut(&mut self) -> &mut S {
        &mut self.sender
    }

    /// The announcer.
    #[cfg(feature = "linux")]
    pub(crate) fn announcer_mut(&mut self) -> &mut N {
        &mut self.announcer
    }

    /// Whether announcement repeats wait for [`send_paced`](Self::send_paced).
    pub(crate) fn has_paced(&self) -> bool {
        !self.paced.is_empty()
    }

    /// Sends at most `max` of the announcements' repeats: one frame for each address in turn, so
    /// an address's repeats are a round apart. Returns how many frames wait still.
    pub(crate) fn send_paced(&mut self, max: usize, on_event: &mut impl FnMut(Event)) -> usize {
        for (router, interface, address) in self.paced.next_round(max) {
            if let Err(error) = self.announcer.announce(interface, address, 1) {
                on_event(Event::BackendFailed {
                    router,
                    operation: Operation::Announce(address),
                    error,
                });
            }
        }
        self.paced.frames()
    }

    /// Adds, in one [`AddressBackend::add_all`] call, the addresses that the
    /// [`Action::AddAddresses`] of `actions` add, so that [`apply`](Self::apply), given the same
    /// actions in the same order next, finds their outcomes instead of adding them one at a time:
    /// a takeover of thousands of routers then costs a few netlink round trips, not thousands.
    /// Only the adds before the first [`Action::RemoveAddresses`] of `actions` go ahead, each
    /// address once: a removal can take other addresses with it (Linux drops the secondary
    /// addresses of a subnet with its primary unless `promote_secondaries` is set), so an add
    /// after one waits for its turn, and the host sees the changes in the routers' order.
    pub(crate) fn add_ahead(&mut self, actions: &[(RouterKey, Action)]) {
        self.ahead.clear();
        let mut seen: HashSet<(u32, IpAddr)> = HashSet::new();
        let mut batch = Vec::new();
        for (router, action) in actions {
            match action {
                Action::AddAddresses { addresses, .. } => {
                    let placed = self.placed.get(router).map(Box::as_ref);
                    for (interface, address) in to_add(placed, *router, self.lifetime, addresses) {
                        if seen.insert((interface, address.address)) {
                            batch.push((interface, address));
                        }
                    }
                }
                Action::RemoveAddresses(_) => break,
                Action::Send(_)
                | Action::Announce { .. }
                | Action::AdvertiseRouter { .. }
                | Action::LowerPriorityMaster { .. }
                | Action::StateChanged { .. } => {}
            }
        }
        if batch.is_empty() {
            return;
        }
        let outcomes = self.addresses.add_all(&batch);
        self.ahead = (batch.into_iter())
            .map(|(interface, address)| (interface, address.address))
            .zip(outcomes)
            .collect();
    }

    /// Applies `action` of `router`, calling `on_event` with a state change and with each failure.
    ///
    /// An announcement sends one frame per address at once and queues the other `repeat - 1`
    /// for the event loop to send paced; releasing the addresses drops the router's queued
    /// repeats.
    pub fn apply(&mut self, router: RouterKey, action: Action, on_event: &mut impl FnMut(Event)) {
        let Self {
            sender,
            addresses: backend,
            announcer,
            placed,
            added,
            firewall_changes,
            lifetime,
            paced,
            ahead,
            routing,
        } = self;
        let placed = placed.get(&router).map(Box::as_ref);
        let (instance, own) = addressing_of(placed, router);
        let mut fail = |operation, error| {
            on_event(Event::BackendFailed {
                router,
                operation,
                error,
            })
        };
        match action {
            Action::Send(transmit) => {
                let interface = placed.map_or(router.interface_index, |p| p.send_interface);
                if let Err(error) = sender.send(interface, &transmit) {
                    fail(Operation::Send, error);
                }
            }
            Action::AddAddresses { addresses, accept } => {
                for (interface, virtual_address) in to_add(placed, router, *lifetime, &addresses) {
                    let address = virtual_address.address;
                    let outcome = match ahead.front() {
                        Some((key, _)) if *key == (interface, address) => ahead.pop_front(),
                        _ => None,
                    };
                    if outcome.is_some() && ahead.is_empty() {
                        // Thousands of outcomes after a takeover: give the memory back.
                        *ahead = VecDeque::new();
                    }
                    let outcome = match outcome {
                        Some((_, outcome)) => outcome,
                        None => backend.add(interface, virtual_address),
                    };
                    match outcome {
                        Ok(Added::Added) => {
                            let held = Box::new(Held {
                                router,
                                address: virtual_address,
                                accept,
                            });
                            added.insert((interface, address), held);
                            *firewall_changes += 1;
                        }
                        Ok(Added::AlreadyPresent) => {}
                        Err(error) => fail(Operation::AddAddress(address), error),
                    }
                }
                // Then its routes and rules: a route from a virtual address needs it there.
                if let Some(addressing) = instance {
                    routing.install(router, addressing, backend, on_event);
                }
            }
            Action::RemoveAddresses(addresses) => {
                // Its routes and rules go first, while the addresses they may name are there.
                routing.release(router, backend, on_event);
                for (interface, address) in with_interfaces(placed, router, &addresses) {
                    paced.drop_address(interface, address);
                    let Some(held) = added.remove(&(interface, address)) else {
                        continue;
                    };
                    *firewall_changes += 1;
                    if let Err(error) = backend.remove(interface, held.address) {
                        on_event(Event::BackendFailed {
                            router,
                            operation: Operation::RemoveAddress(address),
                            error,
                        });
                    }
                }
            }
            Action::Announce { addresses, repeat } => {
                for (interface, address) in with_interfaces(placed, router, &addresses) {
                    if repeat == 0 {
                        continue;
                    }
                    let spacing = spacing_rounds(instance, address);
                    let mut queued = repeat;
                    if paced.may_send_now(interface, spacing) {
                        queued -= 1;
                        if let Err(error) = announcer.announce(interface, address, 1) {
                            fail(Operation::Announce(address), error);
                        }
                    }
                    // A burst replaces the repeats still queued for the address.
                    paced.queue(router, interface, address, queued, spacing);
                }
            }
            Action::AdvertiseRouter {
                addresses,
                lifetime,
            } => {
                let mut all = addresses.iter().filter_map(|address| match address {
                    IpAddr::V6(v6) => Some(v6),
                    IpAddr::V4(_) => None,
                });
                let Some(source) = all.next() else {
                    return;
                };
                let prefixes: Vec<(Ipv6Addr, u8)> = all
                    .map(|address| {
                        let prefix_len = instance.map_or(128, |instance| {
                            instance.virtual_address(address.into()).prefix_len
                        });
                        (address, prefix_len)
                    })
                    .collect();
                let interface = own;
                if let Err(error) =
                    announcer.advertise_router(interface, source, lifetime, &prefixes)
                {
                    fail(Operation::AdvertiseRouter, error);
                }
            }
            Action::LowerPriorityMaster { source, priority } => {
                on_event(Event::LowerPriorityMaster {
                    router,
                    source,
                    priority,
                });
            }
            Action::StateChanged { from, to, reason } => {
                // An address owner adds and removes no address (they are its own): its routes
                // and rules follow its state instead.
                if let Some(placed) = placed.filter(|p| p.owner) {
                    if to == crate::State::Master {
                        routing.install(router, &placed.addressing, backend, on_event);
                    } else if from == crate::State::Master {
                        routing.release(router, backend, on_event);
                    }
                }
                on_event(Event::StateChanged {
                    router,
                    from,
                    to,
                    reason,
                });
            }
        }
    }
}

/// How many rounds of paced announcements apart `address`'s frames must go on their interface,
/// as `addressing` spaces them ([`Instance::announce_spacing`]): 0 for no spacing.
fn spacing_rounds(addressing: Option<&Addressing>, address: IpAddr) -> u32 {
    let spacing = addressing.map_or(Duration::ZERO, |a| {
        a.announce_spacing(crate::AddressFamily::of(address))
    });
    let pace = crate::host::ANNOUNCE_PACE.as_nanos();
    u32::try_from(spacing.as_nanos().div_ceil(pace)).unwrap_or(u32::MAX)
}

/// Where `router`'s addresses go: its addressing if it was placed, and its own address interface
/// (its interface, or its virtual MAC interface).
fn addressing_of(placed: Option<&Placed>, router: RouterKey) -> (Option<&Addressing>, u32) {
    (
        placed.map(|placed| &placed.addressing),
        placed.map_or(router.interface_index, |p| p.address_interface),
    )
}

/// What an [`Action::AddAddresses`] of `router` (placed as `placed`) with `addresses` configures:
/// each address as its addressing says, then the excluded ones, all with `lifetime`, each with
/// its interface.
fn to_add(
    placed: Option<&Placed>,
    router: RouterKey,
    lifetime: Option<Duration>,
    addresses: &AddressList,
) -> Vec<(u32, VirtualAddress)> {
    let (addressing, own) = addressing_of(placed, router);
    let excluded = addressing.map_or(&[][..], Addressing::excluded_addresses);
    (addresses.iter())
        .map(|address| {
            addressing.map_or(VirtualAddress::host(address), |a| {
                a.virtual_address(address)
            })
        })
        .chain(excluded.iter().copied())
        .map(|mut address| {
            address.lifetime = lifetime;
            let interface = addressing.map_or(own, |a| a.interface_of(address.address, own));
            (interface, address)
        })
        .collect()
}

/// The addresses an action of `router` (placed as `placed`) names, then its excluded ones, each
/// with the interface it goes on: what a removal removes and an announcement announces.
fn with_interfaces<'a>(
    placed: Option<&'a Placed>,
    router: RouterKey,
    addresses: &'a AddressList,
) -> impl Iterator<Item = (u32, IpAddr)> + 'a {
    let (addressing, own) = addressing_of(placed, router);
    let excluded = addressing.map_or(&[][..], Addressing::excluded_addresses);
    (addresses.iter())
        .chain(excluded.iter().map(|a| a.address))
        .map(move |address| {
            (
                addressing.map_or(own, |a| a.interface_of(address, own)),
                address,
            )
        })
}
