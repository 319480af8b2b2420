//! Routes and policy rules the host holds with the virtual addresses: a router's are installed when
//! it becomes Master and removed when it leaves (keepalived's `virtual_routes` and
//! `virtual_rules`); static ones are installed at start and kept (`static_routes`,
//! `static_rules`). Each is what `ip route add` or `ip rule add` would configure.

use std::fmt;
use std::net::IpAddr;

use crate::AddressFamily;
use crate::host::{AddressScope, VirtualAddress};

/// The main routing table (`table main`), where a route goes unless told otherwise.
pub const MAIN_TABLE: u32 = 254;

/// A route: a destination prefix, what to do with packets to it, and where.
///
/// ```
/// use vrrp::host::{NextHop, VirtualRoute};
///
/// // ip route add 198.51.100.0/24 via 192.0.2.254 table 10
/// let mut route = VirtualRoute::new([198, 51, 100, 0].into(), 24);
/// route.next_hops.push(NextHop::via([192, 0, 2, 254].into()));
/// route.table = 10;
/// assert_eq!(route.to_string(), "198.51.100.0/24 via 192.0.2.254 table 10");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VirtualRoute {
    /// The destination (`0.0.0.0` or `::` with length 0 for `default`).
    pub destination: IpAddr,
    /// The destination's prefix length.
    pub prefix_len: u8,
    /// The route's type: unicast unless it drops or rejects what it matches.
    pub kind: RouteKind,
    /// The table (`table`): [`MAIN_TABLE`] by default.
    pub table: u32,
    /// The metric (`metric`, `priority`, `preference`): the kernel's 0 when none.
    pub metric: Option<u32>,
    /// The preferred source address for packets sent by this host along the route (`src`).
    pub source: Option<IpAddr>,
    /// The source prefix it applies to (`from`, IPv6 only), with its length.
    pub from: Option<(IpAddr, u8)>,
    /// The scope (`scope`): the kernel's choice (link for a route with no gateway, else
    /// global) when none.
    pub scope: Option<AddressScope>,
    /// The type of service it applies to (`tos`, `dsfield`).
    pub tos: u8,
    /// The routing protocol recorded with it (`proto`): `None` for the driver's own mark, by which
    /// it recognises its routes (112 on Linux, as its addresses).
    pub protocol: Option<u8>,
    /// Where packets go: one next hop for a plain route (`via`, `dev`, `onlink`), several for a
    /// multipath one (`nexthop`), none for a route that only drops or rejects.
    pub next_hops: Vec<NextHop>,
    /// The route's metrics (`mtu`, `advmss`, `rtt`...), each possibly locked.
    pub metrics: Vec<RouteMetric>,
    /// The TCP congestion control algorithm for connections along it (`congctl`), and whether it
    /// is locked.
    pub congestion_control: Option<(String, bool)>,
    /// The IPv4 route realms (`realms`): source realm in the high 16 bits, destination in the low.
    pub realms: Option<u32>,
    /// How long the kernel keeps it, in seconds (`expires`, IPv6 only).
    pub expires: Option<u32>,
    /// The IPv6 router preference (`pref`): 0 medium, 1 high, 3 low (RFC 4191).
    pub preference: Option<u8>,
    /// How it is added when a route to the same destination exists.
    pub insertion: RouteInsertion,
    /// Whether it is added again when someone deletes it (keepalived's `no_track` turns it off).
    pub restore: bool,
}

/// How a route is added next to routes to the same destination (`ip route add`, `prepend`,
/// `append`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RouteInsertion {
    /// Before any matching route (`ip route prepend`, keepalived's default).
    #[default]
    Prepend,
    /// Only if no matching route exists (`ip route add`).
    Exclusive,
    /// After any matching route (`ip route append`).
    Append,
}

/// A route's type, as `ip route` names them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RouteKind {
    /// `unicast`: forwarded to the next hop or the interface.
    #[default]
    Unicast,
    /// `local`: delivered to this host.
    Local,
    /// `broadcast`: delivered as broadcast.
    Broadcast,
    /// `anycast`: delivered locally, never used as a source.
    Anycast,
    /// `multicast`: a multicast route.
    Multicast,
    /// `blackhole`: dropped silently.
    Blackhole,
    /// `unreachable`: dropped with ICMP host unreachable.
    Unreachable,
    /// `prohibit`: dropped with ICMP communication administratively prohibited.
    Prohibit,
    /// `throw`: the lookup goes on in the next rule's table.
    Throw,
}

