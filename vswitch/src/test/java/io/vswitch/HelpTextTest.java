package io.vswitch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.testutil.Dpdk;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * Every program's {@code --help}, and every subcommand's, as a user runs it (a fresh JVM, so
 * picocli's warnings reach the real stderr): exit 0, a usage text, and not one picocli warning
 * (an unescaped '%' in a description makes picocli print the raw text and warn three times).
 */
class HelpTextTest {
    static String help(String mainClass, List<String> args) throws Exception {
        Process p = new ProcessBuilder(Dpdk.java(mainClass, args)).redirectErrorStream(true)
                .redirectInput(new File("/dev/null")).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), mainClass + " " + args + " did not end");
        assertEquals(0, p.exitValue(), mainClass + " " + args + ":\n" + out);
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"io.vswitch.reflector.VswitchCommand", "io.vswitch.gen.GenCommand",
            "io.vswitch.ctl.VswitchctlCommand", "io.vswitch.vm.VmCommand"})
    void helpHasNoPicocliWarning(String mainClass) throws Exception {
        List<List<String>> runs = new ArrayList<>();
        runs.add(List.of("--help"));
        CommandLine cl = new CommandLine(Class.forName(mainClass).getDeclaredConstructor().newInstance());
        for (String sub : cl.getSubcommands().keySet()) {
            if (!sub.equals("help")) {
                runs.add(List.of(sub, "--help"));
            }
        }
        for (List<String> args : runs) {
            String out = help(mainClass, args);
            assertFalse(out.contains("picocli WARN"), mainClass + " " + args + " printed a picocli warning:\n" + out);
            assertTrue(out.startsWith("Usage: "), mainClass + " " + args + ":\n" + out);
        }
    }
}
