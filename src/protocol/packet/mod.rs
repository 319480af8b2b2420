//! The VRRP wire format: VRRPv3 (RFC 5798 as updated by RFC 9568) for IPv4 and IPv6, and VRRPv2
//! (RFC 3768) for IPv4.
//!
//! Received bytes go through [`Advertisement::parse`], which runs every receive check of RFC 5798
//! §7.1 (and the RFC 9568 errata) that depends on the packet alone and returns a typed [`RxError`]
//! mapped to the counter it feeds. Checks that need the configuration (VRID configured here,
//! address owner, address list, interval, VRRPv2 authentication) belong to the virtual router;
//! [`Authentication::verify`] does the VRRPv2 one. [`Advertisement::emit`] writes the message back.
//!
//! ```
//! use std::net::Ipv4Addr;
//! use vrrp::packet::{Advertisement, RxMeta};
//!
//! // A VRRPv3 advertisement that keepalived sent from 192.0.2.1 for VRID 51.
//! let bytes = [0x31, 0x33, 0xc8, 0x01, 0x00, 0x64, 0xa1, 0x71, 192, 0, 2, 100];
//! let rx = RxMeta::ipv4(Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(224, 0, 0, 18), 255, 2);
//! let advert = Advertisement::parse(&rx, &bytes)?;
//! assert_eq!(advert.priority.get(), 200);
//!
//! let mut out = [0; 12];
//! advert.emit(rx.source(), rx.destination(), &mut out)?;
//! assert_eq!(out, bytes);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod address_list;
mod auth;
mod checksum;
mod error;
pub mod ipsec_ah;
mod ipv4;
mod rx_meta;
mod trailer;
mod view;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bytes::BytesMut;

use crate::{AddressFamily, Interval, Priority, Vrid};

pub use address_list::AddressList;
pub use auth::{Authentication, Password, PasswordLengthError};
pub use checksum::{ChecksumAcceptance, ChecksumForm};
pub use error::{EmitError, RxError};
pub use ipv4::{Ipv4Datagram, Ipv4Error};
pub use rx_meta::RxMeta;
pub use trailer::{TRAILER_HMAC_LEN, TRAILER_LEN, Trailer};
pub use view::{HEADER_LEN, Packet, Version, peek_vrid};

use auth::{AUTH_TYPE_AH, AUTH_TYPE_NONE, AUTH_TYPE_PASSWORD};
use view::TYPE_ADVERTISEMENT;

/// The IPv4 multicast group of VRRP, 224.0.0.18 (RFC 5798 §5.1.1.2).
pub const IPV4_MULTICAST: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// The IPv6 multicast group of VRRP, ff02::12 (RFC 5798 §5.1.2.2).
pub const IPV6_MULTICAST: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
/// The TTL / hop limit every advertisement is sent with and must arrive with (RFC 5798 §5.1.1.3).
pub const HOP_LIMIT: u8 = 255;
/// The IP protocol number of VRRP (RFC 5798 §5.1.1.4).
pub const IP_PROTOCOL: u8 = checksum::IP_PROTOCOL;

/// A VRRP advertisement, owned: what [`parse`](Self::parse) returns and [`emit`](Self::emit) writes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Advertisement {
    /// The protocol version.
    pub version: Version,
    /// The virtual router.
    pub vrid: Vrid,
    /// The sender's priority; 0 when a Master stops participating.
    pub priority: Priority,
    /// The advertisement interval (VRRPv3: Max Adver Int; VRRPv2: Adver Int in whole seconds).
    pub interval: Interval,
    /// The virtual addresses, in the sender's order.
    pub addresses: AddressList,
    /// VRRPv2 authentication; always [`Authentication::None`] for VRRPv3.
    pub authentication: Authentication,
    /// The checksum form: how a VRRPv3 IPv4 advertisement is emitted, and which form a received one
    /// matched. For VRRPv2 it is always [`ChecksumForm::MessageOnly`] and for IPv6 always
    /// [`ChecksumForm::PseudoHeader`]: those have one form, which `emit` uses whatever this says.
    pub checksum_form: ChecksumForm,
}

