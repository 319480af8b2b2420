//! Parse+validate and emit of the advertisements a router handles every interval.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use criterion::{Criterion, criterion_group, criterion_main};
use vrrp::packet::{
    AddressList, Advertisement, Authentication, ChecksumForm, IPV4_MULTICAST, IPV6_MULTICAST,
    RxMeta, Version,
};
use vrrp::{Interval, Priority, Vrid};

struct Case {
    name: &'static str,
    advert: Advertisement,
    rx: RxMeta,
}

fn advert(version: Version, addresses: AddressList) -> Advertisement {
    Advertisement {
        version,
        vrid: Vrid::new(51).expect("51 is a valid VRID"),
        priority: Priority::new(200),
        interval: Interval::DEFAULT,
        addresses,
        authentication: Authentication::None,
        checksum_form: ChecksumForm::PseudoHeader,
    }
}

fn cases() -> Vec<Case> {
    let src4 = Ipv4Addr::new(192, 0, 2, 1);
    let src6 = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
    let rx4 = RxMeta::ipv4(src4, IPV4_MULTICAST, 255, 2);
    let v4 = |n: u8| AddressList::ipv4((0..n).map(|i| Ipv4Addr::new(192, 0, 2, 100 + i)));
    vec![
        Case {
            name: "v3_ipv4_1_addr",
            advert: advert(Version::V3, v4(1)),
            rx: rx4,
        },
        Case {
            name: "v3_ipv4_16_addr",
            advert: advert(Version::V3, v4(16)),
            rx: rx4,
        },
        Case {
            name: "v3_ipv6_2_addr",
            advert: advert(
                Version::V3,
                AddressList::ipv6([
                    Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x100),
                    Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100),
                ]),
            ),
            rx: RxMeta::ipv6(src6, IPV6_MULTICAST, 255, 2),
        },
        Case {
            name: "v2_ipv4_1_addr",
            advert: advert(Version::V2, v4(1)),
            rx: rx4,
        },
    ]
}

fn bench(c: &mut Criterion) {
    for case in cases() {
        let (src, dst) = (case.rx.source(), case.rx.destination());
        let mut wire = vec![0; case.advert.buffer_len()];
        case.advert
            .emit(src, dst, &mut wire)
            .expect("a valid advertisement emits");

        c.bench_function(&format!("parse/{}", case.name), |b| {
            b.iter(|| Advertisement::parse(black_box(&case.rx), black_box(&wire)))
        });
        let mut out = vec![0; wire.len()];
        c.bench_function(&format!("emit/{}", case.name), |b| {
            b.iter(|| {
                black_box(&case.advert).emit(black_box(src), black_box(dst), black_box(&mut out))
            })
        });
    }
    // The message-only form costs the same pass; this shows it does not fall back to a second one.
    let mut rfc9568 = cases().swap_remove(0);
    rfc9568.advert.checksum_form = ChecksumForm::MessageOnly;
    let mut wire = vec![0; rfc9568.advert.buffer_len()];
    let dst: IpAddr = IPV4_MULTICAST.into();
    rfc9568
        .advert
        .emit(rfc9568.rx.source(), dst, &mut wire)
        .expect("a valid advertisement emits");
    c.bench_function("parse/v3_ipv4_1_addr_message_only_checksum", |b| {
        b.iter(|| Advertisement::parse(black_box(&rfc9568.rx), black_box(&wire)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
