//! keepalived.conf: the sample configurations (`tests/keepalived-conf/`) read into the expected
//! settings, and the broken ones refused with the messages snapshotted next to them
//! (`broken/*.expected`). Paths are relative to the package root, where cargo runs tests, so the
//! messages name them as written.

use std::net::IpAddr;
use std::time::Duration;

use vrrp::AddressFamily;
use vrrp::keepalived::{ErrorKind, KeepalivedConfig, parse_file, parse_str};
use vrrp::packet::{Password, Version};

const SAMPLES: &str = "tests/keepalived-conf";

fn sample(name: &str) -> KeepalivedConfig {
    let path = format!("{SAMPLES}/{name}");
    parse_file(&path).unwrap_or_else(|e| panic!("{path}:\n{e}"))
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("an address")
}

#[test]
fn the_nginx_pair_reads_with_its_health_check_notify_scripts_and_password() {
    for (file, priority, router_id) in [
        ("nginx-master.conf", 150, "LB_01"),
        ("nginx-backup.conf", 100, "LB_02"),
    ] {
        let config = sample(file);
        assert_eq!(config.global.router_id.as_deref(), Some(router_id));
        assert!(config.global.skip_check_adv_addr);
        let script = config.script("chk_proxy").expect("chk_proxy");
        assert_eq!(script.script, "/usr/local/bin/check-proxy.sh");
        assert_eq!(script.interval, Duration::from_secs(1));
        assert_eq!(script.timeout, Some(Duration::from_secs(2)));
        assert_eq!((script.weight, script.fall, script.rise), (-60, 3, 2));
        let [instance] = config.instances.as_slice() else {
            panic!("one instance in {file}");
        };
        assert_eq!(instance.name, "VI_1");
        assert_eq!(instance.interface, "veth0");
        assert_eq!((instance.vrid, instance.priority), (51, priority));
        // keepalived's default for IPv4 without vrrp_version.
        assert_eq!(instance.version, Version::V2);
        assert_eq!(instance.advert_interval, Duration::from_secs(1));
        assert_eq!(
            instance.password,
            Some(Password::new(b"1111").expect("valid"))
        );
        let vip = &instance.addresses[0];
        assert_eq!((vip.address, vip.prefix_len), (ip("192.0.2.100"), 24));
        assert_eq!(vip.device.as_deref(), Some("veth0"));
        assert_eq!(vip.label.as_deref(), Some("veth0:1"));
        assert_eq!(instance.track_scripts[0].name, "chk_proxy");
        assert_eq!(instance.track_scripts[0].weight, None);
        assert_eq!(
            instance.notify.master.as_deref(),
            Some("/usr/local/bin/notify.sh master")
        );
        assert_eq!(
            instance.notify.fault.as_deref(),
            Some("/usr/local/bin/notify.sh fault")
        );
        // Mail settings are accepted and reported as unused.
        let mail: Vec<String> = config
            .warnings
            .iter()
            .filter(|w| w.message.contains("mail"))
            .map(|w| w.location.line.to_string())
            .collect();
        assert_eq!(mail, ["3", "6", "7", "8"]);
        // It becomes a Config once the interface is known.
        let built = instance
            .config(7, ip("192.0.2.1"))
            .expect("a valid configuration");
        assert_eq!(built.interface_index(), 7);
        assert_eq!(built.priority().get(), priority);
    }
}

#[test]
fn sub_second_v3_reads_for_ipv4_and_ipv6_with_announcement_settings() {
    let config = sample("v3-subsecond.conf");
    assert_eq!(config.global.vrrp_version, Some(Version::V3));
    let v4 = config.instance("EDGE_V4").expect("EDGE_V4");
    assert_eq!(v4.advert_interval, Duration::from_millis(100));
    assert_eq!(v4.version, Version::V3);
    assert!(!v4.preempt);
    assert_eq!(v4.addresses.len(), 2);
    assert_eq!(v4.announcements.second_burst, Some(Duration::from_secs(1)));
    assert_eq!(v4.announcements.repeat, 3);
    assert_eq!(v4.announcements.refresh, Some(Duration::from_secs(60)));
    let v6 = config.instance("EDGE_V6").expect("EDGE_V6");
    assert_eq!(v6.family, AddressFamily::Ipv6);
    assert_eq!(v6.vrid, v4.vrid, "one VRID per family is allowed");
    assert_eq!(v6.preempt_delay, Duration::from_secs(5));
    assert_eq!(v6.addresses[0].address, ip("fe80::20"));
    let built = v6.config(3, ip("fe80::1")).expect("valid");
    assert_eq!(built.interval().as_centis(), 10);
}

#[test]
fn a_sync_group_written_against_its_brace_reads_as_meant_with_unicast_and_tracking() {
    let config = sample("sync-group-unicast.conf");
    let [group] = config.sync_groups.as_slice() else {
        panic!("one group");
    };
    assert_eq!(group.name, "VG_DB");
    assert_eq!(group.members, ["VI_FRONT", "VI_BACK"]);
    assert_eq!(
        group.notify.any.as_deref(),
        Some("/usr/local/bin/notify-group.sh")
    );
    let front = config.instance("VI_FRONT").expect("VI_FRONT");
    assert_eq!(front.unicast_source, Some(ip("192.0.2.1")));
    assert_eq!(front.unicast_peers, [ip("192.0.2.2")]);
    let tracked: Vec<(&str, Option<i16>)> = front
        .track_interfaces
        .iter()
        .map(|t| (t.name.as_str(), t.weight))
        .collect();
    assert_eq!(tracked, [("veth0", None), ("veth1", Some(-20))]);
    let built = front.config(2, ip("192.0.2.9")).expect("valid");
    assert_eq!(
        built.primary_address(),
        ip("192.0.2.1"),
        "unicast_src_ip wins"
    );
    assert_eq!(built.unicast_peers(), [ip("192.0.2.2")]);
}

#[test]
fn lvs_blocks_are_a_warning_with_their_location_and_the_vrrp_part_still_reads() {
    let config = sample("lvs-mixed.conf");
    let lvs: Vec<String> = config
        .warnings
        .iter()
        .filter(|w| w.message.contains("LVS"))
        .map(|w| w.to_string())
        .collect();
    assert_eq!(
        lvs,
        [
            "tests/keepalived-conf/lvs-mixed.conf:18:1: warning: `virtual_server` (LVS) is not \
          handled by this crate; the VRRP part runs without it"
        ]
    );
    let instance = config.instance("VI_1").expect("VI_1");
    assert!(config.global.strict);
    assert!(!instance.accept, "vrrp_strict turns Accept_Mode off");
    let vip = &instance.addresses[0];
    assert_eq!((vip.address, vip.prefix_len), (ip("192.0.2.188"), 32));
}

#[test]
fn every_broken_sample_fails_with_its_snapshotted_messages() {
    let mut checked = 0;
    let dir = format!("{SAMPLES}/broken");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("the broken samples")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .collect();
    entries.sort();
    for path in entries {
        let name = path.display().to_string();
        let error = parse_file(&name).expect_err(&name);
        let expected = std::fs::read_to_string(path.with_extension("expected"))
            .unwrap_or_else(|e| panic!("{name}: no .expected snapshot: {e}"));
        assert_eq!(format!("{error}\n"), expected, "{name}");
        checked += 1;
    }
    assert_eq!(checked, 4);
}

fn errors(text: &str) -> Vec<String> {
    parse_str("t.conf", text)
        .expect_err("refused")
        .errors
        .into_iter()
        .map(|e| e.to_string())
        .collect()
}

const INSTANCE_HEAD: &str = "vrrp_instance A {\n interface eth0\n virtual_router_id 5\n";

#[test]
fn a_vrid_twice_on_one_interface_and_family_is_refused_at_the_second_virtual_router_id() {
    let text = format!(
        "{INSTANCE_HEAD} virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n\
         vrrp_instance B {{\n interface eth0\n virtual_router_id 5\n virtual_ipaddress {{\n  192.0.2.2\n }}\n}}\n"
    );
    assert_eq!(
        errors(&text),
        ["t.conf:10:2: VRID 5 is already used for IPv4 on eth0 by `A` at t.conf:3:2"]
    );
}

#[test]
fn what_keepalived_accepts_and_this_crate_cannot_honour_is_an_error() {
    let cases = [
        (
            "vrrp_instance A {\n use_ipvlan\n}\n",
            "t.conf:2:2: `use_ipvlan` is not supported",
        ),
        (
            "vrrp_instance A {\n track_bfd {\n  b\n }\n}\n",
            "t.conf:2:2: `track_bfd` is not supported",
        ),
    ];
    for (text, start) in cases {
        let found = errors(text);
        assert!(found[0].starts_with(start), "{found:?}");
    }
    let v2_fast =
        format!("{INSTANCE_HEAD} advert_int 0.5\n virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n");
    assert_eq!(
        errors(&v2_fast),
        [
            "t.conf:4:2: vrrp_instance A: VRRPv2 (keepalived's default for IPv4) advertises whole \
             seconds, and advert_int is 0.5; use `version 3` for sub-second intervals"
        ]
    );
    let v3_pass = format!(
        "{INSTANCE_HEAD} version 3\n authentication {{\n  auth_type PASS\n  auth_pass x\n }}\n virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n"
    );
    // keepalived runs a VRRPv3 instance without its password, with an error: so does this
    // reader, with a warning.
    let (config, warnings) = read_with_warnings(&v3_pass);
    assert_eq!(config.instances[0].password, None);
    assert!(
        warnings[0].starts_with(
            "t.conf:5:2: warning: vrrp_instance A: `authentication` is ignored, as keepalived \
             ignores it"
        ),
        "{warnings:?}"
    );
}

