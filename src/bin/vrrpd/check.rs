//! `--check`: what the file says, as understood, and whether its tracked weights can hand over.

use std::path::PathBuf;
use std::process::ExitCode;

use vrrp::keepalived::{
    KeepalivedConfig, Notify, TrackProcess, Tracked, VirtualIp, failover_warnings,
    interop_warnings, parse_file,
};
use vrrp::track::ParamMatch;

/// `vrrpd check`: prints what `config` says, reads the `peers` (other routers' files: any mistake
/// in them fails the check too) and warns of tracked weights that cannot hand over between them
/// ([`failover_warnings`]).
pub fn run(config: &KeepalivedConfig, peers: &[PathBuf]) -> ExitCode {
    print!("{}", describe(config));
    let mut all = vec![config.clone()];
    for path in peers {
        match parse_file(path) {
            Ok(peer) => all.push(peer),
            Err(error) => {
                for mistake in &error.errors {
                    tracing::error!("{mistake}");
                }
                return ExitCode::FAILURE;
            }
        }
    }
    let all: Vec<&KeepalivedConfig> = all.iter().collect();
    for warning in failover_warnings(&all)
        .into_iter()
        .chain(interop_warnings(&all))
    {
        tracing::warn!("{warning}");
    }
    ExitCode::SUCCESS
}

