//! One virtual router run by either implementation, ours (the `failover` example) or keepalived,
//! with the settings both sides of a pair share: what the interop tests and the side-by-side
//! measurements drive.

use std::time::{Duration, Instant};

use super::keepalived::{self, Keepalived};
use super::lan::{Failover, Lan, Lines, protocol_errors};
use super::netns::Netns;

/// The VRID of every pair.
pub const VRID: u8 = 51;
/// keepalived's name for the pair's instance.
pub const INSTANCE: &str = "VI_51";

/// One protocol setting both sides are configured with.
#[derive(Clone, Copy, Debug)]
pub struct Variant {
    pub version: u8,
    pub ipv6: bool,
    pub interval: Duration,
    pub auth_pass: Option<&'static str>,
    /// `auth_hmac` on both sides with this key (hex), keepalived being 2.4.3.
    pub hmac_key: Option<&'static str>,
}

/// The HMAC key of the pairs that authenticate: the draft's test key.
pub const HMAC_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

impl Variant {
    pub const fn v3(ipv6: bool, interval_ms: u64) -> Self {
        Self {
            version: 3,
            ipv6,
            interval: Duration::from_millis(interval_ms),
            auth_pass: None,
            hmac_key: None,
        }
    }

    /// This variant with `auth_hmac` on both sides.
    pub const fn hmac(self) -> Self {
        Self {
            hmac_key: Some(HMAC_KEY),
            ..self
        }
    }

    pub const fn v2(auth_pass: Option<&'static str>) -> Self {
        Self {
            version: 2,
            ipv6: false,
            interval: Duration::from_secs(1),
            auth_pass,
            hmac_key: None,
        }
    }