#[test]
fn a_conflict_is_reported_at_the_statement_that_breaks_the_rule_naming_the_other() {
    // The version comes from global_defs, written after the instance: the error is at
    // advert_int, and names the vrrp_version line.
    let text = format!(
        "{INSTANCE_HEAD} advert_int 0.5\n virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n\
         global_defs {{\n vrrp_version 2\n}}\n"
    );
    assert_eq!(
        errors(&text),
        [
            "t.conf:4:2: vrrp_instance A: VRRPv2 (global_defs' `vrrp_version` at t.conf:10:2) \
             advertises whole seconds, and advert_int is 0.5; use `version 3` for sub-second \
             intervals"
        ]
    );
    // VRRPv3 from global_defs: an advert_int past 40.95 s is at its line too.
    let text = format!(
        "global_defs {{\n vrrp_version 3\n}}\n{INSTANCE_HEAD} advert_int 41\n virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n"
    );
    assert_eq!(
        errors(&text),
        [
            "t.conf:7:2: vrrp_instance A: VRRPv3 (global_defs' `vrrp_version` at t.conf:2:2) \
             advertises at most every 40.95 s, and advert_int is 41"
        ]
    );
    // The family comes from the first virtual address: a unicast source or peer of the other
    // family is reported at its own line.
    let text = format!(
        "{INSTANCE_HEAD} unicast_src_ip 2001:db8::1\n unicast_peer {{\n  192.0.2.9\n  2001:db8::2\n }}\n \
         virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n"
    );
    assert_eq!(
        errors(&text),
        [
            "t.conf:4:2: vrrp_instance A: unicast_src_ip 2001:db8::1 is not IPv4 like its first \
             virtual address 192.0.2.1 at t.conf:10:3",
            "t.conf:7:3: vrrp_instance A: unicast_peer 2001:db8::2 is not IPv4 like its first \
             virtual address 192.0.2.1 at t.conf:10:3",
        ]
    ); // IPv6's first address should be link-local: keepalived sends a global one all the same,
    // and so does this reader's configuration, with a warning at that address.
    let text = format!("{INSTANCE_HEAD} virtual_ipaddress {{\n  2001:db8::1/64\n }}\n}}\n");
    let (config, warnings) = read_with_warnings(&text);
    assert!(
        warnings[0].starts_with(
            "t.conf:5:3: warning: the first IPv6 virtual address 2001:db8::1 is not link-local"
        ),
        "{warnings:?}"
    );
    let built = config.instances[0]
        .config(2, "fe80::1".parse().expect("address"))
        .expect("valid, as keepalived runs it");
    assert!(!built.link_local_required());
}

#[test]
fn includes_follow_globs_from_the_including_files_directory() {
    let dir = std::env::temp_dir().join(format!("vrrp-include-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("conf.d")).expect("dirs");
    std::fs::write(
        dir.join("keepalived.conf"),
        "global_defs {\n router_id X\n}\ninclude conf.d/*.conf\n",
    )
    .expect("write");
    for (file, vrid) in [("a.conf", 1), ("b.conf", 2)] {
        std::fs::write(
            dir.join("conf.d").join(file),
            format!(
                "vrrp_instance I{vrid} {{\n interface eth0\n virtual_router_id {vrid}\n \
                 virtual_ipaddress {{\n  192.0.2.{vrid}\n }}\n}}\n"
            ),
        )
        .expect("write");
    }
    std::fs::write(dir.join("conf.d").join("ignored.txt"), "not a config").expect("write");
    let config = parse_file(dir.join("keepalived.conf")).expect("reads");
    let names: Vec<&str> = config.instances.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["I1", "I2"]);
    // keepalived's `include` of a file that is not there yet reads nothing, with a warning.
    std::fs::write(dir.join("keepalived.conf"), "include missing.conf\n").expect("write");
    let config = parse_file(dir.join("keepalived.conf")).expect("a missing include is read");
    assert_eq!(config.warnings[0].location.line, 1);
    assert!(
        config.warnings[0]
            .message
            .contains("missing.conf does not exist"),
        "{}",
        config.warnings[0]
    );
    // The file itself must exist.
    let error = parse_file(dir.join("nothing.conf")).expect_err("no file");
    assert!(matches!(error.errors[0].kind, ErrorKind::Io { .. }));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_mistake_in_a_file_is_named_not_just_the_first() {
    let text = format!(
        "{INSTANCE_HEAD} priority 0\n advert_intt 1\n virtual_ipaddress {{\n  192.0.2.1 dve eth0\n }}\n}}\n\
         vrrp_sync_group G {{\n group {{\n  A\n  A\n }}\n}}\n"
    );
    assert_eq!(
        errors(&text),
        [
            "t.conf:4:11: `priority`: \"0\" is not a whole number from 1 to 255",
            "t.conf:5:2: unknown keyword `advert_intt` in vrrp_instance (did you mean `advert_int`?)",
            "t.conf:7:13: unknown keyword `dve` in a virtual address line (did you mean `dev`?)",
            "t.conf:13:3: sync group member `A` is already defined at t.conf:12:3",
        ]
    );
}

mod round_trip {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    use std::time::Duration;

    use proptest::prelude::*;
    use vrrp::keepalived::{instance_block, parse_str};
    use vrrp::packet::{Authentication, Password, Version};
    use vrrp::{Announcements, Config, Priority, Vrid};

    /// Any configuration keepalived's language can express: both versions and families,
    /// intervals, priorities (255 = owner), preemption, Accept_Mode, passwords, unicast peers,
    /// announcement settings.
    fn configs() -> impl Strategy<Value = Config> {
        let ipv6 = any::<bool>();
        (
            ipv6,
            any::<bool>(),
            1u8..=255,
            1u8..=255,
            (any::<bool>(), 0u64..=1_000_000, any::<bool>()),
            proptest::option::of("[a-zA-Z0-9!#{} ]{1,8}"),
            proptest::collection::btree_set(1u8..=254, 1..5),
            proptest::collection::btree_set(1u8..=254, 0..3),
            (
                1u8..=255,
                proptest::option::of(1u64..=3_600_000),
                proptest::option::of(1u64..=86_400),
            ),
            (1u16..=4095, 1u8..=255),
        )
            .prop_filter_map(
                "a valid configuration",
                |(
                    ipv6,
                    v2,
                    vrid,
                    priority,
                    (preempt, delay_ms, accept),
                    password,
                    vips,
                    peers,
                    (repeat, burst_ms, refresh_s),
                    (centis, secs),
                )| {
                    // VRRPv2 is IPv4 only; a password only exists in VRRPv2.
                    let v2 = v2 && !ipv6;
                    let address = |n: u8| -> IpAddr {
                        if ipv6 {
                            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, n.into()))
                        } else {
                            IpAddr::V4(Ipv4Addr::new(192, 0, 2, n))
                        }
                    };
                    let primary = if ipv6 {
                        IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1))
                    } else {
                        IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1))
                    };
                    let mut builder = Config::builder(4, Vrid::new(vrid)?, primary)
                        .version(if v2 { Version::V2 } else { Version::V3 })
                        .priority(Priority::new(priority))
                        .owner(priority == 255)
                        .advert_interval(if v2 {
                            Duration::from_secs(secs.into())
                        } else {
                            Duration::from_millis(u64::from(centis) * 10)
                        })
                        .preempt(preempt)
                        .preempt_delay(Duration::from_millis(delay_ms))
                        .accept(accept)
                        // keepalived answers losing adverts in both versions.
                        .lower_priority_response(vrrp::LowerPriorityResponse::Readvertise)
                        .announcements(Announcements {
                            repeat,
                            second_burst: burst_ms.map(Duration::from_millis),
                            refresh: refresh_s.map(Duration::from_secs),
                            refresh_repeat: 1,
                        });
                    if ipv6 {
                        builder = builder
                            .address(IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x100)));
                    }
                    for n in vips {
                        builder = builder.address(address(n));
                    }
                    for n in peers {
                        let peer = if ipv6 {
                            IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, u16::from(n) + 1))
                        } else {
                            IpAddr::V4(Ipv4Addr::new(198, 51, 100, n.saturating_add(1)))
                        };
                        builder = builder.unicast_peer(peer);
                    }
                    if v2 && let Some(text) = password {
                        builder = builder.authentication(Authentication::Password(
                            Password::new(text.as_bytes()).ok()?,
                        ));
                    }
                    builder.build().ok()
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_expressible_config_written_as_keepalived_conf_reads_back_the_same(config in configs()) {
            let text = instance_block(&config, "VI_GEN", "eth0").expect("expressible");
            let parsed = parse_str("generated.conf", &text)
                .unwrap_or_else(|e| panic!("{e}\n{text}"));
            let instance = &parsed.instances[0];
            let read = instance
                .config(config.interface_index(), config.primary_address())
                .unwrap_or_else(|e| panic!("{e}\n{text}"));
            prop_assert_eq!(read, config, "{}", text);
        }
    }
}

mod hostile_input {
    use proptest::prelude::*;
    use vrrp::keepalived::parse_str;

    /// Words a keepalived.conf is made of, so that random files reach deep into the interpreter.
    const WORDS: &[&str] = &[
        "global_defs",
        "vrrp_instance",
        "vrrp_script",
        "vrrp_sync_group",
        "vrrp_track_file",
        "virtual_server",
        "include",
        "interface",
        "virtual_router_id",
        "priority",
        "advert_int",
        "version",
        "nopreempt",
        "preempt_delay",
        "authentication",
        "auth_type",
        "auth_pass",
        "PASS",
        "virtual_ipaddress",
        "virtual_ipaddress_excluded",
        "unicast_src_ip",
        "unicast_peer",
        "track_script",
        "track_interface",
        "track_file",
        "weight",
        "group",
        "notify",
        "script",
        "label",
        "dev",
        "brd",
        "scope",
        "state",
        "MASTER",
        "{",
        "}",
        "{",
        "}",
        "\n",
        "\n",
        "\n",
        "VI_1",
        "eth0",
        "1",
        "0",
        "255",
        "300",
        "0.1",
        "-30",
        "192.0.2.1/24",
        "fe80::1",
        "2001:db8::1/64",
        "\"quoted word\"",
        "!",
        "#",
        "\"",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn any_text_is_read_or_refused_never_a_panic(text in "[ -~\n\t]{0,300}") {
            let _ = parse_str("fuzz.conf", &text);
        }

        #[test]
        fn any_sequence_of_keepalived_words_is_read_or_refused_never_a_panic(
            words in proptest::collection::vec(proptest::sample::select(WORDS), 0..120)
        ) {
            let text = words.join(" ");
            if let Err(error) = parse_str("fuzz.conf", &text) {
                // Every mistake has a place inside the text.
                for e in &error.errors {
                    prop_assert!(e.location.line >= 1);
                    prop_assert!(e.location.line as usize <= text.lines().count().max(1));
                }
            }
        }
    }
}

#[test]
fn address_options_read_typed_and_excluded_addresses_may_be_of_the_other_family() {
    use vrrp::host::AddressScope;
    let text = format!(
        "{INSTANCE_HEAD} virtual_ipaddress {{\n  192.0.2.1/24 brd 192.0.2.255 scope link label eth0:v\n }}\n \
         virtual_ipaddress_excluded {{\n  2001:db8::1/64 scope global\n }}\n}}\n"
    );
    let config = parse_str("t.conf", &text).expect("reads");
    let instance = &config.instances[0];
    let vip = &instance.addresses[0];
    assert_eq!(
        (
            vip.prefix_len,
            vip.broadcast,
            vip.scope,
            vip.label.as_deref()
        ),
        (
            24,
            Some("192.0.2.255".parse().expect("address")),
            Some(AddressScope::Link),
            Some("eth0:v")
        )
    );
    let excluded = &instance.excluded_addresses[0];
    assert_eq!(
        (excluded.address, excluded.scope),
        (ip("2001:db8::1"), Some(AddressScope::Global))
    );
    // In the advertised list, the families still must not mix.
    let mixed =
        format!("{INSTANCE_HEAD} virtual_ipaddress {{\n  192.0.2.1\n  2001:db8::1\n }}\n}}\n");
    assert_eq!(
        errors(&mixed),
        [
            "t.conf:6:3: 2001:db8::1 is not IPv4 like the instance's first address (192.0.2.1 at \
             t.conf:5:3); use one instance per family"
        ]
    );
}

