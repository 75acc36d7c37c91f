package io.vswitch.bench.jmh;

import io.vswitch.gen.RxAccounting;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * HdrHistogram {@code recordValue} as the generator's RX side uses it (1 ns .. 10 s, 3
 * significant digits), ns per recorded value, over latencies spread across 2..52 us so the
 * bucket index varies as in a real run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class HistogramBench {
    private final long[] latencies = new long[1024];
    private Histogram histogram;
    private int next;

    @Setup
    public void setup() {
        histogram = new Histogram(1, RxAccounting.MAX_LATENCY_NS, 3);
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < latencies.length; i++) latencies[i] = 2_000 + r.nextLong(50_000);
    }

    /** 32 records (a burst's worth). */
    @Benchmark
    @OperationsPerInvocation(Frames.BURST)
    public void recordValue() {
        int base = next;
        for (int i = 0; i < Frames.BURST; i++) histogram.recordValue(latencies[(base + i) & 0x3FF]);
        next = (base + Frames.BURST) & 0x3FF;
    }
}
