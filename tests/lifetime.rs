//! Virtual addresses with a lifetime, without root: the event loop on an in-memory host installs
//! them with the lifetime it is given, renews them every third of it while it holds them, stops
//! when it releases them, and reports a renewal that fails. Time is simulated.

use crate::common;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::adverts::{VIP, VIP6};
use vrrp::host::memory::{
    Call, Fault, MemoryAddresses, MemoryAnnouncer, MemoryHost, MemorySender, MemorySetup,
};
use vrrp::host::{
    DriverError, Event, EventLoop, Instance, MAX_ADDRESS_LIFETIME, MIN_ADDRESS_LIFETIME, Operation,
    Reconfiguration, VirtualAddress,
};
use vrrp::{AddressFamily, Config, RouterKey, State};

const LAN: u32 = 2;
const LIFETIME: Duration = Duration::from_secs(3);
/// A lone router at 1 s, priority 100, is Master after Master_Down_Interval (3.609375 s).
const ELECTED: Duration = Duration::from_secs(4);

type Loop = EventLoop<MemorySender, MemoryAddresses, MemoryAnnouncer>;

/// One host running one router alone, with a simulated clock and every backend call it made,
/// each with when it was made.
struct Host {
    host: MemoryHost,
    event_loop: Loop,
    start: Instant,
    now: Instant,
    events: Vec<Event>,
    calls: Vec<(Duration, Call)>,
}

fn key() -> RouterKey {
    RouterKey {
        interface_index: LAN,
        family: AddressFamily::Ipv4,
        vrid: common::adverts::vrid(51),
    }
}

impl Host {
    /// A router for VRID 51 with VIP, and `excluded` as an excluded address, not started.
    fn new(lifetime: Option<Duration>, excluded: Option<IpAddr>) -> Self {
        let host = MemoryHost::default();
        host.set_link(LAN, true);
        let mut event_loop = EventLoop::new(host.applier(), Arc::new(|| {}));
        event_loop.set_address_lifetime(lifetime).expect("valid");
        let config = Config::builder(LAN, common::adverts::vrid(51), [192, 0, 2, 1].into())
            .address(VIP.into())
            .build()
            .expect("valid configuration");
        let mut instance = Instance::new(config);
        if let Some(address) = excluded {
            instance = instance.excluded(VirtualAddress::host(address));
        }
        let now = Instant::now();
        let change = Reconfiguration {
            add: vec![instance],
            ..Reconfiguration::default()
        };
        event_loop
            .reconfigure(now, &change, &mut MemorySetup::new(&host), &mut |_| {})
            .expect("accepted");
        event_loop.start(now, &mut |_| {});
        Self {
            host,
            event_loop,
            start: now,
            now,
            events: Vec::new(),
            calls: Vec::new(),
        }
    }

    /// Elected Master, with the calls and events of the election forgotten.
    fn master(lifetime: Option<Duration>) -> Self {
        let mut host = Self::new(lifetime, None);
        host.run_for(ELECTED);
        assert_eq!(host.state(), Some(State::Master));
        host.calls.clear();
        host.events.clear();
        host
    }

    fn state(&self) -> Option<State> {
        self.event_loop.routers().get(&key()).map(|r| r.state())
    }

    /// Runs the loop as a driver would until `duration` has passed: the changes it reads, and
    /// each deadline it sleeps until.
    fn run_for(&mut self, duration: Duration) {
        let end = self.now + duration;
        loop {
            self.read_changes();
            match self.event_loop.poll_timeout() {
                Some(at) if at <= end => {
                    self.now = self.now.max(at);
                    let events = &mut self.events;
                    self.event_loop
                        .handle_timeout(self.now, &mut |e| events.push(e));
                    self.record();
                }
                _ => break,
            }
        }
        self.now = end;
    }

    fn read_changes(&mut self) {
        let changes = self.host.read_changes().expect("no overrun");
        for change in changes {
            let events = &mut self.events;
            self.event_loop
                .handle_change(self.now, change, &mut |e| events.push(e));
        }
        self.record();
    }

    fn record(&mut self) {
        let at = self.now - self.start;
        self.calls
            .extend(self.host.take_calls().into_iter().map(|call| (at, call)));
    }

    /// When each renewal call was made, and with what.
    fn renewals(&self) -> Vec<(Duration, VirtualAddress)> {
        self.calls
            .iter()
            .filter_map(|(at, call)| match call {
                Call::Renew { address, .. } => Some((*at, *address)),
                _ => None,
            })
            .collect()
    }

