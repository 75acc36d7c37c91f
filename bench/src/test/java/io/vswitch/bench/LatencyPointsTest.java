package io.vswitch.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import io.vswitch.bench.CliTest.Run;
import io.vswitch.bench.Harness.Measurement;
import io.vswitch.bench.LatencyPoints.ShareRun;
import io.vswitch.bench.Peers.Config;
import io.vswitch.bench.Peers.Generator;
import io.vswitch.bench.Peers.Point;
import io.vswitch.bench.Peers.Reflector;
import io.vswitch.bench.Results.PointResult;
import io.vswitch.gen.GenOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sweep --rate without starting anything: options, NDR x share to the generator's --rate, the generator's JSON read, table, CSV, JSON, plot. */
class LatencyPointsTest {
    // ---- options ----

    @Test
    void sharesAreFractionsOrPercentagesSortedOnce() {
        assertEquals(List.of(0.1, 0.5, 0.9), LatencyPoints.parseShares(List.of("0.9", " 0.1", "0.5")));
        assertEquals(List.of(0.25, 0.5, 1.0), LatencyPoints.parseShares(List.of("50%", "25 %", "1")));
        assertEquals(List.of(0.05), LatencyPoints.parseShares(List.of(".05")));
    }

    @Test
    void badSharesNameTheFix() {
        for (String bad : List.of("0", "1.5", "150%", "-0.5", "abc", "", "NaN", "Infinity", "0x1p-1", "1e-1", "0.5pps"))
            assertThrows(IllegalArgumentException.class, () -> LatencyPoints.parseShares(List.of(bad)), bad);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LatencyPoints.parseShares(List.of("1.5")));
        assertEquals("--rate: 1.5 is outside (0, 1]: a share of the NDR is above 0 and at most 1 (the NDR itself)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LatencyPoints.parseShares(List.of("5Mpps")));
        assertTrue(e.getMessage().startsWith("--rate: '5Mpps' is not a share of the NDR; give fractions of it, e.g. --rate 0.1,0.5,0.9"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LatencyPoints.parseShares(List.of("0.5", "50%")));
        assertEquals("--rate: 50% is given twice", e.getMessage());
    }

    /** A bad --rate is one line on stderr, {@code vswitch-bench sweep: ...}, exit 2, before anything starts. */
    @Test
    void badRateOnTheCommandLineIsOneLine(@TempDir Path root) {
        Path out = root.resolve("out");
        for (String[] args : List.of(new String[] {"--rate", "1.5"}, new String[] {"--rate", "fast"}, new String[] {"--rate", "0.5,,0.9"},
                new String[] {"--rate", "0.5", "--generators", "flowgen"}, new String[] {"--rate", "0.5", "--switch-only", "--reflectors", "vswitch-io"},
                new String[] {"--rate", "0.5", "--switches", "ovs"}, new String[] {"--rate", "0.5", "--switch-only", "--switches", "vpp"},
                new String[] {"--rate", "0.5", "--guest"}, new String[] {"--ndr-trial", "1"}, new String[] {"--rate", "0.5", "--ndr-trial", "0"},
                new String[] {"--rate", "0.5", "--ndr-precision", "100"})) {
            List<String> a = new ArrayList<>(List.of("sweep"));
            a.addAll(List.of(args));
            a.addAll(List.of("--root", root.toString(), "--out", out.toString()));
            Run r = CliTest.run(a.toArray(String[]::new));
            assertEquals(2, r.code(), a + ": " + r.err());
            assertEquals(1, r.err().lines().count(), a + " must print one line:\n" + r.err());
            assertTrue(r.err().startsWith("vswitch-bench sweep: ") && r.err().strip().endsWith("(see vswitch-bench sweep --help)"), r.err());
            assertFalse(Files.exists(out), "nothing written");
        }
        assertTrue(CliTest.run("sweep", "--rate", "1.5").err().contains("--rate: 1.5 is outside (0, 1]"));
        assertTrue(CliTest.run("sweep", "--rate", "0.5", "--generators", "flowgen").err().contains("flowgen measures no latency"));
        assertTrue(CliTest.run("sweep", "--ndr-trial", "1").err().contains("--ndr-trial and --ndr-precision go with --rate"));
    }

    @Test
    void latencyPointsAreReflectorsTimesQueuesTimesSizesWithVswitchGen(@TempDir Path root) {
        SweepCommand s = CliTest.parse(SweepCommand.class, "sweep", "--rate", "0.1,0.5,0.9", "--sizes", "64,1518", "--root", root.toString());
        List<Point> p = s.points();
        assertEquals(4 * 2, p.size(), "4 default reflectors x 2 sizes x 1 queue (the latency default)");
        assertTrue(p.stream().allMatch(x -> x.config().generator() == Generator.VSWITCH_GEN && x.config().queues() == 1));
        LatencyHarness.Settings l = s.latencySettings();
        assertEquals(List.of(0.1, 0.5, 0.9), l.shares());
        assertEquals(2.0, l.ndrTrial());
        assertEquals(null, l.ndrPrecision());
        SweepCommand q = CliTest.parse(SweepCommand.class, "sweep", "--quick", "--rate", "50%", "--reflectors", "vswitch-macswap,testpmd-macswap",
                "--queues", "1,2", "--ndr-precision", "5", "--root", root.toString());
        assertEquals(2 * 2 * 2, q.points().size(), "2 reflectors x 2 queues x the quick sizes");
        assertEquals(1.0, q.latencySettings().ndrTrial(), "--quick shortens the NDR trials");
        assertEquals(5.0, q.latencySettings().ndrPrecision());
        assertEquals(1, q.starts());
    }

    @Test
    void switchLatencyPointsAreOursAndOvsTimesFlowsOnTheGeneratorsPortPair(@TempDir Path root) {
        List<Point> p = CliTest.parse(SweepCommand.class, "sweep", "--rate", "0.5", "--switch-only", "--switch-flows", "1,1024", "--sizes", "64",
                "--root", root.toString()).points();
        assertEquals(List.of(new Point(new Config(Reflector.SWITCH, Generator.VSWITCH_GEN_PAIR, 1, 1), 64),
                new Point(new Config(Reflector.OVS, Generator.VSWITCH_GEN_PAIR, 1, 1), 64),
                new Point(new Config(Reflector.SWITCH, Generator.VSWITCH_GEN_PAIR, 1, 1024), 64),
                new Point(new Config(Reflector.OVS, Generator.VSWITCH_GEN_PAIR, 1, 1024), 64)), p, "ours and OVS by default, per flow count");
        assertEquals(Peers.Topology.PORT_PAIR, p.get(0).config().topology());
        List<Point> both = CliTest.parse(SweepCommand.class, "sweep", "--rate", "0.5", "--switch", "--switches", "ours", "--reflectors",
                "vswitch-macswap", "--sizes", "64", "--root", root.toString()).points();
        assertEquals(List.of(new Point(new Config(Reflector.parse("vswitch-macswap"), Generator.VSWITCH_GEN, 1), 64),
                new Point(new Config(Reflector.SWITCH, Generator.VSWITCH_GEN_PAIR, 1, 1), 64)), both, "--switch adds the switches to the reflectors");
        assertThrows(IllegalArgumentException.class, () -> new Config(Reflector.parse("testpmd-io"), Generator.VSWITCH_GEN_PAIR, 1));
        assertThrows(IllegalArgumentException.class, () -> new Config(Reflector.SWITCH, Generator.VSWITCH_GEN_PAIR, 2));
        assertThrows(IllegalArgumentException.class, () -> new Config(Reflector.SWITCH, Generator.VSWITCH_GEN, 1));
        assertEquals("vswitch switch <-> vswitch-gen-pair, 2 ports, 1q, 1024 flows", p.get(2).config().label());
    }

    @Test
    void thePortPairsGeneratorServesOvsSocketsAndCarriesTheFlows() {
        Harness.Settings s = new Harness.Settings(Path.of("/repo"), Path.of("/tmp/w"), 1, 3, 1, 0, true, "dpdk-testpmd");
        LatencyHarness.Target ovs = new LatencyHarness.Target(List.of(Path.of("/tmp/w/a.sock"), Path.of("/tmp/w/b.sock")), true, 1024);
        List<String> c = LatencyHarness.ndrCommand(s, new LatencyHarness.Settings(List.of(0.5), 1, null), 1, 64, ovs, "g", Path.of("/tmp/w/n.json"));
        int v = c.indexOf("--vdev");
        assertEquals(List.of("--vdev", "net_virtio_user0,path=/tmp/w/a.sock,queues=1,server=1", "--vdev", "net_virtio_user1,path=/tmp/w/b.sock,queues=1,server=1"),
                c.subList(v, v + 4));
        assertEquals("1024", c.get(c.indexOf("--flows") + 1));
        assertTrue(c.contains("--ndr"));
        List<String> ours = LatencyHarness.shareCommand(s, 1, 64, new LatencyHarness.Target(List.of(Path.of("/tmp/w/a.sock"), Path.of("/tmp/w/b.sock")),
                false, 1), "g", Path.of("x"), 2e6, 0.5);
        assertEquals("net_virtio_user1,path=/tmp/w/b.sock,queues=1", ours.get(ours.lastIndexOf("--vdev") + 1));
        assertFalse(ours.contains("--flows"), "one flow is vswitch-gen's default");
        assertEquals(LatencyHarness.shareCommand(s, 1, 64, Path.of("/tmp/w/a.sock"), "g", Path.of("x"), 2e6, 0.5),
                LatencyHarness.shareCommand(s, 1, 64, LatencyHarness.Target.of(Path.of("/tmp/w/a.sock")), "g", Path.of("x"), 2e6, 0.5));
    }

    @Test
    void ourProgramsRunWithoutTheOnceASecondStatsReportInLatencyStarts() {
        Harness.Settings s = new Harness.Settings(Path.of("/repo"), Path.of("/tmp/w"), 1, 3, 1, 0, true, "dpdk-testpmd");
        List<Path> socks = List.of(Path.of("/tmp/w/a.sock"), Path.of("/tmp/w/b.sock"));
        List<String> sw = LatencyHarness.reflectorCommand(s, Reflector.SWITCH, 1, socks, "r", Path.of("/tmp/w/st.json"));
        assertEquals("0", sw.get(sw.indexOf("--stats") + 1), sw.toString());
        assertEquals("/tmp/w/st.json", sw.get(sw.indexOf("--stats-json") + 1), "the summary still written");
        assertEquals("1", Harness.reflectorCommand(s, Reflector.SWITCH, 1, socks, "r", Path.of("x"), false)
                .get(Harness.reflectorCommand(s, Reflector.SWITCH, 1, socks, "r", Path.of("x"), false).indexOf("--stats") + 1),
                "the throughput sweep reads the per-second lines");
        List<String> tp = LatencyHarness.reflectorCommand(s, Reflector.parse("testpmd-macswap"), 1, socks.subList(0, 1), "r", Path.of("x"));
        assertEquals(Harness.reflectorCommand(s, Reflector.parse("testpmd-macswap"), 1, socks.subList(0, 1), "r", Path.of("x"), false), tp);
    }

    @Test
    void ourSwitchIsJudgedAgainstOvsAtTheSameFlows() throws Exception {
        List<PointResult> rs = new ArrayList<>();
        for (int flows : List.of(1, 1024)) {
            rs.add(new PointResult(new Point(new Config(Reflector.SWITCH, Generator.VSWITCH_GEN_PAIR, 1, flows), 64),
                    List.of(start(10, 12, flows == 1 ? 30 : 60))));
            rs.add(new PointResult(new Point(new Config(Reflector.OVS, Generator.VSWITCH_GEN_PAIR, 1, flows), 64),
                    List.of(start(8, 12, flows == 1 ? 40 : 50))));
        }
        assertEquals(Reflector.OVS, LatencyReport.peerOf(Reflector.SWITCH));
        assertEquals(0.75, LatencyReport.p999Ratio(rs, rs.get(0).point(), 0.5), 1e-9);
        assertEquals(1.2, LatencyReport.p999Ratio(rs, rs.get(2).point(), 0.5), 1e-9);
        String t = LatencyReport.report(rs);
        assertTrue(t.contains("64 B, switch, 1q: p99.9 at 50% of NDR 30.00 us (ours) vs 40.00 us (OVS): 0.750, target <= 1.1 met"), t);
        assertTrue(t.contains("64 B, switch, 1q, 1024 flows: p99.9 at 50% of NDR 60.00 us (ours) vs 50.00 us (OVS): 1.200, target <= 1.1 NOT met"), t);
        assertTrue(t.contains("vswitch switch, 1024 flows  1 x 2 ports"), t);
        JsonNode doc = Json.MAPPER.readTree(Results.json(Map.of(), Map.of(), rs));
        assertEquals("ovs-normal", doc.at("/points/0/latency/1/latency_peer").asText(), doc.toString());
    }

    @Test
    void setUpNeedsVswitchGen(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("bin"));
        assertTrue(Files.writeString(root.resolve("bin/vswitch"), "#!/bin/sh\n").toFile().setExecutable(true));
        List<Point> p = CliTest.parse(SweepCommand.class, "sweep", "--rate", "0.5", "--reflectors", "vswitch-io", "--root", root.toString()).points();
        String why = Runner.missing(root, "sh", p);
        assertNotNull(why);
        assertTrue(why.contains("no bin/vswitch-gen"), why);
    }

