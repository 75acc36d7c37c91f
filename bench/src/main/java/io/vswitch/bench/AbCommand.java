package io.vswitch.bench;

import io.vswitch.bench.Peers.Generator;
import io.vswitch.bench.Peers.Point;
import io.vswitch.bench.Peers.Reflector;
import io.vswitch.bench.Peers.ReflectorKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code vswitch-bench ab}: bin/vswitch against dpdk-testpmd as the reflector, same generator, alternating starts. */
@Command(name = "ab", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"A/B of the reflector: testpmd flowgen (virtio-user) against bin/vswitch --mode M and against dpdk-testpmd "
                + "--forward-mode=M, for each mode and size, 1 queue, alternating process starts (vswitch, testpmd, vswitch, ...). "
                + "Prints best-of-N and median-of-N Mpps of each and the ratios vswitch/testpmd.", "",
                "Run it under the shared lock: flock /tmp/vswitch-bench.lock bin/vswitch-bench ab"},
        footer = {"", "Exit codes: 0 ok, 1 a run failed (partial results written), 2 usage or set-up."})
final class AbCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "A sanity check in about a minute: 64 B only, 3 starts, 1 s warm-up, 2 s window")
    boolean quick;

    @Option(names = "--starts", paramLabel = "N", description = "Process starts of each side per mode and size (default: 5; --quick: 3)")
    Integer starts;

    @Option(names = "--sizes", split = ",", paramLabel = "BYTES", description = "Frame sizes incl. FCS (default: 64,1518; --quick: 64)")
    List<Integer> sizes;

    @Option(names = "--modes", split = ",", paramLabel = "MODE", description = "Reflector modes (default: macswap,io)")
    List<String> modes;

    @Option(names = "--queues", paramLabel = "N", defaultValue = "1", description = "Queues (default: ${DEFAULT-VALUE})")
    int queues;

    @Option(names = "--generator", paramLabel = "G", defaultValue = "flowgen", description = "flowgen or vswitch-gen (default: ${DEFAULT-VALUE})")
    String generator;

    @Mixin
    CommonOptions common;

    /** vswitch and testpmd alternate within each mode and size. */
    List<Point> points() {
        List<Integer> sz = sizes != null ? sizes : quick ? List.of(64) : List.of(64, 1518);
        List<String> ms = modes != null ? modes : List.of("macswap", "io");
        Generator g = Generator.parse(generator);
        List<Point> out = new ArrayList<>();
        for (String m : ms)
            for (int s : sz)
                for (ReflectorKind k : List.of(ReflectorKind.VSWITCH, ReflectorKind.TESTPMD))
                    out.add(new Point(new Peers.Config(new Reflector(k, m), g, queues), s));
        return out;
    }

    int starts() {
        int n = starts != null ? starts : quick ? 3 : 5;
        if (n < 1) throw new IllegalArgumentException("--starts must be >= 1");
        return n;
    }

    int warmup() {
        return common.warmup != null ? common.warmup : quick ? 1 : 2;
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
        int s = starts();
        return Runner.execute("ab", common, warmup(), window(), pts, n, extra,
                rs -> "A/B reflector, generator " + generator + ", " + queues + " queue(s), reflected Mpps over " + s + " alternating starts each\n"
                        + AbReport.table(AbReport.rows(rs)) + "\n" + AbReport.verdict(AbReport.rows(rs)),
                false, System.out, System.err);
    }
}
