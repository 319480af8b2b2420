//! The raw VRRP socket: one per address family, IP protocol 112, serving every interface.
//!
//! Received datagrams come with the receive metadata VRRP checks ([`RxMeta`]): for IPv4 the IP header
//! (source, destination, TTL) and `IP_PKTINFO` (interface); for IPv6 the sender's address,
//! `IPV6_PKTINFO` (destination, interface) and `IPV6_HOPLIMIT`. Advertisements are sent with TTL /
//! hop limit 255, DSCP CS6 for IPv4 (as keepalived and FRR do), from the source address and interface
//! a [`Transmit`] names, with multicast loopback off so a Master does not hear itself.

use std::io;
use std::mem::{self, MaybeUninit};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

use socket2::{Domain, InterfaceIndexOrAddress, Protocol, SockAddr, Socket, Type};

use std::sync::Arc;

use crate::AddressFamily;
use crate::Transmit;
use crate::host::{AdvertSender, BackendError};
use crate::packet::ipsec_ah::{AH_PROTOCOL, AhContext};
use crate::packet::{HOP_LIMIT, IP_PROTOCOL, Ipv4Datagram, RxError, RxMeta};

/// DSCP CS6 (network control) in the IPv4 TOS byte, as keepalived and FRR send VRRP.
const TOS_CS6: u32 = 0xc0;
/// Room for the ancillary data of one datagram (pktinfo and hop limit, with headers and padding).
const CONTROL_LEN: usize = 128;

/// Why the VRRP socket could not be opened or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SocketError {
    /// Raw sockets need CAP_NET_RAW.
    #[error(
        "opening a raw {family} VRRP socket needs CAP_NET_RAW (run as root or grant the capability): {source}"
    )]
    Permission {
        /// The family of the socket.
        family: AddressFamily,
        /// The operating system's error.
        source: io::Error,
    },
    /// Any other system call failure.
    #[error("{operation} on the {family} VRRP socket failed: {source}")]
    Io {
        /// What was being done.
        operation: &'static str,
        /// The family of the socket.
        family: AddressFamily,
        /// The operating system's error.
        source: io::Error,
    },
    /// The kernel did not supply the interface (and, for IPv6, the destination or hop limit) of a
    /// received datagram.
    #[error("a received {0} datagram came without its ancillary data")]
    MissingAncillaryData(AddressFamily),
    /// A transmit of the other family, or from no usable source.
    #[error("cannot send a {transmit} advertisement on the {socket} VRRP socket")]
    FamilyMismatch {
        /// The family of the socket.
        socket: AddressFamily,
        /// The family of the transmit.
        transmit: AddressFamily,
    },
}

impl SocketError {
    /// `operation` failed with `source` on the socket of `family`.
    fn io(operation: &'static str, family: AddressFamily, source: io::Error) -> Self {
        Self::Io {
            operation,
            family,
            source,
        }
    }
}

/// A raw socket of IP `protocol` in `domain`; a refusal is [`SocketError::Permission`].
fn raw_socket(
    family: AddressFamily,
    domain: Domain,
    protocol: u8,
    operation: &'static str,
) -> Result<Socket, SocketError> {
    let protocol = Protocol::from(i32::from(protocol));
    Socket::new(domain, Type::RAW, Some(protocol)).map_err(|source| {
        if source.kind() == io::ErrorKind::PermissionDenied {
            SocketError::Permission { family, source }
        } else {
            SocketError::io(operation, family, source)
        }
    })
}

/// A received VRRP message and its metadata, or a datagram whose IP header was malformed.
#[derive(Debug)]
pub enum Received<'a> {
    /// A datagram carrying a VRRP message: feed it to the router with its metadata.
    Packet {
        /// What the IP layer says about it.
        rx: RxMeta,
        /// The VRRP message (the IP payload).
        payload: &'a [u8],
    },
    /// An IPv4 datagram whose header could not be taken apart; count it and carry on.
    Malformed(RxError),
}

