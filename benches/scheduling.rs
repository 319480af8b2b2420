//! How late vrrpd serves its deadlines when processes outrank it, with and without the
//! scheduling keywords (`vrrp_rt_priority`, `max_auto_priority`).
//!
//! Run as root: `sudo cargo bench --bench scheduling --features daemon`. Without root it says so
//! and measures nothing. Each row runs one vrrpd Master (VRRPv3, 100 ms adverts) alone in a network
//! namespace for `VRRP_BENCH_SECONDS` (default 20), then reads its lateness histogram with
//! `vrrpd stats --json`. The load is one SCHED_FIFO busy loop at priority 10 per CPU: real-time
//! processes that outrank every normal one, left 5 % of each CPU by the kernel's real-time
//! throttling (`kernel.sched_rt_runtime_us`; the bench refuses to start them when it is off).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const NETNS: &str = "vrrpbench-sched";

fn main() {
    if !is_root() {
        println!(
            "scheduling bench: needs root (network namespaces, real-time load); nothing measured"
        );
        return;
    }
    let throttle = std::fs::read_to_string("/proc/sys/kernel/sched_rt_runtime_us")
        .unwrap_or_default()
        .trim()
        .parse::<i64>()
        .unwrap_or(-1);
    if throttle < 0 {
        println!("scheduling bench: real-time throttling is off; busy loops would hang the host");
        return;
    }
    let seconds = std::env::var("VRRP_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let dir = std::env::temp_dir().join(format!("vrrp-bench-sched-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let settings = [
        ("normal priority", ""),
        (
            "vrrp_rt_priority 50",
            "vrrp_rt_priority 50\n vrrp_no_swap\n",
        ),
        (
            "max_auto_priority 50",
            "max_auto_priority 50\n min_auto_priority_delay 20000\n",
        ),
    ];
    println!(
        "| setting | load | deadlines | max late (ms) | mean late (ms) | within 1 ms | within 10 ms |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (name, global) in settings {
        for loaded in [false, true] {
            let row = measure(&dir, global, loaded, Duration::from_secs(seconds));
            println!(
                "| {name} | {} | {} | {:.3} | {:.3} | {:.2} % | {:.2} % |",
                if loaded {
                    "SCHED_FIFO 10 busy loop per CPU"
                } else {
                    "none"
                },
                row.count,
                row.max_ms,
                row.mean_ms,
                row.within_1ms,
                row.within_10ms
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

struct Row {
    count: u64,
    max_ms: f64,
    mean_ms: f64,
    within_1ms: f64,
    within_10ms: f64,
}

fn measure(dir: &Path, global: &str, loaded: bool, window: Duration) -> Row {
    let _ = Command::new("ip")
        .args(["netns", "del", NETNS])
        .stderr(Stdio::null())
        .status();
    run(&["ip", "netns", "add", NETNS]);
    let ns = |args: &[&str]| {
        let mut all = vec!["ip", "netns", "exec", NETNS];
        all.extend(args);
        run(&all);
    };
    ns(&[
        "ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1",
    ]);
    ns(&["ip", "addr", "add", "192.0.2.11/24", "dev", "v0"]);
    ns(&["ip", "link", "set", "v0", "up"]);
    ns(&["ip", "link", "set", "v1", "up"]);
    let config = dir.join("keepalived.conf");
    std::fs::write(
        &config,
        format!(
            "global_defs {{\n {global}}}\nvrrp_instance VI_1 {{\n interface v0\n virtual_router_id 51\n \
             version 3\n priority 200\n advert_int 0.1\n virtual_ipaddress {{\n  192.0.2.100\n }}\n}}\n"
        ),
    )
    .expect("config");
    let control = dir.join("control.sock");
    let vrrpd = PathBuf::from(env!("CARGO_BIN_EXE_vrrpd"));
    let mut daemon = Command::new("ip")
        .args(["netns", "exec", NETNS])
        .arg(&vrrpd)
        .arg("--config")
        .arg(&config)
        .arg("--control")
        .arg(&control)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("vrrpd");
    std::thread::sleep(Duration::from_secs(2));
    let before = lateness(&vrrpd, &control);
    let hogs: Vec<Child> = if loaded {
        let cpus = std::thread::available_parallelism().map_or(1, usize::from);
        (0..cpus)
            .map(|cpu| {
                Command::new("chrt")
                    .args(["-f", "10", "taskset", "-c", &cpu.to_string()])
                    .args(["sh", "-c", "while :; do :; done"])
                    .spawn()
                    .expect("a busy loop")
            })
            .collect()
    } else {
        Vec::new()
    };
    std::thread::sleep(window);
    for mut hog in hogs {
        let _ = hog.kill();
        let _ = hog.wait();
    }
    let after = lateness(&vrrpd, &control);
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(daemon.id().to_string())
        .status();
    let _ = daemon.wait();
    let _ = Command::new("ip")
        .args(["netns", "del", NETNS])
        .stderr(Stdio::null())
        .status();
    // The window's own deadlines: the counts after, less those before.
    let count = after.count - before.count;
    let within = |bound: &str| {
        let n = after.within(bound) - before.within(bound);
        100.0 * n as f64 / count.max(1) as f64
    };
    Row {
        count,
        max_ms: after.max * 1000.0,
        mean_ms: (after.sum - before.sum) * 1000.0 / count.max(1) as f64,
        within_1ms: within("le_0.001"),
        within_10ms: within("le_0.01"),
    }
}

struct Lateness {
    count: u64,
    sum: f64,
    max: f64,
    json: serde_json::Value,
}

impl Lateness {
    fn within(&self, bound: &str) -> u64 {
        self.json["within"][bound].as_u64().unwrap_or(0)
    }
}

fn lateness(vrrpd: &Path, control: &Path) -> Lateness {
    let output = Command::new(vrrpd)
        .args(["stats", "--json", "--control"])
        .arg(control)
        .output()
        .expect("vrrpd stats");
    let stats: serde_json::Value = serde_json::from_slice(&output.stdout).expect("stats JSON");
    let json = stats["lateness"].clone();
    let count = json["count"].as_u64().unwrap_or(0);
    Lateness {
        count,
        sum: json["mean_seconds"].as_f64().unwrap_or(0.0) * count as f64,
        max: json["max_seconds"].as_f64().unwrap_or(0.0),
        json,
    }
}

fn run(args: &[&str]) {
    let status = Command::new(args[0])
        .args(&args[1..])
        .status()
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    assert!(status.success(), "{args:?}: {status}");
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1))
        == Some("0")
}