#[test]
fn track_process_reads_with_its_arguments_quorum_delays_and_weights_per_instance_and_group() {
    let text = format!(
        "vrrp_track_process proxy {{\n process haproxy -f \"/etc/ha proxy.cfg\"\n param_match initial\n \
         quorum 2\n quorum_max 3\n weight -60\n delay 0.5\n terminate_delay 2\n}}\n\
         vrrp_track_process nobody {{\n process /usr/sbin/stray\n full_command\n quorum 0\n quorum_max 0\n}}\n\
         {INSTANCE_HEAD} virtual_ipaddress {{\n  192.0.2.1\n }}\n track_process {{\n  proxy\n  nobody weight 0\n }}\n}}\n\
         vrrp_sync_group G {{\n group {{\n  A\n }}\n track_process {{\n  proxy weight -20\n }}\n}}\n"
    );
    let config = parse_str("t.conf", &text).expect("reads");
    let proxy = config.track_process("proxy").expect("proxy");
    assert_eq!(proxy.process, "haproxy");
    assert_eq!(proxy.parameters, ["-f", "/etc/ha proxy.cfg"]);
    assert_eq!(proxy.param_match, Some(vrrp::track::ParamMatch::Initial));
    assert_eq!(
        (proxy.quorum, proxy.quorum_max, proxy.weight),
        (2, Some(3), -60)
    );
    assert_eq!(
        (proxy.fork_delay, proxy.terminate_delay),
        (Duration::from_millis(500), Duration::from_secs(2))
    );
    assert!(!proxy.full_command);
    let nobody = config.track_process("nobody").expect("nobody");
    assert!(nobody.full_command);
    assert_eq!(
        (nobody.quorum, nobody.quorum_max, nobody.weight),
        (0, Some(0), 1)
    );
    // What the tracker looks for: arguments by their start, the quorum, the delays.
    let process = proxy.matcher();
    let running = |argv: &[&str]| vrrp::track::ProcessInfo {
        comm: "haproxy".into(),
        argv: argv.iter().map(|a| (*a).to_string()).collect(),
    };
    assert!(process.matches(&running(&[
        "/usr/sbin/haproxy",
        "-f",
        "/etc/ha proxy.cfg.new",
        "-D"
    ])));
    assert!(!process.matches(&running(&["/usr/sbin/haproxy", "-D"])));
    assert!(!process.counts_as_good(1) && process.counts_as_good(3) && !process.counts_as_good(4));

    let instance = config.instance("A").expect("A");
    let tracked: Vec<(&str, Option<i16>)> = (instance.track_processes.iter())
        .map(|t| (t.name.as_str(), t.weight))
        .collect();
    assert_eq!(tracked, [("proxy", None), ("nobody", Some(0))]);
    let group = &config.sync_groups[0];
    assert_eq!(group.track_processes[0].name, "proxy");
    assert_eq!(group.track_processes[0].weight, Some(-20));
}

#[test]
fn track_process_mistakes_are_named_at_their_statement() {
    let block = |body: &str| format!("vrrp_track_process p {{\n{body}}}\n");
    let cases = [
        (
            block(" process x\n param_match fuzzy\n"),
            "t.conf:3:14: `param_match`: \"fuzzy\" is not initial or partial",
        ),
        (
            block(" process x\n weight -300\n"),
            "t.conf:3:9: `weight`: \"-300\" is not a whole number from -254 to 254",
        ),
        (
            block(" process x\n weight -30 reverse\n"),
            "t.conf:3:13: `weight ... reverse` is not supported",
        ),
        (
            block(" process x\n quorum 3\n quorum_max 2\n"),
            "t.conf:4:2: vrrp_track_process p: quorum_max 2 is below quorum 3 at t.conf:3:2",
        ),
        (
            block(" process x\n quorum_max 0\n"),
            "t.conf:3:2: vrrp_track_process p: quorum_max 0 is below the default quorum 1",
        ),
        (
            block(" process x\n terminate_dealy 1\n"),
            "t.conf:3:2: unknown keyword `terminate_dealy` in vrrp_track_process (did you mean \
             `terminate_delay`?)",
        ),
        (
            block(" quorum 1\n"),
            "t.conf:1:1: `vrrp_track_process p` needs `process`",
        ),
        (
            format!(
                "{INSTANCE_HEAD} virtual_ipaddress {{\n  192.0.2.1\n }}\n track_process {{\n  ghost\n }}\n}}\n"
            ),
            "t.conf:8:3: vrrp_track_process `ghost` is not defined",
        ),
    ];
    for (text, start) in cases {
        let found = errors(&text);
        assert!(found[0].starts_with(start), "{text}\n{found:?}");
    }
}

#[test]
fn a_tracked_weight_that_cannot_take_the_master_below_its_peer_is_a_warning() {
    use vrrp::keepalived::failover_warnings;
    let with_weight = |file: &str, weight: &str| {
        let text = std::fs::read_to_string(format!("{SAMPLES}/{file}"))
            .expect("sample")
            .replace("weight -60", weight);
        parse_str(file, &text).expect("reads")
    };
    // The samples as they were: 150 - 30 = 120 still beats 100.
    let (master, backup) = (
        with_weight("nginx-master.conf", "weight -30"),
        with_weight("nginx-backup.conf", "weight -30"),
    );
    let warnings: Vec<String> = failover_warnings(&[&master, &backup])
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        warnings,
        [
            "nginx-master.conf:24:15: warning: vrrp_instance VI_1: failing tracked items take \
             priority 150 no lower than 120, and `VI_1` at nginx-backup.conf:24:15 (VRID 51) \
             reaches 100: a Backup preempts only a lower priority, so this instance keeps the \
             addresses whatever fails; let the negative weights add up to -51 or less, or use \
             weight 0 (Fault) or step_down_on_failure"
        ]
    );
    // Each file alone has no peer; the samples as they are hand over.
    assert!(failover_warnings(&[&master]).is_empty());
    let (master, backup) = (sample("nginx-master.conf"), sample("nginx-backup.conf"));
    assert!(failover_warnings(&[&master, &backup]).is_empty());
    // A Fault (weight 0) or a step-down hands over whatever the weights.
    for fix in ["weight 0", "weight -30\n    step_down_on_failure"] {
        let text = std::fs::read_to_string(format!("{SAMPLES}/nginx-master.conf"))
            .expect("sample")
            .replace("weight -60", "weight -30");
        let text = if fix.contains("step_down") {
            text.replace("priority 150", "priority 150\n    step_down_on_failure")
        } else {
            text.replace("weight -30", fix)
        };
        let fixed = parse_str("m.conf", &text).expect("reads");
        assert!(failover_warnings(&[&fixed, &backup]).is_empty(), "{fix}");
    }

    // Two instances of one virtual router in one file (on two interfaces), a sync group's
    // weights counting, and the peer's positive weights raising what it reaches.
    let pair = |peer_tracking: &str| {
        format!(
            "vrrp_script chk {{\n script true\n weight -30\n}}\n\
             vrrp_script up {{\n script true\n weight 25\n}}\n\
             vrrp_instance A {{\n interface eth0\n virtual_router_id 7\n priority 150\n \
             virtual_ipaddress {{\n  192.0.2.7\n }}\n track_script {{\n  chk\n }}\n}}\n\
             vrrp_instance B {{\n interface eth1\n virtual_router_id 7\n priority 100\n \
             virtual_ipaddress {{\n  192.0.2.7\n }}\n{peer_tracking}}}\n\
             vrrp_sync_group G {{\n group {{\n  A\n }}\n track_interface {{\n  eth2 weight -10\n }}\n}}\n"
        )
    };
    let one_file = parse_str("t.conf", &pair("")).expect("reads");
    let warnings = failover_warnings(&[&one_file]);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0]
            .message
            .contains("no lower than 110, and `B` at t.conf:20:15 (VRID 7) reaches 100"),
        "{warnings:?}"
    );
    let raised = parse_str("t.conf", &pair(" track_script {\n  up\n }\n")).expect("reads");
    assert!(failover_warnings(&[&raised]).is_empty(), "100 + 25 > 110");
}

#[test]
fn router_advertisements_read_with_their_interval_and_are_refused_out_of_range() {
    let text = format!(
        "{INSTANCE_HEAD} router_advertisements 30\n virtual_ipaddress {{\n  fe80::1\n  2001:db8::1/64\n }}\n}}\n\
         vrrp_instance B {{\n interface eth0\n virtual_router_id 6\n router_advertisements\n virtual_ipaddress {{\n  fe80::2\n }}\n}}\n"
    );
    let config = parse_str("t.conf", &text).expect("valid");
    let every = |i: usize| config.instances[i].router_advertisements;
    assert_eq!(
        every(0),
        Some(vrrp::RouterAdvertisements::every(Duration::from_secs(30)))
    );
    assert_eq!(every(1), Some(vrrp::RouterAdvertisements::default()));
    let text = format!(
        "{INSTANCE_HEAD} router_advertisements 2\n virtual_ipaddress {{\n  fe80::1\n }}\n}}\n"
    );
    assert_eq!(
        errors(&text),
        ["t.conf:4:24: `router_advertisements`: \"2\" is not a number of seconds from 4 to 1800"]
    );
}

#[test]
fn v3_v2i_06_a_vrrpv2_instance_that_outranks_a_sub_second_vrrpv3_peer_is_warned_about() {
    let file = |name: &str, version: u8, priority: u8, interval: &str| {
        let text = format!(
            "vrrp_instance {name} {{\n interface eth0\n virtual_router_id 5\n version {version}\n \
             priority {priority}\n advert_int {interval}\n virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n"
        );
        parse_str(&format!("{name}.conf"), &text).expect("valid")
    };
    let v2 = file("old", 2, 200, "1");
    let fast = file("new", 3, 150, "0.1");
    let warnings = vrrp::keepalived::interop_warnings(&[&v2, &fast]);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let text = warnings[0].to_string();
    assert!(text.starts_with("old.conf:1:15: warning:"), "{text}");
    assert!(
        text.contains("outranks `new`") && text.contains("every 100 ms"),
        "{text}"
    );
    // Below the VRRPv3 router, or against a VRRPv3 router at 1 s, nothing to say.
    let low = file("old", 2, 100, "1");
    let slow = file("new", 3, 150, "1");
    assert!(vrrp::keepalived::interop_warnings(&[&low, &fast]).is_empty());
    assert!(vrrp::keepalived::interop_warnings(&[&v2, &slow]).is_empty());
}

