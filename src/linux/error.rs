//! What the Linux layer reports through the portable errors: [`PlatformError`], boxed in
//! [`DriverError::Platform`] and [`StartError::Platform`].

use crate::host::DriverError;
use crate::linux::{Capability, NetlinkError, SocketError};
use crate::track::StartError;

/// Why the Linux layer failed, inside [`DriverError::Platform`] or [`StartError::Platform`]
/// (read it with [`DriverError::platform`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlatformError {
    /// The process lacks a capability.
    #[error("{} is missing: it is needed to {needed_for}; run as root or grant it (setcap {}=ep)", capability.name(), capability.name().to_lowercase())]
    MissingCapability {
        /// The capability.
        capability: Capability,
        /// What needs it.
        needed_for: &'static str,
    },
    /// A raw socket failed.
    #[error(transparent)]
    Socket(#[from] SocketError),
    /// A netlink request failed.
    #[error(transparent)]
    Netlink(#[from] NetlinkError),
}

impl From<PlatformError> for DriverError {
    fn from(error: PlatformError) -> Self {
        Self::Platform(Box::new(error))
    }
}

impl From<SocketError> for DriverError {
    fn from(error: SocketError) -> Self {
        PlatformError::from(error).into()
    }
}

impl From<NetlinkError> for DriverError {
    fn from(error: NetlinkError) -> Self {
        PlatformError::from(error).into()
    }
}

impl From<PlatformError> for StartError {
    fn from(error: PlatformError) -> Self {
        Self::Platform(Box::new(error))
    }
}

impl From<NetlinkError> for StartError {
    fn from(error: NetlinkError) -> Self {
        PlatformError::from(error).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_platform_error_reads_back_from_the_portable_one_with_its_message() {
        let error = DriverError::from(PlatformError::MissingCapability {
            capability: Capability::NetRaw,
            needed_for: "open raw VRRP sockets",
        });
        assert_eq!(
            error.to_string(),
            "CAP_NET_RAW is missing: it is needed to open raw VRRP sockets; run as root or grant \
             it (setcap cap_net_raw=ep)"
        );
        assert!(matches!(
            error.platform::<PlatformError>(),
            Some(PlatformError::MissingCapability {
                capability: Capability::NetRaw,
                ..
            })
        ));
        assert!(error.platform::<std::io::Error>().is_none());
        assert!(
            DriverError::UnknownInterface(9)
                .platform::<PlatformError>()
                .is_none()
        );
    }
}
