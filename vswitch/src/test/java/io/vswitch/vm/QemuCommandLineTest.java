package io.vswitch.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The command line for given options (what --dry-run prints); no QEMU is started. */
class QemuCommandLineTest {
    static final QemuInfo QEMU72_TCG = new QemuInfo("qemu-system-x86_64", 7, 2, false, "test: no kvm");
    static final QemuInfo QEMU10_TCG = new QemuInfo("qemu-system-x86_64", 10, 0, false, "test: no kvm");
    static final QemuInfo QEMU72_KVM = new QemuInfo("qemu-system-x86_64", 7, 2, true, "test: kvm");
    static final QemuCommandLine.Paths P = new QemuCommandLine.Paths(
            Path.of("/k/vmlinuz"), Path.of("/k/initrd.img"), Path.of("/r/serial.log"), Path.of("/r/qmp.sock"));

    static VmSpec spec(int queues, String... sockets) {
        VmSpec s = new VmSpec();
        s.queues = queues;
        for (String x : sockets) s.sockets.add(Path.of(x));
        return s;
    }

    /** The value following option {@code opt}, the n-th time it occurs. */
    static String arg(List<String> a, String opt, int n) {
        for (int i = 0; i < a.size() - 1; i++) if (a.get(i).equals(opt) && n-- == 0) return a.get(i + 1);
        throw new AssertionError(opt + " not in " + a);
    }

    static List<String> values(List<String> a, String opt) {
        java.util.ArrayList<String> v = new java.util.ArrayList<>();
        for (int i = 0; i < a.size() - 1; i++) if (a.get(i).equals(opt)) v.add(a.get(i + 1));
        return v;
    }

    @Test
    void qemu72UnderTcgUsesIntxAndSaysWhy() {
        QemuCommandLine c = QemuCommandLine.build(spec(2, "/tmp/s0"), QEMU72_TCG, P, null, 0);
        List<String> a = c.argv();
        assertEquals("tcg", arg(a, "-accel", 0));
        assertEquals("max", arg(a, "-cpu", 0));
        assertEquals("q35", arg(a, "-machine", 0));
        assertEquals("socket,id=char0,path=/tmp/s0", arg(a, "-chardev", 0));
        assertEquals("vhost-user,id=net0,chardev=char0,queues=2", arg(a, "-netdev", 0));
        assertEquals("virtio-net-pci,netdev=net0,mac=52:54:00:00:00:01,vectors=0,mq=on", arg(a, "-device", 0));
        assertTrue(c.notes().stream().anyMatch(n -> n.startsWith("vectors: 0") && n.contains("segfaults")), c.notes().toString());
        assertEquals("file:/r/serial.log", arg(a, "-serial", 0));
        assertEquals("unix:/r/qmp.sock,server=on,wait=off", arg(a, "-qmp", 0));
        assertEquals("/k/vmlinuz", arg(a, "-kernel", 0));
        assertEquals("/k/initrd.img", arg(a, "-initrd", 0));
        assertTrue(arg(a, "-append", 0).contains("console=ttyS0"));
        assertTrue(arg(a, "-append", 0).contains("vs.queues=2"));
        assertFalse(a.contains("-S"), "not paused without --pin");
    }

    @Test
    void qemu10TakesMsixVectors2nPlus2() {
        List<String> a = QemuCommandLine.build(spec(2, "/tmp/s0"), QEMU10_TCG, P, null, 0).argv();
        assertTrue(arg(a, "-device", 0).contains("vectors=6"), a.toString());
        a = QemuCommandLine.build(spec(1, "/tmp/s0"), QEMU72_KVM, P, null, 0).argv();
        assertTrue(arg(a, "-device", 0).contains("vectors=4"), "KVM with QEMU 7.2 uses MSI-X: " + a);
        assertFalse(arg(a, "-device", 0).contains("mq=on"), "one queue: no mq");
        assertEquals("kvm", arg(a, "-accel", 0));
        assertEquals("host", arg(a, "-cpu", 0));
        VmSpec s = spec(1, "/tmp/s0");
        s.vectors = 3;
        assertTrue(arg(QemuCommandLine.build(s, QEMU72_TCG, P, null, 0).argv(), "-device", 0).contains("vectors=3"));
    }

