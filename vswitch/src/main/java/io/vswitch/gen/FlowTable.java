package io.vswitch.gen;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The set of flows a generator queue cycles through, precomputed so the per-packet cost of
 * varying the 5-tuple is four table reads and an add.
 *
 * <p>Flow {@code f} (0 &le; f &lt; {@link #size()}) uses
 * <pre>
 *   src IP   = srcIpBase + f          (default 10.0.0.1 + f)
 *   dst IP   = dstIpBase + f          (default 10.1.0.1 + f)
 *   src port = srcPortBase + f % span (default 1024 + f % span)
 *   dst port = dstPortBase + f % span (default 5001 + f % span)
 * </pre>
 * where {@code span} keeps both ports at or below 65535. Every flow therefore differs in all four
 * fields, so RSS (or any 5-tuple hash) spreads them. For each flow the table also stores the
 * one's-complement sum of its address words, so a frame's IPv4 header checksum is
 * {@code ~fold(templateSum + flowSum)} with no per-packet pass over the header
 * (see {@link FrameTemplate#stamp}).
 *
 * <p>The table is native memory laid out as the frame wants it: per flow 16 bytes, the source
 * and destination addresses as they go on the wire (bytes 26..33 of the frame), the two ports
 * likewise (bytes 34..37), then the address sum in native order. When a stream has too many
 * (size, flow) pairs to precompute their header bytes, {@link TxStream#fill} moves these with
 * one 8-byte and one 4-byte load and store, no byte swaps, no bounds checks.
 *
 * <p>Immutable and shareable between queues and frame sizes. At most {@value #MAX_FLOWS} flows.
 */
public final class FlowTable {
    /** Largest number of flows (16 bytes of native table each). */
    public static final int MAX_FLOWS = 1 << 20;
    /** Default first source address, 10.0.0.1. */
    public static final int DEFAULT_SRC_IP = 0x0A000001;
    /** Default first destination address, 10.1.0.1. */
    public static final int DEFAULT_DST_IP = 0x0A010001;
    /** Default first UDP source port. */
    public static final int DEFAULT_SRC_PORT = 1024;
    /** Default first UDP destination port. */
    public static final int DEFAULT_DST_PORT = 5001;

    /** Bytes of table per flow. */
    static final int ROW = 16;
    /** Offsets in a row: addresses (8 bytes, wire order), ports (4, wire order), address sum (4, native order). */
    static final int ROW_ADDRS = 0, ROW_PORTS = 8, ROW_SUM = 12;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;

    /** {@link #ROW} bytes per flow, see the class comment; freed when the table is unreachable. */
    private final MemorySegment t;
    private final int n;

    /** {@code flows} flows from the default bases. */
    public static FlowTable of(int flows) {
        return new FlowTable(flows, DEFAULT_SRC_IP, DEFAULT_DST_IP, DEFAULT_SRC_PORT, DEFAULT_DST_PORT);
    }

    /**
     * @param flows number of flows, 1..{@value #MAX_FLOWS}
     * @param srcIpBase first source address (IPv4 as an int, network order value)
     * @param dstIpBase first destination address
     * @param srcPortBase first UDP source port, 1..65535
     * @param dstPortBase first UDP destination port, 1..65535
     */
    public FlowTable(int flows, int srcIpBase, int dstIpBase, int srcPortBase, int dstPortBase) {
        if (flows < 1 || flows > MAX_FLOWS)
            throw new IllegalArgumentException("flows must be 1.." + MAX_FLOWS + ", got " + flows);
        if (srcPortBase < 1 || srcPortBase > 65535 || dstPortBase < 1 || dstPortBase > 65535)
            throw new IllegalArgumentException("UDP ports must be 1..65535");
        this.n = flows;
        this.t = Arena.ofAuto().allocate((long) ROW * flows, 64);
        int span = 65536 - Math.max(srcPortBase, dstPortBase);
        for (int f = 0; f < flows; f++) {
            int src = srcIpBase + f, dst = dstIpBase + f;
            int sp = srcPortBase + f % span, dp = dstPortBase + f % span;
            long r = (long) ROW * f;
            t.set(Frame.BE32, r + ROW_ADDRS, src);
            t.set(Frame.BE32, r + ROW_ADDRS + 4, dst);
            t.set(Frame.BE32, r + ROW_PORTS, (sp << 16) | dp);
            t.set(INT, r + ROW_SUM, (src >>> 16) + (src & 0xFFFF) + (dst >>> 16) + (dst & 0xFFFF));
        }
    }

    /** Number of flows. */
    public int size() {
        return n;
    }

    /** The flow after {@code f}, wrapping to 0. */
    public int next(int f) {
        return ++f == n ? 0 : f;
    }

    /** Source IPv4 address of flow {@code f}. */
    public int srcIp(int f) {
        return t.get(Frame.BE32, (long) ROW * f + ROW_ADDRS);
    }

    /** Destination IPv4 address of flow {@code f}. */
    public int dstIp(int f) {
        return t.get(Frame.BE32, (long) ROW * f + ROW_ADDRS + 4);
    }

    /** UDP source port of flow {@code f}. */
    public int srcPort(int f) {
        return ports(f) >>> 16;
    }

    /** UDP destination port of flow {@code f}. */
    public int dstPort(int f) {
        return ports(f) & 0xFFFF;
    }

    /** Both ports as written at the UDP header's start: {@code srcPort << 16 | dstPort}. */
    int ports(int f) {
        return t.get(Frame.BE32, (long) ROW * f + ROW_PORTS);
    }

    /** Unfolded one's-complement sum of flow {@code f}'s address words. */
    int addrSum(int f) {
        return t.get(INT, (long) ROW * f + ROW_SUM);
    }

    /**
     * Native address of flow 0's row ({@link #ROW} bytes per flow). Valid while this table is
     * reachable: hold on to it. Read only.
     */
    long rowsAddress() {
        return t.address();
    }

    /** Dotted-quad form of an IPv4 address held in an int. */
    public static String ipToString(int ip) {
        return (ip >>> 24) + "." + ((ip >>> 16) & 0xFF) + "." + ((ip >>> 8) & 0xFF) + "." + (ip & 0xFF);
    }
}
