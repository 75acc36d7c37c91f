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
        try (Proc p = Proc.start("vswitch", Dpdk.vswitch(args), tmp)) {
            int code = p.waitFor(Duration.ofSeconds(60));
            assertEquals(ExitCode.PORT.code, code, p.tail());
            assertTrue(p.output().contains("vswitch: net_vhost1: the switch gives each of its 2 lcores its own tx queue"
                    + " on every port, so a vhost port needs queues >= 2 (it has 1): set queues=2 (or more) in its --vdev"),
                    p.tail());
        }
    }
}
