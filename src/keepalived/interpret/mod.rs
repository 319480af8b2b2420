//! Statements into a [`KeepalivedConfig`]: every keyword checked against its block, every value
//! against its type and range, every reference against its definition. Mistakes are collected,
//! not stopped at, so that one run names them all.
//!
//! This module reads the top level and holds what the blocks share: the `Reader` collecting
//! mistakes and warnings, values and flags, tracking and notify lines, and the references
//! between definitions. Each block is read in its own module.

mod addresses;
#[cfg(feature = "auth-hmac")]
mod auth_hmac;
mod global;
mod instance;
mod process;
mod routes;
mod rules;
mod script;
mod sync_group;
mod track_group;
mod values;

use std::collections::HashMap;

use super::error::{ErrorKind, Location, ParseError, Warning};
use super::keywords::Support;
use super::lexer::Token;
use super::model::{KeepalivedConfig, Notify, Tracked};
use super::syntax::Statement;
use track_group::StaticKind;

const TOP_LEVEL: &[&str] = &[
    "global_defs",
    "vrrp_script",
    "vrrp_track_file",
    "vrrp_track_process",
    "vrrp_instance",
    "vrrp_sync_group",
    "virtual_server",
    "virtual_server_group",
    "static_ipaddress",
    "net_namespace",
    "static_routes",
    "static_rules",
    "track_group",
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
            "vrrp_track_process" => reader.track_process(statement),
            "vrrp_instance" => reader.instance(statement),
            "vrrp_sync_group" => reader.sync_group(statement),
            "virtual_server" | "virtual_server_group" => reader.warn(
                &statement.keyword.location,
                format!(
                    "`{keyword}` (LVS) is not handled by this crate; the VRRP part runs without it"
                ),
            ),
            "static_ipaddress" => {
                let stripped = reader.without_track_groups(statement, StaticKind::Address);
                reader.static_addresses(&stripped);
            }
            "track_group" => reader.track_group(statement),
            // A root keyword, as in keepalived (unknown inside global_defs).
            "net_namespace" => {
                if let Some(name) = reader.value(statement, "a network namespace name") {
                    reader.config.global.net_namespace = Some(name.text.clone());
                }
            }
            "static_routes" => {
                let stripped = reader.without_track_groups(statement, StaticKind::Route);
                let routes = reader.routes(&stripped, true);
                reader.config.static_routes.extend(routes);
            }
            "static_rules" => {
                let stripped = reader.without_track_groups(statement, StaticKind::Rule);
                let rules = reader.rules(&stripped, true);
                reader.config.static_rules.extend(rules);
            }
            _ => reader.other(statement, "the top level", TOP_LEVEL),
        }
    }
    reader.check_references();
    reader.link_track_groups();
    if reader.errors.is_empty() {
        let mut config = reader.config;
        // Thousands of instances: keep what they hold, not the room their lists grew into.
        config.instances.shrink_to_fit();
        for instance in &mut config.instances {
            instance.addresses.shrink_to_fit();
            instance.excluded_addresses.shrink_to_fit();
            instance.unicast_peers.shrink_to_fit();
        }
        Ok(config)
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
    pending_members: Vec<(String, Token)>,
    /// Instances defined with mistakes (already reported): references to them are not undefined.
    broken_instances: Vec<String>,
    /// Where `global_defs` sets `vrrp_version`, for the instances whose settings contradict it.
    vrrp_version_at: Option<Location>,
    /// Where `global_defs` sets `vrrp_down_timer_adverts`, for strict instances that reset it.
    down_timer_at: Option<Location>,
    /// Where each instance read sets its `virtual_router_id`, by instance name.
    vrid_at: HashMap<String, Location>,
    /// How many rules of each family (IPv4, IPv6) were given a priority, as keepalived gives
    /// those written without one.
    rule_priorities: (u32, u32),
    /// The `track_group` words of static lines, linked once the whole file is read.
    static_track_groups: Vec<track_group::StaticTrackGroup>,
    /// Each track group's members, by group name, checked once the whole file is read.
    track_group_members: Vec<(String, Token)>,
}

