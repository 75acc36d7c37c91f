package io.vswitch.datapath;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One poll loop's cycle accounting, the analogue of Open vSwitch's {@code pmd-stats-show}:
 * TSC cycles spent in polls that returned frames (busy: receiving, switching and sending them)
 * and in polls that returned none (idle), frames and non-empty polls (bursts), and per
 * (port, rx queue) the busy cycles of its polls ({@code pmd-rxq-show}).
 *
 * <pre>
 *   t0 ─ rx_burst(p, q) ─ n == 0 ─────────────────────────── t1 : idle += t1 - t0
 *   t1 ─ rx_burst(p, q) ─ n > 0 ─ decide, stage, transmit ── t2 : busy += t2 - t1, rxq[p][q] += t2 - t1,
 *                                                                 frames += n, bursts++
 * </pre>
 *
 * <p>Every poll, busy or idle, also lands in a histogram of its duration in microseconds, in
 * powers of two ({@link #POLL_BUCKETS}), the analogue of OVS's {@code pmd-perf-show}
 * histograms: a poll that took milliseconds (the loop descheduled, a vCPU the host took away,
 * a recompilation, a tx that waited) shows there even when the busy share and the cycles per
 * frame hide it. Per poll that is one multiply, one leading-zero count and one increment.
 *
 * <pre>
 *   us = cycles * ceil(2^32 * 1e6 / tsc_hz) >>> 32    bucket 0: under 1 us
 *   bucket = 64 - numberOfLeadingZeros(us)             bucket k (1..24): [2^(k-1), 2^k) us
 *                                                      bucket 25: 2^24 us (16.8 s) and more
 * </pre>
 *
 * One TSC read per poll, the loop's own (each poll's end is the next one's start). Written only
 * by the owning loop with plain stores, read by the control thread with opaque loads, as
 * {@link PortCounters} are: a reader sees each counter at some recent moment, never torn. The
 * counters only grow; a "clear" is a baseline {@link Snapshot} the reader keeps and subtracts.
 */
public final class LcoreCycles {
    /** Rx queues per port accounted separately; higher ones share the last slot. */
    public static final int MAX_QUEUES = 32;

    private static final int BUSY = 0;
    private static final int IDLE = 1;
    private static final int FRAMES = 2;
    private static final int BURSTS = 3;
    /** The totals sit on their own cache line, the per-queue slots after it. */
    private static final int RXQ = 16;
    private static final VarHandle COUNT = MethodHandles.arrayElementVarHandle(long[].class);

    /** Poll-duration buckets: under 1 us, then [2^(k-1), 2^k) us for k = 1..24, then the rest. */
    public static final int POLL_BUCKETS = 26;
    /** Fixed-point shift of {@link #usPerCycle}: rounded up, so a poll lands in the next bucket only within a millionth of its bound. */
    private static final int US_SHIFT = 32;

    private final long[] c;
    private final int ports;
    /** Where the poll histogram starts in {@link #c} (after the per-queue slots). */
    private final int hist;
    /** Microseconds per TSC cycle, times 2^{@value #US_SHIFT}, rounded up. */
    private final long usPerCycle;
    /** Longer polls are counted as this long (no overflow; still 2^31 us, in the last bucket). */
    private final long maxCycles;

    /**
     * @param ports one more than the largest port id the loop polls
     * @param tscHz TSC cycles per second, to bucket polls by microseconds
     */
    public LcoreCycles(int ports, long tscHz) {
        if (tscHz <= 0) {
            throw new IllegalArgumentException("tsc_hz must be positive, got " + tscHz);
        }
        this.ports = ports;
        this.hist = RXQ + ports * MAX_QUEUES + 8;
        this.c = new long[hist + POLL_BUCKETS + 8];
        this.usPerCycle = Math.max(1, (long) Math.ceil((double) (1L << US_SHIFT) * 1e6 / tscHz));
        this.maxCycles = Long.MAX_VALUE / usPerCycle;
    }

    /** The histogram bucket of a poll of {@code cycles}. */
    int bucket(long cycles) {
        long us = (Math.min(Math.max(cycles, 0), maxCycles) * usPerCycle) >>> US_SHIFT;
        return Math.min(64 - Long.numberOfLeadingZeros(us), POLL_BUCKETS - 1);
    }

    /** The upper bound of bucket {@code k} in microseconds (2^k), or +infinity for the last. */
    public static double bucketUpperUs(int k) {
        return k >= POLL_BUCKETS - 1 ? Double.POSITIVE_INFINITY : (double) (1L << k);
    }

    private static int slot(int port, int queue) {
        return RXQ + port * MAX_QUEUES + Math.min(queue, MAX_QUEUES - 1);
    }

    /** An empty poll took {@code cycles}: the owning loop only. */
    public void idle(long cycles) {
        c[IDLE] += cycles;
        c[hist + bucket(cycles)]++;
    }

    /** A poll of ({@code port}, {@code queue}) returned {@code frames} frames and took {@code cycles} in all. */
    public void busy(int port, int queue, long cycles, int frames) {
        c[BUSY] += cycles;
        c[FRAMES] += frames;
        c[BURSTS]++;
        c[slot(port, queue)] += cycles;
        c[hist + bucket(cycles)]++;
    }

    private long get(int i) {
        return (long) COUNT.getOpaque(c, i);
    }

    /** The counters now, from any thread. */
    public Snapshot snapshot() {
        long[] rxq = new long[ports * MAX_QUEUES];
        for (int i = 0; i < rxq.length; i++) {
            rxq[i] = get(RXQ + i);
        }
        long[] polls = new long[POLL_BUCKETS];
        for (int i = 0; i < polls.length; i++) {
            polls[i] = get(hist + i);
        }
        return new Snapshot(get(BUSY), get(IDLE), get(FRAMES), get(BURSTS), rxq, polls);
    }

    /**
     * A reading of every counter (per rx queue: {@code rxqBusy[port * MAX_QUEUES + queue]}; polls
     * by duration: {@code polls[k]}, bucket k as {@link LcoreCycles} says).
     */
    public record Snapshot(long busy, long idle, long frames, long bursts, long[] rxqBusy, long[] polls) {
        /** No cycles yet: the baseline of a loop never cleared. */
        public static Snapshot zero(int ports) {
            return new Snapshot(0, 0, 0, 0, new long[ports * MAX_QUEUES], new long[POLL_BUCKETS]);
        }

        /** This reading minus {@code base} (a clear). */
        public Snapshot minus(Snapshot base) {
            long[] r = new long[rxqBusy.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = rxqBusy[i] - base.rxqBusy[i];
            }
            long[] p = new long[polls.length];
            for (int i = 0; i < p.length; i++) {
                p[i] = polls[i] - base.polls[i];
            }
            return new Snapshot(busy - base.busy, idle - base.idle, frames - base.frames, bursts - base.bursts, r, p);
        }

        /** Polls counted in the histogram (busy and idle). */
        public long pollCount() {
            long n = 0;
            for (long v : polls) {
                n += v;
            }
            return n;
        }

        /** The highest bucket with a poll in it, or -1 without polls. */
        public int longestBucket() {
            for (int k = polls.length - 1; k >= 0; k--) {
                if (polls[k] != 0) {
                    return k;
                }
            }
            return -1;
        }

        /** Busy cycles of ({@code port}, {@code queue}). */
        public long rxqBusy(int port, int queue) {
            return rxqBusy[slot(port, queue) - RXQ];
        }

        /** Share of the polling time with frames, 0..100 (0 before any poll). */
        public double busyPct() {
            long all = busy + idle;
            return all == 0 ? 0 : 100.0 * busy / all;
        }

        /** Busy cycles per frame received (0 without frames). */
        public double cyclesPerFrame() {
            return frames == 0 ? 0 : (double) busy / frames;
        }

        /** Frames per non-empty poll (0 without one). */
        public double framesPerBurst() {
            return bursts == 0 ? 0 : (double) frames / bursts;
        }

        /** ({@code port}, {@code queue})'s share of the busy cycles, 0..100. */
        public double busySharePct(int port, int queue) {
            return busy == 0 ? 0 : 100.0 * rxqBusy(port, queue) / busy;
        }
    }
}
