//! What a driver runs for one virtual router: its protocol configuration and where its addresses
//! go on the host.

use std::net::IpAddr;
use std::time::Duration;

use crate::host::{AddressLabel, VirtualAddress, VirtualRoute, VirtualRule};
use crate::{AddressFamily, Config, RouterKey};

/// A virtual router as a driver runs it: its [`Config`] plus what only the host needs (prefix
/// lengths, labels, broadcast addresses and scopes, excluded addresses, addresses on other
/// interfaces, a virtual MAC interface).
///
/// ```
/// use std::net::IpAddr;
/// use vrrp::host::Instance;
/// use vrrp::{Config, Vrid};
///
/// let vip: IpAddr = [192, 0, 2, 100].into();
/// let config = Config::builder(2, Vrid::new(51).unwrap(), [192, 0, 2, 1].into())
///     .address(vip)
///     .build()?;
/// let instance = Instance::new(config).prefix_len(vip, 24).virtual_mac(true);
/// assert_eq!(instance.addresses()[0].prefix_len, 24);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    pub(crate) config: Config,
    pub(crate) addressing: Addressing,
}

/// Where and how a router's addresses go on the host: what an [`Instance`] adds to its
/// [`Config`]. An [`ActionApplier`](crate::host::ActionApplier) keeps only this of each router it
/// places; the protocol configuration is the router's own.
#[derive(Clone, Debug, Default)]
pub struct Addressing {
    prefixes: Vec<VirtualAddress>,
    virtual_mac: bool,
    /// Whether adverts leave from the parent interface rather than the virtual MAC one.
    adverts_from_parent: bool,
    /// Whether the interface keeps a subnet's other addresses when its primary goes.
    promote_secondaries: bool,
    /// Whether the router starts in Fault, rather than being refused, without its primary
    /// address.
    wait_for_primary: bool,
    /// Whether the addresses on other interfaces or of the other family get virtual MAC
    /// interfaces of their own.
    virtual_mac_per_device: bool,
    /// What few routers set, out of line: `None` is all empty.
    rare: Option<Box<Rare>>,
}

/// What few routers set, kept out of line as [`Stats`](crate::Stats) keeps its rare counters:
/// thousands of routers with an address or two each carry 8 bytes for it rather than 170.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Rare {
    excluded: Vec<VirtualAddress>,
    devices: Vec<(IpAddr, u32)>,
    /// The virtual MAC interface's name, when not the driver's own.
    virtual_mac_name: Option<String>,
    /// The least time between two announcements on the interface: gratuitous ARPs, then
    /// neighbour advertisements (zero: no spacing).
    announce_spacing: [Duration; 2],
    /// The addresses that get a virtual MAC interface of their own one by one.
    virtual_mac_addresses: Vec<IpAddr>,
    routes: Vec<VirtualRoute>,
    rules: Vec<VirtualRule>,
}

/// The rare settings of a router that has none.
static NO_RARE: Rare = Rare {
    excluded: Vec::new(),
    devices: Vec::new(),
    virtual_mac_name: None,
    announce_spacing: [Duration::ZERO; 2],
    virtual_mac_addresses: Vec::new(),
    routes: Vec::new(),
    rules: Vec::new(),
};

impl PartialEq for Addressing {
    /// Equal when configured alike, whether or not an empty rare part was allocated.
    fn eq(&self, other: &Self) -> bool {
        // Every field named, so that a new one is compared too.
        let Self {
            prefixes,
            virtual_mac,
            adverts_from_parent,
            promote_secondaries,
            wait_for_primary,
            virtual_mac_per_device,
            rare: _,
        } = self;
        *prefixes == other.prefixes
            && *virtual_mac == other.virtual_mac
            && *adverts_from_parent == other.adverts_from_parent
            && *promote_secondaries == other.promote_secondaries
            && *wait_for_primary == other.wait_for_primary
            && *virtual_mac_per_device == other.virtual_mac_per_device
            && self.rare() == other.rare()
    }
}

impl Eq for Addressing {}

impl Instance {
    /// Runs `config`, with host prefixes (/32, /128) and no virtual MAC.
    pub fn new(config: Config) -> Self {
        Self {
            config,
            addressing: Addressing::default(),
        }
    }

