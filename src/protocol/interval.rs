//! The advertisement interval, kept in centiseconds whatever the protocol version.

use std::fmt;
use std::num::NonZeroU16;
use std::time::Duration;

/// An advertisement interval in centiseconds (RFC 5798 §5.2.7), never zero (RFC 9568 erratum 8301).
///
/// VRRPv3 carries 12 bits of centiseconds (1–4095). VRRPv2 carries whole seconds in 8 bits (RFC 3768
/// §5.3.7), which this type holds as a multiple of 100 centiseconds, so that the units of the two
/// versions cannot be mixed up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval(NonZeroU16);

impl Interval {
    /// The default interval of one second (RFC 5798 §5.2.7).
    pub const DEFAULT: Self = Self(NonZeroU16::MIN.saturating_add(99));
    /// The largest interval VRRPv3 can carry: 4095 centiseconds.
    pub const V3_MAX_CENTIS: u16 = 0x0FFF;
    /// The largest interval VRRPv2 can carry: 255 seconds.
    pub const V2_MAX_SECS: u8 = u8::MAX;

    /// An interval of `centis` centiseconds, or `None` for zero.
    pub const fn from_centis(centis: u16) -> Option<Self> {
        match NonZeroU16::new(centis) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }

    /// An interval of `secs` whole seconds, as VRRPv2 carries it, or `None` for zero.
    pub const fn from_secs(secs: u8) -> Option<Self> {
        // 255 × 100 fits in a u16.
        Self::from_centis(secs as u16 * 100)
    }

    /// The interval in centiseconds.
    pub const fn as_centis(self) -> u16 {
        self.0.get()
    }

    /// The interval in whole seconds if it is a whole number of seconds that VRRPv2 can carry.
    pub const fn as_v2_secs(self) -> Option<u8> {
        let centis = self.0.get();
        if centis.is_multiple_of(100) && centis / 100 <= Self::V2_MAX_SECS as u16 {
            Some((centis / 100) as u8)
        } else {
            None
        }
    }

    /// The interval as a [`Duration`].
    pub const fn as_duration(self) -> Duration {
        Duration::from_millis(self.0.get() as u64 * 10)
    }
}

impl Default for Interval {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} cs", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_prints_in_centiseconds() {
        assert_eq!(Interval::DEFAULT.to_string(), "100 cs");
        assert_eq!(Interval::from_centis(5).unwrap().to_string(), "5 cs");
    }

    #[test]
    fn zero_is_no_interval() {
        assert_eq!(Interval::from_centis(0), None);
        assert_eq!(Interval::from_secs(0), None);
    }

    #[test]
    fn v2_seconds_are_whole_and_at_most_255() {
        assert_eq!(
            Interval::from_secs(255).map(Interval::as_centis),
            Some(25_500)
        );
        assert_eq!(
            Interval::from_centis(300).and_then(Interval::as_v2_secs),
            Some(3)
        );
        assert_eq!(
            Interval::from_centis(350).and_then(Interval::as_v2_secs),
            None
        );
        assert_eq!(
            Interval::from_centis(25_600).and_then(Interval::as_v2_secs),
            None
        );
    }

    #[test]
    fn centiseconds_convert_to_milliseconds() {
        let interval = Interval::from_centis(4095).expect("non-zero");
        assert_eq!(interval.as_duration(), Duration::from_millis(40_950));
        assert_eq!(Interval::default().as_duration(), Duration::from_secs(1));
    }
}
