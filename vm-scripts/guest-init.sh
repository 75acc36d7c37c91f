#!/usr/bin/busybox sh
# /init of the vswitch test guest (busybox sh; no python, no udev).
#
# Parameters come from the kernel command line (vs.KEY=VALUE):
#   vs.mode=ping|pinglog|dpdk  kernel-driver ping through the switch; the same as one long ping
#                            that prints every reply as it comes ("VSPING seq=N", for a host that
#                            watches the guest while it restarts the switch); or dpdk-testpmd in the guest
#   vs.driver=kernel|uio_pci_generic|igb_uio|vfio-pci   (dpdk mode; ping always uses the kernel driver)
#   vs.queues=N              queue pairs to use (ping: one ping per queue, pinned to CPU q)
#   vs.size=B                frame size for testpmd (--txpkts)
#   vs.duration=S            seconds of traffic (dpdk mode)
#   vs.fwd=flowgen|txonly    testpmd engine (txonly never reads RX, so rx_pkts stays 0)
#   vs.count=N               echo requests per queue (ping mode), or in all (pinglog mode)
#   vs.interval=S            seconds between echo requests (pinglog mode; default 0.2)
#   vs.mbufs=N vs.hugepages=N (2 MB pages) vs.ip=A vs.peer=A vs.peermac=MAC
# Result: one line on the console, parsed by io.vswitch.vm.GuestResult:
#   VSRESULT mode=... status=ok|fail key=value ...
# then the guest powers off (QEMU exits).

export PATH=/usr/bin:/usr/sbin:/bin:/sbin
/usr/bin/busybox --install -s /usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /var/run
mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1

mode=ping driver=kernel queues=1 size=64 duration=5 fwd=flowgen count=10 interval=0.2
mbufs=4096 hugepages=64 ip=10.0.0.1 peer=10.0.0.2 peermac=02:00:00:00:00:02
for w in $(cat /proc/cmdline); do
  case $w in
    vs.*=*) k=${w%%=*}; k=${k#vs.}; v=${w#*=}
      case $k in *[!a-z]*) continue ;; esac
      case $v in *[!A-Za-z0-9_.:-]*) continue ;; esac
      eval "$k=\$v" ;;
  esac
done
case $mode in ping|pinglog) driver=kernel ;; esac

off() { sync; poweroff -f; sleep 30; }
result() { echo "VSRESULT mode=$mode driver=$driver queues=$queues $*"; }
fail() { echo "vs-init: FAIL: $*"; result "status=fail reason=$(echo "$*" | tr ' =' '_-')"; off; }

loadgroup() { # group name from /etc/vs/mods.<group>, deps first
  [ -f /etc/vs/mods.$1 ] || fail "no module group $1 in this initramfs"
  for m in $(cat /etc/vs/mods.$1); do
    n=$(basename "$m" .ko | tr - _)
    grep -q "^$n " /proc/modules && continue
    insmod /usr/lib/modules/$m || fail "insmod $m"
  done
}

