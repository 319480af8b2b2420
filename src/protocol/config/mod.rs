//! The configuration of one virtual router, validated once so that the state machine never meets an
//! impossible combination.

use std::net::IpAddr;
use std::time::Duration;

use bytes::BytesMut;

mod builder;
mod error;

pub use builder::ConfigBuilder;
pub use error::ConfigError;

#[cfg(feature = "auth-hmac")]
use crate::HmacAuth;
use crate::packet::{
    AddressList, Advertisement, Authentication, ChecksumAcceptance, ChecksumForm, Version,
};
use crate::{AddressFamily, Interval, Priority, RouterAdvertisements, Vrid};

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
    pub(crate) down_adverts: u8,
    pub(crate) owner_ignores_adverts: bool,
    pub(crate) unicast_hop_limit: u8,
    pub(crate) multicast_group: IpAddr,
    pub(crate) stall_yield: Option<Priority>,
    /// Boxed: most routers have none, and then pay a pointer.
    pub(crate) router_advertisements: Option<Box<RouterAdvertisements>>,
    /// Boxed, for the same reason.
    #[cfg(feature = "auth-hmac")]
    pub(crate) auth_hmac: Option<Box<HmacAuth>>,
}

impl Config {
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

    /// How many advertisement intervals Master_Down_Interval lasts before Skew_Time (3 unless
    /// [`ConfigBuilder::down_interval_adverts`] changed it).
    pub fn down_interval_adverts(&self) -> u8 {
        self.down_adverts
    }

    /// Whether the owner ignores received adverts: see [`ConfigBuilder::owner_ignores_adverts`].
    pub fn owner_ignores_adverts(&self) -> bool {
        self.owner_ignores_adverts
    }

    /// The multicast group adverts go to without unicast peers: 224.0.0.18 or ff02::12 (RFC 5798
    /// §5.1.1.2, §5.1.2.2) unless [`ConfigBuilder::multicast_group`] set another.
    pub fn multicast_group(&self) -> IpAddr {
        self.multicast_group
    }

    /// The highest priority of the other routers, to which a Master that stalled yields: see
    /// [`ConfigBuilder::yield_after_stall`].
    pub fn stall_yield(&self) -> Option<Priority> {
        self.stall_yield
    }

    /// The TTL / hop limit of the adverts sent to unicast peers: 255 unless
    /// [`ConfigBuilder::unicast_hop_limit`] lowered it.
    pub fn unicast_hop_limit(&self) -> u8 {
        self.unicast_hop_limit
    }

    /// The TTL / hop limit of an advert sent to `destination`: 255 to the multicast group, the
    /// unicast hop limit to a peer.
    pub(crate) fn hop_limit_to(&self, destination: IpAddr) -> u8 {
        if destination.is_multicast() {
            crate::packet::HOP_LIMIT
        } else {
            self.unicast_hop_limit
        }
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
    /// 224.0.0.18 or ff02::12 (RFC 5798 §5.1.1.2, §5.1.2.2) unless configured otherwise.
    pub(crate) fn destinations(&self) -> &[IpAddr] {
        if self.unicast_peers.is_empty() {
            std::slice::from_ref(&self.multicast_group)
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
