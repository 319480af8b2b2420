//! The command line of the load-balancer examples (`proxy` and the Pingora example): the same
//! options, the same defaults and the same checks, so that the demo drives either.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::args::{ArgError, address, duration, hex_bytes, number, prefix, value_after};

/// The command line, checked.
pub struct Options {
    pub interface: String,
    pub vrid: u8,
    pub priority: u8,
    pub vips: Vec<(IpAddr, u8)>,
    pub advert_interval: Duration,
    pub preempt: bool,
    pub listen: SocketAddr,
    pub upstreams: Vec<SocketAddr>,
    pub health_interval: Duration,
    pub health_timeout: Duration,
    pub fall: u8,
    pub rise: u8,
    pub weight: u8,
    pub connect_timeout: Duration,
    pub idle_timeout: Duration,
    pub drain: Duration,
    pub events: bool,
    /// Routed mode: the VIPs are held on this interface, created by the program and gone with it,
    /// for a BGP speaker on the host to announce, instead of on `interface`.
    pub routed_interface: Option<String>,
    /// Advertise to these peers instead of the multicast group.
    pub unicast_peers: Vec<IpAddr>,
    /// The lowest TTL / hop limit an advert may arrive with (255 unless set: on the link).
    pub min_hop_limit: Option<u8>,
    /// A file holding a 32- to 64-byte HMAC key in hex: the adverts are signed and checked.
    pub auth_key_file: Option<PathBuf>,
    /// The VIPs' lifetime, renewed while the program runs (for ever unless set).
    pub vip_lifetime: Option<Duration>,
}

/// Reads the options from `args` (without the program name); `idle_timeout` reads
/// `--idle-timeout`'s value, as the program can honour it.
pub fn parse_options(
    mut args: impl Iterator<Item = String>,
    idle_timeout: fn(&str, &str) -> Result<Duration, ArgError>,
) -> Result<Options, ArgError> {
    let (mut interface, mut vrid, mut listen) = (None, None, None);
    let mut options = Options {
        interface: String::new(),
        vrid: 0,
        priority: 100,
        vips: Vec::new(),
        advert_interval: Duration::from_millis(100),
        preempt: true,
        listen: SocketAddr::from(([0, 0, 0, 0], 0)),
        upstreams: Vec::new(),
        health_interval: Duration::from_millis(200),
        health_timeout: Duration::from_millis(100),
        fall: 2,
        rise: 2,
        weight: 60,
        connect_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(30),
        drain: Duration::from_secs(2),
        events: false,
        routed_interface: None,
        unicast_peers: Vec::new(),
        min_hop_limit: None,
        auth_key_file: None,
        vip_lifetime: None,
    };
    while let Some(flag) = args.next() {
        let mut value = || value_after(&flag, &mut args);
        match flag.as_str() {
            "--interface" => interface = Some(value()?),
            "--vrid" => vrid = Some(number(&flag, &value()?)?),
            "--priority" => options.priority = number(&flag, &value()?)?,
            "--vip" => options.vips.push(prefix(&flag, &value()?)?),
            "--listen" => listen = Some(socket_address(&flag, &value()?)?),
            "--upstream" => options.upstreams.push(socket_address(&flag, &value()?)?),
            "--advert-interval" => options.advert_interval = duration(&flag, &value()?)?,
            "--no-preempt" => options.preempt = false,
            "--health-interval" => options.health_interval = duration(&flag, &value()?)?,
            "--health-timeout" => options.health_timeout = duration(&flag, &value()?)?,
            "--fall" => options.fall = number(&flag, &value()?)?.max(1),
            "--rise" => options.rise = number(&flag, &value()?)?.max(1),
            "--weight" => options.weight = number(&flag, &value()?)?,
            "--connect-timeout" => options.connect_timeout = duration(&flag, &value()?)?,
            "--idle-timeout" => options.idle_timeout = idle_timeout(&flag, &value()?)?,
            "--drain" => options.drain = duration(&flag, &value()?)?,
            "--events" => options.events = true,
            "--routed-interface" => options.routed_interface = Some(value()?),
            "--unicast-peer" => options.unicast_peers.push(address(&flag, &value()?)?),
            "--min-hop-limit" => options.min_hop_limit = Some(number(&flag, &value()?)?),
            "--auth-key-file" => options.auth_key_file = Some(PathBuf::from(value()?)),
            "--vip-lifetime" => options.vip_lifetime = Some(duration(&flag, &value()?)?),
            other => return Err(ArgError(format!("unknown argument {other:?}"))),
        }
    }
    options.interface = interface.ok_or_else(|| ArgError("--interface is required".into()))?;
    options.vrid = vrid.ok_or_else(|| ArgError("--vrid is required".into()))?;
    options.listen = listen.ok_or_else(|| ArgError("--listen is required".into()))?;
    if options.vips.is_empty() {
        return Err(ArgError("--vip is required (at least one)".into()));
    }
    if options.upstreams.is_empty() {
        return Err(ArgError("--upstream is required (at least one)".into()));
    }
    if options.priority == 255 {
        return Err(ArgError(
            "--priority: 255 (the owner) cannot give way on health; use 1 to 254".into(),
        ));
    }
    if options.routed_interface.is_some() && options.vip_lifetime.is_none() {
        return Err(ArgError(
            "--routed-interface needs --vip-lifetime: a hung program's routes must expire".into(),
        ));
    }
    Ok(options)
}

