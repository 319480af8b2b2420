//! The action applier against in-memory backends: what a driver does with each action, without a
//! kernel. Unit tests, as much of what they read is the crate's own API.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Instant;

use crate::Vrid;
use crate::host::memory::{
    Call, Fault, MemoryAddresses, MemoryAnnouncer, MemoryHost, MemorySender,
};
use crate::host::{ActionApplier, Event, Instance, Operation, VirtualAddress};
use crate::{Config, Priority, Routers, State};

const MASTER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const VIP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 100);
const VIP2: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 101);
const MASTER_LL: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
const VIP_LL: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x100);

fn vrid(n: u8) -> Vrid {
    Vrid::new(n).expect("not 0")
}

type MemoryApplier = ActionApplier<MemorySender, MemoryAddresses, MemoryAnnouncer>;

fn config() -> Config {
    Config::builder(1, vrid(51), MASTER.into())
        .priority(Priority::new(200))
        .address(VIP.into())
        .address(VIP2.into())
        .build()
        .unwrap()
}

/// A router and an applier; `instance` places the router unless it is `None`.
fn setup(instance: Option<Instance>) -> (Routers, MemoryApplier, MemoryHost) {
    let mut routers = Routers::new();
    routers.add(config()).unwrap();
    let host = MemoryHost::default();
    let mut applier = host.applier();
    if let Some(instance) = instance {
        applier.place(instance);
    }
    (routers, applier, host)
}

/// The backend calls, one line each.
fn log(host: &MemoryHost) -> Vec<String> {
    host.calls()
        .into_iter()
        .map(|call| match call {
            Call::Send {
                interface,
                transmit,
            } => format!("send if{interface} to {}", transmit.destination),
            Call::Add { interface, address } => format!("add if{interface} {address}"),
            Call::Remove { interface, address } => format!("remove if{interface} {address}"),
            Call::Announce {
                interface,
                address,
                repeat,
            } => format!("announce if{interface} {address} x{repeat}"),
            other => format!("{other:?}"),
        })
        .collect()
}

fn run(routers: &mut Routers, applier: &mut MemoryApplier) -> Vec<Event> {
    let mut events = Vec::new();
    while let Some((key, action)) = routers.poll_action() {
        applier.apply(key, action, &mut |event| events.push(event));
    }
    events
}

/// Starts the router and lets it become Master, then shuts it down.
fn master_then_shutdown(routers: &mut Routers, applier: &mut MemoryApplier) -> Vec<Event> {
    let t0 = Instant::now();
    routers.start(t0);
    let mut events = run(routers, applier);
    let due = routers.poll_timeout().unwrap();
    routers.handle_timeout(due);
    events.extend(run(routers, applier));
    routers.shutdown(due);
    events.extend(run(routers, applier));
    events
}

#[test]
fn a_master_adds_then_announces_and_a_shutdown_removes_what_it_added() {
    let instance = Instance::new(config()).prefix_len(VIP.into(), 24);
    let (mut routers, mut applier, host) = setup(Some(instance));
    let events = master_then_shutdown(&mut routers, &mut applier);
    assert_eq!(
        log(&host),
        [
            "send if1 to 224.0.0.18",
            "add if1 192.0.2.100/24",
            "add if1 192.0.2.101/32",
            "announce if1 192.0.2.100 x1",
            "announce if1 192.0.2.101 x1",
            "send if1 to 224.0.0.18",
            "remove if1 192.0.2.100/24",
            "remove if1 192.0.2.101/32",
        ]
    );
    assert!(host.addresses().is_empty());
    let states: Vec<State> = events
        .iter()
        .filter_map(|e| match e {
            Event::StateChanged { to, .. } => Some(*to),
            _ => None,
        })
        .collect();
    assert_eq!(states, [State::Backup, State::Master, State::Initialize]);
    assert_eq!(applier.added_addresses().count(), 0);
}

