//! Interfaces and addresses through rtnetlink (netlink-packet-route over a synchronous netlink-sys
//! socket): look interfaces up by name or index, list their addresses, add or remove the virtual
//! addresses, and follow link and address changes.

use std::io;
use std::net::IpAddr;
use std::time::Duration;

use netlink_packet_core::{NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, NetlinkMessage};
use netlink_packet_route::address::{
    AddressAttribute, AddressFlags, AddressHeaderFlags, AddressMessage, AddressScope, CacheInfo,
};
use netlink_packet_route::link::{
    AfSpecInet6, AfSpecUnspec, In6AddrGenMode, InfoData, InfoKind, InfoMacVlan, LinkAttribute,
    LinkFlags, LinkInfo, LinkMessage, MacVlanMode,
};
use netlink_packet_route::{AddressFamily as NetlinkFamily, RouteNetlinkMessage};
use netlink_sys::protocols::NETLINK_ROUTE;
use netlink_sys::{Socket, SocketAddr};

use crate::host::{Added, AddressBackend, BackendError, VirtualAddress, VirtualRoute, VirtualRule};
use crate::{AddressFamily, MacAddress};

mod batch;
mod events;
mod request;
mod routes;

pub use events::{NetlinkEvent, NetlinkEvents};
pub use routes::ROUTE_PROTOCOL;

/// Why a netlink request failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NetlinkError {
    /// Changing addresses needs CAP_NET_ADMIN.
    #[error("{operation} needs CAP_NET_ADMIN (run as root or grant the capability)")]
    Permission {
        /// What was being done.
        operation: &'static str,
    },
    /// No interface has this name.
    #[error("no network interface is called {0:?}")]
    UnknownInterface(String),
    /// The address is already configured on the interface (and was not added by this call).
    #[error("{address} is already configured on interface {interface_index}")]
    AlreadyPresent {
        /// The interface.
        interface_index: u32,
        /// The address.
        address: IpAddr,
    },
    /// The address is not configured on the interface.
    #[error("{address} is not configured on interface {interface_index}")]
    NotPresent {
        /// The interface.
        interface_index: u32,
        /// The address.
        address: IpAddr,
    },
    /// An interface with this name exists already.
    #[error("a network interface called {0:?} exists already")]
    InterfaceExists(String),
    /// The kernel dropped change notifications because the socket's buffer was full (ENOBUFS):
    /// changes were lost, so what depends on them must be read again.
    #[error("netlink change notifications were lost (receive buffer overrun)")]
    Overrun,
    /// A listing changed while the kernel sent it (`NLM_F_DUMP_INTR`) every time it was asked:
    /// what it said may miss entries, so it is not used.
    #[error("{operation} was interrupted by changes {attempts} times in a row")]
    DumpInterrupted {
        /// What was being listed.
        operation: &'static str,
        /// How many times it was asked.
        attempts: u32,
    },
    /// Any other failure of the netlink socket or of the kernel's answer.
    #[error("{operation} failed: {source}")]
    Io {
        /// What was being done.
        operation: &'static str,
        /// The error.
        source: io::Error,
    },
}

impl NetlinkError {
    /// The kernel's `errno`, for a refusal of the kernel's or a failed system call.
    fn errno(&self) -> Option<i32> {
        match self {
            Self::Io { source, .. } => source.raw_os_error(),
            Self::Permission { .. } => Some(libc::EPERM),
            _ => None,
        }
    }

    /// The kernel's refusal `errno` of `operation`: [`Permission`](Self::Permission) for EPERM.
    fn from_errno(errno: i32, operation: &'static str) -> Self {
        if errno == libc::EPERM {
            Self::Permission { operation }
        } else {
            Self::Io {
                operation,
                source: io::Error::from_raw_os_error(errno),
            }
        }
    }
}

/// A network interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    /// Its index.
    pub index: u32,
    /// Its name.
    pub name: String,
    /// Its hardware address, if it has an Ethernet one.
    pub mac: Option<MacAddress>,
    /// Whether it is administratively up.
    pub up: bool,
    /// Whether it is up and has carrier (IFF_RUNNING).
    pub running: bool,
}

