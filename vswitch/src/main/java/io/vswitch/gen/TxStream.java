package io.vswitch.gen;

import io.vswitch.dpdk.Mbufs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Per-queue TX state: which frame comes next (size from the {@link SizeMix} cycle, flow from the
 * {@link FlowTable}, sequence number) and how much was sent. One per TX queue, owned by its lcore;
 * {@link #next} and {@link #unsend} allocate nothing.
 *
 * <pre>{@code
 * TxStream tx = new TxStream(queueId, mix, flows, srcMac, dstMac);
 * // per burst:
 * long tsc = rdtsc();
 * for (int i = 0; i < n; i++) {
 *     int len = tx.next(mem, dataAddr(mbuf[i]), tsc);  // writes the frame
 *     setDataLenAndPktLen(mbuf[i], len);
 * }
 * int sent = txBurst(mbufs, n);
 * if (sent < n) { freeTail(mbufs, sent, n); tx.unsend(n - sent); } // or retry them later, without unsend
 * }</pre>
 * {@link #unsend} rewinds the sequence number, flow, size cycle and counters over the tail of the
 * burst that {@code rte_eth_tx_burst} did not take, so dropped-before-sending frames never show
 * up as loss. If the loop keeps and retries unsent mbufs instead, it must not call it.
 */
public final class TxStream {
    private final FrameTemplate[] templates;
    private final SizeMix mix;
    private final FlowTable flows;
    private final int stream;
    /** The only template, with one size and one flow: {@link #fill}'s fast loop. */
    private final FrameTemplate single;
    /**
     * {@link #fill}'s general loop (several flows or sizes) reads, per position of the size
     * cycle, a {@value #CYC_ROW}-byte native row: the address of that position's template (the
     * templates stay reachable through {@link #templates}), its data length, the one's-complement
     * sum of its fixed IPv4 header words and where that size's header rows start. So a frame
     * costs the loop loads from two cursors (cycle position, flow) instead of calls through the
     * SizeMix, the template and the FlowTable.
     */
    private final MemorySegment cycTable;
    private static final int CYC_ROW = 32, CYC_ADDR = 0, CYC_LEN = 8, CYC_SUM = 12, CYC_HDRS = 16;
    /**
     * Per (size, flow), the 16 bytes the flow changes in a frame of that size: frame bytes
     * {@value #HDR_OFF}..39, IPv4 checksum, addresses, ports and the UDP length, as the template
     * writes them for that flow; {@code null} above {@link #DEFAULT_HEADER_ROWS} rows (then the
     * loop stores the FlowTable's fields and folds the checksum).
     */
    private final MemorySegment hdrTable;
    private static final int HDR_ROW = 16, HDR_OFF = Frame.OFF_IP_CSUM;
    /** Most header rows (sizes x flows) a stream precomputes: 1 MB, about a core's L2. */
    static final int DEFAULT_HEADER_ROWS = 1 << 16;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private int flow;
    private int cyc;
    private long seq;
    private long bytes;

    /**
     * @param stream stream id (the TX queue id; RX expects it in {@link RxAccounting})
     * @param mix frame sizes
     * @param flows flows to cycle through
     * @param srcMac source MAC (low 48 bits)
     * @param dstMac destination MAC (low 48 bits)
     */
    public TxStream(int stream, SizeMix mix, FlowTable flows, long srcMac, long dstMac) {
        this(stream, mix, flows, srcMac, dstMac, DEFAULT_HEADER_ROWS);
    }

    /** As above, precomputing header rows only up to {@code maxHeaderRows} (tests reach both loops with it). */
    TxStream(int stream, SizeMix mix, FlowTable flows, long srcMac, long dstMac, int maxHeaderRows) {
        this.stream = stream;
        this.mix = mix;
        this.flows = flows;
        int[] sizes = mix.sizes();
        this.templates = new FrameTemplate[sizes.length];
        for (int i = 0; i < sizes.length; i++) templates[i] = new FrameTemplate(sizes[i], stream, srcMac, dstMac, flows);
        this.single = sizes.length == 1 && flows.size() == 1 ? templates[0] : null;
        int nf = flows.size();
        long rows = (long) sizes.length * nf;
        if (single == null && rows <= maxHeaderRows) {
            hdrTable = Arena.ofAuto().allocate(HDR_ROW * rows, 64);
            MemorySegment frame = Arena.ofAuto().allocate(Frame.dataLen(Frame.MAX_SIZE));
            for (int i = 0; i < sizes.length; i++) {
                for (int f = 0; f < nf; f++) {
                    templates[i].write(frame, 0, f, 0, 0);
                    MemorySegment.copy(frame, HDR_OFF, hdrTable, HDR_ROW * ((long) i * nf + f), HDR_ROW);
                }
            }
        } else {
            hdrTable = null;
        }
        int cycles = mix.cycleLength();
        this.cycTable = Arena.ofAuto().allocate((long) CYC_ROW * cycles, 64);
        for (int c = 0; c < cycles; c++) {
            int i = mix.sizeIndexAt(c);
            FrameTemplate t = templates[i];
            long r = (long) CYC_ROW * c;
            cycTable.set(LONG, r + CYC_ADDR, t.bytes().address());
            cycTable.set(INT, r + CYC_LEN, t.dataLen());
            cycTable.set(INT, r + CYC_SUM, t.baseSum());
            cycTable.set(LONG, r + CYC_HDRS, hdrTable == null ? 0 : hdrTable.address() + HDR_ROW * ((long) i * nf));
        }
    }

    /**
     * Writes the next frame at {@code mem[off..]} stamped with {@code tsc} and counts it as sent.
     *
     * @return its data length, for the mbuf's {@code data_len} and {@code pkt_len}
     */
    public int next(MemorySegment mem, long off, long tsc) {
        FrameTemplate t = templates[mix.sizeIndexAt(cyc)];
        if (++cyc == mix.cycleLength()) cyc = 0;
        t.write(mem, off, flow, seq++, tsc);
        flow = flows.next(flow);
        bytes += t.size();
        return t.dataLen();
    }

    /**
     * Writes a whole TX burst: for each of the {@code n} mbufs whose addresses are at native
     * address {@code pkts}, the next frame into its data room (at {@code buf_addr + data_off})
     * and its length into {@code data_len} and {@code pkt_len}. Same frames as {@link #next} on
     * each in turn, but through the constant {@link Mbufs#ALL}, so that once compiled no access
     * re-checks the segment's type, bounds or liveness, and the template copy is inlined. With
     * one size and one flow (the default) the loop is the copy and two stores per frame; with
     * several, see {@code fillGeneral}.
     */
    public void fill(long pkts, int n, long tsc) {
        final MemorySegment mem = Mbufs.ALL;
        FrameTemplate t = single;
        if (t != null) {
            // FrameTemplate.write's one-flow case, written out here: a call could meet a
            // write() already compiled on its own (segment as a parameter, all checks in)
            // and too big to inline, depending on which compile finished first.
            final MemorySegment template = t.bytes();
            int len = t.dataLen();
            long s = seq;
            for (int i = 0; i < n; i++) {
                long m = mem.get(Mbufs.U64, pkts + 8L * i);
                long d = Mbufs.data(m);
                MemorySegment.copy(template, 0, mem, d, len);
                mem.set(Frame.BE64, d + Frame.OFF_SEQ, s + i);
                mem.set(Frame.BE64, d + Frame.OFF_TSC, tsc);
                Mbufs.setLen(m, len);
            }
            seq = s + n;
            bytes += (long) n * t.size();
        } else {
            fillGeneral(pkts, n, tsc);
        }
    }

    /**
     * {@link #fill} with several flows or sizes: the frames {@link #next} writes, in one loop
     * over the constant segment (here, not through a parameter: a call that C2 does not inline
     * would re-check every access). Per frame: the flow's header row is read first (the cycle
     * position's row only when the position moves), then one template copy, the 16 header bytes the flow changes (two
     * 8-byte stores: IPv4 checksum, addresses, ports, UDP length, precomputed per size and
     * flow), the sequence number and the timestamp: the one-flow loop's work plus two loads
     * and two stores. JMH, one run ({@code GenBench.txStreamFill} against
     * {@code txStreamFillByFrame}, the old {@link #next} per mbuf), ns per frame: 64 B over 1024
     * flows 6.4 (the one-flow loop 5.9, old 19.7); 1518 B over 1024 flows 19.5 (one flow 17.4,
     * old 34.9); IMIX 11.0 with one flow, 13.7 over 1024 (old 19.0, 24.7). Storing the flow's
     * fields and folding the checksum per frame instead ({@link #fillFolding}) cost 1.5-3 ns
     * more at 64 B (thread CPU time, min of 30 repetitions: this 2-core machine is shared).
     * Also tried and dropped: prebuilt whole frames per flow (as fast at 64 B, a frame per flow
     * and size in memory, slower at 1518 B), copying 64 B frames with Java loads and stores
     * instead of {@code MemorySegment.copy} (twice as slow), all copies first and then all
     * stores in a second pass (no faster).
     *
     * <p>Above {@link #DEFAULT_HEADER_ROWS} (size, flow) pairs, {@link #fillFolding}.
     */
    private void fillGeneral(long pkts, int n, long tsc) {
        if (hdrTable == null) {
            fillFolding(pkts, n, tsc);
            return;
        }
        final MemorySegment mem = Mbufs.ALL;
        final long ct = cycTable.address();
        final int cycles = mix.cycleLength(), nf = flows.size();
        int c = cyc, f = flow;
        long s = seq, b = 0;
        // The cycle position's row, read again only when the position moves (with one size,
        // never: the loop is then the one-flow loop plus the header row).
        long cr = ct + (long) CYC_ROW * c;
        long src = mem.get(LONG, cr + CYC_ADDR), hdrs = mem.get(LONG, cr + CYC_HDRS);
        int len = mem.get(INT, cr + CYC_LEN);
        for (int i = 0; i < n; i++) {
            long m = mem.get(Mbufs.U64, pkts + 8L * i);
            long d = Mbufs.data(m);
            long hr = hdrs + (long) HDR_ROW * f;
            long h0 = mem.get(LONG, hr), h1 = mem.get(LONG, hr + 8);
            MemorySegment.copy(mem, src, mem, d, len);
            mem.set(LONG, d + HDR_OFF, h0);
            mem.set(LONG, d + HDR_OFF + 8, h1);
            mem.set(Frame.BE64, d + Frame.OFF_SEQ, s + i);
            mem.set(Frame.BE64, d + Frame.OFF_TSC, tsc);
            Mbufs.setLen(m, len);
            b += len;
            if (++f == nf) f = 0;
            if (cycles != 1) {
                if (++c == cycles) c = 0;
                cr = ct + (long) CYC_ROW * c;
                src = mem.get(LONG, cr + CYC_ADDR);
                hdrs = mem.get(LONG, cr + CYC_HDRS);
                len = mem.get(INT, cr + CYC_LEN);
            }
        }
        cyc = c;
        flow = f;
        seq = s + n;
        bytes += b + (long) n * Frame.FCS_LEN;
    }

    /**
     * {@link #fillGeneral} for flows x sizes too many to precompute: the FlowTable's row (its
     * addresses and ports already in wire order) is stored with one 8-byte and one 4-byte store,
     * and the IPv4 checksum is folded from the template's and the flow's sums (1.5-3 ns per
     * frame more than the header rows at 64 B, measured as above).
     */
    private void fillFolding(long pkts, int n, long tsc) {
        final MemorySegment mem = Mbufs.ALL;
        final long ct = cycTable.address(), ft = flows.rowsAddress();
        final int cycles = mix.cycleLength(), nf = flows.size();
        int c = cyc, f = flow;
        long s = seq, b = 0;
        for (int i = 0; i < n; i++) {
            long m = mem.get(Mbufs.U64, pkts + 8L * i);
            long d = Mbufs.data(m);
            long cr = ct + (long) CYC_ROW * c, fr = ft + (long) FlowTable.ROW * f;
            long src = mem.get(LONG, cr + CYC_ADDR);
            int len = mem.get(INT, cr + CYC_LEN);
            long addrs = mem.get(LONG, fr + FlowTable.ROW_ADDRS);
            int ports = mem.get(INT, fr + FlowTable.ROW_PORTS);
            int sum = mem.get(INT, cr + CYC_SUM) + mem.get(INT, fr + FlowTable.ROW_SUM);
            sum = (sum & 0xFFFF) + (sum >>> 16);
            sum = (sum & 0xFFFF) + (sum >>> 16);
            MemorySegment.copy(mem, src, mem, d, len);
            mem.set(LONG, d + Frame.OFF_IP_SRC, addrs);
            mem.set(INT, d + Frame.OFF_UDP, ports);
            mem.set(Frame.BE16, d + Frame.OFF_IP_CSUM, (short) ~sum);
            mem.set(Frame.BE64, d + Frame.OFF_SEQ, s + i);
            mem.set(Frame.BE64, d + Frame.OFF_TSC, tsc);
            Mbufs.setLen(m, len);
            b += len;
            if (++c == cycles) c = 0;
            if (++f == nf) f = 0;
        }
        cyc = c;
        flow = f;
        seq = s + n;
        bytes += b + (long) n * Frame.FCS_LEN;
    }

    /** Takes back the last {@code n} frames from {@link #next} (not transmitted and dropped). */
    public void unsend(int n) {
        if (n < 0 || n > seq) throw new IllegalArgumentException("cannot unsend " + n + " of " + seq + " frames");
        int len = mix.cycleLength();
        for (int i = 0; i < n; i++) {
            cyc = cyc == 0 ? len - 1 : cyc - 1;
            bytes -= templates[mix.sizeIndexAt(cyc)].size();
        }
        flow = Math.floorMod(flow - n, flows.size());
        seq -= n;
    }

    /** Stream id. */
    public int stream() { return stream; }
    /** Sequence number the next frame will carry; also the number of frames sent so far. */
    public long nextSeq() { return seq; }
    /** Frames sent. */
    public long packets() { return seq; }
    /** Bytes sent, FCS included. */
    public long bytes() { return bytes; }
    /** Largest data length this stream writes: mbuf data rooms must hold it. */
    public int maxDataLen() {
        int m = 0;
        for (FrameTemplate t : templates) m = Math.max(m, t.dataLen());
        return m;
    }
}
