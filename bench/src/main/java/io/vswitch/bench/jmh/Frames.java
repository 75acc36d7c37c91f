package io.vswitch.bench.jmh;

import io.vswitch.gen.FlowTable;
import io.vswitch.gen.SizeMix;
import io.vswitch.gen.TxStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A burst of packet buffers in off-heap memory, addressed like the datapath addresses mbuf data:
 * absolute addresses into one everything-segment, so the benchmarks run the same code shape as
 * the poll loops (no per-packet segment, no reinterpret).
 */
final class Frames implements AutoCloseable {
    /** Packets per burst, the reflector's default. */
    static final int BURST = 32;
    /** Bytes between buffers, as the default mbuf data room. */
    static final int STRIDE = 2048;
    /** The everything-segment the datapath reads packets through. */
    static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    static final long SRC_MAC = 0x02_00_00_00_00_01L, DST_MAC = 0x02_00_00_00_00_02L;

    private final Arena arena = Arena.ofShared();
    final long[] addrs = new long[BURST];
    final int[] lens = new int[BURST];

    /** Buffers filled with generator frames of {@code size} bytes (FCS included), 1024 flows. */
    Frames(int size) {
        MemorySegment seg = arena.allocate((long) BURST * STRIDE, 64);
        TxStream tx = stream(size);
        for (int i = 0; i < BURST; i++) {
            addrs[i] = seg.address() + (long) i * STRIDE;
            lens[i] = tx.next(ALL, addrs[i], 1000 + i);
        }
    }

    /** A generator stream of one size over 1024 flows (testpmd flowgen's default count). */
    static TxStream stream(int size) {
        FlowTable flows = new FlowTable(1024, FlowTable.DEFAULT_SRC_IP, FlowTable.DEFAULT_DST_IP, FlowTable.DEFAULT_SRC_PORT,
                FlowTable.DEFAULT_DST_PORT);
        return new TxStream(0, SizeMix.fixed(size), flows, SRC_MAC, DST_MAC);
    }

    @Override
    public void close() {
        arena.close();
    }
}