#[test]
fn files_in_memory_follow_includes_and_globs_as_the_file_system_does() {
    use vrrp::keepalived::{MemoryFiles, parse_file_with};
    let mut files = MemoryFiles::default();
    files.insert(
        "/etc/keepalived/keepalived.conf",
        "global_defs {\n router_id X\n}\ninclude conf.d/*.conf\ninclude /etc/keepalived/extra/?.conf\n",
    );
    for (path, vrid) in [
        ("/etc/keepalived/conf.d/b.conf", 2),
        ("/etc/keepalived/conf.d/a.conf", 1),
        ("/etc/keepalived/extra/c.conf", 3),
    ] {
        files.insert(
            path,
            format!(
                "vrrp_instance I{vrid} {{\n interface eth0\n virtual_router_id {vrid}\n \
                 virtual_ipaddress {{\n  192.0.2.{vrid}\n }}\n}}\n"
            ),
        );
    }
    files.insert("/etc/keepalived/conf.d/ignored.txt", "not a config");
    files.insert("/etc/keepalived/extra/cc.conf", "not matched by ?");
    let config = parse_file_with(&files, "/etc/keepalived/keepalived.conf").expect("reads");
    let names: Vec<&str> = config.instances.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["I1", "I2", "I3"]);
    // A file that includes itself is stopped, with the place of the include.
    files.insert("/loop.conf", "include /loop.conf\n");
    let error = parse_file_with(&files, "/loop.conf").expect_err("a loop");
    assert!(error.to_string().contains("nest deeper"), "{error}");
    let error = parse_file_with(&files, "/missing.conf").expect_err("no file");
    assert!(matches!(error.errors[0].kind, ErrorKind::Io { .. }));
}

/// An instance with unicast peers and `auth_hmac` written as `block`.
#[cfg(feature = "auth-hmac")]
fn with_auth_hmac(block: &str) -> String {
    format!(
        "{INSTANCE_HEAD} version 3\n unicast_src_ip 192.0.2.1\n unicast_peer {{\n  198.51.100.1\n }}\n\
         auth_hmac {{\n{block} }}\n virtual_ipaddress {{\n  192.0.2.100\n }}\n}}\n"
    )
}

#[cfg(feature = "auth-hmac")]
#[test]
fn auth_hmac_reads_keepalived_2_4s_block_with_inline_and_file_keys() {
    use vrrp::{AntiReplay, HmacAuth, HmacKey, HmacMode};
    let text = with_auth_hmac(
        "  key 1 hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n\
         \x20 key 2 file:${_ENV CARGO_MANIFEST_DIR}/tests/keepalived-conf/hmac.key\n\
         \x20 key 3 an-ascii-passphrase-of-32-bytes.\n\
         \x20 active_key 2\n  anti_replay monotonic\n  time_window 7\n  mode permissive\n",
    );
    let config = parse_str("t.conf", &text).unwrap_or_else(|e| panic!("{e}"));
    let instance = &config.instances[0];
    let key: Vec<u8> = (0..32).collect();
    let expected = HmacAuth::builder(2)
        .key(HmacKey::new(1, &key).unwrap())
        .key(HmacKey::new(2, &key).unwrap())
        .key(HmacKey::new(3, b"an-ascii-passphrase-of-32-bytes.").unwrap())
        .anti_replay(AntiReplay::Monotonic)
        .time_window(7)
        .mode(HmacMode::Permissive)
        .build()
        .unwrap();
    assert_eq!(instance.auth_hmac.as_ref(), Some(&expected));
    // The key file is in git, readable by all: said, without the key.
    let warning = config
        .warnings
        .iter()
        .map(ToString::to_string)
        .find(|w| w.contains("hmac.key"));
    let warning = warning.expect("a loose-permission warning");
    assert!(
        warning.contains("may be read by group or others"),
        "{warning}"
    );
    assert!(!warning.contains("000102"), "{warning}");
    // Unicast peers from a keepalived.conf are heard whatever their TTL, as keepalived hears them.
    let built = instance.config(2, ip("192.0.2.1")).unwrap();
    assert_eq!(built.min_hop_limit(), 0);
    assert_eq!(built.auth_hmac(), Some(&expected));
}

#[cfg(feature = "auth-hmac")]
#[test]
fn auth_hmac_defaults_to_enforce_and_vrrp_strict_forces_it() {
    let key = "  key 1 hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
    let text = with_auth_hmac(&format!("{key}  active_key 1\n"));
    let config = parse_str("t.conf", &text).unwrap();
    let auth = config.instances[0].auth_hmac.clone().unwrap();
    assert_eq!(auth.mode(), vrrp::HmacMode::Enforce);
    let strict = format!(
        "global_defs {{\n vrrp_strict\n}}\n{}",
        with_auth_hmac(&format!("{key}  active_key 1\n  mode receive-only\n"))
    );
    let config = parse_str("t.conf", &strict).unwrap();
    assert_eq!(
        config.instances[0].auth_hmac.as_ref().unwrap().mode(),
        vrrp::HmacMode::Enforce
    );
    assert!(
        config
            .warnings
            .iter()
            .any(|w| w.to_string().contains("vrrp_strict requires enforce"))
    );
}

#[cfg(feature = "auth-hmac")]
#[test]
fn a_key_file_only_its_owner_reads_is_read_without_a_warning() {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("vrrp-hmac-0600.key");
    let _ = std::fs::remove_file(&path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .unwrap();
    file.write_all(b"0123456789abcdef0123456789abcdef\r\n")
        .unwrap();
    let text = with_auth_hmac(&format!(
        "  key 4 file:{}\n  active_key 4\n",
        path.display()
    ));
    let config = parse_str("t.conf", &text).unwrap_or_else(|e| panic!("{e}"));
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
    let auth = config.instances[0].auth_hmac.as_ref().unwrap();
    assert_eq!(auth.keys()[0].len(), 32);
}

#[cfg(feature = "auth-hmac")]
#[test]
fn auth_hmac_mistakes_name_their_cause_and_never_run_unauthenticated() {
    let cases = [
        (
            "  key 1 hex:00\n  active_key 1\n",
            "t.conf:10:9: key 1: an HMAC key has 32 to 64 bytes, this one has 1",
        ),
        (
            "  key 1 short\n  active_key 1\n",
            "t.conf:10:9: key 1: an HMAC key has 32 to 64 bytes",
        ),
        (
            "  key 0 an-ascii-passphrase-of-32-bytes.\n  active_key 1\n",
            "t.conf:10:7: `key`: \"0\" is not a key id from 1 to 255",
        ),
        (
            "  key 1 an-ascii-passphrase-of-32-bytes.\n",
            "t.conf:9:1: `auth_hmac` needs `active_key`",
        ),
        (
            "  key 1 an-ascii-passphrase-of-32-bytes.\n  active_key 2\n",
            "t.conf:9:1: the active HMAC key 2 is not defined",
        ),
        (
            "  key 1 file:${_ENV VRRP_NO_SUCH_VARIABLE}/k\n  active_key 1\n",
            "t.conf:10:9: environment variable VRRP_NO_SUCH_VARIABLE is not set",
        ),
        (
            "  key 1 file:/nonexistent/vrrp.key\n  active_key 1\n",
            "t.conf:10:9: cannot read /nonexistent/vrrp.key",
        ),
        (
            "  key 1 an-ascii-passphrase-of-32-bytes.\n  active_key 1\n  mode strict\n",
            "t.conf:12:8: `mode`: \"strict\" is not enforce, permissive or receive-only",
        ),
        (
            "  key 1 an-ascii-passphrase-of-32-bytes.\n  active_key 1\n  time_window 0\n",
            "t.conf:12:15: `time_window`: \"0\" is not a whole number from 1 to 300",
        ),
    ];
    for (block, start) in cases {
        let found = errors(&with_auth_hmac(block));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with(start), "{block}: {found:?}");
        assert!(found.iter().all(|e| !e.contains("passphrase")), "{found:?}");
    }
}

#[test]
fn a_unicast_peers_min_ttl_is_the_lowest_hop_limit_heard() {
    let text = format!(
        "{INSTANCE_HEAD} version 3\n unicast_src_ip 192.0.2.1\n unicast_peer {{\n  198.51.100.1 min_ttl 250\n  198.51.100.2 min_ttl 254\n }}\n virtual_ipaddress {{\n  192.0.2.100\n }}\n}}\n"
    );
    let config = parse_str("t.conf", &text).unwrap_or_else(|e| panic!("{e}"));
    let built = config.instances[0].config(2, ip("192.0.2.1")).unwrap();
    assert_eq!(built.min_hop_limit(), 250);
    let max = text.replace("min_ttl 254", "max_ttl 254");
    assert!(
        errors(&max)[0].contains("`max_ttl` is not supported"),
        "{:?}",
        errors(&max)
    );
}

/// The corpus of real keepalived.conf files (`tests/keepalived-conf/real/`), each from a public
/// repository named on its first line: every one is read, except the ones `REFUSED` lists, which
/// must be refused for the cause it names (a mistake in the file, or something not honoured yet).
mod corpus {
    use std::collections::BTreeMap;
    use std::path::Path;

    use vrrp::keepalived::parse_file;

    const CORPUS: &str = "tests/keepalived-conf/real";

    /// `REFUSED`: `FILE  NEEDLE` lines, NEEDLE a part of the first error the file gets.
    fn refusals() -> BTreeMap<String, String> {
        let text = std::fs::read_to_string(format!("{CORPUS}/REFUSED")).expect("REFUSED");
        text.lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(|line| {
                let (file, needle) = line.split_once(char::is_whitespace).expect("FILE NEEDLE");
                (file.to_string(), needle.trim().to_string())
            })
            .collect()
    }

