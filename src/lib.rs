//! # vrrp
//!
//! The Virtual Router Redundancy Protocol for programs that own a virtual IP address: VRRPv3
//! (RFC 5798 as updated by RFC 9568) for IPv4 and IPv6, and VRRPv2 (RFC 3768) for legacy peers.
//!
//! Three layers, each a folder of `src/`:
//!
//! 1. **The sans-IO core**, re-exported here. It never reads the clock, never touches a socket and
//!    knows nothing of hosts:
//!    - [`packet`]: the wire format. Received bytes become a validated [`packet::Advertisement`]
//!      (every receive check of RFC 5798 §7.1 that needs only the packet, each failure a typed
//!      [`packet::RxError`] mapped to its [`Counter`]), and back.
//!    - [`Config`] and [`VirtualRouter`]: one virtual router's state machine. It is fed received
//!      packets, link and priority changes and timer expiries with the current time, and asks for
//!      [`Action`]s: send this advertisement, add or remove these addresses, announce them, state
//!      changed.
//!    - [`Routers`]: many virtual routers behind one input, with sync groups.
//!    - [`timing`]: Skew_Time and Master_Down_Interval; [`sim`]: a deterministic in-memory LAN to
//!      test failover logic without root or network.
//! 2. **[`host`]**, the portable host layer: an [`Instance`](host::Instance) (a `Config` plus where
//!    its addresses go), the backend traits, the [`EventLoop`](host::EventLoop) that decides what
//!    packets, timers, host changes and commands do (generic over the backends, testable in
//!    memory with [`host::memory`]'s fault-injecting backends), events and the
//!    [`DriverHandle`](host::DriverHandle).
//! 3. **`linux`** (feature `linux`): raw sockets, rtnetlink, the packet socket, and the `Driver`
//!    that runs an event loop on them, on its own thread or as a tokio task (feature `tokio`).
//!
//! [`prelude`] gathers what a program that runs routers on a host needs in one import.
//!
//! Beside them, [`track`] moves a running driver's priorities by health checks, tracked
//! interfaces and tracked files with keepalived's weight rules, `keepalived` (feature
//! `keepalived`) reads keepalived.conf into `Config`s and `Instance`s, and the `vrrpd` binary (feature `daemon`) runs it as a drop-in for keepalived's
//! VRRP half.

// `unsafe` is denied everywhere but in the Linux backend, which allows it for the system calls
// socket2 does not wrap; `.ci/run` checks that no other module allows it.
#![deny(unsafe_code)]
// docs.rs (and `RUSTDOCFLAGS="--cfg docsrs" cargo +nightly doc`) labels every item gated by a
// feature with the features it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod host;
#[cfg(feature = "keepalived")]
pub mod keepalived;
#[cfg(all(feature = "linux", target_os = "linux"))]
#[allow(unsafe_code)]
pub mod linux;
pub mod prelude;
mod protocol;
pub mod track;

pub use protocol::action::{Action, Reason, State, Transmit};
#[cfg(feature = "auth-hmac")]
pub use protocol::auth_hmac::{
    AntiReplay, HmacAuth, HmacAuthBuilder, HmacAuthError, HmacKey, HmacKeyError, HmacMode,
};
pub use protocol::config::{
    Announcements, Config, ConfigBuilder, ConfigError, LowerPriorityResponse,
};
pub use protocol::counter::{Counter, ProtoErrReason};
pub use protocol::family::AddressFamily;
pub use protocol::interval::Interval;
pub use protocol::mac::MacAddress;
pub use protocol::priority::Priority;
pub use protocol::router::VirtualRouter;
pub use protocol::router_advertisements::RouterAdvertisements;
pub use protocol::routers::{GlobalStats, RouterKey, Routers, RoutersError};
pub use protocol::stats::{NewMasterReason, Statistic, Stats};
pub use protocol::vrid::Vrid;
pub use protocol::wall_clock::WallClock;
pub use protocol::{packet, sim, timing};

/// The README's examples, compiled and run as doctests so that they stay true. One of them runs the
/// Linux driver, so they are compiled only where `vrrp::linux` exists; the core they show is the
/// same on every feature set.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The examples of `docs/library.md`, compiled and run as doctests like the README's.
#[cfg(doctest)]
#[doc = include_str!("../docs/library.md")]
pub struct LibraryDocDoctests;
