//! The Linux driver: runs an [`EventLoop`] over raw sockets, rtnetlink and a packet socket.
//!
//! [`Driver::new`] checks everything an operator can get wrong before anything changes (the
//! capabilities, the interfaces, their addresses, addresses left behind by a killed process),
//! creates the virtual MAC interfaces and opens the sockets. [`Driver::run`] then waits on the
//! sockets, the netlink change stream, a timerfd and the handle's wake-up socket, and hands what
//! it read to the event loop, until [`DriverHandle::shutdown`]; the async twin is `run_async`
//! (feature `tokio`). Dropping a driver removes what it created, also when `run` was never called.
//!
//! - `filtering`: the nftables rules (Accept_Mode, standby virtual MACs), kept equal to the
//!   routers' needs.
//! - `setup`: the checks and the host state (sockets, groups, virtual MACs) per router.
//! - `virtual_mac`: the virtual MAC interfaces and their parents' sysctls.
//! - `async_loop`: the tokio twin of [`Driver::run`].

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use crate::host::{
    ActionApplier, AddressBackend, BackendError, DriverError, DriverHandle, Event, EventLoop,
    Instance, Reconfiguration,
};
use crate::linux::capability::Capability;
use crate::linux::error::PlatformError;
use crate::linux::poll::wait_readable;
use crate::linux::timer::DeadlineTimer;
use crate::linux::{
    Announcer, HeapTrim, Netlink, NetlinkEvents, Received, Refused, SocketError, Sockets,
};
use crate::{AddressFamily, RouterKey, Routers, WallClock};

#[cfg(feature = "tokio")]
mod async_loop;
mod changes;
mod filtering;
mod links;
mod setup;
mod virtual_mac;

use filtering::Filtering;
use setup::LinuxSetup;
pub use setup::interface_source;
pub use virtual_mac::virtual_mac_name;

/// The largest datagram a VRRP socket reads: 255 IPv6 addresses plus headers fit.
const RECEIVE_BUFFER: usize = 8192;

/// How long after a failed re-read of the links and addresses it is tried again.
const RESYNC_RETRY: std::time::Duration = std::time::Duration::from_millis(100);
/// How long after a failure to make a deleted routed interface again it is tried again (its name
/// may be taken by someone else's interface for a while).
const ROUTED_RETRY: std::time::Duration = std::time::Duration::from_secs(1);

/// How many reads of a VRRP socket in a row may fail before the driver gives up on it.
const MAX_RECEIVE_FAILURES: u32 = 1000;

/// An [`Event::TransientError`] for `operation`.
fn transient(operation: &'static str, error: impl Into<BackendError>) -> Event {
    Event::TransientError {
        operation,
        error: error.into(),
    }
}

/// `on_event`, after logging each event (feature `tracing`).
fn logged(mut on_event: impl FnMut(Event)) -> impl FnMut(Event) {
    move |event| {
        crate::host::log_event(&event);
        on_event(event);
    }
}

/// What a driver waits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// The raw VRRP socket of a family.
    Socket(AddressFamily),
    /// The IPsec AH socket (keepalived's `auth_type AH`).
    IpsecAh,
    /// Link and address changes.
    Changes,
    /// The wake-up socket a [`DriverHandle`] writes to.
    Wake,
    /// The routers' next deadline.
    Timer,
}

