//! The statistics of one virtual router: RFC 6527's counters and a few more that operators need.

use std::time::Instant;

use crate::packet::{ChecksumForm, RxError};
use crate::{Counter, ProtoErrReason, Reason};

/// `vrrpv3StatisticsNewMasterReason` (RFC 6527): why this router last became Master. Later versions
/// may add reasons, should a MIB revision name more.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NewMasterReason {
    /// `notMaster(0)`: it never became Master.
    #[default]
    NotMaster,
    /// `priority(1)`: it owns the addresses, or the Master stopped with priority 0.
    Priority,
    /// `preempted(2)`: it took over from a Master of lower priority.
    Preempted,
    /// `masterNoResponse(3)`: the Master went silent.
    MasterNoResponse,
}

impl NewMasterReason {
    /// Why a router that became Master for `reason` did, as RFC 6527 names it: preempted after it
    /// ignored a Master of lower priority, masterNoResponse after silence, and priority otherwise
    /// (the owner starting or its link coming back, the Master stopping with priority 0, a sync
    /// group following a member).
    pub const fn of(reason: Reason) -> Self {
        match reason {
            Reason::Preempted => Self::Preempted,
            Reason::MasterNoResponse => Self::MasterNoResponse,
            _ => Self::Priority,
        }
    }

    /// The MIB's name of the value: `notMaster`, `priority`, `preempted`, `masterNoResponse`.
    pub const fn mib_name(self) -> &'static str {
        match self {
            Self::NotMaster => "notMaster",
            Self::Priority => "priority",
            Self::Preempted => "preempted",
            Self::MasterNoResponse => "masterNoResponse",
        }
    }

    /// The MIB's integer value.
    pub const fn mib_value(self) -> u8 {
        match self {
            Self::NotMaster => 0,
            Self::Priority => 1,
            Self::Preempted => 2,
            Self::MasterNoResponse => 3,
        }
    }
}

/// The statistics of one virtual router ([`VirtualRouter::stats`](crate::VirtualRouter::stats)).
/// Later versions may add counters, so it cannot be built or destructured outside the crate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// The counters before the first authentication one, which every router keeps.
    errors: [u64; Counter::FIRST_AUTH],
    /// The authentication counters (VRRPv2's, HMAC's) and the legacy checksum's, kept (boxed) once
    /// a router counts one: most routers never do, and then pay a pointer.
    rare: Option<Box<RareStats>>,
    /// `vrrpv3StatisticsMasterTransitions`.
    pub master_transitions: u64,
    /// `vrrpv3StatisticsNewMasterReason`.
    pub new_master_reason: NewMasterReason,
    /// `vrrpv3StatisticsProtoErrReason`: the last protocol error, `NoError` until there is one.
    pub proto_err_reason: ProtoErrReason,
    /// `vrrpv3StatisticsRcvdAdvertisements`: adverts that passed every check.
    pub rcvd_advertisements: u64,
    /// `vrrpv3StatisticsRcvdPriZeroPackets`.
    pub rcvd_pri_zero_packets: u64,
    /// `vrrpv3StatisticsSentPriZeroPackets`.
    pub sent_pri_zero_packets: u64,
    /// Advertisements sent.
    pub sent_advertisements: u64,
    /// Announcement bursts requested (each of `repeat` packets per address).
    pub sent_announcements: u64,
    /// Received VRRPv3 IPv4 adverts whose checksum matched with the pseudo-header.
    pub rcvd_pseudo_header_checksums: u64,
    /// Received VRRPv3 IPv4 adverts whose checksum matched over the message only (RFC 9568).
    pub rcvd_message_only_checksums: u64,
    /// Adverts of priority 255 heard while this router owns the addresses (RFC 9568 §8.3.2).
    pub owner_conflicts: u64,
    /// Adverts heard whose source is this router's own primary address: another router is
    /// configured with it (a duplicate address), which can hide a second Master.
    pub address_conflicts: u64,
    /// In VRRPv2 interoperation mode, how many times a Master that sends VRRPv3 was heard for
    /// two VRRPv2 intervals (whole seconds, two at least) without a VRRPv2 copy (RFC 5798 §8.4.2,
    /// V3-V2I-05): the VRRPv2-only routers of the LAN cannot hear it and will take over.
    pub v3_masters_without_v2: u64,
    /// Times this router lost mastership to a higher priority within two Master_Down_Intervals
    /// of taking it (RFC 9568 §2.5): flapping, as when the Master's adverts come late (egress
    /// queueing at a small interval) or a Master keeps restarting.
    pub flaps: u64,
    /// `vrrpv3StatisticsRowDiscontinuityTime`: when these counters started from zero, which is the
    /// first instant the router was given (a router is created with zeroed counters, so one that
    /// a reconfiguration adds starts its own); `None` before that. A monitor that sees it change
    /// knows the counters were reset rather than wrapped.
    pub discontinuity_time: Option<Instant>,
}

