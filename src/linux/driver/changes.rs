//! What the driver learns of the host: the change stream read into the event loop, interfaces
//! followed through renames and re-creation, virtual MAC interfaces made again, and the full
//! re-read of links and addresses when the stream cannot be trusted.

use std::time::Instant;

use super::links::Seen;
use super::virtual_mac::{name_for, send_interface};
use super::{Driver, RESYNC_RETRY, ROUTED_RETRY, transient};
use crate::host::{AddressBackend, DriverError, Event, HostChange, HostSnapshot, Operation};
use crate::linux::{Interface, NetlinkError, NetlinkEvent, RoutedInterface};
use crate::{Action, AddressFamily, RouterKey, State};

impl<A: AddressBackend> Driver<A> {
    /// Feeds link and address changes to the event loop; when the stream overran, the links and
    /// addresses are read again instead.
    pub(super) fn host_changes(
        &mut self,
        now: Instant,
        on_event: &mut impl FnMut(Event),
    ) -> Result<(), DriverError> {
        let events = match self.changes.recv() {
            Ok(events) => events,
            Err(error) => {
                // Lost changes (an overrun), or a stream that cannot be trusted: the links and
                // addresses are read again, now or, if that fails, `RESYNC_RETRY` later.
                if !matches!(error, NetlinkError::Overrun) {
                    on_event(transient("receiving link and address changes", error));
                }
                self.resync_pending = true;
                self.resynchronize(now, on_event);
                return Ok(());
            }
        };
        for event in events {
            // A virtual MAC interface deleted by someone else: made again, with its addresses.
            // Only an address it still holds may tell of a deleted link: its own releases don't.
            let gone = match &event {
                NetlinkEvent::LinkRemoved { index } => Some(*index),
                NetlinkEvent::AddressRemoved(removed)
                    if self
                        .event_loop
                        .applier()
                        .holds(removed.interface_index, removed.address) =>
                {
                    Some(removed.interface_index)
                }
                _ => None,
            };
            if let Some(index) = gone
                && self.recreate_own(index, on_event)
            {
                continue;
            }
            let changes = match event {
                NetlinkEvent::Link(interface) => {
                    let (configured, recreated) = self.follow_link(now, &interface, on_event);
                    let up = interface.running;
                    // The kernel drops the routes out of an interface that goes down, without a
                    // word: those held come back with it (a router's interface does it below).
                    let applier = self.event_loop.applier_mut();
                    if configured.is_empty() && applier.has_routing() {
                        let index = interface.index;
                        let came_up = if up {
                            self.routing_down.remove(&index)
                        } else {
                            self.routing_down.insert(index);
                            false
                        };
                        if came_up {
                            applier.reinstall_routing(on_event);
                        }
                    }
                    // Created again: the re-read at the end of the pass says whether it is up.
                    let configured = if recreated { Vec::new() } else { configured };
                    (configured.into_iter())
                        .map(|interface_index| HostChange::Link {
                            interface_index,
                            up,
                        })
                        .collect()
                }
                NetlinkEvent::LinkRemoved { index } => (self.setup.bindings.all_configured(index))
                    .into_iter()
                    .map(|interface_index| HostChange::LinkRemoved { interface_index })
                    .collect(),
                // A tentative or duplicate address (IPv6 DAD) cannot be sent from: as good as
                // gone until the kernel says it is usable.
                NetlinkEvent::AddressAdded(added) => {
                    let (interface_index, address) = (added.interface_index, added.address);
                    vec![if added.usable {
                        HostChange::AddressAdded {
                            interface_index,
                            address,
                        }
                    } else {
                        HostChange::AddressRemoved {
                            interface_index,
                            address,
                        }
                    }]
                }
                NetlinkEvent::AddressRemoved(removed) => vec![HostChange::AddressRemoved {
                    interface_index: removed.interface_index,
                    address: removed.address,
                }],
                NetlinkEvent::RouteRemoved(route) => vec![HostChange::RouteRemoved(route)],
                NetlinkEvent::RuleRemoved => vec![HostChange::RuleRemoved],
            };
            for change in changes {
                self.event_loop.handle_change(now, change, on_event);
            }
        }
        Ok(())
    }

