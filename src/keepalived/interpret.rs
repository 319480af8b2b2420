//! Statements into a [`KeepalivedConfig`]: every keyword checked against its block, every value
//! against its type and range, every reference against its definition. Mistakes are collected,
//! not stopped at, so that one run names them all.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::time::Duration;

use super::error::{ErrorKind, Location, ParseError, Warning};
use super::lexer::Token;
use super::model::{
    GlobalDefs, KeepalivedConfig, Notify, ScriptUser, SyncGroup, TrackFile, Tracked, VirtualIp,
    VrrpInstance, VrrpScript,
};
use super::syntax::Statement;
use crate::host::AddressScope;
use crate::packet::{Password, Version};
use crate::{AddressFamily, Announcements};

const TOP_LEVEL: &[&str] = &[
    "global_defs",
    "vrrp_script",
    "vrrp_track_file",
    "vrrp_instance",
    "vrrp_sync_group",
    "virtual_server",
    "virtual_server_group",
    "static_ipaddress",
    "static_routes",
    "static_rules",
];

const GLOBAL_DEFS: &[&str] = &[
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
    "enable_script_security",
    "script_user",
    "notification_email",
    "notification_email_from",
    "smtp_server",
    "smtp_connect_timeout",
    "smtp_helo_name",
];

const SCRIPT: &[&str] = &[
    "script", "interval", "timeout", "weight", "rise", "fall", "user",
];

const TRACK_FILE: &[&str] = &["file", "weight"];

const INSTANCE: &[&str] = &[
    "state",
    "interface",
    "virtual_router_id",
    "priority",
    "advert_int",
    "version",
    "nopreempt",
    "preempt",
    "preempt_delay",
    "accept",
    "no_accept",
    "authentication",
    "virtual_ipaddress",
    "virtual_ipaddress_excluded",
    "unicast_src_ip",
    "unicast_peer",
    "use_vmac",
    "garp_master_delay",
    "garp_master_repeat",
    "garp_master_refresh",
    "track_interface",
    "track_script",
    "track_file",
    "notify_master",
    "notify_backup",
    "notify_fault",
    "notify_stop",
    "notify",
    "smtp_alert",
];

const SYNC_GROUP: &[&str] = &[
    "group",
    "notify_master",
    "notify_backup",
    "notify_fault",
    "notify_stop",
    "notify",
    "track_interface",
    "track_script",
    "track_file",
    "smtp_alert",
];

/// Interprets the statements of a whole file.
pub(crate) fn interpret(statements: &[Statement]) -> Result<KeepalivedConfig, Vec<ParseError>> {
    let mut reader = Reader::default();
    // global_defs first, wherever it is: instances take their defaults from it.
    for statement in statements {
        if statement.keyword.text == "global_defs" {
            reader.global_defs(statement);
        }
    }
    for statement in statements {
        let keyword = statement.keyword.text.as_str();
        match keyword {
            "global_defs" => {}
            "vrrp_script" => reader.script(statement),
            "vrrp_track_file" => reader.track_file(statement),
            "vrrp_instance" => reader.instance(statement),
            "vrrp_sync_group" => reader.sync_group(statement),
            "virtual_server" | "virtual_server_group" => reader.warn(
                &statement.keyword.location,
                format!(
                    "`{keyword}` (LVS) is not handled by this crate; the VRRP part runs without it"
                ),
            ),
            "static_ipaddress" | "static_routes" | "static_rules" => reader.fail(
                &statement.keyword,
                ErrorKind::Unsupported {
                    keyword: keyword.into(),
                    why: "configure static addresses, routes and rules outside the VRRP daemon"
                        .into(),
                },
            ),
            _ => reader.unknown(&statement.keyword, "the top level", TOP_LEVEL),
        }
    }
    reader.check_references();
    if reader.errors.is_empty() {
        Ok(reader.config)
    } else {
        reader.errors.sort_by(|a, b| {
            (&a.location.file, a.location.line, a.location.column).cmp(&(
                &b.location.file,
                b.location.line,
                b.location.column,
            ))
        });
        Err(reader.errors)
    }
}

#[derive(Default)]
struct Reader {
    config: KeepalivedConfig,
    errors: Vec<ParseError>,
    /// Sync-group members, checked once every instance is read.
    pending_members: Vec<Token>,
    /// Instances defined with mistakes (already reported): references to them are not undefined.
    broken_instances: Vec<String>,
}

impl Reader {
    fn fail(&mut self, at: &Token, kind: ErrorKind) {
        self.errors.push(ParseError::new(at.location.clone(), kind));
    }

    fn warn(&mut self, at: &Location, message: String) {
        self.config.warnings.push(Warning {
            location: at.clone(),
            message,
        });
    }

