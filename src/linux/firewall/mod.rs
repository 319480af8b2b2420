//! The driver's nftables rules, over nfnetlink: Accept_Mode (RFC 5798 §6.4.3), which drops
//! packets addressed to the virtual addresses of routers with Accept_Mode off, and standby virtual
//! MAC interfaces (§6.4.2), which must take no frame sent to the virtual MAC while their router is
//! not Master.
//!
//! The rules and their table are described on [`Firewall`].

use std::collections::BTreeSet;
use std::io;
use std::net::IpAddr;
use std::os::fd::AsFd;
use std::time::Duration;

use netlink_sys::protocols::NETLINK_NETFILTER;
use netlink_sys::{Socket, SocketAddr};

use crate::linux::Capability;
use crate::linux::poll::wait_readable;

mod nfnetlink;

use nfnetlink::*;

/// The name of the table a [`Firewall`] owns unless told otherwise.
pub const FIREWALL_TABLE: &str = "vrrp";

/// How long a [`Firewall`] waits for the kernel's answer to a batch.
const REPLY_TIMEOUT: Duration = Duration::from_secs(2);

const CHAIN: &str = "input";
const SET_V4: &str = "unaccepted_v4";
const SET_V6: &str = "unaccepted_v6";
const SET_STANDBY: &str = "standby";
const PREROUTING: &str = "prerouting";
/// An interface name's size in the kernel, with its NUL.
const IFNAMSIZ: usize = 16;

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

/// What a [`Firewall`] refuses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Refused {
    /// Addresses whose packets the host must not accept: those held with Accept_Mode off
    /// (V3-FSM-18), except neighbour discovery.
    pub addresses: BTreeSet<IpAddr>,
    /// Interfaces on which nothing is received: the virtual MAC interfaces of routers that are not
    /// Master, which must not take frames sent to the virtual MAC (V3-FSM-06).
    pub interfaces: BTreeSet<String>,
}

impl Refused {
    /// Whether nothing is refused.
    pub fn is_empty(&self) -> bool {
        self.addresses.is_empty() && self.interfaces.is_empty()
    }

