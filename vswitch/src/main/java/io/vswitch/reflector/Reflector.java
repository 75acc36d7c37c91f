package io.vswitch.reflector;

import io.vswitch.ExitCode;
import io.vswitch.StatsTimer;
import io.vswitch.UserError;
import io.vswitch.datapath.QueueMap;
import io.vswitch.datapath.ReflectMode;
import io.vswitch.dpdk.Dataplane;
import io.vswitch.dpdk.DpdkIo;
import io.vswitch.dpdk.EalLaunch;
import io.vswitch.dpdk.LcoreLoop;
import io.vswitch.dpdk.EthPort;
import io.vswitch.dpdk.Mempool;
import io.vswitch.dpdk.Vdev;
import io.vswitch.dpdk.VhostSocket;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;

/**
 * The reflector's init ladder, run and orderly shutdown (after DPDK's skeleton example):
 * {@code --mode io|macswap|5tswap}, one {@link PollLoop} per lcore sending every frame back
 * on the queue it came from. The L2 switch ({@code --mode switch}) is
 * {@link io.vswitch.sw.SwitchNode}.
 *
 * <pre>
 *  check args ─► check lcores ─► check sockets ─► EAL init ─► mbuf pool ─► per port: configure
 *  (RSS clipped to the device) ─► rx/tx queue setup ─► start ─► events ─► poll loops ─► stats
 *  SIGINT/SIGTERM ─► stop loops ─► summary ─► stop + close ports (vhost removes its socket) ─► EAL cleanup
 * </pre>
 * Each rung checks its result; a failure is a {@link UserError} naming the fix.
 */
public final class Reflector {
    /** Everything the command line decided. */
    public record Config(List<Vdev> vdevs, int[] cpus, ReflectMode mode, int burst, int rxd, int txd, Integer mbufs,
                         int mbufCache, double statsSeconds, Path statsJson, String filePrefix, boolean noHuge,
                         int memoryMb, List<String> ealExtra, boolean ealLoops, List<LoopVariant> abVariants,
                         int abSamplesPerPeriod) {
        public Config {
            abVariants = abVariants == null ? List.of() : List.copyOf(abVariants);
        }

        /** Without --ab. */
        public Config(List<Vdev> vdevs, int[] cpus, ReflectMode mode, int burst, int rxd, int txd, Integer mbufs,
                      int mbufCache, double statsSeconds, Path statsJson, String filePrefix, boolean noHuge,
                      int memoryMb, List<String> ealExtra, boolean ealLoops) {
            this(vdevs, cpus, mode, burst, rxd, txd, mbufs, mbufCache, statsSeconds, statsJson, filePrefix, noHuge, memoryMb,
                    ealExtra, ealLoops, List.of(), 0);
        }
    }

    private final Config cfg;
    private final PrintStream out;
    private final CountDownLatch stop = new CountDownLatch(1);

    public Reflector(Config cfg, PrintStream out) {
        this.cfg = cfg;
        this.out = out;
    }

