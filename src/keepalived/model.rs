//! What a keepalived.conf says, checked and typed: what [`parse_file`](super::parse_file) returns.
//! Each instance turns into the crate's own [`Config`] once the interface's index and primary
//! address are known ([`VrrpInstance::config`]).

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use super::error::{Location, Warning};
use crate::host::{AddressOptions, AddressScope, VirtualRoute, VirtualRule};
use crate::packet::{Authentication, ChecksumAcceptance, ChecksumForm, Password, Version};
use crate::track::{ParamMatch, Process};
use crate::{
    AddressFamily, Announcements, Config, ConfigError, LowerPriorityResponse, Priority,
    RouterAdvertisements, Vrid,
};

/// A whole configuration: its VRRP part, and the warnings about what is not acted on.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KeepalivedConfig {
    /// `global_defs`.
    pub global: GlobalDefs,
    /// `vrrp_script` blocks, in file order.
    pub scripts: Vec<VrrpScript>,
    /// `vrrp_track_file` blocks, in file order.
    pub track_files: Vec<TrackFile>,
    /// `vrrp_track_process` blocks, in file order.
    pub track_processes: Vec<TrackProcess>,
    /// `vrrp_instance` blocks, in file order.
    pub instances: Vec<VrrpInstance>,
    /// `vrrp_sync_group` blocks, in file order.
    pub sync_groups: Vec<SyncGroup>,
    /// `static_ipaddress` lines: addresses held for as long as the daemon runs.
    pub static_addresses: Vec<VirtualIp>,
    /// `static_routes` lines.
    pub static_routes: Vec<Route>,
    /// `static_rules` lines.
    pub static_rules: Vec<Rule>,
    /// `track_group`s, with the static entries that name them.
    pub track_groups: Vec<TrackGroup>,
    /// What was accepted and is not acted on (LVS blocks, mail settings, `state MASTER`).
    pub warnings: Vec<Warning>,
}

impl GlobalDefs {
    /// How long the instances wait before they start, the host being up for `uptime`: the longer
    /// of `vrrp_startup_delay` and what remains of `vrrp_delay_after_boot`, as in keepalived.
    pub fn start_delay(&self, uptime: Duration) -> Duration {
        let after_boot =
            (self.delay_after_boot).map_or(Duration::ZERO, |d| d.saturating_sub(uptime));
        self.startup_delay.unwrap_or_default().max(after_boot)
    }
}

impl KeepalivedConfig {
    /// The `vrrp_script` called `name`.
    pub fn script(&self, name: &str) -> Option<&VrrpScript> {
        self.scripts.iter().find(|s| s.name == name)
    }

    /// The `vrrp_track_file` called `name`.
    pub fn track_file(&self, name: &str) -> Option<&TrackFile> {
        self.track_files.iter().find(|t| t.name == name)
    }

    /// The `vrrp_track_process` called `name`.
    pub fn track_process(&self, name: &str) -> Option<&TrackProcess> {
        self.track_processes.iter().find(|t| t.name == name)
    }

    /// The `vrrp_instance` called `name`.
    pub fn instance(&self, name: &str) -> Option<&VrrpInstance> {
        self.instances.iter().find(|i| i.name == name)
    }
}

