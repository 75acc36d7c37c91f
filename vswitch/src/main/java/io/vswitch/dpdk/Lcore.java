package io.vswitch.dpdk;

import io.vswitch.bindings.generated.rte_eal_h;
import io.vswitch.bindings.generated.vsshim_h;
import java.util.List;

/**
 * Turning the calling Java platform thread into a DPDK lcore: pin it to one CPU with
 * sched_setaffinity, then rte_thread_register() so it gets a real lcore id (per-lcore
 * mempool caches and rte_lcore_id() work as on an EAL worker), or, where secondary
 * processes (dpdk-dumpcap) must be able to attach, take the id of an EAL lcore that is
 * never launched ({@link #pinAndTake}: the switch).
 *
 * <p>Why Java threads rather than EAL workers launched with an upcall: the poll loop stays
 * an ordinary Java thread (named, visible to jcmd/JFR, per-thread allocation counters for
 * the zero-allocation test, no native frame below it), EAL needs only its main lcore, and
 * the alternative stays selectable ({@code --loop-threads eal}) so the two can be measured
 * against each other. Measured (bench/loop-threads-ab.sh, macswap, 64 B, testpmd flowgen guest,
 * 5 alternating starts): Java threads best 11.65 / median 10.05 Mpps, EAL lcores best 11.16 /
 * median 6.49 Mpps: the same peak, so nothing is lost by staying in Java.
 */
public final class Lcore {
    private Lcore() {}

    /** Pins the calling thread to {@code cpu} and registers it with EAL; returns its lcore id. */
    public static int pinAndRegister(int cpu) {
        int err = Libc.setAffinity(0, List.of(cpu));
        if (err != 0) {
            throw new DpdkException(DpdkException.Kind.LCORE, "cannot pin a poll thread to CPU " + cpu + " (errno " + err
                    + "): is the CPU online and in this process's cpuset (see `taskset -p $$`)?");
        }
        if (rte_eal_h.rte_thread_register() != 0) {
            throw new DpdkException(DpdkException.Kind.LCORE, "rte_thread_register failed for CPU " + cpu + ": " + Eal.lastError()
                    + " (more poll threads than free lcore ids?)");
        }
        return vsshim_h.vs_lcore_id();
    }

    public static void unregister() {
        rte_eal_h.rte_thread_unregister();
    }

    /**
     * Pins the calling thread to {@code cpu} and makes it EAL lcore {@code lcoreId}, which the EAL
     * arguments mapped to that CPU ({@code --lcores ...,N@cpu}) and which is never launched: its EAL
     * thread stays parked, this thread stands in for it (same per-lcore mempool cache slot, same
     * rte_lcore_id()). Unlike {@link #pinAndRegister}, this leaves DPDK's multi-process channel on:
     * rte_thread_register turns it off for good (rte_mp_disable: a secondary could be given the same
     * dynamic lcore id), so dpdk-dumpcap's secondary process would be refused ("Primary process
     * refused secondary attachment"). Returns the lcore id.
     */
    public static int pinAndTake(int cpu, int lcoreId) {
        // (rte_lcore_to_cpu_id cannot check the CPU: with --lcores N@cpu it reports N, not cpu)
        if (rte_eal_h.rte_lcore_is_enabled(lcoreId) == 0) {
            throw new IllegalStateException("EAL lcore " + lcoreId + " is not enabled (a bug: the EAL arguments must"
                    + " map loop lcores 1..n to the loops' CPUs)");
        }
        int err = Libc.setAffinity(0, List.of(cpu));
        if (err != 0) {
            throw new DpdkException(DpdkException.Kind.LCORE, "cannot pin a poll thread to CPU " + cpu + " (errno " + err
                    + "): is the CPU online and in this process's cpuset (see `taskset -p $$`)?");
        }
        vsshim_h.vs_lcore_take(lcoreId);
        return vsshim_h.vs_lcore_id();
    }

    /** Lets go of the lcore {@link #pinAndTake} took. */
    public static void release() {
        vsshim_h.vs_lcore_take(rte_eal_h.LCORE_ID_ANY);
    }

    /** CPUs this process may use. */
    public static List<Integer> allowedCpus() {
        return Libc.getAffinity(0);
    }
}
