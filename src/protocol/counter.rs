//! The counters that received packets feed, named after the VRRPv3 MIB (RFC 6527) and, for VRRPv2
//! authentication, the VRRP MIB (RFC 2787).

use std::fmt;

/// A statistics counter that a rejected packet increments.
///
/// Every [`RxError`](crate::packet::RxError) maps to exactly one counter through
/// [`RxError::counter`](crate::packet::RxError::counter), so the router's statistics count each
/// discarded packet once. Later versions may add counters, for checks they add.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Counter {
    /// `vrrpv3RouterChecksumErrors` (global): invalid checksum.
    ChecksumErrors,
    /// `vrrpv3RouterVersionErrors` (global): unknown or unsupported version.
    VersionErrors,
    /// `vrrpv3RouterVrIdErrors` (global): a VRID that is valid for no virtual router here.
    VrIdErrors,
    /// `vrrpv3StatisticsIpTtlErrors`: TTL or hop limit other than 255.
    IpTtlErrors,
    /// `vrrpv3StatisticsRcvdInvalidTypePackets`: a Type other than ADVERTISEMENT.
    RcvdInvalidTypePackets,
    /// `vrrpv3StatisticsPacketLengthErrors`: too short for the header or the address count, or a
    /// malformed IP header around it.
    PacketLengthErrors,
    /// `vrrpv3StatisticsAddressListErrors`: an address list that cannot be right (empty, or an IPv6
    /// list that does not start with a link-local address), or that differs from the configuration.
    AddressListErrors,
    /// `vrrpv3StatisticsAdvIntervalErrors`: an interval of zero, or one that differs from the
    /// configuration.
    AdvIntervalErrors,
    /// An advertisement from a source that is not one of the configured unicast peers. No MIB
    /// defines it; unicast VRRP is an extension (keepalived's `unicast_peer`).
    UnknownPeerErrors,
    /// `vrrpStatsInvalidAuthType` (RFC 2787): a VRRPv2 authentication type that is unknown or
    /// unsupported (IP Authentication Header).
    InvalidAuthType,
    /// `vrrpStatsAuthTypeMismatch` (RFC 2787): a VRRPv2 authentication type other than the configured one.
    AuthTypeMismatch,
    /// `vrrpStatsAuthFailures` (RFC 2787): a VRRPv2 password other than the configured one.
    AuthFailures,
    /// HMAC authentication (keepalived's `auth_hmac`) is enforced and an advertisement came
    /// without its trailer. This and the five below are this crate's; no MIB defines them.
    AuthTrailerMissing,
    /// An authentication trailer of an unknown scheme or with reserved bits set.
    AuthTrailerMalformed,
    /// An authentication trailer naming a key id that is not configured.
    AuthUnknownKey,
    /// An authentication trailer whose HMAC does not verify: a key mismatch or a forgery.
    AuthInvalidHmac,
    /// An authentication trailer outside the freshness window: a replay, or clock drift.
    AuthStale,
    /// An authentication trailer whose sequence did not grow: a replay.
    AuthReplayed,
}

impl Counter {
    /// Every counter, in declaration order. A slice, so that a counter added later does not change
    /// its type.
    pub const ALL: &'static [Self] = &[
        Self::ChecksumErrors,
        Self::VersionErrors,
        Self::VrIdErrors,
        Self::IpTtlErrors,
        Self::RcvdInvalidTypePackets,
        Self::PacketLengthErrors,
        Self::AddressListErrors,
        Self::AdvIntervalErrors,
        Self::UnknownPeerErrors,
        Self::InvalidAuthType,
        Self::AuthTypeMismatch,
        Self::AuthFailures,
        Self::AuthTrailerMissing,
        Self::AuthTrailerMalformed,
        Self::AuthUnknownKey,
        Self::AuthInvalidHmac,
        Self::AuthStale,
        Self::AuthReplayed,
    ];

    /// The position of the first authentication counter in [`Counter::ALL`] (VRRPv2's, then HMAC's):
    /// those come last.
    pub(crate) const FIRST_AUTH: usize = Self::InvalidAuthType as usize;

    /// The position of this counter in [`Counter::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Whether RFC 6527 keeps this counter once per router rather than per virtual router.
    pub const fn is_global(self) -> bool {
        matches!(
            self,
            Self::ChecksumErrors | Self::VersionErrors | Self::VrIdErrors
        )
    }

    /// The MIB object's name (or, for the counters no MIB defines, a name in the same style), for logs and statistics output.
    pub const fn mib_name(self) -> &'static str {
        match self {
            Self::ChecksumErrors => "vrrpv3RouterChecksumErrors",
            Self::VersionErrors => "vrrpv3RouterVersionErrors",
            Self::VrIdErrors => "vrrpv3RouterVrIdErrors",
            Self::IpTtlErrors => "vrrpv3StatisticsIpTtlErrors",
            Self::RcvdInvalidTypePackets => "vrrpv3StatisticsRcvdInvalidTypePackets",
            Self::PacketLengthErrors => "vrrpv3StatisticsPacketLengthErrors",
            Self::AddressListErrors => "vrrpv3StatisticsAddressListErrors",
            Self::AdvIntervalErrors => "vrrpv3StatisticsAdvIntervalErrors",
            Self::InvalidAuthType => "vrrpStatsInvalidAuthType",
            Self::AuthTypeMismatch => "vrrpStatsAuthTypeMismatch",
            Self::AuthFailures => "vrrpStatsAuthFailures",
            Self::UnknownPeerErrors => "unknownPeerErrors",
            Self::AuthTrailerMissing => "authTrailerMissing",
            Self::AuthTrailerMalformed => "authTrailerMalformed",
            Self::AuthUnknownKey => "authUnknownKey",
            Self::AuthInvalidHmac => "authInvalidHmac",
            Self::AuthStale => "authStale",
            Self::AuthReplayed => "authReplayed",
        }
    }
}

impl fmt::Display for Counter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.mib_name())
    }
}

/// `vrrpv3StatisticsProtoErrReason` (RFC 6527): why the last packet was discarded, for the errors
/// the MIB names. Later versions may add reasons, should a MIB revision name more.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ProtoErrReason {
    /// `noError(0)`.
    #[default]
    NoError,
    /// `ipTtlError(1)`.
    IpTtlError,
    /// `versionError(2)`.
    VersionError,
    /// `checksumError(3)`.
    ChecksumError,
    /// `vrIdError(4)`.
    VrIdError,
}

impl ProtoErrReason {
    /// The MIB's name of the value: `noError`, `ipTtlError`, `versionError`, `checksumError`,
    /// `vrIdError`.
    pub const fn mib_name(self) -> &'static str {
        match self {
            Self::NoError => "noError",
            Self::IpTtlError => "ipTtlError",
            Self::VersionError => "versionError",
            Self::ChecksumError => "checksumError",
            Self::VrIdError => "vrIdError",
        }
    }

    /// The MIB's integer value.
    pub const fn mib_value(self) -> u8 {
        match self {
            Self::NoError => 0,
            Self::IpTtlError => 1,
            Self::VersionError => 2,
            Self::ChecksumError => 3,
            Self::VrIdError => 4,
        }
    }
}
