//! Scheduling for the thread that runs the [`Driver`](crate::linux::Driver): real-time
//! priority, locked memory, CPU affinity and niceness (keepalived's `vrrp_rt_priority`,
//! `vrrp_rlimit_rttime`, `vrrp_no_swap`, `vrrp_cpu_affinity` and `vrrp_priority`).
//!
//! None is needed for the protocol's deadlines on a loaded host (BENCHMARKS.md measures them at
//! normal priority); they are for hosts where other processes outrank it. Apply them on the
//! thread that runs the driver, after the threads that should not have them are started. With
//! `SCHED_RESET_ON_FORK`, what the real-time thread starts, threads or processes (health checks,
//! notify scripts), begins at normal priority.
//!
//! A real-time thread that uses more than its `rttime` of CPU without blocking gets SIGXCPU at
//! half of it and is killed at all of it: a program that sets one should catch SIGXCPU (vrrpd
//! logs it) rather than die of its default action.

use std::io;
use std::time::Duration;

/// A scheduling setting the kernel refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SchedulingError {
    /// A real-time priority outside 1 to 99.
    #[error("a real-time priority is 1 to 99, not {0}")]
    Priority(u8),
    /// A niceness outside -20 to 19.
    #[error("a niceness is -20 to 19, not {0}")]
    Nice(i8),
    /// No CPU given, or one the host does not have.
    #[error("CPU affinity {cpus:?}: {why}")]
    Cpus {
        /// The CPUs asked for.
        cpus: Vec<usize>,
        /// What is wrong with them.
        why: &'static str,
    },
    /// The system call failed (without CAP_SYS_NICE or CAP_IPC_LOCK, say).
    #[error("{call}: {source}")]
    System {
        /// The call.
        call: &'static str,
        /// Its error.
        source: io::Error,
    },
}

fn check(call: &'static str, result: libc::c_int) -> Result<(), SchedulingError> {
    if result == 0 {
        Ok(())
    } else {
        Err(SchedulingError::System {
            call,
            source: io::Error::last_os_error(),
        })
    }
}

/// Runs the calling thread SCHED_RR at `priority` (1 to 99) with `SCHED_RESET_ON_FORK`, and
/// limits the CPU time it may use without blocking to `rttime` (RLIMIT_RTTIME; keepalived's
/// `vrrp_rlimit_rttime`, 10 ms by default): a real-time loop that never blocks gets SIGXCPU at
/// half of it and SIGKILL at all of it, instead of freezing the host.
pub fn set_realtime(priority: u8, rttime: Duration) -> Result<(), SchedulingError> {
    if !(1..=99).contains(&priority) {
        return Err(SchedulingError::Priority(priority));
    }
    let micros = libc::rlim_t::try_from(rttime.as_micros()).unwrap_or(libc::rlim_t::MAX);
    // Half of it warns (SIGXCPU), all of it kills: a thread that never blocks is told before.
    let limit = libc::rlimit {
        rlim_cur: (micros / 2).max(1),
        rlim_max: micros.max(2),
    };
    // SAFETY: `limit` is a valid rlimit that lives across the call, which only reads it.
    check("setrlimit(RLIMIT_RTTIME)", unsafe {
        libc::setrlimit(libc::RLIMIT_RTTIME, &limit)
    })?;
    let param = libc::sched_param {
        sched_priority: libc::c_int::from(priority),
    };
    // SAFETY: `param` is a valid sched_param that lives across the call, which only reads it;
    // pid 0 is the calling thread.
    check("sched_setscheduler(SCHED_RR)", unsafe {
        libc::sched_setscheduler(0, libc::SCHED_RR | libc::SCHED_RESET_ON_FORK, &param)
    })
}

/// keepalived's `max_auto_priority` and `min_auto_priority_delay`: a driver given one (see
/// `Driver::set_auto_realtime`) that serves a deadline `min_delay` late or later raises its
/// thread to SCHED_RR at `max_priority`, at once. Not a step at a time: a real-time thread below
/// the real-time processes that made it late gets no CPU at all (the normal processes' share is
/// no longer its), and is later than before (BENCHMARKS.md, "Scheduling").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AutoRealtime {
    /// The highest real-time priority it goes to, 1 to 99.
    pub max_priority: u8,
    /// How late a deadline must be served to raise it (keepalived's default: 1 s).
    pub min_delay: Duration,
    /// RLIMIT_RTTIME once real-time (see [`set_realtime`]).
    pub rttime: Duration,
    /// The real-time priority the thread runs at (0: not real-time).
    pub current: u8,
}

impl AutoRealtime {
    /// Up to `max_priority`, raised when a deadline is `min_delay` late, RLIMIT_RTTIME `rttime`.
    pub fn new(max_priority: u8, min_delay: Duration, rttime: Duration) -> Self {
        Self {
            max_priority: max_priority.min(99),
            min_delay,
            rttime,
            current: 0,
        }
    }