    // ---- NDR x share -> vswitch-gen --rate ----

    @Test
    void shareOfNdrBecomesAPacketRateTheGeneratorAccepts() {
        assertEquals(5_000_000, LatencyPoints.ratePps(10e6, 0.5));
        assertEquals(123_457, LatencyPoints.ratePps(1_234_567, 0.1));
        assertEquals(1, LatencyPoints.ratePps(1, 0.1), "never 0 pps");
        assertEquals("5000000pps", LatencyPoints.rateArg(10e6, 0.5));
        for (double share : List.of(0.1, 0.5, 0.9, 1.0)) {
            String arg = LatencyPoints.rateArg(12_345_678.9, share);
            assertEquals(Math.round(12_345_678.9 * share), GenOptions.parseRate(arg).toPps(64), 0, arg + " read back by vswitch-gen's own parser");
            assertEquals(GenOptions.parseRate(arg).toPps(64), GenOptions.parseRate(arg).toPps(1518), "a packet rate: the same at any size");
        }
        assertThrows(IllegalArgumentException.class, () -> LatencyPoints.ratePps(Double.NaN, 0.5), "no NDR, no rate");
        assertThrows(IllegalArgumentException.class, () -> LatencyPoints.ratePps(0, 0.5));
        assertThrows(IllegalArgumentException.class, () -> LatencyPoints.ratePps(1e6, 1.5));
        assertEquals("50%", LatencyPoints.pct(0.5));
        assertEquals("12.5%", LatencyPoints.pct(0.125));
    }

