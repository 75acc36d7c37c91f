package io.vswitch.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import io.vswitch.bench.Harness.Measurement;
import io.vswitch.bench.Peers.Config;
import io.vswitch.bench.Peers.Generator;
import io.vswitch.bench.Peers.Point;
import io.vswitch.bench.Peers.Reflector;
import io.vswitch.bench.Results.PointResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Steal time per start: /proc/stat's parsing, the campaign's reading around each start, and where it is reported. */
class CpuStealTest {
    @TempDir
    Path dir;

    /** /proc/stat as Linux 6.1 writes it, steal (the 8th number) as given per CPU. */
    static String procStat(long steal0, long steal1) {
        return "cpu  1000 0 500 90000 10 0 20 " + (steal0 + steal1) + " 0 0\n"
                + "cpu0 500 0 250 45000 5 0 10 " + steal0 + " 0 0\n"
                + "cpu1 500 0 250 45000 5 0 10 " + steal1 + " 0 0\n"
                + "intr 123456 0 0\nctxt 99\nbtime 1700000000\nprocesses 42\n";
    }

    @Test
    void parsesStealPerCpuAndSkipsTheAggregateLine() {
        assertArrayEquals(new long[] {7, 3}, CpuSteal.parse(procStat(7, 3).lines().toList()));
        // CPUs numbered with a hole (offline cpu1): indexed by number, the missing one 0
        assertArrayEquals(new long[] {1, 0, 5}, CpuSteal.parse(List.of("cpu0 1 2 3 4 5 6 7 1", "cpu2 1 2 3 4 5 6 7 5")));
        assertArrayEquals(new long[0], CpuSteal.parse(List.of("cpu0 1 2 3 4 5 6 7", "cpufreq junk")), "no steal column: nothing");
    }

    @Test
    void betweenIsTheDeltaInMilliseconds() {
        CpuSteal s = CpuSteal.between(new long[] {7, 3}, new long[] {10, 3});
        assertArrayEquals(new long[] {30, 0}, s.ms());
        assertEquals(30, s.totalMs());
        assertEquals("cpu0 30 ms", s.describe());
        assertArrayEquals(new long[] {0, 0}, CpuSteal.between(new long[] {9, 3}, new long[] {8, 3}).ms(), "a counter going back counts 0");
        assertNull(CpuSteal.between(null, new long[] {1}));
        assertNull(CpuSteal.read(dir.resolve("no-such-file")), "unreadable: no figure rather than a wrong one");
    }

    @Test
    void theCampaignReadsStealAroundEachStartAndSaysSo() throws Exception {
        Path stat = dir.resolve("stat");
        Files.writeString(stat, procStat(100, 200));
        Point p = new Point(new Config(Reflector.parse("testpmd-io"), Generator.VSWITCH_GEN, 1), 64);
        Campaign c = new Campaign(List.of(p), 2, stat);
        int[] start = {0};
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        c.run(pt -> {
            // the host takes 4 ticks of cpu1 during the first start, nothing during the second
            if (start[0]++ == 0) Files.writeString(stat, procStat(100, 204));
            return Fixtures.m(2.02e6, 2e6);
        }, new PrintStream(text, true, StandardCharsets.UTF_8));
        List<Measurement> runs = c.results().get(0).runs();
        assertArrayEquals(new long[] {0, 40}, runs.get(0).steal().ms());
        assertEquals(0, runs.get(1).steal().totalMs());
        String out = text.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("start 1/2 ... RX 2.000 Mpps, TX 2.020 Mpps; steal cpu1 40 ms ("), out);
        assertFalse(out.lines().filter(l -> l.contains("start 2/2")).findFirst().orElseThrow().contains("steal"), out);

        List<PointResult> rs = c.results();
        String note = Results.tables(rs);
        assertTrue(note.contains("Steal (the hypervisor ran something else on a vCPU; /proc/stat, whole start, 10 ms ticks): 1 of 2 starts, "
                + "40 ms in all"), note);
        assertTrue(note.contains("  testpmd io <- vswitch-gen, 1q, 64 B, start 1: cpu1 40 ms"), note);

        String[] csv = Results.runsCsv(rs).split("\n");
        assertTrue(csv[0].endsWith(",steal_ms"), csv[0]);
        assertTrue(csv[1].endsWith(",40"), csv[1]);
        assertTrue(csv[2].endsWith(",0"), csv[2]);

        JsonNode doc = Json.MAPPER.readTree(Results.json(Map.of(), Map.of(), rs));
        JsonNode run = doc.at("/points/0/runs/0/steal_ms");
        assertEquals(0, run.get("cpu0").asLong());
        assertEquals(40, run.get("cpu1").asLong());
    }

    @Test
    void withoutStealFiguresNothingChanges() throws IOException {
        List<PointResult> rs = ResultsTest.sample();
        assertEquals("", Results.stealNote(rs));
        assertFalse(Results.runsCsv(rs).contains("steal_ms"));
        assertTrue(Json.MAPPER.readTree(Results.json(Map.of(), Map.of(), rs)).at("/points/0/runs/0/steal_ms").isMissingNode());
    }
}
