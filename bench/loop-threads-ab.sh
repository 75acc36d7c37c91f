#!/usr/bin/env bash
# Java poll threads (pinned + rte_thread_register, the default) vs EAL worker lcores running
# the loop inside an FFM upcall (--loop-threads eal): the choice issue 3 asks to measure.
# testpmd flowgen (virtio-user, CPU 0) against bin/vswitch --mode macswap (CPU 1), 64 B,
# alternating starts; each start's rate is the mean of vswitch's per-second rx_pps after a
# warm-up. Prints best-of-N and median-of-N per kind and the ratio eal/java.
#   bench/loop-threads-ab.sh [STARTS=5] [WARMUP=3] [WINDOW=6]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STARTS="${1:-5}"; WARMUP="${2:-3}"; WINDOW="${3:-6}"
WORK="$(mktemp -d /tmp/vs-loopab.XXXXXX)"
VS=""; GEN=""
cleanup() { [ -n "$GEN" ] && kill "$GEN" 2>/dev/null; [ -n "$VS" ] && kill "$VS" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM
run() { # kind start -> prints Mpps
    local kind=$1 n=$2 sock="$WORK/s$n-$1.sock" json="$WORK/$1-$n.json"
    "$ROOT/bin/vswitch" --vdev "net_vhost0,iface=$sock" --lcores 1 --mode macswap --loop-threads "$kind" \
        --stats 1 --stats-json "$json" --file-prefix "vsloop$$r$n$kind" > "$WORK/$kind-$n.log" 2>&1 & VS=$!
    for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
    dpdk-testpmd --lcores 0@0,1@0 --no-huge -m 512 --file-prefix "vsloop$$g$n$kind" --no-pci \
        --vdev "net_virtio_user0,path=$sock,queues=1" -- --forward-mode=flowgen --rxq=1 --txq=1 --nb-cores=1 \
        --auto-start --stats-period=1 --total-num-mbufs=16384 < /dev/null > "$WORK/gen-$kind-$n.log" 2>&1 & GEN=$!
    sleep $((WARMUP + WINDOW + 1))
    kill -TERM "$GEN"; wait "$GEN" || true; GEN=""
    kill -TERM "$VS"; wait "$VS"; VS=""
    rm -rf "/var/run/dpdk/vsloop$$r$n$kind" "/var/run/dpdk/vsloop$$g$n$kind"
    /usr/bin/python3 - "$json" "$WARMUP" "$WINDOW" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
busy = [r["rx_pps"] for r in rows if r["type"] == "stats" and r["rx_pps"] > 0]
w = busy[int(sys.argv[2]):int(sys.argv[2]) + int(sys.argv[3])] or busy
print("%.3f" % (sum(w) / len(w) / 1e6))
PY
}
declare -A R
for n in $(seq "$STARTS"); do
    for kind in java eal; do
        m=$(flock /tmp/vswitch-bench.lock bash -c "$(declare -f run); ROOT=$ROOT WORK=$WORK WARMUP=$WARMUP WINDOW=$WINDOW; run $kind $n")
        echo "start $n  $kind  $m Mpps"
        R[$kind]+="$m "
    done
done
/usr/bin/python3 - "${R[java]}" "${R[eal]}" <<'PY'
import statistics, sys
j = [float(x) for x in sys.argv[1].split()]; e = [float(x) for x in sys.argv[2].split()]
print("loop threads | best Mpps | median Mpps   (macswap, 64 B, testpmd flowgen guest, %d starts each)" % len(j))
print("java         | %9.3f | %11.3f" % (max(j), statistics.median(j)))
print("eal          | %9.3f | %11.3f" % (max(e), statistics.median(e)))
print("eal/java     | %9.3f | %11.3f" % (max(e) / max(j), statistics.median(e) / statistics.median(j)))
PY
