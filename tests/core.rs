//! The core in simulated time: the wire format, the state machine of one virtual router and of
//! many, the simulated LAN, and the RFC checklist those tests name (tests/README.md).

/// The support shared with the other test binaries (tests/common/), the parts these tests use.
mod common {
    pub mod adverts;
    pub mod checksum;
    pub mod pcap;
    pub mod sim;
}

#[cfg(feature = "auth-hmac")]
mod auth_hmac;
mod captures;
mod conformance;
#[cfg(feature = "fuzzing")]
mod fuzz_corpus;
mod packet_properties;
mod rfc9568;
mod rfc_packet;
mod rfc_router;
mod router_advertisements;
mod routers;
mod sim_properties;
mod stalls;
mod step_down;
mod unicast;

/// With `autotests = false`, a file in `tests/` runs only if a binary's root declares it: one
/// that none declares would never compile nor run, silently.
#[test]
fn every_file_in_tests_is_a_module_of_a_test_binary() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let roots = ["core", "host", "system", "allocations"];
    let declared: String = roots
        .iter()
        .map(|root| std::fs::read_to_string(dir.join(format!("{root}.rs"))).expect("a root"))
        .collect();
    let declares = |name: &str| {
        declared.lines().any(|line| {
            line.trim() == format!("mod {name};") || line.trim() == format!("pub mod {name};")
        })
    };
    let mut missing = Vec::new();
    for folder in ["", "common"] {
        for entry in std::fs::read_dir(dir.join(folder)).expect("tests/") {
            let path = entry.expect("an entry").path();
            let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            let is_rust = path.extension().is_some_and(|e| e == "rs");
            if is_rust && !roots.contains(&name) && !declares(name) {
                missing.push(path.display().to_string());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "declare these in a root of tests/ (tests/README.md): {missing:?}"
    );
}
