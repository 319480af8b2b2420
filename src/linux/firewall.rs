//! Accept_Mode on Linux: nftables rules, over nfnetlink, that drop packets addressed to the
//! virtual addresses of routers with Accept_Mode off (RFC 5798 §6.4.3).
//!
//! The rules live in a table this crate owns (`inet vrrp` unless named otherwise):
//!
//! ```text
//! table inet vrrp {                        # flags owner: gone when the process is
//!     set unaccepted_v4 { type ipv4_addr } # the addresses held with Accept_Mode off
//!     set unaccepted_v6 { type ipv6_addr }
//!     chain input {
//!         type filter hook input priority filter; policy accept;
//!         meta nfproto ipv6 meta l4proto ipv6-icmp icmpv6 type nd-neighbor-solicit accept
//!         meta nfproto ipv6 meta l4proto ipv6-icmp icmpv6 type nd-neighbor-advert accept
//!         meta nfproto ipv4 ip daddr @unaccepted_v4 counter drop
//!         meta nfproto ipv6 ip6 daddr @unaccepted_v6 counter drop
//!     }
//! }
//! ```
//!
//! ARP is not IP and never reaches the hook; neighbour solicitations and advertisements are let
//! through (V3-PAR-05). The table is created with the owner flag (Linux 5.12 and later), so the
//! kernel removes it when the socket that made it closes, also when the process is killed, and no
//! other process can change it; on an older kernel it is created without, and a left-over table of
//! the name is removed when the next one opens. Each change is one nfnetlink batch: one
//! transaction, applied whole or not at all.

use std::collections::BTreeSet;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::AsFd;
use std::time::Duration;

use netlink_sys::protocols::NETLINK_NETFILTER;
use netlink_sys::{Socket, SocketAddr};

use crate::linux::Capability;
use crate::linux::poll::wait_readable;

/// The name of the table a [`Firewall`] owns unless told otherwise.
pub const FIREWALL_TABLE: &str = "vrrp";

/// How long a [`Firewall`] waits for the kernel's answer to a batch.
const REPLY_TIMEOUT: Duration = Duration::from_secs(2);

// nfnetlink and nf_tables constants (linux/netfilter/nfnetlink.h, nf_tables.h).
const NFNL_SUBSYS_NFTABLES: u16 = 10;
const NFNL_MSG_BATCH_BEGIN: u16 = 16;
const NFNL_MSG_BATCH_END: u16 = 17;
const NFT_MSG_NEWTABLE: u16 = 0;
const NFT_MSG_DELTABLE: u16 = 2;
const NFT_MSG_NEWCHAIN: u16 = 3;
const NFT_MSG_NEWRULE: u16 = 6;
const NFT_MSG_NEWSET: u16 = 9;
const NFT_MSG_NEWSETELEM: u16 = 12;
const NFT_MSG_DELSETELEM: u16 = 14;
const NFPROTO_INET: u8 = 1;
const NFPROTO_IPV4: u8 = 2;
const NFPROTO_IPV6: u8 = 10;
const NF_INET_LOCAL_IN: u32 = 1;
const NF_DROP: u32 = 0;
const NF_ACCEPT: u32 = 1;
const NFT_TABLE_F_OWNER: u32 = 2;
const NFT_REG_VERDICT: u32 = 0;
const NFT_REG_1: u32 = 1;
const NFT_META_NFPROTO: u32 = 15;
const NFT_META_L4PROTO: u32 = 16;
const NFT_PAYLOAD_NETWORK_HEADER: u32 = 1;
const NFT_PAYLOAD_TRANSPORT_HEADER: u32 = 2;
const NFT_CMP_EQ: u32 = 0;
/// nft's data type numbers for the sets' keys (informational for the kernel, read by `nft`).
const TYPE_IPADDR: u32 = 7;
const TYPE_IP6ADDR: u32 = 8;
const IPPROTO_ICMPV6: u8 = 58;
const ND_NEIGHBOR_SOLICIT: u8 = 135;
const ND_NEIGHBOR_ADVERT: u8 = 136;

const NLMSG_ERROR: u16 = 2;
const NLM_F_REQUEST: u16 = 1;
const NLM_F_ACK: u16 = 4;
const NLM_F_CREATE: u16 = 0x400;
const NLM_F_APPEND: u16 = 0x800;
const NLA_F_NESTED: u16 = 0x8000;