    /// The sets' keys: per set, the key of each element.
    fn keys(&self) -> [(&'static str, BTreeSet<Vec<u8>>); 3] {
        let (mut v4, mut v6) = (BTreeSet::new(), BTreeSet::new());
        for address in &self.addresses {
            match address {
                IpAddr::V4(a) => v4.insert(a.octets().to_vec()),
                IpAddr::V6(a) => v6.insert(a.octets().to_vec()),
            };
        }
        let names = self
            .interfaces
            .iter()
            .map(|name| {
                // IFNAMSIZ bytes, NUL-padded: a longer name matches no interface anyway.
                let mut key = name.as_bytes().to_vec();
                key.resize(IFNAMSIZ, 0);
                key
            })
            .collect();
        [(SET_V4, v4), (SET_V6, v6), (SET_STANDBY, names)]
    }
}

/// The elements to add to and remove from each set.
struct Changes {
    added: Vec<(&'static str, Vec<Vec<u8>>)>,
    removed: Vec<(&'static str, Vec<Vec<u8>>)>,
}

impl Changes {
    fn between(installed: &Refused, wanted: &Refused) -> Self {
        let (mut added, mut removed) = (Vec::new(), Vec::new());
        for ((set, old), (_, new)) in installed.keys().into_iter().zip(wanted.keys()) {
            added.push((set, new.difference(&old).cloned().collect()));
            removed.push((set, old.difference(&new).cloned().collect()));
        }
        Self { added, removed }
    }
}

/// The nftables rules that enforce Accept_Mode off for a set of addresses and keep standby
/// virtual MAC interfaces deaf, in a table this firewall owns.
///
/// The rules live in a table this crate owns (`inet vrrp` unless named otherwise):
///
/// ```text
/// table inet vrrp {                        # flags owner: gone when the process is
///     set unaccepted_v4 { type ipv4_addr } # the addresses held with Accept_Mode off
///     set unaccepted_v6 { type ipv6_addr }
///     set standby { type ifname }          # virtual MAC interfaces of non-Masters
///     chain prerouting {
///         type filter hook prerouting priority raw; policy accept;
///         iifname @standby counter drop
///     }
///     chain input {
///         type filter hook input priority filter; policy accept;
///         meta nfproto ipv6 meta l4proto ipv6-icmp icmpv6 type nd-neighbor-solicit accept
///         meta nfproto ipv6 meta l4proto ipv6-icmp icmpv6 type nd-neighbor-advert accept
///         meta nfproto ipv4 ip daddr @unaccepted_v4 counter drop
///         meta nfproto ipv6 ip6 daddr @unaccepted_v6 counter drop
///     }
/// }
/// ```
///
/// ARP is not IP and never reaches the hooks; neighbour solicitations and advertisements are let
/// through (V3-PAR-05). The table is created with the owner flag (Linux 5.12 and later), so the
/// kernel removes it when the socket that made it closes, also when the process is killed, and no
/// other process can change it; on an older kernel it is created without, and a left-over table of
/// the name is removed when the next one opens. Each change is one nfnetlink batch: one
/// transaction, applied whole or not at all.
#[derive(Debug)]
pub struct Firewall {
    socket: Socket,
    sequence: u32,
    table: String,
    /// What the sets hold, once the table exists.
    installed: Option<Refused>,
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

    /// What is refused now: what the last successful [`sync`](Self::sync) installed.
    pub fn refused(&self) -> Option<&Refused> {
        self.installed.as_ref()
    }

    /// Makes the rules refuse exactly `refused`, creating the table first if it does not exist:
    /// one transaction, so on failure the rules stay as they were and the next call tries the
    /// whole difference again.
    pub fn sync(&mut self, refused: &Refused) -> Result<(), FirewallError> {
        let mut batch = Batch::new(self.sequence);
        let empty = Refused::default();
        let installed = match &self.installed {
            Some(installed) if installed == refused => return Ok(()),
            Some(installed) => installed,
            None if refused.is_empty() => return Ok(()),
            None => {
                self.create(&mut batch, true);
                &empty
            }
        };
        let changes = Changes::between(installed, refused);
        self.changes(&mut batch, &changes);
        let result = match self.commit(batch, "installing the firewall rules") {
            // A kernel older than 5.12 knows no owner flag: the same without it.
            Err(FirewallError::Io { source, .. })
                if self.installed.is_none() && source.raw_os_error() == Some(libc::EOPNOTSUPP) =>
            {
                let mut batch = Batch::new(self.sequence);
                self.create(&mut batch, false);
                self.changes(&mut batch, &changes);
                self.commit(batch, "installing the firewall rules")
            }
            result => result,
        };
        result?;
        self.installed = Some(refused.clone());
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
        for (id, name, key_type, key_len) in [
            (1, SET_V4, TYPE_IPADDR, 4),
            (2, SET_V6, TYPE_IP6ADDR, 16),
            (3, SET_STANDBY, TYPE_IFNAME, IFNAMSIZ as u32),
        ] {
            batch.message(NFT_MSG_NEWSET, NLM_F_CREATE, |m| {
                m.string(1, table);
                m.string(2, name);
                m.u32(3, 0);
                m.u32(4, key_type);
                m.u32(5, key_len);
                m.u32(10, id);
                if key_type == TYPE_IFNAME {
                    // For `nft list`: the key is a string in host byte order (libnftnl's
                    // NFTNL_UDATA_SET_KEYBYTEORDER, BYTEORDER_HOST_ENDIAN), or it shows "".
                    let mut user_data = vec![0, 4];
                    user_data.extend_from_slice(&1u32.to_ne_bytes());
                    m.bytes(13, &user_data);
                }
            });
        }
        // The standby interfaces are deaf before anything else looks at their packets (raw
        // priority, -300); the Accept_Mode rules filter what is for this host (filter, 0).
        for (chain, hook, priority) in [
            (PREROUTING, NF_INET_PRE_ROUTING, -300i32),
            (CHAIN, NF_INET_LOCAL_IN, 0),
        ] {
            batch.message(NFT_MSG_NEWCHAIN, NLM_F_CREATE, |m| {
                m.string(1, table);
                m.string(3, chain);
                m.nested(4, |h| {
                    h.u32(1, hook);
                    h.u32(2, priority as u32);
                });
                m.u32(5, NF_ACCEPT);
                m.string(7, "filter");
            });
        }
        let standby: &[Expression] = &[
            Expression::InputInterface,
            Expression::Lookup(SET_STANDBY, 3),
            Expression::Counter,
            Expression::Verdict(NF_DROP),
        ];
        let rules: [(&str, &[Expression]); 5] = [
            (PREROUTING, standby),
            (
                CHAIN,
                &[
                    Expression::Family(NFPROTO_IPV6),
                    Expression::Transport(IPPROTO_ICMPV6),
                    Expression::FirstByte(ND_NEIGHBOR_SOLICIT),
                    Expression::Verdict(NF_ACCEPT),
                ],
            ),
            (
                CHAIN,
                &[
                    Expression::Family(NFPROTO_IPV6),
                    Expression::Transport(IPPROTO_ICMPV6),
                    Expression::FirstByte(ND_NEIGHBOR_ADVERT),
                    Expression::Verdict(NF_ACCEPT),
                ],
            ),
            (
                CHAIN,
                &[
                    Expression::Family(NFPROTO_IPV4),
                    Expression::Destination { offset: 16, len: 4 },
                    Expression::Lookup(SET_V4, 1),
                    Expression::Counter,
                    Expression::Verdict(NF_DROP),
                ],
            ),
            (
                CHAIN,
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
            ),
        ];
        for (chain, rule) in rules {
            // Appended, so that they run in this order.
            batch.message(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, |m| {
                m.string(1, table);
                m.string(2, chain);
                m.nested(4, |list| {
                    for expression in rule {
                        list.nested(1, |e| expression.write(e));
                    }
                });
            });
        }
    }

    /// Adds `changes` to `batch`: one message per set and direction.
    fn changes(&self, batch: &mut Batch, changes: &Changes) {
        for (kind, keys) in [
            (NFT_MSG_NEWSETELEM, &changes.added),
            (NFT_MSG_DELSETELEM, &changes.removed),
        ] {
            for (set, keys) in keys {
                if keys.is_empty() {
                    continue;
                }
                batch.message(kind, NLM_F_CREATE, |m| {
                    m.string(1, &self.table);
                    m.string(2, set);
                    m.nested(3, |list| {
                        for key in keys {
                            list.nested(1, |element| {
                                element.nested(1, |data| data.bytes(1, key));
                            });
                        }
                    });
                });
            }
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
