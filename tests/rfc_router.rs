//! The state-machine rows of the RFC checklist (RFC 5798 §6 and §7.1 as updated by RFC 9568, RFC 3768),
//! one test per requirement, named after its id, driven with simulated time: deadlines are checked
//! exactly, and nothing sleeps.

use crate::common;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use common::adverts::{MASTER_LL, VIP, VIP_LL, VIP6, vrid};
use vrrp::packet::{
    AddressList, Advertisement, Authentication, ChecksumForm, IPV4_MULTICAST, IPV6_MULTICAST,
    Password, RxError, RxMeta, Version,
};
use vrrp::{
    Action, Announcements, Config, ConfigBuilder, ConfigError, Counter, Interval,
    LowerPriorityResponse, NewMasterReason, Priority, ProtoErrReason, Reason, State, VirtualRouter,
    Vrid,
};

const VRID: Vrid = vrid(51);
const LOCAL: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const HIGHER_ADDRESS: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);
const LOWER_ADDRESS: Ipv4Addr = Ipv4Addr::new(192, 0, 1, 9);
const LOCAL_LL: Ipv6Addr = MASTER_LL;
const SECOND: Duration = Duration::from_secs(1);

fn builder() -> ConfigBuilder {
    Config::builder(2, VRID, LOCAL.into()).address(VIP.into())
}

fn build(builder: ConfigBuilder) -> Config {
    builder.build().expect("valid test configuration")
}

/// A router of `config` started at `t0`, with its start-up actions drained.
fn started(config: Config, t0: Instant) -> VirtualRouter {
    let mut router = VirtualRouter::new(config);
    router.start(t0);
    drain(&mut router);
    router
}

fn drain(router: &mut VirtualRouter) -> Vec<Action> {
    std::iter::from_fn(|| router.poll_action()).collect()
}

/// An advert for VRID 51 as a peer at `source` sends it.
fn advert_from(source: IpAddr, priority: u8, centis: u16) -> (RxMeta, Vec<u8>) {
    let (addresses, destination, rx) = match source {
        IpAddr::V4(s) => (
            AddressList::ipv4([VIP]),
            IpAddr::V4(IPV4_MULTICAST),
            RxMeta::ipv4(s, IPV4_MULTICAST, 255, 2),
        ),
        IpAddr::V6(s) => (
            AddressList::ipv6([VIP_LL, VIP6]),
            IpAddr::V6(IPV6_MULTICAST),
            RxMeta::ipv6(s, IPV6_MULTICAST, 255, 2),
        ),
    };
    let advert = Advertisement {
        version: Version::V3,
        vrid: common::adverts::vrid(51),
        priority: Priority::new(priority),
        interval: Interval::from_centis(centis).expect("non-zero"),
        addresses,
        authentication: Authentication::None,
        checksum_form: ChecksumForm::PseudoHeader,
    };
    (rx, common::adverts::emit(&advert, source, destination))
}

fn receive(
    router: &mut VirtualRouter,
    now: Instant,
    source: impl Into<IpAddr>,
    priority: u8,
) -> Vec<Action> {
    let (rx, bytes) = advert_from(source.into(), priority, 100);
    router
        .handle_packet(now, &rx, &bytes)
        .expect("valid advert");
    drain(router)
}

/// The priority of each advert sent among `actions`.
fn sent_priorities(actions: &[Action]) -> Vec<u8> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send(t) => Some(t.payload[2]),
            _ => None,
        })
        .collect()
}

fn state_change(actions: &[Action]) -> Option<(State, State, Reason)> {
    actions.iter().find_map(|a| match a {
        Action::StateChanged { from, to, reason } => Some((*from, *to, *reason)),
        _ => None,
    })
}

/// A Backup of priority 100 that heard a Master of priority 200 at `t0 + 1 s`.
fn backup_following_master(t0: Instant) -> VirtualRouter {
    let mut router = started(build(builder()), t0);
    receive(&mut router, t0 + SECOND, HIGHER_ADDRESS, 200);
    router
}

/// A Master of priority 100 at `t0 + MDI`.
fn master(config: Config, t0: Instant) -> (VirtualRouter, Instant) {
    let mut router = started(config, t0);
    let at = router.poll_timeout().expect("Master_Down_Timer runs");
    router.handle_timeout(at);
    drain(&mut router);
    assert_eq!(router.state(), State::Master);
    (router, at)
}

#[test]
fn v3_par_01_defaults() {
    let config = build(builder());
    assert_eq!(config.priority(), Priority::new(100));
    assert_eq!(config.interval().as_centis(), 100);
    assert!(config.preempt() && !config.accept() && !config.is_owner());
    assert_eq!(config.version(), Version::V3);
    assert_eq!(config.checksum_form(), ChecksumForm::PseudoHeader);
    assert_eq!(
        config.lower_priority_response(),
        LowerPriorityResponse::Readvertise
    );
    let router = VirtualRouter::new(config);
    assert_eq!(router.stats().proto_err_reason, ProtoErrReason::NoError);
    assert_eq!(
        router.master_adver_interval().as_centis(),
        100,
        "Master_Adver_Interval starts at the configured one"
    );
}

#[test]
fn v3_pkt_05_07_10_configuration_is_validated() {
    let v6 = || Config::builder(2, VRID, LOCAL_LL.into());
    let cases: Vec<(ConfigBuilder, ConfigError)> = vec![
        (
            builder().priority(Priority::SHUTDOWN),
            ConfigError::PriorityZero,
        ),
        (
            builder().priority(Priority::OWNER),
            ConfigError::PriorityReservedForOwner,
        ),
        (
            builder().owner(true),
            ConfigError::OwnerPriorityNot255(Priority::DEFAULT),
        ),
        (
            builder().advert_interval(Duration::ZERO),
            ConfigError::IntervalZero,
        ),
        (
            builder().advert_interval(Duration::from_millis(40_960)),
            ConfigError::IntervalTooLong(Duration::from_millis(40_960)),
        ),
        (
            builder().advert_interval(Duration::from_millis(15)),
            ConfigError::IntervalNotCentiseconds(Duration::from_millis(15)),
        ),
        (
            builder()
                .version(Version::V2)
                .advert_interval(Duration::from_millis(500)),
            ConfigError::Version2IntervalNotWholeSeconds(Duration::from_millis(500)),
        ),
        (
            builder()
                .version(Version::V2)
                .advert_interval(Duration::from_secs(256)),
            ConfigError::IntervalTooLong(Duration::from_secs(256)),
        ),
        (
            v6().address(VIP_LL.into()).version(Version::V2),
            ConfigError::Version2WithIpv6,
        ),
        (
            Config::builder(2, VRID, LOCAL.into()),
            ConfigError::NoAddresses,
        ),
        (
            v6().address(VIP6.into()),
            ConfigError::FirstIpv6AddressNotLinkLocal(VIP6),
        ),
        (
            builder().address(VIP6.into()),
            ConfigError::MixedFamilies {
                primary_address: LOCAL.into(),
                address: VIP6.into(),
            },
        ),
        (
            Config::builder(2, VRID, VIP6.into()).address(VIP_LL.into()),
            ConfigError::Ipv6SourceNotLinkLocal(VIP6),
        ),
        (
            builder()
                .priority(Priority::OWNER)
                .owner(true)
                .preempt_delay(SECOND),
            ConfigError::PreemptDelayOnOwner,
        ),
        (
            builder().address(VIP.into()),
            ConfigError::DuplicateAddress(VIP.into()),
        ),
        (
            builder().authentication(Authentication::Password(
                Password::new(b"pw").expect("2 bytes"),
            )),
            ConfigError::AuthenticationInVersion3,
        ),
        (
            builder().announcements(Announcements {
                repeat: 0,
                ..Announcements::default()
            }),
            ConfigError::NoAnnouncements,
        ),
    ];
    for (builder, expected) in cases {
        assert_eq!(builder.build(), Err(expected.clone()), "{expected}");
    }
    // VRID 0 cannot reach a builder: converting it fails.
    assert_eq!(Vrid::try_from(0), Err(ConfigError::VridZero));
    let too_many = (0..256u32).fold(Config::builder(2, VRID, LOCAL.into()), |b, i| {
        b.address(Ipv4Addr::from(0xC633_6400 + i).into())
    });
    assert_eq!(too_many.build(), Err(ConfigError::TooManyAddresses(256)));
    // 255 addresses fill the count octet exactly.
    let most = (0..255u32).fold(Config::builder(2, VRID, LOCAL.into()), |b, i| {
        b.address(Ipv4Addr::from(0xC633_6400 + i).into())
    });
    assert_eq!(most.build().map(|c| c.addresses().len()), Ok(255));
    // The limits themselves are valid.
    assert!(
        builder()
            .advert_interval(Duration::from_millis(40_950))
            .build()
            .is_ok()
    );
    assert!(
        builder()
            .advert_interval(Duration::from_millis(10))
            .build()
            .is_ok()
    );
    assert!(
        builder()
            .version(Version::V2)
            .advert_interval(Duration::from_secs(255))
            .build()
            .is_ok()
    );
    assert!(
        builder().priority(Priority::new(254)).build().is_ok()
            && builder().priority(Priority::new(1)).build().is_ok()
    );
}

