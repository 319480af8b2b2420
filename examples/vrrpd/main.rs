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
//! SIGHUP reads the file again and applies what changed. A sync group, or an instance outside any
//! group, that runs exactly as before keeps running untouched, with its state and addresses; one
//! that changed is shut down (priority 0 if Master) and started anew; new ones start, removed ones
//! stop. Health checks keep their state across the reload; tracking and notify settings take
//! effect at once. A file with errors, or a change the driver refuses (an address held by
//! someone else, say), is reported and changes nothing.
//!
//! SIGTERM and SIGINT stop cleanly (priority 0, addresses released, `notify_stop`); SIGUSR1 prints
//! the statistics as a JSON line. Virtual addresses take `brd`, `dev` (another interface to put
//! the address on), `scope` and `label`; `virtual_ipaddress_excluded` addresses are configured
//! with them but not advertised.

#[path = "../common/events.rs"]
mod events;
mod tracking;

use std::collections::HashMap;
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use events::InterfaceNames;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGUSR1};
use signal_hook::iterator::Signals;
use vrrp::host::Instance;
use vrrp::host::{AddressLabel, VirtualAddress};
use vrrp::host::{DriverHandle, Event, Reconfiguration, ReconfigureError};
use vrrp::keepalived::{KeepalivedConfig, Tracked, VirtualIp, VrrpInstance, parse_file};
use vrrp::linux::{Driver, Netlink, interface_source};
use vrrp::{RouterKey, State};

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
    if options.check {
        print!("{}", describe(&config));
        return ExitCode::SUCCESS;
    }
    match run(&options.config, config, options.events) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("vrrpd: {message}");
            ExitCode::FAILURE
        }
    }
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

/// One instance as it runs: its key in the driver, its configuration, and what the driver runs.
#[derive(Clone)]
struct Running {
    key: RouterKey,
    instance: VrrpInstance,
    driven: Instance,
}

/// What the driver's thread (notifications) and the reload thread share.
struct Daemon {
    config: KeepalivedConfig,
    running: Vec<Running>,
    /// The routers a reload in progress removes: their STOP notifications name them.
    retiring: Vec<Running>,
    weights: tracking::Weights,
    group_states: HashMap<String, State>,
    /// Interface names, for the event lines.
    names: InterfaceNames,
}

impl Daemon {
    /// The instance a state change of `key` to `to` is about.
    fn instance(&self, key: RouterKey, to: State) -> Option<&Running> {
        let retiring = self.retiring.iter().filter(|_| to == State::Initialize);
        retiring.chain(&self.running).find(|r| r.key == key)
    }
}

/// Looks up the interfaces and builds what the driver runs for every instance of `config`.
fn build(config: &KeepalivedConfig, netlink: &mut Netlink) -> Result<Vec<Running>, String> {
    let mut running = Vec::new();
    for instance in &config.instances {
        let (interface, source) = interface_source(netlink, &instance.interface, instance.family)
            .map_err(|e| format!("{}: {e}", instance.location))?;
        let built = instance
            .config(interface.index, source)
            .map_err(|e| format!("{}: {e}", instance.location))?;
        let key = RouterKey::of(&built);
        let mut driven = Instance::new(built).virtual_mac(instance.use_vmac);
        for vip in &instance.addresses {
            driven = driven.address(virtual_address(vip)?);
        }
        for vip in &instance.excluded_addresses {
            driven = driven.excluded(virtual_address(vip)?);
        }
        let elsewhere = (instance.addresses.iter())
            .chain(&instance.excluded_addresses)
            .filter_map(|vip| Some((vip, vip.device.as_ref()?)))
            .filter(|(_, device)| **device != instance.interface);
        for (vip, device) in elsewhere {
            let other = netlink
                .interface_by_name(device)
                .map_err(|e| format!("{}: {e}", vip.location))?;
            driven = driven.device(vip.address, other.index);
        }
        running.push(Running {
            key,
            instance: instance.clone(),
            driven,
        });
    }
    Ok(running)
}

/// A `virtual_ipaddress` line as the driver configures it.
fn virtual_address(vip: &VirtualIp) -> Result<VirtualAddress, String> {
    let mut address = VirtualAddress::host(vip.address);
    address.prefix_len = vip.prefix_len;
    address.broadcast = vip.broadcast;
    address.scope = vip.scope;
    if let Some(label) = &vip.label {
        address.label =
            Some(AddressLabel::new(label).map_err(|e| format!("{}: {e}", vip.location))?);
    }
    Ok(address)
}

/// The keys of each sync group's members, in the group's order.
fn sync_groups(config: &KeepalivedConfig, running: &[Running]) -> Vec<Vec<RouterKey>> {
    config
        .sync_groups
        .iter()
        .map(|group| {
            group
                .members
                .iter()
                .filter_map(|m| {
                    running
                        .iter()
                        .find(|r| r.instance.name == *m)
                        .map(|r| r.key)
                })
                .collect()
        })
        .collect()
}

