package io.vswitch.gen;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The per-packet paths allocate nothing: building and stamping frames (IMIX sizes, many flows) and
 * RX accounting (parse, sequence window, latency record) over 10^6 and 2*10^6 frames, measured
 * with the thread's allocation counter after warm-up. The production memory shape is used: an
 * everything-segment and absolute addresses of native buffers.
 */
class ZeroAllocationTest {
    static final com.sun.management.ThreadMXBean MX = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    static final int RING = 64;       // frames in flight, like a burst of mbufs
    static final int SLOT = 2048;

    final FlowTable flows = FlowTable.of(1024);
    final TxStream tx = new TxStream(0, SizeMix.IMIX, flows, 1, 2);
    final RxAccounting rx = new RxAccounting(0, 2_000_000_000L, RxAccounting.DEFAULT_WINDOW, 1);
    final RatePacer pacer = new RatePacer(10e6, 2_000_000_000L, 0, 1024);
    @SuppressWarnings("restricted")
    final MemorySegment everything = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    final Arena arena = Arena.ofConfined();
    final long base = arena.allocate((long) RING * SLOT, 64).address();
    /** A second stream received in order: RX's fast path (the common case in production). */
    final TxStream txPre = new TxStream(1, SizeMix.IMIX, flows, 1, 2);
    final RxAccounting rxPre = new RxAccounting(1, 2_000_000_000L, RxAccounting.DEFAULT_WINDOW, 1);
    final long preBase = arena.allocate((long) RING * SLOT, 64).address();
    final int[] lens = new int[RING];
    long tsc, sink;
    byte[] kept;

    /** TX builds a burst into the ring, RX accounts it; reordering and duplicates now and then exercise every window path. */
    void run(long frames) {
        MemorySegment mem = everything;
        for (long done = 0; done < frames; done += RING) {
            tsc += 500;
            int burst = pacer.due(tsc * 1000, RING);
            pacer.sent(burst);
            for (int i = 0; i < RING; i++) lens[i] = tx.next(mem, base + (long) i * SLOT, tsc);
            tx.unsend(1);                                                                   // the port took all but one
            lens[RING - 1] = tx.next(mem, base + (long) (RING - 1) * SLOT, tsc);            // which is rebuilt
            long now = tsc + 3000;
            for (int i = RING - 1; i >= 0; i--) rx.onFrame(mem, base + (long) i * SLOT, lens[i], now); // reversed: reorders
            rx.onFrame(mem, base, lens[0], now);                                                           // duplicate
            rx.onFrame(mem, base + 1, 10, now);                                                            // foreign runt
            for (int i = 0; i < RING; i++) lens[i] = txPre.next(mem, preBase + (long) i * SLOT, tsc);
            for (int i = 0; i < RING; i++) rxPre.onFrame(mem, preBase + (long) i * SLOT, lens[i], now);
            sink += burst;
        }
    }

    @Test
    void hotPathsAllocateNothing() {
        assertTrue(MX.isThreadAllocatedMemorySupported());
        MX.setThreadAllocatedMemoryEnabled(true);
        long probe = MX.getCurrentThreadAllocatedBytes();
        kept = new byte[4096];
        assertTrue(MX.getCurrentThreadAllocatedBytes() - probe >= 4096, "the counter sees allocations");
        for (int i = 0; i < 20; i++) run(200_000); // warm-up: interpreter, C1, C2
        long before1 = MX.getCurrentThreadAllocatedBytes();
        run(1_000_000);
        long one = MX.getCurrentThreadAllocatedBytes() - before1;
        long before2 = MX.getCurrentThreadAllocatedBytes();
        run(2_000_000);
        long two = MX.getCurrentThreadAllocatedBytes() - before2;
        System.out.printf("zero-allocation: 1e6 frames -> %d bytes, 2e6 frames -> %d bytes (rx %d, reordered %d, dup %d, foreign %d)%n",
                one, two, rx.received(), rx.reordered(), rx.duplicates(), rx.foreign());
        assertTrue(rx.reordered() > 0 && rx.duplicates() > 0 && rx.foreign() > 0, "every path ran");
        assertTrue(rx.latency().getTotalCount() > 3_000_000);
        assertTrue(rxPre.received() > 3_000_000 && rxPre.foreign() == 0 && rxPre.reordered() == 0, "the in-order stream took the fast path");
        assertEquals(0, one, "bytes allocated for 10^6 frames");
        assertEquals(0, two, "bytes allocated for 2*10^6 frames");
    }

    @AfterEach
    void free() {
        arena.close();
    }
}
