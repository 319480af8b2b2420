//! Many virtual routers behind one input: demultiplexing, router-wide counters, merged deadlines and
//! sync groups, with simulated time.

use crate::common;

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use common::adverts::VIP;
use vrrp::packet::{
    AddressList, Advertisement, Authentication, ChecksumForm, IPV4_MULTICAST, RxError, RxMeta,
    Version,
};
use vrrp::{Action, Config, Interval, Priority, Reason, RouterKey, Routers, RoutersError, State};

const LOCAL: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const PEER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);

fn config(interface_index: u32, vrid: u8, vip: Ipv4Addr) -> Config {
    Config::builder(interface_index, common::adverts::vrid(vrid), LOCAL.into())
        .address(vip.into())
        .build()
        .expect("valid")
}

/// An advert from the peer for `vrid` with `vip`, as received on `interface_index`.
fn advert(interface_index: u32, vrid: u8, vip: Ipv4Addr, priority: u8) -> (RxMeta, Vec<u8>) {
    let advert = Advertisement {
        version: Version::V3,
        vrid: common::adverts::vrid(vrid),
        priority: Priority::new(priority),
        interval: Interval::DEFAULT,
        addresses: AddressList::ipv4([vip]),
        authentication: Authentication::None,
        checksum_form: ChecksumForm::PseudoHeader,
    };
    let rx = RxMeta::ipv4(PEER, IPV4_MULTICAST, 255, interface_index);
    (rx, common::adverts::emit(&advert, PEER, IPV4_MULTICAST))
}

fn drain(routers: &mut Routers) -> Vec<(RouterKey, Action)> {
    std::iter::from_fn(|| routers.poll_action()).collect()
}

fn changes(actions: &[(RouterKey, Action)]) -> Vec<(u8, State, Reason)> {
    actions
        .iter()
        .filter_map(|(key, action)| match action {
            Action::StateChanged { to, reason, .. } => Some((key.vrid.get(), *to, *reason)),
            _ => None,
        })
        .collect()
}

fn vip(n: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 51, 100, n)
}

#[test]
fn v3_rx_05_packets_reach_the_router_of_their_interface_family_and_vrid() {
    let t0 = Instant::now();
    let mut routers = Routers::new();
    let a = routers.add(config(2, 51, VIP)).expect("new");
    let b = routers.add(config(2, 52, vip(52))).expect("new");
    let c = routers.add(config(3, 51, VIP)).expect("new");
    assert_eq!(
        routers.add(config(2, 51, vip(9))),
        Err(RoutersError::Duplicate(a))
    );
    routers.start(t0);
    drain(&mut routers);

    let later = t0 + Duration::from_secs(1);
    let (rx, bytes) = advert(2, 51, VIP, 200);
    assert_eq!(routers.handle_packet(later, &rx, &bytes), Ok(a));
    let deadline = |routers: &Routers, key| {
        routers
            .get(&key)
            .and_then(|r| r.poll_timeout())
            .expect("runs")
    };
    assert!(
        deadline(&routers, a) > deadline(&routers, b),
        "only VRID 51 on interface 2 was reset"
    );
    assert_eq!(deadline(&routers, b), deadline(&routers, c));
    assert_eq!(
        routers.poll_timeout(),
        Some(deadline(&routers, b)),
        "the earliest deadline of all"
    );

    let (rx, bytes) = advert(2, 53, vip(53), 200);
    assert_eq!(
        routers.handle_packet(later, &rx, &bytes),
        Err(RxError::UnknownVrid {
            interface_index: 2,
            vrid: common::adverts::vrid(53)
        })
    );
    let (rx, mut damaged) = advert(4, 51, VIP, 200);
    damaged[7] ^= 1;
    assert!(matches!(
        routers.handle_packet(later, &rx, &damaged),
        Err(RxError::Checksum { .. })
    ));
    let (rx, mut damaged) = advert(2, 52, vip(52), 200);
    damaged[7] ^= 1;
    assert!(matches!(
        routers.handle_packet(later, &rx, &damaged),
        Err(RxError::Checksum { .. })
    ));
    let global = routers.global_stats();
    assert_eq!(
        (
            global.vrid_errors,
            global.checksum_errors,
            global.version_errors
        ),
        (1, 2, 0)
    );
}

