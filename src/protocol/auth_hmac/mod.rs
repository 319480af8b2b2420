//! HMAC authentication of advertisements: keepalived 2.4's `auth_hmac`
//! (draft-cassen-vrrp-auth-hmac), interoperable with keepalived 2.4.3.
//!
//! VRRP trusts the hop limit: an advert that arrives with TTL 255 came from the link. Unicast
//! VRRP across routers gives that up, and then anyone who can reach a router can demote its Master
//! with one spoofed advert, or replay a captured one. With [`HmacAuth`] configured, each advert
//! carries a 28-byte [`Trailer`](crate::packet::Trailer): an HMAC-SHA256 truncated to 128 bits, by a
//! key shared by every router of the virtual router and named by id, over the message and a
//! pseudo-header binding the family, version, VRID and sender; and a sequence taken from UTC time,
//! which each receiver checks against a freshness window and the last sequence of that sender.
//! An advert that fails is discarded before the state machine sees it and counted
//! ([`Counter::AuthInvalidHmac`](crate::Counter::AuthInvalidHmac) and its neighbours).
//!
//! ```
//! use std::net::Ipv4Addr;
//! use std::time::Duration;
//! use vrrp::{Config, HmacAuth, HmacKey, HmacMode, Vrid};
//!
//! let key = HmacKey::new(1, &[0x42; 32])?;
//! let auth = HmacAuth::builder(1).key(key).mode(HmacMode::Enforce).build()?;
//! let config = Config::builder(2, Vrid::try_from(51)?, Ipv4Addr::new(192, 0, 2, 1).into())
//!     .address(Ipv4Addr::new(192, 0, 2, 100).into())
//!     .unicast_peer(Ipv4Addr::new(198, 51, 100, 1).into())
//!     .auth_hmac(auth)
//!     .build()?;
//! assert_eq!(config.auth_hmac().map(|auth| auth.time_window(config.interval())),
//!            Some(Duration::from_secs(5)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod digest;
mod key;
mod state;

use std::time::Duration;

use crate::Interval;

pub use key::{HmacKey, HmacKeyError};
pub(crate) use state::{HmacState, Verified, sign};

/// How a router uses its keys: the three steps of a hitless migration of a running group
/// (receive-only everywhere, then permissive everywhere, then enforce everywhere).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum HmacMode {
    /// Verifies a trailer when one comes, accepts adverts without one, and signs nothing.
    ReceiveOnly,
    /// Signs, verifies a trailer when one comes, and still accepts adverts without one.
    Permissive,
    /// Signs, and discards every advert without a valid trailer: the only mode that protects.
    #[default]
    Enforce,
}

impl HmacMode {
    /// keepalived's word for it: `receive-only`, `permissive` or `enforce`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ReceiveOnly => "receive-only",
            Self::Permissive => "permissive",
            Self::Enforce => "enforce",
        }
    }

    /// Whether adverts are sent with a trailer.
    pub const fn signs(self) -> bool {
        !matches!(self, Self::ReceiveOnly)
    }
}

/// How a receiver refuses a replayed advert.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum AntiReplay {
    /// The sequence's UTC time must be within the freshness window of this host's clock, and grow
    /// per sender: the routers' clocks must agree (NTP) within the window.
    #[default]
    Time,
    /// The sequence must only grow per sender; no clock agreement is needed, and a capture can be
    /// replayed to a receiver that restarted.
    Monotonic,
}

impl AntiReplay {
    /// keepalived's word for it: `time` or `monotonic`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Time => "time",
            Self::Monotonic => "monotonic",
        }
    }
}

/// The HMAC authentication of a virtual router ([`ConfigBuilder::auth_hmac`](crate::ConfigBuilder::auth_hmac)):
/// its keys, the one it signs with, its mode and its replay protection. Built by
/// [`HmacAuth::builder`]; its keys never appear in `Debug` output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HmacAuth {
    keys: Vec<HmacKey>,
    active_key: u8,
    mode: HmacMode,
    anti_replay: AntiReplay,
    time_window: Option<u16>,
}

impl HmacAuth {
    /// The smallest freshness window, in seconds.
    pub const MIN_TIME_WINDOW: u16 = 1;
    /// The largest freshness window, in seconds.
    pub const MAX_TIME_WINDOW: u16 = 300;
    /// The smallest window derived from the advertisement interval, in seconds.
    const DERIVED_WINDOW_FLOOR: u64 = 5;

    /// Starts an authentication that signs with the key of id `active_key`.
    pub fn builder(active_key: u8) -> HmacAuthBuilder {
        HmacAuthBuilder {
            auth: Self {
                keys: Vec::new(),
                active_key,
                mode: HmacMode::default(),
                anti_replay: AntiReplay::default(),
                time_window: None,
            },
            duplicate: None,
        }
    }

    /// The keys, by id in the order given.
    pub fn keys(&self) -> &[HmacKey] {
        &self.keys
    }

