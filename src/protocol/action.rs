//! What a virtual router asks its caller to do.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use bytes::Bytes;

use crate::Priority;
use crate::packet::AddressList;

/// The protocol state of a virtual router (RFC 5798 §6.4), plus keepalived's Fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// Not started, or shut down: nothing sent, adverts ignored.
    Initialize,
    /// Listening for the Master; takes over when Master_Down_Timer fires.
    Backup,
    /// Owns the virtual addresses and advertises every Advertisement_Interval.
    Master,
    /// The link (or a tracked interface) is down: addresses released, nothing sent.
    Fault,
}

impl State {
    /// RFC 6527 `vrrpv3OperationsStatus`: initialize(1), backup(2), master(3). Fault, which the
    /// MIB does not have, is initialize(1): a router in Fault takes no part in the protocol, as in
    /// Initialize.
    pub const fn mib_value(self) -> u8 {
        match self {
            Self::Initialize | Self::Fault => 1,
            Self::Backup => 2,
            Self::Master => 3,
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Initialize => "initialize",
            Self::Backup => "backup",
            Self::Master => "master",
            Self::Fault => "fault",
        })
    }
}

/// Why a virtual router changed state. Later versions may add reasons, for events they add.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// `start` was called: the owner becomes Master, any other router Backup.
    Startup,
    /// Master_Down_Timer fired with no advertisement heard (RFC 6527 `masterNoResponse`).
    MasterNoResponse,
    /// Master_Down_Timer fired after a Master of lower priority was ignored (`preempted`).
    Preempted,
    /// Master_Down_Timer fired Skew_Time after the Master advertised priority 0 (`priority`).
    MasterStopped,
    /// A Master heard an advertisement of higher priority, or lost the tie on equal priority.
    HigherPriority,
    /// `shutdown` was called.
    Shutdown,
    /// The link went down.
    LinkDown,
    /// The link came back up.
    LinkUp,
    /// A tracked interface or health check failed.
    TrackingFault,
    /// Every tracked interface and health check is fine again.
    TrackingRecovered,
    /// Another member of the sync group changed state.
    SyncGroup,
    /// A Master ran too late to know that another router had not taken over, and became Backup
    /// (keepalived's `timer_expired_backup`: see
    /// [`ConfigBuilder::yield_after_stall`](crate::ConfigBuilder::yield_after_stall)).
    Stalled,
    /// The application said the Master is unhealthy
    /// ([`VirtualRouter::set_healthy`](crate::VirtualRouter::set_healthy)): it advertised priority
    /// 0 and released its addresses.
    SteppedDown,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Startup => "startup",
            Self::MasterNoResponse => "master-no-response",
            Self::Preempted => "preempted",
            Self::MasterStopped => "master-stopped",
            Self::HigherPriority => "higher-priority",
            Self::Stalled => "stalled",
            Self::Shutdown => "shutdown",
            Self::LinkDown => "link-down",
            Self::LinkUp => "link-up",
            Self::TrackingFault => "tracking-fault",
            Self::TrackingRecovered => "tracking-recovered",
            Self::SyncGroup => "sync-group",
            Self::SteppedDown => "stepped-down",
        })
    }
}

/// An advertisement to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// The interface to send on.
    pub interface_index: u32,
    /// The source address (the one the checksum was computed with).
    pub source: IpAddr,
    /// The destination: 224.0.0.18 or ff02::12, or a unicast peer.
    pub destination: IpAddr,
    /// The TTL / hop limit to send it with: 255 (RFC 5798 §5.1.1.3, §5.1.2.3), or for a unicast
    /// peer what [`ConfigBuilder::unicast_hop_limit`](crate::ConfigBuilder::unicast_hop_limit)
    /// says. Part of `payload` already when [`ipsec_ah`](Self::ipsec_ah).
    pub hop_limit: u8,
    /// The VRRP message, to be sent with IP protocol 112; or, when
    /// [`ipsec_ah`](Self::ipsec_ah), the whole IPv4 datagram, to be sent as it is.
    pub payload: Bytes,
    /// Whether `payload` is a whole IPv4 datagram with an IP Authentication Header (keepalived's
    /// `auth_type AH`, [`ipsec_ah`](crate::packet::ipsec_ah)): its IP header is part of what the
    /// header authenticates, so it must go out unchanged (a raw socket with `IP_HDRINCL`).
    pub ipsec_ah: bool,
}

