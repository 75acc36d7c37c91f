package io.vswitch.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real guests (TCG) against a real vhost-user backend in 5tswap mode ({@link VhostBackend}).
 * Nothing is skipped: a missing QEMU, testpmd or guest image fails with the reason.
 * No assertion is about time or rate; only packet counts.
 */
class GuestE2eTest {
    /** Virtqueue size (QEMU's default rx/tx_queue_size): at most this many packets per queue sit in a ring. */
    static final int RING = 256;

    @TempDir Path dir;

    VmSpec spec(String mode, String driver, int queues) {
        VmSpec s = new VmSpec();
        s.mode = mode;
        s.driver = driver;
        s.queues = queues;
        s.vcpus = 2;
        s.memoryMb = 512;
        s.memBackend = VmSpec.Memory.memfd;  // shared with the backend without taking others' hugepages
        s.duration = 3;
        s.count = 5;
        s.runDir = dir.resolve("vm");
        s.timeout = 180;
        return s;
    }

    record Run(GuestResult guest, VhostBackend.Stats backend) {}

    Run run(VmSpec s) throws Exception {
        try (VhostBackend b = VhostBackend.start(dir, s.queues, s.wantsIommu())) {
            s.sockets.add(b.socket());
            GuestRun.Outcome o = GuestRun.run(s, System.out);
            VhostBackend.Stats st = b.stop();
            GuestResult r = o.result();
            System.out.println(r.line());
            System.out.println("backend: rx=" + st.rx() + " tx=" + st.tx() + " tx_dropped=" + st.txDropped()
                    + " rx/queue=" + Arrays.toString(st.rxPerQueue()) + " tx/queue=" + Arrays.toString(st.txPerQueue()));
            assertEquals("ok", r.status(), "guest result: " + r.line() + " (serial log " + o.serialLog() + ")");
            assertEquals(0, o.exitCode(), "QEMU exit code");
            return new Run(r, st);
        }
    }

    void ping(int queues) throws Exception {
        VmSpec s = spec("ping", "kernel", queues);
        Run r = run(s);
        long expect = (long) s.count * queues;
        assertEquals(expect, r.guest().getLong("sent"), r.guest().line());
        assertEquals(expect, r.guest().getLong("received"), "every echo request must come back: " + r.guest().line());
        for (int q = 0; q < queues; q++) {
            assertEquals(s.count, r.guest().getLong("received_q" + q), "ping pinned to CPU " + q);
            assertTrue(r.backend().rxPerQueue()[q] > 0, "backend queue " + q + " carried no traffic: " + Arrays.toString(r.backend().rxPerQueue()));
        }
        // each request goes out, comes back as a request, is answered, and the answer comes back
        assertTrue(r.backend().rx() >= 2 * expect, "backend saw " + r.backend().rx() + " packets for " + expect + " pings");
    }

    void dpdk(String driver, int queues) throws Exception {
        VmSpec s = spec("dpdk", driver, queues);
        Run r = run(s);
        GuestResult g = r.guest();
        assertEquals(driver, g.get("driver"));
        long gtx = g.getLong("tx_pkts"), grx = g.getLong("rx_pkts");
        VhostBackend.Stats b = r.backend();
        long window = (long) queues * RING;
        assertTrue(gtx > 0 && grx > 0, "guest sent and received: " + g.line());
        // guest TX -> backend RX: only what was still in the guest's TX rings is missing
        assertTrue(b.rx() <= gtx && gtx - b.rx() <= window,
                "guest tx " + gtx + " vs backend rx " + b.rx() + " (window " + window + ")");
        // backend TX -> guest RX: only what was still in the guest's RX rings is missing
        assertTrue(grx <= b.tx() && b.tx() - grx <= window,
                "backend tx " + b.tx() + " vs guest rx " + grx + " (window " + window + ")");
        for (int q = 0; q < queues; q++) {
            assertTrue(b.rxPerQueue()[q] > 0, "backend queue " + q + " carried no traffic: " + Arrays.toString(b.rxPerQueue()));
        }
    }

    @Test void pingKernelDriverOneQueue() throws Exception { ping(1); }

    @Test void pingKernelDriverTwoQueues() throws Exception { ping(2); }

    @Test void dpdkUioPciGenericOneQueue() throws Exception { dpdk("uio_pci_generic", 1); }

    @Test void dpdkUioPciGenericTwoQueues() throws Exception { dpdk("uio_pci_generic", 2); }

    @Test void dpdkIgbUio() throws Exception { dpdk("igb_uio", 1); }

    @Test void dpdkVfioPciBehindEmulatedIommu() throws Exception { dpdk("vfio-pci", 1); }
}
