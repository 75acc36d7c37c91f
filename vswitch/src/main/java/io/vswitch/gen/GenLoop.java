package io.vswitch.gen;

import io.vswitch.dpdk.LcoreLoop;
import io.vswitch.dpdk.Mbufs;
import io.vswitch.dpdk.PacketIo;
import io.vswitch.dpdk.Tsc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.HdrHistogram.Histogram;

/**
 * One generator lcore: transmits and receives on every queue it owns, in one pinned loop.
 *
 * <pre>
 *  per owned queue, per iteration:
 *    RX  n = rx_burst ─► RxAccounting.onBurst (one TSC per burst)
 *    TX  due = pacer.due(rdtsc, burst); the first min(n, due) received mbufs are reused as they
 *        are (Mbufs.recycle), the surplus freed, the rest alloc_bulk'ed ─► TxStream.fill
 *        ─► tx_burst ─► free_bulk the unsent tail and TxStream.unsend it
 *    (TX off: RX, then free_bulk)
 * </pre>
 * Every mbuf allocated or received in an iteration is sent or freed in that iteration. Sending
 * the received mbufs again saves a free and an alloc per frame (both from the same LIFO pool
 * cache anyway): measured within one start, switching every 250 ms, +3 to +7 % frames/s at 64 B.
 *
 * <h2>Control</h2>
 * The control thread drives the loop with {@link #command}: it writes the parameters (new pacers)
 * first, then the volatile command word {@code generation << 3 | op}; the loop reads the word
 * once per pass over its queues (a plain load on x86), acts on a new one outside the per-packet
 * path and acknowledges it with a volatile write of the same word. Ops:
 * <ul>
 * <li>{@link #TX_ON}: take the new pacers, transmit, and start a measurement (like {@link #MARK}).
 * <li>{@link #MARK}: start the measured window: per queue, RX accounting restarts at the TX
 *     stream's next sequence number (earlier frames count as stale), TX counters and the TSC are
 *     snapshotted, and so is the thread's allocation counter.
 * <li>{@link #TX_OFF}: stop transmitting and close the TX side of the window (RX keeps
 *     accounting: the drain).
 * <li>{@link #HOLD}: stop polling so the control thread can read the accounting.
 * <li>{@link #QUIT}: free whatever the RX rings still hold and leave ({@link #stop} sends it too).
 * </ul>
 * Between acknowledgements only the loop touches the per-queue state; the acknowledgement
 * (volatile write, then the control thread's volatile read) publishes it.
 *
 * <p>Nothing in the loop allocates: bursts are preallocated native arrays with precomputed tail
 * slices, frames are reached through the everything-segment {@link Mbufs#ALL}. DPDK is reached
 * only through {@code io.vswitch.dpdk}: rx, tx and free through the {@link PacketIo} (in the
 * program {@code DpdkIo.INSTANCE}, whose calls C2 inlines at these monomorphic sites), alloc_bulk
 * and rdtsc through {@link Mbufs#allocBulk} and {@link Tsc#read}; all end in the generated
 * static final handles, linked critical. {@link #allocatedInWindow()} is the thread's allocation
 * counter over the last measured window; the run reports it and the tests assert it is 0.
 *
 * <p>Pinning, lcore registration and failure recording are {@link LcoreLoop}'s; so is
 * {@link #allocatedInLoop()}, which counts from the end of {@link #link} (priming) on and so
 * includes the control work between windows.
 */
public final class GenLoop extends LcoreLoop {
    public static final int TX_ON = 1, MARK = 2, TX_OFF = 3, HOLD = 4, QUIT = 5;

    private final PacketIo io;
    /** Per owned queue: its port (the same for all unless the generator drives a port pair). */
    private final short[] ports;
    /**
     * Per owned queue: the owned queue whose TX stream its RX accounting expects (itself, or for
     * a port pair the same queue on the other port), so MARK starts both at the same sequence.
     */
    private final int[] sender;
    private final int burst;
    private final MemorySegment pool;
    private final short[] queues;
    private final TxStream[] tx;
    private final RxAccounting[] rx;
    /** Pacers in use, rebuilt from {@link #nextRates} on TX_ON. */
    private final RatePacer[] pacers;
    private volatile double[] nextRates;
    private final long tscHz;

