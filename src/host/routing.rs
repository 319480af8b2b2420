//! The routes, rules and static addresses an [`ActionApplier`](crate::host::ActionApplier) added
//! and holds: a Master's routes and rules, installed after its addresses and removed before them,
//! and the static ones, held for as long as the driver runs. Only what it added is removed or
//! restored; what was there before is left alone.

use std::net::IpAddr;

use crate::RouterKey;
use crate::host::{
    ActionApplier, Added, AddressBackend, Addressing, AdvertSender, AnnounceBackend, BackendError,
    Event, HostEntry, Operation, RouteId, Statics, VirtualAddress, VirtualRoute, VirtualRule,
};

/// The routes, rules and static addresses of an applier.
impl<S: AdvertSender, A: AddressBackend, N: AnnounceBackend> ActionApplier<S, A, N> {
    /// Holds `statics` from now on: what the previous static configuration added and this one
    /// does not have is removed, what it adds is installed (addresses, routes, rules); each
    /// failure is an [`Event::StaticFailed`].
    pub fn set_statics(&mut self, statics: Statics, on_event: &mut impl FnMut(Event)) {
        self.routing
            .set_statics(statics, &mut self.addresses, on_event);
    }

    /// The static configuration held ([`set_statics`](Self::set_statics)).
    pub fn statics(&self) -> &Statics {
        self.routing.statics()
    }

    /// Whether routes or rules are held or configured to be: a driver then follows the host's
    /// route and rule deletions, and calls [`route_removed`](Self::route_removed) and
    /// [`rule_removed`](Self::rule_removed).
    pub fn has_routing(&self) -> bool {
        self.routing.has_routing()
    }

    /// The routes this applier added and holds, each with its router (`None`: static).
    pub fn held_routes(&self) -> impl Iterator<Item = (Option<RouterKey>, &VirtualRoute)> {
        self.routing.routes()
    }

    /// The rules this applier added and holds, each with its router (`None`: static).
    pub fn held_rules(&self) -> impl Iterator<Item = (Option<RouterKey>, &VirtualRule)> {
        self.routing.rules()
    }

    /// Route `id` was deleted: the held routes it names are added again, each with an
    /// [`Event::Restored`] (or a failure), unless configured not to be.
    pub fn route_removed(&mut self, id: RouteId, on_event: &mut impl FnMut(Event)) {
        self.routing
            .route_removed(id, &mut self.addresses, on_event);
    }

    /// A rule was deleted: the held rules that are missing are added again, each with an
    /// [`Event::Restored`] (or a failure).
    pub fn rule_removed(&mut self, on_event: &mut impl FnMut(Event)) {
        self.routing.rule_removed(&mut self.addresses, on_event);
    }

    /// Adds again every held route, rule and static address that is missing (after a full re-read
    /// or an interface that came up again: the kernel drops routes through an interface that goes
    /// down, without a word).
    pub fn reinstall_routing(&mut self, on_event: &mut impl FnMut(Event)) {
        self.routing.reinstall(&mut self.addresses, on_event);
    }

    /// Whether `address` on interface `interface` is a static address this applier added.
    pub fn holds_static(&self, interface: u32, address: IpAddr) -> bool {
        self.routing.holds_static(interface, address)
    }

    /// A static address held was removed: it is added again, with an [`Event::Restored`].
    pub fn static_address_removed(
        &mut self,
        interface: u32,
        address: IpAddr,
        on_event: &mut impl FnMut(Event),
    ) {
        (self.routing).static_address_removed(interface, address, &mut self.addresses, on_event);
    }
}

/// A route, rule or static address added and held, with the router it is held for (`None`:
/// static).
#[derive(Clone, Debug)]
struct Held<T> {
    owner: Option<RouterKey>,
    entry: T,
}

/// What is held, and the static configuration to hold.
#[derive(Debug, Default)]
pub(crate) struct Routing {
    routes: Vec<Held<VirtualRoute>>,
    rules: Vec<Held<VirtualRule>>,
    static_addresses: Vec<(u32, VirtualAddress)>,
    statics: Statics,
}

