#!/bin/bash
# The vswitch DaemonSet's init container: installs the CNI plugin on the node.
#   - the Java runtime and the jars go to <host>/opt/vswitch/releases/<RELEASE>/{jre,lib}
#     (copied under a temporary name, then renamed: never half there), and the links
#     <host>/opt/vswitch/jre and .../lib are switched to them by rename (atomic);
#   - the plugin script goes to <host>/opt/cni/bin/vswitch-cni by copy-then-rename, so the
#     runtime never executes a half-copied file;
#   - releases other than the new one and the one it replaces are removed.
# Idempotent: a node that already has this release is only re-linked.
#
# Environment: HOST_OPT (default /host/opt/vswitch), HOST_CNI_BIN (default /host/opt/cni/bin),
#              SRC (default /opt/vswitch: this image's copy).
set -euo pipefail
SRC="${SRC:-/opt/vswitch}"
HOST_OPT="${HOST_OPT:-/host/opt/vswitch}"
HOST_CNI_BIN="${HOST_CNI_BIN:-/host/opt/cni/bin}"
say() { echo "install-cni: $*"; }
die() { echo "install-cni: $*" >&2; exit 1; }

[ -f "$SRC/RELEASE" ] || die "$SRC/RELEASE missing: this image was not built from deploy/kubernetes/Containerfile"
RELEASE="$(cat "$SRC/RELEASE")"
[ -n "$RELEASE" ] || die "$SRC/RELEASE is empty"
[ -x "$SRC/jre/bin/java" ] && [ -d "$SRC/lib" ] || die "$SRC/jre or $SRC/lib missing in the image"
[ -d "$HOST_CNI_BIN" ] || die "$HOST_CNI_BIN is not mounted (the DaemonSet mounts the host's /opt/cni/bin there)"
mkdir -p "$HOST_OPT/releases"
rm -rf "$HOST_OPT"/releases/.tmp-*      # left by an init container killed while copying

dest="$HOST_OPT/releases/$RELEASE"
if [ -f "$dest/.complete" ]; then
    say "release $RELEASE already on this node"
else
    tmp="$HOST_OPT/releases/.tmp-$RELEASE-$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    cp -a "$SRC/jre" "$SRC/lib" "$tmp/"
    "$tmp/jre/bin/java" -version >/dev/null 2>&1 || die "the copied runtime does not start: $tmp/jre/bin/java -version"
    touch "$tmp/.complete"
    rm -rf "$dest"
    mv "$tmp" "$dest"
    say "installed release $RELEASE in $dest"
fi

previous=""
for d in jre lib; do
    link="$HOST_OPT/$d"
    if [ -L "$link" ]; then
        target="$(readlink "$link")"          # releases/<id>/<d>
        [ -n "$previous" ] || previous="$(basename "$(dirname "$target")")"
    elif [ -e "$link" ]; then
        # A directory from an install by hand: keep it aside, never delete it.
        aside="$HOST_OPT/releases/manual-$(date +%Y%m%d%H%M%S)-$d"
        mv "$link" "$aside"
        say "moved the existing $link aside to $aside"
    fi
    ln -sfn "releases/$RELEASE/$d" "$HOST_OPT/.$d.new"
    mv -Tf "$HOST_OPT/.$d.new" "$link"
done

cp "$SRC/bin/vswitch-cni" "$HOST_CNI_BIN/.vswitch-cni.tmp.$$"
chmod 0755 "$HOST_CNI_BIN/.vswitch-cni.tmp.$$"
mv -f "$HOST_CNI_BIN/.vswitch-cni.tmp.$$" "$HOST_CNI_BIN/vswitch-cni"
say "installed $HOST_CNI_BIN/vswitch-cni (runs $HOST_OPT/jre/bin/java -> releases/$RELEASE)"

for r in "$HOST_OPT"/releases/*; do
    [ -d "$r" ] || continue
    name="$(basename "$r")"
    case "$name" in
        "$RELEASE"|"$previous"|manual-*) ;;
        *) rm -rf "$r"; say "removed old release $name" ;;
    esac
done
