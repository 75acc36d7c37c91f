package io.vswitch.datapath;

import static io.vswitch.datapath.Wire.*;

import java.lang.foreign.MemorySegment;

/**
 * The L2 learning switch's decision for one received frame: learn its source,
 * then drop it, flood it, or send it to one port.
 *
 * <pre>
 *   frame from inPort
 *     |
 *     +- len &lt; 14, or tagged and len &lt; 18 ............ DROP   (runt)
 *     +- source MAC multicast/broadcast ............... DROP   (bad source)
 *     |  learn (source MAC, VLAN) -> inPort
 *     +- destination multicast/broadcast .............. FLOOD
 *     +- destination unknown in this VLAN ............. FLOOD
 *     +- destination known on inPort .................. DROP   (hairpin)
 *     +- destination known on port p .................. p
 * </pre>
 *
 * FLOOD means every port except {@code inPort}; the caller does the sending.
 * VLAN: the VLAN id of the outer 802.1Q (0x8100) or 802.1ad (0x88A8) tag, 0
 * for untagged (and priority-tagged) frames; learning and lookup are per
 * VLAN, so the same MAC in two VLANs is two entries and a frame never reaches
 * a port through another VLAN's entry. Every port is a trunk: tags are left
 * as they are.
 *
 * <p><b>Burst memo.</b> Frames of one burst mostly share their source and destination
 * (a flow, a guest talking to one peer), so within a burst ({@link #newBurst}, then
 * {@link #decideInBurst} per frame) a frame whose (source, VLAN, in-port) equals the
 * last one learned skips the learn, and one whose (destination, VLAN) equals the last one
 * looked up reuses that answer. The memo lives only for the burst (its frames share one
 * {@code nowNanos}, microseconds apart), is dropped when a learn adds or moves an entry
 * (a later frame of the burst may be to the source just learned), and never holds a
 * failed learn (table full or slot busy: those are retried per frame). Decisions and
 * counters are the same as deciding each frame alone; {@link #decide} does exactly that.
 *
 * <p>One instance per lcore, sharing one {@link MacTable}. The counters are the
 * lcore's {@link PortCounters}: plain {@code long}s written only by the owning lcore and
 * read by the stats thread with {@link #counter}: no atomics on the fast path.
 *
 * <p><b>Access ports.</b> A frame received on an access port of VLAN V
 * ({@link #decideInBurst(int, int, MemorySegment, long, int, long)}) must be untagged and
 * belongs to V: its source is learned and its destination looked up in V, so it can only
 * ever reach ports of V (and trunks, where {@link SwitchStage} tags it). {@link #decide}
 * allocates nothing and never throws for any frame content; {@code inPort}
 * must be below the {@code portIdLimit} given at construction.
 */
public final class Forwarding {
    /** {@link #decide} result: send to every port except the input port. */
    public static final int FLOOD = -1;
    /** {@link #decide} result: free the frame. */
    public static final int DROP = -2;

    /** Counter: frames sent to one known port. */
    public static final int FORWARDED = 0;
    /** Counter: frames flooded (broadcast, multicast, unknown unicast). */
    public static final int FLOODED = 1;
    /** Counter: sources learned on this port (new entries, and moves to this port). */
    public static final int LEARNED = 2;
    /** Counter: sources not learned because the table was full. */
    public static final int LEARN_FAILED = 3;
    /** Counter: frames dropped as runts (shorter than their Ethernet/VLAN header). */
    public static final int DROP_RUNT = 4;
    /** Counter: frames dropped for a multicast or broadcast source MAC. */
    public static final int DROP_BAD_SOURCE = 5;
    /** Counter: frames dropped because their destination is on the port they came from. */
    public static final int DROP_HAIRPIN = 6;
    /** Number of counters per port. */
    public static final int COUNTERS = 7;
    /** Counter names, for stats output, indexed like the constants. */
    public static final String[] COUNTER_NAMES = {
        "forwarded", "flooded", "learned", "learn_failed", "drop_runt", "drop_bad_source", "drop_hairpin"};

    /** PortCounters kind of each of the constants above. */
    private static final int[] KIND = {PortCounters.FORWARDED, PortCounters.FLOODED, PortCounters.LEARNED,
        PortCounters.LEARN_FAILED, PortCounters.DROP_RUNT, PortCounters.DROP_BAD_SOURCE, PortCounters.DROP_HAIRPIN};
    private static final long MASK48 = (1L << 48) - 1;

