//! The control socket: a Unix stream socket (mode 0600, in a directory created 0700 when
//! missing) where `vrrpd status`, `vrrpd stats` and `vrrpd reload` reach the daemon. One JSON
//! request line (`{"command":"status"}`, `"stats"` or `"reload"`), one JSON reply line:
//! `{"ok":true,...}` with the answer's fields, or `{"ok":false,"error":"..."}`.

use std::collections::VecDeque;
use std::fs::{DirBuilder, Permissions};
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, FileTypeExt as _, PermissionsExt as _};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use vrrp::host::{DriverHandle, DriverStopped, StatsReport};

use crate::Context;
use crate::status::{self, RouterStatus, StatsReply};

/// A request on the control socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Request {
    /// Every router's state.
    Status,
    /// Every router's counters.
    Stats,
    /// Read the configuration again.
    Reload,
}

/// How long a request waits for the driver's statistics.
const DRIVER_ANSWER: Duration = Duration::from_secs(5);

/// What a statistics report asked of the driver is for.
pub enum Purpose {
    /// A line on standard output (SIGUSR1).
    Print,
    /// A watchdog ping: any report proves the driver's loop runs.
    Watchdog,
    /// A control request's reply.
    Reply(mpsc::Sender<StatsReport>),
}

/// The statistics asked of the driver, in order: it answers each request with one report, in the
/// order asked, and sends one more when it stops.
pub struct StatsRequests {
    handle: DriverHandle,
    /// The requests not answered yet, and whether new ones are refused (the shutdown was asked
    /// for: the report the driver sends as it stops must not be taken for an answer).
    queue: Mutex<(VecDeque<Purpose>, bool)>,
}

impl StatsRequests {
    /// Requests through `handle`.
    pub fn new(handle: DriverHandle) -> Self {
        Self {
            handle,
            queue: Mutex::new((VecDeque::new(), false)),
        }
    }

    /// Asks for a report, for `purpose`.
    pub fn request(&self, purpose: Purpose) -> Result<(), DriverStopped> {
        let mut queue = self.queue.lock().expect("no panics while held");
        if queue.1 {
            return Err(DriverStopped);
        }
        queue.0.push_back(purpose);
        self.handle.request_stats().inspect_err(|_| {
            queue.0.pop_back();
        })
    }

    /// Refuses new requests from now on: call it before asking the driver to shut down.
    pub fn close(&self) {
        self.queue.lock().expect("no panics while held").1 = true;
    }

    /// What the report just received was asked for; `None` for the one the driver sends when it
    /// stops.
    pub fn answered(&self) -> Option<Purpose> {
        self.queue
            .lock()
            .expect("no panics while held")
            .0
            .pop_front()
    }

    /// Forgets every request (the driver stopped): their waiters give up at once.
    pub fn clear(&self) {
        let mut queue = self.queue.lock().expect("no panics while held");
        queue.0.clear();
        queue.1 = true;
    }

    /// A fresh report.
    pub fn fetch(&self) -> Result<StatsReport, String> {
        let (sender, receiver) = mpsc::channel();
        self.request(Purpose::Reply(sender))
            .map_err(|_| "the driver has stopped".to_string())?;
        receiver
            .recv_timeout(DRIVER_ANSWER)
            .map_err(|_| "the driver did not answer".to_string())
    }
}

/// The control socket's file, removed when dropped.
pub struct ControlSocket {
    path: PathBuf,
}

impl Drop for ControlSocket {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Creates the socket at `path`, owner-only, its directory (0700) if missing, and removes a
/// stale socket left by a vrrpd that died; fails if a vrrpd answers there.
pub fn listen(path: &Path) -> Result<(UnixListener, ControlSocket), String> {
    let shown = path.display();
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.exists()
    {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .map_err(|e| format!("creating {}: {e}", parent.display()))?;
    }
    if let Ok(metadata) = std::fs::symlink_metadata(path) {
        if !metadata.file_type().is_socket() {
            return Err(format!("{shown} exists and is not a socket"));
        }
        if UnixStream::connect(path).is_ok() {
            return Err(format!(
                "another vrrpd answers on {shown}: give this one another --control"
            ));
        }
        std::fs::remove_file(path).map_err(|e| format!("removing the stale {shown}: {e}"))?;
        tracing::debug!("removed the stale control socket {shown}");
    }
    let umask = rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o177));
    let bound = UnixListener::bind(path);
    rustix::process::umask(umask);
    let listener = bound.map_err(|e| format!("control socket {shown}: {e}"))?;
    let socket = ControlSocket {
        path: path.to_path_buf(),
    };
    std::fs::set_permissions(path, Permissions::from_mode(0o600))
        .map_err(|e| format!("control socket {shown}: {e}"))?;
    Ok((listener, socket))
}

/// Answers the requests on `listener`, each connection on a thread of its own.
pub fn serve(listener: UnixListener, context: Arc<Context>) {
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            match stream {
                Ok(stream) => {
                    let context = Arc::clone(&context);
                    std::thread::spawn(move || answer(stream, &context));
                }
                Err(error) => tracing::warn!("control socket: {error}"),
            }
        }
    });
}

