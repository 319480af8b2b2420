//! The demo's web servers, client and report, small enough to read in one go (no dependencies).
//!
//! ```text
//! demo-http serve --listen ADDR:PORT --name NAME
//! demo-http load --target ADDR:PORT [--every 10ms] [--timeout 2s]
//! demo-http report --requests FILE --events FILE [--routes FILE] [--slow 200ms] [--json]
//! ```
//!
//! `serve` answers every HTTP request with `200 OK` and its name. `load` starts a request to the
//! target every `--every` (each on a thread of its own, so a slow one delays no other) and prints
//! one JSON line per request when it ends: `{"sent":MS,"ms":LATENCY,"ok":BOOL,"server":NAME}`,
//! `sent` in milliseconds since the Unix epoch. A request is ok when a `200` arrived within
//! `--timeout`.
//!
//! `report` reads those lines and an events file (`MS label` per line) and prints, for each event:
//! the requests sent until the next event, how many failed, how many were slow (ok, but slower
//! than `--slow`: a SYN retransmitted after the virtual IP moved), when the first request was
//! served by another server pool than before (the VIP moved to the other proxy), and the outage:
//! from the event until the first request after which every request was ok and prompt. With
//! `--json` it prints one JSON line per event instead of the table.
//!
//! `--routes` (the routed demo) reads a router's view of the VIP's announcements, one
//! `MS PEER added|removed [best]` line per change, and adds for each event: when the router's best
//! route moved to another peer (`route`), when the peer it pointed at before withdrew its
//! announcement (`withdrawn`), and for how long two peers announced the VIP at once (`both`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const USAGE: &str = "usage: demo-http serve --listen ADDR:PORT --name NAME
       demo-http load --target ADDR:PORT [--every DURATION] [--timeout DURATION]
       demo-http report --requests FILE --events FILE [--routes FILE] [--slow DURATION] [--json]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let millis = |name: &str, default: u64| -> Result<Duration, String> {
        match flag(name) {
            None => Ok(Duration::from_millis(default)),
            Some(text) => {
                parse_duration(&text).ok_or(format!("{name}: {text:?} is not like 10ms or 2s"))
            }
        }
    };
    let result = match args.first().map(String::as_str) {
        Some("serve") => match (flag("--listen"), flag("--name")) {
            (Some(listen), Some(name)) => serve(&listen, &name),
            _ => Err("serve needs --listen and --name".into()),
        },
        Some("load") => match flag("--target").map(|t| t.parse::<SocketAddr>()) {
            Some(Ok(target)) => millis("--every", 10).and_then(|every| {
                millis("--timeout", 2000).map(|limit| load(target, every, limit))
            }),
            _ => Err("load needs --target ADDR:PORT".into()),
        },
        Some("report") => match (flag("--requests"), flag("--events")) {
            (Some(requests), Some(events)) => {
                let json = args.iter().any(|a| a == "--json");
                let routes = flag("--routes");
                millis("--slow", 200)
                    .and_then(|slow| report(&requests, &events, routes.as_deref(), slow, json))
            }
            _ => Err("report needs --requests and --events".into()),
        },
        _ => Err("no command".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("demo-http: {message}\n{USAGE}");
            ExitCode::FAILURE
        }
    }
}

/// `10ms`, `2s`.
fn parse_duration(text: &str) -> Option<Duration> {
    if let Some(ms) = text.strip_suffix("ms") {
        return ms.parse().ok().map(Duration::from_millis);
    }
    text.strip_suffix('s')?
        .parse()
        .ok()
        .map(Duration::from_secs)
}

fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

