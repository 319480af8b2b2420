//! [`ConfigBuilder`]: a virtual router's settings, validated together by `build`.

use std::net::IpAddr;
use std::time::Duration;

#[cfg(feature = "auth-hmac")]
use crate::HmacAuth;
use crate::packet::{
    AddressList, Authentication, ChecksumAcceptance, ChecksumForm, HOP_LIMIT, Version,
};
use crate::{AddressFamily, Interval, Priority, RouterAdvertisements, Vrid};

use super::{Announcements, Config, ConfigError, LowerPriorityResponse};

impl Config {
    /// Starts a configuration for VRID `vrid` on interface `interface_index`, advertising from
    /// `primary_address`: the interface's primary IPv4 address, or its IPv6 link-local address
    /// (RFC 5798 §5.1.1.1, §5.1.2.1). That address also breaks priority ties (§6.4.3).
    pub fn builder(interface_index: u32, vrid: Vrid, primary_address: IpAddr) -> ConfigBuilder {
        ConfigBuilder {
            interface_index,
            vrid,
            primary_address,
            version: Version::V3,
            priority: Priority::DEFAULT,
            owner: false,
            interval: Duration::from_secs(1),
            addresses: Vec::new(),
            preempt: true,
            preempt_delay: Duration::ZERO,
            accept: false,
            checksum_form: ChecksumForm::default(),
            checksum_acceptance: ChecksumAcceptance::default(),
            authentication: Authentication::None,
            lower_priority_response: None,
            announcements: Announcements::default(),
            v2_interop: false,
            track_link: true,
            unicast_peers: Vec::new(),
            min_hop_limit: HOP_LIMIT,
            link_local_required: true,
            down_adverts: 3,
            owner_ignores_adverts: false,
            unicast_hop_limit: HOP_LIMIT,
            multicast_group: None,
            stall_yield: None,
            router_advertisements: None,
            #[cfg(feature = "auth-hmac")]
            auth_hmac: None,
        }
    }
}

/// Collects a virtual router's settings; [`build`](Self::build) validates them together.
///
/// Every setting has a default but the virtual addresses; `build` refuses a combination that
/// cannot run with the [`ConfigError`] that names it:
///
/// ```
/// use std::net::Ipv4Addr;
/// use vrrp::{Config, ConfigError, Priority, Vrid};
///
/// let vrid = Vrid::try_from(51)?;
/// let builder = Config::builder(2, vrid, Ipv4Addr::new(192, 0, 2, 1).into())
///     .address(Ipv4Addr::new(192, 0, 2, 1).into());
///
/// // Priority 255 belongs to the owner of the addresses, which says so.
/// assert_eq!(
///     builder.clone().priority(Priority::OWNER).build(),
///     Err(ConfigError::PriorityReservedForOwner)
/// );
/// let owner = builder.priority(Priority::OWNER).owner(true).build()?;
/// assert!(owner.is_owner());
/// assert_eq!(owner.priority(), Priority::OWNER);
/// # Ok::<(), ConfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct ConfigBuilder {
    interface_index: u32,
    vrid: Vrid,
    primary_address: IpAddr,
    version: Version,
    priority: Priority,
    owner: bool,
    interval: Duration,
    addresses: Vec<IpAddr>,
    preempt: bool,
    preempt_delay: Duration,
    accept: bool,
    checksum_form: ChecksumForm,
    checksum_acceptance: ChecksumAcceptance,
    authentication: Authentication,
    lower_priority_response: Option<LowerPriorityResponse>,
    announcements: Announcements,
    v2_interop: bool,
    track_link: bool,
    unicast_peers: Vec<IpAddr>,
    min_hop_limit: u8,
    link_local_required: bool,
    down_adverts: u8,
    owner_ignores_adverts: bool,
    unicast_hop_limit: u8,
    multicast_group: Option<IpAddr>,
    stall_yield: Option<Priority>,
    router_advertisements: Option<RouterAdvertisements>,
    #[cfg(feature = "auth-hmac")]
    auth_hmac: Option<HmacAuth>,
}

impl ConfigBuilder {
    /// The protocol version (default VRRPv3).
    pub fn version(mut self, version: Version) -> Self {
        self.version = version;
        self
    }

    /// The priority: 1–254 (default 100), or 255 with [`owner`](Self::owner).
    pub fn priority(mut self, priority: Priority) -> Self {
        self.priority = priority;
        self
    }

