//! Controls a running driver from other threads: priorities from health checks, statistics,
//! reconfiguration, shutdown.

use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, RwLock};

use crate::host::{DriverError, Instance, Statics};
use crate::{Priority, RouterKey};

/// A change to the set of virtual routers a running driver runs, applied as one step (see
/// [`DriverHandle::reconfigure`]): first the removals, then the additions, then the new sync
/// groups. Routers that are neither removed nor added keep running untouched: their state, their
/// timers and their addresses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reconfiguration {
    /// Routers to shut down and forget: a Master advertises priority 0 and releases its addresses.
    /// The members of a removed router's sync group carry on without it.
    pub remove: Vec<RouterKey>,
    /// Routers to check, add and start, as the driver would have at start-up. A router whose key is
    /// also removed replaces it.
    pub add: Vec<Instance>,
    /// Sync groups to form, of added routers or of routers not yet in a group.
    pub sync_groups: Vec<Vec<RouterKey>>,
    /// The static addresses, routes and rules to hold from now on, in place of the ones held
    /// (see [`ActionApplier::set_statics`](crate::host::ActionApplier::set_statics)); `None`
    /// leaves them as they are.
    pub statics: Option<Statics>,
}

impl Reconfiguration {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.remove.is_empty()
            && self.add.is_empty()
            && self.sync_groups.is_empty()
            && self.statics.is_none()
    }
}

/// Why a reconfiguration was not applied, or not completely.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReconfigureError {
    /// The driver has stopped.
    #[error(transparent)]
    Stopped(#[from] DriverStopped),
    /// It was asked for on the driver's own thread (from its event callback), where waiting for
    /// the answer would wait for ever; nothing was changed. Send [`Command::Reconfigure`] with
    /// [`DriverHandle::send`] instead and read the answer later.
    #[error(
        "reconfiguration asked for from the driver's own thread, where it would wait for ever; nothing changed"
    )]
    OnDriverThread,
    /// The driver refused the change; nothing was changed.
    #[error("reconfiguration refused, nothing changed: {0}")]
    Refused(DriverError),
    /// Applying the change failed part of the way: the removals were made, and the additions up
    /// to the failing one.
    #[error("reconfiguration failed part of the way: {0}")]
    Failed(DriverError),
}

/// Why a command was not sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// The driver has stopped.
    #[error(transparent)]
    Stopped(#[from] DriverStopped),
    /// The driver runs no virtual router with this key.
    #[error("the driver runs no virtual router {0}")]
    UnknownRouter(RouterKey),
}

/// A driver's answer to [`Command::Reconfigure`]: the keys of the added routers.
pub type ReconfigureReply = Sender<Result<Vec<RouterKey>, ReconfigureError>>;

/// What a running driver runs (see [`DriverHandle::instances`]): what a reconfiguration is
/// worked out against, so that a program need not keep a copy of every instance it started.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunningInstances {
    /// Each virtual router's instance, as it was added: with the HMAC authentication a
    /// reconfiguration changed in place since, and the interfaces created again since (see
    /// [`ActionApplier::addressing`](crate::host::ActionApplier::addressing)); what a router
    /// learnt while running (keepalived's old unicast checksum, say) is its own state.
    pub instances: Vec<Instance>,
    /// The sync groups, each as its members' keys in the order they were grouped.
    pub sync_groups: Vec<Vec<RouterKey>>,
}

/// Why [`DriverHandle::instances`] has no answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InstancesError {
    /// The driver has stopped.
    #[error(transparent)]
    Stopped(#[from] DriverStopped),
    /// It was asked for on the driver's own thread (from its event callback), where waiting for
    /// the answer would wait for ever. Send [`Command::Instances`] with [`DriverHandle::send`]
    /// instead and read the answer later.
    #[error(
        "the running instances asked for from the driver's own thread, where it would wait for ever"
    )]
    OnDriverThread,
}