    /// Where and how its addresses go on the host.
    pub fn addressing(&self) -> &Addressing {
        &self.addressing
    }

    /// Configures virtual address `address` with `prefix_len` instead of a host prefix.
    pub fn prefix_len(mut self, address: IpAddr, prefix_len: u8) -> Self {
        self.addressing.set(address, |a| a.prefix_len = prefix_len);
        self
    }

    /// Gives `address` an IPv4 address label (`eth0:1`), as keepalived's `label` does. Linux wants
    /// the label to start with the interface's name; an IPv6 address cannot have one, and
    /// the Linux driver refuses that.
    pub fn label(mut self, address: IpAddr, label: AddressLabel) -> Self {
        self.addressing.set(address, |a| a.label = Some(label));
        self
    }

    /// Configures virtual address `address.address` with everything `address` gives (prefix
    /// length, label, broadcast address, scope).
    pub fn address(mut self, address: VirtualAddress) -> Self {
        self.addressing.set(address.address, |a| *a = address);
        self
    }

    /// Adds an excluded address (keepalived's `virtual_ipaddress_excluded`): configured and
    /// announced with the virtual addresses while Master, released with them, but not listed in
    /// the advertisements, so peers need not agree on it. It may be of the other address family.
    pub fn excluded(mut self, address: VirtualAddress) -> Self {
        let excluded = &mut self.addressing.rare_mut().excluded;
        excluded.retain(|a| a.address != address.address);
        excluded.push(address);
        self
    }

    /// Configures `address` (a virtual or an excluded one) on interface `interface_index` instead
    /// of the router's own (keepalived's `dev`); it is announced there too.
    pub fn device(mut self, address: IpAddr, interface_index: u32) -> Self {
        self.addressing.set_device(address, interface_index);
        self
    }

    /// Adds a route installed while the router is Master, after its addresses, and removed when
    /// it leaves, before them (keepalived's `virtual_routes`). A route with a `src` among the
    /// virtual addresses can only be installed once they are there, which this order gives.
    pub fn route(mut self, route: VirtualRoute) -> Self {
        let routes = &mut self.addressing.rare_mut().routes;
        routes.retain(|r| *r != route);
        routes.push(route);
        self
    }

    /// Adds a policy rule installed while the router is Master and removed when it leaves
    /// (keepalived's `virtual_rules`).
    pub fn rule(mut self, rule: VirtualRule) -> Self {
        let rules = &mut self.addressing.rare_mut().rules;
        rules.retain(|r| *r != rule);
        rules.push(rule);
        self
    }

    /// The routes it installs while Master.
    pub fn routes(&self) -> &[VirtualRoute] {
        self.addressing.routes()
    }

    /// The policy rules it installs while Master.
    pub fn rules(&self) -> &[VirtualRule] {
        self.addressing.rules()
    }

    /// The key of the virtual router it runs.
    pub fn key(&self) -> RouterKey {
        RouterKey::of(&self.config)
    }

