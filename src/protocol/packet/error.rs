//! Why a received packet was discarded, and why an advertisement could not be emitted.

use std::net::Ipv6Addr;

use crate::{AddressFamily, Counter, Interval, ProtoErrReason, Vrid};

use super::{Ipv4Error, Version};

/// A receive check that failed: the packet must be discarded (RFC 5798 §7.1, RFC 9568 errata,
/// RFC 3768 §7.1). One variant per check, carrying the offending value; later versions may add
/// variants, for checks they add.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RxError {
    /// The IP header around the message is malformed (raw IPv4 socket path).
    #[error("malformed IPv4 header: {0}")]
    Ipv4(#[from] Ipv4Error),
    /// The TTL or hop limit is not 255, so the packet may have crossed a router (RFC 5798 §5.1.1.3).
    #[error("TTL / hop limit is {0}, not 255")]
    HopLimit(u8),
    /// The message is shorter than the 8-byte fixed header.
    #[error("{0} bytes are too few for the 8-byte VRRP header")]
    TooShort(usize),
    /// The version is neither 3 nor, over IPv4, 2.
    #[error("VRRP version {version} is not supported over {family}")]
    Version {
        /// The version nibble received.
        version: u8,
        /// The family it arrived over (VRRPv2 exists for IPv4 only).
        family: AddressFamily,
    },
    /// The IPvX Addr Count is zero (RFC 9568 erratum 8299).
    #[error("the address count is zero")]
    NoAddresses,
    /// The message length does not match the address count (RFC 5798 §7.1: the packet must contain the
    /// complete message; trailing bytes inside the IP payload are refused too).
    #[error(
        "{actual} bytes do not match the {expected} bytes of a {version} message with {count} addresses"
    )]
    Length {
        /// The protocol version, which decides the fixed part.
        version: Version,
        /// The address count received.
        count: u8,
        /// The length the count implies.
        expected: usize,
        /// The length received.
        actual: usize,
    },
    /// The checksum does not verify in any accepted form.
    #[error("checksum {received:#06x} is wrong (expected {expected:#06x})")]
    Checksum {
        /// The checksum field received.
        received: u16,
        /// The checksum the message should carry in the first accepted form.
        expected: u16,
    },
    /// The Type is not 1, ADVERTISEMENT (RFC 5798 §5.2.2).
    #[error("packet type {0} is not ADVERTISEMENT (1)")]
    Type(u8),
    /// The VRID is 0, which is valid for no virtual router.
    #[error("VRID 0 is valid for no virtual router")]
    VridZero,
    /// The VRRPv2 Auth Type is not one RFC 2338 defined.
    #[error("VRRPv2 authentication type {0} is unknown")]
    AuthType(u8),
    /// The VRRPv2 Auth Type is 2, the IP Authentication Header, and the advert did not come
    /// inside one.
    #[error("VRRPv2 Auth Type 2 (IP Authentication Header) without an Authentication Header")]
    AuthenticationHeader,
    /// The advertisement interval is zero (RFC 9568 erratum 8301).
    #[error("the advertisement interval is zero")]
    ZeroInterval,
    /// The first IPv6 address is not link-local (RFC 9568 erratum 8300).
    #[error("the first IPv6 address {0} is not link-local")]
    FirstAddressNotLinkLocal(Ipv6Addr),
    /// The VRRPv2 Auth Type differs from the configured one (RFC 3768 §7.1).
    #[error("VRRPv2 authentication type {received} differs from the configured {configured}")]
    AuthTypeMismatch {
        /// The configured Auth Type.
        configured: u8,
        /// The Auth Type received.
        received: u8,
    },
    /// The VRRPv2 password differs from the configured one.
    #[error("VRRPv2 password does not match")]
    AuthFailure,
    /// The VRID is not the virtual router's (RFC 5798 §7.1).
    #[error("VRID {received} is not configured here (expected {configured})")]
    VridMismatch {
        /// The virtual router's VRID.
        configured: Vrid,
        /// The VRID received.
        received: Vrid,
    },
    /// The version is not the one the virtual router runs (RFC 5798 §7.1).
    #[error("{received} advertisement for a {configured} virtual router")]
    VersionMismatch {
        /// The virtual router's version.
        configured: Version,
        /// The version received.
        received: Version,
    },
    /// A VRRPv2 interval other than the configured one (RFC 3768 §7.1 discards it).
    #[error("VRRPv2 interval {received} differs from the configured {configured}")]
    IntervalMismatch {
        /// The configured interval.
        configured: Interval,
        /// The interval received.
        received: Interval,
    },
    /// No virtual router here runs this VRID on this interface and family (RFC 5798 §7.1).
    #[error("no virtual router for VRID {vrid} on interface {interface_index}")]
    UnknownVrid {
        /// The interface the packet arrived on.
        interface_index: u32,
        /// The VRID received.
        vrid: Vrid,
    },
    /// Sent to a multicast group other than the virtual router's (keepalived's `mcast_dst_ip`):
    /// another group's router of the same VRID, which is not this one.
    #[error("advertisement to group {received}, and this virtual router's group is {group}")]
    OtherGroup {
        /// The virtual router's group.
        group: std::net::IpAddr,
        /// The group the advertisement was sent to.
        received: std::net::IpAddr,
    },
    /// A VRRPv2 address list other than the configured one from a non-owner (RFC 3768 §7.1).
    #[error("VRRPv2 address list differs from the configuration")]
    AddressListMismatch,
    /// The virtual router talks to unicast peers, and the source is none of them.
    #[error("advertisement from {0}, which is not a configured unicast peer")]
    UnknownPeer(std::net::IpAddr),
    /// HMAC authentication is enforced and the advertisement carries no trailer: a router that does
    /// not sign yet, or a forgery.
    #[error("no authentication trailer, and HMAC authentication is enforced")]
    AuthTrailerMissing,
    /// The trailer names an unknown scheme or sets its reserved bits.
    #[error("malformed authentication trailer: unknown scheme or reserved bits set")]
    AuthTrailerMalformed,
    /// The trailer names a key id that is not configured here.
    #[error("authentication key id {0} is not configured")]
    AuthUnknownKey(u8),
    /// The HMAC does not verify: another key under the same id, or a forged or altered advertisement.
    #[error(
        "the authentication HMAC does not verify: a different key, or a forged or altered advertisement"
    )]
    AuthInvalidHmac,
    /// The sequence's time is outside the freshness window (`anti_replay time`): a replayed
    /// capture, or clocks that disagree by more than the window.
    #[error(
        "the authentication sequence is {skew} s from this host's clock, outside the {window} s window (replay, or clocks out of sync)"
    )]
    AuthStale {
        /// This host's UTC seconds minus the sender's.
        skew: i64,
        /// The freshness window in seconds.
        window: u16,
    },
    /// The sequence does not grow from the last one accepted from this sender: a replay.
    #[error("the authentication sequence does not grow: a replayed advertisement")]
    AuthReplayed,
}

