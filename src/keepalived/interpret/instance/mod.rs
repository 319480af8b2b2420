//! Reads `vrrp_instance` and its sub-blocks (`authentication`, `virtual_ipaddress`,
//! `unicast_peer`, tracking and notify), then checks the instance as a whole.

use std::net::IpAddr;
use std::time::Duration;

mod consistency;
mod options;

use super::{Common, Reader};
use crate::keepalived::error::{ErrorKind, Location, ParseError};
use crate::keepalived::lexer::Token;
use crate::keepalived::model::{OldUnicastChecksum, Route, Rule, VirtualIp, VrrpInstance};
use crate::keepalived::syntax::Statement;
use crate::packet::{Password, Version};
use crate::{AddressFamily, Announcements, RouterAdvertisements};

pub(super) const INSTANCE: &[&str] = &[
    "state",
    "interface",
    "virtual_router_id",
    "priority",
    "advert_int",
    "version",
    "nopreempt",
    "preempt",
    "preempt_delay",
    "accept",
    "no_accept",
    "authentication",
    "auth_hmac",
    "virtual_ipaddress",
    "virtual_ipaddress_excluded",
    "unicast_src_ip",
    "mcast_src_ip",
    "unicast_peer",
    "unicast_ttl",
    "mcast_dst_ip",
    "track_src_ip",
    "timer_expired_backup",
    "thread_timer_expired",
    "unicast_fault_no_peer",
    "lower_prio_no_advert",
    "down_timer_adverts",
    "owner_ignore_adverts",
    "native_ipv6",
    "check_unicast_src",
    "skip_check_adv_addr",
    "strict_mode",
    "v3_checksum_as_v2",
    "old_unicast_checksum",
    "dont_track_primary",
    "use_vmac",
    "use_vmac_addr",
    "vmac_xmit_base",
    "promote_secondaries",
    "no_virtual_ipaddress",
    "notify_master_rx_lower_pri",
    "notify_deleted",
    "step_down_on_failure",
    "router_advertisements",
    "garp_master_delay",
    "garp_master_repeat",
    "garp_master_refresh",
    "garp_master_refresh_repeat",
    "virtual_routes",
    "virtual_rules",
    "track_interface",
    "track_script",
    "track_file",
    "track_process",
    "notify_master",
    "notify_backup",
    "notify_fault",
    "notify_stop",
    "notify",
];

/// An instance while its block is read.
struct InstanceDraft {
    interface: Option<String>,
    vrid: Option<u8>,
    priority: Option<u8>,
    interval: Option<Duration>,
    version: Option<Version>,
    preempt: bool,
    preempt_delay: Duration,
    accept: Option<bool>,
    password: Option<Password>,
    /// `auth_type AH`, where it is written.
    ah: Option<Token>,
    #[cfg(feature = "auth-hmac")]
    auth_hmac: Option<crate::HmacAuth>,
    addresses: Vec<VirtualIp>,
    excluded: Vec<VirtualIp>,
    unicast_source: Option<IpAddr>,
    unicast_peers: Vec<IpAddr>,
    /// The lowest `min_ttl` of the unicast peers.
    min_ttl: Option<u8>,
    unicast_ttl: Option<u8>,
    unicast_fault_no_peer: bool,
    mcast_dst_ip: Option<IpAddr>,
    track_src_ip: bool,
    /// `timer_expired_backup`'s priority, and where it is written.
    timer_expired_backup: Option<(u8, Location)>,
    use_vmac: bool,
    use_vmac_addr: bool,
    vmac_name: Option<String>,
    vmac_xmit_base: bool,
    /// `promote_secondaries`, where it is written.
    promote_secondaries: Option<Location>,
    /// `no_virtual_ipaddress`: no addresses, on purpose.
    no_addresses: bool,
    lower_prio_no_advert: Option<bool>,
    down_timer_adverts: Option<u8>,
    owner_ignore_adverts: Option<bool>,
    native_ipv6: Option<Location>,
    strict: Option<bool>,
    checksum_as_v2: Option<bool>,
    old_unicast_checksum: OldUnicastChecksum,
    dont_track_primary: bool,
    step_down_on_failure: bool,
    router_advertisements: Option<RouterAdvertisements>,
    announcements: Option<Announcements>,
    routes: Vec<Route>,
    rules: Vec<Rule>,
    common: Common,
    /// Where the settings that other settings may contradict are written.
    at: Places,
}

