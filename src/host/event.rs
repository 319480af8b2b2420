//! What a driver tells the application: state changes, backend failures, statistics.

use std::fmt;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::host::{BackendError, HostEntry, RouteId, RuleId};
use crate::packet::RxError;
use crate::{GlobalStats, Interval, MacAddress, NewMasterReason, Priority, ProtoErrReason};
use crate::{Reason, RouterKey, State, Stats};

/// Something that happened in a driver.
#[derive(Debug)]
#[non_exhaustive]
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
    /// A virtual router became Master: RFC 6527's `vrrpv3NewMaster` notification, reported right
    /// after the [`Event::StateChanged`] to Master.
    NewMaster {
        /// The virtual router.
        router: RouterKey,
        /// `vrrpv3OperationsMasterIpAddr`: the new Master's address, this router's primary address.
        master_address: IpAddr,
        /// `vrrpv3StatisticsNewMasterReason`: why it became Master.
        reason: NewMasterReason,
    },
    /// A virtual router discarded a packet for one of the errors RFC 6527 names (TTL or hop
    /// limit, version, checksum, VRID): its `vrrpv3ProtoError` notification. Reported when a
    /// router first meets a reason and at most once a minute per router and reason while it goes
    /// on; every one is counted in the router's [`Stats`] (`count` is that counter). A packet for
    /// a VRID no router here runs belongs to no router: it is only counted, in [`GlobalStats`].
    ProtocolError {
        /// The virtual router the packet was for.
        router: RouterKey,
        /// `vrrpv3StatisticsProtoErrReason`: why it was discarded.
        reason: ProtoErrReason,
        /// The packet's source.
        source: IpAddr,
        /// What was wrong with it.
        error: RxError,
        /// How many packets this router has discarded for this error.
        count: u64,
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
    /// A virtual router's effective priority changed: a command set its priority, its tracking
    /// weight or a tracking fault. The effective priority is the configured one moved by tracking,
    /// clamped to 1–254 (an owner's stays 255).
    PriorityChanged {
        /// The virtual router.
        router: RouterKey,
        /// The priority it advertised before.
        from: Priority,
        /// The priority it advertises now.
        to: Priority,
    },
    /// A command named a virtual router the driver does not run (it was removed after the command
    /// was sent); nothing was changed.
    UnknownRouter(RouterKey),
    /// A virtual address this driver holds was removed by someone else, and was added again.
    AddressRestored {
        /// The virtual router that holds it.
        router: RouterKey,
        /// The interface.
        interface_index: u32,
        /// The address.
        address: IpAddr,
    },
    /// A Master heard a router of lower priority advertise: another router acts as Master too
    /// (a split brain), which this one heals by answering at once (RFC 9568 §6.4.3) unless it
    /// is to keep quiet ([`LowerPriorityResponse::Discard`](crate::LowerPriorityResponse::Discard)).
    /// keepalived's `notify_master_rx_lower_pri` runs on it. Once per advertisement heard.
    LowerPriorityMaster {
        /// The Master that heard it.
        router: RouterKey,
        /// The other router's primary address.
        source: IpAddr,
        /// The priority it advertised.
        priority: Priority,
    },
    /// A route, policy rule or static address this driver holds was deleted by someone else (or
    /// dropped by the kernel with an address or an interface), and was added again.
    Restored {
        /// The virtual router that holds it; `None` for a static entry.
        router: Option<RouterKey>,
        /// What was added again.
        entry: HostEntry,
    },
    /// A static address, route or rule ([`Statics`](crate::host::Statics)) could not be
    /// installed, removed or restored; the routers carry on.
    StaticFailed {
        /// What failed.
        operation: Operation,
        /// The backend's error.
        error: BackendError,
    },
    /// Another router advertises with this router's primary address as its source (a duplicate
    /// address, which can hide a second Master): reported when first heard and at most once a
    /// minute while it goes on; every one is counted in
    /// [`Stats::address_conflicts`](crate::Stats::address_conflicts).
    AddressConflict {
        /// The virtual router.
        router: RouterKey,
        /// Its primary address, which the other router uses too.
        address: IpAddr,
        /// How many such adverts it has heard.
        count: u64,
    },
    /// A virtual router's primary address (the source of its adverts, RFC 5798 §7.2) went away
    /// from its interface (`present` false): it goes to Fault, as for a link down, until the
    /// address is back (`present` true).
    PrimaryAddress {
        /// The virtual router.
        router: RouterKey,
        /// Its primary address.
        address: IpAddr,
        /// Whether it is on the interface now.
        present: bool,
    },
    /// An interface routers run on was deleted and created again under its name, with a new
    /// index: the routers use it now, and keep the index they were configured with (their keys
    /// do not change).
    InterfaceRecreated {
        /// The index the routers were configured with.
        interface_index: u32,
        /// The index the interface has now.
        new_index: u32,
        /// Its name.
        name: String,
    },
    /// A system call failed in a way that passes (out of memory, a lost notification, a dump that
    /// could not be read): the driver carries on and tries again; nothing was stopped.
    TransientError {
        /// What was being done.
        operation: &'static str,
        /// The error.
        error: BackendError,
    },
    /// The driver read the links and addresses again and applied what had changed: the stream of
    /// link and address changes lost events (the kernel's buffer overran), or an interface was
    /// created again and what was said of it before may be lost.
    Resynchronized,
    /// A deadline was served `late`, at least the delay the driver was given, and the driver
    /// raised the thread that runs the routers to SCHED_RR at `priority` (keepalived's
    /// `max_auto_priority`; see `Driver::set_auto_realtime` in the Linux layer).
    RealtimeRaised {
        /// How late the deadline was served.
        late: std::time::Duration,
        /// The real-time priority the thread runs at now.
        priority: u8,
    },
    /// A router that is not the address owner runs with Accept_Mode off (RFC 5798 §6.1's
    /// default): while it is Master its host refuses every packet sent to `addresses` (but IPv6
    /// neighbour discovery), so a service listening on them gets no connection and no error.
    /// Reported when the router starts. A service that answers on its virtual addresses (a load
    /// balancer, a proxy) needs [`ConfigBuilder::accept`](crate::ConfigBuilder::accept)`(true)`.
    AcceptModeOff {
        /// The router.
        router: RouterKey,
        /// Its virtual and excluded addresses, which its host will refuse packets to.
        addresses: Vec<IpAddr>,
    },
    /// The statistics, as asked for with [`DriverHandle::request_stats`](crate::host::DriverHandle::request_stats)
    /// and once more when the driver stops.
    Stats(StatsReport),
}

