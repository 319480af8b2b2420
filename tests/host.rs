//! The host layer on in-memory backends (the event loop, address lifetimes), the
//! keepalived.conf reader, and what an operator reads: statistics, the MIB, metrics and logs
//! (tests/README.md).

/// The support shared with the other test binaries (tests/common/), the parts these tests use.
mod common {
    pub mod adverts;
    pub mod checksum;
    pub mod random;
}

#[cfg(feature = "tracing")]
mod discard_log;
mod event_loop;
#[cfg(feature = "keepalived")]
mod keepalived_conf;
mod lifetime;
#[cfg(feature = "metrics")]
mod metrics;
mod mib;
