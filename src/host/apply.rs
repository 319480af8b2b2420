//! Applies a [`Routers`](crate::Routers)' actions through the backends, and keeps track of which
//! virtual addresses it added, so that it removes those and only those.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{IpAddr, Ipv6Addr};
use std::time::Duration;

use crate::host::repeats::Repeats;
use crate::host::routing::Routing;
use crate::host::{
    Added, AddressBackend, Addressing, AdvertSender, AnnounceBackend, BackendError, Event,
    Operation, VirtualAddress,
};
use crate::{Action, RouterKey};

use placement::{Placed, addressing_of, to_add, with_interfaces};

mod placement;
mod renewal;
#[cfg(test)]
mod tests;

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
                let devices = placed.device_virtual_macs.iter().map(|(index, _)| *index);
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
            for (index, _) in &mut placed.device_virtual_macs {
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
