//! The command line.

use std::net::SocketAddr;
use std::time::Duration;

/// Printed after a mistake on the command line.
pub const USAGE: &str = "usage: vrrpd --config FILE [--check] [--events] [--vip-lifetime SECONDS] [--metrics ADDR:PORT]";

/// The command line, checked.
pub struct Options {
    /// `--config FILE` (or `-f FILE`): the keepalived.conf to run.
    pub config: String,
    /// `--check`: validate the file, print what it says and exit.
    pub check: bool,
    /// `--events`: print the driver's events as JSON lines on standard output.
    pub events: bool,
    /// `--vip-lifetime SECONDS`: install the virtual addresses with this lifetime and renew them,
    /// so that the kernel drops them if vrrpd is killed or hangs (off unless given).
    pub vip_lifetime: Option<Duration>,
    /// `--metrics ADDR:PORT`: serve Prometheus metrics at `http://ADDR:PORT/metrics`.
    pub metrics: Option<SocketAddr>,
}

/// Reads the options from `args` (without the program name).
pub fn parse_options(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut config = None;
    let (mut check, mut events, mut vip_lifetime, mut metrics) = (false, false, None, None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" | "-f" => {
                config = Some(args.next().ok_or("--config needs a file name")?);
            }
            "--check" => check = true,
            "--events" => events = true,
            "--vip-lifetime" => {
                let value = args
                    .next()
                    .ok_or("--vip-lifetime needs a number of seconds")?;
                let seconds: u64 = value.parse().map_err(|_| {
                    format!("--vip-lifetime: {value:?} is not a whole number of seconds")
                })?;
                vip_lifetime = Some(Duration::from_secs(seconds));
            }
            "--metrics" => {
                let value = args.next().ok_or("--metrics needs an ADDR:PORT")?;
                let address = value
                    .parse()
                    .map_err(|_| format!("--metrics: {value:?} is not an ADDR:PORT"))?;
                metrics = Some(address);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Options {
        config: config.ok_or("--config is required")?,
        check,
        events,
        vip_lifetime,
        metrics,
    })
}
