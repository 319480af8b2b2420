//! Reads `global_defs`: the defaults instances take, and the settings of the whole daemon.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::Reader;
use crate::keepalived::lexer::Token;
use crate::keepalived::model::GlobalDefs;
use crate::keepalived::syntax::Statement;

pub(super) const GLOBAL_DEFS: &[&str] = &[
    "router_id",
    "vrrp_version",
    "vrrp_strict",
    "vrrp_skip_check_adv_addr",
    "vrrp_garp_interval",
    "vrrp_gna_interval",
    "vrrp_mcast_group4",
    "vrrp_mcast_group6",
    "vrrp_garp_master_delay",
    "vrrp_garp_master_repeat",
    "vrrp_garp_master_refresh",
    "vrrp_garp_master_refresh_repeat",
    "vrrp_lower_prio_no_advert",
    "default_interface",
    "vrrp_check_unicast_src",
    "v3_checksum_as_v2",
    "vrrp_min_garp",
    "enable_script_security",
    "script_user",
];

impl Reader {
    pub(super) fn global_defs(&mut self, statement: &Statement) {
        let Some(block) = self.block(statement) else {
            return;
        };
        let mut global = GlobalDefs::default();
        let mut min_garp = false;
        for s in block {
            match s.keyword.text.as_str() {
                "router_id" => global.router_id = self.text(s),
                "vrrp_version" => {
                    global.vrrp_version = self.version(s);
                    self.vrrp_version_at = Some(s.keyword.location.clone());
                }
                "vrrp_strict" => global.strict = self.flag(s),
                "vrrp_skip_check_adv_addr" => global.skip_check_adv_addr = self.flag(s),
                "vrrp_garp_interval" | "vrrp_gna_interval" => {
                    if let Some(delay) = self.seconds(s, true, 1.0)
                        && !delay.is_zero()
                    {
                        self.unsupported(
                            &s.keyword,
                            &s.keyword.text,
                            "announcements of a burst go out back to back; only 0 can be \
                             honoured",
                        );
                    }
                }
                "vrrp_mcast_group4" => {
                    if let Some(v) = self.value(s, "an IPv4 multicast address")
                        && v.text.parse::<Ipv4Addr>().ok() != Some(Ipv4Addr::new(224, 0, 0, 18))
                    {
                        self.unsupported_group(s, v, "224.0.0.18");
                    }
                }
                "vrrp_mcast_group6" => {
                    if let Some(v) = self.value(s, "an IPv6 multicast address")
                        && v.text.parse::<Ipv6Addr>().ok()
                            != Some(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12))
                    {
                        self.unsupported_group(s, v, "ff02::12");
                    }
                }
                "vrrp_garp_master_delay"
                | "vrrp_garp_master_repeat"
                | "vrrp_garp_master_refresh"
                | "vrrp_garp_master_refresh_repeat" => {
                    self.announcement(s, &mut global.announcements);
                }
                "vrrp_lower_prio_no_advert" => global.lower_prio_no_advert = Some(self.flag(s)),
                "default_interface" => global.default_interface = self.text(s),
                // Always so here; keepalived ignores any value after it.
                "vrrp_check_unicast_src" => {}
                // keepalived ignores a value here: `v3_checksum_as_v2 false` turns it on too.
                "v3_checksum_as_v2" => global.checksum_as_v2 = self.flag_ignoring_value(s),
                // One announcement, no second burst, no refresh: over the defaults only, as in
                // keepalived, so the garp_* lines win wherever they are written.
                "vrrp_min_garp" => {
                    if self.flag(s) {
                        min_garp = true;
                    }
                }
                "enable_script_security" => global.script_security = self.flag(s),
                "script_user" => global.script_user = self.user(s),
                _ => self.other(s, "global_defs", GLOBAL_DEFS),
            }
        }
        if min_garp {
            let defaults = crate::Announcements::default();
            let a = &mut global.announcements;
            if a.repeat == defaults.repeat {
                a.repeat = 1;
            }
            if a.second_burst == defaults.second_burst {
                a.second_burst = None;
            }
        }
        self.config.global = global;
    }

    fn unsupported_group(&mut self, statement: &Statement, value: &Token, standard: &str) {
        self.unsupported(
            value,
            &statement.keyword.text,
            format!("only the standard group {standard} is used"),
        );
    }
}
