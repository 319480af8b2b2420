//! The driver's decisions, without root: the event loop on in-memory hosts whose backends fail on
//! demand, whose addresses disappear and whose change streams overrun. Two hosts share a LAN:
//! what one sends, the other receives. Time is simulated.

use crate::common;

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::adverts::VIP;
use vrrp::host::memory::{
    Call, Fault, MemoryAddresses, MemoryAnnouncer, MemoryHost, MemorySender, MemorySetup,
};
use vrrp::host::{
    CommandError, DriverError, Event, EventLoop, HostEntry, Instance, NextHop, Operation,
    Reconfiguration, ReconfigureError, RuleAction, Statics, VirtualRoute, VirtualRule,
};
use vrrp::packet::RxMeta;
use vrrp::{AddressFamily, Config, Priority, RouterKey, State, Vrid};

const LAN: u32 = 2;
const VIP2: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 101);

type Loop = EventLoop<MemorySender, MemoryAddresses, MemoryAnnouncer>;

/// One host: its kernel, its event loop, and what the loop reported.
struct Node {
    host: MemoryHost,
    event_loop: Loop,
    setup: MemorySetup,
    events: Vec<Event>,
    /// The announcement frames sent so far (the LAN takes the backend's calls as it delivers).
    announced: usize,
    /// Stopped (SIGSTOP, a hung thread): it reads nothing and its timers do not run; what is sent
    /// to it meanwhile is lost.
    stalled: bool,
}

fn config(primary: [u8; 4], priority: u8, vrid: u8, vip: Ipv4Addr) -> Config {
    Config::builder(LAN, common::adverts::vrid(vrid), primary.into())
        .priority(Priority::new(priority))
        .address(vip.into())
        .advert_interval(Duration::from_millis(100))
        .build()
        .expect("valid configuration")
}

fn key(vrid: u8) -> RouterKey {
    RouterKey {
        interface_index: LAN,
        family: AddressFamily::Ipv4,
        vrid: Vrid::new(vrid).expect("non-zero"),
    }
}

impl Node {
    fn new(configs: Vec<Config>, now: Instant) -> Self {
        let instances = configs.into_iter().map(Instance::new).collect();
        Self::with(instances, None, now)
    }

    /// A host running `instances`, holding `statics`.
    fn with(instances: Vec<Instance>, statics: Option<Statics>, now: Instant) -> Self {
        let host = MemoryHost::default();
        host.set_link(LAN, true);
        for instance in &instances {
            let config = instance.config();
            if config.interface_index() != LAN {
                host.set_link(config.interface_index(), true);
            }
            // The primary address, unless the test has it come later.
            if !instance.addressing().waits_for_primary_address() {
                let primary = vrrp::host::VirtualAddress::host(config.primary_address());
                host.add_address(config.interface_index(), primary);
            }
        }
        let mut node = Self {
            event_loop: EventLoop::new(host.applier(), Arc::new(|| {})),
            setup: MemorySetup::new(&host),
            host,
            events: Vec::new(),
            announced: 0,
            stalled: false,
        };
        let change = Reconfiguration {
            add: instances,
            statics,
            ..Reconfiguration::default()
        };
        node.reconfigure(now, &change).expect("accepted");
        node.event_loop.start(now, &mut |e| node.events.push(e));
        node
    }

    /// Reads the host's change stream as a driver does: each change, or a full re-read after an
    /// overrun.
    fn read_changes(&mut self, now: Instant) {
        let events = &mut self.events;
        match self.host.read_changes() {
            Ok(changes) => {
                for change in changes {
                    self.event_loop
                        .handle_change(now, change, &mut |e| events.push(e));
                }
            }
            Err(_) => {
                let snapshot = self.host.snapshot();
                self.event_loop
                    .resynchronize(now, &snapshot, &mut |e| events.push(e));
            }
        }
    }

    /// Applies `change` as a reload does, collecting the events.
    fn reconfigure(
        &mut self,
        now: Instant,
        change: &Reconfiguration,
    ) -> Result<Vec<RouterKey>, ReconfigureError> {
        let events = &mut self.events;
        self.event_loop
            .reconfigure(now, change, &mut self.setup, &mut |e| events.push(e))
    }

    fn commands(&mut self, now: Instant) -> bool {
        let events = &mut self.events;
        self.event_loop
            .handle_commands(now, &mut self.setup, &mut |e| events.push(e))
    }

    fn state(&self, vrid: u8) -> Option<State> {
        self.event_loop.routers().get(&key(vrid)).map(|r| r.state())
    }

    fn has_vip(&self) -> bool {
        self.host.has_address(LAN, VIP.into())
    }

    fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }
}

/// One host running VRID 51 (for VIP) and 52 (for VIP2), both priority 200, started at `now`.
fn two_routers(now: Instant) -> Node {
    Node::new(
        vec![
            config([192, 0, 2, 1], 200, 51, VIP),
            config([192, 0, 2, 1], 200, 52, VIP2),
        ],
        now,
    )
}

/// Hosts on one LAN with a simulated clock.
struct Lan {
    now: Instant,
    nodes: Vec<Node>,
}

impl Lan {
    fn new(configs: Vec<Vec<Config>>) -> Self {
        let now = Instant::now();
        let nodes = configs.into_iter().map(|c| Node::new(c, now)).collect();
        Self { now, nodes }
    }

    /// Runs every host until `duration` has passed: deadlines, deliveries of what each sent,
    /// changes of each host.
    fn run_for(&mut self, duration: Duration) {
        let end = self.now + duration;
        loop {
            self.deliver();
            for node in self.nodes.iter_mut().filter(|n| !n.stalled) {
                node.read_changes(self.now);
            }
            let next = (self.nodes.iter())
                .filter(|n| !n.stalled)
                .filter_map(|n| n.event_loop.poll_timeout())
                .min();
            match next {
                Some(at) if at <= end => {
                    self.now = self.now.max(at);
                    for node in self.nodes.iter_mut().filter(|n| !n.stalled) {
                        let events = &mut node.events;
                        node.event_loop
                            .handle_timeout(self.now, &mut |e| events.push(e));
                    }
                }
                _ => break,
            }
        }
        self.now = end;
    }

    /// Hands each advertisement a host sent to every other host.
    fn deliver(&mut self) {
        let mut sent = Vec::new();
        for (from, node) in self.nodes.iter_mut().enumerate() {
            for call in node.host.take_calls() {
                match call {
                    Call::Send { transmit, .. } => sent.push((from, transmit)),
                    Call::Announce { repeat, .. } => node.announced += usize::from(repeat),
                    _ => {}
                }
            }
        }
        for (from, transmit) in sent {
            let (IpAddr::V4(source), IpAddr::V4(destination)) =
                (transmit.source, transmit.destination)
            else {
                continue;
            };
            let rx = RxMeta::ipv4(source, destination, 255, LAN);
            for (to, node) in self.nodes.iter_mut().enumerate() {
                if to != from && !node.stalled {
                    let events = &mut node.events;
                    let _ =
                        node.event_loop
                            .handle_packet(self.now, &rx, &transmit.payload, &mut |e| {
                                events.push(e)
                            });
                }
            }
        }
    }
}