/// Runs virtual routers on Linux: an [`EventLoop`] over raw sockets, rtnetlink and a packet
/// socket.
///
/// [`Driver::new`] checks everything an operator can get wrong before anything changes (the
/// capabilities, the interfaces, their addresses, addresses left behind by a killed process),
/// creates the virtual MAC interfaces and opens the sockets. [`Driver::run`] then waits on the
/// sockets, the netlink change stream, a timerfd and the handle's wake-up socket, and hands what
/// it read to the event loop, until [`DriverHandle::shutdown`]; the async twin is `run_async`
/// (feature `tokio`). A lost change stream (ENOBUFS) is a full re-read, not an error. Dropping a
/// driver removes what it created, also when `run` was never called.
///
/// Addresses go through `A`: rtnetlink ([`Netlink`]) unless the driver was made with
/// [`with_address_backend`](Driver::with_address_backend), for a backend that moves an address
/// elsewhere (a cloud API, a routing daemon). Advertisements and announcements always use the
/// Linux sockets.
///
/// ```no_run
/// use vrrp::host::{Event, Instance};
/// use vrrp::linux::{Driver, interface_index};
/// use vrrp::{Config, Vrid};
///
/// let eth0 = interface_index("eth0")?;
/// let config = Config::builder(eth0, Vrid::new(51).unwrap(), [192, 0, 2, 1].into())
///     .address([192, 0, 2, 100].into())
///     .accept(true) // serve on the address (Accept_Mode, off by default, drops its packets)
///     .build()?;
/// let driver = Driver::new(vec![Instance::new(config)])?;
/// let handle = driver.handle();
/// ctrlc_like_handler(move || { let _ = handle.shutdown(); });
/// driver.run(|event| {
///     if let Event::StateChanged { router, to, .. } = event {
///         println!("{router} is {to:?} now");
///     }
/// })?;
/// # fn ctrlc_like_handler(_: impl FnOnce() + Send + 'static) {}
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Driver<A: AddressBackend = Netlink> {
    event_loop: EventLoop<Sockets, A, Announcer>,
    setup: LinuxSetup,
    changes: NetlinkEvents,
    wake_receiver: UnixStream,
    timer: DeadlineTimer,
    /// The deadline the timer is set to (`None`: disarmed or expired).
    armed_for: Option<Instant>,
    buffer: Vec<u8>,
    /// Whether the links and addresses must be read again (the change stream lost some, or an
    /// interface was created again).
    resync_pending: bool,
    /// When a re-read that failed is tried again: routers in Fault have no timer to wake the
    /// driver.
    resync_retry: Option<Instant>,
    /// Whether an interface of the driver's (a routed interface, a virtual MAC interface of
    /// addresses on another interface) could not be made again: the re-read tries again
    /// [`ROUTED_RETRY`] later.
    own_missing: bool,
    /// Reads of a VRRP socket that failed in a row.
    receive_failures: u32,
    /// The interfaces no router runs on that went down: routes through them come back when they
    /// come up.
    routing_down: std::collections::HashSet<u32>,
    /// The nftables rules: packets to addresses held with Accept_Mode off, and frames on the
    /// virtual MAC interfaces of routers that are not Master, are refused.
    filtering: Filtering,
    /// Hands the heap's freed memory back after bursts (thousands of routers taking over).
    heap: HeapTrim,
    /// Raises the thread to real-time when deadlines are served late.
    auto_realtime: Option<crate::linux::scheduling::AutoRealtime>,
}

impl<A: AddressBackend> std::fmt::Debug for Driver<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("routers", &self.event_loop.routers().len())
            .finish_non_exhaustive()
    }
}

impl Driver<Netlink> {
    /// Checks and prepares `instances`, their addresses configured over rtnetlink. Virtual
    /// addresses that a killed process left on the interfaces (marked with
    /// [`ADDRESS_PROTOCOL`](crate::linux::ADDRESS_PROTOCOL)) are removed, as keepalived removes its
    /// VIPs at start-up; one configured by someone else is an error unless this router owns it,
    /// and so is an address that two routers on one interface share.
    pub fn new(instances: Vec<Instance>) -> Result<Self, DriverError> {
        Self::with_address_backend(instances, Netlink::open()?)
    }
}

