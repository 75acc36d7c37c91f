package io.vswitch.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import io.vswitch.bench.Peers.Generator;
import io.vswitch.bench.Peers.Point;
import io.vswitch.bench.Peers.Reflector;
import io.vswitch.bench.Peers.ReflectorKind;
import io.vswitch.ctl.ControlException;
import io.vswitch.ctl.CtlClient;
import io.vswitch.ctl.RpcError;
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
 *
 * <p>The two-port loop ({@link Peers.Topology#TWO_PORT_LOOP}, sweep --switch) differs: the
 * reflector serves two vhost ports, the generator is an interactive testpmd with two
 * virtio-user ports macswapping in a loop, seeded with {@code start tx_first}
 * {@value #LOOP_SEED_BURSTS} (see {@link #loopCommand}), and the rates come from bin/vswitch's
 * {@code --stats-json}: what it transmitted on both ports is the throughput, what it received
 * the offered load (see {@link #loopWindow}). The loop's switches (ours, with a control socket in
 * the work directory, and OVS) also give their poll thread's cycles over the window
 * ({@link PmdCycles}, {@link LoopSampler}).
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
     * @param ovsVswitchd Open vSwitch's DPDK daemon, for the two-port loop's {@code ovs} switch
     * @param vswitchArgs more arguments for every bin/vswitch started (sweep --vswitch-args)
     */
    public record Settings(Path root, Path workDir, int warmup, int window, int reflectorCpu, int generatorCpu, boolean noHuge,
            String testpmd, Path ovsVswitchd, List<String> vswitchArgs) {
        public Settings {
            vswitchArgs = vswitchArgs == null ? List.of() : List.copyOf(vswitchArgs);
            if (warmup < 0) throw new IllegalArgumentException("--warmup must be >= 0 seconds");
            if (window < 1) throw new IllegalArgumentException("--window must be >= 1 second");
            if (reflectorCpu < 0 || generatorCpu < 0) throw new IllegalArgumentException("CPUs must be >= 0");
        }

        /** With Debian's ovs-vswitchd-dpdk ({@link OvsPeer#VSWITCHD}) for sweep --switches ovs. */
        public Settings(Path root, Path workDir, int warmup, int window, int reflectorCpu, int generatorCpu, boolean noHuge, String testpmd) {
            this(root, workDir, warmup, window, reflectorCpu, generatorCpu, noHuge, testpmd, OvsPeer.VSWITCHD, List.of());
        }

        /** The same with another ovs-vswitchd binary. */
        public Settings withOvs(Path binary) {
            return new Settings(root, workDir, warmup, window, reflectorCpu, generatorCpu, noHuge, testpmd, binary, vswitchArgs);
        }

        /** The same with more arguments for bin/vswitch. */
        public Settings withVswitchArgs(List<String> args) {
            return new Settings(root, workDir, warmup, window, reflectorCpu, generatorCpu, noHuge, testpmd, ovsVswitchd, args);
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
     * @param shares a latency point's runs at fixed shares of this start's NDR (sweep --rate, {@link LatencyPoints}); then
     *     tx/rx/loss/latency above are those of the NDR trial and rx is the NDR. Empty for every other point
     * @param cycles the switch's poll-thread cycles over the window (the two-port loop's switches, ours and OVS), else null
     * @param steal the hypervisor's steal time per CPU over the whole start ({@link Campaign} reads it), else null
     */
    public record Measurement(double txPps, double rxPps, double lossRatio, double latP50Ns, double latP99Ns, double[] rxPerSecond,
            double seconds, List<LatencyPoints.ShareRun> shares, PmdCycles cycles, CpuSteal steal) {
        public Measurement {
            shares = shares == null ? List.of() : List.copyOf(shares);
        }

        /** Without steal time. */
        public Measurement(double txPps, double rxPps, double lossRatio, double latP50Ns, double latP99Ns, double[] rxPerSecond,
                double seconds, List<LatencyPoints.ShareRun> shares, PmdCycles cycles) {
            this(txPps, rxPps, lossRatio, latP50Ns, latP99Ns, rxPerSecond, seconds, shares, cycles, null);
        }

        /** Without cycles. */
        public Measurement(double txPps, double rxPps, double lossRatio, double latP50Ns, double latP99Ns, double[] rxPerSecond,
                double seconds, List<LatencyPoints.ShareRun> shares) {
            this(txPps, rxPps, lossRatio, latP50Ns, latP99Ns, rxPerSecond, seconds, shares, null);
        }

        /** The same with the start's wall time {@code s}. */
        public Measurement withSeconds(double s) {
            return new Measurement(txPps, rxPps, lossRatio, latP50Ns, latP99Ns, rxPerSecond, s, shares, cycles, steal);
        }

        /** The same with the switch's cycles {@code c}. */
        public Measurement withCycles(PmdCycles c) {
            return new Measurement(txPps, rxPps, lossRatio, latP50Ns, latP99Ns, rxPerSecond, seconds, shares, c, steal);
        }

        /** The same with the start's steal time {@code st}. */
        public Measurement withSteal(CpuSteal st) {
            return new Measurement(txPps, rxPps, lossRatio, latP50Ns, latP99Ns, rxPerSecond, seconds, shares, cycles, st);
        }

        /** Busy cycles per frame received (NaN without cycles). */
        public double cyclesPerFrame() {
            return cycles == null ? Double.NaN : cycles.cyclesPerFrame();
        }

        /** Busy share of the poll thread, 0..100 (NaN without cycles). */
        public double busyPct() {
            return cycles == null ? Double.NaN : cycles.busyPct();
        }

        /** tsc_hz / busy cycles per frame, Mpps (NaN without cycles). */
        public double capacityMpps() {
            return cycles == null ? Double.NaN : cycles.capacityMpps();
        }

        /**
         * A start whose per-second rate moved by more than this factor inside the window ran in two
         * modes (this VM's throughput switches between ~2.7 and ~8.5 Mpps within a start at 1518 B):
         * its mean is neither, and the tables say so ({@link Results#unsteadyNote}).
         */
        public static final double UNSTEADY = 2.0;

        /** Lowest and highest per-second rate of the window, or null with fewer than two seconds. */
        public double[] rateRange() {
            if (rxPerSecond == null || rxPerSecond.length < 2) return null;
            double lo = Double.POSITIVE_INFINITY, hi = 0;
            for (double v : rxPerSecond) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            return new double[] {lo, hi};
        }

        /** Highest over lowest per-second rate of the window; NaN with fewer than two seconds, infinite if a second had none. */
        public double rateSpread() {
            double[] r = rateRange();
            if (r == null) return Double.NaN;
            return r[1] == 0 ? 1 : r[0] <= 0 ? Double.POSITIVE_INFINITY : r[1] / r[0];
        }

        /** Whether the rate moved by more than {@link #UNSTEADY} times inside the window. */
        public boolean unsteady() {
            return rateSpread() > UNSTEADY;
        }

        /** A throughput measurement (no latency shares). */
        public Measurement(double txPps, double rxPps, double lossRatio, double latP50Ns, double latP99Ns, double[] rxPerSecond,
                double seconds) {
            this(txPps, rxPps, lossRatio, latP50Ns, latP99Ns, rxPerSecond, seconds, List.of());
        }
    }

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
        return reflectorCommand(s, r, queues, List.of(sock), prefix, statsJson, iommu);
    }

    /** The reflector's command line with one vhost port per socket: {@code net_vhost0} on the first, {@code net_vhost1} on the next, ... */
    static List<String> reflectorCommand(Settings s, Reflector r, int queues, List<Path> socks, String prefix, Path statsJson, boolean iommu) {
        return reflectorCommand(s, r, queues, socks, prefix, statsJson, iommu, null);
    }

    /**
     * The same; {@code ctl} (bin/vswitch --mode switch only, else null) is the switch's control
     * socket ({@code --ctl}), through which the two-port loop clears and reads its pmd-stats.
     */
    static List<String> reflectorCommand(Settings s, Reflector r, int queues, List<Path> socks, String prefix, Path statsJson, boolean iommu,
            Path ctl) {
        if (ctl != null && !r.equals(Reflector.SWITCH)) throw new IllegalArgumentException("--ctl goes with bin/vswitch --mode switch, not " + r.id());
        List<String> c = new ArrayList<>();
        List<String> vdevs = new ArrayList<>();
        for (int i = 0; i < socks.size(); i++)
            vdevs.addAll(List.of("--vdev", "net_vhost" + i + ",iface=" + socks.get(i) + ",queues=" + queues + (iommu ? ",iommu-support=1" : "")));
        if (r.kind() == ReflectorKind.VSWITCH) {
            c.addAll(pinned(s.reflectorCpu()));
            c.add(s.root().resolve("bin/vswitch").toString());
            c.addAll(vdevs);
            c.addAll(List.of("--lcores", Integer.toString(s.reflectorCpu()), "--mode", r.mode(), "--file-prefix", prefix, "--stats", "1",
                    "--stats-json", statsJson.toString()));
            if (ctl != null) c.addAll(List.of("--ctl", ctl.toString()));
            c.addAll(s.vswitchArgs());
            // --huge-unlink: hugepage files vanish with the process, so a killed run leaks no memory.
            if (s.noHuge()) c.addAll(List.of("--no-huge", "-m", "1024"));
            else c.add("--eal=--huge-unlink");
        } else {
            c.addAll(List.of("stdbuf", "-oL", s.testpmd(), "--lcores", "0@" + s.reflectorCpu() + ",1@" + s.reflectorCpu(), "--file-prefix",
                    prefix, "--no-pci"));
            if (s.noHuge()) c.addAll(List.of("--no-huge", "-m", "1024"));
            else c.add("--huge-unlink");
            c.addAll(vdevs);
            c.addAll(List.of("--", "--forward-mode=" + r.mode(), "--rxq=" + queues, "--txq=" + queues, "--nb-cores=1",
                    "--auto-start", "--stats-period=1", "--total-num-mbufs=16384"));
        }
        return c;
    }

    /**
     * Confines a Java program to its one CPU, as testpmd's {@code --lcores 0@C,1@C} confines
     * testpmd: otherwise the JVM's own threads (JIT compilers, GC, the control thread and the EAL
     * threads it starts) may run on the other side's CPU and take time from its poll loop, which
     * testpmd never does to its peer.
     */
    static List<String> pinned(int cpu) {
        return List.of("taskset", "-c", Integer.toString(cpu));
    }

    /**
     * The generator's command line. Sizes are frame sizes with FCS: testpmd's flowgen writes
     * {@code --txpkts - 4} bytes of data ("Adjust FCS"), as vswitch-gen does with {@code --size}.
     */
    static List<String> generatorCommand(Settings s, Generator g, int queues, int size, Path sock, String prefix, Path json) {
        String vdev = "net_virtio_user0,path=" + sock + ",queues=" + queues;
        if (g == Generator.VSWITCH_GEN) {
            List<String> c = new ArrayList<>(pinned(s.generatorCpu()));
            // The same memory as flowgen below: 4 KiB memfd pages (--no-huge), not hugepages.
            c.addAll(List.of(s.root().resolve("bin/vswitch-gen").toString(), "--vdev", vdev, "--lcores", Integer.toString(s.generatorCpu()),
                    "--no-huge", "-m", "512", "--size", Integer.toString(size), "--duration", Integer.toString(s.window()), "--warmup",
                    Integer.toString(s.warmup()), "--file-prefix", prefix, "--json", json.toString()));
            return c;
        }
        return List.of("stdbuf", "-oL", s.testpmd(), "--lcores", "0@" + s.generatorCpu() + ",1@" + s.generatorCpu(), "--no-huge", "-m", "512",
                "--file-prefix", prefix, "--no-pci", "--vdev", vdev, "--", "--forward-mode=flowgen", "--txpkts=" + size, "--rxq=" + queues,
                "--txq=" + queues, "--nb-cores=1", "--auto-start", "--stats-period=1", "--total-num-mbufs=16384");
    }

    /** MACs of the loop's two virtio-user ports; each port's frames are addressed to the other's. */
    static final List<String> LOOP_MACS = List.of("02:00:00:00:00:0a", "02:00:00:00:00:0b");

    /**
     * Bursts (of testpmd's 32 frames) {@code start tx_first} sends on each loop port: the
     * population of frames circling, fixed for the whole start and well below the 1024-entry
     * rings, so nothing is dropped for lack of room and the rate is what the two sides can turn.
     */
    static final int LOOP_SEED_BURSTS = 8;

    /** Printed by an interactive testpmd when it reads commands. */
    static final String TESTPMD_PROMPT = "testpmd>";

    /**
     * The two-port loop's testpmd (the switch's guest): two virtio-user ports on {@code socks},
     * one forwarding lcore on the generator CPU, {@code --forward-mode=macswap
     * --port-topology=loop} (each port's frames go back out of it with the MACs swapped),
     * interactive so that {@code start tx_first} can seed it. Its frames are addressed to the
     * other port ({@code --eth-peer}), so through the switch every frame crosses between the ports
     * and is known unicast from the second one on; through a reflector each comes back to its own
     * port. {@code --txpkts} is the frame size minus the FCS: tx_first's frames are not adjusted
     * as flowgen's are.
     */
    static List<String> loopCommand(Settings s, int size, List<Path> socks, String prefix) {
        return loopCommand(s, size, 1, socks, prefix, false);
    }

    /**
     * The loop's testpmd for {@code flows} IP flows; with {@code server} its virtio-user ports are
     * the vhost-user servers ({@code server=1}: Open vSwitch's dpdkvhostuserclient ports connect
     * to them). With more than one flow it is seeded by flowgen and then forwards in mac mode ({@link #seed}):
     * {@code --flowgen-flows=N} (frames to N destination IPs), {@code --no-flush-rx} (the seeded
     * frames waiting in the RX rings survive the switch to macswap) and {@code --txpkts} the
     * frame size (flowgen takes the FCS off itself).
     */
    static List<String> loopCommand(Settings s, int size, int flows, List<Path> socks, String prefix, boolean server) {
        String cpu = Integer.toString(s.generatorCpu());
        List<String> c = new ArrayList<>(List.of("stdbuf", "-oL", s.testpmd(), "--lcores", "0@" + cpu + ",1@" + cpu, "--file-prefix", prefix,
                "--no-pci", "--single-file-segments"));
        for (int i = 0; i < socks.size(); i++)
            c.addAll(List.of("--vdev", "net_virtio_user" + i + ",path=" + socks.get(i) + ",mac=" + LOOP_MACS.get(i) + ",queue_size=1024"
                    + (server ? ",server=1" : "")));
        c.addAll(List.of("--", "-i", "--forward-mode=macswap", "--port-topology=loop", "--nb-cores=1", "--rxd=1024", "--txd=1024",
                "--eth-peer=0," + LOOP_MACS.get(1), "--eth-peer=1," + LOOP_MACS.get(0), "--txpkts=" + (flows > 1 ? size : size - 4),
                "--total-num-mbufs=32768"));
        if (flows > 1) c.addAll(List.of("--flowgen-flows=" + flows, "--no-flush-rx"));
        return c;
    }

    /** How the loop is seeded with more than one flow, for results.json. */
    static final String SEED_METHOD = "seeded by testpmd flowgen --flowgen-flows=N (N destination IPs) for 200 ms, then stop and "
            + "--forward-mode mac (each port's MAC as source, the other's as destination) with --no-flush-rx: the population is what the "
            + "rings held";

    /** How long flowgen seeds the loop with many flows: ample time to fill the rings at any rate the switches reach. */
    static final int FLOWGEN_SEED_MS = 200;

    /**
     * The commands that seed the loop, then wait {@code pauseMs}, then the {@code after} commands.
     *
     * @param before sent first
     * @param pauseMs pause before {@code after}
     * @param after sent last (empty for one flow)
     */
    record Seed(List<String> before, int pauseMs, List<String> after) {}

    /**
     * One flow: {@code start tx_first} {@value #LOOP_SEED_BURSTS}, a fixed population of 512
     * frames, macswapped. More flows: testpmd 22.11's {@code --txonly-multi-flow} (what tx_first
     * would send) varies only the third byte of the source IP with an 8-bit counter, 256 flows at
     * most, so flowgen seeds instead: {@code --flowgen-flows=N} frames to N destination IPs
     * (10.253.0.0 + i, source 10.254.0.0, UDP 1000 to 1001) for {@value #FLOWGEN_SEED_MS} ms,
     * then {@code stop}. flowgen addresses every frame from 00:01:02:03:04:00 to
     * 00:01:02:03:04:01 whatever the port, which a learning switch cannot loop, so the loop then
     * runs testpmd's {@code mac} mode, not macswap: each frame leaves a port with that port's MAC
     * as source and the other port's ({@code --eth-peer}) as destination, the same addresses the
     * one-flow loop carries (only the seeded frames' first crossing is flooded). The population is
     * what the rings hold when flowgen stops: flowgen offers far more than a switch forwards, so
     * the guest's TX rings are full, and what fits in the RX rings stays (up to 2 x 1024 frames,
     * every flow among them).
     */
    static Seed seed(int flows) {
        if (flows == 1) return new Seed(List.of("start tx_first " + LOOP_SEED_BURSTS), 0, List.of());
        return new Seed(List.of("set fwd flowgen", "start"), FLOWGEN_SEED_MS, List.of("stop", "set fwd mac", "start"));
    }

    /** Runs one start of {@code p}. Logs stay in {@code workDir/logs}. */
    @Override
    public Measurement run(Point p) throws RunFailure, IOException, InterruptedException {
        int id = ++seq;
        long t0 = System.nanoTime();
        Path logs = s.workDir().resolve("logs");
        Files.createDirectories(logs);
        boolean loop = p.config().topology() == Peers.Topology.TWO_PORT_LOOP;
        List<Path> socks = new ArrayList<>();
        for (int i = 0; i < p.config().topology().ports(); i++)
            socks.add(s.workDir().resolve("s" + id + (loop ? "-" + i : "") + ".sock"));
        for (Path sock : socks) Files.deleteIfExists(sock);
        Reflector r = p.config().reflector();
        // Our switch on the loop serves a control socket in --out: pmd-stats over the window (see LoopSampler).
        Path ctl = loop && r.equals(Reflector.SWITCH) ? s.workDir().resolve("s" + id + ".ctl") : null;
        if (ctl != null) Files.deleteIfExists(ctl);
        String rPrefix = tag + "r" + id, gPrefix = tag + "g" + id;
        String name = String.format("%03d-%s-%s-%dq-%d", id, p.config().reflector().id(), p.config().generator().id(), p.config().queues(),
                p.size());
        Path rLog = logs.resolve(name + "-reflector.log"), gLog = logs.resolve(name + "-generator.log");
        Path genJson = logs.resolve(name + "-generator.json"), statsJson = logs.resolve(name + "-reflector-stats.json");
        Files.deleteIfExists(genJson);
        Files.deleteIfExists(statsJson);
        Generator g = p.config().generator();
        Child refl = null, gen = null;
        OvsPeer.Layout ovs = r.kind() == ReflectorKind.OVS
                ? new OvsPeer.Layout(s.workDir().resolve("ovs-" + id), "vsb" + ProcessHandle.current().pid() % 1_000_000 + "n" + id % 10_000,
                        rPrefix, s.reflectorCpu(), socks)
                : null;
        java.util.concurrent.atomic.AtomicBoolean ovsOwned = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable cleanup = () -> {
            try {
                for (Path sock : socks) Files.deleteIfExists(sock);
                if (ctl != null) Files.deleteIfExists(ctl);
            } catch (IOException ignored) {
                // best effort at exit
            }
            if (ovsOwned.get()) OvsPeer.cleanup(ovs);
            cleanEal(rPrefix);
            cleanEal(gPrefix);
        };
        Child.atExit(cleanup);
        OvsPeer.Running running = null;
        try {
            if (ovs != null) {
                OvsPeer.checkDevicesFree(ovs);
                ovsOwned.set(true);
                running = OvsPeer.start(ovs, s.ovsVswitchd(), logs, name);
                gen = Child.start("generator " + g.id(), loopCommand(s, p.size(), p.config().flows(), socks, gPrefix, true), gLog, true);
                OvsPeer.Running o = running;
                Measurement m = measureLoop(gen, o.vswitchd, p.config().flows(), new LoopSampler() {
                    OvsPeer.Counters c0;
                    long t0ns;

                    @Override
                    public void awaitGuest(Child guest) throws RunFailure, InterruptedException {
                        o.awaitGuest(guest, Duration.ofSeconds(60));
                    }

                    @Override
                    public void open() throws RunFailure, IOException, InterruptedException {
                        o.clearPmdStats();
                        c0 = o.counters();
                        t0ns = System.nanoTime();
                    }

                    @Override
                    public Measurement close(double seconds) throws RunFailure, IOException, InterruptedException {
                        OvsPeer.Counters c1 = o.counters();
                        double dt = (System.nanoTime() - t0ns) / 1e9;
                        return countersWindow(c0, c1, dt, seconds).withCycles(o.pmdCycles());
                    }
                }, t0);
                gen = null;
                running.stop();
                running = null;
                if (!(m.rxPps() > 0))
                    throw new RunFailure("nothing was forwarded by OVS (RX 0 pps, TX " + Math.round(m.txPps()) + " pps)\n" + o.vswitchd.tail(25));
                return m.withSeconds((System.nanoTime() - t0) / 1e9);
            }
            refl = Child.start("reflector " + r.id(), reflectorCommand(s, r, p.config().queues(), socks, rPrefix, statsJson, false, ctl), rLog);
            awaitReady(refl, socks, r.kind() == ReflectorKind.VSWITCH ? VSWITCH_READY : null, Duration.ofSeconds(30));
            Measurement m;
            if (loop) {
                gen = Child.start("generator " + g.id(), loopCommand(s, p.size(), p.config().flows(), socks, gPrefix, false), gLog, true);
                m = measureLoop(gen, refl, p.config().flows(), statsSampler(statsJson, ctl, logs.resolve(name + "-pmd-stats.json")), t0);
            } else {
                gen = Child.start("generator " + g.id(), generatorCommand(s, g, p.config().queues(), p.size(), socks.get(0), gPrefix, genJson),
                        gLog);
                m = g == Generator.FLOWGEN ? measureFlowgen(gen, refl, t0) : measureVswitchGen(gen, refl, genJson, t0);
            }
            gen = null;
            int rc = refl.stop(Duration.ofSeconds(15));
            Child done = refl;
            refl = null;
            if (!cleanExit(r.kind() == ReflectorKind.VSWITCH, rc))
                throw new RunFailure("the reflector " + exitText(rc) + " when stopped with SIGTERM (expected 0)\n" + done.tail(25));
            if (!(m.rxPps() > 0))
                throw new RunFailure((loop ? "nothing was forwarded" : "no packets came back") + " (RX 0 pps, TX " + Math.round(m.txPps()) + " pps)\n" + done.tail(25));
            return m.withSeconds((System.nanoTime() - t0) / 1e9);
        } finally {
            if (gen != null) gen.stop(Duration.ofSeconds(5));
            if (refl != null) refl.stop(Duration.ofSeconds(5));
            if (running != null) running.kill();
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

    /** Where the two-port loop's rates come from: bin/vswitch's stats lines, or OVS's port counters. */
    interface LoopSampler {
        /** Returns once the switch can forward the guest's frames (its prompt has been seen). */
        default void awaitGuest(Child guest) throws RunFailure, InterruptedException {}

        /** The window opens. */
        void open() throws RunFailure, IOException, InterruptedException;

        /** The window closes: what was forwarded (rx) and offered (tx) over it; {@code seconds} since the start began. */
        Measurement close(double seconds) throws RunFailure, IOException, InterruptedException;
    }

    /**
     * bin/vswitch's --stats-json lines written during the window ({@link #loopWindow}); with
     * {@code ctl} (our switch's control socket, else null) also its pmd-stats: cleared when the
     * window opens, read when it closes ({@link PmdCycles#ofVswitch}), the answer kept in
     * {@code pmdJson}.
     */
    static LoopSampler statsSampler(Path statsJson, Path ctl, Path pmdJson) {
        return new LoopSampler() {
            int from;

            @Override
            public void open() throws IOException, RunFailure {
                from = statsLines(statsJson).size();
                if (ctl != null) ctlCall(ctl, "pmd.clear");
            }

            @Override
            public Measurement close(double seconds) throws RunFailure, IOException {
                PmdCycles c = null;
                if (ctl != null) {
                    JsonNode pmd = ctlCall(ctl, "pmd.stats");
                    Files.writeString(pmdJson, pmd + "\n");
                    c = PmdCycles.ofVswitch(pmd);
                }
                return loopWindow(statsLines(statsJson), from, seconds).withCycles(c);
            }
        };
    }

    /** One JSON-RPC call to bin/vswitch's control socket (what {@code vswitchctl} sends); its failures are the start's. */
    static JsonNode ctlCall(Path ctl, String method) throws RunFailure {
        try (CtlClient c = CtlClient.connect(ctl)) {
            return c.call(method);
        } catch (ControlException e) {
            throw new RunFailure("bin/vswitch's control socket: " + e.getMessage());
        } catch (RpcError e) {
            throw new RunFailure("bin/vswitch refused " + method + " on " + ctl + ": " + e.getMessage());
        }
    }

    /**
     * A switch's counters at the window's two ends ({@code dt} seconds apart): frames it
     * transmitted per second (forwarded: the point's rx), received (offered: its tx), and the loss
     * between them; the per-second series is the one mean.
     */
    static Measurement countersWindow(OvsPeer.Counters c0, OvsPeer.Counters c1, double dt, double seconds) {
        double offered = (c1.rx() - c0.rx()) / dt, forwarded = (c1.tx() - c0.tx()) / dt;
        return new Measurement(offered, forwarded, offered > 0 ? Math.max(0, 1 - forwarded / offered) : Double.NaN, Double.NaN, Double.NaN,
                new double[] {forwarded}, seconds);
    }

    /**
     * The two-port loop: wait for testpmd's prompt (and for the switch to take the guest), seed
     * the loop ({@link #seed}), let it run the warm-up, then measure the window with
     * {@code sampler}; stop testpmd with {@code stop} and {@code quit} (it goes first, as in
     * {@link #measureFlowgen}).
     */
    private Measurement measureLoop(Child gen, Child refl, int flows, LoopSampler sampler, long t0)
            throws RunFailure, IOException, InterruptedException {
        awaitReady(gen, List.of(), TESTPMD_PROMPT, Duration.ofSeconds(60));
        sampler.awaitGuest(gen);
        Seed seed = seed(flows);
        for (String c : seed.before()) gen.send(c);
        if (seed.pauseMs() > 0) Thread.sleep(seed.pauseMs());
        for (String c : seed.after()) gen.send(c);
        hold(s.warmup(), gen, refl);
        sampler.open();
        hold(s.window(), gen, refl);
        Measurement m = sampler.close((System.nanoTime() - t0) / 1e9);
        gen.send("stop");
        gen.send("quit");
        int rc = gen.await(Duration.ofSeconds(15));
        if (!cleanExit(false, rc)) throw new RunFailure("the generator (testpmd loop) " + exitText(rc) + " when told to quit\n" + gen.tail(30));
        return m;
    }

    /** Waits {@code seconds}, failing as soon as either child exits. */
    private static void hold(int seconds, Child gen, Child refl) throws RunFailure, InterruptedException {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        for (long left = end - System.nanoTime(); left > 0; left = end - System.nanoTime()) {
            if (!gen.alive())
                throw new RunFailure("the " + gen.role + " " + exitText(gen.exitValue()) + " while forwarding\n" + gen.tail(30) + "\n" + refl.tail(15));
            if (!refl.alive())
                throw new RunFailure("the " + refl.role + " " + exitText(refl.exitValue()) + " while forwarding\n" + refl.tail(30));
            Thread.sleep(Math.max(1, Math.min(200, left / 1_000_000)));
        }
    }

    /** The complete lines of a --stats-json file so far (a line still being written is left out). */
    static List<String> statsLines(Path json) throws IOException {
        if (!Files.exists(json)) return List.of();
        String t = Files.readString(json);
        int end = t.lastIndexOf('\n');
        return end < 0 ? List.of() : List.of(t.substring(0, end).split("\n"));
    }

    /**
     * The loop's measurement from bin/vswitch's per-second stats lines ({@code --stats-json},
     * {@code type} "stats"): those after line {@code from}, the first written once the window
     * began (its interval started before the window, so it is left out unless it is the only
     * one). Rates are means weighted by each line's {@code interval_s}: the total {@code tx_pps}
     * (both ports) is the throughput (rx), the total {@code rx_pps} the offered load (tx), loss
     * what bin/vswitch received but did not send, and the per-second series the tx_pps of each line.
     */
    static Measurement loopWindow(List<String> lines, int from, double seconds) throws RunFailure {
        List<JsonNode> window = stats(lines.subList(Math.min(from + 1, lines.size()), lines.size()));
        if (window.isEmpty()) window = stats(lines.subList(Math.min(from, lines.size()), lines.size()));
        if (window.isEmpty()) throw new RunFailure("bin/vswitch wrote no stats line during the window (--stats-json)");
        double time = 0, rx = 0, tx = 0;
        double[] per = new double[window.size()];
        for (int i = 0; i < per.length; i++) {
            JsonNode o = window.get(i);
            double dt = number(o, "/interval_s");
            per[i] = number(o, "/tx_pps");
            time += dt;
            rx += number(o, "/rx_pps") * dt;
            tx += per[i] * dt;
        }
        rx /= time;
        tx /= time;
        return new Measurement(rx, tx, rx > 0 ? Math.max(0, 1 - tx / rx) : Double.NaN, Double.NaN, Double.NaN, per, seconds);
    }

    private static List<JsonNode> stats(List<String> lines) throws RunFailure {
        try {
            return AbWithinReport.statsLines(lines);
        } catch (IllegalArgumentException e) {
            throw new RunFailure(e.getMessage());
        }
    }

    /** The number at {@code pointer} (e.g. {@code /latency_ns/p50}) in {@code doc}, or NaN if it is missing, null or not a number. */
    static double number(JsonNode doc, String pointer) {
        JsonNode n = doc.at(pointer);
        return n.isNumber() ? n.doubleValue() : Double.NaN;
    }

    private Measurement measureVswitchGen(Child gen, Child refl, Path json, long t0) throws RunFailure, IOException, InterruptedException {
        int rc = gen.await(Duration.ofSeconds(s.warmup() + s.window() + 60L));
        if (rc != 0) throw new RunFailure("the generator (vswitch-gen) " + exitText(rc) + "\n" + gen.tail(30) + "\n" + refl.tail(15));
        if (!Files.exists(json)) throw new RunFailure("the generator (vswitch-gen) exited 0 but wrote no " + json + "\n" + gen.tail(30));
        JsonNode doc;
        try {
            doc = Json.MAPPER.readTree(Files.readString(json));
        } catch (JsonProcessingException e) {
            throw new RunFailure("cannot read the generator's JSON " + json + ": " + e.getMessage());
        }
        double tx = number(doc, "/tx_pps"), rx = number(doc, "/rx_pps");
        if (Double.isNaN(tx) || Double.isNaN(rx)) throw new RunFailure("the generator's JSON " + json + " has no tx_pps/rx_pps");
        return new Measurement(tx, rx, number(doc, "/loss_ratio"), number(doc, "/latency_ns/p50"),
                number(doc, "/latency_ns/p99"), perSecond(doc), (System.nanoTime() - t0) / 1e9);
    }

    /** vswitch-gen's {@code rx_pps_per_second} (empty when absent: an NDR report, or an older generator). */
    static double[] perSecond(JsonNode genReport) {
        JsonNode a = genReport.get("rx_pps_per_second");
        if (a == null || !a.isArray()) return new double[0];
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).asDouble();
        return v;
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
        awaitReady(c, List.of(sock), marker, timeout);
    }

    /** Waits until every one of {@code socks} exists and (if {@code marker} is given) the child printed the marker. */
    static void awaitReady(Child c, List<Path> socks, String marker, Duration timeout) throws RunFailure, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!c.alive()) throw new RunFailure("the " + c.role + " " + exitText(c.exitValue()) + " during start-up\n" + c.tail(30));
            if (socks.stream().allMatch(Files::exists) && (marker == null || c.lines().stream().anyMatch(l -> l.contains(marker)))) {
                Thread.sleep(100);
                return;
            }
            if (System.nanoTime() > deadline)
                throw new RunFailure("the " + c.role + " did not come up within " + timeout.toSeconds() + " s (" + (socks.isEmpty() ? "no '"
                        + marker + "' in its output" : "sockets " + socks) + ")\n" + c.tail(30));
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
