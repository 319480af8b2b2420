//! Logs from the host layer through `tracing` (feature `tracing`; without it, everything here
//! compiles to nothing).
//!
//! - [`event`] (public as `vrrp::host::log_event`): an [`Event`] as a log line. The Linux driver
//!   logs every event it reports.
//! - [`DiscardLog`]: received packets that were discarded (RFC 5798 §7.1: the receiver "SHOULD
//!   log the event"), at most one line per virtual router and reason every
//!   [`DISCARD_LOG_INTERVAL`], which counts the ones it held back; adverts processed with a
//!   mismatch (RFC 9568 §7.1) or from a second owner (§8.3.2) the same way. Time is the `now` the event
//!   loop is given: it never reads the clock.

use std::time::Instant;
#[cfg(feature = "tracing")]
use std::{collections::HashMap, time::Duration};

use crate::host::Event;
use crate::packet::{RxError, RxMeta};
#[cfg(feature = "tracing")]
use crate::{AddressFamily, Counter};
use crate::{RouterKey, Routers};

/// At most one line per virtual router and discard reason in this interval.
#[cfg(feature = "tracing")]
pub(crate) const DISCARD_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// Past this many (router, reason) pairs, the ones whose interval is over are forgotten.
#[cfg(feature = "tracing")]
const MAX_TRACKED: usize = 1024;

/// Logs `event` through `tracing` (feature `tracing`; without it, does nothing): state and
/// priority changes at `info`; backend failures, restored addresses, address conflicts, a primary
/// address gone, a router with Accept_Mode off and transient errors at `warn`; a primary address back, an interface created
/// again, a resynchronization and a command for an unknown router at `info`. Statistics are not
/// logged. The Linux driver logs every event it reports; a driver of its own on
/// [`EventLoop`](crate::host::EventLoop) calls this for the same lines.
#[cfg(feature = "tracing")]
pub fn event(event: &Event) {
    use tracing::{info, warn};
    match event {
        Event::StateChanged {
            router,
            from,
            to,
            reason,
        } => info!(
            interface = router.interface_index,
            vrid = router.vrid.get(),
            family = %router.family,
            %from,
            %to,
            %reason,
            "virtual router {router} is {to} (was {from}): {reason}"
        ),
        Event::PriorityChanged { router, from, to } => info!(
            interface = router.interface_index,
            vrid = router.vrid.get(),
            family = %router.family,
            from = from.get(),
            to = to.get(),
            "virtual router {router} advertises priority {to} (was {from})"
        ),
        Event::BackendFailed {
            router,
            operation,
            error,
        } => warn!(
            interface = router.interface_index,
            vrid = router.vrid.get(),
            family = %router.family,
            %operation,
            %error,
            "virtual router {router}: {operation} failed: {error}"
        ),
        Event::AddressRestored {
            router,
            interface_index,
            address,
        } => warn!(
            interface = router.interface_index,
            vrid = router.vrid.get(),
            family = %router.family,
            address_interface = interface_index,
            %address,
            "{address} of virtual router {router} was removed by someone else; added it again"
        ),
        Event::AcceptModeOff { router, addresses } => {
            let list = addresses
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            warn!(
                interface = router.interface_index,
                vrid = router.vrid.get(),
                family = %router.family,
                addresses = %list,
                "virtual router {router} runs with Accept_Mode off: while Master, its host refuses \
                 every packet sent to {list}; a service that answers on them needs accept"
            );
        }
        Event::AddressConflict {
            router,
            address,
            count,
        } => warn!(
            interface = router.interface_index,
            vrid = router.vrid.get(),
            family = %router.family,
            %address,
            count,
            "another router advertises with the primary address {address} of virtual router {router}"
        ),
        Event::PrimaryAddress {
            router,
            address,
            present: false,
        } => warn!(
            interface = router.interface_index,
            vrid = router.vrid.get(),
            family = %router.family,
            %address,
            "the primary address {address} of virtual router {router} is gone: Fault until it is back"
        ),
        Event::PrimaryAddress {
            router,
            address,
            present: true,
        } => info!(
            interface = router.interface_index,
            vrid = router.vrid.get(),
            family = %router.family,
            %address,
            "the primary address {address} of virtual router {router} is back"
        ),
        Event::InterfaceRecreated {
            interface_index,
            new_index,
            name,
        } => info!(
            interface = interface_index,
            new_index,
            name = name.as_str(),
            "interface {name} was created again (index {new_index}); its routers moved to it"
        ),
        Event::TransientError { operation, error } => warn!(
            operation,
            %error,
            "{operation} failed, trying again: {error}"
        ),
        Event::Resynchronized => {
            info!(
                "read the links and addresses again (changes lost, or an interface created again)"
            );
        }
        Event::RealtimeRaised { late, priority } => warn!(
            priority,
            "a deadline was served {late:?} late: running SCHED_RR at priority {priority} now"
        ),
        Event::UnknownRouter(router) => info!(
            interface = router.interface_index,
            vrid = router.vrid.get(),
            family = %router.family,
            "a command named virtual router {router}, which does not run"
        ),
        Event::LowerPriorityMaster {
            router,
            source,
            priority,
        } => info!(
            interface = router.interface_index,
            vrid = router.vrid.get(),
            family = %router.family,
            %source,
            priority = priority.get(),
            "virtual router {router} is Master and heard {source} advertise priority {priority}"
        ),
        Event::Restored {
            router: Some(router),
            entry,
        } => warn!(
            interface = router.interface_index,
            vrid = router.vrid.get(),
            family = %router.family,
            %entry,
            "the {entry} of virtual router {router} was deleted by someone else; added it again"
        ),
        Event::Restored {
            router: None,
            entry,
        } => warn!(%entry, "the static {entry} was deleted by someone else; added it again"),
        Event::StaticFailed { operation, error } => warn!(
            %operation,
            %error,
            "static configuration: {operation} failed: {error}"
        ),
        // The state change that comes with a new Master says it; discarded adverts are logged
        // where they are discarded, rate-limited (`DiscardLog`); statistics are not logged.
        Event::NewMaster { .. } | Event::ProtocolError { .. } | Event::Stats(_) => {}
    }
}

