#!/usr/bin/env bash
# Issue 6's benchmark: the L2 switch's port-to-port rate next to the reflector's, same
# machine, same run, same guest.
#
#   switch:     testpmd port 0 ─ vhost0 ═╗ vswitch --mode switch ╔═ vhost1 ─ testpmd port 1
#   reflector:  testpmd port 0 ─ vhost0 ═╡ vswitch --mode io     ╞═ vhost1 ─ testpmd port 1
#                                        (each port back to itself)
#
# The guest is one dpdk-testpmd with two virtio-user ports (MACs 02:..:0a and 02:..:0b),
# one forwarding lcore on CPU 0, --forward-mode=macswap --port-topology=loop, seeded with
# `start tx_first N` (N bursts per port, each first frame src = own MAC, dst = the other
# port's MAC). With the switch, every frame goes A -> switch -> B -> macswap -> switch -> A
# ...: each one is a known-unicast forward between the two ports (after the first, which
# floods and teaches the switch both MACs). With the reflector in io mode each port's
# frames come back to it. The guest does the same work per packet in both cases (one
# rx, one swap, one tx), so the difference is the switch's lookup/learn/staging.
# vswitch runs on one lcore (CPU 1). The closed loop keeps a fixed population of frames
# in flight (below the rings' size, so nothing is dropped for lack of room).
#
# Each start measures the vswitch's tx rate (its --stats-json, tx_pps summed over ports)
# averaged over a window after warm-up. Starts alternate switch, reflector, switch, ...
# (--starts of each, default 5); prints best-of-N and median-of-N Mpps per size and the
# ratio switch/reflector. Every start runs under `flock /tmp/vswitch-bench.lock` (other
# engineers measure on this machine too); the lock is taken per start, not for the whole
# script, so nobody waits minutes.
#
#   bench/switch-bench.sh                         # 64 B and 1518 B, 5 starts each, ~5 minutes
#   bench/switch-bench.sh --sizes 64 --starts 3 --window 5
#   bench/switch-bench.sh --help
#
# Sizes are Ethernet frame sizes with FCS, as in RFC 2544 (64 B = 60 B of data in the mbuf).
# Needs: root, hugepages (bin/setup), built jars (mvn -B -q package -DskipTests).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCK=/tmp/vswitch-bench.lock
SIZES="64 1518"
STARTS=5
WARM=4
WINDOW=6
INFLIGHT=8
OUT=""
SW_CPU=1
GUEST_CPU=0

usage() { sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; cat <<EOF
Options:
  --sizes "64 1518"   frame sizes (with FCS)
  --starts N          starts of each side per size (default $STARTS)
  --warm S            seconds after seeding before the window (default $WARM)
  --window S          seconds measured per start (default $WINDOW)
  --inflight N        bursts of 32 seeded per port (default $INFLIGHT)
  --out DIR           results and logs (default bench-results/switch-<time>)
EOF
}