#[test]
fn timeouts_fire_only_the_routers_that_are_due() {
    let t0 = Instant::now();
    let mut routers = Routers::new();
    for vrid in 1..=3 {
        routers.add(config(2, vrid, vip(vrid))).expect("new");
    }
    routers.start(t0);
    drain(&mut routers);
    let (rx, bytes) = advert(2, 2, vip(2), 200);
    routers
        .handle_packet(t0 + Duration::from_secs(1), &rx, &bytes)
        .expect("valid");
    let due = routers.poll_timeout().expect("runs");
    routers.handle_timeout(due);
    let became_master: Vec<_> = changes(&drain(&mut routers))
        .into_iter()
        .map(|(vrid, to, _)| (vrid, to))
        .collect();
    assert_eq!(became_master, [(1, State::Master), (3, State::Master)]);
}

#[test]
fn a_link_change_reaches_every_router_on_that_interface_only() {
    let t0 = Instant::now();
    let mut routers = Routers::new();
    routers.add(config(2, 1, vip(1))).expect("new");
    routers.add(config(2, 2, vip(2))).expect("new");
    routers.add(config(3, 3, vip(3))).expect("new");
    routers.start(t0);
    drain(&mut routers);
    routers.handle_link(t0, 2, false);
    let faults = changes(&drain(&mut routers));
    assert_eq!(
        faults,
        [
            (1, State::Fault, Reason::LinkDown),
            (2, State::Fault, Reason::LinkDown)
        ]
    );
}

/// Two routers on two interfaces in one sync group, both Backup at `t0`.
fn grouped(t0: Instant) -> (Routers, RouterKey, RouterKey) {
    let mut routers = Routers::new();
    let inside = routers.add(config(2, 1, vip(1))).expect("new");
    let outside = routers.add(config(3, 2, vip(2))).expect("new");
    routers
        .add_sync_group(&[inside, outside])
        .expect("new group");
    routers.start(t0);
    drain(&mut routers);
    (routers, inside, outside)
}

#[test]
fn sync_group_members_become_master_and_backup_together() {
    let t0 = Instant::now();
    let (mut routers, inside, _) = grouped(t0);
    // The outside Master keeps advertising; the inside one went silent.
    let (rx, bytes) = advert(3, 2, vip(2), 200);
    routers
        .handle_packet(t0 + Duration::from_secs(1), &rx, &bytes)
        .expect("valid");
    let due = routers
        .get(&inside)
        .and_then(|r| r.poll_timeout())
        .expect("runs");
    routers.handle_timeout(due);
    let actions = drain(&mut routers);
    assert_eq!(
        changes(&actions),
        [
            (1, State::Master, Reason::MasterNoResponse),
            (2, State::Master, Reason::SyncGroup)
        ]
    );
    let added: Vec<_> = actions
        .iter()
        .filter_map(|(key, a)| matches!(a, Action::AddAddresses { .. }).then_some(key.vrid.get()))
        .collect();
    assert_eq!(added, [1, 2]);

    let (rx, bytes) = advert(2, 1, vip(1), 200);
    routers.handle_packet(due, &rx, &bytes).expect("valid");
    assert_eq!(
        changes(&drain(&mut routers)),
        [
            (1, State::Backup, Reason::HigherPriority),
            (2, State::Backup, Reason::SyncGroup)
        ]
    );
}

