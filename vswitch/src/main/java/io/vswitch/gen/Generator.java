package io.vswitch.gen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.ExitCode;
import io.vswitch.Json;
import io.vswitch.UserError;
import io.vswitch.datapath.LcoreList;
import io.vswitch.datapath.QueueMap;
import io.vswitch.dpdk.Dataplane;
import io.vswitch.dpdk.DpdkIo;
import io.vswitch.dpdk.EthPort;
import io.vswitch.dpdk.Mempool;
import io.vswitch.dpdk.Tsc;
import io.vswitch.dpdk.Vdev;
import io.vswitch.dpdk.VhostSocket;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;

/**
 * The generator's init ladder, measured runs, zero-loss search and orderly shutdown.
 *
 * <pre>
 *  check args ─► check lcores ─► check the vhost-user socket (a server must be listening, or
 *  server=1) ─► EAL init ─► mbuf pool ─► port configure, queues, start ─► wait for link up
 *  (peer connected) ─► per frame size: pinned loops ─► warm-up ─► measured window ─► stop TX
 *  ─► drain RX ─► report (table, JSON) ─► stop loops ─► stop + close port ─► EAL cleanup
 * </pre>
 * With {@code --ndr} the per-size step is an RFC 2544 binary search ({@link NdrSearch}) over
 * trials of fixed length in the same EAL session.
 */
public final class Generator {
    /** Everything the command line decided. */
    public record Config(List<Vdev> vdevs, int queues, int[] cpus, List<SizeMix> sizes, Rate rate, int flows, double duration,
                         double warmup, int burst, int rxd, int txd, Integer mbufs, int mbufCache, Path json, boolean ndr,
                         double ndrLoss, double pdrLoss, double trialSeconds, double ndrPrecision, int latencySample,
                         double peerTimeout, double drainSeconds, String filePrefix, boolean noHuge, int memoryMb,
                         List<String> ealExtra) {
        public Config {
            vdevs = List.copyOf(vdevs);
            if (vdevs.isEmpty() || vdevs.size() > 2) throw new IllegalArgumentException("one or two vdevs");
        }

        /** The first port (the only one unless this is a port pair). */
        public Vdev vdev() {
            return vdevs.get(0);
        }

        /** Two ports, each sending to the other. */
        public boolean pair() {
            return vdevs.size() == 2;
        }

        /** TX streams (and RX queues) in all: queues per port times ports. */
        public int streams() {
            return queues * vdevs.size();
        }
    }

    /** Warm-up of each NDR trial: lets the peer reach steady state before the window opens. */
    static final double TRIAL_WARMUP = 0.25;

    private final Config cfg;
    private final PrintStream out;
    private final CountDownLatch interrupted = new CountDownLatch(1);
    private long hz;
    private Mempool pool;
    /** The ports, in --vdev order. */
    private final List<EthPort> ports = new ArrayList<>();
    private final List<ObjectNode> jsonRuns = new ArrayList<>();

    /** One frame in this many is timed under {@code --latency-sample auto} at high rates. */
    static final int AUTO_LATENCY_SAMPLE = 16;

    /**
     * The latency sampling of a run: as configured, or for auto (0) every frame up to 1 Mpps per
     * queue (a paced latency measurement wants every sample) and one in {@link #AUTO_LATENCY_SAMPLE}
     * above it, unpaced or in an NDR search (throughput runs: 10^5+ samples a second remain).
     */
    static int latencySample(int configured, double ppsPerQueue, boolean ndr) {
        if (configured > 0) return configured;
        return !ndr && ppsPerQueue <= 1e6 ? 1 : AUTO_LATENCY_SAMPLE;
    }

    public Generator(Config cfg, PrintStream out) {
        this.cfg = cfg;
        this.out = out;
    }