#[test]
fn v3_par_04_owner_preempts_whatever_preempt_mode_says() {
    let t0 = Instant::now();
    let mut owner = started(
        build(
            builder()
                .priority(Priority::OWNER)
                .owner(true)
                .preempt(false),
        ),
        t0,
    );
    assert_eq!(owner.state(), State::Master);
    let actions = receive(&mut owner, t0 + SECOND, HIGHER_ADDRESS, 254);
    assert_eq!(
        owner.state(),
        State::Master,
        "the owner never yields to a lower priority"
    );
    assert_eq!(sent_priorities(&actions), [255]);
    // Back from a link failure while a lower priority is Master: the owner takes over at once,
    // where a non-owner without preemption would follow that Master as Backup.
    owner.handle_link(t0 + 2 * SECOND, false);
    assert_eq!(owner.state(), State::Fault);
    owner.handle_link(t0 + 3 * SECOND, true);
    receive(&mut owner, t0 + 3 * SECOND, HIGHER_ADDRESS, 254);
    assert_eq!(
        owner.state(),
        State::Master,
        "the owner preempts without Preempt_Mode"
    );
    let mut follower = started(
        build(builder().priority(Priority::new(254)).preempt(false)),
        t0,
    );
    receive(&mut follower, t0, HIGHER_ADDRESS, 100);
    assert_eq!(follower.state(), State::Backup, "a non-owner does not");
}

#[test]
fn v3_par_06_9568_02_ipv4_and_ipv6_routers_with_one_vrid_are_independent() {
    let t0 = Instant::now();
    let mut v4 = started(build(builder()), t0);
    let v6_config = build(
        Config::builder(2, VRID, LOCAL_LL.into())
            .address(VIP_LL.into())
            .address(VIP6.into())
            .priority(Priority::new(200)),
    );
    let mut v6 = started(v6_config, t0);
    receive(
        &mut v6,
        t0 + SECOND,
        Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2),
        100,
    );
    assert_eq!(v4.poll_timeout(), Some(t0 + v4.master_down_interval()));
    assert_eq!(
        v6.poll_timeout(),
        Some(t0 + v6.master_down_interval()),
        "a lower priority does not reset its timer"
    );
    v4.handle_timeout(t0 + v4.master_down_interval());
    assert_eq!((v4.state(), v6.state()), (State::Master, State::Backup));
}

#[test]
fn v3_fsm_01_initialize_ignores_everything_but_startup() {
    let t0 = Instant::now();
    let mut router = VirtualRouter::new(build(builder()));
    let (rx, bytes) = advert_from(HIGHER_ADDRESS.into(), 200, 100);
    assert_eq!(router.handle_packet(t0, &rx, &bytes), Ok(()));
    router.handle_timeout(t0 + Duration::from_secs(100));
    router.set_priority(t0, Priority::new(50));
    assert_eq!(drain(&mut router), []);
    assert_eq!(
        (router.state(), router.poll_timeout()),
        (State::Initialize, None)
    );
    assert_eq!(router.stats().rcvd_advertisements, 0);
}

#[test]
fn v3_fsm_02_owner_starts_as_master_advertising_and_announcing() {
    let t0 = Instant::now();
    let mut router = VirtualRouter::new(build(builder().priority(Priority::OWNER).owner(true)));
    router.start(t0);
    let actions = drain(&mut router);
    assert!(
        matches!(&actions[0], Action::Send(t) if t.payload[2] == 255 && t.destination == IpAddr::V4(IPV4_MULTICAST))
    );
    assert!(
        matches!(&actions[1], Action::Announce { addresses, repeat: 5 } if addresses.as_ipv4() == Some(&[VIP][..]))
    );
    assert_eq!(
        state_change(&actions),
        Some((State::Initialize, State::Master, Reason::Startup))
    );
    assert_eq!(
        actions.len(),
        3,
        "the owner's addresses are its own: none added: {actions:?}"
    );
    assert_eq!(router.poll_timeout(), Some(t0 + SECOND));
    assert_eq!(router.stats().new_master_reason, NewMasterReason::Priority);
}

#[test]
fn v3_fsm_03_non_owner_starts_as_backup_with_master_down_timer() {
    let t0 = Instant::now();
    let mut router = VirtualRouter::new(build(builder()));
    router.start(t0);
    assert_eq!(
        state_change(&drain(&mut router)),
        Some((State::Initialize, State::Backup, Reason::Startup))
    );
    assert_eq!(
        router.poll_timeout(),
        Some(t0 + Duration::from_micros(3_609_375))
    );
}

#[test]
fn v3_fsm_08_backup_shutdown_sends_nothing() {
    let t0 = Instant::now();
    let mut router = backup_following_master(t0);
    router.shutdown(t0 + 2 * SECOND);
    let actions = drain(&mut router);
    assert_eq!(
        actions,
        [Action::StateChanged {
            from: State::Backup,
            to: State::Initialize,
            reason: Reason::Shutdown
        }]
    );
    assert_eq!(router.poll_timeout(), None);
}

#[test]
fn v3_fsm_09_backup_takes_over_exactly_master_down_interval_after_the_last_advert() {
    let t0 = Instant::now();
    let mut router = backup_following_master(t0);
    let last_advert = t0 + SECOND;
    let takeover = last_advert + Duration::from_micros(3_609_375);
    assert_eq!(router.poll_timeout(), Some(takeover));
    router.handle_timeout(takeover - Duration::from_nanos(1));
    assert_eq!(
        drain(&mut router),
        [],
        "one nanosecond early changes nothing"
    );
    router.handle_timeout(takeover);
    let actions = drain(&mut router);
    assert_eq!(sent_priorities(&actions), [100]);
    assert!(matches!(
        &actions[1],
        Action::AddAddresses { accept: false, .. }
    ));
    assert!(matches!(&actions[2], Action::Announce { .. }));
    assert_eq!(
        state_change(&actions),
        Some((State::Backup, State::Master, Reason::MasterNoResponse))
    );
    assert_eq!(
        router.stats().new_master_reason,
        NewMasterReason::MasterNoResponse
    );
    assert_eq!(router.poll_timeout(), Some(takeover + SECOND));
}

#[test]
fn v3_fsm_10_priority_zero_makes_the_backup_take_over_after_skew_time() {
    let t0 = Instant::now();
    let mut router = backup_following_master(t0);
    let stop = t0 + 2 * SECOND;
    receive(&mut router, stop, HIGHER_ADDRESS, 0);
    assert_eq!(
        router.poll_timeout(),
        Some(stop + Duration::from_micros(609_375))
    );
    router.handle_timeout(stop + Duration::from_micros(609_375));
    let actions = drain(&mut router);
    assert_eq!(
        state_change(&actions),
        Some((State::Backup, State::Master, Reason::MasterStopped))
    );
    assert_eq!(router.stats().rcvd_pri_zero_packets, 1);
    assert_eq!(router.stats().new_master_reason, NewMasterReason::Priority);
}

#[test]
fn v3_fsm_11_9568_03_backup_learns_the_masters_interval_and_recomputes_skew() {
    let t0 = Instant::now();
    let mut router = started(build(builder()), t0);
    let (rx, bytes) = advert_from(HIGHER_ADDRESS.into(), 200, 250);
    router
        .handle_packet(t0 + SECOND, &rx, &bytes)
        .expect("valid");
    // 3 × 2.5 s + (156 × 2.5 s) / 256.
    let mdi = Duration::from_millis(7_500) + Duration::from_nanos(1_523_437_500);
    assert_eq!(router.master_adver_interval().as_centis(), 250);
    assert_eq!(router.poll_timeout(), Some(t0 + SECOND + mdi));
    assert_eq!(
        router.stats().errors(Counter::AdvIntervalErrors),
        1,
        "RFC 9568: counted, not dropped"
    );
    // An equal priority resets the timer too: there is no tie-break in Backup.
    receive(&mut router, t0 + 3 * SECOND, HIGHER_ADDRESS, 100);
    assert_eq!(router.master_adver_interval().as_centis(), 100);
    assert_eq!(
        router.poll_timeout(),
        Some(t0 + 3 * SECOND + router.master_down_interval())
    );
}

