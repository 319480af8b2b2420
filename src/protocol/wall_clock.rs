//! The wall-clock time a caller passes in, for what needs UTC rather than a monotonic instant.

use std::time::{Duration, Instant, SystemTime};

/// A reading of the real-time clock (UTC since the Unix epoch) taken at a monotonic instant, from
/// which the wall-clock time at any nearby instant follows. The core reads no clock: the caller
/// reads both clocks ([`WallClock::from_system_time`] with `Instant::now()` and
/// `SystemTime::now()`, as the Linux driver does) and passes the reading in with
/// [`VirtualRouter::set_wall_clock`](crate::VirtualRouter::set_wall_clock) or
/// [`Routers::set_wall_clock`](crate::Routers::set_wall_clock) as often as it wants clock steps
/// followed; the Linux driver does it once per wake-up.
///
/// Only HMAC authentication needs it: its sequence numbers are UTC times, checked against a
/// freshness window.
///
/// ```
/// use std::time::{Duration, Instant};
/// use vrrp::WallClock;
///
/// let start = Instant::now();
/// let clock = WallClock::new(start, Duration::from_secs(1_800_000_000));
/// let later = start + Duration::from_millis(1500);
/// assert_eq!(clock.at(later), Duration::from_millis(1_800_000_001_500));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WallClock {
    at: Instant,
    since_epoch: Duration,
}

impl WallClock {
    /// The wall clock read `since_epoch` (UTC since 1970-01-01) at instant `at`.
    pub const fn new(at: Instant, since_epoch: Duration) -> Self {
        Self { at, since_epoch }
    }

    /// The reading `time` of the real-time clock, taken at instant `at`. A time before 1970
    /// reads as the epoch.
    pub fn from_system_time(at: Instant, time: SystemTime) -> Self {
        let since_epoch = time
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        Self { at, since_epoch }
    }

    /// The wall-clock time (since the epoch) at `now`, following the monotonic clock from the
    /// reading in either direction.
    pub fn at(&self, now: Instant) -> Duration {
        if now >= self.at {
            self.since_epoch + (now - self.at)
        } else {
            self.since_epoch.saturating_sub(self.at - now)
        }
    }
}
