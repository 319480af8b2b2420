//! A shared HMAC key, kept out of logs and wiped when dropped.

use std::fmt;

use zeroize::Zeroizing;

/// One shared key of HMAC authentication, by id: what keepalived's `key ID VALUE` line holds.
///
/// Every router of a virtual router holds the same keys under the same ids. Its bytes never appear
/// in `Debug` output and are overwritten with zeros when it is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct HmacKey {
    id: u8,
    bytes: Zeroizing<Vec<u8>>,
}

/// A key that cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HmacKeyError {
    /// Key ids are 1 to 255.
    #[error("an HMAC key id is 1 to 255, not 0")]
    IdZero,
    /// Keys are 32 to 64 bytes: 32 keeps a 128-bit margin, 64 is SHA-256's block.
    #[error(
        "an HMAC key has 32 to 64 bytes, this one has {0} (generate one with `openssl rand -hex 32`)"
    )]
    Length(usize),
}

impl HmacKey {
    /// The smallest key, in bytes.
    pub const MIN_LEN: usize = 32;
    /// The largest key, in bytes.
    pub const MAX_LEN: usize = 64;

    /// Key `id` (1–255) of `bytes` (32–64 of them).
    pub fn new(id: u8, bytes: &[u8]) -> Result<Self, HmacKeyError> {
        if id == 0 {
            return Err(HmacKeyError::IdZero);
        }
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&bytes.len()) {
            return Err(HmacKeyError::Length(bytes.len()));
        }
        Ok(Self {
            id,
            bytes: Zeroizing::new(bytes.to_vec()),
        })
    }

    /// The key id, carried in each trailer.
    pub fn id(&self) -> u8 {
        self.id
    }

    /// The key's length in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Always false: a key has [`MIN_LEN`](Self::MIN_LEN) bytes at least.
    pub fn is_empty(&self) -> bool {
        false
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A secret in a log line is a leak; id and length are enough to debug a mismatch.
        write!(
            f,
            "HmacKey {{ id: {}, <{} bytes> }}",
            self.id,
            self.bytes.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_has_an_id_and_32_to_64_bytes() {
        assert_eq!(HmacKey::new(0, &[1; 32]), Err(HmacKeyError::IdZero));
        assert_eq!(HmacKey::new(1, &[1; 31]), Err(HmacKeyError::Length(31)));
        assert_eq!(HmacKey::new(1, &[1; 65]), Err(HmacKeyError::Length(65)));
        assert_eq!(
            HmacKey::new(9, &[1; 64]).map(|k| (k.id(), k.len())),
            Ok((9, 64))
        );
    }

    #[test]
    fn debug_output_hides_the_key() {
        let key = HmacKey::new(3, &[0xAB; 32]).unwrap();
        let shown = format!("{key:?}");
        assert_eq!(shown, "HmacKey { id: 3, <32 bytes> }");
        assert!(!shown.contains("171") && !shown.to_lowercase().contains("ab,"));
    }
}
