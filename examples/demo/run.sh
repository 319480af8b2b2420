#!/usr/bin/env bash
# The whole story on one machine, as root: a client, two load balancers sharing the virtual IP
# 192.0.2.100 (VRRPv3 at 100 ms), and two web hosts, each in a network namespace on one bridge. The
# load balancers are the `proxy` example (TCP) or, with `--proxy pingora`, the Pingora HTTP proxy of
# examples/pingora/; the same events are played for both.
# Each proxy has its own pool: lb1 uses port 8001 on both web hosts, lb2 port 8002, so a response
# names the proxy that served it. The client sends a request to the VIP every 10 ms while the
# script kills, restarts and stops things; the report gives, per event, the requests that failed,
# those that were slow (a SYN retransmitted after the VIP moved), when the VIP moved, and the outage.
#
# usage: sudo examples/demo/run.sh [--json] [--keep DIR] [--bin DIR] [--proxy tcp|pingora]
#                                  [--pingora-bin PATH]
#        sudo examples/demo/run.sh --routed [routed.sh's options]
#   --routed            the VIP beyond one LAN, announced by BGP: examples/demo/routed.sh
#   --json              the report as JSON lines (for BENCHMARKS.md and tests/proxy.rs)
#   --keep DIR          keep the logs (requests, events, proxies) in DIR
#   --bin DIR           use the `proxy` and `demo-http` examples in DIR instead of building them
#   --proxy tcp         the load balancers are the `proxy` example (the default)
#   --proxy pingora     the load balancers are examples/pingora (`vrrp-pingora`), built in release
#                       (its own package: `cargo build --release --manifest-path
#                       examples/pingora/Cargo.toml`, which needs cmake) unless --pingora-bin
#   --pingora-bin PATH  the `vrrp-pingora` program to run instead of building it
# Addresses: 192.0.2.0/24 only, inside namespaces the script creates and removes.
set -euo pipefail
if [ "${1:-}" = --routed ]; then
    shift
    exec bash "$(dirname "$0")/routed.sh" "$@"
fi

JSON=""
KEEP=""
BIN=""
PROXY=tcp
PINGORA_BIN=""
usage() {
    echo "usage: $0 [--json] [--keep DIR] [--bin DIR] [--proxy tcp|pingora] [--pingora-bin PATH]" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case "$1" in
        --json) JSON="--json" ;;
        --keep) KEEP="$2"; shift ;;
        --bin) BIN="$2"; shift ;;
        --proxy) PROXY="$2"; shift ;;
        --pingora-bin) PINGORA_BIN="$2"; shift ;;
        *) usage ;;
    esac
    shift
done
case "$PROXY" in tcp|pingora) ;; *) usage ;; esac
[ "$(id -u)" = 0 ] || { echo "run.sh needs root (network namespaces)" >&2; exit 1; }

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "$BIN" ]; then
    cargo build --quiet --release --manifest-path "$ROOT/Cargo.toml" --features tokio \
        --example proxy --example demo-http
    BIN="$ROOT/target/release/examples"
fi
if [ "$PROXY" = pingora ]; then
    if [ -z "$PINGORA_BIN" ]; then
        cargo build --quiet --release --manifest-path "$ROOT/examples/pingora/Cargo.toml"
        PINGORA_BIN="$ROOT/examples/pingora/target/release/vrrp-pingora"
    fi
    PROXY_BIN="$PINGORA_BIN"
else
    PROXY_BIN="$BIN/proxy"
fi
[ -x "$PROXY_BIN" ] || { echo "no program at $PROXY_BIN" >&2; exit 1; }
WORK=${KEEP:-$(mktemp -d)}
mkdir -p "$WORK"
: > "$WORK/events"
NS="vrrpdemo$$"
NAMESPACES=(hub client lb1 lb2 web1 web2)
declare -A PID=()
VIP=192.0.2.100

cleanup() {
    # Children first (started as `ip netns exec ... &`, which execs them, so $! is theirs), then
    # the namespaces.
    for pid in "${PID[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    for n in "${NAMESPACES[@]}"; do ip netns del "$NS-$n" 2>/dev/null || true; done
    [ -n "$KEEP" ] || rm -rf "$WORK"
}
trap cleanup EXIT

for n in "${NAMESPACES[@]}"; do
    ip netns add "$NS-$n"
    ip -n "$NS-$n" link set lo up
done
ip -n "$NS-hub" link add br0 type bridge mcast_snooping 0
ip -n "$NS-hub" link set br0 up
attach() { # namespace, address
    ip -n "$NS-hub" link add "p-$1" type veth peer name eth0 netns "$NS-$1"
    ip -n "$NS-hub" link set "p-$1" master br0 up
    ip -n "$NS-$1" addr add "$2/24" dev eth0
    ip -n "$NS-$1" link set eth0 up
}
attach client 192.0.2.50
attach lb1 192.0.2.11
attach lb2 192.0.2.12
attach web1 192.0.2.21
attach web2 192.0.2.22
sleep 1 # carrier and DAD

web() { # host, port
    ip netns exec "$NS-$1" "$BIN/demo-http" serve --listen "0.0.0.0:$2" --name "$1:$2" &
    PID[$1:$2]=$!
    disown
}
proxy() { # name, priority, pool port
    ip netns exec "$NS-$1" "$PROXY_BIN" --interface eth0 --vrid 51 --priority "$2" --vip "$VIP/24" \
        --listen 0.0.0.0:80 --upstream "192.0.2.21:$3" --upstream "192.0.2.22:$3" \
        --advert-interval 100ms --health-interval 100ms --health-timeout 100ms --fall 2 --rise 2 \
        --weight 60 --drain 2s --events >> "$WORK/$1.log" 2>> "$WORK/$1.err" &
    PID[$1]=$!
    disown
}
wait_master() { # name
    for _ in $(seq 100); do
        [ "$(grep -c '"to":"master"' "$WORK/$1.log" 2>/dev/null)" -gt "${2:-0}" ] && return 0
        sleep 0.05
    done
    echo "$1 did not become master" >&2; exit 1
}
event() { echo "$(date +%s%3N) $1" >> "$WORK/events"; echo "demo: $1" >&2; }

for host in web1 web2; do web $host 8001; web $host 8002; done
proxy lb1 150 8001
wait_master lb1
proxy lb2 100 8002
sleep 1
ip netns exec "$NS-client" "$BIN/demo-http" load --target "$VIP:80" --every 10ms --timeout 2s > "$WORK/requests" &
PID[client]=$!
disown
sleep 2

event "lb1 SIGKILL"
kill -9 "${PID[lb1]}"
sleep 3
event "lb1 restarted (preempts)"
proxy lb1 150 8001
sleep 3
event "web2:8001 stopped (one of lb1's)"
kill "${PID[web2:8001]}"
sleep 3
event "web1:8001 stopped (lb1's last)"
kill "${PID[web1:8001]}"
sleep 3
event "lb1's servers back (lb1 preempts)"
web web1 8001
web web2 8001
sleep 3
event "lb1 SIGTERM (graceful)"
kill -TERM "${PID[lb1]}"
sleep 3
kill "${PID[client]}"
sleep 0.1

"$BIN/demo-http" report --requests "$WORK/requests" --events "$WORK/events" $JSON
