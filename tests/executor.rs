//! The executor against in-memory backends: what a driver does with each action, without a kernel.

mod common;

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};
use std::rc::Rc;
use std::time::Instant;

use common::{MASTER, VIP};
use vrrp::backend::{Added, AddressBackend, AdvertSender, Announce, BackendError, VirtualAddress};
use vrrp::{Config, Event, Executor, Operation, Placement, Priority, Routers, State, Transmit};

const VIP2: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 101);

/// Everything the fake backends saw, in order.
#[derive(Debug, Default)]
struct Host {
    log: Vec<String>,
    configured: BTreeSet<(u32, IpAddr, u8)>,
    fail_sends: bool,
}

type Shared = Rc<RefCell<Host>>;

struct FakeSender(Shared);
struct FakeAddresses(Shared);
struct FakeAnnouncer(Shared);

impl AdvertSender for FakeSender {
    fn send(&mut self, interface_index: u32, transmit: &Transmit) -> Result<(), BackendError> {
        let mut host = self.0.borrow_mut();
        if host.fail_sends {
            return Err("network unreachable".into());
        }
        host.log.push(format!(
            "send if{interface_index} to {}",
            transmit.destination
        ));
        Ok(())
    }
}

impl AddressBackend for FakeAddresses {
    fn add(&mut self, interface_index: u32, a: VirtualAddress) -> Result<Added, BackendError> {
        let mut host = self.0.borrow_mut();
        host.log.push(format!("add if{interface_index} {a}"));
        let present = host
            .configured
            .iter()
            .any(|&(i, address, _)| i == interface_index && address == a.address);
        if present {
            return Ok(Added::AlreadyPresent);
        }
        host.configured
            .insert((interface_index, a.address, a.prefix_len));
        Ok(Added::Added)
    }

    fn remove(&mut self, interface_index: u32, a: VirtualAddress) -> Result<(), BackendError> {
        let mut host = self.0.borrow_mut();
        host.log.push(format!("remove if{interface_index} {a}"));
        host.configured
            .remove(&(interface_index, a.address, a.prefix_len));
        Ok(())
    }
}

impl Announce for FakeAnnouncer {
    fn announce(
        &mut self,
        interface_index: u32,
        a: IpAddr,
        repeat: u8,
    ) -> Result<(), BackendError> {
        self.0
            .borrow_mut()
            .log
            .push(format!("announce if{interface_index} {a} x{repeat}"));
        Ok(())
    }
}

type FakeExecutor = Executor<FakeSender, FakeAddresses, FakeAnnouncer>;

fn setup(placement: Option<Placement>) -> (Routers, FakeExecutor, Shared) {
    let config = Config::builder(1, common::vrid(51), MASTER.into())
        .priority(Priority::new(200))
        .address(VIP.into())
        .address(VIP2.into())
        .build()
        .unwrap();
    let mut routers = Routers::new();
    let key = routers.add(config).unwrap();
    let host = Shared::default();
    let mut executor = Executor::new(
        FakeSender(host.clone()),
        FakeAddresses(host.clone()),
        FakeAnnouncer(host.clone()),
    );
    if let Some(placement) = placement {
        executor.place(key, placement);
    }
    (routers, executor, host)
}

fn run(routers: &mut Routers, executor: &mut FakeExecutor) -> Vec<Event> {
    let mut events = Vec::new();
    while let Some((key, action)) = routers.poll_action() {
        executor.execute(key, action, &mut |event| events.push(event));
    }
    events
}

/// Starts the router and lets it become Master, then shuts it down.
fn master_then_shutdown(routers: &mut Routers, executor: &mut FakeExecutor) -> Vec<Event> {
    let t0 = Instant::now();
    routers.start(t0);
    let mut events = run(routers, executor);
    let due = routers.poll_timeout().unwrap();
    routers.handle_timeout(due);
    events.extend(run(routers, executor));
    routers.shutdown(due);
    events.extend(run(routers, executor));
    events
}