/// Reports a failure of `operation` for `owner` (a static entry's when `None`).
fn failed(
    owner: Option<RouterKey>,
    operation: Operation,
    error: BackendError,
    on_event: &mut impl FnMut(Event),
) {
    on_event(match owner {
        Some(router) => Event::BackendFailed {
            router,
            operation,
            error,
        },
        None => Event::StaticFailed { operation, error },
    });
}

impl Routing {
    /// Whether any route or rule is held or to be held: the driver then watches the kernel's route
    /// and rule changes.
    pub(crate) fn has_routing(&self) -> bool {
        !self.routes.is_empty()
            || !self.rules.is_empty()
            || !self.statics.routes.is_empty()
            || !self.statics.rules.is_empty()
    }

    /// The routes held, with their routers (`None`: static).
    pub(crate) fn routes(&self) -> impl Iterator<Item = (Option<RouterKey>, &VirtualRoute)> {
        self.routes.iter().map(|held| (held.owner, &held.entry))
    }

    /// The rules held, with their routers (`None`: static).
    pub(crate) fn rules(&self) -> impl Iterator<Item = (Option<RouterKey>, &VirtualRule)> {
        self.rules.iter().map(|held| (held.owner, &held.entry))
    }

    /// The static configuration.
    pub(crate) fn statics(&self) -> &Statics {
        &self.statics
    }

    /// Installs router `router`'s routes then rules (its addresses are there already), holding
    /// those it added; one it holds already is left as it is.
    pub(crate) fn install<A: AddressBackend>(
        &mut self,
        router: RouterKey,
        addressing: &Addressing,
        backend: &mut A,
        on_event: &mut impl FnMut(Event),
    ) {
        for route in addressing.routes() {
            self.add_route(Some(router), route, backend, on_event);
        }
        for rule in addressing.rules() {
            self.add_rule(Some(router), rule, backend, on_event);
        }
    }

    fn add_route<A: AddressBackend>(
        &mut self,
        owner: Option<RouterKey>,
        route: &VirtualRoute,
        backend: &mut A,
        on_event: &mut impl FnMut(Event),
    ) {
        if self
            .routes
            .iter()
            .any(|h| h.owner == owner && h.entry == *route)
        {
            return;
        }
        match backend.add_route(route) {
            Ok(Added::Added) => self.routes.push(Held {
                owner,
                entry: route.clone(),
            }),
            Ok(Added::AlreadyPresent) => {}
            Err(error) => failed(owner, Operation::AddRoute(route.id()), error, on_event),
        }
    }

    fn add_rule<A: AddressBackend>(
        &mut self,
        owner: Option<RouterKey>,
        rule: &VirtualRule,
        backend: &mut A,
        on_event: &mut impl FnMut(Event),
    ) {
        if self
            .rules
            .iter()
            .any(|h| h.owner == owner && h.entry == *rule)
        {
            return;
        }
        match backend.add_rule(rule) {
            Ok(Added::Added) => self.rules.push(Held {
                owner,
                entry: rule.clone(),
            }),
            Ok(Added::AlreadyPresent) => {}
            Err(error) => failed(owner, Operation::AddRule(rule.id()), error, on_event),
        }
    }

    /// Removes the rules then routes held for router `router` (before its addresses go).
    pub(crate) fn release<A: AddressBackend>(
        &mut self,
        router: RouterKey,
        backend: &mut A,
        on_event: &mut impl FnMut(Event),
    ) {
        let owner = Some(router);
        let rules = take_where(&mut self.rules, |held| held.owner == owner);
        remove_rules(owner, rules, backend, on_event);
        let routes = take_where(&mut self.routes, |held| held.owner == owner);
        remove_routes(owner, routes, backend, on_event);
    }

    /// Route `id` was deleted: each held route it names that is to be restored is added again,
    /// with an [`Event::Restored`] (or a failure).
    pub(crate) fn route_removed<A: AddressBackend>(
        &mut self,
        id: RouteId,
        backend: &mut A,
        on_event: &mut impl FnMut(Event),
    ) {
        for held in self
            .routes
            .iter()
            .filter(|h| h.entry.restore && h.entry.id() == id)
        {
            restore_route(held, backend, on_event);
        }
    }

