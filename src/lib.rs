//! # vrrp
//!
//! The Virtual Router Redundancy Protocol for programs that own a virtual IP address: VRRPv3
//! (RFC 5798 as updated by RFC 9568) for IPv4 and IPv6, and VRRPv2 (RFC 3768) for legacy peers.
//!
//! This release holds the wire format: [`packet`] turns received bytes into a validated
//! [`packet::Advertisement`] and back, with both forms of the VRRPv3 IPv4 checksum found in the field.
//! The sans-IO virtual router and the Linux backends build on it.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod action;
mod config;
mod counter;
mod family;
mod interval;
mod mac;
pub mod packet;
mod priority;
mod router;
mod routers;
pub mod sim;
mod stats;
pub mod timing;
mod vrid;

pub use action::{Action, Reason, State, Transmit};
pub use config::{Announcements, Config, ConfigBuilder, ConfigError, LowerPriorityResponse};
pub use counter::{Counter, ProtoErrReason};
pub use family::AddressFamily;
pub use interval::Interval;
pub use mac::MacAddress;
pub use priority::Priority;
pub use router::VirtualRouter;
pub use routers::{GlobalStats, RouterKey, Routers, RoutersError};
pub use stats::{NewMasterReason, Stats};
pub use vrid::Vrid;
