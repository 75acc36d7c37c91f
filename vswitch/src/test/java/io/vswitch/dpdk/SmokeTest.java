package io.vswitch.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.bindings.generated.vsshim_h;
import io.vswitch.testutil.Dpdk;
import io.vswitch.testutil.Proc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The joint, end to end: this JVM initialises EAL on hugepages, creates a mempool,
 * configures and starts a net_vhost port on a temporary socket; a real dpdk-testpmd
 * (virtio-user, txonly) connects and sends; the Java side receives through the shim's
 * rx burst, checks every frame (IPv4 ethertype, 64 B) and frees it. The pool drains
 * back to its baseline, and every process and socket is gone afterwards.
 */
class SmokeTest {
    static final int WANT = 20_000;

    @Test
    void javaReceivesWhatTestpmdSendsOverVhostUser(@TempDir Path tmp) throws Exception {
        Dpdk.requireEnvironment(true);
        Path sock = tmp.resolve("smoke.sock");
        Eal.init(List.of("vswitch-smoke", "-l", "0", "--file-prefix", Dpdk.prefix("smoke"), "--no-pci",
                "--vdev", "net_vhost0,iface=" + sock + ",queues=1"));
        EthPort port = null;
        Mempool pool = null;
        try {
            pool = Mempool.create("smoke", 8191, 256, 2176, 0);
            int baseline = pool.inUse();
            port = EthPort.byName("net_vhost0");
            assertEquals("net_vhost", port.info().driver());
            port.configure(1, 1, 0);
            port.setupRxQueue(0, 1024, pool);
            port.setupTxQueue(0, 1024);
            port.start();
            assertTrue(Files.exists(sock), "vhost socket not created at " + sock);

            long received = 0;
            long bad = 0;
            try (Proc peer = Proc.start("testpmd-txonly",
                    Dpdk.testpmdGuest(sock, 1, 1, "txonly", List.of("--txpkts=64")), tmp);
                 Arena arena = Arena.ofConfined()) {
                MemorySegment pkts = arena.allocate(ValueLayout.ADDRESS, 32);
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (received < WANT && System.nanoTime() < deadline) {
                    int n = Short.toUnsignedInt(vsshim_h.vs_eth_rx_burst((short) port.id, (short) 0, pkts, (short) 32));
                    for (int i = 0; i < n; i++) {
                        long m = pkts.getAtIndex(ValueLayout.JAVA_LONG, i);
                        long data = Mbufs.data(m);
                        int ethertype = Short.toUnsignedInt(Short.reverseBytes(Mbufs.ALL.get(ValueLayout.JAVA_SHORT, data + 12)));
                        if (ethertype != 0x0800 || Mbufs.dataLen(m) != 64 || Mbufs.pktLen(m) != 64) {
                            bad++;
                        }
                    }
                    vsshim_h.vs_pktmbuf_free_bulk(pkts, n);
                    received += n;
                    if (n == 0) {
                        if (!peer.alive()) {
                            throw new AssertionError("testpmd exited:\n" + peer.tail());
                        }
                        Thread.onSpinWait();
                    }
                }
                assertTrue(received >= WANT, "received " + received + " of " + WANT + " packets in 30 s; peer log:\n"
                        + peer.tail());
                assertEquals(0, bad, bad + " frames were not 64 B IPv4");
                assertEquals(0, peer.stop(Duration.ofSeconds(10)), "testpmd did not exit cleanly:\n" + peer.tail());
            }
            // What the peer still had queued is ours to drain; after that the pool is back to baseline.
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment pkts = arena.allocate(ValueLayout.ADDRESS, 32);
                int n;
                while ((n = Short.toUnsignedInt(vsshim_h.vs_eth_rx_burst((short) port.id, (short) 0, pkts, (short) 32))) > 0) {
                    vsshim_h.vs_pktmbuf_free_bulk(pkts, n);
                }
            }
            assertEquals(baseline, pool.inUse(), "mbufs leaked");
        } finally {
            if (port != null) {
                port.stop();
                port.close();
            }
            Eal.cleanup();
        }
        assertTrue(!Files.exists(sock), "vhost socket left behind at " + sock);
    }
}
