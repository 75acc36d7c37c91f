package io.vswitch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One tiny real ab-within: bin/vswitch --ab base,prefetch against testpmd flowgen, 1518 B, 1 start,
 * 2 counted rounds of 0.5 s after one warm-up round, no hugepages. Its files hold both variants in
 * every round, and every child exited cleanly and left nothing behind. Asserts no timing or ratio.
 * Needs the jars of {@code mvn package} and dpdk-testpmd; takes the benchmark lock itself (so do
 * not run it under flock).
 */
class AbWithinRunTest {
    static final Path ROOT = LatencySweepRunTest.ROOT;

    @Test
    void oneShortStartWritesBothVariants(@TempDir Path tmp) throws Exception {
        assertTrue(Files.isExecutable(ROOT.resolve("bin/vswitch")), "no " + ROOT.resolve("bin/vswitch"));
        try (Stream<Path> s = Files.list(ROOT.resolve("vswitch/target"))) {
            assertTrue(s.anyMatch(p -> p.getFileName().toString().matches("vswitch-.*\\.jar")),
                    "bin/vswitch needs the built jars: run mvn -B -q package -DskipTests first");
        }
        assertTrue(Env.run(List.of("sh", "-c", "command -v dpdk-testpmd"), null).strip().length() > 0,
                "dpdk-testpmd not found: apt-get install dpdk");
        Path out = tmp.resolve("out");
        BenchRuns.Printed run = BenchRuns.underLock("ab-within", "--variants", "base,prefetch", "--sizes", "1518", "--starts", "1",
                "--rounds", "2", "--period", "0.5", "--no-huge", "--root", ROOT.toString(), "--out", out.toString());
        int code = run.code();
        String printed = run.out();
        assertEquals(0, code, "ab-within failed: see " + out.resolve("logs") + "\n" + printed);
        assertTrue(printed.contains("across starts"), printed);
        assertTrue(printed.lines().anyMatch(l -> l.startsWith("1518 B") && l.contains("prefetch")), printed);

        List<String> rounds = Files.readAllLines(out.resolve("ab-within-rounds.csv"));
        assertEquals(1 + 2 * 2, rounds.size(), String.join("\n", rounds));
        for (String v : List.of("base", "prefetch"))
            assertEquals(2, rounds.stream().filter(l -> l.startsWith("1518,1,") && l.split(",")[3].equals(v)
                    && Double.parseDouble(l.split(",")[4]) > 0).count(), v + " in both rounds:\n" + String.join("\n", rounds));
        List<String> starts = Files.readAllLines(out.resolve("ab-within.csv"));
        assertEquals(3, starts.size(), String.join("\n", starts));
        JsonNode doc = Json.MAPPER.readTree(Files.readString(out.resolve("ab-within.json")));
        assertTrue(doc.at("/starts/0/mpps_median/base").doubleValue() > 0, doc.toString());
        assertTrue(doc.at("/starts/0/mpps_median/prefetch").doubleValue() > 0, doc.toString());
        assertTrue(doc.at("/summary/0/paired_ratio/prefetch/median").isNumber(), doc.toString());
        assertEquals(2, doc.at("/starts/0/rounds").size());

        // children gone, sockets and EAL runtime directories removed
        assertEquals(List.of(), ProcessHandle.current().children().filter(ProcessHandle::isAlive).map(ProcessHandle::info).toList(),
                "no child left running");
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(List.of(), s.filter(p -> p.toString().endsWith(".sock")).toList(), "sockets removed");
        }
        String tag = "vsabw" + ProcessHandle.current().pid();
        if (Files.isDirectory(Path.of("/var/run/dpdk")))
            try (Stream<Path> s = Files.list(Path.of("/var/run/dpdk"))) {
                assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(tag)).toList(), "EAL runtime files removed");
            }
    }
}