fn serve(listen: &str, name: &str) -> Result<(), String> {
    let listener = TcpListener::bind(listen).map_err(|e| format!("listening on {listen}: {e}"))?;
    let body = format!("{name}\n");
    for client in listener.incoming().flatten() {
        let body = body.clone();
        std::thread::spawn(move || {
            let _ = client.set_read_timeout(Some(Duration::from_secs(5)));
            let mut reader = BufReader::new(&client);
            let mut line = String::new();
            // The request line and headers, up to the empty line.
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                if line == "\r\n" || line == "\n" {
                    break;
                }
                line.clear();
            }
            let _ = (&client).write_all(
                format!(
                    "HTTP/1.0 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            );
        });
    }
    Ok(())
}

fn load(target: SocketAddr, every: Duration, limit: Duration) {
    let start = Instant::now();
    for n in 1u32.. {
        std::thread::spawn(move || {
            let sent = epoch_ms();
            let began = Instant::now();
            let server = request(target, limit);
            let ms = began.elapsed().as_millis();
            let ok = server.is_some() && began.elapsed() <= limit;
            println!(
                r#"{{"sent":{sent},"ms":{ms},"ok":{ok},"server":"{}"}}"#,
                server.unwrap_or_default()
            );
        });
        let next = start + every * n;
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
}

/// One `GET /`; the server's name when a `200` came back.
fn request(target: SocketAddr, limit: Duration) -> Option<String> {
    let deadline = Instant::now() + limit;
    let mut stream = TcpStream::connect_timeout(&target, limit).ok()?;
    let left = deadline.checked_duration_since(Instant::now())?;
    stream.set_read_timeout(Some(left)).ok()?;
    stream
        .write_all(b"GET / HTTP/1.0\r\nHost: vip\r\n\r\n")
        .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.0 200")
        .then(|| body.trim().to_string())
}

/// One line of `load`'s output.
struct Request {
    sent: u64,
    ms: u64,
    ok: bool,
    server: String,
}

fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let rest = &line[line.find(&format!(r#""{name}":"#))? + name.len() + 3..];
    let end = rest.find([',', '}'])?;
    Some(rest[..end].trim_matches('"'))
}

fn report(
    requests: &str,
    events: &str,
    routes: Option<&str>,
    slow: Duration,
    json: bool,
) -> Result<(), String> {
    let read = |path: &str| std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"));
    let mut all: Vec<Request> = read(requests)?
        .lines()
        .filter_map(|line| {
            Some(Request {
                sent: field(line, "sent")?.parse().ok()?,
                ms: field(line, "ms")?.parse().ok()?,
                ok: field(line, "ok")? == "true",
                server: field(line, "server")?.to_string(),
            })
        })
        .collect();
    all.sort_by_key(|r| r.sent);
    let events: Vec<(u64, String)> = read(events)?
        .lines()
        .filter_map(|line| {
            let (at, label) = line.split_once(' ')?;
            Some((at.parse().ok()?, label.to_string()))
        })
        .collect();
    let routes: Vec<Route> = match routes {
        Some(path) => read(path)?.lines().filter_map(Route::parse).collect(),
        None => Vec::new(),
    };
    let slow_ms = u64::try_from(slow.as_millis()).unwrap_or(u64::MAX);
    let pool = |server: &str| server.rsplit(':').next().unwrap_or_default().to_string();
    if !json {
        println!(
            "{:<44} {:>8} {:>6} {:>5} {:>9} {:>9}{}",
            "event",
            "requests",
            "failed",
            "slow",
            "VIP moved",
            "outage",
            if routes.is_empty() {
                ""
            } else {
                "     route withdrawn   both"
            }
        );
    }
    for (i, (at, label)) in events.iter().enumerate() {
        let end = events.get(i + 1).map_or(u64::MAX, |(next, _)| *next);
        let window: Vec<&Request> = all
            .iter()
            .filter(|r| r.sent >= *at && r.sent < end)
            .collect();
        let before = all
            .iter()
            .rev()
            .find(|r| r.sent < *at && r.ok)
            .map(|r| pool(&r.server));
        let moved = window
            .iter()
            .find(|r| r.ok && before.as_ref().is_some_and(|p| *p != pool(&r.server)))
            .map(|r| r.sent - at);
        let bad = |r: &&Request| !r.ok || r.ms > slow_ms;
        let outage = window.iter().rposition(bad).map_or(0, |last| {
            window.get(last + 1).map_or(end - at, |r| r.sent - at)
        });
        let failed = window.iter().filter(|r| !r.ok).count();
        let slow = window.iter().filter(|r| r.ok && r.ms > slow_ms).count();
        let router = (!routes.is_empty()).then(|| RouterView::of(&routes, *at, end));
        let ms = |value: Option<u64>, none: &str, unit: &str| {
            value.map_or(none.to_string(), |ms| format!("{ms}{unit}"))
        };
        if json {
            let router = router.map_or(String::new(), |view| {
                format!(
                    r#","route_ms":{},"withdrawn_ms":{},"both_ms":{}"#,
                    ms(view.moved, "null", ""),
                    ms(view.withdrawn, "null", ""),
                    view.both,
                )
            });
            println!(
                r#"{{"event":"{label}","requests":{},"failed":{failed},"slow":{slow},"moved_ms":{},"outage_ms":{outage}{router}}}"#,
                window.len(),
                ms(moved, "null", ""),
            );
        } else {
            let router = router.map_or(String::new(), |view| {
                format!(
                    " {:>9} {:>9} {:>6} ms",
                    ms(view.moved, "-", " ms"),
                    ms(view.withdrawn, "-", " ms"),
                    view.both,
                )
            });
            println!(
                "{:<44} {:>8} {failed:>6} {slow:>5} {:>9} {outage:>6} ms{router}",
                format!("{label} (+{} ms)", at - events[0].0),
                window.len(),
                ms(moved, "-", " ms"),
            );
        }
    }
    Ok(())
}

/// One change of a router's view of the VIP: a peer's announcement added or removed.
struct Route {
    at: u64,
    peer: String,
    added: bool,
    /// Whether the router made it its best route on adding it.
    best: bool,
}

impl Route {
    /// `MS PEER added|removed [best]`.
    fn parse(line: &str) -> Option<Route> {
        let mut words = line.split_whitespace();
        let at = words.next()?.parse().ok()?;
        let peer = words.next()?.to_string();
        let added = match words.next()? {
            "added" => true,
            "removed" => false,
            _ => return None,
        };
        let best = words.next() == Some("best");
        Some(Route {
            at,
            peer,
            added,
            best,
        })
    }
}

/// What the router's view did between an event (`at`) and the next (`end`), in milliseconds
/// after the event.
struct RouterView {
    /// When the best route first pointed at another peer than before the event.
    moved: Option<u64>,
    /// When the peer of the best route before the event withdrew its announcement.
    withdrawn: Option<u64>,
    /// How long two or more peers announced the VIP at once.
    both: u64,
}

impl RouterView {
    fn of(routes: &[Route], at: u64, end: u64) -> RouterView {
        let mut present: Vec<&str> = Vec::new();
        let mut best: Option<&str> = None;
        let mut before: Option<&str> = None;
        let mut view = RouterView {
            moved: None,
            withdrawn: None,
            both: 0,
        };
        let mut since = at;
        for route in routes.iter().filter(|r| r.at < end) {
            if route.at >= at {
                if present.len() > 1 {
                    view.both += route.at - since.max(at);
                }
                since = route.at;
            }
            let peer = route.peer.as_str();
            if route.added {
                if !present.contains(&peer) {
                    present.push(peer);
                }
                if route.best || best.is_none() {
                    best = Some(peer);
                }
            } else {
                present.retain(|p| *p != peer);
                if best == Some(peer) {
                    best = present.first().copied();
                }
                if route.at >= at && before == Some(peer) && view.withdrawn.is_none() {
                    view.withdrawn = Some(route.at - at);
                }
            }
            if route.at < at {
                before = best;
            } else if view.moved.is_none() && best.is_some() && best != before {
                view.moved = Some(route.at - at);
            }
        }
        if present.len() > 1 && end != u64::MAX {
            view.both += end - since.max(at);
        }
        view
    }
}
