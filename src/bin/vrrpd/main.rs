//! `vrrpd`: keepalived's VRRP side as a program on the crate: reads a keepalived.conf and runs every
//! `vrrp_instance` with the blocking driver, health checks (`vrrp_script`) and notify scripts
//! included.
//!
//! ```text
//! vrrpd [--config FILE] [--control PATH] [--events] [--vip-lifetime SECONDS]
//!       [--routed-interface NAME]... [--log-level LEVEL] [--log-file PATH]
//!                                                  run the daemon
//! vrrpd check [--config FILE] [--peer FILE]...     validate the file (also: vrrpd --check)
//! vrrpd status [--control PATH] [--json]           every router's state, from the daemon
//! vrrpd stats [--control PATH] [--json]            every router's RFC 6527 counters
//! vrrpd reload [--control PATH]                    read the file again (as SIGHUP)
//! ```
//!
//! The file defaults to `/etc/keepalived/keepalived.conf` and the control socket to
//! `/run/vrrpd/control.sock`. `check` reads and validates the file, prints what it understood and
//! exits: 0 when the file is good and everything in it can be run, 1 otherwise (like
//! `keepalived -t`, but failing on any error). `--events` also prints the driver's events as JSON
//! lines on standard output.
//!
//! # keepalived's flags
//!
//! What operators keep in `/etc/default/keepalived` works where it means something:
//!
//! | flag | in vrrpd |
//! |---|---|
//! | `-f`, `--use-file FILE` | `--config FILE` |
//! | `-t`, `--config-test` | `check` |
//! | `-D`, `--log-detail` | the debug level, unless `--log-level` or `RUST_LOG` says otherwise |
//! | `-l`, `--log-console` | log to standard error also when `--log-file` is given |
//! | `-g`, `--log-file FILE` | `--log-file FILE` |
//! | `-G`, `--no-syslog` | accepted: vrrpd never logs to syslog |
//! | `-n`, `--dont-fork` | accepted: vrrpd never forks |
//! | `-P`, `--vrrp` | accepted: vrrpd runs VRRP only |
//! | `-B`, `--no_bfd` | accepted: vrrpd has no BFD |
//! | `-R`, `--dont-respawn` | accepted: vrrpd has no children to respawn |
//! | `-d`, `--dump-conf` | logs the configuration as `check` prints it, at start |
//! | `-p`, `--pid FILE`; `-r`, `--vrrp_pid FILE` | writes vrrpd's pid there, removed at exit |
//! | `-i`, `--config-id ID` | `@ID` lines read where ID matches, `@^ID` lines where it does not; by default the host name up to its first dot, as in keepalived |
//! | `-v`, `-V`, `--version`; `-h`, `--help` | as usual |
//! | `-C` (checkers only), `-S`/`--log-facility`, `-c`/`--checkers_pid`, `-b`/`--bfd`, `--bfd_pid`, `-x`/`--snmp`, `-s`/`--namespace`, `-X`/`--release-vips`, `-m`/`--core-dump` | refused, with the reason: they ask for what vrrpd does not do |
//!
//! keepalived's `--check` (checkers only) is vrrpd's `--check` (the configuration check): its
//! short form `-C` is refused.
//!
//! # Running
//!
//! Health checks run on their interval with their timeout; `rise` successes or `fall` failures in
//! a row change their state, and their weight then moves the priority of every instance that
//! tracks them (a weight of 0 puts it in Fault while the script fails). A script runs without a
//! shell unless its line needs one (quotes, pipes, redirections, variables, globs), as the
//! configured user (`user`, else `script_user`) when one is given. Notify scripts run on every
//! transition with keepalived's arguments (`notify`: `INSTANCE|GROUP NAME STATE PRIORITY`), in
//! order, on a thread of their own so that the protocol never waits for them.
//!
//! `track_interface`, `track_file` and `track_process` move priorities as in keepalived (see
//! `vrrp::track`). Tracked processes are looked for in `/proc` every second (keepalived follows
//! the kernel's process events instead).
//!
//! `check --peer FILE` also reads another router's file and warns when a tracked weight can never
//! take a Master below its peer (see `vrrp::keepalived::failover_warnings`); the daemon warns of
//! the same within its own file at start.
//!
//! SIGHUP, or `vrrpd reload`, reads the file again and applies what changed. A sync group, or an
//! instance outside any group, that runs exactly as before keeps running untouched, with its
//! state and addresses; one that changed is shut down (priority 0 if Master) and started anew;
//! new ones start, removed ones stop. Health checks keep their state across the reload; tracking
//! and notify settings take effect at once. A file with errors, or a change the driver refuses
//! (an address held by someone else, say), is reported and changes nothing.
//!
//! SIGTERM and SIGINT stop make-before-break: each Master advertises priority 0 but keeps its
//! addresses until it hears the Backup that took over (at most Master_Down_Interval), so clients
//! always find a holder; then the addresses are released and `notify_stop` runs. A second SIGTERM
//! or SIGINT stops at once. With `step_down_on_failure` in a `vrrp_instance`, a failing tracked
//! script, interface or file steps the instance down (priority 0, addresses released, still in the
//! election) instead of putting it in FAULT. `--metrics ADDR:PORT` serves Prometheus metrics at
//! `/metrics`. SIGUSR1 prints the statistics as a JSON line. Virtual addresses take `brd`, `dev` (another interface to put
//! the address on), `scope` and `label`; `virtual_ipaddress_excluded` addresses are configured
//! with them but not advertised.
//!
//! Under systemd (`Type=notify`) vrrpd reports readiness, reloads and its shutdown, and pings the
//! watchdog from the protocol loop (see `systemd.rs`); it logs through `tracing` (see
//! `logging.rs`).