    /// Starts from real-time `priority`, the thread's already (set with [`set_realtime`]): one at or
    /// above `max_priority` is never changed.
    pub fn starting_at(mut self, priority: u8) -> Self {
        self.current = priority;
        self
    }

    /// A deadline was served `late`: the priority raised to, if it is raised now.
    pub fn on_late(&mut self, late: Duration) -> Option<Result<u8, SchedulingError>> {
        if late < self.min_delay || self.current >= self.max_priority {
            return None;
        }
        let to = self.max_priority;
        Some(set_realtime(to, self.rttime).map(|()| {
            self.current = to;
            to
        }))
    }
}

/// Locks the process's memory, present and future, into RAM (keepalived's `vrrp_no_swap`), so a
/// host under memory pressure never pages the driver out. Pages of later mappings are locked as
/// they are touched (`MCL_ONFAULT`, Linux 4.4), not all at once: a thread's whole stack is not
/// made resident by being mapped.
pub fn lock_memory() -> Result<(), SchedulingError> {
    // SAFETY: mlockall takes flags only and touches no memory of ours.
    let on_fault =
        unsafe { libc::mlockall(libc::MCL_CURRENT | libc::MCL_FUTURE | libc::MCL_ONFAULT) };
    if on_fault == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::EINVAL) {
        return check("mlockall", on_fault);
    }
    // A kernel before 4.4, without MCL_ONFAULT.
    // SAFETY: as above.
    check("mlockall", unsafe {
        libc::mlockall(libc::MCL_CURRENT | libc::MCL_FUTURE)
    })
}

/// Runs the calling thread on `cpus` only (keepalived's `vrrp_cpu_affinity`).
pub fn set_cpu_affinity(cpus: &[usize]) -> Result<(), SchedulingError> {
    let bad = |why| SchedulingError::Cpus {
        cpus: cpus.to_vec(),
        why,
    };
    let online = std::thread::available_parallelism().map_or(1, usize::from);
    if cpus.is_empty() {
        return Err(bad("no CPU given"));
    }
    if cpus.iter().any(|&cpu| cpu >= libc::CPU_SETSIZE as usize) {
        return Err(bad("beyond the CPUs the kernel can name"));
    }
    // SAFETY: an all-zero cpu_set_t is a valid, empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for &cpu in cpus {
        // SAFETY: `cpu` is below CPU_SETSIZE (checked above), within `set`.
        unsafe { libc::CPU_SET(cpu, &mut set) };
    }
    // SAFETY: `set` is a valid cpu_set_t of the size passed, read by the call; pid 0 is the
    // calling thread.
    let result =
        unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) };
    if result != 0 && cpus.iter().all(|&cpu| cpu >= online) {
        return Err(bad("none of them is online"));
    }
    check("sched_setaffinity", result)
}

/// Sets the calling thread's niceness, -20 to 19 (keepalived's `vrrp_priority`).
pub fn set_nice(nice: i8) -> Result<(), SchedulingError> {
    if !(-20..=19).contains(&nice) {
        return Err(SchedulingError::Nice(nice));
    }
    // SAFETY: setpriority takes plain values; 0 is the calling thread (Linux's per-thread
    // niceness).
    check("setpriority", unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, libc::c_int::from(nice))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_values_are_refused_before_any_system_call() {
        assert!(matches!(
            set_realtime(0, Duration::from_millis(10)),
            Err(SchedulingError::Priority(0))
        ));
        assert!(matches!(
            set_realtime(100, Duration::from_millis(10)),
            Err(SchedulingError::Priority(100))
        ));
        assert!(matches!(set_nice(20), Err(SchedulingError::Nice(20))));
        assert!(matches!(
            set_cpu_affinity(&[]),
            Err(SchedulingError::Cpus { .. })
        ));
    }

    #[test]
    fn auto_realtime_waits_for_a_late_enough_deadline_and_stops_at_its_maximum() {
        let second = Duration::from_secs(1);
        let mut auto = AutoRealtime::new(5, second, Duration::from_millis(10)).starting_at(5);
        // At its maximum already: nothing to raise, no system call.
        assert!(auto.on_late(Duration::from_secs(3)).is_none());
        let mut auto = AutoRealtime::new(5, second, Duration::from_millis(10));
        assert!(auto.on_late(Duration::from_millis(999)).is_none());
        assert_eq!(auto.current, 0);
    }

    #[test]
    fn a_thread_runs_on_the_cpu_it_is_given() {
        std::thread::spawn(|| {
            set_cpu_affinity(&[0]).expect("CPU 0 exists");
            let status = std::fs::read_to_string("/proc/thread-self/status").expect("status");
            let allowed = status
                .lines()
                .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
                .expect("Cpus_allowed_list")
                .trim()
                .to_string();
            assert_eq!(allowed, "0");
        })
        .join()
        .expect("the thread");
    }
}
