package io.vswitch.reflector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.ExitCode;
import io.vswitch.testutil.CliRun;
import io.vswitch.testutil.CliRun.Result;
import io.vswitch.testutil.Dpdk;
import io.vswitch.testutil.Proc;
import io.vswitch.datapath.ReflectMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The reflector's command line and each user error's message and exit code, mostly without DPDK (the
 * checks before EAL); the tests that run the real command in a child process say so.
 */
class VswitchCliTest {
    static Result run(String... args) {
        return CliRun.run(new VswitchCommand(), args);
    }

    static Reflector.Config config(String... args) {
        VswitchCommand c = new VswitchCommand();
        new CommandLine(c).parseArgs(args);
        return c.config();
    }

    @Test
    void theIssueCommandLineParses() {
        Reflector.Config c = config("--vdev", "net_vhost0,iface=/tmp/sock0,queues=2", "--lcores", "2-3");
        assertEquals(1, c.vdevs().size());
        assertEquals("net_vhost0", c.vdevs().get(0).name());
        assertEquals(2, c.vdevs().get(0).queues());
        assertEquals("/tmp/sock0", c.vdevs().get(0).iface());
        assertEquals(List.of(2, 3), java.util.Arrays.stream(c.cpus()).boxed().toList());
        assertEquals(ReflectMode.IO, c.mode());
        assertEquals(32, c.burst());
        assertEquals(1024, c.rxd());
        assertEquals("vswitch", c.filePrefix());
    }

    @Test
    void optionsUsersOfTestpmdExpect() {
        Reflector.Config c = config("--vdev", "net_vhost0,iface=/a", "--vdev", "net_vhost1,iface=/b,queues=4",
                "--lcores", "0,2,4-5", "--mode", "5tswap", "--burst", "64", "--rxd", "512", "--txd", "2048",
                "--mbufs", "16383", "--stats", "0.5", "--file-prefix", "x", "--no-huge", "-m", "256",
                "--eal", "--log-level=pmd.net.vhost:debug", "--", "--socket-mem=512");
        assertEquals(2, c.vdevs().size());
        assertEquals(4, c.vdevs().get(1).queues());
        assertEquals(List.of(0, 2, 4, 5), java.util.Arrays.stream(c.cpus()).boxed().toList());
        assertEquals(ReflectMode.FIVE_TUPLE_SWAP, c.mode());
        assertEquals(64, c.burst());
        assertEquals(16383, c.mbufs());
        assertEquals(0.5, c.statsSeconds());
        assertTrue(c.noHuge());
        assertEquals(256, c.memoryMb());
        assertEquals(List.of("--log-level=pmd.net.vhost:debug", "--socket-mem=512"), c.ealExtra());
    }

    @Test
    void ealArgumentsKeepTheControlThreadOffThePollCpus() {
        Reflector.Config c = config("--vdev", "net_vhost0,iface=/tmp/s,queues=2", "--lcores", "1", "--file-prefix", "p",
                "--no-huge", "-m", "256");
        List<String> eal = Reflector.ealArgs(c, List.of(0, 1));
        assertEquals(List.of("vswitch", "--lcores", "0@(0)", "--file-prefix", "p", "--no-huge", "-m", "256", "--no-pci",
                "--vdev", "net_vhost0,iface=/tmp/s,queues=2", "--log-level=lib.telemetry:error", "--log-level=*:notice"),
                eal, "EAL logs notices, warnings and errors only");
        Reflector.Config verbose = config("--vdev", "net_vhost0,iface=/tmp/s", "--verbose");
        assertTrue(Reflector.ealArgs(verbose, List.of(0, 1)).stream().noneMatch(a -> a.startsWith("--log-level")),
                "--verbose: EAL's whole log");
        Reflector.Config own = config("--vdev", "net_vhost0,iface=/tmp/s", "--eal", "--log-level=lib.eal:debug");
        assertEquals(List.of("--log-level=lib.eal:debug"), own.ealExtra(), "a --log-level of the user's: theirs alone");
        // every CPU polled: the control thread shares them rather than having none
        Reflector.Config all = config("--vdev", "net_vhost0,iface=/tmp/s,queues=2", "--lcores", "0-1");
        assertEquals("0@(0-1)", Reflector.ealArgs(all, List.of(0, 1)).get(2));
        // PCI devices named on the EAL side: no --no-pci
        Reflector.Config pci = config("--vdev", "net_vhost0,iface=/tmp/s", "--", "-a", "0000:00:04.0");
        assertTrue(!Reflector.ealArgs(pci, List.of(0, 1)).contains("--no-pci"));
    }

