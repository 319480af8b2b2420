//! The interfaces the routers were configured on, known by name as well as by index: an interface
//! deleted and created again under the same name has a new index, which the driver translates
//! back to the one its routers were configured with, so the routers (and their keys, which an
//! embedder holds) stay the same.

use std::collections::HashMap;

/// An interface the routers were configured on.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Binding {
    /// Its name now.
    name: String,
    /// Its index now.
    current: u32,
}

/// What a link change means for the bound interfaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Seen {
    /// Not an interface routers run on.
    Unbound,
    /// A bound interface, under the index it had; renamed, perhaps.
    Bound {
        /// The index its routers were configured with.
        configured: u32,
    },
    /// A bound interface created again under its name, with a new index.
    Recreated {
        /// The index its routers were configured with.
        configured: u32,
    },
}

/// The bound interfaces, by the index their routers were configured with.
#[derive(Debug, Default)]
pub(crate) struct Bindings {
    by_configured: HashMap<u32, Binding>,
    /// The configured index of each interface whose index changed, by its index now.
    moved: HashMap<u32, u32>,
}

impl Bindings {
    /// Binds configured interface `index`, called `name`, unless it is bound already.
    pub(crate) fn bind(&mut self, index: u32, name: &str) {
        self.by_configured.entry(index).or_insert_with(|| Binding {
            name: name.to_string(),
            current: index,
        });
    }

    /// The index the routers know interface `index` (an index now) by.
    pub(crate) fn configured(&self, index: u32) -> u32 {
        self.moved.get(&index).copied().unwrap_or(index)
    }

    /// The index configured interface `configured` has now.
    pub(crate) fn current(&self, configured: u32) -> u32 {
        self.by_configured
            .get(&configured)
            .map_or(configured, |binding| binding.current)
    }

    /// Notes that interface `index` is called `name` now, and says what that means: a rename
    /// of a bound interface is followed; a bound name under a new index is a re-created interface,
    /// which from now on stands for the configured one.
    pub(crate) fn saw(&mut self, index: u32, name: &str) -> Seen {
        let configured = self.configured(index);
        if let Some(binding) = self.by_configured.get_mut(&configured)
            && binding.current == index
        {
            if binding.name != name {
                binding.name = name.to_string();
            }
            return Seen::Bound { configured };
        }
        let Some((&configured, binding)) = self
            .by_configured
            .iter_mut()
            .find(|(_, binding)| binding.name == name)
        else {
            return Seen::Unbound;
        };
        let previous = std::mem::replace(&mut binding.current, index);
        self.moved.remove(&previous);
        if index != configured {
            self.moved.insert(index, configured);
        }
        Seen::Recreated { configured }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_re_created_interface_stands_for_the_configured_one_and_a_rename_is_followed() {
        let mut bindings = Bindings::default();
        bindings.bind(3, "eth0");
        assert_eq!(bindings.saw(3, "eth0"), Seen::Bound { configured: 3 });
        assert_eq!(bindings.saw(9, "eth1"), Seen::Unbound);
        assert_eq!(bindings.saw(7, "eth0"), Seen::Recreated { configured: 3 });
        assert_eq!((bindings.configured(7), bindings.current(3)), (3, 7));
        // Renamed under its new index: still the same interface.
        assert_eq!(bindings.saw(7, "lan0"), Seen::Bound { configured: 3 });
        // The old name now belongs to someone else's interface.
        assert_eq!(bindings.saw(8, "eth0"), Seen::Unbound);
        // Created again under its new name.
        assert_eq!(bindings.saw(11, "lan0"), Seen::Recreated { configured: 3 });
        assert_eq!((bindings.configured(11), bindings.configured(7)), (3, 7));
    }
}
