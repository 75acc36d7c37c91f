package io.vswitch.bench;

import static io.vswitch.bench.Fixtures.pr;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import io.vswitch.bench.CliTest.Run;
import io.vswitch.bench.Harness.Measurement;
import io.vswitch.bench.Peers.Config;
import io.vswitch.bench.Peers.Generator;
import io.vswitch.bench.Peers.Point;
import io.vswitch.bench.Peers.Reflector;
import io.vswitch.bench.Results.PointResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code sweep --switches ours,ovs --switch-flows ...} (issue 14): the options and points, the
 * OVS command lines and database commands, reading OVS's counters, the many-flow seeding, and
 * the table and files with the switch column. No process is started.
 */
class OvsSweepTest {
    static final Harness.Settings S = SwitchSweepTest.S;
    static final List<Path> SOCKS = SwitchSweepTest.SOCKS;
    static final Reflector IO = Reflector.parse("vswitch-io");
    static final OvsPeer.Layout L = new OvsPeer.Layout(Path.of("/tmp/w/ovs-3"), "vsb42n3", "vsbench42r3", 1, SOCKS);

    static Point loop(Reflector r, int flows, int size) {
        return new Point(new Config(r, Generator.TESTPMD_LOOP, 1, flows), size);
    }

    /** Lines of ovs-appctl dpctl/show -s as OVS 3.1 prints them (port 1 and 3 are the vhost ports, the others taps). */
    static final String DPCTL = """
            netdev@ovs-netdev:
              lookups: hit:3504 missed:2 lost:0
              flows: 2
              port 0: ovs-netdev (tap)
                RX packets:0 errors:0 dropped:0 overruns:0 frame:0
                TX packets:0 errors:0 dropped:0 aborted:0 carrier:0
                collisions:0
                RX bytes:0  TX bytes:0
              port 1: p0 (dpdkvhostuserclient: configured_rx_queues=1, configured_tx_queues=1, mtu=1500, requested_rx_queues=1, requested_tx_queues=1)
                RX packets:1000 errors:0 dropped:0 overruns:0 frame:0
                TX packets:990 errors:0 dropped:10 aborted:0 carrier:0
                collisions:0
                RX bytes:60000 (58.6 KiB)  TX bytes:59400 (58.0 KiB)
              port 2: vsb42n3 (tap)
                RX packets:0 errors:0 dropped:0 overruns:0 frame:0
                TX packets:32 errors:0 dropped:0 aborted:0 carrier:0
                collisions:0
                RX bytes:0  TX bytes:1920 (1.9 KiB)
              port 3: p1 (dpdkvhostuserclient: configured_rx_queues=1, configured_tx_queues=1, mtu=1500, requested_rx_queues=1, requested_tx_queues=1)
                RX packets:2000 errors:0 dropped:0 overruns:0 frame:0
                TX packets:2005 errors:0 dropped:0 aborted:0 carrier:0
                collisions:0
                RX bytes:120000 (117.2 KiB)  TX bytes:120300 (117.5 KiB)
            """;

    // ---- options and points

    @Test
    void switchesAndFlowsMakeEveryPairOfSwitchAndFlowCountAtEverySize() {
        SweepCommand s = CliTest.parse(SweepCommand.class, "sweep", "--switch-only", "--switches", "ours,ovs", "--switch-flows", "1,1024",
                "--sizes", "64,1518", "--root", "/nonexistent");
        assertEquals(List.of(loop(Reflector.SWITCH, 1, 64), loop(IO, 1, 64), loop(Reflector.OVS, 1, 64),
                loop(Reflector.SWITCH, 1024, 64), loop(Reflector.OVS, 1024, 64),
                loop(Reflector.SWITCH, 1, 1518), loop(IO, 1, 1518), loop(Reflector.OVS, 1, 1518),
                loop(Reflector.SWITCH, 1024, 1518), loop(Reflector.OVS, 1024, 1518)), s.points(),
                "the io reflector (issue 6's reference) only at one flow: it does not read headers");
        assertEquals(OvsPeer.VSWITCHD, s.ovsVswitchd());
    }

    @Test
    void theDefaultIsOursAtOneFlowAsBefore() {
        List<Point> d = CliTest.parse(SweepCommand.class, "sweep", "--switch-only", "--sizes", "64", "--root", "/nonexistent").points();
        assertEquals(Peers.switchPoints(List.of(64)), d);
        assertEquals(List.of(loop(Reflector.SWITCH, 1, 64), loop(IO, 1, 64)), d);
        List<Point> ovsOnly = CliTest.parse(SweepCommand.class, "sweep", "--switch-only", "--switches", "OVS,ovs", "--sizes", "64",
                "--root", "/nonexistent").points();
        assertEquals(List.of(loop(Reflector.OVS, 1, 64)), ovsOnly);
    }

