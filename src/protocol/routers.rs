//! Many virtual routers behind one input: what a driver with one socket per address family runs.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::fmt;
use std::time::Instant;

use crate::packet::{self, Advertisement, RxError, RxMeta};
use crate::{Action, Config, Reason, State, VirtualRouter, WallClock};
use crate::{AddressFamily, Counter, Priority, Statistic, Vrid};

/// What identifies a virtual router on a host (RFC 5798 §6.2): interface, address family and VRID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RouterKey {
    /// The interface index.
    pub interface_index: u32,
    /// The address family.
    pub family: AddressFamily,
    /// The virtual router identifier.
    pub vrid: Vrid,
}

impl RouterKey {
    /// The key of the virtual router `config` describes.
    pub fn of(config: &Config) -> Self {
        Self {
            interface_index: config.interface_index(),
            family: config.family(),
            vrid: config.vrid(),
        }
    }
}

impl fmt::Display for RouterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "if{}/{}/vrid{}",
            self.interface_index, self.family, self.vrid
        )
    }
}

/// The router-wide counters of RFC 6527 (`vrrpv3RouterChecksumErrors`, `…VersionErrors`,
/// `…VrIdErrors`), for packets of every virtual router, and for those no virtual router took.
/// Later versions may add counters, so it cannot be built or destructured outside the crate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GlobalStats {
    /// Packets with an invalid checksum.
    pub checksum_errors: u64,
    /// Packets with an unknown or unsupported version.
    pub version_errors: u64,
    /// Packets for a VRID that no virtual router here runs.
    pub vrid_errors: u64,
    /// Datagrams whose IP header could not be taken apart (see [`Routers::record_malformed`]).
    pub malformed_datagrams: u64,
    /// `vrrpv3GlobalStatisticsDiscontinuityTime`: when these counters started from zero, which is
    /// the first instant the [`Routers`] were given (they are created with zeroed counters, so a
    /// driver started again starts its own); `None` before that.
    pub discontinuity_time: Option<Instant>,
}

impl GlobalStats {
    /// Every router-wide counter, in the order a report shows them.
    pub const COUNTERS: &'static [Statistic<Self>] = &[
        Statistic::new(
            "checksum_errors",
            Some(Counter::ChecksumErrors.mib_name()),
            "Received packets discarded for an invalid checksum.",
            |g| g.checksum_errors,
        ),
        Statistic::new(
            "version_errors",
            Some(Counter::VersionErrors.mib_name()),
            "Received packets discarded for an unknown or unsupported version.",
            |g| g.version_errors,
        ),
        Statistic::new(
            "vrid_errors",
            Some(Counter::VrIdErrors.mib_name()),
            "Received packets discarded for a VRID that no virtual router here runs.",
            |g| g.vrid_errors,
        ),
        Statistic::new(
            "malformed_datagrams",
            None,
            "Received datagrams whose IP header could not be taken apart.",
            |g| g.malformed_datagrams,
        ),
    ];

    fn record(&mut self, error: &RxError) {
        match error.counter() {
            Counter::ChecksumErrors => self.checksum_errors += 1,
            Counter::VersionErrors => self.version_errors += 1,
            Counter::VrIdErrors => self.vrid_errors += 1,
            // Per virtual router only (RFC 6527's vrrpv3StatisticsTable).
            Counter::IpTtlErrors
            | Counter::RcvdInvalidTypePackets
            | Counter::PacketLengthErrors
            | Counter::AddressListErrors
            | Counter::AdvIntervalErrors
            | Counter::UnknownPeerErrors
            | Counter::InvalidAuthType
            | Counter::AuthTypeMismatch
            | Counter::AuthFailures
            | Counter::AuthTrailerMissing
            | Counter::AuthTrailerMalformed
            | Counter::AuthUnknownKey
            | Counter::AuthInvalidHmac
            | Counter::AuthStale
            | Counter::AuthReplayed => {}
        }
    }
}

/// Why a virtual router or sync group could not be added, removed or started. Later versions may
/// add variants.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RoutersError {
    /// A virtual router with this key already runs.
    #[error("virtual router {0} is configured twice")]
    Duplicate(RouterKey),
    /// A sync group names a virtual router that is not configured.
    #[error("sync group member {0} is not a configured virtual router")]
    UnknownMember(RouterKey),
    /// A virtual router can belong to one sync group only.
    #[error("virtual router {0} is already in a sync group")]
    AlreadyGrouped(RouterKey),
    /// No virtual router with this key runs, so it cannot be removed or started.
    #[error("virtual router {0} is not configured")]
    NotConfigured(RouterKey),
    /// A change to a running virtual router's configuration that it cannot take.
    #[error("virtual router {0}: {1}")]
    Config(RouterKey, crate::ConfigError),
}

