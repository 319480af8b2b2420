//! IPv6 router advertisements of an IPv6 virtual router (RFC 5798 §6.4, RFC 4861 §6.2): the
//! Master sends them on the configured schedule and a Backup never does, in simulated time; the
//! frame is decoded field by field by tshark (ignored by a plain `cargo test`).

use crate::common;

use std::net::Ipv6Addr;
use std::time::{Duration, Instant};

use common::adverts::{MASTER_LL, VIP_LL, VIP6, vrid};
use vrrp::packet::{AddressList, Advertisement, IPV6_MULTICAST, RxMeta};
use vrrp::{Action, Config, ConfigError, Priority, RouterAdvertisements, State, VirtualRouter};

const SECOND: Duration = Duration::from_secs(1);
const PEER_LL: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 9);

fn config(advertisements: Option<RouterAdvertisements>, priority: u8) -> Config {
    Config::builder(2, vrid(51), MASTER_LL.into())
        .priority(Priority::new(priority))
        .address(VIP_LL.into())
        .address(VIP6.into())
        .router_advertisements(advertisements)
        .build()
        .expect("valid")
}

/// The instants, from `t0`, at which `router` asked for a router advertisement while time went
/// from `t0` to `t0 + span`, firing every timer on time.
fn advertised(router: &mut VirtualRouter, t0: Instant, span: Duration) -> Vec<Duration> {
    let mut at = Vec::new();
    let mut now = t0;
    loop {
        while let Some(action) = router.poll_action() {
            if let Action::AdvertiseRouter {
                lifetime,
                addresses,
            } = action
            {
                assert_eq!(lifetime, 3 * 4 * SECOND);
                assert_eq!(addresses, AddressList::ipv6([VIP_LL, VIP6]));
                at.push(now - t0);
            }
        }
        match router.poll_timeout() {
            Some(next) if next <= t0 + span => {
                now = next;
                router.handle_timeout(now);
            }
            _ => return at,
        }
    }
}

#[test]
fn v3_fsm_16_a_master_advertises_at_once_then_on_its_schedule() {
    let t0 = Instant::now();
    let mut router = VirtualRouter::new(config(Some(RouterAdvertisements::every(4 * SECOND)), 200));
    router.start(t0);
    let times = advertised(&mut router, t0, 20 * SECOND);
    assert_eq!(router.state(), State::Master);
    // Master at Master_Down_Interval (3 s + skew 0.2187 s): one at once, then every 4 s (the
    // initial 16 s shortened to the interval).
    let mdi = Duration::from_micros(3_218_750);
    let expected: Vec<Duration> = (0..5).map(|k| mdi + k * 4 * SECOND).collect();
    assert_eq!(times, expected);
}

#[test]
fn v3_fsm_16_router_advertisements_keep_their_own_timer_between_adverts() {
    // Adverts every 3 s, router advertisements every 4 s: the latter are not late to the former.
    let config = Config::builder(2, vrid(51), MASTER_LL.into())
        .priority(Priority::new(200))
        .advert_interval(3 * SECOND)
        .address(VIP_LL.into())
        .address(VIP6.into())
        .router_advertisements(Some(RouterAdvertisements::every(4 * SECOND)))
        .build()
        .expect("valid");
    let t0 = Instant::now();
    let mut router = VirtualRouter::new(config);
    router.start(t0);
    let times = advertised(&mut router, t0, 30 * SECOND);
    // Master_Down_Interval at 3 s: 9 s + 3 s x 56/256.
    let mdi = Duration::from_micros(9_656_250);
    let expected: Vec<Duration> = (0..5).map(|k| mdi + k * 4 * SECOND).collect();
    assert_eq!(times[..5], expected);
}

