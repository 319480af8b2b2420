//! IPv6 Router Advertisements for a virtual router (RFC 5798 §6.4.3, RFC 4861 §6.2): which the
//! Master sends, and a Backup never does.

use std::time::Duration;

/// The router advertisements an IPv6 virtual router's Master sends from the virtual link-local
/// address, for the prefixes of its other virtual addresses (RFC 5798 §6.4.3; keepalived leaves
/// them to radvd, FRR to zebra).
///
/// The first goes at once on becoming Master, two more every [`initial_interval`] (RFC 4861's
/// MAX_INITIAL_RTR_ADVERTISEMENTS and MAX_INITIAL_RTR_ADVERT_INTERVAL, shortened to `interval`
/// when it is shorter), then one every [`interval`]. They are not randomised as RFC 4861 §6.2.4
/// suggests: one Master sends for the virtual router, so no other router's advertisements can fall
/// into step with them. A Backup, and a Master that leaves, sends none (V3-FSM-05); none with a
/// router lifetime of zero either, as the next Master advertises from the same address.
///
/// [`initial_interval`]: RouterAdvertisements::INITIAL_INTERVAL
/// [`interval`]: RouterAdvertisements::interval
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RouterAdvertisements {
    /// MaxRtrAdvInterval: 4 s to 1,800 s (RFC 4861 §6.2.1), default 600 s.
    pub interval: Duration,
    /// AdvDefaultLifetime, the router lifetime advertised: at least `interval`, at most 9,000 s;
    /// default 3 × `interval` (1,800 s).
    pub lifetime: Duration,
}

impl RouterAdvertisements {
    /// The interval between the first advertisements after becoming Master.
    pub const INITIAL_INTERVAL: Duration = Duration::from_secs(16);
    /// How many advertisements go at [`INITIAL_INTERVAL`](Self::INITIAL_INTERVAL).
    pub const INITIAL_COUNT: u8 = 3;
    /// The shortest MaxRtrAdvInterval.
    pub const MIN_INTERVAL: Duration = Duration::from_secs(4);
    /// The longest MaxRtrAdvInterval.
    pub const MAX_INTERVAL: Duration = Duration::from_secs(1800);
    /// The longest router lifetime.
    pub const MAX_LIFETIME: Duration = Duration::from_secs(9000);

    /// Advertisements every `interval`, with a router lifetime of three times that (capped at
    /// 9,000 s).
    pub fn every(interval: Duration) -> Self {
        Self {
            interval,
            lifetime: (interval * 3).min(Self::MAX_LIFETIME),
        }
    }

    /// Whether the settings are within RFC 4861's bounds.
    pub fn is_valid(&self) -> bool {
        (Self::MIN_INTERVAL..=Self::MAX_INTERVAL).contains(&self.interval)
            && (self.interval..=Self::MAX_LIFETIME).contains(&self.lifetime)
    }

    /// The wait after the `sent`-th advertisement (from 1) since becoming Master.
    pub fn after(&self, sent: u8) -> Duration {
        if sent < Self::INITIAL_COUNT {
            self.interval.min(Self::INITIAL_INTERVAL)
        } else {
            self.interval
        }
    }
}

impl Default for RouterAdvertisements {
    fn default() -> Self {
        Self::every(Duration::from_secs(600))
    }
}
