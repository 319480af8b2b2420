//! The protocol's derived times (RFC 5798 §6.1, RFC 3768 §6.1), kept to the nanosecond.

use std::time::Duration;

use crate::packet::Version;
use crate::{Interval, Priority};

/// Skew_Time: how much longer a lower-priority Backup waits before taking over.
///
/// VRRPv3 (RFC 5798 §6.1): `((256 − Priority) × Master_Adver_Interval) / 256`, so (100, 100 cs) gives
/// 609.375 ms. VRRPv2 (RFC 3768 §6.1): `(256 − Priority) / 256` seconds, whatever the interval.
/// Rounded down to the nanosecond; FRR truncates to whole centiseconds, which makes ties likelier.
pub fn skew_time(
    version: Version,
    priority: Priority,
    master_adver_interval: Interval,
) -> Duration {
    let weight = 256 - u64::from(priority.get());
    let base_nanos = match version {
        Version::V3 => u64::from(master_adver_interval.as_centis()) * 10_000_000,
        Version::V2 => 1_000_000_000,
    };
    Duration::from_nanos(weight * base_nanos / 256)
}

/// Master_Down_Interval: `adverts × Master_Adver_Interval + Skew_Time`, where RFC 5798 §6.1 has
/// `adverts` 3 (other counts are keepalived's `down_timer_adverts`). For VRRPv2 the interval is
/// the locally configured one (RFC 3768 §6.1), which the caller passes.
pub fn master_down_interval(
    version: Version,
    priority: Priority,
    master_adver_interval: Interval,
    adverts: u8,
) -> Duration {
    u32::from(adverts) * master_adver_interval.as_duration()
        + skew_time(version, priority, master_adver_interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cs(centis: u16) -> Interval {
        Interval::from_centis(centis).expect("non-zero")
    }

    #[test]
    fn v3_par_02_skew_time_table() {
        let skew = |p, i| skew_time(Version::V3, Priority::new(p), cs(i));
        assert_eq!(skew(100, 100), Duration::from_micros(609_375));
        assert_eq!(
            skew(254, 100),
            Duration::from_micros(7_812) + Duration::from_nanos(500)
        );
        assert_eq!(
            skew(1, 100),
            Duration::from_micros(996_093) + Duration::from_nanos(750)
        );
    }

    #[test]
    fn v3_par_03_master_down_interval_decreases_strictly_with_priority() {
        assert_eq!(
            master_down_interval(Version::V3, Priority::new(100), cs(100), 3),
            Duration::from_micros(3_609_375)
        );
        for interval in [1, 10, 100, 4095] {
            let mdi: Vec<_> = (1..=255)
                .map(|p| master_down_interval(Version::V3, Priority::new(p), cs(interval), 3))
                .collect();
            assert!(mdi.windows(2).all(|w| w[0] > w[1]), "interval {interval}");
        }
    }

    #[test]
    fn v2_05_skew_is_based_on_one_second_whatever_the_interval() {
        let interval = Interval::from_secs(3).expect("non-zero");
        assert_eq!(
            skew_time(Version::V2, Priority::new(100), interval),
            Duration::from_micros(609_375)
        );
        assert_eq!(
            master_down_interval(Version::V2, Priority::new(100), Interval::DEFAULT, 3),
            Duration::from_micros(3_609_375)
        );
    }
}
