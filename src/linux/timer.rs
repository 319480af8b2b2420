//! The routers' next deadline as a timerfd(2), so that a poll waits on it like on any socket.
//!
//! A poll timeout is not precise: Linux lets poll, ppoll, select and epoll_wait sleep 0.1 % longer
//! than asked (up to 100 ms) to batch wake-ups, so a 3.6 s Master_Down_Interval could end 3.6 ms
//! late. A timerfd expires on a high-resolution timer with no such slack.

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::time::Duration;

/// A one-shot monotonic timer that makes its descriptor readable when it expires.
#[derive(Debug)]
pub(crate) struct DeadlineTimer {
    file: File,
}

impl DeadlineTimer {
    /// A disarmed timer on the monotonic clock, non-blocking and closed on exec.
    pub(crate) fn new() -> io::Result<Self> {
        // SAFETY: timerfd_create takes no pointers and only reads its two integer arguments.
        let fd = unsafe {
            libc::timerfd_create(
                libc::CLOCK_MONOTONIC,
                libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a descriptor timerfd_create just opened, owned by nothing else.
        let owned = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Self {
            file: File::from(owned),
        })
    }

    /// Arms the timer to expire `after` from now, or disarms it (`None`). A deadline already due
    /// expires at once.
    pub(crate) fn set(&self, after: Option<Duration>) -> io::Result<()> {
        let zero = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        let value = match after {
            None => zero,
            // Zero would disarm the timer, so a due deadline is one nanosecond away.
            Some(after) => libc::timespec {
                tv_sec: libc::time_t::try_from(after.as_secs()).unwrap_or(libc::time_t::MAX),
                // Below 10^9, so it fits every c_long.
                tv_nsec: after.subsec_nanos().max(u32::from(after.as_secs() == 0)) as libc::c_long,
            },
        };
        let spec = libc::itimerspec {
            it_interval: zero,
            it_value: value,
        };
        // SAFETY: the descriptor is an open timerfd, `spec` is a valid itimerspec alive across the
        // call, and a null old-value pointer is allowed.
        let result = unsafe {
            libc::timerfd_settime(
                self.file.as_raw_fd(),
                0,
                std::ptr::from_ref(&spec),
                std::ptr::null_mut(),
            )
        };
        if result < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Consumes an expiry, so that the descriptor stops being readable.
    pub(crate) fn clear(&self) {
        let mut expirations = [0; 8];
        // Nothing to read (WouldBlock) means there was no expiry to consume.
        let _ = (&self.file).read(&mut expirations);
    }
}

impl AsFd for DeadlineTimer {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::linux::poll::wait_readable;

    #[test]
    fn expires_after_the_duration_and_clears() {
        let timer = DeadlineTimer::new().expect("timerfd");
        let armed = Instant::now();
        timer.set(Some(Duration::from_millis(20))).expect("arming");
        let ready = wait_readable(&[timer.as_fd()], Some(Duration::from_secs(5))).expect("poll");
        assert_eq!(ready, [true]);
        assert!(armed.elapsed() >= Duration::from_millis(20));
        timer.clear();
        let ready = wait_readable(&[timer.as_fd()], Some(Duration::ZERO)).expect("poll");
        assert_eq!(ready, [false]);
    }

    #[test]
    fn a_due_deadline_expires_at_once_and_none_disarms() {
        let timer = DeadlineTimer::new().expect("timerfd");
        timer.set(Some(Duration::ZERO)).expect("arming");
        let ready = wait_readable(&[timer.as_fd()], Some(Duration::from_secs(5))).expect("poll");
        assert_eq!(ready, [true]);
        timer.clear();
        timer.set(Some(Duration::from_millis(10))).expect("arming");
        timer.set(None).expect("disarming");
        let ready = wait_readable(&[timer.as_fd()], Some(Duration::from_millis(50))).expect("poll");
        assert_eq!(ready, [false]);
    }
}
