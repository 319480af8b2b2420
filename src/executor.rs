//! Carries a [`Routers`](crate::Routers)' actions out through the backends, and keeps track of
//! which virtual addresses it added, so that it removes those and only those.

use std::collections::HashMap;
use std::net::IpAddr;

use crate::backend::{Added, AddressBackend, AdvertSender, Announce, BackendError, VirtualAddress};
use crate::event::{Event, Operation};
use crate::{Action, RouterKey};

/// Where a virtual router's traffic and addresses go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    /// The interface its virtual addresses are configured on and announced from: its own interface,
    /// or the virtual MAC interface when it has one.
    pub address_interface: u32,
    /// The interface its advertisements leave from.
    pub send_interface: u32,
    /// Its virtual addresses with their prefix lengths; an address not listed gets a host prefix.
    pub addresses: Vec<VirtualAddress>,
    /// Addresses configured, announced and released with the virtual addresses but not advertised
    /// (keepalived's `virtual_ipaddress_excluded`).
    pub excluded: Vec<VirtualAddress>,
    /// Addresses (virtual or excluded) that go on another interface than `address_interface`
    /// (keepalived's `dev`), with that interface.
    pub devices: Vec<(IpAddr, u32)>,
}

impl Placement {
    /// Everything on the router's own interface `interface_index`, with host prefixes.
    pub fn on(interface_index: u32) -> Self {
        Self {
            address_interface: interface_index,
            send_interface: interface_index,
            addresses: Vec::new(),
            excluded: Vec::new(),
            devices: Vec::new(),
        }
    }

    /// The interface `address` is configured and announced on.
    pub fn interface_of(&self, address: IpAddr) -> u32 {
        self.devices
            .iter()
            .find(|(a, _)| *a == address)
            .map_or(self.address_interface, |&(_, interface)| interface)
    }

    fn virtual_address(&self, address: IpAddr) -> VirtualAddress {
        self.addresses
            .iter()
            .copied()
            .find(|a| a.address == address)
            .unwrap_or_else(|| VirtualAddress::host(address))
    }
}

/// Executes actions against three backends.
///
/// Failures do not stop the protocol: each becomes an [`Event::BackendFailed`], and the next
/// action is carried out. Addresses that were already configured ([`Added::AlreadyPresent`]) are
/// never removed.
#[derive(Debug)]
pub struct Executor<S, A, N> {
    sender: S,
    addresses: A,
    announcer: N,
    placements: HashMap<RouterKey, Placement>,
    added: HashMap<(u32, IpAddr), VirtualAddress>,
}

impl<S: AdvertSender, A: AddressBackend, N: Announce> Executor<S, A, N> {
    /// An executor over the three backends.
    pub fn new(sender: S, addresses: A, announcer: N) -> Self {
        Self {
            sender,
            addresses,
            announcer,
            placements: HashMap::new(),
            added: HashMap::new(),
        }
    }

    /// Sets where router `router`'s traffic and addresses go (by default: its own interface, host
    /// prefixes).
    pub fn place(&mut self, router: RouterKey, placement: Placement) {
        self.placements.insert(router, placement);
    }

    /// Forgets the placement of a router that no longer runs. The addresses it added and still
    /// holds stay recorded, so [`release_all`](Self::release_all) still removes them.
    pub fn remove_placement(&mut self, router: &RouterKey) {
        self.placements.remove(router);
    }

    /// The placement of `router`.
    pub fn placement(&self, router: &RouterKey) -> Placement {
        self.placements
            .get(router)
            .cloned()
            .unwrap_or_else(|| Placement::on(router.interface_index))
    }

    /// The addresses this executor added and has not removed, with their interfaces.
    pub fn added_addresses(&self) -> impl Iterator<Item = (u32, VirtualAddress)> + '_ {
        self.added
            .iter()
            .map(|(&(interface, _), &address)| (interface, address))
    }

    /// Removes every address this executor added, for a driver that stops without its routers'
    /// shutdown actions; the first failure is returned after trying them all.
    pub fn release_all(&mut self) -> Result<(), BackendError> {
        let mut first_error = None;
        for ((interface, _), address) in self.added.drain() {
            if let Err(error) = self.addresses.remove(interface, address) {
                first_error.get_or_insert(error);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// The advertisement sender, for a driver that also receives through it.
    pub fn sender(&self) -> &S {
        &self.sender
    }

    /// The backends, for a driver that also uses them directly.
    pub fn backends(&mut self) -> (&mut S, &mut A, &mut N) {
        (&mut self.sender, &mut self.addresses, &mut self.announcer)
    }

    /// Carries out `action` of `router`, calling `on_event` with a state change and with each
    /// failure.
    pub fn execute(&mut self, router: RouterKey, action: Action, on_event: &mut impl FnMut(Event)) {
        let placement = self.placement(&router);
        let mut fail = |operation, error| {
            on_event(Event::BackendFailed {
                router,
                operation,
                error,
            })
        };
        match action {
            Action::Send(transmit) => {
                if let Err(error) = self.sender.send(placement.send_interface, &transmit) {
                    fail(Operation::Send, error);
                }
            }
            Action::AddAddresses { addresses, .. } => {
                let all = addresses
                    .iter()
                    .map(|address| placement.virtual_address(address))
                    .chain(placement.excluded.iter().copied());
                for virtual_address in all {
                    let address = virtual_address.address;
                    let interface = placement.interface_of(address);
                    match self.addresses.add(interface, virtual_address) {
                        Ok(Added::Added) => {
                            self.added.insert((interface, address), virtual_address);
                        }
                        Ok(Added::AlreadyPresent) => {}
                        Err(error) => fail(Operation::AddAddress(address), error),
                    }
                }
            }
            Action::RemoveAddresses(addresses) => {
                let excluded = placement.excluded.iter().map(|a| a.address);
                for address in addresses.iter().chain(excluded) {
                    let interface = placement.interface_of(address);
                    let Some(virtual_address) = self.added.remove(&(interface, address)) else {
                        continue;
                    };
                    if let Err(error) = self.addresses.remove(interface, virtual_address) {
                        fail(Operation::RemoveAddress(address), error);
                    }
                }
            }
            Action::Announce { addresses, repeat } => {
                let excluded = placement.excluded.iter().map(|a| a.address);
                for address in addresses.iter().chain(excluded) {
                    if let Err(error) =
                        self.announcer
                            .announce(placement.interface_of(address), address, repeat)
                    {
                        fail(Operation::Announce(address), error);
                    }
                }
            }
            Action::StateChanged { from, to, reason } => on_event(Event::StateChanged {
                router,
                from,
                to,
                reason,
            }),
        }
    }
}