/// Many virtual routers driven as one: packets are demultiplexed by (interface, family, VRID),
/// deadlines merged, actions tagged with the router they come from, and sync groups kept together.
///
/// It is driven like a [`VirtualRouter`]: after every call that takes `now`, drain
/// [`poll_action`](Self::poll_action) to `None`, then wait until [`poll_timeout`](Self::poll_timeout).
///
/// ```
/// use std::net::Ipv4Addr;
/// use std::time::Instant;
/// use vrrp::{Action, Config, ConfigError, Routers, State, Vrid};
///
/// // A firewall's inside and outside addresses, as two virtual routers that move together.
/// let config = |vrid: u8, vip: Ipv4Addr| -> Result<Config, ConfigError> {
///     Config::builder(2, Vrid::try_from(vrid)?, Ipv4Addr::new(192, 0, 2, 1).into())
///         .address(vip.into())
///         .build()
/// };
/// let mut routers = Routers::new();
/// let inside = routers.add(config(51, Ipv4Addr::new(192, 0, 2, 100))?)?;
/// let outside = routers.add(config(52, Ipv4Addr::new(192, 0, 2, 200))?)?;
/// routers.add_sync_group(&[inside, outside])?;
///
/// let now = Instant::now();
/// routers.start(now);
/// while let Some((key, action)) = routers.poll_action() {
///     assert!(matches!(action, Action::StateChanged { to: State::Backup, .. }), "{key}");
/// }
///
/// // No Master is heard: at the earliest deadline both take over. Each action names its router.
/// let deadline = routers.poll_timeout().expect("Master_Down_Timers run in Backup");
/// routers.handle_timeout(deadline);
/// let mut sent = Vec::new();
/// while let Some((key, action)) = routers.poll_action() {
///     if let Action::Send(transmit) = action {
///         sent.push((key.vrid.get(), transmit.destination));
///     }
/// }
/// let group = Ipv4Addr::new(224, 0, 0, 18).into();
/// assert_eq!(sent, [(51, group), (52, group)]);
/// assert!(routers.iter().all(|(_, router)| router.state() == State::Master));
///
/// // Received packets go to `handle_packet`, which picks the router by interface, family and VRID.
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Routers {
    routers: Vec<VirtualRouter>,
    keys: Vec<RouterKey>,
    index: HashMap<RouterKey, usize>,
    group_of: Vec<Option<usize>>,
    groups: Vec<Vec<usize>>,
    global: GlobalStats,
    actions: VecDeque<(RouterKey, Action)>,
    /// Each router's deadline as last scheduled in `timers`.
    scheduled: Vec<Option<Instant>>,
    /// Deadlines, earliest first. An entry whose instant is no longer its router's `scheduled` one is
    /// stale and skipped, so a changed deadline costs a push instead of a search.
    timers: BinaryHeap<Reverse<(Instant, usize)>>,
    /// The last wall-clock reading, handed to each router before it is called.
    wall_clock: Option<WallClock>,
}

impl Routers {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes room for `additional` more routers, so that adding thousands grows nothing twice.
    pub fn reserve(&mut self, additional: usize) {
        self.routers.reserve_exact(additional);
        self.keys.reserve_exact(additional);
        self.group_of.reserve_exact(additional);
        self.scheduled.reserve_exact(additional);
        self.index.reserve(additional);
    }

    /// Adds a virtual router in Initialize; [`start`](Self::start) starts it with the others.
    pub fn add(&mut self, config: Config) -> Result<RouterKey, RoutersError> {
        let key = RouterKey::of(&config);
        if self.index.contains_key(&key) {
            return Err(RoutersError::Duplicate(key));
        }
        self.index.insert(key, self.routers.len());
        self.routers.push(VirtualRouter::new(config));
        self.keys.push(key);
        self.group_of.push(None);
        self.scheduled.push(None);
        Ok(key)
    }

