//! # vrrp
//!
//! The Virtual Router Redundancy Protocol for programs that own a virtual IP address: VRRPv3
//! (RFC 5798 as updated by RFC 9568) for IPv4 and IPv6, and VRRPv2 (RFC 3768) for legacy peers.
//!
//! - [`packet`]: the wire format. Received bytes become a validated [`packet::Advertisement`] (every
//!   receive check of RFC 5798 §7.1 that needs only the packet, each failure a typed
//!   [`packet::RxError`] mapped to its [`Counter`]), and back.
//! - [`Config`] and [`VirtualRouter`]: one virtual router's state machine, sans IO. It is fed
//!   received packets, link and priority changes and timer expiries with the current time, and asks
//!   for [`Action`]s: send this advertisement, add or remove these addresses, announce them, state
//!   changed. See [`VirtualRouter`] for the exact driving rules.
//! - [`Routers`]: many virtual routers behind one input, with sync groups.
//! - [`sim`]: a deterministic in-memory LAN to test failover logic without root or network.
//! - [`timing`]: Skew_Time and Master_Down_Interval.
//! - [`announce`]: the gratuitous ARP and unsolicited neighbour advertisement frames.
//! - [`track`]: health checks, tracked interfaces and tracked files moving priorities by
//!   keepalived's weight rules, for a running driver.
//!
//! The Linux backends (raw sockets, netlink, ARP/ND, virtual MACs) and drivers build on this core.

// `unsafe` is denied everywhere but in the Linux backend, which allows it for the system calls
// socket2 does not wrap; `.ci/run` checks that no other module allows it.
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod action;
pub mod announce;
pub mod backend;
mod config;
mod counter;
mod event;
mod executor;
mod family;
mod handle;
mod instance;
mod interval;
#[cfg(feature = "keepalived")]
pub mod keepalived;
#[cfg(all(feature = "linux", target_os = "linux"))]
#[allow(unsafe_code)]
pub mod linux;
mod mac;
pub mod packet;
mod priority;
mod router;
mod routers;
pub mod sim;
mod stats;
pub mod timing;
pub mod track;
mod vrid;

pub use action::{Action, Reason, State, Transmit};
pub use config::{Announcements, Config, ConfigBuilder, ConfigError, LowerPriorityResponse};
pub use counter::{Counter, ProtoErrReason};
pub use event::{Event, Operation, RouterReport, StatsReport};
pub use executor::{Executor, Placement};
pub use family::AddressFamily;
pub use handle::{
    Command, DriverHandle, DriverStopped, Reconfiguration, ReconfigureError, ReconfigureReply,
};
pub use instance::Instance;
pub use interval::Interval;
pub use mac::MacAddress;
pub use priority::Priority;
pub use router::VirtualRouter;
pub use routers::{GlobalStats, RouterKey, Routers, RoutersError};
pub use stats::{NewMasterReason, Stats};
pub use vrid::Vrid;

/// The README's examples, compiled and run as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
