//! The Master's IPv6 router advertisements (RFC 5798 §6.4.3): the first at once on becoming
//! Master, then on the schedule of [`RouterAdvertisements`](crate::RouterAdvertisements); a
//! Backup's timer never runs.

use std::time::Instant;

use super::VirtualRouter;
use crate::Action;

/// The router advertisement timer: when the next goes, and how many went since becoming Master.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct RouterAdvertTimer {
    at: Option<Instant>,
    sent: u8,
}

impl RouterAdvertTimer {
    /// When the next advertisement is due, if the timer runs.
    pub(super) fn deadline(&self) -> Option<Instant> {
        self.at
    }
}

impl VirtualRouter {
    /// On becoming Master: the first advertisement, and the timer for the next.
    pub(super) fn start_router_adverts(&mut self, now: Instant) {
        self.router_adverts = RouterAdvertTimer::default();
        self.send_router_advert(now);
    }

    /// Sends the advertisement that is due at `now`, if one is.
    pub(super) fn router_advert_due(&mut self, now: Instant) {
        if self.router_adverts.at.is_some_and(|at| at <= now) {
            self.send_router_advert(now);
        }
    }

    /// Stops the timer: the router leaves Master.
    pub(super) fn stop_router_adverts(&mut self) {
        self.router_adverts.at = None;
    }

    fn send_router_advert(&mut self, now: Instant) {
        let Some(schedule) = self.config.router_advertisements() else {
            return;
        };
        self.actions.push(Action::AdvertiseRouter {
            addresses: self.config.addresses.clone(),
            lifetime: schedule.lifetime,
        });
        let timer = &mut self.router_adverts;
        timer.sent = timer.sent.saturating_add(1);
        timer.at = Some(now + schedule.after(timer.sent));
    }
}
