//! The Linux backends. This is the only part of the crate with `unsafe` code (system calls that
//! socket2 does not wrap), each block with a `SAFETY:` comment.

use std::ffi::CString;
use std::io;

pub mod announcer;
#[cfg(feature = "tokio")]
mod async_driver;
pub mod backends;
pub mod capability;
pub mod driver;
pub mod netlink;
mod poll;
pub mod socket;
mod timer;

pub use crate::Instance;
pub use announcer::{AnnounceError, Announcer};
pub use driver::{Driver, DriverError, interface_source};
pub use netlink::{
    Interface, InterfaceAddress, Netlink, NetlinkError, NetlinkEvent, NetlinkEvents,
};
pub use socket::{Received, SocketError, VrrpSocket};

/// The index of the network interface called `name`.
pub fn interface_index(name: &str) -> io::Result<u32> {
    let name = CString::new(name)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "interface name contains NUL"))?;
    // SAFETY: `name` is a NUL-terminated string that lives across the call; if_nametoindex only reads it.
    match unsafe { libc::if_nametoindex(name.as_ptr()) } {
        0 => Err(io::Error::last_os_error()),
        index => Ok(index),
    }
}
