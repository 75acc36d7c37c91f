package io.vswitch.bench.jmh;

import io.vswitch.datapath.Forwarding;
import io.vswitch.datapath.LcoreCycles;
import io.vswitch.datapath.MacTable;
import io.vswitch.datapath.MbufSink;
import io.vswitch.datapath.PortCounters;
import io.vswitch.datapath.PortSet;
import io.vswitch.datapath.TxLock;
import io.vswitch.dpdk.EthPort;
import io.vswitch.dpdk.Mbufs;
import io.vswitch.dpdk.PacketIo;
import io.vswitch.dpdk.Tsc;
import io.vswitch.gen.FlowTable;
import io.vswitch.gen.SizeMix;
import io.vswitch.gen.TxStream;
import io.vswitch.sw.SwitchLoop;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The L2 switch's per-burst work on fake mbufs, ns per frame: what {@code bin/vswitch --mode
 * switch} spends per frame beyond the vhost copies of {@code --mode io}. The set-up of
 * {@code bench/switch-bench.sh}: two trunk ports (0 and 1) polled by one lcore, each receiving
 * bursts of 32 frames of 64 B between two fixed MACs (port 0 from A to B, port 1 from B to A, as
 * the testpmd guest's macswap sends them), with {@code flows} = 1 (the same frame) or 1024
 * (1024 mbufs per port, destination IP varying, bursts cycling through them). Both MACs are
 * learned in setup, so every frame is known unicast to the other port.
 *
 * <p>Each invocation handles one burst from port 0 and one from port 1 (64 frames) with
 * {@link SwitchLoop}'s own code ({@link SwitchLoop#decide}, {@link SwitchLoop#send}); the rx
 * burst is a copy of 32 prepared pointers into the loop's rx array, the tx side takes every
 * frame and does nothing with it. The benchmarks peel the work by stage:
 * <pre>
 *   rx       the rx stand-in alone (32 pointer copies per burst)
 *   forward  + Forwarding.known, else decideInBurst, per frame (the loop's frame pass without staging)
 *   decide   + SwitchStage.stage: SwitchLoop.decide
 *   burst    + SwitchStage.transmit, the rx counters and the cycle accounting: the loop's whole poll
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class SwitchBench {
    static final int BURST = 32;
    /** The poll histogram's TSC rate (it only buckets the cycles the benchmark's polls take). */
    static final long TSC_HZ = 2_600_000_000L;
    /** Frames per invocation: a burst on each port. */
    static final int FRAMES = 2 * BURST;
    static final int HEADER = 128;
    static final int ROOM = 2048;
    static final int HEADROOM = 128;
    static final long MAC_A = 0x02_00_00_00_00_01L;
    static final long MAC_B = 0x02_00_00_00_00_02L;
    static final ValueLayout.OfLong BE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);

    @Param({"1", "1024"})
    int flows;

    /**
     * true: {@code Forwarding.decideInBurst} is called on its own (and so compiled on its own)
     * before the benchmark, as it is in the switch; false: the benchmark's callers are compiled first.
     */
    @Param({"true"})
    boolean decideFirst;

    private final Arena arena = Arena.ofShared();
    private SwitchLoop loop;
    private Forwarding fwd;
    private LcoreCycles cycles;
    private PortSet set;
    private int[] txqOf;
    private TxLock[] locks;
    private MemorySegment rxArray;
    /** Per port, the rx bursts to cycle through: bursts[port] holds {@code rounds} arrays of 32 pointers. */
    private MemorySegment[] bursts;
    private int rounds;
    private int round;
    private long t0;

    /** Takes every frame, frees nothing (these mbufs are not DPDK's). */
    static final class TakeAll implements PacketIo, MbufSink {
        @Override
        public int rxBurst(int port, int queue, MemorySegment pkts, int max) {
            return 0;
        }

        @Override
        public int txBurst(int port, int queue, MemorySegment pkts, int n) {
            return n;
        }

        @Override
        public void freeBulk(MemorySegment pkts, int n) {}

        @Override
        public void addReferences(long mbuf, int extra) {}

        @Override
        public boolean pushVlan(long mbuf, int vid) {
            return false;
        }

        @Override
        public void popVlan(long mbuf) {}

        @Override
        public long copy(long mbuf) {
            return 0;
        }
    }

    @Setup
    public void setup() {
        int ports = EthPort.MAX_PORTS;
        TakeAll io = new TakeAll();
        MacTable table = new MacTable(8192);
        fwd = new Forwarding(table, new PortCounters(ports));
        set = PortSet.of(ports, Map.of(0, PortSet.TRUNK, 1, PortSet.TRUNK));
        loop = new SwitchLoop(1, io, io, 0, BURST, fwd, new SwitchLoop.Plan(0, new int[] {0, 1}, new int[] {0, 0}, set), TSC_HZ);
        cycles = new LcoreCycles(ports, TSC_HZ);
        txqOf = new int[ports];
        locks = new TxLock[ports];
        rxArray = loop.rxArray();
        int perPort = Math.max(BURST, flows);
        rounds = perPort / BURST;
        bursts = new MemorySegment[2];
        for (int port = 0; port < 2; port++) {
            FlowTable ft = new FlowTable(flows, FlowTable.DEFAULT_SRC_IP, FlowTable.DEFAULT_DST_IP,
                    FlowTable.DEFAULT_SRC_PORT, FlowTable.DEFAULT_DST_PORT);
            TxStream tx = port == 0 ? new TxStream(0, SizeMix.fixed(64), ft, MAC_A, MAC_B)
                    : new TxStream(0, SizeMix.fixed(64), ft, MAC_B, MAC_A);
            long mbufs = arena.allocate((long) perPort * (HEADER + ROOM), 64).address();
            bursts[port] = arena.allocate(8L * perPort, 64);
            for (int i = 0; i < perPort; i++) {
                long m = mbufs + (long) i * (HEADER + ROOM);
                Mbufs.ALL.set(Mbufs.U64, m + Mbufs.BUF_ADDR, m + HEADER);
                Mbufs.ALL.set(Mbufs.U16, m + Mbufs.DATA_OFF, (short) HEADROOM);
                Mbufs.ALL.set(Mbufs.U16, m + Mbufs.NB_SEGS, (short) 1);
                Mbufs.setLen(m, tx.next(Mbufs.ALL, Mbufs.data(m), i));
                bursts[port].setAtIndex(ValueLayout.JAVA_LONG, i, m);
            }
        }
        long now = System.nanoTime();
        if (decideFirst) {
            // the switch's order: its loop runs forever, so only an OSR compile of it ever inlines
            // anything, while Forwarding.decideInBurst, called 32 times a burst, is compiled on its own first
            Forwarding warm = new Forwarding(table, new PortCounters(ports));
            long m = bursts[0].getAtIndex(ValueLayout.JAVA_LONG, 0);
            for (int i = 0; i < 200_000; i++) {
                warm.newBurst();
                warm.decideInBurst(0, PortSet.TRUNK, Mbufs.ALL, Mbufs.data(m), Mbufs.dataLen(m), now);
            }
            table.flush(-1);
        }
        table.learn(MAC_A, 0, 0, now);
        table.learn(MAC_B, 0, 1, now);
        t0 = Tsc.read();
    }

    /** Every frame was forwarded to the other port, none flooded or dropped (the bench measured what it says). */
    @TearDown
    public void check() {
        PortCounters c = fwd.counters();
        for (int p = 0; p < 2; p++) {
            long fl = c.get(p, PortCounters.FLOODED);
            long dr = c.drops(p);
            if (fl != 0 || dr != 0) {
                throw new IllegalStateException("port " + p + ": " + fl + " flooded, " + dr + " dropped");
            }
            if (c.get(p, PortCounters.RX_PACKETS) != c.get(1 - p, PortCounters.TX_PACKETS)) {
                throw new IllegalStateException("port " + p + ": rx " + c.get(p, PortCounters.RX_PACKETS) + " != tx of "
                        + (1 - p) + " " + c.get(1 - p, PortCounters.TX_PACKETS));
            }
        }
        arena.close();
    }

    /** The rx stand-in: the next burst of {@code port} into the loop's rx array. */
    private void rx(int port) {
        MemorySegment.copy(bursts[port], 8L * BURST * round, rxArray, 0, 8L * BURST);
    }

    private void next() {
        if (++round == rounds) {
            round = 0;
        }
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public void rx() {
        rx(0);
        rx(1);
        next();
    }

    /** The loop's frame pass (length, rx bytes, Forwarding per frame), no staging. */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long forward() {
        long b = forward(0) + forward(1);
        next();
        return b;
    }

    private long forward(int in) {
        rx(in);
        final MemorySegment pkts = rxArray;
        final Forwarding fwd = this.fwd;
        long now = System.nanoTime();
        long bytes = 0;
        int access = set.accessVlan(in);
        fwd.newBurst();
        int d = 0;
        for (int i = 0; i < BURST; i++) {
            long m = pkts.getAtIndex(ValueLayout.JAVA_LONG, i);
            bytes += Mbufs.pktLen(m);
            long data = Mbufs.data(m);
            int dataLen = Mbufs.dataLen(m);
            int o = Forwarding.REDO;
            if (dataLen >= 14) {
                o = fwd.known(in, access, Mbufs.ALL.get(BE_LONG, data), Mbufs.ALL.get(BE_LONG, data + 4) & 0xFFFF_FFFF_FFFFL,
                        Short.toUnsignedInt(Mbufs.ALL.get(BE_SHORT, data + 12)));
            }
            if (o == Forwarding.REDO) {
                o = fwd.decideInBurst(in, access, Mbufs.ALL, data, dataLen, now);
            }
            d += o + fwd.lastVlan();
        }
        return bytes + d;
    }

    /** {@link SwitchLoop#decide}: the frame pass and the staging. */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long decide() {
        rx(0);
        long b = loop.decide(0, BURST, set);
        rx(1);
        b += loop.decide(1, BURST, set);
        next();
        return b;
    }

    /** The loop's whole poll of a burst: decide, send (transmit, rx counters), cycle accounting. */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public void burst() {
        poll(0);
        poll(1);
        next();
    }

    private void poll(int in) {
        rx(in);
        long bytes = loop.decide(in, BURST, set);
        loop.send(in, BURST, bytes, txqOf, locks);
        long t = Tsc.read();
        cycles.busy(in, 0, t - t0, BURST);
        t0 = t;
    }
}