const CHAIN: &str = "input";
const SET_V4: &str = "unaccepted_v4";
const SET_V6: &str = "unaccepted_v6";

/// Why the firewall could not be changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FirewallError {
    /// Changing nftables needs CAP_NET_ADMIN.
    #[error("changing the nftables rules for Accept_Mode needs CAP_NET_ADMIN")]
    Permission,
    /// The table exists and another process owns it.
    #[error("the nftables table inet {0} belongs to another process")]
    TableTaken(String),
    /// The kernel has no nftables (`nf_tables` not built or not loadable).
    #[error("the kernel has no nftables (nf_tables), needed to enforce Accept_Mode off")]
    Unsupported,
    /// Any other failure of the socket or of the kernel's answer.
    #[error("{operation} failed: {source}")]
    Io {
        /// What was being done.
        operation: &'static str,
        /// The error.
        source: io::Error,
    },
}

/// The nftables rules that enforce Accept_Mode off for a set of addresses, in a table this
/// firewall owns. See the [module](self) for the rules.
#[derive(Debug)]
pub struct Firewall {
    socket: Socket,
    sequence: u32,
    table: String,
    /// The addresses in the sets, once the table exists.
    installed: Option<BTreeSet<IpAddr>>,
}

impl Firewall {
    /// Opens an nfnetlink socket for table `inet <table>`, and removes a left-over table of that
    /// name that no live process owns. Nothing is created until [`sync`](Self::sync) has
    /// addresses to refuse.
    pub fn open(table: &str) -> Result<Self, FirewallError> {
        let io_error = |operation| move |source| FirewallError::Io { operation, source };
        let mut socket =
            Socket::new(NETLINK_NETFILTER).map_err(io_error("opening an nfnetlink socket"))?;
        socket
            .bind_auto()
            .map_err(io_error("binding the nfnetlink socket"))?;
        socket
            .connect(&SocketAddr::new(0, 0))
            .map_err(io_error("connecting the nfnetlink socket"))?;
        let mut firewall = Self {
            socket,
            sequence: 0,
            table: table.to_string(),
            installed: None,
        };
        match firewall.delete_table() {
            Ok(()) | Err(FirewallError::Unsupported) => Ok(firewall),
            Err(FirewallError::Io { source, .. })
                if source.raw_os_error() == Some(libc::ENOENT) =>
            {
                Ok(firewall)
            }
            Err(error) => Err(error),
        }
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The addresses refused now: those of the last successful [`sync`](Self::sync).
    pub fn refused(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.installed.iter().flatten().copied()
    }

    /// Makes the sets hold exactly `addresses`, creating the table first if it does not exist:
    /// one transaction, so on failure the rules stay as they were and the next call tries the
    /// whole difference again.
    pub fn sync(&mut self, addresses: &BTreeSet<IpAddr>) -> Result<(), FirewallError> {
        let mut batch = Batch::new(self.sequence);
        let empty = BTreeSet::new();
        let installed = match &self.installed {
            Some(installed) => installed,
            None if addresses.is_empty() => return Ok(()),
            None => {
                self.create(&mut batch, true);
                &empty
            }
        };
        let added: Vec<IpAddr> = addresses.difference(installed).copied().collect();
        let removed: Vec<IpAddr> = installed.difference(addresses).copied().collect();
        if added.is_empty() && removed.is_empty() && self.installed.is_some() {
            return Ok(());
        }
        self.elements(&mut batch, NFT_MSG_NEWSETELEM, &added);
        self.elements(&mut batch, NFT_MSG_DELSETELEM, &removed);
        let result = match self.commit(batch, "installing the Accept_Mode rules") {
            // A kernel older than 5.12 knows no owner flag: the same without it.
            Err(FirewallError::Io { source, .. })
                if self.installed.is_none() && source.raw_os_error() == Some(libc::EOPNOTSUPP) =>
            {
                let mut batch = Batch::new(self.sequence);
                self.create(&mut batch, false);
                self.elements(&mut batch, NFT_MSG_NEWSETELEM, &added);
                self.commit(batch, "installing the Accept_Mode rules")
            }
            result => result,
        };
        result?;
        self.installed = Some(addresses.clone());
        Ok(())
    }

    /// Deletes the table and its rules; a table already gone is no error.
    pub fn remove(&mut self) -> Result<(), FirewallError> {
        if self.installed.take().is_none() {
            return Ok(());
        }
        match self.delete_table() {
            Err(FirewallError::Io { source, .. })
                if source.raw_os_error() == Some(libc::ENOENT) =>
            {
                Ok(())
            }
            result => result,
        }
    }

    fn delete_table(&mut self) -> Result<(), FirewallError> {
        let mut batch = Batch::new(self.sequence);
        batch.message(NFT_MSG_DELTABLE, 0, |m| m.string(1, &self.table));
        self.commit(batch, "removing the Accept_Mode table")
    }

    /// Adds the table, its sets, its chain and its rules to `batch`.
    fn create(&self, batch: &mut Batch, owner: bool) {
        let table = self.table.as_str();
        batch.message(NFT_MSG_NEWTABLE, NLM_F_CREATE, |m| {
            m.string(1, table);
            if owner {
                m.u32(2, NFT_TABLE_F_OWNER);
            }
        });
        for (id, name, key_type, key_len) in
            [(1, SET_V4, TYPE_IPADDR, 4), (2, SET_V6, TYPE_IP6ADDR, 16)]
        {
            batch.message(NFT_MSG_NEWSET, NLM_F_CREATE, |m| {
                m.string(1, table);
                m.string(2, name);
                m.u32(3, 0);
                m.u32(4, key_type);
                m.u32(5, key_len);
                m.u32(10, id);
            });
        }
        batch.message(NFT_MSG_NEWCHAIN, NLM_F_CREATE, |m| {
            m.string(1, table);
            m.string(3, CHAIN);
            m.nested(4, |hook| {
                hook.u32(1, NF_INET_LOCAL_IN);
                hook.u32(2, 0);
            });
            m.u32(5, NF_ACCEPT);
            m.string(7, "filter");
        });
        let rules: [&[Expression]; 4] = [
            &[
                Expression::Family(NFPROTO_IPV6),
                Expression::Transport(IPPROTO_ICMPV6),
                Expression::FirstByte(ND_NEIGHBOR_SOLICIT),
                Expression::Verdict(NF_ACCEPT),
            ],
            &[
                Expression::Family(NFPROTO_IPV6),
                Expression::Transport(IPPROTO_ICMPV6),
                Expression::FirstByte(ND_NEIGHBOR_ADVERT),
                Expression::Verdict(NF_ACCEPT),
            ],
            &[
                Expression::Family(NFPROTO_IPV4),
                Expression::Destination { offset: 16, len: 4 },
                Expression::Lookup(SET_V4, 1),
                Expression::Counter,
                Expression::Verdict(NF_DROP),
            ],
            &[
                Expression::Family(NFPROTO_IPV6),
                Expression::Destination {
                    offset: 24,
                    len: 16,
                },
                Expression::Lookup(SET_V6, 2),
                Expression::Counter,
                Expression::Verdict(NF_DROP),
            ],
        ];
        for rule in rules {
            // Appended, so that they run in this order.
            batch.message(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, |m| {
                m.string(1, table);
                m.string(2, CHAIN);
                m.nested(4, |list| {
                    for expression in rule {
                        list.nested(1, |e| expression.write(e));
                    }
                });
            });
        }
    }

    /// Adds to `batch` one message of `kind` (add or delete elements) per family for `addresses`.
    fn elements(&self, batch: &mut Batch, kind: u16, addresses: &[IpAddr]) {
        let v4: Vec<Ipv4Addr> = addresses
            .iter()
            .filter_map(|a| match a {
                IpAddr::V4(v4) => Some(*v4),
                IpAddr::V6(_) => None,
            })
            .collect();
        let v6: Vec<Ipv6Addr> = addresses
            .iter()
            .filter_map(|a| match a {
                IpAddr::V6(v6) => Some(*v6),
                IpAddr::V4(_) => None,
            })
            .collect();
        let keys: [(&str, Vec<Vec<u8>>); 2] = [
            (SET_V4, v4.iter().map(|a| a.octets().to_vec()).collect()),
            (SET_V6, v6.iter().map(|a| a.octets().to_vec()).collect()),
        ];
        for (set, keys) in keys {
            if keys.is_empty() {
                continue;
            }
            batch.message(kind, NLM_F_CREATE, |m| {
                m.string(1, &self.table);
                m.string(2, set);
                m.nested(3, |list| {
                    for key in &keys {
                        list.nested(1, |element| {
                            element.nested(1, |data| data.bytes(1, key));
                        });
                    }
                });
            });
        }
    }

    /// Sends `batch` as one transaction and waits for the kernel's answer to each message.
    fn commit(&mut self, batch: Batch, operation: &'static str) -> Result<(), FirewallError> {
        let io_error = |source| FirewallError::Io { operation, source };
        let (bytes, first, last) = batch.finish();
        // The begin and end messages are not acknowledged, but an error in them is answered.
        let (begin, end) = (first.wrapping_sub(1), last.wrapping_add(1));
        self.sequence = end;
        self.socket.send(&bytes, 0).map_err(io_error)?;
        let mut pending: BTreeSet<u32> = (first..=last).collect();
        let mut failure = None;
        while !pending.is_empty() {
            let fd = self.socket.as_fd();
            let ready = wait_readable(&[fd], Some(REPLY_TIMEOUT)).map_err(io_error)?;
            if !ready.first().copied().unwrap_or(false) {
                return Err(io_error(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "no answer from the kernel",
                )));
            }
            let (datagram, _) = self.socket.recv_from_full().map_err(io_error)?;
            for (sequence, code) in acknowledgements(&datagram) {
                let ours = pending.remove(&sequence) || sequence == begin || sequence == end;
                if ours && code != 0 && failure.is_none() {
                    failure = Some((sequence == begin, code));
                }
            }
            // An error in a batch aborts it: the kernel may not answer the messages after it.
            if failure.is_some() {
                break;
            }
        }
        match failure {
            None => Ok(()),
            // No nf_tables subsystem to take the batch.
            Some((true, code)) if -code == libc::EOPNOTSUPP => Err(FirewallError::Unsupported),
            Some((_, code)) if -code == libc::EPERM => {
                // With the capability, only another owner's table refuses.
                Err(match Capability::NetAdmin.is_effective() {
                    Some(false) => FirewallError::Permission,
                    _ => FirewallError::TableTaken(self.table.clone()),
                })
            }
            Some((_, code)) => Err(io_error(io::Error::from_raw_os_error(-code))),
        }
    }
}

