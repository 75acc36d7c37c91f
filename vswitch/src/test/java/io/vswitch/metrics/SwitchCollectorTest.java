package io.vswitch.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vswitch.ExitCode;
import io.vswitch.UserError;
import io.vswitch.datapath.LcoreCycles;
import io.vswitch.datapath.PortCounters;
import io.vswitch.reflector.VswitchCommand;
import io.vswitch.sw.SwitchSnapshot;
import io.vswitch.sw.SwitchSnapshot.PortSample;
import io.vswitch.testutil.CliRun;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Metric names, types and labels from a fake switch (no DPDK), through the library's writers and a real scrape. */
class SwitchCollectorTest {
    /** Two ports: vm0 with 2 rx queues, vm1 with 1; both with 2 tx queues (2 lcores). */
    static SwitchSnapshot fake() {
        long[] c0 = new long[PortCounters.KINDS];
        c0[PortCounters.FLOODED] = 3;
        c0[PortCounters.LEARNED] = 2;
        c0[PortCounters.DROP_RUNT] = 4;
        c0[PortCounters.DROP_TX_FULL] = 6;
        long[] c1 = new long[PortCounters.KINDS];
        c1[PortCounters.LEARN_FAILED] = 1;
        return new SwitchSnapshot(List.of(
                new PortSample("vm0", 0, "vhost-user", true, c0, new long[] {5, 7}, new long[] {320, 448},
                        new long[] {11, 0}, new long[] {704, 0}),
                new PortSample("vm1", 1, "vhost-user-client", false, c1, new long[] {9}, new long[] {576},
                        new long[] {1, 2}, new long[] {64, 128})),
                2, 8192, 1, 77, 8191,
                List.of(new SwitchSnapshot.LcoreSample(0, 2, 3000, 7000, 40, 4, polls(0, 10, 1, 3, 13, 1)),
                        new SwitchSnapshot.LcoreSample(1, 3, 0, 9000, 0, 0, polls(0, 2, LcoreCycles.POLL_BUCKETS - 1, 1))),
                2_000_000_000L);
    }

    /** A poll histogram: pairs of (bucket, polls). */
    static long[] polls(int... bucketCount) {
        long[] p = new long[LcoreCycles.POLL_BUCKETS];
        for (int i = 0; i < bucketCount.length; i += 2) {
            p[bucketCount[i]] = bucketCount[i + 1];
        }
        return p;
    }

    static Scrape scrape(SwitchSnapshot s) throws Exception {
        PrometheusRegistry r = new PrometheusRegistry();
        r.register(new SwitchCollector(() -> s));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExpositionFormats.init().getPrometheusProtobufWriter().write(out, r.scrape());
        return Scrape.parse(new ByteArrayInputStream(out.toByteArray()));
    }