    @Test
    void usageErrorsAreOneLineWithExitCode2() {
        assertError(ExitCode.USAGE, "--mode: 'fast' is not a reflector mode", "--vdev", "net_vhost0,iface=/x", "--mode", "fast");
        assertError(ExitCode.USAGE, "the reflector needs a port: --vdev");
        assertError(ExitCode.USAGE, "--burst 0: must be 1..512", "--vdev", "net_vhost0,iface=/x", "--burst", "0");
        assertError(ExitCode.USAGE, "--rxd/--txd must be 32..32768", "--vdev", "net_vhost0,iface=/x", "--rxd", "8");
        assertError(ExitCode.USAGE, "'vhost' is not a vdev name", "--vdev", "vhost,iface=/x");
        assertError(ExitCode.USAGE, "queues=zero is not a queue count", "--vdev", "net_vhost0,iface=/x,queues=zero",
                "--lcores", "0");
        assertError(ExitCode.USAGE, "'3-1' is not a CPU range", "--vdev", "net_vhost0,iface=/x", "--lcores", "3-1");
        assertError(ExitCode.USAGE, "-m goes with --no-huge", "--vdev", "net_vhost0,iface=/x", "-m", "512");
        assertError(ExitCode.USAGE, "net_vhost needs iface=", "--vdev", "net_vhost0,queues=1", "--lcores", "0");
        assertError(ExitCode.USAGE, "Unknown option: '--bogus'", "--vdev", "net_vhost0,iface=/x", "--bogus");
    }

    @Test
    void lcoreErrorsExitWith5() {
        assertError(ExitCode.LCORE, "CPU 999 is not available", "--vdev", "net_vhost0,iface=/tmp/x", "--lcores", "999");
        assertError(ExitCode.LCORE, "2 lcores but only 1 queue", "--vdev", "net_vhost0,iface=/tmp/x,queues=1",
                "--lcores", "0-1");
    }

    @Test
    void socketPathErrorsExitWith4(@TempDir Path tmp) throws Exception {
        Path file = Files.createFile(tmp.resolve("not-a-socket"));
        assertError(ExitCode.SOCKET, "is a regular file, not a socket", "--vdev", "net_vhost0,iface=" + file, "--lcores", "0");
        assertError(ExitCode.SOCKET, "does not exist", "--vdev", "net_vhost0,iface=" + tmp.resolve("no/dir/sock"),
                "--lcores", "0");
    }

    // ------------------------------------------------------------------ bad input (issue 12), checked before EAL

