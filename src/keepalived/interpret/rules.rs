//! Reads `virtual_rules` and `static_rules` lines: keepalived's form of `ip rule add`, each word
//! with iproute2's meaning. A line that cannot be installed as written is an error, or left out
//! with a warning where keepalived leaves it out.

use super::Reader;
use super::routes::{Prefix, TABLE, bad, number, number_u32, prefix, realms, table, value};
use crate::AddressFamily;
use crate::host::{RuleAction, VirtualRule};
use crate::keepalived::lexer::Token;
use crate::keepalived::model::Rule;
use crate::keepalived::syntax::Statement;

/// Where the priorities keepalived gives rules without one start: 16384, counting down.
const FIRST_RULE_PRIORITY: u32 = 16384;

/// A range `A-B` (or a single `A`).
fn range<T: TryFrom<u64> + Copy>(word: &str) -> Option<(T, T)> {
    let (start, end) = word.split_once('-').unwrap_or((word, word));
    let start = T::try_from(number(start)?).ok()?;
    let end = T::try_from(number(end)?).ok()?;
    Some((start, end))
}

/// IP protocol names `ipproto` takes besides numbers.
fn ip_protocol(word: &str) -> Option<u8> {
    match word.to_ascii_lowercase().as_str() {
        "icmp" => Some(1),
        "tcp" => Some(6),
        "udp" => Some(17),
        "gre" => Some(47),
        "esp" => Some(50),
        "ah" => Some(51),
        "ipv6-icmp" | "icmpv6" => Some(58),
        "sctp" => Some(132),
        _ => number(word).and_then(|n| u8::try_from(n).ok()),
    }
}

impl Reader {
    /// The lines of a `virtual_rules` (or, `fixed`, `static_rules`) block.
    pub(super) fn rules(&mut self, statement: &Statement, fixed: bool) -> Vec<Rule> {
        let Some(block) = self.block(statement) else {
            return Vec::new();
        };
        (block.iter())
            .filter_map(|line| self.rule_line(line, fixed))
            .collect()
    }

