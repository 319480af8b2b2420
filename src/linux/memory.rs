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

/// Hands the heap's free memory back every [`HeapTrim::EVERY`] while more than
/// [`HeapTrim::SLACK`] of it is free.
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
    next_check: Instant,
}

impl HeapTrim {
    /// How often the free part of the heap is looked at.
    pub const EVERY: Duration = Duration::from_secs(5);
    /// How much must be free for a release.
    pub const SLACK: usize = 1 << 20;

    /// Checks first [`EVERY`](Self::EVERY) after `now`.
    pub fn new(now: Instant) -> Self {
        Self {
            next_check: now + Self::EVERY,
        }
    }

    /// Releases the heap's free memory if it is time to look and enough is free; returns whether
    /// it released.
    pub fn tend(&mut self, now: Instant) -> bool {
        if now < self.next_check {
            return false;
        }
        self.next_check = now + Self::EVERY;
        if free_heap_bytes().is_none_or(|free| free <= Self::SLACK) {
            return false;
        }
        release_free_memory();
        true
    }
}

#[cfg(all(test, target_env = "gnu"))]
mod tests {
    use super::*;

    #[test]
    fn a_heap_with_megabytes_free_is_trimmed_every_period() {
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
            !trim.tend(later + HeapTrim::EVERY / 2),
            "not before EVERY has passed again"
        );
        drop(fence);
    }
}