    /// Declares this router the owner of the virtual addresses (RFC 5798 §5.2.4): they are configured
    /// on its interface, and it must run at priority 255.
    pub fn owner(mut self, owner: bool) -> Self {
        self.owner = owner;
        self
    }

    /// The Advertisement_Interval (default 1 s): a whole number of centiseconds, 10 ms to 40.95 s for
    /// VRRPv3, whole seconds up to 255 s for VRRPv2.
    pub fn advert_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Adds a virtual address. For IPv6 the first one must be link-local.
    pub fn address(mut self, address: IpAddr) -> Self {
        self.addresses.push(address);
        self
    }

    /// Preempt_Mode (default true).
    pub fn preempt(mut self, preempt: bool) -> Self {
        self.preempt = preempt;
        self
    }

    /// Hold back preemption this long after start-up or entering Backup (default none).
    pub fn preempt_delay(mut self, delay: Duration) -> Self {
        self.preempt_delay = delay;
        self
    }

    /// Accept_Mode (default false, as RFC 5798 §6.1 says): whether a non-owner Master's host
    /// accepts packets addressed to the virtual addresses. Off, the router asks for them to be
    /// refused ([`Action::AddAddresses`](crate::Action::AddAddresses)'s `accept`), which the
    /// Linux driver does with nftables rules, except neighbour discovery. A service that answers
    /// on its virtual address (a load balancer, a proxy) needs it on.
    pub fn accept(mut self, accept: bool) -> Self {
        self.accept = accept;
        self
    }

    /// The VRRPv3 IPv4 checksum form to send (default with pseudo-header).
    pub fn checksum_form(mut self, form: ChecksumForm) -> Self {
        self.checksum_form = form;
        self
    }

    /// The VRRPv3 IPv4 checksum forms to accept (default either).
    pub fn checksum_acceptance(mut self, acceptance: ChecksumAcceptance) -> Self {
        self.checksum_acceptance = acceptance;
        self
    }

    /// VRRPv2 authentication (default none).
    pub fn authentication(mut self, authentication: Authentication) -> Self {
        self.authentication = authentication;
        self
    }

    /// How a Master answers a lower-priority advertisement: by default as its RFC says, RFC 9568's
    /// advertise at once for VRRPv3, RFC 3768's silent discard for VRRPv2 (V2-08).
    pub fn lower_priority_response(mut self, response: LowerPriorityResponse) -> Self {
        self.lower_priority_response = Some(response);
        self
    }

    /// IPv6 router advertisements from the Master (RFC 5798 §6.4.3), or `None` (the default) for
    /// none: IPv6 virtual routers only.
    pub fn router_advertisements(mut self, advertisements: Option<RouterAdvertisements>) -> Self {
        self.router_advertisements = advertisements;
        self
    }

    /// The announcement schedule (default 5 at once, 5 more after 5 s, no refresh).
    pub fn announcements(mut self, announcements: Announcements) -> Self {
        self.announcements = announcements;
        self
    }

    /// VRRPv2/VRRPv3 interoperation (RFC 5798 §8.4, default off; VRRPv3 over IPv4 only): send a
    /// VRRPv2 copy of every advertisement, and accept VRRPv2 adverts. Meant for migrations, not as a
    /// permanent deployment; give no VRRPv2 router a higher priority than a sub-second VRRPv3 one.
    pub fn v2_interop(mut self, interop: bool) -> Self {
        self.v2_interop = interop;
        self
    }

    /// Whether the interface's link going down puts the router in Fault (default on). Off
    /// (keepalived's `dont_track_primary`), the router stays in its state while the link is down,
    /// its adverts failing to go out: for an interface whose link state says nothing of its
    /// reachability.
    pub fn track_link(mut self, track: bool) -> Self {
        self.track_link = track;
        self
    }

    /// Adds a unicast peer (keepalived's `unicast_peer`): advertisements go to each peer instead of
    /// the multicast group, and adverts from any other source are discarded and counted as
    /// [`UnknownPeerErrors`](crate::Counter::UnknownPeerErrors). For networks without multicast.
    pub fn unicast_peer(mut self, peer: IpAddr) -> Self {
        self.unicast_peers.push(peer);
        self
    }