/// A Master (200) and a Backup (100) for VRID 51, elected.
fn elected_pair() -> Lan {
    let mut lan = Lan::new(vec![
        vec![config([192, 0, 2, 1], 200, 51, VIP)],
        vec![config([192, 0, 2, 2], 100, 51, VIP)],
    ]);
    lan.run_for(Duration::from_secs(2));
    assert_eq!(lan.nodes[0].state(51), Some(State::Master));
    assert_eq!(lan.nodes[1].state(51), Some(State::Backup));
    assert!(lan.nodes[0].has_vip() && !lan.nodes[1].has_vip());
    // RFC 6527's vrrpv3NewMaster, from the new Master only.
    let new_master = |node: &mut Node| {
        node.take_events()
            .into_iter()
            .filter_map(|e| match e {
                Event::NewMaster {
                    router,
                    master_address,
                    ..
                } => Some((router, master_address)),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        new_master(&mut lan.nodes[0]),
        [(key(51), IpAddr::from([192, 0, 2, 1]))]
    );
    assert_eq!(new_master(&mut lan.nodes[1]), []);
    lan
}

#[test]
fn a_vip_removed_by_someone_else_is_added_again_and_reported() {
    let mut lan = elected_pair();
    assert!(lan.nodes[0].host.remove_address(LAN, VIP.into()));
    lan.run_for(Duration::from_millis(10));
    assert!(lan.nodes[0].has_vip());
    let events = lan.nodes[0].take_events();
    assert!(
        events.iter().any(|e| matches!(e,
            Event::AddressRestored { router, interface_index: LAN, address }
                if *router == key(51) && *address == IpAddr::from(VIP))),
        "{events:?}"
    );
    assert_eq!(lan.nodes[0].state(51), Some(State::Master));
}

#[test]
fn an_address_the_router_released_itself_is_not_added_again() {
    let mut lan = elected_pair();
    let now = lan.now;
    let node = &mut lan.nodes[0];
    let events = &mut node.events;
    node.event_loop.shutdown(now, &mut |e| events.push(e));
    // The kernel reports the driver's own removal; the loop no longer holds the address.
    node.read_changes(now);
    assert!(!node.has_vip());
    assert!(
        !node
            .events
            .iter()
            .any(|e| matches!(e, Event::AddressRestored { .. }))
    );
}

#[test]
fn a_vip_that_cannot_be_added_again_is_a_backend_failure_of_its_router() {
    let mut lan = elected_pair();
    lan.nodes[0].host.fail_next(Fault::Add, 1);
    lan.nodes[0].host.remove_address(LAN, VIP.into());
    lan.run_for(Duration::from_millis(10));
    let events = lan.nodes[0].take_events();
    assert!(
        events.iter().any(|e| matches!(e,
            Event::BackendFailed { router, operation: Operation::AddAddress(a), .. }
                if *router == key(51) && *a == IpAddr::from(VIP))),
        "{events:?}"
    );
}

#[test]
fn a_master_whose_vip_cannot_be_added_again_steps_down_and_tries_again_after_a_backoff() {
    let mut lan = elected_pair();
    // Every add fails from now on, until the fault is cleared.
    lan.nodes[0].host.fail_next(Fault::Add, u32::MAX);
    lan.nodes[0].host.remove_address(LAN, VIP.into());
    lan.run_for(Duration::from_millis(10));
    assert_eq!(lan.nodes[0].state(51), Some(State::Backup));
    // Priority 0 rather than adverts for an address it cannot serve: the Backup takes over after
    // its Skew_Time (61 ms).
    lan.run_for(Duration::from_millis(100));
    assert_eq!(lan.nodes[1].state(51), Some(State::Master));
    let events = lan.nodes[0].take_events();
    assert!(
        events.iter().any(|e| matches!(e,
            Event::StateChanged { router, to: State::Backup, reason: vrrp::Reason::SteppedDown, .. }
                if *router == key(51))),
        "{events:?}"
    );
    // It does not preempt while its backoff (10 s) runs, although its priority is higher.
    lan.run_for(Duration::from_secs(9));
    assert_eq!(lan.nodes[1].state(51), Some(State::Master));
    // Then it preempts, fails to add the address again, and steps down again at once.
    lan.run_for(Duration::from_secs(2));
    assert_eq!(lan.nodes[0].state(51), Some(State::Backup));
    assert_eq!(lan.nodes[1].state(51), Some(State::Master));
    assert!(lan.nodes[1].has_vip() && !lan.nodes[0].has_vip());
    // The fault gone, the next attempt (20 s after the second failure, about 10.1 s in: the
    // backoff doubled) succeeds and it preempts for good.
    lan.nodes[0].host.fail_next(Fault::Add, 0);
    lan.run_for(Duration::from_secs(18));
    assert_eq!(lan.nodes[0].state(51), Some(State::Backup), "29.1 s in");
    lan.run_for(Duration::from_secs(3));
    assert_eq!(lan.nodes[0].state(51), Some(State::Master));
    assert!(lan.nodes[0].has_vip() && !lan.nodes[1].has_vip());
}

#[test]
fn set_healthy_steps_the_master_down_and_an_unknown_router_is_refused() {
    let mut lan = elected_pair();
    let handle = lan.nodes[0].event_loop.handle();
    assert_eq!(
        handle.set_healthy(key(52), false),
        Err(CommandError::UnknownRouter(key(52)))
    );
    handle.set_healthy(key(51), false).expect("runs");
    let now = lan.now;
    lan.nodes[0].commands(now);
    assert_eq!(lan.nodes[0].state(51), Some(State::Backup));
    assert!(!lan.nodes[0].has_vip());
    lan.run_for(Duration::from_secs(5));
    assert_eq!(lan.nodes[1].state(51), Some(State::Master));
    assert_eq!(
        lan.nodes[0].state(51),
        Some(State::Backup),
        "no preemption while unhealthy"
    );
    handle.set_healthy(key(51), true).expect("runs");
    let now = lan.now;
    lan.nodes[0].commands(now);
    lan.run_for(Duration::from_secs(1));
    assert_eq!(lan.nodes[0].state(51), Some(State::Master));
}

#[test]
fn a_hand_over_keeps_the_vip_until_the_backup_is_heard_then_the_loop_is_done() {
    let mut lan = elected_pair();
    let handle = lan.nodes[0].event_loop.handle();
    handle.hand_over().expect("running");
    let now = lan.now;
    assert!(!lan.nodes[0].commands(now), "not a shutdown");
    assert!(!lan.nodes[0].event_loop.has_handed_over());
    assert!(lan.nodes[0].has_vip(), "kept until the new Master is heard");
    lan.run_for(Duration::from_secs(1));
    assert!(lan.nodes[0].event_loop.has_handed_over());
    assert_eq!(lan.nodes[0].state(51), Some(State::Initialize));
    assert!(!lan.nodes[0].has_vip());
    assert!(lan.nodes[1].has_vip());
}

#[test]
fn an_overrun_change_stream_is_read_again_in_full() {
    let mut lan = elected_pair();
    let host = lan.nodes[0].host.clone();
    host.set_change_capacity(4);
    // More changes than the stream holds, the VIP's removal among them: the removal is lost.
    host.remove_address(LAN, VIP.into());
    for i in 0..10 {
        let other = Ipv4Addr::new(198, 18, 0, i);
        host.add_address(7, vrrp::host::VirtualAddress::host(other.into()));
    }
    lan.run_for(Duration::from_millis(10));
    let events = lan.nodes[0].take_events();
    assert!(
        events.iter().any(|e| matches!(e, Event::Resynchronized)),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::AddressRestored { .. }))
    );
    assert!(lan.nodes[0].has_vip());
    assert_eq!(lan.nodes[0].state(51), Some(State::Master));
}

#[test]
fn an_overrun_that_hid_a_link_going_down_puts_the_router_in_fault() {
    let mut lan = elected_pair();
    let host = lan.nodes[0].host.clone();
    host.set_change_capacity(1);
    host.set_link(LAN, false);
    host.set_link(LAN, false);
    lan.run_for(Duration::from_millis(10));
    assert_eq!(lan.nodes[0].state(51), Some(State::Fault));
    assert!(!lan.nodes[0].has_vip());
    // The Backup hears priority 0 and takes over after Skew_Time.
    lan.run_for(Duration::from_millis(500));
    assert_eq!(lan.nodes[1].state(51), Some(State::Master));
    host.set_change_capacity(1024);
    host.set_link(LAN, true);
    lan.run_for(Duration::from_secs(1));
    // Preemption: the higher priority takes the address back.
    assert_eq!(lan.nodes[0].state(51), Some(State::Master));
}

#[test]
fn a_link_down_change_moves_the_master_role_to_the_backup() {
    let mut lan = elected_pair();
    lan.nodes[0].host.set_link(LAN, false);
    lan.run_for(Duration::from_secs(1));
    assert_eq!(lan.nodes[0].state(51), Some(State::Fault));
    assert_eq!(lan.nodes[1].state(51), Some(State::Master));
    assert!(lan.nodes[1].has_vip() && !lan.nodes[0].has_vip());
}

#[test]
fn failing_sends_are_reported_and_the_backup_takes_over() {
    let mut lan = elected_pair();
    lan.nodes[0].host.fail_next(Fault::Send, u32::MAX);
    lan.run_for(Duration::from_secs(1));
    let events = lan.nodes[0].take_events();
    assert!(events.iter().any(|e| matches!(
        e,
        Event::BackendFailed {
            operation: Operation::Send,
            ..
        }
    )));
    // Silence from the Master: the Backup takes over after Master_Down_Interval.
    assert_eq!(lan.nodes[1].state(51), Some(State::Master));
}

#[test]
fn a_failing_announcement_does_not_stop_the_takeover() {
    let mut lan = elected_pair();
    lan.nodes[1].host.fail_next(Fault::Announce, u32::MAX);
    let now = lan.now;
    let node = &mut lan.nodes[0];
    let events = &mut node.events;
    node.event_loop.shutdown(now, &mut |e| events.push(e));
    lan.run_for(Duration::from_secs(1));
    assert_eq!(lan.nodes[1].state(51), Some(State::Master));
    assert!(lan.nodes[1].has_vip());
    let events = lan.nodes[1].take_events();
    assert!(events.iter().any(|e| matches!(
        e,
        Event::BackendFailed {
            operation: Operation::Announce(_),
            ..
        }
    )));
}