impl Advertisement {
    /// Parses and validates a received VRRP message, accepting either VRRPv3 IPv4 checksum form.
    ///
    /// `vrrp` must be exactly the IP payload: for IPv4 bounded by the header's Total Length (see
    /// [`Ipv4Datagram`]). The parse allocates nothing for up to 4 IPv4 or 2 IPv6 addresses.
    pub fn parse(rx: &RxMeta, vrrp: &[u8]) -> Result<Self, RxError> {
        Self::parse_with(rx, vrrp, ChecksumAcceptance::Either)
    }

    /// Parses and validates a received VRRP message, accepting the VRRPv3 IPv4 checksum forms in
    /// `acceptance`.
    ///
    /// Checks run in this order, so a damaged field is reported as itself: TTL / hop limit; structure
    /// (header length, version, address count, message length); checksum; then meaning (type, VRID,
    /// VRRPv2 authentication type, interval, IPv6 link-local first address).
    pub fn parse_with(
        rx: &RxMeta,
        vrrp: &[u8],
        acceptance: ChecksumAcceptance,
    ) -> Result<Self, RxError> {
        Self::parse_parts(rx, vrrp, &[], acceptance, HOP_LIMIT)?.link_local_first()
    }

    /// Parses a received IP payload that may end in an authentication [`Trailer`] (keepalived's
    /// `auth_hmac`), recognised by its length as [`Trailer::split`] says, and returns the
    /// advertisement with the trailer read but not verified: the virtual router does that. Without
    /// a trailer it is [`parse_with`](Self::parse_with).
    ///
    /// Over IPv6 the checksum covers the trailer too, as a kernel computing it over the whole
    /// payload writes it; over IPv4 it covers the message alone.
    pub fn parse_signed(
        rx: &RxMeta,
        payload: &[u8],
        acceptance: ChecksumAcceptance,
    ) -> Result<(Self, Option<Trailer>), RxError> {
        let (advert, trailer) = Self::parse_for_router(rx, payload, acceptance, HOP_LIMIT, true)?;
        Ok((advert.link_local_first()?, trailer))
    }

    /// This advertisement, if its first IPv6 address is link-local (RFC 9568 erratum 8300); a
    /// virtual router configured for keepalived's global first addresses
    /// ([`ConfigBuilder::link_local_required`](crate::ConfigBuilder::link_local_required)) skips
    /// this check.
    fn link_local_first(self) -> Result<Self, RxError> {
        match self.addresses.as_ipv6().and_then(|list| list.first()) {
            Some(&first) if !first.is_unicast_link_local() => {
                Err(RxError::FirstAddressNotLinkLocal(first))
            }
            _ => Ok(self),
        }
    }

    /// What a virtual router parses: with hop limits from `min_hop_limit` up accepted (below 255
    /// only for unicast peers across routers), and a trailer split off if `trailer` says one may
    /// come. The first IPv6 address is the router's to check (see `link_local_first`).
    pub(crate) fn parse_for_router(
        rx: &RxMeta,
        payload: &[u8],
        acceptance: ChecksumAcceptance,
        min_hop_limit: u8,
        trailer: bool,
    ) -> Result<(Self, Option<Trailer>), RxError> {
        let split = trailer
            .then(|| Trailer::split(rx.family(), payload))
            .flatten();
        match split {
            None => {
                let advert = Self::parse_parts(rx, payload, &[], acceptance, min_hop_limit)?;
                Ok((advert, None))
            }
            Some((message, trailer)) => {
                let advert = Self::parse_parts(rx, message, trailer, acceptance, min_hop_limit)?;
                Ok((advert, Some(Trailer::parse(trailer)?)))
            }
        }
    }

