//! Tracked processes, as keepalived's `vrrp_track_process`: how many running processes match a
//! name (and optionally arguments), and whether that count is within a quorum.
//!
//! Matching, the quorum and the delays are pure ([`Process::matches`], [`Process::counts_as_good`],
//! [`ProcessState`]); [`scan`] reads what is running from `/proc`. keepalived follows processes
//! through the kernel's process events; a [`Tracker`](super::Tracker) started with
//! [`Tracker::start`](super::Tracker::start) scans `/proc` every [`PROCESS_POLL`] instead.

use std::path::Path;
use std::time::{Duration, Instant};

/// How often a started [`Tracker`](super::Tracker) scans `/proc` for its tracked processes.
pub const PROCESS_POLL: Duration = Duration::from_secs(1);

/// The kernel keeps the first 15 bytes of a process's name (`/proc/PID/comm`).
const COMM_LEN: usize = 15;

/// How a process's arguments must match the configured ones (keepalived's `param_match`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ParamMatch {
    /// Exactly the configured arguments, no more (keepalived's default once arguments are given,
    /// and, with none given, `param_match` alone: no arguments at all).
    #[default]
    Exact,
    /// The first arguments are the configured ones; more may follow (`param_match partial`).
    Partial,
    /// As `Partial`, and the last configured argument may be the start of the process's
    /// (`param_match initial`).
    Initial,
}

/// A running process as [`scan`] sees it: its name and its command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcessInfo {
    /// `/proc/PID/comm`: the name the kernel keeps, at most 15 bytes.
    pub comm: String,
    /// `/proc/PID/cmdline` split at its NULs: `argv[0]` first; empty for kernel threads.
    pub argv: Vec<String>,
}

/// What to look for among the running processes, and how many of them make the check good.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Process {
    /// The name: matched against the process's name (`comm`, whose 15 bytes are compared with
    /// the name's first 15), its `argv[0]` and `argv[0]`'s base name. A name with a `/` matches
    /// `argv[0]` only.
    pub name: String,
    /// The arguments to match, if any (see [`param_match`](Self::param_match)).
    pub parameters: Vec<String>,
    /// How arguments match; `None` with no parameters means any arguments.
    pub param_match: Option<ParamMatch>,
    /// keepalived's `full_command`: match `argv[0]` (exactly, or its base name), never `comm`.
    pub full_command: bool,
    /// The fewest matching processes for the check to be good (`quorum`, default 1).
    pub quorum: u32,
    /// The most matching processes for the check to be good (`quorum_max`, default none).
    pub quorum_max: Option<u32>,
    /// How long the count must stay good before a failing check turns good (`fork_delay`).
    pub fork_delay: Duration,
    /// How long the count must stay bad before a good check turns failing (`terminate_delay`).
    pub terminate_delay: Duration,
}

impl Process {
    /// Processes named `name`, any arguments, at least one running, no delays.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.into(),
            parameters: Vec::new(),
            param_match: None,
            full_command: false,
            quorum: 1,
            quorum_max: None,
            fork_delay: Duration::ZERO,
            terminate_delay: Duration::ZERO,
        }
    }

    /// Only processes with these arguments, matched as `how` says.
    pub fn parameters(mut self, parameters: Vec<String>, how: ParamMatch) -> Self {
        self.parameters = parameters;
        self.param_match = Some(how);
        self
    }

    /// Good while `min` to `max` (no limit for `None`) processes match.
    pub fn quorum(mut self, min: u32, max: Option<u32>) -> Self {
        self.quorum = min;
        self.quorum_max = max;
        self
    }

    /// The delays before the check turns good (`fork`) or failing (`terminate`).
    pub fn delays(mut self, fork: Duration, terminate: Duration) -> Self {
        self.fork_delay = fork;
        self.terminate_delay = terminate;
        self
    }

    /// Whether `process` is one of those looked for.
    pub fn matches(&self, process: &ProcessInfo) -> bool {
        let argv0 = process.argv.first().map(String::as_str);
        let base = argv0.map(|a| a.rsplit('/').next().unwrap_or(a));
        let named = if self.name.contains('/') {
            argv0 == Some(self.name.as_str())
        } else {
            let comm = !self.full_command
                && !process.comm.is_empty()
                && process.comm.as_bytes() == truncated(&self.name);
            comm || argv0 == Some(self.name.as_str()) || base == Some(self.name.as_str())
        };
        named && self.arguments_match(process.argv.get(1..).unwrap_or_default())
    }

    fn arguments_match(&self, args: &[String]) -> bool {
        let Some(how) = self.param_match else {
            return true;
        };
        let wanted = &self.parameters;
        match how {
            ParamMatch::Exact => args == wanted.as_slice(),
            ParamMatch::Partial => args.starts_with(wanted),
            ParamMatch::Initial => match wanted.split_last() {
                None => true,
                Some((last, first)) => {
                    args.len() >= wanted.len()
                        && args.starts_with(first)
                        && args[first.len()].starts_with(last.as_str())
                }
            },
        }
    }

    /// Whether `count` matching processes make the check good.
    pub fn counts_as_good(&self, count: usize) -> bool {
        let count = u32::try_from(count).unwrap_or(u32::MAX);
        count >= self.quorum && self.quorum_max.is_none_or(|max| count <= max)
    }

    /// How many of `running` match.
    pub fn count<'a>(&self, running: impl IntoIterator<Item = &'a ProcessInfo>) -> usize {
        running.into_iter().filter(|p| self.matches(p)).count()
    }
}