/// A raw IP socket for VRRP (protocol 112) of one address family.
#[derive(Debug)]
pub struct VrrpSocket {
    socket: Socket,
    family: AddressFamily,
    /// IP protocol 51 with `IP_HDRINCL`: keepalived's VRRPv2 adverts in an IPsec Authentication
    /// Header, received with it and sent as the router sealed them.
    ipsec_ah: bool,
}

impl VrrpSocket {
    /// Opens the socket of `family`: TTL / hop limit 255, multicast loopback off, only the groups this
    /// socket joins, ancillary data on receipt, non-blocking.
    pub fn open(family: AddressFamily) -> Result<Self, SocketError> {
        let domain = match family {
            AddressFamily::Ipv4 => Domain::IPV4,
            AddressFamily::Ipv6 => Domain::IPV6,
        };
        let socket = raw_socket(family, domain, IP_PROTOCOL, "socket()")?;
        let io_error = |operation| move |source| SocketError::io(operation, family, source);
        match family {
            AddressFamily::Ipv4 => {
                socket
                    .set_multicast_ttl_v4(u32::from(HOP_LIMIT))
                    .map_err(io_error("IP_MULTICAST_TTL"))?;
                socket
                    .set_ttl_v4(u32::from(HOP_LIMIT))
                    .map_err(io_error("IP_TTL"))?;
                socket
                    .set_multicast_loop_v4(false)
                    .map_err(io_error("IP_MULTICAST_LOOP"))?;
                socket
                    .set_multicast_all_v4(false)
                    .map_err(io_error("IP_MULTICAST_ALL"))?;
                socket.set_tos_v4(TOS_CS6).map_err(io_error("IP_TOS"))?;
                enable(&socket, libc::IPPROTO_IP, libc::IP_PKTINFO)
                    .map_err(io_error("IP_PKTINFO"))?;
            }
            AddressFamily::Ipv6 => {
                socket
                    .set_multicast_hops_v6(u32::from(HOP_LIMIT))
                    .map_err(io_error("IPV6_MULTICAST_HOPS"))?;
                socket
                    .set_unicast_hops_v6(u32::from(HOP_LIMIT))
                    .map_err(io_error("IPV6_UNICAST_HOPS"))?;
                socket
                    .set_multicast_loop_v6(false)
                    .map_err(io_error("IPV6_MULTICAST_LOOP"))?;
                socket
                    .set_multicast_all_v6(false)
                    .map_err(io_error("IPV6_MULTICAST_ALL"))?;
                socket
                    .set_recv_hoplimit_v6(true)
                    .map_err(io_error("IPV6_RECVHOPLIMIT"))?;
                enable(&socket, libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO)
                    .map_err(io_error("IPV6_RECVPKTINFO"))?;
                // A router with a virtual MAC sends from its macvlan (so that its adverts carry
                // the virtual MAC, V3-TX-03) with the parent's link-local address as the source:
                // an address that is not on the sending interface, which the kernel refuses
                // without IPV6_FREEBIND.
                socket
                    .set_freebind_v6(true)
                    .map_err(io_error("IPV6_FREEBIND"))?;
            }
        }
        // Every router's adverts arrive in step (a Master's routers took over together), so a
        // thousand peers' adverts land in one burst: the kernel's default buffer (about 200
        // packets' worth) drops most of it. With CAP_NET_ADMIN the buffer may exceed rmem_max.
        let size = libc::c_int::try_from(RECEIVE_BUFFER_BYTES).unwrap_or(libc::c_int::MAX);
        set_int(&socket, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, size)
            .or_else(|_| socket.set_recv_buffer_size(RECEIVE_BUFFER_BYTES))
            .map_err(io_error("SO_RCVBUF"))?;
        socket
            .set_nonblocking(true)
            .map_err(io_error("O_NONBLOCK"))?;
        Ok(Self {
            socket,
            family,
            ipsec_ah: false,
        })
    }

