//! The checks of a [`ConfigBuilder`]'s settings that [`build`](ConfigBuilder::build) makes one at a
//! time: the unicast peers and the advertisement interval.

use super::{ConfigBuilder, ConfigError};
use crate::packet::Version;
use crate::{AddressFamily, Interval};

impl ConfigBuilder {
    pub(super) fn check_unicast_peers(&self, family: AddressFamily) -> Result<(), ConfigError> {
        for (i, &peer) in self.unicast_peers.iter().enumerate() {
            if AddressFamily::of(peer) != family {
                return Err(ConfigError::PeerFamilyMismatch(peer));
            }
            if peer.is_multicast() || peer.is_unspecified() || peer == self.primary_address {
                return Err(ConfigError::InvalidPeer(peer));
            }
            if self.unicast_peers[..i].contains(&peer) {
                return Err(ConfigError::DuplicatePeer(peer));
            }
        }
        Ok(())
    }

    pub(super) fn validated_interval(&self) -> Result<Interval, ConfigError> {
        let duration = self.interval;
        if duration.is_zero() {
            return Err(ConfigError::IntervalZero);
        }
        if !duration.as_nanos().is_multiple_of(10_000_000) {
            return Err(ConfigError::IntervalNotCentiseconds(duration));
        }
        let max_centis = match self.version {
            Version::V3 => u128::from(Interval::V3_MAX_CENTIS),
            Version::V2 => u128::from(Interval::V2_MAX_SECS) * 100,
        };
        let interval = u16::try_from(duration.as_millis() / 10)
            .ok()
            .filter(|&centis| u128::from(centis) <= max_centis)
            .and_then(Interval::from_centis)
            .ok_or(ConfigError::IntervalTooLong(duration))?;
        if self.version == Version::V2 && interval.as_v2_secs().is_none() {
            return Err(ConfigError::Version2IntervalNotWholeSeconds(duration));
        }
        Ok(interval)
    }
}
