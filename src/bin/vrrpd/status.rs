//! What `vrrpd status` and `vrrpd stats` show: the replies of the control socket, built by the
//! daemon from a fresh statistics report and its record of transitions, and printed by the client
//! as text or JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use vrrp::host::StatsReport;
use vrrp::{Counter, GlobalStats, Reason, RouterKey, Stats};

use vrrp::linux::InterfaceNames;

use crate::RunningInstance;

/// A virtual router's last transition, as the driver reported it.
#[derive(Clone, Copy, Debug)]
pub struct Transition {
    /// When.
    pub at: SystemTime,
    /// Why.
    pub reason: Reason,
}

/// One virtual router in `vrrpd status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouterStatus {
    /// Its `vrrp_instance` name.
    pub instance: String,
    /// Its interface.
    pub interface: String,
    /// Its VRID.
    pub vrid: u8,
    /// `ipv4` or `ipv6`.
    pub family: String,
    /// `initialize`, `backup`, `master` or `fault`.
    pub state: String,
    /// The priority it advertises now (moved by tracking).
    pub priority: u8,
    /// The priority in the configuration.
    pub configured_priority: u8,
    /// The Master's address as last heard (its own primary address while Master); `None` before
    /// any was heard.
    pub master: Option<IpAddr>,
    /// The last transition, in seconds since the Unix epoch.
    pub since: Option<u64>,
    /// Why the last transition happened.
    pub reason: Option<String>,
}

/// One virtual router in `vrrpd stats`: everything in [`vrrp::Stats`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouterStats {
    /// Its `vrrp_instance` name.
    pub instance: String,
    /// Its interface.
    pub interface: String,
    /// Its VRID.
    pub vrid: u8,
    /// `ipv4` or `ipv6`.
    pub family: String,
    /// Its state.
    pub state: String,
    /// Its effective priority.
    pub priority: u8,
    /// `vrrpv3StatisticsNewMasterReason`.
    pub new_master_reason: String,
    /// `vrrpv3StatisticsProtoErrReason`.
    pub proto_err_reason: String,
    /// Every counter of [`vrrp::Stats::COUNTERS`], by its name.
    #[serde(flatten)]
    pub counters: BTreeMap<String, u64>,
    /// Discarded packets by RFC 6527 counter (its MIB name).
    pub errors: BTreeMap<String, u64>,
    /// All discarded packets.
    pub total_errors: u64,
}

/// Sums over every virtual router.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Advertisements sent.
    pub sent_advertisements: u64,
    /// Advertisements received and accepted.
    pub rcvd_advertisements: u64,
    /// Transitions to Master.
    pub master_transitions: u64,
    /// Packets discarded.
    pub errors: u64,
}

/// How late the routers' deadlines were served (see `vrrp::host::Lateness`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LatenessReply {
    /// Deadlines served.
    pub count: u64,
    /// The latest, in seconds.
    pub max_seconds: f64,
    /// Their mean, in seconds.
    pub mean_seconds: f64,
    /// How many were served within each bound (`le_0.0001` seconds...; `le_inf` for all),
    /// cumulative as in Prometheus.
    pub within: BTreeMap<String, u64>,
}

/// `vrrpd stats`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatsReply {
    /// Every virtual router.
    pub routers: Vec<RouterStats>,
    /// The router-wide counters of [`vrrp::GlobalStats::COUNTERS`], by name.
    pub global: BTreeMap<String, u64>,
    /// Sums over the virtual routers.
    pub totals: Totals,
    /// How late the deadlines were served.
    #[serde(default)]
    pub lateness: LatenessReply,
}

/// The `vrrp_instance` name of `key`.
fn instance_name(running: &[RunningInstance], key: RouterKey) -> String {
    running
        .iter()
        .find(|r| r.key == key)
        .map_or_else(String::new, |r| r.name.clone())
}

/// The status of every router in `report`.
pub fn status(
    report: &StatsReport,
    running: &[RunningInstance],
    transitions: &std::collections::HashMap<RouterKey, Transition>,
    names: &InterfaceNames,
) -> Vec<RouterStatus> {
    report
        .routers
        .iter()
        .map(|r| {
            let transition = transitions.get(&r.router);
            RouterStatus {
                instance: instance_name(running, r.router),
                interface: names.name(r.router.interface_index),
                vrid: r.router.vrid.get(),
                family: r.router.family.to_string(),
                state: r.state.to_string(),
                priority: r.priority.get(),
                configured_priority: r.configured_priority.get(),
                master: r.master_address,
                since: transition
                    .and_then(|t| t.at.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs())),
                reason: transition.map(|t| t.reason.to_string()),
            }
        })
        .collect()
}

