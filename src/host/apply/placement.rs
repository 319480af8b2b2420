//! Where each router's addresses go: its addressing as placed, and the interfaces it uses now
//! (its own, a virtual MAC interface, one created again).

use std::net::IpAddr;
use std::time::Duration;

use super::ActionApplier;
use crate::RouterKey;
use crate::host::{
    AddressBackend, Addressing, AdvertSender, AnnounceBackend, Instance, VirtualAddress,
};
use crate::packet::AddressList;

/// A running router's addressing and the interfaces it uses now. Its [`Config`](crate::Config)
/// is the router's: at thousands of routers a second copy here is megabytes.
#[derive(Clone, Debug)]
pub(super) struct Placed {
    /// Where and how its addresses go, as placed; an interface created again since is followed.
    pub(super) addressing: Addressing,
    /// Whether it is the address owner (its virtual MAC interface is never standby).
    pub(super) owner: bool,
    /// Whether it sends IPv6 router advertisements.
    #[cfg_attr(
        not(feature = "linux"),
        allow(dead_code, reason = "read by the Linux driver")
    )]
    pub(super) advertises_router: bool,
    /// Where its addresses go and are announced: its own interface or its virtual MAC interface.
    pub(super) address_interface: u32,
    /// Where its advertisements leave from.
    pub(super) send_interface: u32,
    /// The interface its primary address is on: its own, or the one created again under its
    /// name.
    pub(super) parent_interface: u32,
    /// The virtual MAC interfaces made for its addresses on other interfaces or of the other
    /// family ([`Instance::virtual_mac_per_device`]), each with those addresses, which go there
    /// rather than where `addressing` says. Kept beside `addressing`, not written into it, so
    /// that [`ActionApplier::addressing`] answers the addressing as placed and a reload of the
    /// same configuration finds it unchanged.
    pub(super) device_virtual_macs: Vec<(u32, Vec<IpAddr>)>,
}

impl Placed {
    /// The interface `address` (a virtual or an excluded one) goes on: its own virtual MAC
    /// interface, else the one its addressing gives, else the router's address interface.
    fn interface_of(&self, address: IpAddr) -> u32 {
        (self.device_virtual_macs.iter())
            .find(|(_, addresses)| addresses.contains(&address))
            .map_or_else(
                || {
                    self.addressing
                        .interface_of(address, self.address_interface)
                },
                |&(index, _)| index,
            )
    }
}

impl<S: AdvertSender, A: AddressBackend, N: AnnounceBackend> ActionApplier<S, A, N> {
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
        addresses: Vec<IpAddr>,
        index: u32,
    ) {
        if let Some(placed) = self.placed.get_mut(key) {
            placed.device_virtual_macs.push((index, addresses));
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
        self.placed.get(key).map(|placed| &placed.addressing)
    }

    /// The interface router `key` configures `address` (a virtual or an excluded one) on: its
    /// own virtual MAC interface for it, its `dev`, its address interface; for a router not
    /// placed, its own interface.
    #[cfg(feature = "linux")]
    pub(crate) fn interface_of(&self, key: &RouterKey, address: IpAddr) -> u32 {
        interface_of(self.placed.get(key).map(Box::as_ref), *key, address)
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
}

/// Where `router`'s addresses go: its addressing if it was placed, and its own address interface
/// (its interface, or its virtual MAC interface).
pub(super) fn addressing_of(
    placed: Option<&Placed>,
    router: RouterKey,
) -> (Option<&Addressing>, u32) {
    (
        placed.map(|placed| &placed.addressing),
        placed.map_or(router.interface_index, |p| p.address_interface),
    )
}

/// The interface `router` (placed as `placed`) configures `address` on (see
/// [`Placed::interface_of`]); a router not placed, its own interface.
fn interface_of(placed: Option<&Placed>, router: RouterKey, address: IpAddr) -> u32 {
    placed.map_or(router.interface_index, |placed| {
        placed.interface_of(address)
    })
}

/// What an [`Action::AddAddresses`] of `router` (placed as `placed`) with `addresses` configures:
/// each address as its addressing says, then the excluded ones, all with `lifetime`, each with
/// its interface.
pub(super) fn to_add(
    placed: Option<&Placed>,
    router: RouterKey,
    lifetime: Option<Duration>,
    addresses: &AddressList,
) -> Vec<(u32, VirtualAddress)> {
    let (addressing, _) = addressing_of(placed, router);
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
            (interface_of(placed, router, address.address), address)
        })
        .collect()
}

/// The addresses an action of `router` (placed as `placed`) names, then its excluded ones, each
/// with the interface it goes on: what a removal removes and an announcement announces.
pub(super) fn with_interfaces<'a>(
    placed: Option<&'a Placed>,
    router: RouterKey,
    addresses: &'a AddressList,
) -> impl Iterator<Item = (u32, IpAddr)> + 'a {
    let (addressing, _) = addressing_of(placed, router);
    let excluded = addressing.map_or(&[][..], Addressing::excluded_addresses);
    (addresses.iter())
        .chain(excluded.iter().map(|a| a.address))
        .map(move |address| (interface_of(placed, router, address), address))
}
