//! The smallest real embedding of `vrrp`: one virtual router per address family on one interface,
//! run by the blocking driver, with state changes printed as JSON lines.
//!
//! ```text
//! failover --interface eth0 --vrid 51 --priority 150 --vip 192.0.2.100/24
//!          [--version 2|3] [--advert-interval 1s|100ms] [--no-preempt] [--preempt-delay 5s]
//!          [--no-accept] [--vmac] [--unicast-peer IP]... [--checksum rfc5798|rfc9568]
//!          [--auth-pass SECRET] [--count N] [--vip-lifetime 10s] [--router-advertisements 600s]
//!          [--auth-hmac-key ID:hex:DIGITS]... [--auth-hmac-active ID]
//!          [--auth-hmac-mode enforce|permissive|receive-only] [--min-hop-limit N] [--async]
//! ```
//!
//! The virtual addresses accept traffic, as keepalived's do without `vrrp_strict`: a service answers
//! on them. `--no-accept` is the RFC's Accept_Mode off: the host drops packets addressed to them
//! (nftables), except neighbour discovery.
//! `--async` runs the driver on tokio instead of a thread of its own (build with `--features tokio`).
//! Without `--checksum` an IPv4 VRRPv3 router sends the RFC 5798 (pseudo-header) checksum and accepts
//! both forms; with it, it sends the form named and accepts only that one. `--count N` runs N virtual
//! routers per family: VRIDs N, N+1, ... from `--vrid`, the k-th (from 0) with every VIP plus k.
//! `--router-advertisements 600s` has the IPv6 Master send router advertisements at that interval
//! (4 s to 1800 s) for the prefixes of its IPv6 VIPs.
//! `--auth-hmac-key` authenticates the adverts with HMAC-SHA256 as keepalived 2.4's `auth_hmac` does
//! (repeat it to rotate keys), signing with the first key unless `--auth-hmac-active` names
//! another; `--auth-hmac-mode` migrates a running pair (default enforce). `--min-hop-limit` accepts
//! adverts from unicast peers that are routers away (255 by default: on the link only).
//! `--vip-lifetime` installs the VIPs with that lifetime (3 s or more) and renews them every third of
//! it, so that the kernel removes them by itself when the process is killed or hangs (the driver's
//! default: 60 advertisement intervals); `--vip-lifetime forever` installs them for ever.
//!
//! SIGUSR1 prints the statistics as one JSON line; SIGTERM and SIGINT shut down cleanly (priority 0,
//! addresses released) and print them once more. Bad arguments exit with status 2, a driver that
//! cannot start with status 1.

use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

#[path = "common/args.rs"]
mod args;
#[path = "common/vips.rs"]
mod vips;

use args::{ArgError, address, duration, hex_bytes, number, prefix, value_after};
use signal_hook::consts::{SIGINT, SIGTERM, SIGUSR1};
use signal_hook::iterator::Signals;
use vips::FamilyVips;
use vrrp::host::{Event, Instance, MAX_ADDRESS_LIFETIME, MIN_ADDRESS_LIFETIME, json};
use vrrp::linux::{Driver, InterfaceNames, Netlink};
use vrrp::packet::{Authentication, ChecksumAcceptance, ChecksumForm, Password, Version};
use vrrp::{
    AddressFamily, Config, HmacAuth, HmacKey, HmacMode, Priority, RouterAdvertisements, Vrid,
};

const USAGE: &str =
    "usage: failover --interface IF --vrid N --priority P --vip ADDR/LEN [--vip ...]
       [--version 2|3] [--advert-interval DURATION] [--no-preempt] [--preempt-delay DURATION]
       [--no-accept] [--vmac] [--unicast-peer IP]... [--checksum rfc5798|rfc9568] [--auth-pass SECRET]
       [--count N] [--vip-lifetime DURATION] [--router-advertisements DURATION]
       [--auth-hmac-key ID:hex:DIGITS]... [--auth-hmac-active ID]
       [--auth-hmac-mode enforce|permissive|receive-only] [--min-hop-limit N] [--async]";