#[test]
fn announcements_go_once_at_once_then_their_repeats_one_per_round_and_a_release_drops_them() {
    let (mut routers, mut applier, host) = setup(None);
    let t0 = Instant::now();
    routers.start(t0);
    run(&mut routers, &mut applier);
    let due = routers.poll_timeout().unwrap();
    routers.handle_timeout(due);
    run(&mut routers, &mut applier);
    let announced = |host: &MemoryHost| {
        log(host)
            .into_iter()
            .filter(|l| l.starts_with("announce"))
            .collect::<Vec<_>>()
    };
    // One frame per address at once; four repeats each wait (the default repeat is 5).
    assert_eq!(
        announced(&host),
        ["announce if1 192.0.2.100 x1", "announce if1 192.0.2.101 x1"]
    );
    assert!(applier.has_paced());
    // A call sends at most one frame per address (a round), within its budget.
    let mut events = Vec::new();
    assert_eq!(applier.send_paced(1, &mut |e| events.push(e)), 7);
    assert_eq!(announced(&host).len(), 3);
    assert_eq!(applier.send_paced(100, &mut |e| events.push(e)), 5);
    assert_eq!(
        announced(&host)[3..],
        ["announce if1 192.0.2.101 x1", "announce if1 192.0.2.100 x1"]
    );
    // Released: the repeats still queued are dropped, not sent for an address given up.
    routers.shutdown(due);
    run(&mut routers, &mut applier);
    assert!(!applier.has_paced());
    assert_eq!(applier.send_paced(100, &mut |e| events.push(e)), 0);
    assert_eq!(announced(&host).len(), 5);
    assert!(events.is_empty());
}

#[test]
fn excluded_addresses_are_added_announced_and_removed_with_the_virtual_ones() {
    let instance = Instance::new(config())
        .excluded(VirtualAddress::host("198.51.100.9".parse().unwrap()))
        .excluded(VirtualAddress {
            prefix_len: 64,
            ..VirtualAddress::host("2001:db8::9".parse().unwrap())
        });
    let (mut routers, mut applier, host) = setup(Some(instance));
    master_then_shutdown(&mut routers, &mut applier);
    assert_eq!(
        log(&host),
        [
            "send if1 to 224.0.0.18",
            "add if1 192.0.2.100/32",
            "add if1 192.0.2.101/32",
            "add if1 198.51.100.9/32",
            "add if1 2001:db8::9/64",
            "announce if1 192.0.2.100 x1",
            "announce if1 192.0.2.101 x1",
            "announce if1 198.51.100.9 x1",
            "announce if1 2001:db8::9 x1",
            "send if1 to 224.0.0.18",
            "remove if1 192.0.2.100/32",
            "remove if1 192.0.2.101/32",
            "remove if1 198.51.100.9/32",
            "remove if1 2001:db8::9/64",
        ]
    );
    assert!(host.addresses().is_empty());
}

#[test]
fn an_address_that_was_already_configured_stays_when_the_router_releases_it() {
    let (mut routers, mut applier, host) = setup(None);
    let operators = VirtualAddress {
        prefix_len: 24,
        ..VirtualAddress::host(VIP.into())
    };
    host.add_address(1, operators);
    master_then_shutdown(&mut routers, &mut applier);
    assert_eq!(host.addresses(), [(1, operators)]);
    let log = log(&host);
    assert!(
        log.contains(&"remove if1 192.0.2.101/32".to_string()),
        "{log:?}"
    );
    assert!(!log.iter().any(|l| l.starts_with("remove if1 192.0.2.100")));
}

#[test]
fn a_virtual_mac_placement_sends_and_holds_the_addresses_on_its_own_interface() {
    let (mut routers, mut applier, host) = setup(Some(Instance::new(config())));
    applier.redirect(&routers.iter().next().unwrap().0, 9, 9);
    master_then_shutdown(&mut routers, &mut applier);
    let log = log(&host);
    assert!(log.iter().all(|l| l.contains(" if9 ")), "{log:?}");
}