/// An address configured on an interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InterfaceAddress {
    /// The interface.
    pub interface_index: u32,
    /// The address.
    pub address: IpAddr,
    /// The prefix length.
    pub prefix_len: u8,
    /// Who added it (`IFA_PROTO`): 0 when unspecified, [`ADDRESS_PROTOCOL`] for the addresses
    /// [`Netlink::add_address`] added.
    pub protocol: u8,
    /// Whether it can be used: not tentative (IPv6 duplicate address detection still running)
    /// and not found to be a duplicate (`dadfailed`).
    pub usable: bool,
}

/// The `IFA_PROTO` value that marks the virtual addresses this crate adds (112, VRRP's IP protocol
/// number), so that a restarted router can tell an address a killed one left behind from an
/// operator's (`ip address show proto 112`).
pub const ADDRESS_PROTOCOL: u8 = 112;

/// A synchronous rtnetlink connection.
#[derive(Debug)]
pub struct Netlink {
    socket: Socket,
    sequence: u32,
}

impl Netlink {
    /// Opens a rtnetlink socket.
    pub fn open() -> Result<Self, NetlinkError> {
        let socket = route_socket()?;
        socket
            .connect(&SocketAddr::new(0, 0))
            .map_err(|source| NetlinkError::Io {
                operation: "connecting the netlink socket",
                source,
            })?;
        Ok(Self {
            socket,
            sequence: 0,
        })
    }

    /// Every interface.
    pub fn interfaces(&mut self) -> Result<Vec<Interface>, NetlinkError> {
        let request = RouteNetlinkMessage::GetLink(LinkMessage::default());
        let replies = self.dump(request, "listing interfaces")?;
        Ok(replies
            .into_iter()
            .filter_map(|reply| match reply {
                RouteNetlinkMessage::NewLink(link) => Some(interface(link)),
                _ => None,
            })
            .collect())
    }

    /// The interface called `name`.
    pub fn interface_by_name(&mut self, name: &str) -> Result<Interface, NetlinkError> {
        self.interfaces()?
            .into_iter()
            .find(|interface| interface.name == name)
            .ok_or_else(|| NetlinkError::UnknownInterface(name.to_string()))
    }

    /// The addresses of `family` configured on interface `interface_index`, in the kernel's order
    /// (for IPv4 the primary address first).
    pub fn addresses(
        &mut self,
        interface_index: u32,
        family: AddressFamily,
    ) -> Result<Vec<InterfaceAddress>, NetlinkError> {
        let mut addresses = self.all_addresses(family)?;
        addresses.retain(|a| a.interface_index == interface_index);
        Ok(addresses)
    }

    /// The addresses of `family` configured on every interface, in the kernel's order.
    pub fn all_addresses(
        &mut self,
        family: AddressFamily,
    ) -> Result<Vec<InterfaceAddress>, NetlinkError> {
        let mut message = AddressMessage::default();
        message.header.family = netlink_family(family);
        let request = RouteNetlinkMessage::GetAddress(message);
        let replies = self.dump(request, "listing addresses")?;
        Ok(replies
            .into_iter()
            .filter_map(|reply| match reply {
                RouteNetlinkMessage::NewAddress(message) => interface_address(&message),
                _ => None,
            })
            .filter(|a| AddressFamily::of(a.address) == family)
            .collect())
    }

    /// The address a virtual router of `family` on interface `interface_index` sends from: its first
    /// IPv4 address, or its IPv6 link-local address; never one this crate added.
    pub fn source_address(
        &mut self,
        interface_index: u32,
        family: AddressFamily,
    ) -> Result<Option<IpAddr>, NetlinkError> {
        Ok(self
            .addresses(interface_index, family)?
            .into_iter()
            .filter(|a| a.protocol != ADDRESS_PROTOCOL)
            .map(|a| a.address)
            .find(|address| match address {
                IpAddr::V4(_) => true,
                IpAddr::V6(v6) => v6.is_unicast_link_local(),
            }))
    }

