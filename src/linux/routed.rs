//! An interface for routed virtual addresses that exists exactly as long as this process: a TUN
//! device it creates without persistence, so that the kernel deletes it, with every address on
//! it, when the process exits for any reason, SIGKILL included. A BGP speaker on the host that
//! announces the addresses of this interface (BIRD's `direct` protocol, FRR's `redistribute
//! connected`) then withdraws them at once: a killed Master's routes do not outlive it.
//!
//! Nothing is sent to or read from the device: an address on it is local to the host (the kernel
//! delivers packets addressed to it through the loopback path), and it has no neighbours, so it
//! is never announced by ARP or neighbour advertisements.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;

use crate::linux::{Netlink, NetlinkError};

/// The longest interface name the kernel takes (IFNAMSIZ less the NUL).
const MAX_NAME: usize = libc::IFNAMSIZ - 1;

/// Why a [`RoutedInterface`] could not be created.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RoutedInterfaceError {
    /// The name is empty, longer than 15 bytes, or has a `/`, a `%` (a kernel pattern), a space
    /// or a NUL.
    #[error("{0:?} is not an interface name (1 to 15 bytes, no '/', '%', space or NUL)")]
    InvalidName(String),
    /// An interface of that name exists: one this process did not create would not die with it.
    #[error(
        "interface {0} exists already; the routed interface must be created by this process so \
         that it disappears with it (delete it with `ip link del {0}`, or choose another name)"
    )]
    Exists(String),
    /// `/dev/net/tun` is missing (no TUN support in the kernel, or no device node).
    #[error("opening /dev/net/tun failed (is the tun module loaded?): {0}")]
    NoTun(io::Error),
    /// Creating the device needs CAP_NET_ADMIN.
    #[error("creating the routed interface {name} needs CAP_NET_ADMIN: {source}")]
    Permission {
        /// The name asked for.
        name: String,
        /// The error.
        source: io::Error,
    },
    /// The TUNSETIFF request failed.
    #[error("creating the routed interface {name} failed: {source}")]
    Create {
        /// The name asked for.
        name: String,
        /// The error.
        source: io::Error,
    },
    /// Looking the device up or setting it up over netlink failed.
    #[error("setting up the routed interface: {0}")]
    Netlink(#[from] NetlinkError),
}

/// A network interface for routed virtual addresses, deleted by the kernel when this value is
/// dropped or the process ends in any way. Give its [`index`](Self::index) to
/// [`Instance::device`](crate::host::Instance::device) for each routed address, hand it to the
/// driver with [`Driver::keep_routed_interface`](crate::linux::Driver::keep_routed_interface)
/// (which makes it again if someone deletes it), and pair it with an address lifetime
/// ([`Driver::set_address_lifetime`](crate::linux::Driver::set_address_lifetime)) for a process
/// that hangs rather than dies.
#[derive(Debug)]
pub struct RoutedInterface {
    /// The open TUN descriptor: the device lives while it is open.
    _device: File,
    index: u32,
    name: String,
}

/// The TUNSETIFF argument: `struct ifreq` with the name and the flags member of its union, the
/// rest of the union zeroed.
#[repr(C)]
struct TunRequest {
    name: [libc::c_char; libc::IFNAMSIZ],
    flags: libc::c_short,
    _rest: [u8; REST],
}

/// The bytes of `struct ifreq` after the name and the flags.
const REST: usize =
    std::mem::size_of::<libc::ifreq>() - libc::IFNAMSIZ - std::mem::size_of::<libc::c_short>();

impl RoutedInterface {
    /// Creates the TUN interface `name` (no packet information header, not persistent), sets it
    /// up, and returns it. Refuses a name that exists already.
    pub fn create(name: &str) -> Result<Self, RoutedInterfaceError> {
        let valid = !name.is_empty()
            && name.len() <= MAX_NAME
            && !name
                .bytes()
                .any(|b| b == b'/' || b == b'%' || b == 0 || b.is_ascii_whitespace());
        if !valid {
            return Err(RoutedInterfaceError::InvalidName(name.to_owned()));
        }
        let mut netlink = Netlink::open()?;
        if netlink.interface_by_name(name).is_ok() {
            return Err(RoutedInterfaceError::Exists(name.to_owned()));
        }
        // std opens with O_CLOEXEC: a child the process starts does not keep the device alive.
        let device = OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/net/tun")
            .map_err(RoutedInterfaceError::NoTun)?;
        let mut request = TunRequest {
            name: [0; libc::IFNAMSIZ],
            // A new device only (IFF_TUN_EXCL): never one someone made meanwhile, which could be
            // persistent and outlive us. The flags are the short's bits.
            flags: (libc::IFF_TUN | libc::IFF_NO_PI | libc::IFF_TUN_EXCL) as u16 as libc::c_short,
            _rest: [0; REST],
        };
        for (slot, byte) in request.name.iter_mut().zip(name.bytes()) {
            *slot = byte as libc::c_char;
        }
        // SAFETY: the descriptor is open; `request` is a live, writable, ifreq-sized buffer with a
        // NUL-terminated name (at most 15 bytes were copied into 16 zeroed ones), which the kernel
        // reads and may write back within its size.
        let result = unsafe { libc::ioctl(device.as_raw_fd(), libc::TUNSETIFF, &mut request) };
        if result < 0 {
            let source = io::Error::last_os_error();
            let name = name.to_owned();
            return Err(match source.raw_os_error() {
                Some(libc::EPERM) => RoutedInterfaceError::Permission { name, source },
                Some(libc::EBUSY) => RoutedInterfaceError::Exists(name),
                _ => RoutedInterfaceError::Create { name, source },
            });
        }
        let index = netlink.interface_by_name(name)?.index;
        netlink.set_link_up(index, true)?;
        Ok(Self {
            _device: device,
            index,
            name: name.to_owned(),
        })
    }

    /// The interface's index.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The interface's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_kernel_would_refuse_are_refused_before_any_system_call() {
        for name in ["", "sixteen-bytes-ab", "a/b", "vip%d", "a b", "a\0b"] {
            assert!(
                matches!(
                    RoutedInterface::create(name),
                    Err(RoutedInterfaceError::InvalidName(n)) if n == name
                ),
                "{name:?}"
            );
        }
    }

    #[test]
    fn the_request_has_the_kernels_ifreq_size() {
        assert_eq!(
            std::mem::size_of::<TunRequest>(),
            std::mem::size_of::<libc::ifreq>()
        );
    }
}