    /// Creates interface `index` again if it is one the driver made and it is gone (deleted by
    /// hand, say): a router's virtual MAC interface, whose addresses move to the new one and
    /// whose router is pointed at it, or a routed interface (see
    /// [`recreate_routed`](Self::recreate_routed)); returns whether it did. A virtual MAC
    /// interface that cannot be made is reported, and its router's next address operation fails
    /// and steps it down until the backoff ends; a failed listing asks for a full re-read.
    fn recreate_own(&mut self, index: u32, on_event: &mut impl FnMut(Event)) -> bool {
        let virtual_mac = self.setup.virtual_macs.router_of(index);
        let device = self.setup.virtual_macs.device(index).is_some();
        let routed = self.setup.routed.iter().any(|r| r.index() == index);
        if virtual_mac.is_none() && !device && !routed {
            return false;
        }
        match self.setup.netlink.interfaces() {
            Ok(interfaces) => match virtual_mac {
                Some(key) => self.recreate_virtual_mac_among(key, index, &interfaces, on_event),
                None if device => self.recreate_device_virtual_mac(index, &interfaces, on_event),
                None => self.recreate_routed(index, &interfaces, on_event),
            },
            Err(error) => {
                // Whether it is gone is for the re-read to say; a routed interface's addresses
                // cannot be restored on it before.
                on_event(transient("listing interfaces", error));
                self.resync_pending = true;
                routed
            }
        }
    }

    /// [`recreate_own`](Self::recreate_own) for router `key`'s interface `index`,
    /// with the interfaces as they are now.
    fn recreate_virtual_mac_among(
        &mut self,
        key: RouterKey,
        index: u32,
        interfaces: &[Interface],
        on_event: &mut impl FnMut(Event),
    ) -> bool {
        if interfaces.iter().any(|i| i.index == index) {
            return false;
        }
        let applier = self.event_loop.applier_mut();
        let parent_index = applier.parent_interface(&key);
        let Some(parent) = interfaces.iter().find(|i| i.index == parent_index) else {
            return false;
        };
        if applier.addressing(&key).is_none() {
            return false;
        }
        let advertises_router = applier.advertises_router(&key);
        let name = name_for(&key, applier.addressing(&key));
        self.setup.virtual_macs.forget(&key);
        match self.setup.virtual_macs.create(
            &mut self.setup.netlink,
            key,
            &name,
            advertises_router,
            parent,
        ) {
            Ok(new_index) => {
                let send = send_interface(applier.addressing(&key), new_index, parent.index);
                applier.redirect(&key, new_index, send);
                let _ = applier.announcer_mut().prepare(new_index, key.family);
                on_event(Event::InterfaceRecreated {
                    interface_index: index,
                    new_index,
                    name,
                });
                applier.move_addresses(index, new_index, on_event);
            }
            Err(error) => on_event(Event::BackendFailed {
                router: key,
                operation: Operation::Rebind,
                error: Box::new(error),
            }),
        }
        true
    }

    /// Makes again the virtual MAC interface of index `index` made for a router's addresses on
    /// another interface ([`Instance::virtual_mac_per_device`](crate::host::Instance::virtual_mac_per_device))
    /// if it is gone from `interfaces`, on its parent found by name (created again, perhaps), and
    /// moves the addresses placed and held on it to the new one; returns whether `index` was one.
    /// Without its parent, or when it cannot be made, it is tried again by a re-read every
    /// [`ROUTED_RETRY`].
    fn recreate_device_virtual_mac(
        &mut self,
        index: u32,
        interfaces: &[Interface],
        on_event: &mut impl FnMut(Event),
    ) -> bool {
        let Some(device) = self.setup.virtual_macs.device(index).cloned() else {
            return false;
        };
        if interfaces.iter().any(|i| i.index == index) {
            return false;
        }
        let Some(parent) = interfaces.iter().find(|i| i.name == device.parent) else {
            self.resync_pending = true;
            self.own_missing = true;
            return true;
        };
        let virtual_macs = &mut self.setup.virtual_macs;
        let netlink = &mut self.setup.netlink;
        match virtual_macs.create_for_device(netlink, device.router, device.family, parent) {
            Ok(new_index) => {
                virtual_macs.forget_device(index);
                on_event(Event::InterfaceRecreated {
                    interface_index: index,
                    new_index,
                    name: device.name,
                });
                let applier = self.event_loop.applier_mut();
                let _ = applier.announcer_mut().prepare(new_index, device.family);
                applier.rebind_device(index, new_index, on_event);
                self.add_to_recreated(new_index, on_event);
            }
            Err(error) => {
                on_event(Event::BackendFailed {
                    router: device.router,
                    operation: Operation::Rebind,
                    error: Box::new(error),
                });
                self.resync_pending = true;
                self.own_missing = true;
            }
        }
        true
    }