impl<A: AddressBackend> Driver<A> {
    /// [`new`](Driver::new), with the virtual addresses configured through `addresses` instead
    /// of rtnetlink.
    pub fn with_address_backend(
        instances: Vec<Instance>,
        addresses: A,
    ) -> Result<Self, DriverError> {
        for (capability, needed_for) in [
            (Capability::NetRaw, "open raw VRRP sockets"),
            (Capability::NetAdmin, "configure virtual addresses"),
        ] {
            if capability.is_effective() == Some(false) {
                return Err(PlatformError::MissingCapability {
                    capability,
                    needed_for,
                }
                .into());
            }
        }
        let announcer = Announcer::open().map_err(|source| DriverError::Backend {
            operation: "opening the announcement socket",
            source,
        })?;
        let io = |operation| move |source| DriverError::Io { operation, source };
        let (wake_sender, wake_receiver) =
            UnixStream::pair().map_err(io("creating the wake-up socket pair"))?;
        for stream in [&wake_sender, &wake_receiver] {
            stream
                .set_nonblocking(true)
                .map_err(io("making the wake-up socket non-blocking"))?;
        }
        let wake_sender = Mutex::new(wake_sender);
        let wake = Arc::new(move || {
            if let Ok(mut stream) = wake_sender.lock() {
                // A full socket already holds a wake-up; nothing is lost.
                let _ = stream.write(&[1]);
            }
        });
        let applier = ActionApplier::new(Sockets::default(), addresses, announcer);
        let mut driver = Self {
            event_loop: EventLoop::new(applier, wake),
            setup: LinuxSetup::new(Netlink::open()?),
            // Subscribed before the interfaces are read, so that no change in between is lost.
            changes: NetlinkEvents::subscribe()?,
            wake_receiver,
            timer: DeadlineTimer::new().map_err(io("creating the timer"))?,
            armed_for: None,
            buffer: vec![0; RECEIVE_BUFFER],
            resync_pending: false,
            resync_retry: None,
            auto_realtime: None,
            own_missing: false,
            receive_failures: 0,
            routing_down: std::collections::HashSet::new(),
            filtering: Filtering::default(),
            heap: HeapTrim::new(Instant::now()),
        };
        let refuses = instances
            .iter()
            .any(|i| (!i.config().accept() || i.has_virtual_mac()) && !i.config().is_owner());
        driver.filtering.clean_up(refuses);
        // Crash-safe by default: addresses the kernel drops by itself if this process dies.
        let intervals = (instances.iter()).map(|i| i.config().interval().as_duration());
        let lifetime = crate::host::default_address_lifetime(intervals);
        driver.event_loop.set_address_lifetime(Some(lifetime))?;
        let change = Reconfiguration {
            add: instances,
            ..Reconfiguration::default()
        };
        // `Drop` removes what this creates if it fails part of the way.
        driver
            .event_loop
            .reconfigure(Instant::now(), &change, &mut driver.setup, &mut |_| {})
            .map_err(|error| match error {
                crate::host::ReconfigureError::Refused(error)
                | crate::host::ReconfigureError::Failed(error) => error,
                other => DriverError::Backend {
                    operation: "installing the virtual routers",
                    source: other.into(),
                },
            })?;
        Ok(driver)
    }

    /// Groups virtual routers that must change state together (see [`Routers::add_sync_group`]).
    pub fn add_sync_group(&mut self, members: &[RouterKey]) -> Result<(), DriverError> {
        self.event_loop.add_sync_group(members)
    }

    /// Holds `statics` (keepalived's `static_ipaddress`, `static_routes`, `static_rules`) while
    /// the driver runs: installed when it starts, restored when deleted, removed when it stops.
    /// What was there before is left there, except what a killed process of this crate left
    /// (marked with [`ADDRESS_PROTOCOL`](crate::linux::ADDRESS_PROTOCOL) or
    /// [`ROUTE_PROTOCOL`](crate::linux::ROUTE_PROTOCOL)), which is removed first and installed
    /// again as this driver's. A failure is an
    /// [`Event::StaticFailed`](crate::host::Event::StaticFailed), and the routers run on.
    /// [`Reconfiguration::statics`] changes them later.
    pub fn hold_statics(&mut self, statics: crate::host::Statics) -> Result<(), DriverError> {
        self.setup.remove_leftover_statics(&statics)?;
        let change = Reconfiguration {
            statics: Some(statics),
            ..Reconfiguration::default()
        };
        (self.event_loop)
            .reconfigure(Instant::now(), &change, &mut self.setup, &mut |_| {})
            .map(drop)
            .map_err(|error| DriverError::Backend {
                operation: "holding the static addresses, routes and rules",
                source: error.into(),
            })
    }

