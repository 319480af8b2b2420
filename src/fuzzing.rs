//! What must hold for any input (feature `fuzzing`): the bodies of the fuzz targets in `fuzz/`,
//! which the test `tests/fuzz_corpus.rs` also runs on every seed of their corpus on stable Rust.
//! Each function takes the fuzzer's bytes, panics when an invariant breaks, and returns whether
//! the input parsed. Not a stable API: it follows the fuzz targets.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::packet::{Advertisement, ChecksumAcceptance, ChecksumForm, Ipv4Datagram, RxMeta};

/// Input: a flags byte (bit 0: IPv6; bits 1-2: accepted checksum forms; bit 3: hop limit 254 instead
/// of 255), the source and destination addresses of the family, then the VRRP message.
pub fn advertisement(data: &[u8]) -> bool {
    let Some((&flags, rest)) = data.split_first() else {
        return false;
    };
    let hop_limit = if flags & 0b1000 != 0 { 254 } else { 255 };
    let acceptance = match (flags >> 1) & 0b11 {
        1 => ChecksumAcceptance::Only(ChecksumForm::PseudoHeader),
        2 => ChecksumAcceptance::Only(ChecksumForm::MessageOnly),
        _ => ChecksumAcceptance::Either,
    };
    let (rx, message) = if flags & 1 == 0 {
        let Some((addresses, message)) = rest.split_first_chunk::<8>() else {
            return false;
        };
        let [s0, s1, s2, s3, d0, d1, d2, d3] = *addresses;
        let source = Ipv4Addr::new(s0, s1, s2, s3);
        let destination = Ipv4Addr::new(d0, d1, d2, d3);
        (RxMeta::ipv4(source, destination, hop_limit, 1), message)
    } else {
        let Some((addresses, message)) = rest.split_first_chunk::<32>() else {
            return false;
        };
        let (source, destination) = addresses.split_at(16);
        let octets = |half: &[u8]| {
            let mut octets = [0; 16];
            octets.copy_from_slice(half);
            Ipv6Addr::from(octets)
        };
        (
            RxMeta::ipv6(octets(source), octets(destination), hop_limit, 1),
            message,
        )
    };
    match Advertisement::parse_with(&rx, message, acceptance) {
        Ok(advert) => {
            assert_stable(&rx, message.len(), &advert, acceptance);
            true
        }
        Err(_) => false,
    }
}

/// Input: an IPv4 datagram as a raw socket returns it.
pub fn ipv4_datagram(data: &[u8]) -> bool {
    // The same bytes as keepalived's `auth_type AH` datagram: taken apart within its bounds, and
    // checked without a panic.
    if let Ok((ah, message)) = crate::packet::ipsec_ah::AhContext::open(data) {
        let key = crate::packet::Password::new(b"fuzz").expect("4 bytes");
        let _ = ah.verify(&key, &data[message], false);
    }
    match Advertisement::parse_ipv4_datagram(data, 1, ChecksumAcceptance::Either) {
        Ok((rx, advert)) => {
            // The VRRP message is the datagram's payload as its header bounds it: an advert
            // accepted from a payload longer or shorter than the message it emits is a bug.
            let payload = Ipv4Datagram::parse(data)
                .expect("parsed once already")
                .payload;
            assert_stable(&rx, payload.len(), &advert, ChecksumAcceptance::Either);
            true
        }
        Err(_) => false,
    }
}

/// parse → emit → parse gives the same advertisement, and the message had exactly its length.
fn assert_stable(
    rx: &RxMeta,
    received_len: usize,
    advert: &Advertisement,
    acceptance: ChecksumAcceptance,
) {
    assert_eq!(
        received_len,
        advert.buffer_len(),
        "parse accepted a message of another length"
    );
    let mut out = vec![0; advert.buffer_len()];
    let len = advert
        .emit(rx.source(), rx.destination(), &mut out)
        .expect("a parsed advertisement emits");
    assert_eq!(len, out.len());
    let again =
        Advertisement::parse_with(rx, &out, acceptance).expect("an emitted advertisement parses");
    assert_eq!(&again, advert);
}

