#!/usr/bin/env bash
# Issue 11's churn figure: the switch's port-to-port rate before, during and after a churn of
# ports added and removed over the control socket, in the same start.
#
#   testpmd p0 ─ vhost p0 ═╗ vswitch --mode switch --ctl ╔═ vhost p1 ─ testpmd p1     (a seeded macswap loop)
#                           ╚═ churnN (added and removed, no guest) ═╝
#
#   bench/churn-rate.sh                  # 3 starts, 8 s per phase after 10 s of warm-up, 64 B
#   STARTS=5 PHASE=10 SIZE=1518 bench/churn-rate.sh
#
# The rate is what bin/vswitch transmits on both ports (--stats-json tx_pps), averaged over each
# phase's whole seconds. The switch's poll loop has the last CPU; testpmd (one forwarding lcore, two
# virtio-user ports, as the sweep's two-port loop) the first. The switch's other threads (control,
# control socket, JIT, GC) are reniced to 19, as a host keeps housekeeping off the PMD cores: on
# two CPUs they would otherwise take turns with the loop or with testpmd, and the figure would
# measure that instead of what a plan change costs the loop. Takes the benchmark lock.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STARTS="${STARTS:-3}"; PHASE="${PHASE:-8}"; SIZE="${SIZE:-64}"
CPUS=($(python3 -c 'import os; print(*sorted(os.sched_getaffinity(0)))'))
SW_CPU="${CPUS[-1]}"; GEN_CPU="${CPUS[0]}"
exec 9>>/tmp/vswitch-bench.lock
flock 9
W="$(mktemp -d /tmp/churn-rate.XXXXXX)"
cleanup() {
    pkill -f "file-prefix churnrate" 2>/dev/null || true
    pkill -f "sleep 100000" 2>/dev/null || true
    sleep 1; rm -rf "$W" /var/run/dpdk/churnrate*
}
trap cleanup EXIT

rpc() {  # rpc METHOD JSON-PARAMS
    python3 - "$W/vs.ctl" "$1" "$2" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile("rw")
f.write(json.dumps({"jsonrpc": "2.0", "id": 1, "method": sys.argv[2], "params": json.loads(sys.argv[3])}) + "\n"); f.flush()
r = json.loads(f.readline())
if "error" in r: sys.exit("rpc: " + r["error"]["message"])
PY
}

mean_rate() {  # mean_rate FROM_T TO_T: mean total tx_pps of the stats lines with FROM_T < t <= TO_T
    python3 - "$W/stats.json" "$1" "$2" <<'PY'
import json, sys
lo, hi = float(sys.argv[2]), float(sys.argv[3])
v = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
w = [x for x in v if x["type"] == "stats" and lo < x["t"] <= hi]
print("%.3f" % (sum(x["tx_pps"] * x["interval_s"] for x in w) / sum(x["interval_s"] for x in w) / 1e6))
PY
}

now_t() { python3 -c "import json,sys; print([json.loads(l) for l in open('$W/stats.json') if l.strip()][-1]['t'])"; }

rss() { awk '/VmRSS/ {print $2}' "/proc/$(pgrep -f 'file-prefix churnrate-sw' | head -1)/status"; }

printf "%-6s %10s %10s %10s %8s %8s %18s\n" start "before" "during" "after" "ratio" "cycles" "switch RSS KiB"
for s in $(seq 1 "$STARTS"); do
    rm -f "$W"/*.sock "$W/stats.json"
    "$ROOT/bin/vswitch" --mode switch --lcores "$SW_CPU" --no-huge -m 512 --file-prefix churnrate-sw \
        --ctl "$W/vs.ctl" --stats 1 --stats-json "$W/stats.json" > "$W/switch.log" 2>&1 &
    for i in $(seq 1 100); do [ -S "$W/vs.ctl" ] && break; sleep 0.1; done
    pid=$(pgrep -f 'file-prefix churnrate-sw' | head -1)
    for t in /proc/$pid/task/*; do
        [ "$(cat "$t/comm")" = "poll-cpu$SW_CPU" ] || renice -n 19 -p "$(basename "$t")" > /dev/null
    done
    rpc port.add "{\"name\":\"p0\",\"type\":\"vhost-user\",\"path\":\"$W/p0.sock\"}"
    rpc port.add "{\"name\":\"p1\",\"type\":\"vhost-user\",\"path\":\"$W/p1.sock\"}"
    ( sleep 2; echo "start tx_first 8"; exec sleep 100000 ) 9>&- | stdbuf -oL dpdk-testpmd --lcores "0@$GEN_CPU,1@$GEN_CPU" \
        --file-prefix churnrate-tp --no-pci --no-huge -m 512 \
        --vdev "net_virtio_user0,path=$W/p0.sock,mac=02:00:00:00:00:0a,queue_size=1024" \
        --vdev "net_virtio_user1,path=$W/p1.sock,mac=02:00:00:00:00:0b,queue_size=1024" \
        -- -i --forward-mode=macswap --port-topology=loop --nb-cores=1 --rxd=1024 --txd=1024 \
        --eth-peer=0,02:00:00:00:00:0b --eth-peer=1,02:00:00:00:00:0a --txpkts=$((SIZE - 4)) --total-num-mbufs=32768 \
        > "$W/testpmd.log" 2>&1 &
    sleep $((PHASE + 12))                              # connect, seed, warm up (10 s), then the "before" phase
    t1=$(now_t)
    r1=$(rss)
    n=$(nice -n 19 python3 - "$W/vs.ctl" "$W" "$PHASE" <<'PY'
import json, socket, sys, time
ctl, d, phase = sys.argv[1], sys.argv[2], float(sys.argv[3])
def rpc(m, p):
    s = socket.socket(socket.AF_UNIX); s.connect(ctl); f = s.makefile("rw")
    f.write(json.dumps({"jsonrpc": "2.0", "id": 1, "method": m, "params": p}) + "\n"); f.flush()
    r = json.loads(f.readline()); s.close()
    if "error" in r: sys.exit("rpc: " + r["error"]["message"])
n, end = 0, time.time() + phase
while time.time() < end:
    rpc("port.add", {"name": "churn%d" % n, "type": "vhost-user", "path": "%s/churn%d.sock" % (d, n)})
    rpc("port.del", {"name": "churn%d" % n})
    n += 1
print(n)
PY
)
    t2=$(now_t)
    r2=$(rss)
    sleep "$PHASE"
    t3=$(now_t)
    before=$(mean_rate $((${t1%.*} - PHASE)) "$t1"); during=$(mean_rate "$t1" "$t2"); after=$(mean_rate "$t2" "$t3")
    printf "%-6s %10s %10s %10s %8s %8s %18s\n" "$s" "$before" "$during" "$after" \
        "$(python3 -c "print('%.3f' % (2 * $during / ($before + $after)))")" "$n" "$r1 -> $r2"
    pkill -f "file-prefix churnrate" || true
    sleep 2
done
echo "Mpps the switch transmitted (both ports), ${SIZE} B; ratio = during / mean(before, after); cycles = ports added and removed"
echo "during the churn phase; switch RSS at the start and the end of the churn phase"
