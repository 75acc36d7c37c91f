package io.vswitch.sw;

import io.vswitch.ExitCode;
import io.vswitch.StatsTimer;
import io.vswitch.UserError;
import io.vswitch.datapath.Forwarding;
import io.vswitch.datapath.MacTable;
import io.vswitch.datapath.PortCounters;
import io.vswitch.datapath.PortSet;
import io.vswitch.datapath.RxAssignment;
import io.vswitch.datapath.TxLock;
import io.vswitch.datapath.TxQueueMap;
import io.vswitch.dpdk.Dataplane;
import io.vswitch.dpdk.DpdkException;
import io.vswitch.dpdk.DpdkIo;
import io.vswitch.dpdk.Eal;
import io.vswitch.dpdk.EthPort;
import io.vswitch.dpdk.Mempool;
import io.vswitch.dpdk.PacketIo;
import io.vswitch.dpdk.Pdump;
import io.vswitch.dpdk.PortEvents;
import io.vswitch.dpdk.Prelink;
import io.vswitch.dpdk.Tsc;
import io.vswitch.dpdk.Vdev;
import io.vswitch.dpdk.VhostSocket;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The L2 switch as a long-running node: EAL, one mbuf pool, one shared MAC table and one
 * pinned {@link SwitchLoop} per lcore, started with or without ports; ports come and go while
 * traffic flows ({@link #addPort}, {@link #delPort}: the control socket's port.add and
 * port.del, and the command line's {@code --vdev}s at start).
 *
 * <pre>
 *  start:  check lcores ─► EAL (no devices) ─► pool ─► MAC table ─► loops (empty plans) ─► --vdev ports
 *  add:    check name/path ─► hotplug device ─► configure (one tx queue per lcore) ─► rx/tx queues ─► start
 *          ─► counters' baseline ─► rx queues to the least loaded lcores ─► publish plans ─► every loop acks
 *  del:    publish plans without it ─► every loop acks ─► flush its MACs ─► stop, close, detach (socket removed)
 *  stop:   SIGINT/SIGTERM ─► stop loops ─► summary ─► detach every port ─► free pool ─► EAL cleanup
 * </pre>
 *
 * Port changes are serialised by this object's monitor (the control socket serves clients
 * concurrently); the loops never lock: see {@link SwitchLoop} for how a plan is published
 * and acknowledged. A port's counters are its slot in each lcore's {@link PortCounters}
 * minus a baseline taken when it was added (DPDK reuses port ids).
 */
public class SwitchNode {
    /** Everything the command line decided. */
    public record Config(List<Vdev> vdevs, int[] cpus, int burst, int rxd, int txd, Integer mbufs, int mbufCache,
                         double statsSeconds, Path statsJson, String filePrefix, boolean noHuge, int memoryMb,
                         List<String> ealExtra, int tableSize, long macAgeNanos, Path fdbJson, Path ctl, Path db) {}

    /**
     * A port as asked for: the control socket's port.add parameters. {@code owner} ("UID:GID") and
     * {@code mode} (permission bits) apply to the socket of a vhost-user (server) port, or are null.
     */
    public record PortConfig(String name, String type, String path, String iface, int queues, Integer vlan, String mac,
                             String owner, Integer mode) {
        public PortConfig(String name, String type, String path, String iface, int queues, Integer vlan, String mac) {
            this(name, type, path, iface, queues, vlan, mac, null, null);
        }

        public boolean vhost() {
            return type.equals(VHOST_USER) || type.equals(VHOST_USER_CLIENT);
        }
    }

    public static final String VHOST_USER = "vhost-user";
    public static final String VHOST_USER_CLIENT = "vhost-user-client";
    public static final String TAP = "tap";
    public static final String AF_PACKET = "af_packet";
    /**
     * Mbufs in the pool unless --mbufs says otherwise: ports come and go, so it is not sized by
     * the ports at start. vhost ports hold no mbufs at rest (their rx allocates, their tx copies
     * and frees); a tap port keeps one per rx descriptor, so many tap ports want a larger --mbufs.
     * Not larger by default: with 16383, port to port at 1518 B measured 0.73x (median) and 0.77x
     * (best) of 8191 over 11 alternating starts each; more buffers cycle through more memory.
     */
    static final int DEFAULT_MBUFS = 8191;
    private static final long ACK_TIMEOUT_NANOS = 5_000_000_000L;

    /** A live port. */
    public static final class Port {
        final PortConfig cfg;
        final EthPort eth;
        final String device;
        final long[] baseline = new long[PortCounters.KINDS];
        /** Tx queues configured: a vhost port's queue pairs, one per lcore otherwise. */
        final int txQueues;
        /** One lock per tx queue, taken only by lcores a plan tells to share that queue. */
        final TxLock[] txLocks;
        /** The link as the published plans have it (a vhost port without a guest is down); the node's monitor. */
        boolean up = true;
        /** The tx queue each lcore sends on, as published; the node's monitor. */
        int[] txMap;

        Port(PortConfig cfg, EthPort eth, String device, int txQueues) {
            this.cfg = cfg;
            this.eth = eth;
            this.device = device;
            this.txQueues = txQueues;
            this.txLocks = new TxLock[txQueues];
            for (int q = 0; q < txQueues; q++) {
                txLocks[q] = new TxLock();
            }
        }

        public PortConfig config() {
            return cfg;
        }

        public int id() {
            return eth.id;
        }

        public String device() {
            return device;
        }

        /** Tx queues the port has. */
        public int txQueues() {
            return txQueues;
        }
    }

    /** A link or queue change of a port, handed from DPDK's event thread to the control side. */
    private record PortEvent(int port, boolean link) {}

    private final Config cfg;
    private final PrintStream out;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Map<String, Port> ports = new LinkedHashMap<>();
    /** Ports removed while dpdk-dumpcap captured on them: still open, polled by no loop ({@link #closeCapturedAway}). */
    private final List<Port> capturedAway = new ArrayList<>();
    private final Port[] byId = new Port[EthPort.MAX_PORTS];
    private final List<SwitchLoop> loops = new ArrayList<>();
    private RxAssignment rx;
    private MacTable table;
    private Mempool pool;
    private Dataplane dp;
    private long generation;
    private int nextDevice;
    private final BlockingQueue<PortEvent> events = new LinkedBlockingQueue<>();
    /** The ports of --db and --vdev are all added (for {@link FirstTraffic}). */
    private volatile boolean startDone;

    public SwitchNode(Config cfg, PrintStream out) {
        this.cfg = cfg;
        this.out = out;
    }

    void log(String s) {
        synchronized (out) {
            out.println(LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss.SSS")) + " vswitch: " + s);
            out.flush();
        }
    }

    /** The EAL arguments: no devices (ports are hot-plugged), the control thread on the CPUs the loops leave. */
    public static List<String> ealArgs(Config cfg, List<Integer> allowed) {
        return ealArgs(cfg, allowed, cfg.noHuge() ? 0 : Eal.freeHugepageMb());
    }

    /**
     * As {@link #ealArgs(Config, List)}, with {@code freeHugeMb} MB of hugepages free (for the
     * memory set aside for dpdk-dumpcap: {@link #CAPTURE_PREALLOC_MB}).
     */
    public static List<String> ealArgs(Config cfg, List<Integer> allowed, long freeHugeMb) {
        // loop lcores 1..n mapped to the loops' CPUs: each loop thread stands in for one (LcoreLoop.standInForEalLcore)
        List<String> extra = new ArrayList<>(cfg.ealExtra());
        if (!cfg.noHuge() && extra.stream().noneMatch(a -> a.startsWith("--base-virtaddr"))) {
            // dpdk-dumpcap attaches as a secondary process and must map the hugepage memory at the
            // switch's addresses; EAL's default puts it just below the shared libraries, where a
            // secondary's own randomised mappings often sit ("Cannot get a virtual area at requested
            // address"). 16 TiB is far from both the libraries (0x7f..) and PIE programs (0x55..), and
            // above the JVM's compressed-oop heap (< 32 GiB). A hint: EAL maps elsewhere if it is taken.
            extra.add(0, BASE_VIRTADDR);
        }
        if (preallocates(cfg, extra, freeHugeMb)) {
            // Memory mapped at start-up and never given back, so a dumpcap's ring and mbufs (12 MB with its
            // defaults) come out of memory the heap already has. Without it the heap grows for them: the
            // secondary holds the shared heap's spinlock while it asks the switch (over EAL's IPC) to map
            // more pages, and a dumpcap killed then (Ctrl-C in its first 0.1 s, kill -9) leaves that lock
            // held for good: every later rte_malloc of the switch spins (add-port, a guest connecting,
            // the shutdown). Measured: 4 of 8 dumpcaps killed 50-150 ms into their start did it; 0 of 10 so.
            extra.addAll(0, List.of("-m", Integer.toString(CAPTURE_PREALLOC_MB)));
        }
        return Dataplane.ealArgs(new Dataplane.EalOptions("vswitch", cfg.cpus(), true, cfg.filePrefix(), cfg.noHuge(),
                cfg.memoryMb(), List.of(), false, extra), allowed);
    }

    /**
     * Hugepage memory (MB) the switch has EAL map at start-up ({@code -m}) when it uses hugepages,
     * the user's EAL arguments give no amount ({@code -m}, {@code --socket-mem}, {@code --legacy-mem})
     * and at least this much is free: its own (28 MB with one port) plus room for dpdk-dumpcaps
     * (12 MB each with their defaults) without the heap growing while one attaches (see {@link #ealArgs}).
     */
    public static final int CAPTURE_PREALLOC_MB = 128;

    static boolean preallocates(Config cfg, List<String> extra, long freeHugeMb) {
        return !cfg.noHuge() && freeHugeMb >= CAPTURE_PREALLOC_MB && extra.stream().noneMatch(a -> a.equals("-m")
                || a.startsWith("-m=") || a.startsWith("--socket-mem") || a.equals("--legacy-mem"));
    }

    /** Where the switch asks EAL to map its hugepage memory (see {@link #ealArgs}). */
    public static final String BASE_VIRTADDR = "--base-virtaddr=0x100000000000";

    /** The port a {@code --vdev} asks for: named after its device. */
    static PortConfig fromVdev(Vdev v) {
        return switch (v.driver()) {
            case "net_vhost" -> {
                if (v.iface() == null) {
                    throw new DpdkException(DpdkException.Kind.USAGE, "--vdev " + v.spec()
                            + ": net_vhost needs iface=/path/to/socket");
                }
                yield new PortConfig(v.name(), v.client() ? VHOST_USER_CLIENT : VHOST_USER, v.iface(), null, v.queues(),
                        null, null);
            }
            case "net_tap" -> new PortConfig(v.name(), TAP, null, v.args().get("iface"), v.queues(), null, null);
            case "net_af_packet" -> new PortConfig(v.name(), AF_PACKET, null, v.args().get("iface"), v.queues(), null,
                    null);
            default -> throw new DpdkException(DpdkException.Kind.USAGE, "--vdev " + v.spec() + ": the switch takes"
                    + " net_vhost, net_tap and net_af_packet devices");
        };
    }

    /** Runs until SIGINT/SIGTERM or {@link #shutdown}; returns the exit code. */
    public int run() throws InterruptedException {
        Prelink.start();                 // FFM links and upcall stub, in parallel with --db and rte_eal_init
        List<Integer> allowed = Dataplane.checkCpus(cfg.cpus());
        List<PortConfig> initial = new ArrayList<>();
        for (Vdev v : cfg.vdevs()) {
            initial.add(fromVdev(v));
        }
        prepare(initial);
        String takeover = Dataplane.checkRuntimeDir(cfg.filePrefix());
        if (takeover != null) {
            log(takeover);
        }
        long freeHugeMb = cfg.noHuge() ? 0 : Eal.freeHugepageMb();
        List<String> eal = ealArgs(cfg, allowed, freeHugeMb);
        log("EAL " + String.join(" ", eal.subList(1, eal.size())));
        if (!preallocates(cfg, cfg.ealExtra(), freeHugeMb) && preallocates(cfg, cfg.ealExtra(), Long.MAX_VALUE)) {
            log("only " + freeHugeMb + " MB of hugepages free: no memory set aside for dpdk-dumpcap (-m "
                    + CAPTURE_PREALLOC_MB + "); a dumpcap killed while it attaches could then stall port changes");
        }
        dp = Dataplane.open(eal);
        log(Pdump.note());
        List<Thread> threads = new ArrayList<>();
        Thread statsThread = null;
        Thread eventThread = null;
        SwitchStats stats = null;
        boolean started = false;
        try {
            int n = cfg.mbufs() != null ? cfg.mbufs() : DEFAULT_MBUFS;
            pool = dp.createPool("vswitch_mbufs", n, cfg.mbufCache());
            log("mbuf pool: " + n + " mbufs of 2176 B, cache " + cfg.mbufCache());
            table = new MacTable(cfg.tableSize(), cfg.macAgeNanos());
            rx = new RxAssignment(cfg.cpus());
            PortSet none = PortSet.empty(EthPort.MAX_PORTS);
            PacketIo io = FaultyIo.wrapIfAsked(DpdkIo.INSTANCE);
            DpdkSink sink = new DpdkSink(io, pool.address());
            for (int l = 0; l < cfg.cpus().length; l++) {
                SwitchLoop loop = new SwitchLoop(cfg.cpus()[l], io, sink, l, cfg.burst(),
                        new Forwarding(table, new PortCounters(EthPort.MAX_PORTS)),
                        new SwitchLoop.Plan(0, new int[0], new int[0], none), Tsc.hz());
                loop.standInForEalLcore(l + 1);      // not rte_thread_register: dpdk-dumpcap can attach
                loop.onFailure(stop::countDown);
                loops.add(loop);
                threads.add(Thread.ofPlatform().name("poll-cpu" + cfg.cpus()[l]).unstarted(loop));
            }
            log("mode switch: MAC table of " + table.capacity() + " entries, aging " + fmtSeconds(cfg.macAgeNanos())
                    + "; " + loops.size() + " lcore" + (loops.size() > 1 ? "s" : "") + " (each sends on its own tx queue"
                    + " of every port); `kill -USR1 " + ProcessHandle.current().pid() + "` dumps the MAC table to "
                    + (cfg.fdbJson() != null ? cfg.fdbJson() : "stdout"));
            if (!SwitchLoop.CYCLES) {
                log("cycle accounting off (-Dvswitch.cycleAccounting=false): pmd-stats and the lcore metrics stay at 0");
            }
            for (Thread t : threads) {
                t.start();
            }
            started = true;
            eventThread = startEvents();
            FirstTraffic.start(this, () -> startDone, this::log);
            onLoopsStarted();
            for (PortConfig pc : initial) {
                try {
                    addPort(pc);
                } catch (PortRefused e) {
                    throw new DpdkException(e.reason() == PortRefused.Reason.CANNOT_CREATE
                            && e.getMessage().contains("socket") ? DpdkException.Kind.SOCKET : DpdkException.Kind.PORT,
                            e.getMessage());
                }
            }
            stats = new SwitchStats(this, out, cfg.statsJson());
            if (cfg.statsJson() != null) {
                Files.deleteIfExists(cfg.statsJson());
            }
            installSignals();
            statsThread = StatsTimer.start(cfg.statsSeconds(), stop, stats::sample, this::log);
            startDone = true;
            onStarted();
            log("running; stop with Ctrl-C or SIGTERM");
            // Wake once a second to age the MAC table, a slice of it each time (a whole sweep takes
            // an eighth of the maximum age); a failing loop counts `stop` down itself (onFailure), so
            // there is no faster wake-up taking the CPU from a loop pinned with us.
            long nextExpire = System.nanoTime() + 1_000_000_000L;
            int sweep = table.sweepSlots(1_000_000_000L);
            while (!stop.await(Math.max(0, nextExpire - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                table.expireSome(System.nanoTime(), sweep);
                closeCapturedAway();
                nextExpire = Math.max(nextExpire + 1_000_000_000L, System.nanoTime());   // no catch-up burst after a pause
            }
            return 0;
        } catch (IOException e) {
            throw new DpdkException(DpdkException.Kind.USAGE, "--stats-json: " + e.getMessage());
        } finally {
            stop.countDown();
            onStopping();
            for (SwitchLoop l : loops) {
                l.stop();
            }
            for (Thread t : threads) {
                if (t.isAlive()) {
                    t.join(5000);
                }
            }
            if (statsThread != null) {
                statsThread.join(2000);
            }
            stopEvents(eventThread);
            Throwable failure = null;
            String failed = null;
            for (SwitchLoop l : loops) {
                if (l.failure() != null && failure == null) {
                    failure = l.failure();
                    failed = failureLine(l);
                }
            }
            if (started && stats != null && failure == null) {
                stats.summary();
            }
            synchronized (this) {
                for (Port p : new ArrayList<>(ports.values())) {
                    detach(p);
                }
                ports.clear();
            }
            dp.close();                  // pool freed, EAL cleaned up
            if (started) {
                log("stopped");
            }
            if (failure != null) {
                throw new UserError(ExitCode.POLL_LOOP, failed);
            }
        }
    }

    /** Hook: before EAL starts, with the ports of the command line (checks that need no DPDK go here). */
    protected void prepare(List<PortConfig> initial) {}

    /** Hook: the loops run and no port is up yet (recorded ports are re-created here, before the --vdevs). */
    protected void onLoopsStarted() throws InterruptedException {}

    /** Hook: after the ports of the command line are up (the control socket starts here). */
    protected void onStarted() {}

    /** Hook: before the loops stop. */
    protected void onStopping() {}

    /** Ends {@link #run} as SIGTERM would. */
    public void shutdown() {
        stop.countDown();
    }

    private void installSignals() {
        for (String sig : List.of("INT", "TERM")) {
            sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> {
                log("SIG" + s.getName() + ": stopping");
                stop.countDown();
            });
        }
        sun.misc.Signal.handle(new sun.misc.Signal("USR1"), s -> dumpFdbOnSignal());
    }

    // ------------------------------------------------------------------ ports

    /** Adds a port while the loops run; returns it once every loop polls it. */
    public synchronized Port addPort(PortConfig pc) throws InterruptedException {
        if (ports.containsKey(pc.name())) {
            throw new PortRefused(PortRefused.Reason.NAME_TAKEN, "a port named " + pc.name() + " exists already");
        }
        if (ports.size() >= EthPort.MAX_PORTS) {
            throw new PortRefused(PortRefused.Reason.LIMIT, "the switch has " + ports.size() + " ports, as many as"
                    + " this DPDK build allows (RTE_MAX_ETHPORTS " + EthPort.MAX_PORTS + "): remove one first");
        }
        String path = pc.path() == null ? null : Path.of(pc.path()).toAbsolutePath().normalize().toString();
        if (path != null) {
            if (path.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 107) {
                throw new PortRefused(PortRefused.Reason.CANNOT_CREATE, "socket path " + path + " is longer than the"
                        + " 107 bytes a Unix socket path allows: choose a shorter one");
            }
            for (Port p : ports.values()) {
                if (path.equals(p.cfg.path())) {
                    throw new PortRefused(PortRefused.Reason.NAME_TAKEN, "socket path " + path + " is used by port "
                            + p.cfg.name() + " already");
                }
            }
            pc = new PortConfig(pc.name(), pc.type(), path, pc.iface(), pc.queues(), pc.vlan(), pc.mac(), pc.owner(),
                    pc.mode());
        }
        if (pc.mac() != null && !pc.type().equals(TAP)) {
            throw new PortRefused(PortRefused.Reason.CANNOT_CREATE, pc.name() + ": --mac sets the address of the kernel"
                    + " interface a tap port creates; a " + pc.type() + " port's frames carry the guest's (or the"
                    + " interface's) own addresses: leave --mac out");
        }
        int lcores = loops.size();
        if (pc.vhost() && pc.queues() < lcores) {
            throw new PortRefused(PortRefused.Reason.CANNOT_CREATE, pc.name() + ": the switch gives each of its "
                    + lcores + " lcores its own tx queue on every port, so a vhost port needs queues >= " + lcores
                    + " (it has " + pc.queues() + "): set queues=" + lcores + " (or more) in its --vdev, or add it with"
                    + " --queues " + lcores);
        }
        if (pc.type().equals(VHOST_USER)) {
            try {
                String note = VhostSocket.prepareServerPath(path);
                if (note != null) {
                    log(note);
                }
            } catch (DpdkException e) {
                throw new PortRefused(PortRefused.Reason.CANNOT_CREATE, e.getMessage());
            }
        } else if (pc.type().equals(VHOST_USER_CLIENT)) {
            Path dir = Path.of(path).getParent();
            if (dir != null && !Files.isDirectory(dir)) {
                throw new PortRefused(PortRefused.Reason.CANNOT_CREATE, "vhost socket directory " + dir + " does not"
                        + " exist: create it (the guest's QEMU listens there) or choose another path");
            }
        } else if (pc.iface() == null) {
            throw new PortRefused(PortRefused.Reason.CANNOT_CREATE, pc.name() + ": a " + pc.type() + " port needs an"
                    + " interface name (iface)");
        }
        String device = isDeviceName(pc.name()) ? pc.name() : newDeviceName(pc.type());
        String args = deviceArgs(pc);
        EthPort eth;
        try {
            eth = EthPort.attach(device, args);
        } catch (DpdkException e) {
            if (pc.type().equals(VHOST_USER)) {
                deleteQuietly(path);
            }
            throw new PortRefused(PortRefused.Reason.CANNOT_CREATE, e.getMessage());
        }
        // A vhost port gets all its queue pairs' tx queues, so that when its guest leaves some
        // disabled, an lcore can move to another enabled one before two must share (TxQueueMap).
        int txq = pc.vhost() ? Math.max(pc.queues(), lcores) : lcores;
        Port port = new Port(pc, eth, device, txq);
        try {
            if (txq > eth.info().maxTxQueues()) {
                throw new DpdkException(DpdkException.Kind.PORT, pc.name() + ": the switch gives each of its " + txq
                        + " lcores its own tx queue on every port, but this port has " + eth.info().maxTxQueues()
                        + ": " + (pc.type().equals(AF_PACKET) ? "add it with --queues " + txq
                        : "use at most " + eth.info().maxTxQueues() + " CPUs in --lcores"));
            }
            dp.startPort(eth, pc.name(), new Dataplane.PortSetup(pc.queues(), txq, EthPort.RSS_IP_TCP_UDP, cfg.rxd(),
                    cfg.txd(), 0), pool, this::log);
            if (pc.owner() != null || pc.mode() != null) {
                VhostSocket.setOwnership(path, pc.owner(), pc.mode());
            }
        } catch (DpdkException e) {
            if (dp.ports().contains(eth)) {
                dp.removePort(eth);            // events off, stop, close, detach
            } else {
                eth.detach();                  // attached, never started
            }
            if (pc.type().equals(VHOST_USER)) {
                deleteQuietly(path);
            }
            throw new PortRefused(PortRefused.Reason.CANNOT_CREATE, e.getMessage());
        }
        for (int k = 0; k < PortCounters.KINDS; k++) {
            port.baseline[k] = rawCounter(eth.id, k);
        }
        table.flush(eth.id);                       // entries of an earlier port with this id, if any survived
        ports.put(pc.name(), port);
        byId[eth.id] = port;
        port.up = !pc.vhost() || eth.linkUp();     // later changes come as events (onPortEvent)
        rx.add(eth.id, pc.name(), pc.queues());
        publish();
        log(pc.name() + ": port " + eth.id + " (" + eth.info().driver() + ") added, " + pc.queues() + " queue"
                + (pc.queues() > 1 ? "s" : "") + (pc.vlan() != null ? ", access port of VLAN " + pc.vlan() : ", trunk")
                + ", mac " + eth.mac() + (path != null ? ", socket " + path + (pc.type().equals(VHOST_USER_CLIENT)
                ? " (client)" : "") : ", interface " + pc.iface()));
        for (String line : rx.describe().split("\n")) {
            log("  " + line);
        }
        return port;
    }

    /** Removes a port while the loops run: once no loop polls or sends to it, its MACs go and its device is closed. */
    public synchronized void delPort(String name) throws InterruptedException {
        Port p = ports.get(name);
        if (p == null) {
            throw new PortRefused(PortRefused.Reason.NO_SUCH_PORT, "no port named " + name);
        }
        ports.remove(name);
        rx.remove(p.eth.id);
        publish();
        int flushed = table.flush(p.eth.id);
        String removed = name + ": port " + p.eth.id + " removed (" + flushed + " MAC" + (flushed == 1 ? "" : "s")
                + " flushed)";
        if (p.eth.captured()) {
            byId[p.eth.id] = null;
            capturedAway.add(p);
            log(removed + "; its device " + p.eth.name + " stays open, polled by no loop, while dpdk-dumpcap captures"
                    + " on it: closed when the capture stops");
            return;
        }
        detach(p);
        log(removed);
    }

    /**
     * Closes the removed ports whose capture has stopped (control thread, once a second). A port
     * removed while dpdk-dumpcap captured on it stays open until then: DPDK's capture callbacks
     * can only be taken off by the dumpcap, and a port closed with them on would leave them to
     * the next port given its id, which would run them into the gone capture's memory.
     */
    synchronized void closeCapturedAway() {
        for (var it = capturedAway.iterator(); it.hasNext(); ) {
            Port p = it.next();
            if (!p.eth.captured()) {
                it.remove();
                dp.removePort(p.eth);
                if (p.cfg.type().equals(VHOST_USER)) {
                    deleteQuietly(p.cfg.path());
                }
                log(p.cfg.name() + ": the capture on " + p.eth.name + " stopped; device closed");
            }
        }
    }

    private void detach(Port p) {
        dp.removePort(p.eth);
        byId[p.eth.id] = null;
        if (p.cfg.type().equals(VHOST_USER)) {
            deleteQuietly(p.cfg.path());          // vhost's close unlinks it; this covers the rest
        }
    }

    /**
     * Builds every lcore's plan from the ports (VLAN roles, links, the tx queues their guests
     * enabled) and the rx assignment, publishes them and waits for every ack.
     *
     * <p>When a port's tx queue map changes (its guest enabled or disabled queues), the loops
     * pass plans in three steps, each acknowledged by every loop, so that no two lcores ever
     * send on one queue while one of them skips its lock, whichever plan each runs: (1) the old
     * queues, locking every queue that the old or the new map shares; (2) the new queues, same
     * locks; (3) the new queues, locking only what the new map shares. Between two adjacent
     * steps the lcores on a queue are a subset of its senders under either map, and all of them
     * lock it whenever that union has two.
     */
    private void publish() throws InterruptedException {
        Map<Integer, Integer> roles = new HashMap<>();
        Set<Integer> down = new HashSet<>();
        Map<Port, int[]> maps = new HashMap<>();
        boolean remapped = false;
        for (Port p : ports.values()) {
            roles.put(p.eth.id, p.cfg.vlan() == null ? PortSet.TRUNK : p.cfg.vlan());
            if (!p.up) {
                down.add(p.eth.id);
            }
            int[] m = txMap(p);
            maps.put(p, m);
            remapped |= p.txMap != null && !Arrays.equals(p.txMap, m);
        }
        PortSet set = PortSet.of(EthPort.MAX_PORTS, roles, down);
        if (remapped) {
            publishPlans(set, maps, true, true);
            publishPlans(set, maps, false, true);
        }
        publishPlans(set, maps, false, false);
        for (Map.Entry<Port, int[]> e : maps.entrySet()) {
            e.getKey().txMap = e.getValue();
        }
    }

    /** One step of {@link #publish}: each port's old ({@code oldQueues}) or new queue map, with the union's locks or the map's own. */
    private void publishPlans(PortSet set, Map<Port, int[]> maps, boolean oldQueues, boolean unionLocks)
            throws InterruptedException {
        long gen = ++generation;
        int n = loops.size();
        for (int l = 0; l < n; l++) {
            int[] txq = new int[EthPort.MAX_PORTS];
            TxLock[] locks = new TxLock[EthPort.MAX_PORTS];
            for (Map.Entry<Port, int[]> e : maps.entrySet()) {
                Port p = e.getKey();
                int[] now = e.getValue();
                int[] old = p.txMap != null ? p.txMap : now;
                int[] use = oldQueues ? old : now;
                int q = use[l];
                txq[p.eth.id] = q;
                boolean shared = TxQueueMap.shared(use, l);
                if (unionLocks && q >= 0) {
                    for (int k = 0; k < n && !shared; k++) {
                        shared = k != l && (old[k] == q || now[k] == q);
                    }
                }
                locks[p.eth.id] = shared ? p.txLocks[q] : null;
            }
            loops.get(l).publish(new SwitchLoop.Plan(gen, rx.ports(l), rx.queues(l), set, txq, locks));
        }
        for (SwitchLoop l : loops) {
            if (!l.awaitPlan(gen, ACK_TIMEOUT_NANOS)) {
                throw new IllegalStateException("poll loop on CPU " + l.cpu() + " did not take plan " + gen + " within "
                        + ACK_TIMEOUT_NANOS / 1_000_000_000L + " s");
            }
        }
    }

    /**
     * The tx queue each lcore sends on for {@code p}: its own on a port that is not vhost; on a
     * vhost port, the queues its guest enabled (the guest's rx rings), remapped
     * ({@link TxQueueMap}); its own while the guest has said nothing of its queues.
     */
    private int[] txMap(Port p) {
        int lcores = loops.size();
        boolean[] enabled = new boolean[p.txQueues];
        boolean known = false;
        if (p.cfg.vhost()) {
            for (int q = 0; q < p.txQueues; q++) {
                Boolean e = PortEvents.queueEnabled(p.eth.id, false, q);
                known |= e != null;
                enabled[q] = e != null && e;
            }
        }
        if (!known) {
            Arrays.fill(enabled, 0, Math.min(lcores, p.txQueues), true);
        }
        return TxQueueMap.remap(lcores, enabled);
    }

    // ------------------------------------------------------------------ port events (link, queues)

    /**
     * Starts the control side of port events: DPDK's event thread only queues them (the
     * listener never blocks), this thread acts on them under the node's monitor, as port.add
     * and port.del do.
     */
    private Thread startEvents() {
        PortEvents.listen(new PortEvents.Listener() {
            @Override
            public void linkChanged(int port) {
                events.offer(new PortEvent(port, true));
            }

            @Override
            public void queuesChanged(int port) {
                events.offer(new PortEvent(port, false));
            }
        });
        return Thread.ofPlatform().daemon().name("port-events").start(() -> {
            try {
                while (true) {
                    PortEvent ev = events.take();
                    try {
                        onPortEvent(ev);
                    } catch (RuntimeException e) {
                        log("port event of port " + ev.port() + " failed (a bug): " + e);
                    }
                }
            } catch (InterruptedException e) {
                // stopping
            }
        });
    }

    private void stopEvents(Thread t) throws InterruptedException {
        PortEvents.listen(null);
        if (t != null) {
            t.interrupt();
            t.join(5000);
        }
    }

    /**
     * A link change: a guest gone (link down) is marked down in the plans (frames for it are
     * freed and counted, drop_link_down), then its MACs leave the table; a guest back (link
     * up) is marked up and learned again from its first frame. A queue change: the lcores'
     * tx queues follow what the guest enabled. One log line per change, once the loops run it.
     */
    private synchronized void onPortEvent(PortEvent ev) throws InterruptedException {
        Port p = byId[ev.port()];
        if (p == null) {
            return;                                            // removed meanwhile
        }
        String name = p.cfg.name();
        if (!p.cfg.vhost()) {
            if (ev.link()) {
                log(PortEvents.linkLine(name, false, p.eth.linkUp()));
            }
            return;
        }
        if (ev.link()) {
            boolean now = p.eth.linkUp();
            if (p.up && !now) {
                p.up = false;
                publish();                                     // the loops stop offering it frames
                int flushed = table.flush(p.eth.id);           // then its MACs go: no loop re-learns them
                log(PortEvents.linkLine(name, true, false) + ", " + flushed + " MAC" + (flushed == 1 ? "" : "s")
                        + " flushed");
            } else if (!p.up && now) {
                p.up = true;
                publish();
                log(PortEvents.linkLine(name, true, true) + txLine(p, false));
            } else if (!now) {
                log(PortEvents.linkLine(name, true, false));   // a guest that came and went before we looked
                table.flush(p.eth.id);
            }
            return;
        }
        int[] before = p.txMap;
        publish();
        if (p.up && !Arrays.equals(before, p.txMap)) {
            log(name + ":" + txLine(p, true).substring(1));
        }
    }

    /** ", lcores send on tx queues 0,0 (the guest enabled 0)" when an lcore does not send on its own queue (or {@code always}); "" otherwise. */
    private String txLine(Port p, boolean always) {
        int[] m = p.txMap;
        boolean own = true;
        for (int l = 0; l < m.length; l++) {
            own &= m[l] == l;
        }
        if (own && !always) {
            return "";
        }
        StringBuilder b = new StringBuilder(", lcores send on tx queues");
        for (int l = 0; l < m.length; l++) {
            b.append(l == 0 ? " " : ",").append(m[l] < 0 ? "none" : Integer.toString(m[l]));
        }
        b.append(" (the guest enabled ").append(enabledTx(p)).append(")");
        return b.toString();
    }

    /** The tx queues the guest of {@code p} enabled, as "0,2" or "none". */
    private static String enabledTx(Port p) {
        StringBuilder b = new StringBuilder();
        for (int q = 0; q < p.txQueues; q++) {
            if (Boolean.TRUE.equals(PortEvents.queueEnabled(p.eth.id, false, q))) {
                b.append(b.isEmpty() ? "" : ",").append(q);
            }
        }
        return b.isEmpty() ? "none" : b.toString();
    }

    /** The tx queue lcore {@code lcore} sends on to {@code p} ({@link TxQueueMap#NONE}: none), and whether it shares it. */
    public synchronized int txQueueOf(Port p, int lcore) {
        return p.txMap == null ? lcore : p.txMap[lcore];
    }

    /** Whether lcore {@code lcore} shares its tx queue of {@code p} with another lcore. */
    public synchronized boolean txShared(Port p, int lcore) {
        return p.txMap != null && TxQueueMap.shared(p.txMap, lcore);
    }

    /** One line on a failed poll loop: where it was, what it threw (and from where), what happens now. */
    private String failureLine(SwitchLoop l) {
        Throwable t = l.failure();
        SwitchLoop.Where w = l.where();
        String at = "";
        if (w != null && w.port() >= 0) {
            String name = nameOf(w.port());
            String port = (name != null ? name + " (port " + w.port() + ")" : "port " + w.port());
            at = switch (w.phase()) {
                case SwitchLoop.Where.RECEIVING -> " receiving from " + port + " rx queue " + w.queue();
                case SwitchLoop.Where.SWITCHING -> " switching a burst from " + port + " rx queue " + w.queue();
                default -> " sending to " + port + " tx queue " + w.queue();
            };
        }
        StackTraceElement[] st = t.getStackTrace();
        return "poll loop on CPU " + l.cpu() + " failed" + at + ": " + t + (st.length > 0 ? " at " + st[0] : "")
                + "; the switch stopped (every loop, every port)";
    }

    private static boolean isDeviceName(String name) {
        return name.matches("(net_vhost|net_tap|net_af_packet)[0-9]+");
    }

    private String newDeviceName(String type) {
        String driver = switch (type) {
            case VHOST_USER, VHOST_USER_CLIENT -> "net_vhost";
            case TAP -> "net_tap";
            default -> "net_af_packet";
        };
        while (true) {
            String d = driver + "_vs" + nextDevice++;
            boolean used = ports.values().stream().anyMatch(p -> p.device.equals(d));
            if (!used) {
                return d;
            }
        }
    }

    private String deviceArgs(PortConfig pc) {
        if (pc.vhost()) {
            Vdev given = cfg.vdevs().stream().filter(v -> v.name().equals(pc.name())).findFirst().orElse(null);
            if (given != null) {
                return given.spec().substring(given.spec().indexOf(',') + 1);
            }
            return "iface=" + pc.path() + ",queues=" + pc.queues() + (pc.type().equals(VHOST_USER_CLIENT) ? ",client=1"
                    : "");
        }
        Vdev given = cfg.vdevs().stream().filter(v -> v.name().equals(pc.name())).findFirst().orElse(null);
        if (given != null) {
            return given.spec().contains(",") ? given.spec().substring(given.spec().indexOf(',') + 1) : "";
        }
        if (pc.type().equals(TAP)) {
            return "iface=" + pc.iface() + (pc.mac() != null ? ",mac=" + pc.mac() : "");
        }
        return "iface=" + pc.iface() + ",qpairs=" + Math.max(pc.queues(), loops.size());
    }

    private static void deleteQuietly(String path) {
        try {
            Files.deleteIfExists(Path.of(path));
        } catch (IOException ignored) {
            // best effort
        }
    }

    // ------------------------------------------------------------------ views, for stats and the control socket

    /** The ports, in the order they were added. */
    public synchronized List<Port> ports() {
        return List.copyOf(ports.values());
    }

    /** The port named {@code name}, or a {@link PortRefused} NO_SUCH_PORT. */
    public synchronized Port port(String name) {
        Port p = ports.get(name);
        if (p == null) {
            throw new PortRefused(PortRefused.Reason.NO_SUCH_PORT, "no port named " + name);
        }
        return p;
    }

    /** The name of port id {@code id}, or null. */
    public String nameOf(int id) {
        Port p = id >= 0 && id < byId.length ? byId[id] : null;
        return p == null ? null : p.cfg.name();
    }

    private long rawCounter(int id, int kind) {
        long n = 0;
        for (SwitchLoop l : loops) {
            n += l.counters().get(id, kind);
        }
        return n;
    }

    /** A counter of {@code p} ({@link PortCounters} kind), summed over the lcores, since the port was added. */
    public long counter(Port p, int kind) {
        return rawCounter(p.eth.id, kind) - p.baseline[kind];
    }

    /** The lcore polling rx queue {@code queue} of {@code p}, or -1. */
    public synchronized int lcoreOf(Port p, int queue) {
        return rx.lcoreOf(p.eth.id, queue);
    }

    public int cpuOf(int lcore) {
        return cfg.cpus()[lcore];
    }

    public List<SwitchLoop> loops() {
        return List.copyOf(loops);
    }

    public MacTable table() {
        return table;
    }

    public Mempool pool() {
        return pool;
    }

    /** Empties the MAC table, or the entries of one port; returns how many went. */
    public synchronized int flushFdb(String portName) {
        return table.flush(portName == null ? -1 : port(portName).eth.id);
    }

    private void dumpFdbOnSignal() {
        try {
            String json = FdbDump.json(table, System.nanoTime(), this::nameOf);
            Path file = cfg.fdbJson();
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