/// Input: a configuration selector, then operations (a tag byte and its arguments) fed to one
/// virtual router. Invariants: nothing panics; `handle_timeout` before `poll_timeout()` changes
/// nothing; a non-owner holds its addresses exactly when it is Master. Returns whether it ran.
pub fn router_sequence(data: &[u8]) -> bool {
    use std::collections::BTreeSet;
    use std::time::{Duration, Instant};

    use crate::{Action, Priority, State, VirtualRouter};

    let Some((&selector, mut ops)) = data.split_first() else {
        return false;
    };
    let Some(config) = sequence::config(selector) else {
        return false;
    };
    let owner = config.is_owner();
    let mut router = VirtualRouter::new(config);
    let t0 = Instant::now();
    let mut now = t0;
    let mut held = BTreeSet::new();
    let apply = |router: &mut VirtualRouter, held: &mut BTreeSet<std::net::IpAddr>| {
        while let Some(action) = router.poll_action() {
            match action {
                Action::AddAddresses { addresses, .. } => held.extend(addresses.iter()),
                Action::RemoveAddresses(addresses) => {
                    for address in addresses.iter() {
                        assert!(held.remove(&address), "removed {address} that was not held");
                    }
                }
                _ => {}
            }
        }
        if !owner {
            assert_eq!(
                !held.is_empty(),
                router.state() == State::Master,
                "addresses and state disagree"
            );
        }
    };
    while let Some((&tag, rest)) = ops.split_first() {
        ops = rest;
        let mut arg = || {
            let (&byte, rest) = ops.split_first().unwrap_or((&0, &[]));
            ops = rest;
            byte
        };
        match tag % 10 {
            0 => router.start(now),
            1 => router.shutdown(now),
            2 => {
                if let Some(at) = router.poll_timeout() {
                    now = now.max(at);
                    router.handle_timeout(now);
                }
            }
            3 => now += Duration::from_millis(u64::from(arg()) * 8),
            4 => {
                // Early: strictly before the deadline, nothing may happen.
                if let Some(at) = router.poll_timeout().filter(|&at| at > now) {
                    let state = router.state();
                    router.handle_timeout(now);
                    assert!(router.poll_action().is_none(), "an early timeout acted");
                    assert_eq!((router.state(), router.poll_timeout()), (state, Some(at)));
                }
            }
            5 => match arg() {
                selector if selector % 2 == 0 => router.set_priority(now, Priority::new(arg())),
                _ => router.set_tracking_weight(now, i16::from_be_bytes([arg(), arg()])),
            },
            6 => router.handle_link(now, arg() % 2 == 0),
            7 => router.set_tracking_fault(now, arg() % 2 == 0),
            8 => {
                let (priority, interval, source) = (arg(), arg(), arg());
                let (rx, bytes) = sequence::advert(router.config(), priority, interval, source);
                let _ = router.handle_packet(now, &rx, &bytes);
            }
            _ => {
                let len = usize::from(arg()).min(ops.len());
                let (bytes, rest) = ops.split_at(len);
                ops = rest;
                let rx = sequence::peer_rx(router.config(), 7);
                let _ = router.handle_packet(now, &rx, bytes);
            }
        }
        apply(&mut router, &mut held);
    }
    true
}