    #[test]
    fn every_real_file_is_read_except_the_refusals_listed_with_their_cause() {
        let mut refused = refusals();
        let mut files: Vec<_> = std::fs::read_dir(CORPUS)
            .expect("the corpus")
            .map(|entry| entry.expect("an entry").path())
            .filter(|path| path.extension().is_some_and(|e| e == "conf"))
            .collect();
        files.sort();
        let mut read = 0;
        let mut wrong = Vec::new();
        for path in &files {
            let name = path
                .file_name()
                .expect("a name")
                .to_string_lossy()
                .to_string();
            let first = std::fs::read_to_string(path).expect("readable");
            assert!(
                first.starts_with("# source: "),
                "{name}: the first line names the source repository"
            );
            match (parse_file(path), refused.remove(&name)) {
                (Ok(_), None) => read += 1,
                (Ok(_), Some(needle)) => wrong.push(format!(
                    "{name} is read now: remove it from REFUSED (was: {needle})"
                )),
                (Err(error), None) => wrong.push(format!("{name} is refused:\n{error}")),
                (Err(error), Some(needle)) => {
                    if !error.errors[0].to_string().contains(&needle) {
                        wrong.push(format!(
                            "{name}: the first error does not say {needle:?}:\n{error}"
                        ));
                    }
                }
            }
        }
        for name in refused.keys() {
            wrong.push(format!("REFUSED names {name}, which is not in the corpus"));
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        // Only ever raised: each feature honoured moves files from REFUSED to the ones read.
        assert!(
            read >= 39,
            "{read} of {} real files read, fewer than before",
            files.len()
        );
        assert!(Path::new(CORPUS).join("README.md").exists());
    }
}

/// `text` read, with its warnings as `line:message` texts.
fn read_with_warnings(text: &str) -> (KeepalivedConfig, Vec<String>) {
    let config = parse_str("t.conf", text).unwrap_or_else(|e| panic!("{e}"));
    let warnings = config.warnings.iter().map(|w| w.to_string()).collect();
    (config, warnings)
}

#[test]
fn an_auth_pass_over_8_bytes_is_cut_to_8_with_a_warning_that_never_shows_it() {
    let text = format!(
        "{INSTANCE_HEAD} authentication {{\n  auth_type PASS\n  auth_pass secret-longer-than-8\n }}\n virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n"
    );
    let (config, warnings) = read_with_warnings(&text);
    assert_eq!(
        config.instances[0].password,
        Some(Password::new(b"secret-l").expect("8 bytes"))
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("t.conf:6:13: warning: `auth_pass` is 20 bytes long"),
        "{warnings:?}"
    );
    assert!(!warnings[0].contains("secret"), "{warnings:?}");
}

#[test]
fn an_authentication_mistake_is_named_once_by_its_real_cause() {
    let text = format!(
        "{INSTANCE_HEAD} authentication {{\n  auth_type PASS;\n  auth_pass x\n }}\n virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n"
    );
    let found = errors(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("`auth_type`: \"PASS;\" is not PASS or AH"),
        "{found:?}"
    );
}

#[test]
#[cfg(feature = "auth-ah")]
fn v2_03_auth_type_ah_keys_an_ipsec_authentication_header_with_auth_pass() {
    let text = format!(
        "{INSTANCE_HEAD} authentication {{\n  auth_type AH\n  auth_pass s3cr3t\n }}\n virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n"
    );
    let (config, warnings) = read_with_warnings(&text);
    let instance = &config.instances[0];
    assert!(instance.ipsec_ah && warnings.is_empty(), "{warnings:?}");
    let built = instance
        .config(2, "192.0.2.10".parse().expect("address"))
        .expect("valid");
    assert_eq!(
        *built.authentication(),
        vrrp::packet::Authentication::IpsecAh(Password::new(b"s3cr3t").expect("6 bytes"))
    );
}

#[test]
fn state_master_is_warned_about_only_below_priority_255() {
    let with = |priority: u8| {
        format!(
            "{INSTANCE_HEAD} state MASTER\n priority {priority}\n virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n"
        )
    };
    let (_, warnings) = read_with_warnings(&with(200));
    assert!(warnings[0].contains("`state MASTER`"), "{warnings:?}");
    let (_, warnings) = read_with_warnings(&with(255));
    assert_eq!(warnings, Vec::<String>::new());
}

#[test]
fn a_flag_takes_a_boolean_where_keepalived_reads_one_and_refuses_a_false_one_it_would_ignore() {
    let instance = |lines: &str| {
        format!("{INSTANCE_HEAD}{lines} virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n")
    };
    let (config, _) = read_with_warnings(&instance(" lower_prio_no_advert off\n"));
    assert!(!config.instances[0].lower_prio_no_advert);
    let (config, _) = read_with_warnings(&instance(" lower_prio_no_advert\n"));
    assert!(config.instances[0].lower_prio_no_advert);
    // keepalived ignores what follows `nopreempt` and turns it on: `True` is read so, `false`
    // would be misread either way.
    let (config, _) = read_with_warnings(&instance(" nopreempt True\n"));
    assert!(!config.instances[0].preempt);
    let found = errors(&instance(" nopreempt false\n"));
    assert!(
        found[0].contains("keepalived ignores the value after `nopreempt`"),
        "{found:?}"
    );
    assert!(errors(&instance(" nopreempt maybe\n"))[0].contains("is not nothing, or one of on"));
}

#[test]
fn lower_prio_no_advert_and_v3_checksum_as_v2_reach_the_config() {
    use vrrp::LowerPriorityResponse;
    use vrrp::packet::ChecksumForm;
    let text = format!(
        "global_defs {{\n v3_checksum_as_v2\n}}\n{INSTANCE_HEAD} version 3\n virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n\
         vrrp_instance B {{\n interface eth0\n virtual_router_id 6\n strict_mode\n virtual_ipaddress {{\n  192.0.2.2\n }}\n}}\n"
    );
    let (config, _) = read_with_warnings(&text);
    let source = ip("192.0.2.10");
    let a = config.instances[0].config(2, source).expect("valid");
    assert!(a.tracks_link());
    let untracked = format!(
        "{INSTANCE_HEAD} dont_track_primary\n virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n"
    );
    let (untracked, _) = read_with_warnings(&untracked);
    let untracked = untracked.instances[0].config(2, source).expect("valid");
    assert!(!untracked.tracks_link());
    assert_eq!(a.checksum_form(), ChecksumForm::MessageOnly);
    assert_eq!(
        a.lower_priority_response(),
        LowerPriorityResponse::Readvertise
    );
    // strict_mode: RFC 5798's silent discard and Accept_Mode off, as vrrp_strict for all.
    let b = &config.instances[1];
    assert!(b.lower_prio_no_advert && !b.accept);
    assert!(!b.dont_track_primary);
    let b = b.config(2, source).expect("valid");
    assert_eq!(b.lower_priority_response(), LowerPriorityResponse::Discard);
}

#[test]
fn garp_master_refresh_repeat_and_vrrp_min_garp_set_the_announcements() {
    let text = format!(
        "global_defs {{\n vrrp_min_garp\n vrrp_garp_master_refresh 60\n vrrp_garp_master_refresh_repeat 2\n}}\n\
         {INSTANCE_HEAD} virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n"
    );
    let (config, _) = read_with_warnings(&text);
    let announcements = config.instances[0].announcements;
    assert_eq!(announcements.repeat, 1);
    assert_eq!(announcements.second_burst, None);
    assert_eq!(announcements.refresh, Some(Duration::from_secs(60)));
    assert_eq!(announcements.refresh_repeat, 2);
}

#[test]
fn mcast_src_ip_init_fail_and_native_ipv6_are_read() {
    let text = "vrrp_script chk {\n script /bin/true\n init_fail\n}\n\
         vrrp_instance A {\n interface eth0\n virtual_router_id 5\n mcast_src_ip 192.0.2.10\n \
         virtual_ipaddress {\n  192.0.2.1\n }\n}\n\
         vrrp_instance B {\n interface eth0\n virtual_router_id 5\n native_ipv6\n \
         virtual_ipaddress {\n  fe80::1\n }\n}\n";
    let (config, _) = read_with_warnings(text);
    assert!(config.script("chk").expect("chk").init_fail);
    assert_eq!(config.instances[0].unicast_source, Some(ip("192.0.2.10")));
    assert_eq!(config.instances[1].family, AddressFamily::Ipv6);
    let ipv4 = "vrrp_instance B {\n interface eth0\n virtual_router_id 5\n native_ipv6\n \
         virtual_ipaddress {\n  192.0.2.1\n }\n}\n";
    assert!(errors(ipv4)[0].contains("`native_ipv6` makes it an IPv6 instance"));
}

#[test]
fn keywords_for_what_is_not_run_here_are_warned_about_once_each_and_refused_ones_say_why() {
    let text = format!(
        "global_defs {{\n enable_snmp_vrrp\n vrrp_netlink_cmd_rcv_bufs 1048576\n vrrp_iptables\n}}\n\
         {INSTANCE_HEAD} virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n"
    );
    let (_, warnings) = read_with_warnings(&text);
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(warnings[0].contains("`enable_snmp_vrrp` is ignored: there is no SNMP agent"));
    assert!(warnings[1].contains("`vrrp_netlink_cmd_rcv_bufs` is ignored"));
    assert!(warnings[2].contains("table `inet vrrp`"));
    let refused =
        format!("{INSTANCE_HEAD} use_ipvlan\n virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n");
    assert!(errors(&refused)[0].contains("`use_ipvlan` is not supported: ipvlan interfaces"));
}

#[test]
fn a_sync_group_member_that_is_not_defined_is_left_out_and_the_old_member_form_is_read() {
    let two = format!(
        "{INSTANCE_HEAD} virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n\
         vrrp_instance B {{\n interface eth0\n virtual_router_id 6\n virtual_ipaddress {{\n  192.0.2.2\n }}\n}}\n"
    );
    let broken = format!(
        "{two}vrrp_sync_group G {{\n group {{\n  A\n  NOPE\n  B\n }}\n}}\n\
         vrrp_sync_group H {{\n group {{\n  GONE\n }}\n}}\n"
    );
    let (config, warnings) = read_with_warnings(&broken);
    // The group keeps its defined members; one left with none is dropped.
    assert_eq!(config.sync_groups.len(), 1);
    assert_eq!(config.sync_groups[0].members, ["A", "B"]);
    assert!(
        warnings[0].contains("vrrp_instance `NOPE` is not defined, so it is left out"),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("vrrp_sync_group H has no member left")),
        "{warnings:?}"
    );
    let legacy = format!("{two}vrrp_sync_group G {{\n A\n B\n}}\n");
    let (config, warnings) = read_with_warnings(&legacy);
    assert_eq!(config.sync_groups[0].members, ["A", "B"]);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
}

#[test]
fn conditional_lines_follow_the_config_id_as_keepalived_reads_them() {
    use vrrp::keepalived::{MemoryFiles, parse_file_as};
    let mut files = MemoryFiles::default();
    files.insert(
        "/k.conf",
        "vrrp_instance A {\n interface eth0\n virtual_router_id 5\n @lb1 priority 150\n \
         @^lb1 priority 100\n unicast_peer {\n  @^lb1 192.0.2.11\n  @^lb2 192.0.2.12\n }\n \
         virtual_ipaddress {\n  192.0.2.1\n }\n}\n",
    );
    let read = |id: Option<&str>| {
        let config = parse_file_as(&files, "/k.conf", id).unwrap_or_else(|e| panic!("{e}"));
        let instance = config.instances[0].clone();
        (instance.priority, instance.unicast_peers)
    };
    assert_eq!(read(Some("lb1")), (150, vec![ip("192.0.2.12")]));
    assert_eq!(read(Some("lb2")), (100, vec![ip("192.0.2.11")]));
    assert_eq!(read(None), (100, vec![ip("192.0.2.11"), ip("192.0.2.12")]));
}