/// The first 15 bytes of `name`, as the kernel keeps a process's name.
fn truncated(name: &str) -> &[u8] {
    let bytes = name.as_bytes();
    &bytes[..bytes.len().min(COMM_LEN)]
}

/// A tracked process's state over time: the count's verdict must hold for the process's
/// `fork_delay` (turning good) or `terminate_delay` (turning failing) before the state changes.
#[derive(Clone, Debug)]
pub struct ProcessState {
    good: bool,
    /// Since when the count has said otherwise than `good`.
    pending: Option<Instant>,
}

impl ProcessState {
    /// A state that starts `good`.
    pub fn new(good: bool) -> Self {
        Self {
            good,
            pending: None,
        }
    }

    /// Whether the check is good.
    pub fn good(&self) -> bool {
        self.good
    }

    /// Records that `count` processes matched `process` at `now`; the new state, if it changed.
    pub fn record(&mut self, process: &Process, count: usize, now: Instant) -> Option<bool> {
        let verdict = process.counts_as_good(count);
        if verdict == self.good {
            self.pending = None;
            return None;
        }
        let since = *self.pending.get_or_insert(now);
        let delay = if verdict {
            process.fork_delay
        } else {
            process.terminate_delay
        };
        if now.duration_since(since) >= delay {
            self.good = verdict;
            self.pending = None;
            return Some(verdict);
        }
        None
    }
}

/// The running processes under `proc_root` (normally `/proc`): every numeric directory whose
/// `stat` can be read and says it is not a zombie. A process that ends while being read is left
/// out.
pub fn scan(proc_root: &Path) -> Vec<ProcessInfo> {
    let Ok(entries) = std::fs::read_dir(proc_root) else {
        return Vec::new();
    };
    let mut running = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name
            .to_str()
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        {
            continue;
        }
        let dir = entry.path();
        let Ok(stat) = std::fs::read(dir.join("stat")) else {
            continue;
        };
        let Some((comm, state)) = parse_stat(&stat) else {
            continue;
        };
        if state == 'Z' || state == 'X' {
            continue;
        }
        let argv = std::fs::read(dir.join("cmdline"))
            .map(|c| parse_cmdline(&c))
            .unwrap_or_default();
        running.push(ProcessInfo { comm, argv });
    }
    running
}

/// The name and state letter in `/proc/PID/stat`: `PID (NAME) S ...`, where the name may hold
/// spaces and parentheses (so it ends at the last `)`).
fn parse_stat(stat: &[u8]) -> Option<(String, char)> {
    let text = String::from_utf8_lossy(stat);
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_string();
    let state = text.get(close + 1..)?.trim_start().chars().next()?;
    Some((comm, state))
}

