package io.vswitch.vm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the QEMU command line for a {@link VmSpec} on a host described by {@link QemuInfo}.
 * Pure: no process is started, so the result can be unit-tested and printed by --dry-run.
 *
 * @param argv   the command line
 * @param notes  the decisions taken and why (KVM/TCG, MSI-X vectors, memory backend, IOMMU)
 */
public record QemuCommandLine(List<String> argv, List<String> notes) {

    /** Paths the run needs; chosen by the caller (GuestRun uses a run directory). */
    public record Paths(Path kernel, Path initrd, Path serialLog, Path qmpSocket) {}

    public static QemuCommandLine build(VmSpec s, QemuInfo q, Paths p) {
        return build(s, q, p, QemuInfo.hugetlbfsMount(), QemuInfo.freeHugepages());
    }

    /** As {@link #build(VmSpec, QemuInfo, Paths)} with the host's hugepage state given (for tests). */
    public static QemuCommandLine build(VmSpec s, QemuInfo q, Paths p, Path hugeMount, long freeHugepages) {
        if (s.queues < 1) throw new IllegalArgumentException("--queues must be >= 1");
        if (!s.interval.matches("[0-9]+(\\.[0-9]+)?")) throw new IllegalArgumentException("--interval must be seconds, e.g. 0.2: " + s.interval);
        if (s.vcpus < 1) throw new IllegalArgumentException("--vcpus must be >= 1");
        if (s.memoryMb < 128) throw new IllegalArgumentException("--memory must be >= 128 MB");
        if (s.server && s.reconnect > 0) throw new IllegalArgumentException("--reconnect applies to a client socket; with --server the switch reconnects");
        if (!s.pin.isEmpty() && s.pin.size() != s.vcpus) throw new IllegalArgumentException("--pin needs one host CPU per vCPU: " + s.vcpus + " given " + s.pin.size());
        List<String> a = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        boolean iommu = s.wantsIommu();

        a.add(q.binary());
        a.add("-name"); a.add("vswitch-guest");
        // accelerator
        boolean kvm = switch (s.accel) {
            case kvm -> true;
            case tcg -> false;
            case auto -> q.kvm();
        };
        if (s.accel == VmSpec.Accel.auto) notes.add((kvm ? "accel kvm: " : "accel tcg: ") + q.kvmReason());
        if (!kvm) notes.add("under TCG the guest's packet rates measure the emulator, not the switch");
        a.add("-machine"); a.add("q35" + (iommu ? ",kernel-irqchip=split" : ""));
        a.add("-accel"); a.add(kvm ? "kvm" : "tcg");
        // -cpu max gives the guest SSE4.2, which Debian's DPDK build needs
        a.add("-cpu"); a.add(kvm ? "host" : "max");
        a.add("-smp"); a.add(Integer.toString(s.vcpus));
        a.add("-m"); a.add(s.memoryMb + "M");

        // guest memory: must be shared so the vhost-user backend can map it
        String mem;
        long needPages = (s.memoryMb + 1) / 2;
        Path huge = s.hugeDir != null ? s.hugeDir : hugeMount;
        boolean useHuge = switch (s.memBackend) {
            case hugepages -> {
                if (huge == null) throw new IllegalArgumentException("--mem-backend hugepages: no hugetlbfs mounted (mount -t hugetlbfs nodev /dev/hugepages) and no --huge-dir");
                yield true;
            }
            case memfd -> false;
            case auto -> huge != null && freeHugepages >= needPages;
        };
        if (useHuge) {
            mem = "memory-backend-file,id=mem0,size=" + s.memoryMb + "M,mem-path=" + huge + ",share=on,prealloc=on";
            notes.add("memory: " + s.memoryMb + " MB of hugepages from " + huge + " (shared with the vhost-user backend)");
        } else {
            mem = "memory-backend-memfd,id=mem0,size=" + s.memoryMb + "M,share=on";
            notes.add("memory: memfd, shared with the vhost-user backend"
                    + (s.memBackend == VmSpec.Memory.auto ? " (not hugepages: " + (huge == null ? "no hugetlbfs mounted" : freeHugepages + " free 2 MB pages, " + needPages + " needed") + ")" : ""));
        }
        a.add("-object"); a.add(mem);
        a.add("-numa"); a.add("node,memdev=mem0");

        if (iommu) {
            // intremap needs the split irqchip; device-iotlb lets the NIC use ATS
            a.add("-device"); a.add("intel-iommu,intremap=on,device-iotlb=on");
            notes.add("iommu: emulated intel-iommu, NIC with iommu_platform/ats, guest intel_iommu=on; the switch's vhost vdev needs iommu-support=1");
        }

        // NICs
        int vectors;
        if (s.vectors != null) {
            vectors = s.vectors;
            notes.add("vectors: " + vectors + " (from --vectors)");
        } else if (!kvm && !q.atLeast(10, 0)) {
            vectors = 0;
            notes.add("vectors: 0 (INTx): QEMU " + q.version() + " under TCG segfaults when a vhost-user virtio-net device with MSI-X starts; QEMU >= 10 (bookworm-backports) takes 2N+2");
        } else {
            vectors = 2 * s.queues + 2;
            notes.add("vectors: " + vectors + " = 2*queues+2 (one per virtqueue, config, control)");
        }
        List<Path> socks = s.effectiveSockets();
        for (int i = 0; i < socks.size(); i++) {
            StringBuilder c = new StringBuilder("socket,id=char" + i + ",path=" + socks.get(i));
            if (s.server) c.append(",server=on,wait=off");
            else if (s.reconnect > 0) c.append(q.atLeast(9, 2) ? ",reconnect-ms=" + s.reconnect * 1000 : ",reconnect=" + s.reconnect);
            a.add("-chardev"); a.add(c.toString());
            a.add("-netdev"); a.add("vhost-user,id=net" + i + ",chardev=char" + i + ",queues=" + s.queues);
            StringBuilder d = new StringBuilder("virtio-net-pci,netdev=net" + i + ",mac=" + mac(i) + ",vectors=" + vectors);
            if (s.queues > 1) d.append(",mq=on");
            if (iommu) d.append(",disable-legacy=on,iommu_platform=on,ats=on");
            a.add("-device"); a.add(d.toString());
        }
        if (s.server) notes.add("sockets: QEMU is the server (server=on,wait=off); the switch connects with a vhost-user-client port (--vdev net_vhost0,iface=SOCK,client=1),"
                + " QEMU waits for that first connection before the guest runs (the vhost-user netdev waits even with wait=off), and after it"
                + " the switch may restart any number of times without restarting the VM: QEMU accepts the new connection on the same socket"
                + " and resumes the rings from the guest's used index (QEMU " + q.version() + " logs \"ring restore failed\" when the switch goes away: expected)");
        else if (s.reconnect > 0) notes.add("sockets: QEMU reconnects every " + s.reconnect + " s when the switch goes away");

        a.add("-kernel"); a.add(p.kernel().toString());
        a.add("-initrd"); a.add(p.initrd().toString());
        a.add("-append"); a.add(append(s, iommu));
        a.add("-nodefaults");
        a.add("-display"); a.add("none");
        a.add("-no-reboot");
        a.add("-serial"); a.add("file:" + p.serialLog());
        a.add("-qmp"); a.add("unix:" + p.qmpSocket() + ",server=on,wait=off");
        // Start paused when pinning, so no guest code runs before every vCPU is on its CPU.
        if (!s.pin.isEmpty()) a.add("-S");
        a.addAll(s.qemuArgs);
        return new QemuCommandLine(List.copyOf(a), List.copyOf(notes));
    }

