//! Behaviour on real interfaces, in network namespaces the tests create and remove themselves. They
//! need root, so they are ignored by a plain `cargo test`; run them with the README's second test
//! command: `cargo test --all-features --test system netns:: -- --ignored --test-threads=1`.
//!
//! Only documentation and link-local addresses are used, inside the namespaces.

use crate::harness;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use bytes::Bytes;
use harness::netns::{self, Netns, ROLE, report};
use vrrp::linux::{Received, SocketError, VrrpSocket, interface_index};
use vrrp::packet::{
    AddressList, Advertisement, Authentication, ChecksumForm, IPV4_MULTICAST, IPV6_MULTICAST,
    Version,
};
use vrrp::{AddressFamily, Interval, Priority, Transmit};

const SOCKET_TEST: &str =
    "v3_rx_01_tx_02_05_06_pkt_02_adverts_leave_as_protocol_112_with_ttl_255_for_the_vrrp_groups";
const SENDER_V4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const SENDER_LL: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);

/// The advert the sender sends for `family`.
fn advert(family: AddressFamily) -> Advertisement {
    let addresses = match family {
        AddressFamily::Ipv4 => AddressList::ipv4([Ipv4Addr::new(192, 0, 2, 100)]),
        AddressFamily::Ipv6 => AddressList::ipv6([
            Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x100),
            Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100),
        ]),
    };
    Advertisement {
        version: Version::V3,
        vrid: vrrp::Vrid::new(51).expect("non-zero"),
        priority: Priority::new(200),
        interval: Interval::DEFAULT,
        addresses,
        authentication: Authentication::None,
        checksum_form: ChecksumForm::PseudoHeader,
    }
}

fn device() -> String {
    std::env::var("VRRP_NETNS_DEVICE").expect("the parent names the device")
}

