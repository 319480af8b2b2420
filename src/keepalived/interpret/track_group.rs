//! Reads `track_group NAME { group { VI_1 ... } }` and the `track_group NAME` words of
//! `static_ipaddress`, `static_routes` and `static_rules` lines: the instances that go to Fault
//! while one of those static entries is lost. Names are linked once the whole file is read.

use super::Reader;
use crate::keepalived::error::Location;
use crate::keepalived::lexer::Token;
use crate::keepalived::model::TrackGroup;
use crate::keepalived::syntax::Statement;

/// Which static entries a `track_group` word was written on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum StaticKind {
    Address,
    Route,
    Rule,
}

impl Reader {
    /// `track_group NAME { group { VI_1 VI_2 } }`.
    pub(super) fn track_group(&mut self, statement: &Statement) {
        let Some((name, block)) = self.definition(statement, "track_group") else {
            return;
        };
        let mut members = Vec::new();
        for s in block {
            match s.keyword.text.as_str() {
                "group" => {
                    if let Some(lines) = self.block(s) {
                        for m in lines {
                            let _ = self.words(m, 0..=0, "nothing");
                            members.push(m.keyword.clone());
                        }
                    }
                }
                _ => self.other(s, "track_group", &["group"]),
            }
        }
        if members.is_empty() {
            // keepalived removes it, with an error: so a warning here, and nothing tracked.
            self.warn(
                &statement.args[0].location,
                format!("track_group {name} has no `group` members, and is left out, as keepalived leaves it out"),
            );
            return;
        }
        self.track_group_members
            .extend(members.iter().map(|m| (name.clone(), m.clone())));
        self.config.track_groups.push(TrackGroup {
            name,
            location: statement.args[0].location.clone(),
            members: members.into_iter().map(|m| m.text).collect(),
            addresses: Vec::new(),
            routes: Vec::new(),
            rules: Vec::new(),
        });
    }

    /// The lines of static block `statement` without their `track_group NAME` words, each name
    /// noted with its line for [`link_track_groups`](Self::link_track_groups).
    pub(super) fn without_track_groups(
        &mut self,
        statement: &Statement,
        kind: StaticKind,
    ) -> Statement {
        let mut stripped = statement.clone();
        for line in stripped.block.iter_mut().flatten() {
            let Some(at) = line.args.iter().position(|w| w.text == "track_group") else {
                continue;
            };
            match line.args.get(at + 1).cloned() {
                Some(name) => {
                    line.args.drain(at..at + 2);
                    let location = line.keyword.location.clone();
                    self.static_track_groups.push((kind, location, name));
                }
                None => {
                    let word = line.args[at].clone();
                    self.missing_value(&word, "a track_group name");
                    line.args.truncate(at);
                }
            }
        }
        stripped
    }

    /// Once the whole file is read: each static entry's `track_group` is added to its group
    /// (one not defined is a warning, and its entry is not tracked, as in keepalived), and each
    /// group's members that are no instance are left out with a warning.
    pub(super) fn link_track_groups(&mut self) {
        for (kind, location, name) in std::mem::take(&mut self.static_track_groups) {
            let config = &self.config;
            let index = match kind {
                StaticKind::Address => {
                    position(&config.static_addresses, &location, |a| &a.location)
                }
                StaticKind::Route => position(&config.static_routes, &location, |r| &r.location),
                StaticKind::Rule => position(&config.static_rules, &location, |r| &r.location),
            };
            let Some(index) = index else {
                // The line was left out already, with its own warning or error.
                continue;
            };
            let Some(group) = (self.config.track_groups.iter_mut()).find(|g| g.name == name.text)
            else {
                self.warn(
                    &name.location,
                    format!(
                        "track_group {} is not defined: this entry takes no instance to Fault, \
                         as keepalived ignores it",
                        name.text
                    ),
                );
                continue;
            };
            match kind {
                StaticKind::Address => group.addresses.push(index),
                StaticKind::Route => group.routes.push(index),
                StaticKind::Rule => group.rules.push(index),
            }
        }
        for (group, member) in std::mem::take(&mut self.track_group_members) {
            if self.config.instances.iter().any(|i| i.name == member.text)
                || self.broken_instances.contains(&member.text)
            {
                continue;
            }
            self.warn(
                &member.location,
                format!(
                    "track_group {group}: `{}` is no vrrp_instance, and is left out, as \
                     keepalived leaves it out",
                    member.text
                ),
            );
            if let Some(g) = (self.config.track_groups.iter_mut()).find(|g| g.name == group) {
                g.members.retain(|m| *m != member.text);
            }
        }
    }
}

/// The index of the entry of `entries` read from the line at `location`.
fn position<T>(entries: &[T], location: &Location, of: impl Fn(&T) -> &Location) -> Option<usize> {
    entries.iter().position(|e| of(e) == location)
}

/// A `track_group` word with its name, kept while the file is read.
pub(super) type StaticTrackGroup = (StaticKind, Location, Token);