    /// Makes `members` a sync group: when one changes state, the others follow it (keepalived's
    /// `vrrp_sync_group`), so that, say, the inside and outside addresses of a firewall move together.
    pub fn add_sync_group(&mut self, members: &[RouterKey]) -> Result<(), RoutersError> {
        let mut indices = Vec::with_capacity(members.len());
        for key in members {
            let &i = self
                .index
                .get(key)
                .ok_or(RoutersError::UnknownMember(*key))?;
            if self.group_of[i].is_some() || indices.contains(&i) {
                return Err(RoutersError::AlreadyGrouped(*key));
            }
            indices.push(i);
        }
        for &i in &indices {
            self.group_of[i] = Some(self.groups.len());
        }
        self.groups.push(indices);
        Ok(())
    }

    /// The virtual router of `key`.
    pub fn get(&self, key: &RouterKey) -> Option<&VirtualRouter> {
        self.index.get(key).map(|&i| &self.routers[i])
    }

    /// The members of `key`'s sync group, itself included, in the order they were grouped; `None`
    /// if it is in none (or unknown).
    pub fn sync_group_of(&self, key: &RouterKey) -> Option<Vec<RouterKey>> {
        let &i = self.index.get(key)?;
        let group = self.group_of[i]?;
        Some(self.groups[group].iter().map(|&m| self.keys[m]).collect())
    }

