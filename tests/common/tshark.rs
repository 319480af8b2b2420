//! tshark as an independent decoder: frames written to a pcap, fields read back.

use std::process::Command;

use super::pcap;

/// Decodes `frames` with tshark (preferences `prefs`, each `name:value`) and returns, per frame, the
/// `fields` joined by `|` (several values of one field joined by `,`).
pub fn decode(name: &str, frames: &[Vec<u8>], prefs: &[&str], fields: &[&str]) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("vrrp-tshark-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let path = dir.join("frames.pcap");
    pcap::write_frames(&path, frames);

    let mut command = Command::new("tshark");
    command.args(["-n", "-r"]).arg(&path);
    for pref in prefs {
        command.args(["-o", pref]);
    }
    command.args(["-T", "fields", "-E", "separator=|", "-E", "aggregator=,"]);
    for field in fields {
        command.args(["-e", field]);
    }
    let output = command.output().unwrap_or_else(|e| {
        panic!("running tshark failed ({e}): install it with `apt-get install tshark`")
    });
    std::fs::remove_dir_all(&dir).expect("removing the temporary directory");
    assert!(
        output.status.success(),
        "tshark: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("tshark prints UTF-8")
        .lines()
        .map(str::to_string)
        .collect()
}
