//! The command line.

/// Printed after a mistake on the command line.
pub const USAGE: &str = "usage: vrrpd --config FILE [--check] [--events]";

/// The command line, checked.
pub struct Options {
    /// `--config FILE` (or `-f FILE`): the keepalived.conf to run.
    pub config: String,
    /// `--check`: validate the file, print what it says and exit.
    pub check: bool,
    /// `--events`: print the driver's events as JSON lines on standard output.
    pub events: bool,
}

/// Reads the options from `args` (without the program name).
pub fn parse_options(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut config = None;
    let (mut check, mut events) = (false, false);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" | "-f" => {
                config = Some(args.next().ok_or("--config needs a file name")?);
            }
            "--check" => check = true,
            "--events" => events = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Options {
        config: config.ok_or("--config is required")?,
        check,
        events,
    })
}