/// In the receiving namespace: joins the groups, reports readiness and its interface index, then
/// reports each advert received until it has one of each family.
fn receive() {
    let index = interface_index(&device()).expect("interface index");
    let sockets = [AddressFamily::Ipv4, AddressFamily::Ipv6].map(|family| {
        let socket = VrrpSocket::open(family).expect("open");
        socket.join(index).expect("join");
        socket
    });
    report(&format!("ready {index}"));
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = [false; 2];
    let mut buffer = [0u8; 2048];
    while seen != [true; 2] && Instant::now() < deadline {
        for (i, socket) in sockets.iter().enumerate() {
            match socket.recv(&mut buffer) {
                Ok(Received::Packet { rx, payload }) => {
                    let parsed = Advertisement::parse(&rx, payload)
                        .map(|a| format!("vrid={} priority={}", a.vrid, a.priority))
                        .unwrap_or_else(|e| format!("error={e}"));
                    report(&format!(
                        "rx {} {} {} {} {} {parsed}",
                        rx.family(),
                        rx.source(),
                        rx.destination(),
                        rx.hop_limit(),
                        rx.interface_index()
                    ));
                    seen[i] = true;
                }
                Ok(Received::Malformed(error)) => report(&format!("malformed {error}")),
                Err(SocketError::Io { source, .. })
                    if source.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(error) => panic!("receiving: {error}"),
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// In the sending namespace: sends one advert of each family, and checks that its own socket does
/// not hear it (multicast loopback off).
fn send() {
    let index = interface_index(&device()).expect("interface index");
    // To the groups with 255; or, given a hop limit, to the receiver's addresses with it.
    let unicast: Option<u8> = std::env::var(HOP_LIMIT_VAR)
        .ok()
        .map(|v| v.parse().expect("u8"));
    let (v4, v6): (IpAddr, IpAddr) = match unicast {
        Some(_) => (
            Ipv4Addr::new(192, 0, 2, 2).into(),
            Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2).into(),
        ),
        None => (IPV4_MULTICAST.into(), IPV6_MULTICAST.into()),
    };
    for (family, source, destination) in [
        (AddressFamily::Ipv4, IpAddr::V4(SENDER_V4), v4),
        (AddressFamily::Ipv6, IpAddr::V6(SENDER_LL), v6),
    ] {
        let socket = VrrpSocket::open(family).expect("open");
        socket.join(index).expect("join");
        let mut payload = bytes::BytesMut::new();
        advert(family)
            .emit_to(source, destination, &mut payload)
            .expect("valid");
        let transmit = Transmit {
            interface_index: index,
            source,
            destination,
            hop_limit: unicast.unwrap_or(255),
            payload: Bytes::from(payload),
            ipsec_ah: false,
        };
        socket.send(&transmit).expect("send");
        std::thread::sleep(Duration::from_millis(100));
        let mut buffer = [0u8; 2048];
        let echo = socket.recv(&mut buffer);
        assert!(
            matches!(&echo, Err(SocketError::Io { source, .. }) if source.kind() == std::io::ErrorKind::WouldBlock),
            "the sender heard itself: {echo:?}"
        );
        let wrong_family = Transmit {
            source: IpAddr::V4(SENDER_V4),
            destination: IpAddr::V4(IPV4_MULTICAST),
            ..transmit
        };
        if family == AddressFamily::Ipv6 {
            assert!(matches!(
                socket.send(&wrong_family),
                Err(SocketError::FamilyMismatch { .. })
            ));
        }
        report(&format!("sent {family}"));
    }
}

/// Runs `test`'s receiver in one namespace of a linked pair (`suffix`) and its sender, given
/// `env`, in the other: returns the receiver's interface index and the two lines it reported,
/// sorted.
fn exchange(suffix: &str, test: &str, env: &[(&str, &str)]) -> (String, Vec<String>) {
    let (a, b) = netns::linked_pair(suffix);
    let receiver = b.spawn(test, "receive", &[("VRRP_NETNS_DEVICE", "vb")]);
    let ready = receiver
        .next(Duration::from_secs(10))
        .expect("the receiver is ready");
    let index = ready
        .strip_prefix("ready ")
        .expect("ready line")
        .to_string();
    let mut sender_env = vec![("VRRP_NETNS_DEVICE", "va")];
    sender_env.extend_from_slice(env);
    let sender = a.spawn(test, "send", &sender_env);
    for family in ["ipv4", "ipv6"] {
        let sent = sender.next(Duration::from_secs(10));
        assert_eq!(sent, Some(format!("sent {family}")));
    }
    sender.finish();
    let mut received: Vec<String> = std::iter::from_fn(|| receiver.next(Duration::from_secs(10)))
        .take(2)
        .collect();
    received.sort();
    receiver.finish();
    (index, received)
}

#[test]
#[ignore = "needs root: creates network namespaces (README's second test command)"]
/// The receiver's raw socket is bound to protocol 112 and reports each advert's source, group,
/// TTL or hop limit and interface: an advert sent with another protocol, TTL or destination would
/// not arrive as expected.
fn v3_rx_01_tx_02_05_06_pkt_02_adverts_leave_as_protocol_112_with_ttl_255_for_the_vrrp_groups() {
    match std::env::var(ROLE).as_deref() {
        Ok("receive") => return receive(),
        Ok("send") => return send(),
        _ => {}
    }
    let (index, received) = exchange("sock", SOCKET_TEST, &[]);
    assert_eq!(
        received,
        [
            format!("rx ipv4 192.0.2.1 224.0.0.18 255 {index} vrid=51 priority=200"),
            format!("rx ipv6 fe80::1 ff02::12 255 {index} vrid=51 priority=200"),
        ]
    );
}

/// The sender's hop limit for unicast adverts, in the child processes of the test below.
const HOP_LIMIT_VAR: &str = "VRRP_NETNS_HOP_LIMIT";
const UNICAST_TEST: &str = "unicast_adverts_leave_with_the_configured_hop_limit";

#[test]
#[ignore = "needs root: creates network namespaces (README's second test command)"]
/// keepalived's `unicast_ttl`: an advert to a unicast peer leaves with the hop limit its
/// `Transmit` carries, in both families, where a multicast one leaves with 255 (above).
fn unicast_adverts_leave_with_the_configured_hop_limit() {
    match std::env::var(ROLE).as_deref() {
        Ok("receive") => return receive(),
        Ok("send") => return send(),
        _ => {}
    }
    let (index, received) = exchange("ttl", UNICAST_TEST, &[(HOP_LIMIT_VAR, "9")]);
    assert_eq!(
        received,
        [
            // A parse without a peer's relaxed minimum refuses them, as it should.
            format!("rx ipv4 192.0.2.1 192.0.2.2 9 {index} error=TTL / hop limit is 9, not 255"),
            format!("rx ipv6 fe80::1 fe80::2 9 {index} error=TTL / hop limit is 9, not 255"),
        ]
    );
}

#[test]
fn opening_a_socket_without_cap_net_raw_names_the_capability() {
    // Only meaningful where the test runs unprivileged; as root the socket opens.
    match VrrpSocket::open(AddressFamily::Ipv4) {
        Ok(socket) => assert_eq!(socket.family(), AddressFamily::Ipv4),
        Err(error) => assert!(error.to_string().contains("CAP_NET_RAW"), "{error}"),
    }
}

const NETLINK_TEST: &str = "netlink_adds_lists_and_removes_virtual_addresses";

/// Inside the namespace: every netlink operation, checked against `ip`.
fn exercise_netlink() {
    use vrrp::host::{AddressLabel, AddressScope, VirtualAddress};
    use vrrp::linux::{Netlink, NetlinkError};
    let mut netlink = Netlink::open().expect("netlink");
    let interface = netlink.interface_by_name("va").expect("va exists");
    assert_eq!(interface.index, interface_index("va").expect("index"));
    assert!(interface.up && interface.mac.is_some(), "{interface:?}");
    assert!(matches!(
        netlink.interface_by_name("nope0"),
        Err(NetlinkError::UnknownInterface(_))
    ));

    let v4: IpAddr = "192.0.2.100".parse().expect("address");
    let v6: IpAddr = "2001:db8::100".parse().expect("address");
    let with_prefix = |address, prefix_len| VirtualAddress {
        prefix_len,
        ..VirtualAddress::host(address)
    };
    netlink
        .add_address(
            interface.index,
            &VirtualAddress {
                label: Some(AddressLabel::new("va:vrrp").expect("label")),
                broadcast: Some(Ipv4Addr::new(192, 0, 2, 255)),
                ..with_prefix(v4, 24)
            },
        )
        .expect("add IPv4");
    netlink
        .add_address(interface.index, &with_prefix(v6, 64))
        .expect("add IPv6");
    let scoped: IpAddr = "198.51.100.7".parse().expect("address");
    netlink
        .add_address(
            interface.index,
            &VirtualAddress {
                scope: Some(AddressScope::Host),
                ..VirtualAddress::host(scoped)
            },
        )
        .expect("add with a scope");
    let shown = netns::ip(&["-o", "addr", "show", "dev", "va"]);
    assert!(
        shown.contains("inet 192.0.2.100/24 brd 192.0.2.255 scope global secondary va:vrrp"),
        "{shown}"
    );
    assert!(shown.contains("inet 198.51.100.7/32 scope host"), "{shown}");
    assert!(
        shown.contains("inet6 2001:db8::100/64") && !shown.contains("tentative"),
        "nodad: {shown}"
    );
    netlink
        .remove_address(interface.index, scoped, 32)
        .expect("remove the scoped one");

    assert!(matches!(
        netlink.add_address(interface.index, &with_prefix(v4, 24)),
        Err(NetlinkError::AlreadyPresent { .. })
    ));
    let listed = netlink
        .addresses(interface.index, AddressFamily::Ipv4)
        .expect("list");
    let addresses: Vec<(IpAddr, u8)> = listed.iter().map(|a| (a.address, a.prefix_len)).collect();
    assert_eq!(
        addresses,
        [("192.0.2.1".parse().expect("address"), 24), (v4, 24)],
        "primary first"
    );
    let listed6 = netlink
        .addresses(interface.index, AddressFamily::Ipv6)
        .expect("list");
    assert!(
        listed6
            .iter()
            .any(|a| a.address == v6 && a.prefix_len == 64),
        "{listed6:?}"
    );

    netlink
        .remove_address(interface.index, v4, 24)
        .expect("remove IPv4");
    netlink
        .remove_address(interface.index, v6, 64)
        .expect("remove IPv6");
    let shown = netns::ip(&["-o", "addr", "show", "dev", "va"]);
    assert!(
        !shown.contains("192.0.2.100") && !shown.contains("2001:db8::100"),
        "{shown}"
    );
    assert!(matches!(
        netlink.remove_address(interface.index, v4, 24),
        Err(NetlinkError::NotPresent { .. })
    ));
    report("netlink ok");
}

#[test]
#[ignore = "needs root: creates network namespaces (README's second test command)"]
fn netlink_adds_lists_and_removes_virtual_addresses() {
    if std::env::var(ROLE).as_deref() == Ok("netlink") {
        return exercise_netlink();
    }
    Netns::with_veth_pair("netlink").run_child(NETLINK_TEST, "netlink", "netlink ok");
}

const LIFETIME_TEST: &str = "netlink_installs_addresses_with_a_lifetime_and_renews_them_in_place";

/// The line of `ip -o addr show dev va` for `address`, if it is there.
fn address_line(address: &str) -> Option<String> {
    let shown = netns::ip(&["-o", "addr", "show", "dev", "va"]);
    let needle = format!(" {address}/");
    shown
        .lines()
        .find(|line| line.contains(&needle))
        .map(str::to_string)
}

/// The `valid_lft` of `line`, in seconds; `None` for `forever`.
fn valid_lft(line: &str) -> Option<u32> {
    let mut words = line.split_whitespace();
    words.find(|w| *w == "valid_lft");
    words.next()?.strip_suffix("sec")?.parse().ok()
}

/// Inside the namespace: addresses added with a lifetime expire unless renewed, and a renewal
/// replaces them without removing them.
fn exercise_lifetimes() {
    use vrrp::host::{AddressLabel, VirtualAddress};
    use vrrp::linux::{Netlink, NetlinkEvent, NetlinkEvents};
    let mut netlink = Netlink::open().expect("netlink");
    let index = interface_index("va").expect("index");
    let lifetime = |seconds| Some(Duration::from_secs(seconds));
    let v4 = VirtualAddress {
        prefix_len: 24,
        label: Some(AddressLabel::new("va:vrrp").expect("label")),
        lifetime: lifetime(3),
        ..VirtualAddress::host("192.0.2.100".parse().expect("address"))
    };
    let v6 = VirtualAddress {
        prefix_len: 64,
        lifetime: lifetime(3),
        ..VirtualAddress::host("2001:db8::100".parse().expect("address"))
    };
    for address in [&v4, &v6] {
        netlink.add_address(index, address).expect("add");
        let line = address_line(&address.address.to_string()).expect("added");
        assert!(matches!(valid_lft(&line), Some(2..=3)), "{line}");
        assert!(line.contains("preferred_lft"), "{line}");
    }

    // Renewed in place: the same address, a new lifetime, and no removal in between.
    let mut events = NetlinkEvents::subscribe().expect("subscribe");
    for address in [&v4, &v6] {
        let longer = VirtualAddress {
            lifetime: lifetime(60),
            ..*address
        };
        netlink.renew_address(index, &longer).expect("renew");
        let line = address_line(&address.address.to_string()).expect("still there");
        assert!(matches!(valid_lft(&line), Some(59..=60)), "{line}");
    }
    assert!(
        address_line("192.0.2.100").is_some_and(|l| l.contains("va:vrrp")),
        "the label stays"
    );
    std::thread::sleep(Duration::from_millis(100));
    let seen = events.recv().expect("events");
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, NetlinkEvent::AddressRemoved(_))),
        "{seen:?}"
    );
    // Renewed without a lifetime: for ever again.
    let forever = VirtualAddress {
        lifetime: None,
        ..v4
    };
    netlink.renew_address(index, &forever).expect("renew");
    let line = address_line("192.0.2.100").expect("there");
    assert!(line.contains("valid_lft forever"), "{line}");

    // Not renewed: the kernel removes them by itself, within the lifetime plus its second of slack.
    for address in [&v4, &v6] {
        netlink.renew_address(index, address).expect("back to 3 s");
    }
    let renewed = Instant::now();
    while address_line("192.0.2.100").is_some() || address_line("2001:db8::100").is_some() {
        assert!(
            renewed.elapsed() < Duration::from_secs(5),
            "still there after {:?}",
            renewed.elapsed()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let expired = renewed.elapsed();
    assert!(expired >= Duration::from_secs(2), "gone after {expired:?}");
    // Renewing an address that is gone adds it again.
    netlink.renew_address(index, &v4).expect("renew");
    assert!(address_line("192.0.2.100").is_some());

    // keepalived's address options: preferred_lft 0 deprecates an address at once (never a
    // source), noprefixroute adds no prefix route, mngtmpaddr; kept by a renewal.
    let options = vrrp::host::AddressOptions {
        preferred_lifetime: Some(Duration::ZERO),
        no_prefix_route: true,
        manage_temporary: true,
        ..Default::default()
    };
    let v6 = VirtualAddress {
        address: "2001:db8::200".parse().expect("address"),
        options,
        ..v6
    };
    let v4 = VirtualAddress {
        address: "198.51.100.200".parse().expect("address"),
        label: None,
        options: vrrp::host::AddressOptions {
            manage_temporary: false,
            ..options
        },
        ..v4
    };
    for address in [&v4, &v6] {
        netlink
            .add_address(index, address)
            .expect("add with options");
        netlink
            .renew_address(index, address)
            .expect("renew with options");
        let line = address_line(&address.address.to_string()).expect("added");
        assert!(line.contains("noprefixroute"), "{line}");
        assert!(line.contains("preferred_lft 0sec"), "{line}");
    }
    let line = address_line("2001:db8::200").expect("added");
    assert!(
        line.contains("mngtmpaddr") && line.contains("deprecated"),
        "{line}"
    );
    let routes = std::process::Command::new("ip")
        .args(["-4", "route", "show", "dev", "va"])
        .output()
        .expect("ip route");
    let routes = String::from_utf8_lossy(&routes.stdout);
    assert!(!routes.contains("198.51.100.0/24"), "{routes}");
    report(&format!("lifetime ok {}", expired.as_millis()));
}

const BATCH_TEST: &str = "netlink_adds_hundreds_of_addresses_in_batches_each_with_its_own_outcome";

/// Inside the namespace: 300 addresses added in batches, one already there and one on an
/// interface that does not exist among them; each gets its own outcome, in order.
fn exercise_batch() {
    use vrrp::host::VirtualAddress;
    use vrrp::linux::{Netlink, NetlinkError};
    let mut netlink = Netlink::open().expect("netlink");
    let index = interface_index("va").expect("index");
    let address = |n: u32| VirtualAddress::host(Ipv4Addr::from(0xC612_0000 + n).into());
    let (present, nowhere) = (5, 100);
    // For comparison (BENCHMARKS.md): as many on the other end of the pair, which has no address
    // either (the kernel's work grows with an interface's addresses), one request and one
    // acknowledgement each.
    let other = interface_index("vb").expect("index");
    let started = Instant::now();
    for n in 1000..1300 {
        netlink.add_address(other, &address(n)).expect("added");
    }
    let one_by_one = started.elapsed();
    netlink
        .add_address(index, &address(present))
        .expect("one there before");
    let batch: Vec<(u32, VirtualAddress)> = (0..300)
        .map(|n| (if n == nowhere { 0x7fff_0000 } else { index }, address(n)))
        .collect();
    let started = Instant::now();
    let outcomes = netlink.add_addresses(&batch);
    let batched = started.elapsed();
    assert_eq!(outcomes.len(), batch.len());
    for (n, outcome) in (0..).zip(&outcomes) {
        match n {
            n if n == present => assert!(
                matches!(outcome, Err(NetlinkError::AlreadyPresent { address: a, .. }) if *a == address(present).address),
                "{outcome:?}"
            ),
            n if n == nowhere => assert!(
                matches!(outcome, Err(NetlinkError::Io { .. })),
                "{outcome:?}"
            ),
            _ => assert!(outcome.is_ok(), "{n}: {outcome:?}"),
        }
    }
    let shown = netns::ip(&["-o", "-4", "addr", "show", "dev", "va"]);
    let held = shown.lines().filter(|l| l.contains(" 198.18.")).count();
    assert_eq!(held, 299, "every address but the one on no interface");
    // Renewed in batches too: each held address gets the lifetime.
    let renewed: Vec<(u32, VirtualAddress)> = (0..300)
        .filter(|&n| n != nowhere)
        .map(|n| {
            let lifetime = Some(Duration::from_secs(60));
            (
                index,
                VirtualAddress {
                    lifetime,
                    ..address(n)
                },
            )
        })
        .collect();
    let outcomes = netlink.renew_addresses(&renewed);
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    let line = address_line("198.18.1.43").expect("held");
    assert!(matches!(valid_lft(&line), Some(58..=60)), "{line}");
    // The socket is in step after the batch: a single request gets its own answer.
    assert!(matches!(
        netlink.add_address(index, &address(7)),
        Err(NetlinkError::AlreadyPresent { .. })
    ));
    report(&format!(
        "batch ok {} {}",
        batched.as_micros(),
        one_by_one.as_micros()
    ));
}

#[test]
#[ignore = "needs root: creates network namespaces (README's second test command)"]
fn netlink_adds_hundreds_of_addresses_in_batches_each_with_its_own_outcome() {
    if std::env::var(ROLE).as_deref() == Ok("batch") {
        return exercise_batch();
    }
    let netns = Netns::with_veth_pair("batch");
    let child = netns.spawn(BATCH_TEST, "batch", &[]);
    let line = child.next(Duration::from_secs(30)).expect("a report");
    child.finish();
    let times = line.strip_prefix("batch ok ").expect("batch ok");
    let (batched, one_by_one) = times.split_once(' ').expect("two times");
    println!("300 addresses: {batched} µs in batches, {one_by_one} µs one request each");
}

#[test]
#[ignore = "needs root: creates network namespaces (README's second test command)"]
fn netlink_installs_addresses_with_a_lifetime_and_renews_them_in_place() {
    if std::env::var(ROLE).as_deref() == Ok("lifetime") {
        return exercise_lifetimes();
    }
    let netns = Netns::with_veth_pair("lifetime");
    let child = netns.spawn(LIFETIME_TEST, "lifetime", &[]);
    let line = child.next(Duration::from_secs(30)).expect("a report");
    child.finish();
    let millis = line.strip_prefix("lifetime ok ").expect("lifetime ok");
    println!("a 3 s address not renewed was gone after {millis} ms");
}

const EVENTS_TEST: &str = "netlink_events_report_link_and_address_changes";

/// Inside the namespace: waits up to 5 s for an event that `matches`.
fn wait_for(
    events: &mut vrrp::linux::NetlinkEvents,
    what: &str,
    matches: impl Fn(&vrrp::linux::NetlinkEvent) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if events.recv().expect("events").iter().any(&matches) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("no event: {what}");
}

fn follow_events() {
    use vrrp::linux::{NetlinkEvent, NetlinkEvents};
    let index = interface_index("va").expect("index");
    let mut events = NetlinkEvents::subscribe().expect("subscribe");
    assert_eq!(events.recv().expect("events"), [], "nothing happened yet");

    netns::ip(&["link", "set", "vb", "down"]);
    wait_for(
        &mut events,
        "va loses carrier",
        |e| matches!(e, NetlinkEvent::Link(i) if i.index == index && i.up && !i.running),
    );
    netns::ip(&["link", "set", "vb", "up"]);
    wait_for(
        &mut events,
        "va has carrier again",
        |e| matches!(e, NetlinkEvent::Link(i) if i.index == index && i.running),
    );
    let added: IpAddr = "192.0.2.50".parse().expect("address");
    netns::ip(&["addr", "add", "192.0.2.50/24", "dev", "va"]);
    wait_for(
        &mut events,
        "address added",
        |e| matches!(e, NetlinkEvent::AddressAdded(a) if a.address == added && a.interface_index == index),
    );
    netns::ip(&["addr", "del", "192.0.2.50/24", "dev", "va"]);
    wait_for(
        &mut events,
        "address removed",
        |e| matches!(e, NetlinkEvent::AddressRemoved(a) if a.address == added),
    );
    report("events ok");
}

#[test]
#[ignore = "needs root: creates network namespaces (README's second test command)"]
fn netlink_events_report_link_and_address_changes() {
    if std::env::var(ROLE).as_deref() == Ok("events") {
        return follow_events();
    }
    Netns::with_veth_pair("events").run_child(EVENTS_TEST, "events", "events ok");
}

const ANNOUNCE_TEST: &str =
    "v3_fsm_09_announcements_make_the_neighbours_resolve_the_virtual_addresses_to_the_virtual_macs";

fn announce() {
    use vrrp::host::announce::{gratuitous_arp, unsolicited_neighbor_advertisement};
    use vrrp::linux::FrameSocket;
    let index = interface_index("va").expect("index");
    let frames = FrameSocket::open().expect("packet socket");
    let vrid = vrrp::Vrid::new(51).expect("non-zero");
    let mac4 = vrrp::MacAddress::virtual_router(vrid, AddressFamily::Ipv4);
    let arp = gratuitous_arp(Ipv4Addr::new(192, 0, 2, 100), mac4).expect("ARP frame");
    for _ in 0..3 {
        frames.send_frame(index, &arp).expect("announce IPv4");
    }
    let mac6 = vrrp::MacAddress::virtual_router(vrid, AddressFamily::Ipv6);
    for address in [
        Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x100),
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100),
    ] {
        let na = unsolicited_neighbor_advertisement(address, mac6, SENDER_LL).expect("NA frame");
        for _ in 0..2 {
            frames.send_frame(index, &na).expect("announce IPv6");
        }
    }
    report("announced");
}

