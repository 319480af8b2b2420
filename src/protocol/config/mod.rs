//! The configuration of one virtual router, validated once so that the state machine never meets an
//! impossible combination.

use std::net::IpAddr;
use std::time::Duration;

use bytes::BytesMut;

mod checks;
mod error;

pub use error::ConfigError;

#[cfg(feature = "auth-hmac")]
use crate::HmacAuth;
use crate::packet::{
    AddressList, Advertisement, Authentication, ChecksumAcceptance, ChecksumForm, HOP_LIMIT,
    IPV4_MULTICAST, IPV6_MULTICAST, Version,
};
use crate::{AddressFamily, Interval, Priority, RouterAdvertisements, Vrid};

const MULTICAST_V4: IpAddr = IpAddr::V4(IPV4_MULTICAST);
const MULTICAST_V6: IpAddr = IpAddr::V6(IPV6_MULTICAST);

/// How a Master answers an advertisement of lower priority (or a lost tie).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum LowerPriorityResponse {
    /// RFC 9568 §6.4.3: discard it and advertise at once, so the other router and learning bridges
    /// hear the Master without waiting an interval; the addresses are announced again too.
    #[default]
    Readvertise,
    /// RFC 5798 §6.4.3: discard it silently.
    Discard,
}

/// Gratuitous ARPs / unsolicited neighbour advertisements sent for the virtual addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Announcements {
    /// How many announcements make one burst (keepalived's `garp_master_repeat`, default 5).
    pub repeat: u8,
    /// A second burst this long after becoming Master (keepalived's `garp_master_delay`, default 5 s);
    /// `None` for no second burst.
    pub second_burst: Option<Duration>,
    /// A burst every this long while Master (keepalived's `garp_master_refresh`); `None` for none.
    pub refresh: Option<Duration>,
    /// How many announcements make one refresh burst (keepalived's `garp_master_refresh_repeat`,
    /// default 1).
    pub refresh_repeat: u8,
}

impl Default for Announcements {
    fn default() -> Self {
        Self {
            repeat: 5,
            second_burst: Some(Duration::from_secs(5)),
            refresh: None,
            refresh_repeat: 1,
        }
    }
}