#[test]
fn a_command_for_an_unknown_router_is_refused_before_it_is_sent() {
    let lan = elected_pair();
    let handle = lan.nodes[0].event_loop.handle();
    assert_eq!(
        handle.set_priority(key(52), Priority::new(50)),
        Err(CommandError::UnknownRouter(key(52)))
    );
    assert_eq!(handle.set_priority(key(51), Priority::new(50)), Ok(()));
}

#[test]
fn priority_changes_are_events_with_the_effective_priority() {
    let mut lan = elected_pair();
    let now = lan.now;
    let handle = lan.nodes[0].event_loop.handle();
    // 200 + 100 is clamped to 254; the event says what is advertised.
    handle
        .set_tracking_weight(key(51), 100)
        .expect("known router");
    handle
        .set_tracking_weight(key(51), 100)
        .expect("known router");
    handle
        .set_priority(key(51), Priority::new(90))
        .expect("known router");
    lan.nodes[0].commands(now);
    let changes: Vec<(Priority, Priority)> = lan.nodes[0]
        .take_events()
        .into_iter()
        .filter_map(|e| match e {
            Event::PriorityChanged { router, from, to } if router == key(51) => Some((from, to)),
            _ => None,
        })
        .collect();
    assert_eq!(
        changes,
        [
            (Priority::new(200), Priority::new(254)),
            (Priority::new(254), Priority::new(90)),
        ]
    );
    // The lower priority makes the peer preempt.
    lan.run_for(Duration::from_secs(1));
    assert_eq!(lan.nodes[1].state(51), Some(State::Master));
}

#[test]
fn reconfiguring_from_the_event_callback_is_refused_instead_of_waiting_for_ever() {
    let mut lan = elected_pair();
    let now = lan.now;
    let handle = lan.nodes[0].event_loop.handle();
    let node = &mut lan.nodes[0];
    let mut answers = Vec::new();
    node.event_loop.handle_link(now, LAN, false, &mut |_| {
        answers.push(handle.reconfigure(Reconfiguration::default()));
    });
    assert!(!answers.is_empty());
    assert!(
        answers
            .iter()
            .all(|a| matches!(a, Err(ReconfigureError::OnDriverThread)))
    );
}

#[test]
fn a_refused_reconfiguration_changes_nothing() {
    let mut lan = elected_pair();
    let now = lan.now;
    let node = &mut lan.nodes[0];
    node.host.take_calls();
    // VRID 52 on an interface that does not exist, and removing the running VRID 51.
    let change = Reconfiguration {
        remove: vec![key(51)],
        add: vec![Instance::new(
            Config::builder(9, common::adverts::vrid(52), [192, 0, 2, 1].into())
                .address(VIP2.into())
                .build()
                .expect("valid"),
        )],
        ..Reconfiguration::default()
    };
    let result = node.reconfigure(now, &change);
    assert!(matches!(
        result,
        Err(ReconfigureError::Refused(DriverError::UnknownInterface(9)))
    ));
    assert_eq!(node.state(51), Some(State::Master));
    assert!(node.has_vip());
    assert!(node.host.take_calls().is_empty());
    // Two routers with one address on one interface: refused, typed.
    let shared = Reconfiguration {
        add: vec![Instance::new(config([192, 0, 2, 1], 100, 52, VIP))],
        ..Reconfiguration::default()
    };
    let result = node
        .event_loop
        .reconfigure(now, &shared, &mut node.setup, &mut |_| {});
    assert!(
        matches!(result, Err(ReconfigureError::Refused(DriverError::SharedAddress { address, .. })) if address == IpAddr::from(VIP)),
        "{result:?}"
    );
    assert_eq!(node.event_loop.routers().len(), 1);
}

#[test]
fn a_reconfiguration_removes_a_master_cleanly_and_starts_the_added_router() {
    let mut lan = elected_pair();
    let now = lan.now;
    let handle = lan.nodes[0].event_loop.handle();
    let change = Reconfiguration {
        remove: vec![key(51)],
        add: vec![Instance::new(config([192, 0, 2, 1], 150, 52, VIP2))],
        ..Reconfiguration::default()
    };
    let reply = std::thread::spawn(move || handle.reconfigure(change));
    // The driver serves the command when the handle's wake-up arrives; here, once it is queued.
    while !reply.is_finished() {
        lan.nodes[0].commands(now);
        std::thread::yield_now();
    }
    let added = reply.join().expect("no panic").expect("accepted");
    assert_eq!(added, [key(52)]);
    assert!(!lan.nodes[0].has_vip());
    assert_eq!(lan.nodes[0].state(51), None);
    assert!(lan.nodes[0].event_loop.handle().runs(&key(52)));
    assert!(!lan.nodes[0].event_loop.handle().runs(&key(51)));
    // The removed Master's priority 0 lets the Backup take over after Skew_Time; the new router
    // is alone on VRID 52 and becomes Master.
    lan.run_for(Duration::from_secs(1));
    assert_eq!(lan.nodes[1].state(51), Some(State::Master));
    assert_eq!(lan.nodes[0].state(52), Some(State::Master));
    assert!(lan.nodes[0].host.has_address(LAN, VIP2.into()));
}

#[test]
fn a_command_for_a_router_removed_after_it_was_sent_is_reported_not_applied() {
    let mut lan = elected_pair();
    let now = lan.now;
    let handle = lan.nodes[0].event_loop.handle();
    // Sent without the handle's check, as a command queued before a reconfiguration is.
    handle
        .send(vrrp::host::Command::SetPriority(key(52), Priority::new(50)))
        .expect("running");
    lan.nodes[0].commands(now);
    let events = lan.nodes[0].take_events();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::UnknownRouter(router) if *router == key(52))),
        "{events:?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::PriorityChanged { .. }))
    );
}

#[test]
fn an_advert_from_our_own_primary_address_is_a_conflict_reported_at_most_once_a_minute() {
    let mut lan = elected_pair();
    // Node 1 hears node 0's adverts; make node 0 hear one from its own address, as from a host
    // configured with the same one.
    let mut from_us = common::adverts::v3_ipv4();
    from_us.priority = Priority::new(250);
    from_us.interval = vrrp::Interval::from_centis(10).expect("100 ms");
    let (source, group) = (common::adverts::MASTER, Ipv4Addr::new(224, 0, 0, 18));
    let advert = common::adverts::emit(&from_us, source, group);
    let rx = RxMeta::ipv4(source, group, 255, LAN);
    let heard = |lan: &mut Lan| {
        let now = lan.now;
        let node = &mut lan.nodes[0];
        let events = &mut node.events;
        let _ = node
            .event_loop
            .handle_packet(now, &rx, &advert, &mut |e| events.push(e));
        node.take_events()
            .into_iter()
            .filter(|e| matches!(e, Event::AddressConflict { .. }))
            .count()
    };
    assert_eq!(heard(&mut lan), 1);
    lan.run_for(Duration::from_secs(30));
    assert_eq!(heard(&mut lan), 0, "not again within a minute");
    lan.run_for(Duration::from_secs(31));
    assert_eq!(heard(&mut lan), 1, "again after a minute");
    let stats = lan.nodes[0]
        .event_loop
        .routers()
        .get(&key(51))
        .map(|r| r.stats().address_conflicts);
    assert_eq!(stats, Some(3));
    assert_eq!(lan.nodes[0].state(51), Some(State::Master));
    // Shut down, a router counts no conflict, so a minute later there is nothing new to report.
    let now = lan.now;
    lan.nodes[0].event_loop.shutdown(now, &mut |_| {});
    lan.now += Duration::from_secs(61);
    assert_eq!(heard(&mut lan), 0, "nothing new");

    // Nor does one shut down before it counted any, which has none to report at all.
    let now = Instant::now();
    let mut idle = Node::new(vec![config([192, 0, 2, 1], 200, 51, VIP)], now);
    idle.event_loop.shutdown(now, &mut |_| {});
    let events = &mut idle.events;
    let _ = idle
        .event_loop
        .handle_packet(now, &rx, &advert, &mut |e| events.push(e));
    assert!(
        !idle
            .take_events()
            .iter()
            .any(|e| matches!(e, Event::AddressConflict { .. }))
    );
}