#[test]
#[ignore = "needs root: creates network namespaces (README's second test command)"]
fn v3_fsm_09_announcements_make_the_neighbours_resolve_the_virtual_addresses_to_the_virtual_macs() {
    if std::env::var(ROLE).as_deref() == Ok("announce") {
        return announce();
    }
    let (a, b) = netns::linked_pair("ann");
    b.ip(&["addr", "add", "2001:db8::2/64", "dev", "vb", "nodad"]);
    // Hosts only learn from unsolicited announcements when told to (or when they already knew the
    // address); this stands for a client that had the VIP in its cache. Linux applies RFC 9131's
    // untracked-NA rule on routers only, hence forwarding.
    b.sysctl("net.ipv4.conf.vb.arp_accept", "1");
    b.sysctl("net.ipv6.conf.vb.forwarding", "1");
    b.sysctl("net.ipv6.conf.vb.accept_untracked_na", "1");

    let child = a.spawn(ANNOUNCE_TEST, "announce", &[]);
    assert_eq!(
        child.next(Duration::from_secs(10)).as_deref(),
        Some("announced")
    );
    child.finish();
    let expected = [
        "192.0.2.100 lladdr 00:00:5e:00:01:33",
        "fe80::100 lladdr 00:00:5e:00:02:33",
        "2001:db8::100 lladdr 00:00:5e:00:02:33",
    ];
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut neighbours = String::new();
    while Instant::now() < deadline {
        neighbours = b.ip(&["neigh", "show", "dev", "vb"]);
        if expected.iter().all(|entry| neighbours.contains(entry)) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the neighbour cache of the peer lacks {expected:?}:\n{neighbours}");
}

const MACVLAN_TEST: &str =
    "v3_mac_02_03_9568_10_a_virtual_mac_device_has_a_random_link_local_not_derived_from_the_vmac";

fn create_macvlan() {
    use vrrp::linux::{Netlink, NetlinkError};
    let mut netlink = Netlink::open().expect("netlink");
    let parent = interface_index("va").expect("index");
    let vmac = vrrp::MacAddress::virtual_router(
        vrrp::Vrid::new(51).expect("non-zero"),
        AddressFamily::Ipv6,
    );
    let index = netlink
        .create_macvlan(parent, "vrrp6.51", vmac)
        .expect("create");
    assert!(matches!(
        netlink.create_macvlan(parent, "vrrp6.51", vmac),
        Err(NetlinkError::InterfaceExists(_))
    ));
    let details = netns::ip(&["-d", "link", "show", "vrrp6.51"]);
    for expected in [
        "link/ether 00:00:5e:00:02:33",
        "macvlan mode bridge",
        "addrgenmode random",
        "state UP",
    ] {
        assert!(
            details.contains(expected),
            "{expected} missing from:\n{details}"
        );
    }
    let interface = netlink.interface_by_name("vrrp6.51").expect("listed");
    assert_eq!((interface.index, interface.mac), (index, Some(vmac)));
    // The link-local address comes with the link; the one EUI-64 would derive from the virtual MAC
    // (fe80::200:5eff:fe00:233) is what two routers must never share.
    let deadline = Instant::now() + Duration::from_secs(5);
    let link_locals = loop {
        let link_locals: Vec<_> = netlink
            .addresses(index, AddressFamily::Ipv6)
            .expect("addresses")
            .into_iter()
            .map(|a| a.address)
            .collect();
        if !link_locals.is_empty() || Instant::now() > deadline {
            break link_locals;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let eui64: IpAddr = "fe80::200:5eff:fe00:233".parse().expect("address");
    assert!(
        !link_locals.is_empty() && !link_locals.contains(&eui64),
        "{link_locals:?}"
    );
    netlink.set_link_up(index, false).expect("down");
    assert!(netns::ip(&["link", "show", "vrrp6.51"]).contains("state DOWN"));
    netlink.delete_link(index).expect("delete");
    assert!(netlink.interface_by_name("vrrp6.51").is_err());
    report("macvlan ok");
}

#[test]
#[ignore = "needs root: creates network namespaces (README's second test command)"]
fn v3_mac_02_03_9568_10_a_virtual_mac_device_has_a_random_link_local_not_derived_from_the_vmac() {
    if std::env::var(ROLE).as_deref() == Ok("macvlan") {
        return create_macvlan();
    }
    Netns::with_veth_pair("macvlan").run_child(MACVLAN_TEST, "macvlan", "macvlan ok");
}

#[cfg(feature = "tokio")]
const ASYNC_RECONFIGURE_TEST: &str =
    "the_async_driver_applies_a_reconfiguration_and_receives_on_the_socket_it_opened";

/// Inside the driver's namespace: an IPv4 router on `vb` under `run_async`; a reconfiguration that
/// shares its address is refused, one that adds an IPv6 router is applied, and every state change
/// is reported with the milliseconds since that addition. The IPv6 socket is opened by the
/// reconfiguration, so the IPv6 router hears the sender only if `run_async` registered it.
#[cfg(feature = "tokio")]
fn run_reconfigured_async_driver() {
    use std::sync::{Arc, Mutex};
    use vrrp::host::{Event, Instance, Reconfiguration};
    use vrrp::linux::Driver;
    use vrrp::{Config, RouterKey};

    let index = interface_index("vb").expect("vb");
    let config = move |vrid: u8, primary: IpAddr, vips: &[IpAddr]| {
        let mut builder = Config::builder(index, crate::common::adverts::vrid(vrid), primary)
            .priority(Priority::DEFAULT)
            .advert_interval(Duration::from_millis(100));
        for vip in vips {
            builder = builder.address(*vip);
        }
        Instance::new(builder.build().expect("valid"))
    };
    let own_v4: IpAddr = Ipv4Addr::new(192, 0, 2, 2).into();
    let own_ll: IpAddr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2).into();
    let vip_v4: IpAddr = Ipv4Addr::new(192, 0, 2, 100).into();
    let v4 = config(51, own_v4, &[vip_v4]);
    let v4_key = RouterKey::of(v4.config());
    let driver = Driver::new(vec![v4]).expect("driver");
    let handle = driver.handle();
    let added_at: Arc<Mutex<Option<Instant>>> = Arc::default();
    let added = Arc::clone(&added_at);
    let controller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        let sharing = config(52, own_v4, &[vip_v4]);
        let refused = handle.reconfigure(Reconfiguration {
            add: vec![sharing],
            ..Reconfiguration::default()
        });
        report(&format!(
            "refused {}",
            refused.expect_err("a shared address")
        ));
        let v6 = config(
            51,
            own_ll,
            &[
                Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x100).into(),
                Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100).into(),
            ],
        );
        let keys = handle
            .reconfigure(Reconfiguration {
                add: vec![v6],
                ..Reconfiguration::default()
            })
            .expect("applied");
        *added.lock().expect("no panics") = Some(Instant::now());
        report(&format!("added {}", keys.len()));
        std::thread::sleep(Duration::from_secs(6));
        handle
            .reconfigure(Reconfiguration {
                remove: vec![v4_key],
                ..Reconfiguration::default()
            })
            .expect("removed");
        handle.shutdown().expect("running");
    });
    let on_event = |event: Event| {
        if let Event::StateChanged { router, to, .. } = event {
            let since = added_at
                .lock()
                .expect("no panics")
                .map_or(0, |at| at.elapsed().as_millis());
            report(&format!("state {} {to} {since}", router.family));
        }
    };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(driver.run_async(on_event))
        .expect("the driver ran");
    controller.join().expect("controller");
    report("done");
}

