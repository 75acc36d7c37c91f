package io.vswitch.bench.jmh;

import io.vswitch.bindings.generated.vsshim_h;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Round trip of one FFM downcall into the shim, ns per call: what each rx/tx burst, free and
 * TSC read costs before the C side does any work. None of these needs the EAL:
 * {@code vs_rdtsc} is one rdtsc, {@code vs_lcore_id} reads a thread-local, and
 * {@code vs_pktmbuf_free_bulk(NULL, 0)} has the burst calls' shape (pointer + count) and
 * frees nothing. The generated bindings link them with {@code Linker.Option.critical(false)};
 * {@link #rdtscNotCritical} links the same symbol without it, to show what the option saves
 * (the thread-state transition).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class DowncallBench {
    static final MethodHandle RDTSC_NOT_CRITICAL = Linker.nativeLinker().downcallHandle(vsshim_h.vs_rdtsc$address(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG));

    /** {@code vs_rdtsc()}, critical. */
    @Benchmark
    public long rdtsc() {
        return vsshim_h.vs_rdtsc();
    }

    /** {@code vs_lcore_id()}, critical. */
    @Benchmark
    public int lcoreId() {
        return vsshim_h.vs_lcore_id();
    }

    /** {@code vs_pktmbuf_free_bulk(NULL, 0)}, critical: the burst-call shape, no work. */
    @Benchmark
    public void freeBulkEmpty() {
        vsshim_h.vs_pktmbuf_free_bulk(MemorySegment.NULL, 0);
    }

    /** {@code vs_rdtsc()} through a handle linked without {@code critical}. */
    @Benchmark
    public long rdtscNotCritical() throws Throwable {
        return (long) RDTSC_NOT_CRITICAL.invokeExact();
    }
}
