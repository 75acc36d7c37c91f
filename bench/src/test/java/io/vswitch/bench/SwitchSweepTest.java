package io.vswitch.bench;

import static io.vswitch.bench.Fixtures.loop;
import static io.vswitch.bench.Fixtures.pr;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.bench.CliTest.Run;
import io.vswitch.bench.Harness.Measurement;
import io.vswitch.bench.Peers.Config;
import io.vswitch.bench.Peers.Generator;
import io.vswitch.bench.Peers.Point;
import io.vswitch.bench.Peers.Reflector;
import io.vswitch.bench.Peers.Topology;
import io.vswitch.bench.Results.PointResult;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sweep --switch} (issue 6): the points and options, the two-port command lines, reading
 * bin/vswitch's stats lines into a measurement, the switch table and verdict, and the topology
 * in the CSV, JSON and plot. No process is started.
 */
class SwitchSweepTest {
    static final Harness.Settings S = new Harness.Settings(Path.of("/repo"), Path.of("/tmp/w"), 3, 5, 1, 0, false, "dpdk-testpmd");
    static final List<Path> SOCKS = List.of(Path.of("/tmp/w/s1-0.sock"), Path.of("/tmp/w/s1-1.sock"));
    static final Reflector IO = Reflector.parse("vswitch-io");

    /** Lines bin/vswitch --mode switch wrote with --stats-json in a real two-port loop run (64 B), cut to the top-level fields. */
    static final String SWITCH_LINE = "{\"type\":\"stats\",\"t\":3.057,\"interval_s\":1.008,\"ports\":[{\"port\":0,\"name\":\"net_vhost0\","
            + "\"rx_pkts\":7287936,\"tx_pkts\":7287904,\"rx_pps\":4238839.2,\"tx_pps\":4238807.5,\"flooded\":32,\"learned\":1},{\"port\":1,"
            + "\"name\":\"net_vhost1\",\"rx_pkts\":7287904,\"tx_pkts\":7287936,\"rx_pps\":4238807.5,\"tx_pps\":4238839.2,\"flooded\":0,"
            + "\"learned\":1}],\"rx_pps\":8477646.7,\"tx_pps\":8477646.7,\"drops\":0,\"fdb_entries\":2,\"mbufs_in_use\":0,\"mbufs\":8191,"
            + "\"poll_alloc_bytes\":[252968],\"poll_alloc_delta\":[0]}";
    /** The same from bin/vswitch --mode io (per queue instead of per port). */
    static final String IO_LINE = "{\"type\":\"stats\",\"t\":3.037,\"interval_s\":1.001,\"queues\":[{\"port\":\"net_vhost0\",\"queue\":0,"
            + "\"rx_pps\":5187781.7,\"tx_pps\":5187781.7,\"rx_gbps\":2.4901},{\"port\":\"net_vhost1\",\"queue\":0,\"rx_pps\":5187781.7,"
            + "\"tx_pps\":5187781.7,\"rx_gbps\":2.4901}],\"rx_pps\":10375563.4,\"tx_pps\":10375563.4,\"rx_gbps\":4.9803,\"drops\":0,"
            + "\"mbufs_in_use\":0,\"mbufs\":8191,\"poll_alloc_bytes\":[923576],\"poll_alloc_delta\":[0]}";

    static String line(String type, double intervalS, double rxPps, double txPps) {
        ObjectNode o = Json.MAPPER.createObjectNode().put("type", type).put("t", 1).put("interval_s", intervalS);
        o.putArray("ports");
        return o.put("rx_pps", rxPps).put("tx_pps", txPps).put("drops", 0).toString();
    }

    static Point loopPoint(Reflector r, int size) {
        return new Point(new Config(r, Generator.TESTPMD_LOOP, 1), size);
    }

    // ---- the points and the options

