//! What the event loop tells each router of its health: the application's word
//! ([`DriverHandle::set_healthy`](crate::host::DriverHandle::set_healthy)), and whether the host
//! could install its addresses. A Master whose virtual address cannot be added (again) steps down
//! rather than advertise an address it cannot serve, and is tried again after a backoff.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use crate::RouterKey;

/// The first wait before a router whose address could not be added is healthy again; it doubles
/// with every failure in a row, up to [`MAX_BACKOFF`].
pub(crate) const FIRST_BACKOFF: Duration = Duration::from_secs(10);

/// The longest wait between two attempts.
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// The health of every router, as the event loop keeps it.
#[derive(Debug, Default)]
pub(crate) struct Health {
    /// Routers the application said are unhealthy.
    unhealthy: HashSet<RouterKey>,
    /// Routers whose address could not be added: unhealthy until the instant, then tried again.
    unservable: HashMap<RouterKey, Instant>,
    /// The wait after the next failure, for routers that failed since they last held their
    /// addresses.
    backoff: HashMap<RouterKey, Duration>,
}

impl Health {
    /// Whether `key` is healthy: the application did not say otherwise and its addresses can be
    /// added, as far as is known.
    pub(crate) fn is_healthy(&self, key: &RouterKey) -> bool {
        !self.unhealthy.contains(key) && !self.unservable.contains_key(key)
    }

    /// Records the application's word.
    pub(crate) fn set_application(&mut self, key: RouterKey, healthy: bool) {
        if healthy {
            self.unhealthy.remove(&key);
        } else {
            self.unhealthy.insert(key);
        }
    }

    /// Records that an address of `key` could not be added at `now`; returns when it is tried
    /// again.
    pub(crate) fn address_failed(&mut self, now: Instant, key: RouterKey) -> Instant {
        let backoff = self.backoff.entry(key).or_insert(FIRST_BACKOFF);
        let retry = now + *backoff;
        *backoff = (*backoff * 2).min(MAX_BACKOFF);
        self.unservable.insert(key, retry);
        retry
    }

    /// Records that `key` became Master with its addresses added: the next failure starts
    /// the backoff again from [`FIRST_BACKOFF`].
    pub(crate) fn served(&mut self, key: &RouterKey) {
        self.backoff.remove(key);
    }

    /// The routers whose wait ended at `now`, no longer unservable.
    pub(crate) fn take_due(&mut self, now: Instant) -> Vec<RouterKey> {
        let due: Vec<RouterKey> = (self.unservable.iter())
            .filter(|&(_, &at)| at <= now)
            .map(|(&key, _)| key)
            .collect();
        for key in &due {
            self.unservable.remove(key);
        }
        due
    }

    /// When the next wait ends.
    pub(crate) fn next_retry(&self) -> Option<Instant> {
        self.unservable.values().min().copied()
    }

    /// Forgets a removed router.
    pub(crate) fn forget(&mut self, key: &RouterKey) {
        self.unhealthy.remove(key);
        self.unservable.remove(key);
        self.backoff.remove(key);
    }
}
