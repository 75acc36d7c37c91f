package io.vswitch.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import io.vswitch.bench.Harness.Measurement;
import io.vswitch.bench.LatencyPoints.ShareRun;
import io.vswitch.bench.Peers.Generator;
import io.vswitch.bench.Peers.Point;
import io.vswitch.bench.Peers.Reflector;
import io.vswitch.bench.Peers.ReflectorKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One process start of a latency point (sweep --rate): the reflector is started once (as
 * {@link Harness} starts it: pinned, fresh socket and EAL prefix), then, one after the other
 * against that same reflector process, {@code bin/vswitch-gen}
 * <ol>
 * <li>unpaced for {@code --warmup} seconds (none with {@code --warmup 0}), its result unused: the
 *     reflector's first seconds (bin/vswitch's JIT compiling its poll loop) would otherwise fall
 *     into the search's first trial, the unpaced one that sets its upper bound, and lower our NDR;
 *     testpmd gets the same warm-up;
 * <li>with {@code --ndr --trial T}: the start's NDR (the generator's RFC 2544 zero-loss search,
 *     which first measures its unpaced rate as the upper bound);
 * <li>per share, ascending: {@code --rate <share x NDR>pps} for {@code --warmup} + {@code --window}
 *     seconds: offered and reflected rate, loss, latency p50/p99/p99.9 (HdrHistogram, every frame
 *     timed up to 1 Mpps, one in 16 above: the generator's {@code --latency-sample auto}).
 * </ol>
 * Each generator is its own process (own EAL prefix, own JSON), so the reflector sees its
 * virtio-user peer disconnect and a new one connect between runs, as it does when a guest
 * restarts. Then the reflector is stopped with SIGTERM and must exit cleanly; sockets and EAL
 * files go. The start's {@link Measurement} carries the NDR as its rx rate (tx, loss and
 * latency of the NDR trial) and the share runs in {@link Measurement#shares()}.
 */
final class LatencyHarness implements Campaign.Starter {
    /**
     * What a latency sweep adds to the harness settings.
     *
     * @param shares shares of the NDR to run at, ascending
     * @param ndrTrial seconds of each NDR trial (vswitch-gen --trial)
     * @param ndrPrecision the search's precision in percent (vswitch-gen --ndr-precision), or null for its default
     */
    record Settings(List<Double> shares, double ndrTrial, Double ndrPrecision) {
        Settings {
            shares = List.copyOf(shares);
            if (shares.isEmpty()) throw new IllegalArgumentException("--rate: give at least one share of the NDR");
            if (!(ndrTrial >= 0.1 && ndrTrial <= 600)) throw new IllegalArgumentException("--ndr-trial must be 0.1..600 seconds");
            if (ndrPrecision != null && !(ndrPrecision > 0 && ndrPrecision < 100))
                throw new IllegalArgumentException("--ndr-precision must be above 0 and below 100 (percent)");
        }
    }

    private final Harness.Settings s;
    private final Settings l;
    private final String tag;
    private int seq;

    LatencyHarness(Harness.Settings s, Settings l) {
        this.s = s;
        this.l = l;
        this.tag = "vsbench" + ProcessHandle.current().pid() + "l";
    }

    /**
     * Where a latency point's generator attaches: one socket (a reflector), or two (a switch,
     * vswitch-gen's port pair), as the vhost-user server when the switch is the client (OVS's
     * dpdkvhostuserclient ports); {@code flows} IP flows (vswitch-gen --flows).
     */
    record Target(List<Path> socks, boolean server, int flows) {
        Target {
            socks = List.copyOf(socks);
            if (socks.isEmpty() || socks.size() > 2) throw new IllegalArgumentException("one or two sockets");
        }

        static Target of(Path sock) {
            return new Target(List.of(sock), false, 1);
        }
    }

    /** vswitch-gen's base command (the sweep's warm-up and window) for {@code t}. */
    static List<String> genCommand(Harness.Settings s, int queues, int size, Target t, String prefix, Path json) {
        List<String> c = new ArrayList<>(Harness.generatorCommand(s, Generator.VSWITCH_GEN, queues, size, t.socks().get(0), prefix, json));
        int at = c.indexOf("--vdev") + 1;
        List<String> vdevs = new ArrayList<>();
        for (int i = 0; i < t.socks().size(); i++)
            vdevs.add("net_virtio_user" + i + ",path=" + t.socks().get(i) + ",queues=" + queues + (t.server() ? ",server=1" : ""));
        c.set(at, vdevs.get(0));
        if (vdevs.size() > 1) c.addAll(at + 1, List.of("--vdev", vdevs.get(1)));
        if (t.flows() > 1) c.addAll(List.of("--flows", Integer.toString(t.flows())));
        return c;
    }

    /** vswitch-gen's command for the NDR search of a start. */
    static List<String> ndrCommand(Harness.Settings s, Settings l, int queues, int size, Path sock, String prefix, Path json) {
        return ndrCommand(s, l, queues, size, Target.of(sock), prefix, json);
    }

    static List<String> ndrCommand(Harness.Settings s, Settings l, int queues, int size, Target t, String prefix, Path json) {
        List<String> c = genCommand(s, queues, size, t, prefix, json);
        c.addAll(List.of("--ndr", "--trial", Results.num(l.ndrTrial())));
        if (l.ndrPrecision() != null) c.addAll(List.of("--ndr-precision", Results.num(l.ndrPrecision())));
        return c;
    }

    /** vswitch-gen's command for the warm-up: unpaced, {@code --warmup} seconds measured (nothing before), or null for {@code --warmup 0}. */
    static List<String> warmupCommand(Harness.Settings s, int queues, int size, Path sock, String prefix, Path json) {
        return warmupCommand(s, queues, size, Target.of(sock), prefix, json);
    }

    static List<String> warmupCommand(Harness.Settings s, int queues, int size, Target t, String prefix, Path json) {
        if (s.warmup() == 0) return null;
        List<String> c = genCommand(s, queues, size, t, prefix, json);
        c.set(c.indexOf("--duration") + 1, Integer.toString(s.warmup()));
        c.set(c.indexOf("--warmup") + 1, "0");
        return c;
    }

    /** vswitch-gen's command for a run at {@code share} of {@code ndrPps}: the sweep's warm-up and window at a fixed packet rate. */
    static List<String> shareCommand(Harness.Settings s, int queues, int size, Path sock, String prefix, Path json, double ndrPps, double share) {
        return shareCommand(s, queues, size, Target.of(sock), prefix, json, ndrPps, share);
    }

    static List<String> shareCommand(Harness.Settings s, int queues, int size, Target t, String prefix, Path json, double ndrPps, double share) {
        List<String> c = genCommand(s, queues, size, t, prefix, json);
        c.addAll(List.of("--rate", LatencyPoints.rateArg(ndrPps, share)));
        return c;
    }

    /**
     * The reflector's (or our switch's) command for a latency start: the throughput sweep's, except
     * that bin/vswitch runs without its once-a-second stats report ({@code --stats 0}, its default;
     * the summary still goes to {@code statsJson} at exit). The bench pins the whole JVM to the poll
     * loop's CPU, and that report (text table, JSON line, file append; run once a second, so never
     * compiled) takes the CPU from the poll loop for milliseconds: through our switch at 4 Mpps,
     * 3 alternating starts each, p99.9 was 2.1-2.8 ms with it and 0.06-0.34 ms without. Nothing of
     * a latency start reads those lines (rates and latency are the generator's).
     */
    static List<String> reflectorCommand(Harness.Settings s, Reflector r, int queues, List<Path> socks, String prefix, Path statsJson) {
        List<String> c = new ArrayList<>(Harness.reflectorCommand(s, r, queues, socks, prefix, statsJson, false));
        if (r.kind() == ReflectorKind.VSWITCH) c.set(c.indexOf("--stats") + 1, "0");
        return c;
    }

    /** How long the NDR search may take: up to 30 trials of warm-up + trial + drain (1 s at most), the unpaced one, start-up. */
    static Duration ndrTimeout(double trial) {
        return Duration.ofSeconds((long) Math.ceil(60 + 31 * (trial + 0.25 + 1.1)));
    }

    @Override
    public Measurement run(Point p) throws RunFailure, IOException, InterruptedException {
        int id = ++seq;
        long t0 = System.nanoTime();
        Path logs = s.workDir().resolve("logs");
        Files.createDirectories(logs);
        Reflector r = p.config().reflector();
        boolean pair = p.config().topology() == Peers.Topology.PORT_PAIR, ovs = r.kind() == ReflectorKind.OVS;
        List<Path> socks = new ArrayList<>();
        for (int i = 0; i < (pair ? 2 : 1); i++) socks.add(s.workDir().resolve("l" + id + (pair ? "-" + i : "") + ".sock"));
        for (Path sock : socks) Files.deleteIfExists(sock);
        // OVS's vhost ports are clients (dpdkvhostuserclient): the generator serves the sockets.
        Target target = new Target(socks, ovs, p.config().flows());
        int q = p.config().queues();
        String rPrefix = tag + "r" + id;
        List<String> prefixes = new ArrayList<>(List.of(rPrefix));
        String name = String.format(Locale.ROOT, "%03d-latency-%s-%s-%dq-%d%s", id, r.id(), p.config().generator().id(), q, p.size(),
                p.config().flows() > 1 ? "-" + p.config().flows() + "flows" : "");
        Path statsJson = logs.resolve(name + "-reflector-stats.json");
        Files.deleteIfExists(statsJson);
        OvsPeer.Layout layout = ovs
                ? new OvsPeer.Layout(s.workDir().resolve("ovs-l" + id), "vsb" + ProcessHandle.current().pid() % 1_000_000 + "l" + id % 10_000,
                        rPrefix, s.reflectorCpu(), socks)
                : null;
        java.util.concurrent.atomic.AtomicBoolean ovsOwned = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable cleanup = () -> {
            try {
                for (Path sock : socks) Files.deleteIfExists(sock);
            } catch (IOException ignored) {
                // best effort at exit
            }
            if (ovsOwned.get()) OvsPeer.cleanup(layout);
            for (String x : List.copyOf(prefixes)) Harness.cleanEal(x);
        };
        Child.atExit(cleanup);
        Child refl = null;
        OvsPeer.Running running = null;
        try {
            if (ovs) {
                OvsPeer.checkDevicesFree(layout);
                ovsOwned.set(true);
                running = OvsPeer.start(layout, s.ovsVswitchd(), logs, name);
                refl = running.vswitchd;
            } else {
                refl = Child.start("reflector " + r.id(), reflectorCommand(s, r, q, socks, rPrefix, statsJson),
                        logs.resolve(name + "-reflector.log"));
                Harness.awaitReady(refl, socks, r.kind() == ReflectorKind.VSWITCH ? Harness.VSWITCH_READY : null, Duration.ofSeconds(30));
            }

            String wp = tag + "g" + id + "w";
            Path warmJson = logs.resolve(name + "-warmup-generator.json");
            List<String> warm = warmupCommand(s, q, p.size(), target, wp, warmJson);
            if (warm != null) {
                prefixes.add(wp);
                runGen("warm-up", warm, warmJson, logs.resolve(name + "-warmup-generator.log"), refl,
                        Duration.ofSeconds(s.warmup() + 60L));
            }

            String gp = tag + "g" + id + "n";
            prefixes.add(gp);
            Path ndrJson = logs.resolve(name + "-ndr-generator.json");
            JsonNode ndrDoc = runGen("NDR search", ndrCommand(s, l, q, p.size(), target, gp, ndrJson), ndrJson,
                    logs.resolve(name + "-ndr-generator.log"), refl, ndrTimeout(l.ndrTrial()));
            double ndr = LatencyPoints.ndrPps(ndrDoc);
            if (!(ndr > 0))
                throw new RunFailure("vswitch-gen --ndr found no zero-loss rate (even its lowest trial lost frames): " + ndrJson
                        + "\n" + refl.tail(15));

            List<ShareRun> shares = new ArrayList<>();
            for (double share : l.shares()) {
                String tagShare = LatencyPoints.pct(share).replace("%", "pct").replace('.', '_');
                String sp = tag + "g" + id + "s" + shares.size();
                prefixes.add(sp);
                Path json = logs.resolve(name + "-" + tagShare + "-generator.json");
                double rate = LatencyPoints.ratePps(ndr, share);
                JsonNode doc = runGen("run at " + LatencyPoints.pct(share) + " of NDR", shareCommand(s, q, p.size(), target, sp, json, ndr, share),
                        json, logs.resolve(name + "-" + tagShare + "-generator.log"), refl,
                        Duration.ofSeconds(s.warmup() + s.window() + 60L));
                ShareRun run = LatencyPoints.shareRun(doc, share, rate);
                if (!(run.rxPps() > 0))
                    throw new RunFailure("no packets came back at " + LatencyPoints.pct(share) + " of NDR (" + rate + " pps offered)\n" + refl.tail(25));
                shares.add(run);
            }

            if (ovs) {
                running.stop();
                running = null;
                refl = null;
            } else {
                int rc = refl.stop(Duration.ofSeconds(15));
                Child done = refl;
                refl = null;
                if (!Harness.cleanExit(r.kind() == ReflectorKind.VSWITCH, rc))
                    throw new RunFailure("the " + (pair ? "switch" : "reflector") + " " + Harness.exitText(rc)
                            + " when stopped with SIGTERM (expected 0)\n" + done.tail(25));
            }
            return new Measurement(Harness.number(ndrDoc, "/tx_pps"), ndr, Harness.number(ndrDoc, "/loss_ratio"),
                    Harness.number(ndrDoc, "/latency_ns/p50"), Harness.number(ndrDoc, "/latency_ns/p99"), new double[0],
                    (System.nanoTime() - t0) / 1e9, shares);
        } finally {
            if (running != null) {
                running.kill();
            } else if (refl != null) {
                refl.stop(Duration.ofSeconds(5));
            }
            cleanup.run();
            Child.cancelAtExit(cleanup);
        }
    }

    /** Runs one vswitch-gen to its end (it must exit 0 and write its JSON) while the reflector stays up; returns the JSON. */
    private static JsonNode runGen(String what, List<String> cmd, Path json, Path log, Child refl, Duration timeout)
            throws RunFailure, IOException, InterruptedException {
        Files.deleteIfExists(json);
        if (!refl.alive())
            throw new RunFailure("the " + refl.role + " " + Harness.exitText(refl.exitValue()) + " before the generator's " + what + "\n" + refl.tail(30));
        Child gen = Child.start("generator vswitch-gen (" + what + ")", cmd, log);
        int rc = gen.await(timeout);
        if (rc != 0)
            throw new RunFailure("the generator (vswitch-gen, " + what + ") " + Harness.exitText(rc) + "\n" + gen.tail(30) + "\n" + refl.tail(15));
        if (!Files.exists(json))
            throw new RunFailure("the generator (vswitch-gen, " + what + ") exited 0 but wrote no " + json + "\n" + gen.tail(30));
        try {
            return Json.MAPPER.readTree(Files.readString(json));
        } catch (JsonProcessingException e) {
            throw new RunFailure("cannot read the generator's JSON " + json + ": " + e.getMessage());
        }
    }
}
