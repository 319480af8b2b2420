//! tshark as an independent decoder: frames written to a pcap, fields read back.

use std::process::Command;

use crate::common::pcap;

/// Decodes `frames` with tshark (preferences `prefs`, each `name:value`) and returns, per frame, the
/// `fields` joined by `|` (several values of one field joined by `,`).
pub fn decode(name: &str, frames: &[Vec<u8>], prefs: &[&str], fields: &[&str]) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("vrrp-tshark-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let path = dir.join("frames.pcap");
    write_frames(&path, frames);

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

/// tshark listening on a namespace's `eth0` in the background, printing the `fields` of each
/// packet tab-separated, one line per packet.
pub struct Capture(std::process::Child);

impl Capture {
    /// Listens on `netns`'s eth0 for `seconds` to packets matching the capture filter `filter`
    /// and, if given, the display filter `display`; returns half a second after tshark says it is
    /// capturing.
    pub fn start(
        netns: &super::netns::Netns,
        seconds: u32,
        filter: &str,
        display: Option<&str>,
        fields: &[&str],
    ) -> Self {
        use std::io::{BufRead, BufReader};
        let mut command = Command::new("ip");
        command.args(["netns", "exec", &netns.name, "tshark", "-n", "-i", "eth0"]);
        command.args(["-a", &format!("duration:{seconds}"), "-f", filter]);
        if let Some(display) = display {
            command.args(["-Y", display]);
        }
        command.args(["-T", "fields"]);
        for field in fields {
            command.args(["-e", field]);
        }
        let mut child = command
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("running tshark");
        // tshark says "Capturing on 'eth0'" once the capture runs; until then packets are lost.
        let stderr = child.stderr.take().expect("piped");
        let (started, capturing) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("Capturing on") {
                    let _ = started.send(());
                }
            }
        });
        capturing
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("tshark started capturing");
        // The line comes a moment before the first packet can be caught.
        std::thread::sleep(std::time::Duration::from_millis(500));
        Self(child)
    }

    /// What it printed, once its time is up.
    pub fn finish(self) -> String {
        let output = self.0.wait_with_output().expect("tshark ran");
        assert!(output.status.success(), "tshark failed");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

/// Writes `frames` as a pcap file, one millisecond apart.
pub fn write_frames(path: &std::path::Path, frames: &[Vec<u8>]) {
    let mut out = Vec::new();
    for word in [
        pcap::MAGIC_MICROS,
        0x0004_0002,
        0,
        0,
        65535,
        pcap::LINKTYPE_ETHERNET,
    ] {
        // Version 2.4 is the two 16-bit halves of the second word.
        out.extend_from_slice(&word.to_le_bytes());
    }
    for (i, frame) in frames.iter().enumerate() {
        let len = u32::try_from(frame.len()).expect("frames are small");
        let micros = u32::try_from(i * 1000).expect("few frames");
        for word in [0, micros, len, len] {
            out.extend_from_slice(&word.to_le_bytes());
        }
        out.extend_from_slice(frame);
    }
    std::fs::write(path, out).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}
