package io.vswitch.bench;

import io.vswitch.bench.Peers.Point;
import io.vswitch.bench.Results.PointResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** What the sweep and the A/B have in common: check the set-up, run the campaign, write and print the results. */
final class Runner {
    private Runner() {}

    static Path defaultOut(Path root, String what) {
        return root.resolve("bench-results").resolve(what + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }

    /** Fails with a one-line reason when a program the points need is missing. */
    static String missing(Path root, String testpmd, List<Point> points) {
        if (!Files.isExecutable(root.resolve("bin/vswitch")))
            return "no bin/vswitch under " + root + ": run from the repository root or pass --root";
        boolean needsTestpmd = points.stream().anyMatch(p -> p.config().reflector().kind() == Peers.ReflectorKind.TESTPMD
                || p.config().generator() == Peers.Generator.FLOWGEN || p.config().generator() == Peers.Generator.TESTPMD_LOOP);
        if (needsTestpmd && Env.run(List.of("sh", "-c", "command -v " + shellQuote(testpmd)), null).isBlank())
            return testpmd + " not found: install DPDK's testpmd (apt-get install dpdk) or pass --testpmd PATH";
        if (points.stream().anyMatch(p -> p.config().generator() == Peers.Generator.VSWITCH_GEN
                || p.config().generator() == Peers.Generator.VSWITCH_GEN_PAIR) && !Harness.haveVswitchGen(root))
            return "no bin/vswitch-gen under " + root + ": leave vswitch-gen out of --generators";
        if (Env.run(List.of("sh", "-c", "command -v stdbuf"), null).isBlank()) return "stdbuf (coreutils) not found";
        return null;
    }

    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /**
     * How a command's points are run.
     *
     * @param missing why the points cannot run here (one line), or null
     * @param starter makes the one-start runner from the settings
     * @param cpus where the processes run, for the header line
     * @param note a line printed at the start (e.g. "guest under TCG ..."), or ""
     * @param plotNote a short form of the note for the plots' title, in place of the CPU model (which results.json has), or ""
     * @param settings what results.json's settings should also record
     */
    record Setup(String missing, Function<Harness.Settings, Campaign.Starter> starter, String cpus, String note, String plotNote,
            Map<String, Object> settings) {
        Setup {
            settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        }

        /** A set-up that cannot run, for the reason given. */
        static Setup cannot(String why) {
            return new Setup(why, null, "", "", "", Map.of());
        }

        /** Reflector and generator on the host ({@link Harness}). */
        static Setup host(CommonOptions o, List<Point> points) {
            return new Setup(Runner.missing(o.root(), o.testpmd, points), Harness::new,
                    "reflector on CPU " + o.reflectorCpu + ", generator on CPU " + o.generatorCpu, "", "", Map.of());
        }
    }

    /**
     * Runs the points and writes DIR/results.csv, DIR/runs.csv, DIR/results.json (and the plots
     * when {@code plot}); prints {@code report} of the results. On a failed run, writes what was
     * measured so far and returns 1.
     */
    static int execute(String title, CommonOptions o, int warmup, int window, List<Point> points, int starts, Map<String, Object> extra,
            Function<List<PointResult>, String> report, boolean plot, PrintStream out, PrintStream err)
            throws IOException, InterruptedException {
        return execute(title, o, warmup, window, points, starts, extra, report, plot, Setup.host(o, points), out, err);
    }

    /** As above, with the points run as {@code setup} says. */
    static int execute(String title, CommonOptions o, int warmup, int window, List<Point> points, int starts, Map<String, Object> extra,
            Function<List<PointResult>, String> report, boolean plot, Setup setup, PrintStream out, PrintStream err)
            throws IOException, InterruptedException {
        Path root = o.root();
        if (setup.missing() != null) {
            err.println("vswitch-bench: " + setup.missing());
            return 2;
        }
        Path dir = (o.out != null ? o.out : defaultOut(root, title)).toAbsolutePath();
        Files.createDirectories(dir);
        Campaign.Starter h = setup.starter().apply(
                new Harness.Settings(root, dir, warmup, window, o.reflectorCpu, o.generatorCpu, o.noHuge, o.testpmd).withVswitchArgs(o.vswitchArgs()));
        Campaign c = new Campaign(points, starts);
        out.printf(Locale.ROOT, "%s: %d points x %d start(s) = %d process starts; %d s warm-up + %d s window each; %s; output in %s%n",
                title, points.size(), starts, c.total(), warmup, window, setup.cpus(), dir);
        if (!setup.note().isEmpty()) out.println(setup.note());
        return DamonPause.around(o.pauseDamon, DamonPause.ADMIN, out, err::println,
                damon -> run(title, o, warmup, window, points, starts, extra, report, plot, setup, out, err, c, h, dir, damon));
    }

    /** The campaign itself, DAMON paused or not, and its results. */
    private static int run(String title, CommonOptions o, int warmup, int window, List<Point> points, int starts, Map<String, Object> extra,
            Function<List<PointResult>, String> report, boolean plot, Setup setup, PrintStream out, PrintStream err,
            Campaign c, Campaign.Starter h, Path dir, DamonPause damon) throws IOException, InterruptedException {
        Path root = o.root();
        Map<String, String> env = Env.capture(root);
        String busy = Env.busyWarning(env.get("loadavg_at_start"), Runtime.getRuntime().availableProcessors());
        if (busy != null) out.println(busy);
        String damonWarning = Env.damonWarning(env.get("kdamond_threads"));
        if (damonWarning != null) out.println(damonWarning);
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("command", title);
        settings.put("starts", starts);
        settings.put("warmup_s", warmup);
        settings.put("window_s", window);
        settings.put("reflector_cpu", o.reflectorCpu);
        settings.put("generator_cpu", o.generatorCpu);
        settings.put("hugepages", !o.noHuge);
        if (damon != null) settings.put("damon_paused", damon.count());
        if (!o.vswitchArgs().isEmpty()) settings.put("vswitch_args", o.vswitchArgs());
        settings.put("reflectors", points.stream().map(p -> p.config().reflector().id()).distinct().toList());
        settings.put("generators", points.stream().map(p -> p.config().generator().id()).distinct().toList());
        settings.put("queues", points.stream().map(p -> p.config().queues()).distinct().sorted().toList());
        settings.put("sizes", points.stream().map(Point::size).distinct().sorted().toList());
        settings.putAll(setup.settings());
        settings.putAll(extra);
        RunFailure failed = null;
        try {
            c.run(h, out);
        } catch (RunFailure f) {
            failed = f;
            out.println("FAILED");
        }
        List<PointResult> rs = c.results();
        if (failed != null) settings.put("incomplete", failed.getMessage().lines().findFirst().orElse("failed"));
        Files.writeString(dir.resolve("results.csv"), Results.csv(rs));
        Files.writeString(dir.resolve("runs.csv"), Results.runsCsv(rs));
        Files.writeString(dir.resolve("results.json"), Results.json(env, settings, rs));
        out.println();
        out.println(report.apply(rs));
        if (plot && rs.stream().anyMatch(r -> !r.runs().isEmpty())) {
            String sub = (setup.plotNote().isEmpty() ? env.get("cpu_model") : setup.plotNote()) + ", DPDK " + env.get("dpdk") + ", "
                    + env.get("git_commit").substring(0, Math.min(12, env.get("git_commit").length()));
            for (Path p : Plot.write(dir, sub, rs)) out.println("plot: " + p);
            Path lat = LatencyReport.plot(dir, sub, rs);
            if (lat != null) out.println("plot: " + lat);
        }
        out.println("results: " + dir.resolve("results.csv") + ", " + dir.resolve("results.json") + ", per start: " + dir.resolve("runs.csv"));
        if (failed != null) {
            err.println("vswitch-bench: a run failed; the results above are partial.");
            err.println(failed.getMessage());
            return 1;
        }
        return 0;
    }
}