impl RouteKind {
    /// The type `ip route` calls `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "unicast" => Self::Unicast,
            "local" => Self::Local,
            "broadcast" | "brd" => Self::Broadcast,
            "anycast" => Self::Anycast,
            "multicast" => Self::Multicast,
            "blackhole" => Self::Blackhole,
            "unreachable" => Self::Unreachable,
            "prohibit" => Self::Prohibit,
            "throw" => Self::Throw,
            _ => return None,
        })
    }

    /// Its name in `ip route`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Unicast => "unicast",
            Self::Local => "local",
            Self::Broadcast => "broadcast",
            Self::Anycast => "anycast",
            Self::Multicast => "multicast",
            Self::Blackhole => "blackhole",
            Self::Unreachable => "unreachable",
            Self::Prohibit => "prohibit",
            Self::Throw => "throw",
        }
    }
}

/// One next hop of a route: a gateway, an interface, or both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NextHop {
    /// The gateway (`via`).
    pub gateway: Option<IpAddr>,
    /// The interface (`dev`).
    pub interface_index: Option<u32>,
    /// Its share of a multipath route's traffic (`weight`, 1 to 256).
    pub weight: u16,
    /// Whether the gateway is taken as on the link though no prefix there covers it (`onlink`).
    pub onlink: bool,
    /// The IPv4 route realms of this next hop (`realms`).
    pub realms: Option<u32>,
}

impl NextHop {
    /// A next hop through gateway `gateway`, weight 1.
    pub fn via(gateway: IpAddr) -> Self {
        Self {
            gateway: Some(gateway),
            ..Self::device_only(None)
        }
    }

    /// A next hop out of interface `interface_index` with no gateway, weight 1.
    pub fn dev(interface_index: u32) -> Self {
        Self::device_only(Some(interface_index))
    }

    fn device_only(interface_index: Option<u32>) -> Self {
        Self {
            gateway: None,
            interface_index,
            weight: 1,
            onlink: false,
            realms: None,
        }
    }
}

/// A route metric (`ip route ... mtu 1400`), and whether it is locked (`mtu lock 1400`: path MTU
/// discovery does not change it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RouteMetric {
    /// Which metric.
    pub kind: RouteMetricKind,
    /// Its value, in the kernel's unit (iproute2's: `rtt` in 1/8 ms, `rttvar` in 1/4 ms, `rto_min`
    /// in ms).
    pub value: u32,
    /// Whether it is locked.
    pub locked: bool,
}

/// The route metrics Linux keeps (`RTAX_*`), with their `ip route` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RouteMetricKind {
    /// `mtu`.
    Mtu,
    /// `window`.
    Window,
    /// `rtt`.
    Rtt,
    /// `rttvar`.
    RttVar,
    /// `ssthresh`.
    SsThresh,
    /// `cwnd`.
    Cwnd,
    /// `advmss`.
    Advmss,
    /// `reordering`.
    Reordering,
    /// `hoplimit`.
    Hoplimit,
    /// `initcwnd`.
    InitCwnd,
    /// `features` (1: `ecn`).
    Features,
    /// `rto_min`.
    RtoMin,
    /// `initrwnd`.
    InitRwnd,
    /// `quickack`.
    QuickAck,
    /// `fastopen_no_cookie`.
    FastopenNoCookie,
}

impl RouteMetricKind {
    /// Every metric, in the kernel's order.
    pub const ALL: [Self; 15] = [
        Self::Mtu,
        Self::Window,
        Self::Rtt,
        Self::RttVar,
        Self::SsThresh,
        Self::Cwnd,
        Self::Advmss,
        Self::Reordering,
        Self::Hoplimit,
        Self::InitCwnd,
        Self::Features,
        Self::RtoMin,
        Self::InitRwnd,
        Self::QuickAck,
        Self::FastopenNoCookie,
    ];

    /// Its name in `ip route`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mtu => "mtu",
            Self::Window => "window",
            Self::Rtt => "rtt",
            Self::RttVar => "rttvar",
            Self::SsThresh => "ssthresh",
            Self::Cwnd => "cwnd",
            Self::Advmss => "advmss",
            Self::Reordering => "reordering",
            Self::Hoplimit => "hoplimit",
            Self::InitCwnd => "initcwnd",
            Self::Features => "features",
            Self::RtoMin => "rto_min",
            Self::InitRwnd => "initrwnd",
            Self::QuickAck => "quickack",
            Self::FastopenNoCookie => "fastopen_no_cookie",
        }
    }

    /// The metric `ip route` calls `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

