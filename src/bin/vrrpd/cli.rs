//! The command line: vrrpd's own options and subcommands, and keepalived's flags as operators
//! keep them in `/etc/default/keepalived` (see the list in the program's documentation).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args, Parser, Subcommand};

/// The keepalived.conf read when none is given.
pub const DEFAULT_CONFIG: &str = "/etc/keepalived/keepalived.conf";
/// The control socket when none is given.
pub const DEFAULT_CONTROL: &str = "/run/vrrpd/control.sock";

/// keepalived's VRRP side: runs every vrrp_instance of a keepalived.conf.
#[derive(Debug, Parser)]
#[command(
    name = "vrrpd",
    version,
    disable_version_flag = true,
    args_override_self = true,
    after_help = "Every keyword of keepalived 2.4.3 is honoured, ignored with a warning, or refused \
                  with the reason: `vrrpd keywords` prints which, as a table."
)]
pub struct Cli {
    #[command(flatten)]
    pub common: Common,

    /// Validate the configuration, print what it says and exit (as `vrrpd check`).
    #[arg(long, short = 't', alias = "config-test")]
    pub check: bool,

    /// With `check`: also read FILE, another router's configuration, and warn when a tracked
    /// weight cannot take one side's Master below the other side's priority (repeatable).
    #[arg(long, value_name = "FILE", global = true)]
    pub peer: Vec<PathBuf>,

    /// Also print the driver's events as JSON lines on standard output.
    #[arg(long)]
    pub events: bool,

    /// Install the virtual addresses with this lifetime and renew them, so that the kernel drops
    /// them if vrrpd is killed or hangs; by default 60 advertisement intervals of the slowest
    /// instance (60 s at 1 s), at least 3 s. `forever`: no lifetime, as keepalived installs them.
    #[arg(long, value_name = "SECONDS|forever", value_parser = lifetime)]
    pub vip_lifetime: Option<VipLifetime>,

    /// Create NAME, an interface for routed virtual addresses that disappears with vrrpd, killed
    /// or not, so that a BGP speaker announcing its addresses withdraws them at once; give those
    /// addresses `dev NAME` in `virtual_ipaddress`. Needs --vip-lifetime, for a vrrpd that hangs
    /// (repeatable).
    #[arg(long, value_name = "NAME", requires = "vip_lifetime")]
    pub routed_interface: Vec<String>,

    /// Serve Prometheus metrics at http://ADDR:PORT/metrics (off unless given).
    #[arg(long, value_name = "ADDR:PORT")]
    pub metrics: Option<SocketAddr>,

    /// Log filter: a level (error, warn, info, debug, trace) or a RUST_LOG-style directive
    /// [default: $RUST_LOG, else info].
    #[arg(long, value_name = "LEVEL", global = true)]
    pub log_level: Option<String>,

    /// Append the log to PATH instead of standard error (keepalived's -g).
    #[arg(long, short = 'g', value_name = "PATH", global = true)]
    pub log_file: Option<PathBuf>,

    /// keepalived's -D: detailed logging, the debug level unless --log-level or RUST_LOG says
    /// otherwise.
    #[arg(long, short = 'D', global = true)]
    pub log_detail: bool,

    /// keepalived's -l: log to standard error, also when --log-file is given.
    #[arg(long, short = 'l', global = true)]
    pub log_console: bool,

    /// keepalived's -n: run in the foreground. vrrpd always does (it never forks).
    #[arg(long, short = 'n')]
    pub dont_fork: bool,

    /// keepalived's -P: run only VRRP. vrrpd only does.
    #[arg(long, short = 'P')]
    pub vrrp: bool,

    /// keepalived's -G: do not log to syslog. vrrpd never does (standard error, the journal).
    #[arg(long, short = 'G')]
    pub no_syslog: bool,

    /// keepalived's -B: no BFD. vrrpd has none.
    #[arg(long = "no_bfd", short = 'B')]
    pub no_bfd: bool,

    /// keepalived's -R: do not respawn children. vrrpd has none (let systemd restart it).
    #[arg(long, short = 'R')]
    pub dont_respawn: bool,

    /// keepalived's -d: log the configuration as understood (what `vrrpd check` prints) at start.
    #[arg(long, short = 'd')]
    pub dump_conf: bool,

    /// Write vrrpd's process id to FILE, removed at exit (keepalived's main pid file).
    #[arg(long, short = 'p', value_name = "FILE")]
    pub pid: Option<PathBuf>,