/// Something the caller must do, in order, after a call into the virtual router.
///
/// Later versions may add actions; each will ask for something this version does not do, so a
/// caller that skips an action it does not know keeps this version's behaviour.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Send an advertisement.
    Send(Transmit),
    /// Configure the virtual addresses on the interface. With `accept` false (Accept_Mode off, RFC
    /// 5798 §6.4.3) packets addressed to them must not be accepted, except IPv6 neighbour discovery.
    AddAddresses {
        /// The addresses to add.
        addresses: AddressList,
        /// Whether packets addressed to them are accepted.
        accept: bool,
    },
    /// Remove the virtual addresses from the interface.
    RemoveAddresses(AddressList),
    /// Announce the addresses: a gratuitous ARP (IPv4) or unsolicited neighbour advertisement (IPv6)
    /// for each, `repeat` times.
    Announce {
        /// The addresses to announce.
        addresses: AddressList,
        /// How many announcements of each address.
        repeat: u8,
    },
    /// Send one IPv6 router advertisement (RFC 5798 §6.4.3, RFC 4861 §4.2) from the first
    /// (link-local) virtual address, to all nodes, with the virtual router's MAC as its source
    /// link-layer address and a prefix for each other virtual address. Only a Master with
    /// [`RouterAdvertisements`](crate::RouterAdvertisements) configured asks for it.
    AdvertiseRouter {
        /// The virtual addresses: the first is the source, the others' prefixes are advertised.
        addresses: AddressList,
        /// The router lifetime to advertise.
        lifetime: Duration,
    },
    /// While Master, it heard an advertisement of lower (non-zero) priority: another router
    /// acts as Master too, a split brain that this Master heals by answering (RFC 9568 §6.4.3)
    /// or, with [`LowerPriorityResponse::Discard`](crate::LowerPriorityResponse::Discard), lets
    /// time heal. keepalived's `notify_master_rx_lower_pri` runs on it (cloud setups take their
    /// addresses back). Once per advertisement heard.
    LowerPriorityMaster {
        /// The other router's primary address.
        source: IpAddr,
        /// The priority it advertised.
        priority: Priority,
    },
    /// The state changed.
    StateChanged {
        /// The state left.
        from: State,
        /// The state entered.
        to: State,
        /// Why.
        reason: Reason,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_reasons_read_as_operators_see_them_in_logs_events_and_status() {
        let states = [
            State::Initialize,
            State::Backup,
            State::Master,
            State::Fault,
        ];
        assert_eq!(
            states.map(|s| s.to_string()),
            ["initialize", "backup", "master", "fault"]
        );
        let reasons = [
            (Reason::Startup, "startup"),
            (Reason::MasterNoResponse, "master-no-response"),
            (Reason::Preempted, "preempted"),
            (Reason::MasterStopped, "master-stopped"),
            (Reason::HigherPriority, "higher-priority"),
            (Reason::Shutdown, "shutdown"),
            (Reason::LinkDown, "link-down"),
            (Reason::LinkUp, "link-up"),
            (Reason::TrackingFault, "tracking-fault"),
            (Reason::TrackingRecovered, "tracking-recovered"),
            (Reason::SyncGroup, "sync-group"),
            (Reason::SteppedDown, "stepped-down"),
        ];
        for (reason, word) in reasons {
            assert_eq!(reason.to_string(), word);
        }
    }
}
