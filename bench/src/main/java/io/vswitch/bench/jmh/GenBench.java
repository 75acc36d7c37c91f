package io.vswitch.bench.jmh;

import io.vswitch.gen.FrameTemplate;
import io.vswitch.dpdk.Mbufs;
import io.vswitch.gen.RxAccounting;
import io.vswitch.gen.SizeMix;
import io.vswitch.gen.TxStream;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-packet cost of the generator's hot path, ns per packet over bursts of 32:
 * what the loop runs, burst by burst over mbuf headers ({@link TxStream#fill}, and fill followed
 * by {@link RxAccounting#onBurst}), and {@code txStreamFillByFrame}, fill's general path (several
 * flows or an IMIX) as it was, {@link TxStream#next} per mbuf, to A/B against {@code txStreamFill}
 * in one run; the per-frame methods for comparison (building a frame with
 * {@link TxStream#next}: template copy + stamp; stamping an already built one with
 * {@link FrameTemplate#stamp}; next followed by the general {@link RxAccounting#onFrame}). The
 * bare histogram record is {@link HistogramBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class GenBench {
    /** A made-up 2 GHz TSC: only the tick-to-ns conversion depends on it. */
    static final long TSC_HZ = 2_000_000_000L;

    /** A frame size in bytes (FCS included), or {@code imix} (7:4:1 of 64, 576, 1500 B). */
    @Param({"64", "1518", "imix"})
    String size;

    /** 1: the generator's default (the fill loop copies and stores sequence and timestamp); 1024: flowgen's. */
    @Param({"1", "1024"})
    int flows;

    private Frames f;
    private TxStream tx;
    private FrameTemplate template;
    private RxAccounting rx;
    private long tsc = 1_000_000;
    private long seq;
    private int flow;

    @Setup
    public void setup() {
        SizeMix mix = size.equals("imix") ? SizeMix.IMIX : SizeMix.fixed(Integer.parseInt(size));
        f = new Frames(mix);
        tx = Frames.stream(mix, flows);
        template = new FrameTemplate(mix.sizes()[0], 0, Frames.SRC_MAC, Frames.DST_MAC, flows());
        rx = new RxAccounting(0, TSC_HZ);
    }

    private static io.vswitch.gen.FlowTable flows() {
        return new io.vswitch.gen.FlowTable(1024, io.vswitch.gen.FlowTable.DEFAULT_SRC_IP, io.vswitch.gen.FlowTable.DEFAULT_DST_IP,
                io.vswitch.gen.FlowTable.DEFAULT_SRC_PORT, io.vswitch.gen.FlowTable.DEFAULT_DST_PORT);
    }

    @TearDown
    public void tearDown() {
        f.close();
    }

    /** Full frame build: template copy plus stamp, sequence and flow bookkeeping. */
    @Benchmark
    @OperationsPerInvocation(Frames.BURST)
    public int txStreamNext() {
        long t = tsc += 1000;
        int len = 0;
        for (int i = 0; i < Frames.BURST; i++) len += tx.next(Frames.ALL, f.addrs[i], t);
        return len;
    }

    /** What the TX loop runs: one burst of frames into mbufs. */
    @Benchmark
    @OperationsPerInvocation(Frames.BURST)
    public void txStreamFill() {
        tx.fill(f.burst, Frames.BURST, tsc += 1000);
    }

    /**
     * {@link TxStream#fill}'s general path (several flows or sizes) as it was before it got its
     * own loop: {@link TxStream#next} per mbuf. Kept to A/B the two in one run.
     */
    @Benchmark
    @OperationsPerInvocation(Frames.BURST)
    public void txStreamFillByFrame() {
        long t = tsc += 1000;
        long pkts = f.burst;
        for (int i = 0; i < Frames.BURST; i++) {
            long m = Mbufs.ALL.get(Mbufs.U64, pkts + 8L * i);
            Mbufs.setLen(m, tx.next(Mbufs.ALL, Mbufs.data(m), t));
        }
    }

    /** What the loop runs per burst: fill, then account the burst as received 5 us later. */
    @Benchmark
    @OperationsPerInvocation(Frames.BURST)
    public void txFillThenRxOnBurst() {
        long t = tsc += 1000;
        tx.fill(f.burst, Frames.BURST, t);
        rx.onBurst(f.burst, Frames.BURST, t + 10_000);
    }

    /** Only the per-packet fields of an already built frame. */
    @Benchmark
    @OperationsPerInvocation(Frames.BURST)
    public void frameTemplateStamp() {
        long t = tsc += 1000;
        int fl = flow;
        for (int i = 0; i < Frames.BURST; i++) {
            template.stamp(Frames.ALL, f.addrs[i], fl, seq++, t);
            if (++fl == 1024) fl = 0;
        }
        flow = fl;
    }

    /** Build a frame, then account it as received 5 us later (latency into the histogram). */
    @Benchmark
    @OperationsPerInvocation(Frames.BURST)
    public void txThenRxOnFrame() {
        long t = tsc += 1000;
        for (int i = 0; i < Frames.BURST; i++) {
            int len = tx.next(Frames.ALL, f.addrs[i], t);
            rx.onFrame(Frames.ALL, f.addrs[i], len, t + 10_000);
        }
    }
}
