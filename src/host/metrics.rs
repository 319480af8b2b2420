//! A driver's statistics and events in the Prometheus text exposition format (version 0.0.4),
//! for an embedder to serve from its own HTTP server (feature `metrics`).
//!
//! [`render`] turns a [`StatsReport`] (from [`DriverHandle::request_stats`], delivered as
//! [`Event::Stats`](crate::host::Event::Stats)) and the [`HostCounters`] the application keeps
//! (it feeds [`HostCounters::record`] every [`Event`](crate::host::Event)) into one scrape's text. Serve it with
//! [`CONTENT_TYPE`].
//!
//! Every virtual router's series carry the labels `interface` (its name when the caller's name map
//! knows it, else the index), `vrid` and `family` (`ipv4`, `ipv6`). The metrics, by virtual router:
//!
//! - `vrrp_router_state{state}`: 1 for the state it is in (`initialize`, `backup`, `master`,
//!   `fault`), 0 for the others.
//! - `vrrp_router_priority`, `vrrp_router_configured_priority`: the effective priority (tracking
//!   included) and the configured one.
//! - `vrrp_router_master_address{address}`: 1, with the Master's address as last heard (absent
//!   while none is known).
//! - A counter per row of [`Stats::COUNTERS`] and per discard reason of [`Counter::ALL`] kept per
//!   virtual router, named after the MIB object it is in snake case
//!   (`vrrp_statistics_rcvd_advertisements_total` for `vrrpv3StatisticsRcvdAdvertisements`,
//!   `vrrp_stats_auth_failures_total` for RFC 2787's `vrrpStatsAuthFailures`), or `vrrp_` and its
//!   name for those no MIB defines (`vrrp_sent_advertisements_total`, `vrrp_flaps_total`).
//! - `vrrp_statistics_new_master_reason{reason}` and `vrrp_statistics_proto_err_reason{reason}`:
//!   info-style gauges, 1 with the MIB's name of the current value (`notMaster`, `priority`,
//!   `preempted`, `masterNoResponse`; `noError`, `ipTtlError`, `versionError`, `checksumError`,
//!   `vrIdError`).
//! - RFC 6527's `vrrpv3OperationsTable` beside the state and priorities: `vrrp_operations_status`
//!   (the MIB's value: initialize(1), also while in Fault, backup(2), master(3)),
//!   `vrrp_operations_primary_address{address}` and `vrrp_operations_virtual_mac_address{address}`
//!   (1, labelled), `vrrp_operations_addr_count`, `vrrp_operations_adv_interval_seconds`,
//!   `vrrp_operations_preempt_mode` and `vrrp_operations_accept_mode` (0 or 1), and
//!   `vrrp_operations_up_time_seconds` (absent in Initialize and Fault); the statistics that are
//!   not counters: `vrrp_statistics_refresh_rate_seconds` and
//!   `vrrp_statistics_discontinuity_age_seconds` (since the router's counters started from zero).
//!   Ages are taken at [`StatsReport::taken_at`].
//!
//! Router-wide, without labels (RFC 6527's `vrrpv3RouterStatistics`): a counter per row of
//! [`GlobalStats::COUNTERS`], named the same way (`vrrp_router_checksum_errors_total`,
//! `vrrp_malformed_datagrams_total`), and `vrrp_global_statistics_discontinuity_age_seconds`
//! (since they started from zero).
//!
//! From the events ([`HostCounters`]): `vrrp_host_address_restored_total`,
//! `vrrp_host_address_conflict_reports_total`, `vrrp_host_primary_address_lost_total`,
//! `vrrp_host_primary_address_missing` (1 while the primary address is gone) and
//! `vrrp_host_backend_failures_total{operation}` by virtual router;
//! `vrrp_host_interface_recreated_total{interface}`, `vrrp_host_transient_errors_total{operation}`
//! and `vrrp_host_resynchronizations_total`; `vrrp_host_restored_total{kind,owner}` (routes, rules
//! and static addresses added again) and `vrrp_host_static_failures_total{operation}`.
//!
//! From the event loop: `vrrp_deadline_lateness_seconds`, a histogram of how late each deadline
//! was served (buckets of [`LATENESS_BUCKETS`](crate::host::LATENESS_BUCKETS)).
//!
//! ```
//! use vrrp::host::metrics::{HostCounters, render};
//! use vrrp::host::{Event, StatsReport};
//! use vrrp::{Config, Routers, Vrid};
//!
//! let mut routers = Routers::new();
//! let config = Config::builder(2, Vrid::new(51).unwrap(), [192, 0, 2, 1].into())
//!     .address([192, 0, 2, 100].into())
//!     .build()?;
//! routers.add(config)?;
//! let now = std::time::Instant::now();
//! routers.start(now);
//!
//! let mut host = HostCounters::default();
//! host.record(&Event::Resynchronized); // every event the driver reports
//! let names = |index: u32| (index == 2).then(|| "eth0".to_string());
//! let text = render(&StatsReport::of(&routers, now), &host, &names);
//! assert!(text.contains(
//!     r#"vrrp_router_state{interface="eth0",vrid="51",family="ipv4",state="backup"} 1"#
//! ));
//! assert!(text.contains("vrrp_host_resynchronizations_total 1"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::time::Instant;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::prometheus_text;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeCounterValue, EncodeGaugeValue, EncodeLabelSet, NoLabelSet,
};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

