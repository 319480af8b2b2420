//! Every keyword of keepalived 2.4.3's global and VRRP parsers, with what this crate does with
//! it: the one source for the parser's handling of the keywords it does not act on, and for the
//! table of [`keyword_table`] that `vrrpd keywords` prints and the documentation shows.
//!
//! A keyword is [honoured](Support::Honoured) with keepalived's meaning, [ignored with a
//! warning](Support::Ignored) when it concerns something this crate does not run (LVS, SNMP, mail,
//! D-Bus, keepalived's other processes), or [refused](Support::Refused) with the reason and what to
//! do instead, where running without it would do something other than what the file asks.

/// What the crate does with a keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// Read and acted on with keepalived's meaning.
    Honoured,
    /// Accepted with a warning naming why it changes nothing here.
    Ignored(&'static str),
    /// Refused: the reason, and what to do instead.
    Refused(&'static str),
}

/// One keyword of keepalived's configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Keyword {
    /// The keyword as written.
    pub name: &'static str,
    /// What the crate does with it.
    pub support: Support,
}

const LVS: Support = Support::Ignored(
    "LVS (virtual servers, their checkers and sync daemon) is not run here; the VRRP part runs \
     without it",
);
const SNMP: Support = Support::Ignored(
    "there is no SNMP agent; the RFC 6527 counters are in `vrrpd stats` and the metrics",
);
const MAIL: Support = Support::Ignored("mail alerts are not sent; use notify scripts");
const DBUS: Support =
    Support::Ignored("there is no D-Bus interface; use `vrrpd status` and the control socket");
const OTHER_PROCESS: Support = Support::Ignored(
    "keepalived's checker and BFD processes are not run here; VRRP runs in one process",
);
const DUMPS: Support = Support::Ignored(
    "state is read with `vrrpd status` and `vrrpd stats` (`--json`), not dumped to files",
);
const PROCESS_SETUP: Support = Support::Ignored(
    "keepalived's own process set-up; vrrpd is one process that systemd (or its caller) sets up",
);
const NETLINK_BUFFERS: Support = Support::Ignored(
    "netlink receive buffers are sized by vrrpd, which re-reads the kernel's state after an overrun",
);

const HONOURED: Support = Support::Honoured;
const DEBUG: Support =
    Support::Ignored("keepalived does not implement it either; use `--log-level debug`");
const DISABLE_LOCAL_IGMP: Support = Support::Ignored(
    "set net.ipv4.conf.all.igmp_link_local_mcast_reports=0 with sysctl if the IGMP reports matter",
);
const DYNAMIC_INTERFACES: Support = Support::Ignored(
    "not applied by this version: every interface must exist when vrrpd starts or reloads, keepalived's default",
);
const FIFO_WRITE_VRRP_STATES_ON_RELOAD: Support = Support::Ignored(
    "not applied by this version: notify FIFOs get state changes only, not the states after a reload",
);
const NOTIFY_PRIORITY_CHANGES: Support = Support::Ignored(
    "not applied by this version: notify FIFOs get state changes only, not priority changes",
);
const GARP_EXTRA_IF: Support = Support::Ignored(
    "not applied by this version: announcements go out in the bursts of garp_master_*, each \
     address's repeats 10 ms apart, spaced per interface only by the global vrrp_garp_interval \
     and vrrp_gna_interval, without extra periodic ones",
);
const GARP_LOWER_PRIO_DELAY: Support = Support::Ignored(
    "a Master that hears a lower priority announces its addresses again at once, as one garp_master_repeat burst",
);
const GLOBAL_TRACKING: Support = Support::Ignored(
    "deprecated in keepalived; tracked weights of sync group members always count here",
);
const HIGHER_PRIO_SEND_ADVERT: Support = Support::Ignored(
    "not applied by this version: a Master that hears a higher priority becomes Backup without a last advert, keepalived's default",
);
const INTERFACE_UP_DOWN_DELAYS: Support =
    Support::Ignored("links are followed by netlink events, without delay");