    /** The one burst array: received mbufs, then the same (and topped-up) mbufs sent. */
    private final MemorySegment pkts;
    /** Its tails: {@code tails[i]} starts at entry i (for the unsent or surplus part of a burst). */
    private final MemorySegment[] tails;
    /** Its address, as {@link TxStream#fill} and {@link RxAccounting#onBurst} take it. */
    private final long pktsAddress;
    /** The pool's address (rte_mempool *), as mbufs record it: {@link Mbufs#recycle} checks it. */
    private final long poolAddress;

    // Window snapshots, per queue (written by the loop, read by control after an ack).
    private final long[] txPktsStart, txBytesStart, txPktsEnd, txBytesEnd;
    private long tscStart, tscEnd, allocStart, allocWindow;
    /** Bursts where alloc_bulk failed (pool empty): a sizing problem, reported. */
    private long allocFailures;
    /**
     * Who limits the rate, counted from MARK and copied at TX_OFF: TX bursts, those the ring did
     * not take whole (the peer drains slower than this loop sends), RX polls, and those that
     * returned a full burst (frames queue for this loop).
     */
    private long txBursts, txRingFull, rxPolls, rxFullBursts;
    private final long[] windowBurstStats = new long[4];

    private volatile int command;
    private volatile int ack;

    /**
     * @param cpu CPU to pin to
     * @param io the device: {@code DpdkIo.INSTANCE} in the program
     * @param port DPDK port id of every owned queue
     * @param pool the mempool to allocate TX mbufs from (rte_mempool *)
     * @param tscHz TSC frequency
     * @param burst frames per burst
     * @param queues queue ids this lcore owns
     * @param tx one TX stream per owned queue (stream id = queue id)
     * @param rx one RX accounting per owned queue
     */
    public GenLoop(int cpu, PacketIo io, int port, MemorySegment pool, long tscHz, int burst, int[] queues, TxStream[] tx, RxAccounting[] rx) {
        this(cpu, io, filled(queues.length, port), pool, tscHz, burst, queues, tx, rx);
    }

    /**
     * A loop whose queues may be on different ports: owned queue {@code k} is queue
     * {@code queues[k]} of port {@code ports[k]}, received and sent on there.
     */
    public GenLoop(int cpu, PacketIo io, int[] ports, MemorySegment pool, long tscHz, int burst, int[] queues, TxStream[] tx,
                   RxAccounting[] rx) {
        super(cpu);
        if (ports.length != queues.length || tx.length != queues.length || rx.length != queues.length)
            throw new IllegalArgumentException("one port, TX stream and RX accounting per queue");
        this.io = io;
        this.tscHz = tscHz;
        this.ports = new short[ports.length];
        for (int i = 0; i < ports.length; i++) this.ports[i] = (short) ports[i];
        this.sender = new int[queues.length];
        for (int k = 0; k < queues.length; k++) {
            sender[k] = -1;
            for (int j = 0; j < tx.length; j++) if (tx[j].stream() == rx[k].stream()) sender[k] = j;
            if (sender[k] < 0)
                throw new IllegalArgumentException("RX accounting " + k + " expects stream " + rx[k].stream()
                        + ", which no TX stream of this loop sends: a stream and the queue it comes back on belong to one loop");
        }
        this.pool = pool;
        this.burst = burst;
        this.queues = new short[queues.length];
        for (int i = 0; i < queues.length; i++) this.queues[i] = (short) queues[i];
        this.tx = tx;
        this.rx = rx;
        this.pacers = new RatePacer[queues.length];
        for (int i = 0; i < pacers.length; i++) pacers[i] = RatePacer.unlimited();
        this.pkts = Arena.global().allocate(ValueLayout.ADDRESS, burst);
        this.pktsAddress = pkts.address();
        this.tails = new MemorySegment[burst + 1];
        for (int i = 0; i <= burst; i++) tails[i] = pkts.asSlice((long) i * 8);
        this.poolAddress = pool.address();
        int n = queues.length;
        txPktsStart = new long[n];
        txBytesStart = new long[n];
        txPktsEnd = new long[n];
        txBytesEnd = new long[n];
    }