/// `global_defs`: the settings this crate acts on. Values it cannot honour are refused when read,
/// so these are the only ones that can appear.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GlobalDefs {
    /// `router_id`, the name notify scripts and logs use for this host.
    pub router_id: Option<String>,
    /// `vrrp_version`; keepalived's default is 2 for IPv4 (IPv6 is always 3).
    pub vrrp_version: Option<Version>,
    /// `vrrp_strict`: RFC behaviour, which here means Accept_Mode off unless an instance says
    /// `accept`.
    pub strict: bool,
    /// `vrrp_skip_check_adv_addr`. This crate never drops an advert for its address list (it
    /// counts mismatches), so this changes nothing.
    pub skip_check_adv_addr: bool,
    /// `vrrp_garp_master_delay`, `vrrp_garp_master_repeat`, `vrrp_garp_master_refresh`: the
    /// defaults of every instance's announcements.
    pub announcements: Announcements,
    /// `vrrp_garp_interval`: the least time between two gratuitous ARPs on an interface.
    pub garp_interval: Duration,
    /// `vrrp_gna_interval`: the least time between two unsolicited neighbour advertisements on
    /// an interface.
    pub gna_interval: Duration,
    /// `enable_script_security`.
    pub script_security: bool,
    /// `script_user USER [GROUP]`: who scripts run as by default.
    pub script_user: Option<ScriptUser>,
    /// `net_namespace NAME`: the routers run in network namespace NAME (`/run/netns/NAME`).
    pub net_namespace: Option<String>,
    /// `default_interface`: keepalived's interface for `static_ipaddress` lines without `dev`
    /// (not for instances, which name theirs).
    pub default_interface: Option<String>,
    /// `vrrp_lower_prio_no_advert`: the default of every instance's `lower_prio_no_advert`.
    pub lower_prio_no_advert: Option<bool>,
    /// `v3_checksum_as_v2`: the default of every instance's.
    pub checksum_as_v2: bool,
    /// `vrrp_mcast_group4`: the IPv4 instances' multicast group, unless they name theirs.
    pub mcast_group4: Option<std::net::Ipv4Addr>,
    /// `vrrp_mcast_group6`: the IPv6 instances' multicast group, unless they name theirs.
    pub mcast_group6: Option<std::net::Ipv6Addr>,
    /// `vrrp_down_timer_adverts`: the default of every instance's `down_timer_adverts`.
    pub down_timer_adverts: Option<u8>,
    /// `vrrp_owner_ignore_adverts`: the default of every address owner's
    /// `owner_ignore_adverts`.
    pub owner_ignore_adverts: bool,
    /// `notify_fifo` and `vrrp_notify_fifo`, in that order, each with its script.
    pub notify_fifos: Vec<NotifyFifo>,
    /// `vrrp_startup_delay`: the instances start this long after the daemon.
    pub startup_delay: Option<Duration>,
    /// `vrrp_delay_after_boot`: the instances start no sooner than this long after the host
    /// booted.
    pub delay_after_boot: Option<Duration>,
    /// `startup_script`: run once before the routers start, within its timeout.
    pub startup_script: Option<LifecycleScript>,
    /// `shutdown_script`: run once after the routers stopped, within its timeout.
    pub shutdown_script: Option<LifecycleScript>,
    /// `vrrp_rt_priority`, `vrrp_rlimit_rttime`, `vrrp_no_swap`, `vrrp_cpu_affinity`,
    /// `vrrp_priority`: how the thread that runs the routers is scheduled.
    pub scheduling: Scheduling,
}

/// `notify_fifo` or `vrrp_notify_fifo` (the same here, where there is no LVS), with its
/// `_script`: a FIFO that gets one line per state change, `INSTANCE "VI_1" MASTER 100` or
/// `GROUP "VG_1" BACKUP 0`, and the command started to read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotifyFifo {
    /// The FIFO; made (mode 0600) if it does not exist, and removed at exit if it was made.
    pub path: PathBuf,
    /// `USER [GROUP]` after the path: who owns a FIFO that is made.
    pub owner: Option<ScriptUser>,
    /// `notify_fifo_script`: started with the FIFO's path as its last argument, stopped with
    /// SIGTERM at exit.
    pub script: Option<String>,
    /// `USER [GROUP]` after the script: who it runs as (else `script_user`).
    pub script_user: Option<ScriptUser>,
    /// Where the FIFO is named.
    pub location: Location,
}

/// How the thread that runs the routers is scheduled (see `vrrp::linux::scheduling`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scheduling {
    /// `vrrp_rt_priority`: SCHED_RR at this priority, 1 to 99.
    pub rt_priority: Option<u8>,
    /// `vrrp_rlimit_rttime`: the CPU time a real-time thread may use without blocking, default
    /// 10 ms.
    pub rlimit_rttime: Duration,
    /// `vrrp_no_swap`: the memory locked into RAM.
    pub no_swap: bool,
    /// `vrrp_cpu_affinity`: the CPUs it runs on.
    pub cpu_affinity: Vec<usize>,
    /// `vrrp_priority`: its niceness, -20 to 19.
    pub nice: Option<i8>,
    /// `max_auto_priority`: the real-time priority it is raised to when a deadline is served late
    /// (`None`: never raised, keepalived's 0 and -1).
    pub max_auto_priority: Option<u8>,
    /// `min_auto_priority_delay`: how late a deadline must be to raise it, default 1 s.
    pub min_auto_priority_delay: Duration,
}

