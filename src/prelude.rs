//! What a program that runs virtual routers on a host needs, in one import:
//!
//! ```
//! use vrrp::prelude::*;
//!
//! let config = Config::builder(2, Vrid::new(51).unwrap(), [192, 0, 2, 1].into())
//!     .address([192, 0, 2, 100].into())
//!     .accept(true)
//!     .build()?;
//! let instance = Instance::new(config);
//! assert_eq!(instance.key().family, AddressFamily::Ipv4);
//! # Ok::<(), ConfigError>(())
//! ```
//!
//! The protocol's configuration and states (from the crate root), the host layer's instance,
//! events, handle and errors ([`host`](crate::host)), and on Linux the driver and the interface
//! lookup (`linux`, with feature `linux`). Everything else stays where it is.

pub use crate::host::{
    CommandError, DriverError, DriverHandle, Event, Instance, Reconfiguration, ReconfigureError,
    VirtualAddress,
};
#[cfg(all(feature = "linux", target_os = "linux"))]
pub use crate::linux::{Driver, Netlink, interface_source};
pub use crate::{
    AddressFamily, Announcements, Config, ConfigBuilder, ConfigError, Priority, Reason, RouterKey,
    State, Vrid,
};