    void log(String s) {
        out.println(LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss.SSS")) + " vswitch: " + s);
        out.flush();
    }

    /** The EAL arguments for this configuration; the control thread gets the CPUs the loops leave. */
    static List<String> ealArgs(Config cfg, List<Integer> allowed) {
        return Dataplane.ealArgs(new Dataplane.EalOptions("vswitch", cfg.cpus(), cfg.ealLoops(), cfg.filePrefix(),
                cfg.noHuge(), cfg.memoryMb(), cfg.vdevs().stream().map(Vdev::spec).toList(), false, cfg.ealExtra()),
                allowed);
    }

    public int run() throws InterruptedException {
        // Rungs that need no DPDK: lcores and sockets.
        List<Integer> allowed = Dataplane.checkCpus(cfg.cpus());
        List<QueueMap.Port> mapPorts = new ArrayList<>();
        for (int i = 0; i < cfg.vdevs().size(); i++) {
            Vdev v = cfg.vdevs().get(i);
            mapPorts.add(new QueueMap.Port(i, v.name(), v.queues()));
        }
        QueueMap plan;
        try {
            plan = QueueMap.assign(mapPorts, cfg.cpus());
        } catch (IllegalArgumentException e) {
            throw new UserError(ExitCode.LCORE, e.getMessage());
        }
        String takeover = Dataplane.checkRuntimeDir(cfg.filePrefix());
        if (takeover != null) {
            log(takeover);
        }
        List<Path> ownSockets = new ArrayList<>();
        for (Vdev v : cfg.vdevs()) {
            if (v.isVhost()) {
                if (v.iface() == null) {
                    throw new UserError(ExitCode.USAGE, "--vdev " + v.spec() + ": net_vhost needs iface=/path/to/socket");
                }
                if (!v.client()) {
                    String note = VhostSocket.prepareServerPath(v.iface());
                    if (note != null) {
                        log(note);
                    }
                    ownSockets.add(Path.of(v.iface()));
                }
            }
        }

        List<String> eal = ealArgs(cfg, allowed);
        log("EAL " + String.join(" ", eal.subList(1, eal.size())));
        Dataplane dp = Dataplane.open(eal);
        List<LcoreLoop> loops = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        Mempool pool;
        Thread statsThread = null;
        StatsSink stats = null;
        boolean started = false;
        try {
            int rxQueues = 0;
            int txQueues = 0;
            for (Vdev v : cfg.vdevs()) {
                rxQueues += v.queues();
                txQueues += txQueuesOf(v);
            }
            int n = cfg.mbufs() != null ? cfg.mbufs()
                    : Mempool.sizeFor(rxQueues, txQueues, cfg.rxd(), cfg.txd(), cfg.cpus().length, cfg.mbufCache(),
                            cfg.burst());
            pool = dp.createPool("vswitch_mbufs", n, cfg.mbufCache());
            log("mbuf pool: " + n + " mbufs of 2176 B, cache " + cfg.mbufCache());

            List<QueueCounters> all = new ArrayList<>();
            QueueCounters[][] byPort = new QueueCounters[cfg.vdevs().size()][];
            for (int i = 0; i < cfg.vdevs().size(); i++) {
                Vdev v = cfg.vdevs().get(i);
                EthPort p = EthPort.byName(v.name());
                if (p.id != i) {
                    throw new UserError(ExitCode.PORT, v.name() + " got port id " + p.id + ", expected " + i
                            + " (are PCI devices probed? pass no -a, or report this)");
                }
                int q = v.queues();
                int txq = txQueuesOf(v);
                Dataplane.Started st = dp.startPort(p, v.name(), new Dataplane.PortSetup(q, txq, EthPort.RSS_IP_TCP_UDP,
                        cfg.rxd(), cfg.txd(), 0), pool, this::log);
                long rss = st.rss();
                if (q > 1) {
                    log(v.name() + ": " + (rss == 0 ? "the device does not hash (RSS offloads 0x"
                            + Long.toHexString(p.info().rssOffloads()) + "); with vhost the guest picks the queue"
                            : "RSS on, hash types 0x" + Long.toHexString(rss)));
                }
                byPort[i] = new QueueCounters[q];
                for (int qq = 0; qq < q; qq++) {
                    byPort[i][qq] = new QueueCounters(p.id, v.name(), qq);
                    all.add(byPort[i][qq]);
                }
                log(v.name() + ": port " + p.id + " (" + p.info().driver() + ") started, " + q + " queue"
                        + (q > 1 ? "s" : "") + (txq != q ? " (" + txq + " tx)" : "") + ", " + st.rxd() + "/" + st.txd()
                        + " descriptors, mac " + p.mac()
                        + (v.isVhost() ? ", socket " + v.iface() + (v.client() ? " (client)" : "") : ""));
            }
            AbSchedule ab = cfg.abVariants().isEmpty() ? null : new AbSchedule(cfg.abVariants(), cfg.abSamplesPerPeriod());
            if (ab != null) {
                log("A/B within this start: variants " + String.join(",", cfg.abVariants().stream()
                        .map(LoopVariant::cliName).toList()) + " take turns every " + cfg.abSamplesPerPeriod()
                        + " stats sample(s) of " + cfg.statsSeconds() + " s, starting with " + ab.current());
            }
            log("mode " + cfg.mode() + ", burst " + cfg.burst()
                    + "; queue to lcore mapping:");
            for (String line : plan.describe().split("\n")) {
                log("  " + line);
            }
            for (int l = 0; l < plan.lcores(); l++) {
                int[] pp = plan.ports(l);
                int[] qq = plan.queues(l);
                QueueCounters[] cs = new QueueCounters[pp.length];
                for (int k = 0; k < pp.length; k++) {
                    cs[k] = byPort[pp[k]][qq[k]];
                }
                LcoreLoop loop = new PollLoop(plan.cpu(l), DpdkIo.INSTANCE, cfg.mode(), cfg.burst(), pp, qq, cs, ab);
                loop.onFailure(stop::countDown);
                Thread t = Thread.ofPlatform().name("poll-cpu" + plan.cpu(l)).unstarted(loop);
                loops.add(loop);
                threads.add(t);
            }
            stats = new StatsReporter(all, pool, loops, out, cfg.statsJson(), ab);
            if (cfg.statsJson() != null) {
                Files.deleteIfExists(cfg.statsJson());
            }
            installSignals();
            if (cfg.ealLoops()) {
                threads.clear();
                EalLaunch.launch(loops);
            } else {
                for (Thread t : threads) {
                    t.start();
                }
            }
            started = true;
            StatsSink sink = stats;
            // --ab: the stats thread switches variants right after it sampled (a failed sample does not
            // switch: that variant's interval then runs on to the next sample)
            Runnable sample = ab == null ? sink::sample : () -> {
                sink.sample();
                ab.afterSample();
            };
            statsThread = StatsTimer.start(cfg.statsSeconds(), stop, sample, this::log);
            log("running; stop with Ctrl-C or SIGTERM");
            // Wait for a signal, or for a poll loop to fail (each loop counts `stop` down when it
            // fails): no periodic wake-up, which would take the CPU from a poll loop pinned with it.
            stop.await();
            return ExitCode.OK.code;
        } catch (java.io.IOException e) {
            throw new UserError(ExitCode.USAGE, "--stats-json: " + e.getMessage());
        } finally {
            stop.countDown();
            for (LcoreLoop l : loops) {
                l.stop();
            }
            for (Thread t : threads) {
                if (t.isAlive()) {
                    t.join(5000);
                }
            }
            if (cfg.ealLoops() && started) {
                EalLaunch.await();
            }
            if (statsThread != null) {
                statsThread.join(2000);
            }
            Throwable failure = null;
            for (LcoreLoop l : loops) {
                if (l.failure() != null && failure == null) {
                    failure = l.failure();
                }
            }
            try {
                if (started && stats != null && failure == null) {
                    stats.summary();
                }
            } finally {
                dp.close();              // ports stopped and closed (vhost removes its socket), pool freed, EAL cleaned up
                for (Path s : ownSockets) {
                    try {
                        Files.deleteIfExists(s); // vhost close unlinks it; this covers a failed start
                    } catch (java.io.IOException e) {
                        log("cannot remove " + s + ": " + e.getMessage());
                    }
                }
            }
            if (failure instanceof UserError ue) {
                throw ue;
            }
            if (failure instanceof io.vswitch.dpdk.DpdkException de) {
                throw de;
            }
            if (failure != null) {
                throw new IllegalStateException("poll loop failed", failure);
            }
            if (started) {
                log("stopped");
            }
        }
    }

    /** The tx queues a port gets: one per rx queue (each frame goes back on the queue it came from). */
    private int txQueuesOf(Vdev v) {
        return v.queues();
    }

    private void installSignals() {
        for (String sig : List.of("INT", "TERM")) {
            Signal.handle(new Signal(sig), s -> {
                log("SIG" + s.getName() + ": stopping");
                stop.countDown();
            });
        }
    }

    static String fmtSeconds(long nanos) {
        return nanos % 1_000_000_000L == 0 ? nanos / 1_000_000_000L + " s" : nanos / 1e9 + " s";
    }
}
