//! The decisions of a driver, whatever its backends: what a received packet, a timer, a link or
//! address change, an overrun of the change stream or a command does to the routers and the host.
//!
//! A platform driver owns the waiting (poll, epoll, tokio) and the reading; it hands what it read
//! to an [`EventLoop`] and sleeps until [`EventLoop::poll_timeout`]. Tests hand it the same
//! inputs with in-memory backends ([`memory`](crate::host::memory)) that fail on demand.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

mod deadlines;
mod host_state;
#[cfg(feature = "auth-hmac")]
mod in_place;
mod running;

use crate::host::Statics;
use crate::host::handle::OnDriverThread;
use crate::host::health::Health;
use crate::host::lateness::Lateness;
use crate::host::log::DiscardLog;
use crate::host::setup::check_instances;
use crate::host::{
    ActionApplier, AddressBackend, AdvertSender, AnnounceBackend, Command, DriverError,
    DriverHandle, Event, HostChange, HostSnapshot, Operation, Reconfiguration, ReconfigureError,
    Setup, StatsReport,
};
use crate::packet::{RxError, RxMeta};
use crate::{Action, NewMasterReason, ProtoErrReason, RouterKey, Routers, State};

/// How many of the routers' actions the event loop takes at a time: their address changes go to
/// the backend together ([`ActionApplier::add_ahead`]), 64 to a netlink datagram.
const ACTIONS_AHEAD: usize = 256;

/// Runs a [`Routers`] against three backends: feeds it what the driver read, applies its actions,
/// answers commands and keeps the host in step. A platform driver owns the waiting (poll, epoll,
/// tokio) and the reading; it hands what it read to the event loop and sleeps until
/// [`poll_timeout`](Self::poll_timeout). Tests hand it the same inputs with the in-memory backends
/// of [`memory`](crate::host::memory), which fail on demand.
///
/// Every method that takes `on_event` drains the routers' actions before it returns, so the next
/// deadline is [`poll_timeout`](Self::poll_timeout).
///
/// ```
/// use std::time::{Duration, Instant};
/// use vrrp::host::memory::{MemoryHost, MemorySetup};
/// use vrrp::host::{Event, EventLoop, Instance, Reconfiguration};
/// use vrrp::{Config, State, Vrid};
///
/// let host = MemoryHost::default();
/// host.set_link(2, true);
/// let mut event_loop = EventLoop::new(host.applier(), std::sync::Arc::new(|| {}));
/// let config = Config::builder(2, Vrid::new(51).unwrap(), [192, 0, 2, 1].into())
///     .address([192, 0, 2, 100].into())
///     .build()?;
/// let start = Instant::now();
/// let change = Reconfiguration { add: vec![Instance::new(config)], ..Default::default() };
/// event_loop.reconfigure(start, &change, &mut MemorySetup::new(&host), &mut |_| {})?;
/// event_loop.start(start, &mut |_| {});
///
/// // Nobody else advertises: after Master_Down_Interval the router takes the address.
/// let mut events = Vec::new();
/// while let Some(deadline) = event_loop.poll_timeout() {
///     if deadline > start + Duration::from_secs(5) { break; }
///     event_loop.handle_timeout(deadline, &mut |event| events.push(event));
/// }
/// assert!(events.iter().any(|e| matches!(e, Event::StateChanged { to: State::Master, .. })));
/// assert!(host.has_address(2, [192, 0, 2, 100].into()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct EventLoop<S, A, N> {
    routers: Routers,
    applier: ActionApplier<S, A, N>,
    commands: Receiver<Command>,
    handle: DriverHandle,
    started: bool,
    /// The interfaces whose link is down, as the setup and the link changes said.
    down: HashSet<u32>,
    /// When the addresses held are renewed next, if they have a lifetime.
    renewal: Option<Instant>,
    /// When the next paced announcements go, if repeats wait.
    pacing: Option<Instant>,
    /// A [`Command::HandOver`] arrived: the caller stops once [`has_handed_over`](Self::has_handed_over).
    handing_over: bool,
    /// When an address conflict was last reported, by router, and the count then.
    conflicts_reported: HashMap<RouterKey, (Instant, u64)>,
    /// When a protocol error was last reported, by router and reason.
    proto_errors_reported: HashMap<(RouterKey, ProtoErrReason), Instant>,
    /// The routers whose primary address is gone from their interface: in Fault until it is back.
    primary_missing: HashSet<RouterKey>,
    /// Each router's health: the application's, and whether its addresses could be added.
    health: Health,
    /// The rate limiter of the discarded-packet log lines (feature `tracing`).
    discard_log: DiscardLog,
    /// How late the deadlines were served.
    lateness: Lateness,
    /// The static configuration a reconfiguration brought before the loop started, installed when
    /// it starts.
    pending_statics: Option<Statics>,
}

