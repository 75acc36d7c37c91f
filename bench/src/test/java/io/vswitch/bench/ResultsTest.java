package io.vswitch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import static io.vswitch.bench.Fixtures.pr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.bench.Harness.Measurement;
import io.vswitch.bench.Peers.Config;
import io.vswitch.bench.Peers.Generator;
import io.vswitch.bench.Peers.Point;
import io.vswitch.bench.Peers.Reflector;
import io.vswitch.bench.Results.PointResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The text tables, the CSV files and results.json. */
class ResultsTest {
    static List<PointResult> sample() {
        return List.of(pr("vswitch-macswap", Generator.FLOWGEN, 1, 64, 20, 21, 10), pr("vswitch-macswap", Generator.FLOWGEN, 1, 1518, 2, 2.1),
                pr("testpmd-macswap", Generator.FLOWGEN, 1, 64, 21, 21.5, 22),
                pr("testpmd-macswap", Generator.FLOWGEN, 1, 1518, 2.2));
    }

    @Test
    void mbpsCountsFcsButNotPreamble() {
        assertEquals(10_240, Results.mbps(20e6, 64), 1e-9);
        assertEquals(12_144, Results.mbps(1e6, 1518), 1e-9);
        PointResult r = pr("vswitch-io", Generator.FLOWGEN, 1, 64, 1);
        assertEquals(512, r.rxMbps().median(), 1e-9);
        assertEquals(1.01, r.txMpps().median(), 1e-9);
    }

    @Test
    void seedShapedTables() {
        String t = Results.tables(sample());
        // 64 B: median 20 Mpps x 512 bit = 10240 Mbps RX, TX 1 % higher; 1518 B: median 2.05 Mpps x 12144 bit = 24895 Mbps
        String expected = """
                Generator testpmd flowgen: TX/RX Mbps (L2, FCS included, no preamble/IFG), median of up to 3 start(s)
                reflector        queues |        64 B       1518 B
                ------------------------+-------------------------
                vswitch macswap  1      | 10342/10240  25144/24895
                testpmd macswap  1      | 11118/11008  26984/26717

                Generator testpmd flowgen: reflected Mpps, median (best) of up to 3 start(s)
                reflector        queues |          64 B       1518 B
                ------------------------+---------------------------
                vswitch macswap  1      | 20.00 (21.00)  2.05 (2.10)
                testpmd macswap  1      | 21.50 (22.00)  2.20 (2.20)

                """;
        assertEquals(expected, t);
    }

    @Test
    void startsWhoseRateMovedMoreThanTwiceWithinTheWindowAreListed() throws Exception {
        Measurement steady = new Measurement(8.1e6, 8e6, 0, Double.NaN, Double.NaN, new double[] {7.9e6, 8.1e6, 8.0e6}, 9);
        Measurement modes = new Measurement(5.1e6, 5e6, 0, Double.NaN, Double.NaN, new double[] {8.0e6, 7.9e6, 2.6e6, 2.7e6}, 9);
        Measurement stalled = new Measurement(1e6, 1e6, 0, Double.NaN, Double.NaN, new double[] {2e6, 0}, 9);
        Measurement unknown = new Measurement(1e6, 1e6, 0, Double.NaN, Double.NaN, new double[0], 9);
        assertEquals(8.1 / 7.9, steady.rateSpread(), 1e-9);
        assertTrue(!steady.unsteady() && modes.unsteady() && stalled.unsteady() && !unknown.unsteady());
        assertTrue(Double.isNaN(unknown.rateSpread()), "no per-second rates: not judged");
        Config c = new Config(Reflector.parse("vswitch-macswap"), Generator.FLOWGEN, 1);
        List<PointResult> rs = List.of(new PointResult(new Point(c, 1518), List.of(steady, modes, unknown)));
        String t = Results.tables(rs);
        assertTrue(t.endsWith("Unsteady starts: 1 of 2 with per-second rates moved more than 2x within the window (two modes in one start; "
                + "their mean is neither; results.json runs: \"unsteady\"):\n  vswitch macswap <- flowgen, 1q, 1518 B, start 2: 2.600..8.000 Mpps\n"), t);
        assertEquals("", Results.unsteadyNote(List.of(new PointResult(new Point(c, 64), List.of(steady, unknown)))));
        JsonNode doc = Json.MAPPER.readTree(Results.json(Map.of(), Map.of(), rs));
        assertEquals(false, doc.at("/points/0/runs/0/unsteady").asBoolean(true));
        assertEquals(true, doc.at("/points/0/runs/1/unsteady").asBoolean(false));
        assertEquals(8.0 / 2.6, doc.at("/points/0/runs/1/rx_pps_spread").asDouble(), 1e-9);
        assertTrue(doc.at("/points/0/runs/2/unsteady").isMissingNode(), "not judged without per-second rates");
    }