    /// The id of the key adverts are signed with.
    pub fn active_key(&self) -> u8 {
        self.active_key
    }

    /// The mode.
    pub fn mode(&self) -> HmacMode {
        self.mode
    }

    /// The replay protection.
    pub fn anti_replay(&self) -> AntiReplay {
        self.anti_replay
    }

    /// The freshness window of [`AntiReplay::Time`] for a router advertising every `interval`: the
    /// one configured, or `max(3 × interval in whole seconds, 5 s)` as keepalived derives it.
    pub fn time_window(&self, interval: Interval) -> Duration {
        let secs = match self.time_window {
            Some(secs) => u64::from(secs),
            None => {
                let interval_secs = interval.as_duration().as_secs();
                (3 * interval_secs)
                    .clamp(Self::DERIVED_WINDOW_FLOOR, u64::from(Self::MAX_TIME_WINDOW))
            }
        };
        Duration::from_secs(secs)
    }

    pub(crate) fn key(&self, id: u8) -> Option<&HmacKey> {
        self.keys.iter().find(|key| key.id() == id)
    }
}

/// Collects the settings of an [`HmacAuth`]; [`build`](Self::build) checks them together.
#[derive(Clone, Debug)]
pub struct HmacAuthBuilder {
    auth: HmacAuth,
    duplicate: Option<u8>,
}

impl HmacAuthBuilder {
    /// Adds a key that adverts may be signed with; add the next one beside the current one to
    /// rotate without a transition, then move the active key to it.
    pub fn key(mut self, key: HmacKey) -> Self {
        if self.auth.key(key.id()).is_some() {
            self.duplicate.get_or_insert(key.id());
        } else {
            self.auth.keys.push(key);
        }
        self
    }

    /// The mode; [`HmacMode::Enforce`] unless set.
    pub fn mode(mut self, mode: HmacMode) -> Self {
        self.auth.mode = mode;
        self
    }

    /// The replay protection; [`AntiReplay::Time`] unless set.
    pub fn anti_replay(mut self, anti_replay: AntiReplay) -> Self {
        self.auth.anti_replay = anti_replay;
        self
    }

    /// The freshness window of [`AntiReplay::Time`] in seconds, 1 to 300; derived from the
    /// advertisement interval unless set (see [`HmacAuth::time_window`]).
    pub fn time_window(mut self, secs: u16) -> Self {
        self.auth.time_window = Some(secs);
        self
    }

    /// Checks the settings together.
    pub fn build(self) -> Result<HmacAuth, HmacAuthError> {
        if let Some(id) = self.duplicate {
            return Err(HmacAuthError::DuplicateKey(id));
        }
        if self.auth.key(self.auth.active_key).is_none() {
            return Err(HmacAuthError::ActiveKeyUndefined(self.auth.active_key));
        }
        if let Some(window) = self.auth.time_window
            && !(HmacAuth::MIN_TIME_WINDOW..=HmacAuth::MAX_TIME_WINDOW).contains(&window)
        {
            return Err(HmacAuthError::TimeWindow(window));
        }
        Ok(self.auth)
    }
}

/// HMAC authentication settings that cannot run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HmacAuthError {
    /// Two keys share an id.
    #[error("HMAC key id {0} is defined twice")]
    DuplicateKey(u8),
    /// The active key is not among the keys. keepalived then runs without authentication; this
    /// crate refuses, as a router meant to be protected would silently not be.
    #[error("the active HMAC key {0} is not defined; add `key {0} ...` or pick a defined one")]
    ActiveKeyUndefined(u8),
    /// The freshness window is outside 1–300 s.
    #[error("HMAC time window {0} s is outside 1 to 300 s")]
    TimeWindow(u16),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_and_anti_replay_are_named_as_keepalived_names_them() {
        let modes = [
            HmacMode::ReceiveOnly,
            HmacMode::Permissive,
            HmacMode::Enforce,
        ];
        assert_eq!(
            modes.map(HmacMode::as_str),
            ["receive-only", "permissive", "enforce"]
        );
        assert_eq!(modes.map(HmacMode::signs), [false, true, true]);
        let anti_replay = [AntiReplay::Time, AntiReplay::Monotonic];
        assert_eq!(anti_replay.map(AntiReplay::as_str), ["time", "monotonic"]);
    }

    #[test]
    fn the_keys_are_listed_in_the_order_given() {
        let key = |id| HmacKey::new(id, &[id; 32]).unwrap();
        let auth = HmacAuth::builder(7)
            .key(key(9))
            .key(key(7))
            .build()
            .unwrap();
        let ids: Vec<u8> = auth.keys().iter().map(HmacKey::id).collect();
        assert_eq!(ids, [9, 7]);
        assert!(
            auth.keys()
                .iter()
                .all(|key| !key.is_empty() && key.len() == 32)
        );
    }
}
