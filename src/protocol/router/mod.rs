//! One virtual router: the RFC 5798 / RFC 9568 state machine (and RFC 3768's VRRPv2 rules), sans IO.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use smallvec::SmallVec;

mod advertise_router;
mod announcements;
mod auth;
mod interop;
mod leaving;
mod mib;
mod transmit;

use super::receive::{check_against_config, check_group, check_peer};
use crate::packet::{Advertisement, ChecksumForm, RxError, RxMeta, Version};
use crate::timing::{master_down_interval, skew_time};
use crate::{Action, Reason, State};
use crate::{AddressFamily, Interval, Priority};
use crate::{Config, LowerPriorityResponse};
use crate::{NewMasterReason, Stats, WallClock};

/// One virtual router, (interface, address family, VRID): the RFC 5798 / RFC 9568 state machine
/// (and RFC 3768's VRRPv2 rules), sans IO.
///
/// # Driving it
///
/// The router never reads the clock and never touches the network. Its caller:
///
/// 1. calls [`start`](Self::start), then feeds it what happens: received packets
///    ([`handle_packet`](Self::handle_packet)), link changes, priority changes and timer expiries
///    ([`handle_timeout`](Self::handle_timeout)), each with the current time;
/// 2. after **every** such call drains [`poll_action`](Self::poll_action) until it returns `None`,
///    carrying the actions out in order (send, add or remove addresses, announce);
/// 3. then re-reads [`poll_timeout`](Self::poll_timeout) and calls `handle_timeout` when that
///    instant is reached. Calling `handle_timeout` early, or twice, does nothing.
///
/// Time only moves forward: a `now` older than one already seen is taken as the latest seen.
///
/// # Example
///
/// Two routers on one link, the network played by hand: the one of higher priority takes over, and
/// its advertisement keeps the other in Backup.
///
/// ```
/// use std::net::Ipv4Addr;
/// use std::time::Instant;
/// use vrrp::packet::{IPV4_MULTICAST, RxMeta};
/// use vrrp::{Action, Config, ConfigError, Priority, State, VirtualRouter, Vrid};
///
/// const VRID: Vrid = Vrid::new(51).expect("VRID 51 is not 0");
/// const A: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
/// const B: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);
///
/// fn router(address: Ipv4Addr, priority: u8) -> Result<VirtualRouter, ConfigError> {
///     let config = Config::builder(2, VRID, address.into())
///         .priority(Priority::new(priority))
///         .address(Ipv4Addr::new(192, 0, 2, 100).into())
///         .build()?;
///     Ok(VirtualRouter::new(config))
/// }
///
/// /// What a driver does after every call: carry the actions out, in order.
/// fn drain(router: &mut VirtualRouter) -> Vec<Action> {
///     std::iter::from_fn(|| router.poll_action()).collect()
/// }
///
/// let (mut a, mut b) = (router(A, 200)?, router(B, 100)?);
/// let t0 = Instant::now();
/// a.start(t0);
/// b.start(t0);
/// assert!(matches!(drain(&mut a)[..], [Action::StateChanged { to: State::Backup, .. }]));
/// drain(&mut b);
///
/// // No Master is heard. A's Master_Down_Interval is the shorter, so its timer fires first.
/// let deadline = a.poll_timeout().expect("Master_Down_Timer runs in Backup");
/// assert!(Some(deadline) < b.poll_timeout());
/// a.handle_timeout(deadline);
/// assert_eq!(a.state(), State::Master);
/// let mut advert = None;
/// for action in drain(&mut a) {
///     match action {
///         // To 224.0.0.18 with TTL 255 and IP protocol 112.
///         Action::Send(transmit) => advert = Some(transmit.payload),
///         Action::AddAddresses { .. } => { /* add 192.0.2.100 to interface 2 */ }
///         Action::Announce { .. } => { /* send gratuitous ARPs for it */ }
///         _ => {}
///     }
/// }
///
/// // B receives the advertisement, with what the IP header said, and keeps following A.
/// let advert = advert.expect("a new Master advertises at once");
/// let rx = RxMeta::ipv4(A, IPV4_MULTICAST, 255, 2);
/// b.handle_packet(deadline, &rx, &advert)?;
/// drain(&mut b);
/// assert_eq!(b.state(), State::Backup);
/// assert_eq!(b.master_address(), Some(A.into()));
/// assert_eq!(b.poll_timeout(), Some(deadline + b.master_down_interval()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct VirtualRouter {
    config: Config,
    state: State,
    /// The priority advertised: the configured one, moved by tracking, always 1–254 for a non-owner.
    priority: Priority,
    /// Master_Adver_Interval: learned from the Master's adverts in VRRPv3.
    master_adver_interval: Interval,
    /// Master_Down_Timer, running in Backup.
    master_down_at: Option<Instant>,
    /// Adver_Timer, running in Master.
    advert_at: Option<Instant>,
    /// The next announcement burst, in Master.
    announce_at: Option<Instant>,
    /// The burst at `announce_at` is the second one after becoming Master (a whole burst), not a
    /// refresh.
    second_burst_due: bool,
    /// A peer's advert came in keepalived's old unicast checksum
    /// ([`ChecksumAcceptance::LearnLegacyUnicast`](crate::packet::ChecksumAcceptance)): ours go in it
    /// from then on. Kept here, not in `config`, which stays as it was given.
    learned_legacy_checksum: bool,
    /// The next IPv6 router advertisement, in Master.
    router_adverts: advertise_router::RouterAdvertTimer,
    /// Preemption is held back until then (keepalived's `preempt_delay`).
    preempt_allowed_at: Option<Instant>,
    /// Why Master_Down_Timer was last left running: decides the NewMasterReason when it fires.
    takeover_reason: Reason,
    /// The sender of the last advertisement accepted in Backup (RFC 6527 MasterIpAddr).
    master_address: Option<IpAddr>,
    /// The last losing advert answered at once in Master (RFC 9568 §6.4.3): its sender and when.
    answered: Option<(IpAddr, Instant)>,
    /// In VRRPv2 interop mode, once a VRRPv3 advert was heard: its sender (boxed, so that the
    /// routers without interop pay a pointer).
    interop: Option<Box<interop::V3Speaker>>,
    /// When it last became Master: losing that to a higher priority soon after is a flap.
    master_since: Option<Instant>,
    link_up: bool,
    tracking_fault: bool,
    /// What the application last said of its health ([`set_healthy`](Self::set_healthy)).
    healthy: bool,
    /// In a make-before-break shutdown ([`hand_over`](Self::hand_over)): the addresses are
    /// released when the new Master is heard, or at this deadline.
    handover_until: Option<Instant>,
    /// Held in Fault because another member of its sync group is.
    group_fault: bool,
    /// When it last entered Backup or Master from Initialize or Fault (RFC 6527 UpTime).
    up_since: Option<Instant>,
    latest: Option<Instant>,
    /// Pending actions, oldest first. One fits inline, which is what a router in steady state queues
    /// per call (a Send); the heap is used only across a state change and given back once drained.
    actions: SmallVec<[Action; 1]>,
    stats: Stats,
    tx: BytesMut,
    /// HMAC authentication's sequences and wall clock, when configured (boxed: most routers have
    /// none, and then pay a pointer).
    hmac: Option<Box<auth::HmacRuntime>>,
}