    @Test
    void quickAndTheDemoRunNoSwitchPoints(@TempDir Path root) {
        List<Point> quick = CliTest.parse(SweepCommand.class, "sweep", "--quick", "--root", root.toString()).points();
        List<Point> demo = CliTest.parse(SweepCommand.class, "sweep", "--quick", "--root", root.toString(), "--reflectors",
                "vswitch-macswap,testpmd-macswap", "--generators", "vswitch-gen,flowgen").points();
        assertEquals(8, quick.size());
        assertEquals(8, demo.size());
        for (Point p : quick) assertEquals(Topology.ONE_PORT, p.config().topology());
        for (Point p : demo) assertEquals(Topology.ONE_PORT, p.config().topology());
    }

    @Test
    void switchAddsSwitchAndReflectorAtEverySizeAfterTheOtherPoints(@TempDir Path root) {
        SweepCommand s = CliTest.parse(SweepCommand.class, "sweep", "--quick", "--switch", "--root", root.toString());
        List<Point> p = s.points();
        assertEquals(8 + 4, p.size(), "the quick sweep's 8 points, then switch and reflector at 64 and 1518 B");
        assertEquals(List.of(loopPoint(Reflector.SWITCH, 64), loopPoint(IO, 64), loopPoint(Reflector.SWITCH, 1518), loopPoint(IO, 1518)),
                p.subList(8, 12));
        assertEquals(1, s.starts(), "--quick's one start applies to them too");
        // interleaved like every other point: round k runs start k of all twelve, the switch points included
        List<Schedule.Slot> order = Schedule.interleaved(p.size(), 3);
        for (int i = 0; i < order.size(); i++) assertEquals(i / 12, order.get(i).start());
        assertEquals(11, order.get(11).point());
    }

    @Test
    void switchOnlyRunsJustTheComparison(@TempDir Path root) {
        SweepCommand s = CliTest.parse(SweepCommand.class, "sweep", "--switch-only", "--sizes", "64,1518", "--starts", "5", "--root",
                root.toString());
        List<Point> p = s.points();
        assertEquals(List.of(loopPoint(Reflector.SWITCH, 64), loopPoint(IO, 64), loopPoint(Reflector.SWITCH, 1518), loopPoint(IO, 1518)), p);
        assertEquals(5, s.starts());
        assertEquals(12, CliTest.parse(SweepCommand.class, "sweep", "--switch-only", "--root", root.toString()).points().size(),
                "default sizes: all six, two points each");
        assertEquals(3, s.warmup());
    }