impl Drop for Firewall {
    fn drop(&mut self) {
        // Best effort; with the owner flag the kernel removes the table anyway when the socket
        // closes.
        let _ = self.remove();
    }
}

/// One expression of a rule.
enum Expression {
    /// `meta nfproto == family`.
    Family(u8),
    /// `meta l4proto == protocol`.
    Transport(u8),
    /// The transport header's first byte (the ICMPv6 type) `== value`.
    FirstByte(u8),
    /// Loads the destination address (network header at `offset`, `len` bytes) into register 1.
    Destination { offset: u32, len: u32 },
    /// Register 1 is in the set called `.0` (created in the same batch with id `.1`).
    Lookup(&'static str, u32),
    /// Counts packets and bytes.
    Counter,
    /// Ends with `verdict`.
    Verdict(u32),
}

impl Expression {
    /// Writes `NFTA_EXPR_NAME` and `NFTA_EXPR_DATA`.
    fn write(&self, e: &mut Attributes) {
        let meta = |e: &mut Attributes, key: u32| {
            e.string(1, "meta");
            e.nested(2, |d| {
                d.u32(1, NFT_REG_1);
                d.u32(2, key);
            });
        };
        let compare = |list: &mut Attributes, value: u8| {
            list.string(1, "cmp");
            list.nested(2, |d| {
                d.u32(1, NFT_REG_1);
                d.u32(2, NFT_CMP_EQ);
                d.nested(3, |data| data.bytes(1, &[value]));
            });
        };
        match *self {
            // meta and cmp are two expressions: the caller's list element holds the first, and
            // the second is written as a sibling by `write_all`.
            Self::Family(family) => {
                meta(e, NFT_META_NFPROTO);
                e.sibling(|next| compare(next, family));
            }
            Self::Transport(protocol) => {
                meta(e, NFT_META_L4PROTO);
                e.sibling(|next| compare(next, protocol));
            }
            Self::FirstByte(value) => {
                payload(e, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1);
                e.sibling(|next| compare(next, value));
            }
            Self::Destination { offset, len } => {
                payload(e, NFT_PAYLOAD_NETWORK_HEADER, offset, len)
            }
            Self::Lookup(set, id) => {
                e.string(1, "lookup");
                e.nested(2, |d| {
                    d.string(1, set);
                    d.u32(2, NFT_REG_1);
                    d.u32(4, id);
                });
            }
            Self::Counter => {
                e.string(1, "counter");
                e.nested(2, |_| {});
            }
            Self::Verdict(verdict) => {
                e.string(1, "immediate");
                e.nested(2, |d| {
                    d.u32(1, NFT_REG_VERDICT);
                    d.nested(2, |data| data.nested(2, |v| v.u32(1, verdict)));
                });
            }
        }
    }
}

/// A payload expression loading `len` bytes at `offset` of header `base` into register 1.
fn payload(e: &mut Attributes, base: u32, offset: u32, len: u32) {
    e.string(1, "payload");
    e.nested(2, |d| {
        d.u32(1, NFT_REG_1);
        d.u32(2, base);
        d.u32(3, offset);
        d.u32(4, len);
    });
}

/// Netlink attributes being written; nf_tables wants its integers in network byte order.
struct Attributes {
    bytes: Vec<u8>,
    /// Expressions that follow the one being written, as further list elements.
    siblings: Vec<Vec<u8>>,
}

impl Attributes {
    fn new() -> Self {
        Self {
            bytes: Vec::new(),
            siblings: Vec::new(),
        }
    }