#[test]
fn notify_fifos_read_with_their_owner_and_reader_and_a_reader_needs_its_fifo() {
    let text = format!(
        "global_defs {{\n notify_fifo /run/ka.fifo root root\n notify_fifo_script \"/usr/local/bin/read fifo\" nobody\n \
         vrrp_notify_fifo /run/vrrp.fifo\n}}\n{INSTANCE_HEAD} virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n"
    );
    let (config, warnings) = read_with_warnings(&text);
    assert_eq!(warnings, Vec::<String>::new());
    let fifos = &config.global.notify_fifos;
    assert_eq!(fifos.len(), 2);
    assert_eq!(fifos[0].path, std::path::Path::new("/run/ka.fifo"));
    assert_eq!(
        fifos[0].owner.as_ref().map(|o| o.user.as_str()),
        Some("root")
    );
    assert_eq!(fifos[0].script.as_deref(), Some("/usr/local/bin/read fifo"));
    assert_eq!(
        fifos[0].script_user.as_ref().map(|u| u.user.as_str()),
        Some("nobody")
    );
    assert_eq!(fifos[1].path, std::path::Path::new("/run/vrrp.fifo"));
    assert_eq!(fifos[1].script, None);
    let orphan = "global_defs {\n vrrp_notify_fifo_script /bin/reader\n}\n";
    assert!(errors(orphan)[0].contains("and there is none"));
    let shared = "global_defs {\n notify_fifo /run/f\n vrrp_notify_fifo /run/f\n}\n";
    assert!(errors(shared)[0].contains("each needs its own"));
}

#[test]
fn the_instances_start_after_the_longer_of_the_startup_delay_and_what_remains_of_the_boot_delay() {
    let text = format!(
        "global_defs {{\n vrrp_startup_delay 5.5\n vrrp_delay_after_boot 60\n}}\n\
         {INSTANCE_HEAD} virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n"
    );
    let (config, _) = read_with_warnings(&text);
    let global = &config.global;
    assert_eq!(
        global.start_delay(Duration::from_secs(10)),
        Duration::from_secs(50)
    );
    assert_eq!(
        global.start_delay(Duration::from_secs(58)),
        Duration::from_millis(5500)
    );
    assert_eq!(
        global.start_delay(Duration::from_secs(3600)),
        Duration::from_millis(5500)
    );
    assert!(errors("global_defs {\n vrrp_startup_delay 0\n}\n")[0].contains("above 0"));
}

#[test]
fn the_scheduling_keywords_read_and_an_out_of_range_priority_is_clamped_as_keepalived_does() {
    let text = format!(
        "global_defs {{\n vrrp_rt_priority 150\n vrrp_rlimit_rttime 20000\n vrrp_no_swap\n \
         vrrp_cpu_affinity 0 1\n vrrp_priority -5\n}}\n{INSTANCE_HEAD} virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n"
    );
    let (config, warnings) = read_with_warnings(&text);
    let scheduling = &config.global.scheduling;
    assert_eq!(scheduling.rt_priority, Some(99));
    assert!(
        warnings[0].contains("`vrrp_rt_priority` 150 is taken as 99"),
        "{warnings:?}"
    );
    assert_eq!(scheduling.rlimit_rttime, Duration::from_millis(20));
    assert!(scheduling.no_swap);
    assert_eq!(scheduling.cpu_affinity, [0, 1]);
    assert_eq!(scheduling.nice, Some(-5));
    assert!(errors("global_defs {\n vrrp_cpu_affinity zero\n}\n")[0].contains("CPU numbers"));
    let auto = |lines: &str| {
        let (config, _) = read_with_warnings(&format!(
            "global_defs {{\n{lines}\n}}\n{INSTANCE_HEAD} virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n"
        ));
        let s = config.global.scheduling;
        (s.max_auto_priority, s.min_auto_priority_delay)
    };
    let second = Duration::from_secs(1);
    assert_eq!(auto(" max_auto_priority"), (Some(99), second));
    assert_eq!(auto(" max_auto_priority -1"), (None, second));
    assert_eq!(auto(" max_auto_priority 0"), (None, second));
    assert_eq!(
        auto(" max_auto_priority 20\n min_auto_priority_delay 250000"),
        (Some(20), Duration::from_millis(250))
    );
}

/// `block` (lines of an instance) in an instance with one VIP.
fn with_lines(block: &str) -> String {
    format!("{INSTANCE_HEAD} virtual_ipaddress {{\n  192.0.2.100\n }}\n{block}}}\n")
}

#[test]
fn virtual_routes_read_every_ip_route_option_as_iproute2_means_it() {
    use vrrp::host::{AddressScope, RouteInsertion, RouteKind, RouteMetricKind};
    let text = with_lines(
        " virtual_routes {\n  \
           198.51.100.0/24 dev eth1 src 192.0.2.100 scope link table 1\n  \
           default via 203.0.113.1 dev eth0 metric 10 mtu lock 1400 rtt 100ms append\n  \
           blackhole 198.51.102.0/24 table 100\n  \
           \"192.0.2.0/24\" src \"192.0.2.100\" metric 1 dev \"eth0\" scope link\n  \
           203.0.113.0/24 table 7 nexthop via 192.0.2.1 dev eth0 weight 1 nexthop via 192.0.2.2 dev eth0 onlink weight 3\n  \
           2001:db8:1::/64 via 2001:db8::1 pref high protocol 4 no_track\n  \
           198.51.101.0/24 via 192.0.2.1 or 192.0.2.2 dev eth0 protocol bird\n \
         }\n",
    );
    let (config, warnings) = read_with_warnings(&text);
    let routes: Vec<_> = config.instances[0].routes.iter().collect();
    assert_eq!(routes.len(), 7);
    let r = &routes[0].route;
    assert_eq!(
        (r.destination, r.prefix_len, r.source, r.scope, r.table),
        (
            ip("198.51.100.0"),
            24,
            Some(ip("192.0.2.100")),
            Some(AddressScope::Link),
            1
        )
    );
    assert_eq!(routes[0].devices, [Some("eth1".to_string())]);
    let r = &routes[1].route;
    assert_eq!((r.destination, r.prefix_len), (ip("0.0.0.0"), 0));
    assert_eq!(r.next_hops[0].gateway, Some(ip("203.0.113.1")));
    assert_eq!((r.metric, r.insertion), (Some(10), RouteInsertion::Append));
    let metrics: Vec<_> = r
        .metrics
        .iter()
        .map(|m| (m.kind, m.value, m.locked))
        .collect();
    // iproute2 keeps rtt in eighths of a millisecond.
    assert_eq!(
        metrics,
        [
            (RouteMetricKind::Mtu, 1400, true),
            (RouteMetricKind::Rtt, 800, false)
        ]
    );
    assert_eq!(
        (routes[2].route.kind, routes[2].route.table),
        (RouteKind::Blackhole, 100)
    );
    assert!(routes[2].route.next_hops.is_empty());
    assert_eq!(routes[3].devices, [Some("eth0".to_string())]);
    let multipath = &routes[4].route;
    let hops: Vec<_> = (multipath.next_hops.iter())
        .map(|h| (h.gateway, h.weight, h.onlink))
        .collect();
    assert_eq!(
        hops,
        [
            (Some(ip("192.0.2.1")), 1, false),
            (Some(ip("192.0.2.2")), 3, true)
        ]
    );
    // no_track keeps the protocol and leaves a deleted route deleted, as in keepalived.
    let untracked = &routes[5].route;
    assert_eq!(
        (untracked.protocol, untracked.restore, untracked.preference),
        (Some(4), false, Some(1))
    );
    // Without no_track, the protocol gives way to the daemon's mark, with a warning.
    let or = &routes[6].route;
    assert_eq!(
        (or.protocol, or.restore, or.next_hops.len()),
        (None, true, 2)
    );
    assert_eq!(
        routes[6].devices,
        [Some("eth0".to_string()), Some("eth0".to_string())]
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("`protocol 12` is replaced by this daemon's mark")),
        "{warnings:?}"
    );
}

#[test]
fn virtual_rules_read_their_selectors_and_one_action() {
    use vrrp::host::RuleAction;
    let text = with_lines(
        " virtual_rules {\n  \
           from 198.51.100.100/32 table 1 priority 100\n  \
           not to 198.51.100.0/24 fwmark 0x10/0xff iif eth0 oif eth1 lookup main preference 101\n  \
           from 2001:db8::/64 goto 300 preference 200 uidrange 1000-1999 sport 10-20 ipproto udp\n  \
           from all blackhole\n \
         }\n",
    );
    let (config, warnings) = read_with_warnings(&text);
    let rules: Vec<_> = config.instances[0].rules.iter().map(|r| &r.rule).collect();
    assert_eq!(rules[0].from, Some((ip("198.51.100.100"), 32)));
    assert_eq!(
        (rules[0].action, rules[0].priority),
        (RuleAction::Table(1), Some(100))
    );
    assert!(rules[1].invert);
    assert_eq!(rules[1].fwmark, Some((0x10, Some(0xff))));
    assert_eq!(
        (
            rules[1].input_interface.as_deref(),
            rules[1].output_interface.as_deref()
        ),
        (Some("eth0"), Some("eth1"))
    );
    assert_eq!(rules[1].action, RuleAction::Table(254));
    assert_eq!(rules[2].action, RuleAction::Goto(300));
    assert_eq!(
        (
            rules[2].uid_range,
            rules[2].source_ports,
            rules[2].ip_protocol
        ),
        (Some((1000, 1999)), Some((10, 20)), Some(17))
    );
    assert_eq!(rules[2].address_family(), AddressFamily::Ipv6);
    // No preference: keepalived's 16384, counting down, with a warning.
    assert_eq!(rules[3].priority, Some(16384));
    assert_eq!(rules[3].action, RuleAction::Blackhole);
    assert!(
        warnings.iter().any(|w| w.contains("given priority 16384")),
        "{warnings:?}"
    );
}

