package io.vswitch.datapath;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One lcore's staging of a received burst for transmission: turns the burst's
 * {@link Forwarding} decisions into one tx array per output port, the
 * reference counts flooding needs, and a drop array. Pure bookkeeping on mbuf
 * addresses (it never dereferences them), so it is tested with fake addresses.
 *
 * <pre>
 *   rx burst  [m0  m1     m2  m3  ...]       inPort = 0, ports 0..3
 *   decisions [2   FLOOD  2   DROP]
 *
 *   staging(2) = [m0 m1 m2]    staging(1) = [m1]    staging(3) = [m1]    drops = [m3]
 *   refcounts  = (m1, +2)      m1 goes to 3 ports: it needs 2 more references
 *   touched    = [2, 1, 3]     the ports to tx_burst, in first-use order
 * </pre>
 *
 * <p>The caller then: adds each reference count ({@code rte_mbuf_refcnt_update}, on every
 * segment) <em>before</em> any tx, since a tx may free its reference at once; calls one
 * tx burst per touched port and frees what it did not take (dropping one reference
 * each); frees the drop array. Every mbuf of the burst is then sent or freed exactly as
 * many times as it has references. Frames keep their rx order within each port's array.
 *
 * <p>A flood goes to every port but {@code inPort} (never back where it came from); a
 * decision naming {@code inPort} or a port outside {@code [0, ports)} is treated as a
 * drop (Forwarding never returns either, this is defence in depth). With two ports a
 * flood is a single copy and needs no extra reference.
 *
 * <p>The arrays are native memory (what {@code rte_eth_tx_burst} and
 * {@code rte_pktmbuf_free_bulk} take), made once; {@link #stage} allocates nothing.
 * Not thread-safe: one instance per lcore.
 */
public final class SwitchStage {
    private static final ValueLayout.OfLong PTR = ValueLayout.JAVA_LONG;

    private final int ports;
    private final int burst;
    private final MemorySegment[] staging;
    /** tails[p][i]: staging(p) from index i on, for freeing a tx shortfall without a slice per burst. */
    private final MemorySegment[][] tails;
    private final int[] counts;
    private final int[] touched;
    private int nTouched;
    private final long[] refMbufs;
    private final int[] refExtra;
    private int nRefs;
    private final MemorySegment drops;
    private int nDrops;

    /**
     * @param ports number of ports (ids 0..ports-1), at least 1
     * @param burst the largest burst {@link #stage} will get
     * @param arena where the native arrays live (the lcore's lifetime)
     */
    public SwitchStage(int ports, int burst, Arena arena) {
        if (ports < 1 || ports > MacTable.MAX_PORT + 1) {
            throw new IllegalArgumentException("port count " + ports + " is out of range");
        }
        if (burst < 1) {
            throw new IllegalArgumentException("burst " + burst + " must be at least 1");
        }
        this.ports = ports;
        this.burst = burst;
        this.staging = new MemorySegment[ports];
        this.tails = new MemorySegment[ports][burst + 1];
        for (int p = 0; p < ports; p++) {
            staging[p] = arena.allocate(PTR, burst);
            for (int i = 0; i <= burst; i++) {
                tails[p][i] = staging[p].asSlice(8L * i);
            }
        }
        this.counts = new int[ports];
        this.touched = new int[ports];
        this.refMbufs = new long[burst];
        this.refExtra = new int[burst];
        this.drops = arena.allocate(PTR, burst);
    }

    /**
     * Stages frames {@code 0..n-1} of {@code pkts} (an array of mbuf pointers)
     * received on {@code inPort}, following {@code decisions[i]} (a port,
     * {@link Forwarding#FLOOD} or {@link Forwarding#DROP}). Forgets the previous burst.
     */
    public void stage(int inPort, MemorySegment pkts, int[] decisions, int n) {
        final int[] counts = this.counts;
        for (int t = 0; t < nTouched; t++) {
            counts[touched[t]] = 0;
        }
        nTouched = 0;
        nRefs = 0;
        nDrops = 0;
        final int floodCopies = ports - 1;
        for (int i = 0; i < n; i++) {
            long m = pkts.getAtIndex(PTR, i);
            int d = decisions[i];
            if (d >= 0 && d < ports && d != inPort) {
                put(d, m);
            } else if (d == Forwarding.FLOOD && floodCopies > 0) {
                for (int p = 0; p < ports; p++) {
                    if (p != inPort) {
                        put(p, m);
                    }
                }
                if (floodCopies > 1) {
                    refMbufs[nRefs] = m;
                    refExtra[nRefs++] = floodCopies - 1;
                }
            } else {
                drops.setAtIndex(PTR, nDrops++, m);
            }
        }
    }

    private void put(int p, long m) {
        int c = counts[p];
        if (c == 0) {
            touched[nTouched++] = p;
        }
        staging[p].setAtIndex(PTR, c, m);
        counts[p] = c + 1;
    }

    /** Number of ports with frames staged in the last burst. */
    public int touchedPorts() {
        return nTouched;
    }

    /** The {@code t}-th port with frames staged, {@code t < touchedPorts()}. */
    public int touchedPort(int t) {
        return touched[t];
    }

    /** Frames staged for {@code port} in the last burst. */
    public int count(int port) {
        return counts[port];
    }

    /** The tx array of {@code port}: {@link #count} mbuf pointers. */
    public MemorySegment staging(int port) {
        return staging[port];
    }

    /** The tx array of {@code port} from index {@code from} on (what a short tx left). */
    public MemorySegment stagingFrom(int port, int from) {
        return tails[port][from];
    }

    /** Mbufs that need extra references before any tx. */
    public int refCount() {
        return nRefs;
    }

    /** The {@code r}-th mbuf that needs extra references. */
    public long refMbuf(int r) {
        return refMbufs[r];
    }

    /** How many references to add to {@link #refMbuf}{@code (r)}. */
    public int refExtra(int r) {
        return refExtra[r];
    }

    /** Frames to free without sending. */
    public int dropCount() {
        return nDrops;
    }

    /** The drop array: {@link #dropCount} mbuf pointers. */
    public MemorySegment drops() {
        return drops;
    }

    /** Number of ports. */
    public int ports() {
        return ports;
    }

    /** The largest burst. */
    public int burst() {
        return burst;
    }
}
