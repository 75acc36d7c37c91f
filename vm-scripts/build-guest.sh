#!/bin/bash
# Build the vswitch test guest: a Debian cloud kernel + a small busybox initramfs
# that carries the host's dpdk-testpmd, the virtio/uio/vfio modules, igb_uio built
# against the guest kernel, and guest-init.sh as /init.
#
# Everything comes from Debian packages (apt-get download + dpkg -x); nothing is
# installed on the host by this script. Output is cached under $VSWITCH_VM_CACHE
# (default /var/cache/vswitch-vm) and rebuilt only when an input changes.
#
# Usage: build-guest.sh [--force] [--no-igb-uio] [--print]
#   prints "KERNEL=<path>" and "INITRD=<path>" on success (the launcher reads them).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${VSWITCH_VM_CACHE:-/var/cache/vswitch-vm}
FORCE=0; IGB=1
for a in "$@"; do
  case $a in
    --force) FORCE=1 ;;
    --no-igb-uio) IGB=0 ;;
    --print) ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "build-guest.sh: unknown option $a" >&2; exit 2 ;;
  esac
done

die() { echo "build-guest.sh: $*" >&2; exit 1; }
log() { echo "build-guest.sh: $*" >&2; }

for t in apt-get apt-cache dpkg depmod cpio gzip ldd; do
  command -v "$t" >/dev/null || die "$t not found (apt-get install $(case $t in depmod) echo kmod;; cpio) echo cpio;; *) echo dpkg apt;; esac))"
done
TESTPMD=$(command -v dpdk-testpmd) || die "dpdk-testpmd not found on the host (apt-get install dpdk)"
PMDDIR=$(ls -d /usr/lib/x86_64-linux-gnu/dpdk/pmds-* 2>/dev/null | head -1)
[ -n "$PMDDIR" ] || die "no DPDK PMD directory /usr/lib/x86_64-linux-gnu/dpdk/pmds-* (apt-get install dpdk)"
mkdir -p "$CACHE" || die "cannot create cache dir $CACHE (set VSWITCH_VM_CACHE to a writable dir)"
[ -w "$CACHE" ] || die "cache dir $CACHE is not writable (set VSWITCH_VM_CACHE)"

# Serialize concurrent builds (two test JVMs, two users).
exec 9>"$CACHE/.lock"; flock 9

# --- which kernel: the version the linux-image-cloud-amd64 meta-package points at
KPKG=${VSWITCH_VM_KERNEL_PKG:-}
if [ -z "$KPKG" ]; then
  KPKG=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')
  if [ -z "$KPKG" ]; then
    log "apt lists have no linux-image-cloud-amd64; running apt-get update once"
    apt-get update -qq >&2 || die "apt-get update failed (network to deb.debian.org?)"
    KPKG=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')
  fi