#[test]
fn static_addresses_routes_and_rules_read_at_the_top_level() {
    let text = "global_defs {\n default_interface eth1\n}\n\
                static_ipaddress {\n 192.0.2.50/24 dev eth0\n 192.0.2.51\n}\n\
                static_routes {\n 198.51.100.0/24 via 192.0.2.254\n}\n\
                static_rules {\n from 192.0.2.50 table 5 preference 50\n}\n";
    let config = parse_str("t.conf", text).expect("reads");
    let devices: Vec<_> = (config.static_addresses.iter())
        .map(|a| (a.address, a.device.as_deref()))
        .collect();
    assert_eq!(
        devices,
        [
            (ip("192.0.2.50"), Some("eth0")),
            (ip("192.0.2.51"), Some("eth1"))
        ]
    );
    assert_eq!(
        config.static_routes[0].route.next_hops[0].gateway,
        Some(ip("192.0.2.254"))
    );
    assert_eq!(config.static_rules[0].rule.priority, Some(50));
}

#[test]
fn a_route_or_rule_keepalived_leaves_out_is_left_out_with_a_warning_and_one_it_runs_but_this_crate_cannot_is_an_error()
 {
    // keepalived logs an error and runs without the line: so does this reader, with a warning.
    let left_out = [
        (
            " virtual_routes {\n  198.51.100.0/24 via nowhere\n }\n",
            "`via`",
        ),
        (" virtual_routes {\n  via 192.0.2.1\n }\n", "destination"),
        (
            " virtual_routes {\n  198.51.100.0/24 dev eth0 track_group G\n }\n",
            "track_group",
        ),
        (
            " virtual_rules {\n  from 192.0.2.1 table 1 goto 5\n }\n",
            "one action",
        ),
        (
            " virtual_rules {\n  from 192.0.2.1 pref 5 table 1\n }\n",
            "preference",
        ),
        (
            " virtual_rules {\n  from 192.0.2.1 priority 5\n }\n",
            "an action",
        ),
        (
            " virtual_rules {\n  to 192.0.2./24 table 1 priority 5\n }\n",
            "`to`",
        ),
        (
            " virtual_rules {\n  from 192.0.2.1 to 2001:db8::1 table 1 priority 5\n }\n",
            "two families",
        ),
    ];
    for (block, cause) in left_out {
        let (config, warnings) = read_with_warnings(&with_lines(block));
        let instance = &config.instances[0];
        assert!(
            instance.routes.is_empty() && instance.rules.is_empty(),
            "{block}"
        );
        let line = warnings.iter().find(|w| w.contains("left out"));
        assert!(
            line.is_some_and(|w| w.starts_with("t.conf:8:") && w.contains(cause)),
            "{block}: {warnings:?}"
        );
    }
    // keepalived installs these; this crate cannot, and says what to do instead.
    let refused = [
        (
            " virtual_routes {\n  198.51.100.0/24 encap mpls 100 dev eth0\n }\n",
            "encapsulation",
        ),
        (
            " virtual_routes {\n  198.51.100.0/24 dev eth0 vrf blue\n }\n",
            "table",
        ),
        (
            " virtual_routes {\n  198.51.100.0/24 table nosuch\n }\n",
            "table number",
        ),
    ];
    for (block, cause) in refused {
        let errors = errors(&with_lines(block));
        assert_eq!(errors.len(), 1, "{block}: {errors:?}");
        assert!(errors[0].contains(cause), "{block}: {errors:?}");
        assert!(errors[0].starts_with("t.conf:8:"), "{block}: {errors:?}");
    }
}

#[test]
fn a_vrrpv2_instance_without_addresses_runs_with_a_warning_and_a_vrrpv3_one_is_refused() {
    let v2 = format!("{INSTANCE_HEAD} notify_master /bin/true\n}}\n");
    let (config, warnings) = read_with_warnings(&v2);
    assert!(config.instances[0].addresses.is_empty());
    assert!(
        warnings[0].starts_with("t.conf:1:15: warning: vrrp_instance A: no `virtual_ipaddress`"),
        "{warnings:?}"
    );
    let meant = format!("{INSTANCE_HEAD} no_virtual_ipaddress\n}}\n");
    assert_eq!(read_with_warnings(&meant).1, Vec::<String>::new());
    let v3 = format!("{INSTANCE_HEAD} version 3\n}}\n");
    let errors = errors(&v3);
    assert!(
        errors[0].contains("needs `virtual_ipaddress`: a VRRPv3 advert carries at least one"),
        "{errors:?}"
    );
}

#[test]
fn down_timer_adverts_sets_master_down_interval_except_in_strict_mode() {
    let text = |global: &str, lines: &str| {
        format!(
            "global_defs {{\n{global}}}\n{INSTANCE_HEAD}{lines} virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n"
        )
    };
    let adverts = |global: &str, lines: &str| {
        let (config, warnings) = read_with_warnings(&text(global, lines));
        let built = config.instances[0]
            .config(2, ip("192.0.2.10"))
            .expect("valid");
        (built.down_interval_adverts(), warnings)
    };
    assert_eq!(adverts("", ""), (3, vec![]));
    assert_eq!(adverts("", " down_timer_adverts 5\n"), (5, vec![]));
    assert_eq!(adverts(" vrrp_down_timer_adverts 7\n", "").0, 7);
    assert_eq!(
        adverts(" vrrp_down_timer_adverts 7\n", " down_timer_adverts 2\n").0,
        2
    );
    let (strict, warnings) = adverts(" vrrp_strict\n", " down_timer_adverts 5\n");
    assert_eq!(strict, 3);
    assert!(warnings[0].contains("strict mode keeps"), "{warnings:?}");
    let (strict, warnings) = adverts(" vrrp_down_timer_adverts 5\n", " strict_mode\n");
    assert_eq!(strict, 3);
    assert!(warnings[0].contains("t.conf:2"), "{warnings:?}");
    for bad in ["0", "101", "three"] {
        let found = errors(&text("", &format!(" down_timer_adverts {bad}\n")));
        assert!(found[0].contains("1 to 100"), "{found:?}");
    }
}

#[test]
fn owner_ignore_adverts_holds_for_an_address_owner_as_keepalived_settles_it() {
    let text = |global: &str, lines: &str| {
        format!(
            "global_defs {{\n{global}}}\n{INSTANCE_HEAD}{lines} virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n"
        )
    };
    let ignores = |global: &str, lines: &str| {
        let (config, warnings) = read_with_warnings(&text(global, lines));
        let built = config.instances[0]
            .config(2, ip("192.0.2.10"))
            .expect("valid");
        (built.owner_ignores_adverts(), warnings.len())
    };
    const OWNER: &str = " priority 255\n";
    assert_eq!(ignores("", OWNER), (false, 0));
    assert_eq!(
        ignores("", &format!("{OWNER} owner_ignore_adverts\n")),
        (true, 0)
    );
    assert_eq!(ignores(" vrrp_owner_ignore_adverts\n", OWNER), (true, 0));
    assert_eq!(ignores(" vrrp_strict\n", OWNER), (true, 0));
    // keepalived turns an explicit `false` on for an owner, and drops it for a non-owner.
    assert_eq!(
        ignores("", &format!("{OWNER} owner_ignore_adverts off\n")),
        (true, 1)
    );
    assert_eq!(ignores("", " owner_ignore_adverts\n"), (false, 1));
    assert_eq!(ignores(" vrrp_owner_ignore_adverts\n", ""), (false, 0));
}

#[test]
fn startup_and_shutdown_scripts_are_read_with_their_users_and_timeouts() {
    use vrrp::keepalived::{LifecycleScript, ScriptUser};
    let text = format!(
        "global_defs {{\n startup_script_timeout 30\n startup_script \"/usr/local/bin/up --now\" nobody nogroup\n \
         shutdown_script /usr/local/bin/down\n shutdown_script /usr/local/bin/other\n}}\n\
         {INSTANCE_HEAD} virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n"
    );
    let (config, warnings) = read_with_warnings(&text);
    assert_eq!(
        config.global.startup_script,
        Some(LifecycleScript {
            command: "/usr/local/bin/up --now".into(),
            user: Some(ScriptUser {
                user: "nobody".into(),
                group: Some("nogroup".into()),
            }),
            timeout: Duration::from_secs(30),
        })
    );
    let shutdown = config.global.shutdown_script.expect("read");
    assert_eq!(shutdown.command, "/usr/local/bin/down");
    assert_eq!(shutdown.timeout, Duration::from_secs(10));
    assert!(
        warnings[0].contains("a second `shutdown_script` is not run"),
        "{warnings:?}"
    );
    for bad in ["0", "1001"] {
        let text = format!("global_defs {{\n shutdown_script_timeout {bad}\n}}\n");
        assert!(errors(&text)[0].contains("1 to 1000"), "{bad}");
    }
}

#[test]
fn unicast_ttl_sets_the_hop_limit_of_unicast_adverts_and_needs_peers() {
    let text = |lines: &str| {
        format!("{INSTANCE_HEAD}{lines} virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n")
    };
    const PEERS: &str = " unicast_src_ip 192.0.2.10\n unicast_peer {\n  192.0.2.11\n }\n";
    let (config, warnings) = read_with_warnings(&text(&format!("{PEERS} unicast_ttl 8\n")));
    let built = config.instances[0]
        .config(2, ip("192.0.2.10"))
        .expect("valid");
    assert_eq!(built.unicast_hop_limit(), 8);
    assert!(
        !warnings.iter().any(|w| w.contains("unicast_ttl")),
        "{warnings:?}"
    );
    let (config, warnings) = read_with_warnings(&text(" unicast_ttl 8\n"));
    let built = config.instances[0]
        .config(2, ip("192.0.2.10"))
        .expect("valid");
    assert_eq!(built.unicast_hop_limit(), 255);
    assert!(
        warnings[0].contains("not used without `unicast_peer`"),
        "{warnings:?}"
    );
    let found = errors(&text(&format!("{PEERS} unicast_ttl 0\n")));
    assert!(found[0].contains("TTL 0 is discarded"), "{found:?}");
    let found = errors(&text(&format!("{PEERS} unicast_ttl 256\n")));
    assert!(found[0].contains("0 to 255"), "{found:?}");
}

#[test]
fn unicast_fault_no_peer_holds_an_instance_without_peers_in_fault() {
    let text = |lines: &str| {
        format!("{INSTANCE_HEAD}{lines} virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n")
    };
    let holds = |lines: &str| read_with_warnings(&text(lines)).0.instances[0].fault_without_peers;
    assert!(holds(
        " unicast_src_ip 192.0.2.10\n unicast_fault_no_peer\n"
    ));
    assert!(!holds(" unicast_src_ip 192.0.2.10\n"));
    assert!(!holds(
        " unicast_fault_no_peer\n unicast_peer {\n  192.0.2.11\n }\n"
    ));
}

