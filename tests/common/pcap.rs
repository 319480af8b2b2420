//! The classic pcap file format (24-byte file header, 16-byte record headers, Ethernet frames).

use std::path::Path;
use std::time::Duration;

const MAGIC_MICROS: u32 = 0xa1b2_c3d4;
const LINKTYPE_ETHERNET: u32 = 1;

/// The Ethernet frames of a little-endian pcap file.
pub fn read_frames(path: &Path) -> Vec<Vec<u8>> {
    read_records(path)
        .into_iter()
        .map(|(_, frame)| frame)
        .collect()
}

/// The Ethernet frames of a little-endian pcap file, each with its capture time since the Unix
/// epoch.
pub fn read_records(path: &Path) -> Vec<(Duration, Vec<u8>)> {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let word = |at: usize| u32::from_le_bytes(data[at..at + 4].try_into().expect("4 bytes"));
    assert_eq!(
        word(0),
        MAGIC_MICROS,
        "{}: not a little-endian pcap",
        path.display()
    );
    assert_eq!(
        word(20),
        LINKTYPE_ETHERNET,
        "{}: not Ethernet",
        path.display()
    );
    let mut frames = Vec::new();
    let mut at = 24;
    while at < data.len() {
        let captured = word(at + 8) as usize;
        let start = at + 16;
        let at_time =
            Duration::from_secs(word(at).into()) + Duration::from_micros(word(at + 4).into());
        frames.push((at_time, data[start..start + captured].to_vec()));
        at = start + captured;
    }
    frames
}

/// Writes `frames` as a pcap file, one millisecond apart.
pub fn write_frames(path: &Path, frames: &[Vec<u8>]) {
    let mut out = Vec::new();
    for word in [MAGIC_MICROS, 0x0004_0002, 0, 0, 65535, LINKTYPE_ETHERNET] {
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
