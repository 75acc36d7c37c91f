package io.vswitch.reflector;

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
import java.util.List;
import java.util.regex.Matcher;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reflector as users run it: a separate vswitch process on hugepages, dpdk-testpmd as
 * the guest (virtio-user, flowgen, as fast as it can), then SIGTERM.
 *
 * <p>Accounting is checked exactly where it can be and within the rings' capacity where
 * packets can be in flight when the guest disconnects: what the guest sent, the reflector
 * received (at most one virtio ring + burst still queued: tolerance 1024); what the
 * reflector sent back, the guest received (same tolerance); what the reflector received
 * and did not send, it freed and counted as drops (exact).
 */
class ReflectorTestpmdTest {
    static final long RING_TOLERANCE = 1024;

    @ParameterizedTest(name = "{0} queue(s)")
    @ValueSource(ints = {1, 2})
    void reflectsWhatTheGuestSends(int queues, @TempDir Path tmp) throws Exception {
        Dpdk.requireEnvironment(true);
        Path sock = tmp.resolve("sock0");
        Path json = tmp.resolve("stats.json");
        String prefix = Dpdk.prefix("refl");
        List<String> args = List.of("--vdev", "net_vhost0,iface=" + sock + ",queues=" + queues, "--lcores", "1",
                "--mode", "macswap", "--stats", "0.5", "--stats-json", json.toString(), "--file-prefix", prefix);
        try (Proc vs = Proc.start("vswitch", Dpdk.vswitch(args), tmp)) {
            vs.await("running; stop with", Duration.ofSeconds(30));
            assertTrue(Files.exists(sock), "socket not created");
            Thread.sleep(700); // one stats sample before traffic: the pool's baseline
            long guestTx;
            long guestRx;
            try (Proc guest = Proc.start("testpmd-flowgen", Dpdk.testpmdGuest(sock, queues, 0, "flowgen", List.of()), tmp)) {
                vs.await("guest connected", Duration.ofSeconds(20));
                // Run until enough packets went through, not for a fixed time: rates vary. Enough for
                // several 0.5 s stats intervals past the four warm-up ones even at 13 Mpps.
                long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                long seen = 0;
                while (seen < 40_000_000 && System.nanoTime() < deadline) {
                    Thread.sleep(500);
                    seen = reflectedSoFar(json);
                }
                assertTrue(seen >= 40_000_000, "only " + seen + " packets reflected in 90 s:\n" + guest.tail());
                // telemetry, while traffic flows: ethdev's counters of our port
                String tele = telemetry(prefix, "/ethdev/stats,0");
                JsonNode ipackets = null;
                for (String l : tele.lines().filter(l -> l.startsWith("{")).toList()) {  // one JSON reply per line
                    JsonNode v = Json.MAPPER.readTree(l).findValue("ipackets");
                    ipackets = v != null ? v : ipackets;
                }
                assertTrue(ipackets != null && ipackets.isIntegralNumber() && ipackets.longValue() > 0,
                        "telemetry /ethdev/stats,0: " + tele);
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
            assertTrue(vs.output().contains("summary after"), "no summary:\n" + vs.tail());
            assertFalse(Files.exists(sock), "socket left behind");

            List<JsonNode> samples = new ArrayList<>();
            for (String line : Files.readAllLines(json)) {
                samples.add(Json.MAPPER.readTree(line));
            }
            JsonNode summary = samples.get(samples.size() - 1);
            assertEquals("summary", summary.get("type").textValue());
            JsonNode qs = summary.get("queues");
            assertEquals(queues, qs.size());
            long rxPkts = 0;
            long txPkts = 0;
            long drops = 0;
            for (JsonNode m : qs) {
                long qrx = num(m.get("rx_pkts"));
                assertTrue(qrx > 0, "queue " + m.get("queue") + " carried no traffic: " + m);
                rxPkts += qrx;
                txPkts += num(m.get("tx_pkts"));
                drops += num(m.get("drops"));
            }
            assertTrue(guestTx >= 3_000_000 - RING_TOLERANCE, "guest sent only " + guestTx);
            assertEquals(rxPkts - txPkts, drops, "every received mbuf is sent or freed-and-counted");
            assertTrue(Math.abs(guestTx - rxPkts) <= RING_TOLERANCE, "guest tx " + guestTx + " vs reflector rx " + rxPkts);
            assertTrue(Math.abs(txPkts - guestRx) <= RING_TOLERANCE, "reflector tx " + txPkts + " vs guest rx " + guestRx);

            // mempool: back to the baseline once traffic stopped
            List<JsonNode> stats = samples.stream().filter(s -> "stats".equals(s.get("type").textValue())).toList();
            long baseline = num(stats.get(0).get("mbufs_in_use"));
            assertEquals(baseline, num(stats.get(stats.size() - 1).get("mbufs_in_use")), "mbufs not returned");
            assertEquals(baseline, num(summary.get("mbufs_in_use")), "mbufs not returned at exit");

            // zero allocation per packet: poll-thread allocated bytes per traffic interval after warm-up.
            // A per-packet allocation shows in every interval. The one-time 65 KB seen here before
            // (CI, split over two intervals) was the JVM customising free_bulk's handle on its 128th
            // call; DpdkIo.link now makes that happen before the loop starts. What is left to tolerate
            // is a deoptimisation's few objects: one interval, at most 1 KB, none in the second half.
            long pkts = 0;
            long alloc = 0;
            int busy = 0;
            List<Long> perInterval = new java.util.ArrayList<>();
            for (JsonNode s : stats) {
                long interval = (long) (dbl(s.get("rx_pps")) * dbl(s.get("interval_s")));
                if (interval == 0) {
                    continue;
                }
                if (++busy <= 4) {
                    continue;                                   // warm-up: the first 2 s of traffic
                }
                pkts += interval;
                long a = 0;
                for (JsonNode d : s.get("poll_alloc_delta")) {
                    a += num(d);
                }
                alloc += a;
                perInterval.add(a);
            }
            assertTrue(pkts >= 1_000_000, "only " + pkts + " packets after warm-up; the zero-allocation check needs 10^6");
            long nonZero = perInterval.stream().filter(a -> a != 0).count();
            System.out.println("ReflectorTestpmdTest: poll threads allocated " + alloc + " B over " + pkts + " packets in "
                    + perInterval.size() + " intervals after warm-up; per interval " + perInterval);
            assertTrue(nonZero <= 1 && alloc <= 1024, "poll threads allocated " + alloc + " bytes over " + pkts
                    + " packets, in " + nonZero + " intervals: " + perInterval);
            List<Long> secondHalf = perInterval.subList(perInterval.size() / 2, perInterval.size());
            assertTrue(secondHalf.stream().allMatch(a -> a == 0), "the poll threads still allocate in the second half"
                    + " of the run: " + perInterval);
        }
    }

    /** Packets received so far, from the last stats line. */
    static long reflectedSoFar(Path json) throws java.io.IOException {
        List<String> lines = Files.exists(json) ? Files.readAllLines(json) : List.of();
        if (lines.isEmpty()) {
            return 0;
        }
        long n = 0;
        for (JsonNode q : Json.MAPPER.readTree(lines.get(lines.size() - 1)).get("queues")) {
            n += num(q.get("rx_pkts"));
        }
        return n;
    }

    static String telemetry(String prefix, String cmd) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/python3", "/usr/bin/dpdk-telemetry.py", "-f", prefix)
                .redirectErrorStream(true).start();
        p.getOutputStream().write((cmd + "\n").getBytes());
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    /** The number a stats field holds, as a long; fails if it is missing or not a number. */
    static long num(JsonNode n) {
        assertTrue(n != null && n.isNumber(), "not a number: " + n);
        return n.longValue();
    }

    /** The number a stats field holds; fails if it is missing or not a number. */
    static double dbl(JsonNode n) {
        assertTrue(n != null && n.isNumber(), "not a number: " + n);
        return n.doubleValue();
    }
}
