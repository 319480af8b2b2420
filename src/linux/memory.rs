//! The C allocator's free memory: handed back to the system after start-up and after bursts of
//! work, so that a long-running process does not keep its peaks resident.

use std::time::{Duration, Instant};

/// Gives the memory the C allocator holds free back to the system, and returns whether it could.
///
/// Reading a large configuration and installing thousands of routers needs several times the
/// memory that running them does (at 4,000 routers, a peak of 19 MB of heap for the syntax tree of
/// a 690 kB keepalived.conf), and glibc keeps what was freed for later allocations, so a process
/// would show its start-up peak as resident for ever. A daemon calls this once its routers run,
/// and after a reload; the [`Driver`](crate::linux::Driver) also calls it after bursts of its own
/// work. On a C library other than glibc it does nothing and returns false.
pub fn release_free_memory() -> bool {
    #[cfg(target_env = "gnu")]
    {
        // SAFETY: malloc_trim takes no pointer and only walks the allocator's own free lists,
        // under the allocator's locks; it may be called at any time from any thread.
        unsafe { libc::malloc_trim(0) != 0 }
    }
    #[cfg(not(target_env = "gnu"))]
    {
        false
    }
}

/// Hands the heap's free memory back every [`HeapTrim::EVERY`].
///
/// Thousands of routers becoming Master at once (their addresses installed, the change stream
/// overrunning and every address read again, events queued, announcements paced) touch megabytes
/// of the heap's free memory again and free it again, and glibc keeps it resident: at 4,000
/// routers about 1 to 2 MB of a 15 MB heap. How much of the free memory is resident cannot be read
/// cheaply, and a burst can leave the amount free where it was, so the release is periodic: it
/// walks glibc's free lists and gives back the whole pages among them, a fraction of a millisecond
/// every few seconds at 4,000 routers (BENCHMARKS.md, "Scale").
#[derive(Debug)]
pub(crate) struct HeapTrim {
    next_release: Instant,
}

impl HeapTrim {
    /// How often the heap's free memory is handed back.
    pub const EVERY: Duration = Duration::from_secs(5);

    /// Releases first [`EVERY`](Self::EVERY) after `now`.
    pub fn new(now: Instant) -> Self {
        Self {
            next_release: now + Self::EVERY,
        }
    }

    /// Releases the heap's free memory if it is time; returns whether it was.
    pub fn tend(&mut self, now: Instant) -> bool {
        if now < self.next_release {
            return false;
        }
        self.next_release = now + Self::EVERY;
        release_free_memory();
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_heap_is_released_once_every_period() {
        let start = Instant::now();
        let mut trim = HeapTrim::new(start);
        assert!(!trim.tend(start), "not before EVERY has passed");
        let due = start + HeapTrim::EVERY;
        assert!(trim.tend(due));
        assert!(
            !trim.tend(due + HeapTrim::EVERY / 2),
            "not twice in a period"
        );
        assert!(trim.tend(due + HeapTrim::EVERY));
    }
}