    /// The lowest TTL / hop limit a received advert may arrive with (default 255, RFC 5798
    /// §7.1: an advert that crossed a router is refused). Unicast peers only, when they are routers
    /// away (keepalived accepts any TTL from unicast peers, which is `min_hop_limit(0)`): the hop
    /// limit then no longer proves an advert came from the link, so authenticate the adverts with
    /// [`auth_hmac`](Self::auth_hmac).
    pub fn min_hop_limit(mut self, min_hop_limit: u8) -> Self {
        self.min_hop_limit = min_hop_limit;
        self
    }

    /// The TTL / hop limit of the adverts sent to the unicast peers (keepalived's
    /// `unicast_ttl`; default 255, 1 to 255): for peers behind routers, which discard a datagram
    /// whose TTL runs out. Receivers on the link insist on 255 (RFC 5798 §5.1.1.3); set the
    /// peers' [`min_hop_limit`](Self::min_hop_limit) to what arrives. Refused without peers
    /// (multicast adverts always leave with 255).
    pub fn unicast_hop_limit(mut self, hop_limit: u8) -> Self {
        self.unicast_hop_limit = hop_limit;
        self
    }

    /// Sends the adverts to multicast group `group` instead of 224.0.0.18 or ff02::12
    /// (keepalived's `mcast_dst_ip`, `vrrp_mcast_group4`, `vrrp_mcast_group6`), and discards
    /// adverts sent to another group ([`RxError::OtherGroup`](crate::packet::RxError::OtherGroup)):
    /// so groups of routers share a LAN and their VRIDs. An IPv4 multicast address, or an IPv6
    /// one of link-local scope (`ffX2::/16`), of the router's family; not with unicast peers.
    /// Routers that follow RFC 5798 listen on the standard group only, so all of the group's
    /// routers must be set alike. The host joins the group on the interface (the Linux driver
    /// does).
    pub fn multicast_group(mut self, group: IpAddr) -> Self {
        self.multicast_group = Some(group);
        self
    }

    /// Makes a Master that ran late becomes Backup rather than carry on (keepalived's
    /// `timer_expired_backup`): when its next advert is due later than a router of priority
    /// `highest_other` (the highest the others may have, tracking included; 1 to 254) would
    /// have taken over since its last one, it releases its addresses and follows whoever is
    /// Master now. For routers without preemption, which would otherwise take the addresses back
    /// from the router that took over while they stalled; refused with preemption on.
    pub fn yield_after_stall(mut self, highest_other: Priority) -> Self {
        self.stall_yield = Some(highest_other);
        self
    }

    /// Whether an IPv6 router must advertise from a link-local address with a link-local first
    /// virtual address, and refuses adverts whose first address is not (RFC 9568 §5.1.2.1,
    /// §5.2.9 and erratum 8300; default `true`). `false` is keepalived's way, which sends what it
    /// is given (a global first address, a global unicast source) and accepts the same: for a
    /// group of such keepalived peers only, since RFC 9568 receivers discard those adverts.
    pub fn link_local_required(mut self, required: bool) -> Self {
        self.link_local_required = required;
        self
    }

    /// How many advertisement intervals Master_Down_Interval lasts before Skew_Time is added
    /// (keepalived's `down_timer_adverts`; default 3, RFC 5798 §6.1; 1 to 100). More rides out
    /// the loss of that many adverts in a row, at the cost of a slower takeover after a crash;
    /// fewer takes over sooner and may take over from a Master that is only late.
    pub fn down_interval_adverts(mut self, adverts: u8) -> Self {
        self.down_adverts = adverts;
        self
    }

    /// Whether the address owner ignores every advert it receives (keepalived's
    /// `owner_ignore_adverts`; default `false`). RFC 9568 erratum 8298 has the owner process
    /// them, so that two routers claiming the addresses settle on one Master; set it only where
    /// a misconfigured peer must never move the owner, since two owners then both stay Master.
    /// Received adverts are still checked and counted. Refused for a router that is not the owner.
    pub fn owner_ignores_adverts(mut self, ignore: bool) -> Self {
        self.owner_ignores_adverts = ignore;
        self
    }

    /// HMAC authentication of the advertisements (keepalived 2.4's `auth_hmac`; default none):
    /// adverts are signed as its mode says and received ones verified before the state machine
    /// sees them. Needs the wall clock: see [`WallClock`](crate::WallClock). It replaces the
    /// VRRPv2 password, which cannot be set with it.
    #[cfg(feature = "auth-hmac")]
    pub fn auth_hmac(mut self, auth: HmacAuth) -> Self {
        self.auth_hmac = Some(auth);
        self
    }

