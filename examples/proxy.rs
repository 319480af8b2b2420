//! A TCP load balancer that holds its virtual IP with VRRP: nginx and keepalived (and the
//! `chk_nginx.sh` between them) as one program. Needs `--features tokio`.
//!
//! ```text
//! proxy --interface eth0 --vrid 51 --priority 150 --vip 192.0.2.100/24 --listen 0.0.0.0:80
//!       --upstream 198.51.100.1:8001 [--upstream ...] [--advert-interval 100ms] [--no-preempt]
//!       [--health-interval 200ms] [--health-timeout 100ms] [--fall 2] [--rise 2] [--weight 60]
//!       [--connect-timeout 1s] [--idle-timeout 30s] [--drain 2s] [--events]
//!       [--unicast-peer ADDR ...] [--min-hop-limit N] [--auth-key-file FILE]
//!       [--vip-lifetime 3s] [--routed-interface NAME]
//! ```
//!
//! Connections to `--listen` (a wildcard address serves the virtual IP whenever this proxy holds
//! it) go round-robin to the healthy upstreams. Each upstream is checked every `--health-interval`
//! by a TCP connect that must succeed within `--health-timeout`: `--fall` failures in a row mark it
//! down, `--rise` successes up again. An upstream that refuses a client's connection is marked down
//! at once and the next one is tried, so a stopped server costs no request. A connection idle in
//! both directions for `--idle-timeout` is closed.
//!
//! Its own health drives VRRP: while no upstream is up, or accepting fails, the proxy is
//! unhealthy. As Master it then steps down (`DriverHandle::set_healthy`): a priority-0
//! advertisement hands the virtual IP to the standby after the standby's Skew_Time; while
//! unhealthy it does not take the address back, unless no one else holds it. Its priority also
//! drops by `--weight` (`vrrp::track` turns health into the routers' tracking weight), and comes
//! back when health returns.
//!
//! Routed mode (`--routed-interface NAME`, which needs `--vip-lifetime`): the VIPs are held on an
//! interface the proxy creates and that disappears with it, for a BGP speaker on the host to
//! announce, and not announced by ARP; `--unicast-peer`, `--min-hop-limit` (the TTL the peer's
//! adverts arrive with across the routers) and `--auth-key-file` (a hex HMAC key, the same on both)
//! carry VRRP across the routed network. `examples/demo/routed.sh` runs it.
//!
//! SIGTERM or SIGINT hands the virtual IP over make-before-break (`DriverHandle::hand_over`): a
//! priority-0 advertisement, then the proxy keeps the address and keeps accepting until it hears
//! the standby's first advertisement, so that clients always find a holder; then it stops
//! accepting and lets open connections finish for up to `--drain`. A second signal stops at once.
//! SIGUSR1 prints statistics.
//!
//! State and health changes are logged one line each on standard error; `--events` also prints
//! them as JSON lines on standard output (`{"event":"state",...}`, `{"event":"upstream",...}`,
//! `{"event":"health",...}`).

#[path = "common/args.rs"]
mod args;
#[path = "common/proxy_options.rs"]
mod proxy_options;
#[path = "common/vips.rs"]
mod vips;

use std::io;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use args::ArgError;
use proxy_options::{Options, parse_options};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::Notify;
use tokio::time::timeout;
use vrrp::RouterKey;
use vrrp::host::{DriverHandle, Event, json};
use vrrp::linux::{InterfaceNames, Netlink};
use vrrp::track::{RiseFall, Tracker};

const USAGE: &str = "usage: proxy --interface IF --vrid N --priority P --vip ADDR/LEN [--vip ...]
       --listen ADDR:PORT --upstream ADDR:PORT [--upstream ...] [--advert-interval DURATION]
       [--no-preempt] [--health-interval DURATION] [--health-timeout DURATION] [--fall N]
       [--rise N] [--weight N] [--connect-timeout DURATION] [--idle-timeout DURATION]
       [--drain DURATION] [--events] [--unicast-peer ADDR ...] [--min-hop-limit N]
       [--auth-key-file FILE] [--vip-lifetime DURATION] [--routed-interface NAME]";

/// Log lines: a human one on standard error, and with `--events` a JSON one on standard output.
#[derive(Clone, Copy)]
struct Log {
    events: bool,
}

