//! A virtual router's running state of HMAC authentication: the sequence it last sent and the last
//! one accepted from each sender.

use std::net::IpAddr;
use std::time::Duration;

use smallvec::SmallVec;

use crate::packet::{RxError, TRAILER_HMAC_LEN, Trailer, Version};
use crate::{Config, Vrid};

use super::{AntiReplay, HmacAuth, HmacMode, digest};

/// Senders remembered for a multicast router: more than one sender per VRID only happens during
/// contention, so a few suffice; the least recently heard is forgotten first.
const MULTICAST_SENDERS: usize = 4;

/// What verification concluded about an advert it let through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verified {
    /// No trailer, accepted in a migration mode.
    Unsigned,
    /// A valid trailer whose time was `skew_secs` from ours (0 in monotonic mode).
    Signed {
        /// This host's UTC seconds minus the sender's.
        skew_secs: i64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Sender {
    address: IpAddr,
    /// The last sequence accepted from it.
    sequence: u64,
    /// Recency: higher was heard later.
    rank: u64,
}

/// One virtual router's HMAC state. Bounded: one entry per unicast peer, or a few for multicast.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct HmacState {
    /// The last sequence sent.
    sent: u64,
    senders: SmallVec<[Sender; 2]>,
    clock: u64,
}

/// `a` comes after `b` in serial number arithmetic (RFC 1982) over 64 bits.
fn after(a: u64, b: u64) -> bool {
    (a.wrapping_sub(b) as i64) > 0
}

/// The sequence of a clock reading: UTC seconds in the high 32 bits, a 1/65536 s fraction in the
/// next 16, and the counter cleared.
fn clock_sequence(unix: Duration) -> u64 {
    let fraction = (u64::from(unix.subsec_nanos()) << 16) / 1_000_000_000;
    (u64::from(unix.as_secs() as u32) << 32) | (fraction << 16)
}

/// Seconds from the sender's `seconds` to ours, as the 32-bit fields wrap.
fn skew(unix: Duration, seconds: u32) -> i64 {
    i64::from((unix.as_secs() as u32).wrapping_sub(seconds) as i32)
}

impl HmacState {
    /// The sequence for the next advert sent at wall-clock time `unix`: the clock's, or one more
    /// than the last when the clock has not moved past it. In time mode a sequence left more than
    /// the window ahead of the clock (after the clock was stepped back) restarts from the clock,
    /// since receivers would refuse it anyway.
    pub(crate) fn next_sequence(
        &mut self,
        auth: &HmacAuth,
        window: Duration,
        unix: Duration,
    ) -> u64 {
        let clock = clock_sequence(unix);
        if after(clock, self.sent) {
            self.sent = clock;
            return clock;
        }
        let ahead = -skew(unix, (self.sent >> 32) as u32);
        let window = window.as_secs() as i64;
        if auth.anti_replay() == AntiReplay::Time && ahead > window {
            self.sent = clock;
        } else {
            self.sent = self.sent.wrapping_add(1);
        }
        self.sent
    }

    /// Verifies a received advert from `source` of `version`, whose message and trailer are
    /// `signed`, against `config`'s authentication at wall-clock time `unix`. The checks, cheapest
    /// first: a trailer is required in enforce mode; its time within the window (time mode); its key
    /// known; its HMAC; and last, once the HMAC proved the sender, its sequence grown from that
    /// sender's previous one, which alone moves the state.
    pub(crate) fn verify(
        &mut self,
        config: &Config,
        auth: &HmacAuth,
        unix: Duration,
        source: IpAddr,
        version: Version,
        signed: Option<(&[u8], Trailer)>,
    ) -> Result<Verified, RxError> {
        let Some((signed, trailer)) = signed else {
            return match auth.mode() {
                HmacMode::Enforce => Err(RxError::AuthTrailerMissing),
                HmacMode::ReceiveOnly | HmacMode::Permissive => Ok(Verified::Unsigned),
            };
        };
        let window = auth.time_window(config.interval);
        let window_secs = window.as_secs() as i64;
        let time = auth.anti_replay() == AntiReplay::Time;
        let skew_secs = if time {
            skew(unix, trailer.seconds())
        } else {
            0
        };
        if skew_secs.abs() > window_secs {
            return Err(RxError::AuthStale {
                skew: skew_secs,
                window: window_secs as u16,
            });
        }
        let key = auth
            .key(trailer.key_id)
            .ok_or(RxError::AuthUnknownKey(trailer.key_id))?;
        let pseudo = digest::pseudo_header(version, config.vrid, source);
        if !digest::verify(key, &pseudo, signed, &trailer.hmac) {
            return Err(RxError::AuthInvalidHmac);
        }
        let capacity = config.unicast_peers.len().max(MULTICAST_SENDERS);
        let sender = self.sender(source, capacity);
        if let Some(last) = sender.sequence_known()
            && time
            && skew(unix, (last >> 32) as u32).abs() > window_secs
        {
            // A mark outside the window orders only what the window refuses anyway; forgetting it
            // lets a sender whose clock was stepped back be heard again.
            sender.sequence = 0;
            sender.rank = 0;
        }
        if sender.rank != 0 && !after(trailer.sequence, sender.sequence) {
            return Err(RxError::AuthReplayed);
        }
        sender.sequence = trailer.sequence;
        self.clock += 1;
        let rank = self.clock;
        self.sender(source, capacity).rank = rank;
        Ok(Verified::Signed { skew_secs })
    }