#[test]
fn removing_a_router_forgets_its_protocol_error_reports_and_keeps_the_others_rate_limited() {
    let now = Instant::now();
    let mut node = two_routers(now);
    // Adverts that crossed a router (TTL 254): an IP TTL error for each router.
    let source = Ipv4Addr::new(192, 0, 2, 9);
    let rx = RxMeta::ipv4(source, vrrp::packet::IPV4_MULTICAST, 254, LAN);
    let reported = |node: &mut Node, at: Instant, vrid: u8| {
        let mut advert = common::adverts::v3_ipv4();
        advert.vrid = common::adverts::vrid(vrid);
        let bytes = common::adverts::emit(&advert, source, vrrp::packet::IPV4_MULTICAST);
        let events = &mut node.events;
        let _ = node
            .event_loop
            .handle_packet(at, &rx, &bytes, &mut |e| events.push(e));
        node.take_events()
            .into_iter()
            .filter(|e| matches!(e, Event::ProtocolError { .. }))
            .count()
    };
    assert_eq!(reported(&mut node, now, 51), 1);
    assert_eq!(reported(&mut node, now, 52), 1);
    let change = Reconfiguration {
        remove: vec![key(52)],
        ..Reconfiguration::default()
    };
    let events = &mut node.events;
    node.event_loop
        .reconfigure(now, &change, &mut node.setup, &mut |e| events.push(e))
        .expect("accepted");
    let later = now + Duration::from_secs(1);
    assert_eq!(
        reported(&mut node, later, 51),
        0,
        "not again within a minute"
    );
}

#[test]
fn a_link_change_reaches_the_routers_of_its_interface_while_a_primary_address_is_missing() {
    let now = Instant::now();
    let elsewhere = Config::builder(3, common::adverts::vrid(52), [192, 0, 2, 1].into())
        .address(VIP2.into())
        .advert_interval(Duration::from_millis(100))
        .build()
        .expect("valid configuration");
    let mut node = Node::new(vec![config([192, 0, 2, 1], 200, 51, VIP), elsewhere], now);
    let on_3 = RouterKey {
        interface_index: 3,
        ..key(52)
    };
    let state_of =
        |node: &Node, key: &RouterKey| node.event_loop.routers().get(key).map(|r| r.state());
    assert_eq!(state_of(&node, &on_3), Some(State::Backup));
    // 51's primary address goes away: it waits in Fault for it.
    assert!(node.host.remove_address(LAN, [192, 0, 2, 1].into()));
    node.read_changes(now);
    assert_eq!(node.state(51), Some(State::Fault));
    // Meanwhile interface 3's link goes down, and only its router follows.
    node.host.set_link(3, false);
    node.read_changes(now);
    assert_eq!(state_of(&node, &on_3), Some(State::Fault));
    node.host.set_link(3, true);
    node.read_changes(now);
    assert_eq!(state_of(&node, &on_3), Some(State::Backup));
    assert_eq!(
        node.state(51),
        Some(State::Fault),
        "its primary address is still missing"
    );
}

#[test]
fn an_event_loop_forms_the_sync_groups_it_is_given() {
    let now = Instant::now();
    let mut node = two_routers(now);
    node.event_loop
        .add_sync_group(&[key(51), key(52)])
        .expect("new group");
    assert_eq!(
        node.event_loop.routers().sync_group_of(&key(52)),
        Some(vec![key(51), key(52)])
    );
    assert!(node.event_loop.add_sync_group(&[key(51), key(53)]).is_err());
}

/// What `node`'s driver answers to [`vrrp::host::DriverHandle::instances`], asked from another
/// thread as a reload asks.
fn running_instances(node: &mut Node, now: Instant) -> vrrp::host::RunningInstances {
    let handle = node.event_loop.handle();
    let reply = std::thread::spawn(move || handle.instances());
    while !reply.is_finished() {
        node.commands(now);
        std::thread::yield_now();
    }
    reply.join().expect("no panic").expect("answered")
}

#[test]
fn the_driver_answers_with_the_instances_it_runs_and_their_sync_groups() {
    let now = Instant::now();
    let first = Instance::new(config([192, 0, 2, 1], 200, 51, VIP)).prefix_len(VIP.into(), 24);
    let second = Instance::new(config([192, 0, 2, 1], 150, 52, VIP2)).virtual_mac(true);
    let third = Instance::new(config(
        [192, 0, 2, 1],
        100,
        53,
        Ipv4Addr::new(192, 0, 2, 102),
    ));
    let mut node = Node::with(
        vec![first.clone(), second.clone(), third.clone()],
        None,
        now,
    );
    node.event_loop
        .add_sync_group(&[key(53), key(51)])
        .expect("new group");
    let running = running_instances(&mut node, now);
    assert_eq!(running.instances, [first.clone(), second, third.clone()]);
    assert_eq!(running.sync_groups, [vec![key(53), key(51)]]);
    // A removed router is gone from both; the last one takes its place.
    let change = Reconfiguration {
        remove: vec![key(52)],
        ..Reconfiguration::default()
    };
    node.reconfigure(now, &change).expect("accepted");
    let running = running_instances(&mut node, now);
    assert_eq!(running.instances, [first, third]);
    assert_eq!(running.sync_groups, [vec![key(53), key(51)]]);
    // Asked from the driver's own thread, it is refused rather than waiting for ever.
    let handle = node.event_loop.handle();
    let mut answers = Vec::new();
    node.event_loop.handle_link(now, LAN, false, &mut |_| {
        answers.push(handle.instances());
    });
    assert!(!answers.is_empty());
    assert!(
        answers
            .iter()
            .all(|a| *a == Err(vrrp::host::InstancesError::OnDriverThread))
    );
}

#[test]
fn v3_tx_04_a_master_whose_primary_address_goes_away_goes_to_fault_until_it_is_back() {
    let mut lan = elected_pair();
    let primary = IpAddr::from([192, 0, 2, 1]);
    let host = lan.nodes[0].host.clone();
    assert!(host.remove_address(LAN, primary));
    lan.run_for(Duration::from_millis(10));
    assert_eq!(lan.nodes[0].state(51), Some(State::Fault));
    assert!(!lan.nodes[0].has_vip());
    let events = lan.nodes[0].take_events();
    assert!(
        events.iter().any(|e| matches!(e,
            Event::PrimaryAddress { router, address, present: false }
                if *router == key(51) && *address == primary)),
        "{events:?}"
    );
    // A link that comes back does not bring the router back without its address.
    host.set_link(LAN, true);
    lan.run_for(Duration::from_secs(1));
    assert_eq!(lan.nodes[0].state(51), Some(State::Fault));
    assert_eq!(lan.nodes[1].state(51), Some(State::Master));
    host.add_address(LAN, vrrp::host::VirtualAddress::host(primary));
    lan.run_for(Duration::from_secs(1));
    assert_eq!(lan.nodes[0].state(51), Some(State::Master));
    assert!(lan.nodes[0].has_vip() && !lan.nodes[1].has_vip());
    assert!(
        lan.nodes[0]
            .take_events()
            .iter()
            .any(|e| matches!(e, Event::PrimaryAddress { present: true, .. }))
    );
}

#[test]
fn a_primary_address_lost_in_an_overrun_is_found_by_the_full_re_read() {
    let mut lan = elected_pair();
    let primary = IpAddr::from([192, 0, 2, 1]);
    let host = lan.nodes[0].host.clone();
    host.set_change_capacity(1);
    host.remove_address(LAN, primary);
    host.remove_address(LAN, VIP.into());
    lan.run_for(Duration::from_millis(10));
    assert_eq!(lan.nodes[0].state(51), Some(State::Fault));
    host.set_change_capacity(1024);
}

#[test]
fn announcement_repeats_are_paced_so_many_takeovers_do_not_flood_the_lan() {
    const ROUTERS: u8 = 200;
    let configs = (1..=ROUTERS)
        .map(|vrid| {
            let vip = Ipv4Addr::new(198, 51, 100, vrid);
            config([192, 0, 2, 1], 200, vrid, vip)
        })
        .collect();
    let mut lan = Lan::new(vec![configs]);
    let announced = |lan: &mut Lan| {
        lan.deliver();
        lan.nodes[0].announced
    };
    while lan.nodes[0].state(ROUTERS) != Some(State::Master) {
        lan.run_for(Duration::from_millis(1));
    }
    // Every router took over at the same instant: one frame per address at once...
    assert_eq!(announced(&mut lan), usize::from(ROUTERS));
    // ...and their repeats at most ANNOUNCE_BURST every ANNOUNCE_PACE, not 800 at once.
    lan.run_for(vrrp::host::ANNOUNCE_PACE);
    assert_eq!(
        announced(&mut lan),
        usize::from(ROUTERS) + vrrp::host::ANNOUNCE_BURST
    );
    lan.run_for(Duration::from_secs(1));
    assert_eq!(announced(&mut lan), 5 * usize::from(ROUTERS));
}

/// A seeded random schedule of host faults in simulated time, with the invariants checked after
/// each one: the soak's fault menu on in-memory hosts, 10,000 seeds in a few seconds.
mod chaos {
    use super::*;
    use common::random::SplitMix64;