impl Stats {
    /// How many received packets were discarded for `counter`.
    pub fn errors(&self, counter: Counter) -> u64 {
        match counter.index().checked_sub(Counter::FIRST_AUTH) {
            None => self.errors[counter.index()],
            Some(i) => self.rare.as_ref().map_or(0, |rare| rare.errors[i]),
        }
    }

    /// Every advert discarded by authentication: the VRRPv2 password's failures
    /// ([`Counter::AuthFailures`], RFC 2787's `vrrpStatsAuthFailures`) and the HMAC trailer's,
    /// which have a counter each ([`Counter::AuthTrailerMissing`] to [`Counter::AuthReplayed`]).
    pub fn auth_failures(&self) -> u64 {
        Counter::ALL
            .iter()
            .filter(|&&c| c == Counter::AuthFailures || c >= Counter::AuthTrailerMissing)
            .map(|&c| self.errors(c))
            .sum()
    }

    /// Adverts accepted with a valid HMAC trailer (the rest of `rcvd_advertisements` came without
    /// one, accepted by a receive-only or permissive router): during a migration, proof that every
    /// peer signs before switching to enforce.
    pub fn rcvd_authenticated(&self) -> u64 {
        self.rare.as_ref().map_or(0, |rare| rare.rcvd_authenticated)
    }

    /// Authenticated adverts accepted with the sender's clock more than half the freshness window
    /// from ours: clocks drifting toward refusal (fix NTP).
    pub fn auth_clock_skews(&self) -> u64 {
        self.rare.as_ref().map_or(0, |rare| rare.clock_skews)
    }

    /// Received VRRPv3 IPv4 unicast adverts whose checksum matched only with 224.0.0.18 as the
    /// pseudo-header's destination
    /// ([`ChecksumForm::LegacyUnicast`]): keepalived before 1.3.6, or with `old_unicast_checksum`.
    pub fn rcvd_legacy_unicast_checksums(&self) -> u64 {
        self.rare
            .as_ref()
            .map_or(0, |rare| rare.legacy_unicast_checksums)
    }

    /// All discarded packets, whatever the reason.
    pub fn total_errors(&self) -> u64 {
        let auth = (self.rare.as_ref()).map_or(0, |rare| rare.errors.iter().sum());
        self.errors.iter().sum::<u64>() + auth
    }

    pub(crate) fn record_error(&mut self, error: &RxError) {
        self.record_mismatch(error.counter());
        if let Some(reason) = error.proto_err_reason() {
            self.proto_err_reason = reason;
        }
    }

    pub(crate) fn record_mismatch(&mut self, counter: Counter) {
        match counter.index().checked_sub(Counter::FIRST_AUTH) {
            None => self.errors[counter.index()] += 1,
            Some(i) => self.rare_mut().errors[i] += 1,
        }
    }

    /// An advert accepted with a valid trailer, its sender's clock `skewed` or not.
    #[cfg(feature = "auth-hmac")]
    pub(crate) fn record_authenticated(&mut self, skewed: bool) {
        let rare = self.rare_mut();
        rare.rcvd_authenticated += 1;
        rare.clock_skews += u64::from(skewed);
    }