/// Where an instance's settings are written, to point at the one that breaks a rule and name
/// the other.
#[derive(Default)]
struct Places {
    vrid: Option<Location>,
    interval: Option<Location>,
    version: Option<Location>,
    authentication: Option<Location>,
    unicast_source: Option<Location>,
    unicast_peers: Vec<Location>,
    /// `state MASTER`.
    state_master: Option<Location>,
    down_timer_adverts: Option<Location>,
    owner_ignore_adverts: Option<Location>,
    unicast_ttl: Option<Location>,
    mcast_dst_ip: Option<Location>,
}

impl Default for InstanceDraft {
    fn default() -> Self {
        Self {
            interface: None,
            vrid: None,
            priority: None,
            interval: None,
            version: None,
            preempt: true,
            preempt_delay: Duration::ZERO,
            accept: None,
            password: None,
            ah: None,
            #[cfg(feature = "auth-hmac")]
            auth_hmac: None,
            addresses: Vec::new(),
            excluded: Vec::new(),
            unicast_source: None,
            unicast_peers: Vec::new(),
            min_ttl: None,
            unicast_ttl: None,
            unicast_fault_no_peer: false,
            mcast_dst_ip: None,
            track_src_ip: false,
            timer_expired_backup: None,
            use_vmac: false,
            use_vmac_addr: false,
            vmac_name: None,
            vmac_xmit_base: false,
            promote_secondaries: None,
            no_addresses: false,
            lower_prio_no_advert: None,
            down_timer_adverts: None,
            owner_ignore_adverts: None,
            native_ipv6: None,
            strict: None,
            checksum_as_v2: None,
            old_unicast_checksum: OldUnicastChecksum::Detect,
            dont_track_primary: false,
            step_down_on_failure: false,
            router_advertisements: None,
            announcements: None,
            routes: Vec::new(),
            rules: Vec::new(),
            common: Common::default(),
            at: Places::default(),
        }
    }
}