    /// Makes again the routed interface of index `index` if it is one of the driver's and is gone
    /// from `interfaces`, and moves the addresses placed and held on it to the new one; returns
    /// whether `index` was a routed interface of the driver's. A failure (its name taken by
    /// another interface, say) is reported and tried again by a re-read now, then every
    /// [`ROUTED_RETRY`].
    fn recreate_routed(
        &mut self,
        index: u32,
        interfaces: &[Interface],
        on_event: &mut impl FnMut(Event),
    ) -> bool {
        let Some(at) = self.setup.routed.iter().position(|r| r.index() == index) else {
            return false;
        };
        if interfaces.iter().any(|i| i.index == index) {
            return false;
        }
        let name = self.setup.routed[at].name().to_owned();
        match RoutedInterface::create(&name) {
            Ok(routed) => {
                let new_index = routed.index();
                // The old device is gone already: closing it changes nothing.
                self.setup.routed[at] = routed;
                on_event(Event::InterfaceRecreated {
                    interface_index: index,
                    new_index,
                    name,
                });
                (self.event_loop.applier_mut()).rebind_device(index, new_index, on_event);
                self.add_to_recreated(new_index, on_event);
            }
            Err(error) => {
                on_event(transient("creating the routed interface again", error));
                self.resync_pending = true;
                self.own_missing = true;
            }
        }
        true
    }

    /// Adds on the routed interface `index`, made again, what its Masters place there and do not
    /// hold: a Master that became one while the interface was missing could not add it then.
    fn add_to_recreated(&mut self, index: u32, on_event: &mut impl FnMut(Event)) {
        let applier = self.event_loop.applier();
        let lacking: Vec<(RouterKey, Action)> = (self.event_loop.routers().iter())
            .filter(|(key, router)| {
                router.state() == State::Master
                    && applier.addressing(key).is_some()
                    && router.config().addresses().iter().any(|address| {
                        applier.interface_of(key, address) == index
                            && !applier.holds(index, address)
                    })
            })
            .map(|(key, router)| {
                let config = router.config();
                let addresses = config.addresses().clone();
                (
                    key,
                    Action::AddAddresses {
                        addresses,
                        accept: config.accept(),
                    },
                )
            })
            .collect();
        for (key, action) in lacking {
            self.event_loop.applier_mut().apply(key, action, on_event);
        }
    }