impl RxError {
    /// The statistics counter this discarded packet increments.
    pub const fn counter(&self) -> Counter {
        match self {
            Self::Ipv4(_) | Self::TooShort(_) | Self::Length { .. } => Counter::PacketLengthErrors,
            Self::HopLimit(_) => Counter::IpTtlErrors,
            Self::Version { .. } => Counter::VersionErrors,
            Self::NoAddresses | Self::FirstAddressNotLinkLocal(_) => Counter::AddressListErrors,
            Self::Checksum { .. } => Counter::ChecksumErrors,
            Self::Type(_) => Counter::RcvdInvalidTypePackets,
            Self::VridZero => Counter::VrIdErrors,
            Self::AuthType(_) | Self::AuthenticationHeader => Counter::InvalidAuthType,
            Self::ZeroInterval => Counter::AdvIntervalErrors,
            Self::AuthTypeMismatch { .. } => Counter::AuthTypeMismatch,
            Self::AuthFailure => Counter::AuthFailures,
            Self::VridMismatch { .. } | Self::UnknownVrid { .. } | Self::OtherGroup { .. } => {
                Counter::VrIdErrors
            }
            Self::VersionMismatch { .. } => Counter::VersionErrors,
            Self::IntervalMismatch { .. } => Counter::AdvIntervalErrors,
            Self::AddressListMismatch => Counter::AddressListErrors,
            Self::UnknownPeer(_) => Counter::UnknownPeerErrors,
            Self::AuthTrailerMissing => Counter::AuthTrailerMissing,
            Self::AuthTrailerMalformed => Counter::AuthTrailerMalformed,
            Self::AuthUnknownKey(_) => Counter::AuthUnknownKey,
            Self::AuthInvalidHmac => Counter::AuthInvalidHmac,
            Self::AuthStale { .. } => Counter::AuthStale,
            Self::AuthReplayed => Counter::AuthReplayed,
        }
    }

    /// The `vrrpv3StatisticsProtoErrReason` to record, for the errors RFC 6527 names.
    pub const fn proto_err_reason(&self) -> Option<ProtoErrReason> {
        match self.counter() {
            Counter::IpTtlErrors => Some(ProtoErrReason::IpTtlError),
            Counter::VersionErrors => Some(ProtoErrReason::VersionError),
            Counter::ChecksumErrors => Some(ProtoErrReason::ChecksumError),
            Counter::VrIdErrors => Some(ProtoErrReason::VrIdError),
            _ => None,
        }
    }
}

/// An advertisement that cannot be put on the wire as it stands. Later versions may add variants.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The buffer is smaller than [`Advertisement::buffer_len`](super::Advertisement::buffer_len).
    #[error("buffer of {available} bytes is too small for {needed}")]
    BufferTooSmall {
        /// Bytes the advertisement needs.
        needed: usize,
        /// Bytes the buffer has.
        available: usize,
    },
    /// The address list of a VRRPv3 advertisement is empty; RFC 5798 §5.2.5 requires at least
    /// one address (VRRPv2 may carry none).
    #[error("a VRRPv3 advertisement carries at least one address")]
    NoAddresses,
    /// More than 255 addresses do not fit the count octet.
    #[error("{0} addresses do not fit the 8-bit count")]
    TooManyAddresses(usize),
    /// The source, destination and virtual addresses are not all of one family.
    #[error("source, destination and virtual addresses must be of one family")]
    FamilyMismatch,
    /// VRRPv2 is defined for IPv4 only.
    #[error("VRRPv2 is defined for IPv4 only")]
    Version2OverIpv6,
    /// The interval cannot be carried by this version: above 4095 cs for VRRPv3, or not a whole
    /// number of seconds up to 255 for VRRPv2.
    #[error("interval {interval} cannot be carried by {version}")]
    Interval {
        /// The version to emit.
        version: Version,
        /// The interval that does not fit it.
        interval: Interval,
    },
    /// VRRPv3 has no authentication field.
    #[error("VRRPv3 has no authentication")]
    AuthenticationInVersion3,
    /// An IPv6 advertisement must list the link-local address first (RFC 9568 §5.2.9).
    #[error("the first IPv6 address {0} is not link-local")]
    FirstAddressNotLinkLocal(Ipv6Addr),
}
