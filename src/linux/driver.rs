//! The Linux driver: runs a [`Routers`] over raw sockets, rtnetlink and a packet socket.
//!
//! [`Driver::new`] checks everything an operator can get wrong before anything changes (the
//! capabilities, the interfaces, their addresses, addresses left behind by a killed process),
//! creates the virtual MAC interfaces and opens the sockets. [`Driver::run`] then runs the routers
//! on the calling thread until [`DriverHandle::shutdown`]; the async twin is `run_async` (feature
//! `tokio`). Dropping a driver removes what it created, also when `run` was never called.

use std::collections::{HashMap, HashSet};
use std::io::{self, Read, Write};
use std::net::IpAddr;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::backend::VirtualAddress;
use crate::linux::backends::{InterfaceAnnouncer, Sockets};
use crate::linux::capability::Capability;
use crate::linux::netlink::ADDRESS_PROTOCOL;
use crate::linux::poll::wait_readable;
use crate::linux::timer::DeadlineTimer;
use crate::linux::{
    Interface, Netlink, NetlinkError, NetlinkEvent, NetlinkEvents, Received, SocketError,
    VrrpSocket,
};
use crate::{
    AddressFamily, Command, DriverHandle, Event, Executor, Instance, MacAddress, Placement,
    Reconfiguration, ReconfigureError, RouterKey, Routers, RoutersError, StatsReport,
};

/// The largest datagram a VRRP socket reads: 255 IPv6 addresses plus headers fit.
const RECEIVE_BUFFER: usize = 8192;