    /// Adds `address` to interface `interface_index` with its prefix length, scope, and for IPv4
    /// its label and broadcast address. IPv6 addresses skip duplicate address detection (`nodad`):
    /// a VRRP Backup must not hold the address meanwhile, and the Master must answer for it at once
    /// (RFC 5798 §8.2.2 notes DAD can fail). An address already there is reported as
    /// [`NetlinkError::AlreadyPresent`] and left alone. The address is marked with
    /// [`ADDRESS_PROTOCOL`]. With a [`lifetime`](VirtualAddress::lifetime), the kernel removes it
    /// by itself that long after (valid and preferred lifetime, rounded up to whole seconds)
    /// unless [`renew_address`](Self::renew_address) extends it.
    pub fn add_address(
        &mut self,
        interface_index: u32,
        virtual_address: &VirtualAddress,
    ) -> Result<(), NetlinkError> {
        let request = new_address(interface_index, virtual_address);
        let flags = NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
        let outcome = self.request(request, flags, "adding an address").map(drop);
        already_present(outcome, interface_index, virtual_address.address)
    }

    /// Adds each of `addresses` (interface, address) as [`add_address`](Self::add_address) does,
    /// several to a round trip, and returns each one's outcome in order.
    pub fn add_addresses(
        &mut self,
        addresses: &[(u32, VirtualAddress)],
    ) -> Vec<Result<(), NetlinkError>> {
        let flags = NLM_F_CREATE | NLM_F_EXCL;
        let outcomes = self.request_all(new_addresses(addresses), flags, "adding an address");
        (outcomes.into_iter().zip(addresses))
            .map(|(outcome, &(interface_index, address))| {
                already_present(outcome, interface_index, address.address)
            })
            .collect()
    }

    /// Sets the lifetime of `address` on interface `interface_index` to its
    /// [`lifetime`](VirtualAddress::lifetime) from now (for ever without one), in place: the
    /// address is replaced with the same attributes (`NLM_F_REPLACE`), never removed meanwhile.
    /// An address that is not there is added.
    pub fn renew_address(
        &mut self,
        interface_index: u32,
        virtual_address: &VirtualAddress,
    ) -> Result<(), NetlinkError> {
        let request = new_address(interface_index, virtual_address);
        let flags = NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK;
        self.request(request, flags, "renewing an address")
            .map(drop)
    }

    /// Renews each of `addresses` (interface, address) as [`renew_address`](Self::renew_address)
    /// does, several to a round trip, and returns each one's outcome in order.
    pub fn renew_addresses(
        &mut self,
        addresses: &[(u32, VirtualAddress)],
    ) -> Vec<Result<(), NetlinkError>> {
        let flags = NLM_F_CREATE | NLM_F_REPLACE;
        self.request_all(new_addresses(addresses), flags, "renewing an address")
    }

    /// Removes `address`/`prefix_len` from interface `interface_index`;
    /// [`NetlinkError::NotPresent`] when it is not there, or the interface is gone.
    pub fn remove_address(
        &mut self,
        interface_index: u32,
        address: IpAddr,
        prefix_len: u8,
    ) -> Result<(), NetlinkError> {
        let message = address_message(interface_index, address, prefix_len);
        let request = RouteNetlinkMessage::DelAddress(message);
        match self.request(request, NLM_F_ACK, "removing an address") {
            // The interface is gone, and its addresses with it.
            Err(NetlinkError::Io { source, .. })
                if matches!(
                    source.raw_os_error(),
                    Some(libc::EADDRNOTAVAIL | libc::ENODEV)
                ) =>
            {
                Err(NetlinkError::NotPresent {
                    interface_index,
                    address,
                })
            }
            result => result.map(drop),
        }
    }