    @Test
    void sharedMemoryHugepagesWhenEnoughFreeElseMemfd() {
        VmSpec s = spec(1, "/tmp/s0");
        s.memoryMb = 256;
        List<String> a = QemuCommandLine.build(s, QEMU72_TCG, P, Path.of("/dev/hugepages"), 128).argv();
        assertEquals("memory-backend-file,id=mem0,size=256M,mem-path=/dev/hugepages,share=on,prealloc=on", arg(a, "-object", 0));
        assertEquals("node,memdev=mem0", arg(a, "-numa", 0));
        assertEquals("256M", arg(a, "-m", 0));
        QemuCommandLine c = QemuCommandLine.build(s, QEMU72_TCG, P, Path.of("/dev/hugepages"), 127);
        assertEquals("memory-backend-memfd,id=mem0,size=256M,share=on", arg(c.argv(), "-object", 0));
        assertTrue(c.notes().stream().anyMatch(n -> n.contains("127 free")), c.notes().toString());
        s.memBackend = VmSpec.Memory.hugepages;
        assertThrows(IllegalArgumentException.class, () -> QemuCommandLine.build(s, QEMU72_TCG, P, null, 0));
    }

    @Test
    void vfioPciSetsUpTheEmulatedIommu() {
        VmSpec s = spec(1, "/tmp/s0");
        s.mode = "dpdk";
        s.driver = "vfio-pci";
        QemuCommandLine c = QemuCommandLine.build(s, QEMU72_TCG, P, null, 0);
        List<String> a = c.argv();
        assertEquals("q35,kernel-irqchip=split", arg(a, "-machine", 0));
        assertEquals("intel-iommu,intremap=on,device-iotlb=on", arg(a, "-device", 0), "the IOMMU must come before the NIC");
        assertTrue(arg(a, "-device", 1).endsWith(",disable-legacy=on,iommu_platform=on,ats=on"), a.toString());
        assertTrue(arg(a, "-append", 0).contains(" intel_iommu=on"));
        assertTrue(arg(a, "-append", 0).contains("vs.driver=vfio-pci"));
        assertTrue(c.notes().stream().anyMatch(n -> n.contains("iommu-support=1")), c.notes().toString());
    }

    @Test
    void serverReconnectAndSeveralNics() {
        VmSpec s = spec(2, "/tmp/a", "/tmp/b");
        s.server = true;
        List<String> a = QemuCommandLine.build(s, QEMU72_TCG, P, null, 0).argv();
        assertEquals(List.of("socket,id=char0,path=/tmp/a,server=on,wait=off", "socket,id=char1,path=/tmp/b,server=on,wait=off"), values(a, "-chardev"));
        assertEquals(List.of("vhost-user,id=net0,chardev=char0,queues=2", "vhost-user,id=net1,chardev=char1,queues=2"), values(a, "-netdev"));
        assertTrue(arg(a, "-device", 1).contains("netdev=net1,mac=52:54:00:00:00:02"));
        s.server = false;
        s.reconnect = 2;
        assertEquals("socket,id=char0,path=/tmp/a,reconnect=2", arg(QemuCommandLine.build(s, QEMU72_TCG, P, null, 0).argv(), "-chardev", 0));
        assertEquals("socket,id=char0,path=/tmp/a,reconnect-ms=2000", arg(QemuCommandLine.build(s, QEMU10_TCG, P, null, 0).argv(), "-chardev", 0));
        s.server = true;
        assertThrows(IllegalArgumentException.class, () -> QemuCommandLine.build(s, QEMU72_TCG, P, null, 0));
    }

    @Test
    void vhostServerMakesQemuOwnTheSocketAndSaysHowTheSwitchConnects() {
        VmCommand c = new VmCommand();
        new picocli.CommandLine(c).parseArgs("--vhost-server", "--socket", "/tmp/vm0.sock");
        assertTrue(c.spec.server, "--vhost-server");
        VmCommand old = new VmCommand();
        new picocli.CommandLine(old).parseArgs("--server");
        assertTrue(old.spec.server, "--server stays an alias");

        QemuCommandLine q = QemuCommandLine.build(c.spec, QEMU72_TCG, P, null, 0);
        List<String> a = q.argv();
        // QEMU listens and does not block the chardev on a client; no reconnect option (that is a client's)
        assertEquals(List.of("socket,id=char0,path=/tmp/vm0.sock,server=on,wait=off"), values(a, "-chardev"));
        assertEquals("vhost-user,id=net0,chardev=char0,queues=1", arg(a, "-netdev", 0));
        String note = q.notes().stream().filter(n -> n.startsWith("sockets:")).findFirst().orElseThrow();
        assertTrue(note.contains("client=1") && note.contains("vhost-user-client"), note);
        assertTrue(note.contains("first connection"), note);
        // the QMP socket is a server too, unrelated to the NIC
        assertEquals("unix:/r/qmp.sock,server=on,wait=off", arg(a, "-qmp", 0));
    }