    fn rare_mut(&mut self) -> &mut RareStats {
        self.rare.get_or_insert_with(Box::default)
    }

    pub(crate) fn record_checksum_form(&mut self, form: ChecksumForm) {
        match form {
            ChecksumForm::PseudoHeader => self.rcvd_pseudo_header_checksums += 1,
            ChecksumForm::MessageOnly => self.rcvd_message_only_checksums += 1,
            ChecksumForm::LegacyUnicast => self.rare_mut().legacy_unicast_checksums += 1,
        }
    }
}

/// One statistic of a record `S` ([`Stats`] or [`GlobalStats`](crate::GlobalStats)): its name,
/// the MIB object it is, what it counts, and how to read it. [`Stats::COUNTERS`] and
/// [`GlobalStats::COUNTERS`](crate::GlobalStats::COUNTERS) list them, so that the metrics, the JSON
/// lines and `vrrpd stats` are all written from one table; a counter added there shows everywhere.
#[derive(Debug)]
pub struct Statistic<S> {
    /// Its name in snake case (`rcvd_advertisements`): the key in JSON and `vrrpd stats`.
    pub name: &'static str,
    /// The MIB object it is (`vrrpv3StatisticsRcvdAdvertisements`), `None` for the counters no MIB
    /// defines.
    pub mib_name: Option<&'static str>,
    /// One sentence saying what it counts.
    pub help: &'static str,
    read: fn(&S) -> u64,
}

impl<S> Clone for Statistic<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for Statistic<S> {}

impl<S> Statistic<S> {
    pub(crate) const fn new(
        name: &'static str,
        mib_name: Option<&'static str>,
        help: &'static str,
        read: fn(&S) -> u64,
    ) -> Self {
        Self {
            name,
            mib_name,
            help,
            read,
        }
    }

    /// Its value in `stats`.
    pub fn value(&self, stats: &S) -> u64 {
        (self.read)(stats)
    }
}

impl Stats {
    /// Every counter of a router but the discard reasons (one per [`Counter`], read with
    /// [`Stats::errors`]) and the two reasons, in the order a report shows them.
    pub const COUNTERS: &'static [Statistic<Self>] = &[
        Statistic::new(
            "master_transitions",
            Some("vrrpv3StatisticsMasterTransitions"),
            "Transitions to Master.",
            |s| s.master_transitions,
        ),
        Statistic::new(
            "rcvd_advertisements",
            Some("vrrpv3StatisticsRcvdAdvertisements"),
            "Advertisements received that passed every check.",
            |s| s.rcvd_advertisements,
        ),
        Statistic::new(
            "rcvd_pri_zero_packets",
            Some("vrrpv3StatisticsRcvdPriZeroPackets"),
            "Advertisements of priority 0 received.",
            |s| s.rcvd_pri_zero_packets,
        ),
        Statistic::new(
            "sent_pri_zero_packets",
            Some("vrrpv3StatisticsSentPriZeroPackets"),
            "Advertisements of priority 0 sent.",
            |s| s.sent_pri_zero_packets,
        ),
        Statistic::new("sent_advertisements", None, "Advertisements sent.", |s| {
            s.sent_advertisements
        }),
        Statistic::new(
            "sent_announcements",
            None,
            "Announcement bursts (gratuitous ARP, unsolicited neighbour advertisements) requested.",
            |s| s.sent_announcements,
        ),
        Statistic::new(
            "rcvd_pseudo_header_checksums",
            None,
            "Received VRRPv3 IPv4 advertisements whose checksum covers the pseudo-header.",
            |s| s.rcvd_pseudo_header_checksums,
        ),
        Statistic::new(
            "rcvd_message_only_checksums",
            None,
            "Received VRRPv3 IPv4 advertisements whose checksum covers the message only (RFC 9568).",
            |s| s.rcvd_message_only_checksums,
        ),
        Statistic::new(
            "rcvd_legacy_unicast_checksums",
            None,
            "Received VRRPv3 IPv4 unicast advertisements in the checksum of keepalived before 1.3.6.",
            Self::rcvd_legacy_unicast_checksums,
        ),
        Statistic::new(
            "rcvd_authenticated",
            None,
            "Advertisements accepted with a valid HMAC authentication trailer.",
            Self::rcvd_authenticated,
        ),
        Statistic::new(
            "auth_clock_skews",
            None,
            "Authenticated advertisements from a clock more than half the freshness window away.",
            Self::auth_clock_skews,
        ),
        Statistic::new(
            "owner_conflicts",
            None,
            "Advertisements of priority 255 heard while this router owns the addresses.",
            |s| s.owner_conflicts,
        ),
        Statistic::new(
            "address_conflicts",
            None,
            "Advertisements heard from this router's own primary address (a duplicate address).",
            |s| s.address_conflicts,
        ),
        Statistic::new(
            "flaps",
            None,
            "Times mastership was lost to a higher priority within two Master_Down_Intervals of taking it.",
            |s| s.flaps,
        ),
        Statistic::new(
            "v3_masters_without_v2",
            None,
            "Times a VRRPv3 Master was heard without VRRPv2 copies in VRRPv2 interoperation mode.",
            |s| s.v3_masters_without_v2,
        ),
    ];
}