/// A validated virtual router configuration. Build one with [`Config::builder`].
///
/// ```
/// use std::net::Ipv4Addr;
/// use std::time::Duration;
/// use vrrp::{Config, Priority, Vrid};
///
/// const VRID: Vrid = Vrid::new(51).expect("VRID 51 is not 0");
///
/// // A backup at priority 200 for 192.0.2.100 on interface 2, advertising every 100 ms.
/// let config = Config::builder(2, VRID, Ipv4Addr::new(192, 0, 2, 1).into())
///     .priority(Priority::new(200))
///     .advert_interval(Duration::from_millis(100))
///     .address(Ipv4Addr::new(192, 0, 2, 100).into())
///     .build()?;
/// assert_eq!(config.vrid(), VRID);
/// assert_eq!(config.interval().as_centis(), 10);
/// assert!(!config.is_owner());
/// # Ok::<(), vrrp::ConfigError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub(crate) interface_index: u32,
    pub(crate) vrid: Vrid,
    pub(crate) version: Version,
    pub(crate) priority: Priority,
    pub(crate) owner: bool,
    pub(crate) interval: Interval,
    pub(crate) primary_address: IpAddr,
    pub(crate) addresses: AddressList,
    pub(crate) preempt: bool,
    pub(crate) preempt_delay: Duration,
    pub(crate) accept: bool,
    pub(crate) checksum_form: ChecksumForm,
    pub(crate) checksum_acceptance: ChecksumAcceptance,
    pub(crate) authentication: Authentication,
    pub(crate) lower_priority_response: LowerPriorityResponse,
    pub(crate) announcements: Announcements,
    pub(crate) v2_interop: bool,
    pub(crate) track_link: bool,
    pub(crate) unicast_peers: Box<[IpAddr]>,
    pub(crate) min_hop_limit: u8,
    pub(crate) link_local_required: bool,
    /// Boxed: most routers have none, and then pay a pointer.
    pub(crate) router_advertisements: Option<Box<RouterAdvertisements>>,
    /// Boxed, for the same reason.
    #[cfg(feature = "auth-hmac")]
    pub(crate) auth_hmac: Option<Box<HmacAuth>>,
}

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
            router_advertisements: None,
            #[cfg(feature = "auth-hmac")]
            auth_hmac: None,
        }
    }

    /// The interface index the virtual router runs on.
    pub fn interface_index(&self) -> u32 {
        self.interface_index
    }

    /// The virtual router identifier.
    pub fn vrid(&self) -> Vrid {
        self.vrid
    }

    /// The address family of the virtual addresses.
    pub fn family(&self) -> AddressFamily {
        self.addresses.family()
    }

    /// The protocol version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The configured priority (255 for the address owner).
    pub fn priority(&self) -> Priority {
        self.priority
    }

    /// The Advertisement_Interval.
    pub fn interval(&self) -> Interval {
        self.interval
    }

    /// The sending address, which also breaks ties.
    pub fn primary_address(&self) -> IpAddr {
        self.primary_address
    }

    /// The virtual addresses, in advertisement order.
    pub fn addresses(&self) -> &AddressList {
        &self.addresses
    }

    /// Whether this router owns the virtual addresses: they are its real interface addresses, it
    /// advertises priority 255, and it never adds or removes them.
    pub fn is_owner(&self) -> bool {
        self.owner
    }

    /// Preempt_Mode: whether a higher-priority Backup takes over from a lower-priority Master.
    pub fn preempt(&self) -> bool {
        self.preempt
    }

    /// How long after start-up (or entering Backup) preemption is held back (keepalived's extension).
    pub fn preempt_delay(&self) -> Duration {
        self.preempt_delay
    }

    /// Accept_Mode: whether a non-owner Master accepts packets addressed to the virtual addresses.
    pub fn accept(&self) -> bool {
        self.accept
    }

    /// The VRRPv3 IPv4 checksum form sent.
    pub fn checksum_form(&self) -> ChecksumForm {
        self.checksum_form
    }

    /// The VRRPv3 IPv4 checksum forms accepted.
    pub fn checksum_acceptance(&self) -> ChecksumAcceptance {
        self.checksum_acceptance
    }

    /// VRRPv2 authentication.
    pub fn authentication(&self) -> &Authentication {
        &self.authentication
    }

    /// How a Master answers a lower-priority advertisement.
    pub fn lower_priority_response(&self) -> LowerPriorityResponse {
        self.lower_priority_response
    }

    /// The announcement schedule.
    pub fn announcements(&self) -> Announcements {
        self.announcements
    }

    /// The IPv6 router advertisements the Master sends, if any.
    pub fn router_advertisements(&self) -> Option<RouterAdvertisements> {
        self.router_advertisements.as_deref().copied()
    }

    /// Whether this VRRPv3 IPv4 router also speaks VRRPv2 (RFC 5798 §8.4).
    pub fn v2_interop(&self) -> bool {
        self.v2_interop
    }

    /// Whether its interface's link going down puts it in Fault.
    pub fn tracks_link(&self) -> bool {
        self.track_link
    }

    /// The whole seconds a VRRPv2 copy of this router's advert carries in interop mode: the interval
    /// rounded to the nearest second, at least 1 (RFC 3768 has no sub-second intervals).
    pub fn v2_interop_interval(&self) -> Interval {
        let secs = (self.interval.as_centis() + 50) / 100;
        let secs = u8::try_from(secs.clamp(1, 255)).unwrap_or(u8::MAX);
        Interval::from_secs(secs).unwrap_or(Interval::DEFAULT)
    }

    /// The unicast peers advertisements go to instead of the multicast group; empty for multicast.
    pub fn unicast_peers(&self) -> &[IpAddr] {
        &self.unicast_peers
    }

    /// Whether IPv6 adverts must come from a link-local address with a link-local first address
    /// (RFC 9568 §5.1.2.1, §5.2.9; the default): see [`ConfigBuilder::link_local_required`].
    pub fn link_local_required(&self) -> bool {
        self.link_local_required
    }

    /// The lowest TTL / hop limit a received advert may arrive with: 255 (on the link) unless
    /// [`ConfigBuilder::min_hop_limit`] lowered it for unicast peers across routers.
    pub fn min_hop_limit(&self) -> u8 {
        self.min_hop_limit
    }

    /// The HMAC authentication of the advertisements, if any.
    #[cfg(feature = "auth-hmac")]
    pub fn auth_hmac(&self) -> Option<&HmacAuth> {
        self.auth_hmac.as_deref()
    }

    /// Whether `other` is this configuration but for its HMAC authentication (which may be the
    /// same too).
    #[cfg(feature = "auth-hmac")]
    pub(crate) fn differs_only_in_auth_hmac(&self, other: &Config) -> bool {
        let mut same = other.clone();
        same.auth_hmac.clone_from(&self.auth_hmac);
        same == *self
    }
}

