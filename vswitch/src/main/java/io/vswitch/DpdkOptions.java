package io.vswitch;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The DPDK options every program takes (a picocli mixin): burst and ring sizes, the mbuf
 * pool, EAL memory and file prefix, and EAL arguments passed through ({@code --eal "..."}
 * or after {@code --}). One place for their names, help and range checks.
 */
public final class DpdkOptions {
    @Option(names = "--burst", defaultValue = "32", description = "Packets per rx/tx burst (1-512). Default: ${DEFAULT-VALUE}")
    public int burst;

    @Option(names = "--rxd", defaultValue = "1024", description = "Rx descriptors per queue (clipped to the device). Default: ${DEFAULT-VALUE}")
    public int rxd;

    @Option(names = "--txd", defaultValue = "1024", description = "Tx descriptors per queue (clipped to the device). Default: ${DEFAULT-VALUE}")
    public int txd;

    @Option(names = "--mbufs", description = "Mbuf pool size (default: sized from ports x queues x descriptors)")
    public Integer mbufs;

    @Option(names = "--mbuf-cache", defaultValue = "256", description = "Per-lcore mempool cache. Default: ${DEFAULT-VALUE}")
    public int mbufCache;

    @Option(names = "--file-prefix", paramLabel = "NAME", description = "EAL runtime file prefix (default: the program's name)")
    String filePrefix;

    @Option(names = "--no-huge", description = "Use anonymous (memfd) memory instead of hugepages (with -m)")
    public boolean noHuge;

    @Option(names = "-m", paramLabel = "MB", description = "Memory in MB (with --no-huge; default 512)")
    Integer memoryMb;

    @Option(names = "--eal", paramLabel = "ARGS", description = "More EAL arguments, e.g. --eal \"--log-level=pmd.net.vhost:debug\"")
    String eal;

    @Parameters(paramLabel = "EAL_ARG", description = "After --: passed to EAL as they are")
    List<String> ealTail = new ArrayList<>();

    /** Range checks; a bad value is a {@link UserError} with exit code 2. */
    public void validate() {
        if (burst < 1 || burst > 512) {
            throw new UserError(ExitCode.USAGE, "--burst " + burst + ": must be 1..512");
        }
        if (rxd < 32 || rxd > 32768 || txd < 32 || txd > 32768) {
            throw new UserError(ExitCode.USAGE, "--rxd/--txd must be 32..32768");
        }
        if (memoryMb != null && !noHuge) {
            throw new UserError(ExitCode.USAGE, "-m goes with --no-huge (with hugepages EAL takes memory as needed)");
        }
    }

    /** The file prefix given, or the program's default. */
    public String filePrefix(String programDefault) {
        return filePrefix != null ? filePrefix : programDefault;
    }

    /** MB of memory with --no-huge (default 512). */
    public int memoryMb() {
        return memoryMb == null ? 512 : memoryMb;
    }

    /**
     * EAL's log levels unless the user asks for more: notices, warnings and errors (EAL's start-up
     * chatter and vhost's per-socket lines are noise next to the program's own log, and an error's
     * explanation is logged at ERR anyway). Type patterns rather than a global level, so that a
     * later {@code --log-level=pmd.net.vhost:debug} still works; lib.telemetry first, because a
     * type registered during init takes the first pattern it matches.
     */
    public static final List<String> QUIET_EAL_LOG = List.of("--log-level=lib.telemetry:error", "--log-level=*:notice");

    /**
     * {@link #ealExtra()} after {@link #QUIET_EAL_LOG}, unless {@code verbose} or the user set a
     * {@code --log-level} of their own (then EAL logs as they say).
     */
    public List<String> ealExtra(boolean verbose) {
        List<String> extra = ealExtra();
        if (verbose || extra.stream().anyMatch(s -> s.startsWith("--log-level"))) {
            return extra;
        }
        List<String> all = new ArrayList<>(QUIET_EAL_LOG);
        all.addAll(extra);
        return all;
    }

    /** EAL arguments from --eal (split on white space) followed by those after --. */
    public List<String> ealExtra() {
        List<String> extra = new ArrayList<>();
        if (eal != null && !eal.isBlank()) {
            extra.addAll(List.of(eal.trim().split("\\s+")));
        }
        extra.addAll(ealTail);
        return extra;
    }
}
