#!/bin/bash
# The vswitch DaemonSet's container: starts the switch on the CPUs the kubelet's CPU manager
# gave this container, with the control socket, the port database and hugepages on the paths
# the DaemonSet mounts. SIGTERM reaches the switch itself (exec): it stops its loops, closes
# its ports and exits 0; the ports stay in --db and come back at the next start.
#
# Environment (all optional):
#   CPU_LIMIT          the container's CPU limit (the DaemonSet sets it from resources.limits.cpu)
#   VSWITCH_LCORES     the poll loops' CPUs; default: every allowed CPU but the first, which is
#                      left to the control thread and the JVM (all of them when there is one)
#   VSWITCH_CTL        default /run/vswitch/vswitch.ctl
#   VSWITCH_DB         default /var/lib/vswitch/ports.json
#   VSWITCH_SOCKET_DIR default /var/lib/vswitch/sockets (where the CNI plugin puts pod sockets)
#   VSWITCH_HUGE_DIR   default /dev/hugepages (a hugetlbfs mount: the DaemonSet's HugePages emptyDir)
#   VSWITCH_METRICS    ADDRESS:PORT for --metrics (Prometheus /metrics); default none (off)
#   VSWITCH_ARGS       more vswitch arguments, e.g. "--mac-table-size 65536 --stats 10"
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/cpus.sh"
die() { echo "vswitch-entrypoint: $*" >&2; exit "${2:-2}"; }

CTL="${VSWITCH_CTL:-/run/vswitch/vswitch.ctl}"
DB="${VSWITCH_DB:-/var/lib/vswitch/ports.json}"
SOCKETS="${VSWITCH_SOCKET_DIR:-/var/lib/vswitch/sockets}"
HUGE="${VSWITCH_HUGE_DIR:-/dev/hugepages}"
CONTROL_CPUS_FILE=/tmp/vswitch-control-cpus    # read by vswitchctl (this container only)
rm -f "$CONTROL_CPUS_FILE"

awk -v d="$HUGE" '$2 == d && $3 == "hugetlbfs" { found = 1 } END { exit !found }' /proc/mounts \
    || die "$HUGE is not a hugetlbfs mount: mount an emptyDir with medium: HugePages there and request hugepages-2Mi" 3
mkdir -p "$(dirname "$CTL")" "$(dirname "$DB")" "$SOCKETS"

if [ -n "${VSWITCH_LCORES:-}" ]; then
    LCORES="$VSWITCH_LCORES"
else
    read -r -a CPUS <<< "$(pick_cpus "${CPU_LIMIT:-}")"
    [ "${#CPUS[@]}" -ge 1 ] || die "cannot read this container's CPUs from /proc/self/status" 5
    if [ "${#CPUS[@]}" -ge 2 ]; then
        LCORES="$(join_cpus "${CPUS[@]:1}")"
        # vswitchctl (the probes, kubectl exec) runs here too: keep its JVM off the poll loops.
        echo "${CPUS[0]}" > "$CONTROL_CPUS_FILE"
    else
        LCORES="${CPUS[0]}"
    fi
    echo "vswitch-entrypoint: allowed CPUs $(join_cpus "${CPUS[@]}"); poll loops on $LCORES"
fi

METRICS=()
if [ -n "${VSWITCH_METRICS:-}" ]; then METRICS=(--metrics "$VSWITCH_METRICS"); fi
# shellcheck disable=SC2086  # VSWITCH_ARGS is a list of words on purpose
exec "$HERE/vswitch" --mode switch --lcores "$LCORES" --ctl "$CTL" --db "$DB" \
    --file-prefix "${VSWITCH_FILE_PREFIX:-vswitch}" "${METRICS[@]}" ${VSWITCH_ARGS:-} -- --huge-dir "$HUGE"