impl Default for Scheduling {
    fn default() -> Self {
        Self {
            rt_priority: None,
            rlimit_rttime: Duration::from_micros(10_000),
            no_swap: false,
            cpu_affinity: Vec::new(),
            nice: None,
            max_auto_priority: None,
            min_auto_priority_delay: Duration::from_secs(1),
        }
    }
}

/// `startup_script` or `shutdown_script` (with its `_timeout`): a command run once, before the
/// routers start or after they stopped. The daemon goes on whatever it exits with; one still
/// running at its timeout is stopped (SIGTERM, then SIGKILL to its process group).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LifecycleScript {
    /// The command line.
    pub command: String,
    /// `USER [GROUP]` after the command: who it runs as (else `script_user`, else root).
    pub user: Option<ScriptUser>,
    /// `startup_script_timeout` / `shutdown_script_timeout`: 1 to 1000 s, default 10 s.
    pub timeout: Duration,
}

/// A user, and optionally a group, for running scripts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptUser {
    /// The user name.
    pub user: String,
    /// The group name, if given.
    pub group: Option<String>,
}

/// `vrrp_script NAME { ... }`: a health check run periodically.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VrrpScript {
    /// Its name, which `track_script` refers to.
    pub name: String,
    /// Where it is defined.
    pub location: Location,
    /// `script`: the command line.
    pub script: String,
    /// `interval`, default 1 s.
    pub interval: Duration,
    /// `timeout`; by default the interval.
    pub timeout: Option<Duration>,
    /// `weight`, -253 to 253: added to the priority while the script succeeds (positive) or fails
    /// (negative); 0 puts the instance in Fault while it fails.
    pub weight: i16,
    /// `rise`: successes in a row that make the script good, default 1.
    pub rise: u32,
    /// `fall`: failures in a row that make it bad, default 1.
    pub fall: u32,
    /// `user USER [GROUP]`.
    pub user: Option<ScriptUser>,
    /// `init_fail`: failing until `rise` runs succeed, instead of good from the start.
    pub init_fail: bool,
}

/// `vrrp_track_file NAME { file PATH weight W }`: a number in a file, times the weight, added to
/// the priority.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackFile {
    /// Its name, which `track_file` refers to.
    pub name: String,
    /// Where it is defined.
    pub location: Location,
    /// `file`.
    pub file: PathBuf,
    /// `weight`, default 1.
    pub weight: i16,
}

/// `vrrp_track_process NAME { process NAME [ARGS...] ... }`: processes that must be running,
/// looked for in `/proc` every second ([`crate::track::PROCESS_POLL`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackProcess {
    /// Its name, which `track_process` refers to.
    pub name: String,
    /// Where it is defined.
    pub location: Location,
    /// `process`: the process's name (or `argv[0]`).
    pub process: String,
    /// The words after the name on the `process` line: the arguments to match.
    pub parameters: Vec<String>,
    /// `param_match initial|partial`; with no arguments, it requires a process without any.
    pub param_match: Option<ParamMatch>,
    /// `full_command`: match `argv[0]`, never the kernel's process name.
    pub full_command: bool,
    /// `weight`, -254 to 254, default 1: added while the count is within the quorum (positive)
    /// or outside it (negative); 0 puts the instance in Fault while it is outside.
    pub weight: i16,
    /// `quorum`: the fewest matching processes for success, default 1.
    pub quorum: u32,
    /// `quorum_max`: the most, if limited.
    pub quorum_max: Option<u32>,
    /// `fork_delay` (or `delay`): how long the quorum must hold before the check turns good.
    pub fork_delay: Duration,
    /// `terminate_delay` (or `delay`): how long it must be lost before the check turns failing.
    pub terminate_delay: Duration,
}