#[cfg(feature = "tokio")]
#[test]
#[ignore = "needs root: creates network namespaces (README's second test command)"]
fn the_async_driver_applies_a_reconfiguration_and_receives_on_the_socket_it_opened() {
    match std::env::var(ROLE).as_deref() {
        Ok("driver") => return run_reconfigured_async_driver(),
        Ok("send") => return send(),
        _ => {}
    }
    let (a, b) = netns::linked_pair("reconf");

    let driver = b.spawn(ASYNC_RECONFIGURE_TEST, "driver", &[]);
    let mut lines = Vec::new();
    let mut next = |what: &str| {
        let line = driver
            .next(Duration::from_secs(10))
            .unwrap_or_else(|| panic!("no {what} line after {lines:?}"));
        lines.push(line.clone());
        line
    };
    assert_eq!(next("startup"), "state ipv4 backup 0");
    assert_eq!(next("election"), "state ipv4 master 0");
    let refused = next("refusal");
    assert!(
        refused.starts_with("refused reconfiguration refused, nothing changed")
            && refused.contains("192.0.2.100"),
        "{refused}"
    );
    assert!(next("the IPv6 router's start").starts_with("state ipv6 backup"));
    assert_eq!(next("the addition"), "added 1");
    // One advert per family at priority 200 with a 1 s interval: the IPv4 Master steps down, and
    // the IPv6 Backup, which would have taken over after 361 ms on its own, learns the 1 s
    // interval and waits 3 × 1 s + Skew_Time (3.61 s) from it.
    let sender = a.spawn(
        ASYNC_RECONFIGURE_TEST,
        "send",
        &[("VRRP_NETNS_DEVICE", "va")],
    );
    sender.finish();
    let mut rest: Vec<String> = std::iter::from_fn(|| driver.next(Duration::from_secs(10)))
        .take_while(|line| line != "done")
        .collect();
    driver.finish();
    let v6_master = rest
        .iter()
        .find_map(|l| l.strip_prefix("state ipv6 master "))
        .and_then(|ms| ms.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("the IPv6 router became Master: {rest:?}"));
    assert!((3000..5000).contains(&v6_master), "{rest:?}");
    rest.retain(|l| !l.starts_with("state ipv6 master "));
    let words = |l: &String| l.split(' ').take(3).collect::<Vec<_>>().join(" ");
    let rest: Vec<String> = rest.iter().map(words).collect();
    assert_eq!(
        rest,
        [
            "state ipv4 backup",
            // Its own timer after the 1 s advert, then removed by the last reconfiguration.
            "state ipv4 master",
            "state ipv4 initialize",
            "state ipv6 initialize",
        ],
        "{lines:?}"
    );
}

