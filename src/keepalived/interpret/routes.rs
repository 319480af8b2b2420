//! Reads `virtual_routes` and `static_routes` lines (and the words they share with rules):
//! keepalived's form of `ip route add`, each word with iproute2's meaning. A line that
//! cannot be installed as written is an error, never a route quietly dropped.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::Reader;
use crate::AddressFamily;
use crate::host::{
    AddressScope, NextHop, RouteInsertion, RouteKind, RouteMetric, RouteMetricKind, VirtualRoute,
};
use crate::keepalived::lexer::Token;
use crate::keepalived::model::Route;
use crate::keepalived::syntax::Statement;

/// The word after `words[i]`, with `i` moved to it; without one, the line is left out with a
/// warning (`return None`), as keepalived leaves it out.
macro_rules! value {
    ($reader:ident, $words:ident, $i:ident, $expected:expr) => {{
        $i += 1;
        match $words.get($i) {
            Some(v) => *v,
            None => {
                let message = format!("`{}` needs {}", $words[$i - 1].text, $expected);
                $reader.left_out($words[$i - 1], message);
                return None;
            }
        }
    }};
}

/// `value`, written for `word`, is not what is `expected`: the line is left out with a warning
/// (`return None`), as keepalived leaves it out.
macro_rules! bad {
    ($reader:ident, $word:expr, $value:expr, $expected:expr) => {{
        let value: &Token = $value;
        let message = format!("`{}`: {:?} is not {}", $word, value.text, $expected);
        $reader.left_out(value, message);
        return None;
    }};
}

pub(super) use {bad, value};

/// What a table is written as. A name from iproute2's `rt_tables` is refused: its number is
/// what this reader can be sure of.
pub(super) const TABLE: &str = "a table number (1 to 2^32-1), main, local or default";

/// What a prefix word can be: an address with an optional length, or `default`/`any`/`all`
/// (of the family the line settles on).
#[derive(Clone, Copy)]
pub(super) enum Prefix {
    Given(IpAddr, u8),
    Any(Option<AddressFamily>),
}

pub(super) fn prefix(word: &str) -> Option<Prefix> {
    match word {
        "default" | "any" | "all" => return Some(Prefix::Any(None)),
        "default6" => return Some(Prefix::Any(Some(AddressFamily::Ipv6))),
        _ => {}
    }
    let (address, length) = word
        .split_once('/')
        .map_or((word, None), |(a, l)| (a, Some(l)));
    let address: IpAddr = address.parse().ok()?;
    let max = if address.is_ipv4() { 32 } else { 128 };
    let length = match length {
        None => max,
        Some(l) => l.parse::<u8>().ok().filter(|l| *l <= max)?,
    };
    Some(Prefix::Given(address, length))
}

pub(super) fn unspecified(family: AddressFamily) -> IpAddr {
    match family {
        AddressFamily::Ipv4 => Ipv4Addr::UNSPECIFIED.into(),
        AddressFamily::Ipv6 => Ipv6Addr::UNSPECIFIED.into(),
    }
}

/// A number written in decimal, or in hexadecimal after `0x` (as `strtoul(…, 0)` reads it).
pub(super) fn number(word: &str) -> Option<u64> {
    match word.strip_prefix("0x").or_else(|| word.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => word.parse().ok(),
    }
}

pub(super) fn number_u32(word: &str) -> Option<u32> {
    number(word).and_then(|n| u32::try_from(n).ok())
}

/// A routing table: a number, or iproute2's own names.
pub(super) fn table(word: &str) -> Option<u32> {
    match word {
        "main" => Some(254),
        "local" => Some(255),
        "default" => Some(253),
        _ => number_u32(word).filter(|t| *t != 0),
    }
}

/// A route protocol: a number, or the names iproute2 knows without its configuration files.
fn protocol(word: &str) -> Option<u8> {
    const NAMES: [(&str, u8); 16] = [
        ("redirect", 1),
        ("kernel", 2),
        ("boot", 3),
        ("static", 4),
        ("gated", 8),
        ("ra", 9),
        ("mrt", 10),
        ("zebra", 11),
        ("bird", 12),
        ("dnrouted", 13),
        ("xorp", 14),
        ("ntk", 15),
        ("dhcp", 16),
        ("keepalived", 18),
        ("babel", 42),
        ("bgp", 186),
    ];
    (NAMES.iter().find(|(name, _)| *name == word))
        .map(|(_, n)| *n)
        .or_else(|| number(word).and_then(|n| u8::try_from(n).ok()))
}

