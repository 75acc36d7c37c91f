package io.vswitch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code vswitch-bench --help} and every subcommand's, in a fresh JVM as a user runs them: exit
 * 0, a usage text, no picocli warning (as the vswitch module's HelpTextTest does for its programs).
 */
class HelpTextTest {
    static String help(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                VswitchBench.class.getName()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(new File("/dev/null")).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), args + " did not end");
        assertEquals(0, p.exitValue(), args + ":\n" + out);
        return out;
    }

    @Test
    void helpHasNoPicocliWarning() throws Exception {
        List<List<String>> runs = new ArrayList<>();
        runs.add(List.of("--help"));
        for (String sub : VswitchBench.commandLine().getSubcommands().keySet()) {
            if (!sub.equals("help")) {
                runs.add(List.of(sub, "--help"));
            }
        }
        for (List<String> args : runs) {
            String out = help(args);
            assertFalse(out.contains("picocli WARN"), "vswitch-bench " + args + " printed a picocli warning:\n" + out);
            String usage = args.get(0).equals("jmh") ? "Usage: java -jar ... [regexp*] [options]" : "Usage: ";
            assertTrue(out.startsWith(usage), "vswitch-bench " + args + ":\n" + out);
        }
    }
}
