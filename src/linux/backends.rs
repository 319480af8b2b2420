//! The Linux implementations of the [`backend`](crate::backend) traits.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};

use crate::announce::{gratuitous_arp, unsolicited_neighbor_advertisement};
use crate::backend::{Added, AddressBackend, AdvertSender, Announce, BackendError, VirtualAddress};
use crate::linux::{AnnounceError, Announcer, Netlink, NetlinkError, VrrpSocket};
use crate::{AddressFamily, MacAddress, Transmit};

/// The raw VRRP sockets of the families in use.
#[derive(Debug, Default)]
pub struct Sockets {
    /// The IPv4 socket, if an IPv4 virtual router runs.
    pub ipv4: Option<VrrpSocket>,
    /// The IPv6 socket, if an IPv6 virtual router runs.
    pub ipv6: Option<VrrpSocket>,
}

impl Sockets {
    /// The socket of `family`.
    pub fn get(&self, family: AddressFamily) -> Option<&VrrpSocket> {
        match family {
            AddressFamily::Ipv4 => self.ipv4.as_ref(),
            AddressFamily::Ipv6 => self.ipv6.as_ref(),
        }
    }
}

impl AdvertSender for Sockets {
    fn send(&mut self, interface_index: u32, transmit: &Transmit) -> Result<(), BackendError> {
        let family = AddressFamily::of(transmit.source);
        let socket = self
            .get(family)
            .ok_or_else(|| format!("no {family} VRRP socket is open"))?;
        if interface_index == transmit.interface_index {
            socket.send(transmit)?;
        } else {
            socket.send(&Transmit {
                interface_index,
                ..transmit.clone()
            })?;
        }
        Ok(())
    }
}

impl AddressBackend for Netlink {
    fn add(
        &mut self,
        interface_index: u32,
        address: VirtualAddress,
    ) -> Result<Added, BackendError> {
        match self.add_address(interface_index, &address) {
            Ok(()) => Ok(Added::Added),
            Err(NetlinkError::AlreadyPresent { .. }) => Ok(Added::AlreadyPresent),
            Err(error) => Err(error.into()),
        }
    }

    fn remove(
        &mut self,
        interface_index: u32,
        address: VirtualAddress,
    ) -> Result<(), BackendError> {
        match self.remove_address(interface_index, address.address, address.prefix_len) {
            Ok(()) | Err(NetlinkError::NotPresent { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }
}

/// Announces over a packet socket with the MAC (and, for IPv6, the link-local source) of the
/// interface, which it looks up once per interface.
#[derive(Debug)]
pub struct InterfaceAnnouncer {
    announcer: Announcer,
    netlink: Netlink,
    macs: HashMap<u32, MacAddress>,
    link_locals: HashMap<u32, Ipv6Addr>,
}

impl InterfaceAnnouncer {
    /// Opens the packet socket and a netlink connection for the lookups.
    pub fn open() -> Result<Self, BackendError> {
        Ok(Self {
            announcer: Announcer::open()?,
            netlink: Netlink::open()?,
            macs: HashMap::new(),
            link_locals: HashMap::new(),
        })
    }

    /// Looks up now what announcing on `interface_index` for `family` needs (its Ethernet address,
    /// and for IPv6 its link-local source), so that a takeover does not wait for a netlink dump.
    pub fn prepare(
        &mut self,
        interface_index: u32,
        family: AddressFamily,
    ) -> Result<(), BackendError> {
        self.mac(interface_index)?;
        if family == AddressFamily::Ipv6 {
            self.link_local(interface_index, Ipv6Addr::UNSPECIFIED)?;
        }
        Ok(())
    }

    fn mac(&mut self, interface_index: u32) -> Result<MacAddress, BackendError> {
        if let Some(&mac) = self.macs.get(&interface_index) {
            return Ok(mac);
        }
        let interface = self
            .netlink
            .interfaces()?
            .into_iter()
            .find(|i| i.index == interface_index)
            .ok_or_else(|| NetlinkError::UnknownInterface(format!("#{interface_index}")))?;
        let mac = interface.mac.ok_or_else(|| {
            BackendError::from(format!(
                "interface {} has no Ethernet address to announce from",
                interface.name
            ))
        })?;
        self.macs.insert(interface_index, mac);
        Ok(mac)
    }

    fn link_local(
        &mut self,
        interface_index: u32,
        target: Ipv6Addr,
    ) -> Result<Ipv6Addr, BackendError> {
        if let Some(&address) = self.link_locals.get(&interface_index) {
            return Ok(address);
        }
        let Some(IpAddr::V6(address)) = self
            .netlink
            .source_address(interface_index, AddressFamily::Ipv6)?
        else {
            return Err(AnnounceError::NoLinkLocalSource(target).into());
        };
        self.link_locals.insert(interface_index, address);
        Ok(address)
    }
}

impl Announce for InterfaceAnnouncer {
    fn announce(
        &mut self,
        interface_index: u32,
        address: IpAddr,
        repeat: u8,
    ) -> Result<(), BackendError> {
        let mac = self.mac(interface_index)?;
        let frame = match address {
            IpAddr::V4(v4) => gratuitous_arp(v4, mac)?,
            IpAddr::V6(v6) => {
                let source = self.link_local(interface_index, v6)?;
                unsolicited_neighbor_advertisement(v6, mac, source)?
            }
        };
        for _ in 0..repeat {
            self.announcer.send_frame(interface_index, &frame)?;
        }
        Ok(())
    }
}
