//! Memory per virtual router with one address, in a host running 1,000 of them through a few advert
//! intervals: at most 1 KiB each, inline size and heap together.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use vrrp::{Config, Priority, Routers, VirtualRouter, Vrid};

const COUNT: usize = 1000;

/// Run by [`crate::heap_measurements`].
pub fn a_virtual_router_with_one_address_takes_at_most_1_kib() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let t0 = Instant::now();
    let before = dhat::HeapStats::get().curr_bytes;
    let mut routers = Routers::new();
    for n in 0..COUNT {
        let interface = 1 + u32::try_from(n / 250).expect("few");
        let vrid = 1 + u8::try_from(n % 250).expect("below 250");
        let config = Config::builder(
            interface,
            Vrid::try_from(vrid).expect("not 0"),
            Ipv4Addr::new(192, 0, 2, 1).into(),
        )
        .priority(Priority::new(1 + vrid % 250))
        .advert_interval(Duration::from_millis(100))
        .address(Ipv4Addr::from(0xC633_6400 + u32::try_from(n).expect("few")).into())
        .build()
        .expect("valid");
        routers.add(config).expect("distinct keys");
    }
    routers.start(t0);
    // Run a second of timers: every router becomes Master and advertises, so queues and buffers
    // have grown to their working size.
    while let Some(at) = routers
        .poll_timeout()
        .filter(|&at| at <= t0 + Duration::from_secs(1))
    {
        routers.handle_timeout(at);
        while routers.poll_action().is_some() {}
    }
    let heap = dhat::HeapStats::get().curr_bytes - before;
    let per_router = (heap + std::mem::size_of::<Routers>()) / COUNT;
    eprintln!(
        "{per_router} bytes per virtual router: {} inline in VirtualRouter, {} heap in all",
        std::mem::size_of::<VirtualRouter>(),
        heap
    );
    dhat::assert!(per_router <= 1024, "{per_router} bytes per virtual router");
}