#[test]
fn v3_fsm_16_the_first_three_go_16_s_apart_then_every_interval() {
    let t0 = Instant::now();
    let mut router = VirtualRouter::new(
        Config::builder(2, vrid(51), MASTER_LL.into())
            .priority(Priority::OWNER)
            .owner(true)
            .address(MASTER_LL.into())
            .address(VIP6.into())
            .router_advertisements(Some(RouterAdvertisements::default()))
            .build()
            .expect("valid"),
    );
    router.start(t0);
    let mut times = Vec::new();
    let mut now = t0;
    while now <= t0 + 1300 * SECOND {
        while let Some(action) = router.poll_action() {
            if matches!(action, Action::AdvertiseRouter { .. }) {
                times.push((now - t0).as_secs());
            }
        }
        let Some(next) = router.poll_timeout() else {
            break;
        };
        now = next;
        router.handle_timeout(now);
    }
    // The owner is Master at once: at 0, 16, 32, then every 600 s.
    assert_eq!(times, [0, 16, 32, 632, 1232]);
}

#[test]
fn v3_fsm_05_a_backup_sends_none_and_a_master_stops_when_it_leaves() {
    let t0 = Instant::now();
    let mut router = VirtualRouter::new(config(Some(RouterAdvertisements::every(4 * SECOND)), 100));
    router.start(t0);
    // A higher-priority Master advertises every second: this router stays Backup, and sends none.
    let mut now = t0;
    let advert = Advertisement {
        priority: Priority::new(200),
        addresses: AddressList::ipv6([VIP_LL, VIP6]),
        ..common::adverts::v3_ipv6()
    };
    let payload = common::adverts::emit(&advert, PEER_LL, IPV6_MULTICAST);
    let rx = RxMeta::ipv6(PEER_LL, IPV6_MULTICAST, 255, 2);
    for _ in 0..30 {
        router
            .handle_packet(now, &rx, &payload)
            .expect("valid advert");
        while let Some(action) = router.poll_action() {
            assert!(
                !matches!(action, Action::AdvertiseRouter { .. }),
                "a Backup advertised"
            );
        }
        now += SECOND;
        if router.poll_timeout().is_some_and(|at| at <= now) {
            router.handle_timeout(now);
        }
    }
    assert_eq!(router.state(), State::Backup);
    // It takes over when the Master falls silent and advertises; the Master's return makes it
    // Backup again, and it sends no further advertisement.
    let times = advertised(&mut router, now, 5 * SECOND);
    assert_eq!(router.state(), State::Master);
    assert!(!times.is_empty());
    let later = now + 5 * SECOND;
    router
        .handle_packet(later, &rx, &payload)
        .expect("valid advert");
    assert_eq!(router.state(), State::Backup);
    let after: Vec<Action> = std::iter::from_fn(|| router.poll_action()).collect();
    assert!(
        !after
            .iter()
            .any(|a| matches!(a, Action::AdvertiseRouter { .. }))
    );
    assert!(advertised(&mut router, later, 3 * SECOND).is_empty());
    assert_eq!(router.state(), State::Backup);
}

#[test]
fn router_advertisements_need_ipv6_and_rfc_4861_bounds() {
    let v4 = Config::builder(2, vrid(51), [192, 0, 2, 1].into())
        .address([192, 0, 2, 100].into())
        .router_advertisements(Some(RouterAdvertisements::default()))
        .build();
    assert_eq!(v4.unwrap_err(), ConfigError::RouterAdvertisementsNeedIpv6);
    for bad in [
        RouterAdvertisements::every(3 * SECOND),
        RouterAdvertisements::every(1801 * SECOND),
        RouterAdvertisements {
            interval: 10 * SECOND,
            lifetime: 9 * SECOND,
        },
    ] {
        let built = Config::builder(2, vrid(51), MASTER_LL.into())
            .address(VIP_LL.into())
            .router_advertisements(Some(bad))
            .build();
        assert_eq!(
            built.unwrap_err(),
            ConfigError::InvalidRouterAdvertisements(bad)
        );
    }
}
