//! The Linux layer: the system wrappers, the Linux implementations of the
//! [host layer](crate::host)'s backends, and the [`Driver`] that runs an
//! [`EventLoop`](crate::host::EventLoop) on them.
//!
//! - [`VrrpSocket`] and [`Sockets`]: raw IP sockets for VRRP (multicast and unicast), with the
//!   receive metadata; [`Sockets`] is the [`AdvertSender`](crate::host::AdvertSender).
//! - [`Netlink`]: interfaces, addresses and virtual MAC macvlans over rtnetlink, the
//!   [`AddressBackend`](crate::host::AddressBackend); [`NetlinkEvents`], the change stream.
//! - [`Announcer`]: gratuitous ARP and unsolicited neighbour advertisements on a [`FrameSocket`],
//!   the [`AnnounceBackend`](crate::host::AnnounceBackend) backend.
//! - [`Firewall`]: nftables rules over nfnetlink, in a table the process owns: Accept_Mode off,
//!   and standby virtual MAC interfaces that take no frames.
//! - [`RoutedInterface`]: an interface for routed virtual addresses that dies with the process.
//! - [`Capability`]: the effective capabilities; ppoll(2) and timerfd(2) wrappers inside.
//! - [`scheduling`]: real-time priority, locked memory, CPU affinity and niceness for the
//!   driver's thread.
//!
//! This is the only part of the crate with `unsafe` code (system calls that socket2 does not
//! wrap), each block with a `SAFETY:` comment.

use std::ffi::CString;
use std::io;

mod announcer;
mod capability;
mod driver;
mod error;
mod firewall;
mod interface_names;
mod memory;
mod namespace;
mod netlink;
mod poll;
mod routed;
pub mod scheduling;
mod socket;
mod timer;

pub use announcer::{AnnounceError, Announcer, FrameSocket};
pub use capability::Capability;
pub use driver::{Driver, interface_source, virtual_mac_name};
pub use error::PlatformError;
pub use firewall::{FIREWALL_TABLE, Firewall, FirewallError, Refused};
pub use interface_names::InterfaceNames;
pub(crate) use memory::HeapTrim;
pub use memory::release_free_memory;
pub use namespace::{NamespaceError, enter_network_namespace};
pub use netlink::{
    ADDRESS_PROTOCOL, Interface, InterfaceAddress, Netlink, NetlinkError, NetlinkEvent,
    NetlinkEvents, ROUTE_PROTOCOL,
};
pub use routed::{RoutedInterface, RoutedInterfaceError};
pub use socket::{Received, SocketError, Sockets, VrrpSocket};

/// The index of the network interface called `name`.
pub fn interface_index(name: &str) -> io::Result<u32> {
    let name = CString::new(name)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "interface name contains NUL"))?;
    // SAFETY: `name` is a NUL-terminated string that lives across the call; if_nametoindex only reads it.
    match unsafe { libc::if_nametoindex(name.as_ptr()) } {
        0 => Err(io::Error::last_os_error()),
        index => Ok(index),
    }
}