/// What changes as a unit: a sync group's members, or an instance outside any group, each with
/// what the driver runs for it, sorted by key.
fn units(config: &KeepalivedConfig, running: &[Running]) -> Vec<Vec<(RouterKey, Instance)>> {
    let groups = sync_groups(config, running);
    let mut units: Vec<Vec<(RouterKey, Instance)>> = groups
        .iter()
        .map(|keys| {
            let mut unit: Vec<_> = running
                .iter()
                .filter(|r| keys.contains(&r.key))
                .map(|r| (r.key, r.driven.clone()))
                .collect();
            unit.sort_by_key(|(key, _)| *key);
            unit
        })
        .collect();
    for r in running {
        if !groups.iter().any(|keys| keys.contains(&r.key)) {
            units.push(vec![(r.key, r.driven.clone())]);
        }
    }
    units
}

/// The change from the old file to the new one: a unit that runs the same before and after is
/// kept, with its state and addresses; any other is removed, added, or replaced. Tracking and
/// notify settings are not part of it: they apply without touching the routers.
fn reconfiguration(
    old: (&KeepalivedConfig, &[Running]),
    new: (&KeepalivedConfig, &[Running]),
) -> Reconfiguration {
    let (old_units, new_units) = (units(old.0, old.1), units(new.0, new.1));
    let mut change = Reconfiguration::default();
    for unit in old_units.iter().filter(|u| !new_units.contains(u)) {
        change.remove.extend(unit.iter().map(|(key, _)| *key));
    }
    let changed: Vec<&Vec<(RouterKey, Instance)>> = new_units
        .iter()
        .filter(|u| !old_units.contains(u))
        .collect();
    for unit in &changed {
        change
            .add
            .extend(unit.iter().map(|(_, instance)| instance.clone()));
    }
    change.sync_groups = sync_groups(new.0, new.1)
        .into_iter()
        .filter(|keys| {
            changed
                .iter()
                .any(|unit| unit.iter().any(|(key, _)| keys.contains(key)))
        })
        .collect();
    change
}

fn run(path: &str, config: KeepalivedConfig, print_events: bool) -> Result<(), String> {
    let mut netlink = Netlink::open().map_err(|e| e.to_string())?;
    let names = InterfaceNames::read(&mut netlink).map_err(|e| e.to_string())?;
    let running = build(&config, &mut netlink)?;
    let instances = running.iter().map(|r| r.driven.clone()).collect();
    let mut driver = Driver::new(instances).map_err(|e| e.to_string())?;
    for (keys, group) in sync_groups(&config, &running)
        .iter()
        .zip(&config.sync_groups)
    {
        driver
            .add_sync_group(keys)
            .map_err(|e| format!("{}: {e}", group.location))?;
    }
    let handle = driver.handle();
    let weights = tracking::start(&config, &running, &mut netlink, &handle, &HashMap::new())?;
    let daemon = Arc::new(Mutex::new(Daemon {
        config,
        running,
        retiring: Vec::new(),
        weights,
        group_states: HashMap::new(),
        names,
    }));
    watch_signals(handle, path.to_string(), Arc::clone(&daemon), print_events)?;
    let (notifier, notify_thread) = start_notifier();
    let on_event = |event: Event| {
        let mut daemon = daemon.lock().expect("no panics while held");
        if print_events || matches!(event, Event::Stats(_)) {
            println!("{}", events::json(&event, &daemon.names));
        }
        match &event {
            Event::StateChanged { router, to, .. } => notify(&mut daemon, *router, *to, &notifier),
            Event::BackendFailed {
                error, operation, ..
            } => {
                eprintln!("vrrpd: {operation} failed: {error}");
            }
            Event::AddressRestored { address, .. } => {
                eprintln!("vrrpd: {address} was removed by someone else; added it again");
            }
            Event::Resynchronized => {
                eprintln!("vrrpd: link and address changes were lost; read them all again");
            }
            _ => {}
        }
    };
    let result = driver.run(on_event).map_err(|e| e.to_string());
    // The shutdown's transitions queued `notify_stop`: let them run before exiting.
    drop(notifier);
    let _ = notify_thread.join();
    result
}

