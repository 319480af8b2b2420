//! The change stream: a subscription to the kernel's link and address notifications.

use std::io;

use netlink_packet_core::NetlinkPayload;
use netlink_packet_route::{AddressFamily as NetlinkFamily, RouteNetlinkMessage};
use netlink_sys::Socket;

use super::routes::{removed_route, removed_rule};
use super::{
    Interface, InterfaceAddress, NetlinkError, interface, interface_address, route_socket,
    split_messages,
};
use crate::host::RouteId;

/// A change the kernel reported.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NetlinkEvent {
    /// An interface's state: what a virtual router on it must learn through
    /// [`VirtualRouter::handle_link`](crate::VirtualRouter::handle_link).
    Link(Interface),
    /// An interface was removed.
    LinkRemoved {
        /// Its index.
        index: u32,
    },
    /// An address was added.
    AddressAdded(InterfaceAddress),
    /// An address was removed.
    AddressRemoved(InterfaceAddress),
    /// A route carrying [`ROUTE_PROTOCOL`](super::ROUTE_PROTOCOL) was deleted (reported only
    /// after [`NetlinkEvents::watch_routing`]).
    RouteRemoved(RouteId),
    /// A policy rule carrying [`ROUTE_PROTOCOL`](super::ROUTE_PROTOCOL) was deleted.
    RuleRemoved,
}

/// A non-blocking subscription to link and address changes; poll its descriptor for readability.
#[derive(Debug)]
pub struct NetlinkEvents {
    socket: Socket,
    /// Whether route and rule changes are subscribed to.
    routing: bool,
}

/// How many reads in a row may fail (other than the end of the queue) while the stale
/// notifications are discarded, before the failure is returned.
const DISCARD_FAILURES: u32 = 16;

impl NetlinkEvents {
    /// Subscribes to link, IPv4 address and IPv6 address changes.
    pub fn subscribe() -> Result<Self, NetlinkError> {
        let io_error = |operation| move |source| NetlinkError::Io { operation, source };
        let socket = route_socket()?;
        for group in [
            libc::RTNLGRP_LINK,
            libc::RTNLGRP_IPV4_IFADDR,
            libc::RTNLGRP_IPV6_IFADDR,
        ] {
            socket
                .add_membership(group)
                .map_err(io_error("subscribing to netlink events"))?;
        }
        socket
            .set_non_blocking(true)
            .map_err(io_error("making the netlink socket non-blocking"))?;
        Ok(Self {
            socket,
            routing: false,
        })
    }

    /// Subscribes to route and rule changes too, once: a host with a full routing table makes
    /// many, so only a driver that holds routes or rules asks for them. Only the deletions of
    /// routes and rules carrying [`ROUTE_PROTOCOL`](super::ROUTE_PROTOCOL) are reported.
    pub fn watch_routing(&mut self) -> Result<(), NetlinkError> {
        if self.routing {
            return Ok(());
        }
        for group in [
            libc::RTNLGRP_IPV4_ROUTE,
            libc::RTNLGRP_IPV6_ROUTE,
            libc::RTNLGRP_IPV4_RULE,
            libc::RTNLGRP_IPV6_RULE,
        ] {
            (self.socket.add_membership(group)).map_err(|source| NetlinkError::Io {
                operation: "subscribing to route and rule changes",
                source,
            })?;
        }
        self.routing = true;
        Ok(())
    }

    /// The events waiting now, in order; empty when there are none.
    ///
    /// [`NetlinkError::Overrun`] when the kernel dropped some: what depends on them must be read
    /// again, after this call returned. The notifications queued before the drop are discarded
    /// (the kernel reports the overrun before them, and the ones that followed them are lost, so
    /// acted on after a fresh read they would take the host back to a past state). The kernel
    /// queues nothing more until the queue is empty, so discarding it ends.
    pub fn recv(&mut self) -> Result<Vec<NetlinkEvent>, NetlinkError> {
        let mut events = Vec::new();
        loop {
            let datagram = match self.socket.recv_from_full() {
                Ok((datagram, _)) => datagram,
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => return Ok(events),
                // The events read before the overrun are stale too: everything is read again.
                Err(error) if error.raw_os_error() == Some(libc::ENOBUFS) => {
                    return self.discard_queued();
                }
                Err(source) => {
                    return Err(NetlinkError::Io {
                        operation: "receiving netlink events",
                        source,
                    });
                }
            };
            for message in split_messages(&datagram).map_while(Result::ok) {
                if let NetlinkPayload::InnerMessage(inner) = message.payload {
                    events.extend(event(inner));
                }
            }
        }
    }

    /// Discards every notification queued now, and returns [`NetlinkError::Overrun`].
    fn discard_queued(&mut self) -> Result<Vec<NetlinkEvent>, NetlinkError> {
        let mut failures = 0;
        loop {
            match self.socket.recv_from_full() {
                Ok(_) => failures = 0,
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    return Err(NetlinkError::Overrun);
                }
                // Another overrun while discarding: the fresh read comes after it anyway.
                Err(error) if error.raw_os_error() == Some(libc::ENOBUFS) => {}
                Err(source) => {
                    failures += 1;
                    if failures >= DISCARD_FAILURES {
                        return Err(NetlinkError::Io {
                            operation: "discarding stale netlink events",
                            source,
                        });
                    }
                }
            }
        }
    }
}

impl std::os::fd::AsFd for NetlinkEvents {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.socket.as_fd()
    }
}

fn event(message: RouteNetlinkMessage) -> Option<NetlinkEvent> {
    match message {
        RouteNetlinkMessage::NewLink(link) => Some(NetlinkEvent::Link(interface(link))),
        // A bridge port leaving its bridge is an RTM_DELLINK of family AF_BRIDGE: the port
        // itself stays.
        RouteNetlinkMessage::DelLink(link)
            if link.header.interface_family == NetlinkFamily::Unspec =>
        {
            Some(NetlinkEvent::LinkRemoved {
                index: link.header.index,
            })
        }
        RouteNetlinkMessage::DelLink(_) => None,
        RouteNetlinkMessage::NewAddress(message) => {
            interface_address(&message).map(NetlinkEvent::AddressAdded)
        }
        RouteNetlinkMessage::DelAddress(message) => {
            interface_address(&message).map(NetlinkEvent::AddressRemoved)
        }
        RouteNetlinkMessage::DelRoute(message) => {
            removed_route(&message).map(NetlinkEvent::RouteRemoved)
        }
        RouteNetlinkMessage::DelRule(message) => {
            removed_rule(&message).then_some(NetlinkEvent::RuleRemoved)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use netlink_packet_route::link::LinkMessage;

    use super::*;

    fn removal(family: NetlinkFamily) -> Option<NetlinkEvent> {
        let mut link = LinkMessage::default();
        link.header.index = 7;
        link.header.interface_family = family;
        event(RouteNetlinkMessage::DelLink(link))
    }

    #[test]
    fn a_bridge_port_leaving_its_bridge_is_not_an_interface_removed() {
        assert_eq!(
            removal(NetlinkFamily::Unspec),
            Some(NetlinkEvent::LinkRemoved { index: 7 })
        );
        assert_eq!(removal(NetlinkFamily::Bridge), None);
    }
}