#[cfg(doc)]
use crate::host::DriverHandle;
use crate::host::{RouterReport, StatsReport};
use crate::{Counter, GlobalStats, RouterKey, State, Statistic, Stats};

mod host_counters;
mod operations;

pub use host_counters::HostCounters;

/// The `Content-Type` of what [`render`] returns: `text/plain; version=0.0.4; charset=utf-8`.
pub const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

/// `report` and `host` in the Prometheus text format, interfaces labelled with `names` (an
/// interface it has no name for is labelled with its index). Serve it with [`CONTENT_TYPE`].
pub fn render(
    report: &StatsReport,
    host: &HostCounters,
    names: &dyn Fn(u32) -> Option<String>,
) -> String {
    let label = |index: u32| names(index).unwrap_or_else(|| index.to_string());
    let mut interfaces = BTreeMap::new();
    let mut labels = |key: &RouterKey| {
        let interface = interfaces
            .entry(key.interface_index)
            .or_insert_with(|| label(key.interface_index))
            .clone();
        vec![
            ("interface", interface),
            ("vrid", key.vrid.to_string()),
            ("family", key.family.to_string()),
        ]
    };
    let routers = report
        .routers
        .iter()
        .map(|router| (labels(&router.router), router.clone()))
        .collect();
    let by_router = |map: &BTreeMap<RouterKey, u64>,
                     labels: &mut dyn FnMut(&RouterKey) -> Labels| {
        map.iter().map(|(key, &n)| (labels(key), n)).collect()
    };
    let snapshot = Snapshot {
        routers,
        global: report.global,
        taken_at: report.taken_at,
        lateness: report.lateness,
        address_restored: by_router(&host.address_restored, &mut labels),
        address_conflicts: by_router(&host.address_conflicts, &mut labels),
        primary_lost: by_router(&host.primary_lost, &mut labels),
        primary_missing: host
            .primary_missing
            .iter()
            .map(|(key, &missing)| (labels(key), u64::from(missing)))
            .collect(),
        backend_failures: host
            .backend_failures
            .iter()
            .map(|((key, operation), &n)| {
                let mut labels = labels(key);
                labels.push(("operation", operation.to_string()));
                (labels, n)
            })
            .collect(),
        interfaces_recreated: host
            .interfaces_recreated
            .iter()
            .map(|(name, &n)| (vec![("interface", name.clone())], n))
            .collect(),
        transient_errors: host
            .transient_errors
            .iter()
            .map(|(operation, &n)| (vec![("operation", operation.to_string())], n))
            .collect(),
        resynchronizations: host.resynchronizations,
        restored: (host.restored.iter())
            .map(|(&(kind, owner), &n)| {
                (
                    vec![("kind", kind.to_string()), ("owner", owner.to_string())],
                    n,
                )
            })
            .collect(),
        static_failures: (host.static_failures.iter())
            .map(|(operation, &n)| (vec![("operation", operation.to_string())], n))
            .collect(),
    };
    let mut registry = Registry::default();
    registry.register_collector(Box::new(snapshot));
    let mut text = String::new();
    prometheus_text::encode(&mut text, &registry).expect("writing to a String does not fail");
    text
}