    /// Follows a bound interface's rename, or moves its routers to it when it was created again
    /// under its name (and asks for a full re-read); returns the indexes the routers know it by,
    /// and whether it was created again (then its link state is the re-read's to say).
    fn follow_link(
        &mut self,
        now: Instant,
        interface: &Interface,
        on_event: &mut impl FnMut(Event),
    ) -> (Vec<u32>, bool) {
        let (configured, previous) = match self.setup.bindings.saw(interface.index, &interface.name)
        {
            Seen::Unbound => return (vec![interface.index], false),
            Seen::Bound { configured } => return (configured, false),
            Seen::Recreated {
                configured,
                previous,
            } => (configured, previous),
        };
        // The interface they ran on was deleted, with their addresses, whether or not its removal
        // was read: they go through Fault, forgetting what was there, and come back from what
        // the re-read says of the new one.
        for &index in &configured {
            self.event_loop.handle_link(now, index, false, on_event);
        }
        let routers: Vec<RouterKey> = (self.event_loop.routers().iter())
            .map(|(key, _)| key)
            .filter(|key| configured.contains(&key.interface_index))
            .collect();
        let failures =
            self.setup
                .rebind(self.event_loop.applier_mut(), &routers, previous, interface);
        for &index in &configured {
            on_event(Event::InterfaceRecreated {
                interface_index: index,
                new_index: interface.index,
                name: interface.name.clone(),
            });
        }
        // What was said of the new interface before it was known as ours (its address, under
        // another name, say) is not looked at again: the whole host is read again at the end of
        // this pass, and every router's link and primary address follow it.
        self.resync_pending = true;
        for (router, error) in failures {
            on_event(Event::BackendFailed {
                router,
                operation: Operation::Rebind,
                error: Box::new(error),
            });
        }
        (configured, true)
    }

    /// Reads the links and addresses again if the change stream lost some (or an interface was
    /// created again), and hands them to the event loop; a failed read is reported and tried again
    /// [`RESYNC_RETRY`] later, or at the next wake-up if that comes first.
    pub(super) fn resynchronize(&mut self, now: Instant, on_event: &mut impl FnMut(Event)) {
        if !self.resync_pending {
            return;
        }
        match self.snapshot(now, on_event) {
            Ok(snapshot) => {
                self.resync_pending = false;
                self.resync_retry = None;
                self.event_loop.resynchronize(now, &snapshot, on_event);
                if std::mem::take(&mut self.own_missing) {
                    self.resync_pending = true;
                    self.resync_retry = Some(now + ROUTED_RETRY);
                }
            }
            Err(error) => {
                self.resync_retry = Some(now + RESYNC_RETRY);
                on_event(transient("reading the links and addresses again", error));
            }
        }
    }

    /// The links and addresses as they are now, links under the index the routers know them by
    /// (following interfaces created again meanwhile, and making again the virtual MAC interfaces
    /// deleted meanwhile).
    fn snapshot(
        &mut self,
        now: Instant,
        on_event: &mut impl FnMut(Event),
    ) -> Result<HostSnapshot, DriverError> {
        let interfaces = self.setup.netlink.interfaces()?;
        // The virtual MAC interfaces as the listing could know them: a parent created again is
        // given new ones below, which the listing does not show.
        let virtual_macs = self.setup.virtual_macs.all();
        let mut links = Vec::with_capacity(interfaces.len());
        for interface in &interfaces {
            let (configured, _) = self.follow_link(now, interface, on_event);
            links.extend(
                configured
                    .into_iter()
                    .map(|index| (index, interface.running)),
            );
        }
        // A virtual MAC interface deleted while the stream was lost: made again, its addresses
        // moved to it, before the addresses are read.
        let present: std::collections::HashSet<u32> = interfaces.iter().map(|i| i.index).collect();
        for (key, index) in virtual_macs {
            // Still this router's (a rebind above forgets the ones it made again).
            let current = self.setup.virtual_macs.index_of(&key) == Some(index);
            if current && !present.contains(&index) {
                self.recreate_virtual_mac_among(key, index, &interfaces, on_event);
            }
        }
        // So is a routed interface, and the virtual MAC interface of addresses on another one.
        let routed: Vec<u32> = self.setup.routed.iter().map(|r| r.index()).collect();
        for index in routed {
            self.recreate_routed(index, &interfaces, on_event);
        }
        for index in self.setup.virtual_macs.device_indexes() {
            self.recreate_device_virtual_mac(index, &interfaces, on_event);
        }
        let netlink = &mut self.setup.netlink;
        let mut addresses = std::collections::HashSet::new();
        for family in [AddressFamily::Ipv4, AddressFamily::Ipv6] {
            addresses.extend(
                netlink
                    .all_addresses(family)?
                    .into_iter()
                    .filter(|a| a.usable)
                    .map(|a| (a.interface_index, a.address)),
            );
        }
        Ok(HostSnapshot { links, addresses })
    }
}
