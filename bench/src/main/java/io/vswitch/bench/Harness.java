package io.vswitch.bench;

import io.vswitch.gen.JsonReader;
import io.vswitch.bench.Peers.Generator;
import io.vswitch.bench.Peers.Point;
import io.vswitch.bench.Peers.Reflector;
import io.vswitch.bench.Peers.ReflectorKind;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * One process start of one point: start the reflector (vhost-user server) pinned to its CPU,
 * wait until its socket is up, start the generator (virtio-user) pinned to the other CPU, let it
 * warm up, measure a window, stop both, check that both exited cleanly, and clean up the socket
 * and the EAL runtime files. Each start gets a fresh socket path and fresh EAL file prefixes.
 *
 * <p>Throughput is what the generator receives back (reflected packets per second) over the
 * window; the generator's TX rate is its offered load.
 */
public final class Harness implements Campaign.Starter {
    /** Printed by bin/vswitch when its poll loops run. */
    static final String VSWITCH_READY = "running; stop with";

    /**
     * @param root repository root (bin/vswitch, bin/vswitch-gen)
     * @param workDir where sockets and logs go
     * @param warmup seconds of traffic before the window
     * @param window seconds measured
     * @param reflectorCpu the CPU the reflector polls on
     * @param generatorCpu the CPU the generator runs on
     * @param noHuge run the reflectors without hugepages ({@code --no-huge -m 1024})
     * @param testpmd the dpdk-testpmd binary
     */
    public record Settings(Path root, Path workDir, int warmup, int window, int reflectorCpu, int generatorCpu, boolean noHuge,
            String testpmd) {
        public Settings {
            if (warmup < 0) throw new IllegalArgumentException("--warmup must be >= 0 seconds");
            if (window < 1) throw new IllegalArgumentException("--window must be >= 1 second");
            if (reflectorCpu < 0 || generatorCpu < 0) throw new IllegalArgumentException("CPUs must be >= 0");
        }
    }

    /**
     * What one start measured.
     *
     * @param txPps generator TX rate over the window
     * @param rxPps reflected packets received per second over the window
     * @param lossRatio 1 - rx/tx over the window (vswitch-gen: its own, sequence-based figure)
     * @param latP50Ns median latency (NaN when the generator does not measure it)
     * @param latP99Ns 99th percentile latency (NaN when not measured)
     * @param rxPerSecond RX rate of each second of the window, if the generator reports it
     * @param seconds wall time of the whole start
     */
    public record Measurement(double txPps, double rxPps, double lossRatio, double latP50Ns, double latP99Ns, double[] rxPerSecond,
            double seconds) {}

    private final Settings s;
    private final String tag;
    private int seq;

    public Harness(Settings s) {
        this.s = s;
        this.tag = "vsbench" + ProcessHandle.current().pid();
    }

    /** Whether {@code bin/vswitch-gen} exists under {@code root}. */
    public static boolean haveVswitchGen(Path root) {
        return Files.isExecutable(root.resolve("bin/vswitch-gen"));
    }

    /** The reflector's command line. */
    static List<String> reflectorCommand(Settings s, Reflector r, int queues, Path sock, String prefix, Path statsJson) {
        return reflectorCommand(s, r, queues, sock, prefix, statsJson, false);
    }

    /**
     * The reflector's command line; {@code iommu} adds {@code iommu-support=1} to the vhost vdev,
     * which a guest whose NIC sits behind an emulated IOMMU (vfio-pci) needs.
     */
    static List<String> reflectorCommand(Settings s, Reflector r, int queues, Path sock, String prefix, Path statsJson, boolean iommu) {
        List<String> c = new ArrayList<>();
        String vdev = "net_vhost0,iface=" + sock + ",queues=" + queues + (iommu ? ",iommu-support=1" : "");
        if (r.kind() == ReflectorKind.VSWITCH) {
            c.addAll(List.of(s.root().resolve("bin/vswitch").toString(), "--vdev", vdev, "--lcores", Integer.toString(s.reflectorCpu()),
                    "--mode", r.mode(), "--file-prefix", prefix, "--stats", "1", "--stats-json", statsJson.toString()));
            // --huge-unlink: hugepage files vanish with the process, so a killed run leaks no memory.
            if (s.noHuge()) c.addAll(List.of("--no-huge", "-m", "1024"));
            else c.add("--eal=--huge-unlink");
        } else {
            c.addAll(List.of("stdbuf", "-oL", s.testpmd(), "--lcores", "0@" + s.reflectorCpu() + ",1@" + s.reflectorCpu(), "--file-prefix",
                    prefix, "--no-pci"));
            if (s.noHuge()) c.addAll(List.of("--no-huge", "-m", "1024"));
            else c.add("--huge-unlink");
            c.addAll(List.of("--vdev", vdev, "--", "--forward-mode=" + r.mode(), "--rxq=" + queues, "--txq=" + queues, "--nb-cores=1",
                    "--auto-start", "--stats-period=1", "--total-num-mbufs=16384"));
        }
        return c;
    }