    /**
     * Issue 12, case 1: DPDK cuts a socket path over 107 bytes short without a word, binds the
     * truncated name and runs; at exit the full name was removed and the truncated socket stayed.
     * Now the real command refuses it before EAL: one line, exit 4, nothing created, process ended.
     */
    @Test
    void aSocketPathOver107BytesIsRefusedBeforeEal(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("socks"));
        String prefix = Dpdk.prefix("long");
        Path sock = dir.resolve("a".repeat(200) + ".sock");
        try (Proc p = Proc.start("vswitch", Dpdk.vswitch(List.of("--vdev", "net_vhost0,iface=" + sock, "--lcores", "0",
                "--no-huge", "-m", "256", "--file-prefix", prefix)), tmp)) {
            assertEquals(ExitCode.SOCKET.code, p.waitFor(Duration.ofSeconds(60)), p.tail());
            assertOneLine(p.output(), "vswitch: --vdev net_vhost0: socket path " + sock + " is "
                    + sock.toString().length() + " bytes, longer than the 107 a Unix socket path can have: choose a"
                    + " shorter iface= path");
        }
        assertNothingLeft(dir, prefix);
    }

    /** Case 2: two ports on one socket path (the same after normalising). */
    @Test
    void twoPortsOnOneSocketPathAreRefused(@TempDir Path tmp) throws Exception {
        assertError(ExitCode.SOCKET, "--vdev net_vhost1: socket path " + tmp.resolve("s.sock") + " is net_vhost0's too:"
                + " give each port its own iface= path", "--vdev", "net_vhost0,iface=" + tmp.resolve("s.sock"), "--vdev",
                "net_vhost1,iface=" + tmp + "/./x/../s.sock,client=1", "--lcores", "0");
        assertError(ExitCode.USAGE, "--vdev net_vhost0 is given twice", "--vdev", "net_vhost0,iface=" + tmp.resolve("a"),
                "--vdev", "net_vhost0,iface=" + tmp.resolve("b"), "--lcores", "0");
        assertEmpty(tmp);
    }

    /** Case 3: an output file's directory is checked before start (it was reported at exit, with exit code 0). */
    @Test
    void theStatsFileIsCheckedBeforeStart(@TempDir Path tmp) throws Exception {
        String vdev = "net_vhost0,iface=" + tmp.resolve("s.sock");
        assertError(ExitCode.OUTPUT, "--stats-json " + tmp.resolve("no/s.json") + ": directory " + tmp.resolve("no")
                + " does not exist: create it or choose another file", "--vdev", vdev, "--stats-json",
                tmp.resolve("no/s.json").toString());
        Path d = Files.createDirectory(tmp.resolve("d"));
        assertError(ExitCode.OUTPUT, "--stats-json " + d + " is a directory: name a file", "--vdev", vdev,
                "--stats-json", d.toString());
        assertError(ExitCode.OUTPUT, "cannot create files in /proc (", "--vdev", vdev, "--stats-json", "/proc/s.json");
        try (var s = Files.list(tmp)) {
            assertEquals(List.of(d), s.toList(), "no socket, no stats file");
        }
    }

    /** Case 4: a regular file or a directory where the socket goes is the user's: refused, never deleted. */
    @Test
    void aSocketPathHeldByAFileIsRefusedAndKept(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("vm0.sock"), "not a socket");
        assertError(ExitCode.SOCKET, "--vdev net_vhost0: " + file + " is a regular file, not a socket (vswitch never"
                + " deletes it): remove it yourself or choose another iface= path", "--vdev", "net_vhost0,iface=" + file);
        Path dir = Files.createDirectory(tmp.resolve("vm1.sock"));
        assertError(ExitCode.SOCKET, dir + " is a directory, not a socket", "--vdev", "net_vhost0,iface=" + dir);
        assertEquals("not a socket", Files.readString(file));
        assertTrue(Files.isDirectory(dir));
    }

    /**
     * Case 5: a socket directory vswitch cannot create files in. Tests run as root, whom permission
     * bits do not stop: these places refuse root too (PreflightTest has the non-root answers).
     */
    @Test
    void aSocketDirectoryThatTakesNoFilesIsRefused(@TempDir Path tmp) throws Exception {
        assertError(ExitCode.SOCKET, "--vdev net_vhost0: cannot create the socket in /proc (", "--vdev",
                "net_vhost0,iface=/proc/vm0.sock");
        assertError(ExitCode.SOCKET, "cannot create the socket in /sys (", "--vdev", "net_vhost0,iface=/sys/vm0.sock");
        Path file = Files.createFile(tmp.resolve("f"));
        assertError(ExitCode.SOCKET, "socket directory " + file + " is a regular file, not a directory", "--vdev",
                "net_vhost0,iface=" + file.resolve("vm0.sock"));
        assertError(ExitCode.SOCKET, "socket directory " + tmp.resolve("no") + " does not exist", "--vdev",
                "net_vhost0,iface=" + tmp.resolve("no/vm0.sock"));
        try (var s = Files.list(tmp)) {
            assertEquals(List.of(file), s.toList());
        }
    }

    /**
     * Case 7 and "any error after EAL started ends the process": an mbuf pool that cannot be made
     * (after EAL and the port's socket) exits 8 with its one line, no EAL start-up lines unless
     * --verbose, and leaves no socket and no EAL runtime directory.
     */
    @Test
    void anErrorAfterEalEndsTheProcessAndEalStaysQuietUnlessVerbose(@TempDir Path tmp) throws Exception {
        Dpdk.requireEnvironment(false);
        for (boolean verbose : new boolean[] {false, true}) {
            Path dir = Files.createDirectories(tmp.resolve("run-" + verbose));
            String prefix = Dpdk.prefix("aftereal");
            List<String> args = new java.util.ArrayList<>(List.of("--vdev", "net_vhost0,iface=" + dir.resolve("s.sock"),
                    "--lcores", "0", "--no-huge", "-m", "256", "--file-prefix", prefix, "--mbufs", "100000000"));
            if (verbose) {
                args.add("--verbose");
            }
            try (Proc p = Proc.start("vswitch-" + verbose, Dpdk.vswitch(args), tmp)) {
                assertEquals(ExitCode.MEMPOOL.code, p.waitFor(Duration.ofSeconds(60)), p.tail());
                String out = p.output();
                assertTrue(out.contains("vswitch: cannot create mbuf pool 'vswitch_mbufs' of 100000000 mbufs"), out);
                assertEquals(verbose, out.contains("EAL: Detected CPU lcores"), "EAL's start-up lines only with"
                        + " --verbose:\n" + out);
                assertTrue(out.contains("--log-level=*:notice") != verbose, out);
            }
            assertNothingLeft(dir, prefix);
        }
    }

    static void assertOneLine(String out, String line) {
        assertEquals(line, out.strip(), "exactly one line");
    }

    static void assertEmpty(Path dir) throws java.io.IOException {
        try (var s = Files.list(dir)) {
            assertEquals(List.of(), s.toList(), "nothing left in " + dir);
        }
    }

    /** No file in {@code dir} (a socket, truncated or not) and no EAL runtime directory for {@code prefix}. */
    static void assertNothingLeft(Path dir, String prefix) throws java.io.IOException {
        assertEmpty(dir);
        assertFalse(Files.exists(Path.of("/var/run/dpdk", prefix)), "EAL runtime directory left: /var/run/dpdk/" + prefix);
    }

    @Test
    void helpAndVersion() {
        assertEquals(0, run("--version").code());
        assertEquals(0, run("--help").code());
    }

    static void assertError(ExitCode code, String fragment, String... args) {
        Result r = run(args);
        assertEquals(code.code, r.code(), "exit code for " + String.join(" ", args) + "; stderr: " + r.err());
        assertTrue(r.err().contains(fragment), "stderr should contain '" + fragment + "': " + r.err());
        assertTrue(r.err().startsWith("vswitch: "), "one line, prefixed: " + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line, no stack trace: " + r.err());
    }
}