/// Logs `event` through `tracing` (feature `tracing`; without it, as now, does nothing).
#[cfg(not(feature = "tracing"))]
pub fn event(_: &Event) {}

/// Which discards share a line: the interface, family and VRID of the packet (the VRID byte,
/// whatever it is: `None` when the packet is too short to have one) and what the line is about.
#[cfg(feature = "tracing")]
type DiscardKey = (Option<u32>, Option<AddressFamily>, Option<u8>, Topic);

/// What a rate-limited line is about.
#[cfg(feature = "tracing")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Topic {
    /// A discard, or a mismatch processed anyway, counted in this counter.
    Counted(Counter),
    /// A second owner (RFC 9568 §8.3.2).
    SecondOwner,
    /// Mastership lost soon after it was taken (RFC 9568 §2.5).
    Flap,
    /// An authenticated advert from a clock more than half the freshness window away.
    ClockSkew,
}

/// A (router, reason)'s last line and the discards held back since.
#[cfg(feature = "tracing")]
#[derive(Clone, Copy, Debug)]
struct Window {
    logged: Instant,
    suppressed: u64,
}

/// A router's discard counters, then its owner conflicts, flaps and clock skews.
#[cfg(feature = "tracing")]
type Counts = ([u64; Counter::ALL.len()], (u64, u64, u64));

/// A router's discard counters before a packet ([`DiscardLog::before`]).
#[derive(Debug)]
pub(crate) struct Before {
    #[cfg(feature = "tracing")]
    errors: Option<(RouterKey, Counts)>,
}

/// The discard counters of `stats`, in the order of [`Counter::ALL`].
#[cfg(feature = "tracing")]
fn errors(stats: &crate::Stats) -> [u64; Counter::ALL.len()] {
    let mut errors = [0; Counter::ALL.len()];
    for (slot, &counter) in errors.iter_mut().zip(Counter::ALL) {
        *slot = stats.errors(counter);
    }
    errors
}