    /// The checks of [`parse_with`](Self::parse_with) on `vrrp`, followed by `trailer` (empty or a
    /// trailer that the IPv6 checksum covers).
    fn parse_parts(
        rx: &RxMeta,
        vrrp: &[u8],
        trailer: &[u8],
        acceptance: ChecksumAcceptance,
        min_hop_limit: u8,
    ) -> Result<Self, RxError> {
        if rx.hop_limit() < min_hop_limit {
            return Err(RxError::HopLimit(rx.hop_limit()));
        }
        let packet = Packet::new_checked(vrrp, rx.family())?;
        let checksum_form = verify_checksum(&packet, trailer, rx, acceptance)?;

        let packet_type = packet.packet_type();
        if packet_type != TYPE_ADVERTISEMENT {
            return Err(RxError::Type(packet_type));
        }
        let vrid = Vrid::new(packet.vrid()).ok_or(RxError::VridZero)?;
        let authentication = match (packet.auth_type(), packet.auth_data()) {
            (None, _) | (Some(AUTH_TYPE_NONE), _) => Authentication::None,
            (Some(AUTH_TYPE_PASSWORD), Some(data)) => {
                Authentication::Password(Password::from_wire(data))
            }
            (Some(AUTH_TYPE_AH), _) => Authentication::IpsecAh(Password::from_wire([0; 8])),
            (Some(other), _) => return Err(RxError::AuthType(other)),
        };
        let interval =
            Interval::from_centis(packet.interval_centis()).ok_or(RxError::ZeroInterval)?;
        let addresses = AddressList::read(packet.family(), packet.address_bytes());
        Ok(Self {
            version: packet.version(),
            vrid,
            priority: Priority::new(packet.priority()),
            interval,
            addresses,
            authentication,
            checksum_form,
        })
    }

    /// Parses a datagram as a raw IPv4 socket returns it (IP header included) that arrived on
    /// interface `interface_index`.
    pub fn parse_ipv4_datagram(
        datagram: &[u8],
        interface_index: u32,
        acceptance: ChecksumAcceptance,
    ) -> Result<(RxMeta, Self), RxError> {
        let datagram = Ipv4Datagram::parse(datagram)?;
        let rx = datagram.rx_meta(interface_index);
        Ok((rx, Self::parse_with(&rx, datagram.payload, acceptance)?))
    }

    /// The length of the emitted message in bytes.
    pub fn buffer_len(&self) -> usize {
        self.version
            .message_len(self.addresses.family(), self.addresses.len())
    }

    /// Writes the message sent from `source` to `destination` (which the checksum's pseudo-header
    /// covers) into the start of `buffer`, and returns its length.
    pub fn emit(
        &self,
        source: IpAddr,
        destination: IpAddr,
        buffer: &mut [u8],
    ) -> Result<usize, EmitError> {
        self.check_emittable(source, destination)?;
        let len = self.buffer_len();
        let available = buffer.len();
        let Some(out) = buffer.get_mut(..len) else {
            return Err(EmitError::BufferTooSmall {
                needed: len,
                available,
            });
        };
        self.write(source, destination, out);
        Ok(len)
    }

    /// Appends the message sent from `source` to `destination` to `buffer`. Nothing is appended on error.
    pub fn emit_to(
        &self,
        source: IpAddr,
        destination: IpAddr,
        buffer: &mut BytesMut,
    ) -> Result<(), EmitError> {
        self.check_emittable(source, destination)?;
        self.append(source, destination, buffer);
        Ok(())
    }

    /// [`emit_to`](Self::emit_to) with a first IPv6 address that may be global, for a router
    /// configured so for keepalived's peers
    /// ([`ConfigBuilder::link_local_required`](crate::ConfigBuilder::link_local_required)).
    pub(crate) fn emit_any_first_to(
        &self,
        source: IpAddr,
        destination: IpAddr,
        buffer: &mut BytesMut,
    ) -> Result<(), EmitError> {
        self.check_fields(source, destination)?;
        self.append(source, destination, buffer);
        Ok(())
    }

    /// Appends the checked advertisement to `buffer`.
    fn append(&self, source: IpAddr, destination: IpAddr, buffer: &mut BytesMut) {
        let start = buffer.len();
        buffer.resize(start + self.buffer_len(), 0);
        self.write(source, destination, &mut buffer[start..]);
    }

