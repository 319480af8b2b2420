//! Reads an instance's `auth_hmac` block (keepalived 2.4):
//!
//! ```text
//! auth_hmac {
//!     key 1 hex:000102...1f            # or an ASCII key, or file:PATH holding either
//!     key 2 file:${_ENV CREDENTIALS_DIRECTORY}/vrrp51
//!     active_key 1
//!     anti_replay time                 # or monotonic
//!     time_window 5                    # seconds, 1 to 300
//!     mode enforce                     # or permissive, receive-only
//! }
//! ```
//!
//! Key files are read here, so that `vrrpd check` finds a missing or unreadable one, and a key
//! file that others than its owner may read is warned about. Keys are never written into an error
//! or a warning.

use std::path::Path;

use super::Reader;
use crate::keepalived::error::{ErrorKind, Location, ParseError};
use crate::keepalived::syntax::Statement;
use crate::{AntiReplay, HmacAuth, HmacAuthError, HmacKey, HmacMode};

/// The keywords of an `auth_hmac` block.
pub(super) const AUTH_HMAC: &[&str] = &["key", "active_key", "anti_replay", "time_window", "mode"];

/// The longest key file read: `hex:`, 64 bytes in hex, a line ending and some slack.
const MAX_KEY_FILE: u64 = 4 + 2 * 64 + 16;

impl Reader {
    /// An `auth_hmac` block; `strict` forces enforce mode, as keepalived does under `vrrp_strict`.
    pub(super) fn auth_hmac(&mut self, statement: &Statement, strict: bool) -> Option<HmacAuth> {
        let block = self.block(statement)?;
        let before = self.errors.len();
        let mut keys = Vec::new();
        let mut active = None;
        let mut mode = None;
        let mut anti_replay = AntiReplay::Time;
        let mut window = None;
        for s in block {
            match s.keyword.text.as_str() {
                "key" => keys.extend(self.hmac_key(s)),
                "active_key" => active = self.integer::<u8>(s, 1..=255),
                "time_window" => {
                    let (min, max) = (HmacAuth::MIN_TIME_WINDOW, HmacAuth::MAX_TIME_WINDOW);
                    window = self.integer::<u16>(s, min.into()..=max.into());
                }
                "anti_replay" => match self.value(s, "time or monotonic") {
                    Some(v) if v.text == "time" => anti_replay = AntiReplay::Time,
                    Some(v) if v.text == "monotonic" => anti_replay = AntiReplay::Monotonic,
                    Some(v) => self.bad(s, v, "time or monotonic"),
                    None => {}
                },
                "mode" => {
                    let expected = "enforce, permissive or receive-only";
                    mode = match self.value(s, expected) {
                        Some(v) if v.text == "enforce" => Some((HmacMode::Enforce, v)),
                        Some(v) if v.text == "permissive" => Some((HmacMode::Permissive, v)),
                        Some(v) if v.text == "receive-only" => Some((HmacMode::ReceiveOnly, v)),
                        Some(v) => {
                            self.bad(s, v, expected);
                            None
                        }
                        None => None,
                    }
                }
                _ => self.unknown(&s.keyword, "auth_hmac", AUTH_HMAC),
            }
        }
        if self.errors.len() > before {
            return None;
        }
        let Some(active) = active else {
            // keepalived then runs without authentication, which a router meant to be protected
            // must not do silently.
            self.required(statement, "auth_hmac".into(), "active_key");
            return None;
        };
        let mut mode = mode.map_or(HmacMode::Enforce, |(mode, at)| {
            if strict && mode != HmacMode::Enforce {
                self.warn(
                    &at.location,
                    format!(
                        "`mode {}`: vrrp_strict requires enforce, which is used (as keepalived does)",
                        mode.as_str()
                    ),
                );
            }
            mode
        });
        if strict {
            mode = HmacMode::Enforce;
        }
        let mut builder = HmacAuth::builder(active)
            .mode(mode)
            .anti_replay(anti_replay);
        if let Some(window) = window {
            builder = builder.time_window(window);
        }
        for key in keys {
            builder = builder.key(key);
        }
        match builder.build() {
            Ok(auth) => Some(auth),
            Err(error) => {
                let why = match error {
                    HmacAuthError::ActiveKeyUndefined(_) => {
                        format!("{error} (keepalived would run without authentication instead)")
                    }
                    _ => error.to_string(),
                };
                self.fail(&statement.keyword, ErrorKind::Invalid(why));
                None
            }
        }
    }

    /// `key ID VALUE`, VALUE being `hex:DIGITS`, `file:PATH` or the key's ASCII text.
    fn hmac_key(&mut self, s: &Statement) -> Option<HmacKey> {
        self.no_block(s)?;
        let expected = "a key id (1 to 255) and a key: hex:DIGITS, file:PATH or ASCII text";
        let [id, value @ ..] = s.args.as_slice() else {
            self.missing_value(&s.keyword, expected);
            return None;
        };
        let first = match value {
            [] => {
                self.missing_value(&s.keyword, expected);
                return None;
            }
            // keepalived reads the first word and ignores the rest: a key written with a space
            // would differ between the two, so it is refused.
            [_, extra, ..] => {
                self.extra_value(s, extra);
                return None;
            }
            [first] => first,
        };
        let Some(id) = id.text.parse::<u8>().ok().filter(|&id| id != 0) else {
            self.bad(s, id, "a key id from 1 to 255");
            return None;
        };
        let at = &first.location;
        let text = match expand_env(&first.text) {
            Ok(text) => text,
            Err(why) => {
                self.fail(first, ErrorKind::Invalid(why));
                return None;
            }
        };
        let bytes = match text.strip_prefix("file:") {
            Some(path) => self.key_file(at, Path::new(path))?,
            None => text.into_bytes(),
        };
        let bytes = match decode_key(&bytes) {
            Ok(bytes) => bytes,
            Err(why) => {
                self.fail(first, ErrorKind::Invalid(format!("key {id}: {why}")));
                return None;
            }
        };
        match HmacKey::new(id, &bytes) {
            Ok(key) => Some(key),
            Err(error) => {
                self.fail(first, ErrorKind::Invalid(format!("key {id}: {error}")));
                None
            }
        }
    }

