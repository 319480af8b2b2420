//! The checks across a `vrrp_instance`'s settings, once its block is read: each error at the
//! setting that breaks the rule, naming where the other one is written.

use std::net::IpAddr;
use std::time::Duration;

use super::InstanceDraft;
use crate::AddressFamily;
use crate::keepalived::error::{ErrorKind, Location, ParseError};
use crate::keepalived::interpret::Reader;
use crate::keepalived::syntax::Statement;
use crate::packet::Version;

impl Reader {
    /// The checks across an instance's settings; false (with errors) when they contradict. Each
    /// error is at the setting that breaks the rule, and names where the other one is written.
    pub(super) fn instance_is_consistent(
        &mut self,
        statement: &Statement,
        name: &str,
        draft: &InstanceDraft,
        version: Version,
        family: AddressFamily,
    ) -> bool {
        let before = self.errors.len();
        let here = &statement.args[0].location;
        // Where the version comes from, as words for a message.
        let version_source = match (&draft.at.version, &self.vrrp_version_at) {
            (Some(at), _) => format!("`version` at {at}"),
            (None, Some(at)) if family == AddressFamily::Ipv4 => {
                format!("global_defs' `vrrp_version` at {at}")
            }
            (None, _) if family == AddressFamily::Ipv6 => "IPv6, always VRRPv3".into(),
            (None, _) => "keepalived's default for IPv4".into(),
        };
        let first_address = draft
            .addresses
            .first()
            .map(|a| (a.address, a.location.clone()));
        let family_source = match &first_address {
            Some((address, at)) => format!("its first virtual address {address} at {at}"),
            None => "its virtual addresses".into(),
        };
        let mut problems: Vec<(Location, String)> = Vec::new();
        let interval = draft.interval.unwrap_or(Duration::from_secs(1));
        let interval_at = draft.at.interval.clone().unwrap_or(here.clone());
        if version == Version::V2 && interval.subsec_nanos() != 0 {
            problems.push((
                interval_at.clone(),
                format!(
                    "VRRPv2 ({version_source}) advertises whole seconds, and advert_int is {}; use \
                     `version 3` for sub-second intervals",
                    interval.as_secs_f64()
                ),
            ));
        }
        if version == Version::V3 && interval > Duration::from_millis(40_950) {
            problems.push((
                interval_at.clone(),
                format!(
                    "VRRPv3 ({version_source}) advertises at most every 40.95 s, and advert_int is {}",
                    interval.as_secs_f64()
                ),
            ));
        }
        if version == Version::V3 && !interval.as_micros().is_multiple_of(10_000) {
            problems.push((
                interval_at,
                format!(
                    "VRRPv3 ({version_source}) advertises in centiseconds, and advert_int {} is not \
                     a multiple of 0.01",
                    interval.as_secs_f64()
                ),
            ));
        }
        if family == AddressFamily::Ipv6
            && let Some((address, at)) = &first_address
            && !matches!(address, IpAddr::V6(a) if a.is_unicast_link_local())
        {
            // keepalived logs it and sends it so; its peers accept it. RFC 9568 receivers do not.
            self.warn(
                at,
                format!(
                    "the first IPv6 virtual address {address} is not link-local: it is advertised \
                     first as keepalived advertises it, and adverts whose first address is global \
                     are accepted, which RFC 9568 receivers (FRR, routers) discard (§5.2.9); put \
                     a link-local address first to speak with them"
                ),
            );
        }
        if let Some(source) = draft.unicast_source
            && AddressFamily::of(source) != family
        {
            problems.push((
                draft.at.unicast_source.clone().unwrap_or(here.clone()),
                format!(
                    "unicast_src_ip {source} is not {} like {family_source}",
                    family_name(family)
                ),
            ));
        }
        if let Some((peer, at)) = (draft.unicast_peers.iter())
            .zip(draft.at.unicast_peers.iter())
            .find(|(p, _)| AddressFamily::of(**p) != family)
        {
            problems.push((
                at.clone(),
                format!(
                    "unicast_peer {peer} is not {} like {family_source}",
                    family_name(family)
                ),
            ));
        }
        for (at, message) in problems {
            self.errors.push(ParseError::new(
                at,
                ErrorKind::Invalid(format!("vrrp_instance {name}: {message}")),
            ));
        }
        self.errors.len() == before
    }

    /// `down_timer_adverts`, or the global default, or 3; always 3 under `vrrp_strict`, as
    /// keepalived resets it there (with a warning here).
    pub(super) fn down_timer_adverts(
        &mut self,
        draft: &InstanceDraft,
        strict: bool,
        name: &str,
    ) -> u8 {
        let global = self.config.global.down_timer_adverts;
        let adverts = draft.down_timer_adverts.or(global).unwrap_or(3);
        let at = (draft.at.down_timer_adverts.clone()).or(self.down_timer_at.clone());
        if strict && adverts != 3 {
            if let Some(at) = at {
                self.warn(
                    &at,
                    format!(
                        "vrrp_instance {name}: strict mode keeps Master_Down_Interval at 3 \
                         advertisement intervals (RFC 9568 §6.1), so {adverts} is not used, as \
                         keepalived does not use it"
                    ),
                );
            }
            return 3;
        }
        adverts
    }