/// The counters of every router in `report`.
pub fn stats(
    report: &StatsReport,
    running: &[RunningInstance],
    names: &InterfaceNames,
) -> StatsReply {
    let mut totals = Totals::default();
    let routers = report
        .routers
        .iter()
        .map(|r| {
            let s = &r.stats;
            totals.sent_advertisements += s.sent_advertisements;
            totals.rcvd_advertisements += s.rcvd_advertisements;
            totals.master_transitions += s.master_transitions;
            totals.errors += s.total_errors();
            RouterStats {
                instance: instance_name(running, r.router),
                interface: names.name(r.router.interface_index),
                vrid: r.router.vrid.get(),
                family: r.router.family.to_string(),
                state: r.state.to_string(),
                priority: r.priority.get(),
                new_master_reason: s.new_master_reason.mib_name().to_string(),
                proto_err_reason: s.proto_err_reason.mib_name().to_string(),
                counters: (Stats::COUNTERS.iter())
                    .map(|c| (c.name.to_string(), c.value(s)))
                    .collect(),
                errors: Counter::ALL
                    .iter()
                    .map(|c| (c.mib_name().to_string(), s.errors(*c)))
                    .collect(),
                total_errors: s.total_errors(),
            }
        })
        .collect();
    StatsReply {
        routers,
        global: (GlobalStats::COUNTERS.iter())
            .map(|c| (c.name.to_string(), c.value(&report.global)))
            .collect(),
        totals,
        lateness: lateness(&report.lateness),
    }
}

fn lateness(lateness: &vrrp::host::Lateness) -> LatenessReply {
    let count = lateness.count();
    let mut cumulative = 0;
    let within = lateness
        .buckets()
        .map(|(bound, n)| {
            cumulative += n;
            let name = bound.map_or("le_inf".to_string(), |b| format!("le_{}", b.as_secs_f64()));
            (name, cumulative)
        })
        .collect();
    LatenessReply {
        count,
        max_seconds: lateness.max().as_secs_f64(),
        mean_seconds: if count == 0 {
            0.0
        } else {
            lateness.sum().as_secs_f64() / count as f64
        },
        within,
    }
}

/// `vrrpd status` as text: one line per router.
pub fn status_text(routers: &[RouterStatus]) -> String {
    let mut out = String::new();
    for r in routers {
        let master = r.master.map_or_else(|| "-".to_string(), |a| a.to_string());
        let since = r.since.map_or_else(|| "-".to_string(), utc);
        let _ = writeln!(
            out,
            "{} interface {} vrid {} {} state {} priority {} configured {} master {} since {} reason {}",
            if r.instance.is_empty() {
                "-"
            } else {
                &r.instance
            },
            r.interface,
            r.vrid,
            r.family,
            r.state,
            r.priority,
            r.configured_priority,
            master,
            since,
            r.reason.as_deref().unwrap_or("-"),
        );
    }
    out
}

/// `vrrpd stats` as text: a block per router, then the router-wide counters and the totals.
pub fn stats_text(reply: &StatsReply) -> String {
    let mut out = String::new();
    for r in &reply.routers {
        let _ = writeln!(
            out,
            "{} interface {} vrid {} {} state {} priority {}",
            if r.instance.is_empty() {
                "-"
            } else {
                &r.instance
            },
            r.interface,
            r.vrid,
            r.family,
            r.state,
            r.priority
        );
        let _ = writeln!(out, "  new_master_reason {}", r.new_master_reason);
        let _ = writeln!(out, "  proto_err_reason {}", r.proto_err_reason);
        for statistic in Stats::COUNTERS {
            let value = r.counters.get(statistic.name).copied().unwrap_or(0);
            let _ = writeln!(out, "  {} {value}", statistic.name);
        }
        let _ = writeln!(out, "  total_errors {}", r.total_errors);
        for (name, value) in &r.errors {
            let _ = writeln!(out, "  {name} {value}");
        }
    }
    let global: Vec<String> = (GlobalStats::COUNTERS.iter())
        .map(|c| {
            let value = reply.global.get(c.name).copied().unwrap_or(0);
            format!("{} {value}", c.name)
        })
        .collect();
    let _ = writeln!(out, "router {}", global.join(" "));
    let t = &reply.totals;
    let _ = writeln!(
        out,
        "totals sent_advertisements {} rcvd_advertisements {} master_transitions {} errors {}",
        t.sent_advertisements, t.rcvd_advertisements, t.master_transitions, t.errors
    );
    let l = &reply.lateness;
    let within: Vec<String> = (l.within.iter())
        .map(|(bound, n)| format!("{bound} {n}"))
        .collect();
    let _ = writeln!(
        out,
        "lateness deadlines {} max {:.6}s mean {:.6}s {}",
        l.count,
        l.max_seconds,
        l.mean_seconds,
        within.join(" ")
    );
    out
}

/// `seconds` since the epoch as an RFC 3339 UTC time.
pub fn utc(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_times() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_798_761_599), "2026-12-31T23:59:59Z");
    }

    #[test]
    fn prints_one_line_per_router() {
        let router = RouterStatus {
            instance: "VI_1".into(),
            interface: "eth0".into(),
            vrid: 51,
            family: "ipv4".into(),
            state: "master".into(),
            priority: 120,
            configured_priority: 150,
            master: Some("192.0.2.1".parse().expect("an address")),
            since: Some(0),
            reason: Some("startup".into()),
        };
        let backup = RouterStatus {
            master: None,
            since: None,
            reason: None,
            ..router.clone()
        };
        let text = status_text(&[router, backup]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "VI_1 interface eth0 vrid 51 ipv4 state master priority 120 configured 150 \
             master 192.0.2.1 since 1970-01-01T00:00:00Z reason startup"
        );
        assert!(
            lines[1].ends_with("master - since - reason -"),
            "{}",
            lines[1]
        );
    }
}
