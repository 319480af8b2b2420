//! What the loop runs, as the instances it was given: the answer to [`Command::Instances`].
//!
//! [`Command::Instances`]: crate::host::Command::Instances

use super::EventLoop;
use crate::host::{AddressBackend, AdvertSender, AnnounceBackend, Instance, RunningInstances};

impl<S: AdvertSender, A: AddressBackend, N: AnnounceBackend> EventLoop<S, A, N> {
    /// Each router's instance, its configuration the router's own and its addressing the
    /// applier's, and the sync groups.
    pub(super) fn running_instances(&self) -> RunningInstances {
        let instances = (self.routers.iter())
            .map(|(key, router)| Instance {
                config: router.config().clone(),
                addressing: self.applier.addressing(&key).cloned().unwrap_or_default(),
            })
            .collect();
        RunningInstances {
            instances,
            sync_groups: self.routers.sync_groups().collect(),
        }
    }
}
