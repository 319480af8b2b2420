#!/usr/bin/env bash
# The virtual IP beyond one LAN, on one machine, as root: two load balancers in two subnets
# (lb1 in 192.0.2.0/24, lb2 in 198.51.100.0/24), an upstream router that peers with both by BGP
# (BIRD 2 in every namespace), and a client behind the router (203.0.113.0/25). The VIP,
# 203.0.113.200/32, is on no one's subnet: the Master holds it on a routed interface (a TUN device
# the proxy creates and that disappears with it), its BIRD announces it, the router routes to it.
# VRRPv3 runs unicast between the two across the router (TTL 254 on arrival), every advert signed
# with HMAC. The load balancers are the `proxy` example, each with one local web server
# (lb1:8001, lb2:8002), so a response names the proxy that served it.
#
# The client sends a request to the VIP every 10 ms while the script kills, restarts, starves and
# stops things; the report gives, per event, the requests that failed, those that were slow, when
# the VIP moved, the outage, and from the router's BIRD log: when the router's best route moved to
# the other load balancer, when the old holder's announcement was withdrawn, and for how long both
# were announced.
#
# With --vrrpd the load balancers are instead `vrrpd` running dist/keepalived-routed.conf.example
# (lb2's copy with priority 100 and the addresses swapped), beside a web server on port 80; the
# events are then those that do not need a health check of the service.
#
# usage: sudo examples/demo/routed.sh [--json] [--keep DIR] [--bin DIR] [--vrrpd PATH]
#   --json        the report as JSON lines (for BENCHMARKS.md and tests/routed.rs)
#   --keep DIR    keep the logs (requests, events, proxies, BIRD) in DIR
#   --bin DIR     use the `proxy` and `demo-http` examples in DIR instead of building them
#   --vrrpd PATH  the load balancers are this vrrpd program with the example keepalived.conf
# Needs `bird` and `birdc` (Debian's bird2). Addresses: 192.0.2.0/24, 198.51.100.0/24 and
# 203.0.113.0/24 only, inside namespaces the script creates and removes.
set -euo pipefail

JSON=""
KEEP=""
BIN=""
VRRPD=""
usage() {
    echo "usage: $0 [--json] [--keep DIR] [--bin DIR] [--vrrpd PATH]" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case "$1" in
        --json) JSON="--json" ;;
        --keep) KEEP="$2"; shift ;;
        --bin) BIN="$2"; shift ;;
        --vrrpd) VRRPD="$2"; shift ;;
        *) usage ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || { echo "routed.sh needs root (network namespaces)" >&2; exit 1; }
command -v bird > /dev/null && command -v birdc > /dev/null ||
    { echo "routed.sh needs BIRD 2 (bird, birdc: Debian's bird2)" >&2; exit 1; }

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "$BIN" ]; then
    cargo build --quiet --release --manifest-path "$ROOT/Cargo.toml" --features tokio \
        --example proxy --example demo-http
    BIN="$ROOT/target/release/examples"
fi
WORK=${KEEP:-$(mktemp -d)}
mkdir -p "$WORK"
# A kept directory may hold an earlier run's logs: BIRD appends.
for log in events router.log lb1.log lb2.log; do : > "$WORK/$log"; done
NS="vrrprouted$$"
NAMESPACES=(router client lb1 lb2)
declare -A PID=()
VIP=203.0.113.200
ROUTED=vrrp-routed

cleanup() {
    for pid in "${PID[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    for n in router lb1 lb2; do
        [ -f "$WORK/$n.pid" ] && kill -9 "$(cat "$WORK/$n.pid")" 2>/dev/null || true
    done
    for n in "${NAMESPACES[@]}"; do ip netns del "$NS-$n" 2>/dev/null || true; done
    [ -n "$KEEP" ] || rm -rf "$WORK"
}
trap cleanup EXIT

for n in "${NAMESPACES[@]}"; do
    ip netns add "$NS-$n"
    ip -n "$NS-$n" link set lo up
done
link() { # namespace, router address/len, its address/len
    ip -n "$NS-router" link add "to-$1" type veth peer name eth0 netns "$NS-$1"
    ip -n "$NS-router" addr add "$2" dev "to-$1"
    ip -n "$NS-router" link set "to-$1" up
    ip -n "$NS-$1" addr add "$3" dev eth0
    ip -n "$NS-$1" link set eth0 up
    ip -n "$NS-$1" route add default via "${2%/*}"
}
link lb1 192.0.2.1/24 192.0.2.11/24
link lb2 198.51.100.1/24 198.51.100.12/24
link client 203.0.113.1/25 203.0.113.50/25
ip netns exec "$NS-router" sysctl -qw net.ipv4.ip_forward=1

# BIRD. Short BGP timers so that a restarted session comes back within seconds.
TIMERS="hold time 3; keepalive time 1; connect delay time 1; connect retry time 1; error wait time 1, 5;"
cat > "$WORK/router.conf" <<EOF
log "$WORK/router.log" all;
timeformat log "%s.%f";
router id 192.0.2.1;
protocol device {}
protocol kernel { ipv4 { export all; import none; }; }
# While no load balancer announces the VIP, drop its packets rather than answer "unreachable":
# a client's SYN is retransmitted instead of failing during a switch.
protocol static discard { ipv4 { preference 10; }; route $VIP/32 blackhole; }
template bgp lb { local as 65000; $TIMERS debug { states, routes };
    ipv4 { import where net = $VIP/32; export none; }; }