#[test]
fn mcast_dst_ip_and_the_global_groups_set_the_group_of_multicast_instances() {
    let text = |global: &str, lines: &str| {
        format!(
            "global_defs {{\n{global}}}\n{INSTANCE_HEAD}{lines} virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n"
        )
    };
    let group = |global: &str, lines: &str| {
        let (config, warnings) = read_with_warnings(&text(global, lines));
        let built = config.instances[0]
            .config(2, ip("192.0.2.10"))
            .expect("valid");
        (built.multicast_group(), warnings.len())
    };
    assert_eq!(group("", ""), (ip("224.0.0.18"), 0));
    assert_eq!(
        group("", " mcast_dst_ip 224.0.0.100\n"),
        (ip("224.0.0.100"), 0)
    );
    assert_eq!(
        group(" vrrp_mcast_group4 224.0.0.101\n", ""),
        (ip("224.0.0.101"), 0)
    );
    assert_eq!(
        group(
            " vrrp_mcast_group4 224.0.0.101\n",
            " mcast_dst_ip 224.0.0.100\n"
        ),
        (ip("224.0.0.100"), 0)
    );
    // An IPv6 group leaves an IPv4 instance alone, with a warning at the instance's own.
    assert_eq!(
        group(" vrrp_mcast_group6 ff02::100\n", ""),
        (ip("224.0.0.18"), 0)
    );
    assert_eq!(
        group("", " mcast_dst_ip ff02::100\n"),
        (ip("224.0.0.18"), 1)
    );
    // Unicast peers take the adverts: the group is not used, as keepalived does not use it.
    let peers = " unicast_peer {\n  192.0.2.11\n }\n mcast_dst_ip 224.0.0.100\n";
    let (config, warnings) = read_with_warnings(&text("", peers));
    assert_eq!(config.instances[0].multicast_group, None);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("the adverts go to the unicast peers")),
        "{warnings:?}"
    );
    for bad in ["192.0.2.9", "ff05::12", "group"] {
        let found = errors(&text("", &format!(" mcast_dst_ip {bad}\n")));
        assert!(found[0].contains("multicast address"), "{bad}: {found:?}");
    }
    let found = errors(&text(" vrrp_mcast_group6 ff0e::1\n", ""));
    assert!(found[0].contains("link-local scope"), "{found:?}");
}

#[test]
fn track_src_ip_holds_with_a_source_address_of_the_instances_own_only() {
    let text = |lines: &str| {
        format!("{INSTANCE_HEAD}{lines} virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n")
    };
    let tracks = |lines: &str| read_with_warnings(&text(lines)).0.instances[0].track_src_ip;
    assert!(tracks(" unicast_src_ip 192.0.2.10\n track_src_ip\n"));
    assert!(tracks(" mcast_src_ip 192.0.2.10\n track_src_ip\n"));
    assert!(!tracks(" track_src_ip\n"));
    assert!(!tracks(" unicast_src_ip 192.0.2.10\n"));
}

#[test]
fn timer_expired_backup_makes_a_stalled_master_yield_without_preemption_only() {
    use vrrp::Priority;
    let text = |lines: &str| {
        format!("{INSTANCE_HEAD}{lines} virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n")
    };
    let yields = |lines: &str| {
        let (config, warnings) = read_with_warnings(&text(lines));
        let built = config.instances[0]
            .config(2, ip("192.0.2.10"))
            .expect("valid");
        (built.stall_yield(), warnings)
    };
    assert_eq!(
        yields(" nopreempt\n timer_expired_backup\n"),
        (Some(Priority::new(254)), vec![])
    );
    assert_eq!(
        yields(" nopreempt\n timer_expired_backup 120\n").0,
        Some(Priority::new(120))
    );
    let (old, warnings) = yields(" nopreempt\n thread_timer_expired 120\n");
    assert_eq!(old, Some(Priority::new(120)));
    assert!(warnings[0].contains("old name"), "{warnings:?}");
    let (preempting, warnings) = yields(" timer_expired_backup\n");
    assert_eq!(preempting, None);
    assert!(warnings[0].contains("without `nopreempt`"), "{warnings:?}");
    let found = errors(&text(" nopreempt\n timer_expired_backup 255\n"));
    assert!(found[0].contains("1 to 254"), "{found:?}");
}

#[test]
fn track_group_links_the_static_entries_that_name_it_to_its_member_instances() {
    let text = format!(
        "track_group G {{\n group {{\n  A\n  GONE\n }}\n}}\n\
         static_ipaddress {{\n 203.0.113.5/24 dev t0 track_group G\n 203.0.113.6/24 dev t0\n}}\n\
         static_routes {{\n 198.51.100.0/24 via 203.0.113.1 dev t0 track_group G\n}}\n\
         static_rules {{\n from 198.51.100.0/24 table 100 track_group NOPE\n to 198.51.100.9 table 100 track_group G\n}}\n\
         {INSTANCE_HEAD} virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n"
    );
    let (config, warnings) = read_with_warnings(&text);
    let group = &config.track_groups[0];
    assert_eq!(group.name, "G");
    assert_eq!(group.members, ["A"]);
    assert_eq!(
        (&group.addresses[..], &group.routes[..], &group.rules[..]),
        (&[0][..], &[0][..], &[1][..])
    );
    assert_eq!(config.static_addresses.len(), 2);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("`GONE` is no vrrp_instance")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("track_group NOPE is not defined")),
        "{warnings:?}"
    );
    // In a virtual route keepalived leaves the line out; a second one on a line is refused.
    let virtual_route = format!(
        "{INSTANCE_HEAD} virtual_ipaddress {{\n  192.0.2.1\n }}\n virtual_routes {{\n  198.51.100.0/24 via 192.0.2.9 track_group G\n }}\n}}\n"
    );
    let (config, warnings) = read_with_warnings(&virtual_route);
    assert!(config.instances[0].routes.is_empty());
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("for static routes and rules only")),
        "{warnings:?}"
    );
    let twice = "track_group G {\n group {\n  A\n }\n}\nstatic_routes {\n 198.51.100.0/24 dev t0 track_group G track_group G\n}\n";
    assert!(
        errors(twice)[0].contains("names one track_group"),
        "{:?}",
        errors(twice)
    );
}

#[test]
fn old_unicast_checksum_sends_the_legacy_form_never_stops_learning_it_and_a_bad_mode_is_warned() {
    use vrrp::keepalived::OldUnicastChecksum;
    use vrrp::packet::{ChecksumAcceptance, ChecksumForm};
    let source = ip("192.0.2.10");
    let read = |line: &str| {
        let text = format!(
            "{INSTANCE_HEAD} version 3\n{line}\n unicast_peer {{\n  192.0.2.2 min_ttl 255\n }}\n virtual_ipaddress {{\n  192.0.2.1\n }}\n}}\n"
        );
        let (config, warnings) = read_with_warnings(&text);
        let instance = config.instances[0].clone();
        let built = instance.config(2, source).expect("valid");
        (instance.old_unicast_checksum, built, warnings)
    };
    // keepalived's default: the standard form, learning the old one from a peer that sends it.
    let (mode, config, warnings) = read("");
    assert_eq!(mode, OldUnicastChecksum::Detect);
    assert_eq!(config.checksum_form(), ChecksumForm::PseudoHeader);
    assert_eq!(
        config.checksum_acceptance(),
        ChecksumAcceptance::LearnLegacyUnicast
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    let (mode, config, _) = read(" old_unicast_checksum");
    assert_eq!(mode, OldUnicastChecksum::Always);
    assert_eq!(config.checksum_form(), ChecksumForm::LegacyUnicast);
    let (mode, config, _) = read(" old_unicast_checksum never");
    assert_eq!(mode, OldUnicastChecksum::Never);
    assert_eq!(config.checksum_form(), ChecksumForm::PseudoHeader);
    assert_eq!(config.checksum_acceptance(), ChecksumAcceptance::Either);
    let (mode, _, warnings) = read(" old_unicast_checksum sometimes");
    assert_eq!(mode, OldUnicastChecksum::Detect);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("old_unicast_checksum sometimes")),
        "{warnings:?}"
    );
    // v3_checksum_as_v2 decides the form sent.
    let (_, config, _) = read(" old_unicast_checksum\n v3_checksum_as_v2");
    assert_eq!(config.checksum_form(), ChecksumForm::MessageOnly);
}

#[test]
fn address_line_options_read_typed_and_an_address_elsewhere_is_tracked_unless_no_track() {
    let text = format!(
        "{INSTANCE_HEAD} version 3\n virtual_ipaddress {{\n  192.0.2.1/24 noprefixroute preferred_lft 0\n  \
         192.0.2.2 dev eth1 use_vmac\n  192.0.2.3 dev eth2 no_track home autojoin\n  \
         192.0.2.4 dev eth1 preferred_lft forever\n }}\n virtual_ipaddress_excluded {{\n  \
         2001:db8::1/64 mngtmpaddr -nodad dev eth3\n }}\n}}\n"
    );
    let (config, warnings) = read_with_warnings(&text);
    let instance = &config.instances[0];
    let vips = &instance.addresses;
    assert!(vips[0].options.no_prefix_route);
    assert_eq!(vips[0].options.preferred_lifetime, Some(Duration::ZERO));
    assert!(vips[1].use_vmac && !vips[1].no_track);
    assert!(vips[2].no_track && vips[2].options.home && vips[2].options.auto_join);
    assert_eq!(vips[3].options.preferred_lifetime, None);
    let excluded = &instance.excluded_addresses[0];
    assert!(excluded.options.manage_temporary);
    assert!(
        warnings.iter().any(|w| w.contains("`-nodad`")),
        "{warnings:?}"
    );
    // keepalived goes to Fault when an address's interface goes down, unless no_track: eth1
    // (once) and eth3 are tracked, eth2 is not, and eth0 is the instance's own.
    let tracked: Vec<&str> = (instance.track_interfaces.iter())
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(tracked, ["eth1", "eth3"]);
    assert!(instance.track_interfaces.iter().all(|t| t.weight.is_none()));

    // A peer is refused with what to do instead; use_vmac is for VRRP addresses only.
    let peer = errors(&format!(
        "{INSTANCE_HEAD} virtual_ipaddress {{\n  192.0.2.1 peer 192.0.2.9\n }}\n}}\n"
    ));
    assert!(peer[0].contains("`peer` is not supported"), "{peer:?}");
    let static_vmac = errors("static_ipaddress {\n 192.0.2.1 dev eth0 use_vmac\n}\n");
    assert!(static_vmac[0].contains("use_vmac"), "{static_vmac:?}");
    let bad = errors(&format!(
        "{INSTANCE_HEAD} virtual_ipaddress {{\n  192.0.2.1 preferred_lft soon\n }}\n}}\n"
    ));
    assert!(bad[0].contains("seconds, or forever"), "{bad:?}");
}