/// An action a backend carries out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// Sending an advertisement.
    Send,
    /// Adding a virtual address.
    AddAddress(IpAddr),
    /// Removing a virtual address.
    RemoveAddress(IpAddr),
    /// Announcing a virtual address.
    Announce(IpAddr),
    /// Sending an IPv6 router advertisement.
    AdvertiseRouter,
    /// Moving to an interface created again under its name (joining its VRRP group, creating
    /// its virtual MAC interface).
    Rebind,
    /// Renewing a virtual address's lifetime
    /// ([`EventLoop::set_address_lifetime`](crate::host::EventLoop::set_address_lifetime)).
    RenewAddress(IpAddr),
    /// Installing a route (a router's while Master, or a static one).
    AddRoute(RouteId),
    /// Removing a route.
    RemoveRoute(RouteId),
    /// Installing a policy rule.
    AddRule(RuleId),
    /// Removing a policy rule.
    RemoveRule(RuleId),
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Send => f.write_str("sending an advertisement"),
            Self::AddAddress(address) => write!(f, "adding {address}"),
            Self::RemoveAddress(address) => write!(f, "removing {address}"),
            Self::Announce(address) => write!(f, "announcing {address}"),
            Self::AdvertiseRouter => f.write_str("sending a router advertisement"),
            Self::Rebind => f.write_str("moving to the interface created again"),
            Self::RenewAddress(address) => write!(f, "renewing {address}"),
            Self::AddRoute(route) => write!(f, "adding {route}"),
            Self::RemoveRoute(route) => write!(f, "removing {route}"),
            Self::AddRule(rule) => write!(f, "adding {rule}"),
            Self::RemoveRule(rule) => write!(f, "removing {rule}"),
        }
    }
}