/// The counters that stay zero on most routers, boxed when one is not: authentication's, and the
/// legacy unicast checksum's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct RareStats {
    errors: [u64; Counter::ALL.len() - Counter::FIRST_AUTH],
    rcvd_authenticated: u64,
    clock_skews: u64,
    legacy_unicast_checksums: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GlobalStats;

    /// Every counter field has its row: a field added to `Stats` fails to compile here until it
    /// is named, and a row that reads the wrong field fails the values.
    #[test]
    fn every_counter_of_a_router_is_in_the_table_once() {
        let mut stats = Stats {
            master_transitions: 1,
            rcvd_advertisements: 2,
            rcvd_pri_zero_packets: 3,
            sent_pri_zero_packets: 4,
            sent_advertisements: 5,
            sent_announcements: 6,
            rcvd_pseudo_header_checksums: 7,
            rcvd_message_only_checksums: 8,
            owner_conflicts: 9,
            address_conflicts: 10,
            v3_masters_without_v2: 11,
            flaps: 12,
            ..Stats::default()
        };
        let rare = stats.rare_mut();
        rare.legacy_unicast_checksums = 13;
        rare.rcvd_authenticated = 14;
        rare.clock_skews = 15;
        let Stats {
            errors: _,
            rare: _,
            master_transitions: _,
            new_master_reason: _,
            proto_err_reason: _,
            rcvd_advertisements: _,
            rcvd_pri_zero_packets: _,
            sent_pri_zero_packets: _,
            sent_advertisements: _,
            sent_announcements: _,
            rcvd_pseudo_header_checksums: _,
            rcvd_message_only_checksums: _,
            owner_conflicts: _,
            address_conflicts: _,
            v3_masters_without_v2: _,
            flaps: _,
            discontinuity_time: _,
        } = &stats;
        let RareStats {
            errors: _,
            rcvd_authenticated: _,
            clock_skews: _,
            legacy_unicast_checksums: _,
        } = RareStats::default();
        let mut values: Vec<u64> = Stats::COUNTERS.iter().map(|c| c.value(&stats)).collect();
        values.sort_unstable();
        assert_eq!(values, (1..=15).collect::<Vec<u64>>());
        let mut names: Vec<&str> = Stats::COUNTERS.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Stats::COUNTERS.len());
        assert_eq!(Stats::COUNTERS[1].name, "rcvd_advertisements");
        assert_eq!(Stats::COUNTERS[1].value(&stats), 2);
    }

    #[test]
    fn every_router_wide_counter_is_in_the_table_once() {
        let global = GlobalStats {
            checksum_errors: 1,
            version_errors: 2,
            vrid_errors: 3,
            malformed_datagrams: 4,
            discontinuity_time: None,
        };
        let values: Vec<u64> = (GlobalStats::COUNTERS.iter())
            .map(|c| c.value(&global))
            .collect();
        assert_eq!(values, [1, 2, 3, 4]);
    }
}