    /// The routers of each host: VRIDs 1 and 2, each with its VIP, advertising every second (the
    /// faults' effects are the same at any interval; a long one makes a seed cheap).
    const VRIDS: [u8; 2] = [1, 2];
    /// How many faults one seed's schedule holds.
    const FAULTS_PER_SEED: usize = 3;
    /// How many seeds a run tries (`VRRP_CHAOS_SEEDS` to change it; `VRRP_CHAOS_SEED` replays one).
    const SEEDS: u64 = 10_000;

    fn vip(vrid: u8) -> Ipv4Addr {
        Ipv4Addr::new(198, 51, 100, vrid)
    }

    fn primary(node: usize) -> IpAddr {
        IpAddr::from([192, 0, 2, 1 + node as u8])
    }

    fn configs(node: usize) -> Vec<Config> {
        let priority = if node == 0 { 200 } else { 100 };
        (VRIDS.iter())
            .map(|&vrid| {
                Config::builder(LAN, common::adverts::vrid(vrid), primary(node))
                    .priority(Priority::new(priority))
                    .address(vip(vrid).into())
                    .advert_interval(Duration::from_secs(1))
                    .build()
                    .expect("valid configuration")
            })
            .collect()
    }

    /// A host fault, undone before the invariants are checked.
    #[derive(Clone, Copy, Debug)]
    enum HostFault {
        /// A VIP deleted by hand.
        VipDeleted { vrid: u8 },
        /// The link down for a second.
        LinkFlap,
        /// The link down and up again while the change stream overruns: both changes lost.
        LinkFlapInOverrun,
        /// Every address flushed (`ip address flush`), the primary added back a second later.
        AddressFlush,
        /// The primary address removed, and added back while the change stream overruns.
        PrimaryBackInOverrun,
        /// The process stopped for two seconds.
        Stall,
        /// A VIP deleted by hand and the next `count` adds failing.
        VipDeletedAndAddsFail { vrid: u8, count: u32 },
        /// The next `count` sends failing.
        SendsFail { count: u32 },
        /// The service unhealthy for two seconds.
        Unhealthy { vrid: u8 },
        /// The priority lowered below the other host's for two seconds, then set back.
        PriorityDip { vrid: u8 },
    }

    fn pick(rng: &mut SplitMix64) -> HostFault {
        let vrid = VRIDS[rng.below(VRIDS.len() as u64) as usize];
        let count = 1 + rng.below(3) as u32;
        match rng.below(10) {
            0 => HostFault::VipDeleted { vrid },
            1 => HostFault::LinkFlap,
            2 => HostFault::LinkFlapInOverrun,
            3 => HostFault::AddressFlush,
            4 => HostFault::PrimaryBackInOverrun,
            5 => HostFault::Stall,
            6 => HostFault::VipDeletedAndAddsFail { vrid, count },
            7 => HostFault::SendsFail { count },
            8 => HostFault::Unhealthy { vrid },
            _ => HostFault::PriorityDip { vrid },
        }
    }

    /// Changes on an interface no router uses, enough to overrun a stream of capacity 2.
    fn unrelated_changes(host: &MemoryHost) {
        for i in 0..4 {
            let other = IpAddr::from([198, 18, 0, i]);
            host.add_address(9, vrrp::host::VirtualAddress::host(other));
            host.remove_address(9, other);
        }
    }

    /// Applies `fault` to host `n` of `lan`, runs through it and undoes it.
    fn inflict(lan: &mut Lan, n: usize, fault: HostFault) {
        let host = lan.nodes[n].host.clone();
        let second = Duration::from_secs(1);
        match fault {
            HostFault::VipDeleted { vrid } => {
                host.remove_address(LAN, vip(vrid).into());
            }
            HostFault::LinkFlap => {
                host.set_link(LAN, false);
                lan.run_for(second);
                host.set_link(LAN, true);
            }
            HostFault::LinkFlapInOverrun => {
                host.set_change_capacity(2);
                host.set_link(LAN, false);
                unrelated_changes(&host);
                lan.run_for(second);
                host.set_link(LAN, true);
                unrelated_changes(&host);
                host.set_change_capacity(1024);
            }
            HostFault::AddressFlush => {
                for (interface, address) in host.addresses() {
                    host.remove_address(interface, address.address);
                }
                lan.run_for(second);
                host.add_address(LAN, vrrp::host::VirtualAddress::host(primary(n)));
            }
            HostFault::PrimaryBackInOverrun => {
                host.remove_address(LAN, primary(n));
                lan.run_for(second);
                host.set_change_capacity(2);
                host.add_address(LAN, vrrp::host::VirtualAddress::host(primary(n)));
                unrelated_changes(&host);
                lan.run_for(Duration::from_millis(10));
                host.set_change_capacity(1024);
            }
            HostFault::Stall => {
                lan.nodes[n].stalled = true;
                lan.run_for(2 * second);
                lan.nodes[n].stalled = false;
            }
            HostFault::VipDeletedAndAddsFail { vrid, count } => {
                // Only the holder's adds: injected elsewhere, they would wait for a later fault.
                if host.has_address(LAN, vip(vrid).into()) {
                    host.fail_next(Fault::Add, count);
                    host.remove_address(LAN, vip(vrid).into());
                }
            }
            HostFault::SendsFail { count } => host.fail_next(Fault::Send, count),
            HostFault::Unhealthy { vrid } => {
                let handle = lan.nodes[n].event_loop.handle();
                handle.set_healthy(key(vrid), false).expect("known");
                lan.nodes[n].commands(lan.now);
                lan.run_for(2 * second);
                handle.set_healthy(key(vrid), true).expect("known");
                lan.nodes[n].commands(lan.now);
            }
            HostFault::PriorityDip { vrid } => {
                let handle = lan.nodes[n].event_loop.handle();
                let own = if n == 0 { 200 } else { 100 };
                let dip = if n == 0 { 50 } else { 250 };
                handle
                    .set_priority(key(vrid), Priority::new(dip))
                    .expect("known");
                lan.nodes[n].commands(lan.now);
                lan.run_for(2 * second);
                handle
                    .set_priority(key(vrid), Priority::new(own))
                    .expect("known");
                lan.nodes[n].commands(lan.now);
            }
        }
    }

    /// What is wrong with `lan` now, if anything: each VIP held by host 0 (the best healthy
    /// router) alone, and no router in Fault on a link that is up with its primary address.
    fn violation(lan: &Lan) -> Option<String> {
        for vrid in VRIDS {
            let holders: Vec<usize> = (0..lan.nodes.len())
                .filter(|&n| lan.nodes[n].host.has_address(LAN, vip(vrid).into()))
                .collect();
            if holders != [0] {
                return Some(format!("VRID {vrid}'s VIP is held by {holders:?}"));
            }
        }
        for (n, node) in lan.nodes.iter().enumerate() {
            let healthy_host = node.host.snapshot().links.contains(&(LAN, true))
                && node.host.has_address(LAN, primary(n));
            for vrid in VRIDS {
                let state = node.state(vrid);
                if healthy_host && state == Some(State::Fault) {
                    return Some(format!(
                        "host {n}'s VRID {vrid} is in Fault on a healthy link"
                    ));
                }
            }
        }
        None
    }

    /// Runs seed `seed`'s schedule; the faults inflicted and the first violation, if any.
    fn run_seed(seed: u64) -> Result<(), String> {
        let mut rng = SplitMix64(seed);
        let mut lan = Lan::new(vec![configs(0), configs(1)]);
        lan.run_for(Duration::from_secs(5));
        let mut log = Vec::new();
        if let Some(violation) = violation(&lan) {
            return Err(format!("seed {seed}: after the election: {violation}"));
        }
        for _ in 0..FAULTS_PER_SEED {
            let n = rng.below(2) as usize;
            let fault = pick(&mut rng);
            log.push(format!("host {n}: {fault:?}"));
            inflict(&mut lan, n, fault);
            // Master_Down_Interval (3.6 s) and 2 s more; after a failed add, its backoff (10 s,
            // doubling while they fail) and a Master_Down_Interval and an interval to preempt.
            let settle = match fault {
                HostFault::VipDeletedAndAddsFail { count, .. } => {
                    6 + 10 * ((1 << count) - 1) + 5 * u64::from(count)
                }
                _ => 6,
            };
            lan.run_for(Duration::from_secs(settle));
            if let Some(violation) = violation(&lan) {
                let recent = |n: usize| {
                    let events = &lan.nodes[n].events;
                    format!("{:#?}", &events[events.len().saturating_sub(12)..])
                };
                return Err(format!(
                    "seed {seed}: {violation} after {log:#?}\nhost 0's last events: {:#?}\n\
                     host 1's: {}",
                    recent(0),
                    recent(1)
                ));
            }
        }
        Ok(())
    }