/// `/proc/PID/cmdline`'s arguments: NUL-terminated strings.
fn parse_cmdline(cmdline: &[u8]) -> Vec<String> {
    cmdline
        .strip_suffix(b"\0")
        .unwrap_or(cmdline)
        .split(|&b| b == 0)
        .filter(|_| !cmdline.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(comm: &str, argv: &[&str]) -> ProcessInfo {
        ProcessInfo {
            comm: comm.into(),
            argv: argv.iter().map(|a| (*a).to_string()).collect(),
        }
    }

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| (*a).to_string()).collect()
    }

    #[test]
    fn a_name_matches_the_process_name_argv0_or_its_base_name_and_nothing_longer() {
        let nginx = Process::new("nginx");
        assert!(nginx.matches(&info("nginx", &["nginx: worker process"])));
        assert!(nginx.matches(&info("other", &["/usr/sbin/nginx", "-g", "x"])));
        assert!(nginx.matches(&info("other", &["nginx"])));
        assert!(!nginx.matches(&info("nginx-debug", &["/usr/sbin/nginx-debug"])));
        assert!(!nginx.matches(&info("ngin", &["ngin"])));
        // A kernel thread has a name and no command line.
        assert!(Process::new("kthreadd").matches(&info("kthreadd", &[])));
        // The kernel keeps 15 bytes of the name.
        let long = Process::new("a-very-long-daemon-name");
        assert!(long.matches(&info("a-very-long-dae", &["/opt/x"])));
        // A path matches argv[0] only.
        let path = Process::new("/usr/sbin/nginx");
        assert!(path.matches(&info("nginx", &["/usr/sbin/nginx"])));
        assert!(!path.matches(&info("nginx", &["nginx"])));
        assert!(!path.matches(&info("nginx", &["/usr/local/sbin/nginx"])));
    }

    #[test]
    fn full_command_ignores_the_process_name() {
        let mut process = Process::new("haproxy");
        process.full_command = true;
        assert!(!process.matches(&info("haproxy", &["/usr/bin/other"])));
        assert!(process.matches(&info("x", &["/usr/sbin/haproxy", "-f", "cfg"])));
    }

    #[test]
    fn arguments_match_exactly_by_default_or_by_their_start_with_partial_and_initial() {
        let args = words(&["-f", "/etc/haproxy.cfg"]);
        let argv = |rest: &[&str]| {
            let mut all = vec!["/usr/sbin/haproxy"];
            all.extend_from_slice(rest);
            info("haproxy", &all)
        };
        let exact = Process::new("haproxy").parameters(args.clone(), ParamMatch::Exact);
        assert!(exact.matches(&argv(&["-f", "/etc/haproxy.cfg"])));
        assert!(!exact.matches(&argv(&["-f", "/etc/haproxy.cfg", "-D"])));
        assert!(!exact.matches(&argv(&["-f"])));
        assert!(!exact.matches(&argv(&["-f", "/etc/haproxy.cfg.bak"])));

        let partial = Process::new("haproxy").parameters(args.clone(), ParamMatch::Partial);
        assert!(partial.matches(&argv(&["-f", "/etc/haproxy.cfg", "-D"])));
        assert!(!partial.matches(&argv(&["-f", "/etc/haproxy.cfg.bak"])));
        assert!(!partial.matches(&argv(&["-D", "-f", "/etc/haproxy.cfg"])));

        let initial =
            Process::new("haproxy").parameters(words(&["-f", "/etc/ha"]), ParamMatch::Initial);
        assert!(initial.matches(&argv(&["-f", "/etc/haproxy.cfg", "-D"])));
        assert!(!initial.matches(&argv(&["-f"])));
        assert!(!initial.matches(&argv(&["-x", "/etc/haproxy.cfg"])));

        // `param_match` alone: no arguments at all; no `param_match`: any.
        let none = Process::new("haproxy").parameters(Vec::new(), ParamMatch::Exact);
        assert!(none.matches(&argv(&[])));
        assert!(!none.matches(&argv(&["-D"])));
        assert!(Process::new("haproxy").matches(&argv(&["-D"])));
    }

    #[test]
    fn the_check_is_good_while_the_count_is_within_the_quorum() {
        let default = Process::new("p");
        assert!(!default.counts_as_good(0));
        assert!(default.counts_as_good(1));
        assert!(default.counts_as_good(50));
        let two_to_three = Process::new("p").quorum(2, Some(3));
        let verdicts: Vec<bool> = (0..5).map(|n| two_to_three.counts_as_good(n)).collect();
        assert_eq!(verdicts, [false, false, true, true, false]);
        // quorum_max 0: good only while none runs.
        let absent = Process::new("p").quorum(0, Some(0));
        assert!(absent.counts_as_good(0) && !absent.counts_as_good(1));
        let running = [
            info("p", &["p"]),
            info("q", &["q"]),
            info("p", &["/bin/p", "x"]),
        ];
        assert_eq!(default.count(&running), 2);
    }

    #[test]
    fn a_change_holds_for_its_delay_before_it_counts() {
        let process = Process::new("p").delays(Duration::from_secs(2), Duration::from_secs(5));
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        let mut state = ProcessState::new(true);
        assert_eq!(state.record(&process, 0, at(0)), None);
        assert_eq!(state.record(&process, 0, at(4)), None);
        // Back before the terminate delay: nothing happened.
        assert_eq!(state.record(&process, 1, at(4)), None);
        assert_eq!(state.record(&process, 0, at(5)), None);
        assert_eq!(state.record(&process, 0, at(10)), Some(false));
        assert!(!state.good());
        assert_eq!(state.record(&process, 1, at(11)), None);
        assert_eq!(state.record(&process, 1, at(13)), Some(true));
        // No delay: at once.
        let mut at_once = ProcessState::new(true);
        assert_eq!(at_once.record(&Process::new("p"), 0, at(0)), Some(false));
    }

    #[test]
    fn stat_and_cmdline_are_read_as_the_kernel_writes_them() {
        assert_eq!(
            parse_stat(b"1234 (my (odd) name) S 1 1234 1234 0 -1"),
            Some(("my (odd) name".into(), 'S'))
        );
        assert_eq!(parse_stat(b"77 (zombie) Z 1"), Some(("zombie".into(), 'Z')));
        assert_eq!(parse_stat(b"garbage"), None);
        assert_eq!(
            parse_cmdline(b"sleep\0x1000\0--tag x\0"),
            words(&["sleep", "x1000", "--tag x"])
        );
        assert_eq!(parse_cmdline(b""), Vec::<String>::new());
        // A process that rewrote its command line without the final NUL.
        assert_eq!(parse_cmdline(b"nginx: master"), words(&["nginx: master"]));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn scanning_proc_finds_this_test_process() {
        let running = scan(Path::new("/proc"));
        let me = std::env::current_exe().expect("the test binary");
        let name = me.file_name().and_then(|n| n.to_str()).expect("a name");
        assert!(
            Process::new(name).count(&running) >= 1,
            "{name} in {running:?}"
        );
        assert_eq!(Process::new("no-such-process-anywhere").count(&running), 0);
    }
}
