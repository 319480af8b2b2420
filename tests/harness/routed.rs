//! Two routers in two subnets joined by a gateway namespace that forwards between them, so that
//! unicast adverts arrive with a TTL below 255: r1 has eth0 198.51.100.10/24, r2 has eth0
//! 203.0.113.10/24, each with a default route through the gateway (.1 of its subnet). Needs root.

use super::netns::Netns;

/// r1's address.
pub const R1: &str = "198.51.100.10";
/// r2's address.
pub const R2: &str = "203.0.113.10";

pub struct Routed {
    pub routers: Vec<Netns>,
    // Dropped last: it holds the other end of both veth pairs.
    pub gateway: Netns,
}

impl Routed {
    pub fn new() -> Self {
        let gateway = Netns::new("gw");
        gateway.sysctl("net.ipv4.ip_forward", "1");
        let routers = [(1, "198.51.100", R1), (2, "203.0.113", R2)]
            .into_iter()
            .map(|(i, subnet, address)| {
                let netns = Netns::new(&format!("r{i}"));
                let port = format!("g{i}");
                gateway.add_veth(&port, &netns, "eth0");
                gateway.configure(&port, &format!("{subnet}.1/24"), &format!("fe80::{i}:1/64"));
                netns.configure(
                    "eth0",
                    &format!("{address}/24"),
                    &format!("fe80::{i}:10/64"),
                );
                netns.wait_until_up("eth0");
                netns.ip(&["route", "add", "default", "via", &format!("{subnet}.1")]);
                netns
            })
            .collect();
        Self { routers, gateway }
    }

    /// Router `i` (from 1).
    pub fn router(&self, i: usize) -> &Netns {
        &self.routers[i - 1]
    }

    /// Whether router `i` has `address` on any interface.
    pub fn holds(&self, i: usize, address: &str) -> bool {
        let shown = self.router(i).ip(&["-o", "addr", "show"]);
        shown
            .split_whitespace()
            .any(|word| word.split('/').next() == Some(address))
    }
}
