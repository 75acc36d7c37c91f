package io.vswitch.bench;

import io.vswitch.bench.AbWithinReport.Start;
import io.vswitch.bench.Harness.Settings;
import io.vswitch.bench.Peers.Generator;
import io.vswitch.bench.Peers.Reflector;
import io.vswitch.bench.Peers.ReflectorKind;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vswitch-bench ab-within}: variants of bin/vswitch's poll loop compared within each
 * process start ({@code bin/vswitch --ab}), so the bimodal spread between starts cancels out of
 * the ratio. Each start runs the reflector with testpmd flowgen (virtio-user) as its guest, as the
 * sweep does, for {@code (warmup rounds + rounds)} turns of every variant, {@code --period}
 * seconds each; the rates are bin/vswitch's reflected packets per second in each period
 * ({@link AbWithinReport}).
 */
@Command(name = "ab-within", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"A/B of bin/vswitch poll-loop variants within one process start: the reflector (bin/vswitch --ab) runs "
                + "each variant in turn for --period seconds, --rounds times, against testpmd flowgen; per start the median Mpps "
                + "of each variant and the paired ratio (median over rounds of B/A in the same round), across starts the "
                + "median, min and max of those ratios. Variants: base, prefetch, nolen (bin/vswitch --help, --ab).", "",
                "Run it under the shared lock: flock /tmp/vswitch-bench.lock bin/vswitch-bench ab-within --variants base,prefetch"},
        footer = {"", "Exit codes: 0 ok, 1 a run failed (partial results written), 2 usage or set-up."})