    void log(String s) {
        out.println(LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss.SSS")) + " vswitch-gen: " + s);
        out.flush();
    }

    /** The EAL arguments: control thread on the CPUs the loops leave, virtio-user's memory needs met. */
    static List<String> ealArgs(Config cfg, List<Integer> allowed) {
        return Dataplane.ealArgs(new Dataplane.EalOptions("vswitch-gen", cfg.cpus(), false, cfg.filePrefix(),
                cfg.noHuge(), cfg.memoryMb(), cfg.vdevs().stream().map(Vdev::spec).toList(), true, cfg.ealExtra()), allowed);
    }

    /** Path of the vhost-user socket of a virtio-user vdev (path=), or null for other vdevs. */
    /** {@link Dataplane#eagerTxFreeThreshold}: what the generator's TX queues get. */
    static int eagerTxFreeThreshold(String driver, int txDesc, int burst) {
        return Dataplane.eagerTxFreeThreshold(driver, txDesc, burst);
    }

    static String socketPath(Vdev v) {
        return v.driver().equals("net_virtio_user") ? v.args().get("path") : null;
    }

    static boolean server(Vdev v) {
        return "1".equals(v.args().get("server"));
    }

    /** The socket rung: a client needs a listening server at path=; a server needs the path free. */
    static String checkSocket(Vdev v) {
        String path = socketPath(v);
        if (!v.driver().equals("net_virtio_user")) return null;
        if (path == null || path.isBlank())
            throw new UserError(ExitCode.USAGE, "--vdev " + v.spec() + ": net_virtio_user needs path=/path/to/vhost-user.sock");
        if (server(v)) return VhostSocket.prepareServerPath(path);
        Path p = Path.of(path);
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS) || !VhostSocket.inUse(p))
            throw new UserError(ExitCode.SOCKET, "no vhost-user server at " + path
                    + ": start bin/vswitch first (or use server=1)");
        return null;
    }

    public int run() throws Exception {
        List<Integer> allowed = Dataplane.checkCpus(cfg.cpus());
        QueueMap plan;
        try {
            // Queues are dealt to lcores by number; a loop owns its queues on every port, so a
            // port pair's two directions of queue q are sent and received by one loop.
            plan = QueueMap.assign(List.of(new QueueMap.Port(0, cfg.vdev().name(), cfg.queues())), cfg.cpus());
        } catch (IllegalArgumentException e) {
            throw new UserError(ExitCode.LCORE, e.getMessage());
        }
        for (Vdev v : cfg.vdevs()) {
            String note = checkSocket(v);
            if (note != null) log(note);
        }

        List<String> eal = ealArgs(cfg, allowed);
        log("EAL " + String.join(" ", eal.subList(1, eal.size())));
        Thread watchdog = cfg.vdevs().stream().anyMatch(Generator::server) ? serverWatchdog() : null;
        Dataplane dp = Dataplane.open(eal);
        if (watchdog != null) watchdog.interrupt();
        installSignals();
        int rc = ExitCode.OK.code;
        try {
            hz = Tsc.hz();
            // One pool for RX and TX: a buffer freed after RX is the next one TX takes (the pool
            // cache is LIFO), while its lines are still in this core's cache. Measured: separate
            // pools with prefilled TX frames were 15-45 % slower at 64 B despite saving the copy.
            int n = cfg.mbufs() != null ? cfg.mbufs()
                    : Mempool.sizeFor(cfg.streams(), cfg.rxd(), cfg.txd(), cfg.cpus().length, cfg.mbufCache(), cfg.burst());
            pool = dp.createPool("gen_mbufs", n, cfg.mbufCache());
            for (Vdev v : cfg.vdevs()) {
                EthPort port = EthPort.byName(v.name());
                Dataplane.Started st = dp.startPort(port, v.name(), new Dataplane.PortSetup(cfg.queues(),
                        cfg.queues(), 0, cfg.rxd(), cfg.txd(), cfg.burst()), pool, this::log);
                ports.add(port);
                log(v.name() + ": port " + port.id + " (" + port.info().driver() + ") started, " + cfg.queues()
                        + " queue" + (cfg.queues() > 1 ? "s" : "") + ", " + st.rxd() + "/" + st.txd() + " descriptors, mac "
                        + port.mac() + "; mbuf pool " + n + " x 2176 B; TSC " + String.format(Locale.ROOT, "%.3f GHz", hz / 1e9));
            }
            if (cfg.pair() && ports.get(0).mac().equals(ports.get(1).mac()))
                throw new UserError(ExitCode.USAGE, "--vdev: both ports have mac " + ports.get(0).mac()
                        + ": a switch cannot tell them apart; give them different mac= (or none: virtio-user picks one)");
            for (int i = 0; i < ports.size(); i++) waitForLink(cfg.vdevs().get(i), ports.get(i));
            int baseline = pool.inUse();
            long sent = 0, received = 0;
            for (SizeMix mix : cfg.sizes()) {
                if (interrupted.getCount() == 0) break;
                Report r = runSize(plan, mix);
                if (r == null) break;
                sent += r.total().txPackets();
                received += r.total().rxPackets();
            }
            writeJson();
            if (interrupted.getCount() == 0) {
                log("interrupted");
                rc = 130;
            } else if (sent == 0) {
                throw new UserError(ExitCode.PEER, "sent nothing: the peer never took a frame off the rings"
                        + " (is its poll loop running on " + paths() + "?)");
            } else if (received == 0) {
                throw new UserError(ExitCode.PEER, cfg.pair()
                        ? "no frame sent on one port came out of the other: is the peer on " + paths()
                                + " forwarding between them (bin/vswitch --mode switch, or testpmd in io mode)?"
                        : "no frames came back: is the peer on " + paths()
                                + " reflecting them (bin/vswitch, or testpmd in io/macswap mode)?");
            }
            int after = pool.inUse();
            log("mbufs in use: " + baseline + " before the runs (RX rings filled), " + after + " after"
                    + (after == baseline ? " (back to baseline)" : " (the ports' TX rings still hold " + (after - baseline)
                    + " sent mbufs they free on stop)"));
            return rc;
        } finally {
            if (!dp.ports().isEmpty()) {
                dp.closePorts();
                if (pool != null) log("mbufs in use after port close: " + pool.inUse());
            }
            dp.close();                  // pool freed, EAL cleaned up
        }
    }

    /**
     * With server=1, virtio-user's probe blocks inside rte_eal_init in accept() until a vhost-user
     * client connects, where no signal or timeout of ours reaches it. This thread ends the
     * process after --peer-timeout with the PEER exit code and the fix, removing the socket.
     */
    private Thread serverWatchdog() {
        List<String> servers = cfg.vdevs().stream().filter(Generator::server).map(Generator::socketPath).toList();
        String path = String.join(" and ", servers);
        log("waiting up to " + fmt(cfg.peerTimeout()) + " s for a vhost-user client on " + path + " (server=1)");
        return Thread.ofPlatform().daemon().name("peer-watchdog").start(() -> {
            try {
                Thread.sleep((long) (cfg.peerTimeout() * 1000));
            } catch (InterruptedException e) {
                return; // EAL init returned: the client connected
            }
            System.err.println("vswitch-gen: no vhost-user client connected to " + path + " within " + fmt(cfg.peerTimeout())
                    + " s: start bin/vswitch with --vdev net_vhost0,iface=" + servers.get(0) + ",client=1");
            System.err.flush();
            for (Vdev v : cfg.vdevs()) {
                if (!server(v)) continue;
                try {
                    Files.deleteIfExists(Path.of(socketPath(v)));
                } catch (IOException ignored) {
                    // best effort
                }
            }
            Runtime.getRuntime().halt(ExitCode.PEER.code);
        });
    }

    /** The socket paths of the ports, for messages. */
    private String paths() {
        return cfg.vdevs().stream().map(v -> String.valueOf(socketPath(v))).collect(java.util.stream.Collectors.joining(" and "));
    }

    private void waitForLink(Vdev vdev, EthPort port) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (cfg.peerTimeout() * 1e9);
        boolean server = server(vdev);
        while (!port.linkUp()) {
            if (System.nanoTime() > deadline || interrupted.getCount() == 0) {
                String path = socketPath(vdev);
                throw new UserError(ExitCode.PEER, server
                        ? "no vhost-user client connected to " + path + " within " + fmt(cfg.peerTimeout())
                                + " s: start bin/vswitch with --vdev net_vhost0,iface=" + path + ",client=1"
                        : vdev.name() + ": link did not come up within " + fmt(cfg.peerTimeout())
                                + " s (is the peer on " + path + " accepting the connection?)");
            }
            Thread.sleep(20);
        }
        log(vdev.name() + ": link up");
    }

    /** One frame size: plain measured run, or the NDR search. Returns the report (null when interrupted early). */
    private Report runSize(QueueMap plan, SizeMix mix) throws Exception {
        FlowTable flows = FlowTable.of(cfg.flows());
        int sample = latencySample(cfg.latencySample(), cfg.rate().toPps(mix.averageSize()) / cfg.streams(), cfg.ndr());
        List<GenLoop> loops = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int l = 0; l < plan.lcores(); l++) {
            int[] owned = plan.queues(l);
            int n = owned.length * ports.size();
            TxStream[] tx = new TxStream[n];
            RxAccounting[] rx = new RxAccounting[n];
            int[] portIds = new int[n], qs = new int[n];
            for (int k = 0; k < n; k++) {
                int q = owned[k / ports.size()], p = k % ports.size(), peer = cfg.pair() ? 1 - p : p;
                long srcMac = macToLong(ports.get(p).mac());
                long dstMac = cfg.pair() ? macToLong(ports.get(peer).mac()) : FrameTemplate.DEFAULT_DST_MAC;
                tx[k] = new TxStream(stream(p, q), mix, flows, srcMac, dstMac);
                // What arrives here was sent by the peer port's queue of the same number (a switch
                // may deliver it on another queue: then it counts as another stream's, not lost).
                rx[k] = new RxAccounting(stream(peer, q), hz, RxAccounting.DEFAULT_WINDOW, sample);
                portIds[k] = ports.get(p).id;
                qs[k] = q;
            }
            GenLoop loop = new GenLoop(plan.cpu(l), DpdkIo.INSTANCE, portIds, pool.pool, hz, cfg.burst(), qs, tx, rx);
            loops.add(loop);
            threads.add(Thread.ofPlatform().name("gen-cpu" + plan.cpu(l)).unstarted(loop));
        }
        log("frame size " + mix + ", rate " + cfg.rate() + ", " + cfg.flows() + " flow" + (cfg.flows() > 1 ? "s" : "")
                + ", burst " + cfg.burst() + "; queue to lcore mapping:");
        for (String line : plan.describe().split("\n"))
            log("  " + line + (cfg.pair() ? " (and the same queues of " + cfg.vdevs().get(1).name() + ")" : ""));
        for (Thread t : threads) t.start();
        try {
            if (!cfg.ndr()) {
                double pps = cfg.rate().toPps(mix.averageSize());
                Report r = measure(loops, mix, pps, cfg.warmup(), cfg.duration(), true);
                if (r == null) return null;
                out.print(ReportWriter.table(r));
                out.println(diagnostics(loops));
                out.flush();
                addJson(r, null, loops);
                return r;
            }
            return ndr(loops, mix);
        } finally {
            for (GenLoop l : loops) l.command(GenLoop.QUIT);
            for (Thread t : threads) t.join(10_000);
            for (GenLoop l : loops) {
                if (l.failure() != null) {
                    if (l.failure() instanceof UserError ue) throw ue;
                if (l.failure() instanceof io.vswitch.dpdk.DpdkException de) throw de;
                    throw new IllegalStateException("generator loop on CPU " + l.cpu() + " failed", l.failure());
                }
            }
        }
    }

    /**
     * One measured run at {@code pps} in total (infinite: unpaced): TX on, warm-up, window,
     * TX off, drain, hold; returns the report, or null if interrupted during it.
     */
    private Report measure(List<GenLoop> loops, SizeMix mix, double pps, double warmup, double seconds, boolean verbose)
            throws InterruptedException {
        for (GenLoop l : loops) {
            double[] r = new double[l.queueCount()];
            java.util.Arrays.fill(r, pps / cfg.streams());
            l.setRates(r);
        }
        all(loops, GenLoop.TX_ON);
        if (warmup > 0) {
            if (verbose) log("warm-up " + fmt(warmup) + " s");
            if (sleep(warmup)) return stopEarly(loops);
            all(loops, GenLoop.MARK);
        }
        if (verbose) log("measuring " + fmt(seconds) + " s");
        boolean cut = sampleWindow(loops, seconds); // a signal here ends the window early: still report it
        all(loops, GenLoop.TX_OFF);
        drain(loops);
        all(loops, GenLoop.HOLD);

        double ticks = 0;
        for (GenLoop l : loops) ticks += l.windowTicks();
        double window = ticks / loops.size() / hz;
        Report.Builder b = Report.builder(window).info("frame_size", mix.name())
                .info("rate", cfg.rate().isMax() && Double.isInfinite(pps) ? "max" : String.format(Locale.ROOT, "%.0fpps", pps))
                .info("flows", Integer.toString(cfg.flows())).info("queues", Integer.toString(cfg.queues()))
                .info("lcores", LcoreList.format(cfg.cpus())).info("burst", Integer.toString(cfg.burst()))
                .info("vdev", cfg.vdevs().stream().map(Vdev::spec).collect(java.util.stream.Collectors.joining(" ")))
                .info("latency_sample", "1/" + loops.get(0).rx(0).sampleEvery())
                .info("tsc_hz", Long.toString(hz));
        if (cut) b.info("interrupted", "true");
        if (cfg.pair()) b.info("streams", streamsInfo());
        // A row per stream: what it sent, and the RX accounting that expects it (on the peer port
        // of a pair, on its own queue otherwise), so each row's loss is that stream's.
        long[] txp = new long[cfg.streams()], txb = new long[cfg.streams()];
        RxAccounting[] rxOf = new RxAccounting[cfg.streams()];
        for (GenLoop l : loops) {
            for (int k = 0; k < l.queueCount(); k++) {
                int st = l.tx(k).stream();
                txp[st] = l.windowTxPackets(k);
                txb[st] = l.windowTxBytes(k);
                rxOf[l.rx(k).stream()] = l.rx(k);
            }
        }
        for (int st = 0; st < txp.length; st++) b.queue(st, txp[st], txb[st], rxOf[st]);
        return b.build();
    }

    /**
     * After TX stops: RX keeps counting for at least 100 ms (or --drain if shorter) and then until
     * every frame of the window is back or --drain has passed. A descheduled peer can hold frames
     * for longer than 100 ms; they are late, not lost. The loops' counters are read racily here,
     * which is fine for a stop condition.
     */
    private void drain(List<GenLoop> loops) throws InterruptedException {
        long start = System.nanoTime();
        long max = (long) (cfg.drainSeconds() * 1e9);
        Thread.sleep(Math.min(100, max / 1_000_000));
        while (System.nanoTime() - start < max) {
            long sent = 0, back = 0;
            for (GenLoop l : loops) {
                for (int k = 0; k < l.queueCount(); k++) {
                    sent += l.windowTxPackets(k);
                    back += l.rx(k).received();
                }
            }
            if (back >= sent) return;
            Thread.sleep(5);
        }
    }

    private Report stopEarly(List<GenLoop> loops) throws InterruptedException {
        all(loops, GenLoop.HOLD);
        return null;
    }

    /** The zero-loss search for one size; prints each trial, then the report of the NDR (or PDR) trial. */
    private Report ndr(List<GenLoop> loops, SizeMix mix) throws Exception {
        double maxPps;
        if (cfg.rate().isMax()) {
            log("NDR: measuring the unpaced rate for the upper bound (" + fmt(cfg.trialSeconds()) + " s)");
            Report r = measure(loops, mix, Double.POSITIVE_INFINITY, TRIAL_WARMUP, cfg.trialSeconds(), false);
            if (r == null || interrupted.getCount() == 0) return null;
            maxPps = r.total().txPps();
            log(String.format(Locale.ROOT, "NDR: unpaced: tx %.4f Mpps, rx %.4f Mpps, loss %.4f %%", r.total().txPps() / 1e6,
                    r.total().rxPps() / 1e6, r.total().lossRatio() * 100));
        } else {
            maxPps = cfg.rate().toPps(mix.averageSize());
        }
        double minPps = Math.min(maxPps, Math.max(1000, maxPps / 1000));
        NdrSearch.Config sc = new NdrSearch.Config(minPps, maxPps, cfg.ndrLoss(), cfg.pdrLoss(), cfg.ndrPrecision(), 30);
        log(String.format(Locale.ROOT, "NDR: binary search %.4f..%.4f Mpps, trials of %s s, NDR loss <= %s %%, PDR loss <= %s %%",
                minPps / 1e6, maxPps / 1e6, fmt(cfg.trialSeconds()), fmt(cfg.ndrLoss() * 100), fmt(cfg.pdrLoss() * 100)));
        List<Report> reports = new ArrayList<>();
        NdrSearch search = new NdrSearch(sc, (i, s) -> log(String.format(Locale.ROOT,
                "NDR trial %2d: offered %.4f Mpps, tx %d, rx %d, loss %.6f %%", i + 1, s.pps() / 1e6,
                s.result().txPackets(), s.result().rxPackets(), s.lossRatio() * 100)));
        NdrSearch.Result res;
        try {
            res = search.run(pps -> {
                Report r = measure(loops, mix, pps, TRIAL_WARMUP, cfg.trialSeconds(), false);
                if (r == null || interrupted.getCount() == 0) throw new Interrupted();
                reports.add(r);
                return new NdrSearch.TrialResult(r.total().txPackets(), r.total().rxPackets());
            });
        } catch (Interrupted e) {
            return null;
        }
        log("size " + mix.name() + ": " + res);
        double target = res.ndrFound() ? res.ndrPps() : res.pdrPps();
        Report best = null;
        for (int i = 0; i < res.steps().size(); i++)
            if (res.steps().get(i).pps() == target) best = reports.get(i);
        if (best == null) best = reports.get(reports.size() - 1);
        out.printf(Locale.ROOT, "NDR %s, PDR %s; report of the trial at %s:%n",
                res.ndrFound() ? String.format(Locale.ROOT, "%.4f Mpps", res.ndrPps() / 1e6) : "none",
                res.pdrFound() ? String.format(Locale.ROOT, "%.4f Mpps", res.pdrPps() / 1e6) : "none",
                String.format(Locale.ROOT, "%.4f Mpps", target / 1e6));
        out.print(ReportWriter.table(best));
        out.println(diagnostics(loops));
        out.flush();
        addJson(best, res, loops);
        return best;
    }

    /** A signal ended the search. */
    private static final class Interrupted extends Exception {
        Interrupted() {
            super("interrupted", null, false, false);
        }
    }

    private String diagnostics(List<GenLoop> loops) {
        long alloc = 0, fails = 0, skipped = 0;
        for (GenLoop l : loops) {
            alloc = l.allocatedInWindow() < 0 || alloc < 0 ? -1 : alloc + l.allocatedInWindow();
            fails += l.allocFailures();
            skipped += l.pacerSkipped();
        }
        double[] b = burstRatios(loops);
        return "loop: " + alloc + " bytes allocated in the window (0 expected), " + fails + " empty-pool bursts"
                + (skipped > 0 ? ", " + skipped + " paced frames skipped (the loop fell behind the rate)" : "")
                + String.format(Locale.ROOT, "%nbottleneck: %.1f %% of TX bursts found the ring full (the peer drains slower"
                        + " than we send), %.1f %% of RX polls returned a full burst (frames wait for us)", 100 * b[0], 100 * b[1]);
    }

    /** Over the last window: TX bursts the ring did not take whole, RX polls that returned a full burst (fractions). */
    static double[] burstRatios(List<GenLoop> loops) {
        long tx = 0, full = 0, polls = 0, fullRx = 0;
        for (GenLoop l : loops) {
            tx += l.windowTxBursts();
            full += l.windowTxRingFull();
            polls += l.windowRxPolls();
            fullRx += l.windowRxFullBursts();
        }
        return new double[] {tx == 0 ? 0 : (double) full / tx, polls == 0 ? 0 : (double) fullRx / polls};
    }

    private void addJson(Report r, NdrSearch.Result ndr, List<GenLoop> loops) {
        long alloc = 0, fails = 0;
        for (GenLoop l : loops) {
            alloc = l.allocatedInWindow() < 0 || alloc < 0 ? -1 : alloc + l.allocatedInWindow();
            fails += l.allocFailures();
        }
        long a = alloc, f = fails;
        double[] b = burstRatios(loops);
        int inUse = pool.inUse();
        double[] per = perSecond;
        jsonRuns.add(ReportWriter.toJson(r, ndr, o -> {
            o.put("loop_allocated_bytes", a).put("alloc_failures", f)
                    .put("tx_ring_full_ratio", b[0]).put("rx_full_burst_ratio", b[1])
                    .put("mbufs_in_use", inUse).put("mbufs_total", pool.size);
            if (ndr == null) { // an NDR report is of one of its trials, not of the last window sampled
                var arr = o.putArray("rx_pps_per_second");
                for (double v : per) arr.add(v);
            }
        }));
    }

    /** One run: its report object; several sizes: {@code {"runs": [...]}}. */
    private void writeJson() throws IOException {
        if (cfg.json() == null || jsonRuns.isEmpty()) return;
        JsonNode doc;
        if (jsonRuns.size() == 1) {
            doc = jsonRuns.get(0);
        } else {
            ObjectNode all = Json.MAPPER.createObjectNode();
            all.putArray("runs").addAll(jsonRuns);
            doc = all;
        }
        Path tmp = cfg.json().resolveSibling(cfg.json().getFileName() + ".tmp");
        Files.writeString(tmp, Json.PRETTY.writeValueAsString(doc) + "\n");
        Files.move(tmp, cfg.json(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        log("wrote " + cfg.json());
    }

    /**
     * The id a TX stream stamps into its frames (IPv4 id) and its report row: the queue number,
     * plus {@code queues} for the second port of a pair.
     */
    private int stream(int port, int queue) {
        return port * cfg.queues() + queue;
    }

    /** For the report of a pair: which rows are which direction. */
    private String streamsInfo() {
        String a = cfg.vdevs().get(0).name(), b = cfg.vdevs().get(1).name();
        int q = cfg.queues();
        return (q == 1 ? "0" : "0-" + (q - 1)) + ": " + a + " -> " + b + "; " + (q == 1 ? "1" : q + "-" + (2 * q - 1)) + ": "
                + b + " -> " + a;
    }

    /** Sends {@code op} to every loop and waits until all have acted on it. */
    private static void all(List<GenLoop> loops, int op) throws InterruptedException {
        int[] words = new int[loops.size()];
        for (int i = 0; i < words.length; i++) words[i] = loops.get(i).command(op);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (int i = 0; i < words.length; i++) {
            GenLoop l = loops.get(i);
            while (!l.acked(words[i])) {
                if (System.nanoTime() > deadline)
                    throw new UserError(ExitCode.LCORE, "generator loop on CPU " + l.cpu()
                            + " did not respond within 10 s: another busy process is probably pinned to that CPU;"
                            + " stop it or choose other --lcores");
                Thread.sleep(0, 200_000);
            }
            if (l.failure() != null) {
                if (l.failure() instanceof UserError ue) throw ue;
                if (l.failure() instanceof io.vswitch.dpdk.DpdkException de) throw de;
                throw new IllegalStateException("generator loop on CPU " + l.cpu() + " failed", l.failure());
            }
        }
    }

    /**
     * Received frames per second of the last window, one value per whole second (sampled by this
     * thread from the loops' counters while they run: racy reads, good for seeing whether the rate
     * held steady, not for counting; the report's totals are exact).
     */
    private double[] perSecond = new double[0];

    /** Waits out the window, sampling the received count once a second; true if a signal ended it. */
    private boolean sampleWindow(List<GenLoop> loops, double seconds) throws InterruptedException {
        List<Double> rates = new ArrayList<>();
        long start = System.nanoTime(), end = start + (long) (seconds * 1e9);
        long prev = receivedNow(loops), prevT = start;
        boolean cut = false;
        while (true) {
            long next = prevT + 1_000_000_000L;
            if (next > end) {
                long rest = end - System.nanoTime();
                if (rest > 0) cut = interrupted.await(rest, TimeUnit.NANOSECONDS);
                break;
            }
            long wait = next - System.nanoTime();
            if (wait > 0 && interrupted.await(wait, TimeUnit.NANOSECONDS)) {
                cut = true;
                break;
            }
            long now = System.nanoTime(), got = receivedNow(loops);
            rates.add((got - prev) / ((now - prevT) / 1e9));
            prev = got;
            prevT = now;
        }
        perSecond = rates.stream().mapToDouble(Double::doubleValue).toArray();
        return cut;
    }

    private static long receivedNow(List<GenLoop> loops) {
        long n = 0;
        for (GenLoop l : loops)
            for (int k = 0; k < l.queueCount(); k++) n += l.rx(k).received();
        return n;
    }

    /** Sleeps; true if interrupted by a signal. */
    private boolean sleep(double seconds) throws InterruptedException {
        return interrupted.await((long) (seconds * 1e9), TimeUnit.NANOSECONDS);
    }

    private void installSignals() {
        for (String sig : List.of("INT", "TERM")) {
            Signal.handle(new Signal(sig), s -> {
                log("SIG" + s.getName() + ": stopping");
                interrupted.countDown();
            });
        }
    }

    static long macToLong(String mac) {
        return Long.parseLong(mac.replace(":", ""), 16);
    }

    static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.3f", v).replaceAll("0+$", "");
    }
}
