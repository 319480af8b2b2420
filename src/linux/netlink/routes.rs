//! Routes and policy rules over rtnetlink: what `ip route add/del` and `ip rule add/del` send,
//! built from a [`VirtualRoute`] or a [`VirtualRule`], marked with [`ROUTE_PROTOCOL`] unless they
//! name a protocol of their own; and the deletions the change stream reports.

use netlink_packet_core::{NLM_F_ACK, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteFlags, RouteMessage, RouteMetric, RouteNextHop,
    RouteNextHopFlags, RoutePreference, RouteProtocol, RouteRealm, RouteScope, RouteType,
};
use netlink_packet_route::rule::{
    RuleAction as NetlinkRuleAction, RuleAttribute, RuleFlags, RuleMessage, RulePortRange,
    RuleUidRange,
};
use netlink_packet_route::{IpProtocol, RouteNetlinkMessage};

use super::{Netlink, NetlinkError, netlink_family};
use crate::AddressFamily;
use crate::host::{
    Added, AddressScope, RouteId, RouteInsertion, RouteKind, RouteMetricKind, RuleAction,
    VirtualRoute, VirtualRule,
};

/// The protocol number that marks the routes and rules this crate adds (`ip route show proto
/// 112`): VRRP's IP protocol number, as [`ADDRESS_PROTOCOL`](super::ADDRESS_PROTOCOL) marks its
/// addresses. A route or rule is removed only with its mark, so an operator's identical one is
/// never taken for ours.
pub const ROUTE_PROTOCOL: u8 = super::ADDRESS_PROTOCOL;

impl Netlink {
    /// Adds `route` (`ip route prepend`, `add` or `append`, as its
    /// [`insertion`](VirtualRoute::insertion) says). `Ok(Added::AlreadyPresent)` when the very
    /// same route is there.
    pub fn add_route(&mut self, route: &VirtualRoute) -> Result<Added, NetlinkError> {
        let flags = NLM_F_CREATE
            | NLM_F_ACK
            | match route.insertion {
                RouteInsertion::Prepend => 0,
                RouteInsertion::Exclusive => NLM_F_EXCL,
                RouteInsertion::Append => NLM_F_APPEND,
            };
        let request = RouteNetlinkMessage::NewRoute(route_message(route, false));
        exists(self.request(request, flags, "adding a route").map(drop))
    }

    /// Removes `route`, if it is there with its mark; a route already gone is no error.
    pub fn remove_route(&mut self, route: &VirtualRoute) -> Result<(), NetlinkError> {
        let request = RouteNetlinkMessage::DelRoute(route_message(route, true));
        gone(
            self.request(request, NLM_F_ACK, "removing a route")
                .map(drop),
        )
    }

    /// Adds policy rule `rule`, unless the same rule is there (`Ok(Added::AlreadyPresent)`).
    pub fn add_rule(&mut self, rule: &VirtualRule) -> Result<Added, NetlinkError> {
        let request = RouteNetlinkMessage::NewRule(rule_message(rule));
        let flags = NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
        exists(self.request(request, flags, "adding a rule").map(drop))
    }

    /// Removes policy rule `rule`, if it is there with its mark; one already gone is no error.
    pub fn remove_rule(&mut self, rule: &VirtualRule) -> Result<(), NetlinkError> {
        let request = RouteNetlinkMessage::DelRule(rule_message(rule));
        gone(
            self.request(request, NLM_F_ACK, "removing a rule")
                .map(drop),
        )
    }
}

/// An add's outcome, with the kernel's EEXIST as [`Added::AlreadyPresent`].
fn exists(outcome: Result<(), NetlinkError>) -> Result<Added, NetlinkError> {
    match outcome {
        Ok(()) => Ok(Added::Added),
        Err(error) if error.errno() == Some(libc::EEXIST) => Ok(Added::AlreadyPresent),
        Err(error) => Err(error),
    }
}

/// A removal's outcome, with what says it is not there (no such route or rule, no such
/// interface, no such table) as done.
fn gone(outcome: Result<(), NetlinkError>) -> Result<(), NetlinkError> {
    match outcome {
        Err(error)
            if matches!(
                error.errno(),
                Some(libc::ESRCH | libc::ENOENT | libc::ENODEV)
            ) =>
        {
            Ok(())
        }
        outcome => outcome,
    }
}

/// The table's header byte: the table itself up to 255, else RT_TABLE_UNSPEC with the table in
/// an attribute (which is always given).
fn header_table(table: u32) -> u8 {
    u8::try_from(table).unwrap_or(0)
}

