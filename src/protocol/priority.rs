//! The priority field of an advertisement (RFC 5798 §5.2.4).

use std::fmt;

/// A router's priority for a virtual router (RFC 5798 §5.2.4).
///
/// On the wire every value is possible: 255 is sent by the address owner, 1–254 by backups and 0 by a
/// Master that stops participating. Which values a router may be configured with is the configuration's
/// concern: [`ConfigBuilder::build`](crate::ConfigBuilder::build) takes 1–254, or 255 for the
/// owner.
///
/// Every octet is a priority, so [`new`](Self::new) (a `const fn`) and `From<u8>` cannot fail:
///
/// ```
/// use vrrp::Priority;
///
/// const BACKUP: Priority = Priority::new(150);
/// assert_eq!(Priority::from(150), BACKUP);
/// assert_eq!(u8::from(Priority::OWNER), 255);
/// assert!(BACKUP > Priority::DEFAULT);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Priority(u8);

impl Priority {
    /// Priority 0: the Master stops participating and a Backup takes over after Skew_Time.
    pub const SHUTDOWN: Self = Self(0);
    /// The default priority of a backup router (RFC 5798 §5.2.4).
    pub const DEFAULT: Self = Self(100);
    /// Priority 255: the router owns the virtual addresses.
    pub const OWNER: Self = Self(255);

    /// The priority `value`.
    pub const fn new(value: u8) -> Self {
        Self(value)
    }

    /// The priority as it appears on the wire.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// This configured priority moved by a tracking `weight` (keepalived's rule): plus the
    /// weight, clamped to 1–254; the owner's 255 never moves.
    ///
    /// ```
    /// use vrrp::Priority;
    ///
    /// assert_eq!(Priority::new(200).tracked(100), Priority::new(254));
    /// assert_eq!(Priority::new(100).tracked(-150), Priority::new(1));
    /// assert_eq!(Priority::OWNER.tracked(-50), Priority::OWNER);
    /// ```
    pub fn tracked(self, weight: i16) -> Self {
        if self == Self::OWNER {
            return self;
        }
        let priority = i16::from(self.0).saturating_add(weight).clamp(1, 254);
        // The clamp keeps it within a u8.
        Self(u8::try_from(priority).unwrap_or(254))
    }
}

impl Default for Priority {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl From<u8> for Priority {
    fn from(value: u8) -> Self {
        Self(value)
    }
}

impl From<Priority> for u8 {
    fn from(priority: Priority) -> Self {
        priority.0
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_pkt_07_default_priority_is_100_and_the_reserved_values_are_named() {
        assert_eq!(Priority::default().get(), 100);
        assert_eq!((Priority::SHUTDOWN.get(), Priority::OWNER.get()), (0, 255));
    }

    #[test]
    fn a_priority_converts_to_and_from_its_octet_and_prints_as_a_number() {
        assert_eq!(Priority::from(150), Priority::new(150));
        assert_eq!(u8::from(Priority::new(150)), 150);
        assert_eq!(Priority::new(150).to_string(), "150");
    }
}
