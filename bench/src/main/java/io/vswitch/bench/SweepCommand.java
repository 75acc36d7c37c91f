package io.vswitch.bench;

import io.vswitch.bench.Peers.Generator;
import io.vswitch.bench.Peers.Point;
import io.vswitch.bench.Peers.Reflector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** {@code vswitch-bench sweep}: throughput over frame sizes, queue counts, reflectors and generators. */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measures reflected throughput over frame sizes x queues x reflectors x generators, with repeated process starts "
                + "per point in interleaved order. Prints TX/RX Mbps and Mpps tables and writes results.csv, runs.csv, results.json "
                + "and throughput-*.png into --out.", "",
                "With --guest the generator is dpdk-testpmd flowgen inside a QEMU guest (vm-scripts/), its virtio-net NIC bound to "
                + "each of --drivers: the seed's matrix, driver x queues x sizes. Under TCG (no usable KVM) the table says so: "
                + "those numbers measure the emulator, not the switch.", "",
                "With --switch (or --switch-only) it also measures issue 6's comparison: bin/vswitch --mode switch against "
                + "--mode io, each with two vhost ports on one lcore, driven by one testpmd whose two virtio-user ports macswap a "
                + "seeded, fixed population of frames in a loop; the rate is what bin/vswitch forwarded (its --stats-json tx_pps, "
                + "both ports). Prints a switch table with the ratio switch/reflector and the verdict at 64 B (target >= 0.8).", "",
                "With --rate SHARES it measures latency at a fixed load instead (issue 14): per reflector x queues x size and per "
                + "process start, the reflector is started once, bin/vswitch-gen --ndr finds that start's zero-loss rate (NDR), then "
                + "bin/vswitch-gen runs at each share of it (--rate 0.1,0.5,0.9: 10, 50, 90 %% of the NDR, in pps) for --warmup + "
                + "--window and records p50/p99/p99.9 and loss. Prints size x reflector x share with our p99.9 over testpmd's "
                + "(same mode) and the verdict at 50 %% (target <= 1.1); results.csv gets a row per share, results.json a latency "
                + "section per point, latency-p999.png the curves. With --switch-only (or --switch) it measures the switches too: "
                + "--switches ours,ovs (default both) x --switch-flows, each driven by bin/vswitch-gen's port pair (two virtio-user "
                + "ports, each sending to the other), our p99.9 judged against OVS's.", "",
                "--switches ours,ovs puts Open vSwitch with DPDK (Debian's openvswitch-switch-dpdk, bridge with the NORMAL action, "
                + "one PMD thread on --reflector-cpu) on the same loop next to our switch, started and stopped by the bench with its "
                + "own database and run directory under --out; --switch-flows 1,1024 seeds the loop with that many IP flows. "
                + "Prints the table our switch vs OVS (Mpps median (best), ratio ours/OVS) per size and flow count.", "",
                "Run it under the shared lock: flock /tmp/vswitch-bench.lock bin/vswitch-bench sweep --quick",
                "                         flock /tmp/vswitch-bench.lock bin/vswitch-bench sweep --guest --quick",
                "                         flock /tmp/vswitch-bench.lock bin/vswitch-bench sweep --switch-only --sizes 64,1518 --starts 5",
                "                         flock /tmp/vswitch-bench.lock bin/vswitch-bench sweep --switch-only --switches ours,ovs "
                + "--switch-flows 1,1024 --sizes 64,1518 --starts 5",
                "                         flock /tmp/vswitch-bench.lock bin/vswitch-bench sweep --rate 0.1,0.5,0.9 --sizes 64,1518 "
                        + "--reflectors vswitch-macswap,testpmd-macswap --starts 5",
                "                         flock /tmp/vswitch-bench.lock bin/vswitch-bench sweep --rate 0.5 --switch-only --switches ours,ovs "
                        + "--switch-flows 1,1024 --sizes 64 --starts 5"},
        footer = {"", "Exit codes: 0 ok, 1 a run failed (partial results written), 2 usage or set-up, 3 --switches names ovs and "
                + "Open vSwitch with DPDK is not installed (apt-get install openvswitch-switch-dpdk, services kept stopped: see bin/setup)."})
