//! Reads `global_defs`: the defaults instances take, and the settings of the whole daemon.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::Reader;
use crate::host::ANNOUNCE_PACE;
use crate::keepalived::lexer::Token;
use std::path::PathBuf;
use std::time::Duration;

use crate::keepalived::error::ErrorKind;
use crate::keepalived::model::{GlobalDefs, LifecycleScript, NotifyFifo, ScriptUser};
use crate::keepalived::syntax::Statement;

/// A `startup_script` or `shutdown_script` line (command and user) and its `_timeout`, as read.
type LifecycleLines = (Option<(String, Option<ScriptUser>)>, Option<Duration>);

pub(super) const GLOBAL_DEFS: &[&str] = &[
    "router_id",
    "vrrp_version",
    "vrrp_strict",
    "vrrp_skip_check_adv_addr",
    "vrrp_garp_interval",
    "vrrp_gna_interval",
    "vrrp_mcast_group4",
    "vrrp_mcast_group6",
    "vrrp_garp_master_delay",
    "vrrp_garp_master_repeat",
    "vrrp_garp_master_refresh",
    "vrrp_garp_master_refresh_repeat",
    "vrrp_lower_prio_no_advert",
    "vrrp_down_timer_adverts",
    "vrrp_owner_ignore_adverts",
    "default_interface",
    "vrrp_check_unicast_src",
    "v3_checksum_as_v2",
    "vrrp_min_garp",
    "vrrp_startup_delay",
    "vrrp_rt_priority",
    "vrrp_rlimit_rttime",
    "vrrp_rlimit_rtime",
    "vrrp_no_swap",
    "vrrp_cpu_affinity",
    "vrrp_priority",
    "max_auto_priority",
    "min_auto_priority_delay",
    "vrrp_delay_after_boot",
    "notify_fifo",
    "notify_fifo_script",
    "vrrp_notify_fifo",
    "vrrp_notify_fifo_script",
    "enable_script_security",
    "startup_script",
    "startup_script_timeout",
    "shutdown_script",
    "shutdown_script_timeout",
    "script_user",
];

