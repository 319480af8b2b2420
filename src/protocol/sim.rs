//! A deterministic in-memory LAN for virtual routers: a virtual clock, latency with jitter, loss,
//! partitions, crashes and restarts. The same seed gives the same run, to the nanosecond.
//!
//! It drives real [`Routers`] by the driving rules (drain the actions after every call, sleep until
//! the earliest deadline), so embedders can test their own failover logic without root, sockets or
//! waiting. It applies the actions itself, keeping each host's addresses as a set; to test what a
//! driver does with them (backends that fail, addresses that disappear), run
//! [`EventLoop`](crate::host::EventLoop)s on the in-memory backends of
//! [`host::memory`](crate::host::memory).
//!
//! ```
//! use std::time::Duration;
//! use vrrp::sim::Lan;
//! use vrrp::{Config, Priority, State, Vrid};
//!
//! const VRID: Vrid = Vrid::new(51).expect("VRID 51 is not 0");
//! let mut lan = Lan::new(7, std::time::Instant::now());
//! let config = |address: [u8; 4], priority| {
//!     Config::builder(1, VRID, address.into())
//!         .priority(Priority::new(priority))
//!         .address([192, 0, 2, 100].into())
//!         .build()
//! };
//! let a = lan.add_host(vec![config([192, 0, 2, 1], 200)?])?;
//! let b = lan.add_host(vec![config([192, 0, 2, 2], 100)?])?;
//! lan.start_all();
//! lan.run_for(Duration::from_secs(5));
//! assert_eq!(lan.state(a, VRID), Some(State::Master));
//!
//! lan.crash(a);
//! lan.run_for(Duration::from_secs(5));
//! assert_eq!(lan.state(b, VRID), Some(State::Master));
//! assert_eq!(lan.masters(VRID), [b]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::packet::{Packet, RxMeta};
use crate::{Action, Config, Reason, State};
use crate::{AddressFamily, Priority, Vrid};
use crate::{RouterKey, Routers, RoutersError};

/// A host on the simulated LAN.
pub type HostId = usize;

/// Something that happened on the LAN, for timelines and assertions: see [`Lan::records`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Record {
    /// When, since the simulation started.
    pub at: Duration,
    /// On which host.
    pub host: HostId,
    /// Which virtual router, if the record is a router's.
    pub router: Option<RouterKey>,
    /// What.
    pub kind: RecordKind,
}

/// What happened. Later versions may record more.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordKind {
    /// A virtual router changed state.
    StateChanged {
        /// The state left.
        from: State,
        /// The state entered.
        to: State,
        /// Why.
        reason: Reason,
    },
    /// An advertisement was sent, with this priority.
    AdvertSent(Priority),
    /// The virtual addresses were added.
    AddressesAdded,
    /// The virtual addresses were removed.
    AddressesRemoved,
    /// The virtual addresses were announced.
    Announced,
    /// An IPv6 router advertisement was sent.
    RouterAdvertised,
    /// While Master, it heard a router of lower priority advertise.
    LowerPriorityMaster {
        /// That router's primary address.
        source: std::net::IpAddr,
        /// Its priority.
        priority: Priority,
    },
    /// The host crashed: no priority 0, its addresses gone with it.
    Crashed,
    /// The host came back and started its routers.
    Restarted,
    /// The host's routers were shut down cleanly.
    Stopped,
    /// The host stalled (its process stopped, or a long pause): it runs no timer and reads no
    /// packet until it resumes; what reaches it meanwhile waits in its socket.
    Stalled,
    /// The stalled host resumed: it reads what waited, then runs its timers.
    Resumed,
}

struct Host {
    /// The host's routers as configured, never started: what a crash or restart goes back to.
    pristine: Routers,
    routers: Routers,
    alive: bool,
    /// The partition the host is in; hosts hear each other only within one.
    partition: u32,
    /// The virtual addresses the host has configured, as its actions said.
    addresses: BTreeSet<IpAddr>,
    /// Packets delivered to the host, and of those the ones its routers refused.
    delivered: u64,
    refused: u64,
    /// While stalled: when it resumes, and the packets that wait for it meanwhile.
    stalled_until: Option<Instant>,
    waiting: Vec<(RxMeta, bytes::Bytes)>,
}

struct Delivery {
    to: HostId,
    partition: u32,
    rx: RxMeta,
    payload: bytes::Bytes,
}