    @Test
    void switchOptionErrorsNameTheFix() {
        Run r = CliTest.run("sweep", "--switch-only", "--reflectors", "vswitch-io", "--root", "/nonexistent");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--switch-only measures only the switch and the two-port reflector: drop --reflectors"), r.err());
        r = CliTest.run("sweep", "--switch", "--guest", "--root", "/nonexistent");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--switch and --switch-only run on the host: drop --guest"), r.err());
        r = CliTest.run("sweep", "--reflectors", "vswitch-switch", "--root", "/nonexistent");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("use sweep --switch"), r.err());
        r = CliTest.run("sweep", "--generators", "testpmd-loop", "--root", "/nonexistent");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("the two-port loop comes with sweep --switch"), r.err());
        assertTrue(CliTest.run("sweep", "--help").out().contains("--switch-only"));
    }

    @Test
    void theSwitchOnlyGoesWithTheLoopAndTheLoopOnlyWithOneQueueOfBinVswitch() {
        assertThrows(IllegalArgumentException.class, () -> new Config(Reflector.SWITCH, Generator.FLOWGEN, 1));
        assertThrows(IllegalArgumentException.class, () -> new Config(Reflector.parse("testpmd-io"), Generator.TESTPMD_LOOP, 1));
        assertThrows(IllegalArgumentException.class, () -> new Config(IO, Generator.TESTPMD_LOOP, 2));
        Config c = new Config(Reflector.SWITCH, Generator.TESTPMD_LOOP, 1);
        assertEquals(Topology.TWO_PORT_LOOP, c.topology());
        assertEquals(2, c.topology().ports());
        assertEquals("vswitch-switch", Reflector.SWITCH.id());
        assertEquals("vswitch switch <-> testpmd-loop, 2 ports, 1q, 64 B", new Point(c, 64).toString());
        assertEquals(Topology.ONE_PORT, new Config(IO, Generator.FLOWGEN, 2).topology());
    }

    @Test
    void testpmdIsNeededForTheLoop(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("bin"));
        assertTrue(Files.writeString(root.resolve("bin/vswitch"), "#!/bin/sh\n").toFile().setExecutable(true));
        String why = Runner.missing(root, "/no/such/testpmd", List.of(loopPoint(Reflector.SWITCH, 64)));
        assertTrue(why != null && why.contains("/no/such/testpmd not found"), String.valueOf(why));
    }

    // ---- command lines

    @Test
    void theSwitchGetsTwoVhostPortsOnOneLcore() {
        List<String> c = Harness.reflectorCommand(S, Reflector.SWITCH, 1, SOCKS, "pfx", Path.of("/tmp/w/st.json"), false);
        assertEquals(List.of("taskset", "-c", "1", "/repo/bin/vswitch", "--vdev", "net_vhost0,iface=/tmp/w/s1-0.sock,queues=1", "--vdev",
                "net_vhost1,iface=/tmp/w/s1-1.sock,queues=1", "--lcores", "1", "--mode", "switch", "--file-prefix", "pfx", "--stats", "1",
                "--stats-json", "/tmp/w/st.json", "--eal=--huge-unlink"), c);
        List<String> io = Harness.reflectorCommand(S, IO, 1, SOCKS, "pfx", Path.of("/tmp/w/st.json"), false);
        assertEquals(c.stream().map(x -> x.equals("switch") ? "io" : x).toList(), io, "the reflector differs only in its mode");
    }

    @Test
    void theLoopIsOneInteractiveTestpmdMacswappingTwoPortsAddressedToEachOther() {
        List<String> c = Harness.loopCommand(S, 64, SOCKS, "g");
        assertEquals(List.of("stdbuf", "-oL", "dpdk-testpmd", "--lcores", "0@0,1@0", "--file-prefix", "g", "--no-pci", "--single-file-segments",
                "--vdev", "net_virtio_user0,path=/tmp/w/s1-0.sock,mac=02:00:00:00:00:0a,queue_size=1024",
                "--vdev", "net_virtio_user1,path=/tmp/w/s1-1.sock,mac=02:00:00:00:00:0b,queue_size=1024",
                "--", "-i", "--forward-mode=macswap", "--port-topology=loop", "--nb-cores=1", "--rxd=1024", "--txd=1024",
                "--eth-peer=0,02:00:00:00:00:0b", "--eth-peer=1,02:00:00:00:00:0a", "--txpkts=60", "--total-num-mbufs=32768"), c);
        assertTrue(Harness.loopCommand(S, 1518, SOCKS, "g").contains("--txpkts=1514"), "tx_first's frames are not FCS-adjusted");
    }

    // ---- the measurement from bin/vswitch's stats lines

    @Test
    void windowIsTheIntervalWeightedMeanOfTheLinesAfterTheFirstInTheWindow() throws RunFailure {
        List<String> lines = List.of(line("stats", 1, 0, 0), line("stats", 1, 99e6, 99e6), line("stats", 1, 8e6, 8e6),
                line("stats", 0.5, 6.6e6, 6e6), line("summary", 4, 1e6, 1e6));
        Measurement m = Harness.loopWindow(lines, 1, 9.5);
        assertEquals((8e6 + 3e6) / 1.5, m.rxPps(), 1e-3, "forwarded = bin/vswitch's tx, the straddling line and the summary left out");
        assertEquals((8e6 + 3.3e6) / 1.5, m.txPps(), 1e-3, "offered = bin/vswitch's rx");
        assertEquals(1 - 11e6 / 11.3e6, m.lossRatio(), 1e-12);
        assertArrayEquals(new double[] {8e6, 6e6}, m.rxPerSecond());
        assertTrue(Double.isNaN(m.latP50Ns()));
        assertEquals(9.5, m.seconds());
    }

    @Test
    void readsBothOfBinVswitchsStatsFormats() throws RunFailure {
        assertEquals(8477646.7, Harness.loopWindow(List.of(IO_LINE, SWITCH_LINE), 0, 1).rxPps(), 1e-6, "switch: per port");
        assertEquals(10375563.4, Harness.loopWindow(List.of(SWITCH_LINE, IO_LINE), 0, 1).rxPps(), 1e-6, "io: per queue");
    }

    @Test
    void aShortWindowFallsBackToTheStraddlingLineAndNoLineIsAFailure() throws RunFailure {
        List<String> lines = List.of(line("stats", 1, 1e6, 1e6), line("stats", 1, 2e6, 2e6));
        assertEquals(2e6, Harness.loopWindow(lines, 1, 1).rxPps(), 1e-6);
        RunFailure f = assertThrows(RunFailure.class, () -> Harness.loopWindow(lines, 2, 1));
        assertTrue(f.getMessage().contains("no stats line during the window"), f.getMessage());
        assertThrows(RunFailure.class, () -> Harness.loopWindow(List.of("{not json"), 0, 1));
    }

    @Test
    void statsLinesLeaveOutALineStillBeingWritten(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("st.json");
        assertEquals(List.of(), Harness.statsLines(f));
        Files.writeString(f, "{\"a\":1}\n{\"b\":2}\n{\"c\":");
        assertEquals(List.of("{\"a\":1}", "{\"b\":2}"), Harness.statsLines(f));
    }

    // ---- presentation

    static List<PointResult> sample() {
        return List.of(pr("vswitch-macswap", Generator.FLOWGEN, 1, 64, 10), loop(true, 64, 5, 6, 4.5), loop(false, 64, 5, 5.5, 5.2),
                loop(true, 1518, 2.5), loop(false, 1518, 2.4));
    }

    @Test
    void switchTableRowsSwitchReflectorAndRatioWithTheVerdict() {
        String t = SwitchReport.table(sample());
        assertEquals("""
                Switch (issue 6): bin/vswitch --mode switch vs --mode io, 2 vhost ports, 1 lcore, testpmd's 2-port macswap loop; \
                Mpps bin/vswitch forwarded (both ports), median (best) of up to 3 start(s)
                                       |          64 B         1518 B
                -----------------------+-----------------------------
                switch (2 ports)       |   5.00 (6.00)    2.50 (2.50)
                reflector io (2 ports) |   5.20 (5.50)    2.40 (2.40)
                ratio switch/reflector | 0.962 (1.091)  1.042 (1.042)
                64 B: switch/reflector median ratio 0.962 (best 1.091): target >= 0.8 met

                """, t);
    }

    @Test
    void verdictNotMetUncertainOrNotJudged() {
        String v = SwitchReport.verdict(List.of(loop(true, 64, 3, 3.1), loop(false, 64, 5, 5)));
        assertTrue(v.startsWith("64 B: switch/reflector median ratio 0.610 (best 0.620): target >= 0.8 NOT met"), v);
        assertFalse(v.contains("uncertain"), v);
        v = SwitchReport.verdict(List.of(loop(true, 64, 2, 6, 5), loop(false, 64, 5, 5)));
        assertTrue(v.contains("target >= 0.8 met"), v);
        assertTrue(v.contains("  but uncertain: starts spread 2.00-6.00 Mpps (switch) and 5.00-5.00 Mpps (reflector)"), v);
        assertTrue(SwitchReport.verdict(List.of(loop(true, 1518, 2), loop(false, 1518, 2))).contains("not judged"));
        assertTrue(SwitchReport.verdict(List.of(loop(true, 64, 2))).contains("not judged"), "no reflector start at 64 B");
    }

    @Test
    void sweepTablesKeepTheLoopOutOfTheGeneratorTablesAndAppendTheSwitchTable() {
        String t = Results.tables(sample());
        assertTrue(t.contains("Generator testpmd flowgen: reflected Mpps"), t);
        assertFalse(t.contains("Generator testpmd macswap loop"), t);
        assertFalse(t.contains("vswitch switch"), "the loop's points are only in the switch table");
        assertTrue(t.endsWith(SwitchReport.table(sample())), t);
        String only = Results.tables(List.of(loop(true, 64, 5), loop(false, 64, 6)));
        assertTrue(only.startsWith("Switch (issue 6)"), only);
        assertEquals("", SwitchReport.table(List.of(pr("vswitch-io", Generator.FLOWGEN, 1, 64, 5))), "no switch points, no switch table");
    }

    @Test
    void csvAndJsonSayWhichTopology() throws Exception {
        String[] csv = Results.csv(sample()).split("\n");
        // the switch's cycle columns come last (empty: these made-up starts have none)
        String noCycles = ",".repeat(Results.CAPACITY_COLUMNS.size()), noRunCycles = ",".repeat(Results.RUNS_CAPACITY_COLUMNS.size());
        assertTrue(csv[0].endsWith(",topology,switch,flows," + String.join(",", Results.CAPACITY_COLUMNS)), csv[0]);
        assertTrue(csv[1].startsWith("vswitch-macswap,flowgen,1,64,") && csv[1].endsWith(",one-port,,1" + noCycles), csv[1]);
        assertTrue(csv[2].startsWith("vswitch-switch,testpmd-loop,1,64,3,5,4.5,6,") && csv[2].endsWith(",two-port-loop,ours,1" + noCycles), csv[2]);
        String[] runs = Results.runsCsv(sample()).split("\n");
        assertTrue(runs[0].endsWith(",seconds,topology,switch,flows," + String.join(",", Results.RUNS_CAPACITY_COLUMNS)), runs[0]);
        assertTrue(runs[2].startsWith("vswitch-switch,testpmd-loop,1,64,1,") && runs[2].endsWith(",two-port-loop,ours,1" + noRunCycles), runs[2]);
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("switch", "added");
        JsonNode doc = Json.MAPPER.readTree(Results.json(Map.of(), settings, sample()));
        JsonNode points = doc.get("points");
        List<String> topo = new ArrayList<>();
        for (JsonNode p : points) topo.add(p.get("topology").textValue());
        assertEquals(List.of("one-port", "two-port-loop", "two-port-loop", "two-port-loop", "two-port-loop"), topo);
        JsonNode sw = points.get(1);
        assertEquals("vswitch-switch", sw.get("reflector").textValue());
        assertEquals("testpmd-loop", sw.get("generator").textValue());
        assertEquals(5.0, Harness.number(sw, "/rx_mpps/median"));
        assertEquals(3, sw.get("runs").size());
    }

    @Test
    void plotDrawsTheLoopAsItsOwnLinesAndSaysForwarded(@TempDir Path dir) throws Exception {
        Map<Config, double[][]> s = Plot.series(sample(), PointResult::rxMpps);
        assertEquals(3, s.size(), "flowgen macswap, switch, reflector io on the loop");
        double[][] sw = s.get(new Config(Reflector.SWITCH, Generator.TESTPMD_LOOP, 1));
        assertArrayEquals(new double[] {64, 1518}, sw[0]);
        assertArrayEquals(new double[] {5, 2.5}, sw[1], 1e-9);
        assertEquals("Reflected (2-port loop: forwarded)", Plot.title(sample()));
        assertEquals("Forwarded (2-port loop)", Plot.title(List.of(loop(true, 64, 5))));
        assertEquals("Reflected", Plot.title(List.of(pr("vswitch-io", Generator.FLOWGEN, 1, 64, 5))));
        assertEquals(2, Plot.write(dir, "t", sample()).size());
        assertTrue(Files.size(dir.resolve("throughput-mpps.png")) > 1000);
    }
}
