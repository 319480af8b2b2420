//! HMAC authentication (keepalived 2.4's `auth_hmac`, draft-cassen-vrrp-auth-hmac) in the core,
//! with simulated time: the draft's appendix images byte for byte, then what a receiver refuses and
//! how a running pair rotates keys and migrates between modes without a transition.
#![cfg(feature = "auth-hmac")]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use vrrp::packet::{Advertisement, ChecksumForm, RxError, RxMeta, TRAILER_LEN, Trailer};
use vrrp::{
    Action, AntiReplay, Config, ConfigError, Counter, HmacAuth, HmacAuthError, HmacKey, HmacMode,
    Priority, State, VirtualRouter, Vrid, WallClock,
};

const VRID: Vrid = Vrid::new(51).expect("51 is not 0");
/// The draft's key: the bytes 00 to 1f.
const KEY: [u8; 32] = {
    let mut key = [0; 32];
    let mut i = 0;
    while i < 32 {
        key[i] = i as u8;
        i += 1;
    }
    key
};
/// The draft's sequence 0x68000000_8000_0000: UTC 0x68000000 s and a half.
const SEQUENCE_TIME: Duration = Duration::new(0x6800_0000, 500_000_000);

const SOURCE4: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 10);
const PEER4: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 20);
const VIP4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 100);
const SOURCE6: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x10);
const PEER6: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x20);
const VIP6: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x100);

/// The draft appendix's IPv4 image: VRID 51, priority 200, 1 s, VIP 192.0.2.100 from
/// 198.51.100.10, RFC 9568 message-only checksum, then the trailer.
const IPV4_IMAGE: &str = "3133c80100644402c0000264010100006800000080000000\
                          1b84bc4e8e43892dc6d98448f8ee2265";
/// The IPv6 image: VIP fe80::100 from fe80::10 to fe80::20, the checksum covering the trailer.
const IPV6_IMAGE: &str = "3133c8010064a2e9fe800000000000000000000000000100\
                          010100006800000080000000c8c56146ebfd66ee10ec4d8186461b78";

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn key(id: u8, fill: Option<u8>) -> HmacKey {
    match fill {
        None => HmacKey::new(id, &KEY).unwrap(),
        Some(byte) => HmacKey::new(id, &[byte; 32]).unwrap(),
    }
}

fn auth(mode: HmacMode) -> HmacAuth {
    HmacAuth::builder(1)
        .key(key(1, None))
        .mode(mode)
        .build()
        .unwrap()
}

fn config(source: IpAddr, peer: IpAddr, vip: IpAddr, priority: u8, auth: HmacAuth) -> Config {
    Config::builder(2, VRID, source)
        .priority(Priority::new(priority))
        .address(vip)
        .unicast_peer(peer)
        .min_hop_limit(1)
        .checksum_form(ChecksumForm::MessageOnly)
        .auth_hmac(auth)
        .build()
        .unwrap()
}

/// Runs `router` from start to Master at `t0`, with the wall clock reading `wall` when it takes
/// over, and returns its first advert.
fn first_advert(router: &mut VirtualRouter, t0: Instant, wall: Duration) -> Vec<u8> {
    router.start(t0);
    while router.poll_action().is_some() {}
    let due = router.poll_timeout().unwrap();
    router.set_wall_clock(WallClock::new(due, wall));
    router.handle_timeout(due);
    assert_eq!(router.state(), State::Master);
    sent(router).remove(0)
}

fn sent(router: &mut VirtualRouter) -> Vec<Vec<u8>> {
    std::iter::from_fn(|| router.poll_action())
        .filter_map(|action| match action {
            Action::Send(transmit) => Some(transmit.payload.to_vec()),
            _ => None,
        })
        .collect()
}

#[test]
fn our_ipv4_advert_is_the_drafts_appendix_image_byte_for_byte() {
    let mut router = VirtualRouter::new(config(
        SOURCE4.into(),
        PEER4.into(),
        VIP4.into(),
        200,
        auth(HmacMode::Enforce),
    ));
    let advert = first_advert(&mut router, Instant::now(), SEQUENCE_TIME);
    assert_eq!(advert, hex(IPV4_IMAGE));
}

#[test]
fn our_ipv6_advert_is_the_drafts_appendix_image_byte_for_byte() {
    let mut router = VirtualRouter::new(config(
        SOURCE6.into(),
        PEER6.into(),
        VIP6.into(),
        200,
        auth(HmacMode::Enforce),
    ));
    let advert = first_advert(&mut router, Instant::now(), SEQUENCE_TIME);
    assert_eq!(advert, hex(IPV6_IMAGE));
}

