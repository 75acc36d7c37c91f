package io.vswitch.reflector;

import static io.vswitch.reflector.ReflectorTestpmdTest.RING_TOLERANCE;
import static io.vswitch.reflector.ReflectorTestpmdTest.dbl;
import static io.vswitch.reflector.ReflectorTestpmdTest.num;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import io.vswitch.testutil.Dpdk;
import io.vswitch.testutil.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --ab base,prefetch,nolen --ab-period 0.5} on the real thing: a vswitch process in macswap
 * mode with dpdk-testpmd flowgen as the guest (virtio-user). Every variant carries frames in its
 * own stats intervals, the lines name the variants in turn, the counters reconcile as in
 * {@link ReflectorTestpmdTest} (guest tx vs reflector rx within a ring, rx - tx = drops), the
 * per-variant totals of the summary add up, the poll thread allocates nothing once every variant
 * has run, and the pool's mbufs come back to their baseline.
 * Nothing is asserted on rates.
 */
class ReflectorAbTest {
    static final List<String> VARIANTS = List.of("base", "prefetch", "nolen");

    @Test
    void variantsTakeTurnsAndTheCountersReconcile(@TempDir Path tmp) throws Exception {
        Dpdk.requireEnvironment(false);
        Path sock = tmp.resolve("sock0");
        Path json = tmp.resolve("stats.json");
        List<String> args = List.of("--vdev", "net_vhost0,iface=" + sock, "--lcores", "1", "--mode", "macswap",
                "--ab", String.join(",", VARIANTS), "--ab-period", "0.5", "--stats-json", json.toString(),
                "--no-huge", "-m", "256", "--file-prefix", Dpdk.prefix("ab"));
        try (Proc vs = Proc.start("vswitch", Dpdk.vswitch(args), tmp)) {
            vs.await("running; stop with", Duration.ofSeconds(30));
            assertTrue(vs.output().contains("A/B within this start: variants base,prefetch,nolen"), vs.tail());
            Thread.sleep(700); // one stats sample before traffic: the pool's baseline
            long guestTx;
            long guestRx;
            try (Proc guest = Proc.start("testpmd-flowgen", Dpdk.testpmdGuest(sock, 1, 0, "flowgen", List.of()), tmp)) {
                vs.await("guest connected", Duration.ofSeconds(20));
                // until every variant has carried frames in at least 3 of its intervals: two whole turns past the first
                long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                Map<String, Integer> busy = Map.of();
                while (System.nanoTime() < deadline) {
                    Thread.sleep(500);
                    Map<String, Integer> cur = busyIntervals(lines(json));
                    busy = cur;
                    if (VARIANTS.stream().allMatch(v -> busy(v, cur) >= 3)) {
                        break;
                    }
                }
                Map<String, Integer> b = busy;
                assertTrue(VARIANTS.stream().allMatch(v -> busy(v, b) >= 3), "variants' busy intervals: " + b
                        + "\n" + guest.tail());
                assertEquals(0, guest.stop(Duration.ofSeconds(15)), "testpmd exit:\n" + guest.tail());
                List<Matcher> rx = guest.all("RX-packets:\\s+(\\d+)\\s+RX-dropped:\\s+\\d+\\s+RX-total");
                List<Matcher> tx = guest.all("TX-packets:\\s+(\\d+)\\s+TX-dropped:\\s+\\d+\\s+TX-total");
                assertFalse(rx.isEmpty() || tx.isEmpty(), "no totals in testpmd output:\n" + guest.tail());
                guestRx = Long.parseLong(rx.get(rx.size() - 1).group(1));
                guestTx = Long.parseLong(tx.get(tx.size() - 1).group(1));
            }
            vs.await("guest disconnected", Duration.ofSeconds(10));
            Thread.sleep(1200); // a stats sample after traffic stopped
            assertEquals(0, vs.stop(Duration.ofSeconds(20)), "SIGTERM must exit 0:\n" + vs.tail());
            assertFalse(Files.exists(sock), "socket left behind");

            List<JsonNode> samples = lines(json);
            JsonNode summary = samples.get(samples.size() - 1);
            assertEquals("summary", summary.get("type").textValue());
            List<JsonNode> stats = samples.subList(0, samples.size() - 1);
            // the lines name the variants in turn, one period (one 0.5 s sample) each
            for (int i = 0; i < stats.size(); i++) {
                JsonNode s = stats.get(i);
                assertEquals("stats", s.get("type").textValue());
                assertEquals(VARIANTS.get(i % 3), s.get("variant").textValue(), "line " + i);
                assertEquals(i / 3, num(s.get("ab_round")), "line " + i);
                assertEquals(0, num(s.get("ab_sample")), "line " + i);
            }
            JsonNode q = summary.get("queues").get(0);
            long rxPkts = num(q.get("rx_pkts"));
            long txPkts = num(q.get("tx_pkts"));
            long drops = num(q.get("drops"));
            assertEquals(rxPkts - txPkts, drops, "every received mbuf is sent or freed-and-counted");
            assertTrue(Math.abs(guestTx - rxPkts) <= RING_TOLERANCE, "guest tx " + guestTx + " vs reflector rx " + rxPkts);
            assertTrue(Math.abs(txPkts - guestRx) <= RING_TOLERANCE, "reflector tx " + txPkts + " vs guest rx " + guestRx);

            // the summary's per-variant totals: every variant carried frames; they add up to the sampled totals
            JsonNode ab = summary.get("ab");
            long abRx = 0;
            long abTx = 0;
            long abDrops = 0;
            for (String v : VARIANTS) {
                JsonNode o = ab.get(v);
                assertTrue(o != null && num(o.get("rx_pkts")) > 0 && num(o.get("tx_pkts")) > 0, v + ": " + ab);
                abRx += num(o.get("rx_pkts"));
                abTx += num(o.get("tx_pkts"));
                abDrops += num(o.get("drops"));
            }
            JsonNode lastSample = stats.get(stats.size() - 1).get("queues").get(0);
            assertEquals(num(lastSample.get("rx_pkts")), abRx, "variants' rx add up to the last sample's");
            assertEquals(num(lastSample.get("tx_pkts")), abTx, "variants' tx add up to the last sample's");
            assertEquals(num(lastSample.get("drops")), abDrops, "variants' drops add up to the last sample's");
            assertEquals(rxPkts, num(lastSample.get("rx_pkts")), "nothing arrived after the last sample");

            // zero allocation on the A/B path: the poll thread allocates nothing once every variant ran
            // (the intervals of the second half of the traffic, well past each variant's first period)
            List<Long> perInterval = new ArrayList<>();
            for (JsonNode s : stats) {
                if ((long) (dbl(s.get("rx_pps")) * dbl(s.get("interval_s"))) > 0) {
                    long a = 0;
                    for (JsonNode d : s.get("poll_alloc_delta")) {
                        a += num(d);
                    }
                    perInterval.add(a);
                }
            }
            List<Long> secondHalf = perInterval.subList(perInterval.size() / 2, perInterval.size());
            assertTrue(secondHalf.stream().allMatch(a -> a == 0), "the poll thread allocates: " + perInterval);

            long baseline = num(stats.get(0).get("mbufs_in_use"));
            assertEquals(baseline, num(stats.get(stats.size() - 1).get("mbufs_in_use")), "mbufs not returned");
            assertEquals(baseline, num(summary.get("mbufs_in_use")), "mbufs not returned at exit");
        }
    }

    static int busy(String v, Map<String, Integer> busy) {
        return busy.getOrDefault(v, 0);
    }

    /** Per variant: stats intervals that carried frames. */
    static Map<String, Integer> busyIntervals(List<JsonNode> lines) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (JsonNode s : lines) {
            if ("stats".equals(s.get("type").textValue()) && (long) (dbl(s.get("rx_pps")) * dbl(s.get("interval_s"))) > 0) {
                m.merge(s.get("variant").textValue(), 1, Integer::sum);
            }
        }
        return m;
    }

    /** The complete JSON lines written so far. */
    static List<JsonNode> lines(Path json) throws java.io.IOException {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(json)) {
            return out;
        }
        String t = Files.readString(json);
        int end = t.lastIndexOf('\n');
        if (end < 0) {
            return out;
        }
        for (String l : t.substring(0, end).split("\n")) {
            out.add(Json.MAPPER.readTree(l));
        }
        return out;
    }
}
