#!/bin/bash
# The example pods' command: runs dpdk-testpmd on the vhost-user interface that vswitch-cni
# gave this pod, found in the pod's own k8s.v1.cni.cncf.io/network-status annotation (Multus
# writes it; the device-info entry the plugin wrote names the socket and the mode the pod
# must take), read through the downward API file /etc/podinfo/annotations.
#
# Environment:
#   VSWITCH_NETWORK  the NetworkAttachmentDefinition's name (required), e.g. vswitch-vlan100
#   TESTPMD_FWD      testpmd's --forward-mode (default macswap)
#   TESTPMD_MAC      this port's MAC (default: testpmd's own)
#   TESTPMD_PEER     destination MAC for txonly/flowgen (--eth-peer)
#   CPU_LIMIT        the container's CPU limit (from resources.limits.cpu)
#   PODINFO          default /etc/podinfo/annotations; HUGE_DIR default /dev/hugepages
#   TESTPMD_MEM      hugepage memory in MB (default 256)
#   WAIT_SECONDS     how long to wait for the annotation (default 60)
#   DRY_RUN=1        print the testpmd command line instead of running it
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/cpus.sh"
die() { echo "testpmd-pod: $*" >&2; exit 2; }

NETWORK="${VSWITCH_NETWORK:?set VSWITCH_NETWORK to the NetworkAttachmentDefinition name}"
PODINFO="${PODINFO:-/etc/podinfo/annotations}"
KEY='k8s.v1.cni.cncf.io/network-status'

# The downward API file holds one key="value" line per annotation, the value quoted like a
# Go string; for this ASCII JSON that is a JSON string, so jq unquotes it.
status_json() {
    local line
    line="$(grep -m1 "^$KEY=" "$PODINFO" 2>/dev/null)" || return 1
    printf '%s' "${line#*=}" | jq -r .
}

# device-info of this network: {"type":"vhost-user","vhost-user":{"mode":...,"path":...}}
device_info() {
    status_json | jq -ce --arg net "$NETWORK" \
        '[.[] | select((.name == $net or (.name | endswith("/" + $net))) and ."device-info".type == "vhost-user")][0]."device-info"'
}

info=""
for ((i = 0; i < ${WAIT_SECONDS:-60}; i++)); do
    if info="$(device_info 2>/dev/null)"; then break; fi
    info=""
    sleep 1
done
[ -n "$info" ] || die "no vhost-user device-info for network $NETWORK in $KEY ($PODINFO) after ${WAIT_SECONDS:-60} s: is the pod's k8s.v1.cni.cncf.io/networks annotation naming it, and is the NetworkAttachmentDefinition's capabilities.CNIDeviceInfoFile true?"
SOCK="$(jq -r '."vhost-user".path' <<< "$info")"
MODE="$(jq -r '."vhost-user".mode // "server"' <<< "$info")"
[ -n "$SOCK" ] && [ "$SOCK" != null ] || die "device-info for $NETWORK has no vhost-user.path: $info"

# device-info's mode is this pod's side: "server" when the switch connects as the client.
case "$MODE" in
    server) SERVER=1 ;;
    client) SERVER=0 ;;
    *) die "device-info for $NETWORK: vhost-user mode '$MODE' is neither client nor server" ;;
esac

read -r -a CPUS <<< "$(pick_cpus "${CPU_LIMIT:-}")"
[ "${#CPUS[@]}" -ge 2 ] || die "testpmd needs 2 CPUs (a main lcore and a forwarding lcore); this container has ${#CPUS[@]}: request cpu: 2"

VDEV="net_virtio_user0,path=$SOCK,queues=1,server=$SERVER"
[ -z "${TESTPMD_MAC:-}" ] || VDEV="$VDEV,mac=$TESTPMD_MAC"
ARGS=(-l "$(join_cpus "${CPUS[@]:0:2}")" --file-prefix "${POD_NAME:-testpmd}" --no-pci
      --huge-dir "${HUGE_DIR:-/dev/hugepages}" -m "${TESTPMD_MEM:-256}" --single-file-segments
      --vdev "$VDEV" --
      --forward-mode="${TESTPMD_FWD:-macswap}" --nb-cores=1 --stats-period 5)
[ -z "${TESTPMD_PEER:-}" ] || ARGS+=(--eth-peer="0,$TESTPMD_PEER")

echo "testpmd-pod: network $NETWORK: socket $SOCK, this side is the vhost-user $MODE; CPUs $(join_cpus "${CPUS[@]:0:2}")"
if [ "${DRY_RUN:-0}" = 1 ]; then
    echo dpdk-testpmd "${ARGS[@]}"
    exit 0
fi
# --stats-period: testpmd prints port stats every 5 s and runs until SIGTERM (no stdin read).
exec dpdk-testpmd "${ARGS[@]}" < /dev/null
