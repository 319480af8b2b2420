//! Sends the announcement frames of [`crate::announce`] on an AF_PACKET socket.

use std::io;
use std::mem;
use std::net::{IpAddr, Ipv6Addr};
use std::os::fd::{AsRawFd, RawFd};

use socket2::{Domain, Socket, Type};

use crate::MacAddress;
use crate::announce::{FrameError, gratuitous_arp, unsolicited_neighbor_advertisement};
use crate::packet::AddressList;

/// Why announcements could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum AnnounceError {
    /// Packet sockets need CAP_NET_RAW.
    #[error(
        "opening a packet socket for gratuitous ARP / neighbour advertisements needs CAP_NET_RAW: {0}"
    )]
    Permission(io::Error),
    /// An IPv6 address cannot be announced without the interface's link-local source address.
    #[error("announcing {0} needs the interface's IPv6 link-local address as the source")]
    NoLinkLocalSource(Ipv6Addr),
    /// The frame could not be built.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// A system call failed.
    #[error("{operation} failed: {source}")]
    Io {
        /// What was being done.
        operation: &'static str,
        /// The error.
        source: io::Error,
    },
}

/// A packet socket for announcements; it receives nothing.
#[derive(Debug)]
pub struct Announcer {
    socket: Socket,
}

impl Announcer {
    /// Opens the packet socket (protocol 0: nothing is delivered to it).
    pub fn open() -> Result<Self, AnnounceError> {
        let socket = Socket::new(Domain::PACKET, Type::RAW, None).map_err(|source| {
            if source.kind() == io::ErrorKind::PermissionDenied {
                AnnounceError::Permission(source)
            } else {
                AnnounceError::Io {
                    operation: "socket(AF_PACKET)",
                    source,
                }
            }
        })?;
        Ok(Self { socket })
    }

    /// Announces every address of `addresses` `repeat` times on interface `interface_index` at
    /// `mac`: gratuitous ARPs for IPv4, unsolicited neighbour advertisements from `link_local` for
    /// IPv6. Returns how many frames were sent.
    pub fn announce(
        &self,
        interface_index: u32,
        addresses: &AddressList,
        mac: MacAddress,
        link_local: Option<Ipv6Addr>,
        repeat: u8,
    ) -> Result<usize, AnnounceError> {
        let mut frames = Vec::with_capacity(addresses.len());
        for address in addresses.iter() {
            frames.push(match address {
                IpAddr::V4(v4) => gratuitous_arp(v4, mac)?,
                IpAddr::V6(v6) => {
                    let source = link_local.ok_or(AnnounceError::NoLinkLocalSource(v6))?;
                    unsolicited_neighbor_advertisement(v6, mac, source)?
                }
            });
        }
        let mut sent = 0;
        for _ in 0..repeat {
            for frame in &frames {
                self.send_frame(interface_index, frame)?;
                sent += 1;
            }
        }
        Ok(sent)
    }

    /// Sends one Ethernet frame (header included) out of interface `interface_index`.
    pub fn send_frame(&self, interface_index: u32, frame: &[u8]) -> Result<(), AnnounceError> {
        send_to_interface(self.socket.as_raw_fd(), interface_index, frame).map_err(|source| {
            AnnounceError::Io {
                operation: "sending an announcement",
                source,
            }
        })
    }
}

fn send_to_interface(fd: RawFd, interface_index: u32, frame: &[u8]) -> io::Result<()> {
    // SAFETY: sockaddr_ll is plain old data for which all-zero bytes are a valid value.
    let mut address: libc::sockaddr_ll = unsafe { mem::zeroed() };
    address.sll_family = libc::AF_PACKET as libc::c_ushort;
    address.sll_ifindex = libc::c_int::try_from(interface_index)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "interface index out of range"))?;
    // The frame carries its own Ethernet header; the kernel only needs the interface.
    // SAFETY: `frame` and `address` are live buffers of the lengths passed beside them.
    let sent = unsafe {
        libc::sendto(
            fd,
            frame.as_ptr().cast(),
            frame.len(),
            0,
            (&raw const address).cast(),
            mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    };
    match usize::try_from(sent) {
        Ok(n) if n == frame.len() => Ok(()),
        Ok(n) => Err(io::Error::other(format!(
            "sent {n} of {} bytes",
            frame.len()
        ))),
        Err(_) => Err(io::Error::last_os_error()),
    }
}