/// Reads one request from `stream` and writes its reply.
fn answer(stream: UnixStream, context: &Context) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut line = String::new();
    let read = BufReader::new((&stream).take(64 * 1024)).read_line(&mut line);
    let reply = match read {
        Err(error) => json!({"ok": false, "error": format!("reading the request: {error}")}),
        Ok(_) => match serde_json::from_str::<Request>(line.trim()) {
            Err(error) => json!({"ok": false, "error": format!("bad request: {error}")}),
            Ok(request) => {
                tracing::debug!("control request {request:?}");
                reply(request, context)
            }
        },
    };
    let mut stream = stream;
    let _ = writeln!(stream, "{reply}");
}

/// `{"ok":true}` with the fields of `value`.
fn ok(value: impl Serialize) -> Value {
    let mut reply = json!({"ok": true});
    if let (Value::Object(reply), Ok(Value::Object(fields))) =
        (&mut reply, serde_json::to_value(value))
    {
        reply.extend(fields);
    }
    reply
}

/// The reply to `request`.
fn reply(request: Request, context: &Context) -> Value {
    let result = match request {
        Request::Status => context.stats.fetch().map(|report| {
            let daemon = context.daemon.lock().expect("no panics while held");
            let routers =
                status::status(&report, &daemon.running, &daemon.transitions, &daemon.names);
            ok(json!({ "routers": routers }))
        }),
        Request::Stats => context.stats.fetch().map(|report| {
            let daemon = context.daemon.lock().expect("no panics while held");
            ok(status::stats(&report, &daemon.running, &daemon.names))
        }),
        Request::Reload => context
            .reload()
            .map(|r| ok(json!({"stopped": r.removed, "started": r.added, "kept": r.kept}))),
    };
    result.unwrap_or_else(|error| json!({"ok": false, "error": error}))
}

/// Sends `request` to the daemon at `path` and returns its reply, `Err` for a failed one.
pub fn ask(path: &Path, request: Request) -> Result<Value, String> {
    let shown = path.display();
    let mut stream = UnixStream::connect(path)
        .map_err(|e| format!("cannot reach vrrpd at {shown}: {e} (is it running? --control)"))?;
    // A reload waits for the driver to apply the change: give it time.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    let line = serde_json::to_string(&request).map_err(|e| e.to_string())?;
    writeln!(stream, "{line}").map_err(|e| format!("{shown}: {e}"))?;
    let mut answer = String::new();
    BufReader::new(stream)
        .read_line(&mut answer)
        .map_err(|e| format!("{shown}: {e}"))?;
    let reply: Value =
        serde_json::from_str(&answer).map_err(|e| format!("{shown}: bad reply: {e}"))?;
    if reply["ok"] == Value::Bool(true) {
        Ok(reply)
    } else {
        Err(reply["error"]
            .as_str()
            .unwrap_or("the daemon failed without saying why")
            .to_string())
    }
}

/// The client commands: prints the reply to `request` as text, or as its JSON line.
pub fn client(path: &Path, request: Request, as_json: bool) -> Result<String, String> {
    let reply = ask(path, request)?;
    if as_json {
        return Ok(format!("{reply}\n"));
    }
    let bad = |e: serde_json::Error| format!("bad reply: {e}");
    Ok(match request {
        Request::Status => {
            let routers: Vec<RouterStatus> =
                serde_json::from_value(reply["routers"].clone()).map_err(bad)?;
            status::status_text(&routers)
        }
        Request::Stats => {
            let stats: StatsReply = serde_json::from_value(reply).map_err(bad)?;
            status::stats_text(&stats)
        }
        Request::Reload => format!(
            "reloaded: {} routers kept, {} stopped, {} started\n",
            reply["kept"], reply["stopped"], reply["started"]
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_one_json_object() {
        assert_eq!(
            serde_json::to_string(&Request::Status).expect("json"),
            r#"{"command":"status"}"#
        );
        let request: Request = serde_json::from_str(r#"{"command":"reload"}"#).expect("parsed");
        assert_eq!(request, Request::Reload);
        assert!(serde_json::from_str::<Request>(r#"{"command":"halt"}"#).is_err());
    }

    #[test]
    fn replies_merge_the_answer_into_ok() {
        assert_eq!(
            ok(json!({"kept": 2})).to_string(),
            r#"{"ok":true,"kept":2}"#
        );
    }

    #[test]
    fn the_socket_is_owner_only_and_refuses_a_second_daemon() {
        let dir = std::env::temp_dir().join(format!("vrrpd-control-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("run/control.sock");
        let (listener, socket) = listen(&path).expect("listening");
        let mode = |p: &Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.join("run")), 0o700);
        let second = listen(&path).map(|_| ()).expect_err("in use");
        assert!(second.contains("another vrrpd"), "{second}");
        // A socket nobody answers on is stale: replaced.
        drop(listener);
        std::mem::forget(socket);
        // A process another test spawns holds a copy of the closed listener's descriptor until it
        // execs, and a connection made meanwhile is answered: wait until nobody answers, as a
        // daemon started after a crash finds it.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while UnixStream::connect(&path).is_ok() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let (_listener, socket) = listen(&path).expect("the stale socket replaced");
        drop(socket);
        assert!(!path.exists(), "removed when dropped");
        let _ = std::fs::remove_dir_all(dir);
    }
}