#[test]
fn a_master_adds_then_announces_and_a_shutdown_removes_what_it_added() {
    let placement = Placement {
        addresses: vec![VirtualAddress {
            prefix_len: 24,
            ..VirtualAddress::host(VIP.into())
        }],
        ..Placement::on(1)
    };
    let (mut routers, mut executor, host) = setup(Some(placement));
    let events = master_then_shutdown(&mut routers, &mut executor);
    let host = host.borrow();
    assert_eq!(
        host.log,
        [
            "send if1 to 224.0.0.18",
            "add if1 192.0.2.100/24",
            "add if1 192.0.2.101/32",
            "announce if1 192.0.2.100 x5",
            "announce if1 192.0.2.101 x5",
            "send if1 to 224.0.0.18",
            "remove if1 192.0.2.100/24",
            "remove if1 192.0.2.101/32",
        ]
    );
    assert!(host.configured.is_empty());
    let states: Vec<State> = events
        .iter()
        .filter_map(|e| match e {
            Event::StateChanged { to, .. } => Some(*to),
            _ => None,
        })
        .collect();
    assert_eq!(states, [State::Backup, State::Master, State::Initialize]);
    assert_eq!(executor.added_addresses().count(), 0);
}

#[test]
fn excluded_addresses_are_added_announced_and_removed_with_the_virtual_ones() {
    let placement = Placement {
        excluded: vec![
            VirtualAddress::host("198.51.100.9".parse().unwrap()),
            VirtualAddress {
                prefix_len: 64,
                ..VirtualAddress::host("2001:db8::9".parse().unwrap())
            },
        ],
        ..Placement::on(1)
    };
    let (mut routers, mut executor, host) = setup(Some(placement));
    master_then_shutdown(&mut routers, &mut executor);
    let host = host.borrow();
    assert_eq!(
        host.log,
        [
            "send if1 to 224.0.0.18",
            "add if1 192.0.2.100/32",
            "add if1 192.0.2.101/32",
            "add if1 198.51.100.9/32",
            "add if1 2001:db8::9/64",
            "announce if1 192.0.2.100 x5",
            "announce if1 192.0.2.101 x5",
            "announce if1 198.51.100.9 x5",
            "announce if1 2001:db8::9 x5",
            "send if1 to 224.0.0.18",
            "remove if1 192.0.2.100/32",
            "remove if1 192.0.2.101/32",
            "remove if1 198.51.100.9/32",
            "remove if1 2001:db8::9/64",
        ]
    );
    assert!(host.configured.is_empty());
}

#[test]
fn an_address_that_was_already_configured_stays_when_the_router_releases_it() {
    let (mut routers, mut executor, host) = setup(None);
    host.borrow_mut().configured.insert((1, VIP.into(), 24));
    master_then_shutdown(&mut routers, &mut executor);
    let host = host.borrow();
    assert_eq!(
        host.configured.iter().copied().collect::<Vec<_>>(),
        [(1, IpAddr::from(VIP), 24)]
    );
    assert!(host.log.contains(&"remove if1 192.0.2.101/32".to_string()));
    assert!(
        !host
            .log
            .iter()
            .any(|l| l.starts_with("remove if1 192.0.2.100"))
    );
}

#[test]
fn a_virtual_mac_placement_sends_and_holds_the_addresses_on_its_own_interface() {
    let placement = Placement {
        address_interface: 9,
        send_interface: 9,
        ..Placement::on(1)
    };
    let (mut routers, mut executor, host) = setup(Some(placement));
    master_then_shutdown(&mut routers, &mut executor);
    let host = host.borrow();
    assert!(
        host.log.iter().all(|l| l.contains(" if9 ")),
        "{:?}",
        host.log
    );
}

#[test]
fn a_failing_backend_becomes_an_event_and_the_other_actions_still_run() {
    let (mut routers, mut executor, host) = setup(None);
    host.borrow_mut().fail_sends = true;
    let events = master_then_shutdown(&mut routers, &mut executor);
    let failures: Vec<Operation> = events
        .iter()
        .filter_map(|e| match e {
            Event::BackendFailed { operation, .. } => Some(*operation),
            _ => None,
        })
        .collect();
    assert_eq!(failures, [Operation::Send, Operation::Send]);
    let host = host.borrow();
    assert!(host.log.contains(&"add if1 192.0.2.100/32".to_string()));
    assert!(host.log.contains(&"remove if1 192.0.2.100/32".to_string()));
}
