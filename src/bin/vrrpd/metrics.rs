//! `--metrics ADDR:PORT`: the statistics and the host's events for Prometheus, at `GET /metrics`
//! (`text/plain; version=0.0.4`), from a thread of its own; any other path is a 404.
//!
//! Every scrape asks the driver for fresh statistics, in the queue of statistics requests that
//! SIGUSR1, the watchdog and the control socket share (so a scrape's report is never printed as a
//! JSON line), and serves them; when the driver does not answer, it serves the last ones. The
//! event callback hands every event to [`Metrics::observe`], which counts the host's events.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use tiny_http::{Header, Method, Response, Server};
use vrrp::host::metrics::{CONTENT_TYPE, HostCounters, render};
use vrrp::host::{Event, StatsReport};

/// What the event callback and the metrics thread share.
#[derive(Debug, Default)]
struct Shared {
    /// The latest statistics.
    report: Option<StatsReport>,
    /// The host's events, counted.
    host: HostCounters,
}

/// The latest statistics and the host's event counts, for the metrics server.
#[derive(Debug, Default)]
pub struct Metrics {
    shared: Mutex<Shared>,
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

    /// Takes in one of the driver's events: the host's are counted, statistics kept.
    pub fn observe(&self, event: &Event) {
        let mut shared = self.lock();
        match event {
            Event::Stats(report) => shared.report = Some(report.clone()),
            _ => shared.host.record(event),
        }
    }

    /// The text of one scrape: `fresh` statistics if the driver answered, else the last ones;
    /// `None` when there have been none.
    fn scrape(&self, fresh: Option<StatsReport>) -> Option<String> {
        let mut shared = self.lock();
        if let Some(report) = fresh {
            shared.report = Some(report);
        }
        let report = shared.report.clone()?;
        let host = shared.host.clone();
        drop(shared);
        Some(render(&report, &host, &|index| {
            self.names.get(&index).cloned()
        }))
    }
}

/// Serves `metrics` at `http://address/metrics` from a thread of its own, calling `fetch` for
/// fresh statistics on every scrape. Fails when `address` cannot be bound.
pub fn serve(
    address: SocketAddr,
    metrics: Arc<Metrics>,
    fetch: impl Fn() -> Result<StatsReport, String> + Send + 'static,
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
                        match metrics.scrape(fetch().ok()) {
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

    fn report(vrid: u8) -> StatsReport {
        let mut routers = vrrp::Routers::new();
        let config =
            vrrp::Config::builder(4, vrrp::Vrid::new(vrid).unwrap(), [192, 0, 2, 1].into())
                .address([192, 0, 2, 100].into())
                .build()
                .expect("valid");
        routers.add(config).expect("new");
        StatsReport::of(&routers, std::time::Instant::now())
    }

    #[test]
    fn a_scrape_serves_fresh_statistics_else_the_last_ones_and_counts_host_events() {
        let metrics = Metrics::new(HashMap::from([(4, "eth0".to_string())]));
        // No statistics yet and no answer from the driver: nothing to serve.
        assert_eq!(metrics.scrape(None), None);
        let text = metrics.scrape(Some(report(9))).expect("fresh");
        assert!(
            text.contains(
                r#"vrrp_router_state{interface="eth0",vrid="9",family="ipv4",state="initialize"} 1"#
            ),
            "{text}"
        );
        // The driver did not answer: the last report, here one a SIGUSR1 brought.
        metrics.observe(&Event::Stats(report(10)));
        let text = metrics.scrape(None).expect("the last one");
        assert!(text.contains(r#"vrid="10""#), "{text}");
        metrics.observe(&Event::Resynchronized);
        assert_eq!(metrics.lock().host.resynchronizations(), 1);
    }
}
