package io.vswitch.reflector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.bindings.generated.vsshim_h;
import io.vswitch.dpdk.Eal;
import io.vswitch.dpdk.EthPort;
import io.vswitch.dpdk.Mbufs;
import io.vswitch.dpdk.Mempool;
import io.vswitch.testutil.Dpdk;
import io.vswitch.testutil.Proc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The switch on two lcores, each with its own tx queue on every port: three vhost ports
 * with two queue pairs, so lcore 0 polls every port's queue 0 and lcore 1 every port's
 * queue 1 (the mapping the switch prints), and each lcore sends on its own tx queue. This
 * JVM is the three multiqueue guests. A frame a guest sends on queue q is received by
 * lcore q and so arrives on queue q of the ports it goes to: broadcast on every other
 * port, unicast (after learning, which both lcores share through the one MAC table) on
 * its port only, and byte for byte as sent.
 */
class SwitchMultiLcoreTest {
    static final int PORTS = 3;
    static final long[] MACS = {0x02_00_00_00_01_00L, 0x02_00_00_00_02_00L, 0x02_00_00_00_03_00L};

    @Test
    void eachLcoreSendsOnItsOwnTxQueueAndLearningIsShared(@TempDir Path tmp) throws Exception {
        Dpdk.requireEnvironment(false);
        List<String> args = new ArrayList<>(List.of("--mode", "switch", "--lcores", "0-1", "--no-huge", "-m", "512",
                "--file-prefix", Dpdk.prefix("swmq")));
        for (int p = 0; p < PORTS; p++) {
            args.addAll(List.of("--vdev", "net_vhost" + p + ",iface=" + tmp.resolve("s" + p) + ",queues=2"));
        }
        try (Proc sw = Proc.start("vswitch-switch", Dpdk.vswitch(args), tmp)) {
            sw.await("running; stop with", Duration.ofSeconds(30));
            assertTrue(sw.output().contains("lcore 0 (cpu 0): net_vhost0 q0, net_vhost1 q0, net_vhost2 q0")
                    && sw.output().contains("lcore 1 (cpu 1): net_vhost0 q1, net_vhost1 q1, net_vhost2 q1"), sw.tail());
            List<String> eal = new ArrayList<>(List.of("guest", "-l", "0", "--no-huge", "-m", "512", "--file-prefix",
                    Dpdk.prefix("mqguests"), "--no-pci"));
            for (int p = 0; p < PORTS; p++) {
                eal.addAll(List.of("--vdev", "net_virtio_user" + p + ",path=" + tmp.resolve("s" + p) + ",queues=2"));
            }
            Eal.init(eal);
            List<EthPort> ports = new ArrayList<>();
            Mempool pool = null;
            try (Arena arena = Arena.ofConfined()) {
                pool = Mempool.create("mqguests", 8191, 0, 2176, 0);
                for (int p = 0; p < PORTS; p++) {
                    EthPort port = EthPort.byName("net_virtio_user" + p);
                    port.configure(2, 2, 0);
                    for (int q = 0; q < 2; q++) {
                        port.setupRxQueue(q, 512, pool);
                        port.setupTxQueue(q, 512);
                    }
                    port.start();
                    ports.add(port);
                }
                for (int p = 0; p < PORTS; p++) {
                    sw.await("net_vhost" + p + ": guest connected", Duration.ofSeconds(20));
                    sw.await("net_vhost" + p + ": guest rx queue 1 enabled", Duration.ofSeconds(20));
                    sw.await("net_vhost" + p + ": guest tx queue 1 enabled", Duration.ofSeconds(20));
                }
                MemorySegment burst = arena.allocate(ValueLayout.ADDRESS, 32);
                int id = 1;
                for (int q = 0; q < 2; q++) {
                    // every guest announces itself with a broadcast on queue q: all others get it on queue q
                    for (int from = 0; from < PORTS; from++) {
                        byte[] f = frame(0xFF_FF_FF_FF_FF_FFL, MACS[from], id++);
                        send(ports.get(from), q, pool, burst, f);
                        for (int to = 0; to < PORTS; to++) {
                            if (to != from) {
                                assertArrayEquals(f, receiveOne(ports.get(to), q, burst, sw),
                                        "broadcast from port " + from + " queue " + q + " on port " + to);
                            }
                        }
                    }
                    // unicast to a MAC learned (possibly by the other lcore): only its port, same queue
                    for (int from = 0; from < PORTS; from++) {
                        int to = (from + 1) % PORTS;
                        byte[] f = frame(MACS[to], MACS[from], id++);
                        send(ports.get(from), q, pool, burst, f);
                        assertArrayEquals(f, receiveOne(ports.get(to), q, burst, sw),
                                "unicast " + from + " -> " + to + " on queue " + q);
                        // then a broadcast marker on the same queue: lcore q forwards in order, so if the
                        // unicast had also gone anywhere else, that copy would arrive before the marker
                        byte[] marker = frame(0xFF_FF_FF_FF_FF_FFL, MACS[from], id++);
                        send(ports.get(from), q, pool, burst, marker);
                        for (int other = 0; other < PORTS; other++) {
                            if (other != from) {
                                assertArrayEquals(marker, receiveOne(ports.get(other), q, burst, sw),
                                        "after the unicast " + from + " -> " + to + ", port " + other + " queue " + q
                                                + " must see only the marker");
                            }
                        }
                    }
                }
            } finally {
                for (EthPort p : ports) {
                    p.stop();
                    p.close();
                }
                Eal.cleanup();
            }
            assertEquals(0, sw.stop(Duration.ofSeconds(20)), sw.tail());
            assertTrue(sw.output().contains("summary after"), sw.tail());
        }
    }

    static byte[] frame(long dst, long src, int id) {
        ByteBuffer b = ByteBuffer.allocate(60);
        b.putShort((short) (dst >>> 32)).putInt((int) dst).putShort((short) (src >>> 32)).putInt((int) src);
        b.putShort((short) 0x88B5).putInt(id);
        return b.array();
    }

    static void send(EthPort p, int q, Mempool pool, MemorySegment burst, byte[] f) {
        assertEquals(0, vsshim_h.vs_pktmbuf_alloc_bulk(pool.pool, burst, 1));
        long m = burst.get(ValueLayout.JAVA_LONG, 0);
        MemorySegment.copy(f, 0, Mbufs.ALL, ValueLayout.JAVA_BYTE, Mbufs.data(m), f.length);
        Mbufs.setLen(m, f.length);
        assertEquals(1, vsshim_h.vs_eth_tx_burst((short) p.id, (short) q, burst, (short) 1), "tx on queue " + q);
    }

    /** The next frame on (p, q); fails if none arrives in 15 s or if more than one is waiting. */
    static byte[] receiveOne(EthPort p, int q, MemorySegment burst, Proc sw) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            int n = Short.toUnsignedInt(vsshim_h.vs_eth_rx_burst((short) p.id, (short) q, burst, (short) 32));
            if (n > 0) {
                byte[] f = new byte[0];
                for (int i = 0; i < n; i++) {
                    long m = burst.getAtIndex(ValueLayout.JAVA_LONG, i);
                    if (i == 0) {
                        f = new byte[Mbufs.dataLen(m)];
                        MemorySegment.copy(Mbufs.ALL, ValueLayout.JAVA_BYTE, Mbufs.data(m), f, 0, f.length);
                    }
                }
                vsshim_h.vs_pktmbuf_free_bulk(burst, n);
                assertEquals(1, n, "more than one frame on " + p.name + " queue " + q);
                return f;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("nothing on " + p.name + " queue " + q + " within 15 s\n" + sw.tail());
    }
}