    /// Write vrrpd's process id to FILE, removed at exit (keepalived's VRRP child pid file:
    /// vrrpd is that process).
    #[arg(long = "vrrp_pid", short = 'r', value_name = "FILE")]
    pub vrrp_pid: Option<PathBuf>,

    /// Print the version.
    #[arg(long, short = 'v', visible_short_alias = 'V', action = ArgAction::Version)]
    version: Option<bool>,

    #[command(flatten)]
    refused: Refused,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The options every subcommand takes too.
#[derive(Debug, Args)]
pub struct Common {
    /// The keepalived.conf to read (keepalived's -f, --use-file).
    #[arg(
        long,
        short = 'f',
        visible_alias = "use-file",
        value_name = "FILE",
        default_value = DEFAULT_CONFIG,
        global = true
    )]
    pub config: PathBuf,

    /// The control socket, where `vrrpd status`, `stats` and `reload` reach the daemon.
    #[arg(long, value_name = "PATH", default_value = DEFAULT_CONTROL, global = true)]
    pub control: PathBuf,

    /// Read the file's `@ID` lines where ID is this, and its `@^ID` lines where it is not
    /// (keepalived's -i; by default the host name up to its first dot).
    #[arg(long = "config-id", short = 'i', value_name = "ID", global = true)]
    pub config_id: Option<String>,
}

impl Common {
    /// The keepalived.conf at `path`, its conditional lines compared with `--config-id`.
    pub fn read(
        &self,
        path: &std::path::Path,
    ) -> Result<vrrp::keepalived::KeepalivedConfig, vrrp::keepalived::ConfigFileError> {
        let id = (self.config_id.clone()).or_else(vrrp::keepalived::default_config_id);
        vrrp::keepalived::parse_file_as(&vrrp::keepalived::SystemFiles, path, id.as_deref())
    }
}

/// keepalived's flags that have no meaning for vrrpd: accepted by the parser, then refused with
/// an explanation (see [`Cli::refusal`]).
#[derive(Debug, Args)]
struct Refused {
    #[arg(short = 'C', hide = true)]
    checkers_only: bool,
    #[arg(
        long = "log-facility",
        short = 'S',
        hide = true,
        value_name = "FACILITY"
    )]
    log_facility: Option<String>,
    #[arg(long = "checkers_pid", short = 'c', hide = true, value_name = "FILE")]
    checkers_pid: Option<PathBuf>,
    #[arg(long = "bfd", short = 'b', hide = true)]
    bfd: bool,
    #[arg(long = "bfd_pid", hide = true, value_name = "FILE")]
    bfd_pid: Option<PathBuf>,
    #[arg(long = "snmp", short = 'x', hide = true)]
    snmp: bool,
    #[arg(long = "namespace", short = 's', hide = true, value_name = "NAME")]
    namespace: Option<String>,
    #[arg(long = "release-vips", short = 'X', hide = true)]
    release_vips: bool,
    #[arg(long = "core-dump", short = 'm', hide = true)]
    core_dump: bool,
}