    static String mac(int nic) { return String.format("52:54:00:00:00:%02x", nic + 1); }

    static String append(VmSpec s, boolean iommu) {
        StringBuilder b = new StringBuilder("console=ttyS0 quiet panic=-1");
        if (iommu) b.append(" intel_iommu=on");
        b.append(" vs.mode=").append(s.mode);
        b.append(" vs.driver=").append("ping".equals(s.mode) || "pinglog".equals(s.mode) ? "kernel" : s.driver);
        b.append(" vs.queues=").append(s.queues);
        b.append(" vs.size=").append(s.size);
        b.append(" vs.duration=").append(s.duration);
        b.append(" vs.count=").append(s.count);
        b.append(" vs.fwd=").append(s.fwd);
        if ("pinglog".equals(s.mode)) b.append(" vs.interval=").append(s.interval);
        if (!s.append.isBlank()) b.append(' ').append(s.append.strip());
        return b.toString();
    }

    /** The command line quoted for a shell, one option per line. */
    public String toShell() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < argv.size(); i++) {
            String x = argv.get(i);
            if (i > 0) b.append(x.startsWith("-") ? " \\\n  " : " ");
            b.append(x.matches("[A-Za-z0-9_./:=,@%+-]+") ? x : "'" + x.replace("'", "'\\''") + "'");
        }
        return b.toString();
    }
}
