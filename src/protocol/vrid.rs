//! The Virtual Router Identifier (RFC 5798 §5.2.3).

use std::fmt;
use std::num::NonZeroU8;

use crate::ConfigError;

/// A Virtual Router Identifier, 1–255 (RFC 5798 §5.2.3). There is no default and 0 is invalid.
///
/// [`new`](Self::new) is a `const fn`, so a fixed VRID can be a constant, checked when it compiles;
/// a VRID read at run time converts with [`TryFrom`], whose error is [`ConfigError::VridZero`]:
///
/// ```
/// use vrrp::Vrid;
///
/// const VRID: Vrid = Vrid::new(51).expect("VRID 51 is not 0");
/// assert_eq!(Vrid::try_from(51), Ok(VRID));
/// assert_eq!(u8::from(VRID), 51);
/// assert_eq!(Vrid::try_from(0), Err(vrrp::ConfigError::VridZero));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Vrid(NonZeroU8);

impl Vrid {
    /// The VRID `value`, or `None` for 0, which RFC 5798 §5.2.3 leaves invalid.
    pub const fn new(value: u8) -> Option<Self> {
        match NonZeroU8::new(value) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }

    /// The identifier as it appears on the wire.
    pub const fn get(self) -> u8 {
        self.0.get()
    }
}

impl TryFrom<u8> for Vrid {
    type Error = ConfigError;

    /// The VRID `value`, or [`ConfigError::VridZero`] for 0.
    fn try_from(value: u8) -> Result<Self, ConfigError> {
        Self::new(value).ok_or(ConfigError::VridZero)
    }
}

impl From<Vrid> for u8 {
    fn from(vrid: Vrid) -> Self {
        vrid.get()
    }
}

impl fmt::Display for Vrid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_pkt_05_vrid_0_is_invalid_and_1_to_255_are_valid() {
        assert_eq!(Vrid::new(0), None);
        assert!((1..=255).all(|v| Vrid::new(v).map(Vrid::get) == Some(v)));
    }

    #[test]
    fn conversions_from_and_to_the_wire_octet() {
        assert_eq!(Vrid::try_from(0), Err(ConfigError::VridZero));
        assert!((1..=255).all(|v| Vrid::try_from(v).map(u8::from) == Ok(v)));
    }
}