impl TrackProcess {
    /// What to look for, as [`crate::track::Tracker::add_process`] takes it: the arguments match
    /// exactly unless `param_match` says otherwise; with neither arguments nor `param_match`, any
    /// arguments do.
    pub fn matcher(&self) -> Process {
        let mut process = Process::new(&self.process)
            .quorum(self.quorum, self.quorum_max)
            .delays(self.fork_delay, self.terminate_delay);
        if !self.parameters.is_empty() || self.param_match.is_some() {
            let how = match (self.parameters.is_empty(), self.param_match) {
                (false, Some(how)) => how,
                _ => ParamMatch::Exact,
            };
            process = process.parameters(self.parameters.clone(), how);
        }
        process.full_command = self.full_command;
        process
    }
}

/// A virtual address line: `ADDRESS[/LEN] [brd B] [dev D] [scope S] [label L]` and the other
/// options keepalived reads (see [`AddressOptions`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VirtualIp {
    /// The address.
    pub address: IpAddr,
    /// The prefix length; without one keepalived installs a host address (/32 or /128).
    pub prefix_len: u8,
    /// `brd`: the IPv4 broadcast address.
    pub broadcast: Option<Ipv4Addr>,
    /// `dev`: the interface, when not the instance's.
    pub device: Option<String>,
    /// `scope`: `global`, `site`, `link`, `host` or `nowhere`.
    pub scope: Option<AddressScope>,
    /// `label`: the IPv4 address label (`eth0:1`).
    pub label: Option<String>,
    /// `preferred_lft`, `noprefixroute`, `home`, `mngtmpaddr`, `autojoin`.
    pub options: AddressOptions,
    /// `no_track`: the instance does not go to Fault when the address's interface (`dev`) goes
    /// down, as it does by default for an interface other than its own.
    pub no_track: bool,
    /// `use_vmac` (virtual and excluded addresses): a virtual MAC interface of its own on its
    /// interface ([`Instance::virtual_mac_for`](crate::host::Instance::virtual_mac_for)).
    pub use_vmac: bool,
    /// Where the line is.
    pub location: Location,
}

/// A `virtual_routes` or `static_routes` line: the route, its next hops' interfaces still by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The route; its next hops' [`interface_index`](crate::host::NextHop::interface_index) are
    /// left for [`resolve`](super::resolve) to fill from `devices`.
    pub route: VirtualRoute,
    /// The interface of each next hop (`dev`), by name, in order.
    pub devices: Vec<Option<String>>,
    /// Where the line is.
    pub location: Location,
}

/// A `virtual_rules` or `static_rules` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The rule (its interfaces are names already).
    pub rule: VirtualRule,
    /// Where the line is.
    pub location: Location,
}

/// A tracked interface, script or file, with the weight that applies to this instance or group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tracked {
    /// The interface, `vrrp_script`, `vrrp_track_file` or `vrrp_track_process` name.
    pub name: String,
    /// `weight W` after the name; `None` takes the script's or file's own weight (or, for an
    /// interface, Fault when it goes down).
    pub weight: Option<i16>,
    /// Where the line is.
    pub location: Location,
}

/// Commands run on transitions: `notify_master`, `notify_backup`, `notify_fault`, `notify_stop`,
/// and `notify`, which gets every transition with keepalived's arguments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Notify {
    /// `notify_master`.
    pub master: Option<String>,
    /// `notify_backup`.
    pub backup: Option<String>,
    /// `notify_fault`.
    pub fault: Option<String>,
    /// `notify_stop`.
    pub stop: Option<String>,
    /// `notify`: called as `notify INSTANCE|GROUP NAME STATE PRIORITY`.
    pub any: Option<String>,
    /// `notify_master_rx_lower_pri` (instances only): run, without arguments, each time the
    /// Master hears a lower priority advertise.
    pub master_rx_lower_pri: Option<String>,
    /// `notify_deleted [SCRIPT]` (instances only): an instance a reload deletes notifies
    /// `DELETED` (running SCRIPT) instead of keepalived's default, `FAULT`.
    pub notify_deleted: bool,
    /// The script of `notify_deleted`.
    pub deleted: Option<String>,
}

/// `old_unicast_checksum [never]`: the VRRPv3 IPv4 checksum of unicast adverts, which keepalived
/// computed with 224.0.0.18 as the pseudo-header's destination before 1.3.6 (2017).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OldUnicastChecksum {
    /// Not written: the standard checksum, and the old one from the first advert heard in it
    /// ([`ChecksumAcceptance::LearnLegacyUnicast`]), as keepalived does.
    #[default]
    Detect,
    /// `old_unicast_checksum`: the old checksum ([`ChecksumForm::LegacyUnicast`]).
    Always,
    /// `old_unicast_checksum never`: the standard checksum only.
    Never,
}

