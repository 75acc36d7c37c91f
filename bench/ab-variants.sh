#!/usr/bin/env bash
# A/B of build or run-time variants of our programs over alternating process starts: each round runs
# one start of `bin/vswitch-bench sweep ARGS --starts 1` per variant, in turn, each with its own
# environment (a JVM property through VSWITCH_JAVA_OPTS, another launcher through its env, ...), under
# the shared benchmark lock. Prints every start's rate per point and, per point and variant, the best
# and the median over the rounds, and the ratio of each variant to the first.
#
#   bench/ab-variants.sh -n 5 --variant on: --variant off:VSWITCH_JAVA_OPTS=-Dvswitch.cycleAccounting=false \
#       -- --switch-only --sizes 64 --warmup 2 --window 4
#   bench/ab-variants.sh -n 5 --variant base: --variant mb16k:VSWITCH_BENCH_VSWITCH_ARGS=--mbufs=16384 \
#       -- --reflectors vswitch-macswap --generators flowgen --sizes 1518 --queues 1    # bin/vswitch options
#
# Starts are bimodal on these machines, so read best against best and median against median, and
# take an effect smaller than the spread between rounds as "not measurable" (see bench/README.md).
# The sweep's own output stays in DIR/<variant>-<round>/ (DIR: --out, default a new /tmp directory).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCK=/tmp/vswitch-bench.lock
N=5; OUT=""; NAMES=(); ENVS=()
usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        -n) N="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        --variant) NAMES+=("${2%%:*}"); ENVS+=("${2#*:}"); shift 2 ;;
        -h|--help) usage; exit 0 ;;
        --) shift; break ;;
        *) echo "ab-variants: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ ${#NAMES[@]} -ge 2 ] || { echo "ab-variants: give at least two --variant NAME:ENV (ENV may be empty: 'on:')" >&2; exit 2; }
[[ "$N" =~ ^[1-9][0-9]*$ ]] || { echo "ab-variants: -n wants a positive number of rounds, got $N" >&2; exit 2; }
case " $* " in *" --starts"*) echo "ab-variants: rounds are -n, not --starts" >&2; exit 2 ;; esac
[ -x "$ROOT/bin/vswitch-bench" ] || { echo "ab-variants: bin/vswitch-bench missing" >&2; exit 2; }
OUT="${OUT:-$(mktemp -d /tmp/vs-ab-variants.XXXXXX)}"
mkdir -p "$OUT"
for r in $(seq "$N"); do
    for i in "${!NAMES[@]}"; do
        name="${NAMES[$i]}"; dir="$OUT/$name-$r"
        envs=(); [ -n "${ENVS[$i]}" ] && read -r -a envs <<< "${ENVS[$i]}"
        echo "ab-variants: round $r/$N, $name ${ENVS[$i]}" >&2
        if ! flock "$LOCK" env "${envs[@]}" "$ROOT/bin/vswitch-bench" sweep "$@" --starts 1 --out "$dir" > "$dir.log" 2>&1; then
            tail -20 "$dir.log" >&2
            echo "ab-variants: the sweep of $name, round $r failed (log above, $dir.log)" >&2
            exit 1
        fi
    done
done
/usr/bin/python3 - "$OUT" "$N" "${NAMES[@]}" <<'PY'
import csv, statistics, sys, os
out, n, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
rates = {}   # point -> variant -> [Mpps per round]
order = []
for name in names:
    for r in range(1, n + 1):
        with open(os.path.join(out, f"{name}-{r}", "results.csv")) as f:
            for row in csv.DictReader(f):
                if row.get("rate_share"):          # a --rate sweep's latency rows: not a rate A/B
                    continue
                key = " ".join(x for x in (row["reflector"], row["generator"], "q" + row["queues"], row["size"] + "B",
                                           row.get("switch", ""), (row.get("flows") or "") and row["flows"] + " flows") if x)
                if key not in rates:
                    rates[key] = {}
                    order.append(key)
                rates[key].setdefault(name, []).append(float(row["rx_mpps_median"]))
for key in order:
    print(key)
    base = rates[key].get(names[0])
    for name in names:
        v = rates[key].get(name, [])
        if not v:
            continue
        best, med = max(v), statistics.median(v)
        line = f"  {name:>12}: best {best:7.3f}  median {med:7.3f} Mpps   rounds: " + " ".join(f"{x:.3f}" for x in v)
        if name != names[0] and base:
            line += f"   vs {names[0]}: best x{best / max(base):.3f}, median x{med / statistics.median(base):.3f}"
        print(line)
print(f"({n} rounds, starts alternating {' / '.join(names)}; sweep outputs in {out})")
PY