    fn attribute(&mut self, kind: u16, value: &[u8]) {
        let len = u16::try_from(4 + value.len()).unwrap_or(u16::MAX);
        self.bytes.extend_from_slice(&len.to_ne_bytes());
        self.bytes.extend_from_slice(&kind.to_ne_bytes());
        self.bytes.extend_from_slice(value);
        self.bytes.resize(self.bytes.len().next_multiple_of(4), 0);
    }

    fn u32(&mut self, kind: u16, value: u32) {
        self.attribute(kind, &value.to_be_bytes());
    }

    fn string(&mut self, kind: u16, value: &str) {
        let mut bytes = value.as_bytes().to_vec();
        bytes.push(0);
        self.attribute(kind, &bytes);
    }

    fn bytes(&mut self, kind: u16, value: &[u8]) {
        self.attribute(kind, value);
    }

    /// A nested attribute; list elements whose expression asked for a sibling are followed by
    /// it, as another element of the same kind.
    fn nested(&mut self, kind: u16, write: impl FnOnce(&mut Attributes)) {
        let mut inner = Attributes::new();
        write(&mut inner);
        self.attribute(kind | NLA_F_NESTED, &inner.bytes);
        for sibling in inner.siblings {
            self.attribute(kind | NLA_F_NESTED, &sibling);
        }
    }