/// The simulated LAN. See the [module documentation](self).
pub struct Lan {
    start: Instant,
    now: Instant,
    hosts: Vec<Host>,
    in_flight: BinaryHeap<Reverse<(Instant, u64, usize)>>,
    deliveries: Vec<Option<Delivery>>,
    sequence: u64,
    rng: SplitMix64,
    latency: Duration,
    jitter: Duration,
    loss_percent: u8,
    records: Vec<Record>,
}

impl Lan {
    /// An empty LAN whose virtual clock starts at `epoch` and whose randomness (jitter, loss) comes
    /// from `seed`; latency 100 µs, no jitter, no loss. Like the rest of the crate it never reads the
    /// clock: pass the current instant, or any other.
    pub fn new(seed: u64, epoch: Instant) -> Self {
        Self {
            start: epoch,
            now: epoch,
            hosts: Vec::new(),
            in_flight: BinaryHeap::new(),
            deliveries: Vec::new(),
            sequence: 0,
            rng: SplitMix64(seed),
            latency: Duration::from_micros(100),
            jitter: Duration::ZERO,
            loss_percent: 0,
            records: Vec::new(),
        }
    }

    /// Adds a host running a virtual router per configuration. All hosts share one segment: every
    /// advert reaches every other live host in the same partition, on the sender's interface index.
    pub fn add_host(&mut self, configs: Vec<Config>) -> Result<HostId, RoutersError> {
        let mut pristine = Routers::new();
        for config in configs {
            pristine.add(config)?;
        }
        self.hosts.push(Host {
            routers: pristine.clone(),
            pristine,
            alive: true,
            partition: 0,
            addresses: BTreeSet::new(),
            delivered: 0,
            refused: 0,
            stalled_until: None,
            waiting: Vec::new(),
        });
        Ok(self.hosts.len() - 1)
    }

    /// The current virtual time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// The virtual time elapsed since the LAN was made.
    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    /// Sets the one-way latency and the random jitter added to it (uniform in `0..=jitter`).
    pub fn set_latency(&mut self, latency: Duration, jitter: Duration) {
        self.latency = latency;
        self.jitter = jitter;
    }

    /// Sets the share of packets lost, in percent (0–100).
    pub fn set_loss(&mut self, percent: u8) {
        self.loss_percent = percent.min(100);
    }

    /// Splits the LAN: each listed group of hosts hears only itself; unlisted hosts form one more.
    pub fn partition(&mut self, groups: &[&[HostId]]) {
        for host in &mut self.hosts {
            host.partition = 0;
        }
        for (i, group) in groups.iter().enumerate() {
            for &host in *group {
                self.hosts[host].partition = u32::try_from(i + 1).unwrap_or(u32::MAX);
            }
        }
    }

    /// Joins the LAN again.
    pub fn heal(&mut self) {
        self.partition(&[]);
    }

    /// Starts the routers of every host.
    pub fn start_all(&mut self) {
        for host in 0..self.hosts.len() {
            self.hosts[host].routers.start(self.now);
            self.collect(host);
        }
    }

    /// Kills a host: its routers stop without a word and its addresses vanish.
    pub fn crash(&mut self, host: HostId) {
        let h = &mut self.hosts[host];
        h.alive = false;
        h.addresses.clear();
        h.stalled_until = None;
        h.waiting.clear();
        h.routers = h.pristine.clone();
        self.log(host, None, RecordKind::Crashed);
    }

    /// Boots a crashed host again and starts its routers.
    pub fn restart(&mut self, host: HostId) {
        let h = &mut self.hosts[host];
        h.alive = true;
        h.routers = h.pristine.clone();
        h.routers.start(self.now);
        self.log(host, None, RecordKind::Restarted);
        self.collect(host);
    }

    /// Shuts a host's routers down cleanly (a Master sends priority 0 and releases its addresses).
    pub fn stop(&mut self, host: HostId) {
        self.hosts[host].routers.shutdown(self.now);
        self.log(host, None, RecordKind::Stopped);
        self.collect(host);
    }

    /// Stops a host's routers make-before-break (see [`Routers::hand_over`]): a Master sends
    /// priority 0 and keeps its addresses until it hears the new Master.
    pub fn hand_over(&mut self, host: HostId) {
        self.hosts[host].routers.hand_over(self.now);
        self.log(host, None, RecordKind::Stopped);
        self.collect(host);
    }

    /// Tells a host's router for `vrid` whether its service is healthy (see
    /// [`Routers::set_healthy`]): an unhealthy Master steps down.
    pub fn set_healthy(&mut self, host: HostId, vrid: Vrid, healthy: bool) {
        if let Some(key) = self.key(host, vrid) {
            self.hosts[host]
                .routers
                .set_healthy(self.now, &key, healthy);
            self.collect(host);
        }
    }

