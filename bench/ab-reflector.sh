#!/usr/bin/env bash
# Issue 3's A/B of the reflector: testpmd flowgen (virtio-user, CPU 0) against
#   (a) bin/vswitch --mode M   and   (b) dpdk-testpmd --forward-mode=M   (vhost, CPU 1)
# for M in macswap and io, at 64 B and 1518 B, 1 queue, alternating process starts
# (vswitch, testpmd, vswitch, ...; 5 of each by default), measuring a window after
# warm-up within each start. Prints best-of-N and median-of-N Mpps of each side and
# the ratios vswitch/testpmd; writes results.csv/results.json/runs.csv and the
# child logs to --out (default bench-results/ab-<time>).
#
#   bench/ab-reflector.sh                  # the full A/B (about 4 minutes)
#   bench/ab-reflector.sh --quick          # 64 B, 3 starts each, short windows (about a minute)
#   bench/ab-reflector.sh --starts 9 --window 10 --sizes 64
#   bench/ab-reflector.sh --help           # every option
#
# It takes the shared benchmark lock itself (/tmp/vswitch-bench.lock), so do not
# wrap it in flock again.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCK=/tmp/vswitch-bench.lock
case " $* " in
    *" --help "*|*" -h "*) exec "$ROOT/bin/vswitch-bench" ab --help ;;
esac
exec 9>>"$LOCK"
if ! flock -n 9; then
    echo "ab-reflector: waiting for $LOCK (another benchmark is running)..." >&2
    flock 9
fi
cd "$ROOT"
"$ROOT/bin/vswitch-bench" ab "$@"