protocol bgp lb1 from lb { neighbor 192.0.2.11 as 65001; }
protocol bgp lb2 from lb { neighbor 198.51.100.12 as 65001; }
EOF
speaker() { # load balancer, its address
    cat > "$WORK/$1.conf" <<EOF
log "$WORK/$1.log" all;
router id $2;
protocol device {}
# The routed interface's addresses: what this host holds as Master.
protocol direct { ipv4; interface "$ROUTED"; }
protocol bgp upstream { local as 65001; neighbor ${3} as 65000; $TIMERS
    ipv4 { import none; export where source = RTS_DEVICE && net = $VIP/32; }; }
EOF
}
speaker lb1 192.0.2.11 192.0.2.1
speaker lb2 198.51.100.12 198.51.100.1
for n in router lb1 lb2; do
    ip netns exec "$NS-$n" bird -c "$WORK/$n.conf" -s "$WORK/$n.ctl" -P "$WORK/$n.pid"
done

# The adverts' HMAC key, the same on both (for vrrpd, as keepalived.conf's `hex:` form).
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$WORK/key"
(printf 'hex:'; cat "$WORK/key") > "$WORK/vrrpd.key"
chmod 600 "$WORK/key" "$WORK/vrrpd.key"
sed -e "s|/etc/keepalived/vrrp51.key|$WORK/vrrpd.key|" \
    "$ROOT/dist/keepalived-routed.conf.example" > "$WORK/lb1.keepalived.conf"
sed -e "s|priority 150|priority 100|" -e "s|LB_01|LB_02|" \
    -e "s|192.0.2.11|LB1|; s|198.51.100.12|192.0.2.11|; s|LB1|198.51.100.12|" \
    "$WORK/lb1.keepalived.conf" > "$WORK/lb2.keepalived.conf"

web() { # load balancer, port
    ip netns exec "$NS-$1" "$BIN/demo-http" serve --listen "127.0.0.1:$2" --name "$1:$2" &
    PID[web-$1]=$!
    disown
}
proxy() { # name, priority, pool port, peer
    if [ -n "$VRRPD" ]; then
        ip netns exec "$NS-$1" "$VRRPD" --config "$WORK/$1.keepalived.conf" --vip-lifetime 3 \
            --routed-interface "$ROUTED" --control "$WORK/$1.sock" --events \
            >> "$WORK/$1.events" 2>> "$WORK/$1.err" &
        PID[$1]=$!
        disown
        return
    fi
    ip netns exec "$NS-$1" "$BIN/proxy" --interface eth0 --vrid 51 --priority "$2" \
        --vip "$VIP/32" --listen 0.0.0.0:80 --upstream "127.0.0.1:$3" \
        --advert-interval 100ms --health-interval 100ms --health-timeout 100ms --fall 2 --rise 2 \
        --weight 60 --drain 2s --events --routed-interface "$ROUTED" --vip-lifetime 3s \
        --unicast-peer "$4" --min-hop-limit 254 --auth-key-file "$WORK/key" \
        >> "$WORK/$1.events" 2>> "$WORK/$1.err" &
    PID[$1]=$!
    disown
}
wait_route() { # the load balancer the router must route the VIP to
    for _ in $(seq 200); do
        ip -n "$NS-router" route show "$VIP" | grep -q "via ${1}" && return 0
        sleep 0.05
    done
    echo "the router has no route to $VIP via $1" >&2; exit 1
}
event() { echo "$(date +%s%3N) $1" >> "$WORK/events"; echo "demo: $1" >&2; }

if [ -n "$VRRPD" ]; then
    # The service on the VIP's port, beside vrrpd: no health check, so no step-down events.
    ip netns exec "$NS-lb1" "$BIN/demo-http" serve --listen "0.0.0.0:80" --name lb1:8001 &
    PID[web-lb1]=$!
    ip netns exec "$NS-lb2" "$BIN/demo-http" serve --listen "0.0.0.0:80" --name lb2:8002 &
    PID[web-lb2]=$!
    disown -a
else
    web lb1 8001
    web lb2 8002
fi
proxy lb1 150 8001 198.51.100.12
wait_route 192.0.2.11
proxy lb2 100 8002 192.0.2.11
sleep 1
ip netns exec "$NS-client" "$BIN/demo-http" load --target "$VIP:80" --every 10ms --timeout 2s > "$WORK/requests" &
PID[client]=$!
disown
sleep 2

event "election (lb1 Master)"
sleep 2
event "lb1 SIGKILL"
kill -9 "${PID[lb1]}"
sleep 3
event "lb1 restarted (preempts)"
proxy lb1 150 8001 198.51.100.12
sleep 3
if [ -z "$VRRPD" ]; then
    event "lb1's service stopped (step-down)"
    kill "${PID[web-lb1]}"
    sleep 3
    event "lb1's service back (lb1 preempts)"
    web lb1 8001
    sleep 3
fi
event "router restarts its BGP sessions"
birdc -s "$WORK/router.ctl" restart '"lb*"' > /dev/null
sleep 5
event "lb1 SIGSTOP (hangs)"
kill -STOP "${PID[lb1]}"
sleep 6
event "lb1 SIGCONT (preempts)"
kill -CONT "${PID[lb1]}"
sleep 3
event "lb1 SIGTERM (hand-over)"
kill -TERM "${PID[lb1]}"
sleep 3
kill "${PID[client]}"
sleep 0.1

# The router's view: each load balancer's announcement of the VIP, added or removed, from BIRD's
# route trace (`TIME <TRACE> lb1.ipv4 > added [best] ...`), as `MS PEER added|removed [best]`.
awk '$2 == "<TRACE>" && $4 == ">" && ($5 == "added" || $5 == "removed") {
        split($3, peer, ".")
        printf "%.0f %s %s%s\n", $1 * 1000, peer[1], $5, ($6 == "[best]" ? " best" : "")
    }' "$WORK/router.log" > "$WORK/routes"
"$BIN/demo-http" report --requests "$WORK/requests" --events "$WORK/events" \
    --routes "$WORK/routes" $JSON
