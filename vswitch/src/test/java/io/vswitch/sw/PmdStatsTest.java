package io.vswitch.sw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import io.vswitch.ctl.CtlClient;
import io.vswitch.ctl.RpcError;
import io.vswitch.testutil.Dpdk;
import io.vswitch.testutil.Proc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * pmd-stats against a real switch: nothing busy before traffic; under traffic the lcore is busy,
 * counts no more frames than its ports received, and its rx queues' shares add up to 100 %;
 * a clear starts afresh, and with the guests gone nothing is busy again.
 */
class PmdStatsTest {
    @TempDir Path tmp;
    Path ctl;

    JsonNode rpc(String method) throws RpcError {
        try (CtlClient c = CtlClient.connect(ctl)) {
            return c.call(method, null);
        }
    }

    long rxTotal() throws RpcError {
        long n = 0;
        for (JsonNode p : rpc("port.stats").get("ports")) {
            n += p.get("rx_packets").asLong();
        }
        return n;
    }

    Proc testpmd(String name, String mode) throws Exception {
        int cpu = io.vswitch.dpdk.Lcore.allowedCpus().get(0);
        return Proc.start(name, List.of("nice", "-n", "19", Dpdk.TESTPMD, "--lcores", "0@" + cpu + ",1@" + cpu,
                "--no-huge", "-m", "256", "--file-prefix", Dpdk.prefix("pmd-" + name), "--no-pci", "--vdev",
                "net_virtio_user0,path=" + tmp.resolve(name + ".sock") + ",queues=1,queue_size=1024", "--",
                "--forward-mode=" + mode, "--rxd=1024", "--txd=1024", "--nb-cores=1", "--auto-start", "--stats-period=1",
                "--total-num-mbufs=4096"), tmp);
    }

    @Test
    void busyRisesWithLoadAndAClearStartsAfresh() throws Exception {
        Dpdk.requireEnvironment(false);
        List<Integer> cpus = io.vswitch.dpdk.Lcore.allowedCpus();
        ctl = tmp.resolve("vs.ctl");
        List<Proc> procs = new ArrayList<>();
        try (Proc sw = Proc.start("vswitch", Dpdk.vswitch(List.of("--mode", "switch", "--lcores",
                Integer.toString(cpus.get(cpus.size() - 1)), "--no-huge", "-m", "512", "--file-prefix",
                Dpdk.prefix("pmd"), "--ctl", ctl.toString())), tmp)) {
            sw.await("running; stop with", Duration.ofSeconds(60));
            for (String n : List.of("a", "b")) {
                try (CtlClient c = CtlClient.connect(ctl)) {
                    c.call("port.add", Json.MAPPER.createObjectNode().put("name", n).put("type", "vhost-user")
                            .put("path", tmp.resolve(n + ".sock").toString()));
                }
            }
            JsonNode idle = rpc("pmd.stats").get("lcores").get(0);
            assertEquals(0, idle.get("frames").asLong(), idle.toString());
            assertEquals(0.0, idle.get("busy_pct").asDouble(), idle.toString());
            assertTrue(idle.get("idle_cycles").asLong() > 0, "an idle loop counts idle cycles: " + idle);
            assertEquals(2, idle.get("rxqs").size(), "it polls a and b: " + idle);

            procs.add(testpmd("b", "macswap"));
            procs.add(testpmd("a", "flowgen"));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (rxTotal() < 10_000 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            long before = rxTotal();
            assertTrue(before >= 10_000, "traffic flows: " + before + "\n" + sw.tail());
            rpc("pmd.clear");
            Thread.sleep(2000);
            JsonNode busy = rpc("pmd.stats");
            long after = rxTotal();
            JsonNode l = busy.get("lcores").get(0);
            long frames = l.get("frames").asLong();
            assertTrue(frames > 0 && frames <= after - before, "frames since the clear " + frames + " within what the"
                    + " ports received meanwhile (" + (after - before) + "): " + l);
            assertTrue(l.get("busy_pct").asDouble() > 0, l.toString());
            assertTrue(l.get("cycles_per_frame").asDouble() > 0, l.toString());
            double fpb = l.get("frames_per_burst").asDouble();
            assertTrue(fpb >= 1 && fpb <= 32, l.toString());
            double share = 0;
            for (JsonNode q : l.get("rxqs")) {
                share += q.get("busy_share_pct").asDouble();
            }
            assertEquals(100.0, share, 0.1, "the rx queues' shares add up: " + l);
            long polls = l.get("polls").asLong(), inHistogram = 0;
            for (JsonNode b : l.get("poll_histogram")) {
                inHistogram += b.get("polls").asLong();
            }
            assertEquals(polls, inHistogram, "every poll is in the histogram: " + l);
            assertTrue(polls >= l.get("bursts").asLong() && polls > 0, "polls with frames and without: " + l);
            JsonNode hist = l.get("poll_histogram");
            assertTrue(hist.get(hist.size() - 1).get("polls").asLong() > 0, "it ends at its longest bucket: " + l);
            assertEquals(hist.get(hist.size() - 1).get("under_us"), l.get("longest_poll").get("under_us"), l.toString());
            assertEquals(1L << (hist.size() - 1), l.get("longest_poll").get("under_us").asLong(), "powers of two us: " + l);
            assertTrue(busy.get("seconds").asDouble() >= 1.9, busy.toString());

            for (Proc p : procs) {
                p.stop(Duration.ofSeconds(60));
            }
            Thread.sleep(1000);
            rpc("pmd.clear");
            Thread.sleep(500);
            JsonNode quiet = rpc("pmd.stats").get("lcores").get(0);
            assertEquals(0, quiet.get("frames").asLong(), "no guest, no frames: " + quiet);
            assertEquals(0.0, quiet.get("busy_pct").asDouble(), quiet.toString());
            assertEquals(0, sw.stop(Duration.ofSeconds(20)), sw.tail());
        } finally {
            for (Proc p : procs) {
                p.close();
            }
        }
    }
}