impl Reader {
    pub(super) fn instance(&mut self, statement: &Statement) {
        let Some((name, block)) = self.definition(statement, "vrrp_instance") else {
            return;
        };
        let mut draft = InstanceDraft::default();
        let before = self.errors.len();
        for s in block {
            self.instance_statement(s, &mut draft);
        }
        if self.errors.len() > before {
            // Reported already; checking the rest would only repeat it in other words.
            self.broken_instances.push(name);
            return;
        }
        let block_name = || format!("vrrp_instance {name}");
        let interface = draft.interface.clone();
        let has_interface = interface.is_some();
        let (Some(interface), Some(vrid)) = (interface, draft.vrid) else {
            if !has_interface {
                self.required(statement, block_name(), "interface");
            }
            if draft.vrid.is_none() {
                self.required(statement, block_name(), "virtual_router_id");
            }
            return;
        };
        let first = draft.addresses.first();
        // Excluded addresses are not advertised, so they may be of either family, as in
        // keepalived (IPv6 addresses moved by an IPv4 instance).
        let family = match first {
            Some(first) => AddressFamily::of(first.address),
            None if draft.native_ipv6.is_some() => AddressFamily::Ipv6,
            None => AddressFamily::Ipv4,
        };
        if let Some(at) = &draft.native_ipv6
            && let Some(first) = first
            && family != AddressFamily::Ipv6
        {
            self.errors.push(ParseError::new(
                at.clone(),
                ErrorKind::Invalid(format!(
                    "vrrp_instance {name}: `native_ipv6` makes it an IPv6 instance, and its first \
                     virtual address {} at {} is IPv4",
                    first.address, first.location
                )),
            ));
            return;
        }
        if let Some(first) = first
            && let Some(other) =
                (draft.addresses.iter()).find(|v| AddressFamily::of(v.address) != family)
        {
            self.errors.push(ParseError::new(
                other.location.clone(),
                ErrorKind::Invalid(format!(
                    "{} is not {} like the instance's first address ({} at {}); use one instance \
                     per family",
                    other.address,
                    consistency::family_name(family),
                    first.address,
                    first.location
                )),
            ));
            return;
        }
        let version = match (draft.version, family) {
            (Some(version), _) => version,
            (None, AddressFamily::Ipv6) => Version::V3,
            (None, AddressFamily::Ipv4) => self.config.global.vrrp_version.unwrap_or(Version::V2),
        };
        if draft.addresses.is_empty() {
            let strict = draft.strict.unwrap_or(self.config.global.strict);
            if version == Version::V3 || strict {
                self.fail(
                    &statement.keyword,
                    ErrorKind::Invalid(format!(
                        "{} needs `virtual_ipaddress`: a VRRPv3 advert carries at least one \
                         address (RFC 9568), and keepalived refuses it too in VRRPv3 or strict \
                         mode (even with `no_virtual_ipaddress`, RFC 9568 receivers discard \
                         its adverts)",
                        block_name()
                    )),
                );
                return;
            }
            // keepalived: "No VIP specified; at least one is sensible", and it runs, advertising
            // none (cloud set-ups whose notify scripts move the address); `no_virtual_ipaddress`
            // says it is meant.
            if !draft.no_addresses {
                self.warn(
                    &statement.args[0].location,
                    format!(
                        "{}: no `virtual_ipaddress`; it runs as keepalived runs it, advertising no \
                     address and holding none (the notify scripts must move the address; \
                     `no_virtual_ipaddress` says it is meant)",
                        block_name()
                    ),
                );
            }
        }
        if version == Version::V2
            && let Some(ah) = &draft.ah
            && cfg!(not(feature = "auth-ah"))
        {
            self.unsupported(
                ah,
                "auth_type AH",
                "this build has no IPsec AH (the crate's `auth-ah` feature), and running \
                 without the authentication asked for would be unsafe",
            );
            return;
        }
        if version == Version::V3 && draft.password.take().is_some() {
            // keepalived runs it without the password, with an error: so does this reader, with
            // a warning that says what authenticates VRRPv3.
            let at = draft.at.authentication.clone();
            self.warn(
                &at.unwrap_or_else(|| statement.args[0].location.clone()),
                format!(
                    "vrrp_instance {name}: `authentication` is ignored, as keepalived ignores it: \
                     it exists only in VRRPv2 (RFC 5798 removed it), and this instance speaks \
                     VRRPv3; its adverts are not authenticated (auth_hmac authenticates VRRPv3)"
                ),
            );
        }
        if !self.instance_is_consistent(statement, &name, &draft, version, family) {
            return;
        }
        if let Some(other) = self
            .config
            .instances
            .iter()
            .find(|i| i.interface == interface && i.vrid == vrid && i.family == family)
        {
            // At this instance's `virtual_router_id`, naming the other's.
            let first = (self.vrid_at.get(&other.name).cloned()).unwrap_or(other.location.clone());
            let kind = ErrorKind::DuplicateVrid {
                vrid,
                interface,
                family: consistency::family_name(family).into(),
                other: other.name.clone(),
                first,
            };
            let here = (draft.at.vrid.clone()).unwrap_or(statement.args[0].location.clone());
            self.errors.push(ParseError::new(here, kind));
            return;
        }
        if let Some(at) = draft.at.vrid.clone() {
            self.vrid_at.insert(name.clone(), at);
        }
        #[cfg(feature = "auth-hmac")]
        let authenticated = draft.auth_hmac.is_some();
        #[cfg(not(feature = "auth-hmac"))]
        let authenticated = false;
        if let (Some(at), None, false) =
            (draft.at.unicast_peers.first(), draft.min_ttl, authenticated)
        {
            self.warn(
                at,
                "unicast peers are heard at any TTL, as keepalived hears them: anyone who can \
                 route a packet here with a peer's address can take over or demote the Master; \
                 add auth_hmac (keepalived 2.4), or `min_ttl 255` after each peer on the link"
                    .into(),
            );
        }
        if let Some(at) = &draft.at.state_master
            && draft.priority != Some(255)
        {
            self.warn(
                at,
                "`state MASTER`: below priority 255 every router starts as Backup \
                 (RFC 9568 §6.4.1), and the election makes the highest priority Master within \
                 Master_Down_Interval"
                    .into(),
            );
        }
        let announcements = draft
            .announcements
            .unwrap_or(self.config.global.announcements);
        let strict = draft.strict.unwrap_or(self.config.global.strict);
        let priority = draft.priority.unwrap_or(100);
        let down_timer_adverts = self.down_timer_adverts(&draft, strict, &name);
        let owner_ignore_adverts = self.owner_ignore_adverts(&draft, strict, priority, &name);
        let unicast_ttl = self.unicast_ttl(&draft, &name);
        let fault_without_peers = draft.unicast_fault_no_peer && draft.unicast_peers.is_empty();
        let multicast_group = self.multicast_group(&draft, family, &name);
        let timer_expired_backup = self.timer_expired_backup(&draft, &name);
        if let Some(at) = &draft.promote_secondaries
            && draft.use_vmac
        {
            self.warn(
                at,
                format!(
                    "vrrp_instance {name}: `promote_secondaries` is set on the virtual MAC \
                     interface, which holds the addresses, and not on `{interface}` (as \
                     keepalived)"
                ),
            );
        }
        let track_interfaces = options::with_address_interfaces(
            &interface,
            draft.addresses.iter().chain(&draft.excluded),
            draft.common.track_interfaces,
        );
        self.config.instances.push(VrrpInstance {
            name,
            location: statement.args[0].location.clone(),
            interface,
            vrid,
            priority,
            advert_interval: draft.interval.unwrap_or(Duration::from_secs(1)),
            version,
            family,
            preempt: draft.preempt,
            preempt_delay: draft.preempt_delay,
            accept: draft.accept.unwrap_or(!strict),
            ipsec_ah: draft.ah.is_some() && draft.password.is_some(),
            password: draft.password,
            #[cfg(feature = "auth-hmac")]
            auth_hmac: draft.auth_hmac,
            addresses: draft.addresses,
            excluded_addresses: draft.excluded,
            unicast_source: draft.unicast_source,
            unicast_peers: draft.unicast_peers,
            min_ttl: draft.min_ttl,
            unicast_ttl,
            fault_without_peers,
            multicast_group,
            timer_expired_backup,
            // keepalived clears it without a source address of the instance's own.
            track_src_ip: draft.track_src_ip && draft.unicast_source.is_some(),
            use_vmac: draft.use_vmac,
            use_vmac_addr: draft.use_vmac_addr,
            vmac_name: draft.vmac_name,
            vmac_xmit_base: draft.vmac_xmit_base,
            promote_secondaries: draft.promote_secondaries.is_some() && !draft.use_vmac,
            garp_interval: self.config.global.garp_interval,
            gna_interval: self.config.global.gna_interval,
            // keepalived: off by default (RFC 9568 answers a lower priority at once), and always
            // on in strict mode, whatever else says.
            lower_prio_no_advert: strict
                || (draft.lower_prio_no_advert)
                    .or(self.config.global.lower_prio_no_advert)
                    .unwrap_or(false),
            down_timer_adverts,
            owner_ignore_adverts,
            checksum_as_v2: (draft.checksum_as_v2).unwrap_or(self.config.global.checksum_as_v2),
            old_unicast_checksum: draft.old_unicast_checksum,
            dont_track_primary: draft.dont_track_primary,
            step_down_on_failure: draft.step_down_on_failure,
            router_advertisements: draft.router_advertisements,
            announcements,
            track_interfaces,
            track_scripts: draft.common.track_scripts,
            track_files: draft.common.track_files,
            track_processes: draft.common.track_processes,
            notify: draft.common.notify,
            routes: draft.routes,
            rules: draft.rules,
        });
    }

