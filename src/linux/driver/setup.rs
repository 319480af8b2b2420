//! The Linux side of adding and removing virtual routers: checks against the interfaces and their
//! addresses (changing nothing), then the sockets, multicast groups, placements and virtual MAC
//! interfaces the routers need, and undoing that for removed ones.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use crate::host::{
    ActionApplier, AddressBackend, Addressing, DriverError, Installed, Instance, Setup, VirtualRule,
};
use crate::linux::driver::links::Bindings;
use crate::linux::driver::virtual_mac::{VirtualMacs, name_for, send_interface};
use crate::linux::{ADDRESS_PROTOCOL, Announcer, Interface, Netlink, RoutedInterface, Sockets};
use crate::{AddressFamily, RouterKey, Routers};

/// Looks up interface `name` and the address a virtual router of `family` on it sends from: its
/// primary IPv4 address, or its IPv6 link-local address.
pub fn interface_source(
    netlink: &mut Netlink,
    name: &str,
    family: AddressFamily,
) -> Result<(Interface, IpAddr), DriverError> {
    let interface = netlink.interface_by_name(name)?;
    let source = netlink
        .source_address(interface.index, family)?
        .ok_or_else(|| DriverError::NoSourceAddress {
            interface: name.to_string(),
            family,
        })?;
    Ok((interface, source))
}

/// What [`LinuxSetup::check`] found: the addresses a killed process left (interface, address,
/// prefix length), to remove, and the interfaces as they were, each added router's among them.
pub(crate) struct Checked {
    leftovers: Vec<(u32, IpAddr, u8)>,
    links: HashMap<u32, Interface>,
    /// The routers that wait for their primary address, which is not there yet.
    without_primary: Vec<RouterKey>,
}

/// The host state a Linux driver sets up for its routers, and the netlink connection it reads and
/// changes links with.
#[derive(Debug)]
pub(crate) struct LinuxSetup {
    /// Interface and address queries, virtual MAC interfaces.
    pub(crate) netlink: Netlink,
    /// The raw VRRP sockets, shared with the advertisement sender; the driver reads them.
    pub(crate) sockets: Sockets,
    /// The (interface, multicast group) pairs the sockets joined, by the interfaces' indexes now.
    joined: HashSet<(u32, IpAddr)>,
    /// The routers whose group is not the standard one ([`Config::multicast_group`]).
    groups: HashMap<RouterKey, IpAddr>,
    pub(crate) virtual_macs: VirtualMacs,
    /// The routers' interfaces by name, for one deleted and created again.
    pub(crate) bindings: Bindings,
    /// The routed interfaces the driver holds, and makes again when deleted.
    pub(crate) routed: Vec<RoutedInterface>,
}

impl LinuxSetup {
    /// The multicast group of router `key`, which the sockets join on its interface.
    fn group_of(&self, key: &RouterKey) -> IpAddr {
        (self.groups.get(key).copied()).unwrap_or_else(|| key.family.vrrp_group())
    }

    /// Removes the routes and rules of `added` that carry this crate's mark and that `applier`
    /// does not hold: a killed process's, left behind. Those with a protocol of their own cannot
    /// be told from an operator's, and stay.
    fn remove_leftover_routing<A: AddressBackend>(
        &mut self,
        applier: &ActionApplier<Sockets, A, Announcer>,
        added: &[Instance],
    ) -> Result<(), DriverError> {
        // By what the kernel knows of a route, not the settings only this crate keeps.
        let held_routes: Vec<_> = applier.held_routes().map(|(_, r)| r.id()).collect();
        let held_rules: Vec<&VirtualRule> = applier.held_rules().map(|(_, r)| r).collect();
        for instance in added {
            for route in instance.routes() {
                if route.protocol.is_none() && !held_routes.contains(&route.id()) {
                    self.netlink.remove_route(route)?;
                }
            }
            for rule in instance.rules() {
                if rule.protocol.is_none() && !held_rules.contains(&rule) {
                    self.netlink.remove_rule(rule)?;
                }
            }
        }
        Ok(())
    }

