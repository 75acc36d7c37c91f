package io.vswitch.reflector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.ExitCode;
import io.vswitch.testutil.CliRun;
import io.vswitch.testutil.CliRun.Result;
import io.vswitch.datapath.ReflectMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The reflector's command line and each user error's message and exit code, without DPDK. */
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
                "--vdev", "net_vhost0,iface=/tmp/s,queues=2"), eal);
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
        assertError(ExitCode.SOCKET, "exists and is not a socket", "--vdev", "net_vhost0,iface=" + file, "--lcores", "0");
        assertError(ExitCode.SOCKET, "does not exist", "--vdev", "net_vhost0,iface=" + tmp.resolve("no/dir/sock"),
                "--lcores", "0");
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
