//! Authentication in the virtual router: HMAC trailers (keepalived 2.4's `auth_hmac`) and IPsec
//! Authentication Headers (keepalived's VRRPv2 `auth_type AH`), received adverts verified before
//! the state machine sees them, sent ones signed or sealed. Without the `auth-hmac` feature
//! adverts are parsed and emitted plain.

use std::net::IpAddr;
use std::time::Instant;

use bytes::BytesMut;

use crate::packet::{
    Advertisement, Authentication, EmitError, Password, RxError, RxMeta, ipsec_ah,
};
#[cfg(feature = "auth-hmac")]
use crate::protocol::auth_hmac::{self, HmacState, Verified};
use crate::{Config, Stats, WallClock};

/// A router's authentication state: its HMAC state with the wall clock its sequences are read
/// from, and its IPsec AH sequence and IP identification.
#[derive(Clone, Debug, Default)]
pub(super) struct HmacRuntime {
    #[cfg(feature = "auth-hmac")]
    state: HmacState,
    pub(super) wall_clock: Option<WallClock>,
    /// The AH sequence last sent or accepted: one counter, as in keepalived, so that a Backup
    /// that takes over goes on from the Master's.
    ah_sequence: u32,
    /// The IP identification of the last AH datagram sent (the kernel fills in a zero one, so it
    /// never is).
    ip_id: u16,
}

impl HmacRuntime {
    /// The state of a router of `config`, if it authenticates.
    pub(super) fn of(config: &Config) -> Option<Box<Self>> {
        if matches!(config.authentication, Authentication::IpsecAh(_)) {
            return Some(Box::default());
        }
        #[cfg(feature = "auth-hmac")]
        if config.auth_hmac.is_some() {
            return Some(Box::default());
        }
        None
    }

    /// UTC since the epoch at `now`; the epoch itself before any reading was given, which every
    /// receiver in time mode refuses as stale.
    #[cfg(feature = "auth-hmac")]
    fn unix(&self, now: Option<Instant>) -> std::time::Duration {
        match (self.wall_clock, now) {
            (Some(clock), Some(now)) => clock.at(now),
            _ => std::time::Duration::ZERO,
        }
    }
}

/// Parses a received advert and, if the router authenticates, verifies its trailer or its
/// Authentication Header.
pub(super) fn parse(
    config: &Config,
    mut hmac: Option<&mut HmacRuntime>,
    stats: &mut Stats,
    now: Instant,
    rx: &RxMeta,
    vrrp: &[u8],
) -> Result<Advertisement, RxError> {
    verify_ah(config, hmac.as_deref_mut(), rx, vrrp)?;
    #[cfg(feature = "auth-hmac")]
    if let Some(auth) = config.auth_hmac.as_deref() {
        // The router makes its state with its configuration; without it, a fresh one without a
        // wall clock refuses every signed advert as stale: closed, never open.
        let mut fresh = HmacRuntime::default();
        let hmac = hmac.unwrap_or(&mut fresh);
        return parse_signed(config, auth, hmac, stats, now, rx, vrrp);
    }
    #[cfg(not(feature = "auth-hmac"))]
    let _ = (hmac, stats, now);
    let acceptance = config.checksum_acceptance;
    let (advert, _) =
        Advertisement::parse_for_router(rx, vrrp, acceptance, config.min_hop_limit, false)?;
    if rx.ah().is_none() && matches!(advert.authentication, Authentication::IpsecAh(_)) {
        return Err(RxError::AuthenticationHeader);
    }
    Ok(advert)
}

/// Checks the IP Authentication Header a VRRPv2 router with `auth_type AH` needs, before
/// anything else is read of the advert (keepalived's order): its ICV with the router's key, its
/// SPI (the sender's address), and its sequence, which must grow past the router's counter, and
/// becomes it. An advert inside an AH for a router without AH is of the wrong Auth Type; a plain
/// advert of Auth Type 2 is refused when the advert is parsed (`RxError::AuthenticationHeader`).
fn verify_ah(
    config: &Config,
    runtime: Option<&mut HmacRuntime>,
    rx: &RxMeta,
    vrrp: &[u8],
) -> Result<(), RxError> {
    let (key, ah) = match (&config.authentication, rx.ah()) {
        (Authentication::IpsecAh(key), Some(ah)) => (key, ah),
        (Authentication::IpsecAh(_), None) => return Ok(()),
        (configured, Some(_)) => {
            return Err(RxError::AuthTypeMismatch {
                configured: configured.auth_type(),
                received: AH_AUTH_TYPE,
            });
        }
        (_, None) => return Ok(()),
    };
    let unicast = !rx.destination().is_multicast();
    let spi_is_source = matches!(rx.source(), IpAddr::V4(v4) if u32::from(v4) == ah.spi());
    if !ah.verify(key, vrrp, unicast) || !spi_is_source {
        return Err(RxError::AuthFailure);
    }
    let Some(runtime) = runtime else {
        return Err(RxError::AuthReplayed);
    };
    if ah.sequence() <= runtime.ah_sequence {
        return Err(RxError::AuthReplayed);
    }
    runtime.ah_sequence = ah.sequence();
    Ok(())
}

/// Auth Type 2: the IP Authentication Header.
const AH_AUTH_TYPE: u8 = 2;