/// A series' labels.
type Labels = Vec<(&'static str, String)>;

/// What one scrape shows, labels resolved: the collector [`render`] registers.
#[derive(Debug)]
struct Snapshot {
    routers: Vec<(Labels, RouterReport)>,
    global: GlobalStats,
    taken_at: Instant,
    lateness: crate::host::Lateness,
    address_restored: Vec<(Labels, u64)>,
    address_conflicts: Vec<(Labels, u64)>,
    primary_lost: Vec<(Labels, u64)>,
    primary_missing: Vec<(Labels, u64)>,
    backend_failures: Vec<(Labels, u64)>,
    interfaces_recreated: Vec<(Labels, u64)>,
    transient_errors: Vec<(Labels, u64)>,
    resynchronizations: u64,
    restored: Vec<(Labels, u64)>,
    static_failures: Vec<(Labels, u64)>,
}

/// Writes one metric family of `kind` (a counter or a gauge) with its `series`; nothing when it
/// has none.
fn family<L: EncodeLabelSet, V: EncodeCounterValue + EncodeGaugeValue>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    kind: MetricType,
    series: impl IntoIterator<Item = (L, V)>,
) -> fmt::Result {
    let mut series = series.into_iter().peekable();
    if series.peek().is_none() {
        return Ok(());
    }
    let mut metric = encoder.encode_descriptor(name, help, None, kind)?;
    for (labels, value) in series {
        let mut sample = metric.encode_family(&labels)?;
        if kind == MetricType::Counter {
            sample.encode_counter::<NoLabelSet, _, u64>(&value, None)?;
        } else {
            sample.encode_gauge(&value)?;
        }
    }
    Ok(())
}

/// The metric name (without the `_total` the encoder adds) of a statistic named `name` that is
/// the MIB object `mib_name`: the object's name in snake case when there is one
/// (`vrrpv3StatisticsIpTtlErrors` is `vrrp_statistics_ip_ttl_errors`, `vrrpStatsAuthFailures`
/// is `vrrp_stats_auth_failures`, `unknownPeerErrors` is `vrrp_unknown_peer_errors`), else
/// `vrrp_` and its name.
fn metric_name(mib_name: Option<&str>, name: &str) -> String {
    let Some(mib) = mib_name else {
        return format!("vrrp_{name}");
    };
    let object = mib
        .strip_prefix("vrrpv3")
        .or_else(|| mib.strip_prefix("vrrp"))
        .unwrap_or(mib);
    let mut metric = String::from("vrrp");
    for c in object.chars() {
        if c.is_ascii_uppercase() || metric == "vrrp" {
            metric.push('_');
        }
        metric.push(c.to_ascii_lowercase());
    }
    metric
}

/// The metric name of a discard counter.
fn counter_name(counter: Counter) -> String {
    metric_name(Some(counter.mib_name()), "")
}

/// A statistic's help text: its own, and the MIB object it is.
fn statistic_help<S>(statistic: &Statistic<S>) -> String {
    match statistic.mib_name {
        Some(mib) => format!("{} ({mib}).", statistic.help.trim_end_matches('.')),
        None => statistic.help.to_string(),
    }
}

const STATES: [State; 4] = [
    State::Initialize,
    State::Backup,
    State::Master,
    State::Fault,
];