    fn seeds() -> Vec<u64> {
        if let Some(seed) = std::env::var("VRRP_CHAOS_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
        {
            return vec![seed];
        }
        let count = (std::env::var("VRRP_CHAOS_SEEDS").ok())
            .and_then(|s| s.parse().ok())
            .unwrap_or(SEEDS);
        (0..count).collect()
    }

    #[test]
    fn no_seed_of_host_faults_leaves_a_vip_on_the_wrong_host_or_a_router_in_fault() {
        let failures: Vec<String> = seeds()
            .into_iter()
            .filter_map(|seed| run_seed(seed).err())
            .collect();
        assert!(
            failures.is_empty(),
            "{} of the seeds failed (replay one with VRRP_CHAOS_SEED); the first: {}",
            failures.len(),
            failures[0]
        );
    }
}

/// `config` of the elected pair's node `i` with HMAC authentication in `mode`, as a reload would
/// bring it.
#[cfg(feature = "auth-hmac")]
fn authenticated(i: usize, mode: vrrp::HmacMode) -> Instance {
    let (primary, priority) = [([192, 0, 2, 1], 200), ([192, 0, 2, 2], 100)][i];
    let key = vrrp::HmacKey::new(1, &[0x5a; 32]).expect("a valid key");
    let auth = vrrp::HmacAuth::builder(1)
        .key(key)
        .mode(mode)
        .build()
        .expect("valid");
    let config = Config::builder(LAN, common::adverts::vrid(51), primary.into())
        .priority(Priority::new(priority))
        .address(VIP.into())
        .advert_interval(Duration::from_millis(100))
        .auth_hmac(auth)
        .build()
        .expect("valid configuration");
    Instance::new(config)
}

#[cfg(feature = "auth-hmac")]
#[test]
fn a_reconfiguration_that_only_changes_hmac_authentication_keeps_every_router_running() {
    use vrrp::HmacMode::{Enforce, Permissive, ReceiveOnly};
    let mut lan = elected_pair();
    let clock = vrrp::WallClock::new(lan.now, Duration::from_secs(1_900_000_000));
    for node in &mut lan.nodes {
        node.event_loop.set_wall_clock(clock);
        node.host.take_calls();
    }
    // Plain, then receive-only, permissive and enforce everywhere, the Backup first each time.
    for mode in [ReceiveOnly, Permissive, Enforce] {
        for i in [1, 0] {
            let now = lan.now;
            let node = &mut lan.nodes[i];
            let change = Reconfiguration {
                remove: vec![key(51)],
                add: vec![authenticated(i, mode)],
                ..Reconfiguration::default()
            };
            let added = node.reconfigure(now, &change).expect("accepted");
            assert_eq!(
                added,
                Vec::<RouterKey>::new(),
                "changed in place, not added"
            );
            lan.run_for(Duration::from_secs(1));
        }
    }
    // What the driver answers that it runs is the instance as changed in place.
    let now = lan.now;
    for (i, node) in lan.nodes.iter_mut().enumerate() {
        let running = running_instances(node, now);
        assert_eq!(running.instances, [authenticated(i, Enforce)]);
    }
    for node in &mut lan.nodes {
        let events = node.take_events();
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, Event::StateChanged { .. })),
            "{events:?}"
        );
        let router = node.event_loop.routers().get(&key(51)).expect("running");
        assert_eq!(router.stats().total_errors(), 0);
        assert!(
            node.host
                .take_calls()
                .iter()
                .all(|c| matches!(c, Call::Send { .. }))
        );
    }
    let backup = lan.nodes[1]
        .event_loop
        .routers()
        .get(&key(51))
        .expect("running");
    assert!(backup.stats().rcvd_authenticated() >= 10);
    // The Master signs with the loop's wall clock: a router that reads the same clock hears it.
    let master = &mut lan.nodes[0];
    master.host.take_calls();
    let due = master.event_loop.poll_timeout().expect("Adver_Timer");
    master.event_loop.handle_timeout(due, &mut |_| {});
    let advert = master
        .host
        .take_calls()
        .into_iter()
        .find_map(|call| match call {
            Call::Send { transmit, .. } => Some(transmit),
            _ => None,
        })
        .expect("the Master advertises");
    let mut listener = vrrp::VirtualRouter::new(authenticated(1, Enforce).config().clone());
    listener.set_wall_clock(clock);
    listener.start(due);
    let rx = RxMeta::ipv4(
        [192, 0, 2, 1].into(),
        vrrp::packet::IPV4_MULTICAST,
        255,
        LAN,
    );
    assert_eq!(listener.handle_packet(due, &rx, &advert.payload), Ok(()));
    // A change of anything else still replaces the router.
    let now = lan.now;
    let node = &mut lan.nodes[1];
    let change = Reconfiguration {
        remove: vec![key(51)],
        add: vec![Instance::new(config([192, 0, 2, 2], 90, 51, VIP))],
        ..Reconfiguration::default()
    };
    let added = node.reconfigure(now, &change);
    assert_eq!(added.expect("accepted"), vec![key(51)]);
}

#[cfg(feature = "auth-hmac")]
#[test]
fn a_sync_group_is_changed_in_place_only_if_every_member_changes_only_its_authentication() {
    let now = Instant::now();
    let configs = vec![
        config([192, 0, 2, 1], 200, 51, VIP),
        config([192, 0, 2, 1], 200, 52, VIP2),
        config([192, 0, 2, 1], 200, 53, Ipv4Addr::new(192, 0, 2, 102)),
    ];
    let mut node = Node::new(configs.clone(), now);
    let group = vec![key(51), key(52)];
    node.event_loop.add_sync_group(&group).expect("new group");
    let auth = || {
        vrrp::HmacAuth::builder(1)
            .key(vrrp::HmacKey::new(1, &[0x5a; 32]).expect("a valid key"))
            .build()
            .expect("valid")
    };
    let signed = |config: &Config| {
        Instance::new(
            Config::builder(LAN, config.vrid(), config.primary_address())
                .priority(config.priority())
                .address(config.addresses().iter().next().expect("one"))
                .advert_interval(Duration::from_millis(100))
                .auth_hmac(auth())
                .build()
                .expect("valid configuration"),
        )
    };
    // 51 changes only its authentication, 52 its priority too: the group is replaced whole. 53,
    // outside it, changes only its authentication, in place.
    let lower = config([192, 0, 2, 1], 150, 52, VIP2);
    let change = Reconfiguration {
        remove: vec![key(51), key(52), key(53)],
        add: vec![signed(&configs[0]), signed(&lower), signed(&configs[2])],
        sync_groups: vec![group.clone()],
        statics: None,
    };
    let added = node.reconfigure(now, &change).expect("accepted");
    assert_eq!(added, group);
    // Both now drop their authentication and nothing else: in place, none replaced.
    let change = Reconfiguration {
        remove: group.clone(),
        add: vec![Instance::new(configs[0].clone()), Instance::new(lower)],
        sync_groups: vec![group.clone()],
        statics: None,
    };
    let added = node.reconfigure(now, &change).expect("accepted");
    assert_eq!(
        added,
        Vec::<RouterKey>::new(),
        "both only dropped their keys"
    );
}

#[cfg(feature = "auth-hmac")]
#[test]
fn a_reconfiguration_that_changes_a_sync_group_still_replaces_its_routers() {
    let now = Instant::now();
    let configs = vec![
        config([192, 0, 2, 1], 200, 51, VIP),
        config([192, 0, 2, 1], 200, 52, VIP2),
    ];
    let mut node = Node::new(configs.clone(), now);
    // The same routers, now grouped: nothing but the group changes, and the group must form.
    let change = Reconfiguration {
        remove: vec![key(51), key(52)],
        add: configs.into_iter().map(Instance::new).collect(),
        sync_groups: vec![vec![key(51), key(52)]],
        statics: None,
    };
    let added = node.reconfigure(now, &change).expect("accepted");
    assert_eq!(added, vec![key(51), key(52)]);
    assert_eq!(
        node.event_loop.routers().sync_group_of(&key(51)),
        Some(vec![key(51), key(52)])
    );
}