    /// Stalls a host for `duration`, as a stopped process (SIGSTOP) or a long pause would: it runs
    /// no timer and reads nothing until then; the packets that reach it meanwhile wait, and when it
    /// resumes it reads them all, then runs the timers that are due, as a driver does.
    pub fn stall(&mut self, host: HostId, duration: Duration) {
        self.hosts[host].stalled_until = Some(self.now + duration);
        self.log(host, None, RecordKind::Stalled);
    }

    /// Sets the tracked priority of a host's router for `vrid` (on any interface and family).
    pub fn set_priority(&mut self, host: HostId, vrid: Vrid, priority: Priority) {
        if let Some(key) = self.key(host, vrid) {
            self.hosts[host]
                .routers
                .set_priority(self.now, &key, priority);
            self.collect(host);
        }
    }

    /// Runs the LAN for `duration` of virtual time.
    pub fn run_for(&mut self, duration: Duration) {
        self.run_until(self.now + duration);
    }

    /// Runs the LAN until virtual time `until`: deliveries and timers in time order.
    pub fn run_until(&mut self, until: Instant) {
        loop {
            let next_delivery = self.in_flight.peek().map(|Reverse((at, _, _))| *at);
            let next_timer = self
                .hosts
                .iter()
                .filter(|h| h.alive)
                .filter_map(|h| h.stalled_until.or_else(|| h.routers.poll_timeout()))
                .min();
            let next = match (next_delivery, next_timer) {
                (Some(d), Some(t)) => d.min(t),
                (d, t) => match d.or(t) {
                    Some(at) => at,
                    None => break,
                },
            };
            if next > until {
                break;
            }
            self.now = self.now.max(next);
            if next_delivery == Some(next) {
                self.deliver_next();
            } else {
                for host in 0..self.hosts.len() {
                    if self.hosts[host].alive {
                        self.resume_if_due(host);
                        if self.hosts[host].stalled_until.is_none() {
                            self.hosts[host].routers.handle_timeout(self.now);
                            self.collect(host);
                        }
                    }
                }
            }
        }
        self.now = self.now.max(until);
    }

    /// The state of a host's router for `vrid`, if it has one.
    pub fn state(&self, host: HostId, vrid: Vrid) -> Option<State> {
        let key = self.key(host, vrid)?;
        self.hosts[host].routers.get(&key).map(|r| r.state())
    }

    /// The hosts whose router for `vrid` is Master.
    pub fn masters(&self, vrid: Vrid) -> Vec<HostId> {
        (0..self.hosts.len())
            .filter(|&h| self.state(h, vrid) == Some(State::Master))
            .collect()
    }

    /// A host's routers.
    pub fn routers(&self, host: HostId) -> &Routers {
        &self.hosts[host].routers
    }

    /// Whether a host is up.
    pub fn is_alive(&self, host: HostId) -> bool {
        self.hosts[host].alive
    }

    /// The virtual addresses a host has configured.
    pub fn addresses(&self, host: HostId) -> &BTreeSet<IpAddr> {
        &self.hosts[host].addresses
    }

    /// Packets delivered to a host, and how many of them its routers refused.
    pub fn deliveries(&self, host: HostId) -> (u64, u64) {
        (self.hosts[host].delivered, self.hosts[host].refused)
    }

    /// How many hosts there are.
    pub fn host_count(&self) -> usize {
        self.hosts.len()
    }

