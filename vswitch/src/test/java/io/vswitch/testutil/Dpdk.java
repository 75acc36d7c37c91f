package io.vswitch.testutil;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Facts and command lines shared by the DPDK integration tests. */
public final class Dpdk {
    private Dpdk() {}

    public static final Path REPO = Path.of(System.getProperty("vswitch.repo", "..")).toAbsolutePath().normalize();
    public static final String TESTPMD = "/usr/bin/dpdk-testpmd";

    /**
     * A java command running {@code mainClass} from this test run's class path (so child
     * processes run the code under test, not a jar from an earlier build).
     */
    public static List<String> java(String mainClass, List<String> args) {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC", "-cp", cp, mainClass));
        cmd.addAll(args);
        return cmd;
    }

    /** bin/vswitch (the reflector) as a child process command. */
    public static List<String> vswitch(List<String> args) {
        return java("io.vswitch.reflector.VswitchCommand", args);
    }

    /** Fails (never skips) when the environment cannot run DPDK tests, saying what to do. */
    public static void requireEnvironment(boolean hugepages) {
        if (!Files.isExecutable(Path.of(TESTPMD))) {
            throw new AssertionError(TESTPMD + " is missing: run bin/setup (apt-get install dpdk)");
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new AssertionError("DPDK integration tests need root (vhost sockets, hugepages): run as root");
        }
        if (hugepages) {
            long free = 0;
            try (var d = Files.list(Path.of("/sys/kernel/mm/hugepages"))) {
                for (Path p : d.toList()) {
                    free += Long.parseLong(Files.readString(p.resolve("free_hugepages")).strip());
                }
            } catch (Exception e) {
                throw new AssertionError("cannot read hugepage counts: " + e);
            }
            if (free < 256) {
                throw new AssertionError("DPDK integration tests need >= 256 free 2 MB hugepages, " + free
                        + " free: run bin/setup (echo 1024 > /proc/sys/vm/nr_hugepages)");
            }
        }
    }

    /** A unique --file-prefix so test processes never share EAL runtime state. */
    public static String prefix(String what) {
        String p = "vs-t-" + what + "-" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
        Path runtime = Path.of("/var/run/dpdk", p);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(runtime)));
        return p;
    }

    /** EAL leaves its runtime directory (mp socket, config) behind; tests remove theirs. */
    public static void deleteTree(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception ignored) {
            // already gone
        }
    }

    /**
     * testpmd as the guest: a virtio-user frontend on {@code socket} (memfd memory, so the
     * vhost backend can map it), forwarding lcore on CPU {@code cpu}, main lcore beside it.
     */
    public static List<String> testpmdGuest(Path socket, int queues, int cpu, String mode, List<String> extra) {
        List<String> cmd = new ArrayList<>(List.of(TESTPMD,
                "--lcores", "0@" + cpu + ",1@" + cpu, "--no-huge", "-m", "512", "--file-prefix", prefix("peer"),
                "--no-pci", "--vdev", "net_virtio_user0,path=" + socket + ",queues=" + queues,
                "--", "--forward-mode=" + mode, "--rxq=" + queues, "--txq=" + queues, "--nb-cores=1",
                "--auto-start", "--stats-period=1", "--total-num-mbufs=16384"));
        cmd.addAll(extra);
        return cmd;
    }
}