    /// Appends the message sent from `source` to `destination` followed by an authentication
    /// [`Trailer`] with `key_id` and `sequence`. `sign` is given the bytes the HMAC covers after its
    /// pseudo-header: the message and the trailer with the checksum and the HMAC still zero; it
    /// returns the HMAC. The checksum is computed last, over the trailer too for IPv6. Nothing is
    /// appended on error.
    pub fn emit_signed_to(
        &self,
        source: IpAddr,
        destination: IpAddr,
        key_id: u8,
        sequence: u64,
        sign: impl FnOnce(&[u8]) -> [u8; TRAILER_HMAC_LEN],
        buffer: &mut BytesMut,
    ) -> Result<(), EmitError> {
        self.check_emittable(source, destination)?;
        let start = buffer.len();
        let len = self.buffer_len();
        buffer.resize(start + len + TRAILER_LEN, 0);
        let out = &mut buffer[start..];
        let (message, trailer_out) = out.split_at_mut(len);
        self.write_fields(message);
        let mut trailer = Trailer {
            key_id,
            sequence,
            hmac: [0; TRAILER_HMAC_LEN],
        };
        let mut trailer_bytes = [0; TRAILER_LEN];
        trailer.write(&mut trailer_bytes);
        trailer_out.copy_from_slice(&trailer_bytes);
        trailer.hmac = sign(out);
        trailer.write(&mut trailer_bytes);
        let (message, trailer_out) = out.split_at_mut(len);
        trailer_out.copy_from_slice(&trailer_bytes);
        self.write_checksum(source, destination, message, &trailer_bytes);
        Ok(())
    }

    /// [`check_fields`](Self::check_fields), and a link-local first IPv6 address.
    fn check_emittable(&self, source: IpAddr, destination: IpAddr) -> Result<(), EmitError> {
        self.check_fields(source, destination)?;
        if let Some(&first) = self.addresses.as_ipv6().and_then(|list| list.first())
            && !first.is_unicast_link_local()
        {
            return Err(EmitError::FirstAddressNotLinkLocal(first));
        }
        Ok(())
    }

    /// Everything but the first IPv6 address: families, count, interval, version and
    /// authentication.
    fn check_fields(&self, source: IpAddr, destination: IpAddr) -> Result<(), EmitError> {
        let family = self.addresses.family();
        if AddressFamily::of(source) != family || AddressFamily::of(destination) != family {
            return Err(EmitError::FamilyMismatch);
        }
        match self.addresses.len() {
            0 if self.version == Version::V3 => return Err(EmitError::NoAddresses),
            count if count > usize::from(u8::MAX) => {
                return Err(EmitError::TooManyAddresses(count));
            }
            _ => {}
        }
        let interval_fits = match self.version {
            Version::V3 => self.interval.as_centis() <= Interval::V3_MAX_CENTIS,
            Version::V2 => self.interval.as_v2_secs().is_some(),
        };
        if !interval_fits {
            return Err(EmitError::Interval {
                version: self.version,
                interval: self.interval,
            });
        }
        match (self.version, family) {
            (Version::V2, AddressFamily::Ipv6) => return Err(EmitError::Version2OverIpv6),
            (Version::V3, _) if self.authentication != Authentication::None => {
                return Err(EmitError::AuthenticationInVersion3);
            }
            (Version::V2, AddressFamily::Ipv4) | (Version::V3, _) => {}
        }
        Ok(())
    }

    /// Writes the checked advertisement into `out`, which is exactly `buffer_len()` bytes long.
    fn write(&self, source: IpAddr, destination: IpAddr, out: &mut [u8]) {
        self.write_fields(out);
        self.write_checksum(source, destination, out, &[]);
    }

    /// Writes every field but the checksum, which is left zero.
    fn write_fields(&self, out: &mut [u8]) {
        let (header, rest) = out.split_at_mut(HEADER_LEN);
        header[0] = (self.version.number() << 4) | TYPE_ADVERTISEMENT;
        header[1] = self.vrid.get();
        header[2] = self.priority.get();
        // check_emittable bounded the count by 255.
        header[3] = self.addresses.len() as u8;
        match self.version {
            Version::V3 => header[4..6].copy_from_slice(&self.interval.as_centis().to_be_bytes()),
            Version::V2 => {
                header[4] = self.authentication.auth_type();
                header[5] = self.interval.as_v2_secs().unwrap_or_default();
            }
        }
        header[6..8].fill(0);
        let address_len = self.addresses.len() * self.addresses.family().address_len();
        let (addresses, auth_data) = rest.split_at_mut(address_len);
        self.addresses.write(addresses);
        auth_data.copy_from_slice(&self.authentication.data()[..auth_data.len()]);
    }

