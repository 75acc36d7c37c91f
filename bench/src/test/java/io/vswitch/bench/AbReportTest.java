package io.vswitch.bench;

import static io.vswitch.bench.Fixtures.pr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.bench.Peers.Generator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pairing vswitch with testpmd and the two ratios. */
class AbReportTest {
    @Test
    void ratiosOfBestAndOfMedian() {
        List<AbReport.Row> rows = AbReport.rows(List.of(pr("vswitch-macswap", Generator.FLOWGEN, 1, 64, 19, 20, 12, 19.5, 20.5),
                pr("testpmd-macswap", Generator.FLOWGEN, 1, 64, 21, 20, 21.5, 13, 22)));
        assertEquals(1, rows.size());
        AbReport.Row r = rows.get(0);
        assertEquals("macswap", r.mode());
        assertEquals(64, r.size());
        assertEquals(20.5 / 22, r.ratioBest(), 1e-12);
        assertEquals(19.5 / 21, r.ratioMedian(), 1e-12);
    }

    @Test
    void rowsPerModeAndSizeInGivenModeOrder() {
        List<AbReport.Row> rows = AbReport.rows(List.of(pr("vswitch-macswap", Generator.FLOWGEN, 1, 64, 10),
                pr("testpmd-macswap", Generator.FLOWGEN, 1, 64, 10), pr("vswitch-macswap", Generator.FLOWGEN, 1, 1518, 2),
                pr("testpmd-macswap", Generator.FLOWGEN, 1, 1518, 1), pr("vswitch-io", Generator.FLOWGEN, 1, 64, 12),
                pr("testpmd-io", Generator.FLOWGEN, 1, 64, 10), pr("vswitch-io", Generator.FLOWGEN, 1, 1518, 3)));
        assertEquals(3, rows.size(), "io 1518 has no testpmd side and is left out");
        assertEquals(List.of("macswap", "macswap", "io"), rows.stream().map(AbReport.Row::mode).toList());
        assertEquals(2.0, rows.get(1).ratioBest());
        assertEquals(1.2, rows.get(2).ratioMedian(), 1e-12);
    }

    @Test
    void tableShowsBothSidesAndRatios() {
        String t = AbReport.table(AbReport.rows(List.of(pr("vswitch-io", Generator.FLOWGEN, 1, 64, 19, 20),
                pr("testpmd-io", Generator.FLOWGEN, 1, 64, 20, 20))));
        String[] lines = t.split("\n");
        assertEquals(3, lines.length);
        assertTrue(lines[0].startsWith("mode  size |   N  vswitch best  vswitch median  testpmd best  testpmd median  ratio best  ratio median"),
                lines[0]);
        assertTrue(lines[2].matches("io    64 B \\| 2/2 +20\\.000 +19\\.500 +20\\.000 +20\\.000 +1\\.000 +0\\.975"), lines[2]);
    }

    @Test
    void verdictAgainstTheIssueTarget() {
        List<AbReport.Row> rows = AbReport.rows(List.of(pr("vswitch-macswap", Generator.FLOWGEN, 1, 64, 19.5),
                pr("testpmd-macswap", Generator.FLOWGEN, 1, 64, 20), pr("vswitch-io", Generator.FLOWGEN, 1, 64, 18),
                pr("testpmd-io", Generator.FLOWGEN, 1, 64, 20), pr("vswitch-io", Generator.FLOWGEN, 1, 1518, 1),
                pr("testpmd-io", Generator.FLOWGEN, 1, 1518, 2)));
        String v = AbReport.verdict(rows);
        assertEquals("""
                macswap 64 B: vswitch/testpmd median ratio 0.975 (best 0.975): target >= 0.95 met, goal >= 1.00 not met
                io 64 B: vswitch/testpmd median ratio 0.900 (best 0.900): target >= 0.95 NOT met, goal >= 1.00 not met
                """, v, "1518 B rows have no target");
    }

    @Test
    void widelySpreadStartsMakeTheVerdictUncertain() {
        List<AbReport.Row> rows = AbReport.rows(List.of(pr("vswitch-macswap", Generator.FLOWGEN, 1, 64, 3.6, 1.0, 1.1),
                pr("testpmd-macswap", Generator.FLOWGEN, 1, 64, 20, 20.5, 21)));
        String v = AbReport.verdict(rows);
        assertTrue(v.contains("target >= 0.95 NOT met"), v);
        assertTrue(v.contains("  but uncertain: starts spread 1.00-3.60 Mpps (vswitch) and 20.00-21.00 Mpps (testpmd)"), v);
    }
}