    /// `owner_ignore_adverts` as keepalived settles it: for an address owner only (elsewhere
    /// dropped with a warning), on by default under `vrrp_strict` or the global default, and
    /// turned on when written `false` on an owner (keepalived says strict mode requires it, even
    /// outside strict mode).
    pub(super) fn owner_ignore_adverts(
        &mut self,
        draft: &InstanceDraft,
        strict: bool,
        priority: u8,
        name: &str,
    ) -> bool {
        let owner = priority == 255;
        let at = draft.at.owner_ignore_adverts.clone();
        match (draft.owner_ignore_adverts, at) {
            (Some(true), Some(at)) if !owner => {
                self.warn(
                    &at,
                    format!(
                        "vrrp_instance {name}: `owner_ignore_adverts` is not used, as keepalived \
                         does not use it: only the address owner (priority 255) may ignore \
                         adverts, and this instance has priority {priority}"
                    ),
                );
                false
            }
            (Some(false), Some(at)) if owner => {
                self.warn(
                    &at,
                    format!(
                        "vrrp_instance {name}: `owner_ignore_adverts false` is turned on, as \
                         keepalived turns it on for an address owner; remove the line, and \
                         leave `vrrp_strict` and `vrrp_owner_ignore_adverts` off, to have the \
                         owner process adverts (RFC 9568 erratum 8298)"
                    ),
                );
                true
            }
            (Some(ignore), _) => ignore,
            (None, _) => owner && (strict || self.config.global.owner_ignore_adverts),
        }
    }

    /// `unicast_ttl`: with unicast peers only (without, keepalived resets it: a warning here),
    /// and not 0, which keepalived sends and a router discards.
    pub(super) fn unicast_ttl(&mut self, draft: &InstanceDraft, name: &str) -> Option<u8> {
        let (ttl, at) = (draft.unicast_ttl?, draft.at.unicast_ttl.clone()?);
        if draft.unicast_peers.is_empty() {
            self.warn(
                &at,
                format!(
                    "vrrp_instance {name}: `unicast_ttl` is not used without `unicast_peer`, as \
                     keepalived does not use it: multicast adverts leave with TTL 255"
                ),
            );
            return None;
        }
        if ttl == 0 {
            self.errors.push(ParseError::new(
                at,
                ErrorKind::Unsupported {
                    keyword: "unicast_ttl 0".into(),
                    why: "a datagram with TTL 0 is discarded by the first router and is not \
                          valid on the link either (RFC 1122 §3.2.1.7); use 1 for peers on the \
                          link, more for peers behind routers"
                        .into(),
                },
            ));
            return None;
        }
        Some(ttl)
    }

    /// The group of an instance without unicast peers: `mcast_dst_ip`, else the family's
    /// global `vrrp_mcast_group4` / `vrrp_mcast_group6`; `None` for the standard one. With
    /// peers, or of the other family, keepalived ignores `mcast_dst_ip` (a warning here).
    pub(super) fn multicast_group(
        &mut self,
        draft: &InstanceDraft,
        family: AddressFamily,
        name: &str,
    ) -> Option<IpAddr> {
        let global = match family {
            AddressFamily::Ipv4 => self.config.global.mcast_group4.map(IpAddr::V4),
            AddressFamily::Ipv6 => self.config.global.mcast_group6.map(IpAddr::V6),
        };
        let at = draft.at.mcast_dst_ip.clone();
        let own = match (draft.mcast_dst_ip, at) {
            (Some(group), Some(at)) if !draft.unicast_peers.is_empty() => {
                self.warn(
                    &at,
                    format!(
                        "vrrp_instance {name}: `mcast_dst_ip {group}` is not used, as keepalived \
                         does not use it: the adverts go to the unicast peers"
                    ),
                );
                None
            }
            (Some(group), Some(at)) if AddressFamily::of(group) != family => {
                self.warn(
                    &at,
                    format!(
                        "vrrp_instance {name}: `mcast_dst_ip {group}` is not used, as keepalived \
                         does not use it: the instance is {}",
                        family_name(family)
                    ),
                );
                None
            }
            (own, _) => own,
        };
        if !draft.unicast_peers.is_empty() {
            return None;
        }
        own.or(global)
    }

    /// `timer_expired_backup`: only without preemption (`nopreempt`), as keepalived resets it
    /// otherwise (a warning here).
    pub(super) fn timer_expired_backup(&mut self, draft: &InstanceDraft, name: &str) -> Option<u8> {
        let (priority, at) = draft.timer_expired_backup.clone()?;
        if draft.preempt {
            self.warn(
                &at,
                format!(
                    "vrrp_instance {name}: `timer_expired_backup` is not used without \
                     `nopreempt`, as keepalived does not use it"
                ),
            );
            return None;
        }
        Some(priority)
    }
}

pub(super) fn family_name(family: AddressFamily) -> &'static str {
    match family {
        AddressFamily::Ipv4 => "IPv4",
        AddressFamily::Ipv6 => "IPv6",
    }
}