    /// Another expression after this one in the rule's list.
    fn sibling(&mut self, write: impl FnOnce(&mut Attributes)) {
        let mut next = Attributes::new();
        write(&mut next);
        self.siblings.push(next.bytes);
    }
}

/// An nfnetlink batch: begin, the messages, end.
struct Batch {
    bytes: Vec<u8>,
    first: u32,
    next: u32,
}

impl Batch {
    fn new(sequence: u32) -> Self {
        let mut batch = Self {
            bytes: Vec::new(),
            first: sequence.wrapping_add(1),
            next: sequence,
        };
        batch.header(
            NFNL_MSG_BATCH_BEGIN,
            NLM_F_REQUEST,
            0,
            NFNL_SUBSYS_NFTABLES,
            &[],
        );
        batch.first = batch.next;
        batch
    }

    /// Appends an nf_tables message of `kind` with `flags` (acknowledged), its attributes written
    /// by `write`.
    fn message(&mut self, kind: u16, flags: u16, write: impl FnOnce(&mut Attributes)) {
        let mut attributes = Attributes::new();
        write(&mut attributes);
        let kind = (NFNL_SUBSYS_NFTABLES << 8) | kind;
        let flags = NLM_F_REQUEST | NLM_F_ACK | flags;
        self.header(kind, flags, NFPROTO_INET, 0, &attributes.bytes);
    }

