package io.vswitch.sw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vswitch.bindings.generated.vsshim_h;
import io.vswitch.ctl.CtlClient;
import io.vswitch.ctl.VswitchctlCommand;
import io.vswitch.dpdk.Eal;
import io.vswitch.dpdk.EthPort;
import io.vswitch.dpdk.Mbufs;
import io.vswitch.dpdk.Mempool;
import io.vswitch.testutil.Dpdk;
import io.vswitch.testutil.Proc;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest that enables fewer queues than its port has: the switch on two lcores, two vhost
 * ports with two queue pairs; this JVM is both guests (virtio-user with queues=2). Guest a
 * uses both queue pairs; guest b configures one rx and one tx queue, so virtio-user enables
 * queue pair 0 only and leaves b's tx queue 1 (its rx ring 1) disabled. Frames a sends on
 * its queue 1 are switched by lcore 1, whose own tx queue of b is that disabled one: the
 * switch must send them on queue 0 instead, shared with lcore 0 under a lock, and drop
 * nothing. {@code show} says which queues b's guest enabled and where each lcore sends.
 */
class FewerQueuesTest {
    static final long MAC_A = 0x02_00_00_00_0a_00L;
    static final long MAC_B = 0x02_00_00_00_0b_00L;
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void lcoresSendOnTheQueuesTheGuestEnabledAndNothingIsDropped(@TempDir Path tmp) throws Exception {
        Dpdk.requireEnvironment(false);
        List<Integer> cpus = io.vswitch.dpdk.Lcore.allowedCpus();
        if (cpus.size() < 2) {
            throw new AssertionError("this test needs 2 CPUs (the switch on two lcores); this process may use " + cpus);
        }
        Path ctl = tmp.resolve("vs.ctl");
        List<String> args = new ArrayList<>(List.of("--mode", "switch", "--lcores", cpus.get(0) + "," + cpus.get(1),
                "--no-huge", "-m", "512", "--file-prefix", Dpdk.prefix("swfq"), "--ctl", ctl.toString(),
                "--vdev", "net_vhost0,iface=" + tmp.resolve("a.sock") + ",queues=2",
                "--vdev", "net_vhost1,iface=" + tmp.resolve("b.sock") + ",queues=2"));
        try (Proc sw = Proc.start("vswitch-switch", Dpdk.vswitch(args), tmp)) {
            sw.await("running; stop with", Duration.ofSeconds(30));
            assertTrue(sw.output().contains("lcore 0 (cpu " + cpus.get(0) + "): net_vhost0 q0, net_vhost1 q0")
                    && sw.output().contains("lcore 1 (cpu " + cpus.get(1) + "): net_vhost0 q1, net_vhost1 q1"), sw.tail());
            Eal.init(List.of("guests", "-l", Integer.toString(cpus.get(0)), "--no-huge", "-m", "512", "--file-prefix",
                    Dpdk.prefix("fqguests"), "--no-pci",
                    "--vdev", "net_virtio_user0,path=" + tmp.resolve("a.sock") + ",queues=2",
                    "--vdev", "net_virtio_user1,path=" + tmp.resolve("b.sock") + ",queues=2"));
            List<EthPort> ports = new ArrayList<>();
            try (Arena arena = Arena.ofConfined()) {
                Mempool pool = Mempool.create("fqguests", 8191, 0, 2176, 0);
                EthPort a = EthPort.byName("net_virtio_user0");
                a.configure(2, 2, 0);
                for (int q = 0; q < 2; q++) {
                    a.setupRxQueue(q, 512, pool);
                    a.setupTxQueue(q, 512);
                }
                a.start();
                ports.add(a);
                EthPort b = EthPort.byName("net_virtio_user1");
                b.configure(1, 1, 0);                            // queue pair 0 only: virtio-user enables just it
                b.setupRxQueue(0, 1024, pool);
                b.setupTxQueue(0, 1024);
                b.start();
                ports.add(b);
                sw.await("net_vhost0: guest connected", Duration.ofSeconds(20));
                sw.await("net_vhost0: guest rx queue 1 enabled", Duration.ofSeconds(20));
                sw.await("net_vhost0: guest tx queue 1 enabled", Duration.ofSeconds(20));
                sw.await("net_vhost1: guest connected", Duration.ofSeconds(20));
                sw.await("net_vhost1:.*lcores send on tx queues 0,0 \\(the guest enabled 0\\)", Duration.ofSeconds(20));

                MemorySegment burst = arena.allocate(ValueLayout.ADDRESS, 64);
                // b announces itself (learned on b), then a sends unicast to b on both its queues, so
                // both lcores send to b at once: every frame arrives, on b's one queue
                send(b, 0, pool, burst, frame(0xFF_FF_FF_FF_FF_FFL, MAC_B, 0), 1);
                drain(a, 0, burst, 1, null);
                int rounds = 50;
                int per = 16;
                BitSet seen = new BitSet();
                int got = 0;
                int id = 1;
                for (int r = 0; r < rounds; r++) {
                    for (int q = 0; q < 2; q++) {
                        byte[][] fs = new byte[per][];
                        for (int i = 0; i < per; i++) {
                            fs[i] = frame(MAC_B, MAC_A, id++);
                        }
                        send(a, q, pool, burst, fs);
                    }
                    got += drain(b, 0, burst, 2 * per, seen);
                    assertEquals((r + 1) * 2 * per, got, "round " + r + ": every frame a sent on either queue arrived"
                            + " on b's queue 0");
                }
                assertEquals(rounds * 2 * per, got, "every frame a sent on either queue arrived on b's queue 0");
                assertEquals(rounds * 2 * per, seen.cardinality(), "each once");
                JsonNode sb;
                try (CtlClient c = CtlClient.connect(ctl)) {
                    sb = c.call("port.stats", JSON.createObjectNode().put("name", "net_vhost1")).get("ports").get(0);
                }
                assertEquals(0, sb.get("drops").get("tx_full").asLong(), sb.toString());
                assertEquals(0, sb.get("drops").get("link_down").asLong(), sb.toString());
                assertEquals(rounds * 2 * per, sb.get("tx_packets").asLong(), sb.toString());

                // show: b's guest enabled tx queue 0 of 2, both lcores send on it (shared)
                JsonNode list;
                try (CtlClient c = CtlClient.connect(ctl)) {
                    list = c.call("port.list", null).get("ports");
                }
                JsonNode pb = list.get(1);
                assertEquals("net_vhost1", pb.get("name").asText());
                assertTrue(pb.get("txqs").get(0).get("enabled").asBoolean() && !pb.get("txqs").get(1).get("enabled")
                        .asBoolean(), pb.toString());
                assertTrue(!pb.get("rxqs").get(1).get("enabled").asBoolean(), pb.toString());
                for (JsonNode l : pb.get("lcores")) {
                    assertEquals(0, l.get("txq").asInt(), pb.toString());
                    assertTrue(l.get("shared").asBoolean(), pb.toString());
                }
                JsonNode pa = list.get(0);
                for (int l = 0; l < 2; l++) {
                    assertEquals(l, pa.get("lcores").get(l).get("txq").asInt(), "a keeps one queue per lcore: " + pa);
                    assertTrue(!pa.get("lcores").get(l).get("shared").asBoolean(), pa.toString());
                }
                StringWriter text = new StringWriter();
                assertEquals(0, VswitchctlCommand.run(new PrintWriter(text, true), new PrintWriter(text, true), "--ctl",
                        ctl.toString(), "show"));
                assertTrue(text.toString().contains("txqs enabled by the guest: 0 of 2")
                        && text.toString().contains("sends on txq 0 (shared, locked)"), text.toString());
            } finally {
                for (EthPort p : ports) {
                    p.stop();
                    p.close();
                }
                Eal.cleanup();
            }
            assertEquals(0, sw.stop(Duration.ofSeconds(20)), sw.tail());
        }
    }

