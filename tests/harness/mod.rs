//! What the system tests drive: network namespaces and LANs of them, the programs on them (our
//! examples, vrrpd, keepalived, FRR, BIRD), packet captures and tshark, and the demos' reports.

#[cfg(feature = "tokio")]
pub mod demo;
pub mod frr;
pub mod keepalived;
pub mod lan;
pub mod netns;
pub mod pair;
pub mod routed;
pub mod tshark;

/// `field` of process `pid`'s /proc status (`VmRSS`, `RssAnon`), in KiB.
pub fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("the field")
}

/// The value of environment variable `name` (a size or a duration the run can be given), or
/// `default` when it is unset or does not parse.
pub fn setting<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