    /**
     * The generator's command line. Sizes are frame sizes with FCS: testpmd's flowgen writes
     * {@code --txpkts - 4} bytes of data ("Adjust FCS"), as vswitch-gen does with {@code --size}.
     */
    static List<String> generatorCommand(Settings s, Generator g, int queues, int size, Path sock, String prefix, Path json) {
        String vdev = "net_virtio_user0,path=" + sock + ",queues=" + queues;
        if (g == Generator.VSWITCH_GEN) {
            return List.of(s.root().resolve("bin/vswitch-gen").toString(), "--vdev", vdev, "--lcores", Integer.toString(s.generatorCpu()),
                    "--size", Integer.toString(size), "--duration", Integer.toString(s.window()), "--warmup", Integer.toString(s.warmup()),
                    "--file-prefix", prefix, "--json", json.toString());
        }
        return List.of("stdbuf", "-oL", s.testpmd(), "--lcores", "0@" + s.generatorCpu() + ",1@" + s.generatorCpu(), "--no-huge", "-m", "512",
                "--file-prefix", prefix, "--no-pci", "--vdev", vdev, "--", "--forward-mode=flowgen", "--txpkts=" + size, "--rxq=" + queues,
                "--txq=" + queues, "--nb-cores=1", "--auto-start", "--stats-period=1", "--total-num-mbufs=16384");
    }

    /** Runs one start of {@code p}. Logs stay in {@code workDir/logs}. */
    @Override
    public Measurement run(Point p) throws RunFailure, IOException, InterruptedException {
        int id = ++seq;
        long t0 = System.nanoTime();
        Path logs = s.workDir().resolve("logs");
        Files.createDirectories(logs);
        Path sock = s.workDir().resolve("s" + id + ".sock");
        Files.deleteIfExists(sock);
        String rPrefix = tag + "r" + id, gPrefix = tag + "g" + id;
        String name = String.format("%03d-%s-%s-%dq-%d", id, p.config().reflector().id(), p.config().generator().id(), p.config().queues(),
                p.size());
        Path rLog = logs.resolve(name + "-reflector.log"), gLog = logs.resolve(name + "-generator.log");
        Path genJson = logs.resolve(name + "-generator.json"), statsJson = logs.resolve(name + "-reflector-stats.json");
        Files.deleteIfExists(genJson);
        Files.deleteIfExists(statsJson);
        Reflector r = p.config().reflector();
        Generator g = p.config().generator();
        Child refl = null, gen = null;
        Runnable cleanup = () -> {
            try {
                Files.deleteIfExists(sock);
            } catch (IOException ignored) {
                // best effort at exit
            }
            cleanEal(rPrefix);
            cleanEal(gPrefix);
        };
        Child.atExit(cleanup);
        try {
            refl = Child.start("reflector " + r.id(), reflectorCommand(s, r, p.config().queues(), sock, rPrefix, statsJson), rLog);
            awaitReady(refl, sock, r.kind() == ReflectorKind.VSWITCH ? VSWITCH_READY : null, Duration.ofSeconds(30));
            gen = Child.start("generator " + g.id(), generatorCommand(s, g, p.config().queues(), p.size(), sock, gPrefix, genJson), gLog);
            Measurement m;
            if (g == Generator.FLOWGEN) {
                m = measureFlowgen(gen, refl, t0);
            } else {
                m = measureVswitchGen(gen, refl, genJson, t0);
            }
            gen = null;
            int rc = refl.stop(Duration.ofSeconds(15));
            Child done = refl;
            refl = null;
            if (!cleanExit(r.kind() == ReflectorKind.VSWITCH, rc))
                throw new RunFailure("the reflector " + exitText(rc) + " when stopped with SIGTERM (expected 0)\n" + done.tail(25));
            if (!(m.rxPps() > 0))
                throw new RunFailure("no packets came back (RX 0 pps, TX " + Math.round(m.txPps()) + " pps)\n" + done.tail(25));
            return new Measurement(m.txPps(), m.rxPps(), m.lossRatio(), m.latP50Ns(), m.latP99Ns(), m.rxPerSecond(),
                    (System.nanoTime() - t0) / 1e9);
        } finally {
            if (gen != null) gen.stop(Duration.ofSeconds(5));
            if (refl != null) refl.stop(Duration.ofSeconds(5));
            cleanup.run();
            Child.cancelAtExit(cleanup);
        }
    }