/// Input: operations (a tag byte and its arguments) on an event loop over an in-memory host that
/// runs an IPv4 and an IPv6 virtual router: packets (sound adverts with fuzzed fields, or raw
/// bytes), time, links going down and up, addresses removed behind its back, change streams that
/// overrun, backend failures injected, and the handle's commands. Invariants: nothing panics, no
/// state change is to the state it leaves, and a timer is never due before the time it was last
/// given. Returns whether it ran.
pub fn event_loop(data: &[u8]) -> bool {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use crate::host::memory::{Fault, MemoryHost, MemorySetup};
    use crate::host::{Event, EventLoop, Instance, Reconfiguration, VirtualAddress};
    use crate::{Priority, RouterKey};

    const LAN: u32 = 1;
    let host = MemoryHost::default();
    host.set_link(LAN, true);
    let configs: Vec<_> = [0u8, 2].into_iter().filter_map(sequence::config).collect();
    for config in &configs {
        host.add_address(LAN, VirtualAddress::host(config.primary_address()));
    }
    let keys: Vec<RouterKey> = configs.iter().map(RouterKey::of).collect();
    let mut event_loop = EventLoop::new(host.applier(), Arc::new(|| {}));
    let mut setup = MemorySetup::new(&host);
    let t0 = Instant::now();
    let mut now = t0;
    let mut check = |event: Event| {
        if let Event::StateChanged { from, to, .. } = event {
            assert_ne!(from, to, "a state change to the same state");
        }
    };
    let change = Reconfiguration {
        add: configs.iter().cloned().map(Instance::new).collect(),
        ..Reconfiguration::default()
    };
    if event_loop
        .reconfigure(now, &change, &mut setup, &mut check)
        .is_err()
    {
        return false;
    }
    event_loop.start(now, &mut check);
    let handle = event_loop.handle();
    host.set_change_capacity(8);
    let mut ops = data;
    while let Some((&tag, rest)) = ops.split_first() {
        ops = rest;
        let mut arg = || {
            let (&byte, rest) = ops.split_first().unwrap_or((&0, &[]));
            ops = rest;
            byte
        };
        let key = keys[usize::from(arg()) % keys.len()];
        let config = configs[keys.iter().position(|k| *k == key).unwrap_or(0)].clone();
        match tag % 12 {
            0 => now += Duration::from_millis(u64::from(arg()) * 4),
            1 => {
                if let Some(at) = event_loop.poll_timeout() {
                    now = now.max(at);
                }
                event_loop.handle_timeout(now, &mut check);
            }
            2 => {
                let (priority, interval, source) = (arg(), arg(), arg());
                let (rx, bytes) = sequence::advert(&config, priority, interval, source);
                let _ = event_loop.handle_packet(now, &rx, &bytes, &mut check);
            }
            3 => {
                let len = usize::from(arg()).min(ops.len());
                let (bytes, rest) = ops.split_at(len);
                ops = rest;
                let rx = sequence::peer_rx(&config, 7);
                let _ = event_loop.handle_packet(now, &rx, bytes, &mut check);
            }
            4 => host.set_link(LAN, arg() % 2 == 0),
            5 => {
                let address = config.addresses().iter().next();
                if let Some(address) = address {
                    host.remove_address(LAN, address);
                }
            }
            6 => {
                let fault = match arg() % 5 {
                    0 => Fault::Send,
                    1 => Fault::Add,
                    2 => Fault::Remove,
                    3 => Fault::Announce,
                    _ => Fault::Renew,
                };
                host.fail_next(fault, u32::from(arg() % 4));
            }
            7 => {
                let _ = handle.set_priority(key, Priority::new(arg()));
            }
            8 => {
                let _ = handle.set_healthy(key, arg() % 2 == 0);
            }
            9 => {
                let _ = handle.set_tracking_fault(key, arg() % 2 == 0);
            }
            10 => {
                let _ = handle.request_stats();
            }
            _ => {
                let _ = handle.hand_over();
            }
        }
        match host.read_changes() {
            Ok(changes) => {
                for change in changes {
                    event_loop.handle_change(now, change, &mut check);
                }
            }
            Err(_) => event_loop.resynchronize(now, &host.snapshot(), &mut check),
        }
        event_loop.handle_commands(now, &mut setup, &mut check);
        if event_loop.has_handed_over() {
            break;
        }
        event_loop.handle_timeout(now, &mut check);
        if let Some(at) = event_loop.poll_timeout() {
            assert!(
                at > now,
                "a timer due at {at:?} is still pending at {now:?}"
            );
        }
    }
    event_loop.shutdown(now, &mut check);
    true
}

