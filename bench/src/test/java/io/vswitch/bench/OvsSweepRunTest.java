package io.vswitch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import io.vswitch.bench.CliTest.Run;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real, tiny {@code sweep --switch-only --switches ours,ovs} (one start at 64 B, 1 s warm-up,
 * 1 s window, 1 and 1024 flows): frames go through both switches, and afterwards no process of
 * the run is left and nothing outside {@code --out} (EAL runtime directories, hugepage files,
 * tap devices, OVS's system directories). Never asserts on rates beyond "more than zero".
 * Needs root, dpdk-testpmd, built bin/vswitch and Debian's openvswitch-switch-dpdk; fails (does
 * not skip) without them. Waits for the shared benchmark lock.
 */
class OvsSweepRunTest {
    static final Path REPO = Path.of(System.getProperty("vswitch.repo", "..")).toAbsolutePath().normalize();

    @Test
    void oneStartOfEachSwitchForwardsAndLeavesNothingBehind(@TempDir Path tmp) throws Exception {
        String missing = OvsPeer.missing(OvsPeer.VSWITCHD);
        if (missing != null) throw new AssertionError(missing);
        if (!Files.isExecutable(Path.of("/usr/bin/dpdk-testpmd"))) throw new AssertionError("dpdk-testpmd is missing: run bin/setup");
        if (!Files.isExecutable(REPO.resolve("bin/vswitch"))) throw new AssertionError("no bin/vswitch under " + REPO);
        boolean systemRun = Files.exists(Path.of("/var/run/openvswitch"));
        Path etcDb = Path.of("/etc/openvswitch/conf.db");
        long etcDbTime = Files.exists(etcDb) ? Files.getLastModifiedTime(etcDb).toMillis() : -1;
        Path out = tmp.resolve("out");
        String tag = "vsbench" + ProcessHandle.current().pid();
        Process lock = benchLock();
        Run r;
        try {
            r = CliTest.run("sweep", "--switch-only", "--switches", "ours,ovs", "--switch-flows", "1,1024", "--sizes", "64", "--starts", "1",
                    "--warmup", "1", "--window", "1", "--out", out.toString(), "--root", REPO.toString());
        } finally {
            lock.getOutputStream().close();
            lock.waitFor(10, TimeUnit.SECONDS);
        }
        assertEquals(0, r.code(), r.err() + "\nlogs in " + out.resolve("logs"));

        // frames went through both switches, at one flow and at 1024
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        List<String> head = List.of(csv.get(0).split(","));
        int rx = head.indexOf("rx_mpps_median"), sw = head.indexOf("switch"), flows = head.indexOf("flows"), starts = head.indexOf("starts");
        List<String> seen = new ArrayList<>();
        for (String line : csv.subList(1, csv.size())) {
            String[] f = line.split(",", -1);
            assertEquals("1", f[starts], line);
            assertTrue(Double.parseDouble(f[rx]) > 0, "nothing forwarded: " + line);
            seen.add(f[0] + "/" + f[sw] + "/" + f[flows]);
        }
        assertEquals(List.of("vswitch-switch/ours/1", "vswitch-io//1", "ovs-normal/ovs/1", "vswitch-switch/ours/1024", "ovs-normal/ovs/1024"), seen);
        String ctl = Files.readString(out.resolve("logs").resolve(logName(out, "ovs-ctl")));
        assertTrue(ctl.contains(": p0 (dpdkvhostuserclient") && ctl.contains(": p1 (dpdkvhostuserclient"), ctl);
        assertTrue(ctl.contains("dpif-netdev/pmd-stats-clear") && ctl.contains("avg processing cycles per packet"), ctl);
        String report = Files.readString(out.resolve("results.json"));
        assertTrue(report.contains("\"switch\": \"ovs\""), report);
        // the raw answers, for whoever wants a fresh sample of them (PmdCyclesTest's resources are such)
        System.out.println("---- " + logName(out, "ovs-ctl") + "\n" + ctl);
        for (String l : Files.readAllLines(out.resolve("logs").resolve(logName(out, "ovs-normal-testpmd-loop-1q-64-reflector")), StandardCharsets.ISO_8859_1))
            if (l.contains("TSC frequency")) System.out.println("---- ovs-vswitchd: " + l);
        System.out.println("---- " + fileName(out, "-pmd-stats.json") + "\n" + Files.readString(out.resolve("logs").resolve(fileName(out, "-pmd-stats.json"))));

        // both switches' cycles over the window: columns present, positive for the switches, empty for the io reflector
        for (String col : Results.CAPACITY_COLUMNS) assertTrue(head.contains(col), col + " not in " + head);
        for (String line : csv.subList(1, csv.size())) {
            String[] f = line.split(",", -1);
            for (String col : Results.CAPACITY_COLUMNS) {
                String v = f[head.indexOf(col)];
                if (f[0].equals("vswitch-io")) assertEquals("", v, col + ": " + line);
                else assertTrue(!v.isEmpty() && Double.parseDouble(v) > 0, col + " not positive: " + line);
            }
        }
        JsonNode doc = Json.MAPPER.readTree(report);
        int switchRuns = 0;
        for (JsonNode p : doc.get("points")) {
            if (p.get("switch").asText().isEmpty()) continue;
            for (JsonNode run : p.get("runs")) {
                JsonNode pmd = run.get("pmd");
                assertTrue(pmd != null && pmd.isObject(), "no pmd cycles in " + run);
                for (String k : List.of("frames", "busy_cycles", "tsc_hz", "busy_cycles_per_frame", "busy_pct", "capacity_mpps"))
                    assertTrue(pmd.get(k).isNumber() && pmd.get(k).doubleValue() > 0, k + " not positive in " + p.get("switch") + ": " + pmd);
                switchRuns++;
            }
        }
        assertEquals(4, switchRuns, "one start of each switch at 1 and 1024 flows");

        // nothing of the run left running
        List<String> left = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                String cmd;
                try {
                    cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                } catch (IOException gone) {
                    continue;
                }
                if (cmd.contains(out.toString()) || cmd.contains(tag)) left.add(p.getFileName() + ": " + cmd);
            }
        }
        assertEquals(List.of(), left, "processes of the run still running");

        // nothing left outside --out, and OVS's own directories inside it removed
        assertEquals(List.of(), matching(Path.of("/var/run/dpdk"), tag), "EAL runtime directories left");
        assertEquals(List.of(), matching(Path.of("/dev/hugepages"), tag), "hugepage files left");
        String bridges = "vsb" + ProcessHandle.current().pid() % 1_000_000 + "n";
        assertEquals(List.of(), matching(Path.of("/sys/class/net"), bridges), "bridge tap devices left");
        assertFalse(Files.exists(Path.of("/sys/class/net", OvsPeer.DATAPATH_TAP)), "the datapath's tap ovs-netdev was left");
        assertEquals(systemRun, Files.exists(Path.of("/var/run/openvswitch")), "the run touched /var/run/openvswitch");
        assertEquals(etcDbTime, Files.exists(etcDb) ? Files.getLastModifiedTime(etcDb).toMillis() : -1, "the run touched " + etcDb);
        assertEquals(List.of(), matching(out, "ovs-"), "OVS's run/db directories left in --out");
        assertEquals(List.of(), matching(out, ".sock"), "sockets left in --out");
        assertEquals(List.of(), matching(out, ".ctl"), "our switch's control sockets left in --out");
    }

    /** The name of the log of the first OVS start whose name ends with {@code suffix}.log. */
    private static String logName(Path out, String suffix) throws IOException {
        return fileName(out, suffix + ".log");
    }

    /** The name of the first file in the run's logs whose name ends with {@code end}. */
    private static String fileName(Path out, String end) throws IOException {
        try (Stream<Path> s = Files.list(out.resolve("logs"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(end)).sorted().findFirst()
                    .orElseThrow(() -> new AssertionError("no *" + end + " in " + out.resolve("logs")));
        }
    }

    static List<String> matching(Path dir, String part) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.contains(part)).toList();
        }
    }

    /**
     * Takes the shared benchmark lock (flock(1) on /tmp/vswitch-bench.lock, which Java's own file
     * locks do not see) in a child that holds it until its stdin closes.
     */
    private static Process benchLock() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("flock", "-w", "900", "/tmp/vswitch-bench.lock", "sh", "-c", "echo locked; cat >/dev/null")
                .redirectErrorStream(true).start();
        String first = new String(p.getInputStream().readNBytes(7), StandardCharsets.UTF_8);
        if (!first.strip().equals("locked")) {
            p.destroy();
            throw new AssertionError("could not take /tmp/vswitch-bench.lock within 15 min (another benchmark runs): " + first);
        }
        return p;
    }
}
