//! Why a driver cannot start, or a change to a running one is refused: typed, with messages that
//! say what to do.

use std::io;
use std::net::IpAddr;

use crate::host::BackendError;
use crate::{AddressFamily, RouterKey, RoutersError};

/// Why a driver cannot start or stopped with an error. The messages say what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DriverError {
    /// A configuration names an interface that does not exist.
    #[error("no network interface has index {0}")]
    UnknownInterface(u32),
    /// The interface has no address of the family to send advertisements from.
    #[error(
        "interface {interface} has no {} to send advertisements from; configure one first", match family { AddressFamily::Ipv4 => "IPv4 address", AddressFamily::Ipv6 => "IPv6 link-local address" }
    )]
    NoSourceAddress {
        /// The interface.
        interface: String,
        /// The family.
        family: AddressFamily,
    },
    /// A virtual MAC was asked for on an interface without an Ethernet (IEEE 802) address: a
    /// tunnel, a point-to-point link. RFC 5798 §7.3 defines the virtual MAC for IEEE 802 LANs
    /// only (RFC 9568 removed the other media).
    #[error(
        "interface {interface} has no Ethernet address, so it cannot carry a virtual MAC (RFC 5798 §7.3); run this router without one"
    )]
    NoEthernet {
        /// The interface.
        interface: String,
    },
    /// The configuration's primary address is not configured on its interface.
    #[error(
        "{address} is not configured on interface {interface}; a router sends from one of its own addresses"
    )]
    PrimaryAddressNotOnInterface {
        /// The interface.
        interface: String,
        /// The configured primary address.
        address: IpAddr,
    },
    /// A virtual address of a non-owner is configured on the interface by someone else: the host
    /// would answer for it while Backup, so two routers would hold one address.
    #[error(
        "virtual address {address} is already configured on {interface} (not by this crate); remove it, or declare this router its owner (priority 255)"
    )]
    ForeignAddress {
        /// The interface.
        interface: String,
        /// The address.
        address: IpAddr,
    },
    /// A prefix length was given for an address the virtual router does not have, or is too long.
    #[error(
        "invalid prefix /{prefix_len} for {address}: not a virtual address of VRID {vrid}, longer than the address, or an IPv6 address with a label or broadcast address"
    )]
    InvalidPrefix {
        /// The VRID.
        vrid: crate::Vrid,
        /// The address.
        address: IpAddr,
        /// The prefix length.
        prefix_len: u8,
    },
    /// Two virtual routers on one interface have the same virtual address.
    #[error(
        "virtual address {address} belongs to both {first} and {second}; each address has one virtual router"
    )]
    SharedAddress {
        /// The address.
        address: IpAddr,
        /// The router it was seen on first.
        first: RouterKey,
        /// The other router.
        second: RouterKey,
    },
    /// An excluded address that is also advertised, or has an invalid prefix, label or broadcast
    /// address.
    #[error(
        "invalid excluded address {address} of VRID {vrid}: also one of its virtual addresses, or an invalid prefix, label or broadcast address"
    )]
    InvalidExcluded {
        /// The VRID.
        vrid: crate::Vrid,
        /// The address.
        address: IpAddr,
    },
    /// Two instances for one virtual router, or an invalid sync group.
    #[error(transparent)]
    Routers(#[from] RoutersError),
    /// The platform failed: on Linux a `vrrp::linux::PlatformError` (a missing capability, a raw
    /// socket, a netlink request), which [`DriverError::platform`] reads back.
    #[error(transparent)]
    Platform(Box<dyn std::error::Error + Send + Sync + 'static>),
    /// A backend failed outside the protocol's actions: opening, or releasing at the end.
    #[error("{operation}: {source}")]
    Backend {
        /// What was being done.
        operation: &'static str,
        /// The backend's error.
        source: BackendError,
    },
    /// An address lifetime outside [`MIN_ADDRESS_LIFETIME`](crate::host::MIN_ADDRESS_LIFETIME)
    /// to [`MAX_ADDRESS_LIFETIME`](crate::host::MAX_ADDRESS_LIFETIME).
    #[error(
        "an address lifetime of {0:?} is out of range: it must be 3 s or more (renewed every third of it, in the kernel's whole seconds) and less than 2^32 - 1 s"
    )]
    AddressLifetime(std::time::Duration),
    /// Waiting or waking failed.
    #[error("{operation} failed: {source}")]
    Io {
        /// What was being done.
        operation: &'static str,
        /// The error.
        source: io::Error,
    },
}

impl DriverError {
    /// The error of [`DriverError::Platform`] as the platform's type `E` (on Linux,
    /// `vrrp::linux::PlatformError`), to match on what failed; `None` for the other variants.
    pub fn platform<E: std::error::Error + 'static>(&self) -> Option<&E> {
        match self {
            Self::Platform(error) => error.downcast_ref(),
            _ => None,
        }
    }
}
