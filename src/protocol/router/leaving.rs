//! Leaving Master on purpose: stepping down when the application says it is unhealthy, the
//! make-before-break hand-over of a graceful stop, and yielding after a stall.

use std::time::{Duration, Instant};

use super::VirtualRouter;
use crate::{Priority, Reason, State};

impl VirtualRouter {
    /// A make-before-break shutdown: a Master advertises priority 0, so that a Backup takes over
    /// after its Skew_Time, but keeps its addresses until it hears the new Master's advertisement
    /// (or Master_Down_Interval passes with none), and only then releases them and returns to
    /// Initialize: clients always have a holder of the addresses, and the new Master's
    /// announcements move them. It sends nothing more in between. Any other router, and the
    /// owner (whose addresses are its own), shuts down at once as in [`shutdown`](Self::shutdown).
    ///
    /// [`is_handing_over`](Self::is_handing_over) tells when it is under way; `shutdown` ends it
    /// at once.
    pub fn hand_over(&mut self, now: Instant) {
        let now = self.advance(now);
        if self.state != State::Master || self.config.owner {
            self.shutdown(now);
            return;
        }
        if self.handover_until.is_some() {
            return;
        }
        self.send_advert(Priority::SHUTDOWN);
        self.stop_timers();
        self.handover_until = Some(now + self.master_down_interval());
    }

    /// keepalived's `timer_expired_backup`: a Master that ran so late (a stalled process, a
    /// starved CPU) that a router of priority `yield_to` may have taken over since its last
    /// advert (3 intervals and that priority's Skew_Time) becomes Backup, releasing its
    /// addresses without advertising, and follows whoever is Master now; with preemption off, it
    /// does not take the addresses back. Nobody there: it takes over after Master_Down_Interval.
    pub(super) fn yield_if_stalled(&mut self, now: Instant) {
        let (State::Master, Some(yield_to), Some(next_advert)) =
            (self.state, self.config.stall_yield, self.advert_at)
        else {
            return;
        };
        let interval = self.config.interval;
        let last_advert = next_advert - interval.as_duration();
        let takeover =
            crate::timing::master_down_interval(self.config.version, yield_to, interval, 3);
        if now >= last_advert + takeover {
            self.release_addresses();
            self.master_address = None;
            self.enter_backup(now, Reason::Stalled);
        }
    }

    /// Whether a [`hand_over`](Self::hand_over) is waiting for the new Master.
    pub fn is_handing_over(&self) -> bool {
        self.handover_until.is_some()
    }

    /// The end of a shutdown: addresses released (a Master's), timers stopped, Initialize.
    pub(super) fn finish_shutdown(&mut self) {
        if self.state == State::Master {
            self.release_addresses();
        }
        self.handover_until = None;
        self.stop_timers();
        self.change_state(State::Initialize, Reason::Shutdown);
    }

    /// What the application knows of its own health (the service behind the addresses: its
    /// upstreams, a health check). A Master that becomes unhealthy **steps down**: it advertises
    /// priority 0, releases its addresses and becomes Backup, so that another router takes over
    /// after its Skew_Time rather than Master_Down_Interval. While unhealthy it does not preempt,
    /// and as a Backup it waits longer than a healthy one would before taking over (Master_Down_
    /// Interval instead of Skew_Time after a priority 0, one Master_Adver_Interval more after
    /// silence), so that any healthy Backup takes over first, whatever the priorities. If no other
    /// Master appears it takes over again, as the best there is, and then stays Master until its
    /// health changes (so routers that all share a failure do not hand the addresses back and
    /// forth). Healthy again, it preempts as configured.
    ///
    /// Unlike [`set_tracking_fault`](Self::set_tracking_fault) it never leaves the router out of
    /// the election. The owner, whose addresses are its own, is not affected.
    pub fn set_healthy(&mut self, now: Instant, healthy: bool) {
        let now = self.advance(now);
        if self.healthy == healthy || self.config.owner {
            self.healthy = healthy;
            return;
        }
        self.healthy = healthy;
        match self.state {
            State::Master if !healthy && self.handover_until.is_none() => {
                self.send_advert(Priority::SHUTDOWN);
                self.release_addresses();
                self.enter_backup(now, Reason::SteppedDown);
            }
            // Only a healthy Backup preempts, so one about to is becoming unhealthy here.
            State::Backup if self.takeover_reason == Reason::Preempted => {
                // The Master it was about to preempt keeps the addresses: follow it instead.
                self.master_down_at = Some(now + self.down_wait());
                self.takeover_reason = Reason::MasterNoResponse;
            }
            // Nothing to undo: a healthy Master, one handing over, a Backup that was not about
            // to preempt, and the states that own nothing.
            State::Master | State::Backup | State::Initialize | State::Fault => {}
        }
    }

    /// Whether the application last said it was healthy ([`set_healthy`](Self::set_healthy)).
    pub fn is_healthy(&self) -> bool {
        self.healthy
    }

    /// How long a Backup waits for an advertisement before it takes over: Master_Down_Interval,
    /// and one Master_Adver_Interval more while unhealthy, so that a healthy Backup, whatever its
    /// priority, takes over first.
    pub(super) fn down_wait(&self) -> Duration {
        let interval = if self.healthy {
            Duration::ZERO
        } else {
            self.master_adver_interval.as_duration()
        };
        self.master_down_interval() + interval
    }
}