    static byte[] frame(long dst, long src, int id) {
        ByteBuffer b = ByteBuffer.allocate(60);
        b.putShort((short) (dst >>> 32)).putInt((int) dst).putShort((short) (src >>> 32)).putInt((int) src);
        b.putShort((short) 0x88B5).putInt(id);
        return b.array();
    }

    static void send(EthPort p, int q, Mempool pool, MemorySegment burst, byte[] f, int unused) {
        send(p, q, pool, burst, new byte[][] {f});
    }

    static void send(EthPort p, int q, Mempool pool, MemorySegment burst, byte[][] fs) {
        assertEquals(0, vsshim_h.vs_pktmbuf_alloc_bulk(pool.pool, burst, fs.length));
        for (int i = 0; i < fs.length; i++) {
            long m = burst.getAtIndex(ValueLayout.JAVA_LONG, i);
            MemorySegment.copy(fs[i], 0, Mbufs.ALL, ValueLayout.JAVA_BYTE, Mbufs.data(m), fs[i].length);
            Mbufs.setLen(m, fs[i].length);
        }
        int sent = 0;
        long until = System.nanoTime() + 5_000_000_000L;
        while (sent < fs.length && System.nanoTime() < until) {
            sent += Short.toUnsignedInt(vsshim_h.vs_eth_tx_burst((short) p.id, (short) q,
                    burst.asSlice(8L * sent), (short) (fs.length - sent)));
        }
        assertEquals(fs.length, sent, "tx on queue " + q);
    }

    /** Receives {@code n} frames from (p, q) within 5 s, recording their ids; returns how many came. */
    static int drain(EthPort p, int q, MemorySegment burst, int n, BitSet ids) {
        int got = 0;
        long until = System.nanoTime() + 5_000_000_000L;
        while (got < n && System.nanoTime() < until) {
            int k = Short.toUnsignedInt(vsshim_h.vs_eth_rx_burst((short) p.id, (short) q, burst, (short) 64));
            for (int i = 0; i < k; i++) {
                long m = burst.getAtIndex(ValueLayout.JAVA_LONG, i);
                if (ids != null) {
                    ids.set(Mbufs.ALL.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN),
                            Mbufs.data(m) + 14));
                }
            }
            if (k > 0) {
                vsshim_h.vs_pktmbuf_free_bulk(burst, k);
            }
            got += k;
        }
        return got;
    }
}