/// What to do.
#[derive(Debug, Subcommand, PartialEq, Eq)]
pub enum Command {
    /// Validate the configuration, print what it says and exit: 1 on any error.
    Check {
        /// Print the verdict as one JSON object instead: `ok`, `errors` and `warnings` (each with
        /// its file, line and column), and the instances read.
        #[arg(long)]
        json: bool,
    },
    /// What vrrpd does with each keyword of keepalived 2.4.3: honoured, ignored with a warning,
    /// or refused with the reason, as a Markdown table.
    Keywords,
    /// One line per virtual router from the running daemon: state, priorities, Master, since.
    Status {
        /// Print the reply as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The RFC 6527 counters of every virtual router and the router-wide ones.
    Stats {
        /// Print the reply as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Read the configuration again and apply what changed (as SIGHUP).
    Reload,
}

impl Cli {
    /// Reads the command line `args` (with the program name first). `Err` holds clap's error,
    /// which prints itself and knows its exit status.
    pub fn parse_from_args<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        Self::try_parse_from(args)
    }

    /// Why a keepalived flag given cannot be honoured, if one was.
    pub fn refusal(&self) -> Option<String> {
        let r = &self.refused;
        let why = if r.checkers_only {
            "-C (run only the checkers): vrrpd runs VRRP only; keepalived's --check is \
             vrrpd's configuration check"
        } else if r.log_facility.is_some() {
            "-S/--log-facility: vrrpd does not log to syslog; it logs to standard error, the \
             journal under systemd (see --log-file)"
        } else if r.checkers_pid.is_some() {
            "-c/--checkers_pid: vrrpd runs no checker process"
        } else if r.bfd || r.bfd_pid.is_some() {
            "-b/--bfd, --bfd_pid: vrrpd has no BFD"
        } else if r.snmp {
            "-x/--snmp: vrrpd has no SNMP agent"
        } else if r.namespace.is_some() {
            "-s/--namespace: start vrrpd inside the namespace instead (ip netns exec NAME vrrpd)"
        } else if r.release_vips {
            "-X/--release-vips: vrrpd releases its addresses at every stop"
        } else if r.core_dump {
            "-m/--core-dump: set LimitCORE= in the unit instead"
        } else {
            return None;
        };
        Some(format!("{why}; remove it from the command line"))
    }

    /// The subcommand, `--check` counting as `check`; `None` runs the daemon.
    pub fn command(&self) -> Option<&Command> {
        if self.check {
            Some(&Command::Check { json: false })
        } else {
            self.command.as_ref()
        }
    }

    /// The pid files to write.
    pub fn pid_files(&self) -> impl Iterator<Item = &PathBuf> {
        self.pid.iter().chain(&self.vrrp_pid)
    }
}

/// A whole number of seconds.
/// `--vip-lifetime`: a number of seconds, or `forever`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VipLifetime(pub Option<Duration>);

fn lifetime(value: &str) -> Result<VipLifetime, String> {
    match value {
        "forever" => Ok(VipLifetime(None)),
        seconds_text => seconds(seconds_text).map(|s| VipLifetime(Some(s))),
    }
}

fn seconds(value: &str) -> Result<Duration, String> {
    value
        .parse()
        .map(Duration::from_secs)
        .map_err(|_| format!("{value:?} is not a whole number of seconds"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;

    fn parse(args: &[&str]) -> Cli {
        let mut all = vec!["vrrpd"];
        all.extend_from_slice(args);
        Cli::parse_from_args(all).unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    fn error(args: &[&str]) -> ErrorKind {
        let mut all = vec!["vrrpd"];
        all.extend_from_slice(args);
        Cli::parse_from_args(all).expect_err("an error").kind()
    }

    #[test]
    fn runs_the_default_configuration_with_the_default_socket() {
        let cli = parse(&[]);
        assert_eq!(cli.common.config, PathBuf::from(DEFAULT_CONFIG));
        assert_eq!(cli.common.control, PathBuf::from(DEFAULT_CONTROL));
        assert_eq!(cli.command(), None);
        assert!(!cli.events && cli.vip_lifetime.is_none() && cli.refusal().is_none());
    }

    #[test]
    fn takes_the_configuration_as_keepalived_does() {
        for args in [
            &["--config", "a.conf"][..],
            &["-f", "a.conf"],
            &["--use-file", "a.conf"],
            &["--use-file=a.conf"],
            &["-fa.conf"],
        ] {
            assert_eq!(
                parse(args).common.config,
                PathBuf::from("a.conf"),
                "{args:?}"
            );
        }
    }

    #[test]
    fn check_is_a_subcommand_and_a_flag() {
        for args in [
            &["check", "--config", "a.conf"][..],
            &["--config", "a.conf", "check"],
            &["--check", "--config", "a.conf"],
            &["-t", "-f", "a.conf"],
            &["--config-test", "-f", "a.conf"],
        ] {
            let cli = parse(args);
            assert_eq!(
                cli.command(),
                Some(&Command::Check { json: false }),
                "{args:?}"
            );
            assert_eq!(cli.common.config, PathBuf::from("a.conf"), "{args:?}");
        }
    }

    #[test]
    fn check_takes_peer_files() {
        let cli = parse(&[
            "check", "-f", "a.conf", "--peer", "b.conf", "--peer", "c.conf",
        ]);
        assert_eq!(cli.command(), Some(&Command::Check { json: false }));
        assert_eq!(cli.peer, [PathBuf::from("b.conf"), PathBuf::from("c.conf")]);
    }

    #[test]
    fn the_client_commands_take_the_socket_and_json() {
        let cli = parse(&["status", "--control", "/tmp/c.sock", "--json"]);
        assert_eq!(cli.command(), Some(&Command::Status { json: true }));
        assert_eq!(cli.common.control, PathBuf::from("/tmp/c.sock"));
        assert_eq!(
            parse(&["stats"]).command(),
            Some(&Command::Stats { json: false })
        );
        let cli = parse(&["--control", "/tmp/d.sock", "reload"]);
        assert_eq!(cli.command(), Some(&Command::Reload));
        assert_eq!(cli.common.control, PathBuf::from("/tmp/d.sock"));
        let cli = parse(&["check", "--log-level", "debug", "-D", "-l", "-g", "/tmp/l"]);
        assert_eq!(cli.log_level.as_deref(), Some("debug"));
        assert!(cli.log_detail && cli.log_console);
        assert_eq!(cli.log_file, Some(PathBuf::from("/tmp/l")));
    }

    #[test]
    fn keeps_the_daemon_options() {
        let cli = parse(&[
            "--events",
            "--vip-lifetime",
            "30",
            "--log-level",
            "debug",
            "--log-file",
            "/tmp/vrrpd.log",
            "--control",
            "/tmp/c.sock",
        ]);
        assert!(cli.events);
        assert_eq!(
            cli.vip_lifetime,
            Some(VipLifetime(Some(Duration::from_secs(30))))
        );
        let forever = parse(&["--vip-lifetime", "forever"]);
        assert_eq!(forever.vip_lifetime, Some(VipLifetime(None)));
        assert_eq!(cli.log_level.as_deref(), Some("debug"));
        assert_eq!(cli.log_file, Some(PathBuf::from("/tmp/vrrpd.log")));
        assert_eq!(
            error(&["--vip-lifetime", "soon"]),
            ErrorKind::ValueValidation
        );
    }

    #[test]
    fn a_routed_interface_needs_a_vip_lifetime() {
        let cli = parse(&[
            "--vip-lifetime",
            "3",
            "--routed-interface",
            "vrrp-routed",
            "--routed-interface",
            "vrrp-routed6",
        ]);
        assert_eq!(cli.routed_interface, ["vrrp-routed", "vrrp-routed6"]);
        assert_eq!(
            error(&["--routed-interface", "vrrp-routed"]),
            ErrorKind::MissingRequiredArgument
        );
    }

    #[test]
    fn accepts_keepalived_daemon_flags() {
        let cli = parse(&["-D", "-l", "-n", "-P", "-G", "-B", "-R", "-d"]);
        assert!(cli.log_detail && cli.log_console && cli.dont_fork && cli.vrrp);
        assert!(cli.no_syslog && cli.no_bfd && cli.dont_respawn && cli.dump_conf);
        assert!(cli.refusal().is_none());
        let cli = parse(&[
            "-DlnP",
            "--log-detail",
            "--dont-fork",
            "--vrrp",
            "--log-console",
        ]);
        assert!(cli.log_detail && cli.log_console && cli.dont_fork && cli.vrrp);
        let cli = parse(&[
            "-p",
            "/run/a.pid",
            "--vrrp_pid",
            "/run/b.pid",
            "-g",
            "/tmp/l",
        ]);
        let pids: Vec<_> = cli.pid_files().cloned().collect();
        assert_eq!(
            pids,
            [PathBuf::from("/run/a.pid"), PathBuf::from("/run/b.pid")]
        );
        assert_eq!(cli.log_file, Some(PathBuf::from("/tmp/l")));
    }

    #[test]
    fn takes_keepalived_config_id() {
        let cli = parse(&["check", "-i", "lb1"]);
        assert_eq!(cli.common.config_id.as_deref(), Some("lb1"));
        assert_eq!(cli.refusal(), None);
    }

    #[test]
    fn refuses_keepalived_flags_without_meaning_here() {
        for (args, flag) in [
            (&["-C"][..], "-C"),
            (&["-S", "7"], "-S"),
            (&["--log-facility=0"], "-S"),
            (&["-c", "/run/c.pid"], "-c"),
            (&["--bfd"], "--bfd"),
            (&["-x"], "--snmp"),
            (&["--namespace", "blue"], "--namespace"),
            (&["-X"], "--release-vips"),
            (&["-m"], "--core-dump"),
        ] {
            let refusal = parse(args).refusal().unwrap_or_else(|| panic!("{args:?}"));
            assert!(refusal.contains(flag), "{args:?}: {refusal}");
            assert!(
                refusal.ends_with("remove it from the command line"),
                "{refusal}"
            );
        }
    }

    #[test]
    fn knows_help_version_and_unknown_flags() {
        assert_eq!(error(&["--help"]), ErrorKind::DisplayHelp);
        assert_eq!(error(&["--version"]), ErrorKind::DisplayVersion);
        assert_eq!(error(&["-v"]), ErrorKind::DisplayVersion);
        assert_eq!(error(&["-V"]), ErrorKind::DisplayVersion);
        assert_eq!(error(&["--frobnicate"]), ErrorKind::UnknownArgument);
        assert_eq!(error(&["--config"]), ErrorKind::InvalidValue);
    }
}
