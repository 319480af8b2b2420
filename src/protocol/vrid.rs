//! The Virtual Router Identifier (RFC 5798 §5.2.3).

use std::fmt;
use std::num::NonZeroU8;

/// A Virtual Router Identifier, 1–255 (RFC 5798 §5.2.3). There is no default and 0 is invalid.
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
}
