package io.vswitch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import io.vswitch.bench.Harness.Measurement;
import io.vswitch.bench.Peers.Config;
import io.vswitch.bench.Peers.Generator;
import io.vswitch.bench.Peers.Point;
import io.vswitch.bench.Peers.Reflector;
import io.vswitch.bench.Results.PointResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The switches' cycles per frame (issue 14): reading OVS's {@code dpif-netdev/pmd-stats-show} and
 * our {@code pmd-stats} (real answers captured from a tiny sweep here, in the test resources),
 * the arithmetic, and the columns and table they make. No process is started.
 */
class PmdCyclesTest {
    static String resource(String name) throws IOException {
        try (InputStream in = PmdCyclesTest.class.getResourceAsStream(name)) {
            if (in == null) throw new AssertionError("no test resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    // ---- reading

    @Test
    void readsOvsPmdStatsShowAsOvsComputesItsOwnAverages() throws Exception {
        // ovs-vswitchd-dpdk 3.1.0 (Debian 12), one PMD on core 1, 1 flow at 64 B, 1 s after a pmd-stats-clear
        String show = resource("ovs-pmd-stats-show.txt");
        PmdCycles c = PmdCycles.ofOvs(show, 2_600_000_000.0);
        assertEquals(5256032, c.frames());
        assertEquals(2095462434L, c.busy(), "processing cycles");
        assertEquals(628954846L, c.idle());
        // what OVS printed: "avg processing cycles per packet: 398.68" and "processing cycles: ... (76.91%)"
        assertEquals(398.68, c.cyclesPerFrame(), 0.005);
        assertEquals(76.91, c.busyPct(), 0.005);
        assertEquals(2_600_000_000.0 / (2095462434.0 / 5256032) / 1e6, c.capacityMpps(), 1e-9);
    }

    @Test
    void ovsMainThreadIsLeftOutAndPmdThreadsAreSummed() throws Exception {
        String show = resource("ovs-pmd-stats-show.txt");
        String main = show.substring(show.indexOf("main thread:"));
        PmdCycles withMainTraffic = PmdCycles.ofOvs(show.replace(main, main.replace("packets received: 0", "packets received: 777")), 1e9);
        assertEquals(5256032, withMainTraffic.frames(), "the main thread polls no DPDK port: not the PMD's");
        String pmd = show.substring(0, show.indexOf("main thread:"));
        PmdCycles two = PmdCycles.ofOvs(pmd + pmd.replace("core_id 1:", "core_id 3:") + main, 1e9);
        assertEquals(2 * 5256032L, two.frames());
        assertEquals(2 * 2095462434L, two.busy());
        assertEquals(2 * 628954846L, two.idle());
    }

    @Test
    void ovsThreadWithoutCyclesCountsZeroAndNoPmdThreadIsAFailure() throws Exception {
        // OVS prints no cycle lines while a thread's cycles are all zero (just cleared)
        String show = resource("ovs-pmd-stats-show.txt");
        String cleared = show.replaceAll("(?m)^  (idle|processing) cycles:.*\\n", "").replaceAll("(?m)^  avg (processing )?cycles per packet:.*\\n", "")
                .replace("packets received: 5256032", "packets received: 0");
        PmdCycles z = PmdCycles.ofOvs(cleared, 1e9);
        assertEquals(new PmdCycles(0, 0, 0, 1e9), z);
        assertTrue(Double.isNaN(z.cyclesPerFrame()) && Double.isNaN(z.busyPct()) && Double.isNaN(z.capacityMpps()));
        String main = show.substring(show.indexOf("main thread:"));
        RunFailure f = assertThrows(RunFailure.class, () -> PmdCycles.ofOvs(main, 1e9));
        assertTrue(f.getMessage().startsWith("OVS's pmd-stats-show names no pmd thread"), f.getMessage());
        assertThrows(RunFailure.class, () -> PmdCycles.ofOvs("pmd thread numa_id 0 core_id 1:\n  idle cycles: 5 (100.00%)\n", 1e9));
    }

    @Test
    void ovsTscRateComesFromItsLog() {
        // what ovs-vswitchd-dpdk 3.1.0 logged here
        assertEquals(2_600_000_000.0, PmdCycles.ovsTscHz(List.of("2026-12-02T05:41:55Z|00019|dpdk|INFO|DPDK Enabled - initialized",
                "2026-12-02T05:41:56Z|00020|pmd_perf|INFO|DPDK provided TSC frequency: 2600000 KHz")));
        assertEquals(2_000_000_000.0, PmdCycles.ovsTscHz(List.of("x|pmd_perf|INFO|Estimated TSC frequency: 2000000 KHz")));
        assertTrue(Double.isNaN(PmdCycles.ovsTscHz(List.of("nothing", "about it"))));
    }

    @Test
    void readsOurPmdStatsSummedOverLcores() throws Exception {
        // bin/vswitch --mode switch, one lcore, 1 flow at 64 B, 1 s after a pmd-stats-clear (vswitchctl pmd-stats --json; a busy machine)
        JsonNode doc = Json.MAPPER.readTree(resource("vswitch-pmd-stats.json"));
        PmdCycles c = PmdCycles.ofVswitch(doc);
        JsonNode l = doc.get("lcores").get(0);
        assertEquals(l.get("frames").longValue(), c.frames());
        assertEquals(l.get("busy_cycles").longValue(), c.busy());
        assertEquals(l.get("idle_cycles").longValue(), c.idle());
        assertEquals(doc.get("tsc_hz").doubleValue(), c.tscHz());
        assertTrue(c.frames() > 0 && c.busy() > 0, doc.toString());
        // the switch's own rounding of the same figures
        assertEquals(l.get("cycles_per_frame").doubleValue(), c.cyclesPerFrame(), 0.005);
        assertEquals(l.get("busy_pct").doubleValue(), c.busyPct(), 0.005);

        JsonNode two = Json.MAPPER.readTree("{\"tsc_hz\":2000000000,\"lcores\":[" + l + "," + l + "]}");
        PmdCycles s = PmdCycles.ofVswitch(two);
        assertEquals(2 * c.frames(), s.frames());
        assertEquals(2 * c.busy(), s.busy());
        assertEquals(2e9, s.tscHz());
    }

    @Test
    void ourPmdStatsWithoutCountersIsAFailureAndAccountingOffGivesNoFigures() throws Exception {
        assertThrows(RunFailure.class, () -> PmdCycles.ofVswitch(Json.MAPPER.readTree("{\"tsc_hz\":1}")));
        assertThrows(RunFailure.class, () -> PmdCycles.ofVswitch(Json.MAPPER.readTree("{\"tsc_hz\":1,\"lcores\":[]}")));
        assertThrows(RunFailure.class, () -> PmdCycles.ofVswitch(Json.MAPPER.readTree("{\"tsc_hz\":1,\"lcores\":[{\"frames\":3}]}")));
        // -Dvswitch.cycleAccounting=false (bench/ab-variants.sh's "off"): the counters stay at zero
        PmdCycles off = PmdCycles.ofVswitch(Json.MAPPER.readTree(
                "{\"tsc_hz\":2000000000,\"lcores\":[{\"busy_cycles\":0,\"idle_cycles\":0,\"frames\":0}]}"));
        assertTrue(Double.isNaN(off.cyclesPerFrame()) && Double.isNaN(off.busyPct()) && Double.isNaN(off.capacityMpps()));
    }

    // ---- how they are read

    @Test
    void ourSwitchServesAControlSocketForItsPmdStatsAndOvsIsAskedWithAppctl() {
        Path st = Path.of("/tmp/w/st.json"), ctl = Path.of("/tmp/w/s1.ctl");
        List<String> without = Harness.reflectorCommand(SwitchSweepTest.S, Reflector.SWITCH, 1, SwitchSweepTest.SOCKS, "pfx", st, false);
        List<String> with = Harness.reflectorCommand(SwitchSweepTest.S, Reflector.SWITCH, 1, SwitchSweepTest.SOCKS, "pfx", st, false, ctl);
        List<String> expected = new ArrayList<>(without);
        expected.addAll(expected.indexOf("--eal=--huge-unlink"), List.of("--ctl", "/tmp/w/s1.ctl"));
        assertEquals(expected, with);
        assertThrows(IllegalArgumentException.class,
                () -> Harness.reflectorCommand(SwitchSweepTest.S, SwitchSweepTest.IO, 1, SwitchSweepTest.SOCKS, "pfx", st, false, ctl),
                "--ctl is the switch's");
        assertEquals(List.of("/usr/bin/ovs-appctl", "--timeout=10", "-t", "/tmp/w/ovs-3/run/ovs-vswitchd.ctl", "dpif-netdev/pmd-stats-clear"),
                OvsPeer.pmdStatsClear(OvsSweepTest.L));
        assertEquals(List.of("/usr/bin/ovs-appctl", "--timeout=10", "-t", "/tmp/w/ovs-3/run/ovs-vswitchd.ctl", "dpif-netdev/pmd-stats-show"),
                OvsPeer.pmdStatsShow(OvsSweepTest.L));
    }

    // ---- arithmetic

    @Test
    void cyclesPerFrameBusyShareAndCapacity() {
        PmdCycles c = new PmdCycles(2_000_000_000L, 500_000_000L, 10_000_000L, 2.5e9);
        assertEquals(200.0, c.cyclesPerFrame());
        assertEquals(80.0, c.busyPct());
        assertEquals(12.5, c.capacityMpps(), 1e-12, "2.5 GHz / 200 cycles = 12.5 Mpps");
        assertTrue(Double.isNaN(new PmdCycles(1000, 0, 10, Double.NaN).capacityMpps()), "no TSC rate, no capacity");
        assertEquals(100.0, new PmdCycles(1000, 0, 10, 1e9).busyPct());
        Measurement none = Fixtures.m(2e6, 2e6);
        assertTrue(Double.isNaN(none.cyclesPerFrame()) && Double.isNaN(none.busyPct()) && Double.isNaN(none.capacityMpps()));
        Measurement m = none.withCycles(c).withSeconds(9);
        assertEquals(200.0, m.cyclesPerFrame());
        assertEquals(12.5, m.capacityMpps(), 1e-12);
        assertEquals(9, m.seconds());
        assertEquals(c, m.cycles());
    }

    // ---- presentation

    static final double HZ = 2.6e9;

    /** A switch point whose starts forwarded 5 Mpps each and needed {@code cpf} busy cycles per frame, busy {@code busyPct} %. */
    static PointResult cyc(Reflector r, int flows, int size, double busyPct, double... cpf) {
        List<Measurement> runs = new ArrayList<>();
        for (double c : cpf) {
            long frames = 10_000_000L, busy = Math.round(c * frames), idle = Math.round(busy * (100 - busyPct) / busyPct);
            runs.add(Fixtures.m(5.05e6, 5e6).withCycles(new PmdCycles(busy, idle, frames, HZ)));
        }
        return new PointResult(new Point(new Config(r, Generator.TESTPMD_LOOP, 1, flows), size), runs);
    }

    static List<PointResult> sample() {
        return List.of(cyc(Reflector.SWITCH, 1, 64, 40, 200, 250, 180), Fixtures.loop(false, 64, 11),
                cyc(Reflector.OVS, 1, 64, 80, 500, 400, 600),
                cyc(Reflector.SWITCH, 1024, 64, 50, 260), cyc(Reflector.OVS, 1024, 64, 90, 1300));
    }

    @Test
    void tableGivesCapacityCyclesAndBusyPerSwitchAndFlowCountAndOvsOverOurs() {
        assertEquals("""
                Per core (issue 14): each switch's poll thread over the window (vswitchctl pmd-stats, ovs-appctl dpif-netdev/pmd-stats-show), \
                median (best) of up to 3 start(s); capacity = tsc_hz / busy cycles per frame received, the Mpps its core could forward were \
                the guest (testpmd, one core) not the limit; busy cycles/frame median (fewest); cycles/frame OVS/ours = how many times more \
                frames a core of ours forwards
                                                    |            64 B
                ------------------------------------+----------------
                ours, 1 flow: capacity Mpps         |   13.00 (14.44)
                ours, 1 flow: busy cycles/frame     |   200.0 (180.0)
                ours, 1 flow: busy %                |            40.0
                OVS, 1 flow: capacity Mpps          |     5.20 (6.50)
                OVS, 1 flow: busy cycles/frame      |   500.0 (400.0)
                OVS, 1 flow: busy %                 |            80.0
                cycles/frame OVS/ours, 1 flow       |   2.500 (2.222)
                ours, 1024 flows: capacity Mpps     |   10.00 (10.00)
                ours, 1024 flows: busy cycles/frame |   260.0 (260.0)
                ours, 1024 flows: busy %            |            50.0
                OVS, 1024 flows: capacity Mpps      |     2.00 (2.00)
                OVS, 1024 flows: busy cycles/frame  | 1300.0 (1300.0)
                OVS, 1024 flows: busy %             |            90.0
                cycles/frame OVS/ours, 1024 flows   |   5.000 (5.000)

                """, OvsReport.capacityTable(sample()));
    }

    @Test
    void theSweepPrintsItAfterTheMppsTablesWhichStayAsTheyWere() {
        String t = Results.tables(sample());
        List<PointResult> mppsOnly = sample().stream().map(r -> new PointResult(r.point(),
                r.runs().stream().map(m -> m.withCycles(null)).toList())).toList();
        assertEquals(Results.tables(mppsOnly) + OvsReport.capacityTable(sample()), t);
        assertTrue(t.contains("ours, 1 flow               |   5.00 (5.00)"), t);
        assertEquals("", OvsReport.capacityTable(mppsOnly), "no cycles, no table");
        String oursOnly = OvsReport.capacityTable(List.of(cyc(Reflector.SWITCH, 1, 64, 40, 200)));
        assertTrue(oursOnly.contains("ours, 1 flow: capacity Mpps     | 13.00 (13.00)"), oursOnly);
        assertFalse(oursOnly.contains("\nOVS, ") || oursOnly.contains("\ncycles/frame OVS/ours"), "no OVS start, no OVS rows: " + oursOnly);
    }

    @Test
    void csvAndJsonCarryTheCyclesOfEachStartAndTheirStatistics() throws Exception {
        String[] csv = Results.csv(sample()).split("\n");
        List<String> head = List.of(csv[0].split(","));
        assertEquals(Results.CAPACITY_COLUMNS, head.subList(head.size() - Results.CAPACITY_COLUMNS.size(), head.size()));
        String[] ours = csv[1].split(",", -1), io = csv[2].split(",", -1), ovs = csv[3].split(",", -1);
        assertEquals(List.of("200", "180", "40", "13", "14.444444"), tail(ours, 5));
        assertEquals(List.of("", "", "", "", ""), tail(io, 5), "the io reflector has no pmd-stats");
        assertEquals(List.of("500", "400", "80", "5.2", "6.5"), tail(ovs, 5));

        String[] runs = Results.runsCsv(sample()).split("\n");
        List<String> rh = List.of(runs[0].split(","));
        assertEquals(Results.RUNS_CAPACITY_COLUMNS, rh.subList(rh.size() - 7, rh.size()));
        assertEquals(List.of("2000000000", "3000000000", "10000000", "2600000000", "200", "40", "13"), tail(runs[1].split(",", -1), 7));

        JsonNode p = Json.MAPPER.readTree(Results.json(Map.of(), Map.of(), sample())).get("points");
        assertEquals(200.0, p.get(0).get("busy_cycles_per_frame").get("median").doubleValue());
        assertEquals(13.0, p.get(0).get("capacity_mpps").get("median").doubleValue(), 1e-9);
        assertEquals(40.0, p.get(0).get("busy_pct").get("median").doubleValue(), 1e-9);
        JsonNode pmd = p.get(2).get("runs").get(1).get("pmd");
        assertEquals(4_000_000_000L, pmd.get("busy_cycles").longValue());
        assertEquals(10_000_000L, pmd.get("frames").longValue());
        assertEquals(2.6e9, pmd.get("tsc_hz").doubleValue());
        assertEquals(6.5, pmd.get("capacity_mpps").doubleValue(), 1e-9);
        assertFalse(p.get(1).has("capacity_mpps"), "not for the io reflector");
        assertFalse(p.get(1).get("runs").get(0).has("pmd"));

        String oneSided = Results.csv(List.of(Fixtures.pr("vswitch-io", Generator.FLOWGEN, 1, 64, 5))).split("\n")[0];
        assertFalse(oneSided.contains("capacity"), "no switch points, no cycle columns: " + oneSided);
    }

    private static List<String> tail(String[] cells, int n) {
        return List.of(cells).subList(cells.length - n, cells.length);
    }
}
