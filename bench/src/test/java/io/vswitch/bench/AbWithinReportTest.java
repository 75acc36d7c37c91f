package io.vswitch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import io.vswitch.bench.AbWithinReport.Interval;
import io.vswitch.bench.AbWithinReport.Round;
import io.vswitch.bench.AbWithinReport.SizeSummary;
import io.vswitch.bench.AbWithinReport.Start;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ab-within's arithmetic: stats lines to variants and rounds, paired ratios, the summary across starts, and the outputs. */
class AbWithinReportTest {
    static final List<String> AB = List.of("base", "prefetch");

    /** A bin/vswitch --ab stats line. */
    static String line(String variant, long round, double interval, double txPps, double rxPps) {
        return Json.MAPPER.createObjectNode().put("type", "stats").put("t", 1.0).put("interval_s", interval).put("rx_pps", rxPps)
                .put("tx_pps", txPps).put("variant", variant).put("ab_round", round).put("ab_sample", 0).toString();
    }

    @Test
    void readsTheVariantLinesOnly() {
        List<String> lines = List.of(line("base", 0, 1, 0, 0), "", "{\"type\":\"stats\",\"t\":1,\"tx_pps\":5}",
                line("prefetch", 0, 0.5, 2e6, 2.1e6), "{\"type\":\"summary\",\"variant\":\"x\"}");
        List<Interval> xs = AbWithinReport.intervals(lines);
        assertEquals(List.of(new Interval("base", 0, 1, 0, 0), new Interval("prefetch", 0, 0.5, 2e6, 2.1e6)), xs);
        assertEquals(0, AbWithinReport.firstBusyRound(xs));
        assertThrows(IllegalArgumentException.class, () -> AbWithinReport.intervals(List.of("{not json")));
    }

    @Test
    void roundsStartAfterTheWarmUpAndLeaveIncompleteOnesOut() {
        List<String> lines = new ArrayList<>();
        lines.add(line("base", 0, 1, 0, 0));                 // before traffic
        lines.add(line("prefetch", 0, 1, 0, 0));
        lines.add(line("base", 1, 1, 1e6, 1e6));             // first with traffic: warm-up
        lines.add(line("prefetch", 1, 1, 1e6, 1e6));
        for (int r = 2; r <= 4; r++) {
            lines.add(line("base", r, 1, r * 1e6, 1));
            lines.add(line("prefetch", r, 1, r * 1.1e6, 1));
        }
        lines.add(line("base", 5, 1, 9e6, 1));               // incomplete: no prefetch line
        List<Round> rs = AbWithinReport.rounds(AbWithinReport.intervals(lines), AB, 1, 10);
        assertEquals(List.of(2L, 3L, 4L), rs.stream().map(Round::round).toList());
        assertEquals(2.0, rs.get(0).mpps().get("base"), 1e-12);
        assertEquals(2.2, rs.get(0).mpps().get("prefetch"), 1e-12);
        assertEquals(1.1, rs.get(2).ratio("prefetch", "base"), 1e-12);
        assertEquals(List.of(2L, 3L), AbWithinReport.rounds(AbWithinReport.intervals(lines), AB, 1, 2).stream().map(Round::round).toList());
        assertEquals(List.of(1L, 2L, 3L, 4L),
                AbWithinReport.rounds(AbWithinReport.intervals(lines), AB, 0, 10).stream().map(Round::round).toList());
        assertEquals(List.of(), AbWithinReport.rounds(AbWithinReport.intervals(lines.subList(0, 2)), AB, 0, 10), "no traffic: no rounds");
    }

    @Test
    void severalLinesOfOneVariantInARoundAreWeightedByTheirIntervals() {
        List<String> lines = List.of(line("base", 3, 0.25, 4e6, 1), line("base", 3, 0.75, 8e6, 1), line("prefetch", 3, 1, 7e6, 1));
        List<Round> rs = AbWithinReport.rounds(AbWithinReport.intervals(lines), AB, 0, 10);
        assertEquals(7.0, rs.get(0).mpps().get("base"), 1e-12);
        assertEquals(1.0, rs.get(0).ratio("prefetch", "base"), 1e-12);
    }