const IPROUTE_ETC_DIR: Support = Support::Ignored(
    "iproute2's name files are not read: write route tables, protocols and realms by number (or main, local, default)",
);
const LOG_UNKNOWN_VRIDS: Support = Support::Ignored(
    "adverts for VRIDs not configured here are counted (vrrpv3RouterVrIdErrors) and logged at debug level",
);
const NAMESPACE_WITH_IPSETS: Support = Support::Ignored(
    "Accept_Mode off is enforced by vrrpd's own nftables rules, in table `inet vrrp`; keepalived's iptables, ipsets and nftables settings do not apply to them",
);
const TRACK_BFD: Support =
    Support::Refused("there is no BFD here; track the peer with a vrrp_script instead");
const USE_IPVLAN: Support =
    Support::Refused("ipvlan interfaces are not supported; use use_vmac (macvlan)");
const VMAC_ADDR_PREFIX: Support = Support::Ignored(
    "virtual MAC interfaces are named vr4.IFINDEX.VRID (vr6 for IPv6) unless use_vmac names them",
);
const VRF: Support = Support::Refused(
    "not supported by this version; start vrrpd in the VRF instead (ip vrf exec NAME vrrpd)",
);

const fn k(name: &'static str, support: Support) -> Keyword {
    Keyword { name, support }
}

