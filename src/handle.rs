//! Controls a running driver from other threads: priorities from health checks, statistics,
//! shutdown.

use std::fmt;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use crate::{Instance, Priority, RouterKey};

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
}

impl Reconfiguration {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.remove.is_empty() && self.add.is_empty() && self.sync_groups.is_empty()
    }
}

/// Why a reconfiguration was not applied, or not completely.
#[derive(Debug, thiserror::Error)]
pub enum ReconfigureError {
    /// The driver has stopped.
    #[error(transparent)]
    Stopped(#[from] DriverStopped),
    /// The driver refused the change; nothing was changed.
    #[error("reconfiguration refused, nothing changed: {0}")]
    Refused(Box<dyn std::error::Error + Send + Sync>),
    /// Applying the change failed part of the way: the removals were made, and the additions up
    /// to the failing one.
    #[error("reconfiguration failed part of the way: {0}")]
    Failed(Box<dyn std::error::Error + Send + Sync>),
}

/// A driver's answer to [`Command::Reconfigure`].
pub type ReconfigureReply = Sender<Result<Vec<RouterKey>, ReconfigureError>>;

/// A request to a running driver.
#[derive(Debug)]
pub enum Command {
    /// [`Routers::set_priority`](crate::Routers::set_priority).
    SetPriority(RouterKey, Priority),
    /// [`Routers::set_tracking_weight`](crate::Routers::set_tracking_weight).
    SetTrackingWeight(RouterKey, i16),
    /// [`Routers::set_tracking_fault`](crate::Routers::set_tracking_fault).
    SetTrackingFault(RouterKey, bool),
    /// Deliver an [`Event::Stats`](crate::Event::Stats).
    RequestStats,
    /// Apply a [`Reconfiguration`] and answer with the added routers' keys.
    Reconfigure(Box<Reconfiguration>, ReconfigureReply),
    /// Shut down cleanly: Masters advertise priority 0 and release their addresses, virtual MAC
    /// interfaces are removed, and the driver returns.
    Shutdown,
}

/// The driver has stopped, so the command went nowhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the driver has stopped")]
pub struct DriverStopped;

/// A cloneable, thread-safe handle to a running driver.
#[derive(Clone)]
pub struct DriverHandle {
    commands: Sender<Command>,
    wake: Arc<dyn Fn() + Send + Sync>,
}

impl fmt::Debug for DriverHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DriverHandle").finish_non_exhaustive()
    }
}

impl DriverHandle {
    /// A handle and the receiving end a driver reads; `wake` interrupts the driver's wait.
    pub fn new(wake: Arc<dyn Fn() + Send + Sync>) -> (Self, Receiver<Command>) {
        let (commands, receiver) = channel();
        (Self { commands, wake }, receiver)
    }

    /// Sends `command` and wakes the driver.
    pub fn send(&self, command: Command) -> Result<(), DriverStopped> {
        self.commands.send(command).map_err(|_| DriverStopped)?;
        (self.wake)();
        Ok(())
    }

    /// Sets the priority of `router` (see [`VirtualRouter::set_priority`](crate::VirtualRouter::set_priority)).
    pub fn set_priority(&self, router: RouterKey, priority: Priority) -> Result<(), DriverStopped> {
        self.send(Command::SetPriority(router, priority))
    }

    /// Sets the tracking weight of `router` (see
    /// [`VirtualRouter::set_tracking_weight`](crate::VirtualRouter::set_tracking_weight)).
    pub fn set_tracking_weight(&self, router: RouterKey, weight: i16) -> Result<(), DriverStopped> {
        self.send(Command::SetTrackingWeight(router, weight))
    }

    /// Puts `router` in or out of Fault for a tracked failure (see
    /// [`VirtualRouter::set_tracking_fault`](crate::VirtualRouter::set_tracking_fault)).
    pub fn set_tracking_fault(&self, router: RouterKey, fault: bool) -> Result<(), DriverStopped> {
        self.send(Command::SetTrackingFault(router, fault))
    }

    /// Asks for an [`Event::Stats`](crate::Event::Stats).
    pub fn request_stats(&self) -> Result<(), DriverStopped> {
        self.send(Command::RequestStats)
    }

    /// Applies `change` to the running driver and waits for it to be done; returns the keys of the
    /// added routers. A refused change (an interface that does not exist, an address held by
    /// another router, a duplicate key) leaves everything as it was.
    ///
    /// It blocks until the driver has applied the change, so it must not be called from the
    /// driver's own thread (its event callback), where it would wait forever.
    pub fn reconfigure(&self, change: Reconfiguration) -> Result<Vec<RouterKey>, ReconfigureError> {
        let (reply, answer) = channel();
        self.send(Command::Reconfigure(Box::new(change), reply))?;
        answer.recv().map_err(|_| DriverStopped)?
    }

    /// Asks the driver to shut down cleanly.
    pub fn shutdown(&self) -> Result<(), DriverStopped> {
        self.send(Command::Shutdown)
    }
}
