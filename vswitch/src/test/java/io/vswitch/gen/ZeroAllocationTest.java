package io.vswitch.gen;

import static org.junit.jupiter.api.Assertions.*;

import io.vswitch.dpdk.Mbufs;
import io.vswitch.testutil.FakeMbufs;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The per-packet paths allocate nothing: building and stamping frames (IMIX sizes, many flows) and
 * RX accounting (parse, sequence window, latency record) over 10^6 and 2*10^6 frames, measured
 * with the thread's allocation counter after warm-up. The production memory shape is used: the
 * burst methods over mbufs in native memory (fakes with the real field offsets).
 */
class ZeroAllocationTest {
    static final com.sun.management.ThreadMXBean MX = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    static final int RING = 64;       // frames in flight, like a burst of mbufs

    final FlowTable flows = FlowTable.of(1024);
    final TxStream tx = new TxStream(0, SizeMix.IMIX, flows, 1, 2);
    final RxAccounting rx = new RxAccounting(0, 2_000_000_000L, RxAccounting.DEFAULT_WINDOW, 1);
    final RatePacer pacer = new RatePacer(10e6, 2_000_000_000L, 0, 1024);
    /** The production memory shape: mbufs in native memory, reached through the everything-segment. */
    final FakeMbufs ring = new FakeMbufs(RING);
    final FakeMbufs runt = new FakeMbufs(1);
    /** A second stream, one size and one flow, received in order: TX's word-copy loop and RX's fast path. */
    final TxStream txPre = new TxStream(1, SizeMix.fixed(64), FlowTable.of(1), 1, 2);
    final RxAccounting rxPre = new RxAccounting(1, 2_000_000_000L, RxAccounting.DEFAULT_WINDOW, 1);
    final FakeMbufs pre = new FakeMbufs(RING);
    /** A third, IMIX over 1024 flows without precomputed header rows: fill's checksum-folding loop. */
    final TxStream txFold = new TxStream(2, SizeMix.IMIX, flows, 1, 2, 0);
    final FakeMbufs fold = new FakeMbufs(RING);
    long tsc, sink;
    byte[] kept;

    /** TX builds a burst into the ring, RX accounts it; reordering and duplicates now and then exercise every window path. */
    void run(long frames) {
        for (long done = 0; done < frames; done += RING) {
            tsc += 500;
            int burst = pacer.due(tsc * 1000, RING);
            pacer.sent(burst);
            tx.fill(ring.burst(), RING, tsc);
            tx.unsend(1);                                                     // the port took all but one
            tx.fill(ring.burst() + 8L * (RING - 1), 1, tsc);                  // which is rebuilt
            long now = tsc + 3000;
            for (int i = 0; i < RING; i++) ring.place(i, RING - 1 - i);
            rx.onBurst(ring.burst(), RING, now);                              // reversed: reorders
            for (int i = 0; i < RING; i++) ring.place(i, i);
            rx.onBurst(ring.burst(), 1, now);                                 // duplicate
            rx.onFrame(Mbufs.ALL, ring.data(1), ring.dataLen(1), now);        // duplicate, frame by frame
            rx.onBurst(runt.burst(), 1, now);                                 // foreign runt
            txPre.fill(pre.burst(), RING, tsc);
            rxPre.onBurst(pre.burst(), RING, now);
            txFold.fill(fold.burst(), RING, tsc);
            sink += burst;
        }
    }

    @Test
    void hotPathsAllocateNothing() {
        assertTrue(MX.isThreadAllocatedMemorySupported());
        MX.setThreadAllocatedMemoryEnabled(true);
        long probe = MX.getCurrentThreadAllocatedBytes();
        runt.setLen(0, 10);
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
        assertTrue(txFold.packets() > 3_000_000);
        assertTrue(rxPre.received() > 3_000_000 && rxPre.foreign() == 0 && rxPre.reordered() == 0, "the in-order stream took the fast path");
        assertEquals(0, one, "bytes allocated for 10^6 frames");
        assertEquals(0, two, "bytes allocated for 2*10^6 frames");
    }

    @AfterEach
    void free() {
        ring.close();
        runt.close();
        pre.close();
        fold.close();
    }
}