/// Input: files separated by a line `@@`: the main configuration (/etc/keepalived/keepalived.conf),
/// then /etc/keepalived/conf.d/a.conf, b.conf and /etc/keepalived/other.conf, which it may
/// include. Invariants: nothing panics, and every instance that becomes a configuration, written
/// back as keepalived.conf, reads back as the same configuration. Returns whether it parsed.
pub fn keepalived_conf(data: &[u8]) -> bool {
    use std::net::IpAddr;

    use crate::AddressFamily;
    use crate::keepalived::{MemoryFiles, instance_block, parse_file_with, parse_str};

    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let names = [
        "/etc/keepalived/keepalived.conf",
        "/etc/keepalived/conf.d/a.conf",
        "/etc/keepalived/conf.d/b.conf",
        "/etc/keepalived/other.conf",
    ];
    let mut files = MemoryFiles::default();
    for (name, part) in names.iter().zip(text.split("\n@@\n")) {
        files.insert(*name, part);
    }
    let Ok(config) = parse_file_with(&files, names[0]) else {
        return false;
    };
    for instance in &config.instances {
        let own: IpAddr = match instance.family {
            AddressFamily::Ipv4 => Ipv4Addr::new(192, 0, 2, 1).into(),
            AddressFamily::Ipv6 => Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1).into(),
        };
        let Ok(built) = instance.config(2, own) else {
            continue;
        };
        let Ok(block) = instance_block(&built, &instance.name, "eth0") else {
            continue;
        };
        let text = block;
        let reread = parse_str("written.conf", &text)
            .unwrap_or_else(|error| panic!("written back and refused: {error}\n{text}"));
        let [again] = reread.instances.as_slice() else {
            panic!(
                "written back as {} instances:\n{text}",
                reread.instances.len()
            );
        };
        let rebuilt = again.config(2, own).expect("written back, it builds");
        assert_eq!(format!("{rebuilt:?}"), format!("{built:?}"), "{text}");
    }
    true
}

/// Input: a flags byte (bit 0: IPv6; bits 1-2: mode, 0 enforce, 1 permissive, 2 receive-only;
/// bit 3: monotonic anti-replay), a signed byte of seconds added to the receiver's clock (which
/// otherwise reads the draft's sequence time, 0x68000000.5), then a VRRP payload that crossed one
/// router from the draft's sender to a Backup that shares the draft's key. Whatever it holds:
/// no panic; in enforce mode nothing without a trailer is accepted; the authenticated count grows
/// exactly when a trailer came and was accepted; a trailer that reads writes back the same.
/// Returns whether the advert was accepted.
#[cfg(feature = "auth-hmac")]
pub fn auth_trailer(data: &[u8]) -> bool {
    use std::net::IpAddr;
    use std::time::{Duration, Instant};

    use crate::packet::{TRAILER_LEN, Trailer};
    use crate::{AntiReplay, Config, HmacAuth, HmacKey, HmacMode, VirtualRouter, Vrid, WallClock};

    let Some(([flags, offset], payload)) = data.split_first_chunk::<2>() else {
        return false;
    };
    let (sender, me, vip): (IpAddr, IpAddr, IpAddr) = if flags & 1 == 0 {
        let at = |d| Ipv4Addr::new(198, 51, 100, d).into();
        (at(10), at(20), Ipv4Addr::new(192, 0, 2, 100).into())
    } else {
        let at = |d| Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, d).into();
        (at(0x10), at(0x20), at(0x100))
    };
    let mode = match (flags >> 1) & 0b11 {
        1 => HmacMode::Permissive,
        2 => HmacMode::ReceiveOnly,
        _ => HmacMode::Enforce,
    };
    let anti_replay = if flags & 0b1000 == 0 {
        AntiReplay::Time
    } else {
        AntiReplay::Monotonic
    };
    let key: Vec<u8> = (0..32).collect();
    let auth = HmacAuth::builder(1)
        .key(HmacKey::new(1, &key).expect("32 bytes"))
        .mode(mode)
        .anti_replay(anti_replay)
        .build()
        .expect("valid");
    let config = Config::builder(2, Vrid::new(51).expect("not 0"), me)
        .address(vip)
        .unicast_peer(sender)
        .min_hop_limit(1)
        .auth_hmac(auth)
        .build()
        .expect("valid");
    let mut router = VirtualRouter::new(config);
    let t0 = Instant::now();
    let offset = *offset as i8;
    let draft = Duration::new(0x6800_0000, 500_000_000);
    let shift = Duration::from_secs(u64::from(offset.unsigned_abs()));
    let wall = if offset < 0 {
        draft - shift
    } else {
        draft + shift
    };
    router.set_wall_clock(WallClock::new(t0, wall));
    router.start(t0);
    let rx = match (sender, me) {
        (IpAddr::V4(s), IpAddr::V4(d)) => RxMeta::ipv4(s, d, 254, 2),
        (IpAddr::V6(s), IpAddr::V6(d)) => RxMeta::ipv6(s, d, 254, 2),
        _ => unreachable!("one family"),
    };
    let accepted = router.handle_packet(t0, &rx, payload).is_ok();
    let trailer = Trailer::split(rx.family(), payload);
    if accepted && mode == HmacMode::Enforce {
        assert!(
            trailer.is_some(),
            "accepted without a trailer in enforce mode"
        );
    }
    let authenticated = router.stats().rcvd_authenticated() == 1;
    assert_eq!(authenticated, accepted && trailer.is_some());
    if let Some(parsed) = trailer.and_then(|(_, bytes)| Trailer::parse(bytes).ok()) {
        let mut written = [0; TRAILER_LEN];
        parsed.write(&mut written);
        assert_eq!(Some(&written), trailer.map(|(_, bytes)| bytes));
    }
    accepted
}

