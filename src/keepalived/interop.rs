//! VRRPv2 and VRRPv3 routers of one virtual router: a warning for every VRRPv2 instance given a
//! higher priority than a sub-second VRRPv3 peer ([`interop_warnings`]).

use super::error::Warning;
use super::failover::same_router;
use super::model::{KeepalivedConfig, VrrpInstance};
use crate::packet::Version;

/// Warnings for VRRPv2 instances that outrank a VRRPv3 peer advertising more often than once a
/// second (RFC 5798 §8.4.3, V3-V2I-06: SHOULD NOT).
///
/// A VRRPv2 Master advertises at most once a second, so while it is Master the VRRPv3 routers
/// fail over on its pace, not their own sub-second one: the sub-second interval buys nothing.
/// Peers are found as by [`failover_warnings`](super::failover_warnings): same VRID, family and
/// first virtual address, in one file or across the files given.
pub fn interop_warnings(configs: &[&KeepalivedConfig]) -> Vec<Warning> {
    let all: Vec<&VrrpInstance> = configs.iter().flat_map(|c| &c.instances).collect();
    let mut warnings = Vec::new();
    for v2 in all.iter().filter(|i| i.version == Version::V2) {
        let faster = all.iter().find(|v3| {
            v3.version == Version::V3
                && same_router(v2, v3)
                && v3.advert_interval.as_secs_f64() < 1.0
                && v3.priority < v2.priority
        });
        if let Some(v3) = faster {
            warnings.push(Warning {
                location: v2.location.clone(),
                message: format!(
                    "vrrp_instance {}: VRRPv2 at priority {} outranks `{}` at {} (VRRPv3 every \
                     {} ms, priority {}): while it is Master the VRRPv3 routers fail over at \
                     VRRPv2's pace of a second or more (RFC 5798 §8.4.3); give it a lower \
                     priority",
                    v2.name,
                    v2.priority,
                    v3.name,
                    v3.location,
                    v3.advert_interval.as_millis(),
                    v3.priority,
                ),
            });
        }
    }
    warnings
}