    @Test
    void missingPointsShowADashAndEmptyRowsAreDropped() {
        List<PointResult> rs = List.of(pr("vswitch-io", Generator.FLOWGEN, 1, 64, 5), pr("vswitch-io", Generator.FLOWGEN, 2, 1518, 1),
                new PointResult(new Point(new Config(Reflector.parse("testpmd-io"), Generator.FLOWGEN, 1), 64), List.of()));
        String t = Results.tables(rs);
        assertTrue(t.contains("vswitch io  1      | 2586/2560            -"), t);
        assertTrue(t.contains("vswitch io  2      |         -  12265/12144"), t);
        assertTrue(!t.contains("testpmd io"), "a reflector with no data gets no row");
    }

    @Test
    void nothingMeasuredSaysSo() {
        List<PointResult> rs = List.of(new PointResult(new Point(new Config(Reflector.parse("testpmd-io"), Generator.FLOWGEN, 1), 64),
                List.of()));
        assertEquals("(nothing was measured)\n", Results.tables(rs));
    }

    @Test
    void oneTablePairPerGenerator() {
        List<PointResult> rs = List.of(pr("vswitch-io", Generator.FLOWGEN, 1, 64, 5), pr("vswitch-io", Generator.VSWITCH_GEN, 1, 64, 6));
        String t = Results.tables(rs);
        assertTrue(t.contains("Generator testpmd flowgen: TX/RX Mbps"));
        assertTrue(t.contains("Generator vswitch-gen: reflected Mpps"));
        assertTrue(t.contains("6.00 (6.00)"));
    }

    @Test
    void latencyTableOnlyForAGeneratorThatMeasuresIt() {
        List<PointResult> rs = List.of(pr("vswitch-io", Generator.FLOWGEN, 1, 64, 5),
                new PointResult(new Point(new Config(Reflector.parse("vswitch-io"), Generator.VSWITCH_GEN, 1), 64),
                        List.of(new Measurement(2e6, 2e6, 0, 8000, 25000, new double[0], 9),
                                new Measurement(2e6, 2e6, 0, 9000, 35000, new double[0], 9),
                                new Measurement(2e6, 2e6, 0, 10000, 30000, new double[0], 9))));
        String t = Results.tables(rs);
        assertTrue(!t.contains("Generator testpmd flowgen: latency"), t);
        assertTrue(t.contains("Generator vswitch-gen: latency p50/p99 in us, median of up to 3 start(s)"), t);
        assertTrue(t.contains("vswitch io  1      | 9.0/30.0"), t);
    }