    private static int[] filled(int n, int v) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /** Sends {@code op} (with the next generation); set {@link #setPacers} before {@link #TX_ON}. */
    public int command(int op) {
        int c = ((command >>> 3) + 1) << 3 | op;
        command = c;
        return c;
    }

    /** Whether the loop has acted on command word {@code c} (or failed). */
    public boolean acked(int c) {
        return ack == c || failure() != null;
    }

    /**
     * Packet rates for the next {@link #TX_ON}, one per owned queue ({@code Infinity}: unpaced).
     * The loop builds the pacers itself, so their start is read from its own CPU's TSC (TSCs of
     * different CPUs of a VM need not agree).
     */
    public void setRates(double[] pps) {
        if (pps.length != queues.length) throw new IllegalArgumentException("one rate per queue");
        nextRates = pps.clone();
    }

    public int queueCount() { return queues.length; }
    public int queue(int i) { return queues[i]; }
    public TxStream tx(int i) { return tx[i]; }
    public RxAccounting rx(int i) { return rx[i]; }
    /** TX frames of queue {@code i} in the last window (after TX_OFF). */
    public long windowTxPackets(int i) { return txPktsEnd[i] - txPktsStart[i]; }
    /** Their bytes, FCS included. */
    public long windowTxBytes(int i) { return txBytesEnd[i] - txBytesStart[i]; }
    /** TSC ticks from MARK to TX_OFF. */
    public long windowTicks() { return tscEnd - tscStart; }
    /** Bytes this thread allocated from MARK to TX_OFF, or -1 if the JVM cannot tell. */
    public long allocatedInWindow() { return allocWindow; }
    /** TX bursts in the last window, and those the TX ring did not take whole. */
    public long windowTxBursts() { return windowBurstStats[0]; }
    public long windowTxRingFull() { return windowBurstStats[1]; }
    /** RX polls in the last window, and those that returned a full burst. */
    public long windowRxPolls() { return windowBurstStats[2]; }
    public long windowRxFullBursts() { return windowBurstStats[3]; }
    /** Bursts not sent because the pool was empty. */
    public long allocFailures() { return allocFailures; }
    /** Frames forgiven by the pacers because the loop fell behind (paced runs). */
    public long pacerSkipped() {
        long s = 0;
        for (RatePacer p : pacers) s += p.skipped();
        return s;
    }

    /** Stopping is quitting: the loop polls its command word, not {@link #running()}. */
    @Override
    protected void onStop() {
        command(QUIT);
    }

    /** Links the handles (the base's) and primes every path the loop may take. */
    @Override
    protected void link() {
        super.link();
        prime();
    }

