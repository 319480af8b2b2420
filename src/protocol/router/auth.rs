//! HMAC authentication in the virtual router: received adverts verified before the state machine
//! sees them, sent ones signed. Without the `auth-hmac` feature adverts are parsed and emitted
//! plain.

use std::net::IpAddr;
use std::time::Instant;

use bytes::BytesMut;

use crate::packet::{Advertisement, EmitError, RxError, RxMeta};
#[cfg(feature = "auth-hmac")]
use crate::protocol::auth_hmac::{self, HmacState, Verified};
use crate::{Config, Stats, WallClock};

/// A router's HMAC state with the wall clock its sequences are read from.
#[derive(Clone, Debug, Default)]
pub(super) struct HmacRuntime {
    #[cfg(feature = "auth-hmac")]
    state: HmacState,
    pub(super) wall_clock: Option<WallClock>,
}

impl HmacRuntime {
    /// The state of a router of `config`, if it authenticates.
    pub(super) fn of(config: &Config) -> Option<Box<Self>> {
        #[cfg(feature = "auth-hmac")]
        if config.auth_hmac.is_some() {
            return Some(Box::default());
        }
        let _ = config;
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

/// Parses a received advert and, if the router authenticates, verifies its trailer.
pub(super) fn parse(
    config: &Config,
    hmac: Option<&mut HmacRuntime>,
    stats: &mut Stats,
    now: Instant,
    rx: &RxMeta,
    vrrp: &[u8],
) -> Result<Advertisement, RxError> {
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
    Advertisement::parse_for_router(rx, vrrp, acceptance, config.min_hop_limit, false)
        .map(|(advert, _)| advert)
}

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

/// How one advert is put on the wire: plain, or signed with one sequence for all its copies.
pub(super) struct Signer<'a> {
    #[cfg(feature = "auth-hmac")]
    signing: Option<(&'a crate::HmacAuth, u64)>,
    #[cfg(not(feature = "auth-hmac"))]
    signing: std::marker::PhantomData<&'a ()>,
}

impl<'a> Signer<'a> {
    /// The signer of the next advert of a router of `config` at `now` (the latest instant it was
    /// given): it takes the next sequence.
    pub(super) fn new(
        config: &'a Config,
        hmac: Option<&mut HmacRuntime>,
        now: Option<Instant>,
    ) -> Self {
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
            Self { signing }
        }
        #[cfg(not(feature = "auth-hmac"))]
        {
            let _ = (config, hmac, now);
            Self {
                signing: std::marker::PhantomData,
            }
        }
    }

    /// Appends `advert` from `source` to `destination` to `buffer`, with its trailer if signing.
    pub(super) fn emit(
        &self,
        advert: &Advertisement,
        source: IpAddr,
        destination: IpAddr,
        buffer: &mut BytesMut,
    ) -> Result<(), EmitError> {
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
        advert.emit_to(source, destination, buffer)
    }
}
