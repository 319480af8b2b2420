//! Running the demos (`examples/demo/*.sh --json`) and reading their reports: one JSON line per
//! event, from `demo-http report`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::lan::example_binary;

/// One event's line of a report.
#[derive(Debug)]
pub struct Outcome {
    pub failed: u64,
    pub slow: u64,
    pub moved_ms: Option<u64>,
    pub outage_ms: u64,
    /// The routed demo's: when the router's best route moved to the other load balancer.
    pub route_ms: Option<u64>,
    /// The routed demo's: when the one the router routed to before withdrew its announcement.
    pub withdrawn_ms: Option<u64>,
    /// The routed demo's: how long both announced the VIP (0 in the other demo).
    pub both_ms: u64,
}

/// The number field `name` of a JSON line (`None` for `null` or when missing).
pub fn number(line: &str, name: &str) -> Option<u64> {
    let rest = &line[line.find(&format!(r#""{name}":"#))? + name.len() + 3..];
    rest[..rest.find([',', '}'])?].parse().ok()
}

/// The report's line for `event`; fails the test, showing the report, when there is none.
pub fn outcome(report: &str, event: &str) -> Outcome {
    let line = report
        .lines()
        .find(|l| l.contains(&format!(r#""event":"{event}""#)))
        .unwrap_or_else(|| panic!("no {event:?} in the report:\n{report}"));
    Outcome {
        failed: number(line, "failed").expect("failed"),
        slow: number(line, "slow").expect("slow"),
        moved_ms: number(line, "moved_ms"),
        outage_ms: number(line, "outage_ms").expect("outage_ms"),
        route_ms: number(line, "route_ms"),
        withdrawn_ms: number(line, "withdrawn_ms"),
        both_ms: number(line, "both_ms").unwrap_or(0),
    }
}

/// Runs `examples/demo/SCRIPT --json` with the examples built here and `args`, keeping its logs
/// in a directory named after `name` (printed, and left for a look if the test fails); returns
/// the report and that directory. Fails the test if the script fails.
pub fn run(script: &str, name: &str, args: &[&OsStr]) -> (String, PathBuf) {
    let demo_http = example_binary("demo-http");
    let bin = demo_http.parent().expect("the examples directory");
    let logs = std::env::temp_dir().join(format!("vrrp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&logs);
    eprintln!("the demo's logs: {}", logs.display());
    let output = Command::new("bash")
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("examples/demo")
                .join(script),
        )
        .arg("--json")
        .arg("--bin")
        .arg(bin)
        .arg("--keep")
        .arg(&logs)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running examples/demo/{script}: {e}"));
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (report, logs)
}