    private Measurement measureFlowgen(Child gen, Child refl, long t0) throws RunFailure, InterruptedException {
        int need = TestpmdLog.samplesNeeded(s.warmup(), s.window());
        long deadline = System.nanoTime() + (s.warmup() + s.window() + 30L) * 1_000_000_000L;
        TestpmdLog log;
        while (true) {
            log = TestpmdLog.parse(gen.lines());
            if (log.samples().size() >= need) break;
            if (!gen.alive())
                throw new RunFailure("the generator (testpmd flowgen) " + exitText(gen.exitValue()) + " after " + log.samples().size()
                        + " of " + need + " stats periods\n" + gen.tail(30) + "\n" + refl.tail(15));
            if (!refl.alive())
                throw new RunFailure("the reflector " + exitText(refl.exitValue()) + " while the generator ran\n" + refl.tail(30));
            if (System.nanoTime() > deadline)
                throw new RunFailure("the generator (testpmd flowgen) printed " + log.samples().size() + " of " + need
                        + " stats periods in time\n" + gen.tail(30));
            Thread.sleep(200);
        }
        // The generator goes first: virtio-user talks to the vhost socket while it shuts down,
        // and dies of SIGPIPE if the reflector has closed it already.
        int rc = gen.stop(Duration.ofSeconds(10));
        if (!cleanExit(false, rc)) throw new RunFailure("the generator (testpmd flowgen) " + exitText(rc) + " when stopped\n" + gen.tail(30));
        TestpmdLog.Window w = log.window(s.warmup(), s.window());
        double loss = w.txPps() > 0 ? Math.max(0, 1 - w.rxPps() / w.txPps()) : Double.NaN;
        return new Measurement(w.txPps(), w.rxPps(), loss, Double.NaN, Double.NaN, w.rxPerSecond(), (System.nanoTime() - t0) / 1e9);
    }

    private Measurement measureVswitchGen(Child gen, Child refl, Path json, long t0) throws RunFailure, IOException, InterruptedException {
        int rc = gen.await(Duration.ofSeconds(s.warmup() + s.window() + 60L));
        if (rc != 0) throw new RunFailure("the generator (vswitch-gen) " + exitText(rc) + "\n" + gen.tail(30) + "\n" + refl.tail(15));
        if (!Files.exists(json)) throw new RunFailure("the generator (vswitch-gen) exited 0 but wrote no " + json + "\n" + gen.tail(30));
        Object doc;
        try {
            doc = JsonReader.parse(Files.readString(json));
        } catch (IllegalArgumentException e) {
            throw new RunFailure("cannot read the generator's JSON " + json + ": " + e.getMessage());
        }
        double tx = JsonReader.number(doc, "tx_pps"), rx = JsonReader.number(doc, "rx_pps");
        if (Double.isNaN(tx) || Double.isNaN(rx)) throw new RunFailure("the generator's JSON " + json + " has no tx_pps/rx_pps");
        return new Measurement(tx, rx, JsonReader.number(doc, "loss_ratio"), JsonReader.number(doc, "latency_ns", "p50"),
                JsonReader.number(doc, "latency_ns", "p99"), new double[0], (System.nanoTime() - t0) / 1e9);
    }

    /** bin/vswitch must exit 0 on SIGTERM; testpmd exits 0 or dies of the signal (143), both fine. */
    static boolean cleanExit(boolean vswitch, int rc) {
        return rc == 0 || (!vswitch && rc == 128 + 15);
    }

    static String exitText(int rc) {
        if (rc == -1) return "did not exit and was killed";
        if (rc > 128) return "died of signal " + (rc - 128) + " (exit " + rc + ")";
        return "exited " + rc;
    }

    /** Waits until the reflector's socket exists and (if {@code marker} is given) it printed the marker. */
    static void awaitReady(Child c, Path sock, String marker, Duration timeout) throws RunFailure, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!c.alive()) throw new RunFailure("the " + c.role + " " + exitText(c.exitValue()) + " during start-up\n" + c.tail(30));
            if (Files.exists(sock) && (marker == null || c.lines().stream().anyMatch(l -> l.contains(marker)))) {
                Thread.sleep(100);
                return;
            }
            if (System.nanoTime() > deadline)
                throw new RunFailure("the " + c.role + " did not come up within " + timeout.toSeconds() + " s (socket " + sock + ")\n" + c.tail(30));
            Thread.sleep(50);
        }
    }

    /** Removes what EAL leaves for a file prefix we made: its runtime directory and any hugepage files. */
    static void cleanEal(String prefix) {
        deleteTree(Path.of("/var/run/dpdk", prefix));
        Path huge = Path.of("/dev/hugepages");
        if (Files.isDirectory(huge)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(huge, prefix + "map_*")) {
                for (Path f : ds) Files.deleteIfExists(f);
            } catch (IOException ignored) {
                // not ours to worry about: nothing was there
            }
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> w = Files.walk(dir)) {
            for (Path f : w.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        } catch (IOException ignored) {
            // best effort
        }
    }
}