    fn unknown(&mut self, keyword: &Token, block: &str, known: &'static [&'static str]) {
        self.fail(
            keyword,
            ErrorKind::UnknownKeyword {
                keyword: keyword.text.clone(),
                block: block.into(),
                suggestion: closest(&keyword.text, known),
            },
        );
    }

    /// The words after a keyword, if there are as many as `count` allows; otherwise an error at
    /// the keyword (too few: it needs `expected`) or at the first extra word.
    fn words<'s>(
        &mut self,
        statement: &'s Statement,
        count: RangeInclusive<usize>,
        expected: &str,
    ) -> Option<&'s [Token]> {
        let args = statement.args.as_slice();
        if args.len() < *count.start() {
            self.fail(
                &statement.keyword,
                ErrorKind::MissingValue {
                    keyword: statement.keyword.text.clone(),
                    expected: expected.into(),
                },
            );
            return None;
        }
        if let Some(extra) = args.get(*count.end()) {
            self.fail(
                extra,
                ErrorKind::ExtraValue {
                    keyword: statement.keyword.text.clone(),
                    extra: extra.text.clone(),
                },
            );
            return None;
        }
        Some(args)
    }

    /// The one value after a keyword without a block, or an error.
    fn value<'s>(&mut self, statement: &'s Statement, expected: &str) -> Option<&'s Token> {
        self.no_block(statement)?;
        self.words(statement, 1..=1, expected)?.first()
    }

    /// A keyword that takes nothing at all.
    fn flag(&mut self, statement: &Statement) -> bool {
        self.no_block(statement).is_some() && self.words(statement, 0..=0, "nothing").is_some()
    }

    fn no_block(&mut self, statement: &Statement) -> Option<()> {
        if statement.block.is_some() {
            self.fail(
                &statement.keyword,
                ErrorKind::UnexpectedBlock {
                    keyword: statement.keyword.text.clone(),
                },
            );
            return None;
        }
        Some(())
    }

    fn block<'s>(&mut self, statement: &'s Statement) -> Option<&'s [Statement]> {
        match &statement.block {
            Some(block) => Some(block),
            None => {
                self.fail(
                    &statement.keyword,
                    ErrorKind::MissingBlock {
                        keyword: statement.keyword.text.clone(),
                    },
                );
                None
            }
        }
    }

    fn bad(&mut self, statement: &Statement, value: &Token, expected: &str) {
        self.fail(
            value,
            ErrorKind::BadValue {
                keyword: statement.keyword.text.clone(),
                value: value.text.clone(),
                expected: expected.into(),
            },
        );
    }

    /// An integer in `range`.
    fn integer<T: TryFrom<i64> + Copy>(
        &mut self,
        statement: &Statement,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<T> {
        let expected = format!("a whole number from {} to {}", range.start(), range.end());
        let value = self.value(statement, &expected)?;
        match value.text.parse::<i64>() {
            Ok(n) if range.contains(&n) => T::try_from(n).ok(),
            _ => {
                self.bad(statement, value, &expected);
                None
            }
        }
    }

    /// Seconds, fractions allowed, at most `max`; zero only if `zero_ok`.
    fn seconds(&mut self, statement: &Statement, zero_ok: bool, max: f64) -> Option<Duration> {
        let expected = if zero_ok {
            format!("a number of seconds from 0 to {max}")
        } else {
            format!("a number of seconds above 0, at most {max}")
        };
        let value = self.value(statement, &expected)?;
        match decimal_seconds(&value.text) {
            Some(d) if d.as_secs_f64() <= max && (!d.is_zero() || zero_ok) => Some(d),
            _ => {
                self.bad(statement, value, &expected);
                None
            }
        }
    }

    fn text(&mut self, statement: &Statement) -> Option<String> {
        self.value(statement, "a value").map(|t| t.text.clone())
    }

    fn global_defs(&mut self, statement: &Statement) {
        let Some(block) = self.block(statement) else {
            return;
        };
        let mut global = GlobalDefs::default();
        for s in block {
            match s.keyword.text.as_str() {
                "router_id" => global.router_id = self.text(s),
                "vrrp_version" => {
                    global.vrrp_version = match self.integer::<u8>(s, 2..=3) {
                        Some(2) => Some(Version::V2),
                        Some(_) => Some(Version::V3),
                        None => None,
                    }
                }
                "vrrp_strict" => global.strict = self.flag(s),
                "vrrp_skip_check_adv_addr" => global.skip_check_adv_addr = self.flag(s),
                "vrrp_garp_interval" | "vrrp_gna_interval" => {
                    if let Some(delay) = self.seconds(s, true, 1.0)
                        && !delay.is_zero()
                    {
                        self.fail(
                            &s.keyword,
                            ErrorKind::Unsupported {
                                keyword: s.keyword.text.clone(),
                                why: "announcements of a burst go out back to back; only 0 can \
                                      be honoured"
                                    .into(),
                            },
                        );
                    }
                }
                "vrrp_mcast_group4" => {
                    if let Some(v) = self.value(s, "an IPv4 multicast address")
                        && v.text.parse::<Ipv4Addr>().ok() != Some(Ipv4Addr::new(224, 0, 0, 18))
                    {
                        self.unsupported_group(s, v, "224.0.0.18");
                    }
                }
                "vrrp_mcast_group6" => {
                    if let Some(v) = self.value(s, "an IPv6 multicast address")
                        && v.text.parse::<Ipv6Addr>().ok()
                            != Some(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12))
                    {
                        self.unsupported_group(s, v, "ff02::12");
                    }
                }
                "vrrp_garp_master_delay" => {
                    global.announcements.second_burst = self.burst_delay(s);
                }
                "vrrp_garp_master_repeat" => {
                    if let Some(n) = self.integer(s, 1..=255) {
                        global.announcements.repeat = n;
                    }
                }
                "vrrp_garp_master_refresh" => {
                    global.announcements.refresh = self.refresh(s);
                }
                "enable_script_security" => global.script_security = self.flag(s),
                "script_user" => global.script_user = self.user(s),
                "notification_email"
                | "notification_email_from"
                | "smtp_server"
                | "smtp_connect_timeout"
                | "smtp_helo_name" => self.unused_mail(s),
                _ => self.unknown(&s.keyword, "global_defs", GLOBAL_DEFS),
            }
        }
        self.config.global = global;
    }

    fn unsupported_group(&mut self, statement: &Statement, value: &Token, standard: &str) {
        self.fail(
            value,
            ErrorKind::Unsupported {
                keyword: statement.keyword.text.clone(),
                why: format!("only the standard group {standard} is used"),
            },
        );
    }

    fn unused_mail(&mut self, statement: &Statement) {
        self.warn(
            &statement.keyword.location,
            format!(
                "`{}`: mail alerts are not sent by this crate; use notify scripts",
                statement.keyword.text
            ),
        );
    }

    /// `garp_master_delay`: 0 means no second burst.
    fn burst_delay(&mut self, statement: &Statement) -> Option<Duration> {
        self.seconds(statement, true, 3600.0)
            .filter(|d| !d.is_zero())
    }

    /// `garp_master_refresh`: 0 means none.
    fn refresh(&mut self, statement: &Statement) -> Option<Duration> {
        self.seconds(statement, true, 86_400.0)
            .filter(|d| !d.is_zero())
    }

    fn user(&mut self, statement: &Statement) -> Option<ScriptUser> {
        self.no_block(statement)?;
        let words = self.words(statement, 1..=2, "a user name and optionally a group")?;
        Some(ScriptUser {
            user: words[0].text.clone(),
            group: words.get(1).map(|g| g.text.clone()),
        })
    }

    /// The name and block of a definition (`vrrp_instance NAME { ... }`), unless either is
    /// missing or the name is taken by an earlier definition of its kind.
    fn definition<'s>(
        &mut self,
        statement: &'s Statement,
        what: &'static str,
    ) -> Option<(String, &'s [Statement])> {
        let name = self
            .words(statement, 1..=1, "a name")
            .map(|w| w[0].text.clone());
        let block = self.block(statement);
        let (name, block) = (name?, block?);
        (!self.defined_twice(statement, what, &name)).then_some((name, block))
    }

    fn defined_twice(&mut self, statement: &Statement, what: &'static str, name: &str) -> bool {
        let first = match what {
            "vrrp_script" => self.config.script(name).map(|s| s.location.clone()),
            "vrrp_track_file" => self.config.track_file(name).map(|t| t.location.clone()),
            "vrrp_instance" => self.config.instance(name).map(|i| i.location.clone()),
            _ => self
                .config
                .sync_groups
                .iter()
                .find(|g| g.name == name)
                .map(|g| g.location.clone()),
        };
        if let Some(first) = first {
            self.fail(
                &statement.args[0],
                ErrorKind::Duplicate {
                    what,
                    name: name.into(),
                    first,
                },
            );
            return true;
        }
        false
    }

    fn script(&mut self, statement: &Statement) {
        let Some((name, block)) = self.definition(statement, "vrrp_script") else {
            return;
        };
        let mut script = VrrpScript {
            name,
            location: statement.args[0].location.clone(),
            script: String::new(),
            interval: Duration::from_secs(1),
            timeout: None,
            weight: 0,
            rise: 1,
            fall: 1,
            user: None,
        };
        let mut has_script = false;
        for s in block {
            match s.keyword.text.as_str() {
                "script" => {
                    if let Some(command) = self.text(s) {
                        script.script = command;
                        has_script = true;
                    }
                }
                "interval" => {
                    if let Some(interval) = self.seconds(s, false, 86_400.0) {
                        script.interval = interval;
                    }
                }
                "timeout" => script.timeout = self.seconds(s, false, 86_400.0),
                "weight" => {
                    if let Some(weight) = self.integer(s, -253..=253) {
                        script.weight = weight;
                    }
                }
                "rise" => {
                    if let Some(rise) = self.integer(s, 1..=1_000_000) {
                        script.rise = rise;
                    }
                }
                "fall" => {
                    if let Some(fall) = self.integer(s, 1..=1_000_000) {
                        script.fall = fall;
                    }
                }
                "user" => script.user = self.user(s),
                _ => self.unknown(&s.keyword, "vrrp_script", SCRIPT),
            }
        }
        if !has_script {
            self.fail(
                &statement.keyword,
                ErrorKind::Required {
                    block: format!("vrrp_script {}", script.name),
                    keyword: "script",
                },
            );
        }
        self.config.scripts.push(script);
    }

    fn track_file(&mut self, statement: &Statement) {
        let Some((name, block)) = self.definition(statement, "vrrp_track_file") else {
            return;
        };
        let mut file = None;
        let mut weight = 1;
        for s in block {
            match s.keyword.text.as_str() {
                "file" => file = self.text(s).map(PathBuf::from),
                "weight" => {
                    if let Some(w) = self.integer(s, -254..=254) {
                        weight = w;
                    }
                }
                _ => self.unknown(&s.keyword, "vrrp_track_file", TRACK_FILE),
            }
        }
        let Some(file) = file else {
            self.fail(
                &statement.keyword,
                ErrorKind::Required {
                    block: format!("vrrp_track_file {name}"),
                    keyword: "file",
                },
            );
            return;
        };
        self.config.track_files.push(TrackFile {
            name,
            location: statement.args[0].location.clone(),
            file,
            weight,
        });
    }

    fn instance(&mut self, statement: &Statement) {
        let Some((name, block)) = self.definition(statement, "vrrp_instance") else {
            return;
        };
        let mut draft = InstanceDraft::default();
        let before = self.errors.len();
        for s in block {
            self.instance_statement(s, &mut draft);
        }
        if self.errors.len() > before {
            // Reported already; checking the rest would only repeat it in other words.
            self.broken_instances.push(name);
            return;
        }
        let required = |keyword| ErrorKind::Required {
            block: format!("vrrp_instance {name}"),
            keyword,
        };
        let (Some(interface), Some(vrid)) = (draft.interface.clone(), draft.vrid) else {
            if draft.interface.is_none() {
                self.fail(&statement.keyword, required("interface"));
            }
            if draft.vrid.is_none() {
                self.fail(&statement.keyword, required("virtual_router_id"));
            }
            return;
        };
        let Some(first) = draft.addresses.first() else {
            self.fail(&statement.keyword, required("virtual_ipaddress"));
            return;
        };
        // Excluded addresses are not advertised, so they may be of either family, as in
        // keepalived (IPv6 addresses moved by an IPv4 instance).
        let family = AddressFamily::of(first.address);
        if let Some(other) = draft
            .addresses
            .iter()
            .find(|v| AddressFamily::of(v.address) != family)
        {
            self.errors.push(ParseError::new(
                other.location.clone(),
                ErrorKind::Invalid(format!(
                    "{} is not {} like the instance's first address; use one instance per family",
                    other.address,
                    family_name(family)
                )),
            ));
            return;
        }
        let version = match (draft.version, family) {
            (Some(version), _) => version,
            (None, AddressFamily::Ipv6) => Version::V3,
            (None, AddressFamily::Ipv4) => self.config.global.vrrp_version.unwrap_or(Version::V2),
        };
        if !self.instance_is_consistent(statement, &name, &draft, version, family) {
            return;
        }
        if let Some(other) = self
            .config
            .instances
            .iter()
            .find(|i| i.interface == interface && i.vrid == vrid && i.family == family)
        {
            let kind = ErrorKind::DuplicateVrid {
                vrid,
                interface,
                family: family_name(family).into(),
                other: other.name.clone(),
                first: other.location.clone(),
            };
            self.fail(&statement.args[0], kind);
            return;
        }
        let announcements = draft
            .announcements
            .unwrap_or(self.config.global.announcements);
        self.config.instances.push(VrrpInstance {
            name,
            location: statement.args[0].location.clone(),
            interface,
            vrid,
            priority: draft.priority.unwrap_or(100),
            advert_interval: draft.interval.unwrap_or(Duration::from_secs(1)),
            version,
            family,
            preempt: draft.preempt,
            preempt_delay: draft.preempt_delay,
            accept: draft.accept.unwrap_or(!self.config.global.strict),
            password: draft.password,
            addresses: draft.addresses,
            excluded_addresses: draft.excluded,
            unicast_source: draft.unicast_source,
            unicast_peers: draft.unicast_peers,
            use_vmac: draft.use_vmac,
            announcements,
            track_interfaces: draft.track_interfaces,
            track_scripts: draft.track_scripts,
            track_files: draft.track_files,
            notify: draft.notify,
        });
    }

    /// The checks across an instance's settings; false (with errors) when they contradict.
    fn instance_is_consistent(
        &mut self,
        statement: &Statement,
        name: &str,
        draft: &InstanceDraft,
        version: Version,
        family: AddressFamily,
    ) -> bool {
        let before = self.errors.len();
        let mut invalid = |message: String| {
            self.errors.push(ParseError::new(
                statement.args[0].location.clone(),
                ErrorKind::Invalid(format!("vrrp_instance {name}: {message}")),
            ));
        };
        let interval = draft.interval.unwrap_or(Duration::from_secs(1));
        if version == Version::V2 && interval.subsec_nanos() != 0 {
            invalid(format!(
                "VRRPv2 advertises whole seconds, and advert_int is {}; use `version 3` for \
                 sub-second intervals",
                interval.as_secs_f64()
            ));
        }
        if version == Version::V3 && interval > Duration::from_millis(40_950) {
            invalid(format!(
                "VRRPv3 advertises at most every 40.95 s, and advert_int is {}",
                interval.as_secs_f64()
            ));
        }
        if version == Version::V3 && !interval.as_micros().is_multiple_of(10_000) {
            invalid(format!(
                "VRRPv3 advertises in centiseconds, and advert_int {} is not a multiple of 0.01",
                interval.as_secs_f64()
            ));
        }
        if version == Version::V3 && draft.password.is_some() {
            invalid("authentication exists only in VRRPv2 (RFC 5798 removed it)".into());
        }
        if family == AddressFamily::Ipv6
            && let Some(first) = draft.addresses.first()
            && !matches!(first.address, IpAddr::V6(a) if a.is_unicast_link_local())
        {
            invalid(format!(
                "the first IPv6 virtual address must be link-local (RFC 9568 §5.2.9), not {}",
                first.address
            ));
        }
        if let Some(source) = draft.unicast_source
            && AddressFamily::of(source) != family
        {
            invalid(format!(
                "unicast_src_ip {source} is not {}",
                family_name(family)
            ));
        }
        if let Some(peer) = draft
            .unicast_peers
            .iter()
            .find(|p| AddressFamily::of(**p) != family)
        {
            invalid(format!(
                "unicast_peer {peer} is not {}",
                family_name(family)
            ));
        }
        self.errors.len() == before
    }

    fn instance_statement(&mut self, s: &Statement, draft: &mut InstanceDraft) {
        match s.keyword.text.as_str() {
            "state" => {
                if let Some(v) = self.value(s, "MASTER or BACKUP") {
                    match v.text.as_str() {
                        "BACKUP" => {}
                        "MASTER" => self.warn(
                            &v.location,
                            "`state MASTER`: below priority 255 every router starts as Backup \
                             (RFC 9568 §6.4.1), and the election makes the highest priority \
                             Master within Master_Down_Interval"
                                .into(),
                        ),
                        _ => self.bad(s, v, "MASTER or BACKUP"),
                    }
                }
            }
            "interface" => draft.interface = self.text(s),
            "virtual_router_id" => draft.vrid = self.integer(s, 1..=255),
            "priority" => draft.priority = self.integer(s, 1..=255),
            "advert_int" => draft.interval = self.seconds(s, false, 255.0),
            "version" => {
                draft.version = match self.integer::<u8>(s, 2..=3) {
                    Some(2) => Some(Version::V2),
                    Some(_) => Some(Version::V3),
                    None => None,
                }
            }
            "nopreempt" => draft.preempt = !self.flag(s),
            "preempt" => draft.preempt = self.flag(s),
            "preempt_delay" => {
                if let Some(delay) = self.seconds(s, true, 1000.0) {
                    draft.preempt_delay = delay;
                }
            }
            "accept" => draft.accept = self.flag(s).then_some(true),
            "no_accept" => draft.accept = self.flag(s).then_some(false),
            "authentication" => draft.password = self.authentication(s),
            "virtual_ipaddress" => {
                let vips = self.addresses(s);
                draft.addresses.extend(vips);
            }
            "virtual_ipaddress_excluded" => {
                let vips = self.addresses(s);
                draft.excluded.extend(vips);
            }
            "unicast_src_ip" => {
                if let Some(v) = self.value(s, "an IP address") {
                    match v.text.parse() {
                        Ok(address) => draft.unicast_source = Some(address),
                        Err(_) => self.bad(s, v, "an IP address"),
                    }
                }
            }
            "unicast_peer" => {
                if let Some(block) = self.block(s) {
                    for peer in block {
                        if let Some(extra) = peer.args.first() {
                            self.fail(
                                extra,
                                ErrorKind::Unsupported {
                                    keyword: extra.text.clone(),
                                    why: "per-peer options are not supported; list the address \
                                          alone"
                                        .into(),
                                },
                            );
                        }
                        match peer.keyword.text.parse() {
                            Ok(address) => draft.unicast_peers.push(address),
                            Err(_) => self.bad(s, &peer.keyword, "an IP address"),
                        }
                    }
                }
            }
            "use_vmac" => {
                if s.block.is_none() && !s.args.is_empty() {
                    self.fail(
                        &s.args[0],
                        ErrorKind::Unsupported {
                            keyword: "use_vmac".into(),
                            why: "the virtual MAC interface is named vr4.IFINDEX.VRID (vr6 for \
                                  IPv6); a custom name cannot be honoured"
                                .into(),
                        },
                    );
                } else {
                    draft.use_vmac = self.flag(s);
                }
            }
            "garp_master_delay" => {
                let delay = self.burst_delay(s);
                draft.announcements_mut(&self.config.global).second_burst = delay;
            }
            "garp_master_repeat" => {
                if let Some(n) = self.integer(s, 1..=255) {
                    draft.announcements_mut(&self.config.global).repeat = n;
                }
            }
            "garp_master_refresh" => {
                let refresh = self.refresh(s);
                draft.announcements_mut(&self.config.global).refresh = refresh;
            }
            "track_interface" => draft.track_interfaces.extend(self.tracked(s)),
            "track_script" => draft.track_scripts.extend(self.tracked(s)),
            "track_file" => draft.track_files.extend(self.tracked(s)),
            "notify_master" | "notify_backup" | "notify_fault" | "notify_stop" | "notify" => {
                let command = self.text(s);
                draft.notify.set(&s.keyword.text, command);
            }
            "smtp_alert" => self.unused_mail(s),
            _ => self.unknown(&s.keyword, "vrrp_instance", INSTANCE),
        }
    }

    fn authentication(&mut self, statement: &Statement) -> Option<Password> {
        let block = self.block(statement)?;
        let mut kind = None;
        let mut password = None;
        for s in block {
            match s.keyword.text.as_str() {
                "auth_type" => {
                    if let Some(v) = self.value(s, "PASS") {
                        match v.text.as_str() {
                            "PASS" => kind = Some(()),
                            "AH" => self.fail(
                                v,
                                ErrorKind::Unsupported {
                                    keyword: "auth_type AH".into(),
                                    why: "IPsec AH authentication was removed from VRRP (RFC 3768 \
                                          §5.3.6.1); use PASS with keepalived peers, or none"
                                        .into(),
                                },
                            ),
                            _ => self.bad(s, v, "PASS"),
                        }
                    }
                }
                "auth_pass" => {
                    if let Some(v) = self.value(s, "a password of 1 to 8 characters") {
                        match Password::new(v.text.as_bytes()) {
                            Ok(p) => password = Some(p),
                            Err(_) => self.bad(s, v, "a password of 1 to 8 characters"),
                        }
                    }
                }
                _ => self.unknown(&s.keyword, "authentication", &["auth_type", "auth_pass"]),
            }
        }
        match (kind, password) {
            (Some(()), Some(password)) => Some(password),
            (None, _) => {
                self.fail(
                    &statement.keyword,
                    ErrorKind::Required {
                        block: "authentication".into(),
                        keyword: "auth_type",
                    },
                );
                None
            }
            (Some(()), None) => {
                self.fail(
                    &statement.keyword,
                    ErrorKind::Required {
                        block: "authentication".into(),
                        keyword: "auth_pass",
                    },
                );
                None
            }
        }
    }

    /// The lines of a `virtual_ipaddress` block.
    fn addresses(&mut self, statement: &Statement) -> Vec<VirtualIp> {
        let Some(block) = self.block(statement) else {
            return Vec::new();
        };
        let mut vips = Vec::new();
        for line in block {
            if let Some(vip) = self.address_line(statement, line) {
                vips.push(vip);
            }
        }
        vips
    }

    fn address_line(&mut self, statement: &Statement, line: &Statement) -> Option<VirtualIp> {
        const EXPECTED: &str = "an IP address with an optional /prefix length";
        let written = &line.keyword;
        let (address, length) = written
            .text
            .split_once('/')
            .map_or((written.text.as_str(), None), |(a, l)| (a, Some(l)));
        let Ok(address) = address.parse::<IpAddr>() else {
            self.bad(statement, written, EXPECTED);
            return None;
        };
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix_len = match length.map(str::parse::<u8>) {
            None => max,
            Some(Ok(len)) if len <= max => len,
            Some(_) => {
                self.bad(statement, written, EXPECTED);
                return None;
            }
        };
        let mut vip = VirtualIp {
            address,
            prefix_len,
            broadcast: None,
            device: None,
            scope: None,
            label: None,
            location: written.location.clone(),
        };
        let mut words = line.args.iter();
        while let Some(option) = words.next() {
            let Some(value) = words.next() else {
                self.fail(
                    option,
                    ErrorKind::MissingValue {
                        keyword: option.text.clone(),
                        expected: "a value".into(),
                    },
                );
                return None;
            };
            match option.text.as_str() {
                "brd" | "broadcast" => match value.text.parse() {
                    Ok(b) if address.is_ipv4() => vip.broadcast = Some(b),
                    _ => {
                        self.fail(
                            value,
                            ErrorKind::BadValue {
                                keyword: "brd".into(),
                                value: value.text.clone(),
                                expected: "an IPv4 broadcast address".into(),
                            },
                        );
                        return None;
                    }
                },
                "dev" => vip.device = Some(value.text.clone()),
                "label" if address.is_ipv4() && (1..=15).contains(&value.text.len()) => {
                    vip.label = Some(value.text.clone());
                }
                "label" => {
                    self.fail(
                        value,
                        ErrorKind::BadValue {
                            keyword: "label".into(),
                            value: value.text.clone(),
                            expected: "a label of 1 to 15 bytes on an IPv4 address".into(),
                        },
                    );
                    return None;
                }
                "scope" => match AddressScope::from_name(&value.text) {
                    Some(scope) => vip.scope = Some(scope),
                    None => {
                        self.fail(
                            value,
                            ErrorKind::BadValue {
                                keyword: "scope".into(),
                                value: value.text.clone(),
                                expected: "global, site, link, host or nowhere".into(),
                            },
                        );
                        return None;
                    }
                },
                other => {
                    self.fail(
                        option,
                        ErrorKind::UnknownKeyword {
                            keyword: other.into(),
                            block: "a virtual address line".into(),
                            suggestion: closest(other, &["brd", "dev", "label", "scope"]),
                        },
                    );
                    return None;
                }
            }
        }
        if line.block.is_some() {
            self.fail(
                written,
                ErrorKind::UnexpectedBlock {
                    keyword: written.text.clone(),
                },
            );
            return None;
        }
        Some(vip)
    }

    /// The lines of a `track_interface` / `track_script` / `track_file` block: `NAME [weight W]`.
    fn tracked(&mut self, statement: &Statement) -> Vec<Tracked> {
        let Some(block) = self.block(statement) else {
            return Vec::new();
        };
        let mut tracked = Vec::new();
        for line in block {
            let weight = match line.args.as_slice() {
                [] => None,
                [word, value] if word.text == "weight" => match value.text.parse::<i16>() {
                    Ok(w) if (-254..=254).contains(&w) => Some(w),
                    _ => {
                        self.fail(
                            value,
                            ErrorKind::BadValue {
                                keyword: "weight".into(),
                                value: value.text.clone(),
                                expected: "a whole number from -254 to 254".into(),
                            },
                        );
                        continue;
                    }
                },
                [first, ..] => {
                    self.fail(
                        first,
                        ErrorKind::ExtraValue {
                            keyword: line.keyword.text.clone(),
                            extra: first.text.clone(),
                        },
                    );
                    continue;
                }
            };
            tracked.push(Tracked {
                name: line.keyword.text.clone(),
                weight,
                location: line.keyword.location.clone(),
            });
        }
        tracked
    }

    fn sync_group(&mut self, statement: &Statement) {
        let Some((name, block)) = self.definition(statement, "vrrp_sync_group") else {
            return;
        };
        let mut group = SyncGroup {
            name,
            location: statement.args[0].location.clone(),
            members: Vec::new(),
            notify: Notify::default(),
            track_interfaces: Vec::new(),
            track_scripts: Vec::new(),
            track_files: Vec::new(),
        };
        let mut member_locations = Vec::new();
        for s in block {
            match s.keyword.text.as_str() {
                "group" => {
                    if let Some(members) = self.block(s) {
                        for m in members {
                            // A member is a name alone; extra words are an error, the name counts.
                            let _ = self.words(m, 0..=0, "nothing");
                            group.members.push(m.keyword.text.clone());
                            member_locations.push(m.keyword.clone());
                        }
                    }
                }
                "notify_master" | "notify_backup" | "notify_fault" | "notify_stop" | "notify" => {
                    let command = self.text(s);
                    group.notify.set(&s.keyword.text, command);
                }
                "track_interface" => group.track_interfaces.extend(self.tracked(s)),
                "track_script" => group.track_scripts.extend(self.tracked(s)),
                "track_file" => group.track_files.extend(self.tracked(s)),
                "smtp_alert" => self.unused_mail(s),
                _ => self.unknown(&s.keyword, "vrrp_sync_group", SYNC_GROUP),
            }
        }
        if group.members.is_empty() {
            self.fail(
                &statement.keyword,
                ErrorKind::Required {
                    block: format!("vrrp_sync_group {}", group.name),
                    keyword: "group",
                },
            );
        }
        self.pending_members.extend(member_locations);
        self.config.sync_groups.push(group);
    }

    /// Every `track_script`, `track_file` and sync-group member names something defined, and no
    /// instance is in two groups.
    fn check_references(&mut self) {
        let mut undefined = Vec::new();
        let tracked: Vec<(&[Tracked], &[Tracked])> = self
            .config
            .instances
            .iter()
            .map(|i| (i.track_scripts.as_slice(), i.track_files.as_slice()))
            .chain(
                self.config
                    .sync_groups
                    .iter()
                    .map(|g| (g.track_scripts.as_slice(), g.track_files.as_slice())),
            )
            .collect();
        for (scripts, files) in tracked {
            for t in scripts {
                if self.config.script(&t.name).is_none() {
                    undefined.push((t.location.clone(), "vrrp_script", t.name.clone()));
                }
            }
            for t in files {
                if self.config.track_file(&t.name).is_none() {
                    undefined.push((t.location.clone(), "vrrp_track_file", t.name.clone()));
                }
            }
        }
        let mut group_of: HashMap<String, Location> = HashMap::new();
        for member in std::mem::take(&mut self.pending_members) {
            if self.config.instance(&member.text).is_none()
                && !self.broken_instances.contains(&member.text)
            {
                undefined.push((
                    member.location.clone(),
                    "vrrp_instance",
                    member.text.clone(),
                ));
            } else if let Some(first) =
                group_of.insert(member.text.clone(), member.location.clone())
            {
                self.errors.push(ParseError::new(
                    member.location.clone(),
                    ErrorKind::Duplicate {
                        what: "sync group member",
                        name: member.text.clone(),
                        first,
                    },
                ));
            }
        }
        for (location, what, name) in undefined {
            self.errors.push(ParseError::new(
                location,
                ErrorKind::Undefined { what, name },
            ));
        }
    }
}

