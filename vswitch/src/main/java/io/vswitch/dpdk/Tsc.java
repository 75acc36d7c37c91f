package io.vswitch.dpdk;

import io.vswitch.bindings.generated.rte_eal_h;
import io.vswitch.bindings.generated.vsshim_h;

/**
 * The time stamp counter, as DPDK reads it: the clock of the generator's pacing, TX
 * timestamps and latencies. {@link #read} is one {@code rdtsc} through the shim's
 * {@code static final} handle linked with {@code Linker.Option.critical} (no thread-state
 * transition), so a loop may call it once per burst; C2 inlines this wrapper.
 */
public final class Tsc {
    private Tsc() {}

    /** The calling CPU's TSC (vs_rdtsc). TSCs of different CPUs need not agree (in a VM). */
    public static long read() {
        return vsshim_h.vs_rdtsc();
    }

    /** TSC ticks per second (rte_get_tsc_hz); needs the EAL. */
    public static long hz() {
        return rte_eal_h.rte_get_tsc_hz();
    }
}
