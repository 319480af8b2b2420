//! The classic pcap file format (24-byte file header, 16-byte record headers, Ethernet frames).

use std::path::Path;
use std::time::Duration;

pub const MAGIC_MICROS: u32 = 0xa1b2_c3d4;
pub const LINKTYPE_ETHERNET: u32 = 1;

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
