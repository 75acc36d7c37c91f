package io.vswitch.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.testutil.Dpdk;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/setup's JDK step (Debian 12 has no JDK 25 package): which JDK it finds, when it installs
 * Temurin 25 from Adoptium's apt repository (only when the user agreed: --install-jdk, or y on a
 * terminal), and that it stops with the exact commands when it may not or cannot. Run as bash
 * with a made-up environment: fake JDKs (a {@code bin/java} that prints a version), a PATH of
 * the few real tools the step uses plus fake {@code apt-get} and {@code wget} that log their
 * arguments, so nothing is downloaded or installed (this machine reaches Debian's mirrors only).
 */
class SetupJdkTest {
    static final Path SETUP = Dpdk.REPO.resolve("bin/setup");
    static final List<String> TOOLS = List.of("bash", "dirname", "readlink", "grep", "mktemp", "rm", "install", "sed",
            "id", "dpkg", "dpkg-query", "cat", "mkdir");
    static final String COMMANDS = """
              apt-get install -y wget ca-certificates
              mkdir -p /etc/apt/keyrings
              wget -qO /etc/apt/keyrings/adoptium.asc https://packages.adoptium.net/artifactory/api/gpg/key/public
              echo "deb [signed-by=/etc/apt/keyrings/adoptium.asc] https://packages.adoptium.net/artifactory/deb bookworm main" > /etc/apt/sources.list.d/adoptium.list
              apt-get update
              apt-get install -y temurin-25-jdk
            """;

    @TempDir Path tmp;
    Path bin;
    Path jvm;
    Path calls;

    record Run(int code, String out, String err) {}

    @BeforeEach
    void sandbox() throws IOException {
        bin = Files.createDirectory(tmp.resolve("bin"));
        jvm = Files.createDirectory(tmp.resolve("jvm"));
        calls = tmp.resolve("calls.log");
        for (String t : TOOLS) {
            Path real = Stream.of("/usr/bin/", "/bin/").map(d -> Path.of(d + t)).filter(Files::isExecutable).findFirst()
                    .orElseThrow(() -> new AssertionError(t + " not found in /usr/bin or /bin"));
            Files.createSymbolicLink(bin.resolve(t), real);
        }
        script(bin.resolve("apt-get"), "echo \"apt-get $*\" >> " + calls);
        script(bin.resolve("wget"), "echo \"wget $*\" >> " + calls + "\necho 'wget: unable to resolve host address"
                + " packages.adoptium.net' >&2\nexit 4");
        Files.writeString(tmp.resolve("os-release"), "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_ID=\"12\"\n"
                + "VERSION_CODENAME=bookworm\nID=debian\n");
    }

    static void script(Path p, String body) throws IOException {
        Files.writeString(p, "#!/bin/bash\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** A JDK that says it is {@code version}. */
    Path jdk(Path dir, String version) throws IOException {
        Files.createDirectories(dir.resolve("bin"));
        script(dir.resolve("bin/java"), "echo 'openjdk version \"" + version + "\" 2025-09-16' >&2");
        script(dir.resolve("bin/javac"), "echo javac " + version);
        return dir;
    }

    Run setup(String javaHome, String stdin, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/bin/bash", SETUP.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().clear();
        pb.environment().put("PATH", bin.toString());
        pb.environment().put("VSWITCH_JDK_DIRS", jvm.toString());
        pb.environment().put("VSWITCH_OS_RELEASE", tmp.resolve("os-release").toString());
        if (javaHome != null) {
            pb.environment().put("JAVA_HOME", javaHome);
        }
        pb.environment().putAll(env);
        pb.redirectOutput(tmp.resolve("out").toFile()).redirectError(tmp.resolve("err").toFile());
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "bin/setup finished");
        return new Run(p.exitValue(), Files.readString(tmp.resolve("out")), Files.readString(tmp.resolve("err")));
    }

    String calls() throws IOException {
        return Files.exists(calls) ? Files.readString(calls) : "";
    }

    @Test
    void findsAJdk25UnderTheJvmDirectory() throws Exception {
        jdk(jvm.resolve("java-17-openjdk-amd64"), "17.0.16");
        Path t = jdk(jvm.resolve("temurin-25-jdk-amd64"), "25.0.1");
        Run r = setup(null, "", Map.of(), "--check-jdk");
        assertEquals(0, r.code(), r.err());
        assertEquals("setup: JDK: " + t + "\n", r.out());
        assertEquals("", calls(), "nothing installed");
    }

    @Test
    void javaHomeComesFirstAndAnOldOneIsPassedOver() throws Exception {
        Path home = jdk(tmp.resolve("opt/jdk-26"), "26");
        assertEquals("setup: JDK: " + home + "\n", setup(home.toString(), "", Map.of(), "--check-jdk").out());
        Path old = jdk(tmp.resolve("opt/jdk-21"), "21.0.8");
        Path t = jdk(jvm.resolve("temurin-25-jdk-arm64"), "25");
        assertEquals("setup: JDK: " + t + "\n", setup(old.toString(), "", Map.of(), "--check-jdk").out());
    }

    @Test
    void findsTheJavaOnPath() throws Exception {
        Path j = jdk(tmp.resolve("opt/jdk-25.0.1+8"), "25.0.1");
        Files.createSymbolicLink(bin.resolve("java"), j.resolve("bin/java"));
        assertEquals("setup: JDK: " + j + "\n", setup(null, "", Map.of(), "--check-jdk").out());
    }

    @Test
    void withoutConsentItStopsWithTheExactCommands() throws Exception {
        jdk(jvm.resolve("java-17-openjdk-amd64"), "17.0.16");
        Run r = setup(jdk(tmp.resolve("jdk21"), "21").toString(), "", Map.of(), "--jdk-only");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().startsWith("setup: JDK 25 not found (looked at $JAVA_HOME, " + jvm + "/* and java on PATH;"
                + " Debian 12 has no JDK 25 package). Run bin/setup --install-jdk to install Temurin 25 from Adoptium's"
                + " apt repository, or as root:\n"), r.err());
        assertTrue(r.err().contains(COMMANDS), r.err());
        assertEquals("", calls(), "asked nothing, ran nothing (no terminal)");
    }

    @Test
    void agreedItInstallsTemurinAsAdoptiumDocuments() throws Exception {
        Run r = setup(null, "", Map.of(), "--check-jdk", "--install-jdk");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("installing Temurin 25 from Adoptium's apt repository"
                + " (https://packages.adoptium.net/artifactory/deb bookworm)"), r.out());
        assertTrue(r.out().contains("dry run, nothing runs; the commands:\n" + COMMANDS), r.out());
        assertEquals("", calls(), "a dry run runs nothing");
    }

    @Test
    void onATerminalItAsks() throws Exception {
        Run no = setup(null, "n\n", Map.of("VSWITCH_SETUP_ASK", "1"), "--check-jdk");
        assertEquals(1, no.code());
        assertTrue(no.err().contains("Install Temurin 25 from Adoptium's apt repository"
                + " (https://packages.adoptium.net/artifactory/deb)? [y/N]"), no.err());
        assertTrue(no.err().contains(COMMANDS), no.err());
        Run yes = setup(null, "y\n", Map.of("VSWITCH_SETUP_ASK", "1"), "--check-jdk");
        assertEquals(0, yes.code(), yes.err());
        assertTrue(yes.out().contains(COMMANDS), yes.out());
        Run refused = setup(null, "y\n", Map.of("VSWITCH_SETUP_ASK", "1"), "--check-jdk", "--no-install-jdk");
        assertEquals(1, refused.code(), "--no-install-jdk: no question");
        assertFalse(refused.err().contains("[y/N]"), refused.err());
    }

    /**
     * For real (not a dry run) when Adoptium cannot be reached, as here: it stops at the download
     * with the commands, and leaves apt as it was (no key, no repository file).
     */
    @Test
    void whenAdoptiumCannotBeReachedItStopsWithTheCommandsAndLeavesAptAlone() throws Exception {
        Path key = Path.of("/etc/apt/keyrings/adoptium.asc");
        Path list = Path.of("/etc/apt/sources.list.d/adoptium.list");
        boolean keyBefore = Files.exists(key);
        boolean listBefore = Files.exists(list);
        Run r = setup(null, "", Map.of(), "--jdk-only", "--install-jdk");
        assertEquals(1, r.code(), r.out());
        if (!"root".equals(System.getProperty("user.name"))) {
            assertTrue(r.err().startsWith("setup: installing a JDK needs root; as root:\n" + COMMANDS.stripTrailing()),
                    r.err());
            return;
        }
        assertTrue(r.err().startsWith("wget: unable to resolve host address"), "wget's own reason first: " + r.err());
        assertTrue(r.err().contains("\nsetup: could not install Temurin 25: 'wget"
                + " https://packages.adoptium.net/artifactory/api/gpg/key/public' failed (is"
                + " https://packages.adoptium.net/artifactory reachable from here?). Run these as root once it is:\n"
                + COMMANDS), r.err());
        assertEquals("apt-get install -y -qq wget ca-certificates\n", calls().lines().findFirst().orElse("") + "\n",
                "Debian's wget first");
        assertTrue(calls().contains("wget -q -T 30 -t 2 -O "), calls());
        assertFalse(calls().contains("apt-get update"), "no apt-get update without the key: " + calls());
        assertEquals(keyBefore, Files.exists(key), "the key file as it was");
        assertEquals(listBefore, Files.exists(list), "the repository file as it was");
    }
}
