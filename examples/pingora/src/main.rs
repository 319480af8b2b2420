//! An HTTP reverse proxy on [Pingora](https://github.com/cloudflare/pingora) that holds its virtual
//! IP with VRRP: the `proxy` example's story with Pingora doing the HTTP. Its own package, so that
//! Pingora (and the cmake its build needs) stays out of the `vrrp` crate's dependencies:
//!
//! ```text
//! cargo build --release --manifest-path examples/pingora/Cargo.toml
//! vrrp-pingora --interface eth0 --vrid 51 --priority 150 --vip 192.0.2.100/24 --listen 0.0.0.0:80
//!       --upstream 198.51.100.1:8001 [--upstream ...] [--advert-interval 100ms] [--no-preempt]
//!       [--health-interval 200ms] [--health-timeout 100ms] [--fall 2] [--rise 2] [--weight 60]
//!       [--connect-timeout 1s] [--idle-timeout 30s] [--drain 2s] [--events]
//! ```
//!
//! The options mean what they mean for `proxy`. Requests to `--listen` go round-robin to the
//! upstreams through a Pingora `LoadBalancer`, whose TCP health check connects to each upstream
//! every `--health-interval` (within `--health-timeout`; `--fall` failures in a row mark it down,
//! `--rise` successes up). An upstream that refuses a connection is taken out at once (the
//! request goes to the next one) and comes back after `--rise` passed checks, so a stopped server
//! costs no request. `--connect-timeout` bounds each upstream connect; `--idle-timeout` is the
//! read and write timeout on both sides and the downstream keep-alive timeout (whole seconds: that
//! is what Pingora takes).
//!
//! Health drives VRRP: while no upstream is up, the proxy is unhealthy; as Master it then steps
//! down (`DriverHandle::set_healthy`: a priority-0 advertisement hands the virtual IP to the
//! standby after the standby's Skew_Time), and its priority drops by `--weight` until health
//! returns.
//!
//! The VRRP driver (`Driver::run_async`) runs as a Pingora background service. SIGTERM or SIGINT
//! hands the virtual IP over make-before-break (`DriverHandle::hand_over`): the proxy keeps the
//! address and keeps serving until it hears the standby's first advertisement; then it waits up
//! to `--drain` for the open connections, and only then starts Pingora's graceful shutdown,
//! which stops the listeners (with no grace period left to wait: the draining is done). Pingora's
//! own signal watch would stop the listeners at the first signal, while the address still leads
//! here, so the program gives `Server::run` a shutdown watch of its own. A second signal stops at
//! once. SIGUSR1 prints statistics. SIGQUIT (Pingora's graceful upgrade) is not supported: the new
//! process would have to take over the router too; it is logged and ignored.
//!
//! State and health changes are logged one line each on standard error; `--events` also prints
//! them as JSON lines on standard output, the same lines as `proxy`'s (`{"event":"state",...}`,
//! `{"event":"upstream",...}`, `{"event":"health",...}`, `{"event":"draining","open":N}`,
//! `{"event":"stopped","cut":N}`).

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use example_common::args::{ArgError, duration};
use example_common::proxy_options::{Options, parse_options};
use pingora::apps::ServerApp;
use pingora::lb::health_check::{HealthCheck, TcpHealthCheck};
use pingora::lb::selection::RoundRobin;
use pingora::lb::{Backend, LoadBalancer};
use pingora::protocols::Stream;
use pingora::proxy::{ProxyHttp, Session, http_proxy};
use pingora::server::configuration::ServerConf;
use pingora::server::{RunArgs, Server, ShutdownSignal, ShutdownSignalWatch, ShutdownWatch};
use pingora::services::background::{BackgroundService, background_service};
use pingora::services::listening::Service;
use pingora::upstreams::peer::HttpPeer;
use pingora::{Error, ErrorType};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{Notify, watch};
use vrrp::RouterKey;
use vrrp::host::{DriverHandle, Event, json};
use vrrp::linux::{Driver, InterfaceNames, Netlink};
use vrrp::track::Tracker;