fn route_scope(scope: AddressScope) -> RouteScope {
    match scope {
        AddressScope::Global => RouteScope::Universe,
        AddressScope::Site => RouteScope::Site,
        AddressScope::Link => RouteScope::Link,
        AddressScope::Host => RouteScope::Host,
        AddressScope::Nowhere => RouteScope::NoWhere,
    }
}

fn route_type(kind: RouteKind) -> RouteType {
    match kind {
        RouteKind::Unicast => RouteType::Unicast,
        RouteKind::Local => RouteType::Local,
        RouteKind::Broadcast => RouteType::Broadcast,
        RouteKind::Anycast => RouteType::Anycast,
        RouteKind::Multicast => RouteType::Multicast,
        RouteKind::Blackhole => RouteType::BlackHole,
        RouteKind::Unreachable => RouteType::Unreachable,
        RouteKind::Prohibit => RouteType::Prohibit,
        RouteKind::Throw => RouteType::Throw,
    }
}

fn metric(kind: RouteMetricKind, value: u32) -> RouteMetric {
    match kind {
        RouteMetricKind::Mtu => RouteMetric::Mtu(value),
        RouteMetricKind::Window => RouteMetric::Window(value),
        RouteMetricKind::Rtt => RouteMetric::Rtt(value),
        RouteMetricKind::RttVar => RouteMetric::RttVar(value),
        RouteMetricKind::SsThresh => RouteMetric::SsThresh(value),
        RouteMetricKind::Cwnd => RouteMetric::Cwnd(value),
        RouteMetricKind::Advmss => RouteMetric::Advmss(value),
        RouteMetricKind::Reordering => RouteMetric::Reordering(value),
        RouteMetricKind::Hoplimit => RouteMetric::Hoplimit(value),
        RouteMetricKind::InitCwnd => RouteMetric::InitCwnd(value),
        RouteMetricKind::Features => RouteMetric::Features(value),
        RouteMetricKind::RtoMin => RouteMetric::RtoMin(value),
        RouteMetricKind::InitRwnd => RouteMetric::InitRwnd(value),
        RouteMetricKind::QuickAck => RouteMetric::QuickAck(value),
        RouteMetricKind::FastopenNoCookie => RouteMetric::FastopenNoCookie(value),
    }
}

/// The metric's RTAX_* number (linux/rtnetlink.h): its bit in the lock mask is `1 << number`.
fn metric_number(kind: RouteMetricKind) -> u32 {
    match kind {
        RouteMetricKind::Mtu => 2,
        RouteMetricKind::Window => 3,
        RouteMetricKind::Rtt => 4,
        RouteMetricKind::RttVar => 5,
        RouteMetricKind::SsThresh => 6,
        RouteMetricKind::Cwnd => 7,
        RouteMetricKind::Advmss => 8,
        RouteMetricKind::Reordering => 9,
        RouteMetricKind::Hoplimit => 10,
        RouteMetricKind::InitCwnd => 11,
        RouteMetricKind::Features => 12,
        RouteMetricKind::RtoMin => 13,
        RouteMetricKind::InitRwnd => 14,
        RouteMetricKind::QuickAck => 15,
        // RTAX_CC_ALGO (16) is the congestion control algorithm's.
        RouteMetricKind::FastopenNoCookie => 17,
    }
}

fn realm(realms: u32) -> RouteRealm {
    RouteRealm {
        source: (realms >> 16) as u16,
        destination: realms as u16,
    }
}