    @Test
    void generatorCommandsForTheSearchAndTheShares() {
        Harness.Settings s = new Harness.Settings(Path.of("/repo"), Path.of("/tmp/w"), 1, 3, 1, 0, true, "dpdk-testpmd");
        LatencyHarness.Settings l = new LatencyHarness.Settings(List.of(0.5), 0.5, 10.0);
        Path sock = Path.of("/tmp/w/l1.sock");
        List<String> ndr = LatencyHarness.ndrCommand(s, l, 1, 64, sock, "g", Path.of("/tmp/w/n.json"));
        assertEquals(List.of("taskset", "-c", "0", "/repo/bin/vswitch-gen"), ndr.subList(0, 4));
        assertTrue(ndr.containsAll(List.of("--ndr", "--trial", "0.5", "--ndr-precision", "10", "--size", "64", "--json", "/tmp/w/n.json")), ndr.toString());
        assertEquals("0.5", ndr.get(ndr.indexOf("--trial") + 1));
        assertFalse(ndr.contains("--rate"), "the search starts from the unpaced rate");
        List<String> at = LatencyHarness.shareCommand(s, 2, 1518, sock, "g2", Path.of("/tmp/w/s.json"), 4e6, 0.5);
        assertEquals("2000000pps", at.get(at.indexOf("--rate") + 1));
        assertEquals("3", at.get(at.indexOf("--duration") + 1), "the sweep's window");
        assertEquals("1", at.get(at.indexOf("--warmup") + 1), "the sweep's warm-up");
        assertTrue(at.contains("net_virtio_user0,path=/tmp/w/l1.sock,queues=2"), at.toString());
        assertFalse(at.contains("--ndr"));
        assertFalse(LatencyHarness.ndrCommand(s, new LatencyHarness.Settings(List.of(0.5), 2, null), 1, 64, sock, "g", Path.of("x"))
                .contains("--ndr-precision"), "vswitch-gen's default unless given");
        assertTrue(LatencyHarness.ndrTimeout(2).toSeconds() >= 60 + 30 * 2, "30 trials fit");
        List<String> warm = LatencyHarness.warmupCommand(s, 1, 64, sock, "gw", Path.of("/tmp/w/w.json"));
        assertEquals("1", warm.get(warm.indexOf("--duration") + 1), "unpaced for the sweep's warm-up");
        assertEquals("0", warm.get(warm.indexOf("--warmup") + 1));
        assertFalse(warm.contains("--rate") || warm.contains("--ndr"));
        assertEquals(null, LatencyHarness.warmupCommand(new Harness.Settings(Path.of("/repo"), Path.of("/tmp/w"), 0, 3, 1, 0, true, "t"), 1, 64,
                sock, "gw", Path.of("x")), "--warmup 0: no warm-up run");
    }