const NAME: &str = "vrrp-pingora";

const USAGE: &str =
    "usage: vrrp-pingora --interface IF --vrid N --priority P --vip ADDR/LEN [--vip ...]
       --listen ADDR:PORT --upstream ADDR:PORT [--upstream ...] [--advert-interval DURATION]
       [--no-preempt] [--health-interval DURATION] [--health-timeout DURATION] [--fall N]
       [--rise N] [--weight N] [--connect-timeout DURATION] [--idle-timeout SECONDS]
       [--drain DURATION] [--events] [--unicast-peer ADDR ...] [--min-hop-limit N]
       [--auth-key-file FILE] [--vip-lifetime DURATION] [--routed-interface NAME]";

/// A duration of at least one whole second: Pingora's downstream keep-alive timeout is in seconds.
fn whole_seconds(flag: &str, text: &str) -> Result<Duration, ArgError> {
    let value = duration(flag, text)?;
    if value.subsec_nanos() != 0 || value.is_zero() {
        return Err(ArgError(format!(
            "{flag}: {text:?}: Pingora's keep-alive timeout takes whole seconds (1s or more)"
        )));
    }
    Ok(value)
}

/// Log lines: a human one on standard error, and with `--events` a JSON one on standard output.
#[derive(Clone, Copy)]
struct Log {
    events: bool,
}

impl Log {
    fn line(&self, human: &str, json: impl FnOnce() -> String) {
        eprintln!("{NAME}: {human}");
        if self.events {
            println!("{}", json());
        }
    }
}

/// An upstream's key in [`Shared`]'s maps: its address.
fn key(backend: &Backend) -> String {
    backend.addr.to_string()
}

/// What the proxy, the health check and the VRRP service share.
struct Shared {
    /// The upstreams, set once the load balancer is built (its health check holds this too).
    balancer: OnceLock<Arc<LoadBalancer<RoundRobin>>>,
    /// Upstreams taken out after refusing a connection, with their passed checks since.
    refused: Mutex<HashMap<String, u8>>,
    /// Whether each upstream was up when last logged.
    logged_up: Mutex<HashMap<String, bool>>,
    /// Raised whenever an upstream may have changed health.
    health_changed: Notify,
    /// Open client connections, for draining.
    open: AtomicUsize,
    /// Connections served so far (each request on a kept-alive one counted again).
    served: AtomicUsize,
    drained: Notify,
    rise: u8,
    log: Log,
}

impl Shared {
    fn balancer(&self) -> &LoadBalancer<RoundRobin> {
        self.balancer.get().expect("set before the server runs")
    }

    /// Logs the upstreams whose readiness changed since last time, with `why`, and raises
    /// `health_changed`.
    fn refresh(&self, why: &str) {
        let balancer = self.balancer();
        let mut logged = self.logged_up.lock().expect("no panics while held");
        for backend in balancer.backends().get_backend().iter() {
            let up = balancer.backends().ready(backend);
            if logged.insert(key(backend), up) != Some(up) {
                let word = if up { "up" } else { "down" };
                self.log.line(
                    &format!("upstream {} is {word} ({why})", backend.addr),
                    || {
                        format!(
                            r#"{{"event":"upstream","upstream":"{}","up":{up},"why":"{why}"}}"#,
                            backend.addr
                        )
                    },
                );
            }
        }
        drop(logged);
        self.health_changed.notify_one();
    }

    /// Takes `backend` out until `rise` checks in a row pass: it refused a connection.
    fn refused(&self, backend: &Backend) {
        self.refused
            .lock()
            .expect("no panics while held")
            .insert(key(backend), 0);
        self.balancer().backends().set_enable(backend, false);
        self.refresh("refused a connection");
    }

    /// Healthy: some upstream is up. The reason when not.
    fn health(&self) -> Result<(), &'static str> {
        let balancer = self.balancer();
        let backends = balancer.backends();
        if backends.get_backend().iter().any(|b| backends.ready(b)) {
            Ok(())
        } else {
            Err("no upstream is up")
        }
    }
}