    /// The contents of a key file without its trailing line ending, read through one handle and
    /// at most a key's length (a FIFO or a device is refused); warns when others than its owner
    /// may read it.
    fn key_file(&mut self, at: &Location, path: &Path) -> Option<Vec<u8>> {
        use std::io::Read as _;

        let shown = path.display().to_string();
        let fail = |reader: &mut Self, kind: ErrorKind| {
            reader.errors.push(ParseError::new(at.clone(), kind));
            None
        };
        let io = |error: std::io::Error| ErrorKind::Io {
            path: shown.clone(),
            error: error.to_string(),
        };
        let file = match std::fs::File::open(path) {
            Ok(file) => file,
            Err(error) => return fail(self, io(error)),
        };
        let metadata = match file.metadata() {
            Ok(metadata) => metadata,
            Err(error) => return fail(self, io(error)),
        };
        if !metadata.is_file() {
            let why = format!("key file {shown} is not a regular file");
            return fail(self, ErrorKind::Invalid(why));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = metadata.permissions().mode();
            if mode & 0o077 != 0 {
                self.warn(
                    at,
                    format!(
                        "key file {shown} may be read by group or others (mode {:o}); make it \
                         0600 and owned by root",
                        mode & 0o777
                    ),
                );
            }
        }
        let mut bytes = Vec::new();
        if let Err(error) = file.take(MAX_KEY_FILE + 1).read_to_end(&mut bytes) {
            return fail(self, io(error));
        }
        if bytes.len() as u64 > MAX_KEY_FILE {
            let why = format!("key file {shown} is larger than a key");
            return fail(self, ErrorKind::Invalid(why));
        }
        while bytes.last().is_some_and(|&b| b == b'\n' || b == b'\r') {
            bytes.pop();
        }
        Some(bytes)
    }
}

/// Replaces each `${_ENV NAME}` in `text` by the environment variable NAME, as keepalived does. An
/// unset variable is an error, not an empty string: `file:${_ENV CREDENTIALS_DIRECTORY}/key` outside
/// systemd would otherwise read `/key`. Errors never repeat the text, which may be a key.
pub(super) fn expand_env(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            return Err("`${` without its closing `}`".into());
        };
        let inner = rest[start + 2..start + end].trim();
        let Some(name) = inner
            .strip_prefix("_ENV ")
            .map(str::trim)
            .filter(|n| !n.is_empty())
        else {
            return Err("only `${_ENV NAME}` is expanded in a key".into());
        };
        match std::env::var(name) {
            Ok(value) => out.push_str(&value),
            Err(_) => {
                return Err(format!(
                    "environment variable {name} is not set{}",
                    if name == "CREDENTIALS_DIRECTORY" {
                        " (systemd sets it for a unit with LoadCredential=)"
                    } else {
                        ""
                    }
                ));
            }
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A key as written inline or in a file: `hex:` then hex digits, or the ASCII text itself. As in
/// keepalived, spaces separate bytes and a digit standing alone before a space is a byte of its
/// own (`hex:a bc` is 0a bc).
pub(super) fn decode_key(written: &[u8]) -> Result<Vec<u8>, String> {
    let Some(hex) = written.strip_prefix(b"hex:") else {
        return Ok(written.to_vec());
    };
    let digit = |c: u8| {
        (c as char)
            .to_digit(16)
            .map(|d| d as u8)
            .ok_or_else(|| "a hex: key has a character that is not a hex digit".to_string())
    };
    let mut bytes = Vec::with_capacity(hex.len() / 2);
    let mut i = 0;
    while i < hex.len() {
        if matches!(hex[i], b' ' | b'\t') {
            i += 1;
            continue;
        }
        let mut byte = digit(hex[i])?;
        i += 1;
        if let Some(&next) = hex.get(i).filter(|&&c| !matches!(c, b' ' | b'\t')) {
            byte = (byte << 4) | digit(next)?;
            i += 1;
        }
        bytes.push(byte);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_keys_decode_and_ascii_keys_stay_as_written() {
        assert_eq!(decode_key(b"hex:00ff 10"), Ok(vec![0, 255, 16]));
        assert_eq!(decode_key(b"hex:a bc d"), Ok(vec![0x0a, 0xbc, 0x0d]));
        assert!(decode_key(b"hex:zz").is_err());
        assert_eq!(decode_key(b"secret"), Ok(b"secret".to_vec()));
    }

    #[test]
    fn only_env_is_expanded_and_an_unset_variable_is_an_error() {
        // PATH is set wherever tests run.
        let path = std::env::var("PATH").unwrap();
        assert_eq!(expand_env("a${_ENV PATH}b"), Ok(format!("a{path}b")));
        assert!(expand_env("${_ENV VRRP_SURELY_UNSET_VARIABLE}").is_err());
        assert!(expand_env("${_RANDOM}").is_err());
        assert!(expand_env("${_ENV PATH").is_err());
        assert_eq!(expand_env("plain"), Ok("plain".into()));
    }
}
