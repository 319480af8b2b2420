//! The daemon: the driver running the routers of a keepalived.conf, its events logged, printed
//! (`--events`), recorded for `vrrpd status` and turned into notify scripts; the signals; the
//! control socket; systemd's notifications and watchdog.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGXCPU};
use signal_hook::iterator::Signals;
use vrrp::host::Event;
use vrrp::keepalived::{KeepalivedConfig, Resolved, Scheduling, resolve, sync_groups};
use vrrp::linux::{Driver, Netlink, RoutedInterface};
use vrrp::{RouterKey, State};

use crate::cli::Cli;
use crate::control::{self, Purpose, StatsRequests};
use crate::fifo::Fifos;
use crate::lifecycle;
use crate::notify::{self, Notifier};
use crate::status::Transition;
use crate::systemd::{self, Systemd};
use crate::{Context, Daemon, RunningInstance, tracking};
use vrrp::linux::InterfaceNames;

/// Runs the routers of `config` (read from `path`) until a signal stops them: after its
/// `startup_script`, and before its `shutdown_script`, however they stop.
pub fn run(path: &Path, config: KeepalivedConfig, cli: &Cli) -> Result<(), String> {
    let script_user = config.global.script_user.clone();
    let shutdown = config.global.shutdown_script.clone();
    if let Some(script) = &config.global.startup_script {
        lifecycle::run_once("startup", script, script_user.as_ref());
    }
    let result = run_routers(path, config, cli);
    if let Some(script) = &shutdown {
        lifecycle::run_once("shutdown", script, script_user.as_ref());
    }
    result
}

