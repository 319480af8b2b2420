//! The state machine in steady state: a Backup hearing its Master, and a host of 1,000 virtual
//! routers through one advertisement interval; with HMAC authentication, what signing and
//! verifying add per advert.

use std::hint::black_box;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use vrrp::packet::{
    AddressList, Advertisement, Authentication, ChecksumForm, IPV4_MULTICAST, RxMeta, Version,
};
use vrrp::{
    Config, HmacAuth, HmacKey, Interval, Priority, Routers, VirtualRouter, Vrid, WallClock,
};

const LOCAL: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const PEER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);
const INTERVAL: Duration = Duration::from_millis(100);

fn vip(n: usize) -> Ipv4Addr {
    Ipv4Addr::from(0xC633_6400 + u32::try_from(n).expect("few routers"))
}

/// VRIDs 1–250 on interfaces 1, 2, 3, …: 1,000 routers use 4 interfaces.
fn key(n: usize) -> (u32, Vrid) {
    let vrid = 1 + u8::try_from(n % 250).expect("below 250");
    (
        1 + u32::try_from(n / 250).expect("few"),
        Vrid::new(vrid).expect("non-zero"),
    )
}

fn config(n: usize, priority: u8) -> Config {
    let (interface, vrid) = key(n);
    Config::builder(interface, vrid, LOCAL.into())
        .priority(Priority::new(priority))
        .advert_interval(INTERVAL)
        .address(vip(n).into())
        .build()
        .expect("valid")
}

/// The Master's advert for router `n`, as received.
fn advert(n: usize) -> (RxMeta, Vec<u8>) {
    let (interface, vrid) = key(n);
    let advert = Advertisement {
        version: Version::V3,
        vrid,
        priority: Priority::new(200),
        interval: Interval::from_centis(10).expect("non-zero"),
        addresses: AddressList::ipv4([vip(n)]),
        authentication: Authentication::None,
        checksum_form: ChecksumForm::PseudoHeader,
    };
    let mut bytes = vec![0; advert.buffer_len()];
    advert
        .emit(PEER.into(), IPV4_MULTICAST.into(), &mut bytes)
        .expect("valid");
    (RxMeta::ipv4(PEER, IPV4_MULTICAST, 255, interface), bytes)
}

fn backup_hears_master(c: &mut Criterion) {
    let t0 = Instant::now();
    let mut router = VirtualRouter::new(config(0, 100));
    router.start(t0);
    while router.poll_action().is_some() {}
    let (rx, bytes) = advert(0);
    let mut now = t0;
    c.bench_function("router/backup_receives_advert", |b| {
        b.iter(|| {
            now += Duration::from_micros(1);
            let result = router.handle_packet(black_box(now), black_box(&rx), black_box(&bytes));
            while router.poll_action().is_some() {}
            result
        })
    });
}

/// `count` routers; with `spread`, priorities 1–250 so their Skew_Times, and so their deadlines,
/// differ as they do on a real host.
fn routers(count: usize, spread: bool, t0: Instant) -> Routers {
    let mut routers = Routers::new();
    for n in 0..count {
        let priority = if spread {
            1 + u8::try_from(n % 250).expect("below 250")
        } else {
            100
        };
        routers.add(config(n, priority)).expect("distinct keys");
    }
    routers.start(t0);
    while routers.poll_action().is_some() {}
    routers
}

fn thousand_routers_one_interval(c: &mut Criterion) {
    let adverts: Vec<_> = (0..1000).map(advert).collect();
    let t0 = Instant::now();
    c.bench_function("routers_1000/backups_receive_one_interval", |b| {
        b.iter_batched(
            || routers(1000, false, t0),
            |mut routers| {
                let now = t0 + INTERVAL;
                for (rx, bytes) in &adverts {
                    let _ = routers.handle_packet(now, rx, bytes);
                    while routers.poll_action().is_some() {}
                }
                routers
            },
            BatchSize::LargeInput,
        )
    });
    c.bench_function("routers_1000/masters_advertise_one_interval", |b| {
        b.iter_batched(
            || {
                // Masters whose deadlines are spread over the interval: every router has become
                // Master within one interval of the first (Skew_Time < 1 interval), then one more.
                let mut routers = routers(1000, true, t0);
                let first = routers.poll_timeout().expect("timers run");
                let settled = first + 2 * INTERVAL;
                let mut now = first;
                while let Some(at) = routers.poll_timeout().filter(|&at| at < settled) {
                    now = at;
                    routers.handle_timeout(at);
                    while routers.poll_action().is_some() {}
                }
                (routers, now)
            },
            |(mut routers, start)| {
                let end = start + INTERVAL;
                let mut sent = 0;
                while let Some(at) = routers.poll_timeout().filter(|&at| at <= end) {
                    routers.handle_timeout(at);
                    while routers.poll_action().is_some() {
                        sent += 1;
                    }
                }
                (routers, sent)
            },
            BatchSize::LargeInput,
        )
    });
}