impl Reader {
    pub(super) fn global_defs(&mut self, statement: &Statement) {
        let Some(block) = self.block(statement) else {
            return;
        };
        let mut global = GlobalDefs::default();
        let mut min_garp = false;
        let mut fifo_lines = Vec::new();
        // (script, timeout) of startup_script, then of shutdown_script.
        let mut lifecycle: [LifecycleLines; 2] = Default::default();
        for s in block {
            match s.keyword.text.as_str() {
                "router_id" => global.router_id = self.text(s),
                "vrrp_version" => {
                    global.vrrp_version = self.version(s);
                    self.vrrp_version_at = Some(s.keyword.location.clone());
                }
                "vrrp_strict" => global.strict = self.flag(s),
                "vrrp_skip_check_adv_addr" => global.skip_check_adv_addr = self.flag(s),
                "vrrp_garp_interval" | "vrrp_gna_interval" => {
                    if let Some(spacing) = self.seconds(s, true, 3600.0) {
                        let pace = ANNOUNCE_PACE.as_nanos();
                        if spacing.as_nanos() % pace != 0 {
                            // At most 3600 s: 360,000 rounds of 10 ms.
                            let rounds = spacing.as_nanos().div_ceil(pace) as u32;
                            self.warn(
                                &s.keyword.location,
                                format!(
                                    "`{}`: announcements go on a 10 ms clock, so they are \
                                     spaced {:?} apart",
                                    s.keyword.text,
                                    ANNOUNCE_PACE * rounds
                                ),
                            );
                        }
                        if s.keyword.text == "vrrp_garp_interval" {
                            global.garp_interval = spacing;
                        } else {
                            global.gna_interval = spacing;
                        }
                    }
                }
                "vrrp_mcast_group4" => {
                    const EXPECTED: &str = "an IPv4 multicast address";
                    if let Some(v) = self.value(s, EXPECTED) {
                        match v.text.parse::<Ipv4Addr>() {
                            Ok(group) if group.is_multicast() => global.mcast_group4 = Some(group),
                            _ => self.bad(s, v, EXPECTED),
                        }
                    }
                }
                "vrrp_mcast_group6" => {
                    const EXPECTED: &str = "an IPv6 multicast address of link-local scope (ffX2::)";
                    if let Some(v) = self.value(s, EXPECTED) {
                        match v.text.parse::<Ipv6Addr>() {
                            Ok(group) if link_local_group(group) => {
                                global.mcast_group6 = Some(group);
                            }
                            _ => self.bad(s, v, EXPECTED),
                        }
                    }
                }
                "vrrp_garp_master_delay"
                | "vrrp_garp_master_repeat"
                | "vrrp_garp_master_refresh"
                | "vrrp_garp_master_refresh_repeat" => {
                    self.announcement(s, &mut global.announcements);
                }
                "vrrp_lower_prio_no_advert" => global.lower_prio_no_advert = Some(self.flag(s)),
                "vrrp_down_timer_adverts" => {
                    global.down_timer_adverts = self.integer(s, 1..=100);
                    self.down_timer_at = Some(s.keyword.location.clone());
                }
                "vrrp_owner_ignore_adverts" => global.owner_ignore_adverts = self.flag(s),
                "default_interface" => global.default_interface = self.text(s),
                // Always so here; keepalived ignores any value after it.
                "vrrp_check_unicast_src" => {}
                // keepalived ignores a value here: `v3_checksum_as_v2 false` turns it on too.
                "v3_checksum_as_v2" => global.checksum_as_v2 = self.flag_ignoring_value(s),
                "notify_fifo"
                | "vrrp_notify_fifo"
                | "notify_fifo_script"
                | "vrrp_notify_fifo_script" => {
                    if let Some((word, user)) = self.word_and_user(s) {
                        fifo_lines.push((s.keyword.clone(), word, user));
                    }
                }
                "vrrp_rt_priority" => {
                    // keepalived clamps to 1..99 and says so; so does this.
                    if let Some(priority) = self.integer::<i64>(s, -9999..=9999) {
                        let clamped = priority.clamp(1, 99);
                        if clamped != priority {
                            self.warn(
                                &s.args[0].location,
                                format!("`vrrp_rt_priority` {priority} is taken as {clamped}, as keepalived takes it: real-time priorities are 1 to 99"),
                            );
                        }
                        global.scheduling.rt_priority = u8::try_from(clamped).ok();
                    }
                }
                "vrrp_rlimit_rttime" | "vrrp_rlimit_rtime" => {
                    if let Some(micros) = self.integer::<u64>(s, 2..=i64::from(u32::MAX)) {
                        global.scheduling.rlimit_rttime = Duration::from_micros(micros);
                    }
                }
                "vrrp_no_swap" => global.scheduling.no_swap = self.flag(s),
                "vrrp_cpu_affinity" => {
                    if let Some(cpus) = self.cpus(s) {
                        global.scheduling.cpu_affinity = cpus;
                    }
                }
                "vrrp_priority" => global.scheduling.nice = self.integer(s, -20..=19),
                // Without a value, the highest there is; 0 and -1 never raise it.
                "max_auto_priority" if s.args.is_empty() => {
                    if self.flag(s) {
                        global.scheduling.max_auto_priority = Some(99);
                    }
                }
                "max_auto_priority" => {
                    if let Some(max) = self.integer::<i16>(s, -1..=99) {
                        global.scheduling.max_auto_priority =
                            u8::try_from(max).ok().filter(|&m| m > 0);
                    }
                }
                "min_auto_priority_delay" => {
                    if let Some(micros) = self.integer::<u64>(s, 1..=10_000_000) {
                        global.scheduling.min_auto_priority_delay = Duration::from_micros(micros);
                    }
                }
                // keepalived refuses 0 for both.
                "vrrp_startup_delay" => global.startup_delay = self.seconds(s, false, 3600.0),
                "vrrp_delay_after_boot" => {
                    global.delay_after_boot = self.seconds(s, false, 86_400.0);
                }
                // One announcement, no second burst, no refresh: over the defaults only, as in
                // keepalived, so the garp_* lines win wherever they are written.
                "vrrp_min_garp" => {
                    if self.flag(s) {
                        min_garp = true;
                    }
                }
                "enable_script_security" => global.script_security = self.flag(s),
                "startup_script" | "shutdown_script" => {
                    let slot = &mut lifecycle[usize::from(s.keyword.text == "shutdown_script")];
                    if slot.0.is_some() {
                        // keepalived keeps the first, with an error.
                        let why = format!(
                            "a second `{}` is not run, as keepalived runs the first only",
                            s.keyword.text
                        );
                        self.warn(&s.keyword.location, why);
                    } else {
                        slot.0 = self.word_and_user(s);
                    }
                }
                "startup_script_timeout" | "shutdown_script_timeout" => {
                    let slot = usize::from(s.keyword.text == "shutdown_script_timeout");
                    if let Some(seconds) = self.integer::<u64>(s, 1..=1000) {
                        lifecycle[slot].1 = Some(Duration::from_secs(seconds));
                    }
                }
                "script_user" => global.script_user = self.user(s),
                _ => self.other(s, "global_defs", GLOBAL_DEFS),
            }
        }
        global.notify_fifos = self.notify_fifos(fifo_lines);
        let [startup, shutdown] = lifecycle.map(|(script, timeout)| {
            script.map(|(command, user)| LifecycleScript {
                command,
                user,
                timeout: timeout.unwrap_or(Duration::from_secs(10)),
            })
        });
        global.startup_script = startup;
        global.shutdown_script = shutdown;
        if min_garp {
            let defaults = crate::Announcements::default();
            let a = &mut global.announcements;
            if a.repeat == defaults.repeat {
                a.repeat = 1;
            }
            if a.second_burst == defaults.second_burst {
                a.second_burst = None;
            }
        }
        self.config.global = global;
    }

