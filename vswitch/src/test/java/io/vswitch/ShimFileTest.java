package io.vswitch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.testutil.Dpdk;
import io.vswitch.testutil.Proc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shim (libvsshim.so) inside the jar must be a file for dlopen: bin/vswitch copies it to
 * the JVM's temporary directory and deletes the copy as soon as it is loaded, so a switch that
 * is killed (kill -9, the OOM killer, a crash) leaves no file behind. Before, every start left
 * one in /tmp until a clean exit. Runs the launcher as a user does (the built jars).
 */
class ShimFileTest {
    @Test
    void theExtractedShimIsGoneWhileTheSwitchRunsAndAfterKill9(@TempDir Path tmp) throws Exception {
        Dpdk.requireEnvironment(false);
        Path jtmp = Files.createDirectory(tmp.resolve("java-tmp"));
        List<Integer> cpus = io.vswitch.dpdk.Lcore.allowedCpus();
        List<String> cmd = List.of("env", "VSWITCH_JAVA_OPTS=-Djava.io.tmpdir=" + jtmp,
                Dpdk.REPO.resolve("bin/vswitch").toString(), "--mode", "switch",
                "--lcores", Integer.toString(cpus.get(cpus.size() - 1)), "--no-huge", "-m", "512",
                "--file-prefix", Dpdk.prefix("shim"), "--ctl", tmp.resolve("vs.ctl").toString(),
                "--vdev", "net_vhost0,iface=" + tmp.resolve("a.sock"));
        try (Proc sw = Proc.start("vswitch", cmd, tmp)) {
            sw.await("running; stop with", Duration.ofSeconds(60));
            // env and the launchers exec: the pid is the JVM's
            String maps = Files.readString(Path.of("/proc", Long.toString(sw.pid()), "maps"));
            List<String> shim = maps.lines().filter(l -> l.contains("libvsshim")).toList();
            assertTrue(!shim.isEmpty(), "libvsshim.so is mapped:\n" + maps);
            assertTrue(shim.stream().allMatch(l -> l.contains(jtmp.toString()) && l.endsWith("(deleted)")),
                    "the shim was extracted into java.io.tmpdir and its file deleted once loaded: " + shim);
            assertEquals(List.of(), shimFiles(jtmp), "nothing left while the switch runs");
            sw.kill();
            assertEquals(List.of(), shimFiles(jtmp), "nothing left after kill -9");
        }
    }

    static List<Path> shimFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("libvsshim")).toList();
        }
    }
}