#[test]
fn a_failing_backend_becomes_an_event_and_the_other_actions_still_run() {
    let (mut routers, mut applier, host) = setup(None);
    host.fail_next(Fault::Send, u32::MAX);
    let events = master_then_shutdown(&mut routers, &mut applier);
    let failures: Vec<Operation> = events
        .iter()
        .filter_map(|e| match e {
            Event::BackendFailed { operation, .. } => Some(*operation),
            _ => None,
        })
        .collect();
    assert_eq!(failures, [Operation::Send, Operation::Send]);
    let log = log(&host);
    assert!(log.contains(&"add if1 192.0.2.100/32".to_string()));
    assert!(log.contains(&"remove if1 192.0.2.100/32".to_string()));
}

/// Starts the router built from `config` and lets it become Master; returns the time it did.
fn elect(routers: &mut Routers, applier: &mut MemoryApplier) -> Instant {
    routers.start(Instant::now());
    run(routers, applier);
    let due = routers.poll_timeout().unwrap();
    routers.handle_timeout(due);
    run(routers, applier);
    due
}

#[test]
fn v3_fsm_18_a_master_with_accept_mode_off_asks_the_firewall_to_refuse_its_addresses() {
    let (mut routers, mut applier, _host) = setup(None);
    let before = applier.firewall_changes();
    assert!(applier.unaccepted_addresses().is_empty());
    let due = elect(&mut routers, &mut applier);
    // Accept_Mode is off by default (RFC 5798 §6.1): both addresses are to be refused.
    let refused: Vec<_> = applier.unaccepted_addresses().into_iter().collect();
    assert_eq!(refused, [std::net::IpAddr::from(VIP), VIP2.into()]);
    assert_ne!(applier.firewall_changes(), before);
    let held = applier.firewall_changes();
    routers.shutdown(due);
    run(&mut routers, &mut applier);
    assert!(applier.unaccepted_addresses().is_empty());
    assert_ne!(applier.firewall_changes(), held);
}

#[test]
fn v3_fsm_18_a_master_with_accept_mode_on_or_an_owner_refuses_nothing() {
    let accepting = Config::builder(1, vrid(51), MASTER.into())
        .priority(Priority::new(200))
        .address(VIP.into())
        .accept(true)
        .build()
        .unwrap();
    let owner = Config::builder(1, vrid(52), MASTER.into())
        .priority(Priority::OWNER)
        .owner(true)
        .address(MASTER.into())
        .build()
        .unwrap();
    for config in [accepting, owner] {
        let mut routers = Routers::new();
        routers.add(config).unwrap();
        let host = MemoryHost::default();
        let mut applier = host.applier();
        elect(&mut routers, &mut applier);
        assert!(applier.unaccepted_addresses().is_empty());
    }
}

/// The actions the routers have queued, then each applied after [`ActionApplier::add_ahead`], as
/// the event loop does in one pass.
fn run_ahead(routers: &mut Routers, applier: &mut MemoryApplier) -> Vec<Event> {
    let actions: Vec<_> = std::iter::from_fn(|| routers.poll_action()).collect();
    applier.add_ahead(&actions);
    let mut events = Vec::new();
    for (key, action) in actions {
        applier.apply(key, action, &mut |event| events.push(event));
    }
    events
}

/// The routers of `configs`, each placed on its own interface, started and run once ahead,
/// with the host's calls so far taken: the test sees what the next pass does.
fn started(configs: impl IntoIterator<Item = Config>) -> (Routers, MemoryApplier, MemoryHost) {
    let host = MemoryHost::default();
    let mut applier = host.applier();
    let mut routers = Routers::new();
    for config in configs {
        routers.add(config.clone()).unwrap();
        applier.place(Instance::new(config));
    }
    routers.start(Instant::now());
    run_ahead(&mut routers, &mut applier);
    host.take_calls();
    (routers, applier, host)
}

