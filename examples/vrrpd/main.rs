//! keepalived's VRRP side as a small program on the crate: reads a keepalived.conf and runs every
//! `vrrp_instance` with the blocking driver, health checks (`vrrp_script`) and notify scripts
//! included.
//!
//! ```text
//! vrrpd --config FILE [--check] [--events]
//! ```
//!
//! `--check` reads and validates the file, prints what it understood and exits: 0 when the file is
//! good and everything in it can be run, 1 otherwise (like `keepalived -t`, but failing on any
//! error). `--events` also prints the driver's events as JSON lines on standard output.
//!
//! Health checks run on their interval with their timeout; `rise` successes or `fall` failures in
//! a row change their state, and their weight then moves the priority of every instance that
//! tracks them (a weight of 0 puts it in Fault while the script fails). A script runs without a
//! shell unless its line needs one (quotes, pipes, redirections, variables, globs), as the
//! configured user (`user`, else `script_user`) when one is given. Notify scripts run on every
//! transition with keepalived's arguments (`notify`: `INSTANCE|GROUP NAME STATE PRIORITY`), in
//! order, on a thread of their own so that the protocol never waits for them.
//!
//! `track_interface` and `track_file` move priorities as in keepalived (see `tracking.rs`).
//!
//! SIGTERM and SIGINT stop cleanly (priority 0, addresses released, `notify_stop`); SIGUSR1 prints
//! the statistics as a JSON line. Not yet done: SIGHUP reload (it is reported and ignored),
//! `virtual_ipaddress_excluded` and the `brd`, `scope` and foreign `dev` address options; a file
//! that uses them is refused with their location.

#[path = "../common/events.rs"]
mod events;
mod tracking;

use std::collections::HashMap;
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc::{self, Sender};
use std::thread::JoinHandle;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGUSR1};
use signal_hook::iterator::Signals;
use vrrp::backend::AddressLabel;
use vrrp::keepalived::{KeepalivedConfig, Tracked, VrrpInstance, parse_file};
use vrrp::linux::{Driver, Instance, Netlink, interface_source};
use vrrp::{DriverHandle, Event, RouterKey, State};

const USAGE: &str = "usage: vrrpd --config FILE [--check] [--events]";

struct Options {
    config: String,
    check: bool,
    events: bool,
}

fn parse_options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut config = None;
    let (mut check, mut events) = (false, false);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" | "-f" => {
                config = Some(args.next().ok_or("--config needs a file name")?);
            }
            "--check" => check = true,
            "--events" => events = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Options {
        config: config.ok_or("--config is required")?,
        check,
        events,
    })
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("vrrpd: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let config = match parse_file(&options.config) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    for warning in &config.warnings {
        eprintln!("{warning}");
    }
    let refused = not_yet_supported(&config);
    for message in &refused {
        eprintln!("{message}");
    }
    if options.check {
        print!("{}", describe(&config));
    }
    if !refused.is_empty() {
        return ExitCode::FAILURE;
    }
    if options.check {
        return ExitCode::SUCCESS;
    }
    match run(&config, options.events) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("vrrpd: {message}");
            ExitCode::FAILURE
        }
    }
}

/// What the file asks for that vrrpd cannot do yet, each with its location.
fn not_yet_supported(config: &KeepalivedConfig) -> Vec<String> {
    let mut refused = Vec::new();
    let mut refuse = |location: &vrrp::keepalived::Location, what: &str| {
        refused.push(format!("{location}: {what} is not supported by vrrpd yet"));
    };
    for instance in &config.instances {
        for vip in &instance.excluded_addresses {
            refuse(&vip.location, "`virtual_ipaddress_excluded`");
        }
        for vip in &instance.addresses {
            if vip
                .device
                .as_ref()
                .is_some_and(|d| *d != instance.interface)
            {
                refuse(
                    &vip.location,
                    "`dev` naming another interface than the instance's",
                );
            }
            if vip.scope.is_some() || vip.broadcast.is_some() {
                refuse(&vip.location, "`scope` or `brd` on a virtual address");
            }
        }
    }
    refused
}

