package io.vswitch.datapath;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One lcore's staging and sending of a received burst: turns the burst's
 * {@link Forwarding} decisions into one tx array per output port, the reference counts
 * flooding needs, the VLAN edits access ports need, and a drop array ({@link #stage}); then
 * sends it all ({@link #transmit}): references first, one tx burst per port, frees what a
 * port did not take and the drops. The tx protocol lives here, behind a small
 * {@link MbufSink}, so a loop is rx → decide → stage → transmit.
 *
 * <pre>
 *   rx burst  [m0  m1     m2  m3  ...]       inPort = 0, live trunk ports 0..3
 *   decisions [2   FLOOD  2   DROP]
 *
 *   staging(2) = [m0 m1 m2]    staging(1) = [m1]    staging(3) = [m1]    drops = [m3]
 *   refcounts  = (m1, +2)      m1 goes to 3 ports: it needs 2 more references
 *   touched    = [2, 1, 3]     the ports to tx_burst, in first-use order
 * </pre>
 *
 * <p><b>Ownership.</b> References are added <em>before</em> any tx, since a tx may free its
 * reference at once; each tx (or free of its shortfall) then drops one reference. Every mbuf
 * of the burst is sent or freed exactly as many times as it has references, in the iteration
 * that received it. Frames keep their rx order within each port's array.
 *
 * <p><b>Ports and VLANs</b> come from the lcore's current {@link PortSet}. A flood goes to
 * every live port but {@code inPort} whose VLAN role admits the frame: trunks always, an
 * access port only frames of its VLAN. A frame's VLAN {@code v} is the one Forwarding gave
 * it (an access port's frames are its VLAN, untagged on the wire). A frame entering on an
 * access port leaves a trunk tagged {@code v} (a tag is pushed); one entering on a trunk
 * tagged {@code v} leaves an access port untagged (the tag is popped); otherwise frames leave
 * as they came. A unicast frame is edited in place; a flood whose ports want both encodings
 * sends the original to one kind and a copy ({@link MbufSink#copy}) to the other. A decision
 * naming {@code inPort} or a port that is not live is a drop (Forwarding never names the
 * input port; a port that is not live is one being removed: {@code drop_no_port}).
 *
 * <p>The arrays are native memory (what {@code rte_eth_tx_burst} and
 * {@code rte_pktmbuf_free_bulk} take), made once; nothing here allocates per burst. Not
 * thread-safe: one instance per lcore.
 */
public final class SwitchStage {
    private static final ValueLayout.OfLong PTR = ValueLayout.JAVA_LONG;
    private static final int VLAN_HLEN = 4;

    private final int ports;
    private final int burst;
    private final MemorySegment[] staging;
    /** tails[p][i]: staging(p) from index i on, for freeing a tx shortfall without a slice per burst. */
    private final MemorySegment[][] tails;
    /** Frame length of each staged slot, for tx bytes. */
    private final int[][] lens;
    private final int[] counts;
    private final int[] touched;
    private int nTouched;
    private final long[] refMbufs;
    private final int[] refExtra;
    private int nRefs;
    private final MemorySegment drops;
    private int nDrops;
    private final PortSet allTrunks;
    private final PortCounters scratch;

    /**
     * @param ports one more than the largest port id (DPDK's RTE_MAX_ETHPORTS for the switch)
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
        this.lens = new int[ports][burst];
        for (int p = 0; p < ports; p++) {
            staging[p] = arena.allocate(PTR, burst);
            for (int i = 0; i <= burst; i++) {
                tails[p][i] = staging[p].asSlice(8L * i);
            }
        }
        this.counts = new int[ports];
        this.touched = new int[ports];
        this.refMbufs = new long[2 * burst];
        this.refExtra = new int[2 * burst];
        this.drops = arena.allocate(PTR, 2L * burst);
        this.allTrunks = PortSet.trunks(ports);
        this.noLocks = new TxLock[ports];
        this.scratch = new PortCounters(ports);
    }

    /**
     * Stages a burst among ports {@code 0..ports-1}, all live trunks, without VLAN edits
     * (frames keep their encoding between trunks, so no sink is needed).
     */
    public void stage(int inPort, MemorySegment pkts, int[] decisions, int n) {
        stage(inPort, pkts, decisions, null, null, n, allTrunks, null, scratch);
    }

    /**
     * Stages frames {@code 0..n-1} of {@code pkts} (an array of mbuf pointers) received on
     * {@code inPort}, following {@code decisions[i]} (a port, {@link Forwarding#FLOOD} or
     * {@link Forwarding#DROP}), among the live ports of {@code set}. Forgets the previous burst.
     *
     * @param vlans   each frame's VLAN as Forwarding gave it ({@link Forwarding#lastVlan}); null: all 0
     * @param lengths each frame's length (for tx bytes; adjusted for VLAN edits); null: 0
     * @param sink    for VLAN edits and copies; may be null when {@code set} has no access port
     * @param c       the lcore's counters: VLAN and copy drops are booked here
     */
    public void stage(int inPort, MemorySegment pkts, int[] decisions, int[] vlans, int[] lengths, int n, PortSet set,
                      MbufSink sink, PortCounters c) {
        final int[] counts = this.counts;
        for (int t = 0; t < nTouched; t++) {
            counts[touched[t]] = 0;
        }
        nTouched = 0;
        nRefs = 0;
        nDrops = 0;
        final boolean inAccess = set.accessVlan(inPort) > 0;
        if (uniformPath && n > 0 && stageUniform(inPort, pkts, decisions, vlans, lengths, n, set, inAccess)) {
            return;
        }
        final int live = set.size();
        for (int i = 0; i < n; i++) {
            long m = pkts.getAtIndex(PTR, i);
            int d = decisions[i];
            int v = vlans == null ? 0 : vlans[i];
            int len = lengths == null ? 0 : lengths[i];
            if (d >= 0) {
                int pv = set.accessVlan(d);
                if (d == inPort || pv < 0) {
                    if (d != inPort) {
                        c.inc(inPort, PortCounters.DROP_NO_PORT);
                    }
                    drop(m);
                } else if (set.down(d)) {
                    c.inc(d, PortCounters.DROP_LINK_DOWN);
                    drop(m);
                } else if (pv > 0 && pv != v) {
                    c.inc(inPort, PortCounters.DROP_VLAN);
                    drop(m);
                } else if (needsEdit(pv, v, inAccess)) {
                    int edited = edit(sink, m, v, inAccess, len);
                    if (edited < 0) {
                        c.inc(inPort, PortCounters.DROP_NO_MBUF);
                        drop(m);
                    } else {
                        put(d, m, edited);
                    }
                } else {
                    put(d, m, len);
                }
            } else if (d == Forwarding.FLOOD) {
                int same = 0;
                int other = 0;
                for (int j = 0; j < live; j++) {
                    int p = set.id(j);
                    int k = floodKind(set, p, inPort, v, inAccess);
                    if (k == OTHER) {
                        other++;
                    } else if (k == SAME) {
                        same++;
                    } else if (k == DOWN) {
                        c.inc(p, PortCounters.DROP_LINK_DOWN);   // its copy, had it a guest
                    }
                }
                long mo = 0;
                int otherLen = 0;
                if (other > 0) {
                    mo = same == 0 ? m : sink.copy(m);
                    otherLen = mo == 0 ? -1 : edit(sink, mo, v, inAccess, len);
                    if (otherLen < 0) {
                        c.inc(inPort, PortCounters.DROP_NO_MBUF);
                        if (mo != 0) {
                            drop(mo);                     // a copy (or the frame itself) without headroom
                        }
                        if (mo == m) {
                            continue;                      // the frame was the other kind's only copy
                        }
                        other = 0;
                    }
                }
                if (same + other == 0) {
                    drop(m);                               // a flood with nowhere to go is freed, never sent back
                    continue;
                }
                for (int j = 0; j < live; j++) {
                    int p = set.id(j);
                    int k = floodKind(set, p, inPort, v, inAccess);
                    if (k == OTHER) {
                        if (other > 0) {
                            put(p, mo, otherLen);
                        }
                    } else if (k == SAME) {
                        put(p, m, len);
                    }
                }
                if (same > 1) {
                    refMbufs[nRefs] = m;
                    refExtra[nRefs++] = same - 1;
                }
                if (other > 1) {
                    refMbufs[nRefs] = mo;
                    refExtra[nRefs++] = other - 1;
                }
            } else {
                drop(m);
            }
        }
    }

    /** Off only in tests, to compare {@link #stageUniform} with the frame loop. */
    boolean uniformPath = true;

    /**
     * The common burst: every frame to the same live, up port, in the same VLAN, leaving as it
     * came (one flow, or many between the same two MACs). Stages the whole burst with two bulk
     * copies instead of per-frame checks and stores; the result is what the frame loop would
     * stage. False (nothing staged) when the burst is not such a one.
     */
    private boolean stageUniform(int inPort, MemorySegment pkts, int[] decisions, int[] vlans, int[] lengths, int n,
                                 PortSet set, boolean inAccess) {
        int d = decisions[0];
        int v = vlans == null ? 0 : vlans[0];
        int same = 1;
        while (same < n && decisions[same] == d && (vlans == null || vlans[same] == v)) {
            same++;
        }
        if (same < n || d < 0 || d == inPort) {
            return false;
        }
        int pv = set.accessVlan(d);
        if (pv < 0 || set.down(d) || (pv > 0 && pv != v) || needsEdit(pv, v, inAccess)) {
            return false;
        }
        MemorySegment.copy(pkts, 0, staging[d], 0, 8L * n);
        if (lengths == null) {
            java.util.Arrays.fill(lens[d], 0, n, 0);
        } else {
            System.arraycopy(lengths, 0, lens[d], 0, n);
        }
        counts[d] = n;
        touched[nTouched++] = d;
        return true;
    }

    /** {@link #floodKind}: the port takes no copy of the flood. */
    private static final int SKIP = -1;
    /** {@link #floodKind}: the port takes the frame as it came. */
    private static final int SAME = 0;
    /** {@link #floodKind}: the port takes the frame in the other encoding (tagged / untagged). */
    private static final int OTHER = 1;
    /** {@link #floodKind}: the port would take a copy but is down: none is made, one drop_link_down. */
    private static final int DOWN = 2;

    /** Whether a frame of VLAN {@code v} received on an access port ({@code inAccess}) or a trunk changes encoding on its way to a port of role {@code pv}. */
    private static boolean needsEdit(int pv, int v, boolean inAccess) {
        return v != 0 && (pv > 0) != inAccess;
    }

    /** What port {@code p} gets of a flood of VLAN {@code v} from {@code inPort}: {@link #SKIP}, {@link #SAME}, {@link #OTHER} or {@link #DOWN}. */
    private static int floodKind(PortSet set, int p, int inPort, int v, boolean inAccess) {
        int pv = set.accessVlan(p);
        if (p == inPort || (pv > 0 && pv != v)) {
            return SKIP;
        }
        if (set.down(p)) {
            return DOWN;
        }
        return needsEdit(pv, v, inAccess) ? OTHER : SAME;
    }

    /** Re-encodes frame {@code m} of VLAN {@code v} for the other kind of port; its new length, or -1. */
    private static int edit(MbufSink sink, long m, int v, boolean inAccess, int len) {
        if (inAccess) {
            return sink.pushVlan(m, v) ? len + VLAN_HLEN : -1;
        }
        sink.popVlan(m);
        return len - VLAN_HLEN;
    }

    private void drop(long m) {
        drops.setAtIndex(PTR, nDrops++, m);
    }

    private void put(int p, long m, int len) {
        int c = counts[p];
        if (c == 0) {
            touched[nTouched++] = p;
        }
        staging[p].setAtIndex(PTR, c, m);
        lens[p][c] = len;
        counts[p] = c + 1;
    }

    /**
     * Sends the staged burst on tx queue {@code txq} of every touched port: references first,
     * then one tx burst per port, freeing (and booking as {@code drop_tx_full} of that port)
     * what it did not take, then the drops. Books tx packets and bytes per port.
     */
    public void transmit(MbufSink sink, int txq, PortCounters c) {
        if (sameQueue == null || sameQueue[0] != txq) {
            sameQueue = new int[ports];                      // tests only: the loops pass their plan's map
            java.util.Arrays.fill(sameQueue, txq);
        }
        transmit(sink, sameQueue, noLocks, c);
    }

    private int[] sameQueue;
    private final TxLock[] noLocks;
    /** The port of the tx burst under way (-1: none), for a failure report; plain, written before each tx. */
    private int sending = -1;

    /**
     * {@link #transmit(MbufSink, int, PortCounters)} with the tx queue of each port from
     * {@code txqOf} (by port id; {@link TxQueueMap#NONE}: the port has no queue its guest
     * enabled, so its frames are freed and booked as {@code drop_link_down}), holding
     * {@code locks[p]} around the tx burst when it is not null (a queue shared with other
     * lcores: only they take it, so an lcore with queues of its own never waits).
     */
    public void transmit(MbufSink sink, int[] txqOf, TxLock[] locks, PortCounters c) {
        for (int r = 0; r < nRefs; r++) {
            sink.addReferences(refMbufs[r], refExtra[r]);
        }
        for (int t = 0; t < nTouched; t++) {
            int p = touched[t];
            int cnt = counts[p];
            int txq = txqOf[p];
            if (txq < 0) {
                sink.freeBulk(staging[p], cnt);
                c.add(p, PortCounters.DROP_LINK_DOWN, cnt);
                continue;
            }
            sending = p;
            TxLock lock = locks[p];
            int sent;
            if (lock == null) {
                sent = sink.txBurst(p, txq, staging[p], cnt);
            } else {
                lock.lock();
                try {
                    sent = sink.txBurst(p, txq, staging[p], cnt);
                } finally {
                    lock.unlock();
                }
            }
            sending = -1;
            if (sent < cnt) {
                sink.freeBulk(tails[p][sent], cnt - sent);
                c.add(p, PortCounters.DROP_TX_FULL, cnt - sent);
            }
            long bytes = 0;
            int[] l = lens[p];
            for (int i = 0; i < sent; i++) {
                bytes += l[i];
            }
            c.add(p, PortCounters.TX_PACKETS, sent);
            c.add(p, PortCounters.TX_BYTES, bytes);
        }
        if (nDrops > 0) {
            sink.freeBulk(drops, nDrops);
        }
    }

    /** The port whose tx burst was under way when a tx call threw, or -1 (read after the lcore stopped). */
    public int sendingPort() {
        return sending;
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

    /** One more than the largest port id. */
    public int ports() {
        return ports;
    }

    /** The largest burst. */
    public int burst() {
        return burst;
    }
}