    /// Everything that happened, in order.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    fn key(&self, host: HostId, vrid: Vrid) -> Option<RouterKey> {
        self.hosts[host]
            .routers
            .iter()
            .map(|(key, _)| key)
            .find(|key| key.vrid == vrid)
    }

    fn log(&mut self, host: HostId, router: Option<RouterKey>, kind: RecordKind) {
        self.records.push(Record {
            at: self.now - self.start,
            host,
            router,
            kind,
        });
    }

    /// Carries out a host's pending actions.
    fn collect(&mut self, host: HostId) {
        while let Some((key, action)) = self.hosts[host].routers.poll_action() {
            let kind = match action {
                Action::Send(transmit) => {
                    // The router's own message, whose structure is sound.
                    let priority = Packet::new_checked(
                        &transmit.payload[..],
                        AddressFamily::of(transmit.source),
                    )
                    .map_or(Priority::SHUTDOWN, |packet| {
                        Priority::new(packet.priority())
                    });
                    self.transmit(host, transmit);
                    RecordKind::AdvertSent(priority)
                }
                Action::AddAddresses { addresses, .. } => {
                    self.hosts[host].addresses.extend(addresses.iter());
                    RecordKind::AddressesAdded
                }
                Action::RemoveAddresses(addresses) => {
                    for address in addresses.iter() {
                        self.hosts[host].addresses.remove(&address);
                    }
                    RecordKind::AddressesRemoved
                }
                Action::Announce { .. } => RecordKind::Announced,
                Action::AdvertiseRouter { .. } => RecordKind::RouterAdvertised,
                Action::LowerPriorityMaster { source, priority } => {
                    RecordKind::LowerPriorityMaster { source, priority }
                }
                Action::StateChanged { from, to, reason } => {
                    RecordKind::StateChanged { from, to, reason }
                }
            };
            self.log(host, Some(key), kind);
        }
    }

    fn transmit(&mut self, from: HostId, transmit: crate::Transmit) {
        let partition = self.hosts[from].partition;
        for to in 0..self.hosts.len() {
            if to == from || self.hosts[to].partition != partition {
                continue;
            }
            if self.loss_percent > 0 && self.rng.below(100) < u64::from(self.loss_percent) {
                continue;
            }
            let jitter_nanos = u64::try_from(self.jitter.as_nanos()).unwrap_or(u64::MAX);
            let jitter = Duration::from_nanos(self.rng.below(jitter_nanos.saturating_add(1)));
            let rx = match (transmit.source, transmit.destination) {
                (IpAddr::V4(s), IpAddr::V4(d)) => {
                    RxMeta::ipv4(s, d, transmit.hop_limit, transmit.interface_index)
                }
                (IpAddr::V6(s), IpAddr::V6(d)) => {
                    RxMeta::ipv6(s, d, transmit.hop_limit, transmit.interface_index)
                }
                // A router only emits one family per advert; nothing else reaches here.
                _ => continue,
            };
            let at = self.now + self.latency + jitter;
            self.sequence += 1;
            self.deliveries.push(Some(Delivery {
                to,
                partition,
                rx,
                payload: transmit.payload.clone(),
            }));
            self.in_flight
                .push(Reverse((at, self.sequence, self.deliveries.len() - 1)));
        }
    }

    /// Resumes a stalled host whose stall is over: it reads the packets that waited, in order.
    fn resume_if_due(&mut self, host: HostId) {
        if self.hosts[host]
            .stalled_until
            .is_none_or(|at| at > self.now)
        {
            return;
        }
        self.hosts[host].stalled_until = None;
        self.log(host, None, RecordKind::Resumed);
        for (rx, payload) in std::mem::take(&mut self.hosts[host].waiting) {
            self.receive(host, &rx, &payload);
        }
    }

    /// Hands a packet to a host's routers and carries out what they ask.
    fn receive(&mut self, to: HostId, rx: &RxMeta, payload: &[u8]) {
        let host = &mut self.hosts[to];
        host.delivered += 1;
        if host.routers.handle_packet(self.now, rx, payload).is_err() {
            host.refused += 1;
        }
        self.collect(to);
    }

    fn deliver_next(&mut self) {
        let Some(Reverse((_, _, index))) = self.in_flight.pop() else {
            return;
        };
        let Some(delivery) = self.deliveries.get_mut(index).and_then(Option::take) else {
            return;
        };
        let host = &mut self.hosts[delivery.to];
        // A packet in flight is lost if its receiver died or was cut off meanwhile.
        if !host.alive || host.partition != delivery.partition {
            return;
        }
        if host.stalled_until.is_some() {
            host.waiting.push((delivery.rx, delivery.payload));
        } else {
            self.receive(delivery.to, &delivery.rx, &delivery.payload);
        }
        if self.in_flight.is_empty() {
            self.deliveries.clear();
        }
    }
}

/// SplitMix64 (Steele, Lea and Flood, 2014): small, fast, and the same numbers for the same seed.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (0 when `bound` is 0).
    fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 { 0 } else { self.next() % bound }
    }
}

#[cfg(test)]
mod tests {
    use super::SplitMix64;

    #[test]
    fn splitmix64_gives_the_reference_sequence() {
        // The first outputs of the reference implementation seeded with 0.
        let mut rng = SplitMix64(0);
        assert_eq!(rng.next(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(rng.next(), 0x06C4_5D18_8009_454F);
    }

    #[test]
    fn below_stays_below_its_bound_and_zero_bounds_nothing() {
        let mut rng = SplitMix64(1);
        assert_eq!(rng.below(0), 0);
        let draws: Vec<u64> = (0..1000).map(|_| rng.below(10)).collect();
        assert!(draws.iter().all(|&d| d < 10));
        assert!((0..10).all(|d| draws.contains(&d)), "every value comes up");
    }
}
