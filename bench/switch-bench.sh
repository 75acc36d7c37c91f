#!/usr/bin/env bash
# Issue 6's benchmark: the L2 switch's port-to-port rate next to the reflector's, same run.
# A thin wrapper over `bin/vswitch-bench sweep --switch-only` (see bench/README.md, "The switch"):
#
#   switch:     testpmd port 0 ─ vhost0 ═╗ vswitch --mode switch ╔═ vhost1 ─ testpmd port 1
#   reflector:  testpmd port 0 ─ vhost0 ═╡ vswitch --mode io     ╞═ vhost1 ─ testpmd port 1
#                                        (each port back to itself)
#
#   bench/switch-bench.sh                          # 64 B and 1518 B, 5 starts each, about 4 minutes
#   bench/switch-bench.sh --sizes 64 --starts 3 --window 5
#   bench/switch-bench.sh --switches ours,ovs --switch-flows 1,1024   # our switch vs Open vSwitch with DPDK (issue 14)
#   bench/switch-bench.sh --help                   # every sweep option
#
# Defaults --sizes 64,1518 --starts 5 unless given. It takes the shared benchmark lock itself
# (/tmp/vswitch-bench.lock) for the whole run, so do not wrap it in flock again.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCK=/tmp/vswitch-bench.lock
case " $* " in
    *" --help "*|*" -h "*) exec "$ROOT/bin/vswitch-bench" sweep --help ;;
esac
DEFAULTS=()
case " $* " in *" --sizes"*) ;; *) DEFAULTS+=(--sizes 64,1518) ;; esac
case " $* " in *" --starts"*) ;; *) DEFAULTS+=(--starts 5) ;; esac
exec 9>>"$LOCK"
if ! flock -n 9; then
    echo "switch-bench: waiting for $LOCK (another benchmark is running)..." >&2
    flock 9
fi
cd "$ROOT"
"$ROOT/bin/vswitch-bench" sweep --switch-only "${DEFAULTS[@]}" "$@"