impl VirtualRouter {
    /// A virtual router in Initialize, waiting for [`start`](Self::start).
    pub fn new(config: Config) -> Self {
        Self {
            hmac: auth::HmacRuntime::of(&config),
            priority: config.priority,
            master_adver_interval: config.interval,
            config,
            state: State::Initialize,
            master_down_at: None,
            advert_at: None,
            announce_at: None,
            second_burst_due: false,
            learned_legacy_checksum: false,
            router_adverts: Default::default(),
            preempt_allowed_at: None,
            takeover_reason: Reason::MasterNoResponse,
            master_address: None,
            answered: None,
            interop: None,
            master_since: None,
            link_up: true,
            tracking_fault: false,
            healthy: true,
            handover_until: None,
            group_fault: false,
            up_since: None,
            latest: None,
            actions: SmallVec::new(),
            stats: Stats::default(),
            tx: BytesMut::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The priority advertised now.
    pub fn priority(&self) -> Priority {
        self.priority
    }

    /// The statistics.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The Master's address as last heard in Backup, or this router's own in Master.
    pub fn master_address(&self) -> Option<IpAddr> {
        match self.state {
            State::Master => Some(self.config.primary_address),
            _ => self.master_address,
        }
    }

    /// Master_Adver_Interval: the configured interval, or in VRRPv3 the one the Master advertises.
    pub fn master_adver_interval(&self) -> Interval {
        self.master_adver_interval
    }

    /// Skew_Time for the current priority and Master_Adver_Interval.
    pub fn skew_time(&self) -> Duration {
        skew_time(
            self.config.version,
            self.priority,
            self.master_adver_interval,
        )
    }

    /// Master_Down_Interval for the current priority and Master_Adver_Interval: 3 intervals
    /// (RFC 5798 §6.1) or as many as [`Config::down_interval_adverts`] says, plus Skew_Time.
    pub fn master_down_interval(&self) -> Duration {
        master_down_interval(
            self.config.version,
            self.priority,
            self.master_adver_interval,
            self.config.down_adverts,
        )
    }

    /// The next action to carry out; drain until `None` after every call that takes `now`.
    pub fn poll_action(&mut self) -> Option<Action> {
        if self.actions.is_empty() {
            if self.actions.spilled() {
                self.actions.shrink_to_fit();
            }
            return None;
        }
        // At most a handful of actions are queued, so shifting them is cheaper than a ring buffer.
        Some(self.actions.remove(0))
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next, if any timer runs.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.master_down_at,
            self.advert_at,
            self.announce_at,
            self.router_adverts.deadline(),
            self.handover_until,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The Startup event (RFC 5798 §6.4.1): the owner becomes Master at once, any other router Backup.
    /// With the link down (or a tracking fault) the router waits in Fault instead.
    pub fn start(&mut self, now: Instant) {
        let now = self.advance(now);
        if self.state != State::Initialize {
            return;
        }
        self.enter_operational(now, Reason::Startup);
    }

    /// The Shutdown event: a Master advertises priority 0 and releases its addresses (RFC 5798
    /// §6.4.3); every router returns to Initialize.
    pub fn shutdown(&mut self, now: Instant) {
        self.advance(now);
        match self.state {
            State::Initialize => return,
            State::Master if self.handover_until.is_some() => {}
            State::Master => self.send_advert(Priority::SHUTDOWN),
            State::Backup | State::Fault => {}
        }
        self.finish_shutdown();
    }

    /// Handles the timers that are due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.advance(now);
        self.yield_if_stalled(now);
        if self.handover_until.is_some_and(|at| at <= now) {
            self.finish_shutdown();
            return;
        }
        if self.master_down_at.is_some_and(|at| at <= now) {
            self.master_down_at = None;
            self.become_master(now, self.takeover_reason);
        }
        if let Some(at) = self.advert_at.filter(|&at| at <= now) {
            self.send_advert(self.priority);
            // Scheduled from the deadline, not from `now`, so adverts do not drift; after a stall
            // longer than an interval the schedule restarts from now rather than catching up.
            let next = at + self.config.interval.as_duration();
            self.advert_at = Some(if next > now {
                next
            } else {
                now + self.config.interval.as_duration()
            });
        }
        self.router_advert_due(now);
        self.announcement_due(now);
    }

    /// Handles a received VRRP message (`vrrp`: the IP payload) that arrived with metadata `rx`.
    ///
    /// A packet that fails a check is discarded, counted in [`stats`](Self::stats) and returned as
    /// the error; otherwise it drives the state machine. Adverts are ignored in Initialize and Fault,
    /// and so are those whose source is the router's own primary address, which are counted in
    /// [`Stats::address_conflicts`](crate::Stats::address_conflicts): the caller turns multicast
    /// loopback off, so they come from another router using that address.
    pub fn handle_packet(&mut self, now: Instant, rx: &RxMeta, vrrp: &[u8]) -> Result<(), RxError> {
        let now = self.advance(now);
        if matches!(self.state, State::Initialize) {
            return Ok(());
        }
        self.yield_if_stalled(now);
        if rx.source() == self.config.primary_address {
            // With multicast loopback off a router never hears itself, so this is another router
            // using our primary address: counted, for the driver to report, and not acted on (its
            // adverts cannot be told from ours by their source).
            self.stats.address_conflicts += 1;
            return Ok(());
        }
        let advert = check_group(&self.config, rx.destination())
            .and_then(|()| check_peer(&self.config, rx.source()))
            .and_then(|()| {
                let hmac = self.hmac.as_deref_mut();
                auth::parse(&self.config, hmac, &mut self.stats, now, rx, vrrp)
            })
            .and_then(|advert| check_against_config(&self.config, &mut self.stats, advert))
            .inspect_err(|error| self.stats.record_error(error))?;
        self.stats.rcvd_advertisements += 1;
        if advert.version == Version::V3 && rx.family() == AddressFamily::Ipv4 {
            self.stats.record_checksum_form(advert.checksum_form);
            if advert.checksum_form == ChecksumForm::LegacyUnicast {
                // Only `LearnLegacyUnicast` accepts it besides `Only`, which sends it already.
                self.learned_legacy_checksum = true;
            }
        }
        if advert.priority == Priority::SHUTDOWN {
            self.stats.rcvd_pri_zero_packets += 1;
        }
        if self.config.v2_interop {
            // RFC 5798 §8.4.2: follow a Master's VRRPv3 adverts and ignore its VRRPv2 copies.
            match advert.version {
                Version::V3 => self.heard_v3(now, rx.source(), advert.interval),
                Version::V2 if self.heard_v2_copy(rx.source()) => return Ok(()),
                Version::V2 => {}
            }
        }
        if self.config.owner && advert.priority == Priority::OWNER {
            // RFC 9568 erratum 8298: another router claims the addresses; processed (ties decide).
            self.stats.owner_conflicts += 1;
        }
        if self.config.owner_ignores_adverts {
            // Only the owner may (`build` checks): it stays Master whatever it hears.
            return Ok(());
        }
        match self.state {
            State::Backup => self.backup_receive(now, rx.source(), &advert),
            State::Master => self.master_receive(now, rx.source(), &advert),
            State::Initialize | State::Fault => {}
        }
        Ok(())
    }

    /// Gives the router a reading of the wall clock (see [`WallClock`]), from which HMAC
    /// authentication takes its sequences and freshness window until the next reading. A router
    /// without HMAC authentication ignores it.
    pub fn set_wall_clock(&mut self, clock: WallClock) {
        if let Some(hmac) = self.hmac.as_deref_mut() {
            hmac.wall_clock = Some(clock);
        }
    }

    /// Replaces the HMAC authentication (or sets it, or with `None` removes it) while the router
    /// runs, keeping its state, timers, sequence and what it remembers of each sender: how a
    /// running group rotates keys and migrates between modes without a transition. A router given
    /// authentication it did not have needs a [wall-clock reading](Self::set_wall_clock) after.
    /// Refused, changing nothing, for a VRRPv2 router with a password.
    #[cfg(feature = "auth-hmac")]
    pub fn set_auth_hmac(
        &mut self,
        auth: Option<crate::HmacAuth>,
    ) -> Result<(), crate::ConfigError> {
        if auth.is_some() && self.config.authentication != crate::packet::Authentication::None {
            return Err(crate::ConfigError::AuthHmacWithPassword);
        }
        self.config.auth_hmac = auth.map(Box::new);
        match (&self.config.auth_hmac, &self.hmac) {
            (Some(_), None) => self.hmac = auth::HmacRuntime::of(&self.config),
            (None, Some(_)) => self.hmac = None,
            _ => {}
        }
        Ok(())
    }

    /// Sets the priority from tracking (health checks, weights). It is clamped to 1–254; the owner's
    /// priority never changes. The new priority applies to the next advertisement and timer.
    pub fn set_priority(&mut self, now: Instant, priority: Priority) {
        self.advance(now);
        if !self.config.owner {
            self.priority = Priority::new(priority.get().clamp(1, 254));
        }
    }

    /// Sets the sum of the weights of the router's tracked checks and interfaces (keepalived's
    /// `weight`): the priority becomes the configured one plus `weight`, clamped to 1–254. The owner's
    /// priority never changes.
    pub fn set_tracking_weight(&mut self, now: Instant, weight: i16) {
        self.set_priority(now, self.config.priority.tracked(weight));
    }

    /// The link of the router's interface went up or down. Down: leave Master or Backup for Fault,
    /// releasing the addresses (nothing can be sent). Up: back to Backup (the owner: Master).
    pub fn handle_link(&mut self, now: Instant, up: bool) {
        let now = self.advance(now);
        self.link_up = up;
        self.update_fault(now, Reason::LinkDown, Reason::LinkUp);
    }

    /// A tracked interface or health check failed (`true`) or recovered (`false`). In Fault the
    /// router releases its addresses; a Master first advertises priority 0 so a Backup takes over
    /// after Skew_Time.
    pub fn set_tracking_fault(&mut self, now: Instant, fault: bool) {
        let now = self.advance(now);
        self.tracking_fault = fault;
        self.update_fault(now, Reason::TrackingFault, Reason::TrackingRecovered);
    }

    /// Whether the link, tracking, or a sync group member holds the router in Fault.
    fn is_faulty(&self) -> bool {
        (!self.link_up && self.config.track_link) || self.tracking_fault || self.group_fault
    }

    /// Follows a member of its sync group into `state` (keepalived's `vrrp_sync_group`): Master,
    /// Backup, or Fault; leaving a group Fault returns to Backup. In Initialize it only remembers
    /// whether the group is in Fault, so that it starts in Fault while a member is.
    pub(crate) fn follow_group(&mut self, now: Instant, state: State) {
        let now = self.advance(now);
        match (self.state, state) {
            (State::Initialize, to) => self.group_fault = to == State::Fault,
            (State::Backup, State::Master) => self.become_master(now, Reason::SyncGroup),
            (State::Master, State::Backup) => {
                self.release_addresses();
                self.enter_backup(now, Reason::SyncGroup);
            }
            (State::Master | State::Backup, State::Fault) => {
                self.group_fault = true;
                self.update_fault(now, Reason::SyncGroup, Reason::SyncGroup);
            }
            (_, State::Backup | State::Initialize) if self.group_fault => {
                self.group_fault = false;
                self.update_fault(now, Reason::SyncGroup, Reason::SyncGroup);
            }
            // Already where the group goes, or no group fault to clear: nothing to do.
            (State::Backup | State::Master | State::Fault, _) => {}
        }
    }

    fn update_fault(&mut self, now: Instant, down: Reason, up: Reason) {
        let faulty = self.is_faulty();
        if faulty && self.handover_until.is_some() {
            // Handing over and now unable to serve: the handover ends here.
            self.finish_shutdown();
            return;
        }
        match (self.state, faulty) {
            (State::Master | State::Backup, true) => {
                if self.state == State::Master {
                    if self.link_up {
                        self.send_advert(Priority::SHUTDOWN);
                    }
                    self.release_addresses();
                }
                self.stop_timers();
                self.change_state(State::Fault, down);
            }
            (State::Fault, false) => self.enter_operational(now, up),
            // Still serving, still in Fault, or not started.
            (State::Master | State::Backup, false)
            | (State::Fault, true)
            | (State::Initialize, _) => {}
        }
    }

    /// Startup, or recovery from Fault: Master for the owner, Backup for the others.
    fn enter_operational(&mut self, now: Instant, reason: Reason) {
        if self.is_faulty() {
            if self.state != State::Fault {
                self.change_state(
                    State::Fault,
                    match (self.link_up, self.tracking_fault) {
                        (false, _) => Reason::LinkDown,
                        (true, true) => Reason::TrackingFault,
                        (true, false) => Reason::SyncGroup,
                    },
                );
            }
            return;
        }
        if self.config.owner {
            self.become_master(now, reason);
        } else {
            self.master_adver_interval = self.config.interval;
            self.preempt_allowed_at = Some(now + self.config.preempt_delay);
            self.enter_backup(now, reason);
        }
    }

    fn enter_backup(&mut self, now: Instant, reason: Reason) {
        self.stop_timers();
        self.takeover_reason = Reason::MasterNoResponse;
        self.master_down_at = Some(now + self.down_wait());
        self.change_state(State::Backup, reason);
    }

    fn become_master(&mut self, now: Instant, reason: Reason) {
        self.stop_timers();
        self.master_since = Some(now);
        self.send_advert(self.priority);
        if !self.config.owner {
            self.actions.push(Action::AddAddresses {
                addresses: self.config.addresses.clone(),
                accept: self.config.accept,
            });
        }
        self.announce(self.config.announcements.repeat);
        self.plan_announcements(now);
        self.start_router_adverts(now);
        let interval = self.config.interval.as_duration();
        self.advert_at = Some(now + interval);
        self.stats.master_transitions += 1;
        self.stats.new_master_reason = NewMasterReason::of(reason);
        self.change_state(State::Master, reason);
    }

    fn backup_receive(&mut self, now: Instant, source: IpAddr, advert: &Advertisement) {
        if advert.priority == Priority::SHUTDOWN {
            // RFC 5798 §6.4.2 (425-430): take over after Skew_Time; unhealthy, after
            // Master_Down_Interval, so that a healthy Backup takes over first.
            let wait = if self.healthy {
                self.skew_time()
            } else {
                self.master_down_interval()
            };
            self.master_down_at = Some(now + wait);
            self.takeover_reason = Reason::MasterStopped;
            return;
        }
        let may_preempt = self.config.preempt
            && self.healthy
            && self.preempt_allowed_at.is_none_or(|at| now >= at);
        if !may_preempt || advert.priority >= self.priority {
            // (445-460): follow this Master, learning its interval (VRRPv3) and recomputing Skew_Time
            // and Master_Down_Interval with it (RFC 9568 §6.4.2).
            if self.config.version == Version::V3 {
                self.master_adver_interval = advert.interval;
            }
            self.master_down_at = Some(now + self.down_wait());
            self.takeover_reason = Reason::MasterNoResponse;
            self.master_address = Some(source);
        } else {
            // (465-470): a lower-priority Master is ignored; the timer runs out and we preempt.
            self.takeover_reason = Reason::Preempted;
        }
    }

    fn master_receive(&mut self, now: Instant, source: IpAddr, advert: &Advertisement) {
        if self.handover_until.is_some() {
            // Handing over: the new Master is heard, so it holds the addresses too; release them.
            // Another router's priority 0 changes nothing: the deadline ends the wait.
            if advert.priority != Priority::SHUTDOWN {
                self.master_address = Some(source);
                self.finish_shutdown();
            }
            return;
        }
        let interval = self.config.interval.as_duration();
        if advert.priority == Priority::SHUTDOWN {
            // (705-715): answer at once so the Backups do not take over.
            self.send_advert(self.priority);
            self.advert_at = Some(now + interval);
            return;
        }
        // (725-765): compare priority, then the primary addresses as unsigned numbers in network order.
        let theirs_wins = advert.priority > self.priority
            || (advert.priority == self.priority && source > self.config.primary_address);
        if theirs_wins {
            // RFC 9568 §2.5: a Master whose adverts come late (egress queueing at a small
            // interval) lets a Backup take over, then takes the addresses back: a flap.
            if self
                .master_since
                .is_some_and(|since| now < since + 2 * self.master_down_interval())
            {
                self.stats.flaps += 1;
            }
            if self.config.version == Version::V3 {
                self.master_adver_interval = advert.interval;
            }
            self.release_addresses();
            self.master_address = Some(source);
            self.enter_backup(now, Reason::HigherPriority);
        } else {
            self.actions.push(Action::LowerPriorityMaster {
                source,
                priority: advert.priority,
            });
            if self.config.lower_priority_response == LowerPriorityResponse::Readvertise {
                self.answer_lower_priority(now, source, advert.interval, interval);
            }
        }
    }

    /// Answers a lower priority's advert from `source` (sent every `their_interval`) at once, as
    /// a Master asserting itself, unless it answered that sender within half its interval.
    fn answer_lower_priority(
        &mut self,
        now: Instant,
        source: IpAddr,
        their_interval: Interval,
        interval: Duration,
    ) {
        // RFC 9568 §6.4.3: assert Master at once; announce again, as the other router may have
        // taken the addresses (split brain healing). Once per half of the sender's interval:
        // after a stall, the adverts it queued meanwhile arrive together and get one answer,
        // not a burst.
        let recent = self.answered.is_some_and(|(from, at)| {
            from == source && now < at + their_interval.as_duration() / 2
        });
        if !recent {
            self.answered = Some((source, now));
            self.send_advert(self.priority);
            self.advert_at = Some(now + interval);
            self.announce(self.config.announcements.repeat);
        }
    }

    fn release_addresses(&mut self) {
        if !self.config.owner {
            self.actions
                .push(Action::RemoveAddresses(self.config.addresses.clone()));
        }
    }

    fn stop_timers(&mut self) {
        self.master_down_at = None;
        self.advert_at = None;
        self.announce_at = None;
        self.second_burst_due = false;
        self.stop_router_adverts();
    }

    fn change_state(&mut self, to: State, reason: Reason) {
        let from = std::mem::replace(&mut self.state, to);
        self.note_status(from, to);
        self.actions.push(Action::StateChanged { from, to, reason });
    }

    /// Takes `now` forward only: an earlier instant than one already seen counts as the latest.
    fn advance(&mut self, now: Instant) -> Instant {
        let now = self.latest.map_or(now, |latest| latest.max(now));
        if self.latest.is_none() {
            // The counters start from zero with the first instant the router is given.
            self.stats.discontinuity_time = Some(now);
        }
        self.latest = Some(now);
        now
    }
}
