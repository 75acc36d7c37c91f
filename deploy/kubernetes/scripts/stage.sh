#!/bin/bash
# Lays out the image's /opt/vswitch from a built repository (after `mvn package`); the
# Containerfile's build stage runs it, and so can anyone, to see what the image holds:
#
#   deploy/kubernetes/scripts/stage.sh REPO DEST [--no-jre]
#
#   DEST/opt/vswitch/lib/       the vswitch jar and its runtime dependencies (vswitch/target/lib)
#   DEST/opt/vswitch/native/    libvsshim.so (native-shim/target/native), named by -Dvswitch.shim
#   DEST/opt/vswitch/bin/       vswitch, vswitchctl, vswitch-cni, vswitch-entrypoint, install-cni,
#                               testpmd-pod, cpus.sh
#   DEST/opt/vswitch/jre/       a Java runtime jlinked from this JDK with the modules jdeps finds
#                               in the jars (skipped with --no-jre)
#   DEST/opt/vswitch/RELEASE    a hash of jre/ and lib/: the init container installs each release once
set -euo pipefail
die() { echo "stage: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: stage.sh REPO DEST [--no-jre]"
REPO="$(cd "$1" && pwd)"; DEST="$2"; JRE=1
[ "${3:-}" = --no-jre ] && JRE=0
OPT="$DEST/opt/vswitch"
SCRIPTS="$REPO/deploy/kubernetes/scripts"

shopt -s nullglob
jars=()
for j in "$REPO"/vswitch/target/vswitch-*.jar; do
    case "$j" in *-sources.jar|*-tests.jar|*-javadoc.jar) ;; *) jars+=("$j") ;; esac
done
[ ${#jars[@]} -eq 1 ] || die "expected one vswitch jar in $REPO/vswitch/target, found ${#jars[@]}: run mvn package first"
deps=("$REPO"/vswitch/target/lib/*.jar)
[ ${#deps[@]} -gt 0 ] || die "$REPO/vswitch/target/lib has no jars: run mvn package first"
SHIM="$REPO/native-shim/target/native/libvsshim.so"
[ -f "$SHIM" ] || die "$SHIM missing: run mvn package first"

rm -rf "$OPT"
mkdir -p "$OPT/lib" "$OPT/native" "$OPT/bin"
cp "${jars[@]}" "${deps[@]}" "$OPT/lib/"
install -m 0755 "$SHIM" "$OPT/native/libvsshim.so"
install -m 0755 "$SCRIPTS/vswitch" "$SCRIPTS/vswitchctl" "$OPT/bin/"
install -m 0755 "$SCRIPTS/vswitch-cni.sh" "$OPT/bin/vswitch-cni"
install -m 0755 "$SCRIPTS/vswitch-entrypoint.sh" "$OPT/bin/vswitch-entrypoint"
install -m 0755 "$SCRIPTS/install-cni.sh" "$OPT/bin/install-cni"
install -m 0755 "$SCRIPTS/testpmd-pod.sh" "$OPT/bin/testpmd-pod"
install -m 0644 "$SCRIPTS/cpus.sh" "$OPT/bin/cpus.sh"

if [ "$JRE" = 1 ]; then
    command -v jlink >/dev/null && command -v jdeps >/dev/null || die "jlink/jdeps not on PATH: put JDK 25's bin first"
    # jdeps names what the classes use; jdk.unsupported is for libraries that look for
    # sun.misc.Unsafe reflectively, which jdeps cannot see.
    mods="$(jdeps --ignore-missing-deps --multi-release 25 --print-module-deps "$OPT"/lib/*.jar | tail -1)"
    case ",$mods," in *,jdk.unsupported,*) ;; *) mods="$mods,jdk.unsupported" ;; esac
    [[ "$mods" == java.base* ]] || die "jdeps did not print a module list: $mods"
    echo "stage: jlink modules: $mods"
    jlink --add-modules "$mods" --strip-debug --no-man-pages --no-header-files \
        --compress=zip-6 --generate-cds-archive --output "$OPT/jre"
fi
if [ -d "$OPT/jre" ]; then
    hashed=("$OPT/jre" "$OPT/lib")
else
    hashed=("$OPT/lib")
fi
(cd "$OPT" && find "${hashed[@]#"$OPT/"}" -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16) > "$OPT/RELEASE"
echo "stage: $OPT release $(cat "$OPT/RELEASE")"
