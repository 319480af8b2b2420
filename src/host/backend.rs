//! The three things a driver does to the outside world, each behind a small trait: sending
//! advertisements, configuring virtual addresses, and announcing them.
//!
//! The Linux backends implement them over raw sockets, rtnetlink and a packet socket; the
//! in-memory ones of [`memory`](crate::host::memory) fail on demand for tests; and an embedder can
//! plug in its own: a cloud API that moves an elastic IP, a BGP speaker that announces the VIP.

use std::error::Error;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use crate::Transmit;
use crate::host::{VirtualRoute, VirtualRule};

/// A backend's failure, boxed so that each backend keeps its own typed error.
pub type BackendError = Box<dyn Error + Send + Sync + 'static>;

/// A virtual address with what it is configured with on the interface: its prefix length and, for
/// IPv4, its label and broadcast address, its scope, and how long the host keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VirtualAddress {
    /// The address.
    pub address: IpAddr,
    /// The prefix length on the interface: /32 and /128 unless configured otherwise.
    pub prefix_len: u8,
    /// The IPv4 address label (`eth0:1`, keepalived's `label`); IPv6 addresses have none.
    pub label: Option<AddressLabel>,
    /// The IPv4 broadcast address (keepalived's `brd`); none unless configured, as with
    /// `ip address add` without `brd`.
    pub broadcast: Option<Ipv4Addr>,
    /// The scope (keepalived's `scope`); by default link for IPv6 link-local addresses and global
    /// for the others.
    pub scope: Option<AddressScope>,
    /// How long the host keeps the address unless it is renewed (`ip address add ... valid_lft`):
    /// `None`, for ever. The [`ActionApplier`](crate::host::ActionApplier) sets it to its own
    /// setting ([`EventLoop::set_address_lifetime`](crate::host::EventLoop::set_address_lifetime))
    /// on every address it adds or renews, so what an [`Instance`](crate::host::Instance) gives
    /// here is replaced.
    pub lifetime: Option<Duration>,
    /// The rarer `ip address add` options (keepalived's address options): none by default.
    pub options: AddressOptions,
}

/// The `ip address add` options of a virtual address besides its prefix length, label, broadcast
/// address, scope and lifetime, as keepalived's address lines write them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct AddressOptions {
    /// `preferred_lft`: how long the address stays preferred as a source, at most its lifetime:
    /// zero deprecates it at once, so the host never picks it as the source of its own
    /// connections (a health check through the VIP, say). `None`: for as long as it is valid.
    pub preferred_lifetime: Option<Duration>,
    /// `noprefixroute`: the kernel adds no route for the address's prefix.
    pub no_prefix_route: bool,
    /// `home`: an IPv6 Mobile IP home address.
    pub home: bool,
    /// `mngtmpaddr`: IPv6 temporary (privacy) addresses are made from its prefix.
    pub manage_temporary: bool,
    /// `autojoin`: for a multicast address, the host joins its group.
    pub auto_join: bool,
}

/// The scope of an address on its interface, as `ip address` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddressScope {
    /// `global`: valid everywhere.
    Global,
    /// `site`: valid within the site (IPv6, deprecated).
    Site,
    /// `link`: valid on this link only.
    Link,
    /// `host`: valid inside this host only.
    Host,
    /// `nowhere`: not valid.
    Nowhere,
}

impl AddressScope {
    /// The scope `ip address` calls `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "global" => Self::Global,
            "site" => Self::Site,
            "link" => Self::Link,
            "host" => Self::Host,
            "nowhere" => Self::Nowhere,
            _ => return None,
        })
    }

    /// Its name in `ip address`: `global`, `site`, `link`, `host` or `nowhere`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::Site => "site",
            Self::Link => "link",
            Self::Host => "host",
            Self::Nowhere => "nowhere",
        }
    }
}

/// An IPv4 address label such as `eth0:1`: 1 to 15 bytes, the kernel's limit. Linux also wants it
/// to start with the interface's name, and says so when adding the address.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddressLabel {
    bytes: [u8; 15],
    len: u8,
}

/// A label that is empty or longer than 15 bytes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("address label {0:?} is not 1 to 15 bytes long")]
pub struct AddressLabelError(pub String);

impl AddressLabel {
    /// `label`, if it is 1 to 15 bytes long.
    pub fn new(label: &str) -> Result<Self, AddressLabelError> {
        let len = label.len();
        if !(1..=15).contains(&len) {
            return Err(AddressLabelError(label.into()));
        }
        let mut bytes = [0; 15];
        bytes[..len].copy_from_slice(label.as_bytes());
        Ok(Self {
            bytes,
            len: len as u8,
        })
    }

    /// The label.
    pub fn as_str(&self) -> &str {
        // Built from a &str by `new`, cut at its own length: always valid UTF-8.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl fmt::Debug for AddressLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for AddressLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl VirtualAddress {
    /// `address` with a host prefix (/32 or /128), as keepalived configures a VIP written without one.
    pub fn host(address: IpAddr) -> Self {
        let prefix_len = match address {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        Self {
            address,
            prefix_len,
            label: None,
            broadcast: None,
            scope: None,
            lifetime: None,
            options: AddressOptions::default(),
        }
    }
}

impl fmt::Display for VirtualAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix_len)
    }
}

/// What adding an address found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Added {
    /// The backend added it; it removes it on release.
    Added,
    /// It was already configured by someone else, and stays when the router releases it (an
    /// owner's own address, for one).
    AlreadyPresent,
}

