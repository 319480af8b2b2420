//! VRRPv2 authentication (RFC 3768 §5.3.6, and RFC 2338's simple password that keepalived still sends).

use std::fmt;

use super::RxError;

/// The VRRPv2 authentication a router sends and expects. VRRPv3 has no authentication field.
///
/// RFC 3768 only defines "no authentication"; the simple text password of RFC 2338 (type 1) is
/// supported because keepalived's `auth_type PASS` sends it, and so is RFC 2338's IP
/// Authentication Header (type 2), keepalived's `auth_type AH` (see
/// [`ipsec_ah`](crate::packet::ipsec_ah)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Authentication {
    /// Type 0: no authentication; the 8 authentication bytes are sent as zero and ignored on receipt.
    #[default]
    None,
    /// Type 1: a simple text password of up to 8 bytes, zero-padded, sent in clear.
    Password(Password),
    /// Type 2: the advert travels inside an IPsec Authentication Header whose HMAC-MD5-96 is keyed
    /// with this password; the 8 authentication bytes are zero. The key is never on the wire: a
    /// received advert of type 2 reads as `IpsecAh` with a zero key.
    IpsecAh(Password),
}

impl Authentication {
    /// The Auth Type octet for this method.
    pub const fn auth_type(&self) -> u8 {
        match self {
            Self::None => AUTH_TYPE_NONE,
            Self::Password(_) => AUTH_TYPE_PASSWORD,
            Self::IpsecAh(_) => AUTH_TYPE_AH,
        }
    }

    /// Checks a received advertisement's authentication against this configured one (RFC 3768 §7.1):
    /// the type must match ([`RxError::AuthTypeMismatch`]) and so must a password
    /// ([`RxError::AuthFailure`]).
    pub fn verify(&self, received: &Authentication) -> Result<(), RxError> {
        match (self, received) {
            // The Authentication Header itself is the router's to verify (it has the key).
            (Self::None, Self::None) | (Self::IpsecAh(_), Self::IpsecAh(_)) => Ok(()),
            (Self::Password(expected), Self::Password(got)) if expected == got => Ok(()),
            (Self::Password(_), Self::Password(_)) => Err(RxError::AuthFailure),
            _ => Err(RxError::AuthTypeMismatch {
                configured: self.auth_type(),
                received: received.auth_type(),
            }),
        }
    }

    /// The 8 Authentication Data bytes as sent.
    pub(crate) const fn data(&self) -> [u8; 8] {
        match self {
            Self::None | Self::IpsecAh(_) => [0; 8],
            Self::Password(password) => password.0,
        }
    }
}

pub(crate) const AUTH_TYPE_NONE: u8 = 0;
pub(crate) const AUTH_TYPE_PASSWORD: u8 = 1;
pub(crate) const AUTH_TYPE_AH: u8 = 2;

/// A VRRPv2 simple text password: up to 8 bytes, zero-padded on the wire.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Password([u8; 8]);

/// A password that cannot be sent in the 8-byte Authentication Data field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a VRRPv2 password has 1 to 8 bytes, this one has {0}")]
pub struct PasswordLengthError(pub usize);

impl Password {
    /// A password of 1 to 8 bytes. keepalived silently cuts longer ones to 8; this crate refuses them
    /// so that two routers never disagree about a password without saying so.
    pub fn new(password: &[u8]) -> Result<Self, PasswordLengthError> {
        if password.is_empty() || password.len() > 8 {
            return Err(PasswordLengthError(password.len()));
        }
        let mut bytes = [0; 8];
        bytes[..password.len()].copy_from_slice(password);
        Ok(Self(bytes))
    }

    /// A password exactly as received in the Authentication Data field, padding included.
    pub const fn from_wire(bytes: [u8; 8]) -> Self {
        Self(bytes)
    }

    /// The 8 bytes as sent, padding included.
    pub const fn as_wire(&self) -> &[u8; 8] {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A secret in a log line is a leak; its length is enough to debug a mismatch.
        let len = self.0.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        write!(f, "Password(<{len} bytes>)")
    }
}