/// The command line, checked.
struct Options {
    interface: String,
    vrid: u8,
    priority: u8,
    vips: Vec<(IpAddr, u8)>,
    version: Version,
    interval: Duration,
    preempt: bool,
    preempt_delay: Duration,
    accept: bool,
    vmac: bool,
    peers: Vec<IpAddr>,
    checksum: ChecksumAcceptance,
    password: Option<Password>,
    run_async: bool,
    count: u8,
    /// `--vip-lifetime`, when given: a lifetime, or `None` for ever.
    vip_lifetime: Option<Option<Duration>>,
    router_advertisements: Option<RouterAdvertisements>,
    hmac_keys: Vec<HmacKey>,
    hmac_active: Option<u8>,
    hmac_mode: HmacMode,
    min_hop_limit: u8,
}

fn parse_options(mut args: impl Iterator<Item = String>) -> Result<Options, ArgError> {
    let mut interface = None;
    let mut vrid = None;
    let mut options = Options {
        interface: String::new(),
        vrid: 0,
        priority: 100,
        vips: Vec::new(),
        version: Version::V3,
        interval: Duration::from_secs(1),
        preempt: true,
        preempt_delay: Duration::ZERO,
        accept: true,
        vmac: false,
        peers: Vec::new(),
        checksum: ChecksumAcceptance::Either,
        password: None,
        run_async: false,
        count: 1,
        vip_lifetime: None,
        router_advertisements: None,
        hmac_keys: Vec::new(),
        hmac_active: None,
        hmac_mode: HmacMode::Enforce,
        min_hop_limit: 255,
    };
    while let Some(flag) = args.next() {
        let mut value = || value_after(&flag, &mut args);
        match flag.as_str() {
            "--interface" => interface = Some(value()?),
            "--vrid" => vrid = Some(number(&flag, &value()?)?),
            "--priority" => options.priority = number(&flag, &value()?)?,
            "--vip" => options.vips.push(prefix(&flag, &value()?)?),
            "--version" => {
                options.version = match value()?.as_str() {
                    "2" => Version::V2,
                    "3" => Version::V3,
                    other => return Err(ArgError(format!("--version: {other:?} is not 2 or 3"))),
                }
            }
            "--advert-interval" => options.interval = duration(&flag, &value()?)?,
            "--no-preempt" => options.preempt = false,
            "--preempt-delay" => options.preempt_delay = duration(&flag, &value()?)?,
            "--no-accept" => options.accept = false,
            "--vmac" => options.vmac = true,
            "--async" if cfg!(feature = "tokio") => options.run_async = true,
            "--async" => {
                return Err(ArgError(
                    "--async needs the example built with --features tokio".into(),
                ));
            }
            "--unicast-peer" => options.peers.push(address(&flag, &value()?)?),
            "--checksum" => {
                options.checksum = match value()?.as_str() {
                    "rfc5798" => ChecksumAcceptance::Only(ChecksumForm::PseudoHeader),
                    "rfc9568" => ChecksumAcceptance::Only(ChecksumForm::MessageOnly),
                    other => {
                        return Err(ArgError(format!(
                            "--checksum: {other:?} is not rfc5798 or rfc9568"
                        )));
                    }
                }
            }
            "--auth-pass" => {
                let secret = value()?;
                options.password = Some(
                    Password::new(secret.as_bytes())
                        .map_err(|e| ArgError(format!("--auth-pass: {e}")))?,
                );
            }
            "--auth-hmac-key" => options.hmac_keys.push(hmac_key(&value()?)?),
            "--auth-hmac-active" => options.hmac_active = Some(number(&flag, &value()?)?),
            "--auth-hmac-mode" => {
                options.hmac_mode = match value()?.as_str() {
                    "enforce" => HmacMode::Enforce,
                    "permissive" => HmacMode::Permissive,
                    "receive-only" => HmacMode::ReceiveOnly,
                    other => {
                        return Err(ArgError(format!(
                            "--auth-hmac-mode: {other:?} is not enforce, permissive or receive-only"
                        )));
                    }
                }
            }
            "--min-hop-limit" => options.min_hop_limit = number(&flag, &value()?)?,
            "--count" => {
                options.count = number(&flag, &value()?)?;
                if options.count == 0 {
                    return Err(ArgError("--count: must be at least 1".into()));
                }
            }
            "--router-advertisements" => {
                let interval = duration(&flag, &value()?)?;
                options.router_advertisements = Some(RouterAdvertisements::every(interval));
            }
            "--vip-lifetime" => {
                let text = value()?;
                if text == "forever" {
                    options.vip_lifetime = Some(None);
                    continue;
                }
                let lifetime = duration(&flag, &text)?;
                if !(MIN_ADDRESS_LIFETIME..=MAX_ADDRESS_LIFETIME).contains(&lifetime) {
                    return Err(ArgError(format!(
                        "--vip-lifetime: {lifetime:?} is out of range (3s or more)"
                    )));
                }
                options.vip_lifetime = Some(Some(lifetime));
            }
            other => return Err(ArgError(format!("unknown argument {other:?}"))),
        }
    }
    options.interface = interface.ok_or_else(|| ArgError("--interface is required".into()))?;
    options.vrid = vrid.ok_or_else(|| ArgError("--vrid is required".into()))?;
    if options.vips.is_empty() {
        return Err(ArgError("--vip is required (at least one)".into()));
    }
    if usize::from(options.vrid) + usize::from(options.count) - 1 > 255 {
        return Err(ArgError(format!(
            "--count: VRIDs {} to {} go past 255",
            options.vrid,
            usize::from(options.vrid) + usize::from(options.count) - 1
        )));
    }
    Ok(options)
}

