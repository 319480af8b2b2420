//! What the host does to the routers' state: another router using our primary address, the
//! primary address going or coming back, a virtual address removed by someone else or that cannot
//! be added.

use std::net::IpAddr;
use std::time::Instant;

use super::{CONFLICT_REPORT_INTERVAL, EventLoop};
use crate::RouterKey;
use crate::host::handle::OnDriverThread;
use crate::host::{AddressBackend, AdvertSender, AnnounceBackend, Event};
use crate::packet::{self, RxError, RxMeta};

impl<S: AdvertSender, A: AddressBackend, N: AnnounceBackend> EventLoop<S, A, N> {
    /// Reports an [`Event::AddressConflict`] when router `key` counted a new one (an advert from
    /// `source`, its own primary address), at most once a minute while it goes on.
    pub(super) fn report_conflict(
        &mut self,
        now: Instant,
        key: RouterKey,
        source: IpAddr,
        on_event: &mut impl FnMut(Event),
    ) {
        let Some(router) = self.routers.get(&key) else {
            return;
        };
        if router.config().primary_address() != source {
            return;
        }
        let count = router.stats().address_conflicts;
        let due = match self.conflicts_reported.get(&key) {
            Some(&(at, reported)) => {
                count > reported && now.saturating_duration_since(at) >= CONFLICT_REPORT_INTERVAL
            }
            None => count > 0,
        };
        if due {
            self.conflicts_reported.insert(key, (now, count));
            on_event(Event::AddressConflict {
                router: key,
                address: source,
                count,
            });
        }
    }

    /// Reports an [`Event::ProtocolError`] (RFC 6527's `vrrpv3ProtoError`) for `payload`, received
    /// as `rx` and discarded for `error`, when the error is one the MIB names and the packet is
    /// for a router here: when that router first meets the reason, then at most once a minute per
    /// reason while it goes on.
    pub(super) fn report_proto_error(
        &mut self,
        now: Instant,
        rx: &RxMeta,
        payload: &[u8],
        error: &RxError,
        on_event: &mut impl FnMut(Event),
    ) {
        let Some(reason) = error.proto_err_reason() else {
            return;
        };
        let Some(vrid) = packet::peek_vrid(payload) else {
            return;
        };
        let key = RouterKey {
            interface_index: rx.interface_index(),
            family: rx.family(),
            vrid,
        };
        let Some(router) = self.routers.get(&key) else {
            return;
        };
        let due = self
            .proto_errors_reported
            .get(&(key, reason))
            .is_none_or(|&at| now.saturating_duration_since(at) >= CONFLICT_REPORT_INTERVAL);
        if due {
            self.proto_errors_reported.insert((key, reason), now);
            on_event(Event::ProtocolError {
                router: key,
                reason,
                source: rx.source(),
                error: error.clone(),
                count: router.stats().errors(error.counter()),
            });
        }
    }

    /// `address` went away from (`present` false) or came back to interface `interface_index`:
    /// a router whose primary address it is on that interface goes to Fault until it is back
    /// (RFC 5798 §7.2: it has nothing to send its adverts from), with an
    /// [`Event::PrimaryAddress`] each way.
    pub(super) fn primary_address(
        &mut self,
        now: Instant,
        interface_index: u32,
        address: IpAddr,
        present: bool,
        on_event: &mut impl FnMut(Event),
    ) {
        if present && self.primary_missing.is_empty() {
            // Nothing to bring back: the common case of every address the routers add.
            return;
        }
        let keys: Vec<RouterKey> = self
            .routers
            .iter()
            .filter(|(key, router)| {
                router.config().primary_address() == address
                    && self.applier.parent_interface(key) == interface_index
            })
            .map(|(key, _)| key)
            .collect();
        for key in keys {
            if !self.note_primary(key, address, present, on_event) {
                continue;
            }
            let _on_thread = OnDriverThread::enter(self.handle.id());
            let link_up = !self.down.contains(&key.interface_index);
            self.routers.handle_link_of(now, &key, present && link_up);
            self.drain(now, on_event);
        }
    }

    /// Notes whether router `key`'s primary address `address` is present, and reports an
    /// [`Event::PrimaryAddress`] if that changed; returns whether it did.
    pub(super) fn note_primary(
        &mut self,
        key: RouterKey,
        address: IpAddr,
        present: bool,
        on_event: &mut impl FnMut(Event),
    ) -> bool {
        let changed = if present {
            self.primary_missing.remove(&key)
        } else {
            self.primary_missing.insert(key)
        };
        if changed {
            on_event(Event::PrimaryAddress {
                router: key,
                address,
                present,
            });
        }
        changed
    }

    /// `address` went away from interface `interface_index`. If this loop added it and still holds
    /// it, someone else removed it: it is added again at once, and an
    /// [`Event::AddressRestored`] (or, if that fails, an [`Event::BackendFailed`]) says so. If it
    /// cannot be added again, its router steps down rather than advertise an address it cannot
    /// serve, and stays out of the way of healthy routers for a backoff (10 s, doubling to 5 min
    /// while it fails).
    pub fn handle_address_removed(
        &mut self,
        now: Instant,
        interface_index: u32,
        address: IpAddr,
        on_event: &mut impl FnMut(Event),
    ) {
        if !self.applier.holds(interface_index, address) {
            return;
        }
        let _on_thread = OnDriverThread::enter(self.handle.id());
        let mut failed = None;
        self.applier
            .restore(interface_index, address, &mut |event| {
                // Only the address itself: a route that cannot come back with it is reported,
                // and the Master serves on.
                if let Event::BackendFailed {
                    router,
                    operation: crate::host::Operation::AddAddress(_),
                    ..
                } = &event
                {
                    failed = Some(*router);
                }
                on_event(event);
            });
        if let Some(key) = failed {
            self.cannot_serve(now, key);
            self.drain(now, on_event);
        }
    }

    /// An address of router `key` could not be added: it steps down (a Master advertises priority
    /// 0 and releases its addresses, rather than advertise one it cannot serve) and stays out of
    /// the way of healthy routers until a backoff ends (10 s, doubling to 5 min while it fails).
    pub(super) fn cannot_serve(&mut self, now: Instant, key: RouterKey) {
        self.health.address_failed(now, key);
        self.routers.set_healthy(now, &key, false);
    }
}