#[test]
fn v3_fsm_12_with_preempt_a_lower_priority_master_is_ignored_and_preempted() {
    let t0 = Instant::now();
    let mut router = started(build(builder()), t0);
    let deadline = router.poll_timeout();
    receive(&mut router, t0 + SECOND, HIGHER_ADDRESS, 50);
    assert_eq!(router.poll_timeout(), deadline, "the timer is not reset");
    router.handle_timeout(deadline.expect("runs"));
    assert_eq!(
        state_change(&drain(&mut router)),
        Some((State::Backup, State::Master, Reason::Preempted))
    );
    assert_eq!(router.stats().new_master_reason, NewMasterReason::Preempted);
}

#[test]
fn v3_fsm_11_without_preempt_a_lower_priority_master_is_followed() {
    let t0 = Instant::now();
    let mut router = started(build(builder().preempt(false)), t0);
    receive(&mut router, t0 + SECOND, HIGHER_ADDRESS, 50);
    assert_eq!(
        router.poll_timeout(),
        Some(t0 + SECOND + router.master_down_interval())
    );
}

#[test]
fn preempt_delay_holds_preemption_back_after_startup() {
    let t0 = Instant::now();
    let mut router = started(build(builder().preempt_delay(Duration::from_secs(10))), t0);
    receive(&mut router, t0 + SECOND, HIGHER_ADDRESS, 50);
    assert_eq!(
        router.poll_timeout(),
        Some(t0 + SECOND + router.master_down_interval()),
        "followed during the delay"
    );
    receive(
        &mut router,
        t0 + Duration::from_secs(11),
        HIGHER_ADDRESS,
        50,
    );
    assert_eq!(
        router.poll_timeout(),
        Some(t0 + SECOND + router.master_down_interval()),
        "ignored after it"
    );
}

#[test]
fn v3_fsm_19_master_shutdown_advertises_priority_0_and_releases_the_addresses() {
    let t0 = Instant::now();
    let (mut router, at) = master(build(builder()), t0);
    router.shutdown(at + SECOND / 2);
    let actions = drain(&mut router);
    assert_eq!(sent_priorities(&actions), [0]);
    assert!(matches!(&actions[1], Action::RemoveAddresses(a) if a.as_ipv4() == Some(&[VIP][..])));
    assert_eq!(
        state_change(&actions),
        Some((State::Master, State::Initialize, Reason::Shutdown))
    );
    assert_eq!(
        (router.poll_timeout(), router.stats().sent_pri_zero_packets),
        (None, 1)
    );
}

#[test]
fn v3_fsm_20_master_advertises_every_interval_without_drift() {
    let t0 = Instant::now();
    let no_second_burst = Announcements {
        second_burst: None,
        ..Announcements::default()
    };
    let config = builder()
        .advert_interval(Duration::from_millis(30))
        .announcements(no_second_burst);
    let (mut router, at) = master(build(config), t0);
    for n in 1..=1000u32 {
        let due = router.poll_timeout().expect("Adver_Timer runs");
        assert_eq!(due, at + Duration::from_millis(30) * n, "advert {n}");
        // Late wake-ups (up to 5 ms) must not push the schedule.
        router.handle_timeout(due + Duration::from_millis(u64::from(n % 6)));
        assert_eq!(sent_priorities(&drain(&mut router)), [100]);
    }
    assert_eq!(router.stats().sent_advertisements, 1001);
    // A wake-up a whole interval late sends one advert, and the schedule restarts from then
    // rather than catching up with a second advert at once.
    let due = router.poll_timeout().expect("Adver_Timer runs");
    let late = due + Duration::from_millis(30);
    router.handle_timeout(late);
    assert_eq!(sent_priorities(&drain(&mut router)), [100]);
    assert_eq!(
        router.poll_timeout(),
        Some(late + Duration::from_millis(30))
    );
}

#[test]
fn v3_fsm_21_master_answers_priority_0_at_once() {
    let t0 = Instant::now();
    let (mut router, at) = master(build(builder()), t0);
    let now = at + SECOND / 4;
    let actions = receive(&mut router, now, HIGHER_ADDRESS, 0);
    assert_eq!(sent_priorities(&actions), [100]);
    assert_eq!(router.poll_timeout(), Some(now + SECOND));
}

#[test]
fn v3_fsm_22_master_yields_to_higher_priority_and_to_a_tie_with_a_greater_address() {
    let t0 = Instant::now();
    for (source, priority) in [(LOWER_ADDRESS, 101), (HIGHER_ADDRESS, 100)] {
        let (mut router, at) = master(build(builder()), t0);
        let (rx, bytes) = advert_from(source.into(), priority, 250);
        router.handle_packet(at, &rx, &bytes).expect("valid");
        let actions = drain(&mut router);
        assert!(matches!(&actions[0], Action::RemoveAddresses(_)));
        assert_eq!(
            state_change(&actions),
            Some((State::Master, State::Backup, Reason::HigherPriority))
        );
        assert_eq!(router.master_adver_interval().as_centis(), 250);
        assert_eq!(
            router.poll_timeout(),
            Some(at + router.master_down_interval())
        );
        assert_eq!(router.master_address(), Some(source.into()));
    }
    // IPv6 compares link-local sources: fe80::2 beats fe80::1.
    let v6 = build(
        Config::builder(2, VRID, LOCAL_LL.into())
            .address(VIP_LL.into())
            .address(VIP6.into()),
    );
    let (mut router, at) = master(v6, t0);
    receive(
        &mut router,
        at,
        Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2),
        100,
    );
    assert_eq!(router.state(), State::Backup);
}

#[test]
fn v3_fsm_23_9568_05_master_readvertises_at_once_on_a_losing_advert() {
    let t0 = Instant::now();
    let (mut router, at) = master(build(builder()), t0);
    for (source, priority) in [(HIGHER_ADDRESS, 99), (LOWER_ADDRESS, 100)] {
        let actions = receive(&mut router, at, source, priority);
        let heard = Action::LowerPriorityMaster {
            source: source.into(),
            priority: Priority::new(priority),
        };
        assert_eq!(
            actions[0], heard,
            "reported to the host (notify_master_rx_lower_pri)"
        );
        assert_eq!(sent_priorities(&actions), [100], "RFC 9568 §6.4.3");
        assert!(
            matches!(actions.last(), Some(Action::Announce { .. })),
            "split brain: announce again"
        );
        assert_eq!(router.state(), State::Master);
    }
    let (mut strict, at) = master(
        build(builder().lower_priority_response(LowerPriorityResponse::Discard)),
        t0,
    );
    assert_eq!(
        receive(&mut strict, at, HIGHER_ADDRESS, 99),
        [Action::LowerPriorityMaster {
            source: HIGHER_ADDRESS.into(),
            priority: Priority::new(99)
        }],
        "RFC 5798: discarded silently, only reported to the host"
    );
}

#[test]
fn v3_fsm_23_9568_05_a_burst_of_losing_adverts_gets_one_answer_per_half_of_their_interval() {
    let t0 = Instant::now();
    let (mut router, at) = master(build(builder()), t0);
    // The loser advertises every second: its adverts are answered at most every half second.
    let half = SECOND / 2;
    let tick = Duration::from_nanos(1);
    assert_eq!(
        sent_priorities(&receive(&mut router, at, HIGHER_ADDRESS, 99)),
        [100]
    );
    assert_eq!(
        router.poll_timeout(),
        Some(at + SECOND),
        "the answer restarts the advert schedule"
    );
    assert_eq!(
        sent_priorities(&receive(&mut router, at + half - tick, HIGHER_ADDRESS, 99)),
        [0u8; 0]
    );
    assert_eq!(
        sent_priorities(&receive(&mut router, at + half, HIGHER_ADDRESS, 99)),
        [100]
    );
    // Another loser is answered at once.
    assert_eq!(
        sent_priorities(&receive(&mut router, at + half, LOWER_ADDRESS, 99)),
        [100]
    );
}

#[test]
fn v3_9568_13_a_master_that_yields_within_two_master_down_intervals_has_flapped() {
    let t0 = Instant::now();
    for (after, flaps) in [(Duration::ZERO, 1), (Duration::from_nanos(1), 0)] {
        let (mut router, at) = master(build(builder()), t0);
        let window = 2 * router.master_down_interval();
        // Just inside the window: a flap; at its end: a Master that served its time.
        let now = at + window - Duration::from_nanos(1) + after;
        receive(&mut router, now, HIGHER_ADDRESS, 200);
        assert_eq!(router.state(), State::Backup);
        assert_eq!(router.stats().flaps, flaps, "{after:?} after the window");
    }
}