#[test]
fn a_pass_adds_every_routers_addresses_in_one_batch_before_its_adverts_and_announcements() {
    let (mut routers, mut applier, host) = started((1..=3u8).map(|n| {
        Config::builder(1, vrid(n), MASTER.into())
            .priority(Priority::new(200))
            .address(Ipv4Addr::new(198, 51, 100, n).into())
            .build()
            .unwrap()
    }));
    // The first add fails: its router alone hears of it, and the others' addresses are held.
    host.fail_next(Fault::Add, 1);
    let due = routers.poll_timeout().unwrap();
    routers.handle_timeout(due);
    let events = run_ahead(&mut routers, &mut applier);
    let log = log(&host);
    let first_other = log
        .iter()
        .position(|l| !l.starts_with("add") && !l.starts_with("AddBatch"));
    assert_eq!(
        log[..first_other.expect("adverts and announcements follow")],
        [
            "AddBatch { count: 3 }",
            "add if1 198.51.100.2/32",
            "add if1 198.51.100.3/32",
        ],
        "{log:#?}"
    );
    assert_eq!(log.iter().filter(|l| l.starts_with("send ")).count(), 3);
    assert_eq!(applier.added_addresses().count(), 2);
    let failed: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::BackendFailed {
                router,
                operation: Operation::AddAddress(address),
                ..
            } => Some((router.vrid, *address)),
            _ => None,
        })
        .collect();
    assert_eq!(failed, [(vrid(1), Ipv4Addr::new(198, 51, 100, 1).into())]);
    let masters = events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::StateChanged {
                    to: State::Master,
                    ..
                }
            )
        })
        .count();
    assert_eq!(masters, 3);
}

#[test]
fn after_a_removal_in_the_pass_adds_wait_for_their_turn() {
    let (mut routers, mut applier, host) = setup(Some(Instance::new(config())));
    elect(&mut routers, &mut applier);
    let key = routers.iter().next().unwrap().0;
    host.take_calls();
    // The same address again, and another one (a secondary of the same subnet, which Linux can
    // drop with the primary that the removal takes away).
    let actions = vec![
        (
            key,
            crate::Action::RemoveAddresses(crate::packet::AddressList::ipv4([VIP])),
        ),
        (
            key,
            crate::Action::AddAddresses {
                addresses: crate::packet::AddressList::ipv4([VIP, VIP2]),
                accept: true,
            },
        ),
    ];
    applier.add_ahead(&actions);
    assert!(host.calls().is_empty(), "nothing ahead of the removal");
    for (key, action) in actions {
        applier.apply(key, action, &mut |_| {});
    }
    assert_eq!(
        log(&host),
        [
            "remove if1 192.0.2.100/32",
            "add if1 192.0.2.100/32",
            "add if1 192.0.2.101/32"
        ]
    );
    assert!(applier.holds(1, VIP.into()) && applier.holds(1, VIP2.into()));
}