    /// Installs the virtual addresses with a finite `lifetime` (IFA_CACHEINFO) and renews them
    /// every third of it while they are held, so that when the process is killed or hangs the
    /// kernel removes them by itself, at most `lifetime` (and up to a second of its own) after
    /// the kill. Set it before [`run`](Self::run). It must be 3 s or more; 1.5 ×
    /// Master_Down_Interval (6 advertisement intervals) or more keeps a stall of the driver from
    /// dropping an address before a Backup takes it over (see
    /// [`EventLoop::set_address_lifetime`]).
    ///
    /// By default a driver installs them with
    /// [`default_address_lifetime`](crate::host::default_address_lifetime) of its routers'
    /// intervals: 60 intervals of the slowest (60 s at 1 s adverts), so that a killed host stops
    /// answering for its addresses within a minute. Shorter cleans up sooner for more renewals
    /// (each costs the kernel a few microseconds per address); `None` installs them for ever,
    /// as keepalived does, and a killed host then answers for them until the process starts
    /// again.
    pub fn set_address_lifetime(
        &mut self,
        lifetime: Option<std::time::Duration>,
    ) -> Result<(), DriverError> {
        self.event_loop.set_address_lifetime(lifetime)
    }

    /// Raises the thread that runs the routers to real-time priority `auto.max_priority`
    /// (keepalived's `max_auto_priority`) the first time it serves a deadline late by
    /// `auto.min_delay` or more, reporting it as [`Event::RealtimeRaised`]. A step the kernel
    /// refuses is reported as a [`Event::TransientError`] and ends the raising. `None` (the
    /// default) never raises it.
    pub fn set_auto_realtime(&mut self, auto: Option<crate::linux::scheduling::AutoRealtime>) {
        self.auto_realtime = auto;
    }

    /// Holds `routed`, the routed interface some routers' addresses are placed on
    /// ([`Instance::device`](crate::host::Instance::device)), for as long as the driver lives,
    /// and makes it again, under its name and with the addresses held on it, if someone deletes
    /// it. Without this the routers could not add their addresses there again, and would step
    /// down at each takeover until the program restarts.
    pub fn keep_routed_interface(&mut self, routed: crate::linux::RoutedInterface) {
        self.setup.routed.push(routed);
    }

    /// A handle for other threads: priorities, statistics, reconfiguration, shutdown.
    pub fn handle(&self) -> DriverHandle {
        self.event_loop.handle()
    }

    /// The virtual routers.
    pub fn routers(&self) -> &Routers {
        self.event_loop.routers()
    }

    /// Runs the virtual routers on this thread until [`DriverHandle::shutdown`], delivering events
    /// to `on_event`. On shutdown Masters advertise priority 0 and release their addresses, the
    /// virtual MAC interfaces are removed, and a final [`Event::Stats`] is delivered.
    pub fn run(mut self, on_event: impl FnMut(Event)) -> Result<(), DriverError> {
        let mut on_event = logged(on_event);
        if self.start(&mut on_event) {
            return self.stop(&mut on_event);
        }
        loop {
            self.arm_timer()?;
            let ready: Vec<Source> = {
                let sources = self.descriptors();
                let fds: Vec<BorrowedFd<'_>> = sources.iter().map(|&(_, fd)| fd).collect();
                let readable = wait_readable(&fds, None).map_err(|source| DriverError::Io {
                    operation: "waiting for packets and timers",
                    source,
                })?;
                sources
                    .iter()
                    .zip(readable)
                    .filter_map(|(&(source, _), readable)| readable.then_some(source))
                    .collect()
            };
            if self.service(&ready, &mut on_event)? {
                return self.stop(&mut on_event);
            }
        }
    }

    /// Applies the commands sent before the driver ran (priorities and tracking from health
    /// checks that already ran), then starts the routers. Returns true when a command asked for
    /// shutdown, before anything started.
    fn start(&mut self, on_event: &mut impl FnMut(Event)) -> bool {
        let now = Instant::now();
        self.event_loop.set_wall_clock(wall_clock());
        if self
            .event_loop
            .handle_commands(now, &mut self.setup, on_event)
            || self.event_loop.has_handed_over()
        {
            return true;
        }
        self.event_loop.start(now, on_event);
        if self.event_loop.applier().has_routing()
            && let Err(error) = self.changes.watch_routing()
        {
            on_event(transient("subscribing to route and rule changes", error));
        }
        self.sync_filtering(now, on_event);
        false
    }