    /**
     * Readies every path the loop may take, so nothing but packet work happens in a measured
     * window even when a rare path (a short tx burst, a duplicate, a pacer skip) first runs there:
     * <ul>
     * <li>links the downcall handles and calls each more than {@code MethodHandle}'s
     *     customisation threshold (127) times with no effect (zero-length bursts), since the
     *     one-off LambdaForm customisation generates bytecode on the calling thread;
     * <li>runs the rare paths of {@link TxStream} (unsend), {@link RxAccounting} (duplicate,
     *     reordered, late, stale, foreign, window jump), {@link RatePacer} (backlog forgiven) and
     *     this class once on scratch objects and buffers: the first execution of a bytecode
     *     resolves its constant-pool entry, which allocates on the executing thread.
     * </ul>
     * The real streams are left as they were (one frame built and taken back).
     */
    private void prime() {
        for (int i = 0; i < 300; i++) {
            Tsc.read();
            Mbufs.allocBulk(pool, pkts, 0);
            io.freeBulk(tails[0], 0);
            io.txBurst(ports[0], queues[0], pkts, 0);
            io.rxBurst(ports[0], queues[0], pkts, 0);
            currentThreadAllocatedBytes();
        }
        final int slot = 2048;
        MemorySegment scratch = Arena.global().allocate(4L * slot + 256, 64);
        MemorySegment mem = Mbufs.ALL;
        long base = scratch.address();
        for (int k = 0; k < queues.length; k++) {
            TxStream s = tx[k];
            RxAccounting probe = new RxAccounting(s.stream(), tscHz, 64, 1);
            long tsc = Tsc.read();
            int[] lens = new int[3];
            for (int i = 0; i < 3; i++) lens[i] = s.next(mem, base + (long) i * slot, tsc);
            probe.onFrame(mem, base + slot, lens[1], tsc + 1);     // new
            probe.onFrame(mem, base, lens[0], tsc + 1);            // reordered
            probe.onFrame(mem, base, lens[0], tsc + 1);            // duplicate
            probe.onFrame(mem, base + 2L * slot, lens[2], tsc - 1); // new, negative latency
            probe.onFrame(mem, base + 3L * slot, 10, tsc);         // foreign
            probe.recordLatencyTicks(Long.MAX_VALUE / 2);          // clamped
            probe.reset(s.nextSeq());
            probe.onFrame(mem, base, lens[0], tsc);                // stale
            s.unsend(3);
            RxAccounting late = new RxAccounting(s.stream(), tscHz, 64, 2);
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 200; j++) s.next(mem, base + (long) (j & 1) * slot, tsc);
                late.onFrame(mem, base + slot, lens[0], tsc);      // far ahead: the window jumps
                late.onFrame(mem, base, lens[0], tsc);
            }
            s.unsend(400);
            late.onFrame(mem, base + 2L * slot, lens[2], tsc);     // more than the window behind: late
        }
        // The per-packet path, hot, on fake mbufs, through the same burst methods the loop calls
        // (so C2 compiles them with their per-frame work inlined, as in the loop): HotSpot's C2
        // compile request for a method resolves all string constants of its class on the
        // requesting thread (about 4 KB for HdrHistogram), so those requests must come from here,
        // not from the first window.
        long fake = base + 3L * slot;                    // a fake rte_mbuf whose data is slot 0
        mem.set(Mbufs.U64, fake + Mbufs.BUF_ADDR, base - 128);
        mem.set(Mbufs.U16, fake + Mbufs.DATA_OFF, (short) 128);
        mem.set(Mbufs.U16, fake + Mbufs.NB_SEGS, (short) 1);     // a plain mbuf of our pool: recyclable
        mem.set(Mbufs.U16, fake + Mbufs.REFCNT, (short) 1);
        mem.set(Mbufs.U64, fake + Mbufs.POOL, poolAddress);
        long fakeForeign = fake + 256;                   // one whose data is zeros: not our frame
        mem.set(Mbufs.U64, fakeForeign + Mbufs.BUF_ADDR, fake + 1024 - 128);
        mem.set(Mbufs.U16, fakeForeign + Mbufs.DATA_OFF, (short) 128);
        Mbufs.setLen(fakeForeign, Frame.MIN_DATA_LEN);
        long fakeBurst = fake + 192;                     // burst arrays: {fake}, and {fakeForeign}
        mem.set(Mbufs.U64, fakeBurst, fake);
        mem.set(Mbufs.U64, fakeBurst + 8, fakeForeign);
        RatePacer hot = new RatePacer(tscHz / 4.0, tscHz, 0, 64);
        for (int k = 0; k < queues.length; k++) {
            TxStream s = tx[k];
            RxAccounting probe = new RxAccounting(s.stream(), tscHz, RxAccounting.DEFAULT_WINDOW, 1);
            final int rounds = 30_000;
            for (int i = 0; i < rounds; i++) {
                long tsc = Tsc.read();
                int n = hot.due(tsc, 1);
                hot.sent(n);
                Mbufs.recycle(fakeBurst, 1, poolAddress);
                s.fill(fakeBurst, 1, tsc);
                probe.onBurst(fakeBurst, 1, tsc + 100);
                if ((i & 63) == 0) {
                    probe.onBurst(fakeBurst + 8, 1, tsc);   // the fast path's way out
                    Mbufs.recycle(fakeBurst + 8, 1, poolAddress); // not recyclable (no segments)
                    Mbufs.allocBulk(pool, pkts, 0);
                    io.txBurst(ports[k], queues[k], pkts, 0);
                    io.rxBurst(ports[k], queues[k], pkts, 0);
                    io.freeBulk(pkts, 0);
                }
            }
            s.unsend(rounds);
        }
        // The window's first milliseconds: MARK clears each stream's books (RxAccounting.reset, a
        // histogram of ~25 k counts) and the frames still in flight then arrive stale, through
        // onFrame and Frame.parse. Both run once per run, so they would run interpreted on this
        // thread and be compiled by C1 and C2 on this CPU just as the window opens (measured with
        // perf: 10-40 ms of compiler threads on the generator's CPU in the window's first 60 ms,
        // enough for a p99.9 in the milliseconds). Run here often enough to be compiled before
        // traffic: a small histogram of the same class for the clear and the first record after
        // it (Arrays.fill among them), the reset itself, and a stale frame.
        Histogram small = new Histogram(1, 1024, 1);
        for (int i = 0; i < 6_000; i++) {
            small.reset();
            small.recordValue(1 + (i & 1023));
        }
        TxStream s0 = tx[0];
        RxAccounting stale = new RxAccounting(s0.stream(), tscHz, 64, 1);
        int len = s0.next(mem, base, Tsc.read());
        for (int i = 0; i < 300; i++) stale.reset(s0.nextSeq());
        for (int i = 0; i < 6_000; i++) stale.onFrame(mem, base, len, Tsc.read());
        s0.unsend(1);
        RatePacer p = new RatePacer(1000, tscHz, 0, 1);
        p.sent(p.due(tscHz, burst));
        p.pps();
        long[] a = new long[queues.length], b = new long[queues.length];
        snapshotTx(a, b);
        allocFailures++;
        allocFailures = 0;
    }

    private void snapshotTx(long[] packets, long[] bytes) {
        for (int k = 0; k < queues.length; k++) {
            packets[k] = tx[k].packets();
            bytes[k] = tx[k].bytes();
        }
    }

    /**
     * The outer loop only dispatches: commands go to {@link #onCommand}, the per-queue work to
     * {@link #pass}. Keeping the work in small methods that compile on their own (rather than in
     * one OSR-compiled loop) means a deoptimisation of the dispatcher, which a phase change can
     * cause, never sends the packet path back to the interpreter.
     */
    @Override
    protected void loop() {
        int seen = 0;
        for (;;) {
            int c = command;
            if (c != seen) {
                seen = c;
                if (!onCommand(c)) return;
                ack = c;
            }
            if (rxOn) {
                pass(txOn);
            } else {
                Thread.onSpinWait();
            }
        }
    }

    private boolean txOn, rxOn = true;

    /** Acts on a command word; false for QUIT (after draining the RX rings). */
    private boolean onCommand(int c) {
        switch (c & 7) {
            case QUIT -> {
                drainFree();
                ack = c;
                return false;
            }
            case TX_ON -> {
                double[] r = nextRates;
                long now = Tsc.read();
                for (int k = 0; k < pacers.length; k++)
                    pacers[k] = Double.isInfinite(r[k]) ? RatePacer.unlimited() : new RatePacer(r[k], tscHz, now, 4L * burst);
                txOn = true;
                rxOn = true;
                mark();
            }
            case MARK -> mark();
            case TX_OFF -> {
                txOn = false;
                tscEnd = Tsc.read();
                snapshotTx(txPktsEnd, txBytesEnd);
                long[] w = windowBurstStats;
                w[0] = txBursts;
                w[1] = txRingFull;
                w[2] = rxPolls;
                w[3] = rxFullBursts;
                long a = currentThreadAllocatedBytes();
                allocWindow = a < 0 || allocStart < 0 ? -1 : a - allocStart;
            }
            case HOLD -> {
                txOn = false;
                rxOn = false;
            }
            default -> { }
        }
        return true;
    }

    /** One pass over the owned queues: RX then TX out of the received mbufs (if TX is on), or RX only. */
    private void pass(boolean txOn) {
        final short[] queues = this.queues, ports = this.ports;
        for (int k = 0; k < queues.length; k++) {
            if (txOn) rxThenTx(k, ports[k], queues[k]);
            else rxBurst(k, ports[k], queues[k]);
        }
    }

    /**
     * RX, then TX out of the same mbufs: the frames just received and accounted are rewritten as
     * the next frames to send, topped up from the pool (or the surplus freed) to what the pacer
     * allows. Received mbufs that are not plain single-segment mbufs of our pool (never ours,
     * but a peer could send anything) are all freed and the burst is allocated instead.
     */
    private void rxThenTx(int k, short port, short q) {
        final PacketIo io = this.io;
        final MemorySegment pkts = this.pkts;
        final long pktsAddress = this.pktsAddress;
        int n = io.rxBurst(port, q, pkts, burst);
        rxPolls++;
        if (n == burst) rxFullBursts++;
        if (n > 0) rx[k].onBurst(pktsAddress, n, Tsc.read());
        RatePacer p = pacers[k];
        int due = p.isUnlimited() ? burst : Math.max(p.due(Tsc.read(), burst), 0);
        int reuse = Math.min(n, due);
        if (reuse > 0 && !Mbufs.recycle(pktsAddress, reuse, poolAddress)) reuse = 0;
        if (n > reuse) io.freeBulk(tails[reuse], n - reuse);
        if (due > reuse && Mbufs.allocBulk(pool, tails[reuse], due - reuse) != 0) {
            allocFailures++;
            due = reuse;
        }
        if (due == 0) return;
        TxStream s = tx[k];
        s.fill(pktsAddress, due, Tsc.read());
        int sent = io.txBurst(port, q, pkts, due);
        txBursts++;
        if (sent < due) {
            txRingFull++;
            io.freeBulk(tails[sent], due - sent);
            s.unsend(due - sent);
        }
        p.sent(sent);
    }

    private void rxBurst(int k, short port, short q) {
        final PacketIo io = this.io;
        final MemorySegment pkts = this.pkts;
        int n = io.rxBurst(port, q, pkts, burst);
        rxPolls++;
        if (n == 0) return;
        if (n == burst) rxFullBursts++;
        rx[k].onBurst(pktsAddress, n, Tsc.read());
        io.freeBulk(pkts, n);
    }

    private void mark() {
        for (int k = 0; k < queues.length; k++) rx[k].reset(tx[sender[k]].nextSeq());
        snapshotTx(txPktsStart, txBytesStart);
        snapshotTx(txPktsEnd, txBytesEnd);
        txBursts = txRingFull = rxPolls = rxFullBursts = 0;
        allocStart = currentThreadAllocatedBytes();
        tscStart = tscEnd = Tsc.read();
    }

    /** Frees what the RX rings hold, unaccounted, until a few polls in a row find nothing. */
    private void drainFree() {
        int empty = 0;
        while (empty < 1000) {
            boolean any = false;
            for (int k = 0; k < queues.length; k++) {
                int n = io.rxBurst(ports[k], queues[k], pkts, burst);
                if (n > 0) {
                    io.freeBulk(pkts, n);
                    any = true;
                }
            }
            empty = any ? 0 : empty + 1;
        }
    }
}
