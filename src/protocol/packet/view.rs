//! A checked view over the bytes of a VRRP message: after [`Packet::new_checked`] no accessor can panic.

use std::fmt;

use crate::{AddressFamily, Vrid};

use super::RxError;

/// Field offsets, as in RFC 5798 §5.1 and RFC 3768 §5.1.
mod field {
    use std::ops::Range;

    pub const VERSION_TYPE: usize = 0;
    pub const VRID: usize = 1;
    pub const PRIORITY: usize = 2;
    pub const COUNT: usize = 3;
    /// VRRPv3: 4 reserved bits and 12 bits of Max Adver Int.
    pub const V3_MAX_ADVER_INT: Range<usize> = 4..6;
    /// VRRPv2: Auth Type, then Adver Int in seconds.
    pub const V2_AUTH_TYPE: usize = 4;
    pub const V2_ADVER_INT: usize = 5;
    pub const CHECKSUM: Range<usize> = 6..8;
    pub const ADDRESSES: usize = 8;
    /// VRRPv2: the Authentication Data that follows the addresses.
    pub const V2_AUTH_DATA_LEN: usize = 8;
}

/// The fixed header that precedes the addresses in both versions.
pub const HEADER_LEN: usize = field::ADDRESSES;

/// The Type of an ADVERTISEMENT, the only one defined (RFC 5798 §5.2.2).
pub(crate) const TYPE_ADVERTISEMENT: u8 = 1;

/// The VRID field of the VRRP message in `vrrp`, read before any check, to pick the virtual router
/// it is for: `None` if the message is too short to hold the field or the field is 0. Nothing else
/// is checked, so the message may still be refused:
/// [`Advertisement::parse`](super::Advertisement::parse) decides.
///
/// ```
/// use vrrp::packet::peek_vrid;
///
/// assert_eq!(peek_vrid(&[0x31, 51]).map(|vrid| vrid.get()), Some(51));
/// assert_eq!(peek_vrid(&[0x31, 0]), None);
/// assert_eq!(peek_vrid(&[0x31]), None);
/// ```
pub fn peek_vrid(vrrp: &[u8]) -> Option<Vrid> {
    vrrp.get(field::VRID).copied().and_then(Vrid::new)
}

/// A VRRP protocol version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// VRRPv2, RFC 3768: IPv4 only, interval in seconds, authentication field.
    V2,
    /// VRRPv3, RFC 5798 as updated by RFC 9568: IPv4 and IPv6, interval in centiseconds.
    V3,
}

impl Version {
    /// The version of a message whose first byte is `first_byte`, received over `family`: 3, or 2
    /// over IPv4 only; `None` for any other.
    pub(crate) const fn of(first_byte: u8, family: AddressFamily) -> Option<Self> {
        match (first_byte >> 4, family) {
            (3, _) => Some(Self::V3),
            (2, AddressFamily::Ipv4) => Some(Self::V2),
            _ => None,
        }
    }

    /// The version nibble.
    pub const fn number(self) -> u8 {
        match self {
            Self::V2 => 2,
            Self::V3 => 3,
        }
    }

    /// The length of a message of this version with `count` addresses of `family`.
    pub const fn message_len(self, family: AddressFamily, count: usize) -> usize {
        let trailer = match self {
            Self::V2 => field::V2_AUTH_DATA_LEN,
            Self::V3 => 0,
        };
        HEADER_LEN + count * family.address_len() + trailer
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VRRPv{}", self.number())
    }
}

/// A VRRP message whose structure has been checked: a supported version for the family, a non-zero
/// address count, and exactly the length the count implies. Integrity (checksum) and meaning (type,
/// VRID, interval, addresses) are checked by [`Advertisement::parse`](super::Advertisement::parse).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
    family: AddressFamily,
    version: Version,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks the structure of the VRRP message in `buffer`, received over `family`.
    ///
    /// The buffer must hold exactly the message: an IP payload bounded by the IP header's length.
    pub fn new_checked(buffer: T, family: AddressFamily) -> Result<Self, RxError> {
        let bytes = buffer.as_ref();
        let Some(header) = bytes.first_chunk::<HEADER_LEN>() else {
            return Err(RxError::TooShort(bytes.len()));
        };
        let first = header[field::VERSION_TYPE];
        let Some(version) = Version::of(first, family) else {
            let version = first >> 4;
            return Err(RxError::Version { version, family });
        };
        let count = header[field::COUNT];
        // RFC 9568 (erratum 8299) forbids an empty list in VRRPv3; RFC 3768 does not, and
        // keepalived sends one for a VRRPv2 instance without addresses.
        if count == 0 && version == Version::V3 {
            return Err(RxError::NoAddresses);
        }
        let expected = version.message_len(family, usize::from(count));
        if bytes.len() != expected {
            return Err(RxError::Length {
                version,
                count,
                expected,
                actual: bytes.len(),
            });
        }
        Ok(Self {
            buffer,
            family,
            version,
        })
    }

    fn bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// The address family the message arrived over.
    pub fn family(&self) -> AddressFamily {
        self.family
    }

    /// The protocol version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The Type nibble (1 for an ADVERTISEMENT).
    pub fn packet_type(&self) -> u8 {
        self.bytes()[field::VERSION_TYPE] & 0x0F
    }

    /// The VRID octet as received (0 is invalid).
    pub fn vrid(&self) -> u8 {
        self.bytes()[field::VRID]
    }

    /// The priority octet.
    pub fn priority(&self) -> u8 {
        self.bytes()[field::PRIORITY]
    }

    /// The IPvX Addr Count: never zero in VRRPv3, possibly zero in VRRPv2.
    pub fn address_count(&self) -> u8 {
        self.bytes()[field::COUNT]
    }

    /// The advertisement interval in centiseconds: VRRPv3's 12 bits with the reserved bits masked off
    /// (RFC 5798 §5.2.6), or VRRPv2's seconds × 100.
    pub fn interval_centis(&self) -> u16 {
        let bytes = self.bytes();
        match self.version {
            Version::V3 => {
                let at = field::V3_MAX_ADVER_INT.start;
                u16::from_be_bytes([bytes[at], bytes[at + 1]]) & 0x0FFF
            }
            Version::V2 => u16::from(bytes[field::V2_ADVER_INT]) * 100,
        }
    }

    /// VRRPv2's Auth Type octet, or `None` for VRRPv3.
    pub fn auth_type(&self) -> Option<u8> {
        match self.version {
            Version::V2 => Some(self.bytes()[field::V2_AUTH_TYPE]),
            Version::V3 => None,
        }
    }

    /// The checksum field.
    pub fn checksum(&self) -> u16 {
        let bytes = self.bytes();
        u16::from_be_bytes([
            bytes[field::CHECKSUM.start],
            bytes[field::CHECKSUM.start + 1],
        ])
    }

    /// The packed addresses: `address_count` addresses of the family.
    pub fn address_bytes(&self) -> &[u8] {
        let end = field::ADDRESSES + usize::from(self.address_count()) * self.family.address_len();
        &self.bytes()[field::ADDRESSES..end]
    }

    /// VRRPv2's 8 Authentication Data bytes, or `None` for VRRPv3.
    pub fn auth_data(&self) -> Option<[u8; 8]> {
        match self.version {
            Version::V2 => self.bytes().last_chunk::<8>().copied(),
            Version::V3 => None,
        }
    }

    /// The whole message, checksum field included.
    pub fn message(&self) -> &[u8] {
        self.bytes()
    }
}
