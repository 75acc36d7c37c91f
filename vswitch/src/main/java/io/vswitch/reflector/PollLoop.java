package io.vswitch.reflector;

import io.vswitch.datapath.ReflectMode;
import io.vswitch.dpdk.DpdkIo;
import io.vswitch.dpdk.Mbufs;
import io.vswitch.dpdk.PacketIo;
import io.vswitch.dpdk.LcoreLoop;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One lcore's poll loop: for each (port, queue) pair it owns, receive a burst, apply the
 * reflect mode to each frame, send the burst back on the same queue, and free what the
 * tx burst did not take. Every mbuf is sent or freed in the iteration that received it.
 *
 * <pre>
 *    rx_burst(port,q) ──► [m0 m1 .. mn-1] ──mode──► tx_burst(port,q) ──► sent
 *                                                         └─ rest ──► free_bulk (drops++)
 * </pre>
 *
 * <p>Nothing in {@link #run} allocates per packet or per burst: the burst array, its tail
 * slices and the counters are made before the loop; packet bytes are reached through the
 * one everything-segment {@link Mbufs#ALL}; the burst and free calls are the generated
 * static final handles, linked with {@code Linker.Option.critical}.
 *
 * <p>With {@code --ab} ({@link AbSchedule}) the loop runs the {@link LoopVariant} the stats
 * thread publishes, read once per round of its pairs (a burst boundary); without it, always
 * {@link LoopVariant#BASE}.
 */
public final class PollLoop extends LcoreLoop {
    private final PacketIo io;
    private final ReflectMode mode;
    private final int burst;
    private final short[] ports;
    private final short[] queues;
    private final QueueCounters[] counters;
    private final MemorySegment pkts;
    /** tails[i] = pkts from index i on: what free_bulk gets after a short tx. */
    private final MemorySegment[] tails;
    /** pkt_len of each frame of the burst (all segments), read before tx_burst hands the mbufs over. */
    private final int[] lens;
    /** The A/B schedule whose variant the loop runs, or null: base only. */
    private final AbSchedule ab;

    public PollLoop(int cpu, PacketIo io, ReflectMode mode, int burst, int[] ports, int[] queues, QueueCounters[] counters) {
        this(cpu, io, mode, burst, ports, queues, counters, null);
    }

    public PollLoop(int cpu, PacketIo io, ReflectMode mode, int burst, int[] ports, int[] queues, QueueCounters[] counters,
                    AbSchedule ab) {
        super(cpu);
        this.ab = ab;
        this.io = io;
        this.mode = mode;
        this.burst = burst;
        this.ports = new short[ports.length];
        this.queues = new short[queues.length];
        for (int i = 0; i < ports.length; i++) {
            this.ports[i] = (short) ports[i];
            this.queues[i] = (short) queues[i];
        }
        this.counters = counters;
        this.pkts = Arena.global().allocate(ValueLayout.ADDRESS, burst);
        this.lens = new int[burst];
        this.tails = new MemorySegment[burst + 1];
        for (int i = 0; i <= burst; i++) {
            tails[i] = pkts.asSlice((long) i * 8);
        }
    }

    @Override
    protected void loop() {
        final PacketIo io = this.io;
        final MemorySegment pkts = this.pkts;
        final MemorySegment[] tails = this.tails;
        final int[] lens = this.lens;
        final short[] ports = this.ports;
        final short[] queues = this.queues;
        final QueueCounters[] counters = this.counters;
        final int burst = this.burst;
        final int pairs = ports.length;
        final int mode = this.mode.ordinal();
        final AbSchedule ab = this.ab;
        while (running()) {
            final int variant = ab == null ? V_BASE : ab.loopVariant();     // a burst boundary: see AbSchedule
            for (int k = 0; k < pairs; k++) {
                QueueCounters c = counters[k];
                int n = io.rxBurst(ports[k], queues[k], pkts, burst);
                if (n == 0) {
                    c.emptyPolls++;
                    continue;
                }
                if (variant == V_PREFETCH) {
                    io.prefetch(pkts, n);
                }
                long bytes = 0;
                long txBytes;
                int sent;
                if (variant == V_NOLEN) {
                    for (int i = 0; i < n; i++) {
                        long m = pkts.getAtIndex(ValueLayout.JAVA_LONG, i);
                        bytes += Mbufs.pktLen(m);
                        reflect(mode, m);
                    }
                    sent = io.txBurst(ports[k], queues[k], pkts, n);
                    txBytes = bytes;
                    if (sent < n) {
                        for (int i = sent; i < n; i++) {            // not taken: still ours until freed
                            txBytes -= Mbufs.pktLen(pkts.getAtIndex(ValueLayout.JAVA_LONG, i));
                        }
                        io.freeBulk(tails[sent], n - sent);
                        c.drops += n - sent;
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        long m = pkts.getAtIndex(ValueLayout.JAVA_LONG, i);
                        int len = Mbufs.pktLen(m);                  // the whole frame, all segments
                        lens[i] = len;
                        bytes += len;
                        reflect(mode, m);
                    }
                    sent = io.txBurst(ports[k], queues[k], pkts, n);
                    txBytes = bytes;
                    if (sent < n) {
                        io.freeBulk(tails[sent], n - sent);
                        c.drops += n - sent;
                        for (int i = sent; i < n; i++) {
                            txBytes -= lens[i];
                        }
                    }
                }
                c.rxPkts += n;
                c.txPkts += sent;
                c.rxBytes += bytes;
                c.txBytes += txBytes;
                c.bursts++;
            }
        }
    }

    @Override
    protected void link() {
        super.link();
        if (ab != null && ab.variants().contains(LoopVariant.PREFETCH)) {
            DpdkIo.untilCustomized(() -> io.prefetch(pkts, 0));    // linked and customised before allocation is counted
        }
    }

    /** The mode's header edit of mbuf {@code m}: the first segment only (io: none). */
    private static void reflect(int mode, long m) {
        if (mode == MODE_MACSWAP) {
            ReflectMode.macswap(Mbufs.ALL, Mbufs.data(m), Mbufs.dataLen(m));
        } else if (mode == MODE_5TSWAP) {
            ReflectMode.fiveTupleSwap(Mbufs.ALL, Mbufs.data(m), Mbufs.dataLen(m));
        }
    }

    private static final int V_BASE = LoopVariant.BASE.ordinal();
    private static final int V_PREFETCH = LoopVariant.PREFETCH.ordinal();
    private static final int V_NOLEN = LoopVariant.NOLEN.ordinal();
    private static final int MODE_MACSWAP = ReflectMode.MACSWAP.ordinal();
    private static final int MODE_5TSWAP = ReflectMode.FIVE_TUPLE_SWAP.ordinal();
}
