#!/bin/bash
# rehearse-node.sh: one Kubernetes node played by hand, without a cluster or a container engine,
# with the image's own files: what the DaemonSet, Multus and the example pods would do there.
#
#   deploy/kubernetes/scripts/stage.sh . /tmp/stage          # after mvn package: the image's /opt/vswitch
#   deploy/kubernetes/rehearse-node.sh /tmp/stage/opt/vswitch
#
# In a private mount namespace (nothing of the real /opt is touched):
#   1. install-cni puts the plugin and its runtime on a stand-in host /opt (as the init container);
#   2. vswitch-entrypoint starts the switch from the image tree on CPUs 0,1 (as the DaemonSet);
#   3. /opt/cni/bin/vswitch-cni ADDs three "pods" with network-attachment-definition.yaml's config
#      (paths moved under the work directory; CNIDeviceInfoFile as Multus passes it): A and B on
#      VLAN 100, C on VLAN 200;
#   4. testpmd-pod runs in each, reading a network-status annotation written like the kubelet's
#      downward-API file: A flowgen, B macswap, C macswap;
#   5. prints the switch's ports, counters and MAC table and each testpmd's totals (A and B
#      exchange frames, C receives none), then CHECKs, DELs every pod twice and shows nothing is
#      left (ports, sockets, mbufs).
# Needs root, hugepages at /dev/hugepages (about 450 MB free), jq, /usr/bin/python3, dpdk-testpmd,
# and a build that has the CNI plugin (io.vswitch.cni.CniCommand). Takes about a minute.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: rehearse-node.sh STAGED_OPT_VSWITCH [WORKDIR]" >&2; exit 2; }
STAGE="$(cd "$1" && pwd)"
W="${2:-/tmp/vswitch-rehearsal}"
HERE="$(cd "$(dirname "$0")" && pwd)"
die() { echo "rehearse-node: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (hugepages, network namespaces, mount namespace)"
[ -x "$STAGE/jre/bin/java" ] || die "$STAGE/jre/bin/java missing: stage with the runtime (stage.sh without --no-jre)"
for t in jq dpdk-testpmd unshare taskset ip; do command -v $t >/dev/null || die "$t not installed"; done
grep -qa io/vswitch/cni/CniCommand.class "$STAGE"/lib/vswitch-*.jar \
    || die "the staged jars have no io.vswitch.cni.CniCommand: build a tree that has the CNI plugin"

if [ "${REHEARSAL_INSIDE:-}" != 1 ]; then
    rm -rf "$W"
    mkdir -p "$W"
    REHEARSAL_INSIDE=1 exec unshare -m --propagation private bash "$0" "$STAGE" "$W"
fi

PREFIX=rehearse-$$
NETNS=()
SWITCH=""
declare -A TESTPMD=()
stop() { # signal pid...: signal each, wait for it to go
    local sig=$1 p; shift
    for p in "$@"; do kill -"$sig" "$p" 2>/dev/null || true; done
    for p in "$@"; do while kill -0 "$p" 2>/dev/null; do sleep 0.2; done; done
}
cleanup() {
    set +e
    [ ${#TESTPMD[@]} -eq 0 ] || stop INT "${TESTPMD[@]}"
    [ -z "$SWITCH" ] || stop TERM "$SWITCH"
    for n in "${NETNS[@]}"; do ip netns del "$n"; done
    rm -f /dev/hugepages/"$PREFIX"-*
    rm -rf /var/run/dpdk/"$PREFIX"-*
}
trap cleanup EXIT

mkdir -p "$W/run" "$W/lib/sockets" "$W/devinfo" "$W/state"
mount -t tmpfs none /opt
mkdir -p /opt/vswitch /opt/cni/bin
echo "== 1. install-cni"
SRC="$STAGE" HOST_OPT=/opt/vswitch HOST_CNI_BIN=/opt/cni/bin bash "$STAGE/bin/install-cni"

# The image's view: its own /opt/vswitch in a nested mount namespace.
in_image() { unshare -m bash -c "mount --bind '$STAGE' /opt/vswitch && $*"; }
ctl() { in_image "/opt/vswitch/bin/vswitchctl --ctl $W/run/vswitch.ctl $*"; }

echo "== 2. the switch"
export VSWITCH_CTL="$W/run/vswitch.ctl" VSWITCH_DB="$W/lib/ports.json" VSWITCH_SOCKET_DIR="$W/lib/sockets" \
       VSWITCH_FILE_PREFIX="$PREFIX-vswitch" CPU_LIMIT=2 VSWITCH_ARGS="--mbufs 8191"
# unshare, bash -c and taskset each exec the next: $! ends up the switch's JVM.
unshare -m bash -c "mount --bind '$STAGE' /opt/vswitch && exec taskset -c 0,1 /opt/vswitch/bin/vswitch-entrypoint" \
    > "$W/switch.log" 2>&1 &
SWITCH=$!
for i in $(seq 60); do ctl ping >/dev/null 2>&1 && break; sleep 1; done
ctl ping >/dev/null || { cat "$W/switch.log"; die "the switch did not answer"; }
head -1 "$W/switch.log"

# network-attachment-definition.yaml's first config, moved to this rehearsal's paths.
/usr/bin/python3 - "$HERE/network-attachment-definition.yaml" > "$W/nad.json" <<'EOF'
import json, re, sys
text = open(sys.argv[1]).read()
m = re.search(r"config: \|-\n((?:    .*\n)+)", text)
print(json.dumps(json.loads("".join(l[4:] for l in m.group(1).splitlines(True)))))
EOF
conf() { # vlan pod
    jq -c --arg ctl "$VSWITCH_CTL" --arg dir "$VSWITCH_SOCKET_DIR" --arg state "$W/state" --argjson vlan "$1" \
        --arg di "$W/devinfo/$2.json" \
        '.ctl=$ctl | .sharedDir=$dir | .stateDir=$state | .host.bridge.vlanId=$vlan | .name=("vswitch-vlan"+($vlan|tostring))
         | .runtimeConfig={"CNIDeviceInfoFile":$di}' "$W/nad.json"
}
cni() { # command pod vlan [prevResult]
    local id c rc=0
    id=$(printf '%s' "$PREFIX-$2" | sha256sum | cut -c1-64)
    c=$(conf "$3" "$2")
    [ -z "${4:-}" ] || c=$(jq -c --argjson p "$4" '.prevResult=$p' <<< "$c")
    CNI_COMMAND=$1 CNI_CONTAINERID=$id CNI_NETNS=/run/netns/$PREFIX-$2 CNI_IFNAME=vhu0 CNI_PATH=/opt/cni/bin \
        /opt/cni/bin/vswitch-cni <<< "$c" || rc=$?
    echo "   CNI $1 $2: exit $rc" >&2
    return $rc
}

echo "== 3. CNI ADD (A, B on VLAN 100; C on VLAN 200)"
declare -A VLAN=([a]=100 [b]=100 [c]=200) RESULT
for p in a b c; do
    ip netns add "$PREFIX-$p"; NETNS+=("$PREFIX-$p")
    RESULT[$p]=$(cni ADD $p ${VLAN[$p]} 2>>"$W/cni.log")
    # Multus's network-status, as the kubelet writes annotations into the downward-API file.
    jq -n --argjson r "${RESULT[$p]}" --slurpfile d "$W/devinfo/$p.json" --arg net "default/vswitch-vlan${VLAN[$p]}" \
        '[{"name":"cbr0","interface":"eth0","default":true,"dns":{}},
          {"name":$net,"interface":"vhu0","mac":$r.interfaces[0].mac,"dns":{},"device-info":$d[0]}]' \
        | /usr/bin/python3 -c 'import json,sys; print("k8s.v1.cni.cncf.io/network-status=" + json.dumps(sys.stdin.read()))' \
        > "$W/annotations-$p"
done
echo "   A's result: ${RESULT[a]}"
echo "   A's device-info: $(cat "$W/devinfo/a.json")"

echo "== 4. testpmd-pod in each"
pod() { # name fwd mac
    PODINFO="$W/annotations-$1" VSWITCH_NETWORK="vswitch-vlan${VLAN[$1]}" TESTPMD_FWD=$2 TESTPMD_MAC=$3 \
        POD_NAME="$PREFIX-testpmd-$1" TESTPMD_MEM=128 CPU_LIMIT=2 \
        taskset -c 0,1 bash "$STAGE/bin/testpmd-pod" > "$W/testpmd-$1.log" 2>&1 &
    TESTPMD[$1]=$!     # testpmd-pod execs dpdk-testpmd: the same process
}
pod a flowgen 02:00:00:00:0a:01
pod b macswap 02:00:00:00:0b:01
pod c macswap 02:00:00:00:0c:01
n=0
for i in $(seq 90); do
    n=$(ctl stats --json | jq --arg p "$(cut -c1-12 <<< "$(printf '%s' "$PREFIX-b" | sha256sum)")-vhu0" \
        '[.ports[] | select(.name == $p) | .tx_packets][0] // 0')
    [ "$n" -gt 100000 ] && break
    sleep 1
done
[ "$n" -gt 0 ] || die "no traffic through B's port after 90 s (see $W/*.log)"
sleep 3

echo "== 5. what the switch and the pods saw"
ctl show
ctl stats
ctl fdb-show
stop INT "${TESTPMD[@]}"
TESTPMD=()
for p in a b c; do
    echo "-- testpmd $p (VLAN ${VLAN[$p]})"
    grep -A2 "Forward statistics for port 0" "$W/testpmd-$p.log" | grep -E "RX-packets|TX-packets" || tail -5 "$W/testpmd-$p.log"
done
for p in a b; do cni CHECK $p ${VLAN[$p]} "${RESULT[$p]}" 2>>"$W/cni.log" || die "CHECK $p failed"; done
for p in a b c; do cni DEL $p ${VLAN[$p]} 2>>"$W/cni.log" || die "DEL $p failed"; done
for p in a b c; do cni DEL $p ${VLAN[$p]} 2>>"$W/cni.log" || die "second DEL $p failed"; done
echo "   CHECK A and B, DEL A, B and C twice: all exit 0"
echo "   sockets left in sharedDir: $(find "$W/lib/sockets" -mindepth 1 | wc -l)"
ctl show
ctl stats | tail -1
echo "== done (logs in $W)"