    /// Opens the IPv4 socket of IP protocol 51 for routers with IPsec AH authentication
    /// (keepalived's `auth_type AH`): it receives the datagrams with their Authentication Header
    /// (in the groups the VRRP socket joined) and sends whole datagrams (`IP_HDRINCL`), since
    /// their IP header is part of what the header authenticates.
    pub fn open_ipsec_ah() -> Result<Self, SocketError> {
        let family = AddressFamily::Ipv4;
        let io_error = |operation| move |source| SocketError::io(operation, family, source);
        let socket = raw_socket(family, Domain::IPV4, AH_PROTOCOL, "socket(IPPROTO_AH)")?;
        enable(&socket, libc::IPPROTO_IP, libc::IP_HDRINCL).map_err(io_error("IP_HDRINCL"))?;
        enable(&socket, libc::IPPROTO_IP, libc::IP_PKTINFO).map_err(io_error("IP_PKTINFO"))?;
        socket
            .set_multicast_loop_v4(false)
            .map_err(io_error("IP_MULTICAST_LOOP"))?;
        socket
            .set_nonblocking(true)
            .map_err(io_error("O_NONBLOCK"))?;
        Ok(Self {
            socket,
            family,
            ipsec_ah: true,
        })
    }

    /// The family of the socket.
    pub fn family(&self) -> AddressFamily {
        self.family
    }

    /// Joins the VRRP group (224.0.0.18 or ff02::12) on interface `interface_index`.
    pub fn join(&self, interface_index: u32) -> Result<(), SocketError> {
        self.join_group(interface_index, self.family.vrrp_group())
    }

    /// Leaves the VRRP group on interface `interface_index`.
    pub fn leave(&self, interface_index: u32) -> Result<(), SocketError> {
        self.leave_group(interface_index, self.family.vrrp_group())
    }

    /// Joins multicast group `group` (of the socket's family; a router's
    /// [`Config::multicast_group`](crate::Config::multicast_group)) on interface
    /// `interface_index`.
    pub fn join_group(&self, interface_index: u32, group: IpAddr) -> Result<(), SocketError> {
        let result = match group {
            IpAddr::V4(group) => self
                .socket
                .join_multicast_v4_n(&group, &InterfaceIndexOrAddress::Index(interface_index)),
            IpAddr::V6(group) => self.socket.join_multicast_v6(&group, interface_index),
        };
        result.map_err(|source| SocketError::Io {
            operation: "joining the VRRP group",
            family: self.family,
            source,
        })
    }

    /// Leaves multicast group `group` on interface `interface_index`.
    pub fn leave_group(&self, interface_index: u32, group: IpAddr) -> Result<(), SocketError> {
        let result = match group {
            IpAddr::V4(group) => self
                .socket
                .leave_multicast_v4_n(&group, &InterfaceIndexOrAddress::Index(interface_index)),
            IpAddr::V6(group) => self.socket.leave_multicast_v6(&group, interface_index),
        };
        result.map_err(|source| SocketError::Io {
            operation: "leaving the VRRP group",
            family: self.family,
            source,
        })
    }

