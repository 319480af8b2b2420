//! `--metrics ADDR:PORT`: the statistics and the host's events for Prometheus, at `GET /metrics`
//! (`text/plain; version=0.0.4`), from a thread of their own; any other path is a 404.
//!
//! Every scrape asks the driver for fresh statistics ([`DriverHandle::request_stats`]) and waits
//! for them (at most [`FRESH_TIMEOUT`], then it serves the last ones). The driver delivers them as
//! an [`Event::Stats`] to the event callback, which hands every event to [`Metrics::observe`]:
//! it counts the host's events, keeps the statistics, and says whether they answered a scrape, so
//! that the callback does not print them as a JSON line (SIGUSR1 and the shutdown still do).
//!
//! Wiring, in `main`:
//!
//! ```text
//! let metrics = Metrics::new(names.0.clone());
//! if let Some(address) = options.metrics {
//!     metrics::serve(address, Arc::clone(&metrics), driver.handle())?;
//! }
//! // in the event callback, first:
//! let scraped = metrics.observe(&event);
//! if !scraped && (print_events || matches!(event, Event::Stats(_))) { /* print the JSON line */ }
//! ```

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tiny_http::{Header, Method, Response, Server};
use vrrp::host::metrics::{CONTENT_TYPE, HostCounters, render};
use vrrp::host::{DriverHandle, Event, StatsReport};

/// How long a scrape waits for the driver's statistics before it serves the last ones.
pub const FRESH_TIMEOUT: Duration = Duration::from_secs(2);

/// What the event callback and the metrics thread share.
#[derive(Debug, Default)]
struct Shared {
    /// The latest statistics.
    report: Option<StatsReport>,
    /// How many statistics reports arrived: a scrape waits for it to move.
    reports: u64,
    /// The host's events, counted.
    host: HostCounters,
    /// Statistics reports that scrapes asked for and that have not arrived: they are not printed.
    awaited: u64,
}

/// The latest statistics and the host's event counts, for the metrics server.
#[derive(Debug, Default)]
pub struct Metrics {
    shared: Mutex<Shared>,
    arrived: Condvar,
    /// Interface names by index, for the `interface` label.
    names: HashMap<u32, String>,
}

impl Metrics {
    /// Nothing seen yet; interfaces are labelled with `names` (by index).
    pub fn new(names: HashMap<u32, String>) -> Arc<Self> {
        Arc::new(Self {
            names,
            ..Self::default()
        })
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes in one of the driver's events: the host's are counted, statistics kept. Returns true
    /// when `event` is statistics a scrape asked for, which the caller should not print.
    pub fn observe(&self, event: &Event) -> bool {
        let mut shared = self.lock();
        let Event::Stats(report) = event else {
            shared.host.record(event);
            return false;
        };
        shared.report = Some(report.clone());
        shared.reports += 1;
        let scraped = shared.awaited > 0;
        if scraped {
            shared.awaited -= 1;
        }
        drop(shared);
        self.arrived.notify_all();
        scraped
    }

    /// The text of one scrape: fresh statistics if `request` gets them within [`FRESH_TIMEOUT`],
    /// else the last ones; `None` when there have been none.
    fn scrape(&self, request: impl FnOnce() -> bool) -> Option<String> {
        let mut shared = self.lock();
        let seen = shared.reports;
        shared.awaited += 1;
        drop(shared);
        let asked = request();
        let deadline = Instant::now() + FRESH_TIMEOUT;
        let mut shared = self.lock();
        while asked && shared.reports == seen {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            shared = self
                .arrived
                .wait_timeout(shared, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        if shared.reports == seen {
            // Not answered (the driver stopped, or is slow): a late report is printed.
            shared.awaited = shared.awaited.saturating_sub(1);
        }
        let report = shared.report.clone()?;
        let host = shared.host.clone();
        drop(shared);
        Some(render(&report, &host, &|index| {
            self.names.get(&index).cloned()
        }))
    }
}

/// Serves `metrics` at `http://address/metrics` from a thread of its own, asking `handle` for
/// fresh statistics on every scrape. Fails when `address` cannot be bound.
pub fn serve(
    address: SocketAddr,
    metrics: Arc<Metrics>,
    handle: DriverHandle,
) -> Result<(), String> {
    let server = Server::http(address).map_err(|e| format!("--metrics {address}: {e}"))?;
    let content_type = Header::from_bytes("Content-Type", CONTENT_TYPE).expect("a valid header");
    std::thread::Builder::new()
        .name("vrrpd-metrics".into())
        .spawn(move || {
            for request in server.incoming_requests() {
                let path = request.url().split('?').next().unwrap_or_default();
                let method = request.method().clone();
                let response = match (path, &method) {
                    ("/metrics", Method::Get | Method::Head) => {
                        match metrics.scrape(|| handle.request_stats().is_ok()) {
                            Some(text) => {
                                Response::from_string(text).with_header(content_type.clone())
                            }
                            None => {
                                Response::from_string("no statistics yet\n").with_status_code(503)
                            }
                        }
                    }
                    ("/metrics", _) => {
                        Response::from_string("method not allowed\n").with_status_code(405)
                    }
                    _ => Response::from_string("not found\n").with_status_code(404),
                };
                // The client may have gone; the next one is served all the same.
                let _ = request.respond(response);
            }
        })
        .map_err(|e| format!("starting the metrics thread: {e}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scrape_waits_for_its_statistics_and_claims_them_so_they_are_not_printed() {
        let metrics = Metrics::new(HashMap::new());
        // No statistics yet, no driver to answer: nothing to serve.
        assert_eq!(metrics.scrape(|| false), None);
        assert_eq!(metrics.lock().awaited, 0);

        // A report that nobody asked for (SIGUSR1) is printed.
        let report = || {
            let mut routers = vrrp::Routers::new();
            let config =
                vrrp::Config::builder(4, vrrp::Vrid::new(9).unwrap(), [192, 0, 2, 1].into())
                    .address([192, 0, 2, 100].into())
                    .build()
                    .expect("valid");
            routers.add(config).expect("new");
            Event::Stats(StatsReport::of(&routers))
        };
        assert!(!metrics.observe(&report()));

        // A scrape's report arrives from another thread while it waits; it is not printed.
        let shared = Arc::clone(&metrics);
        let (tx, rx) = std::sync::mpsc::channel();
        let scraper = std::thread::spawn(move || {
            shared.scrape(|| {
                tx.send(()).expect("the test waits");
                true
            })
        });
        rx.recv().expect("the scrape asked");
        assert!(metrics.observe(&report()));
        let text = scraper.join().expect("no panic").expect("a report");
        assert!(
            text.contains(
                r#"vrrp_router_state{interface="4",vrid="9",family="ipv4",state="initialize"} 1"#
            ),
            "{text}"
        );
        assert_eq!(metrics.lock().awaited, 0);

        // A scrape that the driver does not answer serves the last report after FRESH_TIMEOUT
        // and gives up its claim: the late report is printed.
        let started = Instant::now();
        assert!(metrics.scrape(|| true).is_some());
        assert!(started.elapsed() >= FRESH_TIMEOUT);
        assert_eq!(metrics.lock().awaited, 0);

        // The host's events are counted; a later report is printed again.
        metrics.observe(&Event::Resynchronized);
        assert!(!metrics.observe(&report()));
        assert_eq!(metrics.lock().host.resynchronizations(), 1);
    }
}