# virtio-net PCI functions: vendor 0x1af4, device 0x1000 (transitional) or 0x1041 (modern)
nics() {
  for d in /sys/bus/pci/devices/*; do
    [ "$(cat $d/vendor)" = 0x1af4 ] || continue
    case $(cat $d/device) in 0x1000|0x1041) basename $d ;; esac
  done
}

bind() { # bdf driver
  dev=/sys/bus/pci/devices/$1
  if [ -e $dev/driver ]; then
    cur=$(basename "$(readlink $dev/driver)")
    [ "$cur" = "$2" ] && return 0
    echo "$1" > $dev/driver/unbind
  fi
  echo "$2" > $dev/driver_override
  echo "$1" > /sys/bus/pci/drivers_probe
  [ -e $dev/driver ] && [ "$(basename "$(readlink $dev/driver)")" = "$2" ] \
    || fail "binding $1 to $2 failed"
  echo "vs-init: $1 bound to $2"
}

ncpu=$(grep -c ^processor /proc/cpuinfo)
echo "vs-init: mode=$mode driver=$driver queues=$queues size=$size cpus=$ncpu kernel=$(uname -r)"

ping_if() { # bring up the first virtio-net interface with $ip, static neighbour $peer -> $peermac; sets $ifc
  loadgroup kernel
  i=0; ifc=
  while [ $i -lt 50 ]; do
    for n in /sys/class/net/*; do
      [ -e $n/device ] && { ifc=$(basename $n); break; }
    done
    [ -n "$ifc" ] && break
    sleep 0.1; i=$((i+1))
  done
  [ -n "$ifc" ] || fail "no virtio-net interface appeared"
  ip link set lo up
  ip link set "$ifc" up || fail "ip link set $ifc up"
  ip addr add "$ip/24" dev "$ifc" || fail "ip addr add"
  # busybox ip cannot add a static neighbour; arp -s can. The peer does not exist:
  # the switch in 5tswap mode turns each request into a packet back to us.
  arp -s "$peer" "$peermac" || fail "arp -s $peer $peermac"
  echo "vs-init: $ifc $(cat /sys/class/net/$ifc/address) -> $peer ($peermac)"
}

run_ping() {
  ping_if
  q=0
  while [ $q -lt $queues ]; do
    # virtio-net maps TX queue q to CPU q (XPS), so one ping per CPU uses every queue.
    taskset -c $((q % ncpu)) ping -c "$count" -i 0.2 -w $((count + 20)) "$peer" > /tmp/ping.$q 2>&1 &
    q=$((q+1))
  done
  wait
  sent=0; recv=0; per=
  q=0
  while [ $q -lt $queues ]; do
    cat /tmp/ping.$q | tail -3
    s=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' /tmp/ping.$q)
    r=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' /tmp/ping.$q)
    s=${s:-0}; r=${r:-0}
    sent=$((sent+s)); recv=$((recv+r)); per="$per sent_q$q=$s received_q$q=$r"
    q=$((q+1))
  done
  st=ok; [ "$sent" -gt 0 ] && [ "$recv" -eq "$sent" ] || st=loss
  result "status=$st sent=$sent received=$recv$per rx_bytes=$(cat /sys/class/net/$ifc/statistics/rx_bytes) tx_bytes=$(cat /sys/class/net/$ifc/statistics/tx_bytes)"
}

run_dpdk() {
  case $driver in
    uio_pci_generic) loadgroup uio_pci_generic ;;
    igb_uio) loadgroup igb_uio ;;
    vfio-pci)
      loadgroup vfio-pci
      [ -n "$(ls /sys/kernel/iommu_groups 2>/dev/null)" ] \
        || fail "vfio-pci needs an IOMMU: start the VM with --iommu (intel-iommu + intel_iommu=on)" ;;
    *) fail "unknown vs.driver=$driver (uio_pci_generic|igb_uio|vfio-pci)" ;;
  esac
  devs=$(nics); [ -n "$devs" ] || fail "no virtio-net PCI device"
  allow=
  for d in $devs; do bind "$d" "$driver"; allow="$allow -a $d"; done
  mkdir -p /dev/hugepages
  mount -t hugetlbfs nodev /dev/hugepages || fail "mount hugetlbfs"
  echo "$hugepages" > /proc/sys/vm/nr_hugepages
  got=$(cat /proc/sys/vm/nr_hugepages)
  [ "$got" -ge 16 ] || fail "only $got hugepages in the guest (give the VM more memory)"
  cores=$((ncpu - 1)); [ $cores -gt $queues ] && cores=$queues; [ $cores -lt 1 ] && fail "dpdk mode needs at least 2 vCPUs"
  set -- dpdk-testpmd -l 0-$cores -n 1 --file-prefix vsguest --huge-dir /dev/hugepages $allow \
    -- --forward-mode=$fwd --rxq=$queues --txq=$queues --nb-cores=$cores \
       --total-num-mbufs=$mbufs --txpkts=$size --stats-period 1
  echo "vs-init: $*"
  "$@" > /tmp/tp.log 2>&1 &
  pid=$!
  i=0
  while ! grep -q 'Port statistics' /tmp/tp.log; do
    kill -0 $pid 2>/dev/null || { tail -30 /tmp/tp.log; fail "dpdk-testpmd exited during start-up"; }
    sleep 0.2; i=$((i+1)); [ $i -gt 600 ] && { tail -30 /tmp/tp.log; kill -9 $pid; fail "dpdk-testpmd did not start forwarding in 120 s"; }
  done
  echo "vs-init: forwarding for ${duration}s"
  sleep "$duration"
  kill -INT $pid; wait $pid
  grep -q 'Accumulated forward statistics' /tmp/tp.log || { tail -30 /tmp/tp.log; fail "no final statistics from dpdk-testpmd"; }
  # Final totals from the accumulated block; rates from the last periodic block (sum over ports).
  sed -n '/Accumulated forward statistics/,/+++++++++++*$/p' /tmp/tp.log | sed 's/^/  /' | head -5
  awk '
    /Port statistics for port/ { p=$NF; if (seen[p]) { delete rxpps; delete txpps; delete seen } seen[p]=1 }
    /Rx-pps:/ { rxpps[p]=$2 } /Tx-pps:/ { txpps[p]=$2 }
    /Accumulated forward statistics/ { acc=1 }
    acc && /RX-packets:/ { rx=$2 } acc && /TX-packets:/ { tx=$2; acc=0 }
    END { r=0; t=0; for (k in rxpps) r+=rxpps[k]; for (k in txpps) t+=txpps[k];
          printf "tx_pkts=%d rx_pkts=%d tx_pps=%d rx_pps=%d\n", tx, rx, t, r }' /tmp/tp.log > /tmp/res
  # testpmd's per-period rates and totals, for a host that averages a window of periods itself
  # (vswitch-bench sweep --guest does, as it does with testpmd on the host): "VSLOG <testpmd line>".
  grep -E 'Port statistics|Rx-pps|Tx-pps|Accumulated forward|RX-packets|TX-packets' /tmp/tp.log | sed 's/^/VSLOG /'
  result "status=ok size=$size fwd=$fwd duration=$duration ports=$(echo $devs | wc -w) $(cat /tmp/res)"
}

# One ping, every reply printed when it arrives as "VSPING seq=N" (busybox ping numbers its
# requests from 0 and prints one line per reply), so a host can tell which requests were
# answered while it restarts the switch; then the totals in the VSRESULT line.
run_pinglog() {
  ping_if
  echo "vs-init: pinglog start count=$count interval=$interval"
  ping -c "$count" -i "$interval" "$peer" 2>&1 | while read -r l; do
    echo "$l" >> /tmp/pinglog
    case $l in *" seq="*) s=${l#* seq=}; echo "VSPING seq=${s%% *}" ;; esac
  done
  tail -3 /tmp/pinglog
  s=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' /tmp/pinglog)
  r=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' /tmp/pinglog)
  s=${s:-0}; r=${r:-0}
  st=ok; [ "$s" -gt 0 ] && [ "$r" -eq "$s" ] || st=loss
  result "status=$st sent=$s received=$r"
}

case $mode in
  ping) run_ping ;;
  pinglog) run_pinglog ;;
  dpdk) run_dpdk ;;
  *) fail "unknown vs.mode=$mode (ping|pinglog|dpdk)" ;;
esac
off