    // ---- the generator's JSON ----

    /** vswitch-gen --ndr's JSON (the fields the bench reads; NaN is written as null). */
    static String ndrReport(Double ndrPps) {
        return """
                {"ndr": {"ndr_pps": %s, "pdr_pps": 9000000.0, "converged": true, "trials": []},
                 "info": {"frame_size": "64"}, "tx_pps": 8000100.0, "rx_pps": 8000100.0, "loss_ratio": 0.0,
                 "latency_ns": {"samples": 4000, "min": 2000, "p50": 30000, "p90": 50000, "p99": 80000, "p999": 95000, "max": 99000, "mean": 31000.0}}
                """.formatted(ndrPps == null ? "null" : ndrPps.toString());
    }

    /** vswitch-gen --rate's JSON at one share. */
    static String rateReport(double txPps, double rxPps, double loss, long samples, Long p50, Long p99, Long p999) {
        return """
                {"info": {"rate": "%.0fpps"}, "tx_pps": %s, "rx_pps": %s, "loss_ratio": %s,
                 "latency_ns": {"samples": %d, "min": %s, "p50": %s, "p90": %s, "p99": %s, "p999": %s, "max": %s, "mean": null},
                 "queues": []}
                """.formatted(txPps, txPps, rxPps, loss, samples, p50, p50, p50, p99, p999, p999 == null ? null : p999 * 2);
    }