    /// Creates a macvlan called `name` on interface `parent_index` with `mac` (the virtual router MAC),
    /// in bridge mode so that it hears the other routers through its parent, with IPv6 address
    /// generation set to random so that its link-local address is not derived from the virtual MAC
    /// (RFC 9568 §7.4; two routers would otherwise share one), and brings it up. Returns its index.
    pub fn create_macvlan(
        &mut self,
        parent_index: u32,
        name: &str,
        mac: MacAddress,
    ) -> Result<u32, NetlinkError> {
        let mut link = LinkMessage::default();
        link.attributes
            .push(LinkAttribute::IfName(name.to_string()));
        link.attributes.push(LinkAttribute::Link(parent_index));
        link.attributes
            .push(LinkAttribute::Address(mac.octets().to_vec()));
        link.attributes.push(LinkAttribute::LinkInfo(vec![
            LinkInfo::Kind(InfoKind::MacVlan),
            LinkInfo::Data(InfoData::MacVlan(vec![InfoMacVlan::Mode(
                MacVlanMode::Bridge,
            )])),
        ]));
        let request = RouteNetlinkMessage::NewLink(link);
        match self.request(
            request,
            NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK,
            "creating a macvlan",
        ) {
            Err(NetlinkError::Io { source, .. }) if source.raw_os_error() == Some(libc::EEXIST) => {
                return Err(NetlinkError::InterfaceExists(name.to_string()));
            }
            result => result.map(drop)?,
        }
        let index = self.interface_by_name(name)?.index;
        // The kernel refuses the address generation mode at creation; it must be set before the
        // link comes up, which is when the link-local address is made.
        let mut mode = LinkMessage::default();
        mode.header.index = index;
        mode.attributes
            .push(LinkAttribute::AfSpecUnspec(vec![AfSpecUnspec::Inet6(
                vec![AfSpecInet6::AddrGenMode(In6AddrGenMode::Random)],
            )]));
        self.request(
            RouteNetlinkMessage::SetLink(mode),
            NLM_F_ACK,
            "setting addrgenmode random",
        )?;
        self.set_link_up(index, true)?;
        Ok(index)
    }

    /// Sets interface `index` administratively up or down.
    pub fn set_link_up(&mut self, index: u32, up: bool) -> Result<(), NetlinkError> {
        let mut link = LinkMessage::default();
        link.header.index = index;
        link.header.change_mask = LinkFlags::Up;
        if up {
            link.header.flags = LinkFlags::Up;
        }
        self.request(
            RouteNetlinkMessage::SetLink(link),
            NLM_F_ACK,
            "setting a link up or down",
        )
        .map(drop)
    }

    /// Deletes interface `index` (a macvlan this crate created).
    pub fn delete_link(&mut self, index: u32) -> Result<(), NetlinkError> {
        let mut link = LinkMessage::default();
        link.header.index = index;
        self.request(
            RouteNetlinkMessage::DelLink(link),
            NLM_F_ACK,
            "deleting a link",
        )
        .map(drop)
    }
}

/// A rtnetlink socket bound to an address of the kernel's choosing.
fn route_socket() -> Result<Socket, NetlinkError> {
    let io_error = |operation| move |source| NetlinkError::Io { operation, source };
    let mut socket = Socket::new(NETLINK_ROUTE).map_err(io_error("opening a netlink socket"))?;
    socket
        .bind_auto()
        .map_err(io_error("binding the netlink socket"))?;
    Ok(socket)
}

/// The netlink messages packed in one datagram, in order; one that does not decode ends the list
/// with its error.
fn split_messages(
    datagram: &[u8],
) -> impl Iterator<Item = io::Result<NetlinkMessage<RouteNetlinkMessage>>> + '_ {
    let mut rest = datagram;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match NetlinkMessage::<RouteNetlinkMessage>::deserialize(rest) {
            Ok(message) => {
                let len = usize::try_from(message.header.length).unwrap_or(usize::MAX);
                // Netlink messages are padded to 4 bytes; a zero length would never advance.
                let advance = len
                    .checked_add(3)
                    .map(|l| l & !3)
                    .filter(|&l| l > 0)
                    .unwrap_or(rest.len());
                rest = rest.get(advance..).unwrap_or_default();
                Some(Ok(message))
            }
            Err(error) => {
                rest = &[];
                Some(Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    error.to_string(),
                )))
            }
        }
    })
}

fn netlink_family(family: AddressFamily) -> NetlinkFamily {
    match family {
        AddressFamily::Ipv4 => NetlinkFamily::Inet,
        AddressFamily::Ipv6 => NetlinkFamily::Inet6,
    }
}