    static Round round(long r, double a, double b) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("base", a);
        m.put("prefetch", b);
        return new Round(r, m);
    }

    @Test
    void thePairedRatioIsTheMedianOfPerRoundRatiosNotTheRatioOfMedians() {
        // a start whose rate drifts: per-round ratios 1.2, 1.0, 1.1 -> 1.1; medians 6 and 6.6 -> 1.1 only by chance elsewhere
        Start s = new Start(1518, 1, AB, List.of(round(2, 5, 6), round(3, 10, 10), round(4, 6, 6.6)));
        assertEquals(6.0, s.median("base"), 1e-12);
        assertEquals(6.6, s.median("prefetch"), 1e-12);
        assertEquals(1.1, s.pairedRatio("prefetch"), 1e-12);
        Start t = new Start(1518, 2, AB, List.of(round(2, 4, 2), round(3, 4, 8), round(4, 100, 90)));
        assertEquals(0.9, t.pairedRatio("prefetch"), 1e-12, "median of 0.5, 2, 0.9");
        assertEquals(8.0, t.median("prefetch"), 1e-12);
    }

    @Test
    void acrossStartsMedianMinMaxOfRatiosAndMedianBestOfMpps() {
        List<Start> starts = List.of(new Start(1518, 1, AB, List.of(round(1, 6, 6.6))), new Start(64, 1, AB, List.of(round(1, 10, 9))),
                new Start(1518, 2, AB, List.of(round(1, 13, 13))), new Start(1518, 3, AB, List.of(round(1, 12, 12.6))));
        List<SizeSummary> ss = AbWithinReport.summarise(starts);
        assertEquals(List.of(1518, 64), ss.stream().map(SizeSummary::size).toList());
        SizeSummary s = ss.get(0);
        assertEquals(3, s.starts());
        assertEquals(1.05, s.ratios().get("prefetch").median(), 1e-12);
        assertEquals(1.0, s.ratios().get("prefetch").min(), 1e-12);
        assertEquals(1.1, s.ratios().get("prefetch").max(), 1e-12);
        assertEquals(12.0, s.mpps().get("base").median(), 1e-12);
        assertEquals(13.0, s.mpps().get("base").best(), 1e-12);
        assertEquals(12.6, s.mpps().get("prefetch").median(), 1e-12);
        assertEquals(List.of("prefetch"), List.copyOf(s.ratios().keySet()), "no ratio of A to itself");
    }

    @Test
    void outputsHaveEveryStartRoundAndVariant() throws Exception {
        List<Start> starts = List.of(new Start(1518, 1, AB, List.of(round(2, 5, 6), round(3, 5, 5))),
                new Start(1518, 2, AB, List.of(round(2, 10, 11), round(3, 10, 12))));
        List<String> rounds = List.of(AbWithinReport.roundsCsv(starts).split("\n"));
        assertEquals("size,start,round,variant,mpps,ratio_to_first", rounds.get(0));
        assertEquals(1 + 2 * 2 * 2, rounds.size());
        assertTrue(rounds.contains("1518,1,2,prefetch,6,1.2"), rounds.toString());
        List<String> per = List.of(AbWithinReport.startsCsv(starts).split("\n"));
        assertEquals("size,start,variant,rounds,mpps_median,paired_ratio_median", per.get(0));
        assertTrue(per.contains("1518,1,base,2,5,1"), per.toString());
        assertTrue(per.contains("1518,2,prefetch,2,11.5,1.15"), per.toString());
        JsonNode doc = Json.MAPPER.readTree(AbWithinReport.json(Map.of("git_commit", "abc"), Map.of("variants", AB), starts));
        assertEquals(2, doc.get("starts").size());
        assertEquals(1.1, doc.at("/starts/0/paired_ratio_median/prefetch").doubleValue(), 1e-12);
        assertEquals(2, doc.at("/starts/1/rounds").size());
        assertEquals(1.125, doc.at("/summary/0/paired_ratio/prefetch/median").doubleValue(), 1e-12);
        assertEquals(11.5, doc.at("/summary/0/mpps/prefetch/max").doubleValue(), 1e-12);
        String text = AbWithinReport.report(starts, "title");
        assertTrue(text.contains("prefetch/base"), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("1518 B") && l.contains("prefetch") && l.contains("1.125")), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("1518 B") && l.contains("base") && l.contains("(A)")), text);
    }

    @Test
    void theReflectorCommandIsTheSweepsWithAb() {
        Harness.Settings s = new Harness.Settings(Path.of("/r"), Path.of("/w"), 0, 1, 1, 0, true, "dpdk-testpmd");
        List<String> c = AbWithinHarness.reflectorCommand(s, Peers.Reflector.parse("vswitch-macswap"), Path.of("/w/s.sock"), "p",
                Path.of("/w/st.json"), AB, 0.5);
        String cmd = String.join(" ", c);
        assertTrue(cmd.contains("--ab base,prefetch --ab-period 0.5 --stats 0.5 --stats-json /w/st.json"), cmd);
        assertTrue(cmd.startsWith("taskset -c 1 /r/bin/vswitch --vdev net_vhost0,iface=/w/s.sock,queues=1"), cmd);
        assertTrue(cmd.contains("--mode macswap"), cmd);
        assertEquals(1, c.stream().filter("--stats"::equals).count());
    }
}
