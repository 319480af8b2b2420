//! Interface names by index, read once: for event lines and reports that name interfaces.

use std::collections::HashMap;

use crate::linux::{Netlink, NetlinkError};

/// The host's interface names by index, as they were when read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InterfaceNames(HashMap<u32, String>);

impl InterfaceNames {
    /// The interfaces there are now.
    pub fn read(netlink: &mut Netlink) -> Result<Self, NetlinkError> {
        let all = netlink.interfaces()?;
        Ok(Self(all.into_iter().map(|i| (i.index, i.name)).collect()))
    }

    /// The name of interface `index`, or the index itself for one not known.
    pub fn name(&self, index: u32) -> String {
        self.0
            .get(&index)
            .cloned()
            .unwrap_or_else(|| index.to_string())
    }

    /// Every interface read, name by index.
    pub fn as_map(&self) -> &HashMap<u32, String> {
        &self.0
    }
}
