package io.vswitch.dpdk;

import io.vswitch.bindings.generated.rte_eal_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;

/**
 * The alternative to Java poll threads ({@code --loop-threads eal}): each poll loop runs
 * inside an FFM upcall on an EAL worker lcore started with rte_eal_remote_launch, as a C
 * DPDK application's loops do. EAL pins the worker; the upcall attaches it to the JVM for
 * as long as the loop runs. Kept to measure the two against each other (bench/README.md).
 */
public final class EalLaunch {
    private EalLaunch() {}

    private static volatile List<LcoreLoop> loops = List.of();
    private static MemorySegment stub;

    /** Launches loop i on EAL lcore i + 1 (the EAL arguments map lcore i + 1 to the loop's CPU). */
    public static synchronized void launch(List<LcoreLoop> toRun) {
        loops = List.copyOf(toRun);
        if (stub == null) {
            try {
                stub = rte_eal_h.lcore_function_t$allocate(MethodHandles.lookup().findStatic(EalLaunch.class, "entry",
                        MethodType.methodType(int.class, MemorySegment.class)), Arena.global());
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }
        for (int i = 0; i < toRun.size(); i++) {
            int rc = rte_eal_h.rte_eal_remote_launch(stub, MemorySegment.ofAddress(i), i + 1);
            if (rc != 0) {
                throw new DpdkException(DpdkException.Kind.LCORE, "rte_eal_remote_launch on lcore " + (i + 1) + " failed: "
                        + Eal.strerror(rc));
            }
        }
    }

    /** Waits for every launched loop to return (after they were told to stop). */
    public static void await() {
        rte_eal_h.rte_eal_mp_wait_lcore();
    }

    @SuppressWarnings("unused") // upcall target
    private static int entry(MemorySegment arg) {
        loops.get((int) arg.address()).runOnEalLcore();
        return 0;
    }
}