#[test]
fn a_router_on_a_virtual_mac_interface_adds_and_sends_there_and_is_standby_until_master() {
    let instance = Instance::new(config()).virtual_mac(true);
    let key = instance.key();
    let addressing = instance.addressing().clone();
    let (mut routers, mut applier, host) = setup(Some(instance));
    assert_eq!(applier.addressing(&key), Some(&addressing));
    assert!(!applier.advertises_router(&key));
    // Before the driver creates the virtual MAC interface, everything is on the router's own.
    assert_eq!(
        (
            applier.address_interface(&key),
            applier.send_interface(&key)
        ),
        (1, 1)
    );
    assert!(applier.standby_virtual_macs().is_empty());

    // The driver made interface 7 for the virtual MAC, and sends from 8.
    let before = applier.firewall_changes();
    applier.redirect(&key, 7, 8);
    applier.set_parent(&key, 1);
    assert_eq!(applier.firewall_changes(), before + 1);
    assert_eq!(
        (
            applier.address_interface(&key),
            applier.send_interface(&key),
            applier.parent_interface(&key)
        ),
        (7, 8, 1)
    );
    assert_eq!(applier.standby_virtual_macs(), [(key, 7)], "Initialize");
    let t0 = Instant::now();
    routers.start(t0);
    run(&mut routers, &mut applier);
    assert_eq!(applier.standby_virtual_macs(), [(key, 7)], "Backup");
    let due = routers.poll_timeout().unwrap();
    routers.handle_timeout(due);
    run(&mut routers, &mut applier);
    assert_eq!(
        applier.standby_virtual_macs(),
        [],
        "Master holds its addresses"
    );
    assert_eq!(
        log(&host)[..3],
        [
            "send if8 to 224.0.0.18",
            "add if7 192.0.2.100/32",
            "add if7 192.0.2.101/32"
        ]
    );

    // Its own interface is where the addresses are (no virtual MAC after all): never standby.
    applier.set_parent(&key, 7);
    routers.shutdown(due);
    run(&mut routers, &mut applier);
    assert_eq!(applier.standby_virtual_macs(), []);

    assert!(!applier.holds(7, VIP.into()), "released");

    // Forgotten, it falls back to the interface its key names.
    applier.unplace(&key);
    assert_eq!(applier.addressing(&key), None);
    assert_eq!(
        (
            applier.address_interface(&key),
            applier.send_interface(&key),
            applier.parent_interface(&key)
        ),
        (1, 1, 1)
    );
}

#[test]
fn an_owner_is_never_standby_and_a_router_advertiser_says_so() {
    let owner = Config::builder(1, vrid(52), VIP.into())
        .owner(true)
        .priority(Priority::OWNER)
        .address(VIP.into())
        .build()
        .unwrap();
    let instance = Instance::new(owner).virtual_mac(true);
    let key = instance.key();
    let host = MemoryHost::default();
    let mut applier = host.applier();
    applier.place(instance);
    applier.redirect(&key, 7, 7);
    assert_eq!(applier.standby_virtual_macs(), []);

    let advertiser = Config::builder(1, vrid(53), MASTER_LL.into())
        .address(VIP_LL.into())
        .router_advertisements(Some(crate::RouterAdvertisements::default()))
        .build()
        .unwrap();
    let instance = Instance::new(advertiser);
    let key = instance.key();
    applier.place(instance);
    assert!(applier.advertises_router(&key));
}

/// An applier whose router became Master on interface 1, holding VIP and VIP2.
fn holding() -> (Routers, MemoryApplier, MemoryHost) {
    let (mut routers, mut applier, host) = setup(None);
    elect(&mut routers, &mut applier);
    assert_eq!(host.addresses().len(), 2);
    (routers, applier, host)
}

#[test]
fn addresses_move_to_an_interface_created_again_with_the_current_lifetime() {
    let (_routers, mut applier, host) = holding();
    let six = Some(std::time::Duration::from_secs(6));
    applier.set_address_lifetime(six);
    let before = applier.firewall_changes();
    // Interface 1 is gone: the kernel took its addresses with it.
    for address in [VIP, VIP2] {
        assert!(host.remove_address(1, address.into()));
    }
    let mut events = Vec::new();
    applier.move_addresses(1, 9, &mut |e| events.push(e));
    assert_eq!(applier.firewall_changes(), before + 2, "one per address");
    let restored = events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::AddressRestored {
                    interface_index: 9,
                    ..
                }
            )
        })
        .count();
    assert_eq!(restored, 2);
    let held: Vec<_> = host.addresses();
    assert_eq!(held.len(), 2);
    assert!(
        held.iter()
            .all(|(interface, a)| *interface == 9 && a.lifetime == six)
    );
    assert!(applier.holds(9, VIP.into()) && !applier.holds(1, VIP.into()));
    // Nothing held on another interface moves.
    applier.move_addresses(1, 10, &mut |e| events.push(e));
    assert!(applier.holds(9, VIP.into()));
}

