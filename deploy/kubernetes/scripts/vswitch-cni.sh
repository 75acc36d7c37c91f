#!/bin/sh
# vswitch-cni: the CNI plugin, as the kubelet's container runtime (or Multus) runs it, on the
# HOST: CNI_COMMAND and the other CNI_* variables in the environment, the network
# configuration on stdin, the result or a CNI error on stdout.
#
# The vswitch DaemonSet's init container installs this file as /opt/cni/bin/vswitch-cni, and a
# Java runtime (jlinked, /opt/vswitch/jre) and the project's jars (/opt/vswitch/lib) beside it
# on the host; io.vswitch.cni.CniCommand does the work (ADD/DEL/CHECK/STATUS/VERSION over the
# switch's control socket).
JAVA="${VSWITCH_CNI_JAVA:-/opt/vswitch/jre/bin/java}"   # the override is for tests
if [ ! -x "$JAVA" ]; then
    # Not installed (yet) on this node: answer in the CNI error format, so the runtime shows
    # the reason. 50 "plugin not available" for STATUS, else 11 "try again later".
    conf=$(cat)
    ver=$(printf '%s' "$conf" | tr -d '\n' | sed -n 's/.*"cniVersion"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
    code=11
    [ "${CNI_COMMAND:-}" = STATUS ] && code=50
    printf '{"cniVersion":"%s","code":%d,"msg":"vswitch-cni: %s is missing on this node","details":"the vswitch DaemonSet'"'"'s init container installs it: is a vswitch pod running on this node (kubectl -n vswitch get pods -o wide)?"}\n' \
        "${ver:-1.1.0}" "$code" "$JAVA"
    exit 1
fi
# A plugin runs briefly and often: C1 only, the serial collector, no perf-data file in /tmp.
exec "$JAVA" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xshare:auto \
    -cp '/opt/vswitch/lib/*' io.vswitch.cni.CniCommand "$@"