/// The RTM_NEWROUTE or, with `delete`, RTM_DELROUTE message for `route`: what `ip route` sends.
pub(super) fn route_message(route: &VirtualRoute, delete: bool) -> RouteMessage {
    let mut message = RouteMessage::default();
    let header = &mut message.header;
    header.address_family = netlink_family(route.family());
    header.destination_prefix_length = route.prefix_len;
    header.tos = route.tos;
    header.table = header_table(route.table);
    header.protocol = RouteProtocol::from(route.protocol.unwrap_or(ROUTE_PROTOCOL));
    header.kind = route_type(route.kind);
    header.scope = match route.scope {
        // On removal, any scope: iproute2 sends RT_SCOPE_NOWHERE, the kernel's wildcard.
        _ if delete => RouteScope::NoWhere,
        Some(scope) => route_scope(scope),
        None => default_scope(route),
    };
    let attributes = &mut message.attributes;
    if route.prefix_len > 0 {
        attributes.push(RouteAttribute::Destination(route.destination.into()));
    }
    if let Some((from, len)) = route.from {
        message.header.source_prefix_length = len;
        attributes.push(RouteAttribute::Source(from.into()));
    }
    attributes.push(RouteAttribute::Table(route.table));
    if let Some(metric) = route.metric {
        attributes.push(RouteAttribute::Priority(metric));
    }
    if let Some(source) = route.source {
        attributes.push(RouteAttribute::PrefSource(source.into()));
    }
    match route.next_hops.as_slice() {
        [] => {}
        [hop] => {
            if let Some(gateway) = hop.gateway {
                attributes.push(gateway_attribute(route.family(), gateway));
            }
            if let Some(index) = hop.interface_index {
                attributes.push(RouteAttribute::Oif(index));
            }
            if hop.onlink {
                message.header.flags |= RouteFlags::Onlink;
            }
            if let Some(realms) = hop.realms {
                attributes.push(RouteAttribute::Realm(realm(realms)));
            }
        }
        hops => {
            let hops = hops.iter().map(|hop| {
                let mut next = RouteNextHop::default();
                next.hops = u8::try_from(hop.weight.clamp(1, 256) - 1).unwrap_or(u8::MAX);
                next.interface_index = hop.interface_index.unwrap_or(0);
                if hop.onlink {
                    next.flags |= RouteNextHopFlags::Onlink;
                }
                if let Some(gateway) = hop.gateway {
                    next.attributes
                        .push(gateway_attribute(route.family(), gateway));
                }
                if let Some(realms) = hop.realms {
                    next.attributes.push(RouteAttribute::Realm(realm(realms)));
                }
                next
            });
            attributes.push(RouteAttribute::MultiPath(hops.collect()));
        }
    }
    if delete {
        return message;
    }
    let mut metrics: Vec<RouteMetric> = (route.metrics.iter())
        .map(|m| metric(m.kind, m.value))
        .collect();
    let mut locked: u32 = (route.metrics.iter())
        .filter(|m| m.locked)
        .fold(0, |mask, m| mask | 1 << metric_number(m.kind));
    if let Some((name, lock)) = &route.congestion_control {
        metrics.push(RouteMetric::CcAlgo(name.clone()));
        if *lock {
            // RTAX_CC_ALGO is 16.
            locked |= 1 << 16;
        }
    }
    if locked != 0 {
        metrics.insert(0, RouteMetric::Lock(locked));
    }
    if !metrics.is_empty() {
        message.attributes.push(RouteAttribute::Metrics(metrics));
    }
    if let Some(realms) = route.realms {
        message
            .attributes
            .push(RouteAttribute::Realm(realm(realms)));
    }
    if let Some(expires) = route.expires {
        message.attributes.push(RouteAttribute::Expires(expires));
    }
    if let Some(preference) = route.preference {
        let preference = match preference {
            0 => RoutePreference::Medium,
            1 => RoutePreference::High,
            3 => RoutePreference::Low,
            other => RoutePreference::Other(other),
        };
        message
            .attributes
            .push(RouteAttribute::Preference(preference));
    }
    message
}

/// The gateway of a route of `family`: RTA_GATEWAY, or RTA_VIA for an IPv6 gateway of an IPv4
/// route.
fn gateway_attribute(family: AddressFamily, gateway: std::net::IpAddr) -> RouteAttribute {
    match (family, gateway) {
        (AddressFamily::Ipv4, std::net::IpAddr::V6(v6)) => {
            RouteAttribute::Via(netlink_packet_route::route::RouteVia::Inet6(v6))
        }
        _ => RouteAttribute::Gateway(gateway.into()),
    }
}

/// iproute2's scope when none is given: host for local routes, link for broadcast, multicast,
/// anycast and IPv4 unicast routes with no gateway, global otherwise (always for IPv6).
fn default_scope(route: &VirtualRoute) -> RouteScope {
    let gateway = route.next_hops.iter().any(|hop| hop.gateway.is_some());
    match route.kind {
        _ if route.family() == AddressFamily::Ipv6 => RouteScope::Universe,
        RouteKind::Local => RouteScope::Host,
        RouteKind::Broadcast | RouteKind::Multicast | RouteKind::Anycast => RouteScope::Link,
        RouteKind::Unicast if !gateway && route.next_hops.len() <= 1 => RouteScope::Link,
        _ => RouteScope::Universe,
    }
}