    /// `vrrp_cpu_affinity CPU...`: CPU numbers as /proc/cpuinfo counts them.
    fn cpus(&mut self, s: &Statement) -> Option<Vec<usize>> {
        const EXPECTED: &str = "CPU numbers (0, 1, ...)";
        self.no_block(s)?;
        let words = self.words(s, 1..=1024, EXPECTED)?;
        let mut cpus = Vec::new();
        for word in words {
            match word.text.parse::<u16>() {
                Ok(cpu) => cpus.push(usize::from(cpu)),
                Err(_) => {
                    self.bad(s, word, EXPECTED);
                    return None;
                }
            }
        }
        Some(cpus)
    }

    /// `WORD [USER [GROUP]]`, the form of the FIFO lines.
    fn word_and_user(&mut self, s: &Statement) -> Option<(String, Option<ScriptUser>)> {
        self.no_block(s)?;
        let words = self.words(
            s,
            1..=3,
            "a path or command, then optionally a user and a group",
        )?;
        let user = words.get(1).map(|user| ScriptUser {
            user: user.text.clone(),
            group: words.get(2).map(|g| g.text.clone()),
        });
        Some((words[0].text.clone(), user))
    }

    /// The FIFOs that `notify_fifo`, `vrrp_notify_fifo` and their `_script` lines make: a script
    /// without its FIFO is an error, and so are two FIFOs at one path.
    fn notify_fifos(&mut self, lines: Vec<(Token, String, Option<ScriptUser>)>) -> Vec<NotifyFifo> {
        let mut fifos: Vec<NotifyFifo> = Vec::new();
        for kind in ["notify_fifo", "vrrp_notify_fifo"] {
            let script_keyword = format!("{kind}_script");
            let fifo = lines.iter().rev().find(|(k, _, _)| k.text == kind);
            let script = lines
                .iter()
                .rev()
                .find(|(k, _, _)| k.text == script_keyword);
            match (fifo, script) {
                (Some((at, path, owner)), script) => {
                    if let Some(other) = fifos.iter().find(|f| f.path.as_os_str() == path.as_str())
                    {
                        self.fail(
                            at,
                            ErrorKind::Invalid(format!(
                                "`{kind}` {path} is the FIFO of {} too: each needs its own",
                                other.location
                            )),
                        );
                        continue;
                    }
                    fifos.push(NotifyFifo {
                        path: PathBuf::from(path),
                        owner: owner.clone(),
                        script: script.map(|(_, command, _)| command.clone()),
                        script_user: script.and_then(|(_, _, user)| user.clone()),
                        location: at.location.clone(),
                    });
                }
                (None, Some((at, _, _))) => self.fail(
                    at,
                    ErrorKind::Invalid(format!(
                        "`{script_keyword}` reads the FIFO that `{kind}` names, and there is none"
                    )),
                ),
                (None, None) => {}
            }
        }
        fifos
    }
}

/// Whether `group` is an IPv6 multicast address of link-local scope (`ffX2::/16`), the only
/// ones VRRP adverts may go to.
pub(super) fn link_local_group(group: Ipv6Addr) -> bool {
    group.segments()[0] & 0xff0f == 0xff02
}
