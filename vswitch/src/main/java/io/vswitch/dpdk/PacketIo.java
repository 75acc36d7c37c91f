package io.vswitch.dpdk;

import java.lang.foreign.MemorySegment;

/**
 * The hot path's one small device interface (ixy's idea): receive a burst from a (port,
 * queue), transmit a burst on one, free mbufs. Every poll loop (reflector, switch,
 * generator) is written against it, so its logic runs in tests over {@link MemoryIo}
 * without DPDK, and in the programs over {@link DpdkIo}.
 *
 * <p>Bursts are native arrays of mbuf pointers ({@code struct rte_mbuf *[]}), as
 * {@code rte_eth_rx_burst} fills and {@code rte_eth_tx_burst} takes them. Ownership is
 * DPDK's: mbufs a rx burst returns belong to the caller until a tx burst takes them or
 * {@link #freeBulk} frees them; the mbufs a tx burst did not take (from index
 * {@code sent} on) are still the caller's.
 *
 * <p>Implementations must not allocate on the Java heap or block: these calls run once
 * per burst in loops that promise zero allocation.
 */
public interface PacketIo {
    /** Receives up to {@code max} mbufs from {@code queue} of {@code port} into {@code pkts}; returns how many. */
    int rxBurst(int port, int queue, MemorySegment pkts, int max);

    /** Offers {@code pkts[0..n)} to tx {@code queue} of {@code port}; returns how many it took (the first ones). */
    int txBurst(int port, int queue, MemorySegment pkts, int n);

    /** Frees {@code pkts[0..n)} (drops one reference of each). */
    void freeBulk(MemorySegment pkts, int n);

    /**
     * A hint: brings the headers and first data lines of the mbufs {@code pkts[0..n)} into the
     * cache (rte_prefetch0); changes nothing. Does nothing here; {@link DpdkIo} calls the shim.
     */
    default void prefetch(MemorySegment pkts, int n) {}
}