    /// Removes what a killed process left of `statics`: its marked addresses, routes and rules
    /// (those with a protocol of their own cannot be told from an operator's, and stay).
    pub(crate) fn remove_leftover_statics(
        &mut self,
        statics: &crate::host::Statics,
    ) -> Result<(), DriverError> {
        for &(index, address) in &statics.addresses {
            let family = AddressFamily::of(address.address);
            let present = self.netlink.addresses(index, family)?;
            let ours = present
                .iter()
                .any(|a| a.address == address.address && a.protocol == ADDRESS_PROTOCOL);
            if ours {
                self.netlink
                    .remove_address(index, address.address, address.prefix_len)?;
            }
        }
        for route in statics.routes.iter().filter(|r| r.protocol.is_none()) {
            self.netlink.remove_route(route)?;
        }
        for rule in statics.rules.iter().filter(|r| r.protocol.is_none()) {
            self.netlink.remove_rule(rule)?;
        }
        Ok(())
    }

    pub(crate) fn new(netlink: Netlink) -> Self {
        Self {
            netlink,
            sockets: Sockets::default(),
            joined: HashSet::new(),
            groups: HashMap::new(),
            virtual_macs: VirtualMacs::default(),
            bindings: Bindings::default(),
            routed: Vec::new(),
        }
    }

    /// Moves `keys`, the routers of the configured interfaces that `interface` stands for, to
    /// it: the interface created again under its name, which was index `previous`. Joins the VRRP
    /// groups there, creates the virtual MAC interfaces again on it, and sends and places addresses
    /// on it. Returns what failed, by router; the others are moved.
    pub(crate) fn rebind<A: AddressBackend>(
        &mut self,
        applier: &mut ActionApplier<Sockets, A, Announcer>,
        keys: &[RouterKey],
        previous: u32,
        interface: &Interface,
    ) -> Vec<(RouterKey, DriverError)> {
        let keys = keys.to_vec();
        let mut failures = Vec::new();
        // The memberships went with the old interface. The routers need theirs on the new one,
        // whether or not the old one was joined (it may have gone before a join could take).
        self.joined.retain(|(index, _)| *index != previous);
        let groups: HashSet<IpAddr> = keys.iter().map(|key| self.group_of(key)).collect();
        for group in groups {
            let family = AddressFamily::of(group);
            let Some(socket) = self.sockets.get(family) else {
                continue;
            };
            if self.joined.contains(&(interface.index, group)) {
                continue;
            }
            match socket.join_group(interface.index, group) {
                Ok(()) => {
                    self.joined.insert((interface.index, group));
                }
                Err(error) => {
                    let error = DriverError::from(error);
                    for key in keys.iter().filter(|key| self.group_of(key) == group) {
                        failures.push((*key, clone_error(&error)));
                    }
                }
            }
        }
        let with_virtual_mac: Vec<RouterKey> = keys
            .iter()
            .copied()
            .filter(|key| {
                applier
                    .addressing(key)
                    .is_some_and(Addressing::has_virtual_mac)
            })
            .collect();
        self.virtual_macs
            .forget_parent(&interface.name, &with_virtual_mac);
        let with_virtual_mac: HashSet<RouterKey> = with_virtual_mac.into_iter().collect();
        for key in keys {
            let advertises_router = applier.advertises_router(&key);
            let addressing = applier.addressing(&key);
            if let Err(error) =
                (self.virtual_macs).promote_secondaries(&key, addressing, &interface.name)
            {
                failures.push((key, error));
            }
            let name = name_for(&key, addressing);
            let created = with_virtual_mac.contains(&key).then(|| {
                self.virtual_macs.create(
                    &mut self.netlink,
                    key,
                    &name,
                    advertises_router,
                    interface,
                )
            });
            let (address, send) = match created {
                Some(Ok(index)) => (index, send_interface(addressing, index, interface.index)),
                Some(Err(error)) => {
                    failures.push((key, error));
                    (interface.index, interface.index)
                }
                None => (interface.index, interface.index),
            };
            applier.redirect(&key, address, send);
            applier.set_parent(&key, interface.index);
            // Best effort, as at start-up: what fails is looked up again at the announcement.
            let _ = applier.announcer_mut().prepare(address, key.family);
        }
        failures
    }
}

/// A copy of `error` for each router it failed for: the system error's kind and message.
fn clone_error(error: &DriverError) -> DriverError {
    DriverError::Io {
        operation: "joining the VRRP group on the interface created again",
        source: std::io::Error::other(error.to_string()),
    }
}

