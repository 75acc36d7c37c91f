package io.vswitch.vm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Everything that describes one guest run. Used as a picocli mixin by {@link VmCommand}
 * and built in code by tests and the bench ({@link GuestRun}).
 */
public final class VmSpec {
    public enum Memory { auto, hugepages, memfd }
    public enum Accel { auto, kvm, tcg }

    @Option(names = "--qemu", description = "QEMU binary (default: ${DEFAULT-VALUE})")
    public String qemu = "qemu-system-x86_64";

    @Option(names = "--kernel", description = "guest kernel (default: built by vm-scripts/build-guest.sh)")
    public Path kernel;

    @Option(names = "--initrd", description = "guest initramfs (default: built by vm-scripts/build-guest.sh)")
    public Path initrd;

    @Option(names = "--memory", description = "guest memory in MB (default: ${DEFAULT-VALUE})")
    public int memoryMb = 512;

    @Option(names = "--vcpus", description = "guest vCPUs (default: ${DEFAULT-VALUE})")
    public int vcpus = 2;

    @Option(names = "--socket", description = "vhost-user socket of a NIC; repeat for more NICs (default: /tmp/sock0)")
    public List<Path> sockets = new ArrayList<>();

    @Option(names = "--queues", description = "queue pairs per NIC (default: ${DEFAULT-VALUE})")
    public int queues = 1;

    @Option(names = {"--vhost-server", "--server"}, description = {
            "QEMU owns the socket (chardev server=on,wait=off) and the switch connects to it: a vhost-user-client",
            "port (vswitchctl add-port NAME --type vhost-user-client --path SOCK, or --vdev net_vhost0,iface=SOCK,client=1).",
            "QEMU waits for the switch's first connection before the guest runs; after that the VM keeps running while",
            "the switch restarts, and the switch reconnects. The recommended way for VMs."})
    public boolean server;

    @Option(names = "--reconnect", description = "as socket client, reconnect after N seconds when the switch goes away (0 = off)")
    public int reconnect;

    @Option(names = "--mem-backend", description = "guest memory: auto (hugepages when enough are free, else memfd), hugepages, memfd (default: ${DEFAULT-VALUE})")
    public Memory memBackend = Memory.auto;

    @Option(names = "--huge-dir", description = "hugetlbfs mount (default: first 2 MB hugetlbfs in /proc/mounts)")
    public Path hugeDir;

    @Option(names = "--accel", description = "auto (KVM only when it really works), kvm, tcg (default: ${DEFAULT-VALUE})")
    public Accel accel = Accel.auto;

    @Option(names = "--vectors", description = "MSI-X vectors per NIC (default: 2N+2, or 0 where QEMU needs it; see the notes)")
    public Integer vectors;

    @Option(names = "--iommu", description = "emulated intel-iommu + iommu_platform NIC (needed by vfio-pci in the guest)")
    public boolean iommu;

    @Option(names = "--mode", description = "guest workload: ping (kernel driver), pinglog (one long ping printing every reply as VSPING seq=N) or dpdk (testpmd in the guest) (default: ${DEFAULT-VALUE})")
    public String mode = "ping";

    @Option(names = "--driver", description = "guest driver for dpdk mode: uio_pci_generic, igb_uio, vfio-pci (vfio-pci implies --iommu) (default: ${DEFAULT-VALUE})")
    public String driver = "uio_pci_generic";

    @Option(names = "--size", description = "frame size for testpmd in the guest (default: ${DEFAULT-VALUE})")
    public int size = 64;

    @Option(names = "--duration", description = "seconds of guest traffic in dpdk mode (default: ${DEFAULT-VALUE})")
    public int duration = 5;

    @Option(names = "--count", description = "echo requests per queue in ping mode, in all in pinglog mode (default: ${DEFAULT-VALUE})")
    public int count = 10;

    @Option(names = "--interval", description = "seconds between echo requests in pinglog mode (default: ${DEFAULT-VALUE})")
    public String interval = "0.2";

    @Option(names = "--fwd", description = "testpmd engine in the guest: flowgen (counts RX) or txonly (default: ${DEFAULT-VALUE})")
    public String fwd = "flowgen";

    @Option(names = "--pin", split = ",", description = "host CPU for each vCPU in order, e.g. --pin 2,3 pins vCPU0 to CPU2 and vCPU1 to CPU3")
    public List<Integer> pin = new ArrayList<>();

    @Option(names = "--append", description = "extra kernel command line")
    public String append = "";

    @Option(names = "--qemu-arg", description = "extra QEMU argument, repeatable")
    public List<String> qemuArgs = new ArrayList<>();

    @Option(names = "--run-dir", description = "where the serial log, QMP socket and QEMU output go (default: a new temp dir)")
    public Path runDir;

    @Option(names = "--timeout", description = "seconds to wait for the guest to power off (default: ${DEFAULT-VALUE})")
    public int timeout = 300;

    /** The effective socket list: /tmp/sock0 when none was given and the run is not NIC-less. */
    public List<Path> effectiveSockets() {
        return sockets.isEmpty() && !noNic ? List.of(Path.of("/tmp/sock0")) : sockets;
    }

    /** True to boot without any NIC (used by the pinning test). */
    public boolean noNic;

    public boolean wantsIommu() { return iommu || ("dpdk".equals(mode) && "vfio-pci".equals(driver)); }
}