fn run_routers(path: &Path, mut config: KeepalivedConfig, cli: &Cli) -> Result<(), String> {
    // Held by the driver, which makes one again if it is deleted; the kernel deletes them, and
    // their addresses, when vrrpd exits.
    let routed = (cli.routed_interface.iter())
        .map(|name| RoutedInterface::create(name).map_err(|e| format!("--routed-interface: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut netlink = Netlink::open().map_err(|e| e.to_string())?;
    let names = InterfaceNames::read(&mut netlink).map_err(|e| e.to_string())?;
    let running = resolve(&config, &mut netlink)?;
    let instances = running
        .iter()
        .map(Resolved::driven)
        .collect::<Result<_, _>>()?;
    let statics = vrrp::keepalived::statics(&config, &mut netlink)?;
    let static_groups = tracking::static_groups(&config, &statics);
    let held_statics = statics.clone();
    let mut driver = Driver::new(instances).map_err(|e| e.to_string())?;
    if !statics.is_empty() {
        driver.hold_statics(statics).map_err(|e| e.to_string())?;
    }
    if let Some(lifetime) = cli.vip_lifetime {
        driver
            .set_address_lifetime(lifetime.0)
            .map_err(|e| format!("--vip-lifetime: {e}"))?;
    }
    let scheduling = &config.global.scheduling;
    driver.set_auto_realtime(scheduling.max_auto_priority.map(|max| {
        vrrp::linux::scheduling::AutoRealtime::new(
            max,
            scheduling.min_auto_priority_delay,
            scheduling.rlimit_rttime,
        )
        .starting_at(scheduling.rt_priority.unwrap_or(0))
    }));
    for routed in routed {
        driver.keep_routed_interface(routed);
    }
    for (keys, group) in sync_groups(&config, &running)
        .iter()
        .zip(&config.sync_groups)
    {
        driver
            .add_sync_group(keys)
            .map_err(|e| format!("{}: {e}", group.location))?;
    }
    let (listener, socket) = control::listen(&cli.common.control)?;
    let handle = driver.handle();
    let tracking = tracking::start(&config, &running, &cli.routed_interface, &handle, None, &[])?;
    // What runs after start-up is kept of each instance (4,000 whole ones are megabytes), and the
    // configuration keeps the scripts, files, processes and sync groups they refer to.
    config.instances = Vec::new();
    let resolved = running;
    let running = RunningInstance::all(&resolved);
    drop(resolved);
    let mut starting: HashSet<RouterKey> = running.iter().map(|r| r.key).collect();
    let systemd = Systemd::from_env();
    // Pings only go somewhere under systemd.
    let watchdog = systemd::watchdog_interval().filter(|_| systemd.is_on());
    let metrics = crate::metrics::Metrics::new(names.as_map().clone());
    let start_delay = config.global.start_delay(uptime());
    let scheduling = config.global.scheduling.clone();
    let fifos = Fifos::open(
        &config.global.notify_fifos,
        config.global.script_user.as_ref(),
    )?;
    let context = Arc::new(Context {
        daemon: Mutex::new(Daemon {
            fifos,
            config,
            running,
            retiring: Vec::new(),
            tracking,
            static_groups,
            statics: held_statics,
            lost_statics: HashSet::new(),
            priorities: HashMap::new(),
            group_states: HashMap::new(),
            names,
            transitions: HashMap::new(),
            routed: cli.routed_interface.clone(),
        }),
        stats: StatsRequests::new(handle.clone()),
        handle,
        systemd,
        path: path.to_path_buf(),
        config_id: cli.common.config_id.clone(),
        print_events: cli.events,
        watchdog: watchdog.is_some(),
        reloading: Mutex::new(()),
        stopping: AtomicBool::new(false),
        metrics,
    });
    if let Some(address) = cli.metrics {
        let shared = Arc::clone(&context);
        crate::metrics::serve(address, Arc::clone(&context.metrics), move || {
            shared.stats.fetch()
        })?;
        tracing::info!("metrics at http://{address}/metrics");
    }
    watch_signals(Arc::clone(&context))?;
    control::serve(listener, Arc::clone(&context));
    tracing::info!(
        "control socket at {}",
        cli.common.control.as_path().display()
    );
    if let Some(interval) = watchdog {
        ping_watchdog(Arc::clone(&context), interval);
    }
    if context.systemd.is_on() {
        tracing::debug!("notifying systemd ($NOTIFY_SOCKET)");
    }
    if starting.is_empty() {
        context.systemd.ready();
    }
    wait_to_start(&context, start_delay);
    let (notifier, notify_thread) = notify::start_notifier();
    // On this thread, which runs the routers, once every other thread is started.
    schedule(&scheduling);
    let on_event = |event: Event| {
        on_event(&context, &notifier, &mut starting, event);
    };
    // The configuration's syntax tree and the routers' installation are gone: hand their memory
    // back rather than keep the start-up peak resident.
    vrrp::linux::release_free_memory();
    let result = driver.run(on_event).map_err(|e| e.to_string());
    context.stopping();
    context.stats.clear();
    // The shutdown's transitions queued `notify_stop`: let them run before exiting.
    drop(notifier);
    let _ = notify_thread.join();
    // The other threads hold the context to the end: close the FIFOs and stop their readers now.
    let fifos = std::mem::take(&mut context.daemon.lock().expect("no panics while held").fifos);
    drop(fifos);
    drop(socket);
    result
}

/// Handles one of the driver's events, on its thread.
fn on_event(
    context: &Context,
    notifier: &Notifier,
    starting: &mut HashSet<RouterKey>,
    event: Event,
) {
    context.metrics.observe(&event);
    if let Event::Stats(report) = &event {
        if context.watchdog {
            context.systemd.watchdog();
        }
        match context.stats.answered() {
            Some(Purpose::Reply(sender)) => {
                let _ = sender.send(report.clone());
                return;
            }
            Some(Purpose::Watchdog) => return,
            // Asked for with SIGUSR1, or the last one, sent as the driver stops.
            Some(Purpose::Print) | None => {}
        }
    }
    let mut daemon = context.daemon.lock().expect("no panics while held");
    if context.print_events || matches!(event, Event::Stats(_)) {
        println!(
            "{}",
            vrrp::host::json::event(&event, |i| daemon.names.name(i))
        );
    }
    match &event {
        Event::StateChanged {
            router, to, reason, ..
        } => {
            daemon.transitions.insert(
                *router,
                Transition {
                    at: SystemTime::now(),
                    reason: *reason,
                },
            );
            notify::notify(&mut daemon, *router, *to, notifier);
            if *to == State::Initialize {
                // Stopped or removed: a router that comes back starts from its configuration.
                daemon.priorities.remove(router);
            } else if starting.remove(router) && starting.is_empty() {
                // Every router has started.
                context.systemd.ready();
            }
        }
        Event::LowerPriorityMaster { router, .. } => {
            notify::lower_priority_master(&mut daemon, *router, notifier);
        }
        Event::PriorityChanged { router, to, .. } => {
            daemon.priorities.insert(*router, *to);
        }
        Event::StaticFailed { .. } | Event::Restored { router: None, .. } => {
            let daemon = &mut *daemon;
            if tracking::note_static(&mut daemon.lost_statics, &event) {
                for (check, good) in
                    tracking::group_checks(&daemon.static_groups, &daemon.lost_statics)
                {
                    if daemon.tracking.set_check(&check, good) {
                        let state = if good {
                            "back: its members run again"
                        } else {
                            "lost: its members go to Fault"
                        };
                        tracing::warn!("{check}: a static entry is {state}");
                    }
                }
            }
        }
        // The driver logs every event (`vrrp::host::log_event`): failures, restored addresses,
        // conflicts, resynchronizations are not logged twice.
        _ => {}
    }
}

/// Waits `delay` (`vrrp_startup_delay`, `vrrp_delay_after_boot`) before the routers start, or
/// until a signal stops vrrpd meanwhile. systemd's start timeout is extended by the delay;
/// `vrrpd status`, `stats` and a reload wait for the routers to start.
fn wait_to_start(context: &Context, delay: std::time::Duration) {
    if delay.is_zero() {
        return;
    }
    context
        .systemd
        .extend_start(delay + std::time::Duration::from_secs(30));
    tracing::info!("the instances start in {delay:?} (vrrp_startup_delay, vrrp_delay_after_boot)");
    let until = std::time::Instant::now() + delay;
    while !context.is_stopping() {
        let left = until.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return;
        }
        std::thread::sleep(left.min(std::time::Duration::from_millis(50)));
    }
}

/// Applies `vrrp_rt_priority` and the other scheduling settings to the calling thread. One the
/// kernel refuses (without CAP_SYS_NICE or CAP_IPC_LOCK, say) is logged, and the routers run
/// without it, as keepalived's do.
fn schedule(settings: &Scheduling) {
    use vrrp::linux::scheduling;
    let results = [
        settings.nice.map(scheduling::set_nice),
        (!settings.cpu_affinity.is_empty())
            .then(|| scheduling::set_cpu_affinity(&settings.cpu_affinity)),
        settings.no_swap.then(scheduling::lock_memory),
        (settings.rt_priority).map(|p| scheduling::set_realtime(p, settings.rlimit_rttime)),
    ];
    for result in results.into_iter().flatten() {
        if let Err(error) = result {
            tracing::error!("scheduling: {error}; the routers run without it");
        }
    }
    if let Some(priority) = settings.rt_priority {
        tracing::info!(
            "running SCHED_RR at priority {priority}, at most {:?} of CPU without blocking",
            settings.rlimit_rttime
        );
    }
}

/// How long the host has been up, from /proc/uptime (0 if it cannot be read).
fn uptime() -> std::time::Duration {
    std::fs::read_to_string("/proc/uptime")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(
            std::time::Duration::ZERO,
            std::time::Duration::from_secs_f64,
        )
}

/// Pings systemd's watchdog through the driver: every `interval`, a statistics request whose
/// report, handled on the driver's thread, sends `WATCHDOG=1`. A stalled protocol loop answers
/// none, and the pings stop.
fn ping_watchdog(context: Arc<Context>, interval: std::time::Duration) {
    tracing::debug!("pinging the watchdog every {interval:?}");
    std::thread::spawn(move || {
        loop {
            if context.stats.request(Purpose::Watchdog).is_err() {
                return;
            }
            std::thread::sleep(interval);
        }
    });
}

/// Handles the signals on a thread of its own: SIGUSR1 asks for statistics, SIGHUP reloads
/// (reported as a `{"event":"reload",...}` line with `--events`), the others shut down.
fn watch_signals(context: Arc<Context>) -> Result<(), String> {
    let mut signals = Signals::new([SIGTERM, SIGINT, SIGUSR1, SIGHUP, SIGXCPU])
        .map_err(|e| format!("installing signal handlers: {e}"))?;
    std::thread::spawn(move || {
        let mut stopping = false;
        for signal in signals.forever() {
            let sent = match signal {
                SIGUSR1 => context.stats.request(Purpose::Print),
                // vrrp_rlimit_rttime: the real-time thread ran half its limit without blocking;
                // at the whole of it the kernel kills vrrpd.
                SIGXCPU => {
                    tracing::warn!(
                        "SIGXCPU: the routers' real-time thread used half of vrrp_rlimit_rttime \
                         without blocking; the kernel kills vrrpd at all of it"
                    );
                    Ok(())
                }
                SIGHUP => {
                    let _ = context.reload();
                    Ok(())
                }
                // The first SIGTERM or SIGINT hands over make-before-break: each Master
                // advertises priority 0 and keeps its addresses until it hears the Backup that
                // took over (at most Master_Down_Interval). A second one stops at once.
                _ if !stopping => {
                    tracing::info!("handing over, then shutting down");
                    stopping = true;
                    context.stats.close();
                    context.stopping();
                    context.handle.hand_over()
                }
                _ => {
                    tracing::info!("shutting down now");
                    context.handle.shutdown()
                }
            };
            if sent.is_err() {
                return;
            }
        }
    });
    Ok(())
}