/// A Backup at priority 100 of the pair the images come from, its clock at the images' time.
fn backup(source: IpAddr, peer: IpAddr, vip: IpAddr, auth: HmacAuth) -> (VirtualRouter, Instant) {
    let t0 = Instant::now();
    let mut router = VirtualRouter::new(config(source, peer, vip, 100, auth));
    router.set_wall_clock(WallClock::new(t0, SEQUENCE_TIME));
    router.start(t0);
    while router.poll_action().is_some() {}
    (router, t0)
}

fn v4_backup(auth: HmacAuth) -> (VirtualRouter, Instant) {
    backup(PEER4.into(), SOURCE4.into(), VIP4.into(), auth)
}

fn v4_rx() -> RxMeta {
    RxMeta::ipv4(SOURCE4, PEER4, 64, 2)
}

#[test]
fn the_appendix_images_verify_and_drive_the_backup() {
    let (mut router, t0) = v4_backup(auth(HmacMode::Enforce));
    assert_eq!(router.handle_packet(t0, &v4_rx(), &hex(IPV4_IMAGE)), Ok(()));
    assert_eq!(router.master_address(), Some(SOURCE4.into()));
    assert_eq!(router.stats().rcvd_authenticated(), 1);

    let (mut router, t0) = backup(
        PEER6.into(),
        SOURCE6.into(),
        VIP6.into(),
        auth(HmacMode::Enforce),
    );
    let rx = RxMeta::ipv6(SOURCE6, PEER6, 64, 2);
    assert_eq!(router.handle_packet(t0, &rx, &hex(IPV6_IMAGE)), Ok(()));
    assert_eq!(router.stats().rcvd_authenticated(), 1);
}

/// The IPv4 image with the byte at `offset` flipped.
fn flipped(offset: usize) -> Vec<u8> {
    let mut image = hex(IPV4_IMAGE);
    image[offset] ^= 1;
    image
}

#[test]
fn every_byte_the_hmac_covers_is_bound_to_it() {
    // The checksum is left out of the HMAC but still checked; every other byte of the message and
    // of the trailer's sequence and HMAC is covered.
    for offset in (0..12).chain(16..40).filter(|&o| o != 6 && o != 7) {
        let (mut router, t0) = v4_backup(auth(HmacMode::Enforce));
        let result = router.handle_packet(t0, &v4_rx(), &reseal(flipped(offset)));
        assert!(
            matches!(
                result,
                Err(RxError::AuthInvalidHmac | RxError::AuthStale { .. })
                    | Err(RxError::Type(_) | RxError::Version { .. } | RxError::Length { .. })
                    | Err(RxError::VridMismatch { .. } | RxError::NoAddresses)
            ),
            "byte {offset}: {result:?}"
        );
        assert_eq!(router.state(), State::Backup);
        assert_eq!(router.stats().rcvd_authenticated(), 0, "byte {offset}");
    }
}