    /// Validates the settings together.
    pub fn build(self) -> Result<Config, ConfigError> {
        let priority = match (self.priority, self.owner) {
            (Priority::SHUTDOWN, _) => return Err(ConfigError::PriorityZero),
            (Priority::OWNER, false) => return Err(ConfigError::PriorityReservedForOwner),
            (p, true) if p != Priority::OWNER => return Err(ConfigError::OwnerPriorityNot255(p)),
            (p, _) => p,
        };
        let interval = self.validated_interval()?;
        let family = AddressFamily::of(self.primary_address);
        // VRRPv2 may advertise none (keepalived's instances whose notify scripts move the
        // address); VRRPv3 may not (RFC 9568 erratum 8299).
        let first = self.addresses.first().copied();
        if first.is_none() && self.version == Version::V3 {
            return Err(ConfigError::NoAddresses);
        }
        if let Some(&other) = self
            .addresses
            .iter()
            .find(|a| AddressFamily::of(**a) != family)
        {
            return Err(ConfigError::MixedFamilies {
                primary_address: self.primary_address,
                address: other,
            });
        }
        if self.addresses.len() > usize::from(u8::MAX) {
            return Err(ConfigError::TooManyAddresses(self.addresses.len()));
        }
        if let Some(duplicate) = self
            .addresses
            .iter()
            .enumerate()
            .find_map(|(i, a)| self.addresses[..i].contains(a).then_some(*a))
        {
            return Err(ConfigError::DuplicateAddress(duplicate));
        }
        if let Some(IpAddr::V6(first)) = first
            && !first.is_unicast_link_local()
            && self.link_local_required
        {
            return Err(ConfigError::FirstIpv6AddressNotLinkLocal(first));
        }
        // Every address is of `family`, as checked above.
        let addresses = match family {
            AddressFamily::Ipv4 => {
                AddressList::ipv4(self.addresses.iter().filter_map(|a| match a {
                    IpAddr::V4(v4) => Some(*v4),
                    IpAddr::V6(_) => None,
                }))
            }
            AddressFamily::Ipv6 => {
                AddressList::ipv6(self.addresses.iter().filter_map(|a| match a {
                    IpAddr::V6(v6) => Some(*v6),
                    IpAddr::V4(_) => None,
                }))
            }
        };
        if let IpAddr::V6(source) = self.primary_address
            && !source.is_unicast_link_local()
            && self.link_local_required
        {
            return Err(ConfigError::Ipv6SourceNotLinkLocal(source));
        }
        if self.version == Version::V2 && family == AddressFamily::Ipv6 {
            return Err(ConfigError::Version2WithIpv6);
        }
        #[cfg(not(feature = "auth-ah"))]
        if let Authentication::IpsecAh(_) = self.authentication {
            return Err(ConfigError::IpsecAhUnsupported);
        }
        if let (Version::V3, Authentication::Password(_) | Authentication::IpsecAh(_)) =
            (self.version, self.authentication)
        {
            return Err(ConfigError::AuthenticationInVersion3);
        }
        if self.owner && self.preempt_delay > Duration::ZERO {
            return Err(ConfigError::PreemptDelayOnOwner);
        }
        if self.announcements.repeat == 0 || self.announcements.refresh_repeat == 0 {
            return Err(ConfigError::NoAnnouncements);
        }
        if let Some(advertisements) = self.router_advertisements {
            if family != AddressFamily::Ipv6 {
                return Err(ConfigError::RouterAdvertisementsNeedIpv6);
            }
            if !advertisements.is_valid() {
                return Err(ConfigError::InvalidRouterAdvertisements(advertisements));
            }
        }
        if self.v2_interop && (self.version != Version::V3 || family != AddressFamily::Ipv4) {
            return Err(ConfigError::InteropNeedsVersion3OverIpv4);
        }
        self.check_unicast_peers(family)?;
        if self.min_hop_limit < HOP_LIMIT && self.unicast_peers.is_empty() {
            return Err(ConfigError::HopLimitRelaxedForMulticast(self.min_hop_limit));
        }
        let multicast_group = match self.multicast_group {
            None => family.vrrp_group(),
            Some(group) if !self.unicast_peers.is_empty() => {
                return Err(ConfigError::MulticastGroupWithPeers(group));
            }
            Some(group) => {
                let valid = match group {
                    IpAddr::V4(v4) => v4.is_multicast() && family == AddressFamily::Ipv4,
                    IpAddr::V6(v6) => {
                        v6.segments()[0] & 0xff0f == 0xff02 && family == AddressFamily::Ipv6
                    }
                };
                if !valid {
                    return Err(ConfigError::InvalidMulticastGroup(group));
                }
                group
            }
        };
        if self.unicast_hop_limit == 0
            || (self.unicast_hop_limit != HOP_LIMIT && self.unicast_peers.is_empty())
        {
            return Err(ConfigError::UnicastHopLimit(self.unicast_hop_limit));
        }
        if let Some(priority) = self.stall_yield
            && (self.preempt || !(1..=254).contains(&priority.get()))
        {
            return Err(ConfigError::StallYield(priority));
        }
        if !(1..=100).contains(&self.down_adverts) {
            return Err(ConfigError::DownIntervalAdverts(self.down_adverts));
        }
        if self.owner_ignores_adverts && !self.owner {
            return Err(ConfigError::IgnoringAdvertsNeedsOwner);
        }
        #[cfg(feature = "auth-hmac")]
        if self.auth_hmac.is_some() && self.authentication != Authentication::None {
            return Err(ConfigError::AuthHmacWithPassword);
        }
        let config = Config {
            interface_index: self.interface_index,
            vrid: self.vrid,
            version: self.version,
            priority,
            owner: self.owner,
            interval,
            primary_address: self.primary_address,
            addresses,
            preempt: self.preempt,
            preempt_delay: self.preempt_delay,
            accept: self.accept,
            checksum_form: self.checksum_form,
            checksum_acceptance: self.checksum_acceptance,
            authentication: self.authentication,
            lower_priority_response: self.lower_priority_response.unwrap_or(match self.version {
                Version::V2 => LowerPriorityResponse::Discard,
                Version::V3 => LowerPriorityResponse::Readvertise,
            }),
            announcements: self.announcements,
            v2_interop: self.v2_interop,
            track_link: self.track_link,
            unicast_peers: self.unicast_peers.into_boxed_slice(),
            min_hop_limit: self.min_hop_limit,
            link_local_required: self.link_local_required,
            down_adverts: self.down_adverts,
            owner_ignores_adverts: self.owner_ignores_adverts,
            unicast_hop_limit: self.unicast_hop_limit,
            multicast_group,
            stall_yield: self.stall_yield,
            router_advertisements: self.router_advertisements.map(Box::new),
            #[cfg(feature = "auth-hmac")]
            auth_hmac: self.auth_hmac.map(Box::new),
        };
        config.check_advertisement()?;
        Ok(config)
    }
}

