//! Parsing the common advertisements allocates nothing (up to 4 IPv4 or 2 IPv6 addresses), and
//! emitting into a caller's buffer never allocates.

use crate::common;

use common::adverts::{MASTER, MASTER_LL, emit, v2_ipv4, v3_ipv4, v3_ipv6};
use vrrp::packet::{Advertisement, IPV4_MULTICAST, IPV6_MULTICAST, RxMeta};

/// Run by [`crate::heap_measurements`].
pub fn parse_and_emit_of_common_adverts_do_not_allocate() {
    let rx4 = RxMeta::ipv4(MASTER, IPV4_MULTICAST, 255, 1);
    let rx6 = RxMeta::ipv6(MASTER_LL, IPV6_MULTICAST, 255, 1);
    let cases = [
        (rx4, emit(&v3_ipv4(), MASTER, IPV4_MULTICAST)),
        (rx4, emit(&v2_ipv4(), MASTER, IPV4_MULTICAST)),
        (rx6, emit(&v3_ipv6(), MASTER_LL, IPV6_MULTICAST)),
    ];
    let mut out = [0u8; 64];

    let _profiler = dhat::Profiler::builder().testing().build();
    let before = dhat::HeapStats::get().total_blocks;
    for (rx, bytes) in &cases {
        let advert = Advertisement::parse(rx, bytes).expect("valid");
        advert
            .emit(rx.source(), rx.destination(), &mut out)
            .expect("fits");
        std::hint::black_box(&advert);
    }
    let after = dhat::HeapStats::get().total_blocks;
    dhat::assert_eq!(after - before, 0);
}
