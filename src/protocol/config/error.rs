//! Why a configuration cannot run.

use std::net::IpAddr;
use std::time::Duration;

use crate::packet::EmitError;
use crate::{Priority, RouterAdvertisements};

/// A configuration that cannot run: one variant per invalid setting or combination.
///
/// Later versions may add variants, for settings they add.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// VRID 0 (RFC 5798 §5.2.3: 1–255), from a raw VRID: see [`Vrid::try_from`](crate::Vrid::try_from).
    #[error("VRID 0 is invalid; use 1 to 255")]
    VridZero,
    /// Priority 0 is reserved for a Master that stops (RFC 5798 §5.2.4).
    #[error(
        "priority 0 is reserved for a Master that stops; use 1 to 254, or 255 for the address owner"
    )]
    PriorityZero,
    /// Priority 255 belongs to the owner of the addresses (RFC 5798 §5.2.4).
    #[error(
        "priority 255 is for the owner of the virtual addresses; declare the owner, or use 1 to 254"
    )]
    PriorityReservedForOwner,
    /// The owner of the addresses must use priority 255 (RFC 5798 §5.2.4).
    #[error("the owner of the virtual addresses must use priority 255, not {0}")]
    OwnerPriorityNot255(Priority),
    /// The interval is zero (RFC 9568 erratum 8301).
    #[error("the advertisement interval must not be zero")]
    IntervalZero,
    /// The interval is not a whole number of centiseconds.
    #[error("advertisement interval {0:?} is not a whole number of centiseconds")]
    IntervalNotCentiseconds(Duration),
    /// The interval exceeds 4095 cs (VRRPv3) or 255 s (VRRPv2).
    #[error(
        "advertisement interval {0:?} is too long: VRRPv3 carries at most 40.95 s, VRRPv2 at most 255 s"
    )]
    IntervalTooLong(Duration),
    /// VRRPv2 carries whole seconds only (RFC 3768 §5.3.7).
    #[error("VRRPv2 carries whole seconds; advertisement interval {0:?} is not one")]
    Version2IntervalNotWholeSeconds(Duration),
    /// VRRPv2 is defined for IPv4 only.
    #[error("VRRPv2 is defined for IPv4 only; use VRRPv3 for IPv6")]
    Version2WithIpv6,
    /// VRRPv3 has no authentication.
    #[error("VRRPv3 has no authentication; a password needs VRRPv2")]
    AuthenticationInVersion3,
    /// IPsec AH authentication without the `auth-ah` feature.
    #[error("IPsec AH authentication needs this crate's `auth-ah` feature")]
    IpsecAhUnsupported,
    /// No virtual address, in VRRPv3 (RFC 9568 erratum 8299); VRRPv2 may have none.
    #[error("a VRRPv3 virtual router needs at least one virtual address (VRRPv2 may have none)")]
    NoAddresses,
    /// More than 255 addresses do not fit an advertisement.
    #[error("{0} virtual addresses do not fit an advertisement (at most 255)")]
    TooManyAddresses(usize),
    /// An address appears twice.
    #[error("virtual address {0} is listed twice")]
    DuplicateAddress(IpAddr),
    /// The virtual addresses and the primary address are not of one family (RFC 5798 §5.2.9).
    #[error("virtual address {address} is not of the family of primary address {primary_address}")]
    MixedFamilies {
        /// The sending address, which decides the family.
        primary_address: IpAddr,
        /// The first address of the other family.
        address: IpAddr,
    },
    /// The first IPv6 virtual address must be link-local (RFC 9568 §5.2.9).
    #[error("the first IPv6 virtual address {0} must be link-local (fe80::/10)")]
    FirstIpv6AddressNotLinkLocal(std::net::Ipv6Addr),
    /// IPv6 advertisements are sent from the interface's link-local address (RFC 5798 §5.1.2.1).
    #[error("IPv6 advertisements are sent from a link-local address, not {0}")]
    Ipv6SourceNotLinkLocal(std::net::Ipv6Addr),
    /// An owner (priority 255) always preempts at once (RFC 5798 §6.1).
    #[error(
        "the address owner (priority 255) preempts at once; a preempt delay has no meaning for it"
    )]
    PreemptDelayOnOwner,
    /// VRRPv2/VRRPv3 interoperation is defined for a VRRPv3 router over IPv4 (RFC 5798 §8.4).
    #[error("VRRPv2 interoperation needs a VRRPv3 router over IPv4")]
    InteropNeedsVersion3OverIpv4,
    /// A unicast peer of the other address family.
    #[error("unicast peer {0} is not of the virtual router's address family")]
    PeerFamilyMismatch(IpAddr),
    /// A unicast peer that is multicast, unspecified, or the router's own primary address.
    #[error("unicast peer {0} must be another router's unicast address")]
    InvalidPeer(IpAddr),
    /// A unicast peer listed twice.
    #[error("unicast peer {0} is listed twice")]
    DuplicatePeer(IpAddr),
    /// An announcement burst of zero packets announces nothing.
    #[error("an announcement burst needs at least one packet")]
    NoAnnouncements,
    /// Router advertisements are IPv6's.
    #[error("router advertisements need an IPv6 virtual router")]
    RouterAdvertisementsNeedIpv6,
    /// A router advertisement interval outside 4–1,800 s, or a lifetime shorter than it or
    /// longer than 9,000 s (RFC 4861 §6.2.1).
    #[error("router advertisements every {:?} with a lifetime of {:?}: the interval must be 4 s to 1800 s and the lifetime from the interval to 9000 s", .0.interval, .0.lifetime)]
    InvalidRouterAdvertisements(RouterAdvertisements),
    /// A multicast advert always comes from the link with hop limit 255 (RFC 5798 §7.1); only
    /// unicast peers may be routers away.
    #[error(
        "a minimum hop limit of {0} needs unicast peers: multicast adverts never cross a router"
    )]
    HopLimitRelaxedForMulticast(u8),
    /// A multicast group that is not multicast, not of link-local scope (IPv6), or not of the
    /// router's family.
    #[error(
        "{0} cannot be the advertisements' group: use an IPv4 multicast address, or an IPv6 one \
         of link-local scope (ffX2::/16), of the router's family"
    )]
    InvalidMulticastGroup(IpAddr),
    /// A multicast group set for a router that advertises to unicast peers.
    #[error("multicast group {0} is set, and the advertisements go to unicast peers")]
    MulticastGroupWithPeers(IpAddr),
    /// A unicast hop limit of 0, or one set without unicast peers.
    #[error(
        "a unicast hop limit of {0} is invalid: it is 1 to 255, for adverts to unicast peers \
         (multicast ones always leave with 255)"
    )]
    UnicastHopLimit(u8),
    /// Yielding after a stall needs preemption off and a priority of 1 to 254.
    #[error(
        "yielding after a stall (to priority {0}) needs preemption off, and the other routers' \
         highest priority, 1 to 254"
    )]
    StallYield(Priority),
    /// Master_Down_Interval counts 1 to 100 advertisement intervals.
    #[error("Master_Down_Interval must count 1 to 100 advertisement intervals, not {0}")]
    DownIntervalAdverts(u8),
    /// Only the address owner may ignore adverts.
    #[error("only the address owner (priority 255) may ignore the adverts it receives")]
    IgnoringAdvertsNeedsOwner,
    /// HMAC authentication replaces the VRRPv2 password; keepalived drops the password when both
    /// are configured, this crate asks which one is meant.
    #[error("HMAC authentication (auth_hmac) replaces the VRRPv2 password; configure one of them")]
    AuthHmacWithPassword,
    /// The advertisement this configuration would send cannot be emitted; the checks above should
    /// have caught the cause, so this names a gap in them.
    #[error("the configuration's advertisement cannot be emitted: {0}")]
    Advertisement(EmitError),
}