#[test]
fn a_sync_group_members_fault_holds_the_others_in_fault_until_it_recovers() {
    let t0 = Instant::now();
    let (mut routers, inside, outside) = grouped(t0);
    let due = routers.poll_timeout().expect("runs");
    routers.handle_timeout(due);
    drain(&mut routers);
    assert_eq!(
        routers.get(&outside).map(|r| r.state()),
        Some(State::Master)
    );

    routers.handle_link(due, 2, false);
    let actions = drain(&mut routers);
    assert_eq!(
        changes(&actions),
        [
            (1, State::Fault, Reason::LinkDown),
            (2, State::Fault, Reason::SyncGroup)
        ]
    );
    let outside_sent: Vec<u8> = actions
        .iter()
        .filter_map(|(key, a)| match a {
            Action::Send(t) if *key == outside => Some(t.payload[2]),
            _ => None,
        })
        .collect();
    assert_eq!(outside_sent, [0], "the outside Master hands over at once");

    routers.handle_link(due, 2, true);
    assert_eq!(
        changes(&drain(&mut routers)),
        [
            (1, State::Backup, Reason::LinkUp),
            (2, State::Backup, Reason::SyncGroup)
        ]
    );
    assert_eq!(routers.get(&inside).map(|r| r.state()), Some(State::Backup));
}

#[test]
fn sync_groups_are_validated() {
    let mut routers = Routers::new();
    let a = routers.add(config(2, 1, vip(1))).expect("new");
    let b = routers.add(config(2, 2, vip(2))).expect("new");
    let unknown = RouterKey {
        vrid: common::adverts::vrid(9),
        ..a
    };
    assert_eq!(
        routers.add_sync_group(&[a, unknown]),
        Err(RoutersError::UnknownMember(unknown))
    );
    routers.add_sync_group(&[a, b]).expect("new group");
    assert_eq!(
        routers.add_sync_group(&[b]),
        Err(RoutersError::AlreadyGrouped(b))
    );
    assert_eq!(routers.len(), 2);
    assert!(routers.iter().all(|(_, r)| r.state() == State::Initialize));
}

mod deadlines {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        Advert { vrid: u8, priority: u8 },
        Timeout,
        Wait(u16),
        Link { interface: u32, up: bool },
        Priority { vrid: u8, priority: u8 },
        Shutdown,
        Start,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (1..=6u8, 0..=255u8).prop_map(|(vrid, priority)| Op::Advert { vrid, priority }),
            Just(Op::Timeout),
            (0..2000u16).prop_map(Op::Wait),
            (2..=3u32, any::<bool>()).prop_map(|(interface, up)| Op::Link { interface, up }),
            (1..=6u8, 1..=254u8).prop_map(|(vrid, priority)| Op::Priority { vrid, priority }),
            Just(Op::Shutdown),
            Just(Op::Start),
        ]
    }

    proptest! {
        /// The deadline heap always names exactly the earliest deadline of any router.
        #[test]
        fn poll_timeout_is_the_earliest_router_deadline(ops in prop::collection::vec(op(), 1..60)) {
            let t0 = Instant::now();
            let mut routers = Routers::new();
            let keys: Vec<RouterKey> = (1..=6u8)
                .map(|vrid| routers.add(config(2 + u32::from(vrid % 2), vrid, vip(vrid))).expect("new"))
                .collect();
            routers.add_sync_group(&keys[..2]).expect("new group");
            routers.start(t0);
            let mut now = t0;
            for op in ops {
                match op {
                    Op::Advert { vrid, priority } => {
                        let (rx, bytes) = advert(2 + u32::from(vrid % 2), vrid, vip(vrid), priority);
                        let _ = routers.handle_packet(now, &rx, &bytes);
                    }
                    Op::Timeout => {
                        if let Some(at) = routers.poll_timeout() {
                            now = now.max(at);
                            routers.handle_timeout(now);
                        }
                    }
                    Op::Wait(ms) => {
                        now += Duration::from_millis(u64::from(ms));
                        routers.handle_timeout(now);
                    }
                    Op::Link { interface, up } => routers.handle_link(now, interface, up),
                    Op::Priority { vrid, priority } => {
                        let key = keys[usize::from(vrid - 1)];
                        routers.set_priority(now, &key, Priority::new(priority));
                    }
                    Op::Shutdown => routers.shutdown(now),
                    Op::Start => routers.start(now),
                }
                drain(&mut routers);
                let earliest = routers.iter().filter_map(|(_, r)| r.poll_timeout()).min();
                prop_assert_eq!(routers.poll_timeout(), earliest);
                if matches!(op, Op::Timeout | Op::Wait(_)) {
                    prop_assert!(earliest.is_none_or(|at| at > now), "a due timer was left");
                }
            }
        }
    }
}