    pub fn vip(&self) -> &'static str {
        if self.ipv6 {
            "2001:db8::100"
        } else {
            "192.0.2.100"
        }
    }

    /// The VIPs with their prefix lengths; an IPv6 router's first must be link-local (V3-PKT-11).
    pub fn vips(&self) -> &'static [&'static str] {
        if self.ipv6 {
            &["fe80::100/64", "2001:db8::100/64"]
        } else {
            &["192.0.2.100/24"]
        }
    }

    /// Skew_Time of a Backup with `priority` (RFC 5798 §6.1 for v3, RFC 3768 §6.1 for v2).
    pub fn skew(&self, priority: u8) -> Duration {
        let unit = if self.version == 2 {
            Duration::from_secs(1)
        } else {
            self.interval
        };
        unit * (256 - u32::from(priority)) / 256
    }

    pub fn master_down_interval(&self, priority: u8) -> Duration {
        self.interval * 3 + self.skew(priority)
    }

    /// Long enough for any election of this variant.
    pub fn settle(&self) -> Duration {
        self.master_down_interval(1) * 2 + Duration::from_secs(2)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Implementation {
    Ours,
    Keepalived,
}

/// One router of the pair, run by either implementation.
pub enum Side {
    Ours(Failover),
    Keepalived(Keepalived),
}

impl Side {
    pub fn start(
        implementation: Implementation,
        lan: &Lan,
        router: usize,
        variant: Variant,
        priority: u8,
        extra: &[&str],
    ) -> Self {
        Self::start_in(
            implementation,
            lan.router(router),
            router,
            variant,
            priority,
            extra,
            None,
        )
    }

    /// [`start`](Self::start) in `netns`, with `unicast` (this router's address, its peer's)
    /// when the pair talks unicast across routers.
    pub fn start_in(
        implementation: Implementation,
        netns: &Netns,
        router: usize,
        variant: Variant,
        priority: u8,
        extra: &[&str],
        unicast: Option<(&str, &str)>,
    ) -> Self {
        match implementation {
            Implementation::Ours => {
                let vrid = VRID.to_string();
                let priority = priority.to_string();
                let version = variant.version.to_string();
                let interval = format!("{}ms", variant.interval.as_millis());
                let mut args = vec![
                    "--interface",
                    "eth0",
                    "--vrid",
                    &vrid,
                    "--priority",
                    &priority,
                    "--version",
                    &version,
                    "--advert-interval",
                    &interval,
                ];
                for vip in variant.vips() {
                    args.extend(["--vip", vip]);
                }
                if let Some(pass) = variant.auth_pass {
                    args.extend(["--auth-pass", pass]);
                }
                let hmac_key = variant.hmac_key.map(|key| format!("1:hex:{key}"));
                if let Some(key) = &hmac_key {
                    args.extend(["--auth-hmac-key", key]);
                }
                if let Some((_, peer)) = unicast {
                    args.extend(["--unicast-peer", peer, "--min-hop-limit", "1"]);
                }
                if extra.is_empty() && variant.version == 3 && !variant.ipv6 {
                    // keepalived 2.2.7's only IPv4 form, and nothing else accepted.
                    args.extend(["--checksum", "rfc5798"]);
                }
                args.extend_from_slice(extra);
                Self::Ours(Failover::start(netns, &args))
            }
            Implementation::Keepalived => {
                let mut instance =
                    keepalived::Instance::new(VRID, priority, variant.interval, variant.vips());
                instance.version = variant.version;
                instance.auth_pass = variant.auth_pass.map(str::to_string);
                let mut program = "keepalived".to_string();
                if let Some(key) = variant.hmac_key {
                    instance.extra = keepalived::auth_hmac_block(key);
                    program = keepalived::keepalived_2_4().expect("checked by the test");
                }
                if let Some((source, peer)) = unicast {
                    instance.extra.push_str(&format!(
                        "  unicast_src_ip {source}\n  unicast_peer {{\n    {peer}\n  }}\n"
                    ));
                }
                let conf = keepalived::config(&format!("r{router}"), &[instance]);
                Self::Keepalived(Keepalived::start_program(&program, netns, &conf))
            }
        }
    }

    /// Waits for a transition to `state` (`"master"` or `"backup"`) and returns when it was seen.
    pub fn wait_state(&mut self, state: &str, timeout: Duration) -> Instant {
        match self {
            Self::Ours(ours) => ours.wait_state(state, timeout),
            Self::Keepalived(theirs) => theirs.wait_state(INSTANCE, &state.to_uppercase(), timeout),
        }
    }

    /// Whether any line so far reports a transition to Master.
    pub fn was_master(&mut self) -> bool {
        self.times_master() > 0
    }

    /// The lines so far that report a transition to Master.
    pub fn master_lines(&mut self) -> Vec<String> {
        let (lines, pattern): (&mut Lines, _) = match self {
            Self::Ours(ours) => (ours, r#""to":"master""#),
            Self::Keepalived(theirs) => (theirs, "Entering MASTER STATE"),
        };
        lines.collect(Duration::ZERO);
        (lines.seen.iter())
            .filter(|(_, line)| line.contains(pattern))
            .map(|(_, line)| line.clone())
            .collect()
    }

    /// How many lines so far report a transition to Master.
    pub fn times_master(&mut self) -> usize {
        let (lines, pattern): (&mut Lines, _) = match self {
            Self::Ours(ours) => (ours, r#""to":"master""#),
            Self::Keepalived(theirs) => (theirs, "Entering MASTER STATE"),
        };
        lines.collect(Duration::ZERO);
        lines
            .seen
            .iter()
            .filter(|(_, line)| line.contains(pattern))
            .count()
    }

    /// SIGKILL of the process that speaks VRRP; returns when it was sent.
    pub fn kill(&mut self) -> Instant {
        match self {
            Self::Ours(ours) => {
                let at = ours.signal("KILL");
                ours.wait_exit();
                at
            }
            Self::Keepalived(theirs) => theirs.kill(),
        }
    }

    pub fn terminate(&mut self) -> Instant {
        match self {
            Self::Ours(ours) => ours.signal("TERM"),
            Self::Keepalived(theirs) => theirs.terminate(),
        }
    }

    /// The protocol errors this side counted or logged so far, and the priority-0 adverts it
    /// received.
    pub fn errors_and_priority_zero_received(&mut self) -> (Vec<String>, u64) {
        match self {
            Self::Ours(ours) => {
                let stats = ours.stats();
                (protocol_errors(&stats), rcvd_pri_zero(&stats))
            }
            Self::Keepalived(theirs) => {
                let stats = theirs.stats(1);
                let received = Keepalived::counter(&stats, INSTANCE, "Priority Zero:", "Received");
                (theirs.protocol_errors(&stats), received)
            }
        }
    }

    /// After a SIGTERM: waits for the exit and checks that a priority-0 advert went out.
    pub fn assert_left_with_priority_zero(&mut self) {
        match self {
            Self::Ours(ours) => {
                ours.wait_for(
                    &[r#""event":"stats""#, r#""sent_pri_zero_packets":1"#],
                    Duration::from_secs(5),
                );
                assert!(ours.wait_exit().success());
            }
            Self::Keepalived(theirs) => {
                theirs.wait_for(
                    &[&format!("({INSTANCE}) sent 0 priority")],
                    Duration::from_secs(5),
                );
                theirs.wait_exit();
            }
        }
    }
}

pub fn rcvd_pri_zero(stats: &str) -> u64 {
    json_counter(stats, "rcvd_pri_zero_packets")
}

/// The first counter called `name` in a statistics line of ours (the first router's).
pub fn json_counter(stats: &str, name: &str) -> u64 {
    let field = format!(r#""{name}":"#);
    let at = stats
        .find(&field)
        .unwrap_or_else(|| panic!("no {name} in {stats}"))
        + field.len();
    stats[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count")
}