/// Every keyword keepalived 2.4.3's global and VRRP parsers know, sorted by name.
pub const KEYWORDS: &[Keyword] = &[
    k("accept", HONOURED),
    k("active_key", HONOURED),
    k("advert_int", HONOURED),
    k("anti_replay", HONOURED),
    k("auth_hmac", HONOURED),
    k("auth_pass", HONOURED),
    k("auth_type", HONOURED),
    k("authentication", HONOURED),
    k("bfd_cpu_affinity", OTHER_PROCESS),
    k("bfd_no_swap", OTHER_PROCESS),
    k("bfd_priority", OTHER_PROCESS),
    k("bfd_process_name", OTHER_PROCESS),
    k("bfd_rlimit_rtime", OTHER_PROCESS),
    k("bfd_rlimit_rttime", OTHER_PROCESS),
    k("bfd_rt_priority", OTHER_PROCESS),
    k("check_unicast_src", HONOURED),
    k("checker_cpu_affinity", OTHER_PROCESS),
    k("checker_log_all_failures", OTHER_PROCESS),
    k("checker_no_swap", OTHER_PROCESS),
    k("checker_priority", OTHER_PROCESS),
    k("checker_process_name", OTHER_PROCESS),
    k("checker_rlimit_rtime", OTHER_PROCESS),
    k("checker_rlimit_rttime", OTHER_PROCESS),
    k("checker_rt_priority", OTHER_PROCESS),
    k("child_wait_time", PROCESS_SETUP),
    k("config_save_dir", PROCESS_SETUP),
    k("data_use_instance", DUMPS),
    k("dbus_no_interface_name", DBUS),
    k("dbus_service_name", DBUS),
    k("debug", DEBUG),
    k("default_interface", HONOURED),
    k("delay", HONOURED),
    k("disable_local_igmp", DISABLE_LOCAL_IGMP),
    k("dont_track_primary", HONOURED),
    k("down_timer_adverts", HONOURED),
    k("dynamic_interfaces", DYNAMIC_INTERFACES),
    k("enable_dbus", DBUS),
    k("enable_script_security", HONOURED),
    k("enable_snmp_checker", SNMP),
    k("enable_snmp_keepalived", SNMP),
    k("enable_snmp_rfc", SNMP),
    k("enable_snmp_rfcv2", SNMP),
    k("enable_snmp_rfcv3", SNMP),
    k("enable_snmp_vrrp", SNMP),
    k("enable_traps", SNMP),
    k("fall", HONOURED),
    k(
        "fifo_write_vrrp_states_on_reload",
        FIFO_WRITE_VRRP_STATES_ON_RELOAD,
    ),
    k("fork_delay", HONOURED),
    k("full_command", HONOURED),
    k("garp_extra_if", GARP_EXTRA_IF),
    k("garp_group", GARP_EXTRA_IF),
    k("garp_interval", GARP_EXTRA_IF),
    k("garp_lower_prio_delay", GARP_LOWER_PRIO_DELAY),
    k("garp_lower_prio_repeat", GARP_LOWER_PRIO_DELAY),
    k("garp_master_delay", HONOURED),
    k("garp_master_refresh", HONOURED),
    k("garp_master_refresh_repeat", HONOURED),
    k("garp_master_repeat", HONOURED),
    k("global_defs", HONOURED),
    k("global_tracking", GLOBAL_TRACKING),
    k("gna_interval", GARP_EXTRA_IF),
    k("group", HONOURED),
    k("higher_prio_send_advert", HIGHER_PRIO_SEND_ADVERT),
    k("include_check", LVS),
    k("init_fail", HONOURED),
    k("instance", PROCESS_SETUP),
    k("interface", HONOURED),
    k("interface_up_down_delays", INTERFACE_UP_DOWN_DELAYS),
    k("interfaces", GARP_EXTRA_IF),
    k("interval", HONOURED),
    k("iproute_etc_dir", IPROUTE_ETC_DIR),
    k("iproute_usr_dir", IPROUTE_ETC_DIR),
    k("json_dump_file", DUMPS),
    k("json_version", DUMPS),
    k("kernel_rx_buf_size", NETLINK_BUFFERS),
    k("key", HONOURED),
    k("linkbeat_interfaces", INTERFACE_UP_DOWN_DELAYS),
    k("linkbeat_use_polling", INTERFACE_UP_DOWN_DELAYS),
    k("log_unknown_vrids", LOG_UNKNOWN_VRIDS),
    k("lower_prio_no_advert", HONOURED),
    k("lvs_flush", LVS),
    k("lvs_flush_on_stop", LVS),
    k("lvs_flush_onstop", LVS),
    k("lvs_netlink_cmd_rcv_bufs", LVS),
    k("lvs_netlink_cmd_rcv_bufs_force", LVS),
    k("lvs_netlink_monitor_rcv_bufs", LVS),
    k("lvs_netlink_monitor_rcv_bufs_force", LVS),
    k("lvs_notify_fifo", LVS),
    k("lvs_notify_fifo_script", LVS),
    k("lvs_process_name", LVS),
    k("lvs_sync_daemon", LVS),
    k("lvs_sync_daemon_interface", LVS),
    k("lvs_timeouts", LVS),
    k("max_auto_priority", HONOURED),
    k("mcast_dst_ip", HONOURED),
    k("mcast_src_ip", HONOURED),
    k("min_auto_priority_delay", HONOURED),
    k("mode", HONOURED),
    k("namespace_with_ipsets", NAMESPACE_WITH_IPSETS),
    k("native_ipv6", HONOURED),
    k("net_namespace", HONOURED),
    k("net_namespace_ipvs", LVS),
    k("nftables", NAMESPACE_WITH_IPSETS),
    k("nftables_counters", NAMESPACE_WITH_IPSETS),
    k("nftables_ifindex", NAMESPACE_WITH_IPSETS),
    k("nftables_ipvs", LVS),
    k("nftables_ipvs_priority", LVS),
    k("nftables_ipvs_start_fwmark", LVS),
    k("nftables_priority", NAMESPACE_WITH_IPSETS),
    k("no_accept", HONOURED),
    k("no_checker_emails", MAIL),
    k("no_email_faults", MAIL),
    k("no_virtual_ipaddress", HONOURED),
    k("nopreempt", HONOURED),
    k("notification_email", MAIL),
    k("notification_email_from", MAIL),
    k("notify", HONOURED),
    k("notify_backup", HONOURED),
    k("notify_deleted", HONOURED),
    k("notify_fault", HONOURED),
    k("notify_fifo", HONOURED),
    k("notify_fifo_script", HONOURED),
    k("notify_master", HONOURED),
    k("notify_master_rx_lower_pri", HONOURED),
    k("notify_priority_changes", NOTIFY_PRIORITY_CHANGES),
    k("notify_stop", HONOURED),
    k("old_unicast_checksum", HONOURED),
    k("owner_ignore_adverts", HONOURED),
    k("param_match", HONOURED),
    k("preempt", HONOURED),
    k("preempt_delay", HONOURED),
    k("priority", HONOURED),
    k("process", HONOURED),
    k("process_monitor_rcv_bufs", NETLINK_BUFFERS),
    k("process_monitor_rcv_bufs_force", NETLINK_BUFFERS),
    k("process_name", PROCESS_SETUP),
    k("process_names", PROCESS_SETUP),
    k("promote_secondaries", HONOURED),
    k("quorum", HONOURED),
    k("quorum_max", HONOURED),
    k("random_seed", PROCESS_SETUP),
    k("reload_check_config", PROCESS_SETUP),
    k("reload_file", PROCESS_SETUP),
    k("reload_repeat", PROCESS_SETUP),
    k("reload_time_file", PROCESS_SETUP),
    k("rise", HONOURED),
    k("router_id", HONOURED),
    k("rs_init_notifies", LVS),
    k("script", HONOURED),
    k("script_user", HONOURED),
    k("set_supplementary_groups", PROCESS_SETUP),
    k("shutdown_script", HONOURED),
    k("shutdown_script_timeout", HONOURED),
    k("skip_check_adv_addr", HONOURED),
    k("smtp_alert", MAIL),
    k("smtp_alert_checker", MAIL),
    k("smtp_alert_vrrp", MAIL),
    k("smtp_connect_timeout", MAIL),
    k("smtp_helo_name", MAIL),
    k("smtp_server", MAIL),
    k("snmp_rs_stats_update_interval", SNMP),
    k("snmp_socket", SNMP),
    k("snmp_vs_stats_update_interval", SNMP),
    k("startup_script", HONOURED),
    k("startup_script_timeout", HONOURED),
    k("state", HONOURED),
    k("state_dump_file", DUMPS),
    k("static_ipaddress", HONOURED),
    k("static_routes", HONOURED),
    k("static_rules", HONOURED),
    k("stats_dump_file", DUMPS),
    k("strict_mode", HONOURED),
    k("sync_group_tracking_weight", HONOURED),
    k("terminate_delay", HONOURED),
    k("thread_timer_expired", HONOURED),
    k("time_window", HONOURED),
    k("timeout", HONOURED),
    k("timer_expired_backup", HONOURED),
    k("tmp_config_directory", PROCESS_SETUP),
    k("track_bfd", TRACK_BFD),
    k("track_file", HONOURED),
    k("track_group", HONOURED),
    k("track_interface", HONOURED),
    k("track_process", HONOURED),
    k("track_script", HONOURED),
    k("track_src_ip", HONOURED),
    k("umask", PROCESS_SETUP),
    k("unicast_fault_no_peer", HONOURED),
    k("unicast_peer", HONOURED),
    k("unicast_src_ip", HONOURED),
    k("unicast_ttl", HONOURED),
    k("use_ipvlan", USE_IPVLAN),
    k("use_pid_dir", PROCESS_SETUP),
    k("use_symlink_paths", PROCESS_SETUP),
    k("use_vmac", HONOURED),
    k("use_vmac_addr", HONOURED),
    k("user", HONOURED),
    k("v3_checksum_as_v2", HONOURED),
    k("version", HONOURED),
    k("virtual_ipaddress", HONOURED),
    k("virtual_ipaddress_excluded", HONOURED),
    k("virtual_router_id", HONOURED),
    k("virtual_routes", HONOURED),
    k("virtual_rules", HONOURED),
    k("vmac_addr_prefix", VMAC_ADDR_PREFIX),
    k("vmac_garp_intvl", GARP_EXTRA_IF),
    k("vmac_prefix", VMAC_ADDR_PREFIX),
    k("vmac_xmit_base", HONOURED),
    k("vrf", VRF),
    k("vrrp_check_unicast_src", HONOURED),
    k("vrrp_cpu_affinity", HONOURED),
    k("vrrp_delay_after_boot", HONOURED),
    k("vrrp_down_timer_adverts", HONOURED),
    k("vrrp_garp_extra_if", GARP_EXTRA_IF),
    k("vrrp_garp_interval", HONOURED),
    k("vrrp_garp_lower_prio_delay", GARP_LOWER_PRIO_DELAY),
    k("vrrp_garp_lower_prio_repeat", GARP_LOWER_PRIO_DELAY),
    k("vrrp_garp_master_delay", HONOURED),
    k("vrrp_garp_master_refresh", HONOURED),
    k("vrrp_garp_master_refresh_repeat", HONOURED),
    k("vrrp_garp_master_repeat", HONOURED),
    k("vrrp_gna_interval", HONOURED),
    k("vrrp_higher_prio_send_advert", HIGHER_PRIO_SEND_ADVERT),
    k("vrrp_instance", HONOURED),
    k("vrrp_ipsets", NAMESPACE_WITH_IPSETS),
    k("vrrp_iptables", NAMESPACE_WITH_IPSETS),
    k("vrrp_lower_prio_no_advert", HONOURED),
    k("vrrp_mcast_group4", HONOURED),
    k("vrrp_mcast_group6", HONOURED),
    k("vrrp_min_garp", HONOURED),
    k("vrrp_netlink_cmd_rcv_bufs", NETLINK_BUFFERS),
    k("vrrp_netlink_cmd_rcv_bufs_force", NETLINK_BUFFERS),
    k("vrrp_netlink_monitor_rcv_bufs", NETLINK_BUFFERS),
    k("vrrp_netlink_monitor_rcv_bufs_force", NETLINK_BUFFERS),
    k("vrrp_no_swap", HONOURED),
    k("vrrp_notify_fifo", HONOURED),
    k("vrrp_notify_fifo_script", HONOURED),
    k("vrrp_notify_priority_changes", NOTIFY_PRIORITY_CHANGES),
    k("vrrp_owner_ignore_adverts", HONOURED),
    k("vrrp_priority", HONOURED),
    k("vrrp_process_name", PROCESS_SETUP),
    k("vrrp_rlimit_rtime", HONOURED),
    k("vrrp_rlimit_rttime", HONOURED),
    k("vrrp_rt_priority", HONOURED),
    k("vrrp_rx_bufs_multiplier", NETLINK_BUFFERS),
    k("vrrp_rx_bufs_policy", NETLINK_BUFFERS),
    k("vrrp_script", HONOURED),
    k("vrrp_skip_check_adv_addr", HONOURED),
    k("vrrp_startup_delay", HONOURED),
    k("vrrp_strict", HONOURED),
    k("vrrp_sync_group", HONOURED),
    k("vrrp_track_process", HONOURED),
    k("vrrp_version", HONOURED),
    k("vrrp_vmac_garp_intvl", GARP_EXTRA_IF),
    k("weight", HONOURED),
];