/// A request to a running driver.
#[derive(Debug)]
#[non_exhaustive]
pub enum Command {
    /// [`Routers::set_priority`](crate::Routers::set_priority).
    SetPriority(RouterKey, Priority),
    /// [`Routers::set_tracking_weight`](crate::Routers::set_tracking_weight).
    SetTrackingWeight(RouterKey, i16),
    /// [`Routers::set_tracking_fault`](crate::Routers::set_tracking_fault).
    SetTrackingFault(RouterKey, bool),
    /// [`Routers::set_healthy`](crate::Routers::set_healthy).
    SetHealthy(RouterKey, bool),
    /// Deliver an [`Event::Stats`](crate::host::Event::Stats).
    RequestStats,
    /// Apply a [`Reconfiguration`] and answer with the added routers' keys.
    Reconfigure(Box<Reconfiguration>, ReconfigureReply),
    /// Answer with the [`RunningInstances`].
    Instances(Sender<RunningInstances>),
    /// Shut down cleanly: Masters advertise priority 0 and release their addresses, virtual MAC
    /// interfaces are removed, and the driver returns.
    Shutdown,
    /// Stop make-before-break ([`Routers::hand_over`](crate::Routers::hand_over)): Masters
    /// advertise priority 0 and keep their addresses until the new Master is heard (at most
    /// Master_Down_Interval), then everything is removed as for `Shutdown` and the driver returns.
    HandOver,
}

/// The driver has stopped, so the command went nowhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the driver has stopped")]
pub struct DriverStopped;

thread_local! {
    /// The driver whose event loop runs on this thread now (0: none).
    static RUNNING_DRIVER: Cell<u64> = const { Cell::new(0) };
}

/// Marks the current thread as running driver `id` until dropped.
pub(crate) struct OnDriverThread {
    previous: u64,
}

impl OnDriverThread {
    pub(crate) fn enter(id: u64) -> Self {
        Self {
            previous: RUNNING_DRIVER.replace(id),
        }
    }
}

impl Drop for OnDriverThread {
    fn drop(&mut self) {
        RUNNING_DRIVER.set(self.previous);
    }
}

/// A cloneable, thread-safe handle to a running driver.
///
/// ```
/// use vrrp::host::{CommandError, DriverHandle};
/// use vrrp::{AddressFamily, Priority, RouterKey, Vrid};
///
/// // A driver makes the handle and keeps the receiving end; here nobody wakes up.
/// let (handle, commands) = DriverHandle::new(std::sync::Arc::new(|| {}));
/// let key = RouterKey { interface_index: 2, family: AddressFamily::Ipv4, vrid: Vrid::new(51).unwrap() };
/// // The driver has published no router yet, so the key is refused before anything is sent.
/// assert_eq!(handle.set_priority(key, Priority::new(90)), Err(CommandError::UnknownRouter(key)));
/// assert!(commands.try_recv().is_err());
/// ```
#[derive(Clone)]
pub struct DriverHandle {
    commands: Sender<Command>,
    wake: Arc<dyn Fn() + Send + Sync>,
    known: Arc<RwLock<HashSet<RouterKey>>>,
    id: u64,
}