/// [`parse`] for a router that authenticates.
#[cfg(feature = "auth-hmac")]
fn parse_signed(
    config: &Config,
    auth: &crate::HmacAuth,
    hmac: &mut HmacRuntime,
    stats: &mut Stats,
    now: Instant,
    rx: &RxMeta,
    vrrp: &[u8],
) -> Result<Advertisement, RxError> {
    let acceptance = config.checksum_acceptance;
    let (advert, trailer) =
        Advertisement::parse_for_router(rx, vrrp, acceptance, config.min_hop_limit, true)?;
    let unix = hmac.unix(Some(now));
    let signed = trailer.map(|trailer| (vrrp, trailer));
    let verified = hmac
        .state
        .verify(config, auth, unix, rx.source(), advert.version, signed)?;
    if let Verified::Signed { skew_secs } = verified {
        let half_window = auth.time_window(config.interval).as_secs() / 2;
        stats.record_authenticated(skew_secs.unsigned_abs() > half_window);
    }
    Ok(advert)
}

/// How one advert is put on the wire: plain, signed with one sequence for all its copies, or
/// sealed in an IPsec Authentication Header with one sequence for all its copies.
pub(super) struct Signer<'a> {
    #[cfg(feature = "auth-hmac")]
    signing: Option<(&'a crate::HmacAuth, u64)>,
    #[cfg(not(feature = "auth-hmac"))]
    signing: std::marker::PhantomData<&'a ()>,
    /// The AH key, the sequence of this advert and the runtime its IP identifications come from.
    sealing: Option<(Password, u32, &'a mut HmacRuntime)>,
    /// The first IPv6 address may be global ([`Config::link_local_required`] false).
    any_first: bool,
    /// The TTL of a sealed datagram to a unicast peer ([`Config::unicast_hop_limit`]).
    unicast_ttl: u8,
}

impl<'a> Signer<'a> {
    /// The signer of the next advert of a router of `config` at `now` (the latest instant it was
    /// given): it takes the next sequence.
    pub(super) fn new(
        config: &'a Config,
        hmac: Option<&'a mut HmacRuntime>,
        now: Option<Instant>,
    ) -> Self {
        let (hmac, sealing) = match (config.authentication, hmac) {
            (Authentication::IpsecAh(key), Some(runtime)) => (None, Some((key, runtime))),
            (_, hmac) => (hmac, None),
        };
        if let Some((key, runtime)) = sealing {
            // keepalived stops at 2^32 - 3 (a VRRPv2 advert a second: 136 years).
            runtime.ah_sequence = runtime.ah_sequence.saturating_add(1).min(u32::MAX - 2);
            let sequence = runtime.ah_sequence;
            return Self {
                #[cfg(feature = "auth-hmac")]
                signing: None,
                #[cfg(not(feature = "auth-hmac"))]
                signing: std::marker::PhantomData,
                sealing: Some((key, sequence, runtime)),
                any_first: false,
                unicast_ttl: config.unicast_hop_limit,
            };
        }
        #[cfg(feature = "auth-hmac")]
        {
            let signing = match (config.auth_hmac.as_deref(), hmac) {
                (Some(auth), Some(hmac)) if auth.mode().signs() => {
                    let unix = hmac.unix(now);
                    let window = auth.time_window(config.interval);
                    Some((auth, hmac.state.next_sequence(auth, window, unix)))
                }
                _ => None,
            };
            Self {
                signing,
                sealing: None,
                any_first: !config.link_local_required,
                unicast_ttl: config.unicast_hop_limit,
            }
        }
        #[cfg(not(feature = "auth-hmac"))]
        {
            let _ = (config, hmac, now);
            Self {
                signing: std::marker::PhantomData,
                sealing: None,
                any_first: !config.link_local_required,
                unicast_ttl: config.unicast_hop_limit,
            }
        }
    }

    /// Whether what it emits are whole IPv4 datagrams with an Authentication Header.
    pub(super) fn is_ipsec_ah(&self) -> bool {
        self.sealing.is_some()
    }

    /// Appends `advert` from `source` to `destination` to `buffer`: with its trailer if signing,
    /// as a whole IPv4 datagram in an Authentication Header if sealing.
    pub(super) fn emit(
        &mut self,
        advert: &Advertisement,
        source: IpAddr,
        destination: IpAddr,
        buffer: &mut BytesMut,
    ) -> Result<(), EmitError> {
        if let Some((key, sequence, runtime)) = &mut self.sealing {
            let (IpAddr::V4(from), IpAddr::V4(to)) = (source, destination) else {
                return Err(EmitError::FamilyMismatch);
            };
            let mut message = BytesMut::new();
            advert.emit_to(source, destination, &mut message)?;
            runtime.ip_id = runtime.ip_id.checked_add(1).unwrap_or(1);
            let sealing = ipsec_ah::Sealing {
                source: from,
                destination: to,
                id: runtime.ip_id,
                sequence: *sequence,
                ttl: if to.is_multicast() {
                    crate::packet::HOP_LIMIT
                } else {
                    self.unicast_ttl
                },
            };
            ipsec_ah::seal(key, sealing, &message, buffer);
            return Ok(());
        }
        #[cfg(feature = "auth-hmac")]
        if let Some((auth, sequence)) = self.signing {
            let sign =
                |signed: &[u8]| auth_hmac::sign(auth, advert.version, advert.vrid, source, signed);
            return advert.emit_signed_to(
                source,
                destination,
                auth.active_key(),
                sequence,
                sign,
                buffer,
            );
        }
        if self.any_first {
            return advert.emit_any_first_to(source, destination, buffer);
        }
        advert.emit_to(source, destination, buffer)
    }
}
