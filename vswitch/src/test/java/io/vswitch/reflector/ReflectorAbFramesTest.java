package io.vswitch.reflector;

import static io.vswitch.reflector.ReflectorFramesTest.exchange;
import static io.vswitch.reflector.ReflectorFramesTest.ipv4Udp;
import static io.vswitch.reflector.ReflectorFramesTest.swap;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dpdk.Eal;
import io.vswitch.dpdk.EthPort;
import io.vswitch.dpdk.Mempool;
import io.vswitch.testutil.Dpdk;
import io.vswitch.testutil.Proc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The known-frame check of {@link ReflectorFramesTest} with {@code --ab}: a 5tswap reflector whose
 * loop switches between base, prefetch and nolen every 20 ms; this JVM is the guest and sends
 * batches of indexed frames (60 to 1514 B) until each variant has reflected some in its own stats
 * intervals. Every frame comes back with MACs, IPs and ports swapped and nothing else changed.
 */
class ReflectorAbFramesTest {
    @Test
    void everyVariantReflects5tswapByteForByte(@TempDir Path tmp) throws Exception {
        Dpdk.requireEnvironment(false);
        Path sock = tmp.resolve("ab.sock");
        Path json = tmp.resolve("stats.json");
        try (Proc vs = Proc.start("vswitch-5tswap-ab", Dpdk.vswitch(List.of("--vdev", "net_vhost0,iface=" + sock,
                "--lcores", "1", "--mode", "5tswap", "--ab", "base,prefetch,nolen", "--ab-period", "0.02",
                "--stats-json", json.toString(), "--no-huge", "-m", "256", "--file-prefix", Dpdk.prefix("abf"))), tmp)) {
            vs.await("running; stop with", Duration.ofSeconds(30));
            Eal.init(List.of("guest", "-l", "0", "--no-huge", "-m", "512", "--file-prefix", Dpdk.prefix("guest"),
                    "--no-pci", "--vdev", "net_virtio_user0,path=" + sock));
            List<EthPort> ports = new ArrayList<>();
            Mempool pool = null;
            int baseline = -1;
            int afterClose = -2;
            int batches = 0;
            Map<String, Integer> busy = Map.of();
            try {
                pool = Mempool.create("guest", 8191, 0, 2176, 0);
                baseline = pool.inUse();
                EthPort p = ReflectorFramesTest.start(EthPort.byName("net_virtio_user0"), 1, pool, ports);
                vs.await("guest connected", Duration.ofSeconds(20));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (System.nanoTime() < deadline) {
                    List<byte[]> sent = new ArrayList<>();
                    for (int i = 0; i < 64; i++) {
                        sent.add(ipv4Udp(i + batches * 100_000, 60 + ((i * 7 + batches) % 23) * 63));
                    }
                    List<byte[]> back = exchange(p, 0, pool, sent);
                    for (int i = 0; i < sent.size(); i++) {
                        byte[] exp = sent.get(i).clone();
                        swap(exp, 0, 6, 6);
                        swap(exp, 26, 30, 4);
                        swap(exp, 34, 36, 2);
                        assertArrayEquals(exp, back.get(i), "5tswap, batch " + batches + ", frame " + i);
                    }
                    batches++;
                    Thread.sleep(7);
                    busy = ReflectorAbTest.busyIntervals(ReflectorAbTest.lines(json));
                    Map<String, Integer> b = busy;
                    if (ReflectorAbTest.VARIANTS.stream().allMatch(v -> ReflectorAbTest.busy(v, b) >= 2)) {
                        break;
                    }
                }
            } finally {
                for (EthPort e : ports) {
                    e.stop();
                    e.close();
                }
                if (pool != null) {
                    afterClose = pool.inUse();
                }
                Eal.cleanup();
            }
            Map<String, Integer> b = busy;
            assertTrue(ReflectorAbTest.VARIANTS.stream().allMatch(v -> ReflectorAbTest.busy(v, b) >= 2),
                    "each variant should have reflected frames in 2 intervals; after " + batches + " batches: " + b);
            assertEquals(baseline, afterClose, "guest pool not back to its baseline after the ports closed");
            assertEquals(0, vs.stop(Duration.ofSeconds(20)), vs.tail());
        }
    }
}