    /// A rule was deleted: each held rule that is to be restored and is missing is added again.
    pub(crate) fn rule_removed<A: AddressBackend>(
        &mut self,
        backend: &mut A,
        on_event: &mut impl FnMut(Event),
    ) {
        for held in self.rules.iter().filter(|h| h.entry.restore) {
            restore_rule(held, backend, on_event);
        }
    }

    /// Adds again whatever held route is missing: after an address came back (the kernel drops
    /// the routes whose source it was, without a word).
    pub(crate) fn reinstall_routes<A: AddressBackend>(
        &mut self,
        backend: &mut A,
        on_event: &mut impl FnMut(Event),
    ) {
        for held in self.routes.iter().filter(|h| h.entry.restore) {
            restore_route(held, backend, on_event);
        }
    }

    /// Adds again whatever route, rule and static address held is missing: after an interface
    /// came up again (the kernel drops the routes through it when it goes down, without a word),
    /// or a full re-read.
    pub(crate) fn reinstall<A: AddressBackend>(
        &mut self,
        backend: &mut A,
        on_event: &mut impl FnMut(Event),
    ) {
        self.reinstall_routes(backend, on_event);
        self.rule_removed(backend, on_event);
        let held: Vec<(u32, VirtualAddress)> = self.static_addresses.clone();
        for (interface, address) in held {
            self.static_address_removed(interface, address.address, backend, on_event);
        }
    }

    /// Whether static address `address` on interface `interface` is held.
    pub(crate) fn holds_static(&self, interface: u32, address: IpAddr) -> bool {
        (self.static_addresses.iter()).any(|&(i, a)| i == interface && a.address == address)
    }

    /// A static address held was removed: it is added again.
    pub(crate) fn static_address_removed<A: AddressBackend>(
        &mut self,
        interface: u32,
        address: IpAddr,
        backend: &mut A,
        on_event: &mut impl FnMut(Event),
    ) {
        let Some(&(_, held)) =
            (self.static_addresses.iter()).find(|&&(i, a)| i == interface && a.address == address)
        else {
            return;
        };
        match backend.add(interface, held) {
            Ok(Added::Added) => {
                on_event(Event::Restored {
                    router: None,
                    entry: HostEntry::Address {
                        interface_index: interface,
                        address: held,
                    },
                });
                // The routes whose source it was went with it.
                self.reinstall_routes(backend, on_event);
            }
            Ok(Added::AlreadyPresent) => {}
            Err(error) => failed(None, Operation::AddAddress(address), error, on_event),
        }
    }

    /// Holds `statics` from now on: what the previous static configuration held and this one
    /// does not is removed, what it adds is installed (addresses, then routes, then rules), and
    /// what is held and missing is added again ([`Event::Restored`]).
    pub(crate) fn set_statics<A: AddressBackend>(
        &mut self,
        statics: Statics,
        backend: &mut A,
        on_event: &mut impl FnMut(Event),
    ) {
        let gone = take_where(&mut self.rules, |h| {
            h.owner.is_none() && !statics.rules.contains(&h.entry)
        });
        remove_rules(None, gone, backend, on_event);
        let gone = take_where(&mut self.routes, |h| {
            h.owner.is_none() && !statics.routes.contains(&h.entry)
        });
        remove_routes(None, gone, backend, on_event);
        let gone = take_where(&mut self.static_addresses, |entry| {
            !statics.addresses.contains(entry)
        });
        for (interface, address) in gone {
            if let Err(error) = backend.remove(interface, address) {
                let operation = Operation::RemoveAddress(address.address);
                failed(None, operation, error, on_event);
            }
        }
        for &(interface, address) in &statics.addresses {
            if self.static_addresses.contains(&(interface, address)) {
                continue;
            }
            match backend.add(interface, address) {
                Ok(Added::Added) => self.static_addresses.push((interface, address)),
                Ok(Added::AlreadyPresent) => {}
                Err(error) => failed(
                    None,
                    Operation::AddAddress(address.address),
                    error,
                    on_event,
                ),
            }
        }
        for route in &statics.routes {
            self.add_route(None, route, backend, on_event);
        }
        for rule in &statics.rules {
            self.add_rule(None, rule, backend, on_event);
        }
        self.statics = statics;
        // What was held and is missing (lost, and not added back since) is tried again too.
        self.reinstall(backend, on_event);
    }