    /// Every address it configures while Master, virtual then excluded.
    pub fn all_addresses(&self) -> impl Iterator<Item = IpAddr> + '_ {
        let excluded = self.addressing.excluded_addresses().iter();
        let excluded = excluded.map(|a| a.address);
        self.config.addresses().iter().chain(excluded)
    }

    /// Holds the addresses on a macvlan interface with the virtual router MAC (RFC 5798 §7.3), which
    /// the driver creates and removes. IPv4 advertisements leave from it too, so they carry the
    /// virtual MAC; IPv6 ones leave from the parent interface, whose link-local address is the
    /// router's source. For IPv4 the parent's `arp_ignore` is raised to 1 and `arp_announce` to 2
    /// while the driver runs (and restored after), so that only the virtual MAC speaks ARP for the
    /// virtual addresses.
    pub fn virtual_mac(mut self, on: bool) -> Self {
        self.addressing.virtual_mac = on;
        self
    }

    /// Names the virtual MAC interface `name` (keepalived's `use_vmac NAME`) instead of the
    /// driver's own name (`vr4.IFINDEX.VRID` on Linux). It must be a valid interface name, 1 to
    /// 15 bytes; an interface of that name is replaced, as keepalived replaces it. Implies
    /// [`virtual_mac`](Self::virtual_mac).
    pub fn virtual_mac_named(mut self, name: impl Into<String>) -> Self {
        self.addressing.virtual_mac = true;
        self.addressing.rare_mut().virtual_mac_name = Some(name.into());
        self
    }

    /// Spaces the announcements of `family` on this router's interface at least `spacing` apart
    /// (keepalived's `garp_interval` for IPv4's gratuitous ARPs, `gna_interval` for IPv6's
    /// neighbour advertisements): for switches or hosts that drop frames that come too fast.
    /// The driver sends them on a 10 ms clock ([`ANNOUNCE_PACE`](crate::host::ANNOUNCE_PACE)),
    /// so a spacing is kept to the next multiple of 10 ms. Zero (the default): each address's
    /// first announcement at once, its repeats 10 ms apart.
    pub fn announce_spacing(mut self, family: AddressFamily, spacing: Duration) -> Self {
        if spacing != self.addressing.announce_spacing(family) {
            self.addressing.rare_mut().announce_spacing[family_slot(family)] = spacing;
        }
        self
    }

    /// With a virtual MAC interface, sends the advertisements from the parent interface, with
    /// its MAC as their source (keepalived's `vmac_xmit_base`): for switches or peers that must
    /// see the parent's MAC, and for unicast peers. The addresses stay on the virtual MAC
    /// interface and are announced from it.
    pub fn adverts_from_parent(mut self, on: bool) -> Self {
        self.addressing.adverts_from_parent = on;
        self
    }

    /// Turns on the interface's `promote_secondaries` (keepalived's `promote_secondaries`; IPv4
    /// only): when the virtual address that is the primary of its subnet on the interface is
    /// removed, Linux then promotes another address of the subnet instead of deleting them
    /// all. The driver restores them anyway, but only after they were gone for a moment; with
    /// this they never go. The Linux driver sets `net.ipv4.conf.IFACE.promote_secondaries` when
    /// the router starts, again if the interface is created again, and puts the old value back
    /// when it stops.
    pub fn promote_secondaries(mut self, on: bool) -> Self {
        self.addressing.promote_secondaries = on;
        self
    }

    /// Starts the router in Fault when its primary address (the source of its adverts) is not
    /// on its interface yet, until the address comes (keepalived's `track_src_ip`), instead of
    /// refusing it with [`DriverError::PrimaryAddressNotOnInterface`](crate::host::DriverError):
    /// for an address that DHCP, SLAAC or another service configures after the router starts.
    /// Once running, a router goes to Fault whenever its primary address goes, either way.
    pub fn wait_for_primary_address(mut self, on: bool) -> Self {
        self.addressing.wait_for_primary = on;
        self
    }

    /// Holds each address that goes on another interface ([`device`](Self::device)), or that is
    /// of the other address family (an [`excluded`](Self::excluded) one), on a virtual MAC
    /// interface of its own (keepalived's `use_vmac_addr`): one per (interface, family), made on
    /// that interface with the family's virtual router MAC (RFC 5798 §7.3), and announced from
    /// it, so that the neighbours there reach the address at the virtual MAC too. The router's
    /// own addresses go where [`virtual_mac`](Self::virtual_mac) says. The Linux driver names them
    /// as it names a router's (`vr<4|6>.IFINDEX.VRID`), and makes one again when it is deleted.
    pub fn virtual_mac_per_device(mut self, on: bool) -> Self {
        self.addressing.virtual_mac_per_device = on;
        self
    }

    /// Holds `address` (a virtual or an excluded one) on a virtual MAC interface of its own
    /// interface and family, as [`virtual_mac_per_device`](Self::virtual_mac_per_device) does for
    /// all of them (keepalived's `use_vmac` on an address line). An address of the router's own
    /// interface and family is on its [`virtual_mac`](Self::virtual_mac) interface already when it
    /// has one; without one, it gets one of its own.
    pub fn virtual_mac_for(mut self, address: IpAddr) -> Self {
        let listed = &mut self.addressing.rare_mut().virtual_mac_addresses;
        if !listed.contains(&address) {
            listed.push(address);
        }
        self
    }

    /// The (interface, family) pairs that get a virtual MAC interface of their own
    /// ([`virtual_mac_per_device`](Self::virtual_mac_per_device),
    /// [`virtual_mac_for`](Self::virtual_mac_for)), each with its addresses: empty unless asked
    /// for.
    pub fn device_virtual_macs(&self) -> Vec<((u32, AddressFamily), Vec<IpAddr>)> {
        let mut pairs: Vec<((u32, AddressFamily), Vec<IpAddr>)> = Vec::new();
        let addressing = &self.addressing;
        let listed = &addressing.rare().virtual_mac_addresses;
        let own = self.config.interface_index();
        for address in self.all_addresses() {
            let pair = (self.interface_of(address, own), AddressFamily::of(address));
            let own_pair = pair == (own, self.config.family());
            let wanted = if own_pair {
                !addressing.virtual_mac && listed.contains(&address)
            } else {
                addressing.virtual_mac_per_device || listed.contains(&address)
            };
            if !wanted {
                continue;
            }
            match pairs.iter_mut().find(|(p, _)| *p == pair) {
                Some((_, addresses)) => addresses.push(address),
                None => pairs.push((pair, vec![address])),
            }
        }
        pairs
    }

    /// The virtual router's configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The addresses configured on another interface than the router's, with that interface.
    pub fn devices(&self) -> &[(IpAddr, u32)] {
        self.addressing.devices()
    }

    /// The excluded addresses.
    pub fn excluded_addresses(&self) -> &[VirtualAddress] {
        self.addressing.excluded_addresses()
    }

    /// The interface `address` is configured on (see [`Addressing::interface_of`]).
    pub fn interface_of(&self, address: IpAddr, own: u32) -> u32 {
        self.addressing.interface_of(address, own)
    }

    /// `address` as it is configured (see [`Addressing::virtual_address`]).
    pub fn virtual_address(&self, address: IpAddr) -> VirtualAddress {
        self.addressing.virtual_address(address)
    }

    /// The addresses given a prefix length or a label; the others get a host prefix.
    pub fn addresses(&self) -> &[VirtualAddress] {
        self.addressing.addresses()
    }

    /// Whether the addresses are held on a virtual MAC interface.
    pub fn has_virtual_mac(&self) -> bool {
        self.addressing.has_virtual_mac()
    }
}