/// Pingora's TCP health check, plus bringing back an upstream taken out for a refused connection
/// after `rise` passed checks (Pingora's own health state never saw it fail, so would not).
struct Checks {
    tcp: TcpHealthCheck,
    shared: Arc<Shared>,
}

#[async_trait]
impl HealthCheck for Checks {
    async fn check(&self, target: &Backend) -> pingora::Result<()> {
        let result = self.tcp.check(target).await;
        let back = {
            let mut refused = self.shared.refused.lock().expect("no panics while held");
            match refused.get_mut(&key(target)) {
                Some(passed) if result.is_ok() => {
                    *passed += 1;
                    let back = *passed >= self.shared.rise;
                    if back {
                        refused.remove(&key(target));
                    }
                    back
                }
                Some(passed) => {
                    *passed = 0;
                    false
                }
                None => false,
            }
        };
        if back {
            self.shared.balancer().backends().set_enable(target, true);
            self.shared.refresh("health check passed");
        }
        result
    }

    async fn health_status_change(&self, target: &Backend, healthy: bool) {
        if healthy {
            // Passed `rise` checks: also back if it had refused a connection.
            self.shared
                .refused
                .lock()
                .expect("no panics while held")
                .remove(&key(target));
            self.shared.balancer().backends().set_enable(target, true);
        }
        self.tcp.health_status_change(target, healthy).await;
        self.shared.refresh(if healthy {
            "health check passed"
        } else {
            "health check failed"
        });
    }

    fn health_threshold(&self, success: bool) -> usize {
        self.tcp.health_threshold(success)
    }
}

/// Counts one open client connection while it lives.
struct Open<'a>(&'a Shared);

impl<'a> Open<'a> {
    fn new(shared: &'a Shared) -> Self {
        shared.open.fetch_add(1, Ordering::SeqCst);
        shared.served.fetch_add(1, Ordering::SeqCst);
        Self(shared)
    }
}

impl Drop for Open<'_> {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
        self.0.drained.notify_waiters();
    }
}

/// Pingora's HTTP proxy application, counting the client connections it serves: Pingora calls
/// `process_new` for each accepted connection, again for each further request on a kept-alive
/// one, and the connection is closed when none of those runs.
struct Counted<A> {
    app: Arc<A>,
    shared: Arc<Shared>,
}

#[async_trait]
impl<A: ServerApp + Send + Sync + 'static> ServerApp for Counted<A> {
    async fn process_new(
        self: &Arc<Self>,
        session: Stream,
        shutdown: &ShutdownWatch,
    ) -> Option<Stream> {
        let _open = Open::new(&self.shared);
        self.app.process_new(session, shutdown).await
    }

    async fn cleanup(&self) {
        self.app.cleanup().await;
    }
}

/// The HTTP proxy: round robin over the ready upstreams.
struct Proxy {
    shared: Arc<Shared>,
    connect_timeout: Duration,
    idle_timeout: Duration,
}

/// One request's state.
struct Request {
    /// The upstreams tried so far, the last one being tried now.
    tried: Vec<Backend>,
}

#[async_trait]
impl ProxyHttp for Proxy {
    type CTX = Request;

    fn new_ctx(&self) -> Request {
        Request { tried: Vec::new() }
    }

    async fn early_request_filter(
        &self,
        session: &mut Session,
        _request: &mut Request,
    ) -> pingora::Result<()> {
        session.set_read_timeout(Some(self.idle_timeout));
        session.set_write_timeout(Some(self.idle_timeout));
        // A connection the client keeps alive (Pingora's default: forever) waits as long for the
        // next request; one it does not (HTTP/1.0 without `Connection: keep-alive`) stays closed.
        if session.get_keepalive().is_some() {
            session.set_keepalive(Some(self.idle_timeout.as_secs()));
        }
        Ok(())
    }

