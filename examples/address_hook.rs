//! The Linux driver with an address backend of the embedder's own: instead of configuring the
//! virtual address on the interface, the Master runs a command to take it and another to give it
//! back, as a program would call a cloud provider's API to move an elastic IP or tell a BGP
//! speaker to announce the address. Advertisements and announcements still use the Linux sockets.
//!
//! ```text
//! address_hook --interface eth0 --vrid 51 --priority 150 --vip 192.0.2.100
//!              --take 'COMMAND' --release 'COMMAND' [--advert-interval 1s|100ms]
//! ```
//!
//! The commands run with `sh -c` and see `VRRP_ADDRESS`, `VRRP_PREFIX_LEN` and `VRRP_INTERFACE`
//! (the interface's index). A command that exits with a failure status is a failed backend call:
//! the driver reports it (an `{"event":"error",...}` line) and the protocol carries on. SIGTERM
//! and SIGINT shut down cleanly: priority 0 advertised, `--release` run for the held address.

use std::process::{Command, ExitCode};
use std::time::Duration;

#[path = "common/args.rs"]
mod args;

use args::{ArgError, duration, number, prefix, value_after};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use vrrp::host::{Added, AddressBackend, BackendError, Instance, VirtualAddress, json};
use vrrp::linux::{Driver, InterfaceNames, Netlink, interface_source};
use vrrp::{AddressFamily, Config, Priority, Vrid};

const USAGE: &str = "usage: address_hook --interface IF --vrid N --priority P --vip ADDR[/LEN]
       --take COMMAND --release COMMAND [--advert-interval DURATION]";

/// Takes and releases addresses by running commands.
struct CommandBackend {
    take: String,
    release: String,
}

impl CommandBackend {
    fn run(
        &self,
        command: &str,
        interface: u32,
        address: VirtualAddress,
    ) -> Result<(), BackendError> {
        let status = Command::new("sh")
            .arg("-c")
            .arg(command)
            .env("VRRP_ADDRESS", address.address.to_string())
            .env("VRRP_PREFIX_LEN", address.prefix_len.to_string())
            .env("VRRP_INTERFACE", interface.to_string())
            .status()?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("{command:?} for {address} exited with {status}").into())
        }
    }
}

impl AddressBackend for CommandBackend {
    fn add(&mut self, interface: u32, address: VirtualAddress) -> Result<Added, BackendError> {
        self.run(&self.take, interface, address)?;
        Ok(Added::Added)
    }

    fn remove(&mut self, interface: u32, address: VirtualAddress) -> Result<(), BackendError> {
        self.run(&self.release, interface, address)
    }
}

struct Options {
    interface: String,
    vrid: u8,
    priority: u8,
    vip: VirtualAddress,
    interval: Duration,
    backend: CommandBackend,
}

fn parse_options(mut args: impl Iterator<Item = String>) -> Result<Options, ArgError> {
    let (mut interface, mut vrid, mut priority, mut vip) = (None, None, 100, None);
    let (mut take, mut release, mut interval) = (None, None, Duration::from_secs(1));
    while let Some(flag) = args.next() {
        let mut value = || value_after(&flag, &mut args);
        match flag.as_str() {
            "--interface" => interface = Some(value()?),
            "--vrid" => vrid = Some(number(&flag, &value()?)?),
            "--priority" => priority = number(&flag, &value()?)?,
            "--vip" => {
                let (address, prefix_len) = prefix(&flag, &value()?)?;
                vip = Some(VirtualAddress {
                    prefix_len,
                    ..VirtualAddress::host(address)
                });
            }
            "--take" => take = Some(value()?),
            "--release" => release = Some(value()?),
            "--advert-interval" => interval = duration(&flag, &value()?)?,
            _ => return Err(ArgError(format!("unknown argument {flag:?}"))),
        }
    }
    let missing = |name: &str| ArgError(format!("{name} is required"));
    Ok(Options {
        interface: interface.ok_or_else(|| missing("--interface"))?,
        vrid: vrid.ok_or_else(|| missing("--vrid"))?,
        priority,
        vip: vip.ok_or_else(|| missing("--vip"))?,
        interval,
        backend: CommandBackend {
            take: take.ok_or_else(|| missing("--take"))?,
            release: release.ok_or_else(|| missing("--release"))?,
        },
    })
}

fn run(options: Options) -> Result<(), String> {
    let mut netlink = Netlink::open().map_err(|e| e.to_string())?;
    let family = AddressFamily::of(options.vip.address);
    let (interface, source) =
        interface_source(&mut netlink, &options.interface, family).map_err(|e| e.to_string())?;
    let vrid = Vrid::try_from(options.vrid).map_err(|e| e.to_string())?;
    let config = Config::builder(interface.index, vrid, source)
        .priority(Priority::new(options.priority))
        .advert_interval(options.interval)
        .address(options.vip.address)
        // The service behind the address answers on it: Accept_Mode on.
        .accept(true)
        .build()
        .map_err(|e| e.to_string())?;
    let names = InterfaceNames::read(&mut netlink).map_err(|e| e.to_string())?;
    let instance = Instance::new(config).address(options.vip);
    let driver =
        Driver::with_address_backend(vec![instance], options.backend).map_err(|e| e.to_string())?;
    let handle = driver.handle();
    let mut signals = Signals::new([SIGTERM, SIGINT]).map_err(|e| e.to_string())?;
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            let _ = handle.shutdown();
        }
    });
    driver
        .run(|event| println!("{}", json::event(&event, |i| names.name(i))))
        .map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let options = match parse_options(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(ArgError(message)) => {
            eprintln!("address_hook: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("address_hook: {message}");
            ExitCode::FAILURE
        }
    }
}