fi
[ -n "$KPKG" ] || die "cannot resolve linux-image-cloud-amd64 (is the Debian main archive in apt sources?)"
KVER=${KPKG#linux-image-}
KSERIES=$(echo "$KVER" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
KABI=${KVER%-cloud-amd64}

DEBS="$CACHE/debs"
mkdir -p "$DEBS"

# Inputs that decide whether a cached initrd is valid: file contents only (not their
# paths), so every checkout with the same scripts shares one cached image, and checkouts
# with different scripts (another branch) get their own directory instead of thrashing.
key() {
  {
    echo "$KVER igb=$IGB"
    cat "$0" "$HERE/guest-init.sh" | sha256sum
    cat "$TESTPMD" "$PMDDIR"/*net_virtio.so.*.* "$PMDDIR"/*mempool_ring.so.*.* | sha256sum
  } | sha256sum | cut -c1-16
}
KEY=$(key)
OUT="$CACHE/$KVER/$KEY"
if [ $FORCE = 0 ] && [ -f "$OUT/initrd.img" ] && [ -f "$OUT/vmlinuz" ]; then
  touch "$OUT"
  echo "KERNEL=$OUT/vmlinuz"; echo "INITRD=$OUT/initrd.img"; exit 0
fi
mkdir -p "$OUT"
# images of other script versions not used for a week
find "$CACHE" -mindepth 2 -maxdepth 2 -type d -mtime +7 -exec rm -rf {} + 2>/dev/null || true

# --- download (cached .debs are reused)
fetch() { # pkg...
  local p need=()
  for p in "$@"; do ls "$DEBS/${p}_"*.deb >/dev/null 2>&1 || need+=("$p"); done
  [ ${#need[@]} = 0 ] && return 0
  log "apt-get download ${need[*]}"
  # _apt cannot write to root-owned dirs; download in a world-writable tmp then move.
  local tmp; tmp=$(mktemp -d); chmod 777 "$tmp"
  if ! (cd "$tmp" && apt-get download "${need[@]}" >&2); then
    log "apt-get download failed; running apt-get update once and retrying"
    apt-get update -qq >&2 || die "apt-get update failed"
    (cd "$tmp" && apt-get download "${need[@]}" >&2) || { rm -rf "$tmp"; die "apt-get download ${need[*]} failed"; }
  fi
  mv "$tmp"/*.deb "$DEBS/"; rm -rf "$tmp"
}
fetch "$KPKG" busybox-static
[ $IGB = 1 ] && fetch "linux-headers-$KVER" "linux-headers-$KABI-common" "linux-kbuild-$KSERIES" dpdk-kmods-dkms

WORK=$(mktemp -d "$CACHE/.work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
X="$WORK/x"; R="$WORK/root"; mkdir -p "$X" "$R"
for d in "$DEBS/${KPKG}_"*.deb "$DEBS/busybox-static_"*.deb; do dpkg -x "$d" "$X"; done
cp "$X/boot/vmlinuz-$KVER" "$WORK/vmlinuz"
depmod -b "$X" "$KVER" || die "depmod on the extracted kernel failed"
MODDIR="$X/lib/modules/$KVER"

# --- initramfs skeleton (merged /usr like the host, so ldd paths work as-is)
mkdir -p "$R"/{usr/bin,usr/sbin,usr/lib/x86_64-linux-gnu,usr/lib64,proc,sys,dev,tmp,var/run,etc/vs,dev/hugepages,usr/lib/modules}
ln -s usr/bin "$R/bin"; ln -s usr/sbin "$R/sbin"; ln -s usr/lib64 "$R/lib64"
ln -s usr/lib "$R/lib"
cp "$X/bin/busybox" "$R/usr/bin/busybox"
install -m 0755 "$HERE/guest-init.sh" "$R/init"

# Modules: for each group, the transitive deps from modules.dep in load order.
declare -A SEEN
resolve() { # module-relpath -> prints deps first, then itself
  local m=$1 d
  [ -n "${SEEN[$m]:-}" ] && return 0
  SEEN[$m]=1
  for d in $(awk -F: -v m="$m" '$1==m{print $2}' "$MODDIR/modules.dep"); do resolve "$d"; done
  echo "$m"
}
modpath() { # module name -> relpath (or empty if builtin)
  local n=$1 p
  grep -qE "/$n\.ko(\..*)?$" "$MODDIR/modules.builtin" && return 0
  p=$(awk -F: -v n="$n" '{f=$1; sub(/.*\//,"",f); sub(/\.ko(\..*)?$/,"",f); if (f==n) {print $1; exit}}' "$MODDIR/modules.dep")
  [ -n "$p" ] || die "kernel module $n not in $KVER"
  echo "$p"
}
group() { # name mods...
  local g=$1; shift; local n p m
  : > "$R/etc/vs/mods.$g"
  SEEN=()
  for n in "$@"; do
    p=$(modpath "$n"); [ -z "$p" ] && continue
    for m in $(resolve "$p"); do
      mkdir -p "$R/usr/lib/modules/$(dirname "$m")"
      case $m in
        *.ko.xz) xz -dc "$MODDIR/$m" > "$R/usr/lib/modules/${m%.xz}"; m=${m%.xz} ;;
        *.ko.zst) zstd -qdc "$MODDIR/$m" > "$R/usr/lib/modules/${m%.zst}"; m=${m%.zst} ;;
        *) cp "$MODDIR/$m" "$R/usr/lib/modules/$m" ;;
      esac
      echo "$m" >> "$R/etc/vs/mods.$g"
    done
  done
}
group kernel virtio_pci virtio_net
group uio_pci_generic uio_pci_generic
group vfio-pci vfio_iommu_type1 vfio-pci
group igb_uio uio

# --- igb_uio, built against the guest kernel's headers (extracted, not installed)
if [ $IGB = 1 ]; then
  H="$WORK/h"; mkdir -p "$H"
  for p in "linux-headers-$KVER" "linux-headers-$KABI-common" "linux-kbuild-$KSERIES" dpdk-kmods-dkms; do
    dpkg -x "$DEBS/${p}_"*.deb "$H"
  done
  KB="$H/usr/src/linux-headers-$KVER"
  # The flavour Makefile includes the common one by absolute path: point it into $H.
  sed -i "s|include /usr/src/|include $H/usr/src/|" "$KB/Makefile"
  SRC=$(ls -d "$H"/usr/src/dpdk-kmods-* | head -1)
  command -v gcc >/dev/null && command -v make >/dev/null || die "igb_uio needs gcc and make (apt-get install gcc make) or use --no-igb-uio"
  log "building igb_uio for $KVER"
  make -s -C "$KB" M="$SRC" MODULE_CFLAGS=-fno-PIE modules >"$WORK/igb.log" 2>&1 \
    || { cat "$WORK/igb.log" >&2; die "igb_uio build failed (see above); --no-igb-uio skips it"; }
  mkdir -p "$R/usr/lib/modules/extra"
  cp "$SRC/igb_uio.ko" "$R/usr/lib/modules/extra/igb_uio.ko"
  echo "extra/igb_uio.ko" >> "$R/etc/vs/mods.igb_uio"
fi

# --- dpdk-testpmd, its libraries, the virtio and ring-mempool PMD plugins
copy_with_libs() { # file...
  local f l
  for f in "$@"; do
    for l in $(ldd "$f" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
      [ -e "$R$l" ] || cp -L "$l" "$R$l"
    done
  done
}
cp -L "$TESTPMD" "$R/usr/bin/dpdk-testpmd"
mkdir -p "$R$PMDDIR"
for p in net_virtio mempool_ring; do
  src=$(ls "$PMDDIR"/librte_${p}.so.*.* | head -1)
  [ -n "$src" ] || die "PMD $p not found in $PMDDIR"
  # EAL skips plugin files named *.so.NN; *.so is loaded.
  cp -L "$src" "$R$PMDDIR/librte_${p}.so"
  copy_with_libs "$src"
done
copy_with_libs "$TESTPMD"
for l in /lib/x86_64-linux-gnu/libgcc_s.so.1; do cp -L "$l" "$R$l"; done  # pthread_cancel/unwind dlopens it

# --- pack
(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) > "$WORK/initrd.img"
mv "$WORK/vmlinuz" "$OUT/vmlinuz"; mv "$WORK/initrd.img" "$OUT/initrd.img"
log "guest built: $OUT ($(du -h "$OUT/initrd.img" | cut -f1) initrd)"
echo "KERNEL=$OUT/vmlinuz"; echo "INITRD=$OUT/initrd.img"
