//! The async twin of [`Driver::run`](super::Driver::run): the same driver on a tokio runtime (feature `tokio`).

use std::future::poll_fn;
use std::os::fd::{AsRawFd, RawFd};
use std::task::Poll;

use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

use super::{Driver, Source};
use crate::host::{AddressBackend, DriverError, Event};

/// A descriptor the driver owns, registered with tokio for readiness only; closing stays with the
/// driver, which outlives the registration.
struct Registered(RawFd);

impl AsRawFd for Registered {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

impl<A: AddressBackend> Driver<A> {
    /// Runs the virtual routers as a task on the current tokio runtime until
    /// [`DriverHandle::shutdown`](crate::host::DriverHandle::shutdown), with the behaviour of
    /// [`run`](Self::run). Needs a runtime with I/O enabled; the routers' deadlines are a timerfd
    /// among the registered descriptors, not tokio timers, whose millisecond resolution would make
    /// every takeover up to a millisecond late. The future is `Send` when `on_event` is, so it
    /// may be `tokio::spawn`ed; the [`DriverHandle`](crate::host::DriverHandle) reaches it from
    /// any task.
    pub async fn run_async(mut self, on_event: impl FnMut(Event)) -> Result<(), DriverError> {
        let mut on_event = super::logged(on_event);
        if self.start(&mut on_event) {
            return self.stop(&mut on_event);
        }
        let mut registered = self.register()?;
        loop {
            self.arm_timer()?;
            // Wait for any descriptor, the timer among them; clear the readiness seen before
            // reading, so that data arriving while the driver reads raises it again.
            let ready: Vec<Source> = poll_fn(|cx| {
                let ready: Vec<Source> = registered
                    .iter()
                    .filter_map(|(source, fd)| match fd.poll_read_ready(cx) {
                        Poll::Ready(Ok(mut guard)) => {
                            guard.clear_ready();
                            Some(*source)
                        }
                        _ => None,
                    })
                    .collect();
                if ready.is_empty() {
                    Poll::Pending
                } else {
                    Poll::Ready(ready)
                }
            })
            .await;
            if self.service(&ready, &mut on_event)? {
                drop(registered);
                return self.stop(&mut on_event);
            }
            // A reconfiguration may have opened the socket of another family.
            let sources = self.descriptors();
            if sources.len() != registered.len()
                || sources
                    .iter()
                    .zip(&registered)
                    .any(|((a, _), (b, _))| a != b)
            {
                drop(sources);
                // Deregister first: epoll refuses a descriptor registered twice.
                drop(std::mem::take(&mut registered));
                registered = self.register()?;
            }
        }
    }

    /// Registers every descriptor the driver waits on with tokio.
    fn register(&self) -> Result<Vec<(Source, AsyncFd<Registered>)>, DriverError> {
        let mut registered = Vec::new();
        for (source, fd) in self.descriptors() {
            // SAFETY: the descriptor belongs to `self`, which keeps it open (sockets are only
            // closed when the driver is dropped) for as long as the registration lives: `run_async`
            // drops it before `stop`, and otherwise as a local, before the function's arguments.
            let async_fd = unsafe {
                AsyncFd::register_with_interest(Registered(fd.as_raw_fd()), Interest::READABLE)
            }
            .map_err(|error| DriverError::Io {
                operation: "registering the driver's sockets with tokio",
                source: error.into(),
            })?;
            registered.push((source, async_fd));
        }
        Ok(registered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compiles only while `run_async`'s future is `Send`, as its documentation says.
    #[allow(dead_code)]
    fn run_async_is_send(driver: Driver) {
        fn send<T: Send>(_: T) {}
        send(driver.run_async(|_| {}));
    }
}