/// Mistakes and warnings.
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

    /// A keyword that `block`'s reader does not act on: ignored with a warning or refused as
    /// [`KEYWORDS`](super::keywords::KEYWORDS) says, unknown otherwise.
    fn other(&mut self, statement: &Statement, block: &str, known: &'static [&'static str]) {
        let keyword = &statement.keyword;
        match super::keywords::support(&keyword.text) {
            Some(Support::Ignored(why)) => {
                self.warn(
                    &keyword.location,
                    format!("`{}` is ignored: {why}", keyword.text),
                );
            }
            Some(Support::Refused(why)) => self.unsupported(keyword, &keyword.text, why),
            Some(Support::Honoured) | None => self.unknown(keyword, block, known),
        }
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

    /// `keyword` written without the `expected` value it needs.
    fn missing_value(&mut self, keyword: &Token, expected: &str) {
        self.fail(
            keyword,
            ErrorKind::MissingValue {
                keyword: keyword.text.clone(),
                expected: expected.into(),
            },
        );
    }

    /// `extra`, a word after the words `statement`'s keyword takes.
    fn extra_value(&mut self, statement: &Statement, extra: &Token) {
        self.fail(
            extra,
            ErrorKind::ExtraValue {
                keyword: statement.keyword.text.clone(),
                extra: extra.text.clone(),
            },
        );
    }

    fn bad(&mut self, statement: &Statement, value: &Token, expected: &str) {
        self.bad_word(&statement.keyword.text, value, expected);
    }

    /// `value`, written for `keyword` (a statement's or an option's on the same line), is not
    /// what is `expected`.
    fn bad_word(&mut self, keyword: &str, value: &Token, expected: &str) {
        self.fail(
            value,
            ErrorKind::BadValue {
                keyword: keyword.into(),
                value: value.text.clone(),
                expected: expected.into(),
            },
        );
    }

    /// `statement`'s block lacks `keyword`; `block` names it.
    fn required(&mut self, statement: &Statement, block: String, keyword: &'static str) {
        self.fail(&statement.keyword, ErrorKind::Required { block, keyword });
    }

    /// What is written at `at` for `keyword` is accepted by keepalived but cannot be honoured.
    fn unsupported(&mut self, at: &Token, keyword: &str, why: impl Into<String>) {
        self.fail(
            at,
            ErrorKind::Unsupported {
                keyword: keyword.into(),
                why: why.into(),
            },
        );
    }
}

/// What a `vrrp_instance` and a `vrrp_sync_group` both have.
#[derive(Default)]
struct Common {
    notify: Notify,
    track_interfaces: Vec<Tracked>,
    track_scripts: Vec<Tracked>,
    track_files: Vec<Tracked>,
    track_processes: Vec<Tracked>,
}

/// Tracking and notify lines, in instances and sync groups alike.
impl Reader {
    /// Reads `statement` into `common` if it is a notify command or a `track_*` block; false if it
    /// is neither.
    fn common(&mut self, statement: &Statement, common: &mut Common) -> bool {
        match statement.keyword.text.as_str() {
            "notify_master" | "notify_backup" | "notify_fault" | "notify_stop" | "notify" => {
                let command = self.text(statement);
                common.notify.set(&statement.keyword.text, command);
            }
            "track_interface" => common.track_interfaces.extend(self.tracked(statement)),
            "track_script" => common.track_scripts.extend(self.tracked(statement)),
            "track_file" => common.track_files.extend(self.tracked(statement)),
            "track_process" => common.track_processes.extend(self.tracked(statement)),
            _ => return false,
        }
        true
    }

    /// The lines of a `track_interface` / `track_script` / `track_file` / `track_process` block:
    /// `NAME [weight W]`.
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
                        self.bad_word("weight", value, "a whole number from -254 to 254");
                        continue;
                    }
                },
                [first, ..] => {
                    self.extra_value(line, first);
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
}