/// Router 0 (priority `priority`) with HMAC authentication, unicast to the other, its wall clock
/// following `t0`.
fn authenticated(local: Ipv4Addr, peer: Ipv4Addr, priority: u8, t0: Instant) -> VirtualRouter {
    let (interface, vrid) = key(0);
    let auth = HmacAuth::builder(1)
        .key(HmacKey::new(1, &[0x42; 32]).expect("32 bytes"))
        .build()
        .expect("valid");
    let config = Config::builder(interface, vrid, local.into())
        .priority(Priority::new(priority))
        .advert_interval(INTERVAL)
        .address(vip(0).into())
        .unicast_peer(peer.into())
        .auth_hmac(auth)
        .build()
        .expect("valid");
    let mut router = VirtualRouter::new(config);
    router.set_wall_clock(WallClock::new(t0, Duration::from_secs(1_900_000_000)));
    router
}

/// The cost of one advert sent by a Master, plain and signed: one Adver_Timer expiry each.
fn master_sends(c: &mut Criterion) {
    let t0 = Instant::now();
    let plain = VirtualRouter::new(config(0, 200));
    let signed = authenticated(LOCAL, PEER, 200, t0);
    for (name, mut router) in [
        ("router/master_sends_advert", plain),
        ("router/master_sends_signed_advert", signed),
    ] {
        router.start(t0);
        while router.poll_action().is_some() {}
        c.bench_function(name, |b| {
            b.iter(|| {
                let due = router.poll_timeout().expect("a Master advertises");
                router.handle_timeout(black_box(due));
                while let Some(action) = router.poll_action() {
                    black_box(action);
                }
            })
        });
    }
}

/// The cost of verifying: a Backup hearing signed adverts, each with a new sequence. They are made
/// beforehand by a signing Master; the Backup is made again (untimed) when they run out.
fn backup_hears_signed_master(c: &mut Criterion) {
    const ADVERTS: usize = 20_000;
    let t0 = Instant::now();
    let mut master = authenticated(PEER, LOCAL, 200, t0);
    master.start(t0);
    let mut adverts = Vec::with_capacity(ADVERTS);
    while adverts.len() < ADVERTS {
        let now = master.poll_timeout().expect("timers run");
        master.handle_timeout(now);
        while let Some(action) = master.poll_action() {
            if let vrrp::Action::Send(transmit) = action {
                adverts.push((now, transmit.payload.to_vec()));
            }
        }
    }
    let rx = RxMeta::ipv4(PEER, LOCAL, 255, key(0).0);
    let backup = || {
        let mut backup = authenticated(LOCAL, PEER, 100, t0);
        backup.start(t0);
        while backup.poll_action().is_some() {}
        backup
    };
    c.bench_function("router/backup_receives_signed_advert", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut router = backup();
            let mut next = 0;
            for _ in 0..iters {
                if next == adverts.len() {
                    router = backup();
                    next = 0;
                }
                let (at, bytes) = &adverts[next];
                next += 1;
                let start = Instant::now();
                let result = router.handle_packet(black_box(*at), &rx, black_box(bytes));
                while router.poll_action().is_some() {}
                total += start.elapsed();
                assert!(result.is_ok(), "{result:?}");
            }
            total
        })
    });
}

criterion_group!(
    benches,
    backup_hears_master,
    thousand_routers_one_interval,
    master_sends,
    backup_hears_signed_master
);
criterion_main!(benches);