if [ "${1:-}" = "run-one" ]; then
    # run-one MODE SIZE DIR: one start, under the lock (the caller wraps it in flock)
    MODE=$2; SIZE=$3; DIR=$4; WARM=$5; WINDOW=$6; INFLIGHT=$7
    mkdir -p "$DIR"
    TAG="vsb$$"
    VS_PID=""; TP_PID=""
    cleanup() {
        [ -n "$TP_PID" ] && kill "$TP_PID" 2>/dev/null || true
        [ -n "$VS_PID" ] && kill "$VS_PID" 2>/dev/null || true
        [ -n "$TP_PID" ] && wait "$TP_PID" 2>/dev/null || true
        [ -n "$VS_PID" ] && wait "$VS_PID" 2>/dev/null || true
        exec 8>&- 2>/dev/null || true
        rm -f "$DIR/cmd.fifo"
        rm -rf "/var/run/dpdk/$TAG-sw" "/var/run/dpdk/$TAG-g"
    }
    trap cleanup EXIT
    "$ROOT/bin/vswitch" --mode "$MODE" --vdev "net_vhost0,iface=$DIR/s0" --vdev "net_vhost1,iface=$DIR/s1" \
        --lcores "$SW_CPU" --stats 1 --stats-json "$DIR/stats.json" --file-prefix "$TAG-sw" > "$DIR/vswitch.log" 2>&1 &
    VS_PID=$!
    for _ in $(seq 1 300); do grep -q "running; stop with" "$DIR/vswitch.log" && break; kill -0 $VS_PID || break; sleep 0.1; done
    grep -q "running; stop with" "$DIR/vswitch.log" || { echo "vswitch did not start:" >&2; tail -20 "$DIR/vswitch.log" >&2; exit 1; }
    mkfifo "$DIR/cmd.fifo"
    LEN=$((SIZE - 4))
    dpdk-testpmd --lcores "0@$GUEST_CPU,1@$GUEST_CPU" --file-prefix "$TAG-g" --no-pci --single-file-segments \
        --vdev "net_virtio_user0,path=$DIR/s0,mac=02:00:00:00:00:0a,queue_size=1024" \
        --vdev "net_virtio_user1,path=$DIR/s1,mac=02:00:00:00:00:0b,queue_size=1024" \
        -- -i --forward-mode=macswap --port-topology=loop --nb-cores=1 --rxd=1024 --txd=1024 \
        --eth-peer=0,02:00:00:00:00:0b --eth-peer=1,02:00:00:00:00:0a --txpkts="$LEN" \
        --total-num-mbufs=32768 < "$DIR/cmd.fifo" > "$DIR/testpmd.log" 2>&1 &
    TP_PID=$!
    exec 8>"$DIR/cmd.fifo"
    for _ in $(seq 1 300); do grep -q "testpmd>" "$DIR/testpmd.log" && break; kill -0 $TP_PID || break; sleep 0.1; done
    grep -q "testpmd>" "$DIR/testpmd.log" || { echo "testpmd did not start:" >&2; tail -20 "$DIR/testpmd.log" >&2; exit 1; }
    echo "start tx_first $INFLIGHT" >&8
    sleep "$WARM"
    # CPU time of the two busy threads (vswitch's poll loop, testpmd's forwarding lcore) over the
    # window: below ~90 % of the wall time, something else ran on their CPU and the start is contended
    ticks() {   # utime + stime of the thread named $2 in process $1, in clock ticks
        local t
        for t in /proc/"$1"/task/*; do
            if [ "$(cat "$t/comm" 2>/dev/null)" = "$2" ]; then
                awk '{print $14 + $15}' "$t/stat"; return
            fi
        done
        echo 0
    }
    POLL=poll-cpu$SW_CPU
    FWD=$(cat /proc/"$TP_PID"/task/*/comm 2>/dev/null | grep -E '^lcore-worker|^rte-worker' | head -n1 || true)
    from=$(wc -l < "$DIR/stats.json")
    t0=$(date +%s.%N); a0=$(ticks "$VS_PID" "$POLL"); b0=$(ticks "$TP_PID" "$FWD")
    sleep "$WINDOW"
    t1=$(date +%s.%N); a1=$(ticks "$VS_PID" "$POLL"); b1=$(ticks "$TP_PID" "$FWD")
    to=$(wc -l < "$DIR/stats.json")
    HZ=$(getconf CLK_TCK)
    SHARES=$(python3 -c "w=($t1-$t0)*$HZ; print(f'{($a1-$a0)/w:.2f} {($b1-$b0)/w:.2f}')")
    echo "stop" >&8
    sleep 0.5
    echo "quit" >&8
    sleep 0.5
    # mean tx_pps over the samples taken inside the window (the first may have begun before it)
    python3 - "$DIR/stats.json" "$from" "$to" "$SHARES" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
a, b = int(sys.argv[2]) + 1, int(sys.argv[3])
s = [json.loads(l) for l in lines[a:b]]
s = [x for x in s if x.get("type") == "stats"]
if not s:
    print("nan nan nan nan nan"); sys.exit()
