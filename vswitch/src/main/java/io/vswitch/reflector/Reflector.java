package io.vswitch.reflector;

import io.vswitch.dpdk.LcoreLoop;
import io.vswitch.dpdk.EalLaunch;

import static io.vswitch.bindings.generated.rte_ethdev_h.RTE_ETH_RSS_IP;
import static io.vswitch.bindings.generated.rte_ethdev_h.RTE_ETH_RSS_TCP;
import static io.vswitch.bindings.generated.rte_ethdev_h.RTE_ETH_RSS_UDP;

import io.vswitch.ExitCode;
import io.vswitch.UserError;
import io.vswitch.datapath.Forwarding;
import io.vswitch.datapath.LcoreList;
import io.vswitch.datapath.MacTable;
import io.vswitch.datapath.QueueMap;
import io.vswitch.datapath.ReflectMode;
import io.vswitch.dpdk.DpdkIo;
import io.vswitch.dpdk.Eal;
import io.vswitch.dpdk.EthPort;
import io.vswitch.dpdk.Lcore;
import io.vswitch.dpdk.Mempool;
import io.vswitch.dpdk.PortEvents;
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
 * The init ladder, run and orderly shutdown of both programs vswitch is (after DPDK's
 * skeleton example): the reflector ({@code --mode io|macswap|5tswap}, {@link PollLoop}) and
 * the L2 learning switch ({@code --mode switch}, {@link SwitchLoop}). They share every rung;
 * the switch differs in giving each lcore its own tx queue on every port, in its loops,
 * stats ({@link SwitchStats}) and in the control thread's extra duties (MAC aging once a
 * second, the MAC table dump on SIGUSR1).
 *
 * <pre>
 *  check args ─► check lcores ─► check sockets ─► EAL init ─► mbuf pool ─► per port: configure
 *  (RSS clipped to the device) ─► rx/tx queue setup ─► start ─► events ─► poll loops ─► stats
 *  SIGINT/SIGTERM ─► stop loops ─► summary ─► stop + close ports (vhost removes its socket) ─► EAL cleanup
 * </pre>
 * Each rung checks its result; a failure is a {@link UserError} naming the fix.
 */
public final class Reflector {
    /** Everything the command line decided; {@code mode} is null with {@code --mode switch} ({@code sw} set). */
    public record Config(List<Vdev> vdevs, int[] cpus, ReflectMode mode, int burst, int rxd, int txd, Integer mbufs,
                         int mbufCache, double statsSeconds, Path statsJson, String filePrefix, boolean noHuge,
                         int memoryMb, List<String> ealExtra, SwitchOptions sw, boolean ealLoops) {
        /** True for {@code --mode switch}. */
        public boolean isSwitch() {
            return sw != null;
        }
    }

    /**
     * The switch's options ({@code --mode switch} only).
     *
     * @param tableSize   MAC table capacity (entries)
     * @param macAgeNanos entries not seen for this long are forgotten
     * @param fdbJson     where SIGUSR1 writes the MAC table as JSON; null: stdout
     */
    public record SwitchOptions(int tableSize, long macAgeNanos, Path fdbJson) {}

