#!/bin/bash
# Install vswitch as a host service (systemd). Run as root after a build (bin/setup, or
# mvn -B -q package -DskipTests).
#
#   deploy/systemd/install.sh                 copy the built tree to /opt/vswitch (default)
#   deploy/systemd/install.sh --prefix DIR    copy it to DIR instead
#   deploy/systemd/install.sh --in-place      run the switch from this checkout (no copy)
#   --no-reload                               do not run systemctl daemon-reload
#   --root DIR                                install under DIR (a staging root, for packaging and tests)
#
# Installs /etc/systemd/system/vswitch.service (ExecStart pointing at the chosen tree) and
# /etc/vswitch/vswitch.conf (kept if it exists), then runs systemctl daemon-reload. It does
# not enable or start the service: systemctl enable --now vswitch
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PREFIX=/opt/vswitch; INPLACE=0; RELOAD=1; ROOT=
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) PREFIX=${2:?--prefix needs a directory}; shift ;;
    --in-place) INPLACE=1 ;;
    --no-reload) RELOAD=0 ;;
    --root) ROOT=${2:?--root needs a directory}; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (--help)" >&2; exit 2 ;;
  esac
  shift
done
die() { echo "install.sh: $*" >&2; exit 1; }
[ -n "$ROOT" ] || [ "$(id -u)" = 0 ] || die "run as root (it writes /etc/systemd/system and $PREFIX)"
JAR=$(ls "$REPO"/vswitch/target/vswitch-*.jar 2>/dev/null | grep -v -e -sources -e -tests | head -1 || true)
[ -n "$JAR" ] && [ -d "$REPO/vswitch/target/lib" ] || die "not built yet: run bin/setup (or mvn -B -q package -DskipTests) first"

if [ $INPLACE = 1 ]; then
  HOME_DIR=$REPO
else
  HOME_DIR=$PREFIX
  T="$ROOT$PREFIX"
  # a fresh tree each time, so an upgrade leaves no old jar next to the new one
  rm -rf "$T.new"; mkdir -p "$T.new/bin" "$T.new/vswitch/target"
  cp -a "$REPO"/bin/_launch "$REPO"/bin/vswitch "$REPO"/bin/vswitchctl "$T.new/bin/"
  cp -a "$JAR" "$REPO/vswitch/target/lib" "$T.new/vswitch/target/"
  cp -a "$REPO/README.md" "$T.new/"
  rm -rf "$T.old"; [ -e "$T" ] && mv "$T" "$T.old"
  mv "$T.new" "$T"; rm -rf "$T.old"
fi

UNIT="$ROOT/etc/systemd/system/vswitch.service"
mkdir -p "$(dirname "$UNIT")" "$ROOT/etc/vswitch"
sed -e "s|/opt/vswitch/bin/vswitch|$HOME_DIR/bin/vswitch|" -e "s|file:/opt/vswitch/README.md|file:$HOME_DIR/README.md|" \
  "$REPO/deploy/systemd/vswitch.service" > "$UNIT.tmp"
mv "$UNIT.tmp" "$UNIT"
if [ -e "$ROOT/etc/vswitch/vswitch.conf" ]; then
  echo "install.sh: keeping $ROOT/etc/vswitch/vswitch.conf (the shipped one is $REPO/deploy/systemd/vswitch.conf)"
else
  install -m 0644 "$REPO/deploy/systemd/vswitch.conf" "$ROOT/etc/vswitch/vswitch.conf"
fi
echo "install.sh: vswitch in $HOME_DIR, unit $UNIT, options $ROOT/etc/vswitch/vswitch.conf"
if [ $RELOAD = 1 ] && [ -z "$ROOT" ]; then
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    echo "install.sh: now: systemctl enable --now vswitch    (journalctl -u vswitch for its log)"
  else
    echo "install.sh: systemd is not running here; the unit is installed for the next boot"
  fi
fi