/// The RTM_NEWRULE / RTM_DELRULE message for `rule`: what `ip rule` sends.
pub(super) fn rule_message(rule: &VirtualRule) -> RuleMessage {
    let mut message = RuleMessage::default();
    let header = &mut message.header;
    header.family = netlink_family(rule.address_family());
    header.tos = rule.tos;
    header.action = match rule.action {
        RuleAction::Table(_) | RuleAction::L3mdev => NetlinkRuleAction::ToTable,
        RuleAction::Goto(_) => NetlinkRuleAction::Goto,
        RuleAction::Nop => NetlinkRuleAction::Nop,
        RuleAction::Blackhole => NetlinkRuleAction::Blackhole,
        RuleAction::Unreachable => NetlinkRuleAction::Unreachable,
        RuleAction::Prohibit => NetlinkRuleAction::Prohibit,
    };
    if rule.invert {
        header.flags |= RuleFlags::Invert;
    }
    let attributes = &mut message.attributes;
    if let Some((from, len)) = rule.from {
        message.header.src_len = len;
        attributes.push(RuleAttribute::Source(from));
    }
    if let Some((to, len)) = rule.to {
        message.header.dst_len = len;
        attributes.push(RuleAttribute::Destination(to));
    }
    match rule.action {
        RuleAction::Table(table) => {
            message.header.table = header_table(table);
            attributes.push(RuleAttribute::Table(table));
        }
        RuleAction::Goto(target) => attributes.push(RuleAttribute::Goto(target)),
        RuleAction::L3mdev => attributes.push(RuleAttribute::L3MDev(true)),
        // The header's action says it all.
        RuleAction::Nop
        | RuleAction::Blackhole
        | RuleAction::Unreachable
        | RuleAction::Prohibit => {}
    }
    if let Some(priority) = rule.priority {
        attributes.push(RuleAttribute::Priority(priority));
    }
    if let Some((mark, mask)) = rule.fwmark {
        attributes.push(RuleAttribute::FwMark(mark));
        if let Some(mask) = mask {
            attributes.push(RuleAttribute::FwMask(mask));
        }
    }
    if let Some(name) = &rule.input_interface {
        attributes.push(RuleAttribute::Iifname(name.clone()));
    }
    if let Some(name) = &rule.output_interface {
        attributes.push(RuleAttribute::Oifname(name.clone()));
    }
    if let Some(realms) = rule.realms {
        attributes.push(RuleAttribute::Realm(realm(realms)));
    }
    if let Some(len) = rule.suppress_prefix_len {
        attributes.push(RuleAttribute::SuppressPrefixLen(len));
    }
    if let Some(group) = rule.suppress_interface_group {
        attributes.push(RuleAttribute::SuppressIfGroup(group));
    }
    if let Some((start, end)) = rule.uid_range {
        attributes.push(RuleAttribute::UidRange(RuleUidRange { start, end }));
    }
    if let Some(id) = rule.tunnel_id {
        attributes.push(RuleAttribute::TunId(id));
    }
    if let Some((start, end)) = rule.source_ports {
        attributes.push(RuleAttribute::SourcePortRange(RulePortRange { start, end }));
    }
    if let Some((start, end)) = rule.destination_ports {
        attributes.push(RuleAttribute::DestinationPortRange(RulePortRange {
            start,
            end,
        }));
    }
    if let Some(protocol) = rule.ip_protocol {
        attributes.push(RuleAttribute::IpProtocol(IpProtocol::from(protocol)));
    }
    let protocol = rule.protocol.unwrap_or(ROUTE_PROTOCOL);
    attributes.push(RuleAttribute::Protocol(RouteProtocol::from(protocol)));
    message
}

/// What a deleted route reported by the kernel identifies, if it carries our mark: the others
/// are not ours to restore.
pub(super) fn removed_route(message: &RouteMessage) -> Option<RouteId> {
    if u8::from(message.header.protocol) != ROUTE_PROTOCOL {
        return None;
    }
    let family = match message.header.address_family {
        netlink_packet_route::AddressFamily::Inet => AddressFamily::Ipv4,
        netlink_packet_route::AddressFamily::Inet6 => AddressFamily::Ipv6,
        _ => return None,
    };
    let mut destination = match family {
        AddressFamily::Ipv4 => std::net::Ipv4Addr::UNSPECIFIED.into(),
        AddressFamily::Ipv6 => std::net::Ipv6Addr::UNSPECIFIED.into(),
    };
    let mut table = u32::from(message.header.table);
    let mut metric = 0;
    for attribute in &message.attributes {
        match attribute {
            RouteAttribute::Destination(RouteAddress::Inet(v4)) => destination = (*v4).into(),
            RouteAttribute::Destination(RouteAddress::Inet6(v6)) => destination = (*v6).into(),
            RouteAttribute::Table(t) => table = *t,
            RouteAttribute::Priority(p) => metric = *p,
            _ => {}
        }
    }
    Some(RouteId {
        destination,
        prefix_len: message.header.destination_prefix_length,
        table,
        metric,
    })
}