    @Test
    void readsTheNdrAndEachShareRunFromTheGeneratorsJson() throws Exception {
        assertEquals(8.0001e6, LatencyPoints.ndrPps(Json.MAPPER.readTree(ndrReport(8.0001e6))));
        assertTrue(Double.isNaN(LatencyPoints.ndrPps(Json.MAPPER.readTree(ndrReport(null)))), "no zero-loss rate: null");
        assertTrue(Double.isNaN(LatencyPoints.ndrPps(Json.MAPPER.readTree(rateReport(1e6, 1e6, 0, 1, 1L, 1L, 1L)))), "not a search");
        ShareRun r = LatencyPoints.shareRun(Json.MAPPER.readTree(rateReport(4e6, 3.9996e6, 1e-4, 250_000, 5120L, 9000L, 12000L)), 0.5, 4e6);
        assertEquals(new ShareRun(0.5, 4e6, 4e6, 3.9996e6, 1e-4, 250_000, 5120, 9000, 12000, 24000), r);
        ShareRun none = LatencyPoints.shareRun(Json.MAPPER.readTree(rateReport(4e6, 0, 1, 0, null, null, null)), 0.1, 4e5);
        assertEquals(0, none.latSamples());
        assertTrue(Double.isNaN(none.p999Ns()), "no samples: no percentiles");
    }