/// Why a driver cannot start or stopped with an error. The messages say what to do.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The process lacks a capability.
    #[error("{} is missing: it is needed to {needed_for}; run as root or grant it (setcap {}=ep)", capability.name(), capability.name().to_lowercase())]
    MissingCapability {
        /// The capability.
        capability: Capability,
        /// What needs it.
        needed_for: &'static str,
    },
    /// A configuration names an interface that does not exist.
    #[error("no network interface has index {0}")]
    UnknownInterface(u32),
    /// The interface has no address of the family to send advertisements from.
    #[error(
        "interface {interface} has no {} to send advertisements from; configure one first", match family { AddressFamily::Ipv4 => "IPv4 address", AddressFamily::Ipv6 => "IPv6 link-local address" }
    )]
    NoSourceAddress {
        /// The interface.
        interface: String,
        /// The family.
        family: AddressFamily,
    },
    /// The configuration's primary address is not configured on its interface.
    #[error(
        "{address} is not configured on interface {interface}; a router sends from one of its own addresses"
    )]
    PrimaryAddressNotOnInterface {
        /// The interface.
        interface: String,
        /// The configured primary address.
        address: IpAddr,
    },
    /// A virtual address of a non-owner is configured on the interface by someone else: the host
    /// would answer for it while Backup, so two routers would hold one address.
    #[error(
        "virtual address {address} is already configured on {interface} (not by this crate); remove it, or declare this router its owner (priority 255)"
    )]
    ForeignAddress {
        /// The interface.
        interface: String,
        /// The address.
        address: IpAddr,
    },
    /// A prefix length was given for an address the virtual router does not have, or is too long.
    #[error(
        "invalid prefix /{prefix_len} for {address}: not a virtual address of VRID {vrid}, longer than the address, or an IPv6 address with a label or broadcast address"
    )]
    InvalidPrefix {
        /// The VRID.
        vrid: crate::Vrid,
        /// The address.
        address: IpAddr,
        /// The prefix length.
        prefix_len: u8,
    },
    /// Two virtual routers on one interface have the same virtual address.
    #[error(
        "virtual address {address} belongs to both {first} and {second}; each address has one virtual router"
    )]
    SharedAddress {
        /// The address.
        address: IpAddr,
        /// The router it was seen on first.
        first: RouterKey,
        /// The other router.
        second: RouterKey,
    },
    /// An excluded address that is also advertised, or has an invalid prefix, label or broadcast
    /// address.
    #[error(
        "invalid excluded address {address} of VRID {vrid}: also one of its virtual addresses, or an invalid prefix, label or broadcast address"
    )]
    InvalidExcluded {
        /// The VRID.
        vrid: crate::Vrid,
        /// The address.
        address: IpAddr,
    },
    /// Two instances for one virtual router, or an invalid sync group.
    #[error(transparent)]
    Routers(#[from] RoutersError),
    /// A raw socket failed.
    #[error(transparent)]
    Socket(#[from] SocketError),
    /// A netlink request failed.
    #[error(transparent)]
    Netlink(#[from] NetlinkError),
    /// A backend failed outside the protocol's actions: opening, or releasing at the end.
    #[error("{operation}: {source}")]
    Backend {
        /// What was being done.
        operation: &'static str,
        /// The backend's error.
        source: crate::backend::BackendError,
    },
    /// Waiting or waking failed.
    #[error("{operation} failed: {source}")]
    Io {
        /// What was being done.
        operation: &'static str,
        /// The error.
        source: io::Error,
    },
}

/// Looks up interface `name` and the address a virtual router of `family` on it sends from: its
/// primary IPv4 address, or its IPv6 link-local address.
pub fn interface_source(
    netlink: &mut Netlink,
    name: &str,
    family: AddressFamily,
) -> Result<(Interface, IpAddr), DriverError> {
    let interface = netlink.interface_by_name(name)?;
    let source = netlink
        .source_address(interface.index, family)?
        .ok_or_else(|| DriverError::NoSourceAddress {
            interface: name.to_string(),
            family,
        })?;
    Ok((interface, source))
}

/// What [`Driver::check`] found: the addresses a killed process left (interface, address, prefix
/// length), to remove, and the interfaces as they were, each added router's among them.
struct Checked {
    leftovers: Vec<(u32, IpAddr, u8)>,
    links: HashMap<u32, Interface>,
}

/// What a driver waits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// The raw VRRP socket of a family.
    Socket(AddressFamily),
    /// Link and address changes.
    Netlink,
    /// The wake-up socket a [`DriverHandle`] writes to.
    Wake,
    /// The routers' next deadline.
    Timer,
}

/// Runs virtual routers on Linux. See the [module documentation](self).
pub struct Driver {
    pub(crate) routers: Routers,
    executor: Executor<Sockets, Netlink, InterfaceAnnouncer>,
    netlink_events: NetlinkEvents,
    /// The (interface, family) pairs whose VRRP multicast group the sockets joined.
    joined: HashSet<(u32, AddressFamily)>,
    /// The virtual MAC interfaces created, by router.
    virtual_macs: HashMap<RouterKey, u32>,
    /// The sysctls changed for virtual MACs, to restore: (path, old value).
    changed_sysctls: Vec<(String, String)>,
    wake_receiver: UnixStream,
    timer: DeadlineTimer,
    /// The deadline the timer is set to (`None`: disarmed or expired).
    armed_for: Option<Instant>,
    commands: Receiver<Command>,
    handle: DriverHandle,
    buffer: Vec<u8>,
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("routers", &self.routers.len())
            .field("virtual_macs", &self.virtual_macs)
            .finish_non_exhaustive()
    }
}

impl Driver {
    /// Checks and prepares `instances`. Virtual addresses that a killed process left on the
    /// interfaces (marked with [`ADDRESS_PROTOCOL`]) are removed, as keepalived removes its VIPs at
    /// start-up; one configured by someone else is an error unless this router owns it, and so is
    /// an address that two routers on one interface share.
    pub fn new(instances: Vec<Instance>) -> Result<Self, DriverError> {
        for (capability, needed_for) in [
            (Capability::NetRaw, "open raw VRRP sockets"),
            (Capability::NetAdmin, "configure virtual addresses"),
        ] {
            if capability.is_effective() == Some(false) {
                return Err(DriverError::MissingCapability {
                    capability,
                    needed_for,
                });
            }
        }
        let mut routers = Routers::new();
        for instance in &instances {
            routers.add(instance.config.clone())?;
        }
        let announcer = InterfaceAnnouncer::open().map_err(|source| DriverError::Backend {
            operation: "opening the announcement socket",
            source,
        })?;
        let executor = Executor::new(Sockets::default(), Netlink::open()?, announcer);
        let (wake_sender, wake_receiver) =
            UnixStream::pair().map_err(|source| DriverError::Io {
                operation: "creating the wake-up socket pair",
                source,
            })?;
        for stream in [&wake_sender, &wake_receiver] {
            stream
                .set_nonblocking(true)
                .map_err(|source| DriverError::Io {
                    operation: "making the wake-up socket non-blocking",
                    source,
                })?;
        }
        let wake_sender = Mutex::new(wake_sender);
        let (handle, commands) = DriverHandle::new(Arc::new(move || {
            if let Ok(mut stream) = wake_sender.lock() {
                // A full socket already holds a wake-up; nothing is lost.
                let _ = stream.write(&[1]);
            }
        }));
        let mut driver = Self {
            routers: Routers::new(),
            netlink_events: NetlinkEvents::subscribe()?,
            joined: HashSet::new(),
            virtual_macs: HashMap::new(),
            changed_sysctls: Vec::new(),
            wake_receiver,
            timer: DeadlineTimer::new().map_err(|source| DriverError::Io {
                operation: "creating the timer",
                source,
            })?,
            armed_for: None,
            commands,
            handle,
            buffer: vec![0; RECEIVE_BUFFER],
            executor,
        };
        let checked = driver.check(&routers, &instances)?;
        driver.routers = routers;
        // `Drop` removes what this creates if it fails part of the way.
        driver.install(&instances, &checked)?;
        Ok(driver)
    }

