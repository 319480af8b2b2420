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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AddressFamily, Vrid};

    fn key(vrid: u8) -> RouterKey {
        RouterKey {
            interface_index: 2,
            family: AddressFamily::Ipv4,
            vrid: Vrid::new(vrid).expect("not 0"),
        }
    }

    #[test]
    fn the_backoff_doubles_up_to_its_maximum_and_a_served_router_starts_again() {
        let now = Instant::now();
        let mut health = Health::default();
        let waits: Vec<Duration> = (0..8)
            .map(|_| health.address_failed(now, key(1)) - now)
            .collect();
        let secs: Vec<u64> = waits.iter().map(Duration::as_secs).collect();
        assert_eq!(secs, [10, 20, 40, 80, 160, 300, 300, 300]);
        health.served(&key(1));
        assert_eq!(health.address_failed(now, key(1)), now + FIRST_BACKOFF);
    }

    #[test]
    fn a_router_is_due_again_when_its_wait_ends() {
        let now = Instant::now();
        let mut health = Health::default();
        assert_eq!(health.next_retry(), None);
        let first = health.address_failed(now, key(1));
        health.address_failed(now + Duration::from_secs(1), key(2));
        assert!(!health.is_healthy(&key(1)));
        assert_eq!(health.next_retry(), Some(first));
        assert_eq!(health.take_due(first - Duration::from_nanos(1)), []);
        assert_eq!(health.take_due(first), [key(1)]);
        assert!(health.is_healthy(&key(1)));
        assert_eq!(
            health.next_retry(),
            Some(now + Duration::from_secs(1) + FIRST_BACKOFF)
        );
    }

    #[test]
    fn a_forgotten_router_leaves_nothing_behind() {
        let now = Instant::now();
        let mut health = Health::default();
        health.set_application(key(1), false);
        health.address_failed(now, key(1));
        health.address_failed(now, key(1));
        health.forget(&key(1));
        assert!(health.is_healthy(&key(1)));
        assert_eq!(health.next_retry(), None);
        assert_eq!(health.address_failed(now, key(1)), now + FIRST_BACKOFF);
    }
}