    // ---- presentation ----

    static ShareRun at(double share, double ndr, double p50us, double p99us, double p999us, double loss) throws Exception {
        double rate = LatencyPoints.ratePps(ndr, share);
        JsonNode doc = Json.MAPPER.readTree(rateReport(rate, rate * (1 - loss), loss, 100_000, Math.round(p50us * 1e3), Math.round(p99us * 1e3),
                Math.round(p999us * 1e3)));
        return LatencyPoints.shareRun(doc, share, rate);
    }

    /** One start: NDR {@code ndrMpps}, p99.9 {@code p999at10}/{@code p999at50} us at 10 % and 50 %. */
    static Measurement start(double ndrMpps, double p999at10, double p999at50) throws Exception {
        double ndr = ndrMpps * 1e6;
        return new Measurement(ndr, ndr, 0, 30000, 80000, new double[0], 40,
                List.of(at(0.1, ndr, 5, 8, p999at10, 0), at(0.5, ndr, 10, 20, p999at50, 0.001)));
    }

    static List<PointResult> sample() throws Exception {
        Config ours = new Config(Reflector.parse("vswitch-macswap"), Generator.VSWITCH_GEN, 1);
        Config theirs = new Config(Reflector.parse("testpmd-macswap"), Generator.VSWITCH_GEN, 1);
        return List.of(new PointResult(new Point(ours, 64), List.of(start(10, 12, 30), start(12, 14, 34), start(11, 13, 32))),
                new PointResult(new Point(theirs, 64), List.of(start(13, 10, 28), start(14, 11, 30), start(12, 12, 29))),
                new PointResult(new Point(ours, 1518), List.of(start(3, 20, 40))));
    }

    @Test
    void tableHasSizeTimesReflectorTimesShareAndTheRatio() throws Exception {
        String t = LatencyReport.report(sample());
        assertTrue(t.startsWith("Latency at a fixed load (vswitch-gen, each start at a share of its own NDR): median of up to 3 start(s)"), t);
        String[] lines = t.split("\n");
        assertTrue(lines[1].matches("size\\s+reflector\\s+queues\\s+share\\s+\\|\\s+NDR Mpps\\s+offered Mpps\\s+p50 us\\s+p99 us\\s+p99.9 us\\s+loss %\\s+p99.9 / peer"),
                lines[1]);
        // ours at 64 B, 50 %: NDR median 11 (best 12); offered median 5.5 Mpps; p99.9 median 32 us; loss 0.1 %; 32/29
        assertTrue(t.contains("64 B    vswitch macswap  1       50%   | 11.000 (12.000)         5.500   10.00   20.00     32.00  0.1000"
                + "         1.103\n"), t);
        assertTrue(t.contains("64 B    testpmd macswap  1       10%   | 13.000 (14.000)         1.300    5.00    8.00     11.00  0.0000"
                + "             -\n"), t);
        assertTrue(t.contains("1518 B  vswitch macswap  1       10%"), t);
        assertTrue(t.indexOf("64 B    testpmd macswap  1       50%") < t.indexOf("1518 B"), "sizes in order, each with all its reflectors");
        assertTrue(t.contains("64 B, macswap, 1q: p99.9 at 50% of NDR 32.00 us (ours) vs 29.00 us (testpmd): 1.103, target <= 1.1 NOT met"
                + " (3/3 start(s))"), t);
        assertFalse(t.contains("1518 B, macswap"), "no testpmd at 1518 B: no verdict there");
    }