impl Log {
    fn line(&self, human: &str, json: impl FnOnce() -> String) {
        eprintln!("proxy: {human}");
        if self.events {
            println!("{}", json());
        }
    }
}

/// One upstream server and what is known of it.
struct Upstream {
    address: SocketAddr,
    up: AtomicBool,
}

/// What the tasks share.
struct Proxy {
    upstreams: Vec<Upstream>,
    /// The round-robin position.
    next: AtomicUsize,
    /// Whether accepting works.
    listener_ok: AtomicBool,
    /// Raised whenever an upstream or the listener changes health.
    health_changed: Notify,
    /// Open client connections, for draining.
    open: AtomicUsize,
    drained: Notify,
    log: Log,
}

impl Proxy {
    /// Marks `upstream` up or down; logs and raises `health_changed` when that is news.
    fn mark(&self, upstream: &Upstream, up: bool, why: &str) {
        if upstream.up.swap(up, Ordering::SeqCst) != up {
            let word = if up { "up" } else { "down" };
            self.log.line(
                &format!("upstream {} is {word} ({why})", upstream.address),
                || {
                    format!(
                        r#"{{"event":"upstream","upstream":"{}","up":{up},"why":"{why}"}}"#,
                        upstream.address
                    )
                },
            );
            self.health_changed.notify_one();
        }
    }

    /// Healthy: accepting works and some upstream is up. The reason when not.
    fn health(&self) -> Result<(), &'static str> {
        if !self.listener_ok.load(Ordering::SeqCst) {
            Err("accepting connections fails")
        } else if !self.upstreams.iter().any(|u| u.up.load(Ordering::SeqCst)) {
            Err("no upstream is up")
        } else {
            Ok(())
        }
    }

    /// The healthy upstreams from the next round-robin position on, then the others (a check may
    /// not have noticed yet that one came back).
    fn candidates(&self) -> Vec<&Upstream> {
        let n = self.upstreams.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed) % n;
        let order = (0..n).map(|i| &self.upstreams[(start + i) % n]);
        let (mut up, down): (Vec<&Upstream>, Vec<&Upstream>) =
            order.partition(|u| u.up.load(Ordering::SeqCst));
        up.extend(down);
        up
    }
}