/// `vrrp_instance NAME { ... }`, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VrrpInstance {
    /// Its name.
    pub name: String,
    /// Where it is defined.
    pub location: Location,
    /// `interface`.
    pub interface: String,
    /// `virtual_router_id`.
    pub vrid: u8,
    /// `priority`, default 100; 255 makes it the address owner.
    pub priority: u8,
    /// `advert_int`, default 1 s.
    pub advert_interval: Duration,
    /// `version`, else `vrrp_version`, else keepalived's default (2 for IPv4, 3 for IPv6).
    pub version: Version,
    /// The family of its virtual addresses.
    pub family: AddressFamily,
    /// Off with `nopreempt`.
    pub preempt: bool,
    /// `preempt_delay`.
    pub preempt_delay: Duration,
    /// `accept` / `no_accept`; by default on, off under `vrrp_strict`.
    pub accept: bool,
    /// `authentication { auth_type PASS auth_pass ... }` (VRRPv2 only).
    pub password: Option<Password>,
    /// `auth_type AH`: the password keys an IPsec Authentication Header instead of going in
    /// clear.
    pub ipsec_ah: bool,
    /// `auth_hmac { ... }`: HMAC authentication of the adverts (keepalived 2.4).
    #[cfg(feature = "auth-hmac")]
    pub auth_hmac: Option<crate::HmacAuth>,
    /// `virtual_ipaddress`: advertised and installed.
    pub addresses: Vec<VirtualIp>,
    /// `virtual_ipaddress_excluded`: installed, not advertised.
    pub excluded_addresses: Vec<VirtualIp>,
    /// `unicast_src_ip`.
    pub unicast_source: Option<IpAddr>,
    /// `unicast_peer`.
    pub unicast_peers: Vec<IpAddr>,
    /// The lowest `min_ttl` of the unicast peers. Without one, adverts from unicast peers are
    /// accepted whatever their TTL, as keepalived accepts them (peers may be routers away).
    pub min_ttl: Option<u8>,
    /// `unicast_ttl`: the TTL / hop limit of the adverts sent to the unicast peers (255 if not
    /// given).
    pub unicast_ttl: Option<u8>,
    /// `unicast_fault_no_peer` with no `unicast_peer`: the instance stays in Fault rather than
    /// advertise by multicast.
    pub fault_without_peers: bool,
    /// `mcast_dst_ip` (or the global `vrrp_mcast_group4` / `vrrp_mcast_group6`): the group
    /// adverts go to without unicast peers, if not the standard one.
    pub multicast_group: Option<IpAddr>,
    /// `track_src_ip` (with `unicast_src_ip` or `mcast_src_ip`): the instance starts in Fault
    /// when its source address is not on its interface yet, and runs once it comes. (Once
    /// running, every instance goes to Fault while its source address is gone.)
    pub track_src_ip: bool,
    /// `timer_expired_backup` (with `nopreempt`): a Master that ran so late that a router of this
    /// priority may have taken over becomes Backup.
    pub timer_expired_backup: Option<u8>,
    /// `use_vmac`.
    pub use_vmac: bool,
    /// `use_vmac NAME`: the virtual MAC interface's name, when given.
    pub vmac_name: Option<String>,
    /// `use_vmac_addr`: the addresses on another interface (`dev`) or of the other family get
    /// virtual MAC interfaces of their own, one per (interface, family)
    /// ([`Instance::virtual_mac_per_device`](crate::host::Instance::virtual_mac_per_device)).
    pub use_vmac_addr: bool,
    /// `vmac_xmit_base`: adverts leave from the parent interface, not the virtual MAC one.
    pub vmac_xmit_base: bool,
    /// `promote_secondaries`: the interface keeps a subnet's other addresses when its primary
    /// goes (always so on a virtual MAC interface, so false with `use_vmac`).
    pub promote_secondaries: bool,
    /// The global `vrrp_garp_interval`, for this instance's interface.
    pub garp_interval: Duration,
    /// The global `vrrp_gna_interval`, for this instance's interface.
    pub gna_interval: Duration,
    /// `lower_prio_no_advert` (or the global `vrrp_lower_prio_no_advert`; on by default under
    /// `vrrp_strict`): a Master discards a lower priority's advert silently, as RFC 5798 did,
    /// instead of answering it at once (RFC 9568, keepalived's default).
    pub lower_prio_no_advert: bool,
    /// `down_timer_adverts` (or the global `vrrp_down_timer_adverts`; 3 by default and always
    /// under `vrrp_strict`): Master_Down_Interval in advertisement intervals, before Skew_Time.
    pub down_timer_adverts: u8,
    /// `owner_ignore_adverts` (or the global `vrrp_owner_ignore_adverts`; on by default for an
    /// address owner under `vrrp_strict`): the owner ignores every advert it receives.
    pub owner_ignore_adverts: bool,
    /// `v3_checksum_as_v2` (or the global one): the VRRPv3 IPv4 checksum over the message alone
    /// (RFC 9568 §5.2.8, Cisco and Juniper), not with keepalived's default pseudo-header.
    pub checksum_as_v2: bool,
    /// `old_unicast_checksum [never]`: whether VRRPv3 IPv4 unicast adverts use the checksum of
    /// keepalived before 1.3.6.
    pub old_unicast_checksum: OldUnicastChecksum,
    /// `dont_track_primary`: the interface's link going down does not put it in Fault.
    pub dont_track_primary: bool,
    /// `step_down_on_failure` (this crate's, not keepalived's): a failing tracked item makes the
    /// instance step down ([`VirtualRouter::set_healthy`](crate::VirtualRouter::set_healthy))
    /// instead of going to FAULT: a Master advertises priority 0 and releases its addresses,
    /// and the instance stays in the election, taking the addresses again only when no healthy
    /// router holds them. Weights still move the priority.
    pub step_down_on_failure: bool,
    /// `router_advertisements [SECONDS]` (this crate's, not keepalived's, which leaves them to
    /// radvd): the IPv6 Master sends router advertisements every SECONDS (4 to 1800, default 600)
    /// for its virtual addresses' prefixes.
    pub router_advertisements: Option<RouterAdvertisements>,
    /// `garp_master_delay`, `garp_master_repeat`, `garp_master_refresh` over the global defaults.
    pub announcements: Announcements,
    /// `track_interface`.
    pub track_interfaces: Vec<Tracked>,
    /// `track_script`.
    pub track_scripts: Vec<Tracked>,
    /// `track_file`.
    pub track_files: Vec<Tracked>,
    /// `track_process`.
    pub track_processes: Vec<Tracked>,
    /// The notify commands.
    pub notify: Notify,
    /// `virtual_routes`: installed while Master.
    pub routes: Vec<Route>,
    /// `virtual_rules`: installed while Master.
    pub rules: Vec<Rule>,
}

