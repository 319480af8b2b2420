//! The loop's own deadlines, besides the routers': renewing the addresses' lifetimes, and sending
//! the announcements' repeats at a pace.

use std::time::{Duration, Instant};

use super::{ANNOUNCE_BURST, ANNOUNCE_PACE, EventLoop, MAX_ADDRESS_LIFETIME, MIN_ADDRESS_LIFETIME};
use crate::host::{AddressBackend, AdvertSender, AnnounceBackend, DriverError, Event};

impl<S: AdvertSender, A: AddressBackend, N: AnnounceBackend> EventLoop<S, A, N> {
    /// Installs every virtual address with a finite `lifetime` and renews the addresses it holds
    /// every third of it, so that when the process is killed or hangs, the kernel removes them by
    /// itself instead of answering for an address the new Master holds. `None`, the default,
    /// installs them for ever (keepalived's behaviour). A lifetime shorter than
    /// [`MIN_ADDRESS_LIFETIME`] or longer than [`MAX_ADDRESS_LIFETIME`] is refused with
    /// [`DriverError::AddressLifetime`]. The Linux backend rounds it up to whole seconds.
    ///
    /// Set it before [`start`](Self::start). Set later, it applies to the addresses added from
    /// then on, and to those held at their next renewal (when none was planned, because they had
    /// no lifetime, a third of the new one after the next call that takes a time).
    ///
    /// Not the default, because a lifetime trades a risk for another. A renewal fails (an
    /// [`Event::BackendFailed`] of [`Operation::RenewAddress`](crate::host::Operation)) or comes
    /// late when this loop stalls: the kernel then drops the address of a live Master after the
    /// lifetime, at worst two thirds of it after the stall began. A stall longer than the
    /// Backups' Master_Down_Interval hands the address over anyway, and then dropping it is what
    /// should happen; but with a lifetime shorter than 1.5 × Master_Down_Interval a stall can drop
    /// the address before anyone takes it over. So a lifetime is safe from 1.5 ×
    /// Master_Down_Interval (6 advertisement intervals cover every priority), and the right value
    /// depends on the configuration, which is the embedder's to choose. Renewals also show: the
    /// addresses are `dynamic` in `ip address`, and every renewal is an address notification to
    /// every netlink listener. Without a lifetime, a killed Master's host keeps answering for the
    /// address until the process starts again and removes it.
    pub fn set_address_lifetime(&mut self, lifetime: Option<Duration>) -> Result<(), DriverError> {
        if let Some(lifetime) = lifetime
            && !(MIN_ADDRESS_LIFETIME..=MAX_ADDRESS_LIFETIME).contains(&lifetime)
        {
            return Err(DriverError::AddressLifetime(lifetime));
        }
        self.applier.set_address_lifetime(lifetime);
        Ok(())
    }

    /// The lifetime the virtual addresses are installed with (`None`: for ever).
    pub fn address_lifetime(&self) -> Option<Duration> {
        self.applier.address_lifetime()
    }

    /// Plans a renewal a period from `now` when addresses need one and none is planned; forgets it
    /// when none does (the addresses were released).
    pub(super) fn plan_renewal(&mut self, now: Instant) {
        match self.applier.renewal_period() {
            None => self.renewal = None,
            Some(period) => {
                self.renewal.get_or_insert(now + period);
            }
        }
    }

    /// Plans the next paced announcements [`ANNOUNCE_PACE`] from `now` when repeats wait and
    /// none is planned; forgets it when none waits.
    pub(super) fn plan_pacing(&mut self, now: Instant) {
        if self.applier.has_paced() {
            self.pacing.get_or_insert(now + ANNOUNCE_PACE);
        } else {
            self.pacing = None;
        }
    }

    /// Sends the paced announcements that are due at `now`: at most [`ANNOUNCE_BURST`] frames.
    pub(super) fn send_paced(&mut self, now: Instant, on_event: &mut impl FnMut(Event)) {
        if self.pacing.is_some_and(|at| at <= now) {
            self.pacing = None;
            self.applier.send_paced(ANNOUNCE_BURST, on_event);
            self.plan_pacing(now);
        }
    }
}