    /// The entry of `source`, made (in place of the least recently heard if `capacity` are taken)
    /// with rank 0 if there was none.
    fn sender(&mut self, source: IpAddr, capacity: usize) -> &mut Sender {
        let position = match self.senders.iter().position(|s| s.address == source) {
            Some(position) => position,
            None => {
                let fresh = Sender {
                    address: source,
                    sequence: 0,
                    rank: 0,
                };
                if self.senders.len() < capacity {
                    self.senders.push(fresh);
                    self.senders.len() - 1
                } else {
                    let oldest = (0..self.senders.len())
                        .min_by_key(|&i| self.senders[i].rank)
                        .unwrap_or_default();
                    self.senders[oldest] = fresh;
                    oldest
                }
            }
        };
        &mut self.senders[position]
    }

    /// How many senders are remembered.
    #[cfg(test)]
    fn remembered(&self) -> usize {
        self.senders.len()
    }
}

impl Sender {
    fn sequence_known(&self) -> Option<u64> {
        (self.rank != 0).then_some(self.sequence)
    }
}

/// The HMAC of an advert to send, for [`Advertisement::emit_signed_to`](crate::packet::Advertisement::emit_signed_to).
pub(crate) fn sign(
    auth: &HmacAuth,
    version: Version,
    vrid: Vrid,
    source: IpAddr,
    signed: &[u8],
) -> [u8; TRAILER_HMAC_LEN] {
    let pseudo = digest::pseudo_header(version, vrid, source);
    match auth.key(auth.active_key()) {
        Some(key) => digest::sign(key, &pseudo, signed),
        // HmacAuthBuilder::build proved the active key defined.
        None => [0; TRAILER_HMAC_LEN],
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::packet::{Advertisement, ChecksumForm};
    use crate::{HmacKey, Priority};

    const SOURCE: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
    const NOW: Duration = Duration::from_secs(1_900_000_000);

    fn auth(anti_replay: AntiReplay) -> HmacAuth {
        HmacAuth::builder(1)
            .key(HmacKey::new(1, &[5; 32]).unwrap())
            .anti_replay(anti_replay)
            .build()
            .unwrap()
    }

    fn config() -> Config {
        Config::builder(2, Vrid::new(9).unwrap(), SOURCE.into())
            .address(Ipv4Addr::new(192, 0, 2, 100).into())
            .build()
            .unwrap()
    }

    /// An advert of `config` from `source` with `sequence`, signed, and its trailer.
    fn signed(auth: &HmacAuth, source: Ipv4Addr, sequence: u64) -> (Vec<u8>, Trailer) {
        let advert = Advertisement {
            checksum_form: ChecksumForm::PseudoHeader,
            ..config().advertisement(Priority::new(100))
        };
        let mut buffer = bytes::BytesMut::new();
        let sign = |bytes: &[u8]| sign(auth, Version::V3, advert.vrid, source.into(), bytes);
        let group = Ipv4Addr::new(224, 0, 0, 18).into();
        advert
            .emit_signed_to(source.into(), group, 1, sequence, sign, &mut buffer)
            .unwrap();
        let trailer = Trailer::split(crate::AddressFamily::Ipv4, &buffer)
            .map(|(_, t)| Trailer::parse(t).unwrap())
            .unwrap();
        (buffer.to_vec(), trailer)
    }

    /// What `state` says of an advert from `source` signed with `sequence`, heard at `now`.
    fn hear(
        state: &mut HmacState,
        auth: &HmacAuth,
        now: Duration,
        source: Ipv4Addr,
        sequence: u64,
    ) -> Result<Verified, RxError> {
        let (bytes, trailer) = signed(auth, source, sequence);
        let signed = Some((bytes.as_slice(), trailer));
        state.verify(&config(), auth, now, source.into(), Version::V3, signed)
    }

    #[test]
    fn a_multicast_router_remembers_four_senders_and_forgets_the_least_recent() {
        let auth = auth(AntiReplay::Time);
        let mut state = HmacState::default();
        let sequence = clock_sequence(NOW);
        let hosts: Vec<Ipv4Addr> = (10..16).map(|h| Ipv4Addr::new(192, 0, 2, h)).collect();
        for &host in &hosts {
            let heard = hear(&mut state, &auth, NOW, host, sequence);
            assert_eq!(heard, Ok(Verified::Signed { skew_secs: 0 }));
        }
        assert_eq!(state.remembered(), MULTICAST_SENDERS);
        // The last four are remembered: a replay from them is refused...
        let replay = hear(&mut state, &auth, NOW, hosts[5], sequence);
        assert_eq!(replay, Err(RxError::AuthReplayed));
        // ...the first one was forgotten, so its old sequence passes once more (inside the window).
        assert!(hear(&mut state, &auth, NOW, hosts[0], sequence).is_ok());
        assert_eq!(state.remembered(), MULTICAST_SENDERS);
    }

    #[test]
    fn a_forged_advert_moves_no_replay_state() {
        let auth = auth(AntiReplay::Time);
        let mut state = HmacState::default();
        let (mut bytes, trailer) = signed(&auth, SOURCE, clock_sequence(NOW));
        bytes[2] ^= 1;
        let forged = Some((bytes.as_slice(), trailer));
        let result = state.verify(&config(), &auth, NOW, SOURCE.into(), Version::V3, forged);
        assert_eq!(result, Err(RxError::AuthInvalidHmac));
        assert_eq!(state.remembered(), 0);
    }

    #[test]
    fn the_sequence_follows_the_clock_and_counts_when_it_stands_still() {
        let auth = auth(AntiReplay::Time);
        let window = Duration::from_secs(5);
        let mut state = HmacState::default();
        let first = state.next_sequence(&auth, window, NOW);
        assert_eq!(first, u64::from(NOW.as_secs() as u32) << 32);
        assert_eq!(state.next_sequence(&auth, window, NOW), first + 1);
        let later = state.next_sequence(&auth, window, NOW + Duration::from_millis(500));
        assert_eq!(later, first | 0x8000_0000);
    }

    #[test]
    fn a_clock_stepped_back_past_the_window_restarts_the_sequence_in_time_mode_only() {
        let window = Duration::from_secs(5);
        let back = NOW - Duration::from_secs(60);
        let mut time = HmacState::default();
        let before = time.next_sequence(&auth(AntiReplay::Time), window, NOW);
        let after_step = time.next_sequence(&auth(AntiReplay::Time), window, back);
        assert_eq!(after_step, clock_sequence(back));
        assert!(after_step < before);
        let mut monotonic = HmacState::default();
        let before = monotonic.next_sequence(&auth(AntiReplay::Monotonic), window, NOW);
        let after_step = monotonic.next_sequence(&auth(AntiReplay::Monotonic), window, back);
        assert_eq!(after_step, before + 1);
    }

    #[test]
    fn a_sender_is_heard_again_after_both_clocks_were_stepped_back() {
        let auth = auth(AntiReplay::Time);
        let mut state = HmacState::default();
        assert!(hear(&mut state, &auth, NOW, SOURCE, clock_sequence(NOW)).is_ok());
        // NTP steps both hosts a minute back: the sender's sequences are now below the mark, which
        // has left the window and is forgotten rather than refusing the sender for a minute.
        let back = NOW - Duration::from_secs(60);
        let sequence = clock_sequence(back);
        assert!(hear(&mut state, &auth, back, SOURCE, sequence).is_ok());
        let replay = hear(&mut state, &auth, back, SOURCE, sequence);
        assert_eq!(replay, Err(RxError::AuthReplayed));
    }

    #[test]
    fn a_time_exactly_at_the_window_edge_is_still_fresh() {
        // 1 s adverts: a window of 5 s. keepalived refuses beyond it, not at it.
        let auth = auth(AntiReplay::Time);
        let mut state = HmacState::default();
        let edge = NOW - Duration::from_secs(5);
        assert!(hear(&mut state, &auth, NOW, SOURCE, clock_sequence(edge)).is_ok());
        let beyond = NOW - Duration::from_secs(6);
        let stale = hear(
            &mut state,
            &auth,
            NOW,
            Ipv4Addr::new(192, 0, 2, 9),
            clock_sequence(beyond),
        );
        assert_eq!(stale, Err(RxError::AuthStale { skew: 6, window: 5 }));
    }

    #[test]
    fn a_sequence_at_most_the_window_ahead_of_the_clock_keeps_counting() {
        let window = Duration::from_secs(5);
        let auth = auth(AntiReplay::Time);
        let mut state = HmacState::default();
        let ahead = state.next_sequence(&auth, window, NOW + window);
        // The clock was stepped back by exactly the window: receivers still accept what follows
        // the last sequence, so it goes on from there.
        assert_eq!(state.next_sequence(&auth, window, NOW), ahead + 1);
    }

    #[test]
    fn a_replay_at_the_window_edge_is_still_refused() {
        let auth = auth(AntiReplay::Time);
        let mut state = HmacState::default();
        let sequence = clock_sequence(NOW);
        assert!(hear(&mut state, &auth, NOW, SOURCE, sequence).is_ok());
        // Five seconds on, the capture is still fresh, and the mark it left is still remembered.
        let edge = NOW + Duration::from_secs(5);
        assert_eq!(
            hear(&mut state, &auth, edge, SOURCE, sequence),
            Err(RxError::AuthReplayed)
        );
    }
}