/// Whether a deleted rule reported by the kernel carries our mark.
pub(super) fn removed_rule(message: &RuleMessage) -> bool {
    message.attributes.iter().any(|attribute| {
        matches!(attribute, RuleAttribute::Protocol(p) if u8::from(*p) == ROUTE_PROTOCOL)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::{NextHop, RouteMetric as Metric};

    #[test]
    fn a_route_message_carries_every_option_and_the_mark() {
        let mut route = VirtualRoute::new([198, 51, 100, 0].into(), 24);
        route.next_hops.push(NextHop::via([192, 0, 2, 254].into()));
        route.table = 1000;
        route.metric = Some(5);
        route.source = Some([192, 0, 2, 100].into());
        route.metrics.push(Metric {
            kind: RouteMetricKind::Mtu,
            value: 1400,
            locked: true,
        });
        route.metrics.push(Metric {
            kind: RouteMetricKind::FastopenNoCookie,
            value: 1,
            locked: true,
        });
        let message = route_message(&route, false);
        assert_eq!(
            message.header.table, 0,
            "a table above 255 goes in RTA_TABLE"
        );
        assert_eq!(u8::from(message.header.protocol), ROUTE_PROTOCOL);
        assert_eq!(message.header.scope, RouteScope::Universe);
        let has = |wanted: &RouteAttribute| message.attributes.contains(wanted);
        assert!(has(&RouteAttribute::Table(1000)));
        assert!(has(&RouteAttribute::Priority(5)));
        // RTAX_MTU is 2, RTAX_FASTOPEN_NO_COOKIE 17 (16 is the congestion control's).
        assert!(has(&RouteAttribute::Metrics(vec![
            RouteMetric::Lock(1 << 2 | 1 << 17),
            RouteMetric::Mtu(1400),
            RouteMetric::FastopenNoCookie(1)
        ])));
        let removal = route_message(&route, true);
        assert_eq!(removal.header.scope, RouteScope::NoWhere);
        assert_eq!(u8::from(removal.header.protocol), ROUTE_PROTOCOL);
        assert_eq!(
            removed_route(&removal),
            Some(route.id()),
            "a deletion names the route it was"
        );
    }

    #[test]
    fn a_route_with_no_gateway_is_link_scoped_and_a_multipath_one_weighs_its_hops() {
        let mut route = VirtualRoute::new([198, 51, 100, 0].into(), 24);
        route.next_hops.push(NextHop::dev(3));
        assert_eq!(route_message(&route, false).header.scope, RouteScope::Link);
        let mut heavy = NextHop::via([192, 0, 2, 2].into());
        heavy.weight = 3;
        route.next_hops = vec![NextHop::via([192, 0, 2, 1].into()), heavy];
        let message = route_message(&route, false);
        let Some(RouteAttribute::MultiPath(hops)) =
            (message.attributes.iter()).find(|a| matches!(a, RouteAttribute::MultiPath(_)))
        else {
            panic!("no RTA_MULTIPATH in {message:?}");
        };
        assert_eq!(hops.iter().map(|h| h.hops).collect::<Vec<_>>(), [0, 2]);
    }

    #[test]
    fn a_rule_message_carries_its_selectors_action_and_mark() {
        let mut rule = VirtualRule::new(RuleAction::Table(10));
        rule.from = Some(([192, 0, 2, 100].into(), 32));
        rule.priority = Some(100);
        rule.fwmark = Some((7, Some(0xff)));
        rule.invert = true;
        let message = rule_message(&rule);
        assert_eq!(message.header.src_len, 32);
        assert_eq!(message.header.table, 10);
        assert!(message.header.flags.contains(RuleFlags::Invert));
        assert!(message.attributes.contains(&RuleAttribute::FwMask(0xff)));
        assert!(removed_rule(&message));
        rule.protocol = Some(4);
        assert!(!removed_rule(&rule_message(&rule)));
    }
}