#[test]
fn v3_fsm_24_preempt_mode_is_not_consulted_in_master() {
    let t0 = Instant::now();
    let (mut router, at) = master(build(builder().preempt(false)), t0);
    receive(&mut router, at, HIGHER_ADDRESS, 200);
    assert_eq!(router.state(), State::Backup);
}

#[test]
fn v3_rx_05_an_advert_for_another_vrid_is_discarded_and_counted() {
    let t0 = Instant::now();
    let mut router = backup_following_master(t0);
    let deadline = router.poll_timeout();
    let (rx, bytes) = advert_from(HIGHER_ADDRESS.into(), 200, 100);
    let mut other = Advertisement::parse(&rx, &bytes).expect("valid");
    other.vrid = common::adverts::vrid(52);
    let bytes = common::adverts::emit(&other, HIGHER_ADDRESS, IPV4_MULTICAST);
    let err = router
        .handle_packet(t0 + 2 * SECOND, &rx, &bytes)
        .expect_err("other VRID");
    assert_eq!(
        err,
        RxError::VridMismatch {
            configured: common::adverts::vrid(51),
            received: common::adverts::vrid(52)
        }
    );
    assert_eq!(router.stats().errors(Counter::VrIdErrors), 1);
    assert_eq!(router.stats().proto_err_reason, ProtoErrReason::VrIdError);
    assert_eq!(router.poll_timeout(), deadline);
}

#[test]
fn v3_rx_06_9568_e8298_owner_processes_adverts_and_counts_other_owners() {
    let t0 = Instant::now();
    let mut owner = started(build(builder().priority(Priority::OWNER).owner(true)), t0);
    receive(&mut owner, t0 + SECOND, HIGHER_ADDRESS, 255);
    assert_eq!(owner.stats().owner_conflicts, 1);
    assert_eq!(
        owner.state(),
        State::Backup,
        "erratum 8298: the tie-break decides between two owners"
    );
}

#[test]
fn v3_rx_07_discarded_packets_are_counted_with_their_reason() {
    let t0 = Instant::now();
    let mut router = backup_following_master(t0);
    let (_, bytes) = advert_from(HIGHER_ADDRESS.into(), 200, 100);
    let ttl_254 = RxMeta::ipv4(HIGHER_ADDRESS, IPV4_MULTICAST, 254, 2);
    assert_eq!(
        router.handle_packet(t0, &ttl_254, &bytes),
        Err(RxError::HopLimit(254))
    );
    let mut damaged = bytes.clone();
    damaged[2] ^= 1;
    let rx = RxMeta::ipv4(HIGHER_ADDRESS, IPV4_MULTICAST, 255, 2);
    assert!(matches!(
        router.handle_packet(t0, &rx, &damaged),
        Err(RxError::Checksum { .. })
    ));
    let stats = router.stats();
    assert_eq!(
        (
            stats.errors(Counter::IpTtlErrors),
            stats.errors(Counter::ChecksumErrors)
        ),
        (1, 1)
    );
    assert_eq!(stats.proto_err_reason, ProtoErrReason::ChecksumError);
    assert_eq!((stats.total_errors(), stats.rcvd_advertisements), (2, 1));
}

#[test]
fn v3_rx_08_a_different_address_list_is_counted_but_processed() {
    let t0 = Instant::now();
    let mut router = started(
        build(builder().address(Ipv4Addr::new(192, 0, 2, 101).into())),
        t0,
    );
    receive(&mut router, t0 + SECOND, HIGHER_ADDRESS, 200);
    assert_eq!(router.stats().errors(Counter::AddressListErrors), 1);
    assert_eq!(
        router.poll_timeout(),
        Some(t0 + SECOND + router.master_down_interval())
    );
}

#[test]
fn v3_rx_12_a_different_interval_is_counted_and_adopted() {
    let t0 = Instant::now();
    let mut router = started(build(builder()), t0);
    let (rx, bytes) = advert_from(HIGHER_ADDRESS.into(), 200, 10);
    router.handle_packet(t0, &rx, &bytes).expect("processed");
    assert_eq!(router.stats().errors(Counter::AdvIntervalErrors), 1);
    assert_eq!(router.master_adver_interval().as_centis(), 10);
}

#[test]
fn adverts_from_the_routers_own_primary_address_are_ignored_and_counted_as_conflicts() {
    let t0 = Instant::now();
    let (mut router, at) = master(build(builder()), t0);
    // A higher priority would make a Master step down: this one is not acted on.
    let (rx, bytes) = advert_from(LOCAL.into(), 250, 100);
    assert_eq!(router.handle_packet(at, &rx, &bytes), Ok(()));
    assert_eq!(router.handle_packet(at, &rx, &bytes), Ok(()));
    assert_eq!(
        (drain(&mut router), router.stats().rcvd_advertisements),
        (vec![], 0)
    );
    assert_eq!(router.state(), State::Master);
    assert_eq!(router.stats().address_conflicts, 2);
}

fn v2_builder() -> ConfigBuilder {
    builder().version(Version::V2)
}

fn v2_advert(priority: u8, secs: u8, authentication: Authentication) -> (RxMeta, Vec<u8>) {
    let advert = Advertisement {
        version: Version::V2,
        vrid: common::adverts::vrid(51),
        priority: Priority::new(priority),
        interval: Interval::from_secs(secs).expect("non-zero"),
        addresses: AddressList::ipv4([VIP]),
        authentication,
        checksum_form: ChecksumForm::MessageOnly,
    };
    (
        RxMeta::ipv4(HIGHER_ADDRESS, IPV4_MULTICAST, 255, 2),
        common::adverts::emit(&advert, HIGHER_ADDRESS, IPV4_MULTICAST),
    )
}

#[test]
fn v2_05_master_down_interval_uses_the_v2_skew_and_the_configured_interval() {
    let t0 = Instant::now();
    let mut router = started(build(v2_builder()), t0);
    assert_eq!(
        router.poll_timeout(),
        Some(t0 + Duration::from_micros(3_609_375))
    );
    let (rx, bytes) = v2_advert(200, 1, Authentication::None);
    router
        .handle_packet(t0 + SECOND, &rx, &bytes)
        .expect("valid");
    assert_eq!(
        router.poll_timeout(),
        Some(t0 + SECOND + Duration::from_micros(3_609_375))
    );
}

#[test]
fn v2_06_an_interval_other_than_the_configured_one_is_discarded() {
    let t0 = Instant::now();
    let mut router = started(build(v2_builder()), t0);
    let deadline = router.poll_timeout();
    let (rx, bytes) = v2_advert(200, 2, Authentication::None);
    let err = router
        .handle_packet(t0 + SECOND, &rx, &bytes)
        .expect_err("interval mismatch");
    assert!(matches!(err, RxError::IntervalMismatch { .. }));
    assert_eq!(
        (
            router.poll_timeout(),
            router.stats().errors(Counter::AdvIntervalErrors)
        ),
        (deadline, 1)
    );
    assert_eq!(
        router.master_adver_interval().as_centis(),
        100,
        "VRRPv2 learns no interval"
    );
}

#[test]
fn v2_07_authentication_must_match_the_configuration() {
    let t0 = Instant::now();
    let secret = Authentication::Password(Password::new(b"secret12").expect("8 bytes"));
    let mut router = started(build(v2_builder().authentication(secret)), t0);
    let (rx, bytes) = v2_advert(200, 1, secret);
    router
        .handle_packet(t0, &rx, &bytes)
        .expect("same password");
    let wrong = Authentication::Password(Password::new(b"secret13").expect("8 bytes"));
    let (rx, bytes) = v2_advert(200, 1, wrong);
    assert_eq!(
        router.handle_packet(t0, &rx, &bytes),
        Err(RxError::AuthFailure)
    );
    let (rx, bytes) = v2_advert(200, 1, Authentication::None);
    assert_eq!(
        router.handle_packet(t0, &rx, &bytes),
        Err(RxError::AuthTypeMismatch {
            configured: 1,
            received: 0
        })
    );
    let stats = router.stats();
    assert_eq!(
        (
            stats.errors(Counter::AuthFailures),
            stats.errors(Counter::AuthTypeMismatch)
        ),
        (1, 1)
    );
}

#[test]
fn v2_07_a_different_address_list_from_a_non_owner_is_discarded() {
    let t0 = Instant::now();
    let mut router = started(
        build(v2_builder().address(Ipv4Addr::new(192, 0, 2, 101).into())),
        t0,
    );
    let (rx, bytes) = v2_advert(200, 1, Authentication::None);
    assert_eq!(
        router.handle_packet(t0, &rx, &bytes),
        Err(RxError::AddressListMismatch)
    );
    let (rx, bytes) = v2_advert(255, 1, Authentication::None);
    assert_eq!(
        router.handle_packet(t0, &rx, &bytes),
        Ok(()),
        "an owner's list is taken as it is"
    );
}

