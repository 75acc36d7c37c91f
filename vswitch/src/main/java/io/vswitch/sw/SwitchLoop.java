package io.vswitch.sw;

import io.vswitch.datapath.Forwarding;
import io.vswitch.datapath.LcoreCycles;
import io.vswitch.datapath.MbufSink;
import io.vswitch.datapath.PortCounters;
import io.vswitch.datapath.PortSet;
import io.vswitch.datapath.SwitchStage;
import io.vswitch.datapath.TxLock;
import io.vswitch.dpdk.LcoreLoop;
import io.vswitch.dpdk.MbufEdit;
import io.vswitch.dpdk.Mbufs;
import io.vswitch.dpdk.PacketIo;
import io.vswitch.dpdk.Tsc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

/**
 * One lcore of the L2 switch: for each (port, rx queue) pair of its current {@link Plan},
 * receive a burst, decide each frame (learn its source, then a port, FLOOD or DROP), stage
 * the burst per output port and send it on the tx queue the plan gives this lcore on each
 * port: its own (every port has a tx queue per lcore, so no tx locks), unless the port's
 * guest left that queue disabled; then an enabled one ({@link io.vswitch.datapath.TxQueueMap}),
 * shared with another lcore under that queue's {@link TxLock} when there are not enough.
 *
 * <pre>
 *   plan = next (at a burst boundary) ─► for (in, q) in plan:
 *     rx_burst(in, q) ─► [m0 .. mn-1] ─► Forwarding.decide ─► SwitchStage.stage ─► SwitchStage.transmit
 *                                                              (ports, VLANs      (refcnt, tx per port,
 *                                                               of the plan)       free shortfall, drops)
 * </pre>
 *
 * <h2>Plans, and the memory ordering of a change</h2>
 * The control thread never touches a running loop's state: it builds a new immutable
 * {@link Plan} (the pairs to poll, the live ports and their VLAN roles) and publishes it with
 * a volatile write of {@link #publish}. The loop reads {@code next} once per round of its
 * pairs, a burst boundary (a volatile read: a plain load on x86); when it differs from the
 * plan it runs, it switches and acknowledges with a volatile write of the plan's generation.
 * The volatile write/read pair makes the plan's contents visible to the loop (they were
 * written before the publish); the acknowledgement is written after every burst of the old
 * plan was received, sent and freed, so once the control thread reads it ({@link #awaitPlan})
 * no burst of this loop will touch a port the new plan left out: the port can be stopped and
 * closed. No lock, no wait on the loop's side; the loop writes a volatile only when a plan
 * changes.
 *
 * <p>Because lcores take a new plan each at its own burst boundary, a change of the tx queues
 * (a guest enabling or disabling queues) is published in three acknowledged steps, so that two
 * lcores on one queue always both lock it ({@code SwitchNode.publish}).
 *
 * <p>Every mbuf is sent or freed in the iteration that received it; nothing in {@link #loop}
 * allocates (the arrays, stage and counters are made before it).
 */
public final class SwitchLoop extends LcoreLoop {
    /**
     * What one lcore does: poll rx queue {@code queues[i]} of port {@code ports[i]}, switch
     * among {@code set}'s live ports, send to port {@code p} on its tx queue {@code txq[p]}
     * ({@link io.vswitch.datapath.TxQueueMap#NONE}: none enabled, drop) holding
     * {@code locks[p]} when it is not null (a queue shared with another lcore). {@code txq}
     * and {@code locks} null: the lcore's own queue everywhere, no locks. Arrays are never
     * modified once published.
     */
    public record Plan(long generation, int[] ports, int[] queues, PortSet set, int[] txq, TxLock[] locks) {
        /** A plan where the lcore sends on its own tx queue of every port, unlocked. */
        public Plan(long generation, int[] ports, int[] queues, PortSet set) {
            this(generation, ports, queues, set, null, null);
        }
    }

    /** What a failed loop was doing: {@link #RECEIVING}, {@link #SWITCHING} or {@link #SENDING}, on which port and queue. */
    public record Where(int phase, int port, int queue) {
        public static final int RECEIVING = 0;
        public static final int SWITCHING = 1;
        public static final int SENDING = 2;
    }