impl Notify {
    fn set(&mut self, keyword: &str, command: Option<String>) {
        let slot = match keyword {
            "notify_master" => &mut self.master,
            "notify_backup" => &mut self.backup,
            "notify_fault" => &mut self.fault,
            "notify_stop" => &mut self.stop,
            _ => &mut self.any,
        };
        if command.is_some() {
            *slot = command;
        }
    }
}

/// An instance while its block is read.
struct InstanceDraft {
    interface: Option<String>,
    vrid: Option<u8>,
    priority: Option<u8>,
    interval: Option<Duration>,
    version: Option<Version>,
    preempt: bool,
    preempt_delay: Duration,
    accept: Option<bool>,
    password: Option<Password>,
    addresses: Vec<VirtualIp>,
    excluded: Vec<VirtualIp>,
    unicast_source: Option<IpAddr>,
    unicast_peers: Vec<IpAddr>,
    use_vmac: bool,
    announcements: Option<Announcements>,
    track_interfaces: Vec<Tracked>,
    track_scripts: Vec<Tracked>,
    track_files: Vec<Tracked>,
    notify: Notify,
}

impl Default for InstanceDraft {
    fn default() -> Self {
        Self {
            interface: None,
            vrid: None,
            priority: None,
            interval: None,
            version: None,
            preempt: true,
            preempt_delay: Duration::ZERO,
            accept: None,
            password: None,
            addresses: Vec::new(),
            excluded: Vec::new(),
            unicast_source: None,
            unicast_peers: Vec::new(),
            use_vmac: false,
            announcements: None,
            track_interfaces: Vec::new(),
            track_scripts: Vec::new(),
            track_files: Vec::new(),
            notify: Notify::default(),
        }
    }
}