impl VirtualRoute {
    /// A unicast route to `destination`/`prefix_len` in the main table, with no next hop yet
    /// (push one to [`next_hops`](Self::next_hops)), restored when deleted.
    pub fn new(destination: IpAddr, prefix_len: u8) -> Self {
        Self {
            destination,
            prefix_len,
            kind: RouteKind::Unicast,
            table: MAIN_TABLE,
            metric: None,
            source: None,
            from: None,
            scope: None,
            tos: 0,
            protocol: None,
            next_hops: Vec::new(),
            metrics: Vec::new(),
            congestion_control: None,
            realms: None,
            expires: None,
            preference: None,
            insertion: RouteInsertion::default(),
            restore: true,
        }
    }

    /// Its address family.
    pub fn family(&self) -> AddressFamily {
        AddressFamily::of(self.destination)
    }

    /// What identifies it, as the kernel reports it when it is deleted: destination (its host
    /// bits cleared, as the kernel clears them), table and metric (IPv6's default is 1024).
    pub fn id(&self) -> RouteId {
        let default_metric = match self.family() {
            AddressFamily::Ipv4 => 0,
            AddressFamily::Ipv6 => 1024,
        };
        RouteId {
            destination: network(self.destination, self.prefix_len),
            prefix_len: self.prefix_len,
            table: self.table,
            metric: self.metric.unwrap_or(default_metric),
        }
    }

    /// The interfaces its next hops go out of.
    pub fn interfaces(&self) -> impl Iterator<Item = u32> + '_ {
        self.next_hops.iter().filter_map(|hop| hop.interface_index)
    }
}

/// `address` with the bits past `prefix_len` cleared.
fn network(address: IpAddr, prefix_len: u8) -> IpAddr {
    match address {
        IpAddr::V4(v4) => {
            let mask = u32::MAX
                .checked_shl(32 - u32::from(prefix_len.min(32)))
                .unwrap_or(0);
            IpAddr::V4((u32::from(v4) & mask).into())
        }
        IpAddr::V6(v6) => {
            let mask = u128::MAX
                .checked_shl(128 - u32::from(prefix_len.min(128)))
                .unwrap_or(0);
            IpAddr::V6((u128::from(v6) & mask).into())
        }
    }
}

/// What identifies a route to the kernel when it is deleted: destination, table and metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RouteId {
    /// The destination.
    pub destination: IpAddr,
    /// Its prefix length.
    pub prefix_len: u8,
    /// The table.
    pub table: u32,
    /// The metric (0 when none was given).
    pub metric: u32,
}

impl fmt::Display for RouteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "route {}/{}", self.destination, self.prefix_len)?;
        if self.table != MAIN_TABLE {
            write!(f, " table {}", self.table)?;
        }
        if self.metric != 0 {
            write!(f, " metric {}", self.metric)?;
        }
        Ok(())
    }
}

/// As `ip route` would print it, interfaces by index (`dev #3`).
impl fmt::Display for VirtualRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind != RouteKind::Unicast {
            write!(f, "{} ", self.kind.name())?;
        }
        write!(f, "{}/{}", self.destination, self.prefix_len)?;
        if let Some((from, len)) = self.from {
            write!(f, " from {from}/{len}")?;
        }
        let multipath = self.next_hops.len() > 1;
        for hop in &self.next_hops {
            if multipath {
                f.write_str(" nexthop")?;
            }
            if let Some(gateway) = hop.gateway {
                write!(f, " via {gateway}")?;
            }
            if let Some(index) = hop.interface_index {
                write!(f, " dev #{index}")?;
            }
            if multipath {
                write!(f, " weight {}", hop.weight)?;
            }
            if hop.onlink {
                f.write_str(" onlink")?;
            }
        }
        if self.table != MAIN_TABLE {
            write!(f, " table {}", self.table)?;
        }
        if let Some(metric) = self.metric {
            write!(f, " metric {metric}")?;
        }
        if let Some(source) = self.source {
            write!(f, " src {source}")?;
        }
        if let Some(scope) = self.scope {
            write!(f, " scope {}", scope.name())?;
        }
        if let Some(protocol) = self.protocol {
            write!(f, " proto {protocol}")?;
        }
        Ok(())
    }
}