/// Logs a state change and queues its notify scripts, the instance's and its sync groups'.
fn notify(daemon: &mut Daemon, key: RouterKey, to: State, notifier: &Sender<Vec<Vec<String>>>) {
    let Some(r) = daemon.instance(key, to) else {
        return;
    };
    let instance = r.instance.clone();
    eprintln!(
        "vrrpd: ({}) entering {} state",
        instance.name,
        state_word(to)
    );
    let priority = daemon.weights.effective_priority(key, instance.priority);
    let _ = notifier.send(notify_jobs(
        "INSTANCE",
        &instance.name,
        &instance.notify,
        to,
        priority,
    ));
    for group in daemon
        .config
        .sync_groups
        .iter()
        .filter(|g| g.members.contains(&instance.name))
    {
        if daemon.group_states.insert(group.name.clone(), to) != Some(to) {
            let _ = notifier.send(notify_jobs(
                "GROUP",
                &group.name,
                &group.notify,
                to,
                priority,
            ));
        }
    }
}

/// What a reload changed, in routers.
struct Reloaded {
    removed: usize,
    added: usize,
    kept: usize,
}

/// Reads the file again and applies what changed (SIGHUP). A file with errors, or a change the
/// driver refuses, is reported and changes nothing.
fn reload(path: &str, daemon: &Mutex<Daemon>, handle: &DriverHandle) -> Result<Reloaded, String> {
    let unchanged = |message: String| format!("{message}\nnothing changed");
    let config = parse_file(path).map_err(|e| unchanged(e.to_string()))?;
    for warning in &config.warnings {
        eprintln!("{warning}");
    }
    let mut netlink = Netlink::open().map_err(|e| unchanged(e.to_string()))?;
    let running = build(&config, &mut netlink).map_err(unchanged)?;
    let names = InterfaceNames::read(&mut netlink).map_err(|e| unchanged(e.to_string()))?;
    let tracked = config.instances.iter().flat_map(|i| &i.track_interfaces);
    for t in tracked.chain(config.sync_groups.iter().flat_map(|g| &g.track_interfaces)) {
        if !names.0.values().any(|name| *name == t.name) {
            return Err(unchanged(format!(
                "tracked interface {} does not exist",
                t.name
            )));
        }
    }
    // Switch what notifications look up before the driver changes, and without holding the lock
    // while it does: its events take the lock.
    let (change, old_config, old_running, carried) = {
        let mut d = daemon.lock().expect("no panics while held");
        let change = reconfiguration((&d.config, &d.running), (&config, &running));
        let carried = d.weights.stop();
        let removed: Vec<Running> = d
            .running
            .iter()
            .filter(|r| change.remove.contains(&r.key))
            .cloned()
            .collect();
        d.retiring = removed;
        d.names = names;
        let old_config = std::mem::replace(&mut d.config, config);
        let old_running = std::mem::replace(&mut d.running, running);
        (change, old_config, old_running, carried)
    };
    let summary = Reloaded {
        removed: change.remove.len(),
        added: change.add.len(),
        kept: old_running.len() - change.remove.len(),
    };
    let applied = if change.is_empty() {
        Ok(Vec::new())
    } else {
        handle.reconfigure(change)
    };
    let mut d = daemon.lock().expect("no panics while held");
    d.retiring.clear();
    let outcome = match applied {
        Err(error @ ReconfigureError::Refused(_)) => {
            d.config = old_config;
            d.running = old_running;
            Err(error.to_string())
        }
        Err(error) => Err(error.to_string()),
        Ok(_) => Ok(summary),
    };
    let d = &mut *d;
    d.weights = tracking::start(&d.config, &d.running, &mut netlink, handle, &carried)?;
    outcome
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

/// Handles the signals on a thread of its own: SIGUSR1 asks for statistics, SIGHUP reloads
/// (reported as a `{"event":"reload",...}` line when `print_events`), the others shut down.
fn watch_signals(
    handle: DriverHandle,
    path: String,
    daemon: Arc<Mutex<Daemon>>,
    print_events: bool,
) -> Result<(), String> {
    let mut signals = Signals::new([SIGTERM, SIGINT, SIGUSR1, SIGHUP])
        .map_err(|e| format!("installing signal handlers: {e}"))?;
    std::thread::spawn(move || {
        for signal in signals.forever() {
            let sent = match signal {
                SIGUSR1 => handle.request_stats(),
                SIGHUP => {
                    match reload(&path, &daemon, &handle) {
                        Ok(Reloaded {
                            removed,
                            added,
                            kept,
                        }) => {
                            eprintln!(
                                "vrrpd: reloaded {path}: {removed} routers stopped, {added} started, {kept} kept"
                            );
                            if print_events {
                                println!(
                                    r#"{{"event":"reload","ok":true,"stopped":{removed},"started":{added},"kept":{kept}}}"#
                                );
                            }
                        }
                        Err(message) => {
                            eprintln!("vrrpd: reloading {path} failed:\n{message}");
                            if print_events {
                                println!(r#"{{"event":"reload","ok":false,"error":{message:?}}}"#);
                            }
                        }
                    }
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
