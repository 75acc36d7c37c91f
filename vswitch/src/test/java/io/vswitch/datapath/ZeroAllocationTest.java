package io.vswitch.datapath;

import static io.vswitch.datapath.TestFrames.*;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The per-frame operations allocate nothing: run them over 10^6 and 2*10^6
 * frames on one thread and compare that thread's allocated-bytes counter
 * (HotSpot counts every TLAB and outside-TLAB allocation of the thread).
 * The forwarding path runs against a table that a source-MAC spray has
 * filled, so the learn-failure path is measured too. A warm-up pass first lets class loading, linkage of the VarHandles and
 * JIT compilation do their one-time allocation.
 */
class ZeroAllocationTest {
    static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Frames of every kind packed into one segment, as mbufs' data would be. */
    static final class Burst {
        final MemorySegment mem;
        final long[] addrs;
        final int[] lens;
        final int[] out = new int[32];

        Burst() {
            List<Frame> fs = List.of(ipv4(TCP, 0, 0, 6), ipv4(UDP, 0, 0, 18), ipv6(TCP, 10), ipv6(UDP, 3),
                    ipv4(TCP, 0, 0, 4, 0x8100, 100), ipv4(UDP, 0, 0, 9, 0x88A8, 10, 0x8100, 20), ipv4(ICMP, 0, 0, 32),
                    ipv4(TCP, 3, 0, 7));
            addrs = new long[32];
            lens = new int[32];
            byte[] buf = new byte[32 * 128];
            for (int i = 0; i < 32; i++) {
                Frame f = fs.get(i % fs.size());
                addrs[i] = 128L * i + (i & 3);
                lens[i] = i == 31 ? 40 : f.len();                          // one truncated frame
                System.arraycopy(f.bytes(), 0, buf, (int) addrs[i], f.len());
            }
            mem = MemorySegment.ofArray(buf);
        }
    }

    /** One "frame" of work per iteration: a swap, a forwarding decision and a table learn + lookup. */
    static long run(Burst b, Forwarding fwd, MacTable table, long frames, long now0) {
        long sink = 0;
        for (long n = 0; n < frames; n++) {
            int i = (int) (n & 31);
            long now = now0 + n * 100;                                    // 10 Mpps of simulated time
            if ((n & 1) == 0) {
                ReflectMode.fiveTupleSwap(b.mem, b.addrs[i], b.lens[i]);
            } else {
                ReflectMode.macswap(b.mem, b.addrs[i], b.lens[i]);
            }
            sink += fwd.decide((int) (n & 3), b.mem, b.addrs[i], b.lens[i], now);
            long mac = (n * 0x9E3779B97F4A7C15L) & 0xFEFFFFFFFFFFL;      // a source-MAC spray: fills, then fails
            sink += table.learn(mac, (int) (n & 7), (int) (n & 3), now);
            sink += table.lookup(mac ^ 1, (int) (n & 7), now);
            if (i == 31) {                                                // the burst helpers, once per 32
                ReflectMode.FIVE_TUPLE_SWAP.applyBurst(b.mem, b.addrs, b.lens, 32);
                fwd.decideBurst((int) (n & 3), b.mem, b.addrs, b.lens, 32, b.out, now);
                sink += b.out[7];
            }
        }
        return sink;
    }

    @Test
    void datapathAllocatesNothingPerFrame() throws Exception {
        AtomicReference<long[]> result = new AtomicReference<>();
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                Burst b = new Burst();
                MacTable table = new MacTable(4096, MacTable.DEFAULT_MAX_AGE_NANOS, 9);
                Forwarding fwd = new Forwarding(table, 4);
                long sink = 0;
                for (int w = 0; w < 5; w++) {                             // warm-up: interpreter, C1, C2
                    sink += run(b, fwd, table, 200_000, w * 1_000_000_000L);
                }
                long a0 = THREADS.getCurrentThreadAllocatedBytes();
                long a1 = THREADS.getCurrentThreadAllocatedBytes();         // cost of the measurement itself
                sink += run(b, fwd, table, 1_000_000, 10_000_000_000L);
                long a2 = THREADS.getCurrentThreadAllocatedBytes();
                sink += run(b, fwd, table, 2_000_000, 20_000_000_000L);
                long a3 = THREADS.getCurrentThreadAllocatedBytes();
                result.set(new long[] {a1 - a0, a2 - a1, a3 - a2, sink, table.entries(), table.learnFailures()});
            } catch (Throwable e) {
                error.set(e);
            }
        }, "zero-alloc");
        t.start();
        t.join();
        if (error.get() != null) {
            throw new AssertionError(error.get());
        }
        long[] r = result.get();
        System.out.printf("zero-alloc: measurement %d B, 1e6 frames %d B, 2e6 frames %d B"
                + " (table %d entries, %d learn failures)%n", r[0], r[1], r[2], r[4], r[5]);
        assertEquals(4096, r[4], "the spray filled the table, so the full-table path ran too");
        assertTrue(r[5] > 1_000_000, "learn failures counted");
        long overhead = r[0];
        assertTrue(r[1] - overhead <= 0, "1e6 frames allocated " + r[1] + " B (measurement alone " + overhead + " B)");
        assertTrue(r[2] - overhead <= 0, "2e6 frames allocated " + r[2] + " B (measurement alone " + overhead + " B)");
    }
}