impl Addressing {
    /// Its rare settings, all empty if none was set.
    fn rare(&self) -> &Rare {
        self.rare.as_deref().unwrap_or(&NO_RARE)
    }

    /// Its rare settings, to set one.
    fn rare_mut(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Box::default)
    }

    /// The routes installed while Master.
    pub fn routes(&self) -> &[VirtualRoute] {
        &self.rare().routes
    }

    /// The policy rules installed while Master.
    pub fn rules(&self) -> &[VirtualRule] {
        &self.rare().rules
    }

    /// The addresses configured on another interface than the router's, with that interface.
    pub fn devices(&self) -> &[(IpAddr, u32)] {
        &self.rare().devices
    }

    /// The excluded addresses.
    pub fn excluded_addresses(&self) -> &[VirtualAddress] {
        &self.rare().excluded
    }

    /// Configures `address` on interface `interface_index`.
    pub(crate) fn set_device(&mut self, address: IpAddr, interface_index: u32) {
        let devices = &mut self.rare_mut().devices;
        devices.retain(|(a, _)| *a != address);
        devices.push((address, interface_index));
    }

    /// Places on interface `to` the addresses configured on interface `from` (which was created
    /// again as `to`).
    #[cfg(feature = "linux")]
    pub(crate) fn rebind_device(&mut self, from: u32, to: u32) {
        let Some(rare) = self.rare.as_deref_mut() else {
            return;
        };
        for (_, interface) in rare.devices.iter_mut().filter(|(_, i)| *i == from) {
            *interface = to;
        }
        for route in &mut rare.routes {
            crate::host::routing::rebind_route(route, from, to);
        }
    }

    /// The interface `address` (a virtual or an excluded one) is configured on: the one given with
    /// [`Instance::device`], else `own`, the router's (or its virtual MAC interface).
    pub fn interface_of(&self, address: IpAddr, own: u32) -> u32 {
        self.devices()
            .iter()
            .find(|(a, _)| *a == address)
            .map_or(own, |&(_, interface)| interface)
    }

    /// `address` as it is configured: with the prefix length, label, broadcast address and scope
    /// given for it, or with a host prefix.
    pub fn virtual_address(&self, address: IpAddr) -> VirtualAddress {
        self.prefixes
            .iter()
            .copied()
            .find(|a| a.address == address)
            .unwrap_or_else(|| VirtualAddress::host(address))
    }

    /// Changes how `address` is configured with `change`, from a host prefix if it had no entry.
    fn set(&mut self, address: IpAddr, change: impl FnOnce(&mut VirtualAddress)) {
        let at = match self.prefixes.iter().position(|a| a.address == address) {
            Some(at) => at,
            None => {
                // Most routers have one or two addresses: no room for more than asked.
                self.prefixes.reserve_exact(1);
                self.prefixes.push(VirtualAddress::host(address));
                self.prefixes.len() - 1
            }
        };
        change(&mut self.prefixes[at]);
    }

    /// The addresses given a prefix length or a label; the others get a host prefix.
    pub fn addresses(&self) -> &[VirtualAddress] {
        &self.prefixes
    }

    /// Whether the addresses are held on a virtual MAC interface.
    pub fn has_virtual_mac(&self) -> bool {
        self.virtual_mac
    }

    /// The virtual MAC interface's name, if one was given
    /// ([`Instance::virtual_mac_named`]).
    pub fn virtual_mac_name(&self) -> Option<&str> {
        self.rare().virtual_mac_name.as_deref()
    }

    /// The least time between two announcements of `family`'s addresses on the interface
    /// ([`Instance::announce_spacing`]).
    pub fn announce_spacing(&self, family: AddressFamily) -> Duration {
        self.rare().announce_spacing[family_slot(family)]
    }

    /// Whether the interface promotes secondary addresses
    /// ([`Instance::promote_secondaries`]).
    pub fn promotes_secondaries(&self) -> bool {
        self.promote_secondaries
    }

    /// Whether the router may start without its primary address, in Fault
    /// ([`Instance::wait_for_primary_address`]).
    pub fn waits_for_primary_address(&self) -> bool {
        self.wait_for_primary
    }

    /// Whether the addresses on other interfaces or of the other family get virtual MAC
    /// interfaces of their own ([`Instance::virtual_mac_per_device`]).
    pub fn has_virtual_mac_per_device(&self) -> bool {
        self.virtual_mac_per_device
    }

    /// Whether adverts leave from the parent interface ([`Instance::adverts_from_parent`]).
    pub fn sends_from_parent(&self) -> bool {
        self.adverts_from_parent
    }
}