    /// Writes the checksum of `message`, whose checksum field is zero, followed by `trailer` (empty,
    /// or an authentication trailer, which only the IPv6 checksum covers).
    fn write_checksum(
        &self,
        source: IpAddr,
        destination: IpAddr,
        message: &mut [u8],
        trailer: &[u8],
    ) {
        let trailer = covered_trailer(self.addresses.family(), trailer);
        let covered = message.len() + trailer.len();
        let pseudo_header = form_sum(self.form_used(), source, destination, covered);
        let sum = checksum::add_bytes(checksum::add_bytes(0, message), trailer);
        let sum = checksum::finish(sum, pseudo_header);
        message[6..8].copy_from_slice(&sum.to_be_bytes());
    }

    /// The checksum form the protocol version and family impose, or the configured one.
    fn form_used(&self) -> ChecksumForm {
        match (self.version, self.addresses.family()) {
            (Version::V2, _) => ChecksumForm::MessageOnly,
            (Version::V3, AddressFamily::Ipv6) => ChecksumForm::PseudoHeader,
            (Version::V3, AddressFamily::Ipv4) => self.checksum_form,
        }
    }
}

/// The sum that checksum form `form` adds to a message of `len` bytes from `source` to
/// `destination`: its pseudo-header's, or nothing.
fn form_sum(form: ChecksumForm, source: IpAddr, destination: IpAddr, len: usize) -> u32 {
    match form {
        ChecksumForm::PseudoHeader => checksum::pseudo_header_sum(source, destination, len),
        ChecksumForm::MessageOnly => 0,
        ChecksumForm::LegacyUnicast => {
            checksum::pseudo_header_sum(source, AddressFamily::Ipv4.vrrp_group(), len)
        }
    }
}

/// The part of an authentication trailer the checksum covers: all of it over IPv6, where a kernel
/// computes the checksum over the whole payload, none over IPv4 (keepalived 2.4.3 on the wire).
fn covered_trailer(family: AddressFamily, trailer: &[u8]) -> &[u8] {
    match family {
        AddressFamily::Ipv4 => &[],
        AddressFamily::Ipv6 => trailer,
    }
}

/// Verifies the checksum of the message in `packet` followed by `trailer` (see
/// [`covered_trailer`]) and returns the form that matched.
fn verify_checksum(
    packet: &Packet<&[u8]>,
    trailer: &[u8],
    rx: &RxMeta,
    acceptance: ChecksumAcceptance,
) -> Result<ChecksumForm, RxError> {
    let message = packet.message();
    let trailer = covered_trailer(packet.family(), trailer);
    let received = packet.checksum();
    let without_checksum = checksum::add_bytes(
        checksum::add_bytes(checksum::add_bytes(0, &message[..6]), &message[8..]),
        trailer,
    );
    let with_checksum = without_checksum + u32::from(received);
    let covered = message.len() + trailer.len();

    // The forms to try, in order: only VRRPv3 over IPv4 has a choice, which `acceptance` makes.
    let candidates = match (packet.version(), packet.family()) {
        (Version::V2, _) => [Some(ChecksumForm::MessageOnly), None, None],
        (Version::V3, AddressFamily::Ipv6) => [Some(ChecksumForm::PseudoHeader), None, None],
        (Version::V3, AddressFamily::Ipv4) => [
            ChecksumForm::PseudoHeader,
            ChecksumForm::MessageOnly,
            ChecksumForm::LegacyUnicast,
        ]
        .map(|form| acceptance.accepts(form).then_some(form)),
    };
    let extra = |form| form_sum(form, rx.source(), rx.destination(), covered);
    for form in candidates.into_iter().flatten() {
        if checksum::verifies(with_checksum, extra(form)) {
            return Ok(form);
        }
    }
    // Every arm above names at least one form.
    let first = candidates.into_iter().flatten().next().unwrap_or_default();
    Err(RxError::Checksum {
        received,
        expected: checksum::finish(without_checksum, extra(first)),
    })
}