    @Test
    void rowsWhereTheGeneratorFellBehindAreMarked() throws Exception {
        double ndr = 10e6;
        ShareRun slow = new ShareRun(0.5, 5e6, 4.5e6, 4.5e6, 0, 1000, 1000, 2000, 3000, 4000);
        PointResult r = new PointResult(new Point(new Config(Reflector.parse("vswitch-io"), Generator.VSWITCH_GEN, 1), 64),
                List.of(new Measurement(ndr, ndr, 0, 1, 1, new double[0], 1, List.of(at(0.1, ndr, 1, 2, 3, 0), slow))));
        assertTrue(LatencyReport.fellBehind(r, 0.5));
        assertFalse(LatencyReport.fellBehind(r, 0.1));
        String t = LatencyReport.report(List.of(r));
        assertTrue(t.contains("4.500 *"), t);
        assertTrue(t.contains("* the generator offered less than 95% of the rate asked"), t);
        assertFalse(LatencyReport.report(sample()).contains("fell behind"));
    }

    @Test
    void verdictWantsHalfTheNdr() throws Exception {
        List<PointResult> rs = new ArrayList<>();
        for (PointResult r : sample()) {
            List<Measurement> ms = new ArrayList<>();
            for (Measurement m : r.runs())
                ms.add(new Measurement(m.txPps(), m.rxPps(), 0, m.latP50Ns(), m.latP99Ns(), new double[0], 1, List.of(m.shares().get(0))));
            rs.add(new PointResult(r.point(), ms));
        }
        assertTrue(LatencyReport.report(rs).contains("is judged at 50% of NDR: add 0.5 to --rate"), LatencyReport.report(rs));
        assertEquals("", LatencyReport.report(List.of(Fixtures.pr("vswitch-io", Generator.FLOWGEN, 1, 64, 5))), "no latency points, no table");
    }

    @Test
    void csvHasANdrRowAndARowPerShareWithTheNewColumns() throws Exception {
        String[] lines = Results.csv(sample()).split("\n");
        List<String> head = new ArrayList<>(Results.CSV_HEADER);
        head.addAll(LatencyReport.CSV_COLUMNS);
        assertEquals(String.join(",", head), lines[0]);
        assertEquals(1 + 3 + 3 + 3, lines.length, "header + (NDR, 10 %, 50 %) per point");
        assertEquals("vswitch-macswap,vswitch-gen,1,64,3,11,10,12,11,11,5632,5632,6144,0,30000,80000,one-port,,1,ndr,11,,,,,", lines[1]);
        // 50 %: rx = offered x (1 - 0.001), medians; rate 5.5 Mpps median; 100000 samples; p99.9 32 us, worst 34; 32/29
        assertEquals("vswitch-macswap,vswitch-gen,1,64,3,5.4945,4.995,5.994,5.4945,5.5,2813.184,2816,3068.928,0.001,10000,20000,one-port,,1,0.5,11,"
                + "5500000,100000,32000,34000,1.103448", lines[3]);
        assertTrue(lines[4].startsWith("testpmd-macswap,vswitch-gen,1,64,3,13,"), lines[4]);
        assertEquals("testpmd-macswap,vswitch-gen,1,64,3,1.3,1.2,1.4,1.3,1.3,665.6,665.6,716.8,0,5000,8000,one-port,,1,0.1,13,1300000,100000,11000,12000,",
                lines[5], "testpmd is the peer: no ratio");
        // a throughput point next to them gets empty latency cells; a throughput-only sweep keeps its columns
        List<PointResult> mixed = new ArrayList<>(sample());
        mixed.add(Fixtures.pr("vswitch-io", Generator.FLOWGEN, 1, 64, 5));
        String last = Results.csv(mixed).strip().lines().reduce((a, b) -> b).orElseThrow();
        assertTrue(last.endsWith(",one-port,,1,,,,,,,"), last);
        assertEquals(String.join(",", Results.CSV_HEADER), Results.csv(List.of(Fixtures.pr("vswitch-io", Generator.FLOWGEN, 1, 64, 5))).lines().findFirst().orElseThrow());
    }

