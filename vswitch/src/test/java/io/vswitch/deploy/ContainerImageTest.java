package io.vswitch.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * deploy/kubernetes/Containerfile and the scripts the image runs, checked without a container
 * engine (none here) and without hadolint: the scripts parse (bash -n / sh -n) and do their
 * job on temporary directories standing in for the image and the node; every file the
 * Containerfile COPYs from the context exists and survives .dockerignore; the image holds
 * every command the manifests run; the runtime stage installs the DPDK libraries the shim
 * links.
 */
class ContainerImageTest {
    static final Path SCRIPTS = Manifests.DIR.resolve("scripts");
    static final ObjectMapper JSON = new ObjectMapper();
    Path tmp;

    @BeforeEach
    void tmp() throws IOException {
        tmp = Files.createTempDirectory("vswitch-deploy");
    }

    @AfterEach
    void clean() throws IOException {
        try (Stream<Path> s = Files.walk(tmp)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    record Run(int exit, String out, String err) {}

    static Run run(List<String> cmd, Map<String, String> env, String stdin) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().putAll(env);
            Path out = Files.createTempFile("deploy-out", ".txt");
            Path err = Files.createTempFile("deploy-err", ".txt");
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            Process p = pb.start();
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(cmd + " did not finish in 120 s");
            }
            Run r = new Run(p.exitValue(), Files.readString(out), Files.readString(err));
            Files.delete(out);
            Files.delete(err);
            return r;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static void requireTool(String tool, String why) {
        Run r = run(List.of("sh", "-c", "command -v " + tool), Map.of(), null);
        assertEquals(0, r.exit(), tool + " is not installed (" + why + "): run bin/setup, or apt-get install " + tool);
    }

    // ---- the scripts ---------------------------------------------------------------------

    @Test
    void everyScriptParsesWithItsOwnShell() throws IOException {
        List<Path> scripts;
        try (Stream<Path> s = Stream.concat(Files.list(SCRIPTS), Files.list(Manifests.DIR))) {
            scripts = s.filter(Files::isRegularFile).filter(p -> p.startsWith(SCRIPTS) || p.toString().endsWith(".sh"))
                    .sorted().toList();
        }
        assertTrue(scripts.size() >= 9, "the scripts are in " + SCRIPTS + " and beside the manifests: " + scripts);
        for (Path p : scripts) {
            String first = Files.readAllLines(p).getFirst();
            // cpus.sh is sourced by bash scripts, not run.
            String shell = first.startsWith("#!/bin/sh") ? "sh" : "bash";
            assertTrue(first.startsWith("#!") || p.getFileName().toString().equals("cpus.sh"), p + ": a #! line");
            Run r = run(List.of(shell, "-n", p.toString()), Map.of(), null);
            assertEquals(0, r.exit(), shell + " -n " + p + ":\n" + r.err());
            if (!p.getFileName().toString().equals("cpus.sh")) {
                assertTrue(Files.isExecutable(p), p + " is executable (git keeps the mode; the image copies it)");
            }
        }
    }

    /** A stand-in repository after `mvn package`: dummy jars, the real scripts. */
    Path fakeBuiltRepo() throws IOException {
        Path repo = tmp.resolve("repo");
        Files.createDirectories(repo.resolve("vswitch/target/lib"));
        Files.createDirectories(repo.resolve("native-shim/target/native"));
        Files.writeString(repo.resolve("vswitch/target/vswitch-0.1.0-SNAPSHOT.jar"), "jar");
        Files.writeString(repo.resolve("vswitch/target/vswitch-0.1.0-SNAPSHOT-tests.jar"), "not shipped");
        Files.writeString(repo.resolve("vswitch/target/lib/picocli-4.7.7.jar"), "dep");
        Files.writeString(repo.resolve("native-shim/target/native/libvsshim.so"), "so");
        Files.createDirectories(repo.resolve("deploy/kubernetes"));
        Files.createSymbolicLink(repo.resolve("deploy/kubernetes/scripts"), SCRIPTS);
        return repo;
    }

    @Test
    void stageLaysOutTheImageTreeAndItHoldsEveryCommandTheManifestsRun() throws IOException {
        Path repo = fakeBuiltRepo();
        Path stage = tmp.resolve("stage");
        Run r = run(List.of("bash", SCRIPTS.resolve("stage.sh").toString(), repo.toString(), stage.toString(), "--no-jre"),
                Map.of(), null);
        assertEquals(0, r.exit(), "stage.sh:\n" + r.out() + r.err());
        Path opt = stage.resolve("opt/vswitch");
        assertEquals(Set.of("vswitch-0.1.0-SNAPSHOT.jar", "picocli-4.7.7.jar"), names(opt.resolve("lib")),
                "lib/: the vswitch jar and its dependencies, not the test jar");
        assertTrue(Files.isRegularFile(opt.resolve("native/libvsshim.so")), "native/libvsshim.so");
        assertTrue(Files.readString(opt.resolve("RELEASE")).strip().matches("[0-9a-f]{16}"), "RELEASE is a hash");

        // Every /opt/vswitch path the manifests run (commands, probes) and the image's
        // ENTRYPOINT is an executable in the staged tree.
        Set<String> commands = new LinkedHashSet<>();
        for (String f : List.of("daemonset.yaml", "pod-testpmd-a.yaml", "pod-testpmd-b.yaml")) {
            for (HasMetadata o : Manifests.load(f)) {
                PodSpec spec = o instanceof DaemonSet d ? d.getSpec().getTemplate().getSpec()
                        : o instanceof Pod p ? p.getSpec() : null;
                if (spec == null) {
                    continue;
                }
                List<Container> all = new ArrayList<>(spec.getContainers());
                if (spec.getInitContainers() != null) {
                    all.addAll(spec.getInitContainers());
                }
                for (Container c : all) {
                    assertNotNull(c.getCommand(), f + " " + c.getName() + ": an explicit command");
                    commands.add(c.getCommand().getFirst());
                    for (Probe p : Stream.of(c.getLivenessProbe(), c.getReadinessProbe(), c.getStartupProbe())
                            .filter(x -> x != null).toList()) {
                        commands.add(p.getExec().getCommand().getFirst());
                    }
                }
            }
        }
        Matcher entry = Pattern.compile("(?m)^ENTRYPOINT \\[\"([^\"]+)\"").matcher(containerfile());
        assertTrue(entry.find(), "the Containerfile has an ENTRYPOINT");
        commands.add(entry.group(1));
        for (String cmd : commands) {
            assertTrue(cmd.startsWith("/opt/vswitch/"), cmd + ": runs from /opt/vswitch");
            Path p = stage.resolve(cmd.substring(1));
            assertTrue(Files.isRegularFile(p) && Files.isExecutable(p), cmd + " is not an executable the image holds");
        }
        // What the CNI plugin runs on the host is what install-cni installs.
        assertTrue(Files.isExecutable(opt.resolve("bin/vswitch-cni")), "bin/vswitch-cni");
        assertTrue(Files.isExecutable(opt.resolve("bin/install-cni")), "bin/install-cni");
    }

    static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return new java.util.TreeSet<>(s.map(p -> p.getFileName().toString()).toList());
        }
    }

    /** An image's /opt/vswitch with a given release (a runnable stand-in for java). */
    Path fakeImage(String release) throws IOException {
        Path src = tmp.resolve("image-" + release);
        Files.createDirectories(src.resolve("jre/bin"));
        Files.createDirectories(src.resolve("lib"));
        Files.createDirectories(src.resolve("bin"));
        Path java = src.resolve("jre/bin/java");
        Files.writeString(java, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(src.resolve("lib/vswitch.jar"), release);
        Files.copy(SCRIPTS.resolve("vswitch-cni.sh"), src.resolve("bin/vswitch-cni"));
        Files.writeString(src.resolve("RELEASE"), release + "\n");
        return src;
    }

    @Test
    void installCniPutsThePluginAndItsRuntimeOnTheHostAndReplacesReleasesWhole() throws IOException {
        Path host = tmp.resolve("host");
        Path cniBin = Files.createDirectories(host.resolve("opt/cni/bin"));
        Path opt = host.resolve("opt/vswitch");
        Files.writeString(cniBin.resolve("other-plugin"), "left alone");
        for (String release : List.of("r1", "r1", "r2", "r3")) {
            Run r = run(List.of("bash", SCRIPTS.resolve("install-cni.sh").toString()),
                    Map.of("SRC", fakeImageOnce(release).toString(), "HOST_OPT", opt.toString(),
                            "HOST_CNI_BIN", cniBin.toString()), null);
            assertEquals(0, r.exit(), "install-cni " + release + ":\n" + r.out() + r.err());
            Path plugin = cniBin.resolve("vswitch-cni");
            assertTrue(Files.isExecutable(plugin), "vswitch-cni installed executable");
            assertEquals(Files.readString(SCRIPTS.resolve("vswitch-cni.sh")), Files.readString(plugin), "the plugin script");
            // jre and lib are relative links into the release: they resolve on the host too.
            assertEquals(Path.of("releases/" + release + "/jre"), Files.readSymbolicLink(opt.resolve("jre")));
            assertEquals(Path.of("releases/" + release + "/lib"), Files.readSymbolicLink(opt.resolve("lib")));
            assertEquals(release, Files.readString(opt.resolve("lib/vswitch.jar")), "lib/ of release " + release);
            assertTrue(Files.isExecutable(opt.resolve("jre/bin/java")), "jre/bin/java through the link");
        }
        assertEquals(Set.of("r2", "r3"), names(opt.resolve("releases")), "the new release and the one before stay");
        assertEquals(Set.of("other-plugin", "vswitch-cni"), names(cniBin), "no temporary file left in the CNI bin dir");
        assertEquals("left alone", Files.readString(cniBin.resolve("other-plugin")));
    }

    private final Map<String, Path> images = new HashMap<>();

    private Path fakeImageOnce(String release) throws IOException {
        Path p = images.get(release);
        if (p == null) {
            p = fakeImage(release);
            images.put(release, p);
        }
        return p;
    }

    @Test
    void cniScriptWithoutItsRuntimeAnswersInTheCniErrorFormat() throws IOException {
        String conf = "{\n  \"cniVersion\": \"1.0.0\",\n  \"name\": \"vswitch-vlan100\",\n  \"type\": \"vswitch-cni\"\n}\n";
        for (String command : List.of("ADD", "STATUS")) {
            Run r = run(List.of("sh", SCRIPTS.resolve("vswitch-cni.sh").toString()),
                    Map.of("CNI_COMMAND", command, "VSWITCH_CNI_JAVA", tmp.resolve("no-java").toString()), conf);
            assertEquals(1, r.exit(), command + ": a CNI error exits non-zero");
            JsonNode err = JSON.readTree(r.out());
            assertEquals("1.0.0", err.path("cniVersion").asText(), command + ": the config's cniVersion: " + r.out());
            assertEquals(command.equals("STATUS") ? 50 : 11, err.path("code").asInt(), command + ": " + r.out());
            assertTrue(err.path("msg").asText().contains("missing"), r.out());
            assertFalse(err.path("details").asText().isEmpty(), r.out());
        }
    }

    @Test
    void testpmdPodFindsItsSocketInTheNetworkStatusAnnotation() throws IOException {
        requireTool("jq", "testpmd-pod reads the network-status annotation with it; the image installs it");
        // The downward API file as the kubelet writes it: key="Go-quoted value" lines, the
        // value here the pretty-printed JSON Multus writes.
        ArrayNode status = JSON.createArrayNode();
        status.addObject().put("name", "cbr0").put("interface", "eth0").put("default", true);
        ObjectNode net = status.addObject().put("name", "default/vswitch-vlan100").put("interface", "vhu0");
        ObjectNode info = net.putObject("device-info").put("type", "vhost-user").put("version", "1.1.0");
        info.putObject("vhost-user").put("mode", "server").put("path", "/var/lib/vswitch/sockets/0123456789ab-vhu0");
        String value = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(status);
        Path annotations = tmp.resolve("annotations");
        Files.writeString(annotations, "k8s.v1.cni.cncf.io/network-status=" + goQuote(value) + "\n"
                + "k8s.v1.cni.cncf.io/networks=" + goQuote("[{\"name\": \"vswitch-vlan100\", \"interface\": \"vhu0\"}]") + "\n");

        Map<String, String> env = new HashMap<>(Map.of("PODINFO", annotations.toString(), "VSWITCH_NETWORK", "vswitch-vlan100",
                "DRY_RUN", "1", "WAIT_SECONDS", "1", "TESTPMD_FWD", "txonly", "TESTPMD_PEER", "02:00:00:00:0b:01",
                "TESTPMD_MAC", "02:00:00:00:0a:01", "POD_NAME", "testpmd-a"));
        // Two CPUs whatever this machine has: the pod asks for 2.
        Run r = run(List.of("taskset", "-c", "0,1", "bash", SCRIPTS.resolve("testpmd-pod.sh").toString()), env, null);
        assertEquals(0, r.exit(), r.out() + r.err());
        String cmd = r.out().lines().filter(l -> l.startsWith("dpdk-testpmd ")).findFirst().orElseThrow(() -> new AssertionError(r.out()));
        assertTrue(cmd.contains("--vdev net_virtio_user0,path=/var/lib/vswitch/sockets/0123456789ab-vhu0,queues=1,server=1,mac=02:00:00:00:0a:01"),
                "virtio-user on the socket, as the server (the switch is the vhost client): " + cmd);
        assertTrue(cmd.contains("-l 0,1 ") && cmd.contains("--file-prefix testpmd-a") && cmd.contains("--eth-peer=0,02:00:00:00:0b:01")
                && cmd.contains("--forward-mode=txonly") && cmd.contains("--single-file-segments"), cmd);

        env.put("VSWITCH_NETWORK", "vswitch-vlan200");
        Run missing = run(List.of("taskset", "-c", "0,1", "bash", SCRIPTS.resolve("testpmd-pod.sh").toString()), env, null);
        assertEquals(2, missing.exit(), "a network the pod did not get: " + missing.out() + missing.err());
        assertTrue(missing.err().contains("no vhost-user device-info for network vswitch-vlan200"), missing.err());
    }

    /** Go's %q for ASCII text (what the kubelet writes in a downward API annotations file). */
    static String goQuote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\t", "\\t") + "\"";
    }

    @Test
    void entrypointPinsThePollLoopsOffTheFirstCpu() {
        String probe = ". " + SCRIPTS.resolve("cpus.sh") + "; echo \"$(expand_cpus 2-3,6,8-9)|$(join_cpus 4 5)|$(pick_cpus 2)\"";
        Run r = run(List.of("taskset", "-c", "0,1", "bash", "-c", probe), Map.of(), null);
        assertEquals(0, r.exit(), r.err());
        assertEquals("2 3 6 8 9|4,5|0 1", r.out().strip());
        Run shared = run(List.of("taskset", "-c", "0,1", "bash", "-c", ". " + SCRIPTS.resolve("cpus.sh") + "; pick_cpus 1"),
                Map.of(), null);
        assertEquals("1", shared.out().strip(), "more CPUs than the limit: the last ones");
        assertTrue(shared.err().contains("static policy"), "and says the CPU manager is not static: " + shared.err());
    }

    // ---- the Containerfile -----------------------------------------------------------------------

    static String containerfile() {
        try {
            return Files.readString(Manifests.DIR.resolve("Containerfile"));
        } catch (IOException e) {
            throw new AssertionError("deploy/kubernetes/Containerfile: " + e.getMessage());
        }
    }

    /** Instructions with continuation lines joined and comments dropped. */
    static List<String> instructions() {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String line : containerfile().split("\n")) {
            String t = line.strip();
            if (t.startsWith("#") || (t.isEmpty() && cur.isEmpty())) {
                continue;
            }
            if (t.endsWith("\\")) {
                cur.append(t, 0, t.length() - 1).append(' ');
                continue;
            }
            cur.append(t);
            if (!cur.isEmpty()) {
                out.add(cur.toString().strip());
            }
            cur.setLength(0);
        }
        return out;
    }

    @Test
    void containerfileCopiesOnlyWhatTheContextHoldsAndDockerignoreLetsThrough() throws IOException {
        List<String> ins = instructions();
        List<String> froms = ins.stream().filter(i -> i.startsWith("FROM ")).toList();
        assertEquals(2, froms.size(), "two stages: build and runtime");
        assertTrue(ins.stream().anyMatch(i -> i.startsWith("ARG DEBIAN_IMAGE=debian:bookworm")), "Debian 12 (bookworm) images");
        List<String> ignore = Files.readAllLines(Manifests.REPO.resolve(".dockerignore")).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        int contextCopies = 0;
        for (String i : ins) {
            if (!i.startsWith("COPY ")) {
                continue;
            }
            List<String> words = new ArrayList<>(List.of(i.substring(5).strip().split("\\s+")));
            boolean fromStage = words.removeIf(w -> w.startsWith("--from="));
            words.removeIf(w -> w.startsWith("--"));
            List<String> sources = words.subList(0, words.size() - 1);
            for (String src : sources) {
                if (fromStage) {
                    assertTrue(src.startsWith("/stage/"), "copies from the build stage come from stage.sh's /stage: " + i);
                    continue;
                }
                contextCopies++;
                Path p = Manifests.REPO.resolve(src);
                assertTrue(Files.exists(p), "COPY " + src + ": not in the repository");
                List<Path> files;
                try (Stream<Path> s = Files.walk(p)) {
                    files = s.filter(Files::isRegularFile).toList();
                }
                for (Path f : files) {
                    String rel = Manifests.REPO.relativize(f).toString();
                    boolean buildOutput = rel.contains("/target/") || rel.startsWith("target/");
                    assertEquals(buildOutput, ignored(rel, ignore), rel + (buildOutput
                            ? ": build output must stay out of the context (.dockerignore)"
                            : ": COPY needs it but .dockerignore leaves it out"));
                }
            }
        }
        assertTrue(contextCopies >= 5, "the build stage copies the sources");
        assertTrue(ins.stream().anyMatch(i -> i.startsWith("RUN ") && i.contains("deploy/kubernetes/scripts/stage.sh /src /stage")),
                "the build stage lays out /stage with stage.sh");
        assertTrue(ins.stream().anyMatch(i -> i.startsWith("RUN ") && i.contains("mvn ") && i.contains(" package")),
                "the build stage builds with Maven");
    }

    /** .dockerignore's rule: the last pattern that matches the path or one of its parents wins. */
    static boolean ignored(String rel, List<String> patterns) {
        boolean excluded = false;
        for (String raw : patterns) {
            boolean negate = raw.startsWith("!");
            String pat = negate ? raw.substring(1) : raw;
            PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + pat);
            PathMatcher below = pat.startsWith("**/") ? FileSystems.getDefault().getPathMatcher("glob:" + pat.substring(3)) : null;
            Path p = Path.of(rel);
            boolean match = false;
            for (Path q = p; q != null && !match; q = q.getParent()) {
                match = m.matches(q) || (below != null && below.matches(q));
            }
            if (match) {
                excluded = !negate;
            }
        }
        return excluded;
    }

    @Test
    void runtimeStageInstallsTheDpdkLibrariesTheShimLinks() throws IOException {
        String runtime = instructions().stream().filter(i -> i.startsWith("RUN ") && i.contains("librte-"))
                .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no RUN installs librte-* packages"));
        Set<String> packages = new LinkedHashSet<>(List.of(runtime.split("\\s+")));
        String makefile = Files.readString(Manifests.REPO.resolve("native-shim/Makefile"));
        Matcher lib = Pattern.compile("-lrte_([a-z_]+)").matcher(makefile);
        int libs = 0;
        while (lib.find()) {
            libs++;
            String pkg = "librte-" + lib.group(1).replace('_', '-') + "23";
            assertTrue(packages.contains(pkg), "the shim links -lrte_" + lib.group(1) + ": the runtime stage installs " + pkg);
        }
        assertTrue(libs >= 5, "the Makefile's DPDK libraries were read");
        // The PMDs the switch and the example pods use: vhost (NativeLibs loads it by soname),
        // virtio-user, tap, af_packet, the ring mempool and the vdev bus; testpmd; jq for testpmd-pod.
        for (String pkg : List.of("librte-net-vhost23", "librte-net-virtio23", "librte-net-tap23", "librte-net-af-packet23",
                "librte-mempool-ring23", "librte-bus-vdev23", "dpdk-dev", "jq")) {
            assertTrue(packages.contains(pkg), "the runtime stage installs " + pkg);
        }
    }
}
