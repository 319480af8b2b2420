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

/// The bytes the C allocator holds free in its heaps (`None` on a C library other than glibc).
fn free_heap_bytes() -> Option<usize> {
    #[cfg(target_env = "gnu")]
    {
        // SAFETY: mallinfo2 takes no argument and returns a struct by value; it reads the
        // allocator's statistics under its locks.
        let info = unsafe { libc::mallinfo2() };
        Some(info.fordblks)
    }
    #[cfg(not(target_env = "gnu"))]
    {
        None
    }
}

/// Hands freed memory back after the heap has churned: when the free part of the heap has moved by
/// more than [`HeapTrim::CHURN`] since it was last looked at, checked every [`HeapTrim::EVERY`].
///
/// Thousands of routers becoming Master at once (their addresses installed, the change stream
/// overrunning and every address read again, events queued) touch megabytes of the heap's free
/// memory again and free it again, and glibc keeps it resident: at 4,000 routers about 2 MB of a
/// 15 MB heap. How much of the free memory is resident cannot be read cheaply, but a burst of work
/// shows as a change in how much is free. In steady state the routers reuse the same blocks, the
/// free part stays put, and the check costs one `mallinfo2` call every few seconds.
#[derive(Debug)]
pub(crate) struct HeapTrim {
    next_check: Instant,
    /// The free bytes when last looked at.
    free: usize,
}

impl HeapTrim {
    /// How often the free part of the heap is looked at.
    pub const EVERY: Duration = Duration::from_secs(5);
    /// How far it must have moved, up or down, for a release.
    pub const CHURN: usize = 256 << 10;

    /// Checks first [`EVERY`](Self::EVERY) after `now`.
    pub fn new(now: Instant) -> Self {
        Self {
            next_check: now + Self::EVERY,
            free: free_heap_bytes().unwrap_or(0),
        }
    }

    /// Releases the heap's free memory if it is time to look and the heap has churned since;
    /// returns whether it released.
    pub fn tend(&mut self, now: Instant) -> bool {
        if now < self.next_check {
            return false;
        }
        self.next_check = now + Self::EVERY;
        let Some(free) = free_heap_bytes() else {
            return false;
        };
        let churned = free.abs_diff(self.free) > Self::CHURN;
        if churned {
            release_free_memory();
        }
        // Releasing leaves the free blocks free, only not resident: the count stays.
        self.free = free_heap_bytes().unwrap_or(free);
        churned
    }
}

#[cfg(all(test, target_env = "gnu"))]
mod tests {
    use super::*;

    #[test]
    fn a_heap_with_megabytes_freed_is_trimmed_once_then_left_alone() {
        let start = Instant::now();
        let mut trim = HeapTrim::new(start);
        // Many small blocks, so that glibc keeps them in its heap rather than unmapping them.
        let blocks: Vec<Vec<u8>> = (0..40_000).map(|i| vec![i as u8; 100]).collect();
        // Keeps the blocks off the top of the heap, which free() would give back by itself.
        let fence = vec![1u8; 100];
        assert!(!trim.tend(start), "not before EVERY has passed");
        drop(blocks);
        let later = start + HeapTrim::EVERY;
        assert!(trim.tend(later), "4 MB freed: released");
        assert!(
            !trim.tend(later + HeapTrim::EVERY),
            "nothing freed since: left alone"
        );
        drop(fence);
    }
}