impl VrrpInstance {
    /// The primary address to advertise from: `unicast_src_ip`, else the interface's own
    /// (`interface_address`, which the caller looks up: its IPv4 primary or IPv6 link-local).
    pub fn source_address(&self, interface_address: IpAddr) -> IpAddr {
        self.unicast_source.unwrap_or(interface_address)
    }

    /// The crate's [`Config`] for this instance on the interface with `interface_index`, whose
    /// own address is `interface_address`.
    pub fn config(
        &self,
        interface_index: u32,
        interface_address: IpAddr,
    ) -> Result<Config, ConfigError> {
        let mut builder = Config::builder(
            interface_index,
            Vrid::try_from(self.vrid)?,
            self.source_address(interface_address),
        )
        .version(self.version)
        .priority(Priority::new(self.priority))
        .owner(self.priority == 255)
        .advert_interval(self.advert_interval)
        .preempt(self.preempt)
        .preempt_delay(self.preempt_delay)
        .accept(self.accept)
        // keepalived answers a losing advert at once in both versions, unless
        // `lower_prio_no_advert`.
        .lower_priority_response(if self.lower_prio_no_advert {
            LowerPriorityResponse::Discard
        } else {
            LowerPriorityResponse::Readvertise
        })
        // keepalived's IPv4 VRRPv3 checksum, the only one 2.2.7 speaks, or the old unicast one.
        .checksum_form(match (self.checksum_as_v2, self.old_unicast_checksum) {
            (true, _) => ChecksumForm::MessageOnly,
            (false, OldUnicastChecksum::Always) => ChecksumForm::LegacyUnicast,
            (false, _) => ChecksumForm::PseudoHeader,
        })
        .announcements(self.announcements)
        .down_interval_adverts(self.down_timer_adverts)
        .owner_ignores_adverts(self.owner_ignore_adverts)
        .track_link(!self.dont_track_primary)
        .router_advertisements(self.router_advertisements)
        // keepalived sends an IPv6 instance's adverts as it is given them: from a global
        // unicast_src_ip, with a global first address.
        .link_local_required(
            self.addresses.first().is_none_or(|v| link_local(v.address))
                && link_local(self.source_address(interface_address)),
        );
        if let Some(password) = self.password {
            builder = builder.authentication(if self.ipsec_ah {
                Authentication::IpsecAh(password)
            } else {
                Authentication::Password(password)
            });
        }
        for vip in &self.addresses {
            builder = builder.address(vip.address);
        }
        for peer in &self.unicast_peers {
            builder = builder.unicast_peer(*peer);
        }
        if let Some(priority) = self.timer_expired_backup {
            builder = builder.yield_after_stall(Priority::new(priority));
        }
        if let Some(group) = self.multicast_group {
            builder = builder.multicast_group(group);
        }
        if !self.unicast_peers.is_empty() {
            builder = builder.min_hop_limit(self.min_ttl.unwrap_or(0));
            if let Some(ttl) = self.unicast_ttl {
                builder = builder.unicast_hop_limit(ttl);
            }
            // Only VRRPv3 IPv4 unicast has an old checksum to learn, as keepalived has.
            let v3_ipv4 = self.version == Version::V3 && self.family == AddressFamily::Ipv4;
            if v3_ipv4 && self.old_unicast_checksum != OldUnicastChecksum::Never {
                builder = builder.checksum_acceptance(ChecksumAcceptance::LearnLegacyUnicast);
            }
        }
        #[cfg(feature = "auth-hmac")]
        if let Some(auth) = &self.auth_hmac {
            builder = builder.auth_hmac(auth.clone());
        }
        builder.build()
    }
}