impl Snapshot {
    /// The routers' series: `labels` plus `extra`, with the value `value` reads.
    fn per_router<'a>(
        &'a self,
        extra: impl Fn(&RouterReport) -> Option<(&'static str, String)> + 'a,
        value: impl Fn(&RouterReport) -> u64 + 'a,
    ) -> impl Iterator<Item = (Labels, u64)> + 'a {
        self.routers.iter().map(move |(labels, router)| {
            let mut labels = labels.clone();
            if let Some(label) = extra(router) {
                labels.push(label);
            }
            (labels, value(router))
        })
    }

    fn encode_routers(&self, encoder: &mut DescriptorEncoder) -> fmt::Result {
        use MetricType::{Counter as C, Gauge as G};
        let state_series = self.routers.iter().flat_map(|(labels, router)| {
            STATES.iter().map(move |&state| {
                let mut labels = labels.clone();
                labels.push(("state", state.to_string()));
                (labels, u64::from(router.state == state))
            })
        });
        family(
            encoder,
            "vrrp_router_state",
            "1 for the state the virtual router is in, 0 for the others.",
            G,
            state_series,
        )?;
        family(
            encoder,
            "vrrp_router_priority",
            "The priority advertised: the configured one moved by tracking.",
            G,
            self.per_router(|_| None, |r| u64::from(r.priority.get())),
        )?;
        family(
            encoder,
            "vrrp_router_configured_priority",
            "The configured priority, before tracking moves it.",
            G,
            self.per_router(|_| None, |r| u64::from(r.configured_priority.get())),
        )?;
        let masters = self.routers.iter().filter_map(|(labels, router)| {
            let address = router.master_address?;
            let mut labels = labels.clone();
            labels.push(("address", address.to_string()));
            Some((labels, 1u64))
        });
        family(
            encoder,
            "vrrp_router_master_address",
            "1, labelled with the Master's address as last heard.",
            G,
            masters,
        )?;
        family(
            encoder,
            "vrrp_statistics_new_master_reason",
            "1, labelled with why the router last became Master (vrrpv3StatisticsNewMasterReason).",
            G,
            self.per_router(
                |r| Some(("reason", r.stats.new_master_reason.mib_name().into())),
                |_| 1,
            ),
        )?;
        family(
            encoder,
            "vrrp_statistics_proto_err_reason",
            "1, labelled with the last protocol error (vrrpv3StatisticsProtoErrReason).",
            G,
            self.per_router(
                |r| Some(("reason", r.stats.proto_err_reason.mib_name().into())),
                |_| 1,
            ),
        )?;
        for statistic in Stats::COUNTERS {
            let name = metric_name(statistic.mib_name, statistic.name);
            let series = self.per_router(|_| None, |r| statistic.value(&r.stats));
            family(encoder, &name, &statistic_help(statistic), C, series)?;
        }
        for &counter in Counter::ALL.iter().filter(|c| !c.is_global()) {
            let help = format!("Received packets discarded for {}.", counter.mib_name());
            let series = self.per_router(|_| None, move |r| r.stats.errors(counter));
            family(encoder, &counter_name(counter), &help, C, series)?;
        }
        Ok(())
    }

    fn encode_global(&self, encoder: &mut DescriptorEncoder) -> fmt::Result {
        for statistic in GlobalStats::COUNTERS {
            let name = metric_name(statistic.mib_name, statistic.name);
            let series = [(NoLabels, statistic.value(&self.global))];
            family(
                encoder,
                &name,
                &statistic_help(statistic),
                MetricType::Counter,
                series,
            )?;
        }
        Ok(())
    }

    fn encode_host(&self, encoder: &mut DescriptorEncoder) -> fmt::Result {
        use MetricType::{Counter as C, Gauge as G};
        let families: [HostFamily<'_>; 9] = [
            (
                "vrrp_host_address_restored",
                "Virtual addresses removed by someone else and added again.",
                C,
                &self.address_restored,
            ),
            (
                "vrrp_host_address_conflict_reports",
                "Reports of another router advertising from this router's primary address.",
                C,
                &self.address_conflicts,
            ),
            (
                "vrrp_host_primary_address_lost",
                "Times the primary address went away from the interface (the router went to Fault).",
                C,
                &self.primary_lost,
            ),
            (
                "vrrp_host_primary_address_missing",
                "1 while the primary address is missing from the interface.",
                G,
                &self.primary_missing,
            ),
            (
                "vrrp_host_backend_failures",
                "Actions a backend failed to carry out, by operation.",
                C,
                &self.backend_failures,
            ),
            (
                "vrrp_host_interface_recreated",
                "Interfaces deleted and created again under their name, followed by their routers.",
                C,
                &self.interfaces_recreated,
            ),
            (
                "vrrp_host_transient_errors",
                "System calls that failed in a way that passes, retried, by operation.",
                C,
                &self.transient_errors,
            ),
            (
                "vrrp_host_restored",
                "Routes, rules and static addresses deleted by someone else (or dropped by the kernel) and added again, by kind and owner (a router or static).",
                C,
                &self.restored,
            ),
            (
                "vrrp_host_static_failures",
                "Static addresses, routes and rules that could not be installed, removed or restored, by operation.",
                C,
                &self.static_failures,
            ),
        ];
        for (name, help, kind, series) in families {
            let series = series.iter().map(|(labels, n)| (labels.as_slice(), *n));
            family(encoder, name, help, kind, series)?;
        }
        family(
            encoder,
            "vrrp_host_resynchronizations",
            "Full re-reads of the links and addresses: the change stream lost changes, or an interface was created again.",
            C,
            [(NoLabels, self.resynchronizations)],
        )
    }
}