    @Test
    void optionErrorsNameTheFix() {
        Run r = CliTest.run("sweep", "--switches", "ours,ovs", "--root", "/nonexistent");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("set up the two-port loop: add --switch-only (or --switch)"), r.err());
        r = CliTest.run("sweep", "--switch-only", "--switches", "ours,vpp", "--root", "/nonexistent");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown switch 'vpp'; give ours and/or ovs"), r.err());
        r = CliTest.run("sweep", "--switch-only", "--switch-flows", "0", "--root", "/nonexistent");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--switch-flows must be 1..65536, got 0"), r.err());
        r = CliTest.run("sweep", "--reflectors", "ovs-normal", "--root", "/nonexistent");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Open vSwitch is a switch: sweep --switch-only --switches ours,ovs"), r.err());
        String help = CliTest.run("sweep", "--help").out();
        assertTrue(help.contains("--switches") && help.contains("--switch-flows") && help.contains("--ovs-vswitchd"), help);
        assertTrue(help.contains("3 --switches names ovs and Open vSwitch with DPDK is not installed"), help);
    }

    @Test
    void withoutOvsItFailsAtOnceWithOneLineNamingThePackageAndExit3() {
        Run r = CliTest.run("sweep", "--switch-only", "--switches", "ours,ovs", "--sizes", "64", "--ovs-vswitchd", "/no/such/ovs-vswitchd-dpdk",
                "--root", "/nonexistent");
        assertEquals(OvsPeer.EXIT_NOT_INSTALLED, r.code());
        assertEquals(3, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("vswitch-bench: Open vSwitch with DPDK is not installed (no /no/such/ovs-vswitchd-dpdk): install Debian's "
                + "openvswitch-switch-dpdk with bin/setup, or as root: "), r.err());
        assertTrue(r.err().contains("DEBIAN_FRONTEND=noninteractive apt-get install -y openvswitch-switch-dpdk"), r.err());
        assertEquals("", r.out());
        // ours alone never looks for OVS
        Run ours = CliTest.run("sweep", "--switch-only", "--sizes", "64", "--ovs-vswitchd", "/no/such", "--root", "/nonexistent");
        assertEquals(2, ours.code(), "fails on the missing bin/vswitch instead");
    }

    @Test
    void configsCheckFlowsAndWhereOvsGoes() {
        assertThrows(IllegalArgumentException.class, () -> new Config(Reflector.OVS, Generator.FLOWGEN, 1));
        assertThrows(IllegalArgumentException.class, () -> new Config(Reflector.parse("vswitch-macswap"), Generator.FLOWGEN, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> new Reflector(Peers.ReflectorKind.OVS, "io"));
        Config c = new Config(Reflector.OVS, Generator.TESTPMD_LOOP, 1, 1024);
        assertEquals("ovs normal <-> testpmd-loop, 2 ports, 1q, 1024 flows", c.label());
        assertEquals("ovs", c.switchName());
        assertEquals("ours", new Config(Reflector.SWITCH, Generator.TESTPMD_LOOP, 1).switchName());
        assertEquals("", new Config(IO, Generator.TESTPMD_LOOP, 1).switchName());
        assertEquals(new Config(IO, Generator.FLOWGEN, 1), new Config(IO, Generator.FLOWGEN, 1, 1));
    }

    // ---- OVS's command lines and database commands

    @Test
    void everythingOfOvsLivesUnderItsDirectory() {
        assertEquals(Map.of("OVS_RUNDIR", "/tmp/w/ovs-3/run", "OVS_DBDIR", "/tmp/w/ovs-3/db", "OVS_LOGDIR", "/tmp/w/ovs-3/log",
                "OVS_SYSCONFDIR", "/tmp/w/ovs-3/etc"), L.env());
        assertEquals(List.of("/usr/bin/ovsdb-tool", "create", "/tmp/w/ovs-3/db/conf.db", "/usr/share/openvswitch/vswitch.ovsschema"),
                OvsPeer.createDb(L));
        assertEquals(List.of("taskset", "-c", "1", "/usr/sbin/ovsdb-server", "/tmp/w/ovs-3/db/conf.db", "--remote=punix:/tmp/w/ovs-3/run/db.sock",
                "--pidfile=/tmp/w/ovs-3/run/ovsdb-server.pid", "--unixctl=/tmp/w/ovs-3/run/ovsdb-server.ctl"), OvsPeer.dbServer(L));
        assertEquals(List.of("taskset", "-c", "1", "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk", "unix:/tmp/w/ovs-3/run/db.sock",
                "--pidfile=/tmp/w/ovs-3/run/ovs-vswitchd.pid", "--unixctl=/tmp/w/ovs-3/run/ovs-vswitchd.ctl"), OvsPeer.vswitchd(L, OvsPeer.VSWITCHD));
        for (List<String> c : List.of(OvsPeer.createDb(L), OvsPeer.dbServer(L), OvsPeer.configure(L), OvsPeer.vswitchd(L, OvsPeer.VSWITCHD),
                OvsPeer.stats(L), OvsPeer.exit(L), OvsPeer.dbExit(L)))
            for (String a : c) assertFalse(a.contains("/var/run/openvswitch") || a.contains("/etc/openvswitch"), a);
    }

    @Test
    void oneTransactionConfiguresDpdkOnTheSwitchCpuAndABridgeWithTwoVhostUserClientPorts() {
        assertEquals(List.of("/usr/bin/ovs-vsctl", "--db=unix:/tmp/w/ovs-3/run/db.sock", "--no-wait", "--timeout=30", "init",
                "--", "set", "Open_vSwitch", ".", "other_config:dpdk-init=true", "other_config:dpdk-lcore-mask=0x2", "other_config:pmd-cpu-mask=0x2",
                "other_config:dpdk-socket-mem=128", "other_config:dpdk-extra=--file-prefix=vsbench42r3 --no-pci",
                "--", "add-br", "vsb42n3", "--", "set", "Bridge", "vsb42n3", "datapath_type=netdev",
                "--", "add-port", "vsb42n3", "p0", "--", "set", "Interface", "p0", "type=dpdkvhostuserclient",
                "options:vhost-server-path=/tmp/w/s1-0.sock",
                "--", "add-port", "vsb42n3", "p1", "--", "set", "Interface", "p1", "type=dpdkvhostuserclient",
                "options:vhost-server-path=/tmp/w/s1-1.sock"), OvsPeer.configure(L));
        assertEquals("0x1", OvsPeer.cpuMask(0));
        assertEquals("0x80", OvsPeer.cpuMask(7));
        assertEquals("0x10000000000000000", OvsPeer.cpuMask(64));
    }

    @Test
    void ovsIsStoppedThroughItsOwnControlSockets() {
        assertEquals(List.of("/usr/bin/ovs-appctl", "--timeout=10", "-t", "/tmp/w/ovs-3/run/ovs-vswitchd.ctl", "exit", "--cleanup"), OvsPeer.exit(L));
        assertEquals(List.of("/usr/bin/ovs-appctl", "--timeout=10", "-t", "/tmp/w/ovs-3/run/ovsdb-server.ctl", "exit"), OvsPeer.dbExit(L));
        assertEquals(List.of("/usr/bin/ovs-appctl", "--timeout=10", "-t", "/tmp/w/ovs-3/run/ovs-vswitchd.ctl", "dpctl/show", "-s"), OvsPeer.stats(L));
    }

    @Test
    void layoutRefusesNamesADeviceCannotHave() {
        assertThrows(IllegalArgumentException.class, () -> new OvsPeer.Layout(Path.of("/d"), "a-bridge-name-too-long", "p", 1, SOCKS));
        assertThrows(IllegalArgumentException.class, () -> new OvsPeer.Layout(Path.of("/d"), "b", "p", 1, SOCKS.subList(0, 1)));
    }

    @Test
    void missingNamesTheFirstAbsentPiece() {
        String why = OvsPeer.missing(Path.of("/no/such/vswitchd"));
        assertTrue(why.startsWith("Open vSwitch with DPDK is not installed (no /no/such/vswitchd): install Debian's openvswitch-switch-dpdk"), why);
        assertFalse(why.contains("\n"));
    }

    // ---- counters and the measurement

    @Test
    void countersSumTheTwoVhostPortsAndLeaveOutTheTaps() throws RunFailure {
        assertEquals(new OvsPeer.Counters(3000, 2995), OvsPeer.counters(DPCTL));
    }

    @Test
    void aPortWithoutCountersIsAFailure() {
        String unconnected = DPCTL.replace("""
                    RX packets:2000 errors:0 dropped:0 overruns:0 frame:0
                    TX packets:2005 errors:0 dropped:0 aborted:0 carrier:0
                """, ", could not retrieve stats (Protocol error)");
        RunFailure f = assertThrows(RunFailure.class, () -> OvsPeer.counters(unconnected));
        assertTrue(f.getMessage().startsWith("OVS has no counters for port p1"), f.getMessage());
        f = assertThrows(RunFailure.class, () -> OvsPeer.counters("netdev@ovs-netdev:\n  port 0: ovs-netdev (tap)\n"));
        assertTrue(f.getMessage().startsWith("OVS's datapath has no port p0"), f.getMessage());
    }

    @Test
    void theWindowIsTheCountersDifferenceOverItsDuration() {
        Measurement m = Harness.countersWindow(new OvsPeer.Counters(1000, 900), new OvsPeer.Counters(11000, 10900), 2, 7.5);
        assertEquals(5000, m.txPps(), 1e-9, "offered: what OVS received");
        assertEquals(5000, m.rxPps(), 1e-9, "forwarded: what OVS transmitted");
        assertEquals(0, m.lossRatio(), 1e-12);
        assertArrayEquals(new double[] {5000}, m.rxPerSecond());
        assertEquals(7.5, m.seconds());
        assertTrue(Double.isNaN(Harness.countersWindow(new OvsPeer.Counters(0, 0), new OvsPeer.Counters(0, 0), 1, 1).lossRatio()));
    }

    // ---- the guest: server ports for OVS, flows by flowgen

    @Test
    void forOvsTheGuestsPortsAreTheServers() {
        List<String> ours = Harness.loopCommand(S, 64, SOCKS, "g");
        assertEquals(ours, Harness.loopCommand(S, 64, 1, SOCKS, "g", false), "one flow for our switch: the command of issue 6");
        List<String> ovs = Harness.loopCommand(S, 64, 1, SOCKS, "g", true);
        assertEquals(ours.stream().map(a -> a.startsWith("net_virtio_user") ? a + ",server=1" : a).toList(), ovs);
    }

    @Test
    void manyFlowsAreSeededByFlowgenWithTheFrameSizeAndTheRxRingsKept() {
        List<String> c = Harness.loopCommand(S, 64, 1024, SOCKS, "g", false);
        assertTrue(c.contains("--txpkts=64"), "flowgen takes the FCS off itself: " + c);
        assertFalse(c.contains("--txpkts=60"));
        assertEquals(List.of("--flowgen-flows=1024", "--no-flush-rx"), c.subList(c.size() - 2, c.size()));
        assertEquals(new Harness.Seed(List.of("start tx_first 8"), 0, List.of()), Harness.seed(1));
        assertEquals(new Harness.Seed(List.of("set fwd flowgen", "start"), 200, List.of("stop", "set fwd mac", "start")), Harness.seed(1024));
    }

    // ---- presentation and files

    static PointResult sw(Reflector r, int flows, int size, double... mpps) {
        return pr(new Config(r, Generator.TESTPMD_LOOP, 1, flows), size, mpps);
    }

    static List<PointResult> sample() {
        return List.of(sw(Reflector.SWITCH, 1, 64, 9, 10, 8), sw(IO, 1, 64, 11), sw(Reflector.OVS, 1, 64, 6, 5, 6.5),
                sw(Reflector.SWITCH, 1024, 64, 9), sw(Reflector.OVS, 1024, 64, 4),
                sw(Reflector.SWITCH, 1, 1518, 3), sw(IO, 1, 1518, 3), sw(Reflector.OVS, 1, 1518, 2.8),
                sw(Reflector.SWITCH, 1024, 1518, 3), sw(Reflector.OVS, 1024, 1518, 2));
    }

    @Test
    void tableOfOurSwitchVsOvsPerFlowCountWithRatiosAndVerdicts() {
        String t = OvsReport.table(sample());
        assertEquals("""
                Our switch vs Open vSwitch (issue 14): bin/vswitch --mode switch vs OVS-DPDK NORMAL, 2 vhost ports, one poll thread on the \
                same CPU, testpmd's 2-port loop (macswap; mac with N flows); Mpps forwarded (both ports), median (best) of up to 3 start(s)
                                           |          64 B         1518 B
                ---------------------------+-----------------------------
                ours, 1 flow               |  9.00 (10.00)    3.00 (3.00)
                OVS, 1 flow                |   6.00 (6.50)    2.80 (2.80)
                ratio ours/OVS, 1 flow     | 1.500 (1.538)  1.071 (1.071)
                ours, 1024 flows           |   9.00 (9.00)    3.00 (3.00)
                OVS, 1024 flows            |   4.00 (4.00)    2.00 (2.00)
                ratio ours/OVS, 1024 flows | 2.250 (2.250)  1.500 (1.500)
                64 B, 1 flow: ours/OVS median ratio 1.500 (best 1.538): target >= 1.5 met
                1518 B, 1 flow: ours/OVS median ratio 1.071 (best 1.071): target >= 1.2 NOT met
                64 B, 1024 flows: ours/OVS median ratio 2.250 (best 2.250): target >= 1.5 met
                1518 B, 1024 flows: ours/OVS median ratio 1.500 (best 1.500): target >= 1.2 met

                """, t);
    }

    @Test
    void sweepTablesKeepIssue6sTableAtOneFlowAndAppendOursVsOvs() {
        String t = Results.tables(sample());
        assertTrue(t.startsWith("Switch (issue 6)"), t);
        assertTrue(t.contains("switch (2 ports)       |  9.00 (10.00)"), t);
        assertTrue(t.endsWith(OvsReport.table(sample())), t);
        String ovsOnly = Results.tables(List.of(sw(Reflector.OVS, 1, 64, 5)));
        assertTrue(ovsOnly.startsWith("Our switch vs Open vSwitch"), "no issue 6 table without our switch: " + ovsOnly);
        assertTrue(ovsOnly.contains("ours, 1 flow           |           -\nOVS, 1 flow            | 5.00 (5.00)"), ovsOnly);
        assertEquals("", OvsReport.table(List.of(sw(Reflector.SWITCH, 1, 64, 5))), "no OVS start, no OVS table");
    }

    @Test
    void csvAndJsonHaveTheSwitchAndFlowsColumns() throws Exception {
        String[] csv = Results.csv(sample()).split("\n");
        // the switches' cycle columns come last, empty here: these made-up starts have none
        String noCycles = ",".repeat(Results.CAPACITY_COLUMNS.size()), noRunCycles = ",".repeat(Results.RUNS_CAPACITY_COLUMNS.size());
        assertTrue(csv[0].endsWith(",topology,switch,flows," + String.join(",", Results.CAPACITY_COLUMNS)), csv[0]);
        assertTrue(csv[1].startsWith("vswitch-switch,testpmd-loop,1,64,3,9,") && csv[1].endsWith(",two-port-loop,ours,1" + noCycles), csv[1]);
        assertTrue(csv[2].startsWith("vswitch-io,testpmd-loop,1,64,") && csv[2].endsWith(",two-port-loop,,1" + noCycles), csv[2]);
        assertTrue(csv[3].startsWith("ovs-normal,testpmd-loop,1,64,3,6,") && csv[3].endsWith(",two-port-loop,ovs,1" + noCycles), csv[3]);
        assertTrue(csv[5].startsWith("ovs-normal,testpmd-loop,1,64,1,4,") && csv[5].endsWith(",two-port-loop,ovs,1024" + noCycles), csv[5]);
        String[] runs = Results.runsCsv(sample()).split("\n");
        assertTrue(runs[0].endsWith(",topology,switch,flows," + String.join(",", Results.RUNS_CAPACITY_COLUMNS)), runs[0]);
        assertTrue(runs[5].startsWith("ovs-normal,testpmd-loop,1,64,1,") && runs[5].endsWith(",ovs,1" + noRunCycles), runs[5]);
        JsonNode p = Json.MAPPER.readTree(Results.json(Map.of(), Map.of(), sample())).get("points");
        assertEquals("ovs", p.get(2).get("switch").textValue());
        assertEquals("ovs-normal", p.get(2).get("reflector").textValue());
        assertEquals(1024, p.get(4).get("flows").intValue());
        assertEquals("", p.get(1).get("switch").textValue());
        String one = Results.csv(List.of(pr("vswitch-io", Generator.FLOWGEN, 1, 64, 5))).split("\n")[1];
        assertTrue(one.endsWith(",one-port,,1"), one);
    }

    @Test
    void plotDrawsEachSwitchAndFlowCountAsItsOwnLine() {
        assertEquals(5, Plot.series(sample(), PointResult::rxMpps).size(), "ours, io and OVS at 1 flow, ours and OVS at 1024 flows");
    }
}
