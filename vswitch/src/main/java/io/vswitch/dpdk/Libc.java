package io.vswitch.dpdk;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The few libc calls vswitch needs that DPDK does not wrap: thread ids and CPU affinity
 * (of this thread, or of any thread by tid, which the VM helper uses for vCPU threads).
 */
public final class Libc {
    private Libc() {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle GETTID = LINKER.downcallHandle(
            LINKER.defaultLookup().find("gettid").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT));
    private static final MethodHandle SETAFFINITY = LINKER.downcallHandle(
            LINKER.defaultLookup().find("sched_setaffinity").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle GETAFFINITY = LINKER.downcallHandle(
            LINKER.defaultLookup().find("sched_getaffinity").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
            Linker.Option.captureCallState("errno"));
    private static final long ERRNO_OFFSET = Linker.Option.captureStateLayout()
            .byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    /** cpu_set_t is 1024 bits. */
    private static final int CPUSET_BYTES = 128;

    /** The kernel thread id of the calling thread. */
    public static int gettid() {
        try {
            return (int) GETTID.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Pins thread {@code tid} (0 = the calling thread) to exactly {@code cpus}; returns 0 or errno. */
    public static int setAffinity(int tid, List<Integer> cpus) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment set = a.allocate(CPUSET_BYTES);
            for (int cpu : cpus) {
                if (cpu < 0 || cpu >= CPUSET_BYTES * 8) {
                    return 22; // EINVAL
                }
                int idx = cpu / 8;
                set.set(ValueLayout.JAVA_BYTE, idx, (byte) (set.get(ValueLayout.JAVA_BYTE, idx) | (1 << (cpu % 8))));
            }
            MemorySegment state = a.allocate(Linker.Option.captureStateLayout());
            int rc = (int) SETAFFINITY.invokeExact(state, tid, (long) CPUSET_BYTES, set);
            return rc == 0 ? 0 : state.get(ValueLayout.JAVA_INT, ERRNO_OFFSET);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The CPUs thread {@code tid} (0 = the calling thread) may run on. */
    public static List<Integer> getAffinity(int tid) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment set = a.allocate(CPUSET_BYTES);
            MemorySegment state = a.allocate(Linker.Option.captureStateLayout());
            int rc = (int) GETAFFINITY.invokeExact(state, tid, (long) CPUSET_BYTES, set);
            if (rc != 0) {
                throw new IllegalStateException("sched_getaffinity(" + tid + ") failed: errno "
                        + state.get(ValueLayout.JAVA_INT, ERRNO_OFFSET));
            }
            List<Integer> cpus = new ArrayList<>();
            for (int cpu = 0; cpu < CPUSET_BYTES * 8; cpu++) {
                if ((set.get(ValueLayout.JAVA_BYTE, cpu / 8) >> (cpu % 8) & 1) != 0) {
                    cpus.add(cpu);
                }
            }
            return cpus;
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