/// A family of [`HostCounters`]: its name, help, type and series.
type HostFamily<'a> = (&'static str, &'static str, MetricType, &'a [(Labels, u64)]);

/// The empty label set.
#[derive(Clone, Copy, Debug)]
struct NoLabels;

impl EncodeLabelSet for NoLabels {
    fn encode(&self, _: &mut prometheus_client::encoding::LabelSetEncoder) -> fmt::Result {
        Ok(())
    }
}

impl Collector for Snapshot {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        self.encode_routers(&mut encoder)?;
        self.encode_operations(&mut encoder)?;
        self.encode_global(&mut encoder)?;
        self.encode_host(&mut encoder)?;
        self.encode_lateness(&mut encoder)
    }
}

impl Snapshot {
    /// `vrrp_deadline_lateness_seconds`, a histogram.
    fn encode_lateness(&self, encoder: &mut DescriptorEncoder) -> fmt::Result {
        let buckets: Vec<(f64, u64)> = (self.lateness.buckets())
            .map(|(bound, n)| (bound.map_or(f64::INFINITY, |b| b.as_secs_f64()), n))
            .collect();
        encoder
            .encode_descriptor(
                "vrrp_deadline_lateness_seconds",
                "How late the event loop served its deadlines (adverts, Master_Down_Timer, renewals): at each wake-up that found one due, the time since the earliest.",
                None,
                MetricType::Histogram,
            )?
            .encode_histogram::<NoLabels>(
                self.lateness.sum().as_secs_f64(),
                self.lateness.count(),
                &buckets,
                None,
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lateness_is_a_histogram_in_seconds() {
        let mut report = StatsReport::of(&crate::Routers::new(), Instant::now());
        report.lateness.record(std::time::Duration::from_micros(50));
        report.lateness.record(std::time::Duration::from_millis(20));
        let text = render(&report, &HostCounters::default(), &|_| None);
        for line in [
            "# TYPE vrrp_deadline_lateness_seconds histogram",
            "vrrp_deadline_lateness_seconds_bucket{le=\"0.0001\"} 1",
            "vrrp_deadline_lateness_seconds_bucket{le=\"0.01\"} 1",
            "vrrp_deadline_lateness_seconds_bucket{le=\"0.05\"} 2",
            "vrrp_deadline_lateness_seconds_bucket{le=\"+Inf\"} 2",
            "vrrp_deadline_lateness_seconds_count 2",
        ] {
            assert!(text.contains(line), "{line}: {text}");
        }
    }

    #[test]
    fn counter_names_follow_the_mib_objects() {
        let names: Vec<String> = Counter::ALL.iter().map(|&c| counter_name(c)).collect();
        assert_eq!(
            names,
            [
                "vrrp_router_checksum_errors",
                "vrrp_router_version_errors",
                "vrrp_router_vr_id_errors",
                "vrrp_statistics_ip_ttl_errors",
                "vrrp_statistics_rcvd_invalid_type_packets",
                "vrrp_statistics_packet_length_errors",
                "vrrp_statistics_address_list_errors",
                "vrrp_statistics_adv_interval_errors",
                "vrrp_unknown_peer_errors",
                "vrrp_stats_invalid_auth_type",
                "vrrp_stats_auth_type_mismatch",
                "vrrp_stats_auth_failures",
                "vrrp_auth_trailer_missing",
                "vrrp_auth_trailer_malformed",
                "vrrp_auth_unknown_key",
                "vrrp_auth_invalid_hmac",
                "vrrp_auth_stale",
                "vrrp_auth_replayed",
            ]
        );
    }
}