    private static final ValueLayout.OfLong BE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);

    private final PacketIo io;
    private final MbufSink sink;
    private final int txq;
    private final Forwarding fwd;
    private final SwitchStage stage;
    private final PortCounters counters;
    private final LcoreCycles cycles;
    /**
     * Cycle accounting on (the default), or off with {@code -Dvswitch.cycleAccounting=false}:
     * a constant the JIT folds, so "off" is the loop without it, for measuring its cost.
     */
    static final boolean CYCLES = !"false".equals(System.getProperty("vswitch.cycleAccounting"));
    private final MemorySegment pkts;
    private final int[] decisions;
    private final int[] vlans;
    private final int[] lens;
    private final int burst;
    private final int[] ownTxq;
    private final TxLock[] noLocks;
    private volatile Plan next;
    private volatile long acked = -1;
    /** Set by the loop before it rethrows a failure (published by the failure's volatile write). */
    private Where where;

    /**
     * @param cpu      the CPU to pin to
     * @param io       rx/tx/free
     * @param sink     the stage's tx side (over the same io) and mbuf edits
     * @param txq      this lcore's own tx queue on every port (when a plan does not say otherwise)
     * @param fwd      this lcore's forwarding state (shared table; books into {@code fwd.counters()})
     * @param first    the plan to start with
     * @param tscHz    TSC cycles per second ({@code Tsc.hz()}), for the poll-duration histogram
     */
    public SwitchLoop(int cpu, PacketIo io, MbufSink sink, int txq, int burst, Forwarding fwd, Plan first, long tscHz) {
        super(cpu);
        this.io = io;
        this.sink = sink;
        this.txq = txq;
        this.fwd = fwd;
        this.counters = fwd.counters();
        this.cycles = new LcoreCycles(counters.ports(), tscHz);
        this.burst = burst;
        this.stage = new SwitchStage(counters.ports(), burst, Arena.global());
        this.pkts = Arena.global().allocate(ValueLayout.ADDRESS, burst);
        this.decisions = new int[burst];
        this.vlans = new int[burst];
        this.lens = new int[burst];
        this.ownTxq = new int[counters.ports()];
        java.util.Arrays.fill(ownTxq, txq);
        this.noLocks = new TxLock[counters.ports()];
        this.next = first;
    }

    /**
     * Where the loop was when it failed (null: it did not fail, or failed before its loop);
     * read it once {@link #failure} is set, or after joining the loop's thread.
     */
    public Where where() {
        return where;
    }

    public Forwarding forwarding() {
        return fwd;
    }

    public PortCounters counters() {
        return counters;
    }

    /** Busy and idle cycles of this loop, frames and bursts, per rx queue (pmd-stats). */
    public LcoreCycles cycles() {
        return cycles;
    }

    /** Hands the loop a new plan; it switches at its next burst boundary ({@link #awaitPlan} waits for that). */
    public void publish(Plan plan) {
        next = plan;
    }

    /** The generation of the plan the loop runs (-1 before it started). */
    public long acknowledged() {
        return acked;
    }

    /**
     * Waits until the loop runs plan {@code generation} or a later one, or has stopped or
     * failed (then nothing of it runs any more either). False after {@code timeoutNanos}.
     */
    public boolean awaitPlan(long generation, long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (acked < generation && !finished()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            TimeUnit.MICROSECONDS.sleep(50);
        }
        return true;
    }

    @Override
    protected void link() {
        super.link();
        Mbufs.link();
        MbufEdit.link();
        Tsc.read();
        sink.warmUp();
    }

    /**
     * The loop. A throw anywhere in it (a bug, a device fault) ends it: the (port, queue) it
     * was receiving from or sending to is kept in {@link #where} (from locals the loop keeps
     * anyway: nothing is written per burst for it), the throwable in {@link #failure}, and the
     * node stops the switch.
     */
    @Override
    protected void loop() {
        final PacketIo io = this.io;
        final MemorySegment pkts = this.pkts;
        final SwitchStage stage = this.stage;
        final int burst = this.burst;
        Plan plan = next;
        acked = plan.generation();
        int[] ports = plan.ports();
        int[] queues = plan.queues();
        PortSet set = plan.set();
        int[] txqOf = plan.txq() != null ? plan.txq() : ownTxq;
        TxLock[] locks = plan.locks() != null ? plan.locks() : noLocks;
        final LcoreCycles cyc = this.cycles;
        long t0 = CYCLES ? Tsc.read() : 0;
        int phase = Where.RECEIVING;                        // locals: what a failure report says, free to keep
        int in = -1;
        int q = -1;
        try {
            while (running()) {
                Plan p = next;                                  // burst boundary: pick up a published plan
                if (p != plan) {
                    plan = p;
                    ports = p.ports();
                    queues = p.queues();
                    set = p.set();
                    txqOf = p.txq() != null ? p.txq() : ownTxq;
                    locks = p.locks() != null ? p.locks() : noLocks;
                    acked = p.generation();                     // every burst of the old plan is done
                }
                for (int k = 0; k < ports.length; k++) {
                    in = ports[k];
                    q = queues[k];
                    phase = Where.RECEIVING;
                    int n = io.rxBurst(in, q, pkts, burst);
                    if (n == 0) {
                        if (CYCLES) {
                            long t = Tsc.read();
                            cyc.idle(t - t0);
                            t0 = t;
                        }
                        continue;
                    }
                    phase = Where.SWITCHING;
                    long bytes = decide(in, n, set);
                    phase = Where.SENDING;
                    send(in, n, bytes, txqOf, locks);
                    if (CYCLES) {
                        long t = Tsc.read();                // this poll's end is the next one's start
                        cyc.busy(in, q, t - t0, n);
                        t0 = t;
                    }
                }
            }
        } catch (RuntimeException | Error e) {
            int out = phase == Where.SENDING ? stage.sendingPort() : -1;
            where = phase == Where.SENDING ? new Where(phase, out, out >= 0 ? txqOf[out] : -1) : new Where(phase, in, q);
            throw e;
        }
    }

    /**
     * The first half of a burst's work, as {@link #loop} runs it: decides frames {@code 0..n-1}
     * of the rx array (received on port {@code in}) and stages them among {@code set}'s ports.
     * Public for the JMH benchmark of a burst ({@code SwitchBench}); only the loop's thread
     * may call it.
     *
     * @return the bytes received (for {@link #send})
     */
    public long decide(int in, int n, PortSet set) {
        final MemorySegment pkts = this.pkts;
        final int[] decisions = this.decisions;
        final int[] vlans = this.vlans;
        final int[] lens = this.lens;
        final Forwarding fwd = this.fwd;
        long now = System.nanoTime();
        long bytes = 0;
        int access = set.accessVlan(in);
        fwd.newBurst();
        for (int i = 0; i < n; i++) {
            long m = pkts.getAtIndex(ValueLayout.JAVA_LONG, i);
            int len = Mbufs.pktLen(m);       // the whole frame, every segment: what the counters count
            bytes += len;
            lens[i] = len;
            // the headers are read from the first segment only
            long data = Mbufs.data(m);
            int dataLen = Mbufs.dataLen(m);
            int d = Forwarding.REDO;
            if (dataLen >= 14) {              // the common frame without a call (Forwarding.known)
                d = fwd.known(in, access, Mbufs.ALL.get(BE_LONG, data), Mbufs.ALL.get(BE_LONG, data + 4) & 0xFFFF_FFFF_FFFFL,
                        Short.toUnsignedInt(Mbufs.ALL.get(BE_SHORT, data + 12)));
            }
            if (d == Forwarding.REDO) {
                d = fwd.decideInBurst(in, access, Mbufs.ALL, data, dataLen, now);
            }
            decisions[i] = d;
            vlans[i] = fwd.lastVlan();
        }
        stage.stage(in, pkts, decisions, vlans, lens, n, set, sink, counters);
        return bytes;
    }

    /**
     * The second half: sends what {@link #decide} staged (port {@code p} on tx queue
     * {@code txqOf[p]}, under {@code locks[p]} when not null) and books the burst's rx.
     */
    public void send(int in, int n, long bytes, int[] txqOf, TxLock[] locks) {
        final PortCounters c = this.counters;
        stage.transmit(sink, txqOf, locks, c);
        c.add(in, PortCounters.RX_PACKETS, n);
        c.add(in, PortCounters.RX_BYTES, bytes);
        c.inc(in, PortCounters.BURSTS);
    }

    /** The rx array {@link #decide} reads: {@code burst} mbuf pointers (for the benchmark to fill). */
    public MemorySegment rxArray() {
        return pkts;
    }
}
