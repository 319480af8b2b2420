//! The values of the `vrrp_instance` keywords that take more than a word or a number: a unicast
//! peer's options, `mcast_dst_ip`, `timer_expired_backup`, `use_vmac`, `old_unicast_checksum`.

use std::net::IpAddr;

use super::InstanceDraft;
use crate::keepalived::error::Location;
use crate::keepalived::interpret::Reader;
use crate::keepalived::interpret::global::link_local_group;
use crate::keepalived::model::{OldUnicastChecksum, Tracked, VirtualIp};
use crate::keepalived::syntax::Statement;

impl Reader {
    /// A unicast peer's options after its address: its `min_ttl N`, if any; `max_ttl` is refused.
    pub(super) fn peer_options(&mut self, peer: &Statement) -> Option<u8> {
        let mut min_ttl = None;
        let mut words = peer.args.iter();
        while let Some(option) = words.next() {
            match option.text.as_str() {
                "min_ttl" => match words.next().map(|v| (v, v.text.parse::<u8>())) {
                    Some((_, Ok(ttl))) => min_ttl = Some(ttl),
                    Some((v, Err(_))) => self.bad_word("min_ttl", v, "a TTL from 0 to 255"),
                    None => self.missing_value(option, "a TTL from 0 to 255"),
                },
                "max_ttl" => {
                    words.next();
                    self.unsupported(
                        option,
                        "max_ttl",
                        "only a lowest TTL is checked (min_ttl); drop max_ttl",
                    );
                }
                _ => self.unsupported(
                    option,
                    &option.text,
                    "a unicast peer takes min_ttl only; list the address alone otherwise",
                ),
            }
        }
        min_ttl
    }

    /// `mcast_dst_ip GROUP`: an IPv4 multicast group, or an IPv6 one of link-local scope.
    pub(super) fn mcast_dst_ip(&mut self, s: &Statement, draft: &mut InstanceDraft) {
        const EXPECTED: &str =
            "an IPv4 multicast address, or an IPv6 one of link-local scope (ffX2::)";
        if let Some(v) = self.value(s, EXPECTED) {
            match v.text.parse::<IpAddr>() {
                Ok(IpAddr::V4(group)) if group.is_multicast() => {
                    draft.mcast_dst_ip = Some(group.into());
                }
                Ok(IpAddr::V6(group)) if link_local_group(group) => {
                    draft.mcast_dst_ip = Some(group.into());
                }
                _ => self.bad(s, v, EXPECTED),
            }
            draft.at.mcast_dst_ip = Some(s.keyword.location.clone());
        }
    }

    /// `timer_expired_backup [PRIORITY]` (or its old name `thread_timer_expired`): the other
    /// routers' highest priority, 254 if not given, and where it is written.
    pub(super) fn timer_expired_backup_line(&mut self, s: &Statement) -> Option<(u8, Location)> {
        if s.keyword.text == "thread_timer_expired" {
            self.warn(
                &s.keyword.location,
                "`thread_timer_expired` is the old name of `timer_expired_backup`, as \
                 keepalived says"
                    .into(),
            );
        }
        let priority = if s.args.is_empty() {
            self.no_block(s).map(|()| 254)
        } else {
            self.integer(s, 1..=254)
        };
        priority.map(|p| (p, s.keyword.location.clone()))
    }

    /// `use_vmac [NAME]`.
    pub(super) fn use_vmac(&mut self, s: &Statement, draft: &mut InstanceDraft) {
        if s.block.is_none() && s.args.len() == 1 {
            let name = &s.args[0];
            let valid =
                (1..=15).contains(&name.text.len()) && !name.text.contains(['/', '%', ' ', '\0']);
            if valid {
                draft.use_vmac = true;
                draft.vmac_name = Some(name.text.clone());
            } else {
                self.bad(s, name, "an interface name of 1 to 15 bytes");
            }
        } else {
            draft.use_vmac = self.flag(s);
        }
    }

    /// `old_unicast_checksum [never]`; keepalived ignores another word after it, with a warning.
    pub(super) fn old_unicast_checksum(&mut self, s: &Statement, draft: &mut InstanceDraft) {
        if self.no_block(s).is_none() {
            return;
        }
        match s.args.as_slice() {
            [] => draft.old_unicast_checksum = OldUnicastChecksum::Always,
            [never] if never.text == "never" => {
                draft.old_unicast_checksum = OldUnicastChecksum::Never;
            }
            [other, ..] => self.warn(
                &other.location,
                format!(
                    "`old_unicast_checksum {}`: the mode is `never` or nothing; ignored, as \
                     keepalived does",
                    other.text
                ),
            ),
        }
    }
}

/// `tracked` with the interfaces of `addresses` other than the instance's own `interface`, each
/// tracked once (Fault while it is down) unless its address line says `no_track`: keepalived
/// tracks them so, since an address cannot be added on an interface that is down.
pub(super) fn with_address_interfaces<'a>(
    interface: &str,
    addresses: impl Iterator<Item = &'a VirtualIp>,
    mut tracked: Vec<Tracked>,
) -> Vec<Tracked> {
    for vip in addresses.filter(|vip| !vip.no_track) {
        let Some(device) = vip.device.as_deref() else {
            continue;
        };
        if device != interface && !tracked.iter().any(|t| t.name == device) {
            tracked.push(Tracked {
                name: device.to_string(),
                weight: None,
                location: vip.location.clone(),
            });
        }
    }
    tracked
}