    @Test
    void generatorRatiosWhenBothGeneratorsRan() {
        List<PointResult> rs = List.of(pr("testpmd-io", Generator.FLOWGEN, 1, 64, 20, 21, 19), pr("testpmd-io", Generator.VSWITCH_GEN, 1, 64, 19, 18),
                pr("testpmd-io", Generator.FLOWGEN, 1, 1518, 2), pr("vswitch-io", Generator.FLOWGEN, 1, 64, 10));
        String t = Results.tables(rs);
        assertTrue(t.contains("Generators: vswitch-gen / testpmd flowgen reflected Mpps (medians)"), t);
        assertTrue(t.contains("testpmd io  1      | 0.925       -"), t);
        assertTrue(t.contains("against testpmd io, 1 queue(s), 64 B: 0.925 (target >= 0.95 NOT met, goal >= 1.00 not met)"), t);
        assertTrue(!t.contains("vswitch io  1      | "  + "-"), "a reflector without both generators gets no ratio row");
        assertTrue(!Results.tables(List.of(pr("testpmd-io", Generator.FLOWGEN, 1, 64, 20))).contains("Generators:"));
    }

    @Test
    void csvHasOneRowPerPointWithStatistics() {
        String[] lines = Results.csv(sample()).split("\n");
        assertEquals(5, lines.length);
        assertEquals(String.join(",", Results.CSV_HEADER), lines[0]);
        assertEquals("vswitch-macswap,flowgen,1,64,3,20,10,21,17,20.2,10240,10342.4,10752,0.009901,,,one-port,,1", lines[1]);
    }

    @Test
    void runsCsvHasEveryStart() {
        String[] lines = Results.runsCsv(sample()).split("\n");
        assertEquals(1 + 3 + 2 + 3 + 1, lines.length);
        assertEquals("reflector,generator,queues,size,start,tx_pps,rx_pps,loss_ratio,latency_p50_ns,latency_p99_ns,seconds,topology,switch,flows", lines[0]);
        assertEquals("vswitch-macswap,flowgen,1,64,2,21210000,21000000,0.009901,,,7.5,one-port,,1", lines[2]);
    }

    @Test
    void numbersInCsv() {
        assertEquals("", Results.num(Double.NaN));
        assertEquals("3", Results.num(3.0));
        assertEquals("0.5", Results.num(0.5));
        assertEquals("1234567.123457", Results.num(1234567.1234567));
    }

    @Test
    void jsonCarriesEnvironmentSettingsAndEveryRun() throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("cpu_model", "AMD EPYC");
        env.put("dpdk", "22.11.11");
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("starts", 3);
        settings.put("quick", true);
        settings.put("sizes", List.of(64, 1518));
        List<PointResult> rs = List.of(pr("vswitch-io", Generator.FLOWGEN, 2, 64, 4, 6),
                new PointResult(new Point(new Config(Reflector.parse("testpmd-io"), Generator.VSWITCH_GEN, 1), 128),
                        List.of(new Measurement(2e6, 1.9e6, 0.05, 8000, 25000, new double[0], 9))));
        JsonNode doc = Json.MAPPER.readTree(Results.json(env, settings, rs));
        assertEquals("AMD EPYC", doc.at("/environment/cpu_model").textValue());
        assertEquals(3.0, Harness.number(doc, "/settings/starts"));
        assertTrue(doc.at("/settings/quick").isBoolean() && doc.at("/settings/quick").booleanValue());
        JsonNode points = doc.get("points");
        assertEquals(2, points.size());
        JsonNode p0 = points.get(0);
        assertEquals("vswitch-io", p0.get("reflector").textValue());
        assertEquals(5.0, Harness.number(p0, "/rx_mpps/median"));
        assertEquals(6.0, Harness.number(p0, "/rx_mpps/max"));
        assertEquals(2.0, Harness.number(p0, "/rx_mpps/n"));
        assertTrue(p0.at("/latency_p50_ns/median").isNull(), "null when not measured");
        assertEquals(2, p0.get("runs").size());
        JsonNode p1 = points.get(1);
        assertEquals(8000.0, Harness.number(p1, "/latency_p50_ns/median"));
        assertEquals(0.05, Harness.number(p1, "/loss_ratio/max"));
        assertEquals("vswitch-gen", p1.get("generator").textValue());
    }
}
