package io.vswitch.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import io.vswitch.testutil.Dpdk;
import io.vswitch.testutil.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generator's port pair ({@code --vdev} twice): each port sends to the other's MAC, and what
 * one port sent must come out of the other. A frame that came back out of the port that sent it
 * counts as another stream's ({@code other_stream}), so a lossless run with none proves every
 * frame crossed. Peers: testpmd io between two vhost ports (two queues each, queue q to queue q),
 * and our switch ({@code bin/vswitch --mode switch}) learning the two MACs.
 */
class GenPairTest {
    static JsonNode runPair(Path dir, String name, Path a, Path b, int queues, List<String> extra) throws Exception {
        Path json = dir.resolve(name + ".json");
        List<String> cmd = new ArrayList<>(List.of(GenRuns.GEN.toString(),
                "--vdev", "net_virtio_user0,path=" + a + ",queues=" + queues,
                "--vdev", "net_virtio_user1,path=" + b + ",queues=" + queues,
                "--lcores", Integer.toString(GenRuns.cpus()[0]), "--file-prefix", Dpdk.prefix("gpair"), "--no-huge", "-m", "512",
                "--json", json.toString()));
        cmd.addAll(extra);
        try (Proc gen = Proc.start(name, cmd, dir)) {
            assertEquals(0, gen.waitFor(Duration.ofSeconds(120)), "vswitch-gen exit code; log:\n" + gen.tail());
            String out = gen.output();
            assertTrue(out.contains("mbufs in use after port close: 0"), "every mbuf back to the pool:\n" + gen.tail());
            assertTrue(out.lines().anyMatch(l -> l.startsWith("stream ") && l.contains("tx pkts")), "rows are streams:\n" + out);
            return Json.MAPPER.readTree(Files.readString(json));
        }
    }

    static void assertBothDirections(JsonNode r, int queues) {
        GenRuns.assertLossless(r, 2 * queues);
        String streams = r.get("info").get("streams").asText();
        assertEquals(queues == 1 ? "0: net_virtio_user0 -> net_virtio_user1; 1: net_virtio_user1 -> net_virtio_user0"
                : "0-" + (queues - 1) + ": net_virtio_user0 -> net_virtio_user1; " + queues + "-" + (2 * queues - 1)
                        + ": net_virtio_user1 -> net_virtio_user0", streams);
    }

    static void awaitSocket(Path p) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Files.exists(p) && System.nanoTime() < deadline) Thread.sleep(50);
        assertTrue(Files.exists(p), "no socket at " + p);
    }

    @Test
    void testpmdIoCarriesEachPortsFramesToTheOther(@TempDir Path tmp) throws Exception {
        Dpdk.requireEnvironment(false);
        Path a = tmp.resolve("a.sock"), b = tmp.resolve("b.sock");
        int cpu = GenRuns.cpus()[1];
        List<String> tp = List.of(Dpdk.TESTPMD, "--lcores", "0@" + cpu + ",1@" + cpu, "--no-huge", "-m", "512",
                "--file-prefix", Dpdk.prefix("tpair"), "--no-pci", "--vdev", "net_vhost0,iface=" + a + ",queues=2",
                "--vdev", "net_vhost1,iface=" + b + ",queues=2", "--", "--forward-mode=io", "--rxq=2", "--txq=2",
                "--nb-cores=1", "--auto-start", "--stats-period=1", "--total-num-mbufs=16384");
        try (Proc peer = Proc.start("testpmd", tp, tmp)) {
            peer.await("Start automatic packet forwarding|Checking link statuses|Press enter to exit", Duration.ofSeconds(60));
            awaitSocket(b);
            JsonNode r = runPair(tmp, "pair-tpmd", a, b, 2, List.of("--rate", "20kpps", "--flows", "4", "--duration", "2"));
            assertBothDirections(r, 2);
            assertTrue(peer.alive(), "testpmd still running:\n" + peer.tail());
        }
    }

    @Test
    void ourSwitchForwardsEachPortsFramesToTheOther(@TempDir Path tmp) throws Exception {
        Dpdk.requireEnvironment(false);
        Path a = tmp.resolve("a.sock"), b = tmp.resolve("b.sock");
        List<String> sw = List.of(GenRuns.VSWITCH.toString(), "--mode", "switch", "--vdev", "net_vhost0,iface=" + a,
                "--vdev", "net_vhost1,iface=" + b, "--lcores", Integer.toString(GenRuns.cpus()[1]), "--no-huge", "-m", "512",
                "--file-prefix", Dpdk.prefix("swpair"), "--stats", "0");
        try (Proc peer = Proc.start("vswitch", sw, tmp)) {
            awaitSocket(a);
            awaitSocket(b);
            JsonNode r = runPair(tmp, "pair-sw", a, b, 1, List.of("--rate", "20kpps", "--flows", "1024", "--duration", "2"));
            assertBothDirections(r, 1);
            // The zero-loss search through the switch (what sweep --rate --switch-only runs first).
            JsonNode n = runPair(tmp, "pair-sw-ndr", a, b, 1, List.of("--ndr", "--trial", "1", "--ndr-precision", "20"));
            JsonNode res = n.get("ndr");
            assertTrue(res != null && res.isObject(), "an NDR result: " + GenRuns.keys(n));
            assertTrue(GenRuns.num(res, "ndr_pps") > 0 || GenRuns.num(res, "pdr_pps") > 0, "a zero- or low-loss rate found: " + res);
            assertEquals(0.0, GenRuns.num(n, "other_stream"), "every frame crossed the switch");
            assertTrue(peer.alive(), "the switch still running:\n" + peer.tail());
        }
    }
}