    @Test
    void pinglogModeUsesTheKernelDriverAndPassesItsInterval() {
        VmSpec s = spec(1, "/tmp/s0");
        s.mode = "pinglog";
        s.count = 100000;
        s.interval = "0.5";
        String append = arg(QemuCommandLine.build(s, QEMU72_TCG, P, null, 0).argv(), "-append", 0);
        assertTrue(append.contains(" vs.mode=pinglog vs.driver=kernel "), append);
        assertTrue(append.contains(" vs.count=100000"), append);
        assertTrue(append.endsWith(" vs.interval=0.5"), append);
        assertFalse(arg(QemuCommandLine.build(spec(1, "/tmp/s0"), QEMU72_TCG, P, null, 0).argv(), "-append", 0).contains("vs.interval"),
                "only pinglog takes an interval");
        s.interval = "0.2 vs.mode=dpdk";
        assertThrows(IllegalArgumentException.class, () -> QemuCommandLine.build(s, QEMU72_TCG, P, null, 0));
    }

    @Test
    void pinningStartsPausedAndNeedsOneCpuPerVcpu() {
        VmSpec s = spec(1, "/tmp/s0");
        s.vcpus = 2;
        s.pin = List.of(1, 0);
        List<String> a = QemuCommandLine.build(s, QEMU72_TCG, P, null, 0).argv();
        assertTrue(a.contains("-S"), "paused until every vCPU thread is pinned");
        assertEquals("2", arg(a, "-smp", 0));
        s.pin = List.of(1);
        assertThrows(IllegalArgumentException.class, () -> QemuCommandLine.build(s, QEMU72_TCG, P, null, 0));
    }

    @Test
    void guestResultAndQmpParsing() throws Exception {
        GuestResult r = GuestResult.parse("[    9.1] VSRESULT mode=dpdk driver=igb_uio queues=2 status=ok tx_pkts=123 rx_pkts=120");
        assertEquals("igb_uio", r.get("driver"));
        assertEquals(120, r.getLong("rx_pkts"));
        assertTrue(r.ok());
        assertEquals("{\"driver\":\"igb_uio\",\"mode\":\"dpdk\",\"queues\":2,\"rx_pkts\":120,\"status\":\"ok\",\"tx_pkts\":123}", r.toJson());
        String reply = "{\"return\": [{\"props\": {\"core-id\": 0, \"thread-id\": 0, \"node-id\": 0, \"socket-id\": 1}, \"thread-id\": 4242, "
                + "\"qom-path\": \"/machine/unattached/device[1]\", \"cpu-index\": 1, \"target\": \"x86_64\"}, "
                + "{\"thread-id\": 4241, \"props\": {\"core-id\": 0, \"node-id\": 0, \"socket-id\": 0}, \"qom-path\": \"/machine/unattached/device[0]\", \"cpu-index\": 0, \"target\": \"x86_64\"}]}";
        assertEquals(List.of(new Qmp.Vcpu(0, 4241), new Qmp.Vcpu(1, 4242)), Qmp.parseVcpus(reply));
        assertEquals(List.of(), Qmp.parseVcpus("{\"return\": {}}"));
        assertEquals(List.of(), Qmp.parseVcpus("{\"return\": [{\"cpu-index\": 0, \"thread-id\": \"x\"}]}"));
        assertThrows(java.io.IOException.class, () -> Qmp.parseVcpus("{\"return\": ["));
    }

    @Test
    void guestResultJsonEscapesAndKeepsTextThatIsNotANumber() throws Exception {
        GuestResult r = GuestResult.parse("VSRESULT mode=ping note=a\"b\\c\u0001 id=007 n=-12 big=1234567890123456789 status=ok");
        String json = r.toJson();
        JsonNode o = Json.MAPPER.readTree(json);
        assertEquals("a\"b\\c\u0001", o.get("note").textValue());
        assertEquals("007", o.get("id").textValue());
        assertEquals(-12, o.get("n").longValue());
        assertTrue(o.get("n").isIntegralNumber());
        assertEquals("1234567890123456789", o.get("big").textValue(), "19 digits stay text, as before");
        List<String> keys = new ArrayList<>();
        o.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("big", "id", "mode", "n", "note", "status"), keys, "sorted");
    }
}