    fn header(&mut self, kind: u16, flags: u16, family: u8, resource: u16, payload: &[u8]) {
        self.next = self.next.wrapping_add(1);
        let len = u32::try_from(16 + 4 + payload.len()).unwrap_or(u32::MAX);
        self.bytes.extend_from_slice(&len.to_ne_bytes());
        self.bytes.extend_from_slice(&kind.to_ne_bytes());
        self.bytes.extend_from_slice(&flags.to_ne_bytes());
        self.bytes.extend_from_slice(&self.next.to_ne_bytes());
        self.bytes.extend_from_slice(&0u32.to_ne_bytes());
        // nfgenmsg: family, version 0, resource id (big-endian).
        self.bytes.push(family);
        self.bytes.push(0);
        self.bytes.extend_from_slice(&resource.to_be_bytes());
        self.bytes.extend_from_slice(payload);
    }

    /// The datagram, and the first and last sequence numbers that the kernel acknowledges.
    fn finish(mut self) -> (Vec<u8>, u32, u32) {
        let last = self.next;
        self.header(
            NFNL_MSG_BATCH_END,
            NLM_F_REQUEST,
            0,
            NFNL_SUBSYS_NFTABLES,
            &[],
        );
        let first = self.first.wrapping_add(1);
        (self.bytes, first, last)
    }
}

/// The (sequence number, error code) of each acknowledgement in `datagram`; stops at the first
/// message that does not fit.
fn acknowledgements(datagram: &[u8]) -> Vec<(u32, i32)> {
    let mut found = Vec::new();
    let mut rest = datagram;
    while rest.len() >= 16 {
        let field = |at: usize| -> [u8; 4] { [rest[at], rest[at + 1], rest[at + 2], rest[at + 3]] };
        let len = u32::from_ne_bytes(field(0)) as usize;
        let kind = u16::from_ne_bytes([rest[4], rest[5]]);
        let sequence = u32::from_ne_bytes(field(8));
        if len < 16 || len > rest.len() {
            break;
        }
        if kind == NLMSG_ERROR && len >= 20 {
            found.push((sequence, i32::from_ne_bytes(field(16))));
        }
        rest = rest.get(len.next_multiple_of(4)..).unwrap_or_default();
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_padded_to_four_bytes() {
        let mut a = Attributes::new();
        a.string(1, "vrrp");
        // 4 header + 5 ("vrrp\0") = 9, padded to 12.
        assert_eq!(a.bytes.len(), 12);
        assert_eq!(&a.bytes[..4], &[9, 0, 1, 0]);
    }

    #[test]
    fn a_batch_numbers_its_messages_and_acknowledges_only_the_inner_ones() {
        let mut batch = Batch::new(41);
        batch.message(NFT_MSG_DELTABLE, 0, |m| m.string(1, "vrrp"));
        batch.message(NFT_MSG_DELTABLE, 0, |m| m.string(1, "x"));
        let (bytes, first, last) = batch.finish();
        // Begin is 42, the two messages 43 and 44, end 45.
        assert_eq!((first, last), (43, 44));
        assert_eq!(u32::from_ne_bytes(bytes[8..12].try_into().unwrap()), 42);
    }

    #[test]
    fn acknowledgements_are_read_and_a_truncated_message_ends_them() {
        let mut datagram = Vec::new();
        for (sequence, code) in [(7u32, 0i32), (8, -libc::EPERM)] {
            datagram.extend_from_slice(&36u32.to_ne_bytes());
            datagram.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
            datagram.extend_from_slice(&0u16.to_ne_bytes());
            datagram.extend_from_slice(&sequence.to_ne_bytes());
            datagram.extend_from_slice(&0u32.to_ne_bytes());
            datagram.extend_from_slice(&code.to_ne_bytes());
            datagram.extend_from_slice(&[0; 16]);
        }
        datagram.extend_from_slice(&[200, 0, 0, 0, 2, 0]);
        assert_eq!(acknowledgements(&datagram), [(7, 0), (8, -libc::EPERM)]);
    }
}