fn main() -> ExitCode {
    let options = match parse_options(std::env::args().skip(1), args::duration) {
        Ok(options) => options,
        Err(ArgError(message)) => {
            eprintln!("proxy: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(&format!("starting the tokio runtime: {error}")),
    };
    match runtime.block_on(run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(&message),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("proxy: {message}");
    ExitCode::FAILURE
}

async fn run(options: Options) -> Result<(), String> {
    let mut netlink = Netlink::open().map_err(|e| e.to_string())?;
    let routers = options.routers(&mut netlink)?;
    let keys: Vec<RouterKey> = (routers.instances)
        .iter()
        .map(|i| RouterKey::of(i.config()))
        .collect();
    let names = InterfaceNames::read(&mut netlink).unwrap_or_default();
    let listener = TcpListener::bind(options.listen)
        .await
        .map_err(|e| format!("listening on {}: {e}", options.listen))?;
    let driver = routers.driver(options.vip_lifetime)?;
    let handle = driver.handle();
    let log = Log {
        events: options.events,
    };
    let proxy = Arc::new(Proxy {
        upstreams: options
            .upstreams
            .iter()
            .map(|&address| Upstream {
                address,
                // Up until checks say otherwise, like a freshly started nginx.
                up: AtomicBool::new(true),
            })
            .collect(),
        next: AtomicUsize::new(0),
        listener_ok: AtomicBool::new(true),
        health_changed: Notify::new(),
        open: AtomicUsize::new(0),
        drained: Notify::new(),
        log,
    });
    let mut tasks = Vec::new();
    for i in 0..proxy.upstreams.len() {
        tasks.push(tokio::spawn(check_upstream(
            Arc::clone(&proxy),
            i,
            options.health_interval,
            options.health_timeout,
            (options.fall, options.rise),
        )));
    }
    tasks.push(tokio::spawn(health_to_vrrp(
        Arc::clone(&proxy),
        handle.clone(),
        keys,
        options.weight,
    )));
    let accepting = tokio::spawn(accept(
        listener,
        Arc::clone(&proxy),
        options.connect_timeout,
        options.idle_timeout,
    ));
    tasks.push(tokio::spawn(async move {
        if let Err(error) = signals(handle).await {
            eprintln!("proxy: installing signal handlers: {error}");
        }
    }));

    let on_event = |event: Event| match &event {
        Event::StateChanged {
            router,
            from,
            to,
            reason,
        } => log.line(&format!("{router} {from} -> {to} ({reason})"), || {
            json::event(&event, |i| names.name(i))
        }),
        Event::Stats(_) => println!("{}", json::event(&event, |i| names.name(i))),
        _ => log.line(&json::event(&event, |i| names.name(i)), || {
            json::event(&event, |i| names.name(i))
        }),
    };
    // Returns after a signal's hand-over (the standby heard, the virtual IP released) or shutdown.
    let result = driver.run_async(on_event).await.map_err(|e| e.to_string());
    accepting.abort();
    for task in tasks {
        task.abort();
    }
    let open = proxy.open.load(Ordering::SeqCst);
    if open > 0 {
        log.line(
            &format!(
                "draining {open} open connections for up to {:?}",
                options.drain
            ),
            || format!(r#"{{"event":"draining","open":{open}}}"#),
        );
        let drained = async {
            loop {
                // Created before the check, so a connection ending in between still wakes it.
                let ended = proxy.drained.notified();
                if proxy.open.load(Ordering::SeqCst) == 0 {
                    break;
                }
                ended.await;
            }
        };
        let _ = timeout(options.drain, drained).await;
    }
    let left = proxy.open.load(Ordering::SeqCst);
    log.line(
        &format!("stopped; {left} connections cut by the drain limit"),
        || format!(r#"{{"event":"stopped","cut":{left}}}"#),
    );
    result
}

/// SIGTERM and SIGINT hand the virtual IP over make-before-break, and a second one of them shuts
/// the driver down at once; SIGUSR1 asks for statistics.
async fn signals(handle: DriverHandle) -> io::Result<()> {
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut usr1 = signal(SignalKind::user_defined1())?;
    let mut stopping = false;
    let stop = |stopping: &mut bool| {
        let sent = if *stopping {
            handle.shutdown()
        } else {
            handle.hand_over()
        };
        *stopping = true;
        sent
    };
    loop {
        let sent = tokio::select! {
            _ = term.recv() => stop(&mut stopping),
            _ = int.recv() => stop(&mut stopping),
            _ = usr1.recv() => handle.request_stats(),
        };
        if sent.is_err() {
            return Ok(());
        }
    }
}

/// Checks upstream `i` forever: a TCP connect within `limit`, `fall` failures or `rise` successes
/// in a row change its state.
async fn check_upstream(
    proxy: Arc<Proxy>,
    i: usize,
    every: Duration,
    limit: Duration,
    (fall, rise): (u8, u8),
) {
    let upstream = &proxy.upstreams[i];
    let mut health = RiseFall::new(rise.into(), fall.into(), true);
    let mut ticks = tokio::time::interval(every);
    // A check that ran long delays the next one instead of firing a burst to catch up.
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let good = matches!(
            timeout(limit, TcpStream::connect(upstream.address)).await,
            Ok(Ok(_))
        );
        // A client's refused connection may have marked it down since the last check.
        health.set_good(upstream.up.load(Ordering::SeqCst));
        match health.record(good) {
            Some(true) => proxy.mark(upstream, true, "health check passed"),
            Some(false) => proxy.mark(upstream, false, "health check failed"),
            None => {}
        }
    }
}

/// The proxy's health as one check that every router tracks.
const HEALTH: &str = "proxy";

/// While the proxy is unhealthy: steps down if Master, and lowers the priority by `weight`
/// (keepalived's rule for a check with a negative weight); restores both after.
async fn health_to_vrrp(proxy: Arc<Proxy>, handle: DriverHandle, keys: Vec<RouterKey>, weight: u8) {
    let mut tracker = Tracker::new();
    for &key in &keys {
        tracker.add_router(key);
        // keepalived's weight 0 means Fault while failing; here it means the priority stays.
        if weight > 0 {
            tracker.track_check(key, HEALTH, -i16::from(weight));
        }
    }
    loop {
        proxy.health_changed.notified().await;
        let health = proxy.health();
        if !tracker.set_check(HEALTH, health.is_ok()) {
            continue;
        }
        let healthy = health.is_ok();
        let why = health.err().unwrap_or("recovered");
        proxy.log.line(
            &format!(
                "{} ({why}): priority {}",
                if healthy { "healthy" } else { "unhealthy" },
                if healthy {
                    "restored".to_string()
                } else {
                    format!("lowered by {weight}, stepping down if Master")
                }
            ),
            || format!(r#"{{"event":"health","healthy":{healthy},"why":"{why}"}}"#),
        );
        if tracker.apply(&handle).is_err() {
            return;
        }
        for &key in &keys {
            if handle.set_healthy(key, healthy).is_err() {
                return;
            }
        }
    }
}

/// Accepts clients and relays each to an upstream on a task of its own.
async fn accept(
    listener: TcpListener,
    proxy: Arc<Proxy>,
    connect_timeout: Duration,
    idle_timeout: Duration,
) {
    loop {
        match listener.accept().await {
            Ok((client, _)) => {
                if !proxy.listener_ok.swap(true, Ordering::SeqCst) {
                    proxy.health_changed.notify_one();
                }
                let proxy = Arc::clone(&proxy);
                proxy.open.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    serve(client, &proxy, connect_timeout, idle_timeout).await;
                    proxy.open.fetch_sub(1, Ordering::SeqCst);
                    proxy.drained.notify_waiters();
                });
            }
            Err(error) => {
                if proxy.listener_ok.swap(false, Ordering::SeqCst) {
                    proxy.log.line(&format!("accepting failed: {error}"), || {
                        format!(r#"{{"event":"accept_failed","error":"{error}"}}"#)
                    });
                    proxy.health_changed.notify_one();
                }
                // Out of descriptors, say: give open connections a moment to finish.
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Relays one client to the first upstream that takes it.
async fn serve(
    client: TcpStream,
    proxy: &Proxy,
    connect_timeout: Duration,
    idle_timeout: Duration,
) {
    for upstream in proxy.candidates() {
        match timeout(connect_timeout, TcpStream::connect(upstream.address)).await {
            Ok(Ok(server)) => {
                relay(client, server, idle_timeout).await;
                return;
            }
            Ok(Err(error)) if error.kind() == io::ErrorKind::ConnectionRefused => {
                proxy.mark(upstream, false, "refused a connection");
            }
            // Slow or unreachable: try the next one, and leave judging it to the checks.
            _ => {}
        }
    }
    // No upstream took it: the client sees the connection closed.
}

/// Copies both ways until both sides are done, or nothing moved in either direction for `idle`.
/// A reset on either side ends both.
async fn relay(client: TcpStream, server: TcpStream, idle: Duration) {
    let started = Instant::now();
    let last_activity = AtomicU64::new(0);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let upstream = pipe(client_read, server_write, idle, started, &last_activity);
    let downstream = pipe(server_read, client_write, idle, started, &last_activity);
    tokio::pin!(upstream, downstream);
    tokio::select! {
        done = &mut upstream => if done.is_ok() { let _ = downstream.await; },
        done = &mut downstream => if done.is_ok() { let _ = upstream.await; },
    }
}

/// Copies `from` to `to`, then shuts `to`'s sending side. Gives up after `idle` without traffic in
/// either direction (`last_activity`: milliseconds since `started`); fails on an I/O error.
async fn pipe(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    idle: Duration,
    started: Instant,
    last_activity: &AtomicU64,
) -> io::Result<()> {
    let millis = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    let mut buffer = vec![0; 16 * 1024];
    loop {
        match timeout(idle, from.read(&mut buffer)).await {
            Ok(Ok(0)) => break,
            Ok(Ok(n)) => {
                last_activity.store(millis(started.elapsed()), Ordering::Relaxed);
                to.write_all(&buffer[..n]).await?;
            }
            Ok(Err(error)) => return Err(error),
            Err(_) => {
                let quiet = millis(started.elapsed()) - last_activity.load(Ordering::Relaxed);
                if quiet >= millis(idle) {
                    return Err(io::ErrorKind::TimedOut.into());
                }
            }
        }
    }
    to.shutdown().await
}