const ROUTES_TEST: &str =
    "netlink_installs_routes_and_rules_marked_as_ours_and_reports_their_deletion";

/// What `ip` shows for `args`, empty when it fails (a table with no route left does not exist).
fn shown(args: &[&str]) -> String {
    let output = std::process::Command::new("ip")
        .args(args)
        .output()
        .expect("ip runs");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Inside the namespace: every kind of route and rule the keepalived readers produce is taken by
/// the kernel as written and marked as ours; an identical one is reported as already there; a
/// removal takes only ours; deletions of ours are reported, an operator's are not.
fn exercise_routes() {
    use vrrp::host::{
        Added, NextHop, RouteKind, RouteMetric, RouteMetricKind, RuleAction, VirtualRoute,
        VirtualRule,
    };
    use vrrp::linux::{Netlink, NetlinkEvent, NetlinkEvents};
    let ip = |text: &str| -> IpAddr { text.parse().expect("address") };
    netns::ip(&["-6", "addr", "add", "2001:db8::1/64", "dev", "va", "nodad"]);
    let index = interface_index("va").expect("index");
    let mut netlink = Netlink::open().expect("netlink");
    let mut events = NetlinkEvents::subscribe().expect("subscribe");
    events.watch_routing().expect("routes and rules");

    let mut table = VirtualRoute::new(ip("198.51.100.0"), 24);
    let mut gateway = NextHop::via(ip("192.0.2.254"));
    gateway.interface_index = Some(index);
    table.next_hops.push(gateway);
    table.table = 1000;
    table.metric = Some(5);
    table.source = Some(ip("192.0.2.1"));
    table.metrics.push(RouteMetric {
        kind: RouteMetricKind::Mtu,
        value: 1400,
        locked: true,
    });
    let mut multipath = VirtualRoute::new(ip("198.51.101.0"), 24);
    let mut heavy = NextHop::via(ip("192.0.2.3"));
    heavy.weight = 3;
    multipath.next_hops = vec![NextHop::via(ip("192.0.2.2")), heavy];
    let mut blackhole = VirtualRoute::new(ip("198.51.102.0"), 24);
    blackhole.kind = RouteKind::Blackhole;
    let mut v6 = VirtualRoute::new(ip("2001:db8:1::"), 64);
    v6.next_hops.push(NextHop::via(ip("2001:db8::fe")));
    v6.preference = Some(1);
    let mut onlink = VirtualRoute::new(ip("203.0.113.0"), 24);
    let mut far = NextHop::via(ip("203.0.113.1"));
    far.interface_index = Some(index);
    far.onlink = true;
    onlink.next_hops.push(far);
    let routes = [&table, &multipath, &blackhole, &v6, &onlink];
    for route in routes {
        assert_eq!(
            netlink.add_route(route).expect("added"),
            Added::Added,
            "{route}"
        );
        assert_eq!(
            netlink.add_route(route).expect("there"),
            Added::AlreadyPresent,
            "{route}"
        );
    }
    let line = shown(&["route", "show", "table", "1000"]);
    for part in [
        "via 192.0.2.254",
        "proto 112",
        "metric 5",
        "mtu lock 1400",
        "src 192.0.2.1",
    ] {
        assert!(line.contains(part), "{part}: {line}");
    }
    let line = shown(&["route", "show", "198.51.101.0/24"]);
    assert!(
        line.contains("nexthop via 192.0.2.3 dev va weight 3"),
        "{line}"
    );
    assert!(shown(&["route", "show", "type", "blackhole"]).contains("198.51.102.0/24"));
    let line = shown(&["-6", "route", "show", "2001:db8:1::/64"]);
    assert!(
        line.contains("via 2001:db8::fe") && line.contains("pref high"),
        "{line}"
    );
    assert!(shown(&["route", "show", "203.0.113.0/24"]).contains("onlink"));

    let mut rule = VirtualRule::new(RuleAction::Table(1000));
    rule.from = Some((ip("192.0.2.1"), 32));
    rule.priority = Some(100);
    rule.fwmark = Some((7, Some(0xff)));
    let mut rule6 = VirtualRule::new(RuleAction::Table(1000));
    rule6.from = Some((ip("2001:db8::"), 64));
    rule6.priority = Some(101);
    for rule in [&rule, &rule6] {
        assert_eq!(
            netlink.add_rule(rule).expect("added"),
            Added::Added,
            "{rule}"
        );
        assert_eq!(
            netlink.add_rule(rule).expect("there"),
            Added::AlreadyPresent,
            "{rule}"
        );
    }
    let line = shown(&["rule", "show", "pref", "100"]);
    assert!(
        line.contains("from 192.0.2.1 fwmark 0x7/0xff lookup 1000 proto 112"),
        "{line}"
    );
    assert!(
        shown(&["-6", "rule", "show", "pref", "101"]).contains("from 2001:db8::/64 lookup 1000")
    );

    // Deleted by hand: reported, with what identifies the route; an operator's is not.
    netns::ip(&["route", "add", "198.51.103.0/24", "dev", "va"]);
    netns::ip(&["route", "del", "198.51.103.0/24", "dev", "va"]);
    netns::ip(&["route", "del", "198.51.100.0/24", "table", "1000"]);
    netns::ip(&["rule", "del", "pref", "100"]);
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while seen.len() < 2 && Instant::now() < deadline {
        seen.extend(
            events
                .recv()
                .expect("events")
                .into_iter()
                .filter(|e| matches!(e, NetlinkEvent::RouteRemoved(_) | NetlinkEvent::RuleRemoved)),
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        seen,
        [
            NetlinkEvent::RouteRemoved(table.id()),
            NetlinkEvent::RuleRemoved
        ]
    );

    // A removal takes ours only: an operator's identical route stays.
    let mut statics = VirtualRoute::new(ip("198.51.104.0"), 24);
    statics.next_hops.push(NextHop::via(ip("192.0.2.254")));
    netns::ip(&[
        "route",
        "add",
        "198.51.104.0/24",
        "via",
        "192.0.2.254",
        "proto",
        "static",
    ]);
    netlink
        .remove_route(&statics)
        .expect("nothing of ours to remove");
    assert!(!shown(&["route", "show", "198.51.104.0/24"]).is_empty());
    for route in [&multipath, &blackhole, &v6, &onlink, &table] {
        netlink.remove_route(route).expect("removed");
        netlink.remove_route(route).expect("gone is no error");
    }
    for rule in [&rule6, &rule] {
        netlink.remove_rule(rule).expect("removed");
        netlink.remove_rule(rule).expect("gone is no error");
    }
    assert!(!shown(&["route", "show", "proto", "112"]).contains("198.51"));
    assert!(!shown(&["-6", "route", "show", "proto", "112"]).contains("2001:db8:1::"));
    assert!(!shown(&["-6", "rule", "show"]).contains("lookup 1000"));
    report("routes ok");
}

#[test]
#[ignore = "needs root: creates network namespaces (README's second test command)"]
fn netlink_installs_routes_and_rules_marked_as_ours_and_reports_their_deletion() {
    if std::env::var(ROLE).as_deref() == Ok("routes") {
        return exercise_routes();
    }
    Netns::with_veth_pair("routes").run_child(ROUTES_TEST, "routes", "routes ok");
}