mod check;
mod cli;
mod control;
mod fifo;
mod lifecycle;
mod logging;
mod metrics;
mod notify;
mod reload;
mod run;
mod running;
mod status;
mod systemd;
mod tracking;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use vrrp::host::DriverHandle;
use vrrp::keepalived::{KeepalivedConfig, failover_warnings, interop_warnings};
use vrrp::track::Monitor;
use vrrp::{Priority, RouterKey, State};

use cli::{Cli, Command};
use control::{Request, StatsRequests};
use reload::{Reloaded, reload};
use running::RunningInstance;
use status::Transition;
use systemd::Systemd;
use vrrp::linux::InterfaceNames;

fn main() -> ExitCode {
    let cli = match Cli::parse_from_args(std::env::args_os()) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
        }
    };
    if let Some(refusal) = cli.refusal() {
        eprintln!("vrrpd: {refusal}");
        return ExitCode::from(2);
    }
    let logging = logging::Logging {
        level: cli.log_level.as_deref(),
        detail: cli.log_detail,
        file: cli.log_file.as_deref(),
        console: cli.log_console,
        timestamps: cli.command().is_none(),
    };
    if let Err(message) = logging::init(&logging) {
        eprintln!("vrrpd: {message}");
        return ExitCode::from(2);
    }
    let control = cli.common.control.as_path();
    let client = |request, json| match control::client(control, request, json) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            tracing::error!("{message}");
            ExitCode::FAILURE
        }
    };
    match cli.command() {
        Some(Command::Status { json }) => return client(Request::Status, *json),
        Some(Command::Stats { json }) => return client(Request::Stats, *json),
        Some(Command::Reload) => return client(Request::Reload, false),
        Some(Command::Keywords) => {
            print!("{}", vrrp::keepalived::keyword_table());
            return ExitCode::SUCCESS;
        }
        Some(Command::Check { json: true }) => {
            let path = &cli.common.config;
            return check::json(path, cli.common.read(path), &cli.peer);
        }
        Some(Command::Check { json: false }) | None => {}
    }
    let path = &cli.common.config;
    let config = match cli.common.read(path) {
        Ok(config) => config,
        Err(error) => {
            // One ERROR line per mistake, each with its file:line:column.
            for mistake in &error.errors {
                tracing::error!("{mistake}");
            }
            return ExitCode::FAILURE;
        }
    };
    for warning in &config.warnings {
        tracing::warn!("{warning}");
    }
    if cli.command() == Some(&Command::Check { json: false }) {
        return check::run(&config, &cli.peer);
    }
    if !cli.peer.is_empty() {
        tracing::error!("--peer is for `vrrpd check`; remove it from the daemon's command line");
        return ExitCode::FAILURE;
    }
    let warnings = failover_warnings(&[&config]);
    for warning in warnings.into_iter().chain(interop_warnings(&[&config])) {
        tracing::warn!("{warning}");
    }
    if cli.dump_conf {
        for line in check::describe(&config).lines() {
            tracing::info!("{line}");
        }
    }
    // keepalived's `net_namespace`: everything from here on (sockets, netlink, threads) lives
    // in it.
    if let Some(name) = &config.global.net_namespace {
        if let Err(error) = vrrp::linux::enter_network_namespace(name) {
            tracing::error!("{error}");
            return ExitCode::FAILURE;
        }
        tracing::info!("running in network namespace {name}");
    }
    let pid_files = match PidFiles::write(cli.pid_files()) {
        Ok(files) => files,
        Err(message) => {
            tracing::error!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let result = run::run(path, config, &cli);
    drop(pid_files);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// Files holding vrrpd's process id (`-p`, `-r`), removed when dropped.
struct PidFiles(Vec<PathBuf>);

impl PidFiles {
    fn write<'a>(paths: impl Iterator<Item = &'a PathBuf>) -> Result<Self, String> {
        let mut files = Self(Vec::new());
        for path in paths {
            std::fs::write(path, format!("{}\n", std::process::id()))
                .map_err(|e| format!("pid file {}: {e}", path.display()))?;
            files.0.push(path.clone());
        }
        Ok(files)
    }
}

impl Drop for PidFiles {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// What the driver's thread (notifications) and the reload thread share.
struct Daemon {
    config: KeepalivedConfig,
    running: Vec<RunningInstance>,
    /// The routers a reload in progress removes: their STOP notifications name them.
    retiring: Vec<RunningInstance>,
    /// What moves the priorities.
    tracking: Monitor,
    /// The static entries that name a track group, with the group's check.
    static_groups: Vec<(tracking::StaticKey, String)>,
    /// The static entries held (`static_ipaddress`, `static_routes`, `static_rules`), with their
    /// interfaces looked up.
    statics: vrrp::host::Statics,
    /// The static entries that could not be added back since they were lost.
    lost_statics: std::collections::HashSet<tracking::StaticKey>,
    /// The effective priority of each router whose priority tracking moved, as the driver
    /// reported it: the priority notify scripts are given.
    priorities: HashMap<RouterKey, Priority>,
    group_states: HashMap<String, State>,
    /// Interface names, for the event lines.
    names: InterfaceNames,
    /// Each router's last transition, for `vrrpd status`.
    transitions: HashMap<RouterKey, Transition>,
    /// `notify_fifo`, `vrrp_notify_fifo`.
    fifos: fifo::Fifos,
    /// The `--routed-interface` names: vrrpd makes them again itself, so they are never tracked.
    routed: Vec<String>,
}

impl Daemon {
    /// The instance a state change of `key` to `to` is about.
    fn instance(&self, key: RouterKey, to: State) -> Option<&RunningInstance> {
        let retiring = self.retiring.iter().filter(|_| to == State::Initialize);
        retiring.chain(&self.running).find(|r| r.key == key)
    }
}

/// What the driver's thread, the signal thread and the control socket's threads share.
struct Context {
    daemon: Mutex<Daemon>,
    handle: DriverHandle,
    stats: StatsRequests,
    systemd: Systemd,
    /// The keepalived.conf.
    path: PathBuf,
    /// `--config-id`.
    config_id: Option<String>,
    /// `--events`.
    print_events: bool,
    /// Whether the watchdog is on: every statistics report pings it.
    watchdog: bool,
    /// One reload at a time.
    reloading: Mutex<()>,
    /// Whether STOPPING=1 was sent.
    stopping: AtomicBool,
    /// What `--metrics` serves.
    metrics: Arc<metrics::Metrics>,
}

impl Context {
    /// Reads the file again and applies what changed (SIGHUP, `vrrpd reload`), telling systemd
    /// and the log.
    fn reload(&self) -> Result<Reloaded, String> {
        let _one = self.reloading.lock().expect("no panics while held");
        self.systemd.reloading();
        let path = self.path.display();
        let result = reload(
            &self.path,
            self.config_id.as_deref(),
            &self.daemon,
            &self.handle,
        );
        match &result {
            Ok(Reloaded {
                removed,
                added,
                kept,
            }) => {
                tracing::info!(
                    "reloaded {path}: {removed} routers stopped, {added} started, {kept} kept"
                );
                if self.print_events {
                    println!(
                        "{}",
                        serde_json::json!({
                            "event": "reload", "ok": true,
                            "stopped": removed, "started": added, "kept": kept,
                        })
                    );
                }
            }
            Err(message) => {
                for line in message.lines() {
                    tracing::error!("reloading {path} failed: {line}");
                }
                if self.print_events {
                    println!(
                        "{}",
                        serde_json::json!({"event": "reload", "ok": false, "error": message})
                    );
                }
            }
        }
        self.systemd.ready();
        result
    }

    /// Whether a signal asked vrrpd to stop.
    fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Tells systemd the service stops, once.
    fn stopping(&self) {
        if !self.stopping.swap(true, Ordering::SeqCst) {
            self.systemd.stopping();
        }
    }
}