/// An `ADDRESS:PORT` value of `flag`.
pub fn socket_address(flag: &str, text: &str) -> Result<SocketAddr, ArgError> {
    text.parse()
        .map_err(|_| ArgError(format!("{flag}: {text:?} is not ADDRESS:PORT")))
}

/// What the load balancer runs: one virtual router per address family among the VIPs, and in
/// routed mode the interface that holds them (for the driver to keep).
pub struct Routers {
    pub instances: Vec<vrrp::host::Instance>,
    pub routed: Option<vrrp::linux::RoutedInterface>,
}

impl Routers {
    /// The driver that runs the routers, their addresses installed with `vip_lifetime`; in
    /// routed mode it holds the VIPs' interface (and makes it again if it is deleted), which goes,
    /// with the routes, when the program does.
    pub fn driver(
        self,
        vip_lifetime: Option<std::time::Duration>,
    ) -> Result<vrrp::linux::Driver, String> {
        let mut driver = vrrp::linux::Driver::new(self.instances).map_err(|e| e.to_string())?;
        // Without one, the driver's own default (60 advertisement intervals).
        if let Some(lifetime) = vip_lifetime {
            driver
                .set_address_lifetime(Some(lifetime))
                .map_err(|e| format!("--vip-lifetime: {e}"))?;
        }
        if let Some(routed) = self.routed {
            driver.keep_routed_interface(routed);
        }
        Ok(driver)
    }
}

impl Options {
    /// The virtual routers these options describe, with Accept_Mode on (a load balancer serves on
    /// its VIPs, or the host drops its clients); in routed mode, the routed interface created and
    /// each VIP placed on it.
    pub fn routers(&self, netlink: &mut vrrp::linux::Netlink) -> Result<Routers, String> {
        use vrrp::{Config, Priority, Vrid};
        let routed = match &self.routed_interface {
            Some(name) => {
                Some(vrrp::linux::RoutedInterface::create(name).map_err(|e| e.to_string())?)
            }
            None => None,
        };
        let auth = match &self.auth_key_file {
            Some(path) => Some(hmac(path)?),
            None => None,
        };
        let instances = crate::vips::per_family(netlink, &self.interface, &self.vips)?
            .into_iter()
            .map(|family| {
                let invalid = |e: &dyn std::fmt::Display| {
                    format!("invalid {} configuration: {e}", family.family)
                };
                let vrid = Vrid::try_from(self.vrid).map_err(|e| invalid(&e))?;
                let mut builder = Config::builder(family.interface_index, vrid, family.source)
                    .priority(Priority::new(self.priority))
                    .advert_interval(self.advert_interval)
                    .preempt(self.preempt)
                    .accept(true);
                for &peer in &self.unicast_peers {
                    if vrrp::AddressFamily::of(peer) == family.family {
                        builder = builder.unicast_peer(peer);
                    }
                }
                if let Some(min) = self.min_hop_limit {
                    builder = builder.min_hop_limit(min);
                }
                if let Some(auth) = &auth {
                    builder = builder.auth_hmac(auth.clone());
                }
                let instance = crate::vips::instance(family.family, builder, &family.vips)?;
                Ok(match &routed {
                    Some(routed) => family.vips.iter().fold(instance, |instance, &(vip, _)| {
                        instance.device(vip, routed.index())
                    }),
                    None => instance,
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Routers { instances, routed })
    }
}

/// The HMAC authentication of the adverts with key 1 read from `path` (hex), enforced.
fn hmac(path: &std::path::Path) -> Result<vrrp::HmacAuth, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("--auth-key-file {}: {e}", path.display()))?;
    let flag = format!("--auth-key-file {}", path.display());
    let bytes = hex_bytes(&flag, text.trim()).map_err(|ArgError(message)| message)?;
    let key = vrrp::HmacKey::new(1, &bytes).map_err(|e| format!("--auth-key-file: {e}"))?;
    vrrp::HmacAuth::builder(1)
        .key(key)
        .build()
        .map_err(|e| format!("--auth-key-file: {e}"))
}