/// A policy routing rule (`ip rule add`): which packets it selects, and what it does with them.
///
/// ```
/// use vrrp::host::{RuleAction, VirtualRule};
///
/// // ip rule add from 198.51.100.100 table 1 priority 100
/// let mut rule = VirtualRule::new(RuleAction::Table(1));
/// rule.from = Some(([198, 51, 100, 100].into(), 32));
/// rule.priority = Some(100);
/// assert_eq!(rule.to_string(), "100: from 198.51.100.100/32 lookup 1");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VirtualRule {
    /// Its address family, when no prefix says it (`from all table 1` is IPv4 unless told).
    pub family: AddressFamily,
    /// The source prefix (`from`).
    pub from: Option<(IpAddr, u8)>,
    /// The destination prefix (`to`).
    pub to: Option<(IpAddr, u8)>,
    /// Whether the selection is inverted (`not`).
    pub invert: bool,
    /// The priority (`priority`, `preference`, `order`); the kernel chooses one when none.
    pub priority: Option<u32>,
    /// What it does.
    pub action: RuleAction,
    /// The type of service it selects (`tos`, `dsfield`).
    pub tos: u8,
    /// The firewall mark it selects (`fwmark`), with its mask.
    pub fwmark: Option<(u32, Option<u32>)>,
    /// The input interface it selects, by name (`iif`, `dev`).
    pub input_interface: Option<String>,
    /// The output interface it selects, by name (`oif`).
    pub output_interface: Option<String>,
    /// IPv4 route realms (`realms`).
    pub realms: Option<u32>,
    /// Lookup results with this prefix length or shorter are ignored (`suppress_prefixlength`).
    pub suppress_prefix_len: Option<u32>,
    /// Lookup results whose interface is in this group are ignored (`suppress_ifgroup`).
    pub suppress_interface_group: Option<u32>,
    /// The user ids it selects (`uidrange`), first and last.
    pub uid_range: Option<(u32, u32)>,
    /// The tunnel id it selects (`tunnel-id`).
    pub tunnel_id: Option<u64>,
    /// The source ports it selects (`sport`), first and last.
    pub source_ports: Option<(u16, u16)>,
    /// The destination ports it selects (`dport`), first and last.
    pub destination_ports: Option<(u16, u16)>,
    /// The IP protocol it selects (`ipproto`).
    pub ip_protocol: Option<u8>,
    /// The protocol recorded with it (`protocol`): `None` for the driver's own mark (112 on Linux).
    pub protocol: Option<u8>,
    /// Whether it is added again when someone deletes it (keepalived's `no_track` turns it off).
    pub restore: bool,
}

/// What a rule does with the packets it selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleAction {
    /// Look the route up in this table (`table`, `lookup`).
    Table(u32),
    /// Go on with the rule of this priority (`goto`).
    Goto(u32),
    /// Nothing (`nop`).
    Nop,
    /// Drop silently (`blackhole`).
    Blackhole,
    /// Drop with ICMP unreachable (`unreachable`).
    Unreachable,
    /// Drop with ICMP prohibited (`prohibit`).
    Prohibit,
    /// Look the route up in the table of the VRF device the packet came from (`l3mdev`).
    L3mdev,
}

impl VirtualRule {
    /// A rule of `action` that selects every packet (`from all`), IPv4 unless a prefix given
    /// later says otherwise (set [`family`](Self::family) for `from all` in IPv6), restored when
    /// deleted.
    pub fn new(action: RuleAction) -> Self {
        Self {
            family: AddressFamily::Ipv4,
            from: None,
            to: None,
            invert: false,
            priority: None,
            action,
            tos: 0,
            fwmark: None,
            input_interface: None,
            output_interface: None,
            realms: None,
            suppress_prefix_len: None,
            suppress_interface_group: None,
            uid_range: None,
            tunnel_id: None,
            source_ports: None,
            destination_ports: None,
            ip_protocol: None,
            protocol: None,
            restore: true,
        }
    }

    /// Its address family: that of its prefixes, else [`family`](Self::family).
    pub fn address_family(&self) -> AddressFamily {
        (self.from.or(self.to)).map_or(self.family, |(address, _)| AddressFamily::of(address))
    }

