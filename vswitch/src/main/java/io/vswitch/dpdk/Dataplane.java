package io.vswitch.dpdk;

import io.vswitch.datapath.LcoreList;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The init ladder every program climbs (after DPDK's skeleton example), in one place: the
 * reflector, the switch node and the generator differ only in what they put on it.
 *
 * <pre>
 *  checkCpus ─► ealArgs ─► open (rte_eal_init, rte_pdump_init) ─► createPool ─► per port: startPort (configure, descriptors,
 *  rx/tx queues, events, start) ... removePort (events off, stop, close, detach)
 *  close: every port still open stopped and closed ─► pool freed ─► rte_pdump_uninit ─► rte_eal_cleanup
 * </pre>
 *
 * Each rung checks its result and fails with a {@link DpdkException} naming the fix; close
 * undoes whatever was done, in reverse, however far the ladder got, so a program writes
 * {@code try (Dataplane dp = Dataplane.open(args)) { ... }} and leaves nothing behind.
 */
public final class Dataplane implements AutoCloseable {
    /**
     * What the EAL arguments are made of.
     *
     * @param program     argv[0]
     * @param loopCpus    the poll loops' CPUs (the control thread gets the others, when there are)
     * @param loopLcores  also map EAL worker lcores 1..n to {@code loopCpus} (loops launched by EAL)
     * @param filePrefix  --file-prefix: each DPDK process needs its own
     * @param noHuge      --no-huge -m {@code memoryMb}
     * @param vdevs       --vdev arguments (empty for devices hot-plugged later)
     * @param sharedMemory a virtio-user frontend: with hugepages, --single-file-segments (vhost-user
     *                    maps the memory by fd, 8 regions at most)
     * @param extra       anything else, after ours
     */
    public record EalOptions(String program, int[] loopCpus, boolean loopLcores, String filePrefix, boolean noHuge,
                             int memoryMb, List<String> vdevs, boolean sharedMemory, List<String> extra) {}

    /**
     * How one port is brought up.
     *
     * @param rxQueues  rx queues
     * @param txQueues  tx queues
     * @param rss       RSS hash types asked for with several rx queues (clipped to the device)
     * @param rxd       rx descriptors asked for (adjusted to the device)
     * @param txd       tx descriptors asked for (adjusted to the device)
     * @param eagerFreeBurst 0: the driver's tx_free_thresh; else free sent mbufs within two bursts
     *                  of this size on virtio ({@link #eagerTxFreeThreshold})
     */
    public record PortSetup(int rxQueues, int txQueues, long rss, int rxd, int txd, int eagerFreeBurst) {}

    /** A started port and what it got: descriptors after adjustment, RSS hash types configured. */
    public record Started(EthPort port, int rxd, int txd, long rss) {}

    private final List<EthPort> ports = new ArrayList<>();
    private final List<Mempool> pools = new ArrayList<>();

    private Dataplane() {}

    /** The first rung, before DPDK: every loop CPU is one this process may use; returns the allowed CPUs. */
    public static List<Integer> checkCpus(int[] cpus) {
        List<Integer> allowed = Lcore.allowedCpus();
        for (int c : cpus) {
            if (!allowed.contains(c)) {
                throw new DpdkException(DpdkException.Kind.LCORE, "--lcores: CPU " + c + " is not available; this"
                        + " process may use CPUs " + LcoreList.format(allowed.stream().mapToInt(Integer::intValue)
                        .toArray()));
            }
        }
        return allowed;
    }

    /** The EAL arguments: the control thread on the CPUs the loops leave (all of them when none is left). */
    public static List<String> ealArgs(EalOptions o, List<Integer> allowed) {
        List<Integer> control = new ArrayList<>(allowed);
        for (int c : o.loopCpus()) {
            control.remove(Integer.valueOf(c));
        }
        if (control.isEmpty()) {
            control = allowed;
        }
        StringBuilder lcores = new StringBuilder("0@(" + LcoreList.format(control.stream().mapToInt(Integer::intValue)
                .toArray()) + ")");
        if (o.loopLcores()) {
            for (int i = 0; i < o.loopCpus().length; i++) {
                lcores.append(',').append(i + 1).append('@').append(o.loopCpus()[i]);
            }
        }
        List<String> a = new ArrayList<>(List.of(o.program(), "--lcores", lcores.toString(), "--file-prefix",
                o.filePrefix()));
        if (o.noHuge()) {
            a.addAll(List.of("--no-huge", "-m", Integer.toString(o.memoryMb())));   // memfd-backed: vhost can map it
        } else if (o.sharedMemory() && !o.extra().contains("--single-file-segments")) {
            a.add("--single-file-segments");
        }
        boolean pci = o.extra().stream().anyMatch(s -> s.equals("-a") || s.startsWith("--allow") || s.equals("-b")
                || s.startsWith("--block"));
        if (!pci) {
            a.add("--no-pci");
        }
        for (String v : o.vdevs()) {
            a.add("--vdev");
            a.add(v);
        }
        a.addAll(o.extra());
        return a;
    }

    /**
     * Before EAL: the runtime directory of {@code --file-prefix}. A running DPDK primary holds a
     * write lock (fcntl) on its {@code config} file; when the file is there and unlocked, the process
     * that made it is gone (SIGKILL, a crash) and EAL will take the directory over: returns a note
     * saying so, or null when there is nothing to take over. A live owner is a one-line error now,
     * rather than EAL's "Cannot create lock" deep in its log.
     */
    public static String checkRuntimeDir(String filePrefix) {
        Path config = runtimeDir(filePrefix).resolve("config");
        if (!Files.exists(config)) {
            return null;
        }
        try (FileChannel ch = FileChannel.open(config, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock lock = ch.tryLock();                  // fcntl(F_SETLK), the lock EAL's primary holds
            if (lock == null) {
                throw new DpdkException(DpdkException.Kind.EAL, "another DPDK process is running with --file-prefix "
                        + filePrefix + " (it holds " + config + "): stop it, or give this one another --file-prefix");
            }
            lock.release();                                // closing the channel would drop it anyway
        } catch (OverlappingFileLockException e) {
            throw new IllegalStateException("this process holds " + config + " already", e);
        } catch (IOException e) {
            return null;                                   // EAL will say what is wrong with it
        }
        return "taking over the DPDK runtime directory " + config.getParent() + " of a process that is gone";
    }

    /** Where EAL keeps the runtime files of {@code filePrefix} (rte_eal_get_runtime_dir). */
    static Path runtimeDir(String filePrefix) {
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        boolean root = "root".equals(System.getProperty("user.name"));
        Path base = root ? Path.of("/var/run/dpdk") : Path.of(xdg != null ? xdg : "/tmp", "dpdk");
        return base.resolve(filePrefix);
    }

    /**
     * rte_eal_init: the ladder's DPDK part starts here; then the packet capture framework
     * (rte_pdump_init, as testpmd does; {@link Pdump#note} says how to capture, or why not).
     */
    public static Dataplane open(List<String> ealArgs) {
        Eal.init(ealArgs);
        Pdump.init(ealArgs);
        return new Dataplane();
    }

    /** An mbuf pool of {@code n} mbufs of 2048 B data (plus headroom), freed by {@link #close}. */
    public Mempool createPool(String name, int n, int cache) {
        Mempool p = Mempool.create(name, n, Math.min(cache, 512), 2048 + 128, 0);
        pools.add(p);
        return p;
    }

    /**
     * Configures and starts {@code port}: queues, descriptors, RSS, events logged as
     * {@code name}. On failure the port is stopped and closed before the exception goes on.
     */
    public Started startPort(EthPort port, String name, PortSetup s, Mempool pool, Consumer<String> log) {
        ports.add(port);
        long rss = port.configure(s.rxQueues(), s.txQueues(), s.rss());
        int[] desc = port.adjustDescriptors(s.rxd(), s.txd());
        int txFree = s.eagerFreeBurst() > 0 ? eagerTxFreeThreshold(port.info().driver(), desc[1], s.eagerFreeBurst()) : 0;
        for (int q = 0; q < s.rxQueues(); q++) {
            port.setupRxQueue(q, desc[0], pool);
        }
        for (int q = 0; q < s.txQueues(); q++) {
            port.setupTxQueue(q, desc[1], txFree);
        }
        PortEvents.watch(port, name, log);
        port.start();
        return new Started(port, desc[0], desc[1], rss);
    }

    /** Takes a port out: events off, stop, close, and for a vdev, the device removed (a vhost socket with it). */
    public void removePort(EthPort port) {
        if (ports.remove(port)) {
            PortEvents.unwatch(port);
            port.detach();
        }
    }

    /**
     * The {@code tx_free_thresh} that makes virtio free sent mbufs within two bursts (at least
     * 32 descriptors) of sending them, or 0 to keep the driver's default. By default virtio
     * frees them only when fewer than 32 descriptors are free, so with a 1024-entry ring about
     * 990 sent mbufs sit on the TX ring and each comes back to the pool cold (the generator
     * measured 11.48 Mpps best with the default, 12.83 eager; bench/README.md).
     */
    public static int eagerTxFreeThreshold(String driver, int txDesc, int burst) {
        if (!driver.contains("virtio")) {
            return 0;
        }
        int keep = Math.max(2 * burst, 32);
        return txDesc - keep >= keep ? txDesc - keep : 0;
    }

    /** Ports still open, in the order they were started. */
    public List<EthPort> ports() {
        return List.copyOf(ports);
    }

    /** Stops and closes every port still open, last started first (a vhost server port removes its socket). */
    public void closePorts() {
        for (int i = ports.size() - 1; i >= 0; i--) {
            EthPort p = ports.get(i);
            PortEvents.unwatch(p);
            p.stop();
            p.close();
        }
        ports.clear();
    }

    /** Stops and closes every port still open, frees the pools, cleans EAL up; safe after a failed rung. */
    @Override
    public void close() {
        try {
            closePorts();
            for (Mempool p : pools) {
                p.free();
            }
            pools.clear();
        } finally {
            Pdump.uninit();
            Eal.cleanup();           // whatever failed above: EAL's threads and runtime files go
        }
    }
}
