//! What a driver tells the application: state changes, backend failures, statistics.

use std::fmt;
use std::net::IpAddr;

use crate::backend::BackendError;
use crate::{GlobalStats, Priority, Reason, RouterKey, State, Stats};

/// Something that happened in a driver.
#[derive(Debug)]
pub enum Event {
    /// A virtual router changed state.
    StateChanged {
        /// The virtual router.
        router: RouterKey,
        /// The state left.
        from: State,
        /// The state entered.
        to: State,
        /// Why.
        reason: Reason,
    },
    /// A backend failed to carry out an action; the protocol carries on.
    BackendFailed {
        /// The virtual router the action was for.
        router: RouterKey,
        /// What was attempted.
        operation: Operation,
        /// The backend's error.
        error: BackendError,
    },
    /// The statistics, as asked for with [`DriverHandle::request_stats`](crate::DriverHandle::request_stats)
    /// and once more when the driver stops.
    Stats(StatsReport),
}

/// An action a backend carries out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// Sending an advertisement.
    Send,
    /// Adding a virtual address.
    AddAddress(IpAddr),
    /// Removing a virtual address.
    RemoveAddress(IpAddr),
    /// Announcing a virtual address.
    Announce(IpAddr),
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Send => f.write_str("sending an advertisement"),
            Self::AddAddress(address) => write!(f, "adding {address}"),
            Self::RemoveAddress(address) => write!(f, "removing {address}"),
            Self::Announce(address) => write!(f, "announcing {address}"),
        }
    }
}

/// A snapshot of every virtual router's state and counters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatsReport {
    /// One entry per virtual router.
    pub routers: Vec<RouterReport>,
    /// The router-wide counters.
    pub global: GlobalStats,
}

/// One virtual router in a [`StatsReport`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouterReport {
    /// Which one.
    pub router: RouterKey,
    /// Its state.
    pub state: State,
    /// Its current priority.
    pub priority: Priority,
    /// Its counters.
    pub stats: Stats,
}

impl StatsReport {
    /// Takes the snapshot of `routers`.
    pub fn of(routers: &crate::Routers) -> Self {
        Self {
            routers: routers
                .iter()
                .map(|(router, vr)| RouterReport {
                    router,
                    state: vr.state(),
                    priority: vr.priority(),
                    stats: vr.stats().clone(),
                })
                .collect(),
            global: routers.global_stats(),
        }
    }
}
