//! The announcements' repeats waiting their turn (see
//! [`ActionApplier::send_paced`](crate::host::ActionApplier::send_paced)): one place in the turn
//! order per (interface, address), so that queueing, replacing and dropping an address's repeats
//! cost the same with 4,000 addresses queued as with one.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

use crate::RouterKey;

/// An address's repeats still to send.
#[derive(Debug, Default)]
pub(crate) struct Repeats {
    /// The turn order; an address is in it exactly when it is a key of `left`.
    order: VecDeque<(u32, IpAddr)>,
    /// Per queued address: the router that announced it, the frames left, and how many rounds
    /// apart frames on its interface must go (0: no spacing). Dropped repeats keep their place
    /// with 0 frames left until their turn comes.
    left: HashMap<(u32, IpAddr), (RouterKey, u8, u32)>,
    /// All the frames left.
    frames: usize,
    /// The interfaces whose frames are spaced (keepalived's `garp_interval`), with how many
    /// rounds must still start before the next frame may go.
    cooldown: HashMap<u32, u32>,
}

impl Repeats {
    /// Whether no frame waits.
    pub(crate) fn is_empty(&self) -> bool {
        self.frames == 0
    }

    /// How many frames wait.
    pub(crate) fn frames(&self) -> usize {
        self.frames
    }

    /// Queues `count` frames for `address` on `interface`, `spacing` rounds apart on that
    /// interface (0: one a round, with the other addresses'), replacing any it had queued.
    pub(crate) fn queue(
        &mut self,
        router: RouterKey,
        interface: u32,
        address: IpAddr,
        count: u8,
        spacing: u32,
    ) {
        let key = (interface, address);
        match self.left.insert(key, (router, count, spacing)) {
            Some((_, before, _)) => self.frames -= usize::from(before),
            None => self.order.push_back(key),
        }
        self.frames += usize::from(count);
    }

    /// Whether a frame on `interface`, whose frames go `spacing` rounds apart, may go now, between
    /// two rounds; if so, the next one waits `spacing` whole rounds from now.
    pub(crate) fn may_send_now(&mut self, interface: u32, spacing: u32) -> bool {
        if spacing == 0 {
            return true;
        }
        if self.cooldown.get(&interface).is_some_and(|&left| left > 0) {
            return false;
        }
        // The next round starts less than a round from now: one more to wait a whole `spacing`.
        self.cooldown.insert(interface, spacing + 1);
        true
    }

    /// Drops the frames queued for `address` on `interface` (it was released).
    pub(crate) fn drop_address(&mut self, interface: u32, address: IpAddr) {
        if let Some((_, left, _)) = self.left.get_mut(&(interface, address)) {
            self.frames -= usize::from(std::mem::take(left));
        }
    }

    /// Drops every frame `router` queued (it no longer runs).
    pub(crate) fn drop_router(&mut self, router: &RouterKey) {
        for (owner, left, _) in self.left.values_mut() {
            if owner == router {
                self.frames -= usize::from(std::mem::take(left));
            }
        }
    }

    /// The next round: at most `max` addresses in turn, each with the router that queued it, one
    /// frame taken from each; an address whose interface's frames are spaced waits until its
    /// interface's turn comes again.
    pub(crate) fn next_round(&mut self, max: usize) -> Vec<(RouterKey, u32, IpAddr)> {
        for left in self.cooldown.values_mut() {
            *left = left.saturating_sub(1);
        }
        self.cooldown.retain(|_, left| *left > 0);
        let mut round = Vec::new();
        for _ in 0..self.order.len() {
            if round.len() >= max {
                break;
            }
            let Some(key) = self.order.pop_front() else {
                break;
            };
            let Some((router, left, spacing)) = self.left.get_mut(&key) else {
                continue;
            };
            if *left == 0 {
                self.left.remove(&key);
                continue;
            }
            if *spacing > 0 {
                if self.cooldown.contains_key(&key.0) {
                    self.order.push_back(key);
                    continue;
                }
                self.cooldown.insert(key.0, *spacing);
            }
            *left -= 1;
            self.frames -= 1;
            round.push((*router, key.0, key.1));
            if *left == 0 {
                self.left.remove(&key);
            } else {
                self.order.push_back(key);
            }
        }
        if self.frames == 0 {
            // Nothing waits: the next burst, perhaps hours later, goes at once, as keepalived's
            // first gratuitous ARP does (the spacing holds within a burst and between bursts a
            // round apart).
            self.cooldown.clear();
        }
        if self.order.is_empty() && self.order.capacity() > 64 {
            // After thousands of takeovers, give the queue's memory back.
            self.order = VecDeque::new();
            self.left = HashMap::new();
        }
        round
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AddressFamily, Vrid};

    fn router() -> RouterKey {
        RouterKey {
            interface_index: 2,
            family: AddressFamily::Ipv4,
            vrid: Vrid::new(51).expect("non-zero"),
        }
    }

    /// Which rounds (from 1) each frame went in, for `frames` frames of two addresses on one
    /// interface spaced `spacing` rounds apart, the first sent at once if it may.
    fn rounds_sent(spacing: u32, frames: u8) -> Vec<(u32, IpAddr)> {
        let mut repeats = Repeats::default();
        let (a, b): (IpAddr, IpAddr) = ([192, 0, 2, 1].into(), [192, 0, 2, 2].into());
        let mut sent = Vec::new();
        for address in [a, b] {
            let now = repeats.may_send_now(2, spacing);
            if now {
                sent.push((0, address));
            }
            repeats.queue(router(), 2, address, frames - u8::from(now), spacing);
        }
        let mut round = 0;
        while !repeats.is_empty() {
            round += 1;
            assert!(round < 100, "the queue drains");
            for (_, _, address) in repeats.next_round(100) {
                sent.push((round, address));
            }
        }
        sent
    }

    #[test]
    fn without_spacing_every_address_goes_at_once_then_one_frame_each_a_round() {
        let sent = rounds_sent(0, 2);
        let rounds: Vec<u32> = sent.iter().map(|(r, _)| *r).collect();
        assert_eq!(rounds, [0, 0, 1, 1]);
    }

    #[test]
    fn once_a_spaced_burst_is_sent_the_next_one_goes_at_once() {
        rounds_sent(3, 2);
        let mut repeats = Repeats::default();
        assert!(repeats.may_send_now(2, 3));
        repeats.queue(router(), 2, [192, 0, 2, 1].into(), 1, 3);
        while !repeats.is_empty() {
            repeats.next_round(100);
        }
        assert!(
            repeats.may_send_now(2, 3),
            "no spacing left over from the last burst"
        );
    }

    #[test]
    fn spaced_frames_on_an_interface_go_one_at_a_time_that_many_rounds_apart() {
        for spacing in [1, 3] {
            let sent = rounds_sent(spacing, 2);
            assert_eq!(sent.len(), 4, "spacing {spacing}: {sent:?}");
            let rounds: Vec<u32> = sent.iter().map(|(r, _)| *r).collect();
            assert_eq!(rounds[0], 0, "the first frame goes at once");
            for pair in rounds.windows(2) {
                // Sent at once sits between two rounds: one more round makes a whole spacing.
                let least = if pair[0] == 0 { spacing + 1 } else { spacing };
                assert!(pair[1] - pair[0] >= least, "spacing {spacing}: {rounds:?}");
            }
        }
    }
}
