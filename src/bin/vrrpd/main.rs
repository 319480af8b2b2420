//! `vrrpd`: keepalived's VRRP side as a program on the crate: reads a keepalived.conf and runs every
//! `vrrp_instance` with the blocking driver, health checks (`vrrp_script`) and notify scripts
//! included.
//!
//! ```text
//! vrrpd --config FILE [--check] [--events] [--metrics ADDR:PORT]
//! ```
//!
//! `--check` reads and validates the file, prints what it understood and exits: 0 when the file is
//! good and everything in it can be run, 1 otherwise (like `keepalived -t`, but failing on any
//! error). `--events` also prints the driver's events as JSON lines on standard output.
//! `--metrics ADDR:PORT` serves the statistics for Prometheus at `http://ADDR:PORT/metrics`.
//!
//! Health checks run on their interval with their timeout; `rise` successes or `fall` failures in
//! a row change their state, and their weight then moves the priority of every instance that
//! tracks them (a weight of 0 puts it in Fault while the script fails). A script runs without a
//! shell unless its line needs one (quotes, pipes, redirections, variables, globs), as the
//! configured user (`user`, else `script_user`) when one is given. Notify scripts run on every
//! transition with keepalived's arguments (`notify`: `INSTANCE|GROUP NAME STATE PRIORITY`), in
//! order, on a thread of their own so that the protocol never waits for them.
//!
//! `track_interface` and `track_file` move priorities as in keepalived (see `vrrp::track`).
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

mod check;
mod cli;
mod events;
mod metrics;
mod notify;
mod reload;
mod tracking;
mod translate;

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGUSR1};
use signal_hook::iterator::Signals;
use vrrp::host::{DriverHandle, Event};
use vrrp::keepalived::{KeepalivedConfig, parse_file};
use vrrp::linux::{Driver, Netlink};
use vrrp::track::Monitor;
use vrrp::{Priority, RouterKey, State};

use cli::{Options, USAGE, parse_options};
use events::InterfaceNames;
use reload::{Reloaded, reload};
use translate::{Running, build, sync_groups};

fn main() -> ExitCode {
    let options = match parse_options(std::env::args().skip(1)) {
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
        print!("{}", check::describe(&config));
        return ExitCode::SUCCESS;
    }
    match run(&options.config, config, &options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("vrrpd: {message}");
            ExitCode::FAILURE
        }
    }
}

/// What the driver's thread (notifications) and the reload thread share.
struct Daemon {
    config: KeepalivedConfig,
    running: Vec<Running>,
    /// The routers a reload in progress removes: their STOP notifications name them.
    retiring: Vec<Running>,
    /// What moves the priorities.
    tracking: Monitor,
    /// The effective priority of each router whose priority tracking moved, as the driver
    /// reported it: the priority notify scripts are given.
    priorities: HashMap<RouterKey, Priority>,
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

/// Runs the routers of `config` (read from `path`) until a signal stops them.
fn run(path: &str, config: KeepalivedConfig, options: &Options) -> Result<(), String> {
    let print_events = options.events;
    let mut netlink = Netlink::open().map_err(|e| e.to_string())?;
    let names = InterfaceNames::read(&mut netlink).map_err(|e| e.to_string())?;
    let running = build(&config, &mut netlink)?;
    let instances = running.iter().map(|r| r.driven.clone()).collect();
    let mut driver = Driver::new(instances).map_err(|e| e.to_string())?;
    driver
        .set_address_lifetime(options.vip_lifetime)
        .map_err(|e| format!("--vip-lifetime: {e}"))?;
    for (keys, group) in sync_groups(&config, &running)
        .iter()
        .zip(&config.sync_groups)
    {
        driver
            .add_sync_group(keys)
            .map_err(|e| format!("{}: {e}", group.location))?;
    }
    let handle = driver.handle();
    let tracking = tracking::start(&config, &running, &handle, None)?;
    let daemon = Arc::new(Mutex::new(Daemon {
        config,
        running,
        retiring: Vec::new(),
        tracking,
        priorities: HashMap::new(),
        group_states: HashMap::new(),
        names,
    }));
    watch_signals(handle, path.to_string(), Arc::clone(&daemon), print_events)?;
    let metrics = metrics::Metrics::new(daemon.lock().expect("not poisoned").names.0.clone());
    if let Some(address) = options.metrics {
        metrics::serve(address, Arc::clone(&metrics), driver.handle())?;
    }
    let (notifier, notify_thread) = notify::start_notifier();
    let on_event = |event: Event| {
        // Statistics a scrape asked for are not printed.
        let scraped = metrics.observe(&event);
        let mut daemon = daemon.lock().expect("no panics while held");
        if !scraped && (print_events || matches!(event, Event::Stats(_))) {
            println!("{}", events::json(&event, &daemon.names));
        }
        match &event {
            Event::StateChanged { router, to, .. } => {
                notify::notify(&mut daemon, *router, *to, &notifier);
                if *to == State::Initialize {
                    // Stopped or removed: a router that comes back starts from its configuration.
                    daemon.priorities.remove(router);
                }
            }
            Event::PriorityChanged { router, to, .. } => {
                daemon.priorities.insert(*router, *to);
            }
            Event::BackendFailed {
                error, operation, ..
            } => {
                eprintln!("vrrpd: {operation} failed: {error}");
            }
            Event::AddressRestored { address, .. } => {
                eprintln!("vrrpd: {address} was removed by someone else; added it again");
            }
            Event::InterfaceRecreated { name, .. } => {
                eprintln!("vrrpd: interface {name} was created again; its routers moved to it");
            }
            Event::AddressConflict { address, .. } => {
                eprintln!("vrrpd: another router advertises with our own address {address}");
            }
            Event::PrimaryAddress {
                address, present, ..
            } => {
                let state = if *present {
                    "is back"
                } else {
                    "is gone: Fault until it is back"
                };
                eprintln!("vrrpd: the primary address {address} {state}");
            }
            Event::TransientError { operation, error } => {
                eprintln!("vrrpd: {operation} failed, trying again: {error}");
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
