package io.vswitch.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vswitch.reflector.VswitchCommand;
import io.vswitch.testutil.Dpdk;
import io.vswitch.testutil.Proc;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * deploy/systemd: the unit passes {@code systemd-analyze verify} (where that binary exists),
 * and the command its ExecStart runs, with the variables of vswitch.conf expanded as systemd
 * expands them, is a command line bin/vswitch accepts: parsed by the real picocli command and
 * turned into the switch's configuration. Nothing is started: no systemctl, no switch.
 */
class SystemdUnitTest {
    static final Path DIR = Dpdk.REPO.resolve("deploy/systemd");
    static final Path SYSTEMD_ANALYZE = Path.of("/usr/bin/systemd-analyze");

    @TempDir Path tmp;

    /** The unit as install.sh --in-place writes it (ExecStart at this checkout's bin/vswitch), verified by systemd. */
    @Test
    void installedUnitPassesSystemdAnalyzeVerify() throws Exception {
        assumeTrue(Files.isExecutable(SYSTEMD_ANALYZE), "systemd-analyze is not installed here (" + SYSTEMD_ANALYZE
                + "); the unit is checked by systemd-analyze only where it is available");
        Path root = tmp.resolve("root");
        String out = run(List.of("bash", DIR.resolve("install.sh").toString(), "--in-place", "--root", root.toString(), "--no-reload"), 0);
        Path unit = root.resolve("etc/systemd/system/vswitch.service");
        assertTrue(Files.isRegularFile(unit), out);
        assertEquals(Files.readString(DIR.resolve("vswitch.conf")), Files.readString(root.resolve("etc/vswitch/vswitch.conf")));
        String text = Files.readString(unit);
        assertTrue(text.contains("ExecStart=" + Dpdk.REPO.resolve("bin/vswitch") + " --mode switch"), text);
        // verify needs ExecStart's binary to exist; it prints warnings (unknown keys, bad values) and exits 0 on some of them
        String verify = run(List.of(SYSTEMD_ANALYZE.toString(), "verify", unit.toString()), 0);
        assertEquals("", verify.strip(), "systemd-analyze verify must print nothing");

        // the shipped unit is verified with only the binary's path changed: a typo in it shows up the same way
        Path bad = tmp.resolve("bad/vswitch.service");
        Files.createDirectories(bad.getParent());
        Files.writeString(bad, text.replace("Restart=on-failure", "Restartt=on-failure"));
        assertTrue(run(List.of(SYSTEMD_ANALYZE.toString(), "verify", bad.toString()), -1).contains("Unknown key"),
                "verify reports an unknown key (so the empty output above means something)");
    }

    @Test
    void unitHasTheServiceSettingsTheIssueAsksFor() throws IOException {
        Map<String, List<String>> u = keys(Files.readString(DIR.resolve("vswitch.service")));
        assertEquals(List.of("simple"), u.get("Type"));
        assertEquals(List.of("on-failure"), u.get("Restart"));
        assertEquals(List.of("vswitch"), u.get("RuntimeDirectory"));
        assertEquals(List.of("vswitch"), u.get("StateDirectory"));
        assertTrue(u.get("After").getFirst().contains("dev-hugepages.mount"), "After=" + u.get("After"));
        assertEquals(List.of("dev-hugepages.mount"), u.get("Requires"));
        assertEquals(List.of("infinity"), u.get("LimitMEMLOCK"));
        assertEquals(List.of("SIGTERM"), u.get("KillSignal"));
        assertEquals(List.of("-/etc/vswitch/vswitch.conf"), u.get("EnvironmentFile"));
        assertEquals(List.of("multi-user.target"), u.get("WantedBy"));
        String exec = u.get("ExecStart").getFirst();
        assertTrue(exec.startsWith("/opt/vswitch/bin/vswitch --mode switch "), exec);
        assertTrue(exec.contains(" --db /var/lib/vswitch/ports.json "), "the database lives in StateDirectory: " + exec);
        assertTrue(exec.contains(" --ctl /run/vswitch/vswitch.ctl "), "the control socket lives in RuntimeDirectory: " + exec);
    }

    /** ExecStart with vswitch.conf's values, and with each example in its comments, is accepted by bin/vswitch. */
    @Test
    void execStartIsACommandLineVswitchAccepts() throws Exception {
        Map<String, List<String>> u = keys(Files.readString(DIR.resolve("vswitch.service")));
        Map<String, String> env = new LinkedHashMap<>();
        for (String e : u.get("Environment")) env.put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
        List<String> conf = Files.readAllLines(DIR.resolve("vswitch.conf"));
        Map<String, String> fromConf = new LinkedHashMap<>(env);
        for (String l : conf) {
            Matcher m = Pattern.compile("^([A-Z_]+)=(.*)$").matcher(l);
            if (m.matches()) {
                assertTrue(env.containsKey(m.group(1)), m.group(1) + " in vswitch.conf has no default in the unit");
                fromConf.put(m.group(1), m.group(2));
            }
        }
        String exec = u.get("ExecStart").getFirst();
        for (Map<String, String> e : List.of(env, fromConf)) accept(expand(exec, e));
        int examples = 0;
        for (String l : conf) {
            Matcher m = Pattern.compile("^#\\s+(VSWITCH_OPTS)=(.+)$").matcher(l);
            if (!m.matches()) continue;
            Map<String, String> e = new LinkedHashMap<>(fromConf);
            e.put(m.group(1), m.group(2));
            accept(expand(exec, e));
            examples++;
        }
        assertTrue(examples >= 2, "vswitch.conf shows examples of VSWITCH_OPTS");
        assertEquals(List.of("/opt/vswitch/bin/vswitch", "--mode", "switch", "--db", "/var/lib/vswitch/ports.json", "--ctl",
                "/run/vswitch/vswitch.ctl", "--lcores", "1", "--file-prefix", "vswitch"), expand(exec, fromConf));
    }

