//! Controls a running driver from other threads: priorities from health checks, statistics,
//! shutdown.

use std::fmt;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use crate::{Priority, RouterKey};

/// A request to a running driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// [`Routers::set_priority`](crate::Routers::set_priority).
    SetPriority(RouterKey, Priority),
    /// [`Routers::set_tracking_weight`](crate::Routers::set_tracking_weight).
    SetTrackingWeight(RouterKey, i16),
    /// [`Routers::set_tracking_fault`](crate::Routers::set_tracking_fault).
    SetTrackingFault(RouterKey, bool),
    /// Deliver an [`Event::Stats`](crate::Event::Stats).
    RequestStats,
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

    /// Asks the driver to shut down cleanly.
    pub fn shutdown(&self) -> Result<(), DriverStopped> {
        self.send(Command::Shutdown)
    }
}