    fn adds(&self) -> Vec<VirtualAddress> {
        self.calls
            .iter()
            .filter_map(|(_, call)| match call {
                Call::Add { address, .. } => Some(*address),
                _ => None,
            })
            .collect()
    }
}

#[test]
fn a_lifetime_outside_3_s_to_2_to_the_32_s_is_refused_and_none_is_the_default() {
    let host = MemoryHost::default();
    let mut event_loop: Loop = EventLoop::new(host.applier(), Arc::new(|| {}));
    assert_eq!(event_loop.address_lifetime(), None);
    let short = Duration::from_millis(2999);
    assert!(matches!(
        event_loop.set_address_lifetime(Some(short)),
        Err(DriverError::AddressLifetime(d)) if d == short
    ));
    // Linux's longest finite lifetime is 2^32 - 2 s (2^32 - 1 means for ever).
    assert_eq!(MAX_ADDRESS_LIFETIME, Duration::from_secs(4_294_967_294));
    assert_eq!(MIN_ADDRESS_LIFETIME, Duration::from_secs(3));
    let long = MAX_ADDRESS_LIFETIME + Duration::from_secs(1);
    assert!(event_loop.set_address_lifetime(Some(long)).is_err());
    let message = event_loop
        .set_address_lifetime(Some(Duration::ZERO))
        .expect_err("refused")
        .to_string();
    assert!(message.contains("3 s or more"), "{message}");
    assert_eq!(
        event_loop.address_lifetime(),
        None,
        "a refusal changes nothing"
    );
    for lifetime in [MIN_ADDRESS_LIFETIME, MAX_ADDRESS_LIFETIME] {
        event_loop
            .set_address_lifetime(Some(lifetime))
            .expect("in range");
        assert_eq!(event_loop.address_lifetime(), Some(lifetime));
    }
    event_loop.set_address_lifetime(None).expect("for ever");
    assert_eq!(event_loop.address_lifetime(), None);
}

#[test]
fn the_master_adds_its_addresses_with_the_lifetime_and_renews_them_every_third_of_it() {
    let mut host = Host::new(Some(LIFETIME), Some(VIP6.into()));
    host.run_for(ELECTED);
    assert_eq!(host.state(), Some(State::Master));
    let adds = host.adds();
    assert_eq!(adds.len(), 2, "the VIP and the excluded address");
    assert!(
        adds.iter().all(|a| a.lifetime == Some(LIFETIME)),
        "{adds:?}"
    );
    let added_at = host
        .calls
        .iter()
        .find(|(_, call)| matches!(call, Call::Add { .. }))
        .map(|(at, _)| *at)
        .expect("added");
    assert!(host.renewals().is_empty(), "nothing to renew yet");

    host.run_for(Duration::from_secs(10));
    let renewals = host.renewals();
    // Every second from the takeover on, both addresses each time, with the whole lifetime.
    let times: Vec<Duration> = renewals.iter().step_by(2).map(|(at, _)| *at).collect();
    let expected: Vec<Duration> = (1..=10u32)
        .map(|k| added_at + LIFETIME / 3 * k)
        .take_while(|&at| at <= ELECTED + Duration::from_secs(10))
        .collect();
    assert_eq!(times, expected);
    assert_eq!(renewals.len(), 2 * expected.len());
    assert!(
        renewals.iter().all(|(_, a)| a.lifetime == Some(LIFETIME)),
        "{renewals:?}"
    );
    let renewed: Vec<IpAddr> = renewals[..2].iter().map(|(_, a)| a.address).collect();
    assert!(renewed.contains(&VIP.into()) && renewed.contains(&VIP6.into()));
    assert!(
        !host
            .events
            .iter()
            .any(|e| matches!(e, Event::BackendFailed { .. })),
        "{:?}",
        host.events
    );
    assert!(
        host.host
            .addresses()
            .iter()
            .all(|(_, a)| a.lifetime == Some(LIFETIME))
    );
}