    /// Checks `added`, the instances to run next to the other routers of `routers` (which holds
    /// them all), against the host: their interfaces exist, their primary addresses are there,
    /// their prefix lengths are valid, none of their addresses is held by someone else or shared
    /// with another router. Returns the addresses a killed process left, to remove.
    fn check(&mut self, routers: &Routers, added: &[Instance]) -> Result<Checked, DriverError> {
        let mut holders: HashMap<(u32, IpAddr), RouterKey> = HashMap::new();
        for (key, router) in routers.iter() {
            // Where its addresses go, by the configured interface (not a virtual MAC's); the added
            // routers are not placed yet, so their instance says.
            let (excluded, devices) = match added.iter().find(|i| RouterKey::of(&i.config) == key) {
                Some(instance) => (instance.excluded.clone(), instance.devices.clone()),
                None => {
                    let placed = self.executor.placement(&key);
                    (placed.excluded, placed.devices)
                }
            };
            let placement = Placement {
                excluded,
                devices,
                ..Placement::on(key.interface_index)
            };
            let excluded = placement.excluded.iter().map(|a| a.address);
            for address in router.config().addresses().iter().chain(excluded) {
                let interface = placement.interface_of(address);
                if let Some(&first) = holders.get(&(interface, address)) {
                    return Err(DriverError::SharedAddress {
                        address,
                        first,
                        second: key,
                    });
                }
                holders.insert((interface, address), key);
            }
        }
        let held: HashSet<(u32, IpAddr)> = self
            .executor
            .added_addresses()
            .map(|(interface, address)| (interface, address.address))
            .collect();
        let (_, netlink, _) = self.executor.backends();
        let links: HashMap<u32, Interface> = netlink
            .interfaces()?
            .into_iter()
            .map(|i| (i.index, i))
            .collect();
        let mut leftovers = Vec::new();
        for instance in added {
            for (index, address, prefix_len) in check_instance(netlink, &links, instance)? {
                if !held.contains(&(index, address)) {
                    leftovers.push((index, address, prefix_len));
                }
            }
        }
        Ok(Checked { leftovers, links })
    }

    /// Prepares `instances`, which `checked` found good and whose routers are already in
    /// `self.routers`: removes the leftovers, opens and joins what their sockets need, places their
    /// addresses, and creates their virtual MAC interfaces.
    fn install(&mut self, instances: &[Instance], checked: &Checked) -> Result<(), DriverError> {
        let (sockets, netlink, _) = self.executor.backends();
        for &(index, address, prefix_len) in &checked.leftovers {
            netlink.remove_address(index, address, prefix_len)?;
        }
        for instance in instances {
            let key = RouterKey::of(&instance.config);
            let socket = match key.family {
                AddressFamily::Ipv4 => &mut sockets.ipv4,
                AddressFamily::Ipv6 => &mut sockets.ipv6,
            };
            if socket.is_none() {
                *socket = Some(VrrpSocket::open(key.family)?);
            }
            if let Some(socket) = socket
                && !self.joined.contains(&(key.interface_index, key.family))
            {
                socket.join(key.interface_index)?;
                self.joined.insert((key.interface_index, key.family));
            }
        }
        for instance in instances {
            let key = RouterKey::of(&instance.config);
            let mut placement = Placement::on(key.interface_index);
            placement.addresses.clone_from(&instance.prefixes);
            placement.excluded.clone_from(&instance.excluded);
            placement.devices.clone_from(&instance.devices);
            self.executor.place(key, placement);
            if instance.virtual_mac {
                self.create_virtual_mac(key, &checked.links[&key.interface_index])?;
            }
            // Best effort: what fails here is looked up again, and reported, at the first
            // announcement.
            let interface = self.executor.placement(&key).address_interface;
            let (_, _, announcer) = self.executor.backends();
            let _ = announcer.prepare(interface, key.family);
        }
        Ok(())
    }

