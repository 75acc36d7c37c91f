package io.vswitch.dpdk;

import static io.vswitch.bindings.generated.rte_eal_h.rte_eal_cleanup;
import static io.vswitch.bindings.generated.rte_eal_h.rte_eal_init;
import static io.vswitch.bindings.generated.rte_eal_h.rte_strerror;

import io.vswitch.bindings.generated.vsshim_h;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * DPDK's Environment Abstraction Layer: the first rung of every program's init ladder.
 *
 * <p>{@link #init} checks what EAL would otherwise fail on with a page of log lines
 * (hugepages reserved and mounted, unless {@code --no-huge}) and turns a failure into a
 * {@link DpdkException} that names the fix. EAL can be initialised once per process.
 */
public final class Eal {
    private static boolean initialised;
    /** The runtime directory EAL made for this process (removed by {@link #cleanup}), or null. */
    private static Path runtimeDir;
    private static List<String> initArgs = List.of();

    private Eal() {}

    /** rte_eal_init with {@code args} (argv[0] included). */
    public static synchronized void init(List<String> args) {
        if (initialised) {
            throw new IllegalStateException("EAL is already initialised in this process");
        }
        if (!args.contains("--no-huge")) {
            checkHugepages();
        }
        Arena arena = Arena.global(); // EAL keeps pointers into argv
        MemorySegment argv = arena.allocate(ValueLayout.ADDRESS, args.size() + 1);
        for (int i = 0; i < args.size(); i++) {
            argv.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(args.get(i)));
        }
        Path dir = primary(args) ? runtimeDir(args) : null;
        boolean existed = dir != null && Files.exists(dir);
        int rc = rte_eal_init(args.size(), argv);
        if (rc < 0) {
            int errno = vsshim_h.vs_errno();
            if (dir != null && !existed) {
                deleteTree(dir);       // ours, made by this failed init (an existing one may be another process's)
                deleteHugepageFiles(hugepageDirs(args), dir.getFileName().toString());
            }
            throw new DpdkException(DpdkException.Kind.EAL, "rte_eal_init failed: " + strerror(errno)
                    + " (the EAL lines above say which argument or resource; another DPDK process with the same"
                    + " --file-prefix? EAL arguments: " + String.join(" ", args.subList(1, args.size())) + ")");
        }
        initialised = true;
        runtimeDir = dir;
        initArgs = List.copyOf(args);
    }

    public static synchronized boolean initialised() {
        return initialised;
    }

    /** How long {@link #cleanup} waits for rte_eal_cleanup before it goes on without it. */
    static final long CLEANUP_WAIT_MS = 10_000;

    /**
     * rte_eal_cleanup; safe to call when init failed or never ran. It runs on a thread of its own
     * and is given {@link #CLEANUP_WAIT_MS}: a DPDK secondary process (dpdk-dumpcap) killed while
     * it held a lock in the shared memory (the memory hot-plug lock, taken while it maps our
     * memory) leaves that lock held, and rte_eal_cleanup would spin on it for ever, so the process
     * would never exit. Then one line says so and the program exits all the same (the thread is a
     * daemon; the runtime files are removed below either way).
     */
    public static synchronized void cleanup() {
        if (initialised) {
            Thread t = Thread.ofPlatform().daemon().name("eal-cleanup").start(() -> rte_eal_cleanup());
            try {
                if (!t.join(java.time.Duration.ofMillis(CLEANUP_WAIT_MS))) {
                    String program = initArgs.isEmpty() ? "vswitch" : initArgs.get(0);
                    System.err.println(program + ": DPDK's rte_eal_cleanup did not return in " + CLEANUP_WAIT_MS / 1000
                            + " s: a DPDK secondary process (dpdk-dumpcap?) was killed holding a lock in the shared"
                            + " memory; exiting without it");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            initialised = false;
            if (runtimeDir != null) {
                deleteTree(runtimeDir);  // EAL leaves it (config, mp socket, fbarrays); nobody needs it once we are gone
                deleteHugepageFiles(hugepageDirs(initArgs), runtimeDir.getFileName().toString());
                runtimeDir = null;
            }
        }
    }

    /** False for a secondary process (--proc-type secondary or auto): the runtime directory is the primary's. */
    static boolean primary(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String type = a.startsWith("--proc-type=") ? a.substring("--proc-type=".length())
                    : a.equals("--proc-type") && i + 1 < args.size() ? args.get(i + 1) : null;
            if (type != null && !type.equals("primary")) {
                return false;
            }
        }
        return true;
    }

    /**
     * Where EAL keeps its runtime files for these arguments ({@link Dataplane#runtimeDir}); the last
     * --file-prefix wins (default "rte").
     */
    static Path runtimeDir(List<String> args) {
        String prefix = "rte";
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.startsWith("--file-prefix=")) {
                prefix = a.substring("--file-prefix=".length());
            } else if (a.equals("--file-prefix") && i + 1 < args.size()) {
                prefix = args.get(i + 1);
            }
        }
        return Dataplane.runtimeDir(prefix);
    }

    /**
     * Where EAL puts hugepage files: --huge-dir, else every hugetlbfs mount ({@code /proc/mounts}).
     * None with --no-huge (memfd memory) or --in-memory.
     */
    static List<Path> hugepageDirs(List<String> args) {
        if (args.contains("--no-huge") || args.contains("--in-memory")) {
            return List.of();
        }
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).startsWith("--huge-dir=")) {
                return List.of(Path.of(args.get(i).substring("--huge-dir=".length())));
            }
            if (args.get(i).equals("--huge-dir") && i + 1 < args.size()) {
                return List.of(Path.of(args.get(i + 1)));
            }
        }
        try {
            return Files.readAllLines(Path.of("/proc/mounts")).stream().map(l -> l.split(" "))
                    .filter(f -> f.length > 2 && f[2].equals("hugetlbfs")).map(f -> Path.of(f[1])).distinct().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * Removes this prefix's hugepage files ({@code PREFIXmap_*}), which EAL keeps for secondary
     * processes: each holds its hugepage after we exit, until a process with the same prefix
     * starts again (free_hugepages shrinks by one per leftover file).
     */
    static void deleteHugepageFiles(List<Path> dirs, String prefix) {
        for (Path d : dirs) {
            try (var files = Files.newDirectoryStream(d, prefix + "map_[0-9]*")) {
                for (Path f : files) {
                    Files.deleteIfExists(f);
                }
            } catch (IOException | RuntimeException e) {
                // best effort, as EAL's own clean-up of stale files at the next start
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | RuntimeException e) {
            // best effort: EAL's leftovers do not stop the next start
        }
    }

    /** rte_strerror for a DPDK or libc errno. */
    public static String strerror(int errno) {
        int e = Math.abs(errno);
        return rte_strerror(e).reinterpret(512).getString(0) + " (errno " + e + ")";
    }

    /** The message for rte_errno of the calling thread. */
    public static String lastError() {
        return strerror(vsshim_h.vs_errno());
    }

    private static final Path HUGEPAGES_SYS = Path.of("/sys/kernel/mm/hugepages");

    /** Hugepages over every page size: reserved and free pages, and the free ones' size in kB. */
    private record Hugepages(long total, long free, long freeKb) {}

    /** Reads {@link #HUGEPAGES_SYS}: one directory per page size, {@code hugepages-2048kB/{nr,free}_hugepages}. */
    private static Hugepages hugepages() throws IOException {
        long total = 0;
        long free = 0;
        long freeKb = 0;
        try (var dirs = Files.list(HUGEPAGES_SYS)) {
            for (Path d : dirs.toList()) {
                String name = d.getFileName().toString();
                long pages = readLong(d.resolve("free_hugepages"));
                total += readLong(d.resolve("nr_hugepages"));
                free += pages;
                if (name.startsWith("hugepages-") && name.endsWith("kB")) {
                    freeKb += pages * Long.parseLong(name.substring("hugepages-".length(), name.length() - 2));
                }
            }
        } catch (NumberFormatException e) {
            throw new IOException("unexpected page size directory under " + HUGEPAGES_SYS + ": " + e.getMessage());
        }
        return new Hugepages(total, free, freeKb);
    }

    /** Free hugepage memory in MB, over every page size (0 when it cannot be read). */
    public static long freeHugepageMb() {
        try {
            return hugepages().freeKb() / 1024;
        } catch (IOException e) {
            return 0;
        }
    }

    /** Fails with a fix when no hugepages are reserved or hugetlbfs is not mounted. */
    static void checkHugepages() {
        long total;
        long free;
        try {
            Hugepages h = hugepages();
            total = h.total();
            free = h.free();
        } catch (IOException e) {
            throw new DpdkException(DpdkException.Kind.HUGEPAGES, "cannot read " + HUGEPAGES_SYS
                    + ": is this Linux with hugepage support?");
        }
        if (total == 0) {
            throw new DpdkException(DpdkException.Kind.HUGEPAGES, "no hugepages reserved: run `echo 1024 > /proc/sys/vm/nr_hugepages`"
                    + " as root (bin/setup does it), or pass --no-huge -m 512 for a small test");
        }
        if (free == 0) {
            throw new DpdkException(DpdkException.Kind.HUGEPAGES, "all " + total + " hugepages are in use (by other DPDK processes or VMs):"
                    + " reserve more (echo N > /proc/sys/vm/nr_hugepages), stop a process, or pass --no-huge -m 512");
        }
        String mounts;
        try {
            mounts = Files.readString(Path.of("/proc/mounts"));
        } catch (IOException e) {
            mounts = "";
        }
        if (!mounts.contains(" hugetlbfs ")) {
            throw new DpdkException(DpdkException.Kind.HUGEPAGES, "hugetlbfs is not mounted: run `mkdir -p /dev/hugepages &&"
                    + " mount -t hugetlbfs nodev /dev/hugepages` (bin/setup does it), or pass --no-huge -m 512");
        }
    }

    private static long readLong(Path p) {
        try {
            return Long.parseLong(Files.readString(p).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }
}
