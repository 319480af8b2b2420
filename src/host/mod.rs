//! The portable host layer: what runs a [`Routers`](crate::Routers) against the outside world.
//!
//! - [`Instance`]: a virtual router's [`Config`](crate::Config) plus where its addresses go on the
//!   host (prefix lengths, labels, excluded addresses, other interfaces, a virtual MAC).
//! - The three backend traits, [`AdvertSender`], [`AddressBackend`] and [`AnnounceBackend`]: sending
//!   advertisements, configuring addresses, announcing them. [`crate::linux`] implements them over
//!   raw sockets, rtnetlink and a packet socket; an embedder can plug in its own (a cloud API that
//!   moves an elastic IP, a BGP speaker that announces the VIP).
//! - [`ActionApplier`]: turns the routers' [`Action`](crate::Action)s into backend calls.
//! - [`EventLoop`]: the decisions of a driver, generic over the backends: what a received packet,
//!   a timer, a link or address change or a [`Command`] does. The Linux driver runs it on sockets;
//!   tests run it on the in-memory backends of [`memory`], which inject faults.
//! - [`Event`], what a driver reports, and [`DriverHandle`], how other threads control it.
//! - [`announce`]: the gratuitous ARP and unsolicited neighbour advertisement frames.
//! - `metrics` (feature `metrics`): the statistics and the host's events in the Prometheus text
//!   format.
//! - `json` (feature `serde`): each event as one JSON line.

pub mod announce;
mod apply;
mod backend;
mod change;
mod error;
mod event;
mod event_loop;
mod handle;
mod health;
mod instance;
#[cfg(feature = "serde")]
pub mod json;
mod lateness;
mod log;
pub mod memory;
#[cfg(feature = "metrics")]
pub mod metrics;
mod repeats;
mod route;
mod routing;
mod setup;

pub use apply::ActionApplier;
pub use backend::{
    Added, AddressBackend, AddressLabel, AddressLabelError, AddressOptions, AddressScope,
    AdvertSender, AnnounceBackend, BackendError, VirtualAddress,
};
pub use change::{HostChange, HostSnapshot};
pub use error::DriverError;
pub use event::{Event, Operation, RouterReport, StatsReport};
pub use event_loop::{
    ANNOUNCE_BURST, ANNOUNCE_PACE, DEFAULT_LIFETIME_INTERVALS, EventLoop, MAX_ADDRESS_LIFETIME,
    MIN_ADDRESS_LIFETIME, default_address_lifetime,
};
pub use handle::{
    Command, CommandError, DriverHandle, DriverStopped, InstancesError, Reconfiguration,
    ReconfigureError, ReconfigureReply, RunningInstances,
};
pub use instance::{Addressing, Instance};
pub use lateness::{LATENESS_BUCKETS, Lateness};
pub use log::event as log_event;
pub use route::{
    HostEntry, MAIN_TABLE, NextHop, RouteId, RouteInsertion, RouteKind, RouteMetric,
    RouteMetricKind, RuleAction, RuleId, Statics, VirtualRoute, VirtualRule,
};
pub use setup::{Installed, Setup, check_instances};
