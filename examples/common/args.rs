//! Command-line values shared by the examples: numbers, addresses, prefixes and durations, each
//! checked with the flag named in the error.

use std::net::IpAddr;
use std::time::Duration;

/// A bad argument: its name and what is wrong.
pub struct ArgError(pub String);

/// The value that follows `flag` on the command line.
pub fn value_after(
    flag: &str,
    args: &mut impl Iterator<Item = String>,
) -> Result<String, ArgError> {
    args.next()
        .ok_or_else(|| ArgError(format!("{flag} needs a value")))
}

/// A number from 0 to 255.
pub fn number(flag: &str, text: &str) -> Result<u8, ArgError> {
    text.parse()
        .map_err(|_| ArgError(format!("{flag}: {text:?} is not a number from 0 to 255")))
}

/// An IP address.
pub fn address(flag: &str, text: &str) -> Result<IpAddr, ArgError> {
    text.parse()
        .map_err(|_| ArgError(format!("{flag}: {text:?} is not an IP address")))
}

/// `ADDR/LEN`, or `ADDR` for a host prefix.
pub fn prefix(flag: &str, text: &str) -> Result<(IpAddr, u8), ArgError> {
    let (addr, len) = text.split_once('/').unwrap_or((text, ""));
    let addr = address(flag, addr)?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len = if len.is_empty() {
        max
    } else {
        len.parse()
            .ok()
            .filter(|&l| l <= max)
            .ok_or_else(|| ArgError(format!("{flag}: {text:?} has an invalid prefix length")))?
    };
    Ok((addr, len))
}

/// `1s`, `1.5s`, `100ms`, `30ms`.
pub fn duration(flag: &str, text: &str) -> Result<Duration, ArgError> {
    let bad = || {
        ArgError(format!(
            "{flag}: {text:?} is not a duration like 1s or 100ms"
        ))
    };
    if let Some(ms) = text.strip_suffix("ms") {
        return ms.parse().map(Duration::from_millis).map_err(|_| bad());
    }
    let secs: f64 = text
        .strip_suffix('s')
        .ok_or_else(bad)?
        .parse()
        .map_err(|_| bad())?;
    Duration::try_from_secs_f64(secs).map_err(|_| bad())
}

/// `DIGITS`, an even number of hex digits, as bytes (an HMAC key's).
#[allow(dead_code)] // not every example reads a key
pub fn hex_bytes(flag: &str, text: &str) -> Result<Vec<u8>, ArgError> {
    if !text.len().is_multiple_of(2) {
        return Err(ArgError(format!("{flag}: an odd number of hex digits")));
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .filter(|pair| pair.bytes().all(|b| b.is_ascii_hexdigit()))
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| ArgError(format!("{flag}: a character that is not a hex digit")))
}