/// The keywords of `auth_hmac`, honoured with the `auth-hmac` feature (refused without it).
#[cfg(all(test, not(feature = "auth-hmac")))]
pub(crate) const HMAC: &[&str] = &[
    "active_key",
    "anti_replay",
    "auth_hmac",
    "key",
    "mode",
    "time_window",
];

/// What the crate does with `keyword`, if keepalived 2.4.3 knows it.
pub fn support(keyword: &str) -> Option<Support> {
    KEYWORDS
        .binary_search_by(|k| k.name.cmp(keyword))
        .ok()
        .map(|i| KEYWORDS[i].support)
}

/// The table of every keyword and what the crate does with it, in Markdown: `vrrpd keywords`
/// prints it, and the documentation holds it.
pub fn keyword_table() -> String {
    let mut table = String::from("| keyword | here |\n|---|---|\n");
    for keyword in KEYWORDS {
        let here = match keyword.support {
            Support::Honoured => "honoured".to_string(),
            Support::Ignored(why) => format!("ignored, with a warning: {why}"),
            Support::Refused(why) => format!("refused: {why}"),
        };
        table += &format!("| `{}` | {here} |\n", keyword.name);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_sorted_and_unique_for_the_binary_search() {
        assert!(KEYWORDS.windows(2).all(|w| w[0].name < w[1].name));
        assert_eq!(support("vrrp_instance"), Some(Support::Honoured));
        assert_eq!(support("lvs_id"), None);
    }
}