    /// The sync groups, each as its members' keys in the order they were grouped.
    pub fn sync_groups(&self) -> impl Iterator<Item = Vec<RouterKey>> + '_ {
        (self.groups.iter())
            .filter(|members| !members.is_empty())
            .map(|members| members.iter().map(|&m| self.keys[m]).collect())
    }

    /// Every virtual router with its key, in the order they were added, but that the last one
    /// takes the place of one removed.
    pub fn iter(&self) -> impl Iterator<Item = (RouterKey, &VirtualRouter)> {
        self.keys.iter().copied().zip(&self.routers)
    }

    /// How many virtual routers there are.
    pub fn len(&self) -> usize {
        self.routers.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.routers.is_empty()
    }

    /// Gives the routers a reading of the wall clock (see [`VirtualRouter::set_wall_clock`]): each
    /// gets it before its next call, so a reading per wake-up costs nothing per router.
    pub fn set_wall_clock(&mut self, clock: WallClock) {
        self.wall_clock = Some(clock);
    }

    /// The router-wide counters.
    pub fn global_stats(&self) -> GlobalStats {
        self.global
    }

    /// The next action and the router it comes from.
    pub fn poll_action(&mut self) -> Option<(RouterKey, Action)> {
        let action = self.actions.pop_front();
        if action.is_none() && self.actions.capacity() > 1024 {
            // Thousands of routers changed state at once: give the queue's memory back.
            self.actions = VecDeque::new();
        }
        action
    }

    /// The earliest deadline of any virtual router.
    pub fn poll_timeout(&self) -> Option<Instant> {
        // Every mutating call ends by discarding stale entries, so the top is current.
        self.timers.peek().map(|Reverse((at, _))| *at)
    }

    /// Starts every virtual router.
    pub fn start(&mut self, now: Instant) {
        self.note_time(now);
        self.each(now, |router| router.start(now));
    }

    /// Shuts every virtual router down: Masters advertise priority 0 and release their addresses.
    pub fn shutdown(&mut self, now: Instant) {
        self.each(now, |router| router.shutdown(now));
    }

    /// Stops every virtual router make-before-break (see [`VirtualRouter::hand_over`]): Masters
    /// advertise priority 0 and keep their addresses until the new Master is heard or
    /// Master_Down_Interval passes; the others shut down at once.
    pub fn hand_over(&mut self, now: Instant) {
        self.each(now, |router| router.hand_over(now));
    }

    /// Whether any virtual router is still handing over (see [`hand_over`](Self::hand_over)).
    pub fn is_handing_over(&self) -> bool {
        self.routers.iter().any(VirtualRouter::is_handing_over)
    }

    /// Starts one virtual router, added after the others were started (a reload). One already
    /// running is left as it is.
    pub fn start_router(&mut self, now: Instant, key: &RouterKey) -> Result<(), RoutersError> {
        self.note_time(now);
        if self.with(now, key, |router| router.start(now)) {
            Ok(())
        } else {
            Err(RoutersError::NotConfigured(*key))
        }
    }

    /// Removes one virtual router: it leaves its sync group (whose other members carry on, and
    /// are released from a Fault it held them in), then shuts down as in
    /// [`shutdown`](Self::shutdown), so a Master advertises priority 0 and releases its addresses;
    /// those actions are queued for [`poll_action`](Self::poll_action) like any other. Its
    /// statistics go with it; the router-wide counters stay.
    pub fn remove(&mut self, now: Instant, key: &RouterKey) -> Result<(), RoutersError> {
        self.note_time(now);
        let &i = self
            .index
            .get(key)
            .ok_or(RoutersError::NotConfigured(*key))?;
        if let Some(group) = self.group_of[i].take() {
            self.groups[group].retain(|&member| member != i);
            // Release the members from a Fault the group held them in; one that stays in Fault
            // for a reason of its own then holds the others again.
            let members = self.groups[group].clone();
            for &member in &members {
                self.router(member).follow_group(now, State::Initialize);
            }
            if let Some(&faulty) = members
                .iter()
                .find(|&&m| self.routers[m].state() == State::Fault)
            {
                for &member in members.iter().filter(|&&m| m != faulty) {
                    self.router(member).follow_group(now, State::Fault);
                }
            }
            for member in members {
                self.settle(now, member);
            }
        }
        self.router(i).shutdown(now);
        self.settle(now, i);
        // Compact: the last router takes the removed one's place.
        let last = self.routers.len() - 1;
        self.index.remove(key);
        self.routers.swap_remove(i);
        self.keys.swap_remove(i);
        self.group_of.swap_remove(i);
        self.scheduled.swap_remove(i);
        if i != last {
            self.index.insert(self.keys[i], i);
            if let Some(group) = self.group_of[i] {
                for member in &mut self.groups[group] {
                    if *member == last {
                        *member = i;
                    }
                }
            }
        }
        self.timers = self
            .scheduled
            .iter()
            .enumerate()
            .filter_map(|(i, at)| Some(Reverse(((*at)?, i))))
            .collect();
        Ok(())
    }

    /// Runs the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.note_time(now);
        while let Some(&Reverse((at, i))) = self.timers.peek() {
            if at > now {
                break;
            }
            self.timers.pop();
            if self.scheduled[i] != Some(at) {
                continue;
            }
            self.scheduled[i] = None;
            self.router(i).handle_timeout(now);
            self.settle(now, i);
        }
        self.discard_stale();
    }

    /// Hands a received VRRP message to the virtual router it is for, and returns that router's key.
    ///
    /// A message for no virtual router here is counted as a VRID error if it is otherwise sound, and
    /// as what is wrong with it if not.
    pub fn handle_packet(
        &mut self,
        now: Instant,
        rx: &RxMeta,
        vrrp: &[u8],
    ) -> Result<RouterKey, RxError> {
        self.note_time(now);
        let key = packet::peek_vrid(vrrp).map(|vrid| RouterKey {
            interface_index: rx.interface_index(),
            family: rx.family(),
            vrid,
        });
        let Some((key, i)) = key.and_then(|key| self.index.get(&key).map(|&i| (key, i))) else {
            let error = match Advertisement::parse(rx, vrrp) {
                Err(error) => error,
                Ok(advert) => RxError::UnknownVrid {
                    interface_index: rx.interface_index(),
                    vrid: advert.vrid,
                },
            };
            self.global.record(&error);
            return Err(error);
        };
        let result = self.router(i).handle_packet(now, rx, vrrp);
        if let Err(error) = &result {
            self.global.record(error);
        }
        self.settle(now, i);
        result.map(|()| key)
    }

    /// Counts a datagram whose IP header could not be taken apart, so no router could be chosen.
    /// It comes without a time: counted before the routers were given any, it leaves
    /// [`GlobalStats::discontinuity_time`] to the first instant they are given.
    pub fn record_malformed(&mut self, error: &RxError) {
        self.global.record(error);
        self.global.malformed_datagrams += 1;
    }

    /// The link of interface `interface_index` went up or down: every virtual router on it follows.
    pub fn handle_link(&mut self, now: Instant, interface_index: u32, up: bool) {
        self.note_time(now);
        for i in 0..self.routers.len() {
            if self.keys[i].interface_index == interface_index {
                self.router(i).handle_link(now, up);
                self.settle(now, i);
            }
        }
    }

    /// The link of virtual router `key` alone went up or down (see [`VirtualRouter::handle_link`]):
    /// for a driver that knows a reason one router cannot run where the others on its interface
    /// can, such as its primary address gone. Returns false for an unknown key.
    pub fn handle_link_of(&mut self, now: Instant, key: &RouterKey, up: bool) -> bool {
        self.with(now, key, |router| router.handle_link(now, up))
    }

    /// Sets the tracked priority of one virtual router (see [`VirtualRouter::set_priority`]).
    pub fn set_priority(&mut self, now: Instant, key: &RouterKey, priority: Priority) -> bool {
        self.with(now, key, |router| router.set_priority(now, priority))
    }

    /// Tells one virtual router whether the service behind it is healthy (see
    /// [`VirtualRouter::set_healthy`]): an unhealthy Master steps down.
    pub fn set_healthy(&mut self, now: Instant, key: &RouterKey, healthy: bool) -> bool {
        self.with(now, key, |router| router.set_healthy(now, healthy))
    }

    /// Replaces the HMAC authentication of one virtual router in place (see
    /// [`VirtualRouter::set_auth_hmac`]).
    #[cfg(feature = "auth-hmac")]
    pub fn set_auth_hmac(
        &mut self,
        key: &RouterKey,
        auth: Option<crate::HmacAuth>,
    ) -> Result<(), RoutersError> {
        let &i = self
            .index
            .get(key)
            .ok_or(RoutersError::NotConfigured(*key))?;
        self.router(i)
            .set_auth_hmac(auth)
            .map_err(|error| RoutersError::Config(*key, error))
    }

    /// Sets the tracking weight of one virtual router (see [`VirtualRouter::set_tracking_weight`]).
    pub fn set_tracking_weight(&mut self, now: Instant, key: &RouterKey, weight: i16) -> bool {
        self.with(now, key, |router| router.set_tracking_weight(now, weight))
    }

    /// Sets or clears a tracking fault of one virtual router (see [`VirtualRouter::set_tracking_fault`]).
    pub fn set_tracking_fault(&mut self, now: Instant, key: &RouterKey, fault: bool) -> bool {
        self.with(now, key, |router| router.set_tracking_fault(now, fault))
    }

    fn with(&mut self, now: Instant, key: &RouterKey, f: impl FnOnce(&mut VirtualRouter)) -> bool {
        self.note_time(now);
        let Some(&i) = self.index.get(key) else {
            return false;
        };
        f(self.router(i));
        self.settle(now, i);
        true
    }

    fn each(&mut self, now: Instant, f: impl Fn(&mut VirtualRouter)) {
        self.note_time(now);
        for i in 0..self.routers.len() {
            f(self.router(i));
            self.settle(now, i);
        }
    }

    /// Router `i`, given the latest wall-clock reading.
    fn router(&mut self, i: usize) -> &mut VirtualRouter {
        let router = &mut self.routers[i];
        if let Some(clock) = self.wall_clock {
            router.set_wall_clock(clock);
        }
        router
    }

    /// The router-wide counters start from zero with the first instant the routers are given.
    fn note_time(&mut self, now: Instant) {
        self.global.discontinuity_time.get_or_insert(now);
    }

    /// Moves router `i`'s actions to the queue, makes its sync group follow a state change, and
    /// schedules the deadlines that changed.
    fn settle(&mut self, now: Instant, i: usize) {
        self.reschedule(i);
        let mut changed_to = None;
        while let Some(action) = self.routers[i].poll_action() {
            if let Action::StateChanged { to, reason, .. } = action
                && reason != Reason::SyncGroup
            {
                changed_to = Some(to);
            }
            self.actions.push_back((self.keys[i], action));
        }
        let (Some(to), Some(group)) = (changed_to, self.group_of[i]) else {
            self.discard_stale();
            return;
        };
        // Followers go where this member went; a member leaving Fault for Backup also releases the
        // members its fault held back (see `VirtualRouter::follow_group`).
        for member in self.groups[group].clone() {
            if member != i {
                self.router(member).follow_group(now, to);
                while let Some(action) = self.routers[member].poll_action() {
                    self.actions.push_back((self.keys[member], action));
                }
                self.reschedule(member);
            }
        }
        self.discard_stale();
    }

    fn reschedule(&mut self, i: usize) {
        let deadline = self.routers[i].poll_timeout();
        if deadline != self.scheduled[i] {
            self.scheduled[i] = deadline;
            if let Some(at) = deadline {
                self.timers.push(Reverse((at, i)));
            }
        }
    }

    fn discard_stale(&mut self) {
        while let Some(&Reverse((at, i))) = self.timers.peek() {
            if self.scheduled[i] == Some(at) {
                break;
            }
            self.timers.pop();
        }
    }
}
