package io.vswitch.reflector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.Cli;
import io.vswitch.ExitCode;
import io.vswitch.sw.SwitchNode;
import io.vswitch.testutil.CliRun;
import io.vswitch.testutil.Dpdk;
import io.vswitch.testutil.Proc;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --mode switch} on the command line: options, defaults, and each user error's line and exit code. */
class SwitchCliTest {
    static SwitchNode.Config config(String... args) {
        VswitchCommand c = new VswitchCommand();
        new CommandLine(c).parseArgs(args);
        return c.switchConfig();
    }

    static CliRun.Result run(String... args) {
        return VswitchCliTest.run(args);
    }

    static void assertError(ExitCode code, String message, String... args) {
        CliRun.Result r = run(args);
        assertEquals(code.code, r.code(), r.err());
        assertTrue(r.err().startsWith("vswitch: "), r.err());
        assertTrue(r.err().contains(message), "expected '" + message + "' in: " + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }

    @Test
    void hugepageMemoryIsAskedForAwayFromWhereASecondaryMapsItsOwn() {
        List<String> eal = SwitchNode.ealArgs(config("--mode", "switch", "--lcores", "1"), List.of(0, 1));
        assertTrue(eal.contains(SwitchNode.BASE_VIRTADDR), "so that dpdk-dumpcap can map it: " + eal);
        assertEquals("--base-virtaddr=0x100000000000", SwitchNode.BASE_VIRTADDR);
        List<String> memfd = SwitchNode.ealArgs(config("--mode", "switch", "--lcores", "1", "--no-huge"), List.of(0, 1));
        assertTrue(memfd.stream().noneMatch(a -> a.startsWith("--base-virtaddr")), "--no-huge: no secondary can attach: " + memfd);
        List<String> own = SwitchNode.ealArgs(config("--mode", "switch", "--lcores", "1", "--", "--base-virtaddr=0x200000000000"),
                List.of(0, 1));
        assertEquals(1, own.stream().filter(a -> a.startsWith("--base-virtaddr")).count(), own.toString());
        assertTrue(own.contains("--base-virtaddr=0x200000000000"), "the user's own wins: " + own);
    }

    @Test
    void hugepageMemoryIsMappedAtStartUpWithRoomForDumpcap() {
        int mb = SwitchNode.CAPTURE_PREALLOC_MB;
        List<String> eal = SwitchNode.ealArgs(config("--mode", "switch", "--lcores", "1"), List.of(0, 1), 2048);
        assertEquals(Integer.toString(mb), eal.get(eal.indexOf("-m") + 1), "mapped at start-up: " + eal);
        List<String> short_ = SwitchNode.ealArgs(config("--mode", "switch", "--lcores", "1"), List.of(0, 1), mb - 2);
        assertTrue(!short_.contains("-m"), "not when fewer hugepages are free (the switch starts all the same): " + short_);
        List<String> memfd = SwitchNode.ealArgs(config("--mode", "switch", "--lcores", "1", "--no-huge"), List.of(0, 1), 2048);
        assertEquals(1, memfd.stream().filter("-m"::equals).count(), memfd.toString());
        assertEquals("512", memfd.get(memfd.indexOf("-m") + 1), "--no-huge keeps its own -m: " + memfd);
        for (String own : List.of("--socket-mem=256", "--legacy-mem", "-m=64")) {
            List<String> e = SwitchNode.ealArgs(config("--mode", "switch", "--lcores", "1", "--", own), List.of(0, 1), 2048);
            assertTrue(!e.contains("-m") && e.contains(own), "the user's own amount wins: " + e);
        }
        List<String> ownM = SwitchNode.ealArgs(config("--mode", "switch", "--lcores", "1", "--", "-m", "300"), List.of(0, 1), 2048);
        assertEquals(1, ownM.stream().filter("-m"::equals).count(), ownM.toString());
        assertEquals("300", ownM.get(ownM.indexOf("-m") + 1), ownM.toString());
    }

    @Test
    void theIssueCommandLineParsesWithDefaults() {
        SwitchNode.Config c = config("--mode", "switch", "--vdev", "net_vhost0,iface=/tmp/a", "--vdev",
                "net_vhost1,iface=/tmp/b,client=1", "--vdev", "net_tap0,iface=vsw0", "--vdev",
                "net_af_packet0,iface=veth0,qpairs=2");
        assertEquals(4, c.vdevs().size());
        assertNull(c.ctl(), "no control socket unless --ctl");
        assertTrue(c.vdevs().get(1).client());
        assertEquals(2, c.vdevs().get(3).queues(), "af_packet's queue count is qpairs=");
        assertEquals(8192, c.tableSize());
        assertEquals(300_000_000_000L, c.macAgeNanos());
        assertNull(c.fdbJson());
        assertEquals(0, config("--mode", "switch").vdevs().size(), "the switch may start with no ports");
        assertEquals(Path.of("/run/vswitch/vswitch.ctl"), config("--mode", "switch", "--ctl").ctl(), "--ctl's default");
        assertEquals(Path.of("/tmp/vs.ctl"), config("--mode", "switch", "--ctl", "/tmp/vs.ctl").ctl());
    }

    @Test
    void switchOptions() {
        SwitchNode.Config c = config("--mode", "switch", "--vdev", "net_vhost0,iface=/a", "--vdev", "net_vhost1,iface=/b",
                "--mac-table-size", "1024", "--mac-age", "2.5", "--fdb-json", "/tmp/fdb.json");
        assertEquals(1024, c.tableSize());
        assertEquals(2_500_000_000L, c.macAgeNanos());
        assertEquals(Path.of("/tmp/fdb.json"), c.fdbJson());
    }

    @Test
    void userErrorsNameTheFix() {
        assertError(ExitCode.USAGE, "--mac-table-size 0: must be 1..", "--mode", "switch", "--vdev", "net_vhost0,iface=/a",
                "--vdev", "net_vhost1,iface=/b", "--mac-table-size", "0");
        assertError(ExitCode.USAGE, "--mac-age 0.0: must be", "--mode", "switch", "--vdev", "net_vhost0,iface=/a",
                "--vdev", "net_vhost1,iface=/b", "--mac-age", "0");
        assertError(ExitCode.USAGE, "--fdb-json goes with --mode switch", "--vdev", "net_vhost0,iface=/a",
                "--fdb-json", "/tmp/x");
        assertError(ExitCode.USAGE, "is not a reflector mode (io, macswap or 5tswap) nor switch", "--vdev",
                "net_vhost0,iface=/a", "--mode", "bridge");
        assertError(ExitCode.USAGE, "--ctl goes with --mode switch", "--vdev", "net_vhost0,iface=/a", "--ctl",
                "/tmp/x.ctl");
        assertError(ExitCode.USAGE, "the reflector needs a port: --vdev", "--mode", "macswap");
        assertError(ExitCode.USAGE, "qpairs=x is not a queue count", "--mode", "switch", "--vdev",
                "net_af_packet0,iface=eth0,qpairs=x", "--vdev", "net_vhost0,iface=/a");
    }

    @Test
    void helpDocumentsTheSwitchAndTheFdbDump() {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, Cli.run(new VswitchCommand(), new String[] {"--help"}));
        } finally {
            System.setOut(old);
        }
        String help = buf.toString(StandardCharsets.UTF_8);
        for (String s : List.of("--mode switch", "--mac-table-size", "--mac-age", "--fdb-json", "kill -USR1",
                "queues=N >= lcores")) {
            assertTrue(help.contains(s), "help lacks '" + s + "':\n" + help);
        }
    }

    /** Each lcore needs its own tx queue on every port: with 2 lcores a vhost port needs queues=2. */
    @Test
    void twoLcoresNeedTwoTxQueuesPerPort(@TempDir Path tmp) throws Exception {
        Dpdk.requireEnvironment(false);
        List<String> args = List.of("--mode", "switch", "--lcores", "0-1", "--no-huge", "-m", "256", "--file-prefix",
                Dpdk.prefix("swcli"), "--vdev", "net_vhost0,iface=" + tmp.resolve("a") + ",queues=2", "--vdev",
                "net_vhost1,iface=" + tmp.resolve("b"));
        String prefix = args.get(args.indexOf("--file-prefix") + 1);
        try (Proc p = Proc.start("vswitch", Dpdk.vswitch(args), tmp)) {
            int code = p.waitFor(Duration.ofSeconds(60));
            assertEquals(ExitCode.PORT.code, code, p.tail());
            assertTrue(p.output().contains("vswitch: net_vhost1: the switch gives each of its 2 lcores its own tx queue"
                    + " on every port, so a vhost port needs queues >= 2 (it has 1): set queues=2 (or more) in its --vdev"),
                    p.tail());
        }
        // an error after EAL started and a port came up: the process ended, leaving no socket and no EAL runtime files
        assertFalse(Files.exists(tmp.resolve("a")), "net_vhost0's socket removed");
        assertFalse(Files.exists(tmp.resolve("b")));
        assertFalse(Files.exists(Path.of("/var/run/dpdk", prefix)), "EAL runtime directory removed");
    }

    // ------------------------------------------------------------------ bad input (issue 12), checked before EAL

    /** Case 1 in the switch: a socket path over 107 bytes, refused before EAL by the real command. */
    @Test
    void aSocketPathOver107BytesIsRefusedBeforeEal(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("socks"));
        String prefix = Dpdk.prefix("swlong");
        Path sock = dir.resolve("b".repeat(200) + ".sock");
        try (Proc p = Proc.start("vswitch", Dpdk.vswitch(List.of("--mode", "switch", "--lcores", "0", "--no-huge", "-m",
                "256", "--file-prefix", prefix, "--ctl", dir.resolve("vs.ctl").toString(), "--vdev",
                "net_vhost0,iface=" + sock + ",client=1")), tmp)) {
            assertEquals(ExitCode.SOCKET.code, p.waitFor(Duration.ofSeconds(60)), p.tail());
            VswitchCliTest.assertOneLine(p.output(), "vswitch: --vdev net_vhost0: socket path " + sock + " is "
                    + sock.toString().length() + " bytes, longer than the 107 a Unix socket path can have: choose a"
                    + " shorter iface= path");
        }
        VswitchCliTest.assertNothingLeft(dir, prefix);
    }

    /** Cases 2 to 5 in the switch: checked before EAL, so in this JVM, and nothing is created. */
    @Test
    void badPathsAreRefusedBeforeEal(@TempDir Path tmp) throws Exception {
        String a = "net_vhost0,iface=" + tmp.resolve("a.sock");
        assertError(ExitCode.SOCKET, "--vdev net_vhost1: socket path " + tmp.resolve("a.sock") + " is net_vhost0's too",
                "--mode", "switch", "--vdev", a, "--vdev", "net_vhost1,iface=" + tmp.resolve("x/../a.sock"));
        assertError(ExitCode.OUTPUT, "--fdb-json " + tmp.resolve("no/fdb.json") + ": directory " + tmp.resolve("no")
                + " does not exist", "--mode", "switch", "--vdev", a, "--fdb-json", tmp.resolve("no/fdb.json").toString());
        assertError(ExitCode.OUTPUT, "--stats-json " + tmp.resolve("no/s.json") + ": directory", "--mode", "switch",
                "--stats-json", tmp.resolve("no/s.json").toString(), "--stats", "1");
        assertError(ExitCode.USAGE, "--stats-json and --fdb-json name the same file", "--mode", "switch", "--stats-json",
                tmp.resolve("x.json").toString(), "--fdb-json", tmp.resolve("x.json").toString());
        Path file = Files.writeString(tmp.resolve("vm0.sock"), "mine");
        assertError(ExitCode.SOCKET, file + " is a regular file, not a socket (vswitch never deletes it)", "--mode",
                "switch", "--vdev", "net_vhost0,iface=" + file);
        assertError(ExitCode.SOCKET, "--ctl " + file + " is a regular file, not a control socket (vswitch never deletes"
                + " it)", "--mode", "switch", "--ctl", file.toString());
        assertError(ExitCode.SOCKET, "cannot create the socket in /proc (", "--mode", "switch", "--vdev",
                "net_vhost0,iface=/proc/vm0.sock");
        assertError(ExitCode.SOCKET, "--ctl /proc/vswitch/vs.ctl: cannot create files in /proc (", "--mode", "switch",
                "--ctl", "/proc/vswitch/vs.ctl");
        assertEquals("mine", Files.readString(file));
        try (var s = Files.list(tmp)) {
            assertEquals(List.of(file), s.toList(), "nothing created");
        }
    }

    /**
     * Case 6: a second switch on a --ctl a running switch answers on stops before EAL, before any
     * port (so it never takes the first one's socket paths); once the first is killed (SIGKILL: its
     * sockets stay, stale), the same command starts and takes them over.
     */
    @Test
    void aSecondSwitchOnTheSameCtlStopsBeforeEal(@TempDir Path tmp) throws Exception {
        Dpdk.requireEnvironment(false);
        Path ctl = tmp.resolve("vs.ctl");
        Path first = tmp.resolve("first.sock");
        Path second = tmp.resolve("second.sock");
        List<String> common = List.of("--mode", "switch", "--lcores", "0", "--no-huge", "-m", "256", "--ctl",
                ctl.toString());
        List<String> a = new java.util.ArrayList<>(common);
        a.addAll(List.of("--file-prefix", Dpdk.prefix("ctl1"), "--vdev", "net_vhost0,iface=" + first));
        try (Proc one = Proc.start("first", Dpdk.vswitch(a), tmp)) {
            one.await("running; stop with", Duration.ofSeconds(60));
            String prefix2 = Dpdk.prefix("ctl2");
            List<String> b = new java.util.ArrayList<>(common);
            b.addAll(List.of("--file-prefix", prefix2, "--vdev", "net_vhost0,iface=" + second));
            try (Proc two = Proc.start("second", Dpdk.vswitch(b), tmp)) {
                assertEquals(ExitCode.ALREADY_RUNNING.code, two.waitFor(Duration.ofSeconds(60)), two.tail());
                VswitchCliTest.assertOneLine(two.output(), "vswitch: another vswitch is serving " + ctl + " (pid "
                        + one.pid() + ", vswitch): stop it, or use another --ctl");
            }
            assertFalse(Files.exists(second), "the second switch created no port");
            assertFalse(Files.exists(Path.of("/var/run/dpdk", prefix2)), "nor started EAL");
            assertTrue(one.alive(), one.tail());
            assertTrue(Files.exists(ctl) && Files.exists(first), "the first switch's sockets are untouched");

            // killed: its sockets stay behind, nobody answering; the same command takes them over
            ProcessHandle.of(one.pid()).orElseThrow().destroyForcibly();
            one.waitFor(Duration.ofSeconds(30));
            assertTrue(Files.exists(ctl) && Files.exists(first), "SIGKILL leaves the sockets");
            List<String> again = new java.util.ArrayList<>(common);
            String prefix3 = Dpdk.prefix("ctl3");
            again.addAll(List.of("--file-prefix", prefix3, "--vdev", "net_vhost0,iface=" + first));
            try (Proc three = Proc.start("again", Dpdk.vswitch(again), tmp)) {
                three.await("running; stop with", Duration.ofSeconds(60));
                assertTrue(three.output().contains("removed stale vhost socket " + first), three.tail());
                assertTrue(three.output().contains("control: removed the stale socket " + ctl), three.tail());
                assertEquals(0, three.stop(Duration.ofSeconds(30)), three.tail());
            }
            assertFalse(Files.exists(ctl) || Files.exists(first), "a clean stop removes both sockets");
            assertFalse(Files.exists(Path.of("/var/run/dpdk", prefix3)), "and the EAL runtime directory");
        }
    }
}