/// Route realms, `[SRC/]DST`, as numbers.
pub(super) fn realms(word: &str) -> Option<u32> {
    let (source, destination) = word.split_once('/').map_or(("0", word), |(s, d)| (s, d));
    let source = number(source).and_then(|n| u16::try_from(n).ok())?;
    let destination = number(destination).and_then(|n| u16::try_from(n).ok())?;
    Some(u32::from(source) << 16 | u32::from(destination))
}

/// A time of iproute2's `rtt`, `rttvar` and `rto_min`: milliseconds with a unit (`s`, `ms`,
/// `us`), or a bare number taken as the kernel's raw value. Returns the milliseconds, or the raw
/// value, and whether it was raw.
fn time(word: &str) -> Option<(u32, bool)> {
    let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &word[digits.len()..];
    let value: f64 = digits.parse().ok()?;
    let milliseconds = match unit {
        "" => return u32::try_from(number(digits)?).ok().map(|n| (n, true)),
        "s" | "sec" | "secs" => value * 1000.0,
        "ms" | "msec" | "msecs" => value,
        "us" | "usec" | "usecs" => value / 1000.0,
        _ => return None,
    };
    (milliseconds.is_finite() && (0.0..=f64::from(u32::MAX)).contains(&milliseconds))
        .then_some((milliseconds as u32, false))
}

impl Reader {
    /// The lines of a `virtual_routes` (or, `fixed`, `static_routes`) block.
    pub(super) fn routes(&mut self, statement: &Statement, fixed: bool) -> Vec<Route> {
        let Some(block) = self.block(statement) else {
            return Vec::new();
        };
        (block.iter())
            .filter_map(|line| self.route_line(line, fixed))
            .collect()
    }

    /// A line keepalived leaves out with an error (a word it does not know, a value it cannot
    /// read): left out too, with a warning at `at` that says so.
    pub(super) fn left_out(&mut self, at: &Token, message: String) {
        self.warn(
            &at.location,
            format!("{message}: this line is left out, as keepalived leaves it out"),
        );
    }

    /// A second `track_group` (static entries name one, which is taken out before), `encap` and
    /// the other words this reader refuses, with what to do instead.
    pub(super) fn refuse_route_word(&mut self, word: &Token, fixed: bool) {
        let why = match word.text.as_str() {
            "track_group" if fixed => "a line names one track_group; keep the one meant",

            "encap" | "ttl-propagate" => {
                "lightweight tunnel encapsulation is not supported; add such routes outside the \
                 VRRP daemon"
            }
            "vrf" => "write the VRF's table number with `table` instead",
            "nat" | "xresolve" => "Linux has no such route type any more",
            _ => "`as` (MPLS) is not supported",
        };
        if word.text == "track_group" && !fixed {
            self.left_out(
                word,
                "`track_group` is for static routes and rules only".into(),
            );
            return;
        }
        self.unsupported(word, &word.text, why);
    }