/// The slot of `family` in per-family settings.
fn family_slot(family: AddressFamily) -> usize {
    match family {
        AddressFamily::Ipv4 => 0,
        AddressFamily::Ipv6 => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Vrid;

    fn instance() -> Instance {
        let config = Config::builder(2, Vrid::new(51).expect("not 0"), [192, 0, 2, 1].into())
            .address([192, 0, 2, 100].into())
            .build()
            .expect("valid");
        Instance::new(config)
    }

    #[test]
    fn rare_settings_set_back_to_their_defaults_compare_equal_to_none_set() {
        let plain = instance();
        // Setting the default allocates nothing; setting one and back leaves it allocated.
        let zero = instance().announce_spacing(AddressFamily::Ipv4, Duration::ZERO);
        assert!(zero.addressing.rare.is_none());
        let back = instance()
            .announce_spacing(AddressFamily::Ipv4, Duration::from_millis(20))
            .announce_spacing(AddressFamily::Ipv4, Duration::ZERO);
        assert!(back.addressing.rare.is_some());
        assert_eq!(back, plain);
        assert_eq!(
            back.addressing().announce_spacing(AddressFamily::Ipv6),
            Duration::ZERO
        );
        // A rare setting that differs makes them differ.
        let spaced = instance().announce_spacing(AddressFamily::Ipv6, Duration::from_millis(20));
        assert_ne!(spaced, plain);
        assert_eq!(
            spaced.addressing().announce_spacing(AddressFamily::Ipv6),
            Duration::from_millis(20)
        );
        assert_ne!(instance().device([192, 0, 2, 100].into(), 3), plain);
    }
}