#[test]
fn release_all_removes_every_address_and_returns_the_first_failure() {
    let (_routers, mut applier, host) = holding();
    let before = applier.firewall_changes();
    host.fail_next(Fault::Remove, 1);
    assert!(applier.release_all().is_err());
    assert_eq!(applier.firewall_changes(), before + 1);
    assert_eq!(applier.added_addresses().count(), 0);
    assert_eq!(host.addresses().len(), 1, "the one whose removal failed");

    let (_routers, mut applier, host) = holding();
    assert!(applier.release_all().is_ok());
    assert!(host.addresses().is_empty());
}

#[test]
fn an_address_two_routers_add_in_one_pass_goes_ahead_once_and_each_outcome_finds_its_address() {
    let shared = Ipv4Addr::new(198, 51, 100, 1);
    let own = Ipv4Addr::new(198, 51, 100, 2);
    let (mut routers, mut applier, host) = started(
        [(1u8, vec![shared]), (2, vec![shared, own])].map(|(n, addresses)| {
            addresses
                .iter()
                .fold(Config::builder(1, vrid(n), MASTER.into()), |b, a| {
                    b.address((*a).into())
                })
                .priority(Priority::new(200))
                .build()
                .unwrap()
        }),
    );
    let due = routers.poll_timeout().unwrap();
    routers.handle_timeout(due);
    run_ahead(&mut routers, &mut applier);
    assert!(log(&host).contains(&"AddBatch { count: 2 }".to_string()));
    assert!(applier.holds(1, shared.into()));
    assert!(
        applier.holds(1, own.into()),
        "the second router's own address"
    );
    let before = applier.firewall_changes();
    routers.shutdown(due);
    run(&mut routers, &mut applier);
    assert!(
        applier.firewall_changes() > before,
        "removals change the firewall"
    );
    assert_eq!(applier.added_addresses().count(), 0);
}

#[test]
fn virtual_macs_per_device_go_to_each_other_interface_and_family_and_to_addresses_that_ask() {
    use crate::AddressFamily;
    use std::net::IpAddr;
    let ip = |text: &str| text.parse::<IpAddr>().expect("address");
    let config = crate::Config::builder(2, crate::Vrid::new(7).expect("vrid"), ip("192.0.2.1"))
        .address(ip("192.0.2.100"))
        .address(ip("192.0.2.101"))
        .address(ip("192.0.2.102"))
        .build()
        .expect("valid");
    let v6 = VirtualAddress::host(ip("2001:db8::1"));
    let base = Instance::new(config)
        .device(ip("192.0.2.101"), 3)
        .device(ip("192.0.2.102"), 3)
        .excluded(v6);
    assert!(base.device_virtual_macs().is_empty(), "none unless asked");
    let per_device = base.clone().virtual_mac_per_device(true);
    assert_eq!(
        per_device.device_virtual_macs(),
        [
            (
                (3, AddressFamily::Ipv4),
                vec![ip("192.0.2.101"), ip("192.0.2.102")]
            ),
            ((2, AddressFamily::Ipv6), vec![ip("2001:db8::1")]),
        ]
    );
    // One by one: an address of the router's own interface and family gets one too, unless the
    // router has its own virtual MAC interface, which holds it already.
    let one = base.clone().virtual_mac_for(ip("192.0.2.100"));
    assert_eq!(
        one.device_virtual_macs(),
        [((2, AddressFamily::Ipv4), vec![ip("192.0.2.100")])]
    );
    assert!(one.virtual_mac(true).device_virtual_macs().is_empty());
    let other = base.virtual_mac_for(ip("192.0.2.102"));
    assert_eq!(
        other.device_virtual_macs(),
        [((3, AddressFamily::Ipv4), vec![ip("192.0.2.102")])]
    );
}