fn interface(link: LinkMessage) -> Interface {
    let mut interface = Interface {
        index: link.header.index,
        name: String::new(),
        mac: None,
        up: link.header.flags.contains(LinkFlags::Up),
        running: link.header.flags.contains(LinkFlags::Running),
    };
    for attribute in link.attributes {
        match attribute {
            LinkAttribute::IfName(name) => interface.name = name,
            LinkAttribute::Address(bytes) => {
                interface.mac = <[u8; 6]>::try_from(bytes.as_slice()).ok().map(MacAddress);
            }
            _ => {}
        }
    }
    interface
}

fn interface_address(message: &AddressMessage) -> Option<InterfaceAddress> {
    // For IPv4 IFA_LOCAL is the address itself (IFA_ADDRESS the peer on point-to-point links).
    let local = message.attributes.iter().find_map(|a| match a {
        AddressAttribute::Local(address) => Some(*address),
        _ => None,
    });
    let address = local.or_else(|| {
        message.attributes.iter().find_map(|a| match a {
            AddressAttribute::Address(address) => Some(*address),
            _ => None,
        })
    })?;
    let protocol = message
        .attributes
        .iter()
        .find_map(|a| match a {
            AddressAttribute::Protocol(protocol) => Some(u8::from(*protocol)),
            _ => None,
        })
        .unwrap_or(0);
    // IFA_FLAGS when the kernel sends it (all 32 bits), else the header's 8.
    let flags = message.attributes.iter().find_map(|a| match a {
        AddressAttribute::Flags(flags) => Some(*flags),
        _ => None,
    });
    let unusable = match flags {
        Some(flags) => flags.intersects(AddressFlags::Tentative | AddressFlags::Dadfailed),
        None => message
            .header
            .flags
            .intersects(AddressHeaderFlags::Tentative | AddressHeaderFlags::Dadfailed),
    };
    Some(InterfaceAddress {
        interface_index: message.header.index,
        address,
        prefix_len: message.header.prefix_len,
        protocol,
        usable: !unusable,
    })
}

/// `outcome` of adding `address` to interface `interface_index`, with the kernel's EEXIST as
/// [`NetlinkError::AlreadyPresent`].
fn already_present(
    outcome: Result<(), NetlinkError>,
    interface_index: u32,
    address: IpAddr,
) -> Result<(), NetlinkError> {
    match outcome {
        Err(NetlinkError::Io { source, .. }) if source.raw_os_error() == Some(libc::EEXIST) => {
            Err(NetlinkError::AlreadyPresent {
                interface_index,
                address,
            })
        }
        outcome => outcome,
    }
}

/// An add's outcome as the [`AddressBackend`] reports it: an address already there is no error.
fn added(outcome: Result<(), NetlinkError>) -> Result<Added, BackendError> {
    match outcome {
        Ok(()) => Ok(Added::Added),
        Err(NetlinkError::AlreadyPresent { .. }) => Ok(Added::AlreadyPresent),
        Err(error) => Err(error.into()),
    }
}

/// A [`new_address`] request for each of `addresses` (interface, address).
fn new_addresses(addresses: &[(u32, VirtualAddress)]) -> Vec<RouteNetlinkMessage> {
    (addresses.iter())
        .map(|(interface_index, address)| new_address(*interface_index, address))
        .collect()
}

