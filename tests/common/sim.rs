//! Simulated LANs of one virtual router per host, for the step-down and stall tests.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use vrrp::sim::Lan;
use vrrp::{Config, ConfigBuilder, Priority, Vrid};

/// The VRID of every router.
pub const VRID: Vrid = Vrid::new(51).expect("not 0");
/// The advertisement interval of every router.
pub const INTERVAL: Duration = Duration::from_millis(100);

/// Host `host`'s router: primary address 192.0.2.(host + 1), `priority`, VIP 198.51.100.1;
/// `adjust` changes anything else.
pub fn router(
    host: usize,
    priority: u8,
    adjust: impl Fn(ConfigBuilder) -> ConfigBuilder,
) -> Config {
    let address = Ipv4Addr::new(192, 0, 2, 1 + u8::try_from(host).expect("few hosts"));
    let builder = Config::builder(1, VRID, address.into())
        .priority(Priority::new(priority))
        .advert_interval(INTERVAL)
        .address(Ipv4Addr::new(198, 51, 100, 1).into());
    adjust(builder).build().expect("valid")
}

/// A LAN from `seed` with one host per configuration, started.
pub fn started(seed: u64, latency: Duration, configs: Vec<Config>) -> Lan {
    let mut lan = Lan::new(seed, Instant::now());
    lan.set_latency(latency, Duration::ZERO);
    for config in configs {
        lan.add_host(vec![config]).expect("one router per host");
    }
    lan.start_all();
    lan
}

/// A started LAN with a router of each of `priorities`.
pub fn with_priorities(seed: u64, latency: Duration, priorities: &[u8]) -> Lan {
    let configs = (priorities.iter().enumerate())
        .map(|(host, &priority)| router(host, priority, |b| b))
        .collect();
    started(seed, latency, configs)
}
