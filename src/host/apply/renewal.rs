//! Renewing the lifetimes of the addresses an [`ActionApplier`] holds.

use std::net::IpAddr;
use std::time::Duration;

use super::ActionApplier;
use crate::host::{
    AddressBackend, AdvertSender, AnnounceBackend, Event, Operation, VirtualAddress,
};

/// How many addresses [`ActionApplier::renew_all`] renews at a time.
const RENEW_CHUNK: usize = 256;

impl<S: AdvertSender, A: AddressBackend, N: AnnounceBackend> ActionApplier<S, A, N> {
    /// How often the addresses held must be renewed: a third of the shortest lifetime among the
    /// setting and the addresses held; `None` when no address held has or is to get a lifetime.
    pub(crate) fn renewal_period(&self) -> Option<Duration> {
        if self.added.is_empty() {
            return None;
        }
        let held = self.added.values().filter_map(|held| held.address.lifetime);
        held.chain(self.lifetime).min().map(|lifetime| lifetime / 3)
    }

    /// Renews every address held that has a lifetime or is to get one, with the current setting,
    /// through [`AddressBackend::renew_all`] (several to a round trip on Linux), at most 256 at a
    /// time so that thousands of addresses need no more memory than a few hundred; each failure
    /// is an [`Event::BackendFailed`] of [`Operation::RenewAddress`], and that address is tried
    /// again at the next call.
    pub(crate) fn renew_all(&mut self, on_event: &mut impl FnMut(Event)) {
        let lifetime = self.lifetime;
        let due: Vec<(u32, IpAddr)> = (self.added.iter())
            .filter(|(_, held)| held.address.lifetime.is_some() || lifetime.is_some())
            .map(|(&key, _)| key)
            .collect();
        for chunk in due.chunks(RENEW_CHUNK) {
            self.renew_chunk(chunk, on_event);
        }
    }

    /// [`renew_all`](Self::renew_all) for the held addresses `chunk`, by (interface, address).
    fn renew_chunk(&mut self, chunk: &[(u32, IpAddr)], on_event: &mut impl FnMut(Event)) {
        let lifetime = self.lifetime;
        let due: Vec<(u32, VirtualAddress)> = (chunk.iter())
            .filter_map(|key| {
                let held = self.added.get(key)?;
                let renewed = VirtualAddress {
                    lifetime,
                    ..held.address
                };
                Some((key.0, renewed))
            })
            .collect();
        let outcomes = self.addresses.renew_all(&due);
        for ((interface, renewed), outcome) in due.into_iter().zip(outcomes) {
            let Some(held) = self.added.get_mut(&(interface, renewed.address)) else {
                continue;
            };
            match outcome {
                Ok(()) => held.address = renewed,
                Err(error) => on_event(Event::BackendFailed {
                    router: held.router,
                    operation: Operation::RenewAddress(renewed.address),
                    error,
                }),
            }
        }
    }
}
