//! The host's events counted for the metrics: the reconciler's actions and the failures it
//! carries on after.

use std::collections::BTreeMap;

use crate::RouterKey;
use crate::host::{Event, HostEntry, Operation};

/// Counts of the events a driver reports about the host (the reconciler's actions and the
/// failures it carries on after): feed it every [`Event`] with [`record`](Self::record), and
/// [`render`](super::render) shows it with the statistics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostCounters {
    pub(super) address_restored: BTreeMap<RouterKey, u64>,
    pub(super) address_conflicts: BTreeMap<RouterKey, u64>,
    pub(super) primary_lost: BTreeMap<RouterKey, u64>,
    pub(super) primary_missing: BTreeMap<RouterKey, bool>,
    pub(super) backend_failures: BTreeMap<(RouterKey, &'static str), u64>,
    pub(super) interfaces_recreated: BTreeMap<String, u64>,
    pub(super) transient_errors: BTreeMap<&'static str, u64>,
    pub(super) resynchronizations: u64,
    pub(super) restored: BTreeMap<(&'static str, &'static str), u64>,
    pub(super) static_failures: BTreeMap<&'static str, u64>,
}

impl HostCounters {
    /// Counts `event` if it is one of the host's: [`Event::AddressRestored`],
    /// [`Event::AddressConflict`], [`Event::PrimaryAddress`], [`Event::BackendFailed`],
    /// [`Event::InterfaceRecreated`], [`Event::TransientError`], [`Event::Resynchronized`],
    /// [`Event::Restored`], [`Event::StaticFailed`]. Other
    /// events are ignored (their effects are in the
    /// [`StatsReport`](crate::host::StatsReport)).
    pub fn record(&mut self, event: &Event) {
        match event {
            Event::AddressRestored { router, .. } => {
                *self.address_restored.entry(*router).or_default() += 1;
            }
            Event::AddressConflict { router, .. } => {
                *self.address_conflicts.entry(*router).or_default() += 1;
            }
            Event::PrimaryAddress {
                router, present, ..
            } => {
                if !present {
                    *self.primary_lost.entry(*router).or_default() += 1;
                }
                self.primary_missing.insert(*router, !present);
            }
            Event::BackendFailed {
                router, operation, ..
            } => {
                let key = (*router, operation_label(operation));
                *self.backend_failures.entry(key).or_default() += 1;
            }
            Event::InterfaceRecreated { name, .. } => {
                *self.interfaces_recreated.entry(name.clone()).or_default() += 1;
            }
            Event::TransientError { operation, .. } => {
                *self.transient_errors.entry(operation).or_default() += 1;
            }
            Event::Resynchronized => self.resynchronizations += 1,
            Event::Restored { router, entry } => {
                let kind = match entry {
                    HostEntry::Address { .. } => "address",
                    HostEntry::Route(_) => "route",
                    HostEntry::Rule(_) => "rule",
                };
                let owner = if router.is_some() { "router" } else { "static" };
                *self.restored.entry((kind, owner)).or_default() += 1;
            }
            Event::StaticFailed { operation, .. } => {
                *self
                    .static_failures
                    .entry(operation_label(operation))
                    .or_default() += 1;
            }
            // The routers' own: their effects are in the statistics.
            Event::StateChanged { .. }
            | Event::NewMaster { .. }
            | Event::ProtocolError { .. }
            | Event::PriorityChanged { .. }
            | Event::UnknownRouter(_)
            | Event::LowerPriorityMaster { .. }
            | Event::RealtimeRaised { .. }
            | Event::AcceptModeOff { .. }
            | Event::Stats(_) => {}
        }
    }

    /// How many times [`Event::Resynchronized`] was recorded.
    pub fn resynchronizations(&self) -> u64 {
        self.resynchronizations
    }
}

/// The `operation` label of a backend failure.
fn operation_label(operation: &Operation) -> &'static str {
    match operation {
        Operation::Send => "send",
        Operation::AddAddress(_) => "add_address",
        Operation::RemoveAddress(_) => "remove_address",
        Operation::Announce(_) => "announce",
        Operation::AdvertiseRouter => "advertise_router",
        Operation::Rebind => "rebind",
        Operation::RenewAddress(_) => "renew_address",
        Operation::AddRoute(_) => "add_route",
        Operation::RemoveRoute(_) => "remove_route",
        Operation::AddRule(_) => "add_rule",
        Operation::RemoveRule(_) => "remove_rule",
    }
}