/// Recomputes the message-only checksum of an IPv4 image, so that only the HMAC can refuse it.
fn reseal(mut image: Vec<u8>) -> Vec<u8> {
    image[6..8].fill(0);
    let mut sum = 0u32;
    for word in image[..12].chunks(2) {
        sum += u32::from(u16::from_be_bytes([word[0], word[1]]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    image[6..8].copy_from_slice(&(!(sum as u16)).to_be_bytes());
    image
}

#[test]
fn a_forged_advert_is_dropped_counted_and_changes_no_state() {
    let (mut router, t0) = v4_backup(auth(HmacMode::Enforce));
    // Priority 0 from the Master would start a takeover in Skew_Time; forged, it does nothing.
    let mut forged = hex(IPV4_IMAGE);
    forged[2] = 0;
    let forged = reseal(forged);
    assert_eq!(
        router.handle_packet(t0, &v4_rx(), &forged),
        Err(RxError::AuthInvalidHmac)
    );
    assert_eq!(router.stats().errors(Counter::AuthInvalidHmac), 1);
    // A checksum error is no authentication failure.
    assert!(router.handle_packet(t0, &v4_rx(), &flipped(6)).is_err());
    assert_eq!(router.stats().total_errors(), 2);
    assert_eq!(router.stats().auth_failures(), 1);
    assert_eq!(router.stats().rcvd_pri_zero_packets, 0);
    assert_eq!(
        router.poll_timeout(),
        Some(t0 + router.master_down_interval())
    );
}

#[test]
fn an_unsigned_advert_is_refused_in_enforce_mode_only() {
    let unsigned = hex(IPV4_IMAGE)[..12].to_vec();
    let (mut router, t0) = v4_backup(auth(HmacMode::Enforce));
    assert_eq!(
        router.handle_packet(t0, &v4_rx(), &unsigned),
        Err(RxError::AuthTrailerMissing)
    );
    assert_eq!(router.stats().errors(Counter::AuthTrailerMissing), 1);
    for mode in [HmacMode::Permissive, HmacMode::ReceiveOnly] {
        let (mut router, t0) = v4_backup(auth(mode));
        assert_eq!(
            router.handle_packet(t0, &v4_rx(), &unsigned),
            Ok(()),
            "{mode:?}"
        );
        assert_eq!(router.stats().rcvd_authenticated(), 0);
        // A trailer that comes is still verified.
        let forged = reseal(flipped(2));
        assert_eq!(
            router.handle_packet(t0, &v4_rx(), &forged),
            Err(RxError::AuthInvalidHmac)
        );
    }
}

#[test]
fn a_replayed_advert_is_refused_the_second_time() {
    let (mut router, t0) = v4_backup(auth(HmacMode::Enforce));
    let image = hex(IPV4_IMAGE);
    assert_eq!(router.handle_packet(t0, &v4_rx(), &image), Ok(()));
    assert_eq!(
        router.handle_packet(t0, &v4_rx(), &image),
        Err(RxError::AuthReplayed)
    );
    assert_eq!(router.stats().errors(Counter::AuthReplayed), 1);
    assert_eq!(router.stats().rcvd_advertisements, 1);
}

#[test]
fn a_stale_advert_is_refused_before_its_hmac_is_computed() {
    let (mut router, t0) = v4_backup(auth(HmacMode::Enforce));
    // Six seconds later the image is outside the 5 s window derived from a 1 s interval.
    let later = t0 + Duration::from_secs(6);
    assert_eq!(
        router.handle_packet(later, &v4_rx(), &hex(IPV4_IMAGE)),
        Err(RxError::AuthStale { skew: 6, window: 5 })
    );
    assert_eq!(router.stats().errors(Counter::AuthStale), 1);
    // A router without any wall-clock reading refuses every signed advert as stale.
    let mut unclocked = VirtualRouter::new(config(
        PEER4.into(),
        SOURCE4.into(),
        VIP4.into(),
        100,
        auth(HmacMode::Enforce),
    ));
    unclocked.start(t0);
    assert!(matches!(
        unclocked.handle_packet(t0, &v4_rx(), &hex(IPV4_IMAGE)),
        Err(RxError::AuthStale { .. })
    ));
}

#[test]
fn monotonic_anti_replay_needs_no_clock_agreement_but_still_refuses_replays() {
    let monotonic = HmacAuth::builder(1)
        .key(key(1, None))
        .anti_replay(AntiReplay::Monotonic)
        .build()
        .unwrap();
    let (mut router, t0) = v4_backup(monotonic);
    let a_year_later = t0 + Duration::from_secs(365 * 86_400);
    let image = hex(IPV4_IMAGE);
    assert_eq!(router.handle_packet(a_year_later, &v4_rx(), &image), Ok(()));
    assert_eq!(
        router.handle_packet(a_year_later, &v4_rx(), &image),
        Err(RxError::AuthReplayed)
    );
}

#[test]
fn an_unknown_key_id_or_a_malformed_trailer_is_named_as_such() {
    let (mut router, t0) = v4_backup(auth(HmacMode::Enforce));
    assert_eq!(
        router.handle_packet(t0, &v4_rx(), &flipped(13)),
        Err(RxError::AuthUnknownKey(0))
    );
    assert_eq!(
        router.handle_packet(t0, &v4_rx(), &flipped(12)),
        Err(RxError::AuthTrailerMalformed)
    );
    assert_eq!(
        router.handle_packet(t0, &v4_rx(), &flipped(14)),
        Err(RxError::AuthTrailerMalformed)
    );
    assert_eq!(router.stats().errors(Counter::AuthUnknownKey), 1);
    assert_eq!(router.stats().errors(Counter::AuthTrailerMalformed), 2);
    assert_eq!(router.stats().auth_failures(), 3);
    assert_eq!(
        router.stats().errors(Counter::AuthFailures),
        0,
        "the VRRPv2 password's"
    );
}

#[test]
fn removing_the_authentication_from_a_running_router_leaves_a_plain_one() {
    let unsigned = hex(IPV4_IMAGE)[..12].to_vec();
    let (mut router, t0) = v4_backup(auth(HmacMode::Enforce));
    router.set_auth_hmac(None).unwrap();
    assert!(router.config().auth_hmac().is_none());
    assert_eq!(router.handle_packet(t0, &v4_rx(), &unsigned), Ok(()));
    assert!(matches!(
        router.handle_packet(t0, &v4_rx(), &hex(IPV4_IMAGE)),
        Err(RxError::Length { actual: 40, .. })
    ));
}

#[test]
fn a_router_without_hmac_refuses_a_signed_advert_by_its_length() {
    let plain = Config::builder(2, VRID, PEER4.into())
        .address(VIP4.into())
        .unicast_peer(SOURCE4.into())
        .min_hop_limit(1)
        .build()
        .unwrap();
    let mut router = VirtualRouter::new(plain);
    let t0 = Instant::now();
    router.start(t0);
    assert!(matches!(
        router.handle_packet(t0, &v4_rx(), &hex(IPV4_IMAGE)),
        Err(RxError::Length {
            expected: 12,
            actual: 40,
            ..
        })
    ));
}

/// Two routers on a simulated wire, unicast to each other, each with its own authentication.
struct Pair {
    /// The wall clock both hosts read, as NTP keeps it.
    clock: WallClock,
    now: Instant,
    routers: [VirtualRouter; 2],
    transitions: usize,
}

const A: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 1);
const B: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 1);

impl Pair {
    fn new(a: HmacAuth, b: HmacAuth) -> Self {
        let now = Instant::now();
        let config = |source: Ipv4Addr, peer: Ipv4Addr, priority, auth| {
            Config::builder(2, VRID, source.into())
                .priority(Priority::new(priority))
                .advert_interval(Duration::from_millis(100))
                .address(VIP4.into())
                .unicast_peer(peer.into())
                .min_hop_limit(1)
                .auth_hmac(auth)
                .build()
                .unwrap()
        };
        let mut pair = Self {
            clock: WallClock::new(now, Duration::from_secs(1_900_000_000)),
            now,
            routers: [
                VirtualRouter::new(config(A, B, 150, a)),
                VirtualRouter::new(config(B, A, 100, b)),
            ],
            transitions: 0,
        };
        for router in &mut pair.routers {
            router.set_wall_clock(pair.clock);
            router.start(now);
        }
        pair.run(Duration::from_secs(2));
        pair.transitions = 0;
        pair
    }

    /// Runs both routers for `span`, delivering every advert to the other one (across a router:
    /// TTL 64).
    fn run(&mut self, span: Duration) {
        let end = self.now + span;
        loop {
            let mut inflight = Vec::new();
            for (i, router) in self.routers.iter_mut().enumerate() {
                while let Some(action) = router.poll_action() {
                    match action {
                        Action::Send(transmit) => inflight.push((1 - i, transmit)),
                        Action::StateChanged { .. } => self.transitions += 1,
                        _ => {}
                    }
                }
            }
            for (to, transmit) in inflight {
                let (IpAddr::V4(source), IpAddr::V4(destination)) =
                    (transmit.source, transmit.destination)
                else {
                    unreachable!()
                };
                let rx = RxMeta::ipv4(source, destination, 64, 2);
                let _ = self.routers[to].handle_packet(self.now, &rx, &transmit.payload);
            }
            let next = self
                .routers
                .iter()
                .filter_map(VirtualRouter::poll_timeout)
                .min();
            match next {
                Some(at) if at <= end => {
                    self.now = at;
                    for router in &mut self.routers {
                        router.handle_timeout(at);
                    }
                }
                _ => break,
            }
        }
        self.now = end;
    }

    fn states(&self) -> [State; 2] {
        [self.routers[0].state(), self.routers[1].state()]
    }

    /// Replaces router `i`'s authentication in place, as a reload that changes nothing else does.
    fn reload(&mut self, i: usize, auth: Option<HmacAuth>) {
        self.routers[i].set_auth_hmac(auth).unwrap();
        self.routers[i].set_wall_clock(self.clock);
    }
}

#[test]
fn an_authenticated_pair_elects_and_stays_put() {
    let mut pair = Pair::new(auth(HmacMode::Enforce), auth(HmacMode::Enforce));
    assert_eq!(pair.states(), [State::Master, State::Backup]);
    pair.run(Duration::from_secs(10));
    assert_eq!(pair.transitions, 0);
    assert!(pair.routers[1].stats().rcvd_authenticated() >= 99);
    assert_eq!(pair.routers[1].stats().total_errors(), 0);
}

#[test]
fn routers_with_different_keys_under_one_id_both_become_master() {
    let other = HmacAuth::builder(1).key(key(1, Some(9))).build().unwrap();
    let pair = Pair::new(auth(HmacMode::Enforce), other);
    assert_eq!(pair.states(), [State::Master, State::Master]);
    assert!(pair.routers[0].stats().errors(Counter::AuthInvalidHmac) > 0);
}

#[test]
fn a_key_rotation_makes_before_it_breaks_with_no_transition() {
    let both = |active| {
        HmacAuth::builder(active)
            .key(key(1, None))
            .key(key(2, Some(2)))
            .build()
            .unwrap()
    };
    let mut pair = Pair::new(auth(HmacMode::Enforce), auth(HmacMode::Enforce));
    // The Backup first (so the Master never restarts into a contest it would lose to nobody).
    for (i, step) in [(1, both(1)), (0, both(1)), (1, both(2)), (0, both(2))] {
        pair.reload(i, Some(step));
        pair.run(Duration::from_secs(2));
        assert_eq!(pair.states(), [State::Master, State::Backup], "step {i}");
    }
    let only_new = || HmacAuth::builder(2).key(key(2, Some(2))).build().unwrap();
    pair.reload(1, Some(only_new()));
    pair.run(Duration::from_secs(2));
    pair.reload(0, Some(only_new()));
    pair.run(Duration::from_secs(2));
    assert_eq!(pair.states(), [State::Master, State::Backup]);
    assert_eq!(pair.transitions, 0);
    for router in &pair.routers {
        assert_eq!(router.stats().total_errors(), 0);
    }
    // Key 1 is gone everywhere: an advert signed with it is now an unknown key.
    assert_eq!(
        pair.routers[1]
            .config()
            .auth_hmac()
            .map(HmacAuth::active_key),
        Some(2)
    );
}

#[test]
fn the_three_step_migration_never_loses_the_master() {
    // From no authentication at all to enforce, one router at a time, Backup first.
    let mut pair = Pair::new(auth(HmacMode::Enforce), auth(HmacMode::Enforce));
    pair.reload(0, None);
    pair.reload(1, None);
    pair.run(Duration::from_secs(2));
    assert_eq!(pair.states(), [State::Master, State::Backup]);
    for mode in [
        HmacMode::ReceiveOnly,
        HmacMode::Permissive,
        HmacMode::Enforce,
    ] {
        for i in [1, 0] {
            pair.reload(i, Some(auth(mode)));
            pair.run(Duration::from_secs(2));
            assert_eq!(pair.states(), [State::Master, State::Backup], "{mode:?}");
        }
    }
    assert_eq!(pair.transitions, 0);
    for router in &pair.routers {
        assert_eq!(router.stats().total_errors(), 0);
    }
    let authenticated = pair.routers[1].stats().rcvd_authenticated();
    pair.run(Duration::from_secs(1));
    assert_eq!(
        pair.routers[1].stats().rcvd_authenticated(),
        authenticated + 10
    );
}

#[test]
fn skipping_the_permissive_step_loses_adverts() {
    // Enforce on the Backup while the Master still sends nothing: the Backup refuses the Master's
    // adverts and takes over, which is why the migration goes through receive-only and permissive.
    let mut pair = Pair::new(auth(HmacMode::ReceiveOnly), auth(HmacMode::ReceiveOnly));
    pair.reload(1, Some(auth(HmacMode::Enforce)));
    pair.run(Duration::from_secs(2));
    assert_eq!(pair.states(), [State::Master, State::Master]);
    assert!(pair.routers[1].stats().errors(Counter::AuthTrailerMissing) > 0);
}

#[test]
fn a_signed_advert_carries_the_trailer_the_packet_module_reads() {
    let mut router = VirtualRouter::new(config(
        SOURCE4.into(),
        PEER4.into(),
        VIP4.into(),
        200,
        auth(HmacMode::Permissive),
    ));
    let advert = first_advert(&mut router, Instant::now(), SEQUENCE_TIME);
    assert_eq!(advert.len(), 12 + TRAILER_LEN);
    let rx = RxMeta::ipv4(SOURCE4, PEER4, 255, 2);
    let (parsed, trailer) = Advertisement::parse_signed(&rx, &advert, Default::default()).unwrap();
    assert_eq!(parsed.priority, Priority::new(200));
    let trailer: Trailer = trailer.unwrap();
    assert_eq!(
        (trailer.key_id, trailer.sequence),
        (1, 0x6800_0000_8000_0000)
    );
    // The next advert in the same clock reading counts up.
    let later = router.poll_timeout().unwrap();
    router.handle_timeout(later);
    let next = sent(&mut router).remove(0);
    let (_, next) = Advertisement::parse_signed(&rx, &next, Default::default()).unwrap();
    assert!(next.unwrap().sequence > trailer.sequence);
}

#[test]
fn a_receive_only_router_signs_nothing() {
    let mut router = VirtualRouter::new(config(
        SOURCE4.into(),
        PEER4.into(),
        VIP4.into(),
        200,
        auth(HmacMode::ReceiveOnly),
    ));
    assert_eq!(
        first_advert(&mut router, Instant::now(), SEQUENCE_TIME).len(),
        12
    );
}

#[test]
fn configuration_errors_name_the_problem() {
    assert_eq!(
        HmacAuth::builder(2).key(key(1, None)).build(),
        Err(HmacAuthError::ActiveKeyUndefined(2))
    );
    assert_eq!(
        HmacAuth::builder(1)
            .key(key(1, None))
            .key(key(1, Some(3)))
            .build(),
        Err(HmacAuthError::DuplicateKey(1))
    );
    assert_eq!(
        HmacAuth::builder(1)
            .key(key(1, None))
            .time_window(301)
            .build(),
        Err(HmacAuthError::TimeWindow(301))
    );
    let password =
        vrrp::packet::Authentication::Password(vrrp::packet::Password::new(b"pw").unwrap());
    let with_both = Config::builder(2, VRID, SOURCE4.into())
        .version(vrrp::packet::Version::V2)
        .address(VIP4.into())
        .authentication(password)
        .auth_hmac(auth(HmacMode::Enforce))
        .build();
    assert_eq!(with_both, Err(ConfigError::AuthHmacWithPassword));
}

#[test]
fn the_window_is_derived_from_the_interval_as_keepalived_does() {
    let auth = auth(HmacMode::Enforce);
    let window =
        |secs: u64| auth.time_window(vrrp::Interval::from_centis((secs * 100) as u16).unwrap());
    assert_eq!(window(1), Duration::from_secs(5));
    assert_eq!(window(2), Duration::from_secs(6));
    assert_eq!(window(40), Duration::from_secs(120));
}

#[test]
fn v3_rx_01_only_unicast_peers_may_be_heard_across_routers() {
    let strict = Config::builder(2, VRID, PEER4.into())
        .address(VIP4.into())
        .unicast_peer(SOURCE4.into())
        .auth_hmac(auth(HmacMode::Enforce))
        .build()
        .unwrap();
    let mut router = VirtualRouter::new(strict);
    let t0 = Instant::now();
    router.set_wall_clock(WallClock::new(t0, SEQUENCE_TIME));
    router.start(t0);
    assert_eq!(
        router.handle_packet(t0, &v4_rx(), &hex(IPV4_IMAGE)),
        Err(RxError::HopLimit(64))
    );
    let multicast = Config::builder(2, VRID, PEER4.into())
        .address(VIP4.into())
        .min_hop_limit(1)
        .build();
    assert_eq!(multicast, Err(ConfigError::HopLimitRelaxedForMulticast(1)));
}

#[test]
fn an_accepted_advert_from_a_clock_past_half_the_window_is_counted_as_skewed() {
    // The window is 5 s: a skew of 2 s is within half of it, 3 s is past, in either direction.
    for (offset, ahead, skewed) in [(2, false, 0), (3, false, 1), (3, true, 1), (2, true, 0)] {
        let (mut router, t0) = v4_backup(auth(HmacMode::Enforce));
        let offset = Duration::from_secs(offset);
        let clock = if ahead {
            SEQUENCE_TIME + offset
        } else {
            SEQUENCE_TIME - offset
        };
        router.set_wall_clock(WallClock::new(t0, clock));
        assert_eq!(router.handle_packet(t0, &v4_rx(), &hex(IPV4_IMAGE)), Ok(()));
        assert_eq!(
            router.stats().auth_clock_skews(),
            skewed,
            "{offset:?} ahead: {ahead}"
        );
    }
}
