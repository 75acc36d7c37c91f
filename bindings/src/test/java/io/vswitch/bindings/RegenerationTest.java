package io.vswitch.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regenerates the bindings from the installed headers into a temporary directory and
 * fails on any difference from the committed files: generated code is never edited by
 * hand, and a DPDK upgrade that changes a layout shows up here.
 */
class RegenerationTest {
    static final Path REPO = Path.of(System.getProperty("vswitch.repo", "..")).toAbsolutePath().normalize();
    static final String PYTHON = "/usr/bin/python3";

    @Test
    void committedBindingsAreWhatTheGeneratorProduces(@TempDir Path tmp) throws Exception {
        Path script = REPO.resolve("bindings/gen/gen_bindings.py");
        assertTrue(Files.isRegularFile(script), "generator not found at " + script);
        if (!Files.isExecutable(Path.of(PYTHON))) {
            fail(PYTHON + " is missing: apt-get install python3 python3-clang (bin/setup installs them)");
        }
        Path outJava = tmp.resolve("java");
        Path outC = tmp.resolve("layout_probes.c");
        Process p = new ProcessBuilder(PYTHON, script.toString(), "--out-java", outJava.toString(),
                "--out-c", outC.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "generator hung");
        assertEquals(0, p.exitValue(), "generator failed (python3-clang installed?):\n" + log);

        List<String> diffs = new ArrayList<>();
        Path committedJava = REPO.resolve("bindings/src/generated/java");
        compareTrees(committedJava, outJava, diffs);
        compareFile(REPO.resolve("native-shim/src/layout_probes.c"), outC, diffs);
        assertTrue(diffs.isEmpty(), "committed bindings differ from a fresh generation; run bindings/gen/regenerate.sh "
                + "and commit, never edit generated files by hand:\n  " + String.join("\n  ", diffs));
    }

    private static void compareTrees(Path committed, Path fresh, List<String> diffs) throws IOException {
        List<Path> a = list(committed);
        List<Path> b = list(fresh);
        for (Path rel : a) {
            if (!b.contains(rel)) {
                diffs.add("committed but not generated: " + rel);
            }
        }
        for (Path rel : b) {
            if (!a.contains(rel)) {
                diffs.add("generated but not committed: " + rel);
            } else {
                compareFile(committed.resolve(rel), fresh.resolve(rel), diffs);
            }
        }
    }

    private static void compareFile(Path committed, Path fresh, List<String> diffs) throws IOException {
        List<String> x = Files.readAllLines(committed);
        List<String> y = Files.readAllLines(fresh);
        int n = Math.max(x.size(), y.size());
        for (int i = 0; i < n; i++) {
            String l1 = i < x.size() ? x.get(i) : "<eof>";
            String l2 = i < y.size() ? y.get(i) : "<eof>";
            if (!l1.equals(l2)) {
                diffs.add(committed.getFileName() + ":" + (i + 1) + ": committed `" + l1.strip() + "` vs generated `"
                        + l2.strip() + "`");
                return;
            }
        }
    }

    private static List<Path> list(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(root::relativize).sorted().toList();
        }
    }
}
