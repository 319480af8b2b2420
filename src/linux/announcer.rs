//! Announces virtual addresses: the frames of [`crate::host::announce`] sent on an AF_PACKET
//! socket with the interface's MAC (and, for IPv6, its link-local source).

use std::collections::HashMap;
use std::io;
use std::mem;
use std::net::{IpAddr, Ipv6Addr};
use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

use socket2::{Domain, Socket, Type};

use crate::host::announce::{
    FrameError, gratuitous_arp, router_advertisement, unsolicited_neighbor_advertisement,
};
use crate::host::{AnnounceBackend, BackendError};
use crate::linux::{Netlink, NetlinkError};
use crate::{AddressFamily, MacAddress};

/// Why announcements could not be sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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

/// A packet socket that sends whole Ethernet frames; it receives nothing.
#[derive(Debug)]
pub struct FrameSocket {
    socket: Socket,
}

impl FrameSocket {
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

/// The Linux [`AnnounceBackend`] backend: announces over a [`FrameSocket`] with the MAC (and, for IPv6,
/// the link-local source) of the interface, which it looks up once per interface over its own
/// netlink connection.
#[derive(Debug)]
pub struct Announcer {
    frames: FrameSocket,
    netlink: Netlink,
    /// Each interface's Ethernet address; `None` for one without neighbours (no Ethernet
    /// address, as a TUN device, or loopback's all-zero one).
    macs: HashMap<u32, Option<MacAddress>>,
    link_locals: HashMap<u32, Ipv6Addr>,
}

impl Announcer {
    /// Opens the packet socket and a netlink connection for the lookups.
    pub fn open() -> Result<Self, BackendError> {
        Ok(Self {
            frames: FrameSocket::open()?,
            netlink: Netlink::open()?,
            macs: HashMap::new(),
            link_locals: HashMap::new(),
        })
    }

    /// Looks up now what announcing on `interface_index` for `family` needs (its Ethernet address,
    /// and for IPv6 its link-local source), so that a takeover does not wait for a netlink dump.
    pub fn prepare(
        &mut self,
        interface_index: u32,
        family: AddressFamily,
    ) -> Result<(), BackendError> {
        self.mac(interface_index)?;
        if family == AddressFamily::Ipv6 {
            self.link_local(interface_index, Ipv6Addr::UNSPECIFIED)?;
        }
        Ok(())
    }

    fn mac(&mut self, interface_index: u32) -> Result<Option<MacAddress>, BackendError> {
        if let Some(&mac) = self.macs.get(&interface_index) {
            return Ok(mac);
        }
        let interface = self
            .netlink
            .interfaces()?
            .into_iter()
            .find(|i| i.index == interface_index)
            .ok_or_else(|| NetlinkError::UnknownInterface(format!("#{interface_index}")))?;
        let mac = interface.mac.filter(|mac| *mac != MacAddress([0; 6]));
        self.macs.insert(interface_index, mac);
        Ok(mac)
    }

    fn link_local(
        &mut self,
        interface_index: u32,
        target: Ipv6Addr,
    ) -> Result<Ipv6Addr, BackendError> {
        if let Some(&address) = self.link_locals.get(&interface_index) {
            return Ok(address);
        }
        let Some(IpAddr::V6(address)) = self
            .netlink
            .source_address(interface_index, AddressFamily::Ipv6)?
        else {
            return Err(AnnounceError::NoLinkLocalSource(target).into());
        };
        self.link_locals.insert(interface_index, address);
        Ok(address)
    }
}

impl AnnounceBackend for Announcer {
    fn announce(
        &mut self,
        interface_index: u32,
        address: IpAddr,
        repeat: u8,
    ) -> Result<(), BackendError> {
        let Some(mac) = self.mac(interface_index)? else {
            // A routed address (on loopback or a TUN device): no neighbour to tell.
            return Ok(());
        };
        let frame = match address {
            IpAddr::V4(v4) => gratuitous_arp(v4, mac)?,
            IpAddr::V6(v6) => {
                let source = self.link_local(interface_index, v6)?;
                unsolicited_neighbor_advertisement(v6, mac, source)?
            }
        };
        for _ in 0..repeat {
            self.frames.send_frame(interface_index, &frame)?;
        }
        Ok(())
    }

    fn advertise_router(
        &mut self,
        interface_index: u32,
        source: Ipv6Addr,
        lifetime: Duration,
        prefixes: &[(Ipv6Addr, u8)],
    ) -> Result<(), BackendError> {
        let mac = self.mac(interface_index)?.ok_or_else(|| {
            BackendError::from(format!(
                "interface #{interface_index} has no Ethernet address to advertise a router from"
            ))
        })?;
        let frame = router_advertisement(source, mac, lifetime, prefixes)?;
        self.frames.send_frame(interface_index, &frame)?;
        Ok(())
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