/// How often the repeats of announcements are sent: every 10 ms, at most [`ANNOUNCE_BURST`]
/// frames, each address's repeats one per round. An address's first announcement goes at once;
/// its repeats (keepalived's `garp_master_repeat`, 5 by default) follow 10 ms apart, so 4,000
/// routers taking over send 4,000 frames at once and the other 16,000 over 1.6 s, not 20,000 at
/// once.
pub const ANNOUNCE_PACE: Duration = Duration::from_millis(10);

/// The most announcement repeats sent every [`ANNOUNCE_PACE`]: 100, so 10,000 frames a second.
pub const ANNOUNCE_BURST: usize = 100;

/// How often an address conflict, or a protocol error, that goes on is reported again.
const CONFLICT_REPORT_INTERVAL: Duration = Duration::from_secs(60);

/// The shortest address lifetime [`EventLoop::set_address_lifetime`] accepts: 3 s. The kernel
/// counts lifetimes in whole seconds and removes an expired address up to a second late; renewed
/// every second, a 3 s address survives a renewal that comes up to 2 s late.
pub const MIN_ADDRESS_LIFETIME: Duration = Duration::from_secs(3);

/// The longest: 2³² − 2 seconds (about 136 years), the longest finite lifetime Linux has.
pub const MAX_ADDRESS_LIFETIME: Duration = Duration::from_secs(u32::MAX as u64 - 1);

/// The address lifetime the Linux driver installs by default, in advertisement intervals of its
/// slowest router: 60 s at keepalived's 1 s, 6 s at 100 ms (never less than
/// [`MIN_ADDRESS_LIFETIME`]). Ten times the 1.5 × Master_Down_Interval below which a stall could
/// drop an address before a Backup takes it over, and renewed every third of it: at 4,000 routers
/// of 1 s, 200 renewals a second, about 0.2 % of a core (BENCHMARKS.md).
pub const DEFAULT_LIFETIME_INTERVALS: u32 = 60;

/// [`DEFAULT_LIFETIME_INTERVALS`] intervals of the slowest of `intervals` (1 s when there is
/// none), within [`MIN_ADDRESS_LIFETIME`] and [`MAX_ADDRESS_LIFETIME`].
pub fn default_address_lifetime(intervals: impl IntoIterator<Item = Duration>) -> Duration {
    let slowest = (intervals.into_iter().max()).unwrap_or(Duration::from_secs(1));
    (slowest * DEFAULT_LIFETIME_INTERVALS).clamp(MIN_ADDRESS_LIFETIME, MAX_ADDRESS_LIFETIME)
}

