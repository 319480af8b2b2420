//! The command line of the load-balancer examples (`proxy` and the Pingora example): the same
//! options, the same defaults and the same checks, so that the demo drives either.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::args::{ArgError, duration, number, prefix, value_after};

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
    Ok(options)
}

/// An `ADDRESS:PORT` value of `flag`.
pub fn socket_address(flag: &str, text: &str) -> Result<SocketAddr, ArgError> {
    text.parse()
        .map_err(|_| ArgError(format!("{flag}: {text:?} is not ADDRESS:PORT")))
}