    async fn upstream_peer(
        &self,
        _session: &mut Session,
        request: &mut Request,
    ) -> pingora::Result<Box<HttpPeer>> {
        let balancer = self.shared.balancer();
        let untried = |b: &Backend| !request.tried.contains(b);
        // The ready upstreams in round-robin order, then the others (a check may not have
        // noticed yet that one came back).
        let backend = balancer
            .select_with(b"", 256, |b, ready| ready && untried(b))
            .or_else(|| balancer.select_with(b"", 256, |b, _| untried(b)))
            .ok_or_else(|| Error::explain(ErrorType::ConnectNoRoute, "no upstream left to try"))?;
        // The upstreams are `--upstream ADDR:PORT`: Internet addresses.
        let address = backend.addr.as_inet().copied().ok_or_else(|| {
            Error::explain(
                ErrorType::InternalError,
                "an upstream without an IP address",
            )
        })?;
        let mut peer = HttpPeer::new(address, false, String::new());
        peer.options.connection_timeout = Some(self.connect_timeout);
        peer.options.read_timeout = Some(self.idle_timeout);
        peer.options.write_timeout = Some(self.idle_timeout);
        request.tried.push(backend);
        Ok(Box::new(peer))
    }

    fn fail_to_connect(
        &self,
        _session: &mut Session,
        _peer: &HttpPeer,
        request: &mut Request,
        mut error: Box<Error>,
    ) -> Box<Error> {
        if let Some(backend) = request.tried.last() {
            // Refused: down at once. Slow or unreachable: the next one, leaving judging it to the
            // checks.
            if error.etype == ErrorType::ConnectRefused {
                self.shared.refused(backend);
            }
            error.set_retry(true);
        }
        error
    }
}

/// The proxy's health as one check that every router tracks.
const HEALTH: &str = "proxy";