/// The rate limiter of the discarded-packet lines of one event loop.
#[derive(Debug, Default)]
pub(crate) struct DiscardLog {
    #[cfg(feature = "tracing")]
    windows: HashMap<DiscardKey, Window>,
    /// The latest time the event loop was given, for the datagrams that come without one.
    #[cfg(feature = "tracing")]
    latest: Option<Instant>,
}

impl DiscardLog {
    /// Notes the time the event loop was given.
    #[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
    pub(crate) fn tick(&mut self, now: Instant) {
        #[cfg(feature = "tracing")]
        {
            self.latest = Some(self.latest.map_or(now, |latest| latest.max(now)));
        }
    }

    /// The discard counters of the router `payload` (received as `rx`) is for, before it is
    /// handed to `routers`: what [`packet`](Self::packet) compares with.
    #[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
    pub(crate) fn before(&self, routers: &Routers, rx: &RxMeta, payload: &[u8]) -> Before {
        #[cfg(feature = "tracing")]
        {
            let key = crate::packet::peek_vrid(payload).map(|vrid| RouterKey {
                interface_index: rx.interface_index(),
                family: rx.family(),
                vrid,
            });
            let errors = key.and_then(|key| {
                let stats = routers.get(&key)?.stats();
                let counts = (stats.owner_conflicts, stats.flaps, stats.auth_clock_skews());
                Some((key, (errors(stats), counts)))
            });
            Before { errors }
        }
        #[cfg(not(feature = "tracing"))]
        Before {}
    }

    /// Logs what became of the VRRP message `payload`, received as `rx`: discarded for an error,
    /// or processed with a mismatch its router counted (RFC 9568 §7.1: a VRRPv3 advert whose
    /// interval or address list differs from the configuration is logged, counted and processed;
    /// `before` holds the counters before it), or from a second owner (RFC 9568 §8.3.2). At most one line per router and reason every
    /// [`DISCARD_LOG_INTERVAL`].
    #[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
    pub(crate) fn packet(
        &mut self,
        now: Instant,
        rx: &RxMeta,
        payload: &[u8],
        result: &Result<RouterKey, RxError>,
        routers: &Routers,
        before: Before,
    ) {
        #[cfg(feature = "tracing")]
        match result {
            Err(error) => self.discarded(now, rx, payload, error),
            Ok(key) => {
                self.tick(now);
                let (Some((counted, (earlier, (owners, flaps, skews)))), Some(router)) =
                    (before.errors, routers.get(key))
                else {
                    return;
                };
                if counted != *key {
                    return;
                }
                let owner = (
                    Some(key.interface_index),
                    Some(key.family),
                    Some(key.vrid.get()),
                );
                if router.stats().owner_conflicts > owners
                    && let Some(suppressed) =
                        self.due(now, (owner.0, owner.1, owner.2, Topic::SecondOwner))
                {
                    let source = rx.source();
                    tracing::warn!(
                        interface = key.interface_index,
                        family = %key.family,
                        vrid = key.vrid.get(),
                        %source,
                        suppressed,
                        "virtual router {key} owns its addresses, and {source} advertises priority \
                         255 too (RFC 9568 §8.3.2); processed it: the tie-break decides"
                    );
                }
                if router.stats().flaps > flaps
                    && let Some(suppressed) =
                        self.due(now, (owner.0, owner.1, owner.2, Topic::Flap))
                {
                    let source = rx.source();
                    tracing::warn!(
                        interface = key.interface_index,
                        family = %key.family,
                        vrid = key.vrid.get(),
                        %source,
                        flaps = router.stats().flaps,
                        suppressed,
                        "virtual router {key} lost mastership to {source} soon after taking it: \
                         flapping (RFC 9568 §2.5); late advertisements from {source} (egress \
                         queueing at a small interval?) or a Master that keeps restarting"
                    );
                }
                if router.stats().auth_clock_skews() > skews
                    && let Some(suppressed) =
                        self.due(now, (owner.0, owner.1, owner.2, Topic::ClockSkew))
                {
                    let source = rx.source();
                    tracing::warn!(
                        interface = key.interface_index,
                        family = %key.family,
                        vrid = key.vrid.get(),
                        %source,
                        suppressed,
                        "virtual router {key}: the clock of {source} is more than half the HMAC \
                         freshness window away from ours; its adverts will be refused as stale \
                         once it reaches the window (check NTP on both)"
                    );
                }
                for &counter in Counter::ALL {
                    if router.stats().errors(counter) <= earlier[counter.index()] {
                        continue;
                    }
                    let id = (
                        Some(key.interface_index),
                        Some(key.family),
                        Some(key.vrid.get()),
                        Topic::Counted(counter),
                    );
                    if let Some(suppressed) = self.due(now, id) {
                        let source = rx.source();
                        tracing::warn!(
                            interface = key.interface_index,
                            family = %key.family,
                            vrid = key.vrid.get(),
                            %source,
                            %counter,
                            suppressed,
                            "an advertisement from {source} for virtual router {key} differs from \
                             the configuration ({counter}); processed it"
                        );
                    }
                }
            }
        }
    }

