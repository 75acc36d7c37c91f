package io.vswitch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One tiny real sweep --rate: bin/vswitch macswap and testpmd macswap, 64 B, 1 start, 50 % of
 * the NDR, short trials and windows, no hugepages; the table and results.csv have their rows with
 * latency samples, and every child exited cleanly and left nothing behind. Asserts no timing.
 * Needs the jars of {@code mvn package} (bin/vswitch, bin/vswitch-gen) and dpdk-testpmd; takes
 * the benchmark lock as every bench run does, so it waits for a benchmark in progress.
 */
class LatencySweepRunTest {
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();   // surefire runs in bench/

    @Test
    void halfTheNdrThroughOursAndTestpmds(@TempDir Path tmp) throws Exception {
        for (String bin : List.of("bin/vswitch", "bin/vswitch-gen"))
            assertTrue(Files.isExecutable(ROOT.resolve(bin)), "no " + ROOT.resolve(bin));
        try (Stream<Path> s = Files.list(ROOT.resolve("vswitch/target"))) {
            assertTrue(s.anyMatch(p -> p.getFileName().toString().matches("vswitch-.*\\.jar")),
                    "bin/vswitch needs the built jars: run mvn -B -q package -DskipTests first");
        }
        assertTrue(Env.run(List.of("sh", "-c", "command -v dpdk-testpmd"), null).strip().length() > 0,
                "dpdk-testpmd not found: apt-get install dpdk");
        Path out = tmp.resolve("out");
        BenchRuns.Printed run = BenchRuns.underLock("sweep", "--rate", "0.5", "--sizes", "64", "--starts", "1", "--reflectors",
                "vswitch-macswap,testpmd-macswap", "--warmup", "1", "--window", "1", "--ndr-trial", "0.5", "--ndr-precision", "20",
                "--no-huge", "--root", ROOT.toString(), "--out", out.toString());
        int code = run.code();
        String printed = run.out();
        assertEquals(0, code, "the sweep failed (a child exited uncleanly or nothing came back): see " + out.resolve("logs") + "\n" + printed);

        // the table: one row per reflector at 50 %, and the verdict line
        assertTrue(printed.contains("Latency at a fixed load"), printed);
        for (String r : List.of("vswitch macswap", "testpmd macswap"))
            assertTrue(printed.lines().anyMatch(l -> l.startsWith("64 B") && l.contains(r) && l.contains("50%")), r + " row:\n" + printed);
        assertTrue(printed.contains("64 B, macswap, 1q: p99.9 at 50% of NDR"), printed);

        // results.csv: an NDR row and a 50 % row per reflector, with latency samples and percentiles
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        List<String> head = List.of(csv.get(0).split(","));
        assertEquals(1 + 2 * 2, csv.size(), String.join("\n", csv));
        int share = head.indexOf("rate_share"), samples = head.indexOf("latency_samples_median"), p999 = head.indexOf("latency_p999_ns_median"),
                p50 = head.indexOf("latency_p50_ns_median"), ndr = head.indexOf("ndr_mpps_median"), ratio = head.indexOf("latency_p999_vs_peer");
        int rows = 0;
        for (String line : csv.subList(1, csv.size())) {
            String[] c = line.split(",", -1);
            assertTrue(Double.parseDouble(c[ndr]) > 0, "an NDR was found: " + line);
            if (!c[share].equals("0.5")) continue;
            rows++;
            assertTrue(Double.parseDouble(c[samples]) > 0, "latency samples: " + line);
            assertTrue(Double.parseDouble(c[p50]) > 0 && Double.parseDouble(c[p999]) >= Double.parseDouble(c[p50]), line);
            if (c[0].equals("vswitch-macswap")) assertTrue(Double.parseDouble(c[ratio]) > 0, "ours against testpmd's: " + line);
        }
        assertEquals(2, rows, String.join("\n", csv));
        JsonNode doc = Json.MAPPER.readTree(Files.readString(out.resolve("results.json")));
        assertEquals(2, doc.get("points").size());
        for (JsonNode p : doc.get("points")) assertTrue(Harness.number(p, "/latency/0/latency_samples/median") > 0, p.toString());
        assertTrue(Files.size(out.resolve("latency-p999.png")) > 1000);

        // children: all gone, sockets and EAL runtime directories removed
        assertEquals(List.of(), ProcessHandle.current().children().filter(ProcessHandle::isAlive).map(ProcessHandle::info).toList(),
                "no child left running");
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(List.of(), s.filter(p -> p.toString().endsWith(".sock")).toList(), "sockets removed");
        }
        String tag = "vsbench" + ProcessHandle.current().pid();
        if (Files.isDirectory(Path.of("/var/run/dpdk")))
            try (Stream<Path> s = Files.list(Path.of("/var/run/dpdk"))) {
                assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(tag)).toList(), "EAL runtime files removed");
            }
        List<String> logs = new ArrayList<>();
        try (Stream<Path> s = Files.list(out.resolve("logs"))) {
            s.map(p -> p.getFileName().toString()).sorted().forEach(logs::add);
        }
        assertTrue(logs.stream().filter(f -> f.endsWith("-ndr-generator.json")).count() == 2
                && logs.stream().filter(f -> f.endsWith("-50pct-generator.json")).count() == 2
                && logs.stream().filter(f -> f.endsWith("-warmup-generator.json")).count() == 2, logs.toString());
    }

}
