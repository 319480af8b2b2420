//! The process's effective capabilities, read from `/proc/self/status`, so that a driver can say
//! which one is missing before anything fails half-way.

use std::fs;

/// A capability the drivers need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Capability {
    /// CAP_NET_ADMIN: adding addresses, creating virtual MAC interfaces.
    NetAdmin,
    /// CAP_NET_RAW: raw VRRP sockets, packet sockets for announcements.
    NetRaw,
}

impl Capability {
    /// The capability's name, as `capsh` and `setcap` write it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::NetAdmin => "CAP_NET_ADMIN",
            Self::NetRaw => "CAP_NET_RAW",
        }
    }

    const fn bit(self) -> u32 {
        match self {
            Self::NetAdmin => 12,
            Self::NetRaw => 13,
        }
    }

    /// Whether this process holds it now; `None` if `/proc/self/status` cannot say.
    pub fn is_effective(self) -> Option<bool> {
        let status = fs::read_to_string("/proc/self/status").ok()?;
        let mask = status
            .lines()
            .find_map(|line| line.strip_prefix("CapEff:"))
            .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())?;
        Some(mask & (1 << self.bit()) != 0)
    }
}