#[test]
fn removing_a_master_hands_over_and_leaves_the_other_routers_running() {
    let t0 = Instant::now();
    let mut routers = Routers::new();
    let a = routers.add(config(2, 1, vip(1))).expect("new");
    let b = routers.add(config(2, 2, vip(2))).expect("new");
    let c = routers.add(config(2, 3, vip(3))).expect("new");
    routers.start(t0);
    let became_master = routers.poll_timeout().expect("runs");
    routers.handle_timeout(became_master);
    drain(&mut routers);

    routers.remove(became_master, &a).expect("configured");
    let actions = drain(&mut routers);
    assert!(actions.iter().all(|(key, _)| *key == a), "{actions:?}");
    let sent: Vec<u8> = actions
        .iter()
        .filter_map(|(_, a)| match a {
            Action::Send(t) => Some(t.payload[2]),
            _ => None,
        })
        .collect();
    assert_eq!(sent, [0], "a removed Master advertises priority 0");
    assert!(
        actions
            .iter()
            .any(|(_, a)| matches!(a, Action::RemoveAddresses { .. }))
    );
    assert_eq!(
        changes(&actions),
        [(1, State::Initialize, Reason::Shutdown)]
    );
    assert_eq!(
        routers.remove(became_master, &a),
        Err(RoutersError::NotConfigured(a))
    );
    assert!(routers.get(&a).is_none());
    assert_eq!(routers.len(), 2);

    // The last router moved into the removed one's place: packets and timers still find it.
    let (rx, bytes) = advert(2, 3, vip(3), 254);
    assert_eq!(routers.handle_packet(became_master, &rx, &bytes), Ok(c));
    assert_eq!(
        changes(&drain(&mut routers)),
        [(3, State::Backup, Reason::HigherPriority)]
    );
    let next = routers.poll_timeout().expect("b advertises");
    assert_eq!(
        Some(next),
        routers.get(&b).and_then(|r| r.poll_timeout()),
        "the earliest deadline is b's advert"
    );
    routers.handle_timeout(next);
    let senders: Vec<RouterKey> = drain(&mut routers)
        .into_iter()
        .filter(|(_, a)| matches!(a, Action::Send(_)))
        .map(|(key, _)| key)
        .collect();
    assert_eq!(senders, [b]);
}

#[test]
fn a_router_added_while_the_others_run_starts_on_its_own() {
    let t0 = Instant::now();
    let mut routers = Routers::new();
    let a = routers.add(config(2, 1, vip(1))).expect("new");
    routers.start(t0);
    drain(&mut routers);
    let later = t0 + Duration::from_millis(500);
    let b = routers.add(config(2, 2, vip(2))).expect("new");
    routers.start_router(later, &b).expect("configured");
    assert_eq!(
        changes(&drain(&mut routers)),
        [(2, State::Backup, Reason::Startup)]
    );
    assert_eq!(routers.get(&a).map(|r| r.state()), Some(State::Backup));
    let missing = RouterKey::of(&config(9, 9, vip(9)));
    assert_eq!(
        routers.start_router(later, &missing),
        Err(RoutersError::NotConfigured(missing))
    );
}