/// `ID:hex:DIGITS`: an HMAC key of 32 to 64 bytes.
fn hmac_key(text: &str) -> Result<HmacKey, ArgError> {
    let bad = |why: String| ArgError(format!("--auth-hmac-key: {why}"));
    let (id, hex) = text.split_once(":hex:").ok_or_else(|| {
        bad(format!(
            "{:?} is not ID:hex:DIGITS",
            text.get(..4).unwrap_or(text)
        ))
    })?;
    let id = id
        .parse()
        .map_err(|_| bad(format!("{id:?} is not a key id from 1 to 255")))?;
    let bytes = hex_bytes("--auth-hmac-key", hex)?;
    HmacKey::new(id, &bytes).map_err(|e| bad(e.to_string()))
}

/// The HMAC authentication the options ask for, if any.
fn hmac(options: &Options) -> Result<Option<HmacAuth>, String> {
    let Some(first) = options.hmac_keys.first() else {
        return Ok(None);
    };
    let mut builder =
        HmacAuth::builder(options.hmac_active.unwrap_or(first.id())).mode(options.hmac_mode);
    for key in &options.hmac_keys {
        builder = builder.key(key.clone());
    }
    builder
        .build()
        .map(Some)
        .map_err(|e| format!("--auth-hmac-key: {e}"))
}