    /// Makes the firewall rules refuse what the routers need refused now.
    fn sync_filtering(&mut self, now: Instant, on_event: &mut impl FnMut(Event)) {
        let applier = self.event_loop.applier_mut();
        let changes = applier.firewall_changes();
        let wanted = || Refused {
            addresses: applier.unaccepted_addresses(),
            interfaces: applier
                .standby_virtual_macs()
                .iter()
                .map(|(key, _)| virtual_mac::name_for(key, applier.addressing(key)))
                .collect(),
        };
        self.filtering.sync(now, changes, wanted, on_event);
    }

    /// Sets the timer to the routers' next deadline, unless it is set to it already.
    fn arm_timer(&mut self) -> Result<(), DriverError> {
        let deadline = [self.event_loop.poll_timeout(), self.resync_retry]
            .into_iter()
            .flatten()
            .min();
        if deadline == self.armed_for {
            return Ok(());
        }
        let after = deadline.map(|at| at.saturating_duration_since(Instant::now()));
        self.timer.set(after).map_err(|source| DriverError::Io {
            operation: "setting the timer",
            source,
        })?;
        self.armed_for = deadline;
        Ok(())
    }

    /// Serves the sources that are `ready`, then the timers that are due. Returns true, before the
    /// timers, when a command asked for shutdown, and after them when a handover is complete.
    fn service(
        &mut self,
        ready: &[Source],
        on_event: &mut impl FnMut(Event),
    ) -> Result<bool, DriverError> {
        let now = Instant::now();
        // Read per wake-up, so a stepped clock is followed at the next advert.
        self.event_loop.set_wall_clock(wall_clock());
        let mut shutdown = false;
        for &source in ready {
            match source {
                Source::Socket(family) => self.receive(now, family, false, on_event)?,
                Source::IpsecAh => self.receive(now, AddressFamily::Ipv4, true, on_event)?,
                Source::Changes => self.host_changes(now, on_event)?,
                Source::Wake => {
                    let mut scratch = [0; 64];
                    while matches!(self.wake_receiver.read(&mut scratch), Ok(n) if n > 0) {}
                    shutdown |= self
                        .event_loop
                        .handle_commands(now, &mut self.setup, on_event);
                }
                Source::Timer => {
                    self.timer.clear();
                    self.armed_for = None;
                }
            }
        }
        // A driver that holds routes or rules follows their deletions from now on.
        if self.event_loop.applier().has_routing()
            && let Err(error) = self.changes.watch_routing()
        {
            on_event(transient("subscribing to route and rule changes", error));
        }
        if !shutdown {
            self.resynchronize(now, on_event);
            let due = self.event_loop.poll_timeout();
            let served = Instant::now();
            self.event_loop.handle_timeout(served, on_event);
            if let Some(due) = due.filter(|&due| due <= served) {
                self.raise_if_late(served - due, on_event);
            }
            self.sync_filtering(now, on_event);
            self.heap.tend(now);
        }
        Ok(shutdown || self.event_loop.has_handed_over())
    }

    /// Raises the thread to real-time if a deadline served `late` calls for it
    /// ([`set_auto_realtime`](Self::set_auto_realtime)).
    fn raise_if_late(&mut self, late: std::time::Duration, on_event: &mut impl FnMut(Event)) {
        let Some(auto) = &mut self.auto_realtime else {
            return;
        };
        match auto.on_late(late) {
            None => {}
            Some(Ok(priority)) => on_event(Event::RealtimeRaised { late, priority }),
            Some(Err(error)) => {
                self.auto_realtime = None;
                on_event(Event::TransientError {
                    operation: "raising the real-time priority (not tried again)",
                    error: Box::new(error),
                });
            }
        }
    }