#[test]
fn removing_a_sync_group_member_releases_the_fault_it_held_the_others_in() {
    let t0 = Instant::now();
    let (mut routers, inside, outside) = grouped(t0);
    routers.handle_link(t0, 2, false);
    drain(&mut routers);
    assert_eq!(routers.get(&outside).map(|r| r.state()), Some(State::Fault));

    routers.remove(t0, &inside).expect("configured");
    assert_eq!(
        changes(&drain(&mut routers)),
        [
            (2, State::Backup, Reason::SyncGroup),
            (1, State::Initialize, Reason::Shutdown)
        ]
    );
    // The group still knows its remaining member, now at another position.
    let other = routers.add(config(4, 3, vip(3))).expect("new");
    assert_eq!(
        routers.add_sync_group(&[other, outside]),
        Err(RoutersError::AlreadyGrouped(outside))
    );
}

#[test]
fn a_sync_group_member_in_fault_at_start_holds_the_others_in_fault() {
    let t0 = Instant::now();
    for down in [2, 3] {
        let mut routers = Routers::new();
        let inside = routers.add(config(2, 1, vip(1))).expect("new");
        let outside = routers.add(config(3, 2, vip(2))).expect("new");
        routers
            .add_sync_group(&[inside, outside])
            .expect("new group");
        routers.handle_link(t0, down, false);
        routers.start(t0);
        let faulty = if down == 2 { 1 } else { 2 };
        let reasons: Vec<_> = changes(&drain(&mut routers))
            .into_iter()
            .filter(|&(_, state, _)| state == State::Fault)
            .map(|(vrid, _, reason)| (vrid == faulty, reason))
            .collect();
        assert_eq!(
            reasons,
            [(true, Reason::LinkDown), (false, Reason::SyncGroup)],
            "link {down} down: the member whose link is down, then the other"
        );
        let states = [inside, outside].map(|key| routers.get(&key).map(|r| r.state()));
        assert_eq!(
            states,
            [Some(State::Fault), Some(State::Fault)],
            "link {down} down"
        );
        routers.handle_link(t0, down, true);
        let states = [inside, outside].map(|key| routers.get(&key).map(|r| r.state()));
        assert_eq!(
            states,
            [Some(State::Backup), Some(State::Backup)],
            "link {down} up again"
        );
    }
}

#[test]
fn a_router_key_prints_as_interface_family_and_vrid() {
    let key = RouterKey::of(&config(2, 51, vip(1)));
    assert_eq!(key.to_string(), "if2/ipv4/vrid51");
}

#[test]
fn a_set_says_whether_it_is_empty() {
    let mut routers = Routers::new();
    assert!(routers.is_empty());
    routers.add(config(2, 1, vip(1))).expect("new");
    assert!(!routers.is_empty());
}

#[test]
fn every_queued_action_is_delivered_however_many_routers_start_at_once() {
    let mut routers = Routers::new();
    for interface in 2..7 {
        for vrid in 1..=255u8 {
            routers
                .add(config(interface, vrid, vip(vrid)))
                .expect("new");
        }
    }
    routers.start(Instant::now());
    let changes = drain(&mut routers)
        .into_iter()
        .filter(|(_, action)| matches!(action, Action::StateChanged { .. }))
        .count();
    assert_eq!(changes, 5 * 255);
}

#[cfg(feature = "auth-hmac")]
#[test]
fn the_wall_clock_reading_reaches_every_router_of_the_set() {
    use vrrp::{HmacAuth, HmacKey, WallClock};
    let auth = || {
        HmacAuth::builder(1)
            .key(HmacKey::new(1, &[7; 32]).expect("valid"))
            .build()
            .expect("valid")
    };
    let signed = |priority: u8, source: Ipv4Addr, peer: Ipv4Addr| {
        Config::builder(2, common::adverts::vrid(1), source.into())
            .priority(Priority::new(priority))
            .address(vip(1).into())
            .unicast_peer(peer.into())
            .auth_hmac(auth())
            .build()
            .expect("valid")
    };
    let t0 = Instant::now();
    let clock = WallClock::new(t0, Duration::from_secs(1_800_000_000));
    let mut master = Routers::new();
    master.add(signed(200, PEER, LOCAL)).expect("new");
    master.set_wall_clock(clock);
    master.start(t0);
    let due = master.poll_timeout().expect("Master_Down_Timer");
    master.handle_timeout(due);
    let advert = drain(&mut master)
        .into_iter()
        .find_map(|(_, action)| match action {
            Action::Send(transmit) => Some(transmit.payload.to_vec()),
            _ => None,
        })
        .expect("the new Master advertises");

    let mut backup = Routers::new();
    backup.add(signed(100, LOCAL, PEER)).expect("new");
    backup.set_wall_clock(clock);
    backup.start(t0);
    let rx = RxMeta::ipv4(PEER, LOCAL, 255, 2);
    assert!(backup.handle_packet(due, &rx, &advert).is_ok());
}