#[test]
fn renewals_stop_when_the_master_releases_its_addresses() {
    let mut host = Host::master(Some(LIFETIME));
    host.run_for(Duration::from_secs(3));
    assert_eq!(host.renewals().len(), 3);

    // The link goes down: Fault, the VIP is released, and nothing is renewed any more.
    host.calls.clear();
    let events = &mut host.events;
    host.event_loop
        .handle_link(host.now, LAN, false, &mut |e| events.push(e));
    host.record();
    assert_eq!(host.state(), Some(State::Fault));
    assert!(!host.host.has_address(LAN, VIP.into()));
    assert_eq!(host.event_loop.poll_timeout(), None, "no renewal planned");
    host.run_for(Duration::from_secs(10));
    assert!(host.renewals().is_empty(), "{:?}", host.calls);

    // Back up and Master again: renewals start again, a third of the lifetime after the add.
    let events = &mut host.events;
    host.event_loop
        .handle_link(host.now, LAN, true, &mut |e| events.push(e));
    host.run_for(ELECTED + Duration::from_secs(2));
    assert_eq!(host.state(), Some(State::Master));
    assert_eq!(host.renewals().len(), 2);
}

#[test]
fn a_shut_down_master_renews_nothing_more() {
    let mut host = Host::master(Some(LIFETIME));
    let events = &mut host.events;
    host.event_loop.shutdown(host.now, &mut |e| events.push(e));
    host.record();
    assert!(!host.host.has_address(LAN, VIP.into()));
    assert_eq!(host.event_loop.poll_timeout(), None);
}

#[test]
fn a_failing_renewal_is_reported_and_the_next_one_is_tried_on_time() {
    let mut host = Host::master(Some(LIFETIME));
    host.host.fail_next(Fault::Renew, 1);
    host.run_for(Duration::from_secs(2));
    let failures: Vec<(RouterKey, Operation)> = host
        .events
        .iter()
        .filter_map(|e| match e {
            Event::BackendFailed {
                router, operation, ..
            } => Some((*router, *operation)),
            _ => None,
        })
        .collect();
    assert_eq!(failures, [(key(), Operation::RenewAddress(VIP.into()))]);
    assert_eq!(
        Operation::RenewAddress(VIP.into()).to_string(),
        "renewing 192.0.2.100"
    );
    // The first renewal failed (no call recorded), the second one a period later succeeded.
    assert_eq!(host.renewals().len(), 1);
    assert_eq!(host.state(), Some(State::Master));
}

#[test]
fn without_a_lifetime_addresses_are_added_for_ever_and_never_renewed() {
    let mut host = Host::master(None);
    let added = host.host.addresses();
    assert!(added.iter().all(|(_, a)| a.lifetime.is_none()), "{added:?}");
    host.run_for(Duration::from_secs(30));
    assert!(host.renewals().is_empty());
}

#[test]
fn a_restored_address_gets_the_lifetime_again() {
    let mut host = Host::master(Some(LIFETIME));
    assert!(host.host.remove_address(LAN, VIP.into()));
    host.read_changes();
    assert!(
        host.events
            .iter()
            .any(|e| matches!(e, Event::AddressRestored { .. }))
    );
    assert_eq!(host.adds().len(), 1);
    assert_eq!(host.adds()[0].lifetime, Some(LIFETIME));

    // Restored after the setting changed, and before a renewal applied it: the setting's.
    let mut host = Host::master(None);
    let six = Some(Duration::from_secs(6));
    host.event_loop.set_address_lifetime(six).expect("valid");
    assert!(host.host.remove_address(LAN, VIP.into()));
    host.read_changes();
    assert_eq!(host.adds().len(), 1);
    assert_eq!(host.adds()[0].lifetime, six);
}

#[test]
fn a_lifetime_set_while_holding_addresses_reaches_them_at_the_next_renewal() {
    // From none to 6 s: the held VIP is renewed with it 2 s after the next call.
    let mut host = Host::master(None);
    let six = Some(Duration::from_secs(6));
    host.event_loop.set_address_lifetime(six).expect("valid");
    host.run_for(Duration::from_secs(5));
    let renewals = host.renewals();
    assert!(!renewals.is_empty());
    assert!(renewals.iter().all(|(_, a)| a.lifetime == six));
    assert!(
        renewals[0].0 <= ELECTED + Duration::from_secs(3),
        "{renewals:?}"
    );

    // From 6 s to none: one more renewal makes it permanent, then none.
    host.event_loop.set_address_lifetime(None).expect("valid");
    host.calls.clear();
    host.run_for(Duration::from_secs(20));
    let renewals = host.renewals();
    assert_eq!(renewals.len(), 1, "{renewals:?}");
    assert_eq!(renewals[0].1.lifetime, None);
    assert!(
        host.host
            .addresses()
            .iter()
            .all(|(_, a)| a.lifetime.is_none())
    );
}
