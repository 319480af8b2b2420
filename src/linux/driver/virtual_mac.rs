//! Virtual MAC interfaces (RFC 5798 §7.3): a macvlan with the virtual router MAC per router that
//! asks for one, and per (interface, family) of its other addresses when it asks for that
//! (`Instance::virtual_mac_per_device`); the parents' ARP sysctls that keep them quiet about the
//! virtual addresses; with them the other interface sysctls routers ask for
//! (`promote_secondaries`). Everything created here is remembered and removed at the end.

use std::collections::HashMap;

use crate::host::{Addressing, DriverError};
use crate::linux::{Interface, Netlink};
use crate::{AddressFamily, MacAddress, RouterKey};

/// The virtual MAC interfaces a driver created and the sysctls it changed.
#[derive(Debug, Default)]
pub(crate) struct VirtualMacs {
    /// The virtual MAC interfaces created, by router.
    links: HashMap<RouterKey, u32>,
    /// The virtual MAC interfaces created for routers' addresses on other interfaces or of the
    /// other family, by index.
    devices: HashMap<u32, DeviceVirtualMac>,
    /// The interface sysctls changed for virtual MACs and `promote_secondaries`, to restore:
    /// (path, old value).
    changed_sysctls: Vec<(String, String)>,
}

/// A virtual MAC interface made for a router's addresses on another interface, or of the other
/// family ([`Instance::virtual_mac_per_device`](crate::host::Instance::virtual_mac_per_device)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DeviceVirtualMac {
    /// The router whose addresses it holds.
    pub(crate) router: RouterKey,
    /// The family of its addresses, and of its MAC.
    pub(crate) family: AddressFamily,
    /// The interface it is made on, by name: it is followed when created again.
    pub(crate) parent: String,
    /// Its own name.
    pub(crate) name: String,
}

impl VirtualMacs {
    /// Creates router `key`'s virtual MAC interface on `parent` (replacing a stale one of the same
    /// name) and returns its index. For IPv4, the parent must not speak ARP for the virtual address
    /// with its own MAC (RFC 5798 §8.1.2): it answers only for its own addresses (`arp_ignore` 1),
    /// and its own requests carry its own address (`arp_announce` 2), not a virtual one. An IPv6
    /// router that sends router advertisements (`advertises_router`) has IPv6 forwarding on its virtual MAC
    /// interface, so that the kernel's answers to neighbour solicitations for the virtual
    /// addresses carry the Router flag (RFC 5798 §6.4.3 as updated by RFC 9568, V3-FSM-15).
    pub(crate) fn create(
        &mut self,
        netlink: &mut Netlink,
        key: RouterKey,
        name: &str,
        advertises_router: bool,
        parent: &Interface,
    ) -> Result<u32, DriverError> {
        let index = self.make(
            netlink,
            key.vrid,
            key.family,
            name,
            advertises_router,
            parent,
        )?;
        self.links.insert(key, index);
        Ok(index)
    }