/// `vrrpd check --json`: the verdict on the file at `path` (`read`) and on the `peers` as one JSON
/// object, for scripts: `ok`, `errors` and `warnings` (each `{file, line, column, message}`, the
/// failover and interop warnings without a place), and the instances read. Exits 1 when any file
/// has an error, as `check` does.
pub fn json(
    path: &std::path::Path,
    read: Result<KeepalivedConfig, vrrp::keepalived::ConfigFileError>,
    peers: &[PathBuf],
) -> ExitCode {
    use serde_json::{Value, json};
    let place = |location: &vrrp::keepalived::Location, message: String| {
        json!({
            "file": &*location.file, "line": location.line, "column": location.column,
            "message": message,
        })
    };
    let mut errors: Vec<Value> = Vec::new();
    let mut warnings: Vec<Value> = Vec::new();
    let mut configs = Vec::new();
    // The instances of the file checked, not of a peer's.
    let instances: Vec<String> = (read.iter())
        .flat_map(|c| c.instances.iter().map(|i| i.name.clone()))
        .collect();
    let reads = std::iter::once(read).chain(peers.iter().map(parse_file));
    for result in reads {
        match result {
            Ok(config) => {
                for w in &config.warnings {
                    warnings.push(place(&w.location, w.message.clone()));
                }
                configs.push(config);
            }
            Err(error) => {
                for e in &error.errors {
                    errors.push(place(&e.location, e.kind.to_string()));
                }
            }
        }
    }
    if errors.is_empty() {
        let all: Vec<&KeepalivedConfig> = configs.iter().collect();
        for warning in failover_warnings(&all)
            .into_iter()
            .chain(interop_warnings(&all))
        {
            warnings.push(json!({ "message": warning.to_string() }));
        }
    }
    let ok = errors.is_empty();
    let verdict = json!({
        "file": path.display().to_string(),
        "ok": ok,
        "errors": errors,
        "warnings": warnings,
        "instances": instances,
    });
    println!("{verdict}");
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// What `--check` prints: every instance, script and group as understood.
pub fn describe(config: &KeepalivedConfig) -> String {
    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    for i in &config.instances {
        line(format!(
            "vrrp_instance {}: {} VRID {} {} VRRPv{} priority {} advert {:?}{}{}{}{}{}",
            i.name,
            i.interface,
            i.vrid,
            i.family,
            if i.version == vrrp::packet::Version::V2 {
                2
            } else {
                3
            },
            i.priority,
            i.advert_interval,
            if i.preempt { "" } else { " nopreempt" },
            if i.preempt_delay.is_zero() {
                String::new()
            } else {
                format!(" preempt_delay {:?}", i.preempt_delay)
            },
            if i.accept { " accept" } else { " no_accept" },
            if i.use_vmac { " use_vmac" } else { "" },
            if i.step_down_on_failure {
                " step_down_on_failure"
            } else {
                ""
            },
        ));
        let vips = |list: &[VirtualIp]| -> String {
            let text: Vec<String> = list.iter().map(vip_text).collect();
            text.join(", ")
        };
        line(format!("  virtual addresses: {}", vips(&i.addresses)));
        if !i.excluded_addresses.is_empty() {
            line(format!(
                "  excluded addresses (not advertised): {}",
                vips(&i.excluded_addresses)
            ));
        }
        if i.password.is_some() {
            let kind = if i.ipsec_ah { "AH" } else { "PASS" };
            line(format!("  authentication: {kind}"));
        }
        for route in &i.routes {
            line(format!("  virtual route: {}", route_text(route)));
        }
        for rule in &i.rules {
            line(format!("  virtual rule: {}", rule.rule));
        }
        if let Some(auth) = &i.auth_hmac {
            // Key ids and lengths only: never a key.
            let keys: Vec<String> = (auth.keys().iter())
                .map(|key| format!("{} ({} bytes)", key.id(), key.len()))
                .collect();
            line(format!(
                "  auth_hmac: {}, anti_replay {}, keys {}, active {}",
                auth.mode().as_str(),
                auth.anti_replay().as_str(),
                keys.join(", "),
                auth.active_key()
            ));
        }
        if let Some(source) = i.unicast_source {
            let ttl = i
                .min_ttl
                .map_or("any TTL".into(), |ttl| format!("TTL {ttl} or more"));
            line(format!(
                "  unicast from {source} to {:?}, heard at {ttl}",
                i.unicast_peers
            ));
        }
        for tracked in tracked_lines(
            &i.track_scripts,
            &i.track_interfaces,
            &i.track_files,
            &i.track_processes,
        ) {
            line(tracked);
        }
        for (what, command) in notify_commands(&i.notify) {
            line(format!("  {what}: {command}"));
        }
    }
    for address in &config.static_addresses {
        line(format!("static address: {}", vip_text(address)));
    }
    for route in &config.static_routes {
        line(format!("static route: {}", route_text(route)));
    }
    for rule in &config.static_rules {
        line(format!("static rule: {}", rule.rule));
    }
    for s in &config.scripts {
        line(format!(
            "vrrp_script {}: {:?} every {:?}, timeout {:?}, weight {}, rise {}, fall {}",
            s.name,
            s.script,
            s.interval,
            s.timeout.unwrap_or(s.interval),
            s.weight,
            s.rise,
            s.fall
        ));
    }
    for f in &config.track_files {
        line(format!(
            "vrrp_track_file {}: {} weight {}",
            f.name,
            f.file.display(),
            f.weight
        ));
    }
    for p in &config.track_processes {
        line(process_text(p));
    }
    for g in &config.sync_groups {
        line(format!(
            "vrrp_sync_group {}: {}",
            g.name,
            g.members.join(", ")
        ));
        for tracked in tracked_lines(
            &g.track_scripts,
            &g.track_interfaces,
            &g.track_files,
            &g.track_processes,
        ) {
            line(tracked);
        }
        for (what, command) in notify_commands(&g.notify) {
            line(format!("  {what}: {command}"));
        }
    }
    out
}

/// `vrrp_track_process NAME: ...`, for `--check`: what is matched, the quorum and the weight.
fn process_text(p: &TrackProcess) -> String {
    let mut text = format!("vrrp_track_process {}: {:?}", p.name, p.process);
    let process = p.matcher();
    match process.param_match {
        None => text += " with any arguments",
        Some(how) => {
            let how = match how {
                ParamMatch::Exact => "exactly",
                ParamMatch::Partial => "starting with",
                ParamMatch::Initial => "starting with (the last one by its start)",
            };
            text += &format!(" with arguments {how} {:?}", p.parameters);
        }
    }
    if p.full_command {
        text += " (argv[0] only)";
    }
    text += &format!(", good while {} ", p.quorum);
    text += &match p.quorum_max {
        Some(max) => format!("to {max} run"),
        None => "or more run".into(),
    };
    text += &format!(
        " (looked for every {:?}), weight {}",
        vrrp::track::PROCESS_POLL,
        p.weight
    );
    if !p.fork_delay.is_zero() || !p.terminate_delay.is_zero() {
        text += &format!(
            ", fork_delay {:?}, terminate_delay {:?}",
            p.fork_delay, p.terminate_delay
        );
    }
    text
}

/// `ADDRESS/LEN [brd B] [scope S] [label L]`, for `--check`.
fn vip_text(vip: &VirtualIp) -> String {
    let mut text = format!("{}/{}", vip.address, vip.prefix_len);
    if let Some(broadcast) = vip.broadcast {
        text += &format!(" brd {broadcast}");
    }
    if let Some(device) = &vip.device {
        text += &format!(" dev {device}");
    }
    if let Some(scope) = vip.scope {
        text += &format!(" scope {}", scope.name());
    }
    if let Some(label) = &vip.label {
        text += &format!(" label {label}");
    }
    text
}

/// `  track_script NAME [weight W]` and the like, for `--check`.
fn tracked_lines(
    scripts: &[Tracked],
    interfaces: &[Tracked],
    files: &[Tracked],
    processes: &[Tracked],
) -> Vec<String> {
    [
        ("track_script", scripts),
        ("track_interface", interfaces),
        ("track_file", files),
        ("track_process", processes),
    ]
    .into_iter()
    .flat_map(|(what, list)| {
        list.iter().map(move |t| {
            format!(
                "  {what} {}{}",
                t.name,
                t.weight.map(|w| format!(" weight {w}")).unwrap_or_default()
            )
        })
    })
    .collect()
}

/// The notify commands that are set, each with its keyword, for `--check`.
fn notify_commands(notify: &Notify) -> Vec<(&'static str, &str)> {
    [
        ("notify_master", &notify.master),
        ("notify_backup", &notify.backup),
        ("notify_fault", &notify.fault),
        ("notify_stop", &notify.stop),
        ("notify", &notify.any),
    ]
    .into_iter()
    .filter_map(|(what, command)| Some((what, command.as_deref()?)))
    .collect()
}

/// A route line as `ip route` would print it, its next hops' interfaces by name.
fn route_text(route: &vrrp::keepalived::Route) -> String {
    let mut text = route.route.to_string();
    // The route prints interfaces it has no index for yet as nothing: name them.
    for device in route.devices.iter().flatten() {
        text.push_str(&format!(" dev {device}"));
    }
    text
}