    /** The copy install: a tree under the prefix whose bin/vswitch runs (--help) on its own. */
    @Test
    void installCopiesARunnableTree() throws Exception {
        Path root = tmp.resolve("root");
        run(List.of("bash", DIR.resolve("install.sh").toString(), "--root", root.toString(), "--prefix", "/opt/vswitch", "--no-reload"), 0);
        Path home = root.resolve("opt/vswitch");
        assertTrue(Files.readString(root.resolve("etc/systemd/system/vswitch.service")).contains("ExecStart=/opt/vswitch/bin/vswitch --mode switch"));
        String help = run(List.of(home.resolve("bin/vswitch").toString(), "--help"), 0);
        assertTrue(help.contains("--mode"), help);
        // the copied tree is complete: its switch starts (EAL, the native shim packed in the bindings jar) and stops on SIGTERM
        Dpdk.requireEnvironment(false);
        try (Proc sw = Proc.start("installed-vswitch", List.of(home.resolve("bin/vswitch").toString(), "--mode", "switch",
                "--lcores", "1", "--no-huge", "-m", "128", "--file-prefix", Dpdk.prefix("install")), tmp)) {
            sw.await("running; stop with", Duration.ofSeconds(60));
            assertEquals(0, sw.stop(Duration.ofSeconds(20)), sw.tail());
        }
        assertTrue(run(List.of(home.resolve("bin/vswitchctl").toString(), "--help"), 0).contains("add-port"));
        // a second install replaces the tree and keeps an edited configuration
        Files.writeString(root.resolve("etc/vswitch/vswitch.conf"), "VSWITCH_LCORES=2\n");
        String again = run(List.of("bash", DIR.resolve("install.sh").toString(), "--root", root.toString(), "--no-reload"), 0);
        assertTrue(again.contains("keeping"), again);
        assertEquals("VSWITCH_LCORES=2\n", Files.readString(root.resolve("etc/vswitch/vswitch.conf")));
        assertFalse(Files.exists(root.resolve("opt/vswitch.old")));
        assertFalse(Files.exists(root.resolve("opt/vswitch.new")));
    }

    /** bin/vswitch's parser and the switch configuration it builds; a rejected option fails the test with picocli's message. */
    static void accept(List<String> argv) throws Exception {
        assertTrue(argv.getFirst().endsWith("/bin/vswitch"), argv.toString());
        List<String> args = argv.subList(1, argv.size());
        VswitchCommand c = new VswitchCommand();
        try {
            new CommandLine(c).parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new AssertionError("bin/vswitch rejects the unit's command line " + args + ": " + e.getMessage());
        }
        Method m = VswitchCommand.class.getDeclaredMethod("switchConfig");
        m.setAccessible(true);
        try {
            assertTrue(m.invoke(c) != null);
        } catch (InvocationTargetException e) {
            throw new AssertionError("bin/vswitch refuses the unit's command line " + args + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** systemd's ExecStart expansion: ${VAR} is one word, $VAR splits on white space (and vanishes when empty). */
    static List<String> expand(String exec, Map<String, String> env) {
        List<String> out = new ArrayList<>();
        for (String w : exec.trim().split("\\s+")) {
            Matcher whole = Pattern.compile("^\\$\\{([A-Za-z_]+)}$").matcher(w);
            Matcher split = Pattern.compile("^\\$([A-Za-z_]+)$").matcher(w);
            if (whole.matches()) {
                out.add(env.getOrDefault(whole.group(1), ""));
            } else if (split.matches()) {
                String v = env.getOrDefault(split.group(1), "").trim();
                if (!v.isEmpty()) out.addAll(List.of(v.split("\\s+")));
            } else {
                assertFalse(w.contains("$"), "a variable inside a word is not used here: " + w);
                out.add(w);
            }
        }
        return out;
    }

    /** Key -> values of a unit file (all sections; comments and blank lines skipped). */
    static Map<String, List<String>> keys(String unit) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (String l : unit.split("\n")) {
            l = l.strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith(";") || l.startsWith("[")) continue;
            int eq = l.indexOf('=');
            assertTrue(eq > 0, "not a key=value line: " + l);
            m.computeIfAbsent(l.substring(0, eq), k -> new ArrayList<>()).add(l.substring(eq + 1));
        }
        return m;
    }

    /** Runs a command, returns its output; {@code rc} -1 accepts any exit code. */
    static String run(List<String> cmd, int rc) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), cmd + " hangs");
        if (rc >= 0) assertEquals(rc, p.exitValue(), cmd + ":\n" + out);
        return out;
    }
}