    /// One route line. Errors name the word at fault.
    fn route_line(&mut self, line: &Statement, fixed: bool) -> Option<Route> {
        self.no_block(line)?;
        let words: Vec<&Token> = std::iter::once(&line.keyword).chain(&line.args).collect();
        let mut route = VirtualRoute::new(Ipv4Addr::UNSPECIFIED.into(), 0);
        let mut destination: Option<Prefix> = None;
        let mut family: Option<AddressFamily> = None;
        let mut hop = NextHop::dev(0);
        hop.interface_index = None;
        let mut device: Option<String> = None;
        let mut hops: Vec<(NextHop, Option<String>)> = Vec::new();
        let mut or_gateway: Option<IpAddr> = None;
        let mut protocol_written: Option<(u8, &Token)> = None;
        let mut no_track = false;
        let mut in_nexthops = false;
        let mut i = 0;
        // The value after word `i`, or an error naming what it needs.
        while i < words.len() {
            let word = words[i];
            let text = word.text.as_str();
            match text {
                "nexthop" => {
                    if in_nexthops || hop.gateway.is_some() || device.is_some() {
                        hops.push((hop, device.take()));
                    }
                    hop = NextHop::dev(0);
                    hop.interface_index = None;
                    in_nexthops = true;
                }
                "weight" if in_nexthops => {
                    let v = value!(self, words, i, "a weight from 1 to 256");
                    match v.text.parse::<u16>() {
                        Ok(w) if (1..=256).contains(&w) => hop.weight = w,
                        _ => bad!(self, "weight", v, "a weight from 1 to 256"),
                    }
                }
                "via" | "gw" => {
                    let mut v = value!(self, words, i, "a gateway address");
                    if matches!(v.text.as_str(), "inet" | "inet6") {
                        v = value!(self, words, i, "a gateway address");
                    }
                    match v.text.parse::<IpAddr>() {
                        Ok(gateway) => hop.gateway = Some(gateway),
                        Err(_) => bad!(self, text, v, "a gateway address"),
                    }
                    if text == "gw" {
                        self.warn(&word.location, "`gw` is deprecated; write `via`".into());
                    }
                }
                "or" if !in_nexthops => {
                    let v = value!(self, words, i, "a second gateway address");
                    match v.text.parse::<IpAddr>() {
                        Ok(gateway) => or_gateway = Some(gateway),
                        Err(_) => bad!(self, "or", v, "a second gateway address"),
                    }
                }
                "dev" | "oif" => {
                    device = Some(value!(self, words, i, "an interface name").text.clone())
                }
                "onlink" => hop.onlink = true,
                "realms" => {
                    let v = value!(self, words, i, "realms as [SOURCE/]DESTINATION numbers");
                    let Some(r) = realms(&v.text) else {
                        bad!(self, "realms", v, "realms as [SOURCE/]DESTINATION numbers")
                    };
                    if in_nexthops {
                        hop.realms = Some(r);
                    } else {
                        route.realms = Some(r);
                    }
                }
                _ if in_nexthops => {
                    let message = format!(
                        "`{text}` after `nexthop`, which takes via, dev, weight, onlink and realms"
                    );
                    self.left_out(word, message);
                    return None;
                }
                "src" => {
                    let v = value!(self, words, i, "a source address");
                    match v.text.parse::<IpAddr>() {
                        Ok(source) => route.source = Some(source),
                        Err(_) => bad!(self, "src", v, "a source address"),
                    }
                }
                "from" => {
                    let v = value!(self, words, i, "an IPv6 source prefix");
                    match prefix(&v.text) {
                        Some(Prefix::Given(address @ IpAddr::V6(_), len)) => {
                            route.from = Some((address, len));
                        }
                        _ => bad!(
                            self,
                            "from",
                            v,
                            "an IPv6 source prefix (IPv4 routes have none)"
                        ),
                    }
                }
                "table" => {
                    let v = value!(self, words, i, "a table number, main, local or default");
                    match table(&v.text) {
                        Some(t) => route.table = t,
                        None => {
                            self.bad_word("table", v, TABLE);
                            return None;
                        }
                    }
                }
                "protocol" | "proto" => {
                    let v = value!(self, words, i, "a protocol number or name");
                    match protocol(&v.text) {
                        Some(p) => protocol_written = Some((p, v)),
                        None => {
                            self.bad_word(
                                text,
                                v,
                                "a protocol number (0 to 255) or an iproute2 name",
                            );
                            return None;
                        }
                    }
                }
                "scope" => {
                    let v = value!(self, words, i, "a scope");
                    let scope = match v.text.as_str() {
                        "universe" => Some(AddressScope::Global),
                        name => AddressScope::from_name(name),
                    };
                    match scope {
                        Some(scope) => route.scope = Some(scope),
                        None => bad!(self, "scope", v, "global, site, link, host or nowhere"),
                    }
                }
                "metric" | "priority" | "preference" => {
                    let v = value!(self, words, i, "a metric");
                    match number_u32(&v.text) {
                        Some(m) => route.metric = Some(m),
                        None => bad!(self, text, v, "a metric from 0 to 2^32-1"),
                    }
                }
                "tos" | "dsfield" => {
                    let v = value!(self, words, i, "a type of service");
                    match number(&v.text).and_then(|n| u8::try_from(n).ok()) {
                        Some(t) => route.tos = t,
                        None => bad!(self, text, v, "a type of service from 0 to 255"),
                    }
                }
                "expires" => {
                    let v = value!(self, words, i, "seconds");
                    match number_u32(&v.text) {
                        Some(e) => route.expires = Some(e),
                        None => bad!(self, "expires", v, "a number of seconds"),
                    }
                }
                "pref" => {
                    let v = value!(self, words, i, "low, medium or high");
                    route.preference = Some(match v.text.as_str() {
                        "low" => 3,
                        "medium" => 0,
                        "high" => 1,
                        other => match number(other).and_then(|n| u8::try_from(n).ok()) {
                            Some(n) => n,
                            None => bad!(self, "pref", v, "low, medium, high or a number"),
                        },
                    });
                }
                "features" => {
                    let v = value!(self, words, i, "ecn");
                    if v.text != "ecn" {
                        bad!(self, "features", v, "ecn");
                    }
                    route.metrics.push(RouteMetric {
                        kind: RouteMetricKind::Features,
                        value: 1,
                        locked: false,
                    });
                }
                "congctl" => {
                    let mut v = value!(self, words, i, "a congestion control algorithm");
                    let locked = v.text == "lock";
                    if locked {
                        v = value!(self, words, i, "a congestion control algorithm");
                    }
                    route.congestion_control = Some((v.text.clone(), locked));
                }
                "add" => route.insertion = RouteInsertion::Exclusive,
                "prepend" => route.insertion = RouteInsertion::Prepend,
                "append" => route.insertion = RouteInsertion::Append,
                "no_track" => no_track = true,
                "inet" => family = Some(AddressFamily::Ipv4),
                "inet6" => family = Some(AddressFamily::Ipv6),
                "track_group" | "encap" | "ttl-propagate" | "vrf" | "nat" | "xresolve" | "as" => {
                    self.refuse_route_word(word, fixed);
                    return None;
                }
                _ if RouteMetricKind::from_name(text).is_some() => {
                    let kind = RouteMetricKind::from_name(text)?;
                    let mut v = value!(self, words, i, "a number");
                    let locked = v.text == "lock";
                    if locked {
                        v = value!(self, words, i, "a number");
                    }
                    let value = match kind {
                        RouteMetricKind::Rtt
                        | RouteMetricKind::RttVar
                        | RouteMetricKind::RtoMin => {
                            let Some((value, raw)) = time(&v.text) else {
                                bad!(self, text, v, "a time (such as 100ms) or a raw number")
                            };
                            match (kind, raw) {
                                (_, true) | (RouteMetricKind::RtoMin, _) => value,
                                (RouteMetricKind::Rtt, false) => value.saturating_mul(8),
                                _ => value.saturating_mul(4),
                            }
                        }
                        _ => match number_u32(&v.text) {
                            Some(n) => n,
                            None => bad!(self, text, v, "a number"),
                        },
                    };
                    route.metrics.push(RouteMetric {
                        kind,
                        value,
                        locked,
                    });
                }
                _ => {
                    let (kind, target) = match RouteKind::from_name(text) {
                        Some(kind) => (Some(kind), value!(self, words, i, "a destination prefix")),
                        None if text == "to" => {
                            (None, value!(self, words, i, "a destination prefix"))
                        }
                        None => (None, word),
                    };
                    if let Some(kind) = kind {
                        route.kind = kind;
                    }
                    if destination.is_some() {
                        let message = format!(
                            "`{}` is not a route option, and the destination is given already",
                            target.text
                        );
                        self.left_out(target, message);
                        return None;
                    }
                    match prefix(&target.text) {
                        Some(p) => destination = Some(p),
                        None => bad!(
                            self,
                            "a route",
                            target,
                            "a destination prefix (ADDRESS[/LENGTH] or default) or a route option"
                        ),
                    }
                }
            }
            i += 1;
        }
        if in_nexthops || hop.gateway.is_some() || device.is_some() || hop.onlink {
            hops.push((hop, device));
        }
        if let Some(gateway) = or_gateway {
            let Some((first, dev)) = hops.first().cloned() else {
                self.left_out(
                    &line.keyword,
                    "`or` without a `via` gateway before it".into(),
                );
                return None;
            };
            let mut second = first;
            second.gateway = Some(gateway);
            hops.push((second, dev));
        }
        let Some(destination) = destination else {
            self.left_out(&line.keyword, "a route without a destination".into());
            return None;
        };
        let known = |address: Option<IpAddr>| address.map(AddressFamily::of);
        let line_family = match destination {
            Prefix::Given(address, _) => Some(AddressFamily::of(address)),
            Prefix::Any(family) => family,
        }
        .or(family)
        .or(known(route.source))
        .or(hops.iter().find_map(|(h, _)| known(h.gateway)))
        .unwrap_or(AddressFamily::Ipv4);
        (route.destination, route.prefix_len) = match destination {
            Prefix::Given(address, len) => (address, len),
            Prefix::Any(_) => (unspecified(line_family), 0),
        };
        let mixed = route
            .source
            .is_some_and(|s| AddressFamily::of(s) != line_family);
        if mixed {
            let message = "`src` is not of the destination's family".to_string();
            self.left_out(&line.keyword, message);
            return None;
        }
        match (protocol_written, no_track) {
            (Some((p, _)), true) => route.protocol = Some(p),
            (Some((p, at)), false) => self.warn(
                &at.location,
                format!(
                    "`protocol {p}` is replaced by this daemon's mark (112), by which it knows its \
                     routes, as keepalived replaces it with its own unless `no_track` is given"
                ),
            ),
            (None, _) => {}
        }
        route.restore = !no_track;
        let devices = hops.iter().map(|(_, d)| d.clone()).collect();
        route.next_hops = hops.into_iter().map(|(h, _)| h).collect();
        Some(Route {
            route,
            devices,
            location: line.keyword.location.clone(),
        })
    }
}