/// Sends advertisements.
pub trait AdvertSender {
    /// Sends `transmit` (source, destination, VRRP message) out of interface `interface_index`,
    /// which differs from `transmit.interface_index` when a virtual MAC interface sends for it.
    fn send(&mut self, interface_index: u32, transmit: &Transmit) -> Result<(), BackendError>;
}

/// Configures the virtual addresses, and the routes and policy rules that go with them.
pub trait AddressBackend {
    /// Configures `address` on interface `interface_index`, for `address.lifetime` if it has one.
    fn add(&mut self, interface_index: u32, address: VirtualAddress)
    -> Result<Added, BackendError>;
    /// Configures each of `addresses` (interface, address) as [`add`](Self::add) would, and
    /// returns each one's outcome in order. The default adds them one at a time; a backend that
    /// can do several in one round trip (rtnetlink) overrides it. The event loop gives it the
    /// addresses all routers add in one pass, before it applies their other actions.
    fn add_all(&mut self, addresses: &[(u32, VirtualAddress)]) -> Vec<Result<Added, BackendError>> {
        (addresses.iter())
            .map(|&(interface_index, address)| self.add(interface_index, address))
            .collect()
    }
    /// Removes `address` from interface `interface_index`; an address already gone is no error.
    fn remove(&mut self, interface_index: u32, address: VirtualAddress)
    -> Result<(), BackendError>;
    /// Keeps `address`, which this backend added, on interface `interface_index` for
    /// `address.lifetime` from now (for ever when it has none), without removing it meanwhile;
    /// an address that went away is added again. The event loop calls it every third of the
    /// lifetime while it holds the address (see
    /// [`EventLoop::set_address_lifetime`](crate::host::EventLoop::set_address_lifetime)).
    ///
    /// The default does nothing and succeeds: for a backend whose addresses have no lifetime (a
    /// cloud API, a routing daemon), they stay until removed.
    fn renew(&mut self, interface_index: u32, address: VirtualAddress) -> Result<(), BackendError> {
        let _ = (interface_index, address);
        Ok(())
    }

    /// Renews each of `addresses` (interface, address) as [`renew`](Self::renew) would, and
    /// returns each one's outcome in order. The default renews them one at a time; rtnetlink
    /// does several in one round trip.
    fn renew_all(&mut self, addresses: &[(u32, VirtualAddress)]) -> Vec<Result<(), BackendError>> {
        (addresses.iter())
            .map(|&(interface_index, address)| self.renew(interface_index, address))
            .collect()
    }

    /// Installs `route`, with the backend's own mark unless it names a
    /// [`protocol`](VirtualRoute::protocol); a route already there is [`Added::AlreadyPresent`]
    /// and stays when its router leaves Master.
    ///
    /// The default refuses: a backend that configures only addresses (a cloud API) has no
    /// routes, and a router asks for them only when its [`Instance`](crate::host::Instance) has
    /// some.
    fn add_route(&mut self, route: &VirtualRoute) -> Result<Added, BackendError> {
        Err(format!(
            "this address backend cannot install routes ({})",
            route.id()
        )
        .into())
    }

    /// Removes `route`, and only if it carries the mark (or protocol) it was added with; a route
    /// already gone is no error. The default refuses, as [`add_route`](Self::add_route) does.
    fn remove_route(&mut self, route: &VirtualRoute) -> Result<(), BackendError> {
        Err(format!("this address backend cannot remove routes ({})", route.id()).into())
    }

    /// Installs policy rule `rule`, as [`add_route`](Self::add_route) does a route. The default
    /// refuses.
    fn add_rule(&mut self, rule: &VirtualRule) -> Result<Added, BackendError> {
        Err(format!("this address backend cannot install rules ({})", rule.id()).into())
    }

    /// Removes policy rule `rule`, as [`remove_route`](Self::remove_route) does a route. The
    /// default refuses.
    fn remove_rule(&mut self, rule: &VirtualRule) -> Result<(), BackendError> {
        Err(format!("this address backend cannot remove rules ({})", rule.id()).into())
    }
}

/// Tells the neighbours where the virtual addresses are now.
pub trait AnnounceBackend {
    /// Announces `address` on interface `interface_index`, `repeat` times: a gratuitous ARP for
    /// IPv4, an unsolicited neighbour advertisement for IPv6, with the interface's MAC (the virtual
    /// MAC on a virtual MAC interface).
    fn announce(
        &mut self,
        interface_index: u32,
        address: IpAddr,
        repeat: u8,
    ) -> Result<(), BackendError>;

    /// Sends one IPv6 router advertisement on interface `interface_index` from the virtual
    /// link-local address `source`, with router lifetime `lifetime` and a prefix for each of
    /// `prefixes` (address, prefix length), with the interface's MAC (the virtual MAC on a
    /// virtual MAC interface): see [`router_advertisement`](crate::host::announce::router_advertisement).
    ///
    /// The default refuses: only a backend that reaches the link can send one, and a router asks
    /// for them only when configured to.
    fn advertise_router(
        &mut self,
        interface_index: u32,
        source: Ipv6Addr,
        lifetime: Duration,
        prefixes: &[(Ipv6Addr, u8)],
    ) -> Result<(), BackendError> {
        let _ = (interface_index, lifetime, prefixes);
        Err(format!("this backend cannot send router advertisements (from {source})").into())
    }
}