/// Each deadline served is counted with how late it was served, and the statistics carry it.
#[test]
fn the_lateness_of_each_deadline_served_is_measured_and_reported() {
    use vrrp::host::DriverHandle;
    let t0 = Instant::now();
    let mut node = two_routers(t0);
    assert_eq!(node.event_loop.lateness().count(), 0);
    let due = node.event_loop.poll_timeout().expect("a deadline");
    // Served on time, then 30 ms late (a stalled host).
    let events = &mut node.events;
    node.event_loop.handle_timeout(due, &mut |e| events.push(e));
    let due = node.event_loop.poll_timeout().expect("a deadline");
    node.event_loop
        .handle_timeout(due + Duration::from_millis(30), &mut |e| events.push(e));
    // Woken before any deadline (a packet, say): nothing is counted.
    let early = node.event_loop.poll_timeout().expect("a deadline") - Duration::from_millis(1);
    node.event_loop
        .handle_timeout(early, &mut |e| events.push(e));
    let lateness = *node.event_loop.lateness();
    assert_eq!(lateness.count(), 2);
    assert_eq!(lateness.max(), Duration::from_millis(30));
    let handle: DriverHandle = node.event_loop.handle();
    handle.request_stats().expect("the loop runs");
    node.commands(due + Duration::from_millis(30));
    let report = node
        .take_events()
        .into_iter()
        .find_map(|e| match e {
            Event::Stats(report) => Some(report),
            _ => None,
        })
        .expect("a stats report");
    assert_eq!(report.lateness, lateness);
}

/// A route to 198.51.100.0/24 via 192.0.2.254, in table 10 when `table` says so.
fn route_via_gateway(table: u32) -> VirtualRoute {
    let mut route = VirtualRoute::new([198, 51, 100, 0].into(), 24);
    route.next_hops.push(NextHop::via([192, 0, 2, 254].into()));
    route.table = table;
    route
}

/// A route to 203.0.113.0/24 out of the LAN from the VIP (`src VIP`).
fn route_from_vip() -> VirtualRoute {
    let mut route = VirtualRoute::new([203, 0, 113, 0].into(), 24);
    route.next_hops.push(NextHop::dev(LAN));
    route.source = Some(VIP.into());
    route
}

/// `from VIP lookup 10 priority 100`.
fn rule_from_vip() -> VirtualRule {
    let mut rule = VirtualRule::new(RuleAction::Table(10));
    rule.from = Some((VIP.into(), 32));
    rule.priority = Some(100);
    rule
}

/// VRID 51 at `priority` from `primary`, with a route in table 10, a `src VIP` route and a rule.
fn routed_instance(primary: [u8; 4], priority: u8) -> Instance {
    Instance::new(config(primary, priority, 51, VIP))
        .route(route_via_gateway(10))
        .route(route_from_vip())
        .rule(rule_from_vip())
}

/// A Master (200) and a Backup (100) for VRID 51 whose instances have routes and a rule.
fn elected_routed_pair(statics: Option<Statics>) -> Lan {
    let now = Instant::now();
    let nodes = vec![
        Node::with(
            vec![routed_instance([192, 0, 2, 1], 200)],
            statics.clone(),
            now,
        ),
        Node::with(vec![routed_instance([192, 0, 2, 2], 100)], statics, now),
    ];
    let mut lan = Lan { now, nodes };
    lan.run_for(Duration::from_secs(2));
    assert_eq!(lan.nodes[0].state(51), Some(State::Master));
    assert_eq!(lan.nodes[1].state(51), Some(State::Backup));
    lan
}

#[test]
fn virtual_routes_and_rules_are_installed_with_the_vips_and_only_on_the_master() {
    let lan = elected_routed_pair(None);
    let master = &lan.nodes[0].host;
    assert_eq!(master.routes(), [route_via_gateway(10), route_from_vip()]);
    assert_eq!(master.rules(), [rule_from_vip()]);
    let backup = &lan.nodes[1].host;
    assert!(backup.routes().is_empty() && backup.rules().is_empty());
}

#[test]
fn virtual_routes_follow_the_vips_in_the_same_pass() {
    // Alone, the router becomes Master at its first Master_Down_Interval.
    let now = Instant::now();
    let mut node = Node::with(vec![routed_instance([192, 0, 2, 1], 200)], None, now);
    let due = node.event_loop.poll_timeout().expect("a deadline");
    let events = &mut node.events;
    node.event_loop.handle_timeout(due, &mut |e| events.push(e));
    assert_eq!(node.state(51), Some(State::Master));
    let calls = node.host.calls();
    let position = |wanted: &dyn Fn(&Call) -> bool| calls.iter().position(wanted);
    let vip = position(
        &|c| matches!(c, Call::Add { address, .. } if address.address == IpAddr::from(VIP)),
    );
    let route = position(&|c| matches!(c, Call::AddRoute(r) if *r == route_from_vip()));
    let rule = position(&|c| matches!(c, Call::AddRule(_)));
    assert!(vip.is_some() && vip < route && route < rule, "{calls:?}");
}

#[test]
fn virtual_routes_and_rules_leave_with_mastership_before_the_vips() {
    let mut lan = elected_routed_pair(None);
    lan.nodes[0].host.take_calls();
    let now = lan.now;
    let node = &mut lan.nodes[0];
    let events = &mut node.events;
    node.event_loop.shutdown(now, &mut |e| events.push(e));
    assert!(node.host.routes().is_empty() && node.host.rules().is_empty());
    assert!(!node.has_vip());
    let calls = node.host.calls();
    let rule = calls.iter().position(|c| matches!(c, Call::RemoveRule(_)));
    let route = calls.iter().position(|c| matches!(c, Call::RemoveRoute(_)));
    let vip = calls.iter().position(|c| matches!(c, Call::Remove { .. }));
    assert!(rule < route && route < vip, "{calls:?}");
    // The Backup takes over, routes and all.
    lan.run_for(Duration::from_secs(2));
    assert_eq!(lan.nodes[1].state(51), Some(State::Master));
    assert_eq!(lan.nodes[1].host.routes().len(), 2);
    assert_eq!(lan.nodes[1].host.rules(), [rule_from_vip()]);
}