/// `track_group NAME { group { VI_1 ... } }`: the instances that go to Fault while a static
/// address, route or rule that names the group (`track_group NAME` on its line) is lost: gone
/// and not added again (the driver adds a lost static entry again at once; one it cannot add
/// keeps them in Fault until it can).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackGroup {
    /// Its name.
    pub name: String,
    /// Where it is defined.
    pub location: Location,
    /// The member instances' names.
    pub members: Vec<String>,
    /// The static addresses that name it: indexes into
    /// [`static_addresses`](KeepalivedConfig::static_addresses).
    pub addresses: Vec<usize>,
    /// The static routes that name it: indexes into
    /// [`static_routes`](KeepalivedConfig::static_routes).
    pub routes: Vec<usize>,
    /// The static rules that name it: indexes into
    /// [`static_rules`](KeepalivedConfig::static_rules).
    pub rules: Vec<usize>,
}

/// `vrrp_sync_group NAME { group { ... } ... }`: instances that change state together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncGroup {
    /// Its name.
    pub name: String,
    /// Where it is defined.
    pub location: Location,
    /// The member instances' names.
    pub members: Vec<String>,
    /// The group's notify commands (`notify` gets `GROUP NAME STATE PRIORITY`).
    pub notify: Notify,
    /// `track_interface` for the whole group.
    pub track_interfaces: Vec<Tracked>,
    /// `track_script` for the whole group.
    pub track_scripts: Vec<Tracked>,
    /// `track_file` for the whole group.
    pub track_files: Vec<Tracked>,
    /// `track_process` for the whole group.
    pub track_processes: Vec<Tracked>,
}

/// Whether `address` is what RFC 9568 wants of an IPv6 router's source and first address: any
/// IPv4 address, an IPv6 link-local one.
fn link_local(address: IpAddr) -> bool {
    match address {
        IpAddr::V6(v6) => v6.is_unicast_link_local(),
        IpAddr::V4(_) => true,
    }
}
