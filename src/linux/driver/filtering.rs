//! Keeps the driver's nftables rules ([`Firewall`]) equal to what the routers need refused, after
//! every pass of the driver: the addresses held with Accept_Mode off (V3-FSM-18), and the virtual
//! MAC interfaces of routers that are not Master (V3-FSM-06).
//!
//! Nothing touches nftables until there is something to refuse. A failure (no nftables, the table
//! taken, a kernel error) is reported as an
//! [`Event::TransientError`](crate::host::Event::TransientError) and tried again after a backoff
//! of 1 s that doubles up to a minute; the addresses stay served meanwhile, since refusing them
//! all would be worse than accepting packets the RFC says to drop.

use std::time::{Duration, Instant};

use crate::host::{BackendError, Event};
use crate::linux::{FIREWALL_TABLE, Firewall, FirewallError, Refused};

/// The first wait after a failure.
const FIRST_RETRY: Duration = Duration::from_secs(1);

/// The longest wait between two attempts.
const MAX_RETRY: Duration = Duration::from_secs(60);

/// The firewall rules and what they were last synchronised with.
#[derive(Debug, Default)]
pub(crate) struct Filtering {
    /// Opened at the first thing to refuse, or at start to remove a left-over table.
    firewall: Option<Firewall>,
    /// The applier's change count the rules were last made equal to.
    synced: Option<u64>,
    /// After a failure: when to try again, and the wait after the next failure.
    retry: Option<(Instant, Duration)>,
}

impl Filtering {
    /// Removes a left-over table a killed process of an older kernel left behind, when some
    /// router may need the rules; failures are left for the first [`sync`](Self::sync).
    pub(crate) fn clean_up(&mut self, needed: bool) {
        if needed && self.firewall.is_none() {
            self.firewall = Firewall::open(FIREWALL_TABLE).ok();
        }
    }

    /// Makes the rules refuse `wanted()` if `changes` differs from the last successful
    /// synchronisation or a retry is due.
    pub(crate) fn sync(
        &mut self,
        now: Instant,
        changes: u64,
        wanted: impl FnOnce() -> Refused,
        on_event: &mut impl FnMut(Event),
    ) {
        if self.synced == Some(changes) || self.retry.is_some_and(|(at, _)| now < at) {
            return;
        }
        let refused = wanted();
        if self.firewall.is_none() && refused.is_empty() {
            self.synced = Some(changes);
            return;
        }
        let mut result = match &mut self.firewall {
            Some(firewall) => firewall.sync(&refused),
            None => self.install(FIREWALL_TABLE, &refused),
        };
        if let Err(FirewallError::TableTaken(table)) = &result
            && table == FIREWALL_TABLE
        {
            // Another live process owns `vrrp` (when it was opened or when the rules went in):
            // this driver keeps its rules in a table of its own, `vrrp-PID`.
            let own = format!("{FIREWALL_TABLE}-{}", std::process::id());
            result = self.install(&own, &refused);
        }
        match result {
            Ok(()) => {
                self.synced = Some(changes);
                self.retry = None;
            }
            Err(error) => {
                let wait = self.retry.map_or(FIRST_RETRY, |(_, wait)| wait);
                self.retry = Some((now + wait, (wait * 2).min(MAX_RETRY)));
                self.synced = None;
                on_event(Event::TransientError {
                    operation: "installing the firewall rules (nftables)",
                    error: BackendError::from(error),
                });
            }
        }
    }

    /// Opens the firewall on `table`, keeps it, and makes it refuse `refused`.
    fn install(&mut self, table: &str, refused: &Refused) -> Result<(), FirewallError> {
        let mut firewall = Firewall::open(table)?;
        let result = firewall.sync(refused);
        self.firewall = Some(firewall);
        result
    }

    /// Removes the rules.
    pub(crate) fn remove(&mut self) -> Result<(), FirewallError> {
        self.synced = None;
        match self.firewall.as_mut() {
            Some(firewall) => firewall.remove(),
            None => Ok(()),
        }
    }
}
