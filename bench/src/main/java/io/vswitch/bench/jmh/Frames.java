package io.vswitch.bench.jmh;

import io.vswitch.dpdk.Mbufs;
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

    /** Headroom before each buffer's data, as in an mbuf. */
    static final int HEADROOM = 128;

    private final Arena arena = Arena.ofShared();
    final long[] addrs = new long[BURST];
    final int[] lens = new int[BURST];
    /**
     * A burst array of mbuf headers (only buf_addr, data_off, data_len and pkt_len are set) whose
     * data are the buffers at {@link #addrs}: what the burst methods ({@code TxStream.fill},
     * {@code RxAccounting.onBurst}) take.
     */
    final long burst;

    /** Buffers filled with generator frames of {@code size} bytes (FCS included), 1024 flows. */
    Frames(int size) {
        this(SizeMix.fixed(size));
    }

    /** Buffers filled with generator frames of the sizes of {@code mix}, in its order, 1024 flows. */
    Frames(SizeMix mix) {
        MemorySegment seg = arena.allocate(HEADROOM + (long) BURST * STRIDE, 64);
        MemorySegment headers = arena.allocate(128L * BURST, 64);
        burst = arena.allocate(8L * BURST, 8).address();
        TxStream tx = stream(mix, 1024);
        for (int i = 0; i < BURST; i++) {
            addrs[i] = seg.address() + HEADROOM + (long) i * STRIDE;
            lens[i] = tx.next(ALL, addrs[i], 1000 + i);
            long m = headers.address() + 128L * i;
            ALL.set(Mbufs.U64, m + Mbufs.BUF_ADDR, addrs[i] - HEADROOM);
            ALL.set(Mbufs.U16, m + Mbufs.DATA_OFF, (short) HEADROOM);
            Mbufs.setLen(m, lens[i]);
            ALL.set(Mbufs.U64, burst + 8L * i, m);
        }
    }

    /** A generator stream of one size over {@code flows} flows (1024 is testpmd flowgen's default count). */
    static TxStream stream(int size, int flows) {
        return stream(SizeMix.fixed(size), flows);
    }

    /** A generator stream of the sizes of {@code mix} over {@code flows} flows. */
    static TxStream stream(SizeMix mix, int flows) {
        FlowTable ft = new FlowTable(flows, FlowTable.DEFAULT_SRC_IP, FlowTable.DEFAULT_DST_IP, FlowTable.DEFAULT_SRC_PORT,
                FlowTable.DEFAULT_DST_PORT);
        return new TxStream(0, mix, ft, SRC_MAC, DST_MAC);
    }

    @Override
    public void close() {
        arena.close();
    }
}