    /// Receives one datagram into `buffer`. `Err` with [`io::ErrorKind::WouldBlock`] inside
    /// [`SocketError::Io`] means nothing is waiting.
    pub fn recv<'a>(&self, buffer: &'a mut [u8]) -> Result<Received<'a>, SocketError> {
        let family = self.family;
        let message = recv_with_ancillary(self.socket.as_raw_fd(), buffer).map_err(|source| {
            SocketError::Io {
                operation: "recvmsg()",
                family,
                source,
            }
        })?;
        let payload = &buffer[..message.len];
        match family {
            AddressFamily::Ipv4 if self.ipsec_ah => {
                let interface_index = message
                    .interface_index
                    .ok_or(SocketError::MissingAncillaryData(family))?;
                Ok(match AhContext::open(payload) {
                    Ok((ah, message)) => {
                        let address = |at: usize| -> [u8; 4] {
                            payload[at..at + 4].try_into().unwrap_or_default()
                        };
                        let (source, destination) = (address(12), address(16));
                        let rx = RxMeta::ipv4(
                            source.into(),
                            destination.into(),
                            payload[8],
                            interface_index,
                        );
                        Received::Packet {
                            rx: rx.with_ah(ah),
                            payload: &payload[message],
                        }
                    }
                    Err(_) => Received::Malformed(RxError::AuthenticationHeader),
                })
            }
            AddressFamily::Ipv4 => {
                let interface_index = message
                    .interface_index
                    .ok_or(SocketError::MissingAncillaryData(family))?;
                Ok(match Ipv4Datagram::parse(payload) {
                    Ok(datagram) => Received::Packet {
                        rx: datagram.rx_meta(interface_index),
                        payload: datagram.payload,
                    },
                    Err(error) => Received::Malformed(error.into()),
                })
            }
            AddressFamily::Ipv6 => {
                let (
                    Some(interface_index),
                    Some(IpAddr::V6(destination)),
                    Some(hop_limit),
                    Some(IpAddr::V6(source)),
                ) = (
                    message.interface_index,
                    message.destination,
                    message.hop_limit,
                    message.source,
                )
                else {
                    return Err(SocketError::MissingAncillaryData(family));
                };
                Ok(Received::Packet {
                    rx: RxMeta::ipv6(source, destination, hop_limit, interface_index),
                    payload,
                })
            }
        }
    }

    /// Sends an advertisement from its source address out of its interface.
    pub fn send(&self, transmit: &Transmit) -> Result<(), SocketError> {
        let family = self.family;
        if AddressFamily::of(transmit.source) != family
            || AddressFamily::of(transmit.destination) != family
        {
            return Err(SocketError::FamilyMismatch {
                socket: family,
                transmit: AddressFamily::of(transmit.source),
            });
        }
        send_with_pktinfo(self.socket.as_raw_fd(), transmit).map_err(|source| SocketError::Io {
            operation: "sendmsg()",
            family,
            source,
        })
    }
}

/// The receive buffer a VRRP socket asks for: 16 MiB, room for the adverts of over 10,000 peers'
/// virtual routers arriving at once (the kernel counts about 1.5 KiB per small datagram).
const RECEIVE_BUFFER_BYTES: usize = 16 << 20;

/// The raw VRRP sockets of the families in use, shared between the driver, which reads them, and
/// the advertisement sender; clones share the sockets.
#[derive(Clone, Debug, Default)]
pub struct Sockets {
    ipv4: Option<Arc<VrrpSocket>>,
    ipv6: Option<Arc<VrrpSocket>>,
    ipsec_ah: Option<Arc<VrrpSocket>>,
}

impl Sockets {
    /// The socket of `family`, if it is open.
    pub fn get(&self, family: AddressFamily) -> Option<&Arc<VrrpSocket>> {
        match family {
            AddressFamily::Ipv4 => self.ipv4.as_ref(),
            AddressFamily::Ipv6 => self.ipv6.as_ref(),
        }
    }

    /// Opens the socket of `family`, unless it is open already.
    pub fn open(&mut self, family: AddressFamily) -> Result<(), SocketError> {
        let slot = match family {
            AddressFamily::Ipv4 => &mut self.ipv4,
            AddressFamily::Ipv6 => &mut self.ipv6,
        };
        if slot.is_none() {
            *slot = Some(Arc::new(VrrpSocket::open(family)?));
        }
        Ok(())
    }
}

impl Sockets {
    /// The IPsec AH socket, if it is open.
    pub fn ipsec_ah(&self) -> Option<&Arc<VrrpSocket>> {
        self.ipsec_ah.as_ref()
    }

    /// Opens the IPsec AH socket ([`VrrpSocket::open_ipsec_ah`]), unless it is open already.
    pub fn open_ipsec_ah(&mut self) -> Result<(), SocketError> {
        if self.ipsec_ah.is_none() {
            self.ipsec_ah = Some(Arc::new(VrrpSocket::open_ipsec_ah()?));
        }
        Ok(())
    }
}