impl InstanceDraft {
    fn announcements_mut(&mut self, global: &GlobalDefs) -> &mut Announcements {
        self.announcements.get_or_insert(global.announcements)
    }
}

/// `12`, `0.1`, `1.25` as an exact duration: digits, optionally a point and up to nine more.
fn decimal_seconds(text: &str) -> Option<Duration> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 9 {
        return None;
    }
    let nanos: u32 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<9}").parse().ok()?
    };
    Some(Duration::new(whole.parse().ok()?, nanos))
}

fn family_name(family: AddressFamily) -> &'static str {
    match family {
        AddressFamily::Ipv4 => "IPv4",
        AddressFamily::Ipv6 => "IPv6",
    }
}

/// The known keyword closest to `word`, if it is within a third of its length in edits (at least
/// one, at most three).
fn closest(word: &str, known: &[&'static str]) -> Option<&'static str> {
    let limit = (word.chars().count() / 3).clamp(1, 3);
    known
        .iter()
        .map(|k| (edit_distance(word, k), *k))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, k)| k)
}

/// Levenshtein distance, with a transposition counting as one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_keyword_gets_the_closest_one() {
        assert_eq!(closest("priorty", INSTANCE), Some("priority"));
        assert_eq!(closest("advert_intt", INSTANCE), Some("advert_int"));
        assert_eq!(
            closest("virtual_router", INSTANCE),
            Some("virtual_router_id")
        );
        assert_eq!(closest("xyz", INSTANCE), None);
    }

    #[test]
    fn seconds_are_read_exactly() {
        assert_eq!(decimal_seconds("0.1"), Some(Duration::from_millis(100)));
        assert_eq!(decimal_seconds("3"), Some(Duration::from_secs(3)));
        assert_eq!(decimal_seconds("1.000000001"), Some(Duration::new(1, 1)));
        for bad in ["", ".5", "1e3", "-1", "fast", "1.0000000001"] {
            assert_eq!(decimal_seconds(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn edit_distance_counts_a_swap_as_one() {
        assert_eq!(edit_distance("priority", "priorty"), 1);
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
