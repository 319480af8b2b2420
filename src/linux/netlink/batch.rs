//! Several rtnetlink requests in one round trip: a takeover of thousands of routers adds thousands
//! of addresses, and one datagram and one wake-up per address was most of its cost.

use std::io;

use netlink_packet_core::{NLM_F_ACK, NetlinkPayload};
use netlink_packet_route::RouteNetlinkMessage;

use super::{Netlink, NetlinkError, split_messages};

/// How many requests go in one datagram. The kernel handles a datagram's messages one after the
/// other and queues an acknowledgement for each (36 bytes, or the request again with an error):
/// 64 of them fit the socket's receive buffer many times over.
const PER_DATAGRAM: usize = 64;

impl Netlink {
    /// Sends `requests`, each with `flags` and an acknowledgement asked for, [`PER_DATAGRAM`] to a
    /// datagram, and returns each one's outcome in order. `operation` names them in errors.
    pub(super) fn request_all(
        &mut self,
        requests: Vec<RouteNetlinkMessage>,
        flags: u16,
        operation: &'static str,
    ) -> Vec<Result<(), NetlinkError>> {
        let mut outcomes = Vec::with_capacity(requests.len());
        let mut requests = requests.into_iter().peekable();
        while requests.peek().is_some() {
            let chunk: Vec<RouteNetlinkMessage> = requests.by_ref().take(PER_DATAGRAM).collect();
            outcomes.extend(self.one_datagram(chunk, flags, operation));
        }
        outcomes
    }

    /// Sends `chunk` in one datagram and waits for every acknowledgement.
    fn one_datagram(
        &mut self,
        chunk: Vec<RouteNetlinkMessage>,
        flags: u16,
        operation: &'static str,
    ) -> Vec<Result<(), NetlinkError>> {
        let count = chunk.len();
        let first = self.sequence.wrapping_add(1);
        let mut buffer = Vec::new();
        for message in chunk {
            self.encode(message, NLM_F_ACK | flags, &mut buffer);
        }
        let failed_all = |error: &io::Error| {
            (0..count)
                .map(|_| {
                    Err(NetlinkError::Io {
                        operation,
                        source: io::Error::new(error.kind(), error.to_string()),
                    })
                })
                .collect()
        };
        if let Err(error) = self.socket.send(&buffer, 0) {
            return failed_all(&error);
        }
        let mut outcomes: Vec<Option<Result<(), NetlinkError>>> =
            (0..count).map(|_| None).collect();
        let mut waiting = count;
        // What was answered, and the rest failed with `error`. The acknowledgements still to
        // come are skipped by the next request, which waits for its own sequence number.
        let answered_or = |outcomes: Vec<Option<Result<(), NetlinkError>>>, error: &io::Error| {
            (outcomes.into_iter())
                .zip(failed_all(error))
                .map(|(outcome, missing)| outcome.unwrap_or(missing))
                .collect()
        };
        while waiting > 0 {
            let datagram = match self.socket.recv_from_full() {
                Ok((datagram, _)) => datagram,
                Err(error) => return answered_or(outcomes, &error),
            };
            for reply in split_messages(&datagram) {
                // The rest of the datagram cannot be read: an acknowledgement in it would never
                // be seen, and waiting for it would wait for ever.
                let reply = match reply {
                    Ok(reply) => reply,
                    Err(error) => return answered_or(outcomes, &error),
                };
                let offset = reply.header.sequence_number.wrapping_sub(first) as usize;
                let NetlinkPayload::Error(error) = reply.payload else {
                    continue;
                };
                let Some(slot) = outcomes.get_mut(offset).filter(|slot| slot.is_none()) else {
                    continue;
                };
                *slot = Some(match error.code {
                    None => Ok(()),
                    Some(code) => Err(NetlinkError::from_errno(-code.get(), operation)),
                });
                waiting -= 1;
            }
        }
        outcomes.into_iter().flatten().collect()
    }
}
