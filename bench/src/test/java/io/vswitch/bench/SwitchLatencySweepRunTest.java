package io.vswitch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One tiny real {@code sweep --rate 0.5 --switch-only --switches ours,ovs}: bin/vswitch-gen's port
 * pair through our switch and through Open vSwitch (its dpdkvhostuserclient ports: the generator
 * serves the sockets), 64 B, one start, short trials; both have an NDR and latency samples at
 * 50 %, ours is judged against OVS, and nothing of the run is left (processes, sockets, EAL
 * directories, OVS's tap devices). Asserts no timing. Needs root, built bin/vswitch and
 * bin/vswitch-gen and Debian's openvswitch-switch-dpdk; fails (does not skip) without them.
 */
class SwitchLatencySweepRunTest {
    static final Path REPO = Path.of(System.getProperty("vswitch.repo", "..")).toAbsolutePath().normalize();

    @Test
    void halfTheNdrThroughOurSwitchAndOvs(@TempDir Path tmp) throws Exception {
        String missing = OvsPeer.missing(OvsPeer.VSWITCHD);
        if (missing != null) throw new AssertionError(missing);
        for (String bin : List.of("bin/vswitch", "bin/vswitch-gen"))
            assertTrue(Files.isExecutable(REPO.resolve(bin)), "no " + REPO.resolve(bin));
        Path out = tmp.resolve("out");
        String tag = "vsbench" + ProcessHandle.current().pid();
        BenchRuns.Printed run = BenchRuns.underLock("sweep", "--rate", "0.5", "--switch-only", "--switches", "ours,ovs", "--sizes", "64",
                "--starts", "1", "--warmup", "1", "--window", "1", "--ndr-trial", "0.5", "--ndr-precision", "20", "--no-huge",
                "--root", REPO.toString(), "--out", out.toString());
        int code = run.code();
        String printed = run.out();
        assertEquals(0, code, "the sweep failed: see " + out.resolve("logs") + "\n" + printed);
        for (String sw : List.of("vswitch switch", "ovs normal"))
            assertTrue(printed.lines().anyMatch(l -> l.startsWith("64 B") && l.contains(sw) && l.contains("1 x 2 ports") && l.contains("50%")),
                    sw + " row:\n" + printed);
        assertTrue(printed.contains("64 B, switch, 1q: p99.9 at 50% of NDR") && printed.contains("us (OVS)"), printed);

        // results.csv: per switch an NDR row and a 50 % row, on the port pair, with latency samples
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        List<String> head = List.of(csv.get(0).split(","));
        assertEquals(1 + 2 * 2, csv.size(), String.join("\n", csv));
        int share = head.indexOf("rate_share"), samples = head.indexOf("latency_samples_median"), p50 = head.indexOf("latency_p50_ns_median"),
                p999 = head.indexOf("latency_p999_ns_median"), ndr = head.indexOf("ndr_mpps_median"), ratio = head.indexOf("latency_p999_vs_peer"),
                topo = head.indexOf("topology"), sw = head.indexOf("switch");
        List<String> seen = new ArrayList<>();
        for (String line : csv.subList(1, csv.size())) {
            String[] c = line.split(",", -1);
            assertEquals("port-pair", c[topo], line);
            assertTrue(Double.parseDouble(c[ndr]) > 0, "an NDR was found: " + line);
            if (!c[share].equals("0.5")) continue;
            seen.add(c[sw]);
            assertTrue(Double.parseDouble(c[samples]) > 0, "latency samples: " + line);
            assertTrue(Double.parseDouble(c[p50]) > 0 && Double.parseDouble(c[p999]) >= Double.parseDouble(c[p50]), line);
            if (c[sw].equals("ours")) assertTrue(Double.parseDouble(c[ratio]) > 0, "ours against OVS: " + line);
        }
        assertEquals(List.of("ours", "ovs"), seen, String.join("\n", csv));
        JsonNode doc = Json.MAPPER.readTree(Files.readString(out.resolve("results.json")));
        assertEquals("ovs-normal", doc.at("/points/0/latency/0/latency_peer").asText(), doc.at("/points/0").toString());
        assertTrue(doc.at("/settings/latency_switch_method").asText().contains("topology port-pair"), "the method is recorded");
        assertTrue(doc.at("/settings/switch_method").isMissingNode(), "the two-port loop's method is not this sweep's");
        // the generator's JSON of a share run through OVS: two streams, every frame crossed
        try (var s = Files.list(out.resolve("logs"))) {
            Path ovsShare = s.filter(p -> p.getFileName().toString().matches(".*ovs-normal.*-50pct-generator\\.json")).findFirst().orElseThrow();
            JsonNode g = Json.MAPPER.readTree(Files.readString(ovsShare));
            assertEquals(2, g.get("queues").size(), g.toString());
            assertEquals(0, g.get("other_stream").asLong(), "every frame came out of the other port");
            assertTrue(g.at("/info/vdev").asText().contains("server=1"), "the generator serves OVS's client ports: " + g.get("info"));
        }

        // nothing of the run left
        assertEquals(List.of(), ProcessHandle.current().children().filter(ProcessHandle::isAlive).map(ProcessHandle::info).toList(),
                "no child left running");
        assertEquals(List.of(), OvsSweepRunTest.matching(Path.of("/var/run/dpdk"), tag), "EAL runtime directories left");
        assertEquals(List.of(), OvsSweepRunTest.matching(Path.of("/sys/class/net"), "vsb" + ProcessHandle.current().pid() % 1_000_000 + "l"),
                "bridge tap devices left");
        assertFalse(Files.exists(Path.of("/sys/class/net", OvsPeer.DATAPATH_TAP)), "the datapath's tap ovs-netdev was left");
        assertEquals(List.of(), OvsSweepRunTest.matching(out, "ovs-"), "OVS's run/db directories left in --out");
        assertEquals(List.of(), OvsSweepRunTest.matching(out, ".sock"), "sockets left in --out");
    }
}