/// A snapshot of every virtual router's state and counters: RFC 6527's operations and
/// statistics tables and its router-wide statistics.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatsReport {
    /// One entry per virtual router.
    pub routers: Vec<RouterReport>,
    /// The router-wide counters.
    pub global: GlobalStats,
    /// When the snapshot was taken, in the time the routers are given: what the instants in it
    /// ([`RouterReport::up_since`], the discontinuity times) are compared with.
    pub taken_at: Instant,
    /// How late the event loop served its deadlines since it started (empty in a report made
    /// with [`of`](Self::of) alone).
    pub lateness: super::Lateness,
}

/// One virtual router in a [`StatsReport`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RouterReport {
    /// Which one.
    pub router: RouterKey,
    /// Its state.
    pub state: State,
    /// Its current (effective) priority.
    pub priority: Priority,
    /// The priority it was configured with, before tracking moved it.
    pub configured_priority: Priority,
    /// The Master's address as last heard (its own primary address while it is Master).
    pub master_address: Option<IpAddr>,
    /// `vrrpv3OperationsPrimaryIpAddr`: the address its adverts are sent from.
    pub primary_address: IpAddr,
    /// `vrrpv3OperationsVirtualMacAddr` (see [`VirtualRouter::virtual_mac`](crate::VirtualRouter::virtual_mac)).
    pub virtual_mac: MacAddress,
    /// `vrrpv3OperationsAddrCount`: how many virtual addresses it has.
    pub address_count: usize,
    /// `vrrpv3OperationsAdvInterval`: the configured Advertisement_Interval.
    pub advert_interval: Interval,
    /// `vrrpv3OperationsPreemptMode`.
    pub preempt: bool,
    /// `vrrpv3OperationsAcceptMode`.
    pub accept: bool,
    /// When it last entered Backup or Master from Initialize or Fault (`vrrpv3OperationsUpTime`,
    /// see [`VirtualRouter::up_since`](crate::VirtualRouter::up_since)); `None` while in either.
    pub up_since: Option<Instant>,
    /// `vrrpv3StatisticsRefreshRate` (see
    /// [`VirtualRouter::refresh_rate`](crate::VirtualRouter::refresh_rate)).
    pub refresh_rate: Duration,
    /// Its counters.
    pub stats: Stats,
}

impl RouterReport {
    /// How long it had been in Backup or Master when the snapshot was taken at `taken_at`
    /// ([`StatsReport::taken_at`]): `vrrpv3OperationsUpTime` as a duration; `None` while it is in
    /// Initialize or Fault.
    pub fn up_time(&self, taken_at: Instant) -> Option<Duration> {
        self.up_since
            .map(|since| taken_at.saturating_duration_since(since))
    }
}

impl StatsReport {
    /// Takes the snapshot of `routers` at `now`.
    pub fn of(routers: &crate::Routers, now: Instant) -> Self {
        Self {
            routers: routers
                .iter()
                .map(|(router, vr)| {
                    let config = vr.config();
                    RouterReport {
                        router,
                        state: vr.state(),
                        priority: vr.priority(),
                        configured_priority: config.priority(),
                        master_address: vr.master_address(),
                        primary_address: config.primary_address(),
                        virtual_mac: vr.virtual_mac(),
                        address_count: config.addresses().len(),
                        advert_interval: config.interval(),
                        preempt: config.preempt(),
                        accept: config.accept(),
                        up_since: vr.up_since(),
                        refresh_rate: vr.refresh_rate(),
                        stats: vr.stats().clone(),
                    }
                })
                .collect(),
            global: routers.global_stats(),
            taken_at: now,
            lateness: super::Lateness::default(),
        }
    }
}
