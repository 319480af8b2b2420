//! The objects of RFC 6527's operations and statistics tables that are not counters: how long the
//! router has taken part, how often its counters are worth reading, its virtual MAC address.

use std::time::{Duration, Instant};

use super::VirtualRouter;
use crate::{MacAddress, State};

impl VirtualRouter {
    /// When the router last entered Backup or Master from Initialize or Fault (RFC 6527
    /// `vrrpv3OperationsUpTime`, as an instant of the time it is given rather than `sysUpTime`);
    /// `None` while it is in Initialize or Fault, which takes no part in the protocol (see
    /// [`State::mib_value`]). The up time at `now` is `now - up_since`.
    pub fn up_since(&self) -> Option<Instant> {
        self.up_since
    }

    /// RFC 6527 `vrrpv3StatisticsRefreshRate`: the shortest interval at which reading this router's
    /// counters is worth it. They change as packets arrive, and in steady state one advertisement
    /// arrives (in Backup) or leaves (in Master) per interval: the configured
    /// Advertisement_Interval in Master, Master_Adver_Interval (the interval learned from the
    /// Master) otherwise.
    pub fn refresh_rate(&self) -> Duration {
        match self.state {
            State::Master => self.config.interval.as_duration(),
            _ => self.master_adver_interval.as_duration(),
        }
    }

    /// RFC 6527 `vrrpv3OperationsVirtualMacAddr`: the virtual router MAC address of RFC 5798 §7.3
    /// for this router's VRID and family, whether or not the host answers with it (a host without
    /// a virtual MAC interface answers with its own).
    pub fn virtual_mac(&self) -> MacAddress {
        MacAddress::virtual_router(self.config.vrid, self.config.family())
    }

    /// Keeps [`up_since`](Self::up_since) for a change of state from `from` to `to`, at the latest
    /// instant the router was given.
    pub(super) fn note_status(&mut self, from: State, to: State) {
        match to {
            State::Backup | State::Master if matches!(from, State::Initialize | State::Fault) => {
                self.up_since = self.latest;
            }
            State::Initialize | State::Fault => self.up_since = None,
            State::Backup | State::Master => {}
        }
    }
}