impl fmt::Debug for DriverHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DriverHandle")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl DriverHandle {
    /// A handle and the receiving end a driver reads; `wake` interrupts the driver's wait. The
    /// driver publishes the routers it runs with [`set_routers`](Self::set_routers).
    pub fn new(wake: Arc<dyn Fn() + Send + Sync>) -> (Self, Receiver<Command>) {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        let (commands, receiver) = channel();
        let handle = Self {
            commands,
            wake,
            known: Arc::default(),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        };
        (handle, receiver)
    }

    /// Publishes the keys of the routers the driver runs, which the commands that name a router
    /// are checked against.
    pub fn set_routers(&self, keys: impl IntoIterator<Item = RouterKey>) {
        let mut known = self.known.write().unwrap_or_else(|e| e.into_inner());
        known.clear();
        known.extend(keys);
    }

    /// Whether the driver runs router `key`.
    pub fn runs(&self, key: &RouterKey) -> bool {
        let known = self.known.read().unwrap_or_else(|e| e.into_inner());
        known.contains(key)
    }

    /// The identity of the driver, which marks its thread while its event loop runs.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// Sends `command` and wakes the driver.
    pub fn send(&self, command: Command) -> Result<(), DriverStopped> {
        self.commands.send(command).map_err(|_| DriverStopped)?;
        (self.wake)();
        Ok(())
    }

    fn send_for(&self, router: RouterKey, command: Command) -> Result<(), CommandError> {
        if !self.runs(&router) {
            return Err(CommandError::UnknownRouter(router));
        }
        Ok(self.send(command)?)
    }

    /// Sets the priority of `router` (see [`VirtualRouter::set_priority`](crate::VirtualRouter::set_priority));
    /// an [`Event::PriorityChanged`](crate::host::Event::PriorityChanged) follows if the
    /// effective priority changes.
    pub fn set_priority(&self, router: RouterKey, priority: Priority) -> Result<(), CommandError> {
        self.send_for(router, Command::SetPriority(router, priority))
    }

    /// Sets the tracking weight of `router` (see
    /// [`VirtualRouter::set_tracking_weight`](crate::VirtualRouter::set_tracking_weight)).
    pub fn set_tracking_weight(&self, router: RouterKey, weight: i16) -> Result<(), CommandError> {
        self.send_for(router, Command::SetTrackingWeight(router, weight))
    }

    /// Puts `router` in or out of Fault for a tracked failure (see
    /// [`VirtualRouter::set_tracking_fault`](crate::VirtualRouter::set_tracking_fault)).
    pub fn set_tracking_fault(&self, router: RouterKey, fault: bool) -> Result<(), CommandError> {
        self.send_for(router, Command::SetTrackingFault(router, fault))
    }

    /// Tells `router` whether the service behind its addresses is healthy (see
    /// [`VirtualRouter::set_healthy`](crate::VirtualRouter::set_healthy)): an unhealthy Master
    /// steps down, so that a Backup takes over after its Skew_Time. It may be called before the
    /// driver runs: the Linux driver applies the commands sent before it runs before its routers
    /// start, so a router known to be unhealthy never takes the addresses first.
    pub fn set_healthy(&self, router: RouterKey, healthy: bool) -> Result<(), CommandError> {
        self.send_for(router, Command::SetHealthy(router, healthy))
    }

    /// Asks for an [`Event::Stats`](crate::host::Event::Stats).
    pub fn request_stats(&self) -> Result<(), DriverStopped> {
        self.send(Command::RequestStats)
    }

    /// Applies `change` to the running driver and waits for it to be done; returns the keys of the
    /// added routers. A refused change (an interface that does not exist, an address held by
    /// another router, a duplicate key) leaves everything as it was.
    ///
    /// It blocks until the driver has applied the change. Called on the driver's own thread (from
    /// its event callback) it would wait for ever, so there it returns
    /// [`ReconfigureError::OnDriverThread`] at once.
    pub fn reconfigure(&self, change: Reconfiguration) -> Result<Vec<RouterKey>, ReconfigureError> {
        if RUNNING_DRIVER.get() == self.id {
            return Err(ReconfigureError::OnDriverThread);
        }
        let (reply, answer) = channel();
        self.send(Command::Reconfigure(Box::new(change), reply))?;
        answer.recv().map_err(|_| DriverStopped)?
    }

    /// The instances the driver runs and its sync groups, as it runs them now. A program that
    /// reconfigures the driver (a reload of its configuration file) compares the new instances
    /// with these rather than keeping its own copy of each: at thousands of routers that copy is
    /// megabytes.
    ///
    /// It blocks until the driver answers. Called on the driver's own thread (from its event
    /// callback) it would wait for ever, so there it returns [`InstancesError::OnDriverThread`] at
    /// once.
    pub fn instances(&self) -> Result<RunningInstances, InstancesError> {
        if RUNNING_DRIVER.get() == self.id {
            return Err(InstancesError::OnDriverThread);
        }
        let (reply, answer) = channel();
        self.send(Command::Instances(reply))?;
        Ok(answer.recv().map_err(|_| DriverStopped)?)
    }

    /// Asks the driver to shut down cleanly.
    pub fn shutdown(&self) -> Result<(), DriverStopped> {
        self.send(Command::Shutdown)
    }

    /// Asks the driver to stop make-before-break: each Master advertises priority 0 and keeps its
    /// addresses until it hears the Backup that took over (at most Master_Down_Interval), so that
    /// there is no moment without a holder; then the driver returns as after
    /// [`shutdown`](Self::shutdown). A driver with no Master (all Backup) stops at once, as after
    /// `shutdown`. A `shutdown` sent meanwhile stops it at once.
    pub fn hand_over(&self) -> Result<(), DriverStopped> {
        self.send(Command::HandOver)
    }
}
