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
                "Run it under the shared lock: flock /tmp/vswitch-bench.lock bin/vswitch-bench sweep --quick"},
        footer = {"", "Exit codes: 0 ok, 1 a run failed (partial results written), 2 usage or set-up."})
final class SweepCommand implements Callable<Integer> {
    static final List<Integer> ALL_SIZES = List.of(64, 128, 256, 512, 1024, 1518);
    static final List<Integer> QUICK_SIZES = List.of(64, 1518);
    static final List<String> DEFAULT_REFLECTORS = List.of("vswitch-io", "vswitch-macswap", "testpmd-io", "testpmd-macswap");

    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "Under two minutes: sizes 64,1518, 1 queue, 1 start, 1 s warm-up, 2 s window, "
            + "generator flowgen (set any of these explicitly to override)")
    boolean quick;

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

    @Option(names = "--starts", paramLabel = "N", description = "Process starts per point (default: 3; --quick: 1)")
    Integer starts;

    @Mixin
    CommonOptions common;

    /** The points this invocation measures, defaults applied. */
    List<Point> points() {
        List<Integer> sz = sizes != null ? sizes : quick ? QUICK_SIZES : ALL_SIZES;
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
        return Peers.points(rf, gs, qs, sz);
    }

    int starts() {
        int n = starts != null ? starts : quick ? 1 : 3;
        if (n < 1) throw new IllegalArgumentException("--starts must be >= 1");
        return n;
    }

    int warmup() {
        return common.warmup != null ? common.warmup : quick ? 1 : 3;
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
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("quick", quick);
        return Runner.execute("sweep", common, warmup(), window(), pts, n, extra, Results::tables, true, System.out, System.err);
    }
}