    /// What identifies it in events and errors: family, priority and action.
    pub fn id(&self) -> RuleId {
        RuleId {
            family: self.address_family(),
            priority: self.priority,
            action: self.action,
        }
    }
}

/// What names a rule in events and errors: family, priority and action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RuleId {
    /// Its family.
    pub family: AddressFamily,
    /// Its priority, if it was given one.
    pub priority: Option<u32>,
    /// What it does.
    pub action: RuleAction,
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} rule", self.family)?;
        if let Some(priority) = self.priority {
            write!(f, " {priority}")?;
        }
        write!(f, " ({})", self.action)
    }
}

impl fmt::Display for RuleAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Table(table) => write!(f, "lookup {table}"),
            Self::Goto(priority) => write!(f, "goto {priority}"),
            Self::Nop => f.write_str("nop"),
            Self::Blackhole => f.write_str("blackhole"),
            Self::Unreachable => f.write_str("unreachable"),
            Self::Prohibit => f.write_str("prohibit"),
            Self::L3mdev => f.write_str("lookup [l3mdev-table]"),
        }
    }
}

/// As `ip rule` would print it.
impl fmt::Display for VirtualRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(priority) = self.priority {
            write!(f, "{priority}: ")?;
        }
        if self.invert {
            f.write_str("not ")?;
        }
        match self.from {
            Some((from, len)) => write!(f, "from {from}/{len}")?,
            None => f.write_str("from all")?,
        }
        if let Some((to, len)) = self.to {
            write!(f, " to {to}/{len}")?;
        }
        if let Some((mark, mask)) = self.fwmark {
            write!(f, " fwmark {mark:#x}")?;
            if let Some(mask) = mask {
                write!(f, "/{mask:#x}")?;
            }
        }
        if let Some(name) = &self.input_interface {
            write!(f, " iif {name}")?;
        }
        if let Some(name) = &self.output_interface {
            write!(f, " oif {name}")?;
        }
        write!(f, " {}", self.action)
    }
}

/// Something the host holds besides a router's virtual addresses: a static address, or a route or
/// rule (a router's or a static one). What an [`Event::Restored`](crate::host::Event::Restored)
/// names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostEntry {
    /// A static address (keepalived's `static_ipaddress`), on its interface.
    Address {
        /// The interface.
        interface_index: u32,
        /// The address.
        address: VirtualAddress,
    },
    /// A route.
    Route(Box<VirtualRoute>),
    /// A rule.
    Rule(Box<VirtualRule>),
}

impl fmt::Display for HostEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Address {
                interface_index,
                address,
            } => write!(f, "address {address} on interface {interface_index}"),
            Self::Route(route) => write!(f, "route {route}"),
            Self::Rule(rule) => write!(f, "rule {rule}"),
        }
    }
}

/// What the host holds for as long as the driver runs, whatever the routers' states: keepalived's
/// `static_ipaddress`, `static_routes` and `static_rules`. Installed at start (or when a
/// [`Reconfiguration`](crate::host::Reconfiguration) brings them), restored when deleted, removed
/// when the driver stops; an entry that was there before is left there.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Statics {
    /// Addresses, each with its interface.
    pub addresses: Vec<(u32, VirtualAddress)>,
    /// Routes.
    pub routes: Vec<VirtualRoute>,
    /// Rules.
    pub rules: Vec<VirtualRule>,
}

impl Statics {
    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.addresses.is_empty() && self.routes.is_empty() && self.rules.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_is_identified_as_the_kernel_reports_it_deleted() {
        // IPv6's metric is 1024 unless given; host bits are cleared.
        let v6 = VirtualRoute::new("2001:db8:5::1".parse().expect("address"), 64);
        let id = v6.id();
        assert_eq!(id.metric, 1024);
        assert_eq!(
            id.destination,
            "2001:db8:5::".parse::<IpAddr>().expect("address")
        );
        let v4 = VirtualRoute::new([198, 51, 100, 7].into(), 24);
        assert_eq!(v4.id().metric, 0);
        assert_eq!(v4.id().destination, IpAddr::from([198, 51, 100, 0]));
        assert_eq!(VirtualRoute::new([0, 0, 0, 0].into(), 0).id().prefix_len, 0);
    }
}
