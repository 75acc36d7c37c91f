package io.vswitch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.testutil.Dpdk;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/_launch and the AOT cache (bin/aot-cache): a cache the JVM cannot use never breaks a
 * start nor adds a line to its output, and a cache older than the jars is not even passed on.
 * Runs the launcher as a user does, so it needs the jars of {@code mvn package}.
 */
class LauncherAotTest {
    static final Path VSWITCH = Dpdk.REPO.resolve("bin/vswitch");

    record Run(int code, String out, String err) {}

    @BeforeAll
    static void built() throws IOException {
        try (var s = Files.list(Dpdk.REPO.resolve("vswitch/target"))) {
            assertTrue(s.anyMatch(p -> p.getFileName().toString().matches("vswitch-.*\\.jar")),
                    "bin/vswitch needs the built jars: run mvn -B -q package -DskipTests first");
        }
    }

    static Run run(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(VSWITCH.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("VSWITCH_JAVA_OPTS");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "bin/vswitch --version did not exit");
        return new Run(p.exitValue(), out, err);
    }

    @Test
    void aDamagedCacheStartsWithoutItSilently(@TempDir Path dir) throws Exception {
        Path cache = dir.resolve("damaged.aot");
        Files.write(cache, new byte[64 * 1024]);        // newer than the jars: the launcher passes it on
        Run r = run(Map.of("VSWITCH_AOT_CACHE", cache.toString()), "--version");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("vswitch "), r.out());
        assertEquals("", r.err());
        // and it was passed on: with the JVM's aot log on, the JVM says it could not use that file
        Run logged = run(Map.of("VSWITCH_AOT_CACHE", cache.toString(), "VSWITCH_JAVA_OPTS", "-Xlog:aot"), "--version");
        assertEquals(0, logged.code(), logged.err());
        assertTrue((logged.out() + logged.err()).contains(cache.toString()), logged.out() + logged.err());
    }

    @Test
    void aCacheOlderThanTheJarsIsLeftOut(@TempDir Path dir) throws Exception {
        Path cache = dir.resolve("stale.aot");
        Files.write(cache, new byte[64 * 1024]);
        Files.setLastModifiedTime(cache, FileTime.fromMillis(0));
        Run r = run(Map.of("VSWITCH_AOT_CACHE", cache.toString(), "VSWITCH_JAVA_OPTS", "-Xlog:aot"), "--version");
        assertEquals(0, r.code(), r.err());
        assertFalse((r.out() + r.err()).contains(cache.toString()), r.out() + r.err());
    }

    @Test
    void vswitchAot0LeavesEvenAFreshCacheOut(@TempDir Path dir) throws Exception {
        Path cache = dir.resolve("fresh.aot");
        Files.write(cache, new byte[64 * 1024]);
        Run r = run(Map.of("VSWITCH_AOT_CACHE", cache.toString(), "VSWITCH_AOT", "0", "VSWITCH_JAVA_OPTS", "-Xlog:aot"),
                "--version");
        assertEquals(0, r.code(), r.err());
        assertFalse((r.out() + r.err()).contains(cache.toString()), r.out() + r.err());
    }
}