#[test]
fn tracking_moves_the_priority_within_1_to_254_and_never_the_owners() {
    let t0 = Instant::now();
    let mut router = started(build(builder()), t0);
    router.set_priority(t0, Priority::new(255));
    assert_eq!(router.priority().get(), 254);
    router.set_priority(t0, Priority::new(0));
    assert_eq!(router.priority().get(), 1);
    let mut owner = started(build(builder().priority(Priority::OWNER).owner(true)), t0);
    owner.set_priority(t0, Priority::new(10));
    assert_eq!(owner.priority(), Priority::OWNER);
    // A Master advertises its new priority from the next advert on.
    let (mut master_router, at) = master(build(builder()), t0);
    master_router.set_priority(at, Priority::new(42));
    master_router.handle_timeout(at + SECOND);
    assert_eq!(sent_priorities(&drain(&mut master_router)), [42]);
}

#[test]
fn tracking_weights_add_to_the_configured_priority_within_1_to_254() {
    let t0 = Instant::now();
    let mut router = started(build(builder().priority(Priority::new(200))), t0);
    for (weight, expected) in [
        (-50, 150),
        (30, 230),
        (100, 254),
        (-300, 1),
        (i16::MAX, 254),
        (i16::MIN, 1),
        (0, 200),
    ] {
        router.set_tracking_weight(t0, weight);
        assert_eq!(router.priority().get(), expected, "weight {weight}");
    }
    let mut owner = started(build(builder().priority(Priority::OWNER).owner(true)), t0);
    owner.set_tracking_weight(t0, -100);
    assert_eq!(owner.priority(), Priority::OWNER);
}

/// keepalived's `dont_track_primary`: a router that does not track its link stays Master while
/// the link is down, and keeps advertising (the sends fail, the schedule goes on).
#[test]
fn a_router_that_does_not_track_its_link_stays_master_while_it_is_down() {
    let t0 = Instant::now();
    let (mut router, at) = master(build(builder().track_link(false)), t0);
    assert!(!router.config().tracks_link());
    router.handle_link(at, false);
    assert_eq!(drain(&mut router), []);
    assert_eq!(router.state(), State::Master);
    let due = router.poll_timeout().expect("the advert timer runs");
    router.handle_timeout(due);
    assert_eq!(sent_priorities(&drain(&mut router)), [100]);
    // A tracked item still puts it in Fault.
    router.set_tracking_fault(due, true);
    assert_eq!(router.state(), State::Fault);
}

#[test]
fn link_down_puts_a_master_in_fault_and_link_up_brings_it_back_as_backup() {
    let t0 = Instant::now();
    let (mut router, at) = master(build(builder()), t0);
    router.handle_link(at, false);
    let actions = drain(&mut router);
    assert_eq!(
        sent_priorities(&actions),
        [] as [u8; 0],
        "nothing can be sent on a dead link"
    );
    assert!(matches!(&actions[0], Action::RemoveAddresses(_)));
    assert_eq!(
        state_change(&actions),
        Some((State::Master, State::Fault, Reason::LinkDown))
    );
    assert_eq!(router.poll_timeout(), None);
    let (rx, bytes) = advert_from(HIGHER_ADDRESS.into(), 200, 100);
    router.handle_packet(at, &rx, &bytes).expect("valid");
    assert_eq!(drain(&mut router), [], "Fault ignores adverts");
    let up = at + SECOND;
    router.handle_link(up, true);
    assert_eq!(
        state_change(&drain(&mut router)),
        Some((State::Fault, State::Backup, Reason::LinkUp))
    );
    assert_eq!(
        router.poll_timeout(),
        Some(up + router.master_down_interval())
    );
}

#[test]
fn a_tracking_fault_makes_the_master_hand_over_with_priority_0() {
    let t0 = Instant::now();
    let (mut router, at) = master(build(builder()), t0);
    router.set_tracking_fault(at, true);
    let actions = drain(&mut router);
    assert_eq!(sent_priorities(&actions), [0]);
    assert_eq!(
        state_change(&actions),
        Some((State::Master, State::Fault, Reason::TrackingFault))
    );
    router.set_tracking_fault(at + SECOND, false);
    assert_eq!(
        state_change(&drain(&mut router)),
        Some((State::Fault, State::Backup, Reason::TrackingRecovered))
    );
    // Starting while faulty waits in Fault.
    let mut cold = VirtualRouter::new(build(builder()));
    cold.handle_link(t0, false);
    cold.start(t0);
    assert_eq!(
        state_change(&drain(&mut cold)),
        Some((State::Initialize, State::Fault, Reason::LinkDown))
    );
}

#[test]
fn announcements_repeat_after_the_second_burst_delay_and_every_refresh() {
    let t0 = Instant::now();
    let schedule = Announcements {
        repeat: 3,
        second_burst: Some(Duration::from_secs(5)),
        refresh: Some(Duration::from_secs(60)),
        refresh_repeat: 2,
    };
    let (mut router, at) = master(
        build(
            builder()
                .advert_interval(Duration::from_secs(40))
                .announcements(schedule),
        ),
        t0,
    );
    // How many announcements of each address go out at `when`: 0 for none.
    let announced_at = |router: &mut VirtualRouter, when: Instant| {
        router.handle_timeout(when);
        drain(router)
            .iter()
            .find_map(|a| match a {
                Action::Announce { repeat, .. } => Some(*repeat),
                _ => None,
            })
            .unwrap_or(0)
    };
    let before = |at: Instant| at - Duration::from_nanos(1);
    assert_eq!(
        announced_at(&mut router, before(at + Duration::from_secs(5))),
        0
    );
    // The second burst is a whole one (garp_master_repeat), each refresh garp_master_refresh_repeat.
    assert_eq!(announced_at(&mut router, at + Duration::from_secs(5)), 3);
    assert_eq!(
        announced_at(&mut router, before(at + Duration::from_secs(65))),
        0
    );
    assert_eq!(announced_at(&mut router, at + Duration::from_secs(65)), 2);
    assert_eq!(announced_at(&mut router, at + Duration::from_secs(125)), 2);
    assert_eq!(router.stats().sent_announcements, 4);
}

#[test]
fn time_never_moves_backwards_and_early_timeouts_do_nothing() {
    let t0 = Instant::now();
    let mut router = started(build(builder()), t0 + SECOND);
    let deadline = router.poll_timeout();
    router.handle_timeout(t0);
    assert_eq!(
        (drain(&mut router), router.poll_timeout()),
        (vec![], deadline)
    );
    receive(&mut router, t0, HIGHER_ADDRESS, 200);
    assert_eq!(
        router.poll_timeout(),
        Some(t0 + SECOND + router.master_down_interval()),
        "an old `now` counts as the latest"
    );
}

fn interop_builder() -> ConfigBuilder {
    builder().v2_interop(true)
}

#[test]
fn v3_v2i_01_v2_10_interop_is_an_option_of_vrrpv3_over_ipv4_and_the_only_bridge() {
    assert!(!build(builder()).v2_interop(), "off by default");
    assert_eq!(
        v2_builder().v2_interop(true).build(),
        Err(ConfigError::InteropNeedsVersion3OverIpv4)
    );
    let v6 = Config::builder(2, VRID, LOCAL_LL.into())
        .address(VIP_LL.into())
        .v2_interop(true);
    assert_eq!(v6.build(), Err(ConfigError::InteropNeedsVersion3OverIpv4));
    // Without interop a VRRPv2 advert is a version error.
    let t0 = Instant::now();
    let mut router = started(build(builder()), t0);
    let (rx, bytes) = v2_advert(200, 1, Authentication::None);
    assert_eq!(
        router.handle_packet(t0, &rx, &bytes),
        Err(RxError::VersionMismatch {
            configured: Version::V3,
            received: Version::V2
        })
    );
    assert_eq!(router.stats().errors(Counter::VersionErrors), 1);
}