final class SweepCommand implements Callable<Integer> {
    static final List<Integer> ALL_SIZES = List.of(64, 128, 256, 512, 1024, 1518);
    static final List<Integer> QUICK_SIZES = List.of(64, 1518);
    static final List<String> DEFAULT_REFLECTORS = List.of("vswitch-io", "vswitch-macswap", "testpmd-io", "testpmd-macswap");
    /** The seed's guest sizes. */
    static final List<Integer> GUEST_SIZES = List.of(64, 128, 256, 512, 1024);
    static final List<Integer> GUEST_QUICK_SIZES = List.of(64, 1024);
    static final List<String> GUEST_QUICK_DRIVERS = List.of("uio_pci_generic", "vfio-pci");
    static final List<String> GUEST_REFLECTORS = List.of("vswitch-macswap");

    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "Under two minutes: sizes 64,1518, 1 queue, 1 start, 1 s warm-up, 2 s window, "
            + "generator flowgen (set any of these explicitly to override). With --guest, a few minutes: sizes 64,1024, "
            + "drivers uio_pci_generic,vfio-pci, queues 1,2, 1 start, 1 s warm-up, 2 s window")
    boolean quick;

    @Option(names = "--guest", description = "Generate in a QEMU guest (testpmd flowgen, NIC bound to each of --drivers) instead of on the "
            + "host; defaults: sizes 64,128,256,512,1024, queues 1,2, reflector vswitch-macswap, 1 start, 2 s warm-up, 5 s window")
    boolean guest;

    @Option(names = "--switch", description = "Add issue 6's points: at each of --sizes, bin/vswitch --mode switch and --mode io "
            + "with two vhost ports, 1 queue, driven by testpmd's two-port macswap loop; interleaved with the other points")
    boolean withSwitch;

    @Option(names = "--switch-only", description = "Only the --switch points (no --reflectors/--generators/--queues)")
    boolean switchOnly;

    @Option(names = "--switches", split = ",", paramLabel = "S", description = "With --switch/--switch-only: the switches on the "
            + "two-port loop, ours and/or ovs (Open vSwitch with DPDK, NORMAL action; default: ours). Each start also records the "
            + "switch's poll-thread busy cycles per frame over the window and the capacity tsc_hz / cycles per frame (bench/README.md)")
    List<String> switches;

    @Option(names = "--switch-flows", split = ",", paramLabel = "N", description = "With --switch/--switch-only: IP flows the loop's "
            + "frames carry, e.g. 1,1024 (1: tx_first's one flow; N > 1: flowgen seeds N destination IPs; default: 1)")
    List<Integer> switchFlows;

    @Option(names = "--ovs-vswitchd", paramLabel = "PATH", description = "With --switches ...,ovs: Open vSwitch's DPDK daemon "
            + "(default: /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk)")
    java.nio.file.Path ovsVswitchd;

    @Option(names = "--drivers", split = ",", paramLabel = "D", description = "With --guest: guest NIC drivers, of uio_pci_generic, igb_uio, "
            + "vfio-pci (default: all three; --quick: uio_pci_generic,vfio-pci)")
    List<String> drivers;

    @Option(names = "--guest-cpus", split = ",", paramLabel = "CPU", description = "With --guest: host CPU of each guest vCPU, at least "
            + "two (main + forwarding lcore); the count is the vCPU count (default: --generator-cpu twice)")
    List<Integer> guestCpus;

    @Option(names = "--guest-memory", paramLabel = "MB", description = "With --guest: guest memory (default: 512)")
    Integer guestMemory;

    @Option(names = "--guest-mem-backend", paramLabel = "B", description = "With --guest: auto (hugepages when enough are free, else "
            + "memfd), hugepages or memfd (default: auto)")
    io.vswitch.vm.VmSpec.Memory guestMemBackend;

    @Option(names = "--qemu", paramLabel = "PATH", description = "With --guest: QEMU binary (default: qemu-system-x86_64)")
    String qemu;

    @Option(names = "--sizes", split = ",", paramLabel = "BYTES", description = "Frame sizes incl. FCS (default: 64,128,256,512,1024,1518)")
    List<Integer> sizes;

    @Option(names = "--queues", split = ",", paramLabel = "N", description = "Queue counts (default: 1,2)")
    List<Integer> queues;

    @Option(names = "--reflectors", split = ",", paramLabel = "R", description = "vswitch-MODE / testpmd-MODE, MODE io, macswap or 5tswap "
            + "(default: vswitch-io,vswitch-macswap,testpmd-io,testpmd-macswap)")
    List<String> reflectors;

    @Option(names = "--generators", split = ",", paramLabel = "G", description = "flowgen and/or vswitch-gen (default: both when bin/vswitch-gen "
            + "exists, else flowgen)")
    List<String> generators;

    @Option(names = "--starts", paramLabel = "N", description = "Process starts per point (default: 3; --quick or --guest: 1)")
    Integer starts;

    @Option(names = "--rate", split = ",", paramLabel = "SHARE", description = "Latency at a fixed load: shares of each start's NDR, "
            + "e.g. 0.1,0.5,0.9 (or 10%%,50%%,90%%), each above 0 and at most 1; measures these instead of throughput, driven by "
            + "vswitch-gen (default queues: 1)")
    List<String> rateShares;

    @Option(names = "--ndr-trial", paramLabel = "SECONDS", description = "With --rate: length of each NDR search trial "
            + "(vswitch-gen --trial; default: 2, --quick: 1)")
    Double ndrTrial;

    @Option(names = "--ndr-precision", paramLabel = "PERCENT", description = "With --rate: stop the NDR search when its bracket is this "
            + "narrow (vswitch-gen --ndr-precision; default: vswitch-gen's, 1)")
    Double ndrPrecision;

    @Mixin
    CommonOptions common;

    /** The points this invocation measures, defaults applied. */
    List<Point> points() {
        if (guest && (withSwitch || switchOnly)) throw new IllegalArgumentException("--switch and --switch-only run on the host: drop --guest");
        if (rateShares != null) return latencyPoints();
        if (ndrTrial != null || ndrPrecision != null) throw new IllegalArgumentException("--ndr-trial and --ndr-precision go with --rate");
        if (guest) return guestPoints();
        if (drivers != null || guestCpus != null || guestMemory != null || guestMemBackend != null || qemu != null)
            throw new IllegalArgumentException("--drivers, --guest-cpus, --guest-memory, --guest-mem-backend and --qemu need --guest");
        List<Integer> sz = sizes != null ? sizes : quick ? QUICK_SIZES : ALL_SIZES;
        if ((switches != null || switchFlows != null || ovsVswitchd != null) && !withSwitch && !switchOnly)
            throw new IllegalArgumentException("--switches, --switch-flows and --ovs-vswitchd set up the two-port loop: add --switch-only (or --switch)");
        if (switchOnly) {
            if (reflectors != null || generators != null || queues != null)
                throw new IllegalArgumentException("--switch-only measures only the switch and the two-port reflector: drop --reflectors, "
                        + "--generators and --queues (or give --switch to add the switch points to theirs)");
            return switchPoints(sz);
        }
        List<Integer> qs = queues != null ? queues : quick ? List.of(1) : List.of(1, 2);
        List<Reflector> rf = new ArrayList<>();
        for (String r : reflectors != null ? reflectors : DEFAULT_REFLECTORS) rf.add(Reflector.parse(r));
        List<Generator> gs = new ArrayList<>();
        if (generators != null) {
            for (String g : generators) gs.add(Generator.parse(g));
        } else {
            gs.add(Generator.FLOWGEN);
            if (!quick && Harness.haveVswitchGen(common.root())) gs.add(Generator.VSWITCH_GEN);
        }
        List<Point> out = new ArrayList<>(Peers.points(rf, gs, qs, sz));
        if (withSwitch) out.addAll(switchPoints(sz));
        return out;
    }

    /** sweep --rate's points: reflectors x queues x sizes, driven by vswitch-gen ({@link LatencyPoints}). */
    List<Point> latencyPoints() {
        if (guest) throw new IllegalArgumentException("--rate measures latency on the host with vswitch-gen: drop --guest");
        if (generators != null)
            throw new IllegalArgumentException("--rate drives with vswitch-gen (flowgen measures no latency): drop --generators");
        if ((switches != null || switchFlows != null || ovsVswitchd != null) && !withSwitch && !switchOnly)
            throw new IllegalArgumentException("--switches, --switch-flows and --ovs-vswitchd choose the switches: add --switch-only (or --switch)");
        latencySettings();
        List<Integer> sz = sizes != null ? sizes : quick ? QUICK_SIZES : ALL_SIZES;
        List<Point> out = new ArrayList<>();
        if (switchOnly && (reflectors != null || queues != null))
            throw new IllegalArgumentException("--switch-only measures only the switches (one queue): drop --reflectors and --queues "
                    + "(or give --switch to add the switches to the reflectors)");
        if (!switchOnly) {
            List<Integer> qs = queues != null ? queues : LatencyPoints.DEFAULT_QUEUES;
            List<Reflector> rf = new ArrayList<>();
            for (String r : reflectors != null ? reflectors : DEFAULT_REFLECTORS) rf.add(Reflector.parse(r));
            out.addAll(LatencyPoints.points(rf, qs, sz));
        }
        if (withSwitch || switchOnly) {
            List<Peers.Switch> sw = new ArrayList<>();
            for (String w : switches != null ? switches : List.of("ours", "ovs")) {
                Peers.Switch x = Peers.Switch.parse(w);
                if (!sw.contains(x)) sw.add(x);
            }
            List<Integer> fl = switchFlows != null ? switchFlows.stream().distinct().toList() : List.of(1);
            out.addAll(LatencyPoints.switchPoints(sw, fl, sz));
        }
        return out;
    }

    /** The --rate shares and the NDR search's settings. */
    LatencyHarness.Settings latencySettings() {
        return new LatencyHarness.Settings(LatencyPoints.parseShares(rateShares), ndrTrial != null ? ndrTrial : quick ? 1 : 2, ndrPrecision);
    }

    /** The two-port loop's points: --switches x --switch-flows at each size. */
    private List<Point> switchPoints(List<Integer> sz) {
        List<Peers.Switch> sw = new ArrayList<>();
        for (String w : switches != null ? switches : List.of("ours")) {
            Peers.Switch x = Peers.Switch.parse(w);
            if (!sw.contains(x)) sw.add(x);
        }
        List<Integer> fl = switchFlows != null ? switchFlows.stream().distinct().toList() : List.of(1);
        return Peers.switchPoints(sz, sw, fl);
    }

    java.nio.file.Path ovsVswitchd() {
        return ovsVswitchd != null ? ovsVswitchd : OvsPeer.VSWITCHD;
    }

    /**
     * The seed's matrix with the generator in a guest: reflector x driver x queues x sizes (the
     * drivers take the place of the host sweep's generators).
     */
    List<Point> guestPoints() {
        if (generators != null)
            throw new IllegalArgumentException("--guest generates with testpmd flowgen in the guest: choose guest drivers with --drivers, not --generators");
        List<Integer> sz = sizes != null ? sizes : quick ? GUEST_QUICK_SIZES : GUEST_SIZES;
        List<Integer> qs = queues != null ? queues : List.of(1, 2);
        List<Reflector> rf = new ArrayList<>();
        for (String r : reflectors != null ? reflectors : GUEST_REFLECTORS) rf.add(Reflector.parse(r));
        List<Generator> gs = new ArrayList<>();
        for (String d : drivers != null ? drivers : quick ? GUEST_QUICK_DRIVERS : Generator.GUEST_DRIVERS) {
            Generator g = Generator.guest(d);
            if (!gs.contains(g)) gs.add(g);
        }
        return Peers.points(rf, gs, qs, sz);
    }

    /** Host CPUs of the guest's vCPUs: --guest-cpus, else the generator CPU for both. */
    List<Integer> guestCpus() {
        return guestCpus != null ? guestCpus : List.of(common.generatorCpu, common.generatorCpu);
    }

    int guestMemory() {
        int mb = guestMemory != null ? guestMemory : 512;
        if (mb < 256) throw new IllegalArgumentException("--guest-memory must be >= 256 MB (the guest's testpmd takes 128 MB of hugepages)");
        return mb;
    }

    int starts() {
        int n = starts != null ? starts : quick || guest ? 1 : 3;
        if (n < 1) throw new IllegalArgumentException("--starts must be >= 1");
        return n;
    }

    int warmup() {
        return common.warmup != null ? common.warmup : quick ? 1 : guest ? 2 : 3;
    }

    int window() {
        return common.window != null ? common.window : quick ? 2 : 5;
    }

    @Override
    public Integer call() throws Exception {
        List<Point> pts;
        int n;
        try {
            pts = points();
            n = starts();
            new Harness.Settings(common.root(), common.root(), warmup(), window(), common.reflectorCpu, common.generatorCpu, false, "x");
            if (guest) {
                GuestHarness.checkCpus(guestCpus());
                guestMemory();
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (pts.stream().anyMatch(p -> p.config().reflector().equals(Reflector.OVS))) {
            String why = OvsPeer.missing(ovsVswitchd());
            if (why != null) {
                spec.commandLine().getErr().println("vswitch-bench: " + why);
                spec.commandLine().getErr().flush();
                return OvsPeer.EXIT_NOT_INSTALLED;
            }
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("quick", quick);
        extra.put("guest", guest);
        extra.put("switch", switchOnly ? "only" : withSwitch ? "added" : "off");
        if ((withSwitch || switchOnly) && rateShares == null)
            extra.put("switch_method", "topology two-port-loop: bin/vswitch (--mode switch, or --mode io as the reflector) with two vhost "
                    + "ports on one lcore; one dpdk-testpmd with two virtio-user ports, --forward-mode=macswap --port-topology=loop, "
                    + "each port's frames addressed to the other port, seeded with 'start tx_first " + Harness.LOOP_SEED_BURSTS
                    + "'; rx = mean of bin/vswitch's --stats-json tx_pps (both ports) over the window, tx = its rx_pps"
                    + "; the switch (--ctl in --out) also pmd-stats-clear at the window's start and pmd-stats at its end"
                    + "; ovs: " + OvsPeer.METHOD + "; N flows: " + Harness.SEED_METHOD + "; cycles: " + PmdCycles.METHOD);

        if (rateShares != null) {
            LatencyHarness.Settings ls = latencySettings();
            extra.put("rate_shares", ls.shares());
            extra.put("ndr_trial_s", ls.ndrTrial());
            if (ls.ndrPrecision() != null) extra.put("ndr_precision_pct", ls.ndrPrecision());
            extra.put("latency_method", "per start: the reflector started once; bin/vswitch-gen unpaced for warmup_s (result unused), then --ndr --trial " + Results.num(ls.ndrTrial())
                    + " finds the NDR (zero loss) of that start; then per share, ascending, bin/vswitch-gen --rate <share x NDR>pps for "
                    + "warmup_s + window_s against the same reflector process; latency is the generator's HdrHistogram of the window "
                    + "(--latency-sample auto); rx_* of the point are the NDRs");
            if (withSwitch || switchOnly)
                extra.put("latency_switch_method", "topology port-pair: the switch (bin/vswitch --mode switch with two vhost ports on one "
                        + "lcore, or ovs: " + OvsPeer.METHOD + ") driven by bin/vswitch-gen with two virtio-user ports (--vdev twice; "
                        + "server=1 for OVS's dpdkvhostuserclient ports), each port sending to the other's MAC with --flows N; NDR and "
                        + "latency are of both directions together");
            Runner.Setup setup = new Runner.Setup(Runner.missing(common.root(), common.testpmd, pts),
                    st -> new LatencyHarness(st.withOvs(ovsVswitchd()), ls),
                    "reflector on CPU " + common.reflectorCpu + ", generator on CPU " + common.generatorCpu, "", "", Map.of());
            return Runner.execute("sweep-latency", common, warmup(), window(), pts, n, extra, LatencyReport::report, true, setup,
                    System.out, System.err);
        }
        if (!guest) {
            Runner.Setup host = Runner.Setup.host(common, pts);
            Runner.Setup setup = new Runner.Setup(host.missing(), st -> new Harness(st.withOvs(ovsVswitchd())), host.cpus(), host.note(),
                    host.plotNote(), host.settings());
            return Runner.execute("sweep", common, warmup(), window(), pts, n, extra, Results::tables, true, setup, System.out, System.err);
        }
        Runner.Setup setup = GuestHarness.setup(common, qemu != null ? qemu : "qemu-system-x86_64", guestCpus(), guestMemory(),
                guestMemBackend != null ? guestMemBackend : io.vswitch.vm.VmSpec.Memory.auto);
        return Runner.execute("sweep-guest", common, warmup(), window(), pts, n, extra, rs -> Results.guestTables(rs, setup.note()), true,
                setup, System.out, System.err);
    }
}