impl AdvertSender for Sockets {
    fn send(&mut self, interface_index: u32, transmit: &Transmit) -> Result<(), BackendError> {
        let family = AddressFamily::of(transmit.source);
        let socket = if transmit.ipsec_ah {
            (self.ipsec_ah.as_ref()).ok_or("the IPsec AH socket is not open")?
        } else {
            (self.get(family)).ok_or_else(|| format!("no {family} VRRP socket is open"))?
        };
        if interface_index == transmit.interface_index {
            socket.send(transmit)?;
        } else {
            socket.send(&Transmit {
                interface_index,
                ..transmit.clone()
            })?;
        }
        Ok(())
    }
}

impl AsFd for VrrpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }
}

impl AsRawFd for VrrpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.socket.as_raw_fd()
    }
}

/// Sets an integer socket option that socket2 does not offer to 1.
fn enable(socket: &Socket, level: libc::c_int, option: libc::c_int) -> io::Result<()> {
    set_int(socket, level, option, 1)
}

/// Sets integer socket option `option` of `level` to `value`.
fn set_int(
    socket: &Socket,
    level: libc::c_int,
    option: libc::c_int,
    value: libc::c_int,
) -> io::Result<()> {
    let one: libc::c_int = value;
    // SAFETY: the descriptor is open for the socket's lifetime, and the option value points to a
    // c_int that lives across the call, with its exact size passed as the length.
    let result = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            level,
            option,
            (&raw const one).cast(),
            mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if result == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// What `recvmsg` reported about one datagram.
struct ReceivedMessage {
    len: usize,
    source: Option<IpAddr>,
    destination: Option<IpAddr>,
    interface_index: Option<u32>,
    hop_limit: Option<u8>,
}

/// Control buffer aligned for `cmsghdr`.
#[repr(C, align(8))]
struct Control([MaybeUninit<u8>; CONTROL_LEN]);

fn recv_with_ancillary(fd: RawFd, buffer: &mut [u8]) -> io::Result<ReceivedMessage> {
    let mut control = Control([MaybeUninit::uninit(); CONTROL_LEN]);
    // SAFETY: sockaddr_storage is plain old data for which all-zero bytes are a valid value.
    let mut address: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let mut iov = libc::iovec {
        iov_base: buffer.as_mut_ptr().cast(),
        iov_len: buffer.len(),
    };
    // SAFETY: msghdr is plain old data for which all-zero bytes are a valid value (null pointers,
    // zero lengths); the fields that matter are set below.
    let mut header: libc::msghdr = unsafe { mem::zeroed() };
    header.msg_name = (&raw mut address).cast();
    header.msg_namelen = mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    header.msg_iov = &raw mut iov;
    header.msg_iovlen = 1;
    header.msg_control = control.0.as_mut_ptr().cast();
    header.msg_controllen = CONTROL_LEN as _;
    // SAFETY: every pointer in `header` refers to a live, writable buffer of the length given next to
    // it (the address storage, `buffer` through `iov`, and `control`), all outliving the call.
    let len = unsafe { libc::recvmsg(fd, &raw mut header, 0) };
    let len = usize::try_from(len).map_err(|_| io::Error::last_os_error())?;

    let mut message = ReceivedMessage {
        len: len.min(buffer.len()),
        source: ip_address(&address),
        destination: None,
        interface_index: None,
        hop_limit: None,
    };
    // SAFETY: `header` is the msghdr recvmsg just filled in; its control pointer and length describe
    // the kernel-written part of `control`.
    let mut cmsg = unsafe { libc::CMSG_FIRSTHDR(&raw const header) };
    while !cmsg.is_null() {
        // SAFETY: CMSG_FIRSTHDR / CMSG_NXTHDR return either null or a pointer to a complete cmsghdr
        // inside the control buffer.
        let (level, kind) = unsafe { ((*cmsg).cmsg_level, (*cmsg).cmsg_type) };
        // SAFETY: CMSG_DATA points into the same cmsghdr, at its data.
        let data = unsafe { libc::CMSG_DATA(cmsg) };
        match (level, kind) {
            (libc::IPPROTO_IP, libc::IP_PKTINFO) => {
                // SAFETY: an IP_PKTINFO message carries an in_pktinfo; read_unaligned copes with
                // any alignment of the data.
                let info: libc::in_pktinfo =
                    unsafe { data.cast::<libc::in_pktinfo>().read_unaligned() };
                message.interface_index = u32::try_from(info.ipi_ifindex).ok();
                message.destination = Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                    info.ipi_addr.s_addr,
                ))));
            }
            (libc::IPPROTO_IPV6, libc::IPV6_PKTINFO) => {
                // SAFETY: an IPV6_PKTINFO message carries an in6_pktinfo.
                let info: libc::in6_pktinfo =
                    unsafe { data.cast::<libc::in6_pktinfo>().read_unaligned() };
                message.interface_index = Some(info.ipi6_ifindex);
                message.destination = Some(IpAddr::V6(Ipv6Addr::from(info.ipi6_addr.s6_addr)));
            }
            (libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT) => {
                // SAFETY: an IPV6_HOPLIMIT message carries a c_int.
                let hop_limit: libc::c_int = unsafe { data.cast::<libc::c_int>().read_unaligned() };
                message.hop_limit = u8::try_from(hop_limit).ok();
            }
            _ => {}
        }
        // SAFETY: `header` and `cmsg` are as above; CMSG_NXTHDR returns null after the last one.
        cmsg = unsafe { libc::CMSG_NXTHDR(&raw const header, cmsg) };
    }
    Ok(message)
}