    /// Applies `change` while running (see [`DriverHandle::reconfigure`]): checks everything first,
    /// and changes nothing when a check fails.
    fn reconfigure(
        &mut self,
        now: Instant,
        change: &Reconfiguration,
        on_event: &mut impl FnMut(Event),
    ) -> Result<Vec<RouterKey>, ReconfigureError> {
        let refused = |error: DriverError| ReconfigureError::Refused(Box::new(error));
        let mut next = self.routers.clone();
        for key in &change.remove {
            next.remove(now, key).map_err(|e| refused(e.into()))?;
        }
        let mut added = Vec::with_capacity(change.add.len());
        for instance in &change.add {
            added.push(
                next.add(instance.config.clone())
                    .map_err(|e| refused(e.into()))?,
            );
        }
        for group in &change.sync_groups {
            next.add_sync_group(group).map_err(|e| refused(e.into()))?;
        }
        let checked = self.check(&next, &change.add).map_err(refused)?;
        // Commit: the removed routers' last actions (priority 0, addresses released) go first.
        self.routers = next;
        self.drain(on_event);
        let failed = |error: DriverError| ReconfigureError::Failed(Box::new(error));
        for key in &change.remove {
            self.executor.remove_placement(key);
            if let Some(index) = self.virtual_macs.remove(key) {
                let (_, netlink, _) = self.executor.backends();
                netlink.delete_link(index).map_err(|e| failed(e.into()))?;
            }
        }
        let in_use: HashSet<(u32, AddressFamily)> = self
            .routers
            .iter()
            .map(|(key, _)| (key.interface_index, key.family))
            .collect();
        for &(index, family) in self.joined.difference(&in_use) {
            if let Some(socket) = self.executor.sender().get(family) {
                // Best effort: the interface may be gone.
                let _ = socket.leave(index);
            }
        }
        self.joined.retain(|pair| in_use.contains(pair));
        self.install(&change.add, &checked).map_err(failed)?;
        for key in &added {
            self.routers
                .start_router(now, key)
                .map_err(|e| failed(e.into()))?;
            if !checked.links[&key.interface_index].running {
                self.routers.handle_link(now, key.interface_index, false);
            }
        }
        self.drain(on_event);
        Ok(added)
    }

    /// Groups virtual routers that must change state together (see [`Routers::add_sync_group`]).
    pub fn add_sync_group(&mut self, members: &[RouterKey]) -> Result<(), DriverError> {
        Ok(self.routers.add_sync_group(members)?)
    }

    /// A handle for other threads: priorities, statistics, shutdown.
    pub fn handle(&self) -> DriverHandle {
        self.handle.clone()
    }

    /// The virtual routers.
    pub fn routers(&self) -> &Routers {
        &self.routers
    }

    /// Runs the virtual routers on this thread until [`DriverHandle::shutdown`], delivering events
    /// to `on_event`. On shutdown Masters advertise priority 0 and release their addresses, the
    /// virtual MAC interfaces are removed, and a final [`Event::Stats`] is delivered.
    pub fn run(mut self, mut on_event: impl FnMut(Event)) -> Result<(), DriverError> {
        self.start(Instant::now(), &mut on_event)?;
        loop {
            self.arm_timer()?;
            let ready: Vec<Source> = {
                let sources = self.descriptors();
                let fds: Vec<BorrowedFd<'_>> = sources.iter().map(|&(_, fd)| fd).collect();
                let readable = wait_readable(&fds, None).map_err(|source| DriverError::Io {
                    operation: "waiting for packets and timers",
                    source,
                })?;
                sources
                    .iter()
                    .zip(readable)
                    .filter_map(|(&(source, _), readable)| readable.then_some(source))
                    .collect()
            };
            if self.service(&ready, &mut on_event)? {
                return self.stop(Instant::now(), &mut on_event);
            }
        }
    }

