#!/usr/bin/env bash
# Issue 12's restart-to-traffic: how long the switch takes, from the new process's spawn to the
# first frame forwarded both ways, when it is killed with SIGKILL and started again with the
# same command while its guests keep running.
#
#   testpmd A (flowgen, virtio-user server=1) ─ a.sock ─╮                      ╭─ b.sock ─ testpmd B (macswap, server=1)
#                                                       ╰─ bin/vswitch --mode switch --db (vhost-user-client ports) ─╯
#
#   bench/restart-time.sh                         # 10 restarts, --no-huge -m 512, the launcher as it is
#   bench/restart-time.sh -n 20 --huge            # hugepages (what a production start uses) instead of --no-huge
#   bench/restart-time.sh -n 10 --variant cold:VSWITCH_AOT=0 --variant aot:VSWITCH_AOT=1
#                                                 # A/B: restarts alternate between the variants (env settings)
#
# The guests own their sockets, so they live through every restart; the switch's ports are
# added once with vswitchctl and come back from --db. Each restart: SIGKILL the switch, wait for
# it to be gone, note the time, spawn it with the variant's environment, and wait for its log
# lines "NAME: first frame forwarded to it" for both ports (the switch's first-traffic watcher
# reads the tx counters every 2 ms, off the poll loop). Restart-to-traffic is the later of the
# two lines minus the spawn time. The breakdown comes from the log lines' timestamps:
#   launch      spawn -> the "EAL ..." line: bash launcher, JVM start, command line, --db read
#   eal+pool    -> "mbuf pool": rte_eal_init (DPDK loads every PMD plugin of the Debian build) and the pool
#   loops       -> "--db ...": MAC table, poll threads started
#   port1       -> the first port's "added" line: hot-plug, configure, queues, start (the first FFM calls of each kind)
#   ports2+     -> the last port's "added" line
#   traffic     -> the later "first frame forwarded" line (the guest reconnects, virtio negotiates, frames flow)
#   ctl         spawn -> "control socket" line (not on the traffic path: the socket starts after the ports)
#   cpu         CPU time (user + system) the switch's threads but the poll loop had used by TOTAL: the work
#               of a start, steadier than the wall times when other processes want the CPUs too
# A variant may set VSWITCH_BIN=PATH to start another launcher with the same arguments.
# Prints every restart, then per variant the median and worst of each column.
# Takes the benchmark lock (/tmp/vswitch-bench.lock). Timings on a shared machine are noisy:
# compare variants only within one run (they alternate), never across runs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N=10; HUGE=0; VARIANTS=(); TIMEOUT=30
usage() { sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        -n) N="$2"; shift 2 ;;
        --huge) HUGE=1; shift ;;
        --variant) VARIANTS+=("$2"); shift 2 ;;
        --timeout) TIMEOUT="$2"; shift 2 ;;
        -h|--help) usage ;;
        *) echo "restart-time.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ ${#VARIANTS[@]} -gt 0 ] || VARIANTS=("default:")
command -v dpdk-testpmd >/dev/null || { echo "restart-time.sh: dpdk-testpmd not found (bin/setup installs it)" >&2; exit 2; }
PY=/usr/bin/python3
[ -x "$ROOT/bin/vswitch" ] && ls "$ROOT"/vswitch/target/vswitch-*.jar >/dev/null 2>&1 \
    || { echo "restart-time.sh: not built: run bin/setup (or mvn -B -q package -DskipTests)" >&2; exit 2; }

exec 9>>/tmp/vswitch-bench.lock
flock -w 900 9 || { echo "restart-time.sh: the benchmark lock is held by another run" >&2; exit 1; }
W="$(mktemp -d /tmp/restart-time.XXXXXX)"
TAG="rt$$"
PIDS=()
SW=""
cleanup() {
    [ -n "$SW" ] && { kill -9 "$SW"; wait "$SW"; } 2>/dev/null || true
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    sleep 0.5
    rm -rf /var/run/dpdk/"$TAG"-* "$W"
}
trap cleanup EXIT

if [ "$HUGE" = 1 ]; then MEM=(); else MEM=(--no-huge -m 512); fi
SWITCH=("$ROOT/bin/vswitch" --mode switch --lcores 1 "${MEM[@]}" --file-prefix "$TAG-sw" --ctl "$W/ctl" --db "$W/db.json")

for g in a b; do
    mode=flowgen; [ "$g" = b ] && mode=macswap
    dpdk-testpmd --lcores 0@0,1@0 --no-huge -m 256 --no-pci --file-prefix "$TAG-$g" \
        --vdev "net_virtio_user0,path=$W/$g.sock,queues=1,queue_size=1024,server=1" \
        -- --forward-mode=$mode --stats-period=1 --total-num-mbufs=16384 < /dev/null > "$W/guest-$g.log" 2>&1 &
    PIDS+=($!)
done
for i in $(seq 100); do [ -S "$W/a.sock" ] && [ -S "$W/b.sock" ] && break; sleep 0.1; done
[ -S "$W/a.sock" ] && [ -S "$W/b.sock" ] || { echo "restart-time.sh: the testpmd guests did not start:" >&2; tail -5 "$W"/guest-*.log >&2; exit 1; }