    @Test
    void runsCsvHasEveryStartsSearchAndShares() throws Exception {
        String[] lines = Results.runsCsv(sample()).split("\n");
        assertTrue(lines[0].endsWith(",topology,switch,flows,rate_share,ndr_pps,rate_pps,latency_samples,latency_p999_ns"), lines[0]);
        assertEquals(1 + 7 * 3, lines.length, "7 starts x (NDR, 10 %, 50 %)");
        assertEquals("vswitch-macswap,vswitch-gen,1,64,1,10000000,10000000,0,30000,80000,40,one-port,,1,ndr,10000000,,,", lines[1]);
        assertEquals("vswitch-macswap,vswitch-gen,1,64,1,5000000,4995000,0.001,10000,20000,,one-port,,1,0.5,10000000,5000000,100000,30000", lines[3]);
    }

    @Test
    void jsonHasALatencySectionPerPointAndTheSharesOfEveryStart() throws Exception {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("rate_shares", List.of(0.1, 0.5));
        JsonNode doc = Json.MAPPER.readTree(Results.json(Map.of("cpu_model", "x"), settings, sample()));
        assertEquals(0.1, doc.at("/settings/rate_shares/0").doubleValue(), "fractions stay fractions");
        JsonNode p0 = doc.at("/points/0");
        assertEquals(11.0, Harness.number(p0, "/rx_mpps/median"), "rx of a latency point: the NDR");
        JsonNode at50 = p0.at("/latency/1");
        assertEquals(0.5, Harness.number(at50, "/rate_share"));
        assertEquals(32000.0, Harness.number(at50, "/latency_p999_ns/median"));
        assertEquals(34000.0, Harness.number(at50, "/latency_p999_ns/max"));
        assertEquals(3.0, Harness.number(at50, "/latency_p999_ns/n"));
        assertEquals(100000.0, Harness.number(at50, "/latency_samples/median"));
        assertEquals(5.5e6, Harness.number(at50, "/rate_pps/median"));
        assertEquals(32.0 / 29, Harness.number(at50, "/latency_p999_vs_peer"), 1e-9);
        assertTrue(doc.at("/points/1/latency/1/latency_p999_vs_peer").isNull(), "testpmd is the peer, not compared with itself");
        JsonNode run = p0.at("/runs/0/shares/0");
        assertEquals(0.1, Harness.number(run, "/rate_share"));
        assertEquals(1e6, Harness.number(run, "/rate_pps"));
        assertEquals(12000.0, Harness.number(run, "/latency_p999_ns"));
        JsonNode plain = Json.MAPPER.readTree(Results.json(Map.of(), Map.of(), List.of(Fixtures.pr("vswitch-io", Generator.FLOWGEN, 1, 64, 5))));
        assertTrue(plain.at("/points/0/latency").isMissingNode() && plain.at("/points/0/runs/0/shares").isMissingNode());
    }

    @Test
    void plotsP999AgainstTheShare(@TempDir Path dir) throws Exception {
        Map<String, double[][]> s = LatencyReport.series(sample());
        assertEquals(3, s.size());
        double[][] v = s.get("vswitch macswap <- vswitch-gen, 1q, 64 B");
        assertNotNull(v, s.keySet().toString());
        assertArrayEquals(new double[] {10, 50}, v[0], 1e-9);
        assertArrayEquals(new double[] {13, 32}, v[1], 1e-9);
        Path png = LatencyReport.plot(dir, "test", sample());
        assertEquals(dir.resolve("latency-p999.png"), png);
        byte[] b = Files.readAllBytes(png);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(b, 4));
        assertEquals(null, LatencyReport.plot(dir, "", List.of(Fixtures.pr("vswitch-io", Generator.FLOWGEN, 1, 64, 5))));
        assertEquals("Zero-loss (NDR)", Plot.title(sample()));
    }

    @Test
    void progressLineShowsTheNdrAndEachShare() throws Exception {
        assertEquals("NDR 10.000 Mpps; 10%: p99.9 12.0 us, loss 0.0000 %; 50%: p99.9 30.0 us, loss 0.1000 %",
                LatencyPoints.progress(start(10, 12, 30)));
    }
}