/// The checks `build` makes one at a time: the unicast peers and the advertisement interval.
impl ConfigBuilder {
    fn check_unicast_peers(&self, family: AddressFamily) -> Result<(), ConfigError> {
        for (i, &peer) in self.unicast_peers.iter().enumerate() {
            if AddressFamily::of(peer) != family {
                return Err(ConfigError::PeerFamilyMismatch(peer));
            }
            if peer.is_multicast() || peer.is_unspecified() || peer == self.primary_address {
                return Err(ConfigError::InvalidPeer(peer));
            }
            if self.unicast_peers[..i].contains(&peer) {
                return Err(ConfigError::DuplicatePeer(peer));
            }
        }
        Ok(())
    }

    fn validated_interval(&self) -> Result<Interval, ConfigError> {
        let duration = self.interval;
        if duration.is_zero() {
            return Err(ConfigError::IntervalZero);
        }
        if !duration.as_nanos().is_multiple_of(10_000_000) {
            return Err(ConfigError::IntervalNotCentiseconds(duration));
        }
        let max_centis = match self.version {
            Version::V3 => u128::from(Interval::V3_MAX_CENTIS),
            Version::V2 => u128::from(Interval::V2_MAX_SECS) * 100,
        };
        let interval = u16::try_from(duration.as_millis() / 10)
            .ok()
            .filter(|&centis| u128::from(centis) <= max_centis)
            .and_then(Interval::from_centis)
            .ok_or(ConfigError::IntervalTooLong(duration))?;
        if self.version == Version::V2 && interval.as_v2_secs().is_none() {
            return Err(ConfigError::Version2IntervalNotWholeSeconds(duration));
        }
        Ok(interval)
    }
}
