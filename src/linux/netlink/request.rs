//! One request and its replies: the sequence numbers, the end of a dump, the kernel's error, and
//! a dump interrupted by changes, asked for again.

use netlink_packet_core::{
    NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage, NetlinkPayload,
};
use netlink_packet_route::RouteNetlinkMessage;

use super::{Netlink, NetlinkError, split_messages};

impl Netlink {
    /// Appends `message` to `buffer` as a request with `flags` and the next sequence number.
    /// Each message starts on a 4-byte boundary; its length is a multiple of 4 already.
    pub(super) fn encode(
        &mut self,
        message: RouteNetlinkMessage,
        flags: u16,
        buffer: &mut Vec<u8>,
    ) {
        self.sequence = self.sequence.wrapping_add(1);
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | flags;
        header.sequence_number = self.sequence;
        let mut packet = NetlinkMessage::new(header, NetlinkPayload::from(message));
        packet.finalize();
        let start = buffer.len();
        buffer.resize(start + packet.buffer_len(), 0);
        packet.serialize(&mut buffer[start..]);
    }

    /// Lists what `message` asks for (a dump). A listing that changed while the kernel sent it
    /// (`NLM_F_DUMP_INTR`: it may miss an interface or an address that was there all along) is
    /// asked for again, up to [`DUMP_ATTEMPTS`] times; never used as it is.
    pub(super) fn dump(
        &mut self,
        message: RouteNetlinkMessage,
        operation: &'static str,
    ) -> Result<Vec<RouteNetlinkMessage>, NetlinkError> {
        for _ in 0..DUMP_ATTEMPTS {
            let (replies, interrupted) = self.exchange(message.clone(), NLM_F_DUMP, operation)?;
            if !interrupted {
                return Ok(replies);
            }
        }
        Err(NetlinkError::DumpInterrupted {
            operation,
            attempts: DUMP_ATTEMPTS,
        })
    }

    /// Sends `message` and collects the replies until the kernel's acknowledgement.
    pub(super) fn request(
        &mut self,
        message: RouteNetlinkMessage,
        flags: u16,
        operation: &'static str,
    ) -> Result<Vec<RouteNetlinkMessage>, NetlinkError> {
        self.exchange(message, flags, operation)
            .map(|(replies, _)| replies)
    }

    /// Sends `message` and collects the replies until the kernel's acknowledgement or end of
    /// dump, and whether any reply said the dump was interrupted by a change.
    fn exchange(
        &mut self,
        message: RouteNetlinkMessage,
        flags: u16,
        operation: &'static str,
    ) -> Result<(Vec<RouteNetlinkMessage>, bool), NetlinkError> {
        let io_error = |source| NetlinkError::Io { operation, source };
        let mut buffer = Vec::new();
        self.encode(message, flags, &mut buffer);
        self.socket.send(&buffer, 0).map_err(io_error)?;

        let mut replies = Vec::new();
        let mut interrupted = false;
        loop {
            let (datagram, _) = self.socket.recv_from_full().map_err(io_error)?;
            for reply in split_messages(&datagram) {
                let reply = reply.map_err(io_error)?;
                if reply.header.sequence_number != self.sequence {
                    continue;
                }
                interrupted |= reply.header.flags & NLM_F_DUMP_INTR != 0;
                match reply.payload {
                    NetlinkPayload::Done(_) => return Ok((replies, interrupted)),
                    NetlinkPayload::Error(error) => {
                        return match error.code {
                            None => Ok((replies, interrupted)),
                            Some(code) => Err(NetlinkError::from_errno(-code.get(), operation)),
                        };
                    }
                    NetlinkPayload::InnerMessage(message) => replies.push(message),
                    // Noop and overrun notices carry nothing a request waits for.
                    _ => {}
                }
            }
        }
    }
}

/// How many times a listing interrupted by changes is asked for before it is given up (until the
/// next try of whoever needs it).
const DUMP_ATTEMPTS: u32 = 5;
