//! Replays the fuzz targets' seed corpus through the same invariants on stable Rust, so a regression
//! found by fuzzing and added to the corpus stays fixed.

use vrrp::fuzzing as invariants;

use std::path::PathBuf;

/// Runs `check` on every file of `fuzz/corpus/<target>` and returns how many parsed.
fn replay(target: &str, check: fn(&[u8]) -> bool) -> (usize, usize) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files = 0;
    let mut parsed = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        files += 1;
        parsed += usize::from(check(&data));
    }
    (files, parsed)
}

#[test]
fn advertisement_seeds_hold_the_invariants_and_the_captures_parse() {
    let (files, parsed) = replay("advertisement", invariants::advertisement);
    // The committed seeds (captures, the message-only form, IPv6) all parse; fuzzing may add more.
    assert!(parsed >= 17, "{parsed} of {files} parsed");
}

#[test]
fn ipv4_datagram_seeds_hold_the_invariants_and_the_captures_parse() {
    let (files, parsed) = replay("ipv4_datagram", invariants::ipv4_datagram);
    assert!(parsed >= 20, "{parsed} of {files} parsed");
}

#[test]
fn router_sequence_seeds_hold_the_invariants() {
    let (files, ran) = replay("router_sequence", invariants::router_sequence);
    assert!(ran >= 4, "{ran} of {files} ran");
}

#[test]
fn event_loop_seeds_hold_the_invariants() {
    let (files, ran) = replay("event_loop", invariants::event_loop);
    assert!(ran >= 4, "{ran} of {files} ran");
}

#[test]
fn keepalived_conf_seeds_hold_the_invariants_and_the_samples_parse() {
    let (files, parsed) = replay("keepalived_conf", invariants::keepalived_conf);
    // The samples and the include set all parse; fuzzing may add more.
    assert!(parsed >= 6, "{parsed} of {files} parsed");
}

#[cfg(feature = "auth-hmac")]
#[test]
fn auth_trailer_seeds_hold_the_invariants_and_the_drafts_images_verify() {
    let (files, accepted) = replay("auth_trailer", invariants::auth_trailer);
    // The draft's images in every mode, and the unsigned one where it is allowed.
    assert!(accepted >= 5, "{accepted} of {files} accepted");
}