    private final MacTable table;
    private final PortCounters counters;
    private final int portIdLimit;
    /** The VLAN of the last frame decided (for the stage's VLAN edits). */
    private int lastVlan;
    /** Burst memo: last (source, VLAN) key learned without failure and its port; last destination key and answer. */
    private long memoSrc;
    private int memoInPort = -1;
    private long memoDst;
    private int memoOut;

    /**
     * @param table       the shared MAC table
     * @param portIdLimit one more than the largest port id in use
     */
    public Forwarding(MacTable table, int portIdLimit) {
        this(table, new PortCounters(checkLimit(portIdLimit)));
    }

    /**
     * @param table    the shared MAC table
     * @param counters the lcore's port counters (shared with its loop and stage); port ids below {@code counters.ports()}
     */
    public Forwarding(MacTable table, PortCounters counters) {
        this.table = table;
        this.portIdLimit = checkLimit(counters.ports());
        this.counters = counters;
    }

    private static int checkLimit(int portIdLimit) {
        if (portIdLimit < 1 || portIdLimit > MacTable.MAX_PORT + 1) {
            throw new IllegalArgumentException("port id limit " + portIdLimit + " is out of range");
        }
        return portIdLimit;
    }

    /**
     * Decides what to do with the frame {@code mem[off, off+len)} received on
     * {@code inPort}, learning its source on the way.
     *
     * @return a port id, {@link #FLOOD} or {@link #DROP}
     */
    public int decide(int inPort, MemorySegment mem, long off, int len, long nowNanos) {
        newBurst();
        return decideInBurst(inPort, mem, off, len, nowNanos);
    }

    /** Starts a burst: forgets the memo of the previous one. */
    public void newBurst() {
        memoInPort = -1;
        memoDst = 0;                                              // no valid key is 0 (keys have bit 63 set)
    }

    /**
     * {@link #decide} for a frame of the current burst (after {@link #newBurst}); every
     * frame of a burst must pass the same {@code nowNanos}.
     */
    public int decideInBurst(int inPort, MemorySegment mem, long off, int len, long nowNanos) {
        return decideInBurst(inPort, PortSet.TRUNK, mem, off, len, nowNanos);
    }

    /**
     * {@link #decideInBurst(int, MemorySegment, long, int, long)} for a frame received on a
     * port with VLAN role {@code accessVlan}: {@link PortSet#TRUNK}, or an access port's
     * VLAN 1..4094, whose frames must arrive untagged (a tagged frame is dropped,
     * {@code drop_vlan}) and belong to that VLAN. {@link #lastVlan} then tells the frame's VLAN.
     */
    public int decideInBurst(int inPort, int accessVlan, MemorySegment mem, long off, int len, long nowNanos) {
        // The common case (a frame of a known unicast flow) stays in this method, small enough
        // for C2 to inline into the caller's frame loop (under FreqInlineSize, 325 bytes of
        // bytecode), where the caller's constant segment makes each read a plain load; drops,
        // learning and table lookups are calls to methods of their own.
        if (len < ETH_HLEN) {
            return drop(inPort, PortCounters.DROP_RUNT);
        }
        long head = mem.get(BE_LONG, off);                        // dst(6) src0 src1
        long src = mem.get(BE_LONG, off + 4) & MASK48;           // src(6)
        if ((src & (1L << 40)) != 0) {                            // I/G bit of the first source octet
            return drop(inPort, PortCounters.DROP_BAD_SOURCE);
        }
        int vlan = accessVlan;
        if (isVlanTpid(Short.toUnsignedInt(mem.get(BE_SHORT, off + ETH_TYPE_OFF)))) {
            if (len < ETH_HLEN + VLAN_HLEN) {
                return drop(inPort, PortCounters.DROP_RUNT);
            }
            if (accessVlan != PortSet.TRUNK) {
                return drop(inPort, PortCounters.DROP_VLAN);
            }
            vlan = mem.get(BE_SHORT, off + ETH_HLEN) & 0xFFF;
        }
        lastVlan = vlan;
        if (MacTable.key(src, vlan) != memoSrc || inPort != memoInPort) {
            learn(src, vlan, inPort, nowNanos);
        }
        final PortCounters counters = this.counters;
        if ((head & (1L << 56)) != 0) {             // I/G bit of the first destination octet
            counters.inc(inPort, PortCounters.FLOODED);
            return FLOOD;
        }
        int out = MacTable.key(head >>> 16, vlan) == memoDst ? memoOut : lookup(head >>> 16, vlan, nowNanos);
        if (out < 0) {
            counters.inc(inPort, PortCounters.FLOODED);
            return FLOOD;
        }
        if (out == inPort) {
            return drop(inPort, PortCounters.DROP_HAIRPIN);
        }
        counters.inc(inPort, PortCounters.FORWARDED);
        return out;
    }