#[test]
fn a_virtual_route_or_rule_deleted_by_someone_else_comes_back_and_is_reported() {
    let mut lan = elected_routed_pair(None);
    lan.nodes[0].take_events();
    assert!(lan.nodes[0].host.remove_route(&route_via_gateway(10)));
    assert!(lan.nodes[0].host.remove_rule(&rule_from_vip()));
    lan.run_for(Duration::from_millis(10));
    let master = &lan.nodes[0];
    assert!(master.host.routes().contains(&route_via_gateway(10)));
    assert_eq!(master.host.rules(), [rule_from_vip()]);
    let restored: Vec<String> = (master.events.iter())
        .filter_map(|e| match e {
            Event::Restored {
                router: Some(router),
                entry,
            } if *router == key(51) => Some(entry.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(
        restored,
        [
            "route 198.51.100.0/24 via 192.0.2.254 table 10",
            "rule 100: from 192.0.2.100/32 lookup 10"
        ]
    );
}

#[test]
fn routes_the_kernel_dropped_with_a_link_or_an_address_are_installed_again() {
    const OTHER: u32 = 3;
    let mut out_of_other = VirtualRoute::new([198, 51, 100, 200].into(), 32);
    out_of_other.next_hops.push(NextHop::dev(OTHER));
    let now = Instant::now();
    let instance = routed_instance([192, 0, 2, 1], 200).route(out_of_other.clone());
    let node = Node::with(vec![instance], None, now);
    node.host.set_link(OTHER, true);
    let mut lan = Lan {
        now,
        nodes: vec![node],
    };
    lan.run_for(Duration::from_secs(2));
    assert!(lan.nodes[0].host.routes().contains(&out_of_other));
    // The other interface goes down and up: Linux drops the route out of it silently.
    lan.nodes[0].host.set_link(OTHER, false);
    assert!(!lan.nodes[0].host.routes().contains(&out_of_other));
    lan.nodes[0].host.set_link(OTHER, true);
    lan.run_for(Duration::from_millis(10));
    assert_eq!(lan.nodes[0].state(51), Some(State::Master));
    assert!(lan.nodes[0].host.routes().contains(&out_of_other));
    // The VIP removed by someone: the `src VIP` route went with it, and comes back after it.
    let master = &lan.nodes[0].host;
    master.remove_address(LAN, VIP.into());
    assert!(!master.routes().contains(&route_from_vip()));
    lan.run_for(Duration::from_millis(10));
    assert!(lan.nodes[0].has_vip());
    assert!(lan.nodes[0].host.routes().contains(&route_from_vip()));
}

#[test]
fn a_route_already_there_is_left_there_when_mastership_goes() {
    let now = Instant::now();
    let node = Node::with(vec![routed_instance([192, 0, 2, 1], 200)], None, now);
    // Present before the router became Master: an operator's.
    node.host.add_route(route_via_gateway(10));
    let mut lan = Lan {
        now,
        nodes: vec![node],
    };
    lan.run_for(Duration::from_secs(2));
    assert_eq!(lan.nodes[0].state(51), Some(State::Master));
    let node = &mut lan.nodes[0];
    let events = &mut node.events;
    node.event_loop.shutdown(lan.now, &mut |e| events.push(e));
    assert_eq!(node.host.routes(), [route_via_gateway(10)]);
}

#[test]
fn a_route_that_cannot_be_installed_is_a_backend_failure_and_the_master_stays() {
    let now = Instant::now();
    let node = Node::with(vec![routed_instance([192, 0, 2, 1], 200)], None, now);
    node.host.fail_next(Fault::Route, 1);
    let mut lan = Lan {
        now,
        nodes: vec![node],
    };
    lan.run_for(Duration::from_secs(2));
    assert_eq!(lan.nodes[0].state(51), Some(State::Master));
    assert!(lan.nodes[0].events.iter().any(|e| matches!(e,
        Event::BackendFailed { operation: Operation::AddRoute(id), .. } if id.table == 10)));
    assert_eq!(lan.nodes[0].host.routes(), [route_from_vip()]);
}

/// A static route to 198.51.100.128/25 via 192.0.2.253, a static rule and a static address.
fn statics() -> Statics {
    let mut route = VirtualRoute::new([198, 51, 100, 128].into(), 25);
    route.next_hops.push(NextHop::via([192, 0, 2, 253].into()));
    let mut rule = VirtualRule::new(RuleAction::Table(20));
    rule.fwmark = Some((7, None));
    rule.priority = Some(200);
    let address = vrrp::host::VirtualAddress::host([192, 0, 2, 50].into());
    Statics {
        addresses: vec![(LAN, address)],
        routes: vec![route],
        rules: vec![rule],
    }
}

#[test]
fn static_routes_rules_and_addresses_stay_through_state_changes_and_come_back() {
    let mut lan = elected_routed_pair(Some(statics()));
    for node in &lan.nodes {
        assert!(node.host.routes().contains(&statics().routes[0]));
        assert!(node.host.rules().contains(&statics().rules[0]));
        assert!(node.host.has_address(LAN, [192, 0, 2, 50].into()));
    }
    // The Master leaves: its routes go, the statics stay on both.
    let now = lan.now;
    let node = &mut lan.nodes[0];
    let events = &mut node.events;
    node.event_loop.shutdown(now, &mut |e| events.push(e));
    assert_eq!(node.host.routes(), statics().routes);
    assert_eq!(node.host.rules(), statics().rules);
    // Deleted by someone: back, reported as static.
    let backup = &mut lan.nodes[1];
    backup.take_events();
    backup.host.remove_route(&statics().routes[0]);
    backup.host.remove_address(LAN, [192, 0, 2, 50].into());
    lan.run_for(Duration::from_millis(10));
    let backup = &lan.nodes[1];
    assert!(backup.host.routes().contains(&statics().routes[0]));
    assert!(backup.host.has_address(LAN, [192, 0, 2, 50].into()));
    let restored = (backup.events.iter())
        .filter(|e| {
            matches!(
                e,
                Event::Restored {
                    router: None,
                    entry: HostEntry::Route(_) | HostEntry::Address { .. }
                }
            )
        })
        .count();
    assert_eq!(restored, 2, "{:?}", backup.events);
}

#[test]
fn a_reconfiguration_changes_the_statics_and_a_release_removes_them() {
    let now = Instant::now();
    let mut node = Node::with(
        vec![routed_instance([192, 0, 2, 1], 200)],
        Some(statics()),
        now,
    );
    let mut next = statics();
    next.routes.clear();
    let change = Reconfiguration {
        statics: Some(next),
        ..Reconfiguration::default()
    };
    node.reconfigure(now, &change).expect("accepted");
    assert!(node.host.routes().is_empty());
    assert_eq!(node.host.rules(), statics().rules);
    node.event_loop
        .applier_mut()
        .release_all()
        .expect("released");
    assert!(node.host.rules().is_empty());
    assert!(!node.host.has_address(LAN, [192, 0, 2, 50].into()));
}

#[test]
fn an_address_owner_installs_its_routes_when_it_becomes_master_and_removes_them_when_it_stops() {
    // Priority 255 owns its address: no address is added or removed, and the routes follow its
    // state instead.
    let now = Instant::now();
    let owner = Config::builder(LAN, common::adverts::vrid(51), VIP.into())
        .priority(Priority::new(255))
        .owner(true)
        .address(VIP.into())
        .advert_interval(Duration::from_millis(100))
        .build()
        .expect("an owner");
    let mut node = Node::with(
        vec![Instance::new(owner).route(route_via_gateway(10))],
        None,
        now,
    );
    let due = node.event_loop.poll_timeout().unwrap_or(now);
    let events = &mut node.events;
    node.event_loop.handle_timeout(due, &mut |e| events.push(e));
    assert_eq!(node.state(51), Some(State::Master));
    assert_eq!(node.host.routes(), [route_via_gateway(10)]);
    let events = &mut node.events;
    node.event_loop.shutdown(due, &mut |e| events.push(e));
    assert!(node.host.routes().is_empty());
}

#[test]
fn a_route_that_cannot_come_back_with_its_vip_leaves_the_master_serving() {
    let mut lan = elected_routed_pair(None);
    lan.nodes[0].host.fail_next(Fault::Route, 1);
    lan.nodes[0].host.remove_address(LAN, VIP.into());
    lan.run_for(Duration::from_millis(10));
    let master = &lan.nodes[0];
    assert!(master.has_vip());
    assert_eq!(master.state(51), Some(State::Master));
    assert!(master.events.iter().any(|e| matches!(
        e,
        Event::BackendFailed {
            operation: Operation::AddRoute(_),
            ..
        }
    )));
}

#[test]
fn a_router_that_waits_for_its_primary_address_starts_in_fault_and_runs_once_it_comes() {
    let primary = IpAddr::from([192, 0, 2, 1]);
    let waiting =
        Instance::new(config([192, 0, 2, 1], 200, 51, VIP)).wait_for_primary_address(true);
    let mut lan = Lan {
        now: Instant::now(),
        nodes: Vec::new(),
    };
    lan.nodes.push(Node::with(vec![waiting], None, lan.now));
    assert_eq!(lan.nodes[0].state(51), Some(State::Fault));
    let events = lan.nodes[0].take_events();
    assert!(
        events.iter().any(|e| matches!(e,
            Event::PrimaryAddress { router, address, present: false }
                if *router == key(51) && *address == primary)),
        "{events:?}"
    );
    // Well past Master_Down_Interval: still waiting, holding nothing.
    lan.run_for(Duration::from_secs(5));
    assert_eq!(lan.nodes[0].state(51), Some(State::Fault));
    assert!(!lan.nodes[0].has_vip());
    let host = lan.nodes[0].host.clone();
    host.add_address(LAN, vrrp::host::VirtualAddress::host(primary));
    lan.run_for(Duration::from_secs(5));
    assert_eq!(lan.nodes[0].state(51), Some(State::Master));
    assert!(lan.nodes[0].has_vip());
}

/// The events of `node` that say a router runs with Accept_Mode off, with its addresses.
fn accept_mode_off(node: &mut Node) -> Vec<(RouterKey, Vec<IpAddr>)> {
    (node.take_events().into_iter())
        .filter_map(|event| match event {
            Event::AcceptModeOff { router, addresses } => Some((router, addresses)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_router_with_accept_mode_off_is_reported_at_start_with_the_addresses_its_host_will_refuse() {
    let now = Instant::now();
    let vip = |vrid: u8| Ipv4Addr::new(192, 0, 2, vrid + 50);
    let refusing = |vrid: u8, accept, owner| {
        let builder = Config::builder(LAN, common::adverts::vrid(vrid), [192, 0, 2, 1].into());
        let builder = if owner {
            (builder.address([192, 0, 2, 1].into()))
                .priority(Priority::OWNER)
                .owner(true)
        } else {
            builder.address(vip(vrid).into())
        };
        builder.accept(accept).build().expect("valid")
    };
    let v6: IpAddr = "2001:db8::60".parse().expect("address");
    let excluded = vrrp::host::VirtualAddress::host(v6);
    let instances = vec![
        Instance::new(refusing(51, false, false)).excluded(excluded),
        Instance::new(refusing(52, true, false)),
        // The owner accepts what is sent to its own addresses whatever Accept_Mode says.
        Instance::new(refusing(53, false, true)),
    ];
    let mut node = Node::with(instances, None, now);
    assert_eq!(
        accept_mode_off(&mut node),
        [(key(51), vec![IpAddr::from(vip(51)), v6])]
    );
    // A router a reload adds is reported when it starts.
    let change = Reconfiguration {
        add: vec![Instance::new(refusing(54, false, false))],
        ..Reconfiguration::default()
    };
    node.reconfigure(now, &change).expect("accepted");
    assert_eq!(
        accept_mode_off(&mut node),
        [(key(54), vec![IpAddr::from(vip(54))])]
    );
}