/// `--count` instances per address family among the VIPs.
fn instances(options: &Options, netlink: &mut Netlink) -> Result<Vec<Instance>, String> {
    let mut instances = Vec::new();
    for FamilyVips {
        family,
        interface_index,
        source,
        vips,
    } in vips::per_family(netlink, &options.interface, &options.vips)?
    {
        for k in 0..options.count {
            let shifted: Vec<(IpAddr, u8)> = vips
                .iter()
                .map(|&(vip, len)| offset(vip, k).map(|vip| (vip, len)))
                .collect::<Result<_, _>>()?;
            let vrid = Vrid::try_from(options.vrid + k)
                .map_err(|e| format!("invalid {family} configuration: {e}"))?;
            let mut builder = Config::builder(interface_index, vrid, source)
                .version(options.version)
                .priority(Priority::new(options.priority))
                .owner(options.priority == 255)
                .advert_interval(options.interval)
                .preempt(options.preempt)
                .preempt_delay(options.preempt_delay)
                .accept(options.accept)
                .checksum_acceptance(options.checksum);
            if let ChecksumAcceptance::Only(form) = options.checksum {
                builder = builder.checksum_form(form);
            }
            if let Some(password) = options.password {
                builder = builder.authentication(Authentication::Password(password));
            }
            if let Some(auth) = hmac(options)? {
                builder = builder.auth_hmac(auth);
            }
            if !options.peers.is_empty() {
                builder = builder.min_hop_limit(options.min_hop_limit);
            }
            if family == AddressFamily::Ipv6 {
                builder = builder.router_advertisements(options.router_advertisements);
            }
            for peer in options
                .peers
                .iter()
                .filter(|p| AddressFamily::of(**p) == family)
            {
                builder = builder.unicast_peer(*peer);
            }
            instances.push(vips::instance(family, builder, &shifted)?.virtual_mac(options.vmac));
        }
    }
    Ok(instances)
}

/// `address` plus `k`, for the k-th router of `--count`.
fn offset(address: IpAddr, k: u8) -> Result<IpAddr, String> {
    let shifted = match address {
        IpAddr::V4(a) => u32::from(a)
            .checked_add(u32::from(k))
            .map(|a| IpAddr::V4(a.into())),
        IpAddr::V6(a) => u128::from(a)
            .checked_add(u128::from(k))
            .map(|a| IpAddr::V6(a.into())),
    };
    shifted.ok_or_else(|| format!("--count: {address} plus {k} is past the last address"))
}

fn main() -> ExitCode {
    let options = match parse_options(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(ArgError(message)) => {
            eprintln!("failover: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut netlink = match Netlink::open() {
        Ok(netlink) => netlink,
        Err(error) => return fail(&error.to_string()),
    };
    let instances = match instances(&options, &mut netlink) {
        Ok(instances) => instances,
        Err(message) => return fail(&message),
    };
    let names = InterfaceNames::read(&mut netlink).unwrap_or_default();
    let mut driver = match Driver::new(instances) {
        Ok(driver) => driver,
        Err(error) => return fail(&error.to_string()),
    };
    if let Some(lifetime) = options.vip_lifetime
        && let Err(error) = driver.set_address_lifetime(lifetime)
    {
        return fail(&error.to_string());
    }
    let handle = driver.handle();
    let mut signals = match Signals::new([SIGTERM, SIGINT, SIGUSR1]) {
        Ok(signals) => signals,
        Err(error) => return fail(&format!("installing signal handlers: {error}")),
    };
    std::thread::spawn(move || {
        for signal in signals.forever() {
            let sent = match signal {
                SIGUSR1 => handle.request_stats(),
                _ => handle.shutdown(),
            };
            if sent.is_err() {
                return;
            }
        }
    });
    let on_event = |event: Event| println!("{}", json::event(&event, |i| names.name(i)));
    let result = if options.run_async {
        run_async(driver, on_event)
    } else {
        driver.run(on_event)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error.to_string()),
    }
}

/// Runs the driver as a task on a single-threaded tokio runtime.
#[cfg(feature = "tokio")]
fn run_async(driver: Driver, on_event: impl FnMut(Event)) -> Result<(), vrrp::host::DriverError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| vrrp::host::DriverError::Io {
            operation: "starting the tokio runtime",
            source,
        })?
        .block_on(driver.run_async(on_event))
}

#[cfg(not(feature = "tokio"))]
fn run_async(driver: Driver, on_event: impl FnMut(Event)) -> Result<(), vrrp::host::DriverError> {
    // `parse_options` refuses --async in this build.
    driver.run(on_event)
}

fn fail(message: &str) -> ExitCode {
    eprintln!("failover: {message}");
    ExitCode::FAILURE
}