/// While the proxy is unhealthy: steps down if Master, and lowers the priority by `weight`
/// (keepalived's rule for a check with a negative weight); restores both after.
async fn health_to_vrrp(
    shared: Arc<Shared>,
    handle: DriverHandle,
    keys: Vec<RouterKey>,
    weight: u8,
) {
    let mut tracker = Tracker::new();
    for &key in &keys {
        tracker.add_router(key);
        // keepalived's weight 0 means Fault while failing; here it means the priority stays.
        if weight > 0 {
            tracker.track_check(key, HEALTH, -i16::from(weight));
        }
    }
    loop {
        shared.health_changed.notified().await;
        let health = shared.health();
        if !tracker.set_check(HEALTH, health.is_ok()) {
            continue;
        }
        let healthy = health.is_ok();
        let why = health.err().unwrap_or("recovered");
        shared.log.line(
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

/// The VRRP driver as a Pingora background service.
struct Vrrp {
    driver: Mutex<Option<Driver>>,
    handle: DriverHandle,
    keys: Vec<RouterKey>,
    weight: u8,
    names: InterfaceNames,
    shared: Arc<Shared>,
    /// How the driver ended, raised when it did.
    result: Arc<Mutex<Option<Result<(), String>>>>,
    stopped: watch::Sender<bool>,
}

#[async_trait]
impl BackgroundService for Vrrp {
    async fn start(&self, mut shutdown: ShutdownWatch) {
        let Some(driver) = self.driver.lock().expect("no panics while held").take() else {
            return;
        };
        let health = tokio::spawn(health_to_vrrp(
            Arc::clone(&self.shared),
            self.handle.clone(),
            self.keys.clone(),
            self.weight,
        ));
        let log = self.shared.log;
        let names = self.names.clone();
        let on_event = move |event: Event| match &event {
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
        // Returns after a hand-over (the standby heard, the virtual IP released) or shutdown.
        let run = driver.run_async(on_event);
        tokio::pin!(run);
        let mut handing_over = false;
        let result = loop {
            tokio::select! {
                result = &mut run => break result.map_err(|e| e.to_string()),
                changed = shutdown.changed(), if !handing_over => {
                    // Pingora's graceful shutdown reached the services before the driver
                    // returned (the signal watch below waits for the driver, so only another way
                    // of shutting down gets here): hand over all the same.
                    if changed.is_err() || *shutdown.borrow() {
                        handing_over = true;
                        let _ = self.handle.hand_over();
                    }
                }
            }
        };
        health.abort();
        *self.result.lock().expect("no panics while held") = Some(result);
        self.stopped.send_replace(true);
    }
}

/// Connections whose handshake the kernel completed before the virtual IP was released, but that
/// Pingora has not accepted yet, are not counted as open: the time they are given to be.
const SETTLE: Duration = Duration::from_millis(20);

/// Pingora's shutdown signal watch, made make-before-break: the first SIGTERM or SIGINT hands the
/// virtual IP over and the server keeps serving until the driver returned, then waits up to
/// `drain` for the open connections; only then does Pingora's graceful shutdown start (the
/// listeners stop). A second signal stops at once.
struct HandOver {
    handle: DriverHandle,
    stopped: watch::Receiver<bool>,
    shared: Arc<Shared>,
    drain: Duration,
}

#[async_trait]
impl ShutdownSignalWatch for HandOver {
    async fn recv(&self) -> ShutdownSignal {
        let (mut term, mut int, mut quit, mut usr1) = match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
            signal(SignalKind::quit()),
            signal(SignalKind::user_defined1()),
        ) {
            (Ok(term), Ok(int), Ok(quit), Ok(usr1)) => (term, int, quit, usr1),
            _ => {
                eprintln!("{NAME}: installing signal handlers failed; stopping");
                let _ = self.handle.shutdown();
                return ShutdownSignal::FastShutdown;
            }
        };
        let mut stopped = self.stopped.clone();
        let mut handing_over = false;
        // Until the driver returned: after a signal's hand-over, or on its own (an error).
        loop {
            let signalled = tokio::select! {
                _ = term.recv() => true,
                _ = int.recv() => true,
                _ = quit.recv() => {
                    eprintln!("{NAME}: SIGQUIT (graceful upgrade) is not supported; ignored");
                    false
                }
                _ = usr1.recv() => {
                    let _ = self.handle.request_stats();
                    false
                }
                _ = stopped.wait_for(|&stopped| stopped) => break,
            };
            if signalled && handing_over {
                let _ = self.handle.shutdown();
                let _ = stopped.wait_for(|&stopped| stopped).await;
                return ShutdownSignal::FastShutdown;
            }
            if signalled {
                handing_over = true;
                if self.handle.hand_over().is_err() {
                    break;
                }
            }
        }
        // The virtual IP is released: no new connections come. Let the open ones finish.
        let shared = &self.shared;
        let drained = async {
            let open = shared.open.load(Ordering::SeqCst);
            let served = shared.served.load(Ordering::SeqCst);
            tokio::time::sleep(SETTLE.min(self.drain)).await;
            // Those open when the address left, and those accepted since: some of them may have
            // ended already (a client whose next packet went to the new Master is reset by it).
            let open = open + (shared.served.load(Ordering::SeqCst) - served);
            shared.log.line(
                &format!(
                    "draining {open} connections (open when the address left or accepted since) \
                     for up to {:?}",
                    self.drain
                ),
                || format!(r#"{{"event":"draining","open":{open}}}"#),
            );
            loop {
                // Created before the check, so a connection ending in between still wakes it.
                let ended = shared.drained.notified();
                if shared.open.load(Ordering::SeqCst) == 0 {
                    break;
                }
                ended.await;
            }
        };
        let signalled = tokio::select! {
            _ = tokio::time::timeout(self.drain, drained) => false,
            _ = term.recv() => true,
            _ = int.recv() => true,
        };
        let left = shared.open.load(Ordering::SeqCst);
        shared.log.line(
            &format!("stopped; {left} connections cut by the drain limit"),
            || format!(r#"{{"event":"stopped","cut":{left}}}"#),
        );
        if signalled {
            ShutdownSignal::FastShutdown
        } else {
            ShutdownSignal::GracefulTerminate
        }
    }
}

fn main() -> ExitCode {
    let options = match parse_options(std::env::args().skip(1), whole_seconds) {
        Ok(options) => options,
        Err(ArgError(message)) => {
            eprintln!("{NAME}: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{NAME}: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: Options) -> Result<(), String> {
    let mut netlink = Netlink::open().map_err(|e| e.to_string())?;
    let routers = options.routers(&mut netlink)?;
    let keys: Vec<RouterKey> = (routers.instances)
        .iter()
        .map(|i| RouterKey::of(i.config()))
        .collect();
    let names = InterfaceNames::read(&mut netlink).unwrap_or_default();
    // Pingora binds when its service starts, and a failure there is a panic: try first, for a
    // clear message.
    drop(
        std::net::TcpListener::bind(options.listen)
            .map_err(|e| format!("listening on {}: {e}", options.listen))?,
    );
    let driver = routers.driver(options.vip_lifetime)?;
    let handle = driver.handle();

    let conf = ServerConf {
        // The draining happens before Pingora's shutdown starts (see `HandOver`): no grace
        // period after it, and one second for the runtimes to stop.
        grace_period_seconds: Some(0),
        graceful_shutdown_timeout_seconds: Some(1),
        ..ServerConf::default()
    };
    let mut server = Server::new_with_opt_and_conf(None, conf);
    server.bootstrap();

    let shared = Arc::new(Shared {
        balancer: OnceLock::new(),
        refused: Mutex::new(HashMap::new()),
        logged_up: Mutex::new(HashMap::new()),
        health_changed: Notify::new(),
        open: AtomicUsize::new(0),
        served: AtomicUsize::new(0),
        drained: Notify::new(),
        rise: options.rise,
        log: Log {
            events: options.events,
        },
    });

    // Up until checks say otherwise (Pingora's default), like a freshly started nginx.
    let mut balancer = LoadBalancer::<RoundRobin>::try_from_iter(options.upstreams.iter())
        .map_err(|e| format!("the upstreams: {e}"))?;
    let mut tcp = TcpHealthCheck::default();
    tcp.consecutive_success = options.rise.into();
    tcp.consecutive_failure = options.fall.into();
    tcp.peer_template.options.connection_timeout = Some(options.health_timeout);
    balancer.set_health_check(Box::new(Checks {
        tcp,
        shared: Arc::clone(&shared),
    }));
    balancer.health_check_frequency = Some(options.health_interval);
    // Each upstream on its own, so a slow one delays no other's check.
    balancer.parallel_health_check = true;
    let checks = background_service("health check", balancer);
    if shared.balancer.set(checks.task()).is_err() {
        unreachable!("set once");
    }
    for backend in shared.balancer().backends().get_backend().iter() {
        shared
            .logged_up
            .lock()
            .expect("no panics while held")
            .insert(key(backend), true);
    }

    let app = http_proxy(
        &server.configuration,
        Proxy {
            shared: Arc::clone(&shared),
            connect_timeout: options.connect_timeout,
            idle_timeout: options.idle_timeout,
        },
    );
    let mut proxy = Service::new(
        "HTTP proxy".to_string(),
        Counted {
            app: Arc::new(app),
            shared: Arc::clone(&shared),
        },
    );
    proxy.add_tcp(&options.listen.to_string());

    let result = Arc::new(Mutex::new(None));
    let (stopped, stopped_watch) = watch::channel(false);
    // The driver starts as Backup and waits at least Master_Down_Interval before it may take the
    // address, by which time the proxy listens.
    let vrrp = background_service(
        "vrrp",
        Vrrp {
            driver: Mutex::new(Some(driver)),
            handle: handle.clone(),
            keys,
            weight: options.weight,
            names,
            shared: Arc::clone(&shared),
            result: Arc::clone(&result),
            stopped,
        },
    );
    server.add_service(proxy);
    server.add_service(checks);
    server.add_service(vrrp);
    server.run(RunArgs {
        shutdown_signal: Box::new(HandOver {
            handle,
            stopped: stopped_watch,
            shared,
            drain: options.drain,
        }),
    });
    let ended = result.lock().expect("no panics while held").take();
    ended.unwrap_or_else(|| Err("the VRRP driver did not stop".into()))
}
