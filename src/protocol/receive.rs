//! The receive checks that need a router's configuration (RFC 5798 §7.1, RFC 3768 §7.1), after
//! those of the packet itself.

use std::net::IpAddr;

use crate::packet::{Advertisement, RxError, Version};
use crate::{Config, Counter, Priority, Stats};

/// Without unicast peers, an advert sent to a multicast group is for the router's group only
/// (another group's router of the same VRID is another router).
pub(crate) fn check_group(config: &Config, destination: IpAddr) -> Result<(), RxError> {
    let group = config.multicast_group;
    if config.unicast_peers.is_empty() && destination.is_multicast() && destination != group {
        Err(RxError::OtherGroup {
            group,
            received: destination,
        })
    } else {
        Ok(())
    }
}

/// With unicast peers configured, only they may speak to the router.
pub(crate) fn check_peer(config: &Config, source: IpAddr) -> Result<(), RxError> {
    let peers = &config.unicast_peers;
    if peers.is_empty() || peers.contains(&source) {
        Ok(())
    } else {
        Err(RxError::UnknownPeer(source))
    }
}

/// The checks of an advert against the configuration: VRID, version, authentication, interval
/// and addresses. In VRRPv3 a different interval or address list is counted in `stats` but the
/// advert is processed (RFC 9568 §7.1).
pub(crate) fn check_against_config(
    config: &Config,
    stats: &mut Stats,
    advert: Advertisement,
) -> Result<Advertisement, RxError> {
    // RFC 9568 erratum 8300, unless configured for keepalived's global first addresses.
    if let Some(&first) = advert.addresses.as_ipv6().and_then(|list| list.first())
        && !first.is_unicast_link_local()
        && config.link_local_required
    {
        return Err(RxError::FirstAddressNotLinkLocal(first));
    }
    if advert.vrid != config.vrid {
        return Err(RxError::VridMismatch {
            configured: config.vrid,
            received: advert.vrid,
        });
    }
    let interop = config.v2_interop && advert.version == Version::V2;
    if advert.version != config.version && !interop {
        return Err(RxError::VersionMismatch {
            configured: config.version,
            received: advert.version,
        });
    }
    if interop {
        // A VRRPv3 router speaks no VRRPv2 authentication: only type 0 is understood.
        config.authentication.verify(&advert.authentication)?;
    }
    let same_addresses = advert.addresses.len() == config.addresses.len()
        && advert
            .addresses
            .iter()
            .all(|a| config.addresses.iter().any(|c| c == a));
    match config.version {
        Version::V2 => {
            config.authentication.verify(&advert.authentication)?;
            if advert.interval != config.interval {
                return Err(RxError::IntervalMismatch {
                    configured: config.interval,
                    received: advert.interval,
                });
            }
            if !same_addresses && advert.priority != Priority::OWNER {
                return Err(RxError::AddressListMismatch);
            }
        }
        Version::V3 => {
            // RFC 9568 §7.1: log and count, but process.
            if advert.interval != config.interval {
                stats.record_mismatch(Counter::AdvIntervalErrors);
            }
            if !same_addresses {
                stats.record_mismatch(Counter::AddressListErrors);
            }
        }
    }
    Ok(advert)
}