    /// The descriptors to wait on, each with what it is: the sockets that are open, the change
    /// stream, the wake-up socket, the timer.
    fn descriptors(&self) -> Vec<(Source, BorrowedFd<'_>)> {
        let sockets = &self.setup.sockets;
        let mut fds: Vec<(Source, BorrowedFd<'_>)> = [AddressFamily::Ipv4, AddressFamily::Ipv6]
            .into_iter()
            .filter_map(|family| Some((Source::Socket(family), sockets.get(family)?.as_fd())))
            .collect();
        if let Some(socket) = sockets.ipsec_ah() {
            fds.push((Source::IpsecAh, socket.as_fd()));
        }
        fds.push((Source::Changes, self.changes.as_fd()));
        fds.push((Source::Wake, self.wake_receiver.as_fd()));
        fds.push((Source::Timer, self.timer.as_fd()));
        fds
    }

    /// Reads every waiting datagram of `family` (of the IPsec AH socket, with `ipsec_ah`) into
    /// the routers.
    fn receive(
        &mut self,
        now: Instant,
        family: AddressFamily,
        ipsec_ah: bool,
        on_event: &mut impl FnMut(Event),
    ) -> Result<(), DriverError> {
        let sockets = &self.setup.sockets;
        let socket = if ipsec_ah {
            sockets.ipsec_ah()
        } else {
            sockets.get(family)
        };
        let Some(socket) = socket.cloned() else {
            return Ok(());
        };
        loop {
            match socket.recv(&mut self.buffer) {
                Ok(Received::Packet { rx, payload }) => {
                    // An interface created again may stand for several configured ones: the
                    // one with a router for the advert's VRID.
                    let routers = self.event_loop.routers();
                    let serves = |index| {
                        crate::packet::peek_vrid(payload).is_some_and(|vrid| {
                            let key = RouterKey {
                                interface_index: index,
                                family,
                                vrid,
                            };
                            routers.get(&key).is_some()
                        })
                    };
                    let index = self.setup.bindings.configured(rx.interface_index(), serves);
                    let rx = rx.on_interface(index);
                    // Rejected packets are counted in the statistics.
                    let _ = self.event_loop.handle_packet(now, &rx, payload, on_event);
                }
                Ok(Received::Malformed(error)) => self.event_loop.handle_malformed(&error),
                Err(SocketError::Io { source, .. })
                    if source.kind() == io::ErrorKind::WouldBlock =>
                {
                    self.receive_failures = 0;
                    return Ok(());
                }
                Err(SocketError::MissingAncillaryData(_)) => {}
                Err(error) => {
                    // A failed read (out of memory, a pending error) loses one datagram at most:
                    // reported, and the socket is read again at its next readiness. Only a socket
                    // that fails every time ends the driver.
                    self.receive_failures += 1;
                    if self.receive_failures >= MAX_RECEIVE_FAILURES {
                        return Err(error.into());
                    }
                    on_event(transient("receiving an advertisement", error));
                    return Ok(());
                }
            }
        }
    }

    /// Shuts the routers down and removes what the driver created.
    fn stop(mut self, on_event: &mut impl FnMut(Event)) -> Result<(), DriverError> {
        self.event_loop.set_wall_clock(wall_clock());
        self.event_loop.shutdown(Instant::now(), on_event);
        self.remove_created()
    }

    /// Removes the addresses still held and the virtual MAC interfaces.
    fn remove_created(&mut self) -> Result<(), DriverError> {
        let released = self
            .event_loop
            .applier_mut()
            .release_all()
            .map_err(|source| DriverError::Backend {
                operation: "releasing the virtual addresses",
                source,
            });
        let removed = self.setup.virtual_macs.remove_all(&mut self.setup.netlink);
        let unfiltered = self
            .filtering
            .remove()
            .map_err(|source| DriverError::Backend {
                operation: "removing the firewall rules",
                source: source.into(),
            });
        released.and(removed).and(unfiltered)
    }
}

impl<A: AddressBackend> Drop for Driver<A> {
    fn drop(&mut self) {
        // Best effort: `stop` has already removed everything unless the driver failed or was
        // dropped without running.
        let _ = self.remove_created();
    }
}

/// This host's two clocks, read together: what HMAC authentication's sequences come from.
fn wall_clock() -> WallClock {
    WallClock::from_system_time(Instant::now(), SystemTime::now())
}