    /** {@link #known} result: decide the frame in full ({@link #decideInBurst}). */
    public static final int REDO = -3;

    /**
     * The burst's common frame in a few compares, for a caller whose frame loop must not depend
     * on C2 inlining {@link #decideInBurst} (which it does only when it was not compiled on its
     * own first): a frame of at least 14 bytes whose first 8 bytes are {@code head}, whose source
     * MAC is {@code src} (48 bits) and whose type is {@code type}, received in this burst on
     * {@code inPort} of VLAN role {@code accessVlan}. When it is untagged unicast between a source
     * and a destination the burst memo holds, to a port other than {@code inPort}, this books and
     * returns what {@link #decideInBurst} would (the port, {@code forwarded}); otherwise
     * {@link #REDO}, and nothing is booked or changed.
     */
    public int known(int inPort, int accessVlan, long head, long src, int type) {
        int out = memoOut;
        if (inPort != memoInPort || MacTable.key(src, accessVlan) != memoSrc || MacTable.key(head >>> 16, accessVlan) != memoDst
                || out < 0 || out == inPort || isVlanTpid(type) || ((src >>> 40) & 1) != 0 || ((head >>> 56) & 1) != 0) {
            return REDO;
        }
        lastVlan = accessVlan;
        counters.inc(inPort, PortCounters.FORWARDED);
        return out;
    }

    /** Books a drop of kind {@code kind} on {@code inPort}; returns {@link #DROP}. */
    private int drop(int inPort, int kind) {
        counters.inc(inPort, kind);
        return DROP;
    }

    /** Learns a source the memo does not hold, books it, and updates the memo. */
    private void learn(long src, int vlan, int inPort, long nowNanos) {
        int learned = table.learn(src, vlan, inPort, nowNanos);
        if (learned > 0) {
            counters.inc(inPort, PortCounters.LEARNED);
            memoDst = 0;                                      // a lookup memo may predate this entry
        } else if (learned == MacTable.LEARN_FULL) {
            counters.inc(inPort, PortCounters.LEARN_FAILED);
        }
        if (learned >= 0) {
            memoSrc = MacTable.key(src, vlan);
            memoInPort = inPort;
        } else {
            memoInPort = -1;
        }
    }

    /** Looks a destination the memo does not hold up in the table, and memoises the answer. */
    private int lookup(long dst, int vlan, long nowNanos) {
        int out = table.lookup(dst, vlan, nowNanos);
        memoDst = MacTable.key(dst, vlan);
        memoOut = out;
        return out;
    }

    /**
     * {@link #decide} for a burst received on one port: frame {@code i} is
     * {@code mem[addrs[i], addrs[i]+lens[i])}, its decision goes to
     * {@code out[i]}.
     */
    public void decideBurst(int inPort, MemorySegment mem, long[] addrs, int[] lens, int n, int[] out, long nowNanos) {
        newBurst();
        for (int i = 0; i < n; i++) {
            out[i] = decideInBurst(inPort, mem, addrs[i], lens[i], nowNanos);
        }
    }

    /** The table this instance learns into. */
    public MacTable table() {
        return table;
    }

    /** One more than the largest port id this instance counts. */
    public int portIdLimit() {
        return portIdLimit;
    }

    /** A counter of {@code port} ({@link #FORWARDED} ... {@link #DROP_HAIRPIN}); safe from any thread. */
    public long counter(int port, int kind) {
        return counters.get(port, KIND[kind]);
    }

    /** The VLAN of the frame last decided (0: untagged on a trunk). */
    public int lastVlan() {
        return lastVlan;
    }

    /** The port counters this instance books into. */
    public PortCounters counters() {
        return counters;
    }

    /** All drops of {@code port}: runts, bad sources and hairpins. */
    public long dropped(int port) {
        return counter(port, DROP_RUNT) + counter(port, DROP_BAD_SOURCE) + counter(port, DROP_HAIRPIN);
    }
}