#[test]
fn v3_v2i_02_an_interop_master_sends_both_versions_every_interval() {
    let t0 = Instant::now();
    for (interval_ms, v2_secs) in [(1000, 1), (300, 1), (30, 1), (1500, 2), (40_950, 41)] {
        let (mut router, at) = master(
            build(interop_builder().advert_interval(Duration::from_millis(interval_ms))),
            t0,
        );
        router.handle_timeout(at + Duration::from_millis(interval_ms));
        let sent: Vec<(u8, u8)> = drain(&mut router)
            .iter()
            .filter_map(|a| match a {
                Action::Send(t) => Some((
                    t.payload[0],
                    if t.payload[0] == 0x21 {
                        t.payload[5]
                    } else {
                        0
                    },
                )),
                _ => None,
            })
            .collect();
        assert_eq!(
            sent,
            [(0x31, 0), (0x21, v2_secs)],
            "interval {interval_ms} ms"
        );
    }
    let (mut router, at) = master(build(interop_builder()), t0);
    router.shutdown(at);
    assert_eq!(
        sent_priorities(&drain(&mut router)),
        [0, 0],
        "priority 0 in both versions"
    );
}

#[test]
fn v3_v2i_03_a_backup_times_out_on_a_vrrpv2_masters_rate() {
    let t0 = Instant::now();
    let mut router = started(build(interop_builder()), t0);
    let (rx, bytes) = v2_advert(200, 3, Authentication::None);
    router
        .handle_packet(t0 + SECOND, &rx, &bytes)
        .expect("accepted in interop mode");
    assert_eq!(
        router.master_adver_interval().as_centis(),
        300,
        "seconds converted to centiseconds"
    );
    assert_eq!(
        router.poll_timeout(),
        Some(t0 + SECOND + router.master_down_interval())
    );
    assert_eq!(
        router.master_down_interval(),
        Duration::from_millis(9_000) + Duration::from_nanos(1_828_125_000)
    );
    let password = Authentication::Password(Password::new(b"pw").expect("2 bytes"));
    let (rx, bytes) = v2_advert(200, 3, password);
    assert_eq!(
        router.handle_packet(t0, &rx, &bytes),
        Err(RxError::AuthTypeMismatch {
            configured: 0,
            received: 1
        })
    );
}

#[test]
fn v3_v2i_04_a_backup_ignores_the_vrrpv2_copies_of_a_master_that_sends_vrrpv3() {
    let t0 = Instant::now();
    let mut router = started(build(interop_builder()), t0);
    receive(&mut router, t0 + SECOND, HIGHER_ADDRESS, 200);
    let deadline = router.poll_timeout();
    let (rx, bytes) = v2_advert(200, 3, Authentication::None);
    router
        .handle_packet(t0 + 2 * SECOND, &rx, &bytes)
        .expect("ignored, not refused");
    assert_eq!(
        router.poll_timeout(),
        deadline,
        "the VRRPv2 copy neither resets the timer"
    );
    assert_eq!(
        router.master_adver_interval().as_centis(),
        100,
        "nor changes the learned interval"
    );
}

#[test]
fn v3_pkt_06_the_owner_advertises_priority_255_and_no_one_else_may() {
    let t0 = Instant::now();
    let owner = build(
        Config::builder(2, VRID, LOCAL.into())
            .address(LOCAL.into())
            .priority(Priority::OWNER)
            .owner(true),
    );
    let mut router = VirtualRouter::new(owner);
    router.start(t0);
    assert_eq!(router.state(), State::Master);
    assert_eq!(sent_priorities(&drain(&mut router)), [255]);
    router.handle_timeout(router.poll_timeout().expect("Adver_Timer"));
    assert_eq!(sent_priorities(&drain(&mut router)), [255]);
    assert_eq!(
        builder().priority(Priority::OWNER).build(),
        Err(ConfigError::PriorityReservedForOwner)
    );
    assert_eq!(
        builder().owner(true).priority(Priority::new(254)).build(),
        Err(ConfigError::OwnerPriorityNot255(Priority::new(254)))
    );
}

#[test]
fn v2_08_a_vrrpv2_master_and_backup_follow_rfc_3768() {
    let t0 = Instant::now();
    let (mut router, at) = master(build(v2_builder()), t0);
    // The Master of RFC 3768 discards a losing advert without answering it.
    let (rx, bytes) = v2_advert(99, 1, Authentication::None);
    router.handle_packet(at, &rx, &bytes).expect("valid");
    assert_eq!(sent_priorities(&drain(&mut router)), Vec::<u8>::new());
    assert_eq!(router.state(), State::Master);
    // Its addresses are installed with Accept_Mode off: RFC 3768 has no Accept_Mode, and a
    // non-owner Master must not accept packets addressed to them.
    let mut backup = started(build(v2_builder()), t0);
    let down = backup.poll_timeout().expect("Master_Down_Timer");
    backup.handle_timeout(down);
    let adds: Vec<bool> = drain(&mut backup)
        .into_iter()
        .filter_map(|a| match a {
            Action::AddAddresses { accept, .. } => Some(accept),
            _ => None,
        })
        .collect();
    assert_eq!(adds, [false]);
    // There is no VRRPv2 over IPv6.
    let v6 = Config::builder(2, VRID, LOCAL_LL.into())
        .address(VIP_LL.into())
        .version(Version::V2);
    assert_eq!(v6.build(), Err(ConfigError::Version2WithIpv6));
}

#[test]
fn v3_ops_10_an_owner_that_hears_another_owner_counts_it_and_stays_master() {
    let t0 = Instant::now();
    let owner = build(
        Config::builder(2, VRID, LOCAL.into())
            .address(VIP.into())
            .priority(Priority::OWNER)
            .owner(true),
    );
    let mut router = VirtualRouter::new(owner);
    router.start(t0);
    drain(&mut router);
    assert_eq!(router.stats().owner_conflicts, 0);
    // A second router configured with priority 255 for the VRID: a misconfiguration to report.
    receive(&mut router, t0 + SECOND, HIGHER_ADDRESS, 255);
    assert_eq!(router.stats().owner_conflicts, 1);
    // A lower priority is no conflict.
    receive(&mut router, t0 + SECOND, HIGHER_ADDRESS, 200);
    assert_eq!(router.stats().owner_conflicts, 1);
}

#[test]
fn v3_v2i_05_the_patience_is_two_vrrpv2_intervals_of_the_speaker_and_at_least_2_s() {
    let t0 = Instant::now();
    // A Master advertising VRRPv3 every 3 s: counted once 6 s pass without a VRRPv2 copy, and
    // not before.
    let mut router = started(build(interop_builder()), t0);
    let (rx, bytes) = advert_from(HIGHER_ADDRESS.into(), 200, 300);
    let first = t0 + SECOND;
    router.handle_packet(first, &rx, &bytes).expect("valid");
    router
        .handle_packet(first + 6 * SECOND - Duration::from_nanos(1), &rx, &bytes)
        .expect("valid");
    assert_eq!(router.stats().v3_masters_without_v2, 0);
    router
        .handle_packet(first + 6 * SECOND, &rx, &bytes)
        .expect("valid");
    assert_eq!(router.stats().v3_masters_without_v2, 1);
}

#[test]
fn v3_v2i_03_a_vrrpv2_advert_from_another_router_is_not_the_speakers_copy() {
    let t0 = Instant::now();
    let mut router = started(build(interop_builder()), t0);
    receive(&mut router, t0 + SECOND, HIGHER_ADDRESS, 200);
    // A VRRPv2-only router with a higher priority, at another address: heard, and followed.
    let other = Ipv4Addr::new(192, 0, 2, 250);
    let advert = Advertisement {
        version: Version::V2,
        priority: Priority::new(250),
        interval: Interval::from_secs(1).expect("non-zero"),
        checksum_form: ChecksumForm::MessageOnly,
        ..common::adverts::v3_ipv4()
    };
    let rx = RxMeta::ipv4(other, IPV4_MULTICAST, 255, 2);
    router
        .handle_packet(
            t0 + 2 * SECOND,
            &rx,
            &common::adverts::emit(&advert, other, IPV4_MULTICAST),
        )
        .expect("valid");
    assert_eq!(router.master_address(), Some(IpAddr::V4(other)));
}

#[test]
fn v3_v2i_05_a_vrrpv3_master_heard_without_vrrpv2_copies_is_reported_once() {
    let t0 = Instant::now();
    // A Master that sends VRRPv3 only, every second: after two seconds without a VRRPv2 copy it
    // is counted, once.
    let mut router = started(build(interop_builder()), t0);
    for k in 1..=6 {
        receive(&mut router, t0 + k * SECOND, HIGHER_ADDRESS, 200);
    }
    assert_eq!(router.stats().v3_masters_without_v2, 1);
    // A Master that sends both versions is never counted.
    let mut router = started(build(interop_builder()), t0);
    let (rx, v2) = v2_advert(200, 1, Authentication::None);
    for k in 1..=6 {
        receive(&mut router, t0 + k * SECOND, HIGHER_ADDRESS, 200);
        router
            .handle_packet(t0 + k * SECOND, &rx, &v2)
            .expect("ignored, not refused");
    }
    assert_eq!(router.stats().v3_masters_without_v2, 0);
}

