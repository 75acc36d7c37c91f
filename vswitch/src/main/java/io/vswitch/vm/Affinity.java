package io.vswitch.vm;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.BitSet;

/**
 * Thread CPU affinity through libc's {@code sched_setaffinity}/{@code sched_getaffinity}
 * (FFM downcalls, no JNI). Works on any thread id of any process the caller may
 * control (root, or same user), which is what pinning QEMU's vCPU threads needs.
 */
public final class Affinity {
    /** glibc's cpu_set_t: 1024 bits. */
    private static final long CPUSET_BYTES = 128;

    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SET;
    private static final MethodHandle GET;
    private static final MethodHandle STRERROR;

    static {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        var fd = FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS);
        var errno = Linker.Option.captureCallState("errno");
        SET = linker.downcallHandle(libc.find("sched_setaffinity").orElseThrow(), fd, errno);
        GET = linker.downcallHandle(libc.find("sched_getaffinity").orElseThrow(), fd, errno);
        STRERROR = linker.downcallHandle(libc.find("strerror").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    }

    private Affinity() {}

    /** Restricts thread {@code tid} (a Linux thread id) to exactly {@code cpus}. */
    public static void set(long tid, BitSet cpus) {
        if (cpus.isEmpty()) throw new IllegalArgumentException("empty CPU set for thread " + tid);
        if (cpus.length() > CPUSET_BYTES * 8) throw new IllegalArgumentException("CPU " + (cpus.length() - 1) + " beyond cpu_set_t");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment set = a.allocate(CPUSET_BYTES, 8);
            long[] words = cpus.toLongArray();
            for (int i = 0; i < words.length; i++) set.setAtIndex(ValueLayout.JAVA_LONG, i, words[i]);
            MemorySegment st = a.allocate(CAPTURE);
            int rc = (int) SET.invokeExact(st, (int) tid, CPUSET_BYTES, set);
            if (rc != 0) throw new IllegalStateException("sched_setaffinity(" + tid + ", " + cpus + "): " + err(st));
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The CPUs thread {@code tid} may run on. */
    public static BitSet get(long tid) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment set = a.allocate(CPUSET_BYTES, 8);
            MemorySegment st = a.allocate(CAPTURE);
            int rc = (int) GET.invokeExact(st, (int) tid, CPUSET_BYTES, set);
            if (rc < 0) throw new IllegalStateException("sched_getaffinity(" + tid + "): " + err(st));
            return BitSet.valueOf(set.toArray(ValueLayout.JAVA_LONG));
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static String err(MemorySegment st) throws Throwable {
        int e = (int) ERRNO.get(st, 0L);
        MemorySegment s = (MemorySegment) STRERROR.invokeExact(e);
        return s.reinterpret(256).getString(0) + " (errno " + e + ")";
    }

    /** "0-3,6" style list (as in /proc/PID/status Cpus_allowed_list) to a set. */
    public static BitSet parseList(String list) {
        BitSet b = new BitSet();
        for (String part : list.trim().split(",")) {
            if (part.isBlank()) continue;
            String[] r = part.split("-");
            int lo = Integer.parseInt(r[0].trim());
            int hi = r.length > 1 ? Integer.parseInt(r[1].trim()) : lo;
            b.set(lo, hi + 1);
        }
        return b;
    }
}