impl Notify {
    fn set(&mut self, keyword: &str, command: Option<String>) {
        let slot = match keyword {
            "notify_master" => &mut self.master,
            "notify_master_rx_lower_pri" => &mut self.master_rx_lower_pri,
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

/// Definitions and the references between them.
impl Reader {
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
            "vrrp_track_process" => self.config.track_process(name).map(|t| t.location.clone()),
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

    /// Every `track_script`, `track_file`, `track_process` and sync-group member names something
    /// defined, and no instance is in two groups.
    fn check_references(&mut self) {
        let mut undefined = Vec::new();
        let tracked: Vec<(&[Tracked], &[Tracked], &[Tracked])> = (self.config.instances.iter())
            .map(|i| {
                (
                    &i.track_scripts[..],
                    &i.track_files[..],
                    &i.track_processes[..],
                )
            })
            .chain((self.config.sync_groups.iter()).map(|g| {
                (
                    &g.track_scripts[..],
                    &g.track_files[..],
                    &g.track_processes[..],
                )
            }))
            .collect();
        for (scripts, files, processes) in tracked {
            for t in processes {
                if self.config.track_process(&t.name).is_none() {
                    undefined.push((t.location.clone(), "vrrp_track_process", t.name.clone()));
                }
            }
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
        let mut missing: Vec<(String, String)> = Vec::new();
        for (group, member) in std::mem::take(&mut self.pending_members) {
            if self.config.instance(&member.text).is_none()
                && !self.broken_instances.contains(&member.text)
            {
                // keepalived leaves it out of the group, and keeps the group for the others.
                self.warn(
                    &member.location,
                    format!(
                        "vrrp_sync_group {group}: vrrp_instance `{}` is not defined, so it is left \
                         out of the group, as keepalived leaves it out",
                        member.text
                    ),
                );
                missing.push((group, member.text.clone()));
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
        for group in &mut self.config.sync_groups {
            (group.members).retain(|m| !missing.contains(&(group.name.clone(), m.clone())));
        }
        let emptied: Vec<(String, Location)> = (self.config.sync_groups.iter())
            .filter(|g| g.members.is_empty() && missing.iter().any(|(name, _)| *name == g.name))
            .map(|g| (g.name.clone(), g.location.clone()))
            .collect();
        for (name, location) in emptied {
            self.warn(
                &location,
                format!(
                    "vrrp_sync_group {name} has no member left, so it is dropped, as keepalived \
                     drops it"
                ),
            );
            self.config.sync_groups.retain(|g| g.name != name);
        }
        for (location, what, name) in undefined {
            self.errors.push(ParseError::new(
                location,
                ErrorKind::Undefined { what, name },
            ));
        }
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
    use super::instance::INSTANCE;
    use super::*;

    /// The keyword table and the readers cannot drift: every keyword the table calls honoured is
    /// read by some block, and no block reads one the table ignores or refuses.
    #[test]
    fn every_honoured_keyword_is_read_and_no_other_is() {
        use super::super::keywords::{KEYWORDS, Support};
        let mut read: Vec<&str> = [
            super::global::GLOBAL_DEFS,
            INSTANCE,
            super::script::SCRIPT,
            super::script::TRACK_FILE,
            super::process::TRACK_PROCESS,
            super::sync_group::SYNC_GROUP,
            &["global_defs", "authentication", "auth_type", "auth_pass"],
        ]
        .concat();
        #[cfg(feature = "auth-hmac")]
        read.extend(super::auth_hmac::AUTH_HMAC);
        read.extend(TOP_LEVEL.iter().filter(|k| {
            k.starts_with("vrrp_")
                || k.starts_with("static_")
                || ["net_namespace", "track_group"].contains(k)
        }));
        for keyword in KEYWORDS {
            let is_read = read.contains(&keyword.name);
            match keyword.support {
                Support::Honoured => {
                    #[cfg(not(feature = "auth-hmac"))]
                    if super::super::keywords::HMAC.contains(&keyword.name) {
                        continue;
                    }
                    assert!(
                        is_read,
                        "`{}` is honoured and no block reads it",
                        keyword.name
                    );
                }
                _ => assert!(!is_read, "`{}` is read and not honoured", keyword.name),
            }
        }
    }

    #[test]
    fn a_misspelt_keyword_gets_the_closest_one() {
        assert_eq!(closest("priorty", INSTANCE), Some("priority"));
        assert_eq!(closest("advert_intt", INSTANCE), Some("advert_int"));
        assert_eq!(
            closest("virtual_routerid", INSTANCE),
            Some("virtual_router_id")
        );
        assert_eq!(closest("xyz", INSTANCE), None);
    }

    #[test]
    fn edit_distance_counts_a_swap_as_one() {
        assert_eq!(edit_distance("priority", "priorty"), 1);
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