#[test]
fn a_hand_over_or_a_health_change_of_a_backup_or_an_owner_moves_no_address() {
    let t0 = Instant::now();
    // A Backup handing over simply shuts down: it says nothing.
    let mut backup = backup_following_master(t0);
    drain(&mut backup);
    backup.hand_over(t0 + 2 * SECOND);
    let actions = drain(&mut backup);
    assert_eq!(sent_priorities(&actions), Vec::<u8>::new());
    assert_eq!(backup.state(), State::Initialize);
    assert!(!backup.is_handing_over());

    // The owner's health does not move its addresses.
    let owner = build(
        Config::builder(2, VRID, LOCAL.into())
            .address(VIP.into())
            .priority(Priority::OWNER)
            .owner(true),
    );
    let mut owner = VirtualRouter::new(owner);
    owner.start(t0);
    drain(&mut owner);
    owner.set_healthy(t0 + SECOND, false);
    assert_eq!(drain(&mut owner), []);
    assert_eq!(owner.state(), State::Master);

    // A Master that is the best there is while unhealthy stays Master when it is healthy again.
    let (mut alone, at) = master(build(builder()), t0);
    alone.set_healthy(at, false);
    assert_eq!(alone.state(), State::Backup);
    let due = alone.poll_timeout().expect("takes over again");
    alone.handle_timeout(due);
    assert_eq!(alone.state(), State::Master);
    drain(&mut alone);
    alone.set_healthy(due + SECOND, true);
    assert_eq!(alone.state(), State::Master);
    assert_eq!(sent_priorities(&drain(&mut alone)), Vec::<u8>::new());
}

#[test]
fn a_backup_about_to_preempt_that_becomes_unhealthy_follows_the_master_instead() {
    let t0 = Instant::now();
    // Priority 200 hears a Master of 100: it will preempt when its timer runs out.
    let mut router = started(build(builder().priority(Priority::new(200))), t0);
    let heard = t0 + SECOND;
    receive(&mut router, heard, HIGHER_ADDRESS, 100);
    let preempt_at = router.poll_timeout().expect("runs");
    let unwell = heard + SECOND / 2;
    assert!(router.is_healthy());
    router.set_healthy(unwell, false);
    assert!(!router.is_healthy());
    let wait = router.master_down_interval() + SECOND;
    assert_eq!(router.poll_timeout(), Some(unwell + wait));
    assert!(unwell + wait > preempt_at);
    // Healthy again, it keeps that timer: recovery is no reason to preempt sooner.
    router.set_healthy(unwell + SECOND / 4, true);
    assert_eq!(router.poll_timeout(), Some(unwell + wait));
    router.handle_timeout(unwell + wait);
    let actions = drain(&mut router);
    assert_eq!(
        state_change(&actions),
        Some((State::Backup, State::Master, Reason::MasterNoResponse))
    );
}

#[test]
fn mib_14_a_master_refreshes_at_its_own_interval_whatever_it_learned_as_backup() {
    let t0 = Instant::now();
    let (mut router, at) = master(build(builder()), t0);
    // It yields to a Master advertising every 2.5 s, and learns that interval.
    let (rx, bytes) = advert_from(HIGHER_ADDRESS.into(), 200, 250);
    router.handle_packet(at, &rx, &bytes).expect("valid");
    assert_eq!(router.refresh_rate(), Duration::from_millis(2500));
    // That Master goes silent: it takes over, and refreshes at its own 1 s.
    let due = router.poll_timeout().expect("runs");
    router.handle_timeout(due);
    assert_eq!(router.state(), State::Master);
    assert_eq!(router.refresh_rate(), SECOND);
}

#[test]
fn v2_01_a_vrrpv2_router_without_addresses_runs_and_advertises_none_a_vrrpv3_one_is_refused() {
    let t0 = Instant::now();
    let config = build(
        Config::builder(2, VRID, LOCAL.into())
            .version(Version::V2)
            .advert_interval(SECOND),
    );
    assert!(config.addresses().is_empty());
    let mut router = started(config, t0);
    let at = router.poll_timeout().expect("Master_Down_Timer runs");
    router.handle_timeout(at);
    let actions = drain(&mut router);
    assert_eq!(router.state(), State::Master);
    let sent = actions.iter().find_map(|a| match a {
        Action::Send(transmit) => Some(transmit.payload.clone()),
        _ => None,
    });
    let sent = sent.expect("an advert");
    assert_eq!((sent.len(), sent[3]), (16, 0), "no address in it");
    // Heard from a peer, an advert without addresses is one like any other.
    let (rx, mut bytes) = v2_advert(200, 1, Authentication::None);
    bytes.truncate(8);
    bytes.extend([0; 8]);
    bytes[3] = 0;
    common::checksum::reseal(&mut bytes, None);
    router.handle_packet(at, &rx, &bytes).expect("valid");
    assert_eq!(router.state(), State::Backup);
    assert_eq!(
        Config::builder(2, VRID, LOCAL.into()).build(),
        Err(ConfigError::NoAddresses),
        "VRRPv3 (RFC 9568 erratum 8299)"
    );
}

/// A VRRPv2 router at `primary` with `priority` whose adverts travel in an IPsec Authentication
/// Header keyed with `key` (keepalived's `auth_type AH`).
#[cfg(feature = "auth-ah")]
fn ah_router(primary: Ipv4Addr, priority: u8, key: &[u8]) -> VirtualRouter {
    let key = vrrp::packet::Password::new(key).expect("1 to 8 bytes");
    let config = Config::builder(2, VRID, primary.into())
        .address(VIP.into())
        .version(Version::V2)
        .priority(Priority::new(priority))
        .advert_interval(SECOND)
        .authentication(Authentication::IpsecAh(key))
        .build()
        .expect("valid");
    let mut router = VirtualRouter::new(config);
    router.start(Instant::now());
    drain(&mut router);
    router
}

/// What a router's adverts look like to a receiver: each datagram taken apart into its receive
/// metadata (with its Authentication Header) and its VRRP message.
#[cfg(feature = "auth-ah")]
fn ah_received(actions: &[Action]) -> Vec<(RxMeta, Vec<u8>)> {
    use vrrp::packet::ipsec_ah::AhContext;
    actions
        .iter()
        .filter_map(|action| match action {
            Action::Send(transmit) => Some(transmit),
            _ => None,
        })
        .map(|transmit| {
            assert!(transmit.ipsec_ah, "a whole IPv4 datagram");
            let datagram = &transmit.payload;
            let (ah, message) = AhContext::open(datagram).expect("an AH datagram");
            let (IpAddr::V4(source), IpAddr::V4(destination)) =
                (transmit.source, transmit.destination)
            else {
                panic!("IPv4");
            };
            let rx = RxMeta::ipv4(source, destination, datagram[8], 2).with_ah(ah);
            (rx, datagram[message].to_vec())
        })
        .collect()
}

#[test]
#[cfg(feature = "auth-ah")]
fn v2_03_keepalived_ipsec_ah_adverts_verify_with_the_key_and_never_twice() {
    let t0 = Instant::now();
    let mut master = ah_router(HIGHER_ADDRESS, 200, b"s3cr3t");
    let at = master.poll_timeout().expect("Master_Down_Timer");
    master.handle_timeout(at);
    let sent = ah_received(&drain(&mut master));
    let (rx, message) = sent.first().expect("an advert");
    assert_eq!(rx.ah().map(|ah| ah.sequence()), Some(1));
    assert_eq!(message[4], 2, "Auth Type 2, the IP Authentication Header");

    let mut backup = ah_router(LOCAL, 100, b"s3cr3t");
    backup.handle_packet(t0, rx, message).expect("verified");
    assert_eq!(backup.stats().rcvd_advertisements, 1);
    assert_eq!(
        backup.handle_packet(t0, rx, message),
        Err(RxError::AuthReplayed),
        "the same sequence again"
    );
    // The next advert's sequence grows, and the receiver follows it.
    master.handle_timeout(at + SECOND);
    let next = ah_received(&drain(&mut master));
    assert_eq!(next[0].0.ah().map(|ah| ah.sequence()), Some(2));
    backup
        .handle_packet(t0, &next[0].0, &next[0].1)
        .expect("verified");

    let mut wrong_key = ah_router(LOCAL, 100, b"other");
    assert_eq!(
        wrong_key.handle_packet(t0, &next[0].0, &next[0].1),
        Err(RxError::AuthFailure)
    );
    let mut tampered = next[0].1.clone();
    tampered[2] ^= 1;
    let mut fresh = ah_router(LOCAL, 100, b"s3cr3t");
    assert_eq!(
        fresh.handle_packet(t0, &next[0].0, &tampered),
        Err(RxError::AuthFailure)
    );
    // Auth Type 2 without the header, and an AH advert for a router without AH: refused.
    let plain = RxMeta::ipv4(HIGHER_ADDRESS, IPV4_MULTICAST, 255, 2);
    assert_eq!(
        fresh.handle_packet(t0, &plain, &next[0].1),
        Err(RxError::AuthenticationHeader)
    );
    let mut without = started(build(v2_builder()), t0);
    assert!(matches!(
        without.handle_packet(t0, &next[0].0, &next[0].1),
        Err(RxError::AuthTypeMismatch {
            configured: 0,
            received: 2
        })
    ));
    // A Backup that takes over goes on from the last sequence it accepted, as keepalived does.
    let at = backup.poll_timeout().expect("Master_Down_Timer");
    backup.handle_timeout(at);
    let taken_over = ah_received(&drain(&mut backup));
    assert_eq!(taken_over[0].0.ah().map(|ah| ah.sequence()), Some(3));
}

