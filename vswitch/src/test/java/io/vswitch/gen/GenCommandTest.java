package io.vswitch.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.ExitCode;
import io.vswitch.testutil.CliRun;
import io.vswitch.testutil.CliRun.Result;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The generator's command line without DPDK: every user error is one line naming the fix with its
 * own exit code, decided before EAL starts; and the EAL arguments a configuration produces.
 */
class GenCommandTest {
    static Result run(String... args) {
        return CliRun.run(new GenCommand(), args);
    }

    static void assertOneLine(Result r, ExitCode code, String fragment) {
        assertEquals(code.code, r.code(), r.err());
        assertTrue(r.err().startsWith("vswitch-gen: "), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line, no trace: " + r.err());
        assertTrue(r.err().contains(fragment), "'" + fragment + "' in: " + r.err());
    }

    @Test
    void missingServerSocketIsOneLineWithTheSocketExitCode(@TempDir Path tmp) {
        Path sock = tmp.resolve("nobody.sock");
        Result r = run("--vdev", "net_virtio_user0,path=" + sock, "--lcores", "0");
        assertOneLine(r, ExitCode.SOCKET, "no vhost-user server at " + sock + ": start bin/vswitch first (or use server=1)");
    }

    @Test
    void badValuesAreUsageErrors() {
        String v = "net_virtio_user0,path=/tmp/x.sock";
        assertOneLine(run("--vdev", v, "--size", "63"), ExitCode.USAGE, "--size: 63 is out of range");
        assertOneLine(run("--vdev", v, "--size", "64,,128"), ExitCode.USAGE, "--size: empty entry");
        assertOneLine(run("--vdev", v, "--rate", "1000"), ExitCode.USAGE, "--rate: cannot read '1000'");
        assertOneLine(run("--vdev", v, "--flows", "0"), ExitCode.USAGE, "--flows: 0 is out of range");
        assertOneLine(run("--vdev", v, "--duration", "0"), ExitCode.USAGE, "--duration: must be above zero");
        assertOneLine(run("--vdev", v, "--burst", "0"), ExitCode.USAGE, "--burst 0: must be 1..512");
        assertOneLine(run("--vdev", v, "-m", "512"), ExitCode.USAGE, "-m goes with --no-huge");
        assertOneLine(run("--vdev", v, "--latency-sample", "0"), ExitCode.USAGE, "--latency-sample 0: must be auto or");
        assertOneLine(run("--vdev", v, "--latency-sample", "often"), ExitCode.USAGE, "--latency-sample often: must be auto or");
        assertOneLine(run("--vdev", v, "--ndr-tolerance", "1", "--pdr-tolerance", "0.5"), ExitCode.USAGE, "need 0 <= NDR <= PDR");
        assertOneLine(run("--vdev", v + ",queues=1", "--queues", "2"), ExitCode.USAGE, "raise queues= in --vdev");
        assertOneLine(run("--vdev", "net_vhost0,iface=/tmp/x.sock"), ExitCode.USAGE, "attaches as a guest");
        assertOneLine(run("--vdev", "virtio"), ExitCode.USAGE, "is not a vdev name");
        assertOneLine(run("--vdev", v, "--lcores", "1-0"), ExitCode.USAGE, "did you mean 0-1?");
        assertOneLine(run("--vdev", v, "--json", "/nonexistent-dir/out.json"), ExitCode.USAGE, "does not exist");
        assertOneLine(run("--vdev", v, "--bogus"), ExitCode.USAGE, "Unknown option");
        assertOneLine(run(), ExitCode.USAGE, "Missing required option");
    }

    @Test
    void moreLcoresThanQueuesIsAnLcoreError(@TempDir Path tmp) {
        List<Integer> cpus = io.vswitch.dpdk.Lcore.allowedCpus();
        if (cpus.size() < 2) return; // needs two CPUs to ask for two lcores
        Result r = run("--vdev", "net_virtio_user0,path=" + tmp.resolve("s.sock") + ",queues=1",
                "--lcores", cpus.get(0) + "," + cpus.get(1));
        assertEquals(ExitCode.LCORE.code, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void unavailableCpuIsAnLcoreError(@TempDir Path tmp) {
        Result r = run("--vdev", "net_virtio_user0,path=" + tmp.resolve("s.sock"), "--lcores", "1000");
        assertOneLine(r, ExitCode.LCORE, "CPU 1000 is not available");
    }

    static Generator.Config config(String... args) {
        GenCommand c = new GenCommand();
        new CommandLine(c).parseArgs(args);
        return c.config();
    }

    @Test
    void ealArgumentsFitAVirtioUserFrontend() {
        Generator.Config cfg = config("--vdev", "net_virtio_user0,path=/tmp/s0,queues=2", "--lcores", "0", "--file-prefix", "g1");
        assertEquals(2, cfg.queues());
        assertEquals("net_virtio_user0,path=/tmp/s0,queues=2,queue_size=1024", cfg.vdev().spec());
        List<String> eal = Generator.ealArgs(cfg, List.of(0, 1));
        assertEquals(List.of("vswitch-gen", "--lcores", "0@(1)", "--file-prefix", "g1", "--single-file-segments", "--no-pci",
                "--vdev", "net_virtio_user0,path=/tmp/s0,queues=2,queue_size=1024"), eal);

        Generator.Config small = config("--vdev", "net_virtio_user0,path=/tmp/s0,queue_size=256", "--queues", "2",
                "--lcores", "0", "--no-huge", "-m", "256", "--eal", "--log-level=pmd.net.virtio:debug", "--", "--in-memory");
        assertEquals(2, small.queues());
        assertEquals("net_virtio_user0,path=/tmp/s0,queue_size=256,queues=2", small.vdev().spec());
        List<String> e2 = Generator.ealArgs(small, List.of(0));
        assertTrue(e2.containsAll(List.of("--no-huge", "-m", "256", "--log-level=pmd.net.virtio:debug", "--in-memory")), e2.toString());
        assertFalse(e2.contains("--single-file-segments"), "--no-huge memory is memfd already: " + e2);
        assertEquals("0@(0)", e2.get(2), "with one CPU the control thread shares it");
    }

    @Test
    void aPortPairIsTwoVdevsWithAStreamPerDirectionAndQueue() {
        Generator.Config cfg = config("--vdev", "net_virtio_user0,path=/tmp/a", "--vdev", "net_virtio_user1,path=/tmp/b",
                "--queues", "2", "--lcores", "0", "--file-prefix", "g1");
        assertTrue(cfg.pair());
        assertEquals(2, cfg.queues());
        assertEquals(4, cfg.streams());
        assertEquals("net_virtio_user1,path=/tmp/b,queue_size=1024,queues=2", cfg.vdevs().get(1).spec());
        List<String> eal = Generator.ealArgs(cfg, List.of(0, 1));
        assertEquals(List.of("--vdev", "net_virtio_user0,path=/tmp/a,queue_size=1024,queues=2",
                "--vdev", "net_virtio_user1,path=/tmp/b,queue_size=1024,queues=2"), eal.subList(eal.size() - 4, eal.size()));
        Generator.Config one = config("--vdev", "net_virtio_user0,path=/tmp/a");
        assertFalse(one.pair());
        assertEquals(1, one.streams());
    }

    @Test
    void aPortPairThatCannotWorkIsAUsageError() {
        String a = "net_virtio_user0,path=/tmp/a", b = "net_virtio_user1,path=/tmp/b";
        assertOneLine(run("--vdev", a, "--vdev", b, "--vdev", "net_virtio_user2,path=/tmp/c"), ExitCode.USAGE,
                "one port (a reflector) or two");
        assertOneLine(run("--vdev", a, "--vdev", a), ExitCode.USAGE, "given twice");
        assertOneLine(run("--vdev", a, "--vdev", "net_virtio_user1,path=/tmp/a"), ExitCode.USAGE, "a port pair needs two sockets");
        assertOneLine(run("--vdev", a + ",queues=2", "--vdev", b), ExitCode.USAGE, "give both the same (or use --queues)");
        assertOneLine(run("--vdev", a + ",mac=02:00:00:00:00:01", "--vdev", b + ",mac=02:00:00:00:00:01"), ExitCode.USAGE,
                "a switch cannot tell them apart");
        assertOneLine(run("--vdev", a, "--vdev", "net_vhost0,iface=/tmp/x.sock"), ExitCode.USAGE, "attaches as a guest");
    }

    @Test
    void defaultsMatchTheDocumentedContract() {
        Generator.Config cfg = config("--vdev", "net_virtio_user0,path=/tmp/s0");
        assertEquals(1, cfg.queues());
        assertTrue(cfg.rate().isMax());
        assertEquals(List.of("64"), cfg.sizes().stream().map(SizeMix::name).toList());
        assertEquals(10.0, cfg.duration());
        assertEquals(1.0, cfg.warmup());
        assertEquals("vswitch-gen", cfg.filePrefix());
        assertEquals(0.0, cfg.ndrLoss());
        assertEquals(0.005, cfg.pdrLoss(), 1e-12);
        Generator.Config list = config("--vdev", "net_virtio_user0,path=/tmp/s0", "--size", "64,imix,1518", "--rate", "1.5Mpps");
        assertEquals(List.of("64", "imix", "1518"), list.sizes().stream().map(SizeMix::name).toList());
        assertEquals(1.5e6, list.rate().toPps(64), 1e-6);
    }

    @Test
    void latencySamplingIsEveryFrameAtPacedRatesAndOneInSixteenAtTheTop() {
        assertEquals(0, GenCommand.parseLatencySample("auto"));
        assertEquals(7, GenCommand.parseLatencySample("7"));
        assertEquals(1, Generator.latencySample(0, 1e6, false), "1 Mpps per queue: every frame");
        assertEquals(1, Generator.latencySample(0, 1000, false));
        assertEquals(Generator.AUTO_LATENCY_SAMPLE, Generator.latencySample(0, 1.5e6, false));
        assertEquals(Generator.AUTO_LATENCY_SAMPLE, Generator.latencySample(0, Double.POSITIVE_INFINITY, false), "--rate max");
        assertEquals(Generator.AUTO_LATENCY_SAMPLE, Generator.latencySample(0, 1000, true), "an NDR search");
        assertEquals(1, Generator.latencySample(1, Double.POSITIVE_INFINITY, true), "what the user asked for wins");
        assertEquals(64, Generator.latencySample(64, 10, false));
    }

    /** virtio gets a tx_free_thresh that leaves at most two bursts of sent mbufs on the ring; other drivers keep their default. */
    @Test
    void eagerTxFreeThresholdKeepsTwoBurstsOnVirtioOnly() {
        assertEquals(1024 - 64, Generator.eagerTxFreeThreshold("net_virtio_user", 1024, 32));
        assertEquals(256 - 64, Generator.eagerTxFreeThreshold("net_virtio_user", 256, 32));
        assertEquals(1024 - 32, Generator.eagerTxFreeThreshold("net_virtio_user", 1024, 1), "at least 32 kept (virtio needs thresh < ring - 3)");
        assertEquals(0, Generator.eagerTxFreeThreshold("net_virtio_user", 64, 32), "a ring too small to bother: the default");
        assertEquals(0, Generator.eagerTxFreeThreshold("net_virtio_user", 1024, 512));
        assertEquals(0, Generator.eagerTxFreeThreshold("net_tap", 1024, 32));
    }
}
