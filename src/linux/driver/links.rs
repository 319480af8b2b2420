//! The interfaces the routers were configured on, known by name as well as by index: an interface
//! deleted and created again under the same name has a new index, which the driver translates
//! back to the one its routers were configured with, so the routers (and their keys, which an
//! embedder holds) stay the same.
//!
//! Routers added later on the interface created again (a reload, which looks interfaces up by name)
//! are keyed by its new index: one interface then stands for several configured indexes, and what
//! happens to it goes to the routers of each.

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
        /// The indexes its routers were configured with.
        configured: Vec<u32>,
    },
    /// A bound interface created again under its name, with a new index.
    Recreated {
        /// The indexes its routers were configured with.
        configured: Vec<u32>,
        /// The index it had before.
        previous: u32,
    },
}

/// The bound interfaces, by the index their routers were configured with.
#[derive(Debug, Default)]
pub(crate) struct Bindings {
    by_configured: HashMap<u32, Binding>,
}

impl Bindings {
    /// Binds configured interface `index`, called `name`, unless it is bound already.
    pub(crate) fn bind(&mut self, index: u32, name: &str) {
        self.by_configured.entry(index).or_insert_with(|| Binding {
            name: name.to_string(),
            current: index,
        });
    }

    /// Forgets configured interface `configured`: no router is configured on it any more.
    pub(crate) fn unbind(&mut self, configured: u32) {
        self.by_configured.remove(&configured);
    }

    /// The configured indexes that are bound, for a caller that unbinds those no router uses.
    pub(crate) fn configured_indexes(&self) -> Vec<u32> {
        self.by_configured.keys().copied().collect()
    }

    /// Every index the routers know interface `index` (an index now) by: itself when it is not
    /// bound under another.
    pub(crate) fn all_configured(&self, index: u32) -> Vec<u32> {
        let mut all: Vec<u32> = (self.by_configured.iter())
            .filter(|(_, binding)| binding.current == index)
            .map(|(&configured, _)| configured)
            .collect();
        if all.is_empty() {
            all.push(index);
        }
        all.sort_unstable();
        all
    }

    /// The index the routers know interface `index` (an index now) by, for a packet: of those it
    /// stands for, the lowest that `serves` (one with a router for the packet's VRID), else the
    /// lowest, else `index` itself.
    /// Called for every received packet: no allocation, and `serves` is asked only when the
    /// interface stands for several.
    pub(crate) fn configured(&self, index: u32, serves: impl Fn(u32) -> bool) -> u32 {
        let mut bound = (self.by_configured.iter())
            .filter(|(_, binding)| binding.current == index)
            .map(|(&configured, _)| configured);
        let Some(first) = bound.next() else {
            return index;
        };
        let Some(second) = bound.next() else {
            return first;
        };
        let mut lowest = first.min(second);
        let mut lowest_serving: Option<u32> = None;
        for configured in [first, second].into_iter().chain(bound) {
            lowest = lowest.min(configured);
            if serves(configured) {
                lowest_serving = Some(lowest_serving.map_or(configured, |l| l.min(configured)));
            }
        }
        lowest_serving.unwrap_or(lowest)
    }

    /// The index configured interface `configured` has now.
    pub(crate) fn current(&self, configured: u32) -> u32 {
        self.by_configured
            .get(&configured)
            .map_or(configured, |binding| binding.current)
    }

    /// Notes that interface `index` is called `name` now, and says what that means: a rename
    /// of a bound interface is followed; a bound name under a new index is a re-created interface,
    /// which from now on stands for the configured ones.
    pub(crate) fn saw(&mut self, index: u32, name: &str) -> Seen {
        let mut bound = Vec::new();
        for (&configured, binding) in &mut self.by_configured {
            if binding.current == index {
                if binding.name != name {
                    binding.name = name.to_string();
                }
                bound.push(configured);
            }
        }
        if !bound.is_empty() {
            bound.sort_unstable();
            return Seen::Bound { configured: bound };
        }
        let mut recreated = Vec::new();
        let mut previous = index;
        for (&configured, binding) in &mut self.by_configured {
            if binding.name == name {
                previous = std::mem::replace(&mut binding.current, index);
                recreated.push(configured);
            }
        }
        if recreated.is_empty() {
            return Seen::Unbound;
        }
        recreated.sort_unstable();
        Seen::Recreated {
            configured: recreated,
            previous,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_re_created_interface_stands_for_the_configured_one_and_a_rename_is_followed() {
        let mut bindings = Bindings::default();
        bindings.bind(3, "eth0");
        let bound = |configured: &[u32]| Seen::Bound {
            configured: configured.to_vec(),
        };
        let recreated = |configured: &[u32], previous| Seen::Recreated {
            configured: configured.to_vec(),
            previous,
        };
        assert_eq!(bindings.saw(3, "eth0"), bound(&[3]));
        assert_eq!(bindings.saw(9, "eth1"), Seen::Unbound);
        assert_eq!(bindings.saw(7, "eth0"), recreated(&[3], 3));
        assert_eq!(
            (bindings.configured(7, |_| false), bindings.current(3)),
            (3, 7)
        );
        // Renamed under its new index: still the same interface.
        assert_eq!(bindings.saw(7, "lan0"), bound(&[3]));
        // The old name now belongs to someone else's interface.
        assert_eq!(bindings.saw(8, "eth0"), Seen::Unbound);
        // Created again under its new name.
        assert_eq!(bindings.saw(11, "lan0"), recreated(&[3], 7));
        assert_eq!(bindings.configured(11, |_| false), 3);
        assert_eq!(bindings.configured(7, |_| false), 7);
    }

    #[test]
    fn routers_added_on_the_re_created_interface_share_it_with_the_configured_ones() {
        let mut bindings = Bindings::default();
        bindings.bind(3, "eth0");
        assert!(matches!(bindings.saw(7, "eth0"), Seen::Recreated { .. }));
        // A reload adds routers keyed by the new index, and keeps some of the old ones.
        bindings.bind(7, "eth0");
        assert_eq!(bindings.all_configured(7), [3, 7]);
        assert_eq!(bindings.configured(7, |c| c == 7), 7);
        assert_eq!(bindings.configured(7, |c| c == 3), 3);
        // Created again: both move.
        assert_eq!(
            bindings.saw(12, "eth0"),
            Seen::Recreated {
                configured: vec![3, 7],
                previous: 7
            }
        );
        assert_eq!(bindings.all_configured(12), [3, 7]);
        // Once the old routers are gone, the new index alone stands for it.
        bindings.unbind(3);
        assert_eq!(bindings.all_configured(12), [7]);
        assert_eq!(bindings.all_configured(5), [5]);
    }
}