impl<S: AdvertSender, A: AddressBackend, N: AnnounceBackend> EventLoop<S, A, N> {
    /// An event loop with no routers yet over `applier`'s backends; `wake` interrupts the
    /// driver's wait when a [`DriverHandle`] sends a command.
    pub fn new(applier: ActionApplier<S, A, N>, wake: Arc<dyn Fn() + Send + Sync>) -> Self {
        let (handle, commands) = DriverHandle::new(wake);
        Self {
            routers: Routers::new(),
            applier,
            commands,
            handle,
            started: false,
            down: HashSet::new(),
            conflicts_reported: HashMap::new(),
            proto_errors_reported: HashMap::new(),
            primary_missing: HashSet::new(),
            renewal: None,
            pacing: None,
            handing_over: false,
            health: Health::default(),
            pending_statics: None,
            lateness: Lateness::default(),
            discard_log: DiscardLog::default(),
        }
    }

    /// A handle for other threads: priorities, statistics, reconfiguration, shutdown.
    pub fn handle(&self) -> DriverHandle {
        self.handle.clone()
    }

    /// Gives the routers a reading of the wall clock, for HMAC authentication's sequences (see
    /// [`Routers::set_wall_clock`]); a driver does it once per wake-up.
    pub fn set_wall_clock(&mut self, clock: crate::WallClock) {
        self.routers.set_wall_clock(clock);
    }

    /// The virtual routers.
    pub fn routers(&self) -> &Routers {
        &self.routers
    }

    /// The applier and its backends.
    pub fn applier(&self) -> &ActionApplier<S, A, N> {
        &self.applier
    }

    /// The applier and its backends, for a driver that prepares them.
    pub fn applier_mut(&mut self) -> &mut ActionApplier<S, A, N> {
        &mut self.applier
    }

