//! Health-driven priorities, by keepalived's rules: health checks (`vrrp_script`), tracked
//! interfaces (`track_interface`) and tracked files (`track_file`) combined per virtual router into
//! one tracking weight and one Fault flag, which a driver applies through its
//! [`DriverHandle`](crate::host::DriverHandle).
//!
//! - [`Tracker`]: what each router tracks, with its weights, and what is known of every tracked
//!   item. Sans IO: tell it what changed ([`Tracker::set_check`] and the like) and read each
//!   router's [`Tracking`], or [`Tracker::apply`] it to a running driver.
//! - [`RiseFall`]: `rise` successes or `fall` failures in a row before a check changes state.
//! - [`Script`]: a command run as a health check, with its interval, timeout, rise and fall.
//! - [`Process`]: processes looked for by name and arguments (keepalived's `vrrp_track_process`),
//!   good while their count is within a quorum.
//! - [`Tracker::start`] (Unix): runs the tracker's scripts, re-reads its files, scans `/proc` for
//!   its processes every [`PROCESS_POLL`] and, with the `linux` feature, follows its interfaces'
//!   links, each on a thread of its own, and applies every change to the driver. The [`Monitor`]
//!   it returns stops them.
//!
//! keepalived's rules, per tracked item and router:
//! - a check with weight W > 0 adds W while it succeeds; W < 0 adds W while it fails; W = 0 puts
//!   the router in Fault while it fails;
//! - an interface without a weight puts the router in Fault while it is down; with W > 0 it adds
//!   W while up, with W < 0 it adds W while down;
//! - a file holding the number N adds N × W; with W = 0 a non-zero N means Fault;
//! - a process is a check: good while the number of matching processes is within its quorum.
//!
//! The weights add up to the router's tracking weight, kept within −254 to 254; the priority is
//! then the configured one plus the weight, clamped to 1–254 ([`Tracking::priority`]). The owner's
//! priority (255) never moves.
//!
//! ```
//! use vrrp::track::Tracker;
//! use vrrp::{AddressFamily, Priority, RouterKey, Vrid};
//!
//! let router = RouterKey {
//!     interface_index: 2,
//!     family: AddressFamily::Ipv4,
//!     vrid: Vrid::new(51).ok_or("VRID 0 is invalid")?,
//! };
//! let mut tracker = Tracker::new();
//! tracker.track_check(router, "nginx", -60);
//! tracker.set_check("nginx", false);
//! let tracking = tracker.tracking(router);
//! assert_eq!((tracking.weight, tracking.fault), (-60, false));
//! assert_eq!(tracking.priority(Priority::new(150)), Priority::new(90));
//! # Ok::<(), &str>(())
//! ```
//!
//! With a driver running, a health check in a few lines (Unix):
//!
//! ```no_run
//! # #[cfg(unix)]
//! # fn example(handle: vrrp::host::DriverHandle, router: vrrp::RouterKey) -> Result<(), vrrp::track::StartError> {
//! use std::time::Duration;
//! use vrrp::track::{Script, Tracker};
//!
//! let mut tracker = Tracker::new();
//! let check = Script::new("pidof nginx")
//!     .interval(Duration::from_secs(2))
//!     .fall(2)
//!     .rise(2);
//! tracker.add_script("nginx", check);
//! tracker.track_check(router, "nginx", -60);
//! let monitor = tracker.start(&handle, |report| eprintln!("{report}"))?;
//! // ... until the driver stops; dropping the monitor stops the checks.
//! # drop(monitor);
//! # Ok(())
//! # }
//! ```

#[cfg(unix)]
mod monitor;
mod process;
mod rise_fall;
mod script;
mod tracker;

#[cfg(unix)]
pub use monitor::{Monitor, Report, StartError};
pub use process::{PROCESS_POLL, ParamMatch, Process, ProcessInfo, ProcessState, scan};
pub use rise_fall::RiseFall;
#[cfg(unix)]
pub use script::user_ids;
pub use script::{RunError, Script, split_command};
pub use tracker::Tracker;

use crate::Priority;

/// What a router's tracked items add up to: the weight added to its configured priority, and
/// whether they hold it in Fault.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tracking {
    /// The tracking weight, −254 to 254 (see
    /// [`VirtualRouter::set_tracking_weight`](crate::VirtualRouter::set_tracking_weight)).
    pub weight: i16,
    /// Whether a tracked item holds the router in Fault (see
    /// [`VirtualRouter::set_tracking_fault`](crate::VirtualRouter::set_tracking_fault)).
    pub fault: bool,
    /// Whether any tracked item fails, whatever its weight: a check failing, an interface down,
    /// a file that holds the router in Fault. For a router that steps down on failure
    /// ([`Tracker::step_down_on_failure`](crate::track::Tracker::step_down_on_failure)) this, not
    /// `fault`, is what is applied, as [`VirtualRouter::set_healthy`](crate::VirtualRouter::set_healthy).
    pub failing: bool,
}

impl Tracking {
    /// The priority of a router configured with `base` under this weight, as the core computes
    /// it: `base` plus the weight, clamped to 1–254, and 255 for the owner whatever the weight.
    pub fn priority(self, base: Priority) -> Priority {
        base.tracked(self.weight)
    }
}