impl<A: AddressBackend> Setup<Sockets, A, Announcer> for LinuxSetup {
    type Checked = Checked;

    /// Checks that the added routers' interfaces exist, their primary addresses are there, and
    /// none of their addresses is held by someone else (unless the router owns it). Returns the
    /// addresses a killed process left, to remove.
    fn check(
        &mut self,
        applier: &ActionApplier<Sockets, A, Announcer>,
        _: &Routers,
        added: &[Instance],
    ) -> Result<Checked, DriverError> {
        let held: HashSet<(u32, IpAddr)> = applier
            .added_addresses()
            .map(|(interface, address)| (interface, address.address))
            .collect();
        let links: HashMap<u32, Interface> = self
            .netlink
            .interfaces()?
            .into_iter()
            .map(|i| (i.index, i))
            .collect();
        let mut leftovers = Vec::new();
        let mut without_primary = Vec::new();
        for instance in added {
            let (ours, has_primary) = check_instance(&mut self.netlink, &links, instance)?;
            for (index, address, prefix_len) in ours {
                if !held.contains(&(index, address)) {
                    leftovers.push((index, address, prefix_len));
                }
            }
            if !has_primary {
                without_primary.push(instance.key());
            }
        }
        Ok(Checked {
            leftovers,
            links,
            without_primary,
        })
    }

    /// Removes the leftovers, opens and joins what the sockets need, places the routers and
    /// creates their virtual MAC interfaces.
    fn install(
        &mut self,
        applier: &mut ActionApplier<Sockets, A, Announcer>,
        added: &[Instance],
        checked: Checked,
    ) -> Result<Installed, DriverError> {
        for &(index, address, prefix_len) in &checked.leftovers {
            self.netlink.remove_address(index, address, prefix_len)?;
        }
        self.remove_leftover_routing(applier, added)?;
        for instance in added {
            let key = instance.key();
            if self.sockets.get(key.family).is_none() {
                self.sockets.open(key.family)?;
                *applier.sender_mut() = self.sockets.clone();
            }
            let ipsec_ah = matches!(
                instance.config().authentication(),
                crate::packet::Authentication::IpsecAh(_)
            );
            if ipsec_ah && self.sockets.ipsec_ah().is_none() {
                self.sockets.open_ipsec_ah()?;
                *applier.sender_mut() = self.sockets.clone();
            }
            let group = instance.config().multicast_group();
            if group != key.family.vrrp_group() {
                self.groups.insert(key, group);
            }
            let interface = self.bindings.current(key.interface_index);
            if let Some(socket) = self.sockets.get(key.family)
                && !self.joined.contains(&(interface, group))
            {
                socket.join_group(interface, group)?;
                self.joined.insert((interface, group));
            }
        }
        let mut down = Vec::new();
        for instance in added {
            let key = instance.key();
            applier.place(instance.clone());
            let parent = &checked.links[&key.interface_index];
            self.bindings.bind(key.interface_index, &parent.name);
            if !parent.running {
                down.push(key.interface_index);
            }
            let addressing = Some(instance.addressing());
            (self.virtual_macs).promote_secondaries(&key, addressing, &parent.name)?;
            if instance.has_virtual_mac() {
                let advertises_router = instance.config().router_advertisements().is_some();
                let name = name_for(&key, addressing);
                let index = (self.virtual_macs).create(
                    &mut self.netlink,
                    key,
                    &name,
                    advertises_router,
                    parent,
                )?;
                // Adverts leave from the virtual MAC interface, with the virtual MAC as their
                // source (V3-TX-03); IPv6 ones with the parent's link-local address. Unless
                // they are to leave from the parent (keepalived's `vmac_xmit_base`).
                let send = send_interface(addressing, index, parent.index);
                applier.redirect(&key, index, send);
            }
            // Best effort: what fails here is looked up again, and reported, at the first
            // announcement.
            let interface = applier.address_interface(&key);
            let _ = applier.announcer_mut().prepare(interface, key.family);
            for ((device, family), addresses) in instance.device_virtual_macs() {
                let device = &checked.links[&device];
                let index = (self.virtual_macs).create_for_device(
                    &mut self.netlink,
                    key,
                    family,
                    device,
                )?;
                applier.place_on_virtual_mac(&key, addresses, index);
                let _ = applier.announcer_mut().prepare(index, family);
            }
        }
        Ok(Installed {
            down,
            without_primary: checked.without_primary,
        })
    }

