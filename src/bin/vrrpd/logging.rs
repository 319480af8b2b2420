//! vrrpd's log: `tracing` events through a `tracing-subscriber`, filtered by `--log-level` (else
//! `$RUST_LOG`, else `debug` with `-D`, else `info`), to standard error and/or `--log-file`.
//!
//! On a terminal the lines are coloured; elsewhere they are plain. Under systemd
//! (`$JOURNAL_STREAM` names standard error) it gets no timestamps, which the journal adds, and each
//! line starts with its syslog priority (`<3>` error ... `<7>` debug), which the journal reads.
//! A log file gets timestamps always.

use std::fmt;
use std::fs::OpenOptions;
use std::io::IsTerminal as _;
use std::path::Path;
use std::sync::Arc;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer, Registry};

/// Where and how much to log.
pub struct Logging<'a> {
    /// `--log-level`.
    pub level: Option<&'a str>,
    /// `-D`: debug unless a level is given.
    pub detail: bool,
    /// `--log-file`.
    pub file: Option<&'a Path>,
    /// `-l`: standard error too when there is a file.
    pub console: bool,
    /// Timestamps on standard error (the daemon's log; not `check` and the client commands),
    /// unless the journal adds them.
    pub timestamps: bool,
}

type Boxed = Box<dyn Layer<tracing_subscriber::layer::Layered<EnvFilter, Registry>> + Send + Sync>;

/// Installs the subscriber.
pub fn init(logging: &Logging<'_>) -> Result<(), String> {
    let filter = filter(logging)?;
    let mut layers: Vec<Boxed> = Vec::new();
    if let Some(path) = logging.file {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("--log-file {}: {e}", path.display()))?;
        let file = Arc::new(file);
        layers.push(
            tracing_subscriber::fmt::layer()
                .with_writer(file)
                .with_ansi(false)
                .with_target(false)
                .boxed(),
        );
    }
    if logging.file.is_none() || logging.console {
        let journal = stderr_is_journal();
        let layer = tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal() && !journal);
        layers.push(if journal {
            layer.event_format(Journal).boxed()
        } else if logging.timestamps {
            layer.with_target(false).boxed()
        } else {
            layer.with_target(false).without_time().boxed()
        });
    }
    tracing_subscriber::registry()
        .with(filter)
        .with(layers)
        .try_init()
        .map_err(|e| e.to_string())
}

/// Whether standard error is the journal's stream: `$JOURNAL_STREAM` (`DEVICE:INODE`) names it.
fn stderr_is_journal() -> bool {
    let Ok(stream) = std::env::var("JOURNAL_STREAM") else {
        return false;
    };
    let Ok(stat) = rustix::fs::fstat(std::io::stderr()) else {
        return false;
    };
    // Their types vary by target.
    #[allow(clippy::unnecessary_cast)]
    let (device, inode) = (stat.st_dev as u64, stat.st_ino as u64);
    names_stream(&stream, device, inode)
}

/// Whether `stream` (`DEVICE:INODE`, as systemd sets `$JOURNAL_STREAM`) is `device`, `inode`.
fn names_stream(stream: &str, device: u64, inode: u64) -> bool {
    stream
        .split_once(':')
        .and_then(|(d, i)| Some((d.parse::<u64>().ok()?, i.parse::<u64>().ok()?)))
        == Some((device, inode))
}

/// The filter: `--log-level`, else `$RUST_LOG`, else debug with `-D`, else info.
fn filter(logging: &Logging<'_>) -> Result<EnvFilter, String> {
    if let Some(level) = logging.level {
        return EnvFilter::try_new(level).map_err(|e| format!("--log-level {level:?}: {e}"));
    }
    match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.is_empty() => {
            EnvFilter::try_new(&directives).map_err(|e| format!("RUST_LOG {directives:?}: {e}"))
        }
        _ => Ok(EnvFilter::new(if logging.detail {
            "debug"
        } else {
            "info"
        })),
    }
}

/// The syslog priority of `level`, as sd-daemon(3) prefixes lines.
fn priority(level: Level) -> u8 {
    match level {
        Level::ERROR => 3,
        Level::WARN => 4,
        Level::INFO => 6,
        _ => 7,
    }
}

/// One line per event, `<priority>` then the message and fields, nothing else: for the journal.
struct Journal;

impl<S, N> FormatEvent<S, N> for Journal
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        write!(writer, "<{}>", priority(*event.metadata().level()))?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_journal_stream() {
        assert!(names_stream("64769:1234", 64769, 1234));
        assert!(!names_stream("64769:1235", 64769, 1234));
        assert!(!names_stream("garbage", 64769, 1234));
    }

    #[test]
    fn maps_levels_to_syslog_priorities() {
        assert_eq!(priority(Level::ERROR), 3);
        assert_eq!(priority(Level::WARN), 4);
        assert_eq!(priority(Level::INFO), 6);
        assert_eq!(priority(Level::DEBUG), 7);
        assert_eq!(priority(Level::TRACE), 7);
    }

    #[test]
    fn a_given_level_wins_and_a_bad_one_is_refused() {
        let logging = |level| Logging {
            level,
            detail: true,
            file: None,
            console: false,
            timestamps: true,
        };
        let warn = filter(&logging(Some("warn"))).expect("a filter");
        assert_eq!(
            warn.max_level_hint(),
            Some(tracing::level_filters::LevelFilter::WARN)
        );
        assert!(filter(&logging(Some("loud=[["))).is_err());
    }
}