# wait_traffic LOG: until both ports logged their first frame (0), or the timeout / the switch died (1)
wait_traffic() {
    local deadline=$((SECONDS + TIMEOUT))
    while [ $SECONDS -lt $deadline ]; do
        [ "$(grep -c 'first frame forwarded to it' "$1" 2>/dev/null)" -ge 2 ] && return 0
        kill -0 "$SW" 2>/dev/null || return 1
        sleep 0.02
    done
    return 1
}

# cpu_ms PID: CPU time (user + system, ms) of the process's threads but its poll loops (they spin from the start)
cpu_ms() {
    local t=0 f
    for f in /proc/"$1"/task/*/stat; do
        case "$(cat "${f%stat}comm" 2>/dev/null)" in poll-cpu*) continue ;; esac
        t=$((t + $(sed 's/.*) //' "$f" 2>/dev/null | awk '{print $12 + $13}' || echo 0)))
    done
    echo $((t * 1000 / $(getconf CLK_TCK)))
}

# first start: no --db yet; the ports are added once with vswitchctl
"${SWITCH[@]}" > "$W/first.log" 2>&1 &
SW=$!
for i in $(seq 300); do [ -S "$W/ctl" ] && break; sleep 0.1; done
for g in a b; do
    "$ROOT/bin/vswitchctl" --ctl "$W/ctl" add-port "$g" --type vhost-user-client --path "$W/$g.sock" > /dev/null
done
wait_traffic "$W/first.log" || { echo "restart-time.sh: no traffic through the first start:" >&2; tail -20 "$W/first.log" >&2; exit 1; }

: > "$W/runs.txt"
for i in $(seq 1 "$N"); do
    for v in "${VARIANTS[@]}"; do
        name="${v%%:*}"; envs="${v#*:}"
        { kill -9 "$SW"; wait "$SW"; } 2>/dev/null || true
        log="$W/$name-$i.log"
        bin="$ROOT/bin/vswitch"
        for kv in ${envs//,/ }; do case "$kv" in VSWITCH_BIN=*) bin="${kv#VSWITCH_BIN=}" ;; esac; done
        spawn=$(date +%s.%N)
        # shellcheck disable=SC2086
        env ${envs//,/ } "$bin" "${SWITCH[@]:1}" > "$log" 2>&1 &
        SW=$!
        if ! wait_traffic "$log"; then
            echo "restart-time.sh: restart $i ($name): no traffic both ways within ${TIMEOUT} s:" >&2
            grep -v VHOST_CONFIG "$log" | tail -20 >&2
            exit 1
        fi
        cpu=$(cpu_ms "$SW")
        sleep 0.3    # let the control socket come up too (its line is in the breakdown)
        echo "$name $i $spawn $log $cpu" >> "$W/runs.txt"
    done
done

"$PY" - "$W/runs.txt" "$HUGE" <<'PY'
import datetime, re, statistics, sys
runs = [l.split() for l in open(sys.argv[1])]
cols = ["launch", "eal+pool", "loops", "port1", "ports2+", "traffic", "ctl", "TOTAL", "cpu"]
def stamps(log, spawn):
    day = datetime.datetime.fromtimestamp(spawn).replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    t = {}
    added, first = [], []
    for line in open(log, errors="replace"):
        m = re.match(r"(\d\d):(\d\d):(\d\d\.\d+) vswitch: (.*)", line)
        if not m:
            continue
        ms = (day + int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3]) - spawn) * 1000
        if ms < -43200e3:
            ms += 86400e3                        # past midnight
        msg = m[4]
        if msg.startswith("EAL "): t.setdefault("eal", ms)
        elif msg.startswith("mbuf pool"): t["pool"] = ms
        elif msg.startswith("--db "): t["loops"] = ms
        elif re.match(r"\S+: port \d+ \(.*\) added", msg): added.append(ms)
        elif msg.startswith("control socket"): t["ctl"] = ms
        elif "first frame forwarded to it" in msg: first.append(ms)
    p = [t["eal"], t["pool"] - t["eal"], t["loops"] - t["pool"], added[0] - t["loops"],
         added[-1] - added[0], max(first) - added[-1], t.get("ctl", float("nan")), max(first)]
    return p
by = {}
print(("%-10s %3s " + " %9s" * len(cols)) % ("variant", "#", *cols))
for name, i, spawn, log, cpu in runs:
    p = stamps(log, float(spawn)) + [float(cpu)]
    by.setdefault(name, []).append(p)
    print(("%-10s %3s " + " %9.0f" * len(cols)) % (name, i, *p))
print("\nmilliseconds; %s; restart-to-traffic = TOTAL (spawn to the first frame forwarded both ways);"
      " cpu = CPU time of the switch's threads but the poll loop, at TOTAL"
      % ("hugepages" if sys.argv[2] == "1" else "--no-huge -m 512"))
for name, ps in by.items():
    for what, f in (("median", statistics.median), ("worst", max)):
        print(("%-10s %-6s" + " %9.0f" * len(cols)) % (name, what, *[f([p[c] for p in ps]) for c in range(len(cols))]))
PY
