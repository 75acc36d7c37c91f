package io.vswitch.sw;

import io.vswitch.datapath.Forwarding;
import io.vswitch.datapath.MbufSink;
import io.vswitch.datapath.PortCounters;
import io.vswitch.datapath.PortSet;
import io.vswitch.datapath.SwitchStage;
import io.vswitch.dpdk.LcoreLoop;
import io.vswitch.dpdk.MbufEdit;
import io.vswitch.dpdk.Mbufs;
import io.vswitch.dpdk.PacketIo;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

/**
 * One lcore of the L2 switch: for each (port, rx queue) pair of its current {@link Plan},
 * receive a burst, decide each frame (learn its source, then a port, FLOOD or DROP), stage
 * the burst per output port and send it on <em>this lcore's own tx queue</em> of each port
 * (every port has one tx queue per lcore, so no tx locks).
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
 * <p>Every mbuf is sent or freed in the iteration that received it; nothing in {@link #loop}
 * allocates (the arrays, stage and counters are made before it).
 */
public final class SwitchLoop extends LcoreLoop {
    /**
     * What one lcore does: poll rx queue {@code queues[i]} of port {@code ports[i]}, switch
     * among {@code set}'s live ports. Arrays are never modified once published.
     */
    public record Plan(long generation, int[] ports, int[] queues, PortSet set) {}

    private final PacketIo io;
    private final MbufSink sink;
    private final int txq;
    private final Forwarding fwd;
    private final SwitchStage stage;
    private final PortCounters counters;
    private final MemorySegment pkts;
    private final int[] decisions;
    private final int[] vlans;
    private final int[] lens;
    private final int burst;
    private volatile Plan next;
    private volatile long acked = -1;

    /**
     * @param cpu      the CPU to pin to
     * @param io       rx/tx/free
     * @param sink     the stage's tx side (over the same io) and mbuf edits
     * @param txq      this lcore's tx queue on every port
     * @param fwd      this lcore's forwarding state (shared table; books into {@code fwd.counters()})
     * @param first    the plan to start with
     */
    public SwitchLoop(int cpu, PacketIo io, MbufSink sink, int txq, int burst, Forwarding fwd, Plan first) {
        super(cpu);
        this.io = io;
        this.sink = sink;
        this.txq = txq;
        this.fwd = fwd;
        this.counters = fwd.counters();
        this.burst = burst;
        this.stage = new SwitchStage(counters.ports(), burst, Arena.global());
        this.pkts = Arena.global().allocate(ValueLayout.ADDRESS, burst);
        this.decisions = new int[burst];
        this.vlans = new int[burst];
        this.lens = new int[burst];
        this.next = first;
    }

    public Forwarding forwarding() {
        return fwd;
    }

    public PortCounters counters() {
        return counters;
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
        sink.warmUp();
    }

    @Override
    protected void loop() {
        final PacketIo io = this.io;
        final MbufSink sink = this.sink;
        final MemorySegment pkts = this.pkts;
        final int[] decisions = this.decisions;
        final int[] vlans = this.vlans;
        final int[] lens = this.lens;
        final Forwarding fwd = this.fwd;
        final SwitchStage stage = this.stage;
        final PortCounters c = this.counters;
        final int txq = this.txq;
        final int burst = this.burst;
        Plan plan = next;
        acked = plan.generation();
        int[] ports = plan.ports();
        int[] queues = plan.queues();
        PortSet set = plan.set();
        while (running()) {
            Plan p = next;                                  // burst boundary: pick up a published plan
            if (p != plan) {
                plan = p;
                ports = p.ports();
                queues = p.queues();
                set = p.set();
                acked = p.generation();                     // every burst of the old plan is done
            }
            for (int k = 0; k < ports.length; k++) {
                int in = ports[k];
                int n = io.rxBurst(in, queues[k], pkts, burst);
                if (n == 0) {
                    continue;
                }
                long now = System.nanoTime();
                long bytes = 0;
                int access = set.accessVlan(in);
                fwd.newBurst();
                for (int i = 0; i < n; i++) {
                    long m = pkts.getAtIndex(ValueLayout.JAVA_LONG, i);
                    int len = Mbufs.dataLen(m);
                    bytes += len;
                    lens[i] = len;
                    decisions[i] = fwd.decideInBurst(in, access, Mbufs.ALL, Mbufs.data(m), len, now);
                    vlans[i] = fwd.lastVlan();
                }
                stage.stage(in, pkts, decisions, vlans, lens, n, set, sink, c);
                stage.transmit(sink, txq, c);
                c.add(in, PortCounters.RX_PACKETS, n);
                c.add(in, PortCounters.RX_BYTES, bytes);
                c.inc(in, PortCounters.BURSTS);
            }
        }
    }
}