    static String text(SwitchSnapshot s) throws Exception {
        PrometheusRegistry r = new PrometheusRegistry();
        r.register(new SwitchCollector(() -> s));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExpositionFormats.init().getPrometheusTextFormatWriter().write(out, r.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void namesFollowPrometheusConventions() throws Exception {
        Scrape s = scrape(fake());
        assertEquals(new TreeSet<>(SwitchCollector.exposedNames()), new TreeSet<>(s.names()),
                "every family the collector documents, no other");
        Set<String> labelNames = Set.of("port", "queue", "reason", "type", "port_id", "lcore", "cpu");
        for (Scrape.Family f : s.families().values()) {
            assertTrue(f.name().matches("vswitch_[a-z][a-z0-9_]*"), f.name());
            assertTrue(!f.help().isBlank(), f.name() + " has help");
            if (f.type().equals("COUNTER")) {
                assertTrue(f.name().endsWith("_total"), "a counter ends in _total: " + f.name());
            } else if (f.type().equals("HISTOGRAM")) {
                assertTrue(f.name().endsWith("_seconds"), "a histogram of durations in base units: " + f.name());
            } else {
                assertEquals("GAUGE", f.type(), f.name());
                assertTrue(!f.name().endsWith("_total") && !f.name().endsWith("_count"), f.name());
            }
            if (f.name().contains("bytes")) {
                assertTrue(f.name().endsWith("_bytes_total"), "bytes in base units, unit before _total: " + f.name());
            }
            for (Map<String, String> l : f.samples().keySet()) {
                assertTrue(labelNames.containsAll(l.keySet()), f.name() + " labels " + l);
            }
        }
    }

    @Test
    void perPortAndQueueCountersCarryTheirValues() throws Exception {
        Scrape s = scrape(fake());
        Scrape.Family rx = s.family("vswitch_port_rx_packets_total");
        assertEquals("COUNTER", rx.type());
        assertEquals(5, rx.value("port", "vm0", "queue", "0"));
        assertEquals(7, rx.value("port", "vm0", "queue", "1"));
        assertEquals(9, rx.value("port", "vm1", "queue", "0"));
        assertEquals(3, rx.samples().size(), "one sample per rx queue");
        assertEquals(448, s.family("vswitch_port_rx_bytes_total").value("port", "vm0", "queue", "1"));
        Scrape.Family tx = s.family("vswitch_port_tx_packets_total");
        assertEquals(11, tx.value("port", "vm0", "queue", "0"));
        assertEquals(0, tx.value("port", "vm0", "queue", "1"), "an idle queue is there, at 0");
        assertEquals(3, tx.sum("port", "vm1"));
        assertEquals(128, s.family("vswitch_port_tx_bytes_total").value("port", "vm1", "queue", "1"));

        Scrape.Family drops = s.family("vswitch_port_dropped_packets_total");
        assertEquals(2 * PortCounters.DROP_REASONS.length, drops.samples().size(), "every reason of every port");
        assertEquals(4, drops.value("port", "vm0", "reason", "runt"));
        assertEquals(6, drops.value("port", "vm0", "reason", "tx_full"));
        assertEquals(0, drops.value("port", "vm1", "reason", "no_port"));
        assertEquals(10, drops.sum("port", "vm0"));
        assertEquals(3, s.family("vswitch_port_flooded_packets_total").value("port", "vm0"));
        assertEquals(2, s.family("vswitch_port_learned_macs_total").value("port", "vm0"));
        assertEquals(1, s.family("vswitch_port_learn_failures_total").value("port", "vm1"));
        assertEquals(1, s.family("vswitch_port_link_up").value("port", "vm0"));
        assertEquals(0, s.family("vswitch_port_link_up").value("port", "vm1"));
        assertEquals(1, s.family("vswitch_port_info").value("port", "vm1", "type", "vhost-user-client", "port_id", "1"));
        assertEquals(2, s.family("vswitch_mac_table_entries").value());
        assertEquals(8192, s.family("vswitch_mac_table_capacity").value());
        assertEquals(1, s.family("vswitch_mac_table_learn_failures_total").value());
        assertEquals(77, s.family("vswitch_mbufs_in_use").value());
        assertEquals(8191, s.family("vswitch_mbuf_pool_size").value());
        assertEquals(3000, s.family("vswitch_lcore_busy_cycles_total").value("lcore", "0", "cpu", "2"));
        assertEquals(7000, s.family("vswitch_lcore_idle_cycles_total").value("lcore", "0", "cpu", "2"));
        assertEquals(9000, s.family("vswitch_lcore_idle_cycles_total").value("lcore", "1", "cpu", "3"));
        assertEquals(40, s.family("vswitch_lcore_frames_total").value("lcore", "0", "cpu", "2"));
        assertEquals(4, s.family("vswitch_lcore_bursts_total").value("lcore", "0", "cpu", "2"));
        assertEquals(2, s.family("vswitch_lcore_busy_cycles_total").samples().size(), "one sample per lcore");
        assertEquals(2e9, s.family("vswitch_tsc_hz").value());
    }

    @Test
    void pollDurationsAreAHistogramInPowersOfTwoMicroseconds() throws Exception {
        Scrape.Family h = scrape(fake()).family("vswitch_lcore_poll_seconds");
        assertEquals("HISTOGRAM", h.type());
        assertEquals(14, h.value("lcore", "0", "cpu", "2"), "count: every poll");
        Map<Double, Long> b = h.buckets("lcore", "0", "cpu", "2");
        assertEquals(10, b.get(1e-6), "under 1 us");
        assertEquals(13, b.get(2e-6), "cumulative: under 2 us");
        assertEquals(13, b.get(4096e-6));
        assertEquals(14, b.get(8192e-6), "the 5 ms poll");
        assertEquals(14, b.get(Double.POSITIVE_INFINITY));
        assertEquals(LcoreCycles.POLL_BUCKETS, b.size(), "2^0 .. 2^24 us and +Inf");
        assertEquals(10_000 / 2e9, h.sums().get(Map.of("cpu", "2", "lcore", "0")), 1e-15, "sum: busy + idle cycles over tsc_hz");
        Map<Double, Long> stalled = h.buckets("lcore", "1", "cpu", "3");
        assertEquals(2, stalled.get((double) (1 << 23) * 1e-6), "a poll of 16.8 s or more is only under +Inf");
        assertEquals(3, stalled.get(Double.POSITIVE_INFINITY));
        assertTrue(text(fake()).contains("# TYPE vswitch_lcore_poll_seconds histogram\n"));
    }

    @Test
    void theTextFormatHasTheIssuesExactNames() throws Exception {
        String t = text(fake());
        assertTrue(t.contains("\nvswitch_port_rx_packets_total{port=\"vm0\",queue=\"0\"} 5.0\n"), t);
        assertTrue(t.contains("\nvswitch_port_tx_packets_total{port=\"vm0\",queue=\"0\"} 11.0\n"), t);
        assertTrue(t.contains("# TYPE vswitch_port_rx_bytes_total counter\n"), t);
        assertTrue(t.contains("vswitch_port_dropped_packets_total{port=\"vm0\",reason=\"tx_full\"} 6.0\n"), t);
    }

    @Test
    void noSwitchNoMetrics() throws Exception {
        assertEquals(List.of(), scrape(null).names(), "before the switch runs and once it stops");
        Scrape s = scrape(new SwitchSnapshot(List.of(), 0, 8192, 0, 0, 8191, List.of(), 2_000_000_000L));
        assertEquals(8192, s.family("vswitch_mac_table_capacity").value(), "a switch without ports: its globals");
    }

    // ------------------------------------------------------------------ --metrics ADDRESS:PORT

    @Test
    void addressesParse() {
        assertEquals(new MetricsAddress("127.0.0.1", 9464), MetricsAddress.parse("127.0.0.1:9464"));
        assertEquals(new MetricsAddress(null, 9464), MetricsAddress.parse(":9464"));
        assertEquals(new MetricsAddress("::1", 9464), MetricsAddress.parse("[::1]:9464"));
        assertEquals(new MetricsAddress("localhost", 1), MetricsAddress.parse("localhost:1"));
        assertEquals("http://[::1]:9464/metrics", MetricsAddress.parse("[::1]:9464").url());
        for (String bad : List.of("9464", "", ":", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "host:port", "::1:9464",
                "[]:9464", "a b:9464", "127.0.0.1:-1")) {
            UserError e = assertThrows(UserError.class, () -> MetricsAddress.parse(bad), bad);
            assertEquals(ExitCode.USAGE, e.exitCode(), bad);
            assertTrue(e.getMessage().startsWith("--metrics " + bad + ": ") && e.getMessage().contains("127.0.0.1:9464"),
                    e.getMessage());
        }
    }

    @Test
    void theServerServesProtobufOverHttp() throws Exception {
        int port = freePort();
        AtomicReference<SwitchSnapshot> now = new AtomicReference<>(fake());
        try (MetricsServer server = MetricsServer.listen(new MetricsAddress("127.0.0.1", port), now::get)) {
            assertEquals(port, server.port());
            Scrape s = Scrape.of(port);
            assertEquals(5, s.family("vswitch_port_rx_packets_total").value("port", "vm0", "queue", "0"));
            assertTrue(Scrape.text(port).contains("vswitch_port_rx_packets_total{port=\"vm0\",queue=\"0\"} 5.0"));
            now.set(null);
            assertEquals(List.of(), Scrape.of(port).names());
        }
    }

    /** Bad values and a port in use: one line, their exit codes, before EAL (so in this JVM, nothing started). */
    @Test
    void badMetricsOptionsAreOneLineBeforeEal() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int p = taken.getLocalPort();
            assertOneLine(ExitCode.METRICS, "vswitch: --metrics 127.0.0.1:" + p + ": port " + p + " is in use by another"
                    + " process: stop it or choose another port", "--mode", "switch", "--metrics", "127.0.0.1:" + p);
            UserError e = assertThrows(UserError.class, () -> MetricsServer.listen(new MetricsAddress(null, p), () -> null));
            assertEquals(ExitCode.METRICS, e.exitCode(), "all addresses include the one in use");
        }
        assertOneLine(ExitCode.USAGE, "vswitch: --metrics 9464: give ADDRESS:PORT (e.g. --metrics 127.0.0.1:9464, or"
                + " --metrics :9464 for all addresses)", "--mode", "switch", "--metrics", "9464");
        assertOneLine(ExitCode.METRICS, "vswitch: --metrics 192.0.2.1:9464: 192.0.2.1 is not an address of this host: give"
                + " one of its addresses (127.0.0.1, or :9464 for all)", "--mode", "switch", "--metrics", "192.0.2.1:9464");
        assertOneLine(ExitCode.METRICS, "vswitch: --metrics no-such-host.invalid:9464: no such host"
                + " no-such-host.invalid: give an address of this host (127.0.0.1, or :9464 for all)", "--mode", "switch",
                "--metrics", "no-such-host.invalid:9464");
        assertOneLine(ExitCode.USAGE, "vswitch: --metrics goes with --mode switch", "--vdev",
                "net_vhost0,iface=/tmp/x.sock", "--metrics", "127.0.0.1:9464");
    }

    static void assertOneLine(ExitCode code, String line, String... args) {
        CliRun.Result r = CliRun.run(new VswitchCommand(), args);
        assertEquals(code.code, r.code(), r.err());
        assertEquals(line, r.err().strip());
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
