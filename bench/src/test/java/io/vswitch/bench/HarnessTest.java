package io.vswitch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.bench.Peers.Generator;
import io.vswitch.bench.Peers.Reflector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command lines the harness starts, and how it judges exit codes (no process is started). */
class HarnessTest {
    static final Path ROOT = Path.of("/repo");
    static final Harness.Settings S = new Harness.Settings(ROOT, Path.of("/tmp/w"), 2, 5, 1, 0, false, "dpdk-testpmd");
    static final Path SOCK = Path.of("/tmp/w/s1.sock");

    @Test
    void vswitchArgsGoToEveryBinVswitchAndNotToTestpmd() {
        Harness.Settings s = new Harness.Settings(Path.of("/repo"), Path.of("/tmp/w"), 1, 3, 1, 0, true, "dpdk-testpmd")
                .withVswitchArgs(List.of("--mbufs=16384", "--burst", "64"));
        List<String> ours = Harness.reflectorCommand(s, Reflector.parse("vswitch-macswap"), 1, Path.of("/tmp/w/s.sock"), "r", Path.of("x"));
        assertTrue(String.join(" ", ours).contains(" --mbufs=16384 --burst 64 "), ours.toString());
        List<String> theirs = Harness.reflectorCommand(s, Reflector.parse("testpmd-macswap"), 1, Path.of("/tmp/w/s.sock"), "r", Path.of("x"));
        assertFalse(theirs.contains("--mbufs=16384"), theirs.toString());
        assertEquals(List.of("--mbufs=16384"), CliTest.parse(SweepCommand.class, "sweep", "--vswitch-args=--mbufs=16384").common.vswitchArgs());
        assertEquals(List.of(), CliTest.parse(SweepCommand.class, "sweep").common.vswitchArgs(), "none unless given (or in the environment)");
    }

    @Test
    void vswitchGensPerSecondRatesBecomeTheStartsAndTheirAbsenceIsNoRates() throws Exception {
        var doc = io.vswitch.Json.MAPPER.readTree("{\"tx_pps\": 1, \"rx_pps\": 1, \"rx_pps_per_second\": [8.0e6, 2.6e6]}");
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {8.0e6, 2.6e6}, Harness.perSecond(doc));
        assertEquals(0, Harness.perSecond(io.vswitch.Json.MAPPER.readTree("{\"ndr\": {}}")).length);
        assertTrue(new Harness.Measurement(1, 1, 0, 1, 1, Harness.perSecond(doc), 1).unsteady());
    }

    @Test
    void vswitchReflectorIsPinnedAndUnlinksHugepages() {
        List<String> c = Harness.reflectorCommand(S, Reflector.parse("vswitch-macswap"), 2, SOCK, "pfx", Path.of("/tmp/w/st.json"));
        assertEquals(List.of("taskset", "-c", "1", "/repo/bin/vswitch", "--vdev", "net_vhost0,iface=/tmp/w/s1.sock,queues=2", "--lcores", "1", "--mode", "macswap",
                "--file-prefix", "pfx", "--stats", "1", "--stats-json", "/tmp/w/st.json", "--eal=--huge-unlink"), c);
    }

    @Test
    void testpmdReflectorRunsBothLcoresOnTheReflectorCpu() {
        List<String> c = Harness.reflectorCommand(S, Reflector.parse("testpmd-io"), 1, SOCK, "pfx", Path.of("x"));
        assertEquals(List.of("stdbuf", "-oL", "dpdk-testpmd", "--lcores", "0@1,1@1", "--file-prefix", "pfx", "--no-pci", "--huge-unlink",
                "--vdev", "net_vhost0,iface=/tmp/w/s1.sock,queues=1", "--", "--forward-mode=io", "--rxq=1", "--txq=1", "--nb-cores=1",
                "--auto-start", "--stats-period=1", "--total-num-mbufs=16384"), c);
    }

    @Test
    void noHugeReplacesHugeUnlink() {
        Harness.Settings nh = new Harness.Settings(ROOT, Path.of("/tmp/w"), 2, 5, 1, 0, true, "dpdk-testpmd");
        List<String> v = Harness.reflectorCommand(nh, Reflector.parse("vswitch-io"), 1, SOCK, "p", Path.of("x"));
        assertTrue(v.containsAll(List.of("--no-huge", "-m", "1024")));
        assertFalse(v.contains("--eal=--huge-unlink"));
        List<String> t = Harness.reflectorCommand(nh, Reflector.parse("testpmd-io"), 1, SOCK, "p", Path.of("x"));
        assertTrue(t.contains("--no-huge"));
        assertFalse(t.contains("--huge-unlink"));
    }

    @Test
    void flowgenGetsTheFrameSizeWithFcsBecauseItSubtractsFourItself() {
        List<String> c = Harness.generatorCommand(S, Generator.FLOWGEN, 2, 1518, SOCK, "g", Path.of("x"));
        assertTrue(c.contains("--txpkts=1518"), c.toString());
        assertTrue(c.containsAll(List.of("--lcores", "0@0,1@0", "--no-huge", "net_virtio_user0,path=/tmp/w/s1.sock,queues=2",
                "--forward-mode=flowgen", "--rxq=2", "--txq=2")), c.toString());
        assertEquals(List.of("stdbuf", "-oL"), c.subList(0, 2), "line-buffered so the harness sees each period as it is printed");
    }

    @Test
    void vswitchGenRunsForWarmupAndWindowAndWritesJson() {
        List<String> c = Harness.generatorCommand(S, Generator.VSWITCH_GEN, 1, 64, SOCK, "g", Path.of("/tmp/w/g.json"));
        assertEquals(List.of("taskset", "-c", "0", "/repo/bin/vswitch-gen", "--vdev", "net_virtio_user0,path=/tmp/w/s1.sock,queues=1", "--lcores", "0", "--no-huge", "-m", "512", "--size",
                "64", "--duration", "5", "--warmup", "2", "--file-prefix", "g", "--json", "/tmp/w/g.json"), c);
    }

    @Test
    void exitCodes() {
        assertTrue(Harness.cleanExit(true, 0));
        assertFalse(Harness.cleanExit(true, 143), "bin/vswitch promises exit 0 on SIGTERM");
        assertTrue(Harness.cleanExit(false, 143), "testpmd may die of the SIGTERM it was sent");
        assertFalse(Harness.cleanExit(false, 1));
        assertEquals("exited 6", Harness.exitText(6));
        assertEquals("died of signal 11 (exit 139)", Harness.exitText(139));
        assertEquals("did not exit and was killed", Harness.exitText(-1));
    }

    @Test
    void settingsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new Harness.Settings(ROOT, ROOT, -1, 5, 1, 0, false, "t"));
        assertThrows(IllegalArgumentException.class, () -> new Harness.Settings(ROOT, ROOT, 1, 0, 1, 0, false, "t"));
        assertThrows(IllegalArgumentException.class, () -> new Harness.Settings(ROOT, ROOT, 1, 1, -1, 0, false, "t"));
    }

    @Test
    void detectsVswitchGen(@TempDir Path root) throws Exception {
        assertFalse(Harness.haveVswitchGen(root));
        Files.createDirectories(root.resolve("bin"));
        Path g = Files.writeString(root.resolve("bin/vswitch-gen"), "#!/bin/sh\n");
        assertFalse(Harness.haveVswitchGen(root), "not executable yet");
        assertTrue(g.toFile().setExecutable(true));
        assertTrue(Harness.haveVswitchGen(root));
    }
}
