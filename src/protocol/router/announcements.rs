//! The Master's announcements of its addresses (gratuitous ARP, unsolicited NA): a whole burst on
//! becoming Master, a second one `second_burst` later, then `refresh_repeat` announcements every
//! `refresh` (see [`Announcements`](crate::Announcements)).

use std::time::Instant;

use super::VirtualRouter;
use crate::Action;

impl VirtualRouter {
    /// Announces the addresses, `repeat` times each.
    pub(super) fn announce(&mut self, repeat: u8) {
        self.actions.push(Action::Announce {
            addresses: self.config.addresses.clone(),
            repeat,
        });
        self.stats.sent_announcements += 1;
    }

    /// Plans the second burst (or, without one, the first refresh) after becoming Master at `now`.
    pub(super) fn plan_announcements(&mut self, now: Instant) {
        let announcements = self.config.announcements;
        self.second_burst_due = announcements.second_burst.is_some();
        self.announce_at = announcements
            .second_burst
            .or(announcements.refresh)
            .map(|delay| now + delay);
    }

    /// Sends the announcements due at `now`, if any, and plans the next refresh.
    pub(super) fn announcement_due(&mut self, now: Instant) {
        if self.announce_at.is_none_or(|at| at > now) {
            return;
        }
        let announcements = self.config.announcements;
        let repeat = if std::mem::take(&mut self.second_burst_due) {
            announcements.repeat
        } else {
            announcements.refresh_repeat
        };
        self.announce(repeat);
        self.announce_at = announcements.refresh.map(|refresh| now + refresh);
    }
}