    fn instance_statement(&mut self, s: &Statement, draft: &mut InstanceDraft) {
        match s.keyword.text.as_str() {
            "state" => {
                if let Some(v) = self.value(s, "MASTER or BACKUP") {
                    match v.text.as_str() {
                        "BACKUP" => {}
                        // Warned of once the priority is known: at 255 it is what happens.
                        "MASTER" => draft.at.state_master = Some(v.location.clone()),
                        _ => self.bad(s, v, "MASTER or BACKUP"),
                    }
                }
            }
            "interface" => draft.interface = self.text(s),
            "virtual_router_id" => {
                draft.vrid = self.integer(s, 1..=255);
                draft.at.vrid = Some(s.keyword.location.clone());
            }
            "priority" => draft.priority = self.integer(s, 1..=255),
            "advert_int" => {
                draft.interval = self.seconds(s, false, 255.0);
                draft.at.interval = Some(s.keyword.location.clone());
            }
            "version" => {
                draft.version = self.version(s);
                draft.at.version = Some(s.keyword.location.clone());
            }
            "nopreempt" => draft.preempt = !self.flag(s),
            "step_down_on_failure" => draft.step_down_on_failure = self.flag(s),
            "router_advertisements" if s.args.is_empty() => {
                draft.router_advertisements =
                    self.no_block(s).map(|()| RouterAdvertisements::default());
            }
            "router_advertisements" => {
                let max = RouterAdvertisements::MAX_INTERVAL.as_secs_f64();
                if let Some(interval) = self.seconds(s, false, max) {
                    if interval < RouterAdvertisements::MIN_INTERVAL {
                        self.bad(s, &s.args[0], "a number of seconds from 4 to 1800");
                    } else {
                        draft.router_advertisements = Some(RouterAdvertisements::every(interval));
                    }
                }
            }
            "preempt" => draft.preempt = self.flag(s),
            "preempt_delay" => {
                if let Some(delay) = self.seconds(s, true, 1000.0) {
                    draft.preempt_delay = delay;
                }
            }
            "accept" => draft.accept = self.flag(s).then_some(true),
            "no_accept" => draft.accept = self.flag(s).then_some(false),
            "authentication" => {
                let read = self.authentication(s);
                draft.ah = read.as_ref().and_then(|(_, ah)| ah.clone());
                draft.password = read.map(|(password, _)| password);
                draft.at.authentication = Some(s.keyword.location.clone());
            }
            #[cfg(feature = "auth-hmac")]
            "auth_hmac" => draft.auth_hmac = self.auth_hmac(s, self.config.global.strict),
            #[cfg(not(feature = "auth-hmac"))]
            "auth_hmac" => self.unsupported(
                &s.keyword,
                "auth_hmac",
                "this build has no HMAC authentication (the `auth-hmac` feature is off); \
                 running without the authentication asked for would be unsafe",
            ),
            "virtual_ipaddress" => {
                let vips = self.addresses(s);
                draft.addresses.extend(vips);
            }
            "virtual_ipaddress_excluded" => {
                let vips = self.addresses(s);
                draft.excluded.extend(vips);
            }
            // keepalived's older name for the same setting: the source of every advert.
            "unicast_src_ip" | "mcast_src_ip" => {
                if let Some(v) = self.value(s, "an IP address") {
                    match v.text.parse() {
                        Ok(address) => {
                            draft.unicast_source = Some(address);
                            draft.at.unicast_source = Some(s.keyword.location.clone());
                        }
                        Err(_) => self.bad(s, v, "an IP address"),
                    }
                }
            }
            "unicast_peer" => {
                if let Some(block) = self.block(s) {
                    // A peer without min_ttl is heard at any TTL (keepalived's 0): the bound
                    // checked is the lowest, 0 if any peer has none.
                    let ttls: Vec<Option<u8>> =
                        block.iter().map(|peer| self.peer_options(peer)).collect();
                    draft.min_ttl = ttls.iter().copied().min().flatten();
                    for peer in block {
                        match peer.keyword.text.parse() {
                            Ok(address) => {
                                draft.unicast_peers.push(address);
                                draft.at.unicast_peers.push(peer.keyword.location.clone());
                            }
                            Err(_) => self.bad(s, &peer.keyword, "an IP address"),
                        }
                    }
                }
            }
            "mcast_dst_ip" => self.mcast_dst_ip(s, draft),
            "track_src_ip" => draft.track_src_ip = self.flag(s),
            "timer_expired_backup" | "thread_timer_expired" => {
                draft.timer_expired_backup = self.timer_expired_backup_line(s);
            }
            "unicast_fault_no_peer" => draft.unicast_fault_no_peer = self.flag(s),
            "unicast_ttl" => {
                draft.unicast_ttl = self.integer(s, 0..=255);
                draft.at.unicast_ttl = Some(s.keyword.location.clone());
            }
            "use_vmac" => self.use_vmac(s, draft),
            "vmac_xmit_base" => draft.vmac_xmit_base = self.flag(s),
            "use_vmac_addr" => draft.use_vmac_addr = self.flag(s),
            "promote_secondaries" => {
                if self.flag(s) {
                    draft.promote_secondaries = Some(s.keyword.location.clone());
                }
            }
            "no_virtual_ipaddress" => draft.no_addresses = self.flag(s),
            "notify_deleted" => {
                draft.common.notify.notify_deleted = true;
                if s.block.is_none() && !s.args.is_empty() {
                    let command = self.text(s);
                    draft.common.notify.deleted = command;
                } else {
                    self.no_block(s);
                }
            }
            "notify_master_rx_lower_pri" => {
                let command = self.text(s);
                draft
                    .common
                    .notify
                    .set("notify_master_rx_lower_pri", command);
            }
            "lower_prio_no_advert" => draft.lower_prio_no_advert = Some(self.flag(s)),
            "down_timer_adverts" => {
                draft.down_timer_adverts = self.integer(s, 1..=100);
                draft.at.down_timer_adverts = Some(s.keyword.location.clone());
            }
            "owner_ignore_adverts" => {
                draft.owner_ignore_adverts = Some(self.flag(s));
                draft.at.owner_ignore_adverts = Some(s.keyword.location.clone());
            }
            "strict_mode" => draft.strict = Some(self.flag(s)),
            "dont_track_primary" => draft.dont_track_primary = self.flag(s),
            "v3_checksum_as_v2" => draft.checksum_as_v2 = Some(self.flag(s)),
            "old_unicast_checksum" => self.old_unicast_checksum(s, draft),
            // Always so here: unicast adverts are heard from the listed peers only, and an
            // address list that differs is counted, never dropped.
            "check_unicast_src" | "skip_check_adv_addr" => {
                self.flag(s);
            }
            "native_ipv6" => {
                if self.flag(s) {
                    draft.native_ipv6 = Some(s.keyword.location.clone());
                }
            }
            "garp_master_delay"
            | "garp_master_repeat"
            | "garp_master_refresh"
            | "garp_master_refresh_repeat" => {
                let announcements = draft
                    .announcements
                    .get_or_insert(self.config.global.announcements);
                self.announcement(s, announcements);
            }
            "virtual_routes" => draft.routes.extend(self.routes(s, false)),
            "virtual_rules" => draft.rules.extend(self.rules(s, false)),
            _ => {
                if !self.common(s, &mut draft.common) {
                    self.other(s, "vrrp_instance", INSTANCE);
                }
            }
        }
    }
}