    /// Logs that `payload`, received as `rx`, was discarded for `error`, unless a line for its
    /// router and reason was written less than [`DISCARD_LOG_INTERVAL`] ago.
    #[cfg(feature = "tracing")]
    fn discarded(&mut self, now: Instant, rx: &RxMeta, payload: &[u8], error: &RxError) {
        {
            self.tick(now);
            let vrid = payload.get(1).copied();
            let key = (
                Some(rx.interface_index()),
                Some(rx.family()),
                vrid,
                Topic::Counted(error.counter()),
            );
            if let Some(suppressed) = self.due(now, key) {
                let source = rx.source();
                let interface = rx.interface_index();
                let family = rx.family();
                let counter = error.counter();
                let vrid = vrid.map(u32::from);
                match counter {
                    // Other VRIDs on the same LAN are normal, unknown unicast peers may be.
                    Counter::VrIdErrors | Counter::UnknownPeerErrors => tracing::debug!(
                        interface, %family, vrid, %source, %counter, suppressed,
                        "discarded an advertisement from {source} on interface {interface}: {error}"
                    ),
                    _ => tracing::warn!(
                        interface, %family, vrid, %source, %counter, suppressed,
                        "discarded an advertisement from {source} on interface {interface}: {error}"
                    ),
                }
            }
        }
    }

    /// Logs that a datagram whose IP header could not be taken apart was discarded for `error`,
    /// at most once per reason every [`DISCARD_LOG_INTERVAL`] of the event loop's time.
    #[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
    pub(crate) fn malformed(&mut self, error: &RxError) {
        #[cfg(feature = "tracing")]
        {
            let counter = error.counter();
            let suppressed = match self.latest {
                Some(now) => self.due(now, (None, None, None, Topic::Counted(counter))),
                None => Some(0),
            };
            if let Some(suppressed) = suppressed {
                tracing::warn!(%counter, suppressed, "discarded a malformed datagram: {error}");
            }
        }
    }

    /// Whether a line for `key` is due at `now`, with how many were held back since the last one.
    #[cfg(feature = "tracing")]
    fn due(&mut self, now: Instant, key: DiscardKey) -> Option<u64> {
        let over =
            |window: &Window| now.saturating_duration_since(window.logged) >= DISCARD_LOG_INTERVAL;
        if let Some(window) = self.windows.get_mut(&key) {
            if !over(window) {
                window.suppressed += 1;
                return None;
            }
            let suppressed = window.suppressed;
            *window = Window {
                logged: now,
                suppressed: 0,
            };
            return Some(suppressed);
        }
        if self.windows.len() >= MAX_TRACKED {
            self.windows.retain(|_, window| !over(window));
        }
        self.windows.insert(
            key,
            Window {
                logged: now,
                suppressed: 0,
            },
        );
        Some(0)
    }
}