tx = sum(x["tx_pps"] * x["interval_s"] for x in s) / sum(x["interval_s"] for x in s)
peak = max(x["tx_pps"] for x in s)
drops = s[-1]["drops"] - (s[0]["drops"] if len(s) > 1 else 0)
print(f"{tx / 1e6:.4f} {peak / 1e6:.4f} {drops} {sys.argv[4]}")
EOF
    exit 0
fi

while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) SIZES="$2"; shift 2 ;;
        --starts) STARTS="$2"; shift 2 ;;
        --warm) WARM="$2"; shift 2 ;;
        --window) WINDOW="$2"; shift 2 ;;
        --inflight) INFLIGHT="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "switch-bench: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "switch-bench: run as root (vhost sockets, hugepages)" >&2; exit 2; }
command -v dpdk-testpmd >/dev/null || { echo "switch-bench: dpdk-testpmd missing: run bin/setup" >&2; exit 2; }
ls "$ROOT"/vswitch/target/vswitch-*.jar >/dev/null 2>&1 || { echo "switch-bench: not built: mvn -B -q package -DskipTests" >&2; exit 2; }
OUT="${OUT:-$ROOT/bench-results/switch-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
echo "mode,size,start,mpps,peak,drops,vswitch_cpu,guest_cpu" > "$OUT/runs.csv"
echo "switch-bench: results in $OUT; each start waits for $LOCK" >&2
for size in $SIZES; do
    for i in $(seq 1 "$STARTS"); do
        for mode in switch io; do
            dir="$OUT/$mode-$size-$i"
            r=$(flock "$LOCK" "$0" run-one "$mode" "$size" "$dir" "$WARM" "$WINDOW" "$INFLIGHT") || r="nan nan nan nan nan"
            read -r mean peak drops vcpu gcpu <<< "$r"
            echo "$mode,$size,$i,$mean,$peak,$drops,$vcpu,$gcpu" >> "$OUT/runs.csv"
            printf '  %-6s %5s B  start %d: %s Mpps mean, %s Mpps best 1-s interval (drops %s; CPU share of the'\
' vswitch poll thread %s, of the guest lcore %s)\n' "$mode" "$size" "$i" "$mean" "$peak" "$drops" "$vcpu" "$gcpu" >&2
        done
    done
done
python3 - "$OUT/runs.csv" <<'EOF' | tee "$OUT/results.txt"
import csv, statistics, sys
allrows = [r for r in csv.DictReader(open(sys.argv[1])) if r["mpps"] != "nan"]
# a start is clean when both busy threads had their CPU to themselves (>= 90 % of the window)
clean = [r for r in allrows if float(r["vswitch_cpu"]) >= 0.9 and float(r["guest_cpu"]) >= 0.9]
sizes = sorted({int(r["size"]) for r in allrows})
for col, what, rows in (("mpps", "mean over each start's window, all starts", allrows),
                        ("mpps", "mean over each start's window, clean starts only", clean),
                        ("peak", "best 1-s interval of each start's window, all starts", allrows)):
    print(f"Mpps, {what}:")
    print(f"{'size':>6} | {'switch best':>11} {'median':>8} | {'reflector best':>14} {'median':>8} |"
          f" {'ratio best':>10} {'median':>8} | n")
    for s in sizes:
        sw = [float(r[col]) for r in rows if int(r["size"]) == s and r["mode"] == "switch"]
        io = [float(r[col]) for r in rows if int(r["size"]) == s and r["mode"] == "io"]
        if not sw or not io:
            continue
        print(f"{s:>4} B | {max(sw):>11.3f} {statistics.median(sw):>8.3f} | {max(io):>14.3f}"
              f" {statistics.median(io):>8.3f} | {max(sw) / max(io):>10.2f}"
              f" {statistics.median(sw) / statistics.median(io):>8.2f} | {len(sw)}/{len(io)}")
print("Mpps = frames/s the vswitch transmitted (both ports); switch = L2 switch port-to-port (known unicast),"
      " reflector = --mode io; same guest (testpmd macswap, 2 virtio-user ports, 1 lcore, CPU 0), vswitch on CPU 1.")
EOF
