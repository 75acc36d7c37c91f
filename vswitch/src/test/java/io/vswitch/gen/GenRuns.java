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

/** Running bin/vswitch-gen as its own process (EAL once per process) and checking its JSON. */
final class GenRuns {
    private GenRuns() {}

    static final Path GEN = Dpdk.REPO.resolve("bin/vswitch-gen");
    static final Path VSWITCH = Dpdk.REPO.resolve("bin/vswitch");

    /** CPU for the generator's loop and CPU for the peer: distinct when the machine has two. */
    static int[] cpus() {
        List<Integer> c = io.vswitch.dpdk.Lcore.allowedCpus();
        return new int[] {c.get(0), c.get(c.size() - 1)};
    }

    /** Runs the generator to completion; returns its parsed JSON report, after checking exit 0. */
    static JsonNode run(Path dir, String name, Path socket, int queues, List<String> extra) throws Exception {
        Path json = dir.resolve(name + ".json");
        List<String> cmd = new ArrayList<>(List.of(GEN.toString(), "--vdev", "net_virtio_user0,path=" + socket + ",queues=" + queues,
                "--lcores", Integer.toString(cpus()[0]), "--file-prefix", Dpdk.prefix("gen"), "--no-huge", "-m", "512",
                "--json", json.toString()));
        cmd.addAll(extra);
        try (Proc gen = Proc.start(name, cmd, dir)) {
            int code = gen.waitFor(Duration.ofSeconds(120));
            assertEquals(0, code, "vswitch-gen exit code; log:\n" + gen.tail());
            String out = gen.output();
            assertTrue(out.contains("L2 Gbps counts frames incl. FCS, line Gbps adds 20 B/frame"), out);
            assertTrue(out.lines().anyMatch(l -> l.startsWith("total ")), "a total row: " + out);
            assertTrue(Files.exists(json), "no JSON written; log:\n" + gen.tail());
            return Json.MAPPER.readTree(Files.readString(json));
        }
    }

    static double num(JsonNode m, String key) {
        JsonNode v = m.get(key);
        assertTrue(v != null && v.isNumber(), () -> key + " is not a number: " + v + " in " + keys(m));
        return v.doubleValue();
    }

    /** The member names of an object, for messages. */
    static List<String> keys(JsonNode o) {
        List<String> k = new ArrayList<>();
        o.fieldNames().forEachRemaining(k::add);
        return k;
    }

    static JsonNode queues(JsonNode top) {
        JsonNode q = top.get("queues");
        assertTrue(q != null && q.isArray(), "queues is not an array: " + q);
        return q;
    }

    static JsonNode latency(JsonNode m) {
        JsonNode l = m.get("latency_ns");
        assertTrue(l != null && l.isObject(), "latency_ns is not an object: " + l);
        return l;
    }

    /**
     * The checks every low-rate run must pass: the JSON contract, nothing lost, duplicated or
     * foreign, every queue carrying traffic, latency recorded for every frame, and no allocation
     * per frame by the loops in the measured window.
     */
    static void assertLossless(JsonNode top, int queues) {
        assertLossless(top, queues, () -> "");
    }

    /** As above; {@code peerLog} (the peer's output) is shown when frames went missing. */
    static void assertLossless(JsonNode top, int queues, java.util.function.Supplier<String> peerLog) {
        for (String k : List.of("tx_pps", "rx_pps", "loss_ratio", "latency_ns", "queues", "tx_packets", "rx_packets"))
            assertTrue(top.has(k), () -> "JSON lacks " + k + ": " + keys(top));
        for (String k : List.of("min", "p50", "p90", "p99", "p999", "max"))
            assertTrue(latency(top).has(k), "latency_ns lacks " + k);
        double tx = num(top, "tx_packets"), rx = num(top, "rx_packets");
        assertTrue(tx > 1000, "sent only " + tx + " frames");
        assertEquals(tx, rx, () -> "rx == tx; the peer's log (its drops, if any):\n" + peerLog.get());
        assertEquals(0.0, num(top, "loss_ratio"));
        assertEquals(0.0, num(top, "duplicates"));
        assertEquals(0.0, num(top, "foreign"));
        assertEquals(0.0, num(top, "other_stream"), "every frame came back on the queue that sent it");
        assertTrue(num(top, "tx_pps") > 0 && num(top, "rx_pps") == num(top, "tx_pps"));
        assertEquals(rx, num(latency(top), "samples"), "every frame timed");
        assertTrue(num(latency(top), "p50") > 0, "latency p50 > 0");
        assertTrue(num(latency(top), "max") >= num(latency(top), "p99"));
        // No allocation per frame by the TX/RX loops, end to end: one object per frame would be at
        // least 16 B a frame, 128 times this bound. A one-off of up to 1 KB in a window is the JIT's
        // (a deoptimisation rematerialises escape-analysed objects on the loop's thread: 192 B once
        // in ten runs here, with the AOT cache); ZeroAllocationTest proves exactly 0 per frame in
        // process, over 10^6 frames.
        double alloc = num(top, "loop_allocated_bytes");
        assertTrue(alloc >= 0 && alloc <= Math.min(1024, tx / 8), "bytes the TX/RX loops allocated in the measured"
                + " window: " + alloc + " over " + tx + " frames");
        assertEquals(0.0, num(top, "alloc_failures"));
        if (!top.has("ndr") && num(top, "duration_s") >= 1) {
            JsonNode per = top.get("rx_pps_per_second");
            assertTrue(per != null && per.isArray() && per.size() >= 1, "a received rate per second of the window: " + per);
            for (JsonNode v : per) assertTrue(v.asDouble() > 0, "frames came back in every second: " + per);
        }
        JsonNode qs = queues(top);
        assertEquals(queues, qs.size());
        double sum = 0;
        for (int q = 0; q < queues; q++) {
            JsonNode m = qs.get(q);
            assertEquals(q, (int) num(m, "queue"));
            assertTrue(num(m, "tx_packets") > 0, "queue " + q + " sent nothing");
            assertEquals(num(m, "tx_packets"), num(m, "rx_packets"), "queue " + q + " rx == tx");
            assertEquals(0.0, num(m, "other_stream"), "queue " + q + ": frames of another queue");
            assertTrue(num(latency(m), "p50") > 0);
            sum += num(m, "rx_packets");
        }
        assertEquals(rx, sum, "queues add up to the total");
    }
}
