//! What a driver learns about the host it runs on: link and address changes as they happen, and
//! a full re-read when the stream of changes cannot be trusted.

use std::collections::HashSet;
use std::net::IpAddr;

use crate::host::RouteId;

/// A change on the host, as the kernel reports it (rtnetlink on Linux). Changes the driver made
/// itself are reported too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HostChange {
    /// An interface's link state: up means up and with carrier.
    Link {
        /// The interface.
        interface_index: u32,
        /// Whether it can carry traffic.
        up: bool,
    },
    /// An interface was removed.
    LinkRemoved {
        /// The interface.
        interface_index: u32,
    },
    /// An address was configured.
    AddressAdded {
        /// The interface.
        interface_index: u32,
        /// The address.
        address: IpAddr,
    },
    /// An address was removed.
    AddressRemoved {
        /// The interface.
        interface_index: u32,
        /// The address.
        address: IpAddr,
    },
    /// A route carrying the driver's mark was deleted (a driver reports only those).
    RouteRemoved(RouteId),
    /// A policy rule was deleted.
    RuleRemoved,
}

/// The host as a full re-read finds it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostSnapshot {
    /// Every interface, with whether its link is up, under the index the routers know it by (an
    /// interface created again may be listed under several); an interface not listed is gone.
    pub links: Vec<(u32, bool)>,
    /// Every address that can be used (IPv6: not tentative, not a duplicate), with its interface.
    pub addresses: HashSet<(u32, IpAddr)>,
}
