//! systemd's service notifications (`Type=notify`, `sd_notify(3)`) without libsystemd: datagrams
//! of `VARIABLE=value` lines to the socket named by `$NOTIFY_SOCKET`, a path or, starting with
//! `@`, an abstract socket.
//!
//! vrrpd sends `READY=1` once every router has started, `RELOADING=1` with `MONOTONIC_USEC=`
//! before a reload and `READY=1` after it, `STOPPING=1` when it shuts down, and `WATCHDOG=1` at
//! half of `$WATCHDOG_USEC` (when `$WATCHDOG_PID` is unset or names vrrpd) from the driver's own
//! thread, so that a stalled protocol loop stops the pings and systemd restarts the service.

use std::io;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::time::Duration;

/// Where the notifications go: the socket systemd gave, or none outside systemd.
#[derive(Debug)]
pub struct Notifier {
    socket: UnixDatagram,
    address: SocketAddr,
}

impl Notifier {
    /// The socket `$NOTIFY_SOCKET` names, or `None` when it is unset or empty.
    pub fn from_env() -> io::Result<Option<Self>> {
        match std::env::var_os("NOTIFY_SOCKET") {
            Some(name) if !name.is_empty() => {
                let name = name
                    .into_string()
                    .map_err(|_| io::Error::other("NOTIFY_SOCKET is not UTF-8"))?;
                Self::to(&name).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// The socket at `name`: a file system path, or an abstract name after `@`.
    pub fn to(name: &str) -> io::Result<Self> {
        let address = if let Some(abstract_name) = name.strip_prefix('@') {
            use std::os::linux::net::SocketAddrExt as _;
            SocketAddr::from_abstract_name(abstract_name.as_bytes())?
        } else if name.starts_with('/') {
            SocketAddr::from_pathname(name)?
        } else {
            return Err(io::Error::other(format!(
                "NOTIFY_SOCKET {name:?} is neither a path nor an abstract name (@...)"
            )));
        };
        Ok(Self {
            socket: UnixDatagram::unbound()?,
            address,
        })
    }

    /// Sends `state`, one or more `VARIABLE=value` lines.
    pub fn send(&self, state: &str) -> io::Result<()> {
        self.socket
            .send_to_addr(state.as_bytes(), &self.address)
            .map(|_| ())
    }
}

/// The notifications vrrpd sends, none when it does not run under systemd. Failures to send are
/// logged and otherwise ignored: the service goes on.
#[derive(Debug, Default)]
pub struct Systemd(Option<Notifier>);

impl Systemd {
    /// From the environment (`$NOTIFY_SOCKET`); a bad one is logged and ignored.
    pub fn from_env() -> Self {
        match Notifier::from_env() {
            Ok(notifier) => Self(notifier),
            Err(error) => {
                tracing::warn!("systemd notifications off: {error}");
                Self(None)
            }
        }
    }

    /// Whether notifications go anywhere.
    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    fn send(&self, state: &str) {
        if let Some(notifier) = &self.0
            && let Err(error) = notifier.send(state)
        {
            tracing::warn!("notifying systemd ({}): {error}", state.replace('\n', " "));
        }
    }

    /// `READY=1`: startup finished, or a reload did.
    pub fn ready(&self) {
        self.send("READY=1");
    }

    /// `RELOADING=1` with the time now, before a reload.
    pub fn reloading(&self) {
        self.send(&reloading_message(monotonic_usec()));
    }

    /// `EXTEND_TIMEOUT_USEC`: the start takes `by` more (the start-up delay), so that systemd's
    /// start timeout does not run out meanwhile.
    pub fn extend_start(&self, by: std::time::Duration) {
        self.send(&format!("EXTEND_TIMEOUT_USEC={}", by.as_micros()));
    }

    /// `STOPPING=1`: the shutdown began.
    pub fn stopping(&self) {
        self.send("STOPPING=1");
    }

    /// `WATCHDOG=1`: the protocol loop is alive.
    pub fn watchdog(&self) {
        self.send("WATCHDOG=1");
    }
}

/// The reload notification: systemd wants `MONOTONIC_USEC` with `RELOADING=1`
/// (`Type=notify-reload`) to tell this reload from earlier ones.
pub fn reloading_message(monotonic_usec: u64) -> String {
    format!("RELOADING=1\nMONOTONIC_USEC={monotonic_usec}")
}

/// `CLOCK_MONOTONIC` now, in microseconds.
fn monotonic_usec() -> u64 {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    (now.tv_sec as u64) * 1_000_000 + (now.tv_nsec as u64) / 1_000
}

/// How often to ping the watchdog: half of `$WATCHDOG_USEC`, when it is set and
/// `$WATCHDOG_PID` is unset or is this process.
pub fn watchdog_interval() -> Option<Duration> {
    let usec = std::env::var("WATCHDOG_USEC").ok();
    let pid = std::env::var("WATCHDOG_PID").ok();
    ping_interval(usec.as_deref(), pid.as_deref(), std::process::id())
}

/// Half the watchdog timeout `usec`, if the watchdog is for process `own` (`pid` unset or equal).
fn ping_interval(usec: Option<&str>, pid: Option<&str>, own: u32) -> Option<Duration> {
    let usec: u64 = usec?.trim().parse().ok().filter(|&u| u > 0)?;
    if let Some(pid) = pid.filter(|p| !p.is_empty())
        && pid.trim().parse::<u32>().ok() != Some(own)
    {
        return None;
    }
    Some(Duration::from_micros(usec / 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("vrrpd-systemd-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        dir
    }

    fn received(socket: &UnixDatagram) -> String {
        let mut buffer = [0; 512];
        let n = socket.recv(&mut buffer).expect("a datagram");
        String::from_utf8_lossy(&buffer[..n]).into_owned()
    }

    #[test]
    fn writes_datagrams_to_a_path() {
        let dir = scratch("path");
        let path = dir.join("notify");
        let listener = UnixDatagram::bind(&path).expect("bind");
        listener
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let systemd = Systemd(Some(
            Notifier::to(path.to_str().expect("UTF-8")).expect("notifier"),
        ));
        assert!(systemd.is_on());
        systemd.ready();
        assert_eq!(received(&listener), "READY=1");
        systemd.reloading();
        let reloading = received(&listener);
        let (first, second) = reloading.split_once('\n').expect("two lines");
        assert_eq!(first, "RELOADING=1");
        let usec: u64 = second
            .strip_prefix("MONOTONIC_USEC=")
            .expect("MONOTONIC_USEC")
            .parse()
            .expect("a number");
        assert!(usec > 0);
        systemd.watchdog();
        assert_eq!(received(&listener), "WATCHDOG=1");
        systemd.stopping();
        assert_eq!(received(&listener), "STOPPING=1");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn writes_datagrams_to_an_abstract_socket() {
        use std::os::linux::net::SocketAddrExt as _;
        let name = format!("vrrpd-test-{}", std::process::id());
        let address = SocketAddr::from_abstract_name(name.as_bytes()).expect("address");
        let listener = UnixDatagram::bind_addr(&address).expect("bind");
        listener
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let notifier = Notifier::to(&format!("@{name}")).expect("notifier");
        notifier.send("READY=1").expect("sent");
        assert_eq!(received(&listener), "READY=1");
    }

    #[test]
    fn refuses_a_relative_name() {
        assert!(Notifier::to("notify.sock").is_err());
    }

    #[test]
    fn does_nothing_without_a_socket() {
        let systemd = Systemd::default();
        assert!(!systemd.is_on());
        systemd.ready();
    }

    #[test]
    fn pings_at_half_the_watchdog_timeout_of_this_process() {
        let half = Some(Duration::from_secs(5));
        assert_eq!(ping_interval(Some("10000000"), None, 42), half);
        assert_eq!(ping_interval(Some("10000000"), Some("42"), 42), half);
        assert_eq!(ping_interval(Some("10000000"), Some(""), 42), half);
        assert_eq!(ping_interval(Some("10000000"), Some("43"), 42), None);
        assert_eq!(ping_interval(Some("0"), None, 42), None);
        assert_eq!(ping_interval(Some("soon"), None, 42), None);
        assert_eq!(ping_interval(None, None, 42), None);
    }
}