/// The `RTM_NEWADDR` that configures `virtual_address` on interface `interface_index`.
fn new_address(interface_index: u32, virtual_address: &VirtualAddress) -> RouteNetlinkMessage {
    let address = virtual_address.address;
    let mut message = address_message(interface_index, address, virtual_address.prefix_len);
    if let Some(scope) = virtual_address.scope {
        message.header.scope = match scope {
            crate::host::AddressScope::Global => AddressScope::Universe,
            crate::host::AddressScope::Site => AddressScope::Site,
            crate::host::AddressScope::Link => AddressScope::Link,
            crate::host::AddressScope::Host => AddressScope::Host,
            crate::host::AddressScope::Nowhere => AddressScope::Nowhere,
        };
    }
    let attributes = &mut message.attributes;
    if address.is_ipv4() {
        if let Some(label) = &virtual_address.label {
            attributes.push(AddressAttribute::Label(label.as_str().to_string()));
        }
        if let Some(broadcast) = virtual_address.broadcast {
            attributes.push(AddressAttribute::Broadcast(broadcast));
        }
    }
    attributes.push(AddressAttribute::Protocol(ADDRESS_PROTOCOL.into()));
    // IFA_CACHEINFO: without it an address is permanent (0xffffffff, "forever").
    let seconds = |lifetime: Duration| {
        let whole = lifetime.as_secs() + u64::from(lifetime.subsec_nanos() > 0);
        u32::try_from(whole).unwrap_or(u32::MAX).min(u32::MAX - 1)
    };
    let valid = (virtual_address.lifetime).map_or(u32::MAX, |lifetime| seconds(lifetime).max(1));
    let options = &virtual_address.options;
    let mut cache_info = CacheInfo::default();
    cache_info.ifa_valid = valid;
    cache_info.ifa_preferred = options.preferred_lifetime.map_or(valid, seconds).min(valid);
    attributes.push(AddressAttribute::CacheInfo(cache_info));
    // IFA_FLAGS, when any: it replaces the header's flags (IPv6's nodad), so it carries them.
    let flags = [
        (options.no_prefix_route, AddressFlags::Noprefixroute),
        (options.home, AddressFlags::Homeaddress),
        (options.manage_temporary, AddressFlags::Managetempaddr),
        (options.auto_join, AddressFlags::Mcautojoin),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .fold(AddressFlags::empty(), |all, (_, flag)| all | flag);
    if !flags.is_empty() {
        let header = AddressFlags::from_bits_retain(u32::from(message.header.flags.bits()));
        attributes.push(AddressAttribute::Flags(flags | header));
    }
    RouteNetlinkMessage::NewAddress(message)
}

fn address_message(interface_index: u32, address: IpAddr, prefix_len: u8) -> AddressMessage {
    let mut message = AddressMessage::default();
    message.header.family = netlink_family(AddressFamily::of(address));
    message.header.prefix_len = prefix_len;
    message.header.index = interface_index;
    message.header.scope = match address {
        IpAddr::V6(v6) if v6.is_unicast_link_local() => AddressScope::Link,
        _ => AddressScope::Universe,
    };
    match address {
        IpAddr::V4(_) => {
            message.attributes.push(AddressAttribute::Local(address));
            message.attributes.push(AddressAttribute::Address(address));
        }
        IpAddr::V6(_) => {
            message.header.flags = AddressHeaderFlags::Nodad;
            message.attributes.push(AddressAttribute::Address(address));
        }
    }
    message
}

impl AddressBackend for Netlink {
    fn add(
        &mut self,
        interface_index: u32,
        address: VirtualAddress,
    ) -> Result<Added, BackendError> {
        added(self.add_address(interface_index, &address))
    }

    /// Several to a round trip ([`Netlink::add_addresses`]).
    fn add_all(&mut self, addresses: &[(u32, VirtualAddress)]) -> Vec<Result<Added, BackendError>> {
        self.add_addresses(addresses)
            .into_iter()
            .map(added)
            .collect()
    }

    /// Several to a round trip ([`Netlink::renew_addresses`]).
    fn renew_all(&mut self, addresses: &[(u32, VirtualAddress)]) -> Vec<Result<(), BackendError>> {
        (self.renew_addresses(addresses).into_iter())
            .map(|outcome| outcome.map_err(BackendError::from))
            .collect()
    }

    /// Replaces the address with a new lifetime ([`Netlink::renew_address`]).
    fn renew(&mut self, interface_index: u32, address: VirtualAddress) -> Result<(), BackendError> {
        Ok(self.renew_address(interface_index, &address)?)
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

    fn add_route(&mut self, route: &VirtualRoute) -> Result<Added, BackendError> {
        Ok(Netlink::add_route(self, route)?)
    }

    fn remove_route(&mut self, route: &VirtualRoute) -> Result<(), BackendError> {
        Ok(Netlink::remove_route(self, route)?)
    }

    fn add_rule(&mut self, rule: &VirtualRule) -> Result<Added, BackendError> {
        Ok(Netlink::add_rule(self, rule)?)
    }

    fn remove_rule(&mut self, rule: &VirtualRule) -> Result<(), BackendError> {
        Ok(Netlink::remove_rule(self, rule)?)
    }
}