    /// One rule line.
    fn rule_line(&mut self, line: &Statement, fixed: bool) -> Option<Rule> {
        self.no_block(line)?;
        let words: Vec<&Token> = std::iter::once(&line.keyword).chain(&line.args).collect();
        let mut rule = VirtualRule::new(RuleAction::Nop);
        let mut action: Option<(RuleAction, &Token)> = None;
        let mut family: Option<AddressFamily> = None;
        let mut protocol_written = None;
        let mut no_track = false;
        let mut i = 0;
        while i < words.len() {
            let word = words[i];
            let text = word.text.as_str();
            let mut act = None;
            match text {
                "from" | "to" => {
                    let v = value!(self, words, i, "a prefix or all");
                    let selected = match prefix(&v.text) {
                        Some(Prefix::Given(address, len)) => Some((address, len)),
                        Some(Prefix::Any(f)) => {
                            family = f.or(family);
                            None
                        }
                        None => bad!(self, text, v, "a prefix (ADDRESS[/LENGTH]) or all"),
                    };
                    if text == "from" {
                        rule.from = selected;
                    } else {
                        rule.to = selected;
                    }
                }
                "not" => rule.invert = true,
                "preference" | "order" | "priority" => {
                    let v = value!(self, words, i, "a priority");
                    match number_u32(&v.text) {
                        Some(p) => rule.priority = Some(p),
                        None => bad!(self, text, v, "a priority from 0 to 2^32-1"),
                    }
                }
                "pref" | "prio" => {
                    let message = format!("`{text}` is not a rule option (write `preference`)");
                    self.left_out(word, message);
                    return None;
                }
                "table" | "lookup" => {
                    let v = value!(self, words, i, "a table");
                    match table(&v.text) {
                        Some(t) => act = Some(RuleAction::Table(t)),
                        None => {
                            self.bad_word(text, v, TABLE);
                            return None;
                        }
                    }
                }
                "goto" => {
                    let v = value!(self, words, i, "the priority of the rule to go to");
                    match number_u32(&v.text) {
                        Some(p) => act = Some(RuleAction::Goto(p)),
                        None => bad!(self, "goto", v, "a rule priority"),
                    }
                }
                "type" => {}
                "nop" => act = Some(RuleAction::Nop),
                "blackhole" => act = Some(RuleAction::Blackhole),
                "unreachable" => act = Some(RuleAction::Unreachable),
                "prohibit" => act = Some(RuleAction::Prohibit),
                "l3mdev" => act = Some(RuleAction::L3mdev),
                "tos" | "dsfield" => {
                    let v = value!(self, words, i, "a type of service");
                    match number(&v.text).and_then(|n| u8::try_from(n).ok()) {
                        Some(t) => rule.tos = t,
                        None => bad!(self, text, v, "a type of service from 0 to 255"),
                    }
                }
                "fwmark" => {
                    let v = value!(self, words, i, "a mark[/mask]");
                    let (mark, mask) = match v.text.split_once('/') {
                        Some((mark, mask)) => (number_u32(mark), number_u32(mask).map(Some)),
                        None => (number_u32(&v.text), Some(None)),
                    };
                    match (mark, mask) {
                        (Some(mark), Some(mask)) => rule.fwmark = Some((mark, mask)),
                        _ => bad!(self, "fwmark", v, "a mark with an optional /mask"),
                    }
                }
                "dev" | "iif" => {
                    rule.input_interface = Some(value!(self, words, i, "an interface").text.clone())
                }
                "oif" => {
                    rule.output_interface =
                        Some(value!(self, words, i, "an interface").text.clone())
                }
                "realms" => {
                    let v = value!(self, words, i, "realms");
                    match realms(&v.text) {
                        Some(r) => rule.realms = Some(r),
                        None => bad!(self, "realms", v, "realms as [SOURCE/]DESTINATION numbers"),
                    }
                }
                "suppress_prefixlength" | "sup_pl" => {
                    let v = value!(self, words, i, "a prefix length");
                    match number_u32(&v.text) {
                        Some(n) => rule.suppress_prefix_len = Some(n),
                        None => bad!(self, text, v, "a prefix length"),
                    }
                }
                "suppress_ifgroup" | "sup_group" => {
                    let v = value!(self, words, i, "an interface group number");
                    match number_u32(&v.text) {
                        Some(n) => rule.suppress_interface_group = Some(n),
                        None => bad!(self, text, v, "an interface group number"),
                    }
                }
                "uidrange" => {
                    let v = value!(self, words, i, "a user id range");
                    match range::<u32>(&v.text) {
                        Some(r) => rule.uid_range = Some(r),
                        None => bad!(self, "uidrange", v, "a range of user ids, FIRST-LAST"),
                    }
                }
                "tunnel-id" => {
                    let v = value!(self, words, i, "a tunnel id");
                    match number(&v.text) {
                        Some(n) => rule.tunnel_id = Some(n),
                        None => bad!(self, "tunnel-id", v, "a tunnel id"),
                    }
                }
                "sport" | "dport" => {
                    let v = value!(self, words, i, "a port or a range of ports");
                    let Some(r) = range::<u16>(&v.text) else {
                        bad!(self, text, v, "a port or a range of ports, FIRST-LAST")
                    };
                    if text == "sport" {
                        rule.source_ports = Some(r);
                    } else {
                        rule.destination_ports = Some(r);
                    }
                }
                "ipproto" => {
                    let v = value!(self, words, i, "an IP protocol");
                    match ip_protocol(&v.text) {
                        Some(p) => rule.ip_protocol = Some(p),
                        None => bad!(self, "ipproto", v, "an IP protocol name or number"),
                    }
                }
                "protocol" => {
                    let v = value!(self, words, i, "a protocol number");
                    match number(&v.text).and_then(|n| u8::try_from(n).ok()) {
                        Some(p) => protocol_written = Some((p, v)),
                        None => bad!(self, "protocol", v, "a protocol number from 0 to 255"),
                    }
                }
                "no_track" => no_track = true,
                "inet" => family = Some(AddressFamily::Ipv4),
                "inet6" => family = Some(AddressFamily::Ipv6),
                "track_group" => {
                    self.refuse_route_word(word, fixed);
                    return None;
                }
                _ => {
                    self.left_out(word, format!("`{text}` is not a rule option"));
                    return None;
                }
            }
            if let Some(act) = act {
                if let Some((_, first)) = action {
                    let message =
                        format!("a rule has one action, and `{}` is one already", first.text);
                    self.left_out(word, message);
                    return None;
                }
                action = Some((act, word));
            }
            i += 1;
        }
        let Some((act, _)) = action else {
            let message = "a rule without an action (table, goto, nop, blackhole, unreachable, \
                           prohibit or l3mdev)";
            self.left_out(&line.keyword, message.into());
            return None;
        };
        rule.action = act;
        rule.family = family.unwrap_or(AddressFamily::Ipv4);
        let families = [rule.from, rule.to].map(|p| p.map(|(a, _)| AddressFamily::of(a)));
        if let [Some(a), Some(b)] = families
            && a != b
        {
            self.left_out(&line.keyword, "`from` and `to` of two families".into());
            return None;
        }
        if rule.priority.is_none() {
            let next = self.next_rule_priority(rule.address_family());
            rule.priority = Some(next);
            self.warn(
                &line.keyword.location,
                format!(
                    "a rule without `preference` is given priority {next}, as keepalived gives \
                     it; write one"
                ),
            );
        }
        match protocol_written {
            Some((p, _)) if no_track => rule.protocol = Some(p),
            Some((p, at)) => self.warn(
                &at.location,
                format!(
                    "`protocol {p}` is replaced by this daemon's mark (112), by which it knows its \
                     rules, as keepalived replaces it with its own unless `no_track` is given"
                ),
            ),
            None => {}
        }
        rule.restore = !no_track;
        Some(Rule {
            rule,
            location: line.keyword.location.clone(),
        })
    }

    /// The priority keepalived gives the next rule of `family` written without one: 16384 for
    /// the first, then one less each time.
    fn next_rule_priority(&mut self, family: AddressFamily) -> u32 {
        let given = match family {
            AddressFamily::Ipv4 => &mut self.rule_priorities.0,
            AddressFamily::Ipv6 => &mut self.rule_priorities.1,
        };
        // Past 16,384 rules without one (a file no one writes), they all get priority 0 rather
        // than the reader overflowing.
        let next = FIRST_RULE_PRIORITY.saturating_sub(*given);
        *given = given.saturating_add(1);
        next
    }
}
