//! nfnetlink and nf_tables messages: the constants of the kernel's headers, rule expressions,
//! netlink attributes, and batches of messages with their acknowledgements.

// nfnetlink and nf_tables constants (linux/netfilter/nfnetlink.h, nf_tables.h).
pub(super) const NFNL_SUBSYS_NFTABLES: u16 = 10;
pub(super) const NFNL_MSG_BATCH_BEGIN: u16 = 16;
pub(super) const NFNL_MSG_BATCH_END: u16 = 17;
pub(super) const NFT_MSG_NEWTABLE: u16 = 0;
pub(super) const NFT_MSG_DELTABLE: u16 = 2;
pub(super) const NFT_MSG_NEWCHAIN: u16 = 3;
pub(super) const NFT_MSG_NEWRULE: u16 = 6;
pub(super) const NFT_MSG_NEWSET: u16 = 9;
pub(super) const NFT_MSG_NEWSETELEM: u16 = 12;
pub(super) const NFT_MSG_DELSETELEM: u16 = 14;
pub(super) const NFPROTO_INET: u8 = 1;
pub(super) const NFPROTO_IPV4: u8 = 2;
pub(super) const NFPROTO_IPV6: u8 = 10;
pub(super) const NF_INET_PRE_ROUTING: u32 = 0;
pub(super) const NF_INET_LOCAL_IN: u32 = 1;
pub(super) const NF_DROP: u32 = 0;
pub(super) const NF_ACCEPT: u32 = 1;
pub(super) const NFT_TABLE_F_OWNER: u32 = 2;
pub(super) const NFT_REG_VERDICT: u32 = 0;
pub(super) const NFT_REG_1: u32 = 1;
pub(super) const NFT_META_NFPROTO: u32 = 15;
pub(super) const NFT_META_L4PROTO: u32 = 16;
pub(super) const NFT_PAYLOAD_NETWORK_HEADER: u32 = 1;
pub(super) const NFT_PAYLOAD_TRANSPORT_HEADER: u32 = 2;
pub(super) const NFT_CMP_EQ: u32 = 0;
/// nft's data type numbers for the sets' keys (informational for the kernel, read by `nft`).
pub(super) const TYPE_IPADDR: u32 = 7;
pub(super) const TYPE_IP6ADDR: u32 = 8;
pub(super) const TYPE_IFNAME: u32 = 41;
pub(super) const NFT_META_IIFNAME: u32 = 6;
pub(super) const IPPROTO_ICMPV6: u8 = 58;
pub(super) const ND_NEIGHBOR_SOLICIT: u8 = 135;
pub(super) const ND_NEIGHBOR_ADVERT: u8 = 136;

pub(super) const NLMSG_ERROR: u16 = 2;
pub(super) const NLM_F_REQUEST: u16 = 1;
pub(super) const NLM_F_ACK: u16 = 4;
pub(super) const NLM_F_CREATE: u16 = 0x400;
pub(super) const NLM_F_APPEND: u16 = 0x800;
pub(super) const NLA_F_NESTED: u16 = 0x8000;

/// One expression of a rule.
pub(super) enum Expression {
    /// `meta nfproto == family`.
    Family(u8),
    /// `meta l4proto == protocol`.
    Transport(u8),
    /// The transport header's first byte (the ICMPv6 type) `== value`.
    FirstByte(u8),
    /// Loads the input interface's name into register 1.
    InputInterface,
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
    pub(super) fn write(&self, e: &mut Attributes) {
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
            Self::InputInterface => meta(e, NFT_META_IIFNAME),
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
pub(super) fn payload(e: &mut Attributes, base: u32, offset: u32, len: u32) {
    e.string(1, "payload");
    e.nested(2, |d| {
        d.u32(1, NFT_REG_1);
        d.u32(2, base);
        d.u32(3, offset);
        d.u32(4, len);
    });
}

/// Netlink attributes being written; nf_tables wants its integers in network byte order.
pub(super) struct Attributes {
    bytes: Vec<u8>,
    /// Expressions that follow the one being written, as further list elements.
    siblings: Vec<Vec<u8>>,
}

impl Attributes {
    pub(super) fn new() -> Self {
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

    pub(super) fn u32(&mut self, kind: u16, value: u32) {
        self.attribute(kind, &value.to_be_bytes());
    }

    pub(super) fn string(&mut self, kind: u16, value: &str) {
        let mut bytes = value.as_bytes().to_vec();
        bytes.push(0);
        self.attribute(kind, &bytes);
    }

    pub(super) fn bytes(&mut self, kind: u16, value: &[u8]) {
        self.attribute(kind, value);
    }

    /// A nested attribute; list elements whose expression asked for a sibling are followed by
    /// it, as another element of the same kind.
    pub(super) fn nested(&mut self, kind: u16, write: impl FnOnce(&mut Attributes)) {
        let mut inner = Attributes::new();
        write(&mut inner);
        self.attribute(kind | NLA_F_NESTED, &inner.bytes);
        for sibling in inner.siblings {
            self.attribute(kind | NLA_F_NESTED, &sibling);
        }
    }

    /// Another expression after this one in the rule's list.
    pub(super) fn sibling(&mut self, write: impl FnOnce(&mut Attributes)) {
        let mut next = Attributes::new();
        write(&mut next);
        self.siblings.push(next.bytes);
    }
}

/// An nfnetlink batch: begin, the messages, end.
pub(super) struct Batch {
    bytes: Vec<u8>,
    first: u32,
    next: u32,
}

impl Batch {
    pub(super) fn new(sequence: u32) -> Self {
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
    pub(super) fn message(&mut self, kind: u16, flags: u16, write: impl FnOnce(&mut Attributes)) {
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
    pub(super) fn finish(mut self) -> (Vec<u8>, u32, u32) {
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
pub(super) fn acknowledgements(datagram: &[u8]) -> Vec<(u32, i32)> {
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
