package io.vswitch.testutil;

import io.vswitch.dpdk.Mbufs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Stand-ins for a burst of DPDK mbufs, in native memory, for testing the burst methods
 * ({@code TxStream.fill}, {@code RxAccounting.onBurst}) without DPDK: {@code count} mbuf headers
 * whose {@code buf_addr}/{@code data_off} point at their own 2 KB data rooms (data at headroom
 * 128, as {@code rte_pktmbuf_alloc} leaves it), and a burst array of their addresses.
 * Only the fields the burst methods read and write are meaningful.
 *
 * <pre>
 *   burst():  [ m0 | m1 | ... ]  (8-byte addresses)
 *   mN:       rte_mbuf header (128 B) ─ buf_addr ─► [ headroom 128 | data(N) ... ]
 * </pre>
 */
public final class FakeMbufs implements AutoCloseable {
    public static final int HEADER = 128, ROOM = 2048, HEADROOM = 128;

    private final Arena arena = Arena.ofConfined();
    private final int count;
    private final long mbufs, burst;

    public FakeMbufs(int count) {
        this.count = count;
        this.mbufs = arena.allocate((long) count * (HEADER + ROOM), 64).address();
        this.burst = arena.allocate(8L * count, 8).address();
        for (int i = 0; i < count; i++) {
            long m = mbuf(i);
            Mbufs.ALL.set(Mbufs.U64, m + Mbufs.BUF_ADDR, m + HEADER);
            Mbufs.ALL.set(Mbufs.U16, m + Mbufs.DATA_OFF, (short) HEADROOM);
            Mbufs.ALL.set(Mbufs.U64, burst + 8L * i, m);
        }
    }

    /** Address of mbuf {@code i}'s header. */
    public long mbuf(int i) {
        if (i < 0 || i >= count) throw new IndexOutOfBoundsException(i);
        return mbufs + (long) i * (HEADER + ROOM);
    }

    /** Address of the burst array (mbuf addresses, in order). */
    public long burst() {
        return burst;
    }

    /** Puts mbuf {@code m} at position {@code pos} of the burst array (to reorder or repeat). */
    public void place(int pos, int m) {
        Mbufs.ALL.set(Mbufs.U64, burst + 8L * pos, mbuf(m));
    }

    /** Address of mbuf {@code i}'s first packet byte. */
    public long data(int i) {
        return Mbufs.data(mbuf(i));
    }

    /** Mbuf {@code i}'s data as a segment of {@code len} bytes. */
    public MemorySegment dataSegment(int i, int len) {
        return Mbufs.ALL.asSlice(data(i), len);
    }

    public int dataLen(int i) {
        return Mbufs.dataLen(mbuf(i));
    }

    public int pktLen(int i) {
        return Mbufs.pktLen(mbuf(i));
    }

    public void setLen(int i, int len) {
        Mbufs.setLen(mbuf(i), len);
    }

    @Override
    public void close() {
        arena.close();
    }
}
