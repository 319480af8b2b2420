//! Three VRRP routers in the deterministic simulator: election, a Master crash, its return with
//! preemption, and a graceful shutdown. Prints the timeline and the measured takeover times next to
//! the RFC 5798 formulas. Needs no root and no network:
//!
//! ```sh
//! cargo run --example simulate
//! ```

use std::error::Error;
use std::net::Ipv4Addr;
use std::time::Duration;

use vrrp::sim::{HostId, Lan, RecordKind};
use vrrp::timing::{master_down_interval, skew_time};
use vrrp::{Config, Interval, Priority, State, Vrid};

const VRID: Vrid = Vrid::new(51).expect("VRID 51 is not 0");
const INTERVAL: Duration = Duration::from_millis(100);
const LATENCY: Duration = Duration::from_micros(100);
const ROUTERS: [(&str, Priority); 3] = [
    ("A", Priority::new(200)),
    ("B", Priority::new(150)),
    ("C", Priority::new(100)),
];

fn main() -> Result<(), Box<dyn Error>> {
    let mut lan = Lan::new(1, std::time::Instant::now());
    lan.set_latency(LATENCY, Duration::ZERO);
    for (i, (_, priority)) in ROUTERS.iter().enumerate() {
        let address = Ipv4Addr::new(192, 0, 2, 1 + u8::try_from(i)?);
        let config = Config::builder(1, VRID, address.into())
            .priority(*priority)
            .advert_interval(INTERVAL)
            .address(Ipv4Addr::new(192, 0, 2, 100).into())
            .build()?;
        lan.add_host(vec![config])?;
    }
    let (a, b) = (0, 1);
    let interval = Interval::from_centis(10).ok_or("10 cs is a valid interval")?;
    let mdi = |priority| master_down_interval(vrrp::packet::Version::V3, priority, interval, 3);
    let skew = |priority| skew_time(vrrp::packet::Version::V3, priority, interval);

    println!(
        "VRRPv3, VRID {VRID}, advertisement interval {} ms, one-way latency {} µs",
        INTERVAL.as_millis(),
        LATENCY.as_micros()
    );
    for (name, priority) in ROUTERS {
        println!(
            "  {name}: priority {priority:>3}, Master_Down_Interval {}, Skew_Time {}",
            ms(mdi(priority)),
            ms(skew(priority))
        );
    }

    println!(
        "\n1. Election: every router starts as Backup; the highest priority's timer runs out first."
    );
    lan.start_all();
    lan.run_for(Duration::from_secs(2));
    print_changes(&lan, Duration::ZERO);
    let elected = became_master(&lan, a, Duration::ZERO).ok_or("A was elected")?;
    report(
        "A became Master",
        elected,
        "Master_Down_Interval(200)",
        mdi(Priority::new(200)),
    )?;

    println!(
        "\n2. A crashes (no priority 0): B takes over Master_Down_Interval after A's last advert."
    );
    let crash = lan.elapsed();
    let last_advert = last_advert(&lan, a).ok_or("A advertised")?;
    lan.crash(a);
    lan.run_for(Duration::from_secs(2));
    print_changes(&lan, crash);
    let takeover = became_master(&lan, b, crash).ok_or("B took over")?;
    report(
        "B became Master",
        takeover - last_advert,
        "Master_Down_Interval(150) + latency",
        mdi(Priority::new(150)) + LATENCY,
    )?;

    println!(
        "\n3. A comes back: it ignores B's lower priority and preempts when its own timer runs out."
    );
    let restart = lan.elapsed();
    lan.restart(a);
    lan.run_for(Duration::from_secs(2));
    print_changes(&lan, restart);
    let preempted = became_master(&lan, a, restart).ok_or("A preempted")?;
    report(
        "A became Master",
        preempted - restart,
        "Master_Down_Interval(200)",
        mdi(Priority::new(200)),
    )?;

    println!("\n4. A stops cleanly: its priority-0 advert makes B take over after Skew_Time.");
    let stop = lan.elapsed();
    lan.stop(a);
    lan.run_for(Duration::from_secs(2));
    print_changes(&lan, stop);
    let handover = became_master(&lan, b, stop).ok_or("B took over")?;
    report(
        "B became Master",
        handover - stop,
        "Skew_Time(150) + latency",
        skew(Priority::new(150)) + LATENCY,
    )?;

    let masters: Vec<&str> = lan
        .masters(VRID)
        .into_iter()
        .map(|h| ROUTERS[h].0)
        .collect();
    println!("\nMaster now: {}", masters.join(", "));
    let stats = lan
        .routers(b)
        .iter()
        .next()
        .map(|(_, router)| router.stats().clone())
        .ok_or("B runs")?;
    println!(
        "B's statistics: {} adverts sent, {} received, {} priority-0 received, {} transitions to Master, {} errors",
        stats.sent_advertisements,
        stats.rcvd_advertisements,
        stats.rcvd_pri_zero_packets,
        stats.master_transitions,
        stats.total_errors()
    );
    Ok(())
}

fn ms(duration: Duration) -> String {
    format!("{:.6} ms", duration.as_secs_f64() * 1000.0)
}

fn print_changes(lan: &Lan, since: Duration) {
    for record in lan.records().iter().filter(|r| r.at >= since) {
        let name = ROUTERS[record.host].0;
        match &record.kind {
            RecordKind::StateChanged { from, to, reason } => {
                println!(
                    "   {:>12.6} s  {name}  {from} -> {to} ({reason})",
                    record.at.as_secs_f64()
                )
            }
            RecordKind::Crashed | RecordKind::Restarted | RecordKind::Stopped => {
                println!(
                    "   {:>12.6} s  {name}  {:?}",
                    record.at.as_secs_f64(),
                    record.kind
                )
            }
            _ => {}
        }
    }
}

/// When `host` last became Master after `since`.
fn became_master(lan: &Lan, host: HostId, since: Duration) -> Option<Duration> {
    lan.records()
        .iter()
        .filter(|r| r.host == host && r.at >= since)
        .filter(|r| {
            matches!(
                r.kind,
                RecordKind::StateChanged {
                    to: State::Master,
                    ..
                }
            )
        })
        .map(|r| r.at)
        .next_back()
}

/// When `host` last sent an advertisement.
fn last_advert(lan: &Lan, host: HostId) -> Option<Duration> {
    lan.records()
        .iter()
        .filter(|r| r.host == host && matches!(r.kind, RecordKind::AdvertSent(_)))
        .map(|r| r.at)
        .next_back()
}

/// Prints a measured takeover beside the RFC's value; a difference is an error, so the example fails.
fn report(what: &str, measured: Duration, formula: &str, expected: Duration) -> Result<(), String> {
    println!(
        "   => {what} after {} ; RFC: {formula} = {}",
        ms(measured),
        ms(expected)
    );
    if measured == expected {
        Ok(())
    } else {
        Err(format!(
            "{what}: measured {} differs from the RFC's {}",
            ms(measured),
            ms(expected)
        ))
    }
}