    /// Creates the virtual MAC interface of router `key`'s addresses of `family` on `parent`, an
    /// interface other than its own or a family other than its own, and returns its index.
    pub(crate) fn create_for_device(
        &mut self,
        netlink: &mut Netlink,
        key: RouterKey,
        family: AddressFamily,
        parent: &Interface,
    ) -> Result<u32, DriverError> {
        let name = virtual_mac_name(&RouterKey {
            interface_index: parent.index,
            vrid: key.vrid,
            family,
        });
        // Never another router's, its own or one made for its addresses on this interface: the
        // one of this (interface, VRID, family) is a clash, which `make` would delete as stale.
        let ours = |index: u32| {
            self.links.values().any(|&own| own == index) || self.devices.contains_key(&index)
        };
        if let Ok(existing) = netlink.interface_by_name(&name)
            && ours(existing.index)
        {
            return Err(DriverError::Io {
                operation: "creating a virtual MAC interface for addresses on another interface",
                source: std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!("{name} is the virtual MAC interface of another router"),
                ),
            });
        }
        let index = self.make(netlink, key.vrid, family, &name, false, parent)?;
        let device = DeviceVirtualMac {
            router: key,
            family,
            parent: parent.name.clone(),
            name,
        };
        self.devices.insert(index, device);
        Ok(index)
    }

    /// The virtual MAC interface of index `index` made for a router's addresses on another
    /// interface, if it is one.
    pub(crate) fn device(&self, index: u32) -> Option<&DeviceVirtualMac> {
        self.devices.get(&index)
    }

    /// The indexes of the virtual MAC interfaces made for routers' addresses on other interfaces.
    pub(crate) fn device_indexes(&self) -> Vec<u32> {
        self.devices.keys().copied().collect()
    }

    /// Forgets the virtual MAC interface of index `index` made for a router's addresses on
    /// another interface: it is gone.
    pub(crate) fn forget_device(&mut self, index: u32) {
        self.devices.remove(&index);
    }

    /// Creates a virtual MAC interface `name` for VRID `vrid` of `family` on `parent` (replacing a
    /// stale one of the same name) and returns its index: see [`create`](Self::create).
    fn make(
        &mut self,
        netlink: &mut Netlink,
        vrid: crate::Vrid,
        family: AddressFamily,
        name: &str,
        advertises_router: bool,
        parent: &Interface,
    ) -> Result<u32, DriverError> {
        let mac = MacAddress::virtual_router(vrid, family);
        if let Ok(stale) = netlink.interface_by_name(name) {
            netlink.delete_link(stale.index)?;
        }
        let index = netlink.create_macvlan(parent.index, name, mac)?;
        if family == AddressFamily::Ipv4 {
            self.raise_sysctl(&parent.name, "arp_ignore", 1)?;
            self.raise_sysctl(&parent.name, "arp_announce", 2)?;
        }
        // The virtual MAC interface itself answers ARP only for the addresses on it: without
        // this, every virtual MAC interface (an IPv6 router's too, or another VRID's) would
        // answer for every virtual IPv4 address of the host with its own MAC (V3-OPS-02/03). It
        // is this driver's and goes with it: nothing to restore.
        // And it keeps a subnet's other virtual addresses when the first one goes (as
        // keepalived sets up its virtual MAC interfaces).
        for (sysctl, value) in [
            ("arp_ignore", "1"),
            ("arp_announce", "2"),
            ("promote_secondaries", "1"),
        ] {
            let path = format!("/proc/sys/net/ipv4/conf/{name}/{sysctl}");
            std::fs::write(&path, value).map_err(|source| DriverError::Io {
                operation: "setting a sysctl (ARP, promote_secondaries) on a virtual MAC interface",
                source,
            })?;
        }
        if family == AddressFamily::Ipv6 && advertises_router {
            // The interface is this driver's and goes with it: nothing to restore.
            let path = format!("/proc/sys/net/ipv6/conf/{name}/forwarding");
            std::fs::write(&path, "1").map_err(|source| DriverError::Io {
                operation: "setting IPv6 forwarding on a virtual MAC interface",
                source,
            })?;
        }
        Ok(index)
    }

    /// Forgets what was done for parent interface `parent`, which was deleted: its virtual MAC
    /// interfaces went with it, and a parent created again under its name has default sysctls.
    pub(crate) fn forget_parent(&mut self, parent: &str, children: &[RouterKey]) {
        for key in children {
            self.links.remove(key);
        }
        let prefix = format!("/proc/sys/net/ipv4/conf/{parent}/");
        self.changed_sysctls
            .retain(|(path, _)| !path.starts_with(&prefix));
    }

    /// Forgets router `key`'s virtual MAC interface, which is gone.
    pub(crate) fn forget(&mut self, key: &RouterKey) {
        self.links.remove(key);
    }

    /// The index of router `key`'s virtual MAC interface, if it has one.
    pub(crate) fn index_of(&self, key: &RouterKey) -> Option<u32> {
        self.links.get(key).copied()
    }

    /// The virtual MAC interfaces created, with their routers.
    pub(crate) fn all(&self) -> Vec<(RouterKey, u32)> {
        self.links
            .iter()
            .map(|(&key, &index)| (key, index))
            .collect()
    }

    /// The router whose virtual MAC interface has index `index`, if one has.
    pub(crate) fn router_of(&self, index: u32) -> Option<RouterKey> {
        self.links
            .iter()
            .find_map(|(key, &link)| (link == index).then_some(*key))
    }

    /// Deletes router `key`'s virtual MAC interfaces, its own and those of its addresses on other
    /// interfaces; the first failure is returned after trying them all.
    pub(crate) fn delete(
        &mut self,
        netlink: &mut Netlink,
        key: &RouterKey,
    ) -> Result<(), DriverError> {
        let devices: Vec<u32> = (self.devices.iter())
            .filter(|(_, device)| device.router == *key)
            .map(|(&index, _)| index)
            .collect();
        let mut result = Ok(());
        for index in self.links.remove(key).into_iter().chain(devices) {
            self.devices.remove(&index);
            if let Err(error) = netlink.delete_link(index) {
                result = result.and(Err(error.into()));
            }
        }
        result
    }

    /// Turns on `promote_secondaries` on `interface` for router `key` if its `addressing` asks
    /// for it (IPv4 only), remembering the old value.
    pub(crate) fn promote_secondaries(
        &mut self,
        key: &RouterKey,
        addressing: Option<&Addressing>,
        interface: &str,
    ) -> Result<(), DriverError> {
        if key.family == AddressFamily::Ipv4
            && addressing.is_some_and(Addressing::promotes_secondaries)
        {
            self.raise_sysctl(interface, "promote_secondaries", 1)?;
        }
        Ok(())
    }

    /// Raises IPv4 sysctl `name` of `interface` to at least `value`, remembering the old value.
    fn raise_sysctl(&mut self, interface: &str, name: &str, value: u8) -> Result<(), DriverError> {
        let path = format!("/proc/sys/net/ipv4/conf/{interface}/{name}");
        if self.changed_sysctls.iter().any(|(p, _)| *p == path) {
            return Ok(());
        }
        let io = |operation| move |source| DriverError::Io { operation, source };
        let old = std::fs::read_to_string(&path).map_err(io("reading an interface sysctl"))?;
        if old.trim().parse::<u8>().is_ok_and(|old| old < value) {
            std::fs::write(&path, value.to_string())
                .map_err(io("setting an interface sysctl (ARP, promote_secondaries)"))?;
            self.changed_sysctls.push((path, old));
        }
        Ok(())
    }

    /// Deletes every virtual MAC interface and restores the sysctls; the first failure is returned
    /// after trying them all.
    pub(crate) fn remove_all(&mut self, netlink: &mut Netlink) -> Result<(), DriverError> {
        let mut first_error = None;
        let devices = self.devices.drain().map(|(index, _)| index);
        for index in self.links.drain().map(|(_, index)| index).chain(devices) {
            if let Err(error) = netlink.delete_link(index) {
                first_error.get_or_insert(error.into());
            }
        }
        for (path, old) in self.changed_sysctls.drain(..) {
            // Best effort: the interface may be gone.
            let _ = std::fs::write(path, old.trim());
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// The name the driver gives the virtual MAC interface of `key` unless its
/// [`Instance`](crate::host::Instance) names it: `vr<4|6>.<ifindex>.<vrid>`, within the kernel's
/// 15 characters for every index below 10^6.
pub fn virtual_mac_name(key: &RouterKey) -> String {
    let family = match key.family {
        AddressFamily::Ipv4 => 4,
        AddressFamily::Ipv6 => 6,
    };
    format!("vr{family}.{}.{}", key.interface_index, key.vrid)
}

/// The name of router `key`'s virtual MAC interface: the one its `addressing` gives
/// ([`Instance::virtual_mac_named`](crate::host::Instance::virtual_mac_named)), else
/// [`virtual_mac_name`].
pub(crate) fn name_for(key: &RouterKey, addressing: Option<&Addressing>) -> String {
    (addressing.and_then(Addressing::virtual_mac_name))
        .map_or_else(|| virtual_mac_name(key), str::to_string)
}

/// Where a router on virtual MAC interface `virtual_mac` sends its adverts from: there, or from
/// `parent` when its `addressing` says so ([`Instance::adverts_from_parent`](crate::host::Instance::adverts_from_parent)).
pub(crate) fn send_interface(
    addressing: Option<&Addressing>,
    virtual_mac: u32,
    parent: u32,
) -> u32 {
    if addressing.is_some_and(Addressing::sends_from_parent) {
        parent
    } else {
        virtual_mac
    }
}
