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
    /// Per queued address: the router that announced it and the frames left. Dropped repeats keep
    /// their place with 0 frames left until their turn comes.
    left: HashMap<(u32, IpAddr), (RouterKey, u8)>,
    /// All the frames left.
    frames: usize,
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

    /// Queues `count` frames for `address` on `interface`, replacing any it had queued.
    pub(crate) fn queue(&mut self, router: RouterKey, interface: u32, address: IpAddr, count: u8) {
        let key = (interface, address);
        match self.left.insert(key, (router, count)) {
            Some((_, before)) => self.frames -= usize::from(before),
            None => self.order.push_back(key),
        }
        self.frames += usize::from(count);
    }

    /// Drops the frames queued for `address` on `interface` (it was released).
    pub(crate) fn drop_address(&mut self, interface: u32, address: IpAddr) {
        if let Some((_, left)) = self.left.get_mut(&(interface, address)) {
            self.frames -= usize::from(std::mem::take(left));
        }
    }

    /// Drops every frame `router` queued (it no longer runs).
    pub(crate) fn drop_router(&mut self, router: &RouterKey) {
        for (owner, left) in self.left.values_mut() {
            if owner == router {
                self.frames -= usize::from(std::mem::take(left));
            }
        }
    }

    /// The next round: at most `max` addresses in turn, each with the router that queued it, one
    /// frame taken from each.
    pub(crate) fn next_round(&mut self, max: usize) -> Vec<(RouterKey, u32, IpAddr)> {
        let mut round = Vec::new();
        for _ in 0..max.min(self.order.len()) {
            let Some(key) = self.order.pop_front() else {
                break;
            };
            let Some((router, left)) = self.left.get_mut(&key) else {
                continue;
            };
            if *left == 0 {
                self.left.remove(&key);
                continue;
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
        if self.order.is_empty() && self.order.capacity() > 64 {
            // After thousands of takeovers, give the queue's memory back.
            *self = Self::default();
        }
        round
    }
}