mod sequence {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    use std::time::Duration;

    use crate::packet::{
        Advertisement, Authentication, ChecksumForm, IPV4_MULTICAST, IPV6_MULTICAST, Password,
        RxMeta, Version,
    };
    use crate::{Config, Interval, Priority, Vrid};

    /// The VRID of every configuration.
    const VRID: Vrid = Vrid::new(51).expect("VRID 51 is not 0");

    /// One of a few configurations: VRRPv3 IPv4, VRRPv2 IPv4 with a password, VRRPv3 IPv6, an owner,
    /// VRRPv3 IPv4 interoperating with VRRPv2.
    pub fn config(selector: u8) -> Option<Config> {
        let local4 = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10));
        let vip4 = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100));
        let builder = match selector % 5 {
            0 => Config::builder(1, VRID, local4)
                .address(vip4)
                .advert_interval(Duration::from_millis(100)),
            1 => Config::builder(1, VRID, local4)
                .address(vip4)
                .version(Version::V2)
                .authentication(Authentication::Password(Password::new(b"secret").ok()?)),
            2 => Config::builder(
                1,
                VRID,
                IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 10)),
            )
            .address(IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x100)))
            .address(IpAddr::V6(Ipv6Addr::new(
                0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100,
            ))),
            3 => Config::builder(1, VRID, local4)
                .address(vip4)
                .priority(Priority::OWNER)
                .owner(true),
            _ => Config::builder(1, VRID, local4)
                .address(vip4)
                .v2_interop(true),
        };
        builder.preempt(selector & 0x10 == 0).build().ok()
    }

    /// Receive metadata for a peer whose address ends in `last`.
    pub fn peer_rx(config: &Config, last: u8) -> RxMeta {
        match config.primary_address() {
            IpAddr::V4(_) => RxMeta::ipv4(Ipv4Addr::new(192, 0, 2, last), IPV4_MULTICAST, 255, 1),
            IpAddr::V6(_) => RxMeta::ipv6(
                Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, u16::from(last)),
                IPV6_MULTICAST,
                255,
                1,
            ),
        }
    }

    /// A well-formed advert for the router's VRID from a peer, with fuzzed priority and interval.
    pub fn advert(config: &Config, priority: u8, interval: u8, source: u8) -> (RxMeta, Vec<u8>) {
        let rx = peer_rx(config, source);
        // In interop mode peers with an odd address speak VRRPv2.
        let v2 = config.version() == Version::V2 || (config.v2_interop() && source % 2 == 1);
        let interval = if v2 {
            Interval::from_secs(interval % 3 + 1)
        } else {
            Interval::from_centis(u16::from(interval) * 4 + 1)
        };
        let advert = Advertisement {
            version: if v2 { Version::V2 } else { Version::V3 },
            vrid: config.vrid(),
            priority: Priority::new(priority),
            interval: interval.unwrap_or_default(),
            addresses: config.addresses().clone(),
            authentication: if config.version() == Version::V2 {
                *config.authentication()
            } else {
                Authentication::None
            },
            checksum_form: if v2 {
                ChecksumForm::MessageOnly
            } else {
                ChecksumForm::PseudoHeader
            },
        };
        let mut bytes = vec![0; advert.buffer_len()];
        let written = advert
            .emit(rx.source(), rx.destination(), &mut bytes)
            .unwrap_or(0);
        bytes.truncate(written);
        (rx, bytes)
    }
}