    /// The earliest deadline of the routers and of the next address renewal: call
    /// [`handle_timeout`](Self::handle_timeout) then.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.routers.poll_timeout(),
            self.renewal,
            self.pacing,
            self.health.next_retry(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Applies `change`: checks all of it first (the shared checks of
    /// [`check_instances`](crate::host::check_instances), then `setup`'s), and changes nothing when
    /// a check fails. Then the removed routers shut down (a Master advertises priority 0 and
    /// releases its addresses) and `setup` undoes what they needed; the added ones are installed
    /// and, once the loop has started, started. A router removed and added again with only its
    /// HMAC authentication changed is changed in place instead, keeping its state, timers and
    /// addresses (a key rotation, a mode migration). Returns the added routers' keys (not those
    /// changed in place).
    pub fn reconfigure<T: Setup<S, A, N>>(
        &mut self,
        now: Instant,
        change: &Reconfiguration,
        setup: &mut T,
        on_event: &mut impl FnMut(Event),
    ) -> Result<Vec<RouterKey>, ReconfigureError> {
        let _on_thread = OnDriverThread::enter(self.handle.id());
        let refused = |error: DriverError| ReconfigureError::Refused(error);
        #[cfg(feature = "auth-hmac")]
        let (change, in_place) = &in_place::split(change, &self.routers, &self.applier);
        let mut next = self.routers.clone();
        #[cfg(feature = "auth-hmac")]
        for (key, auth) in in_place {
            next.set_auth_hmac(key, auth.clone())
                .map_err(|e| refused(e.into()))?;
        }
        for key in &change.remove {
            next.remove(now, key).map_err(|e| refused(e.into()))?;
        }
        next.reserve(change.add.len());
        let mut added = Vec::with_capacity(change.add.len());
        for instance in &change.add {
            let key = next
                .add(instance.config().clone())
                .map_err(|e| refused(e.into()))?;
            added.push(key);
        }
        for group in &change.sync_groups {
            next.add_sync_group(group).map_err(|e| refused(e.into()))?;
        }
        // A router of `next` that is not added kept its placement: it was not removed.
        let placed = |key: &RouterKey| self.applier.addressing(key);
        check_instances(&next, &change.add, placed).map_err(refused)?;
        let checked = setup
            .check(&self.applier, &next, &change.add)
            .map_err(refused)?;
        // Commit: the removed routers' last actions (priority 0, addresses released) go first.
        self.routers = next;
        self.drain(now, on_event);
        self.handle
            .set_routers(self.routers.iter().map(|(key, _)| key));
        let failed = ReconfigureError::Failed;
        for key in &change.remove {
            self.applier.unplace(key);
            self.primary_missing.remove(key);
            self.conflicts_reported.remove(key);
            self.proto_errors_reported
                .retain(|(router, _), _| router != key);
            self.health.forget(key);
        }
        setup
            .uninstall(&mut self.applier, &change.remove, &self.routers)
            .map_err(failed)?;
        // The static entries before the added routers start: their routes may need them.
        if let Some(statics) = &change.statics {
            if self.started {
                self.applier.set_statics(statics.clone(), on_event);
            } else {
                self.pending_statics = Some(statics.clone());
            }
        }
        let installed = setup
            .install(&mut self.applier, &change.add, checked)
            .map_err(failed)?;
        self.down.extend(installed.down);
        for key in installed.without_primary {
            if let Some(router) = self.routers.get(&key) {
                let address = router.config().primary_address();
                self.note_primary(key, address, false, on_event);
            }
        }
        if self.started {
            self.report_accept_mode_off(&added, on_event);
            for key in &added {
                self.routers
                    .start_router(now, key)
                    .map_err(|e| failed(e.into()))?;
                if self.down.contains(&key.interface_index) {
                    self.routers.handle_link(now, key.interface_index, false);
                }
                if self.primary_missing.contains(key) {
                    self.routers.handle_link_of(now, key, false);
                }
            }
            self.drain(now, on_event);
        }
        Ok(added)
    }

    /// Groups virtual routers that must change state together (see [`Routers::add_sync_group`]).
    pub fn add_sync_group(&mut self, members: &[RouterKey]) -> Result<(), DriverError> {
        Ok(self.routers.add_sync_group(members)?)
    }

    /// Starts the routers; a router whose link is down, or whose primary address is not there
    /// yet, starts in Fault.
    pub fn start(&mut self, now: Instant, on_event: &mut impl FnMut(Event)) {
        let _on_thread = OnDriverThread::enter(self.handle.id());
        self.started = true;
        if let Some(statics) = self.pending_statics.take() {
            self.applier.set_statics(statics, on_event);
        }
        let all: Vec<RouterKey> = self.routers.iter().map(|(key, _)| key).collect();
        self.report_accept_mode_off(&all, on_event);
        self.routers.start(now);
        self.drain(now, on_event);
        for &index in &self.down {
            self.routers.handle_link(now, index, false);
        }
        for key in &self.primary_missing {
            self.routers.handle_link_of(now, key, false);
        }
        self.drain(now, on_event);
    }

    /// Reports each of `keys` that runs with Accept_Mode off and is not the address owner
    /// ([`Event::AcceptModeOff`]): its host will refuse the packets sent to its addresses.
    fn report_accept_mode_off(&self, keys: &[RouterKey], on_event: &mut impl FnMut(Event)) {
        for &router in keys {
            let Some(config) = self.routers.get(&router).map(crate::VirtualRouter::config) else {
                continue;
            };
            if config.accept() || config.is_owner() {
                continue;
            }
            let excluded = (self.applier.addressing(&router))
                .map_or(&[][..], |a| a.excluded_addresses())
                .iter()
                .map(|a| a.address);
            let addresses = config.addresses().iter().chain(excluded).collect();
            on_event(Event::AcceptModeOff { router, addresses });
        }
    }

    /// Hands a received VRRP message (`payload`, what followed the IP header) to its router.
    /// Rejected messages are counted in the statistics; the error says why.
    pub fn handle_packet(
        &mut self,
        now: Instant,
        rx: &RxMeta,
        payload: &[u8],
        on_event: &mut impl FnMut(Event),
    ) -> Result<RouterKey, RxError> {
        let _on_thread = OnDriverThread::enter(self.handle.id());
        let before = self.discard_log.before(&self.routers, rx, payload);
        let result = self.routers.handle_packet(now, rx, payload);
        self.drain(now, on_event);
        let routers = &self.routers;
        (self.discard_log).packet(now, rx, payload, &result, routers, before);
        match &result {
            Ok(key) => self.report_conflict(now, *key, rx.source(), on_event),
            Err(error) => self.report_proto_error(now, rx, payload, error, on_event),
        }
        result
    }

    /// Counts a datagram whose IP header could not be taken apart.
    pub fn handle_malformed(&mut self, error: &RxError) {
        self.routers.record_malformed(error);
        self.discard_log.malformed(error);
    }

    /// Interface `interface_index`'s link went up or down (or the interface went away: down).
    pub fn handle_link(
        &mut self,
        now: Instant,
        interface_index: u32,
        up: bool,
        on_event: &mut impl FnMut(Event),
    ) {
        let _on_thread = OnDriverThread::enter(self.handle.id());
        if up {
            self.down.remove(&interface_index);
        } else {
            self.down.insert(interface_index);
        }
        if self.primary_missing.is_empty() {
            self.routers.handle_link(now, interface_index, up);
        } else {
            let keys: Vec<RouterKey> = self
                .routers
                .iter()
                .map(|(key, _)| key)
                .filter(|key| key.interface_index == interface_index)
                .collect();
            for key in keys {
                let can_run = up && !self.primary_missing.contains(&key);
                self.routers.handle_link_of(now, &key, can_run);
            }
        }
        self.drain(now, on_event);
    }

    /// Acts on a change of the host: routers follow their links (an interface removed is down),
    /// and an address this loop holds that someone else removed is added again.
    pub fn handle_change(
        &mut self,
        now: Instant,
        change: HostChange,
        on_event: &mut impl FnMut(Event),
    ) {
        match change {
            HostChange::Link {
                interface_index,
                up,
            } => {
                let came_up = up && self.down.contains(&interface_index);
                self.handle_link(now, interface_index, up, on_event);
                // The kernel dropped the routes through it when it went down, without a word.
                if came_up && self.applier.has_routing() {
                    self.applier.reinstall_routing(on_event);
                }
            }
            HostChange::LinkRemoved { interface_index } => {
                self.handle_link(now, interface_index, false, on_event);
            }
            HostChange::AddressRemoved {
                interface_index,
                address,
            } => {
                self.handle_address_removed(now, interface_index, address, on_event);
                if self.applier.holds_static(interface_index, address) {
                    (self.applier).static_address_removed(interface_index, address, on_event);
                }
                self.primary_address(now, interface_index, address, false, on_event);
            }
            HostChange::AddressAdded {
                interface_index,
                address,
            } => self.primary_address(now, interface_index, address, true, on_event),
            HostChange::RouteRemoved(route) => self.applier.route_removed(route, on_event),
            HostChange::RuleRemoved => self.applier.rule_removed(on_event),
        }
    }

    /// The driver read the whole host again (the change stream overran, or an interface was
    /// created again and what was said of it before may be lost): every router's link state and
    /// primary address are recomputed from `snapshot`, whatever was believed before; then the
    /// addresses this loop still holds that are missing are added again; and
    /// [`Event::Resynchronized`] is reported.
    pub fn resynchronize(
        &mut self,
        now: Instant,
        snapshot: &HostSnapshot,
        on_event: &mut impl FnMut(Event),
    ) {
        let _on_thread = OnDriverThread::enter(self.handle.id());
        let up: HashSet<u32> = (snapshot.links.iter())
            .filter(|&&(_, up)| up)
            .map(|&(index, _)| index)
            .collect();
        let keys: Vec<RouterKey> = self.routers.iter().map(|(key, _)| key).collect();
        for key in &keys {
            if up.contains(&key.interface_index) {
                self.down.remove(&key.interface_index);
            } else {
                self.down.insert(key.interface_index);
            }
        }
        for key in keys {
            let Some(router) = self.routers.get(&key) else {
                continue;
            };
            let address = router.config().primary_address();
            let parent = self.applier.parent_interface(&key);
            let present = snapshot.addresses.contains(&(parent, address));
            self.note_primary(key, address, present, on_event);
            let can_run = present && !self.down.contains(&key.interface_index);
            self.routers.handle_link_of(now, &key, can_run);
        }
        self.drain(now, on_event);
        // Then what the routers still hold, and is missing, is added again (a router that went to
        // Fault above released its addresses instead).
        let missing: Vec<(u32, IpAddr)> = self
            .applier
            .added_addresses()
            .map(|(interface, address)| (interface, address.address))
            .filter(|pair| !snapshot.addresses.contains(pair))
            .collect();
        for (interface, address) in missing {
            self.handle_address_removed(now, interface, address, on_event);
        }
        // And the routes, rules and static addresses (only what is missing is added).
        self.applier.reinstall_routing(on_event);
        on_event(Event::Resynchronized);
    }

    /// Applies the waiting commands, reconfigurations through `setup`. Returns true when one asks
    /// for shutdown: the caller then calls [`shutdown`](Self::shutdown).
    pub fn handle_commands<T: Setup<S, A, N>>(
        &mut self,
        now: Instant,
        setup: &mut T,
        on_event: &mut impl FnMut(Event),
    ) -> bool {
        let _on_thread = OnDriverThread::enter(self.handle.id());
        let mut shutdown = false;
        while let Ok(command) = self.commands.try_recv() {
            match command {
                Command::SetPriority(key, priority) => {
                    self.tracking(key, on_event, |r| r.set_priority(now, &key, priority));
                }
                Command::SetTrackingWeight(key, weight) => {
                    self.tracking(key, on_event, |r| r.set_tracking_weight(now, &key, weight));
                }
                Command::SetTrackingFault(key, fault) => {
                    self.tracking(key, on_event, |r| r.set_tracking_fault(now, &key, fault));
                }
                Command::SetHealthy(key, healthy) => {
                    if self.routers.get(&key).is_none() {
                        on_event(Event::UnknownRouter(key));
                    } else {
                        self.health.set_application(key, healthy);
                        let healthy = self.health.is_healthy(&key);
                        self.routers.set_healthy(now, &key, healthy);
                    }
                }
                Command::RequestStats => on_event(Event::Stats(self.stats_report(now))),
                Command::Reconfigure(change, reply) => {
                    let result = self.reconfigure(now, &change, setup, on_event);
                    // The caller may have stopped waiting; the change stands either way.
                    let _ = reply.send(result);
                }
                Command::Instances(reply) => drop(reply.send(self.running_instances())),
                Command::Shutdown => shutdown = true,
                Command::HandOver => {
                    self.handing_over = true;
                    self.routers.hand_over(now);
                }
            }
            self.drain(now, on_event);
        }
        shutdown
    }

    /// Applies a tracking change to router `key` and reports its effect on the priority.
    fn tracking(
        &mut self,
        key: RouterKey,
        on_event: &mut impl FnMut(Event),
        change: impl FnOnce(&mut Routers) -> bool,
    ) {
        let before = self.routers.get(&key).map(|r| r.priority());
        if !change(&mut self.routers) {
            on_event(Event::UnknownRouter(key));
            return;
        }
        let after = self.routers.get(&key).map(|r| r.priority());
        if let (Some(from), Some(to)) = (before, after)
            && from != to
        {
            on_event(Event::PriorityChanged {
                router: key,
                from,
                to,
            });
        }
    }

    /// How late the deadlines were served, from each deadline to the
    /// [`handle_timeout`](Self::handle_timeout) that served it.
    pub fn lateness(&self) -> &Lateness {
        &self.lateness
    }

    /// The statistics at `now`, with the lateness.
    fn stats_report(&self, now: Instant) -> StatsReport {
        let mut report = StatsReport::of(&self.routers, now);
        report.lateness = self.lateness;
        report
    }

    /// Acts on the deadlines that are due at `now`: the routers' timers, then the renewal of the
    /// addresses held (see [`set_address_lifetime`](Self::set_address_lifetime)), then the
    /// announcements' repeats ([`ANNOUNCE_PACE`]).
    pub fn handle_timeout(&mut self, now: Instant, on_event: &mut impl FnMut(Event)) {
        let _on_thread = OnDriverThread::enter(self.handle.id());
        if let Some(due) = self.poll_timeout()
            && due <= now
        {
            self.lateness.record(now - due);
        }
        self.routers.handle_timeout(now);
        for key in self.health.take_due(now) {
            // Its address could not be added: now it may try again, as its health allows.
            let healthy = self.health.is_healthy(&key);
            self.routers.set_healthy(now, &key, healthy);
        }
        self.drain(now, on_event);
        if self.renewal.is_some_and(|at| at <= now) {
            self.applier.renew_all(on_event);
            self.renewal = None;
            self.plan_renewal(now);
        }
        self.send_paced(now, on_event);
    }

    /// Whether a [`Command::HandOver`] has run its course: every Master heard its successor (or
    /// waited Master_Down_Interval) and released its addresses. The caller then calls
    /// [`shutdown`](Self::shutdown).
    pub fn has_handed_over(&self) -> bool {
        self.handing_over && !self.routers.is_handing_over()
    }

    /// Shuts the routers down (Masters advertise priority 0 and release their addresses) and
    /// delivers a last [`Event::Stats`].
    pub fn shutdown(&mut self, now: Instant, on_event: &mut impl FnMut(Event)) {
        let _on_thread = OnDriverThread::enter(self.handle.id());
        self.routers.shutdown(now);
        self.drain(now, on_event);
        on_event(Event::Stats(self.stats_report(now)));
    }

    /// Applies the routers' actions, then plans the next renewal.
    /// A router whose address cannot be added steps down (see `cannot_serve`).
    fn drain(&mut self, now: Instant, on_event: &mut impl FnMut(Event)) {
        loop {
            let mut failed = Vec::new();
            let health = &mut self.health;
            loop {
                // A few hundred actions at a time: their addresses in a few round trips, before
                // their adverts and announcements, and little memory held for it.
                let actions: Vec<(RouterKey, Action)> =
                    std::iter::from_fn(|| self.routers.poll_action())
                        .take(ACTIONS_AHEAD)
                        .collect();
                if actions.is_empty() {
                    break;
                }
                self.applier.add_ahead(&actions);
                for (key, action) in actions {
                    // RFC 6527's vrrpv3NewMaster: the new Master is this router, so its address is
                    // this router's primary address.
                    let new_master = match &action {
                        Action::StateChanged {
                            to: State::Master,
                            reason,
                            ..
                        } => self.routers.get(&key).map(|router| Event::NewMaster {
                            router: key,
                            master_address: router.config().primary_address(),
                            reason: NewMasterReason::of(*reason),
                        }),
                        _ => None,
                    };
                    self.applier.apply(key, action, &mut |event| {
                        // Only these two tell whether a Master serves its addresses.
                        if let Event::BackendFailed {
                            router,
                            operation: Operation::AddAddress(_),
                            ..
                        } = &event
                        {
                            failed.push(*router);
                        } else if let Event::StateChanged {
                            router,
                            to: State::Master,
                            ..
                        } = &event
                            && !failed.contains(router)
                        {
                            health.served(router);
                        }
                        on_event(event);
                    });
                    if let Some(event) = new_master {
                        on_event(event);
                    }
                }
            }
            if failed.is_empty() {
                break;
            }
            for key in failed {
                self.cannot_serve(now, key);
            }
        }
        self.discard_log.tick(now);
        self.plan_renewal(now);
        self.plan_pacing(now);
    }
}