#[test]
fn v3_rx_10_a_router_configured_as_keepalived_sends_and_hears_a_global_first_address() {
    const GLOBAL_SOURCE: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x21);
    const PEER: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x22);
    let keepalived_like = |source: Ipv6Addr, priority: u8| {
        Config::builder(2, VRID, source.into())
            .address(VIP6.into())
            .priority(Priority::new(priority))
            .link_local_required(false)
    };
    // RFC 9568 refuses both the global source and the global first address by default.
    assert_eq!(
        keepalived_like(GLOBAL_SOURCE, 100)
            .link_local_required(true)
            .build()
            .map(drop),
        Err(ConfigError::FirstIpv6AddressNotLinkLocal(VIP6))
    );
    assert!(build(builder()).link_local_required());
    assert!(!build(keepalived_like(PEER, 200)).link_local_required());
    let t0 = Instant::now();
    let mut master = started(build(keepalived_like(PEER, 200)), t0);
    let at = master.poll_timeout().expect("Master_Down_Timer");
    master.handle_timeout(at);
    let sent = drain(&mut master)
        .into_iter()
        .find_map(|action| match action {
            Action::Send(transmit) => Some(transmit),
            _ => None,
        })
        .expect("an advert");
    let rx = RxMeta::ipv6(PEER, IPV6_MULTICAST, 255, 2);
    let mut backup = started(build(keepalived_like(GLOBAL_SOURCE, 100)), t0);
    backup.handle_packet(t0, &rx, &sent.payload).expect("heard");
    assert_eq!(backup.stats().rcvd_advertisements, 1);
    // An RFC 9568 router discards it.
    let rfc = Config::builder(2, VRID, LOCAL_LL.into()).address(VIP_LL.into());
    let mut strict = started(build(rfc.address(VIP6.into())), t0);
    assert_eq!(
        strict.handle_packet(t0, &rx, &sent.payload),
        Err(RxError::FirstAddressNotLinkLocal(VIP6))
    );
}

#[test]
fn master_down_interval_counts_the_configured_number_of_adverts_down_timer_adverts() {
    let t0 = Instant::now();
    // keepalived's down_timer_adverts 5: 5 × 1 s + Skew_Time (609.375 ms at priority 100).
    let mut router = started(build(builder().down_interval_adverts(5)), t0);
    receive(&mut router, t0 + SECOND, HIGHER_ADDRESS, 200);
    let takeover = t0 + SECOND + Duration::from_micros(5_609_375);
    assert_eq!(
        router.master_down_interval(),
        Duration::from_micros(5_609_375)
    );
    assert_eq!(router.poll_timeout(), Some(takeover));
    router.handle_timeout(takeover - Duration::from_nanos(1));
    assert_eq!(router.state(), State::Backup);
    router.handle_timeout(takeover);
    assert_eq!(router.state(), State::Master);
    for adverts in [0, 101] {
        assert_eq!(
            builder().down_interval_adverts(adverts).build().map(drop),
            Err(ConfigError::DownIntervalAdverts(adverts))
        );
    }
    assert_eq!(build(builder()).down_interval_adverts(), 3);
}

#[test]
fn an_owner_configured_to_ignore_adverts_stays_master_where_erratum_8298_would_yield() {
    let t0 = Instant::now();
    let owner = || builder().priority(Priority::OWNER).owner(true);
    // By default another owner with a higher address wins the tie (RFC 9568 erratum 8298).
    let mut processing = started(build(owner()), t0);
    receive(&mut processing, t0 + SECOND, HIGHER_ADDRESS, 255);
    assert_eq!(processing.state(), State::Backup);
    // keepalived's owner_ignore_adverts: checked and counted, never acted on.
    let mut ignoring = started(build(owner().owner_ignores_adverts(true)), t0);
    assert!(build(owner().owner_ignores_adverts(true)).owner_ignores_adverts());
    let actions = receive(&mut ignoring, t0 + SECOND, HIGHER_ADDRESS, 255);
    assert_eq!((ignoring.state(), actions), (State::Master, vec![]));
    assert_eq!(ignoring.stats().rcvd_advertisements, 1);
    assert_eq!(ignoring.stats().owner_conflicts, 1);
    let (rx, mut bytes) = advert_from(HIGHER_ADDRESS.into(), 255, 100);
    bytes[1] = 52;
    assert!(
        ignoring.handle_packet(t0, &rx, &bytes).is_err(),
        "still checked"
    );
    assert_eq!(
        builder().owner_ignores_adverts(true).build().map(drop),
        Err(ConfigError::IgnoringAdvertsNeedsOwner)
    );
}

#[test]
fn a_router_of_another_multicast_group_advertises_there_and_hears_only_its_group() {
    const GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 100);
    let t0 = Instant::now();
    let config = build(builder().multicast_group(GROUP.into()));
    assert_eq!(config.multicast_group(), IpAddr::from(GROUP));
    assert_eq!(
        build(builder()).multicast_group(),
        IpAddr::from(IPV4_MULTICAST)
    );
    let (mut master, at) = master(config.clone(), t0);
    master.handle_timeout(at + SECOND);
    let sent: Vec<IpAddr> = drain(&mut master)
        .into_iter()
        .filter_map(|action| match action {
            Action::Send(transmit) => Some(transmit.destination),
            _ => None,
        })
        .collect();
    assert_eq!(sent, [IpAddr::from(GROUP)]);
    // A Backup of the group follows its group's Master, and not one of the standard group.
    let mut backup = started(config, t0);
    let (standard, bytes) = advert_from(HIGHER_ADDRESS.into(), 200, 100);
    assert_eq!(
        backup.handle_packet(t0, &standard, &bytes),
        Err(RxError::OtherGroup {
            group: GROUP.into(),
            received: IPV4_MULTICAST.into(),
        })
    );
    assert_eq!(backup.stats().errors(Counter::VrIdErrors), 1);
    let ours = RxMeta::ipv4(HIGHER_ADDRESS, GROUP, 255, 2);
    let bytes = common::adverts::emit(
        &Advertisement {
            vrid: VRID,
            priority: Priority::new(200),
            ..common::adverts::v3_ipv4()
        },
        ours.source(),
        ours.destination(),
    );
    backup.handle_packet(t0, &ours, &bytes).expect("its group");
    assert_eq!(backup.stats().rcvd_advertisements, 1);
    for bad in [
        IpAddr::from(Ipv4Addr::new(192, 0, 2, 9)),
        IpAddr::from(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12)),
    ] {
        assert_eq!(
            builder().multicast_group(bad).build().map(drop),
            Err(ConfigError::InvalidMulticastGroup(bad))
        );
    }
    let site_scope = IpAddr::from(Ipv6Addr::new(0xff05, 0, 0, 0, 0, 0, 0, 0x12));
    let v6 = Config::builder(2, VRID, LOCAL_LL.into()).address(VIP_LL.into());
    assert_eq!(
        v6.clone().multicast_group(site_scope).build().map(drop),
        Err(ConfigError::InvalidMulticastGroup(site_scope))
    );
    let ff12 = IpAddr::from(Ipv6Addr::new(0xff12, 0, 0, 0, 0, 0, 0, 0x99));
    assert_eq!(build(v6.multicast_group(ff12)).multicast_group(), ff12);
    assert_eq!(
        builder()
            .multicast_group(GROUP.into())
            .unicast_peer(HIGHER_ADDRESS.into())
            .build()
            .map(drop),
        Err(ConfigError::MulticastGroupWithPeers(GROUP.into()))
    );
}