impl Config {
    /// Proves the advertisement this configuration sends can be emitted, so the router never meets
    /// an emit error at run time.
    fn check_advertisement(&self) -> Result<(), ConfigError> {
        let mut scratch = BytesMut::new();
        for advert in std::iter::once(self.advertisement(self.priority))
            .chain(self.v2_interop_advertisement(self.priority))
        {
            for &destination in self.destinations() {
                let source = self.primary_address;
                if self.link_local_required {
                    advert.emit_to(source, destination, &mut scratch)
                } else {
                    advert.emit_any_first_to(source, destination, &mut scratch)
                }
                .map_err(ConfigError::Advertisement)?;
                #[cfg(feature = "auth-hmac")]
                if self.auth_hmac.is_some() {
                    advert
                        .emit_signed_to(
                            self.primary_address,
                            destination,
                            0,
                            0,
                            |_| [0; crate::packet::TRAILER_HMAC_LEN],
                            &mut scratch,
                        )
                        .map_err(ConfigError::Advertisement)?;
                }
            }
        }
        Ok(())
    }

    /// Where advertisements go: the unicast peers if there are any, and if not the multicast group,
    /// 224.0.0.18 or ff02::12 (RFC 5798 §5.1.1.2, §5.1.2.2).
    pub(crate) fn destinations(&self) -> &[IpAddr] {
        if self.unicast_peers.is_empty() {
            std::slice::from_ref(match self.family() {
                AddressFamily::Ipv4 => &MULTICAST_V4,
                AddressFamily::Ipv6 => &MULTICAST_V6,
            })
        } else {
            &self.unicast_peers
        }
    }

    /// The advertisement this router sends at `priority`.
    pub(crate) fn advertisement(&self, priority: Priority) -> Advertisement {
        Advertisement {
            version: self.version,
            vrid: self.vrid,
            priority,
            interval: self.interval,
            addresses: self.addresses.clone(),
            authentication: self.authentication,
            checksum_form: self.checksum_form,
        }
    }

    /// The VRRPv2 copy sent alongside in interop mode. It keeps the rest of the VRRPv3 advert: no
    /// password (`build` refuses one with VRRPv3), and a checksum form that VRRPv2 ignores (its
    /// checksum covers the message only).
    pub(crate) fn v2_interop_advertisement(&self, priority: Priority) -> Option<Advertisement> {
        self.v2_interop.then(|| Advertisement {
            version: Version::V2,
            interval: self.v2_interop_interval(),
            ..self.advertisement(priority)
        })
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

    /// Whether an IPv6 router must advertise from a link-local address with a link-local first
    /// virtual address, and refuses adverts whose first address is not (RFC 9568 §5.1.2.1,
    /// §5.2.9 and erratum 8300; default `true`). `false` is keepalived's way, which sends what it
    /// is given (a global first address, a global unicast source) and accepts the same: for a
    /// group of such keepalived peers only, since RFC 9568 receivers discard those adverts.
    pub fn link_local_required(mut self, required: bool) -> Self {
        self.link_local_required = required;
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
        match (self.version, self.authentication) {
            (_, Authentication::IpsecAh(_)) if cfg!(not(feature = "auth-ah")) => {
                return Err(ConfigError::IpsecAhUnsupported);
            }
            (Version::V3, Authentication::Password(_) | Authentication::IpsecAh(_)) => {
                return Err(ConfigError::AuthenticationInVersion3);
            }
            _ => {}
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
            router_advertisements: self.router_advertisements.map(Box::new),
            #[cfg(feature = "auth-hmac")]
            auth_hmac: self.auth_hmac.map(Box::new),
        };
        config.check_advertisement()?;
        Ok(config)
    }
}