/// What `--check` prints: every instance, script and group as understood.
fn describe(config: &KeepalivedConfig) -> String {
    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    for i in &config.instances {
        line(format!(
            "vrrp_instance {}: {} VRID {} {} VRRPv{} priority {} advert {:?}{}{}{}{}",
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
        ));
        let vips: Vec<String> = i
            .addresses
            .iter()
            .map(|v| match &v.label {
                Some(label) => format!("{}/{} label {label}", v.address, v.prefix_len),
                None => format!("{}/{}", v.address, v.prefix_len),
            })
            .collect();
        line(format!("  virtual addresses: {}", vips.join(", ")));
        if i.password.is_some() {
            line("  authentication: PASS".into());
        }
        if let Some(source) = i.unicast_source {
            line(format!("  unicast from {source} to {:?}", i.unicast_peers));
        }
        for tracked in tracked_lines(&i.track_scripts, &i.track_interfaces, &i.track_files) {
            line(tracked);
        }
        for (what, command) in notify_commands(&i.notify) {
            line(format!("  {what}: {command}"));
        }
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
    for g in &config.sync_groups {
        line(format!(
            "vrrp_sync_group {}: {}",
            g.name,
            g.members.join(", ")
        ));
        for tracked in tracked_lines(&g.track_scripts, &g.track_interfaces, &g.track_files) {
            line(tracked);
        }
        for (what, command) in notify_commands(&g.notify) {
            line(format!("  {what}: {command}"));
        }
    }
    out
}

/// `  track_script NAME [weight W]` and the like, for `--check`.
fn tracked_lines(scripts: &[Tracked], interfaces: &[Tracked], files: &[Tracked]) -> Vec<String> {
    [
        ("track_script", scripts),
        ("track_interface", interfaces),
        ("track_file", files),
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

fn notify_commands(notify: &vrrp::keepalived::Notify) -> Vec<(&'static str, &str)> {
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

/// One instance as it runs: its key in the driver and its configuration.
struct Running<'a> {
    key: RouterKey,
    instance: &'a VrrpInstance,
}

fn run(config: &KeepalivedConfig, print_events: bool) -> Result<(), String> {
    let mut netlink = Netlink::open().map_err(|e| e.to_string())?;
    let names: HashMap<u32, String> = netlink
        .interfaces()
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|i| (i.index, i.name))
        .collect();
    let mut instances = Vec::new();
    let mut running = Vec::new();
    for instance in &config.instances {
        let (interface, source) =
            interface_source(&mut netlink, &instance.interface, instance.family)
                .map_err(|e| format!("{}: {e}", instance.location))?;
        let built = instance
            .config(interface.index, source)
            .map_err(|e| format!("{}: {e}", instance.location))?;
        running.push(Running {
            key: RouterKey::of(&built),
            instance,
        });
        let mut driven = Instance::new(built).virtual_mac(instance.use_vmac);
        for vip in &instance.addresses {
            driven = driven.prefix_len(vip.address, vip.prefix_len);
            if let Some(label) = &vip.label {
                let label =
                    AddressLabel::new(label).map_err(|e| format!("{}: {e}", vip.location))?;
                driven = driven.label(vip.address, label);
            }
        }
        instances.push(driven);
    }
    let mut driver = Driver::new(instances).map_err(|e| e.to_string())?;
    for group in &config.sync_groups {
        let keys: Vec<RouterKey> = group
            .members
            .iter()
            .filter_map(|m| {
                running
                    .iter()
                    .find(|r| r.instance.name == *m)
                    .map(|r| r.key)
            })
            .collect();
        driver
            .add_sync_group(&keys)
            .map_err(|e| format!("{}: {e}", group.location))?;
    }
    let handle = driver.handle();
    watch_signals(handle.clone())?;
    let weights = tracking::start(config, &running, &mut netlink, &handle)?;
    let (notifier, notify_thread) = start_notifier();
    let name = |index: u32| {
        names
            .get(&index)
            .cloned()
            .unwrap_or_else(|| index.to_string())
    };
    let mut group_states: HashMap<&str, State> = HashMap::new();
    let on_event = |event: Event| {
        if print_events || matches!(event, Event::Stats(_)) {
            println!("{}", events::json(&event, &name));
        }
        match &event {
            Event::StateChanged { router, to, .. } => {
                if let Some(r) = running.iter().find(|r| r.key == *router) {
                    eprintln!(
                        "vrrpd: ({}) entering {} state",
                        r.instance.name,
                        state_word(*to)
                    );
                    let priority = weights.effective_priority(r.key, r.instance.priority);
                    let _ = notifier.send(notify_jobs(
                        "INSTANCE",
                        &r.instance.name,
                        &r.instance.notify,
                        *to,
                        priority,
                    ));
                    for group in config
                        .sync_groups
                        .iter()
                        .filter(|g| g.members.contains(&r.instance.name))
                    {
                        if group_states.insert(&group.name, *to) != Some(*to) {
                            let _ = notifier.send(notify_jobs(
                                "GROUP",
                                &group.name,
                                &group.notify,
                                *to,
                                priority,
                            ));
                        }
                    }
                }
            }
            Event::BackendFailed {
                error, operation, ..
            } => {
                eprintln!("vrrpd: {operation} failed: {error}");
            }
            Event::Stats(_) => {}
        }
    };
    let result = driver.run(on_event).map_err(|e| e.to_string());
    // The shutdown's transitions queued `notify_stop`: let them run before exiting.
    drop(notifier);
    let _ = notify_thread.join();
    result
}

/// keepalived's word for a state in notify arguments.
fn state_word(state: State) -> &'static str {
    match state {
        State::Master => "MASTER",
        State::Backup => "BACKUP",
        State::Fault => "FAULT",
        State::Initialize => "STOP",
    }
}

/// The commands for one transition, in keepalived's order: the state's own script, then
/// `notify` with `KIND NAME STATE PRIORITY`.
fn notify_jobs(
    kind: &str,
    name: &str,
    notify: &vrrp::keepalived::Notify,
    state: State,
    priority: u8,
) -> Vec<Vec<String>> {
    let specific = match state {
        State::Master => &notify.master,
        State::Backup => &notify.backup,
        State::Fault => &notify.fault,
        State::Initialize => &notify.stop,
    };
    let mut jobs = Vec::new();
    if let Some(command) = specific {
        jobs.push(command_words(command));
    }
    if let Some(command) = &notify.any {
        let mut words = command_words(command);
        words.extend([
            kind.to_string(),
            name.to_string(),
            state_word(state).to_string(),
            priority.to_string(),
        ]);
        jobs.push(words);
    }
    jobs
}

/// A command line as argv: split on whitespace unless it needs a shell.
fn command_words(line: &str) -> Vec<String> {
    const SHELL: &[char] = &[
        '"', '\'', '|', '&', ';', '<', '>', '(', ')', '$', '`', '\\', '*', '?', '[', ']', '~', '{',
        '}',
    ];
    if line.contains(SHELL) {
        vec!["/bin/sh".into(), "-c".into(), line.into()]
    } else {
        line.split_whitespace().map(str::to_string).collect()
    }
}

/// Runs the notify commands it is sent, one batch after another, in order.
/// Returns the queue and the thread, which ends once the queue is dropped and emptied.
fn start_notifier() -> (Sender<Vec<Vec<String>>>, JoinHandle<()>) {
    let (jobs, queue) = mpsc::channel::<Vec<Vec<String>>>();
    let thread = std::thread::spawn(move || {
        for batch in queue {
            for argv in batch {
                let Some((program, args)) = argv.split_first() else {
                    continue;
                };
                match Command::new(program)
                    .args(args)
                    .stdin(Stdio::null())
                    .status()
                {
                    Ok(status) if !status.success() => {
                        eprintln!("vrrpd: notify {argv:?} exited with {status}");
                    }
                    Err(error) => eprintln!("vrrpd: notify {argv:?} could not start: {error}"),
                    Ok(_) => {}
                }
            }
        }
    });
    (jobs, thread)
}

fn watch_signals(handle: DriverHandle) -> Result<(), String> {
    let mut signals = Signals::new([SIGTERM, SIGINT, SIGUSR1, SIGHUP])
        .map_err(|e| format!("installing signal handlers: {e}"))?;
    std::thread::spawn(move || {
        for signal in signals.forever() {
            let sent = match signal {
                SIGUSR1 => handle.request_stats(),
                SIGHUP => {
                    eprintln!(
                        "vrrpd: SIGHUP reload is not supported yet; restart to apply changes"
                    );
                    Ok(())
                }
                _ => handle.shutdown(),
            };
            if sent.is_err() {
                return;
            }
        }
    });
    Ok(())
}
