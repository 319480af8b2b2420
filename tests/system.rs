//! The Linux layer on real interfaces, in network namespaces each test creates and removes, and
//! beside the programs it interoperates with (keepalived, BIRD, tshark, Pingora). These tests
//! need root or an external program, so they are `#[ignore]`d: run them as root with
//! `cargo test --all-features --test system -- --ignored --test-threads=1` (tests/README.md).

/// The support shared with the other test binaries (tests/common/), the parts these tests use.
mod common {
    pub mod adverts;
    pub mod pcap;
    pub mod random;
}
mod harness;

mod announce;
mod failover;
mod faults;
mod frr;
#[cfg(feature = "auth-hmac")]
mod keepalived;
mod keepalived_benchmark;
mod netns;
#[cfg(feature = "tokio")]
mod proxy;
#[cfg(all(feature = "daemon", feature = "tokio"))]
mod routed;
#[cfg(feature = "daemon")]
mod scale;
mod soak;
mod tshark;
#[cfg(feature = "daemon")]
mod vrrpd;
