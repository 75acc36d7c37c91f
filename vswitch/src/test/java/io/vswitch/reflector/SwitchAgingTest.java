package io.vswitch.reflector;

import static io.vswitch.reflector.ReflectorTestpmdTest.num;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Aging in the running switch: with {@code --mac-age 1}, sources that stop sending leave
 * the table, and the control thread's once-a-second sweep empties their slots (the stats'
 * {@code fdb_slots_used}, which only the sweep lowers, drops to 0; lookups alone would
 * merely ignore stale entries). No timing assertion: the test waits (bounded) for the
 * sweep, having first seen the sources learned.
 */
class SwitchAgingTest {
    @Test
    void idleSourcesAgeOutAndTheSweepFreesTheirSlots(@TempDir Path tmp) throws Exception {
        Dpdk.requireEnvironment(false);
        Path stats = tmp.resolve("stats.json");
        Path fdb = tmp.resolve("fdb.json");
        List<String> args = List.of("--mode", "switch", "--lcores", "1", "--no-huge", "-m", "512", "--file-prefix",
                Dpdk.prefix("swage"), "--mac-age", "1", "--stats", "0.25", "--stats-json", stats.toString(),
                "--fdb-json", fdb.toString(), "--vdev", "net_vhost0,iface=" + tmp.resolve("s0"), "--vdev",
                "net_vhost1,iface=" + tmp.resolve("s1"));
        try (Proc sw = Proc.start("vswitch-switch", Dpdk.vswitch(args), tmp)) {
            sw.await("running; stop with", Duration.ofSeconds(30));
            assertTrue(sw.output().contains("aging 1 s"), sw.tail());
            Eal.init(List.of("guest", "-l", "0", "--no-huge", "-m", "512", "--file-prefix", Dpdk.prefix("ageguest"),
                    "--no-pci", "--vdev", "net_virtio_user0,path=" + tmp.resolve("s0"), "--vdev",
                    "net_virtio_user1,path=" + tmp.resolve("s1")));
            List<EthPort> ports = new ArrayList<>();
            try (Arena arena = Arena.ofConfined()) {
                Mempool pool = Mempool.create("ageguest", 4095, 0, 2176, 0);
                for (int p = 0; p < 2; p++) {
                    EthPort port = EthPort.byName("net_virtio_user" + p);
                    port.configure(1, 1, 0);
                    port.setupRxQueue(0, 256, pool);
                    port.setupTxQueue(0, 256);
                    port.start();
                    ports.add(port);
                    sw.await("net_vhost" + p + ": guest connected", Duration.ofSeconds(20));
                }
                // 100 sources on port 0, broadcast: learned, flooded to port 1
                MemorySegment burst = arena.allocate(ValueLayout.ADDRESS, 32);
                for (int i = 0; i < 100; i += 20) {
                    assertEquals(0, vsshim_h.vs_pktmbuf_alloc_bulk(pool.pool, burst, 20));
                    for (int k = 0; k < 20; k++) {
                        long m = burst.getAtIndex(ValueLayout.JAVA_LONG, k);
                        byte[] f = SwitchMultiLcoreTest.frame(0xFF_FF_FF_FF_FF_FFL, 0x02_00_00_AA_00_00L + i + k, i + k);
                        MemorySegment.copy(f, 0, Mbufs.ALL, ValueLayout.JAVA_BYTE, Mbufs.data(m), f.length);
                        Mbufs.setLen(m, f.length);
                    }
                    int sent = Short.toUnsignedInt(vsshim_h.vs_eth_tx_burst((short) ports.get(0).id, (short) 0, burst,
                            (short) 20));
                    assertEquals(20, sent, "guest tx");
                }
                // learned: the per-port counter says so (whatever the age of the entries by now)
                JsonNode s = waitFor(stats, 0,
                        m -> num(m.get("ports").get(0).get("learned")) >= 100, sw, "100 sources learned");
                assertEquals(100, num(s.get("ports").get(0).get("learned")));
                assertEquals(100, num(s.get("ports").get(1).get("tx_pkts")), "floods delivered to port 1");
                // then idle: aged out and swept (only samples taken after the one above count)
                int after = Files.readAllLines(stats).size();
                s = waitFor(stats, after, m -> num(m.get("fdb_slots_used")) == 0, sw, "the sweep to empty every slot");
                assertEquals(0, num(s.get("fdb_entries")));
                Files.deleteIfExists(fdb);
                SwitchFramesTest.signal(sw.pid(), "USR1");
                long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (!Files.exists(fdb) && System.nanoTime() < until) {
                    Thread.sleep(50);
                }
                JsonNode dump = Json.MAPPER.readTree(Files.readString(fdb));
                assertEquals(0, num(dump.get("entries")), dump.toString());
                assertEquals(1, num(dump.get("max_age_s")));
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

    /** The first stats sample from line {@code from} on that satisfies {@code ok}, within 30 s. */
    static JsonNode waitFor(Path stats, int from, java.util.function.Predicate<JsonNode> ok,
                                       Proc sw, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        int seen = from;
        while (System.nanoTime() < deadline) {
            List<String> lines = Files.exists(stats) ? Files.readAllLines(stats) : List.of();
            for (; seen < lines.size(); seen++) {
                JsonNode m = Json.MAPPER.readTree(lines.get(seen));
                if ("stats".equals(m.get("type").textValue()) && ok.test(m)) {
                    return m;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no stats sample showed " + what + " within 30 s:\n" + sw.tail());
    }
}