    /// Deletes the removed routers' virtual MAC interfaces, leaves the multicast groups no
    /// remaining router needs and forgets the interfaces no remaining router is configured on.
    fn uninstall(
        &mut self,
        _: &mut ActionApplier<Sockets, A, Announcer>,
        removed: &[RouterKey],
        remaining: &Routers,
    ) -> Result<(), DriverError> {
        for key in removed {
            self.virtual_macs.delete(&mut self.netlink, key)?;
        }
        for key in removed {
            self.groups.remove(key);
        }
        let in_use: HashSet<(u32, IpAddr)> = remaining
            .iter()
            .map(|(key, _)| {
                (
                    self.bindings.current(key.interface_index),
                    self.group_of(&key),
                )
            })
            .collect();
        for &(index, group) in self.joined.difference(&in_use) {
            if let Some(socket) = self.sockets.get(AddressFamily::of(group)) {
                // Best effort: the interface may be gone.
                let _ = socket.leave_group(index, group);
            }
        }
        self.joined.retain(|pair| in_use.contains(pair));
        let configured: HashSet<u32> = remaining
            .iter()
            .map(|(key, _)| key.interface_index)
            .collect();
        for index in self.bindings.configured_indexes() {
            if !configured.contains(&index) {
                self.bindings.unbind(index);
            }
        }
        Ok(())
    }
}

/// What [`check_instance`] found: the addresses this crate configured, each with its interface
/// and prefix length, and whether the primary address is there.
type InstanceCheck = (Vec<(u32, IpAddr, u8)>, bool);

/// Checks the instance against the interface it runs on: its primary address is there (unless it
/// waits for it), its prefix lengths are valid, and none of its addresses is held by someone
/// else. Returns those of its addresses that this crate configured (with their interfaces and
/// prefix lengths): a killed process left them, or a running router holds them; and whether its
/// primary address is there.
fn check_instance(
    netlink: &mut Netlink,
    links: &HashMap<u32, Interface>,
    instance: &Instance,
) -> Result<InstanceCheck, DriverError> {
    let index = instance.config().interface_index();
    let interface = links
        .get(&index)
        .ok_or(DriverError::UnknownInterface(index))?;
    let config = instance.config();
    // RFC 5798 §7.3 maps the virtual router to an IEEE 802 MAC; RFC 9568 removed the FDDI, Token
    // Ring and ATM LANE mappings, and a tunnel has no link layer to give one.
    if instance.has_virtual_mac() && interface.mac.is_none() {
        return Err(DriverError::NoEthernet {
            interface: interface.name.clone(),
        });
    }
    let own = netlink.addresses(interface.index, config.family())?;
    let has_primary = own.iter().any(|a| a.address == config.primary_address());
    if !has_primary && !instance.addressing().waits_for_primary_address() {
        return Err(DriverError::PrimaryAddressNotOnInterface {
            interface: interface.name.clone(),
            address: config.primary_address(),
        });
    }
    // Where each of its addresses goes, and so which (interface, family) pairs to look at.
    let target = |address: IpAddr| instance.interface_of(address, interface.index);
    let all: Vec<IpAddr> = instance.all_addresses().collect();
    let mut scanned: Vec<(u32, AddressFamily)> = vec![(interface.index, config.family())];
    for &address in &all {
        let pair = (target(address), AddressFamily::of(address));
        if !links.contains_key(&pair.0) {
            return Err(DriverError::UnknownInterface(pair.0));
        }
        if !scanned.contains(&pair) {
            scanned.push(pair);
        }
    }
    let mut ours = Vec::new();
    for (index, family) in scanned {
        let present = if (index, family) == (interface.index, config.family()) {
            own.clone()
        } else {
            netlink.addresses(index, family)?
        };
        for address in present {
            if !all.contains(&address.address) || target(address.address) != index {
                continue;
            }
            if address.protocol == ADDRESS_PROTOCOL {
                ours.push((index, address.address, address.prefix_len));
            } else if !config.is_owner() {
                return Err(DriverError::ForeignAddress {
                    interface: links[&index].name.clone(),
                    address: address.address,
                });
            }
        }
    }
    Ok((ours, has_primary))
}