final class AbWithinCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--variants", split = ",", paramLabel = "V", required = true,
            description = "Loop variants, the first is the reference A of every ratio, e.g. base,prefetch")
    List<String> variants;

    @Option(names = "--sizes", split = ",", paramLabel = "BYTES", defaultValue = "1518", description = "Frame sizes incl. FCS (default: ${DEFAULT-VALUE})")
    List<Integer> sizes;

    @Option(names = "--starts", paramLabel = "N", defaultValue = "5", description = "Process starts per size (default: ${DEFAULT-VALUE})")
    int starts;

    @Option(names = "--rounds", paramLabel = "R", defaultValue = "10", description = "Counted turns of every variant per start (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--period", paramLabel = "SECONDS", defaultValue = "1", description = "Seconds each variant runs per turn (default: ${DEFAULT-VALUE})")
    double period;

    @Option(names = "--warmup-rounds", paramLabel = "W", defaultValue = "1",
            description = "Turns left out after traffic starts: the JIT compiles each variant's path, the generator ramps up (default: ${DEFAULT-VALUE})")
    int warmupRounds;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "macswap", description = "The reflector's mode: io, macswap or 5tswap (default: ${DEFAULT-VALUE})")
    String mode;

    @Mixin
    CommonOptions common;

    /** The checked settings, or an IllegalArgumentException with a user's message. */
    void check() {
        if (common.warmup != null || common.window != null)
            throw new IllegalArgumentException("ab-within counts rounds, not seconds: use --warmup-rounds, --rounds and --period");
        if (variants.size() < 2) throw new IllegalArgumentException("--variants needs at least two, e.g. base,prefetch");
        if (variants.stream().distinct().count() != variants.size()) throw new IllegalArgumentException("--variants: each once");
        for (String v : variants)
            if (!KNOWN.contains(v)) throw new IllegalArgumentException("--variants: unknown variant '" + v + "'; variants: " + String.join(", ", KNOWN));
        if (starts < 1) throw new IllegalArgumentException("--starts must be >= 1");
        if (rounds < 1) throw new IllegalArgumentException("--rounds must be >= 1");
        if (warmupRounds < 0) throw new IllegalArgumentException("--warmup-rounds must be >= 0");
        if (!(period >= 0.1 && period <= 60)) throw new IllegalArgumentException("--period must be 0.1..60 seconds");
        for (int s : sizes) if (s < 64 || s > 1518) throw new IllegalArgumentException("--sizes: " + s + " is not a frame size of 64..1518 B");
        new Reflector(ReflectorKind.VSWITCH, mode);   // checks the mode
    }

    /** bin/vswitch's variants (io.vswitch.reflector.LoopVariant), checked here so a typo fails before anything starts. */
    static final List<String> KNOWN = List.of("base", "prefetch", "nolen");

    @Override
    public Integer call() throws Exception {
        try {
            check();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return run(System.out, spec.commandLine().getErr());
    }

    int run(PrintStream out, java.io.PrintWriter err) throws IOException, InterruptedException {
        Path root = common.root();
        Reflector r = new Reflector(ReflectorKind.VSWITCH, mode);
        String missing = Runner.missing(root, common.testpmd, List.of(new Peers.Point(new Peers.Config(r, Generator.FLOWGEN, 1), sizes.get(0))));
        if (missing != null) {
            err.println("vswitch-bench: " + missing);
            err.flush();
            return 2;
        }
        Path dir = (common.out != null ? common.out : Runner.defaultOut(root, "ab-within")).toAbsolutePath();
        Files.createDirectories(dir);
        Settings s = new Settings(root, dir, 0, 1, common.reflectorCpu, common.generatorCpu, common.noHuge, common.testpmd).withVswitchArgs(common.vswitchArgs());
        double perStart = (warmupRounds + rounds + 1) * variants.size() * period;
        String title = String.format(Locale.ROOT, "ab-within: bin/vswitch --mode %s, variants %s (A = %s), testpmd flowgen, 1 queue; "
                + "%d start(s) x %d size(s), %d counted round(s) of %s s per variant after %d warm-up round(s) (~%.0f s a start)",
                mode, String.join(",", variants), variants.get(0), starts, sizes.size(), rounds, Results.num(period), warmupRounds, perStart);
        out.println(title);
        out.println("reflector on CPU " + common.reflectorCpu + ", generator on CPU " + common.generatorCpu + "; output in " + dir);
        return DamonPause.around(common.pauseDamon, DamonPause.ADMIN, out, line -> {
            err.println(line);
            err.flush();
        }, damon -> measure(out, err, root, dir, s, r, damon));
    }

    /** The starts, DAMON paused or not, and the report. */
    private int measure(PrintStream out, java.io.PrintWriter err, Path root, Path dir, Settings s, Reflector r, DamonPause damon)
            throws IOException, InterruptedException {
        Map<String, String> env = Env.capture(root);
        String busy = Env.busyWarning(env.get("loadavg_at_start"), Runtime.getRuntime().availableProcessors());
        if (busy != null) out.println(busy);
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("command", "ab-within");
        settings.put("mode", mode);
        settings.put("variants", variants);
        settings.put("sizes", sizes);
        settings.put("starts", starts);
        settings.put("rounds", rounds);
        settings.put("warmup_rounds", warmupRounds);
        settings.put("period_s", period);
        settings.put("generator", "flowgen");
        settings.put("reflector_cpu", common.reflectorCpu);
        settings.put("generator_cpu", common.generatorCpu);
        settings.put("hugepages", !common.noHuge);
        if (damon != null) settings.put("damon_paused", damon.count());
        settings.put("rate", "bin/vswitch's reflected packets per second (--stats-json tx_pps) in each variant's period");
        List<Start> done = new ArrayList<>();
        AbWithinHarness h = new AbWithinHarness(s, r, variants, period, warmupRounds, rounds);
        RunFailure failed = null;
        try {
            for (int i = 1; i <= starts && failed == null; i++) {
                for (int size : sizes) {
                    out.printf(Locale.ROOT, "start %d/%d, %d B: ", i, starts, size);
                    out.flush();
                    Start st = new Start(size, i, variants, h.run(size));
                    done.add(st);
                    StringBuilder b = new StringBuilder();
                    for (String v : variants) b.append(String.format(Locale.ROOT, "%s %.3f  ", v, st.median(v)));
                    for (String v : variants.subList(1, variants.size()))
                        b.append(String.format(Locale.ROOT, "%s/%s %.3f  ", v, variants.get(0), st.pairedRatio(v)));
                    out.println(b.toString().strip());
                }
            }
        } catch (RunFailure f) {
            failed = f;
            out.println("FAILED");
            settings.put("incomplete", f.getMessage().lines().findFirst().orElse("failed"));
        }
        Files.writeString(dir.resolve("ab-within.csv"), AbWithinReport.startsCsv(done));
        Files.writeString(dir.resolve("ab-within-rounds.csv"), AbWithinReport.roundsCsv(done));
        Files.writeString(dir.resolve("ab-within.json"), AbWithinReport.json(env, settings, done));
        out.println();
        out.println(AbWithinReport.report(done, "A/B within starts, reflected Mpps"));
        out.println("results: " + dir.resolve("ab-within.csv") + ", " + dir.resolve("ab-within.json") + ", per round: "
                + dir.resolve("ab-within-rounds.csv"));
        if (failed != null) {
            err.println("vswitch-bench: a run failed; the results above are partial.");
            err.println(failed.getMessage());
            err.flush();
            return 1;
        }
        return 0;
    }
}