    /// Moves what is held on interface `from`, created again as `to`, there.
    #[cfg(feature = "linux")]
    pub(crate) fn rebind(&mut self, from: u32, to: u32) {
        for held in &mut self.routes {
            rebind_route(&mut held.entry, from, to);
        }
        for route in &mut self.statics.routes {
            rebind_route(route, from, to);
        }
        for (interface, _) in &mut self.static_addresses {
            if *interface == from {
                *interface = to;
            }
        }
        for (interface, _) in &mut self.statics.addresses {
            if *interface == from {
                *interface = to;
            }
        }
    }

    /// Removes everything held, rules first, then routes, then static addresses; the first failure
    /// is returned after trying them all.
    pub(crate) fn release_all<A: AddressBackend>(
        &mut self,
        backend: &mut A,
    ) -> Result<(), BackendError> {
        let mut first_error = None;
        for held in self.rules.drain(..) {
            if let Err(error) = backend.remove_rule(&held.entry) {
                first_error.get_or_insert(error);
            }
        }
        for held in self.routes.drain(..) {
            if let Err(error) = backend.remove_route(&held.entry) {
                first_error.get_or_insert(error);
            }
        }
        for (interface, address) in self.static_addresses.drain(..) {
            if let Err(error) = backend.remove(interface, address) {
                first_error.get_or_insert(error);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// Points route `route`'s next hops out of interface `from` at interface `to`.
#[cfg(feature = "linux")]
pub(crate) fn rebind_route(route: &mut VirtualRoute, from: u32, to: u32) {
    for hop in &mut route.next_hops {
        if hop.interface_index == Some(from) {
            hop.interface_index = Some(to);
        }
    }
}

/// Takes the entries `picked` picks out of `list`, the others staying in their order.
fn take_where<T>(list: &mut Vec<T>, picked: impl Fn(&T) -> bool) -> Vec<T> {
    let (taken, kept) = std::mem::take(list).into_iter().partition(|e| picked(e));
    *list = kept;
    taken
}

/// Removes `held`, the routes `owner` (`None`: static) held, reporting each failure.
fn remove_routes<A: AddressBackend>(
    owner: Option<RouterKey>,
    held: Vec<Held<VirtualRoute>>,
    backend: &mut A,
    on_event: &mut impl FnMut(Event),
) {
    for Held { entry: route, .. } in held {
        if let Err(error) = backend.remove_route(&route) {
            failed(owner, Operation::RemoveRoute(route.id()), error, on_event);
        }
    }
}

/// Removes `held`, the rules `owner` (`None`: static) held, reporting each failure.
fn remove_rules<A: AddressBackend>(
    owner: Option<RouterKey>,
    held: Vec<Held<VirtualRule>>,
    backend: &mut A,
    on_event: &mut impl FnMut(Event),
) {
    for Held { entry: rule, .. } in held {
        if let Err(error) = backend.remove_rule(&rule) {
            failed(owner, Operation::RemoveRule(rule.id()), error, on_event);
        }
    }
}

fn restore_route<A: AddressBackend>(
    held: &Held<VirtualRoute>,
    backend: &mut A,
    on_event: &mut impl FnMut(Event),
) {
    match backend.add_route(&held.entry) {
        Ok(Added::Added) => on_event(Event::Restored {
            router: held.owner,
            entry: HostEntry::Route(Box::new(held.entry.clone())),
        }),
        Ok(Added::AlreadyPresent) => {}
        Err(error) => failed(
            held.owner,
            Operation::AddRoute(held.entry.id()),
            error,
            on_event,
        ),
    }
}

fn restore_rule<A: AddressBackend>(
    held: &Held<VirtualRule>,
    backend: &mut A,
    on_event: &mut impl FnMut(Event),
) {
    match backend.add_rule(&held.entry) {
        Ok(Added::Added) => on_event(Event::Restored {
            router: held.owner,
            entry: HostEntry::Rule(Box::new(held.entry.clone())),
        }),
        Ok(Added::AlreadyPresent) => {}
        Err(error) => failed(
            held.owner,
            Operation::AddRule(held.entry.id()),
            error,
            on_event,
        ),
    }
}