    /// Sets the timer to the routers' next deadline, unless it is set to it already.
    pub(crate) fn arm_timer(&mut self) -> Result<(), DriverError> {
        let deadline = self.routers.poll_timeout();
        if deadline == self.armed_for {
            return Ok(());
        }
        let after = deadline.map(|at| at.saturating_duration_since(Instant::now()));
        self.timer.set(after).map_err(|source| DriverError::Io {
            operation: "setting the timer",
            source,
        })?;
        self.armed_for = deadline;
        Ok(())
    }

    /// Serves the sources that are `ready`, then the timers that are due. Returns true, before the
    /// timers, when a command asked for shutdown.
    pub(crate) fn service(
        &mut self,
        ready: &[Source],
        on_event: &mut impl FnMut(Event),
    ) -> Result<bool, DriverError> {
        let now = Instant::now();
        let mut shutdown = false;
        for &source in ready {
            match source {
                Source::Socket(family) => self.receive(now, family, on_event)?,
                Source::Netlink => self.link_events(now, on_event)?,
                Source::Wake => shutdown |= self.commands(now, on_event),
                Source::Timer => {
                    self.timer.clear();
                    self.armed_for = None;
                }
            }
        }
        if !shutdown {
            self.routers.handle_timeout(Instant::now());
            self.drain(on_event);
        }
        Ok(shutdown)
    }

    /// Starts the routers; a router whose link is down starts in Fault.
    pub(crate) fn start(
        &mut self,
        now: Instant,
        on_event: &mut impl FnMut(Event),
    ) -> Result<(), DriverError> {
        self.routers.start(now);
        self.drain(on_event);
        let (_, netlink, _) = self.executor.backends();
        let down: Vec<u32> = netlink
            .interfaces()?
            .into_iter()
            .filter(|i| !i.running)
            .map(|i| i.index)
            .collect();
        for index in down {
            self.routers.handle_link(now, index, false);
        }
        self.drain(on_event);
        Ok(())
    }