#[test]
fn removing_a_sync_group_member_leaves_the_others_held_by_a_member_still_in_fault() {
    let t0 = Instant::now();
    let mut routers = Routers::new();
    let keys = [(2, 1), (3, 2), (4, 3)].map(|(interface, vrid)| {
        routers
            .add(config(interface, vrid, vip(vrid)))
            .expect("new")
    });
    routers.add_sync_group(&keys).expect("new group");
    routers.start(t0);
    routers.handle_link(t0, 3, false);
    drain(&mut routers);
    routers.remove(t0, &keys[0]).expect("configured");
    drain(&mut routers);
    let states = keys[1..]
        .iter()
        .map(|key| routers.get(key).map(|r| r.state()));
    assert!(
        states.eq([Some(State::Fault), Some(State::Fault)]),
        "the member whose link is down holds the last one in Fault"
    );
    routers.handle_link(t0, 3, true);
    let states = keys[1..]
        .iter()
        .map(|key| routers.get(key).map(|r| r.state()));
    assert!(states.eq([Some(State::Backup), Some(State::Backup)]));
}

#[test]
fn a_sync_group_keeps_working_after_a_router_outside_it_is_removed() {
    let t0 = Instant::now();
    let mut routers = Routers::new();
    let outsider = routers.add(config(2, 9, vip(9))).expect("new");
    let inside = routers.add(config(3, 1, vip(1))).expect("new");
    let outside = routers.add(config(4, 2, vip(2))).expect("new");
    routers
        .add_sync_group(&[inside, outside])
        .expect("new group");
    routers.start(t0);
    // The last router takes the removed one's place: the group must follow it there.
    routers.remove(t0, &outsider).expect("configured");
    drain(&mut routers);
    routers.handle_link(t0, 3, false);
    assert_eq!(
        changes(&drain(&mut routers)),
        [
            (1, State::Fault, Reason::LinkDown),
            (2, State::Fault, Reason::SyncGroup)
        ]
    );
}

#[test]
fn a_datagram_no_router_could_be_chosen_for_is_counted_router_wide() {
    let mut routers = Routers::new();
    routers.add(config(2, 1, vip(1))).expect("new");
    routers.record_malformed(&RxError::TooShort(3));
    let global = routers.global_stats();
    assert_eq!(global.malformed_datagrams, 1);
    assert_eq!(
        global.discontinuity_time, None,
        "counted before any time was given"
    );
}

#[test]
fn tracking_reaches_a_configured_router_and_says_so() {
    let t0 = Instant::now();
    let mut routers = Routers::new();
    let key = routers.add(config(2, 1, vip(1))).expect("new");
    routers.start(t0);
    drain(&mut routers);
    let unknown = RouterKey::of(&config(2, 2, vip(2)));
    assert!(!routers.set_tracking_fault(t0, &unknown, true));
    assert!(routers.set_tracking_fault(t0, &key, true));
    assert_eq!(routers.get(&key).map(|r| r.state()), Some(State::Fault));
    assert!(!routers.set_tracking_weight(t0, &unknown, -10));
    assert!(routers.set_tracking_weight(t0, &key, -10));
}