/// The IP address in a socket address the kernel filled in.
fn ip_address(storage: &libc::sockaddr_storage) -> Option<IpAddr> {
    match libc::c_int::from(storage.ss_family) {
        libc::AF_INET => {
            // SAFETY: sockaddr_storage is sized and aligned for every socket address, and with family
            // AF_INET the kernel wrote a sockaddr_in.
            let address = unsafe { (&raw const *storage).cast::<libc::sockaddr_in>().read() };
            Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                address.sin_addr.s_addr,
            ))))
        }
        libc::AF_INET6 => {
            // SAFETY: as above, with family AF_INET6 the kernel wrote a sockaddr_in6.
            let address = unsafe { (&raw const *storage).cast::<libc::sockaddr_in6>().read() };
            Some(IpAddr::V6(Ipv6Addr::from(address.sin6_addr.s6_addr)))
        }
        _ => None,
    }
}

fn send_with_pktinfo(fd: RawFd, transmit: &Transmit) -> io::Result<()> {
    let mut control = Control([MaybeUninit::uninit(); CONTROL_LEN]);
    let destination = match transmit.destination {
        IpAddr::V4(d) => SockAddr::from(SocketAddr::V4(SocketAddrV4::new(d, 0))),
        IpAddr::V6(d) => SockAddr::from(SocketAddr::V6(SocketAddrV6::new(
            d,
            0,
            0,
            transmit.interface_index,
        ))),
    };
    let (level, kind, data_len) = match transmit.source {
        IpAddr::V4(_) => (
            libc::IPPROTO_IP,
            libc::IP_PKTINFO,
            mem::size_of::<libc::in_pktinfo>(),
        ),
        IpAddr::V6(_) => (
            libc::IPPROTO_IPV6,
            libc::IPV6_PKTINFO,
            mem::size_of::<libc::in6_pktinfo>(),
        ),
    };
    let data_len = data_len as libc::c_uint;
    // The hop limit only when it is not the socket's 255: a unicast peer further away.
    let hop_limit = (transmit.hop_limit != HOP_LIMIT).then_some(match transmit.source {
        IpAddr::V4(_) => (libc::IPPROTO_IP, libc::IP_TTL),
        IpAddr::V6(_) => (libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT),
    });
    let int_len = mem::size_of::<libc::c_int>() as libc::c_uint;
    // SAFETY: CMSG_SPACE only computes a size from its argument.
    let space = unsafe { libc::CMSG_SPACE(data_len) } as usize
        + hop_limit.map_or(0, |_| {
            // SAFETY: as above.
            unsafe { libc::CMSG_SPACE(int_len) as usize }
        });
    let mut iov = libc::iovec {
        iov_base: transmit.payload.as_ptr().cast_mut().cast(),
        iov_len: transmit.payload.len(),
    };
    // SAFETY: msghdr is plain old data for which all-zero bytes are a valid value.
    let mut header: libc::msghdr = unsafe { mem::zeroed() };
    header.msg_name = destination.as_ptr().cast_mut().cast();
    header.msg_namelen = destination.len();
    header.msg_iov = &raw mut iov;
    header.msg_iovlen = 1;
    header.msg_control = control.0.as_mut_ptr().cast();
    header.msg_controllen = space as _;
    // SAFETY: the control buffer is aligned for cmsghdr and larger than `space`, so the first header
    // exists and lies inside it.
    let cmsg = unsafe { libc::CMSG_FIRSTHDR(&raw const header) };
    if cmsg.is_null() {
        return Err(io::Error::other("no room for ancillary data"));
    }
    // SAFETY: `cmsg` points to a cmsghdr inside `control`, followed by room for `data_len` bytes of
    // data (CMSG_SPACE accounted for them); the writes are unaligned-safe.
    unsafe {
        (*cmsg).cmsg_level = level;
        (*cmsg).cmsg_type = kind;
        (*cmsg).cmsg_len = libc::CMSG_LEN(data_len) as _;
        let data = libc::CMSG_DATA(cmsg);
        match transmit.source {
            IpAddr::V4(source) => {
                data.cast::<libc::in_pktinfo>()
                    .write_unaligned(libc::in_pktinfo {
                        ipi_ifindex: transmit.interface_index as libc::c_int,
                        ipi_spec_dst: libc::in_addr {
                            s_addr: u32::from(source).to_be(),
                        },
                        ipi_addr: libc::in_addr { s_addr: 0 },
                    })
            }
            IpAddr::V6(source) => {
                data.cast::<libc::in6_pktinfo>()
                    .write_unaligned(libc::in6_pktinfo {
                        ipi6_addr: libc::in6_addr {
                            s6_addr: source.octets(),
                        },
                        ipi6_ifindex: transmit.interface_index,
                    })
            }
        }
    }
    if let Some((level, kind)) = hop_limit {
        // SAFETY: `header` describes `control` with `space` bytes, which hold both messages, and
        // `cmsg` is its first header, filled in above.
        let next = unsafe { libc::CMSG_NXTHDR(&raw const header, cmsg) };
        if next.is_null() {
            return Err(io::Error::other("no room for the hop limit"));
        }
        // SAFETY: `next` points to a cmsghdr inside `control` with room for an int after it
        // (CMSG_SPACE accounted for it); the writes are unaligned-safe.
        unsafe {
            (*next).cmsg_level = level;
            (*next).cmsg_type = kind;
            (*next).cmsg_len = libc::CMSG_LEN(int_len) as _;
            libc::CMSG_DATA(next)
                .cast::<libc::c_int>()
                .write_unaligned(libc::c_int::from(transmit.hop_limit));
        }
    }
    // SAFETY: every pointer in `header` refers to a live buffer of the length given next to it (the
    // destination address, the payload through `iov`, and the filled part of `control`).
    let sent = unsafe { libc::sendmsg(fd, &raw const header, 0) };
    match usize::try_from(sent) {
        Ok(n) if n == transmit.payload.len() => Ok(()),
        Ok(n) => Err(io::Error::other(format!(
            "sent {n} of {} bytes",
            transmit.payload.len()
        ))),
        Err(_) => Err(io::Error::last_os_error()),
    }
}
