package io.vswitch.bench;

import io.vswitch.bench.AbWithinReport.Interval;
import io.vswitch.bench.AbWithinReport.Round;
import io.vswitch.bench.Harness.Settings;
import io.vswitch.bench.Peers.Generator;
import io.vswitch.bench.Peers.Reflector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One process start of {@code ab-within}: bin/vswitch with {@code --ab V1,V2,... --ab-period S
 * --stats S} (one stats line per variant's period) as in the sweep, testpmd flowgen as its guest;
 * waits until the stats lines hold the warm-up and the counted rounds, stops the generator and
 * then the reflector (which must exit 0), and returns the counted rounds. Fresh socket and EAL
 * prefixes per start; everything is cleaned up whatever happens.
 */
final class AbWithinHarness {
    private final Settings s;
    private final Reflector r;
    private final List<String> variants;
    private final double period;
    private final int warmupRounds;
    private final int rounds;
    private final String tag = "vsabw" + ProcessHandle.current().pid();
    private int seq;

    AbWithinHarness(Settings s, Reflector r, List<String> variants, double period, int warmupRounds, int rounds) {
        this.s = s;
        this.r = r;
        this.variants = List.copyOf(variants);
        this.period = period;
        this.warmupRounds = warmupRounds;
        this.rounds = rounds;
    }

    /** The sweep's reflector command with {@code --ab}, its stats sampled once a period. */
    static List<String> reflectorCommand(Settings s, Reflector r, Path sock, String prefix, Path statsJson, List<String> variants,
            double period) {
        List<String> c = new ArrayList<>(Harness.reflectorCommand(s, r, 1, sock, prefix, statsJson));
        int at = c.indexOf("--stats");
        String p = Results.num(period);
        c.set(at + 1, p);
        c.addAll(at, List.of("--ab", String.join(",", variants), "--ab-period", p));
        return c;
    }

    List<Round> run(int size) throws RunFailure, IOException, InterruptedException {
        int id = ++seq;
        Path logs = s.workDir().resolve("logs");
        Files.createDirectories(logs);
        Path sock = s.workDir().resolve("abw" + id + ".sock");
        Files.deleteIfExists(sock);
        String rPrefix = tag + "r" + id, gPrefix = tag + "g" + id;
        String name = String.format(Locale.ROOT, "%03d-%s-%d", id, r.id(), size);
        Path rLog = logs.resolve(name + "-reflector.log"), gLog = logs.resolve(name + "-generator.log");
        Path statsJson = logs.resolve(name + "-reflector-stats.json");
        Files.deleteIfExists(statsJson);
        Runnable cleanup = () -> {
            try {
                Files.deleteIfExists(sock);
            } catch (IOException ignored) {
                // best effort at exit
            }
            Harness.cleanEal(rPrefix);
            Harness.cleanEal(gPrefix);
        };
        Child.atExit(cleanup);
        Child refl = null, gen = null;
        try {
            refl = Child.start("reflector " + r.id() + " --ab", reflectorCommand(s, r, sock, rPrefix, statsJson, variants, period), rLog);
            Harness.awaitReady(refl, sock, Harness.VSWITCH_READY, Duration.ofSeconds(30));
            gen = Child.start("generator flowgen", Harness.generatorCommand(s, Generator.FLOWGEN, 1, size, sock, gPrefix, null), gLog);
            long deadline = System.nanoTime() + (long) (((warmupRounds + rounds + 3) * variants.size() * period + 60) * 1e9);
            List<Interval> xs;
            while (true) {
                xs = AbWithinReport.intervals(Harness.statsLines(statsJson));
                long first = AbWithinReport.firstBusyRound(xs);
                // the last counted round is complete once a line of a later round is there
                if (first >= 0 && !xs.isEmpty() && xs.get(xs.size() - 1).round() >= first + warmupRounds + rounds) break;
                if (!gen.alive())
                    throw new RunFailure("the generator (testpmd flowgen) " + Harness.exitText(gen.exitValue()) + " during the A/B\n"
                            + gen.tail(30) + "\n" + refl.tail(15));
                if (!refl.alive())
                    throw new RunFailure("the reflector " + Harness.exitText(refl.exitValue()) + " during the A/B\n" + refl.tail(30));
                if (System.nanoTime() > deadline)
                    throw new RunFailure("bin/vswitch's stats (" + statsJson + ") did not reach " + (warmupRounds + rounds)
                            + " rounds with traffic in time (" + xs.size() + " lines)\n" + refl.tail(15) + "\n" + gen.tail(15));
                Thread.sleep(200);
            }
            // the generator goes first (see Harness.measureFlowgen)
            int rc = gen.stop(Duration.ofSeconds(10));
            Child g = gen;
            gen = null;
            if (!Harness.cleanExit(false, rc))
                throw new RunFailure("the generator (testpmd flowgen) " + Harness.exitText(rc) + " when stopped\n" + g.tail(30));
            rc = refl.stop(Duration.ofSeconds(15));
            Child done = refl;
            refl = null;
            if (!Harness.cleanExit(true, rc))
                throw new RunFailure("the reflector " + Harness.exitText(rc) + " when stopped with SIGTERM (expected 0)\n" + done.tail(25));
            List<Round> out = AbWithinReport.rounds(xs, variants, warmupRounds, rounds);
            if (out.size() < rounds)
                throw new RunFailure("only " + out.size() + " of " + rounds + " rounds complete in " + statsJson);
            for (Round rd : out)
                for (String v : variants)
                    if (!(rd.mpps().get(v) > 0))
                        throw new RunFailure("variant " + v + " reflected nothing in round " + rd.round() + " (" + statsJson + ")");
            return out;
        } finally {
            if (gen != null) gen.stop(Duration.ofSeconds(5));
            if (refl != null) refl.stop(Duration.ofSeconds(5));
            cleanup.run();
            Child.cancelAtExit(cleanup);
        }
    }
}
