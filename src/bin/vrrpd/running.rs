//! What vrrpd keeps of each `vrrp_instance` it runs: what its notifications and `vrrpd status`
//! name. The rest of the instance is read once, when the driver's instance is built and its
//! tracking set up, and a reload compares the new file with what the driver says it runs
//! (`DriverHandle::instances`): at 4,000 instances a whole `VrrpInstance` each was 3 MB.

use vrrp::keepalived::{Notify, Resolved};
use vrrp::{Priority, RouterKey};

/// A `vrrp_instance` that runs.
#[derive(Clone, Debug)]
pub struct RunningInstance {
    /// Its key in the driver.
    pub key: RouterKey,
    /// Its name.
    pub name: String,
    /// Its priority as written, before tracking moves it.
    pub priority: Priority,
    /// Its notify scripts; `None` when it has none, as most have.
    notify: Option<Box<Notify>>,
}

impl RunningInstance {
    /// What is kept of `resolved`.
    pub fn of(resolved: &Resolved) -> Self {
        let instance = &resolved.instance;
        Self {
            key: resolved.key,
            name: instance.name.clone(),
            priority: Priority::new(instance.priority),
            notify: (instance.notify != Notify::default())
                .then(|| Box::new(instance.notify.clone())),
        }
    }

    /// What is kept of each of `resolved`.
    pub fn all(resolved: &[Resolved]) -> Vec<Self> {
        resolved.iter().map(Self::of).collect()
    }

    /// Its notify scripts.
    pub fn notify(&self) -> Notify {
        self.notify.as_deref().cloned().unwrap_or_default()
    }
}
