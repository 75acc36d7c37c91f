package io.vswitch.datapath;

import java.lang.foreign.MemorySegment;

/**
 * What {@link SwitchStage} needs from the mbuf layer to send a staged burst: tx bursts,
 * frees, reference counts, and the three frame edits VLAN access ports need. The switch
 * node implements it over DPDK; tests implement it over fake addresses. Every method runs on
 * the lcore's hot path: no allocation, no blocking.
 */
public interface MbufSink {
    /** Offers {@code pkts[0..n)} to tx {@code queue} of {@code port}; returns how many it took. */
    int txBurst(int port, int queue, MemorySegment pkts, int n);

    /** Frees {@code pkts[0..n)} (one reference each). */
    void freeBulk(MemorySegment pkts, int n);

    /** Adds {@code extra} references to every segment of {@code mbuf}. */
    void addReferences(long mbuf, int extra);

    /** Inserts an 802.1Q tag of VLAN {@code vid} after the MAC addresses; false (frame unchanged) without headroom. */
    boolean pushVlan(long mbuf, int vid);

    /** Removes the outer VLAN tag (the frame has one). */
    void popVlan(long mbuf);

    /** A copy of {@code mbuf} in a new mbuf with one reference, or 0 when none can be had. */
    long copy(long mbuf);

    /**
     * Calls each of the above once on a scratch frame, before the loop counts its allocation:
     * the first call of a native function from a call site links it, which allocates on the
     * calling thread, and floods, copies and VLAN edits may first happen long after warm-up.
     */
    default void warmUp() {}
}
