package io.vswitch.bench;

import io.vswitch.bench.Harness.Measurement;
import io.vswitch.bench.Harness.Settings;
import io.vswitch.bench.Peers.Generator;
import io.vswitch.bench.Peers.Point;
import io.vswitch.bench.Peers.Reflector;
import io.vswitch.bench.Peers.ReflectorKind;
import io.vswitch.vm.GuestImage;
import io.vswitch.vm.GuestResult;
import io.vswitch.vm.GuestRun;
import io.vswitch.vm.QemuInfo;
import io.vswitch.vm.VmSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One process start of one point of {@code sweep --guest}: the reflector (vhost-user server,
 * as on the host) and, as the generator, {@code dpdk-testpmd --forward-mode=flowgen} inside a
 * QEMU guest whose virtio-net device is bound to the point's driver ({@link GuestRun}; for
 * vfio-pci the guest gets an emulated IOMMU and the reflector's vdev {@code iommu-support=1}).
 *
 * <p>The guest runs testpmd for {@link #duration} seconds and prints its per-period stats
 * ({@code VSLOG} lines) and a {@code VSRESULT} line on the serial console, then powers off. The
 * measurement is the mean of testpmd's per-period {@code Rx-pps}/{@code Tx-pps} (TSC-based,
 * as on the host, see {@link TestpmdLog}) over the periods after the start period and
 * {@code warmup} periods, at most {@code window} of them. Under TCG the guest's stats periods
 * are 1 or 2 s long (see {@link #duration}); should a start still get fewer periods than the
 * window, it uses what it got (at least one), and the JSON shows it ({@code rx_pps_per_second}
 * has one entry per period used).
 */
final class GuestHarness implements Campaign.Starter {
    /** Prefix of the guest's testpmd output lines on the serial console (vm-scripts/guest-init.sh). */
    static final String VSLOG = "VSLOG ";

    /**
     * What the guests share.
     *
     * @param qemu QEMU binary
     * @param kernel guest kernel (from {@link GuestImage#ensure()})
     * @param initrd guest initramfs
     * @param vcpuCpus host CPU of each vCPU, in vCPU order (its size is the vCPU count)
     * @param memoryMb guest memory
     * @param memory guest memory backend (auto: hugepages when enough are free)
     * @param kvm whether QEMU will use KVM (else TCG)
     */
    record Guest(String qemu, Path kernel, Path initrd, List<Integer> vcpuCpus, int memoryMb, VmSpec.Memory memory, boolean kvm) {
        Guest {
            vcpuCpus = checkCpus(vcpuCpus);
        }
    }

    /** The vCPUs' host CPUs, checked: at least two (the guest's testpmd needs a main and a forwarding lcore), none negative. */
    static List<Integer> checkCpus(List<Integer> vcpuCpus) {
        if (vcpuCpus.size() < 2) throw new IllegalArgumentException("--guest-cpus needs at least 2 CPUs (the guest's testpmd needs a main and a forwarding vCPU)");
        for (int c : vcpuCpus) if (c < 0) throw new IllegalArgumentException("--guest-cpus: CPUs must be >= 0");
        return List.copyOf(vcpuCpus);
    }

    /** The tables' header note: whether the numbers say anything about the switch. */
    static String accelNote(boolean kvm, String qemuVersion) {
        if (kvm) return "guest under KVM (QEMU " + qemuVersion + ")";
        return "guest under TCG (QEMU " + qemuVersion + "): these numbers measure the emulator, not the switch";
    }

    private final Settings s;
    private final Guest g;
    private final String tag;
    private int seq;

    GuestHarness(Settings s, Guest g) {
        this.s = s;
        this.g = g;
        this.tag = "vsgbench" + ProcessHandle.current().pid();
    }

    /**
     * Seconds the guest's testpmd forwards: twice warm-up + window, plus one. testpmd's stats
     * loop sleeps a second and prints when at least a period of TSC time has passed since the
     * last print; in a TCG guest the sleep often ends just short of that, and then the period
     * is printed a loop later (observed: 2-5 periods in 5 s). So a period is 1 or 2 s, and
     * twice the time still gives warm-up + window periods after the one at start.
     */
    static int duration(int warmup, int window) {
        return 2 * (warmup + window) + 1;
    }

    /** The guest for one point: testpmd flowgen with the point's driver, queues and frame size, against {@code sock}. */
    static VmSpec spec(Settings s, Guest g, Point p, Path sock, Path runDir) {
        Generator gen = p.config().generator();
        if (!gen.inGuest()) throw new IllegalArgumentException(gen.id() + " is not a guest generator");
        VmSpec v = new VmSpec();
        v.qemu = g.qemu();
        v.kernel = g.kernel();
        v.initrd = g.initrd();
        v.mode = "dpdk";
        v.fwd = "flowgen";
        v.driver = gen.driver();
        v.queues = p.config().queues();
        v.size = p.size();
        v.duration = duration(s.warmup(), s.window());
        v.vcpus = g.vcpuCpus().size();
        v.pin = new ArrayList<>(g.vcpuCpus());
        v.memoryMb = g.memoryMb();
        v.memBackend = g.memory();
        v.sockets = new ArrayList<>(List.of(sock));
        v.runDir = runDir;
        // boot (seconds under TCG) + testpmd start-up (the guest gives it 120 s) + traffic + shutdown
        v.timeout = v.duration + 180;
        return v;
    }

    /** The guest's testpmd lines from its serial console (the {@code VSLOG} lines, prefix removed). */
    static List<String> testpmdLines(List<String> serial) {
        List<String> out = new ArrayList<>();
        for (String l : serial) {
            int at = l.indexOf(VSLOG);
            if (at >= 0) out.add(l.substring(at + VSLOG.length()).replace("\r", ""));
        }
        return out;
    }

    /**
     * The measurement from the guest's testpmd stats: mean Rx-pps/Tx-pps over up to
     * {@code window} periods after the start period and {@code warmup} periods.
     *
     * @throws RunFailure when no period is left after the warm-up, or nothing came back
     */
    static Measurement measure(List<String> testpmdLines, int warmup, int window, double seconds) throws RunFailure {
        List<TestpmdLog.Sample> samples = TestpmdLog.parse(testpmdLines).samples();
        int have = samples.size() - 1 - warmup;
        if (have < 1)
            throw new RunFailure("the guest's testpmd printed " + samples.size() + " stats period(s); " + (warmup + 2)
                    + " needed (the one at start, " + warmup + " warm-up, at least one measured)");
        int n = Math.min(have, window);
        double rx = 0, tx = 0;
        double[] per = new double[n];
        for (int i = 0; i < n; i++) {
            TestpmdLog.Sample x = samples.get(1 + warmup + i);
            rx += x.rxPps();
            tx += x.txPps();
            per[i] = x.rxPps();
        }
        rx /= n;
        tx /= n;
        if (!(rx > 0)) throw new RunFailure("no packets came back to the guest (RX 0 pps, TX " + Math.round(tx) + " pps)");
        return new Measurement(tx, rx, tx > 0 ? Math.max(0, 1 - rx / tx) : Double.NaN, Double.NaN, Double.NaN, per, seconds);
    }

    /**
     * Why guest points cannot run here, or null: bin/vswitch, QEMU and the guest image builder
     * must be there (the builder checks for the host's dpdk-testpmd itself).
     */
    static String missing(Path root, String qemu) {
        if (!Files.isExecutable(root.resolve("bin/vswitch")))
            return "no bin/vswitch under " + root + ": run from the repository root or pass --root";
        if (Env.run(List.of("sh", "-c", "command -v " + Runner.shellQuote(qemu)), null).isBlank())
            return qemu + " not found: install QEMU (apt-get install qemu-system-x86; see vm-scripts/packages.txt)";
        if (!Files.isRegularFile(root.resolve("vm-scripts/build-guest.sh")))
            return "no vm-scripts/build-guest.sh under " + root + ": pass --root";
        return null;
    }

    @Override
    public Measurement run(Point p) throws RunFailure, IOException, InterruptedException {
        int id = ++seq;
        long t0 = System.nanoTime();
        Path logs = s.workDir().resolve("logs");
        Files.createDirectories(logs);
        Path sock = s.workDir().resolve("g" + id + ".sock");
        Files.deleteIfExists(sock);
        String prefix = tag + "r" + id;
        Reflector r = p.config().reflector();
        String name = String.format(Locale.ROOT, "%03d-%s-%s-%dq-%d", id, r.id(), p.config().generator().id(), p.config().queues(), p.size());
        Path rLog = logs.resolve(name + "-reflector.log"), statsJson = logs.resolve(name + "-reflector-stats.json");
        Path vmDir = logs.resolve(name + "-vm"), vmLog = logs.resolve(name + "-vm.log");
        Files.deleteIfExists(statsJson);
        VmSpec spec = spec(s, g, p, sock, vmDir);
        GuestRun[] vm = new GuestRun[1];
        Runnable cleanup = () -> {
            GuestRun v = vm[0];
            if (v != null) v.close();
            try {
                Files.deleteIfExists(sock);
            } catch (IOException ignored) {
                // best effort at exit
            }
            Harness.cleanEal(prefix);
        };
        Child.atExit(cleanup);
        Child refl = null;
        try (PrintStream vlog = new PrintStream(Files.newOutputStream(vmLog), true, StandardCharsets.UTF_8)) {
            refl = Child.start("reflector " + r.id(), Harness.reflectorCommand(s, r, p.config().queues(), sock, prefix, statsJson,
                    spec.wantsIommu()), rLog);
            Harness.awaitReady(refl, sock, r.kind() == ReflectorKind.VSWITCH ? Harness.VSWITCH_READY : null, Duration.ofSeconds(30));
            GuestRun.Outcome o;
            try {
                vm[0] = GuestRun.start(spec, vlog);
                o = vm[0].await();
            } catch (IOException e) {
                throw new RunFailure("the guest did not start: " + e.getMessage() + "\n(log " + vmLog + ")\n" + refl.tail(15));
            }
            List<String> serial = Files.exists(o.serialLog())
                    ? List.of(Files.readString(o.serialLog(), StandardCharsets.ISO_8859_1).split("\r?\n")) : List.of();
            String serialTail = "---- last lines of " + o.serialLog() + " ----\n"
                    + String.join("\n", serial.subList(Math.max(0, serial.size() - 25), serial.size()));
            if (o.results().isEmpty())
                throw new RunFailure("the guest printed no VSRESULT line (QEMU exit " + o.exitCode() + ")\n" + serialTail + "\n" + refl.tail(15));
            GuestResult res = o.result();
            if (!res.ok()) throw new RunFailure("the guest reported " + res.line() + "\n" + serialTail + "\n" + refl.tail(15));
            if (o.exitCode() != 0) throw new RunFailure("QEMU exited " + o.exitCode() + " after " + res.line() + "\n(log " + vmLog + ")");
            if (!refl.alive()) throw new RunFailure("the reflector " + Harness.exitText(refl.exitValue()) + " while the guest ran\n" + refl.tail(30));
            int rc = refl.stop(Duration.ofSeconds(15));
            Child done = refl;
            refl = null;
            if (!Harness.cleanExit(r.kind() == ReflectorKind.VSWITCH, rc))
                throw new RunFailure("the reflector " + Harness.exitText(rc) + " when stopped with SIGTERM (expected 0)\n" + done.tail(25));
            return measure(testpmdLines(serial), s.warmup(), s.window(), (System.nanoTime() - t0) / 1e9);
        } finally {
            if (refl != null) refl.stop(Duration.ofSeconds(5));
            cleanup.run();
            Child.cancelAtExit(cleanup);
        }
    }

    /** The run's set-up: checks, the guest image (built or found in its cache), and KVM or TCG. */
    static Runner.Setup setup(CommonOptions o, String qemu, List<Integer> vcpuCpus, int memoryMb, VmSpec.Memory memory) {
        Path root = o.root();
        String why = missing(root, qemu);
        if (why != null) return Runner.Setup.cannot(why);
        QemuInfo info;
        GuestImage.Image img;
        try {
            info = QemuInfo.probe(qemu);
            if (System.getProperty("vswitch.repo") == null && System.getenv("VSWITCH_REPO") == null)
                System.setProperty("vswitch.repo", root.toString());
            img = GuestImage.ensure();
        } catch (IOException | RuntimeException e) {
            return Runner.Setup.cannot("guest set-up failed: " + e.getMessage());
        }
        Guest g = new Guest(qemu, img.kernel(), img.initrd(), vcpuCpus, memoryMb, memory, info.kvm());
        String cpus = "reflector on CPU " + o.reflectorCpu + ", guest vCPUs on host CPUs " + vcpuCpus;
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("guest_accel", info.kvm() ? "kvm" : "tcg");
        settings.put("guest_accel_reason", info.kvmReason());
        settings.put("guest_qemu", qemu + " " + info.version());
        settings.put("guest_kernel", img.kernel().toString());
        settings.put("guest_initrd", img.initrd().toString());
        settings.put("guest_vcpu_cpus", vcpuCpus);
        settings.put("guest_memory_mb", memoryMb);
        settings.put("guest_memory_backend", memory.name());
        settings.put("guest_generator", "dpdk-testpmd --forward-mode=flowgen in the guest; rates are the mean of its per-period "
                + "Rx-pps/Tx-pps after the start period and the warm-up");
        return new Runner.Setup(null, st -> new GuestHarness(st, g), cpus, accelNote(info.kvm(), info.version()),
                info.kvm() ? "KVM guest" : "TCG guest (emulator-bound)", settings);
    }
}