    /** RSS hash types requested, as the seed's reflector did: IP | TCP | UDP. */
    static final long RSS_REQUESTED = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;

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
        List<Integer> control = new ArrayList<>(allowed);
        for (int c : cfg.cpus()) {
            control.remove(Integer.valueOf(c));
        }
        if (control.isEmpty()) {
            control = allowed;
        }
        StringBuilder lcores = new StringBuilder("0@(" + LcoreList.format(control.stream().mapToInt(Integer::intValue)
                .toArray()) + ")");
        if (cfg.ealLoops()) {
            for (int i = 0; i < cfg.cpus().length; i++) {
                lcores.append(',').append(i + 1).append('@').append(cfg.cpus()[i]);
            }
        }
        List<String> a = new ArrayList<>(List.of("vswitch", "--lcores", lcores.toString(), "--file-prefix",
                cfg.filePrefix()));
        if (cfg.noHuge()) {
            a.addAll(List.of("--no-huge", "-m", Integer.toString(cfg.memoryMb())));
        }
        boolean pci = cfg.ealExtra().stream().anyMatch(s -> s.equals("-a") || s.startsWith("--allow") || s.equals("-b")
                || s.startsWith("--block"));
        if (!pci) {
            a.add("--no-pci");
        }
        for (Vdev v : cfg.vdevs()) {
            a.add("--vdev");
            a.add(v.spec());
        }
        a.addAll(cfg.ealExtra());
        return a;
    }

    public int run() throws InterruptedException {
        // Rungs that need no DPDK: lcores and sockets.
        List<Integer> allowed = Lcore.allowedCpus();
        for (int c : cfg.cpus()) {
            if (!allowed.contains(c)) {
                throw new UserError(ExitCode.LCORE, "--lcores: CPU " + c + " is not available; this process may use CPUs "
                        + LcoreList.format(allowed.stream().mapToInt(Integer::intValue).toArray()));
            }
        }
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
        if (cfg.isSwitch() && cfg.vdevs().size() < 2) {
            throw new UserError(ExitCode.USAGE, "--mode switch needs at least 2 ports: add another --vdev (e.g."
                    + " net_vhost1,iface=/tmp/sock1, or net_tap0,iface=vsw0 for the host)");
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
        Eal.init(eal);
        List<EthPort> ports = new ArrayList<>();
        List<LcoreLoop> loops = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        Mempool pool = null;
        Thread statsThread = null;
        StatsSink stats = null;
        MacTable table = null;
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
            pool = Mempool.create("vswitch_mbufs", n, Math.min(cfg.mbufCache(), 512), 2048 + 128, 0);
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
                if (cfg.isSwitch() && txq > p.info().maxTxQueues()) {
                    throw new UserError(ExitCode.PORT, v.name() + ": the switch gives each of its " + txq + " lcores"
                            + " its own tx queue on every port, but this port has " + p.info().maxTxQueues() + ": "
                            + (v.isVhost() ? "set queues=" + txq + " (or more) in its --vdev"
                            : v.driver().equals("net_af_packet") ? "set qpairs=" + txq + " in its --vdev"
                            : "use at most " + p.info().maxTxQueues() + " CPUs in --lcores"));
                }
                long rss = p.configure(q, txq, RSS_REQUESTED);
                if (q > 1) {
                    log(v.name() + ": " + (rss == 0 ? "the device does not hash (RSS offloads 0x"
                            + Long.toHexString(p.info().rssOffloads()) + "); with vhost the guest picks the queue"
                            : "RSS on, hash types 0x" + Long.toHexString(rss)));
                }
                int[] desc = p.adjustDescriptors(cfg.rxd(), cfg.txd());
                for (int qq = 0; qq < q; qq++) {
                    p.setupRxQueue(qq, desc[0], pool);
                }
                for (int qq = 0; qq < txq; qq++) {
                    p.setupTxQueue(qq, desc[1]);
                }
                PortEvents.watch(p, this::log);
                p.start();
                ports.add(p);
                byPort[i] = new QueueCounters[q];
                for (int qq = 0; qq < q; qq++) {
                    byPort[i][qq] = new QueueCounters(p.id, v.name(), qq);
                    all.add(byPort[i][qq]);
                }
                log(v.name() + ": port " + p.id + " (" + p.info().driver() + ") started, " + q + " queue"
                        + (q > 1 ? "s" : "") + (txq != q ? " (" + txq + " tx)" : "") + ", " + desc[0] + "/" + desc[1]
                        + " descriptors, mac " + p.mac()
                        + (v.isVhost() ? ", socket " + v.iface() + (v.client() ? " (client)" : "") : ""));
            }
            if (cfg.isSwitch()) {
                table = new MacTable(cfg.sw().tableSize(), cfg.sw().macAgeNanos());
                log("mode switch: " + cfg.vdevs().size() + " ports, MAC table of " + table.capacity() + " entries, aging "
                        + fmtSeconds(cfg.sw().macAgeNanos()) + "; each lcore sends on its own tx queue (lcore i: tx"
                        + " queue i); `kill -USR1 " + ProcessHandle.current().pid() + "` dumps the MAC table to "
                        + (cfg.sw().fdbJson() != null ? cfg.sw().fdbJson() : "stdout"));
            }
            log("mode " + (cfg.isSwitch() ? "switch" : cfg.mode()) + ", burst " + cfg.burst()
                    + "; queue to lcore mapping:");
            for (String line : plan.describe().split("\n")) {
                log("  " + line);
            }
            List<SwitchLoop> switchLoops = new ArrayList<>();
            for (int l = 0; l < plan.lcores(); l++) {
                int[] pp = plan.ports(l);
                int[] qq = plan.queues(l);
                LcoreLoop loop;
                if (cfg.isSwitch()) {
                    int nPorts = cfg.vdevs().size();
                    SwitchLoop sl = new SwitchLoop(plan.cpu(l), DpdkIo.INSTANCE, l, nPorts, cfg.burst(), pp, qq,
                            new Forwarding(table, nPorts), new SwitchCounters(nPorts));
                    switchLoops.add(sl);
                    loop = sl;
                } else {
                    QueueCounters[] cs = new QueueCounters[pp.length];
                    for (int k = 0; k < pp.length; k++) {
                        cs[k] = byPort[pp[k]][qq[k]];
                    }
                    loop = new PollLoop(plan.cpu(l), DpdkIo.INSTANCE, cfg.mode(), cfg.burst(), pp, qq, cs);
                }
                Thread t = Thread.ofPlatform().name("poll-cpu" + plan.cpu(l)).unstarted(loop);
                loops.add(loop);
                threads.add(t);
            }
            if (cfg.isSwitch()) {
                stats = new SwitchStats(cfg.vdevs().stream().map(Vdev::name).toList(), switchLoops, table, pool, out,
                        cfg.statsJson());
            } else {
                stats = new StatsReporter(all, pool, loops, out, cfg.statsJson());
            }
            if (cfg.statsJson() != null) {
                Files.deleteIfExists(cfg.statsJson());
            }
            installSignals(table);
            if (cfg.ealLoops()) {
                threads.clear();
                EalLaunch.launch(loops);
            } else {
                for (Thread t : threads) {
                    t.start();
                }
            }
            started = true;
            if (cfg.statsSeconds() > 0) {
                StatsSink s = stats;
                long periodNanos = (long) (cfg.statsSeconds() * 1e9);
                statsThread = Thread.ofPlatform().daemon().name("stats").start(() -> {
                    try {
                        while (!stop.await(periodNanos, TimeUnit.NANOSECONDS)) {
                            s.sample();
                        }
                    } catch (InterruptedException ignored) {
                        // shutting down
                    }
                });
            }
            log("running; stop with Ctrl-C or SIGTERM");
            // Wait for a signal, or for a poll loop to fail; age the MAC table about once a second.
            long nextExpire = System.nanoTime() + 1_000_000_000L;
            while (!stop.await(200, TimeUnit.MILLISECONDS)) {
                if (table != null && System.nanoTime() - nextExpire >= 0) {
                    table.expire(System.nanoTime());
                    nextExpire += 1_000_000_000L;
                }
                for (LcoreLoop l : loops) {
                    if (l.failure() != null) {
                        stop.countDown();
                    }
                }
            }
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
            for (LcoreLoop l : loops) {
                if (l.failure() != null) {
                    Throwable f = l.failure();
                    if (f instanceof UserError ue) {
                        throw ue;
                    }
                    if (f instanceof io.vswitch.dpdk.DpdkException de) {
                        throw de;
                    }
                    throw new IllegalStateException("poll loop on CPU " + l.cpu() + " failed", f);
                }
            }
            if (started && stats != null) {
                stats.summary();
            }
            for (EthPort p : ports) {
                PortEvents.unwatch(p);
                p.stop();
                p.close();
            }
            if (pool != null) {
                pool.free();
            }
            Eal.cleanup();
            for (Path s : ownSockets) {
                try {
                    Files.deleteIfExists(s); // vhost close unlinks it; this covers a failed start
                } catch (java.io.IOException e) {
                    log("cannot remove " + s + ": " + e.getMessage());
                }
            }
            if (started) {
                log("stopped");
            }
        }
    }

    /** The tx queues a port gets: one per rx queue for the reflector, one per lcore for the switch. */
    private int txQueuesOf(Vdev v) {
        return cfg.isSwitch() ? cfg.cpus().length : v.queues();
    }

    private void installSignals(MacTable table) {
        for (String sig : List.of("INT", "TERM")) {
            Signal.handle(new Signal(sig), s -> {
                log("SIG" + s.getName() + ": stopping");
                stop.countDown();
            });
        }
        if (table != null) {
            Signal.handle(new Signal("USR1"), s -> dumpFdb(table));
        }
    }

    /**
     * The MAC table as JSON (the analogue of {@code ovs-appctl fdb/show}): to
     * {@code --fdb-json FILE} (written to a temporary file, then renamed, so a reader never
     * sees half a dump) or else to stdout.
     */
    void dumpFdb(MacTable table) {
        try {
            List<String> names = cfg.vdevs().stream().map(Vdev::name).toList();
            String json = FdbDump.json(table, System.nanoTime(), p -> p >= 0 && p < names.size() ? names.get(p) : null);
            Path file = cfg.sw().fdbJson();
            if (file == null) {
                synchronized (out) {
                    out.print(json);
                    out.flush();
                }
                return;
            }
            Path abs = file.toAbsolutePath();
            Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
            Files.writeString(tmp, json);
            Files.move(tmp, abs, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            log("SIGUSR1: MAC table written to " + file);
        } catch (Exception e) {
            log("SIGUSR1: cannot dump the MAC table: " + e);
        }
    }

    static String fmtSeconds(long nanos) {
        return nanos % 1_000_000_000L == 0 ? nanos / 1_000_000_000L + " s" : nanos / 1e9 + " s";
    }
}