    /// The descriptors to wait on, each with what it is: the sockets that are open, the netlink
    /// events, the wake-up socket.
    pub(crate) fn descriptors(&self) -> Vec<(Source, BorrowedFd<'_>)> {
        let sockets = self.executor.sender();
        let mut fds: Vec<(Source, BorrowedFd<'_>)> = [AddressFamily::Ipv4, AddressFamily::Ipv6]
            .into_iter()
            .filter_map(|family| Some((Source::Socket(family), sockets.get(family)?.as_fd())))
            .collect();
        fds.push((Source::Netlink, self.netlink_events.as_fd()));
        fds.push((Source::Wake, self.wake_receiver.as_fd()));
        fds.push((Source::Timer, self.timer.as_fd()));
        fds
    }

    /// Reads every waiting datagram of `family` into the routers.
    fn receive(
        &mut self,
        now: Instant,
        family: AddressFamily,
        on_event: &mut impl FnMut(Event),
    ) -> Result<(), DriverError> {
        loop {
            let Some(socket) = self.executor.sender().get(family) else {
                return Ok(());
            };
            match socket.recv(&mut self.buffer) {
                Ok(Received::Packet { rx, payload }) => {
                    // Rejected packets are counted in the statistics.
                    let _ = self.routers.handle_packet(now, &rx, payload);
                }
                Ok(Received::Malformed(error)) => self.routers.record_malformed(&error),
                Err(SocketError::Io { source, .. })
                    if source.kind() == io::ErrorKind::WouldBlock =>
                {
                    return Ok(());
                }
                Err(SocketError::MissingAncillaryData(_)) => {}
                Err(error) => return Err(error.into()),
            }
            self.drain(on_event);
        }
    }

    /// Feeds link changes to the routers.
    fn link_events(
        &mut self,
        now: Instant,
        on_event: &mut impl FnMut(Event),
    ) -> Result<(), DriverError> {
        for event in self.netlink_events.recv()? {
            let (index, up) = match event {
                NetlinkEvent::Link(interface) => (interface.index, interface.running),
                NetlinkEvent::LinkRemoved { index } => (index, false),
                NetlinkEvent::AddressAdded(_) | NetlinkEvent::AddressRemoved(_) => continue,
            };
            self.routers.handle_link(now, index, up);
        }
        self.drain(on_event);
        Ok(())
    }

    /// Applies the waiting commands; true when one asks for shutdown.
    fn commands(&mut self, now: Instant, on_event: &mut impl FnMut(Event)) -> bool {
        let mut scratch = [0; 64];
        while matches!(self.wake_receiver.read(&mut scratch), Ok(n) if n > 0) {}
        let mut shutdown = false;
        while let Ok(command) = self.commands.try_recv() {
            match command {
                Command::SetPriority(key, priority) => {
                    self.routers.set_priority(now, &key, priority);
                }
                Command::SetTrackingWeight(key, weight) => {
                    self.routers.set_tracking_weight(now, &key, weight);
                }
                Command::SetTrackingFault(key, fault) => {
                    self.routers.set_tracking_fault(now, &key, fault);
                }
                Command::RequestStats => on_event(Event::Stats(StatsReport::of(&self.routers))),
                Command::Reconfigure(change, reply) => {
                    let result = self.reconfigure(now, &change, on_event);
                    // The caller may have stopped waiting; the change stands either way.
                    let _ = reply.send(result);
                }
                Command::Shutdown => shutdown = true,
            }
            self.drain(on_event);
        }
        shutdown
    }

    /// Shuts the routers down and removes the virtual MAC interfaces.
    pub(crate) fn stop(
        mut self,
        now: Instant,
        on_event: &mut impl FnMut(Event),
    ) -> Result<(), DriverError> {
        self.routers.shutdown(now);
        self.drain(on_event);
        on_event(Event::Stats(StatsReport::of(&self.routers)));
        self.remove_created()
    }

    /// Carries out the routers' actions.
    pub(crate) fn drain(&mut self, on_event: &mut impl FnMut(Event)) {
        while let Some((key, action)) = self.routers.poll_action() {
            self.executor.execute(key, action, on_event);
        }
    }

    fn create_virtual_mac(
        &mut self,
        key: RouterKey,
        parent: &Interface,
    ) -> Result<(), DriverError> {
        let name = virtual_mac_name(&key);
        let mac = MacAddress::virtual_router(key.vrid, key.family);
        let (_, netlink, _) = self.executor.backends();
        if let Ok(stale) = netlink.interface_by_name(&name) {
            netlink.delete_link(stale.index)?;
        }
        let index = netlink.create_macvlan(key.interface_index, &name, mac)?;
        self.virtual_macs.insert(key, index);
        if key.family == AddressFamily::Ipv4 {
            // The parent must not speak ARP for the virtual address with its own MAC (RFC 5798
            // §8.1.2): it answers only for its own addresses (arp_ignore 1), and its own requests
            // carry its own address (arp_announce 2), not a virtual one a reply came from.
            self.raise_sysctl(&parent.name, "arp_ignore", 1)?;
            self.raise_sysctl(&parent.name, "arp_announce", 2)?;
        }
        let mut placement = self.executor.placement(&key);
        placement.address_interface = index;
        if key.family == AddressFamily::Ipv4 {
            placement.send_interface = index;
        }
        self.executor.place(key, placement);
        Ok(())
    }

    /// Raises IPv4 sysctl `name` of `interface` to at least `value`, remembering the old value.
    fn raise_sysctl(&mut self, interface: &str, name: &str, value: u8) -> Result<(), DriverError> {
        let path = format!("/proc/sys/net/ipv4/conf/{interface}/{name}");
        if self.changed_sysctls.iter().any(|(p, _)| *p == path) {
            return Ok(());
        }
        let io = |operation| move |source| DriverError::Io { operation, source };
        let old = std::fs::read_to_string(&path).map_err(io("reading an ARP sysctl"))?;
        if old.trim().parse::<u8>().is_ok_and(|old| old < value) {
            std::fs::write(&path, value.to_string())
                .map_err(io("setting an ARP sysctl on a virtual MAC's parent"))?;
            self.changed_sysctls.push((path, old));
        }
        Ok(())
    }

    /// Removes the addresses still held and the virtual MAC interfaces.
    fn remove_created(&mut self) -> Result<(), DriverError> {
        let mut first_error =
            self.executor
                .release_all()
                .err()
                .map(|source| DriverError::Backend {
                    operation: "releasing the virtual addresses",
                    source,
                });
        let (_, netlink, _) = self.executor.backends();
        for (_, index) in self.virtual_macs.drain() {
            if let Err(error) = netlink.delete_link(index) {
                first_error.get_or_insert(error.into());
            }
        }
        for (path, old) in self.changed_sysctls.drain(..) {
            // Best effort: the interface may be gone.
            let _ = std::fs::write(path, old.trim());
        }
        first_error.map_or(Ok(()), Err)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Best effort: `stop` has already removed everything unless the driver failed or was
        // dropped without running.
        let _ = self.remove_created();
    }
}

/// The name of the virtual MAC interface of `key`: `vrrp<4|6>.<ifindex>.<vrid>`, within the
/// kernel's 15 characters for every index below 10^6.
pub fn virtual_mac_name(key: &RouterKey) -> String {
    let family = match key.family {
        AddressFamily::Ipv4 => 4,
        AddressFamily::Ipv6 => 6,
    };
    format!("vr{family}.{}.{}", key.interface_index, key.vrid)
}

/// Checks the instance against the interface it runs on: its primary address is there, its prefix
/// lengths are valid, and none of its addresses is held by someone else. Returns those of its
/// addresses that this crate configured (with their interfaces and prefix lengths): a killed
/// process left them, or a running router holds them.
fn check_instance(
    netlink: &mut Netlink,
    links: &HashMap<u32, Interface>,
    instance: &Instance,
) -> Result<Vec<(u32, IpAddr, u8)>, DriverError> {
    let index = instance.config.interface_index();
    let interface = links
        .get(&index)
        .ok_or(DriverError::UnknownInterface(index))?;
    let config = &instance.config;
    let advertised = |address: IpAddr| config.addresses().iter().any(|a| a == address);
    let valid = |a: &VirtualAddress| {
        let max = if a.address.is_ipv4() { 32 } else { 128 };
        a.prefix_len <= max
            && !(a.address.is_ipv6() && (a.label.is_some() || a.broadcast.is_some()))
    };
    for prefix in &instance.prefixes {
        if !valid(prefix) || !advertised(prefix.address) {
            return Err(DriverError::InvalidPrefix {
                vrid: config.vrid(),
                address: prefix.address,
                prefix_len: prefix.prefix_len,
            });
        }
    }
    for excluded in &instance.excluded {
        if !valid(excluded) || advertised(excluded.address) {
            return Err(DriverError::InvalidExcluded {
                vrid: config.vrid(),
                address: excluded.address,
            });
        }
    }
    let own = netlink.addresses(interface.index, config.family())?;
    if !own.iter().any(|a| a.address == config.primary_address()) {
        return Err(DriverError::PrimaryAddressNotOnInterface {
            interface: interface.name.clone(),
            address: config.primary_address(),
        });
    }
    // Where each of its addresses goes, and so which (interface, family) pairs to look at.
    let target = |address: IpAddr| {
        instance
            .devices
            .iter()
            .find(|(a, _)| *a == address)
            .map_or(interface.index, |&(_, index)| index)
    };
    let all: Vec<IpAddr> = config
        .addresses()
        .iter()
        .chain(instance.excluded.iter().map(|a| a.address))
        .collect();
    let mut scanned: Vec<(u32, AddressFamily)> = vec![(interface.index, config.family())];
    for &address in &all {
        let pair = (target(address), AddressFamily::of(address));
        if !links.contains_key(&pair.0) {
            return Err(DriverError::UnknownInterface(pair.0));
        }
        if !scanned.contains(&pair) {
            scanned.push(pair);
        }
    }
    let mut ours = Vec::new();
    for (index, family) in scanned {
        let present = if (index, family) == (interface.index, config.family()) {
            own.clone()
        } else {
            netlink.addresses(index, family)?
        };
        for address in present {
            if !all.contains(&address.address) || target(address.address) != index {
                continue;
            }
            if address.protocol == ADDRESS_PROTOCOL {
                ours.push((index, address.address, address.prefix_len));
            } else if !config.is_owner() {
                return Err(DriverError::ForeignAddress {
                    interface: links[&index].name.clone(),
                    address: address.address,
                });
            }
        }
    }
    Ok(ours)
}
