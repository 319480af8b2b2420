//! RFC 6527's operations table (`vrrpv3OperationsTable`) and the statistics objects that are not
//! counters (discontinuity times, refresh rate), as metrics. Instants become ages in seconds at the
//! time the report was taken ([`StatsReport::taken_at`](crate::host::StatsReport::taken_at)).

use std::fmt;
use std::time::{Duration, Instant};

use prometheus_client::encoding::DescriptorEncoder;
use prometheus_client::metrics::MetricType::Gauge;

use super::{Labels, NoLabels, Snapshot, family};
use crate::host::RouterReport;

/// Seconds from `since` to `at`, with the fractions.
fn age(at: Instant, since: Instant) -> f64 {
    at.saturating_duration_since(since).as_secs_f64()
}

/// An info-style series per router: 1, labelled `address` with what `address` reads.
fn addresses<'a>(
    snapshot: &'a Snapshot,
    address: impl Fn(&RouterReport) -> String + 'a,
) -> impl Iterator<Item = (Labels, u64)> + 'a {
    snapshot.routers.iter().map(move |(labels, router)| {
        let mut labels = labels.clone();
        labels.push(("address", address(router)));
        (labels, 1)
    })
}

/// A series per router whose value `value` reads, for the routers it reads one for.
fn gauges<'a, V>(
    snapshot: &'a Snapshot,
    value: impl Fn(&RouterReport) -> Option<V> + 'a,
) -> impl Iterator<Item = (Labels, V)> + 'a {
    (snapshot.routers.iter())
        .filter_map(move |(labels, router)| Some((labels.clone(), value(router)?)))
}

fn seconds(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

impl Snapshot {
    /// The operations table, the routers' discontinuity times and refresh rates, and the
    /// router-wide discontinuity time.
    pub(super) fn encode_operations(&self, encoder: &mut DescriptorEncoder) -> fmt::Result {
        let at = self.taken_at;
        family(
            encoder,
            "vrrp_operations_status",
            "vrrpv3OperationsStatus: initialize(1) (also while in Fault), backup(2), master(3).",
            Gauge,
            gauges(self, |r| Some(u64::from(r.state.mib_value()))),
        )?;
        family(
            encoder,
            "vrrp_operations_primary_address",
            "1, labelled with the address adverts are sent from (vrrpv3OperationsPrimaryIpAddr).",
            Gauge,
            addresses(self, |r| r.primary_address.to_string()),
        )?;
        family(
            encoder,
            "vrrp_operations_virtual_mac_address",
            "1, labelled with the virtual router MAC address (vrrpv3OperationsVirtualMacAddr).",
            Gauge,
            addresses(self, |r| r.virtual_mac.to_string()),
        )?;
        family(
            encoder,
            "vrrp_operations_addr_count",
            "How many virtual addresses the router has (vrrpv3OperationsAddrCount).",
            Gauge,
            gauges(self, |r| Some(r.address_count as u64)),
        )?;
        family(
            encoder,
            "vrrp_operations_adv_interval_seconds",
            "The configured Advertisement_Interval (vrrpv3OperationsAdvInterval).",
            Gauge,
            gauges(self, |r| Some(seconds(r.advert_interval.as_duration()))),
        )?;
        family(
            encoder,
            "vrrp_operations_preempt_mode",
            "1 when a higher priority Backup preempts a lower priority Master (vrrpv3OperationsPreemptMode).",
            Gauge,
            gauges(self, |r| Some(u64::from(r.preempt))),
        )?;
        family(
            encoder,
            "vrrp_operations_accept_mode",
            "1 when a non-owner Master accepts packets for the virtual addresses (vrrpv3OperationsAcceptMode).",
            Gauge,
            gauges(self, |r| Some(u64::from(r.accept))),
        )?;
        family(
            encoder,
            "vrrp_operations_up_time_seconds",
            "Seconds since the router last left Initialize or Fault (vrrpv3OperationsUpTime); absent while in either.",
            Gauge,
            gauges(self, |r| Some(age(at, r.up_since?))),
        )?;
        family(
            encoder,
            "vrrp_statistics_refresh_rate_seconds",
            "The shortest interval at which reading the router's counters is worth it (vrrpv3StatisticsRefreshRate).",
            Gauge,
            gauges(self, |r| Some(seconds(r.refresh_rate))),
        )?;
        family(
            encoder,
            "vrrp_statistics_discontinuity_age_seconds",
            "Seconds since the router's counters started from zero (vrrpv3StatisticsRowDiscontinuityTime).",
            Gauge,
            gauges(self, |r| Some(age(at, r.stats.discontinuity_time?))),
        )?;
        let global = self
            .global
            .discontinuity_time
            .map(|since| (NoLabels, age(at, since)));
        family(
            encoder,
            "vrrp_global_statistics_discontinuity_age_seconds",
            "Seconds since the router-wide counters started from zero (vrrpv3GlobalStatisticsDiscontinuityTime).",
            Gauge,
            global,
        )
    }
}
